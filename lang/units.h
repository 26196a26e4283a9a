/* units.h -- physical dimensions and unit names.
 *
 * A Dim is a vector of integer exponents over the seven base dimensions
 * (time s, bytes B, FLOP, tokens tok, requests req, money USD, energy J).
 * Every number in sglsim is stored in base units; a unit name only scales
 * it (`80 GiB` = 85899345920 with Dim B).  The table of unit names and
 * prefixes is lang/units.def.
 *
 * Unit expressions: ATOM (('/' | '*') ATOM)* where ATOM is a unit name,
 * optionally with a prefix (k M G T P Ki Mi Gi Ti Pi) and an integer
 * exponent (`tok^2`, `s^-1`).  "1" alone is dimensionless.
 */
#ifndef SGL_UNITS_H
#define SGL_UNITS_H
#include <stdbool.h>
#include <stddef.h>

enum { DIM_S, DIM_B, DIM_FLOP, DIM_TOK, DIM_REQ, DIM_USD, DIM_J, DIM_N };

typedef struct Dim {
	signed char e[DIM_N];
} Dim;

extern const Dim dim_none;
bool dim_eq(Dim a, Dim b);
bool dim_is_none(Dim a);
Dim  dim_mul(Dim a, Dim b);
Dim  dim_div(Dim a, Dim b);
/* As dim_mul/dim_div, but false when an exponent would leave -100..100. */
bool dim_mul_ok(Dim a, Dim b, int sign, Dim *out);
/* a^(num/den); false if an exponent would not be an integer or overflows. */
bool dim_pow(Dim a, long num, long den, Dim *out);

/* "B/s", "tok^2", "1" for dimensionless.  Writes at most n bytes. */
void dim_format(Dim d, char *out, size_t n);
/* "bandwidth [B/s]", or "[FLOP*tok]" when the dimension has no name. */
void dim_describe(Dim d, char *out, size_t n);

/* Parses a unit expression of length len.  On success sets *dim and the
 * scale as *mul / *div (a value in these units is v * mul / div in base
 * units; the divisor keeps `10 us` exact) and returns true.  On failure returns false and sets *bad_off and *bad_len to
 * the offending part of the text. */
bool unit_parse(const char *text, size_t len, double *mul, double *div, Dim *dim,
		size_t *bad_off, size_t *bad_len);

/* Enumerates unit names and prefixes (for suggestions and documentation).
 * Returns NULL past the end. */
const char *unit_name(size_t i, double *scale, Dim *dim, bool *prefixable);
const char *unit_prefix(size_t i, double *factor);

#endif
