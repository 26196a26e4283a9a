/* radix.c -- the radix prefix cache (radix.h).
 *
 * Nodes keep their children in an array sorted by first block (binary
 * search; a node has at most one child per distinct block).  Eviction
 * candidates sit in a min-heap of (key snapshot, node); a node has at most
 * one entry (in_heap).  Keys only grow (time is non-decreasing, hits only
 * count up, a split raises the lower part's seq), so a snapshot is never
 * newer than its node: when an entry surfaces whose node is no longer an
 * unlocked leaf it is dropped, and when its key went stale it is pushed
 * again with the current key.  A node is freed only right after its own
 * entry was popped, so heap entries never point at freed nodes.
 */
#include "config.h"
#include "radix.h"

#include <stdlib.h>
#include <string.h>

struct RadixNode {
	RadixNode *parent;
	RadixNode **kids;       /* sorted by kids[i]->key[0] */
	uint64_t *kfirst;       /* kfirst[i] == kids[i]->key[0]: the binary search
				   reads one array instead of chasing two pointers */
	uint32_t nkids, capkids;
	uint64_t *key;          /* len blocks */
	uint64_t len;
	uint64_t lock;
	uint64_t hits;
	uint64_t seq;           /* seq of key[0]; key[i] has seq + i */
	double last;
	bool in_heap;
};

typedef struct {
	double last;
	uint64_t hits, seq;
	RadixNode *n;
} HeapEnt;

struct RadixTree {
	RadixNode root;
	RadixPolicy policy;
	uint64_t cap, size, evictable, next_seq;
	HeapEnt *heap;
	size_t nheap, capheap;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) abort();
	return p;
}

/* ---- heap ---------------------------------------------------------- */

static bool ent_less(RadixPolicy pol, const HeapEnt *a, const HeapEnt *b)
{
	if (pol == RADIX_LFU && a->hits != b->hits)
		return a->hits < b->hits;
	if (a->last != b->last)
		return a->last < b->last;
	return a->seq < b->seq;
}

static HeapEnt snapshot(RadixNode *x)
{
	return (HeapEnt){ x->last, x->hits, x->seq, x };
}

static void heap_push(RadixTree *t, RadixNode *x)
{
	if (t->nheap == t->capheap) {
		t->capheap = t->capheap ? 2 * t->capheap : 64;
		t->heap = xrealloc(t->heap, t->capheap * sizeof *t->heap);
	}
	HeapEnt e = snapshot(x);
	size_t i = t->nheap++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ent_less(t->policy, &e, &t->heap[p]))
			break;
		t->heap[i] = t->heap[p];
		i = p;
	}
	t->heap[i] = e;
	x->in_heap = true;
}

static HeapEnt heap_pop(RadixTree *t)
{
	HeapEnt top = t->heap[0], e = t->heap[--t->nheap];
	size_t i = 0, n = t->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ent_less(t->policy, &t->heap[c + 1], &t->heap[c]))
			c++;
		if (!ent_less(t->policy, &t->heap[c], &e))
			break;
		t->heap[i] = t->heap[c];
		i = c;
	}
	if (n > 0)
		t->heap[i] = e;
	top.n->in_heap = false;
	return top;
}

static bool evictable_leaf(const RadixTree *t, const RadixNode *x)
{
	return x != &t->root && x->nkids == 0 && x->lock == 0;
}

static void offer(RadixTree *t, RadixNode *x)
{
	if (evictable_leaf(t, x) && !x->in_heap)
		heap_push(t, x);
}

/* ---- nodes --------------------------------------------------------- */

/* Index of the child starting with b, or where it would go (*found). */
static uint32_t kid_find(const RadixNode *x, uint64_t b, bool *found)
{
	uint32_t lo = 0, hi = x->nkids;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint64_t k = x->kfirst[mid];
		if (k == b) {
			*found = true;
			return mid;
		}
		if (k < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void kid_insert(RadixNode *x, uint32_t at, RadixNode *c)
{
	if (x->nkids == x->capkids) {
		x->capkids = x->capkids ? 2 * x->capkids : 2;
		x->kids = xrealloc(x->kids, x->capkids * sizeof *x->kids);
		x->kfirst = xrealloc(x->kfirst, x->capkids * sizeof *x->kfirst);
	}
	memmove(x->kids + at + 1, x->kids + at, (x->nkids - at) * sizeof *x->kids);
	memmove(x->kfirst + at + 1, x->kfirst + at, (x->nkids - at) * sizeof *x->kfirst);
	x->kids[at] = c;
	x->kfirst[at] = c->key[0];
	x->nkids++;
	c->parent = x;
}

static RadixNode *node_new(const uint64_t *blocks, uint64_t len)
{
	RadixNode *x = calloc(1, sizeof *x);
	if (!x) abort();
	x->key = xrealloc(NULL, len * sizeof *x->key);
	memcpy(x->key, blocks, len * sizeof *x->key);
	x->len = len;
	return x;
}

static void node_free(RadixNode *x)
{
	free(x->kids);
	free(x->kfirst);
	free(x->key);
	free(x);
}

/* Splits c after its first k blocks (0 < k < c->len); returns the new
 * upper node.  c keeps its identity as the lower part. */
static RadixNode *split(RadixNode *c, uint64_t k)
{
	RadixNode *p = c->parent, *m = node_new(c->key, k);
	bool found;
	uint32_t at = kid_find(p, c->key[0], &found);
	p->kids[at] = m;
	m->parent = p;
	m->lock = c->lock;
	m->hits = c->hits;
	m->last = c->last;
	m->seq = c->seq;
	memmove(c->key, c->key + k, (c->len - k) * sizeof *c->key);
	c->len -= k;
	c->seq += k;
	kid_insert(m, 0, c);
	return m;
}

static void touch(RadixNode *x, double now, bool hit)
{
	if (now > x->last)
		x->last = now;
	if (hit)
		x->hits++;
}

/* Walks the cached prefix of blocks, splitting where it ends inside a
 * node and touching the nodes on the way; returns its length and the node
 * where it ends. */
static uint64_t walk(RadixTree *t, const uint64_t *blocks, uint64_t n,
		     double now, bool hit, RadixNode **end)
{
	RadixNode *x = &t->root;
	uint64_t i = 0;
	while (i < n) {
		bool found;
		uint32_t at = kid_find(x, blocks[i], &found);
		if (!found)
			break;
		RadixNode *c = x->kids[at];
		uint64_t k = 1;
		while (k < c->len && i + k < n && c->key[k] == blocks[i + k])
			k++;
		bool partial = k < c->len;
		if (partial)
			c = split(c, k);
		touch(c, now, hit);
		x = c;
		i += k;
		if (partial)
			break;
	}
	*end = x;
	return i;
}

/* ---- API ----------------------------------------------------------- */

RadixTree *radix_new(uint64_t capacity_blocks, RadixPolicy policy)
{
	RadixTree *t = calloc(1, sizeof *t);
	if (!t) abort();
	t->cap = capacity_blocks;
	t->policy = policy;
	return t;
}

void radix_free(RadixTree *t)
{
	if (!t)
		return;
	/* post-order without recursion: free leaves, climb by parent */
	RadixNode *x = &t->root;
	while (x) {
		if (x->nkids > 0) {
			x = x->kids[--x->nkids];
			continue;
		}
		RadixNode *p = x->parent;
		if (x != &t->root)
			node_free(x);
		x = p;
	}
	free(t->root.kids);
	free(t->root.kfirst);
	free(t->heap);
	free(t);
}

uint64_t radix_match(RadixTree *t, const uint64_t *blocks, uint64_t n,
		     double now, RadixNode **last)
{
	RadixNode *end = &t->root;
	uint64_t m = 0;
	if (t->policy != RADIX_NONE)
		m = walk(t, blocks, n, now, true, &end);
	if (last)
		*last = end;
	return m;
}

uint64_t radix_insert(RadixTree *t, const uint64_t *blocks, uint64_t n,
		      double now, RadixNode **last)
{
	RadixNode *end = &t->root;
	uint64_t added = 0;
	if (t->policy != RADIX_NONE) {
		uint64_t m = walk(t, blocks, n, now, false, &end);
		added = n - m;
		if (m < n) {
			RadixNode *c = node_new(blocks + m, n - m);
			bool found;
			uint32_t at = kid_find(end, blocks[m], &found);
			c->last = now;
			c->seq = t->next_seq;
			t->next_seq += n - m;
			kid_insert(end, at, c);
			t->size += n - m;
			t->evictable += n - m;
			heap_push(t, c);
			end = c;
		}
	}
	if (last)
		*last = end;
	return added;
}

uint64_t radix_peek(const RadixTree *t, const uint64_t *blocks, uint64_t n)
{
	if (t->policy == RADIX_NONE)
		return 0;
	const RadixNode *x = &t->root;
	uint64_t i = 0;
	while (i < n) {
		bool found;
		uint32_t at = kid_find(x, blocks[i], &found);
		if (!found)
			break;
		const RadixNode *c = x->kids[at];
		uint64_t k = 1;
		while (k < c->len && i + k < n && c->key[k] == blocks[i + k])
			k++;
		i += k;
		if (k < c->len)
			break;
		x = c;
	}
	return i;
}

void radix_lock(RadixTree *t, RadixNode *node)
{
	for (RadixNode *x = node; x; x = x->parent)
		if (x->lock++ == 0)
			t->evictable -= x->len;
}

void radix_unlock(RadixTree *t, RadixNode *node)
{
	for (RadixNode *x = node; x; x = x->parent) {
		if (x->lock == 0)
			abort();  /* unpaired unlock: a caller bug */
		if (--x->lock == 0) {
			t->evictable += x->len;
			offer(t, x);
		}
	}
}

static bool stale(RadixPolicy pol, const HeapEnt *e, const RadixNode *x)
{
	if (pol == RADIX_LFU && e->hits != x->hits)
		return true;
	return e->last != x->last || e->seq != x->seq;
}

uint64_t radix_evict(RadixTree *t, uint64_t want)
{
	uint64_t freed = 0;
	while (freed < want && t->nheap > 0) {
		HeapEnt e = heap_pop(t);
		RadixNode *x = e.n;
		if (!evictable_leaf(t, x))
			continue;
		if (stale(t->policy, &e, x)) {
			heap_push(t, x);
			continue;
		}
		RadixNode *p = x->parent;
		bool found;
		uint32_t at = kid_find(p, x->key[0], &found);
		memmove(p->kids + at, p->kids + at + 1,
			(p->nkids - at - 1) * sizeof *p->kids);
		memmove(p->kfirst + at, p->kfirst + at + 1,
			(p->nkids - at - 1) * sizeof *p->kfirst);
		p->nkids--;
		t->size -= x->len;
		t->evictable -= x->len;
		freed += x->len;
		node_free(x);
		offer(t, p);
	}
	return freed;
}

uint64_t radix_size(const RadixTree *t) { return t->size; }
uint64_t radix_evictable(const RadixTree *t) { return t->evictable; }
uint64_t radix_capacity(const RadixTree *t) { return t->cap; }

bool radix_reserve(RadixTree *t, uint64_t need)
{
	if (t->cap == 0 || t->size + need <= t->cap)
		return true;
	if (need > t->cap || t->size + need - t->cap > t->evictable)
		return false;
	radix_evict(t, t->size + need - t->cap);
	return t->size + need <= t->cap;
}

/* ---- invariants ---------------------------------------------------- */

const char *radix_check(const RadixTree *t)
{
	const RadixNode *r = &t->root;
	if (r->len != 0 || r->parent)
		return "root has blocks or a parent";
	uint64_t size = 0, evictable = 0;
	size_t inheap = 0;
	const char *err = NULL;
	/* iterative pre-order: descend to kids[0], then next sibling */
	const RadixNode *x = r;
	while (x && !err) {
		if (x != r) {
			if (x->len == 0)
				err = "non-root node with no blocks";
			size += x->len;
			if (x->lock == 0)
				evictable += x->len;
			if (x->lock > x->parent->lock)
				err = "lock count larger than the parent's";
			if (evictable_leaf(t, x) && !x->in_heap)
				err = "evictable leaf missing from the heap";
		}
		if (x->in_heap)
			inheap++;
		for (uint32_t i = 0; i < x->nkids && !err; i++) {
			if (x->kids[i]->parent != x)
				err = "child's parent pointer is wrong";
			else if (i > 0 && x->kids[i - 1]->key[0] >= x->kids[i]->key[0])
				err = "children not sorted or two start with the same block";
			else if (x->kfirst[i] != x->kids[i]->key[0])
				err = "a child's first block is not mirrored in its parent";
		}
		if (err)
			break;
		if (x->nkids > 0) {
			x = x->kids[0];
			continue;
		}
		/* climb to the first ancestor with a next sibling */
		while (x != r) {
			const RadixNode *p = x->parent;
			bool found;
			uint32_t at = kid_find(p, x->key[0], &found);
			if (!found || p->kids[at] != x)
				return "child not found under its first block";
			if (at + 1 < p->nkids) {
				x = p->kids[at + 1];
				break;
			}
			x = p;
		}
		if (x == r)
			break;
	}
	if (err)
		return err;
	if (size != t->size)
		return "size is not the sum of node lengths";
	if (evictable != t->evictable)
		return "evictable is not the sum of unlocked node lengths";
	if (inheap != t->nheap)
		return "heap entries and in_heap flags disagree";
	for (size_t i = 0; i < t->nheap; i++) {
		const HeapEnt *e = &t->heap[i];
		HeapEnt now = snapshot(e->n);
		if (!e->n->in_heap)
			return "heap entry for a node not marked in_heap";
		if (ent_less(t->policy, &now, e))
			return "heap entry newer than its node";
		if (i > 0 && ent_less(t->policy, e, &t->heap[(i - 1) / 2]))
			return "heap order violated";
	}
	if (t->policy == RADIX_NONE && t->size != 0)
		return "disabled cache holds blocks";
	return NULL;
}
