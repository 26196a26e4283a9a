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

/* x^y, named here so every tier computes it alike: x^2 is x * x and
 * x^-2 is 1 / (x * x) (each step correctly rounded, and vector code for
 * the JIT: the squares of the laws need no libm call), any other power
 * libm's pow. */
double num_pow(double x, double y);

/* The scalar semantics of each DAG/bytecode operator.  The interpreter,
 * the constant folder and (by emitting the same operations) the JIT follow
 * these definitions exactly, so all tiers agree bit for bit.  Comparisons
 * and logic give 1.0 or 0.0; a number is true when it is not 0. */
static inline double num_min(double a, double b) { return b < a ? b : a; }
static inline double num_max(double a, double b) { return b > a ? b : a; }
static inline double num_bool(int c) { return c ? 1.0 : 0.0; }
static inline double num_and(double a, double b) { return num_bool(a != 0 && b != 0); }
static inline double num_or(double a, double b) { return num_bool(a != 0 || b != 0); }
static inline double num_not(double a) { return num_bool(a == 0); }
static inline double num_select(double c, double a, double b) { return c != 0 ? a : b; }

#endif
