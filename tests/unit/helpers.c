/* helpers.c -- see helpers.h. */
#include "config.h"
#include "helpers.h"
#include "lang/lex.h"
#include "lang/parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void capture(void *ud, const Diag *d)
{
	Compiled *c = ud;
	diag_render(&c->err, &c->prog.sources, d);
}

Compiled *compile_text(const char *text, bool run)
{
	Compiled *c = calloc(1, sizeof *c);
	diags_init(&c->diags, NULL, capture, c);
	program_init(&c->prog, &c->diags);
	c->root = loader_load_text(&c->prog, "t.sgl", text, strlen(text));
	buf_putn(&c->err, "", 0);
	buf_putn(&c->out, "", 0);
	if (c->root && !diags_stopped(&c->diags)) {
		c->sema = sema_new(&c->prog);
		c->ok = sema_check(c->sema, NULL, 0);
		if (c->ok && run) {
			char *mem = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&mem, &len);
			sema_run(c->sema, f, NULL);
			fclose(f);
			buf_putn(&c->out, mem, len);
			free(mem);
		}
	}
	c->ok = c->ok && c->diags.errors == 0;
	return c;
}

void compiled_free(Compiled *c)
{
	buf_free(&c->err);
	buf_free(&c->out);
	diags_free(&c->diags);
	program_free(&c->prog);
	free(c);
}

void front_open(Front *f, const char *text)
{
	source_set_init(&f->ss);
	diags_init(&f->d, &f->ss, NULL, NULL);
	arena_init(&f->a);
	f->file = source_add(&f->ss, "t.sgl", NULL, text, strlen(text));
}

void front_close(Front *f)
{
	arena_free(&f->a);
	diags_free(&f->d);
	source_set_free(&f->ss);
}

int yylex_raw(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);

char *lex_tokens(const char *text)
{
	Front f;
	front_open(&f, text);
	Lexer lx = {0};
	lx.diags = &f.d;
	lx.arena = &f.a;
	lx.file = f.file;
	yylex_init_extra(&lx, &lx.scanner);
	yy_scan_bytes(text, (int)strlen(text), lx.scanner);
	Buf b = {0};
	buf_putn(&b, "", 0);
	YYSTYPE v;
	YYLTYPE l;
	int t;
	while ((t = yylex_raw(&v, &l, lx.scanner)) != 0) {
		if (b.len) buf_putc(&b, ' ');
		if (t == IDENT) buf_printf(&b, "ID(%s)", v.str);
		else if (t == NUMBER) buf_printf(&b, "NUM(%.17g)", v.number.v);
		else if (t == STRING) buf_printf(&b, "STR(%s)", v.str);
		else if (t == NEWLINE) buf_puts(&b, "NL");
		else if (t < 256) buf_printf(&b, "'%c'", t);
		else buf_printf(&b, "KW");
	}
	if (f.d.errors) buf_printf(&b, " ERRORS(%d)", f.d.errors);
	yylex_destroy(lx.scanner);
	buf_free(&lx.str);
	front_close(&f);
	char *r = strdup(b.s);
	buf_free(&b);
	return r;
}

char *test_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) return NULL;
	size_t cap = 4096, n = 0;
	char *s = xmalloc(cap);
	size_t got;
	while ((got = fread(s + n, 1, cap - n - 1, fp)) > 0) {
		n += got;
		if (cap - n - 1 == 0) s = xrealloc(s, cap *= 2);
	}
	fclose(fp);
	s[n] = 0;
	if (len) *len = n;
	return s;
}

uint64_t test_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
