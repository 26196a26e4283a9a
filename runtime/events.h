/* events.h -- the discrete-event engine of `simulate`: a binary min-heap
 * of typed events ordered by (time, sequence number).
 *
 * Events pushed for the same instant pop in the order they were pushed
 * (the sequence number breaks ties), so a run is a pure function of its
 * inputs: same workload seed, same events, same order, bit for bit.  The
 * queue keeps the simulated clock: `now` is the time of the last event
 * popped, and an event may not be scheduled before it.  What an event
 * means is up to its handler: `kind` says which handler case, `target`
 * which worker/link/request table it concerns, `data` an index or id.
 *
 * Ownership: the queue owns its heap array (evq_free releases it).
 */
#ifndef SGL_EVENTS_H
#define SGL_EVENTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum EventKind {
	EV_ARRIVAL,        /* a request (data) reaches the router */
	EV_STEP_DONE,      /* worker (target) finishes an iteration */
	EV_TRANSFER_DONE,  /* a KV transfer (data) on link (target) ends */
	EV_WAKE,           /* worker (target) looks for work */
	EV_SAMPLE,         /* periodic counters (queue length, KV usage) */
	EV_KIND_COUNT
} EventKind;

typedef struct Event {
	double time;       /* s */
	uint64_t seq;      /* push order: the tie-breaker */
	uint32_t kind;     /* an EventKind */
	uint32_t target;
	uint64_t data;
} Event;

typedef struct EventQueue {
	Event *heap;
	size_t n, cap;
	uint64_t next_seq;
	double now;        /* time of the last event popped (0 before any) */
} EventQueue;

void evq_init(EventQueue *q);
void evq_free(EventQueue *q);
/* Schedules an event; a time before `now` (or NaN) is clamped to `now`:
 * nothing happens in the past.  Returns its sequence number. */
uint64_t evq_push(EventQueue *q, double time, uint32_t kind, uint32_t target, uint64_t data);
/* The earliest event (ties: the first pushed), without removing it. */
const Event *evq_peek(const EventQueue *q);
/* Removes the earliest event into *out and advances `now`; false when empty. */
bool evq_pop(EventQueue *q, Event *out);
static inline size_t evq_size(const EventQueue *q) { return q->n; }

/* Handles one event; may push more.  Returns false to stop the run. */
typedef bool (*EventHandler)(void *ud, const Event *e, EventQueue *q);
/* Pops and handles events until the queue is empty, the handler returns
 * false, or the next event lies after `horizon` (it stays queued; pass
 * INFINITY for none).  Returns the number of events handled. */
uint64_t evq_run(EventQueue *q, double horizon, EventHandler h, void *ud);

#endif
