/* optimize.h -- the `optimize [D with W] { ... }` statement: searches the
 * params' domains for the best deployments under constraints.
 *
 *   maximize/minimize EXPR [as NAME]   analytic metrics (compiled) or sim.*
 *   subject to C1, C2, ...             comparisons; a point violating one is
 *                                      never chosen
 *   over (p1, p2, ...)                 default: every free param used
 *   method = grid | pareto | weighted(w1, ...) | epsilon(primary = NAME, ...)
 *          | nlopt(algorithm = A)
 *   verify top K by simulation         the chosen points through the DES
 *
 * One OptSession spans a `sglsim optimize` (or `run`): each statement
 * prints its table and appends its result; optimize_session_finish writes
 * the --json document.  Method semantics, normalization and pruning are in
 * doc/optimize.md.
 *
 * Ownership: the session owns its JSON results.
 */
#ifndef SGL_OPTIMIZE_H
#define SGL_OPTIMIZE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lang/sema.h"

/* --jobs: at most this many threads or worker processes (doc/limits.md). */
enum { OPT_MAX_JOBS = 1024 };

typedef struct OptOpts {
	const char *json;        /* --json FILE or "-" */
	const char *csv;         /* --csv FILE: every evaluated point */
	const char *plot;        /* --plot FILE.svg: the front */
	int jobs;                /* --jobs N; 0: the online CPUs */
	long limit;              /* --limit N rows in the table; 0: 20 */
	bool mpi;                /* --mpi: split the candidates over MPI ranks */
	bool progress;           /* a progress bar on stderr when it is a TTY */
	const char *jit;         /* auto | always | never */
	bool stats;              /* --stats: the search's speed on stderr */
	bool have_seed;          /* --seed N: every simulated point's seed */
	uint64_t seed;
} OptOpts;

typedef struct OptSession {
	const OptOpts *o;
	void *results;           /* json_t array */
	int ran;                 /* statements run, for numbering output files */
	bool failed;
} OptSession;

void optimize_session_init(OptSession *os, const OptOpts *o);
/* Writes --json; false if it could not be written (reported). */
bool optimize_session_finish(OptSession *os);
/* The SemaHooks.optimize hook (ud: an OptSession). */
bool optimize_stmt(void *ud, Sema *s, Module *m, AstNode *stmt, FILE *out);
#endif
