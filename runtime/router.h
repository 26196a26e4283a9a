/* router.h -- how requests are routed to workers: round robin, shortest
 * queue, random, and SGLang's cache-aware router; and how finished
 * prefills are routed to decode workers.
 *
 * Cache-aware routing (sgl-router's cache_aware policy, as the issue
 * states it): the router keeps, per worker, an approximate radix tree of
 * the pages it routed there (LRU-evicted beyond max_tree_size tokens;
 * the router never sees the workers' real caches).
 * For a request:
 *   1. if the load is imbalanced -- max - min outstanding requests >
 *      balance_abs and max > balance_rel x min -- route to the least
 *      loaded worker;
 *   2. else find the worker whose tree matches the longest prefix of the
 *      request's pages; if matched tokens / prompt tokens > cache_threshold
 *      route there;
 *   3. else route to the least loaded worker (fewest outstanding requests,
 *      then the lowest index).
 * The chosen worker's tree then records the request's pages.
 * The trees are kept as one shared radix tree whose nodes record which
 * workers hold them, as sgl-router keeps them (router.c): a worker's
 * tree is the part of it that the worker holds, and a request's path is
 * walked once for all workers.
 *
 * Other policies: round_robin (0, 1, 2, ...), shortest_queue (fewest
 * outstanding tokens, then lowest index), random (uniform, from the
 * RNG_ROUTER stream of the seed).  Decode policies: round_robin,
 * shortest_queue (fewest outstanding tokens), least_kv (lowest KV pool
 * usage fraction).
 *
 * Ownership: a Router owns its trees and random stream (router_free).
 */
#ifndef SGL_ROUTER_H
#define SGL_ROUTER_H
#include <stdbool.h>
#include <stdint.h>

typedef enum RoutePolicyKind {
	RP_ROUND_ROBIN, RP_SHORTEST_QUEUE, RP_RANDOM, RP_CACHE_AWARE, RP_LEAST_KV
} RoutePolicyKind;

typedef struct RouterSpec {
	RoutePolicyKind policy;
	double cache_threshold;   /* fraction */
	double balance_abs;       /* requests */
	double balance_rel;       /* ratio */
	double max_tree_tokens;   /* per worker tree */
	uint32_t page;            /* tokens per page of the pages given */
	uint64_t seed;
} RouterSpec;

/* What the router may look at, per worker (index 0..n-1). */
typedef struct RouterLoad {
	uint32_t n;
	const double *outstanding_tokens;
	const uint32_t *outstanding_requests;
	const double *kv_fraction;
} RouterLoad;

typedef struct Router Router;

Router *router_new(const RouterSpec *spec, uint32_t nworkers);
void router_free(Router *r);
/* The worker for a request whose prompt is `prompt` tokens and whose
 * full pages are pages[0..npages). `now` orders the trees' LRU. */
uint32_t router_pick(Router *r, const uint64_t *pages, uint32_t npages, uint32_t prompt,
		     double now, const RouterLoad *load);
/* Share of requests the cache-aware policy routed by each rule (for the
 * report): by imbalance, by cache match, by load. */
void router_stats(const Router *r, uint64_t *by_balance, uint64_t *by_cache, uint64_t *by_load);
/* NULL when the cache-aware tree keeps every invariant listed at the top
 * of router.c (and always for the other policies, or no router), else a
 * static description of the first violation found: among them, no worker
 * holds more than floor(max_tree_tokens / page) pages, and a worker
 * holding a node holds its parent.  For tests: it takes O(s log s) time
 * and O(s) memory for a tree of s nodes. */
const char *router_check(const Router *r);
#endif
