/* opt_int.h -- the optimizer's shared state, between optimize.c (the
 * statement: clauses, params, lowering, methods), opt_eval.c (evaluating
 * points: the grid in threads, the simulations in worker processes, MPI)
 * and opt_report.c (table, --json, --csv, --plot).
 *
 * A point of the search is an index into the grid of the `over` params'
 * domains, mixed radix with the last param varying fastest; its inputs are
 * the program's params: the point's members for the `over` params, the
 * defaults (or -D values) for the others, and the simulated figures for
 * sim.* when the statement names them.
 */
#ifndef SGL_OPT_INT_H
#define SGL_OPT_INT_H
#include <stdbool.h>
#include <stdint.h>
#include "bytecode.h"
#include "dag.h"
#include "jit.h"
#include "optimize.h"
#include "runtime/sim.h"

typedef struct OptParam {
	const char *name;
	Dim dim;
	uint32_t in;          /* index among the program's inputs */
	double *dom;          /* members in base units, ascending */
	size_t ndom;
} OptParam;

typedef struct OptObj {
	const char *name;
	int sense;            /* +1 maximize, -1 minimize */
	Dim dim;
	uint32_t out;         /* output of the program */
	bool sim;             /* depends on sim.* */
	const char *figure;   /* the simulated figure it predicts, or NULL */
} OptObj;

typedef struct OptCon {
	const char *text;     /* as written */
	const char *lhs;      /* the left side as written (a CSV column) */
	int op;               /* '<', '>', OP_LE, OP_GE, OP_EQ, OP_NE; 0: a boolean */
	Dim dim;
	uint32_t out_l, out_r;
	bool sim;
	uint64_t cut;         /* points violating it */
	double closest;       /* the left side nearest to the bound among them */
	double closest_r;     /* the bound there */
	uint64_t undefined;   /* of cut: a side was NaN there */
	uint64_t first_undefined;   /* the first such point (UINT64_MAX: none) */
} OptCon;

/* The grid's program split for hoisting (opt_stage.c). */
typedef struct Stage {
	BcProgram *outer, *inner;    /* NULL: not split */
	Jit *jo, *ji;
	int split;                   /* params [split, np) are inner */
	uint64_t block;              /* points per outer evaluation */
	uint32_t first, nstage;      /* input index of the first hoisted value; how many */
	uint32_t nin;                /* inputs of the inner program */
} Stage;

typedef enum OptMethod { OM_GRID, OM_PARETO, OM_WEIGHTED, OM_EPSILON, OM_NLOPT } OptMethod;

/* Simulated figures, named as in the language (sim.ttft.p99). */
enum { OPT_NFIG = 5 * 5 + 2 };
extern const char *const opt_fig_names[OPT_NFIG];
void opt_figures(const SimResult *r, double *fig);

typedef struct OptProblem {
	Sema *s;
	Module *m;
	AstNode *stmt;
	const OptOpts *o;
	const char *dname, *wname;   /* D and W, or NULL */
	Dag g;
	NodeId *roots;               /* nout: the simplified formulas */
	BcProgram *bc;
	Jit *jit;                    /* the full program's; NULL: the interpreter (or the split's) */
	Stage st;
	uint32_t nin, nout;
	double *base;                /* nin inputs: fixed values */
	OptParam *p;
	int np;
	int fig_in[OPT_NFIG];        /* input index of each figure, or -1 */
	bool uses_sim;
	OptObj *obj;
	int nobj;
	OptCon *con;
	int ncon;
	uint64_t npoints;
	OptMethod method;
	double *weights;             /* weighted: nobj */
	int primary;                 /* epsilon, nlopt */
	double *bound;               /* epsilon: nobj lower bounds on the maximized values (-inf: none) */
	bool sweep;                  /* epsilon without bounds: trace the front */
	long steps;
	const char *algorithm;       /* nlopt */
	long verify;                 /* verify top K (0: none) */
	int jobs;
	/* counts */
	uint64_t evaluated, feasible, undefined, simulated, sim_failed;
	bool interrupted;            /* Ctrl-C: the counts and results cover what was done */
	uint64_t unsimulated;        /* candidates left unsimulated by the interrupt */
	uint64_t first_undefined;    /* a point whose objective is NaN */
	char *sim_error;             /* the first failed simulation's reason */
	uint64_t sim_error_point;
	/* the simulated points (for --csv and --plot) */
	uint64_t *sim_idx;
	double *sim_out;             /* nsim_pts x nout; NaN rows where it failed */
	double *sim_fig;             /* nsim_pts x OPT_NFIG */
	size_t nsim_pts;
} OptProblem;

/* One chosen or kept point. */
typedef struct OptPoint {
	uint64_t idx;
	double *y;                   /* nobj, maximized form */
	double key;                  /* weighted score, or 0 */
} OptPoint;

/* A chosen point, re-evaluated for the report. */
typedef struct OptRow {
	uint64_t idx;
	double *x;                   /* np, base units */
	double *out;                 /* nout */
	double fig[OPT_NFIG];        /* simulated (NaN: not simulated) */
	bool simulated, verified;
	char *sim_error;             /* the verification failed: why */
} OptRow;

typedef struct OptResult {
	OptRow *rows;
	size_t nrows;
	bool is_front;               /* rows are a Pareto front (else a ranking) */
	/* nlopt */
	bool relaxed;
	double *xc, fc;
	int nlopt_evals;
	int local_steps;             /* moves of the local search after rounding */
	const char *nlopt_stop;
} OptResult;

/* What a worker process or rank sends back for one point. */
typedef struct OptReply {
	uint64_t pos;
	double fig[OPT_NFIG];
	uint32_t ok, errlen;
} OptReply;

/* opt_stage.c */
void opt_stage_build(OptProblem *P);
/* Compiles the split's programs; false (with *why) when there is no split
 * or the JIT failed, and then there is no split any more. */
bool opt_stage_jit(OptProblem *P, char **why);
void opt_stage_free(OptProblem *P);
/* Inputs scratch per point (doubles) for opt_eval_points. */
size_t opt_eval_scratch(const OptProblem *P);
/* Outputs of points first .. first+n-1 (out: n x nout); in: n x scratch. */
void opt_eval_points(const OptProblem *P, uint64_t first, size_t n, double *in, double *out);

/* opt_eval.c */
/* The inputs of point idx (nin values). */
void opt_inputs(const OptProblem *P, uint64_t idx, double *in);
/* The point's member values (np). */
void opt_point_x(const OptProblem *P, uint64_t idx, double *x);
/* Whether the outputs of a point meet every constraint. */
bool opt_meets(const OptProblem *P, const double *out);
/* Evaluates the points of the search the method needs and fills res with
 * the chosen ones (ordered best first).  false after reporting an error. */
bool opt_search(OptProblem *P, OptResult *res);
/* Simulates point idx: fig[OPT_NFIG]; false with *why (heap). */
bool opt_simulate(OptProblem *P, uint64_t idx, double *fig, char **why);
/* Simulates n points with the worker processes (--jobs) or MPI ranks:
 * fig[n * OPT_NFIG], ok[n], why[n] (heap strings, NULL when ok). */
void opt_simulate_many(OptProblem *P, const uint64_t *idx, size_t n, double *fig, bool *ok, char **why);

/* The Pareto front of every feasible point (indices, ascending), for
 * --csv and --plot when the method ranked instead; *n its size. */
uint64_t *opt_front_indices(OptProblem *P, const OptResult *res, size_t *n);

/* opt_report.c */
void opt_report_table(FILE *out, const OptProblem *P, const OptResult *res);
void *opt_report_json(const OptProblem *P, const OptResult *res);  /* json_t */
bool opt_report_csv(OptProblem *P, const OptResult *res, const char *path);
bool opt_report_plot(OptProblem *P, const OptResult *res, const char *path);
/* Why the problem is infeasible: each constraint's cut and closest value. */
void opt_report_infeasible(FILE *out, const OptProblem *P);
#endif
