/* sema.c -- scopes, name lookup, the order of checks, -D bindings.
 *
 * sema_check runs: collect every module's declarations into its scope
 * (duplicates reported), apply -D bindings, resolve record inheritance,
 * check each declaration (consts, params, fns, records, metrics, lazily
 * and once, with cycle detection), then the statements.  The expression
 * rules are in sema_expr.c, record rules in sema_record.c, statements in
 * sema_stmt.c.
 */
#include "runtime/interrupt.h"
#include "config.h"
#include "sema_int.h"
#include "parse.h"
#include "suggest.h"

#include <stdarg.h>
#include <string.h>

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static Scope *scope_new(Arena *a)
{
	Scope *sc = arena_alloc(a, sizeof *sc);
	sc->nb = 64;
	sc->b = arena_alloc(a, sc->nb * sizeof *sc->b);
	sc->ar = a;
	return sc;
}

static Symbol *scope_get(Scope *sc, const char *name)
{
	for (Symbol *s = sc->b[hash(name) % sc->nb]; s; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static void scope_put(Scope *sc, Symbol *sym)
{
	if (++sc->n > 4 * sc->nb && sc->nb < (1u << 30)) {
		/* keep chains short however many definitions a module has */
		unsigned nb = 2 * sc->nb;
		Symbol **b = arena_alloc(sc->ar, nb * sizeof *b);
		for (unsigned k = 0; k < sc->nb; k++)
			for (Symbol *x = sc->b[k], *next; x; x = next) {
				next = x->next;
				unsigned j = hash(x->name) % nb;
				x->next = b[j];
				b[j] = x;
			}
		sc->b = b;
		sc->nb = nb;
	}
	unsigned i = hash(sym->name) % sc->nb;
	sym->next = sc->b[i];
	sc->b[i] = sym;
}

/* ---------------------------------------------------------- diagnostics */

/* Each error raised while a fn body is checked for a call names the call. */
static void add_call_notes(Sema *s, Diag *d)
{
	for (int i = s->ncalls - 1; i >= 0; i--)
		diag_note(s->d, d, s->calls[i].call->span, "in the call to '%s' here", s->calls[i].name);
}

Diag *sema_diag(Sema *s, Span sp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(&s->d->arena, fmt, ap);
	va_end(ap);
	return diag_new(s->d, DIAG_ERROR, sp, "%s", msg);
}

void sema_emit(Sema *s, Diag *d)
{
	add_call_notes(s, d);
	diag_emit(s->d, d);
}

void sema_error(Sema *s, Span sp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(&s->d->arena, fmt, ap);
	va_end(ap);
	sema_emit(s, diag_new(s->d, DIAG_ERROR, sp, "%s", msg));
}

const char *sema_sym_what(const Symbol *sym)
{
	switch (sym->kind) {
	case SYM_CONST: return "const";
	case SYM_PARAM: return "param";
	case SYM_FN: return "function";
	case SYM_METRIC: return "metric";
	case SYM_RECORD: return sym->rec ? schema_kind(sym->rec->kind) ? schema_kind(sym->rec->kind)->name : "record" : "record";
	}
	return "name";
}

void type_describe(Type t, char *out, size_t n)
{
	char d[96];
	switch (t.k) {
	case TY_NUM: dim_describe(t.dim, out, n); return;
	case TY_BOOL: snprintf(out, n, "a boolean"); return;
	case TY_STR: snprintf(out, n, "a string"); return;
	case TY_REC: snprintf(out, n, "a %s", schema_kind(t.rec) ? schema_kind(t.rec)->name : "record"); return;
	case TY_DIST:
		if (t.anydim) { snprintf(out, n, "a distribution"); return; }
		dim_describe(t.dim, d, sizeof d);
		snprintf(out, n, "a distribution of %s", d);
		return;
	case TY_ARRIVAL: snprintf(out, n, "an arrival process"); return;
	case TY_SOURCE: snprintf(out, n, "a trace source"); return;
	case TY_SET: snprintf(out, n, "a set"); return;
	case TY_TUPLE: snprintf(out, n, "a list"); return;
	case TY_WORD: snprintf(out, n, "a word"); return;
	case TY_ERR: snprintf(out, n, "an invalid value"); return;
	}
	snprintf(out, n, "a value");
}

/* --------------------------------------------------------------- lookup */

/* m's index in the program's modules, or -1 (a module not loaded there) */
static int module_index(const Sema *s, const Module *m)
{
	if (m->index >= 0 && m->index < s->prog->nmods && s->prog->mods[m->index] == m) return m->index;
	for (int i = 0; i < s->prog->nmods; i++)
		if (s->prog->mods[i] == m) return i;
	return -1;
}

static Symbol *lookup_in(Sema *s, Module *m, const char *name)
{
	int idx = module_index(s, m);
	if (idx < 0 || s->mark[idx] == s->visit) return NULL;
	s->mark[idx] = s->visit;
	Symbol *sym = m->scope ? scope_get(m->scope, name) : NULL;
	if (sym) return sym;
	for (int i = 0; i < m->nimports; i++)
		if ((sym = lookup_in(s, m->imports[i], name)))
			return sym;
	return NULL;
}

/* A module's own names, then its imports' (depth-first, in import order):
 * a local definition shadows an imported one. */
Symbol *sema_lookup(Sema *s, Module *m, const char *name)
{
	s->visit++;
	return lookup_in(s, m, name);
}

static void offer_visible(Sema *s, Suggest *sg, Module *m)
{
	int idx = module_index(s, m);
	if (idx < 0 || s->mark[idx] == s->visit) return;
	s->mark[idx] = s->visit;
	if (m->scope)
		for (unsigned b = 0; b < m->scope->nb; b++)
			for (Symbol *sym = m->scope->b[b]; sym; sym = sym->next)
				suggest_offer(sg, sym->name);
	for (int i = 0; i < m->nimports; i++)
		offer_visible(s, sg, m->imports[i]);
}

void sema_suggest_name(Sema *s, Diag *d, Span sp, Module *m, const char *name, const Env *env)
{
	Suggest sg;
	suggest_init(&sg, name);
	s->visit++;
	offer_visible(s, &sg, m);
	if (env) {
		for (int i = 0; i < env->nargs; i++)
			suggest_offer(&sg, env->argnames[i]);
		for (size_t i = 0; schema_context_at(i); i++)
			if (env->ctx & (1u << schema_context(schema_context_at(i))))
				suggest_offer(&sg, schema_context_at(i));
	}
	if (suggest_best(&sg))
		diag_note(s->d, d, sp, "did you mean '%s'?", suggest_best(&sg));
}

/* ------------------------------------------------------------- collect */

static const char *item_name_kind(AstNode *it, SymKind *k)
{
	switch (it->kind) {
	case AST_CONST: *k = SYM_CONST; return it->name;
	case AST_PARAM: *k = SYM_PARAM; return it->name;
	case AST_FN: *k = SYM_FN; return it->name;
	case AST_RECORD: *k = SYM_RECORD; return it->name;
	case AST_METRIC: *k = SYM_METRIC; return it->name;
	default: return NULL;
	}
}

static void collect(Sema *s, Module *m)
{
	m->scope = scope_new(s->ar);
	for (AstNode *it = m->root->kids; it; it = it->next) {
		SymKind k;
		const char *name = item_name_kind(it, &k);
		if (!name) continue;
		Symbol *prev = scope_get(m->scope, name);
		if (prev) {
			Diag *d = sema_diag(s, it->nspan, "redefinition of '%s'", name);
			diag_note(s->d, d, prev->decl->nspan, "previous definition of '%s' is here", name);
			sema_emit(s, d);
			continue;
		}
		if (k == SYM_FN && builtin_find(name)) {
			sema_error(s, it->nspan, "'%s' is a built-in function and cannot be redefined", name);
			continue;
		}
		Symbol *sym = arena_alloc(s->ar, sizeof *sym);
		sym->kind = k;
		sym->name = name;
		sym->decl = it;
		sym->mod = m;
		sym->type = ty(TY_ERR);
		if (k == SYM_RECORD) {
			RecKind rk = schema_kind_by_name(it->kname);
			sym->rec = record_new(s, rk, name, it, m);
		}
		scope_put(m->scope, sym);
		it->aux = sym;
	}
}

/* ------------------------------------------------------------ bindings */

static void apply_binding(Sema *s, const SemaBinding *b)
{
	Symbol *sym = sema_lookup(s, s->prog->root, b->name);
	if (!sym || (sym->kind != SYM_PARAM && sym->kind != SYM_CONST)) {
		Suggest sg;
		suggest_init(&sg, b->name);
		s->visit++;
		offer_visible(s, &sg, s->prog->root);
		const char *best = sym ? NULL : suggest_best(&sg);
		Diag *d = diag_new(s->d, DIAG_ERROR, (Span){0, 0, 0},
				   "-D %s=%s: no param or const named '%s'%s%s%s%s", b->name, b->value, b->name,
				   sym ? " (it names a " : "", sym ? sema_sym_what(sym) : "", sym ? ")" : "",
				   best ? arena_printf(s->ar, "; did you mean '%s'?", best) : "");
		diag_emit(s->d, d);
		return;
	}
	char *srcname = arena_printf(s->ar, "-D %s", b->name);
	uint32_t f = source_add(&s->prog->sources, srcname, NULL, b->value, strlen(b->value));
	int errs = s->d->errors;
	AstNode *e = parse_expr(s->ar, s->d, f);
	if (!e || s->d->errors > errs) return;
	Value v;
	if (!const_value(s, sym->mod, e, &v)) return;
	sym->bound = true;
	sym->value = v;
	sym->value.expr = e;
}

/* ---------------------------------------------------------------- main */

Sema *sema_new(Program *p)
{
	Sema *s = arena_alloc(&p->arena, sizeof *s);
	s->prog = p;
	s->d = p->diags;
	s->ar = &p->arena;
	s->budget = 50 * 1000 * 1000;
	return s;
}

void sema_check_symbol(Sema *s, Symbol *sym);

bool sema_check(Sema *s, const SemaBinding *binds, int nbinds)
{
	Program *p = s->prog;
	s->mark = arena_alloc(s->ar, (size_t)(p->nmods + 1) * sizeof *s->mark);
	for (int i = 0; i < p->nmods; i++)
		collect(s, p->mods[i]);
	for (int i = 0; i < nbinds; i++)
		apply_binding(s, &binds[i]);
	for (int i = 0; i < p->nmods && !diags_stopped(s->d); i++) {
		Module *m = p->mods[i];
		for (AstNode *it = m->root->kids; it && !diags_stopped(s->d); it = it->next) {
			if (it->aux)
				sema_check_symbol(s, it->aux);
			else if (it->kind != AST_IMPORT)
				stmt_check(s, m, it);
		}
	}
	return s->d->errors == 0;
}

bool sema_run(Sema *s, FILE *out, const SemaHooks *hooks)
{
	Module *m = s->prog->root;
	bool ok = true;
	for (AstNode *it = m->root->kids; it && !interrupted(); it = it->next)   /* Ctrl-C: no more */
		if (!it->aux && it->kind != AST_IMPORT)
			ok &= stmt_run(s, m, it, out, hooks);
	return ok;
}

const char *sema_path_of(Sema *s, const AstNode *str)
{
	const char *file = str->name;
	Source *src = str->span.file ? s->prog->sources.v[str->span.file] : NULL;
	if (file[0] != '/' && src && src->path) {
		const char *slash = strrchr(src->path, '/');
		if (slash) return arena_printf(s->ar, "%.*s/%s", (int)(slash - src->path), src->path, file);
	}
	return file;
}
