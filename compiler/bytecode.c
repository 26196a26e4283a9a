/* bytecode.c -- DAG to register bytecode, and the interpreter (bytecode.h). */
#include "config.h"
#include "bytecode.h"
#include "lang/arena.h"
#include "runtime/num.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *names[BC_COUNT] = {
	"const", "param", "add", "sub", "mul", "div", "neg", "pow", "min", "max",
	"ceil", "floor", "sqrt", "log", "exp", "abs", "lt", "le", "gt", "ge", "eq",
	"ne", "and", "or", "not", "select",
};

const char *bc_op_name(BcOp op) { return op < BC_COUNT ? names[op] : "?"; }

typedef struct Builder {
	const Dag *g;
	BcProgram *p;
	uint32_t cap;
	uint32_t *reg;   /* register of each node, UINT32_MAX = not emitted */
} Builder;

static uint32_t emit(Builder *b, BcOp op, uint32_t x, uint32_t y, uint32_t z, double imm)
{
	BcProgram *p = b->p;
	if (p->ncode == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		p->code = xrealloc(p->code, b->cap * sizeof *p->code);
	}
	p->code[p->ncode] = (BcInsn){(uint8_t)op, x, y, z, imm};
	return p->ncode++;
}

int bc_arity(uint8_t op)
{
	switch (op) {
	case BC_CONST: case BC_PARAM: return 0;
	case BC_NEG: case BC_CEIL: case BC_FLOOR: case BC_SQRT: case BC_LOG:
	case BC_EXP: case BC_ABS: case BC_NOT: return 1;
	case BC_SELECT: return 3;
	default: return 2;
	}
}

static bool is_reciprocal(const Dag *g, NodeId id)
{
	return dag_opof(g, id) == DOP_POW && dag_is_const(g, dag_args(g, id)[1], -1.0);
}

static uint32_t node(Builder *b, NodeId id);

/* A product: numerator factors multiplied left to right, then divided by
 * each reciprocal factor's base (a * b^-1 is computed as a / b). */
static uint32_t product(Builder *b, NodeId id)
{
	const Dag *g = b->g;
	const NodeId *a = dag_args(g, id);
	uint32_t n = dag_node(g, id)->nargs, acc = UINT32_MAX;
	for (uint32_t k = 0; k < n; k++) {
		if (is_reciprocal(g, a[k])) continue;
		uint32_t r = node(b, a[k]);
		acc = acc == UINT32_MAX ? r : emit(b, BC_MUL, acc, r, 0, 0);
	}
	for (uint32_t k = 0; k < n; k++) {
		if (!is_reciprocal(g, a[k])) continue;
		uint32_t r = node(b, dag_args(g, a[k])[0]);
		if (acc == UINT32_MAX) acc = emit(b, BC_CONST, 0, 0, 0, 1.0);
		acc = emit(b, BC_DIV, acc, r, 0, 0);
	}
	return acc;
}

static BcOp chain_op(DagOp op)
{
	switch (op) {
	case DOP_ADD: return BC_ADD;
	case DOP_MUL: return BC_MUL;
	case DOP_MIN: return BC_MIN;
	case DOP_MAX: return BC_MAX;
	case DOP_AND: return BC_AND;
	default: return BC_OR;
	}
}

static BcOp simple_op(DagOp op)
{
	switch (op) {
	case DOP_SUB: return BC_SUB;
	case DOP_DIV: return BC_DIV;
	case DOP_NEG: return BC_NEG;
	case DOP_POW: return BC_POW;
	case DOP_CEIL: return BC_CEIL;
	case DOP_FLOOR: return BC_FLOOR;
	case DOP_SQRT: return BC_SQRT;
	case DOP_LOG: return BC_LOG;
	case DOP_EXP: return BC_EXP;
	case DOP_ABS: return BC_ABS;
	case DOP_LT: return BC_LT;
	case DOP_LE: return BC_LE;
	case DOP_GT: return BC_GT;
	case DOP_GE: return BC_GE;
	case DOP_EQ: return BC_EQ;
	case DOP_NE: return BC_NE;
	case DOP_NOT: return BC_NOT;
	default: return BC_SELECT;
	}
}

/* Iterative post-order would avoid deep recursion; the DAG depth is bounded
 * by the front end's nesting limit, so recursion is safe here. */
static uint32_t node(Builder *b, NodeId id)
{
	if (b->reg[id] != UINT32_MAX) return b->reg[id];
	const Dag *g = b->g;
	const DagNode *x = dag_node(g, id);
	const NodeId *a = dag_args(g, id);
	uint32_t r;
	switch ((DagOp)x->op) {
	case DOP_CONST: r = emit(b, BC_CONST, 0, 0, 0, x->value); break;
	case DOP_PARAM: r = emit(b, BC_PARAM, x->sym, 0, 0, 0); break;
	case DOP_LABEL: r = node(b, a[0]); break;
	case DOP_MUL: r = product(b, id); break;
	case DOP_ADD: case DOP_MIN: case DOP_MAX: case DOP_AND: case DOP_OR: {
		r = node(b, a[0]);
		for (uint32_t k = 1; k < x->nargs; k++)
			r = emit(b, chain_op((DagOp)x->op), r, node(b, a[k]), 0, 0);
		break;
	}
	default: {
		uint32_t o[3] = {0, 0, 0};
		for (uint32_t k = 0; k < x->nargs && k < 3; k++) o[k] = node(b, a[k]);
		r = emit(b, simple_op((DagOp)x->op), o[0], o[1], o[2], 0);
		break;
	}
	}
	b->reg[id] = r;
	return r;
}

BcProgram *bc_compile(const Dag *g, const NodeId *roots, uint32_t nroots)
{
	Builder b = {g, calloc(1, sizeof(BcProgram)), 0, xmalloc((g->n + 1) * sizeof(uint32_t))};
	if (!b.p) abort();
	memset(b.reg, 0xff, (g->n + 1) * sizeof(uint32_t));
	b.p->nparams = g->nparams;
	b.p->nout = nroots;
	b.p->out_regs = xmalloc((nroots + 1) * sizeof *b.p->out_regs);
	for (uint32_t k = 0; k < nroots; k++)
		b.p->out_regs[k] = node(&b, roots[k]);
	free(b.reg);
	return b.p;
}

void bc_free(BcProgram *p)
{
	if (!p) return;
	free(p->code);
	free(p->out_regs);
	free(p);
}

static inline double apply(uint8_t op, double x, double y, double z)
{
	switch (op) {
	case BC_ADD: return x + y;
	case BC_SUB: return x - y;
	case BC_MUL: return x * y;
	case BC_DIV: return x / y;
	case BC_NEG: return -x;
	case BC_POW: return num_pow(x, y);
	case BC_MIN: return num_min(x, y);
	case BC_MAX: return num_max(x, y);
	case BC_CEIL: return ceil(x);
	case BC_FLOOR: return floor(x);
	case BC_SQRT: return sqrt(x);
	case BC_LOG: return log(x);
	case BC_EXP: return exp(x);
	case BC_ABS: return fabs(x);
	case BC_LT: return num_bool(x < y);
	case BC_LE: return num_bool(x <= y);
	case BC_GT: return num_bool(x > y);
	case BC_GE: return num_bool(x >= y);
	case BC_EQ: return num_bool(x == y);
	case BC_NE: return num_bool(x != y);
	case BC_AND: return num_and(x, y);
	case BC_OR: return num_or(x, y);
	case BC_NOT: return num_not(x);
	case BC_SELECT: return num_select(x, y, z);
	}
	return 0;
}

void bc_eval(const BcProgram *p, const double *params, double *out)
{
	double small[256];
	double *reg = p->ncode <= 256 ? small : xmalloc(p->ncode * sizeof *reg);
	for (uint32_t i = 0; i < p->ncode; i++) {
		const BcInsn *c = &p->code[i];
		if (c->op == BC_CONST) reg[i] = c->imm;
		else if (c->op == BC_PARAM) reg[i] = params[c->a];
		else reg[i] = apply(c->op, reg[c->a], reg[c->b], reg[c->c]);
	}
	for (uint32_t k = 0; k < p->nout; k++) out[k] = reg[p->out_regs[k]];
	if (reg != small) free(reg);
}

/* One opcode over a block of points: the switch is outside the loop. */
#define BLOCK_LOOP(expr) for (size_t j = 0; j < m; j++) d[j] = (expr)

void bc_eval_block(const BcProgram *p, size_t n, const double *params, double *out)
{
	double *regs = xmalloc((size_t)(p->ncode ? p->ncode : 1) * BC_BLOCK * sizeof *regs);
	for (size_t base = 0; base < n; base += BC_BLOCK) {
		size_t m = n - base < BC_BLOCK ? n - base : BC_BLOCK;
		for (uint32_t i = 0; i < p->ncode; i++) {
			const BcInsn *c = &p->code[i];
			double *d = regs + (size_t)i * BC_BLOCK;
			const double *x = regs + (size_t)c->a * BC_BLOCK;
			const double *y = regs + (size_t)c->b * BC_BLOCK;
			const double *z = regs + (size_t)c->c * BC_BLOCK;
			switch (c->op) {
			case BC_CONST: BLOCK_LOOP(c->imm); break;
			case BC_PARAM: BLOCK_LOOP(params[(base + j) * p->nparams + c->a]); break;
			case BC_ADD: BLOCK_LOOP(x[j] + y[j]); break;
			case BC_SUB: BLOCK_LOOP(x[j] - y[j]); break;
			case BC_MUL: BLOCK_LOOP(x[j] * y[j]); break;
			case BC_DIV: BLOCK_LOOP(x[j] / y[j]); break;
			case BC_NEG: BLOCK_LOOP(-x[j]); break;
			case BC_MIN: BLOCK_LOOP(num_min(x[j], y[j])); break;
			case BC_MAX: BLOCK_LOOP(num_max(x[j], y[j])); break;
			case BC_SELECT: BLOCK_LOOP(num_select(x[j], y[j], z[j])); break;
			default: BLOCK_LOOP(apply(c->op, x[j], y[j], z[j])); break;
			}
		}
		for (size_t j = 0; j < m; j++)
			for (uint32_t k = 0; k < p->nout; k++)
				out[(base + j) * p->nout + k] = regs[(size_t)p->out_regs[k] * BC_BLOCK + j];
	}
	free(regs);
}
