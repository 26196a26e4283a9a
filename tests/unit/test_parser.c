/* test_parser.c -- grammar: precedence, items, recovery. */
#include "config.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"
#include "lang/parse.h"

static char *parse_dump(const char *text, int *errors)
{
	Front f;
	front_open(&f, text);
	AstNode *root = parse_file(&f.a, &f.d, f.file);
	char *mem = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&mem, &len);
	if (root) ast_dump(out, root);
	fclose(out);
	*errors = f.d.errors;
	front_close(&f);
	return mem;
}

/* An expression parsed and printed back in infix form ("ERROR" if it does
 * not parse). */
static char *expr_text(const char *src)
{
	Front f;
	front_open(&f, src);
	AstNode *e = parse_expr(&f.a, &f.d, f.file);
	Buf b = {0};
	buf_putn(&b, "", 0);
	if (e && !f.d.errors) ast_print_expr(&b, e);
	else buf_puts(&b, "ERROR");
	char *r = strdup(b.s);
	buf_free(&b);
	front_close(&f);
	return r;
}

static void expect_dump_has(const char *src, const char *want)
{
	int errors;
	char *got = parse_dump(src, &errors);
	cr_expect_eq(errors, 0, "errors in [%s]", src);
	cr_expect(strstr(got, want) != NULL, "dump of [%s] is\n%s\nwanted %s", src, got, want);
	free(got);
}

Test(parser, precedence)
{
	expect_dump_has("print -2^2", "(unary - (binary ^ (num 2) (num 2)))");
	expect_dump_has("print 1 + 2 * 3", "(binary + (num 1) (binary * (num 2) (num 3)))");
	expect_dump_has("print 2 ^ 3 ^ 2", "(binary ^ (num 2) (binary ^ (num 3) (num 2)))");
	expect_dump_has("print not a < b", "(unary not (binary < (name a) (name b)))");
	expect_dump_has("print a or b and c", "(binary or (name a) (binary and (name b) (name c)))");
	expect_dump_has("print if a then 1 else 2 + 3",
			"(if (name a) (num 1) (binary + (num 2) (num 3)))");
	expect_dump_has("print 8 - 2 - 1", "(binary - (binary - (num 8) (num 2)) (num 1))");
}

Test(parser, comparisons_do_not_chain)
{
	int errors;
	free(parse_dump("print 1 < 2 < 3", &errors));
	cr_expect_eq(errors, 1);
}

Test(parser, round_trip_of_printed_expressions)
{
	const char *cases[] = {"1 + 2 * 3", "(1 + 2) * 3", "-x ^ 2", "(-x) ^ 2", "a - (b - c)",
		"f(x, name = 2)", "if a then b else c", "not (a and b)", "{1, 2, 3}", "(a, b)"};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *once = expr_text(cases[i]);
		char *twice = expr_text(once);
		cr_expect_str_eq(once, twice, "printing [%s] is not stable", cases[i]);
		free(once);
		free(twice);
	}
	char *p = expr_text("(-x) ^ 2");
	cr_expect_str_eq(p, "(-x) ^ 2");
	free(p);
}

Test(parser, items_and_blocks)
{
	expect_dump_has("param c in {1, 2} tok = 2 tok", "(param c unit:tok (set (num 1) (num 2)) (num 2 tok))");
	expect_dump_has("param r in 16 .. 512 step 16 = 128", "(range (num 16) (num 512) (num 16))");
	expect_dump_has("model m = base { dtype = fp8 }", "(record model m (name base)");
	expect_dump_has("gpu g : h { mem = 1 B }", "(record gpu g (name h)");
	expect_dump_has("deployment d { cache { page = 16 tok } }", "(entry cache block");
	expect_dump_has("workload t = trace(\"f\", format = mooncake)", "(call trace (str \"f\") (arg format (name mooncake)))");
}

Test(parser, newlines_continue_after_operators_and_inside_parens)
{
	expect_dump_has("const x = 1 +\n  2\nconst y = f(1,\n 2)", "(const y (call f (num 1) (num 2)))");
}

Test(parser, recovery_reports_several_errors)
{
	int errors;
	char *d = parse_dump("const a = \nconst b = 1 +* 2\ngpu g { mem = ; x = 1 }\nconst ok = 3\n", &errors);
	cr_expect_eq(errors, 3);
	cr_expect(strstr(d, "(const ok (num 3))") != NULL, "%s", d);
	free(d);
}
