/* test_compiler.c -- the DAG, simplifier, derivatives, printers and the
 * bytecode interpreter: hash-consing, each simplifier rule, refused folds,
 * value preservation and idempotence on random expressions, derivatives
 * against central finite differences, scalar vs block evaluation. */
#include "config.h"
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "compiler/bytecode.h"
#include "compiler/print.h"
#include "compiler/simplify.h"

static Dag g;
static NodeId x, y, z;

static void setup(void)
{
	dag_init(&g);
	x = dag_param(&g, dag_add_param(&g, "x", dim_none));
	y = dag_param(&g, dag_add_param(&g, "y", dim_none));
	z = dag_param(&g, dag_add_param(&g, "z", dim_none));
}

static void teardown(void) { dag_free(&g); }

static NodeId C(double v) { return dag_const(&g, v); }
static NodeId op2(DagOp op, NodeId a, NodeId b) { return dag_op2(&g, op, a, b); }
static NodeId op1(DagOp op, NodeId a) { return dag_op1(&g, op, a); }

static char *text(NodeId n)
{
	Buf b = {0};
	dag_print(&b, &g, n, FMT_INFIX, NULL, 0);
	return b.s;
}

static void expect_simplifies_to(NodeId e, const char *want)
{
	char *got = text(dag_simplify(&g, e));
	cr_expect_str_eq(got, want, "simplify(%s)", text(e));
	free(got);
}

static double eval_at(NodeId n, const double *p)
{
	BcProgram *prog = bc_compile(&g, &n, 1);
	double out;
	bc_eval(prog, p, &out);
	bc_free(prog);
	return out;
}

TestSuite(dag, .init = setup, .fini = teardown);

Test(dag, hash_consing_makes_equal_nodes_one)
{
	cr_expect_eq(op2(DOP_ADD, x, y), op2(DOP_ADD, x, y));
	cr_expect_neq(op2(DOP_ADD, x, y), op2(DOP_ADD, y, x)); /* order is canonicalised by simplify */
	cr_expect_eq(C(2.5), C(2.5));
	cr_expect_neq(C(0.0), C(-0.0));
	cr_expect_eq(dag_label(&g, "mlp", x), dag_label(&g, "mlp", x));
	cr_expect_neq(dag_label(&g, "mlp", x), dag_label(&g, "attention", x));
	NodeId shared = op2(DOP_MUL, x, y);
	NodeId e = op2(DOP_ADD, shared, op1(DOP_SQRT, shared));
	cr_expect_eq(dag_count(&g, &e, 1), 5); /* x, y, x*y, sqrt, + */
}

Test(dag, import_substitutes_one_param_and_matches_the_others_by_name)
{
	/* e = label(max(x * y, z + 2)): x replaced by 3, y and z kept */
	NodeId e = dag_label(&g, "m", op2(DOP_MAX, op2(DOP_MUL, x, y), op2(DOP_ADD, z, C(2))));
	double at[3] = {3, 5, 20};
	/* into another DAG whose params come in another order */
	Dag h;
	dag_init(&h);
	dag_add_param(&h, "z", dim_none);
	NodeId r = dag_import(&h, &g, e, 0, 3.0);
	cr_expect_eq(h.nparams, 2, "only y is added (x became a constant)");
	cr_expect_str_eq(h.params[1].name, "y");
	BcProgram *prog = bc_compile(&h, &r, 1);
	double in[2] = {20, 5}, out;   /* z, y */
	bc_eval(prog, in, &out);
	bc_free(prog);
	cr_expect_eq(out, eval_at(e, at));
	dag_free(&h);
	/* into the same DAG: the same value, and x no longer read */
	NodeId s = dag_import(&g, &g, e, 0, 3.0);
	cr_expect(!dag_reads_param(&g, s, 0));
	cr_expect(dag_reads_param(&g, s, 1) && dag_reads_param(&g, s, 2));
	cr_expect_eq(eval_at(s, (double[]){-1, 5, 20}), eval_at(e, at));
	/* UINT32_MAX substitutes nothing: the same node back */
	cr_expect_eq(dag_import(&g, &g, e, UINT32_MAX, 0), e);
}

Test(dag, canonical_forms_and_collection)
{
	expect_simplifies_to(op2(DOP_ADD, x, x), "2 * x");
	expect_simplifies_to(op2(DOP_MUL, x, x), "x ^ 2");
	expect_simplifies_to(op2(DOP_SUB, x, x), "0");
	expect_simplifies_to(op2(DOP_DIV, x, x), "1");
	expect_simplifies_to(op2(DOP_ADD, op2(DOP_ADD, x, y), op1(DOP_NEG, x)), "y");
	expect_simplifies_to(op2(DOP_POW, op2(DOP_POW, x, C(2)), C(3)), "x ^ 6");
	expect_simplifies_to(op2(DOP_MUL, C(2), op2(DOP_ADD, x, y)), "2 * x + 2 * y");
	expect_simplifies_to(op2(DOP_MUL, op2(DOP_MUL, C(2), x), op2(DOP_MUL, C(3), x)), "6 * x ^ 2");
	expect_simplifies_to(op2(DOP_DIV, op2(DOP_MUL, C(3), x), x), "3");
	expect_simplifies_to(op2(DOP_ADD, C(1), C(2)), "3");
	expect_simplifies_to(op2(DOP_POW, x, C(0)), "1");
	expect_simplifies_to(op2(DOP_POW, x, C(1)), "x");
	/* sums and products are order-independent after simplification */
	cr_expect_eq(dag_simplify(&g, op2(DOP_ADD, x, y)), dag_simplify(&g, op2(DOP_ADD, y, x)));
	cr_expect_eq(dag_simplify(&g, op2(DOP_MUL, op2(DOP_MUL, x, y), z)),
		     dag_simplify(&g, op2(DOP_MUL, z, op2(DOP_MUL, y, x))));
}

Test(dag, min_max_logic_and_select_rules)
{
	expect_simplifies_to(op2(DOP_MIN, x, x), "x");
	expect_simplifies_to(dag_op(&g, DOP_MIN, (NodeId[]){C(3), x, C(1)}, 3), "min(x, 1)");
	expect_simplifies_to(op2(DOP_MAX, op2(DOP_MAX, x, y), x), "max(x, y)");
	expect_simplifies_to(dag_op(&g, DOP_SELECT, (NodeId[]){C(1), x, y}, 3), "x");
	expect_simplifies_to(dag_op(&g, DOP_SELECT, (NodeId[]){op2(DOP_LT, x, y), z, z}, 3), "z");
	expect_simplifies_to(op2(DOP_GT, x, y), "y < x");
	expect_simplifies_to(op2(DOP_LE, x, x), "1");
	expect_simplifies_to(op1(DOP_NOT, op1(DOP_NOT, op2(DOP_LT, x, y))), "x < y");
	expect_simplifies_to(op2(DOP_AND, op2(DOP_LT, x, y), C(1)), "x < y");
	expect_simplifies_to(op2(DOP_OR, op2(DOP_LT, x, y), C(1)), "1");
	expect_simplifies_to(op1(DOP_LOG, op1(DOP_EXP, x)), "x");
	expect_simplifies_to(op1(DOP_SQRT, op2(DOP_POW, x, C(2))), "abs(x)");
	expect_simplifies_to(op1(DOP_CEIL, op1(DOP_FLOOR, x)), "floor(x)");
	expect_simplifies_to(dag_label(&g, "mlp", op2(DOP_MUL, x, C(2))), "2 * x");
}

Test(dag, unsafe_folds_are_refused)
{
	expect_simplifies_to(op2(DOP_DIV, C(1), C(0)), "1 / 0");
	expect_simplifies_to(op1(DOP_LOG, C(0)), "log(0)");
	expect_simplifies_to(op1(DOP_LOG, C(-2)), "log(-2)");
	expect_simplifies_to(op1(DOP_SQRT, C(-1)), "sqrt(-1)");
	expect_simplifies_to(op1(DOP_EXP, C(1000)), "exp(1000)");
	expect_simplifies_to(op2(DOP_POW, C(-8), C(0.5)), "(-8) ^ 0.5");
	expect_simplifies_to(op2(DOP_MUL, x, C(-3)), "-3 * x");
	expect_simplifies_to(op2(DOP_POW, x, C(-0.5)), "1 / x ^ 0.5");
	expect_simplifies_to(op2(DOP_MUL, C(1e300), C(1e300)), "1e+300 * 1e+300");
	/* safe folds use the runtime's arithmetic */
	expect_simplifies_to(op1(DOP_SQRT, C(16)), "4");
	expect_simplifies_to(op2(DOP_POW, C(2), C(10)), "1024");
}

/* ------------------------------------------------- random expressions */

static unsigned rng = 12345;
static unsigned rnd(void) { rng = rng * 1103515245u + 12345u; return (rng >> 16) & 0x7fff; }
static double urand(double lo, double hi) { return lo + (hi - lo) * (rnd() / 32767.0); }

/* Smooth, positive-domain expressions (so values and derivatives exist). */
static NodeId random_smooth(int depth)
{
	NodeId leaves[] = {x, y, z};
	if (depth == 0 || rnd() % 4 == 0)
		return rnd() % 3 ? leaves[rnd() % 3] : C((double)(1 + rnd() % 5));
	NodeId a = random_smooth(depth - 1), b = random_smooth(depth - 1);
	switch (rnd() % 8) {
	case 0: return op2(DOP_ADD, a, b);
	case 1: return op2(DOP_SUB, a, b);
	case 2: return op2(DOP_MUL, a, b);
	case 3: return op2(DOP_DIV, a, op2(DOP_ADD, op2(DOP_MUL, b, b), C(1)));
	case 4: return op2(DOP_POW, op2(DOP_ADD, op2(DOP_MUL, a, a), C(1)), C((double)(rnd() % 3) - 1));
	case 5: return op1(DOP_SQRT, op2(DOP_ADD, op2(DOP_MUL, a, a), C(2)));
	case 6: return op1(DOP_LOG, op2(DOP_ADD, op2(DOP_MUL, a, a), C(1)));
	default: return op1(DOP_NEG, a);
	}
}

static bool close_to(double a, double b, double rel)
{
	if (!isfinite(a) || !isfinite(b)) return false;
	return fabs(a - b) <= rel * (fabs(a) + fabs(b)) + 1e-12;
}

Test(dag, simplification_preserves_values_and_is_idempotent)
{
	for (int i = 0; i < 400; i++) {
		NodeId e = random_smooth(4);
		NodeId s = dag_simplify(&g, e);
		cr_assert_eq(dag_simplify(&g, s), s, "not idempotent: %s", text(e));
		for (int k = 0; k < 5; k++) {
			double p[3] = {urand(0.2, 3), urand(0.2, 3), urand(0.2, 3)};
			double a = eval_at(e, p), b = eval_at(s, p);
			if (!isfinite(a) || fabs(a) > 1e12) continue;
			cr_assert(close_to(a, b, 1e-9), "%s = %.17g but simplified %s = %.17g", text(e), a, text(s), b);
		}
	}
}

Test(dag, derivatives_match_central_differences)
{
	for (int i = 0; i < 300; i++) {
		NodeId e = random_smooth(3);
		NodeId d = dag_derive(&g, e, 0); /* by x */
		for (int k = 0; k < 3; k++) {
			double p[3] = {urand(0.5, 2), urand(0.5, 2), urand(0.5, 2)};
			double h = 1e-5 * (1 + fabs(p[0]));
			double up[3] = {p[0] + h, p[1], p[2]}, dn[3] = {p[0] - h, p[1], p[2]};
			double fd = (eval_at(e, up) - eval_at(e, dn)) / (2 * h);
			double an = eval_at(d, p);
			if (!isfinite(fd) || fabs(fd) > 1e6) continue;
			cr_assert(fabs(fd - an) <= 1e-5 * (1 + fabs(fd)), "d/dx %s: analytic %.12g, finite difference %.12g",
				  text(e), an, fd);
		}
	}
}

Test(dag, derivative_conventions_of_nonsmooth_ops)
{
	/* min(x, y): derivative by x is 1 where x < y, 0 where y < x */
	NodeId d = dag_derive(&g, op2(DOP_MIN, x, y), 0);
	cr_expect_eq(eval_at(d, (double[]){1, 2, 0}), 1);
	cr_expect_eq(eval_at(d, (double[]){3, 2, 0}), 0);
	d = dag_derive(&g, op1(DOP_ABS, x), 0);
	cr_expect_eq(eval_at(d, (double[]){-2, 0, 0}), -1);
	cr_expect_eq(eval_at(d, (double[]){2, 0, 0}), 1);
	d = dag_derive(&g, op1(DOP_CEIL, op2(DOP_MUL, x, C(3))), 0);
	cr_expect_eq(eval_at(d, (double[]){1.5, 0, 0}), 0);
	d = dag_derive(&g, dag_op(&g, DOP_SELECT, (NodeId[]){op2(DOP_LT, x, y), op2(DOP_MUL, x, x), y}, 3), 0);
	cr_expect_eq(eval_at(d, (double[]){1, 2, 0}), 2);
	cr_expect_eq(eval_at(d, (double[]){3, 2, 0}), 0);
}

Test(dag, derivatives_of_powers_with_constant_parts)
{
	/* d(0^y)/dx and d(0^x)/dx are 0, not 0 * log(0) (found by the SymPy oracle) */
	cr_expect_eq(dag_derive(&g, op2(DOP_POW, C(0), y), 0), C(0));
	cr_expect_eq(dag_derive(&g, op2(DOP_POW, C(0), x), 0), C(0));
	cr_expect_eq(dag_derive(&g, op2(DOP_POW, op2(DOP_SUB, y, y), x), 0), C(0));
	NodeId d = dag_derive(&g, op2(DOP_POW, C(2), x), 0); /* 2^x log 2 */
	cr_expect_float_eq(eval_at(d, (double[]){3, 0, 0}), 8 * log(2.0), 1e-15);
	d = dag_derive(&g, op2(DOP_POW, x, y), 0); /* y x^(y-1) */
	cr_expect_float_eq(eval_at(d, (double[]){2, 3, 0}), 12, 1e-15);
}

Test(dag, block_interpreter_equals_scalar_bit_for_bit)
{
	NodeId roots[20];
	for (int i = 0; i < 20; i++) roots[i] = random_smooth(4);
	roots[0] = dag_op(&g, DOP_MIN, (NodeId[]){x, y, z}, 3);
	roots[1] = dag_op(&g, DOP_SELECT, (NodeId[]){op2(DOP_LE, x, y), op1(DOP_CEIL, x), op1(DOP_FLOOR, y)}, 3);
	BcProgram *p = bc_compile(&g, roots, 20);
	enum { N = 1000 };
	double *in = malloc(N * 3 * sizeof *in), *out = malloc(N * 20 * sizeof *out), one[20];
	for (int i = 0; i < N * 3; i++) in[i] = urand(-3, 3);
	bc_eval_block(p, N, in, out);
	for (int i = 0; i < N; i++) {
		bc_eval(p, in + i * 3, one);
		cr_assert(memcmp(one, out + i * 20, sizeof one) == 0, "point %d differs", i);
	}
	free(in);
	free(out);
	bc_free(p);
}

Test(dag, printers)
{
	NodeId e = dag_simplify(&g, op2(DOP_DIV, op2(DOP_SUB, x, y), op1(DOP_SQRT, z)));
	Buf b = {0};
	cr_assert(dag_print(&b, &g, e, FMT_SYMPY, NULL, 0));
	cr_expect(strstr(b.s, "sqrt(z)") != NULL, "%s", b.s);
	b.len = 0;
	dag_print(&b, &g, dag_op(&g, DOP_SELECT, (NodeId[]){op2(DOP_LT, x, y), x, y}, 3), FMT_SYMPY, NULL, 0);
	cr_expect_str_eq(b.s, "Piecewise((x, x < y), (y, True))");
	b.len = 0;
	dag_print(&b, &g, dag_op(&g, DOP_MIN, (NodeId[]){x, y}, 2), FMT_SYMPY, NULL, 0);
	cr_expect_str_eq(b.s, "Min(x, y)");
	b.len = 0;
	dag_print(&b, &g, op2(DOP_DIV, x, y), FMT_LATEX, NULL, 0);
	cr_expect_str_eq(b.s, "\\frac{x}{y}");
	b.len = 0;
	NodeId shared = op2(DOP_MUL, x, y);
	dag_print(&b, &g, op2(DOP_ADD, shared, op1(DOP_LOG, shared)), FMT_SEXPR, NULL, 0);
	cr_expect(strstr(b.s, "= (mul x y)\n") != NULL, "%s", b.s);
	b.len = 0;
	/* a limit cuts the output and reports it */
	cr_expect_not(dag_print(&b, &g, op2(DOP_ADD, op1(DOP_LOG, x), op1(DOP_LOG, y)), FMT_INFIX, NULL, 8));
	buf_free(&b);
}
