/* sglsim.h -- the C ABI of the libraries `sglsim compile` writes, for
 * programs that load them with dlopen (installed with sglsim; pkg-config
 * name `sglsim`).
 *
 * `sglsim compile FILE -o model.so` turns a scenario's metrics into one
 * shared library that exports, at ABI version 1:
 *
 *   const int sglsim_abi_version;                 (SGLSIM_ABI_VERSION)
 *   const int sglsim_n_params, sglsim_n_metrics;
 *   const char *const sglsim_param_names[];       (NULL-terminated)
 *   const char *const sglsim_metric_names[];
 *   const char *const sglsim_metric_units[];
 *   int  sglsim_eval(const double *params, double *metrics);
 *   void sglsim_eval_batch(long n, const double *params, double *metrics);
 *
 * sglsim_eval reads sglsim_n_params doubles and writes sglsim_n_metrics;
 * it returns 0 when every metric is finite, 1 otherwise.  The batch form
 * takes n points row-major (point j's params at params + j * n_params, its
 * metrics at metrics + j * n_metrics).  Values are in base units (s, B,
 * FLOP, tok, req, USD, J and their products and quotients) and
 * bit-identical to sglsim's own evaluator.  `--header OUT.h` also writes a
 * header for one library that lists its params and metrics; this one
 * serves any of them.  doc/embedding.md has a complete example.
 */
#ifndef SGLSIM_H
#define SGLSIM_H
#ifdef __cplusplus
extern "C" {
#endif

#define SGLSIM_ABI_VERSION 1

typedef int (*sglsim_eval_fn)(const double *params, double *metrics);
typedef void (*sglsim_eval_batch_fn)(long n, const double *params, double *metrics);

/* The exported symbols, for dlsym. */
#define SGLSIM_SYM_ABI_VERSION  "sglsim_abi_version"
#define SGLSIM_SYM_N_PARAMS     "sglsim_n_params"
#define SGLSIM_SYM_N_METRICS    "sglsim_n_metrics"
#define SGLSIM_SYM_PARAM_NAMES  "sglsim_param_names"
#define SGLSIM_SYM_METRIC_NAMES "sglsim_metric_names"
#define SGLSIM_SYM_METRIC_UNITS "sglsim_metric_units"
#define SGLSIM_SYM_EVAL         "sglsim_eval"
#define SGLSIM_SYM_EVAL_BATCH   "sglsim_eval_batch"

#ifdef __cplusplus
}
#endif
#endif
