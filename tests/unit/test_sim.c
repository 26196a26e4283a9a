/* test_sim.c -- the simulator against queueing theory and conservation
 * laws: M/D/1 waiting time (Pollaczek-Khinchine), Little's law,
 * every request finishing once, token and KV accounting, chunked prefill,
 * retraction under KV pressure, prefix-cache reuse and determinism. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include "runtime/sim.h"
#include "runtime/stats.h"
#include "runtime/workload.h"
#include <stdlib.h>

/* A constant-time iteration that also sums the features it is given. */
typedef struct Meter {
	double step;            /* s per iteration */
	double per_token;       /* s per new token */
	double feat_sum[SIM_NFEAT];
	unsigned long calls;
} Meter;

static void meter_cost(void *ud, const double *feat, double *out)
{
	Meter *m = ud;
	for (int k = 0; k < SIM_NFEAT; k++) m->feat_sum[k] += feat[k];
	m->calls++;
	out[COST_TIME] = m->step + m->per_token * feat[FEAT_NEW_TOKENS];
	out[COST_FLOP] = 1e12 * out[COST_TIME];
	out[COST_BYTES] = 1e12 * out[COST_TIME];
	out[COST_NET_BYTES] = 0;
}

static int wl_next(void *ud, Request *out, char **err)
{
	(void)err;
	return workload_next(ud, out) ? 1 : 0;
}

static int wl_follow(void *ud, const Request *d, double t, Request *out, char **err)
{
	(void)err;
	return workload_follow_up(ud, d, t, out) ? 1 : 0;
}

static SimSpec spec_of(Meter *m, uint32_t replicas, uint32_t max_running, double kv_tokens)
{
	SimSpec sp = {0};
	sp.pool = (PoolSpec){.replicas = replicas, .gpus_per_worker = 1, .chunk_size = 8192,
			     .max_prefill_tokens = 16384, .max_running = max_running, .kv_tokens = kv_tokens,
			     .policy = SCHED_FCFS, .new_token_ratio = 0.7, .cost = meter_cost, .cost_ud = m};
	sp.cache = (CacheSpec){.policy = RADIX_LRU, .page = 16};
	sp.horizon = INFINITY;
	sp.slo_ttft = sp.slo_tpot = INFINITY;
	sp.peak_flops = sp.peak_bw = sp.peak_net = 1e15;
	sp.tdp = 700;
	sp.idle_power = 100;
	sp.gpu_cost_per_s = 1;
	return sp;
}

static WorkloadSpec poisson_of(double rate, uint64_t n, double prompt, double output)
{
	WorkloadSpec ws = {.seed = 7, .requests = n, .block = 16, .turns = 1};
	ws.arrival = (ArrivalSpec){.kind = ARR_POISSON, .rate = rate};
	ws.prompt = (DistSpec){.kind = DIST_CONSTANT, .a = prompt};
	ws.output = (DistSpec){.kind = DIST_CONSTANT, .a = output};
	return ws;
}

static SimResult run(const SimSpec *sp, const WorkloadSpec *ws)
{
	char *err = NULL;
	Workload *w = workload_new(ws, &err);
	cr_assert_not_null(w, "%s", err ? err : "");
	RequestSource src = {wl_next, wl_follow, w};
	SimResult r;
	bool ok = sim_run(sp, &src, &r, &err);
	cr_assert(ok, "%s", err ? err : "");
	workload_free(w);
	return r;
}

static void assert_conserved(const SimResult *r, uint64_t n)
{
	cr_expect_eq(r->arrived, n);
	cr_expect_eq(r->completed + r->rejected, n, "completed %lu + rejected %lu of %lu",
		     (unsigned long)r->completed, (unsigned long)r->rejected, (unsigned long)n);
	cr_expect_eq((double)r->generated, r->output_tokens, "generated %lu vs outputs %g",
		     (unsigned long)r->generated, r->output_tokens);
	cr_expect(!r->kv_overflow, "the KV pool went above capacity");
	cr_expect(r->kv_peak <= 1.0 + 1e-12);
	cr_expect(!r->partial);
	/* Little's law: L = lambda W, over the whole run */
	double lw = r->arrival_rate * r->e2e.mean;
	cr_expect(fabs(r->mean_in_system - lw) <= 0.02 * lw, "L %g vs lambda W %g", r->mean_in_system, lw);
}

Test(sim, md1_waiting_time_matches_pollaczek_khinchine)
{
	/* one server, one request at a time, one output token: each request is
	   one iteration of D = 0.1 s; Poisson at 7 req/s is rho = 0.7 */
	Meter m = {.step = 0.1};
	SimSpec sp = spec_of(&m, 1, 1, 1e6);
	WorkloadSpec ws = poisson_of(7, 200000, 64, 1);
	SimResult r = run(&sp, &ws);
	double rho = 0.7, D = 0.1, wq = rho * D / (2 * (1 - rho));
	cr_expect(fabs(r.queue.mean - wq) <= 0.03 * wq, "M/D/1 mean wait %g, simulated %g", wq, r.queue.mean);
	cr_expect(fabs(r.busy - rho) <= 0.01, "utilization %g", r.busy);
	cr_expect_eq(m.calls, 200000);
	assert_conserved(&r, 200000);
}

Test(sim, tokens_and_iterations_are_conserved)
{
	Meter m = {.step = 0.005, .per_token = 2e-6};
	SimSpec sp = spec_of(&m, 2, 64, 200000);
	sp.cache.policy = RADIX_NONE;
	WorkloadSpec ws = poisson_of(20, 3000, 0, 0);
	ws.prompt = (DistSpec){.kind = DIST_LOGNORMAL, .a = 800, .b = 0.7};
	ws.output = (DistSpec){.kind = DIST_UNIFORM, .a = 1, .b = 300};
	SimResult r = run(&sp, &ws);
	assert_conserved(&r, 3000);
	cr_expect_eq(r.retractions, 0);
	/* without a cache every prompt token is prefilled once, and every
	   output token but the first (made by the prefill) is one decode */
	cr_expect_eq(m.feat_sum[FEAT_PREFILL_TOKENS], r.prompt_tokens);
	cr_expect_eq(m.feat_sum[FEAT_DECODE_TOKENS], r.output_tokens - (double)r.completed);
	cr_expect_eq(m.calls, r.iterations);
	cr_expect_eq(r.cached_tokens, 0);
}

Test(sim, chunked_prefill_spans_iterations)
{
	Meter m = {.step = 0.01};
	SimSpec sp = spec_of(&m, 1, 8, 1e6);
	sp.pool.chunk_size = 2048;
	WorkloadSpec ws = poisson_of(1, 1, 10000, 3);
	SimResult r = run(&sp, &ws);
	/* ceil(10000 / 2048) = 5 prefill iterations, then two decodes */
	cr_expect_eq(r.iterations, 7);
	cr_expect(fabs(r.ttft.mean - 0.05) < 1e-9, "TTFT %g", r.ttft.mean);
	cr_expect(fabs(r.tpot.mean - 0.01) < 1e-9, "TPOT %g", r.tpot.mean);
	/* causal attention work of the chunks: sum of q * (q + ctx) */
	double aw = 0, ctx = 0;
	for (int c = 0; c < 5; c++) {
		double q = c < 4 ? 2048 : 10000 - 4 * 2048;
		aw += q * (q + ctx);
		ctx += q;
	}
	cr_expect_eq(m.feat_sum[FEAT_ATTN_WORK], aw);
}

Test(sim, kv_pressure_retracts_and_everything_finishes)
{
	/* a pool of 6000 tokens, requests of 500 + 1500 tokens: the decode
	   room estimate (ratio 0.7) overcommits, so decodes must retract */
	Meter m = {.step = 0.002};
	SimSpec sp = spec_of(&m, 1, 64, 6000);
	sp.pool.new_token_ratio = 0.1;
	WorkloadSpec ws = poisson_of(200, 400, 500, 1500);
	SimResult r = run(&sp, &ws);
	assert_conserved(&r, 400);
	cr_expect_gt(r.retractions, 0);
	cr_expect_eq(r.completed, 400);
}

Test(sim, a_request_larger_than_the_pool_is_rejected)
{
	Meter m = {.step = 0.01};
	SimSpec sp = spec_of(&m, 1, 8, 1000);
	WorkloadSpec ws = poisson_of(1, 10, 900, 200);
	SimResult r = run(&sp, &ws);
	cr_expect_eq(r.rejected, 10);
	cr_expect_eq(r.completed, 0);
}

Test(sim, shared_prefixes_hit_the_cache)
{
	Meter m = {.step = 0.01};
	SimSpec sp = spec_of(&m, 1, 16, 1e6);
	WorkloadSpec ws = poisson_of(2, 500, 1024, 8);
	ws.prefix_groups = 1;
	ws.prefix_length = 1024;
	ws.prefix_share = 1;
	SimResult r = run(&sp, &ws);
	/* identical prompts: all but the first reuse 1008 tokens (the last
	   page is recomputed: at least one token is always computed) */
	double want = 499.0 * 1008 / (500.0 * 1024);
	cr_expect(fabs(r.cache_hit_rate - want) < 1e-12, "hit rate %g, want %g", r.cache_hit_rate, want);
	sp.cache.policy = RADIX_NONE;
	SimResult none = run(&sp, &ws);
	cr_expect_eq(none.cache_hit_rate, 0);
	cr_expect_lt(r.ttft.mean, none.ttft.mean * 1.0001);
}

Test(sim, sessions_reuse_their_history)
{
	Meter m = {.step = 0.01};
	SimSpec sp = spec_of(&m, 1, 32, 1e6);
	WorkloadSpec ws = poisson_of(1, 400, 300, 50);
	ws.turns = 4;
	ws.think_time = 2;
	SimResult r = run(&sp, &ws);
	assert_conserved(&r, 400);
	/* turns 2-4 find the earlier turns (prompt + answer) cached */
	cr_expect_gt(r.cache_hit_rate, 0.5);
}

Test(sim, same_seed_same_result_bit_for_bit)
{
	Meter m1 = {.step = 0.004, .per_token = 1e-6}, m2 = m1;
	SimSpec a = spec_of(&m1, 3, 32, 50000), b = spec_of(&m2, 3, 32, 50000);
	a.router.policy = b.router.policy = RP_SHORTEST_QUEUE;
	WorkloadSpec ws = poisson_of(30, 2000, 0, 0);
	ws.prompt = (DistSpec){.kind = DIST_LOGNORMAL, .a = 600, .b = 0.9};
	ws.output = (DistSpec){.kind = DIST_LOGNORMAL, .a = 150, .b = 0.5};
	ws.prefix_groups = 8;
	ws.prefix_length = 256;
	ws.prefix_share = 0.6;
	ws.zipf_s = 1.1;
	SimResult r1 = run(&a, &ws), r2 = run(&b, &ws);
	cr_expect(memcmp(&r1, &r2, sizeof r1) == 0, "two runs of one seed differ");
	ws.seed = 8;
	SimResult r3 = run(&b, &ws);
	cr_expect(r3.ttft.mean != r1.ttft.mean);
}

Test(sim, horizon_stops_a_run_partially)
{
	Meter m = {.step = 0.05};
	SimSpec sp = spec_of(&m, 1, 4, 1e6);
	sp.horizon = 10;
	WorkloadSpec ws = poisson_of(50, 5000, 100, 100);
	SimResult r = run(&sp, &ws);
	cr_expect(r.partial);
	cr_expect_lt(r.completed, 5000);
	cr_expect(r.makespan <= 10);
}

/* d(time)/d(per_token) = new tokens: the sensitivity of the figures to the
 * per-token cost must match finite differences of two whole runs (the
 * schedule does not change for so small a step). */
static void meter_cost_sens(void *ud, const double *feat, double *out)
{
	meter_cost(ud, feat, out);
	out[SIM_NCOST] = feat[FEAT_NEW_TOKENS];
}

Test(sim, sensitivities_match_finite_differences)
{
	const double c = 3e-6, h = 1e-12;
	Meter m0 = {.step = 0.004, .per_token = c}, mp = {.step = 0.004, .per_token = c + h},
	      mm = {.step = 0.004, .per_token = c - h};
	SimSpec s0 = spec_of(&m0, 2, 32, 1e6), sp = spec_of(&mp, 2, 32, 1e6), sm = spec_of(&mm, 2, 32, 1e6);
	s0.pool.cost = meter_cost_sens;
	s0.pool.nsens = 1;
	WorkloadSpec ws = poisson_of(12, 1500, 0, 0);
	ws.prompt = (DistSpec){.kind = DIST_LOGNORMAL, .a = 700, .b = 0.6};
	ws.output = (DistSpec){.kind = DIST_UNIFORM, .a = 2, .b = 200};
	SimResult r0 = run(&s0, &ws), rp = run(&sp, &ws), rm = run(&sm, &ws);
	cr_assert_eq(rp.iterations, rm.iterations, "the schedule changed");
	struct { const char *what; double d, fd; } f[] = {
		{"ttft", r0.d_ttft_mean[0], (rp.ttft.mean - rm.ttft.mean) / (2 * h)},
		{"tpot", r0.d_tpot_mean[0], (rp.tpot.mean - rm.tpot.mean) / (2 * h)},
		{"makespan", r0.d_makespan[0], (rp.makespan - rm.makespan) / (2 * h)},
		{"throughput", r0.d_throughput[0], (rp.throughput_output - rm.throughput_output) / (2 * h)},
	};
	for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
		cr_expect(fabs(f[k].d - f[k].fd) <= 1e-3 * fabs(f[k].fd) && f[k].fd != 0,
			  "d %s: %g, finite differences %g", f[k].what, f[k].d, f[k].fd);
}

/* ---------------------------------------------------------------- P/D */

static SimSpec pd_spec(Meter *mp, Meter *md, uint32_t np, uint32_t nd, double kv_p, double kv_d)
{
	SimSpec sp = spec_of(mp, np, 64, kv_p);
	sp.pool.role = ROLE_PREFILL;
	sp.disaggregated = true;
	sp.decode = sp.pool;
	sp.decode.role = ROLE_DECODE;
	sp.decode.replicas = nd;
	sp.decode.kv_tokens = kv_d;
	sp.decode.cost_ud = md;
	sp.kv = (KvTransferSpec){.bytes_per_token = 1000, .max_inflight = 8, .exposed = 1,
				 .intra_bw = 1e8, .intra_latency = 0.001, .inter_bw = 1e7, .inter_latency = 0.002,
				 .intra_name = "nv", .inter_name = "ib"};
	return sp;
}

Test(sim_pd, two_equal_transfers_share_the_link)
{
	/* two identical prompts prefilled in one iteration leave together: each
	   transfer takes latency + 2 B / bw, twice one alone (+- latency) */
	Meter mp = {.step = 0.01}, md = {.step = 0.01};
	SimSpec sp = pd_spec(&mp, &md, 1, 1, 1e6, 1e6);
	sp.cache.policy = RADIX_NONE;
	WorkloadSpec two = {.seed = 1, .requests = 2, .block = 16, .turns = 1,
			    .arrival = {.kind = ARR_BURST, .at = 0, .count = 2},
			    .prompt = {.kind = DIST_CONSTANT, .a = 2000}, .output = {.kind = DIST_CONSTANT, .a = 4}};
	SimResult r2 = run(&sp, &two);
	two.requests = 1;
	two.arrival.count = 1;
	SimResult r1 = run(&sp, &two);
	double bytes = 2000 * 1000.0, bw = 1e8, lat = 0.001;
	cr_expect(fabs(r1.transfer_time.mean - (lat + bytes / bw)) < 1e-12, "alone %g", r1.transfer_time.mean);
	cr_expect(fabs(r2.transfer_time.mean - (lat + 2 * bytes / bw)) < 1e-12, "shared %g", r2.transfer_time.mean);
	/* TTFT ends when the KV lands: one prefill iteration plus the transfer */
	cr_expect(fabs(r1.ttft.mean - (0.01 + lat + bytes / bw)) < 1e-12, "TTFT %g", r1.ttft.mean);
	cr_expect_eq(r2.kv_bytes_sent, 2 * bytes);
	cr_expect_eq(r2.nlinks, 1);
	sim_result_free(&r1);
	sim_result_free(&r2);
}

typedef struct Tally {
	double uncached;        /* sum of prompt - cached */
	uint64_t n;
} Tally;

static void tally(void *ud, const RequestRecord *rec)
{
	Tally *t = ud;
	t->uncached += (double)rec->prompt - rec->cached;
	t->n++;
}

Test(sim_pd, transferred_bytes_are_the_uncached_prompts)
{
	Meter mp = {.step = 0.004, .per_token = 1e-6}, md = {.step = 0.006};
	SimSpec sp = pd_spec(&mp, &md, 2, 2, 2e5, 2e5);
	sp.node_of = (const uint32_t[]){0, 0, 1, 1};
	Tally t = {0};
	sp.obs = (SimObserver){.on_request = tally, .ud = &t};
	WorkloadSpec ws = poisson_of(15, 2000, 0, 0);
	ws.prompt = (DistSpec){.kind = DIST_LOGNORMAL, .a = 900, .b = 0.6};
	ws.output = (DistSpec){.kind = DIST_UNIFORM, .a = 1, .b = 150};
	ws.prefix_groups = 6;
	ws.prefix_length = 512;
	ws.prefix_share = 0.8;
	SimResult r = run(&sp, &ws);
	assert_conserved(&r, 2000);
	cr_expect_gt(r.cached_tokens, 0);
	cr_expect_eq(t.n, r.completed);
	cr_expect_eq(r.kv_bytes_sent, t.uncached * 1000, "sent %.17g, want %.17g", r.kv_bytes_sent, t.uncached * 1000);
	cr_expect_eq(r.transfers, r.completed);
	/* prefill on node 0, decode on node 1: every transfer crossed nodes */
	for (uint32_t k = 0; k < r.nlinks; k++) cr_expect(r.links[k].inter);
	sim_result_free(&r);
}

Test(sim_pd, decode_pressure_retracts_and_everything_finishes)
{
	Meter mp = {.step = 0.003, .per_token = 1e-6}, md = {.step = 0.002};
	SimSpec sp = pd_spec(&mp, &md, 2, 1, 1e5, 9000);
	sp.decode.new_token_ratio = 0.05;
	WorkloadSpec ws = poisson_of(80, 800, 600, 1500);
	SimResult r = run(&sp, &ws);
	assert_conserved(&r, 800);
	cr_expect_gt(r.retractions, 0);
	cr_expect_gt(r.transfer_wait.max, 0, "no request ever waited for decode room");
	sim_result_free(&r);
}

Test(sim_pd, same_seed_same_result)
{
	Meter mp = {.step = 0.004, .per_token = 1e-6}, md = {.step = 0.006};
	SimSpec a = pd_spec(&mp, &md, 2, 2, 2e5, 2e5);
	a.router.policy = RP_CACHE_AWARE;
	a.router.cache_threshold = 0.3;
	a.router.balance_abs = 64;
	a.router.balance_rel = 1.5;
	a.router.max_tree_tokens = 1e6;
	a.decode_route = RP_LEAST_KV;
	WorkloadSpec ws = poisson_of(15, 1500, 700, 100);
	ws.prefix_groups = 4;
	ws.prefix_length = 400;
	ws.prefix_share = 1;
	SimResult r1 = run(&a, &ws), r2 = run(&a, &ws);
	cr_expect_eq(r1.nlinks, r2.nlinks);
	cr_expect(memcmp(r1.links, r2.links, r1.nlinks * sizeof *r1.links) == 0);
	LinkStat *l1 = r1.links, *l2 = r2.links;
	r1.links = r2.links = NULL;
	cr_expect(memcmp(&r1, &r2, sizeof r1) == 0, "two runs of one seed differ");
	cr_expect_gt(r1.routed_by_cache, 0);
	free(l1);
	free(l2);
}

/* ---------------------------------------------------------------- DP attention */

Test(sim_dp, ranks_step_together_at_the_slowest_ranks_pace)
{
	/* one worker of 2 DP ranks; a long and a short prompt arrive together,
	   one on each rank (round robin).  The ranks step in lockstep, each
	   iteration costed as 2 ranks like the busiest: both first tokens come
	   after a + b * 2 * 4000, not the short one after a + b * 2 * 100 */
	Meter m = {.step = 0.002, .per_token = 1e-6};
	SimSpec sp = spec_of(&m, 1, 8, 1e6);
	sp.pool.dp = 2;
	sp.cache.policy = RADIX_NONE;
	sp.obs = (SimObserver){0};
	WorkloadSpec ws = {.seed = 1, .requests = 2, .block = 16, .turns = 1,
			   .arrival = {.kind = ARR_BURST, .at = 0, .count = 2},
			   .prompt = {.kind = DIST_UNIFORM, .a = 100, .b = 4000}, .output = {.kind = DIST_CONSTANT, .a = 1}};
	SimResult r = run(&sp, &ws);
	cr_expect_eq(r.iterations, 1);
	cr_expect_eq(r.workers, 1);
	cr_expect(r.ttft.max == r.ttft.p50, "the two first tokens differ: %g and %g", r.ttft.p50, r.ttft.max);
	/* the busiest rank's tokens, times dp, set the pace */
	cr_expect_gt(r.ttft.max, 0.002 + 1e-6 * 2 * 2000);
	/* the cost saw dp x the busiest rank's batch: features summed over calls */
	cr_expect_eq(m.calls, 2);
	sim_result_free(&r);
}

Test(sim_dp, dp_ranks_conserve_and_obey_little)
{
	Meter m = {.step = 0.004, .per_token = 1e-6};
	SimSpec sp = spec_of(&m, 2, 64, 40000);
	sp.pool.dp = 4;
	WorkloadSpec ws = poisson_of(30, 3000, 0, 0);
	ws.prompt = (DistSpec){.kind = DIST_LOGNORMAL, .a = 600, .b = 0.7};
	ws.output = (DistSpec){.kind = DIST_UNIFORM, .a = 1, .b = 400};
	SimResult r = run(&sp, &ws);
	assert_conserved(&r, 3000);
	cr_expect_eq(r.workers, 2);
	/* each rank holds a quarter of the pool */
	cr_expect_eq(r.kv_capacity, 10000);
	sim_result_free(&r);
}

/* Per-request figures past SAMPLES_EXACT_MAX fold into a histogram:
 * bounded memory, percentiles within the buckets' 0.12%, mean, max and
 * count exact; below the cap they stay exact sample values. */
static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

Test(stats, samples_fold_into_a_histogram_past_the_cap)
{
	size_t n = (size_t)SAMPLES_EXACT_MAX + 12345;
	double *all = malloc(n * sizeof *all), sum = 0;
	cr_assert(all);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	Samples s = {0}, small = {0};
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		all[i] = 1e-3 * exp((double)(x >> 11) / 9007199254740992.0 * 8);   /* 1 ms .. 3 s */
		sum += all[i];
		samples_add(&s, all[i]);
		if (i < 1000) samples_add(&small, all[i]);
	}
	cr_expect_null(s.v, "the exact values are freed once folded");
	Summary m = samples_summary(&s);
	qsort(all, n, sizeof *all, cmp_dbl);
	cr_expect_eq(m.n, n);
	cr_expect_eq(m.mean, sum / (double)n, "the mean is exact: %.17g vs %.17g", m.mean, sum / (double)n);
	cr_expect_eq(m.max, all[n - 1]);
	const double q[3] = {0.50, 0.90, 0.99}, got[3] = {m.p50, m.p90, m.p99};
	for (int k = 0; k < 3; k++) {
		double want = all[(size_t)ceil(q[k] * (double)n) - 1];
		cr_expect(got[k] >= want && got[k] <= want * 1.0012, "p%g: %.9g vs exact %.9g", 100 * q[k], got[k], want);
	}
	Summary e = samples_summary(&small);   /* below the cap: the 500th smallest itself */
	cr_expect(small.v != NULL && e.n == 1000);
	cr_expect_eq(e.p50, small.v[499]);
	samples_free(&s);
	samples_free(&small);
	free(all);
}
