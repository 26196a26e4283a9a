/* jit_emit.h -- the JIT's code emitter, shared by jit.c (the kernel and
 * its scalar and batch evaluators, the standalone library) and
 * jit_lanes.c (the lanes evaluator).  Internal to the JIT tier: only
 * compiled with libgccjit.
 *
 * An Emit holds a gccjit context, the types it uses, the libm functions
 * and the function and block being emitted; every je_* call appends to
 * e->bb (branches move e->bb to their join block).  je_op emits one
 * bytecode instruction with exactly the semantics of bytecode.c's `apply`
 * (see jit.c for the bit-equality contract).
 */
#ifndef SGL_JIT_EMIT_H
#define SGL_JIT_EMIT_H
#include <libgccjit.h>
#include <stdbool.h>
#include "bytecode.h"

/* libm functions: those before LM_EXACT are imported from libm; the
 * others are exactly specified by IEEE 754 (sqrt correctly rounded, the
 * rest exact), so GCC's builtins, inlined or folded, give libm's bits. */
enum { LM_POW, LM_LOG, LM_EXP, LM_SQRT, LM_CEIL, LM_FLOOR, LM_FABS, LM_COUNT, LM_EXACT = LM_SQRT };

typedef struct Emit {
	gcc_jit_context *ctx;
	gcc_jit_type *dbl, *cdbl_ptr, *dbl_ptr, *integer, *lng, *vd, *boolean;
	gcc_jit_function *libm[LM_COUNT];
	gcc_jit_function *fn;   /* function being emitted */
	gcc_jit_block *bb;      /* its current block */
	const char *prefix;     /* of the exported names: "sglsim" (je_init) */
} Emit;

/* for (long i = 0; i < n; i++) { <body> }: je_loop_begin leaves e->bb at the
 * body, je_loop_end closes it and continues after the loop. */
typedef struct Loop {
	gcc_jit_lvalue *i;
	gcc_jit_block *cond, *exit;
} Loop;

void je_init(Emit *e, gcc_jit_context *ctx);
/* "PREFIX_suffix" in buf: an exported name. */
const char *je_name(const Emit *e, const char *suffix, char *buf, size_t n);

/* Values. */
gcc_jit_rvalue *je_rv(gcc_jit_lvalue *l);
gcc_jit_rvalue *je_dbl(Emit *e, double v);
gcc_jit_rvalue *je_long(Emit *e, long v);
gcc_jit_rvalue *je_cmp(Emit *e, enum gcc_jit_comparison op, gcc_jit_rvalue *x, gcc_jit_rvalue *y);
gcc_jit_rvalue *je_arith(Emit *e, enum gcc_jit_binary_op op, gcc_jit_rvalue *x, gcc_jit_rvalue *y);
/* A call of libm[fn] (LM_*): y only for LM_POW. */
gcc_jit_rvalue *je_call(Emit *e, int fn, gcc_jit_rvalue *x, gcc_jit_rvalue *y);
/* dst = cond ? yes : no, as a diamond of blocks; continues in the join. */
void je_choose(Emit *e, gcc_jit_lvalue *dst, gcc_jit_rvalue *cond, gcc_jit_rvalue *yes, gcc_jit_rvalue *no);

/* d = instruction c over the operands x, y, z (param: the value of a
 * BC_PARAM); je_insn takes the operands from reg[] and the param from
 * params[c->a]. */
void je_op(Emit *e, const BcInsn *c, gcc_jit_lvalue *d, gcc_jit_rvalue *x,
	   gcc_jit_rvalue *y, gcc_jit_rvalue *z, gcc_jit_rvalue *param);
void je_insn(Emit *e, const BcInsn *c, gcc_jit_lvalue **reg, uint32_t i, gcc_jit_rvalue *params);

void je_loop_begin(Emit *e, Loop *l, gcc_jit_rvalue *n);
void je_loop_end(Emit *e, Loop *l);

/* The functions of a compiled program: the internal kernel, and the
 * exported sglsim_eval, sglsim_eval_batch and sglsim_eval_lanes (jit.h). */
gcc_jit_function *je_kernel(Emit *e, const BcProgram *p);
void je_scalar(Emit *e, gcc_jit_function *kernel, uint32_t nout);
/* Starts the exported `void NAME(long n, const double *params, double
 * *out)`: ps[0..3) get its params, e->bb its entry block. */
void je_rows_fn(Emit *e, const char *name, gcc_jit_param **ps);
void je_batch(Emit *e, gcc_jit_function *kernel, uint32_t nparams, uint32_t nout);
void je_lanes(Emit *e, const BcProgram *p, const bool *uniform);

#endif
