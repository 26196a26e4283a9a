/* opt_eval.c -- evaluating the points of an optimize statement and choosing
 * among them (opt_int.h).
 *
 * Analytic search: the grid is cut into chunks that --jobs threads take in
 * turn; each evaluates its chunk with the compiled program (one batch call),
 * checks the constraints (counting what each one cuts) and keeps the
 * feasible points the method may choose in a pool of its own, reduced
 * whenever it grows (to the front, or to the best few).  The pools are
 * merged at the end.  Every reduction is a function of the set of points
 * alone (ties go to the smaller index), so the result does not depend on
 * the number of threads.
 *
 * Simulated search (sim.* in an objective or constraint): the analytic
 * constraints prune first -- a point they cut is never simulated, which is
 * exact because those constraints do not depend on the simulation -- then
 * every remaining point is simulated (opt_sim.c) and judged whole.
 *
 * nlopt: the continuous relaxation (relax.c) with gradients from the
 * symbolic derivatives, then the rounded point is judged like any other.
 */
#include "config.h"
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "front.h"
#include "lower.h"
#include "opt_int.h"
#include "runtime/interrupt.h"
#include "relax.h"
#include "simplify.h"
#include "runtime/heapstr.h"

enum { CHUNK = 4096 };

/* Points a thread's pool holds before it is shrunk: 65536, or
 * $SGLSIM_POOL (tests make it tiny so that every shrinking path runs on
 * problems small enough to check by brute force). */
static size_t pool_threshold(void)
{
	const char *e = getenv("SGLSIM_POOL");
	long v = e ? strtol(e, NULL, 10) : 0;
	return v >= 1 ? (size_t)v : (size_t)1 << 16;
}

void opt_point_x(const OptProblem *P, uint64_t idx, double *x)
{
	for (int j = P->np - 1; j >= 0; j--) {
		x[j] = P->p[j].dom[idx % P->p[j].ndom];
		idx /= P->p[j].ndom;
	}
}

void opt_inputs(const OptProblem *P, uint64_t idx, double *in)
{
	memcpy(in, P->base, P->nin * sizeof *in);
	for (int j = P->np - 1; j >= 0; j--) {
		in[P->p[j].in] = P->p[j].dom[idx % P->p[j].ndom];
		idx /= P->p[j].ndom;
	}
}

/* How far out[] is from meeting constraint c (> 0: violated; 0: met). */
static double violation(const OptCon *c, const double *out)
{
	double l = out[c->out_l], r = out[c->out_r];
	if (isnan(l) || isnan(r)) return INFINITY;
	switch (c->op) {
	case 0: return l != 0 ? 0 : 1;
	case '<': return l < r ? 0 : r == l ? DBL_MIN : l - r;
	case OP_LE: return l <= r ? 0 : l - r;
	case '>': return l > r ? 0 : r == l ? DBL_MIN : r - l;
	case OP_GE: return l >= r ? 0 : r - l;
	case OP_EQ: return l == r ? 0 : fabs(l - r);
	case OP_NE: return l != r ? 0 : 1;
	}
	return INFINITY;
}

/* Per-thread tallies of what each constraint cut. */
typedef struct Cuts {
	uint64_t *n;
	double *l, *r;     /* the sides of the closest violation per constraint */
	uint64_t *nan;     /* of n: a side was NaN (undefined there) */
	uint64_t *first;   /* the lowest such point (UINT64_MAX: none known) */
} Cuts;

static void cuts_init(Cuts *c, int ncon)
{
	c->n = calloc((size_t)ncon + 1, sizeof *c->n);
	c->nan = calloc((size_t)ncon + 1, sizeof *c->nan);
	c->l = xmalloc(((size_t)ncon + 1) * sizeof *c->l);
	c->r = xmalloc(((size_t)ncon + 1) * sizeof *c->r);
	c->first = xmalloc(((size_t)ncon + 1) * sizeof *c->first);
	if (!c->n || !c->nan) abort();
	for (int i = 0; i < ncon; i++) {
		c->l[i] = c->r[i] = NAN;
		c->first[i] = UINT64_MAX;
	}
}

static void cuts_free(Cuts *c)
{
	free(c->n);
	free(c->nan);
	free(c->l);
	free(c->r);
	free(c->first);
}

/* Whether violation (l, r) is closer to the bound than (kl, kr): a total
 * order, so merging tallies in any order gives the same answer. */
static bool closer(double l, double r, double kl, double kr)
{
	if (isnan(kl)) return true;
	double d = fabs(l - r), e = fabs(kl - kr);
	if (d != e) return d < e;
	return l != kl ? l < kl : r < kr;
}

static bool judge(const OptProblem *P, uint64_t idx, const double *out, bool analytic_only, Cuts *cuts)
{
	bool ok = true;
	for (int i = 0; i < P->ncon; i++) {
		const OptCon *c = &P->con[i];
		if (analytic_only && c->sim) continue;
		double v = violation(c, out);
		if (v == 0) continue;
		ok = false;
		if (!cuts) return false;
		cuts->n[i]++;
		if (isnan(out[c->out_l]) || isnan(out[c->out_r])) {   /* undefined there: reported */
			cuts->nan[i]++;
			if (idx < cuts->first[i]) cuts->first[i] = idx;
		} else if (
		    closer(out[c->out_l], out[c->out_r], cuts->l[i], cuts->r[i])) {
			cuts->l[i] = out[c->out_l];
			cuts->r[i] = out[c->out_r];
		}
	}
	return ok;
}

static void cuts_merge(OptProblem *P, const Cuts *c)
{
	for (int i = 0; i < P->ncon; i++) {
		OptCon *k = &P->con[i];
		k->cut += c->n[i];
		k->undefined += c->nan[i];
		if (c->first[i] < k->first_undefined) k->first_undefined = c->first[i];
		if (c->n[i] && !isnan(c->l[i]) && closer(c->l[i], c->r[i], k->closest, k->closest_r)) {
			k->closest = c->l[i];
			k->closest_r = c->r[i];
		}
	}
}

bool opt_meets(const OptProblem *P, const double *out)
{
	return judge(P, UINT64_MAX, out, false, NULL);
}

/* As opt_meets, counting what each constraint cuts into P. */
static bool meets_counted(OptProblem *P, const double *out)
{
	Cuts c;
	cuts_init(&c, P->ncon);
	bool ok = judge(P, UINT64_MAX, out, false, &c);
	cuts_merge(P, &c);
	cuts_free(&c);
	return ok;
}

/* ---------------------------------------------------------------- pools */

/* Feasible points the method may still choose. */
typedef struct Pool {
	uint64_t *idx;
	double *y;          /* n x nobj, maximized form */
	double *key;        /* n: weighted score */
	size_t n, cap;
} Pool;

static void pool_add(Pool *pl, int k, uint64_t idx, const double *y, double key)
{
	if (pl->n == pl->cap) {
		pl->cap = pl->cap ? 2 * pl->cap : 1024;
		pl->idx = xrealloc(pl->idx, pl->cap * sizeof *pl->idx);
		pl->y = xrealloc(pl->y, pl->cap * (size_t)k * sizeof *pl->y);
		pl->key = xrealloc(pl->key, pl->cap * sizeof *pl->key);
	}
	pl->idx[pl->n] = idx;
	memcpy(pl->y + pl->n * (size_t)k, y, (size_t)k * sizeof *y);
	pl->key[pl->n] = key;
	pl->n++;
}

static void pool_free(Pool *pl)
{
	free(pl->idx);
	free(pl->y);
	free(pl->key);
	memset(pl, 0, sizeof *pl);
}

/* Ranking of a pool entry: by key (weighted), or the primary objective,
 * then the objectives in order, each higher first; then the index. */
typedef struct Ranked {
	const OptProblem *P;
	const Pool *pl;
	size_t i;
} Ranked;

/* < 0 when point (u, ku, iu) ranks before (v, kv, iv). */
static int rank_order(const OptProblem *P, const double *u, double ku, uint64_t iu,
		      const double *v, double kv, uint64_t iv)
{
	if (P->method == OM_WEIGHTED && ku != kv) return ku > kv ? -1 : 1;
	if (P->method == OM_EPSILON && u[P->primary] != v[P->primary])
		return u[P->primary] > v[P->primary] ? -1 : 1;
	for (int j = 0; j < P->nobj; j++)
		if (u[j] != v[j]) return u[j] > v[j] ? -1 : 1;
	return iu < iv ? -1 : iu > iv;
}

static int rank_cmp(const void *a, const void *b)
{
	const Ranked *x = a, *y = b;
	size_t k = (size_t)x->P->nobj;
	return rank_order(x->P, x->pl->y + x->i * k, x->pl->key[x->i], x->pl->idx[x->i],
			  y->pl->y + y->i * k, y->pl->key[y->i], y->pl->idx[y->i]);
}

static bool keeps_front(const OptProblem *P)
{
	return P->method == OM_PARETO || (P->method == OM_EPSILON && P->sweep);
}

/* How many ranked points to keep: the table's rows and the verified ones. */
static size_t keep_count(const OptProblem *P)
{
	long limit = P->o && P->o->limit > 0 ? P->o->limit : 20;
	return (size_t)(limit > P->verify ? limit : P->verify);
}

/* Shrinks the pool to what the method can still choose, ordered best first. */
static void pool_reduce(const OptProblem *P, Pool *pl)
{
	size_t k = (size_t)P->nobj, n = pl->n;
	size_t *order = xmalloc((n + 1) * sizeof *order);
	size_t m;
	/* the candidates (the front, or everything), then in rank order: by
	   the objectives, ties by grid index -- never by pool position, which
	   depends on which thread saw a point first */
	if (keeps_front(P)) {
		m = front_pareto(pl->y, n, k, order);
	} else {
		m = n;
		for (size_t i = 0; i < n; i++) order[i] = i;
	}
	Ranked *r = xmalloc((m + 1) * sizeof *r);
	for (size_t i = 0; i < m; i++) r[i] = (Ranked){P, pl, order[i]};
	qsort(r, m, sizeof *r, rank_cmp);
	if (!keeps_front(P) && m > keep_count(P)) m = keep_count(P);
	for (size_t i = 0; i < m; i++) order[i] = r[i].i;
	free(r);
	Pool out = {0};
	for (size_t i = 0; i < m; i++) pool_add(&out, (int)k, pl->idx[order[i]], pl->y + order[i] * k, pl->key[order[i]]);
	free(order);
	pool_free(pl);
	*pl = out;
}

/* ---------------------------------------------------------------- the grid */

typedef struct Scan Scan;
/* Feasible points that dominate many others, checked before a point joins
 * the pool: a point one of them dominates can never be on the front (the
 * dominator, or what dominates it, is), so dropping it is exact. */
enum { DOM_CACHE = 8 };

typedef struct Worker {
	Scan *sc;
	Pool pool;
	double dom[DOM_CACHE * 16];   /* up to DOM_CACHE points of <= 16 objectives */
	int ndom;
	/* rankings: the last point the pool kept at its last reduction; a
	   point ranked after it can never be kept (exact) */
	size_t kept;                  /* pool size after the last reduction */
	bool cut;
	double cut_y[16], cut_key;
	uint64_t cut_idx;
	Cuts cuts;
	double *lo, *hi;       /* objective ranges (pass 1 of weighted) */
	uint64_t evaluated, feasible, undefined, first_undefined;
	double *in, *out, *y;
} Worker;

struct Scan {
	OptProblem *P;
	size_t threshold;      /* pool_threshold() */
	bool ranges_only;      /* weighted, pass 1 */
	const double *lo, *hi; /* weighted, pass 2 */
	_Atomic uint64_t next; /* first point of the next chunk */
	_Atomic uint64_t done;
};

/* The objectives of out in maximized form; false when one is NaN. */
static bool objectives(const OptProblem *P, const double *out, double *y)
{
	bool ok = true;
	for (int j = 0; j < P->nobj; j++) {
		y[j] = P->obj[j].sense * out[P->obj[j].out];
		ok &= isfinite(y[j]);   /* NaN or an infinity: reported, never ranked */
	}
	return ok;
}

static bool meets_bounds(const OptProblem *P, const double *y)
{
	if (P->method != OM_EPSILON) return true;
	for (int j = 0; j < P->nobj; j++)
		if (j != P->primary && !(y[j] >= P->bound[j])) return false;
	return true;
}

/* Whether y is dominated by a cached point (which moves to the front of
 * the cache); if not, y replaces a cached point it dominates, or the
 * least recently useful one. */
static bool dominated(Worker *w, const double *y, size_t k)
{
	for (int c = 0; c < w->ndom; c++) {
		double *d = w->dom + (size_t)c * k;
		if (!front_dominates(d, y, k)) continue;
		if (c > 0) {
			double t[16];
			memcpy(t, d, k * sizeof *t);
			memmove(w->dom + k, w->dom, (size_t)c * k * sizeof *t);
			memcpy(w->dom, t, k * sizeof *t);
		}
		return true;
	}
	for (int c = 0; c < w->ndom; c++)
		if (front_dominates(y, w->dom + (size_t)c * k, k)) {
			memcpy(w->dom + (size_t)c * k, y, k * sizeof *y);
			return false;
		}
	/* a newcomer takes the slot of the least recently useful point */
	int c = w->ndom < DOM_CACHE ? w->ndom++ : DOM_CACHE - 1;
	memcpy(w->dom + (size_t)c * k, y, k * sizeof *y);
	return false;
}

/* Judges one evaluated point and offers it to the pool. */
static void offer(Worker *w, uint64_t idx, const double *out, bool analytic_only)
{
	const Scan *sc = w->sc;
	const OptProblem *P = sc->P;
	w->evaluated++;
	if (!judge(P, idx, out, analytic_only, sc->ranges_only ? NULL : &w->cuts)) return;
	if (!objectives(P, out, w->y)) {
		if (!w->undefined++) w->first_undefined = idx;
		return;
	}
	w->feasible++;
	if (sc->ranges_only) {
		for (int j = 0; j < P->nobj; j++) {
			if (!(w->y[j] >= w->lo[j])) w->lo[j] = w->y[j];
			if (!(w->y[j] <= w->hi[j])) w->hi[j] = w->y[j];
		}
		return;
	}
	if (!meets_bounds(P, w->y)) return;
	if (keeps_front(P) && P->nobj <= 16 && dominated(w, w->y, (size_t)P->nobj)) return;
	double key = P->method == OM_WEIGHTED ? front_weighted_score(w->y, (size_t)P->nobj, P->weights, sc->lo, sc->hi) : 0;
	if (w->cut && rank_order(P, w->y, key, idx, w->cut_y, w->cut_key, w->cut_idx) > 0) return;
	pool_add(&w->pool, P->nobj, idx, w->y, key);
	/* shrink when the pool has doubled since the last time (a front can
	   outgrow any fixed size: then every addition would shrink it) */
	if (w->pool.n >= w->sc->threshold && (keeps_front(P) || w->pool.n >= 4 * keep_count(P)) &&
	    w->pool.n >= 2 * w->kept) {
		pool_reduce(P, &w->pool);
		w->kept = w->pool.n;
		size_t last = w->pool.n - 1;
		w->cut = !keeps_front(P) && w->pool.n >= keep_count(P) && P->nobj <= 16;
		if (w->cut) {
			memcpy(w->cut_y, w->pool.y + last * (size_t)P->nobj, (size_t)P->nobj * sizeof *w->cut_y);
			w->cut_key = w->pool.key[last];
			w->cut_idx = w->pool.idx[last];
		}
	}
}

static void *scan_thread(void *arg)
{
	Worker *w = arg;
	Scan *sc = w->sc;
	const OptProblem *P = sc->P;
	for (;;) {
		uint64_t first = atomic_fetch_add(&sc->next, CHUNK);
		if (first >= P->npoints || interrupted()) break;
		size_t n = P->npoints - first < CHUNK ? (size_t)(P->npoints - first) : CHUNK;
		opt_eval_points(P, first, n, w->in, w->out);
		for (size_t i = 0; i < n; i++) offer(w, first + i, w->out + i * P->nout, false);
		atomic_fetch_add(&sc->done, n);
	}
	if (!sc->ranges_only && w->pool.n) pool_reduce(P, &w->pool);
	return NULL;
}

static bool progress_on(const OptProblem *P)
{
	return P->o && P->o->progress && isatty(2);
}

static void progress(const char *what, uint64_t done, uint64_t total)
{
	int width = 30, fill = total ? (int)((double)done / (double)total * width) : width;
	fprintf(stderr, "\r%s [%.*s%*s] %" PRIu64 "/%" PRIu64, what, fill, "##############################",
		width - fill, "", done, total);
	fflush(stderr);
}

static void progress_end(void)
{
	fputs("\r\033[K", stderr);
}

/* One pass over the grid with the threads; merges their pools into `into`. */
static void scan(OptProblem *P, bool ranges_only, const double *lo, const double *hi, double *rlo, double *rhi, Pool *into)
{
	Scan sc = {.P = P, .ranges_only = ranges_only, .lo = lo, .hi = hi, .threshold = pool_threshold()};
	atomic_init(&sc.next, 0);
	atomic_init(&sc.done, 0);
	int nt = P->jobs;
	if ((uint64_t)nt * CHUNK > P->npoints) nt = (int)((P->npoints + CHUNK - 1) / CHUNK);
	if (nt < 1) nt = 1;
	Worker *w = calloc((size_t)nt, sizeof *w);
	pthread_t *th = calloc((size_t)nt, sizeof *th);
	if (!w || !th) abort();
	for (int t = 0; t < nt; t++) {
		w[t].sc = &sc;
		cuts_init(&w[t].cuts, P->ncon);
		w[t].in = xmalloc((size_t)CHUNK * opt_eval_scratch(P) * sizeof(double));
		w[t].out = xmalloc((size_t)CHUNK * P->nout * sizeof(double) + sizeof(double));
		w[t].y = xmalloc(((size_t)P->nobj + 1) * sizeof(double));
		w[t].lo = xmalloc(((size_t)P->nobj + 1) * sizeof(double));
		w[t].hi = xmalloc(((size_t)P->nobj + 1) * sizeof(double));
		for (int j = 0; j < P->nobj; j++) w[t].lo[j] = w[t].hi[j] = NAN;
	}
	bool bar = progress_on(P) && P->npoints >= 1000000;
	for (int t = 1; t < nt; t++)
		if (pthread_create(&th[t], NULL, scan_thread, &w[t]) != 0) abort();
	if (bar) {
		/* the main thread reports while the others work, then works too */
		while (atomic_load(&sc.next) < P->npoints && nt > 1) {
			progress(ranges_only ? "ranges" : "searching", atomic_load(&sc.done), P->npoints);
			struct timespec ts = {0, 200000000};
			nanosleep(&ts, NULL);
		}
	}
	scan_thread(&w[0]);
	for (int t = 1; t < nt; t++) pthread_join(th[t], NULL);
	if (bar) progress_end();
	P->interrupted |= interrupted();
	for (int t = 0; t < nt; t++) {
		if (!ranges_only) {
			P->evaluated += w[t].evaluated;
			P->feasible += w[t].feasible;
			if (w[t].undefined && (!P->undefined || w[t].first_undefined < P->first_undefined))
				P->first_undefined = w[t].first_undefined;
			P->undefined += w[t].undefined;
			cuts_merge(P, &w[t].cuts);
			for (size_t i = 0; i < w[t].pool.n; i++)
				pool_add(into, P->nobj, w[t].pool.idx[i], w[t].pool.y + i * (size_t)P->nobj, w[t].pool.key[i]);
		} else {
			for (int j = 0; j < P->nobj; j++) {
				if (!(w[t].lo[j] >= rlo[j])) rlo[j] = w[t].lo[j];
				if (!(w[t].hi[j] <= rhi[j])) rhi[j] = w[t].hi[j];
			}
		}
		pool_free(&w[t].pool);
		cuts_free(&w[t].cuts);
		free(w[t].in);
		free(w[t].out);
		free(w[t].y);
		free(w[t].lo);
		free(w[t].hi);
	}
	free(w);
	free(th);
}

/* ---------------------------------------------------------------- simulated */

/* Simulated search: analytic constraints prune, the rest is simulated. */
static void search_simulated(OptProblem *P, Pool *pool)
{
	double *in = xmalloc((P->nin + 1) * sizeof *in), *out1 = xmalloc((P->nout + 1) * sizeof *out1);
	uint64_t *cand = NULL;
	size_t nc = 0, capc = 0;
	Scan sc = {.P = P, .threshold = pool_threshold()};
	Worker w = {.sc = &sc, .y = xmalloc(((size_t)P->nobj + 1) * sizeof(double))};
	cuts_init(&w.cuts, P->ncon);
	for (uint64_t i = 0; i < P->npoints; i++) {
		opt_inputs(P, i, in);
		bc_eval(P->bc, in, out1);
		if (!judge(P, i, out1, true, &w.cuts)) continue;
		if (nc == capc) {
			capc = capc ? 2 * capc : 64;
			cand = xrealloc(cand, capc * sizeof *cand);
		}
		cand[nc++] = i;
	}
	P->evaluated = P->npoints - nc;   /* those the analytic constraints cut */
	double *fig = xmalloc((nc + 1) * OPT_NFIG * sizeof *fig);
	double *out = xmalloc((nc + 1) * P->nout * sizeof *out);
	bool *ok = xmalloc((nc + 1) * sizeof *ok);
	char **why = xmalloc((nc + 1) * sizeof *why);
	opt_simulate_many(P, cand, nc, fig, ok, why);
	P->interrupted = interrupted();
	double *lo = xmalloc(((size_t)P->nobj + 1) * sizeof *lo), *hi = xmalloc(((size_t)P->nobj + 1) * sizeof *hi);
	for (int j = 0; j < P->nobj; j++) lo[j] = hi[j] = NAN;
	for (size_t i = 0; i < nc; i++) {
		if (!ok[i] && !why[i] && P->interrupted) {   /* Ctrl-C came first */
			for (uint32_t o = 0; o < P->nout; o++) out[i * P->nout + o] = NAN;
			P->unsimulated++;
			continue;
		}
		P->simulated++;
		if (!ok[i]) {
			for (uint32_t o = 0; o < P->nout; o++) out[i * P->nout + o] = NAN;
			if (!P->sim_failed++) {
				P->sim_error = why[i];
				P->sim_error_point = cand[i];
			} else {
				free(why[i]);
			}
			continue;
		}
		opt_inputs(P, cand[i], in);
		for (int f = 0; f < OPT_NFIG; f++)
			if (P->fig_in[f] >= 0) in[P->fig_in[f]] = fig[i * OPT_NFIG + f];
		bc_eval(P->bc, in, out + i * P->nout);
		/* the ranges of the weighted sum, over the feasible points */
		if (judge(P, cand[i], out + i * P->nout, false, NULL) && objectives(P, out + i * P->nout, w.y))
			for (int j = 0; j < P->nobj; j++) {
				if (!(w.y[j] >= lo[j])) lo[j] = w.y[j];
				if (!(w.y[j] <= hi[j])) hi[j] = w.y[j];
			}
	}
	sc.lo = lo;
	sc.hi = hi;
	for (size_t i = 0; i < nc; i++)
		if (ok[i]) offer(&w, cand[i], out + i * P->nout, false);
	P->evaluated += w.evaluated;
	P->feasible = w.feasible;
	P->undefined = w.undefined;
	P->first_undefined = w.first_undefined;
	cuts_merge(P, &w.cuts);
	cuts_free(&w.cuts);
	for (size_t i = 0; i < w.pool.n; i++) pool_add(pool, P->nobj, w.pool.idx[i], w.pool.y + i * (size_t)P->nobj, w.pool.key[i]);
	pool_free(&w.pool);
	free(lo);
	free(hi);
	free(w.y);
	free(why);
	free(ok);
	P->sim_fig = fig;
	P->sim_idx = cand;
	P->sim_out = out;
	P->nsim_pts = nc;
	free(in);
	free(out1);
}

/* ---------------------------------------------------------------- nlopt */

typedef struct Relaxed {
	OptProblem *P;
	BcProgram *grad;          /* outputs: the primary, its gradient, then per constraint c and its gradient */
	double *in, *out;
	double *scale;            /* per constraint */
} Relaxed;

static void relaxed_eval(Relaxed *r, const double *x)
{
	OptProblem *P = r->P;
	memcpy(r->in, P->base, P->nin * sizeof *r->in);
	for (int j = 0; j < P->np; j++) r->in[P->p[j].in] = x[j];
	bc_eval(r->grad, r->in, r->out);
}

static double relaxed_f(void *ud, const double *x, double *grad)
{
	Relaxed *r = ud;
	OptProblem *P = r->P;
	relaxed_eval(r, x);
	double sign = -P->obj[P->primary].sense;   /* NLopt minimizes */
	if (grad)
		for (int j = 0; j < P->np; j++) grad[j] = sign * r->out[1 + j];
	return sign * r->out[0];
}

static void relaxed_c(void *ud, const double *x, double *c, double *grad)
{
	Relaxed *r = ud;
	OptProblem *P = r->P;
	relaxed_eval(r, x);
	size_t at = 1 + (size_t)P->np;
	for (int i = 0; i < P->ncon; i++, at += 1 + (size_t)P->np) {
		c[i] = r->out[at] / r->scale[i];
		if (grad)
			for (int j = 0; j < P->np; j++) grad[(size_t)i * P->np + j] = r->out[at + 1 + j] / r->scale[i];
	}
}

/* The relaxation's program: the primary objective and each constraint as
 * g <= 0 (g = lhs - rhs, or rhs - lhs for >=), each with its gradient. */
static BcProgram *relaxed_program(OptProblem *P)
{
	Dag *g = &P->g;
	size_t n = (1 + (size_t)P->ncon) * (1 + (size_t)P->np);
	NodeId *roots = xmalloc(n * sizeof *roots);
	size_t k = 0;
	NodeId f = P->roots[P->obj[P->primary].out];
	roots[k++] = f;
	for (int j = 0; j < P->np; j++) roots[k++] = dag_derive(g, f, P->p[j].in);
	for (int i = 0; i < P->ncon; i++) {
		OptCon *c = &P->con[i];
		NodeId l = P->roots[c->out_l], rr = P->roots[c->out_r];
		bool ge = c->op == OP_GE || c->op == '>';
		NodeId d = ge ? dag_op2(g, DOP_SUB, rr, l) : dag_op2(g, DOP_SUB, l, rr);
		roots[k++] = dag_simplify(g, d);
		for (int j = 0; j < P->np; j++) roots[k++] = dag_derive(g, d, P->p[j].in);
	}
	BcProgram *bc = bc_compile(g, roots, (uint32_t)k);
	free(roots);
	return bc;
}

/* From a feasible grid point, moves one param at a time to a neighbouring
 * member while that improves the primary objective and stays feasible (a
 * rounded relaxation can land beside the grid optimum of a coupled
 * problem).  Deterministic: params in order, the lower neighbour first,
 * the first improvement taken.  Returns the point reached. */
static uint64_t local_search(OptProblem *P, uint64_t idx, double best, int *steps)
{
	double *in = xmalloc((P->nin + 1) * sizeof *in), *out = xmalloc((P->nout + 1) * sizeof *out);
	double *y = xmalloc(((size_t)P->nobj + 1) * sizeof *y);
	uint64_t *stride = xmalloc(((size_t)P->np + 1) * sizeof *stride);
	uint64_t s = 1;
	for (int j = P->np - 1; j >= 0; j--) {
		stride[j] = s;
		s *= P->p[j].ndom;
	}
	bool moved = true;
	for (int guard = 0; moved && guard < 100000; guard++) {
		moved = false;
		for (int j = 0; j < P->np && !moved; j++) {
			uint64_t d = idx / stride[j] % P->p[j].ndom;
			for (int dir = -1; dir <= 1 && !moved; dir += 2) {
				if ((dir < 0 && d == 0) || (dir > 0 && d + 1 >= P->p[j].ndom)) continue;
				uint64_t next = dir < 0 ? idx - stride[j] : idx + stride[j];
				opt_inputs(P, next, in);
				bc_eval(P->bc, in, out);
				P->evaluated++;
				if (judge(P, UINT64_MAX, out, false, NULL) && objectives(P, out, y) && y[P->primary] > best) {
					idx = next;
					best = y[P->primary];
					moved = true;
					++*steps;
				}
			}
		}
	}
	free(in);
	free(out);
	free(y);
	free(stride);
	return idx;
}

static bool search_nlopt(OptProblem *P, OptResult *res, Pool *pool)
{
	for (int i = 0; i < P->ncon; i++)
		if (P->con[i].op == 0 || P->con[i].op == OP_EQ || P->con[i].op == OP_NE) {
			diag_error(P->s->d, P->stmt->nspan, "nlopt takes inequality constraints (<, <=, >, >=); '%s' is not one",
				   P->con[i].text);
			return false;
		}
	Relaxed r = {.P = P};
	r.grad = relaxed_program(P);
	r.in = xmalloc((P->nin + 1) * sizeof *r.in);
	r.out = xmalloc(((size_t)r.grad->nout + 1) * sizeof *r.out);
	r.scale = xmalloc(((size_t)P->ncon + 1) * sizeof *r.scale);
	int n = P->np;
	double *lo = xmalloc(((size_t)n + 1) * sizeof *lo), *hi = xmalloc(((size_t)n + 1) * sizeof *hi);
	double *x0 = xmalloc(((size_t)n + 1) * sizeof *x0);
	const double **dom = xmalloc(((size_t)n + 1) * sizeof *dom);
	size_t *ndom = xmalloc(((size_t)n + 1) * sizeof *ndom);
	for (int j = 0; j < n; j++) {
		lo[j] = P->p[j].dom[0];
		hi[j] = P->p[j].dom[P->p[j].ndom - 1];
		x0[j] = P->p[j].dom[(P->p[j].ndom - 1) / 2];   /* the middle member */
		dom[j] = P->p[j].dom;
		ndom[j] = P->p[j].ndom;
	}
	/* constraints on the scale of their bound at the start point */
	{
		double *in = xmalloc((P->nin + 1) * sizeof *in), *out = xmalloc((P->nout + 1) * sizeof *out);
		memcpy(in, P->base, P->nin * sizeof *in);
		for (int j = 0; j < n; j++) in[P->p[j].in] = x0[j];
		bc_eval(P->bc, in, out);
		for (int i = 0; i < P->ncon; i++) {
			double s = fabs(out[P->con[i].out_r]);
			r.scale[i] = s > 0 && isfinite(s) ? s : 1;
		}
		free(in);
		free(out);
	}
	RelaxProblem rp = {.n = n, .lo = lo, .hi = hi, .x0 = x0, .f = relaxed_f, .m = P->ncon, .c = relaxed_c,
			   .ud = &r, .algorithm = P->algorithm, .dom = dom, .ndom = ndom};
	RelaxResult rr = {0};
	char *why = NULL;
	bool ok = relax_solve(&rp, &rr, &why) == 0;
	if (!ok) {
		diag_error(P->s->d, P->stmt->nspan, "nlopt: %s", why ? why : "failed");
		free(why);
	} else {
		res->relaxed = true;
		res->xc = rr.xc;
		rr.xc = NULL;
		res->fc = -P->obj[P->primary].sense * rr.fc;
		res->nlopt_evals = rr.evals;
		res->nlopt_stop = rr.stop;
		P->evaluated = (uint64_t)rr.evals + (uint64_t)rr.rounded_checked;
		if (rr.x) {
			/* the rounded point, judged like a grid point */
			uint64_t idx = 0;
			for (int j = 0; j < n; j++) {
				size_t d = 0;
				while (d + 1 < P->p[j].ndom && P->p[j].dom[d] != rr.x[j]) d++;
				idx = idx * P->p[j].ndom + d;
			}
			double *in = xmalloc((P->nin + 1) * sizeof *in), *out = xmalloc((P->nout + 1) * sizeof *out);
			double *y = xmalloc(((size_t)P->nobj + 1) * sizeof *y);
			opt_inputs(P, idx, in);
			bc_eval(P->bc, in, out);
			if (meets_counted(P, out) && objectives(P, out, y)) {
				idx = local_search(P, idx, y[P->primary], &res->local_steps);
				opt_inputs(P, idx, in);
				bc_eval(P->bc, in, out);
				objectives(P, out, y);
				P->feasible = 1;
				pool_add(pool, P->nobj, idx, y, 0);
			}
			free(in);
			free(out);
			free(y);
		}
	}
	relax_result_free(&rr);
	bc_free(r.grad);
	free(r.in);
	free(r.out);
	free(r.scale);
	free(lo);
	free(hi);
	free(x0);
	free(dom);
	free(ndom);
	return ok;
}

/* ---------------------------------------------------------------- search */

static void row_fill(OptProblem *P, OptRow *row, uint64_t idx)
{
	double *in = xmalloc((P->nin + 1) * sizeof *in);
	row->idx = idx;
	row->x = xmalloc(((size_t)P->np + 1) * sizeof *row->x);
	row->out = xmalloc(((size_t)P->nout + 1) * sizeof *row->out);
	opt_point_x(P, idx, row->x);
	opt_inputs(P, idx, in);
	for (int f = 0; f < OPT_NFIG; f++) row->fig[f] = NAN;
	bc_eval(P->bc, in, row->out);
	free(in);
}

/* verify top K: simulates the first n rows; the figures are reported
 * next to the formulas (they change no value or rank). */
static void verify_rows(OptProblem *P, OptRow *rows, size_t n)
{
	uint64_t *idx = xmalloc((n + 1) * sizeof *idx);
	double *fig = xmalloc((n + 1) * OPT_NFIG * sizeof *fig);
	bool *ok = xmalloc((n + 1) * sizeof *ok);
	char **why = xmalloc((n + 1) * sizeof *why);
	for (size_t i = 0; i < n; i++) idx[i] = rows[i].idx;
	opt_simulate_many(P, idx, n, fig, ok, why);
	for (size_t i = 0; i < n; i++) {
		OptRow *r = &rows[i];
		r->simulated = r->verified = ok[i];
		r->sim_error = why[i];
		if (ok[i]) memcpy(r->fig, fig + i * OPT_NFIG, sizeof r->fig);
	}
	free(idx);
	free(fig);
	free(ok);
	free(why);
}

static int cmp_u64(const void *a, const void *b);

bool opt_search(OptProblem *P, OptResult *res)
{
	Pool pool = {0};
	if (P->method == OM_NLOPT) {
		if (!search_nlopt(P, res, &pool)) return false;
	} else if (P->uses_sim) {
		search_simulated(P, &pool);
	} else {
		double *lo = NULL, *hi = NULL;
		if (P->method == OM_WEIGHTED) {
			lo = xmalloc(((size_t)P->nobj + 1) * sizeof *lo);
			hi = xmalloc(((size_t)P->nobj + 1) * sizeof *hi);
			for (int j = 0; j < P->nobj; j++) lo[j] = hi[j] = NAN;
			scan(P, true, NULL, NULL, lo, hi, NULL);
		}
		scan(P, false, lo, hi, NULL, NULL, &pool);
		free(lo);
		free(hi);
	}
	if (pool.n) pool_reduce(P, &pool);
	size_t m = pool.n;
	res->is_front = keeps_front(P);
	if (P->method == OM_EPSILON && P->sweep && m) {
		size_t *w = xmalloc(m * sizeof *w);
		m = front_epsilon_sweep(pool.y, pool.n, (size_t)P->nobj, (size_t)P->primary, (size_t)P->steps, w);
		Pool out = {0};
		for (size_t i = 0; i < m; i++) pool_add(&out, P->nobj, pool.idx[w[i]], pool.y + w[i] * (size_t)P->nobj, 0);
		free(w);
		pool_free(&pool);
		pool = out;
	}
	res->nrows = m;
	res->rows = calloc(m + 1, sizeof *res->rows);
	if (!res->rows) abort();
	for (size_t i = 0; i < m; i++) row_fill(P, &res->rows[i], pool.idx[i]);
	pool_free(&pool);
	size_t k = (size_t)P->verify < m ? (size_t)P->verify : m;
	if (P->uses_sim) {
		/* the figures of the search's own simulations */
		for (size_t i = 0; i < m; i++) {
			OptRow *r = &res->rows[i];
			uint64_t *at = bsearch(&r->idx, P->sim_idx, P->nsim_pts, sizeof *P->sim_idx, cmp_u64);
			if (!at) continue;
			size_t j = (size_t)(at - P->sim_idx);
			memcpy(r->fig, P->sim_fig + j * OPT_NFIG, sizeof r->fig);
			memcpy(r->out, P->sim_out + j * P->nout, P->nout * sizeof *r->out);
			r->simulated = true;
			r->verified = i < k;
		}
	} else if (k && !P->interrupted && !interrupted()) {
		verify_rows(P, res->rows, k);
	}
	P->interrupted |= interrupted();
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t *opt_front_indices(OptProblem *P, const OptResult *res, size_t *n)
{
	uint64_t *f;
	if (res->is_front) {
		*n = res->nrows;
		f = xmalloc((*n + 1) * sizeof *f);
		for (size_t i = 0; i < *n; i++) f[i] = res->rows[i].idx;
	} else if (P->uses_sim || P->method == OM_NLOPT) {
		/* among the simulated points (nlopt: only the rounded point) */
		Pool pool = {0};
		double *y = xmalloc(((size_t)P->nobj + 1) * sizeof *y);
		for (size_t i = 0; i < P->nsim_pts; i++) {
			const double *out = P->sim_out + i * P->nout;
			if (judge(P, UINT64_MAX, out, false, NULL) && objectives(P, out, y)) pool_add(&pool, P->nobj, P->sim_idx[i], y, 0);
		}
		if (P->method == OM_NLOPT)
			for (size_t i = 0; i < res->nrows; i++) {
				if (objectives(P, res->rows[i].out, y)) pool_add(&pool, P->nobj, res->rows[i].idx, y, 0);
			}
		size_t *order = xmalloc((pool.n + 1) * sizeof *order);
		*n = front_pareto(pool.y, pool.n, (size_t)P->nobj, order);
		f = xmalloc((*n + 1) * sizeof *f);
		for (size_t i = 0; i < *n; i++) f[i] = pool.idx[order[i]];
		free(order);
		free(y);
		pool_free(&pool);
	} else {
		OptProblem Q = *P;   /* a Pareto pass that leaves P's counts alone */
		Q.con = xmalloc(((size_t)P->ncon + 1) * sizeof *Q.con);
		if (P->ncon) memcpy(Q.con, P->con, (size_t)P->ncon * sizeof *Q.con);
		Q.method = OM_PARETO;
		Q.o = NULL;          /* no progress bar */
		Pool pool = {0};
		scan(&Q, false, NULL, NULL, NULL, NULL, &pool);
		if (pool.n) pool_reduce(&Q, &pool);
		free(Q.con);
		*n = pool.n;
		f = xmalloc((*n + 1) * sizeof *f);
		if (*n) memcpy(f, pool.idx, *n * sizeof *f);
		pool_free(&pool);
	}
	qsort(f, *n, sizeof *f, cmp_u64);
	return f;
}
