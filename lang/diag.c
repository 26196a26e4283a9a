/* diag.c -- building, counting and rendering diagnostics (diag.h). */
#include "config.h"
#include "diag.h"

#include <stdarg.h>
#include <string.h>

void diags_init(Diags *ds, SourceSet *sources, DiagFn fn, void *ud)
{
	memset(ds, 0, sizeof *ds);
	ds->sources = sources;
	ds->fn = fn;
	ds->ud = ud;
	ds->max_errors = 20;
	arena_init(&ds->arena);
}

void diags_free(Diags *ds) { arena_free(&ds->arena); }

static Diag *diag_vnew(Diags *ds, DiagLevel level, Span span, const char *fmt, va_list ap)
{
	Diag *d = arena_alloc(&ds->arena, sizeof *d);
	d->level = level;
	d->span = span;
	d->msg = arena_vprintf(&ds->arena, fmt, ap);
	d->notes = NULL;
	d->tail = &d->notes;
	return d;
}

Diag *diag_new(Diags *ds, DiagLevel level, Span span, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	Diag *d = diag_vnew(ds, level, span, fmt, ap);
	va_end(ap);
	return d;
}

void diag_note(Diags *ds, Diag *d, Span span, const char *fmt, ...)
{
	DiagNote *n = arena_alloc(&ds->arena, sizeof *n);
	va_list ap;
	va_start(ap, fmt);
	n->msg = arena_vprintf(&ds->arena, fmt, ap);
	va_end(ap);
	n->span = span;
	*d->tail = n;
	d->tail = &n->next;
}

void diag_emit(Diags *ds, Diag *d)
{
	if (ds->stopped)
		return;
	if (d->level == DIAG_ERROR) {
		if (ds->errors == ds->max_errors) {
			Diag *stop = diag_new(ds, DIAG_ERROR, (Span){0, 0, 0},
					      "too many errors (%d); stopping",
					      ds->max_errors);
			if (ds->fn) ds->fn(ds->ud, stop);
			ds->stopped = true;
			return;
		}
		ds->errors++;
	} else if (d->level == DIAG_WARNING) {
		ds->warnings++;
	}
	if (ds->fn) ds->fn(ds->ud, d);
}

void diag_error(Diags *ds, Span span, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	Diag *d = diag_vnew(ds, DIAG_ERROR, span, fmt, ap);
	va_end(ap);
	diag_emit(ds, d);
}

void diag_warning(Diags *ds, Span span, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	Diag *d = diag_vnew(ds, DIAG_WARNING, span, fmt, ap);
	va_end(ap);
	diag_emit(ds, d);
}

static const char *level_name(DiagLevel l)
{
	return l == DIAG_ERROR ? "error" : l == DIAG_WARNING ? "warning" : "note";
}

/* The source line under the span, then a line with '^' at the span's start
 * and '~' under the rest of it (on that line).  Tabs before the caret are
 * copied so the caret lines up whatever the terminal's tab width. */
static void render_snippet(Buf *out, const SourceSet *ss, Span sp)
{
	const Source *src = source_get(ss, sp.file);
	uint32_t start, len;
	source_line_of(ss, sp.file, sp.lo, &start, &len);
	buf_putn(out, src->text + start, len);
	buf_putc(out, '\n');
	uint32_t end = start + len;
	for (uint32_t i = start; i < sp.lo && i < end; i++) {
		unsigned char c = (unsigned char)src->text[i];
		if (c == '\t') buf_putc(out, '\t');
		else if ((c & 0xC0) != 0x80) buf_putc(out, ' ');
	}
	buf_putc(out, '^');
	for (uint32_t i = sp.lo + 1; i < sp.hi && i < end; i++) {
		unsigned char c = (unsigned char)src->text[i];
		if ((c & 0xC0) != 0x80) buf_putc(out, '~');
	}
	buf_putc(out, '\n');
}

static void render_one(Buf *out, const SourceSet *ss, DiagLevel level, Span sp, const char *msg)
{
	if (sp.file == 0) {
		buf_printf(out, "sglsim: %s: %s\n", level_name(level), msg);
		return;
	}
	unsigned line, col;
	source_linecol(ss, sp.file, sp.lo, &line, &col);
	buf_printf(out, "%s:%u:%u: %s: %s\n", source_get(ss, sp.file)->name,
		   line, col, level_name(level), msg);
	render_snippet(out, ss, sp);
}

void diag_render(Buf *out, const SourceSet *ss, const Diag *d)
{
	render_one(out, ss, d->level, d->span, d->msg);
	for (const DiagNote *n = d->notes; n; n = n->next)
		render_one(out, ss, DIAG_NOTE, n->span, n->msg);
}
