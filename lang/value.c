/* value.c -- the constant evaluator (value.h).
 *
 * Record fields are late-bound: `self.x` inside a record, and a field's
 * schema default, see the record being asked (with its overrides), not the
 * base that wrote the entry.  Division by zero and domain errors (log of a
 * non-positive number, square root of a negative one) give V_NONE with the
 * reason instead of inf or NaN.
 */
#include "config.h"
#include "sema_int.h"
#include "parse.h"
#include "../runtime/num.h"

#include <math.h>
#include <string.h>

static Value eval(EvalEnv *env, AstNode *e);

static RecKind kind_at(const Value *rv, int depth)
{
	RecKind k = rv->rec->kind;
	for (int i = 0; i < depth && k != REC_NONE; i++) {
		const FieldDef *f = schema_field(k, rv->path[i]);
		k = f ? f->target : REC_NONE;
	}
	return k;
}

/* The entry for path[0..depth) + name in r's own entries, or NULL. */
static AstNode *find_entry(Record *r, const Value *rv, const char *name)
{
	AstNode *list = r->entries;
	for (int i = 0; i <= rv->depth; i++) {
		const char *want = i < rv->depth ? rv->path[i] : name;
		AstNode *hit = NULL;
		for (AstNode *e = list; e; e = e->next)
			if (!strcmp(e->name, want)) { hit = e; break; }
		if (!hit) return NULL;
		if (i == rv->depth) return hit;
		list = hit->kids;
	}
	return NULL;
}

/* The parsed default of a schema field, cached in the Sema. */
static AstNode *default_expr(Sema *s, const FieldDef *f)
{
	size_t idx = 0, n = 0;
	while (schema_field_at(n)) n++;
	while (idx < n && schema_field_at(idx) != f) idx++;
	if (!s->defaults) s->defaults = arena_alloc(s->ar, (n + 1) * sizeof *s->defaults);
	if (s->defaults[idx]) return s->defaults[idx];
	char *name = arena_printf(s->ar, "<default of %s.%s>", schema_kind(f->rec)->name, f->name);
	uint32_t file = source_add(&s->prog->sources, name, NULL, f->deflt, strlen(f->deflt));
	return s->defaults[idx] = parse_expr(s->ar, s->d, file);
}

/* The fields being evaluated, innermost first: meeting one again is a
 * field defined in terms of itself (`mem = g.mem`, `x = self.x`). */
typedef struct FieldFrame {
	const Record *rec;
	const Value *rv;
	const char *name;
	struct FieldFrame *up;
} FieldFrame;

static bool same_place(const Value *a, const Value *b)
{
	if (a->rec != b->rec || a->depth != b->depth) return false;
	for (int i = 0; i < a->depth; i++)
		if (strcmp(a->path[i], b->path[i])) return false;
	return true;
}

static Value field_value(Sema *s, const Value *rv, const char *name, const Value *ctx);

Value value_field(Sema *s, const Value *rv, const char *name, const Value *ctx)
{
	if (rv->k != V_REC || !rv->rec) return value_none("not a record");
	for (FieldFrame *f = s->fields; f; f = f->up)
		if (!strcmp(f->name, name) && same_place(f->rv, rv)) {
			const char *owner = rv->rec->name ? rv->rec->name : schema_kind(rv->rec->kind)->name;
			return value_fail(arena_printf(s->ar, "field '%s' of '%s' is defined in terms of itself", name, owner));
		}
	FieldFrame frame = {rv->rec, rv, name, s->fields};
	s->fields = &frame;
	Value v = field_value(s, rv, name, ctx);
	s->fields = frame.up;
	return v;
}

FieldSource value_field_source(Sema *s, const Value *rv, const char *name)
{
	FieldSource src = {0};
	src.value = value_none("no such field");
	if (rv->k != V_REC || !rv->rec) return src;
	RecKind kind = kind_at(rv, rv->depth);
	const FieldDef *f = kind == REC_NONE ? NULL : schema_field(kind, name);
	if (!f) return src;
	src.field = f;
	if (f->type == FT_BLOCK) {
		Value v = *rv;
		if (v.depth >= VALUE_MAX_PATH) {
			src.value = value_none("blocks nested too deep");
			return src;
		}
		v.path[v.depth++] = f->name;
		src.value = v;
		return src;
	}
	for (Record *r = rv->rec; r; r = r->base) {
		AstNode *e = find_entry(r, rv, name);
		if (!e) continue;
		if (f->type == FT_REF && e->op == 1 && e->aux)
			src.value = (Value){.k = V_REC, .rec = e->aux};
		else if (e->a && e->a->kind == AST_NAME && f->words[0] && schema_word_ok(f, e->a->name))
			src.value = (Value){.k = V_WORD, .str = e->a->name};
		else if (f->type == FT_WORD && e->a && e->a->kind == AST_NAME)
			src.value = (Value){.k = V_WORD, .str = e->a->name};
		else {
			src.expr = e->a;
			src.mod = r->mod;
		}
		return src;
	}
	/* a prefill or decode block takes what it does not set from its
	   deployment: `deployment { tp = 4; prefill { replicas = 2 } }` runs
	   prefill workers of tp 4 */
	if (kind == REC_pool && rv->depth >= 1) {
		Value parent = *rv;
		parent.depth--;
		if (kind_at(&parent, parent.depth) == REC_deployment && schema_field(REC_deployment, name))
			return value_field_source(s, &parent, name);
	}
	if (!f->deflt[0]) {
		const char *owner = rv->rec->name ? rv->rec->name : schema_kind(rv->rec->kind)->name;
		src.value = value_none(arena_printf(s->ar, "field '%s' of '%s' is not set", name, owner));
		return src;
	}
	if (f->words[0] && schema_word_ok(f, f->deflt)) {
		src.value = (Value){.k = V_WORD, .str = f->deflt};
		return src;
	}
	src.expr = default_expr(s, f);
	src.mod = s->prog->root;
	src.is_default = true;
	if (!src.expr) src.value = value_none("bad default");
	return src;
}

static Value field_value(Sema *s, const Value *rv, const char *name, const Value *ctx)
{
	FieldSource src = value_field_source(s, rv, name);
	if (!src.expr) return src.value;
	EvalEnv env = {.sema = s, .mod = src.mod, .self = rv, .ctx = ctx};
	if (src.field->type == FT_EXPR) env.ctx = NULL; /* a formula of batch.*: kept */
	Value v = eval(&env, src.expr);
	if (src.field->type == FT_EXPR && v.k == V_NONE)
		return (Value){.k = V_EXPR, .expr = src.expr, .mod = src.mod};
	return v;
}

static __attribute__((noinline)) Value eval_name(EvalEnv *env, AstNode *e)
{
	Sema *s = env->sema;
	for (int i = 0; i < env->nargs; i++)
		if (!strcmp(env->argnames[i], e->name)) return env->args[i];
	if (!strcmp(e->name, "self") && env->self) {
		return *env->self;
	}
	RecKind ck = schema_context(e->name);
	Symbol *sym = NULL;
	if (ck != REC_NONE && env->ctx) return env->ctx[ck];
	sym = sema_lookup(s, env->mod, e->name);
	if (!sym) {
		if (ck != REC_NONE)
			return value_none(arena_printf(s->ar, "'%s' is not bound (write 'for D with W')", e->name));
		return value_none(arena_printf(s->ar, "unknown name '%s'", e->name));
	}
	switch (sym->kind) {
	case SYM_CONST:
		if (sym->state != 2) sema_check_symbol(s, sym);
		return sym->value;
	case SYM_PARAM:
		if (sym->bound) return sym->value;
		return value_none(arena_printf(s->ar, "it depends on the free param '%s'", sym->name));
	case SYM_RECORD:
		return (Value){.k = V_REC, .rec = sym->rec};
	case SYM_METRIC: {
		EvalEnv me = {.sema = s, .mod = sym->mod, .ctx = env->ctx};
		return eval(&me, sym->decl->a);
	}
	case SYM_FN:
		return value_none("a function is not a value");
	}
	return value_none("unknown");
}

/* min, max, abs, ceil, floor, sqrt, log, exp, clamp of numbers.  Kept
 * out of eval_node (noinline) with only the arguments' numbers on its
 * frame: every level of a deep evaluation pays for eval_node's frame. */
static __attribute__((noinline)) Value eval_math(EvalEnv *env, AstNode *e, const Builtin *b)
{
	double v[BUILTIN_MAX_ARGS];
	Dim dim0 = dim_none;
	int n = 0;
	Value unknown = {0};
	bool have_unknown = false;
	for (AstNode *a = e->kids; a && n < BUILTIN_MAX_ARGS; a = a->next) {
		Value x = eval(env, a->kind == AST_NAMED ? a->a : a);
		if (value_failed(&x)) return x;
		if (x.k == V_NONE && !have_unknown) {
			unknown = x;
			have_unknown = true;
		}
		if (x.k == V_EXPR) return (Value){.k = V_EXPR, .expr = e, .mod = env->mod};
		if (x.k != V_NUM && x.k != V_NONE) return value_none("not a number");
		if (n == 0) dim0 = x.dim;
		v[n++] = x.num;
	}
	if (have_unknown) return unknown;
	if (n == 0) return value_none("no arguments");
	double x = v[0];
	switch (b->id) {
	case BI_MIN: for (int i = 1; i < n; i++) if (v[i] < x) x = v[i]; break;
	case BI_MAX: for (int i = 1; i < n; i++) if (v[i] > x) x = v[i]; break;
	case BI_ABS: x = fabs(x); break;
	case BI_CEIL: x = ceil(x); break;
	case BI_FLOOR: x = floor(x); break;
	case BI_SQRT: {
		if (x < 0) return value_fail("square root of a negative number");
		Dim d;
		dim_pow(dim0, 1, 2, &d);
		return value_num(sqrt(x), d);
	}
	case BI_LOG:
		if (!(x > 0)) return value_fail("logarithm of a number <= 0");
		x = log(x);
		break;
	case BI_EXP: x = exp(x); if (!isfinite(x)) return value_fail("the result overflows"); break;
	case BI_CLAMP: x = num_min(num_max(x, v[1]), v[2]); break; /* as lowered */
	default: break;
	}
	return value_num(x, dim0);
}

static __attribute__((noinline)) Value eval_call(EvalEnv *env, AstNode *e)
{
	Sema *s = env->sema;
	bool shadowed = false;
	for (int i = 0; i < env->nargs; i++) shadowed |= !strcmp(env->argnames[i], e->name);
	Symbol *fn = shadowed ? NULL : sema_lookup(s, env->mod, e->name);
	if (fn && fn->kind == SYM_FN) {
		int n = ast_count(fn->decl->kids);
		const char **names = arena_alloc(s->ar, (size_t)(n + 1) * sizeof *names);
		Value *args = arena_alloc(s->ar, (size_t)(n + 1) * sizeof *args);
		int i = 0;
		for (AstNode *p = fn->decl->kids; p; p = p->next) names[i++] = p->name;
		i = 0;
		for (AstNode *a = e->kids; a; a = a->next) {
			if (a->kind == AST_NAMED) {
				for (int k = 0; k < n; k++)
					if (!strcmp(names[k], a->name)) args[k] = eval(env, a->a);
			} else if (i < n) {
				args[i++] = eval(env, a);
			}
		}
		EvalEnv body = {.sema = s, .mod = fn->mod, .argnames = names, .args = args,
				.nargs = n, .ctx = env->ctx};
		return eval(&body, fn->decl->a);
	}
	const Builtin *b = builtin_find(e->name);
	if (!b) return value_none("unknown function");
	switch (b->id) {
	case BI_MIN: case BI_MAX: case BI_ABS: case BI_CEIL: case BI_FLOOR:
	case BI_SQRT: case BI_LOG: case BI_EXP: case BI_CLAMP:
		return eval_math(env, e, b);
	case BI_NAN:
		return value_none("nan() marks an infeasible point");
	case BI_FALLBACK: {
		AstNode *x = e->kids, *y = x ? x->next : NULL;
		if (!x || !y) return value_none("bad arguments");
		Value v = eval(env, x->kind == AST_NAMED ? x->a : x);
		if (v.k != V_NONE || value_failed(&v)) return v;
		if (v.str && strstr(v.str, "is not set") == NULL && strstr(v.str, "no deployment") == NULL) return v;
		return eval(env, y->kind == AST_NAMED ? y->a : y);
	}
	case BI_DERIV: case BI_SIMPLIFY: case BI_MEAN: case BI_RATE: case BI_CV:
		return value_none(arena_printf(s->ar, "'%s' is symbolic", b->name));
	default:
		return (Value){.k = V_EXPR, .expr = e, .mod = env->mod};
	}
}

static Value check_finite(Value v)
{
	if (v.k == V_NUM && !isfinite(v.num)) return value_fail("the result overflows");
	return v;
}

static __attribute__((noinline)) Value arith(EvalEnv *env, AstNode *e, Value a, Value b)
{
	Sema *s = env->sema;
	double x = a.num, y = b.num, r;
	switch (e->op) {
	case OP_ADD: r = x + y; return check_finite(value_num(r, a.dim));
	case OP_SUB: r = x - y; return check_finite(value_num(r, a.dim));
	case OP_MUL: r = x * y; return check_finite(value_num(r, dim_mul(a.dim, b.dim)));
	case OP_DIV:
		if (y == 0) return value_fail("division by zero");
		return check_finite(value_num(x / y, dim_div(a.dim, b.dim)));
	case OP_POW: {
		r = num_pow(x, y);
		if (isnan(r)) return value_fail("a negative number to a fractional power");
		Dim d = dim_none;
		for (long den = 1; den <= 6; den++) {
			double num = y * (double)den;
			if (num == floor(num) && fabs(num) < 1000 && dim_pow(a.dim, (long)num, den, &d)) break;
		}
		return check_finite(value_num(r, dim_is_none(a.dim) ? dim_none : d));
	}
	case OP_LT: return (Value){.k = V_BOOL, .num = x < y};
	case OP_GT: return (Value){.k = V_BOOL, .num = x > y};
	case OP_LE: return (Value){.k = V_BOOL, .num = x <= y};
	case OP_GE: return (Value){.k = V_BOOL, .num = x >= y};
	case OP_EQ: return (Value){.k = V_BOOL, .num = x == y};
	case OP_NE: return (Value){.k = V_BOOL, .num = x != y};
	}
	(void)s;
	return value_none("bad operator");
}

static Value eval_node(EvalEnv *env, AstNode *e);

/* Bounded recursion: expressions nest at most PARSE_MAX_DEPTH deep and
 * definitions SEMA_MAX_DEPTH, so legitimate evaluation stays far below. */
enum { EVAL_MAX_DEPTH = 3000 };

static Value eval(EvalEnv *env, AstNode *e)
{
	Sema *s = env->sema;
	if (!e) return value_none("missing");
	if (--s->budget < 0) return value_fail("the expression is too large to evaluate");
	if (s->eval_depth >= EVAL_MAX_DEPTH)
		return value_fail("evaluation nests too deeply");
	s->eval_depth++;
	Value v = eval_node(env, e);
	s->eval_depth--;
	return v;
}

static Value eval_node(EvalEnv *env, AstNode *e)
{
	Sema *s = env->sema;
	switch (e->kind) {
	case AST_NUM: return value_num(e->num, e->dim);
	case AST_STR: return (Value){.k = V_STR, .str = e->name};
	case AST_BOOL: return (Value){.k = V_BOOL, .num = e->num};
	case AST_NAME: return eval_name(env, e);
	case AST_FIELD: {
		Value o = eval(env, e->a);
		if (o.k != V_REC) return o.k == V_NONE ? o : value_none("not a record");
		return value_field(s, &o, e->name, env->ctx);
	}
	case AST_CALL: return eval_call(env, e);
	case AST_UNARY: {
		Value a = eval(env, e->a);
		if (a.k == V_NONE) return a;
		if (e->op == OP_NOT) return (Value){.k = V_BOOL, .num = !a.num};
		a.num = -a.num;
		return a;
	}
	case AST_BINARY: {
		/* both sides are evaluated even when the left is unknown, so that
		 * a failure on the right (a cycle, ÷0) is never hidden */
		Value a = eval(env, e->a);
		if (value_failed(&a)) return a;
		if (e->op == OP_AND && a.k == V_BOOL && !a.num) return a;
		if (e->op == OP_OR && a.k == V_BOOL && a.num) return a;
		Value b = eval(env, e->b);
		if (value_failed(&b) || a.k == V_NONE) return value_failed(&b) ? b : a;
		if (b.k == V_NONE) return b;
		if (e->op == OP_AND || e->op == OP_OR) return b;
		if ((e->op == OP_EQ || e->op == OP_NE) && (a.k == V_STR || a.k == V_WORD) &&
		    (b.k == V_STR || b.k == V_WORD)) {
			bool eq = !strcmp(a.str, b.str);
			return (Value){.k = V_BOOL, .num = e->op == OP_EQ ? eq : !eq};
		}
		if (a.k != V_NUM && a.k != V_BOOL) return value_none("not a number");
		if (b.k != V_NUM && b.k != V_BOOL) return value_none("not a number");
		return arith(env, e, a, b);
	}
	case AST_IF: {
		Value c = eval(env, e->a);
		if (c.k == V_NONE && !value_failed(&c)) {
			/* unknown condition: still look for failures in the branches */
			Value a = eval(env, e->b), b = eval(env, e->c);
			return value_failed(&a) ? a : value_failed(&b) ? b : c;
		}
		if (c.k != V_BOOL) return c.k == V_NONE ? c : value_none("not a boolean");
		return eval(env, c.num ? e->b : e->c);
	}
	case AST_SET: case AST_TUPLE:
		return (Value){.k = V_EXPR, .expr = e, .mod = env->mod};
	default:
		return value_none("not an expression");
	}
}

Value value_eval(EvalEnv *env, AstNode *e) { return eval(env, e); }

void value_format_in(Buf *out, const Value *v, const char *unit)
{
	double mul, div;
	Dim d;
	size_t bo, bl;
	if (v->k == V_NUM && unit && unit[0] && unit_parse(unit, strlen(unit), &mul, &div, &d, &bo, &bl) &&
	    dim_eq(d, v->dim) && (mul != 1 || div != 1)) {
		char x[40];
		num_format(x, sizeof x, v->num * div / mul);
		buf_printf(out, "%s %s", x, unit);
		return;
	}
	value_format(out, v);
}

void value_format(Buf *out, const Value *v)
{
	char x[40], d[64];
	switch (v->k) {
	case V_NUM:
		num_format(x, sizeof x, v->num);
		buf_puts(out, x);
		if (!dim_is_none(v->dim)) {
			dim_format(v->dim, d, sizeof d);
			buf_printf(out, " %s", d);
		}
		return;
	case V_BOOL: buf_puts(out, v->num ? "true" : "false"); return;
	case V_STR: buf_puts(out, v->str); return;
	case V_WORD: buf_puts(out, v->str); return;
	case V_REC:
		if (v->rec->name) buf_puts(out, v->rec->name);
		else buf_printf(out, "<%s>", schema_kind(v->rec->kind)->name);
		for (int i = 0; i < v->depth; i++) buf_printf(out, ".%s", v->path[i]);
		return;
	case V_EXPR: ast_print_expr(out, v->expr); return;
	case V_NONE: buf_puts(out, "?"); return;
	}
}

bool value_param_default(Sema *s, const char *name, double *v)
{
	Symbol *p = sema_lookup(s, s->prog->root, name);
	if (!p || p->kind != SYM_PARAM || !p->decl->b) return false;
	EvalEnv ee = {.sema = s, .mod = p->mod};
	Value x = value_eval(&ee, p->decl->b);
	if (x.k != V_NUM) return false;
	if (p->decl->kname && dim_is_none(x.dim) && !dim_is_none(p->type.dim)) {
		double mul, div;
		Dim d;
		size_t bo, bl;
		if (unit_parse(p->decl->kname, strlen(p->decl->kname), &mul, &div, &d, &bo, &bl))
			x.num = x.num * mul / div;
	}
	*v = x.num;
	return true;
}
