/* csv.c -- streaming CSV reader (csv.h). */
#include "config.h"
#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool read_line(Csv *c)
{
	size_t len = 0;
	int ch;
	while ((ch = getc(c->f)) != EOF && ch != '\n') {
		if (len == CSV_MAX_LINE) {
			snprintf(c->why, sizeof c->why, "line %ld is longer than %d bytes", c->lineno + 1, CSV_MAX_LINE);
			return false;
		}
		if (ch == 0) {   /* text has no NUL: cut there, the rest of the line would vanish */
			snprintf(c->why, sizeof c->why, "line %ld has a NUL byte (is this a text file?)", c->lineno + 1);
			return false;
		}
		if (len + 2 > c->cap) {
			c->cap = c->cap ? 2 * c->cap : 256;
			char *p = realloc(c->line, c->cap);
			if (!p) abort();
			c->line = p;
		}
		c->line[len++] = (char)ch;
	}
	if (ch == EOF && ferror(c->f)) {
		snprintf(c->why, sizeof c->why, "cannot read line %ld: %s", c->lineno + 1, strerror(errno));
		return false;
	}
	if (ch == EOF && len == 0) return false;
	if (!c->line) {
		c->cap = 256;
		c->line = malloc(c->cap);
		if (!c->line) abort();
	}
	if (len && c->line[len - 1] == '\r') len--;
	c->line[len] = 0;
	c->lineno++;
	return true;
}

/* Splits the line in place into c->field; false past CSV_MAX_FIELDS. */
static bool split(Csv *c)
{
	char *p = c->line;
	c->n = 0;
	for (;;) {
		char *out = p, *start = p;
		if (*p == '"') {
			p++;
			for (; *p; p++) {
				if (*p == '"' && p[1] == '"') { *out++ = '"'; p++; }
				else if (*p == '"') { p++; break; }
				else *out++ = *p;
			}
			while (*p && *p != ',') p++;
		} else {
			while (*p && *p != ',') *out++ = *p++;
		}
		char sep = *p;
		*out = 0;
		if (c->n == CSV_MAX_FIELDS) {
			snprintf(c->why, sizeof c->why, "line %ld has more than %d fields", c->lineno, CSV_MAX_FIELDS);
			return false;
		}
		c->field[c->n++] = start;
		if (!sep) return true;
		p++;
	}
}

bool csv_open(Csv *c, const char *path)
{
	memset(c, 0, sizeof *c);
	c->f = fopen(path, "r");
	if (!c->f) return false;
	bool ok = read_line(c);
	if (ok) {
		char *text = c->line;
		if ((unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
			memmove(text, text + 3, strlen(text + 3) + 1);
		ok = split(c);
	}
	if (!ok) {
		char why[sizeof c->why];
		memcpy(why, c->why, sizeof why);
		errno = 0;
		csv_close(c);
		memcpy(c->why, why, sizeof why);
		return false;
	}
	c->nhead = c->n;
	for (int i = 0; i < c->n; i++) {
		c->head[i] = strdup(c->field[i]);
		if (!c->head[i]) abort();
	}
	c->n = 0;
	return true;
}

void csv_close(Csv *c)
{
	if (c->f) fclose(c->f);
	for (int i = 0; i < c->nhead; i++) free(c->head[i]);
	free(c->line);
	memset(c, 0, sizeof *c);
}

int csv_column(const Csv *c, const char *name)
{
	for (int i = 0; i < c->nhead; i++)
		if (!strcmp(c->head[i], name)) return i;
	return -1;
}

bool csv_next(Csv *c)
{
	while (read_line(c)) {
		if (!c->line[0]) continue;
		return split(c);
	}
	return false;
}

bool csv_number(const char *s, double *out)
{
	while (*s == ' ') s++;
	if (!*s) return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	while (*end == ' ') end++;
	if (*end || errno == ERANGE || !isfinite(v)) return false;
	*out = v;
	return true;
}

void csv_put(FILE *f, const char *s, bool always)
{
	size_t n = strlen(s);
	bool quote = always || strpbrk(s, ",\"\r\n") ||
		     (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'));
	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"') fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}
