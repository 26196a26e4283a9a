/* radix.h -- the prefix (KV) cache of one worker, as a radix tree of blocks.
 *
 * Models SGLang's RadixAttention cache: a request's prompt is a sequence of
 * block ids (one per page of tokens) and requests that share a prefix share
 * the cached blocks.  The tree is compressed: each node holds a run of
 * blocks; a match or insert that ends inside a node splits it so that every
 * request's prefix ends on a node boundary.  Running requests lock the path
 * to their last node; unlocked leaves are evicted in LRU or LFU order,
 * whole nodes at a time.  Eviction candidates live in a binary heap with
 * lazy re-keying (an entry whose key went stale is pushed again when it
 * surfaces), so eviction is O(log n) per node and match/insert are
 * O(length + depth * log fanout).  No pointer values and no randomness
 * decide anything: runs are reproducible bit for bit.
 *
 *                      root (len 0, never evicted, lock = max)
 *                     /                     \
 *          [a b c] lock 2, seq 0        [x y] lock 0, seq 9
 *           /            \                  \
 *   [d e] lock 1      [f] lock 0          [z] lock 0   <- evictable leaf
 *    seq 3             seq 7               seq 11
 *
 * Invariants (radix_check verifies each):
 *   - every non-root node holds len >= 1 blocks (edges are compressed runs);
 *   - no two children of a node start with the same block (children are
 *     kept sorted by first block and found by binary search);
 *   - lock counts never increase going down: parent->lock >= child->lock,
 *     because radix_lock/unlock touch the whole path up to the root;
 *   - a node is evictable when its lock count is 0; only evictable leaves
 *     are removed, so the root and every locked node stay;
 *   - radix_size == the sum of node lengths; radix_evictable == the sum of
 *     the lengths of nodes with lock 0;
 *   - every evictable leaf has an entry in the heap, whose key is never
 *     newer than the node's own (keys only grow, hence the lazy heap);
 *   - after radix_reserve(t, k) returns true, size + k <= capacity.
 *
 * Ordering.  LRU evicts the smallest (last access, seq); LFU the smallest
 * (hits, last access, seq).  seq numbers blocks in insertion order; a node's
 * seq is that of its first block (a split gives the lower part seq + split
 * length), so ties are broken by creation order, deterministically.
 *
 * Time.  `now` must be non-decreasing across calls (simulated time); a
 * node's last access is max(last, now).
 *
 * Ownership: the tree owns its nodes.  A RadixNode * returned by
 * radix_match/radix_insert stays valid until the node is evicted, so hold a
 * lock on it while using it; splits keep the node that ends at the returned
 * boundary.  Allocation failure aborts.
 */
#ifndef SGL_RADIX_H
#define SGL_RADIX_H
#include <stdbool.h>
#include <stdint.h>

typedef enum { RADIX_LRU, RADIX_LFU, RADIX_NONE } RadixPolicy;

typedef struct RadixTree RadixTree;
typedef struct RadixNode RadixNode;

/* A new empty tree; capacity_blocks 0 means unlimited.  RADIX_NONE is a
 * disabled cache: nothing is ever cached or matched. */
RadixTree *radix_new(uint64_t capacity_blocks, RadixPolicy policy);
void radix_free(RadixTree *t);

/* Length of the longest cached prefix of blocks[0..n).  Marks each node on
 * that path accessed at `now` and counts one hit on it.  A match ending
 * inside a node splits the node.  *last (if last) gets the node where the
 * match ends, the root when it is 0.  Always 0 with RADIX_NONE. */
uint64_t radix_match(RadixTree *t, const uint64_t *blocks, uint64_t n,
		     double now, RadixNode **last);

/* Caches blocks[0..n) and returns how many blocks were new.  The cached
 * part of the path is marked accessed at `now` (no hit is counted) and
 * split where it ends; new blocks form one new leaf with 0 hits.  Never
 * evicts (call radix_reserve first).  *last gets the node ending at n (the
 * root when n == 0).  Adds nothing and returns 0 with RADIX_NONE. */
uint64_t radix_insert(RadixTree *t, const uint64_t *blocks, uint64_t n,
		      double now, RadixNode **last);

/* Read-only longest cached prefix: no access marks, no split. */
uint64_t radix_peek(const RadixTree *t, const uint64_t *blocks, uint64_t n);

/* Increments (decrements) the lock count of node and of every ancestor up
 * to the root.  Unlocks must pair with earlier locks of the same node. */
void radix_lock(RadixTree *t, RadixNode *node);
void radix_unlock(RadixTree *t, RadixNode *node);

/* Evicts unlocked leaves, whole nodes, in policy order (a parent left
 * childless and unlocked becomes a candidate) until at least `want` blocks
 * are freed or nothing is evictable.  Returns the blocks freed. */
uint64_t radix_evict(RadixTree *t, uint64_t want);

uint64_t radix_size(const RadixTree *t);       /* blocks cached */
uint64_t radix_evictable(const RadixTree *t);  /* blocks with lock 0 */
uint64_t radix_capacity(const RadixTree *t);   /* 0 = unlimited */

/* Makes room for `need` more blocks under the capacity, evicting what is
 * needed, and says whether they fit.  Evicts nothing when they could not
 * fit even after evicting every unlocked block. */
bool radix_reserve(RadixTree *t, uint64_t need);

/* NULL when every invariant above holds, else a static description of the
 * first violation found. */
const char *radix_check(const RadixTree *t);

#endif
