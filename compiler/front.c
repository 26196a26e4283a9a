/* front.c -- the Pareto front, the normalized weighted sum and the
 * epsilon-constraint method (see front.h).
 *
 * A point is usable when none of its k objectives is NaN; the others are
 * skipped everywhere.  The Pareto front sorts the usable points so that a
 * point can only be dominated by one sorted before it, then scans once:
 *
 *   order: (y0, y1, ..., y(k-1)) lexicographically descending, then index
 *   if p dominates q, p is higher at the first objective where they
 *   differ, so p comes first; equal points dominate nothing, so their
 *   order (by index) does not matter.
 *
 * For k == 2 the scan needs only the best y1 of the earlier groups of
 * equal y0 (O(n log n) in all).  For k > 2 each point is checked against
 * the front kept so far, searched in a k-d tree over y1..y(k-1) whose
 * nodes keep their subtree's maxima: a point dominated by a dominated
 * point is also dominated by a front point sorted before it (dominance is
 * transitive).
 * The front is finally put in the header's order, y0 descending, then
 * index.
 *
 * front_epsilon is an argmax under a total order (primary objective, the
 * others in order, then the smaller index); the sweep for k == 2 and
 * steps == 0 keeps that argmax while lowering the bound one distinct
 * value at a time, which gives the same winners as one front_epsilon
 * call per value in O(n log n).
 *
 * Scratch memory comes from xmalloc (which aborts when none is left) and
 * is freed before returning; nothing is global, so threads may call these
 * functions at once.
 */
#include "config.h"
#include "front.h"
#include "lang/arena.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------- */

/* Room for n things of `size` bytes; a size that overflows is asked for
 * as SIZE_MAX, which xmalloc cannot get and so reports. */
static void *alloc_array(size_t n, size_t size)
{
	return xmalloc(size && n > SIZE_MAX / size ? SIZE_MAX : n * size);
}

static int usable(const double *yi, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (isnan(yi[j])) return 0;
	return 1;
}

/* A point to sort by all its objectives: its row, the row's length and
 * its index (the length rides along so the comparator needs no global). */
typedef struct Row {
	const double *v;
	size_t k, i;
} Row;

/* Lexicographically descending on the objectives, then ascending index. */
static int row_cmp(const void *pa, const void *pb)
{
	const Row *a = pa, *b = pb;
	for (size_t j = 0; j < a->k; j++) {
		if (a->v[j] > b->v[j]) return -1;
		if (a->v[j] < b->v[j]) return 1;
	}
	return (a->i > b->i) - (a->i < b->i);
}

/* A point to sort by one value: descending value, then ascending index. */
typedef struct Key {
	double v;
	size_t i;
} Key;

static int key_cmp(const void *pa, const void *pb)
{
	const Key *a = pa, *b = pb;
	if (a->v > b->v) return -1;
	if (a->v < b->v) return 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* Sorts the point indices idx[0..m) by objective 0 descending, then by
 * index (by index alone when there is no objective). */
static void sort_like_front(const double *y, size_t k, size_t *idx, size_t m)
{
	Key *key = alloc_array(m, sizeof *key);
	for (size_t t = 0; t < m; t++)
		key[t] = (Key){ k ? y[idx[t] * k] : 0.0, idx[t] };
	qsort(key, m, sizeof *key, key_cmp);
	for (size_t t = 0; t < m; t++)
		idx[t] = key[t].i;
	free(key);
}

/* ---- Pareto front -------------------------------------------------- */

int front_dominates(const double *a, const double *b, size_t k)
{
	int strict = 0;
	for (size_t j = 0; j < k; j++) {
		if (!(a[j] >= b[j])) return 0;
		if (a[j] > b[j]) strict = 1;
	}
	return strict;
}

/* k == 1: every usable point equal to the maximum, in index order. */
static size_t pareto_1(const double *y, size_t n, size_t *out)
{
	double max = NAN;
	for (size_t i = 0; i < n; i++)
		if (!isnan(y[i]) && (isnan(max) || y[i] > max)) max = y[i];
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (y[i] == max) out[m++] = i;
	return m;
}

/* k == 2 over rows sorted by row_cmp.  In a group of equal y0 the rows
 * below the group's top y1 are dominated by the top; the rows at the top
 * survive unless an earlier group (higher y0) reached that y1.  Output is
 * already y0 descending, then index. */
static size_t scan_2(const Row *r, size_t m, size_t *out)
{
	size_t nf = 0;
	int seen = 0;
	double best = 0;        /* highest y1 of the earlier groups, when seen */
	for (size_t g = 0; g < m;) {
		double y0 = r[g].v[0], top = r[g].v[1];
		int alive = !seen || top > best;
		size_t e = g;
		for (; e < m && r[e].v[0] == y0; e++)
			if (alive && r[e].v[1] == top) out[nf++] = r[e].i;
		if (alive) best = top;
		seen = 1;
		g = e;
	}
	return nf;
}

/* A k-d tree of points for dominance queries: each node holds the
 * largest value of every objective in its subtree, so a search skips the
 * subtrees that cannot hold a dominator -- close to logarithmic per query
 * on spread-out fronts instead of linear.  Nodes split on objectives
 * split0 .. k-1 in turn (the scan below starts at 1: objective 0 is
 * sorted already). */
typedef struct Kd {
	const double *y;
	size_t k, n, split0;
	size_t *row;      /* node -> index of its point in y */
	size_t *kid;      /* node -> its two children (SIZE_MAX: none) */
	double *max;      /* node -> k maxima over its subtree */
	size_t *stack;    /* search scratch, one slot per node */
} Kd;

static void kd_init(Kd *t, const double *y, size_t k, size_t cap, size_t split0)
{
	*t = (Kd){.y = y, .k = k, .split0 = split0};
	t->row = alloc_array(cap + 1, sizeof *t->row);
	t->kid = alloc_array(2 * (cap + 1), sizeof *t->kid);
	t->max = alloc_array((cap + 1) * k, sizeof *t->max);
	t->stack = alloc_array(cap + 1, sizeof *t->stack);
}

static void kd_free(Kd *t)
{
	free(t->row);
	free(t->kid);
	free(t->max);
	free(t->stack);
}

static int kd_dominated(const Kd *t, const double *p)
{
	size_t k = t->k, top = 0;
	if (t->n) t->stack[top++] = 0;
	while (top) {
		size_t v = t->stack[--top];
		const double *mx = t->max + v * k;
		size_t j = 0;
		while (j < k && mx[j] >= p[j]) j++;
		if (j < k) continue;              /* nothing below v is >= p */
		if (front_dominates(t->y + t->row[v] * k, p, k)) return 1;
		for (int c = 0; c < 2; c++)
			if (t->kid[2 * v + c] != SIZE_MAX) t->stack[top++] = t->kid[2 * v + c];
	}
	return 0;
}

static void kd_insert(Kd *t, size_t row)
{
	size_t k = t->k, v = t->n++;
	const double *p = t->y + row * k;
	t->row[v] = row;
	t->kid[2 * v] = t->kid[2 * v + 1] = SIZE_MAX;
	memcpy(t->max + v * k, p, k * sizeof *p);
	if (v == 0) return;
	size_t u = 0;
	for (size_t depth = 0;; depth++) {
		double *mx = t->max + u * k;
		for (size_t j = 0; j < k; j++)
			if (p[j] > mx[j]) mx[j] = p[j];
		size_t d = t->split0 + depth % (k - t->split0);
		size_t *slot = &t->kid[2 * u + (p[d] < t->y[t->row[u] * k + d] ? 0 : 1)];
		if (*slot == SIZE_MAX) {
			*slot = v;
			return;
		}
		u = *slot;
	}
}

/* Any k > 2 over rows sorted by row_cmp: a row is on the front iff no
 * member of the front so far (all of which precede it in objective 0)
 * dominates it; the members sit in a k-d tree over objectives 1 .. k-1. */
static size_t scan_k(const double *y, const Row *r, size_t m, size_t k, size_t *out)
{
	Kd t;
	kd_init(&t, y, k, m, 1);
	size_t nf = 0;
	for (size_t i = 0; i < m; i++)
		if (!kd_dominated(&t, r[i].v)) {
			out[nf++] = r[i].i;
			kd_insert(&t, r[i].i);
		}
	kd_free(&t);
	return nf;
}

size_t front_pareto(const double *y, size_t n, size_t k, size_t *out)
{
	if (k == 1) return pareto_1(y, n, out);
	Row *r = alloc_array(n, sizeof *r);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (usable(y + i * k, k)) r[m++] = (Row){ y + i * k, k, i };
	qsort(r, m, sizeof *r, row_cmp);
	size_t nf = k == 2 ? scan_2(r, m, out) : scan_k(y, r, m, k, out);
	free(r);
	if (k > 2) sort_like_front(y, k, out, nf);
	return nf;
}

/* ---- weighted sum -------------------------------------------------- */

void front_range(const double *y, size_t n, size_t k, double *lo, double *hi)
{
	for (size_t j = 0; j < k; j++)
		lo[j] = hi[j] = NAN;
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		const double *yi = y + i * k;
		if (!usable(yi, k)) continue;
		for (size_t j = 0; j < k; j++) {
			if (!seen || yi[j] < lo[j]) lo[j] = yi[j];
			if (!seen || yi[j] > hi[j]) hi[j] = yi[j];
		}
		seen = 1;
	}
}

/* A zero weight adds nothing (it is skipped, so that 0 * inf cannot make
 * a NaN); neither does an objective whose range is a single value. */
double front_weighted_score(const double *yi, size_t k, const double *w,
			    const double *lo, const double *hi)
{
	double s = 0;
	for (size_t j = 0; j < k; j++)
		if (w[j] != 0 && hi[j] > lo[j])
			s += w[j] * (yi[j] - lo[j]) / (hi[j] - lo[j]);
	return s;
}

/* Whether score s beats the best so far: higher, and any number beats
 * NaN (which an infinite objective can produce). */
static int score_beats(double s, double best)
{
	return s > best || (isnan(best) && !isnan(s));
}

size_t front_weighted(const double *y, size_t n, size_t k, const double *w)
{
	double *lo = alloc_array(k, 2 * sizeof *lo), *hi = lo + k;
	front_range(y, n, k, lo, hi);
	size_t best = SIZE_MAX;
	double bs = 0;
	for (size_t i = 0; i < n; i++) {
		const double *yi = y + i * k;
		if (!usable(yi, k)) continue;
		double s = front_weighted_score(yi, k, w, lo, hi);
		if (best == SIZE_MAX || score_beats(s, bs)) {
			best = i;
			bs = s;
		}
	}
	free(lo);
	return best;
}

/* ---- epsilon constraint -------------------------------------------- */

/* Whether point yi meets the bounds of the objectives other than primary
 * (a -INFINITY bound is met by every usable point). */
static int meets(const double *yi, size_t k, size_t primary, const double *bound)
{
	for (size_t j = 0; j < k; j++)
		if (j != primary && !(yi[j] >= bound[j])) return 0;
	return 1;
}

/* Whether point ia comes before point ib in front_epsilon's order: higher
 * primary objective, then higher other objectives in order, then the
 * smaller index.  Both points are usable. */
static int eps_before(const double *y, size_t k, size_t primary, size_t ia, size_t ib)
{
	const double *a = y + ia * k, *b = y + ib * k;
	if (a[primary] != b[primary]) return a[primary] > b[primary];
	for (size_t j = 0; j < k; j++)
		if (j != primary && a[j] != b[j]) return a[j] > b[j];
	return ia < ib;
}

size_t front_epsilon(const double *y, size_t n, size_t k, size_t primary, const double *bound)
{
	if (primary >= k) return SIZE_MAX;
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		const double *yi = y + i * k;
		if (!usable(yi, k) || !meets(yi, k, primary, bound)) continue;
		if (best == SIZE_MAX || eps_before(y, k, primary, i, best)) best = i;
	}
	return best;
}

/* k == 2, steps == 0: the usable points by the other objective descending;
 * the running winner after each group of equal values is front_epsilon's
 * answer for that value as the bound. */
static void sweep_distinct(const double *y, size_t n, size_t primary, unsigned char *won)
{
	size_t other = 1 - primary, m = 0;
	Key *key = alloc_array(n, sizeof *key);
	for (size_t i = 0; i < n; i++)
		if (usable(y + i * 2, 2)) key[m++] = (Key){ y[i * 2 + other], i };
	qsort(key, m, sizeof *key, key_cmp);
	size_t best = SIZE_MAX;
	for (size_t t = 0; t < m; t++) {
		if (best == SIZE_MAX || eps_before(y, 2, primary, key[t].i, best)) best = key[t].i;
		if (t + 1 == m || key[t + 1].v != key[t].v) won[best] = 1;
	}
	free(key);
}

/* Value s of `steps` evenly spaced over [lo, hi]: exactly lo first and hi
 * last; a single step is lo (no constraint). */
static double grid_value(double lo, double hi, size_t s, size_t steps)
{
	if (s == 0) return lo;
	if (s + 1 == steps) return hi;
	return lo + (hi - lo) * (double)s / (double)(steps - 1);
}

/* Steps the counters of the objectives other than primary like an
 * odometer; 0 once every combination has been seen. */
static int odometer_next(size_t *cnt, size_t k, size_t primary, size_t steps)
{
	for (size_t j = 0; j < k; j++) {
		if (j == primary) continue;
		if (++cnt[j] < steps) return 1;
		cnt[j] = 0;
	}
	return 0;
}

/* Every combination of `steps` bounds per other objective. */
static void sweep_grid(const double *y, size_t n, size_t k, size_t primary, size_t steps,
		       unsigned char *won)
{
	double *lo = alloc_array(k, 3 * sizeof *lo), *hi = lo + k, *bound = hi + k;
	size_t *cnt = alloc_array(k, sizeof *cnt);
	front_range(y, n, k, lo, hi);
	memset(cnt, 0, k * sizeof *cnt);
	if (!isnan(lo[primary])) {
		do {
			for (size_t j = 0; j < k; j++)
				bound[j] = j == primary ? -INFINITY : grid_value(lo[j], hi[j], cnt[j], steps);
			size_t w = front_epsilon(y, n, k, primary, bound);
			if (w != SIZE_MAX) won[w] = 1;
		} while (odometer_next(cnt, k, primary, steps));
	}
	free(cnt);
	free(lo);
}

size_t front_epsilon_sweep(const double *y, size_t n, size_t k, size_t primary, size_t steps, size_t *out)
{
	if (primary >= k) return 0;
	unsigned char *won = alloc_array(n, 1);
	memset(won, 0, n);
	if (k == 2 && steps == 0)
		sweep_distinct(y, n, primary, won);
	else
		sweep_grid(y, n, k, primary, k == 2 || steps ? steps : 8, won);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (won[i]) out[m++] = i;
	free(won);
	sort_like_front(y, k, out, m);
	return m;
}
