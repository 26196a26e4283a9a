/* pd.c -- prefill/decode disaggregation: handoffs, decode-side transfer
 * queues, KV transfers over shared links (see sim.h and sim_int.h).
 *
 * The life of a request after its prefill (worker.c hands it off):
 *
 *   prefill worker        decode worker d                 link
 *   prefill done --> queue xq[d] (FIFO) --reserve KV--> transfer --> adopt
 *   keeps its KV ...................................... frees it here
 *
 * A decode worker starts the head of its queue when it can reserve KV
 * room for the whole prompt (and the decode room the request is expected
 * to need) and has fewer than max_inflight transfers running.  The
 * transfer carries (prompt - cached) tokens of KV, or the whole prompt
 * with send_cached, over the link between the two workers' nodes: one
 * Link per prefill worker and kind (inside a node, between nodes), its
 * bandwidth the per-GPU link's times min(gpus of the two workers), shared
 * fairly by the transfers on it.  When it lands, the first token is
 * delivered and the request decodes; a request of one output token ends
 * there.  Link events carry a version so a rescheduled one supersedes the
 * old.
 */
#include "sim_int.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint32_t ndecode(const Sim *s)
{
	return s->ng - s->gpre;
}

void pd_init(Sim *s)
{
	if (!s->spec->disaggregated) return;
	uint32_t nd = ndecode(s);
	s->xq = calloc(nd, sizeof *s->xq);
	s->nxq = calloc(nd, sizeof *s->nxq);
	s->capxq = calloc(nd, sizeof *s->capxq);
	s->inflight = calloc(nd, sizeof *s->inflight);
	s->links = calloc(2 * (size_t)s->gpre, sizeof *s->links);
	s->link_ver = calloc(2 * (size_t)s->gpre, sizeof *s->link_ver);
	if (!s->xq || !s->nxq || !s->capxq || !s->inflight || !s->links || !s->link_ver) abort();
}

void pd_free(Sim *s)
{
	if (!s->spec->disaggregated) return;
	for (uint32_t d = 0; d < ndecode(s); d++) free(s->xq[d]);
	for (uint32_t l = 0; l < 2 * s->gpre; l++)
		if (s->links[l]) link_free(s->links[l]);
	free(s->xq);
	free(s->nxq);
	free(s->capxq);
	free(s->inflight);
	free(s->links);
	free(s->link_ver);
	samples_free(&s->xfer_time);
	samples_free(&s->xfer_wait);
}

/* Node of group g (placement is per worker, i.e. per group). */
static uint32_t node_of(const Sim *s, uint32_t g)
{
	return s->spec->node_of ? s->spec->node_of[g] : 0;
}

/* A decode group's figures over its ranks. */
static double group_outstanding(const Sim *s, uint32_t g)
{
	double t = 0;
	for (uint32_t r = 0; r < s->gdp[g]; r++) t += s->w[s->gfirst[g] + r].outstanding;
	return t;
}

static double group_kv(const Sim *s, uint32_t g, double *cap)
{
	double u = 0;
	*cap = 0;
	for (uint32_t r = 0; r < s->gdp[g]; r++) {
		u += s->w[s->gfirst[g] + r].used;
		*cap += s->w[s->gfirst[g] + r].pool->kv_tokens;
	}
	return u;
}

/* ---------------------------------------------------------------- routing */

/* Tokens a decode worker has queued for transfer (not yet reserved). */
static double queued_tokens(const Sim *s, uint32_t d)
{
	double t = 0;
	for (uint32_t k = 0; k < s->nxq[d]; k++) t += s->reqs[s->xq[d][k]].r.output;
	return t;
}

static uint32_t pick_decode(Sim *s)
{
	uint32_t nd = ndecode(s), best = 0;
	switch (s->spec->decode_route) {
	case RP_SHORTEST_QUEUE: {
		double bl = INFINITY;
		for (uint32_t d = 0; d < nd; d++) {
			double l = group_outstanding(s, s->gpre + d) + queued_tokens(s, d);
			if (l < bl) bl = l, best = d;
		}
		return best;
	}
	case RP_LEAST_KV: {
		double bl = INFINITY;
		for (uint32_t d = 0; d < nd; d++) {
			double cap, used = group_kv(s, s->gpre + d, &cap);
			double l = (used + queued_tokens(s, d)) / cap;
			if (l < bl) bl = l, best = d;
		}
		return best;
	}
	default:
		return s->decode_rr++ % nd;
	}
}

/* ---------------------------------------------------------------- links */

static void link_schedule(Sim *s, uint32_t li)
{
	double t = link_next_event(s->links[li]);
	if (isfinite(t)) evq_push(&s->q, t, EV_TRANSFER_DONE, li, ++s->link_ver[li]);
}

static void start_transfer(Sim *s, uint32_t i, double now)
{
	const KvTransferSpec *kv = &s->spec->kv;
	SimReq *q = &s->reqs[i];
	uint32_t src = q->worker, dst = q->drank;
	uint32_t gs = s->group_of[src], gd = s->group_of[dst];
	bool inter = node_of(s, gs) != node_of(s, gd);
	uint32_t li = 2 * gs + (inter ? 1 : 0);
	if (!s->links[li]) {
		double g = fmin(s->w[src].pool->gpus_per_worker, s->w[dst].pool->gpus_per_worker);
		double bw = (inter ? kv->inter_bw : kv->intra_bw) * g;
		s->links[li] = link_new(bw, inter ? kv->inter_latency : kv->intra_latency);
		if (!s->links[li]) abort();
	}
	double tokens = kv->send_cached ? q->r.prompt : (double)q->r.prompt - q->cached;
	q->xfer_tokens = tokens;
	q->xfer_start = now;
	samples_add(&s->xfer_wait, now - q->handoff);
	link_start(s->links[li], now, tokens * kv->bytes_per_token * kv->exposed, i);
	link_schedule(s, li);
}

/* ---------------------------------------------------------------- queues */

/* The rank of decode group g with the most free KV (ties: the first). */
static uint32_t roomiest_rank(Sim *s, uint32_t g)
{
	uint32_t best = s->gfirst[g];
	double room = -INFINITY;
	for (uint32_t r = 0; r < s->gdp[g]; r++) {
		const Worker *w = &s->w[s->gfirst[g] + r];
		double f = w->pool->kv_tokens - w->used;
		if (f > room) room = f, best = s->gfirst[g] + r;
	}
	return best;
}

void pd_pump(Sim *s, uint32_t g, double now)
{
	uint32_t d = g - s->gpre;
	while (s->nxq[d] > 0 && s->inflight[d] < s->spec->kv.max_inflight && !s->err) {
		uint32_t i = s->xq[d][0];
		uint32_t rank = roomiest_rank(s, g);
		Worker *w = &s->w[rank];
		worker_account(w, now);
		if (!worker_reserve(w, s->reqs, i, s->reqs[i].r.prompt)) break;
		s->reqs[i].drank = rank;
		memmove(s->xq[d], s->xq[d] + 1, (s->nxq[d] - 1) * sizeof *s->xq[d]);
		s->nxq[d]--;
		s->inflight[d]++;
		start_transfer(s, i, now);
	}
}

void pd_handoff(void *ud, uint32_t i, double now)
{
	Sim *s = ud;
	SimReq *q = &s->reqs[i];
	uint32_t d = pick_decode(s);
	q->handoff = now;
	q->dworker = s->gpre + d;
	sim_push_u32(&s->xq[d], &s->nxq[d], &s->capxq[d], i);
	pd_pump(s, q->dworker, now);
}

/* The KV of request i landed on its decode worker. */
static void transfer_done(Sim *s, uint32_t i, double now)
{
	SimReq *q = &s->reqs[i];
	uint32_t src = q->worker, dst = q->drank, gd = q->dworker, d = gd - s->gpre;
	const SimObserver *ob = &s->spec->obs;
	if (ob->on_transfer) {
		uint32_t gs = s->group_of[src];
		TransferRecord t = {.id = q->r.id, .from = gs, .to = gd, .start = q->xfer_start, .end = now,
				    .tokens = q->xfer_tokens, .bytes = q->xfer_tokens * s->spec->kv.bytes_per_token,
				    .between_nodes = node_of(s, gs) != node_of(s, s->group_of[dst])};
		ob->on_transfer(ob->ud, &t);
	}
	samples_add(&s->xfer_time, now - q->xfer_start);
	s->res->transfers++;
	s->res->kv_tokens_sent += q->xfer_tokens;
	s->res->kv_bytes_sent += q->xfer_tokens * s->spec->kv.bytes_per_token;
	worker_release_held(&s->w[src], s->reqs, i, now);
	s->inflight[d]--;
	Worker *dw = &s->w[dst];
	worker_account(dw, now);
	q->worker = dst;
	q->generated++;
	sim_on_token(s, i, now);
	if (q->generated >= q->r.output) {
		worker_unreserve(dw, s->reqs, i);
		q->state = RS_DONE;
		sim_complete(s, i, now);   /* may move s->reqs */
	} else {
		worker_adopt(dw, s->reqs, i);
	}
	/* q may be gone (sim_complete frees it): only indices from here */
	sim_start_step(s, s->group_of[src], now, false);
	sim_start_step(s, gd, now, false);
	pd_pump(s, gd, now);
}

void pd_link_event(Sim *s, uint32_t li, uint64_t ver, double now)
{
	if (ver != s->link_ver[li] || !s->links[li]) return;
	uint64_t done[64];
	size_t n;
	do {
		n = link_advance(s->links[li], now, done, 64);
		for (size_t k = 0; k < n && !s->err; k++) transfer_done(s, (uint32_t)done[k], now);
	} while (n == 64 && !s->err);
	link_schedule(s, li);
}

/* ---------------------------------------------------------------- figures */

void pd_summarise(Sim *s, SimResult *r, double T)
{
	if (!s->spec->disaggregated) return;
	r->transfer_time = samples_summary(&s->xfer_time);
	r->transfer_wait = samples_summary(&s->xfer_wait);
	uint32_t n = 0;
	for (uint32_t l = 0; l < 2 * s->gpre; l++) n += s->links[l] != NULL;
	r->links = calloc(n ? n : 1, sizeof *r->links);
	if (!r->links) abort();
	for (uint32_t l = 0; l < 2 * s->gpre; l++) {
		Link *k = s->links[l];
		if (!k) continue;
		bool inter = l % 2;
		LinkStat *ls = &r->links[r->nlinks++];
		uint32_t src = l / 2;
		/* the bandwidth it was made with: per-GPU link x GPUs */
		*ls = (LinkStat){.worker = src, .inter = inter,
			.kind = inter ? s->spec->kv.inter_name : s->spec->kv.intra_name,
			.bytes = link_bytes_done(k), .busy = link_busy_time(k)};
		ls->bw = (inter ? s->spec->kv.inter_bw : s->spec->kv.intra_bw) *
			fmin(s->spec->pool.gpus_per_worker, s->spec->decode.gpus_per_worker);
		ls->utilization = T > 0 ? ls->bytes / (ls->bw * T) : 0;
	}
}
