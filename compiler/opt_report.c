/* opt_report.c -- what an optimize statement shows (opt_int.h): the
 * terminal table (best first, readable units), the --json document (base
 * units; doc/json.md), the --csv of every evaluated point and the --plot of
 * the front (plot.c).
 */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "opt_int.h"
#include "plot.h"
#include "runtime/csv.h"
#include "runtime/heapstr.h"
#include "runtime/report.h"
#include "units_fmt.h"

static const char *method_name(OptMethod m)
{
	static const char *const n[] = {"grid", "pareto", "weighted", "epsilon", "nlopt"};
	return n[m];
}

static char *readable(double v, Dim d)
{
	Buf b = {0};
	units_readable(&b, v, d);
	return b.s ? b.s : heap_strdup("");
}

/* The figure index of a name such as "sim.ttft.p99", or -1. */
static int figure_index(const char *name)
{
	for (int f = 0; name && f < OPT_NFIG; f++)
		if (!strcmp(opt_fig_names[f], name)) return f;
	return -1;
}

static Dim fig_dim(int f)
{
	Dim d = dim_none;
	if (f < 25) d.e[DIM_S] = 1;
	else if (f == 25) d.e[DIM_TOK] = 1, d.e[DIM_S] = -1;
	else d.e[DIM_REQ] = 1, d.e[DIM_S] = -1;
	return d;
}

/* The figures a verified row shows. */
static const int shown_figs[] = {25, 0, 3, 5, 8, 26};

/* ---------------------------------------------------------------- table */

typedef struct Table {
	char **cell;          /* rows x cols */
	int rows, cols;
} Table;

static void put(Table *t, int r, int c, char *s)
{
	t->cell[r * t->cols + c] = s;
}

static void table_print(FILE *out, Table *t, int sep_after)
{
	int *w = calloc((size_t)t->cols, sizeof *w);
	if (!w) abort();
	for (int r = 0; r < t->rows; r++)
		for (int c = 0; c < t->cols; c++) {
			const char *s = t->cell[r * t->cols + c];
			int n = s ? (int)strlen(s) : 0;
			if (n > w[c]) w[c] = n;
		}
	for (int r = 0; r < t->rows; r++) {
		fputs(" ", out);
		for (int c = 0; c < t->cols; c++) {
			const char *s = t->cell[r * t->cols + c];
			fprintf(out, c ? "  %*s" : "%*s", w[c], s ? s : "");
			if (c == sep_after) fputs("  |", out);
		}
		fputc('\n', out);
	}
	for (int i = 0; i < t->rows * t->cols; i++) free(t->cell[i]);
	free(t->cell);
	free(w);
}

static void point_text(FILE *out, const OptProblem *P, uint64_t idx)
{
	double *x = xmalloc(((size_t)P->np + 1) * sizeof *x);
	opt_point_x(P, idx, x);
	for (int j = 0; j < P->np; j++) {
		char *v = readable(x[j], P->p[j].dim);
		fprintf(out, "%s%s = %s", j ? ", " : "", P->p[j].name, v);
		free(v);
	}
	free(x);
}

void opt_report_infeasible(FILE *out, const OptProblem *P)
{
	fprintf(out, "  no point meets every constraint; what each one cut:\n");
	for (int i = 0; i < P->ncon; i++) {
		const OptCon *c = &P->con[i];
		fprintf(out, "    %-40s cut %" PRIu64 " point%s", c->text, c->cut, c->cut == 1 ? "" : "s");
		if (c->cut && c->op && !isnan(c->closest)) {
			char *a = readable(c->closest, c->dim), *b = readable(c->closest_r, c->dim);
			fprintf(out, "; closest: %s against %s", a, b);
			free(a);
			free(b);
		}
		fputc('\n', out);
	}
}

void opt_report_table(FILE *out, const OptProblem *P, const OptResult *res)
{
	fprintf(out, "optimize");
	if (P->dname) fprintf(out, " %s with %s", P->dname, P->wname);
	fprintf(out, ": %s over (", method_name(P->method));
	for (int j = 0; j < P->np; j++) fprintf(out, "%s%s", j ? ", " : "", P->p[j].name);
	fprintf(out, "), %" PRIu64 " point%s", P->npoints, P->npoints == 1 ? "" : "s");
	if (P->method == OM_NLOPT) fprintf(out, " in the grid, %" PRIu64 " evaluations", P->evaluated);
	else fprintf(out, ", %" PRIu64 " feasible", P->feasible);
	if (P->uses_sim) fprintf(out, ", %" PRIu64 " simulated", P->simulated);
	fputc('\n', out);
	for (int i = 0; i < P->ncon; i++) {
		const OptCon *c = &P->con[i];
		if (c->cut) fprintf(out, "  %-40s cut %" PRIu64 " point%s\n", c->text, c->cut, c->cut == 1 ? "" : "s");
		if (c->undefined) {   /* a formula undefined there: say where */
			fprintf(out, "    note: %" PRIu64 " of them undefined (NaN) there", c->undefined);
			if (c->first_undefined != UINT64_MAX) {
				fputs("; the first: ", out);
				point_text(out, P, c->first_undefined);
			}
			fputc('\n', out);
		}
	}
	if (P->interrupted) {
		fprintf(out, "  partial: interrupted (Ctrl-C) after %" PRIu64 " of %" PRIu64 " points", P->evaluated, P->npoints);
		if (P->unsimulated) fprintf(out, ", %" PRIu64 " left unsimulated", P->unsimulated);
		fputs("; what follows covers those points only\n", out);
	}
	if (P->undefined) {
		fprintf(out, "  note: %" PRIu64 " feasible point%s gave an undefined objective (NaN or infinite) and %s not ranked; the first: ",
			P->undefined, P->undefined == 1 ? "" : "s", P->undefined == 1 ? "was" : "were");
		point_text(out, P, P->first_undefined);
		fputc('\n', out);
	}
	if (P->sim_failed) {
		fprintf(out, "  note: %" PRIu64 " simulation%s failed (counted infeasible); the first, at ", P->sim_failed,
			P->sim_failed == 1 ? "" : "s");
		point_text(out, P, P->sim_error_point);
		fprintf(out, ": %s\n", P->sim_error ? P->sim_error : "?");
	}
	if (res->relaxed) {
		fprintf(out, "  nlopt %s: continuous optimum %s = ", P->algorithm, P->obj[P->primary].name);
		char *v = readable(res->fc, P->obj[P->primary].dim);
		fprintf(out, "%s at (", v);
		free(v);
		for (int j = 0; j < P->np; j++) {
			char *x = readable(res->xc[j], P->p[j].dim);
			fprintf(out, "%s%s = %s", j ? ", " : "", P->p[j].name, x);
			free(x);
		}
		fprintf(out, "), %d evaluations (%s); rounded, then %d local step%s on the grid\n", res->nlopt_evals,
			res->nlopt_stop ? res->nlopt_stop : "", res->local_steps, res->local_steps == 1 ? "" : "s");
	}
	if (!res->nrows) {
		if (P->feasible == 0 && P->ncon) opt_report_infeasible(out, P);
		else fprintf(out, "  no point was chosen\n");
		return;
	}
	long limit = P->o && P->o->limit > 0 ? P->o->limit : 20;
	size_t shown = res->nrows < (size_t)limit ? res->nrows : (size_t)limit;
	bool verified = false;
	for (size_t i = 0; i < shown; i++) verified |= res->rows[i].verified;
	int nfig = verified ? (int)(sizeof shown_figs / sizeof shown_figs[0]) : 0;
	Table t = {.rows = (int)shown + 1, .cols = 1 + P->np + P->nobj + nfig};
	t.cell = calloc((size_t)t.rows * (size_t)t.cols, sizeof *t.cell);
	if (!t.cell) abort();
	put(&t, 0, 0, heap_strdup("#"));
	for (int j = 0; j < P->np; j++) put(&t, 0, 1 + j, heap_strdup(P->p[j].name));
	for (int k = 0; k < P->nobj; k++)
		put(&t, 0, 1 + P->np + k, heap_printf("%s (%s)", P->obj[k].name, P->obj[k].sense > 0 ? "max" : "min"));
	for (int f = 0; f < nfig; f++) put(&t, 0, 1 + P->np + P->nobj + f, heap_strdup(opt_fig_names[shown_figs[f]]));
	for (size_t i = 0; i < shown; i++) {
		const OptRow *r = &res->rows[i];
		int row = (int)i + 1;
		put(&t, row, 0, heap_printf("%zu", i + 1));
		for (int j = 0; j < P->np; j++) put(&t, row, 1 + j, readable(r->x[j], P->p[j].dim));
		for (int k = 0; k < P->nobj; k++) put(&t, row, 1 + P->np + k, readable(r->out[P->obj[k].out], P->obj[k].dim));
		for (int f = 0; f < nfig; f++) {
			int g = shown_figs[f];
			put(&t, row, 1 + P->np + P->nobj + f,
			    r->verified ? readable(r->fig[g], fig_dim(g)) : heap_strdup(r->sim_error ? "failed" : ""));
		}
	}
	fprintf(out, "  %s of %zu (best first", res->is_front ? "Pareto front" : "ranking", res->nrows);
	if (shown < res->nrows) fprintf(out, "; the first %zu, --limit N shows more", shown);
	fputs("):\n", out);
	table_print(out, &t, P->np);
	for (size_t i = 0; i < shown; i++)
		if (res->rows[i].sim_error && res->rows[i].verified == false && P->verify && i < (size_t)P->verify)
			fprintf(out, "  #%zu could not be simulated: %s\n", i + 1, res->rows[i].sim_error);
}

/* ---------------------------------------------------------------- json */

static json_t *unit_of(Dim d)
{
	char u[64];
	dim_format(d, u, sizeof u);
	return report_str(dim_is_none(d) ? "" : u);
}

static json_t *row_json(const OptProblem *P, const OptRow *r, size_t rank)
{
	json_t *o = json_object(), *x = json_object(), *y = json_object(), *c = json_object();
	json_object_set_new(o, "rank", report_count(rank));
	for (int j = 0; j < P->np; j++) json_object_set_new(x, P->p[j].name, report_num(r->x[j]));
	for (int k = 0; k < P->nobj; k++) json_object_set_new(y, P->obj[k].name, report_num(r->out[P->obj[k].out]));
	for (int i = 0; i < P->ncon; i++) {
		const OptCon *k = &P->con[i];
		json_t *e = json_object();
		json_object_set_new(e, "value", k->op ? report_num(r->out[k->out_l]) : json_boolean(r->out[k->out_l] != 0));
		if (k->op) json_object_set_new(e, "bound", report_num(r->out[k->out_r]));
		json_object_set_new(c, k->text, e);
	}
	json_object_set_new(o, "params", x);
	json_object_set_new(o, "objectives", y);
	json_object_set_new(o, "constraints", c);
	if (r->simulated || r->verified) {
		json_t *f = json_object();
		for (int g = 0; g < OPT_NFIG; g++) json_object_set_new(f, opt_fig_names[g] + 4, report_num(r->fig[g]));
		json_object_set_new(o, "simulated", f);
		if (r->verified) {
			/* each objective next to the simulated figure it predicts */
			json_t *v = json_object();
			for (int k = 0; k < P->nobj; k++) {
				int g = figure_index(P->obj[k].figure);
				if (g < 0 || P->obj[k].sim) continue;
				double a = r->out[P->obj[k].out], m = r->fig[g];
				json_t *e = json_object();
				json_object_set_new(e, "formula", report_num(a));
				json_object_set_new(e, "simulated", report_num(m));
				json_object_set_new(e, "relative_error", report_num((a - m) / m));
				json_object_set_new(v, P->obj[k].name, e);
			}
			json_object_set_new(o, "verified", v);
		}
	}
	if (r->sim_error) json_object_set_new(o, "simulation_error", report_str(r->sim_error));
	return o;
}

void *opt_report_json(const OptProblem *P, const OptResult *res)
{
	json_t *o = json_object();
	json_object_set_new(o, "statement", report_str("optimize"));
	if (P->dname) {
		json_object_set_new(o, "deployment", report_str(P->dname));
		json_object_set_new(o, "workload", report_str(P->wname));
	}
	json_object_set_new(o, "method", report_str(method_name(P->method)));
	json_t *ps = json_array();
	for (int j = 0; j < P->np; j++) {
		json_t *p = json_object();
		json_object_set_new(p, "name", report_str(P->p[j].name));
		json_object_set_new(p, "unit", unit_of(P->p[j].dim));
		json_object_set_new(p, "members", report_count(P->p[j].ndom));
		json_object_set_new(p, "min", report_num(P->p[j].dom[0]));
		json_object_set_new(p, "max", report_num(P->p[j].dom[P->p[j].ndom - 1]));
		json_array_append_new(ps, p);
	}
	json_object_set_new(o, "params", ps);
	json_t *ob = json_array();
	for (int k = 0; k < P->nobj; k++) {
		json_t *e = json_object();
		json_object_set_new(e, "name", report_str(P->obj[k].name));
		json_object_set_new(e, "sense", report_str(P->obj[k].sense > 0 ? "maximize" : "minimize"));
		json_object_set_new(e, "unit", unit_of(P->obj[k].dim));
		json_object_set_new(e, "simulated", json_boolean(P->obj[k].sim));
		json_array_append_new(ob, e);
	}
	json_object_set_new(o, "objectives", ob);
	json_t *cs = json_array();
	for (int i = 0; i < P->ncon; i++) {
		const OptCon *c = &P->con[i];
		json_t *e = json_object();
		json_object_set_new(e, "text", report_str(c->text));
		json_object_set_new(e, "unit", unit_of(c->dim));
		json_object_set_new(e, "simulated", json_boolean(c->sim));
		json_object_set_new(e, "cut", report_count(c->cut));
		json_object_set_new(e, "undefined", report_count(c->undefined));
		if (c->cut && c->op) {
			json_object_set_new(e, "closest", report_num(c->closest));
			json_object_set_new(e, "closest_bound", report_num(c->closest_r));
		}
		json_array_append_new(cs, e);
	}
	json_object_set_new(o, "constraints", cs);
	json_t *n = json_object();
	json_object_set_new(n, "points", report_count(P->npoints));
	json_object_set_new(n, "evaluated", report_count(P->evaluated));
	json_object_set_new(n, "feasible", report_count(P->feasible));
	json_object_set_new(n, "undefined", report_count(P->undefined));
	json_object_set_new(n, "simulated", report_count(P->simulated));
	json_object_set_new(n, "simulation_failures", report_count(P->sim_failed));
	json_object_set_new(n, "unsimulated", report_count(P->unsimulated));
	json_object_set_new(n, "chosen", report_count(res->nrows));
	json_object_set_new(o, "counts", n);
	json_object_set_new(o, "partial", json_boolean(P->interrupted));
	if (res->relaxed) {
		json_t *r = json_object(), *x = json_object();
		json_object_set_new(r, "algorithm", report_str(P->algorithm));
		for (int j = 0; j < P->np; j++) json_object_set_new(x, P->p[j].name, report_num(res->xc[j]));
		json_object_set_new(r, "continuous_params", x);
		json_object_set_new(r, "continuous_objective", report_num(res->fc));
		json_object_set_new(r, "evaluations", json_integer(res->nlopt_evals));
		json_object_set_new(r, "stop", report_str(res->nlopt_stop ? res->nlopt_stop : ""));
		json_object_set_new(r, "local_steps", json_integer(res->local_steps));
		json_object_set_new(o, "nlopt", r);
	}
	json_t *rows = json_array();
	for (size_t i = 0; i < res->nrows; i++) json_array_append_new(rows, row_json(P, &res->rows[i], i + 1));
	json_object_set_new(o, res->is_front ? "front" : "best", rows);
	return o;
}

/* ---------------------------------------------------------------- every point */

/* Calls fn for every evaluated point with its outputs, in index order:
 * the grid again (the same bits as the search), or the simulated points. */
typedef void (*PointFn)(void *ud, const OptProblem *P, uint64_t idx, const double *out);

static void each_point(OptProblem *P, const OptResult *res, PointFn fn, void *ud)
{
	if (P->uses_sim) {
		for (size_t i = 0; i < P->nsim_pts; i++) fn(ud, P, P->sim_idx[i], P->sim_out + i * P->nout);
		return;
	}
	if (P->method == OM_NLOPT) {
		for (size_t i = 0; i < res->nrows; i++) fn(ud, P, res->rows[i].idx, res->rows[i].out);
		return;
	}
	enum { N = 1024 };
	double *in = xmalloc((size_t)N * opt_eval_scratch(P) * sizeof *in), *out = xmalloc((size_t)N * P->nout * sizeof *out + 8);
	for (uint64_t first = 0; first < P->npoints; first += N) {
		size_t n = P->npoints - first < N ? (size_t)(P->npoints - first) : N;
		opt_eval_points(P, first, n, in, out);
		for (size_t i = 0; i < n; i++) fn(ud, P, first + i, out + i * P->nout);
	}
	free(in);
	free(out);
}

static bool in_sorted(const uint64_t *a, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid] < x) lo = mid + 1;
		else hi = mid;
	}
	return lo < n && a[lo] == x;
}

typedef struct CsvOut {
	FILE *f;
	const uint64_t *front;
	size_t nfront;
	double *x;
} CsvOut;

static void csv_num(FILE *f, double v)
{
	if (isfinite(v)) fprintf(f, ",%.17g", v);
	else fputc(',', f);
}

static void csv_quoted(FILE *f, const char *s, bool comma)
{
	if (comma) fputc(',', f);
	csv_put(f, s, true);
}

static void csv_row(void *ud, const OptProblem *P, uint64_t idx, const double *out)
{
	CsvOut *c = ud;
	opt_point_x(P, idx, c->x);
	for (int j = 0; j < P->np; j++) fprintf(c->f, j ? ",%.17g" : "%.17g", c->x[j]);
	for (int k = 0; k < P->nobj; k++) csv_num(c->f, out[P->obj[k].out]);
	for (int i = 0; i < P->ncon; i++) csv_num(c->f, out[P->con[i].out_l]);
	fprintf(c->f, ",%d,%d\n", opt_meets(P, out), in_sorted(c->front, c->nfront, idx));
}

bool opt_report_csv(OptProblem *P, const OptResult *res, const char *path)
{
	if (P->interrupted) {   /* a partial search has no list of every point */
		fprintf(stderr, "sglsim: note: --csv '%s' not written: the search was interrupted\n", path);
		return true;
	}
	FILE *f = !strcmp(path, "-") ? stdout : fopen(path, "w");
	if (!f) {
		fprintf(stderr, "sglsim: error: cannot write the --csv file '%s': %s\n", path, strerror(errno));
		return false;
	}
	for (int j = 0; j < P->np; j++) {
		char u[64];
		dim_format(P->p[j].dim, u, sizeof u);
		char *h = dim_is_none(P->p[j].dim) ? heap_strdup(P->p[j].name) : heap_printf("%s [%s]", P->p[j].name, u);
		csv_quoted(f, h, j > 0);
		free(h);
	}
	for (int k = 0; k < P->nobj; k++) {
		char u[64];
		dim_format(P->obj[k].dim, u, sizeof u);
		char *h = dim_is_none(P->obj[k].dim) ? heap_strdup(P->obj[k].name) : heap_printf("%s [%s]", P->obj[k].name, u);
		csv_quoted(f, h, P->np + k > 0);
		free(h);
	}
	for (int i = 0; i < P->ncon; i++) csv_quoted(f, P->con[i].op ? P->con[i].lhs : P->con[i].text, true);
	fputs(",feasible,pareto\n", f);
	size_t nf;
	uint64_t *front = opt_front_indices(P, res, &nf);
	CsvOut c = {f, front, nf, xmalloc(((size_t)P->np + 1) * sizeof(double))};
	each_point(P, res, csv_row, &c);
	free(c.x);
	free(front);
	bool ok = !ferror(f);
	if (f != stdout) ok = fclose(f) == 0 && ok;
	if (!ok) fprintf(stderr, "sglsim: error: writing the --csv file '%s' failed\n", path);
	return ok;
}

/* ---------------------------------------------------------------- plot */

enum { PLOT_MAX = 200000 };   /* points drawn besides the front */

typedef struct PlotData {
	double *y;
	unsigned char *feas, *front;
	size_t n, cap;
	const uint64_t *fr;
	size_t nfr;
	uint64_t stride;
} PlotData;

static void plot_point(void *ud, const OptProblem *P, uint64_t idx, const double *out)
{
	PlotData *d = ud;
	bool on = in_sorted(d->fr, d->nfr, idx);
	if (!on && idx % d->stride) return;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 1024;
		d->y = xrealloc(d->y, d->cap * (size_t)P->nobj * sizeof *d->y);
		d->feas = xrealloc(d->feas, d->cap);
		d->front = xrealloc(d->front, d->cap);
	}
	for (int k = 0; k < P->nobj; k++) d->y[d->n * (size_t)P->nobj + k] = out[P->obj[k].out];
	d->feas[d->n] = (unsigned char)opt_meets(P, out);
	d->front[d->n] = on;
	d->n++;
}

/* Drops the infeasible points that lie far outside the feasible ones (more
 * than their span beyond them on some axis), which would otherwise squash
 * the front into a corner; returns how many. */
static size_t clip_outliers(const OptProblem *P, PlotData *d)
{
	size_t k = (size_t)P->nobj, w = 0, off = 0;
	double *lo = xmalloc((k + 1) * sizeof *lo), *hi = xmalloc((k + 1) * sizeof *hi);
	for (size_t j = 0; j < k; j++) lo[j] = hi[j] = NAN;
	for (size_t i = 0; i < d->n; i++)
		for (size_t j = 0; d->feas[i] && j < k; j++) {
			double v = d->y[i * k + j];
			if (!(v >= lo[j])) lo[j] = v;
			if (!(v <= hi[j])) hi[j] = v;
		}
	for (size_t i = 0; i < d->n; i++) {
		bool far = false;
		for (size_t j = 0; !d->feas[i] && j < k && !isnan(lo[j]); j++) {
			double v = d->y[i * k + j], span = fmax(hi[j] - lo[j], 0.1 * fmax(fabs(lo[j]), fabs(hi[j])));
			far |= isfinite(v) && (v < lo[j] - span || v > hi[j] + span);
		}
		if (far) {
			off++;
			continue;
		}
		memmove(d->y + w * k, d->y + i * k, k * sizeof *d->y);
		d->feas[w] = d->feas[i];
		d->front[w] = d->front[i];
		w++;
	}
	d->n = w;
	free(lo);
	free(hi);
	return off;
}

bool opt_report_plot(OptProblem *P, const OptResult *res, const char *path)
{
	if (P->interrupted) {
		fprintf(stderr, "sglsim: note: --plot '%s' not drawn: the search was interrupted\n", path);
		return true;
	}
	if (P->nobj < 2) {
		fprintf(stderr, "sglsim: error: --plot draws a front of two or more objectives; this statement has one\n");
		return false;
	}
	size_t nf;
	uint64_t *front = opt_front_indices(P, res, &nf);
	uint64_t total = P->uses_sim ? P->nsim_pts : P->npoints;
	PlotData d = {.fr = front, .nfr = nf, .stride = total > PLOT_MAX ? (total + PLOT_MAX - 1) / PLOT_MAX : 1};
	each_point(P, res, plot_point, &d);
	size_t off = clip_outliers(P, &d);
	/* each axis in a readable unit for its largest value */
	PlotAxis *ax = xmalloc((size_t)P->nobj * sizeof *ax);
	char (*units)[64] = xmalloc((size_t)P->nobj * sizeof *units);
	for (int k = 0; k < P->nobj; k++) {
		/* the unit that reads well on the front (outliers may be far off) */
		double big = 0, f;
		for (int pass = 0; pass < 2 && big == 0; pass++)
			for (size_t i = 0; i < d.n; i++) {
				double v = fabs(d.y[i * (size_t)P->nobj + k]);
				if ((pass || d.front[i]) && isfinite(v) && v > big) big = v;
			}
		units_scale(big, P->obj[k].dim, &f, units[k], sizeof units[k]);
		for (size_t i = 0; i < d.n; i++) d.y[i * (size_t)P->nobj + k] /= f;
		ax[k] = (PlotAxis){P->obj[k].name, units[k], P->obj[k].sense > 0};
	}
	char *why = NULL;
	char *title = off ? heap_printf("%s%s%s (%zu infeasible point%s far off the axes not drawn)",
					P->dname ? P->dname : "", P->dname ? " with " : "", P->dname ? P->wname : "",
					off, off == 1 ? "" : "s")
			  : P->dname ? heap_printf("%s with %s", P->dname, P->wname) : NULL;
	bool ok = plot_front(path, title, ax, (size_t)P->nobj, d.y, d.n, d.feas, d.front, &why) == 0;
	if (!ok) fprintf(stderr, "sglsim: error: --plot %s: %s\n", path, why ? why : "failed");
	free(why);
	free(title);
	free(ax);
	free(units);
	free(d.y);
	free(d.feas);
	free(d.front);
	free(front);
	return ok;
}
