/* test_trace.c -- trace readers (runtime/trace.c): the real traces under
 * ../shared/data checked against the figures of their SOURCE.md, small
 * fixtures for each rule (times and scales, limit, block ids and their
 * padding, generic column names), every error message word for word, and
 * garbage that must give an error rather than a crash.
 *
 * Fixtures are written into a fresh temporary directory that the test
 * process enters (Criterion runs each test in its own process), so the
 * messages name short relative paths such as "t.jsonl". */
#include "config.h"
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime/trace.h"

/* ------------------------------------------------------------ helpers */

/* A real data file, or skips the test when the data is absent. */
static char *data_file(const char *rel)
{
	const char *src = getenv("SRCDIR");
	size_t n = strlen(src ? src : ".") + strlen(rel) + 32;
	char *p = malloc(n);
	cr_assert_not_null(p);
	snprintf(p, n, "%s/../shared/data/%s", src ? src : ".", rel);
	FILE *f = fopen(p, "r");
	if (!f) {
		free(p);
		cr_skip_test("%s is absent", rel);
	}
	fclose(f);
	return p;
}

/* Enters a fresh temporary directory (and leaves and removes it). */
static void enter_tmp(void)
{
	char dir[] = "/tmp/sgl_trace_XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chdir(dir), 0);
}

static void leave_tmp(void)
{
	char dir[4096];
	if (!getcwd(dir, sizeof dir) || strncmp(dir, "/tmp/sgl_trace_", 15)) return;
	DIR *d = opendir(".");
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) remove(e->d_name);
	if (d) closedir(d);
	if (chdir("/") == 0) rmdir(dir);
}

TestSuite(real);
TestSuite(rules, .init = enter_tmp, .fini = leave_tmp);
TestSuite(errors, .init = enter_tmp, .fini = leave_tmp);

static void put(const char *name, const char *body)
{
	FILE *f = fopen(name, "wb");
	cr_assert_not_null(f);
	fputs(body, f);
	fclose(f);
}

static Trace *open_ok(const TraceSpec *s)
{
	char *err = NULL;
	Trace *t = trace_open(s, &err);
	cr_assert_not_null(t, "trace_open: %s", err ? err : "?");
	return t;
}

/* Reads up to max requests into r (owned by the caller); returns the count
 * and fails on an error. */
static size_t read_n(const TraceSpec *s, Request *r, size_t max)
{
	Trace *t = open_ok(s);
	char *err = NULL;
	size_t n = 0;
	int rc;
	while (n < max && (rc = trace_next(t, &r[n], &err)) == 1) n++;
	cr_assert(n == max || rc == 0, "trace_next: %s", err ? err : "?");
	trace_close(t);
	return n;
}

static void free_n(Request *r, size_t n)
{
	for (size_t i = 0; i < n; i++) request_free(&r[i]);
}

/* The error a trace ends with (from trace_open or trace_next); heap. */
static char *error_of(const TraceSpec *s)
{
	char *err = NULL;
	Trace *t = trace_open(s, &err);
	if (!t) {
		cr_assert_not_null(err);
		return err;
	}
	Request r;
	int rc;
	while ((rc = trace_next(t, &r, &err)) == 1) request_free(&r);
	cr_assert_eq(rc, -1, "the trace ended without an error");
	cr_assert_not_null(err);
	cr_assert_null(r.blocks);
	trace_close(t);
	return err;
}

/* Writes body to name and checks the error of reading it as fmt. */
static void expect_error(const char *name, TraceFormat fmt, const char *body, const char *want)
{
	put(name, body);
	char *err = error_of(&(TraceSpec){ .path = name, .format = fmt });
	cr_expect_str_eq(err, want);
	free(err);
}

#define JSONL_ERR(body, want) expect_error("t.jsonl", TRACE_JSONL, body, want)
#define MOON_ERR(body, want) expect_error("t.jsonl", TRACE_MOONCAKE, body, want)
#define AZURE_ERR(body, want) expect_error("t.csv", TRACE_AZURE, body, want)

/* What a whole real trace adds up to; also checks the invariants every
 * request must keep. */
typedef struct Totals {
	size_t n;
	double in, out, last;   /* sums of lengths; last arrival */
	uint32_t max_in, max_out;
	size_t refs, seen;      /* block references; those already seen earlier */
} Totals;

/* An open-addressing set of block ids (0 is reserved as "empty"). */
typedef struct IdSet {
	uint64_t *slot;
	size_t cap, n;
} IdSet;

static bool idset_add(IdSet *s, uint64_t id)
{
	if (!id) id = 1;
	if (2 * (s->n + 1) > s->cap) {
		IdSet g = { calloc(s->cap ? 2 * s->cap : 1024, sizeof *g.slot), s->cap ? 2 * s->cap : 1024, 0 };
		cr_assert_not_null(g.slot);
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i]) idset_add(&g, s->slot[i]);
		free(s->slot);
		*s = g;
	}
	size_t i = id & (s->cap - 1);
	while (s->slot[i] && s->slot[i] != id) i = (i + 1) & (s->cap - 1);
	if (s->slot[i]) return false;
	s->slot[i] = id;
	s->n++;
	return true;
}

static Totals totals(const TraceSpec *s, bool times)
{
	Totals tot = { 0 };
	IdSet ids = { 0 };
	Trace *t = open_ok(s);
	cr_assert_eq(trace_has_times(t), times);
	Request r;
	char *err = NULL;
	int rc;
	double prev = 0;
	while ((rc = trace_next(t, &r, &err)) == 1) {
		cr_assert_eq(r.id, tot.n);
		cr_assert(r.prompt >= 1 && r.output >= 1);
		cr_assert_eq(r.nblocks, (r.prompt + r.block - 1) / r.block);
		cr_assert(r.arrival >= prev, "arrival %g after %g", r.arrival, prev);
		cr_assert(times || r.arrival == 0);
		cr_assert_eq(r.session, REQUEST_NO_SESSION);
		cr_assert_eq(r.turn, 0);
		cr_assert_eq(r.priority, 0);
		if (!tot.n) cr_assert_eq(r.arrival, 0);
		prev = r.arrival;
		tot.n++;
		tot.in += r.prompt;
		tot.out += r.output;
		tot.last = r.arrival;
		if (r.prompt > tot.max_in) tot.max_in = r.prompt;
		if (r.output > tot.max_out) tot.max_out = r.output;
		/* a block seen earlier in the same request counts as seen */
		for (uint32_t i = 0; i < r.nblocks; i++) tot.seen += !idset_add(&ids, r.blocks[i]);
		tot.refs += r.nblocks;
		request_free(&r);
	}
	cr_assert_eq(rc, 0, "trace_next: %s", err ? err : "?");
	trace_close(t);
	free(ids.slot);
	return tot;
}

/* ------------------------------------------------------------ real traces */

Test(real, azure_conv_matches_its_source_md)
{
	char *p = data_file("azure-llm-inference-2023/data/AzureLLMInferenceTrace_conv.csv");
	Totals t = totals(&(TraceSpec){ .path = p, .format = TRACE_AZURE }, true);
	/* SOURCE.md: 19,366 requests (the last line has no newline and counts),
	   input mean 1155, max 14050; output mean 211, max 1000; 5.53 req/s */
	cr_expect_eq(t.n, 19366);
	cr_expect(fabs(t.in / t.n - 1155) < 0.5, "input mean %g", t.in / t.n);
	cr_expect(fabs(t.out / t.n - 211) < 0.5, "output mean %g", t.out / t.n);
	cr_expect_eq(t.max_in, 14050);
	cr_expect_eq(t.max_out, 1000);
	/* 18:15:46.6805900 to 19:14:08.4025270 */
	cr_expect(fabs(t.last - 3501.721937) < 1e-6, "last arrival %.9f", t.last);
	cr_expect(fabs(t.n / t.last - 5.53) < 0.005, "rate %g", t.n / t.last);
	cr_expect_eq(t.seen, 0, "azure has no prefix information: every block is unique");
	free(p);
}

Test(real, azure_code_matches_its_source_md)
{
	char *p = data_file("azure-llm-inference-2023/data/AzureLLMInferenceTrace_code.csv");
	Totals t = totals(&(TraceSpec){ .path = p, .format = TRACE_AZURE }, true);
	cr_expect_eq(t.n, 8819);
	cr_expect(fabs(t.in / t.n - 2048) < 0.5, "input mean %g", t.in / t.n);
	cr_expect(fabs(t.out / t.n - 28) < 0.5, "output mean %g", t.out / t.n);
	cr_expect_eq(t.max_in, 7437);
	cr_expect_eq(t.max_out, 1899);
	cr_expect(fabs(t.n / t.last - 2.57) < 0.005, "rate %g", t.n / t.last);
	free(p);
}

Test(real, azure_arrivals_are_exact_and_blocks_unique)
{
	char *p = data_file("azure-llm-inference-2023/data/AzureLLMInferenceTrace_conv.csv");
	Request r[3];
	cr_assert_eq(read_n(&(TraceSpec){ .path = p, .format = TRACE_AZURE }, r, 3), 3);
	/* 2023-11-16 18:15:46.6805900, 18:15:50.9951690; rows 374,44 and 396,109 */
	cr_expect_eq(r[0].arrival, 0);
	cr_expect(fabs(r[1].arrival - 4.314579) < 1e-12, "%.12f", r[1].arrival);
	cr_expect_eq(r[0].prompt, 374);
	cr_expect_eq(r[0].output, 44);
	cr_expect_eq(r[1].prompt, 396);
	cr_expect_eq(r[0].block, 16);
	cr_expect_eq(r[0].nblocks, 24);
	for (int k = 0; k < 2; k++)
		for (uint32_t i = 0; i < r[k].nblocks; i++)
			cr_expect_eq(r[k].blocks[i], request_id_mix(ID_UNIQUE, (uint64_t)k, i));
	free_n(r, 3);
	free(p);
}

Test(real, mooncake_conversation_matches_its_source_md)
{
	char *p = data_file("mooncake-fast25/traces/conversation_trace.jsonl");
	Totals t = totals(&(TraceSpec){ .path = p, .format = TRACE_MOONCAKE }, true);
	/* SOURCE.md: 12,031 requests over 3537 s, input mean 12,035 (max
	   126,195), output mean 343 (max 2000), 36.6% of the referenced blocks
	   seen earlier */
	cr_expect_eq(t.n, 12031);
	cr_expect(fabs(t.in / t.n - 12035) < 0.5, "input mean %g", t.in / t.n);
	cr_expect(fabs(t.out / t.n - 343) < 0.5, "output mean %g", t.out / t.n);
	cr_expect_eq(t.max_in, 126195);
	cr_expect_eq(t.max_out, 2000);
	cr_expect(fabs(t.last - 3536.999) < 1e-9, "last arrival %.9f", t.last);
	cr_expect(fabs((double)t.seen / t.refs - 0.366) < 0.0005, "reuse %g", (double)t.seen / t.refs);
	free(p);
}

Test(real, mooncake_synthetic_matches_its_source_md)
{
	char *p = data_file("mooncake-fast25/traces/synthetic_trace.jsonl");
	Totals t = totals(&(TraceSpec){ .path = p, .format = TRACE_MOONCAKE }, true);
	cr_expect_eq(t.n, 3993);
	cr_expect(fabs(t.in / t.n - 15325) < 0.5, "input mean %g", t.in / t.n);
	cr_expect(fabs(t.out / t.n - 149) < 0.5, "output mean %g", t.out / t.n);
	cr_expect_eq(t.max_in, 191378);
	cr_expect(fabs(t.last - 1022.025) < 1e-9, "last arrival %.9f", t.last);
	cr_expect(fabs((double)t.seen / t.refs - 0.640) < 0.0005, "reuse %g", (double)t.seen / t.refs);
	free(p);
}

Test(real, mooncake_block_ids_follow_hash_ids)
{
	char *p = data_file("mooncake-fast25/traces/conversation_trace.jsonl");
	enum { N = 134 };
	Request *r = calloc(N, sizeof *r);
	cr_assert_not_null(r);
	cr_assert_eq(read_n(&(TraceSpec){ .path = p, .format = TRACE_MOONCAKE }, r, N), N);
	/* hash_ids: r0 [0..13] (6758 tokens), r1 [0, 14..27], r2 [0, 28..41],
	   r3 [0, 42..45]; r66 [0, 1541..1545], r133 [0, 1541..1544, 3753] */
	cr_expect_eq(r[0].block, 512);
	cr_expect_eq(r[0].nblocks, 14);
	cr_expect_eq(r[3].nblocks, 5);
	for (int k = 0; k < 4; k++) cr_expect_eq(r[k].blocks[0], request_id_mix(ID_TRACE, 0, 0));
	cr_expect_neq(r[0].blocks[1], r[1].blocks[1]);
	cr_expect_neq(r[1].blocks[1], r[2].blocks[1]);
	for (uint32_t i = 1; i < 14; i++) cr_expect_eq(r[0].blocks[i], request_id_mix(ID_TRACE, i, 0));
	cr_expect_eq(r[3].blocks[4], request_id_mix(ID_TRACE, 45, 0));
	cr_expect_eq(r[66].nblocks, 6);
	cr_expect_eq(r[133].nblocks, 6);
	for (uint32_t i = 0; i < 5; i++) cr_expect_eq(r[133].blocks[i], r[66].blocks[i], "block %u", i);
	cr_expect_neq(r[133].blocks[5], r[66].blocks[5]);
	free_n(r, N);
	free(r);
	free(p);
}

Test(real, sharegpt_lengths_match_their_source_md)
{
	char *p = data_file("sharegpt-sarathi/data/processed_traces/sharegpt_8k_filtered_stats_llama2_tokenizer.csv");
	Totals t = totals(&(TraceSpec){ .path = p, .format = TRACE_SHAREGPT_LENGTHS }, false);
	/* SOURCE.md: 30,731 rows, prefill mean 2,340 (max 8,141), decode mean
	   439 (max 1,024) */
	cr_expect_eq(t.n, 30731);
	cr_expect(fabs(t.in / t.n - 2340) < 0.5, "prefill mean %g", t.in / t.n);
	cr_expect(fabs(t.out / t.n - 439) < 0.5, "decode mean %g", t.out / t.n);
	cr_expect_eq(t.max_in, 8141);
	cr_expect_eq(t.max_out, 1024);
	cr_expect_eq(t.last, 0);
	free(p);
}

Test(real, limit_and_scales_on_a_real_trace)
{
	char *p = data_file("azure-llm-inference-2023/data/AzureLLMInferenceTrace_conv.csv");
	Trace *t = open_ok(&(TraceSpec){ .path = p, .format = TRACE_AZURE, .limit = 5 });
	Request r;
	char *err = NULL;
	for (uint64_t i = 0; i < 5; i++) {
		cr_assert_eq(trace_next(t, &r, &err), 1);
		cr_assert_eq(r.id, i);
		request_free(&r);
	}
	cr_expect_eq(trace_next(t, &r, &err), 0);
	cr_expect_eq(trace_next(t, &r, &err), 0);
	cr_expect_null(r.blocks);
	trace_close(t);

	Totals fast = totals(&(TraceSpec){ .path = p, .format = TRACE_AZURE, .rate_scale = 2 }, true);
	Totals slow = totals(&(TraceSpec){ .path = p, .format = TRACE_AZURE, .time_scale = 3, .rate_scale = 1.5 }, true);
	cr_expect(fabs(fast.last - 3501.721937 / 2) < 1e-6, "%.9f", fast.last);
	cr_expect(fabs(slow.last - 3501.721937 * 2) < 1e-6, "%.9f", slow.last);
	cr_expect_eq(fast.n, 19366);
	free(p);
}

/* ------------------------------------------------------------ rules */

Test(rules, mooncake_milliseconds_become_scaled_seconds)
{
	put("m.jsonl", "{\"timestamp\": 1000, \"input_length\": 10, \"output_length\": 2}\n"
		       "{\"timestamp\": 1500, \"input_length\": 10, \"output_length\": 2}\n"
		       "{\"timestamp\": 1500, \"input_length\": 10, \"output_length\": 2}\n"
		       "{\"timestamp\": 4000.5, \"input_length\": 10, \"output_length\": 2}\n");
	Request r[4];
	cr_assert_eq(read_n(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_MOONCAKE }, r, 4), 4);
	cr_expect_eq(r[0].arrival, 0);
	cr_expect_eq(r[1].arrival, 0.5);
	cr_expect_eq(r[2].arrival, 0.5);   /* equal times are fine */
	cr_expect_eq(r[3].arrival, 3.0005);
	free_n(r, 4);
	cr_assert_eq(read_n(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_MOONCAKE,
					  .time_scale = 2, .rate_scale = 4 }, r, 4), 4);
	cr_expect_eq(r[1].arrival, 0.25);
	cr_expect_eq(r[3].arrival, 3.0005 / 2);
	free_n(r, 4);
}

Test(rules, limit_stops_early_and_counts_requests_not_lines)
{
	put("m.jsonl", "\n{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1}\n\n"
		       "{\"timestamp\": 1, \"input_length\": 1, \"output_length\": 1}\n"
		       "this line is never read\n");
	Request r[3];
	cr_expect_eq(read_n(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_MOONCAKE, .limit = 2 }, r, 3), 2);
	free_n(r, 2);
	char *err = error_of(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_MOONCAKE, .limit = 3 });
	cr_expect_str_eq(err, "m.jsonl:5: error: not valid JSON: '[' or '{' expected near 'this'");
	free(err);
}

Test(rules, hash_ids_are_padded_with_unique_ids)
{
	/* block 4: 10 tokens are 3 blocks */
	put("h.jsonl", "{\"input_length\": 10, \"output_length\": 1, \"hash_ids\": [7, 8, 9]}\n"
		       "{\"input_length\": 10, \"output_length\": 1, \"hash_ids\": [7]}\n"
		       "{\"input_length\": 10, \"output_length\": 1}\n"
		       "{\"input_length\": 10, \"output_length\": 1, \"hash_ids\": []}\n"
		       "{\"input_length\": 10, \"output_length\": 1, \"hash_ids\": null}\n"
		       "{\"input_length\": 8, \"output_length\": 1, \"hash_ids\": [-1, 9]}\n");
	Request r[6];
	cr_assert_eq(read_n(&(TraceSpec){ .path = "h.jsonl", .format = TRACE_JSONL, .block = 4 }, r, 6), 6);
	for (int k = 0; k < 5; k++) {
		cr_expect_eq(r[k].block, 4);
		cr_expect_eq(r[k].nblocks, 3);
	}
	cr_expect_eq(r[0].blocks[0], request_id_mix(ID_TRACE, 7, 0));
	cr_expect_eq(r[0].blocks[1], request_id_mix(ID_TRACE, 8, 0));
	cr_expect_eq(r[0].blocks[2], request_id_mix(ID_TRACE, 9, 0));
	cr_expect_eq(r[1].blocks[0], r[0].blocks[0]);
	cr_expect_eq(r[1].blocks[1], request_id_mix(ID_UNIQUE, 1, 1));
	cr_expect_eq(r[1].blocks[2], request_id_mix(ID_UNIQUE, 1, 2));
	for (int k = 2; k < 5; k++)
		for (uint32_t i = 0; i < 3; i++)
			cr_expect_eq(r[k].blocks[i], request_id_mix(ID_UNIQUE, (uint64_t)k, i));
	cr_expect_eq(r[5].nblocks, 2);
	cr_expect_eq(r[5].blocks[0], request_id_mix(ID_TRACE, UINT64_MAX, 0));
	cr_expect_eq(r[5].blocks[1], r[0].blocks[2]);
	free_n(r, 6);
}

Test(rules, default_blocks_and_explicit_block)
{
	put("m.jsonl", "{\"timestamp\": 0, \"input_length\": 1025, \"output_length\": 1}\n");
	Request r[1];
	cr_assert_eq(read_n(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_MOONCAKE }, r, 1), 1);
	cr_expect_eq(r[0].block, 512);
	cr_expect_eq(r[0].nblocks, 3);
	free_n(r, 1);
	cr_assert_eq(read_n(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_MOONCAKE, .block = 1 }, r, 1), 1);
	cr_expect_eq(r[0].nblocks, 1025);
	free_n(r, 1);
	cr_assert_eq(read_n(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_JSONL }, r, 1), 1);
	cr_expect_eq(r[0].block, 16);
	cr_expect_eq(r[0].nblocks, 65);
	free_n(r, 1);
}

Test(rules, zero_output_becomes_one_and_whole_reals_count)
{
	put("m.jsonl", "{\"timestamp\": 0, \"input_length\": 5.0, \"output_length\": 0}\n"
		       "{\"timestamp\": 0, \"input_length\": 1e1, \"output_length\": 3}\n");
	Request r[2];
	cr_assert_eq(read_n(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_MOONCAKE }, r, 2), 2);
	cr_expect_eq(r[0].prompt, 5);
	cr_expect_eq(r[0].output, 1);
	cr_expect_eq(r[1].prompt, 10);
	cr_expect_eq(r[1].output, 3);
	free_n(r, 2);
}

Test(rules, generic_jsonl_names_and_no_times)
{
	put("g.jsonl", "{\"in\": 3, \"out\": 4, \"ids\": [5], \"timestamp\": 9}\n"
		       "{\"in\": 20, \"out\": 1}\n");
	TraceSpec s = { .path = "g.jsonl", .format = TRACE_JSONL, .timestamp = "t", .input = "in",
			.output = "out", .hash_ids = "ids" };
	Trace *t = open_ok(&s);
	cr_expect(!trace_has_times(t));
	trace_close(t);
	Request r[2];
	cr_assert_eq(read_n(&s, r, 2), 2);
	cr_expect_eq(r[0].prompt, 3);
	cr_expect_eq(r[0].output, 4);
	cr_expect_eq(r[0].blocks[0], request_id_mix(ID_TRACE, 5, 0));
	cr_expect_eq(r[1].prompt, 20);
	cr_expect_eq(r[1].nblocks, 2);
	cr_expect_eq(r[1].arrival, 0);
	free_n(r, 2);
}

Test(rules, generic_jsonl_times_in_seconds)
{
	put("g.jsonl", "{\"timestamp\": 100.25, \"input_length\": 3, \"output_length\": 4}\n"
		       "{\"timestamp\": 102, \"input_length\": 3, \"output_length\": 4}\n");
	TraceSpec s = { .path = "g.jsonl", .format = TRACE_JSONL, .rate_scale = 0.5 };
	Trace *t = open_ok(&s);
	cr_expect(trace_has_times(t));
	trace_close(t);
	Request r[2];
	cr_assert_eq(read_n(&s, r, 2), 2);
	cr_expect_eq(r[1].arrival, 3.5);
	free_n(r, 2);
}

Test(rules, generic_csv_with_and_without_times)
{
	put("a.csv", "x,\"when\",in,out,hash_ids\r\n"
		     "q,10,\"7\",2,[1]\r\n"
		     "\r\n"
		     "q,12.5,8,0,[1]\r\n");
	TraceSpec s = { .path = "a.csv", .format = TRACE_CSV, .timestamp = "when", .input = "in", .output = "out" };
	Trace *t = open_ok(&s);
	cr_expect(trace_has_times(t));
	trace_close(t);
	Request r[2];
	cr_assert_eq(read_n(&s, r, 2), 2);
	cr_expect_eq(r[0].prompt, 7);
	cr_expect_eq(r[1].arrival, 2.5);
	cr_expect_eq(r[1].output, 1);
	cr_expect_eq(r[1].blocks[0], request_id_mix(ID_UNIQUE, 1, 0));   /* CSV hash_ids are ignored */
	free_n(r, 2);

	put("b.csv", "input_length,output_length\n5,6\n7,8");
	t = open_ok(&(TraceSpec){ .path = "b.csv", .format = TRACE_CSV });
	cr_expect(!trace_has_times(t));
	trace_close(t);
	cr_assert_eq(read_n(&(TraceSpec){ .path = "b.csv", .format = TRACE_CSV }, r, 2), 2);
	cr_expect_eq(r[1].prompt, 7);
	cr_expect_eq(r[1].output, 8);
	cr_expect_eq(r[1].arrival, 0);
	free_n(r, 2);
}

Test(rules, azure_dates_cross_midnight_years_and_leap_days)
{
	put("z.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
		     "2023-12-31 23:59:59.5,1,1\n"
		     "2024-01-01 00:00:00.25,1,1\n"
		     "2024-02-28T23:59:59,1,1\n"
		     "2024-03-01 00:00:00.000000001,1,1\n"
		     "2100-03-01 00:00:00,1,1\n");
	Request r[5];
	cr_assert_eq(read_n(&(TraceSpec){ .path = "z.csv", .format = TRACE_AZURE }, r, 5), 5);
	cr_expect_eq(r[1].arrival, 0.75);
	/* 2023-12-31 23:59:59.5 to 2024-02-28 23:59:59: 59 days less half a second */
	cr_expect_eq(r[2].arrival, 59 * 86400 - 0.5);
	/* 2024 is a leap year: Jan 1 to Mar 1 is 31 + 29 days */
	cr_expect(fabs(r[3].arrival - (60 * 86400 + 0.5 + 1e-9)) < 1e-9, "%.9f", r[3].arrival);
	cr_expect(r[3].arrival > 60 * 86400 + 0.5, "the nanosecond is kept");
	/* 2024-01-01 to 2100-01-01: 76 years with 19 leap days (2100 is not
	   a leap year), then Jan and Feb 2100 (31 + 28 days) */
	double days = 76 * 365 + 19 + 31 + 28;
	cr_expect(fabs(r[4].arrival - (days * 86400 + 0.5)) < 1e-6, "%.9f", r[4].arrival);
	free_n(r, 5);
}

Test(rules, blank_lines_crlf_and_bom)
{
	put("m.jsonl", "\xEF\xBB\xBF{\"timestamp\": 0, \"input_length\": 2, \"output_length\": 1}\r\n"
		       "   \r\n\t\n"
		       "{\"timestamp\": 2000, \"input_length\": 3, \"output_length\": 1}");
	Request r[2];
	cr_assert_eq(read_n(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_MOONCAKE }, r, 2), 2);
	cr_expect_eq(r[1].prompt, 3);
	cr_expect_eq(r[1].arrival, 2);
	cr_expect_eq(r[1].id, 1);
	free_n(r, 2);
}

Test(rules, errors_stick)
{
	put("m.jsonl", "{\"timestamp\": 0, \"input_length\": 2, \"output_length\": 1}\n"
		       "{\"timestamp\": 0, \"input_length\": 0, \"output_length\": 1}\n"
		       "{\"timestamp\": 0, \"input_length\": 2, \"output_length\": 1}\n");
	Trace *t = open_ok(&(TraceSpec){ .path = "m.jsonl", .format = TRACE_MOONCAKE });
	Request r;
	char *err = NULL;
	cr_assert_eq(trace_next(t, &r, &err), 1);
	request_free(&r);
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(trace_next(t, &r, &err), -1);
		cr_expect_str_eq(err, "m.jsonl:2: error: field 'input_length' is not a positive whole number");
		free(err);
		err = NULL;
	}
	trace_close(t);
	trace_close(NULL);
}

/* ------------------------------------------------------------ errors */

Test(errors, file_level)
{
	char *err = NULL;
	cr_expect_null(trace_open(&(TraceSpec){ .path = "nope.jsonl", .format = TRACE_MOONCAKE }, &err));
	cr_expect_str_eq(err, "nope.jsonl: error: cannot open: No such file or directory");
	free(err);
	cr_expect_null(trace_open(&(TraceSpec){ .path = "nope.csv", .format = TRACE_AZURE }, &err));
	cr_expect_str_eq(err, "nope.csv: error: cannot open: No such file or directory");
	free(err);
	expect_error("t.csv", TRACE_AZURE, "", "t.csv:1: error: empty file: no header line");
	expect_error("t.jsonl", TRACE_MOONCAKE, "", "t.jsonl: error: no requests in the trace");
	expect_error("t.jsonl", TRACE_JSONL, "\n  \n", "t.jsonl: error: no requests in the trace");
	expect_error("t.csv", TRACE_AZURE, "TIMESTAMP,ContextTokens,GeneratedTokens\n",
		     "t.csv: error: no requests in the trace");
	put("t.jsonl", "{}");
	cr_expect_null(trace_open(&(TraceSpec){ .path = "t.jsonl", .format = TRACE_JSONL, .rate_scale = -1 }, &err));
	cr_expect_str_eq(err, "t.jsonl: error: rate_scale and time_scale must be positive (got -1 and 0)");
	free(err);
	cr_expect_null(trace_open(&(TraceSpec){ .path = "t.jsonl", .format = TRACE_JSONL, .time_scale = NAN }, &err));
	cr_expect_str_eq(err, "t.jsonl: error: rate_scale and time_scale must be positive (got 0 and nan)");
	free(err);
	cr_expect_null(trace_open(&(TraceSpec){ .path = "t.jsonl", .format = (TraceFormat)9 }, &err));
	cr_expect_str_eq(err, "t.jsonl: error: unknown trace format 9");
	free(err);
	cr_expect_null(trace_open(&(TraceSpec){ .format = TRACE_JSONL }, &err));
	cr_expect_str_eq(err, "(no path): error: no trace file given");
	free(err);
}

Test(errors, csv_header_and_fields)
{
	AZURE_ERR("TIMESTAMP,Context,GeneratedTokens\n", "t.csv:1: error: no column 'ContextTokens'");
	AZURE_ERR("ContextTokens,GeneratedTokens\n1,1\n", "t.csv:1: error: no column 'TIMESTAMP'");
	expect_error("t.csv", TRACE_SHAREGPT_LENGTHS, "num_prefill_tokens\n", "t.csv:1: error: no column 'num_decode_tokens'");
	expect_error("t.csv", TRACE_CSV, "in,out\n", "t.csv:1: error: no column 'input_length'");
	const char *head = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
	char body[256];
	struct { const char *row, *want; } cases[] = {
		{ "2023-11-16 18:15:46,10", "t.csv:3: error: field 'GeneratedTokens' is missing (the line has 2 fields)" },
		{ "2023-11-16 18:15:46,,1", "t.csv:3: error: field 'ContextTokens' is not a positive whole number" },
		{ "2023-11-16 18:15:46,0,1", "t.csv:3: error: field 'ContextTokens' is not a positive whole number" },
		{ "2023-11-16 18:15:46,-3,1", "t.csv:3: error: field 'ContextTokens' is not a positive whole number" },
		{ "2023-11-16 18:15:46,2.5,1", "t.csv:3: error: field 'ContextTokens' is not a positive whole number" },
		{ "2023-11-16 18:15:46,nan,1", "t.csv:3: error: field 'ContextTokens' is not a positive whole number" },
		{ "2023-11-16 18:15:46,inf,1", "t.csv:3: error: field 'ContextTokens' is not a positive whole number" },
		{ "2023-11-16 18:15:46,1e999,1", "t.csv:3: error: field 'ContextTokens' is not a positive whole number" },
		{ "2023-11-16 18:15:46,12abc,1", "t.csv:3: error: field 'ContextTokens' is not a positive whole number" },
		{ "2023-11-16 18:15:46,16777217,1", "t.csv:3: error: field 'ContextTokens' is larger than 16777216 tokens" },
		{ "2023-11-16 18:15:46,5,-1", "t.csv:3: error: field 'GeneratedTokens' is not a non-negative whole number" },
		{ "2023-11-16 18:15:46,5,1e30", "t.csv:3: error: field 'GeneratedTokens' is larger than 16777216 tokens" },
		{ "2023-02-29 00:00:00,1,1", "t.csv:3: error: field 'TIMESTAMP' is not a date-time YYYY-MM-DD HH:MM:SS[.fraction]" },
		{ "2023-11-16 24:00:00,1,1", "t.csv:3: error: field 'TIMESTAMP' is not a date-time YYYY-MM-DD HH:MM:SS[.fraction]" },
		{ "2023-11-16 18:15:46.,1,1", "t.csv:3: error: field 'TIMESTAMP' is not a date-time YYYY-MM-DD HH:MM:SS[.fraction]" },
		{ "2023-11-16 18:15:46.1234567890,1,1", "t.csv:3: error: field 'TIMESTAMP' is not a date-time YYYY-MM-DD HH:MM:SS[.fraction]" },
		{ "2023-11-16 18:15,1,1", "t.csv:3: error: field 'TIMESTAMP' is not a date-time YYYY-MM-DD HH:MM:SS[.fraction]" },
		{ "1700000000,1,1", "t.csv:3: error: field 'TIMESTAMP' is not a date-time YYYY-MM-DD HH:MM:SS[.fraction]" },
		{ "2023-11-16 18:15:45.5,1,1", "t.csv:3: error: timestamp 2023-11-16 18:15:45.5 is before the previous one (2023-11-16 18:15:46)" },
		{ "2023-11-15 23:59:59.9,1,1", "t.csv:3: error: timestamp 2023-11-15 23:59:59.9 is before the previous one (2023-11-16 18:15:46)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(body, sizeof body, "%s2023-11-16 18:15:46,1,1\n%s\n", head, cases[i].row);
		AZURE_ERR(body, cases[i].want);
	}
	expect_error("t.csv", TRACE_CSV, "timestamp,input_length,output_length\n5,1,1\n4.5,1,1\n",
		     "t.csv:3: error: timestamp 4.5 s is before the previous one (5 s)");
	expect_error("t.csv", TRACE_CSV, "timestamp,input_length,output_length\n-1,1,1\n",
		     "t.csv:2: error: field 'timestamp' is not a non-negative number");
}

Test(errors, jsonl_lines)
{
	MOON_ERR("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1}\n\n{\"timestamp\": 1,",
		 "t.jsonl:3: error: not valid JSON: string or '}' expected near end of file");
	MOON_ERR("[1, 2]\n", "t.jsonl:1: error: not a JSON object");
	MOON_ERR("42\n", "t.jsonl:1: error: not valid JSON: '[' or '{' expected near '42'");
	MOON_ERR("{\"timestamp\": 0, \"timestamp\": 1, \"input_length\": 5, \"output_length\": 1}",
		 "t.jsonl:1: error: not valid JSON: duplicate object key near '\"timestamp\"'");
	MOON_ERR("{\"timestamp\": 0, \"input_length\": 99999999999999999999, \"output_length\": 1}",
		 "t.jsonl:1: error: not valid JSON: too big integer near '99999999999999999999'");
	MOON_ERR("{\"timestamp\": NaN, \"input_length\": 5, \"output_length\": 1}",
		 "t.jsonl:1: error: not valid JSON: invalid token near 'NaN'");
	/* a NUL byte inside a line */
	static const char nul[] = "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1}\n{\"timestamp\": 0, \"in\0put_length\": 5}";
	FILE *f = fopen("t.jsonl", "wb");
	cr_assert_not_null(f);
	fwrite(nul, 1, sizeof nul - 1, f);
	fclose(f);
	char *err = error_of(&(TraceSpec){ .path = "t.jsonl", .format = TRACE_MOONCAKE });
	cr_expect_str_eq(err, "t.jsonl:2: error: not valid JSON: control character 0x0 near '\"in'");
	free(err);

	struct { const char *line, *want; } cases[] = {
		{ "{\"input_length\": 5, \"output_length\": 1}", "field 'timestamp' is missing" },
		{ "{\"timestamp\": null, \"input_length\": 5, \"output_length\": 1}", "field 'timestamp' is missing" },
		{ "{\"timestamp\": \"0\", \"input_length\": 5, \"output_length\": 1}", "field 'timestamp' is not a non-negative number" },
		{ "{\"timestamp\": -1, \"input_length\": 5, \"output_length\": 1}", "field 'timestamp' is not a non-negative number" },
		{ "{\"timestamp\": 1e999, \"input_length\": 5, \"output_length\": 1}", "not valid JSON: real number overflow near '1e999'" },
		{ "{\"timestamp\": 0, \"output_length\": 1}", "field 'input_length' is missing" },
		{ "{\"timestamp\": 0, \"input_length\": \"5\", \"output_length\": 1}", "field 'input_length' is not a positive whole number" },
		{ "{\"timestamp\": 0, \"input_length\": true, \"output_length\": 1}", "field 'input_length' is not a positive whole number" },
		{ "{\"timestamp\": 0, \"input_length\": [5], \"output_length\": 1}", "field 'input_length' is not a positive whole number" },
		{ "{\"timestamp\": 0, \"input_length\": 0, \"output_length\": 1}", "field 'input_length' is not a positive whole number" },
		{ "{\"timestamp\": 0, \"input_length\": -7, \"output_length\": 1}", "field 'input_length' is not a positive whole number" },
		{ "{\"timestamp\": 0, \"input_length\": 2.5, \"output_length\": 1}", "field 'input_length' is not a positive whole number" },
		{ "{\"timestamp\": 0, \"input_length\": 4294967296, \"output_length\": 1}", "field 'input_length' is larger than 16777216 tokens" },
		{ "{\"timestamp\": 0, \"input_length\": 1e300, \"output_length\": 1}", "field 'input_length' is larger than 16777216 tokens" },
		{ "{\"timestamp\": 0, \"input_length\": 5}", "field 'output_length' is missing" },
		{ "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": -1}", "field 'output_length' is not a non-negative whole number" },
		{ "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 0.5}", "field 'output_length' is not a non-negative whole number" },
		{ "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": 3}", "field 'hash_ids' is not an array of integers" },
		{ "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": {}}", "field 'hash_ids' is not an array of integers" },
		{ "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [1.0]}", "field 'hash_ids' item 0 is not an integer" },
		{ "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, \"hash_ids\": [1, \"2\"]}", "field 'hash_ids' item 1 is not an integer" },
		{ "{\"timestamp\": 4000, \"input_length\": 512, \"output_length\": 1, \"hash_ids\": [1, 2]}",
		  "field 'hash_ids' has 2 ids, more than the 1 blocks of 512 tokens in 512 input tokens" },
		{ "{\"timestamp\": 3500, \"input_length\": 5, \"output_length\": 1}", "timestamp 3.5 s is before the previous one (4 s)" },
		{ "{\"timestamp\": 3999.999, \"input_length\": 5, \"output_length\": 1}", "timestamp 3.999999 s is before the previous one (4 s)" },
	};
	char body[512], want[512];
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(body, sizeof body,
			 "{\"timestamp\": 4000, \"input_length\": 600, \"output_length\": 1, \"hash_ids\": [1, 2]}\n\n%s\n",
			 cases[i].line);
		snprintf(want, sizeof want, "t.jsonl:3: error: %s", cases[i].want);
		MOON_ERR(body, want);
	}
}

Test(errors, generic_names_and_optional_times)
{
	put("g.jsonl", "{\"in\": 5, \"output_length\": 1}\n{\"in\": 0, \"output_length\": 1}\n");
	char *err = error_of(&(TraceSpec){ .path = "g.jsonl", .format = TRACE_JSONL, .input = "in" });
	cr_expect_str_eq(err, "g.jsonl:2: error: field 'in' is not a positive whole number");
	free(err);
	JSONL_ERR("{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 1}\n{\"input_length\": 5, \"output_length\": 1}\n",
		  "t.jsonl:2: error: field 'timestamp' is missing");
	JSONL_ERR("{\"input_length\": 5, \"output_length\": 1}\n{\"timestamp\": 1, \"input_length\": 5, \"output_length\": 1}\n",
		  "t.jsonl:2: error: field 'timestamp' is present, but the first request had none");
	JSONL_ERR("{\"timestamp\": 2, \"input_length\": 5, \"output_length\": 1}\n{\"timestamp\": 1.25, \"input_length\": 5, \"output_length\": 1}\n",
		  "t.jsonl:2: error: timestamp 1.25 s is before the previous one (2 s)");
	/* a fault in the first record, read ahead by trace_open, comes from trace_next */
	JSONL_ERR("\n{\"input_length\": 5,\n", "t.jsonl:2: error: not valid JSON: string or '}' expected near end of file");
	JSONL_ERR("{\"input_length\": 5, \"output_length\": 1, \"hash_ids\": [1, 2]}",
		  "t.jsonl:1: error: field 'hash_ids' has 2 ids, more than the 1 blocks of 16 tokens in 5 input tokens");
	expect_error("t.csv", TRACE_CSV, "input_length,output_length\n5,1\n\n5\n",
		     "t.csv:4: error: field 'output_length' is missing (the line has 1 fields)");
}

Test(errors, overlong_line)
{
	FILE *f = fopen("t.jsonl", "wb");
	cr_assert_not_null(f);
	fputs("{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1}\n{\"timestamp\": 0, \"x\": \"", f);
	for (int i = 0; i < (5 << 20) / 64; i++) fputs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", f);
	fputs("\"}\n", f);
	fclose(f);
	char *err = error_of(&(TraceSpec){ .path = "t.jsonl", .format = TRACE_MOONCAKE });
	cr_expect_str_eq(err, "t.jsonl:2: error: line is longer than 4194304 bytes");
	free(err);
}

/* Garbage never crashes: every prefix of a valid trace, each byte of it
 * replaced by odd bytes, and raw noise all end in 1/0/-1 with a located
 * message. */
Test(errors, garbage_ends_in_a_located_error)
{
	const char *good = "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 3, \"hash_ids\": [1, 2]}\n"
			   "{\"timestamp\": 10, \"input_length\": 1, \"output_length\": 0}\n";
	const char *csv = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n"
			  "2023-11-16 18:15:50.9951690,396,109\n";
	const char odd[] = { '\0', '"', ',', '\n', '-', '9', '.', 'e', '[', '}', (char)0xff };
	const struct { const char *text, *name; TraceFormat fmt; } src[] = {
		{ good, "t.jsonl", TRACE_MOONCAKE }, { good, "t.jsonl", TRACE_JSONL }, { csv, "t.csv", TRACE_AZURE },
	};
	unsigned seed = 12345;
	for (size_t s = 0; s < 3; s++) {
		size_t n = strlen(src[s].text);
		for (size_t cut = 0; cut <= n; cut++) {
			for (size_t k = 0; k <= sizeof odd; k++) {
				FILE *f = fopen(src[s].name, "wb");
				cr_assert_not_null(f);
				fwrite(src[s].text, 1, cut, f);
				if (k < sizeof odd) fputc(odd[k], f);
				if (k < sizeof odd && cut < n) fwrite(src[s].text + cut + 1, 1, n - cut - 1, f);
				if (k == sizeof odd)   /* noise */
					for (int j = 0; j < 64; j++) fputc((int)((seed = seed * 1103515245u + 12345u) >> 16) & 0xff, f);
				fclose(f);
				char *err = NULL;
				Trace *t = trace_open(&(TraceSpec){ .path = src[s].name, .format = src[s].fmt }, &err);
				if (!t) {
					cr_assert(err && !strncmp(err, src[s].name, strlen(src[s].name)), "%s", err);
					free(err);
					continue;
				}
				Request r;
				int rc, guard = 0;
				while ((rc = trace_next(t, &r, &err)) == 1) {
					cr_assert(r.prompt >= 1 && r.output >= 1 && r.nblocks >= 1);
					request_free(&r);
					cr_assert(++guard < 100);
				}
				if (rc < 0) {
					cr_assert(!strncmp(err, src[s].name, strlen(src[s].name)) && strstr(err, ": error: "),
						  "%s", err);
					free(err);
				}
				trace_close(t);
			}
		}
	}
}
