/* optimize.c -- runs `optimize [D with W] { ... }` (optimize.h).
 *
 * The pipeline of one statement:
 *   1. bind D and W, and an empty `sim` record whose figures lower to
 *      inputs named sim.ttft.p99, ...;
 *   2. lower every objective and both sides of every constraint into one
 *      DAG whose inputs are the `over` params first (declared in that
 *      order), then whatever else the formulas read (params fixed at their
 *      defaults, sim.* figures); simplify; compile to bytecode and, for
 *      large grids, to machine code (bit-identical either way);
 *   3. read the domains, the method and `verify`;
 *   4. search (opt_eval.c), verify the chosen points by simulation, and
 *      report (opt_report.c).
 */
#include "config.h"
#include "optimize.h"
#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lower.h"
#include "opt_int.h"
#include "relax.h"
#include "runtime/heapstr.h"
#include "simplify.h"
#include "simulate.h"

/* Grids larger than this are refused (the evaluation would take hours). */
#define OPT_MAX_POINTS 100000000000ull

void optimize_session_init(OptSession *os, const OptOpts *o)
{
	memset(os, 0, sizeof *os);
	os->o = o;
	os->results = json_array();
}

bool optimize_session_finish(OptSession *os)
{
	json_t *a = os->results;
	bool ok = true;
	if (os->o && os->o->json && json_array_size(a) > 0) {
		json_t *doc = json_array_size(a) == 1 ? json_incref(json_array_get(a, 0)) : json_incref(a);
		int flags = JSON_INDENT(2) | JSON_REAL_PRECISION(17);
		if (!strcmp(os->o->json, "-")) {
			ok = json_dumpf(doc, stdout, flags) == 0;
			fputc('\n', stdout);
		} else if (json_dump_file(doc, os->o->json, flags) != 0) {
			fprintf(stderr, "sglsim: error: cannot write the --json file '%s': %s\n", os->o->json, strerror(errno));
			ok = false;
		}
		json_decref(doc);
	}
	json_decref(a);
	os->results = NULL;
	return ok;
}

/* ---------------------------------------------------------------- clauses */

static const char *span_text(Sema *s, Span sp)
{
	const Source *src = source_get(&s->prog->sources, sp.file);
	if (!src) return "?";
	return arena_printf(s->ar, "%.*s", (int)(sp.hi - sp.lo), src->text + sp.lo);
}

/* The simulated figure a metric of the stdlib predicts, for verification. */
static const char *figure_of(const char *name)
{
	static const char *const map[][2] = {
		{"throughput", "sim.throughput"}, {"ttft", "sim.ttft.mean"}, {"tpot", "sim.tpot.mean"},
		{"e2e_latency", "sim.e2e.mean"}, {"goodput", "sim.goodput"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i][0], name)) return map[i][1];
	return NULL;
}

typedef struct Build {
	OptProblem *P;
	Lowerer L;
	NodeId *roots;
	int nroots, cap;
	bool ok;
} Build;

static uint32_t add_root(Build *b, NodeId n)
{
	if (b->nroots == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->roots = xrealloc(b->roots, (size_t)b->cap * sizeof *b->roots);
	}
	b->roots[b->nroots] = n;
	return (uint32_t)b->nroots++;
}

static NodeId lower_or_fail(Build *b, AstNode *e)
{
	OptProblem *P = b->P;
	NodeId n = lower_expr(&b->L, P->m, e);
	if (n == NODE_NONE) {
		diag_error(P->s->d, e->span, "cannot optimize this: %s", b->L.why ? b->L.why : "it is not a number");
		b->ok = false;
	}
	return n;
}

static void add_objective(Build *b, AstNode *c)
{
	OptProblem *P = b->P;
	OptObj o = {.sense = c->op == '+' ? 1 : -1};
	o.name = c->kname ? c->kname : span_text(P->s, c->a->span);
	sema_opt_expr_dim(P->s, P->m, c->a, P->dname != NULL, &o.dim);
	o.figure = c->a->kind == AST_NAME ? figure_of(c->a->name) : NULL;
	NodeId n = lower_or_fail(b, c->a);
	if (n == NODE_NONE) return;
	o.out = add_root(b, n);
	P->obj = xrealloc(P->obj, (size_t)(P->nobj + 1) * sizeof *P->obj);
	P->obj[P->nobj++] = o;
}

static bool is_comparison(int op)
{
	return op == '<' || op == '>' || op == OP_LE || op == OP_GE || op == OP_EQ || op == OP_NE;
}

static void add_constraint(Build *b, AstNode *k)
{
	OptProblem *P = b->P;
	OptCon c = {.text = span_text(P->s, k->span), .closest = NAN, .closest_r = NAN, .first_undefined = UINT64_MAX};
	if (k->kind == AST_BINARY && is_comparison(k->op)) {
		c.op = k->op;
		c.lhs = span_text(P->s, k->a->span);
		sema_opt_expr_dim(P->s, P->m, k->a, P->dname != NULL, &c.dim);
		NodeId l = lower_or_fail(b, k->a), r = lower_or_fail(b, k->b);
		if (l == NODE_NONE || r == NODE_NONE) return;
		c.out_l = add_root(b, l);
		c.out_r = add_root(b, r);
	} else {
		c.lhs = c.text;
		c.dim = dim_none;
		NodeId n = lower_or_fail(b, k);
		if (n == NODE_NONE) return;
		c.out_l = c.out_r = add_root(b, n);
	}
	P->con = xrealloc(P->con, (size_t)(P->ncon + 1) * sizeof *P->con);
	P->con[P->ncon++] = c;
}

/* The members of param p's domain for a search (ascending, no repeats). */
static bool read_domain(OptProblem *P, Symbol *p, Span at, OptParam *op)
{
	op->name = p->name;
	op->dim = p->type.dim;
	if (p->bound) {
		op->dom = xmalloc(sizeof *op->dom);
		op->dom[0] = p->value.num;
		op->ndom = 1;
		return true;
	}
	if (!p->ndomain) {
		diag_error(P->s->d, at, "param '%s' has no domain to search ('in {...}' or 'in LO .. HI')", p->name);
		return false;
	}
	if (!p->is_range) {
		op->dom = xmalloc((size_t)p->ndomain * sizeof *op->dom);
		for (int i = 0; i < p->ndomain; i++) op->dom[i] = p->domain[i].num;
		op->ndom = (size_t)p->ndomain;
		/* ascending, each once */
		for (size_t i = 1; i < op->ndom; i++)
			for (size_t j = i; j > 0 && op->dom[j - 1] > op->dom[j]; j--) {
				double t = op->dom[j];
				op->dom[j] = op->dom[j - 1];
				op->dom[j - 1] = t;
			}
		size_t w = 0;
		for (size_t i = 0; i < op->ndom; i++)
			if (!w || op->dom[w - 1] != op->dom[i]) op->dom[w++] = op->dom[i];
		op->ndom = w;
		return true;
	}
	double lo = p->domain[0].num, hi = p->domain[1].num, step;
	if (p->ndomain > 2) {
		step = p->domain[2].num;
	} else if (dim_is_none(p->type.dim) && lo == floor(lo) && hi == floor(hi)) {
		step = 1;   /* a range of whole numbers: every integer */
	} else {
		Diag *d = sema_diag(P->s, at, "param '%s' is a continuous range: give it a step to search it", p->name);
		diag_note(P->s->d, d, p->decl->nspan, "e.g. 'param %s in LO .. HI step S'", p->name);
		sema_emit(P->s, d);
		return false;
	}
	double n = floor((hi - lo) / step * (1 + 1e-12)) + 1;
	if (!(step > 0) || !(n >= 1) || n > 1e9) {
		diag_error(P->s->d, at, "param '%s': the range has %.3g steps; at most 1e9 can be searched", p->name, n);
		return false;
	}
	op->ndom = (size_t)n;
	op->dom = xmalloc(op->ndom * sizeof *op->dom);
	for (size_t i = 0; i < op->ndom; i++) op->dom[i] = lo + (double)i * step;
	return true;
}

static Symbol *param_symbol(OptProblem *P, const char *name)
{
	Symbol *p = sema_lookup(P->s, P->s->prog->root, name);
	return p && p->kind == SYM_PARAM ? p : NULL;
}

/* The `over` params, declared first in the DAG so they are inputs 0..np-1. */
static bool read_over(Build *b, AstNode *over)
{
	OptProblem *P = b->P;
	if (!over) return true;
	AstNode *list = over->a->kind == AST_TUPLE ? over->a->kids : over->a;
	bool single = over->a->kind != AST_TUPLE;
	bool ok = true;
	for (AstNode *k = list; k; k = single ? NULL : k->next) {
		Symbol *p = param_symbol(P, k->name);
		if (!p) return false;  /* reported by the check */
		P->p = xrealloc(P->p, (size_t)(P->np + 1) * sizeof *P->p);
		OptParam *op = &P->p[P->np];
		memset(op, 0, sizeof *op);
		if (!read_domain(P, p, k->span, op)) {
			ok = false;
			continue;
		}
		op->in = dag_add_param(&b->P->g, p->name, p->type.dim);
		P->np++;
	}
	return ok;
}

/* Without `over`: every free param the formulas read, in declaration order. */
static bool default_over(Build *b)
{
	OptProblem *P = b->P;
	bool ok = true;
	for (AstNode *it = P->s->prog->root->root->kids; it; it = it->next) {
		Symbol *p = it->kind == AST_PARAM ? it->aux : NULL;
		if (!p || p->bound) continue;
		uint32_t k;
		for (k = 0; k < P->g.nparams; k++)
			if (!strcmp(P->g.params[k].name, p->name)) break;
		if (k == P->g.nparams) continue;
		P->p = xrealloc(P->p, (size_t)(P->np + 1) * sizeof *P->p);
		OptParam *op = &P->p[P->np];
		memset(op, 0, sizeof *op);
		if (!read_domain(P, p, P->stmt->nspan, op)) {
			ok = false;
			continue;
		}
		op->in = k;
		P->np++;
	}
	return ok;
}

/* The fixed inputs: defaults of params not searched; figures' slots. */
static bool read_inputs(OptProblem *P)
{
	P->nin = P->g.nparams;
	P->base = xmalloc(((size_t)P->nin + 1) * sizeof *P->base);
	for (int f = 0; f < OPT_NFIG; f++) P->fig_in[f] = -1;
	bool ok = true;
	for (uint32_t k = 0; k < P->nin; k++) {
		const char *name = P->g.params[k].name;
		P->base[k] = NAN;
		bool searched = false;
		for (int j = 0; j < P->np; j++) searched |= P->p[j].in == k;
		if (searched) continue;
		if (!strncmp(name, "sim.", 4)) {
			int f;
			for (f = 0; f < OPT_NFIG; f++)
				if (!strcmp(opt_fig_names[f], name)) break;
			if (f == OPT_NFIG) {
				diag_error(P->s->d, P->stmt->nspan, "the simulator does not measure '%s'", name);
				ok = false;
				continue;
			}
			P->fig_in[f] = (int)k;
			P->uses_sim = true;
			continue;
		}
		if (!value_param_default(P->s, name, &P->base[k])) {
			Diag *d = sema_diag(P->s, P->stmt->nspan, "param '%s' is neither searched nor fixed", name);
			diag_note(P->s->d, d, P->stmt->nspan,
				  "list it in 'over (...)', give it a default ('= VALUE') or fix it with -D %s=VALUE", name);
			sema_emit(P->s, d);
			ok = false;
		}
	}
	return ok;
}

static double method_num(OptProblem *P, AstNode *e, bool *ok)
{
	Value v;
	EvalEnv ee = {.sema = P->s, .mod = P->m};
	v = value_eval(&ee, e);
	if (v.k != V_NUM) {
		diag_error(P->s->d, e->span, "this must be a constant number");
		*ok = false;
		return NAN;
	}
	return v.num;
}

static int objective_named(OptProblem *P, const char *name)
{
	for (int i = 0; i < P->nobj; i++)
		if (!strcmp(P->obj[i].name, name)) return i;
	return -1;
}

/* An objective named by an argument; reported when there is none. */
static int objective_arg(OptProblem *P, AstNode *v)
{
	const char *name = v->kind == AST_NAME ? v->name : span_text(P->s, v->span);
	int i = objective_named(P, name);
	if (i < 0) {
		Diag *d = sema_diag(P->s, v->span, "no objective is named '%s'", name);
		diag_note(P->s->d, d, v->span, "name an objective with 'maximize EXPR as NAME'");
		sema_emit(P->s, d);
	}
	return i;
}

/* epsilon(primary = NAME, NAME >= V, NAME <= V, ..., steps = N) */
static bool read_epsilon(OptProblem *P, AstNode *me)
{
	bool ok = true;
	P->primary = -1;
	P->bound = xmalloc((size_t)P->nobj * sizeof *P->bound);
	for (int i = 0; i < P->nobj; i++) P->bound[i] = -INFINITY;
	P->sweep = true;
	for (AstNode *a = me->kind == AST_CALL ? me->kids : NULL; a; a = a->next) {
		if (a->kind == AST_NAMED && !strcmp(a->name, "primary")) {
			P->primary = objective_arg(P, a->a);
			ok &= P->primary >= 0;
		} else if (a->kind == AST_NAMED && !strcmp(a->name, "steps")) {
			double n = method_num(P, a->a, &ok);
			if (ok && (n < 2 || n > 1e6 || n != floor(n))) {
				diag_error(P->s->d, a->a->span, "steps must be a whole number from 2 to 1000000");
				ok = false;
			}
			P->steps = (long)n;
		} else if (a->kind == AST_BINARY && (a->op == OP_LE || a->op == OP_GE || a->op == '<' || a->op == '>')) {
			int j = objective_arg(P, a->a);
			double v = method_num(P, a->b, &ok);
			if (j < 0) {
				ok = false;
				continue;
			}
			int up = a->op == OP_GE || a->op == '>';   /* NAME >= v */
			if ((up ? 1 : -1) != P->obj[j].sense) {
				diag_error(P->s->d, a->span, "'%s' is %s: bound it from %s ('%s %s V')", P->obj[j].name,
					   P->obj[j].sense > 0 ? "maximized" : "minimized",
					   P->obj[j].sense > 0 ? "below" : "above", P->obj[j].name, P->obj[j].sense > 0 ? ">=" : "<=");
				ok = false;
				continue;
			}
			P->bound[j] = P->obj[j].sense * v;
			P->sweep = false;
		} else {
			diag_error(P->s->d, a->span, "epsilon takes primary = NAME, bounds such as 'NAME <= V', and steps = N");
			ok = false;
		}
	}
	if (ok && P->primary < 0) {
		diag_error(P->s->d, me->span, "epsilon needs primary = NAME (the objective optimized under the bounds)");
		ok = false;
	}
	if (ok && P->primary >= 0 && P->bound[P->primary] != -INFINITY) {
		diag_error(P->s->d, me->span, "the primary objective cannot also be bounded");
		ok = false;
	}
	return ok;
}

static bool read_method(OptProblem *P, AstNode *c)
{
	P->method = OM_PARETO;
	if (!c) {
		P->method = P->nobj == 1 ? OM_GRID : OM_PARETO;
		return true;
	}
	AstNode *me = c->a;
	const char *name = me->name;
	bool ok = true;
	if (!strcmp(name, "grid")) P->method = OM_GRID;
	else if (!strcmp(name, "pareto")) P->method = OM_PARETO;
	else if (!strcmp(name, "weighted")) {
		P->method = OM_WEIGHTED;
		/* weighted(w1, w2, ...) in objective order, or weighted(NAME = w, ...) */
		P->weights = xmalloc((size_t)P->nobj * sizeof *P->weights);
		for (int i = 0; i < P->nobj; i++) P->weights[i] = NAN;
		int n = 0;
		for (AstNode *a = me->kind == AST_CALL ? me->kids : NULL; a; a = a->next, n++) {
			double w = method_num(P, a->kind == AST_NAMED ? a->a : a, &ok);
			if (ok && !(w >= 0 && isfinite(w))) {
				diag_error(P->s->d, a->span, "a weight must be a number >= 0");
				ok = false;
			}
			int at = n;
			if (a->kind == AST_NAMED) {
				at = objective_named(P, a->name);
				if (at < 0) {
					diag_error(P->s->d, a->span, "no objective is named '%s'", a->name);
					ok = false;
					continue;
				}
			}
			if (at < P->nobj) P->weights[at] = w;
		}
		for (int i = 0; ok && i < P->nobj; i++)
			if (isnan(P->weights[i])) n = -1;   /* one left without a weight */
		if (ok && n != P->nobj) {
			diag_error(P->s->d, me->span, "weighted needs one weight per objective: %d given, %d objectives",
				   n < 0 ? P->nobj - 1 : n, P->nobj);
			ok = false;
		}
	} else if (!strcmp(name, "epsilon")) {
		P->method = OM_EPSILON;
		ok = read_epsilon(P, me);
	} else if (!strcmp(name, "nlopt")) {
		P->method = OM_NLOPT;
		P->algorithm = "slsqp";
		P->primary = 0;
		for (AstNode *a = me->kind == AST_CALL ? me->kids : NULL; a; a = a->next) {
			if (a->kind == AST_NAMED && !strcmp(a->name, "algorithm") && a->a->kind == AST_NAME) {
				P->algorithm = a->a->name;
				bool known = false;
				for (int i = 0; relax_algorithm_names[i]; i++) known |= !strcmp(relax_algorithm_names[i], P->algorithm);
				if (!known) {
					Buf bl = {0};
					for (int i = 0; relax_algorithm_names[i]; i++) buf_printf(&bl, "%s%s", i ? ", " : "", relax_algorithm_names[i]);
					diag_error(P->s->d, a->a->span, "unknown NLopt algorithm '%s'; use one of %s", P->algorithm, bl.s);
					buf_free(&bl);
					ok = false;
				}
			} else if (a->kind == AST_NAMED && !strcmp(a->name, "primary")) {
				P->primary = objective_arg(P, a->a);
				ok &= P->primary >= 0;
			} else {
				diag_error(P->s->d, a->span, "nlopt takes algorithm = NAME and primary = NAME");
				ok = false;
			}
		}
		if (ok && P->uses_sim) {
			diag_error(P->s->d, me->span, "nlopt searches analytic formulas; sim.* figures need a grid method "
				   "(grid, pareto, weighted or epsilon)");
			ok = false;
		}
	}
	return ok;
}

/* ---------------------------------------------------------------- compile */

static bool compile(OptProblem *P, Build *b)
{
	for (int i = 0; i < b->nroots; i++) b->roots[i] = dag_simplify(&P->g, b->roots[i]);
	P->nout = (uint32_t)b->nroots;
	P->bc = bc_compile(&P->g, b->roots, (uint32_t)b->nroots);
	P->roots = b->roots;
	b->roots = NULL;
	const char *mode = P->o && P->o->jit ? P->o->jit : "auto";
	bool want = !strcmp(mode, "always") || (!strcmp(mode, "auto") && P->npoints >= 100000);
	if (P->method != OM_NLOPT && !P->uses_sim) opt_stage_build(P);
	if (want) {
		/* the split's two programs when there is one (the full program is
		   then not evaluated on the grid), else the full program */
		char *why = NULL;
		if (!opt_stage_jit(P, &why)) {
			free(why);
			P->jit = jit_compile_rows(P->bc, &why);
		}
		bool failed = !P->jit && !P->st.ji;
		if (failed && !strcmp(mode, "always")) {
			diag_error(P->s->d, P->stmt->nspan, "--jit always: %s", why ? why : "the JIT failed");
			free(why);
			return false;
		}
		if (failed)
			fprintf(stderr, "sglsim: note: the JIT is off (%s); evaluating with the interpreter\n", why ? why : "unknown");
		free(why);
	}
	return true;
}

/* ---------------------------------------------------------------- statement */

static void problem_free(OptProblem *P, OptResult *res)
{
	for (size_t i = 0; i < res->nrows; i++) {
		free(res->rows[i].x);
		free(res->rows[i].out);
		free(res->rows[i].sim_error);
	}
	free(res->rows);
	free(res->xc);
	for (int j = 0; j < P->np; j++) free(P->p[j].dom);
	free(P->p);
	free(P->obj);
	free(P->con);
	free(P->base);
	free(P->weights);
	free(P->bound);
	free(P->sim_error);
	free(P->roots);
	free(P->sim_idx);
	free(P->sim_out);
	free(P->sim_fig);
	opt_stage_free(P);
	if (P->jit) jit_free(P->jit);
	if (P->bc) bc_free(P->bc);
	dag_free(&P->g);
}

static bool setup(OptProblem *P, Build *b, Value *ctx)
{
	AstNode *stmt = P->stmt, *over = NULL, *method = NULL;
	if (P->dname) {
		if (!sema_bind_contexts(P->s, P->dname, P->wname, ctx)) return false;
		Record *sim = arena_alloc(P->s->ar, sizeof *sim);
		memset(sim, 0, sizeof *sim);
		sim->kind = REC_sim;
		sim->name = "sim";
		sim->state = 2;
		ctx[REC_sim] = (Value){.k = V_REC, .rec = sim};
	}
	dag_init(&P->g);
	lower_init(&b->L, P->s, &P->g, P->dname ? ctx : NULL);
	for (AstNode *c = stmt->kids; c; c = c->next) {
		if (c->kind == AST_OVER) over = c;
		if (c->kind == AST_METHOD) method = c;
		if (c->kind == AST_VERIFY) P->verify = (long)method_num(P, c->a, &b->ok);
	}
	if (!read_over(b, over)) return false;
	for (AstNode *c = stmt->kids; c; c = c->next) {
		if (c->kind == AST_OBJECTIVE) add_objective(b, c);
		if (c->kind == AST_SUBJECT)
			for (AstNode *k = c->kids; k; k = k->next) add_constraint(b, k);
	}
	if (!b->ok) return false;
	if (!over && !default_over(b)) return false;
	if (!read_inputs(P)) return false;
	/* which outputs read sim.* */
	if (P->uses_sim) {
		for (int f = 0; f < OPT_NFIG; f++) {
			if (P->fig_in[f] < 0) continue;
			for (int i = 0; i < P->nobj; i++)
				P->obj[i].sim |= dag_reads_param(&P->g, b->roots[P->obj[i].out], (uint32_t)P->fig_in[f]);
			for (int i = 0; i < P->ncon; i++)
				P->con[i].sim |= dag_reads_param(&P->g, b->roots[P->con[i].out_l], (uint32_t)P->fig_in[f]) ||
						 dag_reads_param(&P->g, b->roots[P->con[i].out_r], (uint32_t)P->fig_in[f]);
		}
	}
	if ((P->uses_sim || P->verify) && !P->dname) {
		diag_error(P->s->d, stmt->nspan, "simulating needs a deployment and a workload: write 'optimize D with W'");
		return false;
	}
	P->npoints = 1;
	for (int j = 0; j < P->np; j++) {
		if (P->npoints > OPT_MAX_POINTS / P->p[j].ndom) {
			diag_error(P->s->d, stmt->nspan, "the grid has more than %llu points, the most a search takes (every method, nlopt too, works on the grid): narrow the domains or give ranges a coarser step",
				   (unsigned long long)OPT_MAX_POINTS);
			return false;
		}
		P->npoints *= P->p[j].ndom;
	}
	if (!read_method(P, method)) return false;
	return compile(P, b);
}

bool optimize_stmt(void *ud, Sema *s, Module *m, AstNode *stmt, FILE *out)
{
	OptSession *os = ud;
	OptProblem P = {.s = s, .m = m, .stmt = stmt, .o = os->o, .dname = stmt->name, .wname = stmt->kname};
	long jobs = os->o && os->o->jobs > 0 ? os->o->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	P.jobs = jobs < 1 ? 1 : jobs > OPT_MAX_JOBS ? OPT_MAX_JOBS : (int)jobs;   /* many CPUs, no --jobs */
	Build b = {.P = &P, .ok = true};
	Value ctx[REC_COUNT];
	OptResult res = {0};
	int errors = s->d->errors;
	bool ok = setup(&P, &b, ctx) && s->d->errors == errors;
	lower_free(&b.L);
	free(b.roots);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ok) ok = opt_search(&P, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ok && os->o && os->o->stats) {
		double dt = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
		fprintf(stderr, "sglsim: search: %" PRIu64 " points in %.3f s (%.3g points/s), %d thread%s, %s, %u outputs\n",
			P.evaluated, dt, (double)P.evaluated / dt, P.jobs, P.jobs == 1 ? "" : "s",
			P.jit || P.st.ji ? "JIT" : "interpreter", P.nout);
		if (P.st.inner)
			fprintf(stderr, "sglsim: program: %u instructions; hoisted: %u per block of %" PRIu64 " points, %u per point\n",
				P.bc->ncode, P.st.outer->ncode, P.st.block, P.st.inner->ncode);
		else if (P.bc)
			fprintf(stderr, "sglsim: program: %u instructions per point\n", P.bc->ncode);
	}
	if (ok) {
		int idx = os->ran++;
		opt_report_table(out, &P, &res);
		if (os->o && os->o->json) json_array_append_new(os->results, opt_report_json(&P, &res));
		/* later statements write FILE.2.csv, FILE.3.svg, ... */
		if (os->o && os->o->csv) {
			char *path = strcmp(os->o->csv, "-") ? numbered_path(os->o->csv, idx) : heap_strdup("-");
			ok = opt_report_csv(&P, &res, path);
			free(path);
		}
		if (os->o && os->o->plot) {
			char *path = numbered_path(os->o->plot, idx);
			ok = opt_report_plot(&P, &res, path) && ok;
			free(path);
		}
		if (!ok) s->d->errors++;
	}
	problem_free(&P, &res);
	return ok;
}
