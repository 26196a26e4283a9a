/* sim_source.h -- the RequestSource of a `simulate` statement, from its
 * bound workload record (a synthetic workload or a trace).
 *
 * Ownership: a SimSource owns its Workload/Trace and any empirical samples
 * (sim_source_close).
 */
#ifndef SGL_SIM_SOURCE_H
#define SGL_SIM_SOURCE_H
#include "sim_int.h"
#include "runtime/trace.h"
#include "runtime/workload.h"

typedef struct SimSource {
	RequestSource rs;
	Workload *wl;       /* synthetic requests, or a trace's arrival times */
	Trace *tr;
	double *samples[2];
	uint64_t seed;
} SimSource;

/* Opens the source of r->ctx[REC_workload] with content blocks of `page`
 * tokens and random streams from `seed`; false after reporting. */
bool sim_source_open(SimSource *src, SimRead *r, uint32_t page, uint64_t seed);
void sim_source_close(SimSource *src);
#endif
