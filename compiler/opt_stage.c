/* opt_stage.c -- grid evaluation with loop-invariant hoisting (opt_int.h).
 *
 * Points of the grid come in index order with the last params varying
 * fastest, so most of a formula -- whatever does not read those params --
 * is the same for a whole block of consecutive points.  The program is
 * split in two: the outer program computes, once per block, every maximal
 * subformula that does not read the inner params; the inner program reads
 * them as extra inputs ("stage" params appended to the DAG) and computes
 * the rest for each point of the block.
 *
 * Exactness: each hoisted subformula is compiled exactly as in the full
 * program (the same operations in the same order), and the inner program
 * rebuilds every other node with the same operator over the same operands.
 * The one shape bytecode.c compiles by context -- a product's reciprocal
 * factor x^-1, computed as a division by x -- is never hoisted itself: its
 * base is.  So the outputs are bit-identical to the full program's, on
 * either tier.  (SGLSIM_NO_HOIST=1 turns the split off: tests/optimize.sh
 * checks that the results do not change.)
 */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "opt_int.h"

enum { STAGE_MIN_BLOCK = 16 };

typedef struct Hoist {
	Dag *g;
	const bool *inner;      /* per original node: reads an inner param */
	NodeId *memo;           /* per original node: its rewrite */
	uint32_t norig;
	NodeId *hoisted;        /* outer roots, in stage-param order */
	uint32_t nh, cap;
	uint32_t first;         /* DAG index of the first stage param */
} Hoist;

static NodeId stage_param(Hoist *h, NodeId id)
{
	if (h->nh == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->hoisted = xrealloc(h->hoisted, h->cap * sizeof *h->hoisted);
	}
	char name[32];
	snprintf(name, sizeof name, "stage.%u", h->nh);
	uint32_t k = dag_add_param(h->g, name, dim_none);
	if (h->nh == 0) h->first = k;
	h->hoisted[h->nh++] = id;
	return dag_param(h->g, k);
}

static bool is_reciprocal(const Dag *g, NodeId id)
{
	return dag_opof(g, id) == DOP_POW && dag_is_const(g, dag_args(g, id)[1], -1.0);
}

static NodeId rewrite(Hoist *h, NodeId id, bool factor)
{
	Dag *g = h->g;
	DagOp op = dag_opof(g, id);
	if (op == DOP_CONST || op == DOP_PARAM) return id;
	if (!h->inner[id]) {
		if (factor && is_reciprocal(g, id)) {   /* a / x: hoist x, keep the division */
			NodeId b = rewrite(h, dag_args(g, id)[0], false);
			return dag_op2(g, DOP_POW, b, dag_args(g, id)[1]);
		}
		if (h->memo[id] == NODE_NONE) h->memo[id] = stage_param(h, id);
		return h->memo[id];
	}
	if (h->memo[id] != NODE_NONE) return h->memo[id];
	uint32_t n = dag_node(g, id)->nargs;
	NodeId *a = xmalloc((n + 1) * sizeof *a);
	for (uint32_t k = 0; k < n; k++) a[k] = rewrite(h, dag_args(g, id)[k], op == DOP_MUL);
	NodeId r = op == DOP_LABEL ? dag_label(g, g->labels[dag_node(g, id)->sym], a[0]) : dag_op(g, op, a, n);
	free(a);
	h->memo[id] = r;
	return r;
}

/* Splits the program with params [split, np) inner; false when nothing is
 * hoisted.  *outer and *inner are the two programs. */
static bool split_at(OptProblem *P, int split, BcProgram **outer, BcProgram **inner, uint32_t *first, uint32_t *nstage)
{
	Dag *g = &P->g;
	uint32_t norig = g->n;
	bool *inn = calloc(norig + 1, 1);
	if (!inn) abort();
	for (NodeId id = 0; id < norig; id++) {
		const DagNode *x = dag_node(g, id);
		if (x->op == DOP_PARAM) {
			for (int j = split; j < P->np; j++) inn[id] |= x->sym == P->p[j].in;
			continue;
		}
		for (uint32_t k = 0; k < x->nargs && !inn[id]; k++) inn[id] = inn[dag_args(g, id)[k]];
	}
	Hoist h = {.g = g, .inner = inn, .norig = norig};
	h.memo = xmalloc((norig + 1) * sizeof *h.memo);
	for (NodeId id = 0; id < norig; id++) h.memo[id] = NODE_NONE;
	NodeId *roots = xmalloc(((size_t)P->nout + 1) * sizeof *roots);
	for (uint32_t k = 0; k < P->nout; k++) roots[k] = rewrite(&h, P->roots[k], false);
	bool ok = h.nh > 0;
	if (ok) {
		*inner = bc_compile(g, roots, P->nout);
		*outer = bc_compile(g, h.hoisted, h.nh);
		*first = h.first;
		*nstage = h.nh;
	}
	free(roots);
	free(h.memo);
	free(h.hoisted);
	free(inn);
	return ok;
}

void opt_stage_build(OptProblem *P)
{
	if (getenv("SGLSIM_NO_HOIST")) return;   /* tests compare against the full program */
	/* every split whose blocks are long enough; the one with the fewest
	   instructions per point wins (outer ones count once per block) */
	double best = (double)P->bc->ncode * 0.8;   /* worth it: a fifth less per point */
	uint64_t block = 1;
	for (int split = P->np - 1; split >= 1; split--) {
		block *= P->p[split].ndom;
		if (block < STAGE_MIN_BLOCK) continue;
		if (block >= P->npoints) break;
		BcProgram *outer, *inner;
		uint32_t first, nstage;
		if (!split_at(P, split, &outer, &inner, &first, &nstage)) continue;
		double cost = (double)inner->ncode + (double)outer->ncode / (double)block;
		if (cost < best) {
			best = cost;
			opt_stage_free(P);
			P->st = (Stage){.outer = outer, .inner = inner, .split = split, .block = block,
					.first = first, .nstage = nstage, .nin = P->g.nparams};
		} else {
			bc_free(outer);
			bc_free(inner);
		}
	}
}

bool opt_stage_jit(OptProblem *P, char **why)
{
	*why = NULL;
	if (!P->st.inner) return false;
	P->st.jo = jit_compile(P->st.outer, why);
	if (!P->st.jo) {
		opt_stage_free(P);
		return false;
	}
	/* the inner program's inputs are the same for a whole block except
	   the inner params: the lanes evaluator reads the rest from row 0 */
	bool *uniform = xmalloc((P->st.inner->nparams + 1) * sizeof *uniform);
	for (uint32_t k = 0; k < P->st.inner->nparams; k++) uniform[k] = true;
	for (int j = P->st.split; j < P->np; j++) uniform[P->p[j].in] = false;
	P->st.ji = jit_compile_lanes(P->st.inner, uniform, why);
	free(uniform);
	if (!P->st.ji) {   /* the caller compiles the full program instead */
		opt_stage_free(P);
		return false;
	}
	return true;
}

void opt_stage_free(OptProblem *P)
{
	jit_free(P->st.jo);
	jit_free(P->st.ji);
	if (P->st.outer) bc_free(P->st.outer);
	if (P->st.inner) bc_free(P->st.inner);
	memset(&P->st, 0, sizeof P->st);
}

size_t opt_eval_scratch(const OptProblem *P)
{
	return (P->st.inner ? P->st.nin : P->nin) + 1;
}

void opt_eval_points(const OptProblem *P, uint64_t first, size_t n, double *in, double *out)
{
	if (!P->st.inner) {
		for (size_t i = 0; i < n; i++) opt_inputs(P, first + i, in + i * P->nin);
		if (P->jit) jit_eval_rows(P->jit, (long)n, in, out);
		else bc_eval_block(P->bc, n, in, out);
		return;
	}
	const Stage *st = &P->st;
	size_t w = st->nin;
	for (size_t done = 0; done < n;) {
		uint64_t idx = first + done;
		size_t m = (size_t)(st->block - idx % st->block);
		if (m > n - done) m = n - done;
		/* once per block: the outer params and the hoisted values */
		opt_inputs(P, idx, in);
		for (size_t k = P->nin; k < w; k++) in[k] = NAN;
		double *sv = in + st->first;
		if (st->jo) jit_scalar(st->jo)(in, sv);
		else bc_eval(st->outer, in, sv);
		/* per point: the inner params; the lanes evaluator reads the
		   others from row 0, the rest of the tiers from every row */
		size_t lanes = st->ji ? m - m % JIT_LANES : 0;
		for (size_t i = 0; i < m; i++) {
			double *row = in + i * w;
			if (i >= lanes && i) memcpy(row, in, w * sizeof *row);
			uint64_t x = idx + i;
			for (int j = P->np - 1; j >= st->split; j--) {
				row[P->p[j].in] = P->p[j].dom[x % P->p[j].ndom];
				x /= P->p[j].ndom;
			}
		}
		if (st->ji) jit_eval_rows(st->ji, (long)m, in, out + done * P->nout);
		else bc_eval_block(st->inner, m, in, out + done * P->nout);
		done += m;
	}
}
