/* simulate.h -- the `simulate D with W` statement: compiles the iteration
 * cost of the deployment, builds the runtime's SimSpec and request source
 * from the checked records, runs runtime/sim.c and reports.
 *
 * One SimSession spans a `sglsim run`: each simulate statement appends
 * its result; simulate_session_finish writes the --json document (one
 * object, or an array when the file simulates several times).
 *
 * Ownership: the session owns its results and open files.
 */
#ifndef SGL_SIMULATE_H
#define SGL_SIMULATE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lang/sema.h"
#include "runtime/report.h"

typedef struct SimOpts {
	const char *json;        /* --json FILE or "-" */
	const char *csv;         /* --csv FILE: one row per request */
	const char *trace;       /* --trace FILE.json: Perfetto timeline */
	bool have_seed;          /* --seed N */
	uint64_t seed;
	const char *sensitivity; /* --sensitivity q1,q2,... */
	const char *jit;         /* auto | always | never */
	bool progress;           /* a progress bar on stderr (when a TTY) */
	bool placement;          /* --placement: print the workers' GPUs */
} SimOpts;

typedef struct SimSession {
	const SimOpts *o;
	SimResult *results;
	ReportMeta *metas;
	int n, cap;
	int simulated;           /* statements run, for numbering --csv/--trace files */
	bool failed;
} SimSession;

void simulate_session_init(SimSession *ss, const SimOpts *o);
/* Writes --json; false if it could not be written (reported). */
bool simulate_session_finish(SimSession *ss);
/* The SemaHooks.simulate hook (ud: a SimSession). */
bool simulate_stmt(void *ud, Sema *s, Module *m, AstNode *stmt, FILE *out);
/* FILE for the first statement (n = 0), else FILE with ".N+1" before its
 * extension: the --csv/--trace/--plot file of a file's later statements
 * (a heap string). */
char *numbered_path(const char *path, int n);
/* Runs `simulate d with w` without output (the workload's own seed unless
 * seed is not NULL, the bytecode cost: the same figures as simulate_stmt
 * would print), for the optimizer; false with *why (a heap string) when
 * the run cannot be set up or stops.  Diagnostics are kept out of the
 * terminal. */
bool simulate_quiet(Sema *s, const char *d, const char *w, Span at, const uint64_t *seed,
		    SimResult *res, char **why);
#endif
