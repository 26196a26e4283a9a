/* schema.c -- the tables generated from schema.def (schema.h). */
#include "config.h"
#include <math.h>
#include "schema.h"
#include "suggest.h"
#include "runtime/limits.h"

#include <string.h>


static const KindDef kinds[] = {
#define RECORD(id, top, doc) {#id, top, doc},
#include "schema.def"
#undef RECORD
};

#define FIELD(rec, name, type, dim, target, words, deflt, doc) \
	{REC_##rec, #name, FT_##type, dim, REC_##target, words, deflt, doc},
static const FieldDef fields[] = {
#include "schema.def"
	{REC_NONE, NULL, FT_NUM, "", REC_NONE, "", "", ""}
};
#undef FIELD
#define FIELD_COUNT (sizeof fields / sizeof fields[0] - 1)

static Dim dims[FIELD_COUNT];
static bool dims_done[FIELD_COUNT];

static const struct { const char *name; RecKind kind; } contexts[] = {
#define CONTEXT(name, kind) {#name, REC_##kind},
#include "schema.def"
#undef CONTEXT
};

/* The maxima of RANGE_UPTO are the simulator's constants, named here so
 * the checker and the simulator share one definition of each limit. */
static const struct { const char *field; FieldRange range; double max; } ranges[] = {
#define RANGE(field, kind) {#field, FR_##kind, INFINITY},
#define RANGE_UPTO(field, kind, max) {#field, FR_##kind, max},
#include "schema.def"
#undef RANGE_UPTO
#undef RANGE
};

/* The ranges[] row of field f, or -1 */
static int range_row(const FieldDef *f)
{
	if (f->type != FT_NUM) return -1;
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if (strcmp(ranges[i].field, f->name) == 0)
			return (int)i;
	return -1;
}

FieldRange schema_range(const FieldDef *f)
{
	int i = range_row(f);
	return i < 0 ? FR_ANY : ranges[i].range;
}

double schema_range_max(const FieldDef *f)
{
	int i = range_row(f);
	return i < 0 ? INFINITY : ranges[i].max;
}

bool schema_in_range(FieldRange r, double x)
{
	switch (r) {
	case FR_ANY: return true;
	/* whole numbers up to 2^53 (exact doubles; the cast of a larger x
	   would overflow) */
	case FR_POS_INT: return x >= 1 && x <= 9007199254740992.0 && x == floor(x);
	case FR_NONNEG_INT: return x >= 0 && x <= 9007199254740992.0 && x == floor(x);
	case FR_POS: return x > 0;
	case FR_NONNEG: return x >= 0;
	case FR_FRACTION: return x > 0 && x <= 1;
	case FR_UNIT: return x >= 0 && x <= 1;
	}
	return true;
}

const char *schema_range_text(FieldRange r)
{
	static const char *text[] = {"any number", "a whole number >= 1", "a whole number >= 0",
		"positive", "not negative", "in (0, 1]", "in [0, 1]"};
	return text[r];
}

const KindDef *schema_kind(RecKind k)
{
	return k >= 0 && k < REC_COUNT ? &kinds[k] : NULL;
}

RecKind schema_kind_by_name(const char *name)
{
	for (int k = 0; k < REC_COUNT; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return (RecKind)k;
	return REC_NONE;
}

const FieldDef *schema_field(RecKind k, const char *name)
{
	for (size_t i = 0; i < FIELD_COUNT; i++)
		if (fields[i].rec == k && strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

const FieldDef *schema_field_at(size_t i)
{
	return i < FIELD_COUNT ? &fields[i] : NULL;
}

Dim schema_dim(const FieldDef *f)
{
	size_t i = (size_t)(f - fields);
	if (!dims_done[i]) {
		double mul, div;
		size_t bo, bl;
		Dim d = dim_none;
		if (f->dimspec[0] && !unit_parse(f->dimspec, strlen(f->dimspec), &mul, &div, &d, &bo, &bl))
			d = dim_none; /* a test checks every dimspec parses */
		dims[i] = d;
		dims_done[i] = true;
	}
	return dims[i];
}

bool schema_word_ok(const FieldDef *f, const char *word)
{
	return words_contain(f->words, word);
}

const char *schema_type_name(FieldType t)
{
	static const char *names[] = {"number", "bool", "string", "word", "record",
		"block", "distribution", "arrival process", "source", "formula", "list"};
	return names[t];
}

RecKind schema_context(const char *name)
{
	for (size_t i = 0; i < sizeof contexts / sizeof contexts[0]; i++)
		if (strcmp(contexts[i].name, name) == 0)
			return contexts[i].kind;
	return REC_NONE;
}

const char *schema_context_at(size_t i)
{
	return i < sizeof contexts / sizeof contexts[0] ? contexts[i].name : NULL;
}
