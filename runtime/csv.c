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
		if (len + 2 > c->cap) {
			c->cap = c->cap ? 2 * c->cap : 256;
			char *p = realloc(c->line, c->cap);
			if (!p) abort();
			c->line = p;
		}
		c->line[len++] = (char)ch;
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

/* Splits the line in place into c->field. */
static void split(Csv *c)
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
		if (c->n < CSV_MAX_FIELDS) c->field[c->n++] = start;
		if (!sep) break;
		p++;
	}
}

bool csv_open(Csv *c, const char *path)
{
	memset(c, 0, sizeof *c);
	c->f = fopen(path, "r");
	if (!c->f) return false;
	if (!read_line(c)) {
		errno = 0;
		csv_close(c);
		return false;
	}
	char *text = c->line;
	if ((unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
		memmove(text, text + 3, strlen(text + 3) + 1);
	split(c);
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
		split(c);
		return true;
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
