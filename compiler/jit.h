/* jit.h -- the JIT tier: a bytecode BcProgram compiled to machine code with
 * libgccjit, cached on disk, and exported as a standalone shared library.
 *
 * The JIT is a second tier.  The bytecode interpreter (bytecode.h) always
 * works; when jit_compile fails (no libgccjit, no assembler, a gccjit
 * error) the caller notes the reason once and keeps interpreting.
 *
 * Contract: a compiled BcProgram performs exactly the IEEE operations of
 * bc_eval, in the same order, so its outputs are bit-identical to
 * bc_eval/bc_eval_block for every input (NaN payloads aside: any NaN may
 * come out as any NaN).
 *
 * Layout of the evaluators (the same as bc_eval_block):
 *
 *   params  n x nparams, row-major: point j's params at params + j*nparams
 *   out     n x nout,    row-major: point j's outputs at out + j*nout
 *
 * Ownership: jit_compile returns a Jit the caller frees with jit_free; the
 * function pointers stay valid until then.  Error texts returned through
 * `why` are heap strings the caller frees.
 */
#ifndef SGL_JIT_H
#define SGL_JIT_H
#include "bytecode.h"

/* One point.  Returns 0 when every output is finite, 1 otherwise. */
typedef int (*JitScalarFn)(const double *params, double *out);
/* n points, row-major as above. */
typedef void (*JitBatchFn)(long n, const double *params, double *out);

typedef struct Jit Jit;

/* Compiles p (at -O2, without contraction into fused multiply-adds) into
 * one shared library holding a scalar and a batch evaluator.  The library
 * is cached under $SGLSIM_CACHE_DIR, else $XDG_CACHE_HOME/sglsim, else
 * ~/.cache/sglsim, named by a hash of the program, the flags and the
 * versions; a second compile of the same program loads it without running
 * gcc.  When no cache folder can be used the compile happens in memory.
 * Returns NULL on failure and, if why is not NULL, sets *why to a heap
 * string saying why. */
Jit *jit_compile(const BcProgram *p, char **why);

/* jit_compile plus a third evaluator, jit_lanes: n points as in the batch
 * evaluator, n a multiple of JIT_LANES, where each param k with uniform[k]
 * is read from the first row only (the same for all n points; the other
 * rows' copies are not read).  Each instruction is computed for JIT_LANES
 * points at once in vector registers: the same bits as the batch. */
enum { JIT_LANES = 8 };
Jit *jit_compile_lanes(const BcProgram *p, const bool *uniform, char **why);
/* jit_compile_lanes with every param varying (no uniform one). */
Jit *jit_compile_rows(const BcProgram *p, char **why);

/* Whether jit_compile found the library in the cache (no gcc run). */
bool jit_cache_hit(const Jit *j);
JitScalarFn jit_scalar(const Jit *j);
JitBatchFn jit_batch(const Jit *j);
JitBatchFn jit_lanes(const Jit *j);
/* n points, row-major: the lanes evaluator for the first n - n % JIT_LANES
 * when j has one, the batch evaluator for the rest.  With uniform params,
 * the rows the lanes evaluator takes need them in their first row only. */
void jit_eval_rows(const Jit *j, long n, const double *params, double *out);
/* Unloads the code; NULL is ignored. */
void jit_free(Jit *j);

/* Writes p as a standalone shared library at so_path and a C header
 * declaring its ABI at header_path (either may be NULL to skip it):
 *
 *   extern const int sglsim_abi_version;            (1)
 *   extern const int sglsim_n_params, sglsim_n_metrics;
 *   extern const char *const sglsim_param_names[];  (NULL-terminated)
 *   extern const char *const sglsim_metric_names[];
 *   extern const char *const sglsim_metric_units[];
 *   int  sglsim_eval(const double *params, double *metrics);
 *   void sglsim_eval_batch(long n, const double *params, double *metrics);
 *
 * param_names has p->nparams entries, metric_names and metric_units
 * p->nout; a NULL array gives empty strings.  The code uses the x86-64
 * baseline instructions, so the library runs on any 64-bit x86 CPU, or
 * with lo->native this CPU's (AVX2, AVX-512: faster batches, and an
 * illegal instruction on a CPU without them).  The exported names start
 * with lo->prefix (a C identifier; NULL or no lo: "sglsim"), so several
 * libraries can be linked into one program.  Returns 0 on success, -1 on
 * failure with *why set as for jit_compile. */
typedef struct JitLibOpts {
	bool native;
	const char *prefix;
} JitLibOpts;
int jit_compile_to_file(const BcProgram *p, const char *const *param_names,
			const char *const *metric_names, const char *const *metric_units,
			const char *so_path, const char *header_path, const JitLibOpts *lo, char **why);

#endif
