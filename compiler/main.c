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
 * Every command reads its options the GNU way (getopt_long over one table,
 * `options` below, that says which commands take which option): a value
 * follows its option or is joined by '=' (`--jit never`, `--jit=never`,
 * `-j4`, `-Dtp=4`), options and files mix in any order, unambiguous
 * prefixes of long names work, and "--" ends the options.  The help texts
 * live in usage.c.  FILE may be "-" for standard input.  Exit status: 0
 * ok, 1 errors in the input, 2 usage errors, 130 interrupted (Ctrl-C;
 * what was written is marked partial).
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
#include "usage.h"
#include "lang/suggest.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the table */

/* The commands, as bits of CliOption.cmds. */
enum {
	C_CHECK = 1 << 0, C_RUN = 1 << 1, C_OPTIMIZE = 1 << 2, C_EXPR = 1 << 3,
	C_EVAL = 1 << 4, C_GRAPH = 1 << 5, C_COMPILE = 1 << 6, C_CALIBRATE = 1 << 7,
	C_DOC = 1 << 8, C_FMT = 1 << 9,
	C_FORMULA = C_EXPR | C_EVAL | C_GRAPH | C_COMPILE,   /* formulas of a file */
	C_FILES = C_CHECK | C_RUN | C_OPTIMIZE | C_FORMULA,  /* load .sgl files */
	C_SIMULATE = C_RUN | C_OPTIMIZE,
	C_ALL = (1 << 10) - 1,
};

/* Options without a letter have ids past every char. */
enum {
	O_FOR = 256, O_WITH, O_FORMAT, O_DIFF, O_STATS, O_NO_SIMPLIFY, O_POINTS, O_HEADER,
	O_VALUES, O_DEPS, O_SIMPLIFY, O_MAX_NODES, O_JSON, O_JSON_STDOUT, O_JIT, O_CSV,
	O_PLOT, O_MPI, O_LIMIT, O_NO_PROGRESS, O_TRACE, O_SENSITIVITY, O_PLACEMENT,
	O_SEED, O_DUMP_AST, O_GPU, O_NAME, O_LOAD, O_NO_FIT, O_DATA, O_CHECK, O_NATIVE, O_PREFIX,
};

typedef struct CliOption {
	const char *name;    /* the long name, without "--" */
	int has_arg;         /* no_argument or required_argument */
	int id;              /* a letter is also the short form */
	unsigned cmds;       /* the commands that take it */
} CliOption;

static const CliOption options[] = {
	{"help", no_argument, 'h', C_ALL},
	{"define", required_argument, 'D', C_FILES},
	{"bind", required_argument, 'D', C_FILES},
	{"output", required_argument, 'o', C_GRAPH | C_COMPILE | C_CALIBRATE},
	{"jobs", required_argument, 'j', C_OPTIMIZE},
	{"write", no_argument, 'w', C_FMT},
	{"check", no_argument, O_CHECK, C_FMT},
	{"dump-ast", no_argument, O_DUMP_AST, C_CHECK},
	{"for", required_argument, O_FOR, C_FORMULA},
	{"with", required_argument, O_WITH, C_FORMULA},
	{"format", required_argument, O_FORMAT, C_EXPR},
	{"diff", required_argument, O_DIFF, C_EXPR},
	{"no-simplify", no_argument, O_NO_SIMPLIFY, C_EXPR},
	{"stats", no_argument, O_STATS, C_EXPR | C_OPTIMIZE},
	{"points", required_argument, O_POINTS, C_EVAL},
	{"json", no_argument, O_JSON_STDOUT, C_EVAL},
	{"json", required_argument, O_JSON, C_SIMULATE},
	{"jit", required_argument, O_JIT, C_SIMULATE | C_EVAL},
	{"header", required_argument, O_HEADER, C_COMPILE},
	{"native", no_argument, O_NATIVE, C_COMPILE},
	{"prefix", required_argument, O_PREFIX, C_COMPILE},
	{"values", no_argument, O_VALUES, C_GRAPH},
	{"deps", no_argument, O_DEPS, C_GRAPH},
	{"simplify", no_argument, O_SIMPLIFY, C_GRAPH},
	{"max-nodes", required_argument, O_MAX_NODES, C_GRAPH},
	{"csv", required_argument, O_CSV, C_SIMULATE},
	{"seed", required_argument, O_SEED, C_SIMULATE},
	{"no-progress", no_argument, O_NO_PROGRESS, C_SIMULATE},
	{"trace", required_argument, O_TRACE, C_RUN},
	{"sensitivity", required_argument, O_SENSITIVITY, C_RUN},
	{"placement", no_argument, O_PLACEMENT, C_RUN},
	{"plot", required_argument, O_PLOT, C_OPTIMIZE},
	{"limit", required_argument, O_LIMIT, C_OPTIMIZE},
	{"mpi", no_argument, O_MPI, C_OPTIMIZE},
	{"gpu", required_argument, O_GPU, C_CALIBRATE},
	{"name", required_argument, O_NAME, C_CALIBRATE},
	{"load", required_argument, O_LOAD, C_CALIBRATE},
	{"no-fit", no_argument, O_NO_FIT, C_CALIBRATE},
	{"data", required_argument, O_DATA, C_CALIBRATE},
};
enum { NOPTIONS = sizeof options / sizeof options[0] };

static const struct {
	const char *name;
	unsigned bit;
	const char *const *usage;
} commands[] = {
	{"check", C_CHECK, &usage_check},       {"run", C_RUN, &usage_run},
	{"optimize", C_OPTIMIZE, &usage_optimize}, {"expr", C_EXPR, &usage_expr},
	{"eval", C_EVAL, &usage_eval},          {"graph", C_GRAPH, &usage_graph},
	{"compile", C_COMPILE, &usage_compile}, {"calibrate", C_CALIBRATE, &usage_calibrate},
	{"doc", C_DOC, &usage_doc},             {"fmt", C_FMT, &usage_fmt},
};

/* ---------------------------------------------------------------- parsing */

/* Everything the options of any command set. */
typedef struct Cli {
	unsigned cmd;
	const char *usage;
	DriverOpts o;
	SimOpts so;
	OptOpts oo;
	ExprOpts xo;
	EvalOpts vo;
	GraphCmdOpts go;
	CompileOpts co;
	CalibrateOpts ca;
	bool fmt_check, fmt_write;
} Cli;

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

/* A whole number in [lo, hi] into *n; false if v is not one. */
/* The value v of option `opt` as a whole number from 1 to hi in *n: 0,
 * or the exit status of the usage error that says the range. */
static int whole(const Cli *c, const char *opt, const char *v, long hi, long *n)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (*v && !*end && !errno && x >= 1 && x <= hi) {
		*n = x;
		return 0;
	}
	char fmt[96];
	snprintf(fmt, sizeof fmt, "%s needs a whole number from 1 to %ld, not '%%s'", opt, hi);
	return usage_error(c->usage, fmt, v);
}

/* A C identifier, [A-Za-z_][A-Za-z0-9_]*, of at most 64 characters. */
static bool c_identifier(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 64 || (v[0] >= '0' && v[0] <= '9')) return false;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] == '_' || (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9')))
			return false;
	return true;
}

static bool jit_mode(const char *v)
{
	return !strcmp(v, "auto") || !strcmp(v, "always") || !strcmp(v, "never");
}

/* The long name of option id, for messages. */
static const char *long_name(int id)
{
	for (int k = 0; k < NOPTIONS; k++)
		if (options[k].id == id) return options[k].name;
	return "?";
}

/* Applies option id with value v (NULL for a flag) to c; 0, or the exit
 * status of a usage error. */
static int apply(Cli *c, int id, const char *v)
{
	long n;
	int r;
	switch (id) {
	case 'D':
		if (parse_define(v, &c->o.binds[c->o.nbinds++]))
			return usage_error(c->usage, "-D needs NAME=VALUE, not '%s'", v);
		break;
	case 'o':
		c->go.out = c->co.out = c->ca.out = v;
		break;
	case 'j':
		if ((r = whole(c, "--jobs", v, OPT_MAX_JOBS, &n))) return r;
		c->oo.jobs = (int)n;
		break;
	case 'w': c->fmt_write = true; break;
	case O_CHECK: c->fmt_check = true; break;
	case O_DUMP_AST: c->o.dump_ast = true; break;
	case O_FOR: c->o.for_d = v; break;
	case O_WITH: c->o.with_w = v; break;
	case O_FORMAT: c->xo.format = v; break;
	case O_DIFF: c->xo.diff = v; break;
	case O_NO_SIMPLIFY: c->xo.raw = true; break;
	case O_STATS: c->xo.stats = c->oo.stats = true; break;
	case O_POINTS: c->vo.points = v; break;
	case O_JSON_STDOUT: c->vo.json = true; break;
	case O_JSON:   /* run: the simulations'; optimize: the searches' */
		*(c->cmd == C_RUN ? &c->so.json : &c->oo.json) = v;
		break;
	case O_JIT:
		if (!jit_mode(v)) return usage_error(c->usage, "--jit takes auto, always or never, not '%s'", v);
		c->oo.jit = c->so.jit = c->vo.jit = v;
		break;
	case O_HEADER: c->co.header = v; break;
	case O_NATIVE: c->co.native = true; break;
	case O_PREFIX:
		if (!c_identifier(v))
			return usage_error(c->usage, "--prefix needs a C identifier of at most 64 characters, not '%s'", v);
		c->co.prefix = v;
		break;
	case O_VALUES: c->go.values = true; break;
	case O_DEPS: c->go.deps = true; break;
	case O_SIMPLIFY: c->go.simplify = true; break;
	case O_MAX_NODES:
		if ((r = whole(c, "--max-nodes", v, GRAPH_MAX_NODES, &n))) return r;
		c->go.max_nodes = n;
		break;
	case O_CSV:
		*(c->cmd == C_RUN ? &c->so.csv : &c->oo.csv) = v;
		break;
	case O_SEED: {
		char *end;
		errno = 0;
		unsigned long long s = strtoull(v, &end, 10);
		if (!*v || *end || errno || v[0] == '-')
			return usage_error(c->usage, "--seed needs a whole number >= 0, not '%s'", v);
		c->so.seed = c->oo.seed = s;
		c->so.have_seed = c->oo.have_seed = true;
		break;
	}
	case O_NO_PROGRESS: c->oo.progress = c->so.progress = false; break;
	case O_TRACE: c->so.trace = v; break;
	case O_SENSITIVITY: c->so.sensitivity = v; break;
	case O_PLACEMENT: c->so.placement = true; break;
	case O_PLOT: c->oo.plot = v; break;
	case O_LIMIT:
		if ((r = whole(c, "--limit", v, 1000000, &n))) return r;
		c->oo.limit = n;
		break;
	case O_MPI: c->oo.mpi = true; break;
	case O_GPU: c->ca.gpu = v; break;
	case O_NAME: c->ca.name = v; break;
	case O_LOAD: c->ca.loads[c->ca.nloads++] = v; break;
	case O_NO_FIT: c->ca.no_fit = true; break;
	case O_DATA: c->ca.data[c->ca.ndata++] = v; break;
	}
	return 0;
}

/* The usage error for a long option getopt did not take: "--NAME[=V]"
 * unknown (with the closest name of this command), ambiguous (with the
 * names it starts), or given a value it does not take. */
static int bad_long(const Cli *c, const struct option *longs, const char *arg)
{
	const char *name = arg + 2;
	size_t len = strcspn(name, "=");
	char starts[256] = "";
	int nstart = 0;
	Suggest sg;
	char word[64];
	snprintf(word, sizeof word, "%.*s", (int)(len < 63 ? len : 63), name);
	suggest_init(&sg, word);
	for (const struct option *l = longs; l->name; l++) {
		if (l->has_arg == no_argument && strlen(l->name) == len && !strncmp(l->name, name, len))
			return usage_error(c->usage, "--%s takes no value", l->name);
		if (!strncmp(l->name, name, len) && strlen(starts) + strlen(l->name) + 5 < sizeof starts) {
			strcat(strcat(starts, nstart++ ? ", --" : "--"), l->name);
		}
		suggest_offer(&sg, l->name);
	}
	if (nstart > 1) {
		fprintf(stderr, "sglsim: '%.*s' is ambiguous: %s\n%s", (int)len + 2, arg, starts, c->usage);
		return 2;
	}
	if (nstart == 1 && name[len] == '=')   /* a prefix of a flag, given a value */
		return usage_error(c->usage, "'%s': the option takes no value", arg);
	const char *best = suggest_best(&sg);
	if (best) {
		fprintf(stderr, "sglsim: unknown option '%s'; did you mean '--%s'?\n%s", arg, best, c->usage);
		return 2;
	}
	return usage_error(c->usage, "unknown option '%s'", arg);
}

/* Reads argv[2..] (argv[1] is the command) into c: the options of c->cmd
 * and, in order, its operands (c->o.files).  0, 1 for --help (shown), or
 * the exit status of a usage error. */
static int parse_args(Cli *c, int argc, char **argv)
{
	struct option longs[NOPTIONS + 1];
	/* '-': operands come back in order as id 1, whatever POSIXLY_CORRECT
	 * says; ':': we say what is wrong */
	char shorts[3 * NOPTIONS + 4] = "-:";
	int nl = 0;
	size_t ns = 2;
	for (int k = 0; k < NOPTIONS; k++) {
		const CliOption *op = &options[k];
		if (!(op->cmds & c->cmd)) continue;
		longs[nl++] = (struct option){op->name, op->has_arg, NULL, op->id};
		if (op->id < 256 && !strchr(shorts, op->id)) {
			shorts[ns++] = (char)op->id;
			if (op->has_arg == required_argument) shorts[ns++] = ':';
		}
	}
	longs[nl] = (struct option){0};
	shorts[ns] = 0;
	/* argv + 1: the command stands where getopt expects the program */
	int ac = argc - 1;
	char **av = argv + 1;
	opterr = 0;
	optind = 0;   /* glibc: start afresh */
	for (;;) {
		int id = getopt_long(ac, av, shorts, longs, NULL);
		if (id == -1) break;
		const char *arg = av[optind - 1];
		bool is_long = !strncmp(arg, "--", 2);
		char letter[3] = {'-', (char)(optopt > 0 && optopt < 256 ? optopt : '?'), 0};
		if (id == 1) {
			c->o.files[c->o.nfiles++] = optarg;
		} else if (id == '?') {
			if (is_long) return bad_long(c, longs, arg);
			return usage_error(c->usage, "unknown option '%s'", letter);
		} else if (id == ':') {
			if (is_long) return usage_error(c->usage, "--%s needs a value", long_name(optopt));
			return usage_error(c->usage, "%s needs a value", letter);
		} else if (id == 'h') {
			fputs(c->usage, stdout);
			return 1;
		} else {
			int r = apply(c, id, optarg);
			if (r) return r;
		}
	}
	for (int i = optind; i < ac; i++) c->o.files[c->o.nfiles++] = av[i];   /* after "--" */
	return 0;
}

/* ---------------------------------------------------------------- commands */

static int version(void)
{
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

static int run_calibrate(Cli *c, int argc, char **argv)
{
	CalibrateOpts *ca = &c->ca;
	for (int i = 0; i < c->o.nfiles; i++) ca->data[ca->ndata++] = c->o.files[i];
	ca->argc = argc;
	ca->argv = argv;
	if (!ca->gpu) return usage_error(c->usage, "%s", "--gpu NAME is required");
	if (ca->ndata == 0) return usage_error(c->usage, "%s", "no table given");
	if (ca->no_fit && ca->out) return usage_error(c->usage, "%s", "--no-fit fits nothing to write: drop -o");
	return cmd_calibrate(ca);
}

static int run_fmt(Cli *c)
{
	int n = c->o.nfiles;
	const char *why = !n ? "give at least one FILE"
		: c->fmt_check && c->fmt_write ? "--check and -w do not go together"
		: !c->fmt_check && !c->fmt_write && n > 1 ? "several files need --check or -w (one file prints its text)"
		: NULL;
	if (why) return usage_error(c->usage, "%s", why);
	return cmd_fmt(c->o.files, n, c->fmt_check, c->fmt_write);
}

/* check, run and optimize: the driver, under mpirun too with --mpi. */
static int run_driver(Cli *c, int argc, char **argv)
{
	DriverOpts *o = &c->o;
	if (c->cmd == C_CHECK) return driver_check(o);
	interrupt_catch();   /* Ctrl-C stops simulations and searches cleanly */
	if (!c->oo.mpi) return driver_run(o);
	/* --mpi: every rank runs the file; only rank 0 speaks and writes */
	const char *why;
	if (!opt_mpi_init(&argc, &argv, &why)) {
		fprintf(stderr, "sglsim: error: --mpi: %s\n", why);
		return 1;
	}
	if (opt_mpi_rank() > 0) {
		c->oo.json = c->oo.csv = c->oo.plot = NULL;
		c->oo.progress = false;
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) return 1;
	}
	int status = driver_run(o);
	opt_mpi_finalize();
	return status;
}

/* Parses the arguments into c (whose arrays the caller owns) and runs the
 * command; returns the exit status. */
static int cli(int argc, char **argv, Cli *c)
{
	if (argc < 2) return usage_error(usage_main, "%s", "no command given");
	const char *cmd = argv[1];
	bool help = !strcmp(cmd, "help");
	if (help && argc > 2) cmd = argv[2];   /* sglsim help CMD */
	else if (help || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) return version();
	for (size_t k = 0; k < sizeof commands / sizeof commands[0] && !c->cmd; k++)
		if (!strcmp(cmd, commands[k].name)) {
			c->cmd = commands[k].bit;
			c->usage = *commands[k].usage;
		}
	if (!c->cmd) {
		Suggest sg;
		suggest_init(&sg, cmd);
		for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) suggest_offer(&sg, commands[k].name);
		if (suggest_best(&sg)) {
			fprintf(stderr, "sglsim: unknown command '%s'; did you mean '%s'?\n%s", cmd, suggest_best(&sg), usage_main);
			return 2;
		}
		return usage_error(usage_main, "unknown command '%s'", cmd);
	}
	if (help) {
		fputs(c->usage, stdout);
		return 0;
	}
	c->so.progress = c->oo.progress = true;
	c->o.sim = &c->so;
	c->o.opt = &c->oo;
	int r = parse_args(c, argc, argv);
	if (r) return r == 1 ? 0 : r;

	DriverOpts *o = &c->o;
	switch (c->cmd) {
	case C_CALIBRATE: return run_calibrate(c, argc, argv);
	case C_FMT: return run_fmt(c);
	case C_DOC:
		if (o->nfiles != 1) return usage_error(c->usage, "%s", "doc needs one TABLE name");
		if (doc_print(stdout, o->files[0])) return usage_error(c->usage, "unknown table '%s'", o->files[0]);
		return 0;
	}
	if (o->nfiles == 0) return usage_error(c->usage, "%s", "no input file");
	if ((c->cmd & C_FORMULA) && c->cmd != C_COMPILE && !c->go.deps && o->nfiles < 2)
		return usage_error(c->usage, "%s", "give FILE and at least one EXPR");
	if ((c->cmd & C_FORMULA) && (!o->for_d) != (!o->with_w))
		return usage_error(c->usage, "%s", "--for D and --with W go together");
	switch (c->cmd) {
	case C_COMPILE: return cmd_compile(o, &c->co);
	case C_EXPR: return cmd_expr(o, &c->xo);
	case C_EVAL: return cmd_eval(o, &c->vo);
	case C_GRAPH: return cmd_graph(o, &c->go);
	}
	return run_driver(c, argc, argv);
}

/* ---------------------------------------------------------------- main */

/* The checker and evaluator recurse over expressions, definitions and
 * inlined calls, each bounded (doc/limits.md); the deepest allowed
 * evaluation needs some tens of MiB of stack, more than the usual 8 MiB,
 * so the command runs on a thread with a stack of CLI_STACK_BYTES (address
 * space only: untouched pages cost nothing). */
enum { CLI_STACK_BYTES = 256 << 20 };

typedef struct CliCall {
	int argc;
	char **argv;
	Cli *c;
	int status;
} CliCall;

static void *cli_thread(void *arg)
{
	CliCall *call = arg;
	call->status = cli(call->argc, call->argv, call->c);
	return NULL;
}

int main(int argc, char **argv)
{
	static Cli c;
	size_t n = (size_t)argc + 1;
	c.o.files = calloc(n, sizeof *c.o.files);
	c.o.binds = calloc(n, sizeof *c.o.binds);
	c.ca.loads = calloc(n, sizeof *c.ca.loads);
	c.ca.data = calloc(n, sizeof *c.ca.data);
	if (!c.o.files || !c.o.binds || !c.ca.loads || !c.ca.data) return 2;
	CliCall call = {argc, argv, &c, 0};
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
	for (int i = 0; i < c.o.nbinds; i++) free((char *)c.o.binds[i].name);
	free(c.o.files);
	free(c.o.binds);
	free(c.ca.loads);
	free(c.ca.data);
	return status;
}
