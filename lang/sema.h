/* sema.h -- semantic checks of a loaded Program.
 *
 * sema_check resolves every name (scopes: fn arguments, the bound context,
 * the module, then its imports depth-first), checks dimensions of every
 * operator, argument and record field against schema.def and builtins.def,
 * evaluates consts and param domains, and reports what is wrong through
 * the Program's Diags.  -D bindings (name=value text) are applied first:
 * a bound param or const takes the value everywhere.
 *
 * After a successful check, sema_run executes the root module's statements
 * in order (print; the others report that they come with a later release)
 * writing results to `out`.
 *
 * Ownership: the Sema lives in the Program's arena; nothing to free.
 */
#ifndef SGL_SEMA_H
#define SGL_SEMA_H
#include <stdbool.h>
#include <stdio.h>
#include "loader.h"
#include "units.h"

typedef struct Sema Sema;

typedef struct SemaBinding {
	const char *name;
	const char *value;   /* .sgl expression text, e.g. "4" or "80 GiB" */
} SemaBinding;

Sema *sema_new(Program *p);
/* Returns true when no error was reported. */
bool sema_check(Sema *s, const SemaBinding *binds, int nbinds);
/* What the compiler adds to running statements (lang cannot call it):
 * formula prints the symbolic form of an expression that is not a
 * constant (`print tp * 2`, `print d(f, tp)`), in dimension `dim`; graph
 * draws one.  Each returns false with *why set when it cannot. */
struct Value;
typedef struct SemaHooks {
	bool (*formula)(void *ud, Sema *s, Module *m, AstNode *e, const struct Value *ctx,
			Dim dim, Buf *out, const char **why);
	bool (*graph)(void *ud, Sema *s, Module *m, AstNode *e, const struct Value *ctx,
		      const char *path, const char **why);
	/* runs `simulate D with W { options }` (stmt), writing its report to
	   out; false after reporting an error. */
	bool (*simulate)(void *ud, Sema *s, Module *m, AstNode *stmt, FILE *out);
	/* runs `optimize [D with W] { clauses }` the same way. */
	bool (*optimize)(void *ud, Sema *s, Module *m, AstNode *stmt, FILE *out);
	void *ud;       /* of simulate */
	void *opt_ud;   /* of optimize */
} SemaHooks;

/* Checks an expression given on the command line (already parsed) in the
 * root module; `bound` allows the context names of `for D with W`.
 * Returns false after reporting errors; *dim receives its dimension. */
bool sema_check_cli_expr(Sema *s, AstNode *e, bool bound, Dim *dim);
/* As sema_check_cli_expr, in module m, with the contexts of `for D with W`
 * and, when `batch`, the batch context of step_time formulas. */
bool sema_check_expr_in(Sema *s, Module *m, AstNode *e, bool batch, Dim *dim);
/* The dimension of an objective or constraint side of an optimize
 * statement (checked before: no new diagnostics); `bound` allows the
 * contexts of `D with W` and sim.*. */
bool sema_opt_expr_dim(Sema *s, Module *m, AstNode *e, bool bound, Dim *dim);
/* Binds the contexts of `D with W` (names in the root module) into
 * ctx[REC_COUNT]; false (reported at `at`) if they are not a deployment and
 * a workload. */
bool sema_bind_contexts(Sema *s, const char *d, const char *w, struct Value *ctx);

/* Runs the root module's statements; returns false if one failed.  hooks
 * may be NULL: formulas are then reported as not evaluable. */
bool sema_run(Sema *s, FILE *out, const SemaHooks *hooks);

#endif
