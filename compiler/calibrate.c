/* calibrate.c -- `sglsim calibrate` (calibrate.h).
 *
 * The pipeline, in order:
 *   1. read the tables into rows (calibrate_formats.c);
 *   2. probe: load `import kernels` plus the --load files, find gpu NAME
 *      and read its efficiency fields and its nvlink;
 *   3. generate a module that derives `gpu __cal : NAME` with every fitted
 *      field set to a param (__p_compute_eff, ...), one param per law
 *      argument (__x0 ...), and one metric per (law, data type) the rows
 *      need; load it, lower each metric to one DAG and differentiate it by
 *      the field params of its class (dag_derive);
 *   4. fit class by class (gemm, attention, moe, comm), each with the
 *      earlier classes' results fixed: GSL's trust-region
 *      Levenberg-Marquardt on r_i = log t_pred_i - log t_meas_i, the
 *      Jacobian from the derivatives (value and derivatives compiled to one
 *      BcProgram per law and evaluated in blocks of rows), then five more
 *      passes reweighted by Cauchy weights of the residuals (a robust fit:
 *      the bulk of the rows sets the parameters).  Efficiencies are
 *      fitted as the logistic of a free variable, positive scales as its
 *      exp, so every step stays in range;
 *   5. round each fitted value to the 4 significant digits the -o file
 *      shows (so `--load OUT --no-fit` reproduces the "after" errors
 *      exactly), print the error tables and write the override file.
 */
#include "config.h"
#include "calibrate.h"
#include "calibrate_formats.h"
#include "bytecode.h"
#include "lower.h"
#include "simplify.h"
#include "lang/sema_int.h"
#include "lang/suggest.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- fields */

/* The fitted fields, in fitting order within their class.  `eff` fields
 * are shares in (0, 1), the others positive scales; `link` fields belong
 * to the gpu's nvlink; `secs` fields are times. */
typedef struct FieldDesc {
	const char *name;
	CalClass cls;
	bool eff, link, secs;
} FieldDesc;

enum { NFIELDS = 18 };
static const FieldDesc fields[NFIELDS] = {
	{"compute_eff", CAL_GEMM, true, false, false},
	{"fp8_eff", CAL_GEMM, true, false, false},
	{"m_half", CAL_GEMM, false, false, false},
	{"bw_eff", CAL_GEMM, true, false, false},
	{"launch", CAL_GEMM, false, false, true},
	{"wave_time", CAL_GEMM, false, false, true},
	{"attn_eff", CAL_ATTN, true, false, false},
	{"attn_q_half", CAL_ATTN, false, false, false},
	{"attn_bw_eff", CAL_ATTN, true, false, false},
	{"attn_launch", CAL_ATTN, false, false, true},
	{"attn_block_time", CAL_ATTN, false, false, true},
	{"mla_eff", CAL_ATTN, true, false, false},
	{"moe_eff", CAL_MOE, true, false, false},
	{"moe_bw_eff", CAL_MOE, true, false, false},
	{"moe_overhead", CAL_MOE, false, false, true},
	{"bw_factor", CAL_COMM, false, true, false},
	{"latency", CAL_COMM, false, true, true},
	{"custom_latency", CAL_COMM, false, true, true},
};

static const char *class_names[CAL_NCLASS] = {"gemm", "attention", "moe", "comm"};

/* The law call of each CalLaw in the generated module: %s is the data
 * type; __xN are the row's arguments (calibrate_formats.h).  MLA uses the
 * DeepSeek-V3 dimensions (see calibrate_formats.c): head_dim 128,
 * rope_dim 64, kv_lora_rank 512.  One expert-load imbalance of 1: the
 * fitted rows are balanced. */
static const char *law_call[LAW_COUNT] = {
	[LAW_GEMM] = "gemm_time(__cal, %s, __x0, __x1, __x2)",
	[LAW_ATTN_PREFILL] = "attn_prefill_time(__cal, %s, __x0, __x1, __x2, __x3, __x4, __x5)",
	[LAW_ATTN_DECODE] = "attn_decode_time(__cal, %s, __x0, __x1, __x2, __x3, __x4)",
	[LAW_MLA_PREFILL] = "mla_prefill_time(__cal, %s, __x0, __x1, __x2, __x3, 128, 64)",
	[LAW_MLA_DECODE] = "mla_decode_time(__cal, %s, __x0, __x1, __x2, 512, 64)",
	[LAW_MOE] = "moe_time(__cal, %s, __x0, __x1, __x2, __x3, __x4, __x5, __x6, 1)",
	[LAW_ALLREDUCE] = "nccl_allreduce_time(__cal.nvlink, __x0, __x1 * 1 B)",
	[LAW_CUSTOM_AR] = "custom_allreduce_time(__cal.nvlink, __x0, __x1 * 1 B)",
	[LAW_ALLGATHER] = "allgather_time(__cal.nvlink, __x0, __x1 * 1 B)",
	[LAW_REDUCESCATTER] = "reducescatter_time(__cal.nvlink, __x0, __x1 * 1 B)",
	[LAW_ALLTOALL] = "alltoall_time(__cal.nvlink, __x0, __x1 * 1 B)",
	[LAW_P2P] = "p2p_time(__cal.nvlink, __x0 * 1 B)",
};

/* Fit settings: iterations, and the step and gradient tolerances of
 * gsl_multifit_nlinear_driver. */
enum { FIT_MAXITER = 200, FIT_PASSES = 6 };
static const double FIT_XTOL = 1e-8, FIT_GTOL = 1e-8;
/* Cauchy scale of the robust reweighting: a log residual of 0.15 (about
 * 15% error) gets half weight. */
static const double FIT_CAUCHY = 0.15;

/* ------------------------------------------------------------ sessions */

static void print_diag(void *ud, const Diag *d)
{
	const SourceSet *ss = ud;
	Buf b = {0};
	diag_render(&b, ss, d);
	fwrite(b.s, 1, b.len, stderr);
	buf_free(&b);
}

typedef struct Text {
	Diags diags;
	Program prog;
	Sema *sema;
	bool ok;
} Text;

/* Loads and checks a generated module (diagnostics to stderr). */
static void text_open(Text *t, const char *name, const char *text)
{
	diags_init(&t->diags, NULL, print_diag, NULL);
	program_init(&t->prog, &t->diags);
	t->diags.ud = &t->prog.sources;
	t->sema = NULL;
	Module *root = loader_load_text(&t->prog, name, text, strlen(text));
	if (root && !diags_stopped(&t->diags)) {
		t->sema = sema_new(&t->prog);
		sema_check(t->sema, NULL, 0);
	}
	t->ok = root && t->sema && t->diags.errors == 0;
}

static void text_close(Text *t)
{
	diags_free(&t->diags);
	program_free(&t->prog);
}

/* `import "PATH"` lines for the --load files, by absolute path. */
static bool load_imports(const CalibrateOpts *o, Buf *b)
{
	for (int i = 0; i < o->nloads; i++) {
		char real[PATH_MAX];
		if (!realpath(o->loads[i], real)) {
			fprintf(stderr, "sglsim: error: cannot read '%s': %s\n", o->loads[i], strerror(errno));
			return false;
		}
		if (strpbrk(real, "\"\\\n")) {
			fprintf(stderr, "sglsim: error: --load %s: the path has a quote, backslash or newline\n", o->loads[i]);
			return false;
		}
		buf_printf(b, "import \"%s\"\n", real);
	}
	return true;
}

/* What the probe learns about gpu NAME. */
typedef struct GpuInfo {
	double vals[NFIELDS];      /* current values, base units */
	bool has_link;
	char link_name[128];       /* the named link its nvlink is (or derives from) */
	double link_bw;            /* the nvlink's bw when an inline link changes it, else 0 */
} GpuInfo;

static bool field_number(Sema *s, const Value *rec, const char *owner, const char *name, double *v)
{
	Value x = value_field(s, rec, name, NULL);
	if (x.k != V_NUM || !isfinite(x.num)) {
		fprintf(stderr, "sglsim: error: field '%s' of %s is not a number here (%s)\n", name, owner,
			x.k == V_NONE && x.str ? x.str : "not a number");
		return false;
	}
	*v = x.num;
	return true;
}

static Symbol *find_gpu(Text *t, const char *name)
{
	Symbol *sym = sema_lookup(t->sema, t->prog.root, name);
	if (sym && sym->kind == SYM_RECORD && sym->rec && sym->rec->kind == REC_gpu) return sym;
	Suggest sg;
	suggest_init(&sg, name);
	for (int i = 0; i < t->prog.nmods; i++) {
		Scope *sc = t->prog.mods[i]->scope;
		for (unsigned b = 0; sc && b < sc->nb; b++)
			for (Symbol *x = sc->b[b]; x; x = x->next)
				if (x->kind == SYM_RECORD && x->rec && x->rec->kind == REC_gpu && x->name[0] != '_')
					suggest_offer(&sg, x->name);
	}
	const char *best = suggest_best(&sg);
	fprintf(stderr, "sglsim: error: --gpu %s: %s%s%s%s\n", name,
		sym ? "that is not a gpu" : "no gpu of that name (the stdlib's, or one of a --load file)",
		best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
	return NULL;
}

/* Step 2: the gpu's current values and its link; false after errors. */
static bool probe_gpu(const CalibrateOpts *o, const char *new_name, GpuInfo *gi)
{
	Buf b = {0};
	buf_puts(&b, "import kernels\n");
	if (!load_imports(o, &b)) {
		buf_free(&b);
		return false;
	}
	Text t;
	text_open(&t, "<calibrate>", b.s);
	buf_free(&b);
	bool ok = false;
	Symbol *sym = t.ok ? find_gpu(&t, o->gpu) : NULL;
	if (!sym) goto done;
	if (sema_lookup(t.sema, t.prog.root, new_name)) {
		fprintf(stderr, "sglsim: error: --name %s: that name is taken; choose another\n", new_name);
		goto done;
	}
	Value gv = {0};
	gv.k = V_REC;
	gv.rec = sym->rec;
	char owner[256];
	snprintf(owner, sizeof owner, "gpu %s", o->gpu);
	Value lv = value_field(t.sema, &gv, "nvlink", NULL);
	gi->has_link = lv.k == V_REC && lv.rec;
	ok = true;
	for (int i = 0; i < NFIELDS && ok; i++) {
		if (!fields[i].link) ok = field_number(t.sema, &gv, owner, fields[i].name, &gi->vals[i]);
		else if (gi->has_link) ok = field_number(t.sema, &lv, "its nvlink", fields[i].name, &gi->vals[i]);
	}
	if (ok && gi->has_link) {
		Record *named = lv.rec;
		while (named && !named->name) named = named->base;
		if (!named) {
			gi->has_link = false;
		} else {
			snprintf(gi->link_name, sizeof gi->link_name, "%s", named->name);
			Value nv = {0};
			nv.k = V_REC;
			nv.rec = named;
			double bw = 0, nbw = 0;
			ok = field_number(t.sema, &lv, "its nvlink", "bw", &bw) &&
			     field_number(t.sema, &nv, named->name, "bw", &nbw);
			gi->link_bw = bw != nbw ? bw : 0;
		}
	}
done:
	text_close(&t);
	return ok;
}

/* ---------------------------------------------------------- numbers */

/* x with 4 significant digits, in plain decimal (no exponent): the
 * digits of printf's correctly rounded %.3e, with the point moved. */
static void fmt4(char *out, size_t n, double x)
{
	if (x == 0 || !isfinite(x)) {
		snprintf(out, n, "%g", x);
		return;
	}
	char e[32];
	snprintf(e, sizeof e, "%.3e", x);
	const char *m = e[0] == '-' ? e + 1 : e;
	char dig[5] = {m[0], m[2], m[3], m[4], 0};
	int ex = atoi(strchr(m, 'e') + 1);
	Buf b = {0};
	if (x < 0) buf_putc(&b, '-');
	if (ex >= 3) {
		buf_puts(&b, dig);
		for (int i = 3; i < ex; i++) buf_putc(&b, '0');
	} else if (ex >= 0) {
		buf_printf(&b, "%.*s.%s", ex + 1, dig, dig + ex + 1);
	} else {
		buf_puts(&b, "0.");
		for (int i = -1; i > ex; i--) buf_putc(&b, '0');
		buf_puts(&b, dig);
	}
	char *dot = strchr(b.s, '.');
	if (dot) {
		char *end = b.s + strlen(b.s);
		while (end > dot + 1 && end[-1] == '0') *--end = 0;
		if (end == dot + 1) *dot = 0;
	}
	snprintf(out, n, "%s", b.s);
	buf_free(&b);
}

/* A field value as the .sgl text the -o file writes (times with a unit)
 * into out; returns the value that text reads back as, exactly as the
 * lexer computes it (digits, then the unit's power of ten). */
static double field_text(char *out, size_t n, double v, bool secs)
{
	char d[40];
	if (!secs) {
		fmt4(d, sizeof d, v);
		snprintf(out, n, "%s", d);
		return strtod(d, NULL);
	}
	static const struct { int e; const char *u; } units[] = {{0, "s"}, {-3, "ms"}, {-6, "us"}, {-9, "ns"}};
	int k = 0;
	while (k < 3 && fabs(v) < pow(10, units[k].e)) k++;
	fmt4(d, sizeof d, v / pow(10, units[k].e));
	if (!strcmp(d, "1000") && k > 0) {   /* 999.96 us rounds to 1 ms */
		k--;
		fmt4(d, sizeof d, v / pow(10, units[k].e));
	}
	snprintf(out, n, "%s %s", d, units[k].u);
	char e[80];
	snprintf(e, sizeof e, "%se%d", d, units[k].e);
	return strtod(e, NULL);
}

static double logistic(double t) { return 1 / (1 + exp(-t)); }

/* A field value as the free variable of the fit, and back. */
static double to_free(const FieldDesc *f, double v)
{
	if (f->eff) {
		v = fmin(fmax(v, 1e-9), 1 - 1e-9);
		return log(v / (1 - v));
	}
	return log(fmax(v, 1e-300));
}

static double from_free(const FieldDesc *f, double t, double *dv_dt)
{
	double v = f->eff ? logistic(t) : exp(t);
	*dv_dt = f->eff ? v * (1 - v) : v;
	return v;
}

/* ------------------------------------------------------------ formulas */

typedef struct Model {
	bool opened;
	Text text;
	Dag g;
	Lowerer L;
	NodeId *value;          /* per variant: the simplified law */
	int nvariants;
	uint32_t nparams;       /* = NFIELDS + CAL_MAXARGS */
} Model;

static void param_name(char *out, size_t n, int i)
{
	snprintf(out, n, "__p_%s%s", fields[i].link ? "link_" : "", fields[i].name);
}

/* Step 3: the generated module, lowered.  False after errors. */
static bool model_build(Model *m, const CalibrateOpts *o, const GpuInfo *gi, const CalData *d)
{
	memset(m, 0, sizeof *m);
	Buf b = {0};
	buf_puts(&b, "# generated by sglsim calibrate\nimport kernels\n");
	if (!load_imports(o, &b)) {
		buf_free(&b);
		return false;
	}
	for (int i = 0; i < NFIELDS; i++) {
		char pn[64];
		param_name(pn, sizeof pn, i);
		buf_printf(&b, "param %s = %s\n", pn, fields[i].secs ? "1 s" : "0.5");
	}
	for (int a = 0; a < CAL_MAXARGS; a++) buf_printf(&b, "param __x%d = 1\n", a);
	buf_printf(&b, "gpu __cal : %s {\n", o->gpu);
	for (int i = 0; i < NFIELDS; i++)
		if (!fields[i].link) buf_printf(&b, "  %s = __p_%s\n", fields[i].name, fields[i].name);
	if (gi->has_link) {
		buf_printf(&b, "  nvlink = %s { bw_factor = __p_link_bw_factor; latency = __p_link_latency; custom_latency = __p_link_custom_latency", gi->link_name);
		if (gi->link_bw) buf_printf(&b, "; bw = %.17g B/s", gi->link_bw);
		buf_puts(&b, " }\n");
	}
	buf_puts(&b, "}\n");
	for (int v = 0; v < d->nvariants; v++) {
		buf_printf(&b, "metric __v%d = ", v);
		buf_printf(&b, law_call[d->variants[v].law], d->variants[v].dtype ? d->variants[v].dtype : "");
		buf_putc(&b, '\n');
	}
	text_open(&m->text, "<calibrate>", b.s);
	m->opened = true;
	buf_free(&b);
	if (!m->text.ok) return false;
	dag_init(&m->g);
	/* params in declaration order: fields, then law arguments */
	for (AstNode *it = m->text.prog.root->root->kids; it; it = it->next) {
		Symbol *p = it->kind == AST_PARAM ? it->aux : NULL;
		if (p && !p->bound) dag_add_param(&m->g, p->name, p->type.dim);
	}
	m->nparams = m->g.nparams;
	if (m->nparams != NFIELDS + CAL_MAXARGS) abort();
	lower_init(&m->L, m->text.sema, &m->g, NULL);
	m->nvariants = d->nvariants;
	m->value = xmalloc((size_t)(d->nvariants + 1) * sizeof *m->value);
	for (int v = 0; v < d->nvariants; v++) {
		char name[32];
		snprintf(name, sizeof name, "__v%d", v);
		NodeId n = lower_name(&m->L, m->text.prog.root, name);
		if (n == NODE_NONE) {
			fprintf(stderr, "sglsim: error: cannot lower the law %s: %s\n", law_call[d->variants[v].law],
				m->L.why ? m->L.why : "not a number");
			return false;
		}
		m->value[v] = dag_simplify(&m->g, n);
	}
	return true;
}

static void model_free(Model *m)
{
	if (m->value) {
		lower_free(&m->L);
		dag_free(&m->g);
	}
	free(m->value);
	if (m->opened) text_close(&m->text);
}

/* ---------------------------------------------------------- evaluation */

enum { CHUNK = 4096 };

/* Evaluates p at rows idx[0..n) of d with field values vals into
 * out[n * p->nout]. */
static void eval_rows(const BcProgram *p, const CalData *d, const size_t *idx, size_t n, const double *vals,
		      double *out)
{
	uint32_t np = p->nparams;
	double *in = xmalloc((size_t)CHUNK * np * sizeof *in);
	for (size_t i = 0; i < CHUNK; i++) memcpy(in + i * np, vals, NFIELDS * sizeof *vals);
	for (size_t base = 0; base < n; base += CHUNK) {
		size_t m = n - base < CHUNK ? n - base : CHUNK;
		for (size_t i = 0; i < m; i++)
			memcpy(in + i * np + NFIELDS, d->rows[idx[base + i]].x, CAL_MAXARGS * sizeof(double));
		bc_eval_block(p, m, in, out + base * p->nout);
	}
	free(in);
}

/* Rows of d by variant, in row order: by_var[v][0..nby[v]). */
typedef struct Groups {
	size_t **by_var;
	size_t *nby;
	int nv;
} Groups;

static void groups_make(Groups *gr, const CalData *d, bool (*keep)(const CalData *, size_t, const void *),
			const void *ud)
{
	gr->nv = d->nvariants;
	gr->by_var = xmalloc((size_t)(gr->nv + 1) * sizeof *gr->by_var);
	gr->nby = calloc((size_t)gr->nv + 1, sizeof *gr->nby);
	if (!gr->nby) abort();
	for (size_t i = 0; i < d->nrows; i++)
		if (!keep || keep(d, i, ud)) gr->nby[d->rows[i].variant]++;
	for (int v = 0; v < gr->nv; v++) {
		gr->by_var[v] = xmalloc((gr->nby[v] + 1) * sizeof **gr->by_var);
		gr->nby[v] = 0;
	}
	for (size_t i = 0; i < d->nrows; i++)
		if (!keep || keep(d, i, ud)) gr->by_var[d->rows[i].variant][gr->nby[d->rows[i].variant]++] = i;
}

static void groups_free(Groups *gr)
{
	for (int v = 0; v < gr->nv; v++) free(gr->by_var[v]);
	free(gr->by_var);
	free(gr->nby);
}

/* pred / meas of every row at field values vals. */
static void row_ratios(Model *m, const CalData *d, const double *vals, double *ratio)
{
	Groups gr;
	groups_make(&gr, d, NULL, NULL);
	for (int v = 0; v < gr.nv; v++) {
		if (!gr.nby[v]) continue;
		BcProgram *p = bc_compile(&m->g, &m->value[v], 1);
		double *out = xmalloc(gr.nby[v] * sizeof *out);
		eval_rows(p, d, gr.by_var[v], gr.nby[v], vals, out);
		for (size_t i = 0; i < gr.nby[v]; i++) {
			size_t r = gr.by_var[v][i];
			ratio[r] = out[i] / d->rows[r].t;
		}
		free(out);
		bc_free(p);
	}
	groups_free(&gr);
}

/* ----------------------------------------------------------------- fit */

typedef struct Fit {
	const CalData *d;
	Model *m;
	Groups gr;
	BcProgram **prog;       /* per variant: value, then d/d field k */
	int k;
	int fidx[NFIELDS];      /* the fitted fields */
	double vals[NFIELDS];
	size_t n;               /* residuals */
	double *J;              /* n x k, at x_cached */
	double *x_cached;
	bool cached;
	double *out;
} Fit;

struct keep_class { CalClass cls; };
static bool keep_fitted(const CalData *d, size_t i, const void *ud)
{
	const CalSubset *s = &d->subsets[d->rows[i].subset];
	return s->fitted && s->cls == ((const struct keep_class *)ud)->cls;
}

/* Residuals and Jacobian at free variables x. */
static void fit_eval(Fit *F, const gsl_vector *x, gsl_vector *f)
{
	double dv[NFIELDS];
	for (int j = 0; j < F->k; j++)
		F->vals[F->fidx[j]] = from_free(&fields[F->fidx[j]], gsl_vector_get(x, (size_t)j), &dv[j]);
	size_t row = 0;
	uint32_t nout = (uint32_t)F->k + 1;
	for (int v = 0; v < F->gr.nv; v++) {
		size_t n = F->gr.nby[v];
		if (!n) continue;
		eval_rows(F->prog[v], F->d, F->gr.by_var[v], n, F->vals, F->out);
		for (size_t i = 0; i < n; i++, row++) {
			const double *o = F->out + i * nout;
			double t = o[0];
			bool fine = t > 0 && isfinite(t);
			double tc = fine ? t : (t > 0 ? 1e30 : 1e-30);
			if (f) gsl_vector_set(f, row, log(tc) - log(F->d->rows[F->gr.by_var[v][i]].t));
			for (int j = 0; j < F->k; j++) {
				double g = fine ? o[1 + j] / t * dv[j] : 0;
				F->J[row * (size_t)F->k + (size_t)j] = isfinite(g) ? g : 0;
			}
		}
	}
	for (int j = 0; j < F->k; j++) F->x_cached[j] = gsl_vector_get(x, (size_t)j);
	F->cached = true;
}

static int fit_f(const gsl_vector *x, void *ud, gsl_vector *f)
{
	fit_eval(ud, x, f);
	return GSL_SUCCESS;
}

static int fit_df(const gsl_vector *x, void *ud, gsl_matrix *J)
{
	Fit *F = ud;
	bool same = F->cached;
	for (int j = 0; same && j < F->k; j++) same = F->x_cached[j] == gsl_vector_get(x, (size_t)j);
	if (!same) fit_eval(F, x, NULL);
	for (size_t r = 0; r < F->n; r++)
		for (int j = 0; j < F->k; j++) gsl_matrix_set(J, r, (size_t)j, F->J[r * (size_t)F->k + (size_t)j]);
	return GSL_SUCCESS;
}

typedef struct ClassResult {
	size_t nfit;            /* rows fitted */
	size_t niter;
	bool fitted;
	bool unconstrained[NFIELDS];   /* no fitted row's time depends on it */
	const char *stop;       /* why the fit stopped early, or NULL */
} ClassResult;

/* Step 4 for one class: fits its fields in vals (rounded as written). */
static void fit_class(Model *m, const CalData *d, CalClass cls, double *vals, ClassResult *res)
{
	Fit F = {.d = d, .m = m};
	struct keep_class kc = {cls};
	groups_make(&F.gr, d, keep_fitted, &kc);
	for (int v = 0; v < F.gr.nv; v++) F.n += F.gr.nby[v];
	res->nfit = F.n;
	for (int i = 0; i < NFIELDS; i++)
		if (fields[i].cls == cls) F.fidx[F.k++] = i;
	if (F.n == 0 || F.k == 0) {
		groups_free(&F.gr);
		return;
	}
	memcpy(F.vals, vals, sizeof F.vals);
	F.prog = calloc((size_t)F.gr.nv + 1, sizeof *F.prog);
	size_t maxn = 0;
	for (int v = 0; v < F.gr.nv; v++) {
		if (!F.gr.nby[v]) continue;
		if (F.gr.nby[v] > maxn) maxn = F.gr.nby[v];
		NodeId roots[NFIELDS + 1];
		roots[0] = m->value[v];
		for (int j = 0; j < F.k; j++) roots[1 + j] = dag_derive(&m->g, m->value[v], (uint32_t)F.fidx[j]);
		F.prog[v] = bc_compile(&m->g, roots, (uint32_t)F.k + 1);
	}
	F.out = xmalloc((maxn * (size_t)(F.k + 1) + 1) * sizeof *F.out);
	F.J = xmalloc((F.n * (size_t)F.k + 1) * sizeof *F.J);
	F.x_cached = xmalloc((size_t)F.k * sizeof *F.x_cached);

	gsl_vector *x0 = gsl_vector_alloc((size_t)F.k);
	for (int j = 0; j < F.k; j++) gsl_vector_set(x0, (size_t)j, to_free(&fields[F.fidx[j]], vals[F.fidx[j]]));
	gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
	params.trs = gsl_multifit_nlinear_trs_lm;
	gsl_multifit_nlinear_fdf fdf = {0};
	fdf.f = fit_f;
	fdf.df = fit_df;
	fdf.n = F.n;
	fdf.p = (size_t)F.k;
	fdf.params = &F;
	/* n >= p is required: fewer rows than fields cannot determine them */
	bool enough = F.n >= (size_t)F.k;
	gsl_multifit_nlinear_workspace *w =
		enough ? gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, F.n, (size_t)F.k) : NULL;
	const gsl_vector *xf = x0;
	if (w) {
		/* Robust fit: iteratively reweighted least squares with Cauchy
		 * weights 1 / (1 + (r / FIT_CAUCHY)^2) on the log residuals, so
		 * the bulk of the rows sets the parameters and a minority of
		 * shapes the law does not capture (tile quantization, odd
		 * kernels) cannot drag them; the first pass is unweighted. */
		gsl_vector *wt = gsl_vector_alloc(F.n), *r = gsl_vector_alloc(F.n);
		gsl_vector_set_all(wt, 1.0);
		for (int pass = 0; pass < FIT_PASSES; pass++) {
			int info = 0;
			gsl_multifit_nlinear_winit(x0, wt, &fdf, w);
			int status = gsl_multifit_nlinear_driver(FIT_MAXITER, FIT_XTOL, FIT_GTOL, 0, NULL, NULL, &info, w);
			res->niter += gsl_multifit_nlinear_niter(w);
			res->stop = status == GSL_EMAXITER ? "stopped at the iteration limit" :
				    status != GSL_SUCCESS ? gsl_strerror(status) : NULL;
			gsl_vector_memcpy(x0, gsl_multifit_nlinear_position(w));
			fit_eval(&F, x0, r);
			for (size_t i = 0; i < F.n; i++) {
				double q = gsl_vector_get(r, i) / FIT_CAUCHY;
				gsl_vector_set(wt, i, 1 / (1 + q * q));
			}
		}
		gsl_vector_free(wt);
		gsl_vector_free(r);
		xf = x0;
	} else {
		res->stop = "fewer rows than fields: not fitted";
	}
	/* which fields no row depends on (a zero Jacobian column) */
	fit_eval(&F, xf, NULL);
	for (int j = 0; j < F.k; j++) {
		bool zero = true;
		for (size_t r = 0; r < F.n && zero; r++) zero = F.J[r * (size_t)F.k + (size_t)j] == 0;
		res->unconstrained[F.fidx[j]] = zero;
	}
	for (int j = 0; j < F.k && enough; j++) {
		int i = F.fidx[j];
		double dv;
		char txt[64];
		vals[i] = field_text(txt, sizeof txt, from_free(&fields[i], gsl_vector_get(xf, (size_t)j), &dv),
				     fields[i].secs);
	}
	res->fitted = enough;
	if (w) gsl_multifit_nlinear_free(w);
	gsl_vector_free(x0);
	for (int v = 0; v < F.gr.nv; v++) bc_free(F.prog[v]);
	free(F.prog);
	free(F.out);
	free(F.J);
	free(F.x_cached);
	groups_free(&F.gr);
}

/* ------------------------------------------------------------- report */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile of v[0..n) (sorted in place), linearly interpolated. */
static double quantile(double *v, size_t n, double q)
{
	if (n == 0) return NAN;
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n) return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

typedef struct Stats {
	double med_before, p90_before, med_after, p90_after;
	double rms_before, rms_after;   /* of log(pred / meas): what the fit minimises */
} Stats;

/* Median and p90 of the errors |pred/meas - 1| of rows selected by subset
 * s (or, with s < 0, the fitted rows of class cls); eb and ea are pred/meas
 * before and after. */
static Stats stats_of(const CalData *d, const double *eb, const double *ea, int s, CalClass cls, size_t *count)
{
	double *b = xmalloc((d->nrows + 1) * sizeof *b), *a = xmalloc((d->nrows + 1) * sizeof *a);
	size_t n = 0;
	double sb = 0, sa = 0;
	for (size_t i = 0; i < d->nrows; i++) {
		const CalSubset *sub = &d->subsets[d->rows[i].subset];
		if (s >= 0 ? (int)d->rows[i].subset != s : !(sub->cls == cls && sub->fitted)) continue;
		sb += log(eb[i]) * log(eb[i]);
		sa += log(ea[i]) * log(ea[i]);
		b[n] = fabs(eb[i] - 1);
		a[n++] = fabs(ea[i] - 1);
	}
	qsort(b, n, sizeof *b, cmp_double);
	qsort(a, n, sizeof *a, cmp_double);
	Stats st = {quantile(b, n, 0.5), quantile(b, n, 0.9), quantile(a, n, 0.5), quantile(a, n, 0.9),
		    n ? sqrt(sb / (double)n) : NAN, n ? sqrt(sa / (double)n) : NAN};
	free(b);
	free(a);
	*count = n;
	return st;
}

static void pct(char *out, size_t n, double x)
{
	if (isnan(x)) snprintf(out, n, "-");
	else snprintf(out, n, "%.1f%%", 100 * x);
}

static void print_row(const char *label, int width, size_t rows, Stats st, bool fit)
{
	char a[32], b[32], c[32], e[32];
	pct(a, sizeof a, st.med_before);
	pct(b, sizeof b, st.p90_before);
	pct(c, sizeof c, st.med_after);
	pct(e, sizeof e, st.p90_after);
	printf("  %-*s %7zu  %19s  %10s", width, label, rows, a, b);
	if (fit) printf("  %12s  %9s", c, e);
	printf("\n");
}

static void print_class(const CalData *d, CalClass cls, const double *eb, const double *ea, const ClassResult *res,
			const double *before, const double *after, bool fit)
{
	size_t total = 0;
	int width = (int)strlen("subset");
	for (int s = 0; s < d->nsubsets; s++)
		if (d->subsets[s].cls == cls) {
			total += d->subsets[s].nrows;
			int w = (int)strlen(d->subsets[s].label);
			if (w > width) width = w;
		}
	if (!total) return;
	int nf = 0;
	for (int i = 0; i < NFIELDS; i++) nf += fields[i].cls == cls;
	bool did_fit = fit && res->fitted;
	size_t n;
	Stats all = stats_of(d, eb, ea, -1, cls, &n);
	if (did_fit)
		printf("%s: %d parameters fitted on %zu rows (%zu iterations%s%s; rms log error %.3f -> %.3f)\n",
		       class_names[cls], nf, res->nfit, res->niter, res->stop ? ", " : "", res->stop ? res->stop : "",
		       all.rms_before, all.rms_after);
	else if (fit)
		printf("%s: not fitted (%s); %zu rows\n", class_names[cls],
		       res->nfit ? res->stop : "no rows to fit", total);
	else
		printf("%s: %zu rows (not fitted: --no-fit)\n", class_names[cls], total);
	printf("  %-*s %7s  %19s  %10s", width, "subset", "rows", did_fit ? "median|err| before" : "median|err|",
	       did_fit ? "p90 before" : "p90");
	if (did_fit) printf("  %12s  %9s", "median after", "p90 after");
	printf("\n");
	for (int s = 0; s < d->nsubsets; s++) {
		if (d->subsets[s].cls != cls) continue;
		size_t n;
		Stats st = stats_of(d, eb, ea, s, cls, &n);
		print_row(d->subsets[s].label, width, n, st, did_fit);
	}
	if (n) print_row(n < total ? "all fitted" : "all", width, n, all, did_fit);
	printf("  ");
	bool first = true;
	for (int i = 0; i < NFIELDS; i++) {
		if (fields[i].cls != cls) continue;
		char b[64], a[64];
		field_text(b, sizeof b, before[i], fields[i].secs);
		field_text(a, sizeof a, after[i], fields[i].secs);
		printf("%s%s%s %s", first ? "" : ", ", fields[i].link ? "nvlink." : "", fields[i].name, b);
		if (did_fit) printf(" -> %s%s", a, res->unconstrained[i] ? " (no row depends on it)" : "");
		first = false;
	}
	printf("\n");
}

/* ------------------------------------------------------------ -o file */

/* Path of `to` relative to folder `from` (both absolute and normalized,
 * as realpath gives them). */
static void relative_path(Buf *b, const char *from, const char *to)
{
	size_t common = 0;   /* from[0..common) is a whole-component prefix of to */
	for (size_t i = 0;; i++) {
		if (from[i] == 0 || from[i] == '/') {
			if (strncmp(from, to, i) || to[i] != '/') break;
			common = i;
		}
		if (!from[i]) break;
	}
	for (const char *p = from + common; *p; p++)
		if (*p == '/' && p[1]) buf_puts(b, "../");
	buf_puts(b, to + common + 1);
}

/* The command line as a shell would take it back. */
static void command_line(Buf *b, const CalibrateOpts *o)
{
	buf_puts(b, "sglsim");
	for (int i = 1; i < o->argc; i++) {
		const char *a = o->argv[i];
		bool plain = *a != 0;
		for (const char *p = a; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *p))
				plain = false;
		if (plain) {
			buf_printf(b, " %s", a);
			continue;
		}
		buf_puts(b, " '");
		for (const char *p = a; *p; p++)
			if (*p == '\'') buf_puts(b, "'\\''");
			else buf_putc(b, *p);
		buf_putc(b, '\'');
	}
}

static bool write_output(const CalibrateOpts *o, const char *new_name, const GpuInfo *gi, const CalData *d,
			 const double *vals, const ClassResult *res, const Stats *all, const size_t *nall)
{
	Buf b = {0};
	buf_puts(&b, "# Calibrated by: ");
	command_line(&b, o);
	buf_puts(&b, "\n# Data:");
	for (int i = 0; i < o->ndata; i++) buf_printf(&b, "\n#   %s", o->data[i]);
	buf_puts(&b, "\n");
	for (int c = 0; c < CAL_NCLASS; c++)
		if (res[c].fitted)
			buf_printf(&b, "# %s: %zu rows fitted, median |error| %.1f%% -> %.1f%%\n", class_names[c], nall[c],
				   100 * all[c].med_before, 100 * all[c].med_after);
	buf_puts(&b, "import gpus\n");
	char dir[PATH_MAX];
	{
		char tmp[PATH_MAX];
		snprintf(tmp, sizeof tmp, "%s", o->out);
		char *slash = strrchr(tmp, '/');
		if (slash == tmp) tmp[1] = 0;
		else if (slash) *slash = 0;
		else snprintf(tmp, sizeof tmp, ".");
		if (!realpath(tmp, dir)) {
			fprintf(stderr, "sglsim: error: cannot write '%s': %s\n", o->out, strerror(errno));
			buf_free(&b);
			return false;
		}
	}
	for (int i = 0; i < o->nloads; i++) {
		char real[PATH_MAX];
		if (!realpath(o->loads[i], real)) continue;
		buf_puts(&b, "import \"");
		relative_path(&b, dir, real);
		buf_puts(&b, "\"\n");
	}
	buf_printf(&b, "\ngpu %s : %s {\n", new_name, o->gpu);
	for (int i = 0; i < NFIELDS; i++) {
		CalClass c = fields[i].cls;
		if (fields[i].link || !res[c].fitted) continue;
		char txt[64], line[128];
		field_text(txt, sizeof txt, vals[i], fields[i].secs);
		snprintf(line, sizeof line, "  %-12s = %s", fields[i].name, txt);
		buf_printf(&b, "%-30s # %s, %zu rows%s\n", line, class_names[c], res[c].nfit,
			   res[c].unconstrained[i] ? " (none depends on it: unchanged)" : "");
	}
	if (gi->has_link && res[CAL_COMM].fitted) {
		buf_printf(&b, "  nvlink = %s {", gi->link_name);
		const char *sep = " ";
		if (gi->link_bw) {
			buf_printf(&b, " bw = %.17g B/s", gi->link_bw);
			sep = "; ";
		}
		for (int i = 0; i < NFIELDS; i++) {
			if (!fields[i].link) continue;
			char txt[64];
			field_text(txt, sizeof txt, vals[i], fields[i].secs);
			buf_printf(&b, "%s%s = %s", sep, fields[i].name, txt);
			sep = "; ";
		}
		buf_printf(&b, " }   # comm, %zu rows\n", res[CAL_COMM].nfit);
	}
	buf_puts(&b, "}\n");
	FILE *f = fopen(o->out, "w");
	bool ok = f && fwrite(b.s, 1, b.len, f) == b.len;
	if (f && fclose(f) != 0) ok = false;
	if (!ok) fprintf(stderr, "sglsim: error: cannot write '%s': %s\n", o->out, strerror(errno));
	buf_free(&b);
	return ok;
}

/* ------------------------------------------------------------- command */

/* The shortest trailing part of each path that tells it from the others
 * ("mlp.csv", or "Llama-2-7b-hf/mlp.csv" when two are named mlp.csv). */
static const char *short_label(const CalibrateOpts *o, int i)
{
	const char *p = o->data[i];
	for (int parts = 1;; parts++) {
		const char *s = p + strlen(p);
		for (int k = 0; k < parts && s > p; k++) {
			s--;
			while (s > p && s[-1] != '/') s--;
			if (k + 1 < parts && s > p) s--;
		}
		if (s < p) s = p;
		if (s == p) return p;
		bool unique = true;
		size_t sl = strlen(s);
		for (int j = 0; j < o->ndata && unique; j++) {
			if (j == i) continue;
			size_t ql = strlen(o->data[j]);
			if (ql >= sl && !strcmp(o->data[j] + ql - sl, s) && (ql == sl || o->data[j][ql - sl - 1] == '/'))
				unique = false;
		}
		if (unique) return s;
	}
}

int cmd_calibrate(const CalibrateOpts *o)
{
	gsl_set_error_handler_off();
	char new_name[256];
	snprintf(new_name, sizeof new_name, "%s%s", o->name ? o->name : o->gpu, o->name ? "" : "_calibrated");
	CalData d = {0};
	int status = 1;
	Model m = {0};
	double *eb = NULL, *ea = NULL;
	for (int i = 0; i < o->ndata; i++) {
		char *msg = NULL;
		CalRead r = cal_read_table(&d, o->data[i], short_label(o, i), &msg);
		if (msg) fprintf(stderr, "%s\n", msg);
		free(msg);
		if (r == CAL_READ_ERROR) goto done;
	}
	if (d.nrows == 0) {
		fprintf(stderr, "sglsim: error: no rows to calibrate on\n");
		goto done;
	}
	GpuInfo gi = {0};
	if (!probe_gpu(o, new_name, &gi)) goto done;
	bool comm = false;
	for (int v = 0; v < d.nvariants; v++) comm |= cal_law_class(d.variants[v].law) == CAL_COMM;
	if (comm && !gi.has_link) {
		fprintf(stderr, "sglsim: error: gpu %s has no nvlink to evaluate the collectives on\n", o->gpu);
		goto done;
	}
	if (!model_build(&m, o, &gi, &d)) goto done;

	double vals[NFIELDS];
	memcpy(vals, gi.vals, sizeof vals);
	eb = xmalloc((d.nrows + 1) * sizeof *eb);
	ea = xmalloc((d.nrows + 1) * sizeof *ea);
	row_ratios(&m, &d, vals, eb);
	ClassResult res[CAL_NCLASS] = {{0}};
	if (!o->no_fit)
		for (int c = 0; c < CAL_NCLASS; c++) fit_class(&m, &d, (CalClass)c, vals, &res[c]);
	if (o->no_fit) memcpy(ea, eb, d.nrows * sizeof *ea);
	else row_ratios(&m, &d, vals, ea);

	Stats all[CAL_NCLASS];
	size_t nall[CAL_NCLASS];
	bool first = true;
	for (int c = 0; c < CAL_NCLASS; c++) {
		all[c] = stats_of(&d, eb, ea, -1, (CalClass)c, &nall[c]);
		bool any = false;
		for (int s = 0; s < d.nsubsets; s++) any |= d.subsets[s].cls == (CalClass)c;
		if (!any) continue;
		if (!first) printf("\n");
		first = false;
		print_class(&d, (CalClass)c, eb, ea, &res[c], gi.vals, vals, !o->no_fit);
	}
	fflush(stdout);
	status = 0;
	if (o->out && !write_output(o, new_name, &gi, &d, vals, res, all, nall)) status = 1;
done:
	free(eb);
	free(ea);
	model_free(&m);
	cal_data_free(&d);
	return status;
}
