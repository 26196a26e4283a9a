/* stats.h -- summaries of simulated figures: exact samples and a
 * log-bucketed histogram.
 *
 * Per-request figures (queue, TTFT, TPOT, e2e) are kept exactly, one
 * double each, and summarised by sorting: percentiles are the
 * nearest-rank values (p-th percentile = the ceil(p/100 * n)-th smallest),
 * so they are sample values, reproducible and independent of order of
 * insertion.  Memory stays bounded: past SAMPLES_EXACT_MAX values a
 * Samples folds them into a histogram as below (percentiles within 0.12%,
 * mean and max still exact), so a run of 10^7 requests needs no more
 * memory for its figures than one of 10^6.  Inter-token gaps are too many to keep (one per generated
 * token), so they go into a histogram of log-spaced buckets, HIST_PER_DECADE
 * per decade from 1 ns to 10^5 s: a percentile is the upper edge of its
 * bucket, within 0.12% of the exact value; mean and max stay exact.
 *
 * Ownership: a Samples or Hist owns its array (samples_free, hist_free).
 */
#ifndef SGL_STATS_H
#define SGL_STATS_H
#include <stddef.h>
#include <stdint.h>
#include "sim.h"

enum { HIST_PER_DECADE = 2000, HIST_DECADES = 14 };
typedef struct Hist {
	uint64_t *count;        /* HIST_PER_DECADE * HIST_DECADES + 2 buckets */
	uint64_t n;
	double sum, max;
	double *edge;           /* edge[b]: upper edge of bucket b + 1 (b < buckets - 2) */
	size_t last;            /* the bucket last hit: checked first */
} Hist;

enum { SAMPLES_EXACT_MAX = 1 << 20 };
typedef struct Samples {
	double *v;
	size_t n, cap;
	double sum, max;
	Hist folded;            /* past SAMPLES_EXACT_MAX: every value, v freed */
} Samples;

void samples_add(Samples *s, double x);
/* Sorts the samples in place and summarises them; n 0 gives NaNs. */
Summary samples_summary(Samples *s);
void samples_free(Samples *s);

void hist_add(Hist *h, double x);
Summary hist_summary(const Hist *h);
void hist_free(Hist *h);
#endif
