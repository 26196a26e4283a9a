/* doc.c -- Markdown reference tables from the language tables (doc.h). */
#include "config.h"
#include "doc.h"
#include "lang/builtins.h"
#include "lang/lex.h"
#include "lang/schema.h"
#include "lang/units.h"
#include "runtime/num.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

/* Markdown table cells: '|' must be escaped. */
static void cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|') fputc('\\', out);
		fputc(*s, out);
	}
}

static void fields_table(FILE *out)
{
	for (int k = 0; k < REC_COUNT; k++) {
		const KindDef *kd = schema_kind(k);
		fprintf(out, "#### `%s`%s\n\n%c%s.\n\n", kd->name, kd->toplevel ? "" : " (block)",
			toupper((unsigned char)kd->doc[0]), kd->doc + 1);
		fprintf(out, "| field | type | default | meaning |\n|---|---|---|---|\n");
		for (size_t i = 0; schema_field_at(i); i++) {
			const FieldDef *f = schema_field_at(i);
			if (f->rec != (RecKind)k) continue;
			char type[160];
			switch (f->type) {
			case FT_NUM: case FT_EXPR: case FT_DIST:
				snprintf(type, sizeof type, "%s%s%s%s", schema_type_name(f->type),
					 f->dimspec[0] ? " [" : "", f->dimspec, f->dimspec[0] ? "]" : "");
				break;
			case FT_REF: case FT_BLOCK:
				snprintf(type, sizeof type, "%s `%s`", schema_type_name(f->type), schema_kind(f->target)->name);
				break;
			default:
				snprintf(type, sizeof type, "%s", schema_type_name(f->type));
			}
			if (f->words[0] && f->type != FT_WORD) {
				size_t n = strlen(type);
				snprintf(type + n, sizeof type - n, " or word");
			}
			if (schema_range(f) != FR_ANY) {
				size_t n = strlen(type);
				snprintf(type + n, sizeof type - n, ", %s", schema_range_text(schema_range(f)));
			}
			if (isfinite(schema_range_max(f))) {
				size_t n = strlen(type);
				snprintf(type + n, sizeof type - n, ", at most %.15g", schema_range_max(f));
			}
			fprintf(out, "| `%s` | %s", f->name, type);
			if (f->words[0]) {
				fputs(" (", out);
				cell(out, f->words);
				fputc(')', out);
			}
			fprintf(out, " | %s%s%s | ", f->deflt[0] ? "`" : "", f->deflt[0] ? f->deflt : "—",
				f->deflt[0] ? "`" : "");
			cell(out, f->doc);
			fputs(" |\n", out);
		}
		fputc('\n', out);
	}
}

static void units_table(FILE *out)
{
	fprintf(out, "| unit | value in base units | prefixes |\n|---|---|---|\n");
	double sc;
	Dim d;
	bool pre;
	for (size_t i = 0; unit_name(i, &sc, &d, &pre); i++) {
		char x[40], dd[64];
		num_format(x, sizeof x, sc);
		dim_format(d, dd, sizeof dd);
		fprintf(out, "| `%s` | %s%s%s | %s |\n", unit_name(i, NULL, NULL, NULL), x,
			dim_is_none(d) ? "" : " ", dim_is_none(d) ? "" : dd, pre ? "yes" : "no");
	}
	fprintf(out, "\n| prefix | factor |\n|---|---|\n");
	double f;
	for (size_t i = 0; unit_prefix(i, &f); i++) {
		char x[40];
		num_format(x, sizeof x, f);
		fprintf(out, "| `%s` | %s |\n", unit_prefix(i, NULL), x);
	}
	fputc('\n', out);
}

static void builtins_table(FILE *out)
{
	fprintf(out, "| function | parameters | meaning |\n|---|---|---|\n");
	for (int i = 0; builtin_at(i); i++) {
		const Builtin *b = builtin_at(i);
		fprintf(out, "| `%s` | `", b->name);
		cell(out, b->spec);
		fputs("` | ", out);
		cell(out, b->doc);
		fputs(" |\n", out);
	}
	fputc('\n', out);
}

static void keywords_table(FILE *out)
{
	static const char *words[] = {"import", "const", "param", "fn", "metric", "simulate",
		"optimize", "print", "graph", "with", "for", "in", "step", "to", "if", "then",
		"else", "and", "or", "not", "true", "false", "maximize", "minimize", "subject",
		"over", "method", "verify", "top", "by", "as"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (lex_keyword(words[i], strlen(words[i])))
			fprintf(out, "%s`%s`", i ? ", " : "", words[i]);
	fputs("\n", out);
}

int doc_print(FILE *out, const char *what)
{
	if (!strcmp(what, "fields")) fields_table(out);
	else if (!strcmp(what, "units")) units_table(out);
	else if (!strcmp(what, "builtins")) builtins_table(out);
	else if (!strcmp(what, "keywords")) keywords_table(out);
	else return 2;
	return 0;
}
