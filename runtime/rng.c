/* rng.c -- seeded GSL random streams (rng.h). */
#include "config.h"
#include "rng.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

/* SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): a bijective mix that
 * spreads nearby (seed, stream) pairs over the whole seed space. */
static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

uint32_t rng_stream_seed(uint64_t seed, uint32_t stream)
{
	uint64_t x = splitmix64(splitmix64(seed) ^ ((uint64_t)stream * 0xD1B54A32D192ED03ULL));
	uint32_t s = (uint32_t)(x ^ (x >> 32));
	return s ? s : 1;   /* GSL's MT19937 maps seed 0 to its default seed */
}

void rng_init(Rng *g, uint64_t seed, uint32_t stream)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!r) abort();
	gsl_rng_set(r, rng_stream_seed(seed, stream));
	g->r = r;
}

void rng_free(Rng *g)
{
	if (g->r) gsl_rng_free(g->r);
	g->r = NULL;
}

double rng_uniform(Rng *g) { return gsl_rng_uniform_pos(g->r); }
double rng_range(Rng *g, double lo, double hi) { return lo + (hi - lo) * gsl_rng_uniform_pos(g->r); }
double rng_exponential(Rng *g, double mean) { return gsl_ran_exponential(g->r, mean); }

double rng_gamma_gap(Rng *g, double rate, double cv)
{
	double shape = 1 / (cv * cv);
	return gsl_ran_gamma(g->r, shape, 1 / (rate * shape));
}

double rng_normal(Rng *g, double mean, double sd) { return mean + gsl_ran_gaussian(g->r, sd); }
double rng_lognormal(Rng *g, double median, double sigma) { return gsl_ran_lognormal(g->r, log(median), sigma); }

void zipf_init(Zipf *z, size_t n, double s)
{
	z->n = n ? n : 1;
	z->cdf = malloc(z->n * sizeof *z->cdf);
	if (!z->cdf) abort();
	double sum = 0;
	for (size_t i = 0; i < z->n; i++) z->cdf[i] = sum += pow((double)(i + 1), -s);
	for (size_t i = 0; i < z->n; i++) z->cdf[i] /= sum;
	z->cdf[z->n - 1] = 1;
}

void zipf_free(Zipf *z)
{
	free(z->cdf);
	z->cdf = NULL;
	z->n = 0;
}

size_t zipf_sample(Rng *g, const Zipf *z)
{
	double u = gsl_rng_uniform(g->r);
	size_t lo = 0, hi = z->n - 1;   /* the first i with cdf[i] > u */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->cdf[mid] > u) hi = mid;
		else lo = mid + 1;
	}
	return lo;
}
