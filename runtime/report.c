/* report.c -- the terminal table, JSON document, CSV rows and Chrome trace
 * of a simulation (report.h).
 *
 * Design.  Each output is a pure function of its inputs, written in one
 * pass, with no state kept between calls (the TraceWriter's counters are
 * the caller's).  The JSON document is built as a jansson tree, one object
 * per run with the keys in a fixed insertion order, and dumped with
 * 17-digit reals in that order, so equal results give byte-identical text;
 * jansson cannot hold NaN or infinities, so every double passes through
 * report_num(), which turns them into null.  The table formats each figure once,
 * into a small value-returned buffer (Num), with about three significant
 * digits; every line goes through put_line(), which clips it to
 * TABLE_WIDTH columns, so the table stays within 80 columns whatever the
 * names and magnitudes.  The CSV prints seconds with %.17g (round-trip
 * exact).  The trace is streamed: events are printed as they arrive, each
 * preceded by a separator when it is not the first, so memory stays
 * constant however long the run; times are rounded to whole nanoseconds
 * before being printed as microseconds, so a step never overlaps the next
 * one on its track through rounding.  Allocation failure in jansson aborts,
 * as elsewhere in the runtime; write failures are reported by the boolean
 * results (report_json, trace_writer_close) through ferror after a flush.
 */
#include "config.h"
#include "report.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { TABLE_WIDTH = 80 };

static const ReportMeta blank_meta;

static const ReportMeta *meta_or_blank(const ReportMeta *m)
{
	return m ? m : &blank_meta;
}

static const char *name_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

/* ------------------------------------------------------------------ JSON */

#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))

/* A finite double as a real, anything else as null. */
json_t *report_num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* A count; one beyond json_int_t (not reachable in practice) as a real. */
json_t *report_count(uint64_t x)
{
	return x <= INT64_MAX ? json_integer((json_int_t)x) : json_real((double)x);
}

/* A string (null for NULL); bytes that are not valid UTF-8 become '?'. */
json_t *report_str(const char *s)
{
	if (!s) return json_null();
	json_t *v = json_string(s);
	if (v) return v;
	size_t n = strlen(s);
	char *copy = malloc(n + 1);
	if (!copy) abort();
	for (size_t i = 0; i <= n; i++)
		copy[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	v = json_string(copy);
	free(copy);
	return v;
}

/* The seed: an integer, or its decimal digits as a string above 2^63-1. */
static json_t *jseed(uint64_t seed)
{
	if (seed <= INT64_MAX) return json_integer((json_int_t)seed);
	char buf[24];
	snprintf(buf, sizeof buf, "%" PRIu64, seed);
	return json_string(buf);
}

/* Appends key: v to o (o takes v); aborts when jansson ran out of memory. */
static void put(json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, v) != 0) abort();
}

static json_t *new_object(void)
{
	json_t *o = json_object();
	if (!o) abort();
	return o;
}

static json_t *summary_json(const Summary *s)
{
	json_t *o = new_object();
	put(o, "mean", report_num(s->mean));
	put(o, "p50", report_num(s->p50));
	put(o, "p90", report_num(s->p90));
	put(o, "p99", report_num(s->p99));
	put(o, "max", report_num(s->max));
	return o;
}

static json_t *requests_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "arrived", report_count(r->arrived));
	put(o, "completed", report_count(r->completed));
	put(o, "retractions", report_count(r->retractions));
	put(o, "rejected", report_count(r->rejected));
	return o;
}

static json_t *throughput_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "input", report_num(r->throughput_input));
	put(o, "output", report_num(r->throughput_output));
	put(o, "total", report_num(r->throughput_total));
	put(o, "requests", report_num(r->request_throughput));
	return o;
}

static json_t *cache_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "hit_rate", report_num(r->cache_hit_rate));
	put(o, "prompt_tokens", report_num(r->prompt_tokens));
	put(o, "cached_tokens", report_num(r->cached_tokens));
	put(o, "block_hit_rate", report_num(r->block_hit_rate));
	return o;
}

static json_t *kv_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "capacity_tokens", report_num(r->kv_capacity));
	put(o, "peak", report_num(r->kv_peak));
	put(o, "mean", report_num(r->kv_mean));
	put(o, "overflow", json_boolean(r->kv_overflow));
	return o;
}

static json_t *utilization_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "compute", report_num(r->compute_util));
	put(o, "memory_bandwidth", report_num(r->bw_util));
	put(o, "network", report_num(r->net_util));
	put(o, "busy", report_num(r->busy));
	return o;
}

static json_t *cost_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "gpu_seconds", report_num(r->gpu_seconds));
	put(o, "usd", report_num(r->cost));
	put(o, "usd_per_mtok", report_num(r->cost_per_mtok));
	return o;
}

static json_t *energy_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "joules", report_num(r->energy));
	put(o, "joules_per_token", report_num(r->energy_per_token));
	return o;
}

static json_t *tokens_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "prompt", report_num(r->prompt_tokens));
	put(o, "output", report_num(r->output_tokens));
	put(o, "generated", report_count(r->generated));
	return o;
}

static json_t *little_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "mean_in_system", report_num(r->mean_in_system));
	put(o, "arrival_rate", report_num(r->arrival_rate));
	return o;
}

static json_t *sim_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "events", report_count(r->events));
	put(o, "iterations", report_count(r->iterations));
	put(o, "workers", report_count(r->workers));
	put(o, "gpus", report_count(r->gpus));
	put(o, "prefill_workers", report_count(r->prefill_workers));
	put(o, "decode_workers", report_count(r->decode_workers));
	return o;
}

/* Disaggregated runs: the KV transfers and the links they crossed. */
static json_t *kv_transfer_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "transfers", report_count(r->transfers));
	put(o, "tokens", report_num(r->kv_tokens_sent));
	put(o, "bytes", report_num(r->kv_bytes_sent));
	put(o, "time", summary_json(&r->transfer_time));
	put(o, "wait", summary_json(&r->transfer_wait));
	return o;
}

static json_t *links_json(const SimResult *r)
{
	json_t *a = json_array();
	if (!a) abort();
	for (uint32_t i = 0; i < r->nlinks; i++) {
		const LinkStat *l = &r->links[i];
		json_t *e = new_object();
		put(e, "prefill_worker", report_count(l->worker));
		put(e, "link", report_str(l->kind));
		put(e, "between_nodes", json_boolean(l->inter));
		put(e, "bandwidth", report_num(l->bw));
		put(e, "bytes", report_num(l->bytes));
		put(e, "busy", report_num(l->busy));
		put(e, "utilization", report_num(l->utilization));
		if (json_array_append_new(a, e)) abort();
	}
	return a;
}

static json_t *router_json(const SimResult *r)
{
	json_t *o = new_object();
	put(o, "by_balance", report_count(r->routed_by_balance));
	put(o, "by_cache", report_count(r->routed_by_cache));
	put(o, "by_load", report_count(r->routed_by_load));
	return o;
}

/* One entry per named quantity, in order; a repeated name keeps its first
 * place and its last values. */
static json_t *sensitivity_json(const Sensitivity *s, int n)
{
	json_t *o = new_object();
	for (int i = 0; i < n; i++) {
		if (!s[i].name) continue;
		json_t *e = new_object();
		put(e, "unit", report_str(s[i].unit));
		put(e, "value", report_num(s[i].value));
		put(e, "d_ttft_mean", report_num(s[i].d_ttft_mean));
		put(e, "d_tpot_mean", report_num(s[i].d_tpot_mean));
		put(e, "d_makespan", report_num(s[i].d_makespan));
		put(e, "d_throughput", report_num(s[i].d_throughput));
		put(o, s[i].name, e);
	}
	return o;
}

static json_t *run_json(const ReportMeta *m, const SimResult *r)
{
	m = meta_or_blank(m);
	json_t *o = new_object();
	put(o, "deployment", report_str(m->deployment));
	put(o, "workload", report_str(m->workload));
	put(o, "model", report_str(m->model));
	put(o, "gpu", report_str(m->gpu));
	put(o, "seed", jseed(m->seed));
	put(o, "partial", json_boolean(r->partial));
	put(o, "interrupted", json_boolean(r->interrupted));
	put(o, "requests", requests_json(r));
	put(o, "ttft", summary_json(&r->ttft));
	put(o, "tpot", summary_json(&r->tpot));
	put(o, "itl", summary_json(&r->itl));
	put(o, "e2e", summary_json(&r->e2e));
	put(o, "queue", summary_json(&r->queue));
	put(o, "throughput", throughput_json(r));
	put(o, "goodput", report_num(r->goodput));
	put(o, "slo_met", report_count(r->slo_met));
	put(o, "cache", cache_json(r));
	put(o, "kv", kv_json(r));
	put(o, "utilization", utilization_json(r));
	put(o, "cost", cost_json(r));
	put(o, "energy", energy_json(r));
	put(o, "tokens", tokens_json(r));
	put(o, "makespan", report_num(r->makespan));
	put(o, "little", little_json(r));
	put(o, "sim", sim_json(r));
	put(o, "kv_transfer", kv_transfer_json(r));
	put(o, "links", links_json(r));
	put(o, "router", router_json(r));
	if (m->nsens > 0 && m->sens) {
		put(o, "sensitivity", sensitivity_json(m->sens, m->nsens));
		put(o, "sensitivity_note",
		    report_str("derivatives along the simulated schedule, held fixed"));
	}
	return o;
}

static bool flushed_ok(FILE *out)
{
	return fflush(out) == 0 && !ferror(out);
}

bool report_json(FILE *out, const ReportMeta *ms, const SimResult *rs, int n)
{
	json_t *doc;
	if (n == 1) {
		doc = run_json(ms, rs);
	} else {
		doc = json_array();
		if (!doc) abort();
		for (int i = 0; i < n; i++)
			if (json_array_append_new(doc, run_json(ms ? &ms[i] : NULL, &rs[i])))
				abort();
	}
	int rc = json_dumpf(doc, out, JSON_FLAGS);
	json_decref(doc);
	if (rc == 0 && fputc('\n', out) == EOF) rc = -1;
	return flushed_ok(out) && rc == 0;
}

/* ----------------------------------------------------------------- table */

/* A formatted figure, returned by value so several fit in one printf. */
typedef struct Num {
	char s[32];
} Num;

/* About three significant digits: %.3g, except that 1000 <= |x| < 1e6
 * prints as a whole number rather than in exponent form; "-" for
 * non-finite values. */
static Num fmt(double x)
{
	Num n;
	if (!isfinite(x)) {
		strcpy(n.s, "-");
		return n;
	}
	snprintf(n.s, sizeof n.s, "%.3g", x);
	if (strchr(n.s, 'e') && fabs(x) >= 1 && fabs(x) < 1e6)
		snprintf(n.s, sizeof n.s, "%.0f", x);
	return n;
}

/* A duration in seconds: in ms below 10 s, else in s. */
static Num fmt_time(double s)
{
	Num n;
	if (!isfinite(s)) return fmt(s);
	if (fabs(s) < 10)
		snprintf(n.s, sizeof n.s, "%.24s ms", fmt(s * 1e3).s);
	else
		snprintf(n.s, sizeof n.s, "%.24s s", fmt(s).s);
	return n;
}

/* A fraction as a percentage. */
static Num fmt_pct(double f)
{
	Num n;
	if (!isfinite(f)) return fmt(f);
	snprintf(n.s, sizeof n.s, "%.24s%%", fmt(f * 100).s);
	return n;
}

/* Columns taken by a UTF-8 string's first len bytes (one per code point). */
static size_t columns(const char *s, size_t len)
{
	size_t c = 0;
	for (size_t i = 0; i < len; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Writes s and a newline; a line wider than TABLE_WIDTH columns is cut to
 * TABLE_WIDTH - 3 columns and "...". */
static void put_line(FILE *out, const char *s)
{
	size_t len = strlen(s);
	if (columns(s, len) <= TABLE_WIDTH) {
		fprintf(out, "%s\n", s);
		return;
	}
	size_t i = 0, c = 0;
	for (; s[i]; i++) {
		bool starts = ((unsigned char)s[i] & 0xC0) != 0x80;
		if (starts && c++ == TABLE_WIDTH - 3) break;
	}
	fprintf(out, "%.*s...\n", (int)i, s);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void line(FILE *out, const char *f, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, sizeof buf, f, ap);
	va_end(ap);
	put_line(out, buf);
}

static void table_header(FILE *out, const ReportMeta *m)
{
	char what[512], how[512];
	snprintf(what, sizeof what, "simulate %s with %s", name_or(m->deployment, "?"),
		 name_or(m->workload, "?"));
	snprintf(how, sizeof how, "(%s on %s, seed %" PRIu64 ")", name_or(m->model, "?"),
		 name_or(m->gpu, "?"), m->seed);
	if (columns(what, strlen(what)) + 2 + columns(how, strlen(how)) <= TABLE_WIDTH) {
		line(out, "%s  %s", what, how);
	} else {
		put_line(out, what);
		line(out, "  %s", how);
	}
}

static void latency_row(FILE *out, const char *label, const Summary *s)
{
	line(out, "  %-11s%11s%11s%11s%11s%11s", label, fmt_time(s->mean).s, fmt_time(s->p50).s,
	     fmt_time(s->p90).s, fmt_time(s->p99).s, fmt_time(s->max).s);
}

static void latency_block(FILE *out, const SimResult *r)
{
	line(out, "%-13s%11s%11s%11s%11s%11s", "latency", "mean", "p50", "p90", "p99", "max");
	latency_row(out, "TTFT", &r->ttft);
	latency_row(out, "TPOT", &r->tpot);
	latency_row(out, "ITL", &r->itl);
	latency_row(out, "E2E", &r->e2e);
	latency_row(out, "queue", &r->queue);
}

static void figures_block(FILE *out, const SimResult *r)
{
	line(out, "%-13s%s tok/s output, %s input, %s total; %s req/s", "throughput",
	     fmt(r->throughput_output).s, fmt(r->throughput_input).s,
	     fmt(r->throughput_total).s, fmt(r->request_throughput).s);
	line(out, "%-13s%s req/s (SLO met by %" PRIu64 " of %" PRIu64 " completed)", "goodput",
	     fmt(r->goodput).s, r->slo_met, r->completed);
	line(out, "%-13shit rate %s, %s of %s prompt tokens cached", "cache",
	     fmt_pct(r->cache_hit_rate).s, fmt(r->cached_tokens).s, fmt(r->prompt_tokens).s);
	line(out, "%-13speak %s, mean %s of %s tokens per worker", "KV pool",
	     fmt_pct(r->kv_peak).s, fmt_pct(r->kv_mean).s, fmt(r->kv_capacity).s);
	if (r->kv_overflow)
		line(out, "%-13sthe KV pool went above capacity (a simulator bug)", "warning:");
	line(out, "%-13scompute %s, memory bw %s, network %s, busy %s", "utilization",
	     fmt_pct(r->compute_util).s, fmt_pct(r->bw_util).s, fmt_pct(r->net_util).s,
	     fmt_pct(r->busy).s);
	line(out, "%-13s%s GPU-s, %s USD, %s USD per million output tokens", "cost",
	     fmt(r->gpu_seconds).s, fmt(r->cost).s, fmt(r->cost_per_mtok).s);
	line(out, "%-13s%s J, %s J per output token", "energy", fmt(r->energy).s,
	     fmt(r->energy_per_token).s);
	line(out, "%-13s%s; %s requests in system on average, %s req/s arriving", "makespan",
	     fmt_time(r->makespan).s, fmt(r->mean_in_system).s, fmt(r->arrival_rate).s);
	line(out, "%-13s%" PRIu64 " events, %" PRIu64 " iterations, %" PRIu32 " workers, %" PRIu32
	     " GPUs", "simulated", r->events, r->iterations, r->workers, r->gpus);
}

/* Disaggregated runs: transfers and the busiest link. */
static void transfer_block(FILE *out, const SimResult *r)
{
	if (!r->decode_workers) return;
	line(out, "%-13s%" PRIu32 " prefill + %" PRIu32 " decode workers; %" PRIu64 " KV transfers, %s GB",
	     "P/D", r->prefill_workers, r->decode_workers, r->transfers, fmt(r->kv_bytes_sent / 1e9).s);
	line(out, "%-13smean %s, p99 %s; waiting for room mean %s, p99 %s", "transfers",
	     fmt_time(r->transfer_time.mean).s, fmt_time(r->transfer_time.p99).s,
	     fmt_time(r->transfer_wait.mean).s, fmt_time(r->transfer_wait.p99).s);
	const LinkStat *busiest = NULL;
	for (uint32_t i = 0; i < r->nlinks; i++)
		if (!busiest || r->links[i].utilization > busiest->utilization) busiest = &r->links[i];
	if (busiest)
		line(out, "%-13s%" PRIu32 " used; busiest: prefill %" PRIu32 " over %s, %s", "links",
		     r->nlinks, busiest->worker, name_or(busiest->kind, "?"), fmt_pct(busiest->utilization).s);
}

/* Width of the label column of sensitivity rows (after two spaces). */
enum { SENS_LABEL = 18 };

static void sensitivity_row(FILE *out, const Sensitivity *s)
{
	char label[256];
	if (s->unit && *s->unit)
		snprintf(label, sizeof label, "%s [%s]", name_or(s->name, "?"), s->unit);
	else
		snprintf(label, sizeof label, "%s", name_or(s->name, "?"));
	const char *shown = label;
	if (columns(label, strlen(label)) >= SENS_LABEL) {
		line(out, "  %s", label);
		shown = "";
	}
	line(out, "  %-*s%10s%12s%12s%12s%12s", SENS_LABEL, shown, fmt(s->value).s,
	     fmt(s->d_ttft_mean).s, fmt(s->d_tpot_mean).s, fmt(s->d_makespan).s,
	     fmt(s->d_throughput).s);
}

static void sensitivity_block(FILE *out, const ReportMeta *m)
{
	line(out, "sensitivity  derivatives along the simulated schedule, held fixed");
	line(out, "%-13sd(figure)/dx; TTFT, TPOT, makespan in s, throughput in tok/s", "");
	line(out, "  %-*s%10s%12s%12s%12s%12s", SENS_LABEL, "x [unit]", "value", "TTFT mean",
	     "TPOT mean", "makespan", "throughput");
	for (int i = 0; i < m->nsens; i++) sensitivity_row(out, &m->sens[i]);
}

void report_table(FILE *out, const ReportMeta *m, const SimResult *r)
{
	m = meta_or_blank(m);
	table_header(out, m);
	line(out, "%-13s%" PRIu64 " arrived, %" PRIu64 " completed, %" PRIu64 " retractions",
	     "requests", r->arrived, r->completed, r->retractions);
	if (r->rejected)
		line(out, "%-13s%" PRIu64 " requests larger than the KV pool were rejected", "warning:",
		     r->rejected);
	latency_block(out, r);
	figures_block(out, r);
	transfer_block(out, r);
	if (r->routed_by_balance + r->routed_by_cache + r->routed_by_load)
		line(out, "%-13scache-aware: %" PRIu64 " by prefix match, %" PRIu64 " by load, %" PRIu64
		     " rebalanced", "router", r->routed_by_cache, r->routed_by_load, r->routed_by_balance);
	if (r->interrupted) line(out, "partial: interrupted (Ctrl-C) at t = %.6g s", r->makespan);
	else if (r->partial) put_line(out, "partial: stopped at the horizon");
	if (m->nsens > 0 && m->sens) sensitivity_block(out, m);
}

/* ------------------------------------------------------------------- CSV */

void report_csv_header(FILE *out)
{
	fputs("id,worker,session,turn,arrival,prompt,output,cached,retractions,"
	      "queue,ttft,tpot,e2e,itl_max\n", out);
}

/* A time field: %.17g, or empty when not finite. */
static void csv_time(FILE *out, double s)
{
	if (isfinite(s)) fprintf(out, ",%.17g", s);
	else fputc(',', out);
}

void report_csv_row(FILE *out, const RequestRecord *r)
{
	fprintf(out, "%" PRIu64 ",%" PRIu32 ",", r->id, r->worker);
	if (r->session != REQUEST_NO_SESSION) fprintf(out, "%" PRIu32, r->session);
	fprintf(out, ",%" PRIu32, r->turn);
	csv_time(out, r->arrival);
	fprintf(out, ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32, r->prompt, r->output,
		r->cached, r->retractions);
	csv_time(out, r->queue);
	csv_time(out, r->ttft);
	csv_time(out, r->tpot);
	csv_time(out, r->e2e);
	csv_time(out, r->itl_max);
	fputc('\n', out);
}

/* ----------------------------------------------------------------- trace */

enum { TRACE_PID = 1 };
/* Thread ids start at 1: some Perfetto versions merge tid 0 into tid 1. */
#define TRACE_TID(worker) ((uint64_t)(worker) + 1)
/* At most this many missing thread names are filled in for a worker number
 * beyond those announced at open. */
enum { TRACE_MAX_NEW_THREADS = 4096 };

/* s as a JSON string literal (UTF-8 passes through unchanged). */
static void trace_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
		else if (c < 0x20) fprintf(out, "\\u%04x", c);
		else fputc(c, out);
	}
	fputc('"', out);
}

/* Starts the next element of the traceEvents array. */
static void trace_next(TraceWriter *w)
{
	fputs(w->events++ ? ",\n" : "\n", w->out);
}

/* A number of tokens (or any count held in a double); null if not finite. */
static void trace_real(FILE *out, double x)
{
	if (isfinite(x)) fprintf(out, "%.17g", x);
	else fputs("null", out);
}

/* Seconds to whole nanoseconds; false when not finite or beyond 2^63 ns. */
static bool to_ns(double s, long long *ns)
{
	double x = s * 1e9;
	if (!isfinite(x) || fabs(x) >= 9.2e18) return false;
	*ns = llround(x);
	return true;
}

/* Nanoseconds as microseconds with three decimals, or null when !ok. */
static void trace_us(FILE *out, bool ok, long long ns)
{
	if (!ok) {
		fputs("null", out);
		return;
	}
	unsigned long long a = ns < 0 ? 0ULL - (unsigned long long)ns : (unsigned long long)ns;
	fprintf(out, "%s%llu.%03llu", ns < 0 ? "-" : "", a / 1000, a % 1000);
}

/* "prefill 2", "decode 0" or "worker 3": the name of a worker's track. */
static void worker_name(const TraceWriter *w, uint32_t worker, char *out, size_t n)
{
	if (!w->prefill) snprintf(out, n, "worker %" PRIu32, worker);
	else if (worker < w->prefill) snprintf(out, n, "prefill %" PRIu32, worker);
	else snprintf(out, n, "decode %" PRIu32, worker - w->prefill);
}

static void trace_thread(TraceWriter *w, uint32_t worker)
{
	char name[40];
	worker_name(w, worker, name, sizeof name);
	trace_next(w);
	fprintf(w->out, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%" PRIu64
		",\"args\":{\"name\":\"%s\"}}", TRACE_PID, TRACE_TID(worker), name);
	trace_next(w);
	fprintf(w->out, "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":%" PRIu64
		",\"args\":{\"sort_index\":%" PRIu32 "}}", TRACE_PID, TRACE_TID(worker), worker);
}

void trace_writer_open(TraceWriter *w, FILE *out, const ReportMeta *m, uint32_t workers,
		       uint32_t prefill)
{
	m = meta_or_blank(m);
	w->out = out;
	w->events = 0;
	w->workers = workers;
	w->prefill = prefill;
	fputs("{\"traceEvents\":[", out);
	char name[1024];
	snprintf(name, sizeof name, "simulate %s with %s (%s on %s, seed %" PRIu64 ")",
		 name_or(m->deployment, "?"), name_or(m->workload, "?"), name_or(m->model, "?"),
		 name_or(m->gpu, "?"), m->seed);
	trace_next(w);
	fprintf(out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":",
		TRACE_PID);
	trace_string(out, name);
	fputs("}}", out);
	for (uint32_t i = 0; i < workers; i++) trace_thread(w, i);
}

/* Names the worker's thread if open did not announce it. */
static void trace_ensure_thread(TraceWriter *w, uint32_t worker)
{
	if (worker < w->workers) return;
	uint32_t from = worker - w->workers > TRACE_MAX_NEW_THREADS ? worker : w->workers;
	for (uint32_t i = from; i <= worker; i++) trace_thread(w, i);
	w->workers = worker + 1;
}

static const char *step_name(const StepRecord *s)
{
	bool prefill = s->prefill_reqs > 0 || s->prefill_tokens > 0;
	bool decode = s->decode_reqs > 0 || s->decode_tokens > 0;
	if (prefill && decode) return "prefill+decode";
	if (prefill) return "prefill";
	if (decode) return "decode";
	return "idle";
}

static void trace_step_slice(TraceWriter *w, const StepRecord *s, bool ok, long long t0,
			     long long t1)
{
	FILE *out = w->out;
	trace_next(w);
	fprintf(out, "{\"name\":\"%s\",\"cat\":\"step\",\"ph\":\"X\",\"pid\":%d,\"tid\":%" PRIu64
		",\"ts\":", step_name(s), TRACE_PID, TRACE_TID(s->worker));
	trace_us(out, ok, t0);
	fputs(",\"dur\":", out);
	trace_us(out, ok, t1 - t0);
	fprintf(out, ",\"args\":{\"batch_size\":%" PRIu32 ",\"prefill_tokens\":", s->batch_size);
	trace_real(out, s->prefill_tokens);
	fputs(",\"decode_tokens\":", out);
	trace_real(out, s->decode_tokens);
	fprintf(out, ",\"prefill_reqs\":%" PRIu32 ",\"decode_reqs\":%" PRIu32 "}}",
		s->prefill_reqs, s->decode_reqs);
}

static void trace_counters(TraceWriter *w, const StepRecord *s, bool ok, long long t0)
{
	FILE *out = w->out;
	char name[40];
	worker_name(w, s->worker, name, sizeof name);
	trace_next(w);
	fprintf(out, "{\"name\":\"%s waiting\",\"ph\":\"C\",\"pid\":%d,\"tid\":%"
		PRIu64 ",\"ts\":", name, TRACE_PID, TRACE_TID(s->worker));
	trace_us(out, ok, t0);
	fprintf(out, ",\"args\":{\"requests\":%" PRIu32 "}}", s->waiting);
	trace_next(w);
	fprintf(out, "{\"name\":\"%s KV\",\"ph\":\"C\",\"pid\":%d,\"tid\":%"
		PRIu64 ",\"ts\":", name, TRACE_PID, TRACE_TID(s->worker));
	trace_us(out, ok, t0);
	fputs(",\"args\":{\"tokens\":", out);
	trace_real(out, s->kv_used);
	fputs("}}", out);
}

void trace_writer_step(TraceWriter *w, const StepRecord *s)
{
	long long t0 = 0, t1 = 0;
	bool ok = to_ns(s->start, &t0) && to_ns(s->end, &t1);
	trace_ensure_thread(w, s->worker);
	trace_step_slice(w, s, ok, t0, t1);
	trace_counters(w, s, ok, t0);
}

/* One async begin or end ("b"/"e") of a transfer's slice. */
static void trace_transfer_edge(TraceWriter *w, const TransferRecord *t, const char *name, bool begin,
				bool ok, long long ns)
{
	FILE *out = w->out;
	trace_next(w);
	fprintf(out, "{\"name\":\"%s\",\"cat\":\"kv_transfer\",\"ph\":\"%s\",\"id\":%" PRIu64
		",\"pid\":%d,\"tid\":%" PRIu64 ",\"ts\":", name, begin ? "b" : "e", t->id, TRACE_PID,
		TRACE_TID(t->from));
	trace_us(out, ok, ns);
	if (begin) {
		fprintf(out, ",\"args\":{\"request\":%" PRIu64 ",\"tokens\":", t->id);
		trace_real(out, t->tokens);
		fputs(",\"bytes\":", out);
		trace_real(out, t->bytes);
		fprintf(out, ",\"between_nodes\":%s}", t->between_nodes ? "true" : "false");
	}
	fputs("}", out);
}

void trace_writer_transfer(TraceWriter *w, const TransferRecord *t)
{
	long long t0 = 0, t1 = 0;
	bool ok = to_ns(t->start, &t0) && to_ns(t->end, &t1);
	trace_ensure_thread(w, t->from > t->to ? t->from : t->to);
	char from[40], to[40], name[96];
	worker_name(w, t->from, from, sizeof from);
	worker_name(w, t->to, to, sizeof to);
	snprintf(name, sizeof name, "KV %s -> %s", from, to);
	trace_transfer_edge(w, t, name, true, ok, t0);
	trace_transfer_edge(w, t, name, false, ok, t1);
}

bool trace_writer_close(TraceWriter *w)
{
	fputs("\n],\n\"displayTimeUnit\":\"ms\"}\n", w->out);
	return flushed_ok(w->out);
}
