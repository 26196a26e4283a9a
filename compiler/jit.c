/* jit.c -- the JIT tier (jit.h): a BcProgram compiled by libgccjit
 * into a shared library, cached on disk and loaded with dlopen.
 *
 * What lives here
 *   - the emitter: one gccjit context per program holding an internal
 *     `kernel` (the straight-line bytecode) and the two exported
 *     evaluators that call it, `sglsim_eval` (one point, returns whether
 *     every output is finite) and `sglsim_eval_batch` (a loop over points);
 *     for jit_compile_to_file also the ABI's metadata globals;
 *   - the disk cache and the loader;
 *   - stubs with the same signatures when sglsim is built without
 *     libgccjit, so callers link and fall back to the interpreter.
 *
 * Bit-equality contract.  The kernel has one local per instruction (the
 * bytecode is SSA) and each local is assigned the exact expression the
 * interpreter computes for that opcode (bytecode.c `apply`, runtime/num.h):
 *
 *   add sub mul div neg        the same IEEE operation
 *   min / max                  b < a ? b : a  /  b > a ? b : a   (branches)
 *   select                     c != 0 ? a : b                    (branches)
 *   lt le gt ge eq ne          (double)(int)(a OP b): exactly 1.0 or 0.0
 *   and / or / not             (double)(int)(a != 0 && b != 0), ...
 *   pow log exp                calls to libm's pow, log, exp
 *   sqrt ceil floor abs        GCC's builtins (see below)
 *
 * so every tier rounds alike.  The compile flags guard the rest:
 * -ffp-contract=off (gccjit contracts a*b+c into an FMA by default, which
 * rounds once instead of twice), no -ffast-math or other value-changing
 * option; -fno-math-errno and -fno-trapping-math change no value and let
 * loops vectorize (TOOLCHAIN.md).  -march=x86-64-v3 only when the CPU has
 * AVX2 (TOOLCHAIN.md: -march=native is rejected); AVX adds no rounding
 * step once contraction is off.
 *
 * pow, log and exp are imported from libm as plain extern declarations,
 * not as GCC builtins: GCC would fold them on constant operands with MPFR
 * (correctly rounded), which can differ in the last bit from the glibc
 * results the interpreter gets at run time (linking with -lm also binds
 * the same symbol versions as sglsim's).  sqrt, ceil, floor and fabs have
 * one right answer under IEEE 754 (sqrt correctly rounded, the others
 * exact), so they are GCC builtins: inlined as single instructions, or
 * folded, they still give libm's bits, and calls through the PLT would
 * cost more than the arithmetic around them (measured: a 100-instruction
 * program ran at ~100 ns per point with the calls, ~8 ns without).
 *
 * Cache layout.  One file per program:
 *
 *   $SGLSIM_CACHE_DIR/            (else $XDG_CACHE_HOME/sglsim/,
 *     <16 hex digits>.so           else ~/.cache/sglsim/)
 *
 * The name is the 64-bit FNV-1a hash of sglsim's version, libgccjit's
 * version, the compile flags and the BcProgram (opcodes, operands, immediate
 * bits, outputs, nparams); the library also exports the hash as
 * `sglsim_jit_key`, checked after loading.  A file is written under a
 * temporary name in the same folder and renamed into place, so concurrent
 * runs never load a half-written library.  The folder is used only when
 * it belongs to this user and nobody else may write to it (it holds code
 * that gets loaded); otherwise, or when it cannot be created, the compile
 * happens in memory.  Nothing evicts old files: deleting the folder is
 * always safe.
 *
 * Costs: TOOLCHAIN.md measured ~45 ms per context and ~14 ms per extra
 * function in it, hence one context holding everything, and ~0.04 ms to
 * dlopen a cached library.  Here (2 busy cores) a 100-instruction program
 * took ~100-120 ms cold and under 1 ms to load from the cache in a fresh
 * process.  A missing `as` makes the embedded gcc driver call exit(1)
 * inside the host (TOOLCHAIN.md), so the compile checks PATH for `as` and
 * `ld` first.
 */
#include "config.h"
#include "jit.h"
#include "runtime/heapstr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A heap string from a format, stored into *why when why is not NULL. */
static void set_why(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(char **why, const char *fmt, ...)
{
	if (!why) return;
	va_list ap;
	va_start(ap, fmt);
	*why = heap_vprintf(fmt, ap);
	va_end(ap);
}

#ifndef HAVE_LIBGCCJIT

/* ------------------------------------------------ stubs without libgccjit */

#define NO_JIT "sglsim was built without libgccjit"

Jit *jit_compile(const BcProgram *p, char **why)
{
	(void)p;
	set_why(why, NO_JIT);
	return NULL;
}

Jit *jit_compile_lanes(const BcProgram *p, const bool *uniform, char **why)
{
	(void)p;
	(void)uniform;
	set_why(why, NO_JIT);
	return NULL;
}

bool jit_cache_hit(const Jit *j) { (void)j; return false; }
JitScalarFn jit_scalar(const Jit *j) { (void)j; return NULL; }
JitBatchFn jit_batch(const Jit *j) { (void)j; return NULL; }
JitBatchFn jit_lanes(const Jit *j) { (void)j; return NULL; }
void jit_free(Jit *j) { (void)j; }

int jit_compile_to_file(const BcProgram *p, const char *const *param_names,
			const char *const *metric_names, const char *const *metric_units,
			const char *so_path, const char *header_path, char **why)
{
	set_why(why, NO_JIT);
	return -1;
}

#else /* HAVE_LIBGCCJIT */

#include <dlfcn.h>
#include <errno.h>
#include <float.h>
#include <libgccjit.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang/arena.h"

struct Jit {
	void *dl;                 /* dlopen handle (cached library), or */
	gcc_jit_result *result;   /* in-memory compile */
	JitScalarFn scalar;
	JitBatchFn batch;
	JitBatchFn lanes;         /* jit_compile_lanes only */
	bool want_lanes;
	bool cache_hit;
};

/* ---------------------------------------------------------------- checks */

static int arity(uint8_t op)
{
	switch (op) {
	case BC_CONST: case BC_PARAM: return 0;
	case BC_NEG: case BC_CEIL: case BC_FLOOR: case BC_SQRT: case BC_LOG:
	case BC_EXP: case BC_ABS: case BC_NOT: return 1;
	case BC_SELECT: return 3;
	default: return 2;
	}
}

/* The emitter trusts the bytecode's invariants; a broken BcProgram is
 * refused here rather than compiled into out-of-bounds reads. */
static bool check_program(const BcProgram *p, char **why)
{
	for (uint32_t i = 0; i < p->ncode; i++) {
		const BcInsn *c = &p->code[i];
		uint32_t ops[3] = {c->a, c->b, c->c};
		if (c->op >= BC_COUNT) {
			set_why(why, "bytecode instruction %u has unknown opcode %u", i, c->op);
			return false;
		}
		if (c->op == BC_PARAM && c->a >= p->nparams) {
			set_why(why, "bytecode instruction %u reads param %u of %u", i, c->a, p->nparams);
			return false;
		}
		for (int k = 0; k < arity(c->op); k++)
			if (ops[k] >= i) {
				set_why(why, "bytecode instruction %u reads register %u", i, ops[k]);
				return false;
			}
	}
	for (uint32_t k = 0; k < p->nout; k++)
		if (p->out_regs[k] >= p->ncode) {
			set_why(why, "bytecode output %u names register %u of %u", k, p->out_regs[k], p->ncode);
			return false;
		}
	return true;
}

/* True if an executable `name` is in a folder of PATH. */
static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	if (!path) return false;
	char buf[4096];
	while (*path) {
		size_t n = strcspn(path, ":");
		const char *dir = n ? path : ".";
		int len = n ? (int)n : 1;
		if (snprintf(buf, sizeof buf, "%.*s/%s", len, dir, name) < (int)sizeof buf
		    && access(buf, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':') path++;
	}
	return false;
}

/* TOOLCHAIN.md: without `as` the driver embedded in libgccjit exits the
 * whole process instead of returning an error. */
static bool tools_ok(char **why)
{
	static const char *const tools[] = {"as", "ld"};
	for (size_t k = 0; k < sizeof tools / sizeof *tools; k++)
		if (!on_path(tools[k])) {
			set_why(why, "`%s` is not on PATH (the JIT needs binutils)", tools[k]);
			return false;
		}
	return true;
}

/* ----------------------------------------------------------------- flags */

enum { MAX_FLAGS = 8 };

/* The gcc options of every compile (the optimization level is set apart,
 * as -O2).  They are part of the cache key. */
static int jit_flags(const char **v)
{
	int n = 0;
	v[n++] = "-ffp-contract=off";
	v[n++] = "-fno-math-errno";
	v[n++] = "-fno-trapping-math";
#if defined(__x86_64__) && defined(__GNUC__)
	/* x86-64-v3 is AVX2 plus FMA, BMI2, ...: ask for all that GCC would
	 * use, so that no AVX2 CPU without them gets an illegal instruction */
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
	    && __builtin_cpu_supports("bmi2"))
		v[n++] = "-march=x86-64-v3";
#endif
	return n;
}

/* ------------------------------------------------------------ the emitter */

/* libm functions: those before LM_EXACT are imported from libm; the
 * others are exactly specified by IEEE 754 (sqrt correctly rounded, the
 * rest exact), so GCC's builtins, inlined or folded, give libm's bits. */
enum { LM_POW, LM_LOG, LM_EXP, LM_SQRT, LM_CEIL, LM_FLOOR, LM_FABS, LM_COUNT, LM_EXACT = LM_SQRT };
static const char *const libm_names[LM_COUNT] = {
	"pow", "log", "exp", "sqrt", "ceil", "floor", "fabs",
};

typedef struct Emit {
	gcc_jit_context *ctx;
	gcc_jit_type *dbl, *cdbl_ptr, *dbl_ptr, *integer, *lng, *vd, *boolean;
	gcc_jit_function *libm[LM_COUNT];
	gcc_jit_function *fn;   /* function being emitted */
	gcc_jit_block *bb;      /* its current block */
} Emit;

/* Names and units of the standalone library (jit_compile_to_file). */
typedef struct Meta {
	const char *const *params, *const *metrics, *const *units;
} Meta;

static void emit_init(Emit *e, gcc_jit_context *ctx)
{
	memset(e, 0, sizeof *e);
	e->ctx = ctx;
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

static gcc_jit_rvalue *rv(gcc_jit_lvalue *l) { return gcc_jit_lvalue_as_rvalue(l); }

static gcc_jit_rvalue *dbl_const(Emit *e, double v)
{
	return gcc_jit_context_new_rvalue_from_double(e->ctx, e->dbl, v);
}

static gcc_jit_rvalue *long_const(Emit *e, long v)
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

static gcc_jit_rvalue *cmp(Emit *e, enum gcc_jit_comparison op, gcc_jit_rvalue *x, gcc_jit_rvalue *y)
{
	return gcc_jit_context_new_comparison(e->ctx, NULL, op, x, y);
}

static gcc_jit_rvalue *nonzero(Emit *e, gcc_jit_rvalue *x)
{
	return cmp(e, GCC_JIT_COMPARISON_NE, x, gcc_jit_context_zero(e->ctx, e->dbl));
}

static gcc_jit_rvalue *arith(Emit *e, enum gcc_jit_binary_op op, gcc_jit_rvalue *x, gcc_jit_rvalue *y)
{
	return gcc_jit_context_new_binary_op(e->ctx, NULL, op, e->dbl, x, y);
}

static gcc_jit_rvalue *logic(Emit *e, enum gcc_jit_binary_op op, gcc_jit_rvalue *x, gcc_jit_rvalue *y)
{
	return to_double(e, gcc_jit_context_new_binary_op(e->ctx, NULL, op, e->boolean,
							   nonzero(e, x), nonzero(e, y)));
}

static gcc_jit_rvalue *call(Emit *e, int fn, gcc_jit_rvalue *x, gcc_jit_rvalue *y)
{
	gcc_jit_rvalue *args[2] = {x, y};
	return gcc_jit_context_new_call(e->ctx, NULL, e->libm[fn], fn == LM_POW ? 2 : 1, args);
}

/* dst = cond ? yes : no, as a diamond of blocks (gccjit 12 has no
 * conditional expression).  Continues in the join block. */
static void choose(Emit *e, gcc_jit_lvalue *dst, gcc_jit_rvalue *cond,
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
	gcc_jit_rvalue *sq = arith(e, GCC_JIT_BINARY_OP_MULT, x, x);
	gcc_jit_block *b[4];
	for (int k = 0; k < 4; k++) b[k] = gcc_jit_function_new_block(e->fn, NULL);
	gcc_jit_block *join = gcc_jit_function_new_block(e->fn, NULL);
	gcc_jit_block_end_with_conditional(e->bb, NULL, cmp(e, GCC_JIT_COMPARISON_EQ, y, dbl_const(e, 2)), b[0], b[1]);
	gcc_jit_block_add_assignment(b[0], NULL, d, sq);
	gcc_jit_block_end_with_conditional(b[1], NULL, cmp(e, GCC_JIT_COMPARISON_EQ, y, dbl_const(e, -2)), b[2], b[3]);
	gcc_jit_block_add_assignment(b[2], NULL, d, arith(e, GCC_JIT_BINARY_OP_DIVIDE, dbl_const(e, 1), sq));
	gcc_jit_block_add_assignment(b[3], NULL, d, call(e, LM_POW, x, y));
	for (int k = 0; k < 4; k++)
		if (k != 1) gcc_jit_block_end_with_jump(b[k], NULL, join);
	e->bb = join;
}

/* d = instruction c over the operands x, y, z (param: the value of a
 * BC_PARAM), exactly as bytecode.c's `apply` computes it. */
static void emit_op(Emit *e, const BcInsn *c, gcc_jit_lvalue *d, gcc_jit_rvalue *x,
		    gcc_jit_rvalue *y, gcc_jit_rvalue *z, gcc_jit_rvalue *param)
{
	gcc_jit_rvalue *v = NULL;
	switch ((BcOp)c->op) {
	case BC_CONST: v = dbl_const(e, c->imm); break;
	case BC_PARAM: v = param; break;
	case BC_ADD: v = arith(e, GCC_JIT_BINARY_OP_PLUS, x, y); break;
	case BC_SUB: v = arith(e, GCC_JIT_BINARY_OP_MINUS, x, y); break;
	case BC_MUL: v = arith(e, GCC_JIT_BINARY_OP_MULT, x, y); break;
	case BC_DIV: v = arith(e, GCC_JIT_BINARY_OP_DIVIDE, x, y); break;
	case BC_NEG: v = gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_MINUS, e->dbl, x); break;
	case BC_POW: power(e, d, x, y); return;
	case BC_CEIL: v = call(e, LM_CEIL, x, NULL); break;
	case BC_FLOOR: v = call(e, LM_FLOOR, x, NULL); break;
	case BC_SQRT: v = call(e, LM_SQRT, x, NULL); break;
	case BC_LOG: v = call(e, LM_LOG, x, NULL); break;
	case BC_EXP: v = call(e, LM_EXP, x, NULL); break;
	case BC_ABS: v = call(e, LM_FABS, x, NULL); break;
	case BC_LT: v = to_double(e, cmp(e, GCC_JIT_COMPARISON_LT, x, y)); break;
	case BC_LE: v = to_double(e, cmp(e, GCC_JIT_COMPARISON_LE, x, y)); break;
	case BC_GT: v = to_double(e, cmp(e, GCC_JIT_COMPARISON_GT, x, y)); break;
	case BC_GE: v = to_double(e, cmp(e, GCC_JIT_COMPARISON_GE, x, y)); break;
	case BC_EQ: v = to_double(e, cmp(e, GCC_JIT_COMPARISON_EQ, x, y)); break;
	case BC_NE: v = to_double(e, cmp(e, GCC_JIT_COMPARISON_NE, x, y)); break;
	case BC_AND: v = logic(e, GCC_JIT_BINARY_OP_LOGICAL_AND, x, y); break;
	case BC_OR: v = logic(e, GCC_JIT_BINARY_OP_LOGICAL_OR, x, y); break;
	case BC_NOT: v = to_double(e, cmp(e, GCC_JIT_COMPARISON_EQ, x, gcc_jit_context_zero(e->ctx, e->dbl))); break;
	/* num_min(a, b) = b < a ? b : a; num_max(a, b) = b > a ? b : a */
	case BC_MIN: choose(e, d, cmp(e, GCC_JIT_COMPARISON_LT, y, x), y, x); return;
	case BC_MAX: choose(e, d, cmp(e, GCC_JIT_COMPARISON_GT, y, x), y, x); return;
	case BC_SELECT: choose(e, d, nonzero(e, x), y, z); return;
	case BC_COUNT: break;
	}
	gcc_jit_block_add_assignment(e->bb, NULL, d, v);
}

/* reg[i] = instruction i, its operands in reg[]. */
static void emit_insn(Emit *e, const BcInsn *c, gcc_jit_lvalue **reg, uint32_t i,
		      gcc_jit_rvalue *params)
{
	int n = arity(c->op);
	gcc_jit_rvalue *param = c->op != BC_PARAM ? NULL :
		rv(gcc_jit_context_new_array_access(e->ctx, NULL, params,
			gcc_jit_context_new_rvalue_from_int(e->ctx, e->integer, (int)c->a)));
	emit_op(e, c, reg[i], n > 0 ? rv(reg[c->a]) : NULL, n > 1 ? rv(reg[c->b]) : NULL,
		n > 2 ? rv(reg[c->c]) : NULL, param);
}

/* static void kernel(const double *params, double *out): the BcProgram,
 * one local per instruction, outputs stored at the end.  GCC decides
 * whether to inline it into the two evaluators (ALWAYS_INLINE fails on
 * large programs: "max-inline-insns-single limit reached"). */
static gcc_jit_function *emit_kernel(Emit *e, const BcProgram *p)
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
		emit_insn(e, &p->code[i], reg, i, gcc_jit_param_as_rvalue(ps[0]));
	}
	for (uint32_t k = 0; k < p->nout; k++) {
		gcc_jit_lvalue *o = gcc_jit_context_new_array_access(e->ctx, NULL,
			gcc_jit_param_as_rvalue(ps[1]), long_const(e, k));
		gcc_jit_block_add_assignment(e->bb, NULL, o, rv(reg[p->out_regs[k]]));
	}
	gcc_jit_block_end_with_void_return(e->bb, NULL);
	free(reg);
	return e->fn;
}

/* for (long i = 0; i < n; i++) { <body> }: loop_begin leaves e->bb at the
 * body, loop_end closes it and continues after the loop. */
typedef struct Loop {
	gcc_jit_lvalue *i;
	gcc_jit_block *cond, *exit;
} Loop;

static void loop_begin(Emit *e, Loop *l, gcc_jit_rvalue *n)
{
	l->i = gcc_jit_function_new_local(e->fn, NULL, e->lng, "i");
	gcc_jit_block_add_assignment(e->bb, NULL, l->i, long_const(e, 0));
	l->cond = gcc_jit_function_new_block(e->fn, "loop");
	gcc_jit_block *body = gcc_jit_function_new_block(e->fn, "body");
	l->exit = gcc_jit_function_new_block(e->fn, "done");
	gcc_jit_block_end_with_jump(e->bb, NULL, l->cond);
	gcc_jit_block_end_with_conditional(l->cond, NULL,
		gcc_jit_context_new_comparison(e->ctx, NULL, GCC_JIT_COMPARISON_LT, rv(l->i), n),
		body, l->exit);
	e->bb = body;
}

static void loop_end(Emit *e, Loop *l)
{
	gcc_jit_block_add_assignment_op(e->bb, NULL, l->i, GCC_JIT_BINARY_OP_PLUS, long_const(e, 1));
	gcc_jit_block_end_with_jump(e->bb, NULL, l->cond);
	e->bb = l->exit;
}

/* &base[i * stride] */
static gcc_jit_rvalue *row(Emit *e, gcc_jit_rvalue *base, gcc_jit_rvalue *i, uint32_t stride)
{
	gcc_jit_rvalue *off = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_MULT,
							    e->lng, i, long_const(e, stride));
	return gcc_jit_lvalue_get_address(gcc_jit_context_new_array_access(e->ctx, NULL, base, off), NULL);
}

/* int sglsim_eval(const double *params, double *out):
 *   kernel(params, out); return 1 if some out[k] is not finite, else 0. */
static void emit_scalar(Emit *e, gcc_jit_function *kernel, uint32_t nout)
{
	gcc_jit_param *ps[2] = {
		gcc_jit_context_new_param(e->ctx, NULL, e->cdbl_ptr, "params"),
		gcc_jit_context_new_param(e->ctx, NULL, e->dbl_ptr, "out"),
	};
	e->fn = gcc_jit_context_new_function(e->ctx, NULL, GCC_JIT_FUNCTION_EXPORTED, e->integer,
					     "sglsim_eval", 2, ps, 0);
	e->bb = gcc_jit_function_new_block(e->fn, "entry");
	gcc_jit_rvalue *args[2] = {gcc_jit_param_as_rvalue(ps[0]), gcc_jit_param_as_rvalue(ps[1])};
	gcc_jit_block_add_eval(e->bb, NULL, gcc_jit_context_new_call(e->ctx, NULL, kernel, 2, args));
	gcc_jit_lvalue *bad = gcc_jit_function_new_local(e->fn, NULL, e->integer, "bad");
	gcc_jit_block_add_assignment(e->bb, NULL, bad, gcc_jit_context_zero(e->ctx, e->integer));
	Loop l;
	loop_begin(e, &l, long_const(e, nout));
	/* finite(x) <=> fabs(x) <= DBL_MAX (false for NaN and infinities) */
	gcc_jit_rvalue *x = rv(gcc_jit_context_new_array_access(e->ctx, NULL, args[1], rv(l.i)));
	gcc_jit_rvalue *fin = cmp(e, GCC_JIT_COMPARISON_LE, call(e, LM_FABS, x, NULL), dbl_const(e, DBL_MAX));
	gcc_jit_rvalue *notfin = gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_LOGICAL_NEGATE,
							      e->boolean, fin);
	gcc_jit_block_add_assignment_op(e->bb, NULL, bad, GCC_JIT_BINARY_OP_BITWISE_OR,
					gcc_jit_context_new_cast(e->ctx, NULL, notfin, e->integer));
	loop_end(e, &l);
	gcc_jit_block_end_with_return(e->bb, NULL, rv(bad));
}

/* void sglsim_eval_batch(long n, const double *params, double *out):
 *   for (i = 0; i < n; i++) kernel(&params[i*nparams], &out[i*nout]); */
static void emit_batch(Emit *e, gcc_jit_function *kernel, uint32_t nparams, uint32_t nout)
{
	gcc_jit_param *ps[3] = {
		gcc_jit_context_new_param(e->ctx, NULL, e->lng, "n"),
		gcc_jit_context_new_param(e->ctx, NULL, e->cdbl_ptr, "params"),
		gcc_jit_context_new_param(e->ctx, NULL, e->dbl_ptr, "out"),
	};
	e->fn = gcc_jit_context_new_function(e->ctx, NULL, GCC_JIT_FUNCTION_EXPORTED, e->vd,
					     "sglsim_eval_batch", 3, ps, 0);
	e->bb = gcc_jit_function_new_block(e->fn, "entry");
	Loop l;
	loop_begin(e, &l, gcc_jit_param_as_rvalue(ps[0]));
	gcc_jit_rvalue *args[2] = {
		row(e, gcc_jit_param_as_rvalue(ps[1]), rv(l.i), nparams),
		row(e, gcc_jit_param_as_rvalue(ps[2]), rv(l.i), nout),
	};
	gcc_jit_block_add_eval(e->bb, NULL, gcc_jit_context_new_call(e->ctx, NULL, kernel, 2, args));
	loop_end(e, &l);
	gcc_jit_block_end_with_void_return(e->bb, NULL);
}

/* ---------------------------------------------------------- the lanes */

/* void sglsim_eval_lanes(long n, const double *params, double *out):
 * sglsim_eval_batch for n a multiple of JIT_LANES, the points taken
 * JIT_LANES at a time and each instruction done for all of them in a loop
 * GCC vectorizes (one IEEE operation per lane: the same bits).  A param
 * flagged uniform is the same for all n points and read from the first
 * row only; so is every instruction that reads only uniform values,
 * computed once per call.
 *
 * The varying instructions are cut into runs at each libm call (a call
 * stops the vectorizer): one loop over the lanes per run, values used
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
 * squares) and, in libgccjit 12, ceil and floor (TOOLCHAIN.md). */
static bool is_call(const BcProgram *p, const BcInsn *c)
{
	if (c->op == BC_POW) {
		const BcInsn *y = &p->code[c->b];
		return !(y->op == BC_CONST && (y->imm == 2 || y->imm == -2));
	}
	return c->op == BC_LOG || c->op == BC_EXP || c->op == BC_CEIL || c->op == BC_FLOOR;
}

/* The value of instruction k for lane j inside run r. */
static gcc_jit_rvalue *lane_value(Lanes *L, uint32_t k, uint32_t r)
{
	if (!L->vary[k] || L->run[k] == r) return rv(L->reg[k]);
	return rv(gcc_jit_context_new_array_access(L->e->ctx, NULL, rv(L->slots[L->slot[k]]), rv(L->j)));
}

/* &base[(i + j) * stride + k] as an lvalue */
static gcc_jit_lvalue *lane_cell(Lanes *L, gcc_jit_rvalue *base, uint32_t stride, uint32_t k)
{
	Emit *e = L->e;
	gcc_jit_rvalue *at = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_PLUS, e->lng, rv(L->i), rv(L->j));
	at = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_MULT, e->lng, at, long_const(e, stride));
	at = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_PLUS, e->lng, at, long_const(e, k));
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
		for (int k = 0; k < arity(c->op); k++) L->vary[i] |= L->vary[ops[k]];
		L->last[i] = 0;
		L->slot[i] = UINT32_MAX;
		if (!L->vary[i]) continue;
		if (is_call(p, c) || !open) runs++;
		open = !is_call(p, c);
		L->run[i] = runs - 1;
		for (int k = 0; k < arity(c->op); k++)
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

static void emit_lanes(Emit *e, const BcProgram *p, const bool *uniform)
{
	gcc_jit_param *ps[3] = {
		gcc_jit_context_new_param(e->ctx, NULL, e->lng, "n"),
		gcc_jit_context_new_param(e->ctx, NULL, e->cdbl_ptr, "params"),
		gcc_jit_context_new_param(e->ctx, NULL, e->dbl_ptr, "out"),
	};
	e->fn = gcc_jit_context_new_function(e->ctx, NULL, GCC_JIT_FUNCTION_EXPORTED, e->vd,
					     "sglsim_eval_lanes", 3, ps, 0);
	e->bb = gcc_jit_function_new_block(e->fn, "entry");
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
		if (!L.vary[k]) emit_insn(e, &p->code[k], L.reg, k, L.params);
	}
	/* for (i = 0; i < n; i += JIT_LANES) */
	L.i = gcc_jit_function_new_local(e->fn, NULL, e->lng, "i");
	L.j = gcc_jit_function_new_local(e->fn, NULL, e->lng, "j");
	gcc_jit_block_add_assignment(e->bb, NULL, L.i, long_const(e, 0));
	gcc_jit_block *cond = gcc_jit_function_new_block(e->fn, "points");
	gcc_jit_block *body = gcc_jit_function_new_block(e->fn, NULL);
	gcc_jit_block *done = gcc_jit_function_new_block(e->fn, "done");
	gcc_jit_block_end_with_jump(e->bb, NULL, cond);
	gcc_jit_block_end_with_conditional(cond, NULL,
		cmp(e, GCC_JIT_COMPARISON_LT, rv(L.i), gcc_jit_param_as_rvalue(ps[0])), body, done);
	e->bb = body;
	uint32_t k = 0;
	for (uint32_t r = 0; r < runs; r++) {
		Loop l;
		loop_begin(e, &l, long_const(e, JIT_LANES));
		L.j = l.i;
		for (; k < p->ncode && (!L.vary[k] || L.run[k] == r); k++) {
			if (!L.vary[k]) continue;
			const BcInsn *c = &p->code[k];
			int n = arity(c->op);
			gcc_jit_rvalue *param = c->op != BC_PARAM ? NULL : rv(lane_cell(&L, L.params, p->nparams, c->a));
			emit_op(e, c, L.reg[k], n > 0 ? lane_value(&L, c->a, r) : NULL,
				n > 1 ? lane_value(&L, c->b, r) : NULL, n > 2 ? lane_value(&L, c->c, r) : NULL, param);
			if (L.slot[k] != UINT32_MAX)
				gcc_jit_block_add_assignment(e->bb, NULL,
					gcc_jit_context_new_array_access(e->ctx, NULL, rv(L.slots[L.slot[k]]), rv(L.j)),
					rv(L.reg[k]));
		}
		loop_end(e, &l);
	}
	Loop l;
	loop_begin(e, &l, long_const(e, JIT_LANES));
	L.j = l.i;
	for (uint32_t o = 0; o < p->nout; o++)
		gcc_jit_block_add_assignment(e->bb, NULL, lane_cell(&L, L.out, p->nout, o),
					     lane_value(&L, p->out_regs[o], UINT32_MAX));
	loop_end(e, &l);
	gcc_jit_block_add_assignment_op(e->bb, NULL, L.i, GCC_JIT_BINARY_OP_PLUS, long_const(e, JIT_LANES));
	gcc_jit_block_end_with_jump(e->bb, NULL, cond);
	gcc_jit_block_end_with_void_return(done, NULL);
	free(L.vary);
	free(L.run);
	free(L.last);
	free(L.slot);
	free(L.reg);
	free(L.slots);
}

/* An exported, initialized constant global of an integer type. */
static void emit_const_global(Emit *e, enum gcc_jit_types t, const char *name, long value)
{
	gcc_jit_type *type = gcc_jit_context_get_type(e->ctx, t);
	gcc_jit_lvalue *g = gcc_jit_context_new_global(e->ctx, NULL, GCC_JIT_GLOBAL_EXPORTED,
						       gcc_jit_type_get_const(type), name);
	gcc_jit_global_set_initializer_rvalue(g, gcc_jit_context_new_rvalue_from_long(e->ctx, type, value));
}

/* const char *const name[n + 1] = {s[0], ..., s[n-1], NULL}; */
static void emit_strings(Emit *e, const char *name, const char *const *s, uint32_t n)
{
	gcc_jit_type *str = gcc_jit_type_get_pointer(gcc_jit_type_get_const(
		gcc_jit_context_get_type(e->ctx, GCC_JIT_TYPE_CHAR)));
	gcc_jit_type *arr = gcc_jit_context_new_array_type(e->ctx, NULL, gcc_jit_type_get_const(str), (int)n + 1);
	gcc_jit_rvalue **v = xmalloc(((size_t)n + 1) * sizeof *v);
	for (uint32_t k = 0; k < n; k++)
		v[k] = gcc_jit_context_new_string_literal(e->ctx, s && s[k] ? s[k] : "");
	v[n] = gcc_jit_context_null(e->ctx, str);
	gcc_jit_lvalue *g = gcc_jit_context_new_global(e->ctx, NULL, GCC_JIT_GLOBAL_EXPORTED, arr, name);
	gcc_jit_global_set_initializer_rvalue(g, gcc_jit_context_new_array_constructor(e->ctx, NULL, arr, n + 1, v));
	free(v);
}

/* A fresh context with sglsim's options and the whole BcProgram in it: the
 * evaluators, plus either the cache key (meta NULL) or the ABI's names. */
static gcc_jit_context *build(const BcProgram *p, const Meta *meta, uint64_t key, const bool *uniform)
{
	gcc_jit_context *ctx = gcc_jit_context_acquire();
	if (!ctx) return NULL;
#ifdef LIBGCCJIT_HAVE_gcc_jit_context_set_bool_print_errors_to_stderr
	gcc_jit_context_set_bool_print_errors_to_stderr(ctx, 0); /* the caller reports */
#endif
	gcc_jit_context_set_int_option(ctx, GCC_JIT_INT_OPTION_OPTIMIZATION_LEVEL, 2);
	const char *flags[MAX_FLAGS];
	int nflags = jit_flags(flags);
	for (int k = 0; k < nflags; k++) gcc_jit_context_add_command_line_option(ctx, flags[k]);
	gcc_jit_context_add_driver_option(ctx, "-lm"); /* pow, log, exp, ... */

	Emit e;
	emit_init(&e, ctx);
	gcc_jit_function *kernel = emit_kernel(&e, p);
	emit_scalar(&e, kernel, p->nout);
	emit_batch(&e, kernel, p->nparams, p->nout);
	if (uniform) emit_lanes(&e, p, uniform);
	if (!meta) {
		emit_const_global(&e, GCC_JIT_TYPE_LONG, "sglsim_jit_key", (long)key);
		return ctx;
	}
	emit_const_global(&e, GCC_JIT_TYPE_INT, "sglsim_abi_version", 1);
	emit_const_global(&e, GCC_JIT_TYPE_INT, "sglsim_n_params", p->nparams);
	emit_const_global(&e, GCC_JIT_TYPE_INT, "sglsim_n_metrics", p->nout);
	emit_strings(&e, "sglsim_param_names", meta->params, p->nparams);
	emit_strings(&e, "sglsim_metric_names", meta->metrics, p->nout);
	emit_strings(&e, "sglsim_metric_units", meta->units, p->nout);
	return ctx;
}

/* Releases ctx; false with *why set if it holds an error. */
static bool finish(gcc_jit_context *ctx, char **why)
{
	const char *err = gcc_jit_context_get_first_error(ctx);
	if (err) set_why(why, "libgccjit: %s", err);
	gcc_jit_context_release(ctx);
	return !err;
}

/* A name next to `path` for writing it before a rename: unique per
 * process and call, so concurrent writers never share one.  Not created
 * here, so the file gets the usual permissions (mkstemp's would be 0600,
 * which ld keeps). */
static char *temp_name(const char *path)
{
	static atomic_uint counter;
	size_t n = strlen(path) + 48;
	char *tmp = xmalloc(n);
	snprintf(tmp, n, "%s.tmp%ld.%u", path, (long)getpid(), atomic_fetch_add(&counter, 1));
	return tmp;
}

/* Compiles ctx (and releases it) into a shared library at `path`, written
 * under a temporary name and renamed, so no reader sees it half done. */
static bool compile_file(gcc_jit_context *ctx, const char *path, char **why)
{
	char *tmp = temp_name(path);
	gcc_jit_context_compile_to_file(ctx, GCC_JIT_OUTPUT_KIND_DYNAMIC_LIBRARY, tmp);
	bool ok = finish(ctx, why);
	if (ok && rename(tmp, path) != 0) {
		set_why(why, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		ok = false;
	}
	if (!ok) unlink(tmp);
	free(tmp);
	return ok;
}

/* ----------------------------------------------------------------- cache */

/* 64-bit FNV-1a. */
static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *s = data;
	for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
	return fnv(h, b, sizeof b);
}

static uint64_t fnv_str(uint64_t h, const char *s) { return fnv(h, s, strlen(s) + 1); }

/* Everything the generated code depends on. */
static uint64_t program_key(const BcProgram *p, const bool *uniform)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv_str(h, "sglsim-jit-2 " PACKAGE_VERSION);
	h = fnv_u64(h, (uint64_t)gcc_jit_version_major() << 32 | (uint64_t)gcc_jit_version_minor() << 16
		    | (uint64_t)gcc_jit_version_patchlevel());
	const char *flags[MAX_FLAGS];
	int nflags = jit_flags(flags);
	h = fnv_str(h, "-O2");
	for (int k = 0; k < nflags; k++) h = fnv_str(h, flags[k]);
	h = fnv_u64(h, p->nparams);
	h = fnv_u64(h, p->ncode);
	for (uint32_t i = 0; i < p->ncode; i++) {
		const BcInsn *c = &p->code[i];
		uint64_t bits;
		memcpy(&bits, &c->imm, sizeof bits);
		h = fnv_u64(h, c->op);
		h = fnv_u64(h, (uint64_t)c->a << 32 | c->b);
		h = fnv_u64(h, c->c);
		h = fnv_u64(h, bits);
	}
	h = fnv_u64(h, p->nout);
	for (uint32_t k = 0; k < p->nout; k++) h = fnv_u64(h, p->out_regs[k]);
	if (uniform) {   /* with sglsim_eval_lanes */
		h = fnv_str(h, "lanes");
		h = fnv_u64(h, JIT_LANES);
		for (uint32_t k = 0; k < p->nparams; k++) h = fnv_u64(h, uniform[k]);
	}
	return h;
}

/* mkdir -p, new folders private to the user. */
static bool make_dirs(char *path)
{
	for (char *s = path + 1;; s++) {
		if (*s != '/' && *s) continue;
		char c = *s;
		*s = '\0';
		bool ok = mkdir(path, 0700) == 0 || errno == EEXIST;
		*s = c;
		if (!ok) return false;
		if (!c) return true;
	}
}

/* The cache folder (heap string), or NULL when there is none to use.  It
 * holds code that gets loaded, so it must be ours and writable by nobody
 * else. */
static char *cache_dir(void)
{
	const char *env = getenv("SGLSIM_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *dir;
	size_t n;
	if (env && *env) {
		n = strlen(env) + 1;
		dir = xmalloc(n);
		memcpy(dir, env, n);
	} else if (xdg && *xdg == '/') {
		n = strlen(xdg) + sizeof "/sglsim";
		dir = xmalloc(n);
		snprintf(dir, n, "%s/sglsim", xdg);
	} else if (home && *home == '/') {
		n = strlen(home) + sizeof "/.cache/sglsim";
		dir = xmalloc(n);
		snprintf(dir, n, "%s/.cache/sglsim", home);
	} else {
		return NULL;
	}
	struct stat st;
	if (!make_dirs(dir) || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()
	    || (st.st_mode & (S_IWGRP | S_IWOTH)) || access(dir, W_OK | X_OK) != 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* dlsym into a function pointer without the -Wpedantic cast warning
 * (TOOLCHAIN.md). */
static bool sym_fn(void *dl, const char *name, void *fnptr, size_t size)
{
	void *s = dlsym(dl, name);
	if (!s) return false;
	memcpy(fnptr, &s, size);
	return true;
}

/* Loads the library at path into j if it is the one for `key`. */
static bool load(Jit *j, const char *path, uint64_t key)
{
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) return false;
	const long *k = dlsym(dl, "sglsim_jit_key");
	if (k && (uint64_t)*k == key && sym_fn(dl, "sglsim_eval", &j->scalar, sizeof j->scalar)
	    && sym_fn(dl, "sglsim_eval_batch", &j->batch, sizeof j->batch)
	    && (!j->want_lanes || sym_fn(dl, "sglsim_eval_lanes", &j->lanes, sizeof j->lanes))) {
		j->dl = dl;
		return true;
	}
	dlclose(dl);
	return false;
}

/* ------------------------------------------------------------ public API */

Jit *jit_compile(const BcProgram *p, char **why)
{
	return jit_compile_lanes(p, NULL, why);
}

Jit *jit_compile_lanes(const BcProgram *p, const bool *uniform, char **why)
{
	if (why) *why = NULL;
	if (!check_program(p, why)) return NULL;
	uint64_t key = program_key(p, uniform);
	Jit *j = xmalloc(sizeof *j);
	memset(j, 0, sizeof *j);
	j->want_lanes = uniform != NULL;
	char *dir = cache_dir(), *path = NULL;
	if (dir) {
		size_t n = strlen(dir) + 24;
		path = xmalloc(n);
		snprintf(path, n, "%s/%016llx.so", dir, (unsigned long long)key);
		free(dir);
		if (load(j, path, key)) {
			j->cache_hit = true;
			free(path);
			return j;
		}
	}
	bool ok = tools_ok(why);
	gcc_jit_context *ctx = ok ? build(p, NULL, key, uniform) : NULL;
	if (ok && !ctx) {
		set_why(why, "libgccjit: cannot create a context");
		ok = false;
	}
	if (ok && path) {
		ok = compile_file(ctx, path, why);
		if (ok && !load(j, path, key)) {
			const char *err = dlerror();
			set_why(why, "cannot load %s: %s", path, err ? err : "symbols missing");
			ok = false;
		}
	} else if (ok) {
		j->result = gcc_jit_context_compile(ctx);
		ok = finish(ctx, why);
		if (ok) {
			void *s = gcc_jit_result_get_code(j->result, "sglsim_eval");
			void *b = gcc_jit_result_get_code(j->result, "sglsim_eval_batch");
			memcpy(&j->scalar, &s, sizeof s);
			memcpy(&j->batch, &b, sizeof b);
			if (uniform) {
				void *l = gcc_jit_result_get_code(j->result, "sglsim_eval_lanes");
				memcpy(&j->lanes, &l, sizeof l);
			}
		}
	}
	free(path);
	if (!ok || !j->scalar || !j->batch || (uniform && !j->lanes)) {
		if (ok) set_why(why, "libgccjit: compiled code lacks its entry points");
		jit_free(j);
		return NULL;
	}
	return j;
}

bool jit_cache_hit(const Jit *j) { return j && j->cache_hit; }
JitScalarFn jit_scalar(const Jit *j) { return j ? j->scalar : NULL; }
JitBatchFn jit_batch(const Jit *j) { return j ? j->batch : NULL; }
JitBatchFn jit_lanes(const Jit *j) { return j ? j->lanes : NULL; }

void jit_free(Jit *j)
{
	if (!j) return;
	if (j->dl) dlclose(j->dl);
	if (j->result) gcc_jit_result_release(j->result);
	free(j);
}

/* Text for a C comment: no control bytes, no early end of the comment. */
static void put_comment_text(FILE *f, const char *s)
{
	for (char prev = 0; s && *s; prev = *s++) {
		if (prev == '*' && *s == '/') fputc(' ', f);
		fputc((unsigned char)*s < ' ' ? '?' : *s, f);
	}
}

static bool write_header(const BcProgram *p, const Meta *m, const char *path, char **why)
{
	char *tmp = temp_name(path);
	FILE *f = fopen(tmp, "wx");
	if (!f) {
		set_why(why, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return false;
	}
	fprintf(f,
		"/* Generated by sglsim " PACKAGE_VERSION ": a scenario's metrics as a C function.\n"
		" *\n"
		" * sglsim_eval reads sglsim_n_params doubles and writes sglsim_n_metrics\n"
		" * doubles; it returns 0 when every metric is finite, 1 otherwise.\n"
		" * sglsim_eval_batch evaluates n points, row-major:\n"
		" *\n"
		" *   params   n x sglsim_n_params:  point j's params at params + j * sglsim_n_params\n"
		" *   metrics  n x sglsim_n_metrics: point j's metrics at metrics + j * sglsim_n_metrics\n"
		" *\n"
		" * Every value is in base units: s, B, FLOP, tok, req, USD, J and their\n"
		" * products and quotients (a rate in tok/s, a size in B, not GiB).  The\n"
		" * name and unit arrays end with a NULL entry.  Results are bit-identical\n"
		" * to sglsim's own evaluator.\n"
		" *\n"
		" * params:\n");
	for (uint32_t k = 0; k < p->nparams; k++) {
		fprintf(f, " *   [%u] ", k);
		put_comment_text(f, m->params ? m->params[k] : "");
		fputs("\n", f);
	}
	fputs(" * metrics:\n", f);
	for (uint32_t k = 0; k < p->nout; k++) {
		fprintf(f, " *   [%u] ", k);
		put_comment_text(f, m->metrics ? m->metrics[k] : "");
		fputs(" [", f);
		put_comment_text(f, m->units ? m->units[k] : "");
		fputs("]\n", f);
	}
	fprintf(f,
		" */\n"
		"#ifndef SGLSIM_MODEL_H\n"
		"#define SGLSIM_MODEL_H\n"
		"#ifdef __cplusplus\n"
		"extern \"C\" {\n"
		"#endif\n"
		"\n"
		"extern const int sglsim_abi_version;            /* 1 */\n"
		"extern const int sglsim_n_params, sglsim_n_metrics;\n"
		"extern const char *const sglsim_param_names[];\n"
		"extern const char *const sglsim_metric_names[];\n"
		"extern const char *const sglsim_metric_units[];\n"
		"int  sglsim_eval(const double *params, double *metrics);           /* 0 = ok */\n"
		"void sglsim_eval_batch(long n, const double *params, double *metrics);\n"
		"\n"
		"#ifdef __cplusplus\n"
		"}\n"
		"#endif\n"
		"#endif\n");
	bool ok = !ferror(f);
	ok = fclose(f) == 0 && ok;
	if (!ok) set_why(why, "cannot write %s", tmp);
	else if (rename(tmp, path) != 0) {
		set_why(why, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		ok = false;
	}
	if (!ok) unlink(tmp);
	free(tmp);
	return ok;
}

int jit_compile_to_file(const BcProgram *p, const char *const *param_names,
			const char *const *metric_names, const char *const *metric_units,
			const char *so_path, const char *header_path, char **why)
{
	if (why) *why = NULL;
	Meta m = {param_names, metric_names, metric_units};
	if (!check_program(p, why)) return -1;
	if (so_path) {
		if (!tools_ok(why)) return -1;
		gcc_jit_context *ctx = build(p, &m, 0, NULL);
		if (!ctx) {
			set_why(why, "libgccjit: cannot create a context");
			return -1;
		}
		if (!compile_file(ctx, so_path, why)) return -1;
	}
	if (header_path && !write_header(p, &m, header_path, why)) return -1;
	return 0;
}

#endif /* HAVE_LIBGCCJIT */
