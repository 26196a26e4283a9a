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
	if (ds->stopped) return;   /* not even kept: 64 MiB of bad bytes stay cheap */
	va_list ap;
	va_start(ap, fmt);
	Diag *d = diag_vnew(ds, DIAG_ERROR, span, fmt, ap);
	va_end(ap);
	diag_emit(ds, d);
}

void diag_warning(Diags *ds, Span span, const char *fmt, ...)
{
	if (ds->stopped) return;   /* not even kept: 64 MiB of bad bytes stay cheap */
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
 * copied so the caret lines up whatever the terminal's tab width; control
 * characters and invalid UTF-8 show as '?'.  A line longer than WINDOW
 * bytes is cut to a window around the caret, with "..." at the cuts. */
enum { WINDOW = 160, BEFORE = 60 };

static void render_snippet(Buf *out, const SourceSet *ss, Span sp)
{
	const Source *src = source_get(ss, sp.file);
	const char *t = src->text;
	uint32_t start, len;
	source_line_of(ss, sp.file, sp.lo, &start, &len);
	uint32_t end = start + len;
	if (start == 0 && len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3) && sp.lo >= 3)
		start = 3; /* not the byte-order mark */
	uint32_t from = start, to = end;
	if (sp.lo > end) sp.lo = end;
	if (len > WINDOW) {
		from = sp.lo > start + BEFORE ? sp.lo - BEFORE : start;
		while (from > start && ((unsigned char)t[from] & 0xc0) == 0x80) from--;
		to = from + WINDOW < end ? from + WINDOW : end;
	}
	bool valid;
	const char *cut = from > start ? "..." : "";
	buf_puts(out, cut);
	for (uint32_t i = from; i < to;) {
		size_t u = source_unit(t + i, end - i, &valid);
		unsigned char c = (unsigned char)t[i];
		if (!valid || (c < 0x20 && c != '\t') || c == 0x7f) buf_putc(out, '?');
		else buf_putn(out, t + i, u);
		i += (uint32_t)u;
	}
	if (to < end) buf_puts(out, "...");
	buf_putc(out, '\n');
	buf_puts(out, from > start ? "   " : "");
	for (uint32_t i = from; i < sp.lo && i < to;) {
		buf_putc(out, t[i] == '\t' ? '\t' : ' ');
		i += (uint32_t)source_unit(t + i, end - i, &valid);
	}
	buf_putc(out, '^');
	uint32_t i = sp.lo < end ? sp.lo + (uint32_t)source_unit(t + sp.lo, end - sp.lo, &valid) : sp.lo;
	while (i < sp.hi && i < to) {
		buf_putc(out, '~');
		i += (uint32_t)source_unit(t + i, end - i, &valid);
	}
	buf_putc(out, '\n');
}

/* A message that quotes a huge token (a name or number megabytes long) is
 * cut after DIAG_MAX_MSG bytes, at a character boundary, and ends "...". */
enum { DIAG_MAX_MSG = 1000 };

static void render_one(Buf *out, const SourceSet *ss, DiagLevel level, Span sp, const char *msg)
{
	size_t len = strlen(msg), show = len;
	if (len > DIAG_MAX_MSG) {
		show = DIAG_MAX_MSG;
		while (show > 0 && ((unsigned char)msg[show] & 0xC0) == 0x80) show--;
	}
	const char *more = show < len ? "..." : "";
	if (sp.file == 0) {
		buf_printf(out, "sglsim: %s: %.*s%s\n", level_name(level), (int)show, msg, more);
		return;
	}
	unsigned line, col;
	source_linecol(ss, sp.file, sp.lo, &line, &col);
	buf_printf(out, "%s:%u:%u: %s: %.*s%s\n", source_get(ss, sp.file)->name,
		   line, col, level_name(level), (int)show, msg, more);
	render_snippet(out, ss, sp);
}

void diag_render(Buf *out, const SourceSet *ss, const Diag *d)
{
	render_one(out, ss, d->level, d->span, d->msg);
	for (const DiagNote *n = d->notes; n; n = n->next)
		render_one(out, ss, DIAG_NOTE, n->span, n->msg);
}
