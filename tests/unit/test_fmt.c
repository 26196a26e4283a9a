/* test_fmt.c -- the formatter (lang/fmt.h): canonical output of small
 * messy inputs (the `=` alignment of entries included), scan errors (with
 * the positions the real lexer reports), and, on every .sgl file of
 * examples/ and stdlib/, idempotence, the same syntax tree from the real
 * parser, comments and token spellings kept, and the same output from
 * randomly re-spaced copies of the file. */
#include "config.h"
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "lang/fmt.h"
#include "lang/parse.h"

/* ------------------------------------------------------------ helpers */

/* The formatted text (free it); fails the test when formatting fails. */
static char *fmt_ok(const char *src, size_t len)
{
	Buf out = {0};
	char *err = NULL;
	bool ok = sgl_format(src, len, &out, &err);
	cr_assert(ok, "sgl_format failed: %s", err ? err : "(no message)");
	cr_assert_null(err);
	buf_putn(&out, "", 0);
	return out.s;
}

static void expect_fmt(const char *src, const char *want)
{
	char *got = fmt_ok(src, strlen(src));
	cr_expect_str_eq(got, want, "formatting [%s]", src);
	char *again = fmt_ok(got, strlen(got));
	cr_expect_str_eq(again, got, "formatting is not idempotent on [%s]", src);
	free(again);
	free(got);
}

/* The syntax tree of src as parse_file builds it, dumped (free it). */
static char *ast_text(const char *src, size_t len, int *errors)
{
	SourceSet ss;
	Diags d;
	Arena a;
	source_set_init(&ss);
	diags_init(&d, &ss, NULL, NULL);
	arena_init(&a);
	uint32_t file = source_add(&ss, "t.sgl", NULL, src, len);
	AstNode *root = parse_file(&a, &d, file);
	char *mem = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&mem, &n);
	if (root) ast_dump(f, root);
	fclose(f);
	*errors = d.errors;
	arena_free(&a);
	diags_free(&d);
	source_set_free(&ss);
	return mem;
}

/* The comments of src in order, one per line, less trailing blanks. */
static char *comments(const char *s)
{
	Buf b = {0};
	buf_putn(&b, "", 0);
	bool str = false;
	for (const char *p = s; *p; p++) {
		if (str) {
			if (*p == '\\' && p[1] && p[1] != '\n') p++;
			else if (*p == '"' || *p == '\n') str = false;
		} else if (*p == '"') {
			str = true;
		} else if (*p == '#') {
			const char *e = strchr(p, '\n');
			if (!e) e = p + strlen(p);
			const char *q = e;
			while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r')) q--;
			buf_putn(&b, p, (size_t)(q - p));
			buf_putc(&b, '\n');
			p = e - 1;
		}
	}
	return b.s;
}

/* src without comments, without blanks outside strings and without a `;`
 * that ends a line: what the formatter may not change, byte for byte. */
static char *squash(const char *s)
{
	Buf b = {0};
	buf_putn(&b, "", 0);
	bool str = false;
	for (const char *p = s; *p; p++) {
		if (str) {
			buf_putc(&b, *p);
			if (*p == '\\' && p[1] && p[1] != '\n') buf_putc(&b, *++p);
			else if (*p == '"' || *p == '\n') str = false;
			continue;
		}
		if (*p == '"') {
			str = true;
			buf_putc(&b, *p);
		} else if (*p == '#') {
			while (p[1] && p[1] != '\n') p++;
		} else if (*p == ';') {
			const char *q = p + 1;
			while (*q == ' ' || *q == '\t' || *q == '\r') q++;
			if (*q == '#') while (*q && *q != '\n') q++;
			if (*q && *q != '\n') buf_putc(&b, ';');
		} else if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			buf_putc(&b, *p);
		}
	}
	return b.s;
}

typedef struct Corpus {
	char *path[64];
	size_t n;
} Corpus;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .sgl file of examples/ and stdlib/ under $SRCDIR (or "."). */
static void corpus_load(Corpus *c)
{
	const char *src = getenv("SRCDIR");
	if (!src) src = ".";
	const char *dirs[] = {"examples", "stdlib"};
	c->n = 0;
	for (size_t d = 0; d < 2; d++) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/%s", src, dirs[d]);
		DIR *dp = opendir(dir);
		cr_assert_not_null(dp, "cannot open %s (set SRCDIR to the source tree)", dir);
		size_t first = c->n, found = 0;
		struct dirent *e;
		while ((e = readdir(dp))) {
			size_t l = strlen(e->d_name);
			if (l < 5 || strcmp(e->d_name + l - 4, ".sgl") || e->d_name[0] == '.') continue;
			cr_assert_lt(c->n, sizeof c->path / sizeof c->path[0]);
			size_t n = strlen(dir) + l + 2;
			c->path[c->n] = malloc(n);
			snprintf(c->path[c->n++], n, "%s/%s", dir, e->d_name);
			found++;
		}
		closedir(dp);
		cr_assert_gt(found, 0, "no .sgl files in %s", dir);
		qsort(c->path + first, found, sizeof c->path[0], cmp_str);
	}
}

static void corpus_free(Corpus *c)
{
	for (size_t i = 0; i < c->n; i++) free(c->path[i]);
}

static char *slurp(const char *path, size_t *len)
{
	char *s = test_slurp(path, len);
	cr_assert_not_null(s, "cannot read %s", path);
	return s;
}

/* ------------------------------------------------------------ canonical output */

Test(fmt, spaces_around_operators)
{
	expect_fmt("const  x=1+2*3", "const x = 1 + 2 * 3\n");
	expect_fmt("const x = a<=b and not c!=d or e>=f", "const x = a <= b and not c != d or e >= f\n");
	expect_fmt("metric m = ( a+b )/c^2", "metric m = (a + b) / c ^ 2\n");
	expect_fmt("const\tx =\t1 == 2", "const x = 1 == 2\n");
}

Test(fmt, calls_fields_and_fn_heads)
{
	expect_fmt("fn f ( a,b )=a*-b", "fn f(a, b) = a * -b\n");
	expect_fmt("print simplify ( model . layers )for d with w",
		   "print simplify(model.layers) for d with w\n");
	expect_fmt("fn g() = act_dtype( ).bytes", "fn g() = act_dtype().bytes\n");
	expect_fmt("const y = lognormal(median=1000 tok,sigma=0.8)",
		   "const y = lognormal(median = 1000 tok, sigma = 0.8)\n");
}

Test(fmt, unary_minus)
{
	expect_fmt("const x = if c then - 1 else -2", "const x = if c then -1 else -2\n");
	expect_fmt("const y = a - - b", "const y = a - -b\n");
	expect_fmt("const z = (- a)^-2", "const z = (-a) ^ -2\n");
	expect_fmt("const w = exp( -picks/experts )", "const w = exp(-picks / experts)\n");
	expect_fmt("param p in -5 .. 5", "param p in -5 .. 5\n");
}

Test(fmt, params_ranges_sets_and_units)
{
	expect_fmt("param tp    in {1,2, 4 ,8}=1", "param tp in {1, 2, 4, 8} = 1\n");
	expect_fmt("param n in 1..8 step 2", "param n in 1 .. 8 step 2\n");
	expect_fmt("param r in { 10 , 20 } req / s = 10 req/s", "param r in {10, 20} req/s = 10 req/s\n");
	expect_fmt("param c in 1 tok..8 tok step 1 tok", "param c in 1 tok .. 8 tok step 1 tok\n");
	expect_fmt("const s = { }\nconst t = ( a , )\nconst u = (a,b)",
		   "const s = {}\nconst t = (a,)\nconst u = (a, b)\n");
	/* outside a param, `/` between names is division */
	expect_fmt("const q = a/b", "const q = a / b\n");
}

Test(fmt, numbers_units_and_strings_keep_their_spelling)
{
	expect_fmt("const a = 1_000.5e3   tok^2 / 2us*3 s^-1", "const a = 1_000.5e3 tok^2 / 2us * 3 s^-1\n");
	expect_fmt("const b = 80\tGiB + 3.35TB/s * .5 µs", "const b = 80 GiB + 3.35TB/s * .5 µs\n");
	expect_fmt("const s = \"a\tb  \\\"c\\\" \\u{b5} # not a comment\"",
		   "const s = \"a\tb  \\\"c\\\" \\u{b5} # not a comment\"\n");
	expect_fmt("verify top 3   by simulation", "verify top 3 by simulation\n");
	expect_fmt("import \"lib/x.sgl\"", "import \"lib/x.sgl\"\n");
}

Test(fmt, records_and_blocks)
{
	expect_fmt("gpu g:h100_sxm{cost=2 USD/h}", "gpu g : h100_sxm { cost = 2 USD/h }\n");
	expect_fmt("cluster c {gpu=h100_sxm;nodes = 2 ;inter=ib_ndr}",
		   "cluster c { gpu = h100_sxm; nodes = 2; inter = ib_ndr }\n");
	expect_fmt("deployment d {\n\tmodel = m   \n   replicas=2\n\t\tprefill{ tp = 4 }decode { tp=8 }\n   kv_transfer {  }\n}",
		   "deployment d {\n  model    = m\n  replicas = 2\n  prefill { tp = 4 } decode { tp = 8 }\n"
		   "  kv_transfer {}\n}\n");
	expect_fmt("gpu g {\nflops {\nbf16 = 1 TFLOP/s\n}\n}",
		   "gpu g {\n  flops {\n    bf16 = 1 TFLOP/s\n  }\n}\n");
	expect_fmt("workload w = trace(\"t.csv\",\n                format = csv) {\n seed = 1\n     requests=10\n}",
		   "workload w = trace(\"t.csv\",\n  format = csv) {\n  seed     = 1\n  requests = 10\n}\n");
	expect_fmt("optimize d with w {\nmaximize x as y\nsubject to a<=1,\nb>=2\nover (p,q)\nmethod=pareto\n"
		   "verify top 3 by simulation\n}",
		   "optimize d with w {\n  maximize x as y\n  subject to a <= 1,\n    b >= 2\n  over (p, q)\n"
		   "  method = pareto\n  verify top 3 by simulation\n}\n");
	expect_fmt("optimize{minimize cost}", "optimize { minimize cost }\n");
}

Test(fmt, continuation_lines)
{
	expect_fmt("metric m = a +\nb *\n      c", "metric m = a +\n  b *\n  c\n");
	expect_fmt("const p = if a>b then\na else\nb", "const p = if a > b then\n  a else\n  b\n");
	expect_fmt("const x = max(a,\n        b,\n   3)", "const x = max(a,\n  b,\n  3)\n");
	expect_fmt("const x = f(\n     a,\n       b\n   )", "const x = f(\n  a,\n  b\n)\n");
	/* a continued argument is one level deeper than its siblings */
	expect_fmt("fn f(x) = max(x /\n(a + b),\nc)", "fn f(x) = max(x /\n    (a + b),\n  c)\n");
	/* one level per line, however many brackets it opens */
	expect_fmt("const x = f(g(a,\nb))", "const x = f(g(a,\n  b))\n");
	expect_fmt("fn f(x) = if x then\n    (if y then\n  1 else\n 2) else 0",
		   "fn f(x) = if x then\n  (if y then\n      1 else\n      2) else 0\n");
	/* a bracket opened after closing the one the line began in */
	expect_fmt("const x = f(a,\nb) + g(\nc)", "const x = f(a,\n  b) + g(\n  c)\n");
}

Test(fmt, blank_lines_and_semicolons)
{
	expect_fmt("\n\n\nimport gpus\n\n\n\nconst x = 1\n\n\n", "import gpus\n\nconst x = 1\n");
	expect_fmt("gpu g {\n\n  mem = 1 GiB\n\n\n  idle_power = 1 W\n\n}\n",
		   "gpu g {\n  mem = 1 GiB\n\n  idle_power = 1 W\n}\n");
	expect_fmt("import gpus;\nconst x = 1; const y = 2;  # c\n", "import gpus\nconst x = 1; const y = 2  # c\n");
	/* a `;` alone on a line is an item of its own for the parser: kept */
	expect_fmt("const x = 1\n;\n", "const x = 1\n;\n");
	expect_fmt("const x = 1", "const x = 1\n");
	expect_fmt("", "");
	expect_fmt("\n \n\t\n", "");
	expect_fmt("const x = 1\r\nconst y = 2\r\n", "const x = 1\nconst y = 2\n");
	expect_fmt("\xef\xbb\xbf" "const x=1\n", "\xef\xbb\xbf" "const x = 1\n");
}

Test(fmt, comments)
{
	expect_fmt("# head   \n\n\n# more\nconst x = 1", "# head\n\n# more\nconst x = 1\n");
	expect_fmt("const a = 1 # one\nconst bbb = 22    # two\n\n# alone\n",
		   "const a = 1     # one\nconst bbb = 22  # two\n\n# alone\n");
	/* a comment line under an end-of-line comment stays in its column */
	expect_fmt("const x = 1   # a\n        # b\nconst yy = 2 # c\n",
		   "const x = 1   # a\n              # b\nconst yy = 2  # c\n");
	/* ... but not one at the indentation of the code */
	expect_fmt("gpu g {\n    a = 1  # x\n    # about bbb\n    bbb = 2\n}\n",
		   "gpu g {\n  a = 1  # x\n  # about bbb\n  bbb = 2\n}\n");
	/* comment lines take the indentation of the code around them */
	expect_fmt("gpu g {\n        # c\n  a = 1 +\n# d\n 2\n    # e\n}\n",
		   "gpu g {\n  # c\n  a = 1 +\n    # d\n    2\n  # e\n}\n");
	expect_fmt("#!/usr/bin/env sglsim\n#\tx\t#y\n", "#!/usr/bin/env sglsim\n#\tx\t#y\n");
}

/* The `=` of a run of consecutive one-entry lines of a block stands one
 * space after the run's longest name. */
Test(fmt, entry_alignment)
{
	/* names of different lengths; padding is recomputed, not kept */
	expect_fmt("gpu h100 {\nmem=80 GiB\n   mem_bw =3.35 TB/s\nflops_bf16= 989 TFLOP/s\n}",
		   "gpu h100 {\n  mem        = 80 GiB\n  mem_bw     = 3.35 TB/s\n  flops_bf16 = 989 TFLOP/s\n}\n");
	expect_fmt("gpu g {\n  a            = 1\n  bb\t\t= 2\n}\n", "gpu g {\n  a  = 1\n  bb = 2\n}\n");
	/* a single entry is not padded */
	expect_fmt("gpu g {\n  mem        = 80 GiB\n}\n", "gpu g {\n  mem = 80 GiB\n}\n");
	expect_fmt("gpu g {\n  a = 1\n\n  mem        = 80 GiB\n\n  bbbb = 2\n}\n",
		   "gpu g {\n  a = 1\n\n  mem = 80 GiB\n\n  bbbb = 2\n}\n");
	/* a blank line ends a run */
	expect_fmt("gpu g {\n  a = 1\n  bbbb = 2\n\n  cc = 3\n  d = 4\n}\n",
		   "gpu g {\n  a    = 1\n  bbbb = 2\n\n  cc = 3\n  d  = 4\n}\n");
	/* so does a comment line */
	expect_fmt("gpu g {\n  a = 1\n  bbb = 2\n  # about c\n  cccccc = 3\n  d = 4\n}\n",
		   "gpu g {\n  a   = 1\n  bbb = 2\n  # about c\n  cccccc = 3\n  d      = 4\n}\n");
	/* ... but not one hanging under an end-of-line comment, which is
	 * part of the line above; the comment column comes after the padding */
	expect_fmt("link l {\n  bw = 1 GB/s # a\n              # b\n  latency = 1 us # c\n}\n",
		   "link l {\n  bw      = 1 GB/s  # a\n                    # b\n  latency = 1 us    # c\n}\n");
	expect_fmt("gpu g {\n  a = 1 # x\n  bbbbb = 22 # y\n  cc = 3\n}\n",
		   "gpu g {\n  a     = 1   # x\n  bbbbb = 22  # y\n  cc    = 3\n}\n");
	/* a nested block ends the run; its entries are a run of their own */
	expect_fmt("gpu g {\n  mem = 1 GiB\n  mem_bw = 2 TB/s\n  flops {\n    fp32 = 1 TFLOP/s\n    bf16 = 2 TFLOP/s\n"
		   "    fp8=0 FLOP/s\n  }\n  tdp = 1 W\n  idle_power = 2 W\n}\n",
		   "gpu g {\n  mem    = 1 GiB\n  mem_bw = 2 TB/s\n  flops {\n    fp32 = 1 TFLOP/s\n    bf16 = 2 TFLOP/s\n"
		   "    fp8  = 0 FLOP/s\n  }\n  tdp        = 1 W\n  idle_power = 2 W\n}\n");
	/* so does an entry whose block spans lines */
	expect_fmt("gpu g {\n  a = 1\n  nvlink = n {\n    latency = 1 us\n  }\n  sms = 2\n  cc = 3\n}\n",
		   "gpu g {\n  a = 1\n  nvlink = n {\n    latency = 1 us\n  }\n  sms = 2\n  cc  = 3\n}\n");
	/* ... but not one whose block is on its line, `;`s and all */
	expect_fmt("gpu g {\n  nvlink = n { latency = 1 us; bw = 2 GB/s }\n  sms = 132\n}\n",
		   "gpu g {\n  nvlink = n { latency = 1 us; bw = 2 GB/s }\n  sms    = 132\n}\n");
	/* different blocks at the same indentation are separate runs */
	expect_fmt("gpu g {\n  aaaaaa = 1\n}\ngpu h {\n  b = 2\n  cc = 3\n}\n",
		   "gpu g {\n  aaaaaa = 1\n}\ngpu h {\n  b  = 2\n  cc = 3\n}\n");
	/* `;`-joined entries end a run; a `;` that ends the line does not */
	expect_fmt("deployment d {\n  model = m\n  tp = 4; pp = 2\n  replicas = 2\n  gpu = g\n}\n",
		   "deployment d {\n  model = m\n  tp = 4; pp = 2\n  replicas = 2\n  gpu      = g\n}\n");
	expect_fmt("gpu g {\n  a = 1;\n  bbb = 2;\n}\n", "gpu g {\n  a   = 1\n  bbb = 2\n}\n");
	/* an entry continued on the next line is in no run, and ends one */
	expect_fmt("gpu g {\n  a = 1\n  bbb = 2 +\n3\n  cc = 4\n  d = 5\n  x = f(a,\nb)\n  yy = 6\n}\n",
		   "gpu g {\n  a = 1\n  bbb = 2 +\n    3\n  cc = 4\n  d  = 5\n  x = f(a,\n    b)\n  yy = 6\n}\n");
	/* named arguments, other clauses and items are no entries */
	expect_fmt("workload w = trace(\"t.csv\",\n  format = csv,\n  speedup = 2) {\n  seed = 1\n  arrival_rate = 2\n}\n",
		   "workload w = trace(\"t.csv\",\n  format = csv,\n  speedup = 2) {\n  seed         = 1\n"
		   "  arrival_rate = 2\n}\n");
	expect_fmt("optimize d with w {\n  over p\n  method = grid\n  maximize x\n}\nconst a = 1\nconst bbb = 2\n",
		   "optimize d with w {\n  over p\n  method = grid\n  maximize x\n}\nconst a = 1\nconst bbb = 2\n");
}

/* ------------------------------------------------------------ errors */

/* sgl_format fails with "LINE:COL: what", appending nothing, and the real
 * scanner reports the same thing at the same place. */
static void expect_error(const char *src, const char *want)
{
	Buf out = {0};
	buf_puts(&out, "kept");
	char *err = NULL;
	cr_expect_not(sgl_format(src, strlen(src), &out, &err), "[%s] formatted", src);
	cr_expect_str_eq(out.s, "kept");
	cr_assert_not_null(err);
	cr_expect_str_eq(err, want, "error of [%s]", src);
	/* want is "LINE:COL: what"; the compiler writes "t.sgl:LINE:COL: error: what" */
	const char *what = strchr(strchr(want, ':') + 1, ':');
	Compiled *c = compile_text(src, false);
	char full[600];
	snprintf(full, sizeof full, "t.sgl:%.*s: error:%s", (int)(what - want), want, what + 1);
	cr_expect(strstr(c->err.s, full) != NULL, "the compiler says [%s], not [%s]", c->err.s, full);
	compiled_free(c);
	free(err);
	buf_free(&out);
	/* NULL err is allowed */
	Buf o2 = {0};
	cr_expect_not(sgl_format(src, strlen(src), &o2, NULL));
	buf_free(&o2);
}

Test(fmt, scan_errors)
{
	expect_error("const s = \"abc\nconst t = 1\n", "1:11: missing closing quote of string");
	expect_error("const x = 1\nconst s = \"abc", "2:11: missing closing quote of string");
	expect_error("\tconst s = \"abc", "1:19: missing closing quote of string");
	expect_error("const s = \"a\\qb\"", "1:13: unknown escape sequence '\\q'; use \\n, \\t, \\r, \\\\, \\\", \\xHH or \\u{H...}");
	expect_error("const s = \"a\\0b\"", "1:13: '\\0' is not allowed: strings cannot hold NUL");
	expect_error("const s = \"a\\x4\"", "1:13: \\x needs two hex digits");
	expect_error("const x = 1 @ 2", "1:13: invalid character '@'");
	expect_error("const x = [1]", "1:11: invalid character '['");
	expect_error("const x = µs", "1:11: invalid character 'µ' (U+00B5) outside a string");
	expect_error("const x = 1e999", "1:11: number '1e999' is out of range");
}

/* ------------------------------------------------------------ the corpus */

Test(fmt, corpus_is_a_fixed_point_after_one_pass)
{
	Corpus c;
	corpus_load(&c);
	for (size_t i = 0; i < c.n; i++) {
		size_t len;
		char *src = slurp(c.path[i], &len);
		char *once = fmt_ok(src, len);
		char *twice = fmt_ok(once, strlen(once));
		cr_expect_str_eq(twice, once, "%s: formatting twice differs from once", c.path[i]);
		free(twice);
		free(once);
		free(src);
	}
	corpus_free(&c);
}

Test(fmt, corpus_keeps_its_syntax_tree)
{
	Corpus c;
	corpus_load(&c);
	for (size_t i = 0; i < c.n; i++) {
		size_t len;
		char *src = slurp(c.path[i], &len);
		char *out = fmt_ok(src, len);
		int e1, e2;
		char *a = ast_text(src, len, &e1), *b = ast_text(out, strlen(out), &e2);
		cr_expect_eq(e1, 0, "%s does not parse", c.path[i]);
		cr_expect_eq(e2, 0, "%s formatted does not parse", c.path[i]);
		cr_expect_gt(strlen(a), 10, "%s: empty tree", c.path[i]);
		cr_expect_str_eq(b, a, "%s: the formatted text parses differently", c.path[i]);
		free(a);
		free(b);
		free(out);
		free(src);
	}
	corpus_free(&c);
}

Test(fmt, corpus_keeps_comments_and_spellings)
{
	Corpus c;
	corpus_load(&c);
	for (size_t i = 0; i < c.n; i++) {
		size_t len;
		char *src = slurp(c.path[i], &len);
		char *out = fmt_ok(src, len);
		char *ca = comments(src), *cb = comments(out);
		cr_expect_gt(strlen(ca), 0, "%s has no comments?", c.path[i]);
		cr_expect_str_eq(cb, ca, "%s: comments differ", c.path[i]);
		char *sa = squash(src), *sb = squash(out);
		cr_expect_str_eq(sb, sa, "%s: tokens differ", c.path[i]);
		/* layout: no tabs outside strings and comments, no trailing
		 * blanks, one final newline, no two blank lines in a row */
		cr_expect(len == 0 || out[strlen(out) - 1] == '\n');
		cr_expect_null(strstr(out, " \n"), "%s: trailing blank", c.path[i]);
		cr_expect_null(strstr(out, "\n\n\n"), "%s: two blank lines", c.path[i]);
		cr_expect(strlen(out) < 2 || strcmp(out + strlen(out) - 2, "\n\n"), "%s: blank at end", c.path[i]);
		for (const char *l = out; *l; l = strchr(l, '\n') + 1)
			cr_expect(*l != '\t', "%s: tab indentation", c.path[i]);
		free(ca);
		free(cb);
		free(sa);
		free(sb);
		free(out);
		free(src);
	}
	corpus_free(&c);
}

/* A copy of src with other whitespace between tokens: blanks grown,
 * shrunk, removed or added where the scanner still reads the same tokens
 * (checked line by line with the real lexer), tabs, trailing blanks, CR
 * before newlines, blank lines doubled and added at both ends, up to three
 * blanks before the indentation of code lines.  Comment lines, strings and
 * the blanks between a number and its unit are kept. */
static char *respace(const char *src, uint64_t seed)
{
	uint64_t s = seed;
	bool crlf = test_splitmix(&s) % 2;
	Buf out = {0};
	buf_putn(&out, "", 0);
	buf_puts(&out, "\n\n");
	const char *p = src;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *line = strndup(p, n);
		const char *q = line;
		while (*q == ' ' || *q == '\t') q++;
		if (*q == '#' || *q == 0) {
			buf_puts(&out, line);
			if (*q == 0 && e && test_splitmix(&s) % 2) buf_putc(&out, '\n');
		} else {
			/* edit the code part, one candidate at a time */
			Buf cur = {0};
			buf_puts(&cur, line);
			char *want = lex_tokens(line);
			bool str = false;
			/* the indentation stays as it is (plus a prefix below): how
			 * deep a comment line sits under the code decides whether it
			 * continues an end-of-line comment */
			for (size_t i = (size_t)(q - line); i < cur.len; i++) {
				char ch = cur.s[i];
				if (str) {
					if (ch == '\\') i++;
					else if (ch == '"') str = false;
					continue;
				}
				if (ch == '"') { str = true; continue; }
				if (ch == '#') break;
				bool blank = ch == ' ' || ch == '\t';
				bool punct = strchr("(){},;:=+-*/^<>.", ch) != NULL;
				char prev = i ? cur.s[i - 1] : ' ';
				bool after_digit = prev >= '0' && prev <= '9';
				uint64_t r = test_splitmix(&s) % 8;
				Buf trial = {0};
				size_t skip = 0; /* bytes added before cur.s[i] */
				const char *add = r == 3 ? "\t" : r == 4 ? "   " : " \t ";
				if (blank && !after_digit && r < 3) { /* remove the blank */
					buf_putn(&trial, cur.s, i);
					buf_puts(&trial, cur.s + i + 1);
					skip = (size_t)-1; /* look at the byte now at i again */
				} else if (blank && r < 6) { /* grow it */
					buf_putn(&trial, cur.s, i);
					buf_puts(&trial, add);
					buf_puts(&trial, cur.s + i);
					skip = strlen(add);
				} else if (punct && r < 2) { /* add a blank before */
					buf_putn(&trial, cur.s, i);
					buf_putc(&trial, ' ');
					buf_puts(&trial, cur.s + i);
					skip = 1;
				} else {
					continue;
				}
				char *got = lex_tokens(trial.s);
				if (!strcmp(got, want)) {
					buf_free(&cur);
					cur = trial;
					i += skip;
				} else {
					buf_free(&trial);
				}
				free(got);
			}
			free(want);
			size_t lead = test_splitmix(&s) % 4;
			for (size_t k = 0; k < lead; k++) buf_putc(&out, k % 2 ? '\t' : ' ');
			buf_puts(&out, cur.s);
			if (test_splitmix(&s) % 3 == 0) buf_puts(&out, "  \t");
			buf_free(&cur);
		}
		free(line);
		if (!e) break;
		if (crlf) buf_putc(&out, '\r');
		buf_putc(&out, '\n');
		p = e + 1;
	}
	buf_puts(&out, "\n\n\n");
	return out.s;
}

Test(fmt, corpus_respaced_formats_the_same)
{
	Corpus c;
	corpus_load(&c);
	for (size_t i = 0; i < c.n; i++) {
		size_t len;
		char *src = slurp(c.path[i], &len);
		char *want = fmt_ok(src, len);
		for (uint64_t seed = 1; seed <= 3; seed++) {
			char *messy = respace(src, seed * 7919 + i);
			cr_expect_str_neq(messy, src);
			char *got = fmt_ok(messy, strlen(messy));
			cr_expect_str_eq(got, want, "%s respaced (seed %llu) formats differently", c.path[i],
					 (unsigned long long)seed);
			free(got);
			free(messy);
		}
		free(want);
		free(src);
	}
	corpus_free(&c);
}
