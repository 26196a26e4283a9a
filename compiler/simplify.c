/* simplify.c -- canonical forms and safe folding (simplify.h). */
#include "config.h"
#include "simplify.h"
#include "lang/arena.h"
#include "runtime/num.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A growable list of node ids (heap). */
typedef struct Ids {
	NodeId *v;
	uint32_t n, cap;
} Ids;

static void ids_push(Ids *l, NodeId id)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = id;
}

static int cmp_ids(const void *a, const void *b)
{
	NodeId x = *(const NodeId *)a, y = *(const NodeId *)b;
	return x < y ? -1 : x > y;
}

/* By id (qsort must not see the NULL of an empty list). */
static void sort_ids(Ids *l)
{
	if (l->n > 1) qsort(l->v, l->n, sizeof *l->v, cmp_ids);
}

/* A folded constant, or false when folding would be unsafe. */
static bool safe(double v) { return isfinite(v) && !(v == 0 && signbit(v)); }

static bool is_const(const Dag *g, NodeId id, double *v)
{
	if (dag_opof(g, id) != DOP_CONST) return false;
	if (v) *v = dag_node(g, id)->value;
	return true;
}

static NodeId simp(Dag *g, NodeId id);

static NodeId memo_get(Dag *g, NodeId id)
{
	return id < g->simp_cap ? g->simp_memo[id] : NODE_NONE;
}

static void memo_set(Dag *g, NodeId id, NodeId r)
{
	uint32_t need = (id > r ? id : r) + 1;
	if (need > g->simp_cap) {
		uint32_t cap = g->simp_cap ? g->simp_cap : 256;
		while (cap < need) cap *= 2;
		g->simp_memo = xrealloc(g->simp_memo, cap * sizeof *g->simp_memo);
		memset(g->simp_memo + g->simp_cap, 0xff, (cap - g->simp_cap) * sizeof *g->simp_memo);
		g->simp_cap = cap;
	}
	g->simp_memo[id] = r;
}

/* n-ary node of sorted operands; one operand is itself. */
static NodeId nary(Dag *g, DagOp op, Ids *l)
{
	if (l->n == 1) return l->v[0];
	return dag_op(g, op, l->v, l->n);
}

/* ---------------------------------------------------------------- sums */

static NodeId mk_mul(Dag *g, Ids *factors);
static NodeId mk_pow(Dag *g, NodeId b, NodeId e);

/* term = coef * rest, rest = NODE_NONE for a constant term */
static void split_term(Dag *g, NodeId t, double *coef, NodeId *rest)
{
	double c;
	if (is_const(g, t, &c)) {
		*coef = c;
		*rest = NODE_NONE;
		return;
	}
	if (dag_opof(g, t) == DOP_MUL && is_const(g, dag_args(g, t)[0], &c)) {
		const NodeId *a = dag_args(g, t);
		uint32_t n = dag_node(g, t)->nargs;
		*coef = c;
		*rest = n == 2 ? a[1] : dag_op(g, DOP_MUL, a + 1, n - 1);
		return;
	}
	*coef = 1;
	*rest = t;
}

/* The operands of in, with nested `op` nodes replaced by their operands
 * (associativity). */
static Ids flatten(Dag *g, DagOp op, const Ids *in)
{
	Ids flat = {0};
	for (uint32_t i = 0; i < in->n; i++) {
		NodeId t = in->v[i];
		if (dag_opof(g, t) == op)
			for (uint32_t k = 0; k < dag_node(g, t)->nargs; k++) ids_push(&flat, dag_args(g, t)[k]);
		else
			ids_push(&flat, t);
	}
	return flat;
}

static NodeId mk_add(Dag *g, Ids *terms)
{
	Ids flat = flatten(g, DOP_ADD, terms);
	/* collect: rests with summed coefficients, in first-seen order */
	uint32_t n = flat.n;
	NodeId *rests = xmalloc((n + 1) * sizeof *rests);
	double *coefs = xmalloc((n + 1) * sizeof *coefs);
	uint32_t nr = 0;
	double constant = 0;
	bool unsafe = false;
	Ids keep = {0};   /* constants that could not be folded safely */
	for (uint32_t i = 0; i < n; i++) {
		double c;
		NodeId r;
		split_term(g, flat.v[i], &c, &r);
		if (r == NODE_NONE) {
			double s = constant + c;
			if (safe(s) || s == 0) constant = s == 0 ? 0 : s;
			else { ids_push(&keep, flat.v[i]); unsafe = true; }
			continue;
		}
		uint32_t k = 0;
		while (k < nr && rests[k] != r) k++;
		if (k == nr) { rests[nr] = r; coefs[nr++] = c; continue; }
		double s = coefs[k] + c;
		if (safe(s) || s == 0) coefs[k] = s == 0 ? 0 : s;
		else { ids_push(&keep, flat.v[i]); unsafe = true; }
	}
	(void)unsafe;
	Ids out = {0};
	for (uint32_t k = 0; k < nr; k++) {
		if (coefs[k] == 0) continue;
		if (coefs[k] == 1) { ids_push(&out, rests[k]); continue; }
		Ids f = {0};
		ids_push(&f, dag_const(g, coefs[k]));
		ids_push(&f, rests[k]);
		ids_push(&out, mk_mul(g, &f));
		free(f.v);
	}
	sort_ids(&out);
	for (uint32_t i = 0; i < keep.n; i++) ids_push(&out, keep.v[i]);
	if (constant != 0) ids_push(&out, dag_const(g, constant));
	NodeId r = out.n == 0 ? dag_const(g, 0) : nary(g, DOP_ADD, &out);
	free(out.v);
	free(keep.v);
	free(flat.v);
	free(rests);
	free(coefs);
	return r;
}

/* ------------------------------------------------------------ products */

static NodeId mk_mul(Dag *g, Ids *factors)
{
	Ids flat = flatten(g, DOP_MUL, factors);
	uint32_t n = flat.n;
	NodeId *bases = xmalloc((n + 1) * sizeof *bases);
	NodeId *exps = xmalloc((n + 1) * sizeof *exps);   /* exponent nodes */
	uint32_t nb = 0;
	double coef = 1;
	Ids keep = {0};
	for (uint32_t i = 0; i < n; i++) {
		NodeId f = flat.v[i];
		double c;
		if (is_const(g, f, &c)) {
			double p = coef * c;
			if (safe(p) || p == 0) coef = p == 0 ? 0 : p;
			else ids_push(&keep, f);
			continue;
		}
		NodeId b = f, e = dag_const(g, 1);
		if (dag_opof(g, f) == DOP_POW) {
			b = dag_args(g, f)[0];
			e = dag_args(g, f)[1];
		}
		uint32_t k = 0;
		while (k < nb && bases[k] != b) k++;
		if (k == nb) { bases[nb] = b; exps[nb++] = e; continue; }
		Ids s = {0};
		ids_push(&s, exps[k]);
		ids_push(&s, e);
		exps[k] = mk_add(g, &s);
		free(s.v);
	}
	NodeId r;
	if (coef == 0 && keep.n == 0) {
		r = dag_const(g, 0);   /* 0 * x = 0 wherever x is finite */
	} else {
		Ids out = {0};
		for (uint32_t k = 0; k < nb; k++) {
			NodeId p = mk_pow(g, bases[k], exps[k]);
			double c;
			if (is_const(g, p, &c)) {
				double q = coef * c;
				if (safe(q)) { coef = q; continue; }
			}
			if (dag_opof(g, p) == DOP_MUL) { /* (a*b)^n distributed */
				for (uint32_t j = 0; j < dag_node(g, p)->nargs; j++) ids_push(&out, dag_args(g, p)[j]);
				continue;
			}
			ids_push(&out, p);
		}
		for (uint32_t i = 0; i < keep.n; i++) ids_push(&out, keep.v[i]);
		sort_ids(&out);
		if (out.n == 1 && coef != 1 && dag_opof(g, out.v[0]) == DOP_ADD) {
			/* c * (a + b) = c*a + c*b */
			NodeId sum = out.v[0];
			Ids terms = {0};
			for (uint32_t k = 0; k < dag_node(g, sum)->nargs; k++) {
				Ids f = {0};
				ids_push(&f, dag_const(g, coef));
				ids_push(&f, dag_args(g, sum)[k]);
				ids_push(&terms, mk_mul(g, &f));
				free(f.v);
			}
			r = mk_add(g, &terms);
			free(terms.v);
		} else if (out.n == 0) {
			r = dag_const(g, coef);
		} else {
			if (coef != 1) {
				/* the coefficient leads */
				Ids with = {0};
				ids_push(&with, dag_const(g, coef));
				for (uint32_t i = 0; i < out.n; i++) ids_push(&with, out.v[i]);
				r = dag_op(g, DOP_MUL, with.v, with.n);
				free(with.v);
			} else {
				r = nary(g, DOP_MUL, &out);
			}
		}
		free(out.v);
	}
	free(keep.v);
	free(flat.v);
	free(bases);
	free(exps);
	return r;
}

/* -------------------------------------------------------------- powers */

static bool is_integer(double v) { return v == floor(v) && fabs(v) < 1e15; }

static NodeId mk_pow(Dag *g, NodeId b, NodeId e)
{
	double bv = 0, ev = 0;
	bool bc = is_const(g, b, &bv), ec = is_const(g, e, &ev);
	if (ec && ev == 0) return dag_const(g, 1);
	if (ec && ev == 1) return b;
	if (bc && bv == 1) return dag_const(g, 1);
	if (bc && ec) {
		double r = num_pow(bv, ev);
		if (safe(r)) return dag_const(g, r);
	}
	if (ec && dag_opof(g, b) == DOP_POW) {
		double iv;
		NodeId ie = dag_args(g, b)[1];
		if (is_const(g, ie, &iv) && is_integer(ev) && safe(iv * ev))
			return mk_pow(g, dag_args(g, b)[0], dag_const(g, iv * ev));
	}
	if (ec && is_integer(ev) && dag_opof(g, b) == DOP_MUL) {
		Ids f = {0};
		for (uint32_t k = 0; k < dag_node(g, b)->nargs; k++)
			ids_push(&f, mk_pow(g, dag_args(g, b)[k], e));
		NodeId r = mk_mul(g, &f);
		free(f.v);
		return r;
	}
	return dag_op2(g, DOP_POW, b, e);
}

/* ------------------------------------------------------- min, max, logic */

/* Sorts by id and drops repeats (min, max, and, or are idempotent). */
static void sort_unique(Ids *l)
{
	sort_ids(l);
	uint32_t m = 0;
	for (uint32_t i = 0; i < l->n; i++)
		if (!m || l->v[m - 1] != l->v[i]) l->v[m++] = l->v[i];
	l->n = m;
}

static NodeId mk_minmax(Dag *g, DagOp op, Ids *args)
{
	Ids flat = flatten(g, op, args), out = {0};
	bool have = false;
	double best = 0;
	for (uint32_t i = 0; i < flat.n; i++) {
		double c;
		if (is_const(g, flat.v[i], &c)) {
			best = !have ? c : op == DOP_MIN ? num_min(best, c) : num_max(best, c);
			have = true;
		} else {
			ids_push(&out, flat.v[i]);
		}
	}
	sort_unique(&out);
	if (have) ids_push(&out, dag_const(g, best));
	NodeId r = nary(g, op, &out);
	free(out.v);
	free(flat.v);
	return r;
}

static bool is_boolean(const Dag *g, NodeId id)
{
	unsigned f = dag_op_info(dag_opof(g, id))->flags;
	return (f & (DF_CMP | DF_BOOL)) != 0;
}

static NodeId mk_logic(Dag *g, DagOp op, Ids *args)
{
	Ids flat = flatten(g, op, args), out = {0};
	for (uint32_t i = 0; i < flat.n; i++) {
		double c;
		if (is_const(g, flat.v[i], &c)) {
			bool t = c != 0;
			if ((op == DOP_AND && !t) || (op == DOP_OR && t)) {  /* absorbing */
				free(out.v);
				free(flat.v);
				return dag_const(g, t ? 1 : 0);
			}
			continue;   /* neutral element */
		}
		ids_push(&out, flat.v[i]);
	}
	free(flat.v);
	sort_unique(&out);
	NodeId r;
	if (out.n == 0) r = dag_const(g, op == DOP_AND ? 1 : 0);
	else if (out.n == 1) r = is_boolean(g, out.v[0]) ? out.v[0] : dag_op2(g, DOP_NE, out.v[0], dag_const(g, 0));
	else r = dag_op(g, op, out.v, out.n);
	free(out.v);
	return r;
}

/* ------------------------------------------------------------ dispatch */

static NodeId fold1(Dag *g, DagOp op, NodeId a)
{
	double x;
	if (!is_const(g, a, &x)) return NODE_NONE;
	double r;
	switch (op) {
	case DOP_CEIL: r = ceil(x); break;
	case DOP_FLOOR: r = floor(x); break;
	case DOP_SQRT: if (x < 0) return NODE_NONE; r = sqrt(x); break;
	case DOP_LOG: if (!(x > 0)) return NODE_NONE; r = log(x); break;
	case DOP_EXP: r = exp(x); break;
	case DOP_ABS: r = fabs(x); break;
	case DOP_NOT: r = num_not(x); break;
	default: return NODE_NONE;
	}
	return safe(r) || r == 0 ? dag_const(g, r == 0 ? 0 : r) : NODE_NONE;
}

static NodeId compare(Dag *g, DagOp op, NodeId a, NodeId b)
{
	double x, y;
	if (is_const(g, a, &x) && is_const(g, b, &y)) {
		bool r = op == DOP_LT ? x < y : op == DOP_LE ? x <= y : op == DOP_GT ? x > y
		       : op == DOP_GE ? x >= y : op == DOP_EQ ? x == y : x != y;
		return dag_const(g, r ? 1 : 0);
	}
	if (a == b) /* where defined (not NaN) */
		return dag_const(g, op == DOP_LE || op == DOP_GE || op == DOP_EQ ? 1 : 0);
	if (op == DOP_GT) return dag_op2(g, DOP_LT, b, a);
	if (op == DOP_GE) return dag_op2(g, DOP_LE, b, a);
	if ((op == DOP_EQ || op == DOP_NE) && b < a) return dag_op2(g, op, b, a);
	return dag_op2(g, op, a, b);
}

static NodeId simp_node(Dag *g, NodeId id)
{
	const DagNode *x = dag_node(g, id);
	DagOp op = (DagOp)x->op;
	uint32_t n = x->nargs;
	if (n == 0) return id;
	Ids a = {0};
	for (uint32_t k = 0; k < n; k++) ids_push(&a, simp(g, dag_args(g, id)[k]));
	NodeId r = NODE_NONE, t;
	switch (op) {
	case DOP_ADD: r = mk_add(g, &a); break;
	case DOP_MUL: r = mk_mul(g, &a); break;
	case DOP_SUB: {
		Ids f = {0};
		ids_push(&f, dag_const(g, -1));
		ids_push(&f, a.v[1]);
		Ids s = {0};
		ids_push(&s, a.v[0]);
		ids_push(&s, mk_mul(g, &f));
		r = mk_add(g, &s);
		free(f.v);
		free(s.v);
		break;
	}
	case DOP_NEG: {
		Ids f = {0};
		ids_push(&f, dag_const(g, -1));
		ids_push(&f, a.v[0]);
		r = mk_mul(g, &f);
		free(f.v);
		break;
	}
	case DOP_DIV: {
		double y;
		if (is_const(g, a.v[1], &y) && y == 0) {   /* x / 0: kept, never folded */
			r = dag_op2(g, DOP_DIV, a.v[0], a.v[1]);
			break;
		}
		Ids f = {0};
		ids_push(&f, a.v[0]);
		ids_push(&f, mk_pow(g, a.v[1], dag_const(g, -1)));
		r = mk_mul(g, &f);
		free(f.v);
		break;
	}
	case DOP_POW: r = mk_pow(g, a.v[0], a.v[1]); break;
	case DOP_MIN: case DOP_MAX: r = mk_minmax(g, op, &a); break;
	case DOP_AND: case DOP_OR: r = mk_logic(g, op, &a); break;
	case DOP_LT: case DOP_LE: case DOP_GT: case DOP_GE: case DOP_EQ: case DOP_NE:
		r = compare(g, op, a.v[0], a.v[1]);
		break;
	case DOP_CEIL: case DOP_FLOOR:
		if ((t = fold1(g, op, a.v[0])) != NODE_NONE) r = t;
		else if (dag_opof(g, a.v[0]) == DOP_CEIL || dag_opof(g, a.v[0]) == DOP_FLOOR) r = a.v[0];
		else r = dag_op1(g, op, a.v[0]);
		break;
	case DOP_SQRT:
		if ((t = fold1(g, op, a.v[0])) != NODE_NONE) r = t;
		else if (dag_opof(g, a.v[0]) == DOP_POW && dag_is_const(g, dag_args(g, a.v[0])[1], 2))
			r = simp(g, dag_op1(g, DOP_ABS, dag_args(g, a.v[0])[0]));
		else r = dag_op1(g, op, a.v[0]);
		break;
	case DOP_LOG:
		if ((t = fold1(g, op, a.v[0])) != NODE_NONE) r = t;
		else if (dag_opof(g, a.v[0]) == DOP_EXP) r = dag_args(g, a.v[0])[0];
		else r = dag_op1(g, op, a.v[0]);
		break;
	case DOP_EXP:
		if ((t = fold1(g, op, a.v[0])) != NODE_NONE) r = t;
		else if (dag_opof(g, a.v[0]) == DOP_LOG) r = dag_args(g, a.v[0])[0];
		else r = dag_op1(g, op, a.v[0]);
		break;
	case DOP_ABS:
		if ((t = fold1(g, op, a.v[0])) != NODE_NONE) r = t;
		else if (dag_opof(g, a.v[0]) == DOP_ABS) r = a.v[0];
		else r = dag_op1(g, op, a.v[0]);
		break;
	case DOP_NOT:
		if ((t = fold1(g, op, a.v[0])) != NODE_NONE) r = t;
		else if (dag_opof(g, a.v[0]) == DOP_NOT && is_boolean(g, dag_args(g, a.v[0])[0]))
			r = dag_args(g, a.v[0])[0];
		else r = dag_op1(g, op, a.v[0]);
		break;
	case DOP_SELECT: {
		double c;
		if (is_const(g, a.v[0], &c)) r = c != 0 ? a.v[1] : a.v[2];
		else if (a.v[1] == a.v[2]) r = a.v[1];
		else if (dag_opof(g, a.v[0]) == DOP_NOT)
			r = dag_op(g, DOP_SELECT, (NodeId[]){dag_args(g, a.v[0])[0], a.v[2], a.v[1]}, 3);
		else r = dag_op(g, DOP_SELECT, a.v, 3);
		break;
	}
	case DOP_LABEL:   /* labels are structure for graphs, not arithmetic */
		r = a.v[0];
		break;
	default:
		r = dag_op(g, op, a.v, a.n);
		break;
	}
	free(a.v);
	return r;
}

static NodeId simp(Dag *g, NodeId id)
{
	NodeId r = memo_get(g, id);
	if (r != NODE_NONE) return r;
	r = simp_node(g, id);
	/* the result is canonical: simplifying it again must give itself */
	NodeId again = memo_get(g, r);
	if (again == NODE_NONE && r != id) {
		again = simp_node(g, r);
		if (again != r) r = again;   /* one more pass reached the fixed point */
	}
	memo_set(g, r, r);
	memo_set(g, id, r);
	return r;
}

NodeId dag_simplify(Dag *g, NodeId e) { return simp(g, e); }

/* ---------------------------------------------------------- derivatives */

typedef struct Deriv {
	Dag *g;
	uint32_t param;
	NodeId *memo;
	uint32_t n;
} Deriv;

static NodeId c0(Dag *g) { return dag_const(g, 0); }

/* A copy of a node's operands (safe across node creation). */
static Ids operands(const Dag *g, NodeId id)
{
	Ids l = {0};
	for (uint32_t k = 0; k < dag_node(g, id)->nargs; k++) ids_push(&l, dag_args(g, id)[k]);
	return l;
}

static NodeId mul2(Dag *g, NodeId a, NodeId b) { return dag_op2(g, DOP_MUL, a, b); }

static NodeId der(Deriv *d, NodeId id);

/* Creating nodes moves g's arrays: read what the node holds first and
 * keep no pointer into g across a call that may create nodes. */
static NodeId der_node(Deriv *d, NodeId id)
{
	Dag *g = d->g;
	DagOp op = dag_opof(g, id);
	uint32_t n = dag_node(g, id)->nargs, sym = dag_node(g, id)->sym;
	NodeId a[3] = {0, 0, 0};
	for (uint32_t k = 0; k < n && k < 3; k++) a[k] = dag_args(g, id)[k];
	switch (op) {
	case DOP_CONST: return c0(g);
	case DOP_PARAM: return dag_const(g, sym == d->param ? 1 : 0);
	case DOP_ADD: {
		Ids t = {0};
		for (uint32_t k = 0; k < n; k++) ids_push(&t, der(d, dag_args(g, id)[k]));
		NodeId r = dag_op(g, DOP_ADD, t.v, t.n);
		free(t.v);
		return r;
	}
	case DOP_MUL: {
		/* sum over k of d(a_k) * product of the others */
		Ids t = {0}, args = operands(g, id);
		for (uint32_t k = 0; k < n; k++) {
			NodeId dk = der(d, args.v[k]);
			if (dag_is_const(g, dk, 0)) continue;
			Ids f = {0};
			ids_push(&f, dk);
			for (uint32_t j = 0; j < n; j++)
				if (j != k) ids_push(&f, args.v[j]);
			ids_push(&t, dag_op(g, DOP_MUL, f.v, f.n));
			free(f.v);
		}
		NodeId r = t.n == 0 ? c0(g) : t.n == 1 ? t.v[0] : dag_op(g, DOP_ADD, t.v, t.n);
		free(t.v);
		free(args.v);
		return r;
	}
	case DOP_SUB: return dag_op2(g, DOP_SUB, der(d, a[0]), der(d, a[1]));
	case DOP_NEG: return dag_op1(g, DOP_NEG, der(d, a[0]));
	case DOP_DIV: /* (a' b - a b') / b^2 */
		return dag_op2(g, DOP_DIV,
			       dag_op2(g, DOP_SUB, mul2(g, der(d, a[0]), a[1]), mul2(g, a[0], der(d, a[1]))),
			       dag_op2(g, DOP_POW, a[1], dag_const(g, 2)));
	case DOP_POW: {
		/* zero derivatives are recognised after simplification, so that
		 * the general rule (with log u and u' / u) is used only when both
		 * base and exponent vary: d(0^v) is 0, not 0 * log(0) */
		NodeId du = dag_simplify(g, der(d, a[0])), dv = dag_simplify(g, der(d, a[1]));
		bool du0 = dag_is_const(g, du, 0), dv0 = dag_is_const(g, dv, 0);
		double e;
		if (du0 && dv0) return c0(g);
		if (dv0) { /* v u^(v-1) u' */
			NodeId v1 = is_const(g, a[1], &e) ? dag_const(g, e - 1)
							  : dag_op2(g, DOP_SUB, a[1], dag_const(g, 1));
			return mul2(g, mul2(g, a[1], dag_op2(g, DOP_POW, a[0], v1)), du);
		}
		if (du0) { /* u^v log(u) v'; a zero base stays 0 for v > 0 */
			if (dag_is_const(g, a[0], 0)) return c0(g);
			return mul2(g, mul2(g, id, dag_op1(g, DOP_LOG, a[0])), dv);
		}
		/* u^v (v' log u + v u' / u) */
		return mul2(g, id, dag_op2(g, DOP_ADD, mul2(g, dv, dag_op1(g, DOP_LOG, a[0])),
					   dag_op2(g, DOP_DIV, mul2(g, a[1], du), a[0])));
	}
	case DOP_MIN: case DOP_MAX: {
		/* fold left as num_min/num_max evaluate: m = op(m, a_k) */
		Ids args = operands(g, id);
		NodeId m = args.v[0], dm = der(d, args.v[0]);
		for (uint32_t k = 1; k < n; k++) {
			NodeId b = args.v[k], db = der(d, b);
			NodeId cond = op == DOP_MIN ? dag_op2(g, DOP_LT, b, m) : dag_op2(g, DOP_GT, b, m);
			dm = dag_op(g, DOP_SELECT, (NodeId[]){cond, db, dm}, 3);
			m = dag_op2(g, op, m, b);
		}
		free(args.v);
		return dm;
	}
	case DOP_ABS: {
		NodeId du = der(d, a[0]);
		return dag_op(g, DOP_SELECT, (NodeId[]){dag_op2(g, DOP_LT, a[0], c0(g)),
							dag_op1(g, DOP_NEG, du), du}, 3);
	}
	case DOP_SQRT: /* u' / (2 sqrt u) */
		return dag_op2(g, DOP_DIV, der(d, a[0]), mul2(g, dag_const(g, 2), id));
	case DOP_LOG: return dag_op2(g, DOP_DIV, der(d, a[0]), a[0]);
	case DOP_EXP: return mul2(g, id, der(d, a[0]));
	case DOP_SELECT:
		return dag_op(g, DOP_SELECT, (NodeId[]){a[0], der(d, a[1]), der(d, a[2])}, 3);
	case DOP_LABEL: return der(d, a[0]);
	default: /* ceil, floor, comparisons, logic: 0 almost everywhere */
		return c0(g);
	}
}

static NodeId der(Deriv *d, NodeId id)
{
	if (id < d->n && d->memo[id] != NODE_NONE) return d->memo[id];
	NodeId r = der_node(d, id);
	if (id < d->n) d->memo[id] = r;
	return r;
}

NodeId dag_derive(Dag *g, NodeId e, uint32_t param)
{
	e = dag_simplify(g, e);
	Deriv d = {g, param, NULL, g->n};
	d.memo = xmalloc((d.n + 1) * sizeof *d.memo);
	memset(d.memo, 0xff, (d.n + 1) * sizeof *d.memo);
	NodeId r = der(&d, e);
	free(d.memo);
	return dag_simplify(g, r);
}
