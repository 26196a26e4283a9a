/* parse.c -- runs the flex scanner and bison parser over one source. */
#include "config.h"
#include "parse.h"
#include "parser.h"

#include <string.h>

static AstNode *run(Arena *arena, Diags *diags, uint32_t file, int start)
{
	Parser P;
	memset(&P, 0, sizeof P);
	P.arena = arena;
	P.diags = diags;
	P.lx.diags = diags;
	P.lx.arena = arena;
	P.lx.file = file;
	P.lx.start = start;
	const Source *src = source_get(diags->sources, file);
	if (yylex_init_extra(&P.lx, &P.lx.scanner) != 0)
		return NULL;
	yy_scan_bytes(src->text, (int)src->len, P.lx.scanner);
	yyparse(&P);
	yylex_destroy(P.lx.scanner);
	buf_free(&P.lx.str);
	return P.root;
}

AstNode *parse_file(Arena *arena, Diags *diags, uint32_t file)
{
	return run(arena, diags, file, START_FILE);
}

AstNode *parse_expr(Arena *arena, Diags *diags, uint32_t file)
{
	return run(arena, diags, file, START_EXPR);
}
