/* test_link.c -- the processor-sharing link (runtime/link.h): hand-worked
 * finish times, latency, zero-byte transfers, capped hand-over, and a
 * differential test against two independent reference models: an exact
 * event-by-event one on a shared virtual clock in long double, and a
 * coarse time-stepped one. */
#include "config.h"
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/link.h"

#define N(a) (sizeof(a) / sizeof *(a))

static bool near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fmax(1.0, fabs(b));
}

#define expect_near(a, b, rel)                                                    \
	cr_expect(near((a), (b), (rel)), "%s = %.17g, expected %.17g", #a, (double)(a), \
	          (double)(b))

/* Advances to `now` and returns the single tag expected to finish. */
static uint64_t advance_one(Link *l, double now)
{
	uint64_t tag[4];
	size_t k = link_advance(l, now, tag, N(tag));
	cr_assert_eq(k, 1, "advance(%.17g) finished %zu transfers, expected 1", now, k);
	return tag[0];
}

static void advance_none(Link *l, double now)
{
	uint64_t tag[4];
	size_t k = link_advance(l, now, tag, N(tag));
	cr_assert_eq(k, 0, "advance(%.17g) finished %zu transfers, expected 0", now, k);
}

/* A link that stops making progress hangs inside link_advance: fail it. */
TestSuite(link, .timeout = 60);

/* ---------------------------------------------------------------- by hand */

Test(link, rejects_bad_parameters)
{
	cr_expect_null(link_new(0, 0));
	cr_expect_null(link_new(-1, 0));
	cr_expect_null(link_new(NAN, 0));
	cr_expect_null(link_new(INFINITY, 0));
	cr_expect_null(link_new(1, -1));
	cr_expect_null(link_new(1, NAN));
	link_free(NULL);
}

Test(link, idle_link_has_no_event)
{
	Link *l = link_new(1e9, 1e-3);
	cr_assert_not_null(l);
	cr_expect(isinf(link_next_event(l)) && link_next_event(l) > 0);
	cr_expect_eq(link_active(l), 0);
	advance_none(l, 5.0);
	cr_expect(isinf(link_next_event(l)));
	cr_expect_eq(link_bytes_done(l), 0.0);
	cr_expect_eq(link_busy_time(l), 0.0);
	link_free(l);
}

Test(link, one_transfer_takes_latency_plus_size_over_bw)
{
	const double bw = 25e9, lat = 2e-6, B = 3.5e6, t0 = 0.125;
	Link *l = link_new(bw, lat);
	link_start(l, t0, B, 42);
	cr_expect_eq(link_active(l), 1);
	cr_expect_eq(link_next_event(l), t0 + lat);   /* the join */
	advance_none(l, t0 + lat);
	double fin = t0 + lat + B / bw;
	expect_near(link_next_event(l), fin, 1e-12);
	advance_none(l, t0 + lat + 0.5 * B / bw);      /* half way */
	expect_near(link_bytes_done(l), B / 2, 1e-12);
	cr_expect_eq(advance_one(l, link_next_event(l)), 42);
	cr_expect_eq(link_active(l), 0);
	cr_expect(isinf(link_next_event(l)));
	expect_near(link_bytes_done(l), B, 1e-12);
	expect_near(link_busy_time(l), B / bw, 1e-12);
	link_free(l);
}

Test(link, two_equal_transfers_share_the_bandwidth)
{
	const double bw = 1e9, lat = 1e-3, B = 1e6;
	Link *l = link_new(bw, lat);
	link_start(l, 0, B, 7);
	link_start(l, 0, B, 3);
	advance_none(l, lat);
	expect_near(link_next_event(l), lat + 2 * B / bw, 1e-12);
	uint64_t tag[4];
	cr_assert_eq(link_advance(l, link_next_event(l), tag, N(tag)), 2);
	cr_expect_eq(tag[0], 7);   /* a tie: start order */
	cr_expect_eq(tag[1], 3);
	expect_near(link_busy_time(l), 2 * B / bw, 1e-12);
	expect_near(link_bytes_done(l), 2 * B, 1e-12);
	link_free(l);
}


/* bw 100 B/s, no latency: A = 100 B at 0 moves 50 B alone by 0.5; then A
 * and B move 50 B/s each, so A ends at 1.5 and B, with 50 B left, at 2.0. */
Test(link, transfer_joining_half_way)
{
	Link *l = link_new(100, 0);
	link_start(l, 0, 100, 1);
	cr_expect_eq(link_next_event(l), 0.0);
	advance_none(l, 0);
	cr_expect_eq(link_next_event(l), 1.0);
	advance_none(l, 0.5);
	link_start(l, 0.5, 100, 2);
	cr_expect_eq(link_active(l), 2);
	cr_expect_eq(link_next_event(l), 0.5);
	advance_none(l, 0.5);
	expect_near(link_next_event(l), 1.5, 1e-15);
	advance_none(l, 1.0);
	expect_near(link_bytes_done(l), 50 + 25 + 25, 1e-15);
	cr_expect_eq(advance_one(l, link_next_event(l)), 1);
	expect_near(link_next_event(l), 2.0, 1e-15);
	cr_expect_eq(link_active(l), 1);
	cr_expect_eq(advance_one(l, link_next_event(l)), 2);
	expect_near(link_busy_time(l), 2.0, 1e-15);
	expect_near(link_bytes_done(l), 200, 1e-15);
	link_free(l);
}

/* The same with latency 0.25: A joins at 0.25 and moves 50 B alone until
 * B joins at 0.75; A's last 50 B at 50 B/s end at 1.75, B's last 50 B at
 * 100 B/s at 2.25. */
Test(link, latency_shifts_the_joins)
{
	Link *l = link_new(100, 0.25);
	link_start(l, 0, 100, 1);
	cr_expect_eq(link_next_event(l), 0.25);
	advance_none(l, 0.5);
	link_start(l, 0.5, 100, 2);
	expect_near(link_next_event(l), 0.75, 1e-15);   /* B's join, not A's end */
	advance_none(l, 0.75);
	expect_near(link_bytes_done(l), 50, 1e-15);
	expect_near(link_next_event(l), 1.75, 1e-15);
	cr_expect_eq(advance_one(l, link_next_event(l)), 1);
	expect_near(link_next_event(l), 2.25, 1e-15);
	cr_expect_eq(advance_one(l, link_next_event(l)), 2);
	expect_near(link_busy_time(l), 2.0, 1e-15);
	link_free(l);
}

/* Latency can keep transfers apart: A = 10 B at 0 is on the link over
 * [0.25, 0.35], B = 10 B at 0.2 over [0.45, 0.55]; the gap is not busy. */
Test(link, latency_gap_is_not_busy)
{
	Link *l = link_new(100, 0.25);
	link_start(l, 0, 10, 1);
	advance_none(l, 0.2);
	link_start(l, 0.2, 10, 2);
	cr_expect_eq(link_active(l), 2);
	cr_expect_eq(advance_one(l, 0.4), 1);   /* past A's end, before B's join */
	cr_expect_eq(link_active(l), 1);
	expect_near(link_next_event(l), 0.45, 1e-15);
	cr_expect_eq(advance_one(l, 1.0), 2);
	expect_near(link_busy_time(l), 0.2, 1e-14);
	expect_near(link_bytes_done(l), 20, 1e-15);
	link_free(l);
}

Test(link, zero_byte_transfer_finishes_after_the_latency)
{
	Link *l = link_new(100, 0.5);
	link_start(l, 1.0, 0, 9);
	cr_expect_eq(link_active(l), 1);
	cr_expect_eq(link_next_event(l), 1.5);
	advance_none(l, 1.25);
	cr_expect_eq(advance_one(l, 1.5), 9);
	cr_expect_eq(link_busy_time(l), 0.0);
	cr_expect_eq(link_bytes_done(l), 0.0);
	cr_expect(isinf(link_next_event(l)));
	link_free(l);
}

/* A zero-byte transfer passing through does not change the share. */
Test(link, zero_byte_transfer_leaves_the_share_alone)
{
	Link *l = link_new(100, 0);
	link_start(l, 0, 100, 1);
	advance_none(l, 0.3);
	link_start(l, 0.3, 0, 2);
	cr_expect_eq(advance_one(l, 0.3), 2);
	cr_expect_eq(link_next_event(l), 1.0);
	cr_expect_eq(advance_one(l, 1.0), 1);
	link_free(l);
}

/* Finishes at one instant come out in start order, whichever way they
 * were found: A's end and Z's (zero-byte) join coincide at 1.0. */
Test(link, same_instant_finishes_in_start_order)
{
	Link *l = link_new(100, 0.5);
	link_start(l, 0, 50, 1);     /* on the link over [0.5, 1.0] */
	link_start(l, 0.5, 0, 2);    /* joins and ends at 1.0 */
	uint64_t tag[4];
	cr_assert_eq(link_advance(l, 2.0, tag, N(tag)), 2);
	cr_expect_eq(tag[0], 1);
	cr_expect_eq(tag[1], 2);
	link_free(l);
}

/* At t = 2^20 s a gap of 1e-10 s rounds away, so a 0.1 B transfer at
 * 1e9 B/s ends the instant it joins, but only after the zero-byte transfer
 * started after it has been retired: start order must still win. */
Test(link, same_instant_order_survives_rounding)
{
	const double t0 = 1048576.0;
	Link *l = link_new(1e9, 0);
	link_start(l, t0, 0.1, 1);
	link_start(l, t0, 0, 2);
	uint64_t tag[4];
	cr_assert_eq(link_advance(l, t0, tag, N(tag)), 2);
	cr_expect_eq(tag[0], 1);
	cr_expect_eq(tag[1], 2);
	expect_near(link_bytes_done(l), 0.1, 1e-15);
	link_free(l);
}

Test(link, capped_advance_hands_over_the_rest_later)
{
	Link *l = link_new(10, 0);
	for (uint64_t i = 0; i < 5; i++) link_start(l, 0, 10, 100 + i);
	advance_none(l, 0);
	cr_expect_eq(link_next_event(l), 5.0);
	uint64_t tag[2], all[5];
	size_t got = 0, k;
	k = link_advance(l, 5.0, tag, N(tag));
	cr_assert_eq(k, 2);
	memcpy(all + got, tag, k * sizeof *tag), got += k;
	cr_expect_eq(link_active(l), 0);                 /* finished, if not yet handed over */
	cr_expect_eq(link_next_event(l), 5.0);           /* but there is more to collect */
	k = link_advance(l, 5.0, tag, N(tag));
	cr_assert_eq(k, 2);
	memcpy(all + got, tag, k * sizeof *tag), got += k;
	k = link_advance(l, 5.0, tag, N(tag));
	cr_assert_eq(k, 1);
	memcpy(all + got, tag, k * sizeof *tag), got += k;
	for (uint64_t i = 0; i < 5; i++) cr_expect_eq(all[i], 100 + i);
	cr_expect(isinf(link_next_event(l)));
	cr_expect_eq(link_advance(l, 5.0, tag, 0), 0);
	link_free(l);
}

Test(link, time_never_runs_backwards)
{
	Link *l = link_new(100, 0);
	link_start(l, 0, 100, 1);
	advance_none(l, 0.5);
	advance_none(l, 0.25);                 /* ignored: the clock stays at 0.5 */
	expect_near(link_bytes_done(l), 50, 1e-15);
	link_start(l, 0.1, 100, 2);            /* treated as a start at 0.5 */
	expect_near(link_next_event(l), 0.5, 0);
	advance_none(l, 0.5);
	expect_near(link_next_event(l), 1.5, 1e-15);
	link_free(l);
}

/* ---------------------------------------------------------------- models */

typedef struct {
	double bw, lat;
	size_t n;
	double *start, *size;   /* starts non-decreasing */
} Case;

/* Exact reference: a shared virtual clock V (bytes moved per active
 * transfer) in long double; a transfer joining at V0 ends when V reaches
 * V0 + size.  A different formulation from the link's per-transfer
 * remainders. */
static void ref_exact(const Case *c, double *fin)
{
	size_t n = c->n, next = 0, left = n;
	long double t = 0, V = 0;
	long double *target = calloc(n, sizeof *target);
	char *state = calloc(n, 1);   /* 0 waiting, 1 on the link, 2 done */
	cr_assert(target && state);
	while (left) {
		size_t na = 0, imin = n;
		for (size_t i = 0; i < next; i++)
			if (state[i] == 1) {
				na++;
				if (imin == n || target[i] < target[imin]) imin = i;
			}
		long double tj = next < n ? (long double)c->start[next] + c->lat : INFINITY;
		long double tf = imin < n ? t + (target[imin] - V) * na / c->bw : INFINITY;
		if (tf <= tj) {
			long double vm = target[imin];
			V = vm;
			t = tf;
			for (size_t i = 0; i < next; i++)
				if (state[i] == 1 && target[i] <= vm) state[i] = 2, fin[i] = (double)t, left--;
		} else {
			if (na) V += (tj - t) * c->bw / na;
			t = tj;
			while (next < n && (long double)c->start[next] + c->lat <= t) {
				if (c->size[next] > 0) {
					state[next] = 1;
					target[next] = V + c->size[next];
				} else {
					state[next] = 2, fin[next] = (double)t, left--;
				}
				next++;
			}
		}
	}
	free(target);
	free(state);
}

/* Coarse reference: steps of dt, each active transfer moving bw / n * dt;
 * the end is interpolated inside its step. */
static void ref_stepped(const Case *c, double dt, double *fin)
{
	size_t n = c->n, left = n;
	double *rem = malloc(n * sizeof *rem);
	char *done = calloc(n, 1);
	cr_assert(rem && done);
	for (size_t i = 0; i < n; i++) rem[i] = c->size[i];
	for (long k = 0; left; k++) {
		double t = k * dt;
		size_t na = 0;
		for (size_t i = 0; i < n; i++) {
			if (done[i] || c->start[i] + c->lat > t) continue;
			if (rem[i] <= 0) done[i] = 1, fin[i] = c->start[i] + c->lat, left--;
			else na++;
		}
		double rate = na ? c->bw / na : 0;
		for (size_t i = 0; i < n; i++) {
			if (done[i] || c->start[i] + c->lat > t) continue;
			if (rem[i] <= rate * dt) {
				done[i] = 1, fin[i] = t + rem[i] / rate, left--;
			}
			rem[i] -= rate * dt;
		}
	}
	free(rem);
	free(done);
}

/* Drives a link as its owner would: to the next start or event, whichever
 * comes first, collecting finishes with a small cap; fin[tag] is the time
 * of the advance that handed the tag over.  With `jitter`, also stops at
 * points between events.  Returns the link (for its counters). */
static Link *drive(const Case *c, double *fin, uint64_t *order, bool jitter)
{
	Link *l = link_new(c->bw, c->lat);
	cr_assert_not_null(l);
	size_t i = 0, got = 0;
	double clock = 0;
	uint64_t seed = 0x9e3779b97f4a7c15u;
	for (long guard = 0; got < c->n; guard++) {
		cr_assert_lt(guard, 20L * (long)c->n + 100, "the link stopped making progress");
		double te = link_next_event(l), ts = i < c->n ? c->start[i] : INFINITY;
		double t = ts < te ? ts : te;
		cr_assert(isfinite(t));
		if (jitter) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			if ((seed >> 62) == 0) {   /* one in 4: first stop somewhere before t */
				double u = (double)(seed >> 11) / 9007199254740992.0;
				cr_assert_eq(link_advance(l, clock + u * (t - clock), NULL, 0), 0);
			}
		}
		uint64_t tag[3];
		size_t k;
		clock = t;
		do {
			k = link_advance(l, t, tag, N(tag));
			for (size_t j = 0; j < k; j++) {
				cr_assert_lt(tag[j], c->n);
				fin[tag[j]] = t;
				order[got++] = tag[j];
			}
		} while (k == N(tag));
		while (i < c->n && c->start[i] <= t) {
			link_start(l, c->start[i], c->size[i], i);
			i++;
		}
	}
	cr_expect(isinf(link_next_event(l)));
	cr_expect_eq(link_active(l), 0);
	return l;
}

static double rnd(uint64_t *s)
{
	*s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
	return (double)(*s >> 11) / 9007199254740992.0;
}

/* A random case: bursts of simultaneous starts, repeated sizes, zeros. */
static Case make_case(uint64_t seed, size_t n, double lat)
{
	Case c = {.bw = 1e9, .lat = lat, .n = n};
	c.start = malloc(n * sizeof *c.start);
	c.size = malloc(n * sizeof *c.size);
	cr_assert(c.start && c.size);
	double t = 0;
	for (size_t i = 0; i < n; i++) {
		double u = rnd(&seed);
		if (u > 0.3) t += 2e-4 * rnd(&seed);   /* else: same instant as before */
		c.start[i] = t;
		double v = rnd(&seed);
		c.size[i] = v < 0.05 ? 0 : v < 0.2 ? 65536 : floor(1 + 2e6 * rnd(&seed));
	}
	return c;
}

static void free_case(Case *c)
{
	free(c->start);
	free(c->size);
}

/* Seconds during which some non-empty transfer was on the link, from the
 * reference: the union of [join, end] intervals (joins are sorted). */
static double union_busy(const Case *c, const double *fin)
{
	double busy = 0, lo = 0, hi = -INFINITY;
	for (size_t i = 0; i < c->n; i++) {
		if (!(c->size[i] > 0)) continue;
		double a = c->start[i] + c->lat, b = fin[i];
		if (a > hi) {
			if (hi > lo) busy += hi - lo;
			lo = a, hi = b;
		} else if (b > hi) {
			hi = b;
		}
	}
	if (hi > lo) busy += hi - lo;
	return busy;
}

static void check_against_exact(uint64_t seed, size_t n, double lat, bool jitter)
{
	Case c = make_case(seed, n, lat);
	double *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
	uint64_t *order = malloc(n * sizeof *order);
	cr_assert(want && got && order);
	ref_exact(&c, want);
	Link *l = drive(&c, got, order, jitter);
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		total += c.size[i];
		cr_expect(near(got[i], want[i], 1e-6), "seed %llu transfer %zu: ends at %.17g, expected %.17g",
		          (unsigned long long)seed, i, got[i], want[i]);
	}
	for (size_t j = 1; j < n; j++)   /* handed over in time order, ties in start order */
		cr_expect(got[order[j - 1]] < got[order[j]] ||
		                  (got[order[j - 1]] == got[order[j]] && order[j - 1] < order[j]),
		          "seed %llu: %llu handed over before %llu", (unsigned long long)seed,
		          (unsigned long long)order[j - 1], (unsigned long long)order[j]);
	expect_near(link_bytes_done(l), total, 1e-12);
	expect_near(link_busy_time(l), union_busy(&c, want), 1e-6);
	link_free(l);
	free(want), free(got), free(order);
	free_case(&c);
}

Test(link, random_transfers_match_exact_model)
{
	for (uint64_t seed = 1; seed <= 20; seed++) check_against_exact(seed, 300, 0, false);
}

Test(link, random_transfers_with_latency_match_exact_model)
{
	for (uint64_t seed = 21; seed <= 40; seed++) check_against_exact(seed, 300, 3e-5, false);
}

Test(link, extra_stops_between_events_change_nothing)
{
	for (uint64_t seed = 41; seed <= 50; seed++) check_against_exact(seed, 300, 1e-5, true);
}

/* The exact model itself against brute force time stepping, and the link
 * against both, on small cases (tolerance: a few steps). */
Test(link, small_cases_match_time_stepped_model)
{
	const double dt = 1e-6;
	for (uint64_t seed = 100; seed < 105; seed++) {
		Case c = make_case(seed, 6, 5e-5);
		double want[6], coarse[6], got[6];
		uint64_t order[6];
		ref_exact(&c, want);
		ref_stepped(&c, dt, coarse);
		Link *l = drive(&c, got, order, false);
		for (size_t i = 0; i < c.n; i++) {
			cr_expect(fabs(coarse[i] - want[i]) <= 10 * dt, "seed %llu transfer %zu: stepped %.9g, exact %.9g",
			          (unsigned long long)seed, i, coarse[i], want[i]);
			cr_expect(fabs(got[i] - coarse[i]) <= 10 * dt, "seed %llu transfer %zu: link %.9g, stepped %.9g",
			          (unsigned long long)seed, i, got[i], coarse[i]);
		}
		link_free(l);
		free_case(&c);
	}
}

/* Starting everything up front and jumping to the end at once must give
 * the same ends, in time order; delivered bytes track bw * busy time. */
Test(link, one_long_advance_processes_events_in_order)
{
	Case c = make_case(7, 400, 2e-5);
	double want[400];
	ref_exact(&c, want);
	Link *l = link_new(c.bw, c.lat);
	for (size_t i = 0; i < c.n; i++) link_start(l, c.start[i], c.size[i], i);
	cr_expect_eq(link_active(l), c.n);
	double mid = 0.5 * want[c.n - 1];
	uint64_t tag[400];
	size_t k1 = link_advance(l, mid, tag, 400);
	expect_near(link_bytes_done(l), c.bw * link_busy_time(l), 1e-9);
	size_t k2 = link_advance(l, 1e3, tag + k1, 400 - k1);
	cr_assert_eq(k1 + k2, c.n);
	for (size_t j = 0; j < c.n; j++) {
		if (j < k1) cr_expect(want[tag[j]] <= mid * (1 + 1e-9));
		else cr_expect(want[tag[j]] >= mid * (1 - 1e-9));
		if (j)
			cr_expect(want[tag[j - 1]] <= want[tag[j]] + 1e-9, "%llu (%.17g) before %llu (%.17g)",
			          (unsigned long long)tag[j - 1], want[tag[j - 1]],
			          (unsigned long long)tag[j], want[tag[j]]);
	}
	double total = 0;
	for (size_t i = 0; i < c.n; i++) total += c.size[i];
	expect_near(link_bytes_done(l), total, 1e-12);
	link_free(l);
	free_case(&c);
}

/* Thousands of transfers on the link together: O(n) per event keeps this
 * quick, and every one of them still ends. */
Test(link, many_concurrent_transfers)
{
	const size_t n = 3000;
	const double bw = 1e10;
	Link *l = link_new(bw, 0);
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		link_start(l, 0, 1000.0 + (double)(i % 97), i);
		total += 1000.0 + (double)(i % 97);
	}
	advance_none(l, 0);
	expect_near(link_next_event(l), (double)n * 1000.0 / bw, 1e-12);
	uint64_t *tag = malloc(n * sizeof *tag);
	cr_assert_not_null(tag);
	size_t got = 0;
	for (int guard = 0; got < n; guard++) {
		cr_assert_lt(guard, 200);
		double t = link_next_event(l);
		cr_assert(isfinite(t));
		got += link_advance(l, t, tag + got, n - got);
	}
	for (size_t j = 1; j < n; j++) {   /* smaller first, ties in start order */
		size_t a = tag[j - 1] % 97, b = tag[j] % 97;
		cr_expect(a < b || (a == b && tag[j - 1] < tag[j]), "%llu before %llu",
		          (unsigned long long)tag[j - 1], (unsigned long long)tag[j]);
	}
	expect_near(link_bytes_done(l), total, 1e-12);
	expect_near(link_busy_time(l), total / bw, 1e-12);
	free(tag);
	link_free(l);
}
