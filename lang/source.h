/* source.h -- source texts and byte spans.
 *
 * A Span names bytes [lo, hi) of one source file by index in a SourceSet.
 * Spans are what the lexer, parser, AST and sema carry; line and column are
 * computed only when a diagnostic is printed (source_linecol).
 *
 * Columns are display columns, 1-based: each UTF-8 code point counts one,
 * a tab advances to the next multiple of 8 (as GCC and Clang count them).
 *
 * Ownership: the SourceSet owns every Source and its text (heap memory,
 * released by source_set_free).
 */
#ifndef SGL_SOURCE_H
#define SGL_SOURCE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Span {
	uint32_t file;   /* index in the SourceSet; 0 = no location */
	uint32_t lo, hi; /* byte offsets, lo <= hi */
} Span;

typedef struct Source {
	char   *name;   /* as shown in messages, e.g. "examples/a.sgl" */
	char   *path;   /* on disk; NULL for embedded or command-line text */
	char   *text;   /* NUL-terminated copy */
	size_t  len;
	uint32_t *lines; /* byte offset of each line start (lazy) */
	size_t  nlines;
} Source;

typedef struct SourceSet {
	Source **v;   /* v[0] is a placeholder so that file 0 means "none" */
	size_t   n, cap;
} SourceSet;

void source_set_init(SourceSet *ss);
void source_set_free(SourceSet *ss);
/* Adds a copy of text; returns its file index (>= 1). */
uint32_t source_add(SourceSet *ss, const char *name, const char *path,
		    const char *text, size_t len);
const Source *source_get(const SourceSet *ss, uint32_t file);

/* Length in bytes (1 to 4) of the display unit starting at s[0] (n > 0
 * bytes left): a valid UTF-8 sequence, or one byte that is not (then
 * *valid is false).  Every unit is one column, except a tab. */
size_t source_unit(const char *s, size_t n, bool *valid);

/* 1-based line and display column of byte offset `off` of `file`. */
void source_linecol(const SourceSet *ss, uint32_t file, uint32_t off,
		    unsigned *line, unsigned *col);
/* The bytes of the line holding `off`: start offset and length (no '\n'). */
void source_line_of(const SourceSet *ss, uint32_t file, uint32_t off,
		    uint32_t *start, uint32_t *len);

static inline Span span_join(Span a, Span b)
{
	Span s = a;
	if (!a.file) return b;
	if (b.file == a.file) {
		if (b.lo < s.lo) s.lo = b.lo;
		if (b.hi > s.hi) s.hi = b.hi;
	}
	return s;
}

#endif
