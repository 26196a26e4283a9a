/* link.c -- a link shared by concurrent transfers, processor sharing
 * (link.h).
 *
 * Design.  A transfer lives in one of three places.  Started transfers
 * wait in `pend`, a FIFO in start order with their join time
 * (start + latency); since times never decrease, join times are
 * non-decreasing along the FIFO (we clamp them so they stay so even for a
 * caller that breaks the rule).  Joined transfers sit in `act`, also in
 * start order, each with its remaining bytes.  Finished transfers' tags
 * wait in `out` until link_advance hands them over (it may be capped).
 *
 * The active set is advanced eagerly: between two events every active
 * transfer moves the same `svc` bytes, so an event costs one O(n) pass
 * that subtracts svc, drops the finished (compacting the array in place,
 * which keeps start order) and finds the new smallest remainder.  The
 * next finish is then `now + rem_min * n / bw`.  Two kinds of event:
 *   - a finish: svc is taken to be exactly rem_min (not recomputed from
 *     the rounded finish time), so the smallest transfer lands on 0
 *     exactly, and transfers tied with it do too;
 *   - a join: svc = dt * bw / n, after which the joiners are appended.
 * A transfer counts as finished when its remainder is <= 1e-9 of its
 * size (or negative), which absorbs the rounding of near-ties and of a
 * finish time that rounds to a join time.  Every event either pops a
 * joiner or finishes the smallest transfer, so advancing always ends.
 * Keeping remainders per transfer (rather than a shared virtual clock)
 * keeps small transfers accurate however long the link has run.
 *
 * Finishes at one instant are reported in start order: `out` keeps the
 * current instant's batch sorted by start sequence (insertion; the scan
 * already produces them in order, so this is O(1) per tag in practice).
 * Zero-byte transfers finish as they join, without touching the share.
 * While finished tags wait in `out` (a capped advance), link_next_event
 * answers the link's clock so the owner comes back for them; link_active
 * no longer counts them.
 *
 * Accounting: `done_bytes` sums the sizes of finished transfers; bytes
 * delivered also count the partial progress of active ones (O(n) to
 * query).  Busy time grows by dt over every stretch with n >= 1.
 *
 * Invalid arguments: link_new returns NULL unless bw is finite and > 0
 * and latency finite and >= 0; a negative or NaN size counts as 0; times
 * earlier than the link's clock count as the clock.  Out of memory aborts.
 */
#include "config.h"
#include "link.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FINISH_REL 1e-9   /* remainder / size below which a transfer is done */

typedef struct {
	double size;   /* bytes asked for */
	double rem;    /* bytes still to move (active transfers) */
	double join;   /* when it joins the active set (pending transfers) */
	uint64_t seq;  /* start order */
	uint64_t tag;
} Xfer;

typedef struct {
	uint64_t seq, tag;
} Done;

typedef struct {   /* a growable array consumed from the front */
	void *v;
	size_t head, len, cap, elem;
} Vec;

struct Link {
	double bw, latency;
	double now;          /* the link's clock: the last time advanced to */
	double rem_min;      /* the smallest remainder in act (when act nonempty) */
	double done_bytes;   /* sum of sizes of finished transfers */
	double busy;         /* seconds with at least one active transfer */
	double batch_time;   /* instant of the newest finishes in out */
	size_t batch_begin;  /* where that instant's finishes start in out */
	uint64_t next_seq;
	Vec pend, act, out;  /* of Xfer, Xfer, Done */
};

/* ---------------------------------------------------------------- vectors */

static void vec_init(Vec *v, size_t elem)
{
	memset(v, 0, sizeof *v);
	v->elem = elem;
}

static size_t vec_count(const Vec *v) { return v->len - v->head; }

static void *vec_at(const Vec *v, size_t i) { return (char *)v->v + i * v->elem; }

/* Room for one more element at the back; slides the live part to the
 * front first when more than half the array has been consumed. */
static void *vec_push(Vec *v)
{
	if (v->head && v->head >= v->len / 2) {
		memmove(v->v, vec_at(v, v->head), vec_count(v) * v->elem);
		v->len -= v->head;
		v->head = 0;
	}
	if (v->len == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 16;
		void *p = realloc(v->v, cap * v->elem);
		if (!p) abort();
		v->v = p;
		v->cap = cap;
	}
	return vec_at(v, v->len++);
}

/* ---------------------------------------------------------------- lifetime */

Link *link_new(double bw, double latency)
{
	if (!(bw > 0) || !isfinite(bw) || !(latency >= 0) || !isfinite(latency))
		return NULL;
	Link *l = calloc(1, sizeof *l);
	if (!l) abort();
	l->bw = bw;
	l->latency = latency;
	l->batch_time = -INFINITY;
	vec_init(&l->pend, sizeof(Xfer));
	vec_init(&l->act, sizeof(Xfer));
	vec_init(&l->out, sizeof(Done));
	return l;
}

void link_free(Link *l)
{
	if (!l) return;
	free(l->pend.v);
	free(l->act.v);
	free(l->out.v);
	free(l);
}

/* ---------------------------------------------------------------- queries */

static bool is_done(const Xfer *x) { return !(x->rem > FINISH_REL * x->size); }

static double next_join(const Link *l)
{
	return vec_count(&l->pend) ? ((const Xfer *)vec_at(&l->pend, l->pend.head))->join : INFINITY;
}

static double next_finish(const Link *l)
{
	size_t n = vec_count(&l->act);
	return n ? l->now + l->rem_min * (double)n / l->bw : INFINITY;
}

double link_next_event(const Link *l)
{
	if (vec_count(&l->out)) return l->now;   /* finished, not yet handed over */
	double j = next_join(l), f = next_finish(l);
	return f < j ? f : j;
}

size_t link_active(const Link *l) { return vec_count(&l->pend) + vec_count(&l->act); }

double link_bytes_done(const Link *l)
{
	double b = l->done_bytes;
	for (size_t i = l->act.head; i < l->act.len; i++) {
		const Xfer *x = vec_at(&l->act, i);
		b += x->size - x->rem;
	}
	return b;
}

double link_busy_time(const Link *l) { return l->busy; }

/* ---------------------------------------------------------------- events */

/* Queues x's tag as finished at `t`, keeping each instant's finishes in
 * start order. */
static void finish(Link *l, const Xfer *x, double t)
{
	l->done_bytes += x->size;
	if (t != l->batch_time || l->batch_begin < l->out.head) {
		l->batch_time = t;
		l->batch_begin = l->out.len;
	}
	size_t old_head = l->out.head;
	vec_push(&l->out);
	l->batch_begin -= old_head - l->out.head;   /* vec_push may slide */
	Done *d = l->out.v;
	size_t i = l->out.len - 1;
	while (i > l->batch_begin && d[i - 1].seq > x->seq) {
		d[i] = d[i - 1];
		i--;
	}
	d[i] = (Done){x->seq, x->tag};
}

/* Moves every active transfer by `svc` bytes, finishing (at `t`) those
 * that reach their end, and recomputes rem_min. */
static void serve(Link *l, double svc, double t)
{
	Xfer *a = l->act.v;
	size_t w = l->act.head;
	double m = INFINITY;
	for (size_t i = l->act.head; i < l->act.len; i++) {
		a[i].rem -= svc;
		if (is_done(&a[i])) {
			a[i].rem = 0;
			finish(l, &a[i], t);
			continue;
		}
		if (a[i].rem < m) m = a[i].rem;
		a[w++] = a[i];
	}
	l->act.len = w;
	l->rem_min = m;
}

/* Moves the clock to t (>= now), serving `svc` bytes per active transfer. */
static void tick(Link *l, double t, double svc)
{
	if (vec_count(&l->act)) {
		l->busy += t - l->now;
		l->now = t;
		serve(l, svc, t);
	} else {
		l->now = t;
	}
}

/* Moves every pending transfer whose join time is <= now into the active
 * set (zero-byte ones finish at once). */
static void join_due(Link *l)
{
	while (vec_count(&l->pend)) {
		Xfer x = *(Xfer *)vec_at(&l->pend, l->pend.head);
		if (x.join > l->now) break;
		l->pend.head++;
		if (is_done(&x)) {
			finish(l, &x, l->now);
			continue;
		}
		if (!vec_count(&l->act) || x.rem < l->rem_min) l->rem_min = x.rem;
		*(Xfer *)vec_push(&l->act) = x;
	}
}

/* Processes the earliest event if it is at or before `now`; false when
 * there is none by then. */
static bool step(Link *l, double now)
{
	double j = next_join(l), f = next_finish(l);
	if (f <= j) {
		if (!(f <= now)) return false;
		tick(l, f, l->rem_min);
	} else {
		if (!(j <= now)) return false;
		size_t n = vec_count(&l->act);
		tick(l, j, n ? (j - l->now) * l->bw / (double)n : 0);
	}
	join_due(l);
	return true;
}

void link_start(Link *l, double now, double bytes, uint64_t tag)
{
	if (!(now >= l->now)) now = l->now;
	double join = now + l->latency;
	size_t np = vec_count(&l->pend);
	if (np) {
		double last = ((Xfer *)vec_at(&l->pend, l->pend.len - 1))->join;
		if (join < last) join = last;
	}
	if (!(bytes > 0)) bytes = 0;
	*(Xfer *)vec_push(&l->pend) = (Xfer){bytes, bytes, join, l->next_seq++, tag};
}

size_t link_advance(Link *l, double now, uint64_t *done, size_t cap)
{
	if (!(now >= l->now)) now = l->now;
	while (step(l, now)) {}
	size_t n = vec_count(&l->act);
	if (n && now > l->now)   /* partial progress up to now */
		tick(l, now, (now - l->now) * l->bw / (double)n);
	l->now = now;
	size_t k = 0;
	while (k < cap && vec_count(&l->out)) {
		done[k++] = ((Done *)vec_at(&l->out, l->out.head))->tag;
		l->out.head++;
	}
	if (!vec_count(&l->out)) l->out.head = l->out.len = l->batch_begin = 0;
	return k;
}
