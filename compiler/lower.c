/* lower.c -- checked AST to DAG (lower.h). */
#include "config.h"
#include "lower.h"
#include "simplify.h"

#include <stdlib.h>
#include <string.h>

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

/* Field `name` of a record: lowered from the expression that defines it. */
static LVal lower_field(Lowerer *L, const Value *rv, const char *name)
{
	FieldSource src = value_field_source(L->sema, rv, name);
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
	int i = 0;
	for (AstNode *p = fn->decl->kids; p; p = p->next) {
		names[i] = p->name;
		args[i++] = fail(L, "missing argument");
	}
	L->why = NULL;
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
	if (b->id == BI_SIMPLIFY) {
		NodeId x = lower_num(L, env, argv[0]);
		return x == NODE_NONE ? fail(L, "bad argument") : num(dag_simplify(g, x));
	}
	if (b->id == BI_DERIV) {
		NodeId x = lower_num(L, env, argv[0]);
		if (x == NODE_NONE) return fail(L, "bad argument");
		Symbol *p = sema_lookup(L->sema, env->mod, argv[1]->name);
		if (!p || p->kind != SYM_PARAM) return fail(L, "d() needs a param");
		if (p->bound) return num(dag_const(g, 0)); /* a bound param is a constant */
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

static LVal lower(Lowerer *L, LEnv *env, AstNode *e)
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
		NodeId a = lower_num(L, env, e->a), b = lower_num(L, env, e->b);
		if (a == NODE_NONE || b == NODE_NONE) return num(NODE_NONE);
		return num(dag_op2(g, binop(e->op), a, b));
	}
	case AST_IF: {
		NodeId c = lower_num(L, env, e->a);
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
	return lower_num(L, &env, e);
}

NodeId lower_name(Lowerer *L, Module *m, const char *name)
{
	LEnv env = {.mod = m};
	L->why = NULL;
	LVal v = lower_name_in(L, &env, name);
	if (v.rec) {
		L->why = "a record is not a number";
		return NODE_NONE;
	}
	return v.node;
}
