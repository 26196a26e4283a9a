/* fmt.c -- the canonical formatter of .sgl source (`sglsim fmt`): a scanner
 * of its own that keeps comments and line breaks and the exact spelling of
 * every token, a layout pass that recomputes all whitespace, and a check
 * that the result reads as the same token stream.
 *
 * The canonical layout:
 *  - Line breaks are the author's: the formatter never joins or splits
 *    lines (no re-wrapping of long lines), so `;`-joined items such as
 *    `cluster c { gpu = h100_sxm; nodes = 2 }` stay on one line.  A `;` that
 *    ends a line after a complete item is dropped (the line break ends the
 *    item anyway).
 *  - Blank lines: at most one in a row; none at the start or end of the
 *    file, right after a line that ends with `{` or `(`, or right before a
 *    line that starts with `}` or `)`.
 *  - Indentation is 2 spaces per level.  The lines inside brackets are one
 *    level deeper than the line that opened the innermost open `{` or `(`
 *    (one level however many brackets that line opened; a bracket opened
 *    after the line closed one it began inside counts from the line that
 *    opened that one); a line starting with `}` or `)` has the indentation
 *    of the line that opened it.  A line that continues an unfinished item
 *    or list element -- the previous code line ended with an operator, a
 *    keyword such as `then`/`else`/`and`, a `.`, or a `,` outside ( ) and
 *    set braces -- is one more level deeper.  Comment-only lines are
 *    indented like a code line there.
 *  - Spaces: one between tokens, except none after `(` and before `)`;
 *    none before `,` and `;`; none around `.`; none inside set braces
 *    (`{1, 2, 4}`) but one inside block braces (`{ tp = 4 }`), and `{}`
 *    when empty; none between a name and `(` (calls and `fn` heads);
 *    none after a unary minus (`-x`, `= -1`, `(-a`); none around the `/`
 *    and `*` of a param's unit (`param r in {1, 2} req/s`).  So binary
 *    operators, `=`, `..`, `:` and keywords get one space each side (but
 *    see the `=` of entries below).
 *  - Entries are aligned on their `=`.  An entry line is a code line
 *    inside block braces `{ }` (not set braces, not parentheses, not the
 *    top level) that begins an element there (it is not a continuation
 *    line), begins with `NAME =` (NAME a name, not a keyword: `method =`
 *    of an optimize block is no entry), and holds that one entry complete:
 *    it has no `;` outside the brackets it opens (one that ends the line is
 *    dropped, so `a = 1;` counts; `a = 1; b = 2` does not), it closes every
 *    bracket it opens and none it did not (`x = f(a,` or `x = g {` does
 *    not count; `nvlink = nvlink4 { latency = 9 us; bw_factor = 1 }`
 *    does), and the line break after it ends it (`a = b +` does not
 *    count, nor does the line that continues it).  A run is a maximal
 *    sequence of consecutive entry lines of the same block at the same
 *    indentation; a blank line, a comment-only line, a nested block or any
 *    other line between two entry lines separates their runs, except a
 *    hanging comment (see comments below), which belongs to the line above
 *    it.  In a run of two or more lines each NAME is padded with spaces so
 *    that every `=` stands one space after the run's longest NAME; a run
 *    of one line keeps one space.  (`NAME.sub = v` is not in the grammar.)
 *  - Numbers, units and strings are copied byte for byte; the blanks
 *    between a number and its unit become one space (`80   GiB` -> `80 GiB`,
 *    `2us` stays).  Tabs and carriage returns outside strings and comments
 *    become spaces or go.
 *  - Comments are copied as written, less trailing blanks.  A comment after
 *    code is separated from it by at least two spaces, and the end-of-line
 *    comments of consecutive lines are aligned in one column (two spaces
 *    after the longest code, its `=` padding included).  A comment-only
 *    line right under an end-of-line comment, indented deeper than both the
 *    code line above and its own indentation, continues that comment and
 *    stays in its column (a hanging comment).
 *  - No trailing whitespace; exactly one final newline (an empty file stays
 *    empty).  A UTF-8 byte-order mark is kept.
 * Text the scanner rejects -- what lang/lexer.l reports as errors, except
 * unknown units, which only sema knows -- is not formatted: sgl_format
 * names the first error.
 */
#include "config.h"
#include "fmt.h"
#include "lex.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ tokens */

enum { TK_NUM, TK_STR, TK_ID, TK_KW, TK_OP, TK_COMMENT, TK_NL, TK_EOF };
enum { OP_DOTDOT = 256, OP_EQ, OP_NE, OP_LE, OP_GE };

/* the keywords of lexer.l, in its order */
static const char *const keywords[] = {
	"import", "const", "param", "fn", "metric", "simulate", "optimize",
	"print", "graph", "with", "for", "in", "step", "to", "if", "then",
	"else", "and", "or", "not", "true", "false", "maximize", "minimize",
	"subject", "over", "method", "verify", "top", "by", "as",
};
enum { KW_PARAM = 2, KW_OPTIMIZE = 6, KW_TRUE = 20, KW_FALSE = 21 };
#define NKEYWORDS (int)(sizeof keywords / sizeof keywords[0])

/* layout flags of a token */
enum { F_SET = 1, F_UNARY = 2, F_UNIT = 4, F_UNITOP = 8 };

typedef struct Tok {
	uint32_t off, len;       /* its bytes in the text */
	uint32_t numlen, ustart; /* TK_NUM: the number's length and where its
				    unit starts (== len: no unit), relative */
	uint32_t line, col;      /* 0-based line, 0-based display column */
	uint16_t op;             /* TK_OP: the character or OP_*; TK_KW: index */
	uint8_t kind, fl;
} Tok;

typedef struct Toks {
	Tok *v;
	size_t n, cap;
} Toks;

static void toks_push(Toks *t, Tok k)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	t->v[t->n++] = k;
}

static int keyword(const char *s, size_t n)
{
	for (int i = 0; i < NKEYWORDS; i++)
		if (strlen(keywords[i]) == n && memcmp(keywords[i], s, n) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------------ scanner */

typedef struct Scan {
	const char *s;
	size_t n;
	size_t start;      /* first byte after a byte-order mark */
	uint32_t line;
	size_t line_start; /* offset of the current line */
	size_t col_off;    /* column() went up to here in the current line, */
	uint32_t col;      /* where the column was col */
	char *err;         /* the first error, "LINE:COL: what" (malloc'd) */
} Scan;

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum_(int c) { return is_alpha(c) || is_digit(c) || c == '_'; }
static bool is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* The bytes of the character at s[0..n): a valid UTF-8 sequence, else
 * one byte (lang/source.c's source_unit()). */
static size_t char_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t need = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		    : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (need == 0 || need > n) return 1;
	for (size_t i = 1; i < need; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80) return 1;
	return need;
}

/* Display column of offset off in its line, as diagnostics count it: a
 * tab moves to the next multiple of 8, any other character is one. */
static uint32_t column(Scan *sc, size_t off)
{
	size_t i = sc->line_start;
	if (i < sc->start) i = sc->start;
	uint32_t c = 0;
	if (sc->col_off >= i && sc->col_off <= off) { /* go on from the last call */
		i = sc->col_off;
		c = sc->col;
	}
	for (; i < off; i += char_len(sc->s + i, sc->n - i))
		c = sc->s[i] == '\t' ? (c / 8 + 1) * 8 : c + 1;
	sc->col_off = i;
	sc->col = c;
	return c;
}

static void scan_error(Scan *sc, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void scan_error(Scan *sc, size_t off, const char *fmt, ...)
{
	if (sc->err) return;
	uint32_t col = column(sc, off);
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t n = strlen(msg) + 48;
	sc->err = xmalloc(n);
	snprintf(sc->err, n, "%u:%u: %s", sc->line + 1, col + 1, msg);
}

/* One unit term at j: an atom ([A-Za-z%] or µ, then [A-Za-z0-9_]*) with an
 * optional ^N or ^-N; returns its end, j when there is none. */
static size_t unit_term(const char *s, size_t n, size_t j)
{
	size_t k;
	if (j < n && (is_alpha((unsigned char)s[j]) || s[j] == '%'))
		k = j + 1;
	else if (j + 1 < n && (unsigned char)s[j] == 0xc2 && (unsigned char)s[j + 1] == 0xb5)
		k = j + 2;
	else
		return j;
	while (k < n && is_alnum_((unsigned char)s[k])) k++;
	if (k + 1 < n && s[k] == '^' && is_digit((unsigned char)s[k + 1])) {
		k += 1;
		while (k < n && is_digit((unsigned char)s[k])) k++;
	} else if (k + 2 < n && s[k] == '^' && s[k + 1] == '-' && is_digit((unsigned char)s[k + 2])) {
		k += 2;
		while (k < n && is_digit((unsigned char)s[k])) k++;
	}
	return k;
}

/* The end of [ \t]*USPEC after j, or j when no unit follows. */
static size_t unit_after(const char *s, size_t n, size_t j)
{
	size_t k = j;
	while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
	size_t e = unit_term(s, n, k);
	if (e == k) return j;
	while (e < n && (s[e] == '/' || s[e] == '*')) {
		size_t m = unit_term(s, n, e + 1);
		if (m == e + 1) break;
		e = m;
	}
	return e;
}

/* The longest match of lexer.l's {NUM}([ \t]*{USPEC})? at i, then its
 * number_token() split: the token may shrink to the number when the
 * "unit" is a keyword (`8 step 2`). */
static void scan_number(Scan *sc, size_t i, Tok *t)
{
	const char *s = sc->s;
	size_t n = sc->n, j = i;
	if (is_digit((unsigned char)s[j])) {
		while (j < n && is_digit((unsigned char)s[j])) j++;
		while (j + 1 < n && s[j] == '_' && is_digit((unsigned char)s[j + 1])) {
			j++;
			while (j < n && is_digit((unsigned char)s[j])) j++;
		}
		if (j + 1 < n && s[j] == '.' && is_digit((unsigned char)s[j + 1])) {
			j++;
			while (j < n && is_digit((unsigned char)s[j])) j++;
		}
	} else { /* "." digits */
		j++;
		while (j < n && is_digit((unsigned char)s[j])) j++;
	}
	size_t end = unit_after(s, n, j);
	size_t e = j;
	if (e < n && (s[e] == 'e' || s[e] == 'E')) {
		e++;
		if (e < n && (s[e] == '+' || s[e] == '-')) e++;
		if (e < n && is_digit((unsigned char)s[e])) {
			while (e < n && is_digit((unsigned char)s[e])) e++;
			size_t end2 = unit_after(s, n, e);
			if (end2 > end) end = end2;
		}
	}
	/* number_token(): the number ends at a blank or a unit letter */
	const char *x = s + i;
	size_t len = end - i, q = 0;
	char digits[128];
	size_t nd = 0;
	for (; q < len; q++) {
		char c = x[q];
		if (c == ' ' || c == '\t') break;
		if ((c >= 'a' && c <= 'z' && c != 'e') || (c >= 'A' && c <= 'Z' && c != 'E') || c == '%' ||
		    (unsigned char)c >= 0x80)
			break;
		if ((c == 'e' || c == 'E') &&
		    !(q + 1 < len && (x[q + 1] == '+' || x[q + 1] == '-' || is_digit((unsigned char)x[q + 1]))))
			break;
		if (c != '_' && nd < sizeof digits - 1) digits[nd++] = c;
	}
	size_t numlen = q;
	digits[nd] = 0;
	double v = strtod(digits, NULL);
	if (isinf(v) || nd >= sizeof digits - 1)
		scan_error(sc, i, "number '%.*s' is out of range", (int)numlen, x);
	size_t u = q;
	while (u < len && (x[u] == ' ' || x[u] == '\t')) u++;
	if (u < len) {
		size_t w = u;
		while (w < len && x[w] != '/' && x[w] != '*' && x[w] != '^') w++;
		if (keyword(x + u, w - u) >= 0) len = numlen;
	} else {
		len = numlen;
	}
	t->kind = TK_NUM;
	t->len = (uint32_t)len;
	t->numlen = (uint32_t)numlen;
	t->ustart = (uint32_t)(len > numlen ? u : len);
}

/* lexer.l's string_escape(): is the escape e[0..n) (starting with '\')
 * valid?  Reports it when not. */
static void check_escape(Scan *sc, size_t off, const char *e, size_t n)
{
	if (n < 2) return; /* a backslash before the line break: the string's error */
	switch (e[1]) {
	case 'n': case 't': case 'r': case '\\': case '"': case '\0':
		return;
	case 'x':
		if (n == 4 && (e[2] != '0' || e[3] != '0')) return;
		if (n == 4)
			scan_error(sc, off, "'\\x00' is not allowed: strings cannot hold NUL");
		else
			scan_error(sc, off, "\\x needs two hex digits");
		return;
	case 'u':
		if (n >= 5 && e[2] == '{' && e[n - 1] == '}' && n <= 11) {
			unsigned long cp = strtoul(e + 3, NULL, 16);
			if (cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) return;
		}
		scan_error(sc, off, "invalid \\u{...} escape: give 1 to 6 hex digits of a Unicode code point other than 0");
		return;
	case '0':
		scan_error(sc, off, "'\\0' is not allowed: strings cannot hold NUL");
		return;
	default:
		scan_error(sc, off, "unknown escape sequence '%.*s'; " SGL_STRING_ESCAPES, (int)n, e);
	}
}

static void scan_string(Scan *sc, size_t i, Tok *t)
{
	const char *s = sc->s;
	size_t n = sc->n, j = i + 1;
	t->kind = TK_STR;
	for (;;) {
		if (j >= n || s[j] == '\n') {
			scan_error(sc, i, "missing closing quote of string");
			t->len = (uint32_t)(j - i);
			return;
		}
		if (s[j] == '"') {
			t->len = (uint32_t)(j + 1 - i);
			return;
		}
		if (s[j] != '\\') {
			j++;
			continue;
		}
		/* \\(x[0-9A-Fa-f]{0,2}|u\{[0-9A-Fa-f]*\}?|.)? */
		size_t k = j + 1;
		if (k < n && s[k] == 'x') {
			k++;
			for (int h = 0; h < 2 && k < n && is_hex((unsigned char)s[k]); h++) k++;
		} else if (k + 1 < n && s[k] == 'u' && s[k + 1] == '{') {
			k += 2;
			while (k < n && is_hex((unsigned char)s[k])) k++;
			if (k < n && s[k] == '}') k++;
		} else if (k < n && s[k] != '\n') {
			k++;
		}
		check_escape(sc, j, s + j, k - j);
		j = k;
	}
}

static void bad_char(Scan *sc, size_t i)
{
	unsigned char c = (unsigned char)sc->s[i];
	if (c < 0x80) {
		if (c < 0x20 || c == 0x7f)
			scan_error(sc, i, "invalid character (byte 0x%02x)", c);
		else
			scan_error(sc, i, "invalid character '%c'", c);
		return;
	}
	size_t len = 1;
	if (c >= 0xc0 && c <= 0xf7)
		while (i + len < sc->n && ((unsigned char)sc->s[i + len] & 0xc0) == 0x80) len++;
	size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (len != need || c < 0xc2) {
		scan_error(sc, i, "invalid UTF-8 byte sequence");
		return;
	}
	unsigned long cp = c & (0x3f >> (need - 1));
	for (size_t k = 1; k < need; k++) cp = (cp << 6) | ((unsigned char)sc->s[i + k] & 0x3f);
	scan_error(sc, i, "invalid character '%.*s' (U+%04lX) outside a string", (int)len, sc->s + i, cp);
}

/* Scans the whole text into toks (comments and newlines included, TK_EOF
 * last); false at the first error, in sc->err. */
static bool scan(Scan *sc, Toks *toks)
{
	const char *s = sc->s;
	size_t n = sc->n, i = sc->start;
	while (!sc->err) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) i++;
		Tok t = {0};
		t.off = (uint32_t)i;
		t.line = sc->line;
		t.col = column(sc, i);
		if (i >= n) {
			t.kind = TK_EOF;
			toks_push(toks, t);
			return true;
		}
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			t.kind = TK_NL;
			t.len = 1;
		} else if (c == '#') {
			size_t j = i;
			while (j < n && s[j] != '\n') j++;
			t.kind = TK_COMMENT;
			t.len = (uint32_t)(j - i);
		} else if (is_digit(c) || (c == '.' && i + 1 < n && is_digit((unsigned char)s[i + 1]))) {
			scan_number(sc, i, &t);
		} else if (is_alpha(c) || c == '_') {
			size_t j = i;
			while (j < n && is_alnum_((unsigned char)s[j])) j++;
			int k = keyword(s + i, j - i);
			t.kind = k >= 0 ? TK_KW : TK_ID;
			t.op = (uint16_t)(k >= 0 ? k : 0);
			t.len = (uint32_t)(j - i);
		} else if (c == '"') {
			scan_string(sc, i, &t);
		} else {
			static const struct { const char *s; int op; } two[] = {
				{"..", OP_DOTDOT}, {"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE},
			};
			t.kind = TK_OP;
			for (size_t k = 0; k < sizeof two / sizeof two[0]; k++)
				if (i + 1 < n && s[i] == two[k].s[0] && s[i + 1] == two[k].s[1]) {
					t.op = (uint16_t)two[k].op;
					t.len = 2;
				}
			if (!t.len) {
				if (c && strchr("-+*/^(){},;:.=<>", c)) {
					t.op = c;
					t.len = 1;
				} else {
					bad_char(sc, i);
					return false;
				}
			}
		}
		if (sc->err) return false;
		toks_push(toks, t);
		i += t.len;
		if (t.kind == TK_NL) {
			sc->line++;
			sc->line_start = i;
		}
	}
	return false;
}

static void scan_init(Scan *sc, const char *s, size_t n)
{
	memset(sc, 0, sizeof *sc);
	sc->s = s;
	sc->n = n;
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) sc->start = 3;
}

/* ------------------------------------------------------------ token classes */

static bool is_op(const Tok *t, int op) { return t && t->kind == TK_OP && t->op == op; }
static bool is_kw(const Tok *t, int kw) { return t && t->kind == TK_KW && t->op == kw; }
static bool is_open(const Tok *t) { return is_op(t, '(') || is_op(t, '{'); }
static bool is_close(const Tok *t) { return is_op(t, ')') || is_op(t, '}'); }

/* A token that can end an operand: a name, number, string, true, false,
 * `)` or `}`. */
static bool operand_end(const Tok *t)
{
	if (!t) return false;
	switch (t->kind) {
	case TK_ID: case TK_NUM: case TK_STR:
		return true;
	case TK_KW:
		return t->op == KW_TRUE || t->op == KW_FALSE;
	case TK_OP:
		return t->op == ')' || t->op == '}';
	}
	return false;
}

/* parser.y's ends_item(): a newline after it (outside parentheses) ends
 * an item. */
static bool ends_item(const Tok *t) { return operand_end(t) || is_op(t, '='); }

/* The canonical spelling of t: its bytes, with the blanks between a
 * number and its unit made one space. */
static void tok_text(const char *src, const Tok *t, Buf *b)
{
	const char *x = src + t->off;
	if (t->kind == TK_NUM && t->ustart < t->len) {
		buf_putn(b, x, t->numlen);
		if (t->ustart > t->numlen) buf_putc(b, ' ');
		buf_putn(b, x + t->ustart, t->len - t->ustart);
		return;
	}
	size_t n = t->len;
	if (t->kind == TK_COMMENT)
		while (n > 0 && (x[n - 1] == ' ' || x[n - 1] == '\t' || x[n - 1] == '\r')) n--;
	buf_putn(b, x, n);
}

static bool same_token(const char *sa, const Tok *a, const char *sb, const Tok *b)
{
	if (a->kind != b->kind || a->op != b->op) return false;
	Buf x = {0}, y = {0};
	tok_text(sa, a, &x);
	tok_text(sb, b, &y);
	bool same = x.len == y.len && (x.len == 0 || memcmp(x.s, y.s, x.len) == 0);
	buf_free(&x);
	buf_free(&y);
	return same;
}

/* Does "A B" (space) or "AB" scan back as the tokens a and b? */
static bool glues(const char *src, const Tok *a, const Tok *b, int space)
{
	Buf g = {0};
	tok_text(src, a, &g);
	if (space) buf_putc(&g, ' ');
	tok_text(src, b, &g);
	Scan sc;
	scan_init(&sc, g.s, g.len);
	Toks t = {0};
	bool ok = scan(&sc, &t) && t.n == 3 && same_token(g.s, &t.v[0], src, a) &&
		  same_token(g.s, &t.v[1], src, b);
	free(sc.err);
	free(t.v);
	buf_free(&g);
	return ok;
}

/* ------------------------------------------------------------ layout */

enum { OL_BLANK, OL_CODE, OL_COMMENT };

typedef struct OLine {
	int kind;
	int indent;
	size_t code, code_len;   /* the code text, in Layout.text */
	const Tok *cm;           /* its comment, or NULL */
	uint32_t in_col;         /* input column of its first token */
	bool opens, closes;      /* ends with `{`/`(`; starts with `}`/`)` */
	bool hanging;            /* a comment line in the column above */
	uint32_t anchor_in;      /* hanging: input column of the code line */
	bool entry;              /* a lone `NAME = value` entry of a block */
	uint32_t block;          /* entry: the block it is in (Frame.id) */
	size_t name_len;         /* entry: the length of its NAME */
	size_t pad;              /* spaces added after NAME (the `=` column) */
} OLine;

typedef struct Frame {
	char type;               /* '(' , 's' (set) or 'b' (block) */
	int indent;              /* of the line that opened it */
	uint32_t id;             /* which bracket: 1, 2, ... in opening order */
} Frame;

typedef struct Layout {
	const char *src;
	Buf text;
	OLine *lines;
	size_t nlines, cap;
	Frame *stack;
	size_t sp, stack_cap;
	uint32_t nframes;        /* brackets opened so far */
	int pdepth;              /* parentheses open, as parser.y counts them */
	const Tok *prev;         /* the last code token laid out */
	bool in_param;           /* inside a `param` item */
} Layout;

static void push_frame(Layout *L, char type, int indent)
{
	if (L->sp == L->stack_cap) {
		L->stack_cap = L->stack_cap ? 2 * L->stack_cap : 32;
		L->stack = xrealloc(L->stack, L->stack_cap * sizeof *L->stack);
	}
	L->stack[L->sp++] = (Frame){type, indent, ++L->nframes};
}

/* Does a line break after the previous code token end an element at this
 * level (no continuation indent for the next line)? */
static bool prev_separates(const Layout *L)
{
	const Tok *p = L->prev;
	if (!p) return true;
	if (is_open(p) || is_op(p, ';')) return true;
	if (is_op(p, ',')) return L->sp > 0 && L->stack[L->sp - 1].type != 'b';
	if (ends_item(p)) return L->pdepth == 0;
	return false;
}

/* The indentation of a line with the code tokens line[0..ncode) (none: a
 * comment-only line). */
static int line_indent(const Layout *L, Tok *const *line, size_t ncode)
{
	if (ncode > 0 && is_close(line[0])) {
		size_t sp = L->sp;
		int indent = 0;
		for (size_t k = 0; k < ncode && is_close(line[k]); k++) {
			if (sp == 0) {
				indent = 0;
				break;
			}
			indent = L->stack[--sp].indent;
		}
		return indent;
	}
	int base = L->sp ? L->stack[L->sp - 1].indent + 2 : 0;
	return base + (prev_separates(L) ? 0 : 2);
}

/* Spaces between a and b on one line (before the glue check). */
static int spacing(const Tok *a, const Tok *b)
{
	if (is_op(b, ',') || is_op(b, ';')) return 0;
	if (is_op(a, '(') || is_op(b, ')')) return 0;
	if (is_op(a, '.') || is_op(b, '.')) return 0;
	if (is_op(a, '{') && (a->fl & F_SET)) return 0;
	if (is_op(b, '}') && (b->fl & F_SET)) return 0;
	if (is_op(a, '{') && is_op(b, '}')) return 0;
	if (is_op(b, '(') && a->kind == TK_ID) return 0;
	if (a->fl & F_UNARY) return 0;
	if ((a->fl & F_UNITOP) || (b->fl & F_UNITOP)) return 0;
	return 1;
}

static OLine *new_line(Layout *L)
{
	if (L->nlines == L->cap) {
		L->cap = L->cap ? 2 * L->cap : 128;
		L->lines = xrealloc(L->lines, L->cap * sizeof *L->lines);
	}
	OLine *o = &L->lines[L->nlines++];
	memset(o, 0, sizeof *o);
	return o;
}

/* Lays out one input line: code tokens c[0..nc) and its comment cm. */
static void layout_line(Layout *L, Tok *const *c, size_t nc, const Tok *cm)
{
	OLine *o = new_line(L);
	o->cm = cm;
	if (nc == 0 && !cm) {
		o->kind = OL_BLANK;
		return;
	}
	o->in_col = nc ? c[0]->col : cm->col;
	o->indent = line_indent(L, c, nc);
	o->code = L->text.len;
	/* an entry line starts an element right inside a block */
	size_t sp0 = L->sp;
	bool fresh = prev_separates(L) && sp0 > 0 && L->stack[sp0 - 1].type == 'b';
	bool semi = false;       /* a `;` written outside the brackets it opened */
	const Tok *last = NULL;  /* the last token written on this line */
	/* brackets opened after this line closed one it started in belong to
	 * the level of that one's line: `trace(a,\n  b) {` */
	size_t low_sp = L->sp;
	int base = o->indent;
	for (size_t k = 0; k < nc; k++) {
		Tok *b = c[k];
		/* a `;` that ends the line after a complete item: the line break
		 * does its work */
		if (is_op(b, ';') && k + 1 == nc && last && ends_item(last) && L->pdepth == 0)
			break;
		const Tok *p = L->prev;
		if (is_op(b, '{')) {
			bool block = operand_end(p) || is_kw(p, KW_OPTIMIZE);
			if (!block) b->fl |= F_SET;
		} else if (is_close(b)) {
			char type = 'b';
			if (L->sp) {
				Frame f = L->stack[--L->sp];
				type = f.type;
				if (L->sp < low_sp) {
					low_sp = L->sp;
					base = f.indent;
				}
			}
			if (type == 's') b->fl |= F_SET;
			if (is_op(b, ')') && L->pdepth > 0) L->pdepth--;
		} else if (is_op(b, '-') && !operand_end(p)) {
			b->fl |= F_UNARY;
		}
		if (L->in_param) {
			if (b->kind == TK_ID && (operand_end(p) || (p && (p->fl & F_UNITOP))))
				b->fl |= F_UNIT;
			if ((is_op(b, '/') || is_op(b, '*')) && p && (p->fl & F_UNIT) && k + 1 < nc &&
			    c[k + 1]->kind == TK_ID)
				b->fl |= F_UNITOP;
		}
		if (last) {
			/* the canonical spacing, unless it would change the tokens
			 * (`a .5`; `1e5*import` is the number `1e5*` then `import`);
			 * when no spacing keeps them (`2\rs` is not `2 s`), the
			 * bytes between them as written */
			int sp = spacing(last, b);
			if (!glues(L->src, last, b, sp)) {
				if (glues(L->src, last, b, !sp))
					sp = !sp;
				else
					sp = -1;
			}
			if (sp > 0)
				buf_putc(&L->text, ' ');
			else if (sp < 0)
				buf_putn(&L->text, L->src + last->off + last->len, b->off - last->off - last->len);
		}
		tok_text(L->src, b, &L->text);
		if (is_op(b, '(')) {
			push_frame(L, '(', base);
			L->pdepth++;
		} else if (is_op(b, '{')) {
			push_frame(L, (b->fl & F_SET) ? 's' : 'b', base);
		} else if (is_op(b, ';')) {
			L->in_param = false;
			if (L->sp <= sp0) semi = true;
		} else if (is_kw(b, KW_PARAM)) {
			L->in_param = true;
		}
		L->prev = b;
		last = b;
	}
	o->code_len = L->text.len - o->code;
	if (o->code_len == 0) {
		o->kind = cm ? OL_COMMENT : OL_BLANK;
		if (cm) o->in_col = cm->col;
	} else {
		o->kind = OL_CODE;
		o->closes = is_close(c[0]);
		o->opens = is_open(last);
		/* `NAME = value` alone, complete on this line: it closes every
		 * bracket it opens, closes none it did not, and the line break
		 * after it ends it */
		if (fresh && nc >= 2 && c[0]->kind == TK_ID && is_op(c[1], '=') && !semi && low_sp == sp0 &&
		    L->sp == sp0 && prev_separates(L)) {
			o->entry = true;
			o->block = L->stack[sp0 - 1].id;
			o->name_len = c[0]->len;
		}
	}
	/* the line break ends a param item as it ends any item */
	if (L->in_param && ends_item(L->prev) && L->pdepth == 0)
		L->in_param = false;
}

/* Display width of s[0..n) (a character is one column). */
static size_t width(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i += char_len(s + i, n - i)) w++;
	return w;
}

static void spaces(Buf *b, size_t n)
{
	while (n--) buf_putc(b, ' ');
}

/* The display width of a code line's code, its `=` padding included. */
static size_t code_width(const Layout *L, const OLine *o)
{
	return width(L->text.s + o->code, o->code_len) + o->pad;
}

/* Writes a code line's code, NAME padded to its run's `=` column. */
static void put_code(const Layout *L, const OLine *o, Buf *out)
{
	const char *x = L->text.s + o->code;
	size_t k = o->pad ? o->name_len : 0;
	buf_putn(out, x, k);
	spaces(out, o->pad);
	buf_putn(out, x + k, o->code_len - k);
}

/* Blank lines, hanging comments, the `=` and comment columns, and the
 * text. */
static void emit(Layout *L, Buf *out)
{
	size_t n = L->nlines, m = 0;
	OLine **keep = xmalloc((n + 1) * sizeof *keep);
	for (size_t i = 0; i < n; i++) {
		OLine *o = &L->lines[i];
		if (o->kind != OL_BLANK) {
			keep[m++] = o;
			continue;
		}
		if (m == 0 || keep[m - 1]->kind == OL_BLANK || keep[m - 1]->opens) continue;
		size_t j = i + 1;
		while (j < n && L->lines[j].kind == OL_BLANK) j++;
		if (j == n || L->lines[j].closes) continue;
		keep[m++] = o;
	}
	for (size_t i = 1; i < m; i++) {
		OLine *o = keep[i], *p = keep[i - 1];
		if (o->kind != OL_COMMENT) continue;
		bool anchored = (p->kind == OL_CODE && p->cm) || p->hanging;
		uint32_t anchor = p->kind == OL_CODE ? p->in_col : p->anchor_in;
		if (anchored && o->in_col > (uint32_t)o->indent && o->in_col > anchor) {
			o->hanging = true;
			o->anchor_in = anchor;
		}
	}
	/* a run of entry lines of one block at one indentation has its `=`
	 * one space after its longest NAME; a blank line, a comment line
	 * other than a hanging one, or any other line ends it */
	for (size_t i = 0; i < m;) {
		OLine *o = keep[i];
		if (!o->entry) {
			i++;
			continue;
		}
		size_t end = i + 1, w = o->name_len;
		for (size_t j = i + 1; j < m; j++) {
			OLine *q = keep[j];
			if (q->hanging) continue;
			if (!q->entry || q->block != o->block || q->indent != o->indent) break;
			if (q->name_len > w) w = q->name_len;
			end = j + 1;
		}
		for (; i < end; i++)
			if (keep[i]->entry) keep[i]->pad = w - keep[i]->name_len;
	}
	for (size_t i = 0; i < m;) {
		OLine *o = keep[i];
		bool trailing = o->kind == OL_CODE && o->cm;
		if (!trailing) {
			if (o->kind != OL_BLANK) spaces(out, (size_t)o->indent);
			if (o->kind == OL_CODE) put_code(L, o, out);
			if (o->kind == OL_COMMENT) tok_text(L->src, o->cm, out);
			buf_putc(out, '\n');
			i++;
			continue;
		}
		/* a run of lines with end-of-line comments and the comment
		 * lines hanging under them share one column */
		size_t j = i, col = 0;
		for (; j < m && ((keep[j]->kind == OL_CODE && keep[j]->cm) || keep[j]->hanging); j++) {
			OLine *q = keep[j];
			size_t w = (size_t)q->indent + 2;
			if (q->kind == OL_CODE) w += code_width(L, q);
			if (w > col) col = w;
		}
		for (; i < j; i++) {
			OLine *q = keep[i];
			size_t w = 0;
			if (q->kind == OL_CODE) {
				spaces(out, (size_t)q->indent);
				put_code(L, q, out);
				w = (size_t)q->indent + code_width(L, q);
			}
			spaces(out, col - w);
			tok_text(L->src, q->cm, out);
			buf_putc(out, '\n');
		}
	}
	free(keep);
}

/* ------------------------------------------------------------ check */

/* The token stream the parser reads (parser.y's yylex: which newlines
 * separate items, a separator before the end), with `;` and separating
 * newlines both as TK_NL.  Fills idx with indexes into t. */
static size_t parser_stream(const Tok *t, size_t n, size_t *idx)
{
	size_t m = 0;
	int depth = 0;
	const Tok *last = NULL;
	bool last_sep = false;
	for (size_t i = 0; i < n; i++) {
		const Tok *k = &t[i];
		if (k->kind == TK_COMMENT) continue;
		if (k->kind == TK_NL) {
			if (depth > 0 || last_sep || !ends_item(last)) continue;
		} else if (k->kind == TK_EOF) {
			if (!last_sep) idx[m++] = i; /* the separator before the end */
			break;
		} else if (is_op(k, '(')) {
			depth++;
		} else if (is_op(k, ')') && depth > 0) {
			depth--;
		}
		idx[m++] = i;
		last = k;
		last_sep = k->kind == TK_NL || is_op(k, ';');
	}
	return m;
}

static bool is_sep(const Tok *t) { return t->kind == TK_NL || t->kind == TK_EOF || is_op(t, ';'); }

/* Is the formatted text the same stream of tokens for the parser?  On a
 * difference, *line is where in the input. */
static bool same_stream(const char *a, const Toks *ta, const char *b, const Toks *tb, uint32_t *line)
{
	size_t *ia = xmalloc((ta->n + 1) * sizeof *ia), *ib = xmalloc((tb->n + 1) * sizeof *ib);
	size_t na = parser_stream(ta->v, ta->n, ia), nb = parser_stream(tb->v, tb->n, ib);
	bool same = true;
	size_t k = 0;
	for (; k < na && k < nb; k++) {
		const Tok *x = &ta->v[ia[k]], *y = &tb->v[ib[k]];
		if (is_sep(x) && is_sep(y)) continue;
		if (!same_token(a, x, b, y)) {
			same = false;
			break;
		}
	}
	if (same && na != nb) same = false;
	if (!same) *line = k < na ? ta->v[ia[k]].line + 1 : ta->n ? ta->v[ta->n - 1].line + 1 : 1;
	free(ia);
	free(ib);
	return same;
}

/* ------------------------------------------------------------ entry point */

bool sgl_format(const char *src, size_t len, Buf *out, char **err)
{
	if (err) *err = NULL;
	Scan sc;
	scan_init(&sc, src, len);
	Toks toks = {0};
	if (!scan(&sc, &toks)) {
		if (err) *err = sc.err;
		else free(sc.err);
		free(toks.v);
		return false;
	}

	Layout L = {0};
	L.src = src;
	buf_putn(&L.text, "", 0);
	Tok **code = xmalloc((toks.n + 1) * sizeof *code);
	for (size_t i = 0; i < toks.n;) {
		size_t nc = 0;
		const Tok *cm = NULL;
		for (; toks.v[i].kind != TK_NL && toks.v[i].kind != TK_EOF; i++) {
			if (toks.v[i].kind == TK_COMMENT) cm = &toks.v[i];
			else code[nc++] = &toks.v[i];
		}
		layout_line(&L, code, nc, cm);
		if (toks.v[i].kind == TK_EOF) break;
		i++;
	}
	/* the last line came from the text after the last newline: an empty
	 * one is no line at all */
	if (L.nlines && L.lines[L.nlines - 1].kind == OL_BLANK) L.nlines--;

	Buf res = {0};
	buf_putn(&res, "", 0);
	if (sc.start) buf_putn(&res, src, 3);
	emit(&L, &res);

	/* the result must read as the same tokens */
	Scan sc2;
	scan_init(&sc2, res.s, res.len);
	Toks toks2 = {0};
	uint32_t line = 0;
	bool ok = scan(&sc2, &toks2) && same_stream(src, &toks, res.s, &toks2, &line);
	if (ok) {
		buf_putn(out, res.s, res.len);
	} else if (err) {
		char msg[160];
		snprintf(msg, sizeof msg, "%u:1: internal error: the formatted text would read differently%s",
			 line ? line : 1u, sc2.err ? " (it does not scan)" : "");
		*err = xmalloc(strlen(msg) + 1);
		strcpy(*err, msg);
	}
	free(sc2.err);
	free(toks2.v);
	buf_free(&res);
	free(code);
	free(L.lines);
	free(L.stack);
	buf_free(&L.text);
	free(toks.v);
	return ok;
}
