/* source.c -- source texts, line tables and display columns (source.h). */
#include "config.h"
#include "source.h"
#include "arena.h"

#include <stdlib.h>
#include <string.h>

void source_set_init(SourceSet *ss)
{
	ss->v = NULL;
	ss->n = ss->cap = 0;
	source_add(ss, "<none>", NULL, "", 0);
}

void source_set_free(SourceSet *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		Source *s = ss->v[i];
		free(s->name);
		free(s->path);
		free(s->text);
		free(s->lines);
		free(s);
	}
	free(ss->v);
	ss->v = NULL;
	ss->n = ss->cap = 0;
}

static char *dup_or_null(const char *s)
{
	if (!s) return NULL;
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);
	memcpy(p, s, n);
	return p;
}

uint32_t source_add(SourceSet *ss, const char *name, const char *path,
		    const char *text, size_t len)
{
	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 8;
		ss->v = xrealloc(ss->v, ss->cap * sizeof *ss->v);
	}
	Source *s = xmalloc(sizeof *s);
	s->name = dup_or_null(name);
	s->path = dup_or_null(path);
	s->text = xmalloc(len + 1);
	memcpy(s->text, text, len);
	s->text[len] = 0;
	s->len = len;
	s->lines = NULL;
	s->nlines = 0;
	ss->v[ss->n] = s;
	return (uint32_t)ss->n++;
}

const Source *source_get(const SourceSet *ss, uint32_t file)
{
	return file < ss->n ? ss->v[file] : ss->v[0];
}

static void build_lines(Source *s)
{
	size_t n = 1;
	for (size_t i = 0; i < s->len; i++)
		n += s->text[i] == '\n';
	s->lines = xmalloc(n * sizeof *s->lines);
	s->lines[0] = 0;
	size_t k = 1;
	for (size_t i = 0; i < s->len; i++)
		if (s->text[i] == '\n')
			s->lines[k++] = (uint32_t)(i + 1);
	s->nlines = n;
}

static size_t line_index(Source *s, uint32_t off)
{
	if (!s->lines)
		build_lines(s);
	size_t lo = 0, hi = s->nlines;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (s->lines[mid] <= off) lo = mid; else hi = mid;
	}
	return lo;
}

void source_line_of(const SourceSet *ss, uint32_t file, uint32_t off,
		    uint32_t *start, uint32_t *len)
{
	Source *s = (Source *)source_get(ss, file);
	if (off > s->len) off = (uint32_t)s->len;
	size_t li = line_index(s, off);
	uint32_t b = s->lines[li];
	uint32_t e = b;
	while (e < s->len && s->text[e] != '\n')
		e++;
	if (e > b && s->text[e - 1] == '\r')
		e--;
	*start = b;
	*len = e - b;
}

size_t source_unit(const char *s, size_t n, bool *valid)
{
	unsigned char c = (unsigned char)s[0];
	size_t need = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		    : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	*valid = need > 0 && need <= n;
	for (size_t i = 1; *valid && i < need; i++)
		*valid = ((unsigned char)s[i] & 0xc0) == 0x80;
	return *valid ? need : 1;
}

void source_linecol(const SourceSet *ss, uint32_t file, uint32_t off,
		    unsigned *line, unsigned *col)
{
	Source *s = (Source *)source_get(ss, file);
	if (off > s->len) off = (uint32_t)s->len;
	size_t li = line_index(s, off);
	unsigned c = 0;
	bool valid;
	uint32_t i0 = s->lines[li];
	if (i0 == 0 && s->len >= 3 && !memcmp(s->text, "\xef\xbb\xbf", 3) && off >= 3)
		i0 = 3; /* a byte-order mark takes no column */
	for (uint32_t i = i0; i < off; i += (uint32_t)source_unit(s->text + i, s->len - i, &valid)) {
		if (s->text[i] == '\t')
			c = (c / 8 + 1) * 8;
		else
			c++;
	}
	*line = (unsigned)li + 1;
	*col = c + 1;
}
