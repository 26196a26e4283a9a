/* worker.h -- one colocated SGLang worker (a TP group): its waiting queue,
 * running batch, KV pool and radix prefix cache, and the scheduler that
 * forms each iteration.
 *
 * Every iteration (worker_schedule):
 *   1. decode room: each running request past its prefill needs one KV
 *      token; when the pool (after evicting unlocked cache) cannot give
 *      them, the youngest running requests are retracted -- KV freed,
 *      re-queued, recomputed (prompt and tokens so far) when re-admitted;
 *   2. admission: the request being chunked continues, then waiting
 *      requests in policy order (fcfs: arrival; lpm: longest cached prefix
 *      first when at most 128 wait, else fcfs, as SGLang; priority: larger
 *      first, then arrival) while running < max_running, prefill tokens <
 *      min(chunk_size, max_prefill_tokens), and the pool can hold the new
 *      tokens plus the decode room the running requests are expected to need
 *      (remaining output x new-token ratio, SGLang's PrefillAdder); a prompt
 *      larger than what is left of the chunk budget is chunked over several
 *      iterations, one chunked request at a time;
 *   3. the batch: every running decode plus the admitted prefill chunks,
 *      mixed in one iteration (SGLang with --enable-mixed-chunk; its
 *      default prefill-only batches are not modelled), with its features
 *      (sim.h FEAT_*).
 * worker_finish_step applies the iteration: chunks advance, requests whose
 * prefill completes emit their first token, decodes emit one token each.
 *
 * KV accounting, in tokens.  Pool usage = cached tokens in the tree (unless
 * the cache capacity is `unlimited`: then the tree lives outside the pool
 * and running requests hold their matched prefix too) + tokens each
 * running request computed itself.  A finished request's full pages
 * (prompt and output but the last token, whose KV is never computed) go
 * into the tree, and its private KV is released.  Chunks are not cached
 * before the request finishes.
 *
 * New-token ratio (SGLang scheduler): starts at new_token_ratio, decays
 * by (init - min) / 600 per decode iteration to min = 0.14 x init, jumps
 * after a retraction to (decoded + 20 x running) / remaining budget, capped
 * at 1, and resets to init when the worker runs empty.
 *
 * Ownership: a Worker owns its queues and tree; requests live in the
 * simulator's table (SimReq), referred to by index.
 */
#ifndef SGL_WORKER_H
#define SGL_WORKER_H
#include <stdbool.h>
#include <stdint.h>
#include "radix.h"
#include "request.h"
#include "sim.h"

typedef enum ReqState { RS_FREE, RS_PENDING, RS_WAITING, RS_RUNNING, RS_TRANSFER, RS_DONE } ReqState;

/* A request in flight (the simulator's table entry). */
typedef struct SimReq {
	Request r;
	ReqState state;
	uint32_t worker;
	uint32_t npages;        /* full pages of the whole sequence */
	uint64_t *pages;        /* their ids (page granularity) */
	uint32_t target;        /* tokens whose KV the prefill must hold */
	uint32_t prefilled;     /* of target, KV present (cached + computed) */
	uint32_t cached;        /* prompt tokens matched at the first admission */
	uint32_t chunk;         /* prefill tokens in the current iteration */
	uint32_t generated;
	bool decoding;          /* in the current iteration as a decode */
	bool counted_cache;     /* `cached` recorded */
	uint32_t retractions;
	double priv;            /* KV tokens this request holds in the pool */
	RadixNode *lock;        /* locked end of its matched prefix, or NULL */
	uint64_t admit_seq;
	double first_sched, first_token, last_token, itl_max;
	double *dtok;           /* sensitivities: d(first token)/dq_k, then d(last token)/dq_k */
	/* disaggregated: the prefill worker keeps `priv`/`lock` until the
	   transfer ends; the decode worker's reservation is `reserved` */
	uint32_t dworker;       /* decode group */
	uint32_t drank;         /* the rank of it that reserved room */
	double reserved;
	double handoff, xfer_start, xfer_tokens;
} SimReq;

typedef struct Worker {
	uint32_t id;
	WorkerRole role;
	const PoolSpec *pool;
	const CacheSpec *cache;
	RadixTree *tree;
	bool tree_in_pool;      /* cached tokens count against the KV pool */
	double used;            /* pool tokens in use */
	double peak;
	uint32_t *waiting;      /* SimReq indices, in fcfs order */
	uint32_t nwaiting, capwaiting;
	uint32_t *running;      /* admitted requests, in admission order */
	uint32_t nrunning, caprunning;
	uint32_t *batch;        /* the current iteration's requests */
	uint32_t nbatch, capbatch;
	uint32_t chunked;       /* index of the request being chunked, or UINT32_MAX */
	double ratio;
	uint64_t admit_counter;
	double outstanding;     /* tokens still to compute: routing by load */
	uint64_t retractions;
	/* time integrals */
	double last_t, used_area;
} Worker;

void worker_init(Worker *w, uint32_t id, const PoolSpec *pool, const CacheSpec *cache);
void worker_free(Worker *w);
/* Queues request `i` (already has pages). */
void worker_enqueue(Worker *w, SimReq *reqs, uint32_t i);
/* Forms the next iteration at `now`; false when there is nothing to run.
 * feat gets the batch features. */
bool worker_schedule(Worker *w, SimReq *reqs, double now, double *feat);
/* Applies the finished iteration at `now`: calls emit(ud, i, first) for
 * every token produced and done(ud, i) for every finished request (after
 * its KV is released to the tree).  */
typedef struct WorkerSink {
	void (*token)(void *ud, uint32_t i, double now);
	void (*done)(void *ud, uint32_t i, double now);
	/* a prefill worker's request whose prefill completed: it leaves the
	   running batch, keeping its KV until worker_release_held */
	void (*handoff)(void *ud, uint32_t i, double now);
	void *ud;
} WorkerSink;
void worker_finish_step(Worker *w, SimReq *reqs, double now, const WorkerSink *sink);
/* Disaggregation.  A prefill worker frees a handed-off request's KV once
 * its transfer ended (its full prompt pages go into the tree). */
void worker_release_held(Worker *w, SimReq *reqs, uint32_t i, double now);
/* A decode worker reserves room for request i's `tokens` of KV (and the
 * decode room it is expected to need); false when it has none now. */
bool worker_reserve(Worker *w, SimReq *reqs, uint32_t i, double tokens);
/* The transfer landed: request i joins the running batch as a decode. */
void worker_adopt(Worker *w, SimReq *reqs, uint32_t i);
/* A reservation given back (a request that ends at its first token). */
void worker_unreserve(Worker *w, SimReq *reqs, uint32_t i);
/* Moves the usage integral to `now`. */
void worker_account(Worker *w, double now);
/* KV pool tokens in use / capacity. */
static inline double worker_kv_fraction(const Worker *w) { return w->used / w->pool->kv_tokens; }
#endif
