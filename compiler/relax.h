/* relax.h -- continuous relaxation of a discrete search with NLopt, and
 * rounding back to the params' domains.
 *
 * The optimizer's `method = nlopt(algorithm = ...)`: the params are
 * treated as real numbers in their domains' boxes; NLopt minimizes the
 * objective under inequality constraints c_i(x) <= 0, with gradients when
 * the algorithm uses them (the caller's callbacks compute them from the
 * symbolic derivatives); the continuous optimum is then rounded to the
 * neighbouring domain points, each checked again, and the best feasible
 * one is returned.
 *
 * No I/O.  Errors are heap strings the caller frees.
 */
#ifndef SGL_RELAX_H
#define SGL_RELAX_H
#include <stdbool.h>
#include <stddef.h>

typedef struct RelaxProblem {
	int n;                      /* params */
	const double *lo, *hi;      /* box, n each (lo < hi, or lo == hi for a fixed param) */
	const double *x0;           /* start point, n (inside the box) */
	/* Objective to MINIMIZE at x; when grad is not NULL also its gradient
	 * (n).  May return NaN or an infinity (the point is then treated as
	 * bad: NLopt is told to stop, and rounding skips it). */
	double (*f)(void *ud, const double *x, double *grad);
	int m;                      /* inequality constraints c_i(x) <= 0 */
	/* c[m] at x; when grad is not NULL also the m x n Jacobian, row-major. */
	void (*c)(void *ud, const double *x, double *c, double *grad);
	void *ud;
	const char *algorithm;      /* see relax_algorithm_names; NULL: "slsqp" */
	double xtol_rel;            /* 0: 1e-8 */
	int maxeval;                /* 0: 2000 */
	/* Domain points of each param for the rounding: dom[j] sorted
	 * ascending, ndom[j] members (a range with a step lists its grid). */
	const double *const *dom;
	const size_t *ndom;
	double ctol;                /* constraint tolerance at rounding: c_i <= ctol (0: exact) */
} RelaxProblem;

typedef struct RelaxResult {
	double *xc;                 /* continuous optimum (n, caller frees) */
	double fc;                  /* objective there */
	bool xc_feasible;           /* every c_i(xc) <= 1e-6 (relative to scale) */
	double *x;                  /* best feasible rounded point (n, caller frees), or NULL */
	double f;                   /* objective there */
	int evals;                  /* objective evaluations by NLopt */
	int rounded_checked;        /* domain points checked while rounding */
	const char *stop;           /* NLopt's stop reason, a static string */
} RelaxResult;

/* "slsqp", "mma", "ccsaq" (gradient-based), "cobyla" (derivative-free),
 * NULL-terminated. */
extern const char *const relax_algorithm_names[];
/* Whether the algorithm needs gradients. */
bool relax_needs_gradient(const char *algorithm);

/* Solves p.  Returns 0 and fills r (r->x NULL when no neighbouring domain
 * point is feasible), or -1 with *why set (unknown algorithm, NLopt
 * failure before any evaluation).  Rounding checks every combination of
 * the two domain points around xc in each param (2^n points) when n <=
 * 12, else a coordinate-wise greedy descent from the nearest point; a
 * point is feasible when every c_i <= ctol. */
int relax_solve(const RelaxProblem *p, RelaxResult *r, char **why);
void relax_result_free(RelaxResult *r);

#endif
