/* lower.h -- checked AST expressions to DAG nodes.
 *
 * The symbolic twin of lang/value.c: numbers and consts become constants,
 * free params become PARAM nodes (bound ones, constants), record fields of
 * bound records are lowered from the expressions that define them (so a
 * field written as a formula of params stays a formula), metrics are
 * lowered once each and shared, `fn` calls are inlined under a LABEL node
 * named after the function, d(e, p) and simplify(e) are applied.  Only
 * expressions that sema accepted are lowered; what cannot be a number (a
 * record, a string, a distribution) fails with a reason.
 *
 * Ownership: nodes go into the caller's Dag; a Lowerer holds per-session
 * memo tables (free with lower_free).
 */
#ifndef SGL_LOWER_H
#define SGL_LOWER_H
#include "dag.h"
#include "lang/sema_int.h"

/* A record field lowered as a free param instead of its value (what
 * `simulate ... { sensitivity = (gpu.mem_bw) }` differentiates by):
 * field `field` of record value `rec` (a record and a nested block path)
 * becomes the param `name`, of dimension `dim`. */
typedef struct LowerVar {
	Value rec;
	const char *field;
	const char *name;
	Dim dim;
} LowerVar;

typedef struct Lowerer {
	const LowerVar *vars;  /* fields lowered as params (set after lower_init) */
	int nvars;
	Sema *sema;
	Dag *g;
	const Value *ctx;      /* [REC_COUNT] bound contexts, or NULL */
	const char *why;       /* reason of the last failure */
	Symbol **msyms;        /* metric memo: symbol -> node */
	NodeId *mnodes;
	int nmemo, capmemo;
	struct TraceMemo *traces; /* statistics of trace workloads read so far (arena) */
	int depth;             /* nesting of lower() now */
	long steps;            /* lower() calls for this formula (bounds inlining) */
} Lowerer;

void lower_init(Lowerer *L, Sema *s, Dag *g, const Value *ctx);
void lower_free(Lowerer *L);
/* An expression of module m; NODE_NONE on failure (L->why says why). */
NodeId lower_expr(Lowerer *L, Module *m, AstNode *e);
/* Field `name` of a record value, lowered from the expression that sets
 * it, also when it is a formula of batch.* (a deployment's step_time).
 * With ctx[REC_batch] bound to a record of kind batch that sets nothing,
 * every batch.FIELD read becomes a param named "batch.FIELD". */
NodeId lower_field_formula(Lowerer *L, const Value *rec, const char *name);
/* A metric or const by name as seen from module m. */
NodeId lower_name(Lowerer *L, Module *m, const char *name);

#endif
