/* driver.c -- load, check and run .sgl files; print diagnostics.
 *
 * The passes of one file, in order:
 *   loader_load   read + parse the file and every import (lang/loader.c)
 *   sema_check    names, units, records, declarations (lang/sema*.c)
 *   sema_run      execute the statements (run only)
 */
#include "config.h"
#include "driver.h"
#include "lang/ast.h"
#include "lang/loader.h"
#include "lower.h"
#include <math.h>

#include "print.h"
#include "bytecode.h"
#include "graph.h"
#include "optimize.h"
#include "simulate.h"
#include <string.h>
#include <stdlib.h>

#include <stdio.h>

void driver_print_diag(void *ud, const Diag *d)
{
	const SourceSet *ss = ud;
	Buf b = {0};
	diag_render(&b, ss, d);
	fwrite(b.s, 1, b.len, stderr);
	buf_free(&b);
}

/* Lowers e (of module m, contexts ctx) into a fresh g; NODE_NONE with
 * *why set when it is not a number.  The caller frees L and g. */
static NodeId lower_into(Sema *s, Module *m, AstNode *e, const Value *ctx, Dag *g, Lowerer *L,
			 const char **why)
{
	dag_init(g);
	lower_init(L, s, g, ctx);
	NodeId n = lower_expr(L, m, e);
	if (n == NODE_NONE) *why = L->why ? L->why : "it is not a number";
	return n;
}

/* print of a formula: lowered, then printed in infix with its unit. */
static bool print_formula(void *ud, Sema *s, Module *m, AstNode *e, const Value *ctx, Dim dim,
			  Buf *out, const char **why)
{
	Dag g;
	Lowerer L;
	NodeId n = lower_into(s, m, e, ctx, &g, &L, why);
	bool ok = n != NODE_NONE;   /* else lower_into set *why */
	if (ok && !dag_uses_params(&g, n)) {
		/* no free param (e.g. mean() of a workload): print the value */
		BcProgram *p = bc_compile(&g, &n, 1);
		double x;
		bc_eval(p, NULL, &x);
		bc_free(p);
		Value v = value_num(x, dim);
		if (isfinite(x)) {
			value_format(out, &v);
		} else {
			*why = "the result is not a finite number";
			ok = false;
		}
	} else if (ok && !dag_print(out, &g, n, FMT_INFIX, NULL, 1 << 20)) {
		*why = "the formula is too large to print (over 1 MiB); use sglsim expr --format sexpr";
		ok = false;
	} else if (ok && !dim_is_none(dim)) {
		char d[64];
		dim_format(dim, d, sizeof d);
		buf_printf(out, "  [%s]", d);
	}
	lower_free(&L);
	dag_free(&g);
	(void)ud;
	return ok;
}

/* graph EXPR to "file": the lowered formula, drawn by graph.c. */
static bool draw_graph(void *ud, Sema *s, Module *m, AstNode *e, const Value *ctx, const char *path,
		       const char **why)
{
	(void)ud;
	GraphFormat f;
	if (!graph_format_from_path(path, &f)) {
		*why = "the file name must end in .dot, .svg, .png or .mmd";
		return false;
	}
	Dag g;
	Lowerer L;
	NodeId n = lower_into(s, m, e, ctx, &g, &L, why);
	bool ok = n != NODE_NONE;
	if (ok) {
		Buf name = {0};
		ast_print_expr(&name, e);
		const char *names[1] = {name.s};
		char *err = NULL;
		GraphOptions go = {NULL, 0};
		if (graph_write(&g, &n, names, 1, path, &go, &err) != 0) {
			*why = arena_strdup(&s->prog->arena, err ? err : "cannot write the graph");
			ok = false;
		}
		free(err);
		buf_free(&name);
	}
	lower_free(&L);
	dag_free(&g);
	return ok;
}


void session_open(Session *s, const DriverOpts *o, const char *path)
{
	diags_init(&s->diags, NULL, driver_print_diag, NULL);
	program_init(&s->prog, &s->diags);
	s->diags.ud = &s->prog.sources;
	s->sema = NULL;
	Module *root = loader_load(&s->prog, path);
	if (root && o->dump_ast && !s->diags.errors)
		ast_dump(stdout, root->root);
	if (root && !diags_stopped(&s->diags)) {
		s->sema = sema_new(&s->prog);
		sema_check(s->sema, o->binds, o->nbinds);
	}
	s->ok = root && s->sema && s->diags.errors == 0;
}

void session_close(Session *s)
{
	diags_free(&s->diags);
	program_free(&s->prog);
}

/* Loads and checks one file; runs it when `run`.  Returns the exit status. */
static int one_file(const DriverOpts *o, const char *path, bool run)
{
	Session s;
	session_open(&s, o, path);
	bool wrote = true;
	if (s.ok && run) {
		SimSession ss;
		OptSession os;
		simulate_session_init(&ss, o->sim);
		optimize_session_init(&os, o->opt);
		SemaHooks hooks = {.formula = print_formula, .graph = draw_graph, .simulate = simulate_stmt,
				   .optimize = optimize_stmt, .ud = &ss, .opt_ud = &os};
		/* with --json - the document owns standard output: the rest goes to stderr */
		bool json_out = (o->sim && o->sim->json && !strcmp(o->sim->json, "-")) ||
				(o->opt && o->opt->json && !strcmp(o->opt->json, "-")) ||
				(o->opt && o->opt->csv && !strcmp(o->opt->csv, "-"));
		fflush(stderr);
		sema_run(s.sema, json_out ? stderr : stdout, &hooks);
		fflush(stdout);
		wrote = simulate_session_finish(&ss);
		wrote = optimize_session_finish(&os) && wrote;
		fflush(stdout);
	}
	int status = s.diags.errors || !s.ok || !wrote ? 1 : 0;
	if (!status && !run) printf("%s: ok\n", path);
	session_close(&s);
	return status;
}

int driver_check(const DriverOpts *o)
{
	int status = 0;
	for (int i = 0; i < o->nfiles; i++)
		if (one_file(o, o->files[i], false)) status = 1;
	return status;
}

int driver_run(const DriverOpts *o)
{
	int status = 0;
	for (int i = 0; i < o->nfiles; i++)
		if (one_file(o, o->files[i], true)) status = 1;
	return status;
}
