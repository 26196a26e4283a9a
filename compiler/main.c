/* main.c -- the sglsim command line.
 *
 *   sglsim check FILE...      parse and check
 *   sglsim run FILE...        check, then execute the statements
 *   sglsim optimize FILE...   run, searching with each optimize statement
 *   sglsim expr FILE EXPR...  print the simplified formula (or derivative)
 *   sglsim eval FILE EXPR...  evaluate at a point or at every CSV row
 *   sglsim graph FILE EXPR... -o OUT   draw formulas
 *   sglsim compile FILE [EXPR...] -o LIB.so   native library (C ABI)
 *   sglsim calibrate --gpu G TABLE.csv...  fit G's kernel efficiencies to timings
 *   sglsim doc TABLE          print a reference table (fields, units, ...)
 *   sglsim fmt FILE...        the canonical layout (fmt_cmd.c, lang/fmt.c)
 *
 * Options: -D name=value (repeatable), --dump-ast (check), -h/--help,
 * --version; each command's --help and doc/sglsim.1 list the rest.  FILE
 * may be "-" for standard input.  Exit status: 0 ok, 1 errors in the
 * input, 2 usage errors, 130 interrupted (Ctrl-C; what was written is
 * marked partial).
 */
#include "config.h"
#include "runtime/interrupt.h"
#include "calibrate.h"
#include "commands.h"
#include "opt_mpi.h"
#include "optimize.h"
#include "driver.h"
#include "fmt_cmd.h"
#include "graph.h"
#include "simulate.h"
#include "doc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage_main =
	"usage: sglsim [--help] [--version] COMMAND [OPTIONS] FILE...\n"
	"\n"
	"sglsim compiles .sgl scenarios of LLM serving deployments (SGLang-style)\n"
	"and the workloads they serve.\n"
	"\n"
	"commands:\n"
	"  check FILE...   parse and check files; prints 'FILE: ok'\n"
	"  run FILE...     check, then execute the statements in order\n"
	"  optimize FILE...  run, searching with each optimize statement (--json,\n"
	"                  --csv, --plot front.svg, --jobs N, --mpi)\n"
	"  expr FILE EXPR  print the simplified formula of a metric or expression\n"
	"  eval FILE EXPR...  evaluate metrics or expressions (at CSV rows with --points)\n"
	"  graph FILE EXPR... -o OUT  draw formulas (.dot, .svg, .png, .mmd)\n"
	"  compile FILE [EXPR...] -o LIB.so  native library of the formulas (C ABI)\n"
	"  calibrate --gpu G TABLE.csv...  fit G's kernel-law efficiencies to timings\n"
	"  doc TABLE       print a reference table: fields, units, builtins, keywords\n"
	"  fmt FILE...     print or rewrite files in the canonical layout (--check, -w)\n"
	"\n"
	"Run 'sglsim COMMAND --help' for a command's options.\n"
	"Exit status: 0 ok, 1 errors in the input, 2 usage error, 130 interrupted.\n";

static const char *usage_check =
	"usage: sglsim check [-D NAME=VALUE]... [--dump-ast] FILE...\n"
	"\n"
	"Parses and checks each FILE (\"-\" reads standard input) and prints\n"
	"'FILE: ok' for each one without errors.\n"
	"\n"
	"options:\n"
	"  -D NAME=VALUE   fix a param or const, e.g. -D tp=4 or -D mem='80 GiB'\n"
	"  --dump-ast      print the syntax tree of each file\n"
	"  -h, --help      show this help\n";

static const char *usage_run =
	"usage: sglsim run [-D NAME=VALUE]... [OPTIONS] FILE...\n"
	"\n"
	"Checks each FILE, then executes its statements in order: print writes\n"
	"values, graph draws a formula, simulate runs the event-driven simulation\n"
	"and prints its table, optimize searches the params (see 'sglsim optimize\n"
	"--help' for its output options).\n"
	"\n"
	"options:\n"
	"  -D NAME=VALUE     fix a param or const, e.g. -D tp=4 or -D mem='80 GiB'\n"
	"  --json FILE|-     write the simulation results as JSON (doc/json.md);\n"
	"                    with '-' the JSON owns standard output\n"
	"  --csv FILE        one row per finished request (FILE.2.csv, ... for\n"
	"                    later simulate statements)\n"
	"  --trace FILE      a Perfetto / chrome://tracing timeline of iterations\n"
	"  --seed N          override every workload's seed\n"
	"  --sensitivity Q,..  differentiate the simulated figures by these fields\n"
	"                    (e.g. gpu.mem_bw,gpu.flops.bf16) along the schedule\n"
	"  --jit MODE        auto (default), always or never: compile step costs\n"
	"                    to machine code (results are identical either way)\n"
	"  --placement       print which node and GPUs each worker runs on\n"
	"  --no-progress     no progress line on stderr during long simulations\n"
	"  -h, --help        show this help\n";

static const char *usage_optimize =
	"usage: sglsim optimize [-D NAME=VALUE]... [OPTIONS] FILE...\n"
	"\n"
	"Runs FILE like 'sglsim run' and searches with each optimize statement:\n"
	"the best points (or the Pareto front) under the constraints, with each\n"
	"point's params, objectives and constraint values (doc/optimize.md).\n"
	"\n"
	"options:\n"
	"  -D NAME=VALUE     fix a param or const (it is then not searched)\n"
	"  --json FILE|-     the results as JSON (doc/json.md); '-': standard output\n"
	"  --csv FILE        every evaluated point: params, objectives, constraint\n"
	"                    sides, then feasible and pareto as 1/0 (base units)\n"
	"  --plot FILE       the front drawn with PLplot (.svg, .pdf or .ps)\n"
	"  --jobs N, -j N    threads for the grid and processes for simulations\n"
	"                    (default: the online CPUs); results do not depend on N\n"
	"  --limit N         rows of the table (default 20)\n"
	"  --mpi             under mpirun/srun: split the simulations over the ranks\n"
	"  --jit MODE        auto (default: from 100000 points), always or never\n"
	"  --no-progress     no progress bar on stderr\n"
	"  --stats           the search's speed (points per second) on stderr\n"
	"  -h, --help        show this help\n";

static const char *usage_expr =
	"usage: sglsim expr FILE EXPR... [OPTIONS]\n"
	"\n"
	"Prints the simplified formula of each EXPR: a metric's or const's name, or\n"
	"any expression over the file's names.  Free params stay symbols.\n"
	"\n"
	"options:\n"
	"  -D, --bind NAME=VALUE  fix a param or const (it becomes a constant)\n"
	"  --diff P               print the derivative by param P instead\n"
	"  --format F             infix (default), latex, c, sympy or sexpr\n"
	"  --no-simplify          print the formula as lowered, unsimplified\n"
	"  --stats                print node counts before/after to stderr\n"
	"  --for D --with W       bind a deployment and workload for metrics\n"
	"  -h, --help             show this help\n";

static const char *usage_eval =
	"usage: sglsim eval FILE EXPR... [OPTIONS]\n"
	"\n"
	"Evaluates each EXPR and prints 'EXPR = value unit' in readable units.\n"
	"Params take their -D value, else their --points column, else their\n"
	"default.  Values without a unit are in the param's base unit.\n"
	"\n"
	"options:\n"
	"  -D, --bind NAME=VALUE  fix a param or const\n"
	"  --points FILE.csv      evaluate at every row; the header names params;\n"
	"                         writes CSV (input columns, then one per EXPR, in\n"
	"                         base units) to standard output\n"
	"  --json                 print base-unit numbers as JSON\n"
	"  --jit=auto|always|never  evaluation tier (auto: the JIT from 100000\n"
	"                         evaluations on)\n"
	"  --for D --with W       bind a deployment and workload for metrics\n"
	"  -h, --help             show this help\n";

static const char *usage_graph =
	"usage: sglsim graph FILE EXPR... -o OUT [OPTIONS]\n"
	"       sglsim graph FILE --deps -o OUT [OPTIONS]\n"
	"\n"
	"Draws the expression DAG of each EXPR: shared subexpressions once, each\n"
	"fn call as a labelled cluster, params at the bottom.  OUT ends in .dot,\n"
	".svg, .png (rendered with Graphviz) or .mmd (Mermaid text).\n"
	"\n"
	"options:\n"
	"  -o OUT                 the file to write\n"
	"  -D, --bind NAME=VALUE  fix a param or const\n"
	"  --values               show each node's value (params at -D or defaults)\n"
	"  --simplify             draw the simplified formula (no fn clusters)\n"
	"  --deps                 draw which params each metric of FILE depends on\n"
	"                         (and which metrics it uses); no EXPR needed\n"
	"  --max-nodes N          refuse larger graphs (default 500, at most 100000)\n"
	"  --for D --with W       bind a deployment and workload for metrics\n"
	"  -h, --help             show this help\n";

static const char *usage_compile =
	"usage: sglsim compile FILE [EXPR...] -o LIB.so [--header OUT.h]\n"
	"\n"
	"Compiles the formulas of each EXPR (default: every metric of FILE) to a\n"
	"shared library with a stable C ABI, for other programs to call:\n"
	"  int  sglsim_eval(const double *params, double *metrics);\n"
	"  void sglsim_eval_batch(long n, const double *params, double *metrics);\n"
	"plus sglsim_param_names, sglsim_metric_names, sglsim_metric_units and\n"
	"their counts.  Params and results are in base units.\n"
	"\n"
	"options:\n"
	"  -o LIB.so              the library to write\n"
	"  --header OUT.h         also write the header declaring the ABI\n"
	"  -D, --bind NAME=VALUE  fix a param (it is no longer an input)\n"
	"  --for D --with W       bind a deployment and workload for metrics\n"
	"  -h, --help             show this help\n";

static const char *usage_calibrate =
	"usage: sglsim calibrate --gpu NAME [--name NEW] [--load FILE.sgl]... [--no-fit]\n"
	"                        [-o OUT.sgl] [--data] TABLE.csv...\n"
	"\n"
	"Fits the kernel-law efficiencies of gpu NAME (stdlib/kernels.sgl; see\n"
	"doc/model.md) to measured kernel timings, class by class: gemm\n"
	"(compute_eff, fp8_eff, m_half, bw_eff, launch, wave_time), attention\n"
	"(attn_eff, attn_q_half, attn_bw_eff, attn_launch, attn_block_time,\n"
	"mla_eff), moe (moe_eff, moe_bw_eff, moe_overhead) and comm (its nvlink's\n"
	"bw_factor, latency and custom_latency), by robust least squares on log\n"
	"time.  Prints the median and p90 of |predicted/measured - 1| per table\n"
	"subset before and after, and writes `gpu NEW : NAME { ... }` with the\n"
	"fitted values.\n"
	"\n"
	"Tables (told apart by their header): aiconfigurator's gemm_perf,\n"
	"context/generation_attention_perf, context/generation_mla_perf, moe_perf,\n"
	"nccl_perf and custom_allreduce_perf; vidur's mlp.csv, all_reduce.csv and\n"
	"send_recv.csv.\n"
	"\n"
	"options:\n"
	"  --gpu NAME        the gpu to calibrate (stdlib or a --load file)\n"
	"  --name NEW        name of the calibrated gpu (default NAME_calibrated)\n"
	"  --load FILE.sgl   also load FILE (e.g. an earlier calibration); repeatable\n"
	"  --no-fit          only report the errors of NAME as it is\n"
	"  -o OUT.sgl        write the calibrated gpu to OUT.sgl\n"
	"  --data TABLE.csv  a table (the same as naming it); repeatable\n"
	"  -h, --help        show this help\n";

static const char *usage_doc =
	"usage: sglsim doc TABLE\n"
	"\n"
	"Prints a Markdown reference table generated from sglsim's own tables.\n"
	"TABLE is one of: fields, units, builtins, keywords.\n";

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "sglsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return 2;
}

static int parse_define(const char *arg, SemaBinding *b)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) return -1;
	char *name = malloc((size_t)(eq - arg) + 1);
	if (!name) return -1;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = 0;
	b->name = name;
	b->value = eq + 1;
	return 0;
}

/* sglsim calibrate: its own options; returns the exit status. */
static int cli_calibrate(int argc, char **argv)
{
	CalibrateOpts c = {0};
	c.argc = argc;
	c.argv = argv;
	c.loads = calloc((size_t)argc, sizeof *c.loads);
	c.data = calloc((size_t)argc, sizeof *c.data);
	int status = -1;
	if (!c.loads || !c.data) status = 2;
	for (int i = 2; i < argc && status < 0; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (a[0] != '-' || !strcmp(a, "-")) c.data[c.ndata++] = a;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(usage_calibrate, stdout); status = 0; }
		else if (!strcmp(a, "--gpu") && more) c.gpu = argv[++i];
		else if (!strcmp(a, "--name") && more) c.name = argv[++i];
		else if (!strcmp(a, "--load") && more) c.loads[c.nloads++] = argv[++i];
		else if (!strcmp(a, "--data") && more) c.data[c.ndata++] = argv[++i];
		else if (!strcmp(a, "-o") && more) c.out = argv[++i];
		else if (!strcmp(a, "--no-fit")) c.no_fit = true;
		else status = usage_error(usage_calibrate, "unknown option or missing value: '%s'", a);
	}
	if (status < 0 && !c.gpu) status = usage_error(usage_calibrate, "%s", "--gpu NAME is required");
	if (status < 0 && c.ndata == 0) status = usage_error(usage_calibrate, "%s", "no table given");
	if (status < 0 && c.no_fit && c.out)
		status = usage_error(usage_calibrate, "%s", "--no-fit fits nothing to write: drop -o");
	if (status < 0) status = cmd_calibrate(&c);
	free(c.loads);
	free(c.data);
	return status;
}

/* Parses the arguments into o (whose arrays the caller owns) and runs the
 * command; returns the exit status. */
static int cli(int argc, char **argv, DriverOpts *op)
{
	if (argc < 2)
		return usage_error(usage_main, "%s", "no command given");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("sglsim %s\n", PACKAGE_VERSION);
		printf("installed stdlib: %s\n", SGL_PKGDATADIR);
#ifdef HAVE_LIBGCCJIT
		printf("JIT (libgccjit): available\n");
#else
		printf("JIT (libgccjit): not built\n");
#endif
#ifdef HAVE_GVC
		printf("Graphviz rendering: available\n");
#else
		printf("Graphviz rendering: not built\n");
#endif
#ifdef HAVE_MPI
		printf("MPI: available (sglsim optimize --mpi)\n");
#else
		printf("MPI: not built\n");
#endif
#ifdef HAVE_PLPLOT
		printf("PLplot (--plot): available\n");
#else
		printf("PLplot (--plot): not built\n");
#endif
		return 0;
	}
	const char *usage;
	if (!strcmp(cmd, "check")) usage = usage_check;
	else if (!strcmp(cmd, "run")) usage = usage_run;
	else if (!strcmp(cmd, "optimize")) usage = usage_optimize;
	else if (!strcmp(cmd, "doc")) usage = usage_doc;
	else if (!strcmp(cmd, "expr")) usage = usage_expr;
	else if (!strcmp(cmd, "eval")) usage = usage_eval;
	else if (!strcmp(cmd, "graph")) usage = usage_graph;
	else if (!strcmp(cmd, "compile")) usage = usage_compile;
	else if (!strcmp(cmd, "calibrate")) return cli_calibrate(argc, argv);
	else if (!strcmp(cmd, "fmt")) return cli_fmt(argc, argv);
	else return usage_error(usage_main, "unknown command '%s'", cmd);

	DriverOpts o = *op;
	SimOpts so = {.progress = true};
	OptOpts oo = {.progress = true};
	o.sim = &so;
	o.opt = &oo;
	bool opt_cmd = usage == usage_optimize;
	ExprOpts xo = {0};
	EvalOpts vo = {0};
	GraphCmdOpts go = {0};
	CompileOpts co = {0};
	bool compiler_cmd = usage == usage_expr || usage == usage_eval || usage == usage_graph ||
			    usage == usage_compile;
	bool only_files = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (only_files || a[0] != '-' || !strcmp(a, "-")) {
			o.files[o.nfiles++] = a;
		} else if (!strcmp(a, "--")) {
			only_files = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (compiler_cmd && !strcmp(a, "--for") && i + 1 < argc) {
			o.for_d = argv[++i];
		} else if (compiler_cmd && !strcmp(a, "--with") && i + 1 < argc) {
			o.with_w = argv[++i];
		} else if (usage == usage_expr && !strcmp(a, "--format") && i + 1 < argc) {
			xo.format = argv[++i];
		} else if (usage == usage_expr && !strncmp(a, "--format=", 9)) {
			xo.format = a + 9;
		} else if (usage == usage_expr && !strcmp(a, "--diff") && i + 1 < argc) {
			xo.diff = argv[++i];
		} else if (usage == usage_expr && !strcmp(a, "--stats")) {
			xo.stats = true;
		} else if (usage == usage_expr && !strcmp(a, "--no-simplify")) {
			xo.raw = true;
		} else if (usage == usage_eval && !strcmp(a, "--points") && i + 1 < argc) {
			vo.points = argv[++i];
		} else if (usage == usage_compile && !strcmp(a, "-o") && i + 1 < argc) {
			co.out = argv[++i];
		} else if (usage == usage_compile && !strcmp(a, "--header") && i + 1 < argc) {
			co.header = argv[++i];
		} else if (usage == usage_graph && !strcmp(a, "-o") && i + 1 < argc) {
			go.out = argv[++i];
		} else if (usage == usage_graph && !strcmp(a, "--values")) {
			go.values = true;
		} else if (usage == usage_graph && !strcmp(a, "--deps")) {
			go.deps = true;
		} else if (usage == usage_graph && !strcmp(a, "--simplify")) {
			go.simplify = true;
		} else if (usage == usage_graph && !strcmp(a, "--max-nodes") && i + 1 < argc) {
			char *end;
			const char *v = argv[++i];
			long n = strtol(v, &end, 10);
			if (!*v || *end || n < 1 || n > GRAPH_MAX_NODES)
				return usage_error(usage, "--max-nodes needs a whole number from 1 to 100000, not '%s'", v);
			go.max_nodes = n;
		} else if (usage == usage_eval && !strcmp(a, "--json")) {
			vo.json = true;
		} else if (usage == usage_eval && !strncmp(a, "--jit=", 6)) {
			vo.jit = a + 6;
		} else if (usage != usage_doc && (!strcmp(a, "-D") || !strcmp(a, "--define") || !strcmp(a, "--bind"))) {
			if (i + 1 >= argc) return usage_error(usage, "%s needs NAME=VALUE", a);
			if (parse_define(argv[++i], &o.binds[o.nbinds++]))
				return usage_error(usage, "-D needs NAME=VALUE, not '%s'", argv[i]);
		} else if (usage != usage_doc && !strncmp(a, "--bind=", 7)) {
			if (parse_define(a + 7, &o.binds[o.nbinds++]))
				return usage_error(usage, "--bind needs NAME=VALUE, not '%s'", a + 7);
		} else if (usage != usage_doc && !strncmp(a, "-D", 2)) {
			if (parse_define(a + 2, &o.binds[o.nbinds++]))
				return usage_error(usage, "-D needs NAME=VALUE, not '%s'", a + 2);
		} else if (opt_cmd && !strcmp(a, "--json") && i + 1 < argc) {
			oo.json = argv[++i];
		} else if (opt_cmd && !strcmp(a, "--csv") && i + 1 < argc) {
			oo.csv = argv[++i];
		} else if (opt_cmd && !strcmp(a, "--plot") && i + 1 < argc) {
			oo.plot = argv[++i];
		} else if (opt_cmd && !strcmp(a, "--stats")) {
			oo.stats = true;
		} else if (opt_cmd && !strcmp(a, "--mpi")) {
			oo.mpi = true;
		} else if (opt_cmd && (!strcmp(a, "--jobs") || !strcmp(a, "-j") || !strcmp(a, "--limit")) && i + 1 < argc) {
			char *end;
			const char *v = argv[++i];
			long n = strtol(v, &end, 10);
			if (!*v || *end || n < 1 || n > 1000000)
				return usage_error(usage, !strcmp(a, "--limit") ? "--limit needs a whole number from 1 to 1000000, not '%s'"
						   : "--jobs needs a whole number from 1 to 1000000, not '%s'", v);
			if (!strcmp(a, "--limit")) oo.limit = n;
			else oo.jobs = (int)n;
		} else if (opt_cmd && !strcmp(a, "--no-progress")) {
			oo.progress = so.progress = false;
		} else if (opt_cmd && !strcmp(a, "--jit") && i + 1 < argc) {
			oo.jit = argv[++i];
			if (strcmp(oo.jit, "auto") && strcmp(oo.jit, "always") && strcmp(oo.jit, "never"))
				return usage_error(usage, "--jit takes auto, always or never, not '%s'", oo.jit);
		} else if (usage == usage_run && !strcmp(a, "--json") && i + 1 < argc) {
			so.json = argv[++i];
		} else if (usage == usage_run && !strcmp(a, "--csv") && i + 1 < argc) {
			so.csv = argv[++i];
		} else if (usage == usage_run && !strcmp(a, "--trace") && i + 1 < argc) {
			so.trace = argv[++i];
		} else if (usage == usage_run && !strcmp(a, "--jit") && i + 1 < argc) {
			so.jit = argv[++i];
			if (strcmp(so.jit, "auto") && strcmp(so.jit, "always") && strcmp(so.jit, "never"))
				return usage_error(usage, "--jit takes auto, always or never, not '%s'", so.jit);
		} else if (usage == usage_run && !strcmp(a, "--sensitivity") && i + 1 < argc) {
			so.sensitivity = argv[++i];
		} else if (usage == usage_run && !strcmp(a, "--placement")) {
			so.placement = true;
		} else if (usage == usage_run && !strcmp(a, "--no-progress")) {
			so.progress = false;
		} else if (usage == usage_run && !strcmp(a, "--seed") && i + 1 < argc) {
			char *end;
			const char *v = argv[++i];
			errno = 0;
			unsigned long long n = strtoull(v, &end, 10);
			if (!*v || *end || errno || v[0] == '-')
				return usage_error(usage, "--seed needs a whole number >= 0, not '%s'", v);
			so.seed = n;
			so.have_seed = true;
		} else if (usage == usage_check && !strcmp(a, "--dump-ast")) {
			o.dump_ast = true;
		} else {
			return usage_error(usage, "unknown option '%s'", a);
		}
	}
	if (usage == usage_doc) {
		if (o.nfiles != 1) return usage_error(usage, "%s", "doc needs one TABLE name");
		int r = doc_print(stdout, o.files[0]);
		if (r) return usage_error(usage, "unknown table '%s'", o.files[0]);
		return 0;
	}
	if (o.nfiles == 0) return usage_error(usage, "%s", "no input file");
	if (compiler_cmd && usage != usage_compile && !go.deps && o.nfiles < 2)
		return usage_error(usage, "%s", "give FILE and at least one EXPR");
	if (usage == usage_compile) return cmd_compile(&o, &co);
	if (compiler_cmd && (!o.for_d) != (!o.with_w))
		return usage_error(usage, "%s", "--for D and --with W go together");
	if (usage == usage_expr) return cmd_expr(&o, &xo);
	if (usage == usage_eval) return cmd_eval(&o, &vo);
	if (usage == usage_graph) return cmd_graph(&o, &go);
	*op = o;
	if (usage == usage_check) return driver_check(&o);
	interrupt_catch();   /* Ctrl-C stops simulations and searches cleanly */
	if (!oo.mpi) return driver_run(&o);
	/* --mpi: every rank runs the file; only rank 0 speaks and writes */
	const char *why;
	if (!opt_mpi_init(&argc, &argv, &why)) {
		fprintf(stderr, "sglsim: error: --mpi: %s\n", why);
		return 1;
	}
	if (opt_mpi_rank() > 0) {
		oo.json = oo.csv = oo.plot = NULL;
		oo.progress = false;
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) return 1;
	}
	int status = driver_run(&o);
	opt_mpi_finalize();
	return status;
}

/* The checker and evaluator recurse over expressions, definitions and
 * inlined calls, each bounded (doc/limits.md); the deepest allowed
 * evaluation needs some tens of MiB of stack, more than the usual 8 MiB,
 * so the command runs on a thread with a stack of CLI_STACK_BYTES (address
 * space only: untouched pages cost nothing). */
enum { CLI_STACK_BYTES = 256 << 20 };

typedef struct CliCall {
	int argc;
	char **argv;
	DriverOpts *o;
	int status;
} CliCall;

static void *cli_thread(void *arg)
{
	CliCall *c = arg;
	c->status = cli(c->argc, c->argv, c->o);
	return NULL;
}

int main(int argc, char **argv)
{
	DriverOpts o = {0};
	o.files = calloc((size_t)argc, sizeof *o.files);
	o.binds = calloc((size_t)argc, sizeof *o.binds);
	if (!o.files || !o.binds) return 2;
	CliCall call = {argc, argv, &o, 0};
	pthread_attr_t attr;
	pthread_t t;
	bool threaded = false;
	if (pthread_attr_init(&attr) == 0) {
		threaded = pthread_attr_setstacksize(&attr, CLI_STACK_BYTES) == 0 &&
			   pthread_create(&t, &attr, cli_thread, &call) == 0;
		pthread_attr_destroy(&attr);
	}
	if (threaded) pthread_join(t, NULL);
	else cli_thread(&call);   /* no thread: the usual stack serves most inputs */
	int status = call.status;
	if (interrupted()) {
		fputs("sglsim: interrupted: what was written is partial (marked so)\n", stderr);
		status = 130;   /* 128 + SIGINT, as a shell reports it */
	}
	for (int i = 0; i < argc; i++) free((char *)o.binds[i].name);
	free(o.files);
	free(o.binds);
	return status;
}
