/* trace.c -- request traces read from files (see trace.h).
 *
 * What lives here: one Trace reads one file a record at a time and turns
 * each record into a Request.  Two readers feed records: CSV tables go
 * through the shared streaming reader (csv.h), JSON Lines through a line
 * reader of our own whose buffer is capped at TRACE_MAX_LINE bytes, each
 * line parsed alone with jansson and released before the next.  A Record
 * is what either reader found on one line (lengths, an optional time, an
 * optional hash_ids array); make_request then applies the rules that are
 * the same for every format: time order, arrival scaling, the id, the
 * block ids (hash_ids mixed as ID_TRACE ids, the rest padded with ID_UNIQUE
 * ids of the request id and the block index), and the limit.
 *
 * Times are kept in the file's own units until a gap is taken: numbers
 * (seconds, or milliseconds for mooncake) as doubles, Azure's date-times
 * as whole seconds since 1970-01-01 plus nanoseconds, so that an hour of
 * 100 ns stamps loses nothing before the subtraction.
 *
 * Errors: the first bad record stores "PATH:LINE: error: MESSAGE" in the
 * Trace (t->error), and every later trace_next hands back a copy of it, so
 * a caller cannot read past garbage.  A generic JSONL trace learns whether
 * it has times from its first record, which trace_open reads ahead (kept
 * in t->pending); a fault in that record is reported by the first
 * trace_next, like any other line's.
 *
 * Limits (garbage must not exhaust memory): lines of at most
 * TRACE_MAX_LINE bytes (JSONL; CSV_MAX_LINE for CSV, the same), lengths of
 * at most TRACE_MAX_TOKENS tokens each.
 */
#include "config.h"
#include "trace.h"
#include "csv.h"
#include "heapstr.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	TRACE_MAX_LINE = 4 << 20,       /* bytes in one JSONL line */
	TRACE_MAX_TOKENS = 1 << 24,     /* input or output tokens of one request */
	STAMP_TEXT = 48                 /* room for an Azure date-time's text */
};

/* An Azure date-time: seconds since 1970-01-01 00:00:00 and nanoseconds. */
typedef struct Stamp {
	int64_t sec;
	int32_t nsec;
} Stamp;

/* One record as read from the file, before the shared rules apply. */
typedef struct Record {
	long line;
	double prompt, output;   /* validated whole numbers */
	bool timed;
	double t;                /* numeric formats: the file's units */
	Stamp stamp;             /* azure */
	char stamp_text[STAMP_TEXT];
	json_t *hash;            /* a JSON array inside doc, or NULL */
	json_t *doc;             /* the parsed JSON line (owned), or NULL */
} Record;

struct Trace {
	char *path;
	TraceFormat format;
	uint32_t block;
	double time_scale, rate_scale;
	double per_second;       /* file time units per second */
	uint64_t limit, count;
	bool has_times;
	char *name_time, *name_in, *name_out, *name_hash;  /* owned; name_time NULL: no times */
	/* CSV */
	bool is_csv;
	Csv csv;
	int col_time, col_in, col_out;
	/* JSONL */
	FILE *f;
	char *line;
	size_t len, cap;
	long lineno;
	json_t *pending;         /* the first record, read ahead by trace_open */
	long pending_line;
	/* time order */
	bool started;
	double t_first, t_prev;
	Stamp s_first, s_prev;
	char prev_text[STAMP_TEXT];
	/* state */
	bool at_end;
	char *error;             /* sticky: the first error, full text */
};

/* ------------------------------------------------------------ messages */

/* "PATH:LINE: error: MESSAGE", or "PATH: error: MESSAGE" when line is 0. */
static char *vlocated(const char *path, long line, const char *fmt, va_list ap)
{
	char *msg = heap_vprintf(fmt, ap);
	size_t n = strlen(path) + strlen(msg) + 48;
	char *s = malloc(n);
	if (!s) abort();
	if (line > 0) snprintf(s, n, "%s:%ld: error: %s", path, line, msg);
	else snprintf(s, n, "%s: error: %s", path, msg);
	free(msg);
	return s;
}

static char *located(const char *path, long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vlocated(path, line, fmt, ap);
	va_end(ap);
	return s;
}

/* Records the trace's (first) error; returns -1 for the caller to pass on. */
static int fail(Trace *t, long line, const char *fmt, ...)
{
	if (t->error) return -1;
	va_list ap;
	va_start(ap, fmt);
	t->error = vlocated(t->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* The shortest decimal text that reads back as v. */
static void shortest(char *buf, size_t n, double v)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v) return;
	}
}

/* ------------------------------------------------------------ numbers */

/* Checks that v is a whole number of tokens in [min, TRACE_MAX_TOKENS]. */
static int check_count(Trace *t, long line, const char *name, double v, double min)
{
	if (!isfinite(v) || v != floor(v) || v < min)
		return fail(t, line, "field '%s' is not a %s whole number", name,
			    min > 0 ? "positive" : "non-negative");
	if (v > TRACE_MAX_TOKENS)
		return fail(t, line, "field '%s' is larger than %d tokens", name, TRACE_MAX_TOKENS);
	return 0;
}

static int check_time(Trace *t, long line, const char *name, double v)
{
	if (!isfinite(v) || v < 0)
		return fail(t, line, "field '%s' is not a non-negative number", name);
	return 0;
}

/* ------------------------------------------------------------ dates */

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d: count whole
 * 400-year eras from 0000-03-01, putting March first so that the leap day
 * ends the year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	if (m <= 2) y -= 1;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                              /* [0, 399] */
	int64_t mp = m > 2 ? m - 3 : m + 9;                       /* March = 0 */
	int64_t doy = (153 * mp + 2) / 5 + d - 1;                 /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;      /* [0, 146096] */
	return era * 146097 + doe - 719468;                       /* 719468: 0000-03-01 to 1970-01-01 */
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads exactly n decimal digits. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9') return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c) return false;
	(*p)++;
	return true;
}

/* "YYYY-MM-DD HH:MM:SS[.fraction]" (or a 'T' between date and time), the
 * fraction of 1 to 9 digits, spaces around allowed. */
static bool parse_stamp(const char *s, Stamp *out)
{
	int y, mo, d, h, mi, sec, ns = 0;
	while (*s == ' ') s++;
	if (!digits(&s, 4, &y) || !expect(&s, '-') || !digits(&s, 2, &mo) || !expect(&s, '-') ||
	    !digits(&s, 2, &d))
		return false;
	if (*s != ' ' && *s != 'T') return false;
	s++;
	if (!digits(&s, 2, &h) || !expect(&s, ':') || !digits(&s, 2, &mi) || !expect(&s, ':') ||
	    !digits(&s, 2, &sec))
		return false;
	if (*s == '.') {
		s++;
		int n = 0;
		for (; *s >= '0' && *s <= '9'; s++, n++) {
			if (n == 9) return false;
			ns = ns * 10 + (*s - '0');
		}
		if (n == 0) return false;
		for (; n < 9; n++) ns *= 10;
	}
	while (*s == ' ') s++;
	if (*s) return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return false;
	out->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	out->nsec = ns;
	return true;
}

static int stamp_cmp(Stamp a, Stamp b)
{
	if (a.sec != b.sec) return a.sec < b.sec ? -1 : 1;
	return (a.nsec > b.nsec) - (a.nsec < b.nsec);
}

/* ------------------------------------------------------------ CSV records */

/* Column index of name, or a header error. */
static int need_column(const Csv *c, const char *name, int *col, const char *path, char **err)
{
	*col = csv_column(c, name);
	if (*col >= 0) return 0;
	*err = located(path, 1, "no column '%s'", name);
	return -1;
}

/* The record's field at col, or a "missing" error. */
static const char *csv_field(Trace *t, int col, const char *name)
{
	if (col < t->csv.n) return t->csv.field[col];
	fail(t, t->csv.lineno, "field '%s' is missing (the line has %d fields)", name, t->csv.n);
	return NULL;
}

static int csv_count(Trace *t, int col, const char *name, double min, double *out)
{
	const char *s = csv_field(t, col, name);
	if (!s) return -1;
	if (!csv_number(s, out)) *out = NAN;
	return check_count(t, t->csv.lineno, name, *out, min);
}

static int csv_time(Trace *t, Record *r)
{
	const char *s = csv_field(t, t->col_time, t->name_time);
	if (!s) return -1;
	r->timed = true;
	if (t->format == TRACE_AZURE) {
		if (!parse_stamp(s, &r->stamp))
			return fail(t, r->line, "field '%s' is not a date-time YYYY-MM-DD HH:MM:SS[.fraction]",
				    t->name_time);
		while (*s == ' ') s++;
		snprintf(r->stamp_text, sizeof r->stamp_text, "%s", s);
		return 0;
	}
	if (!csv_number(s, &r->t)) r->t = NAN;
	return check_time(t, r->line, t->name_time, r->t);
}

/* 1 a record, 0 end of file, -1 error. */
static int csv_record(Trace *t, Record *r)
{
	if (!csv_next(&t->csv)) return t->csv.why[0] ? fail(t, 0, "%s", t->csv.why) : 0;
	r->line = t->csv.lineno;
	if (csv_count(t, t->col_in, t->name_in, 1, &r->prompt) < 0) return -1;
	if (csv_count(t, t->col_out, t->name_out, 0, &r->output) < 0) return -1;
	if (t->col_time >= 0 && csv_time(t, r) < 0) return -1;
	return 1;
}

/* ------------------------------------------------------------ JSONL records */

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
	return true;
}

/* Reads one physical line into t->line[0 .. t->len) (no newline, no
 * terminator); 1 a line, 0 end of file, -1 error. */
static int read_line(Trace *t)
{
	int ch;
	t->len = 0;
	while ((ch = getc(t->f)) != EOF && ch != '\n') {
		if (t->len == TRACE_MAX_LINE)
			return fail(t, t->lineno + 1, "line is longer than %d bytes", TRACE_MAX_LINE);
		if (t->len == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 1024;
			if (cap > TRACE_MAX_LINE) cap = TRACE_MAX_LINE;
			char *p = realloc(t->line, cap);
			if (!p) abort();
			t->line = p;
			t->cap = cap;
		}
		t->line[t->len++] = (char)ch;
	}
	if (ferror(t->f)) return fail(t, t->lineno + 1, "cannot read: %s", strerror(errno));
	if (ch == EOF && t->len == 0) return 0;
	t->lineno++;
	if (t->len && t->line[t->len - 1] == '\r') t->len--;
	return 1;
}

/* Parses the next non-blank line into an object; 1, 0 end, -1 error. */
static int json_line(Trace *t, json_t **doc, long *line)
{
	int rc;
	do {
		if ((rc = read_line(t)) <= 0) return rc;
		if (t->lineno == 1 && t->len >= 3 && !memcmp(t->line, "\xEF\xBB\xBF", 3)) {
			memmove(t->line, t->line + 3, t->len - 3);
			t->len -= 3;
		}
	} while (blank(t->line, t->len));
	json_error_t e;
	*line = t->lineno;
	*doc = json_loadb(t->line, t->len, JSON_REJECT_DUPLICATES, &e);
	if (!*doc) return fail(t, *line, "not valid JSON: %s", e.text);
	if (!json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		return fail(t, *line, "not a JSON object");
	}
	return 1;
}

/* A field, or NULL when it is absent or null. */
static json_t *field(json_t *doc, const char *name)
{
	json_t *v = json_object_get(doc, name);
	return json_is_null(v) ? NULL : v;
}

static int json_count(Trace *t, Record *r, const char *name, double min, double *out)
{
	json_t *v = field(r->doc, name);
	if (!v) return fail(t, r->line, "field '%s' is missing", name);
	*out = json_is_number(v) ? json_number_value(v) : NAN;
	return check_count(t, r->line, name, *out, min);
}

static int json_time(Trace *t, Record *r)
{
	json_t *v = field(r->doc, t->name_time);
	if (!v && t->has_times) return fail(t, r->line, "field '%s' is missing", t->name_time);
	if (v && !t->has_times)
		return fail(t, r->line, "field '%s' is present, but the first request had none",
			    t->name_time);
	if (!v) return 0;
	r->timed = true;
	r->t = json_is_number(v) ? json_number_value(v) : NAN;
	return check_time(t, r->line, t->name_time, r->t);
}

static int json_hash(Trace *t, Record *r)
{
	if (!t->name_hash || !(r->hash = field(r->doc, t->name_hash))) return 0;
	if (!json_is_array(r->hash))
		return fail(t, r->line, "field '%s' is not an array of integers", t->name_hash);
	size_t i;
	json_t *v;
	json_array_foreach(r->hash, i, v) {
		if (!json_is_integer(v))
			return fail(t, r->line, "field '%s' item %zu is not an integer", t->name_hash, i);
	}
	return 0;
}

static int json_record(Trace *t, Record *r)
{
	if (t->pending) {
		r->doc = t->pending;
		r->line = t->pending_line;
		t->pending = NULL;
	} else {
		int rc = json_line(t, &r->doc, &r->line);
		if (rc <= 0) return rc;
	}
	if (json_count(t, r, t->name_in, 1, &r->prompt) < 0) return -1;
	if (json_count(t, r, t->name_out, 0, &r->output) < 0) return -1;
	if (t->name_time && json_time(t, r) < 0) return -1;
	if (json_hash(t, r) < 0) return -1;
	return 1;
}

/* ------------------------------------------------------------ requests */

/* Seconds between the first record and this one, in the file's terms;
 * checks that time does not go back. */
static int gap(Trace *t, const Record *r, double *dt)
{
	if (t->format == TRACE_AZURE) {
		if (!t->started) t->s_first = t->s_prev = r->stamp;
		if (stamp_cmp(r->stamp, t->s_prev) < 0)
			return fail(t, r->line, "timestamp %s is before the previous one (%s)", r->stamp_text,
				    t->prev_text);
		t->s_prev = r->stamp;
		memcpy(t->prev_text, r->stamp_text, sizeof t->prev_text);
		*dt = (double)(r->stamp.sec - t->s_first.sec) + (r->stamp.nsec - t->s_first.nsec) / 1e9;
		return 0;
	}
	if (!t->started) t->t_first = t->t_prev = r->t;
	if (r->t < t->t_prev) {
		char now[32], prev[32];
		shortest(now, sizeof now, r->t / t->per_second);
		shortest(prev, sizeof prev, t->t_prev / t->per_second);
		return fail(t, r->line, "timestamp %s s is before the previous one (%s s)", now, prev);
	}
	t->t_prev = r->t;
	*dt = (r->t - t->t_first) / t->per_second;
	return 0;
}

static int make_request(Trace *t, const Record *r, Request *out)
{
	double arrival = 0;
	if (r->timed) {
		double dt = 0;
		if (gap(t, r, &dt) < 0) return -1;
		arrival = dt * t->time_scale / t->rate_scale;
		if (!isfinite(arrival))
			return fail(t, r->line, "field '%s' gives an arrival out of range", t->name_time);
	}
	uint32_t prompt = (uint32_t)r->prompt;
	uint32_t nblocks = (uint32_t)(((uint64_t)prompt + t->block - 1) / t->block);
	size_t nhash = r->hash ? json_array_size(r->hash) : 0;
	if (nhash > nblocks)
		return fail(t, r->line, "field '%s' has %zu ids, more than the %u blocks of %u tokens in %u input tokens",
			    t->name_hash, nhash, nblocks, t->block, prompt);
	uint64_t *blocks = malloc((size_t)nblocks * sizeof *blocks);
	if (!blocks) abort();
	for (uint32_t i = 0; i < nblocks; i++) {
		blocks[i] = i < nhash
			? request_id_mix(ID_TRACE, (uint64_t)json_integer_value(json_array_get(r->hash, i)), 0)
			: request_id_mix(ID_UNIQUE, t->count, i);
	}
	t->started = true;
	*out = (Request){
		.id = t->count++,
		.arrival = arrival,
		.prompt = prompt,
		.output = r->output < 1 ? 1 : (uint32_t)r->output,
		.block = t->block,
		.nblocks = nblocks,
		.blocks = blocks,
		.session = REQUEST_NO_SESSION,
	};
	return 1;
}

int trace_next(Trace *t, Request *out, char **err)
{
	memset(out, 0, sizeof *out);
	if (!t->error && !t->at_end && !(t->limit && t->count >= t->limit)) {
		Record r = { 0 };
		int rc = t->is_csv ? csv_record(t, &r) : json_record(t, &r);
		if (rc > 0) rc = make_request(t, &r, out);
		json_decref(r.doc);
		if (rc == 0) {
			t->at_end = true;
			if (!t->count) fail(t, 0, "no requests in the trace");
		}
		if (rc > 0) return 1;
	}
	if (t->error) {
		*err = heap_strdup(t->error);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ opening */

static const char *or_default(const char *name, const char *dflt)
{
	return name && *name ? name : dflt;
}

/* Names and units of the format. */
static void set_names(Trace *t, const TraceSpec *spec)
{
	const char *time = NULL, *in, *out, *hash = NULL;
	t->per_second = 1;
	switch (spec->format) {
	case TRACE_AZURE:
		time = "TIMESTAMP", in = "ContextTokens", out = "GeneratedTokens";
		break;
	case TRACE_MOONCAKE:
		time = "timestamp", in = "input_length", out = "output_length", hash = "hash_ids";
		t->per_second = 1000;
		break;
	case TRACE_SHAREGPT_LENGTHS:
		in = "num_prefill_tokens", out = "num_decode_tokens";
		break;
	default:
		time = or_default(spec->timestamp, "timestamp");
		in = or_default(spec->input, "input_length");
		out = or_default(spec->output, "output_length");
		if (spec->format == TRACE_JSONL) hash = or_default(spec->hash_ids, "hash_ids");
		break;
	}
	t->name_time = time ? heap_strdup(time) : NULL;
	t->name_in = heap_strdup(in);
	t->name_out = heap_strdup(out);
	t->name_hash = hash ? heap_strdup(hash) : NULL;
}

static int open_csv(Trace *t, char **err)
{
	if (!csv_open(&t->csv, t->path)) {
		*err = t->csv.why[0] ? located(t->path, 0, "%s", t->csv.why)
		       : errno ? located(t->path, 0, "cannot open: %s", strerror(errno))
			       : located(t->path, 1, "empty file: no header line");
		return -1;
	}
	t->is_csv = true;
	if (need_column(&t->csv, t->name_in, &t->col_in, t->path, err) < 0 ||
	    need_column(&t->csv, t->name_out, &t->col_out, t->path, err) < 0)
		return -1;
	t->col_time = -1;
	if (t->format == TRACE_AZURE && need_column(&t->csv, t->name_time, &t->col_time, t->path, err) < 0)
		return -1;
	if (t->format == TRACE_CSV) t->col_time = csv_column(&t->csv, t->name_time);
	t->has_times = t->col_time >= 0;
	return 0;
}

static int open_jsonl(Trace *t, char **err)
{
	t->f = fopen(t->path, "r");
	if (!t->f) {
		*err = located(t->path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	t->has_times = true;
	if (t->format == TRACE_JSONL) {
		/* times iff the first record has them; a bad first record is
		   reported by the first trace_next (t->error) */
		t->has_times = false;
		if (json_line(t, &t->pending, &t->pending_line) > 0)
			t->has_times = field(t->pending, t->name_time) != NULL;
	}
	return 0;
}

static bool bad_scale(double s)
{
	return !(s >= 0) || !isfinite(s);
}

Trace *trace_open(const TraceSpec *spec, char **err)
{
	const char *path = spec->path ? spec->path : "(no path)";
	if (!spec->path || !*spec->path) {
		*err = located(path, 0, "no trace file given");
		return NULL;
	}
	if ((unsigned)spec->format > TRACE_CSV) {
		*err = located(path, 0, "unknown trace format %d", (int)spec->format);
		return NULL;
	}
	if (bad_scale(spec->rate_scale) || bad_scale(spec->time_scale)) {
		*err = located(path, 0, "rate_scale and time_scale must be positive (got %g and %g)",
			       spec->rate_scale, spec->time_scale);
		return NULL;
	}
	Trace *t = calloc(1, sizeof *t);
	if (!t) abort();
	t->path = heap_strdup(path);
	t->format = spec->format;
	t->block = spec->block ? spec->block : spec->format == TRACE_MOONCAKE ? 512 : 16;
	t->rate_scale = spec->rate_scale > 0 ? spec->rate_scale : 1;
	t->time_scale = spec->time_scale > 0 ? spec->time_scale : 1;
	t->limit = spec->limit;
	set_names(t, spec);
	bool csv = spec->format == TRACE_AZURE || spec->format == TRACE_SHAREGPT_LENGTHS ||
		   spec->format == TRACE_CSV;
	if ((csv ? open_csv(t, err) : open_jsonl(t, err)) < 0) {
		trace_close(t);
		return NULL;
	}
	return t;
}

bool trace_has_times(const Trace *t)
{
	return t->has_times;
}

void trace_close(Trace *t)
{
	if (!t) return;
	if (t->is_csv) csv_close(&t->csv);
	if (t->f) fclose(t->f);
	json_decref(t->pending);
	free(t->line);
	free(t->error);
	free(t->path);
	free(t->name_time);
	free(t->name_in);
	free(t->name_out);
	free(t->name_hash);
	free(t);
}
