/* sim_int.h -- what simulate.c and sim_source.c share: reading the values
 * of checked records for a simulation, with errors at the statement.
 *
 * A SimRead carries the sema, the bound contexts and the span of the
 * `simulate` statement; every reader reports a failure there (naming the
 * record and field) and clears `ok`, so a caller reads everything and
 * checks once.  Values are in base units (s, tok, B, req/s, USD/s, W).
 */
#ifndef SGL_SIM_INT_H
#define SGL_SIM_INT_H
#include <stdbool.h>
#include "lang/sema_int.h"
#include "runtime/sim.h"

typedef struct SimRead {
	Sema *s;
	Value *ctx;        /* [REC_COUNT] */
	Span at;
	bool ok;
} SimRead;

/* Field `name` of record value rv as a number (a free param is an error
 * that says to bind it with -D).  `dflt` when the field is unset and
 * `optional`, else an error. */
double sim_num(SimRead *r, const Value *rv, const char *name, bool optional, double dflt);
/* Like sim_num for a count: a whole number from lo to hi (the limits in
 * runtime/limits.h), else an error naming the field and lo is returned.  The
 * checker reports a constant beyond them at the value (schema.def
 * RANGE_UPTO); a value computed from params or given with -D is checked
 * here. */
double sim_count(SimRead *r, const Value *rv, const char *name, bool optional, double dflt, double lo, double hi);
/* A word field ("fcfs"), or NULL when unset. */
const char *sim_word(SimRead *r, const Value *rv, const char *name);
/* A nested block or referenced record (V_REC), or V_NONE when unset. */
Value sim_rec(SimRead *r, const Value *rv, const char *name);
/* A number from an expression of module m (a call argument). */
double sim_expr_num(SimRead *r, Module *m, AstNode *e, const char *what);
/* The call that defines a distribution-like field value (through names
 * of consts); NULL with an error when it is not a call.  *m gets the
 * module its names resolve in. */
AstNode *sim_field_call(SimRead *r, const Value *v, const char *what, Module **m);

/* sim_deploy.c.  An expression of the simulator's stdlib (metrics.sgl),
 * parsed and checked there, with `batch` bound when asked; its value. */
AstNode *sim_lib_expr(SimRead *r, const char *text, bool batch);
double sim_lib_num(SimRead *r, const char *text);
/* Where the workers run: worker k (colocated or prefill workers first,
 * then decode workers) on node node_of[k], GPUs first_gpu[k] .. +gpus. */
typedef struct SimPlacement {
	uint32_t nworkers, nodes, gpus_per_node;
	uint32_t *node_of, *first_gpu;   /* in the sema arena */
} SimPlacement;
/* Reads the deployment into sp (pools, cache, router, placement, KV
 * transfers, prices); false after reporting. */
bool sim_deploy_read(SimRead *r, SimSpec *sp, SimPlacement *pl);
#endif
