/* parse.c -- runs the flex scanner and bison parser over one source. */
#include "config.h"
#include "parse.h"
#include "parser.h"

#include <stdlib.h>
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
	/* a UTF-8 byte-order mark is not part of the text */
	uint32_t skip = src->len >= 3 && !memcmp(src->text, "\xef\xbb\xbf", 3) ? 3 : 0;
	P.lx.off = skip;
	yy_scan_bytes(src->text + skip, (int)(src->len - skip), P.lx.scanner);
	yyparse(&P);
	yylex_destroy(P.lx.scanner);
	buf_free(&P.lx.str);
	return P.root;
}

/* The first node found more than `limit` levels below n, or NULL.  No
 * recursion: an explicit, growing stack. */
typedef struct DepthItem {
	AstNode *n;
	int depth;
} DepthItem;

static AstNode *too_deep(AstNode *n, int limit)
{
	size_t cap = 64, top = 0;
	DepthItem *stack = xmalloc(cap * sizeof *stack);
	AstNode *found = NULL;
	stack[top++] = (DepthItem){n, 1};
	while (top && !found) {
		DepthItem it = stack[--top];
		if (it.depth > limit) {
			found = it.n;
			break;
		}
		AstNode *kids[3] = {it.n->a, it.n->b, it.n->c};
		for (int i = 0; i < 3; i++) {
			if (!kids[i]) continue;
			if (top == cap) stack = xrealloc(stack, (cap *= 2) * sizeof *stack);
			stack[top++] = (DepthItem){kids[i], it.depth + 1};
		}
		for (AstNode *k = it.n->kids; k; k = k->next) {
			if (top == cap) stack = xrealloc(stack, (cap *= 2) * sizeof *stack);
			stack[top++] = (DepthItem){k, it.depth + 1};
		}
	}
	free(stack);
	return found;
}

/* An item nested deeper than PARSE_MAX_DEPTH is reported; a declaration
 * keeps its name with an empty body (so uses of it raise nothing more), a
 * statement or param is dropped.  Every later pass may then recurse over
 * the tree safely. */
static void limit_depth(Diags *diags, AstNode *list_owner)
{
	AstNode **link = &list_owner->kids;
	while (*link) {
		AstNode *it = *link, *deep = too_deep(it, PARSE_MAX_DEPTH);
		if (!deep) {
			link = &it->next;
			continue;
		}
		diag_error(diags, it->span, "this is nested more than %d levels deep (a chain of operators counts one level per operator)",
			   PARSE_MAX_DEPTH);
		switch (it->kind) {
		case AST_CONST: case AST_METRIC: case AST_FN: case AST_RECORD:
			it->a = it->b = it->c = NULL;
			it->kids = NULL;
			link = &it->next;
			break;
		default:
			*link = it->next;
			break;
		}
	}
}

AstNode *parse_file(Arena *arena, Diags *diags, uint32_t file)
{
	AstNode *root = run(arena, diags, file, START_FILE);
	if (root) limit_depth(diags, root);
	return root;
}

AstNode *parse_expr(Arena *arena, Diags *diags, uint32_t file)
{
	AstNode *e = run(arena, diags, file, START_EXPR);
	if (e && too_deep(e, PARSE_MAX_DEPTH)) {
		diag_error(diags, e->span, "this is nested more than %d levels deep", PARSE_MAX_DEPTH);
		return NULL;
	}
	return e;
}
