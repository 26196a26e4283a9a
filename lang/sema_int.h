/* sema_int.h -- what the sema_*.c files and value.c share.
 *
 * Symbols live in one Scope per module (a chained hash table).  Records
 * (top-level declarations and inline `field = BASE { ... }` blocks) are
 * Record structs: kind, base, and the AST entries they define.  Types
 * carry a dimension and whether the value depends on a param or a bound
 * context.
 *
 *    Module --scope--> Symbol --rec--> Record --base--> Record ...
 *                                         \--entries--> ENTRY nodes
 *                                                        (block entries
 *                                                         nest via kids)
 */
#ifndef SGL_SEMA_INT_H
#define SGL_SEMA_INT_H
#include "builtins.h"
#include "diag.h"
#include "loader.h"
#include "schema.h"
#include "sema.h"
#include "value.h"

typedef enum TyKind {
	TY_ERR,      /* already reported: stay silent */
	TY_NUM, TY_BOOL, TY_STR, TY_REC, TY_DIST, TY_ARRIVAL, TY_SOURCE,
	TY_SET, TY_TUPLE, TY_WORD
} TyKind;

enum { DEP_PARAM = 1, DEP_CTX = 2 };

typedef struct Type {
	TyKind k;
	Dim dim;        /* TY_NUM, TY_DIST, TY_SET */
	RecKind rec;    /* TY_REC */
	bool anydim;    /* TY_DIST from empirical(): fits any field */
	unsigned dep;   /* DEP_* */
} Type;

typedef enum SymKind { SYM_CONST, SYM_PARAM, SYM_FN, SYM_RECORD, SYM_METRIC } SymKind;

struct Record {
	RecKind kind;
	const char *name;    /* NULL for an inline record */
	AstNode *node;       /* RECORD or ENTRY */
	AstNode *entries;    /* list of ENTRY */
	Record *base;
	AstNode *source;     /* workload W = trace(...) */
	Module *mod;
	int state;           /* 0 new, 1 resolving, 2 resolved */
};

typedef struct FnMemo {
	Type *args;
	int nargs;
	Type result;
	struct FnMemo *next;
} FnMemo;

typedef struct Symbol Symbol;
struct Symbol {
	SymKind kind;
	const char *name;
	AstNode *decl;
	Module *mod;
	int state;           /* 0 unchecked, 1 checking, 2 checked */
	Type type;
	Record *rec;         /* SYM_RECORD */
	FnMemo *memo;        /* SYM_FN */
	bool busy;           /* SYM_FN: its body is being checked for a call */
	unsigned visit;      /* SYM_FN: call-graph search mark */
	bool bound;          /* param or const fixed by -D */
	Value value;         /* const value, or the -D value */
	Value *domain;       /* param: set members; range: lo, hi[, step] */
	int ndomain;
	bool is_range;
	Symbol *next;        /* hash chain */
};

typedef struct Scope {
	Symbol **b;
	unsigned nb;
	unsigned n;          /* symbols held; the table doubles past 4 per bucket */
	Arena *ar;
} Scope;

/* Where an expression is checked. */
typedef struct Env {
	Module *mod;
	const char **argnames;   /* fn body being checked */
	Type *argtypes;
	int nargs;
	unsigned ctx;            /* allowed contexts: bit (1u << RecKind) */
	RecKind self;            /* kind `self` has, or REC_NONE */
	bool in_fn;              /* names were checked at the definition */
	const char *where;       /* for messages: "a const", "a param domain" */
} Env;

typedef struct CallFrame {
	AstNode *call;
	const char *name;
} CallFrame;

struct Sema {
	Program *prog;
	Diags *d;
	Arena *ar;
	unsigned visit;          /* generation for import walks */
	unsigned *mark;          /* per module visit marks */
	CallFrame calls[64];
	int ncalls;
	long budget;             /* evaluation steps left (bounds inlining) */
	Symbol *chain[64];       /* metrics/consts being checked, for cycles */
	AstNode **defaults;      /* parsed schema defaults, by field index */
	int depth;               /* nesting of sema_check_symbol and record bases */
	unsigned fn_visit;       /* generation of call-graph searches */
	struct FieldFrame *fields; /* record fields being evaluated (value.c) */
	int eval_depth;          /* nesting of value_eval */
	int nchain;
};

/* How deep definitions may refer to definitions (metric -> metric -> ...,
 * base -> base): deeper chains are errors, so checks may recurse safely. */
enum { SEMA_MAX_DEPTH = 256 };

#define CTX_STD ((1u << REC_deployment) | (1u << REC_model) | (1u << REC_gpu) | \
		 (1u << REC_cluster) | (1u << REC_workload))

/* sema.c */
void sema_error(Sema *s, Span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
Diag *sema_diag(Sema *s, Span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sema_emit(Sema *s, Diag *d);
Symbol *sema_lookup(Sema *s, Module *m, const char *name);
void sema_suggest_name(Sema *s, Diag *d, Span sp, Module *m, const char *name, const Env *env);
void sema_check_symbol(Sema *s, Symbol *sym);
const char *sema_sym_what(const Symbol *sym);
/* The file a string literal names (empirical(), trace()): relative paths
 * are read from the folder of the .sgl file the literal is written in.
 * Kept in the sema arena. */
const char *sema_path_of(Sema *s, const AstNode *str);
void type_describe(Type t, char *out, size_t n);
static inline Type ty(TyKind k) { Type t = {0}; t.k = k; t.rec = REC_NONE; return t; }
static inline Type ty_num(Dim d, unsigned dep) { Type t = ty(TY_NUM); t.dim = d; t.dep = dep; return t; }

/* sema_expr.c */
Type check_expr(Sema *s, Env *env, AstNode *e);
/* The dimension req/s (sema_record.c). */
Dim request_rate_dim(void);
Type field_type(const FieldDef *f);
bool const_value(Sema *s, Module *m, AstNode *e, Value *out);

/* sema_record.c */
Record *record_new(Sema *s, RecKind kind, const char *name, AstNode *node, Module *m);
void record_resolve(Sema *s, Symbol *sym);
void record_check(Sema *s, Record *r);
void entries_check(Sema *s, Module *m, RecKind kind, AstNode *entries, const Value *self);

/* sema_stmt.c */
void stmt_check(Sema *s, Module *m, AstNode *it);
bool stmt_run(Sema *s, Module *m, AstNode *it, FILE *out, const SemaHooks *hooks);

#endif
