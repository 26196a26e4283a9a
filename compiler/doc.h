/* doc.h -- reference tables printed from the language's own tables.
 *
 * `sglsim doc fields|units|builtins|keywords` prints Markdown generated from
 * schema.def, units.def, builtins.def and the lexer's keyword list, so the
 * language reference (doc/language.md) cannot drift from the code: a test
 * compares the two.
 */
#ifndef SGL_DOC_H
#define SGL_DOC_H
#include <stdio.h>

/* Returns 0, or 2 when `what` is not a known table. */
int doc_print(FILE *out, const char *what);

#endif
