/* test_report.c -- the report outputs: JSON keys, values, order, nulls and
 * determinism; CSV text; the Chrome trace document read back as JSON; the
 * terminal table's figures and width. */
#include "config.h"
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime/report.h"

#define N(a) (sizeof(a) / sizeof *(a))

/* ------------------------------------------------------------- fixtures */

/* Every field a distinct value, so a misplaced one shows. */
static SimResult sample_result(void)
{
	SimResult r = { 0 };
	r.partial = true;
	r.arrived = 2000;
	r.completed = 1990;
	r.retractions = 7;
	r.rejected = 3;
	r.block_hit_rate = 0.375;
	r.events = 123456;
	r.iterations = 4321;
	r.workers = 4;
	r.gpus = 8;
	r.makespan = 321.5;
	r.queue = (Summary){ 1990, 0.011, 0.012, 0.013, 0.014, 0.015 };
	r.ttft = (Summary){ 1990, 0.021, 0.022, 0.023, 0.024, 0.025 };
	r.tpot = (Summary){ 1989, 0.031, 0.032, 0.033, 0.034, 0.035 };
	r.itl = (Summary){ 400000, 0.041, 0.042, 0.043, 0.044, 0.045 };
	r.e2e = (Summary){ 1990, 1.51, 1.52, 1.53, 1.54, 12.5 };
	r.prompt_tokens = 1500001;
	r.cached_tokens = 600002;
	r.output_tokens = 400003;
	r.throughput_input = 4665.5;
	r.throughput_output = 1244.1;
	r.throughput_total = 5909.6;
	r.request_throughput = 6.19;
	r.goodput = 5.5;
	r.slo_met = 1768;
	r.cache_hit_rate = 0.4;
	r.kv_capacity = 250000;
	r.kv_peak = 0.93;
	r.kv_mean = 0.61;
	r.mean_in_system = 37.25;
	r.arrival_rate = 6.25;
	r.compute_util = 0.35;
	r.bw_util = 0.72;
	r.net_util = 0.05;
	r.busy = 0.97;
	r.gpu_seconds = 2572;
	r.cost = 1.75;
	r.cost_per_mtok = 4.375;
	r.energy = 1.25e6;
	r.energy_per_token = 3.125;
	r.generated = 400004;
	r.kv_overflow = false;
	return r;
}

static const Sensitivity sample_sens[] = {
	{ "gpu.mem_bw", "B/s", 3.35e12, -1.5e-14, -2.5e-15, -3.5e-11, 4.5e-10 },
	{ "pool.chunk_size", "tok", 8192, 1e-6, 2e-7, 3e-4, -4e-2 },
};

static ReportMeta sample_meta(void)
{
	return (ReportMeta){ .deployment = "one", .workload = "chat", .model = "llama31_8b",
			     .gpu = "h100_sxm", .seed = 1 };
}

/* ------------------------------------------------------------- helpers */

typedef struct Mem {
	FILE *f;
	char *buf;
	size_t len;
} Mem;

static FILE *mem_open(Mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	cr_assert_not_null(m->f);
	return m->f;
}

/* Closes the stream; the text is the caller's (free). */
static char *mem_text(Mem *m)
{
	fclose(m->f);
	return m->buf;
}

static char *json_text(const ReportMeta *ms, const SimResult *rs, int n)
{
	Mem m;
	cr_assert(report_json(mem_open(&m), ms, rs, n));
	return mem_text(&m);
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	cr_assert_not_null(j, "JSON does not parse: %s (line %d)", e.text, e.line);
	return j;
}

/* The value at a dotted path, or NULL. */
static json_t *at(json_t *root, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *v = root;
	for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, "."))
		v = json_object_get(v, tok);
	return v;
}

static void expect_real(json_t *root, const char *path, double want)
{
	json_t *v = at(root, path);
	cr_assert_not_null(v, "missing %s", path);
	cr_expect(json_is_real(v), "%s is not a real", path);
	cr_expect_eq(json_real_value(v), want, "%s: %.17g, want %.17g", path, json_real_value(v),
		     want);
}

static void expect_int(json_t *root, const char *path, long long want)
{
	json_t *v = at(root, path);
	cr_assert_not_null(v, "missing %s", path);
	cr_expect(json_is_integer(v), "%s is not an integer", path);
	cr_expect_eq(json_integer_value(v), want, "%s: %lld, want %lld",
		     path, (long long)json_integer_value(v), want);
}

static void expect_str(json_t *root, const char *path, const char *want)
{
	json_t *v = at(root, path);
	cr_assert_not_null(v, "missing %s", path);
	cr_assert(json_is_string(v), "%s is not a string", path);
	cr_expect_str_eq(json_string_value(v), want, "%s", path);
}

static void expect_null(json_t *root, const char *path)
{
	json_t *v = at(root, path);
	cr_assert_not_null(v, "missing %s", path);
	cr_expect(json_is_null(v), "%s is not null", path);
}

/* The object's keys are exactly want[0..n), in that order. */
static void expect_keys(json_t *o, const char *const *want, size_t n, const char *what)
{
	cr_assert(json_is_object(o), "%s is not an object", what);
	cr_expect_eq(json_object_size(o), n, "%s has %zu keys, want %zu", what,
		     json_object_size(o), n);
	size_t i = 0;
	for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it), i++)
		if (i < n)
			cr_expect_str_eq(json_object_iter_key(it), want[i], "%s key %zu", what, i);
}

static char *table_text(const ReportMeta *m, const SimResult *r)
{
	Mem mem;
	report_table(mem_open(&mem), m, r);
	return mem_text(&mem);
}

/* Every line of text is at most 80 columns (UTF-8 code points). */
static void expect_narrow(const char *text)
{
	size_t col = 0, lineno = 1;
	for (const char *p = text; *p; p++) {
		if (*p == '\n') {
			col = 0;
			lineno++;
			continue;
		}
		if (((unsigned char)*p & 0xC0) != 0x80) col++;
		cr_expect_leq(col, 80, "line %zu is wider than 80 columns:\n%s", lineno, text);
		if (col > 80) return;
	}
}

/* The line of text that starts with prefix, copied into buf. */
static bool find_line(const char *text, const char *prefix, char *buf, size_t size)
{
	size_t plen = strlen(prefix);
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len >= plen && !strncmp(p, prefix, plen)) {
			snprintf(buf, size, "%.*s", (int)len, p);
			return true;
		}
		p += len + (end != NULL);
	}
	return false;
}

/* ---------------------------------------------------------------- JSON */

Test(report_json, every_field_lands_under_its_key)
{
	ReportMeta m = sample_meta();
	SimResult r = sample_result();
	char *text = json_text(&m, &r, 1);
	json_t *j = parse(text);
	expect_str(j, "deployment", "one");
	expect_str(j, "workload", "chat");
	expect_str(j, "model", "llama31_8b");
	expect_str(j, "gpu", "h100_sxm");
	expect_int(j, "seed", 1);
	cr_expect(json_is_true(at(j, "partial")));
	expect_int(j, "requests.arrived", 2000);
	expect_int(j, "requests.completed", 1990);
	expect_int(j, "requests.retractions", 7);
	expect_int(j, "requests.rejected", 3);
	cr_expect_eq(json_real_value(at(at(j, "cache"), "block_hit_rate")), 0.375);
	const struct {
		const char *key;
		const Summary *s;
	} sums[] = { { "ttft", &r.ttft }, { "tpot", &r.tpot }, { "itl", &r.itl },
		     { "e2e", &r.e2e }, { "queue", &r.queue } };
	for (size_t i = 0; i < N(sums); i++) {
		char path[64];
		const double want[] = { sums[i].s->mean, sums[i].s->p50, sums[i].s->p90,
					sums[i].s->p99, sums[i].s->max };
		const char *stat[] = { "mean", "p50", "p90", "p99", "max" };
		for (size_t k = 0; k < N(stat); k++) {
			snprintf(path, sizeof path, "%s.%s", sums[i].key, stat[k]);
			expect_real(j, path, want[k]);
		}
	}
	expect_real(j, "throughput.input", 4665.5);
	expect_real(j, "throughput.output", 1244.1);
	expect_real(j, "throughput.total", 5909.6);
	expect_real(j, "throughput.requests", 6.19);
	expect_real(j, "goodput", 5.5);
	expect_int(j, "slo_met", 1768);
	expect_real(j, "cache.hit_rate", 0.4);
	expect_real(j, "cache.prompt_tokens", 1500001);
	expect_real(j, "cache.cached_tokens", 600002);
	expect_real(j, "kv.capacity_tokens", 250000);
	expect_real(j, "kv.peak", 0.93);
	expect_real(j, "kv.mean", 0.61);
	cr_expect(json_is_false(at(j, "kv.overflow")));
	expect_real(j, "utilization.compute", 0.35);
	expect_real(j, "utilization.memory_bandwidth", 0.72);
	expect_real(j, "utilization.network", 0.05);
	expect_real(j, "utilization.busy", 0.97);
	expect_real(j, "cost.gpu_seconds", 2572);
	expect_real(j, "cost.usd", 1.75);
	expect_real(j, "cost.usd_per_mtok", 4.375);
	expect_real(j, "energy.joules", 1.25e6);
	expect_real(j, "energy.joules_per_token", 3.125);
	expect_real(j, "tokens.prompt", 1500001);
	expect_real(j, "tokens.output", 400003);
	expect_int(j, "tokens.generated", 400004);
	expect_real(j, "makespan", 321.5);
	expect_real(j, "little.mean_in_system", 37.25);
	expect_real(j, "little.arrival_rate", 6.25);
	expect_int(j, "sim.events", 123456);
	expect_int(j, "sim.iterations", 4321);
	expect_int(j, "sim.workers", 4);
	expect_int(j, "sim.gpus", 8);
	cr_expect_null(at(j, "sensitivity"));
	cr_expect_null(at(j, "sensitivity_note"));
	json_decref(j);
	free(text);
}

Test(report_json, keys_in_the_documented_order)
{
	ReportMeta m = sample_meta();
	m.sens = sample_sens;
	m.nsens = (int)N(sample_sens);
	SimResult r = sample_result();
	char *text = json_text(&m, &r, 1);
	json_t *j = parse(text);
	static const char *const top[] = {
		"deployment", "workload", "model", "gpu", "seed", "partial", "interrupted", "requests",
		"ttft", "tpot", "itl", "e2e", "queue", "throughput", "goodput", "slo_met",
		"cache", "kv", "utilization", "cost", "energy", "tokens", "makespan",
		"little", "sim", "kv_transfer", "links", "router", "sensitivity", "sensitivity_note",
	};
	expect_keys(j, top, N(top), "top level");
	static const char *const req[] = { "arrived", "completed", "retractions", "rejected" };
	expect_keys(at(j, "requests"), req, N(req), "requests");
	static const char *const sum[] = { "mean", "p50", "p90", "p99", "max" };
	expect_keys(at(j, "ttft"), sum, N(sum), "ttft");
	expect_keys(at(j, "queue"), sum, N(sum), "queue");
	static const char *const thr[] = { "input", "output", "total", "requests" };
	expect_keys(at(j, "throughput"), thr, N(thr), "throughput");
	static const char *const cache[] = { "hit_rate", "prompt_tokens", "cached_tokens", "block_hit_rate" };
	expect_keys(at(j, "cache"), cache, N(cache), "cache");
	static const char *const kv[] = { "capacity_tokens", "peak", "mean", "overflow" };
	expect_keys(at(j, "kv"), kv, N(kv), "kv");
	static const char *const util[] = { "compute", "memory_bandwidth", "network", "busy" };
	expect_keys(at(j, "utilization"), util, N(util), "utilization");
	static const char *const cost[] = { "gpu_seconds", "usd", "usd_per_mtok" };
	expect_keys(at(j, "cost"), cost, N(cost), "cost");
	static const char *const energy[] = { "joules", "joules_per_token" };
	expect_keys(at(j, "energy"), energy, N(energy), "energy");
	static const char *const tok[] = { "prompt", "output", "generated" };
	expect_keys(at(j, "tokens"), tok, N(tok), "tokens");
	static const char *const little[] = { "mean_in_system", "arrival_rate" };
	expect_keys(at(j, "little"), little, N(little), "little");
	static const char *const sim[] = { "events", "iterations", "workers", "gpus",
					   "prefill_workers", "decode_workers" };
	expect_keys(at(j, "sim"), sim, N(sim), "sim");
	static const char *const sens[] = { "gpu.mem_bw", "pool.chunk_size" };
	json_t *s = json_object_get(j, "sensitivity");
	expect_keys(s, sens, N(sens), "sensitivity");
	static const char *const entry[] = { "unit", "value", "d_ttft_mean", "d_tpot_mean",
					     "d_makespan", "d_throughput" };
	expect_keys(json_object_get(s, "gpu.mem_bw"), entry, N(entry), "sensitivity entry");
	json_decref(j);
	free(text);
}

Test(report_json, sensitivity_values_and_note)
{
	ReportMeta m = sample_meta();
	m.sens = sample_sens;
	m.nsens = (int)N(sample_sens);
	SimResult r = sample_result();
	char *text = json_text(&m, &r, 1);
	json_t *j = parse(text);
	json_t *s = json_object_get(j, "sensitivity");
	for (size_t i = 0; i < N(sample_sens); i++) {
		json_t *e = json_object_get(s, sample_sens[i].name);
		cr_assert_not_null(e, "no entry for %s", sample_sens[i].name);
		expect_str(e, "unit", sample_sens[i].unit);
		expect_real(e, "value", sample_sens[i].value);
		expect_real(e, "d_ttft_mean", sample_sens[i].d_ttft_mean);
		expect_real(e, "d_tpot_mean", sample_sens[i].d_tpot_mean);
		expect_real(e, "d_makespan", sample_sens[i].d_makespan);
		expect_real(e, "d_throughput", sample_sens[i].d_throughput);
	}
	expect_str(j, "sensitivity_note", "derivatives along the simulated schedule, held fixed");
	json_decref(j);
	free(text);
}

Test(report_json, non_finite_numbers_are_null)
{
	ReportMeta m = sample_meta();
	Sensitivity sens = { "gpu.tdp", "W", NAN, INFINITY, -INFINITY, NAN, 1.0 };
	m.sens = &sens;
	m.nsens = 1;
	SimResult r = sample_result();
	r.ttft = (Summary){ 0, NAN, NAN, NAN, NAN, NAN };
	r.makespan = INFINITY;
	r.goodput = -INFINITY;
	r.cost_per_mtok = NAN;
	char *text = json_text(&m, &r, 1);
	cr_expect_null(strstr(text, "nan"));
	cr_expect_null(strstr(text, "inf"));
	json_t *j = parse(text);
	const char *nulls[] = { "ttft.mean", "ttft.p50", "ttft.p90", "ttft.p99", "ttft.max",
				"makespan", "goodput", "cost.usd_per_mtok" };
	for (size_t i = 0; i < N(nulls); i++) expect_null(j, nulls[i]);
	json_t *e = json_object_get(json_object_get(j, "sensitivity"), "gpu.tdp");
	cr_assert_not_null(e);
	expect_null(e, "value");
	expect_null(e, "d_ttft_mean");
	expect_null(e, "d_tpot_mean");
	expect_null(e, "d_makespan");
	expect_real(e, "d_throughput", 1.0);
	expect_real(j, "tpot.mean", 0.031);   /* neighbours untouched */
	json_decref(j);
	free(text);
}

Test(report_json, identical_inputs_give_identical_bytes)
{
	ReportMeta m = sample_meta();
	m.sens = sample_sens;
	m.nsens = (int)N(sample_sens);
	SimResult r = sample_result();
	r.kv_mean = 0.1;
	char *a = json_text(&m, &r, 1), *b = json_text(&m, &r, 1);
	cr_expect_str_eq(a, b);
	/* 17 significant digits, two-space indentation, a final newline */
	cr_expect_not_null(strstr(a, "0.10000000000000001"));
	cr_expect_not_null(strstr(a, "\n  \"deployment\": \"one\""));
	cr_expect_eq(a[strlen(a) - 1], '\n');
	free(a);
	free(b);
}

Test(report_json, two_runs_make_an_array_in_order)
{
	ReportMeta m[2] = { sample_meta(), sample_meta() };
	m[1].seed = 2;
	m[1].workload = "code";
	SimResult r[2] = { sample_result(), sample_result() };
	r[1].completed = 1999;
	r[1].partial = false;
	char *text = json_text(m, r, 2);
	json_t *j = parse(text);
	cr_assert(json_is_array(j));
	cr_assert_eq(json_array_size(j), 2);
	json_t *a = json_array_get(j, 0), *b = json_array_get(j, 1);
	expect_int(a, "seed", 1);
	expect_int(b, "seed", 2);
	expect_str(a, "workload", "chat");
	expect_str(b, "workload", "code");
	expect_int(a, "requests.completed", 1990);
	expect_int(b, "requests.completed", 1999);
	cr_expect(json_is_true(at(a, "partial")));
	cr_expect(json_is_false(at(b, "partial")));
	json_decref(j);
	free(text);
}

Test(report_json, missing_names_are_null_and_a_huge_seed_is_a_string)
{
	ReportMeta m = { .model = "m", .gpu = "g", .seed = UINT64_MAX };
	SimResult r = sample_result();
	char *text = json_text(&m, &r, 1);
	json_t *j = parse(text);
	expect_null(j, "deployment");
	expect_null(j, "workload");
	expect_str(j, "seed", "18446744073709551615");
	json_decref(j);
	free(text);
}

Test(report_json, names_that_are_not_utf8_are_cleaned)
{
	ReportMeta m = sample_meta();
	m.deployment = "d\xff" "x";
	m.workload = "w\"\\\n";
	SimResult r = sample_result();
	char *text = json_text(&m, &r, 1);
	json_t *j = parse(text);
	expect_str(j, "deployment", "d?x");
	expect_str(j, "workload", "w\"\\\n");
	json_decref(j);
	free(text);
}

Test(report_json, a_failed_write_returns_false)
{
	FILE *f = fopen("/dev/null", "r");   /* read-only: every write fails */
	cr_assert_not_null(f);
	ReportMeta m = sample_meta();
	SimResult r = sample_result();
	cr_expect_not(report_json(f, &m, &r, 1));
	fclose(f);
}

/* ----------------------------------------------------------------- CSV */

Test(report_csv, header_names_the_columns)
{
	Mem m;
	report_csv_header(mem_open(&m));
	char *text = mem_text(&m);
	cr_expect_str_eq(text, "id,worker,session,turn,arrival,prompt,output,cached,retractions,"
			       "queue,ttft,tpot,e2e,itl_max\n");
	free(text);
}

Test(report_csv, rows_print_seconds_with_17_digits)
{
	RequestRecord a = { .id = 42, .worker = 3, .session = 7, .turn = 2, .prompt = 1024,
			    .output = 128, .cached = 512, .retractions = 1, .arrival = 1.5,
			    .queue = 0.25, .ttft = 0.1, .tpot = 0.0125, .e2e = 2, .itl_max = 0.03 };
	RequestRecord b = a;
	b.id = 43;
	b.session = REQUEST_NO_SESSION;
	b.turn = 0;
	b.tpot = NAN;
	Mem m;
	FILE *f = mem_open(&m);
	report_csv_row(f, &a);
	report_csv_row(f, &b);
	char *text = mem_text(&m);
	cr_expect_str_eq(text,
		"42,3,7,2,1.5,1024,128,512,1,0.25,0.10000000000000001,0.012500000000000001,2,"
		"0.029999999999999999\n"
		"43,3,,0,1.5,1024,128,512,1,0.25,0.10000000000000001,,2,0.029999999999999999\n");
	free(text);
}

/* --------------------------------------------------------------- trace */

static char *tmp_path(void)
{
	char *path = strdup("/tmp/test_report_XXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	return path;
}

typedef struct Counts {
	int x, c, thread_names, process_names, other;
} Counts;

static Counts count_events(json_t *events)
{
	Counts n = { 0 };
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e) {
		const char *ph = json_string_value(json_object_get(e, "ph"));
		const char *name = json_string_value(json_object_get(e, "name"));
		cr_assert_not_null(ph);
		cr_assert_not_null(name);
		if (!strcmp(ph, "X")) n.x++;
		else if (!strcmp(ph, "C")) n.c++;
		else if (!strcmp(ph, "M") && !strcmp(name, "thread_name")) n.thread_names++;
		else if (!strcmp(ph, "M") && !strcmp(name, "process_name")) n.process_names++;
		else n.other++;
	}
	return n;
}

/* The thread_name metadata event for tid, or NULL. */
static const char *thread_name(json_t *events, long long tid)
{
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "name")), "thread_name")) continue;
		if (json_integer_value(json_object_get(e, "tid")) == tid)
			return json_string_value(json_object_get(json_object_get(e, "args"), "name"));
	}
	return NULL;
}

/* The i-th event with ph, or NULL. */
static json_t *nth_event(json_t *events, const char *ph, int k)
{
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e) {
		if (!strcmp(json_string_value(json_object_get(e, "ph")), ph) && k-- == 0) return e;
	}
	return NULL;
}

static json_t *load(const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	cr_assert_not_null(doc, "trace does not parse: %s (line %d)", err.text, err.line);
	return doc;
}

Test(report_trace, document_parses_with_one_slice_and_two_counters_per_step)
{
	char *path = tmp_path();
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	ReportMeta m = sample_meta();
	TraceWriter w;
	trace_writer_open(&w, f, &m, 2, 0);
	StepRecord steps[] = {
		{ .worker = 0, .start = 0.5, .end = 0.5125, .batch_size = 3, .prefill_reqs = 1,
		  .decode_reqs = 2, .waiting = 4, .prefill_tokens = 512, .decode_tokens = 2,
		  .kv_used = 1234 },
		{ .worker = 1, .start = 0.25, .end = 0.2625, .batch_size = 1, .prefill_reqs = 1,
		  .prefill_tokens = 100, .kv_used = 100 },
		{ .worker = 0, .start = 0.5125, .end = 0.52, .batch_size = 3, .decode_reqs = 3,
		  .decode_tokens = 3, .waiting = 0, .kv_used = 1237 },
	};
	for (size_t i = 0; i < N(steps); i++) trace_writer_step(&w, &steps[i]);
	cr_expect(trace_writer_close(&w));
	fclose(f);

	json_t *doc = load(path);
	expect_str(doc, "displayTimeUnit", "ms");
	json_t *ev = json_object_get(doc, "traceEvents");
	cr_assert(json_is_array(ev));
	Counts n = count_events(ev);
	cr_expect_eq(n.x, 3);
	cr_expect_eq(n.c, 6);
	cr_expect_eq(n.thread_names, 2);
	cr_expect_eq(n.process_names, 1);
	cr_expect_eq((long)json_array_size(ev), w.events);

	json_t *p = nth_event(ev, "M", 0);
	const char *pname = json_string_value(at(p, "args.name"));
	cr_assert_not_null(pname);
	cr_expect_not_null(strstr(pname, "simulate one with chat"), "%s", pname);

	/* worker i is thread i + 1 (Perfetto merges tid 0 into tid 1) */
	cr_expect_str_eq(thread_name(ev, 1), "worker 0");
	cr_expect_str_eq(thread_name(ev, 2), "worker 1");

	json_t *x0 = nth_event(ev, "X", 0), *x1 = nth_event(ev, "X", 1), *x2 = nth_event(ev, "X", 2);
	expect_str(x0, "name", "prefill+decode");
	expect_str(x1, "name", "prefill");
	expect_str(x2, "name", "decode");
	expect_int(x0, "tid", 1);
	expect_int(x1, "tid", 2);
	expect_real(x0, "ts", 500000.0);
	expect_real(x0, "dur", 12500.0);
	expect_real(x2, "ts", 512500.0);
	expect_real(x2, "dur", 7500.0);
	expect_int(x0, "args.batch_size", 3);
	expect_int(x0, "args.prefill_reqs", 1);
	expect_int(x0, "args.decode_reqs", 2);
	expect_int(x0, "args.prefill_tokens", 512);
	expect_int(x0, "args.decode_tokens", 2);

	json_t *c0 = nth_event(ev, "C", 0), *c1 = nth_event(ev, "C", 1);
	expect_str(c0, "name", "worker 0 waiting");
	expect_int(c0, "args.requests", 4);
	expect_real(c0, "ts", 500000.0);
	expect_str(c1, "name", "worker 0 KV");
	expect_int(c1, "args.tokens", 1234);
	json_decref(doc);
	remove(path);
	free(path);
}

Test(report_trace, disaggregated_workers_are_named_and_kv_transfers_are_async_slices)
{
	char *path = tmp_path();
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	ReportMeta m = sample_meta();
	TraceWriter w;
	trace_writer_open(&w, f, &m, 3, 2);   /* prefill 0, prefill 1, decode 0 */
	StepRecord st = {.worker = 2, .start = 1, .end = 1.01, .batch_size = 1, .decode_reqs = 1,
			 .decode_tokens = 1, .kv_used = 10};
	trace_writer_step(&w, &st);
	TransferRecord t = {.id = 7, .from = 1, .to = 2, .start = 0.5, .end = 0.75, .tokens = 1000,
			    .bytes = 1000 * 131072.0, .between_nodes = true};
	trace_writer_transfer(&w, &t);
	cr_expect(trace_writer_close(&w));
	fclose(f);

	json_t *doc = load(path);
	json_t *ev = json_object_get(doc, "traceEvents");
	cr_assert(json_is_array(ev));
	cr_expect_eq((long)json_array_size(ev), w.events);
	cr_expect_str_eq(thread_name(ev, 1), "prefill 0");
	cr_expect_str_eq(thread_name(ev, 2), "prefill 1");
	cr_expect_str_eq(thread_name(ev, 3), "decode 0");
	expect_str(nth_event(ev, "C", 0), "name", "decode 0 waiting");
	json_t *b = nth_event(ev, "b", 0), *e = nth_event(ev, "e", 0);
	cr_assert_not_null(b);
	cr_assert_not_null(e);
	expect_str(b, "name", "KV prefill 1 -> decode 0");
	expect_str(e, "name", "KV prefill 1 -> decode 0");
	expect_str(b, "cat", "kv_transfer");
	expect_int(b, "id", 7);
	expect_int(e, "id", 7);
	expect_int(b, "tid", 2);   /* on the sender's track */
	expect_real(b, "ts", 500000.0);
	expect_real(e, "ts", 750000.0);
	expect_int(b, "args.tokens", 1000);
	expect_int(b, "args.bytes", 131072000);
	cr_expect(json_is_true(at(b, "args.between_nodes")));
	json_decref(doc);
	remove(path);
	free(path);
}

Test(report_trace, a_document_without_steps_is_valid)
{
	char *path = tmp_path();
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	TraceWriter w;
	trace_writer_open(&w, f, NULL, 0, 0);
	cr_expect(trace_writer_close(&w));
	fclose(f);
	json_t *doc = load(path);
	Counts n = count_events(json_object_get(doc, "traceEvents"));
	cr_expect_eq(n.process_names, 1);
	cr_expect_eq(n.x + n.c + n.thread_names, 0);
	json_decref(doc);
	remove(path);
	free(path);
}

Test(report_trace, a_worker_not_announced_still_gets_a_named_thread)
{
	char *path = tmp_path();
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	ReportMeta m = sample_meta();
	m.deployment = "quote\"and\\slash";
	TraceWriter w;
	trace_writer_open(&w, f, &m, 1, 0);
	StepRecord s = { .worker = 2, .start = 1, .end = 2, .batch_size = 1, .decode_reqs = 1,
			 .decode_tokens = 1, .kv_used = NAN };
	trace_writer_step(&w, &s);
	trace_writer_step(&w, &s);
	cr_expect(trace_writer_close(&w));
	cr_expect_eq(w.workers, 3);
	fclose(f);
	json_t *doc = load(path);
	json_t *ev = json_object_get(doc, "traceEvents");
	Counts n = count_events(ev);
	cr_expect_eq(n.thread_names, 3);
	cr_expect_eq(n.x, 2);
	cr_expect_eq(n.c, 4);
	cr_expect_str_eq(thread_name(ev, 3), "worker 2");
	expect_null(nth_event(ev, "C", 1), "args.tokens");
	const char *pname = json_string_value(at(nth_event(ev, "M", 0), "args.name"));
	cr_expect_not_null(strstr(pname, "quote\"and\\slash"));
	json_decref(doc);
	remove(path);
	free(path);
}

Test(report_trace, close_reports_a_failed_write)
{
	FILE *f = fopen("/dev/null", "r");
	cr_assert_not_null(f);
	TraceWriter w;
	trace_writer_open(&w, f, NULL, 1, 0);
	StepRecord s = { .worker = 0, .start = 0, .end = 1, .batch_size = 1, .decode_reqs = 1 };
	trace_writer_step(&w, &s);
	cr_expect_not(trace_writer_close(&w));
	fclose(f);
}

/* --------------------------------------------------------------- table */

Test(report_table, shows_the_key_figures_within_80_columns)
{
	ReportMeta m = sample_meta();
	SimResult r = sample_result();
	char *text = table_text(&m, &r);
	char buf[256];
	expect_narrow(text);
	const char *head = "simulate one with chat  (llama31_8b on h100_sxm, seed 1)\n";
	cr_expect(!strncmp(text, head, strlen(head)), "%s", text);
	cr_assert(find_line(text, "requests", buf, sizeof buf), "%s", text);
	cr_expect_str_eq(buf, "requests     2000 arrived, 1990 completed, 7 retractions");
	cr_assert(find_line(text, "  TTFT", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "21 ms"), "%s", buf);
	cr_expect_not_null(strstr(buf, "25 ms"), "%s", buf);
	cr_assert(find_line(text, "  E2E", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "1510 ms"), "%s", buf);   /* below 10 s: ms */
	cr_expect_not_null(strstr(buf, "12.5 s"), "%s", buf);    /* above: s */
	cr_assert(find_line(text, "throughput", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "1244 tok/s output"), "%s", buf);
	cr_expect_not_null(strstr(buf, "6.19 req/s"), "%s", buf);
	cr_assert(find_line(text, "goodput", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "5.5 req/s"), "%s", buf);
	cr_expect_not_null(strstr(buf, "1768 of 1990"), "%s", buf);
	cr_assert(find_line(text, "cache", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "40%"), "%s", buf);
	cr_assert(find_line(text, "KV pool", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "peak 93%, mean 61%"), "%s", buf);
	cr_assert(find_line(text, "utilization", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "compute 35%, memory bw 72%, network 5%, busy 97%"), "%s",
			   buf);
	cr_assert(find_line(text, "cost", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "4.38 USD per million"), "%s", buf);
	cr_assert(find_line(text, "energy", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "3.12 J per output token"), "%s", buf);
	cr_expect(find_line(text, "partial: stopped at the horizon", buf, sizeof buf), "%s", text);
	cr_expect_not(find_line(text, "sensitivity", buf, sizeof buf), "%s", text);
	cr_expect(find_line(text, "warning", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "3 requests larger than the KV pool were rejected"), "%s", buf);
	cr_expect_null(strstr(text, "above capacity"), "%s", text);
	free(text);
}

Test(report_table, no_partial_line_when_the_run_finished)
{
	ReportMeta m = sample_meta();
	SimResult r = sample_result();
	r.partial = false;
	char *text = table_text(&m, &r);
	cr_expect_null(strstr(text, "partial"), "%s", text);
	free(text);
}

Test(report_table, missing_figures_print_a_dash)
{
	ReportMeta m = sample_meta();
	SimResult r = sample_result();
	r.tpot = (Summary){ 0, NAN, NAN, NAN, NAN, NAN };
	r.kv_overflow = true;
	char *text = table_text(&m, &r);
	char buf[256];
	cr_assert(find_line(text, "  TPOT", buf, sizeof buf), "%s", text);
	cr_expect_str_eq(buf, "  TPOT                 -          -          -          -          -");
	cr_expect(find_line(text, "warning:", buf, sizeof buf), "%s", text);
	cr_expect_null(strstr(text, "nan"), "%s", text);
	free(text);
}

Test(report_table, sensitivity_rows_when_given)
{
	ReportMeta m = sample_meta();
	m.sens = sample_sens;
	m.nsens = (int)N(sample_sens);
	SimResult r = sample_result();
	char *text = table_text(&m, &r);
	char buf[256];
	expect_narrow(text);
	cr_expect(find_line(text, "sensitivity", buf, sizeof buf), "%s", text);
	cr_assert(find_line(text, "  gpu.mem_bw [B/s]", buf, sizeof buf), "%s", text);
	cr_expect_not_null(strstr(buf, "3.35e+12"), "%s", buf);
	cr_expect_not_null(strstr(buf, "-1.5e-14"), "%s", buf);
	cr_expect_not_null(strstr(buf, "4.5e-10"), "%s", buf);
	free(text);
}

Test(report_table, long_names_and_huge_figures_stay_within_80_columns)
{
	char longname[200];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	Sensitivity sens[] = {
		{ longname, "B/s", 1e300, -1e-300, 1e300, -1e300, 1e300 },
		{ "a.somewhat_long_name", "FLOP/s", 1, 2, 3, 4, 5 },
	};
	ReportMeta m = { .deployment = "a_deployment_with_a_long_name",
			 .workload = "a_workload_with_a_long_name",
			 .model = "a_model_with_a_long_name", .gpu = longname,
			 .seed = UINT64_MAX, .sens = sens, .nsens = 2 };
	SimResult r = sample_result();
	r.arrived = r.completed = r.retractions = UINT64_MAX;
	r.events = r.iterations = r.slo_met = UINT64_MAX;
	r.workers = r.gpus = UINT32_MAX;
	r.throughput_input = r.throughput_output = r.throughput_total = -1.23456e300;
	r.request_throughput = r.goodput = r.cost = r.energy = -9.87654e-300;
	r.e2e = (Summary){ 1, -1e300, -1e300, -1e300, -1e300, -1e300 };
	r.queue = (Summary){ 1, -9.999, -9.999e-300, 9999.9, 999999.9, 1e7 };
	char *text = table_text(&m, &r);
	expect_narrow(text);
	cr_expect_not_null(strstr(text, "simulate a_deployment_with_a_long_name with "), "%s",
			   text);
	free(text);
}
