/* router.c -- request routing policies (router.h).
 *
 * Design.  A Router is a copy of its spec, the worker count, and only the
 * state its policy needs: a round-robin cursor (round_robin), a random
 * stream RNG_ROUTER of the seed (random), or one approximate radix tree
 * per worker plus three rule counters (cache_aware).  Every load-based
 * choice is an arg-min over the workers scanned from index 0 with a strict
 * "<", so ties go to the lowest index; a missing load (NULL load, NULL
 * array, or an index >= load->n) reads as 0, and a NaN reads as worse
 * than any number.  Cache-aware routing follows router.h: imbalance check
 * on outstanding requests, then the longest prefix over all trees (found
 * with the read-only radix_peek, so trees that are not chosen are never
 * touched; ties to the lowest index) routed there when
 * matched_pages * page / prompt > cache_threshold (strictly), else the
 * least loaded worker.  Whatever rule chose it, the chosen worker's tree
 * then records the request's pages: the part already cached is matched
 * (marking it used at `now`) and locked while radix_reserve makes room,
 * LRU, for the rest, so making room never evicts the request's own
 * prefix; then the pages are inserted.  A tree holds
 * floor(max_tree_tokens / page) pages, at least 1; a request with more
 * pages than that records only its first `capacity` pages (the most
 * useful part for later prefix matches), which evicts everything else in
 * that tree.  The trees' LRU order needs `now` non-decreasing across
 * calls.  A request with no pages, or a prompt of 0 tokens, has ratio 0
 * (the rule is applied literally, so only a negative threshold would
 * route it "by cache", to worker 0).  router_new returns NULL for no spec
 * or 0 workers; a page of 0 tokens counts as 1 for the tree capacity.
 * Nothing here is global: routers are independent and a run is
 * reproducible bit for bit.
 */
#include "config.h"
#include "router.h"

#include <math.h>
#include <stdlib.h>

#include "radix.h"
#include "rng.h"

/* The rules of the cache-aware policy, as counted by router_stats. */
enum { RULE_BALANCE, RULE_CACHE, RULE_LOAD, RULES };

/* Largest tree capacity we ask for (pages); far beyond any real cache. */
#define MAX_TREE_PAGES ((uint64_t)1 << 52)

/* Which trees may hold a prefix starting with a given page: an open-
 * addressing table from the first page id to a bitset of workers.  A bit
 * is set when a worker's tree records a request starting with that page
 * and cleared when a peek of that tree finds nothing (the page was
 * evicted), so a clear bit always means the tree's root has no such
 * child: longest_match peeks only the trees whose bit is set, with the
 * same result as peeking them all.  Keys are never removed. */
typedef struct FirstIndex {
	uint64_t *keys;         /* page id + 1; 0 = empty slot */
	uint64_t *bits;         /* cap x words */
	size_t cap, used, words;
} FirstIndex;

struct Router {
	RouterSpec spec;
	uint32_t n;
	uint64_t next;          /* round_robin cursor */
	Rng rng;                /* random only; rng.r NULL otherwise */
	RadixTree **trees;      /* cache_aware only: n trees; else NULL */
	FirstIndex first;       /* cache_aware only */
	uint64_t rules[RULES];  /* cache_aware picks per rule */
};

/* ---- the first-page index ------------------------------------------ */

static size_t first_slot(const FirstIndex *f, uint64_t key)
{
	size_t i = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (f->cap - 1);
	while (f->keys[i] && f->keys[i] != key) i = (i + 1) & (f->cap - 1);
	return i;
}

static void first_grow(FirstIndex *f)
{
	FirstIndex g = {.cap = f->cap ? 2 * f->cap : 1024, .words = f->words};
	g.keys = calloc(g.cap, sizeof *g.keys);
	g.bits = calloc(g.cap * g.words, sizeof *g.bits);
	if (!g.keys || !g.bits) abort();
	for (size_t i = 0; i < f->cap; i++) {
		if (!f->keys[i]) continue;
		size_t j = first_slot(&g, f->keys[i]);
		g.keys[j] = f->keys[i];
		for (size_t w = 0; w < f->words; w++) g.bits[j * g.words + w] = f->bits[i * f->words + w];
		g.used++;
	}
	free(f->keys);
	free(f->bits);
	*f = g;
}

/* The bitset of trees for first page `page`; NULL if none was ever set
 * (add: make the entry). */
static uint64_t *first_bits(FirstIndex *f, uint64_t page, bool add)
{
	uint64_t key = page + 1 ? page + 1 : 1;   /* 0 marks an empty slot */
	if (!f->cap) {
		if (!add) return NULL;
		first_grow(f);
	}
	size_t i = first_slot(f, key);
	if (!f->keys[i]) {
		if (!add) return NULL;
		if (2 * (f->used + 1) > f->cap) {
			first_grow(f);
			i = first_slot(f, key);
		}
		f->keys[i] = key;
		f->used++;
	}
	return f->bits + i * f->words;
}

/* ---- loads --------------------------------------------------------- */

static double load_requests(const RouterLoad *l, uint32_t i)
{
	if (!l || !l->outstanding_requests || i >= l->n)
		return 0;
	return l->outstanding_requests[i];
}

static double load_tokens(const RouterLoad *l, uint32_t i)
{
	if (!l || !l->outstanding_tokens || i >= l->n)
		return 0;
	return l->outstanding_tokens[i];
}

static double load_kv(const RouterLoad *l, uint32_t i)
{
	if (!l || !l->kv_fraction || i >= l->n)
		return 0;
	return l->kv_fraction[i];
}

typedef double (*LoadOf)(const RouterLoad *, uint32_t);

/* a strictly better than b: smaller, and any number beats NaN. */
static bool better(double a, double b)
{
	if (isnan(a))
		return false;
	return isnan(b) || a < b;
}

/* The worker with the smallest value of `of`, ties to the lowest index. */
static uint32_t argmin(const RouterLoad *l, uint32_t n, LoadOf of)
{
	uint32_t best = 0;
	double v = of(l, 0);
	for (uint32_t i = 1; i < n; i++) {
		double x = of(l, i);
		if (better(x, v)) {
			best = i;
			v = x;
		}
	}
	return best;
}

/* max - min outstanding requests > balance_abs and max > balance_rel x min */
static bool imbalanced(const RouterSpec *s, const RouterLoad *l, uint32_t n)
{
	double lo = load_requests(l, 0), hi = lo;
	for (uint32_t i = 1; i < n; i++) {
		double x = load_requests(l, i);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	return hi - lo > s->balance_abs && hi > s->balance_rel * lo;
}

/* ---- trees --------------------------------------------------------- */

static uint64_t tree_pages(const RouterSpec *s)
{
	double c = floor(s->max_tree_tokens / (s->page ? s->page : 1));
	if (!(c >= 1))          /* also NaN */
		return 1;
	if (c >= (double)MAX_TREE_PAGES)
		return MAX_TREE_PAGES;
	return (uint64_t)c;
}

/* The worker whose tree holds the longest prefix of pages (ties to the
 * lowest index); *matched gets its length.  Read-only. */
static uint32_t longest_match(Router *r, const uint64_t *pages, uint32_t npages,
			      uint64_t *matched)
{
	uint32_t best = 0;
	uint64_t m = 0;
	uint64_t *bits = npages > 0 ? first_bits(&r->first, pages[0], false) : NULL;
	for (size_t w = 0; bits && w < r->first.words; w++) {
		for (uint64_t b = bits[w]; b; b &= b - 1) {
			uint32_t i = (uint32_t)(w * 64 + (unsigned)__builtin_ctzll(b));
			uint64_t k = radix_peek(r->trees[i], pages, npages);
			if (k == 0) bits[w] &= ~(1ULL << (i % 64));   /* evicted since */
			if (k > m) {
				best = i;
				m = k;
			}
		}
	}
	*matched = m;
	return best;
}

/* Records pages (at most the tree's capacity of them) in tree t, evicting
 * LRU pages other than the request's own cached prefix to make room. */
static void tree_record(RadixTree *t, const uint64_t *pages, uint32_t npages, double now)
{
	uint64_t cap = radix_capacity(t);
	uint64_t n = npages < cap ? npages : cap;
	if (n == 0)
		return;
	RadixNode *held;
	uint64_t have = radix_match(t, pages, n, now, &held);
	radix_lock(t, held);
	bool room = radix_reserve(t, n - have);
	radix_unlock(t, held);
	if (!room)              /* cannot happen: only `held` was locked */
		abort();
	radix_insert(t, pages, n, now, NULL);
}

/* ---- policies ------------------------------------------------------ */

static uint32_t pick_random(Router *r)
{
	uint32_t w = (uint32_t)floor(rng_uniform(&r->rng) * r->n);
	return w < r->n ? w : r->n - 1;
}

static uint32_t pick_cache_aware(Router *r, const uint64_t *pages, uint32_t npages,
				 uint32_t prompt, double now, const RouterLoad *load)
{
	uint32_t w;
	int rule;
	if (imbalanced(&r->spec, load, r->n)) {
		w = argmin(load, r->n, load_requests);
		rule = RULE_BALANCE;
	} else {
		uint64_t matched;
		uint32_t hit = longest_match(r, pages, npages, &matched);
		double ratio = prompt > 0 ? (double)matched * r->spec.page / prompt : 0;
		if (ratio > r->spec.cache_threshold) {
			w = hit;
			rule = RULE_CACHE;
		} else {
			w = argmin(load, r->n, load_requests);
			rule = RULE_LOAD;
		}
	}
	r->rules[rule]++;
	tree_record(r->trees[w], pages, npages, now);
	if (npages > 0 && radix_capacity(r->trees[w]) > 0) {
		uint64_t *bits = first_bits(&r->first, pages[0], true);
		bits[w / 64] |= 1ULL << (w % 64);
	}
	return w;
}

/* ---- API ----------------------------------------------------------- */

Router *router_new(const RouterSpec *spec, uint32_t nworkers)
{
	if (!spec || nworkers == 0)
		return NULL;
	Router *r = calloc(1, sizeof *r);
	if (!r)
		abort();
	r->spec = *spec;
	r->n = nworkers;
	if (spec->policy == RP_RANDOM)
		rng_init(&r->rng, spec->seed, RNG_ROUTER);
	if (spec->policy == RP_CACHE_AWARE) {
		r->trees = calloc(nworkers, sizeof *r->trees);
		if (!r->trees)
			abort();
		uint64_t cap = tree_pages(spec);
		for (uint32_t i = 0; i < nworkers; i++)
			r->trees[i] = radix_new(cap, RADIX_LRU);
		r->first.words = (nworkers + 63) / 64;
	}
	return r;
}

void router_free(Router *r)
{
	if (!r)
		return;
	if (r->trees)
		for (uint32_t i = 0; i < r->n; i++)
			radix_free(r->trees[i]);
	free(r->trees);
	free(r->first.keys);
	free(r->first.bits);
	rng_free(&r->rng);
	free(r);
}

uint32_t router_pick(Router *r, const uint64_t *pages, uint32_t npages, uint32_t prompt,
		     double now, const RouterLoad *load)
{
	switch (r->spec.policy) {
	case RP_ROUND_ROBIN:
		return (uint32_t)(r->next++ % r->n);
	case RP_SHORTEST_QUEUE:
		return argmin(load, r->n, load_tokens);
	case RP_RANDOM:
		return pick_random(r);
	case RP_CACHE_AWARE:
		return pick_cache_aware(r, pages, npages, prompt, now, load);
	case RP_LEAST_KV:
		return argmin(load, r->n, load_kv);
	}
	return 0;
}

void router_stats(const Router *r, uint64_t *by_balance, uint64_t *by_cache, uint64_t *by_load)
{
	if (by_balance)
		*by_balance = r->rules[RULE_BALANCE];
	if (by_cache)
		*by_cache = r->rules[RULE_CACHE];
	if (by_load)
		*by_load = r->rules[RULE_LOAD];
}
