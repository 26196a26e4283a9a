/* trace_stats.c -- trace(...) calls: their TraceSpec, and the statistics
 * of a trace for the analytic metrics (see trace_stats.h). */
#include "trace_stats.h"
#include "runtime/limits.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *number(Sema *s, Module *m, AstNode *e, const char *what, double *out)
{
	EvalEnv env = {.sema = s, .mod = m};
	Value v = value_eval(&env, e);
	if (v.k != V_NUM) return arena_printf(s->ar, "trace()'s %s must be a number", what);
	*out = v.num;
	return NULL;
}

const char *trace_spec_of(Sema *s, Module *m, AstNode *call, TraceSpec *ts)
{
	memset(ts, 0, sizeof *ts);
	AstNode *fa = ast_call_arg(call, 0, "file"), *fmt = ast_call_arg(call, 1, "format");
	if (!fa || fa->kind != AST_STR) return "trace() needs a file name written as a string";
	ts->path = sema_path_of(s, fa);
	static const char *const names[] = {"azure", "mooncake", "sharegpt_lengths", "jsonl", "csv"};
	const char *f = fmt && fmt->kind == AST_NAME ? fmt->name : "";
	int format = -1;
	for (int i = 0; i < 5; i++)
		if (!strcmp(f, names[i])) format = i;
	if (format < 0) return "trace() needs format = azure, mooncake, sharegpt_lengths, jsonl or csv";
	ts->format = (TraceFormat)format;
	static const char *const nums[4] = {"block", "rate_scale", "time_scale", "limit"};
	double v[4] = {0, 0, 0, 0};
	for (int i = 0; i < 4; i++) {
		AstNode *x = ast_call_arg(call, 2 + i, nums[i]);
		const char *why = x ? number(s, m, x, nums[i], &v[i]) : NULL;
		if (why) return why;
		/* block and limit become integers: in range first (a cast of
		 * -1 or 1e30 would be undefined) */
		double hi = i == 0 ? WORKLOAD_MAX_TOKENS : 9007199254740992.0;   /* 2^53 */
		if (x && (i == 0 || i == 3) && !(v[i] >= 1 && v[i] <= hi && v[i] == floor(v[i])))
			return arena_printf(s->ar, "trace()'s %s must be a whole number%s from 1 to %.17g, not %.17g",
					    nums[i], i == 0 ? " of tokens" : "", hi, v[i]);
	}
	ts->block = (uint32_t)v[0];
	ts->rate_scale = v[1];
	ts->time_scale = v[2];
	ts->limit = (uint64_t)v[3];
	const char **cols[4] = {&ts->timestamp, &ts->input, &ts->output, &ts->hash_ids};
	static const char *const cn[4] = {"timestamp", "input", "output", "hash_ids"};
	for (int i = 0; i < 4; i++) {
		AstNode *x = ast_call_arg(call, 6 + i, cn[i]);
		if (x && x->kind == AST_STR) *cols[i] = x->name;
	}
	return NULL;
}

/* Welford's running mean and variance. */
typedef struct Moments {
	uint64_t n;
	double mean, m2;
} Moments;

static void moments_add(Moments *m, double x)
{
	m->n++;
	double d = x - m->mean;
	m->mean += d / (double)m->n;
	m->m2 += d * (x - m->mean);
}

static double moments_cv(const Moments *m)
{
	if (m->n < 2 || m->mean == 0) return 0;
	return sqrt(m->m2 / (double)(m->n - 1)) / m->mean;
}

const char *trace_stats_read(Sema *s, const TraceSpec *ts, TraceStats *out)
{
	memset(out, 0, sizeof *out);
	char *err = NULL;
	Trace *t = trace_open(ts, &err);
	if (!t) goto fail;
	out->has_times = trace_has_times(t);
	Moments p = {0}, o = {0}, g = {0};
	double first = 0, last = 0;
	Request r;
	int got;
	while ((got = trace_next(t, &r, &err)) == 1) {
		moments_add(&p, r.prompt);
		moments_add(&o, r.output);
		if (p.n == 1) first = r.arrival;
		else moments_add(&g, r.arrival - last);
		last = r.arrival;
		request_free(&r);
	}
	trace_close(t);
	if (got < 0) goto fail;
	out->n = p.n;
	out->prompt_mean = p.mean;
	out->prompt_cv = moments_cv(&p);
	out->output_mean = o.mean;
	out->output_cv = moments_cv(&o);
	out->rate = last > first ? (double)(p.n - 1) / (last - first) : 0;
	out->gap_cv = moments_cv(&g);
	return NULL;
fail:;
	const char *why = arena_printf(s->ar, "%s", err ? err : "cannot read the trace");
	free(err);
	return why;
}
