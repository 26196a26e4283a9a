/* jit_lanes.c -- the JIT's lanes evaluator (jit.h jit_compile_lanes,
 * emitted by je_lanes): several points per instruction, in loops GCC
 * turns into vector code.
 */
#include "config.h"
#ifdef HAVE_LIBGCCJIT
#include <stdio.h>
#include <stdlib.h>
#include "jit.h"
#include "jit_emit.h"
#include "lang/arena.h"

/* void sglsim_eval_lanes(long n, const double *params, double *out):
 * sglsim_eval_batch for n a multiple of JIT_LANES, the points taken
 * JIT_LANES at a time and each instruction done for all of them in a loop
 * GCC vectorizes (one IEEE operation per lane: the same bits).  A param
 * flagged uniform is the same for all n points and read from the first
 * row only; so is every instruction that reads only uniform values,
 * computed once per call.
 *
 * The varying instructions are cut into runs at each libm call (a call
 * stops the vectorizer; ceil and floor are computed without one): one loop over the lanes per run, values used
 * within their run in locals, values used by a later run or output kept
 * in per-lane arrays ("slots", reused once dead). */
typedef struct Lanes {
	Emit *e;
	const BcProgram *p;
	bool *vary;             /* per instruction */
	uint32_t *run;          /* per varying instruction: its run */
	uint32_t *last;         /* per instruction: the last run reading it (UINT32_MAX: an output) */
	uint32_t *slot;         /* per instruction kept across runs: its slot, else UINT32_MAX */
	gcc_jit_lvalue **reg;   /* per instruction: uniform value, or the run-local value */
	gcc_jit_lvalue **slots;
	gcc_jit_lvalue *i, *j;  /* first point of the lanes; lane */
	gcc_jit_rvalue *params, *out;
} Lanes;

/* Instructions the vectorizer stops at: libm calls (pow other than the
 * squares).  ceil and floor are not among them: see lane_round. */
static bool is_call(const BcProgram *p, const BcInsn *c)
{
	if (c->op == BC_POW) {
		const BcInsn *y = &p->code[c->b];
		return !(y->op == BC_CONST && (y->imm == 2 || y->imm == -2));
	}
	return c->op == BC_LOG || c->op == BC_EXP;
}

/* A fresh local double (gccjit 12 wants a name; any will do). */
static gcc_jit_lvalue *temp(Emit *e)
{
	return gcc_jit_function_new_local(e->fn, NULL, e->dbl, "t");
}

/* d = ceil(x) (up) or floor(x), without the builtin that libgccjit 12
 * does not vectorize (TOOLCHAIN.md), and exactly:  for |x| < 2^52,
 * t = (|x| + 2^52) - 2^52 is |x| rounded to an integer (the sum's ulp is
 * 1; no -fassociative-math folds it away), so s = t with x's sign is an
 * integer within 1/2 of x, and ceil(x) is s or s + 1 (floor: s or s - 1);
 * a zero result takes x's sign, x * 0, as ceil(-0.5) = -0.  Larger |x|,
 * infinities and NaN are their own ceil and floor. */
static void lane_round(Emit *e, gcc_jit_lvalue *d, gcc_jit_rvalue *x, bool up)
{
	gcc_jit_rvalue *two52 = je_dbl(e, 4503599627370496.0), *zero = je_dbl(e, 0.0);
	gcc_jit_rvalue *neg = je_cmp(e, GCC_JIT_COMPARISON_LT, x, zero);
	gcc_jit_lvalue *a = temp(e), *t = temp(e), *s = temp(e), *r = temp(e), *z = temp(e);
	je_choose(e, a, neg, gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_MINUS, e->dbl, x), x);
	gcc_jit_block_add_assignment(e->bb, NULL, t, je_arith(e, GCC_JIT_BINARY_OP_MINUS,
		je_arith(e, GCC_JIT_BINARY_OP_PLUS, je_rv(a), two52), two52));
	je_choose(e, s, neg, gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_MINUS, e->dbl, je_rv(t)), je_rv(t));
	je_choose(e, r, je_cmp(e, up ? GCC_JIT_COMPARISON_LT : GCC_JIT_COMPARISON_GT, je_rv(s), x),
		  je_arith(e, up ? GCC_JIT_BINARY_OP_PLUS : GCC_JIT_BINARY_OP_MINUS, je_rv(s), je_dbl(e, 1.0)), je_rv(s));
	je_choose(e, z, je_cmp(e, GCC_JIT_COMPARISON_EQ, je_rv(r), zero),
		  je_arith(e, GCC_JIT_BINARY_OP_MULT, x, zero), je_rv(r));
	je_choose(e, d, je_cmp(e, GCC_JIT_COMPARISON_LT, je_rv(a), two52), je_rv(z), x);
}

/* The value of instruction k for lane j inside run r. */
static gcc_jit_rvalue *lane_value(Lanes *L, uint32_t k, uint32_t r)
{
	if (!L->vary[k] || L->run[k] == r) return je_rv(L->reg[k]);
	return je_rv(gcc_jit_context_new_array_access(L->e->ctx, NULL, je_rv(L->slots[L->slot[k]]), je_rv(L->j)));
}

/* &base[(i + j) * stride + k] as an lvalue */
static gcc_jit_lvalue *lane_cell(Lanes *L, gcc_jit_rvalue *base, uint32_t stride, uint32_t k)
{
	Emit *e = L->e;
	gcc_jit_rvalue *at = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_PLUS, e->lng, je_rv(L->i), je_rv(L->j));
	at = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_MULT, e->lng, at, je_long(e, stride));
	at = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_PLUS, e->lng, at, je_long(e, k));
	return gcc_jit_context_new_array_access(e->ctx, NULL, base, at);
}

/* Marks what varies, cuts the runs and assigns the slots; returns the
 * number of runs. */
static uint32_t lanes_plan(Lanes *L, const bool *uniform, uint32_t *nslots)
{
	const BcProgram *p = L->p;
	uint32_t runs = 0;
	bool open = false;
	for (uint32_t i = 0; i < p->ncode; i++) {
		const BcInsn *c = &p->code[i];
		uint32_t ops[3] = {c->a, c->b, c->c};
		L->vary[i] = c->op == BC_PARAM && !uniform[c->a];
		for (int k = 0; k < bc_arity(c->op); k++) L->vary[i] |= L->vary[ops[k]];
		L->last[i] = 0;
		L->slot[i] = UINT32_MAX;
		if (!L->vary[i]) continue;
		if (is_call(p, c) || !open) runs++;
		open = !is_call(p, c);
		L->run[i] = runs - 1;
		for (int k = 0; k < bc_arity(c->op); k++)
			if (L->vary[ops[k]] && L->run[ops[k]] != L->run[i] && L->last[ops[k]] != UINT32_MAX)
				L->last[ops[k]] = L->run[i];
	}
	for (uint32_t k = 0; k < p->nout; k++) L->last[p->out_regs[k]] = UINT32_MAX;
	/* slots: a value needs one from its run to its last reader's */
	uint32_t n = 0, nfree = 0, *freed = xmalloc((p->ncode + 1) * sizeof *freed);
	uint32_t *owner = xmalloc((p->ncode + 1) * sizeof *owner);
	for (uint32_t r = 0; r < runs; r++) {
		for (uint32_t s = 0; s < n; s++)   /* free the slots dead before run r */
			if (owner[s] != UINT32_MAX && L->last[owner[s]] < r) {
				freed[nfree++] = s;
				owner[s] = UINT32_MAX;
			}
		for (uint32_t i = 0; i < p->ncode; i++) {
			if (!L->vary[i] || L->run[i] != r || L->last[i] <= r) continue;
			L->slot[i] = nfree ? freed[--nfree] : n++;
			owner[L->slot[i]] = i;
		}
	}
	free(freed);
	free(owner);
	*nslots = n;
	return runs;
}

void je_lanes(Emit *e, const BcProgram *p, const bool *uniform)
{
	gcc_jit_param *ps[3];
	je_rows_fn(e, "sglsim_eval_lanes", ps);
	uint32_t N = p->ncode ? p->ncode : 1, nslots;
	Lanes L = {.e = e, .p = p, .params = gcc_jit_param_as_rvalue(ps[1]), .out = gcc_jit_param_as_rvalue(ps[2])};
	L.vary = xmalloc(N * sizeof *L.vary);
	L.run = xmalloc(N * sizeof *L.run);
	L.last = xmalloc(N * sizeof *L.last);
	L.slot = xmalloc(N * sizeof *L.slot);
	L.reg = xmalloc(N * sizeof *L.reg);
	uint32_t runs = lanes_plan(&L, uniform, &nslots);
	gcc_jit_type *lane_t = gcc_jit_context_new_array_type(e->ctx, NULL, e->dbl, JIT_LANES);
	L.slots = xmalloc((nslots + 1) * sizeof *L.slots);
	for (uint32_t s = 0; s < nslots; s++) {
		char name[16];
		snprintf(name, sizeof name, "s%u", s);
		L.slots[s] = gcc_jit_function_new_local(e->fn, NULL, lane_t, name);
	}
	/* uniform values, once */
	for (uint32_t k = 0; k < p->ncode; k++) {
		char name[16];
		snprintf(name, sizeof name, "%c%u", L.vary[k] ? 'v' : 'u', k);
		L.reg[k] = gcc_jit_function_new_local(e->fn, NULL, e->dbl, name);
		if (!L.vary[k]) je_insn(e, &p->code[k], L.reg, k, L.params);
	}
	/* for (i = 0; i < n; i += JIT_LANES) */
	L.i = gcc_jit_function_new_local(e->fn, NULL, e->lng, "i");
	L.j = gcc_jit_function_new_local(e->fn, NULL, e->lng, "j");
	gcc_jit_block_add_assignment(e->bb, NULL, L.i, je_long(e, 0));
	gcc_jit_block *cond = gcc_jit_function_new_block(e->fn, "points");
	gcc_jit_block *body = gcc_jit_function_new_block(e->fn, NULL);
	gcc_jit_block *done = gcc_jit_function_new_block(e->fn, "done");
	gcc_jit_block_end_with_jump(e->bb, NULL, cond);
	gcc_jit_block_end_with_conditional(cond, NULL,
		je_cmp(e, GCC_JIT_COMPARISON_LT, je_rv(L.i), gcc_jit_param_as_rvalue(ps[0])), body, done);
	e->bb = body;
	uint32_t k = 0;
	for (uint32_t r = 0; r < runs; r++) {
		Loop l;
		je_loop_begin(e, &l, je_long(e, JIT_LANES));
		L.j = l.i;
		for (; k < p->ncode && (!L.vary[k] || L.run[k] == r); k++) {
			if (!L.vary[k]) continue;
			const BcInsn *c = &p->code[k];
			int n = bc_arity(c->op);
			gcc_jit_rvalue *param = c->op != BC_PARAM ? NULL : je_rv(lane_cell(&L, L.params, p->nparams, c->a));
			if (c->op == BC_CEIL || c->op == BC_FLOOR)
				lane_round(e, L.reg[k], lane_value(&L, c->a, r), c->op == BC_CEIL);
			else
				je_op(e, c, L.reg[k], n > 0 ? lane_value(&L, c->a, r) : NULL,
				      n > 1 ? lane_value(&L, c->b, r) : NULL, n > 2 ? lane_value(&L, c->c, r) : NULL, param);
			if (L.slot[k] != UINT32_MAX)
				gcc_jit_block_add_assignment(e->bb, NULL,
					gcc_jit_context_new_array_access(e->ctx, NULL, je_rv(L.slots[L.slot[k]]), je_rv(L.j)),
					je_rv(L.reg[k]));
		}
		je_loop_end(e, &l);
	}
	Loop l;
	je_loop_begin(e, &l, je_long(e, JIT_LANES));
	L.j = l.i;
	for (uint32_t o = 0; o < p->nout; o++)
		gcc_jit_block_add_assignment(e->bb, NULL, lane_cell(&L, L.out, p->nout, o),
					     lane_value(&L, p->out_regs[o], UINT32_MAX));
	je_loop_end(e, &l);
	gcc_jit_block_add_assignment_op(e->bb, NULL, L.i, GCC_JIT_BINARY_OP_PLUS, je_long(e, JIT_LANES));
	gcc_jit_block_end_with_jump(e->bb, NULL, cond);
	gcc_jit_block_end_with_void_return(done, NULL);
	free(L.vary);
	free(L.run);
	free(L.last);
	free(L.slot);
	free(L.reg);
	free(L.slots);
}

#endif /* HAVE_LIBGCCJIT */
