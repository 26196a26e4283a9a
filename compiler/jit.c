/* jit.c -- the JIT tier (jit.h): a BcProgram compiled by libgccjit
 * into a shared library, cached on disk and loaded with dlopen.
 *
 * What lives here
 *   - the build of one gccjit context per program, holding (emitted by
 *     jit_emit.c) an internal `kernel` (the straight-line bytecode) and the
 *     exported evaluators that call it, `sglsim_eval` (one point, returns
 *     whether every output is finite) and `sglsim_eval_batch` (a loop over
 *     points), for jit_compile_lanes also `sglsim_eval_lanes`
 *     (jit_lanes.c), for jit_compile_to_file the ABI's metadata globals;
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
 *   pow                        x * x (y = 2), 1 / (x * x) (y = -2), else libm's pow
 *   log exp                    calls to libm's log, exp
 *   sqrt ceil floor abs        GCC's builtins (see below)
 *
 * so every tier rounds alike.  The compile flags guard the rest:
 * -ffp-contract=off (gccjit contracts a*b+c into an FMA by default, which
 * rounds once instead of twice), no -ffast-math or other value-changing
 * option; -fno-math-errno and -fno-trapping-math change no value and let
 * loops vectorize (TOOLCHAIN.md).  -march=x86-64-v3 only when the CPU has
 * AVX2 (TOOLCHAIN.md: -march=native is rejected), x86-64-v4 when it also
 * has AVX-512; neither adds a rounding step once contraction is off.
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
 * The name is the 64-bit FNV-1a hash of sglsim's version and the emitter's
 * tag ("sglsim-jit-N": bump N whenever the emitted code changes), libgccjit's
 * version, the compile flags, the BcProgram (opcodes, operands, immediate
 * bits, outputs, nparams) and, with lanes, the uniform params; the library
 * also exports the hash as
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
void jit_eval_rows(const Jit *j, long n, const double *params, double *out)
{
	(void)j, (void)n, (void)params, (void)out;
	abort();   /* there is no Jit to pass */
}
void jit_free(Jit *j) { (void)j; }

int jit_compile_to_file(const BcProgram *p, const char *const *param_names,
			const char *const *metric_names, const char *const *metric_units,
			const char *so_path, const char *header_path, const JitLibOpts *lo, char **why)
{
	(void)lo;
	set_why(why, NO_JIT);
	return -1;
}

#else /* HAVE_LIBGCCJIT */

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <float.h>
#include <libgccjit.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang/arena.h"
#include "jit_emit.h"

struct Jit {
	void *dl;                 /* dlopen handle (cached library), or */
	gcc_jit_result *result;   /* in-memory compile */
	JitScalarFn scalar;
	JitBatchFn batch;
	JitBatchFn lanes;         /* jit_compile_lanes only */
	uint32_t nparams, nout;   /* the row widths, for jit_eval_rows */
	bool want_lanes;
	bool cache_hit;
};

/* ---------------------------------------------------------------- checks */

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
		for (int k = 0; k < bc_arity(c->op); k++)
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
 * as -O2).  They are part of the cache key.  host_isa: the instructions
 * of this CPU (the in-process JIT, `compile --native`); without, the
 * x86-64 baseline every 64-bit x86 CPU runs (a library to ship). */
static int jit_flags(const char **v, bool host_isa)
{
	int n = 0;
	v[n++] = "-ffp-contract=off";
	v[n++] = "-fno-math-errno";
	v[n++] = "-fno-trapping-math";
#if defined(__x86_64__) && defined(__GNUC__)
	/* x86-64-v3 is AVX2 plus FMA, BMI2, ...: ask for all that GCC would
	 * use, so that no AVX2 CPU without them gets an illegal instruction;
	 * x86-64-v4 adds AVX-512 F/BW/CD/DQ/VL, whose mask registers make the
	 * lanes evaluator's selects cheap (bench/optimize.sgl: 22 -> 33 M
	 * points/s here).  Neither adds a rounding step: contraction is off. */
	if (host_isa && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
	    && __builtin_cpu_supports("bmi2")) {
		bool v4 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
			  && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq")
			  && __builtin_cpu_supports("avx512vl");
		v[n++] = v4 ? "-march=x86-64-v4" : "-march=x86-64-v3";
	}
#endif
	return n;
}

/* Names and units of the standalone library (jit_compile_to_file). */
typedef struct Meta {
	const char *const *params, *const *metrics, *const *units;
	bool native;          /* this CPU's instructions, not the baseline */
	const char *prefix;   /* of the exported names; NULL: "sglsim" */
} Meta;

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
	int nflags = jit_flags(flags, !meta || meta->native);
	for (int k = 0; k < nflags; k++) gcc_jit_context_add_command_line_option(ctx, flags[k]);
	gcc_jit_context_add_driver_option(ctx, "-lm"); /* pow, log, exp, ... */

	Emit e;
	je_init(&e, ctx);
	if (meta && meta->prefix) e.prefix = meta->prefix;
	gcc_jit_function *kernel = je_kernel(&e, p);
	je_scalar(&e, kernel, p->nout);
	je_batch(&e, kernel, p->nparams, p->nout);
	if (uniform) je_lanes(&e, p, uniform);
	if (!meta) {
		emit_const_global(&e, GCC_JIT_TYPE_LONG, "sglsim_jit_key", (long)key);
		return ctx;
	}
	char name[96];
	emit_const_global(&e, GCC_JIT_TYPE_INT, je_name(&e, "abi_version", name, sizeof name), 1);
	emit_const_global(&e, GCC_JIT_TYPE_INT, je_name(&e, "n_params", name, sizeof name), p->nparams);
	emit_const_global(&e, GCC_JIT_TYPE_INT, je_name(&e, "n_metrics", name, sizeof name), p->nout);
	emit_strings(&e, je_name(&e, "param_names", name, sizeof name), meta->params, p->nparams);
	emit_strings(&e, je_name(&e, "metric_names", name, sizeof name), meta->metrics, p->nout);
	emit_strings(&e, je_name(&e, "metric_units", name, sizeof name), meta->units, p->nout);
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
	h = fnv_str(h, "sglsim-jit-3 " PACKAGE_VERSION);
	h = fnv_u64(h, (uint64_t)gcc_jit_version_major() << 32 | (uint64_t)gcc_jit_version_minor() << 16
		    | (uint64_t)gcc_jit_version_patchlevel());
	const char *flags[MAX_FLAGS];
	int nflags = jit_flags(flags, true);
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
	j->nparams = p->nparams;
	j->nout = p->nout;
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

void jit_eval_rows(const Jit *j, long n, const double *params, double *out)
{
	long lanes = j->lanes ? n - n % JIT_LANES : 0;
	if (lanes) j->lanes(lanes, params, out);
	if (n > lanes) j->batch(n - lanes, params + lanes * j->nparams, out + lanes * j->nout);
}

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

/* text with "sglsim_" and "SGLSIM_" spelled with m's prefix ("model_",
 * "MODEL_"): the header's fixed parts. */
static void put_named(FILE *f, const Meta *m, const char *text)
{
	const char *pre = m->prefix ? m->prefix : "sglsim";
	for (const char *s = text; *s;) {
		if (!strncmp(s, "sglsim_", 7) || !strncmp(s, "SGLSIM_", 7)) {
			for (const char *q = pre; *q; q++)
				fputc(s[0] == 'S' ? toupper((unsigned char)*q) : *q, f);
			fputc('_', f);
			s += 7;
		} else {
			fputc(*s++, f);
		}
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
	put_named(f, m,
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
	put_named(f, m,
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
			const char *so_path, const char *header_path, const JitLibOpts *lo, char **why)
{
	if (why) *why = NULL;
	Meta m = {param_names, metric_names, metric_units, lo && lo->native, lo ? lo->prefix : NULL};
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

Jit *jit_compile_rows(const BcProgram *p, char **why)
{
	bool *vary = calloc((size_t)p->nparams + 1, sizeof *vary);   /* all false */
	if (!vary) abort();
	Jit *j = jit_compile_lanes(p, vary, why);
	free(vary);
	return j;
}
