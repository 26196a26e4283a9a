/* sema_decl.c -- checks of declarations: const, param, fn, metric, record.
 *
 * sema_check_symbol checks one symbol once.  Consts and metrics may use
 * each other in any order: they are checked on first use, and a symbol met
 * again while it is being checked is a cycle, reported with the chain.
 */
#include "config.h"
#include "sema_int.h"
#include "../runtime/num.h"

#include <math.h>
#include <string.h>

static void report_cycle(Sema *s, Symbol *sym)
{
	Diag *d = sema_diag(s, sym->decl->nspan, "%s '%s' is defined in terms of itself",
			    sema_sym_what(sym), sym->name);
	int start = 0;
	for (int i = 0; i < s->nchain; i++)
		if (s->chain[i] == sym) start = i;
	for (int i = start; i < s->nchain; i++) {
		Symbol *next = i + 1 < s->nchain ? s->chain[i + 1] : sym;
		diag_note(s->d, d, s->chain[i]->decl->nspan, "'%s' uses '%s'", s->chain[i]->name, next->name);
	}
	sema_emit(s, d);
}

static void check_const(Sema *s, Symbol *sym)
{
	AstNode *e = sym->decl->a;
	Env env = {.mod = sym->mod, .self = REC_NONE, .where = "a const"};
	Type t = check_expr(s, &env, e);
	if (t.k == TY_ERR) { sym->type = t; return; }
	if (t.dep & DEP_PARAM) {
		sema_error(s, e->span, "const '%s' depends on a param; use a metric for formulas of params", sym->name);
		sym->type = ty(TY_ERR);
		return;
	}
	sym->type = t;
	if (sym->bound) {
		/* -D replaced the value: it must have the declared kind and dimension */
		Value *v = &sym->value;
		bool same = (t.k == TY_NUM && v->k == V_NUM && dim_eq(v->dim, t.dim)) ||
			    (t.k == TY_BOOL && v->k == V_BOOL) || (t.k == TY_STR && v->k == V_STR) ||
			    (t.k == TY_REC && v->k == V_REC && v->rec->kind == t.rec && v->depth == 0);
		if (!same) {
			char dt[96];
			type_describe(t, dt, sizeof dt);
			sema_error(s, v->expr->span, "-D %s: the value must be %s, like the const", sym->name, dt);
			sym->type = ty(TY_ERR);
		}
		return;
	}
	EvalEnv ee = {.sema = s, .mod = sym->mod};
	sym->value = value_eval(&ee, e);
	if (value_failed(&sym->value)) {
		sema_error(s, e->span, "const '%s' cannot be computed: %s", sym->name, sym->value.str);
		sym->type = ty(TY_ERR);
	}
}

static bool in_domain(const Symbol *p, double x)
{
	if (p->is_range) {
		double lo = p->domain[0].num, hi = p->domain[1].num;
		if (x < lo || x > hi) return false;
		if (p->ndomain < 3) return true;
		double k = (x - lo) / p->domain[2].num;
		return fabs(k - nearbyint(k)) <= 1e-9 * (fabs(k) + 1);
	}
	for (int i = 0; i < p->ndomain; i++)
		if (p->domain[i].num == x) return true;
	return false;
}

static void domain_text(Buf *b, const Symbol *p)
{
	char x[40];
	if (p->is_range) {
		num_format(x, sizeof x, p->domain[0].num);
		buf_puts(b, x);
		num_format(x, sizeof x, p->domain[1].num);
		buf_printf(b, " .. %s", x);
		if (p->ndomain > 2) {
			num_format(x, sizeof x, p->domain[2].num);
			buf_printf(b, " step %s", x);
		}
	} else {
		buf_putc(b, '{');
		for (int i = 0; i < p->ndomain && i < 8; i++) {
			num_format(x, sizeof x, p->domain[i].num);
			buf_printf(b, "%s%s", i ? ", " : "", x);
		}
		if (p->ndomain > 8) buf_puts(b, ", ...");
		buf_putc(b, '}');
	}
	if (p->ndomain && !dim_is_none(p->domain[0].dim)) {
		char d[64];
		dim_format(p->domain[0].dim, d, sizeof d);
		buf_printf(b, " %s", d);
	}
}

/* A domain member: a constant number; `unit` scales plain numbers. */
static bool member(Sema *s, Module *m, AstNode *e, bool has_unit, double mul, double div, Dim udim,
		   const char *unit, Value *out)
{
	if (!const_value(s, m, e, out)) return false;
	if (out->k != V_NUM) {
		sema_error(s, e->span, "a param's domain holds numbers");
		return false;
	}
	if (has_unit) {
		if (!dim_is_none(out->dim)) {
			sema_error(s, e->span, "this member already has a unit; the domain's unit '%s' applies to plain numbers", unit);
			return false;
		}
		out->num = out->num * mul / div;
		out->dim = udim;
	}
	return true;
}

/* Hash of a domain member for the duplicate check (equal members, 0 and
 * -0 too, hash alike). */
static size_t member_hash(const Value *v)
{
	double x = v->num == 0 ? 0 : v->num;
	unsigned char b[sizeof x + sizeof v->dim];
	memcpy(b, &x, sizeof x);
	memcpy(b + sizeof x, &v->dim, sizeof v->dim);
	size_t h = 14695981039346656037u;
	for (size_t i = 0; i < sizeof b; i++) h = (h ^ b[i]) * 1099511628211u;
	return h;
}

/* The range of number literals parts[0..n) (bounds, then the step) with
 * the unit that some are written with on every plain one, as the note
 * suggests it ('1 req/s .. 30 req/s step 1 req/s'); NULL when the parts
 * are not such literals. */
static const char *range_with_unit(Sema *s, AstNode **parts, int n)
{
	const char *unit = NULL;
	for (int i = 0; i < n; i++) {
		if (parts[i]->kind != AST_NUM) return NULL;
		if (parts[i]->kname && unit && strcmp(parts[i]->kname, unit) != 0) return NULL;
		if (parts[i]->kname) unit = parts[i]->kname;
	}
	if (!unit) return NULL;
	const char *text = source_get(s->d->sources, parts[0]->span.file)->text;
	char *out = "";
	for (int i = 0; i < n; i++) {
		Span sp = parts[i]->span;
		out = arena_printf(s->ar, "%s%s%.*s%s%s", out, i == 0 ? "" : i == 1 ? " .. " : " step ",
				   (int)(sp.hi - sp.lo), text + sp.lo, parts[i]->kname ? "" : " ", parts[i]->kname ? "" : unit);
	}
	return out;
}

/* Part i of a range (a bound or the step) differs in dimension from the
 * low bound.  A unit written after a range, unlike one after a set's
 * `}`, is lexed as part of the last number (`1 .. 30 step 1 req/s`), and
 * it cannot be taken for the whole range: with `%`, `0 .. 1 step 5 %`
 * already means a step of 0.05.  So the note shows the range with the
 * unit on every part. */
static void range_dims_differ(Sema *s, AstNode **parts, const Value *v, int n, int i)
{
	char a[96], b[96];
	dim_describe(v[i].dim, a, sizeof a);
	dim_describe(v[0].dim, b, sizeof b);
	Diag *dg = sema_diag(s, parts[i]->span, "this %s is %s, but the range starts with %s",
			     i == 2 ? "step" : "bound", a, b);
	const char *where = n == 3 ? "on both bounds and the step" : "on both bounds";
	const char *fixed = range_with_unit(s, parts, n);
	if (fixed)
		diag_note(s->d, dg, parts[0]->span, "write the unit %s: '%s'", where, fixed);
	else
		diag_note(s->d, dg, parts[0]->span, "write the unit %s, e.g. '%s'", where,
			  n == 3 ? "1 ms .. 10 ms step 1 ms" : "1 ms .. 10 ms");
	sema_emit(s, dg);
}

static void check_param(Sema *s, Symbol *sym)
{
	AstNode *d = sym->decl, *dom = d->a;
	Module *m = sym->mod;
	bool has_unit = d->kname != NULL;
	double mul = 1, div = 1;
	Dim udim = dim_none;
	sym->type = ty(TY_ERR);
	if (has_unit) {
		size_t bo, bl;
		if (!unit_parse(d->kname, strlen(d->kname), &mul, &div, &udim, &bo, &bl)) {
			sema_error(s, d->kspan, "unknown unit '%s'", d->kname);
			return;
		}
		if (!dom) {
			sema_error(s, d->kspan, "a unit here applies to a domain, but param '%s' has none", sym->name);
			return;
		}
	}
	if (dom && dom->kind == AST_RANGE) {
		Value v[3];
		int n = dom->c ? 3 : 2;
		AstNode *parts[3] = {dom->a, dom->b, dom->c};
		for (int i = 0; i < n; i++)
			if (!member(s, m, parts[i], has_unit, mul, div, udim, d->kname, &v[i])) return;
		for (int i = 1; i < n; i++)
			if (!dim_eq(v[i].dim, v[0].dim)) {
				range_dims_differ(s, parts, v, n, i);
				return;
			}
		if (v[0].num > v[1].num) {
			char lo[40], hi[40];
			num_format(lo, sizeof lo, v[0].num);
			num_format(hi, sizeof hi, v[1].num);
			sema_error(s, dom->nspan, "empty range: the low end %s is above the high end %s", lo, hi);
			return;
		}
		if (n == 3 && !(v[2].num > 0)) {
			sema_error(s, dom->c->span, "the step of a range must be positive");
			return;
		}
		sym->domain = arena_alloc(s->ar, sizeof v);
		memcpy(sym->domain, v, sizeof v);
		sym->ndomain = n;
		sym->is_range = true;
	} else if (dom && dom->kind == AST_SET) {
		int n = ast_count(dom->kids);
		if (n == 0) {
			sema_error(s, dom->span, "param '%s' has an empty domain", sym->name);
			return;
		}
		sym->domain = arena_alloc(s->ar, (size_t)n * sizeof *sym->domain);
		/* members seen, by hash (open addressing, index + 1; 0 = free):
		 * linear in the size of the set */
		size_t mask = 1;
		while (mask < 2 * (size_t)n) mask <<= 1;
		int *seen = arena_alloc(s->ar, mask * sizeof *seen);
		mask--;
		int i = 0;
		for (AstNode *k = dom->kids; k; k = k->next, i++) {
			if (!member(s, m, k, has_unit, mul, div, udim, d->kname, &sym->domain[i])) return;
			const Value *v = &sym->domain[i];
			size_t h = member_hash(v) & mask;
			for (; seen[h]; h = (h + 1) & mask) {
				const Value *u = &sym->domain[seen[h] - 1];
				if (u->num == v->num && dim_eq(u->dim, v->dim)) {
					sema_error(s, k->span, "this value is already in the domain");
					return;
				}
			}
			seen[h] = i + 1;
			if (i && !dim_eq(sym->domain[i].dim, sym->domain[0].dim)) {
				char a[96], b[96];
				dim_describe(sym->domain[i].dim, a, sizeof a);
				dim_describe(sym->domain[0].dim, b, sizeof b);
				sema_error(s, k->span, "this member is %s, but the first member is %s", a, b);
				return;
			}
		}
		sym->ndomain = n;
	} else if (dom) {
		sema_error(s, dom->span, "a param's domain is a set {A, B, ...} or a range LO .. HI [step S]");
		return;
	}
	Value def = {0};
	if (d->b) {
		if (!member(s, m, d->b, false, 1, 1, dim_none, NULL, &def)) return;
		if (has_unit && dim_is_none(def.dim)) {
			def.num = def.num * mul / div;
			def.dim = udim;
		}
	}
	if (!dom && !d->b) {
		sema_error(s, d->nspan, "param '%s' needs a domain ('in {...}' or 'in LO .. HI') or a default ('= VALUE')", sym->name);
		return;
	}
	Dim dim = sym->ndomain ? sym->domain[0].dim : def.dim;
	if (d->b && !dim_eq(def.dim, dim)) {
		char a[96], b[96];
		dim_describe(def.dim, a, sizeof a);
		dim_describe(dim, b, sizeof b);
		sema_error(s, d->b->span, "the default is %s, but the domain is %s", a, b);
		return;
	}
	if (d->b && sym->ndomain && !in_domain(sym, def.num)) {
		Buf b = {0};
		domain_text(&b, sym);
		char x[40];
		num_format(x, sizeof x, def.num);
		sema_error(s, d->b->span, "the default %s is not in the domain %s", x, b.s);
		buf_free(&b);
		return;
	}
	sym->type = ty_num(dim, 0);
	if (sym->bound) {
		Value *v = &sym->value;
		char dt[96];
		dim_describe(dim, dt, sizeof dt);
		if (v->k != V_NUM || !dim_eq(v->dim, dim)) {
			sema_error(s, v->expr->span, "-D %s: the value must be %s, like the param", sym->name, dt);
			sym->type = ty(TY_ERR);
		} else if (sym->ndomain && !in_domain(sym, v->num)) {
			Buf b = {0};
			domain_text(&b, sym);
			char x[40];
			num_format(x, sizeof x, v->num);
			sema_error(s, v->expr->span, "-D %s: %s is not in the domain %s", sym->name, x, b.s);
			buf_free(&b);
			sym->type = ty(TY_ERR);
		}
	}
}

/* Names in a fn body resolve to its arguments, context names or globals;
 * everything else is reported once, here, not at each call. */
static void resolve_fn_names(Sema *s, Symbol *fn, AstNode *e, const char **args, int nargs)
{
	if (!e) return;
	if (e->kind == AST_NAME) {
		for (int i = 0; i < nargs; i++)
			if (!strcmp(args[i], e->name)) return;
		if (!strcmp(e->name, "self")) {
			sema_error(s, e->span, "'self' is only available inside a record's block, not in a function");
			return;
		}
		if (schema_context(e->name) != REC_NONE || sema_lookup(s, fn->mod, e->name)) return;
		Diag *d = sema_diag(s, e->span, "unknown name '%s'", e->name);
		Env env = {.argnames = args, .nargs = nargs};
		sema_suggest_name(s, d, e->span, fn->mod, e->name, &env);
		sema_emit(s, d);
		return;
	}
	if (e->kind == AST_CALL) {
		Symbol *callee = sema_lookup(s, fn->mod, e->name);
		if (!builtin_find(e->name) && !(callee && callee->kind == SYM_FN)) {
			bool is_arg = false;
			for (int i = 0; i < nargs; i++) is_arg |= !strcmp(args[i], e->name);
			if (is_arg)
				sema_error(s, e->nspan, "'%s' is an argument, not a function", e->name);
			else if (callee)
				sema_error(s, e->nspan, "'%s' is a %s, not a function", e->name, sema_sym_what(callee));
			else
				sema_error(s, e->nspan, "unknown function '%s'", e->name);
		}
	}
	if (e->kind == AST_NAMED || e->kind == AST_FIELD) {
		resolve_fn_names(s, fn, e->a, args, nargs);
		return;
	}
	resolve_fn_names(s, fn, e->a, args, nargs);
	resolve_fn_names(s, fn, e->b, args, nargs);
	resolve_fn_names(s, fn, e->c, args, nargs);
	for (AstNode *k = e->kids; k; k = k->next)
		resolve_fn_names(s, fn, k, args, nargs);
}

/* Depth-first search of the call graph from `fn` for a path back to
 * `target`; the path is left in s->chain. */
static bool calls_reach(Sema *s, Symbol *fn, AstNode *e, Symbol *target, unsigned gen)
{
	if (!e) return false;
	if (e->kind == AST_CALL) {
		Symbol *callee = sema_lookup(s, fn->mod, e->name);
		if (callee && callee->kind == SYM_FN) {
			if (callee == target) return true;
			if (callee->visit != gen && s->nchain < 64) {
				callee->visit = gen;
				s->chain[s->nchain++] = callee;
				if (calls_reach(s, callee, callee->decl->a, target, gen)) return true;
				s->nchain--;
			}
		}
	}
	if (calls_reach(s, fn, e->a, target, gen) || calls_reach(s, fn, e->b, target, gen) ||
	    calls_reach(s, fn, e->c, target, gen))
		return true;
	for (AstNode *k = e->kids; k; k = k->next)
		if (calls_reach(s, fn, k, target, gen)) return true;
	return false;
}

static void check_fn(Sema *s, Symbol *fn)
{
	AstNode *d = fn->decl;
	const char *args[64];
	int n = 0;
	for (AstNode *p = d->kids; p; p = p->next) {
		for (AstNode *q = d->kids; q != p; q = q->next)
			if (!strcmp(q->name, p->name)) {
				Diag *dg = sema_diag(s, p->span, "duplicate parameter '%s'", p->name);
				diag_note(s->d, dg, q->span, "first declared here");
				sema_emit(s, dg);
			}
		if (n < 64) args[n++] = p->name;
		else {
			sema_error(s, p->span, "a function takes at most 64 parameters");
			return;
		}
	}
	resolve_fn_names(s, fn, d->a, args, n);
	s->nchain = 0;
	if (!fn->busy && calls_reach(s, fn, d->a, fn, ++s->fn_visit)) {
		Diag *dg = sema_diag(s, d->nspan, "function '%s' calls itself; recursion is not allowed because functions are inlined",
				     fn->name);
		Symbol *prev = fn;
		for (int i = 0; i <= s->nchain; i++) {
			Symbol *next = i < s->nchain ? s->chain[i] : fn;
			diag_note(s->d, dg, prev->decl->nspan, "'%s' calls '%s'", prev->name, next->name);
			prev->busy = true; /* each function of the cycle: reported, never inlined */
			prev = next;
		}
		sema_emit(s, dg);
	}
	s->nchain = 0;
}

static void check_metric(Sema *s, Symbol *sym)
{
	Env env = {.mod = sym->mod, .ctx = CTX_STD, .self = REC_NONE, .where = "a metric body"};
	Type t = check_expr(s, &env, sym->decl->a);
	if (t.k != TY_NUM && t.k != TY_ERR) {
		char dt[96];
		type_describe(t, dt, sizeof dt);
		sema_error(s, sym->decl->a->span, "a metric is a number, but this is %s", dt);
		t = ty(TY_ERR);
	}
	sym->type = t;
}

void sema_check_symbol(Sema *s, Symbol *sym)
{
	if (sym->state == 2) return;
	if (sym->state == 1) {
		if (sym->kind == SYM_CONST || sym->kind == SYM_METRIC || sym->kind == SYM_PARAM) {
			report_cycle(s, sym);
			sym->type = ty(TY_ERR);
			sym->state = 2;
		}
		return;
	}
	if (s->depth >= SEMA_MAX_DEPTH) {
		sema_error(s, sym->decl->nspan, "definitions depend on each other more than %d deep", SEMA_MAX_DEPTH);
		sym->type = ty(TY_ERR);
		sym->state = 2;
		return;
	}
	s->depth++;
	sym->state = 1;
	if (s->nchain < 64) s->chain[s->nchain++] = sym;
	int depth = s->nchain;
	switch (sym->kind) {
	case SYM_CONST: check_const(s, sym); break;
	case SYM_PARAM: check_param(s, sym); break;
	case SYM_METRIC: check_metric(s, sym); break;
	case SYM_FN: check_fn(s, sym); break;
	case SYM_RECORD: record_resolve(s, sym); record_check(s, sym->rec); break;
	}
	if (s->nchain >= depth && depth > 0) s->nchain = depth - 1;
	sym->state = 2;
	s->depth--;
}
