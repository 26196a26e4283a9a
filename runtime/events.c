/* events.c -- binary min-heap of events (events.h). */
#include "config.h"
#include "events.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void evq_init(EventQueue *q) { memset(q, 0, sizeof *q); }

void evq_free(EventQueue *q)
{
	free(q->heap);
	memset(q, 0, sizeof *q);
}

static bool before(const Event *a, const Event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

uint64_t evq_push(EventQueue *q, double time, uint32_t kind, uint32_t target, uint64_t data)
{
	if (!(time >= q->now)) time = q->now;   /* also NaN */
	if (q->n == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 64;
		Event *h = realloc(q->heap, q->cap * sizeof *h);
		if (!h) abort();
		q->heap = h;
	}
	Event e = {time, q->next_seq++, kind, target, data};
	size_t i = q->n++;
	while (i > 0) {   /* sift up */
		size_t p = (i - 1) / 2;
		if (!before(&e, &q->heap[p])) break;
		q->heap[i] = q->heap[p];
		i = p;
	}
	q->heap[i] = e;
	return e.seq;
}

const Event *evq_peek(const EventQueue *q) { return q->n ? &q->heap[0] : NULL; }

bool evq_pop(EventQueue *q, Event *out)
{
	if (!q->n) return false;
	*out = q->heap[0];
	q->now = out->time;
	Event last = q->heap[--q->n];
	size_t i = 0;
	for (;;) {   /* sift the last event down from the root */
		size_t c = 2 * i + 1;
		if (c >= q->n) break;
		if (c + 1 < q->n && before(&q->heap[c + 1], &q->heap[c])) c++;
		if (!before(&q->heap[c], &last)) break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->n) q->heap[i] = last;
	return true;
}

uint64_t evq_run(EventQueue *q, double horizon, EventHandler h, void *ud)
{
	uint64_t done = 0;
	Event e;
	while (q->n && q->heap[0].time <= horizon) {
		evq_pop(q, &e);
		done++;
		if (!h(ud, &e, q)) break;
	}
	return done;
}
