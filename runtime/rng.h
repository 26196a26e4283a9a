/* rng.h -- seeded random streams of a simulation (GSL generators).
 *
 * Every random quantity of a run draws from its own stream (arrivals,
 * prompt lengths, output lengths, prefix choice, sessions, routing), each
 * a GSL Mersenne Twister seeded from the workload seed and the stream's
 * number through SplitMix64.  Streams never share state, so adding draws
 * to one (longer outputs, another router) does not shift the others, and
 * the same seed gives the same run bit for bit.
 *
 * Ownership: an Rng owns its gsl_rng (rng_free); a Zipf table owns its
 * cumulative weights (zipf_free).
 */
#ifndef SGL_RNG_H
#define SGL_RNG_H
#include <stddef.h>
#include <stdint.h>

typedef enum RngStream {
	RNG_ARRIVAL, RNG_PROMPT, RNG_OUTPUT, RNG_PREFIX, RNG_SESSION, RNG_ROUTER, RNG_STREAMS
} RngStream;

typedef struct Rng {
	void *r;           /* gsl_rng * */
} Rng;

/* The 32-bit seed of stream `stream` of workload seed `seed`. */
uint32_t rng_stream_seed(uint64_t seed, uint32_t stream);
void rng_init(Rng *g, uint64_t seed, uint32_t stream);
void rng_free(Rng *g);

double rng_uniform(Rng *g);                          /* in (0, 1) */
double rng_range(Rng *g, double lo, double hi);      /* uniform in (lo, hi) */
double rng_exponential(Rng *g, double mean);
/* A gamma gap with mean 1 / rate and coefficient of variation cv
 * (shape 1 / cv^2): cv = 1 is exponential, cv > 1 bursty. */
double rng_gamma_gap(Rng *g, double rate, double cv);
double rng_normal(Rng *g, double mean, double sd);
double rng_lognormal(Rng *g, double median, double sigma);

/* Zipf popularity over n items: P(i) proportional to 1 / i^s, i = 1..n. */
typedef struct Zipf {
	double *cdf;
	size_t n;
} Zipf;
void zipf_init(Zipf *z, size_t n, double s);
void zipf_free(Zipf *z);
/* An item index in 0..n-1 (0 the most popular). */
size_t zipf_sample(Rng *g, const Zipf *z);

#endif
