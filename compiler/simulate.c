/* simulate.c -- runs `simulate D with W { seed, horizon, sensitivity }`.
 *
 * The pipeline of one statement:
 *   1. bind D and W (and a symbolic `batch` record) as contexts;
 *   2. compile the iteration cost: the deployment's step_time formula or
 *      the stdlib law batch_step_time(deployment), with the per-GPU FLOP,
 *      HBM bytes and link bytes of metrics.sgl's sim_step_* -- lowered to
 *      one DAG whose params are the batch features, simplified, compiled
 *      to bytecode and, when libgccjit works, to machine code (both tiers
 *      agree bit for bit, so the choice never changes a result);
 *   3. read the deployment into a SimSpec (KV pool = kv_capacity, a model
 *      that does not fit is an error with the numbers) and the workload into
 *      a RequestSource (sim_source.c);
 *   4. run runtime/sim.c, streaming --csv rows and --trace events;
 *   5. print the table (report.c) and keep the result for --json.
 */
#include "simulate.h"
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bytecode.h"
#include "jit.h"
#include "lang/parse.h"
#include "lower.h"
#include "sim_int.h"
#include "sim_source.h"
#include "simplify.h"

/* Feature params of the compiled cost, in FEAT_* order (runtime/sim.h). */
static const char *const feat_names[SIM_NFEAT] = {
	"batch.new_tokens", "batch.prefill_tokens", "batch.decode_tokens", "batch.batch_size",
	"batch.attn_work", "batch.kv_tokens", "batch.prefill_sq"};

enum { MAX_INPUTS = SIM_NFEAT + SIM_MAX_SENS };

/* A quantity the results are differentiated by (sensitivity). */
typedef struct SensVar {
	LowerVar v;
	double value;
	char unit[64];
} SensVar;

typedef struct StepCost {
	BcProgram *prog;
	Jit *jit;
	JitScalarFn fn;
	int input_of[MAX_INPUTS];   /* param i reads inputs[input_of[i]] */
	double inputs[MAX_INPUTS];  /* the batch features, then the quantities */
	double params[MAX_INPUTS];
} StepCost;

static void step_cost_eval(void *ud, const double *feat, double *out)
{
	StepCost *c = ud;
	memcpy(c->inputs, feat, SIM_NFEAT * sizeof *feat);
	for (uint32_t i = 0; i < c->prog->nparams; i++) c->params[i] = c->inputs[c->input_of[i]];
	if (c->fn) c->fn(c->params, out);
	else bc_eval(c->prog, c->params, out);
}

static void step_cost_free(StepCost *c)
{
	if (c->jit) jit_free(c->jit);
	if (c->prog) bc_free(c->prog);
	memset(c, 0, sizeof *c);
}

/* ---------------------------------------------------------------- library */

/* An expression of the simulator's stdlib (metrics.sgl), parsed and
 * checked in that module. */
static AstNode *lib_expr(SimRead *r, const char *text, bool batch)
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

static double lib_num(SimRead *r, const char *text)
{
	AstNode *e = lib_expr(r, text, false);
	if (!e) return NAN;
	EvalEnv env = {.sema = r->s, .mod = r->s->prog->simlib, .ctx = r->ctx};
	Value v = value_eval(&env, e);
	if (v.k == V_NUM) return v.num;
	r->ok = false;
	diag_error(r->s->d, r->at, "simulate cannot compute %s: %s", text,
		   v.k == V_NONE && v.str ? v.str : "not a number");
	return NAN;
}

/* The cost DAG: time (override or law), FLOP, bytes, link bytes, and the
 * time's derivative by each sensitivity quantity. */
static bool compile_cost(SimRead *r, StepCost *c, const char *jitmode, const SensVar *sv, int nsv)
{
	memset(c, 0, sizeof *c);
	Dag g;
	dag_init(&g);
	Lowerer L;
	lower_init(&L, r->s, &g, r->ctx);
	LowerVar vars[SIM_MAX_SENS];
	for (int k = 0; k < nsv; k++) {
		vars[k] = sv[k].v;
		c->inputs[SIM_NFEAT + k] = sv[k].value;
	}
	L.vars = vars;
	L.nvars = nsv;
	static const char *const laws[SIM_NCOST] = {
		"batch_step_time(deployment)", "sim_step_flop(deployment)",
		"sim_step_bytes(deployment)", "sim_step_net_bytes(deployment)"};
	NodeId roots[SIM_NCOST + SIM_MAX_SENS];
	FieldSource over = value_field_source(r->s, &r->ctx[REC_deployment], "step_time");
	bool ok = true;
	for (int k = 0; k < SIM_NCOST && ok; k++) {
		if (k == COST_TIME && over.expr) {
			roots[k] = lower_field_formula(&L, &r->ctx[REC_deployment], "step_time");
		} else {
			AstNode *e = lib_expr(r, laws[k], true);
			roots[k] = e ? lower_expr(&L, r->s->prog->simlib, e) : NODE_NONE;
		}
		if (roots[k] == NODE_NONE) {
			ok = false;
			if (r->ok) diag_error(r->s->d, r->at, "simulate cannot compile %s: %s",
					      k == COST_TIME && over.expr ? "the deployment's step_time" : laws[k],
					      L.why ? L.why : "unknown reason");
		}
	}
	for (int k = 0; ok && k < nsv; k++)
		roots[SIM_NCOST + k] = dag_derive(&g, roots[COST_TIME], dag_add_param(&g, sv[k].v.name, sv[k].v.dim));
	for (uint32_t i = 0; ok && i < g.nparams; i++) {
		c->input_of[i] = -1;
		for (int f = 0; f < SIM_NFEAT; f++)
			if (!strcmp(g.params[i].name, feat_names[f])) c->input_of[i] = f;
		for (int k = 0; k < nsv; k++)
			if (!strcmp(g.params[i].name, sv[k].v.name)) c->input_of[i] = SIM_NFEAT + k;
		if (c->input_of[i] < 0) {
			ok = false;
			diag_error(r->s->d, r->at, "simulate needs a value for param '%s' (fix it with -D %s=VALUE)",
				   g.params[i].name, g.params[i].name);
		}
	}
	if (ok) {
		for (int k = 0; k < SIM_NCOST + nsv; k++) roots[k] = dag_simplify(&g, roots[k]);
		c->prog = bc_compile(&g, roots, (uint32_t)(SIM_NCOST + nsv));
		if (strcmp(jitmode, "never")) {
			char *why = NULL;
			c->jit = jit_compile(c->prog, &why);
			if (c->jit) c->fn = jit_scalar(c->jit);
			else if (!strcmp(jitmode, "always"))
				fprintf(stderr, "sglsim: note: the JIT is not available (%s); using the interpreter\n",
					why ? why : "unknown reason");
			free(why);
		}
	}
	lower_free(&L);
	dag_free(&g);
	if (!ok) r->ok = false;
	return ok;
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

static bool read_spec(SimRead *r, SimSpec *sp, double *kv_tokens)
{
	const Value *d = &r->ctx[REC_deployment];
	const char *mode = sim_word(r, d, "mode");
	if (mode && !strcmp(mode, "disaggregated")) {
		diag_error(r->s->d, r->at, "simulate runs colocated deployments in this release; "
			   "prefill/decode disaggregation comes with the next one");
		return r->ok = false;
	}
	if (r->ctx[REC_gpu].k != V_REC || r->ctx[REC_model].k != V_REC) {
		diag_error(r->s->d, r->at, "deployment '%s' needs a model and a gpu (or a cluster) to simulate",
			   d->rec->name ? d->rec->name : "");
		return r->ok = false;
	}
	PoolSpec *p = &sp->pool;
	p->replicas = (uint32_t)sim_num(r, d, "replicas", false, 1);
	p->gpus_per_worker = (uint32_t)(sim_num(r, d, "tp", false, 1) * sim_num(r, d, "dp", false, 1));
	p->chunk_size = sim_num(r, d, "chunk_size", false, 0);
	p->max_prefill_tokens = sim_num(r, d, "max_prefill_tokens", false, 0);
	p->max_running = (uint32_t)sim_num(r, d, "max_running", false, 1);
	p->new_token_ratio = sim_num(r, d, "new_token_ratio", false, 0.7);
	p->policy = sched_policy(sim_word(r, d, "schedule_policy"));
	read_cache(r, sp);
	Value rt = sim_rec(r, d, "router");
	const char *route = rt.k == V_REC ? sim_word(r, &rt, "policy") : NULL;
	if (route && strcmp(route, "round_robin") && strcmp(route, "shortest_queue")) {
		diag_error(r->s->d, r->at, "router policy '%s' comes with the next release; "
			   "simulate routes round_robin or shortest_queue", route);
		return r->ok = false;
	}
	sp->route = route && !strcmp(route, "shortest_queue") ? ROUTE_SHORTEST_QUEUE : ROUTE_ROUND_ROBIN;
	*kv_tokens = floor(lib_num(r, "sim_kv_tokens(deployment)"));
	if (r->ok && !(*kv_tokens >= 1)) {
		double mem = lib_num(r, "gpu.mem * deployment.mem_fraction");
		double wts = lib_num(r, "weights_per_gpu(deployment)");
		double act = lib_num(r, "activation_bytes(deployment)");
		diag_error(r->s->d, r->at,
			   "the model does not fit: gpu.mem x mem_fraction = %.2f GiB per GPU, weights / tp = %.2f GiB "
			   "and activations %.2f GiB leave no room for the KV cache", mem / 1073741824.0,
			   wts / 1073741824.0, act / 1073741824.0);
		return r->ok = false;
	}
	p->kv_tokens = *kv_tokens;
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
	sp->peak_flops = lib_num(r, "sim_peak_flops()");
	sp->peak_net = lib_num(r, "gpu.nvlink.bw");
	return r->ok;
}

/* "gpu.flops.bf16" for a chain of field reads. */
static bool path_text(Buf *b, AstNode *e)
{
	if (e->kind == AST_NAME) {
		buf_printf(b, "%s", e->name);
		return true;
	}
	if (e->kind != AST_FIELD || !path_text(b, e->a)) return false;
	buf_printf(b, ".%s", e->name);
	return true;
}

/* One sensitivity quantity: a numeric field of a bound record. */
static bool sens_var(SimRead *r, Module *m, AstNode *e, SensVar *out)
{
	Buf b = {0};
	bool path = path_text(&b, e);
	EvalEnv env = {.sema = r->s, .mod = m, .ctx = r->ctx};
	Value rec = path && e->kind == AST_FIELD ? value_eval(&env, e->a) : value_none("");
	Value v = path ? value_eval(&env, e) : value_none("");
	if (rec.k != V_REC || v.k != V_NUM) {
		diag_error(r->s->d, e->span, "a sensitivity quantity is a numeric field of the deployment, "
			   "its model, gpu or cluster, such as gpu.mem_bw or model.hidden");
		buf_free(&b);
		return r->ok = false;
	}
	out->v = (LowerVar){.rec = rec, .field = e->name, .name = arena_strdup(r->s->ar, b.s), .dim = v.dim};
	out->value = v.num;
	dim_format(v.dim, out->unit, sizeof out->unit);
	buf_free(&b);
	return true;
}

static void add_sens(SimRead *r, Module *m, AstNode *e, SensVar *sv, int *nsv)
{
	if (*nsv >= SIM_MAX_SENS) {
		diag_error(r->s->d, e->span, "at most %d sensitivity quantities", (int)SIM_MAX_SENS);
		r->ok = false;
		return;
	}
	if (sens_var(r, m, e, &sv[*nsv])) ++*nsv;
}

/* --sensitivity q1,q2: each parsed and checked in the root module. */
static void cli_sens(SimRead *r, const char *list, SensVar *sv, int *nsv)
{
	Program *p = r->s->prog;
	const char *text = list;
	while (*text && r->ok) {
		const char *comma = strchr(text, ',');
		size_t n = comma ? (size_t)(comma - text) : strlen(text);
		char *one = arena_printf(r->s->ar, "%.*s", (int)n, text);
		uint32_t fi = source_add(&p->sources, "--sensitivity", NULL, one, n);
		AstNode *e = parse_expr(r->s->ar, r->s->d, fi);
		Dim d;
		if (!e || !sema_check_cli_expr(r->s, e, true, &d)) {
			r->ok = false;
			return;
		}
		add_sens(r, p->root, e, sv, nsv);
		text = comma ? comma + 1 : text + n;
	}
}

/* Options of the statement's block: seed, horizon, sensitivity. */
static void read_options(SimRead *r, Module *m, AstNode *stmt, uint64_t *seed, double *horizon,
			 SensVar *sv, int *nsv)
{
	for (AstNode *e = stmt->a ? stmt->a->kids : NULL; e; e = e->next) {
		if (e->kind != AST_ENTRY || !e->a) continue;
		if (!strcmp(e->name, "sensitivity")) {
			if (e->a->kind == AST_TUPLE)
				for (AstNode *q = e->a->kids; q; q = q->next) add_sens(r, m, q, sv, nsv);
			else
				add_sens(r, m, e->a, sv, nsv);
			continue;
		}
		double v = sim_expr_num(r, m, e->a, e->name);
		if (!strcmp(e->name, "seed")) *seed = (uint64_t)v;
		else if (!strcmp(e->name, "horizon")) *horizon = v;
	}
}

/* ---------------------------------------------------------------- observers */

typedef struct Obs {
	FILE *csv;
	TraceWriter tw;
	bool tracing;
	bool progress;
	uint64_t steps;
	const SimSpec *sp;
} Obs;

static void obs_request(void *ud, const RequestRecord *rec)
{
	Obs *o = ud;
	if (o->csv) report_csv_row(o->csv, rec);
}

static void obs_step(void *ud, const StepRecord *s)
{
	Obs *o = ud;
	if (o->tracing) trace_writer_step(&o->tw, s);
	if (o->progress && (++o->steps & 0xffff) == 0)
		fprintf(stderr, "\rsimulating: %.1f s simulated, %" PRIu64 " iterations", s->end, o->steps);
}

/* FILE, or FILE with ".N" before its extension for the N-th statement. */
static char *numbered(const char *path, int n)
{
	size_t len = strlen(path) + 16;
	char *out = malloc(len);
	if (!out) abort();
	if (n == 0) {
		snprintf(out, len, "%s", path);
		return out;
	}
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash)) dot = path + strlen(path);
	snprintf(out, len, "%.*s.%d%s", (int)(dot - path), path, n + 1, dot);
	return out;
}

static FILE *open_out(Sema *s, Span at, const char *path, int n, const char *what)
{
	if (!path) return NULL;
	if (!strcmp(path, "-")) return stdout;
	char *p = numbered(path, n);
	FILE *f = fopen(p, "w");
	if (!f) diag_error(s->d, at, "cannot write the %s file '%s': %s", what, p, strerror(errno));
	free(p);
	return f;
}

/* ---------------------------------------------------------------- statement */

void simulate_session_init(SimSession *ss, const SimOpts *o)
{
	memset(ss, 0, sizeof *ss);
	ss->o = o;
}

static void keep(SimSession *ss, const ReportMeta *m, const SimResult *r)
{
	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 4;
		ss->results = realloc(ss->results, (size_t)ss->cap * sizeof *ss->results);
		ss->metas = realloc(ss->metas, (size_t)ss->cap * sizeof *ss->metas);
		if (!ss->results || !ss->metas) abort();
	}
	ss->results[ss->n] = *r;
	ss->metas[ss->n++] = *m;
}

bool simulate_session_finish(SimSession *ss)
{
	bool ok = true;
	if (ss->o && ss->o->json && ss->n > 0) {
		bool to_stdout = !strcmp(ss->o->json, "-");
		FILE *f = to_stdout ? stdout : fopen(ss->o->json, "w");
		if (!f) {
			fprintf(stderr, "sglsim: error: cannot write '%s': %s\n", ss->o->json, strerror(errno));
			ok = false;
		} else {
			ok = report_json(f, ss->metas, ss->results, ss->n);
			if (!to_stdout && fclose(f) != 0) ok = false;
			if (!ok) fprintf(stderr, "sglsim: error: writing '%s' failed\n", ss->o->json);
		}
	}
	free(ss->results);
	free(ss->metas);
	ss->results = NULL;
	ss->metas = NULL;
	return ok;
}

bool simulate_stmt(void *ud, Sema *s, Module *m, AstNode *stmt, FILE *out)
{
	SimSession *ss = ud;
	const SimOpts *o = ss->o;
	Value ctx[REC_COUNT];
	if (!sema_bind_contexts(s, stmt->name, stmt->kname, ctx)) return false;
	Record *batch = arena_alloc(s->ar, sizeof *batch);
	memset(batch, 0, sizeof *batch);
	batch->kind = REC_batch;
	batch->name = "batch";
	batch->state = 2;
	ctx[REC_batch] = (Value){.k = V_REC, .rec = batch};
	SimRead r = {.s = s, .ctx = ctx, .at = stmt->span, .ok = true};

	SimSpec sp = {.horizon = INFINITY};
	double kv = 0;
	uint64_t seed = (uint64_t)sim_num(&r, &ctx[REC_workload], "seed", false, 1);
	SensVar sv[SIM_MAX_SENS];
	int nsv = 0;
	read_options(&r, m, stmt, &seed, &sp.horizon, sv, &nsv);
	if (o && o->sensitivity && r.ok) cli_sens(&r, o->sensitivity, sv, &nsv);
	if (o && o->have_seed) seed = o->seed;
	sp.seed = seed;
	sp.pool.nsens = (uint32_t)nsv;
	StepCost cost = {0};
	if (!r.ok || !read_spec(&r, &sp, &kv) ||
	    !compile_cost(&r, &cost, o && o->jit ? o->jit : "auto", sv, nsv)) {
		step_cost_free(&cost);
		return false;
	}
	sp.pool.cost = step_cost_eval;
	sp.pool.cost_ud = &cost;
	SimSource src;
	if (!sim_source_open(&src, &r, sp.cache.page, seed)) {
		sim_source_close(&src);
		step_cost_free(&cost);
		return false;
	}
	ReportMeta meta = {.deployment = stmt->name, .workload = stmt->kname,
			   .model = ctx[REC_model].rec->name, .gpu = ctx[REC_gpu].rec->name, .seed = seed};
	Obs obs = {.sp = &sp, .progress = o && o->progress && isatty(2)};
	int idx = ss->simulated++;
	obs.csv = open_out(s, stmt->span, o ? o->csv : NULL, idx, "--csv");
	FILE *tf = open_out(s, stmt->span, o ? o->trace : NULL, idx, "--trace");
	if (obs.csv) report_csv_header(obs.csv);
	if (tf) {
		trace_writer_open(&obs.tw, tf, &meta, sp.pool.replicas);
		obs.tracing = true;
	}
	sp.obs = (SimObserver){obs_request, obs_step, &obs};
	SimResult res;
	char *err = NULL;
	bool ok = sim_run(&sp, &src.rs, &res, &err);
	if (obs.progress && obs.steps >= 0x10000) fputs("\r\033[K", stderr);
	if (obs.csv && obs.csv != stdout) fclose(obs.csv);
	if (tf) {
		trace_writer_close(&obs.tw);
		if (tf != stdout) fclose(tf);
	}
	sim_source_close(&src);
	step_cost_free(&cost);
	if (!ok) {
		/* source errors already read "PATH:LINE: error: ..." */
		if (err && strstr(err, ": error: ")) fprintf(stderr, "%s\n", err), s->d->errors++;
		else diag_error(s->d, stmt->span, "the simulation stopped: %s", err ? err : "unknown error");
		free(err);
		return false;
	}
	if (nsv) {
		Sensitivity *se = arena_alloc(s->ar, (size_t)nsv * sizeof *se);
		for (int k = 0; k < nsv; k++)
			se[k] = (Sensitivity){.name = sv[k].v.name, .unit = arena_strdup(s->ar, sv[k].unit),
				.value = sv[k].value, .d_ttft_mean = res.d_ttft_mean[k], .d_tpot_mean = res.d_tpot_mean[k],
				.d_makespan = res.d_makespan[k], .d_throughput = res.d_throughput[k]};
		meta.sens = se;
		meta.nsens = nsv;
	}
	report_table(out, &meta, &res);
	keep(ss, &meta, &res);
	return true;
}
