/* stats.c -- exact-sample and histogram summaries (see stats.h). */
#include "stats.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap) return p;
	size_t c = *cap ? *cap : 1024;
	while (c < need) c *= 2;
	void *q = realloc(p, c * elem);
	if (!q) abort();
	*cap = c;
	return q;
}

void samples_add(Samples *s, double x)
{
	if (s->folded.n) {
		hist_add(&s->folded, x);
		return;
	}
	if (s->n == SAMPLES_EXACT_MAX) {   /* bounded memory from here on */
		for (size_t i = 0; i < s->n; i++) hist_add(&s->folded, s->v[i]);
		free(s->v);
		s->v = NULL;
		s->n = s->cap = 0;
		hist_add(&s->folded, x);
		return;
	}
	s->v = grow(s->v, &s->cap, s->n + 1, sizeof *s->v);
	s->v[s->n++] = x;
	s->sum += x;
	if (s->n == 1 || x > s->max) s->max = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest rank: the ceil(q * n)-th smallest (1-based), at least the first. */
static size_t rank(double q, size_t n)
{
	double r = ceil(q * (double)n);
	return r < 1 ? 0 : (size_t)r - 1;
}

Summary samples_summary(Samples *s)
{
	if (s->folded.n) return hist_summary(&s->folded);
	Summary m = {.n = s->n, .mean = NAN, .p50 = NAN, .p90 = NAN, .p99 = NAN, .max = NAN};
	if (!s->n) return m;
	qsort(s->v, s->n, sizeof *s->v, cmp_double);
	m.mean = s->sum / (double)s->n;
	m.p50 = s->v[rank(0.50, s->n)];
	m.p90 = s->v[rank(0.90, s->n)];
	m.p99 = s->v[rank(0.99, s->n)];
	m.max = s->v[s->n - 1];
	return m;
}

void samples_free(Samples *s)
{
	free(s->v);
	hist_free(&s->folded);
	memset(s, 0, sizeof *s);
}

enum { HIST_BUCKETS = HIST_PER_DECADE * HIST_DECADES + 2, HIST_EDGES = HIST_BUCKETS - 1 };
static const double hist_lo = 1e-9;   /* s: the first bucket's lower edge */

/* edge[k] = hist_lo x 10^(k / HIST_PER_DECADE): bucket 0 holds x < edge[0],
 * bucket b holds edge[b - 1] <= x < edge[b], the last x >= edge[EDGES - 1]. */
static void hist_init(Hist *h)
{
	h->count = calloc(HIST_BUCKETS, sizeof *h->count);
	h->edge = malloc(HIST_EDGES * sizeof *h->edge);
	if (!h->count || !h->edge) abort();
	for (size_t k = 0; k < HIST_EDGES; k++) h->edge[k] = hist_lo * pow(10.0, (double)k / HIST_PER_DECADE);
}

static bool in_bucket(const Hist *h, size_t b, double x)
{
	bool above = b == 0 || x >= h->edge[b - 1];
	bool below = b == HIST_BUCKETS - 1 || x < h->edge[b];
	return above && below;
}

static size_t bucket(const Hist *h, double x)
{
	if (in_bucket(h, h->last, x)) return h->last;
	if (!(x >= h->edge[0])) return 0;   /* NaN too */
	size_t lo = 0, hi = HIST_EDGES;     /* the first edge > x */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->edge[mid] > x) hi = mid; else lo = mid + 1;
	}
	return lo;
}

void hist_add(Hist *h, double x)
{
	if (!h->count) hist_init(h);
	size_t b = bucket(h, x);
	h->last = b;
	h->count[b]++;
	h->sum += x;
	if (h->n++ == 0 || x > h->max) h->max = x;
}

Summary hist_summary(const Hist *h)
{
	Summary m = {.n = h->n, .mean = NAN, .p50 = NAN, .p90 = NAN, .p99 = NAN, .max = NAN};
	if (!h->n) return m;
	m.mean = h->sum / (double)h->n;
	m.max = h->max;
	const double qs[3] = {0.50, 0.90, 0.99};
	double *outs[3] = {&m.p50, &m.p90, &m.p99};
	uint64_t seen = 0;
	size_t b = 0;
	for (int k = 0; k < 3; k++) {
		uint64_t want = (uint64_t)rank(qs[k], (size_t)h->n) + 1;
		while (seen + h->count[b] < want) seen += h->count[b++];
		double edge = b < HIST_EDGES ? h->edge[b] : h->max;
		*outs[k] = fmin(edge, h->max);
	}
	return m;
}

void hist_free(Hist *h)
{
	free(h->count);
	free(h->edge);
	memset(h, 0, sizeof *h);
}
