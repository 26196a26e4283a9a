/* builtins.h -- signatures of the built-in functions (builtins.def).
 *
 * builtin_find returns the parsed signature of a built-in; sema binds a
 * call's arguments to its parameters with it.  The table is static and
 * parsed on first use.
 */
#ifndef SGL_BUILTINS_H
#define SGL_BUILTINS_H
#include <stdbool.h>
#include "units.h"

typedef enum BuiltinId {
#define BUILTIN(id, name, params, result, doc) BI_##id,
#include "builtins.def"
#undef BUILTIN
	BI_COUNT
} BuiltinId;

typedef enum BuiltinResult {
	BR_A, BR_SQRT, BR_ONE, BR_ARRIVAL, BR_DIST, BR_DIST_ANY, BR_DIST_ONE,
	BR_SOURCE, BR_DERIV, BR_SAME, BR_MEAN, BR_RATE
} BuiltinResult;

typedef enum ParamKind { PK_A, PK_DIM, PK_STR, PK_WORD, PK_PARAM, PK_ANY } ParamKind;

enum { BUILTIN_MAX_PARAMS = 12 };
/* Arguments of a variadic builtin (min, max): doc/limits.md. */
enum { BUILTIN_MAX_ARGS = 64 };

typedef struct BuiltinParam {
	char name[24];
	ParamKind kind;
	Dim dim;          /* PK_DIM */
	char words[96];   /* PK_WORD: "a|b|c" */
	bool optional;
} BuiltinParam;

typedef struct Builtin {
	BuiltinId id;
	const char *name;
	const char *doc;
	const char *spec;
	BuiltinResult result;
	BuiltinParam params[BUILTIN_MAX_PARAMS];
	int nparams;
	bool variadic;    /* further PK_A arguments allowed */
} Builtin;

const Builtin *builtin_find(const char *name);
const Builtin *builtin_at(int i);
bool builtin_word_ok(const BuiltinParam *p, const char *word);

#endif
