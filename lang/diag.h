/* diag.h -- diagnostics: errors, warnings and notes with exact spans.
 *
 * Library code never prints.  It builds a Diag (diag_new), attaches notes
 * (diag_note) and hands it to diag_emit, which counts it and passes it to
 * the callback the caller installed.  The CLI's callback renders it with
 * diag_render:
 *
 *     file.sgl:3:14: error: cannot add bytes [B] and time [s]
 *     const x = 80 GiB + 2 ms
 *                      ^
 *     file.sgl:1:1: note: ...
 *
 * After `max_errors` errors (20 by default) one more error says that
 * compilation stops, and diags_stopped() turns true: passes check it and
 * return early.
 *
 * Ownership: a Diag and its text live in the Diags' arena until diags_free.
 */
#ifndef SGL_DIAG_H
#define SGL_DIAG_H
#include <stdbool.h>
#include "arena.h"
#include "source.h"

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef struct DiagNote {
	Span span;
	char *msg;
	struct DiagNote *next;
} DiagNote;

typedef struct Diag {
	DiagLevel level;
	Span span;
	char *msg;
	DiagNote *notes, **tail;
} Diag;

typedef void (*DiagFn)(void *ud, const Diag *d);

typedef struct Diags {
	SourceSet *sources;
	DiagFn fn;
	void *ud;
	int errors, warnings;
	int max_errors;
	bool stopped;
	Arena arena;
} Diags;

void diags_init(Diags *ds, SourceSet *sources, DiagFn fn, void *ud);
void diags_free(Diags *ds);
static inline bool diags_stopped(const Diags *ds) { return ds->stopped; }

Diag *diag_new(Diags *ds, DiagLevel level, Span span, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_note(Diags *ds, Diag *d, Span span, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_emit(Diags *ds, Diag *d);
/* diag_new + diag_emit for the common case without notes. */
void diag_error(Diags *ds, Span span, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warning(Diags *ds, Span span, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends the rendered text of d (with source lines and carets) to out. */
void diag_render(Buf *out, const SourceSet *ss, const Diag *d);

#endif
