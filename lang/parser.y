/* parser.y -- the .sgl grammar (pure, reentrant bison parser).
 *
 * Actions only build AST nodes (ast.h); every check lives in sema.c.  The
 * parser reads tokens through yylex() below, which wraps the flex scanner
 * and decides which newlines separate items: a newline is a separator only
 * after a token that can end an item (a name, number, string, true/false,
 * `)`, `}`, and `=` so that a missing value is reported on its line)
 * and outside parentheses, so expressions may continue on
 * the next line after an operator or a comma.  A separator is added before
 * end of input so every item ends with one.
 *
 * Error recovery: an item or a block entry with a syntax error is skipped up
 * to the next separator or `}`; parsing goes on (diagnostics cap at 20).
 *
 * Depth: a chain of binary operators or of `.field`s (left-associative:
 * bison's stack stays flat) would otherwise grow without bound.  Past
 * PARSE_MAX_DEPTH links the rest of the chain is skipped by yylex, up to
 * the end of the line or the bracket that closes it, so a pathological
 * input costs memory for PARSE_MAX_DEPTH nodes, not for its size;
 * parse.c's limit_depth then reports the item.
 */
%code top {
#include "config.h"
#include <string.h>
#include "parse.h"
}

%code requires {
#include "ast.h"
#include "lex.h"
typedef struct Parser {
	Lexer lx;
	Arena *arena;
	Diags *diags;
	AstNode *root;
} Parser;
typedef struct NumberTok {
	double v;
	Dim dim;
	const char *unit;
} NumberTok;
#define YYLLOC_DEFAULT(Cur, Rhs, N)					\
	do {								\
		if (N) {						\
			(Cur).file = YYRHSLOC(Rhs, 1).file;		\
			(Cur).lo = YYRHSLOC(Rhs, 1).lo;			\
			(Cur).hi = YYRHSLOC(Rhs, N).hi;			\
		} else {						\
			(Cur).file = YYRHSLOC(Rhs, 0).file;		\
			(Cur).lo = (Cur).hi = YYRHSLOC(Rhs, 0).hi;	\
		}							\
	} while (0)
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, Parser *P);
int yyparse(Parser *P);
}

%define api.pure full
%define api.location.type {Span}
%locations
%define parse.error custom
%define parse.lac full
%expect 0
%param {Parser *P}

%union {
	NumberTok number;
	const char *str;
	AstNode *node;
	AstList list;
}

%token START_FILE START_EXPR
%token <number> NUMBER "number"
%token <str> IDENT "identifier" STRING "string"
%token NEWLINE "end of line"
%token IMPORT "import" CONST "const" PARAM "param" FN "fn" METRIC "metric"
%token SIMULATE "simulate" OPTIMIZE "optimize" PRINT "print" GRAPH "graph"
%token WITH "with" FOR "for" IN "in" STEP "step" TO "to"
%token IF "if" THEN "then" ELSE "else" AND "and" OR "or" NOT "not"
%token TRUE "true" FALSE "false"
%token MAXIMIZE "maximize" MINIMIZE "minimize" SUBJECT "subject" OVER "over"
%token METHOD "method" VERIFY "verify" TOP "top" BY "by" AS "as"
%token DOTDOT ".." EQ "==" NE "!=" LE "<=" GE ">="

%type <node> item expr postfix primary arg default_opt block_opt domain
%type <node> entry entry_block clause step_opt
%type <list> lines block entries args exprs idents_opt idents clauses clause_block
%type <str> unit unit_opt

%precedence ELSE
%left OR
%left AND
%precedence NOT
%nonassoc '<' '>' LE GE EQ NE
%left '+' '-'
%left '*' '/'
%precedence UMINUS
%right '^'

%{
#define N(kind, loc) ast_new(P->arena, AST_##kind, (loc))
static AstNode *binary(Parser *P, int op, AstNode *a, AstNode *b, Span opspan);
static void chained(Parser *P, AstNode *n, const AstNode *a, const AstNode *b);
static AstNode *list_node(Parser *P, AstKind kind, Span loc, AstList l);
static void yyerror(const Span *loc, Parser *P, const char *msg);
%}

%%

start
	: START_FILE lines
		{ P->root = list_node(P, AST_FILE, @$, $2); }
	| START_EXPR expr NEWLINE
		{ P->root = $2; }
	;

lines
	: %empty		{ $$ = (AstList){0}; }
	| lines sep		{ $$ = $1; }
	| lines item sep	{ $$ = $1; ast_list_append(&$$, $2); }
	| lines error sep	{ $$ = $1; yyerrok; if (diags_stopped(P->diags)) YYABORT; }
	;

sep: NEWLINE | ';' ;

item
	: IMPORT IDENT
		{ $$ = N(IMPORT, @$); $$->name = $2; $$->nspan = @2; }
	| IMPORT STRING
		{ $$ = N(IMPORT, @$); $$->name = $2; $$->nspan = @2; $$->op = 1; }
	| CONST IDENT '=' expr
		{ $$ = N(CONST, @$); $$->name = $2; $$->nspan = @2; $$->a = $4; }
	| PARAM IDENT domain unit_opt default_opt
		{ $$ = N(PARAM, @$); $$->name = $2; $$->nspan = @2;
		  $$->a = $3; $$->kname = $4; $$->kspan = @4; $$->b = $5; }
	| FN IDENT '(' idents_opt ')' '=' expr
		{ $$ = N(FN, @$); $$->name = $2; $$->nspan = @2;
		  $$->kids = $4.head; $$->a = $7; }
	| IDENT IDENT block
		{ $$ = list_node(P, AST_RECORD, @$, $3);
		  $$->kname = $1; $$->kspan = @1; $$->name = $2; $$->nspan = @2; }
	| IDENT IDENT '=' expr block_opt
		{ $$ = N(RECORD, @$); $$->kname = $1; $$->kspan = @1;
		  $$->name = $2; $$->nspan = @2; $$->a = $4; $$->op = '=';
		  if ($5) { $$->kids = $5->kids; $$->op = '{'; } }
	| IDENT IDENT ':' IDENT block
		{ $$ = list_node(P, AST_RECORD, @$, $5);
		  $$->kname = $1; $$->kspan = @1; $$->name = $2; $$->nspan = @2;
		  $$->a = N(NAME, @4); $$->a->name = $4; $$->op = ':'; }
	| METRIC IDENT '=' expr
		{ $$ = N(METRIC, @$); $$->name = $2; $$->nspan = @2; $$->a = $4; }
	| SIMULATE IDENT WITH IDENT block_opt
		{ $$ = N(SIMULATE, @$); $$->name = $2; $$->nspan = @2;
		  $$->kname = $4; $$->kspan = @4; $$->a = $5; }
	| OPTIMIZE IDENT WITH IDENT clause_block
		{ $$ = list_node(P, AST_OPTIMIZE, @$, $5); $$->name = $2; $$->nspan = @1;
		  $$->kname = $4; $$->kspan = @4; $$->b = N(NAME, @2); $$->b->name = $2; }
	| OPTIMIZE clause_block
		{ $$ = list_node(P, AST_OPTIMIZE, @$, $2); $$->nspan = @1; }
	| PRINT expr
		{ $$ = N(PRINT, @$); $$->a = $2; $$->nspan = @1; }
	| PRINT expr FOR IDENT WITH IDENT
		{ $$ = N(PRINT, @$); $$->a = $2; $$->nspan = @1;
		  $$->name = $4; $$->kname = $6; $$->kspan = @6;
		  $$->b = N(NAME, @4); $$->b->name = $4; }
	| GRAPH expr TO STRING
		{ $$ = N(GRAPH, @$); $$->a = $2; $$->nspan = @1;
		  $$->b = N(STR, @4); $$->b->name = $4; }
	| GRAPH expr FOR IDENT WITH IDENT TO STRING
		{ $$ = N(GRAPH, @$); $$->a = $2; $$->nspan = @1;
		  $$->b = N(STR, @8); $$->b->name = $8;
		  $$->name = $4; $$->kname = $6; $$->kspan = @6;
		  $$->c = N(NAME, @4); $$->c->name = $4; }
	;

domain
	: %empty		{ $$ = NULL; }
	| IN expr		{ $$ = $2; }
	| IN expr DOTDOT expr step_opt
		{ $$ = N(RANGE, @$); $$->nspan = @3; $$->a = $2; $$->b = $4; $$->c = $5; }
	;

step_opt
	: %empty		{ $$ = NULL; }
	| STEP expr		{ $$ = $2; }
	;

unit_opt
	: %empty		{ $$ = NULL; }
	| unit			{ $$ = $1; }
	;

unit
	: IDENT			{ $$ = $1; }
	| unit '/' IDENT	{ $$ = arena_printf(P->arena, "%s/%s", $1, $3); }
	| unit '*' IDENT	{ $$ = arena_printf(P->arena, "%s*%s", $1, $3); }
	;

default_opt
	: %empty		{ $$ = NULL; }
	| '=' expr		{ $$ = $2; }
	;

idents_opt
	: %empty		{ $$ = (AstList){0}; }
	| idents		{ $$ = $1; }
	;

idents
	: IDENT
		{ AstNode *n = N(NAME, @1); n->name = $1; $$ = (AstList){0}; ast_list_append(&$$, n); }
	| idents ',' IDENT
		{ AstNode *n = N(NAME, @3); n->name = $3; $$ = $1; ast_list_append(&$$, n); }
	;

block_opt
	: %empty		{ $$ = NULL; }
	| block			{ $$ = list_node(P, AST_ENTRY, @$, $1); }
	;

/* An entry that ends with a block needs no separator after its '}':
 * `prefill { tp = 4 } decode { tp = 8 }` on one line. */
block
	: '{' entries '}'		{ $$ = $2; }
	| '{' entries entry '}'		{ $$ = $2; ast_list_append(&$$, $3); }
	| '{' entries error '}'		{ $$ = $2; yyerrok; if (diags_stopped(P->diags)) YYABORT; }
	;

entries
	: %empty			{ $$ = (AstList){0}; }
	| entries sep			{ $$ = $1; }
	| entries entry sep		{ $$ = $1; ast_list_append(&$$, $2); }
	| entries entry_block		{ $$ = $1; ast_list_append(&$$, $2); }
	| entries error sep		{ $$ = $1; yyerrok; if (diags_stopped(P->diags)) YYABORT; }
	;

entry
	: IDENT '=' expr
		{ $$ = N(ENTRY, @$); $$->name = $1; $$->nspan = @1; $$->a = $3; }
	;

entry_block
	: IDENT '=' expr block
		{ $$ = N(ENTRY, @$); $$->name = $1; $$->nspan = @1; $$->a = $3;
		  $$->kids = $4.head; $$->op = 1; }
	| IDENT block
		{ $$ = list_node(P, AST_ENTRY, @$, $2); $$->name = $1; $$->nspan = @1; $$->op = 1; }
	;

clause_block
	: '{' clauses '}'		{ $$ = $2; }
	| '{' clauses clause '}'	{ $$ = $2; ast_list_append(&$$, $3); }
	| '{' clauses error '}'
		{ $$ = $2; ast_list_append(&$$, N(ERROR, @3)); yyerrok; if (diags_stopped(P->diags)) YYABORT; }
	;

clauses
	: %empty			{ $$ = (AstList){0}; }
	| clauses sep			{ $$ = $1; }
	| clauses clause sep		{ $$ = $1; ast_list_append(&$$, $2); }
	| clauses error sep
		{ $$ = $1; ast_list_append(&$$, N(ERROR, @2)); yyerrok; if (diags_stopped(P->diags)) YYABORT; }
	;

clause
	: MAXIMIZE expr
		{ $$ = N(OBJECTIVE, @$); $$->op = '+'; $$->a = $2; $$->nspan = @1; }
	| MAXIMIZE expr AS IDENT
		{ $$ = N(OBJECTIVE, @$); $$->op = '+'; $$->a = $2; $$->nspan = @1;
		  $$->kname = $4; $$->kspan = @4; }
	| MINIMIZE expr
		{ $$ = N(OBJECTIVE, @$); $$->op = '-'; $$->a = $2; $$->nspan = @1; }
	| MINIMIZE expr AS IDENT
		{ $$ = N(OBJECTIVE, @$); $$->op = '-'; $$->a = $2; $$->nspan = @1;
		  $$->kname = $4; $$->kspan = @4; }
	| SUBJECT TO exprs
		{ $$ = list_node(P, AST_SUBJECT, @$, $3); $$->nspan = @1; }
	| OVER expr
		{ $$ = N(OVER, @$); $$->a = $2; $$->nspan = @1; }
	| METHOD '=' expr
		{ $$ = N(METHOD, @$); $$->a = $3; $$->nspan = @1; }
	| VERIFY TOP expr BY IDENT
		{ $$ = N(VERIFY, @$); $$->a = $3; $$->name = $5; $$->nspan = @1; $$->kspan = @5; }
	;

exprs
	: expr			{ $$ = (AstList){0}; ast_list_append(&$$, $1); }
	| exprs ',' expr	{ $$ = $1; ast_list_append(&$$, $3); }
	;

expr
	: IF expr THEN expr ELSE expr %prec ELSE
		{ $$ = N(IF, @$); $$->nspan = @1; $$->a = $2; $$->b = $4; $$->c = $6; }
	| expr OR expr		{ $$ = binary(P, OP_OR, $1, $3, @2); }
	| expr AND expr		{ $$ = binary(P, OP_AND, $1, $3, @2); }
	| NOT expr		{ $$ = N(UNARY, @$); $$->op = OP_NOT; $$->a = $2; $$->nspan = @1; }
	| expr '<' expr		{ $$ = binary(P, OP_LT, $1, $3, @2); }
	| expr '>' expr		{ $$ = binary(P, OP_GT, $1, $3, @2); }
	| expr LE expr		{ $$ = binary(P, OP_LE, $1, $3, @2); }
	| expr GE expr		{ $$ = binary(P, OP_GE, $1, $3, @2); }
	| expr EQ expr		{ $$ = binary(P, OP_EQ, $1, $3, @2); }
	| expr NE expr		{ $$ = binary(P, OP_NE, $1, $3, @2); }
	| expr '+' expr		{ $$ = binary(P, OP_ADD, $1, $3, @2); }
	| expr '-' expr		{ $$ = binary(P, OP_SUB, $1, $3, @2); }
	| expr '*' expr		{ $$ = binary(P, OP_MUL, $1, $3, @2); }
	| expr '/' expr		{ $$ = binary(P, OP_DIV, $1, $3, @2); }
	| expr '^' expr		{ $$ = binary(P, OP_POW, $1, $3, @2); }
	| '-' expr %prec UMINUS	{ $$ = N(UNARY, @$); $$->op = OP_NEG; $$->a = $2; $$->nspan = @1; }
	| postfix		{ $$ = $1; }
	;

postfix
	: primary		{ $$ = $1; }
	| postfix '.' IDENT
		{ $$ = N(FIELD, @$); $$->a = $1; $$->name = $3; $$->nspan = @3;
		  chained(P, $$, $1, NULL); }
	| IDENT '(' ')'
		{ $$ = N(CALL, @$); $$->name = $1; $$->nspan = @1; }
	| IDENT '(' args ')'
		{ $$ = list_node(P, AST_CALL, @$, $3); $$->name = $1; $$->nspan = @1; }
	;

args
	: arg			{ $$ = (AstList){0}; ast_list_append(&$$, $1); }
	| args ',' arg		{ $$ = $1; ast_list_append(&$$, $3); }
	;

arg
	: expr			{ $$ = $1; }
	| IDENT '=' expr
		{ $$ = N(NAMED, @$); $$->name = $1; $$->nspan = @1; $$->a = $3; }
	;

primary
	: NUMBER
		{ $$ = N(NUM, @$); $$->num = $1.v; $$->dim = $1.dim; $$->kname = $1.unit; }
	| STRING		{ $$ = N(STR, @$); $$->name = $1; }
	| TRUE			{ $$ = N(BOOL, @$); $$->num = 1; }
	| FALSE			{ $$ = N(BOOL, @$); $$->num = 0; }
	| IDENT			{ $$ = N(NAME, @$); $$->name = $1; }
	| '(' expr ')'		{ $$ = $2; }
	| '(' expr ',' ')'
		{ $$ = N(TUPLE, @$); $$->kids = $2; }
	| '(' expr ',' exprs ')'
		{ AstList l = {0}; ast_list_append(&l, $2);
		  l.tail->next = $4.head; l.tail = $4.tail;
		  $$ = list_node(P, AST_TUPLE, @$, l); }
	| '{' '}'		{ $$ = N(SET, @$); }
	| '{' exprs '}'		{ $$ = list_node(P, AST_SET, @$, $2); }
	;

%%

/* Called by bison only when its stack overflows ("memory exhausted"):
 * YYMAXDEPTH states, about one per open bracket or pending unary
 * operator or '^' (doc/limits.md). */
static void yyerror(const Span *loc, Parser *P, const char *msg)
{
	(void)msg;
	diag_error(P->diags, *loc, "the input nests too deeply: more than %d open brackets and pending operators",
		   YYMAXDEPTH);
}

/* n, a link of a chain over a (and b): its depth, and past the limit the
 * rest of the chain skipped (see the top of this file). */
static bool chain_op(int tok)
{
	switch (tok) {
	case OR: case AND: case '<': case '>': case LE: case GE: case EQ: case NE:
	case '+': case '-': case '*': case '/': case '^': case '.':
		return true;
	}
	return false;
}

static void chained(Parser *P, AstNode *n, const AstNode *a, const AstNode *b)
{
	int da = a->depth ? a->depth : 1, db = b && b->depth ? b->depth : 1;
	n->depth = (da > db ? da : db) + 1;
	/* the lookahead (lx.last) goes on with the chain: skip the rest */
	if (n->depth > PARSE_MAX_DEPTH && chain_op(P->lx.last)) P->lx.skip = 1;
}

static AstNode *binary(Parser *P, int op, AstNode *a, AstNode *b, Span opspan)
{
	AstNode *n = ast_new(P->arena, AST_BINARY, span_join(a->span, b->span));
	n->op = op;
	n->a = a;
	n->b = b;
	n->nspan = opspan;
	chained(P, n, a, b);
	return n;
}

static AstNode *list_node(Parser *P, AstKind kind, Span loc, AstList l)
{
	AstNode *n = ast_new(P->arena, kind, loc);
	n->kids = l.head;
	return n;
}

int yylex_raw(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);

/* Tokens after which a newline ends an item ('=' too: `x =` followed by a
 * newline is a missing value, reported on its own line). */
static bool ends_item(int tok)
{
	switch (tok) {
	case IDENT: case NUMBER: case STRING: case TRUE: case FALSE:
	case ')': case '}': case '=':
		return true;
	}
	return false;
}

/* Whether tok may stand inside a chain being skipped (outside brackets). */
static bool in_chain(int tok)
{
	switch (tok) {
	case IDENT: case NUMBER: case STRING: case TRUE: case FALSE: case NOT:
		return true;
	}
	return chain_op(tok);
}

/* Skips the rest of an over-deep chain, up to the first token at its
 * bracket level that cannot go on with it (a separator, a comma, the
 * bracket that closes it, `then`, ...), which is held back (lx->queued);
 * returns the operand the parser still expects after the operator or '.'
 * it was given last. */
static int skip_chain(YYSTYPE *lval, YYLTYPE *lloc, Parser *P)
{
	Lexer *lx = &P->lx;
	int level = 0, last = lx->last;
	for (;;) {
		int t = yylex_raw(lval, lloc, lx->scanner);
		if (t == 0) {   /* the end, whatever is open */
			lx->queued = t;
			lx->queued_loc = *lloc;
			break;
		}
		if (t == '(' || t == '{') level++;
		else if ((t == ')' || t == '}') && level > 0) level--;
		else if (level == 0 && t == NEWLINE ? lx->depth == 0 && ends_item(last)
			 : level == 0 && !in_chain(t)) {
			lx->queued = t;
			lx->queued_loc = *lloc;
			break;
		}
		if (t != NEWLINE) last = t;
	}
	lx->skip = 0;
	*lloc = (Span){lx->file, lx->queued_loc.lo, lx->queued_loc.lo};
	if (lx->last == '.') {
		lval->str = "";
		return IDENT;
	}
	lval->number = (NumberTok){0, dim_none, NULL};
	return NUMBER;
}

int yylex(YYSTYPE *lval, YYLTYPE *lloc, Parser *P)
{
	Lexer *lx = &P->lx;
	if (lx->start) {
		int t = lx->start;
		lx->start = 0;
		lx->last = t;
		*lloc = (Span){lx->file, 0, 0};
		return t;
	}
	if (lx->skip) {
		int t = skip_chain(lval, lloc, P);
		lx->last = t;
		return t;
	}
	for (;;) {
		int t;
		if (lx->queued) {
			t = lx->queued;
			*lloc = lx->queued_loc;
			lx->queued = 0;
		} else {
			t = yylex_raw(lval, lloc, lx->scanner);
		}
		if (t == NEWLINE && (lx->depth > 0 || !ends_item(lx->last)))
			continue;
		if (t == 0 && lx->last != NEWLINE && lx->last != ';') {
			/* every item ends with a separator, the last one too */
			t = NEWLINE;
			*lloc = (Span){lx->file, lx->off, lx->off};
		} else if (t == '(') {
			lx->depth++;
		} else if (t == ')' && lx->depth > 0) {
			lx->depth--;
		}
		lx->last = t;
		return t;
	}
}

/* Tokens that can start an expression: "expected an expression" stands
 * for all of them in syntax errors. */
static bool starts_expr(yysymbol_kind_t k)
{
	switch (k) {
	case YYSYMBOL_NUMBER: case YYSYMBOL_STRING: case YYSYMBOL_TRUE:
	case YYSYMBOL_FALSE: case YYSYMBOL_IF: case YYSYMBOL_NOT:
		return true;
	default: {
		const char *s = yysymbol_name(k);
		return !strcmp(s, "'('") || !strcmp(s, "'{'") || !strcmp(s, "'-'");
	}
	}
}

static void describe_token(Parser *P, Buf *b, yysymbol_kind_t k, Span sp)
{
	const Source *src = source_get(P->diags->sources, sp.file);
	switch (k) {
	case YYSYMBOL_YYEOF: buf_puts(b, "end of file"); return;
	case YYSYMBOL_NEWLINE:
		buf_puts(b, sp.file && sp.lo >= src->len ? "end of file" : "end of line");
		return;
	case YYSYMBOL_IDENT:
		if (!sp.file) buf_puts(b, "a name");
		else buf_printf(b, "identifier '%.*s'", (int)(sp.hi - sp.lo), src->text + sp.lo);
		return;
	case YYSYMBOL_NUMBER:
		if (!sp.file) buf_puts(b, "a number");
		else buf_printf(b, "number '%.*s'", (int)(sp.hi - sp.lo), src->text + sp.lo);
		return;
	case YYSYMBOL_STRING: buf_puts(b, sp.file ? "string" : "a string"); return;
	default: {
		const char *name = yysymbol_name(k);
		if (name[0] == '\'')  /* character tokens come quoted */
			buf_puts(b, name);
		else
			buf_printf(b, "'%s'", name);
	}
	}
}

static bool is_operator(yysymbol_kind_t k)
{
	switch (k) {
	case YYSYMBOL_AND: case YYSYMBOL_OR: case YYSYMBOL_EQ: case YYSYMBOL_NE:
	case YYSYMBOL_LE: case YYSYMBOL_GE:
		return true;
	default: {
		const char *s = yysymbol_name(k);
		return strlen(s) == 3 && s[0] == '\'' && strchr("+-*/^<>.", s[1]);
	}
	}
}

/* "unexpected X; expected A, B or C": tokens that start an expression are
 * summed up as "an expression", binary operators as "an operator". */
static int yyreport_syntax_error(const yypcontext_t *ctx, Parser *P)
{
	yysymbol_kind_t exp[YYNTOKENS];
	int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	Span sp = *yypcontext_location(ctx);
	Buf b = {0};
	buf_puts(&b, "unexpected ");
	describe_token(P, &b, yypcontext_token(ctx), sp);
	const char *names[YYNTOKENS + 2];
	int k = 0;
	bool expr = false, op = false;
	for (int i = 0; i < n; i++) {
		if (exp[i] == YYSYMBOL_NUMBER) expr = true;
		if (is_operator(exp[i]) && strcmp(yysymbol_name(exp[i]), "'-'")) op = true;
	}
	if (expr) names[k++] = "an expression";
	if (op) names[k++] = "an operator";
	for (int i = 0; i < n; i++) {
		if (expr && (starts_expr(exp[i]) || exp[i] == YYSYMBOL_IDENT))
			continue;
		if (op && is_operator(exp[i]))
			continue;
		Buf t = {0};
		describe_token(P, &t, exp[i], (Span){0, 0, 0});
		names[k++] = arena_strdup(P->arena, t.s);
		buf_free(&t);
	}
	if (k > 0 && k <= 6) {
		buf_puts(&b, "; expected ");
		for (int i = 0; i < k; i++) {
			if (i) buf_puts(&b, i == k - 1 ? " or " : ", ");
			buf_puts(&b, names[i]);
		}
	}
	diag_error(P->diags, sp, "%s", b.s);
	buf_free(&b);
	return 0;
}
