/* test_diag.c -- rendering of diagnostics: columns, carets, notes, the cap. */
#include "config.h"
#include <criterion/criterion.h>
#include <string.h>
#include "lang/diag.h"

static Buf rendered;

static void capture(void *ud, const Diag *d)
{
	diag_render(&rendered, ud, d);
}

static void setup(SourceSet *ss, Diags *ds, const char *text, uint32_t *file)
{
	source_set_init(ss);
	diags_init(ds, ss, capture, ss);
	*file = source_add(ss, "f.sgl", NULL, text, strlen(text));
	buf_free(&rendered);
	buf_putn(&rendered, "", 0);
}

Test(diag, caret_and_tildes_under_the_span)
{
	SourceSet ss;
	Diags ds;
	uint32_t f;
	setup(&ss, &ds, "const x = 80 GiB + 2 ms\n", &f);
	diag_error(&ds, (Span){f, 17, 18}, "cannot add");
	cr_expect_str_eq(rendered.s, "f.sgl:1:18: error: cannot add\n"
				     "const x = 80 GiB + 2 ms\n"
				     "                 ^\n");
	buf_free(&rendered);
	buf_putn(&rendered, "", 0);
	diag_error(&ds, (Span){f, 10, 16}, "wide");
	cr_expect_str_eq(rendered.s, "f.sgl:1:11: error: wide\n"
				     "const x = 80 GiB + 2 ms\n"
				     "          ^~~~~~\n");
	cr_expect_eq(ds.errors, 2);
	diags_free(&ds);
	source_set_free(&ss);
}

Test(diag, tabs_and_utf8_in_columns)
{
	SourceSet ss;
	Diags ds;
	uint32_t f;
	/* tab -> column 9; "µé" are two code points (four bytes) */
	setup(&ss, &ds, "a\n\t\"\xc2\xb5\xc3\xa9\" $\n", &f);
	diag_error(&ds, (Span){f, 10, 11}, "bad");
	cr_expect_str_eq(rendered.s, "f.sgl:2:14: error: bad\n"
				     "\t\"\xc2\xb5\xc3\xa9\" $\n"
				     "\t     ^\n");
	diags_free(&ds);
	source_set_free(&ss);
}

Test(diag, notes_follow_with_their_own_location)
{
	SourceSet ss;
	Diags ds;
	uint32_t f;
	setup(&ss, &ds, "const a = 1\nconst a = 2\n", &f);
	Diag *d = diag_new(&ds, DIAG_ERROR, (Span){f, 18, 19}, "redefinition of 'a'");
	diag_note(&ds, d, (Span){f, 6, 7}, "previous definition is here");
	diag_emit(&ds, d);
	cr_expect_str_eq(rendered.s, "f.sgl:2:7: error: redefinition of 'a'\n"
				     "const a = 2\n"
				     "      ^\n"
				     "f.sgl:1:7: note: previous definition is here\n"
				     "const a = 1\n"
				     "      ^\n");
	diags_free(&ds);
	source_set_free(&ss);
}

Test(diag, span_at_end_of_input_and_multiline)
{
	SourceSet ss;
	Diags ds;
	uint32_t f;
	setup(&ss, &ds, "x = (1 +\n2", &f);
	diag_error(&ds, (Span){f, 10, 10}, "eof");
	cr_expect_str_eq(rendered.s, "f.sgl:2:2: error: eof\n2\n ^\n");
	buf_free(&rendered);
	buf_putn(&rendered, "", 0);
	diag_error(&ds, (Span){f, 4, 10}, "long");
	cr_expect_str_eq(rendered.s, "f.sgl:1:5: error: long\nx = (1 +\n    ^~~~\n");
	diags_free(&ds);
	source_set_free(&ss);
}

Test(diag, at_most_twenty_errors_then_stop)
{
	SourceSet ss;
	Diags ds;
	uint32_t f;
	setup(&ss, &ds, "x\n", &f);
	for (int i = 0; i < 30; i++)
		diag_error(&ds, (Span){f, 0, 1}, "e%d", i);
	cr_expect_eq(ds.errors, 20);
	cr_expect(diags_stopped(&ds));
	cr_expect(strstr(rendered.s, "sglsim: error: too many errors (20); stopping\n") != NULL);
	cr_expect(strstr(rendered.s, "e20") == NULL);
	diags_free(&ds);
	source_set_free(&ss);
}
