/* fuzz_points.c -- libFuzzer harness for the CSV readers behind
 * `sglsim eval FILE EXPR --points in.csv`.
 *
 * The --points reader is points_read, a static function of compiler/commands.c
 * with its own in-memory table (runtime/csv.c streams; this one holds the
 * file, with its own quoting rules and limits), followed by
 * cell_value for each cell.  To fuzz that very code without changing
 * commands.c, this file includes commands.c and stubs, weakly, the few
 * functions of cmd_eval/cmd_expr/cmd_compile that the fuzz build does not
 * link (the driver session, the JIT, the graph writer); the harness never
 * calls those commands, and a stub that were reached would abort.
 *
 * Each input is a CSV file, written to a per-process file under /tmp:
 *   1. points_read loads it; the harness then walks it the way cmd_eval does:
 *      the header row names the params (a few dimensions are tried), every
 *      later row's cell in each column (missing cells read as "") goes
 *      through cell_value, and every cell of every row is read.
 *   2. The same bytes go through runtime/csv.c's streaming reader
 *      (csv_open, csv_column for every header name, csv_next, csv_number on
 *      every field), which the trace readers, empirical() and calibrate use.
 * Built by `make fuzz`.
 */
#include "compiler/commands.c"
#include "runtime/csv.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include "fuzz_file.h"

/* ------------------------------------------------------------ stubs */

#define UNREACHABLE(name) do { fprintf(stderr, "fuzz_points: stub %s called\n", name); abort(); } while (0)

__attribute__((weak)) void session_open(Session *s, const DriverOpts *o, const char *path)
{ (void)s; (void)o; (void)path; UNREACHABLE("session_open"); }
__attribute__((weak)) void session_close(Session *s)
{ (void)s; UNREACHABLE("session_close"); }
__attribute__((weak)) Jit *jit_compile(const BcProgram *p, char **why)
{ (void)p; (void)why; UNREACHABLE("jit_compile"); }
__attribute__((weak)) Jit *jit_compile_lanes(const BcProgram *p, const bool *uniform, char **why)
{ (void)p; (void)uniform; (void)why; UNREACHABLE("jit_compile_lanes"); }
__attribute__((weak)) Jit *jit_compile_rows(const BcProgram *p, char **why)
{ (void)p; (void)why; UNREACHABLE("jit_compile_rows"); }
__attribute__((weak)) JitScalarFn jit_scalar(const Jit *j)
{ (void)j; UNREACHABLE("jit_scalar"); }
__attribute__((weak)) void jit_eval_rows(const Jit *j, long n, const double *params, double *out)
{ (void)j; (void)n; (void)params; (void)out; UNREACHABLE("jit_eval_rows"); }
__attribute__((weak)) void jit_free(Jit *j)
{ (void)j; UNREACHABLE("jit_free"); }
__attribute__((weak)) int jit_compile_to_file(const BcProgram *p, const char *const *param_names,
					      const char *const *metric_names, const char *const *metric_units,
					      const char *so_path, const char *header_path, const JitLibOpts *lo,
					      char **why)
{
	(void)p; (void)param_names; (void)metric_names; (void)metric_units; (void)so_path;
	(void)header_path; (void)lo; (void)why;
	UNREACHABLE("jit_compile_to_file");
}
__attribute__((weak)) bool graph_format_from_path(const char *path, GraphFormat *f)
{ (void)path; (void)f; UNREACHABLE("graph_format_from_path"); }
__attribute__((weak)) int graph_write(const Dag *g, const NodeId *roots, const char *const *root_names,
				      size_t nroots, const char *path, const GraphOptions *o, char **why)
{
	(void)g; (void)roots; (void)root_names; (void)nroots; (void)path; (void)o; (void)why;
	UNREACHABLE("graph_write");
}
__attribute__((weak)) int graph_write_deps(const char *const *metrics, size_t nm, const char *const *params,
					   size_t np, const uint8_t *uses_param, const uint8_t *uses_metric,
					   const char *path, char **why)
{
	(void)metrics; (void)nm; (void)params; (void)np; (void)uses_param; (void)uses_metric;
	(void)path; (void)why;
	UNREACHABLE("graph_write_deps");
}

/* ------------------------------------------------------------ the harness */


/* The input file (fuzz_file.h). */
static bool write_file(const uint8_t *data, size_t size)
{
	return fuzz_write_file("fuzz_points", "csv", data, size);
}

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_points: check failed: %s\n", #c); abort(); } } while (0)

/* Reads every byte of a string (ASan checks it is whole and terminated). */
static size_t touch(const char *s)
{
	CHECK(s != NULL);
	return strlen(s);
}

/* cmd_eval's walk over the table, with param dimensions that vary by column. */
static void points(void)
{
	Points csv;
	char *err = NULL;
	if (!points_read(fuzz_path, &csv, &err)) {
		CHECK(err != NULL);
		touch(err);
		free(err);
		points_free(&csv);
		return;
	}
	CHECK(csv.nrows >= 0);
	static const char *const units[] = { "1", "s", "B/s", "tok", "FLOP/s", "USD/s" };
	Dim dims[6];
	for (int i = 0; i < 6; i++) {
		double mul, div;
		size_t bo, bl;
		CHECK(unit_parse(units[i], strlen(units[i]), &mul, &div, &dims[i], &bo, &bl));
	}
	for (int row = 0; row < csv.nrows; row++) {
		CHECK(csv.ncols[row] >= 1);
		for (int c = 0; c < csv.ncols[row]; c++) touch(csv.rows[row][c]);
	}
	if (csv.nrows > 0) {
		size_t npoints = (size_t)csv.nrows - 1;
		for (int c = 0; c < csv.ncols[0]; c++) {
			touch(csv.rows[0][c]);
			Dim want = dims[c % 6];
			for (size_t i = 0; i < npoints; i++) {
				int row = (int)i + 1;
				const char *cell = c < csv.ncols[row] ? csv.rows[row][c] : "";
				const char *why = NULL;
				double v = 0;
				if (!cell_value(cell, want, &v, &why)) CHECK(why != NULL);
			}
		}
	}
	points_free(&csv);
}

/* runtime/csv.c's streaming reader over the same file. */
static void stream(void)
{
	Csv c;
	if (!csv_open(&c, fuzz_path)) return;
	CHECK(c.nhead >= 1 && c.nhead <= CSV_MAX_FIELDS);
	for (int i = 0; i < c.nhead; i++) {
		touch(c.head[i]);
		int k = csv_column(&c, c.head[i]);
		CHECK(k >= 0 && k <= i);
	}
	CHECK(csv_column(&c, "\n") == -1); /* no header name holds a newline */
	long prev = c.lineno;
	while (csv_next(&c)) {
		CHECK(c.lineno > prev);
		prev = c.lineno;
		CHECK(c.n >= 1 && c.n <= CSV_MAX_FIELDS);
		for (int i = 0; i < c.n; i++) {
			touch(c.field[i]);
			double v;
			if (csv_number(c.field[i], &v)) CHECK(isfinite(v));
		}
	}
	csv_close(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!write_file(data, size)) return 0;
	points();
	stream();
	return 0;
}
