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

#include <stdio.h>

static void print_diag(void *ud, const Diag *d)
{
	const SourceSet *ss = ud;
	Buf b = {0};
	diag_render(&b, ss, d);
	fwrite(b.s, 1, b.len, stderr);
	buf_free(&b);
}

/* Loads and checks one file; runs it when `run`.  Returns the exit status. */
static int one_file(const DriverOpts *o, const char *path, bool run)
{
	Diags diags;
	Program prog;
	diags_init(&diags, NULL, print_diag, NULL);
	program_init(&prog, &diags);
	diags.ud = &prog.sources;
	int status = 0;
	Module *root = loader_load(&prog, path);
	if (root && o->dump_ast && !diags.errors)
		ast_dump(stdout, root->root);
	if (root && !diags_stopped(&diags)) {
		Sema *s = sema_new(&prog);
		bool ok = sema_check(s, o->binds, o->nbinds);
		if (ok && run) {
			fflush(stderr);
			sema_run(s, stdout);
			fflush(stdout);
		}
	}
	if (diags.errors || !root) status = 1;
	else if (!run) printf("%s: ok\n", path);
	diags_free(&diags);
	program_free(&prog);
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
