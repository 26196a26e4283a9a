/* sema_stmt.c -- statements: simulate, optimize, print, graph.
 *
 * stmt_check checks a statement's names and types.  stmt_run executes it:
 * `print` evaluates its expression (binding the deployment and workload of
 * `for D with W`); `simulate`, `optimize` and `graph` go to the hooks the
 * driver gives (compiler/simulate.c, compiler/optimize.c, graph.c).
 */
#include "config.h"
#include <math.h>
#include "sema_int.h"

#include <string.h>

/* D and W of `simulate D with W`: the symbol must be a record of `kind`. */
static Record *target(Sema *s, Module *m, const char *name, Span sp, RecKind kind, const char *stmt)
{
	Symbol *sym = sema_lookup(s, m, name);
	if (!sym) {
		Diag *d = sema_diag(s, sp, "unknown name '%s'", name);
		sema_suggest_name(s, d, sp, m, name, NULL);
		sema_emit(s, d);
		return NULL;
	}
	sema_check_symbol(s, sym);
	if (sym->kind != SYM_RECORD || !sym->rec || sym->rec->kind != kind) {
		Diag *d = sema_diag(s, sp, "%s needs a %s here, but '%s' is a %s", stmt,
				    schema_kind(kind)->name, name, sema_sym_what(sym));
		diag_note(s->d, d, sym->decl->nspan, "'%s' is defined here", name);
		sema_emit(s, d);
		return NULL;
	}
	return sym->rec;
}

/* Whether an objective of optimize statement `it` is named `name`. */
static bool objective_named(const AstNode *it, const char *name)
{
	for (const AstNode *o = it->kids; o; o = o->next)
		if (o->kind == AST_OBJECTIVE && o->kname && !strcmp(o->kname, name)) return true;
	return false;
}

static void check_optimize(Sema *s, Module *m, AstNode *it)
{
	bool bound = it->name != NULL;
	if (bound) {
		target(s, m, it->name, it->b->span, REC_deployment, "optimize");
		target(s, m, it->kname, it->kspan, REC_workload, "optimize");
	}
	Env env = {.mod = m, .self = REC_NONE,
		   .ctx = bound ? CTX_STD | (1u << REC_sim) : 0,
		   .where = bound ? "an optimize statement" : "an optimize statement without 'D with W'"};
	AstNode *seen[AST_KIND_COUNT] = {0};
	int objectives = 0;
	bool broken = false;
	for (AstNode *c = it->kids; c; c = c->next) {
		if (c->kind == AST_ERROR) {
			broken = true;  /* a clause did not parse: reported already */
			continue;
		}
		if (c->kind != AST_OBJECTIVE && c->kind != AST_SUBJECT) {
			if (seen[c->kind]) {
				Diag *d = sema_diag(s, c->nspan, "'%s' is given twice in one optimize statement",
						    ast_kind_name(c->kind));
				diag_note(s->d, d, seen[c->kind]->nspan, "first given here");
				sema_emit(s, d);
				continue;
			}
			seen[c->kind] = c;
		}
		switch (c->kind) {
		case AST_OBJECTIVE: {
			objectives++;
			for (AstNode *o = it->kids; c->kname && o != c; o = o->next)
				if (o->kind == AST_OBJECTIVE && o->kname && !strcmp(o->kname, c->kname)) {
					Diag *d = sema_diag(s, c->kspan, "two objectives are named '%s'", c->kname);
					diag_note(s->d, d, o->kspan, "first named here");
					sema_emit(s, d);
				}
			Type t = check_expr(s, &env, c->a);
			if (t.k != TY_ERR && t.k != TY_NUM) {
				char dt[96];
				type_describe(t, dt, sizeof dt);
				sema_error(s, c->a->span, "an objective must be a number, not %s", dt);
			}
			break;
		}
		case AST_SUBJECT:
			for (AstNode *k = c->kids; k; k = k->next) {
				Type t = check_expr(s, &env, k);
				if (t.k != TY_ERR && t.k != TY_BOOL) {
					char dt[96];
					type_describe(t, dt, sizeof dt);
					sema_error(s, k->span, "a constraint must be a comparison such as 'x <= 10 ms', not %s", dt);
				}
			}
			break;
		case AST_OVER: {
			AstNode *list = c->a->kind == AST_TUPLE ? c->a->kids : c->a;
			bool single = c->a->kind != AST_TUPLE;
			for (AstNode *k = list; k; k = single ? NULL : k->next) {
				Symbol *p = k->kind == AST_NAME ? sema_lookup(s, m, k->name) : NULL;
				if (!p || p->kind != SYM_PARAM) {
					sema_error(s, k->span, "'over' lists params, but this is not a param");
					continue;
				}
				for (AstNode *q = list; !single && q != k; q = q->next)
					if (q->kind == AST_NAME && !strcmp(q->name, k->name)) {
						sema_error(s, k->span, "param '%s' is listed twice", k->name);
						break;
					}
			}
			break;
		}
		case AST_METHOD: {
			AstNode *me = c->a;
			static const char *methods = "grid|pareto|weighted|epsilon|nlopt";
			const char *name = me->kind == AST_NAME || me->kind == AST_CALL ? me->name : "";
			char pat[48];
			snprintf(pat, sizeof pat, "|%s|", name);
			if (!strstr("|grid|pareto|weighted|epsilon|nlopt|", pat))
				sema_error(s, me->span, "unknown method; use one of %s", methods);
			else if (me->kind == AST_CALL)
				for (AstNode *a = me->kids; a; a = a->next) {
					AstNode *v = a->kind == AST_NAMED ? a->a : a;
					if (v->kind == AST_NAME) continue; /* a word or an objective's name */
					if (v->kind == AST_BINARY && v->a->kind == AST_NAME && objective_named(it, v->a->name))
						v = v->b;   /* epsilon's bound on a named objective */
					Type t = check_expr(s, &env, v);
					(void)t;
				}
			break;
		}
		case AST_VERIFY: {
			Value v;
			if (strcmp(c->name, "simulation") != 0)
				sema_error(s, c->kspan, "write 'verify top K by simulation'");
			else if (const_value(s, m, c->a, &v) &&
				 (v.k != V_NUM || !dim_is_none(v.dim) || !(v.num >= 1 && v.num <= 1e9) || v.num != floor(v.num)))
				sema_error(s, c->a->span, "'verify top K' needs a whole number K from 1 to 10^9");
			break;
		}
		default:
			break;
		}
	}
	if (!objectives && !broken)
		sema_error(s, it->nspan, "optimize needs at least one 'maximize' or 'minimize'");
}

void stmt_check(Sema *s, Module *m, AstNode *it)
{
	switch (it->kind) {
	case AST_SIMULATE:
		target(s, m, it->name, it->nspan, REC_deployment, "simulate");
		target(s, m, it->kname, it->kspan, REC_workload, "simulate");
		if (it->a) entries_check(s, m, REC_simulation, it->a->kids, NULL);
		return;
	case AST_OPTIMIZE:
		check_optimize(s, m, it);
		return;
	case AST_PRINT: {
		bool bound = it->name != NULL;
		if (bound) {
			target(s, m, it->name, it->b->span, REC_deployment, "print ... for");
			target(s, m, it->kname, it->kspan, REC_workload, "print ... for");
		}
		Env env = {.mod = m, .self = REC_NONE, .ctx = bound ? CTX_STD : 0,
			   .where = bound ? "print" : "print without 'for D with W'"};
		check_expr(s, &env, it->a);
		return;
	}
	case AST_GRAPH: {
		if (it->name) {
			target(s, m, it->name, it->c->span, REC_deployment, "graph ... for");
			target(s, m, it->kname, it->kspan, REC_workload, "graph ... for");
		}
		Env env = {.mod = m, .self = REC_NONE, .ctx = CTX_STD, .where = "graph"};
		check_expr(s, &env, it->a);
		if (!it->b->name[0]) sema_error(s, it->b->span, "graph needs a file name");
		return;
	}
	default:
		return;
	}
}

/* `print RECORD` shows every field as the record resolves it (its own
 * entries, its bases', then the schema defaults), nested blocks indented. */
static void format_record(Sema *s, Buf *b, const Value *rv, const Value *ctx, int indent)
{
	RecKind kind = rv->rec->kind;
	for (int i = 0; i < rv->depth; i++) {
		const FieldDef *f = schema_field(kind, rv->path[i]);
		kind = f ? f->target : REC_NONE;
	}
	if (kind == REC_NONE) return;
	if (indent == 0) {
		buf_printf(b, "%s ", schema_kind(kind)->name);
		value_format(b, rv);
		buf_puts(b, " {\n");
	}
	for (size_t i = 0; schema_field_at(i); i++) {
		const FieldDef *f = schema_field_at(i);
		if (f->rec != kind) continue;
		buf_printf(b, "%*s%s", 2 * (indent + 1), "", f->name);
		Value v = value_field(s, rv, f->name, ctx);
		if (f->type == FT_BLOCK && v.k == V_REC) {
			buf_puts(b, " {\n");
			format_record(s, b, &v, ctx, indent + 1);
			buf_printf(b, "%*s}\n", 2 * (indent + 1), "");
			continue;
		}
		buf_puts(b, " = ");
		if (v.k == V_NONE) buf_puts(b, value_failed(&v) ? "<error>" : "<not set>");
		else value_format_in(b, &v, f->dimspec);
		buf_putc(b, '\n');
	}
	if (indent == 0) buf_puts(b, "}");
}

bool sema_check_cli_expr(Sema *s, AstNode *e, bool bound, Dim *dim)
{
	int errors = s->d->errors;
	Env env = {.mod = s->prog->root, .self = REC_NONE, .ctx = bound ? CTX_STD : 0,
		   .where = bound ? "an expression" : "an expression without --for D --with W"};
	Type t = check_expr(s, &env, e);
	if (t.k != TY_NUM && t.k != TY_BOOL && t.k != TY_ERR) {
		char dt[96];
		type_describe(t, dt, sizeof dt);
		sema_error(s, e->span, "this is %s, not a number", dt);
	}
	*dim = t.dim;
	return s->d->errors == errors && t.k != TY_ERR;
}

bool sema_check_expr_in(Sema *s, Module *m, AstNode *e, bool batch, Dim *dim)
{
	int errors = s->d->errors;
	Env env = {.mod = m, .self = REC_NONE, .ctx = CTX_STD | (batch ? 1u << REC_batch : 0),
		   .where = "a law the simulator evaluates"};
	Type t = check_expr(s, &env, e);
	*dim = t.dim;
	return s->d->errors == errors && t.k == TY_NUM;
}

bool sema_opt_expr_dim(Sema *s, Module *m, AstNode *e, bool bound, Dim *dim)
{
	int errors = s->d->errors;
	Env env = {.mod = m, .self = REC_NONE, .ctx = bound ? CTX_STD | (1u << REC_sim) : 0,
		   .where = "an optimize statement"};
	Type t = check_expr(s, &env, e);
	*dim = t.dim;
	return s->d->errors == errors && (t.k == TY_NUM || t.k == TY_BOOL);
}

bool sema_bind_contexts(Sema *s, const char *d, const char *w, Value *ctx)
{
	Module *m = s->prog->root;
	Span none = {0, 0, 0};
	for (int i = 0; i < REC_COUNT; i++) ctx[i] = value_none("no deployment is bound");
	int errors = s->d->errors;
	Record *dr = target(s, m, d, none, REC_deployment, "--for");
	Record *wr = target(s, m, w, none, REC_workload, "--with");
	if (!dr || !wr || s->d->errors > errors) return false;
	ctx[REC_deployment] = (Value){.k = V_REC, .rec = dr};
	ctx[REC_workload] = (Value){.k = V_REC, .rec = wr};
	ctx[REC_model] = value_field(s, &ctx[REC_deployment], "model", ctx);
	ctx[REC_cluster] = value_field(s, &ctx[REC_deployment], "cluster", ctx);
	Value g = value_field(s, &ctx[REC_deployment], "gpu", ctx);
	if (g.k != V_REC && ctx[REC_cluster].k == V_REC)
		g = value_field(s, &ctx[REC_cluster], "gpu", ctx);
	ctx[REC_gpu] = g;
	return true;
}

bool stmt_run(Sema *s, Module *m, AstNode *it, FILE *out, const SemaHooks *hooks)
{
	switch (it->kind) {
	case AST_PRINT: {
		Value ctx[REC_COUNT];
		for (int i = 0; i < REC_COUNT; i++) ctx[i] = value_none("no deployment is bound");
		if (it->name) sema_bind_contexts(s, it->name, it->kname, ctx);
		EvalEnv ee = {.sema = s, .mod = m, .ctx = ctx};
		Value v = value_eval(&ee, it->a);
		Buf b = {0};
		if (value_failed(&v)) {
			diag_error(s->d, it->a->span, "cannot compute this: %s", v.str);
			return false;
		}
		if (v.k == V_NONE) {
			/* not a constant: print its formula */
			Env env = {.mod = m, .self = REC_NONE, .ctx = it->name ? CTX_STD : 0, .where = "print"};
			Type t = check_expr(s, &env, it->a);
			const char *why = v.str ? v.str : "its value is not known";
			if (!hooks || !hooks->formula ||
			    !hooks->formula(hooks->ud, s, m, it->a, ctx, t.dim, &b, &why)) {
				diag_error(s->d, it->a->span, "cannot print this: %s", why);
				buf_free(&b);
				return false;
			}
		} else {
			if (v.k == V_REC) format_record(s, &b, &v, ctx, 0);
			else value_format(&b, &v);
		}
		fprintf(out, "%s\n", b.s ? b.s : "");
		buf_free(&b);
		return true;
	}
	case AST_SIMULATE:
		if (!hooks || !hooks->simulate) {
			diag_error(s->d, it->span, "this build of sglsim cannot simulate here");
			return false;
		}
		return hooks->simulate(hooks->ud, s, m, it, out);
	case AST_OPTIMIZE:
		if (!hooks || !hooks->optimize) {
			diag_error(s->d, it->span, "this build of sglsim cannot optimize here");
			return false;
		}
		return hooks->optimize(hooks->opt_ud, s, m, it, out);
	case AST_GRAPH: {
		const char *why = "sglsim was built without formula graphs";
		Value ctx[REC_COUNT];
		if (it->name && !sema_bind_contexts(s, it->name, it->kname, ctx)) return false;
		if (!hooks || !hooks->graph || !hooks->graph(hooks->ud, s, m, it->a, it->name ? ctx : NULL, it->b->name, &why)) {
			diag_error(s->d, it->span, "cannot draw this graph: %s", why);
			return false;
		}
		return true;
	}
	default:
		return true;
	}
}
