/* test_router.c -- request routing: the simple policies' rules and ties,
 * the cache-aware policy's three rules and its LRU trees, a simulated
 * Zipf workload where cache-aware routing keeps prefixes together, and
 * the shared multi-tenant tree: pick by pick against a reference model
 * (per-worker lists of recorded requests), its per-worker eviction and
 * invariants (router_check), and determinism whatever the addresses. */
#include "config.h"
#include <criterion/criterion.h>
#include <string.h>
#include "runtime/radix.h"
#include "runtime/router.h"
#include "runtime/rng.h"
#include "helpers.h"

#define N(a) (sizeof(a) / sizeof *(a))
#define PAGE 16u

static RouterSpec spec_of(RoutePolicyKind policy)
{
	return (RouterSpec){
		.policy = policy,
		.cache_threshold = 0.5,
		.balance_abs = 32,
		.balance_rel = 1.5,
		.max_tree_tokens = 1e6,
		.page = PAGE,
		.seed = 42,
	};
}

/* A load view of up to 8 workers. */
typedef struct {
	double tokens[8];
	uint32_t reqs[8];
	double kv[8];
	RouterLoad view;
} Load;

static void load_init(Load *l, uint32_t n)
{
	memset(l, 0, sizeof *l);
	l->view = (RouterLoad){ n, l->tokens, l->reqs, l->kv };
}

static void set_reqs(Load *l, const uint32_t *reqs)
{
	for (uint32_t i = 0; i < l->view.n; i++)
		l->reqs[i] = reqs[i];
}

/* Pages [base, base + n). */
static void pages_of(uint64_t *p, uint64_t base, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = base + i;
}

static uint32_t pick(Router *r, const uint64_t *p, uint32_t np, double now, const Load *l)
{
	return router_pick(r, p, np, np * PAGE, now, &l->view);
}

static void expect_stats(const Router *r, uint64_t bal, uint64_t cache, uint64_t load)
{
	uint64_t b = 99, c = 99, d = 99;
	router_stats(r, &b, &c, &d);
	cr_expect_eq(b, bal, "by_balance %llu, want %llu", (unsigned long long)b, (unsigned long long)bal);
	cr_expect_eq(c, cache, "by_cache %llu, want %llu", (unsigned long long)c, (unsigned long long)cache);
	cr_expect_eq(d, load, "by_load %llu, want %llu", (unsigned long long)d, (unsigned long long)load);
}

/* ---- simple policies ----------------------------------------------- */

Test(router, new_rejects_no_workers)
{
	RouterSpec s = spec_of(RP_ROUND_ROBIN);
	cr_expect_null(router_new(&s, 0));
	router_free(NULL);
}

Test(router, round_robin_cycles_regardless_of_load)
{
	RouterSpec s = spec_of(RP_ROUND_ROBIN);
	Router *r = router_new(&s, 3);
	Load l;
	load_init(&l, 3);
	l.reqs[0] = 100;
	l.tokens[0] = 1e6;
	l.kv[0] = 0.99;
	const uint32_t want[] = { 0, 1, 2, 0, 1, 2, 0, 1 };
	for (size_t i = 0; i < N(want); i++)
		cr_expect_eq(router_pick(r, NULL, 0, 10, (double)i, &l.view), want[i], "pick %zu", i);
	expect_stats(r, 0, 0, 0);
	router_free(r);
}

Test(router, shortest_queue_fewest_tokens_ties_lowest)
{
	RouterSpec s = spec_of(RP_SHORTEST_QUEUE);
	Router *r = router_new(&s, 4);
	Load l;
	load_init(&l, 4);
	double t1[] = { 300, 100, 200, 100 };
	memcpy(l.tokens, t1, sizeof t1);
	uint32_t q[] = { 0, 9, 0, 0 };   /* requests are not what it looks at */
	set_reqs(&l, q);
	cr_expect_eq(router_pick(r, NULL, 0, 1, 0, &l.view), 1);
	l.tokens[3] = 99.5;
	cr_expect_eq(router_pick(r, NULL, 0, 1, 0, &l.view), 3);
	for (int i = 0; i < 4; i++)
		l.tokens[i] = 7;
	cr_expect_eq(router_pick(r, NULL, 0, 1, 0, &l.view), 0);
	expect_stats(r, 0, 0, 0);
	router_free(r);
}

Test(router, least_kv_lowest_fraction_ties_lowest)
{
	RouterSpec s = spec_of(RP_LEAST_KV);
	Router *r = router_new(&s, 4);
	Load l;
	load_init(&l, 4);
	double kv[] = { 0.5, 0.25, 0.75, 0.25 };
	memcpy(l.kv, kv, sizeof kv);
	l.tokens[2] = 0;
	l.tokens[0] = l.tokens[1] = l.tokens[3] = 1000;
	cr_expect_eq(router_pick(r, NULL, 0, 1, 0, &l.view), 1);
	l.kv[2] = 0.1;
	cr_expect_eq(router_pick(r, NULL, 0, 1, 0, &l.view), 2);
	for (int i = 0; i < 4; i++)
		l.kv[i] = 0.3;
	cr_expect_eq(router_pick(r, NULL, 0, 1, 0, &l.view), 0);
	router_free(r);
}

Test(router, one_worker_always_zero)
{
	RoutePolicyKind ps[] = { RP_ROUND_ROBIN, RP_SHORTEST_QUEUE, RP_RANDOM, RP_CACHE_AWARE, RP_LEAST_KV };
	uint64_t p[4];
	pages_of(p, 1, 4);
	Load l;
	load_init(&l, 1);
	l.reqs[0] = 1000;
	for (size_t k = 0; k < N(ps); k++) {
		RouterSpec s = spec_of(ps[k]);
		Router *r = router_new(&s, 1);
		for (int i = 0; i < 20; i++)
			cr_expect_eq(pick(r, p, (uint32_t)(i % 5), i, &l), 0, "policy %zu pick %d", k, i);
		router_free(r);
	}
}

/* ---- random -------------------------------------------------------- */

static void random_picks(uint64_t seed, uint32_t n, uint32_t *out, size_t count)
{
	RouterSpec s = spec_of(RP_RANDOM);
	s.seed = seed;
	Router *r = router_new(&s, n);
	for (size_t i = 0; i < count; i++) {
		out[i] = router_pick(r, NULL, 0, 1, 0, NULL);
		cr_assert_lt(out[i], n);
	}
	expect_stats(r, 0, 0, 0);
	router_free(r);
}

Test(router, random_is_deterministic_per_seed)
{
	static uint32_t a[1000], b[1000];
	random_picks(7, 5, a, N(a));
	random_picks(7, 5, b, N(b));
	cr_expect_arr_eq(a, b, sizeof a);
}

Test(router, random_differs_across_seeds)
{
	static uint32_t a[1000], b[1000];
	random_picks(7, 5, a, N(a));
	random_picks(8, 5, b, N(b));
	size_t same = 0;
	for (size_t i = 0; i < N(a); i++)
		same += a[i] == b[i];
	/* independent streams agree on about 1/5 of the picks */
	cr_expect_lt(same, 300, "%zu of 1000 picks equal across seeds", same);
}

Test(router, random_is_roughly_uniform_and_ignores_load)
{
	enum { W = 4, PICKS = 40000 };
	static uint32_t a[PICKS];
	RouterSpec s = spec_of(RP_RANDOM);
	Router *r = router_new(&s, W);
	Load l;
	load_init(&l, W);
	l.reqs[0] = 1000;
	l.tokens[0] = 1e9;
	for (size_t i = 0; i < PICKS; i++)
		a[i] = router_pick(r, NULL, 0, 1, 0, &l.view);
	router_free(r);
	uint32_t count[W] = { 0 };
	for (size_t i = 0; i < PICKS; i++)
		count[a[i]]++;
	/* expected 10000 each, standard deviation about 87 */
	for (int w = 0; w < W; w++)
		cr_expect(count[w] > 9500 && count[w] < 10500, "worker %d got %u", w, count[w]);
}

/* ---- cache aware --------------------------------------------------- */

Test(router, cache_aware_repeat_prefix_returns_to_its_worker)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	Router *r = router_new(&s, 4);
	Load l;
	load_init(&l, 4);
	uint32_t q1[] = { 5, 5, 2, 5 };
	set_reqs(&l, q1);
	uint64_t a[6], a2[8];
	pages_of(a, 100, 6);
	cr_expect_eq(pick(r, a, 6, 1, &l), 2);      /* new: least loaded */
	/* balanced, 2 no longer the least loaded: the cache match wins */
	uint32_t q2[] = { 3, 4, 6, 4 };
	set_reqs(&l, q2);
	cr_expect_eq(pick(r, a, 6, 2, &l), 2);
	/* a longer request sharing the 6 pages: 6 of 8 > 0.5 */
	pages_of(a2, 100, 8);
	cr_expect_eq(pick(r, a2, 8, 3, &l), 2);
	expect_stats(r, 0, 2, 1);
	router_free(r);
}

Test(router, cache_aware_no_shared_prefix_goes_to_least_loaded)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	Router *r = router_new(&s, 4);
	Load l;
	load_init(&l, 4);
	uint64_t a[4], b[4], c[4];
	pages_of(a, 100, 4);
	pages_of(b, 200, 4);
	pages_of(c, 300, 4);
	uint32_t q1[] = { 4, 1, 3, 2 };
	set_reqs(&l, q1);
	cr_expect_eq(pick(r, a, 4, 1, &l), 1);
	uint32_t q2[] = { 4, 5, 3, 3 };               /* tie 2, 3: lowest */
	set_reqs(&l, q2);
	cr_expect_eq(pick(r, b, 4, 2, &l), 2);
	/* shortest_queue's tokens and the KV fraction do not matter here */
	l.tokens[3] = 0;
	l.tokens[2] = 1e6;
	l.kv[2] = 0.99;
	cr_expect_eq(pick(r, c, 4, 3, &l), 2);
	/* no pages at all matches nothing, even with every tree populated */
	cr_expect_eq(router_pick(r, a, 0, 64, 4, &l.view), 2);
	expect_stats(r, 0, 0, 4);
	router_free(r);
}

Test(router, cache_aware_imbalance_overrides_cache)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);  /* abs 32, rel 1.5 */
	Router *r = router_new(&s, 4);
	Load l;
	load_init(&l, 4);
	uint64_t a[4];
	pages_of(a, 100, 4);
	uint32_t q0[] = { 1, 1, 0, 1 };
	set_reqs(&l, q0);
	cr_expect_eq(pick(r, a, 4, 1, &l), 2);         /* a now lives on 2 */
	/* max - min = 50 > 32 and 50 > 1.5 x 0: imbalanced -> least loaded */
	uint32_t q1[] = { 3, 1, 51, 9 };
	set_reqs(&l, q1);
	cr_expect_eq(pick(r, a, 4, 2, &l), 1);
	/* a is on 1 and 2 now.  40 > 32 but 140 <= 1.5 x 100: balanced ->
	 * the cache (1, the lower of the two), not the least loaded (0) */
	uint32_t q2[] = { 100, 100, 140, 100 };
	set_reqs(&l, q2);
	cr_expect_eq(pick(r, a, 4, 3, &l), 1);
	/* 10 > 1.5 x 0 but 10 <= 32: balanced -> the cache */
	uint32_t q3[] = { 0, 0, 10, 0 };
	set_reqs(&l, q3);
	cr_expect_eq(pick(r, a, 4, 4, &l), 1);
	/* both exceeded: 160 - 100 > 32 and 160 > 150 */
	uint32_t q4[] = { 100, 101, 160, 100 };
	set_reqs(&l, q4);
	cr_expect_eq(pick(r, a, 4, 5, &l), 0);
	expect_stats(r, 2, 2, 1);
	router_free(r);
}

Test(router, cache_aware_threshold_is_strict)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	Load l;
	load_init(&l, 3);
	uint64_t x[2], y[4];
	pages_of(x, 500, 2);
	pages_of(y, 500, 4);          /* shares x's 2 pages of 4: ratio 0.5 */
	for (int k = 0; k < 2; k++) {
		s.cache_threshold = k == 0 ? 0.5 : 0.49;
		Router *r = router_new(&s, 3);
		uint32_t q1[] = { 2, 0, 2 };
		set_reqs(&l, q1);
		cr_expect_eq(pick(r, x, 2, 1, &l), 1);
		uint32_t q2[] = { 0, 1, 1 };
		set_reqs(&l, q2);
		/* exactly at the threshold: by load (0); just above it: cache (1) */
		cr_expect_eq(pick(r, y, 4, 2, &l), k == 0 ? 0 : 1, "threshold %g", s.cache_threshold);
		expect_stats(r, 0, k == 0 ? 0 : 1, k == 0 ? 2 : 1);
		router_free(r);
	}
}

Test(router, cache_aware_ratio_is_over_prompt_tokens)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	Router *r = router_new(&s, 2);
	Load l;
	load_init(&l, 2);
	uint64_t x[2];
	pages_of(x, 10, 2);
	uint32_t q1[] = { 1, 0 };
	set_reqs(&l, q1);
	cr_expect_eq(router_pick(r, x, 2, 32, 1, &l.view), 1);
	uint32_t q2[] = { 0, 1 };
	set_reqs(&l, q2);
	/* both pages matched, but 32 of 65 prompt tokens < 0.5: by load */
	cr_expect_eq(router_pick(r, x, 2, 65, 2, &l.view), 0);
	/* 32 of 63 > 0.5: by cache, to the first worker holding the pages */
	cr_expect_eq(router_pick(r, x, 2, 63, 3, &l.view), 0);
	/* a zero-token prompt has ratio 0 */
	cr_expect_eq(router_pick(r, x, 2, 0, 4, &l.view), 0);
	expect_stats(r, 0, 1, 3);
	router_free(r);
}

Test(router, cache_aware_longest_match_ties_to_lowest_index)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	Router *r = router_new(&s, 3);
	Load l;
	load_init(&l, 3);
	uint64_t a[4], ab[6], b3[6];
	pages_of(a, 100, 4);
	pages_of(ab, 100, 6);
	uint32_t q1[] = { 1, 1, 0 };
	set_reqs(&l, q1);
	cr_expect_eq(pick(r, a, 4, 1, &l), 2);          /* a on 2 */
	uint32_t q2[] = { 1, 0, 1 };
	set_reqs(&l, q2);
	cr_expect_eq(pick(r, ab, 6, 2, &l), 2);         /* 4 of 6: cache */
	/* copy a to worker 1 via imbalance, so 1 and 2 both hold a */
	uint32_t q3[] = { 40, 0, 40 };
	set_reqs(&l, q3);
	cr_expect_eq(pick(r, a, 4, 3, &l), 1);
	uint32_t q4[] = { 0, 1, 1 };
	set_reqs(&l, q4);
	cr_expect_eq(pick(r, a, 4, 4, &l), 1);          /* tie 1, 2: lowest */
	/* a longer match beats a lower index */
	memcpy(b3, ab, sizeof ab);
	b3[5] = 999;
	cr_expect_eq(pick(r, b3, 6, 5, &l), 2);         /* 5 pages on 2, 4 on 1 */
	expect_stats(r, 1, 3, 1);
	router_free(r);
}

Test(router, cache_aware_tree_evicts_lru_beyond_max_tokens)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	s.max_tree_tokens = 4 * PAGE + PAGE / 2;         /* 4 pages per tree */
	Router *r = router_new(&s, 2);
	Load l;
	load_init(&l, 2);
	uint64_t a[2], k[2], c[2];
	pages_of(a, 100, 2);
	pages_of(k, 200, 2);
	pages_of(c, 300, 2);
	uint32_t to1[] = { 1, 0 }, to0[] = { 0, 1 };
	set_reqs(&l, to1);
	cr_expect_eq(pick(r, a, 2, 1, &l), 1);           /* tree 1: a */
	cr_expect_eq(pick(r, k, 2, 2, &l), 1);           /* tree 1: a k (full) */
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, k, 2, 3, &l), 1);           /* k used again: cache */
	set_reqs(&l, to1);
	cr_expect_eq(pick(r, c, 2, 4, &l), 1);           /* room for c: evicts a */
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, a, 2, 5, &l), 0);           /* a forgotten: by load */
	cr_expect_eq(pick(r, k, 2, 6, &l), 1);           /* k kept: by cache */
	cr_expect_eq(pick(r, c, 2, 7, &l), 1);           /* c kept: by cache */
	expect_stats(r, 0, 3, 4);
	router_free(r);
}

Test(router, cache_aware_request_longer_than_tree_keeps_its_head)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	s.max_tree_tokens = 2 * PAGE;                    /* 2 pages per tree */
	Router *r = router_new(&s, 2);
	Load l;
	load_init(&l, 2);
	uint64_t x[4], other[2];
	pages_of(x, 100, 4);
	pages_of(other, 900, 2);
	uint32_t to1[] = { 1, 0 }, to0[] = { 0, 1 };
	set_reqs(&l, to1);
	cr_expect_eq(pick(r, other, 2, 1, &l), 1);
	cr_expect_eq(pick(r, x, 4, 2, &l), 1);           /* keeps x[0..2) only */
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, x, 2, 3, &l), 1);           /* 2 of 2: cache */
	cr_expect_eq(pick(r, x, 4, 4, &l), 0);           /* 2 of 4 = 0.5: load */
	cr_expect_eq(pick(r, other, 2, 5, &l), 0);       /* evicted from 1 */
	expect_stats(r, 0, 1, 4);
	router_free(r);
}

Test(router, cache_aware_tiny_tree_holds_one_page)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	s.max_tree_tokens = 0;
	Router *r = router_new(&s, 2);
	Load l;
	load_init(&l, 2);
	uint64_t x[1] = { 5 }, y[1] = { 6 };
	uint32_t to1[] = { 1, 0 }, to0[] = { 0, 1 };
	set_reqs(&l, to1);
	cr_expect_eq(pick(r, x, 1, 1, &l), 1);
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, x, 1, 2, &l), 1);           /* one page is kept */
	set_reqs(&l, to1);
	cr_expect_eq(pick(r, y, 1, 3, &l), 1);           /* y replaces x */
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, x, 1, 4, &l), 0);
	router_free(r);
}

Test(router, cache_aware_without_load_view)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	Router *r = router_new(&s, 3);
	uint64_t a[3];
	pages_of(a, 1, 3);
	/* no load: every worker reads as idle, balanced, ties to 0 */
	cr_expect_eq(router_pick(r, a, 3, 48, 1, NULL), 0);
	cr_expect_eq(router_pick(r, a, 3, 48, 2, NULL), 0);
	expect_stats(r, 0, 1, 1);
	router_free(r);
}

Test(router, stats_zero_for_other_policies_and_null_outputs)
{
	RoutePolicyKind ps[] = { RP_ROUND_ROBIN, RP_SHORTEST_QUEUE, RP_RANDOM, RP_LEAST_KV };
	uint64_t p[3];
	pages_of(p, 1, 3);
	Load l;
	load_init(&l, 3);
	uint32_t q[] = { 100, 0, 0 };
	set_reqs(&l, q);
	for (size_t k = 0; k < N(ps); k++) {
		RouterSpec s = spec_of(ps[k]);
		Router *r = router_new(&s, 3);
		for (int i = 0; i < 10; i++)
			cr_expect_lt(pick(r, p, 3, i, &l), 3);
		expect_stats(r, 0, 0, 0);
		router_stats(r, NULL, NULL, NULL);
		router_free(r);
	}
}

/* ---- a simulated workload ------------------------------------------ */

/* 4 workers and 8 prefix groups of 12 shared pages with Zipf(1.1)
 * popularity; each request adds 4 pages of its own.  Workers are alike:
 * each request stays outstanding for the next SIM_BUSY arrivals (so the
 * loads stay nearly equal and never trip the imbalance rule), and each
 * worker's real KV cache is an LRU radix tree of SIM_CACHE pages (room for
 * 3 groups and a few tails, so a cache-aware split of the 8 groups fits
 * while each round-robin worker sees all 8); the router's trees are 4x
 * that (an approximate tree is cheap).  A request "finds its prefix" when the chosen
 * worker's cache holds all 12 shared pages when it arrives. */
enum {
	SIM_W = 4, SIM_GROUPS = 8, SIM_REQS = 4000, SIM_PREFIX = 12, SIM_TAIL = 4,
	SIM_PAGES = SIM_PREFIX + SIM_TAIL, SIM_BUSY = 16, SIM_CACHE = 3 * SIM_PREFIX + 3 * SIM_TAIL
};

/* The worker's cache serves pages at `now` (LRU, its own prefix kept). */
static void serve(RadixTree *t, const uint64_t *p, uint32_t n, double now)
{
	RadixNode *held;
	uint64_t have = radix_match(t, p, n, now, &held);
	radix_lock(t, held);
	cr_assert(radix_reserve(t, n - have));
	radix_unlock(t, held);
	radix_insert(t, p, n, now, NULL);
}

typedef struct {
	double found;               /* fraction that found their prefix */
	uint32_t share[SIM_W];      /* requests per worker */
} Sim;

static Sim simulate(RoutePolicyKind policy)
{
	RouterSpec s = spec_of(policy);
	s.max_tree_tokens = 4.0 * SIM_CACHE * PAGE;
	Router *r = router_new(&s, SIM_W);
	RadixTree *cache[SIM_W];
	for (int w = 0; w < SIM_W; w++)
		cache[w] = radix_new(SIM_CACHE, RADIX_LRU);
	Rng g;
	rng_init(&g, 3, RNG_PREFIX);
	Zipf z;
	zipf_init(&z, SIM_GROUPS, 1.1);
	Load l;
	load_init(&l, SIM_W);
	uint32_t busy[SIM_BUSY];          /* worker of each outstanding request */
	uint32_t found = 0, prompt = SIM_PAGES * PAGE + 7;
	uint64_t p[SIM_PAGES];
	Sim out = { 0 };
	for (uint32_t i = 0; i < SIM_REQS; i++) {
		if (i >= SIM_BUSY) {      /* the oldest outstanding request ends */
			uint32_t done = busy[i % SIM_BUSY];
			l.reqs[done]--;
			l.tokens[done] -= prompt;
		}
		size_t grp = zipf_sample(&g, &z);
		pages_of(p, 1000 * (grp + 1), SIM_PREFIX);
		pages_of(p + SIM_PREFIX, 1000000 + (uint64_t)SIM_TAIL * i, SIM_TAIL);
		uint32_t w = router_pick(r, p, SIM_PAGES, prompt, i, &l.view);
		cr_assert_lt(w, SIM_W);
		found += radix_peek(cache[w], p, SIM_PREFIX) == SIM_PREFIX;
		serve(cache[w], p, SIM_PAGES, i);
		busy[i % SIM_BUSY] = w;
		l.reqs[w]++;
		l.tokens[w] += prompt;
		out.share[w]++;
	}
	for (int w = 0; w < SIM_W; w++)
		radix_free(cache[w]);
	zipf_free(&z);
	rng_free(&g);
	router_free(r);
	out.found = (double)found / SIM_REQS;
	return out;
}

Test(router, zipf_prefixes_stay_with_their_worker_under_cache_aware)
{
	Sim ca = simulate(RP_CACHE_AWARE), rr = simulate(RP_ROUND_ROBIN);
	cr_log_info("prefix found: cache_aware %.3f, round_robin %.3f", ca.found, rr.found);
	cr_expect_gt(ca.found, 0.9, "cache_aware found %g", ca.found);
	cr_expect_lt(rr.found, 0.7, "round_robin found %g", rr.found);
	cr_expect_gt(ca.found, rr.found + 0.25, "cache_aware %g vs round_robin %g", ca.found, rr.found);
	/* and it does not get there by sending everything to one worker */
	for (int w = 0; w < SIM_W; w++)
		cr_expect_gt(ca.share[w], SIM_REQS / 20, "worker %d got %u", w, ca.share[w]);
}

/* ---- the shared tree: a reference model ---------------------------- */

static uint32_t below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(test_splitmix(s) % n);
}

enum { REF_W = 8, REF_MAXP = 48, REF_REQS = 1500 };

/* The router as router.h states it, with each worker's "tree" kept as
 * the list of the page sequences recorded there (no eviction: the
 * workloads below never fill a tree). */
typedef struct {
	RouterSpec spec;
	uint32_t n;
	uint64_t (*seq)[REF_MAXP];  /* REF_REQS recorded sequences */
	uint32_t *len, *worker;
	uint32_t nseq;
	uint64_t rules[3];          /* balance, cache, load */
} Ref;

static uint32_t ref_argmin(const Ref *m, const RouterLoad *l)
{
	uint32_t best = 0;
	for (uint32_t i = 1; i < m->n; i++)
		if (l->outstanding_requests[i] < l->outstanding_requests[best])
			best = i;
	return best;
}

static uint32_t ref_pick(Ref *m, const uint64_t *p, uint32_t np, uint32_t prompt, const RouterLoad *l)
{
	uint32_t lo = l->outstanding_requests[0], hi = lo, w;
	for (uint32_t i = 1; i < m->n; i++) {
		uint32_t x = l->outstanding_requests[i];
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	if (hi - lo > m->spec.balance_abs && hi > m->spec.balance_rel * lo) {
		w = ref_argmin(m, l);
		m->rules[0]++;
	} else {
		/* the longest common prefix with any sequence, per worker */
		uint32_t best = 0, match = 0;
		for (uint32_t k = 0; k < m->nseq; k++) {
			uint32_t i = 0;
			while (i < np && i < m->len[k] && m->seq[k][i] == p[i])
				i++;
			if (i > match || (i == match && i > 0 && m->worker[k] < best)) {
				match = i;
				best = m->worker[k];
			}
		}
		double ratio = prompt > 0 ? (double)match * m->spec.page / prompt : 0;
		if (ratio > m->spec.cache_threshold) {
			w = best;
			m->rules[1]++;
		} else {
			w = ref_argmin(m, l);
			m->rules[2]++;
		}
	}
	if (np > 0) {
		memcpy(m->seq[m->nseq], p, np * sizeof *p);
		m->len[m->nseq] = np;
		m->worker[m->nseq++] = w;
	}
	return w;
}

/* A request of a random workload: a prefix of one of a few templates
 * (so requests share prefixes and part ways at every depth, also inside
 * what a tree keeps as one node), then a tail from a small alphabet. */
static uint32_t random_request(uint64_t *s, const uint64_t (*tmpl)[REF_MAXP], uint32_t ntmpl,
			       uint64_t *p)
{
	uint32_t n = 0;
	if (below(s, 8) > 0) {
		const uint64_t *t = tmpl[below(s, ntmpl)];
		uint32_t take = below(s, 33);
		for (; n < take; n++)
			p[n] = t[n];
	}
	uint32_t tail = below(s, 7);
	for (uint32_t i = 0; i < tail && n < REF_MAXP; i++)
		p[n++] = below(s, 4) == 0 ? UINT64_MAX - below(s, 2) : 5000 + below(s, 3);
	return n;
}

/* Random loads: mostly balanced, sometimes one worker far ahead. */
static void random_loads(uint64_t *s, uint32_t *reqs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		reqs[i] = below(s, 6);
	if (below(s, 5) == 0)
		reqs[below(s, n)] += 40 + below(s, 40);
}

static void templates(uint64_t *s, uint64_t (*tmpl)[REF_MAXP], uint32_t ntmpl)
{
	for (uint32_t k = 0; k < ntmpl; k++)
		for (uint32_t i = 0; i < REF_MAXP; i++)   /* templates share heads too */
			tmpl[k][i] = i < 4 * (k % 3) ? 100 + i : test_splitmix(s) % 64 + 1000 * (k + 1);
	tmpl[0][0] = 0;                              /* page id 0 is a page */
}

Test(router, shared_tree_matches_reference_pick_by_pick)
{
	static uint64_t seqs[REF_REQS][REF_MAXP];
	static uint32_t lens[REF_REQS], workers[REF_REQS];
	const double thresholds[] = { 0.0, 0.3, 0.5, 0.9, -1 };
	uint64_t tmpl[6][REF_MAXP];
	for (uint64_t seed = 1; seed <= 10; seed++) {
		uint64_t s = seed * 7919;
		RouterSpec spec = spec_of(RP_CACHE_AWARE);
		spec.cache_threshold = thresholds[seed % N(thresholds)];
		spec.max_tree_tokens = 1e9;           /* never full */
		uint32_t n = 1 + (uint32_t)(seed % REF_W);
		Router *r = router_new(&spec, n);
		Ref m = { .spec = spec, .n = n, .seq = seqs, .len = lens, .worker = workers };
		templates(&s, tmpl, 6);
		uint32_t reqs[REF_W];
		RouterLoad l = { n, NULL, reqs, NULL };
		uint64_t p[REF_MAXP];
		for (uint32_t i = 0; i < REF_REQS; i++) {
			uint32_t np = random_request(&s, (const uint64_t (*)[REF_MAXP])tmpl, 6, p);
			uint32_t prompt = below(&s, 10) == 0 ? 0 : np * PAGE + below(&s, 3 * PAGE);
			random_loads(&s, reqs, n);
			uint32_t want = ref_pick(&m, p, np, prompt, &l);
			uint32_t got = router_pick(r, p, np, prompt, (double)i, &l);
			cr_assert_eq(got, want, "seed %llu pick %u (%u pages): router %u, reference %u",
				     (unsigned long long)seed, i, np, got, want);
			if (i % 100 == 0) {
				const char *err = router_check(r);
				cr_assert_null(err, "seed %llu pick %u: %s", (unsigned long long)seed, i, err);
			}
		}
		expect_stats(r, m.rules[0], m.rules[1], m.rules[2]);
		cr_assert_null(router_check(r));
		router_free(r);
	}
}

/* ---- the shared tree: eviction ------------------------------------- */

Test(router, check_is_null_for_other_policies_and_no_router)
{
	cr_expect_null(router_check(NULL));
	RoutePolicyKind ps[] = { RP_ROUND_ROBIN, RP_SHORTEST_QUEUE, RP_RANDOM, RP_LEAST_KV };
	for (size_t k = 0; k < N(ps); k++) {
		RouterSpec s = spec_of(ps[k]);
		Router *r = router_new(&s, 2);
		cr_expect_null(router_check(r));
		router_free(r);
	}
}

/* Workers hold a shared prefix each on its own account: one evicting it
 * leaves the other's copy. */
Test(router, eviction_is_per_worker)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	s.max_tree_tokens = 4 * PAGE;                    /* 4 pages each */
	Router *r = router_new(&s, 2);
	Load l;
	load_init(&l, 2);
	uint64_t a[4], b[4];
	pages_of(a, 100, 4);
	pages_of(b, 200, 4);
	uint32_t to0[] = { 0, 1 }, to1[] = { 1, 0 }, force1[] = { 60, 0 };
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, a, 4, 1, &l), 0);           /* a on 0 */
	set_reqs(&l, force1);
	cr_expect_eq(pick(r, a, 4, 2, &l), 1);           /* a on 1 too (imbalance) */
	set_reqs(&l, to1);
	cr_expect_eq(pick(r, b, 4, 3, &l), 1);           /* b replaces a on 1 */
	cr_expect_null(router_check(r));
	cr_expect_eq(pick(r, a, 4, 4, &l), 0);           /* a still on 0: by cache */
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, b, 4, 5, &l), 1);           /* b on 1 */
	expect_stats(r, 1, 2, 2);
	cr_expect_null(router_check(r));
	router_free(r);
}

/* LRU per worker: the least recently used request goes first, and a
 * shared node another worker used since does not count as used. */
Test(router, eviction_is_lru_per_worker)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	s.max_tree_tokens = 6 * PAGE;                    /* 6 pages each */
	Router *r = router_new(&s, 2);
	Load l;
	load_init(&l, 2);
	uint64_t a[2], b[2], c[2], d[2];
	pages_of(a, 100, 2);
	pages_of(b, 200, 2);
	pages_of(c, 300, 2);
	pages_of(d, 400, 2);
	uint32_t to0[] = { 0, 1 }, force1[] = { 60, 0 };
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, a, 2, 1, &l), 0);
	cr_expect_eq(pick(r, b, 2, 2, &l), 0);
	cr_expect_eq(pick(r, c, 2, 3, &l), 0);           /* 0 full: a b c */
	cr_expect_eq(pick(r, a, 2, 4, &l), 0);           /* a used again */
	set_reqs(&l, force1);
	cr_expect_eq(pick(r, b, 2, 5, &l), 1);           /* 1 uses b: not 0's use */
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, d, 2, 6, &l), 0);           /* evicts 0's b, its LRU */
	cr_expect_null(router_check(r));
	uint32_t to1[] = { 1, 0 };
	set_reqs(&l, to1);
	cr_expect_eq(pick(r, a, 2, 7, &l), 0);           /* kept */
	cr_expect_eq(pick(r, c, 2, 8, &l), 0);           /* kept */
	cr_expect_eq(pick(r, d, 2, 9, &l), 0);           /* kept */
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, b, 2, 10, &l), 1);          /* only 1 has b now */
	expect_stats(r, 1, 5, 4);
	router_free(r);
}

/* A node cut by another worker's request is evicted piece by piece: the
 * part used last stays (a tree per worker would have kept [a b c d] as
 * one node and dropped all of it).  This is the one way in which the
 * shared tree's eviction differs from per-worker trees: finer. */
Test(router, eviction_is_finer_where_other_workers_cut_a_node)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	s.cache_threshold = 0.49;
	s.max_tree_tokens = 5 * PAGE;                    /* 5 pages each */
	Router *r = router_new(&s, 2);
	Load l;
	load_init(&l, 2);
	uint64_t abcd[4], ab[2], e[2], abxy[4];
	pages_of(abcd, 100, 4);
	pages_of(ab, 100, 2);
	pages_of(e, 900, 2);
	pages_of(abxy, 100, 4);
	abxy[2] = 700;
	abxy[3] = 701;
	uint32_t to0[] = { 0, 1 }, force1[] = { 60, 0 };
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, abcd, 4, 1, &l), 0);        /* 0: [a b c d] */
	set_reqs(&l, force1);
	cr_expect_eq(pick(r, ab, 2, 2, &l), 1);          /* 1: [a b], cutting the node */
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, ab, 2, 3, &l), 0);          /* 0 uses [a b] again */
	cr_expect_eq(pick(r, e, 2, 4, &l), 0);           /* 6 > 5: 0 drops [c d] only */
	cr_expect_null(router_check(r));
	uint32_t to1[] = { 1, 0 };
	set_reqs(&l, to1);
	/* 2 of 4 pages > 0.49: by cache, to the lowest worker holding [a b] */
	cr_expect_eq(pick(r, abxy, 4, 5, &l), 0);
	/* [a b c d] matches 2 pages on 0 and 1 alike now: 0 */
	cr_expect_eq(pick(r, abcd, 4, 6, &l), 0);
	expect_stats(r, 1, 3, 2);
	router_free(r);
}

/* The request being recorded is never evicted, not even when another of
 * the worker's leaves was used at the same instant (a tie on the time
 * that the older node would otherwise lose). */
Test(router, eviction_spares_the_request_being_recorded)
{
	RouterSpec s = spec_of(RP_CACHE_AWARE);
	s.max_tree_tokens = 3 * PAGE;                    /* 3 pages each */
	Router *r = router_new(&s, 2);
	Load l;
	load_init(&l, 2);
	uint64_t y[3], x[2];
	pages_of(y, 100, 3);
	pages_of(x, 200, 2);
	uint32_t to1[] = { 1, 0 }, to0[] = { 0, 1 }, force0[] = { 0, 60 };
	set_reqs(&l, to1);
	cr_expect_eq(pick(r, y, 3, 0, &l), 1);           /* 1: y, the older node */
	set_reqs(&l, to0);
	cr_expect_eq(pick(r, x, 2, 1, &l), 0);           /* 0: x at t = 1 */
	set_reqs(&l, force0);
	/* 0 records y at t = 1 too: 5 > 3 pages; y's node is older than x's
	 * and used at the same time, but it is this request's: x goes */
	cr_expect_eq(pick(r, y, 3, 1, &l), 0);
	cr_expect_null(router_check(r));
	set_reqs(&l, to1);
	cr_expect_eq(pick(r, y, 3, 2, &l), 0);           /* y on 0 (and 1): 0 */
	cr_expect_eq(pick(r, x, 2, 3, &l), 1);           /* x is gone: by load */
	expect_stats(r, 1, 1, 3);
	router_free(r);
}

/* Random workloads on small trees: after every pick the invariants hold
 * (no worker over its capacity, a worker at a node holds its parent, no
 * node without a worker, so the tree holds at most n x capacity pages
 * and frees the rest), and the pages just recorded are all kept: the
 * same request again matches them in full. */
Test(router, eviction_keeps_invariants_and_the_request_on_random_workloads)
{
	uint64_t tmpl[6][REF_MAXP];
	for (uint64_t seed = 1; seed <= 6; seed++) {
		uint64_t s = seed * 104729;
		RouterSpec spec = spec_of(RP_CACHE_AWARE);
		spec.cache_threshold = 0.5;
		spec.max_tree_tokens = (double)(8 + 6 * seed) * PAGE + 3;  /* 14..44 pages */
		uint32_t cap = 8 + 6 * (uint32_t)seed;
		uint32_t n = 1 + (uint32_t)(seed % 4);
		Router *r = router_new(&spec, n);
		templates(&s, tmpl, 6);
		uint32_t reqs[REF_W];
		RouterLoad l = { n, NULL, reqs, NULL };
		uint64_t p[REF_MAXP];
		double now = 0;
		for (uint32_t i = 0; i < 3000; i++) {
			uint32_t np = random_request(&s, (const uint64_t (*)[REF_MAXP])tmpl, 6, p);
			random_loads(&s, reqs, n);
			now += below(&s, 3) == 0 ? 0 : 1;          /* ties in time too */
			router_pick(r, p, np, np * PAGE + 5, now, &l);
			const char *err = router_check(r);
			cr_assert_null(err, "seed %llu pick %u: %s", (unsigned long long)seed, i, err);
			uint32_t kept = np < cap ? np : cap;
			if (kept == 0)
				continue;
			/* ratio > 0.5 exactly when all `kept` pages match */
			uint64_t by0, by1;
			router_stats(r, NULL, &by0, NULL);
			router_pick(r, p, kept, 2 * kept * PAGE - 1, now, NULL);
			router_stats(r, NULL, &by1, NULL);
			cr_assert_eq(by1, by0 + 1, "seed %llu pick %u: %u pages recorded, not all kept",
				     (unsigned long long)seed, i, kept);
		}
		cr_assert_null(router_check(r));
		router_free(r);
	}
}

/* ---- the shared tree: determinism ---------------------------------- */

/* The picks of a random workload with eviction; `noise` allocates blocks
 * of random sizes between picks, so that the tree's nodes land at other
 * addresses. */
static void workload_picks(uint64_t seed, bool noise, uint32_t *out, size_t count)
{
	uint64_t s = seed, t = seed ^ 0x5555;
	uint64_t tmpl[6][REF_MAXP];
	RouterSpec spec = spec_of(RP_CACHE_AWARE);
	spec.max_tree_tokens = 30 * PAGE;
	Router *r = router_new(&spec, 5);
	templates(&s, tmpl, 6);
	uint32_t reqs[5];
	RouterLoad l = { 5, NULL, reqs, NULL };
	uint64_t p[REF_MAXP];
	void *junk[64] = { 0 };
	for (size_t i = 0; i < count; i++) {
		if (noise) {
			size_t k = below(&t, 64);
			free(junk[k]);
			junk[k] = malloc(1 + below(&t, 4096));
		}
		uint32_t np = random_request(&s, (const uint64_t (*)[REF_MAXP])tmpl, 6, p);
		random_loads(&s, reqs, 5);
		out[i] = router_pick(r, p, np, np * PAGE, (double)(i / 2), &l);
	}
	uint64_t b, c, d;
	router_stats(r, &b, &c, &d);
	out[count - 1] ^= (uint32_t)(b * 31 + c * 7 + d) << 8;   /* stats too */
	cr_expect_null(router_check(r));
	router_free(r);
	for (size_t k = 0; k < 64; k++)
		free(junk[k]);
}

Test(router, cache_aware_is_deterministic_whatever_the_addresses)
{
	enum { PICKS = 4000 };
	static uint32_t a[PICKS], b[PICKS], c[PICKS];
	workload_picks(11, false, a, PICKS);
	workload_picks(11, true, b, PICKS);
	workload_picks(11, false, c, PICKS);
	cr_expect_arr_eq(a, b, sizeof a);
	cr_expect_arr_eq(a, c, sizeof a);
	/* and the workload does exercise more than one worker and rule */
	size_t changes = 0;
	for (size_t i = 1; i < PICKS - 1; i++)
		changes += a[i] != a[i - 1];
	cr_expect_gt(changes, PICKS / 10, "%zu changes of worker", changes);
}
