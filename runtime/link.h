/* link.h -- a network link shared by concurrent transfers (KV-cache
 * transfers between prefill and decode workers).
 *
 * Model: a transfer of B bytes started at t first waits the link's
 * latency, then joins the link's active set; the active transfers share
 * the bandwidth equally (processor sharing: each moves bw / n bytes per
 * second while n are active), so the share is recomputed whenever a
 * transfer joins or leaves.  Two equal transfers started together each
 * take latency + 2 B / bw; one alone takes latency + B / bw.
 *
 *   time ->   t0        t0+lat                 done
 *   xfer A    |--lat----|==== bw/n(t) ... =====|
 *
 * The owner drives it with simulated time: link_next_event says when the
 * next transfer joins or finishes, link_advance moves the link to `now`
 * and returns the transfers finished by then, in finishing order (ties:
 * start order).  Times must not decrease across calls.  Deterministic: no
 * randomness, no pointer-dependent order.
 *
 * Ownership: a Link owns its transfer table (link_free).
 */
#ifndef SGL_LINK_H
#define SGL_LINK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Link Link;

/* bw in B/s (> 0), latency in s (>= 0). */
Link *link_new(double bw, double latency);
void link_free(Link *l);
/* Starts a transfer of `bytes` (>= 0) at `now`; `tag` comes back when it
 * finishes. */
void link_start(Link *l, double now, double bytes, uint64_t tag);
/* The time of the next join or finish (INFINITY when idle). */
double link_next_event(const Link *l);
/* Moves the link to `now` (>= every earlier time given); writes the tags
 * of transfers finished at or before `now` to done[0..] (at most cap;
 * call again while it returns cap) and returns how many. */
size_t link_advance(Link *l, double now, uint64_t *done, size_t cap);
/* Transfers started and not yet finished. */
size_t link_active(const Link *l);
/* Bytes delivered so far, and seconds during which at least one transfer
 * was moving bytes (for utilization). */
double link_bytes_done(const Link *l);
double link_busy_time(const Link *l);
#endif
