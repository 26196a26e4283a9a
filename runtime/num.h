/* num.h -- the arithmetic every tier of sglsim shares.
 *
 * The constant evaluator of the front end, the simplifier's folding, the
 * bytecode interpreter and the runtime all compute with these functions so
 * that a value never depends on which tier produced it.  Values are IEEE
 * doubles in base units (s, B, FLOP, tok, req, USD, J).
 */
#ifndef SGL_NUM_H
#define SGL_NUM_H
#include <stddef.h>

/* Shortest text that reads back as exactly x ("%.17g" at worst). */
void num_format(char *out, size_t n, double x);

/* x^y: libm pow, named here so every tier calls the same function. */
double num_pow(double x, double y);

#endif
