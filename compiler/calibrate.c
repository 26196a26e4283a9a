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
 *      exactly), print the error tables and write the override file
 *      (calibrate_report.c).
 */
#include "config.h"
#include "calibrate_int.h"
#include "driver.h"
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


const FieldDesc cal_fields[NFIELDS] = {
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

const char *const cal_class_names[CAL_NCLASS] = {"gemm", "attention", "moe", "comm"};

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

typedef struct Text {
	Diags diags;
	Program prog;
	Sema *sema;
	bool ok;
} Text;

/* Loads and checks a generated module (diagnostics to stderr). */
static void text_open(Text *t, const char *name, const char *text)
{
	diags_init(&t->diags, NULL, driver_print_diag, NULL);
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
		if (!cal_fields[i].link) ok = field_number(t.sema, &gv, owner, cal_fields[i].name, &gi->vals[i]);
		else if (gi->has_link) ok = field_number(t.sema, &lv, "its nvlink", cal_fields[i].name, &gi->vals[i]);
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
	snprintf(out, n, "__p_%s%s", cal_fields[i].link ? "link_" : "", cal_fields[i].name);
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
		buf_printf(&b, "param %s = %s\n", pn, cal_fields[i].secs ? "1 s" : "0.5");
	}
	for (int a = 0; a < CAL_MAXARGS; a++) buf_printf(&b, "param __x%d = 1\n", a);
	buf_printf(&b, "gpu __cal : %s {\n", o->gpu);
	for (int i = 0; i < NFIELDS; i++)
		if (!cal_fields[i].link) buf_printf(&b, "  %s = __p_%s\n", cal_fields[i].name, cal_fields[i].name);
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
		F->vals[F->fidx[j]] = from_free(&cal_fields[F->fidx[j]], gsl_vector_get(x, (size_t)j), &dv[j]);
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


/* Step 4 for one class: fits its fields in vals (rounded as written). */
static void fit_class(Model *m, const CalData *d, CalClass cls, double *vals, ClassResult *res)
{
	Fit F = {.d = d, .m = m};
	struct keep_class kc = {cls};
	groups_make(&F.gr, d, keep_fitted, &kc);
	for (int v = 0; v < F.gr.nv; v++) F.n += F.gr.nby[v];
	res->nfit = F.n;
	for (int i = 0; i < NFIELDS; i++)
		if (cal_fields[i].cls == cls) F.fidx[F.k++] = i;
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
	for (int j = 0; j < F.k; j++) gsl_vector_set(x0, (size_t)j, to_free(&cal_fields[F.fidx[j]], vals[F.fidx[j]]));
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
		vals[i] = cal_field_text(txt, sizeof txt, from_free(&cal_fields[i], gsl_vector_get(xf, (size_t)j), &dv),
				     cal_fields[i].secs);
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
		all[c] = cal_stats_of(&d, eb, ea, -1, (CalClass)c, &nall[c]);
		bool any = false;
		for (int s = 0; s < d.nsubsets; s++) any |= d.subsets[s].cls == (CalClass)c;
		if (!any) continue;
		if (!first) printf("\n");
		first = false;
		cal_print_class(&d, (CalClass)c, eb, ea, &res[c], gi.vals, vals, !o->no_fit);
	}
	fflush(stdout);
	status = 0;
	if (o->out && !cal_write_output(o, new_name, &gi, &d, vals, res, all, nall)) status = 1;
done:
	free(eb);
	free(ea);
	model_free(&m);
	cal_data_free(&d);
	return status;
}
