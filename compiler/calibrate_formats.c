/* calibrate_formats.c -- the kernel-timing tables `sglsim calibrate` reads
 * (calibrate_formats.h).
 *
 * A table is recognised by the columns of its header: each format below
 * lists the columns it needs, and the first format whose columns are all
 * present reads the file.  The sources and units of the tables:
 *
 *   aiconfigurator (ai-dynamo/aiconfigurator, systems/data/<gpu>/...):
 *     gemm_perf, context/generation_attention_perf, context/generation_mla_perf,
 *     moe_perf, nccl_perf, custom_allreduce_perf: `latency` in ms;
 *     wideep_deepep_*: microseconds (not used); mla_bmm_perf (not used).
 *   vidur (microsoft/vidur, data/profiling/...): mlp.csv, all_reduce.csv,
 *     send_recv.csv: time_stats.<op>.median in ms; sizes in fp16 elements.
 *
 * Each reader turns a record into rows (one per kernel call: four for a
 * vidur mlp.csv record) and files them under a subset label.
 */
#include "config.h"
#include "calibrate_formats.h"
#include "lang/arena.h"
#include "runtime/csv.h"
#include "runtime/heapstr.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* DeepSeek-V3 attention dimensions, from the model's config.json
 * (huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json):
 * "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "kv_lora_rank": 512.
 * The MLA tables of aiconfigurator are measured with that model's shapes;
 * calibrate.c writes them into the law calls (cal_law_call). */

CalClass cal_law_class(CalLaw law)
{
	switch (law) {
	case LAW_GEMM: return CAL_GEMM;
	case LAW_ATTN_PREFILL: case LAW_ATTN_DECODE: case LAW_MLA_PREFILL: case LAW_MLA_DECODE: return CAL_ATTN;
	case LAW_MOE: return CAL_MOE;
	default: return CAL_COMM;
	}
}

void cal_data_free(CalData *d)
{
	for (int i = 0; i < d->nsubsets; i++) free(d->subsets[i].label);
	free(d->subsets);
	free(d->variants);
	free(d->rows);
	memset(d, 0, sizeof *d);
}

/* ---------------------------------------------------------------- formats */

typedef enum Fmt {
	F_GEMM, F_ATTN, F_MLA, F_MOE, F_NCCL, F_CUSTOM_AR, F_VIDUR_MLP, F_VIDUR_AR, F_VIDUR_SR,
	F_MLA_BMM, F_DEEPEP_LL, F_DEEPEP_NORMAL, F_COUNT
} Fmt;

enum { MAX_COLS = 12 };

/* The columns each format needs, in the order its reader indexes them. */
static const struct {
	const char *cols[MAX_COLS];
	const char *unused;   /* non-NULL: known, but no law covers it */
} formats[F_COUNT] = {
	[F_GEMM] = {{"kernel_source", "gemm_dtype", "m", "n", "k", "latency"}, NULL},
	[F_ATTN] = {{"kernel_source", "attn_dtype", "kv_cache_dtype", "batch_size", "isl", "step", "num_heads",
		     "num_key_value_heads", "head_dim", "latency"}, NULL},
	[F_MLA] = {{"kernel_source", "mla_dtype", "kv_cache_dtype", "batch_size", "isl", "step", "num_heads",
		    "latency"}, NULL},
	[F_MOE] = {{"kernel_source", "moe_dtype", "distribution", "num_tokens", "hidden_size", "inter_size",
		    "num_experts", "topk", "moe_tp_size", "moe_ep_size", "latency"}, NULL},
	[F_NCCL] = {{"op_name", "nccl_dtype", "num_gpus", "message_size", "latency"}, NULL},
	[F_CUSTOM_AR] = {{"kernel_source", "allreduce_dtype", "num_gpus", "message_size", "latency"}, NULL},
	[F_VIDUR_MLP] = {{"time_stats.attn_pre_proj.median", "time_stats.attn_post_proj.median",
			  "time_stats.mlp_up_proj.median", "time_stats.mlp_down_proj.median", "n_head",
			  "n_kv_head", "n_embd", "n_expanded_embd", "use_gated_mlp", "num_tokens",
			  "num_tensor_parallel_workers"}, NULL},
	[F_VIDUR_AR] = {{"time_stats.all_reduce.median", "num_workers", "size", "devices_per_node"}, NULL},
	[F_VIDUR_SR] = {{"time_stats.send_recv.median", "num_workers", "size", "devices_per_node"}, NULL},
	[F_MLA_BMM] = {{"op_name", "bmm_dtype", "num_tokens", "num_heads", "latency"},
		       "MLA absorbed-weight batched GEMMs (mla_bmm): not used, no kernel law covers them"},
	[F_DEEPEP_LL] = {{"dispatch_avg_t_us", "combine_avg_t_us"},
			 "DeepEP low-latency dispatch/combine timings: not used, no kernel law covers them"},
	[F_DEEPEP_NORMAL] = {{"dispatch_transmit_us", "combine_transmit_us"},
			     "DeepEP normal-mode dispatch/combine timings: not used, no kernel law covers them"},
};

/* Arguments a law may take as 0 (the cached context of a prefill); every
 * other argument must be positive for the kernel to do work. */
static const unsigned may_be_zero[LAW_COUNT] = {
	[LAW_ATTN_PREFILL] = 1u << 2,
	[LAW_MLA_PREFILL] = 1u << 2,
};
static const int law_nargs[LAW_COUNT] = {
	[LAW_GEMM] = 3, [LAW_ATTN_PREFILL] = 6, [LAW_ATTN_DECODE] = 5, [LAW_MLA_PREFILL] = 4,
	[LAW_MLA_DECODE] = 3, [LAW_MOE] = 7, [LAW_ALLREDUCE] = 2, [LAW_CUSTOM_AR] = 2, [LAW_ALLGATHER] = 2,
	[LAW_REDUCESCATTER] = 2, [LAW_ALLTOALL] = 2, [LAW_P2P] = 1,
};

typedef struct Reader {
	CalData *d;
	Csv c;
	const char *path, *label;
	int col[MAX_COLS];
	char *err;           /* the first error, heap */
	size_t skipped;
	int last_subset;
} Reader;

static const char *str(Reader *r, int k)
{
	int i = r->col[k];
	return i < r->c.n ? r->c.field[i] : "";
}

/* Column k as a number; false with r->err set. */
static bool num(Reader *r, int k, double *v)
{
	if (csv_number(str(r, k), v)) return true;
	if (!r->err)
		r->err = heap_printf("%s:%ld: error: column '%s' is not a number", r->path, r->c.lineno,
				     r->c.head[r->col[k]]);
	return false;
}

/* Reads columns k0.. into v[n]; false at the first that is not a number. */
static bool nums(Reader *r, int k0, double *v, int n)
{
	for (int i = 0; i < n; i++)
		if (!num(r, k0 + i, &v[i])) return false;
	return true;
}

/* Column k as a measured time: a positive number. */
static bool duration(Reader *r, int k, double *t)
{
	if (!num(r, k, t)) return false;
	if (*t > 0) return true;
	if (!r->err)
		r->err = heap_printf("%s:%ld: error: column '%s' is not a positive time ('%s')", r->path, r->c.lineno,
				     r->c.head[r->col[k]], str(r, k));
	return false;
}

static bool bad_value(Reader *r, int k, const char *what)
{
	if (!r->err)
		r->err = heap_printf("%s:%ld: error: column '%s' %s ('%s')", r->path, r->c.lineno,
				     r->c.head[r->col[k]], what, str(r, k));
	return false;
}

static int find_subset(Reader *r, const char *label, CalClass cls, bool fitted)
{
	CalData *d = r->d;
	if (r->last_subset >= 0 && !strcmp(d->subsets[r->last_subset].label, label)) return r->last_subset;
	for (int i = 0; i < d->nsubsets; i++)
		if (!strcmp(d->subsets[i].label, label)) return r->last_subset = i;
	d->subsets = xrealloc(d->subsets, (size_t)(d->nsubsets + 1) * sizeof *d->subsets);
	d->subsets[d->nsubsets] = (CalSubset){heap_printf("%s", label), cls, fitted, 0};
	return r->last_subset = d->nsubsets++;
}

static uint32_t find_variant(CalData *d, CalLaw law, const char *dtype)
{
	for (int i = 0; i < d->nvariants; i++)
		if (d->variants[i].law == law &&
		    (d->variants[i].dtype == dtype || (dtype && d->variants[i].dtype && !strcmp(d->variants[i].dtype, dtype))))
			return (uint32_t)i;
	d->variants = xrealloc(d->variants, (size_t)(d->nvariants + 1) * sizeof *d->variants);
	d->variants[d->nvariants] = (CalVariant){law, dtype};
	return (uint32_t)d->nvariants++;
}

/* Files one kernel call measured at t (to_seconds converts it to s); a
 * call with no work (a zero size) is counted as skipped. */
static void add_row(Reader *r, const char *label, bool fitted, CalLaw law, const char *dtype, const double *x,
		    double t, double to_seconds)
{
	int n = law_nargs[law];
	bool work = t > 0;
	for (int i = 0; i < n; i++)
		if (!(x[i] > 0) && !((may_be_zero[law] >> i & 1) && x[i] == 0)) work = false;
	if (!work) {
		r->skipped++;
		return;
	}
	CalData *d = r->d;
	int s = find_subset(r, label, cal_law_class(law), fitted);
	if (d->nrows == d->caprows) {
		d->caprows = d->caprows ? 2 * d->caprows : 1024;
		d->rows = xrealloc(d->rows, d->caprows * sizeof *d->rows);
	}
	CalRow *row = &d->rows[d->nrows++];
	memset(row, 0, sizeof *row);
	memcpy(row->x, x, (size_t)n * sizeof *x);
	row->t = t * to_seconds;
	row->subset = (uint32_t)s;
	row->variant = find_variant(d, law, dtype);
	d->subsets[s].nrows++;
}

/* A table's data-type spelling as a stdlib dtype; NULL if unknown. */
static const char *dtype_of(const char *s)
{
	static const struct { const char *in, *dt; } map[] = {
		{"bfloat16", "bf16"}, {"bf16", "bf16"}, {"float16", "fp16"}, {"fp16", "fp16"}, {"half", "fp16"},
		{"fp8", "fp8"}, {"fp8_block", "fp8"}, {"float8", "fp8"}, {"float32", "fp32"}, {"fp32", "fp32"},
		{"float", "fp32"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(s, map[i].in)) return map[i].dt;
	return NULL;
}

static bool dtype_col(Reader *r, int k, const char **dt)
{
	*dt = dtype_of(str(r, k));
	return *dt ? true : bad_value(r, k, "is not a known data type");
}

enum { LABEL_MAX = 256 };

/* ------------------------------------------------------------- readers */

/* gemm_perf: kernel_source, gemm_dtype, m, n, k, latency (ms). */
static bool read_gemm(Reader *r)
{
	double x[3], t;
	const char *dt;
	if (!dtype_col(r, 1, &dt) || !nums(r, 2, x, 3) || !duration(r, 5, &t)) return false;
	char label[LABEL_MAX];
	snprintf(label, sizeof label, "%s %s %s", r->label, str(r, 0), str(r, 1));
	add_row(r, label, true, LAW_GEMM, dt, x, t, 1e-3);
	return true;
}

/* context/generation_attention_perf: a prefill when step (the cached
 * context) is 0 or more than one query token is new, else a decode over
 * `step` cached tokens.  Only fa3 (SGLang's default on Hopper) is fitted. */
static bool read_attn(Reader *r)
{
	double v[6], t;
	const char *dt, *kv;
	if (!dtype_col(r, 1, &dt) || !dtype_col(r, 2, &kv) || !nums(r, 3, v, 6) || !duration(r, 9, &t)) return false;
	double batch = v[0], isl = v[1], step = v[2], heads = v[3], kvh = v[4], hd = v[5];
	bool fitted = !strcmp(str(r, 0), "fa3");
	char label[LABEL_MAX];
	snprintf(label, sizeof label, "%s %s %s kv %s%s", r->label, str(r, 0), str(r, 1), str(r, 2),
		 fitted ? "" : " [not fitted]");
	if (isl == 1 && step > 0) {
		double x[5] = {batch, step, heads, kvh, hd};
		add_row(r, label, fitted, LAW_ATTN_DECODE, kv, x, t, 1e-3);
	} else {
		double x[6] = {batch, isl, step, heads, kvh, hd};
		add_row(r, label, fitted, LAW_ATTN_PREFILL, dt, x, t, 1e-3);
	}
	return true;
}

/* context/generation_mla_perf (DeepSeek-V3 shapes): prefill in mla_dtype,
 * decode over the cache in kv_cache_dtype, as for read_attn. */
static bool read_mla(Reader *r)
{
	double v[4], t;
	const char *dt, *kv;
	if (!dtype_col(r, 1, &dt) || !dtype_col(r, 2, &kv) || !nums(r, 3, v, 4) || !duration(r, 7, &t)) return false;
	double batch = v[0], isl = v[1], step = v[2], heads = v[3];
	char label[LABEL_MAX];
	snprintf(label, sizeof label, "%s %s %s kv %s", r->label, str(r, 0), str(r, 1), str(r, 2));
	if (isl == 1 && step > 0) {
		double x[3] = {batch, step, heads};
		add_row(r, label, true, LAW_MLA_DECODE, kv, x, t, 1e-3);
	} else {
		double x[4] = {batch, isl, step, heads};
		add_row(r, label, true, LAW_MLA_PREFILL, dt, x, t, 1e-3);
	}
	return true;
}

/* moe_perf: balanced routing is fitted, per model shape; power-law routing
 * (imbalanced) and weight-only 4-bit kernels (no stdlib data type says
 * "4-bit weights, 16-bit math") are reported only. */
static bool read_moe(Reader *r)
{
	double v[7], t;
	const char *ms = str(r, 1), *dist = str(r, 2);
	const char *dt = dtype_of(ms);
	bool w4 = !dt && !strncmp(ms, "w4a16", 5);
	if (w4) dt = "fp4";
	if (!dt) return bad_value(r, 1, "is not a known data type");
	if (!nums(r, 3, v, 7) || !duration(r, 10, &t)) return false;
	bool balanced = !strcmp(dist, "balanced");
	char label[LABEL_MAX];
	if (balanced)
		snprintf(label, sizeof label, "%s %s %gx%g e%g k%g%s", r->label, ms, v[1], v[2], v[3], v[4],
			 w4 ? " [not fitted]" : "");
	else
		snprintf(label, sizeof label, "%s %s %s [not fitted]", r->label, ms, dist);
	/* law order: tokens, hidden, moe_ffn, experts, top_k, tp, ep */
	double x[7] = {v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
	add_row(r, label, balanced && !w4, LAW_MOE, dt, x, t, 1e-3);
	return true;
}

static bool elem_bytes(Reader *r, int k, double *b)
{
	const char *s = str(r, k);
	const char *dt = dtype_of(s);
	if (!strcmp(s, "int8")) *b = 1;
	else if (!dt) return bad_value(r, k, "is not a known data type");
	else *b = !strcmp(dt, "fp32") ? 4 : !strcmp(dt, "fp8") ? 1 : 2;
	return true;
}

/* nccl_perf: message_size in elements of nccl_dtype. */
static bool read_nccl(Reader *r)
{
	double eb, v[2], t;
	if (!elem_bytes(r, 1, &eb) || !nums(r, 2, v, 2) || !duration(r, 4, &t)) return false;
	const char *op = str(r, 0);
	CalLaw law = !strcmp(op, "all_reduce") ? LAW_ALLREDUCE : !strcmp(op, "all_gather") ? LAW_ALLGATHER
		: !strcmp(op, "reduce_scatter") ? LAW_REDUCESCATTER : !strcmp(op, "alltoall") ? LAW_ALLTOALL : LAW_COUNT;
	if (law == LAW_COUNT) return bad_value(r, 0, "is not a known collective");
	char label[LABEL_MAX];
	snprintf(label, sizeof label, "%s %s %s", r->label, op, str(r, 1));
	double x[2] = {v[0], v[1] * eb};
	add_row(r, label, true, law, NULL, x, t, 1e-3);
	return true;
}

/* custom_allreduce_perf: SGLang's custom all-reduce; the CUDA-graph rows
 * are fitted (decode runs under CUDA graphs), eager ones reported. */
static bool read_custom_ar(Reader *r)
{
	double eb, v[2], t;
	if (!elem_bytes(r, 1, &eb) || !nums(r, 2, v, 2) || !duration(r, 4, &t)) return false;
	const char *ks = str(r, 0);
	size_t n = strlen(ks);
	bool fitted = n >= 6 && !strcmp(ks + n - 6, "_graph");
	char label[LABEL_MAX];
	snprintf(label, sizeof label, "%s %s%s", r->label, ks, fitted ? "" : " [not fitted]");
	double x[2] = {v[0], v[1] * eb};
	add_row(r, label, fitted, LAW_CUSTOM_AR, NULL, x, t, 1e-3);
	return true;
}

/* vidur mlp.csv: the four GEMMs of a Llama layer on one GPU of a TP group,
 * fp16; heads and the MLP are split tp ways. */
static bool read_vidur_mlp(Reader *r)
{
	double tm[4], v[6];
	if (!duration(r, 0, &tm[0]) || !duration(r, 1, &tm[1]) || !duration(r, 2, &tm[2]) ||
	    !duration(r, 3, &tm[3]) || !nums(r, 4, v, 4) || !nums(r, 9, v + 4, 2)) return false;
	const char *g = str(r, 8);
	double gated;
	if (!strcmp(g, "True") || !strcmp(g, "true") || !strcmp(g, "1")) gated = 2;
	else if (!strcmp(g, "False") || !strcmp(g, "false") || !strcmp(g, "0")) gated = 1;
	else return bad_value(r, 8, "is not true or false");
	double heads = v[0], kvh = v[1], embd = v[2], ffn = v[3], T = v[4], tp = v[5];
	if (!(heads > 0) || !(tp > 0)) return bad_value(r, !(heads > 0) ? 4 : 10, "is not a positive number");
	double hd = embd / heads;
	static const char *ops[4] = {"attn_pre_proj", "attn_post_proj", "mlp_up_proj", "mlp_down_proj"};
	double shape[4][3] = {
		{T, (heads + 2 * kvh) * hd / tp, embd},
		{T, embd, heads * hd / tp},
		{T, gated * ffn / tp, embd},
		{T, embd, ffn / tp},
	};
	for (int i = 0; i < 4; i++) {
		char label[LABEL_MAX];
		snprintf(label, sizeof label, "%s %s", r->label, ops[i]);
		add_row(r, label, true, LAW_GEMM, "fp16", shape[i], tm[i], 1e-3);
	}
	return true;
}

/* vidur all_reduce.csv / send_recv.csv: size in fp16 elements; rows that
 * span nodes are reported only (the law here is the NVLink one). */
static bool read_vidur_comm(Reader *r, CalLaw law)
{
	double t, v[3];
	if (!duration(r, 0, &t) || !nums(r, 1, v, 3)) return false;
	double gpus = v[0], bytes = 2 * v[1], per_node = v[2];
	bool one_node = gpus <= per_node;
	double nodes = per_node > 0 ? ceil(gpus / per_node) : 0;
	char label[LABEL_MAX];
	snprintf(label, sizeof label, "%s %g GPUs, %g node%s%s", r->label, gpus, nodes, nodes == 1 ? "" : "s",
		 one_node ? "" : " [not fitted]");
	if (law == LAW_P2P) {
		double x[1] = {bytes};
		add_row(r, label, one_node, law, NULL, x, t, 1e-3);
	} else {
		double x[2] = {gpus, bytes};
		add_row(r, label, one_node, law, NULL, x, t, 1e-3);
	}
	return true;
}

static bool read_record(Reader *r, Fmt f)
{
	switch (f) {
	case F_GEMM: return read_gemm(r);
	case F_ATTN: return read_attn(r);
	case F_MLA: return read_mla(r);
	case F_MOE: return read_moe(r);
	case F_NCCL: return read_nccl(r);
	case F_CUSTOM_AR: return read_custom_ar(r);
	case F_VIDUR_MLP: return read_vidur_mlp(r);
	case F_VIDUR_AR: return read_vidur_comm(r, LAW_ALLREDUCE);
	case F_VIDUR_SR: return read_vidur_comm(r, LAW_P2P);
	default: return false;
	}
}

/* The first format whose columns the header has (their indices in col). */
static Fmt detect(const Csv *c, int *col)
{
	for (int f = 0; f < F_COUNT; f++) {
		bool all = true;
		for (int k = 0; k < MAX_COLS && formats[f].cols[k] && all; k++) {
			col[k] = csv_column(c, formats[f].cols[k]);
			all = col[k] >= 0;
		}
		if (all) return (Fmt)f;
	}
	return F_COUNT;
}

CalRead cal_read_table(CalData *d, const char *path, const char *label, char **msg)
{
	Reader r = {.d = d, .path = path, .label = label, .last_subset = -1};
	*msg = NULL;
	errno = 0;
	if (!csv_open(&r.c, path)) {
		*msg = heap_printf("sglsim: error: cannot read '%s': %s", path,
				   r.c.why[0] ? r.c.why : errno ? strerror(errno) : "the file is empty");
		return CAL_READ_ERROR;
	}
	Fmt f = detect(&r.c, r.col);
	if (f == F_COUNT) {
		Buf b = {0};
		buf_printf(&b, "%s: error: unknown table format (columns: ", path);
		for (int i = 0; i < r.c.nhead; i++) {
			if (i == 16) {
				buf_printf(&b, ", ... %d in all", r.c.nhead);
				break;
			}
			buf_printf(&b, "%s%s", i ? ", " : "", r.c.head[i]);
		}
		buf_puts(&b, ")");
		*msg = b.s;
		csv_close(&r.c);
		return CAL_READ_ERROR;
	}
	if (formats[f].unused) {
		*msg = heap_printf("%s: note: %s", path, formats[f].unused);
		csv_close(&r.c);
		return CAL_READ_UNUSED;
	}
	bool ok = true;
	while (ok && csv_next(&r.c)) ok = read_record(&r, f);
	if (ok && r.c.why[0]) {
		r.err = heap_printf("sglsim: error: cannot read '%s': %s", path, r.c.why);
		ok = false;
	} else if (ok && ferror(r.c.f)) {
		r.err = heap_printf("sglsim: error: cannot read '%s': %s", path, strerror(errno));
		ok = false;
	}
	csv_close(&r.c);
	if (!ok) {
		*msg = r.err;
		return CAL_READ_ERROR;
	}
	if (r.skipped)
		*msg = heap_printf("%s: note: %zu row%s skipped (a kernel with no work: a size is 0)", path,
				   r.skipped, r.skipped == 1 ? "" : "s");
	return CAL_READ_OK;
}
