/* helpers.h -- shared fixtures of the unit tests: compile text in memory
 * and capture the rendered diagnostics. */
#ifndef SGL_TEST_HELPERS_H
#define SGL_TEST_HELPERS_H
#include <stdbool.h>
#include "lang/loader.h"
#include "lang/sema.h"

typedef struct Compiled {
	Diags diags;
	Program prog;
	Module *root;
	Sema *sema;
	Buf err;       /* every diagnostic, rendered */
	Buf out;       /* what `run` printed */
	bool ok;
} Compiled;

/* One source text with its diagnostics (not printed, only counted) and an
 * arena: the fixture of the lexer and parser tests. */
typedef struct Front {
	SourceSet ss;
	Diags d;
	Arena a;
	uint32_t file;
} Front;
void front_open(Front *f, const char *text);
void front_close(Front *f);

/* Parses and checks `text` as file "t.sgl"; with run, executes it too. */
Compiled *compile_text(const char *text, bool run);
void compiled_free(Compiled *c);
/* Scanner tokens of text as a space-separated string of token names. */
char *lex_tokens(const char *text);

/* A small deterministic generator for random test instances (splitmix64):
 * the next 64 random bits of state *s. */
uint64_t test_splitmix(uint64_t *s);

/* The whole file, NUL-terminated (free it), or NULL when it does not
 * exist; *len (when not NULL) its length. */
char *test_slurp(const char *path, size_t *len);

#endif
