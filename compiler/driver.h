/* driver.h -- the pipeline behind each CLI command.
 *
 * The CLI (main.c) parses arguments into DriverOpts; the driver loads the
 * files, runs the passes and prints diagnostics to stderr.  It returns the
 * process exit status: 0 ok, 1 errors in the input.
 */
#ifndef SGL_DRIVER_H
#define SGL_DRIVER_H
#include <stdbool.h>
#include "lang/sema.h"

typedef struct DriverOpts {
	const char **files;
	int nfiles;
	SemaBinding *binds;
	int nbinds;
	bool dump_ast;     /* check: print each root file's AST */
	const char *for_d; /* --for D --with W: bind a deployment and workload */
	const char *with_w;
	const struct SimOpts *sim;   /* run: simulate's output options, or NULL */
	const struct OptOpts *opt;   /* run, optimize: the optimizer's options, or NULL */
} DriverOpts;

/* A loaded and checked file, with its diagnostics printed to stderr. */
typedef struct Session {
	Diags diags;
	Program prog;
	Sema *sema;
	bool ok;
} Session;

/* Loads and checks path with o's -D bindings; s->ok false on errors. */
/* Diags callback: renders a diagnostic to stderr (ud: the SourceSet). */
void driver_print_diag(void *ud, const Diag *d);
void session_open(Session *s, const DriverOpts *o, const char *path);
void session_close(Session *s);

int driver_check(const DriverOpts *o);
int driver_run(const DriverOpts *o);

#endif
