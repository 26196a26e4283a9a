/* workload.c -- synthetic request generators (workload.h).
 *
 * Design.  A Workload is a small state machine over the spec: five random
 * streams (rng.h), a Zipf table over the prefix groups, a private copy of
 * any empirical samples, and counters (next request id, first turns
 * produced, the current arrival time).  It never holds requests, so its
 * memory is O(groups + samples) however long the run.
 *
 * Arrivals.  workload_next produces first turns only, one per call, at
 * times of the arrival process: poisson adds exponential gaps of mean
 * 1/rate and gamma adds rng_gamma_gap(rate, cv) gaps, both starting from
 * t = 0 so the first arrival is at the first gap; constant puts arrival k
 * at exactly k/rate (the first at t = 0; computed from k, not summed, so
 * there is no drift); burst puts `count` arrivals at time `at`.
 * The count stops the source after the last allowed first turn; a
 * duration > 0 stops it at the first arrival later than `duration` (an
 * arrival exactly at `duration` still counts).  With both, whichever comes
 * first.  For a burst, a `requests` limit caps `count`, and a burst needs
 * neither limit since it is finite by itself.
 *
 * Sessions (turns > 1).  Each first turn starts a session numbered 0, 1,
 * ...; with a request count the count includes every turn:
 * ceil(requests/turns) sessions start and session s has
 * min(turns, requests - s*turns) turns, so the total is exactly
 * `requests` when the simulator asks for every follow-up.  A session that
 * started within a duration runs to its last turn, even past the
 * duration.  With turns == 1 requests carry REQUEST_NO_SESSION.
 *
 * Lengths.  A length is drawn from its DistSpec, clamped when asked,
 * rounded to the nearest token and limited to 1 .. WORKLOAD_MAX_TOKENS.  First
 * turns draw their prompt from RNG_PROMPT and output from RNG_OUTPUT;
 * follow-ups draw their new message (from the prompt distribution) and
 * their output both from RNG_SESSION, so sessions never shift the lengths
 * of first turns, and changing one distribution shifts no other stream.
 *
 * Content ids.  With prefix sharing on (groups > 0, length > 0, share > 0)
 * each first turn draws from RNG_PREFIX whether it shares (probability
 * `share`) and then its group (Zipf when zipf_s > 0, else uniform).  The
 * shared part is min(round(prefix_length), prompt) tokens and its full
 * blocks are ID_GROUP (g, i); every other prompt block is ID_UNIQUE
 * (request id, i).  A follow-up's leading floor(history/block) blocks, where
 * history = previous prompt + output, are request_seq_block of the previous
 * turn; the rest are ID_UNIQUE of the new request.  Request ids count
 * 0, 1, 2, ... over everything the Workload creates, in creation order.
 */
#include "config.h"
#include "workload.h"
#include "heapstr.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "num.h"
#include "rng.h"

struct Workload {
	WorkloadSpec spec;          /* empirical samples point at owned copies */
	Rng arrival, prompt, output, prefix, session;
	Zipf zipf;                  /* over the prefix groups when zipf_s > 0 */
	bool sharing;               /* prefix sharing is on */
	uint32_t prefix_tokens;     /* round(prefix_length), capped */
	uint64_t first_limit;       /* first turns to produce at most */
	uint64_t firsts;            /* first turns produced */
	uint64_t next_id;
	double clock;               /* time of the last poisson/gamma arrival */
	bool exhausted;
};

/* ------------------------------------------------------------ errors */

/* A number as error text (shortest form, "inf", "nan"). */
typedef struct NumText { char s[40]; } NumText;

static NumText fmt_num(double x)
{
	NumText t;
	num_format(t.s, sizeof t.s, x);
	return t;
}

/* ------------------------------------------------------------ validation */

static char *check_dist(const DistSpec *d, const char *what)
{
	switch (d->kind) {
	case DIST_CONSTANT:
		if (!isfinite(d->a))
			return heap_printf("%s: constant length must be finite (got %s)", what, fmt_num(d->a).s);
		if (d->a > WORKLOAD_MAX_TOKENS)
			return heap_printf("%s: constant length %s is more than %d tokens, the most a request can have",
					   what, fmt_num(d->a).s, WORKLOAD_MAX_TOKENS);
		break;
	case DIST_UNIFORM:
		if (!isfinite(d->a) || !isfinite(d->b))
			return heap_printf("%s: uniform bounds must be finite (got %s, %s)", what,
					   fmt_num(d->a).s, fmt_num(d->b).s);
		if (d->a > d->b)
			return heap_printf("%s: uniform lo must not exceed hi (got %s > %s)", what,
					   fmt_num(d->a).s, fmt_num(d->b).s);
		if (d->a > WORKLOAD_MAX_TOKENS)
			return heap_printf("%s: uniform lo %s is more than %d tokens, the most a request can have",
					   what, fmt_num(d->a).s, WORKLOAD_MAX_TOKENS);
		break;
	case DIST_NORMAL:
		if (!isfinite(d->a))
			return heap_printf("%s: normal mean must be finite (got %s)", what, fmt_num(d->a).s);
		if (!isfinite(d->b) || d->b < 0)
			return heap_printf("%s: normal sd must be finite and non-negative (got %s)", what,
					   fmt_num(d->b).s);
		if (d->a > WORKLOAD_MAX_TOKENS)
			return heap_printf("%s: normal mean %s is more than %d tokens, the most a request can have",
					   what, fmt_num(d->a).s, WORKLOAD_MAX_TOKENS);
		break;
	case DIST_LOGNORMAL:
		if (!isfinite(d->a) || d->a <= 0)
			return heap_printf("%s: lognormal median must be positive and finite (got %s)", what,
					   fmt_num(d->a).s);
		if (!isfinite(d->b) || d->b < 0)
			return heap_printf("%s: lognormal sigma must be finite and non-negative (got %s)", what,
					   fmt_num(d->b).s);
		if (d->a > WORKLOAD_MAX_TOKENS)
			return heap_printf("%s: lognormal median %s is more than %d tokens, the most a request can have",
					   what, fmt_num(d->a).s, WORKLOAD_MAX_TOKENS);
		break;
	case DIST_EMPIRICAL:
		if (!d->samples || d->nsamples == 0)
			return heap_printf("%s: empirical distribution has no samples", what);
		for (size_t i = 0; i < d->nsamples; i++)
			if (!isfinite(d->samples[i]))
				return heap_printf("%s: empirical sample %zu is not finite (got %s)", what, i,
						   fmt_num(d->samples[i]).s);
		break;
	default:
		return heap_printf("%s: unknown distribution kind %d", what, (int)d->kind);
	}
	if (d->clamped) {
		if (isnan(d->lo) || isnan(d->hi))
			return heap_printf("%s: clamp bounds must be numbers (got %s, %s)", what,
					   fmt_num(d->lo).s, fmt_num(d->hi).s);
		if (d->lo > d->hi)
			return heap_printf("%s: clamp lo must not exceed hi (got %s > %s)", what,
					   fmt_num(d->lo).s, fmt_num(d->hi).s);
	}
	return NULL;
}

static char *check_arrival(const ArrivalSpec *a)
{
	switch (a->kind) {
	case ARR_POISSON: case ARR_GAMMA: case ARR_CONSTANT:
		if (isnan(a->rate) || a->rate <= 0)
			return heap_printf("arrival rate must be positive (got %s req/s)", fmt_num(a->rate).s);
		if (!isfinite(a->rate))
			return heap_printf("arrival rate must be finite (got %s req/s)", fmt_num(a->rate).s);
		if (a->kind == ARR_GAMMA && (!isfinite(a->cv) || a->cv <= 0))
			return heap_printf("gamma arrival cv must be positive and finite (got %s)", fmt_num(a->cv).s);
		return NULL;
	case ARR_BURST:
		if (a->count < 1)
			return heap_printf("burst count must be at least 1 (got 0)");
		if (!isfinite(a->at) || a->at < 0)
			return heap_printf("burst time must be finite and non-negative (got %s s)", fmt_num(a->at).s);
		return NULL;
	default:
		return heap_printf("unknown arrival kind %d", (int)a->kind);
	}
}

static char *check_spec(const WorkloadSpec *s)
{
	char *e = check_arrival(&s->arrival);
	if (e) return e;
	if (!isfinite(s->duration) || s->duration < 0)
		return heap_printf("duration must be finite and non-negative (got %s s)", fmt_num(s->duration).s);
	if (s->arrival.kind != ARR_BURST && s->requests == 0 && s->duration == 0)
		return heap_printf("a workload needs a request count or a duration");
	if (s->block < 1)
		return heap_printf("block size must be at least 1 token (got 0)");
	if ((e = check_dist(&s->prompt, "prompt length"))) return e;
	if ((e = check_dist(&s->output, "output length"))) return e;
	if (!isfinite(s->prefix_length) || s->prefix_length < 0)
		return heap_printf("prefix length must be finite and non-negative (got %s tokens)",
				   fmt_num(s->prefix_length).s);
	if (!(s->prefix_share >= 0 && s->prefix_share <= 1))
		return heap_printf("prefix share must be between 0 and 1 (got %s)", fmt_num(s->prefix_share).s);
	if (s->prefix_groups > WORKLOAD_MAX_GROUPS)
		return heap_printf("%u prefix groups are more than %d, the most a workload can have",
				   (unsigned)s->prefix_groups, WORKLOAD_MAX_GROUPS);
	if (s->prefix_length > 0 && s->prefix_groups < 1)
		return heap_printf("a prefix length of %s tokens needs at least 1 prefix group (got 0)",
				   fmt_num(s->prefix_length).s);
	if (!isfinite(s->zipf_s) || s->zipf_s < 0)
		return heap_printf("zipf exponent must be finite and non-negative (got %s)", fmt_num(s->zipf_s).s);
	if (s->turns < 1)
		return heap_printf("turns must be at least 1 (got 0)");
	if (!isfinite(s->think_time) || s->think_time < 0)
		return heap_printf("think time must be finite and non-negative (got %s s)", fmt_num(s->think_time).s);
	return NULL;
}

/* ------------------------------------------------------------ setup */

static uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

/* First turns the count allows (UINT64_MAX: no count). */
static uint64_t first_turn_limit(const WorkloadSpec *s)
{
	uint64_t n = s->requests ? ceil_div(s->requests, s->turns) : UINT64_MAX;
	if (s->arrival.kind == ARR_BURST && s->arrival.count < n) n = s->arrival.count;
	if (s->turns > 1 && n > (uint64_t)REQUEST_NO_SESSION) n = REQUEST_NO_SESSION;  /* session numbers */
	return n;
}

/* Replaces an empirical spec's samples by an owned copy. */
static void own_samples(DistSpec *d)
{
	if (d->kind != DIST_EMPIRICAL) {
		d->samples = NULL;
		d->nsamples = 0;
		return;
	}
	double *copy = malloc(d->nsamples * sizeof *copy);
	if (!copy) abort();
	memcpy(copy, d->samples, d->nsamples * sizeof *copy);
	d->samples = copy;
}

Workload *workload_new(const WorkloadSpec *spec, char **err)
{
	*err = check_spec(spec);
	if (*err) return NULL;
	Workload *w = calloc(1, sizeof *w);
	if (!w) abort();
	w->spec = *spec;
	own_samples(&w->spec.prompt);
	own_samples(&w->spec.output);
	rng_init(&w->arrival, spec->seed, RNG_ARRIVAL);
	rng_init(&w->prompt, spec->seed, RNG_PROMPT);
	rng_init(&w->output, spec->seed, RNG_OUTPUT);
	rng_init(&w->prefix, spec->seed, RNG_PREFIX);
	rng_init(&w->session, spec->seed, RNG_SESSION);
	w->sharing = spec->prefix_groups > 0 && spec->prefix_length > 0 && spec->prefix_share > 0;
	double pl = round(spec->prefix_length);
	w->prefix_tokens = pl >= WORKLOAD_MAX_TOKENS ? WORKLOAD_MAX_TOKENS : (uint32_t)pl;
	if (w->sharing && spec->zipf_s > 0) zipf_init(&w->zipf, spec->prefix_groups, spec->zipf_s);
	w->first_limit = first_turn_limit(spec);
	return w;
}

void workload_free(Workload *w)
{
	if (!w) return;
	rng_free(&w->arrival);
	rng_free(&w->prompt);
	rng_free(&w->output);
	rng_free(&w->prefix);
	rng_free(&w->session);
	zipf_free(&w->zipf);
	free(w->spec.prompt.samples);
	free(w->spec.output.samples);
	free(w);
}

/* ------------------------------------------------------------ sampling */

/* An index in 0 .. n-1, uniformly. */
static size_t pick_index(Rng *g, size_t n)
{
	size_t i = (size_t)(rng_uniform(g) * (double)n);
	return i < n ? i : n - 1;
}

static double draw_raw(const DistSpec *d, Rng *g)
{
	switch (d->kind) {
	case DIST_CONSTANT: return d->a;
	case DIST_UNIFORM: return d->a == d->b ? d->a : rng_range(g, d->a, d->b);
	case DIST_NORMAL: return rng_normal(g, d->a, d->b);
	case DIST_LOGNORMAL: return rng_lognormal(g, d->a, d->b);
	case DIST_EMPIRICAL: return d->samples[pick_index(g, d->nsamples)];
	}
	return d->a;
}

/* Whole tokens in 1 .. WORKLOAD_MAX_TOKENS (NaN gives 1). */
static uint32_t to_tokens(double x)
{
	x = round(x);
	if (!(x >= 1)) return 1;
	if (x >= WORKLOAD_MAX_TOKENS) return WORKLOAD_MAX_TOKENS;
	return (uint32_t)x;
}

static uint32_t draw_length(const DistSpec *d, Rng *g)
{
	double x = draw_raw(d, g);
	if (d->clamped) x = x < d->lo ? d->lo : x > d->hi ? d->hi : x;
	return to_tokens(x);
}

/* a + b, at most WORKLOAD_MAX_TOKENS (both are at most that) */
static uint32_t sat_add(uint32_t a, uint32_t b)
{
	return a + b > WORKLOAD_MAX_TOKENS ? WORKLOAD_MAX_TOKENS : a + b;
}

/* ------------------------------------------------------------ requests */

/* A request with an uninitialised block array of ceil(prompt/block). */
static Request make_request(const Workload *w, uint64_t id, double arrival, uint32_t prompt, uint32_t output)
{
	uint32_t block = w->spec.block;
	Request r = {
		.id = id, .arrival = arrival, .prompt = prompt, .output = output, .block = block,
		.nblocks = prompt / block + (prompt % block != 0),
		.session = REQUEST_NO_SESSION, .turn = 0, .priority = 0,
	};
	r.blocks = malloc((size_t)r.nblocks * sizeof *r.blocks);
	if (!r.blocks) abort();
	return r;
}

/* Blocks from `from` on are this request's own. */
static void fill_unique(Request *r, uint32_t from)
{
	for (uint32_t i = from; i < r->nblocks; i++) r->blocks[i] = request_id_mix(ID_UNIQUE, r->id, i);
}

/* Draws whether a first turn shares a prefix and whose; false if not. */
static bool draw_group(Workload *w, uint32_t *group)
{
	if (!w->sharing || !(rng_uniform(&w->prefix) < w->spec.prefix_share)) return false;
	if (w->spec.zipf_s > 0) *group = (uint32_t)zipf_sample(&w->prefix, &w->zipf);
	else *group = (uint32_t)pick_index(&w->prefix, w->spec.prefix_groups);
	return true;
}

/* Fills a first turn's blocks: the group's full blocks, then unique ones. */
static void fill_first_blocks(Workload *w, Request *r)
{
	uint32_t group, full = 0;
	if (draw_group(w, &group)) {
		uint32_t shared = w->prefix_tokens < r->prompt ? w->prefix_tokens : r->prompt;
		full = shared / r->block;
		for (uint32_t i = 0; i < full; i++) r->blocks[i] = request_id_mix(ID_GROUP, group, i);
	}
	fill_unique(r, full);
}

/* Time of first turn number k (k = w->firsts), advancing the process. */
static double next_arrival(Workload *w)
{
	const ArrivalSpec *a = &w->spec.arrival;
	switch (a->kind) {
	case ARR_POISSON: return w->clock += rng_exponential(&w->arrival, 1 / a->rate);
	case ARR_GAMMA: return w->clock += rng_gamma_gap(&w->arrival, a->rate, a->cv);
	case ARR_CONSTANT: return (double)w->firsts / a->rate;
	case ARR_BURST: return a->at;
	}
	return w->clock;
}

bool workload_next(Workload *w, Request *out)
{
	memset(out, 0, sizeof *out);
	if (w->exhausted || w->firsts >= w->first_limit) {
		w->exhausted = true;
		return false;
	}
	double t = next_arrival(w);
	if (w->spec.duration > 0 && t > w->spec.duration) {
		w->exhausted = true;
		return false;
	}
	uint32_t prompt = draw_length(&w->spec.prompt, &w->prompt);
	uint32_t output = draw_length(&w->spec.output, &w->output);
	Request r = make_request(w, w->next_id++, t, prompt, output);
	if (w->spec.turns > 1) r.session = (uint32_t)w->firsts;
	fill_first_blocks(w, &r);
	w->firsts++;
	*out = r;
	return true;
}

/* Turns of session s (s below the number of sessions). */
static uint64_t session_turns(const Workload *w, uint64_t s)
{
	uint64_t turns = w->spec.turns;
	if (!w->spec.requests) return turns;
	uint64_t left = w->spec.requests - s * turns;   /* s * turns < requests */
	return left < turns ? left : turns;
}

bool workload_follow_up(Workload *w, const Request *done, double finish, Request *out)
{
	if (w->spec.turns <= 1 || done->session == REQUEST_NO_SESSION || done->session >= w->firsts
	    || (uint64_t)done->turn + 1 >= session_turns(w, done->session)) {
		if (out != done) memset(out, 0, sizeof *out);
		return false;
	}
	uint32_t history = sat_add(done->prompt, done->output);
	uint32_t message = draw_length(&w->spec.prompt, &w->session);
	uint32_t output = draw_length(&w->spec.output, &w->session);
	Request r = make_request(w, w->next_id++, finish + w->spec.think_time, sat_add(history, message), output);
	r.session = done->session;
	r.turn = done->turn + 1;
	uint32_t carried = history / r.block;
	for (uint32_t i = 0; i < carried; i++) r.blocks[i] = request_seq_block(done, i);
	fill_unique(&r, carried);
	*out = r;
	return true;
}

/* ------------------------------------------------------------ empirical */

bool workload_load_empirical(DistSpec *d, const char *path, const char *column, char **err)
{
	*err = NULL;
	Csv c;
	errno = 0;
	if (!csv_open(&c, path)) {
		*err = c.why[0] ? heap_printf("%s: error: %s", path, c.why)
		       : errno ? heap_printf("%s: error: cannot open: %s", path, strerror(errno))
			       : heap_printf("%s: error: the file is empty", path);
		return false;
	}
	int col = csv_column(&c, column);
	if (col < 0) {
		*err = heap_printf("%s:1: error: no column '%s'", path, column);
		csv_close(&c);
		return false;
	}
	double *v = NULL;
	size_t n = 0, cap = 0;
	while (csv_next(&c)) {
		const char *text = col < c.n ? c.field[col] : "";
		double x;
		if (!csv_number(text, &x)) {
			*err = heap_printf("%s:%ld: error: column '%s' value '%s' is not a number", path, c.lineno,
					   column, text);
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			double *p = realloc(v, cap * sizeof *p);
			if (!p) abort();
			v = p;
		}
		v[n++] = x;
	}
	if (!*err && c.why[0]) *err = heap_printf("%s: error: %s", path, c.why);
	csv_close(&c);
	if (!*err && n == 0) *err = heap_printf("%s: error: no samples in column '%s'", path, column);
	if (*err) {
		free(v);
		return false;
	}
	d->kind = DIST_EMPIRICAL;
	d->samples = v;
	d->nsamples = n;
	return true;
}
