/* fuzz_frontend.c -- libFuzzer harness for the whole front end.
 *
 * Each input is a .sgl file: it is parsed, checked and run; every `print`
 * of a formula is also lowered to the DAG, simplified, differentiated by
 * each param, printed in every format and evaluated by the interpreter.
 * Imports resolve only to the built-in stdlib, so the fuzzer never reads
 * the file system.  Built and run by `make fuzz`.
 */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include "lang/loader.h"
#include "lang/sema.h"
#include "compiler/bytecode.h"
#include "compiler/lower.h"
#include "compiler/print.h"
#include "compiler/simplify.h"

static void ignore(void *ud, const Diag *d)
{
	Buf b = {0};
	diag_render(&b, ud, d); /* rendering must not crash either */
	buf_free(&b);
}

static bool formula(void *ud, Sema *s, Module *m, AstNode *e, const Value *ctx, Dim dim, Buf *out,
		    const char **why)
{
	(void)ud; (void)dim;
	Dag g;
	dag_init(&g);
	Lowerer L;
	lower_init(&L, s, &g, ctx);
	NodeId n = lower_expr(&L, m, e);
	if (n != NODE_NONE) {
		NodeId roots[8] = {n, dag_simplify(&g, n)};
		uint32_t nr = 2;
		for (uint32_t p = 0; p < g.nparams && nr < 8; p++) roots[nr++] = dag_derive(&g, n, p);
		for (int f = FMT_INFIX; f <= FMT_SEXPR; f++) dag_print(out, &g, roots[1], (DagFormat)f, "f", 1 << 16);
		BcProgram *prog = bc_compile(&g, roots, nr);
		double params[64] = {0}, res[8];
		for (uint32_t p = 0; p < g.nparams && p < 64; p++) params[p] = 1.5 + p;
		if (g.nparams <= 64) bc_eval(prog, params, res);
		bc_free(prog);
	} else {
		*why = L.why;
	}
	lower_free(&L);
	dag_free(&g);
	return n != NODE_NONE;
}

static const SemaHooks hooks = {formula, NULL, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Diags diags;
	Program prog;
	diags_init(&diags, NULL, ignore, NULL);
	program_init(&prog, &diags);
	diags.ud = &prog.sources;
	prog.embedded_only = true;
	Module *m = loader_load_text(&prog, "fuzz.sgl", (const char *)data, size);
	if (m && !diags_stopped(&diags)) {
		Sema *s = sema_new(&prog);
		if (sema_check(s, NULL, 0)) {
			FILE *null = fopen("/dev/null", "w");
			if (null) {
				sema_run(s, null, &hooks);
				fclose(null);
			}
		}
	}
	diags_free(&diags);
	program_free(&prog);
	return 0;
}
