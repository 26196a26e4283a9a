/* report.h -- what a simulation prints: the terminal table, the JSON
 * document (--json), per-request CSV rows (--csv) and the Perfetto /
 * Chrome trace of iterations (--trace).
 *
 * JSON keys are stable and in base units (seconds, tokens, tokens/s,
 * requests/s, joules, USD); doc/json.md lists them.  Numbers are printed
 * with 17 significant digits, so equal results give byte-identical
 * documents.  Non-finite numbers (a TTFT with no completed request) are
 * written as null.
 *
 * Ownership: a TraceWriter owns nothing but its state; the FILEs stay the
 * caller's.
 */
#ifndef SGL_REPORT_H
#define SGL_REPORT_H
#include <stdio.h>
#include "sim.h"

/* Derivatives of the aggregate figures with respect to one quantity. */
typedef struct Sensitivity {
	const char *name;        /* as written, e.g. "gpu.mem_bw" */
	const char *unit;        /* unit of the quantity in base units, e.g. "B/s" */
	double value;            /* the quantity's value */
	double d_ttft_mean, d_tpot_mean, d_makespan, d_throughput;
} Sensitivity;

/* What the report says about the run besides its results. */
typedef struct ReportMeta {
	const char *deployment, *workload;
	const char *model, *gpu;
	uint64_t seed;
	const Sensitivity *sens;
	int nsens;
} ReportMeta;

/* A readable table of the results. */
void report_table(FILE *out, const ReportMeta *m, const SimResult *r);
/* One JSON object per run: n == 1 writes the object, n > 1 an array of
 * them, in order.  Returns false if writing failed. */
bool report_json(FILE *out, const ReportMeta *ms, const SimResult *rs, int n);

/* --csv: a header line, then one line per finished request. */
void report_csv_header(FILE *out);
void report_csv_row(FILE *out, const RequestRecord *r);

/* --trace: Chrome trace-event JSON that Perfetto (ui.perfetto.dev) and
 * chrome://tracing open: one track (thread) per worker with a complete
 * event per iteration, and counters for waiting requests and KV usage.
 * Workers [0, prefill) are named "prefill N", the rest "decode N" (with
 * prefill 0: "worker N"); each KV transfer is an async slice from its
 * prefill worker's track, named for the two workers. */
typedef struct TraceWriter {
	FILE *out;
	long events;
	uint32_t workers, prefill;
} TraceWriter;
void trace_writer_open(TraceWriter *w, FILE *out, const ReportMeta *m, uint32_t workers,
		       uint32_t prefill);
void trace_writer_step(TraceWriter *w, const StepRecord *s);
void trace_writer_transfer(TraceWriter *w, const TransferRecord *t);
/* Ends the document; returns false if writing failed. */
bool trace_writer_close(TraceWriter *w);
/* JSON values as every --json document writes them (jansson's json_t):
 * a number (null when NaN or infinite), a count, a string (null for NULL;
 * bytes that are not valid UTF-8 become '?'). */
struct json_t;
struct json_t *report_num(double x);
struct json_t *report_count(uint64_t x);
struct json_t *report_str(const char *s);

#endif
