/* fmt_cmd.c -- `sglsim fmt`: the canonical layout of .sgl files
 * (lang/fmt.c does the formatting; this file reads and writes files).
 *
 *   sglsim fmt FILE            the formatted text on standard output
 *   sglsim fmt --check FILE... "FILE: not formatted" for each file that
 *                              would change; exit 1 if any would
 *   sglsim fmt -w FILE...      rewrite the files that change, in place
 *
 * A file that does not scan gets "FILE:LINE:COL: error: ..." with its
 * source line and a caret, and is left untouched (exit 1).
 */
#include "config.h"
#include "fmt_cmd.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lang/arena.h"
#include "lang/fmt.h"

enum { FMT_MAX_BYTES = 64 << 20 };   /* as the loader's limit on a source */

/* The whole file (or standard input for "-"), or NULL with a message. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "sglsim: error: cannot read '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	Buf b = {0};
	char chunk[65536];
	size_t n;
	bool big = false;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && !big) {
		buf_putn(&b, chunk, n);
		big = b.len > FMT_MAX_BYTES;
	}
	bool bad = ferror(f);
	if (f != stdin) fclose(f);
	if (bad || big) {
		fprintf(stderr, "sglsim: error: cannot read '%s': %s\n", path,
			big ? "larger than 64 MiB (the limit on a source file)" : strerror(errno));
		buf_free(&b);
		return NULL;
	}
	buf_putc(&b, 0);
	*len = b.len - 1;
	return b.s;
}

/* "LINE:COL: what" from sgl_format as a diagnostic with the line and a caret. */
static void report(const char *path, const char *src, size_t len, const char *err)
{
	unsigned long line = 0, col = 0;
	int used = 0;
	if (sscanf(err, "%lu:%lu: %n", &line, &col, &used) < 2 || !used) {
		fprintf(stderr, "%s: error: %s\n", path, err);
		return;
	}
	fprintf(stderr, "%s:%lu:%lu: error: %s\n", path, line, col, err + used);
	size_t at = 0;
	for (unsigned long l = 1; l < line && at < len; at++)
		if (src[at] == '\n') l++;
	size_t end = at;
	while (end < len && src[end] != '\n') end++;
	fprintf(stderr, "%.*s\n", (int)(end - at), src + at);
	for (unsigned long c = 1; c < col && c <= end - at; c++) fputc(src[at + c - 1] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

/* Writes text over path through a temporary file and a rename, keeping
 * the file's permissions. */
static bool rewrite(const char *path, const char *text, size_t len)
{
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	if (!tmp) abort();
	snprintf(tmp, n, "%s.fmt%ld", path, (long)getpid());
	struct stat st;
	bool ok = stat(path, &st) == 0;
	FILE *f = ok ? fopen(tmp, "wb") : NULL;
	ok = f && fwrite(text, 1, len, f) == len;
	if (f && fclose(f) != 0) ok = false;
	if (ok) ok = chmod(tmp, st.st_mode & 07777) == 0 && rename(tmp, path) == 0;
	if (!ok) {
		fprintf(stderr, "sglsim: error: cannot rewrite '%s': %s\n", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return ok;
}

int cmd_fmt(const char *const *files, int nfiles, bool check, bool write)
{
	int status = 0;
	for (int k = 0; k < nfiles; k++) {
		const char *path = files[k];
		size_t len;
		char *src = slurp(path, &len);
		if (!src) {
			status = 1;
			continue;
		}
		Buf out = {0};
		char *err = NULL;
		if (!sgl_format(src, len, &out, &err)) {
			report(path, src, len, err ? err : "cannot format");
			status = 1;
		} else if (!check && !write) {
			if (fwrite(out.s ? out.s : "", 1, out.len, stdout) != out.len) status = 1;
		} else if (out.len != len || memcmp(out.s ? out.s : "", src, len) != 0) {
			if (check) {
				printf("%s: not formatted\n", path);
				status = 1;
			} else if (!strcmp(path, "-")) {
				fwrite(out.s ? out.s : "", 1, out.len, stdout);
			} else if (!rewrite(path, out.s ? out.s : "", out.len)) {
				status = 1;
			}
		}
		free(err);
		buf_free(&out);
		free(src);
	}
	if (fflush(stdout) != 0) status = 1;
	return status;
}
