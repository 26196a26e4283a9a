/* workload.h -- synthetic request generators: arrival processes, length
 * distributions, shared-prefix groups and multi-turn sessions.
 *
 * A Workload yields requests in arrival order, one at a time
 * (workload_next), so a run of a million requests never holds them all.
 * Every random quantity draws from its own stream (rng.h): arrivals from
 * RNG_ARRIVAL, prompt lengths from RNG_PROMPT, output lengths from
 * RNG_OUTPUT, the prefix group from RNG_PREFIX, session lengths from
 * RNG_SESSION; the same spec gives the same requests bit for bit.
 *
 * Lengths are rounded to whole tokens (nearest) and limited to
 * 1 .. WORKLOAD_MAX_TOKENS after any clamp.  A shared prefix of
 * `prefix_length` tokens (truncated to the prompt) is group g's: its full
 * blocks carry ID_GROUP ids of (g, i); every other prompt block is
 * ID_UNIQUE of (request id, i).
 *
 * Sessions.  With turns > 1 the arrival process starts sessions; `requests`
 * still counts requests (turns), so ceil(requests / turns) sessions start
 * and the last may be cut short.  Turn k+1 arrives think_time after turn k
 * finishes (the simulator calls workload_follow_up); its prompt is turn k's
 * prompt and answer (the same content ids: request_seq_block) followed by a
 * new message whose length is drawn from the prompt distribution.
 *
 * Ownership: a Workload owns its streams and tables (workload_free); the
 * requests it returns own their block arrays (request_free).
 */
#ifndef SGL_WORKLOAD_H
#define SGL_WORKLOAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "limits.h"
#include "request.h"

/* Sizes a Workload accepts: limits.h.  A constant, median, mean or lower
 * bound beyond WORKLOAD_MAX_TOKENS is an error, a larger draw is cut to
 * it. */

typedef enum DistKind { DIST_CONSTANT, DIST_UNIFORM, DIST_NORMAL, DIST_LOGNORMAL, DIST_EMPIRICAL } DistKind;

/* A length distribution in tokens. */
typedef struct DistSpec {
	DistKind kind;
	double a, b;        /* constant: a; uniform: lo a, hi b; normal: mean a, sd b;
			       lognormal: median a, sigma b */
	double *samples;    /* empirical: the values (owned by the caller) */
	size_t nsamples;
	bool clamped;       /* clamp(dist, lo, hi) */
	double lo, hi;
} DistSpec;

typedef enum ArrivalKind { ARR_POISSON, ARR_GAMMA, ARR_CONSTANT, ARR_BURST } ArrivalKind;

typedef struct ArrivalSpec {
	ArrivalKind kind;
	double rate;        /* req/s (poisson, gamma, constant) */
	double cv;          /* gamma */
	double at;          /* burst: time of the burst, s */
	uint64_t count;     /* burst: requests in it */
} ArrivalSpec;

typedef struct WorkloadSpec {
	uint64_t seed;
	uint64_t requests;      /* 0: generate until `duration` */
	double duration;        /* s; 0: no limit (then requests > 0) */
	ArrivalSpec arrival;
	DistSpec prompt, output;
	uint32_t block;         /* tokens per content block (the cache page) */
	/* prefix sharing: groups 0 disables it */
	uint32_t prefix_groups;
	double prefix_length;   /* tokens */
	double prefix_share;    /* probability a request starts with a group prefix */
	double zipf_s;          /* group popularity exponent; 0: uniform */
	/* sessions */
	uint32_t turns;         /* >= 1 */
	double think_time;      /* s */
} WorkloadSpec;

typedef struct Workload Workload;

/* Checks the spec; NULL with *err (a heap string) when it is unusable. */
Workload *workload_new(const WorkloadSpec *spec, char **err);
void workload_free(Workload *w);
/* The next request that arrives on its own (a first turn), in arrival
 * order; false when the workload is exhausted.  Burst arrivals share one
 * time; a `duration` stops before the first arrival past it. */
bool workload_next(Workload *w, Request *out);
/* The next turn of `done`'s session, arriving think_time after `finish`;
 * false when `done` was its session's last turn (or no sessions). */
bool workload_follow_up(Workload *w, const Request *done, double finish, Request *out);
/* Loads an empirical distribution: column `column` of the CSV file `path`.
 * On failure returns false with *err = "PATH:LINE: error: ..." (heap). */
bool workload_load_empirical(DistSpec *d, const char *path, const char *column, char **err);
#endif
