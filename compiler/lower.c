/* lower.c -- checked AST to DAG (lower.h). */
#include "config.h"
#include "lower.h"
#include "trace_stats.h"
#include "simplify.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/csv.h"

/* A value while lowering: a number (a DAG node) or a record. */
typedef struct LVal {
	bool rec;
	NodeId node;
	Value value;
} LVal;

typedef struct LEnv {
	Module *mod;
	const char **names;   /* inlined fn arguments */
	LVal *args;
	int nargs;
	const Value *self;
} LEnv;

void lower_init(Lowerer *L, Sema *s, Dag *g, const Value *ctx)
{
	memset(L, 0, sizeof *L);
	L->sema = s;
	L->g = g;
	L->ctx = ctx;
}

void lower_free(Lowerer *L)
{
	free(L->msyms);
	free(L->mnodes);
	L->msyms = NULL;
	L->mnodes = NULL;
}

static LVal fail(Lowerer *L, const char *why)
{
	if (!L->why) L->why = why;
	return (LVal){false, NODE_NONE, {0}};
}

static LVal num(NodeId n) { return (LVal){false, n, {0}}; }

static LVal lower(Lowerer *L, LEnv *env, AstNode *e);
static DagOp builtin_op(BuiltinId id);

static NodeId lower_num(Lowerer *L, LEnv *env, AstNode *e)
{
	LVal v = lower(L, env, e);
	if (v.rec) {
		L->why = L->why ? L->why : "a record is not a number";
		return NODE_NONE;
	}
	return v.node;
}

/* A constant Value (from a const, a bound param or a field) as a node. */
static LVal from_value(Lowerer *L, const Value *v)
{
	switch (v->k) {
	case V_NUM: return num(dag_const(L->g, v->num));
	case V_BOOL: return num(dag_const(L->g, v->num ? 1 : 0));
	case V_REC: return (LVal){true, NODE_NONE, *v};
	case V_NONE: return fail(L, v->str ? v->str : "no value");
	default: return fail(L, "not a number");
	}
}

static NodeId memo_metric(Lowerer *L, Symbol *sym)
{
	for (int i = 0; i < L->nmemo; i++)
		if (L->msyms[i] == sym) return L->mnodes[i];
	return NODE_NONE;
}

static void remember_metric(Lowerer *L, Symbol *sym, NodeId n)
{
	if (L->nmemo == L->capmemo) {
		L->capmemo = L->capmemo ? 2 * L->capmemo : 16;
		L->msyms = xrealloc(L->msyms, (size_t)L->capmemo * sizeof *L->msyms);
		L->mnodes = xrealloc(L->mnodes, (size_t)L->capmemo * sizeof *L->mnodes);
	}
	L->msyms[L->nmemo] = sym;
	L->mnodes[L->nmemo++] = n;
}

static LVal lower_symbol(Lowerer *L, Symbol *sym)
{
	Sema *s = L->sema;
	switch (sym->kind) {
	case SYM_CONST:
		if (sym->state != 2) sema_check_symbol(s, sym);
		return from_value(L, &sym->value);
	case SYM_PARAM:
		if (sym->bound) return from_value(L, &sym->value);
		return num(dag_param(L->g, dag_add_param(L->g, sym->name, sym->type.dim)));
	case SYM_RECORD:
		return (LVal){true, NODE_NONE, {.k = V_REC, .rec = sym->rec}};
	case SYM_METRIC: {
		NodeId n = memo_metric(L, sym);
		if (n != NODE_NONE) return num(n);
		LEnv me = {.mod = sym->mod};
		n = lower_num(L, &me, sym->decl->a);
		if (n != NODE_NONE) remember_metric(L, sym, n);
		return num(n);
	}
	case SYM_FN:
		return fail(L, "a function is not a value");
	}
	return fail(L, "unknown");
}

static LVal lower_name_in(Lowerer *L, LEnv *env, const char *name)
{
	for (int i = 0; i < env->nargs; i++)
		if (!strcmp(env->names[i], name)) return env->args[i];
	if (!strcmp(name, "self") && env->self)
		return (LVal){true, NODE_NONE, *env->self};
	RecKind ck = schema_context(name);
	if (ck != REC_NONE && L->ctx && L->ctx[ck].k == V_REC)
		return (LVal){true, NODE_NONE, L->ctx[ck]};
	Symbol *sym = sema_lookup(L->sema, env->mod, name);
	if (!sym) {
		if (ck != REC_NONE) return fail(L, "no deployment is bound (write 'for D with W')");
		return fail(L, "unknown name");
	}
	return lower_symbol(L, sym);
}

static bool same_record(const Value *a, const Value *b)
{
	if (a->rec != b->rec || a->depth != b->depth) return false;
	for (int i = 0; i < a->depth; i++)
		if (strcmp(a->path[i], b->path[i])) return false;
	return true;
}

/* Field `name` of a record: lowered from the expression that defines it. */
static LVal lower_field(Lowerer *L, const Value *rv, const char *name)
{
	for (int i = 0; i < L->nvars; i++)
		if (!strcmp(L->vars[i].field, name) && same_record(&L->vars[i].rec, rv))
			return num(dag_param(L->g, dag_add_param(L->g, L->vars[i].name, L->vars[i].dim)));
	FieldSource src = value_field_source(L->sema, rv, name);
	if (!src.expr && src.field && src.field->type == FT_NUM && rv->rec &&
	    (rv->rec->kind == REC_batch || rv->rec->kind == REC_sim)) {
		/* the batch of a step_time formula: one param per feature; the
		   figures of an optimize statement's simulation: one per figure */
		char *pname = arena_printf(L->sema->ar, "%s", rv->rec->kind == REC_batch ? "batch" : "sim");
		for (int i = 0; i < rv->depth; i++) pname = arena_printf(L->sema->ar, "%s.%s", pname, rv->path[i]);
		pname = arena_printf(L->sema->ar, "%s.%s", pname, name);
		return num(dag_param(L->g, dag_add_param(L->g, pname, schema_dim(src.field))));
	}
	if (!src.expr) return from_value(L, &src.value);
	if (src.field->type == FT_EXPR) return fail(L, "a formula of batch.* is not a number here");
	LEnv fe = {.mod = src.mod, .self = rv};
	return lower(L, &fe, src.expr);
}

static NodeId label(Lowerer *L, const char *name, NodeId body)
{
	return body == NODE_NONE ? body : dag_label(L->g, name, body);
}

static LVal lower_user_call(Lowerer *L, LEnv *env, AstNode *e, Symbol *fn)
{
	int n = ast_count(fn->decl->kids);
	const char **names = xmalloc((size_t)(n + 1) * sizeof *names);
	LVal *args = xmalloc((size_t)(n + 1) * sizeof *args);
	const char *why_before = L->why;   /* the placeholders below set no reason */
	int i = 0;
	for (AstNode *p = fn->decl->kids; p; p = p->next) {
		names[i] = p->name;
		args[i++] = fail(L, "missing argument");
	}
	L->why = why_before;
	i = 0;
	for (AstNode *a = e->kids; a; a = a->next) {
		if (a->kind == AST_NAMED) {
			for (int k = 0; k < n; k++)
				if (!strcmp(names[k], a->name)) args[k] = lower(L, env, a->a);
		} else if (i < n) {
			args[i++] = lower(L, env, a);
		}
	}
	LEnv body = {.mod = fn->mod, .names = names, .args = args, .nargs = n};
	LVal r = lower(L, &body, fn->decl->a);
	if (!r.rec) r.node = label(L, fn->name, r.node);
	free(names);
	free(args);
	return r;
}

/* The AST that defines a distribution or arrival process written as `e`
 * (through names of consts and fields of records), with the module and
 * `self` it is read in; NULL when e is not such a reference. */
static AstNode *defining_expr(Lowerer *L, LEnv *env, AstNode *e, LEnv *out)
{
	for (int depth = 0; e && depth < 256; depth++) {
		if (e->kind == AST_CALL) {
			*out = *env;
			return e;
		}
		if (e->kind == AST_NAME) {
			for (int i = 0; i < env->nargs; i++)
				if (!strcmp(env->names[i], e->name)) return NULL;
			Symbol *sym = sema_lookup(L->sema, env->mod, e->name);
			if (!sym || sym->kind != SYM_CONST) return NULL;
			LEnv *ce = arena_alloc(L->sema->ar, sizeof *ce);
			*ce = (LEnv){.mod = sym->mod};
			env = ce;
			e = sym->decl->a;
			continue;
		}
		if (e->kind == AST_FIELD) {
			LVal o = lower(L, env, e->a);
			if (!o.rec) return NULL;
			FieldSource src = value_field_source(L->sema, &o.value, e->name);
			if (!src.expr) {
				if (src.value.k == V_NONE && src.value.str) fail(L, src.value.str);
				return NULL;
			}
			LEnv *fe = arena_alloc(L->sema->ar, sizeof *fe);
			Value *self = arena_alloc(L->sema->ar, sizeof *self);
			*self = o.value;
			*fe = (LEnv){.mod = src.mod, .self = self};
			env = fe;
			e = src.expr;
			continue;
		}
		return NULL;
	}
	return NULL;
}

/* Mean of a CSV column named by empirical(file, column): the file is read
 * relative to the folder of the .sgl file that names it.  Returns NULL, or
 * why it cannot (kept in the sema arena). */
static const char *empirical_mean(Sema *s, AstNode *call, double *mean)
{
	AstNode *fa = ast_call_arg(call, 0, "file"), *ca = ast_call_arg(call, 1, "column");
	if (!fa || !ca || fa->kind != AST_STR || ca->kind != AST_STR)
		return "empirical() needs a file name and a column name written as strings";
	const char *path = sema_path_of(s, fa);
	Csv c;
	if (!csv_open(&c, path))
		return c.why[0] ? arena_printf(s->ar, "'%s': %s", path, c.why)
				: arena_printf(s->ar, "cannot read '%s'%s%s", path, errno ? ": " : " (empty)",
					       errno ? strerror(errno) : "");
	int col = csv_column(&c, ca->name);
	const char *why = NULL;
	double sum = 0;
	long n = 0;
	if (col < 0) why = arena_printf(s->ar, "'%s' has no column '%s'", path, ca->name);
	while (!why && csv_next(&c)) {
		double v;
		if (col >= c.n || !csv_number(c.field[col], &v)) {
			why = arena_printf(s->ar, "%s:%ld: column '%s' is not a number", path, c.lineno, ca->name);
			break;
		}
		sum += v;
		n++;
	}
	if (!why && c.why[0]) why = arena_printf(s->ar, "'%s': %s", path, c.why);
	csv_close(&c);
	if (!why && n == 0) why = arena_printf(s->ar, "'%s' has no rows", path);
	if (!why) *mean = sum / (double)n;
	return why;
}

/* mean(d): the mean of a distribution as a formula of its arguments.
 * constant(v) = v; uniform(lo, hi) = (lo + hi) / 2; normal(m, sd) = m;
 * lognormal(median, sigma) = median * exp(sigma^2 / 2).  A function of a
 * distribution (clamp, min, max, abs, ceil, floor) is approximated by the
 * function of its mean: exact for monotone functions of a constant and
 * close when little mass lies beyond the limits (documented).  The mean
 * of an empirical distribution is the mean of its column. */
/* ---- trace workloads ------------------------------------------------ */

typedef struct TraceMemo {
	const char *key;
	TraceStats st;
	struct TraceMemo *next;
} TraceMemo;

/* When e reads field prompt, output or arrival of a workload defined by
 * trace(...) (and not set by the record itself), the trace's statistics;
 * NULL otherwise, or on failure with L->why set (*failed true). */
static const TraceStats *trace_field(Lowerer *L, LEnv *env, AstNode *e, bool *failed)
{
	*failed = false;
	if (!e || e->kind != AST_FIELD ||
	    (strcmp(e->name, "prompt") && strcmp(e->name, "output") && strcmp(e->name, "arrival")))
		return NULL;
	const char *why0 = L->why;
	LVal o = lower(L, env, e->a);
	L->why = why0;
	if (!o.rec || o.value.k != V_REC || o.value.depth || o.value.rec->kind != REC_workload) return NULL;
	FieldSource fs = value_field_source(L->sema, &o.value, e->name);
	if (fs.expr) return NULL;
	Record *src = o.value.rec;
	while (src && !src->source) src = src->base;
	if (!src || src->source->kind != AST_CALL) return NULL;
	TraceSpec ts;
	const char *why = trace_spec_of(L->sema, src->mod, src->source, &ts);
	if (!why) {
		const char *key = arena_printf(L->sema->ar, "%s|%d|%u|%.17g|%.17g|%llu|%s|%s|%s", ts.path, (int)ts.format,
					       ts.block, ts.rate_scale, ts.time_scale, (unsigned long long)ts.limit,
					       ts.timestamp ? ts.timestamp : "", ts.input ? ts.input : "",
					       ts.output ? ts.output : "");
		for (TraceMemo *m = L->traces; m; m = m->next)
			if (!strcmp(m->key, key)) return &m->st;
		TraceMemo *m = arena_alloc(L->sema->ar, sizeof *m);
		why = trace_stats_read(L->sema, &ts, &m->st);
		if (!why) {
			m->key = key;
			m->next = L->traces;
			L->traces = m;
			return &m->st;
		}
	}
	*failed = true;
	fail(L, why);
	return NULL;
}

static LVal lower_mean(Lowerer *L, LEnv *env, AstNode *e)
{
	bool failed;
	const TraceStats *ts = trace_field(L, env, e, &failed);
	if (failed) return num(NODE_NONE);
	if (ts && strcmp(e->name, "arrival"))
		return num(dag_const(L->g, !strcmp(e->name, "prompt") ? ts->prompt_mean : ts->output_mean));
	LEnv de;
	AstNode *d = defining_expr(L, env, e, &de);
	if (!d) return lower(L, env, e);     /* a number is its own mean */
	const Builtin *b = builtin_find(d->name);
	Symbol *fn = sema_lookup(L->sema, de.mod, d->name);
	if (!b || (fn && fn->kind == SYM_FN)) return lower(L, &de, d);
	Dag *g = L->g;
	switch (b->id) {
	case BI_CONSTANT: return lower_mean(L, &de, ast_call_arg(d, 0, "value"));
	case BI_NORMAL: return lower_mean(L, &de, ast_call_arg(d, 0, "mean"));
	case BI_UNIFORM: {
		NodeId lo = lower_num(L, &de, ast_call_arg(d, 0, "lo")), hi = lower_num(L, &de, ast_call_arg(d, 1, "hi"));
		if (lo == NODE_NONE || hi == NODE_NONE) return num(NODE_NONE);
		return num(dag_op2(g, DOP_DIV, dag_op2(g, DOP_ADD, lo, hi), dag_const(g, 2)));
	}
	case BI_LOGNORMAL: {
		NodeId m = lower_num(L, &de, ast_call_arg(d, 0, "median")), sg = lower_num(L, &de, ast_call_arg(d, 1, "sigma"));
		if (m == NODE_NONE || sg == NODE_NONE) return num(NODE_NONE);
		NodeId v = dag_op2(g, DOP_DIV, dag_op2(g, DOP_MUL, sg, sg), dag_const(g, 2));
		return num(dag_op2(g, DOP_MUL, m, dag_op1(g, DOP_EXP, v)));
	}
	case BI_EMPIRICAL: {
		double mean = 0;
		const char *why = empirical_mean(L->sema, d, &mean);
		return why ? fail(L, why) : num(dag_const(g, mean));
	}
	case BI_MIN: case BI_MAX: case BI_ABS: case BI_CEIL: case BI_FLOOR: case BI_CLAMP: {
		NodeId v[64];
		int n = 0;
		for (AstNode *a = d->kids; a && n < 64; a = a->next, n++) {
			v[n] = lower_mean(L, &de, a->kind == AST_NAMED ? a->a : a).node;
			if (v[n] == NODE_NONE) return num(NODE_NONE);
		}
		if (b->id == BI_CLAMP) return num(dag_op2(g, DOP_MIN, dag_op2(g, DOP_MAX, v[0], v[1]), v[2]));
		return num(dag_op(g, builtin_op(b->id), v, (uint32_t)n));
	}
	case BI_ZIPF: return fail(L, "a zipf popularity has no mean in tokens");
	default: return lower(L, &de, d);
	}
}

/* cv(x): the coefficient of variation of a distribution (lognormal:
 * sqrt(exp(sigma^2) - 1); normal: sd / mean; uniform: (hi - lo) /
 * (sqrt(12) * mean); constant and plain numbers: 0) or of the gaps of an
 * arrival process (poisson: 1; gamma: its cv; constant: 0). */
static LVal lower_cv(Lowerer *L, LEnv *env, AstNode *e)
{
	bool failed;
	const TraceStats *ts = trace_field(L, env, e, &failed);
	if (failed) return num(NODE_NONE);
	if (ts && !strcmp(e->name, "arrival") && !ts->has_times)
		return fail(L, "the trace has no arrival times: give the workload an arrival process");
	if (ts)
		return num(dag_const(L->g, !strcmp(e->name, "prompt") ? ts->prompt_cv :
					     !strcmp(e->name, "output") ? ts->output_cv : ts->gap_cv));
	LEnv de;
	AstNode *d = defining_expr(L, env, e, &de);
	Dag *g = L->g;
	if (!d) {
		LVal v = lower(L, env, e);
		return v.node == NODE_NONE ? v : num(dag_const(g, 0));
	}
	const Builtin *b = builtin_find(d->name);
	switch (b ? b->id : BI_COUNT) {
	case BI_POISSON: return num(dag_const(g, 1));
	case BI_GAMMA: return lower(L, &de, ast_call_arg(d, 1, "cv"));
	case BI_CONSTANT: return num(dag_const(g, 0));
	case BI_LOGNORMAL: {
		NodeId sg = lower_num(L, &de, ast_call_arg(d, 1, "sigma"));
		if (sg == NODE_NONE) return num(sg);
		NodeId v = dag_op1(g, DOP_EXP, dag_op2(g, DOP_MUL, sg, sg));
		return num(dag_op1(g, DOP_SQRT, dag_op2(g, DOP_SUB, v, dag_const(g, 1))));
	}
	case BI_NORMAL: {
		NodeId m = lower_num(L, &de, ast_call_arg(d, 0, "mean")), sd = lower_num(L, &de, ast_call_arg(d, 1, "sd"));
		if (m == NODE_NONE || sd == NODE_NONE) return num(NODE_NONE);
		return num(dag_op2(g, DOP_DIV, sd, m));
	}
	case BI_UNIFORM: {
		NodeId lo = lower_num(L, &de, ast_call_arg(d, 0, "lo")), hi = lower_num(L, &de, ast_call_arg(d, 1, "hi"));
		if (lo == NODE_NONE || hi == NODE_NONE) return num(NODE_NONE);
		NodeId width = dag_op2(g, DOP_SUB, hi, lo), twice_mean = dag_op2(g, DOP_ADD, lo, hi);
		return num(dag_op2(g, DOP_DIV, dag_op2(g, DOP_MUL, width, dag_const(g, 2)),
				   dag_op2(g, DOP_MUL, twice_mean, dag_op1(g, DOP_SQRT, dag_const(g, 12)))));
	}
	case BI_MIN: case BI_MAX: case BI_ABS: case BI_CEIL: case BI_FLOOR: case BI_CLAMP:
		return lower_cv(L, &de, d->kids->kind == AST_NAMED ? d->kids->a : d->kids);  /* approximation */
	default:
		return fail(L, "cv() needs a distribution (constant, uniform, normal, lognormal) or an arrival process");
	}
}

/* rate(a): the mean request rate of an arrival process. */
static LVal lower_rate(Lowerer *L, LEnv *env, AstNode *e)
{
	bool failed;
	const TraceStats *ts = trace_field(L, env, e, &failed);
	if (failed) return num(NODE_NONE);
	if (ts && !strcmp(e->name, "arrival")) {
		if (!ts->has_times || !(ts->rate > 0))
			return fail(L, "the trace has no arrival times to take a rate from: give the workload an arrival process");
		return num(dag_const(L->g, ts->rate));
	}
	LEnv de;
	AstNode *d = defining_expr(L, env, e, &de);
	const Builtin *b = d ? builtin_find(d->name) : NULL;
	if (!b) return fail(L, "not an arrival process");
	switch (b->id) {
	case BI_POISSON: case BI_GAMMA: return lower(L, &de, ast_call_arg(d, 0, "rate"));
	case BI_CONSTANT: return lower_mean(L, &de, ast_call_arg(d, 0, "value"));
	case BI_BURST: return fail(L, "a burst has no mean arrival rate; the analytic metrics need poisson, gamma or constant arrivals");
	default: return fail(L, "not an arrival process");
	}
}

static DagOp builtin_op(BuiltinId id)
{
	switch (id) {
	case BI_MIN: return DOP_MIN;
	case BI_MAX: return DOP_MAX;
	case BI_ABS: return DOP_ABS;
	case BI_CEIL: return DOP_CEIL;
	case BI_FLOOR: return DOP_FLOOR;
	case BI_SQRT: return DOP_SQRT;
	case BI_LOG: return DOP_LOG;
	case BI_EXP: return DOP_EXP;
	default: return DOP_COUNT;
	}
}


/* d(e, p) with p fixed by -D: the derivative at p's value, not 0.  e is
 * lowered with p free into a scratch DAG (with a memo of its own: the
 * metrics memoized so far saw p as a constant), differentiated there, and
 * brought into L's DAG with p replaced by its value, so p never becomes
 * an input of L's formulas. */
static LVal lower_deriv_at(Lowerer *L, LEnv *env, AstNode *e, Symbol *p)
{
	Dag scratch, *g = L->g;
	dag_init(&scratch);
	Symbol **msyms = L->msyms;
	NodeId *mnodes = L->mnodes;
	int nmemo = L->nmemo, capmemo = L->capmemo;
	L->g = &scratch;
	L->msyms = NULL;
	L->mnodes = NULL;
	L->nmemo = L->capmemo = 0;
	p->bound = false;
	NodeId x = lower_num(L, env, e);
	p->bound = true;
	free(L->msyms);
	free(L->mnodes);
	L->g = g;
	L->msyms = msyms;
	L->mnodes = mnodes;
	L->nmemo = nmemo;
	L->capmemo = capmemo;
	NodeId d = NODE_NONE;
	if (x != NODE_NONE) {
		uint32_t k = dag_add_param(&scratch, p->name, p->type.dim);
		d = dag_import(g, &scratch, dag_derive(&scratch, x, k), k, p->value.num);
	}
	dag_free(&scratch);
	return d == NODE_NONE ? fail(L, "bad argument") : num(d);
}

static LVal lower_call(Lowerer *L, LEnv *env, AstNode *e)
{
	bool shadowed = false;
	for (int i = 0; i < env->nargs; i++) shadowed |= !strcmp(env->names[i], e->name);
	Symbol *fn = shadowed ? NULL : sema_lookup(L->sema, env->mod, e->name);
	if (fn && fn->kind == SYM_FN) return lower_user_call(L, env, e, fn);
	const Builtin *b = builtin_find(e->name);
	if (!b) return fail(L, "unknown function");
	AstNode *argv[64];
	int n = 0;
	for (AstNode *a = e->kids; a && n < 64; a = a->next) argv[n++] = a->kind == AST_NAMED ? a->a : a;
	Dag *g = L->g;
	if (b->id == BI_CLAMP) {   /* clamp(x, lo, hi) = min(max(x, lo), hi) */
		NodeId x = lower_num(L, env, argv[0]), lo = lower_num(L, env, argv[1]), hi = lower_num(L, env, argv[2]);
		if (x == NODE_NONE || lo == NODE_NONE || hi == NODE_NONE) return fail(L, "bad argument");
		return num(dag_op2(g, DOP_MIN, dag_op2(g, DOP_MAX, x, lo), hi));
	}
	if (b->id == BI_FALLBACK) {   /* x unless it cannot be read: then y */
		const char *why = L->why;
		LVal x = lower(L, env, argv[0]);
		if (x.rec || x.node != NODE_NONE) return x;
		L->why = why;
		return lower(L, env, argv[1]);
	}
	if (b->id == BI_MEAN) return lower_mean(L, env, argv[0]);
	if (b->id == BI_RATE) return lower_rate(L, env, argv[0]);
	if (b->id == BI_CV) return lower_cv(L, env, argv[0]);
	if (b->id == BI_NAN)   /* NaN is never a DAG constant: sqrt(-1), which no fold touches */
		return num(dag_label(g, "nan", dag_op1(g, DOP_SQRT, dag_const(g, -1))));
	if (b->id == BI_SIMPLIFY) {
		NodeId x = lower_num(L, env, argv[0]);
		return x == NODE_NONE ? fail(L, "bad argument") : num(dag_simplify(g, x));
	}
	if (b->id == BI_DERIV) {
		Symbol *p = sema_lookup(L->sema, env->mod, argv[1]->name);
		if (!p || p->kind != SYM_PARAM) return fail(L, "d() needs a param");
		if (p->bound) return lower_deriv_at(L, env, argv[0], p);
		NodeId x = lower_num(L, env, argv[0]);
		if (x == NODE_NONE) return fail(L, "bad argument");
		return num(dag_derive(g, x, dag_add_param(g, p->name, p->type.dim)));
	}
	DagOp op = builtin_op(b->id);
	if (op == DOP_COUNT) return fail(L, "a distribution or trace is not a number");
	NodeId v[64];
	for (int i = 0; i < n; i++) {
		v[i] = lower_num(L, env, argv[i]);
		if (v[i] == NODE_NONE) return fail(L, "bad argument");
	}
	return num(dag_op(g, op, v, (uint32_t)n));
}

static DagOp binop(int op)
{
	switch (op) {
	case OP_ADD: return DOP_ADD;
	case OP_SUB: return DOP_SUB;
	case OP_MUL: return DOP_MUL;
	case OP_DIV: return DOP_DIV;
	case OP_POW: return DOP_POW;
	case OP_LT: return DOP_LT;
	case OP_GT: return DOP_GT;
	case OP_LE: return DOP_LE;
	case OP_GE: return DOP_GE;
	case OP_EQ: return DOP_EQ;
	case OP_NE: return DOP_NE;
	case OP_AND: return DOP_AND;
	default: return DOP_OR;
	}
}

/* The text of a string literal or of a word/string field, or NULL. */
static const char *lower_text(Lowerer *L, LEnv *env, AstNode *e)
{
	if (e->kind == AST_STR) return e->name;
	if (e->kind != AST_FIELD) return NULL;
	LVal o = lower(L, env, e->a);
	if (!o.rec) return NULL;
	FieldSource src = value_field_source(L->sema, &o.value, e->name);
	if (src.expr && src.expr->kind == AST_STR) return src.expr->name;
	if (!src.expr && (src.value.k == V_WORD || src.value.k == V_STR)) return src.value.str;
	return NULL;
}

/* Bounded recursion and work, as in evaluation (lang/value.c): a formula
 * nests at most LOWER_MAX_DEPTH levels deep counting the metrics, fields
 * and fn bodies it inlines, and takes at most LOWER_MAX_STEPS steps (fn
 * calls inline anew each time, so calls of calls can double at each
 * level).  doc/limits.md. */
enum { LOWER_MAX_DEPTH = 3000 };
#define LOWER_MAX_STEPS 50000000L

static LVal lower_node(Lowerer *L, LEnv *env, AstNode *e);

static LVal lower(Lowerer *L, LEnv *env, AstNode *e)
{
	if (L->depth >= LOWER_MAX_DEPTH)
		return fail(L, "the formula nests more than 3000 levels deep (counting the metrics, fields and fn calls it uses)");
	if (++L->steps > LOWER_MAX_STEPS)
		return fail(L, "the formula is too large to build (fn calls inline anew at each call)");
	L->depth++;
	LVal v = lower_node(L, env, e);
	L->depth--;
	return v;
}

static LVal lower_node(Lowerer *L, LEnv *env, AstNode *e)
{
	Dag *g = L->g;
	switch (e->kind) {
	case AST_NUM: return num(dag_const(g, e->num));
	case AST_BOOL: return num(dag_const(g, e->num ? 1 : 0));
	case AST_NAME: return lower_name_in(L, env, e->name);
	case AST_FIELD: {
		LVal o = lower(L, env, e->a);
		if (!o.rec) return o.node == NODE_NONE ? o : fail(L, "a number has no fields");
		return lower_field(L, &o.value, e->name);
	}
	case AST_CALL: return lower_call(L, env, e);
	case AST_UNARY: {
		NodeId a = lower_num(L, env, e->a);
		if (a == NODE_NONE) return num(a);
		return num(dag_op1(g, e->op == OP_NOT ? DOP_NOT : DOP_NEG, a));
	}
	case AST_BINARY: {
		if (e->op == OP_EQ || e->op == OP_NE) {   /* words and strings compare when lowered */
			const char *ta = lower_text(L, env, e->a), *tb = ta ? lower_text(L, env, e->b) : NULL;
			if (ta && tb) return num(dag_const(g, (strcmp(ta, tb) == 0) == (e->op == OP_EQ)));
		}
		NodeId a = lower_num(L, env, e->a), b = lower_num(L, env, e->b);
		if (a == NODE_NONE || b == NODE_NONE) return num(NODE_NONE);
		return num(dag_op2(g, binop(e->op), a, b));
	}
	case AST_IF: {
		NodeId c = lower_num(L, env, e->a);
		if (c == NODE_NONE) return num(c);
		/* A condition that folds to a constant (a record's dtype, a field
		 * that is set) lowers only the branch it takes, so the other may
		 * read fields that are not set. */
		NodeId cs = dag_simplify(g, c);
		if (dag_opof(g, cs) == DOP_CONST) return lower(L, env, dag_node(g, cs)->value != 0 ? e->b : e->c);
		LVal a = lower(L, env, e->b), b = lower(L, env, e->c);
		if (c == NODE_NONE || a.node == NODE_NONE || b.node == NODE_NONE || a.rec || b.rec)
			return fail(L, "if branches must be numbers");
		return num(dag_op(g, DOP_SELECT, (NodeId[]){c, a.node, b.node}, 3));
	}
	case AST_STR: return fail(L, "a string is not a number");
	default: return fail(L, "not a number");
	}
}

NodeId lower_expr(Lowerer *L, Module *m, AstNode *e)
{
	LEnv env = {.mod = m};
	L->why = NULL;
	L->steps = 0;
	return lower_num(L, &env, e);
}

NodeId lower_field_formula(Lowerer *L, const Value *rec, const char *name)
{
	L->why = NULL;
	L->steps = 0;
	FieldSource src = value_field_source(L->sema, rec, name);
	if (!src.expr) return fail(L, "the field is not set").node;
	LEnv fe = {.mod = src.mod, .self = rec};
	return lower_num(L, &fe, src.expr);
}

NodeId lower_name(Lowerer *L, Module *m, const char *name)
{
	LEnv env = {.mod = m};
	L->why = NULL;
	L->steps = 0;
	LVal v = lower_name_in(L, &env, name);
	if (v.rec) {
		L->why = "a record is not a number";
		return NODE_NONE;
	}
	return v.node;
}
