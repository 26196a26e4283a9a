/* jit_emit.c -- the JIT's code emitter (jit_emit.h): one bytecode
 * instruction as gccjit operations, the straight-line kernel, and the
 * scalar and batch evaluators around it.  The caching, loading and the
 * standalone library are jit.c's; the lanes evaluator is jit_lanes.c's.
 */
#include "config.h"
#ifdef HAVE_LIBGCCJIT
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jit_emit.h"
#include "lang/arena.h"

static const char *const libm_names[LM_COUNT] = {
	"pow", "log", "exp", "sqrt", "ceil", "floor", "fabs",
};

void je_init(Emit *e, gcc_jit_context *ctx)
{
	memset(e, 0, sizeof *e);
	e->ctx = ctx;
	e->prefix = "sglsim";
	e->dbl = gcc_jit_context_get_type(ctx, GCC_JIT_TYPE_DOUBLE);
	e->dbl_ptr = gcc_jit_type_get_pointer(e->dbl);
	e->cdbl_ptr = gcc_jit_type_get_pointer(gcc_jit_type_get_const(e->dbl));
	e->integer = gcc_jit_context_get_type(ctx, GCC_JIT_TYPE_INT);
	e->lng = gcc_jit_context_get_type(ctx, GCC_JIT_TYPE_LONG);
	e->vd = gcc_jit_context_get_type(ctx, GCC_JIT_TYPE_VOID);
	e->boolean = gcc_jit_context_get_type(ctx, GCC_JIT_TYPE_BOOL);
	for (int k = 0; k < LM_COUNT; k++) {
		int n = k == LM_POW ? 2 : 1;
		gcc_jit_param *ps[2] = {
			gcc_jit_context_new_param(ctx, NULL, e->dbl, "x"),
			gcc_jit_context_new_param(ctx, NULL, e->dbl, "y"),
		};
		if (k >= LM_EXACT) {
			char name[32];
			snprintf(name, sizeof name, "__builtin_%s", libm_names[k]);
			e->libm[k] = gcc_jit_context_get_builtin_function(ctx, name);
		} else {
			e->libm[k] = gcc_jit_context_new_function(ctx, NULL, GCC_JIT_FUNCTION_IMPORTED,
								  e->dbl, libm_names[k], n, ps, 0);
		}
	}
}

gcc_jit_rvalue *je_rv(gcc_jit_lvalue *l) { return gcc_jit_lvalue_as_rvalue(l); }

gcc_jit_rvalue *je_dbl(Emit *e, double v)
{
	return gcc_jit_context_new_rvalue_from_double(e->ctx, e->dbl, v);
}

gcc_jit_rvalue *je_long(Emit *e, long v)
{
	return gcc_jit_context_new_rvalue_from_long(e->ctx, e->lng, v);
}

/* A truth value as 1.0 or 0.0 (num_bool).  gccjit casts bool only to
 * integers, hence the detour through int. */
static gcc_jit_rvalue *to_double(Emit *e, gcc_jit_rvalue *b)
{
	return gcc_jit_context_new_cast(e->ctx, NULL,
					gcc_jit_context_new_cast(e->ctx, NULL, b, e->integer), e->dbl);
}

gcc_jit_rvalue *je_cmp(Emit *e, enum gcc_jit_comparison op, gcc_jit_rvalue *x, gcc_jit_rvalue *y)
{
	return gcc_jit_context_new_comparison(e->ctx, NULL, op, x, y);
}

static gcc_jit_rvalue *nonzero(Emit *e, gcc_jit_rvalue *x)
{
	return je_cmp(e, GCC_JIT_COMPARISON_NE, x, gcc_jit_context_zero(e->ctx, e->dbl));
}

gcc_jit_rvalue *je_arith(Emit *e, enum gcc_jit_binary_op op, gcc_jit_rvalue *x, gcc_jit_rvalue *y)
{
	return gcc_jit_context_new_binary_op(e->ctx, NULL, op, e->dbl, x, y);
}

static gcc_jit_rvalue *logic(Emit *e, enum gcc_jit_binary_op op, gcc_jit_rvalue *x, gcc_jit_rvalue *y)
{
	return to_double(e, gcc_jit_context_new_binary_op(e->ctx, NULL, op, e->boolean,
							   nonzero(e, x), nonzero(e, y)));
}

gcc_jit_rvalue *je_call(Emit *e, int fn, gcc_jit_rvalue *x, gcc_jit_rvalue *y)
{
	gcc_jit_rvalue *args[2] = {x, y};
	return gcc_jit_context_new_call(e->ctx, NULL, e->libm[fn], fn == LM_POW ? 2 : 1, args);
}

/* dst = cond ? yes : no, as a diamond of blocks (gccjit 12 has no
 * conditional expression).  Continues in the join block. */
void je_choose(Emit *e, gcc_jit_lvalue *dst, gcc_jit_rvalue *cond,
		   gcc_jit_rvalue *yes, gcc_jit_rvalue *no)
{
	gcc_jit_block *t = gcc_jit_function_new_block(e->fn, NULL);
	gcc_jit_block *f = gcc_jit_function_new_block(e->fn, NULL);
	gcc_jit_block *join = gcc_jit_function_new_block(e->fn, NULL);
	gcc_jit_block_end_with_conditional(e->bb, NULL, cond, t, f);
	gcc_jit_block_add_assignment(t, NULL, dst, yes);
	gcc_jit_block_end_with_jump(t, NULL, join);
	gcc_jit_block_add_assignment(f, NULL, dst, no);
	gcc_jit_block_end_with_jump(f, NULL, join);
	e->bb = join;
}

/* d = num_pow(x, y): x * x when y is 2, 1 / (x * x) when y is -2, else
 * libm's pow.  With a constant y (the usual case) GCC folds the tests. */
static void power(Emit *e, gcc_jit_lvalue *d, gcc_jit_rvalue *x, gcc_jit_rvalue *y)
{
	gcc_jit_rvalue *sq = je_arith(e, GCC_JIT_BINARY_OP_MULT, x, x);
	gcc_jit_block *b[4];
	for (int k = 0; k < 4; k++) b[k] = gcc_jit_function_new_block(e->fn, NULL);
	gcc_jit_block *join = gcc_jit_function_new_block(e->fn, NULL);
	gcc_jit_block_end_with_conditional(e->bb, NULL, je_cmp(e, GCC_JIT_COMPARISON_EQ, y, je_dbl(e, 2)), b[0], b[1]);
	gcc_jit_block_add_assignment(b[0], NULL, d, sq);
	gcc_jit_block_end_with_conditional(b[1], NULL, je_cmp(e, GCC_JIT_COMPARISON_EQ, y, je_dbl(e, -2)), b[2], b[3]);
	gcc_jit_block_add_assignment(b[2], NULL, d, je_arith(e, GCC_JIT_BINARY_OP_DIVIDE, je_dbl(e, 1), sq));
	gcc_jit_block_add_assignment(b[3], NULL, d, je_call(e, LM_POW, x, y));
	for (int k = 0; k < 4; k++)
		if (k != 1) gcc_jit_block_end_with_jump(b[k], NULL, join);
	e->bb = join;
}

/* d = instruction c over the operands x, y, z (param: the value of a
 * BC_PARAM), exactly as bytecode.c's `apply` computes it. */
void je_op(Emit *e, const BcInsn *c, gcc_jit_lvalue *d, gcc_jit_rvalue *x,
		    gcc_jit_rvalue *y, gcc_jit_rvalue *z, gcc_jit_rvalue *param)
{
	gcc_jit_rvalue *v = NULL;
	switch ((BcOp)c->op) {
	case BC_CONST: v = je_dbl(e, c->imm); break;
	case BC_PARAM: v = param; break;
	case BC_ADD: v = je_arith(e, GCC_JIT_BINARY_OP_PLUS, x, y); break;
	case BC_SUB: v = je_arith(e, GCC_JIT_BINARY_OP_MINUS, x, y); break;
	case BC_MUL: v = je_arith(e, GCC_JIT_BINARY_OP_MULT, x, y); break;
	case BC_DIV: v = je_arith(e, GCC_JIT_BINARY_OP_DIVIDE, x, y); break;
	case BC_NEG: v = gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_MINUS, e->dbl, x); break;
	case BC_POW: power(e, d, x, y); return;
	case BC_CEIL: v = je_call(e, LM_CEIL, x, NULL); break;
	case BC_FLOOR: v = je_call(e, LM_FLOOR, x, NULL); break;
	case BC_SQRT: v = je_call(e, LM_SQRT, x, NULL); break;
	case BC_LOG: v = je_call(e, LM_LOG, x, NULL); break;
	case BC_EXP: v = je_call(e, LM_EXP, x, NULL); break;
	case BC_ABS: v = je_call(e, LM_FABS, x, NULL); break;
	case BC_LT: v = to_double(e, je_cmp(e, GCC_JIT_COMPARISON_LT, x, y)); break;
	case BC_LE: v = to_double(e, je_cmp(e, GCC_JIT_COMPARISON_LE, x, y)); break;
	case BC_GT: v = to_double(e, je_cmp(e, GCC_JIT_COMPARISON_GT, x, y)); break;
	case BC_GE: v = to_double(e, je_cmp(e, GCC_JIT_COMPARISON_GE, x, y)); break;
	case BC_EQ: v = to_double(e, je_cmp(e, GCC_JIT_COMPARISON_EQ, x, y)); break;
	case BC_NE: v = to_double(e, je_cmp(e, GCC_JIT_COMPARISON_NE, x, y)); break;
	case BC_AND: v = logic(e, GCC_JIT_BINARY_OP_LOGICAL_AND, x, y); break;
	case BC_OR: v = logic(e, GCC_JIT_BINARY_OP_LOGICAL_OR, x, y); break;
	case BC_NOT: v = to_double(e, je_cmp(e, GCC_JIT_COMPARISON_EQ, x, gcc_jit_context_zero(e->ctx, e->dbl))); break;
	/* num_min(a, b) = b < a ? b : a; num_max(a, b) = b > a ? b : a */
	case BC_MIN: je_choose(e, d, je_cmp(e, GCC_JIT_COMPARISON_LT, y, x), y, x); return;
	case BC_MAX: je_choose(e, d, je_cmp(e, GCC_JIT_COMPARISON_GT, y, x), y, x); return;
	case BC_SELECT: je_choose(e, d, nonzero(e, x), y, z); return;
	case BC_COUNT: break;
	}
	gcc_jit_block_add_assignment(e->bb, NULL, d, v);
}

/* reg[i] = instruction i, its operands in reg[]. */
void je_insn(Emit *e, const BcInsn *c, gcc_jit_lvalue **reg, uint32_t i,
		      gcc_jit_rvalue *params)
{
	int n = bc_arity(c->op);
	gcc_jit_rvalue *param = c->op != BC_PARAM ? NULL :
		je_rv(gcc_jit_context_new_array_access(e->ctx, NULL, params,
			gcc_jit_context_new_rvalue_from_int(e->ctx, e->integer, (int)c->a)));
	je_op(e, c, reg[i], n > 0 ? je_rv(reg[c->a]) : NULL, n > 1 ? je_rv(reg[c->b]) : NULL,
		n > 2 ? je_rv(reg[c->c]) : NULL, param);
}

/* static void kernel(const double *params, double *out): the BcProgram,
 * one local per instruction, outputs stored at the end.  GCC decides
 * whether to inline it into the two evaluators (ALWAYS_INLINE fails on
 * large programs: "max-inline-insns-single limit reached"). */
gcc_jit_function *je_kernel(Emit *e, const BcProgram *p)
{
	gcc_jit_param *ps[2] = {
		gcc_jit_context_new_param(e->ctx, NULL, e->cdbl_ptr, "params"),
		gcc_jit_context_new_param(e->ctx, NULL, e->dbl_ptr, "out"),
	};
	e->fn = gcc_jit_context_new_function(e->ctx, NULL, GCC_JIT_FUNCTION_INTERNAL, e->vd,
					     "kernel", 2, ps, 0);
	e->bb = gcc_jit_function_new_block(e->fn, "entry");
	gcc_jit_lvalue **reg = xmalloc((p->ncode ? p->ncode : 1) * sizeof *reg);
	for (uint32_t i = 0; i < p->ncode; i++) {
		char name[16];
		snprintf(name, sizeof name, "r%u", i);
		reg[i] = gcc_jit_function_new_local(e->fn, NULL, e->dbl, name);
		je_insn(e, &p->code[i], reg, i, gcc_jit_param_as_rvalue(ps[0]));
	}
	for (uint32_t k = 0; k < p->nout; k++) {
		gcc_jit_lvalue *o = gcc_jit_context_new_array_access(e->ctx, NULL,
			gcc_jit_param_as_rvalue(ps[1]), je_long(e, k));
		gcc_jit_block_add_assignment(e->bb, NULL, o, je_rv(reg[p->out_regs[k]]));
	}
	gcc_jit_block_end_with_void_return(e->bb, NULL);
	free(reg);
	return e->fn;
}


void je_loop_begin(Emit *e, Loop *l, gcc_jit_rvalue *n)
{
	l->i = gcc_jit_function_new_local(e->fn, NULL, e->lng, "i");
	gcc_jit_block_add_assignment(e->bb, NULL, l->i, je_long(e, 0));
	l->cond = gcc_jit_function_new_block(e->fn, "loop");
	gcc_jit_block *body = gcc_jit_function_new_block(e->fn, "body");
	l->exit = gcc_jit_function_new_block(e->fn, "done");
	gcc_jit_block_end_with_jump(e->bb, NULL, l->cond);
	gcc_jit_block_end_with_conditional(l->cond, NULL,
		gcc_jit_context_new_comparison(e->ctx, NULL, GCC_JIT_COMPARISON_LT, je_rv(l->i), n),
		body, l->exit);
	e->bb = body;
}

void je_loop_end(Emit *e, Loop *l)
{
	gcc_jit_block_add_assignment_op(e->bb, NULL, l->i, GCC_JIT_BINARY_OP_PLUS, je_long(e, 1));
	gcc_jit_block_end_with_jump(e->bb, NULL, l->cond);
	e->bb = l->exit;
}

/* &base[i * stride] */
static gcc_jit_rvalue *row(Emit *e, gcc_jit_rvalue *base, gcc_jit_rvalue *i, uint32_t stride)
{
	gcc_jit_rvalue *off = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_MULT,
							    e->lng, i, je_long(e, stride));
	return gcc_jit_lvalue_get_address(gcc_jit_context_new_array_access(e->ctx, NULL, base, off), NULL);
}

const char *je_name(const Emit *e, const char *suffix, char *buf, size_t n)
{
	snprintf(buf, n, "%s_%s", e->prefix, suffix);
	return buf;
}

/* int sglsim_eval(const double *params, double *out):
 *   kernel(params, out); return 1 if some out[k] is not finite, else 0. */
void je_scalar(Emit *e, gcc_jit_function *kernel, uint32_t nout)
{
	gcc_jit_param *ps[2] = {
		gcc_jit_context_new_param(e->ctx, NULL, e->cdbl_ptr, "params"),
		gcc_jit_context_new_param(e->ctx, NULL, e->dbl_ptr, "out"),
	};
	char name[96];
	e->fn = gcc_jit_context_new_function(e->ctx, NULL, GCC_JIT_FUNCTION_EXPORTED, e->integer,
					     je_name(e, "eval", name, sizeof name), 2, ps, 0);
	e->bb = gcc_jit_function_new_block(e->fn, "entry");
	gcc_jit_rvalue *args[2] = {gcc_jit_param_as_rvalue(ps[0]), gcc_jit_param_as_rvalue(ps[1])};
	gcc_jit_block_add_eval(e->bb, NULL, gcc_jit_context_new_call(e->ctx, NULL, kernel, 2, args));
	gcc_jit_lvalue *bad = gcc_jit_function_new_local(e->fn, NULL, e->integer, "bad");
	gcc_jit_block_add_assignment(e->bb, NULL, bad, gcc_jit_context_zero(e->ctx, e->integer));
	Loop l;
	je_loop_begin(e, &l, je_long(e, nout));
	/* finite(x) <=> fabs(x) <= DBL_MAX (false for NaN and infinities) */
	gcc_jit_rvalue *x = je_rv(gcc_jit_context_new_array_access(e->ctx, NULL, args[1], je_rv(l.i)));
	gcc_jit_rvalue *fin = je_cmp(e, GCC_JIT_COMPARISON_LE, je_call(e, LM_FABS, x, NULL), je_dbl(e, DBL_MAX));
	gcc_jit_rvalue *notfin = gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_LOGICAL_NEGATE,
							      e->boolean, fin);
	gcc_jit_block_add_assignment_op(e->bb, NULL, bad, GCC_JIT_BINARY_OP_BITWISE_OR,
					gcc_jit_context_new_cast(e->ctx, NULL, notfin, e->integer));
	je_loop_end(e, &l);
	gcc_jit_block_end_with_return(e->bb, NULL, je_rv(bad));
}

/* void sglsim_eval_batch(long n, const double *params, double *out):
 *   for (i = 0; i < n; i++) kernel(&params[i*nparams], &out[i*nout]); */
void je_rows_fn(Emit *e, const char *name, gcc_jit_param **ps)
{
	ps[0] = gcc_jit_context_new_param(e->ctx, NULL, e->lng, "n");
	ps[1] = gcc_jit_context_new_param(e->ctx, NULL, e->cdbl_ptr, "params");
	ps[2] = gcc_jit_context_new_param(e->ctx, NULL, e->dbl_ptr, "out");
	e->fn = gcc_jit_context_new_function(e->ctx, NULL, GCC_JIT_FUNCTION_EXPORTED, e->vd, name, 3, ps, 0);
	e->bb = gcc_jit_function_new_block(e->fn, "entry");
}

void je_batch(Emit *e, gcc_jit_function *kernel, uint32_t nparams, uint32_t nout)
{
	gcc_jit_param *ps[3];
	char name[96];
	je_rows_fn(e, je_name(e, "eval_batch", name, sizeof name), ps);
	Loop l;
	je_loop_begin(e, &l, gcc_jit_param_as_rvalue(ps[0]));
	gcc_jit_rvalue *args[2] = {
		row(e, gcc_jit_param_as_rvalue(ps[1]), je_rv(l.i), nparams),
		row(e, gcc_jit_param_as_rvalue(ps[2]), je_rv(l.i), nout),
	};
	gcc_jit_block_add_eval(e->bb, NULL, gcc_jit_context_new_call(e->ctx, NULL, kernel, 2, args));
	je_loop_end(e, &l);
	gcc_jit_block_end_with_void_return(e->bb, NULL);
}

#endif /* HAVE_LIBGCCJIT */
