/* test_workload.c -- synthetic workloads: determinism, stream independence,
 * arrival processes, length distributions, shared prefixes, sessions,
 * empirical files and the errors of a bad spec.  Seeds are fixed, so every
 * statistical check sees the same numbers on every run. */
#include "config.h"
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime/workload.h"

/* A valid spec: poisson 10 req/s, 100 requests, constant lengths. */
static WorkloadSpec base_spec(void)
{
	return (WorkloadSpec){
		.seed = 42,
		.requests = 100,
		.arrival = {.kind = ARR_POISSON, .rate = 10},
		.prompt = {.kind = DIST_CONSTANT, .a = 100},
		.output = {.kind = DIST_CONSTANT, .a = 50},
		.block = 16,
		.turns = 1,
	};
}

static Workload *make(const WorkloadSpec *s)
{
	char *err = NULL;
	Workload *w = workload_new(s, &err);
	cr_assert_not_null(w, "workload_new: %s", err ? err : "?");
	cr_assert_null(err);
	return w;
}

/* Arrival gaps of the first n requests: their mean and coefficient of
 * variation; also returns the first arrival. */
static void gap_stats(const WorkloadSpec *s, size_t n, double *mean, double *cv, double *first)
{
	Workload *w = make(s);
	Request r;
	double prev = 0, sum = 0, sum2 = 0;
	for (size_t i = 0; i < n; i++) {
		cr_assert(workload_next(w, &r));
		if (i == 0) *first = r.arrival;
		double g = r.arrival - prev;
		cr_assert(g >= 0, "arrivals out of order at %zu", i);
		sum += g;
		sum2 += g * g;
		prev = r.arrival;
		request_free(&r);
	}
	workload_free(w);
	*mean = sum / (double)n;
	double var = sum2 / (double)n - *mean * *mean;
	*cv = sqrt(var) / *mean;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Prompt (which = 0) or output (1) lengths of n requests, malloc'd. */
static uint32_t *lengths(const WorkloadSpec *s, size_t n, int which)
{
	uint32_t *v = malloc(n * sizeof *v);
	cr_assert_not_null(v);
	Workload *w = make(s);
	Request r;
	for (size_t i = 0; i < n; i++) {
		cr_assert(workload_next(w, &r));
		v[i] = which ? r.output : r.prompt;
		request_free(&r);
	}
	workload_free(w);
	return v;
}

static double mean_u32(const uint32_t *v, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) s += v[i];
	return s / (double)n;
}

static bool same_request(const Request *a, const Request *b)
{
	return a->id == b->id && memcmp(&a->arrival, &b->arrival, sizeof a->arrival) == 0
	       && a->prompt == b->prompt && a->output == b->output && a->block == b->block
	       && a->nblocks == b->nblocks && a->session == b->session && a->turn == b->turn
	       && a->priority == b->priority
	       && memcmp(a->blocks, b->blocks, a->nblocks * sizeof *a->blocks) == 0;
}

/* A workload with varied lengths and prefix sharing. */
static WorkloadSpec rich_spec(void)
{
	WorkloadSpec s = base_spec();
	s.requests = 2000;
	s.arrival = (ArrivalSpec){.kind = ARR_GAMMA, .rate = 5, .cv = 2};
	s.prompt = (DistSpec){.kind = DIST_LOGNORMAL, .a = 800, .b = 0.7};
	s.output = (DistSpec){.kind = DIST_NORMAL, .a = 200, .b = 80};
	s.prefix_groups = 6;
	s.prefix_length = 300;
	s.prefix_share = 0.6;
	s.zipf_s = 1.1;
	return s;
}

/* ---------------------------------------------------------------- determinism */

Test(workload, same_spec_gives_the_same_stream_bit_for_bit)
{
	WorkloadSpec s = rich_spec();
	Workload *a = make(&s), *b = make(&s);
	Request ra, rb;
	size_t n = 0;
	for (;;) {
		bool ma = workload_next(a, &ra), mb = workload_next(b, &rb);
		cr_assert_eq(ma, mb);
		if (!ma) break;
		cr_assert(same_request(&ra, &rb), "request %zu differs", n);
		cr_assert_eq(ra.id, n);
		request_free(&ra);
		request_free(&rb);
		n++;
	}
	cr_expect_eq(n, 2000);
	workload_free(a);
	workload_free(b);
}

Test(workload, different_seeds_differ)
{
	WorkloadSpec s = rich_spec(), t = rich_spec();
	t.seed = 43;
	Workload *a = make(&s), *b = make(&t);
	Request ra, rb;
	int arrivals = 0, prompts = 0, outputs = 0;
	for (int i = 0; i < 100; i++) {
		cr_assert(workload_next(a, &ra));
		cr_assert(workload_next(b, &rb));
		arrivals += ra.arrival != rb.arrival;
		prompts += ra.prompt != rb.prompt;
		outputs += ra.output != rb.output;
		request_free(&ra);
		request_free(&rb);
	}
	cr_expect_gt(arrivals, 90);
	cr_expect_gt(prompts, 90);
	cr_expect_gt(outputs, 90);
	workload_free(a);
	workload_free(b);
}

Test(workload, output_distribution_does_not_shift_other_streams)
{
	WorkloadSpec s = rich_spec(), t = rich_spec();
	t.output = (DistSpec){.kind = DIST_UNIFORM, .a = 1, .b = 4000};
	Workload *a = make(&s), *b = make(&t);
	Request ra, rb;
	int outputs_differ = 0;
	for (int i = 0; i < 2000; i++) {
		cr_assert(workload_next(a, &ra));
		cr_assert(workload_next(b, &rb));
		cr_assert_eq(memcmp(&ra.arrival, &rb.arrival, sizeof ra.arrival), 0, "arrival %d", i);
		cr_assert_eq(ra.prompt, rb.prompt, "prompt %d", i);
		cr_assert_eq(ra.nblocks, rb.nblocks);
		cr_assert_eq(memcmp(ra.blocks, rb.blocks, ra.nblocks * sizeof *ra.blocks), 0, "blocks %d", i);
		outputs_differ += ra.output != rb.output;
		request_free(&ra);
		request_free(&rb);
	}
	cr_expect_gt(outputs_differ, 1900);
	workload_free(a);
	workload_free(b);
}

Test(workload, prompt_distribution_does_not_shift_arrivals_or_outputs)
{
	WorkloadSpec s = rich_spec(), t = rich_spec();
	t.prompt = (DistSpec){.kind = DIST_NORMAL, .a = 3000, .b = 10};
	Workload *a = make(&s), *b = make(&t);
	Request ra, rb;
	for (int i = 0; i < 500; i++) {
		cr_assert(workload_next(a, &ra));
		cr_assert(workload_next(b, &rb));
		cr_assert_eq(memcmp(&ra.arrival, &rb.arrival, sizeof ra.arrival), 0);
		cr_assert_eq(ra.output, rb.output);
		request_free(&ra);
		request_free(&rb);
	}
	workload_free(a);
	workload_free(b);
}

/* ---------------------------------------------------------------- arrivals */

Test(workload, poisson_gaps_have_mean_one_over_rate_and_cv_one)
{
	WorkloadSpec s = base_spec();
	s.requests = 200000;
	s.arrival.rate = 40;
	double mean, cv, first;
	gap_stats(&s, 200000, &mean, &cv, &first);
	cr_expect(fabs(mean - 1.0 / 40) < 0.02 / 40, "mean gap %g", mean);
	cr_expect(fabs(cv - 1) < 0.02, "cv %g", cv);
	cr_expect_gt(first, 0);   /* the first arrival is at the first gap */
}

Test(workload, gamma_gaps_have_the_asked_cv)
{
	WorkloadSpec s = base_spec();
	s.requests = 200000;
	s.arrival = (ArrivalSpec){.kind = ARR_GAMMA, .rate = 8, .cv = 3};
	double mean, cv, first;
	gap_stats(&s, 200000, &mean, &cv, &first);
	cr_expect(fabs(cv - 3) < 0.05 * 3, "cv %g", cv);
	cr_expect(fabs(mean - 1.0 / 8) < 0.03 / 8, "mean gap %g", mean);
}

Test(workload, constant_arrivals_are_exact_from_zero)
{
	WorkloadSpec s = base_spec();
	s.requests = 1000;
	s.arrival = (ArrivalSpec){.kind = ARR_CONSTANT, .rate = 4};
	Workload *w = make(&s);
	Request r;
	double prev = 0;
	for (int k = 0; k < 1000; k++) {
		cr_assert(workload_next(w, &r));
		cr_assert_eq(r.arrival, k * 0.25, "arrival %d is %.17g", k, r.arrival);
		if (k) cr_assert_eq(r.arrival - prev, 0.25);
		prev = r.arrival;
		request_free(&r);
	}
	cr_expect_not(workload_next(w, &r));
	workload_free(w);
}

Test(workload, constant_arrivals_at_an_inexact_rate_follow_k_over_rate)
{
	WorkloadSpec s = base_spec();
	s.requests = 10000;
	s.arrival = (ArrivalSpec){.kind = ARR_CONSTANT, .rate = 3};
	Workload *w = make(&s);
	Request r;
	for (int k = 0; k < 10000; k++) {
		cr_assert(workload_next(w, &r));
		cr_assert_eq(r.arrival, k / 3.0);
		request_free(&r);
	}
	workload_free(w);
}

static size_t drain(Workload *w, double *last_arrival, double *all_at)
{
	Request r;
	size_t n = 0;
	while (workload_next(w, &r)) {
		if (all_at) cr_expect_eq(r.arrival, *all_at);
		if (last_arrival) *last_arrival = r.arrival;
		request_free(&r);
		n++;
	}
	return n;
}

Test(workload, burst_puts_every_request_at_one_time)
{
	WorkloadSpec s = base_spec();
	s.requests = 0;
	s.arrival = (ArrivalSpec){.kind = ARR_BURST, .at = 2.5, .count = 10};
	double at = 2.5;
	Workload *w = make(&s);
	cr_expect_eq(drain(w, NULL, &at), 10);
	workload_free(w);

	s.requests = 4;             /* a count caps the burst */
	w = make(&s);
	cr_expect_eq(drain(w, NULL, &at), 4);
	workload_free(w);

	s.requests = 50;            /* ... but does not extend it */
	w = make(&s);
	cr_expect_eq(drain(w, NULL, &at), 10);
	workload_free(w);

	s.requests = 0;
	s.duration = 2;             /* the burst comes after the end */
	w = make(&s);
	cr_expect_eq(drain(w, NULL, NULL), 0);
	workload_free(w);

	s.duration = 2.5;           /* an arrival at the end still counts */
	w = make(&s);
	cr_expect_eq(drain(w, NULL, &at), 10);
	workload_free(w);
}

Test(workload, duration_stops_at_the_first_arrival_past_it)
{
	WorkloadSpec s = base_spec();
	s.requests = 0;
	s.duration = 100;
	s.arrival.rate = 10;
	Workload *w = make(&s);
	double last = -1;
	size_t n = drain(w, &last, NULL);
	cr_expect(n > 900 && n < 1100, "%zu requests", n);
	cr_expect(last <= 100 && last > 99, "last arrival %g", last);
	Request r;
	cr_expect_not(workload_next(w, &r));   /* stays exhausted */
	cr_expect_eq(r.blocks, NULL);
	workload_free(w);

	s.arrival = (ArrivalSpec){.kind = ARR_CONSTANT, .rate = 2};
	s.duration = 10;            /* arrivals 0, 0.5 .. 10 */
	w = make(&s);
	cr_expect_eq(drain(w, &last, NULL), 21);
	cr_expect_eq(last, 10);
	workload_free(w);
}

Test(workload, count_and_duration_whichever_comes_first)
{
	WorkloadSpec s = base_spec();
	s.arrival = (ArrivalSpec){.kind = ARR_CONSTANT, .rate = 1};
	s.requests = 5;
	s.duration = 100;
	Workload *w = make(&s);
	cr_expect_eq(drain(w, NULL, NULL), 5);
	workload_free(w);

	s.requests = 500;
	w = make(&s);
	cr_expect_eq(drain(w, NULL, NULL), 101);
	workload_free(w);
}

/* ---------------------------------------------------------------- lengths */

Test(workload, lognormal_median)
{
	WorkloadSpec s = base_spec();
	size_t n = 100001;
	s.requests = n;
	s.prompt = (DistSpec){.kind = DIST_LOGNORMAL, .a = 1000, .b = 0.8};
	uint32_t *v = lengths(&s, n, 0);
	qsort(v, n, sizeof *v, cmp_u32);
	double med = v[n / 2];
	cr_expect(fabs(med - 1000) < 20, "median %g", med);
	free(v);
}

Test(workload, constant_lengths_round_to_nearest)
{
	WorkloadSpec s = base_spec();
	s.prompt = (DistSpec){.kind = DIST_CONSTANT, .a = 99.6};
	s.output = (DistSpec){.kind = DIST_CONSTANT, .a = 7.4};
	Workload *w = make(&s);
	Request r;
	cr_assert(workload_next(w, &r));
	cr_expect_eq(r.prompt, 100);
	cr_expect_eq(r.output, 7);
	cr_expect_eq(r.nblocks, 7);   /* ceil(100 / 16) */
	cr_expect_eq(r.block, 16);
	cr_expect_eq(r.session, REQUEST_NO_SESSION);
	cr_expect_eq(r.turn, 0);
	request_free(&r);
	workload_free(w);
}

Test(workload, clamp_is_respected)
{
	WorkloadSpec s = base_spec();
	size_t n = 20000;
	s.requests = n;
	s.prompt = (DistSpec){.kind = DIST_NORMAL, .a = 100, .b = 100, .clamped = true, .lo = 10.2, .hi = 149.7};
	uint32_t *v = lengths(&s, n, 0);
	size_t at_lo = 0, at_hi = 0;
	for (size_t i = 0; i < n; i++) {
		cr_assert(v[i] >= 10 && v[i] <= 150, "length %u", v[i]);
		at_lo += v[i] == 10;
		at_hi += v[i] == 150;
	}
	/* P(x < 10.2) = 0.184, P(x > 149.7) = 0.31 */
	cr_expect(at_lo > 0.16 * n && at_lo < 0.21 * n, "%zu at lo", at_lo);
	cr_expect(at_hi > 0.28 * n && at_hi < 0.34 * n, "%zu at hi", at_hi);
	free(v);
}

Test(workload, negative_normal_lengths_become_one)
{
	WorkloadSpec s = base_spec();
	size_t n = 5000;
	s.requests = n;
	s.output = (DistSpec){.kind = DIST_NORMAL, .a = 0, .b = 5};
	uint32_t *v = lengths(&s, n, 1);
	size_t ones = 0;
	for (size_t i = 0; i < n; i++) {
		cr_assert_geq(v[i], 1);
		ones += v[i] == 1;
	}
	cr_expect_gt(ones, n / 2);   /* everything below 1.5 */
	free(v);
}

Test(workload, uniform_bounds_and_mean)
{
	WorkloadSpec s = base_spec();
	size_t n = 50000;
	s.requests = n;
	s.prompt = (DistSpec){.kind = DIST_UNIFORM, .a = 10, .b = 20};
	uint32_t *v = lengths(&s, n, 0);
	uint32_t lo = UINT32_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	cr_expect_eq(lo, 10);
	cr_expect_eq(hi, 20);
	cr_expect(fabs(mean_u32(v, n) - 15) < 0.1, "mean %g", mean_u32(v, n));
	free(v);
}

Test(workload, empirical_samples_are_copied)
{
	WorkloadSpec s = base_spec();
	double *samples = malloc(3 * sizeof *samples);
	cr_assert_not_null(samples);
	samples[0] = 5;
	samples[1] = 6;
	samples[2] = 7;
	s.requests = 3000;
	s.prompt = (DistSpec){.kind = DIST_EMPIRICAL, .samples = samples, .nsamples = 3};
	Workload *w = make(&s);
	samples[0] = samples[1] = samples[2] = 1e6;
	free(samples);
	Request r;
	size_t seen[8] = {0};
	while (workload_next(w, &r)) {
		cr_assert(r.prompt >= 5 && r.prompt <= 7, "prompt %u", r.prompt);
		seen[r.prompt]++;
		request_free(&r);
	}
	for (int k = 5; k <= 7; k++) cr_expect(seen[k] > 900 && seen[k] < 1100, "%d seen %zu times", k, seen[k]);
	workload_free(w);
}

/* ---------------------------------------------------------------- empirical files */

typedef struct TmpDir { char path[256]; char files[8][300]; int n; } TmpDir;

static void tmp_open(TmpDir *t)
{
	const char *base = getenv("TMPDIR");
	snprintf(t->path, sizeof t->path, "%s/sgl-workload-XXXXXX", base && *base ? base : "/tmp");
	cr_assert_not_null(mkdtemp(t->path));
	t->n = 0;
}

static const char *tmp_file(TmpDir *t, const char *name, const char *text)
{
	cr_assert_lt(t->n, 8);
	char dir[sizeof t->path], *p = t->files[t->n++];
	memcpy(dir, t->path, sizeof dir);
	snprintf(p, sizeof t->files[0], "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static void tmp_close(TmpDir *t)
{
	for (int i = 0; i < t->n; i++) remove(t->files[i]);
	rmdir(t->path);
}

/* Expects workload_load_empirical(path, column) to fail with "PATH" + suffix. */
static void expect_load_error(const char *path, const char *column, const char *suffix)
{
	DistSpec d = {.kind = DIST_CONSTANT, .a = 3};
	char *err = NULL;
	cr_expect_not(workload_load_empirical(&d, path, column, &err));
	char want[1024];
	snprintf(want, sizeof want, "%s%s", path, suffix);
	cr_assert_not_null(err);
	cr_expect_str_eq(err, want);
	cr_expect_eq(d.kind, DIST_CONSTANT);   /* untouched on failure */
	cr_expect_null(d.samples);
	free(err);
}

Test(workload, empirical_file_mean_and_values)
{
	TmpDir t;
	tmp_open(&t);
	const char *p = tmp_file(&t, "lens.csv", "id,\"tokens\"\r\n1,10\r\n2,20\r\n\r\n3,\"30\"\r\n4,40\r\n5,100");
	DistSpec d = {0};
	char *err = NULL;
	cr_assert(workload_load_empirical(&d, p, "tokens", &err), "%s", err ? err : "");
	cr_assert_null(err);
	cr_assert_eq(d.kind, DIST_EMPIRICAL);
	cr_assert_eq(d.nsamples, 5);
	double want[] = {10, 20, 30, 40, 100};
	for (int i = 0; i < 5; i++) cr_expect_eq(d.samples[i], want[i]);

	WorkloadSpec s = base_spec();
	size_t n = 100000;
	s.requests = n;
	s.prompt = d;
	uint32_t *v = lengths(&s, n, 0);
	for (size_t i = 0; i < n; i++)
		cr_assert(v[i] == 10 || v[i] == 20 || v[i] == 30 || v[i] == 40 || v[i] == 100);
	double m = mean_u32(v, n);
	cr_expect(fabs(m - 40) < 0.02 * 40, "mean %g, file mean 40", m);
	free(v);
	free(d.samples);
	tmp_close(&t);
}

Test(workload, empirical_file_errors)
{
	TmpDir t;
	tmp_open(&t);
	char missing[300];
	snprintf(missing, sizeof missing, "%s/nope.csv", t.path);
	expect_load_error(missing, "x", ": error: cannot open: No such file or directory");
	const char *a = tmp_file(&t, "a.csv", "len,other\n1,2\n");
	expect_load_error(a, "x", ":1: error: no column 'x'");
	const char *b = tmp_file(&t, "b.csv", "len\n1\n2\n\n3\nabc\n4\n");
	expect_load_error(b, "len", ":6: error: column 'len' value 'abc' is not a number");
	const char *c = tmp_file(&t, "c.csv", "len\n");
	expect_load_error(c, "len", ": error: no samples in column 'len'");
	const char *e = tmp_file(&t, "e.csv", "");
	expect_load_error(e, "len", ": error: the file is empty");
	const char *f = tmp_file(&t, "f.csv", "id,len\n1,5\n2\n");
	expect_load_error(f, "len", ":3: error: column 'len' value '' is not a number");
	const char *g = tmp_file(&t, "g.csv", "len\n1\ninf\n");
	expect_load_error(g, "len", ":3: error: column 'len' value 'inf' is not a number");
	tmp_close(&t);
}

/* ---------------------------------------------------------------- prefixes */

static double harmonic(unsigned n, double s)
{
	double h = 0;
	for (unsigned i = 1; i <= n; i++) h += pow(i, -s);
	return h;
}

/* The group whose block 0 the request starts with, or -1. */
static int group_of(const Request *r, unsigned groups)
{
	for (unsigned g = 0; g < groups; g++)
		if (r->blocks[0] == request_id_mix(ID_GROUP, g, 0)) return (int)g;
	return -1;
}

Test(workload, prefix_share_zipf_groups_and_block_ids)
{
	enum { GROUPS = 8, FULL = 31 };    /* floor(500 / 16) */
	WorkloadSpec s = base_spec();
	size_t n = 50000;
	s.requests = n;
	s.prompt = (DistSpec){.kind = DIST_CONSTANT, .a = 1000};   /* 63 blocks */
	s.prefix_groups = GROUPS;
	s.prefix_length = 500;
	s.prefix_share = 0.3;
	s.zipf_s = 1;
	Workload *w = make(&s);
	size_t shared = 0, count[GROUPS] = {0}, nu = 0;
	uint64_t first[GROUPS][FULL];
	uint64_t *uniq = malloc(n * 63 * sizeof *uniq);
	cr_assert_not_null(uniq);
	Request r;
	for (size_t k = 0; k < n; k++) {
		cr_assert(workload_next(w, &r));
		cr_assert_eq(r.nblocks, 63);
		int g = group_of(&r, GROUPS);
		uint32_t from = 0;
		if (g >= 0) {
			shared++;
			if (!count[g]) memcpy(first[g], r.blocks, sizeof first[g]);
			cr_assert_eq(memcmp(first[g], r.blocks, sizeof first[g]), 0, "group %d blocks differ", g);
			count[g]++;
			for (uint32_t i = 0; i < FULL; i++) cr_assert_eq(r.blocks[i], request_id_mix(ID_GROUP, (uint64_t)g, i));
			from = FULL;
		}
		for (uint32_t i = from; i < r.nblocks; i++) {
			cr_assert_eq(r.blocks[i], request_id_mix(ID_UNIQUE, r.id, i));
			uniq[nu++] = r.blocks[i];
		}
		request_free(&r);
	}
	workload_free(w);
	double frac = (double)shared / (double)n;
	cr_expect(fabs(frac - 0.3) < 0.01, "share %g", frac);
	double p0 = (double)count[0] / (double)shared, want = 1 / harmonic(GROUPS, 1);
	cr_expect(fabs(p0 - want) < 0.015, "group 0 frequency %g, want %g", p0, want);
	for (int g = 1; g < GROUPS; g++) {
		double pg = (double)count[g] / (double)shared, wg = pow(g + 1, -1.0) * want;
		cr_expect(fabs(pg - wg) < 0.015, "group %d frequency %g, want %g", g, pg, wg);
	}
	/* unique blocks: never equal to each other or to a group block */
	qsort(uniq, nu, sizeof *uniq, cmp_u64);
	for (size_t i = 1; i < nu; i++) cr_assert_neq(uniq[i - 1], uniq[i], "a unique block repeats");
	for (int g = 0; g < GROUPS; g++)
		for (uint32_t i = 0; i < FULL; i++) {
			uint64_t id = request_id_mix(ID_GROUP, (uint64_t)g, i);
			cr_assert_null(bsearch(&id, uniq, nu, sizeof *uniq, cmp_u64));
		}
	free(uniq);
}

Test(workload, uniform_groups_without_zipf)
{
	enum { GROUPS = 5 };
	WorkloadSpec s = base_spec();
	size_t n = 50000;
	s.requests = n;
	s.prefix_groups = GROUPS;
	s.prefix_length = 64;
	s.prefix_share = 1;
	Workload *w = make(&s);
	size_t count[GROUPS] = {0};
	Request r;
	while (workload_next(w, &r)) {
		int g = group_of(&r, GROUPS);
		cr_assert_geq(g, 0, "share 1 but request %" PRIu64 " has no group", r.id);
		count[g]++;
		request_free(&r);
	}
	workload_free(w);
	for (int g = 0; g < GROUPS; g++)
		cr_expect(fabs((double)count[g] / (double)n - 0.2) < 0.01, "group %d: %zu", g, count[g]);
}

Test(workload, prefix_is_truncated_to_the_prompt)
{
	WorkloadSpec s = base_spec();
	s.requests = 10;
	s.prompt = (DistSpec){.kind = DIST_CONSTANT, .a = 100};   /* 6 full blocks + 4 tokens */
	s.prefix_groups = 1;
	s.prefix_length = 500;
	s.prefix_share = 1;
	Workload *w = make(&s);
	Request r;
	while (workload_next(w, &r)) {
		cr_assert_eq(r.nblocks, 7);
		for (uint32_t i = 0; i < 6; i++) cr_expect_eq(r.blocks[i], request_id_mix(ID_GROUP, 0, i));
		cr_expect_eq(r.blocks[6], request_id_mix(ID_UNIQUE, r.id, 6));   /* partial: never shared */
		request_free(&r);
	}
	workload_free(w);
}

Test(workload, no_sharing_without_share)
{
	WorkloadSpec s = base_spec();
	s.prefix_groups = 3;
	s.prefix_length = 64;
	s.prefix_share = 0;
	Workload *w = make(&s);
	Request r;
	while (workload_next(w, &r)) {
		for (uint32_t i = 0; i < r.nblocks; i++) cr_expect_eq(r.blocks[i], request_id_mix(ID_UNIQUE, r.id, i));
		request_free(&r);
	}
	workload_free(w);
}

/* ---------------------------------------------------------------- sessions */

/* Runs a whole workload: every request finishes `service` s after it
 * arrives and asks for its follow-up.  Checks each follow-up against its
 * previous turn; returns the requests (caller frees) in creation order. */
static Request *run_sessions(const WorkloadSpec *s, double service, size_t *count, size_t cap)
{
	Request *all = calloc(cap, sizeof *all);
	cr_assert_not_null(all);
	Workload *w = make(s);
	size_t n = 0;
	Request r;
	while (workload_next(w, &r)) {
		cr_assert_lt(n, cap);
		all[n++] = r;
	}
	for (size_t i = 0; i < n; i++) {   /* all[] grows as follow-ups arrive */
		Request *done = &all[i];
		double finish = done->arrival + service;
		if (!workload_follow_up(w, done, finish, &r)) continue;
		cr_assert_lt(n, cap);
		cr_assert_eq(r.session, done->session);
		cr_assert_eq(r.turn, done->turn + 1);
		cr_assert_eq(r.arrival, finish + s->think_time);
		cr_assert_eq(r.block, s->block);
		uint32_t history = done->prompt + done->output;
		cr_assert_gt(r.prompt, history);
		uint32_t carried = history / s->block;
		cr_assert_eq(r.nblocks, (r.prompt + s->block - 1) / s->block);
		for (uint32_t k = 0; k < carried; k++) cr_assert_eq(r.blocks[k], request_seq_block(done, k));
		for (uint32_t k = carried; k < r.nblocks; k++) cr_assert_eq(r.blocks[k], request_id_mix(ID_UNIQUE, r.id, k));
		all[n++] = r;
	}
	workload_free(w);
	*count = n;
	return all;
}

static void free_all(Request *all, size_t n)
{
	for (size_t i = 0; i < n; i++) request_free(&all[i]);
	free(all);
}

Test(workload, sessions_produce_exactly_the_requested_count)
{
	WorkloadSpec s = base_spec();
	s.requests = 10;
	s.turns = 3;
	s.think_time = 2;
	s.prompt = (DistSpec){.kind = DIST_CONSTANT, .a = 100};
	s.output = (DistSpec){.kind = DIST_CONSTANT, .a = 50};
	size_t n;
	Request *all = run_sessions(&s, 0.5, &n, 64);
	cr_assert_eq(n, 10);
	unsigned turns[4] = {0};
	bool seen[10] = {false};
	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(all[i].id, 10);
		cr_assert_not(seen[all[i].id], "id %" PRIu64 " twice", all[i].id);
		seen[all[i].id] = true;
		cr_assert_lt(all[i].session, 4);
		turns[all[i].session]++;
		/* constant lengths: turn k has 100 + k * 150 tokens */
		cr_expect_eq(all[i].prompt, 100 + all[i].turn * 150);
		cr_expect_eq(all[i].output, 50);
	}
	cr_expect_eq(turns[0], 3);
	cr_expect_eq(turns[1], 3);
	cr_expect_eq(turns[2], 3);
	cr_expect_eq(turns[3], 1);   /* the last session is cut short */
	for (size_t i = 0; i < 4; i++) {   /* first turns come first, in order */
		cr_expect_eq(all[i].turn, 0);
		cr_expect_eq(all[i].session, i);
		cr_expect_eq(all[i].id, i);
	}
	free_all(all, n);
}

Test(workload, session_turns_extend_the_history_with_random_lengths)
{
	WorkloadSpec s = rich_spec();
	s.requests = 3001;
	s.turns = 4;
	s.think_time = 1.5;
	s.prompt = (DistSpec){.kind = DIST_UNIFORM, .a = 20, .b = 300};
	s.output = (DistSpec){.kind = DIST_UNIFORM, .a = 1, .b = 200};
	size_t n;
	Request *all = run_sessions(&s, 3, &n, 4000);
	cr_assert_eq(n, 3001);
	/* locate each turn's previous turn and check the new message length */
	Request **by_id = calloc(n, sizeof *by_id);
	cr_assert_not_null(by_id);
	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(all[i].id, n);
		cr_assert_null(by_id[all[i].id]);
		by_id[all[i].id] = &all[i];
	}
	uint32_t (*last)[4] = calloc(751, sizeof *last);   /* [session][turn] -> id + 1 */
	cr_assert_not_null(last);
	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(all[i].session, 751);
		cr_assert_lt(all[i].turn, 4);
		last[all[i].session][all[i].turn] = (uint32_t)all[i].id + 1;
	}
	size_t follow = 0;
	for (uint32_t se = 0; se < 751; se++)
		for (uint32_t t = 1; t < 4 && last[se][t]; t++) {
			const Request *cur = by_id[last[se][t] - 1], *prev = by_id[last[se][t - 1] - 1];
			uint32_t msg = cur->prompt - prev->prompt - prev->output;
			cr_expect(msg >= 20 && msg <= 300, "new message of %u tokens", msg);
			cr_expect_eq(cur->arrival, prev->arrival + 3 + 1.5);
			follow++;
		}
	cr_expect_eq(follow, 3001 - 751);
	cr_expect_eq(last[750][1], 0);   /* session 750 has one turn */
	free(last);
	free(by_id);
	free_all(all, n);
}

Test(workload, follow_ups_do_not_shift_first_turns)
{
	WorkloadSpec s = rich_spec();
	s.requests = 3000;
	s.turns = 3;
	s.think_time = 1;
	Workload *a = make(&s), *b = make(&s);
	Request ra, rb, f;
	for (int i = 0; i < 1000; i++) {
		cr_assert(workload_next(a, &ra));
		cr_assert(workload_next(b, &rb));
		cr_assert_eq(memcmp(&ra.arrival, &rb.arrival, sizeof ra.arrival), 0);
		cr_assert_eq(ra.prompt, rb.prompt);
		cr_assert_eq(ra.output, rb.output);
		cr_assert_eq(ra.session, rb.session);
		cr_assert(workload_follow_up(a, &ra, ra.arrival + 1, &f));   /* a only */
		request_free(&f);
		request_free(&ra);
		request_free(&rb);
	}
	workload_free(a);
	workload_free(b);
}

Test(workload, sessions_with_a_duration_run_to_their_last_turn)
{
	WorkloadSpec s = base_spec();
	s.requests = 0;
	s.duration = 10;
	s.arrival = (ArrivalSpec){.kind = ARR_CONSTANT, .rate = 1};
	s.turns = 5;
	s.think_time = 20;
	size_t n;
	Request *all = run_sessions(&s, 1, &n, 200);
	cr_expect_eq(n, 11 * 5);
	double latest = 0;
	for (size_t i = 0; i < n; i++) latest = all[i].arrival > latest ? all[i].arrival : latest;
	cr_expect_eq(latest, 10 + 4 * 21.0);
	free_all(all, n);
}

Test(workload, single_turn_requests_have_no_follow_up)
{
	WorkloadSpec s = base_spec();
	Workload *w = make(&s);
	Request r, f;
	cr_assert(workload_next(w, &r));
	cr_expect_eq(r.session, REQUEST_NO_SESSION);
	cr_expect_not(workload_follow_up(w, &r, 1, &f));
	cr_expect_null(f.blocks);
	request_free(&r);
	cr_assert(workload_next(w, &r));
	cr_expect_eq(r.id, 1);   /* a refused follow-up takes no id */
	request_free(&r);
	workload_free(w);
}

Test(workload, burst_of_sessions)
{
	WorkloadSpec s = base_spec();
	s.requests = 7;
	s.turns = 2;
	s.arrival = (ArrivalSpec){.kind = ARR_BURST, .at = 1, .count = 100};
	size_t n;
	Request *all = run_sessions(&s, 1, &n, 64);
	cr_expect_eq(n, 7);
	size_t firsts = 0;
	for (size_t i = 0; i < n; i++) firsts += all[i].turn == 0;
	cr_expect_eq(firsts, 4);
	free_all(all, n);
}

/* ---------------------------------------------------------------- errors */

static void expect_new_error(const WorkloadSpec *s, const char *want)
{
	char *err = NULL;
	Workload *w = workload_new(s, &err);
	cr_expect_null(w);
	cr_assert_not_null(err, "no error, want \"%s\"", want);
	cr_expect_str_eq(err, want);
	free(err);
	workload_free(w);
}

Test(workload, spec_errors)
{
	WorkloadSpec s;
#define BAD(change, msg) do { s = base_spec(); change; expect_new_error(&s, msg); } while (0)
	BAD(s.arrival.rate = 0, "arrival rate must be positive (got 0 req/s)");
	BAD(s.arrival.rate = -2.5, "arrival rate must be positive (got -2.5 req/s)");
	BAD(s.arrival.rate = NAN, "arrival rate must be positive (got nan req/s)");
	BAD(s.arrival.rate = INFINITY, "arrival rate must be finite (got inf req/s)");
	BAD((s.arrival.kind = ARR_CONSTANT, s.arrival.rate = 0), "arrival rate must be positive (got 0 req/s)");
	BAD((s.arrival.kind = ARR_GAMMA, s.arrival.cv = 0), "gamma arrival cv must be positive and finite (got 0)");
	BAD((s.arrival.kind = ARR_BURST, s.arrival.count = 0), "burst count must be at least 1 (got 0)");
	BAD((s.arrival = (ArrivalSpec){.kind = ARR_BURST, .count = 3, .at = -1}),
	    "burst time must be finite and non-negative (got -1 s)");
	BAD(s.arrival.kind = (ArrivalKind)9, "unknown arrival kind 9");
	BAD(s.duration = -1, "duration must be finite and non-negative (got -1 s)");
	BAD(s.requests = 0, "a workload needs a request count or a duration");
	BAD(s.block = 0, "block size must be at least 1 token (got 0)");
	BAD(s.prompt.a = INFINITY, "prompt length: constant length must be finite (got inf)");
	BAD((s.prompt = (DistSpec){.kind = DIST_UNIFORM, .a = 20, .b = 10}),
	    "prompt length: uniform lo must not exceed hi (got 20 > 10)");
	BAD((s.output = (DistSpec){.kind = DIST_UNIFORM, .a = 1, .b = NAN}),
	    "output length: uniform bounds must be finite (got 1, nan)");
	BAD((s.output = (DistSpec){.kind = DIST_NORMAL, .a = 10, .b = -1}),
	    "output length: normal sd must be finite and non-negative (got -1)");
	BAD((s.output = (DistSpec){.kind = DIST_NORMAL, .a = NAN, .b = 1}),
	    "output length: normal mean must be finite (got nan)");
	BAD((s.prompt = (DistSpec){.kind = DIST_LOGNORMAL, .a = 0, .b = 1}),
	    "prompt length: lognormal median must be positive and finite (got 0)");
	BAD((s.prompt = (DistSpec){.kind = DIST_LOGNORMAL, .a = 100, .b = -0.5}),
	    "prompt length: lognormal sigma must be finite and non-negative (got -0.5)");
	BAD((s.prompt = (DistSpec){.kind = DIST_EMPIRICAL}), "prompt length: empirical distribution has no samples");
	double bad[] = {1, INFINITY};
	BAD((s.prompt = (DistSpec){.kind = DIST_EMPIRICAL, .samples = bad, .nsamples = 2}),
	    "prompt length: empirical sample 1 is not finite (got inf)");
	BAD(s.prompt.kind = (DistKind)7, "prompt length: unknown distribution kind 7");
	BAD((s.output.clamped = true, s.output.lo = 5, s.output.hi = 1),
	    "output length: clamp lo must not exceed hi (got 5 > 1)");
	BAD((s.output.clamped = true, s.output.lo = NAN, s.output.hi = 1),
	    "output length: clamp bounds must be numbers (got nan, 1)");
	BAD((s.prefix_groups = 2, s.prefix_length = -4), "prefix length must be finite and non-negative (got -4 tokens)");
	BAD((s.prefix_groups = 2, s.prefix_share = 1.5), "prefix share must be between 0 and 1 (got 1.5)");
	BAD(s.prefix_share = -0.1, "prefix share must be between 0 and 1 (got -0.1)");
	BAD((s.prefix_length = 512, s.prefix_share = 0.5),
	    "a prefix length of 512 tokens needs at least 1 prefix group (got 0)");
	BAD(s.zipf_s = -1, "zipf exponent must be finite and non-negative (got -1)");
	BAD(s.turns = 0, "turns must be at least 1 (got 0)");
	BAD((s.turns = 2, s.think_time = -1), "think time must be finite and non-negative (got -1 s)");
#undef BAD
}

Test(workload, valid_edge_specs_are_accepted)
{
	WorkloadSpec s = base_spec();
	s.requests = 0;
	s.arrival = (ArrivalSpec){.kind = ARR_BURST, .at = 0, .count = 3};   /* finite by itself */
	Workload *w = make(&s);
	cr_expect_eq(drain(w, NULL, NULL), 3);
	workload_free(w);

	s = base_spec();
	s.prompt = (DistSpec){.kind = DIST_UNIFORM, .a = 7, .b = 7, .clamped = true, .lo = 1, .hi = INFINITY};
	s.output = (DistSpec){.kind = DIST_NORMAL, .a = 5, .b = 0};
	s.prefix_groups = 0;        /* no length: sharing off */
	w = make(&s);
	Request r;
	cr_assert(workload_next(w, &r));
	cr_expect_eq(r.prompt, 7);
	cr_expect_eq(r.output, 5);
	request_free(&r);
	workload_free(w);
	workload_free(NULL);
}
