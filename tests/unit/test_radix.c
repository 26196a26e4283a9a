/* test_radix.c -- the radix prefix cache: unit cases, and a differential
 * test against a naive block-per-entry model. */
#include "config.h"
#include <criterion/criterion.h>
#include <string.h>
#include "runtime/radix.h"

#define N(a) (sizeof(a) / sizeof *(a))

static void ok(const RadixTree *t)
{
	const char *e = radix_check(t);
	cr_assert_null(e, "radix_check: %s", e ? e : "");
}

Test(radix, empty_tree_matches_nothing)
{
	RadixTree *t = radix_new(0, RADIX_LRU);
	uint64_t a[] = { 1, 2, 3 };
	RadixNode *last = NULL;
	cr_expect_eq(radix_match(t, a, 3, 0, &last), 0);
	cr_expect_not_null(last);
	cr_expect_eq(radix_size(t), 0);
	cr_expect_eq(radix_evict(t, 10), 0);
	ok(t);
	radix_free(t);
}

Test(radix, insert_then_match_full_partial_longer)
{
	RadixTree *t = radix_new(0, RADIX_LRU);
	uint64_t a[] = { 1, 2, 3, 4 }, b[] = { 1, 2, 9 }, c[] = { 1, 2, 3, 4, 5, 6 };
	cr_expect_eq(radix_insert(t, a, 4, 0, NULL), 4);
	cr_expect_eq(radix_match(t, a, 4, 1, NULL), 4);
	cr_expect_eq(radix_match(t, b, 3, 2, NULL), 2);
	cr_expect_eq(radix_match(t, c, 6, 3, NULL), 4);
	cr_expect_eq(radix_insert(t, c, 6, 4, NULL), 2);
	cr_expect_eq(radix_insert(t, a, 4, 5, NULL), 0);
	cr_expect_eq(radix_size(t), 6);
	cr_expect_eq(radix_evictable(t), 6);
	ok(t);
	radix_free(t);
}

Test(radix, partial_match_splits_a_compressed_node)
{
	RadixTree *t = radix_new(0, RADIX_LRU);
	uint64_t a[] = { 1, 2, 3, 4 };
	RadixNode *whole, *half, *again;
	radix_insert(t, a, 4, 0, &whole);
	cr_expect_eq(radix_match(t, a, 2, 1, &half), 2);
	cr_expect_neq(half, whole);
	radix_lock(t, half);          /* locks [1 2], not [3 4] */
	cr_expect_eq(radix_evictable(t), 2);
	cr_expect_eq(radix_evict(t, 100), 2);  /* the lower part goes whole */
	cr_expect_eq(radix_size(t), 2);
	cr_expect_eq(radix_match(t, a, 4, 2, &again), 2);
	cr_expect_eq(again, half);
	radix_unlock(t, half);
	ok(t);
	radix_free(t);
}

Test(radix, two_branches_share_a_prefix)
{
	RadixTree *t = radix_new(0, RADIX_LRU);
	uint64_t a[] = { 7, 8, 1, 2 }, b[] = { 7, 8, 5 }, c[] = { 7, 8 };
	RadixNode *na, *nb;
	cr_expect_eq(radix_insert(t, a, 4, 0, &na), 4);
	cr_expect_eq(radix_insert(t, b, 3, 1, &nb), 1);
	cr_expect_eq(radix_size(t), 5);
	cr_expect_eq(radix_match(t, a, 4, 2, NULL), 4);
	cr_expect_eq(radix_match(t, b, 3, 2, NULL), 3);
	cr_expect_eq(radix_match(t, c, 2, 2, NULL), 2);
	radix_lock(t, na);
	cr_expect_eq(radix_evict(t, 100), 1);  /* only [5] */
	cr_expect_eq(radix_size(t), 4);
	radix_unlock(t, na);
	ok(t);
	radix_free(t);
}

Test(radix, lock_prevents_eviction_and_unlock_allows_it)
{
	RadixTree *t = radix_new(0, RADIX_LRU);
	uint64_t a[] = { 1, 2, 3 };
	RadixNode *n;
	radix_insert(t, a, 3, 0, &n);
	radix_lock(t, n);
	radix_lock(t, n);
	cr_expect_eq(radix_evictable(t), 0);
	cr_expect_eq(radix_evict(t, 3), 0);
	radix_unlock(t, n);
	cr_expect_eq(radix_evict(t, 3), 0);
	radix_unlock(t, n);
	cr_expect_eq(radix_evictable(t), 3);
	ok(t);
	cr_expect_eq(radix_evict(t, 1), 3);   /* whole nodes only */
	cr_expect_eq(radix_size(t), 0);
	ok(t);
	radix_free(t);
}

Test(radix, lru_evicts_the_oldest_first)
{
	RadixTree *t = radix_new(0, RADIX_LRU);
	uint64_t a[] = { 1 }, b[] = { 2 }, c[] = { 3 };
	radix_insert(t, a, 1, 0, NULL);
	radix_insert(t, b, 1, 1, NULL);
	radix_insert(t, c, 1, 2, NULL);
	radix_match(t, a, 1, 3, NULL);       /* a is now the newest */
	cr_expect_eq(radix_evict(t, 1), 1);
	cr_expect_eq(radix_peek(t, b, 1), 0);
	cr_expect_eq(radix_evict(t, 1), 1);
	cr_expect_eq(radix_peek(t, c, 1), 0);
	cr_expect_eq(radix_peek(t, a, 1), 1);
	ok(t);
	radix_free(t);
}

Test(radix, lru_ties_go_by_creation_order)
{
	RadixTree *t = radix_new(0, RADIX_LRU);
	uint64_t a[] = { 5 }, b[] = { 4 }, c[] = { 3 };
	radix_insert(t, a, 1, 0, NULL);
	radix_insert(t, b, 1, 0, NULL);
	radix_insert(t, c, 1, 0, NULL);
	radix_evict(t, 1);
	cr_expect_eq(radix_peek(t, a, 1), 0);
	radix_evict(t, 1);
	cr_expect_eq(radix_peek(t, b, 1), 0);
	cr_expect_eq(radix_peek(t, c, 1), 1);
	radix_free(t);
}

Test(radix, lfu_evicts_the_fewest_hits_first)
{
	RadixTree *t = radix_new(0, RADIX_LFU);
	uint64_t a[] = { 1 }, b[] = { 2 }, c[] = { 3 };
	radix_insert(t, a, 1, 0, NULL);
	radix_insert(t, b, 1, 1, NULL);
	radix_insert(t, c, 1, 2, NULL);
	radix_match(t, a, 1, 3, NULL);
	radix_match(t, a, 1, 4, NULL);
	radix_match(t, b, 1, 5, NULL);
	radix_match(t, c, 1, 6, NULL);       /* b, c: 1 hit, b older */
	radix_evict(t, 1);
	cr_expect_eq(radix_peek(t, b, 1), 0);
	radix_evict(t, 1);
	cr_expect_eq(radix_peek(t, c, 1), 0);
	cr_expect_eq(radix_peek(t, a, 1), 1);
	ok(t);
	radix_free(t);
}

Test(radix, none_caches_nothing)
{
	RadixTree *t = radix_new(0, RADIX_NONE);
	uint64_t a[] = { 1, 2 };
	RadixNode *n = NULL;
	cr_expect_eq(radix_insert(t, a, 2, 0, &n), 0);
	cr_expect_not_null(n);
	cr_expect_eq(radix_match(t, a, 2, 1, NULL), 0);
	cr_expect_eq(radix_size(t), 0);
	radix_lock(t, n);
	radix_unlock(t, n);
	ok(t);
	radix_free(t);
}

Test(radix, reserve_respects_capacity)
{
	RadixTree *t = radix_new(4, RADIX_LRU);
	uint64_t a[] = { 1, 2, 3 }, b[] = { 9 }, c[] = { 5, 6 };
	RadixNode *na;
	cr_expect_eq(radix_capacity(t), 4);
	cr_expect(radix_reserve(t, 3));
	radix_insert(t, a, 3, 0, &na);
	cr_expect(radix_reserve(t, 1));
	radix_insert(t, b, 1, 1, NULL);
	cr_expect_eq(radix_size(t), 4);
	cr_expect_not(radix_reserve(t, 5));  /* never fits: nothing evicted */
	cr_expect_eq(radix_size(t), 4);
	radix_lock(t, na);
	cr_expect_not(radix_reserve(t, 2));  /* only [9] is evictable */
	cr_expect_eq(radix_size(t), 4);
	cr_expect(radix_reserve(t, 1));
	cr_expect_eq(radix_size(t), 3);
	radix_unlock(t, na);
	cr_expect(radix_reserve(t, 2));
	radix_insert(t, c, 2, 2, NULL);
	cr_expect_leq(radix_size(t), 4);
	ok(t);
	radix_free(t);
}

/* ---- differential test ---------------------------------------------
 *
 * The reference keeps one entry per cached block, i.e. per cached prefix,
 * linked to the entry of the prefix one block shorter (-1: the root), with
 * that block's last access, hits, lock count and seq, and a flag `bnd`
 * saying a tree node ends there.  Node boundaries follow the rules in
 * radix.h: a match or insert leaves one where its cached part ends, an
 * insert one at its end.  A reference "node" is the run of entries above a
 * bnd entry up to (excluding) the previous bnd entry or the root. */

enum { MAXL = 16, MAXE = 4096, MAXLOCKS = 8 };

typedef struct {
	int parent;
	uint64_t blk;
	double last;
	uint64_t hits, lock, seq;
	bool bnd, alive;
} RefEnt;

typedef struct {
	RefEnt e[MAXE];
	int n;                 /* entries used (alive or not) */
	RadixPolicy pol;
	uint64_t cap, size, next_seq;
} Ref;

static int ref_child(const Ref *r, int parent, uint64_t blk)
{
	for (int i = 0; i < r->n; i++)
		if (r->e[i].alive && r->e[i].parent == parent && r->e[i].blk == blk)
			return i;
	return -1;
}

/* Longest cached prefix; path[i] = entry of blocks[0..i]. */
static uint64_t ref_prefix(const Ref *r, const uint64_t *b, uint64_t n, int *path)
{
	int cur = -1;
	uint64_t m = 0;
	while (m < n) {
		int c = ref_child(r, cur, b[m]);
		if (c < 0)
			break;
		path[m++] = cur = c;
	}
	return m;
}

static uint64_t ref_walk(Ref *r, const uint64_t *b, uint64_t n, double now,
			 bool hit, int *end)
{
	int path[MAXL];
	uint64_t m = ref_prefix(r, b, n, path);
	for (uint64_t i = 0; i < m; i++) {
		RefEnt *e = &r->e[path[i]];
		if (now > e->last)
			e->last = now;
		if (hit)
			e->hits++;
	}
	if (m > 0)
		r->e[path[m - 1]].bnd = true;
	*end = m > 0 ? path[m - 1] : -1;
	return m;
}

static uint64_t ref_insert(Ref *r, const uint64_t *b, uint64_t n, double now, int *end)
{
	uint64_t m = ref_walk(r, b, n, now, false, end);
	for (uint64_t i = m; i < n; i++) {
		int slot = 0;
		while (slot < r->n && r->e[slot].alive)
			slot++;
		cr_assert_lt(slot, MAXE, "reference model full");
		if (slot == r->n)
			r->n++;
		RefEnt *e = &r->e[slot];
		*e = (RefEnt){ .parent = *end, .blk = b[i], .last = now,
			       .seq = r->next_seq++, .bnd = i == n - 1, .alive = true };
		*end = slot;
		r->size++;
	}
	return n - m;
}

static void ref_lock(Ref *r, int at, int delta)
{
	for (int i = at; i >= 0; i = r->e[i].parent)
		r->e[i].lock += delta;
}

static uint64_t ref_evictable(const Ref *r)
{
	uint64_t k = 0;
	for (int i = 0; i < r->n; i++)
		k += r->e[i].alive && r->e[i].lock == 0;
	return k;
}

static bool key_less(RadixPolicy pol, const RefEnt *a, uint64_t aseq,
		     const RefEnt *b, uint64_t bseq)
{
	if (pol == RADIX_LFU && a->hits != b->hits)
		return a->hits < b->hits;
	if (a->last != b->last)
		return a->last < b->last;
	return aseq < bseq;
}

static uint64_t ref_evict(Ref *r, uint64_t want)
{
	uint64_t freed = 0;
	int nkids[MAXE];
	while (freed < want) {
		memset(nkids, 0, sizeof nkids);
		for (int i = 0; i < r->n; i++)
			if (r->e[i].alive && r->e[i].parent >= 0)
				nkids[r->e[i].parent]++;
		int best = -1;
		uint64_t bestseq = 0;
		for (int i = 0; i < r->n; i++) {
			const RefEnt *e = &r->e[i];
			if (!e->alive || !e->bnd || nkids[i] || e->lock)
				continue;
			uint64_t seq = e->seq;  /* the node's seq: its first block's */
			for (int j = e->parent; j >= 0 && !r->e[j].bnd; j = r->e[j].parent)
				seq = r->e[j].seq;
			if (best < 0 || key_less(r->pol, e, seq, &r->e[best], bestseq))
				best = i, bestseq = seq;
		}
		if (best < 0)
			break;
		int j = best;
		do {
			r->e[j].alive = false;
			r->size--;
			freed++;
			j = r->e[j].parent;
		} while (j >= 0 && !r->e[j].bnd);
	}
	return freed;
}

static bool ref_reserve(Ref *r, uint64_t need)
{
	if (r->cap == 0 || r->size + need <= r->cap)
		return true;
	if (need > r->cap || r->size + need - r->cap > ref_evictable(r))
		return false;
	ref_evict(r, r->size + need - r->cap);
	return r->size + need <= r->cap;
}

/* The model's own invariant: inside a node (a non-bnd entry and its one
 * child) the blocks agree on access, hits and lock, and seqs run on. */
static void ref_self_check(const Ref *r)
{
	int nkids[MAXE] = { 0 }, kid[MAXE];
	for (int i = 0; i < r->n; i++)
		if (r->e[i].alive && r->e[i].parent >= 0) {
			nkids[r->e[i].parent]++;
			kid[r->e[i].parent] = i;
		}
	for (int i = 0; i < r->n; i++) {
		const RefEnt *e = &r->e[i];
		if (!e->alive || e->bnd)
			continue;
		cr_assert_eq(nkids[i], 1, "mid-node block with %d children", nkids[i]);
		const RefEnt *c = &r->e[kid[i]];
		cr_assert(c->last == e->last && c->hits == e->hits && c->lock == e->lock
			  && c->seq == e->seq + 1, "node not uniform");
	}
}

/* Full state comparison: same size and every reference prefix cached in
 * the tree; the tree's prefixes are prefix-closed and size counts them,
 * so the two sets are equal. */
static void compare(const Ref *r, const RadixTree *t)
{
	ok(t);
	cr_assert_eq(radix_size(t), r->size);
	cr_assert_eq(radix_evictable(t), ref_evictable(r));
	for (int i = 0; i < r->n; i++) {
		if (!r->e[i].alive)
			continue;
		uint64_t b[MAXL], tmp[MAXL];
		int len = 0;
		for (int j = i; j >= 0; j = r->e[j].parent)
			tmp[len++] = r->e[j].blk;
		for (int k = 0; k < len; k++)
			b[k] = tmp[len - 1 - k];
		cr_assert_eq(radix_peek(t, b, len), (uint64_t)len, "prefix missing");
	}
}

static uint64_t rng;
static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static uint64_t below(uint64_t n) { return xorshift() % n; }

typedef struct {
	RadixNode *node;
	int ref;
} Held;

static void run_model(uint64_t seed, RadixPolicy pol, uint64_t cap, int ops)
{
	static Ref r;
	memset(&r, 0, sizeof r);
	r.pol = pol;
	r.cap = cap;
	rng = seed * 0x9E3779B97F4A7C15ull + 1;
	RadixTree *t = radix_new(cap, pol);
	/* a few base sequences over {0..3}, each sharing a prefix with the
	 * first, so requests share prefixes heavily */
	uint64_t base[6][12];
	for (int k = 0; k < 12; k++)
		base[0][k] = below(4);
	for (int j = 1; j < 6; j++) {
		int keep = (int)below(10);
		for (int k = 0; k < 12; k++)
			base[j][k] = k < keep ? base[0][k] : below(4);
	}
	Held held[MAXLOCKS];
	int nheld = 0;
	double now = 0;
	for (int op = 0; op < ops; op++) {
		if (below(3) == 0)
			now += 1;
		uint64_t b[MAXL];
		uint64_t n = below(13), tail = below(4);
		memcpy(b, base[below(6)], n * sizeof *b);
		for (uint64_t k = 0; k < tail; k++)
			b[n++] = below(4);
		RadixNode *node;
		int end;
		switch (below(10)) {
		case 0: case 1: case 2: {         /* reserve + insert */
			if (cap) {
				bool a = radix_reserve(t, n), e = ref_reserve(&r, n);
				cr_assert_eq(a, e, "reserve op %d", op);
				if (a)
					cr_assert_leq(radix_size(t) + n, cap);
			}
			uint64_t a = radix_insert(t, b, n, now, &node);
			uint64_t e = ref_insert(&r, b, n, now, &end);
			cr_assert_eq(a, e, "insert op %d", op);
			break;
		}
		case 3: case 4: case 5: {         /* match */
			uint64_t a = radix_match(t, b, n, now, &node);
			uint64_t e = ref_walk(&r, b, n, now, true, &end);
			cr_assert_eq(a, e, "match op %d", op);
			break;
		}
		case 6:                           /* match + lock */
			if (nheld == MAXLOCKS)
				break;
			cr_assert_eq(radix_match(t, b, n, now, &node),
				     ref_walk(&r, b, n, now, true, &end));
			radix_lock(t, node);
			ref_lock(&r, end, +1);
			held[nheld++] = (Held){ node, end };
			break;
		case 7:                           /* unlock */
			if (nheld == 0)
				break;
			{
				int k = (int)below((uint64_t)nheld);
				radix_unlock(t, held[k].node);
				ref_lock(&r, held[k].ref, -1);
				held[k] = held[--nheld];
			}
			break;
		case 8: {                         /* evict */
			uint64_t want = below(8);
			cr_assert_eq(radix_evict(t, want), ref_evict(&r, want),
				     "evict op %d", op);
			break;
		}
		case 9: {                         /* reserve alone */
			uint64_t need = below(cap ? cap + 4 : 20);
			bool a = radix_reserve(t, need), e = ref_reserve(&r, need);
			cr_assert_eq(a, e, "reserve op %d", op);
			if (a && cap)
				cr_assert_leq(radix_size(t) + need, cap);
			break;
		}
		}
		for (int k = 0; k < nheld; k++)   /* locked prefixes survive */
			cr_assert(held[k].ref < 0 || r.e[held[k].ref].alive);
		ref_self_check(&r);
		compare(&r, t);
	}
	while (nheld > 0) {
		radix_unlock(t, held[nheld - 1].node);
		ref_lock(&r, held[--nheld].ref, -1);
	}
	cr_assert_eq(radix_evict(t, UINT64_MAX), ref_evict(&r, UINT64_MAX));
	compare(&r, t);
	cr_assert_eq(radix_size(t), 0);
	radix_free(t);
}

Test(radix, model_lru_capacity) { for (uint64_t s = 1; s <= 3; s++) run_model(s, RADIX_LRU, 40, 20000); }
Test(radix, model_lfu_capacity) { for (uint64_t s = 4; s <= 6; s++) run_model(s, RADIX_LFU, 40, 20000); }
Test(radix, model_lru_unlimited) { run_model(7, RADIX_LRU, 0, 20000); }
Test(radix, model_lfu_unlimited) { run_model(8, RADIX_LFU, 0, 20000); }
