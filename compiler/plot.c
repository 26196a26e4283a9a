/* plot.c -- the Pareto front drawn with PLplot (plot.h).
 *
 * plot_front checks all it can before PLplot sees the request, because
 * PLplot meets its own failures by printing to stderr and calling exit()
 * (plexit), and meets an unknown device name by prompting on stdin: the
 * extension picks the driver, the driver must be in PLplot's list of
 * devices, the file must be creatable (it is created, empty, right away)
 * and its name free of "%n" (PLplot's family member number).  What is
 * left (no driver files, no font files, no memory) reaches an exit handler
 * that jumps back into plot_front (pl_guarded), the only longjmp here: it
 * turns exit() into an error, at the price of the abandoned stream's
 * memory and open file.  One exit stays out of reach: the pdf driver's
 * handler for errors inside libharu calls exit(1) itself.  Operations
 * PLplot merely aborts (plabort) report into a buffer (plsError) and fail
 * the plot, so nothing reaches stderr.
 *
 * The drawing happens in a stream of its own (plmkstrm ... plend1), and
 * the caller's current stream is restored, so a process can plot any
 * number of times.  PLplot is not reentrant, and neither is this file
 * (the trap is process-wide): one plot at a time.  The same input gives
 * the same bytes for svg and pdf; PostScript carries a %%CreationDate.
 *
 * One page, no subpages; every position is worked out in millimetres from
 * the page size PLplot reports.  On svg the page grows with the number of
 * panels and sizes stay put; pdf and ps have a fixed page and every size
 * shrinks with the grid (Job.s):
 *
 *     +-----------------------------------------------------+
 *     |                       title                         |
 *     |   x infeasible (n)   . feasible (n)   o-o front (n)  |  legend row
 *     |  +------------------+     +------------------+      |
 *     |  | y1               |     | y2               |      |  one cell per
 *     |  |     (0, 1)       |     |     (0, 2)       |      |  pair i < j:
 *     |  +------------------+     +------------------+      |  x = i, y = j
 *     |          x0                        x0               |
 *     |  +------------------+                               |
 *     |  | y2   (1, 2)      |                               |
 *     |  +------------------+                               |
 *     |          x1                                         |
 *     +-----------------------------------------------------+
 *
 * Each objective has one window (its finite values' range plus 5%), the
 * same in every panel it appears in.  Points with a NaN or infinite value
 * in a panel's two objectives are left out of it and counted in the
 * legend.  Markers are polygons and strokes in world coordinates, sized
 * in mm, rather than font glyphs, so they look the same in every driver
 * and viewer.  The front is joined by a line along x only for two
 * objectives: a projection of a higher-dimensional front is a cloud, not
 * a curve.
 */
#include "config.h"
#include "plot.h"
#include "runtime/heapstr.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef HAVE_PLPLOT
#include <plplot.h>
#include <setjmp.h>
#endif

/* ------------------------------------------------------------ errors */


#ifndef HAVE_PLPLOT

int plot_front(const char *path, const char *title, const PlotAxis *axes, size_t k,
	       const double *y, size_t n, const unsigned char *feasible,
	       const unsigned char *front, char **why)
{
	(void)path, (void)title, (void)axes, (void)k, (void)y, (void)n, (void)feasible, (void)front;
	return heap_fail(why, "this sglsim was built without PLplot "
		    "(install libplplot-dev and re-run ./configure)");
}

int plot_available(void) { return 0; }

#else /* HAVE_PLPLOT */

int plot_available(void) { return 1; }

/* ------------------------------------------------------------ look */

/* Page size of a two-objective plot in svg pixels; a larger grid gets
 * CELL_W x CELL_H of them a panel, plus HEAD_H for the title and legend.
 * pdf and ps keep their own page and scale every size to it (Job.s). */
enum { PAGE_W = 800, PAGE_H = 600, CELL_W = 460, CELL_H = 380, HEAD_H = 70 };

/* Colour map 0 entries, set by plscol0. */
enum { C_PAPER, C_INK, C_GRID, C_INFEASIBLE, C_FEASIBLE, C_FRONT, C_COUNT };
static const unsigned char palette[C_COUNT][3] = {
	[C_PAPER] = { 255, 255, 255 },
	[C_INK] = { 0, 0, 0 },
	[C_GRID] = { 225, 225, 225 },
	[C_INFEASIBLE] = { 150, 150, 150 },
	[C_FEASIBLE] = { 31, 119, 180 },
	[C_FRONT] = { 214, 39, 40 },
};

/* Sizes in mm on the svg page, where PLplot takes 90 pixels to the inch;
 * other drivers' pages are measured differently (pdf draws a 50-inch
 * canvas and shrinks it onto A4), so draw() scales these by Job.s. */
#define SVG_MM_PER_UNIT (25.4 / 90)
#define CHAR_MM 3.0          /* character height */
#define TICK_MAJ_MM 2.0
#define TICK_MIN_MM 1.0
#define DOT_MM 0.55          /* feasible point: radius */
#define CROSS_MM 0.65        /* infeasible point: half the arm */
#define FRONT_MM 1.05        /* front point: radius */
#define MARGIN 0.05          /* of the range, each side */

/* Point classes, in drawing order. */
enum { P_INFEASIBLE, P_FEASIBLE, P_FRONT, P_CLASSES };
static const char *const class_name[P_CLASSES] = { "infeasible", "feasible", "Pareto front" };

static const struct {
	const char *ext;
	const char *device;
} formats[] = {
	{ "svg", "svg" },
	{ "pdf", "pdf" },
	{ "ps", "psc" },
};
#define NFORMATS (sizeof formats / sizeof *formats)

/* ------------------------------------------------------------ the job */

typedef struct {
	double x, y;
	size_t i;
} FrontPt;

/* Everything one plot needs, allocated before PLplot starts so that the
 * exit trap can free it all. */
typedef struct {
	const char *path, *device;
	const PlotAxis *axes;
	size_t k, n;
	const double *y;
	unsigned char *cls;        /* n: P_* per point */
	double *lo, *hi;           /* k: each objective's window */
	char **label;              /* k: axis labels, PLplot-escaped */
	char *title;               /* PLplot-escaped, or NULL */
	char *legend[P_CLASSES + 1]; /* entries; the last one says what is not shown */
	FrontPt *front;            /* n: one panel's front points */
	PLFLT *fx, *fy;            /* n: the same, as PLplot's arrays */
	size_t cols, rows;         /* panel grid */
	PLINT width, height;       /* page, in the driver's units */
	double s;                  /* sizes: the page's mm per svg mm */
	double lw;                 /* plwidth per svg pixel of line width */
	int have_device;
	PLINT strm, caller_strm;
} Job;

static void job_free(Job *j)
{
	if (j->label)
		for (size_t a = 0; a < j->k; a++) free(j->label[a]);
	free(j->label);
	free(j->title);
	for (size_t c = 0; c <= P_CLASSES; c++) free(j->legend[c]);
	free(j->cls);
	free(j->lo);
	free(j->hi);
	free(j->front);
	free(j->fx);
	free(j->fy);
}

/* A heap copy of text with PLplot's escape character '#' doubled. */
static char *pl_escape(const char *text)
{
	size_t len = 0;
	for (const char *p = text; *p; p++) len += *p == '#' ? 2 : 1;
	char *out = malloc(len + 1), *q = out;
	if (!out) abort();
	for (const char *p = text; *p; p++) {
		*q++ = *p;
		if (*p == '#') *q++ = '#';
	}
	*q = 0;
	return out;
}

/* "name (unit) (max)"; the unit part is left out when empty. */
static char *axis_label(const PlotAxis *ax)
{
	const char *name = ax->name && *ax->name ? ax->name : "?";
	const char *sense = ax->maximize ? "max" : "min";
	char *raw = ax->unit && *ax->unit ? heap_printf("%s (%s) (%s)", name, ax->unit, sense)
					  : heap_printf("%s (%s)", name, sense);
	char *out = pl_escape(raw);
	free(raw);
	return out;
}

/* The window of objective a: its finite values' range widened by MARGIN
 * each side; a single value v gets v +- 1% (+-1 for 0), no value 0..1. */
static void axis_window(const double *y, size_t n, size_t k, size_t a, double *lo, double *hi)
{
	double mn = INFINITY, mx = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		double v = y[i * k + a];
		if (!isfinite(v)) continue;
		if (v < mn) mn = v;
		if (v > mx) mx = v;
	}
	if (mn > mx) {
		*lo = 0, *hi = 1;
		return;
	}
	if (mn == mx) {
		double d = mn == 0 ? 1 : fabs(mn) * 0.01;
		*lo = mn - d, *hi = mx + d;
		return;
	}
	double pad = (mx - mn) * MARGIN;
	if (!isfinite(pad)) pad = 0;
	*lo = mn - pad, *hi = mx + pad;
}

static int job_init(Job *j, const char *title, const double *y, const unsigned char *feasible,
		    const unsigned char *front)
{
	size_t n = j->n, k = j->k;
	j->y = y;
	j->cls = malloc(n ? n : 1);
	j->lo = malloc(k * sizeof *j->lo);
	j->hi = malloc(k * sizeof *j->hi);
	j->label = calloc(k, sizeof *j->label);
	j->front = malloc((n ? n : 1) * sizeof *j->front);
	j->fx = malloc((n ? n : 1) * sizeof *j->fx);
	j->fy = malloc((n ? n : 1) * sizeof *j->fy);
	if (!j->cls || !j->lo || !j->hi || !j->label || !j->front || !j->fx || !j->fy) return -1;

	size_t count[P_CLASSES] = { 0 }, hidden = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = front && front[i] ? P_FRONT
				  : !feasible || feasible[i] ? P_FEASIBLE : P_INFEASIBLE;
		j->cls[i] = c;
		size_t a = 0;
		while (a < k && isfinite(y[i * k + a])) a++;
		if (a == k) count[c]++;
		else hidden++;
	}
	for (size_t c = 0; c < P_CLASSES; c++)
		j->legend[c] = heap_printf("%s (%zu)", class_name[c], count[c]);
	if (hidden)
		j->legend[P_CLASSES] = heap_printf("%zu with NaN or infinite values", hidden);
	for (size_t a = 0; a < k; a++) {
		axis_window(y, n, k, a, &j->lo[a], &j->hi[a]);
		j->label[a] = axis_label(&j->axes[a]);
	}
	if (title && *title) j->title = pl_escape(title);

	size_t pairs = k * (k - 1) / 2;
	j->cols = 1;
	while (j->cols * j->cols < pairs) j->cols++;
	j->rows = (pairs + j->cols - 1) / j->cols;
	if (pairs == 1) {
		j->width = PAGE_W, j->height = PAGE_H;
	} else {
		j->width = (PLINT)(j->cols * CELL_W);
		j->height = (PLINT)(j->rows * CELL_H + HEAD_H);
	}
	return 0;
}

/* ------------------------------------------------------------ drawing */

/* Colour c, line width w in svg pixels. */
static void pen(const Job *j, int c, double w)
{
	plcol0(c);
	plwidth(w * j->lw);
}

/* A filled regular polygon of `sides` around (x, y); rx, ry: radius in
 * world units along each axis. */
static void mark_dot(double x, double y, double rx, double ry, int sides)
{
	PLFLT px[24], py[24];
	for (int i = 0; i < sides; i++) {
		double t = 6.283185307179586 * i / sides;
		px[i] = x + rx * cos(t);
		py[i] = y + ry * sin(t);
	}
	plfill(sides, px, py);
}

static void mark_cross(double x, double y, double rx, double ry)
{
	pljoin(x - rx, y - ry, x + rx, y + ry);
	pljoin(x - rx, y + ry, x + rx, y - ry);
}

/* One marker of class c at (x, y) in its colour; mx, my: world units per
 * svg mm. */
static void mark(const Job *j, int c, double x, double y, double mx, double my)
{
	switch (c) {
	case P_INFEASIBLE:
		pen(j, C_INFEASIBLE, 0.9);
		mark_cross(x, y, CROSS_MM * mx, CROSS_MM * my);
		break;
	case P_FEASIBLE:
		pen(j, C_FEASIBLE, 0.4);
		mark_dot(x, y, DOT_MM * mx, DOT_MM * my, 10);
		break;
	default:
		pen(j, C_FRONT, 0.4);
		mark_dot(x, y, FRONT_MM * mx, FRONT_MM * my, 16);
		break;
	}
}

static int front_cmp(const void *pa, const void *pb)
{
	const FrontPt *a = pa, *b = pb;
	if (a->x != b->x) return a->x < b->x ? -1 : 1;
	if (a->y != b->y) return a->y < b->y ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* Page size in mm, for converting to normalized coordinates. */
typedef struct {
	double w, h;
} Page;

/* Sets the viewport to the mm rectangle [x0, x1] x [y0, y1] of the page. */
static void viewport_mm(const Page *pg, double x0, double x1, double y0, double y1)
{
	plvpor(x0 / pg->w, x1 / pg->w, y0 / pg->h, y1 / pg->h);
}

/* The panel of objectives a (x) and b (y) in the mm rectangle given. */
static void draw_panel(Job *j, const Page *pg, size_t a, size_t b, double x0, double x1,
		       double y0, double y1)
{
	viewport_mm(pg, x0, x1, y0, y1);
	plwind(j->lo[a], j->hi[a], j->lo[b], j->hi[b]);
	pen(j, C_GRID, 0.6);
	plbox("g", 0, 0, "g", 0, 0);
	pen(j, C_INK, 0.9);
	plbox("bcnst", 0, 0, "bcnstv", 0, 0);
	plmtex("b", 3.0, 0.5, 0.5, j->label[a]);
	plmtex("l", 6.6, 0.5, 0.5, j->label[b]);

	double mx = (j->hi[a] - j->lo[a]) / (x1 - x0) * j->s;
	double my = (j->hi[b] - j->lo[b]) / (y1 - y0) * j->s;
	const double *y = j->y;
	size_t k = j->k, nf = 0;
	for (int c = P_INFEASIBLE; c < P_FRONT; c++)
		for (size_t i = 0; i < j->n; i++) {
			double px = y[i * k + a], py = y[i * k + b];
			if (j->cls[i] == c && isfinite(px) && isfinite(py)) mark(j, c, px, py, mx, my);
		}
	for (size_t i = 0; i < j->n; i++) {
		double px = y[i * k + a], py = y[i * k + b];
		if (j->cls[i] == P_FRONT && isfinite(px) && isfinite(py))
			j->front[nf++] = (FrontPt){ px, py, i };
	}
	if (!nf) return;
	qsort(j->front, nf, sizeof *j->front, front_cmp);
	for (size_t i = 0; i < nf; i++) j->fx[i] = j->front[i].x, j->fy[i] = j->front[i].y;
	if (j->k == 2 && nf > 1) {
		pen(j, C_FRONT, 1.3);
		plline((PLINT)nf, j->fx, j->fy);
	}
	for (size_t i = 0; i < nf; i++) mark(j, P_FRONT, j->fx[i], j->fy[i], mx, my);
}

/* The legend row centred on the page at height yc (mm).  Text widths are
 * estimated (PLplot has no public string-width call): an average glyph is
 * about 0.62 character heights wide. */
static void draw_legend(Job *j, const Page *pg, double yc)
{
	const double s = j->s, glyph = 0.62 * CHAR_MM * s, key = 7.0 * s, gap = 1.5 * s;
	const double sep = 8.0 * s;
	double width[P_CLASSES + 1], total = 0;
	size_t m = j->legend[P_CLASSES] ? P_CLASSES + 1 : P_CLASSES;
	for (size_t c = 0; c < m; c++) {
		width[c] = (c < P_CLASSES ? key + gap : 0) + glyph * (double)strlen(j->legend[c]);
		total += width[c] + (c ? sep : 0);
	}
	viewport_mm(pg, 0, pg->w, 0, pg->h);
	plwind(0, pg->w, 0, pg->h);
	double x = (pg->w - total) / 2;
	if (x < 2 * s) x = 2 * s;
	for (size_t c = 0; c < m; c++) {
		double tx = x;
		if (c < P_CLASSES) {
			if (c == P_FRONT && j->k == 2) {
				pen(j, C_FRONT, 1.3);
				pljoin(x, yc, x + key, yc);
			}
			mark(j, (int)c, x + key / 2, yc, s, s);
			tx = x + key + gap;
		}
		pen(j, C_INK, 1);
		plptex(tx, yc, 1, 0, 0, j->legend[c]);
		x += width[c] + sep;
	}
}

static void draw(Job *j)
{
	for (int c = 0; c < C_COUNT; c++)
		plscol0(c, palette[c][0], palette[c][1], palette[c][2]);
	plscolbg(palette[C_PAPER][0], palette[C_PAPER][1], palette[C_PAPER][2]);
	plsdev(j->device);
	plsfnam(j->path);
	plsori(0);
	/* Only the svg driver takes a page size: pdf draws on a fixed canvas
	 * shrunk to A4, and ps stretches its page to the size given (round
	 * dots come out oval), so both keep their own landscape page. */
	if (!strcmp(j->device, "svg")) plspage(0, 0, j->width, j->height, 0, 0);
	plinit();
	pladv(0);

	/* The page as PLplot measures it, and the scale of sizes and lines
	 * against the svg page (1 on it). */
	Page pg;
	PLFLT sx0, sx1, sy0, sy1, xp, yp;
	PLINT xlen, ylen, xoff, yoff;
	plgspa(&sx0, &sx1, &sy0, &sy1);
	pg.w = sx1 - sx0, pg.h = sy1 - sy0;
	plgpage(&xp, &yp, &xlen, &ylen, &xoff, &yoff);
	double mm_per_unit = fmin(pg.w / j->width, pg.h / j->height);
	j->s = mm_per_unit / SVG_MM_PER_UNIT;
	j->lw = j->s * SVG_MM_PER_UNIT * xlen / pg.w;
	double ch = CHAR_MM * j->s;
	plschr(ch, 1.0);
	plsmaj(TICK_MAJ_MM * j->s, 1.0);
	plsmin(TICK_MIN_MM * j->s, 1.0);
	plsxax(6, 0);
	plsyax(5, 0);

	double top = pg.h - 1.2 * ch;
	if (j->title) {
		viewport_mm(&pg, 0, pg.w, 0, pg.h);
		plwind(0, pg.w, 0, pg.h);
		pen(j, C_INK, 1);
		plschr(0, 1.25);
		plptex(pg.w / 2, top - 0.6 * ch, 1, 0, 0.5, j->title);
		plschr(0, 1.0);
		top -= 2.6 * ch;
	}
	draw_legend(j, &pg, top - 0.5 * ch);
	top -= 2.2 * ch;

	/* margins of a panel inside its cell, in character heights */
	const double left = 8.6, right = 4.0, bottom = 4.5, above = 2.4;
	double cw = pg.w / (double)j->cols, chh = top / (double)j->rows;
	size_t p = 0;
	for (size_t a = 0; a < j->k; a++)
		for (size_t b = a + 1; b < j->k; b++, p++) {
			double cx = cw * (double)(p % j->cols);
			double cy = top - chh * (double)(p / j->cols + 1);
			draw_panel(j, &pg, a, b, cx + left * ch, cx + cw - right * ch,
				   cy + bottom * ch, cy + chh - above * ch);
		}
}

/* ------------------------------------------------------------ PLplot's exit */

/* plexit() calls the handler and then exit(); the handler jumps back to
 * pl_guarded instead, so the process lives.  Not reentrant. */
static jmp_buf *pl_trap;
static char pl_trap_msg[512];

/* Where plabort reports instead of stderr (plsError).  Static, not in the
 * Job: a stream abandoned by the trap keeps pointing here. */
static PLINT pl_errcode;
static char pl_errmsg[2048];

static int pl_on_exit(const char *msg)
{
	snprintf(pl_trap_msg, sizeof pl_trap_msg, "%s", msg && *msg ? msg : "unknown error");
	if (pl_trap) longjmp(*pl_trap, 1);
	return 1;
}

/* Runs step(j) with PLplot's exit() turned into an error, then makes the
 * caller's stream current again.  0, or -1 with *why set.  A stream that
 * step left half-made is abandoned, not closed (closing it may call exit
 * again), and so is its file.  step must keep what it allocates in j.
 * The exit handler is reset to none afterwards: sglsim sets none. */
static int pl_guarded(void (*step)(Job *j), Job *j, char **why)
{
	jmp_buf trap;
	plgstrm(&j->caller_strm);
	if (setjmp(trap)) {
		pl_trap = NULL;
		plsexit(NULL);
		plsstrm(j->caller_strm);
		return heap_fail(why, "PLplot: %s", pl_trap_msg);
	}
	pl_trap = &trap;
	plsexit(pl_on_exit);
	step(j);
	pl_trap = NULL;
	plsexit(NULL);
	plsstrm(j->caller_strm);
	return 0;
}

/* Sets j->have_device: whether PLplot knows j->device. */
static void step_find_device(Job *j)
{
	const char *menu[128], *names[128];
	const char **mp = menu, **np = names;
	int nd = (int)(sizeof names / sizeof *names);
	plgDevs(&mp, &np, &nd);
	j->have_device = 0;
	for (int i = 0; i < nd; i++)
		if (names[i] && !strcmp(names[i], j->device)) j->have_device = 1;
}

/* Draws j in a new stream; sets j->strm (-1: no stream free) and, through
 * plsError, pl_errcode and pl_errmsg. */
static void step_draw(Job *j)
{
	plmkstrm(&j->strm);
	if (j->strm < 0) return;
	pl_errcode = 0;
	pl_errmsg[0] = 0;
	plsError(&pl_errcode, pl_errmsg);
	draw(j);
	plend1();
}

/* ------------------------------------------------------------ entry */

int plot_front(const char *path, const char *title, const PlotAxis *axes, size_t k,
	       const double *y, size_t n, const unsigned char *feasible,
	       const unsigned char *front, char **why)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	const char *device = NULL;
	if (dot && (!slash || dot > slash))
		for (size_t f = 0; f < NFORMATS; f++)
			if (!strcasecmp(dot + 1, formats[f].ext)) device = formats[f].device;
	if (!device)
		return heap_fail(why, "cannot tell the plot format of %s: use .svg, .pdf or .ps", path);
	if (k < 2) return heap_fail(why, "a plot needs at least two objectives");
	if (strstr(path, "%n"))
		return heap_fail(why, "cannot write %s: PLplot reads %%n in a file name as a page number", path);

	/* PLplot prompts on stdin for a device it lacks and calls exit() when
	 * it cannot open the file: check both first. */
	Job j = { .path = path, .device = device, .axes = axes, .k = k, .n = n };
	if (pl_guarded(step_find_device, &j, why) != 0) return -1;
	if (!j.have_device)
		return heap_fail(why, "PLplot has no %s driver here (install the PLplot drivers package)",
			    device);
	FILE *f = fopen(path, "wb");
	if (!f) return heap_fail(why, "cannot write %s: %s", path, strerror(errno));
	fclose(f);

	int rc = job_init(&j, title, y, feasible, front);
	if (rc != 0) {
		heap_fail(why, "cannot plot %s: out of memory", path);
	} else if ((rc = pl_guarded(step_draw, &j, why)) != 0) {
		/* *why is set */
	} else if (j.strm < 0) {
		rc = heap_fail(why, "PLplot: no free stream");
	} else if (pl_errcode) {
		char *m = pl_errmsg;
		while (*m == '\n' || *m == ' ') m++;
		size_t len = strlen(m);
		while (len && m[len - 1] == '\n') m[--len] = 0;
		rc = heap_fail(why, "PLplot: %s", *m ? m : "drawing failed");
	}
	job_free(&j);
	if (rc != 0) remove(path);
	return rc;
}

#endif /* HAVE_PLPLOT */
