/* test_lexer.c -- the scanner: numbers and units, strings, keywords, errors. */
#include "config.h"
#include <criterion/criterion.h>
#include <stdlib.h>
#include "helpers.h"

static void expect_tokens(const char *src, const char *want)
{
	char *got = lex_tokens(src);
	cr_expect_str_eq(got, want, "lexing [%s]", src);
	free(got);
}

Test(lexer, numbers_take_units_into_base_units)
{
	expect_tokens("80 GiB", "NUM(85899345920)");
	expect_tokens("3.35 TB/s", "NUM(3350000000000)");
	expect_tokens("2 us", "NUM(1.9999999999999999e-06)");
	expect_tokens("2us", "NUM(1.9999999999999999e-06)");
	expect_tokens("10 us", "NUM(1.0000000000000001e-05)");
	expect_tokens("400 Gb/s", "NUM(50000000000)");
	expect_tokens("2.5 USD/h", "NUM(0.00069444444444444447)");
	expect_tokens("3 ms", "NUM(0.0030000000000000001)");
	/* decimal prefixes are applied exactly: the double nearest 6.69e13 */
	expect_tokens("66.9 TFLOP/s", "NUM(66900000000000)");
	expect_tokens("1.5e3 GB", "NUM(1500000000000)");
	expect_tokens("0.1 GB", "NUM(100000000)");
	expect_tokens("700 W", "NUM(700)");
	expect_tokens("16 tok", "NUM(16)");
	expect_tokens("1e3", "NUM(1000)");
	expect_tokens("1_000_000", "NUM(1000000)");
	expect_tokens("2 USD/Mtok", "NUM(1.9999999999999999e-06)");
	expect_tokens("50 %", "NUM(0.5)");
}

Test(lexer, keyword_after_number_is_not_a_unit)
{
	expect_tokens("1 .. 8 step 2", "NUM(1) KW NUM(8) KW NUM(2)");
	expect_tokens("if x > 2 then", "KW ID(x) '>' NUM(2) KW");
	expect_tokens("1..8", "NUM(1) KW NUM(8)");
}

Test(lexer, division_with_spaces_is_an_operator)
{
	expect_tokens("4 GiB / n", "NUM(4294967296) '/' ID(n)");
	expect_tokens("10 GB/ s", "NUM(10000000000) '/' ID(s)");
}

Test(lexer, strings_and_escapes)
{
	expect_tokens("\"a\\tb\\n\\\"c\\\\\"", "STR(a\tb\n\"c\\)");
	expect_tokens("\"\\u{b5}s\"", "STR(\xc2\xb5s)");
	expect_tokens("\"\\x41\"", "STR(A)");
}

Test(lexer, comments_and_newlines)
{
	expect_tokens("a # comment\nb", "ID(a) NL ID(b)");
	expect_tokens("a;b", "ID(a) ';' ID(b)");
}

Test(lexer, errors_are_counted_and_scanning_goes_on)
{
	expect_tokens("a $ b", "ID(a) ID(b) ERRORS(1)");
	expect_tokens("80 GBB", "NUM(80) ERRORS(1)");
	expect_tokens("\"abc", "STR(abc) ERRORS(1)");
	expect_tokens("\"a\\qb\"", "STR(ab) ERRORS(1)");
	/* strings hold no NUL: \0 is refused like \x00, not kept */
	expect_tokens("\"a\\0b\"", "STR(ab) ERRORS(1)");
	expect_tokens("\"a\\x00b\"", "STR(ab) ERRORS(1)");
	expect_tokens("1e999", "NUM(inf) ERRORS(1)");
	expect_tokens("caf\xc3\xa9", "ID(caf) ERRORS(1)");
}
