/* bench_eval.c -- times sglsim's evaluation tiers through the C API.
 *
 *   bench_eval FORMULAS.sexpr POINTS.csv STATIC.so NAME... [-r REPS]
 *
 * FORMULAS.sexpr is the output of `sglsim expr FILE NAME... --format sexpr`
 * (simplified formulas; shared nodes as `#ID = (...)` lines).  This program
 * lowers nothing itself: it rebuilds exactly those DAG nodes with dag_op,
 * in a Dag whose params are numbered like the columns of POINTS.csv, then
 * compiles them with bc_compile and times, per point and metric:
 *
 *   interp scalar   bc_eval, one point at a time
 *   interp block    bc_eval_block over all points
 *   JIT scalar      jit_scalar(j), one point at a time
 *   JIT batch       jit_batch(j) over all points
 *   static C        STATIC.so: `double sc_K(const double *p)` per metric,
 *                   compiled by gcc from `sglsim expr --format c`, one call
 *                   per point and metric
 *
 * and the JIT's cold compile (SGLSIM_CACHE_DIR set to a fresh folder) and
 * its load from the cache.  Every figure is the median of REPS runs
 * (default 5).  All tiers are checked against interp block: the bytecode
 * tiers must agree bit for bit; static C too (its code performs the same
 * IEEE operations), a difference is reported, not fatal.
 *
 * Output: one line per measurement, `key value unit`, for bench.sh to
 * format.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "compiler/bytecode.h"
#include "compiler/dag.h"
#include "compiler/jit.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "bench_eval: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) die("cannot read %s", path);
	size_t cap = 1 << 16, n = 0;
	char *s = malloc(cap);
	size_t r;
	while ((r = fread(s + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 == cap) s = realloc(s, cap *= 2);
	}
	fclose(f);
	s[n] = 0;
	if (len) *len = n;
	return s;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ------------------------------------------------------------ sexpr reader */

typedef struct Reader {
	Dag *g;
	const char *s;
	NodeId *named;      /* #ID -> node (per metric) */
	uint32_t nnamed;
} Reader;

static void skip_ws(Reader *r)
{
	while (*r->s == ' ' || *r->s == '\t') r->s++;
}

static size_t word_len(const char *s)
{
	size_t n = 0;
	while (s[n] && !isspace((unsigned char)s[n]) && s[n] != '(' && s[n] != ')') n++;
	return n;
}

static NodeId read_node(Reader *r);

static DagOp op_by_name(const char *w, size_t n)
{
	for (int op = 0; op < DOP_COUNT; op++) {
		const char *name = dag_op_info((DagOp)op)->name;
		if (strlen(name) == n && !strncmp(name, w, n)) return (DagOp)op;
	}
	char buf[64];
	snprintf(buf, sizeof buf, "%.*s", (int)(n < 60 ? n : 60), w);
	die("unknown operator '%s' in the formulas", buf);
	return DOP_COUNT;
}

static NodeId read_node(Reader *r)
{
	skip_ws(r);
	const char *w = r->s;
	if (*w == '(') {
		r->s++;
		skip_ws(r);
		size_t n = word_len(r->s);
		DagOp op = op_by_name(r->s, n);
		r->s += n;
		char label[256] = "";
		if (op == DOP_LABEL) {
			skip_ws(r);
			size_t m = word_len(r->s);
			snprintf(label, sizeof label, "%.*s", (int)m, r->s);
			r->s += m;
		}
		NodeId args[256];
		uint32_t nargs = 0;
		for (;;) {
			skip_ws(r);
			if (*r->s == ')') {
				r->s++;
				break;
			}
			if (!*r->s || *r->s == '\n') die("unbalanced parentheses in the formulas%s", "");
			if (nargs == 256) die("too many operands%s", "");
			args[nargs++] = read_node(r);
		}
		if (op == DOP_LABEL) return dag_label(r->g, label, args[0]);
		return dag_op(r->g, op, args, nargs);
	}
	size_t n = word_len(w);
	if (!n) die("expected a formula at '%.40s'", w);
	r->s += n;
	if (*w == '#') {
		unsigned long id = strtoul(w + 1, NULL, 10);
		if (id >= r->nnamed || r->named[id] == NODE_NONE) die("undefined node %.20s", w);
		return r->named[id];
	}
	if (isdigit((unsigned char)*w) || *w == '-' || *w == '.' || !strncmp(w, "inf", 3) ||
	    !strncmp(w, "nan", 3)) {
		char buf[64];
		snprintf(buf, sizeof buf, "%.*s", (int)(n < 63 ? n : 63), w);
		char *end;
		double v = strtod(buf, &end);
		if (*end) die("bad number '%s'", buf);
		return dag_const(r->g, v);
	}
	for (uint32_t k = 0; k < r->g->nparams; k++)
		if (strlen(r->g->params[k].name) == n && !strncmp(r->g->params[k].name, w, n))
			return dag_param(r->g, k);
	char buf[64];
	snprintf(buf, sizeof buf, "%.*s", (int)(n < 63 ? n : 63), w);
	die("the formulas use '%s', which is not a column of the points CSV", buf);
	return NODE_NONE;
}

/* Reads `NAME = ...` blocks for names[0..n) into roots[]. */
static void read_formulas(Dag *g, char *text, char **names, int n, NodeId *roots)
{
	Reader r = {g, NULL, NULL, 0};
	int k = n == 1 ? 0 : -1;   /* one name: sglsim prints no `NAME = ` */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		size_t ln;
		if (k + 1 < n && (ln = strlen(names[k + 1]), !strncmp(line, names[k + 1], ln)) &&
		    !strncmp(line + ln, " = ", 3)) {
			k++;
			line += ln + 3;
			for (uint32_t i = 0; i < r.nnamed; i++) r.named[i] = NODE_NONE;
		}
		if (k < 0) die("the formulas do not start with '%s = '", names[0]);
		if (line[0] == '#') {   /* #ID = (...) */
			unsigned long id = strtoul(line + 1, &line, 10);
			if (strncmp(line, " = ", 3)) die("bad definition line in the formulas%s", "");
			if (id >= r.nnamed) {
				uint32_t old = r.nnamed;
				r.nnamed = (uint32_t)id + 1024;
				r.named = realloc(r.named, r.nnamed * sizeof *r.named);
				for (uint32_t i = old; i < r.nnamed; i++) r.named[i] = NODE_NONE;
			}
			r.s = line + 3;
			r.named[id] = read_node(&r);
		} else {
			r.s = line;
			roots[k] = read_node(&r);
		}
	}
	if (k != n - 1) die("the formulas lack '%s'", names[k + 1]);
	free(r.named);
}

/* ------------------------------------------------------------ points CSV */

static double *read_points(const char *path, Dag *g, size_t *npoints)
{
	size_t len;
	char *s = slurp(path, &len);
	char *p = s, *eol = strchr(p, '\n');
	if (!eol) die("%s: no header", path);
	*eol = 0;
	for (char *tok = strtok(p, ","); tok; tok = strtok(NULL, ",")) {
		size_t n = strlen(tok);
		while (n && (tok[n - 1] == '\r' || tok[n - 1] == ' ')) tok[--n] = 0;
		dag_add_param(g, tok, (Dim){{0}});
	}
	uint32_t np = g->nparams;
	size_t cap = 1024, n = 0;
	double *v = malloc(cap * np * sizeof *v);
	p = eol + 1;
	while (*p) {
		if (n == cap) v = realloc(v, (cap *= 2) * np * sizeof *v);
		for (uint32_t c = 0; c < np; c++) {
			char *end;
			v[n * np + c] = strtod(p, &end);
			if (end == p) die("%s: bad number", path);
			p = end;
			if (*p == ',') p++;
		}
		while (*p == '\r' || *p == '\n') p++;
		n++;
	}
	free(s);
	*npoints = n;
	return v;
}

/* ------------------------------------------------------------ timing */

typedef double (*StaticFn)(const double *);

typedef struct Bench {
	const BcProgram *prog;
	JitScalarFn jscalar;
	JitBatchFn jbatch;
	StaticFn *sfn;
	size_t n;
	const double *in;
	double *out;
} Bench;

enum { T_ISCALAR, T_IBLOCK, T_JSCALAR, T_JBATCH, T_STATIC, T_COUNT };
static const char *tier_key[T_COUNT] = {"interp_scalar", "interp_block", "jit_scalar", "jit_batch",
					 "static_c"};

static double run_tier(const Bench *b, int t)
{
	const BcProgram *p = b->prog;
	uint32_t np = p->nparams, no = p->nout;
	double t0 = now();
	switch (t) {
	case T_ISCALAR:
		for (size_t j = 0; j < b->n; j++) bc_eval(p, b->in + j * np, b->out + j * no);
		break;
	case T_IBLOCK: bc_eval_block(p, b->n, b->in, b->out); break;
	case T_JSCALAR:
		for (size_t j = 0; j < b->n; j++) b->jscalar(b->in + j * np, b->out + j * no);
		break;
	case T_JBATCH: b->jbatch((long)b->n, b->in, b->out); break;
	case T_STATIC:
		for (size_t j = 0; j < b->n; j++)
			for (uint32_t k = 0; k < no; k++) b->out[j * no + k] = b->sfn[k](b->in + j * np);
		break;
	}
	return now() - t0;
}

static char *fresh_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *d = malloc(4096);
	snprintf(d, 4096, "%s/bench_jit.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(d)) die("mkdtemp: %s", strerror(errno));
	return d;
}

static void rm_dir(const char *d)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
	if (system(cmd) != 0) fprintf(stderr, "bench_eval: could not remove %s\n", d);
}

int main(int argc, char **argv)
{
	int reps = 5;
	char *names[64];
	int nnames = 0;
	const char *pos[3] = {NULL, NULL, NULL};
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-r") && i + 1 < argc) reps = atoi(argv[++i]);
		else if (npos < 3) pos[npos++] = argv[i];
		else if (nnames < 64) names[nnames++] = argv[i];
	}
	if (npos < 3 || nnames == 0 || reps < 1) {
		fprintf(stderr, "usage: bench_eval FORMULAS.sexpr POINTS.csv STATIC.so NAME... [-r REPS]\n");
		return 2;
	}
	if (reps > 99) reps = 99;

	Dag g;
	dag_init(&g);
	size_t npoints;
	double *in = read_points(pos[1], &g, &npoints);
	char *text = slurp(pos[0], NULL);
	NodeId roots[64];
	read_formulas(&g, text, names, nnames, roots);
	free(text);
	BcProgram *prog = bc_compile(&g, roots, (uint32_t)nnames);
	if (prog->nparams != g.nparams) die("bc_compile: unexpected param count%s", "");
	printf("points %zu\n", npoints);
	printf("metrics %d\n", nnames);
	printf("params %u\n", g.nparams);
	printf("dag_nodes %zu\n", dag_count(&g, roots, (size_t)nnames));
	printf("bytecode_insns %u\n", prog->ncode);

	/* JIT: cold compiles into fresh cache folders, then loads from them */
	double cold[99], load[99];
	Jit *jit = NULL;
	char *why = NULL;
	int hits = 0;
	for (int r = 0; r < reps; r++) {
		char *dir = fresh_dir();
		setenv("SGLSIM_CACHE_DIR", dir, 1);
		double t0 = now();
		Jit *j = jit_compile(prog, &why);
		cold[r] = now() - t0;
		if (!j) {
			printf("jit_unavailable %s\n", why ? why : "?");
			rm_dir(dir);
			free(dir);
			break;
		}
		jit_free(j);
		t0 = now();
		j = jit_compile(prog, &why);
		load[r] = now() - t0;
		hits += j && jit_cache_hit(j);
		if (r == reps - 1) jit = j;   /* keep the last one for the timings */
		else jit_free(j);
		rm_dir(dir);
		free(dir);
	}
	unsetenv("SGLSIM_CACHE_DIR");
	if (jit) {
		printf("jit_cold_ms %.3f\n", 1e3 * median(cold, reps));
		printf("jit_load_ms %.3f\n", 1e3 * median(load, reps));
		printf("jit_cache_hits %d/%d\n", hits, reps);
	}

	/* static C */
	void *so = dlopen(pos[2], RTLD_NOW | RTLD_LOCAL);
	if (!so) die("dlopen: %s", dlerror());
	StaticFn sfn[64];
	for (int k = 0; k < nnames; k++) {
		char sym[32];
		snprintf(sym, sizeof sym, "sc_%d", k);
		sfn[k] = (StaticFn)(uintptr_t)dlsym(so, sym);
		if (!sfn[k]) die("%s: no function sc_K", pos[2]);
	}

	size_t nout = npoints * (size_t)nnames;
	double *ref = malloc(nout * sizeof *ref), *out = malloc(nout * sizeof *out);
	bc_eval_block(prog, npoints, in, ref);
	Bench b = {prog, jit ? jit_scalar(jit) : NULL, jit ? jit_batch(jit) : NULL, sfn, npoints, in, out};
	/* the tiers take turns, so that a change in the machine's load hits
	 * them alike; the first round is a warm-up and the check */
	static double times[T_COUNT][99];
	size_t diff[T_COUNT] = {0};
	double maxrel[T_COUNT] = {0};
	for (int r = -1; r < reps; r++)
		for (int t = 0; t < T_COUNT; t++) {
			if ((t == T_JSCALAR || t == T_JBATCH) && !jit) continue;
			double dt = run_tier(&b, t);
			if (r >= 0) {
				times[t][r] = dt;
				continue;
			}
			for (size_t i = 0; i < nout; i++) {
				if (memcmp(&out[i], &ref[i], sizeof(double)) && !(isnan(out[i]) && isnan(ref[i]))) {
					diff[t]++;
					double rel = fabs(out[i] - ref[i]) / fmax(fabs(ref[i]), 1e-300);
					if (rel > maxrel[t]) maxrel[t] = rel;
				}
			}
		}
	for (int t = 0; t < T_COUNT; t++) {
		if ((t == T_JSCALAR || t == T_JBATCH) && !jit) continue;
		printf("%s_ns %.3f\n", tier_key[t], 1e9 * median(times[t], reps) / (double)nout);
		printf("%s_diff %zu %.3g\n", tier_key[t], diff[t], maxrel[t]);
	}
	jit_free(jit);
	bc_free(prog);
	dlclose(so);
	free(in);
	free(ref);
	free(out);
	dag_free(&g);
	return 0;
}
