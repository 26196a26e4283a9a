/* calibrate.h -- `sglsim calibrate`: fit a GPU's kernel-law efficiencies
 * to measured kernel timings.
 *
 *   sglsim calibrate --gpu NAME [--name NEW] [--load FILE.sgl]... [--no-fit]
 *                    [-o OUT.sgl] [--data] TABLE.csv...
 *
 * Reads the tables (calibrate_formats.h), predicts every row with the
 * stdlib kernel law (stdlib/kernels.sgl) on gpu NAME, and fits the gpu's
 * efficiency fields by nonlinear least squares on log-time residuals,
 * class by class (gemm, attention, moe, comm), with Jacobians from the
 * compiler's symbolic derivatives.  Prints a table of errors per class and
 * writes `gpu NEW : NAME { ... }` to OUT.sgl.  Returns the exit status
 * (0 ok, 1 errors in the input, 2 usage).
 */
#ifndef SGL_CALIBRATE_H
#define SGL_CALIBRATE_H
#include <stdbool.h>

typedef struct CalibrateOpts {
	const char *gpu;          /* --gpu NAME */
	const char *name;         /* --name NEW; NULL: NAME_calibrated */
	const char **loads;       /* --load FILE.sgl: modules that may define NAME */
	int nloads;
	const char **data;        /* the tables */
	int ndata;
	const char *out;          /* -o OUT.sgl, or NULL */
	bool no_fit;              /* report the errors of NAME as it is */
	int argc;                 /* the command line, for the -o file's header */
	char **argv;
} CalibrateOpts;

int cmd_calibrate(const CalibrateOpts *o);

#endif
