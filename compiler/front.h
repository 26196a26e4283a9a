/* front.h -- choosing among evaluated points: the Pareto front, the
 * normalized weighted sum and the epsilon-constraint method.
 *
 * Pure numerics over a matrix of objective values, no I/O, no allocation
 * the caller must free except where stated.  Every function sees
 *
 *   y   n x k, row-major: point i's objectives at y + i*k, each one to be
 *       MAXIMIZED (the caller negates the objectives it minimizes)
 *
 * and skips points with a NaN objective (they are never chosen).  Ties are
 * broken by the smaller point index, so every result is deterministic and
 * independent of how the points were produced.
 *
 * Dominance: p dominates q when p >= q in every objective and p > q in at
 * least one.  Equal points do not dominate each other: both are on the
 * front.
 */
#ifndef SGL_FRONT_H
#define SGL_FRONT_H
#include <stddef.h>
#include <stdint.h>

/* The non-dominated points among y's n points: their indices are written
 * to out (room for n) sorted by objective 0 descending, then by index;
 * returns how many.  O(n log n) for k <= 2; for k > 2 a sort followed by
 * a search of the front found so far (a k-d tree with subtree maxima). */
size_t front_pareto(const double *y, size_t n, size_t k, size_t *out);

/* Whether a dominates b (k objectives, maximized). */
int front_dominates(const double *a, const double *b, size_t k);

/* Per-objective range of the non-NaN points: lo[j] = min, hi[j] = max
 * (both NaN when no point is usable). */
void front_range(const double *y, size_t n, size_t k, double *lo, double *hi);

/* The normalized weighted sum of point i: sum_j w[j] * (y_ij - lo_j) /
 * (hi_j - lo_j), a term being 0 when hi_j == lo_j.  lo and hi come from
 * front_range over the points compared, so each objective counts on a 0..1
 * scale whatever its unit. */
double front_weighted_score(const double *yi, size_t k, const double *w,
			    const double *lo, const double *hi);

/* The point with the highest normalized weighted sum (ranges over all n
 * points), or SIZE_MAX when none is usable.  Weights are >= 0. */
size_t front_weighted(const double *y, size_t n, size_t k, const double *w);

/* Epsilon-constraint: the point maximizing objective `primary` among the
 * points with y_ij >= bound[j] for every j != primary (bound[primary] and
 * -INFINITY bounds are ignored), ties broken lexicographically by the
 * other objectives in order (higher is better), then by index; SIZE_MAX
 * when no point meets the bounds. */
size_t front_epsilon(const double *y, size_t n, size_t k, size_t primary, const double *bound);

/* Traces a front with front_epsilon by sweeping the bounds of the other
 * objectives: for k == 2 every distinct value the other objective takes
 * (steps == 0) or `steps` values evenly spaced over its range (steps >=
 * 2); for k > 2 an evenly spaced grid of `steps` (default 8 when 0)
 * values per other objective.  The distinct winners are written to out
 * (room for n), sorted like front_pareto; returns how many.  With k == 2
 * and steps == 0 the result equals front_pareto's except that of equal
 * points only the lowest index is kept. */
size_t front_epsilon_sweep(const double *y, size_t n, size_t k, size_t primary, size_t steps, size_t *out);

#endif
