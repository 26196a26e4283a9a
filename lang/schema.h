/* schema.h -- record kinds and their fields, read from schema.def.
 *
 * The schema is static data: kinds (gpu, model, deployment, ...), the
 * fields of each with type, dimension, accepted words, default and doc,
 * and the context names (model, gpu, ...) that metric bodies may use.
 * Everything here is read-only after schema_dim() has parsed a dimension
 * string (it caches the result in the table).
 */
#ifndef SGL_SCHEMA_H
#define SGL_SCHEMA_H
#include <stdbool.h>
#include <stddef.h>
#include "units.h"

typedef enum RecKind {
	REC_NONE = -1,
#define RECORD(id, top, doc) REC_##id,
#include "schema.def"
#undef RECORD
	REC_COUNT
} RecKind;

typedef enum FieldType {
	FT_NUM, FT_BOOL, FT_STR, FT_WORD, FT_REF, FT_BLOCK, FT_DIST,
	FT_ARRIVAL, FT_SOURCE, FT_EXPR, FT_LIST
} FieldType;

typedef struct KindDef {
	const char *name;
	bool toplevel;
	const char *doc;
} KindDef;

typedef struct FieldDef {
	RecKind rec;
	const char *name;
	FieldType type;
	const char *dimspec;  /* unit expression, "" = dimensionless */
	RecKind target;       /* REF/BLOCK/EXPR: the kind it holds or names */
	const char *words;    /* "a|b|c" or "" */
	const char *deflt;    /* .sgl text or "" */
	const char *doc;
} FieldDef;

const KindDef *schema_kind(RecKind k);
RecKind schema_kind_by_name(const char *name);
/* The field `name` of kind k, or NULL. */
const FieldDef *schema_field(RecKind k, const char *name);
/* All fields, in table order: i = 0, 1, ... until NULL. */
const FieldDef *schema_field_at(size_t i);
Dim schema_dim(const FieldDef *f);
bool schema_word_ok(const FieldDef *f, const char *word);
const char *schema_type_name(FieldType t);
typedef enum FieldRange {
	FR_ANY, FR_POS_INT, FR_NONNEG_INT, FR_POS, FR_NONNEG, FR_FRACTION, FR_UNIT
} FieldRange;

/* The range a field's value must lie in (schema.def RANGE), and whether x
 * lies in it; schema_range_text says it in words ("a whole number >= 1"). */
FieldRange schema_range(const FieldDef *f);
bool schema_in_range(FieldRange r, double x);
const char *schema_range_text(FieldRange r);
/* The most a simulation takes in field f (schema.def RANGE_UPTO), or
 * INFINITY when f has no such limit. */
double schema_range_max(const FieldDef *f);

/* The record kind a context name stands for, or REC_NONE. */
RecKind schema_context(const char *name);
/* Context names, i = 0, 1, ... until NULL. */
const char *schema_context_at(size_t i);

#endif
