/* print.c -- formulas as text in five formats (print.h). */
#include "config.h"
#include "print.h"
#include "bytecode.h"
#include "runtime/num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool dag_format_parse(const char *name, DagFormat *out)
{
	static const char *names[] = {"infix", "latex", "c", "sympy", "sexpr"};
	for (int i = 0; i < 5; i++)
		if (!strcmp(name, names[i])) {
			*out = (DagFormat)i;
			return true;
		}
	return false;
}

typedef struct Printer {
	const Dag *g;
	Buf *out;
	DagFormat f;
	size_t limit;
	bool cut;
} Printer;

static void put(Printer *p, const char *s)
{
	if (p->cut) return;
	buf_puts(p->out, s);
	if (p->limit && p->out->len > p->limit) p->cut = true;
}

static void putf(Printer *p, const char *fmt, const char *arg)
{
	Buf b = {0};
	buf_printf(&b, fmt, arg);
	put(p, b.s);
	buf_free(&b);
}

static void put_num(Printer *p, double v)
{
	char x[48];
	num_format(x, sizeof x, v);
	if (p->f == FMT_LATEX) {
		char *e = strchr(x, 'e');
		if (e) {
			*e = 0;
			Buf b = {0};
			buf_printf(&b, "%s \\cdot 10^{%d}", x, atoi(e + 1));
			put(p, b.s);
			buf_free(&b);
			return;
		}
	}
	if (p->f == FMT_C && !strchr(x, '.') && !strchr(x, 'e') && !strchr(x, 'n'))
		strcat(x, ".0");
	put(p, x);   /* a negative number binds like unary minus (prec_of) */
}

/* Precedence: 1 or, 2 and, 3 not, 4 comparison, 5 + -, 6 * /, 7 unary -,
 * 8 ^, 9 atoms and calls. */
static bool is_recip(const Dag *g, NodeId id);

static int prec_of(const Dag *g, NodeId id)
{
	const DagNode *x = dag_node(g, id);
	switch ((DagOp)x->op) {
	case DOP_OR: return 1;
	case DOP_AND: return 2;
	case DOP_NOT: return 3;
	case DOP_LT: case DOP_LE: case DOP_GT: case DOP_GE: case DOP_EQ: case DOP_NE: return 4;
	case DOP_ADD: case DOP_SUB: return 5;
	case DOP_MUL: case DOP_DIV: return 6;
	case DOP_NEG: return 7;
	case DOP_POW: return is_recip(g, id) ? 6 : 8;
	case DOP_CONST: return x->value < 0 ? 7 : 9;
	case DOP_LABEL: return prec_of(g, dag_args(g, id)[0]);
	default: return 9;
	}
}

static void expr(Printer *p, NodeId id, int min);

static void sub(Printer *p, NodeId id, int min)
{
	bool paren = prec_of(p->g, id) < min;
	if (paren) put(p, p->f == FMT_LATEX ? "\\left(" : "(");
	expr(p, id, 0);
	if (paren) put(p, p->f == FMT_LATEX ? "\\right)" : ")");
}

/* x^c with a negative constant c: printed as 1 / x^-c. */
static bool is_recip(const Dag *g, NodeId id)
{
	if (dag_opof(g, id) != DOP_POW) return false;
	NodeId e = dag_args(g, id)[1];
	return dag_opof(g, e) == DOP_CONST && dag_node(g, e)->value < 0;
}

/* The denominator of a reciprocal factor: x for x^-1, x^k for x^-k. */
static void denominator(Printer *p, NodeId id, int min)
{
	const Dag *g = p->g;
	NodeId b = dag_args(g, id)[0];
	double k = -dag_node(g, dag_args(g, id)[1])->value;
	if (k == 1) {
		sub(p, b, min);
		return;
	}
	if (p->f == FMT_LATEX) { sub(p, b, 9); put(p, "^{"); put_num(p, k); put(p, "}"); return; }
	if (min > 8) put(p, "(");
	sub(p, b, 9);
	put(p, p->f == FMT_SYMPY ? "**" : " ^ ");
	put_num(p, k);
	if (min > 8) put(p, ")");
}

/* A term of a sum written with a leading minus: -1 * x, or a negative
 * constant coefficient c * x. */
static bool negative_term(const Dag *g, NodeId id, double *coef)
{
	if (dag_opof(g, id) == DOP_CONST && dag_node(g, id)->value < 0) {
		*coef = dag_node(g, id)->value;
		return true;
	}
	if (dag_opof(g, id) != DOP_MUL) return false;
	NodeId c = dag_args(g, id)[0];
	if (dag_opof(g, c) != DOP_CONST || !(dag_node(g, c)->value < 0)) return false;
	*coef = dag_node(g, c)->value;
	return true;
}

static const char *mul_sign(const Printer *p)
{
	return p->f == FMT_LATEX ? " \\cdot " : p->f == FMT_SYMPY ? "*" : " * ";
}

/* The factors of a product except its leading constant `skip`, numerator
 * then denominator. */
static void product(Printer *p, NodeId id, bool drop_coef)
{
	const Dag *g = p->g;
	const NodeId *a = dag_args(g, id);
	uint32_t n = dag_node(g, id)->nargs, first = drop_coef ? 1 : 0;
	uint32_t num = 0, den = 0;
	for (uint32_t k = first; k < n; k++) {
		if (is_recip(g, a[k])) den++;
		else num++;
	}
	if (p->f == FMT_LATEX && den) {
		put(p, "\\frac{");
		if (!num) put(p, "1");
		bool firstf = true;
		for (uint32_t k = first; k < n; k++)
			if (!is_recip(g, a[k])) {
				if (!firstf) put(p, mul_sign(p));
				sub(p, a[k], 6);
				firstf = false;
			}
		put(p, "}{");
		firstf = true;
		for (uint32_t k = first; k < n; k++)
			if (is_recip(g, a[k])) {
				if (!firstf) put(p, mul_sign(p));
				denominator(p, a[k], 6);
				firstf = false;
			}
		put(p, "}");
		return;
	}
	bool firstf = true;
	if (!num) put(p, "1"), firstf = false;
	for (uint32_t k = first; k < n; k++)
		if (!is_recip(g, a[k])) {
			if (!firstf) put(p, mul_sign(p));
			sub(p, a[k], 6);
			firstf = false;
		}
	for (uint32_t k = first; k < n; k++)
		if (is_recip(g, a[k])) {
			put(p, p->f == FMT_SYMPY ? "/" : " / ");
			denominator(p, a[k], 7);
		}
}

static const char *call_name(const Printer *p, DagOp op)
{
	if (p->f == FMT_SYMPY) {
		switch (op) {
		case DOP_MIN: return "Min";
		case DOP_MAX: return "Max";
		case DOP_CEIL: return "ceiling";
		case DOP_ABS: return "Abs";
		case DOP_AND: return "And";
		case DOP_OR: return "Or";
		case DOP_NOT: return "Not";
		default: break;
		}
	}
	if (p->f == FMT_LATEX) {
		switch (op) {
		case DOP_MIN: return "\\min";
		case DOP_MAX: return "\\max";
		case DOP_LOG: return "\\log";
		default: break;
		}
	}
	return dag_op_info(op)->name;
}

static void args_list(Printer *p, NodeId id)
{
	const NodeId *a = dag_args(p->g, id);
	for (uint32_t k = 0; k < dag_node(p->g, id)->nargs; k++) {
		if (k) put(p, ", ");
		expr(p, a[k], 0);
	}
}

static bool is_boolean(const Dag *g, NodeId id)
{
	DagOp op = dag_opof(g, id);
	if (op == DOP_LABEL) return is_boolean(g, dag_args(g, id)[0]);
	return (dag_op_info(op)->flags & (DF_CMP | DF_BOOL)) != 0;
}

static void sympy_condition(Printer *p, NodeId id)
{
	if (is_boolean(p->g, id)) {
		expr(p, id, 0);
	} else {
		put(p, "Ne(");
		expr(p, id, 0);
		put(p, ", 0)");
	}
}

static void expr(Printer *p, NodeId id, int min)
{
	(void)min;
	const Dag *g = p->g;
	const DagNode *x = dag_node(g, id);
	const NodeId *a = dag_args(g, id);
	DagOp op = (DagOp)x->op;
	if (p->cut) return;
	switch (op) {
	case DOP_CONST: put_num(p, x->value); return;
	case DOP_PARAM: put(p, g->params[x->sym].name); return;
	case DOP_LABEL: expr(p, a[0], min); return;
	case DOP_ADD:
		for (uint32_t k = 0; k < x->nargs; k++) {
			double c;
			if (k && negative_term(g, a[k], &c)) {
				put(p, " - ");
				if (dag_opof(g, a[k]) == DOP_CONST) {
					put_num(p, -c);
				} else if (c == -1) {
					/* -1 * rest */
					if (dag_node(g, a[k])->nargs == 2) sub(p, dag_args(g, a[k])[1], 6);
					else product(p, a[k], true);
				} else {
					put_num(p, -c);
					put(p, mul_sign(p));
					product(p, a[k], true);
				}
				continue;
			}
			if (k) put(p, " + ");
			sub(p, a[k], 5);
		}
		return;
	case DOP_MUL:
		if (dag_is_const(g, a[0], -1.0)) {
			put(p, "-");
			if (x->nargs == 2) sub(p, a[1], 7);
			else { put(p, "("); product(p, id, true); put(p, ")"); }
			return;
		}
		product(p, id, false);
		return;
	case DOP_SUB: sub(p, a[0], 5); put(p, " - "); sub(p, a[1], 6); return;
	case DOP_DIV:
		if (p->f == FMT_LATEX) {
			put(p, "\\frac{"); expr(p, a[0], 0); put(p, "}{"); expr(p, a[1], 0); put(p, "}");
			return;
		}
		sub(p, a[0], 6); put(p, " / "); sub(p, a[1], 7);
		return;
	case DOP_NEG: put(p, "-"); sub(p, a[0], 7); return;
	case DOP_POW:
		if (is_recip(g, id) && p->f != FMT_C) {
			if (p->f == FMT_LATEX) { put(p, "\\frac{1}{"); denominator(p, id, 0); put(p, "}"); return; }
			put(p, p->f == FMT_SYMPY ? "1/" : "1 / ");
			denominator(p, id, 7);
			return;
		}
		if (p->f == FMT_C) {
			put(p, "pow("); expr(p, a[0], 0); put(p, ", "); expr(p, a[1], 0); put(p, ")");
		} else if (p->f == FMT_LATEX) {
			sub(p, a[0], 9); put(p, "^{"); expr(p, a[1], 0); put(p, "}");
		} else {
			sub(p, a[0], 9); put(p, p->f == FMT_SYMPY ? "**" : " ^ "); sub(p, a[1], 8);
		}
		return;
	case DOP_LT: case DOP_LE: case DOP_GT: case DOP_GE: case DOP_EQ: case DOP_NE: {
		if (p->f == FMT_SYMPY && (op == DOP_EQ || op == DOP_NE)) {
			put(p, op == DOP_EQ ? "Eq(" : "Ne(");
			expr(p, a[0], 0); put(p, ", "); expr(p, a[1], 0); put(p, ")");
			return;
		}
		const char *sym = dag_op_info(op)->infix;
		if (p->f == FMT_LATEX)
			sym = op == DOP_LE ? "\\le" : op == DOP_GE ? "\\ge" : op == DOP_NE ? "\\ne" : op == DOP_EQ ? "=" : sym;
		sub(p, a[0], 5); putf(p, " %s ", sym); sub(p, a[1], 5);
		return;
	}
	case DOP_AND: case DOP_OR:
		if (p->f == FMT_SYMPY) { put(p, call_name(p, op)); put(p, "("); args_list(p, id); put(p, ")"); return; }
		for (uint32_t k = 0; k < x->nargs; k++) {
			if (k) putf(p, " %s ", p->f == FMT_C ? (op == DOP_AND ? "&&" : "||")
					       : p->f == FMT_LATEX ? (op == DOP_AND ? "\\land" : "\\lor")
					       : dag_op_info(op)->infix);
			sub(p, a[k], op == DOP_AND ? 3 : 2);
		}
		return;
	case DOP_NOT:
		if (p->f == FMT_SYMPY) { put(p, "Not("); expr(p, a[0], 0); put(p, ")"); return; }
		put(p, p->f == FMT_C ? "!" : p->f == FMT_LATEX ? "\\lnot " : "not "); sub(p, a[0], 3);
		return;
	case DOP_SELECT:
		if (p->f == FMT_SYMPY) {
			put(p, "Piecewise(("); expr(p, a[1], 0); put(p, ", "); sympy_condition(p, a[0]);
			put(p, "), ("); expr(p, a[2], 0); put(p, ", True))");
		} else if (p->f == FMT_LATEX) {
			put(p, "\\begin{cases}"); expr(p, a[1], 0); put(p, " & "); expr(p, a[0], 0);
			put(p, " \\\\ "); expr(p, a[2], 0); put(p, " & \\text{otherwise}\\end{cases}");
		} else if (p->f == FMT_C) {
			put(p, "("); expr(p, a[0], 0); put(p, " ? "); expr(p, a[1], 0); put(p, " : "); expr(p, a[2], 0); put(p, ")");
		} else {
			put(p, "(if "); expr(p, a[0], 0); put(p, " then "); expr(p, a[1], 0);
			put(p, " else "); expr(p, a[2], 0); put(p, ")");
		}
		return;
	case DOP_ABS:
		if (p->f == FMT_LATEX) { put(p, "\\left|"); expr(p, a[0], 0); put(p, "\\right|"); return; }
		break;
	case DOP_CEIL: case DOP_FLOOR:
		if (p->f == FMT_LATEX) {
			put(p, op == DOP_CEIL ? "\\lceil " : "\\lfloor ");
			expr(p, a[0], 0);
			put(p, op == DOP_CEIL ? "\\rceil" : "\\rfloor");
			return;
		}
		break;
	case DOP_SQRT:
		if (p->f == FMT_LATEX) { put(p, "\\sqrt{"); expr(p, a[0], 0); put(p, "}"); return; }
		break;
	case DOP_EXP:
		if (p->f == FMT_LATEX) { put(p, "e^{"); expr(p, a[0], 0); put(p, "}"); return; }
		break;
	default:
		break;
	}
	/* calls: min, max, ceil, floor, sqrt, log, exp, abs */
	put(p, call_name(p, op));
	put(p, p->f == FMT_LATEX ? "\\left(" : "(");
	args_list(p, id);
	put(p, p->f == FMT_LATEX ? "\\right)" : ")");
}

/* ------------------------------------------------------------ C format */

/* The bytecode (bytecode.c) written as C: the same operations in the same
 * order, so this function is the static-compile reference the benchmarks
 * compare the interpreter and the JIT with. */
static void c_function(Printer *p, NodeId root, const char *name)
{
	const Dag *g = p->g;
	BcProgram *prog = bc_compile(g, &root, 1);
	Buf b = {0};
	buf_printf(&b, "#include <math.h>\n\ndouble %s(const double *p)\n{\n", name ? name : "f");
	for (uint32_t i = 0; i < prog->ncode; i++) {
		const BcInsn *c = &prog->code[i];
		char v[48];
		buf_printf(&b, "\tdouble t%u = ", i);
		switch ((BcOp)c->op) {
		case BC_CONST:
			num_format(v, sizeof v, c->imm);
			buf_printf(&b, "%s%s", v, strchr(v, '.') || strchr(v, 'e') || strchr(v, 'n') ? "" : ".0");
			break;
		case BC_PARAM: buf_printf(&b, "p[%u]; /* %s */\n", c->a, g->params[c->a].name); continue;
		case BC_ADD: buf_printf(&b, "t%u + t%u", c->a, c->b); break;
		case BC_SUB: buf_printf(&b, "t%u - t%u", c->a, c->b); break;
		case BC_MUL: buf_printf(&b, "t%u * t%u", c->a, c->b); break;
		case BC_DIV: buf_printf(&b, "t%u / t%u", c->a, c->b); break;
		case BC_NEG: buf_printf(&b, "-t%u", c->a); break;
		case BC_POW: buf_printf(&b, "pow(t%u, t%u)", c->a, c->b); break;
		case BC_MIN: buf_printf(&b, "t%u < t%u ? t%u : t%u", c->b, c->a, c->b, c->a); break;
		case BC_MAX: buf_printf(&b, "t%u > t%u ? t%u : t%u", c->b, c->a, c->b, c->a); break;
		case BC_CEIL: buf_printf(&b, "ceil(t%u)", c->a); break;
		case BC_FLOOR: buf_printf(&b, "floor(t%u)", c->a); break;
		case BC_SQRT: buf_printf(&b, "sqrt(t%u)", c->a); break;
		case BC_LOG: buf_printf(&b, "log(t%u)", c->a); break;
		case BC_EXP: buf_printf(&b, "exp(t%u)", c->a); break;
		case BC_ABS: buf_printf(&b, "fabs(t%u)", c->a); break;
		case BC_LT: buf_printf(&b, "t%u < t%u ? 1.0 : 0.0", c->a, c->b); break;
		case BC_LE: buf_printf(&b, "t%u <= t%u ? 1.0 : 0.0", c->a, c->b); break;
		case BC_GT: buf_printf(&b, "t%u > t%u ? 1.0 : 0.0", c->a, c->b); break;
		case BC_GE: buf_printf(&b, "t%u >= t%u ? 1.0 : 0.0", c->a, c->b); break;
		case BC_EQ: buf_printf(&b, "t%u == t%u ? 1.0 : 0.0", c->a, c->b); break;
		case BC_NE: buf_printf(&b, "t%u != t%u ? 1.0 : 0.0", c->a, c->b); break;
		case BC_AND: buf_printf(&b, "t%u != 0 && t%u != 0 ? 1.0 : 0.0", c->a, c->b); break;
		case BC_OR: buf_printf(&b, "t%u != 0 || t%u != 0 ? 1.0 : 0.0", c->a, c->b); break;
		case BC_NOT: buf_printf(&b, "t%u == 0 ? 1.0 : 0.0", c->a); break;
		case BC_SELECT: buf_printf(&b, "t%u != 0 ? t%u : t%u", c->a, c->b, c->c); break;
		default: buf_puts(&b, "0"); break;
		}
		buf_puts(&b, ";\n");
	}
	buf_printf(&b, "\treturn t%u;\n}\n", prog->out_regs[0]);
	put(p, b.s);
	buf_free(&b);
	bc_free(prog);
}

/* --------------------------------------------------------- s-expressions */

static void sexpr(Printer *p, NodeId id, const uint32_t *uses, uint8_t *named)
{
	const Dag *g = p->g;
	const DagNode *x = dag_node(g, id);
	char v[48];
	if (named[id]) {
		snprintf(v, sizeof v, "#%u", id);
		put(p, v);
		return;
	}
	switch ((DagOp)x->op) {
	case DOP_CONST: put_num(p, x->value); return;
	case DOP_PARAM: put(p, g->params[x->sym].name); return;
	default: break;
	}
	put(p, "(");
	put(p, dag_op_info((DagOp)x->op)->name);
	if (x->op == DOP_LABEL) { put(p, " "); put(p, g->labels[x->sym]); }
	for (uint32_t k = 0; k < x->nargs; k++) {
		put(p, " ");
		sexpr(p, dag_args(g, id)[k], uses, named);
	}
	put(p, ")");
}

static void sexpr_root(Printer *p, NodeId root)
{
	const Dag *g = p->g;
	uint32_t *uses = calloc(g->n ? g->n : 1, sizeof *uses);
	uint8_t *named = calloc(g->n ? g->n : 1, 1), *seen = calloc(g->n ? g->n : 1, 1);
	if (!uses || !named || !seen) abort();
	seen[root] = 1;
	for (uint32_t id = root + 1; id-- > 0;) {
		if (!seen[id]) continue;
		for (uint32_t k = 0; k < dag_node(g, id)->nargs; k++) {
			NodeId a = dag_args(g, id)[k];
			uses[a]++;
			seen[a] = 1;
		}
	}
	/* shared compound nodes get a name, defined before their first use */
	for (uint32_t id = 0; id < root; id++) {
		if (!seen[id] || uses[id] < 2 || dag_node(g, id)->nargs == 0) continue;
		char v[48];
		snprintf(v, sizeof v, "#%u = ", id);
		put(p, v);
		sexpr(p, id, uses, named);
		put(p, "\n");
		named[id] = 1;
	}
	sexpr(p, root, uses, named);
	free(uses);
	free(named);
	free(seen);
}

bool dag_print(Buf *out, const Dag *g, NodeId root, DagFormat f, const char *name, size_t max_bytes)
{
	Printer p = {g, out, f, max_bytes ? out->len + max_bytes : 0, false};
	buf_putn(out, "", 0);
	if (f == FMT_C) c_function(&p, root, name);
	else if (f == FMT_SEXPR) sexpr_root(&p, root);
	else expr(&p, root, 0);
	return !p.cut;
}

void dag_node_label(Buf *out, const Dag *g, NodeId id)
{
	const DagNode *x = dag_node(g, id);
	char v[48];
	switch ((DagOp)x->op) {
	case DOP_CONST: num_format(v, sizeof v, x->value); buf_puts(out, v); return;
	case DOP_PARAM: buf_puts(out, g->params[x->sym].name); return;
	case DOP_LABEL: buf_puts(out, g->labels[x->sym]); return;
	case DOP_SELECT: buf_puts(out, "if"); return;
	default: {
		const char *ix = dag_op_info((DagOp)x->op)->infix;
		buf_puts(out, ix[0] ? ix : dag_op_info((DagOp)x->op)->name);
	}
	}
}
