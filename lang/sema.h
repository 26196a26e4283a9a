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

typedef struct Sema Sema;

typedef struct SemaBinding {
	const char *name;
	const char *value;   /* .sgl expression text, e.g. "4" or "80 GiB" */
} SemaBinding;

Sema *sema_new(Program *p);
/* Returns true when no error was reported. */
bool sema_check(Sema *s, const SemaBinding *binds, int nbinds);
/* Runs the root module's statements; returns false if one failed. */
bool sema_run(Sema *s, FILE *out);

#endif
