/* relax.c -- continuous relaxation with NLopt and rounding back to the
 * domains (relax.h).
 *
 * The scaled problem.  The params differ in magnitude by many orders
 * (1..8 replicas beside 1e9 bytes/s), which the algorithms handle badly:
 * SLSQP's quasi-Newton matrix, MMA's asymptotes and COBYLA's simplex all
 * start from one step size for every coordinate.  So NLopt sees only the
 * free params (lo < hi), each mapped onto [0, 1]:
 *
 *   x_j = lo_j + u_k * w_j,   w_j = hi_j - lo_j,   dF/du_k = df/dx_j * w_j
 *
 * and fixed params (lo == hi) stay at lo outside the problem.  The values
 * are scaled too: NLopt minimizes F = f / sf under C_i = c_i / sc_i <= 0,
 * where each scale is measured once at x0: the change the gradient
 * predicts across the box (sum_j |g_j| w_j) when the algorithm uses
 * gradients and that is positive, else |value at x0|, else 1.  Every
 * constraint then gets the same tolerance (1e-8), i.e. 1e-8 of its own
 * scale; xc counts as feasible when every c_i(xc) <= 1e-6 sc_i.  The
 * stopping tolerance xtol_rel is set both relative and absolute on u
 * (absolute: a fraction of the box width, which stops optimizers whose
 * optimum sits at u = 0).
 *
 * Restarts.  From an infeasible x0, NLopt 2.7.1's MMA and CCSAQ often
 * stop with XTOL_REACHED after a handful of evaluations, far from the
 * optimum (measured on the unit test's separable instances: 5
 * evaluations, f 75 where the relaxed optimum is 7.7).  A new run from the
 * point where the last one stopped (now feasible, with fresh asymptotes and duals)
 * converges, so these two run again, deterministically, until a run
 * moves u by at most xtol, fails, or the evaluation budget (maxeval,
 * shared by all runs) is spent; at most RESTARTS runs.  SLSQP and COBYLA
 * run once: restarting COBYLA from its optimum measurably made it worse
 * (a fresh simplex of the initial size wanders off a constraint).
 *
 * Without free params NLopt is not run: xc = lo, evals = 0 and the stop
 * reason is "SUCCESS".
 *
 * A non-finite objective, constraint or gradient value makes the callback
 * call nlopt_force_stop (NLopt's algorithms would otherwise propagate the
 * NaN into their models); the point NLopt returns is still rounded.
 *
 * Rounding.  Each param has one or two candidates: the domain members
 * just below and just above xc_j, the nearer one first (the lower on a
 * tie); only one when xc_j is a member or lies outside the domain's
 * range (then the nearest end); xc_j itself when the param has no domain
 * list.  With n <= 12 every combination is checked, in the order of a
 * mixed-radix counter whose digit 0 is param 0 (so the first point is
 * the nearest one); else a coordinate-wise greedy descent starts at the
 * nearest point and flips one param at a time to its other candidate
 * while that improves (feasible before infeasible, then lower f when
 * feasible, lower total violation when not), until a full sweep changes
 * nothing.  A point's constraints are evaluated first and its objective
 * only when they all hold (c_i <= ctol); the best feasible point checked
 * wins, the first one on a tie.
 *
 * Determinism: the four algorithms are deterministic given their inputs;
 * NLopt's random generator is seeded with 0 before every run all the
 * same (nlopt_srand, process-wide), so that no algorithm can pick up a
 * time seed.
 *
 * Ownership: r->xc and r->x are malloc'ed, freed by relax_result_free;
 * *why is a heap string the caller frees.  Allocation failure aborts.
 */
#include "config.h"
#include "relax.h"
#include "runtime/heapstr.h"

#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

const char *const relax_algorithm_names[] = {"slsqp", "mma", "ccsaq", "cobyla", NULL};
static const nlopt_algorithm algorithms[] = {NLOPT_LD_SLSQP, NLOPT_LD_MMA, NLOPT_LD_CCSAQ,
					     NLOPT_LN_COBYLA};

#define CON_TOL 1e-8      /* NLopt's tolerance on each scaled constraint */
#define FEAS_TOL 1e-6     /* xc_feasible: c_i(xc) <= FEAS_TOL * sc_i */
#define ENUM_MAX_N 12     /* rounding enumerates 2^n points up to this n */
#define RESTARTS 8        /* MMA/CCSAQ runs, each from where the last one stopped */

static void *xalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size);
	if (!p) abort();
	return p;
}

/* Index into relax_algorithm_names, or -1. */
static int algorithm_index(const char *name)
{
	if (!name) name = "slsqp";
	for (int i = 0; relax_algorithm_names[i]; i++)
		if (!strcmp(name, relax_algorithm_names[i])) return i;
	return -1;
}

bool relax_needs_gradient(const char *algorithm)
{
	int a = algorithm_index(algorithm);
	return a >= 0 && algorithms[a] != NLOPT_LN_COBYLA;
}

/* ---- the scaled problem NLopt sees -------------------------------- */

typedef struct Scaled {
	const RelaxProblem *p;
	int nf;               /* free params */
	int *free_idx;        /* nf: index in x of each free param */
	double *x;            /* n: the current point in x (fixed params at lo) */
	double *gx;           /* n: df/dx */
	double *cx;           /* m: c(x) */
	double *jx;           /* m x n: dc/dx */
	double sf, *sc;       /* scales of f and of each c_i */
	int evals;            /* objective calls by NLopt */
	int calls;            /* objective and constraint calls by NLopt */
	nlopt_opt opt;
} Scaled;

static void to_x(Scaled *s, const double *u)
{
	const RelaxProblem *p = s->p;
	for (int k = 0; k < s->nf; k++) {
		int j = s->free_idx[k];
		s->x[j] = p->lo[j] + u[k] * (p->hi[j] - p->lo[j]);
		/* lo + 1 * w can round past hi */
		if (s->x[j] > p->hi[j]) s->x[j] = p->hi[j];
	}
}

static double objective(unsigned nf, const double *u, double *grad, void *data)
{
	Scaled *s = data;
	const RelaxProblem *p = s->p;
	s->evals++;
	s->calls++;
	to_x(s, u);
	double v = p->f(p->ud, s->x, grad ? s->gx : NULL);
	bool ok = isfinite(v);
	if (grad)
		for (unsigned k = 0; k < nf; k++) {
			int j = s->free_idx[k];
			grad[k] = s->gx[j] * (p->hi[j] - p->lo[j]) / s->sf;
			ok = ok && isfinite(grad[k]);
		}
	if (!ok) nlopt_force_stop(s->opt);
	return v / s->sf;
}

static void constraints(unsigned m, double *out, unsigned nf, const double *u, double *grad, void *data)
{
	Scaled *s = data;
	const RelaxProblem *p = s->p;
	s->calls++;
	to_x(s, u);
	p->c(p->ud, s->x, s->cx, grad ? s->jx : NULL);
	bool ok = true;
	for (unsigned i = 0; i < m; i++) {
		out[i] = s->cx[i] / s->sc[i];
		ok = ok && isfinite(out[i]);
		if (!grad) continue;
		for (unsigned k = 0; k < nf; k++) {
			int j = s->free_idx[k];
			double g = s->jx[(size_t)i * (size_t)p->n + (size_t)j] * (p->hi[j] - p->lo[j]) / s->sc[i];
			grad[(size_t)i * nf + k] = g;
			ok = ok && isfinite(g);
		}
	}
	if (!ok) nlopt_force_stop(s->opt);
}

/* The scale of a function from its value v at x0 and, when range >= 0,
 * the change its gradient predicts across the box. */
static double scale_of(double v, double range)
{
	if (isfinite(range) && range > 0) return range;
	if (isfinite(v) && v != 0) return fabs(v);
	return 1;
}

/* Measures sf and sc at x0 (s->x holds x0). */
static void measure_scales(Scaled *s, bool gradient)
{
	const RelaxProblem *p = s->p;
	size_t n = (size_t)p->n;
	double fv = p->f(p->ud, s->x, gradient ? s->gx : NULL);
	double range = -1;
	if (gradient) {
		range = 0;
		for (int k = 0; k < s->nf; k++) {
			int j = s->free_idx[k];
			range += fabs(s->gx[j]) * (p->hi[j] - p->lo[j]);
		}
	}
	s->sf = scale_of(fv, range);
	if (p->m == 0) return;
	p->c(p->ud, s->x, s->cx, gradient ? s->jx : NULL);
	for (int i = 0; i < p->m; i++) {
		range = -1;
		if (gradient) {
			range = 0;
			for (int k = 0; k < s->nf; k++) {
				int j = s->free_idx[k];
				range += fabs(s->jx[(size_t)i * n + (size_t)j]) * (p->hi[j] - p->lo[j]);
			}
		}
		s->sc[i] = scale_of(s->cx[i], range);
	}
}

static const char *stop_string(nlopt_result res)
{
	const char *t = nlopt_result_to_string(res);
	return t ? t : "UNKNOWN";
}

/* Runs NLopt from s->x (x0) and leaves the result in s->x.  Returns the
 * NLopt result of the last run that counts (see RESTARTS). */
static nlopt_result run_nlopt(Scaled *s, nlopt_algorithm alg)
{
	const RelaxProblem *p = s->p;
	int nf = s->nf;
	double *u = xalloc((size_t)nf, sizeof *u);
	double *start = xalloc((size_t)nf, sizeof *start);
	double *lb = xalloc((size_t)nf, sizeof *lb);
	double *ub = xalloc((size_t)nf, sizeof *ub);
	double *tol = xalloc((size_t)p->m, sizeof *tol);
	for (int k = 0; k < nf; k++) {
		int j = s->free_idx[k];
		double v = (s->x[j] - p->lo[j]) / (p->hi[j] - p->lo[j]);
		u[k] = v > 0 ? (v < 1 ? v : 1) : 0;
		ub[k] = 1;
	}
	for (int i = 0; i < p->m; i++)
		tol[i] = CON_TOL;
	double xtol = p->xtol_rel > 0 ? p->xtol_rel : 1e-8;
	int maxeval = p->maxeval > 0 ? p->maxeval : 2000;
	int runs = alg == NLOPT_LD_MMA || alg == NLOPT_LD_CCSAQ ? RESTARTS : 1;
	nlopt_result res = NLOPT_OUT_OF_MEMORY;
	s->opt = nlopt_create(alg, (unsigned)nf);
	if (!s->opt) goto out;
	if ((res = nlopt_set_lower_bounds(s->opt, lb)) < 0 ||
	    (res = nlopt_set_upper_bounds(s->opt, ub)) < 0 ||
	    (res = nlopt_set_min_objective(s->opt, objective, s)) < 0 ||
	    (p->m > 0 && (res = nlopt_add_inequality_mconstraint(s->opt, (unsigned)p->m, constraints, s, tol)) < 0) ||
	    (res = nlopt_set_xtol_rel(s->opt, xtol)) < 0 ||
	    (res = nlopt_set_xtol_abs1(s->opt, xtol)) < 0)
		goto out;
	for (int run = 0; run < runs; run++) {
		nlopt_result prev = res;
		if ((res = nlopt_set_maxeval(s->opt, maxeval - s->evals)) < 0) break;
		memcpy(start, u, (size_t)nf * sizeof *u);
		nlopt_srand(0);
		double minf = 0;
		res = nlopt_optimize(s->opt, u, &minf);
		if (run > 0 && res < 0 && res != NLOPT_FORCED_STOP) {
			/* a restart that failed keeps the last good run */
			memcpy(u, start, (size_t)nf * sizeof *u);
			res = prev;
			break;
		}
		if (res < 0 || res == NLOPT_MAXEVAL_REACHED || s->evals >= maxeval) break;
		double moved = 0;
		for (int k = 0; k < nf; k++)
			moved = fmax(moved, fabs(u[k] - start[k]));
		if (moved <= xtol) break;
	}
	to_x(s, u);
out:
	nlopt_destroy(s->opt);
	s->opt = NULL;
	free(u);
	free(start);
	free(lb);
	free(ub);
	free(tol);
	return res;
}

/* ---- rounding ------------------------------------------------------- */

/* The candidates of param j around v: 1 or 2 into cand, nearer first. */
static int candidates(const RelaxProblem *p, int j, double v, double cand[2])
{
	if (!p->dom || !p->ndom || !p->dom[j] || p->ndom[j] == 0) {
		cand[0] = v;
		return 1;
	}
	const double *d = p->dom[j];
	size_t nd = p->ndom[j];
	if (!(v > d[0])) { /* also NaN */
		cand[0] = d[0];
		return 1;
	}
	if (v >= d[nd - 1]) {
		cand[0] = d[nd - 1];
		return 1;
	}
	size_t a = 0, b = nd - 1; /* d[a] < v < d[b] or v == d[b] */
	while (b - a > 1) {
		size_t mid = a + (b - a) / 2;
		if (d[mid] <= v) a = mid;
		else b = mid;
	}
	if (d[a] == v) {
		cand[0] = d[a];
		return 1;
	}
	bool up = d[b] - v < v - d[a];
	cand[0] = up ? d[b] : d[a];
	cand[1] = up ? d[a] : d[b];
	return 2;
}

/* One rounded point's verdict. */
typedef struct Verdict {
	bool feasible;
	double f;         /* objective when feasible (finite), else unused */
	double viol;      /* sum of violations beyond ctol when infeasible */
} Verdict;

typedef struct Rounder {
	const RelaxProblem *p;
	double *cx;       /* m */
	double *best;     /* n: best feasible point so far */
	double best_f;
	bool have_best;
	int checked;
} Rounder;

static Verdict check_point(Rounder *rd, const double *x)
{
	const RelaxProblem *p = rd->p;
	Verdict v = {.feasible = true, .f = 0, .viol = 0};
	rd->checked++;
	if (p->m > 0) {
		p->c(p->ud, x, rd->cx, NULL);
		for (int i = 0; i < p->m; i++)
			if (!(rd->cx[i] <= p->ctol)) {
				v.feasible = false;
				v.viol += isnan(rd->cx[i]) ? INFINITY : rd->cx[i] - p->ctol;
			}
	}
	if (v.feasible) {
		v.f = p->f(p->ud, x, NULL);
		if (!isfinite(v.f)) {
			v.feasible = false;
			v.viol = INFINITY;
		}
	}
	if (v.feasible && (!rd->have_best || v.f < rd->best_f)) {
		memcpy(rd->best, x, (size_t)p->n * sizeof *x);
		rd->best_f = v.f;
		rd->have_best = true;
	}
	return v;
}

/* Whether a is strictly better than b. */
static bool better(Verdict a, Verdict b)
{
	if (a.feasible != b.feasible) return a.feasible;
	return a.feasible ? a.f < b.f : a.viol < b.viol;
}

static void round_enumerate(Rounder *rd, double (*cand)[2], const int *ncand, double *x)
{
	int n = rd->p->n;
	int digit[ENUM_MAX_N] = {0};
	for (;;) {
		for (int j = 0; j < n; j++)
			x[j] = cand[j][digit[j]];
		check_point(rd, x);
		int j = 0;
		while (j < n && ++digit[j] == ncand[j])
			digit[j++] = 0;
		if (j == n) break;
	}
}

static void round_greedy(Rounder *rd, double (*cand)[2], const int *ncand, double *x)
{
	int n = rd->p->n;
	int *digit = xalloc((size_t)n, sizeof *digit);
	for (int j = 0; j < n; j++)
		x[j] = cand[j][0];
	Verdict cur = check_point(rd, x);
	/* Every accepted flip strictly improves cur, so no state repeats; the
	 * cap only bounds the work on adversarial inputs. */
	for (int sweep = 0; sweep < 4 * n + 4; sweep++) {
		bool changed = false;
		for (int j = 0; j < n; j++) {
			if (ncand[j] < 2) continue;
			x[j] = cand[j][1 - digit[j]];
			Verdict v = check_point(rd, x);
			if (better(v, cur)) {
				cur = v;
				digit[j] = 1 - digit[j];
				changed = true;
			} else {
				x[j] = cand[j][digit[j]];
			}
		}
		if (!changed) break;
	}
	free(digit);
}

/* Rounds xc; fills r->x, r->f and r->rounded_checked. */
static void round_solution(const RelaxProblem *p, const double *xc, RelaxResult *r)
{
	int n = p->n;
	double (*cand)[2] = xalloc((size_t)n, sizeof *cand);
	int *ncand = xalloc((size_t)n, sizeof *ncand);
	double *x = xalloc((size_t)n, sizeof *x);
	Rounder rd = {.p = p, .cx = xalloc((size_t)p->m, sizeof(double)),
		      .best = xalloc((size_t)n, sizeof(double))};
	for (int j = 0; j < n; j++) {
		if (p->lo[j] == p->hi[j]) {
			cand[j][0] = p->lo[j];
			ncand[j] = 1;
		} else {
			ncand[j] = candidates(p, j, xc[j], cand[j]);
		}
	}
	if (n <= ENUM_MAX_N) round_enumerate(&rd, cand, ncand, x);
	else round_greedy(&rd, cand, ncand, x);
	r->rounded_checked = rd.checked;
	if (rd.have_best) {
		r->x = rd.best;
		r->f = rd.best_f;
	} else {
		free(rd.best);
		r->x = NULL;
		r->f = NAN;
	}
	free(rd.cx);
	free(x);
	free(ncand);
	free(cand);
}

/* ---- the driver ----------------------------------------------------- */

static int fail(char **why, const char *msg)
{
	if (why) *why = heap_strdup(msg);
	return -1;
}

int relax_solve(const RelaxProblem *p, RelaxResult *r, char **why)
{
	memset(r, 0, sizeof *r);
	if (why) *why = NULL;
	int a = algorithm_index(p->algorithm);
	if (a < 0) {
		if (why) {
			char names[64] = "";
			for (int i = 0; relax_algorithm_names[i]; i++) {
				if (i) strcat(names, ", ");
				strcat(names, relax_algorithm_names[i]);
			}
			*why = heap_printf("unknown NLopt algorithm '%s' (valid: %s)", p->algorithm, names);
		}
		return -1;
	}
	if (p->n < 0 || p->m < 0 || !p->f || (p->m > 0 && !p->c) || (p->n > 0 && (!p->lo || !p->hi)))
		return fail(why, "relax: malformed problem (sizes, bounds or callbacks missing)");
	for (int j = 0; j < p->n; j++)
		if (!(p->lo[j] <= p->hi[j]) || !isfinite(p->lo[j]) || !isfinite(p->hi[j]))
			return fail(why, "relax: every param needs finite bounds lo <= hi");

	size_t n = (size_t)p->n, m = (size_t)p->m;
	Scaled s = {.p = p};
	s.free_idx = xalloc(n, sizeof *s.free_idx);
	s.x = xalloc(n, sizeof *s.x);
	s.gx = xalloc(n, sizeof *s.gx);
	s.cx = xalloc(m, sizeof *s.cx);
	s.jx = xalloc(m * (n ? n : 1), sizeof *s.jx);
	s.sc = xalloc(m, sizeof *s.sc);
	for (int j = 0; j < p->n; j++) {
		double v = p->x0 ? p->x0[j] : p->lo[j] + 0.5 * (p->hi[j] - p->lo[j]);
		s.x[j] = v > p->lo[j] ? (v < p->hi[j] ? v : p->hi[j]) : p->lo[j];
		if (p->lo[j] < p->hi[j]) s.free_idx[s.nf++] = j;
	}

	int ret = 0;
	nlopt_result res = NLOPT_SUCCESS;
	measure_scales(&s, relax_needs_gradient(p->algorithm));
	if (s.nf > 0) {
		res = run_nlopt(&s, algorithms[a]);
		if (res < 0 && s.calls == 0) {
			if (why) *why = heap_printf("NLopt failed before any evaluation: %s", stop_string(res));
			ret = -1;
			goto out;
		}
	}
	/* s.x holds xc */
	r->xc = xalloc(n, sizeof *r->xc);
	memcpy(r->xc, s.x, n * sizeof *r->xc);
	r->fc = p->f(p->ud, r->xc, NULL);
	r->xc_feasible = true;
	if (p->m > 0) {
		p->c(p->ud, r->xc, s.cx, NULL);
		for (int i = 0; i < p->m; i++)
			if (!(s.cx[i] <= FEAS_TOL * s.sc[i])) r->xc_feasible = false;
	}
	r->evals = s.evals;
	r->stop = stop_string(res);
	round_solution(p, r->xc, r);
out:
	free(s.free_idx);
	free(s.x);
	free(s.gx);
	free(s.cx);
	free(s.jx);
	free(s.sc);
	return ret;
}

void relax_result_free(RelaxResult *r)
{
	if (!r) return;
	free(r->xc);
	free(r->x);
	r->xc = NULL;
	r->x = NULL;
}
