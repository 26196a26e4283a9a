/* test_runtime.c -- the simulator's event engine (runtime/events.c) and
 * random streams (runtime/rng.c). */
#include "config.h"
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/events.h"
#include "runtime/rng.h"

TestSuite(events);
TestSuite(rng);

Test(events, pops_in_time_order_and_pushes_break_ties)
{
	EventQueue q;
	evq_init(&q);
	evq_push(&q, 2.0, EV_ARRIVAL, 0, 20);
	evq_push(&q, 1.0, EV_ARRIVAL, 0, 10);
	evq_push(&q, 2.0, EV_STEP_DONE, 1, 21);
	evq_push(&q, 1.0, EV_WAKE, 2, 11);
	evq_push(&q, 0.5, EV_SAMPLE, 0, 5);
	uint64_t want[] = {5, 10, 11, 20, 21};
	Event e;
	for (int i = 0; i < 5; i++) {
		cr_assert(evq_pop(&q, &e));
		cr_assert_eq(e.data, want[i], "pop %d gave %llu", i, (unsigned long long)e.data);
		cr_assert_eq(q.now, e.time);
	}
	cr_assert(!evq_pop(&q, &e));
	evq_free(&q);
}

Test(events, nothing_is_scheduled_in_the_past)
{
	EventQueue q;
	evq_init(&q);
	evq_push(&q, 5.0, EV_ARRIVAL, 0, 1);
	Event e;
	evq_pop(&q, &e);
	evq_push(&q, 3.0, EV_ARRIVAL, 0, 2);
	evq_push(&q, NAN, EV_ARRIVAL, 0, 3);
	evq_pop(&q, &e);
	cr_assert_eq(e.time, 5.0);
	cr_assert_eq(e.data, 2);
	evq_pop(&q, &e);
	cr_assert_eq(e.time, 5.0);
	cr_assert_eq(e.data, 3);
	evq_free(&q);
}

/* 100000 random events come out sorted by (time, seq), with the heap
 * interleaving pushes and pops. */
Test(events, random_pushes_and_pops_stay_sorted)
{
	EventQueue q;
	evq_init(&q);
	Rng g;
	rng_init(&g, 7, 0);
	double last_t = -1;
	uint64_t last_seq = 0, pushed = 0, popped = 0;
	Event e;
	for (int i = 0; i < 100000; i++) {
		double t = q.now + floor(rng_range(&g, 0, 50)) / 4;   /* many equal times */
		evq_push(&q, t, EV_ARRIVAL, 0, pushed++);
		if (rng_uniform(&g) < 0.45 && evq_pop(&q, &e)) {
			popped++;
			cr_assert(e.time > last_t || (e.time == last_t && e.seq > last_seq),
				  "out of order at pop %llu", (unsigned long long)popped);
			last_t = e.time;
			last_seq = e.seq;
		}
	}
	while (evq_pop(&q, &e)) {
		popped++;
		cr_assert(e.time > last_t || (e.time == last_t && e.seq > last_seq));
		last_t = e.time;
		last_seq = e.seq;
	}
	cr_assert_eq(popped, pushed);
	rng_free(&g);
	evq_free(&q);
}

typedef struct Chain {
	int handled;
	int stop_at;
} Chain;

/* Each event schedules the next one 1 s later. */
static bool chain(void *ud, const Event *e, EventQueue *q)
{
	Chain *c = ud;
	c->handled++;
	evq_push(q, e->time + 1, EV_WAKE, 0, e->data + 1);
	return c->handled != c->stop_at;
}

Test(events, run_stops_at_the_horizon_or_when_told)
{
	EventQueue q;
	evq_init(&q);
	evq_push(&q, 0, EV_WAKE, 0, 0);
	Chain c = {0, -1};
	uint64_t n = evq_run(&q, 9.5, chain, &c);
	cr_assert_eq(n, 10);              /* t = 0 .. 9 */
	cr_assert_eq(evq_size(&q), 1);    /* t = 10 stays queued */
	cr_assert_eq(evq_peek(&q)->time, 10);
	c.stop_at = 13;
	n = evq_run(&q, INFINITY, chain, &c);
	cr_assert_eq(n, 3);
	evq_free(&q);
}

Test(rng, same_seed_and_stream_same_numbers_other_streams_differ)
{
	Rng a, b, c;
	rng_init(&a, 42, RNG_ARRIVAL);
	rng_init(&b, 42, RNG_ARRIVAL);
	rng_init(&c, 42, RNG_PROMPT);
	int same_c = 0;
	for (int i = 0; i < 1000; i++) {
		double x = rng_uniform(&a), y = rng_uniform(&b), z = rng_uniform(&c);
		cr_assert_eq(memcmp(&x, &y, sizeof x), 0);
		same_c += x == z;
	}
	cr_assert_lt(same_c, 5);
	cr_assert_neq(rng_stream_seed(1, 0), rng_stream_seed(2, 0));
	cr_assert_neq(rng_stream_seed(1, 0), rng_stream_seed(1, 1));
	rng_free(&a);
	rng_free(&b);
	rng_free(&c);
}

/* Sample means and spreads within 5 standard errors of their laws. */
Test(rng, distributions_have_their_moments)
{
	enum { N = 200000 };
	Rng g;
	rng_init(&g, 1, RNG_OUTPUT);
	double s = 0, s2 = 0;
	for (int i = 0; i < N; i++) {
		double x = rng_gamma_gap(&g, 4.0, 2.0);   /* mean 0.25, cv 2 */
		s += x;
		s2 += x * x;
	}
	double mean = s / N, sd = sqrt(s2 / N - mean * mean);
	cr_assert_lt(fabs(mean - 0.25), 5 * 0.5 / sqrt(N), "gamma mean %g", mean);
	cr_assert_lt(fabs(sd / mean - 2.0), 0.1, "gamma cv %g", sd / mean);
	int below = 0;
	for (int i = 0; i < N; i++) below += rng_lognormal(&g, 1000, 0.8) < 1000;
	cr_assert_lt(fabs(below / (double)N - 0.5), 5 * 0.5 / sqrt(N), "lognormal median share %g", below / (double)N);
	s = 0;
	for (int i = 0; i < N; i++) s += rng_exponential(&g, 3.0);
	cr_assert_lt(fabs(s / N - 3.0), 5 * 3.0 / sqrt(N));
	rng_free(&g);
}

Test(rng, zipf_frequencies_follow_the_law)
{
	enum { N = 200000, K = 32 };
	Zipf z;
	zipf_init(&z, K, 1.1);
	Rng g;
	rng_init(&g, 3, RNG_PREFIX);
	int count[K] = {0};
	for (int i = 0; i < N; i++) {
		size_t k = zipf_sample(&g, &z);
		cr_assert_lt(k, K);
		count[k]++;
	}
	double h = 0;
	for (int i = 1; i <= K; i++) h += pow(i, -1.1);
	for (int i = 0; i < K; i += 7) {
		double p = pow(i + 1, -1.1) / h;
		double se = sqrt(p * (1 - p) / N);
		cr_assert_lt(fabs(count[i] / (double)N - p), 5 * se, "item %d: %g vs %g", i, count[i] / (double)N, p);
	}
	zipf_free(&z);
	rng_free(&g);
}
