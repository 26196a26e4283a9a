/* units_fmt.c -- readable units (units_fmt.h). */
#include "config.h"
#include "units_fmt.h"

#include <math.h>
#include <string.h>

/* Time has its own ladder; bytes use binary prefixes (memory sizes are
 * quoted that way); everything else decimal SI prefixes on its base-unit
 * spelling (FLOP/s, tok/s, B/s, W, ...). */
void units_readable(Buf *out, double v, Dim d)
{
	char unit[64];
	dim_format(d, unit, sizeof unit);
	double a = fabs(v);
	if (isnan(v)) {   /* the sign of a NaN means nothing */
		buf_printf(out, dim_is_none(d) ? "nan" : "nan %s", unit);
		return;
	}
	if (!isfinite(v) || v == 0 || dim_is_none(d)) {
		buf_printf(out, dim_is_none(d) ? "%.6g" : "%.6g %s", v, unit);
		return;
	}
	Dim sec = dim_none;
	sec.e[DIM_S] = 1;
	Dim byte = dim_none;
	byte.e[DIM_B] = 1;
	if (dim_eq(d, sec)) {
		static const struct { double f; const char *u; } t[] = {
			{3600, "h"}, {60, "min"}, {1, "s"}, {1e-3, "ms"}, {1e-6, "us"}, {1e-9, "ns"}};
		for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
			if (a >= t[i].f || i + 1 == sizeof t / sizeof t[0]) {
				if (t[i].f > 1 && a < 2 * t[i].f) continue; /* 90 s, not 1.5 min */
				buf_printf(out, "%.4g %s", v / t[i].f, t[i].u);
				return;
			}
	}
	if (dim_eq(d, byte)) {
		static const char *p[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
		int k = 0;
		while (k < 5 && a >= 1024) { a /= 1024; k++; }
		buf_printf(out, "%.4g %s", v < 0 ? -a : a, p[k]);
		return;
	}
	if (!strncmp(unit, "1/", 2) || strchr(unit, '*') || strchr(unit, '^')) {
		buf_printf(out, "%.4g %s", v, unit);  /* no prefix fits these */
		return;
	}
	static const char *pre[] = {"p", "n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
	int e = (int)floor(log10(a) / 3);
	if (e < -4) e = -4;
	if (e > 6) e = 6;
	/* prefixes apply to the first unit of the spelling (k on "FLOP/s") */
	buf_printf(out, "%.4g %s%s", v / pow(1000, e), pre[e + 4], unit);
}
