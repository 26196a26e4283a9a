/* fmt.h -- the canonical layout of .sgl source, for `sglsim fmt`.
 *
 * sgl_format() rewrites a source text into its one canonical layout.  It
 * changes only whitespace and redundant `;` at the end of a line: tokens,
 * their order, the spelling of every number, unit, string and comment, and
 * which line breaks end an item all stay as written, so the file means the
 * same (`sglsim check --dump-ast` prints the same tree).  The result is a
 * fixed point: formatting it again gives it back unchanged.  The rules are
 * listed at the top of fmt.c.
 */
#ifndef SGL_FMT_H
#define SGL_FMT_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"

/* Appends the canonical form of src[0..len) to *out and returns true.
 * When the text does not scan as .sgl (a string without its closing quote,
 * a bad escape, a character outside the language, a number out of range),
 * appends nothing, sets *err (when err is not NULL) to a malloc'd message
 * "LINE:COL: what" (the caller frees it) and returns false.  Syntax is not
 * checked: text that scans is formatted even where it would not parse. */
bool sgl_format(const char *src, size_t len, Buf *out, char **err);

#endif
