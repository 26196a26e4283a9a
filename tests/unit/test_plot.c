/* test_plot.c -- Pareto front plots (compiler/plot.h): SVG files that are
 * well-formed XML and carry the axis labels, one panel per objective pair,
 * the error messages (no PLplot, unknown extension, k < 2, unwritable
 * path) without the process dying, and the same bytes for the same input. */
#include "config.h"
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "compiler/plot.h"
#include "helpers.h"

#define N 60

static const PlotAxis axes[3] = {
	{ "throughput", "tok/s", 1 },
	{ "p99 latency", "ms", 0 },
	{ "cost", "", 0 },
};

/* A small cloud of N points, 3 objectives: a front along a curve, the
 * rest feasible or not, and one point with a NaN. */
typedef struct {
	double y3[N * 3], y2[N * 2];
	unsigned char feasible[N], front[N];
	char dir[64], path[128];
} Fixture;

static void fixture_init(Fixture *f)
{
	for (int i = 0; i < N; i++) {
		double t = i / (double)(N - 1);
		double thr = 1000 + 9000 * t, lat = 20 + 300 * t * t + (i % 3) * 40;
		f->y3[i * 3] = thr, f->y3[i * 3 + 1] = lat, f->y3[i * 3 + 2] = 1 + (i % 7);
		f->y2[i * 2] = thr, f->y2[i * 2 + 1] = lat;
		f->feasible[i] = i % 5 != 4;
		f->front[i] = i % 3 == 0 && f->feasible[i];
	}
	f->y3[7 * 3 + 1] = NAN;
	f->y2[7 * 2 + 1] = NAN;
	strcpy(f->dir, "/tmp/sglplotXXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
}

static void fixture_free(Fixture *f)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	cr_expect_eq(system(cmd), 0);
}

static const char *in_dir(Fixture *f, const char *file)
{
	snprintf(f->path, sizeof f->path, "%s/%s", f->dir, file);
	return f->path;
}

#ifndef HAVE_PLPLOT

Test(plot, without_plplot_says_so)
{
	Fixture f;
	fixture_init(&f);
	char *why = NULL;
	cr_expect_eq(plot_available(), 0);
	cr_expect_eq(plot_front(in_dir(&f, "a.svg"), NULL, axes, 2, f.y2, N, f.feasible, f.front,
				&why), -1);
	cr_expect_str_eq(why, "this sglsim was built without PLplot "
			      "(install libplplot-dev and re-run ./configure)");
	free(why);
	cr_expect_eq(access(f.path, F_OK), -1, "%s was written", f.path);
	fixture_free(&f);
}

#else


/* Whether text is well-formed enough for an XML parser: every element
 * closed in order, no stray '<' or '&' in text or attribute values.  Not
 * a full parser; enough for what PLplot's svg driver writes. */
static int xml_well_formed(const char *s, char *err, size_t errlen)
{
	const char *stack[256];
	size_t lens[256], depth = 0;
	int seen_root = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '&') {
			size_t m = strspn(p + 1, "#xabcdefABCDEF0123456789ghijklmnopqrstuvwyzGHIJKLMNOPQRSTUVWYZ");
			if (m == 0 || p[1 + m] != ';') {
				snprintf(err, errlen, "bare '&' at byte %td", p - s);
				return 0;
			}
			continue;
		}
		if (*p != '<') continue;
		const char *q = p + 1;
		if (*q == '?' || *q == '!') {
			const char *e = strchr(q, '>');
			if (!e) break;
			p = e;
			continue;
		}
		int closing = *q == '/';
		if (closing) q++;
		size_t nl = strcspn(q, " \t\r\n/>");
		/* find the end of the tag, skipping quoted attribute values */
		const char *e = q + nl;
		char quote = 0;
		for (; *e && (quote || *e != '>'); e++) {
			if (quote && *e == '<') {
				snprintf(err, errlen, "'<' inside an attribute at byte %td", e - s);
				return 0;
			}
			if (*e == '"' || *e == '\'') quote = quote == *e ? 0 : quote ? quote : *e;
		}
		if (!*e) {
			snprintf(err, errlen, "unterminated tag at byte %td", p - s);
			return 0;
		}
		if (closing) {
			if (!depth || lens[depth - 1] != nl || strncmp(stack[depth - 1], q, nl)) {
				snprintf(err, errlen, "</%.*s> closes nothing at byte %td", (int)nl, q, p - s);
				return 0;
			}
			depth--;
		} else if (e[-1] != '/') {
			if (depth == 256) return 0;
			if (!depth && seen_root) {
				snprintf(err, errlen, "second root element at byte %td", p - s);
				return 0;
			}
			stack[depth] = q, lens[depth] = nl, depth++;
			seen_root = 1;
		}
		p = e;
	}
	if (depth || !seen_root) {
		snprintf(err, errlen, "%zu elements left open", depth);
		return 0;
	}
	return 1;
}

/* text as PLplot's svg driver writes it: one character reference per
 * character (ASCII only here). */
static char *svg_text(const char *text)
{
	size_t n = strlen(text);
	char *out = malloc(n * 7 + 1), *q = out;
	for (size_t i = 0; i < n; i++) q += sprintf(q, "&#x%x;", (unsigned char)text[i]);
	*q = 0;
	return out;
}

static int contains_text(const char *svg, const char *text)
{
	char *want = svg_text(text);
	int found = strstr(svg, want) != NULL;
	free(want);
	return found;
}

static int count(const char *text, const char *needle)
{
	int k = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) k++;
	return k;
}

/* Whether svg has a number printed as nan or inf (the words themselves,
 * not inside a longer one like "dominant"). */
static int has_nonfinite(const char *svg)
{
	const char *words[] = { "nan", "inf" };
	for (size_t w = 0; w < 2; w++)
		for (const char *p = strstr(svg, words[w]); p; p = strstr(p + 1, words[w]))
			if (p == svg || !((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z')))
				return 1;
	return 0;
}

/* How many times text appears in svg. */
static int count_text(const char *svg, const char *text)
{
	char *want = svg_text(text);
	int k = 0;
	for (const char *p = strstr(svg, want); p; p = strstr(p + 1, want)) k++;
	free(want);
	return k;
}

/* Plots into file in f's folder and returns the file's bytes (free them). */
static char *plot_and_read(Fixture *f, const char *file, const char *title, size_t k,
			   size_t *len)
{
	char *why = NULL;
	const double *y = k == 2 ? f->y2 : f->y3;
	int rc = plot_front(in_dir(f, file), title, axes, k, y, N, f->feasible, f->front, &why);
	cr_assert_eq(rc, 0, "plot_front(%s) failed: %s", file, why ? why : "(no message)");
	cr_assert_null(why);
	char *bytes = test_slurp(f->path, len);
	cr_assert_not_null(bytes, "%s was not written", f->path);
	return bytes;
}

static void expect_svg(const char *svg)
{
	char err[160];
	cr_expect(!strncmp(svg, "<?xml", 5) || !strncmp(svg, "<svg", 4), "starts %.20s", svg);
	cr_expect(xml_well_formed(svg, err, sizeof err), "not well-formed XML: %s", err);
	cr_expect(strstr(svg, "<svg"), "no <svg> element");
}

Test(plot, xml_check_rejects_broken_text)
{
	char err[160];
	cr_expect(xml_well_formed("<?xml version=\"1.0\"?>\n<svg a=\"1\"><g><x/></g>&#x41;</svg>",
				  err, sizeof err), "%s", err);
	const char *bad[] = { "<svg><g></svg>", "<svg>", "<svg a=\"<\"/>", "<svg>&</svg>",
			      "<svg></svg><svg></svg>", "<svg><g", "" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_expect(!xml_well_formed(bad[i], err, sizeof err), "accepted %s", bad[i]);
}

Test(plot, available)
{
	cr_expect_eq(plot_available(), 1);
}

Test(plot, two_objectives_svg)
{
	Fixture f;
	fixture_init(&f);
	char *svg = plot_and_read(&f, "front2.svg", "two objectives", 2, NULL);
	expect_svg(svg);
	cr_expect(contains_text(svg, "throughput (tok/s) (max)"), "x label missing");
	cr_expect(contains_text(svg, "p99 latency (ms) (min)"), "y label missing");
	cr_expect(contains_text(svg, "two objectives"), "title missing");
	cr_expect(contains_text(svg, "Pareto front (16)"), "legend count missing");
	cr_expect(contains_text(svg, "1 with NaN or infinite values"), "NaN count missing");
	cr_expect(!contains_text(svg, "cost"), "a third objective was drawn");
	cr_expect(!has_nonfinite(svg), "a NaN reached the file");
	/* one filled polygon per drawn point, plus the legend's */
	int blue = 1, red = 1, grey = 1;
	for (int i = 0; i < N; i++) {
		if (isnan(f.y2[i * 2 + 1])) continue;
		if (f.front[i]) red++;
		else if (f.feasible[i]) blue++;
		else grey++;
	}
	cr_expect_eq(count(svg, "fill=\"#1F77B4\""), blue);
	cr_expect_eq(count(svg, "fill=\"#D62728\""), red);
	cr_expect_eq(count(svg, "stroke=\"#969696\""), 2 * grey);   /* a cross is two strokes */
	free(svg);
	fixture_free(&f);
}

Test(plot, three_objectives_one_panel_per_pair)
{
	Fixture f;
	fixture_init(&f);
	char *svg = plot_and_read(&f, "front3.svg", NULL, 3, NULL);
	expect_svg(svg);
	/* pairs (0,1), (0,2), (1,2): each objective labels two panels */
	cr_expect_eq(count_text(svg, "throughput (tok/s) (max)"), 2);
	cr_expect_eq(count_text(svg, "p99 latency (ms) (min)"), 2);
	cr_expect_eq(count_text(svg, "cost (min)"), 2);
	free(svg);
	fixture_free(&f);
}

Test(plot, same_input_same_bytes)
{
	Fixture f;
	fixture_init(&f);
	size_t la, lb, lc, ld;
	char *a = plot_and_read(&f, "a.svg", "t", 3, &la);
	char *b = plot_and_read(&f, "b.svg", "t", 3, &lb);
	cr_expect(la == lb && !memcmp(a, b, la), "two plots of the same input differ");
	char *c = plot_and_read(&f, "c.pdf", "t", 2, &lc);
	char *d = plot_and_read(&f, "d.pdf", "t", 2, &ld);
	cr_expect(!strncmp(c, "%PDF", 4));
	cr_expect(lc == ld && !memcmp(c, d, lc), "two PDFs of the same input differ");
	free(a), free(b), free(c), free(d);
	fixture_free(&f);
}

Test(plot, odd_labels_and_data_stay_well_formed)
{
	Fixture f;
	fixture_init(&f);
	PlotAxis odd[2] = { { "a#b <&> \"q\"", "x/y", 1 }, { "same", "", 0 } };
	double y[6] = { 5, 3, 5, 3, INFINITY, 3 };   /* both objectives degenerate */
	char *why = NULL;
	cr_assert_eq(plot_front(in_dir(&f, "odd.svg"), "#u title", odd, 2, y, 3, NULL, NULL, &why),
		     0, "%s", why);
	char *svg = test_slurp(f.path, NULL);
	expect_svg(svg);
	cr_expect(contains_text(svg, "#u title"), "'#' not kept literally");
	free(svg);
	/* and no points at all */
	cr_assert_eq(plot_front(in_dir(&f, "empty.svg"), NULL, axes, 2, y, 0, NULL, NULL, &why), 0,
		     "%s", why);
	svg = test_slurp(f.path, NULL);
	expect_svg(svg);
	free(svg);
	fixture_free(&f);
}

Test(plot, unwritable_path_fails_and_lives)
{
	Fixture f;
	fixture_init(&f);
	char *why = NULL;
	int rc = plot_front("/nonexistent/dir/x.svg", NULL, axes, 2, f.y2, N, f.feasible, f.front,
			    &why);
	cr_expect_eq(rc, -1);
	cr_expect_str_eq(why, "cannot write /nonexistent/dir/x.svg: No such file or directory");
	free(why);
	/* a directory where the file should be */
	char path[160];
	snprintf(path, sizeof path, "%s/d.svg", f.dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	why = NULL;
	cr_expect_eq(plot_front(path, NULL, axes, 2, f.y2, N, f.feasible, f.front, &why), -1);
	cr_expect(why && strstr(why, "cannot write"), "%s", why);
	free(why);
	/* PLplot still works afterwards */
	char *svg = plot_and_read(&f, "after.svg", NULL, 2, NULL);
	expect_svg(svg);
	free(svg);
	fixture_free(&f);
}

#endif /* HAVE_PLPLOT */

Test(plot, unknown_extension)
{
	Fixture f;
	fixture_init(&f);
	const char *paths[] = { "x.png", "x", "dir.svg/x", "x.svg.txt" };
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		char *why = NULL;
		cr_expect_eq(plot_front(in_dir(&f, paths[i]), NULL, axes, 2, f.y2, N, f.feasible,
					f.front, &why), -1);
#ifdef HAVE_PLPLOT
		char want[200];
		snprintf(want, sizeof want, "cannot tell the plot format of %s: use .svg, .pdf or .ps",
			 f.path);
		cr_expect_str_eq(why, want);
#endif
		cr_expect_eq(access(f.path, F_OK), -1, "%s was written", f.path);
		free(why);
	}
	fixture_free(&f);
}

Test(plot, needs_two_objectives)
{
	Fixture f;
	fixture_init(&f);
	char *why = NULL;
	cr_expect_eq(plot_front(in_dir(&f, "one.svg"), NULL, axes, 1, f.y2, N, f.feasible, f.front,
				&why), -1);
#ifdef HAVE_PLPLOT
	cr_expect_str_eq(why, "a plot needs at least two objectives");
#endif
	cr_expect_eq(access(f.path, F_OK), -1, "%s was written", f.path);
	free(why);
	fixture_free(&f);
}
