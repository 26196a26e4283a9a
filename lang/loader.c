/* loader.c -- reading, parsing and linking modules (loader.h). */
#include "config.h"
#include "loader.h"
#include "parse.h"
#include "suggest.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_SOURCE_BYTES = 64 << 20, MAX_IMPORT_DEPTH = 256 };

void program_init(Program *p, Diags *diags)
{
	memset(p, 0, sizeof *p);
	arena_init(&p->arena);
	source_set_init(&p->sources);
	p->diags = diags;
	diags->sources = &p->sources;
	p->search_path = getenv("SGLSIM_PATH");
	p->pkgdatadir = SGL_PKGDATADIR;
}

void program_free(Program *p)
{
	free(p->mods);
	arena_free(&p->arena);
	source_set_free(&p->sources);
}

/* Reads a whole regular file.  Returns NULL with errno set on failure. */
static char *read_all(FILE *f, size_t *len)
{
	Buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_putn(&b, chunk, n);
		if (b.len > MAX_SOURCE_BYTES) {
			buf_free(&b);
			errno = EFBIG;
			return NULL;
		}
	}
	if (ferror(f)) {
		buf_free(&b);
		errno = EIO;
		return NULL;
	}
	if (!b.s) buf_putn(&b, "", 0);
	*len = b.len;
	return b.s;
}

/* Why read_all or read_path failed, from errno. */
static const char *unread_why(void)
{
	return errno == EFBIG ? "it is larger than 64 MiB, the most a source file may be" : strerror(errno);
}

static char *read_path(const char *path, size_t *len)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return NULL;
	}
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	char *text = read_all(f, len);
	int e = errno;
	fclose(f);
	errno = e;
	return text;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *dir_of(Arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash) return ".";
	if (slash == path) return "/";
	return arena_strndup(a, path, (size_t)(slash - path));
}

static Module *find_module(Program *p, const char *key)
{
	for (int i = 0; i < p->nmods; i++)
		if (strcmp(p->mods[i]->key, key) == 0)
			return p->mods[i];
	return NULL;
}

static Module *new_module(Program *p, const char *name, const char *key,
			  const char *dir, const char *text, size_t len, const char *path)
{
	Module *m = arena_alloc(&p->arena, sizeof *m);
	m->name = arena_strdup(&p->arena, name);
	m->key = arena_strdup(&p->arena, key);
	m->dir = dir ? arena_strdup(&p->arena, dir) : NULL;
	m->file = source_add(&p->sources, name, path, text, len);
	if (p->nmods == p->capmods) {
		p->capmods = p->capmods ? 2 * p->capmods : 16;
		p->mods = xrealloc(p->mods, (size_t)p->capmods * sizeof *p->mods);
	}
	m->index = p->nmods;
	p->mods[p->nmods++] = m;
	m->root = parse_file(&p->arena, p->diags, m->file);
	if (!m->root) m->root = ast_new(&p->arena, AST_FILE, (Span){m->file, 0, 0});
	return m;
}

/* Loads a module from disk by path; key = its real path. */
static Module *load_path(Program *p, const char *shown, const char *path, Span at, bool *failed)
{
	char real[PATH_MAX];
	const char *key = realpath(path, real) ? real : path;
	Module *m = find_module(p, key);
	if (m) return m;
	size_t len;
	char *text = read_path(path, &len);
	if (!text) {
		diag_error(p->diags, at, "cannot read '%s': %s", shown, unread_why());
		*failed = true;
		return NULL;
	}
	m = new_module(p, shown, key, dir_of(&p->arena, shown), text, len, path);
	free(text);
	return m;
}

static const SglEmbedded *embedded(const char *name)
{
	for (const SglEmbedded *e = sgl_embedded_stdlib; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* import NAME: the search order of loader.h. */
static Module *locate_named(Program *p, Module *from, AstNode *imp, bool *failed)
{
	const char *name = imp->name;
	char *cand;
	if (p->embedded_only) goto builtin;
	if (from->dir) {
		cand = arena_printf(&p->arena, "%s/%s.sgl", from->dir, name);
		if (is_file(cand)) return load_path(p, cand, cand, imp->nspan, failed);
	}
	if (p->search_path) {
		const char *s = p->search_path;
		while (*s) {
			const char *colon = strchr(s, ':');
			size_t n = colon ? (size_t)(colon - s) : strlen(s);
			if (n) {
				cand = arena_printf(&p->arena, "%.*s/%s.sgl", (int)n, s, name);
				if (is_file(cand)) return load_path(p, cand, cand, imp->nspan, failed);
			}
			if (!colon) break;
			s = colon + 1;
		}
	}
	if (p->pkgdatadir && *p->pkgdatadir) {
		cand = arena_printf(&p->arena, "%s/%s.sgl", p->pkgdatadir, name);
		if (is_file(cand)) return load_path(p, cand, cand, imp->nspan, failed);
	}
builtin:;
	const SglEmbedded *e = embedded(name);
	if (e) {
		char *key = arena_printf(&p->arena, "<stdlib>/%s.sgl", name);
		Module *m = find_module(p, key);
		return m ? m : new_module(p, key, key, NULL, e->text, e->len, NULL);
	}
	Suggest sg;
	suggest_init(&sg, name);
	for (const SglEmbedded *x = sgl_embedded_stdlib; x->name; x++)
		suggest_offer(&sg, x->name);
	Diag *d = diag_new(p->diags, DIAG_ERROR, imp->nspan, "cannot find module '%s'", name);
	if (suggest_best(&sg))
		diag_note(p->diags, d, imp->nspan, "did you mean '%s'?", suggest_best(&sg));
	diag_note(p->diags, d, imp->nspan,
		  "searched the importing file's folder, $SGLSIM_PATH, the installed stdlib and the built-in stdlib");
	diag_emit(p->diags, d);
	*failed = true;
	return NULL;
}

static Module *locate_path(Program *p, Module *from, AstNode *imp, bool *failed)
{
	const char *rel = imp->name;
	if (p->embedded_only) {
		diag_error(p->diags, imp->nspan, "cannot import files here: only the built-in stdlib is available");
		*failed = true;
		return NULL;
	}
	char *path = (rel[0] == '/' || !from->dir)
		? arena_strdup(&p->arena, rel)
		: arena_printf(&p->arena, "%s/%s", from->dir, rel);
	return load_path(p, path, path, imp->nspan, failed);
}

typedef struct Frame {
	Module *mod;
	AstNode *imp;   /* the import being followed from mod */
} Frame;

static void link_imports(Program *p, Module *m, Frame *stack, int depth)
{
	int n = 0;
	for (AstNode *it = m->root->kids; it; it = it->next)
		n += it->kind == AST_IMPORT;
	m->imports = arena_alloc(&p->arena, (size_t)(n ? n : 1) * sizeof *m->imports);
	for (AstNode *it = m->root->kids; it; it = it->next) {
		if (it->kind != AST_IMPORT || diags_stopped(p->diags)) continue;
		bool failed = false;
		int before = p->nmods;
		Module *t = it->op ? locate_path(p, m, it, &failed) : locate_named(p, m, it, &failed);
		if (!t) continue;
		if (t == m || (t->state == 0 && p->nmods == before)) {
			/* t is on the stack: a cycle from t back to itself */
			Diag *d = diag_new(p->diags, DIAG_ERROR, it->nspan,
					   "import cycle: '%s' imports '%s', which is already being imported",
					   m->name, t->name);
			for (int i = 0; i < depth; i++)
				if (stack[i].mod == t) {
					for (int j = i; j < depth; j++)
						diag_note(p->diags, d, stack[j].imp->nspan,
							  "'%s' imports '%s' here", stack[j].mod->name,
							  j + 1 < depth ? stack[j + 1].mod->name : m->name);
					break;
				}
			diag_emit(p->diags, d);
			continue;
		}
		m->imports[m->nimports++] = t;
		if (p->nmods > before) {
			if (depth >= MAX_IMPORT_DEPTH) {
				diag_error(p->diags, it->nspan, "imports nested more than %d deep", MAX_IMPORT_DEPTH);
				t->state = 1;
				continue;
			}
			stack[depth] = (Frame){m, it};
			link_imports(p, t, stack, depth + 1);
		}
	}
	m->state = 1;
}

/* A root that simulates or optimizes needs the stdlib laws whether or not
 * it imports them: load `metrics` (with `kernels`) beside the root, found
 * like an import from the root but not visible in the root's scope. */
static void load_simlib(Program *p, Module *root, Frame *stack)
{
	AstNode *at = NULL;
	for (AstNode *it = root->root->kids; it && !at; it = it->next)
		if (it->kind == AST_SIMULATE || it->kind == AST_OPTIMIZE) at = it;
	if (!at || diags_stopped(p->diags)) return;
	AstNode *imp = arena_alloc(&p->arena, sizeof *imp);
	memset(imp, 0, sizeof *imp);
	imp->kind = AST_IMPORT;
	imp->name = "metrics";
	imp->span = imp->nspan = at->span;
	bool failed = false;
	int before = p->nmods;
	Module *lib = locate_named(p, root, imp, &failed);
	if (!lib) return;
	if (p->nmods > before) {
		stack[0] = (Frame){root, imp};
		link_imports(p, lib, stack, 1);
	}
	p->simlib = lib;
}

static Module *finish_root(Program *p, Module *m)
{
	Frame *stack = xmalloc((MAX_IMPORT_DEPTH + 1) * sizeof *stack);
	p->root = m;
	link_imports(p, m, stack, 0);
	load_simlib(p, m, stack);
	free(stack);
	return m;
}

Module *loader_load(Program *p, const char *path)
{
	size_t len;
	char *text;
	if (strcmp(path, "-") == 0) {
		text = read_all(stdin, &len);
		if (!text) {
			diag_error(p->diags, (Span){0, 0, 0}, "cannot read standard input: %s", unread_why());
			return NULL;
		}
		Module *m = new_module(p, "<stdin>", "<stdin>", ".", text, len, NULL);
		free(text);
		return finish_root(p, m);
	}
	text = read_path(path, &len);
	if (!text) {
		diag_error(p->diags, (Span){0, 0, 0}, "cannot read '%s': %s", path, unread_why());
		return NULL;
	}
	char real[PATH_MAX];
	Module *m = new_module(p, path, realpath(path, real) ? real : path,
			       dir_of(&p->arena, path), text, len, path);
	free(text);
	return finish_root(p, m);
}

Module *loader_load_text(Program *p, const char *name, const char *text, size_t len)
{
	return finish_root(p, new_module(p, name, name, NULL, text, len, NULL));
}
