/* commands.c -- `sglsim expr` and `sglsim eval` (commands.h).
 *
 * Both load and check the file (driver.c), parse the requested
 * expressions from the command line, check them like any expression of
 * the file's root module, and lower them to one shared DAG.  expr prints
 * the simplified formula (or its derivative); eval compiles the roots to
 * bytecode and evaluates them at one point or at every row of a CSV file,
 * on the interpreter or the JIT.
 */
#include "config.h"
#include "commands.h"
#include "bytecode.h"
#include "graph.h"
#include "jit.h"
#include "lower.h"
#include "print.h"
#include "simplify.h"
#include "units_fmt.h"
#include "lang/parse.h"
#include "runtime/csv.h"
#include "runtime/num.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Evaluations at or above this count are worth a JIT compile (TOOLCHAIN.md:
 * a compile pays for itself after ~10^5 evaluations). */
enum { JIT_THRESHOLD = 100000 };

typedef struct Roots {
	Dag g;
	Lowerer L;
	Value ctx[REC_COUNT];
	NodeId *nodes;
	Dim *dims;
	const char **names;
	int n;
} Roots;

/* Parses, checks and lowers each expression text; false after errors.
 * With all_params, every free param of the file is an input, in
 * declaration order, whether the expressions use it or not (a stable
 * layout for the compile ABI). */
static bool lower_all(Session *s, const DriverOpts *o, const char *const *texts, int n, Roots *r,
		      bool all_params)
{
	dag_init(&r->g);
	if (all_params)
		for (AstNode *it = s->prog.root->root->kids; it; it = it->next) {
			Symbol *p = it->kind == AST_PARAM ? it->aux : NULL;
			if (p && !p->bound) dag_add_param(&r->g, p->name, p->type.dim);
		}
	bool bound = o->for_d != NULL;
	if (bound && !sema_bind_contexts(s->sema, o->for_d, o->with_w, r->ctx)) return false;
	lower_init(&r->L, s->sema, &r->g, bound ? r->ctx : NULL);
	r->nodes = xmalloc((size_t)(n + 1) * sizeof *r->nodes);
	r->dims = xmalloc((size_t)(n + 1) * sizeof *r->dims);
	r->names = xmalloc((size_t)(n + 1) * sizeof *r->names);
	r->n = n;
	bool ok = true;
	for (int i = 0; i < n; i++) {
		uint32_t f = source_add(&s->prog.sources, "<command line>", NULL, texts[i], strlen(texts[i]));
		int errors = s->diags.errors;
		AstNode *e = parse_expr(&s->prog.arena, &s->diags, f);
		r->names[i] = texts[i];
		r->nodes[i] = NODE_NONE;
		if (!e || s->diags.errors > errors || !sema_check_cli_expr(s->sema, e, bound, &r->dims[i])) {
			ok = false;
			continue;
		}
		r->nodes[i] = lower_expr(&r->L, s->prog.root, e);
		if (r->nodes[i] == NODE_NONE) {
			diag_error(&s->diags, e->span, "cannot compute '%s' as a formula: %s", texts[i],
				   r->L.why ? r->L.why : "it is not a number");
			ok = false;
		}
	}
	return ok;
}

static void roots_free(Roots *r)
{
	lower_free(&r->L);
	dag_free(&r->g);
	free(r->nodes);
	free(r->dims);
	free(r->names);
}

int cmd_expr(const DriverOpts *o, const ExprOpts *x)
{
	DagFormat fmt = FMT_INFIX;
	if (x->format && !dag_format_parse(x->format, &fmt)) {
		fprintf(stderr, "sglsim: unknown --format '%s'; use infix, latex, c, sympy or sexpr\n", x->format);
		return 2;
	}
	Session s;
	session_open(&s, o, o->files[0]);
	Roots r = {0};
	int status = 1;
	/* --diff P with P fixed by -D: the derivative at P's value, so P is
	 * lowered free and replaced by its value after differentiating */
	Symbol *dp = s.ok && x->diff ? sema_lookup(s.sema, s.prog.root, x->diff) : NULL;
	if (s.ok && x->diff && (!dp || dp->kind != SYM_PARAM)) {
		fprintf(stderr, "sglsim: error: --diff %s: no param named '%s'\n", x->diff, x->diff);
		goto done;
	}
	bool at = dp && dp->bound;
	if (at) dp->bound = false;
	bool lowered = s.ok && lower_all(&s, o, o->files + 1, o->nfiles - 1, &r, false);
	if (at) dp->bound = true;
	if (!lowered) goto done;
	status = 0;
	for (int i = 0; i < r.n; i++) {
		NodeId n = r.nodes[i];
		size_t before = dag_count(&r.g, &n, 1);
		if (dp) {
			uint32_t k = dag_add_param(&r.g, dp->name, dp->type.dim);
			n = dag_derive(&r.g, n, k);
			if (at) n = dag_simplify(&r.g, dag_import(&r.g, &r.g, n, k, dp->value.num));
		} else if (!x->raw) {
			n = dag_simplify(&r.g, n);
		}
		size_t after = dag_count(&r.g, &n, 1);
		Buf b = {0};
		if (r.n > 1 && fmt != FMT_C) buf_printf(&b, "%s = ", r.names[i]);
		if (!dag_print(&b, &r.g, n, fmt, r.n > 1 ? NULL : "sglsim_formula", 64u << 20)) {
			fprintf(stderr, "sglsim: error: the formula of '%s' is too large to print\n", r.names[i]);
			status = 1;
		} else {
			fwrite(b.s, 1, b.len, stdout);
			if (b.len && b.s[b.len - 1] != '\n') fputc('\n', stdout);
		}
		buf_free(&b);
		if (x->stats)
			fprintf(stderr, "%s: %zu nodes, %zu after %s\n", r.names[i], before, after,
				x->diff ? "differentiation" : x->raw ? "lowering" : "simplification");
	}
done:
	if (r.nodes) roots_free(&r);
	session_close(&s);
	return status;
}

/* ---------------------------------------------------------------- eval */

/* A --points CSV file in memory: rows of cells (RFC 4180 quoting). */
typedef struct Points {
	char ***rows;
	int *ncols;
	int nrows;
} Points;

static void points_free(Points *c)
{
	for (int i = 0; i < c->nrows; i++) {
		for (int k = 0; k < c->ncols[i]; k++) free(c->rows[i][k]);
		free(c->rows[i]);
	}
	free(c->rows);
	free(c->ncols);
}

/* Rows a --points file may have (doc/limits.md): the file is held in
 * memory, some 100 to 200 bytes a cell. */
enum { POINTS_MAX_ROWS = 100000000 };

/* Reads a whole CSV file (RFC 4180 quoting; blanks around a cell and a
 * CR before the newline trimmed; blank lines skipped) into c; false with
 * *err (heap) when the file cannot be read or passes a limit: a line of
 * CSV_MAX_LINE bytes, CSV_MAX_FIELDS cells, POINTS_MAX_ROWS rows, a NUL
 * byte, an unclosed quote. */
static bool points_read(const char *path, Points *c, char **err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	memset(c, 0, sizeof *c);
	Buf why = {0};
	if (!f) {
		buf_printf(&why, "cannot read '%s': %s", path, strerror(errno));
		*err = why.s;
		return false;
	}
	Buf cell = {0};
	char **row = NULL;
	int nrow = 0, capr = 0;
	size_t linelen = 0;   /* bytes of the row so far */
	int ch;
	bool quoted = false, any = false;
	for (;;) {
		ch = fgetc(f);
		int line = c->nrows + 1;
		if (ch != EOF && (quoted || ch != '\n') && ++linelen > CSV_MAX_LINE) {
			buf_printf(&why, "'%s' row %d is longer than %d bytes", path, line, CSV_MAX_LINE);
			break;
		}
		if (ch == 0) {
			buf_printf(&why, "'%s' row %d has a NUL byte (is this a text file?)", path, line);
			break;
		}
		if (quoted) {
			if (ch == EOF) {   /* an error, not a silently dropped row */
				buf_printf(&why, "'%s' row %d: a quoted field is not closed before the end of the file",
					   path, line);
				break;
			}
			if (ch == '"') {
				int nx = fgetc(f);
				if (nx == '"') { buf_putc(&cell, '"'); continue; }
				quoted = false;
				ch = nx;
			} else {
				buf_putc(&cell, (char)ch);
				continue;
			}
		}
		if (ch == '"' && cell.len == 0) { quoted = true; any = true; continue; }
		if (ch != ',' && ch != '\n' && ch != EOF) {
			any = true;
			buf_putc(&cell, (char)ch);
			continue;
		}
		if (ch == EOF && ferror(f)) {
			buf_printf(&why, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		if (ch == EOF && !any && nrow == 0) break;
		if (nrow == CSV_MAX_FIELDS) {
			buf_printf(&why, "'%s' row %d has more than %d cells", path, line, CSV_MAX_FIELDS);
			break;
		}
		buf_putn(&cell, "", 0);
		/* trim a CR and surrounding blanks */
		char *t = cell.s;
		size_t len = cell.len;
		while (len && (t[len - 1] == '\r' || t[len - 1] == ' ' || t[len - 1] == '\t')) len--;
		while (len && (*t == ' ' || *t == '\t')) t++, len--;
		if (nrow == capr) {
			capr = capr ? 2 * capr : 8;
			row = xrealloc(row, (size_t)capr * sizeof *row);
		}
		row[nrow] = xmalloc(len + 1);
		memcpy(row[nrow], t, len);
		row[nrow++][len] = 0;
		cell.len = 0;
		if (ch == ',') continue;
		bool blank = nrow == 1 && !row[0][0];
		if (!blank && c->nrows == POINTS_MAX_ROWS) {
			buf_printf(&why, "'%s' has more than %d rows; split it", path, POINTS_MAX_ROWS);
			break;
		}
		if (blank) {
			free(row[0]);
			free(row);
		} else {
			c->rows = xrealloc(c->rows, (size_t)(c->nrows + 1) * sizeof *c->rows);
			c->ncols = xrealloc(c->ncols, (size_t)(c->nrows + 1) * sizeof *c->ncols);
			c->rows[c->nrows] = row;
			c->ncols[c->nrows++] = nrow;
		}
		row = NULL;
		nrow = capr = 0;
		linelen = 0;
		any = false;
		if (ch == EOF) break;
	}
	for (int k = 0; k < nrow; k++) free(row[k]);
	free(row);
	buf_free(&cell);
	if (f != stdin) fclose(f);
	if (why.s) {
		points_free(c);
		memset(c, 0, sizeof *c);
		*err = why.s;
		return false;
	}
	return true;
}

/* A cell: a number, optionally with a unit of the param's dimension. */
static bool cell_value(const char *s, Dim want, double *v, const char **why)
{
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (end == s || errno == ERANGE) {
		*why = "not a number";
		return false;
	}
	while (*end == ' ') end++;
	if (*end) {
		double mul, div;
		Dim d;
		size_t bo, bl;
		if (!unit_parse(end, strlen(end), &mul, &div, &d, &bo, &bl)) {
			*why = "unknown unit";
			return false;
		}
		if (!dim_eq(d, want)) {
			*why = "the unit has the wrong dimension for this param";
			return false;
		}
		x = x * mul / div;
	}
	*v = x;
	return true;
}

static void put_json_number(FILE *out, double v)
{
	char x[48];
	if (!isfinite(v)) { fputs("null", out); return; }
	num_format(x, sizeof x, v);
	fputs(x, out);
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20) fprintf(out, "\\u%04x", *s);
		else fputc(*s, out);
	}
	fputc('"', out);
}

/* Evaluates n points with the tier asked for; *used_jit tells which ran. */
static void evaluate(const BcProgram *p, size_t n, const double *in, double *out, const char *jit,
		     bool *used_jit)
{
	*used_jit = false;
	bool want = jit && !strcmp(jit, "always");
	if (jit && !strcmp(jit, "auto")) want = n * (p->nout ? p->nout : 1) >= JIT_THRESHOLD;
	if (want) {
		char *why = NULL;
		/* many points: the lanes evaluator too (all params vary) */
		Jit *j = n >= 64 * JIT_LANES ? jit_compile_rows(p, &why) : jit_compile(p, &why);
		if (j) {
			if (n == 1) jit_scalar(j)(in, out);
			else jit_eval_rows(j, (long)n, in, out);
			jit_free(j);
			*used_jit = true;
			return;
		}
		fprintf(stderr, "sglsim: note: the JIT is not available (%s); using the interpreter\n",
			why ? why : "unknown reason");
		free(why);
	}
	if (n == 1) bc_eval(p, in, out);
	else bc_eval_block(p, n, in, out);
}

int cmd_eval(const DriverOpts *o, const EvalOpts *x)
{
	const char *jit = x->jit ? x->jit : "auto";
	if (strcmp(jit, "auto") && strcmp(jit, "always") && strcmp(jit, "never")) {
		fprintf(stderr, "sglsim: --jit takes auto, always or never, not '%s'\n", jit);
		return 2;
	}
	Session s;
	session_open(&s, o, o->files[0]);
	Roots r = {0};
	int status = 1;
	BcProgram *p = NULL;
	Points csv = {0};
	double *in = NULL, *out = NULL;
	if (!s.ok || !lower_all(&s, o, o->files + 1, o->nfiles - 1, &r, false)) goto done;
	p = bc_compile(&r.g, r.nodes, (uint32_t)r.n);
	uint32_t np = r.g.nparams;
	size_t npoints = 1;
	int *col = xmalloc((np + 1) * sizeof *col);
	if (x->points) {
		char *err = NULL;
		if (!points_read(x->points, &csv, &err)) {
			fprintf(stderr, "sglsim: error: --points %s\n", err);
			free(err);
			free(col);
			goto done;
		}
		if (csv.nrows == 0) {
			fprintf(stderr, "sglsim: error: --points %s: the file is empty (a header row naming params is needed)\n", x->points);
			free(col);
			goto done;
		}
		npoints = (size_t)csv.nrows - 1;
	}
	in = xmalloc((npoints * np + 1) * sizeof *in);
	out = xmalloc((npoints * (size_t)r.n + 1) * sizeof *out);
	bool bad = false;
	for (uint32_t k = 0; k < np; k++) {
		col[k] = -1;
		if (x->points)
			for (int c = 0; c < csv.ncols[0]; c++)
				if (!strcmp(csv.rows[0][c], r.g.params[k].name)) col[k] = c;
		if (col[k] >= 0) continue;
		double v;
		if (!value_param_default(s.sema, r.g.params[k].name, &v)) {
			if (x->points)
				fprintf(stderr, "sglsim: error: --points %s: no column for param '%s' (and it has no default)\n",
					x->points, r.g.params[k].name);
			else
				fprintf(stderr, "sglsim: error: param '%s' has no value: give -D %s=VALUE or a --points column\n",
					r.g.params[k].name, r.g.params[k].name);
			bad = true;
			continue;
		}
		for (size_t i = 0; i < npoints; i++) in[i * np + k] = v;
	}
	for (size_t i = 0; !bad && i < npoints; i++)
		for (uint32_t k = 0; k < np; k++) {
			if (col[k] < 0) continue;
			const char *why = NULL;
			int row = (int)i + 1;
			const char *cell = col[k] < csv.ncols[row] ? csv.rows[row][col[k]] : "";
			if (!cell_value(cell, r.g.params[k].dim, &in[i * np + k], &why)) {
				fprintf(stderr, "%s:%d:%d: error: column '%s': %s ('%s')\n", x->points, row + 1,
					col[k] + 1, r.g.params[k].name, why, cell);
				bad = true;
				break;
			}
		}
	free(col);
	if (bad) goto done;
	bool used_jit;
	evaluate(p, npoints, in, out, jit, &used_jit);
	status = 0;
	/* a value that is not finite is never passed off as a result silently */
	size_t bad_cells = 0;
	for (size_t i = 0; i < npoints * (size_t)r.n; i++)
		if (!isfinite(out[i])) {
			if (!x->points) {
				char v[48];
				num_format(v, sizeof v, out[i]);
				fprintf(stderr, "sglsim: error: '%s' is not finite (%s) at this point%s\n",
					r.names[i % (size_t)r.n], v,
					isnan(out[i]) ? " (a nan() marks an infeasible point, e.g. a model that does not fit)" : "");
				status = 1;
			}
			bad_cells++;
		}
	if (x->points && bad_cells)
		fprintf(stderr, "sglsim: note: %zu of %zu values are not finite (inf or nan)\n", bad_cells,
			npoints * (size_t)r.n);
	if (!x->points && !x->json) {
		for (int k = 0; k < r.n; k++) {
			Buf b = {0};
			units_readable(&b, out[k], r.dims[k]);
			printf("%s = %s\n", r.names[k], b.s);
			buf_free(&b);
		}
	} else if (!x->points) {
		printf("{");
		for (int k = 0; k < r.n; k++) {
			printf(k ? ", " : "");
			json_string(stdout, r.names[k]);
			printf(": ");
			put_json_number(stdout, out[k]);
		}
		printf("}\n");
	} else if (x->json) {
		printf("[\n");
		for (size_t i = 0; i < npoints; i++) {
			printf("  {");
			for (int k = 0; k < r.n; k++) {
				printf(k ? ", " : "");
				json_string(stdout, r.names[k]);
				printf(": ");
				put_json_number(stdout, out[i * (size_t)r.n + k]);
			}
			printf(i + 1 < npoints ? "},\n" : "}\n");
		}
		printf("]\n");
	} else {
		for (int c = 0; c < csv.ncols[0]; c++) {
			csv_put(stdout, csv.rows[0][c], false);
			putchar(',');
		}
		for (int k = 0; k < r.n; k++) {
			csv_put(stdout, r.names[k], false);
			putchar(k + 1 < r.n ? ',' : '\n');
		}
		for (size_t i = 0; i < npoints; i++) {
			int row = (int)i + 1;
			for (int c = 0; c < csv.ncols[0]; c++) {
				csv_put(stdout, c < csv.ncols[row] ? csv.rows[row][c] : "", false);
				putchar(',');
			}
			for (int k = 0; k < r.n; k++) {
				char v[48];
				num_format(v, sizeof v, out[i * (size_t)r.n + k]);
				printf("%s%s", v, k + 1 < r.n ? "," : "\n");
			}
		}
	}
done:
	free(in);
	free(out);
	points_free(&csv);
	bc_free(p);
	if (r.nodes) roots_free(&r);
	session_close(&s);
	return status;
}

/* ---------------------------------------------------------------- graph */

/* Values of every param: -D (already constants), else the default. */
static bool param_values(Session *s, const Dag *g, double *v)
{
	for (uint32_t k = 0; k < g->nparams; k++)
		if (!value_param_default(s->sema, g->params[k].name, &v[k])) {
			fprintf(stderr, "sglsim: error: --values needs a value for param '%s': give -D %s=VALUE\n",
				g->params[k].name, g->params[k].name);
			return false;
		}
	return true;
}

/* Metric names a metric body uses directly. */
static void metric_refs(Sema *s, Module *m, AstNode *e, Symbol **metrics, int nm, uint8_t *row)
{
	if (!e) return;
	if (e->kind == AST_NAME) {
		Symbol *sym = sema_lookup(s, m, e->name);
		for (int j = 0; j < nm; j++)
			if (metrics[j] == sym) row[j] = 1;
	}
	metric_refs(s, m, e->a, metrics, nm, row);
	metric_refs(s, m, e->b, metrics, nm, row);
	metric_refs(s, m, e->c, metrics, nm, row);
	for (AstNode *k = e->kids; k; k = k->next) metric_refs(s, m, k, metrics, nm, row);
}

/* --deps: every metric of the file over the params it depends on. */
static int graph_deps(Session *s, const DriverOpts *o, const GraphCmdOpts *x)
{
	Module *root = s->prog.root;
	int nm = 0;
	for (AstNode *it = root->root->kids; it; it = it->next) nm += it->kind == AST_METRIC;
	if (nm == 0) {
		fprintf(stderr, "sglsim: error: %s defines no metric, and --deps draws the file's own metrics; "
			"draw expressions instead (e.g. sglsim graph %s ttft -o OUT, with --for D --with W for "
			"the stdlib's metrics)\n", o->files[0], o->files[0]);
		return 1;
	}
	const char **names = xmalloc((size_t)nm * sizeof *names);
	Symbol **syms = xmalloc((size_t)nm * sizeof *syms);
	int i = 0;
	for (AstNode *it = root->root->kids; it; it = it->next)
		if (it->kind == AST_METRIC) {
			names[i] = it->name;
			syms[i++] = it->aux;
		}
	Roots r = {0};
	int status = 1;
	if (lower_all(s, o, names, nm, &r, true)) {
		size_t np = r.g.nparams;
		uint8_t *up = calloc((size_t)nm * np + 1, 1), *um = calloc((size_t)nm * nm + 1, 1);
		uint8_t *reach = malloc(r.g.n + 1);
		if (!up || !um || !reach) abort();
		const char **pn = xmalloc((np + 1) * sizeof *pn);
		for (size_t k = 0; k < np; k++) pn[k] = r.g.params[k].name;
		for (int m = 0; m < nm; m++) {
			memset(reach, 0, r.g.n + 1);
			reach[r.nodes[m]] = 1;
			for (uint32_t id = r.g.n; id-- > 0;) {
				if (!reach[id]) continue;
				if (dag_opof(&r.g, id) == DOP_PARAM) up[(size_t)m * np + dag_node(&r.g, id)->sym] = 1;
				for (uint32_t k = 0; k < dag_node(&r.g, id)->nargs; k++) reach[dag_args(&r.g, id)[k]] = 1;
			}
			metric_refs(s->sema, root, syms[m]->decl->a, syms, nm, um + (size_t)m * nm);
			um[(size_t)m * nm + m] = 0;
		}
		char *why = NULL;
		if (graph_write_deps(names, (size_t)nm, pn, np, up, um, x->out, &why) != 0) {
			fprintf(stderr, "sglsim: error: %s\n", why ? why : "cannot write the graph");
			free(why);
		} else {
			status = 0;
		}
		free(up);
		free(um);
		free(reach);
		free(pn);
	}
	if (r.nodes) roots_free(&r);
	free(names);
	free(syms);
	return status;
}

int cmd_graph(const DriverOpts *o, const GraphCmdOpts *x)
{
	GraphFormat f;
	if (!x->out || !graph_format_from_path(x->out, &f)) {
		fprintf(stderr, "sglsim: graph needs -o FILE ending in .dot, .svg, .png or .mmd\n");
		return 2;
	}
	Session s;
	session_open(&s, o, o->files[0]);
	Roots r = {0};
	int status = 1;
	double *values = NULL;
	if (s.ok && x->deps) {
		status = graph_deps(&s, o, x);
		goto done;
	}
	if (!s.ok || !lower_all(&s, o, o->files + 1, o->nfiles - 1, &r, false)) goto done;
	if (x->simplify)
		for (int i = 0; i < r.n; i++) r.nodes[i] = dag_simplify(&r.g, r.nodes[i]);
	GraphOptions go = {NULL, x->max_nodes > 0 ? (size_t)x->max_nodes : 0};
	if (x->values) {
		double *p = xmalloc((r.g.nparams + 1) * sizeof *p);
		if (!param_values(&s, &r.g, p)) {
			free(p);
			goto done;
		}
		/* every node is a root: its register holds its value */
		uint32_t n = r.g.n;
		NodeId *all = xmalloc((n + 1) * sizeof *all);
		for (uint32_t i = 0; i < n; i++) all[i] = i;
		BcProgram *prog = bc_compile(&r.g, all, n);
		values = xmalloc((n + 1) * sizeof *values);
		bc_eval(prog, p, values);
		bc_free(prog);
		free(all);
		free(p);
		go.values = values;
	}
	char *why = NULL;
	if (graph_write(&r.g, r.nodes, r.names, (size_t)r.n, x->out, &go, &why) != 0) {
		fprintf(stderr, "sglsim: error: %s\n", why ? why : "cannot write the graph");
		free(why);
		goto done;
	}
	status = 0;
done:
	free(values);
	if (r.nodes) roots_free(&r);
	session_close(&s);
	return status;
}

/* -------------------------------------------------------------- compile */

int cmd_compile(const DriverOpts *o, const CompileOpts *x)
{
	if (!x->out) {
		fprintf(stderr, "sglsim: compile needs -o FILE.so\n");
		return 2;
	}
	Session s;
	session_open(&s, o, o->files[0]);
	Roots r = {0};
	int status = 1;
	BcProgram *p = NULL;
	const char **texts = NULL;
	int n = o->nfiles - 1;
	if (!s.ok) goto done;
	if (n > 0) {
		texts = xmalloc((size_t)n * sizeof *texts);
		memcpy(texts, o->files + 1, (size_t)n * sizeof *texts);
	} else {
		/* every metric of the file, in order */
		texts = xmalloc(sizeof *texts);
		for (AstNode *it = s.prog.root->root->kids; it; it = it->next)
			if (it->kind == AST_METRIC) {
				texts = xrealloc(texts, (size_t)(n + 1) * sizeof *texts);
				texts[n++] = it->name;
			}
		if (n == 0) {
			fprintf(stderr, "sglsim: error: %s defines no metric to compile; name metrics or expressions "
				"after the file (e.g. ttft tpot, with --for D --with W for the stdlib's metrics)\n",
				o->files[0]);
			goto done;
		}
	}
	if (!lower_all(&s, o, texts, n, &r, true)) goto done;
	p = bc_compile(&r.g, r.nodes, (uint32_t)r.n);
	const char **pn = xmalloc((r.g.nparams + 1) * sizeof *pn);
	const char **units = xmalloc(((size_t)r.n + 1) * sizeof *units);
	for (uint32_t k = 0; k < r.g.nparams; k++) pn[k] = r.g.params[k].name;
	for (int k = 0; k < r.n; k++) {
		char u[64];
		dim_format(r.dims[k], u, sizeof u);
		units[k] = arena_strdup(&s.prog.arena, u);
	}
	char *why = NULL;
	JitLibOpts lo = {x->native, x->prefix};
	if (jit_compile_to_file(p, pn, r.names, units, x->out, x->header, &lo, &why) != 0) {
		fprintf(stderr, "sglsim: error: cannot compile to %s: %s\n", x->out, why ? why : "unknown reason");
		free(why);
	} else {
		status = 0;
	}
	free(pn);
	free(units);
done:
	free(texts);
	bc_free(p);
	if (r.nodes) roots_free(&r);
	session_close(&s);
	return status;
}
