/* loader.h -- a Program: the root file and every module it imports.
 *
 * loader_load reads the root file (or stdin for "-"), parses it and every
 * module reachable through `import`, in depth-first order.  `import NAME`
 * searches, in order: the importing file's folder, each folder of
 * $SGLSIM_PATH (colon-separated), the installed stdlib (SGL_PKGDATADIR),
 * then the stdlib embedded in the binary.  `import "path.sgl"` is relative
 * to the importing file.  A module is loaded once however often imported;
 * import cycles and missing modules are errors at the import.
 *
 * Ownership: the Program owns its sources, arena (AST) and modules; free
 * it with program_free.  The Diags outlive it (the caller's).
 */
#ifndef SGL_LOADER_H
#define SGL_LOADER_H
#include <stdbool.h>
#include <stddef.h>
#include "ast.h"
#include "diag.h"

typedef struct SglEmbedded {
	const char *name;
	const char *text;
	size_t len;
} SglEmbedded;
/* Generated from stdlib/ (build-aux/embed.sh); NULL-name terminated. */
extern const SglEmbedded sgl_embedded_stdlib[];

typedef struct Module Module;
struct Module {
	const char *name;   /* shown in messages */
	const char *key;    /* identity: real path, or "<stdlib>/NAME" */
	const char *dir;    /* folder for relative imports; NULL if none */
	uint32_t file;
	AstNode *root;      /* AST_FILE */
	Module **imports;   /* direct imports, in source order */
	int nimports;
	int state;          /* 0 loading, 1 loaded */
	int index;          /* in Program.mods */
	struct Scope *scope;   /* sema's */
};

typedef struct Program {
	Arena arena;
	SourceSet sources;
	Diags *diags;
	Module **mods;
	int nmods, capmods;
	Module *root;
	const char *search_path;   /* $SGLSIM_PATH or NULL */
	const char *pkgdatadir;    /* installed stdlib folder */
	bool embedded_only;        /* imports come only from the built-in stdlib (fuzzing) */
	Module *simlib;            /* the stdlib `metrics` module (and what it imports),
				      loaded when the root file has a simulate or optimize
				      statement: the laws the simulator compiles; NULL otherwise */
} Program;

void program_init(Program *p, Diags *diags);
void program_free(Program *p);
/* Loads path ("-" = stdin).  Returns the root module, or NULL when the
 * file cannot be read (reported). */
Module *loader_load(Program *p, const char *path);
/* Loads in-memory text as the root module (tests, fuzzing). */
Module *loader_load_text(Program *p, const char *name, const char *text, size_t len);

#endif
