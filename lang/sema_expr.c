/* sema_expr.c -- the typing and dimension rules of expressions.
 *
 * check_expr returns the Type of an expression in an Env and reports what
 * is wrong.  An operand that already failed has type TY_ERR and silences
 * everything built on it, so one mistake gives one message.
 */
#include "config.h"
#include "sema_int.h"
#include "suggest.h"

#include <math.h>
#include <string.h>

static void desc(Type t, char *buf, size_t n) { type_describe(t, buf, n); }

Type field_type(const FieldDef *f)
{
	Type t = ty(TY_ERR);
	switch (f->type) {
	case FT_NUM: case FT_EXPR: return ty_num(schema_dim(f), 0);
	case FT_BOOL: return ty(TY_BOOL);
	case FT_STR: return ty(TY_STR);
	case FT_WORD: return ty(TY_WORD);
	case FT_REF: case FT_BLOCK: t = ty(TY_REC); t.rec = f->target; return t;
	case FT_DIST: t = ty(TY_DIST); t.dim = schema_dim(f); return t;
	case FT_ARRIVAL: return ty(TY_ARRIVAL);
	case FT_SOURCE: return ty(TY_SOURCE);
	case FT_LIST: return ty(TY_TUPLE);
	}
	return t;
}

/* Evaluates a checked, param-free expression (domains, exponents, -D). */
bool const_value(Sema *s, Module *m, AstNode *e, Value *out)
{
	Env env = {.mod = m, .self = REC_NONE, .where = "a constant"};
	Type t = check_expr(s, &env, e);
	if (t.k == TY_ERR) return false;
	if (t.dep & DEP_PARAM) {
		sema_error(s, e->span, "this must be a constant, but it depends on a param");
		return false;
	}
	EvalEnv ee = {.sema = s, .mod = m};
	*out = value_eval(&ee, e);
	if (value_failed(out)) {
		sema_error(s, e->span, "this cannot be computed: %s", out->str);
		return false;
	}
	if (out->k == V_NONE) {
		sema_error(s, e->span, "this must be a constant: %s", out->str ? out->str : "its value is not known");
		return false;
	}
	return true;
}

/* --------------------------------------------------------------- names */

static Type check_name(Sema *s, Env *env, AstNode *e)
{
	const char *name = e->name;
	for (int i = 0; i < env->nargs; i++)
		if (strcmp(env->argnames[i], name) == 0)
			return env->argtypes ? env->argtypes[i] : ty(TY_ERR);
	if (strcmp(name, "self") == 0) {
		if (env->self != REC_NONE) {
			Type t = ty(TY_REC);
			t.rec = env->self;
			return t;
		}
		if (!env->in_fn)
			sema_error(s, e->span, "'self' is only available inside a record's block");
		return ty(TY_ERR);
	}
	RecKind ck = schema_context(name);
	if (ck != REC_NONE && (env->ctx & (1u << ck))) {
		Type t = ty(TY_REC);
		t.rec = ck;
		t.dep = DEP_CTX;
		return t;
	}
	Symbol *sym = sema_lookup(s, env->mod, name);
	if (!sym) {
		if (env->in_fn && ck == REC_NONE) return ty(TY_ERR); /* reported at the definition */
		if (ck != REC_NONE) {
			Diag *d = sema_diag(s, e->span, "'%s' names the bound %s, which %s cannot use",
					    name, schema_kind(ck)->name, env->where);
			diag_note(s->d, d, e->span, ck == REC_sim
				  ? "sim.* figures exist only in an optimize statement with 'D with W'"
				  : "bound records exist in metric bodies and in statements written with 'D with W'");
			sema_emit(s, d);
			return ty(TY_ERR);
		}
		Diag *d = sema_diag(s, e->span, "unknown name '%s'", name);
		sema_suggest_name(s, d, e->span, env->mod, name, env);
		sema_emit(s, d);
		return ty(TY_ERR);
	}
	switch (sym->kind) {
	case SYM_FN: {
		Diag *d = sema_diag(s, e->span, "'%s' is a function; call it as %s(...)", name, name);
		diag_note(s->d, d, sym->decl->nspan, "'%s' is defined here", name);
		sema_emit(s, d);
		return ty(TY_ERR);
	}
	case SYM_RECORD: {
		Type t = ty(TY_REC);
		t.rec = sym->rec ? sym->rec->kind : REC_NONE;
		if (t.rec == REC_NONE) return ty(TY_ERR);
		return t;
	}
	case SYM_PARAM:
		sema_check_symbol(s, sym);
		if (sym->type.k == TY_ERR) return sym->type;
		{
			Type t = sym->type;
			t.dep = sym->bound ? 0 : DEP_PARAM;
			return t;
		}
	case SYM_CONST:
	case SYM_METRIC:
		sema_check_symbol(s, sym);
		if (sym->kind == SYM_METRIC && (sym->type.dep & DEP_CTX) && (env->ctx & CTX_STD) != CTX_STD &&
		    sym->type.k != TY_ERR) {
			Diag *d = sema_diag(s, e->span, "metric '%s' uses a bound record (deployment, model, gpu, cluster or workload), which %s cannot use",
					    name, env->where);
			diag_note(s->d, d, e->span, "bind them: 'print %s for D with W' in a file, --for D --with W on the command line", name);
			sema_emit(s, d);
			return ty(TY_ERR);
		}
		return sym->type;
	}
	return ty(TY_ERR);
}

/* --------------------------------------------------------------- fields */

static Type check_field(Sema *s, Env *env, AstNode *e)
{
	Type o = check_expr(s, env, e->a);
	if (o.k == TY_ERR) return o;
	if (o.k != TY_REC) {
		char d[96];
		desc(o, d, sizeof d);
		sema_error(s, e->nspan, "cannot take field '%s' of %s: only records have fields", e->name, d);
		return ty(TY_ERR);
	}
	const FieldDef *f = schema_field(o.rec, e->name);
	if (!f) {
		Diag *d = sema_diag(s, e->nspan, "a %s has no field '%s'", schema_kind(o.rec)->name, e->name);
		Suggest sg;
		suggest_init(&sg, e->name);
		for (size_t i = 0; schema_field_at(i); i++)
			if (schema_field_at(i)->rec == o.rec) suggest_offer(&sg, schema_field_at(i)->name);
		if (suggest_best(&sg)) diag_note(s->d, d, e->nspan, "did you mean '%s'?", suggest_best(&sg));
		sema_emit(s, d);
		return ty(TY_ERR);
	}
	Type t = field_type(f);
	t.dep |= o.dep;
	if (f->type == FT_EXPR) t.dep |= DEP_PARAM; /* a formula of its context */
	return t;
}

/* ---------------------------------------------------------- operators */

static bool is_num(Type t) { return t.k == TY_NUM; }

static Type check_binary(Sema *s, Env *env, AstNode *e)
{
	Type a = check_expr(s, env, e->a);
	Type b = check_expr(s, env, e->b);
	if (a.k == TY_ERR || b.k == TY_ERR) return ty(TY_ERR);
	unsigned dep = a.dep | b.dep;
	char da[96], db[96];
	desc(a, da, sizeof da);
	desc(b, db, sizeof db);
	const char *op = ast_op_spelling(e->op);
	switch (e->op) {
	case OP_AND: case OP_OR:
		if (a.k != TY_BOOL || b.k != TY_BOOL) {
			sema_error(s, e->nspan, "'%s' needs two booleans, but got %s and %s", op, da, db);
			return ty(TY_ERR);
		}
		{ Type t = ty(TY_BOOL); t.dep = dep; return t; }
	case OP_EQ: case OP_NE:
		if ((a.k == TY_BOOL && b.k == TY_BOOL) ||
		    ((a.k == TY_STR || a.k == TY_WORD) && (b.k == TY_STR || b.k == TY_WORD))) {
			Type t = ty(TY_BOOL); t.dep = dep; return t;
		}
		/* fall through: numbers */
		__attribute__((fallthrough));
	case OP_LT: case OP_GT: case OP_LE: case OP_GE:
		if (!is_num(a) || !is_num(b)) {
			sema_error(s, e->nspan, "cannot compare %s with %s", da, db);
			return ty(TY_ERR);
		}
		if (!dim_eq(a.dim, b.dim)) {
			sema_error(s, e->nspan, "cannot compare %s with %s", da, db);
			return ty(TY_ERR);
		}
		{ Type t = ty(TY_BOOL); t.dep = dep; return t; }
	default:
		break;
	}
	if (!is_num(a) || !is_num(b)) {
		sema_error(s, e->nspan, "'%s' needs two numbers, but got %s and %s", op, da, db);
		return ty(TY_ERR);
	}
	switch (e->op) {
	case OP_ADD: case OP_SUB:
		if (!dim_eq(a.dim, b.dim)) {
			sema_error(s, e->nspan, "cannot %s %s and %s", e->op == OP_ADD ? "add" : "subtract", da, db);
			return ty(TY_ERR);
		}
		return ty_num(a.dim, dep);
	case OP_MUL: case OP_DIV: {
		Dim r;
		if (!dim_mul_ok(a.dim, b.dim, e->op == OP_MUL ? 1 : -1, &r)) {
			sema_error(s, e->nspan, "the dimension of this %s is out of range (exponents must stay within -100 to 100)",
				   e->op == OP_MUL ? "product" : "quotient");
			return ty(TY_ERR);
		}
		return ty_num(r, dep);
	}
	case OP_POW: {
		if (!dim_is_none(b.dim)) {
			sema_error(s, e->b->span, "an exponent must be dimensionless, but this is %s", db);
			return ty(TY_ERR);
		}
		if (dim_is_none(a.dim)) return ty_num(dim_none, dep);
		if (b.dep) {
			sema_error(s, e->b->span, "the exponent of %s must be a constant, not a formula of params", da);
			return ty(TY_ERR);
		}
		Value v;
		if (!const_value(s, env->mod, e->b, &v)) return ty(TY_ERR);
		for (long den = 1; den <= 6; den++) {
			double num = v.num * (double)den;
			if (num == floor(num) && fabs(num) < 1000) {
				Dim r;
				if (dim_pow(a.dim, (long)num, den, &r))
					return ty_num(r, dep);
			}
		}
		char ex[40];
		snprintf(ex, sizeof ex, "%g", v.num);
		sema_error(s, e->nspan, "%s raised to %s has no valid dimension: unit exponents must stay whole numbers from -100 to 100", da, ex);
		return ty(TY_ERR);
	}
	}
	return ty(TY_ERR);
}

/* --------------------------------------------------------------- calls */

static Type check_user_call(Sema *s, Env *env, AstNode *e, Symbol *fn);
static Type check_builtin_call(Sema *s, Env *env, AstNode *e, const Builtin *b);

static Type check_call(Sema *s, Env *env, AstNode *e)
{
	for (int i = 0; i < env->nargs; i++)
		if (strcmp(env->argnames[i], e->name) == 0) {
			sema_error(s, e->nspan, "'%s' is an argument, not a function", e->name);
			return ty(TY_ERR);
		}
	Symbol *sym = sema_lookup(s, env->mod, e->name);
	if (sym && sym->kind == SYM_FN)
		return check_user_call(s, env, e, sym);
	const Builtin *b = builtin_find(e->name);
	if (b) return check_builtin_call(s, env, e, b);
	if (sym) {
		Diag *d = sema_diag(s, e->nspan, "'%s' is a %s, not a function", e->name, sema_sym_what(sym));
		diag_note(s->d, d, sym->decl->nspan, "'%s' is defined here", e->name);
		sema_emit(s, d);
		return ty(TY_ERR);
	}
	if (env->in_fn) return ty(TY_ERR);
	Diag *d = sema_diag(s, e->nspan, "unknown function '%s'", e->name);
	Suggest sg;
	suggest_init(&sg, e->name);
	for (int i = 0; builtin_at(i); i++) suggest_offer(&sg, builtin_at(i)->name);
	s->visit++;
	if (suggest_best(&sg) && suggest_best(&sg)[0])
		diag_note(s->d, d, e->nspan, "did you mean '%s'?", suggest_best(&sg));
	else
		sema_suggest_name(s, d, e->nspan, env->mod, e->name, NULL);
	sema_emit(s, d);
	return ty(TY_ERR);
}

/* Binds a call's arguments to parameter names: positional first, then
 * named.  slots[i] receives the argument expression of parameter i. */
static bool bind_args(Sema *s, AstNode *call, const char *what, const char **names, int n,
		      bool variadic, AstNode **slots, AstNode **extra, int *nextra, Span defspan)
{
	int pos = 0;
	bool ok = true, named = false;
	AstNode *given[64];   /* the argument (named or not) that filled slot i */
	*nextra = 0;
	for (int i = 0; i < n; i++) slots[i] = given[i] = NULL;
	for (AstNode *a = call->kids; a; a = a->next) {
		if (a->kind == AST_NAMED) {
			named = true;
			int k = -1;
			for (int i = 0; i < n; i++)
				if (strcmp(names[i], a->name) == 0) k = i;
			if (k < 0) {
				Diag *d = sema_diag(s, a->nspan, "%s has no parameter named '%s'", what, a->name);
				Suggest sg;
				suggest_init(&sg, a->name);
				for (int i = 0; i < n; i++)
					if (!slots[i]) suggest_offer(&sg, names[i]);
				if (suggest_best(&sg)) diag_note(s->d, d, a->nspan, "did you mean '%s'?", suggest_best(&sg));
				sema_emit(s, d);
				ok = false;
			} else if (slots[k]) {
				Diag *d = sema_diag(s, a->nspan, "argument '%s' is given twice", a->name);
				diag_note(s->d, d, given[k]->kind == AST_NAMED ? given[k]->nspan : given[k]->span,
					  "first given here");
				sema_emit(s, d);
				ok = false;
			} else {
				slots[k] = a->a;
				given[k] = a;
			}
			continue;
		}
		if (named) {
			sema_error(s, a->span, "a positional argument cannot follow a named one");
			ok = false;
			continue;
		}
		if (pos < n) {
			given[pos] = a;
			slots[pos++] = a;
		}
		else if (variadic && n + *nextra < BUILTIN_MAX_ARGS) extra[(*nextra)++] = a;   /* what evaluation takes */
		else {
			Diag *d = variadic ? sema_diag(s, a->span, "too many arguments: %s takes at most %d", what, BUILTIN_MAX_ARGS)
					   : sema_diag(s, a->span, "too many arguments: %s takes %d", what, n);
			if (defspan.file) diag_note(s->d, d, defspan, "defined here");
			sema_emit(s, d);
			return false;
		}
	}
	return ok;
}

static Type check_user_call(Sema *s, Env *env, AstNode *e, Symbol *fn)
{
	AstNode *def = fn->decl;
	int n = ast_count(def->kids);
	const char *names[64];
	AstNode *slots[64], *extra[64];
	int nextra;
	if (n > 64) return ty(TY_ERR);
	int i = 0;
	for (AstNode *p = def->kids; p; p = p->next) names[i++] = p->name;
	char *what = arena_printf(s->ar, "'%s'", fn->name);
	if (!bind_args(s, e, what, names, n, false, slots, extra, &nextra, def->nspan))
		return ty(TY_ERR);
	Type args[64];
	bool bad = false;
	for (i = 0; i < n; i++) {
		if (!slots[i]) {
			Diag *d = sema_diag(s, e->span, "missing argument '%s' in the call to '%s'", names[i], fn->name);
			diag_note(s->d, d, def->nspan, "'%s' is defined here", fn->name);
			sema_emit(s, d);
			return ty(TY_ERR);
		}
		args[i] = check_expr(s, env, slots[i]);
		bad |= args[i].k == TY_ERR;
	}
	if (bad || fn->busy) return ty(TY_ERR); /* recursion: reported at the definition */
	unsigned dep = 0;
	for (i = 0; i < n; i++) dep |= args[i].dep;
	for (FnMemo *mm = fn->memo; mm; mm = mm->next) {
		bool same = true;
		for (i = 0; i < n && same; i++)
			same = mm->args[i].k == args[i].k && dim_eq(mm->args[i].dim, args[i].dim) &&
			       mm->args[i].rec == args[i].rec && mm->args[i].dep == args[i].dep;
		if (same) return mm->result;
	}
	if (s->ncalls >= (int)(sizeof s->calls / sizeof s->calls[0])) {
		sema_error(s, e->span, "functions nested more than %d calls deep", s->ncalls);
		return ty(TY_ERR);
	}
	Type *saved = arena_alloc(s->ar, (size_t)(n ? n : 1) * sizeof *saved);
	memcpy(saved, args, (size_t)n * sizeof *saved);
	Env body = {.mod = fn->mod, .argnames = names, .argtypes = saved, .nargs = n,
		    .ctx = env->ctx, .self = REC_NONE, .in_fn = true, .where = env->where};
	s->calls[s->ncalls++] = (CallFrame){e, fn->name};
	fn->busy = true;
	Type r = check_expr(s, &body, def->a);
	fn->busy = false;
	s->ncalls--;
	FnMemo *mm = arena_alloc(s->ar, sizeof *mm);
	mm->args = saved;
	mm->nargs = n;
	mm->result = r;
	mm->next = fn->memo;
	fn->memo = mm;
	r.dep |= dep;
	return r;
}

static Type builtin_result(const Builtin *b, Type a, Type first, Type argp, unsigned dep, bool lifted)
{
	Type t;
	switch (b->result) {
	case BR_A:
		t = ty_num(a.dim, dep);
		if (lifted) { t.k = TY_DIST; t.anydim = a.anydim; }
		return t;
	case BR_SQRT: {
		Dim d;
		if (!dim_pow(a.dim, 1, 2, &d)) return ty(TY_ERR);
		return ty_num(d, dep);
	}
	case BR_ONE: return ty_num(dim_none, dep);
	case BR_ARRIVAL: t = ty(TY_ARRIVAL); t.dep = dep; return t;
	case BR_DIST: t = ty(TY_DIST); t.dim = a.dim; t.dep = dep; return t;
	case BR_DIST_ANY: t = ty(TY_DIST); t.anydim = true; t.dep = dep; return t;
	case BR_DIST_ONE: t = ty(TY_DIST); t.dim = dim_none; t.dep = dep; return t;
	case BR_SOURCE: t = ty(TY_SOURCE); t.dep = dep; return t;
	case BR_DERIV: t = first; t.dim = dim_div(first.dim, argp.dim); return t;
	case BR_SAME: return first;
	case BR_MEAN: return ty_num(a.dim, dep);
	case BR_RATE: return ty_num(request_rate_dim(), dep);
	}
	return ty(TY_ERR);
}

static Type check_builtin_call(Sema *s, Env *env, AstNode *e, const Builtin *b)
{
	const char *names[BUILTIN_MAX_PARAMS];
	AstNode *slots[BUILTIN_MAX_PARAMS], *extra[BUILTIN_MAX_ARGS];
	int nextra, n = b->nparams;
	for (int i = 0; i < n; i++) names[i] = b->params[i].name;
	char *what = arena_printf(s->ar, "'%s'", b->name);
	if (!bind_args(s, e, what, names, n, b->variadic, slots, extra, &nextra, (Span){0, 0, 0}))
		return ty(TY_ERR);
	Type a = ty(TY_ERR), first = ty(TY_ERR), argp = ty(TY_ERR);
	bool have_a = false, bad = false, lifted = false;
	const char *a_name = NULL;
	unsigned dep = 0;
	for (int i = 0; i < n + nextra; i++) {
		const BuiltinParam *p = &b->params[i < n ? i : n - 1];
		AstNode *arg = i < n ? slots[i] : extra[i - n];
		const char *pname = i < n ? p->name : "...";
		if (!arg) {
			if (!p->optional) {
				sema_error(s, e->span, "'%s' needs the argument '%s'", b->name, p->name);
				bad = true;
			}
			continue;
		}
		if (p->kind == PK_WORD) {
			if (arg->kind != AST_NAME || !builtin_word_ok(p, arg->name)) {
				Diag *d = sema_diag(s, arg->span, "'%s' of '%s' must be one of %s", p->name, b->name, p->words);
				if (arg->kind == AST_NAME) {
					Suggest sg;
					suggest_init(&sg, arg->name);
					suggest_offer_words(&sg, p->words);
					if (suggest_best(&sg)) diag_note(s->d, d, arg->span, "did you mean '%s'?", suggest_best(&sg));
				}
				sema_emit(s, d);
				bad = true;
			}
			continue;
		}
		if (p->kind == PK_PARAM) {
			Symbol *sym = arg->kind == AST_NAME ? sema_lookup(s, env->mod, arg->name) : NULL;
			if (!sym || sym->kind != SYM_PARAM) {
				sema_error(s, arg->span, "the second argument of '%s' must name a param", b->name);
				bad = true;
				continue;
			}
			sema_check_symbol(s, sym);
			argp = sym->type;
			continue;
		}
		Type t = check_expr(s, env, arg);
		if (t.k == TY_ERR) { bad = true; continue; }
		dep |= t.dep;
		if (i == 0) first = t;
		if (i == 1 && b->id == BI_FALLBACK &&
		    (t.k != first.k || (t.k == TY_NUM && !dim_eq(t.dim, first.dim)) ||
		     (t.k == TY_REC && t.rec != first.rec))) {
			char d1[96], d2[96];
			desc(first, d1, sizeof d1);
			desc(t, d2, sizeof d2);
			sema_error(s, arg->span, "'y' of 'fallback' is %s, but 'x' is %s: they must be of one type", d2, d1);
			bad = true;
			continue;
		}
		char dt[96], dw[96];
		desc(t, dt, sizeof dt);
		switch (p->kind) {
		case PK_STR:
			if (t.k != TY_STR) {
				sema_error(s, arg->span, "'%s' of '%s' must be a string, not %s", pname, b->name, dt);
				bad = true;
			}
			break;
		case PK_DIM:
			if (t.k != TY_NUM || !dim_eq(t.dim, p->dim)) {
				desc(ty_num(p->dim, 0), dw, sizeof dw);
				sema_error(s, arg->span, "'%s' of '%s' must be %s, not %s", pname, b->name, dw, dt);
				bad = true;
			}
			break;
		case PK_A:
			if (t.k == TY_DIST && t.anydim && b->result == BR_MEAN) {
				sema_error(s, arg->span, "the mean of an empirical distribution is not known where it is written; "
					   "use it as a workload field: mean(workload.prompt)");
				bad = true;
				break;
			}
			if (t.k == TY_DIST && (b->result == BR_A || b->result == BR_MEAN)) {
				lifted = b->result == BR_A;
			} else if (t.k != TY_NUM) {
				sema_error(s, arg->span, "'%s' of '%s' must be a number, not %s", pname, b->name, dt);
				bad = true;
				break;
			}
			if (!have_a) {
				a = t;
				a_name = pname;
				have_a = true;
			} else if (!(t.k == TY_DIST && t.anydim) && !(a.k == TY_DIST && a.anydim) &&
				   !dim_eq(t.dim, a.dim)) {
				desc(a, dw, sizeof dw);
				sema_error(s, arg->span, "'%s' of '%s' is %s, but '%s' is %s: they must have the same dimension",
					   pname, b->name, dt, a_name, dw);
				bad = true;
			}
			break;
		default:
			if (b->id == BI_CV && t.k != TY_ARRIVAL && t.k != TY_DIST && t.k != TY_NUM) {
				sema_error(s, arg->span, "'%s' of '%s' must be a distribution or an arrival process, not %s",
					   pname, b->name, dt);
				bad = true;
			}
			if (b->result == BR_RATE && t.k != TY_ARRIVAL &&
			    !(t.k == TY_DIST && !t.anydim && dim_eq(t.dim, request_rate_dim()))) {
				sema_error(s, arg->span, "'%s' of '%s' must be an arrival process such as poisson(20 req/s), not %s",
					   pname, b->name, dt);
				bad = true;
			}
			break;
		}
	}
	if (bad) return ty(TY_ERR);
	if (b->result == BR_SQRT) {
		Dim d;
		if (!dim_pow(a.dim, 1, 2, &d)) {
			char dt[96];
			desc(a, dt, sizeof dt);
			sema_error(s, e->span, "the square root of %s does not have whole-number dimensions", dt);
			return ty(TY_ERR);
		}
	}
	Dim q;
	if (b->result == BR_DERIV && !dim_mul_ok(first.dim, argp.dim, -1, &q)) {
		sema_error(s, e->span, "the dimension of this derivative is out of range");
		return ty(TY_ERR);
	}
	return builtin_result(b, a, first, argp, dep, lifted);
}

/* ------------------------------------------------------------ dispatch */

Type check_expr(Sema *s, Env *env, AstNode *e)
{
	if (!e) return ty(TY_ERR);
	switch (e->kind) {
	case AST_NUM: return ty_num(e->dim, 0);
	case AST_STR: return ty(TY_STR);
	case AST_BOOL: return ty(TY_BOOL);
	case AST_NAME: return check_name(s, env, e);
	case AST_FIELD: return check_field(s, env, e);
	case AST_CALL: return check_call(s, env, e);
	case AST_BINARY: return check_binary(s, env, e);
	case AST_UNARY: {
		Type a = check_expr(s, env, e->a);
		if (a.k == TY_ERR) return a;
		char da[96];
		desc(a, da, sizeof da);
		if (e->op == OP_NOT && a.k != TY_BOOL) {
			sema_error(s, e->nspan, "'not' needs a boolean, but got %s", da);
			return ty(TY_ERR);
		}
		if (e->op == OP_NEG && a.k != TY_NUM) {
			sema_error(s, e->nspan, "'-' needs a number, but got %s", da);
			return ty(TY_ERR);
		}
		return a;
	}
	case AST_IF: {
		Type c = check_expr(s, env, e->a);
		Type a = check_expr(s, env, e->b);
		Type b = check_expr(s, env, e->c);
		if (c.k == TY_ERR || a.k == TY_ERR || b.k == TY_ERR) return ty(TY_ERR);
		char dc[96], da[96], db[96];
		desc(c, dc, sizeof dc);
		if (c.k != TY_BOOL) {
			sema_error(s, e->a->span, "the condition of 'if' must be a boolean, not %s", dc);
			return ty(TY_ERR);
		}
		desc(a, da, sizeof da);
		desc(b, db, sizeof db);
		if (a.k != b.k || (a.k == TY_NUM && !dim_eq(a.dim, b.dim)) || (a.k == TY_REC && a.rec != b.rec)) {
			sema_error(s, e->c->span, "the branches of 'if' differ: 'then' gives %s, 'else' gives %s", da, db);
			return ty(TY_ERR);
		}
		a.dep |= b.dep | c.dep;
		return a;
	}
	case AST_SET: case AST_TUPLE: {
		Type first = ty(TY_ERR);
		bool have = false, bad = false;
		unsigned dep = 0;
		for (AstNode *k = e->kids; k; k = k->next) {
			Type t = check_expr(s, env, k);
			if (t.k == TY_ERR) { bad = true; continue; }
			dep |= t.dep;
			if (e->kind == AST_TUPLE) continue;
			if (t.k != TY_NUM) {
				char dt[96];
				desc(t, dt, sizeof dt);
				sema_error(s, k->span, "a set holds numbers, not %s", dt);
				bad = true;
			} else if (!have) {
				first = t;
				have = true;
			} else if (!dim_eq(t.dim, first.dim)) {
				char dt[96], df[96];
				desc(t, dt, sizeof dt);
				desc(first, df, sizeof df);
				sema_error(s, k->span, "this member is %s, but the set's first member is %s", dt, df);
				bad = true;
			}
		}
		if (bad) return ty(TY_ERR);
		Type t = ty(e->kind == AST_SET ? TY_SET : TY_TUPLE);
		t.dim = first.dim;
		t.dep = dep;
		return t;
	}
	case AST_RANGE:
		sema_error(s, e->nspan, "a range 'LO .. HI' is only allowed as a param's domain");
		return ty(TY_ERR);
	default:
		sema_error(s, e->span, "not an expression");
		return ty(TY_ERR);
	}
}
