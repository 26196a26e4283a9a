/* test_front.c -- choosing among evaluated points (compiler/front.h):
 * hand-written cases with known answers (a 2-D staircase, ties, NaNs,
 * k = 1 and k = 3), and differential tests on random instances with many
 * ties, duplicates, NaNs and infinities against brute-force references
 * written here independently: an O(n^2 k) non-dominated filter, an argmax
 * of the weighted sum, and filter-then-argmax for the epsilon constraint.
 * The random instances come from a fixed-seed SplitMix64, so every run
 * checks the same points. */
#include "config.h"
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "compiler/front.h"
#include "helpers.h"

#define N(a) (sizeof(a) / sizeof *(a))
#define INSTANCES 500
#define MAXN 200
#define MAXK 4
#define GUARD ((size_t)0x5eed)

/* ---- random instances ---------------------------------------------- */

/* Uniform in 0..m-1 (m > 0; the bias is irrelevant here). */
static size_t below(uint64_t *s, size_t m)
{
	return (size_t)(test_splitmix(s) % m);
}

/* One random instance: n points of k objectives (k random in 1..MAXK
 * when 0) drawn from a few integer values (so ties and duplicates are
 * common), about 3% NaN entries and, when `infinite`, about 2% infinite
 * ones. */
typedef struct Inst {
	size_t n, k;
	double y[MAXN * MAXK];
} Inst;

static void draw(Inst *in, uint64_t *s, size_t k, int infinite)
{
	in->n = below(s, MAXN + 1);
	in->k = k ? k : 1 + below(s, MAXK);
	size_t values = 2 + below(s, 5);
	for (size_t e = 0; e < in->n * in->k; e++) {
		size_t r = below(s, 100);
		if (r < 3)
			in->y[e] = NAN;
		else if (infinite && r < 4)
			in->y[e] = INFINITY;
		else if (infinite && r < 5)
			in->y[e] = -INFINITY;
		else
			in->y[e] = (double)below(s, values) - 1.0;
	}
}

/* ---- brute-force references ---------------------------------------- */

static int bf_usable(const double *p, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (p[j] != p[j]) return 0;
	return 1;
}

static int bf_dominates(const double *p, const double *q, size_t k)
{
	size_t ge = 0, gt = 0;
	for (size_t j = 0; j < k; j++) {
		ge += p[j] >= q[j];
		gt += p[j] > q[j];
	}
	return ge == k && gt > 0;
}

/* Insertion sort of indices by objective 0 descending, then index. */
static void bf_sort(const double *y, size_t k, size_t *idx, size_t m)
{
	for (size_t a = 1; a < m; a++)
		for (size_t b = a; b > 0; b--) {
			double u = y[idx[b - 1] * k], v = y[idx[b] * k];
			int swap = u < v || (u == v && idx[b - 1] > idx[b]);
			if (!swap) break;
			size_t t = idx[b];
			idx[b] = idx[b - 1];
			idx[b - 1] = t;
		}
}

static size_t bf_pareto(const double *y, size_t n, size_t k, size_t *out)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!bf_usable(y + i * k, k)) continue;
		int dominated = 0;
		for (size_t j = 0; j < n && !dominated; j++)
			dominated = bf_usable(y + j * k, k) && bf_dominates(y + j * k, y + i * k, k);
		if (!dominated) out[m++] = i;
	}
	bf_sort(y, k, out, m);
	return m;
}

static int bf_equal(const double *p, const double *q, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (p[j] != q[j]) return 0;
	return 1;
}

/* Drops from f[0..m) the points equal to one with a smaller index. */
static size_t bf_drop_later_duplicates(const double *y, size_t k, size_t *f, size_t m)
{
	size_t r = 0;
	for (size_t a = 0; a < m; a++) {
		int dup = 0;
		for (size_t b = 0; b < m && !dup; b++)
			dup = f[b] < f[a] && bf_equal(y + f[a] * k, y + f[b] * k, k);
		if (!dup) f[r++] = f[a];
	}
	return r;
}

static void bf_range(const double *y, size_t n, size_t k, double *lo, double *hi)
{
	for (size_t j = 0; j < k; j++) {
		lo[j] = INFINITY;
		hi[j] = -INFINITY;
	}
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		if (!bf_usable(y + i * k, k)) continue;
		used++;
		for (size_t j = 0; j < k; j++) {
			lo[j] = fmin(lo[j], y[i * k + j]);
			hi[j] = fmax(hi[j], y[i * k + j]);
		}
	}
	if (!used)
		for (size_t j = 0; j < k; j++)
			lo[j] = hi[j] = NAN;
}

static size_t bf_weighted(const double *y, size_t n, size_t k, const double *w)
{
	double lo[MAXK], hi[MAXK];
	bf_range(y, n, k, lo, hi);
	size_t best = SIZE_MAX;
	double bs = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (!bf_usable(y + i * k, k)) continue;
		double s = 0;
		for (size_t j = 0; j < k; j++)
			if (hi[j] != lo[j])
				s += w[j] * (y[i * k + j] - lo[j]) / (hi[j] - lo[j]);
		if (s > bs) {
			best = i;
			bs = s;
		}
	}
	return best;
}

/* Whether p beats q for the epsilon method: primary, then the others in
 * order; 0 when equal (the earlier index then stays). */
static int bf_eps_beats(const double *p, const double *q, size_t k, size_t primary)
{
	if (p[primary] != q[primary]) return p[primary] > q[primary];
	for (size_t j = 0; j < k; j++)
		if (j != primary && p[j] != q[j]) return p[j] > q[j];
	return 0;
}

static size_t bf_epsilon(const double *y, size_t n, size_t k, size_t primary, const double *bound)
{
	size_t cand[MAXN], m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!bf_usable(y + i * k, k)) continue;
		int ok = 1;
		for (size_t j = 0; j < k; j++)
			if (j != primary && bound[j] != -INFINITY && !(y[i * k + j] >= bound[j])) ok = 0;
		if (ok) cand[m++] = i;
	}
	size_t best = SIZE_MAX;
	for (size_t c = 0; c < m; c++)
		if (best == SIZE_MAX || bf_eps_beats(y + cand[c] * k, y + best * k, k, primary))
			best = cand[c];
	return best;
}

/* ---- checks -------------------------------------------------------- */

static void expect_list(const size_t *got, size_t ng, const size_t *want, size_t nw, const char *what,
			size_t inst)
{
	cr_expect_eq(ng, nw, "%s, instance %zu: %zu points, want %zu", what, inst, ng, nw);
	for (size_t t = 0; t < ng && t < nw; t++)
		cr_expect_eq(got[t], want[t], "%s, instance %zu: out[%zu] = %zu, want %zu",
			     what, inst, t, got[t], want[t]);
}

/* front_pareto into a buffer with a guard past its n slots. */
static size_t pareto(const double *y, size_t n, size_t k, size_t *out)
{
	out[n] = GUARD;
	size_t m = front_pareto(y, n, k, out);
	cr_expect_eq(out[n], GUARD, "front_pareto wrote past n = %zu", n);
	return m;
}

static size_t sweep(const double *y, size_t n, size_t k, size_t primary, size_t steps, size_t *out)
{
	out[n] = GUARD;
	size_t m = front_epsilon_sweep(y, n, k, primary, steps, out);
	cr_expect_eq(out[n], GUARD, "front_epsilon_sweep wrote past n = %zu", n);
	return m;
}

/* ---- hand-written cases -------------------------------------------- */

Test(front, dominates)
{
	double a[] = { 2, 3 }, b[] = { 2, 2 }, c[] = { 3, 1 }, nan[] = { NAN, 9 };
	cr_expect(front_dominates(a, b, 2));
	cr_expect_not(front_dominates(b, a, 2));
	cr_expect_not(front_dominates(a, a, 2), "equal points do not dominate");
	cr_expect_not(front_dominates(a, c, 2));
	cr_expect_not(front_dominates(c, a, 2));
	cr_expect_not(front_dominates(nan, b, 2));
	cr_expect_not(front_dominates(b, nan, 2));
	cr_expect_not(front_dominates(a, b, 1), "only the first objective, equal");
}

Test(front, staircase_2d)
{
	/* both maximized: the five corners of the staircase and three below */
	double y[] = { 1, 5, 2, 4, 3, 3, 4, 2, 5, 1, 2, 2, 3, 1, 1, 1 };
	size_t out[9], want[] = { 4, 3, 2, 1, 0 };
	size_t m = pareto(y, 8, 2, out);
	expect_list(out, m, want, N(want), "staircase", 0);
}

Test(front, ties_2d)
{
	/* (3,3) twice: both kept; (3,2) loses to (3,3) at equal y0; (2,3)
	 * loses at equal y1; (2,4) survives; the NaN point is skipped even
	 * though 9 would win objective 1 */
	double y[] = { 3, 3, 3, 3, 3, 2, 2, 3, 2, 4, NAN, 9, 3, NAN };
	size_t out[8], want[] = { 0, 1, 4 };
	size_t m = pareto(y, 7, 2, out);
	expect_list(out, m, want, N(want), "ties", 0);
	size_t ws[] = { 0, 4 };
	m = sweep(y, 7, 2, 0, 0, out);
	expect_list(out, m, ws, N(ws), "ties sweep primary 0", 0);
	m = sweep(y, 7, 2, 1, 0, out);
	expect_list(out, m, ws, N(ws), "ties sweep primary 1", 0);
}

Test(front, infinities_2d)
{
	double y[] = { -INFINITY, -INFINITY, -INFINITY, 0, INFINITY, -INFINITY, 0, 0 };
	size_t out[5], want[] = { 2, 3 };
	size_t m = pareto(y, 4, 2, out);
	expect_list(out, m, want, N(want), "infinities", 0);
}

Test(front, one_objective_keeps_every_maximum)
{
	double y[] = { 2, 5, NAN, 5, 1, -0.0 };
	size_t out[7], want[] = { 1, 3 };
	size_t m = pareto(y, 6, 1, out);
	expect_list(out, m, want, N(want), "k = 1", 0);
	double z[] = { NAN, NAN };
	cr_expect_eq(pareto(z, 2, 1, out), 0);
	cr_expect_eq(pareto(z, 0, 1, out), 0);
}

Test(front, three_objectives_output_by_first_then_index)
{
	/* (5,1,0) sorts before (5,0,1) lexicographically but comes after it
	 * in the output; (1,1,1) is dominated by (1,1,2), which appears
	 * twice; (0,2,0) by (0,3,0) */
	double y[] = { 5, 0, 1, 5, 1, 0, 1, 1, 1, 1, 1, 2, 0, 3, 0, 1, 1, 2, 0, 2, 0, NAN, 9, 9 };
	size_t out[9], want[] = { 0, 1, 3, 5, 4 };
	size_t m = pareto(y, 8, 3, out);
	expect_list(out, m, want, N(want), "k = 3", 0);
}

Test(front, nothing_usable)
{
	double y[] = { NAN, 1, 2, NAN }, lo[2], hi[2], b[2] = { -INFINITY, -INFINITY };
	size_t out[3];
	cr_expect_eq(pareto(y, 2, 2, out), 0);
	front_range(y, 2, 2, lo, hi);
	cr_expect(isnan(lo[0]) && isnan(lo[1]) && isnan(hi[0]) && isnan(hi[1]));
	double w[] = { 1, 1 };
	cr_expect_eq(front_weighted(y, 2, 2, w), SIZE_MAX);
	cr_expect_eq(front_epsilon(y, 2, 2, 0, b), SIZE_MAX);
	cr_expect_eq(sweep(y, 2, 2, 0, 0, out), 0);
	cr_expect_eq(sweep(y, 2, 2, 0, 4, out), 0);
	cr_expect_eq(front_weighted(y, 0, 2, w), SIZE_MAX);
}

Test(front, range_and_score)
{
	double y[] = { 1, 10, 7, NAN, 3, 30, 3, 30, 4, 2, 10, 5 };
	double lo[3], hi[3];
	front_range(y, 4, 3, lo, hi);
	cr_expect(lo[0] == 1 && hi[0] == 3, "objective 0: %g..%g", lo[0], hi[0]);
	cr_expect(lo[1] == 10 && hi[1] == 30, "objective 1: %g..%g", lo[1], hi[1]);
	cr_expect(lo[2] == 4 && hi[2] == 7, "objective 2: %g..%g", lo[2], hi[2]);
	double w[] = { 2, 1, 3 };
	/* point 0 (1,10,7): 2*0 + 1*0 + 3*1 */
	cr_expect_eq(front_weighted_score(y, 3, w, lo, hi), 3.0);
	/* point 2 (3,30,4): 2*1 + 1*1 + 3*0 */
	cr_expect_eq(front_weighted_score(y + 6, 3, w, lo, hi), 3.0);
	/* a point outside the ranges: 2*(1/2) + 1*(10/20) + 3*(-3/3) */
	double out[] = { 2, 20, 1 };
	cr_expect_eq(front_weighted_score(out, 3, w, lo, hi), -1.5);
	double flat_lo[] = { 1, 10, 5 }, flat_hi[] = { 1, 10, 5 };
	cr_expect_eq(front_weighted_score(y, 3, w, flat_lo, flat_hi), 0.0, "single-value ranges add 0");
}

Test(front, weighted_hand)
{
	double y[] = { 0, 10, 10, 0, 6, 6 };
	double both[] = { 1, 1 }, first[] = { 1, 0 }, second[] = { 0, 1 };
	cr_expect_eq(front_weighted(y, 3, 2, both), 2u, "1.2 beats 1 and 1");
	cr_expect_eq(front_weighted(y, 3, 2, first), 1u);
	cr_expect_eq(front_weighted(y, 3, 2, second), 0u);
	cr_expect_eq(front_weighted(y, 2, 2, both), 0u, "tie: smaller index");
	/* units do not matter: objective 1 in thousands */
	double z[] = { 0, 10000, 10, 0, 6, 6000 };
	cr_expect_eq(front_weighted(z, 3, 2, both), 2u);
	double zero[] = { 0, 0 };
	cr_expect_eq(front_weighted(z, 3, 2, zero), 0u, "all zero weights: first usable point");
}

Test(front, epsilon_hand)
{
	/* throughput (maximize), -latency (maximize) */
	double y[] = { 100, -50, 80, -20, 120, -90, 80, -20, 60, -10, NAN, -1 };
	double b[] = { 1e9, -30 };  /* bound[primary] is ignored */
	cr_expect_eq(front_epsilon(y, 6, 2, 0, b), 1u, "80 at -20, the first of two equal");
	b[1] = -100;
	cr_expect_eq(front_epsilon(y, 6, 2, 0, b), 2u);
	b[1] = -INFINITY;
	cr_expect_eq(front_epsilon(y, 6, 2, 0, b), 2u);
	b[1] = -5;
	cr_expect_eq(front_epsilon(y, 6, 2, 0, b), SIZE_MAX);
	double c[] = { 90, -1e9 };
	cr_expect_eq(front_epsilon(y, 6, 2, 1, c), 0u, "primary 1: -50 is the best with throughput >= 90");
	/* tie on primary broken by the other objective, not the index */
	double t[] = { 5, 1, 5, 3, 5, 2 }, none[] = { -INFINITY, -INFINITY };
	cr_expect_eq(front_epsilon(t, 3, 2, 0, none), 1u);
	cr_expect_eq(front_epsilon(t, 3, 2, 2, none), SIZE_MAX, "primary out of range");
}

Test(front, sweep_staircase_with_duplicates)
{
	double y[] = { 1, 5, 2, 4, 3, 3, 4, 2, 5, 1, 2, 2, 3, 3, 5, 1 };
	size_t out[9], want[] = { 4, 3, 2, 1, 0 };
	for (size_t p = 0; p < 2; p++) {
		size_t m = sweep(y, 8, 2, p, 0, out);
		expect_list(out, m, want, N(want), "sweep steps 0", p);
		m = sweep(y, 8, 2, p, 5, out);
		expect_list(out, m, want, N(want), "sweep steps 5", p);
	}
	size_t ends[] = { 4, 0 };
	size_t m = sweep(y, 8, 2, 0, 2, out);
	expect_list(out, m, ends, N(ends), "sweep steps 2", 0);
}

/* ---- differential tests -------------------------------------------- */

static Inst inst;

Test(front, dominates_random_pairs)
{
	uint64_t s = 11;
	for (size_t t = 0; t < 20000; t++) {
		double a[MAXK], b[MAXK];
		size_t k = 1 + below(&s, MAXK);
		for (size_t j = 0; j < k; j++) {
			a[j] = below(&s, 50) ? (double)below(&s, 3) : NAN;
			b[j] = below(&s, 50) ? (double)below(&s, 3) : NAN;
		}
		cr_expect_eq(front_dominates(a, b, k), bf_dominates(a, b, k), "pair %zu", t);
	}
}

Test(front, pareto_matches_brute_force)
{
	uint64_t s = 1;
	size_t got[MAXN + 1], want[MAXN + 1], fronts = 0, ties = 0;
	for (size_t t = 0; t < INSTANCES; t++) {
		draw(&inst, &s, 0, t % 3 == 0);
		size_t m = pareto(inst.y, inst.n, inst.k, got);
		size_t w = bf_pareto(inst.y, inst.n, inst.k, want);
		expect_list(got, m, want, w, "pareto", t);
		fronts += w;
		ties += w - bf_drop_later_duplicates(inst.y, inst.k, want, w);
	}
	/* the instances must exercise the front and its equal points */
	cr_expect_gt(fronts, INSTANCES, "%zu front points in all", fronts);
	cr_expect_gt(ties, INSTANCES / 4, "%zu duplicate front points in all", ties);
}

Test(front, range_matches_brute_force)
{
	uint64_t s = 2;
	for (size_t t = 0; t < INSTANCES; t++) {
		draw(&inst, &s, 0, t % 3 == 0);
		double lo[MAXK], hi[MAXK], blo[MAXK], bhi[MAXK];
		front_range(inst.y, inst.n, inst.k, lo, hi);
		bf_range(inst.y, inst.n, inst.k, blo, bhi);
		for (size_t j = 0; j < inst.k; j++) {
			cr_expect(lo[j] == blo[j] || (isnan(lo[j]) && isnan(blo[j])),
				  "instance %zu lo[%zu] = %g, want %g", t, j, lo[j], blo[j]);
			cr_expect(hi[j] == bhi[j] || (isnan(hi[j]) && isnan(bhi[j])),
				  "instance %zu hi[%zu] = %g, want %g", t, j, hi[j], bhi[j]);
		}
	}
}

Test(front, weighted_matches_brute_force)
{
	static const double weights[] = { 0, 0.5, 1, 2, 3 };
	uint64_t s = 3;
	size_t ties = 0;
	for (size_t t = 0; t < INSTANCES; t++) {
		draw(&inst, &s, 0, 0);
		double w[MAXK];
		for (size_t j = 0; j < inst.k; j++)
			w[j] = weights[below(&s, N(weights))];
		size_t got = front_weighted(inst.y, inst.n, inst.k, w);
		size_t want = bf_weighted(inst.y, inst.n, inst.k, w);
		cr_expect_eq(got, want, "weighted, instance %zu: %zu, want %zu", t, got, want);
		/* count instances where a later point ties the winner */
		if (want == SIZE_MAX) continue;
		double lo[MAXK], hi[MAXK];
		bf_range(inst.y, inst.n, inst.k, lo, hi);
		double best = front_weighted_score(inst.y + want * inst.k, inst.k, w, lo, hi);
		for (size_t i = want + 1; i < inst.n; i++)
			if (bf_usable(inst.y + i * inst.k, inst.k) &&
			    front_weighted_score(inst.y + i * inst.k, inst.k, w, lo, hi) == best) {
				ties++;
				break;
			}
	}
	cr_expect_gt(ties, INSTANCES / 4, "only %zu instances with a tied winner", ties);
}

Test(front, epsilon_matches_brute_force)
{
	uint64_t s = 4;
	size_t found = 0;
	for (size_t t = 0; t < INSTANCES; t++) {
		draw(&inst, &s, 0, t % 3 == 0);
		size_t primary = below(&s, inst.k);
		double b[MAXK];
		for (size_t j = 0; j < inst.k; j++) {
			size_t r = below(&s, 8);
			b[j] = r == 0 ? -INFINITY : r == 1 ? 1e9 : (double)below(&s, 5) - 1.5;
		}
		size_t got = front_epsilon(inst.y, inst.n, inst.k, primary, b);
		size_t want = bf_epsilon(inst.y, inst.n, inst.k, primary, b);
		cr_expect_eq(got, want, "epsilon, instance %zu: %zu, want %zu", t, got, want);
		found += want != SIZE_MAX;
	}
	cr_expect_gt(found, INSTANCES / 4, "only %zu instances with a winner", found);
	cr_expect_lt(found, INSTANCES, "bounds never exclude every point");
}

/* Distinct values of objective j among the usable points. */
static size_t distinct(const Inst *in, size_t j, double *v)
{
	size_t m = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (!bf_usable(in->y + i * in->k, in->k)) continue;
		size_t c = 0;
		while (c < m && v[c] != in->y[i * in->k + j])
			c++;
		if (c == m) v[m++] = in->y[i * in->k + j];
	}
	return m;
}

Test(front, sweep_2d_is_pareto_without_later_duplicates)
{
	uint64_t s = 5;
	size_t got[MAXN + 1], want[MAXN + 1], each[MAXN + 1];
	for (size_t t = 0; t < INSTANCES; t++) {
		draw(&inst, &s, 2, t % 3 == 0);
		size_t primary = t % 2;
		size_t w = bf_pareto(inst.y, inst.n, 2, want);
		w = bf_drop_later_duplicates(inst.y, 2, want, w);
		size_t m = sweep(inst.y, inst.n, 2, primary, 0, got);
		expect_list(got, m, want, w, "sweep 2d", t);
		/* and it is one front_epsilon per distinct value, deduplicated */
		double v[MAXN], b[2] = { 0, 0 };
		size_t nv = distinct(&inst, 1 - primary, v), ne = 0;
		for (size_t c = 0; c < nv; c++) {
			b[1 - primary] = v[c];
			b[primary] = NAN;
			size_t e = bf_epsilon(inst.y, inst.n, 2, primary, b), d = 0;
			while (d < ne && each[d] != e)
				d++;
			if (d == ne) each[ne++] = e;
		}
		bf_sort(inst.y, 2, each, ne);
		expect_list(got, m, each, ne, "sweep 2d by values", t);
	}
}

/* Every winner is on the front, listed once, in the front's order; the
 * unconstrained winner is among them. */
static void expect_sweep_on_front(const Inst *in, size_t primary, size_t steps, size_t t)
{
	size_t got[MAXN + 1], front[MAXN + 1];
	size_t m = sweep(in->y, in->n, in->k, primary, steps, got);
	size_t nf = bf_pareto(in->y, in->n, in->k, front);
	for (size_t a = 0; a < m; a++) {
		size_t f = 0;
		while (f < nf && front[f] != got[a])
			f++;
		cr_expect_lt(f, nf, "sweep, instance %zu: point %zu is not on the front", t, got[a]);
		if (a > 0) {
			double u = in->y[got[a - 1] * in->k], v = in->y[got[a] * in->k];
			cr_expect(u > v || (u == v && got[a - 1] < got[a]),
				  "sweep, instance %zu: out[%zu] out of order", t, a);
		}
	}
	double none[MAXK];
	for (size_t j = 0; j < MAXK; j++)
		none[j] = -INFINITY;
	size_t top = bf_epsilon(in->y, in->n, in->k, primary, none), f = 0;
	while (f < m && got[f] != top)
		f++;
	cr_expect(top == SIZE_MAX ? m == 0 : f < m,
		  "sweep, instance %zu: the unconstrained winner %zu is missing", t, top);
}

Test(front, sweep_grid_winners_are_on_the_front)
{
	uint64_t s = 6;
	for (size_t t = 0; t < INSTANCES; t++) {
		draw(&inst, &s, 0, 0);
		size_t primary = below(&s, inst.k);
		size_t steps = inst.k == 2 ? 2 + below(&s, 6) : below(&s, 5);
		expect_sweep_on_front(&inst, primary, steps, t);
	}
}
