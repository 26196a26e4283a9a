/* worker.c -- the scheduler of one colocated worker (see worker.h).
 *
 * The constants below are SGLang's, as we read its scheduler (v0.4-0.5):
 * CLIP_MAX_NEW is SGLANG_CLIP_MAX_NEW_TOKENS_ESTIMATION (4096), the cap on
 * the output length a request is assumed to still need when reserving
 * decode room; LPM_MAX_QUEUE is the queue length above which the
 * longest-prefix policy falls back to fcfs (schedule_policy.py, 128);
 * the new-token ratio decays over RATIO_DECAY_STEPS (600) iterations to
 * RATIO_MIN_FACTOR (0.14) x its initial value, and a retraction sets it
 * from RETRACT_STEPS (20) decode steps per running request.
 */
#include "worker.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CLIP_MAX_NEW = 4096, LPM_MAX_QUEUE = 128, RATIO_DECAY_STEPS = 600, RETRACT_STEPS = 20 };
static const double RATIO_MIN_FACTOR = 0.14;
static const uint32_t NONE_IDX = UINT32_MAX;

static void push(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*a = realloc(*a, *cap * sizeof **a);
		if (!*a) abort();
	}
	(*a)[(*n)++] = v;
}

void worker_init(Worker *w, uint32_t id, const PoolSpec *pool, const CacheSpec *cache)
{
	memset(w, 0, sizeof *w);
	w->id = id;
	w->role = pool->role;
	w->pool = pool;
	w->cache = cache;
	w->tree_in_pool = !cache->unlimited;
	uint64_t cap = 0;
	if (!cache->unlimited && cache->capacity > 0)
		cap = (uint64_t)fmax(1, floor(cache->capacity / cache->page));
	w->tree = radix_new(cap, cache->policy);
	w->chunked = NONE_IDX;
	w->ratio = pool->new_token_ratio;
}

void worker_free(Worker *w)
{
	radix_free(w->tree);
	free(w->waiting);
	free(w->running);
	free(w->batch);
	memset(w, 0, sizeof *w);
}

void worker_account(Worker *w, double now)
{
	if (now > w->last_t) {
		w->used_area += w->used * (now - w->last_t);
		w->last_t = now;
	}
}

static void set_used(Worker *w, double used)
{
	w->used = used;
	if (used > w->peak) w->peak = used;
}

/* ---------------------------------------------------------------- queues */

/* fcfs order: arrival, then id. */
static bool before(const SimReq *a, const SimReq *b)
{
	if (a->r.arrival != b->r.arrival) return a->r.arrival < b->r.arrival;
	return a->r.id < b->r.id;
}

static void insert_waiting(Worker *w, SimReq *reqs, uint32_t i)
{
	push(&w->waiting, &w->nwaiting, &w->capwaiting, i);
	uint32_t lo = 0, hi = w->nwaiting - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (before(&reqs[i], &reqs[w->waiting[mid]])) hi = mid; else lo = mid + 1;
	}
	memmove(w->waiting + lo + 1, w->waiting + lo, (w->nwaiting - 1 - lo) * sizeof *w->waiting);
	w->waiting[lo] = i;
}

void worker_enqueue(Worker *w, SimReq *reqs, uint32_t i)
{
	SimReq *q = &reqs[i];
	q->state = RS_WAITING;
	q->worker = w->id;
	q->target = q->r.prompt;
	w->outstanding += (double)q->r.prompt + (w->role == ROLE_PREFILL ? 0 : q->r.output);
	insert_waiting(w, reqs, i);
}

static void remove_running(Worker *w, uint32_t i)
{
	for (uint32_t k = 0; k < w->nrunning; k++)
		if (w->running[k] == i) {
			memmove(w->running + k, w->running + k + 1, (w->nrunning - k - 1) * sizeof *w->running);
			w->nrunning--;
			return;
		}
}

/* ---------------------------------------------------------------- KV pool */

static double evictable(const Worker *w)
{
	return w->tree_in_pool ? (double)radix_evictable(w->tree) * w->cache->page : 0;
}

/* Evicts unlocked cache until `need` tokens are free; whether they are. */
static bool make_room(Worker *w, double need)
{
	double free_tokens = w->pool->kv_tokens - w->used;
	if (free_tokens >= need) return true;
	if (!w->tree_in_pool) return false;
	uint64_t want = (uint64_t)ceil((need - free_tokens) / w->cache->page);
	uint64_t got = radix_evict(w->tree, want);
	set_used(w, w->used - (double)got * w->cache->page);
	return w->pool->kv_tokens - w->used >= need;
}

static void alloc(Worker *w, SimReq *q, double k)
{
	q->priv += k;
	set_used(w, w->used + k);
}

static void release(Worker *w, SimReq *q)
{
	set_used(w, w->used - q->priv);
	q->priv = 0;
	if (q->lock) {
		radix_unlock(w->tree, q->lock);
		q->lock = NULL;
	}
}

/* Remaining output a request is expected to still need room for. */
static double still_needs(const SimReq *q, double ratio)
{
	double left = (double)q->r.output - q->generated;
	return fmin(left, CLIP_MAX_NEW) * ratio;
}

/* ---------------------------------------------------------------- retraction */

static void retract(Worker *w, SimReq *reqs, uint32_t i)
{
	SimReq *q = &reqs[i];
	release(w, q);
	remove_running(w, i);
	if (w->chunked == i) w->chunked = NONE_IDX;
	w->outstanding += q->prefilled;
	q->prefilled = 0;
	q->chunk = 0;
	q->decoding = false;
	q->state = RS_WAITING;
	q->target = q->r.prompt + q->generated;
	q->retractions++;
	w->retractions++;
	insert_waiting(w, reqs, i);
}

/* SGLang's ratio after a retraction: the decode steps the survivors are
 * expected to run over what they may still generate. */
static void ratio_after_retract(Worker *w, SimReq *reqs)
{
	double decoded = 0, budget = 0;
	for (uint32_t k = 0; k < w->nrunning; k++) {
		const SimReq *q = &reqs[w->running[k]];
		decoded += q->generated;
		budget += q->r.output;
	}
	double r = budget > 0 ? (decoded + RETRACT_STEPS * (double)w->nrunning) / budget : 1;
	w->ratio = fmin(1, fmax(r, w->pool->new_token_ratio * RATIO_MIN_FACTOR));
}

static bool is_decode(const SimReq *q)
{
	return q->prefilled == q->target && q->generated < q->r.output;
}

/* Gives every decode one token of room, retracting the youngest running
 * requests until it fits. */
static void decode_room(Worker *w, SimReq *reqs)
{
	bool retracted = false;
	for (;;) {
		uint32_t n = 0;
		for (uint32_t k = 0; k < w->nrunning; k++) n += is_decode(&reqs[w->running[k]]);
		if (n == 0 || make_room(w, n)) {
			if (retracted) ratio_after_retract(w, reqs);
			return;
		}
		/* the youngest: the largest admission number */
		uint32_t victim = w->running[0];
		for (uint32_t k = 1; k < w->nrunning; k++)
			if (reqs[w->running[k]].admit_seq > reqs[victim].admit_seq) victim = w->running[k];
		retract(w, reqs, victim);
		retracted = true;
	}
}

/* ---------------------------------------------------------------- admission */

typedef struct Budget {
	double chunk;     /* prefill tokens left this iteration */
	double total;     /* pool tokens left after the decode reservation */
} Budget;

static uint32_t prefix_pages(const Worker *w, const SimReq *q)
{
	/* at least one token is always computed (SGLang matches prompt - 1) */
	uint32_t n = (q->target - 1) / w->cache->page;
	return n < q->npages ? n : q->npages;
}

/* Schedules `chunk` tokens of q's prefill this iteration (room made). */
static bool take_chunk(Worker *w, SimReq *q, double budget)
{
	double left = (double)q->target - q->prefilled;
	uint32_t c = (uint32_t)fmin(left, floor(budget));
	if (c == 0 || !make_room(w, c)) return false;
	alloc(w, q, c);
	q->chunk = c;
	return true;
}

/* Tries to admit waiting request i; false stops admission. */
static bool admit(Worker *w, SimReq *reqs, uint32_t i, double now, Budget *b)
{
	SimReq *q = &reqs[i];
	RadixNode *node = NULL;
	uint64_t hit = 0;
	if (w->cache->policy != RADIX_NONE)
		hit = radix_match(w->tree, q->pages, prefix_pages(w, q), now, &node);
	double cached = (double)hit * w->cache->page;
	double need = (q->target - cached) + still_needs(q, w->ratio);
	if (need > b->total && w->nrunning > 0) return false;
	if (node) radix_lock(w->tree, node);
	q->lock = node;
	if (!w->tree_in_pool) alloc(w, q, cached);
	q->prefilled = (uint32_t)cached;
	if (!take_chunk(w, q, b->chunk)) {
		release(w, q);
		q->prefilled = 0;
		return false;
	}
	if (!q->counted_cache) {
		q->cached = (uint32_t)cached;
		q->counted_cache = true;
	}
	w->outstanding -= cached;
	b->total -= need;
	b->chunk -= q->chunk;
	q->state = RS_RUNNING;
	q->admit_seq = w->admit_counter++;
	if (isnan(q->first_sched)) q->first_sched = now;
	push(&w->running, &w->nrunning, &w->caprunning, i);
	if (q->prefilled + q->chunk < q->target) w->chunked = i;
	return true;
}

typedef struct Ranked {
	int64_t key;
	uint32_t at;            /* position in the waiting queue */
} Ranked;

static int by_key_desc(const void *pa, const void *pb)
{
	const Ranked *a = pa, *b = pb;
	if (a->key != b->key) return a->key > b->key ? -1 : 1;
	return (a->at > b->at) - (a->at < b->at);
}

/* order[] = waiting positions by key, largest first, ties in queue
 * (fcfs) order: a stable sort, whatever the queue's length. */
static void order_by(Ranked *r, uint32_t n, uint32_t *order)
{
	qsort(r, n, sizeof *r, by_key_desc);
	for (uint32_t k = 0; k < n; k++) order[k] = r[k].at;
}

/* lpm: longest cached prefix first; priority: larger first. */
static void order_waiting(Worker *w, SimReq *reqs, uint32_t *order)
{
	Ranked *r = malloc(w->nwaiting * sizeof *r);
	if (!r) abort();
	for (uint32_t k = 0; k < w->nwaiting; k++) {
		const SimReq *q = &reqs[w->waiting[k]];
		if (w->pool->policy == SCHED_PRIORITY)
			r[k].key = q->r.priority;
		else
			r[k].key = w->cache->policy == RADIX_NONE ? 0 :
				   (int64_t)radix_peek(w->tree, q->pages, prefix_pages(w, q));
		r[k].at = k;
	}
	order_by(r, w->nwaiting, order);
	free(r);
}

static void admit_waiting(Worker *w, SimReq *reqs, double now, Budget *b)
{
	if (!w->nwaiting || w->chunked != NONE_IDX) return;
	uint32_t *order = malloc(w->nwaiting * sizeof *order);
	if (!order) abort();
	if ((w->pool->policy == SCHED_LPM && w->nwaiting <= LPM_MAX_QUEUE) || w->pool->policy == SCHED_PRIORITY)
		order_waiting(w, reqs, order);
	else for (uint32_t k = 0; k < w->nwaiting; k++) order[k] = k;
	uint32_t taken = 0;
	for (uint32_t k = 0; k < w->nwaiting; k++) {
		if (w->nrunning >= w->pool->max_running || b->chunk < 1 || w->chunked != NONE_IDX) break;
		uint32_t i = w->waiting[order[k]];
		if (!admit(w, reqs, i, now, b)) break;
		w->waiting[order[k]] = NONE_IDX;
		taken++;
	}
	free(order);
	if (!taken) return;
	uint32_t n = 0;
	for (uint32_t k = 0; k < w->nwaiting; k++)
		if (w->waiting[k] != NONE_IDX) w->waiting[n++] = w->waiting[k];
	w->nwaiting = n;
}

/* ---------------------------------------------------------------- iteration */

bool worker_schedule(Worker *w, SimReq *reqs, double now, double *feat)
{
	worker_account(w, now);
	memset(feat, 0, SIM_NFEAT * sizeof *feat);
	w->nbatch = 0;
	decode_room(w, reqs);
	/* decode room is taken before admission sees the pool */
	for (uint32_t k = 0; k < w->nrunning; k++) {
		SimReq *q = &reqs[w->running[k]];
		if (!is_decode(q)) continue;
		alloc(w, q, 1);
		q->decoding = true;
		push(&w->batch, &w->nbatch, &w->capbatch, w->running[k]);
		feat[FEAT_DECODE_TOKENS] += 1;
		feat[FEAT_KV_TOKENS] += (double)q->r.prompt + q->generated;
	}
	Budget b = {fmin(w->pool->chunk_size, w->pool->max_prefill_tokens),
		    w->pool->kv_tokens - w->used + evictable(w)};
	for (uint32_t k = 0; k < w->nrunning; k++) b.total -= still_needs(&reqs[w->running[k]], w->ratio);
	if (w->chunked != NONE_IDX) {
		SimReq *q = &reqs[w->chunked];
		if (take_chunk(w, q, b.chunk)) b.chunk -= q->chunk;
		else b.chunk = 0;
		if (q->prefilled + q->chunk >= q->target) w->chunked = NONE_IDX;
	}
	admit_waiting(w, reqs, now, &b);
	for (uint32_t k = 0; k < w->nrunning; k++) {
		SimReq *q = &reqs[w->running[k]];
		if (!q->chunk) continue;
		double c = q->chunk, ctx = q->prefilled;
		push(&w->batch, &w->nbatch, &w->capbatch, w->running[k]);
		feat[FEAT_PREFILL_TOKENS] += c;
		feat[FEAT_ATTN_WORK] += c * (c + ctx);
		feat[FEAT_PREFILL_SQ] += c * c;
	}
	feat[FEAT_NEW_TOKENS] = feat[FEAT_PREFILL_TOKENS] + feat[FEAT_DECODE_TOKENS];
	feat[FEAT_BATCH_SIZE] = w->nbatch;
	return w->nbatch > 0;
}

/* A finished request's pages (of its first `kv` tokens) go into the
 * tree; its own KV is released. */
static void cache_and_release(Worker *w, SimReq *reqs, uint32_t i, double now, uint32_t kv)
{
	SimReq *q = &reqs[i];
	uint32_t n = kv / w->cache->page;
	if (n > q->npages) n = q->npages;
	/* release first: the pages that move into the tree never exceed the
	   request's own KV, so usage never passes the pool on the way */
	release(w, q);
	if (w->cache->policy != RADIX_NONE && n > 0) {
		/* a capped tree makes room first (the peek says how much) */
		bool room = radix_capacity(w->tree) == 0 || radix_reserve(w->tree, n - radix_peek(w->tree, q->pages, n));
		if (room) {
			uint64_t added = radix_insert(w->tree, q->pages, n, now, NULL);
			if (w->tree_in_pool) set_used(w, w->used + (double)added * w->cache->page);
		}
	}
}

static void finish(Worker *w, SimReq *reqs, uint32_t i, double now)
{
	SimReq *q = &reqs[i];
	cache_and_release(w, reqs, i, now, q->r.prompt + q->r.output - 1);
	remove_running(w, i);
	q->state = RS_DONE;
}

void worker_release_held(Worker *w, SimReq *reqs, uint32_t i, double now)
{
	worker_account(w, now);
	cache_and_release(w, reqs, i, now, reqs[i].r.prompt);
}

bool worker_reserve(Worker *w, SimReq *reqs, uint32_t i, double tokens)
{
	SimReq *q = &reqs[i];
	double room = w->pool->kv_tokens - w->used + evictable(w);
	for (uint32_t k = 0; k < w->nrunning; k++) room -= still_needs(&reqs[w->running[k]], w->ratio);
	if (w->nrunning >= w->pool->max_running) return false;
	if (tokens + still_needs(q, w->ratio) > room && w->nrunning > 0) return false;
	if (!make_room(w, tokens)) return false;
	q->reserved = tokens;
	set_used(w, w->used + tokens);
	w->outstanding += (double)q->r.output - 1;
	return true;
}

void worker_unreserve(Worker *w, SimReq *reqs, uint32_t i)
{
	SimReq *q = &reqs[i];
	set_used(w, w->used - q->reserved);
	w->outstanding -= (double)q->r.output - 1;
	q->reserved = 0;
}

void worker_adopt(Worker *w, SimReq *reqs, uint32_t i)
{
	SimReq *q = &reqs[i];
	q->worker = w->id;
	q->priv = q->reserved;
	q->reserved = 0;
	q->lock = NULL;
	q->state = RS_RUNNING;
	q->target = q->prefilled = q->r.prompt;
	q->admit_seq = w->admit_counter++;
	push(&w->running, &w->nrunning, &w->caprunning, i);
}

void worker_finish_step(Worker *w, SimReq *reqs, double now, const WorkerSink *sink)
{
	worker_account(w, now);
	bool decoded = false;
	for (uint32_t k = 0; k < w->nbatch; k++) {
		uint32_t i = w->batch[k];
		SimReq *q = &reqs[i];
		bool emits = false;
		if (q->chunk) {
			q->prefilled += q->chunk;
			w->outstanding -= q->chunk;
			q->chunk = 0;
			emits = q->prefilled == q->target;
		} else if (q->decoding) {
			q->decoding = false;
			decoded = true;
			w->outstanding -= 1;
			emits = true;
		}
		if (!emits) continue;
		if (w->role == ROLE_PREFILL) {
			/* the first token goes out with the KV (pd.c) */
			remove_running(w, i);
			if (w->chunked == i) w->chunked = NONE_IDX;
			q->state = RS_TRANSFER;
			sink->handoff(sink->ud, i, now);
			continue;
		}
		q->generated++;   /* its KV is computed by the next decode */
		sink->token(sink->ud, i, now);
		if (q->generated >= q->r.output) {
			finish(w, reqs, i, now);
			sink->done(sink->ud, i, now);
		}
	}
	if (decoded) {
		double init = w->pool->new_token_ratio, lo = init * RATIO_MIN_FACTOR;
		w->ratio = fmax(lo, w->ratio - (init - lo) / RATIO_DECAY_STEPS);
	}
	if (w->nrunning == 0) w->ratio = w->pool->new_token_ratio;
	w->nbatch = 0;
}
