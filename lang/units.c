/* units.c -- dimension algebra and unit-expression parsing (units.h). */
#include "config.h"
#include "units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct UnitRow {
	const char *name;
	double scale;
	Dim dim;
	bool prefixable;
} UnitRow;

static const UnitRow units[] = {
#define UNIT(n, sc, s, b, f, t, r, u, j, p) {n, sc, {{s, b, f, t, r, u, j}}, p},
#include "units.def"
#undef UNIT
};

static const struct { const char *name; double factor; } prefixes[] = {
#define PREFIX(n, f) {n, f},
#include "units.def"
#undef PREFIX
};

static const struct { const char *name; Dim dim; } dimnames[] = {
#define DIMNAME(n, s, b, f, t, r, u, j) {n, {{s, b, f, t, r, u, j}}},
#include "units.def"
#undef DIMNAME
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const Dim dim_none = {{0}};

bool dim_eq(Dim a, Dim b) { return memcmp(a.e, b.e, sizeof a.e) == 0; }
bool dim_is_none(Dim a) { return dim_eq(a, dim_none); }

Dim dim_mul(Dim a, Dim b)
{
	for (int i = 0; i < DIM_N; i++) a.e[i] = (signed char)(a.e[i] + b.e[i]);
	return a;
}

Dim dim_div(Dim a, Dim b)
{
	for (int i = 0; i < DIM_N; i++) a.e[i] = (signed char)(a.e[i] - b.e[i]);
	return a;
}

bool dim_mul_ok(Dim a, Dim b, int sign, Dim *out)
{
	for (int i = 0; i < DIM_N; i++) {
		int v = a.e[i] + sign * b.e[i];
		if (v > 100 || v < -100) return false;
		a.e[i] = (signed char)v;
	}
	*out = a;
	return true;
}

bool dim_pow(Dim a, long num, long den, Dim *out)
{
	Dim r = dim_none;
	for (int i = 0; i < DIM_N; i++) {
		long v = (long)a.e[i] * num;
		if (den == 0 || v % den != 0) return false;
		v /= den;
		if (v > 100 || v < -100) return false;
		r.e[i] = (signed char)v;
	}
	*out = r;
	return true;
}

static const char *base_names[DIM_N] = {"s", "B", "FLOP", "tok", "req", "USD", "J"};

/* Numerator factors first, then "/" and denominator factors; J/s is shown
 * as W (power is common in gpu records). */
void dim_format(Dim d, char *out, size_t n)
{
	char buf[128] = "";
	size_t len = 0;
	int num = 0, den = 0;
	if (d.e[DIM_J] > 0 && d.e[DIM_S] < 0) {
		/* show power as W: J^1 s^-1 -> W */
		int w = d.e[DIM_J] < -d.e[DIM_S] ? d.e[DIM_J] : -d.e[DIM_S];
		if (w == 1 && d.e[DIM_J] == 1 && d.e[DIM_S] == -1) {
			Dim rest = d;
			rest.e[DIM_J] = 0;
			rest.e[DIM_S] = 0;
			if (dim_is_none(rest)) {
				snprintf(out, n, "W");
				return;
			}
		}
	}
	for (int i = 0; i < DIM_N; i++) {
		if (d.e[i] <= 0) continue;
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", num ? "*" : "", base_names[i]);
		if (d.e[i] != 1) len += (size_t)snprintf(buf + len, sizeof buf - len, "^%d", d.e[i]);
		num++;
	}
	if (!num) len += (size_t)snprintf(buf + len, sizeof buf - len, "1");
	for (int i = 0; i < DIM_N; i++) {
		if (d.e[i] >= 0) continue;
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", den ? "*" : "/", base_names[i]);
		if (d.e[i] != -1) len += (size_t)snprintf(buf + len, sizeof buf - len, "^%d", -d.e[i]);
		den++;
	}
	snprintf(out, n, "%s", buf);
}

void dim_describe(Dim d, char *out, size_t n)
{
	char f[128];
	dim_format(d, f, sizeof f);
	for (size_t i = 0; i < COUNT(dimnames); i++)
		if (dim_eq(dimnames[i].dim, d)) {
			if (dim_is_none(d))
				snprintf(out, n, "a dimensionless number");
			else if (strcmp(dimnames[i].name, f) == 0)
				snprintf(out, n, "%s", f);
			else
				snprintf(out, n, "%s [%s]", dimnames[i].name, f);
			return;
		}
	snprintf(out, n, "[%s]", f);
}

static const UnitRow *find_unit(const char *s, size_t n)
{
	for (size_t i = 0; i < COUNT(units); i++)
		if (strlen(units[i].name) == n && memcmp(units[i].name, s, n) == 0)
			return &units[i];
	return NULL;
}

/* One atom: [prefix] unit.  Exact names win over prefix splits ("min"). */
static bool atom_parse(const char *s, size_t n, double *scale, Dim *dim)
{
	const UnitRow *u = find_unit(s, n);
	if (u) {
		*scale = u->scale;
		*dim = u->dim;
		return true;
	}
	for (size_t i = 0; i < COUNT(prefixes); i++) {
		size_t pl = strlen(prefixes[i].name);
		if (pl >= n || memcmp(prefixes[i].name, s, pl) != 0) continue;
		u = find_unit(s + pl, n - pl);
		if (u && u->prefixable) {
			*scale = prefixes[i].factor * u->scale;
			*dim = u->dim;
			return true;
		}
	}
	return false;
}

static bool is_atom_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '%' || c >= 0x80;
}

/* Factors are kept as a multiplier and a divisor so that `10 us` is
 * 10 / 1e6 (the double nearest 1e-5) rather than 10 * 1e-6 (which is not):
 * a scale below 1 is applied as a division by its exact reciprocal. */
static void apply_scale(double sc, long ex, double *mul, double *div)
{
	bool small = sc < 1;
	double f = small ? nearbyint(1 / sc) : sc;
	if (small && fabs(f - 1 / sc) > 1e-9 * f) { small = false; f = sc; }
	bool up = (ex > 0) != small;
	for (long k = 0; k < (ex < 0 ? -ex : ex); k++) {
		if (up) *mul *= f; else *div *= f;
	}
}

bool unit_parse(const char *text, size_t len, double *mul, double *div, Dim *dim,
		size_t *bad_off, size_t *bad_len)
{
	double m = 1.0, dv = 1.0;
	Dim d = dim_none;
	size_t i = 0;
	int sign = 1;
	if (len == 1 && text[0] == '1') {
		*mul = *div = 1.0;
		*dim = dim_none;
		return true;
	}
	for (;;) {
		size_t a = i;
		while (i < len && is_atom_char((unsigned char)text[i]))
			i++;
		double asc;
		Dim ad;
		if (i == a || !atom_parse(text + a, i - a, &asc, &ad)) {
			*bad_off = a;
			*bad_len = i > a ? i - a : (i < len ? 1 : 0);
			return false;
		}
		long ex = 1;
		if (i < len && text[i] == '^') {
			size_t e0 = ++i;
			if (i < len && text[i] == '-') i++;
			while (i < len && text[i] >= '0' && text[i] <= '9') i++;
			if (i == e0 || (i == e0 + 1 && text[e0] == '-') || i - e0 > 3) {
				*bad_off = e0 - 1;
				*bad_len = i - e0 + 1;
				return false;
			}
			ex = strtol(text + e0, NULL, 10);
		}
		Dim p;
		if (!dim_pow(ad, ex * sign, 1, &p) || !dim_mul_ok(d, p, 1, &d)) {
			*bad_off = a;
			*bad_len = i - a;
			return false;
		}
		apply_scale(asc, ex * sign, &m, &dv);
		if (i == len) break;
		if (text[i] == '/') sign = -1;
		else if (text[i] == '*') sign = 1;
		else {
			*bad_off = i;
			*bad_len = 1;
			return false;
		}
		i++;
	}
	*mul = m;
	*div = dv;
	*dim = d;
	return true;
}

const char *unit_name(size_t i, double *scale, Dim *dim, bool *prefixable)
{
	if (i >= COUNT(units)) return NULL;
	if (scale) *scale = units[i].scale;
	if (dim) *dim = units[i].dim;
	if (prefixable) *prefixable = units[i].prefixable;
	return units[i].name;
}

const char *unit_prefix(size_t i, double *factor)
{
	if (i >= COUNT(prefixes)) return NULL;
	if (factor) *factor = prefixes[i].factor;
	return prefixes[i].name;
}
