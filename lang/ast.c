/* ast.c -- AST construction helpers, dump and infix printing (ast.h). */
#include "config.h"
#include "ast.h"
#include "../runtime/num.h"

#include <string.h>

static const char *kind_names[] = {
#define AST(k, s, d) s,
#include "ast.def"
#undef AST
};

const char *ast_kind_name(AstKind k) { return kind_names[k]; }

AstNode *ast_new(Arena *ar, AstKind kind, Span span)
{
	AstNode *n = arena_alloc(ar, sizeof *n);
	n->kind = kind;
	n->span = span;
	n->nspan = span;
	return n;
}

void ast_list_append(AstList *l, AstNode *n)
{
	if (!n) return;
	n->next = NULL;
	if (l->tail) l->tail->next = n; else l->head = n;
	l->tail = n;
}

int ast_count(const AstNode *list)
{
	int k = 0;
	for (; list; list = list->next) k++;
	return k;
}

const char *ast_op_spelling(int op)
{
	switch (op) {
	case OP_ADD: return "+";
	case OP_SUB: case OP_NEG: return "-";
	case OP_MUL: return "*";
	case OP_DIV: return "/";
	case OP_POW: return "^";
	case OP_LT: return "<";
	case OP_GT: return ">";
	case OP_LE: return "<=";
	case OP_GE: return ">=";
	case OP_EQ: return "==";
	case OP_NE: return "!=";
	case OP_AND: return "and";
	case OP_OR: return "or";
	case OP_NOT: return "not";
	}
	return "?";
}

static bool is_expr_kind(AstKind k) { return k <= AST_RANGE; }

static void put_string_literal(Buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') { buf_putc(b, '\\'); buf_putc(b, (char)c); }
		else if (c == '\n') buf_puts(b, "\\n");
		else if (c == '\t') buf_puts(b, "\\t");
		else if (c < 0x20) buf_printf(b, "\\x%02x", c);
		else buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void dump_sexpr(Buf *b, const AstNode *n, int depth);

static void dump_list(Buf *b, const AstNode *l, int depth, bool lines)
{
	for (; l; l = l->next) {
		if (lines) {
			buf_putc(b, '\n');
			for (int i = 0; i < depth; i++) buf_puts(b, "  ");
		} else {
			buf_putc(b, ' ');
		}
		dump_sexpr(b, l, depth);
	}
}

static void dump_sexpr(Buf *b, const AstNode *n, int depth)
{
	if (!n) { buf_puts(b, "()"); return; }
	char num[40];
	buf_printf(b, "(%s", kind_names[n->kind]);
	switch (n->kind) {
	case AST_NUM:
		num_format(num, sizeof num, n->num);
		buf_printf(b, " %s", num);
		if (!dim_is_none(n->dim)) {
			char d[64];
			dim_format(n->dim, d, sizeof d);
			buf_printf(b, " %s", d);
		}
		break;
	case AST_STR: buf_putc(b, ' '); put_string_literal(b, n->name); break;
	case AST_BOOL: buf_puts(b, n->num ? " true" : " false"); break;
	case AST_UNARY: case AST_BINARY: buf_printf(b, " %s", ast_op_spelling(n->op)); break;
	case AST_OBJECTIVE: buf_puts(b, n->op == '+' ? " maximize" : " minimize"); break;
	default: break;
	}
	if (n->kind == AST_RECORD && n->kname) buf_printf(b, " %s", n->kname);
	if (n->name && n->kind != AST_STR) buf_printf(b, " %s", n->name);
	if (n->kind == AST_IMPORT && n->op) buf_puts(b, " path");
	if (n->kind == AST_PARAM && n->kname) buf_printf(b, " unit:%s", n->kname);
	if (n->kname && n->kind != AST_RECORD && n->kind != AST_PARAM && n->kind != AST_NUM)
		buf_printf(b, " %s", n->kname);
	if (n->kind == AST_ENTRY && n->op) buf_puts(b, " block");
	bool lines = !is_expr_kind(n->kind);
	if (n->kind == AST_FN) {  /* parameters, then the body */
		dump_list(b, n->kids, depth + 1, false);
		buf_putc(b, ' ');
		dump_sexpr(b, n->a, depth + 1);
		buf_putc(b, ')');
		return;
	}
	/* print/optimize keep D's name node in b for its span: shown once */
	const AstNode *second = (n->kind == AST_PRINT || n->kind == AST_OPTIMIZE) ? NULL : n->b;
	const AstNode *ch[3] = {n->a, second, n->c};
	for (int i = 0; i < 3; i++)
		if (ch[i]) {
			buf_putc(b, ' ');
			dump_sexpr(b, ch[i], depth + 1);
		}
	dump_list(b, n->kids, depth + 1, lines && n->kids && !is_expr_kind(n->kids->kind));
	buf_putc(b, ')');
}

void ast_dump(FILE *out, const AstNode *n)
{
	Buf b = {0};
	dump_sexpr(&b, n, 0);
	buf_putc(&b, '\n');
	fputs(b.s, out);
	buf_free(&b);
}

/* Precedence levels for the infix printer (higher binds tighter). */
static int prec(const AstNode *n)
{
	switch (n->kind) {
	case AST_IF: return 1;
	case AST_BINARY:
		switch (n->op) {
		case OP_OR: return 2;
		case OP_AND: return 3;
		case OP_LT: case OP_GT: case OP_LE: case OP_GE: case OP_EQ: case OP_NE: return 5;
		case OP_ADD: case OP_SUB: return 6;
		case OP_MUL: case OP_DIV: return 7;
		case OP_POW: return 9;
		}
		return 0;
	case AST_UNARY: return n->op == OP_NOT ? 4 : 8;
	default: return 10;
	}
}

static void print_sub(Buf *b, const AstNode *n, int min)
{
	bool paren = prec(n) < min;
	if (paren) buf_putc(b, '(');
	ast_print_expr(b, n);
	if (paren) buf_putc(b, ')');
}

static void print_list(Buf *b, const AstNode *l)
{
	for (; l; l = l->next) {
		ast_print_expr(b, l);
		if (l->next) buf_puts(b, ", ");
	}
}

void ast_print_expr(Buf *b, const AstNode *n)
{
	char num[40];
	switch (n->kind) {
	case AST_NUM:
		num_format(num, sizeof num, n->num);
		buf_puts(b, num);
		if (!dim_is_none(n->dim)) {
			char d[64];
			dim_format(n->dim, d, sizeof d);
			buf_printf(b, " %s", d);
		}
		break;
	case AST_STR: put_string_literal(b, n->name); break;
	case AST_BOOL: buf_puts(b, n->num ? "true" : "false"); break;
	case AST_NAME: buf_puts(b, n->name); break;
	case AST_FIELD: print_sub(b, n->a, 10); buf_printf(b, ".%s", n->name); break;
	case AST_CALL: buf_printf(b, "%s(", n->name); print_list(b, n->kids); buf_putc(b, ')'); break;
	case AST_NAMED: buf_printf(b, "%s = ", n->name); ast_print_expr(b, n->a); break;
	case AST_UNARY:
		buf_puts(b, n->op == OP_NOT ? "not " : "-");
		print_sub(b, n->a, prec(n));
		break;
	case AST_BINARY: {
		int p = prec(n);
		bool right = n->op == OP_POW;
		print_sub(b, n->a, right ? p + 1 : p);
		buf_printf(b, " %s ", ast_op_spelling(n->op));
		print_sub(b, n->b, right ? p : p + 1);
		break;
	}
	case AST_IF:
		buf_puts(b, "if ");
		ast_print_expr(b, n->a);
		buf_puts(b, " then ");
		ast_print_expr(b, n->b);
		buf_puts(b, " else ");
		ast_print_expr(b, n->c);
		break;
	case AST_SET: buf_putc(b, '{'); print_list(b, n->kids); buf_putc(b, '}'); break;
	case AST_TUPLE: buf_putc(b, '('); print_list(b, n->kids); buf_putc(b, ')'); break;
	case AST_RANGE:
		ast_print_expr(b, n->a);
		buf_puts(b, " .. ");
		ast_print_expr(b, n->b);
		if (n->c) { buf_puts(b, " step "); ast_print_expr(b, n->c); }
		break;
	default: buf_printf(b, "<%s>", kind_names[n->kind]); break;
	}
}

AstNode *ast_call_arg(AstNode *call, int i, const char *name)
{
	int k = 0;
	for (AstNode *a = call->kids; a; a = a->next, k++) {
		if (a->kind == AST_NAMED) {
			if (!strcmp(a->name, name)) return a->a;
		} else if (k == i) {
			return a;
		}
	}
	return NULL;
}
