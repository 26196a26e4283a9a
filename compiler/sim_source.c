/* sim_source.c -- the requests of a `simulate`: a synthetic Workload or a
 * Trace built from the bound workload record, behind one RequestSource,
 * and the record readers simulate.c shares (sim_int.h).
 *
 * Distributions and arrival processes are the calls the workload record
 * writes (lognormal(median = 1000 tok, sigma = 0.8), poisson(10 req/s),
 * clamp(d, lo, hi), ...), read argument by argument; files (empirical,
 * trace) are relative to the .sgl file that names them.  A trace without
 * arrival times (sharegpt_lengths) takes its arrivals from the workload's
 * `arrival` process.
 */
#include "sim_source.h"
#include "trace_stats.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lang/sema.h"

/* ---------------------------------------------------------------- readers */

static void read_error(SimRead *r, const char *fmt, const char *a, const char *b)
{
	r->ok = false;
	diag_error(r->s->d, r->at, fmt, a, b);
}

static const char *rec_name(const Value *rv)
{
	return rv->rec && rv->rec->name ? rv->rec->name : "(inline)";
}

/* "record.block.field", for messages */
static const char *field_path(SimRead *r, const Value *rv, const char *name)
{
	char *what = arena_printf(r->s->ar, "%s", rec_name(rv));
	for (int i = 0; i < rv->depth; i++) what = arena_printf(r->s->ar, "%s.%s", what, rv->path[i]);
	return arena_printf(r->s->ar, "%s.%s", what, name);
}

double sim_num(SimRead *r, const Value *rv, const char *name, bool optional, double dflt)
{
	Value v = value_field(r->s, rv, name, r->ctx);
	if (v.k == V_NUM) return v.num;
	if (v.k == V_BOOL) return v.num;
	if (v.k == V_NONE && optional && !value_failed(&v)) {
		FieldSource src = value_field_source(r->s, rv, name);
		if (!src.expr) return dflt;
	}
	const char *why = v.k == V_NONE && v.str ? v.str : "it is not a number";
	read_error(r, "simulate needs a value for '%s': %s (a free param can be fixed with -D NAME=VALUE)",
		   field_path(r, rv, name), why);
	return NAN;
}

double sim_count(SimRead *r, const Value *rv, const char *name, bool optional, double dflt, double lo, double hi)
{
	double x = sim_num(r, rv, name, optional, dflt);
	if (isnan(x)) return lo;   /* reported */
	if (x > hi) {
		diag_error(r->s->d, r->at, "'%s' is %.15g, more than %.15g, the most a simulation takes (doc/limits.md)",
			   field_path(r, rv, name), x, hi);
	} else if (x < lo || x != floor(x)) {
		diag_error(r->s->d, r->at, "'%s' is %.15g; the simulator needs a whole number from %.15g to %.15g",
			   field_path(r, rv, name), x, lo, hi);
	} else {
		return x;
	}
	r->ok = false;
	return lo;
}

const char *sim_word(SimRead *r, const Value *rv, const char *name)
{
	Value v = value_field(r->s, rv, name, r->ctx);
	if (v.k == V_WORD || v.k == V_STR) return v.str;
	return NULL;
}

Value sim_rec(SimRead *r, const Value *rv, const char *name)
{
	Value v = value_field(r->s, rv, name, r->ctx);
	return v.k == V_REC ? v : value_none("unset");
}

double sim_expr_num(SimRead *r, Module *m, AstNode *e, const char *what)
{
	EvalEnv env = {.sema = r->s, .mod = m, .ctx = r->ctx};
	Value v = value_eval(&env, e);
	if (v.k == V_NUM) return v.num;
	r->ok = false;
	diag_error(r->s->d, e->span, "simulate needs a number for %s: %s", what,
		   v.k == V_NONE && v.str ? v.str : "this is not a number");
	return NAN;
}

AstNode *sim_field_call(SimRead *r, const Value *v, const char *what, Module **m)
{
	AstNode *e = v->k == V_EXPR ? v->expr : NULL;
	Module *mod = v->mod;
	for (int depth = 0; e && e->kind == AST_NAME && depth < 64; depth++) {
		Symbol *sym = sema_lookup(r->s, mod, e->name);
		if (!sym || sym->kind != SYM_CONST) break;
		e = sym->decl->a;
		mod = sym->mod;
	}
	if (e && e->kind == AST_CALL) {
		*m = mod;
		return e;
	}
	read_error(r, "simulate cannot read %s%s: write it as a call such as poisson(...) or lognormal(...)", what, "");
	return NULL;
}

/* A runtime error text "PATH[:LINE]: error: WHAT" reported at the .sgl
 * span that names the file: "FILE.sgl:L:C: error: PATH[:LINE]: WHAT". */
static void file_error(SimRead *r, Span at, const char *err)
{
	const char *tag = err ? strstr(err, ": error: ") : NULL;
	r->ok = false;
	if (tag)
		diag_error(r->s->d, at, "%.*s: %s", (int)(tag - err), err, tag + strlen(": error: "));
	else
		diag_error(r->s->d, at, "%s", err ? err : "cannot read the file");
}

/* ---------------------------------------------------------------- specs */

static bool read_dist(SimRead *r, const Value *w, const char *field, DistSpec *d)
{
	memset(d, 0, sizeof *d);
	Value v = value_field(r->s, w, field, r->ctx);
	if (v.k == V_NONE) {
		read_error(r, "workload '%s' has no '%s': a synthetic workload needs prompt and output lengths", rec_name(w), field);
		return false;
	}
	Module *m;
	AstNode *call = sim_field_call(r, &v, field, &m);
	if (!call) return false;
	if (!strcmp(call->name, "clamp")) {
		AstNode *x = ast_call_arg(call, 0, "x"), *lo = ast_call_arg(call, 1, "lo"), *hi = ast_call_arg(call, 2, "hi");
		Value inner = {.k = V_EXPR, .expr = x, .mod = m};
		AstNode *c2 = sim_field_call(r, &inner, field, &m);
		if (!c2) return false;
		d->clamped = true;
		d->lo = sim_expr_num(r, m, lo, "clamp's lo");
		d->hi = sim_expr_num(r, m, hi, "clamp's hi");
		call = c2;
	}
	const char *n = call->name;
	AstNode *a0 = ast_call_arg(call, 0, n[0] == 'l' ? "median" : n[0] == 'n' ? "mean" : n[0] == 'u' ? "lo" : "value");
	AstNode *a1 = ast_call_arg(call, 1, n[0] == 'l' ? "sigma" : n[0] == 'n' ? "sd" : "hi");
	if (!strcmp(n, "constant")) {
		d->kind = DIST_CONSTANT;
	} else if (!strcmp(n, "uniform")) {
		d->kind = DIST_UNIFORM;
	} else if (!strcmp(n, "normal")) {
		d->kind = DIST_NORMAL;
	} else if (!strcmp(n, "lognormal")) {
		d->kind = DIST_LOGNORMAL;
	} else if (!strcmp(n, "empirical")) {
		AstNode *fa = ast_call_arg(call, 0, "file"), *ca = ast_call_arg(call, 1, "column");
		char *err = NULL;
		if (!fa || !ca || fa->kind != AST_STR || ca->kind != AST_STR) {
			read_error(r, "empirical() needs a file name and a column name written as strings%s%s", "", "");
			return false;
		}
		if (!workload_load_empirical(d, sema_path_of(r->s, fa), ca->name, &err)) {
			file_error(r, call->span, err);
			free(err);
			return false;
		}
		return true;
	} else {
		read_error(r, "simulate cannot draw lengths from %s(): use constant, uniform, normal, lognormal, empirical or clamp of one%s", n, "");
		return false;
	}
	if (a0) d->a = sim_expr_num(r, m, a0, field);
	if (a1) d->b = sim_expr_num(r, m, a1, field);
	return r->ok;
}

static bool read_arrival(SimRead *r, const Value *w, ArrivalSpec *a)
{
	memset(a, 0, sizeof *a);
	Value v = value_field(r->s, w, "arrival", r->ctx);
	if (v.k == V_NONE) {
		read_error(r, "workload '%s' has no 'arrival' process (poisson, gamma, constant or burst)%s", rec_name(w), "");
		return false;
	}
	Module *m;
	AstNode *call = sim_field_call(r, &v, "arrival", &m);
	if (!call) return false;
	const char *n = call->name;
	if (!strcmp(n, "poisson")) a->kind = ARR_POISSON;
	else if (!strcmp(n, "gamma")) a->kind = ARR_GAMMA;
	else if (!strcmp(n, "constant")) a->kind = ARR_CONSTANT;
	else if (!strcmp(n, "burst")) a->kind = ARR_BURST;
	else {
		read_error(r, "'%s' is not an arrival process%s", n, "");
		return false;
	}
	if (a->kind == ARR_BURST) {
		a->at = sim_expr_num(r, m, ast_call_arg(call, 0, "at"), "burst's at");
		AstNode *ce = ast_call_arg(call, 1, "count");
		double count = sim_expr_num(r, m, ce, "burst's count");
		if (r->ok && !(count >= 1 && count <= SIM_MAX_REQUESTS && count == floor(count))) {
			diag_error(r->s->d, ce ? ce->span : r->at, "burst's count is %.15g; it must be a whole number "
				   "from 1 to %d, the most requests a simulation takes (doc/limits.md)", count, SIM_MAX_REQUESTS);
			r->ok = false;
		}
		a->count = r->ok ? (uint64_t)count : 1;
	} else {
		a->rate = sim_expr_num(r, m, ast_call_arg(call, 0, a->kind == ARR_CONSTANT ? "value" : "rate"), "the arrival rate");
		if (a->kind == ARR_GAMMA) a->cv = sim_expr_num(r, m, ast_call_arg(call, 1, "cv"), "gamma's cv");
	}
	return r->ok;
}

static void read_prefix(SimRead *r, const Value *w, WorkloadSpec *ws)
{
	Value p = sim_rec(r, w, "prefix");
	if (p.k != V_REC) return;
	ws->prefix_groups = (uint32_t)sim_count(r, &p, "groups", false, 0, 0, WORKLOAD_MAX_GROUPS);
	ws->prefix_length = sim_num(r, &p, "length", false, 0);
	ws->prefix_share = sim_num(r, &p, "share", false, 0);
	Value pop = value_field(r->s, &p, "popularity", r->ctx);
	if (pop.k == V_EXPR) {
		Module *m;
		AstNode *call = sim_field_call(r, &pop, "popularity", &m);
		if (call && !strcmp(call->name, "zipf"))
			ws->zipf_s = sim_expr_num(r, m, ast_call_arg(call, 0, "s"), "zipf's s");
		else if (call)
			read_error(r, "prefix popularity must be zipf(s) or uniform, not %s()%s", call->name, "");
	}
}

/* ---------------------------------------------------------------- sources */

static int wl_next(void *ud, Request *out, char **err)
{
	SimSource *s = ud;
	(void)err;
	return workload_next(s->wl, out) ? 1 : 0;
}

static int wl_follow(void *ud, const Request *done, double finish, Request *out, char **err)
{
	SimSource *s = ud;
	(void)err;
	return workload_follow_up(s->wl, done, finish, out) ? 1 : 0;
}

static int tr_next(void *ud, Request *out, char **err)
{
	SimSource *s = ud;
	int got = trace_next(s->tr, out, err);
	if (got == 1 && s->wl) {
		/* arrivals from the workload's process */
		Request t;
		if (!workload_next(s->wl, &t)) {
			request_free(out);
			return 0;
		}
		out->arrival = t.arrival;
		request_free(&t);
	}
	return got;
}

static bool open_trace(SimSource *src, SimRead *r, const Value *w, AstNode *call, Module *m)
{
	TraceSpec ts;
	AstNode *fa = ast_call_arg(call, 0, "file");
	const char *why = trace_spec_of(r->s, m, call, &ts);
	if (why) {
		read_error(r, "%s%s", why, "");
		return false;
	}
	char *err = NULL;
	src->tr = trace_open(&ts, &err);
	if (!src->tr) {
		file_error(r, fa->span, err);
		free(err);
		return false;
	}
	src->rs = (RequestSource){tr_next, NULL, src};
	if (!trace_has_times(src->tr)) {
		WorkloadSpec ws = {.seed = src->seed, .block = 1, .turns = 1};
		Value arr = value_field(r->s, w, "arrival", r->ctx);
		if (arr.k == V_NONE) {
			read_error(r, "'%s' has no arrival times: give workload '%s' an arrival process (e.g. arrival = poisson(5 req/s))",
				   ts.path, rec_name(w));
			return false;
		}
		if (!read_arrival(r, w, &ws.arrival)) return false;
		ws.requests = ts.limit;
		ws.duration = sim_num(r, w, "duration", true, 0);
		if (!ws.requests && !ws.duration) ws.requests = UINT64_MAX / 2;
		ws.prompt = ws.output = (DistSpec){.kind = DIST_CONSTANT, .a = 1};
		src->wl = workload_new(&ws, &err);
		if (!src->wl) {
			read_error(r, "the workload's arrivals: %s%s", err, "");
			free(err);
			return false;
		}
	}
	return true;
}

bool sim_source_open(SimSource *src, SimRead *r, uint32_t page, uint64_t seed)
{
	memset(src, 0, sizeof *src);
	src->seed = seed;
	const Value *w = &r->ctx[REC_workload];
	for (Record *rec = w->rec; rec; rec = rec->base)
		if (rec->source) {
			Value v = {.k = V_EXPR, .expr = rec->source, .mod = rec->mod};
			Module *m;
			AstNode *call = sim_field_call(r, &v, "the trace", &m);
			return call && open_trace(src, r, w, call, m);
		}
	WorkloadSpec ws = {.seed = seed, .block = page, .turns = 1};
	ws.requests = (uint64_t)sim_count(r, w, "requests", true, 0, 0, SIM_MAX_REQUESTS);
	ws.duration = sim_num(r, w, "duration", true, 0);
	if (r->ok && !ws.requests && !ws.duration)
		read_error(r, "workload '%s' needs 'requests' or 'duration' (how many requests to simulate)%s", rec_name(w), "");
	read_arrival(r, w, &ws.arrival);
	read_dist(r, w, "prompt", &ws.prompt);
	read_dist(r, w, "output", &ws.output);
	read_prefix(r, w, &ws);
	Value ses = sim_rec(r, w, "sessions");
	if (ses.k == V_REC) {
		ws.turns = (uint32_t)sim_count(r, &ses, "turns", false, 1, 1, SIM_MAX_COUNT);
		ws.think_time = sim_num(r, &ses, "think_time", false, 0);
	}
	/* without a count, the duration (or a burst) decides how many */
	double many = ws.arrival.kind == ARR_BURST ? (double)ws.arrival.count * ws.turns
						   : ws.duration * ws.arrival.rate * ws.turns;
	if (r->ok && !ws.requests && many > SIM_MAX_REQUESTS) {
		bool burst = ws.arrival.kind == ARR_BURST;
		diag_error(r->s->d, r->at, "workload '%s' would make about %.3g requests (%s, times turns), more than %d, "
			   "the most a simulation takes (doc/limits.md): give it %s or a request count", rec_name(w), many,
			   burst ? "its burst's count" : "its duration times its arrival rate", SIM_MAX_REQUESTS,
			   burst ? "a smaller burst" : "a shorter duration");
		r->ok = false;
	}
	src->samples[0] = ws.prompt.samples;
	src->samples[1] = ws.output.samples;
	if (!r->ok) return false;
	char *err = NULL;
	src->wl = workload_new(&ws, &err);
	if (!src->wl) {
		read_error(r, "workload '%s': %s", rec_name(w), err);
		free(err);
		return false;
	}
	src->rs = (RequestSource){wl_next, wl_follow, src};
	return true;
}

void sim_source_close(SimSource *src)
{
	if (src->wl) workload_free(src->wl);
	if (src->tr) trace_close(src->tr);
	free(src->samples[0]);
	free(src->samples[1]);
	memset(src, 0, sizeof *src);
}
