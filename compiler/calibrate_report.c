/* calibrate_report.c -- the output of `sglsim calibrate` (calibrate_int.h):
 * values as the -o file writes them (4 significant digits, times with a
 * unit), the error statistics and tables per class, and the override file
 * `gpu NEW : NAME { ... }` with the command line and data it came from.
 */
#include "config.h"
#include "calibrate_int.h"
#include "lang/diag.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- numbers */

/* x with 4 significant digits, in plain decimal (no exponent): the
 * digits of printf's correctly rounded %.3e, with the point moved. */
static void fmt4(char *out, size_t n, double x)
{
	if (x == 0 || !isfinite(x)) {
		snprintf(out, n, "%g", x);
		return;
	}
	char e[32];
	snprintf(e, sizeof e, "%.3e", x);
	const char *m = e[0] == '-' ? e + 1 : e;
	char dig[5] = {m[0], m[2], m[3], m[4], 0};
	int ex = atoi(strchr(m, 'e') + 1);
	Buf b = {0};
	if (x < 0) buf_putc(&b, '-');
	if (ex >= 3) {
		buf_puts(&b, dig);
		for (int i = 3; i < ex; i++) buf_putc(&b, '0');
	} else if (ex >= 0) {
		buf_printf(&b, "%.*s.%s", ex + 1, dig, dig + ex + 1);
	} else {
		buf_puts(&b, "0.");
		for (int i = -1; i > ex; i--) buf_putc(&b, '0');
		buf_puts(&b, dig);
	}
	char *dot = strchr(b.s, '.');
	if (dot) {
		char *end = b.s + strlen(b.s);
		while (end > dot + 1 && end[-1] == '0') *--end = 0;
		if (end == dot + 1) *dot = 0;
	}
	snprintf(out, n, "%s", b.s);
	buf_free(&b);
}

/* A field value as the .sgl text the -o file writes (times with a unit)
 * into out; returns the value that text reads back as, exactly as the
 * lexer computes it (digits, then the unit's power of ten). */
double cal_field_text(char *out, size_t n, double v, bool secs)
{
	char d[40];
	if (!secs) {
		fmt4(d, sizeof d, v);
		snprintf(out, n, "%s", d);
		return strtod(d, NULL);
	}
	static const struct { int e; const char *u; } units[] = {{0, "s"}, {-3, "ms"}, {-6, "us"}, {-9, "ns"}};
	int k = 0;
	while (k < 3 && fabs(v) < pow(10, units[k].e)) k++;
	fmt4(d, sizeof d, v / pow(10, units[k].e));
	if (!strcmp(d, "1000") && k > 0) {   /* 999.96 us rounds to 1 ms */
		k--;
		fmt4(d, sizeof d, v / pow(10, units[k].e));
	}
	snprintf(out, n, "%s %s", d, units[k].u);
	char e[80];
	snprintf(e, sizeof e, "%se%d", d, units[k].e);
	return strtod(e, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile of v[0..n) (sorted in place), linearly interpolated. */
static double quantile(double *v, size_t n, double q)
{
	if (n == 0) return NAN;
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n) return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}


/* Median and p90 of the errors |pred/meas - 1| of rows selected by subset
 * s (or, with s < 0, the fitted rows of class cls); eb and ea are pred/meas
 * before and after. */
Stats cal_stats_of(const CalData *d, const double *eb, const double *ea, int s, CalClass cls, size_t *count)
{
	double *b = xmalloc((d->nrows + 1) * sizeof *b), *a = xmalloc((d->nrows + 1) * sizeof *a);
	size_t n = 0;
	double sb = 0, sa = 0;
	for (size_t i = 0; i < d->nrows; i++) {
		const CalSubset *sub = &d->subsets[d->rows[i].subset];
		if (s >= 0 ? (int)d->rows[i].subset != s : !(sub->cls == cls && sub->fitted)) continue;
		sb += log(eb[i]) * log(eb[i]);
		sa += log(ea[i]) * log(ea[i]);
		b[n] = fabs(eb[i] - 1);
		a[n++] = fabs(ea[i] - 1);
	}
	qsort(b, n, sizeof *b, cmp_double);
	qsort(a, n, sizeof *a, cmp_double);
	Stats st = {quantile(b, n, 0.5), quantile(b, n, 0.9), quantile(a, n, 0.5), quantile(a, n, 0.9),
		    n ? sqrt(sb / (double)n) : NAN, n ? sqrt(sa / (double)n) : NAN};
	free(b);
	free(a);
	*count = n;
	return st;
}

static void pct(char *out, size_t n, double x)
{
	if (isnan(x)) snprintf(out, n, "-");
	else snprintf(out, n, "%.1f%%", 100 * x);
}

static void print_row(const char *label, int width, size_t rows, Stats st, bool fit)
{
	char a[32], b[32], c[32], e[32];
	pct(a, sizeof a, st.med_before);
	pct(b, sizeof b, st.p90_before);
	pct(c, sizeof c, st.med_after);
	pct(e, sizeof e, st.p90_after);
	printf("  %-*s %7zu  %19s  %10s", width, label, rows, a, b);
	if (fit) printf("  %12s  %9s", c, e);
	printf("\n");
}

void cal_print_class(const CalData *d, CalClass cls, const double *eb, const double *ea, const ClassResult *res,
			const double *before, const double *after, bool fit)
{
	size_t total = 0;
	int width = (int)strlen("subset");
	for (int s = 0; s < d->nsubsets; s++)
		if (d->subsets[s].cls == cls) {
			total += d->subsets[s].nrows;
			int w = (int)strlen(d->subsets[s].label);
			if (w > width) width = w;
		}
	if (!total) return;
	int nf = 0;
	for (int i = 0; i < NFIELDS; i++) nf += cal_fields[i].cls == cls;
	bool did_fit = fit && res->fitted;
	size_t n;
	Stats all = cal_stats_of(d, eb, ea, -1, cls, &n);
	if (did_fit)
		printf("%s: %d parameters fitted on %zu rows (%zu iterations%s%s; rms log error %.3f -> %.3f)\n",
		       cal_class_names[cls], nf, res->nfit, res->niter, res->stop ? ", " : "", res->stop ? res->stop : "",
		       all.rms_before, all.rms_after);
	else if (fit)
		printf("%s: not fitted (%s); %zu rows\n", cal_class_names[cls],
		       res->nfit ? res->stop : "no rows to fit", total);
	else
		printf("%s: %zu rows (not fitted: --no-fit)\n", cal_class_names[cls], total);
	printf("  %-*s %7s  %19s  %10s", width, "subset", "rows", did_fit ? "median|err| before" : "median|err|",
	       did_fit ? "p90 before" : "p90");
	if (did_fit) printf("  %12s  %9s", "median after", "p90 after");
	printf("\n");
	for (int s = 0; s < d->nsubsets; s++) {
		if (d->subsets[s].cls != cls) continue;
		size_t n;
		Stats st = cal_stats_of(d, eb, ea, s, cls, &n);
		print_row(d->subsets[s].label, width, n, st, did_fit);
	}
	if (n) print_row(n < total ? "all fitted" : "all", width, n, all, did_fit);
	printf("  ");
	bool first = true;
	for (int i = 0; i < NFIELDS; i++) {
		if (cal_fields[i].cls != cls) continue;
		char b[64], a[64];
		cal_field_text(b, sizeof b, before[i], cal_fields[i].secs);
		cal_field_text(a, sizeof a, after[i], cal_fields[i].secs);
		printf("%s%s%s %s", first ? "" : ", ", cal_fields[i].link ? "nvlink." : "", cal_fields[i].name, b);
		if (did_fit) printf(" -> %s%s", a, res->unconstrained[i] ? " (no row depends on it)" : "");
		first = false;
	}
	printf("\n");
}

/* ------------------------------------------------------------ -o file */

/* Path of `to` relative to folder `from` (both absolute and normalized,
 * as realpath gives them). */
static void relative_path(Buf *b, const char *from, const char *to)
{
	size_t common = 0;   /* from[0..common) is a whole-component prefix of to */
	for (size_t i = 0;; i++) {
		if (from[i] == 0 || from[i] == '/') {
			if (strncmp(from, to, i) || to[i] != '/') break;
			common = i;
		}
		if (!from[i]) break;
	}
	for (const char *p = from + common; *p; p++)
		if (*p == '/' && p[1]) buf_puts(b, "../");
	buf_puts(b, to + common + 1);
}

/* The command line as a shell would take it back. */
static void command_line(Buf *b, const CalibrateOpts *o)
{
	buf_puts(b, "sglsim");
	for (int i = 1; i < o->argc; i++) {
		const char *a = o->argv[i];
		bool plain = *a != 0;
		for (const char *p = a; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *p))
				plain = false;
		if (plain) {
			buf_printf(b, " %s", a);
			continue;
		}
		buf_puts(b, " '");
		for (const char *p = a; *p; p++)
			if (*p == '\'') buf_puts(b, "'\\''");
			else buf_putc(b, *p);
		buf_putc(b, '\'');
	}
}

bool cal_write_output(const CalibrateOpts *o, const char *new_name, const GpuInfo *gi, const CalData *d,
			 const double *vals, const ClassResult *res, const Stats *all, const size_t *nall)
{
	Buf b = {0};
	buf_puts(&b, "# Calibrated by: ");
	command_line(&b, o);
	buf_puts(&b, "\n# Data:");
	for (int i = 0; i < o->ndata; i++) buf_printf(&b, "\n#   %s", o->data[i]);
	buf_puts(&b, "\n");
	for (int c = 0; c < CAL_NCLASS; c++)
		if (res[c].fitted)
			buf_printf(&b, "# %s: %zu rows fitted, median |error| %.1f%% -> %.1f%%\n", cal_class_names[c], nall[c],
				   100 * all[c].med_before, 100 * all[c].med_after);
	buf_puts(&b, "import gpus\n");
	char dir[PATH_MAX];
	{
		char tmp[PATH_MAX];
		snprintf(tmp, sizeof tmp, "%s", o->out);
		char *slash = strrchr(tmp, '/');
		if (slash == tmp) tmp[1] = 0;
		else if (slash) *slash = 0;
		else snprintf(tmp, sizeof tmp, ".");
		if (!realpath(tmp, dir)) {
			fprintf(stderr, "sglsim: error: cannot write '%s': %s\n", o->out, strerror(errno));
			buf_free(&b);
			return false;
		}
	}
	for (int i = 0; i < o->nloads; i++) {
		char real[PATH_MAX];
		if (!realpath(o->loads[i], real)) continue;
		buf_puts(&b, "import \"");
		relative_path(&b, dir, real);
		buf_puts(&b, "\"\n");
	}
	buf_printf(&b, "\ngpu %s : %s {\n", new_name, o->gpu);
	for (int i = 0; i < NFIELDS; i++) {
		CalClass c = cal_fields[i].cls;
		if (cal_fields[i].link || !res[c].fitted) continue;
		char txt[64], line[128];
		cal_field_text(txt, sizeof txt, vals[i], cal_fields[i].secs);
		snprintf(line, sizeof line, "  %-12s = %s", cal_fields[i].name, txt);
		buf_printf(&b, "%-30s # %s, %zu rows%s\n", line, cal_class_names[c], res[c].nfit,
			   res[c].unconstrained[i] ? " (none depends on it: unchanged)" : "");
	}
	if (gi->has_link && res[CAL_COMM].fitted) {
		buf_printf(&b, "  nvlink = %s {", gi->link_name);
		const char *sep = " ";
		if (gi->link_bw) {
			buf_printf(&b, " bw = %.17g B/s", gi->link_bw);
			sep = "; ";
		}
		for (int i = 0; i < NFIELDS; i++) {
			if (!cal_fields[i].link) continue;
			char txt[64];
			cal_field_text(txt, sizeof txt, vals[i], cal_fields[i].secs);
			buf_printf(&b, "%s%s = %s", sep, cal_fields[i].name, txt);
			sep = "; ";
		}
		buf_printf(&b, " }   # comm, %zu rows\n", res[CAL_COMM].nfit);
	}
	buf_puts(&b, "}\n");
	FILE *f = fopen(o->out, "w");
	bool ok = f && fwrite(b.s, 1, b.len, f) == b.len;
	if (f && fclose(f) != 0) ok = false;
	if (!ok) fprintf(stderr, "sglsim: error: cannot write '%s': %s\n", o->out, strerror(errno));
	buf_free(&b);
	return ok;
}
