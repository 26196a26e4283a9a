/* limits.h -- the sizes a simulation takes (doc/limits.md), in one place
 * for the simulator (runtime/), the compiler's readers of records
 * (compiler/sim_source.c, sim_deploy.c) and the checker, which reports a
 * constant field beyond them at its value (lang/schema.def RANGE_UPTO).
 *
 * Requests are generated as they arrive and only those in flight are held,
 * so their number costs time (some 10^5 requests/s), not memory: past
 * SIM_MAX_REQUESTS a run would take hours.  A worker costs a few hundred
 * bytes; GPUs are numbered in 32 bits, so tp, dp, ep and GPUs per node are
 * at most 2^16 each; other counts (running requests, transfers, nodes,
 * turns) are 32-bit.  A request length beyond WORKLOAD_MAX_TOKENS (the
 * trace readers' limit too) would only make a request no KV pool holds, at
 * the cost of its block array; prefix groups cost a Zipf table entry each.
 */
#ifndef SGL_LIMITS_H
#define SGL_LIMITS_H

enum {
	SIM_MAX_REQUESTS = 1000000000,
	SIM_MAX_WORKERS = 1000000,
	SIM_MAX_GPUS = 1 << 16,
	SIM_MAX_COUNT = 1000000000
};

enum { WORKLOAD_MAX_TOKENS = 1 << 24, WORKLOAD_MAX_GROUPS = 10000000 };

#endif
