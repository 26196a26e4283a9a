/* router.c -- request routing policies (router.h).
 *
 * Design.  A Router is a copy of its spec, the worker count, and only the
 * state its policy needs: a round-robin cursor (round_robin), a random
 * stream RNG_ROUTER of the seed (random), or one shared multi-tenant radix
 * tree plus three rule counters (cache_aware).  Every load-based choice is
 * an arg-min over the workers scanned from index 0 with a strict "<", so
 * ties go to the lowest index; a missing load (NULL load, NULL array, or
 * an index >= load->n) reads as 0, and a NaN reads as worse than any
 * number.  Nothing here is global: routers are independent and a run is
 * reproducible bit for bit.
 *
 * The shared tree (as sgl-router keeps it).  Instead of one approximate
 * tree per worker, all workers ("tenants") share one compressed radix
 * tree of page ids whose nodes record which tenants hold them, each with
 * its own last access.  The nodes tenant w holds are exactly the tree the
 * router would have kept for w alone (cut into more nodes), so a
 * request's path is walked once for all workers, not once per worker:
 *
 *                    root (no pages, no tenants, never freed)
 *                   /                                \
 *       [a b c] {0: t5 k1, 2: t9 k1}            [x y] {1: t7 k1}
 *         /                  \                        \
 *   [d e] {0: t5 k0}    [f] {2: t9 k0}           [z] {1: t4 k0}
 *     ^ a leaf of 0       ^ a leaf of 2           ^ a leaf of 1
 *
 *   (per node: its pages, then for each tenant its last access t and the
 *   number k of the node's children it holds)
 *
 *   - every node but the root holds >= 1 pages and >= 1 tenants; a node
 *     whose last tenant leaves is freed (it has no children by then);
 *   - a tenant at a child is a tenant at its parent, no less recently
 *     used there; so a tenant's nodes hang from the root, and its match of
 *     a path is the depth down to which it holds that path;
 *   - a node's holds are sorted by tenant (the lowest is holds[0]), and
 *     each counts the node's children its tenant holds: 0 makes the node
 *     a leaf of that tenant.  They live in the node's own block, after its
 *     pages (in an array apart only beyond min(n, 16) tenants), so a walk
 *     and the touches after it read one block per node;
 *   - children of a node start with distinct pages; one hash table of
 *     edges, keyed by (parent's id, first page), finds them in about one
 *     probe however many children the root or a system prompt has, and a
 *     node with one child also keeps it at hand (a shared prompt cut by
 *     requests ending inside it is a chain of such nodes).  Ids number the
 *     nodes in order of creation, so the table's layout depends on the
 *     history only, never on an address, and nothing iterates it to
 *     decide anything;
 *   - each tenant has a min-heap of its leaves keyed by (last access, node
 *     id) -- LRU, ties to the older node -- with lazy re-keying as in
 *     radix.c: a hold has at most one entry, whose key is never newer than
 *     the hold's; an entry that surfaces stale is pushed again, one whose
 *     node is no longer a leaf of the tenant is dropped.  A node is freed
 *     only when its last tenant's entry is popped, so entries never point
 *     at freed nodes;
 *   - a tenant's page count is the sum of the lengths of its nodes, at
 *     most the capacity floor(max_tree_tokens / page) (at least 1) after
 *     every pick.
 *
 * A pick (router.h): the imbalance check first; the request's path is
 * walked once either way (the nodes passed are remembered; only the
 * only-child hints change): the match is how far the path goes, a partial match
 * inside the last node counting for its tenants, and the best worker is
 * the lowest tenant of the deepest node reached -- the tenants holding
 * the longest prefix, ties to the lowest index.  Route there when
 * matched * page / prompt > cache_threshold (strictly), else to the least
 * loaded worker.  The chosen worker w then records the request's first
 * min(npages, capacity) pages along the remembered path: the node where
 * they end inside the path is split, the rest becomes one new leaf, and
 * every node on the path gets w at `now`.  Then, while w holds more than
 * the capacity, w's least recently used leaf loses w, the request's own
 * deepest node excepted (it holds at most the capacity, so the rest of
 * w's nodes always suffice): making room never evicts the request's own
 * pages.  A request with no pages, or a prompt of 0 tokens, has ratio 0
 * (the rule is applied literally, so only a negative threshold would
 * route it "by cache", to worker 0).  The LRU order needs `now`
 * non-decreasing across calls; a hold's last access is max(last, now).
 * router_new returns NULL for no spec or 0 workers; a page of 0 tokens
 * counts as 1 for the capacity.
 *
 * Versus a tree per worker: the decisions are the same as long as nothing
 * is evicted; with eviction, nodes are cut by every tenant's requests, so
 * a tenant may evict a shorter run of pages at a time than its own tree
 * would have (finer, never coarser), and a tie between leaves last used
 * at the same instant goes to the node created first.
 */
#include "config.h"
#include "router.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* The rules of the cache-aware policy, as counted by router_stats. */
enum { RULE_BALANCE, RULE_CACHE, RULE_LOAD, RULES };

/* Largest tenant capacity we ask for (pages); far beyond any real cache. */
#define MAX_TREE_PAGES ((uint64_t)1 << 52)

typedef struct Node Node;

/* A tenant's hold on a node. */
typedef struct Hold {
	double last;                /* the tenant's last access */
	uint32_t tenant;
	unsigned kids : 31;         /* children of the node the tenant holds */
	unsigned queued : 1;        /* has an entry in the tenant's heap */
} Hold;

/* Holds a node has room for in its own block (beyond: an array apart),
 * so that a walk and its touches read one block per node. */
#define INLINE_HOLDS 16u

struct Node {
	Node *parent;
	Node *only;                 /* the child, when known and nkids == 1 */
	uint64_t only_page;         /* its first page */
	uint64_t id;                /* order of creation; the root is 0 */
	Hold *holds;                /* sorted by tenant */
	uint32_t nholds, capholds;
	bool apart;                 /* holds in an array apart from the block */
	uint32_t nkids;
	uint64_t len;
	uint64_t key[];             /* len pages */
};

/* The edge from the node numbered `parent` to its child starting with
 * `page`; child NULL marks a free slot. */
typedef struct Edge {
	uint64_t parent, page;
	Node *child;
} Edge;

/* Open addressing, linear probing, at most half full. */
typedef struct Edges {
	Edge *slot;
	size_t cap, used;
} Edges;

/* An entry of a tenant's heap: a key snapshot and its node. */
typedef struct Entry {
	double last;
	uint64_t id;
	Node *node;
} Entry;

typedef struct Tenant {
	Entry *heap;                /* leaves, min (last, id) first */
	size_t nheap, capheap;
	uint64_t pages;             /* sum of the lengths of its nodes */
} Tenant;

typedef struct Tree {
	Node *root;
	Edges edges;
	uint64_t next_id;
	Tenant *tenants;            /* n */
	uint32_t n;
	uint64_t cap;               /* pages per tenant */
	uint32_t inline_holds;      /* min(n, INLINE_HOLDS) */
	Node **path;                /* the last walk: nodes passed, in order */
	uint32_t npath, cappath;
	uint64_t matched;           /* pages of the last walk */
} Tree;

struct Router {
	RouterSpec spec;
	uint32_t n;
	uint64_t next;          /* round_robin cursor */
	Rng rng;                /* random only; rng.r NULL otherwise */
	Tree *tree;             /* cache_aware only; else NULL */
	uint64_t rules[RULES];  /* cache_aware picks per rule */
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
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


/* ---- nodes --------------------------------------------------------- */

/* A node of len pages with room for nholds holds after its pages. */
static Node *node_new(uint64_t id, const uint64_t *pages, uint64_t len, uint32_t nholds)
{
	Node *x = malloc(sizeof *x + len * sizeof *x->key + nholds * sizeof(Hold));
	if (!x)
		abort();
	*x = (Node){ .id = id, .len = len, .capholds = nholds };
	x->holds = (Hold *)(x->key + len);
	if (len)
		memcpy(x->key, pages, len * sizeof *x->key);
	return x;
}

static void node_free(Node *x)
{
	if (x->apart)
		free(x->holds);
	free(x);
}

/* Index of tenant w's hold on x, or where it would go (*found). */
static uint32_t hold_find(const Node *x, uint32_t w, bool *found)
{
	uint32_t lo = 0, hi = x->nholds;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t t = x->holds[mid].tenant;
		if (t == w) {
			*found = true;
			return mid;
		}
		if (t < w)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Tenant w's hold on x, or NULL. */
static Hold *hold_of(const Node *x, uint32_t w)
{
	bool found;
	uint32_t at = hold_find(x, w, &found);
	return found ? &x->holds[at] : NULL;
}

/* Puts h at x->holds[at]; returns it there. */
static Hold *hold_insert(Node *x, uint32_t at, Hold h)
{
	if (x->nholds == x->capholds) {
		uint32_t cap = x->capholds ? 2 * x->capholds : 2;
		Hold *a = xrealloc(x->apart ? x->holds : NULL, cap * sizeof *a);
		if (!x->apart && x->nholds)
			memcpy(a, x->holds, x->nholds * sizeof *a);
		x->holds = a;
		x->capholds = cap;
		x->apart = true;
	}
	memmove(x->holds + at + 1, x->holds + at, (x->nholds - at) * sizeof *x->holds);
	x->holds[at] = h;
	x->nholds++;
	return &x->holds[at];
}

static void hold_remove(Node *x, uint32_t at)
{
	memmove(x->holds + at, x->holds + at + 1, (x->nholds - at - 1) * sizeof *x->holds);
	x->nholds--;
}

/* ---- edges --------------------------------------------------------- */

static size_t edge_hash(const Edges *e, uint64_t parent, uint64_t page)
{
	uint64_t h = page ^ (parent * 0x9e3779b97f4a7c15ULL);
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	h ^= h >> 32;
	return (size_t)h & (e->cap - 1);
}

/* The slot of edge (parent, page), or the free slot where it would go. */
static size_t edge_slot(const Edges *e, uint64_t parent, uint64_t page)
{
	size_t i = edge_hash(e, parent, page);
	while (e->slot[i].child && (e->slot[i].parent != parent || e->slot[i].page != page))
		i = (i + 1) & (e->cap - 1);
	return i;
}

static Node *edge_get(const Edges *e, uint64_t parent, uint64_t page)
{
	return e->cap ? e->slot[edge_slot(e, parent, page)].child : NULL;
}

static void edge_grow(Edges *e)
{
	Edges g = { .cap = e->cap ? 2 * e->cap : 1024, .used = e->used };
	g.slot = calloc(g.cap, sizeof *g.slot);
	if (!g.slot)
		abort();
	for (size_t i = 0; i < e->cap; i++)
		if (e->slot[i].child)
			g.slot[edge_slot(&g, e->slot[i].parent, e->slot[i].page)] = e->slot[i];
	free(e->slot);
	*e = g;
}

/* Sets the edge (parent, page) to child, adding it or replacing it. */
static void edge_put(Edges *e, uint64_t parent, uint64_t page, Node *child)
{
	if (2 * (e->used + 1) > e->cap)
		edge_grow(e);
	size_t i = edge_slot(e, parent, page);
	if (!e->slot[i].child)
		e->used++;
	e->slot[i] = (Edge){ parent, page, child };
}

/* Removes the edge (parent, page), which is there, moving back the
 * entries after it that would no longer be found (no tombstones). */
static void edge_del(Edges *e, uint64_t parent, uint64_t page)
{
	size_t i = edge_slot(e, parent, page), mask = e->cap - 1;
	if (!e->slot[i].child)
		abort();        /* a broken tree: a bug here */
	for (size_t j = (i + 1) & mask; e->slot[j].child; j = (j + 1) & mask) {
		size_t home = edge_hash(e, e->slot[j].parent, e->slot[j].page);
		/* j moves to the hole unless its home lies cyclically in (i, j] */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			e->slot[i] = e->slot[j];
			i = j;
		}
	}
	e->slot[i].child = NULL;
	e->used--;
}

/* ---- children ------------------------------------------------------ */

/* x's child starting with page, or NULL. */
static Node *kid_get(const Tree *t, Node *x, uint64_t page)
{
	if (x->only)
		return x->only_page == page ? x->only : NULL;
	if (x->nkids == 0)
		return NULL;
	Node *c = edge_get(&t->edges, x->id, page);
	if (c && x->nkids == 1) {       /* keep the only child at hand */
		x->only = c;
		x->only_page = page;
	}
	return c;
}

static void kid_add(Tree *t, Node *x, Node *c)
{
	edge_put(&t->edges, x->id, c->key[0], c);
	c->parent = x;
	x->nkids++;
	x->only = x->nkids == 1 ? c : NULL;
	x->only_page = c->key[0];
}

/* c, a child of x, takes the place of old (both start with one page). */
static void kid_replace(Tree *t, Node *x, const Node *old, Node *c)
{
	edge_put(&t->edges, x->id, c->key[0], c);
	c->parent = x;
	if (x->only == old)
		x->only = c;
}

static void kid_remove(Tree *t, Node *x, const Node *c)
{
	edge_del(&t->edges, x->id, c->key[0]);
	x->nkids--;
	x->only = NULL;                 /* found again by the next look-up */
}

/* ---- tenants' heaps ------------------------------------------------ */

static bool ent_less(const Entry *a, const Entry *b)
{
	if (a->last != b->last)
		return a->last < b->last;
	return a->id < b->id;
}

static void heap_push(Tenant *tn, Node *x, const Hold *h)
{
	if (tn->nheap == tn->capheap) {
		tn->capheap = tn->capheap ? 2 * tn->capheap : 64;
		tn->heap = xrealloc(tn->heap, tn->capheap * sizeof *tn->heap);
	}
	Entry e = { h->last, x->id, x };
	size_t i = tn->nheap++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ent_less(&e, &tn->heap[p]))
			break;
		tn->heap[i] = tn->heap[p];
		i = p;
	}
	tn->heap[i] = e;
}

static Entry heap_pop(Tenant *tn)
{
	Entry top = tn->heap[0], e = tn->heap[--tn->nheap];
	size_t i = 0, n = tn->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && ent_less(&tn->heap[c + 1], &tn->heap[c]))
			c++;
		if (!ent_less(&tn->heap[c], &e))
			break;
		tn->heap[i] = tn->heap[c];
		i = c;
	}
	if (n > 0)
		tn->heap[i] = e;
	return top;
}

/* Queues h (tenant w's hold on x) if x became a leaf of w. */
static void offer(Tree *t, Node *x, Hold *h)
{
	if (h->kids == 0 && !h->queued) {
		heap_push(&t->tenants[h->tenant], x, h);
		h->queued = true;
	}
}

/* ---- the shared tree ----------------------------------------------- */

static Tree *tree_new(uint32_t n, uint64_t cap)
{
	Tree *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	t->root = node_new(t->next_id++, NULL, 0, 0);
	t->tenants = calloc(n, sizeof *t->tenants);
	if (!t->tenants)
		abort();
	t->n = n;
	t->cap = cap;
	t->inline_holds = n < INLINE_HOLDS ? n : INLINE_HOLDS;
	return t;
}

static void tree_free(Tree *t)
{
	if (!t)
		return;
	/* every node but the root is the child of one edge */
	for (size_t i = 0; i < t->edges.cap; i++)
		if (t->edges.slot[i].child)
			node_free(t->edges.slot[i].child);
	node_free(t->root);
	free(t->edges.slot);
	for (uint32_t w = 0; w < t->n; w++)
		free(t->tenants[w].heap);
	free(t->tenants);
	free(t->path);
	free(t);
}

static void path_push(Tree *t, Node *x)
{
	if (t->npath == t->cappath) {
		t->cappath = t->cappath ? 2 * t->cappath : 16;
		t->path = xrealloc(t->path, t->cappath * sizeof *t->path);
	}
	t->path[t->npath++] = x;
}

/* Walks the longest prefix of pages in the tree, remembering the nodes
 * passed (the last one maybe partly); returns its length.  Changes
 * nothing but the path and the only-child look-ups. */
static uint64_t tree_walk(Tree *t, const uint64_t *pages, uint64_t n)
{
	Node *x = t->root;
	uint64_t i = 0;
	t->npath = 0;
	while (i < n) {
		Node *c = kid_get(t, x, pages[i]);
		if (!c)
			break;
		uint64_t k = 1;
		while (k < c->len && i + k < n && c->key[k] == pages[i + k])
			k++;
		path_push(t, c);
		i += k;
		if (k < c->len)
			break;
		x = c;
	}
	t->matched = i;
	return i;
}

/* The lowest tenant of the deepest node of the last walk: it holds the
 * longest prefix (0 when nothing matched). */
static uint32_t walk_best(const Tree *t)
{
	return t->npath ? t->path[t->npath - 1]->holds[0].tenant : 0;
}

/* Splits c after its first k pages (0 < k < c->len); returns the new
 * upper node, held by c's tenants as they hold c (each with one child). */
static Node *split(Tree *t, Node *c, uint64_t k)
{
	uint32_t room = c->nholds > t->inline_holds ? c->nholds : t->inline_holds;
	Node *p = c->parent, *m = node_new(t->next_id++, c->key, k, room);
	kid_replace(t, p, c, m);
	for (uint32_t i = 0; i < c->nholds; i++)
		hold_insert(m, i, (Hold){ .tenant = c->holds[i].tenant, .kids = 1,
					  .last = c->holds[i].last });
	memmove(c->key, c->key + k, (c->len - k) * sizeof *c->key);
	c->len -= k;
	kid_add(t, m, c);
	return m;
}

/* Tenant w uses x at `now`; x's parent already has w. */
static void touch(Tree *t, Node *x, uint32_t w, double now)
{
	bool found;
	uint32_t at = hold_find(x, w, &found);
	if (found) {
		Hold *h = &x->holds[at];
		if (now > h->last)
			h->last = now;   /* its heap entry, if any, goes stale */
		return;
	}
	Hold *h = hold_insert(x, at, (Hold){ .tenant = w, .last = now });
	t->tenants[w].pages += x->len;
	if (x->parent != t->root)
		hold_of(x->parent, w)->kids++;
	offer(t, x, h);
}

/* Takes tenant w off x, a leaf of w; frees x when nobody holds it. */
static void drop(Tree *t, Node *x, uint32_t w)
{
	bool found;
	uint32_t at = hold_find(x, w, &found);
	hold_remove(x, at);
	t->tenants[w].pages -= x->len;
	Node *p = x->parent;
	if (p != t->root) {
		Hold *ph = hold_of(p, w);
		ph->kids--;
		offer(t, p, ph);
	}
	if (x->nholds > 0)
		return;
	if (x->nkids > 0)
		abort();        /* a child without its parent's tenants: a bug */
	kid_remove(t, p, x);
	node_free(x);
}

/* Evicts w's least recently used leaves, keep excepted, until w holds at
 * most the capacity. */
static void evict(Tree *t, uint32_t w, Node *keep)
{
	Tenant *tn = &t->tenants[w];
	bool kept = false;
	while (tn->pages > t->cap) {
		if (tn->nheap == 0)
			abort();        /* cannot happen: keep's path fits */
		Entry e = heap_pop(tn);
		Hold *h = hold_of(e.node, w);
		h->queued = false;
		if (h->kids > 0)
			continue;       /* no longer a leaf */
		if (e.last != h->last) {
			offer(t, e.node, h);    /* stale: again, with its key */
			continue;
		}
		if (e.node == keep) {
			kept = true;
			continue;
		}
		drop(t, e.node, w);
	}
	if (kept)
		offer(t, keep, hold_of(keep, w));
}

/* Tenant w records pages[0..n) along the path of the last walk of pages
 * (n <= cap), then makes room. */
static void tree_record(Tree *t, uint32_t w, const uint64_t *pages, uint64_t n, double now)
{
	uint64_t end = n < t->matched ? n : t->matched, d = 0;
	Node *x = t->root;
	uint32_t i = 0;
	for (; i < t->npath && d < end; i++) {
		Node *c = t->path[i];
		uint64_t take = end - d < c->len ? end - d : c->len;
		if (take < c->len)
			c = split(t, c, take);
		t->path[i] = x = c;
		d += take;
	}
	t->npath = i;
	if (d < n) {
		Node *c = node_new(t->next_id++, pages + d, n - d, t->inline_holds);
		kid_add(t, x, c);
		path_push(t, c);
	}
	for (uint32_t j = 0; j < t->npath; j++)
		touch(t, t->path[j], w, now);
	evict(t, w, t->npath ? t->path[t->npath - 1] : NULL);
}

static uint64_t tree_pages(const RouterSpec *s)
{
	double c = floor(s->max_tree_tokens / (s->page ? s->page : 1));
	if (!(c >= 1))          /* also NaN */
		return 1;
	if (c >= (double)MAX_TREE_PAGES)
		return MAX_TREE_PAGES;
	return (uint64_t)c;
}

/* ---- invariants ---------------------------------------------------- */

/* The check's view of the tree: every node, sorted by address so that a
 * node can be found (addresses order nothing but these look-ups), with
 * the index of its first hold in a flat array of counts: per hold, the
 * children found holding its tenant, and its heap entries. */
typedef struct Census {
	const Node **nodes;
	size_t nn;
	size_t *first;              /* per node: its first hold's index */
	uint32_t *kids, *entries;   /* per hold */
	size_t nh;
} Census;

static int cmp_node(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const Node *const *)a, y = (uintptr_t)*(const Node *const *)b;
	return (x > y) - (x < y);
}

/* Index of x in the census, or -1. */
static int64_t node_index(const Census *c, const Node *x)
{
	const Node **at = bsearch(&x, c->nodes, c->nn, sizeof x, cmp_node);
	return at ? at - c->nodes : -1;
}

/* Index of tenant w's hold on x (x in the census) in the flat arrays, or
 * -1. */
static int64_t hold_index(const Census *c, const Node *x, uint32_t w)
{
	int64_t i = node_index(c, x);
	bool found;
	uint32_t at = i >= 0 ? hold_find(x, w, &found) : 0;
	return i >= 0 && found ? (int64_t)(c->first[i] + at) : -1;
}

static void census_free(Census *c)
{
	free(c->nodes);
	free(c->first);
	free(c->kids);
	free(c->entries);
}

/* The root and the child of every edge. */
static void census_take(const Tree *t, Census *c)
{
	*c = (Census){ 0 };
	c->nodes = xrealloc(NULL, (t->edges.used + 1) * sizeof *c->nodes);
	c->nodes[c->nn++] = t->root;
	for (size_t i = 0; i < t->edges.cap; i++)
		if (t->edges.slot[i].child)
			c->nodes[c->nn++] = t->edges.slot[i].child;
	qsort(c->nodes, c->nn, sizeof *c->nodes, cmp_node);
	c->first = xrealloc(NULL, c->nn * sizeof *c->first);
	for (size_t i = 0; i < c->nn; i++) {
		c->first[i] = c->nh;
		c->nh += c->nodes[i]->nholds;
	}
	c->kids = calloc(c->nh ? c->nh : 1, sizeof *c->kids);
	c->entries = calloc(c->nh ? c->nh : 1, sizeof *c->entries);
	if (!c->kids || !c->entries)
		abort();
}

/* Each edge leads from its parent to a child starting with its page, and
 * is the one a look-up finds; the children's count and only child. */
static const char *check_edges(const Tree *t, const Census *c)
{
	uint32_t *kids = calloc(c->nn, sizeof *kids);
	if (!kids)
		abort();
	const char *err = NULL;
	for (size_t i = 0; i < t->edges.cap && !err; i++) {
		const Edge *e = &t->edges.slot[i];
		const Node *x = e->child;
		if (!x)
			continue;
		int64_t p = node_index(c, x->parent);
		if (x == t->root || p < 0)
			err = "a child of no node in the tree";
		else if (x->parent->id != e->parent || x->len == 0 || x->key[0] != e->page)
			err = "an edge that does not lead from the parent to its first page";
		else if (edge_get(&t->edges, e->parent, e->page) != x)
			err = "two children of a node start with the same page";
		else if (x->parent->only && x->parent->only != x)
			err = "a node's only child is not its child";
		else
			kids[p]++;
	}
	for (size_t i = 0; i < c->nn && !err; i++) {
		const Node *x = c->nodes[i];
		if (kids[i] != x->nkids)
			err = "a node's count of children is wrong";
		else if (x->only && (x->nkids != 1 || x->only_page != x->only->key[0]))
			err = "a node keeps an only child it does not have";
	}
	free(kids);
	return err;
}

/* One node: its pages and tenants, that it hangs from the root, and that
 * each of its tenants holds its parent too, no less recently (counting,
 * per hold of the parent, the children with its tenant). */
static const char *check_node(const Tree *t, Census *c, const Node *x)
{
	if (x == t->root)
		return x->len || x->nholds || x->parent ? "the root has pages, tenants or a parent" : NULL;
	if (x->len == 0 || x->nholds == 0)
		return "a node with no pages or no tenants";
	size_t up = 0;
	for (const Node *y = x; y != t->root; y = y->parent)
		if (++up > c->nn)
			return "a node that does not hang from the root";
	for (uint32_t i = 0; i < x->nholds; i++) {
		const Hold *h = &x->holds[i];
		if (h->tenant >= t->n)
			return "a hold of no worker";
		if (i > 0 && x->holds[i - 1].tenant >= h->tenant)
			return "holds not sorted by tenant or a tenant twice";
		if (x->parent == t->root)
			continue;
		const Hold *ph = hold_of(x->parent, h->tenant);
		if (!ph)
			return "a tenant at a child but not at its parent";
		if (ph->last < h->last)
			return "a tenant used a child later than its parent";
		c->kids[hold_index(c, x->parent, h->tenant)]++;
	}
	return NULL;
}

/* Tenant w's heap: in heap order, each entry the one of a hold of w on
 * a node of the tree, keyed no later than the hold. */
static const char *check_heap(const Tree *t, Census *c, uint32_t w)
{
	const Tenant *tn = &t->tenants[w];
	for (size_t i = 0; i < tn->nheap; i++) {
		const Entry *e = &tn->heap[i];
		if (i > 0 && ent_less(e, &tn->heap[(i - 1) / 2]))
			return "a tenant's heap is out of order";
		int64_t k = hold_index(c, e->node, w);
		if (k < 0)
			return "a heap entry for no hold of its tenant";
		const Hold *h = hold_of(e->node, w);
		if (!h->queued || e->id != e->node->id || e->last > h->last)
			return "a heap entry not queued, or newer than its hold";
		c->entries[k]++;
	}
	return NULL;
}

/* Per hold: its count of children and its heap entries (one if queued,
 * which every leaf is); per tenant: its pages, within the capacity. */
static const char *check_holds(const Tree *t, const Census *c)
{
	uint64_t *pages = calloc(t->n, sizeof *pages);
	if (!pages)
		abort();
	const char *err = NULL;
	for (size_t i = 0; i < c->nn && !err; i++) {
		const Node *x = c->nodes[i];
		for (uint32_t j = 0; j < x->nholds && !err; j++) {
			const Hold *h = &x->holds[j];
			size_t k = c->first[i] + j;
			pages[h->tenant] += x->len;
			if (c->kids[k] != h->kids)
				err = "a hold's count of children is wrong";
			else if (c->entries[k] != h->queued)
				err = "a hold queued but not in the heap, or twice";
			else if (h->kids == 0 && !h->queued)
				err = "a leaf of a tenant is not in its heap";
		}
	}
	for (uint32_t w = 0; w < t->n && !err; w++) {
		if (pages[w] != t->tenants[w].pages)
			err = "a tenant's page count is not the sum of its nodes";
		else if (pages[w] > t->cap)
			err = "a tenant holds more pages than the capacity";
	}
	free(pages);
	return err;
}

static const char *tree_check(const Tree *t)
{
	Census c;
	census_take(t, &c);
	const char *err = check_edges(t, &c);
	for (size_t i = 0; i < c.nn && !err; i++)
		err = check_node(t, &c, c.nodes[i]);
	for (uint32_t w = 0; w < t->n && !err; w++)
		err = check_heap(t, &c, w);
	if (!err)
		err = check_holds(t, &c);
	census_free(&c);
	return err;
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
	Tree *t = r->tree;
	uint32_t w;
	int rule;
	/* walked even when the load decides: the chosen worker records along it */
	uint64_t matched = tree_walk(t, pages, npages);
	if (imbalanced(&r->spec, load, r->n)) {
		w = argmin(load, r->n, load_requests);
		rule = RULE_BALANCE;
	} else {
		double ratio = prompt > 0 ? (double)matched * r->spec.page / prompt : 0;
		if (ratio > r->spec.cache_threshold) {
			w = walk_best(t);
			rule = RULE_CACHE;
		} else {
			w = argmin(load, r->n, load_requests);
			rule = RULE_LOAD;
		}
	}
	r->rules[rule]++;
	tree_record(t, w, pages, npages < t->cap ? npages : t->cap, now);
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
	if (spec->policy == RP_CACHE_AWARE)
		r->tree = tree_new(nworkers, tree_pages(spec));
	return r;
}

void router_free(Router *r)
{
	if (!r)
		return;
	tree_free(r->tree);
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

const char *router_check(const Router *r)
{
	return r && r->tree ? tree_check(r->tree) : NULL;
}
