/* value.h -- compile-time values and the constant evaluator.
 *
 * value_eval computes an expression whose inputs are known: numbers,
 * consts, bound params, record fields (following inheritance and schema
 * defaults) and bound contexts.  An input that is not known (a free param,
 * an unbound context) yields V_NONE with `why` naming it.  Arithmetic is the
 * runtime's (runtime/num.h), so a folded value equals a computed one.
 *
 * Ownership: values point into the Program's arena (strings, records).
 */
#ifndef SGL_VALUE_H
#define SGL_VALUE_H
#include <stdbool.h>
#include "ast.h"
#include "schema.h"

typedef struct Record Record;
typedef struct Sema Sema;
typedef struct Module Module;

typedef enum VKind {
	V_NONE,   /* not known at compile time: see why */
	V_NUM, V_BOOL, V_STR, V_WORD, V_REC,
	V_EXPR    /* a distribution, source or list: kept as its expression */
} VKind;

enum { VALUE_MAX_PATH = 8 };

typedef struct Value {
	VKind k;
	double num;
	Dim dim;
	const char *str;     /* V_STR text, V_WORD word, V_NONE reason */
	Record *rec;         /* V_REC: the record ... */
	const char *path[VALUE_MAX_PATH]; /* ... and the nested block inside it */
	int depth;
	AstNode *expr;       /* V_EXPR */
	Module *mod;         /* V_EXPR: where names in expr resolve */
} Value;

/* Evaluation context: where names resolve and what contexts are bound. */
typedef struct EvalEnv {
	Sema *sema;
	Module *mod;
	const char **argnames;   /* fn arguments being inlined */
	Value *args;
	int nargs;
	const Value *self;       /* the record a `self.x` refers to */
	const Value *ctx;        /* array [REC_COUNT] of bound contexts or NULL */
} EvalEnv;

Value value_eval(EvalEnv *env, AstNode *e);
/* Where field `name` of a record value comes from: an expression (`expr`,
 * to be evaluated in module `mod` with `self` = the record asked) from the
 * record, a base, or the schema default; or else a `value` directly (a
 * block, an inline record, a word, or V_NONE when unset). */
typedef struct FieldSource {
	const FieldDef *field;   /* NULL: no such field */
	AstNode *expr;
	Module *mod;
	bool is_default;
	Value value;             /* when expr is NULL */
} FieldSource;
FieldSource value_field_source(Sema *s, const Value *rv, const char *name);

/* Field `name` of a record value (inheritance, then the schema default). */
Value value_field(Sema *s, const Value *rec, const char *name, const Value *ctx);
/* Text for `print`: "85899345920 B", "true", a record's name, ... */
void value_format(Buf *out, const Value *v);
/* As value_format, but a number whose dimension is that of `unit` (e.g.
 * "USD/h") is shown in it: "2.99 USD/h" rather than in base units. */
void value_format_in(Buf *out, const Value *v, const char *unit);
static inline Value value_none(const char *why) { Value v = {0}; v.k = V_NONE; v.str = why; return v; }
/* Not a value because the arithmetic fails (÷0, overflow, log of 0, ...):
 * an error, unlike an unknown input.  Marked by num = 1. */
static inline Value value_fail(const char *why) { Value v = value_none(why); v.num = 1; return v; }
static inline bool value_failed(const Value *v) { return v->k == V_NONE && v->num == 1; }
static inline Value value_num(double x, Dim d) { Value v = {0}; v.k = V_NUM; v.num = x; v.dim = d; return v; }

/* The default of the root module's param `name` in base units; false when
 * there is no such param or it has no default. */
bool value_param_default(Sema *s, const char *name, double *v);

#endif
