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
#include "runtime/heapstr.h"
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

/* The cost DAG: time (override or law), FLOP, bytes, link bytes, and the
 * time's derivative by each sensitivity quantity. */
static bool compile_cost(SimRead *r, StepCost *c, const char *jitmode, const SensVar *sv, int nsv,
			 const char *side, const Value *sidev)
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
	static const char *const fns[SIM_NCOST] = {
		"batch_step_time", "sim_step_flop", "sim_step_bytes", "sim_step_net_bytes"};
	const char *laws[SIM_NCOST];
	for (int k = 0; k < SIM_NCOST; k++) laws[k] = arena_printf(r->s->ar, "%s(%s)", fns[k], side);
	NodeId roots[SIM_NCOST + SIM_MAX_SENS];
	FieldSource over = value_field_source(r->s, sidev, "step_time");
	bool ok = true;
	for (int k = 0; k < SIM_NCOST && ok; k++) {
		if (k == COST_TIME && over.expr) {
			roots[k] = lower_field_formula(&L, sidev, "step_time");
		} else {
			AstNode *e = sim_lib_expr(r, laws[k], true);
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

/* --placement: which GPUs each worker runs on. */
static void print_placement(FILE *out, const SimSpec *sp, const SimPlacement *pl)
{
	fprintf(out, "placement    %u worker%s on %u node%s of %u GPUs\n", pl->nworkers,
		pl->nworkers == 1 ? "" : "s", pl->nodes, pl->nodes == 1 ? "" : "s", pl->gpus_per_node);
	for (uint32_t k = 0; k < pl->nworkers; k++) {
		bool dec = k >= sp->pool.replicas;
		const PoolSpec *p = dec ? &sp->decode : &sp->pool;
		const char *role = p->role == ROLE_PREFILL ? "prefill" : p->role == ROLE_DECODE ? "decode" : "worker";
		uint32_t n = pl->gpus_per_node, first = pl->first_gpu[k] % n, g = p->gpus_per_worker;
		fprintf(out, "  %-8s %3u  ", role, dec ? k - sp->pool.replicas : k);
		if (g > n)   /* a worker over whole nodes */
			fprintf(out, "nodes %u-%u, GPUs 0-%u of each\n", pl->node_of[k], pl->node_of[k] + (g + n - 1) / n - 1, n - 1);
		else if (g == 1)
			fprintf(out, "node %u, GPU %u\n", pl->node_of[k], first);
		else
			fprintf(out, "node %u, GPUs %u-%u\n", pl->node_of[k], first, first + g - 1);
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

static void obs_transfer(void *ud, const TransferRecord *t)
{
	Obs *o = ud;
	if (o->tracing) trace_writer_transfer(&o->tw, t);
}

static void obs_step(void *ud, const StepRecord *s)
{
	Obs *o = ud;
	if (o->tracing) trace_writer_step(&o->tw, s);
	if (o->progress && (++o->steps & 0xffff) == 0)
		fprintf(stderr, "\rsimulating: %.1f s simulated, %" PRIu64 " iterations", s->end, o->steps);
}

char *numbered_path(const char *path, int n)
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

/* An output file (`-`: standard output); *name gets its name (heap). */
static FILE *open_out(Sema *s, Span at, const char *path, int n, const char *what, char **name)
{
	*name = NULL;
	if (!path) return NULL;
	if (!strcmp(path, "-")) return stdout;
	char *p = numbered_path(path, n);
	FILE *f = fopen(p, "w");
	if (!f) diag_error(s->d, at, "cannot write the %s file '%s': %s", what, p, strerror(errno));
	if (f) *name = p;
	else free(p);
	return f;
}

/* Closes what open_out opened; false, with an error at `at`, when some
 * write failed (a full disk, a quota). */
static bool close_out(Sema *s, Span at, FILE *f, char *name, const char *what)
{
	if (!f) return true;
	errno = 0;
	bool ok = fflush(f) == 0 && !ferror(f);
	int e = errno;
	if (f != stdout && fclose(f) != 0 && ok) ok = false, e = errno;
	if (!ok) diag_error(s->d, at, "writing the %s file '%s' failed: %s", what, name ? name : "-",
			    e ? strerror(e) : "write error");
	free(name);
	return ok;
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
	for (int i = 0; i < ss->n; i++) sim_result_free(&ss->results[i]);
	free(ss->results);
	free(ss->metas);
	ss->results = NULL;
	ss->metas = NULL;
	return ok;
}

/* A statement's run, set up: the spec, its compiled costs and the source. */
typedef struct SimSetup {
	Value ctx[REC_COUNT];
	SimRead r;
	SimSpec sp;
	SimPlacement pl;
	SensVar sv[SIM_MAX_SENS];
	int nsv;
	StepCost cost[2];
	SimSource src;
	uint64_t seed;
} SimSetup;

static void sim_setup_free(SimSetup *u)
{
	sim_source_close(&u->src);
	step_cost_free(&u->cost[0]);
	step_cost_free(&u->cost[1]);
}

/* Steps 1-3 of the pipeline for `simulate d with w` (options from stmt's
 * block when stmt is not NULL); false after reporting an error at `at`. */
static bool sim_setup(SimSetup *u, Sema *s, Module *m, const char *d, const char *w,
		      AstNode *stmt, Span at, const SimOpts *o)
{
	memset(u, 0, sizeof *u);
	Value *ctx = u->ctx;
	if (!sema_bind_contexts(s, d, w, ctx)) return false;
	Record *batch = arena_alloc(s->ar, sizeof *batch);
	memset(batch, 0, sizeof *batch);
	batch->kind = REC_batch;
	batch->name = "batch";
	batch->state = 2;
	ctx[REC_batch] = (Value){.k = V_REC, .rec = batch};
	u->r = (SimRead){.s = s, .ctx = ctx, .at = at, .ok = true};
	SimRead *r = &u->r;
	SimSpec *sp = &u->sp;
	sp->horizon = INFINITY;
	u->seed = (uint64_t)sim_num(r, &ctx[REC_workload], "seed", false, 1);
	if (stmt) read_options(r, m, stmt, &u->seed, &sp->horizon, u->sv, &u->nsv);
	if (o && o->sensitivity && r->ok) cli_sens(r, o->sensitivity, u->sv, &u->nsv);
	if (o && o->have_seed) u->seed = o->seed;
	sp->seed = u->seed;
	sp->pool.nsens = (uint32_t)u->nsv;
	const char *jit = o && o->jit ? o->jit : "auto";
	bool ok = r->ok && sim_deploy_read(r, sp, &u->pl);
	if (ok && sp->disaggregated && u->nsv) {
		diag_error(s->d, at, "sensitivities are computed for colocated deployments only "
			   "(the transfers of a disaggregated one do not follow the schedule's chain)");
		ok = false;
	}
	if (ok && sp->disaggregated) {
		Value pv = sim_rec(r, &ctx[REC_deployment], "prefill"), dv = sim_rec(r, &ctx[REC_deployment], "decode");
		ok = compile_cost(r, &u->cost[0], jit, u->sv, u->nsv, "deployment.prefill", &pv) &&
		     compile_cost(r, &u->cost[1], jit, u->sv, u->nsv, "deployment.decode", &dv);
	} else if (ok) {
		ok = compile_cost(r, &u->cost[0], jit, u->sv, u->nsv, "deployment", &ctx[REC_deployment]);
	}
	if (ok) ok = sim_source_open(&u->src, r, sp->cache.page, u->seed);
	if (!ok) {
		sim_setup_free(u);
		return false;
	}
	sp->pool.cost = sp->decode.cost = step_cost_eval;
	sp->pool.cost_ud = &u->cost[0];
	sp->decode.cost_ud = &u->cost[1];
	return true;
}

/* Reports a failed sim_run at `at` (source errors already read
 * "PATH:LINE: error: ..."). */
static void run_failed(Sema *s, Span at, char *err)
{
	if (err && strstr(err, ": error: ")) fprintf(stderr, "%s\n", err), s->d->errors++;
	else diag_error(s->d, at, "the simulation stopped: %s", err ? err : "unknown error");
	free(err);
}

bool simulate_stmt(void *ud, Sema *s, Module *m, AstNode *stmt, FILE *out)
{
	SimSession *ss = ud;
	const SimOpts *o = ss->o;
	SimSetup u;
	if (!sim_setup(&u, s, m, stmt->name, stmt->kname, stmt, stmt->span, o)) return false;
	SimSpec sp = u.sp;
	Value *ctx = u.ctx;
	uint64_t seed = u.seed;
	int nsv = u.nsv;
	SensVar *sv = u.sv;
	bool ok;
	if (o && o->placement) print_placement(out, &sp, &u.pl);
	ReportMeta meta = {.deployment = stmt->name, .workload = stmt->kname,
			   .model = ctx[REC_model].rec->name, .gpu = ctx[REC_gpu].rec->name, .seed = seed};
	Obs obs = {.sp = &sp, .progress = o && o->progress && isatty(2)};
	int idx = ss->simulated++;
	char *csv_name, *trace_name;
	obs.csv = open_out(s, stmt->span, o ? o->csv : NULL, idx, "--csv", &csv_name);
	FILE *tf = open_out(s, stmt->span, o ? o->trace : NULL, idx, "--trace", &trace_name);
	if (obs.csv) report_csv_header(obs.csv);
	if (tf) {
		trace_writer_open(&obs.tw, tf, &meta, sp.pool.replicas + (sp.disaggregated ? sp.decode.replicas : 0),
				  sp.disaggregated ? sp.pool.replicas : 0);
		obs.tracing = true;
	}
	sp.obs = (SimObserver){obs_request, obs_step, &obs, obs_transfer};
	SimResult res;
	char *err = NULL;
	ok = sim_run(&sp, &u.src.rs, &res, &err);
	if (obs.progress && obs.steps >= 0x10000) fputs("\r\033[K", stderr);
	bool written = close_out(s, stmt->span, obs.csv, csv_name, "--csv");
	if (tf) trace_writer_close(&obs.tw);
	written &= close_out(s, stmt->span, tf, trace_name, "--trace");
	sim_setup_free(&u);
	if (!ok) {
		run_failed(s, stmt->span, err);
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
	return written;   /* the table is shown even when a file could not be written */
}

/* ---------------------------------------------------------------- quiet runs */

/* Keeps the first error's message instead of printing it. */
static void capture_diag(void *ud, const Diag *d)
{
	char **first = ud;
	if (d->level == DIAG_ERROR && !*first) *first = heap_strdup(d->msg);
}

bool simulate_quiet(Sema *s, const char *d, const char *w, Span at, const uint64_t *seed,
		    SimResult *res, char **why)
{
	Diags *ds = s->d;
	DiagFn fn = ds->fn;
	void *ud = ds->ud;
	int errors = ds->errors;
	char *first = NULL;
	ds->fn = capture_diag;
	ds->ud = &first;
	SimSetup u;
	SimOpts o = {.jit = "never"};   /* bytecode: the same bits, no compile per point */
	if (seed) {
		o.have_seed = true;
		o.seed = *seed;
	}
	bool ok = sim_setup(&u, s, s->prog->root, d, w, NULL, at, &o);
	char *err = NULL;
	if (ok) {
		ok = sim_run(&u.sp, &u.src.rs, res, &err);
		sim_setup_free(&u);
	}
	ds->fn = fn;
	ds->ud = ud;
	ds->errors = errors;
	ds->stopped = false;
	if (!ok) {
		*why = err ? err : first ? first : heap_strdup("the simulation could not be set up");
		if (err) free(first);
	} else {
		free(first);
	}
	return ok;
}
