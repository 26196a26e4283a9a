/* units_fmt.c -- readable units (units_fmt.h). */
#include "config.h"
#include "units_fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Time has its own ladder; bytes use binary prefixes (memory sizes are
 * quoted that way); everything else decimal SI prefixes on its base-unit
 * spelling (FLOP/s, tok/s, B/s, W, ...). */
void units_scale(double v, Dim d, double *factor, char *unit, size_t n)
{
	char base[64];
	dim_format(d, base, sizeof base);
	double a = fabs(v);
	*factor = 1;
	snprintf(unit, n, "%s", dim_is_none(d) ? "" : base);
	if (!isfinite(v) || v == 0 || dim_is_none(d)) return;
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
				*factor = t[i].f;
				snprintf(unit, n, "%s", t[i].u);
				return;
			}
	}
	if (dim_eq(d, byte)) {
		static const char *p[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
		int k = 0;
		while (k < 5 && a >= 1024) { a /= 1024; k++; *factor *= 1024; }
		snprintf(unit, n, "%s", p[k]);
		return;
	}
	if (!strncmp(base, "1/", 2) || strchr(base, '*') || strchr(base, '^'))
		return;  /* no prefix fits these */
	static const char *pre[] = {"p", "n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
	int e = (int)floor(log10(a) / 3);
	if (e < -4) e = -4;
	if (e > 6) e = 6;
	/* prefixes apply to the first unit of the spelling (k on "FLOP/s") */
	*factor = pow(1000, e);
	snprintf(unit, n, "%s%s", pre[e + 4], base);
}

void units_readable(Buf *out, double v, Dim d)
{
	char unit[80];
	if (isnan(v)) {   /* the sign of a NaN means nothing */
		dim_format(d, unit, sizeof unit);
		buf_printf(out, dim_is_none(d) ? "nan" : "nan %s", unit);
		return;
	}
	double f;
	units_scale(v, d, &f, unit, sizeof unit);
	if (dim_is_none(d) && v == floor(v) && fabs(v) < 1e15 && v != 0)
		buf_printf(out, "%.0f", v);   /* a count in full: 1000001, not 1e+06 */
	else if (!isfinite(v) || v == 0 || dim_is_none(d))
		buf_printf(out, *unit ? "%.6g %s" : "%.6g", v, unit);
	else
		buf_printf(out, "%.4g %s", v / f, unit);
}
