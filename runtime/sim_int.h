/* sim_int.h -- what sim.c (the event loop) and pd.c (prefill/decode
 * disaggregation: handoffs, transfer queues, links) share.
 *
 * Ranks are one array of Worker schedulers; a worker of the deployment is
 * a group of dp consecutive ranks that step together (dp = 1 without DP
 * attention).  Groups [0, gpre) take arrivals (colocated or prefill),
 * [gpre, ng) are decode workers.
 * Events, step records, routing and links work on groups; requests and KV
 * live on ranks.  Links: two per prefill group (inside its node, between
 * nodes), made on first use.
 */
#ifndef SGL_SIM_INT_H
#define SGL_SIM_INT_H
#include "events.h"
#include "link.h"
#include "router.h"
#include "sim.h"
#include "stats.h"
#include "worker.h"

enum { FROM_SOURCE = 0, FOLLOW_UP = 1 };

typedef struct Sim {
	const SimSpec *spec;
	RequestSource *src;
	EventQueue q;
	Worker *w;
	uint32_t nw;
	SimReq *reqs;
	uint32_t nreqs, capreqs;
	uint32_t *freel;
	uint32_t nfree, capfree;
	uint32_t *done;          /* slots finished in the current step */
	uint32_t ndone, capdone;
	Request next;
	bool have_next;
	char *err;
	Samples queue, ttft, tpot, e2e;
	Hist itl;
	uint64_t in_system;
	double area, area_t;     /* integral of requests in system, up to area_t */
	StepRecord *steprec;
	double flop, bytes, net, dyn_energy, busy;
	SimResult *res;
	uint32_t nsens;
	double *dend;            /* per worker x nsens: d(end of its current step)/dq */
	double dsum_ttft[SIM_MAX_SENS], dsum_tpot[SIM_MAX_SENS], dmakespan[SIM_MAX_SENS];
	/* DP-attention groups */
	uint32_t ng, gpre;
	uint32_t *gfirst, *gdp;   /* per group: first rank, ranks */
	uint32_t *group_of;       /* per rank */
	uint32_t *grr;            /* per group: round-robin cursor over its ranks */
	bool *gbusy;
	PoolSpec rank_pool[2];    /* the pools divided per rank: arrivals, decode */
	/* groups that got requests at the current instant */
	bool *woken;
	uint32_t *wlist;
	uint32_t nwoken, capwoken;
	/* routing */
	Router *router;
	double *load_tokens, *load_kv;
	uint32_t *load_reqs;
	/* disaggregation (pd.c) */
	CacheSpec dcache;         /* decode workers' cache: none */
	uint32_t **xq;            /* per decode worker: requests waiting to transfer */
	uint32_t *nxq, *capxq, *inflight;
	Link **links;             /* per prefill worker: [2 * w] intra, [2 * w + 1] inter */
	uint64_t *link_ver;
	Samples xfer_time, xfer_wait;
	uint32_t decode_rr;
} Sim;


void sim_push_u32(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v);
void sim_fail(Sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Starts group g's next iteration at `now` if it is idle and a rank has
 * work; `chained`: it follows the group's previous iteration. */
void sim_start_step(Sim *s, uint32_t g, double now, bool chained);
/* A token of request i at `now` (the WorkerSink token callback). */
void sim_on_token(void *ud, uint32_t i, double now);
/* Request i finished at `now`: figures, session follow-up, slot freed. */
void sim_complete(Sim *s, uint32_t i, double now);

/* pd.c */
void pd_init(Sim *s);
void pd_free(Sim *s);
/* A prefill worker's request finished its prefill (WorkerSink handoff). */
void pd_handoff(void *ud, uint32_t i, double now);
/* The EV_TRANSFER_DONE event of link `li`, stamped `ver`. */
void pd_link_event(Sim *s, uint32_t li, uint64_t ver, double now);
/* Decode group g may have room again: start what its queue allows. */
void pd_pump(Sim *s, uint32_t g, double now);
/* Transfer and link figures into r. */
void pd_summarise(Sim *s, SimResult *r, double T);
#endif
