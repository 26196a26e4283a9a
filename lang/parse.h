/* parse.h -- from source text to AST.
 *
 * parse_file parses a whole .sgl source; parse_expr parses one expression
 * (used for -D values and for the schema's default values).  Both return
 * NULL only when nothing could be built; syntax errors are reported to
 * `diags` and the tree built around them is returned, so sema can report
 * more.  The AST lives in `arena`.
 */
#ifndef SGL_PARSE_H
#define SGL_PARSE_H
#include "ast.h"
#include "diag.h"

/* Expressions and blocks nest at most this deep; the body of a deeper
 * item is reported and dropped, so later passes may recurse safely. */
enum { PARSE_MAX_DEPTH = 1000 };

AstNode *parse_file(Arena *arena, Diags *diags, uint32_t file);
AstNode *parse_expr(Arena *arena, Diags *diags, uint32_t file);

#endif
