/* plot.h -- the optimizer's picture: a Pareto front drawn with PLplot.
 *
 * One panel per pair of objectives (one panel for two, three for three,
 * ...), each with the infeasible points as small grey crosses, the
 * feasible points as small blue dots and the front as larger red points
 * joined by a line in order along the panel's x axis.  Axes are labelled
 * with each objective's name and unit.  The output format is chosen by the
 * file name: .svg, .pdf, .ps (PLplot's own drivers).
 *
 * Built when configure finds PLplot (HAVE_PLPLOT); otherwise plot_front
 * fails with a reason.  Errors are heap strings the caller frees.
 */
#ifndef SGL_PLOT_H
#define SGL_PLOT_H
#include <stddef.h>

typedef struct PlotAxis {
	const char *name;     /* objective name, e.g. "throughput" */
	const char *unit;     /* unit the values are in, e.g. "tok/s"; "" for none */
	int maximize;         /* 1: higher is better (said in the label) */
} PlotAxis;

/* y: n x k values, row-major, already in the axes' units.  feasible[i]
 * and front[i] are 0/1 per point.  title may be NULL.  Returns 0, or -1
 * with *why set (no PLplot, unknown extension, k < 2, cannot write). */
int plot_front(const char *path, const char *title, const PlotAxis *axes, size_t k,
	       const double *y, size_t n, const unsigned char *feasible,
	       const unsigned char *front, char **why);

/* Whether this build can plot. */
int plot_available(void);

#endif
