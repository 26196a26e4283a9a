/* sim.h -- the event-driven simulation of an SGLang deployment, colocated
 * or with prefill/decode disaggregation.
 *
 * A run: requests come from a RequestSource (a synthetic Workload or a
 * Trace), a router sends each to one of `replicas` workers (a TP group
 * each), and every worker runs SGLang's scheduler loop (worker.c): admit
 * waiting requests in policy order under the chunk, prefill-token,
 * running-request and KV-pool budgets, run one iteration whose duration is
 * the compiled step-cost function at the batch's features, retract the
 * youngest requests when decode runs out of KV room.  The runtime knows no
 * formulas: the compiler hands it `cost`, a function pointer.
 *
 * Disaggregated (pd.c): prefill workers only prefill; a finished prefill
 * waits in the transfer queue of a decode worker (chosen by the decode
 * policy) until that worker reserves KV room for it and has fewer than
 * max_inflight transfers running, then its KV crosses a shared link
 * (link.h) while the prefill worker still holds it; when it lands, the
 * first token is delivered (TTFT ends there, as SGLang reports it) and
 * the request decodes on the decode worker.
 *
 * Time is in seconds, sizes in tokens, throughout.
 *
 * Ownership: sim_run fills a SimResult the caller owns (sim_result_free
 * releases its arrays).
 */
#ifndef SGL_SIM_H
#define SGL_SIM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "limits.h"
#include "radix.h"
#include "request.h"
#include "router.h"

/* Features of one iteration, in the order of the `batch` record fields. */
enum {
	FEAT_NEW_TOKENS, FEAT_PREFILL_TOKENS, FEAT_DECODE_TOKENS, FEAT_BATCH_SIZE,
	FEAT_ATTN_WORK, FEAT_KV_TOKENS, FEAT_PREFILL_SQ, SIM_NFEAT
};
/* What the cost function returns for an iteration, per GPU. */
enum { COST_TIME, COST_FLOP, COST_BYTES, COST_NET_BYTES, SIM_NCOST };

/* Computes out[SIM_NCOST] (s, FLOP, B, B) from feat[SIM_NFEAT], then, for
 * a run with sensitivities, out[SIM_NCOST + k] = d(iteration time)/d(q_k)
 * for k < nsens. */
typedef void (*StepCostFn)(void *ud, const double *feat, double *out);

typedef enum SchedPolicy { SCHED_FCFS, SCHED_LPM, SCHED_PRIORITY } SchedPolicy;
typedef enum WorkerRole { ROLE_COLOCATED, ROLE_PREFILL, ROLE_DECODE } WorkerRole;

typedef struct PoolSpec {
	uint32_t replicas;          /* workers */
	uint32_t gpus_per_worker;   /* tp * dp */
	double chunk_size;          /* tokens of prefill per iteration */
	double max_prefill_tokens;  /* new prefill tokens admitted per iteration */
	uint32_t max_running;
	double kv_tokens;           /* KV pool size per worker, tokens */
	SchedPolicy policy;
	double new_token_ratio;     /* decode-room reservation (SGLang init_new_token_ratio) */
	StepCostFn cost;
	void *cost_ud;
	uint32_t nsens;             /* quantities the cost is differentiated by (<= SIM_MAX_SENS) */
	WorkerRole role;
	uint32_t dp;                /* DP-attention ranks per worker (0 or 1: none).  Each rank
				       schedules its own requests with kv_tokens / dp of KV,
				       max_running / dp running and chunk_size / dp per
				       iteration (SGLang divides them so); the ranks step
				       together, each iteration as long as the slowest rank's,
				       costed as dp ranks like it */
} PoolSpec;

/* KV transfers of a disaggregated deployment.  A transfer between two
 * workers moves over every GPU of the smaller group at once (each GPU
 * sends its shard over its own link), so its bandwidth is the link's
 * times min(gpus of the two workers); transfers out of one prefill worker
 * over one kind of link share it. */
typedef struct KvTransferSpec {
	double bytes_per_token;     /* model.kv_bytes_per_token */
	uint32_t max_inflight;      /* per decode worker */
	double exposed;             /* share of a transfer's bytes sent after the
				       prefill ends: 1, or 1 / layers when the KV
				       goes layer by layer during the prefill */
	bool send_cached;           /* also send the KV of the cached prefix */
	double intra_bw, intra_latency;   /* a link inside a node, per GPU */
	double inter_bw, inter_latency;   /* between nodes, per GPU */
	const char *intra_name, *inter_name;
} KvTransferSpec;

enum { SIM_MAX_SENS = 8 };

typedef struct CacheSpec {
	RadixPolicy policy;
	uint32_t page;              /* tokens per page */
	bool unlimited;             /* capacity not bounded by the KV pool */
	double capacity;            /* tokens; 0: the KV pool */
} CacheSpec;

/* Where requests come from: next() in arrival order; follow_up() the next
 * turn of a finished request's session (may be NULL).  Both return 1 (got
 * one), 0 (none) or -1 (error, *err set, heap). */
typedef struct RequestSource {
	int (*next)(void *ud, Request *out, char **err);
	int (*follow_up)(void *ud, const Request *done, double finish, Request *out, char **err);
	void *ud;
} RequestSource;

/* One finished request, for --csv (streamed, not kept). */
typedef struct RequestRecord {
	uint64_t id;
	uint32_t worker, session, turn;
	uint32_t prompt, output, cached, retractions;
	double arrival, queue, ttft, tpot, e2e, itl_max;
} RequestRecord;

/* One iteration of one worker, for --trace. */
typedef struct StepRecord {
	uint32_t worker;
	double start, end;
	uint32_t batch_size, prefill_reqs, decode_reqs, waiting;
	double prefill_tokens, decode_tokens, kv_used;   /* kv_used: tokens */
} StepRecord;

/* A KV transfer of a disaggregated run, from prefill worker `from` to
 * decode worker `to` (workers numbered as in StepRecord). */
typedef struct TransferRecord {
	uint64_t id;                /* the request's */
	uint32_t from, to;
	double start, end;          /* s: on the link (after any wait for room) */
	double tokens, bytes;
	bool between_nodes;
} TransferRecord;

typedef struct SimObserver {
	void (*on_request)(void *ud, const RequestRecord *r);
	void (*on_step)(void *ud, const StepRecord *s);
	void *ud;
	void (*on_transfer)(void *ud, const TransferRecord *t);   /* may be NULL */
} SimObserver;

typedef struct SimSpec {
	PoolSpec pool;              /* colocated workers, or the prefill pool */
	CacheSpec cache;
	RouterSpec router;          /* requests to `pool` */
	bool disaggregated;
	PoolSpec decode;            /* disaggregated: the decode pool */
	RoutePolicyKind decode_route;
	KvTransferSpec kv;
	const uint32_t *node_of;    /* node of each worker (prefill then decode);
				       NULL: every worker on node 0 */
	double horizon;             /* s; INFINITY for none */
	double slo_ttft, slo_tpot;  /* s; INFINITY when not given */
	/* prices and powers (per GPU), peaks (per GPU) for utilization */
	double gpu_cost_per_s;      /* USD/s */
	double tdp, idle_power;     /* W */
	double peak_flops, peak_bw, peak_net;   /* FLOP/s, B/s, B/s */
	uint64_t seed;              /* for the router's random stream */
	SimObserver obs;
} SimSpec;

/* One link that carried KV transfers. */
typedef struct LinkStat {
	uint32_t worker;            /* the prefill worker sending over it */
	bool inter;                 /* between nodes (else inside one) */
	const char *kind;           /* the link's name, e.g. "ib_ndr" */
	double bw;                  /* B/s, aggregated over the GPUs */
	double bytes, busy;         /* B carried, s with a transfer moving */
	double utilization;         /* bytes / (bw x makespan) */
} LinkStat;

/* Summary of one time figure over requests (s). */
typedef struct Summary {
	uint64_t n;
	double mean, p50, p90, p99, max;
} Summary;

typedef struct SimResult {
	bool partial;               /* stopped at the horizon (or interrupted) with requests unfinished */
	bool interrupted;           /* stopped by Ctrl-C (interrupt.h) */
	uint64_t arrived, completed, retractions, events, iterations;
	uint64_t rejected;          /* prompt + output larger than a worker's KV pool:
				       dropped, as SGLang aborts them; not in the figures */
	uint32_t workers, gpus;
	double makespan;            /* s: from 0 to the last completion */
	Summary queue, ttft, tpot, itl, e2e;
	double prompt_tokens, cached_tokens, output_tokens;
	double throughput_input, throughput_output, throughput_total;  /* tok/s */
	double request_throughput, goodput;                            /* req/s */
	uint64_t slo_met;
	double cache_hit_rate;      /* cached prompt tokens / prompt tokens */
	double prompt_blocks, cached_blocks;  /* in the requests' own content blocks */
	double block_hit_rate;      /* cached / referenced prompt blocks (a trace's
				       reuse bound is stated in its blocks) */
	double kv_capacity;         /* tokens per worker */
	double kv_peak, kv_mean;    /* fraction of the pool, peak over workers, time-mean */
	double mean_in_system;      /* time-average requests in the system (Little's L) */
	double arrival_rate;        /* arrived / time of the last arrival */
	double compute_util, bw_util, net_util;
	double busy;                /* mean share of time the workers were stepping */
	double gpu_seconds, cost, cost_per_mtok;   /* USD per million output tokens */
	double energy, energy_per_token;           /* J, J per output token */
	uint64_t generated;         /* tokens generated (= sum of outputs when complete) */
	bool kv_overflow;           /* KV pool ever above capacity (a bug if true) */
	/* Sensitivities: derivatives by each quantity q_k of the cost, along
	 * the simulated schedule held fixed (same batches in the same order;
	 * a step that follows another on its worker moves with it, a step
	 * started by an arrival at an idle worker does not). */
	uint32_t nsens;
	double d_ttft_mean[SIM_MAX_SENS], d_tpot_mean[SIM_MAX_SENS];
	double d_makespan[SIM_MAX_SENS], d_throughput[SIM_MAX_SENS];   /* throughput: output tok/s */
	/* disaggregated runs */
	uint32_t prefill_workers, decode_workers;
	uint64_t transfers;
	double kv_tokens_sent, kv_bytes_sent;
	Summary transfer_time;      /* start of the transfer to its end, s */
	Summary transfer_wait;      /* end of prefill to the start of the transfer, s */
	uint32_t nlinks;
	LinkStat *links;            /* nlinks, owned (sim_result_free) */
	/* the request router (cache_aware: picks by rule) */
	uint64_t routed_by_balance, routed_by_cache, routed_by_load;
} SimResult;

void sim_result_free(SimResult *r);

/* Runs the simulation; false with *err (heap) on a source error or a
 * request that can never fit the pool. */
bool sim_run(const SimSpec *spec, RequestSource *src, SimResult *out, char **err);
#endif
