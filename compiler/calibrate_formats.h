/* calibrate_formats.h -- measured kernel-timing tables for `sglsim
 * calibrate`: which table a CSV file is (told by its header), and one row
 * per kernel call, mapped to the stdlib kernel law that predicts it.
 *
 *   CalData.rows[i] = {x[] law arguments, t measured seconds,
 *                      variant -> CalData.variants[] (law, data type),
 *                      subset  -> CalData.subsets[] (label, class, fitted?)}
 *
 * The arguments x[] are those of the law in stdlib/kernels.sgl after the
 * gpu/link and data-type arguments, in order, except the ones the
 * calibration fixes (see cal_law_call in calibrate.c); counts are plain
 * numbers and sizes bytes.  A subset groups the rows of one file that one
 * kernel produced; rows of subsets that are not fitted (another kernel
 * than SGLang's default, multi-node collectives, ...) are evaluated and
 * reported but do not enter the fit.
 *
 * Ownership: CalData owns its arrays and labels; cal_data_free releases
 * them.  Variant data-type names are static strings.
 */
#ifndef SGL_CALIBRATE_FORMATS_H
#define SGL_CALIBRATE_FORMATS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CAL_MAXARGS = 7 };

/* Op classes, in the order they are fitted. */
typedef enum CalClass { CAL_GEMM, CAL_ATTN, CAL_MOE, CAL_COMM, CAL_NCLASS } CalClass;

typedef enum CalLaw {
	LAW_GEMM,           /* gemm_time(g, dt, m, n, k) */
	LAW_ATTN_PREFILL,   /* attn_prefill_time(g, dt, batch, q_len, ctx_len, heads, kv_heads, head_dim) */
	LAW_ATTN_DECODE,    /* attn_decode_time(g, dt, batch, kv_len, heads, kv_heads, head_dim) */
	LAW_MLA_PREFILL,    /* mla_prefill_time(g, dt, batch, q_len, ctx_len, heads) */
	LAW_MLA_DECODE,     /* mla_decode_time(g, dt, batch, kv_len, heads) */
	LAW_MOE,            /* moe_time(g, dt, tokens, hidden, moe_ffn, experts, top_k, tp, ep) */
	LAW_ALLREDUCE,      /* nccl_allreduce_time(l, gpus, bytes) */
	LAW_CUSTOM_AR,      /* custom_allreduce_time(l, gpus, bytes) */
	LAW_ALLGATHER,
	LAW_REDUCESCATTER,
	LAW_ALLTOALL,
	LAW_P2P,            /* p2p_time(l, bytes) */
	LAW_COUNT
} CalLaw;

typedef struct CalVariant {
	CalLaw law;
	const char *dtype;   /* a stdlib dtype name; NULL for collectives */
} CalVariant;

typedef struct CalSubset {
	char *label;         /* "gemm_perf.csv sglang_torch_linear bfloat16" */
	CalClass cls;
	bool fitted;
	size_t nrows;
} CalSubset;

typedef struct CalRow {
	double x[CAL_MAXARGS];
	double t;            /* measured time, s */
	uint32_t subset;
	uint32_t variant;
} CalRow;

typedef struct CalData {
	CalRow *rows;
	size_t nrows, caprows;
	CalSubset *subsets;
	int nsubsets;
	CalVariant *variants;
	int nvariants;
} CalData;

typedef enum CalRead { CAL_READ_OK, CAL_READ_UNUSED, CAL_READ_ERROR } CalRead;

/* The class a law belongs to. */
CalClass cal_law_class(CalLaw law);

/* Reads the table at path into d; `label` names the file in subset labels
 * and messages use `path`.  Returns OK (with *msg a note about rows
 * skipped because a size is 0, or NULL), UNUSED (a known table no law
 * covers; *msg says which) or ERROR (*msg the whole message, "PATH:LINE:
 * error: ..."; a field that is not a number, a time that is not positive,
 * an unknown data type).  *msg is heap memory
 * the caller frees.  On ERROR rows already added stay in d. */
CalRead cal_read_table(CalData *d, const char *path, const char *label, char **msg);

void cal_data_free(CalData *d);

#endif
