/* lex.h -- the reentrant flex scanner's state and entry points.
 *
 * The scanner (lexer.l) turns bytes into tokens with byte spans.  Numbers
 * take their unit suffix with them (`3.35 TB/s` is one NUMBER token whose
 * value is in base units).  Lexical errors are reported through `diags` and
 * scanning continues.  Newline filtering (which newlines separate items)
 * happens in the parser's yylex wrapper, not here.
 *
 * ylwrap drops flex's header, so the scanner's prototypes are written here.
 */
#ifndef SGL_LEX_H
#define SGL_LEX_H
#include <stdint.h>
#include "arena.h"
#include "diag.h"

typedef struct Lexer {
	Diags *diags;
	Arena *arena;
	uint32_t file;     /* source index of the text being scanned */
	uint32_t off;      /* byte offset of the next unread byte */
	uint32_t tok_lo;   /* start of a multi-part token (strings) */
	Buf str;           /* string literal being decoded */
	int depth;         /* nesting of ( : newlines inside are blanks */
	int last;          /* last token handed to the parser */
	int start;         /* token to hand out first, 0 once done */
	int skip;          /* > 0: the rest of an over-deep chain is skipped, at
			      bracket level skip - 1 (parser.y); names and
			      strings are then not copied */
	int queued;        /* a token held back by the skip, or 0 */
	Span queued_loc;
	void *scanner;
} Lexer;

/* The escapes a string may hold, as the message for an unknown one ends
 * it (lexer.l, and fmt.c, which checks strings the same way); the
 * "Strings" section of doc/language.md lists the same. */
#define SGL_STRING_ESCAPES "use \\n, \\t, \\r, \\\\, \\\", \\xHH or \\u{H...}"

/* Keyword table lookup: the token code, or 0 if `s` is not a keyword. */
int lex_keyword(const char *s, size_t n);

/* flex's reentrant API (prefix yy) */
typedef void *yyscan_t;
int  yylex_init_extra(Lexer *extra, yyscan_t *scanner);
int  yylex_destroy(yyscan_t scanner);
struct yy_buffer_state *yy_scan_bytes(const char *bytes, int len, yyscan_t scanner);

#endif
