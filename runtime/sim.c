/* sim.c -- the event loop of `simulate`: arrivals, routing, iterations,
 * completions, and the figures of a run (see sim.h).
 *
 * Events: EV_ARRIVAL with target 0 brings every source request due at
 * that instant (one event per distinct time, the next pulled lazily, so a
 * million-request workload is never held whole); with target 1 it brings
 * one session follow-up (data = its table slot).  EV_STEP_DONE (target =
 * worker) ends an iteration; the worker then schedules its next one at
 * once, or goes idle until an arrival wakes it.
 *
 * Requests in flight live in one table of SimReq slots reused through a
 * free list; workers refer to them by slot.  Finished requests are
 * summarised (stats.h), reported to the observer and freed.
 */
#include "sim.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim_int.h"
#include <stdarg.h>
#include "heapstr.h"
#include "interrupt.h"

void sim_push_u32(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*a = realloc(*a, *cap * sizeof **a);
		if (!*a) abort();
	}
	(*a)[(*n)++] = v;
}

void sim_fail(Sim *s, const char *fmt, ...)
{
	if (s->err) return;
	va_list ap;
	va_start(ap, fmt);
	s->err = heap_vprintf(fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- slots */

static uint32_t new_slot(Sim *s)
{
	if (s->nfree) return s->freel[--s->nfree];
	if (s->nreqs == s->capreqs) {
		s->capreqs = s->capreqs ? s->capreqs * 2 : 256;
		s->reqs = realloc(s->reqs, s->capreqs * sizeof *s->reqs);
		if (!s->reqs) abort();
	}
	return s->nreqs++;
}

static void free_slot(Sim *s, uint32_t i)
{
	SimReq *q = &s->reqs[i];
	request_free(&q->r);
	free(q->pages);
	free(q->dtok);
	memset(q, 0, sizeof *q);
	sim_push_u32(&s->freel, &s->nfree, &s->capfree, i);
}

/* Ids of the full pages of r's whole sequence, at `page` tokens each: the
 * request's own blocks when they are pages, else one id per page from the
 * blocks it overlaps and its offset in the first of them. */
static uint64_t *page_ids(const Request *r, uint32_t page, uint32_t *n)
{
	uint64_t total = (uint64_t)r->prompt + r->output;
	*n = (uint32_t)(total / page);
	uint64_t *ids = malloc((*n ? *n : 1) * sizeof *ids);
	if (!ids) abort();
	for (uint32_t i = 0; i < *n; i++) {
		if (r->block == page) {
			ids[i] = request_seq_block(r, i);
			continue;
		}
		uint64_t t0 = (uint64_t)i * page, t1 = t0 + page - 1;
		uint64_t h = 0;
		for (uint64_t b = t0 / r->block; b <= t1 / r->block; b++)
			h = request_id_mix(ID_PAGE, h, request_seq_block(r, (uint32_t)b));
		ids[i] = request_id_mix(ID_PAGE, h, t0 % r->block);
	}
	return ids;
}

/* ---------------------------------------------------------------- Little */

static void in_system(Sim *s, double now, int delta)
{
	s->area += (double)s->in_system * (now - s->area_t);
	s->area_t = now;
	s->in_system = (uint64_t)((int64_t)s->in_system + delta);
}

/* ---------------------------------------------------------------- steps */

/* `chained`: the step follows the group's previous one (it moves when
 * that one does); else an arrival woke an idle group (it does not). */
void sim_start_step(Sim *s, uint32_t g, double now, bool chained)
{
	if (s->gbusy[g] || s->err) return;
	uint32_t first = s->gfirst[g], dp = s->gdp[g];
	const PoolSpec *p = s->w[first].pool;
	double feat[SIM_NFEAT], agg[SIM_NFEAT] = {0}, cost[SIM_NCOST + SIM_MAX_SENS];
	double dur = -1, work[SIM_NCOST] = {0}, dslow[SIM_MAX_SENS] = {0};
	double waiting = 0, kv_used = 0;
	for (uint32_t r = 0; r < dp; r++) {
		Worker *w = &s->w[first + r];
		waiting += w->nwaiting;
		if (!worker_schedule(w, s->reqs, now, feat)) {
			kv_used += w->used;
			continue;
		}
		kv_used += w->used;
		/* the law is of a whole worker: dp ranks like this one */
		for (int k = 0; k < SIM_NFEAT; k++) {
			agg[k] += feat[k];
			feat[k] *= dp;
		}
		memset(cost, 0, sizeof cost);
		p->cost(p->cost_ud, feat, cost);
		double t = cost[COST_TIME];
		if (!(t >= 0) || !isfinite(t)) {
			sim_fail(s, "the iteration time is %g s at a batch of %g requests with %g prefill tokens: "
				 "step_time must be a finite, non-negative time", t, feat[FEAT_BATCH_SIZE], feat[FEAT_PREFILL_TOKENS]);
			return;
		}
		for (int k = COST_FLOP; k < SIM_NCOST; k++) work[k] += cost[k] / dp;
		if (t > dur) {
			dur = t;
			for (uint32_t k = 0; k < s->nsens; k++) dslow[k] = cost[SIM_NCOST + k];
		}
	}
	if (dur < 0) return;
	s->gbusy[g] = true;
	double gpus = p->gpus_per_worker;
	s->flop += gpus * work[COST_FLOP];
	s->bytes += gpus * work[COST_BYTES];
	s->net += gpus * work[COST_NET_BYTES];
	s->busy += dur;
	if (dur > 0) {
		double u = fmax(work[COST_FLOP] / (s->spec->peak_flops * dur), work[COST_BYTES] / (s->spec->peak_bw * dur));
		if (!(u >= 0)) u = 0;
		s->dyn_energy += gpus * (s->spec->tdp - s->spec->idle_power) * fmin(1, u) * dur;
	}
	s->res->iterations++;
	for (uint32_t k = 0; k < s->nsens; k++) {
		double *d = &s->dend[(size_t)g * s->nsens + k];
		*d = (chained ? *d : 0) + dslow[k];
	}
	StepRecord *sr = &s->steprec[g];
	*sr = (StepRecord){.worker = g, .start = now, .end = now + dur,
		.batch_size = (uint32_t)agg[FEAT_BATCH_SIZE], .decode_reqs = (uint32_t)agg[FEAT_DECODE_TOKENS],
		.prefill_reqs = (uint32_t)(agg[FEAT_BATCH_SIZE] - agg[FEAT_DECODE_TOKENS]),
		.waiting = (uint32_t)waiting, .prefill_tokens = agg[FEAT_PREFILL_TOKENS],
		.decode_tokens = agg[FEAT_DECODE_TOKENS], .kv_used = kv_used};
	evq_push(&s->q, now + dur, EV_STEP_DONE, g, 0);
}

void sim_on_token(void *ud, uint32_t i, double now)
{
	Sim *s = ud;
	SimReq *q = &s->reqs[i];
	if (q->generated == 1) {
		q->first_token = now;
	} else {
		double gap = now - q->last_token;
		hist_add(&s->itl, gap);
		if (gap > q->itl_max) q->itl_max = gap;
	}
	q->last_token = now;
	s->res->generated++;
	for (uint32_t k = 0; k < s->nsens; k++) {
		double d = s->dend[(size_t)s->group_of[q->worker] * s->nsens + k];
		if (q->generated == 1) q->dtok[k] = d;
		q->dtok[s->nsens + k] = d;
	}
}

static void on_done(void *ud, uint32_t i, double now)
{
	Sim *s = ud;
	sim_push_u32(&s->done, &s->ndone, &s->capdone, i);
}

static int follow_up(Sim *s, uint32_t i, double now);

/* A finished request: its figures, its session's next turn, its slot. */
void sim_complete(Sim *s, uint32_t i, double now)
{
	SimReq *q = &s->reqs[i];
	SimResult *r = s->res;
	double e2e = now - q->r.arrival, ttft = q->first_token - q->r.arrival;
	double qt = q->first_sched - q->r.arrival;
	double tpot = q->r.output > 1 ? (e2e - ttft) / (q->r.output - 1) : NAN;
	samples_add(&s->e2e, e2e);
	samples_add(&s->ttft, ttft);
	samples_add(&s->queue, qt);
	if (q->r.output > 1) samples_add(&s->tpot, tpot);
	if (ttft <= s->spec->slo_ttft && (q->r.output == 1 || tpot <= s->spec->slo_tpot)) r->slo_met++;
	r->completed++;
	r->prompt_tokens += q->r.prompt;
	r->cached_tokens += q->cached;
	r->prompt_blocks += q->r.nblocks;
	r->cached_blocks += floor((double)q->cached / q->r.block);
	r->output_tokens += q->r.output;
	r->makespan = now;
	for (uint32_t k = 0; k < s->nsens; k++) {
		double d0 = q->dtok[k], d1 = q->dtok[s->nsens + k];
		s->dsum_ttft[k] += d0;
		if (q->r.output > 1) s->dsum_tpot[k] += (d1 - d0) / (q->r.output - 1);
		s->dmakespan[k] = d1;
	}
	if (s->spec->obs.on_request) {
		RequestRecord rec = {.id = q->r.id, .worker = q->worker, .session = q->r.session,
			.turn = q->r.turn, .prompt = q->r.prompt, .output = q->r.output, .cached = q->cached,
			.retractions = q->retractions, .arrival = q->r.arrival, .queue = qt, .ttft = ttft,
			.tpot = tpot, .e2e = e2e, .itl_max = q->itl_max};
		s->spec->obs.on_request(s->spec->obs.ud, &rec);
	}
	in_system(s, now, -1);
	if (follow_up(s, i, now) < 0) return;
	free_slot(s, i);
}

static void step_done(Sim *s, uint32_t g, double now)
{
	if (s->spec->obs.on_step) s->spec->obs.on_step(s->spec->obs.ud, &s->steprec[g]);
	WorkerSink sink = {sim_on_token, on_done, pd_handoff, s};
	s->gbusy[g] = false;
	for (uint32_t r = 0; r < s->gdp[g]; r++) {
		s->ndone = 0;
		worker_finish_step(&s->w[s->gfirst[g] + r], s->reqs, now, &sink);
		for (uint32_t k = 0; k < s->ndone; k++) sim_complete(s, s->done[k], now);
	}
	sim_start_step(s, g, now, true);
	if (g >= s->gpre) pd_pump(s, g, now);
}

/* ---------------------------------------------------------------- arrivals */

/* The router's view of the workers (groups) taking arrivals. */
static uint32_t route(Sim *s, const SimReq *q, double now)
{
	/* round robin and random look at no load: skip gathering it */
	RoutePolicyKind pol = s->spec->router.policy;
	for (uint32_t g = 0; g < s->gpre && pol != RP_ROUND_ROBIN && pol != RP_RANDOM; g++) {
		s->load_tokens[g] = s->load_kv[g] = 0;
		s->load_reqs[g] = 0;
		for (uint32_t r = 0; r < s->gdp[g]; r++) {
			const Worker *w = &s->w[s->gfirst[g] + r];
			s->load_tokens[g] += w->outstanding;
			s->load_reqs[g] += w->nwaiting + w->nrunning;
			s->load_kv[g] += worker_kv_fraction(w) / s->gdp[g];
		}
	}
	RouterLoad load = {s->gpre, s->load_tokens, s->load_reqs, s->load_kv};
	/* the router sees the prompt, not the answer's pages */
	uint32_t n = q->r.prompt / s->spec->cache.page;
	return router_pick(s->router, q->pages, n < q->npages ? n : q->npages, q->r.prompt, now, &load);
}

/* Takes ownership of r: routes it to a worker, or rejects it. */
/* Returns the group it went to (the caller starts it once every request
 * of the instant is queued, so they batch together), or UINT32_MAX.
 * Inside a group, ranks take requests in turn (SGLang's DP controller
 * default, round robin). */
static uint32_t arrive(Sim *s, uint32_t slot, double now)
{
	SimReq *q = &s->reqs[slot];
	s->res->arrived++;
	double need = (double)q->r.prompt + q->r.output - 1;
	if (need > s->rank_pool[0].kv_tokens || (s->spec->disaggregated && need > s->rank_pool[1].kv_tokens)) {
		s->res->rejected++;
		free_slot(s, slot);
		return UINT32_MAX;
	}
	q->pages = page_ids(&q->r, s->spec->cache.page, &q->npages);
	q->first_sched = q->first_token = q->last_token = NAN;
	if (s->nsens) {
		q->dtok = calloc(2 * s->nsens, sizeof *q->dtok);
		if (!q->dtok) abort();
	}
	in_system(s, now, +1);
	uint32_t g = route(s, q, now);
	uint32_t rank = s->gfirst[g] + (uint32_t)(s->grr[g]++ % s->gdp[g]);
	worker_enqueue(&s->w[rank], s->reqs, slot);
	return g;
}

static void pull(Sim *s)
{
	char *err = NULL;
	int got = s->src->next(s->src->ud, &s->next, &err);
	s->have_next = got == 1;
	if (got < 0) {
		s->err = err ? err : heap_strdup("the request source failed");
	}
}

static uint32_t adopt(Sim *s, Request *r)
{
	uint32_t slot = new_slot(s);
	memset(&s->reqs[slot], 0, sizeof s->reqs[slot]);
	s->reqs[slot].r = *r;
	s->reqs[slot].state = RS_PENDING;
	memset(r, 0, sizeof *r);
	return slot;
}

static void arrivals_due(Sim *s, double now)
{
	s->nwoken = 0;
	while (s->have_next && s->next.arrival <= now && !s->err) {
		if (!(s->next.arrival >= 0) || !isfinite(s->next.arrival)) {
			sim_fail(s, "request arrival time %g s is not a finite time >= 0", s->next.arrival);
			return;
		}
		uint32_t slot = adopt(s, &s->next);
		uint32_t wi = arrive(s, slot, now);
		if (wi != UINT32_MAX && !s->woken[wi]) {
			s->woken[wi] = true;
			sim_push_u32(&s->wlist, &s->nwoken, &s->capwoken, wi);
		}
		pull(s);
	}
	for (uint32_t k = 0; k < s->nwoken; k++) {
		s->woken[s->wlist[k]] = false;
		sim_start_step(s, s->wlist[k], now, false);
	}
	if (s->have_next && !s->err) evq_push(&s->q, s->next.arrival, EV_ARRIVAL, FROM_SOURCE, 0);
}

static int follow_up(Sim *s, uint32_t i, double now)
{
	if (!s->src->follow_up) return 0;
	Request next = {0};
	char *err = NULL;
	int got = s->src->follow_up(s->src->ud, &s->reqs[i].r, now, &next, &err);
	if (got < 0) {
		s->err = err ? err : heap_strdup("the request source failed");
		return -1;
	}
	if (got == 1) {
		uint32_t slot = adopt(s, &next);
		evq_push(&s->q, s->reqs[slot].r.arrival, EV_ARRIVAL, FOLLOW_UP, slot);
	}
	return 0;
}

static bool handle(void *ud, const Event *e, EventQueue *q)
{
	Sim *s = ud;
	s->res->events++;
	if (e->kind == EV_ARRIVAL && e->target == FROM_SOURCE) arrivals_due(s, q->now);
	else if (e->kind == EV_ARRIVAL) {
		uint32_t wi = arrive(s, (uint32_t)e->data, q->now);
		if (wi != UINT32_MAX) sim_start_step(s, wi, q->now, false);
	}
	else if (e->kind == EV_STEP_DONE) step_done(s, e->target, q->now);
	else if (e->kind == EV_TRANSFER_DONE) pd_link_event(s, e->target, e->data, q->now);
	if (interrupted()) s->res->interrupted = true;   /* Ctrl-C: stop here, report so far */
	return s->err == NULL && !s->res->interrupted;
}

/* ---------------------------------------------------------------- results */

static void summarise(Sim *s, double end)
{
	SimResult *r = s->res;
	const SimSpec *sp = s->spec;
	in_system(s, end, 0);
	double T = end > 0 ? end : 1;
	r->makespan = end;
	r->queue = samples_summary(&s->queue);
	r->ttft = samples_summary(&s->ttft);
	r->tpot = samples_summary(&s->tpot);
	r->e2e = samples_summary(&s->e2e);
	r->itl = hist_summary(&s->itl);
	r->throughput_input = r->prompt_tokens / T;
	r->throughput_output = r->output_tokens / T;
	r->throughput_total = (r->prompt_tokens + r->output_tokens) / T;
	r->request_throughput = (double)r->completed / T;
	r->goodput = (double)r->slo_met / T;
	r->cache_hit_rate = r->prompt_tokens > 0 ? r->cached_tokens / r->prompt_tokens : 0;
	r->block_hit_rate = r->prompt_blocks > 0 ? r->cached_blocks / r->prompt_blocks : 0;
	r->kv_capacity = s->rank_pool[0].kv_tokens;
	double used_share = 0;
	for (uint32_t k = 0; k < s->nw; k++) {
		Worker *w = &s->w[k];
		double cap = w->pool->kv_tokens;
		worker_account(w, end);
		used_share += w->used_area / (cap * T);
		r->kv_peak = fmax(r->kv_peak, w->peak / cap);
		r->retractions += w->retractions;
		if (w->peak > cap * (1 + 1e-12)) r->kv_overflow = true;
	}
	r->kv_mean = used_share / s->nw;
	r->mean_in_system = s->area / T;
	r->arrival_rate = (double)(r->arrived - r->rejected) / T;
	double gpu_s = (double)r->gpus * T;
	r->compute_util = s->flop / (gpu_s * sp->peak_flops);
	r->bw_util = s->bytes / (gpu_s * sp->peak_bw);
	r->net_util = sp->peak_net > 0 ? s->net / (gpu_s * sp->peak_net) : 0;
	r->busy = s->busy / (T * s->ng);
	router_stats(s->router, &r->routed_by_balance, &r->routed_by_cache, &r->routed_by_load);
	pd_summarise(s, r, T);
	r->gpu_seconds = gpu_s;
	r->cost = gpu_s * sp->gpu_cost_per_s;
	r->cost_per_mtok = r->output_tokens > 0 ? r->cost / r->output_tokens * 1e6 : NAN;
	r->energy = gpu_s * sp->idle_power + s->dyn_energy;
	r->energy_per_token = r->output_tokens > 0 ? r->energy / r->output_tokens : NAN;
	r->partial = s->in_system > 0 || s->have_next || r->interrupted;
	r->nsens = s->nsens;
	for (uint32_t k = 0; k < s->nsens; k++) {
		r->d_ttft_mean[k] = r->ttft.n ? s->dsum_ttft[k] / (double)r->ttft.n : NAN;
		r->d_tpot_mean[k] = r->tpot.n ? s->dsum_tpot[k] / (double)r->tpot.n : NAN;
		r->d_makespan[k] = s->dmakespan[k];
		/* throughput = output tokens / makespan */
		r->d_throughput[k] = -r->output_tokens / (T * T) * s->dmakespan[k];
	}
}

bool sim_run(const SimSpec *spec, RequestSource *src, SimResult *out, char **err)
{
	memset(out, 0, sizeof *out);
	Sim s = {.spec = spec, .src = src, .res = out};
	uint32_t ndec = spec->disaggregated ? spec->decode.replicas : 0;
	uint32_t dpp = spec->pool.dp ? spec->pool.dp : 1, dpd = spec->decode.dp ? spec->decode.dp : 1;
	s.gpre = spec->pool.replicas;
	s.ng = s.gpre + ndec;
	s.nw = s.gpre * dpp + ndec * dpd;
	out->workers = s.ng;
	out->gpus = s.gpre * spec->pool.gpus_per_worker + ndec * spec->decode.gpus_per_worker;
	out->prefill_workers = spec->disaggregated ? s.gpre : 0;
	out->decode_workers = ndec;
	for (int k = 0; k < 2; k++) {
		PoolSpec *rp = &s.rank_pool[k];
		*rp = k ? spec->decode : spec->pool;
		uint32_t dp = k ? dpd : dpp;
		rp->kv_tokens = floor(rp->kv_tokens / dp);
		rp->chunk_size /= dp;
		rp->max_running = rp->max_running / dp ? rp->max_running / dp : 1;
	}
	s.w = calloc(s.nw, sizeof *s.w);
	s.steprec = calloc(s.ng, sizeof *s.steprec);
	s.nsens = spec->pool.nsens < SIM_MAX_SENS ? spec->pool.nsens : SIM_MAX_SENS;
	s.dend = calloc((size_t)s.ng * (s.nsens ? s.nsens : 1), sizeof *s.dend);
	s.gfirst = calloc(s.ng, sizeof *s.gfirst);
	s.gdp = calloc(s.ng, sizeof *s.gdp);
	s.grr = calloc(s.ng, sizeof *s.grr);
	s.gbusy = calloc(s.ng, sizeof *s.gbusy);
	s.group_of = calloc(s.nw, sizeof *s.group_of);
	if (!s.w || !s.steprec || !s.dend || !s.gfirst || !s.gdp || !s.grr || !s.gbusy || !s.group_of)
		abort();
	s.dcache = (CacheSpec){.policy = RADIX_NONE, .page = spec->cache.page};
	for (uint32_t g = 0, rank = 0; g < s.ng; g++) {
		bool dec = g >= s.gpre;
		s.gfirst[g] = rank;
		s.gdp[g] = dec ? dpd : dpp;
		for (uint32_t r = 0; r < s.gdp[g]; r++, rank++) {
			s.group_of[rank] = g;
			worker_init(&s.w[rank], rank, &s.rank_pool[dec], dec ? &s.dcache : &spec->cache);
		}
	}
	RouterSpec rs = spec->router;
	rs.page = spec->cache.page;
	rs.seed = spec->seed;
	s.router = router_new(&rs, s.gpre);
	s.load_tokens = calloc(s.gpre, sizeof *s.load_tokens);
	s.load_kv = calloc(s.gpre, sizeof *s.load_kv);
	s.load_reqs = calloc(s.gpre, sizeof *s.load_reqs);
	s.woken = calloc(s.ng, sizeof *s.woken);
	if (!s.router || !s.load_tokens || !s.load_kv || !s.load_reqs || !s.woken) abort();
	pd_init(&s);
	evq_init(&s.q);
	pull(&s);
	if (s.have_next) evq_push(&s.q, fmax(0, s.next.arrival), EV_ARRIVAL, FROM_SOURCE, 0);
	evq_run(&s.q, spec->horizon, handle, &s);
	double end = s.err || out->interrupted ? s.q.now : (evq_size(&s.q) ? spec->horizon : out->makespan);
	if (!s.err) summarise(&s, isfinite(end) ? end : s.q.now);
	else free(out->links), out->links = NULL, out->nlinks = 0;
	if (s.have_next) request_free(&s.next);
	for (uint32_t i = 0; i < s.nreqs; i++)
		if (s.reqs[i].state != RS_FREE) {
			request_free(&s.reqs[i].r);
			free(s.reqs[i].pages);
			free(s.reqs[i].dtok);
		}
	for (uint32_t k = 0; k < s.nw; k++) worker_free(&s.w[k]);
	pd_free(&s);
	router_free(s.router);
	free(s.load_tokens);
	free(s.load_kv);
	free(s.load_reqs);
	free(s.woken);
	free(s.wlist);
	free(s.gfirst);
	free(s.gdp);
	free(s.grr);
	free(s.gbusy);
	free(s.group_of);
	free(s.w);
	free(s.steprec);
	free(s.dend);
	free(s.reqs);
	free(s.freel);
	free(s.done);
	samples_free(&s.queue);
	samples_free(&s.ttft);
	samples_free(&s.tpot);
	samples_free(&s.e2e);
	hist_free(&s.itl);
	evq_free(&s.q);
	if (s.err) {
		*err = s.err;
		return false;
	}
	return true;
}

void sim_result_free(SimResult *r)
{
	free(r->links);
	r->links = NULL;
	r->nlinks = 0;
}
