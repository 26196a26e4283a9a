/* csv.h -- a streaming reader of comma-separated tables.
 *
 * Reads a header line and then one record at a time, splitting fields at
 * commas (double-quoted fields may hold commas and "" for a quote).  Lines
 * end with \n or \r\n; a final line without a newline counts.  Fields point
 * into the reader's line buffer and are valid until the next csv_next.
 * csv_number parses a whole field as a finite double.  Errors carry the
 * 1-based line number.  Used by empirical() means, `sglsim calibrate`
 * and the trace readers.  csv_put writes one field, quoted when it must
 * be (RFC 4180).
 *
 * Limits (doc/limits.md): a line of at most CSV_MAX_LINE bytes, at most
 * CSV_MAX_FIELDS fields.  Past either, csv_open or csv_next fails and
 * `why` says so ("line 3 has more than 256 fields"); it is "" for the end
 * of the file or an open that failed for errno.
 */
#ifndef SGL_CSV_H
#define SGL_CSV_H
#include <stdbool.h>
#include <stdio.h>

enum { CSV_MAX_FIELDS = 256, CSV_MAX_LINE = 4 << 20 };

typedef struct Csv {
	FILE *f;
	char *line;
	size_t cap;
	long lineno;                      /* line of the current record */
	int nhead;
	char *head[CSV_MAX_FIELDS];       /* owned copies of the header names */
	int n;
	char *field[CSV_MAX_FIELDS];      /* the current record */
	char why[64];                     /* a limit that stopped the reader, or "" */
} Csv;

/* Opens path and reads its header; false (with errno set, an empty
 * file, or `why` set) when it cannot. */
bool csv_open(Csv *c, const char *path);
void csv_close(Csv *c);
/* Index of a header column, or -1. */
int csv_column(const Csv *c, const char *name);
/* Reads the next non-empty record; false at end of file or past a limit
 * (`why`). */
bool csv_next(Csv *c);
/* A field as a finite double; false if it is not one. */
bool csv_number(const char *s, double *out);
/* Writes s as one field: in double quotes (with "" for a quote) when
 * `always` or when it holds a comma, quote, line break or edge blank;
 * else as it is. */
void csv_put(FILE *f, const char *s, bool always);

#endif
