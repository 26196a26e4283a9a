/* sim_deploy.c -- the deployment side of a `simulate`: worker pools (one
 * colocated pool, or prefill and decode pools), their KV pool sizes, the
 * cache and router settings, prices and peaks, and the expressions of the
 * simulator's stdlib (metrics.sgl) evaluated for them.
 */
#include "sim_int.h"
#include <math.h>
#include <string.h>
#include "lang/parse.h"

/* ---------------------------------------------------------------- library */

/* An expression of the simulator's stdlib (metrics.sgl), parsed and
 * checked in that module. */
AstNode *sim_lib_expr(SimRead *r, const char *text, bool batch)
{
	Program *p = r->s->prog;
	if (!p->simlib) {
		r->ok = false;
		diag_error(r->s->d, r->at, "the stdlib module 'metrics' is not available to simulate with");
		return NULL;
	}
	uint32_t f = source_add(&p->sources, "<simulate>", NULL, text, strlen(text));
	AstNode *e = parse_expr(r->s->ar, r->s->d, f);
	Dim d;
	if (!e || !sema_check_expr_in(r->s, p->simlib, e, batch, &d)) {
		r->ok = false;
		return NULL;
	}
	return e;
}

double sim_lib_num(SimRead *r, const char *text)
{
	AstNode *e = sim_lib_expr(r, text, false);
	if (!e) return NAN;
	EvalEnv env = {.sema = r->s, .mod = r->s->prog->simlib, .ctx = r->ctx};
	Value v = value_eval(&env, e);
	if (v.k == V_NUM) return v.num;
	r->ok = false;
	diag_error(r->s->d, r->at, "simulate cannot compute %s: %s", text,
		   v.k == V_NONE && v.str ? v.str : "not a number");
	return NAN;
}


/* ---------------------------------------------------------------- spec */

static SchedPolicy sched_policy(const char *w)
{
	if (w && !strcmp(w, "lpm")) return SCHED_LPM;
	if (w && !strcmp(w, "priority")) return SCHED_PRIORITY;
	return SCHED_FCFS;
}

static void read_cache(SimRead *r, SimSpec *sp)
{
	const Value *d = &r->ctx[REC_deployment];
	Value c = sim_rec(r, d, "cache");
	sp->cache.policy = RADIX_LRU;
	sp->cache.page = 16;
	if (c.k != V_REC) return;
	const char *pol = sim_word(r, &c, "policy");
	sp->cache.policy = pol && !strcmp(pol, "lfu") ? RADIX_LFU : pol && !strcmp(pol, "none") ? RADIX_NONE : RADIX_LRU;
	double page = sim_num(r, &c, "page", false, 16);
	if (r->ok && (page < 1 || page != floor(page) || page > 1e6)) {
		r->ok = false;
		diag_error(r->s->d, r->at, "the cache page must be a whole number of tokens from 1 to 1000000 (got %g)", page);
	}
	sp->cache.page = r->ok ? (uint32_t)page : 16;
	const char *cap = sim_word(r, &c, "capacity");
	if (cap && !strcmp(cap, "unlimited")) sp->cache.unlimited = true;
	else if (!cap) sp->cache.capacity = sim_num(r, &c, "capacity", false, 0);
}

static RoutePolicyKind route_kind(const char *w)
{
	if (!w || !strcmp(w, "round_robin")) return RP_ROUND_ROBIN;
	if (!strcmp(w, "shortest_queue")) return RP_SHORTEST_QUEUE;
	if (!strcmp(w, "random")) return RP_RANDOM;
	if (!strcmp(w, "cache_aware")) return RP_CACHE_AWARE;
	return RP_LEAST_KV;
}

/* router { policy; cache_threshold; balance_abs; balance_rel;
 * max_tree_size; decode_policy } (defaults: sgl-router's). */
static void read_router(SimRead *r, SimSpec *sp)
{
	Value rt = sim_rec(r, &r->ctx[REC_deployment], "router");
	sp->router = (RouterSpec){.policy = RP_ROUND_ROBIN, .cache_threshold = 0.3, .balance_abs = 64,
				  .balance_rel = 1.5, .max_tree_tokens = 4194304};
	sp->decode_route = RP_ROUND_ROBIN;
	if (rt.k != V_REC) return;
	sp->router.policy = route_kind(sim_word(r, &rt, "policy"));
	sp->router.cache_threshold = sim_num(r, &rt, "cache_threshold", false, 0.3);
	sp->router.balance_abs = sim_num(r, &rt, "balance_abs", false, 64);
	sp->router.balance_rel = sim_num(r, &rt, "balance_rel", false, 1.5);
	sp->router.max_tree_tokens = sim_num(r, &rt, "max_tree_size", false, 4194304);
	sp->decode_route = route_kind(sim_word(r, &rt, "decode_policy"));
}

/* One pool of workers: the deployment itself (colocated) or its prefill
 * or decode block; `side` names it in stdlib expressions. */
static void read_pool(SimRead *r, const Value *pv, const char *side, WorkerRole role, PoolSpec *p)
{
	p->role = role;
	p->dp = (uint32_t)sim_count(r, pv, "dp", false, 1, 1, SIM_MAX_GPUS);
	p->replicas = (uint32_t)sim_count(r, pv, "replicas", false, 1, 1, SIM_MAX_WORKERS);
	/* a worker is a TP group; DP-attention ranks and EP groups live inside it */
	double tp = sim_count(r, pv, "tp", false, 1, 1, SIM_MAX_GPUS), dp = p->dp;
	double ep = sim_count(r, pv, "ep", false, 1, 1, SIM_MAX_GPUS);
	if (r->ok && (fmod(tp, dp) != 0 || fmod(tp, ep) != 0)) {
		diag_error(r->s->d, r->at, "%s: dp (%g) and ep (%g) must divide tp (%g): a worker is a TP group of tp GPUs "
			   "whose attention runs in dp ranks and whose experts split over ep", side, dp, ep, tp);
		r->ok = false;
	}
	p->gpus_per_worker = (uint32_t)tp;
	p->chunk_size = sim_num(r, pv, "chunk_size", false, 0);
	p->max_prefill_tokens = sim_num(r, pv, "max_prefill_tokens", false, 0);
	p->max_running = (uint32_t)sim_count(r, pv, "max_running", false, 1, 1, SIM_MAX_COUNT);
	p->new_token_ratio = sim_num(r, pv, "new_token_ratio", false, 0.7);
	p->policy = sched_policy(sim_word(r, pv, "schedule_policy"));
	if (!r->ok) return;
	p->kv_tokens = floor(sim_lib_num(r, arena_printf(r->s->ar, "sim_kv_tokens(%s)", side)));
	if (r->ok && !(p->kv_tokens >= 1)) {
		double mem = sim_lib_num(r, arena_printf(r->s->ar, "gpu.mem * %s.mem_fraction", side));
		double wts = sim_lib_num(r, arena_printf(r->s->ar, "weights_per_gpu(%s)", side));
		double act = sim_lib_num(r, arena_printf(r->s->ar, "activation_bytes(%s)", side));
		const char *which = role == ROLE_PREFILL ? " on the prefill workers" : role == ROLE_DECODE ? " on the decode workers" : "";
		diag_error(r->s->d, r->at,
			   "the model does not fit%s: gpu.mem x mem_fraction = %.2f GiB per GPU, weights / tp = %.2f GiB "
			   "and activations %.2f GiB leave no room for the KV cache", which, mem / 1073741824.0,
			   wts / 1073741824.0, act / 1073741824.0);
		r->ok = false;
	}
}

/* ---------------------------------------------------------------- placement */

/* Workers onto GPUs, in order (colocated or prefill workers, then decode
 * workers): a worker that fits in a node never straddles two (it starts
 * on the next node when the current one has too few GPUs left); a larger
 * one takes whole nodes.  The `gpu = G` shorthand has as many nodes of 8
 * as needed; a cluster's nodes are a limit. */
static bool place(SimRead *r, SimSpec *sp, SimPlacement *pl)
{
	const Value *c = &r->ctx[REC_cluster];
	bool cluster = c->k == V_REC;
	pl->gpus_per_node = cluster ? (uint32_t)sim_count(r, c, "gpus_per_node", false, 8, 1, SIM_MAX_GPUS) : 8;
	uint32_t limit = cluster ? (uint32_t)sim_count(r, c, "nodes", false, 1, 1, SIM_MAX_COUNT) : UINT32_MAX;
	if (!r->ok) return false;
	uint32_t np = sp->pool.replicas, nd = sp->disaggregated ? sp->decode.replicas : 0;
	pl->nworkers = np + nd;
	pl->node_of = arena_alloc(r->s->ar, (pl->nworkers + 1) * sizeof *pl->node_of);
	pl->first_gpu = arena_alloc(r->s->ar, (pl->nworkers + 1) * sizeof *pl->first_gpu);
	uint32_t gpn = pl->gpus_per_node ? pl->gpus_per_node : 1;
	uint64_t gpus = 0, node = 0, slot = 0;   /* 64 bits: checked before narrowing */
	for (uint32_t k = 0; k < pl->nworkers; k++) {
		uint32_t g = k < np ? sp->pool.gpus_per_worker : sp->decode.gpus_per_worker;
		gpus += g;
		if (g <= gpn) {
			if (slot + g > gpn) node++, slot = 0;
		} else if (slot > 0) {
			node++, slot = 0;
		}
		if ((node + (g + gpn - 1) / gpn + 1) * gpn > UINT32_MAX) {
			diag_error(r->s->d, r->at, "deployment '%s' needs more GPUs than the simulator can number "
				   "(2^32, counting whole nodes of %u) (doc/limits.md)",
				   r->ctx[REC_deployment].rec->name ? r->ctx[REC_deployment].rec->name : "", gpn);
			return r->ok = false;
		}
		pl->node_of[k] = (uint32_t)node;
		pl->first_gpu[k] = (uint32_t)(node * gpn + slot);
		if (g <= gpn) slot += g;
		else node += (g + gpn - 1) / gpn;
	}
	pl->nodes = (uint32_t)(slot > 0 ? node + 1 : node);
	if (cluster && pl->nodes > limit) {
		diag_error(r->s->d, r->at,
			   "deployment '%s' needs %llu GPUs on %u nodes of %u (workers never straddle a node), "
			   "but cluster '%s' has %u node%s (%llu GPUs)",
			   r->ctx[REC_deployment].rec->name ? r->ctx[REC_deployment].rec->name : "",
			   (unsigned long long)gpus, pl->nodes, gpn, c->rec->name ? c->rec->name : "(inline)",
			   limit, limit == 1 ? "" : "s", (unsigned long long)limit * gpn);
		return r->ok = false;
	}
	sp->node_of = pl->node_of;
	return true;
}

/* ---------------------------------------------------------------- KV transfer */

static void read_link(SimRead *r, const Value *l, double *bw, double *lat, const char **name)
{
	*bw = sim_num(r, l, "bw", false, 0);
	*lat = sim_num(r, l, "latency", false, 0);
	*name = l->rec && l->rec->name ? l->rec->name : "(inline link)";
}

static void read_kv_transfer(SimRead *r, SimSpec *sp, const SimPlacement *pl)
{
	KvTransferSpec *kv = &sp->kv;
	Value kt = sim_rec(r, &r->ctx[REC_deployment], "kv_transfer");
	kv->bytes_per_token = sim_lib_num(r, "model.kv_bytes_per_token * 1 tok");
	kv->max_inflight = 64;
	kv->exposed = 1;
	Value forced = value_none("");
	if (kt.k == V_REC) {
		kv->max_inflight = (uint32_t)sim_count(r, &kt, "max_inflight", false, 64, 1, SIM_MAX_COUNT);
		if (sim_num(r, &kt, "chunked", false, 0)) kv->exposed = 1 / sim_lib_num(r, "model.layers");
		kv->send_cached = sim_num(r, &kt, "send_cached", false, 0) != 0;
		forced = sim_rec(r, &kt, "link");
	}
	if (forced.k == V_REC) {
		read_link(r, &forced, &kv->intra_bw, &kv->intra_latency, &kv->intra_name);
		read_link(r, &forced, &kv->inter_bw, &kv->inter_latency, &kv->inter_name);
		return;
	}
	const Value *c = &r->ctx[REC_cluster];
	Value intra = c->k == V_REC ? sim_rec(r, c, "intra") : sim_rec(r, &r->ctx[REC_gpu], "nvlink");
	Value inter = c->k == V_REC ? sim_rec(r, c, "inter") : value_none("");
	if (intra.k == V_REC) read_link(r, &intra, &kv->intra_bw, &kv->intra_latency, &kv->intra_name);
	if (inter.k == V_REC) {
		read_link(r, &inter, &kv->inter_bw, &kv->inter_latency, &kv->inter_name);
	} else if (pl->nodes > 1 && r->ok) {
		diag_error(r->s->d, r->at, "the deployment spans %u nodes, so KV transfers cross nodes: give it a "
			   "cluster with an inter-node link (cluster { ...; inter = ib_ndr }) or kv_transfer { link = ... }",
			   pl->nodes);
		r->ok = false;
	}
	if (intra.k != V_REC && r->ok) {
		diag_error(r->s->d, r->at, "the KV transfers need a link: give the gpu an nvlink or kv_transfer { link = ... }");
		r->ok = false;
	}
}

bool sim_deploy_read(SimRead *r, SimSpec *sp, SimPlacement *pl)
{
	const Value *d = &r->ctx[REC_deployment];
	if (r->ctx[REC_gpu].k != V_REC || r->ctx[REC_model].k != V_REC) {
		diag_error(r->s->d, r->at, "deployment '%s' needs a model and a gpu (or a cluster) to simulate",
			   d->rec->name ? d->rec->name : "");
		return r->ok = false;
	}
	const char *mode = sim_word(r, d, "mode");
	sp->disaggregated = mode && !strcmp(mode, "disaggregated");
	if (sp->disaggregated) {
		Value pv = sim_rec(r, d, "prefill"), dv = sim_rec(r, d, "decode");
		read_pool(r, &pv, "deployment.prefill", ROLE_PREFILL, &sp->pool);
		read_pool(r, &dv, "deployment.decode", ROLE_DECODE, &sp->decode);
	} else {
		read_pool(r, d, "deployment", ROLE_COLOCATED, &sp->pool);
	}
	read_cache(r, sp);
	read_router(r, sp);
	if (!r->ok || !place(r, sp, pl)) return false;
	if (sp->disaggregated) read_kv_transfer(r, sp, pl);
	Value slo = sim_rec(r, &r->ctx[REC_workload], "slo");
	sp->slo_ttft = sp->slo_tpot = INFINITY;
	if (slo.k == V_REC) {
		sp->slo_ttft = sim_num(r, &slo, "ttft", true, INFINITY);
		sp->slo_tpot = sim_num(r, &slo, "tpot", true, INFINITY);
	}
	const Value *g = &r->ctx[REC_gpu];
	sp->gpu_cost_per_s = sim_num(r, g, "cost", true, 0);
	sp->tdp = sim_num(r, g, "tdp", true, 0);
	sp->idle_power = sim_num(r, g, "idle_power", true, 0);
	sp->peak_bw = sim_num(r, g, "mem_bw", false, 1);
	sp->peak_flops = sim_lib_num(r, "sim_peak_flops()");
	sp->peak_net = sim_lib_num(r, "gpu.nvlink.bw");
	return r->ok;
}
