/* trace_stats.h -- what a `trace(...)` call means outside the simulator:
 * its TraceSpec (file, format, block, scales, limit, column names) and
 * the statistics the analytic metrics read from it (mean(workload.prompt),
 * cv(workload.prompt), rate(workload.arrival), ... of a trace workload).
 *
 * The statistics stream the whole file once (runtime/trace.c); the
 * Lowerer keeps them per file for the rest of the session.
 */
#ifndef SGL_TRACE_STATS_H
#define SGL_TRACE_STATS_H
#include <stdbool.h>
#include <stdint.h>
#include "lang/sema_int.h"
#include "runtime/trace.h"

typedef struct TraceStats {
	uint64_t n;                      /* requests read */
	double prompt_mean, prompt_cv;   /* tokens, dimensionless */
	double output_mean, output_cv;
	bool has_times;
	double rate, gap_cv;             /* req/s over the trace's span; gaps' cv */
} TraceStats;

/* The TraceSpec of a trace(...) call (numbers evaluated in module m, the
 * file relative to the .sgl file that names it); NULL, or why not (kept
 * in the sema arena). */
const char *trace_spec_of(Sema *s, Module *m, AstNode *call, TraceSpec *ts);
/* Reads the statistics; NULL, or why not (the reader's "PATH:LINE:
 * error: ..." text, kept in the sema arena). */
const char *trace_stats_read(Sema *s, const TraceSpec *ts, TraceStats *out);
#endif
