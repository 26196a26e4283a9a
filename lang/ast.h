/* ast.h -- the syntax tree the parser builds and sema checks.
 *
 * One node struct for every kind (the kinds and the fields each uses are in
 * ast.def).  Children are `a`, `b`, `c` and the list `kids` (a singly linked
 * list through `next`).  Nodes carry byte spans, never line numbers.
 * Grammar actions only build nodes; every check is in sema.
 *
 * Ownership: nodes and their strings live in the Arena given to the parser
 * and die with it.
 */
#ifndef SGL_AST_H
#define SGL_AST_H
#include <stdio.h>
#include "arena.h"
#include "source.h"
#include "units.h"

typedef enum AstKind {
#define AST(k, s, d) AST_##k,
#include "ast.def"
#undef AST
	AST_KIND_COUNT
} AstKind;

/* Binary/unary operator codes (AstNode.op). */
enum {
	OP_ADD = '+', OP_SUB = '-', OP_MUL = '*', OP_DIV = '/', OP_POW = '^',
	OP_LT = '<', OP_GT = '>',
	OP_LE = 256, OP_GE, OP_EQ, OP_NE, OP_AND, OP_OR, OP_NOT, OP_NEG
};

typedef struct AstNode AstNode;
struct AstNode {
	AstKind kind;
	int op;          /* operator, or a small flag (see ast.def) */
	int depth;       /* parser: levels of a chain of operators or fields */
	Span span;       /* the whole construct */
	Span nspan;      /* the name, operator or keyword it is reported at */
	const char *name;
	const char *kname;  /* second name: record kind, alias, workload, unit */
	Span kspan;
	double num;
	Dim dim;
	AstNode *a, *b, *c;
	AstNode *kids;      /* first child of a list */
	AstNode *next;      /* next sibling in a list */
	void *aux;          /* sema's annotation (e.g. the Record of a block) */
};

/* A list under construction: O(1) append. */
typedef struct AstList {
	AstNode *head, *tail;
} AstList;

AstNode *ast_new(Arena *ar, AstKind kind, Span span);
void ast_list_append(AstList *l, AstNode *n);
int ast_count(const AstNode *list);
const char *ast_kind_name(AstKind k);
const char *ast_op_spelling(int op);

/* S-expression dump, one node per line for items (used by golden tests). */
void ast_dump(FILE *out, const AstNode *n);
/* Infix rendering of an expression, as a user would write it. */
void ast_print_expr(Buf *out, const AstNode *n);
/* Argument i of a call (counting every argument), or the one written
 * `name = ...`; NULL when neither is there. */
AstNode *ast_call_arg(AstNode *call, int i, const char *name);

#endif
