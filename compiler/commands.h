/* commands.h -- the compiler's CLI commands: expr and eval.
 *
 *   sglsim expr FILE EXPR [--format F] [--diff P] [--stats] [-D P=V]...
 *   sglsim eval FILE EXPR... [--points in.csv] [--json] [--jit=auto|always|never]
 *   sglsim graph FILE EXPR... -o out.{dot,svg,png,mmd} [--values] [--simplify]
 *   sglsim compile FILE [EXPR...] -o lib.so [--header out.h]
 *
 * EXPR is a metric's or const's name or any expression over the file's
 * names.  --for D --with W binds a deployment and workload for metrics
 * that use them.  Each returns the process exit status.
 */
#ifndef SGL_COMMANDS_H
#define SGL_COMMANDS_H
#include <stdbool.h>
#include "driver.h"

typedef struct ExprOpts {
	const char *format;     /* infix (default), latex, c, sympy, sexpr */
	const char *diff;       /* param to differentiate by, or NULL */
	bool stats;
	bool raw;               /* --no-simplify */
} ExprOpts;

typedef struct EvalOpts {
	const char *points;     /* CSV path or NULL */
	bool json;
	const char *jit;        /* auto, always, never */
} EvalOpts;

typedef struct GraphCmdOpts {
	const char *out;        /* -o PATH: .dot, .svg, .png or .mmd */
	bool values;            /* annotate nodes with values at the bound point */
	bool simplify;          /* draw the simplified formula */
	bool deps;              /* the metric-dependency graph instead */
	long max_nodes;
} GraphCmdOpts;

typedef struct CompileOpts {
	const char *out;        /* -o lib.so */
	const char *header;     /* --header out.h, or NULL */
	bool native;            /* --native: this CPU's instructions */
	const char *prefix;     /* --prefix NAME of the exported names, or NULL */
} CompileOpts;

int cmd_expr(const DriverOpts *o, const ExprOpts *x);
int cmd_compile(const DriverOpts *o, const CompileOpts *x);
int cmd_graph(const DriverOpts *o, const GraphCmdOpts *x);
int cmd_eval(const DriverOpts *o, const EvalOpts *x);

#endif
