/* sema_record.c -- records: kinds, inheritance and fields against the schema.
 *
 * A record declaration `KIND NAME { ... }`, `KIND NAME = BASE { ... }` or
 * `KIND NAME : BASE { ... }` becomes a Record whose base is resolved here
 * (cycles reported).  `workload W = trace(...)` sets the kind's SOURCE
 * field.  Every entry is checked against schema.def: known field, not given
 * twice in one block, value of the field's type and dimension.  An entry
 * of a REF field written with a block (`cluster { ... }` or
 * `model = m { dtype = fp8 }`) is an inline Record of its own.
 */
#include "config.h"
#include "sema_int.h"
#include "suggest.h"

#include <string.h>

Record *record_new(Sema *s, RecKind kind, const char *name, AstNode *node, Module *m)
{
	Record *r = arena_alloc(s->ar, sizeof *r);
	r->kind = kind;
	r->name = name;
	r->node = node;
	r->entries = node->kids;
	r->mod = m;
	node->aux = r;
	return r;
}

static const FieldDef *source_field(RecKind k)
{
	for (size_t i = 0; schema_field_at(i); i++)
		if (schema_field_at(i)->rec == k && schema_field_at(i)->type == FT_SOURCE)
			return schema_field_at(i);
	return NULL;
}

static void unknown_kind(Sema *s, AstNode *d)
{
	Diag *dg = sema_diag(s, d->kspan, "unknown record kind '%s'", d->kname);
	Suggest sg;
	suggest_init(&sg, d->kname);
	for (int k = 0; k < REC_COUNT; k++)
		if (schema_kind(k)->toplevel) suggest_offer(&sg, schema_kind(k)->name);
	if (suggest_best(&sg))
		diag_note(s->d, dg, d->kspan, "did you mean '%s'?", suggest_best(&sg));
	else
		diag_note(s->d, dg, d->kspan, "declarations start with const, param, fn, metric, or a record kind: dtype, gpu, link, model, cluster, deployment, workload");
	sema_emit(s, dg);
}

/* Resolves the base named by `e` for a record of kind `kind`. */
static Record *base_of(Sema *s, Module *m, AstNode *e, RecKind kind)
{
	Symbol *b = sema_lookup(s, m, e->name);
	if (!b) {
		Diag *d = sema_diag(s, e->span, "unknown name '%s'", e->name);
		sema_suggest_name(s, d, e->span, m, e->name, NULL);
		sema_emit(s, d);
		return NULL;
	}
	if (b->kind != SYM_RECORD || !b->rec || b->rec->kind == REC_NONE) {
		Diag *d = sema_diag(s, e->span, "'%s' is a %s, but a %s can only be based on a %s",
				    e->name, sema_sym_what(b), schema_kind(kind)->name, schema_kind(kind)->name);
		diag_note(s->d, d, b->decl->nspan, "'%s' is defined here", e->name);
		sema_emit(s, d);
		return NULL;
	}
	if (b->rec->kind != kind) {
		Diag *d = sema_diag(s, e->span, "'%s' is a %s, but a %s can only be based on a %s",
				    e->name, schema_kind(b->rec->kind)->name, schema_kind(kind)->name,
				    schema_kind(kind)->name);
		diag_note(s->d, d, b->decl->nspan, "'%s' is defined here", e->name);
		sema_emit(s, d);
		return NULL;
	}
	return b->rec;
}

/* Resolves r's base, then the base's, recursively.  r itself sits at the
 * level sema_check_symbol counted for its symbol; each base one level
 * deeper, so a chain of SEMA_MAX_DEPTH records (from the top level) is
 * resolved and the next record is the one reported. */
static void resolve(Sema *s, Record *r)
{
	if (r->state == 2) return;
	if (r->state == 1) {
		sema_error(s, r->node->nspan, "%s '%s' inherits from itself", schema_kind(r->kind)->name, r->name);
		r->base = NULL;
		return;
	}
	if (s->depth > SEMA_MAX_DEPTH) {
		sema_error(s, r->node->nspan, "records inherit from each other more than %d deep", SEMA_MAX_DEPTH);
		r->state = 2;
		return;
	}
	r->state = 1;
	AstNode *d = r->node, *b = d->a;
	if (b && b->kind == AST_NAME) {
		r->base = base_of(s, r->mod, b, r->kind);
		if (r->base) {
			s->depth++;
			resolve(s, r->base);
			s->depth--;
			for (Record *x = r->base; x; x = x->base)
				if (x == r) { r->base = NULL; break; }
		}
	} else if (b) {
		const FieldDef *sf = source_field(r->kind);
		if (sf) {
			r->source = b;
		} else {
			sema_error(s, b->span, "a %s is written '%s NAME { ... }' or '%s NAME = BASE { ... }' with BASE another %s",
				   schema_kind(r->kind)->name, schema_kind(r->kind)->name,
				   schema_kind(r->kind)->name, schema_kind(r->kind)->name);
		}
	}
	r->state = 2;
}

void record_resolve(Sema *s, Symbol *sym)
{
	Record *r = sym->rec;
	if (r->kind == REC_NONE) {
		unknown_kind(s, sym->decl);
		return;
	}
	if (!schema_kind(r->kind)->toplevel) {
		sema_error(s, sym->decl->kspan, "a '%s' block is written inside another record, not on its own",
			   sym->decl->kname);
		r->kind = REC_NONE;
		return;
	}
	resolve(s, r);
}

/* -------------------------------------------------------------- entries */

static bool is_word(AstNode *v, const FieldDef *f)
{
	return v && v->kind == AST_NAME && f->words[0] && schema_word_ok(f, v->name);
}

static void field_mismatch(Sema *s, AstNode *v, RecKind kind, const FieldDef *f, Type got)
{
	char want[128], have[96];
	Type w = field_type(f);
	if (f->type == FT_WORD)
		snprintf(want, sizeof want, "one of %s", f->words);
	else
		type_describe(w, want, sizeof want);
	if (f->type != FT_WORD && f->words[0]) {
		size_t n = strlen(want);
		snprintf(want + n, sizeof want - n, " or one of %s", f->words);
	}
	type_describe(got, have, sizeof have);
	Diag *d = sema_diag(s, v->span, "field '%s' of a %s is %s, but this is %s", f->name,
			    schema_kind(kind)->name, want, have);
	if (v->kind == AST_NAME && f->words[0]) {
		Suggest sg;
		suggest_init(&sg, v->name);
		suggest_offer_words(&sg, f->words);
		if (suggest_best(&sg)) diag_note(s->d, d, v->span, "did you mean '%s'?", suggest_best(&sg));
	}
	sema_emit(s, d);
}

Dim request_rate_dim(void)
{
	Dim d = dim_none;
	d.e[DIM_REQ] = 1;
	d.e[DIM_S] = -1;
	return d;
}

static bool type_fits(const FieldDef *f, Type t)
{
	Dim d = schema_dim(f);
	switch (f->type) {
	case FT_NUM: case FT_EXPR: return t.k == TY_NUM && dim_eq(t.dim, d);
	case FT_BOOL: return t.k == TY_BOOL;
	case FT_STR: return t.k == TY_STR;
	case FT_WORD: return false;
	case FT_REF: case FT_BLOCK: return t.k == TY_REC && t.rec == f->target;
	case FT_DIST:
		return (t.k == TY_DIST && (t.anydim || dim_eq(t.dim, d))) ||
		       (t.k == TY_NUM && dim_eq(t.dim, d));
	case FT_ARRIVAL:
		/* constant(10 req/s) is a constant-rate process */
		return t.k == TY_ARRIVAL || (t.k == TY_DIST && !t.anydim && dim_eq(t.dim, request_rate_dim()));
	case FT_SOURCE: return t.k == TY_SOURCE;
	case FT_LIST: return t.k == TY_TUPLE || t.k == TY_NUM || t.k == TY_REC;
	}
	return false;
}

/* A constant x of field f outside its schema.def range: beyond the most a
 * simulation takes (said first: for 1e300, also past 2^53, the limit is
 * the more useful news), or outside the kind of range. */
static void range_check(Sema *s, AstNode *v, const FieldDef *f, Value x)
{
	FieldRange r = schema_range(f);
	double max = schema_range_max(f);
	if (x.num > max) {
		sema_error(s, v->span, "field '%s' is %.15g, more than %.15g, the most a simulation takes (doc/limits.md)",
			   f->name, x.num, max);
	} else if (!schema_in_range(r, x.num)) {
		Buf b = {0};
		value_format(&b, &x);
		sema_error(s, v->span, "field '%s' must be %s, but this is %s", f->name, schema_range_text(r), b.s);
		buf_free(&b);
	}
}

static void check_value(Sema *s, Module *m, RecKind kind, const FieldDef *f, AstNode *entry, const Value *self)
{
	AstNode *v = entry->a;
	if (is_word(v, f)) return;
	if (f->type == FT_WORD && v->kind == AST_NAME) {
		char words[160];
		size_t k = 0;
		for (const char *w = f->words; *w && k + 3 < sizeof words; w++) {
			if (*w == '|') { words[k++] = ','; words[k++] = ' '; }
			else words[k++] = *w;
		}
		words[k] = 0;
		Diag *d = sema_diag(s, v->span, "'%s' is not a %s; use one of %s", v->name, f->name, words);
		Suggest sg;
		suggest_init(&sg, v->name);
		suggest_offer_words(&sg, f->words);
		if (suggest_best(&sg)) diag_note(s->d, d, v->span, "did you mean '%s'?", suggest_best(&sg));
		sema_emit(s, d);
		return;
	}
	if (f->type == FT_WORD) {
		Env env = {.mod = m, .self = kind, .where = "a record field"};
		Type t = check_expr(s, &env, v);
		if (t.k != TY_ERR) field_mismatch(s, v, kind, f, t);
		return;
	}
	Env env = {.mod = m, .self = kind, .where = "a record field"};
	if (f->type == FT_EXPR) {
		env.ctx = (1u << f->target) | (1u << REC_deployment) | (1u << REC_model) |
			  (1u << REC_gpu) | (1u << REC_cluster);
		env.where = "a record field";
	}
	/* a simulate statement's options see its D and W (sensitivity = (gpu.mem_bw)) */
	if (kind == REC_simulation) env.ctx = CTX_STD;
	Type t = check_expr(s, &env, v);
	if (t.k == TY_ERR) return;
	if (!type_fits(f, t)) {
		field_mismatch(s, v, kind, f, t);
		return;
	}
	/* A value that does not depend on params is computed now (with `self`
	 * bound), so cycles, division by zero and values out of range are
	 * errors here rather than surprises later. */
	if (f->type == FT_EXPR || !self) return;
	EvalEnv ee = {.sema = s, .mod = m, .self = self};
	Value x = value_eval(&ee, v);
	if (value_failed(&x))
		sema_error(s, v->span, "field '%s' cannot be computed: %s", f->name, x.str);
	else if (f->type == FT_NUM && x.k == V_NUM)
		range_check(s, v, f, x);
}

void entries_check(Sema *s, Module *m, RecKind kind, AstNode *entries, const Value *self)
{
	for (AstNode *e = entries; e && !diags_stopped(s->d); e = e->next) {
		for (AstNode *p = entries; p != e; p = p->next)
			if (!strcmp(p->name, e->name)) {
				Diag *d = sema_diag(s, e->nspan, "field '%s' is given twice", e->name);
				diag_note(s->d, d, p->nspan, "first given here");
				sema_emit(s, d);
				break;
			}
		const FieldDef *f = schema_field(kind, e->name);
		if (!f) {
			Diag *d = sema_diag(s, e->nspan, "a %s has no field '%s'", schema_kind(kind)->name, e->name);
			Suggest sg;
			suggest_init(&sg, e->name);
			for (size_t i = 0; schema_field_at(i); i++)
				if (schema_field_at(i)->rec == kind) suggest_offer(&sg, schema_field_at(i)->name);
			if (suggest_best(&sg)) diag_note(s->d, d, e->nspan, "did you mean '%s'?", suggest_best(&sg));
			sema_emit(s, d);
			continue;
		}
		bool block = e->op == 1;
		switch (f->type) {
		case FT_BLOCK:
			if (e->a) {
				sema_error(s, e->a->span, "'%s' is a block: write '%s { ... }'", f->name, f->name);
				continue;
			}
			if (self && self->depth < VALUE_MAX_PATH) {
				Value inner = *self;
				inner.path[inner.depth++] = f->name;
				entries_check(s, m, f->target, e->kids, &inner);
			} else {
				entries_check(s, m, f->target, e->kids, NULL);
			}
			continue;
		case FT_REF:
			if (block) {
				Record *r = record_new(s, f->target, NULL, e, m);
				if (e->a) {
					if (e->a->kind != AST_NAME) {
						sema_error(s, e->a->span, "the base of an inline %s must be the name of a %s",
							   schema_kind(f->target)->name, schema_kind(f->target)->name);
						continue;
					}
					r->base = base_of(s, m, e->a, f->target);
				}
				r->state = 2;
				Value inline_self = {.k = V_REC, .rec = r};
				entries_check(s, m, f->target, e->kids, &inline_self);
				continue;
			}
			break;
		default:
			if (block) {
				sema_error(s, e->nspan, "field '%s' is a %s and takes no block", f->name, schema_type_name(f->type));
				continue;
			}
			break;
		}
		if (f->type == FT_SOURCE) {
			sema_error(s, e->nspan, "write the source as '%s NAME = trace(...)', not as a field", schema_kind(kind)->name);
			continue;
		}
		check_value(s, m, kind, f, e, self);
	}
}

void record_check(Sema *s, Record *r)
{
	if (r->kind == REC_NONE) return;
	if (r->source) {
		Env env = {.mod = r->mod, .self = REC_NONE, .where = "a record"};
		Type t = check_expr(s, &env, r->source);
		const FieldDef *sf = source_field(r->kind);
		if (t.k != TY_ERR && !type_fits(sf, t)) {
			char have[96];
			type_describe(t, have, sizeof have);
			sema_error(s, r->source->span, "a %s is defined from another %s or from trace(...), but this is %s",
				   schema_kind(r->kind)->name, schema_kind(r->kind)->name, have);
		}
	}
	Value self = {.k = V_REC, .rec = r};
	entries_check(s, r->mod, r->kind, r->entries, &self);
}
