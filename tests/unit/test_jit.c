/* test_jit.c -- the JIT tier against the bytecode interpreter.
 *
 * Random DAGs over every operator are compiled to bytecode and evaluated
 * at thousands of random points (zeros of both signs, huge and tiny
 * magnitudes, infinities, NaN) by bc_eval, bc_eval_block and the JIT's
 * scalar and batch functions; all four must agree bit for bit (any NaN
 * matches any NaN).  Also: the disk cache, the in-memory fallback, the
 * refusal paths, and the standalone library of jit_compile_to_file. */
#include "config.h"
#include <criterion/criterion.h>
#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "compiler/bytecode.h"
#include "compiler/dag.h"
#include "compiler/jit.h"

#ifdef HAVE_LIBGCCJIT
#define NEED_JIT() ((void)0)
#else
#define NEED_JIT() cr_skip_test("sglsim was built without libgccjit")
#endif

/* ------------------------------------------------------------ randomness */

typedef struct Rng {
	uint64_t s;
} Rng;

static uint64_t rnd(Rng *r) /* xorshift64* */
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static uint32_t below(Rng *r, uint32_t n) { return (uint32_t)(rnd(r) >> 33) % n; }
static double unit01(Rng *r) { return (double)(rnd(r) >> 11) / 9007199254740992.0; }

static const double specials[] = {
	0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 3.0, -3.0, 1e308, -1e308, 1e-308, 5e-324,
	INFINITY, -INFINITY,
};

/* A number from a mixture: special values, small integers (so that
 * comparisons, equality and select take both ways), ordinary values with
 * full mantissas (where a fused multiply-add would round differently),
 * wide magnitudes. */
static double rnd_value(Rng *r, bool allow_nan)
{
	uint32_t kind = below(r, 20);
	if (kind < 3) return specials[below(r, sizeof specials / sizeof *specials)];
	if (kind == 3 && allow_nan) return NAN;
	if (kind < 7) return (double)below(r, 5) - 2.0;
	double sign = below(r, 2) ? -1.0 : 1.0;
	if (kind < 16) return sign * unit01(r) * 10.0;
	return sign * (1.0 + unit01(r)) * pow(10.0, (double)below(r, 61) - 30.0);
}

/* ---------------------------------------------------------- random DAGs */

/* A random operand, biased to recent nodes so that programs get deep. */
static NodeId pick(Rng *r, const NodeId *pool, uint32_t n)
{
	return below(r, 3) ? pool[n - 1 - below(r, n < 8 ? n : 8)] : pool[below(r, n)];
}

/* A node of operator op over random pool members.  Products get some
 * x^-1 factors, which bc_compile turns into BC_DIV. */
static NodeId random_node(Dag *g, Rng *r, DagOp op, const NodeId *pool, uint32_t n)
{
	const DagOpInfo *info = dag_op_info(op);
	uint32_t nargs = info->arity < 0 ? 2 + below(r, 3) : (uint32_t)info->arity;
	NodeId args[4];
	for (uint32_t k = 0; k < nargs; k++) {
		args[k] = pick(r, pool, n);
		if (op == DOP_MUL && below(r, 3) == 0)
			args[k] = dag_op2(g, DOP_POW, args[k], dag_const(g, -1.0));
	}
	if (op == DOP_POW && below(r, 2)) /* small exponents keep values finite */
		args[1] = dag_const(g, (double)below(r, 7) - 3.0 + (below(r, 2) ? 0.5 : 0.0));
	if (op == DOP_LABEL) return dag_label(g, "lbl", args[0]);
	return dag_op(g, op, args, nargs);
}

/* `nodes` random operators over nparams params and a few constants. */
static BcProgram *random_program(Dag *g, Rng *r, uint32_t nparams, uint32_t nodes)
{
	uint32_t cap = nparams + 4 + nodes, n = 0;
	NodeId *pool = malloc(cap * sizeof *pool);
	for (uint32_t k = 0; k < nparams; k++) {
		char name[16];
		snprintf(name, sizeof name, "p%u", k);
		pool[n++] = dag_param(g, dag_add_param(g, name, dim_none));
	}
	for (uint32_t k = 0; k < 4; k++) pool[n++] = dag_const(g, rnd_value(r, false));
	for (uint32_t k = 0; k < nodes; k++) {
		/* half arithmetic, half any operator */
		static const DagOp arith[] = {DOP_ADD, DOP_MUL, DOP_SUB, DOP_DIV, DOP_NEG};
		DagOp op = arith[below(r, sizeof arith / sizeof *arith)];
		if (below(r, 2))
			do op = (DagOp)below(r, DOP_COUNT);
			while (op == DOP_CONST || op == DOP_PARAM);
		NodeId id = random_node(g, r, op, pool, n);
		pool[n++] = id;
	}
	/* Outputs: the last node and a third of the others, so that few
	 * differences hide behind a later comparison or overflow, while most
	 * values have a single use (GCC fuses a*b+c only then). */
	NodeId *roots = malloc(n * sizeof *roots);
	uint32_t nout = 0;
	for (uint32_t k = 0; k + 1 < n; k++)
		if (below(r, 3) == 0) roots[nout++] = pool[k];
	roots[nout++] = pool[n - 1];
	BcProgram *p = bc_compile(g, roots, nout);
	free(roots);
	free(pool);
	return p;
}

/* ---------------------------------------------------------- comparisons */

static bool same_bits(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static bool all_finite(const double *x, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		if (!isfinite(x[k])) return false;
	return true;
}

typedef int (*ScalarFn)(const double *, double *);
typedef void (*BatchFn)(long, const double *, double *);

/* Evaluates p at n random points with the interpreter (point by point and
 * blocked) and with the given compiled functions; requires equal bits. */
static void check_equal(const BcProgram *p, ScalarFn scalar, BatchFn batch, Rng *r, size_t n, int id)
{
	size_t np = p->nparams, no = p->nout;
	double *in = malloc((n * np + 1) * sizeof *in);
	double *ref = malloc((n * no + 1) * sizeof *ref);
	double *blk = malloc((n * no + 1) * sizeof *blk);
	double *js = malloc((n * no + 1) * sizeof *js);
	double *jb = malloc((n * no + 1) * sizeof *jb);
	for (size_t i = 0; i < n * np; i++) in[i] = rnd_value(r, true);
	for (size_t j = 0; j < n; j++) {
		bc_eval(p, in + j * np, ref + j * no);
		int bad = scalar(in + j * np, js + j * no);
		if (bad != !all_finite(ref + j * no, (uint32_t)no))
			cr_assert_fail("program %d point %zu: jit returned %d", id, j, bad);
	}
	bc_eval_block(p, n, in, blk);
	batch((long)n, in, jb);
	for (size_t i = 0; i < n * no; i++) {
		if (same_bits(ref[i], blk[i]) && same_bits(ref[i], js[i]) && same_bits(ref[i], jb[i]))
			continue;
		cr_assert_fail("program %d point %zu output %zu: eval %a, block %a, jit %a, jit batch %a",
			       id, i / no, i % no, ref[i], blk[i], js[i], jb[i]);
	}
	free(in);
	free(ref);
	free(blk);
	free(js);
	free(jb);
}

/* --------------------------------------------------------- temp folders */

static char *temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = malloc(4096);
	snprintf(t, 4096, "%s/sglsim-jit-XXXXXX", base && *base ? base : "/tmp");
	cr_assert(mkdtemp(t), "mkdtemp %s", t);
	return t;
}

static void remove_dir(char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

static size_t count_files(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d) closedir(d);
	return n;
}

/* How many random programs a test compiles: n, or 3 under valgrind
 * (make check-valgrind), where each compile takes seconds. */
static int programs(int n)
{
	const char *v = getenv("SGLSIM_VALGRIND");
	return v && *v ? 3 : n;
}

/* jit_compile that must succeed. */
static Jit *compile_ok(const BcProgram *p)
{
	char *why = NULL;
	Jit *j = jit_compile(p, &why);
	cr_assert(j, "jit_compile failed: %s", why ? why : "(no reason)");
	cr_assert_null(why);
	cr_assert(jit_scalar(j) && jit_batch(j));
	return j;
}

/* ----------------------------------------------------------------- tests */

Test(jit, random_programs_are_bit_identical_to_the_interpreter, .timeout = 60)
{
	NEED_JIT();
	char *dir = temp_dir();
	setenv("SGLSIM_CACHE_DIR", dir, 1);
	/* programs from r, points from rp: the same 20 programs whether or not
	 * all are compiled (under valgrind only the first few are), so the
	 * opcode coverage below is checked over all 20 either way */
	Rng r = {0x5eed5eed12345678ull}, rp = {0x9e3779b97f4a7c15ull};
	uint32_t ops_seen[BC_COUNT] = {0};
	for (int id = 0; id < 20; id++) {
		Dag g;
		dag_init(&g);
		BcProgram *p = random_program(&g, &r, 1 + below(&r, 6), 20 + below(&r, 120));
		for (uint32_t i = 0; i < p->ncode; i++) ops_seen[p->code[i].op]++;
		if (id < programs(20)) {
			Jit *j = compile_ok(p);
			check_equal(p, jit_scalar(j), jit_batch(j), &rp, 3000 + below(&rp, 600), id);
			jit_free(j);
		}
		bc_free(p);
		dag_free(&g);
	}
	for (int op = 0; op < BC_COUNT; op++)
		cr_expect(ops_seen[op] > 0, "no random program used opcode %s", bc_op_name((BcOp)op));
	remove_dir(dir);
}

/* Shapes GCC would fuse into one multiply-add (rounding once) unless told
 * -ffp-contract=off; each product has a single use, as fusing requires. */
Test(jit, no_fused_multiply_add)
{
	NEED_JIT();
	char *dir = temp_dir();
	setenv("SGLSIM_CACHE_DIR", dir, 1);
	Dag g;
	dag_init(&g);
	static const char *const names[4] = {"a", "b", "c", "d"};
	NodeId x[4];
	for (uint32_t k = 0; k < 4; k++) x[k] = dag_param(&g, dag_add_param(&g, names[k], dim_none));
	NodeId roots[4] = {
		dag_op2(&g, DOP_ADD, dag_op2(&g, DOP_MUL, x[0], x[1]), x[2]),
		dag_op2(&g, DOP_SUB, dag_op2(&g, DOP_MUL, x[1], x[2]), x[3]),
		dag_op2(&g, DOP_SUB, x[0], dag_op2(&g, DOP_MUL, x[2], x[3])),
		dag_op2(&g, DOP_ADD, dag_op2(&g, DOP_MUL, x[0], x[2]), dag_op2(&g, DOP_MUL, x[1], x[3])),
	};
	BcProgram *p = bc_compile(&g, roots, 4);
	Jit *j = compile_ok(p);
	Rng r = {2024};
	double in[4], ref[4], js[4];
	for (int i = 0; i < 20000; i++) {
		for (int k = 0; k < 4; k++) in[k] = (unit01(&r) - 0.5) * 20.0;
		bc_eval(p, in, ref);
		jit_scalar(j)(in, js);
		for (int k = 0; k < 4; k++)
			cr_assert(same_bits(ref[k], js[k]), "output %d at (%a, %a, %a, %a): eval %a, jit %a",
				  k, in[0], in[1], in[2], in[3], ref[k], js[k]);
	}
	check_equal(p, jit_scalar(j), jit_batch(j), &r, 5000, 0);
	jit_free(j);
	bc_free(p);
	dag_free(&g);
	remove_dir(dir);
}

/* The lanes evaluator over random programs: random params flagged
 * uniform are read from the first row only (the other rows hold garbage
 * there), so the reference is the interpreter on rows whose uniform params
 * are the first row's.  Several calls per program, each n a multiple of
 * JIT_LANES. */
Test(jit, lanes_are_bit_identical_to_the_interpreter, .timeout = 60)
{
	NEED_JIT();
	char *dir = temp_dir();
	setenv("SGLSIM_CACHE_DIR", dir, 1);
	Rng r = {0x1a9e51a9e5ull};
	for (int id = 0; id < programs(16); id++) {
		Dag g;
		dag_init(&g);
		BcProgram *p = random_program(&g, &r, 1 + below(&r, 6), 20 + below(&r, 120));
		size_t np = p->nparams, no = p->nout;
		bool uniform[8];
		for (size_t k = 0; k < np; k++) uniform[k] = below(&r, 2);
		char *why = NULL;
		Jit *j = jit_compile_lanes(p, uniform, &why);
		cr_assert(j && jit_lanes(j), "jit_compile_lanes failed: %s", why ? why : "(no reason)");
		for (int call = 0; call < 4; call++) {
			size_t n = JIT_LANES * (1 + below(&r, 40));
			double *in = malloc(n * np * sizeof *in), *fixed = malloc(n * np * sizeof *fixed);
			double *ref = malloc((n * no + 1) * sizeof *ref), *got = malloc((n * no + 1) * sizeof *got);
			for (size_t i = 0; i < n * np; i++) in[i] = fixed[i] = rnd_value(&r, true);
			for (size_t i = 1; i < n; i++)
				for (size_t k = 0; k < np; k++)
					if (uniform[k]) fixed[i * np + k] = fixed[k];
			bc_eval_block(p, n, fixed, ref);
			jit_lanes(j)((long)n, in, got);
			for (size_t i = 0; i < n * no; i++)
				if (!same_bits(ref[i], got[i]))
					cr_assert_fail("program %d call %d point %zu output %zu: eval %a, lanes %a",
						       id, call, i / no, i % no, ref[i], got[i]);
			free(in);
			free(fixed);
			free(ref);
			free(got);
		}
		jit_free(j);
		bc_free(p);
		dag_free(&g);
	}
	remove_dir(dir);
}

/* The lanes compute ceil and floor arithmetically (jit_lanes.c): every
 * boundary of that method against libm's bits. */
Test(jit, lanes_ceil_and_floor_match_libm)
{
	NEED_JIT();
	char *dir = temp_dir();
	setenv("SGLSIM_CACHE_DIR", dir, 1);
	const double two52 = 4503599627370496.0;
	const double edge[] = {
		0.0, -0.0, 0.5, -0.5, 0.49999999999999994, -0.49999999999999994, 1.0, -1.0, 1.5, -1.5,
		2.5, -2.5, 0.7, -0.7, 1e-300, -1e-300, 5e-324, -5e-324, two52, -two52, two52 - 0.5,
		-(two52 - 0.5), two52 - 1, -(two52 - 1), two52 + 1, -(two52 + 1), 2 * two52, -2 * two52,
		two52 / 2 + 0.5, -(two52 / 2 + 0.5), 1e300, -1e300, INFINITY, -INFINITY, NAN,
	};
	enum { NE = sizeof edge / sizeof *edge, N = 8 * JIT_LANES * 16 };
	Dag g;
	dag_init(&g);
	NodeId x = dag_param(&g, dag_add_param(&g, "x", dim_none));
	NodeId roots[2] = {dag_op1(&g, DOP_CEIL, x), dag_op1(&g, DOP_FLOOR, x)};
	BcProgram *p = bc_compile(&g, roots, 2);
	bool uniform[1] = {false};
	Jit *j = jit_compile_lanes(p, uniform, NULL);
	cr_assert(j && jit_lanes(j));
	Rng r = {0xce11f1002ull};
	double in[N], out[2 * N];
	for (size_t i = 0; i < N; i++)
		in[i] = i < NE ? edge[i] : (below(&r, 2) ? -1 : 1) * (double)below(&r, 1000) / 8.0 + rnd_value(&r, false) * (i % 2);
	jit_lanes(j)(N, in, out);
	for (size_t i = 0; i < N; i++) {
		cr_expect(same_bits(out[2 * i], ceil(in[i])), "ceil(%a): lanes %a, libm %a", in[i], out[2 * i], ceil(in[i]));
		cr_expect(same_bits(out[2 * i + 1], floor(in[i])), "floor(%a): lanes %a, libm %a", in[i], out[2 * i + 1], floor(in[i]));
	}
	jit_free(j);
	bc_free(p);
	dag_free(&g);
	remove_dir(dir);
}

/* Constants of every special kind, and a program without outputs. */
Test(jit, constants_and_empty_programs)
{
	NEED_JIT();
	char *dir = temp_dir();
	setenv("SGLSIM_CACHE_DIR", dir, 1);
	Dag g;
	dag_init(&g);
	NodeId roots[sizeof specials / sizeof *specials];
	for (size_t k = 0; k < sizeof specials / sizeof *specials; k++) roots[k] = dag_const(&g, specials[k]);
	BcProgram *p = bc_compile(&g, roots, sizeof roots / sizeof *roots);
	Jit *j = compile_ok(p);
	double out[sizeof roots / sizeof *roots];
	cr_expect_eq(jit_scalar(j)(NULL, out), 1, "infinite outputs make eval return 1");
	for (size_t k = 0; k < sizeof roots / sizeof *roots; k++)
		cr_expect(same_bits(out[k], specials[k]), "constant %zu: %a, want %a", k, out[k], specials[k]);
	jit_free(j);
	bc_free(p);

	p = bc_compile(&g, roots, 0);
	j = compile_ok(p);
	cr_expect_eq(jit_scalar(j)(NULL, out), 0);
	jit_batch(j)(5, NULL, out);
	jit_free(j);
	bc_free(p);
	dag_free(&g);
	remove_dir(dir);
}

/* One small program of every operator, for the cache tests. */
static BcProgram *sample_program(Dag *g)
{
	dag_init(g);
	NodeId x = dag_param(g, dag_add_param(g, "x", dim_none));
	NodeId y = dag_param(g, dag_add_param(g, "y", dim_none));
	NodeId s = dag_op2(g, DOP_ADD, x, dag_op2(g, DOP_POW, y, dag_const(g, 0.5)));
	NodeId m = dag_op2(g, DOP_MIN, s, dag_op1(g, DOP_EXP, y));
	NodeId q = dag_op2(g, DOP_MUL, m, dag_op2(g, DOP_POW, x, dag_const(g, -1.0)));
	NodeId sel[3] = {dag_op2(g, DOP_LT, x, y), q, dag_op1(g, DOP_LOG, x)};
	NodeId roots[2] = {dag_op(g, DOP_SELECT, sel, 3), dag_op1(g, DOP_CEIL, s)};
	return bc_compile(g, roots, 2);
}

Test(jit, second_compile_hits_the_disk_cache)
{
	NEED_JIT();
	char *dir = temp_dir();
	setenv("SGLSIM_CACHE_DIR", dir, 1);
	Dag g;
	BcProgram *p = sample_program(&g);
	Jit *a = compile_ok(p);
	cr_expect_not(jit_cache_hit(a), "first compile must miss");
	cr_expect_eq(count_files(dir), 1, "one library, no temporary left");
	Jit *b = compile_ok(p);
	cr_expect(jit_cache_hit(b), "second compile must hit");
	Rng r = {42};
	check_equal(p, jit_scalar(b), jit_batch(b), &r, 1000, 0);
	jit_free(a);
	jit_free(b);

	/* a different program is a different file */
	p->code[p->ncode - 1].op = BC_FLOOR;
	Jit *c = compile_ok(p);
	cr_expect_not(jit_cache_hit(c));
	cr_expect_eq(count_files(dir), 2);
	check_equal(p, jit_scalar(c), jit_batch(c), &r, 1000, 1);
	jit_free(c);
	bc_free(p);
	dag_free(&g);
	remove_dir(dir);
}

/* A cache folder others may write to is not trusted: compile in memory. */
Test(jit, unsafe_or_missing_cache_folder_compiles_in_memory)
{
	NEED_JIT();
	char *dir = temp_dir();
	chmod(dir, 0777);
	setenv("SGLSIM_CACHE_DIR", dir, 1);
	Dag g;
	BcProgram *p = sample_program(&g);
	Rng r = {7};
	for (int k = 0; k < 2; k++) {
		Jit *j = compile_ok(p);
		cr_expect_not(jit_cache_hit(j));
		check_equal(p, jit_scalar(j), jit_batch(j), &r, 500, k);
		jit_free(j);
	}
	cr_expect_eq(count_files(dir), 0);
	setenv("SGLSIM_CACHE_DIR", "/proc/self/no/such/folder", 1);
	Jit *j = compile_ok(p);
	cr_expect_not(jit_cache_hit(j));
	jit_free(j);
	bc_free(p);
	dag_free(&g);
	remove_dir(dir);
}

/* Without `as` the JIT must refuse, not let gcc's driver exit the
 * process (TOOLCHAIN.md). */
Test(jit, missing_assembler_is_an_error)
{
	NEED_JIT();
	char *dir = temp_dir();
	setenv("SGLSIM_CACHE_DIR", dir, 1);
	setenv("PATH", dir, 1);
	Dag g;
	BcProgram *p = sample_program(&g);
	char *why = NULL;
	cr_expect_null(jit_compile(p, &why));
	cr_assert_not_null(why);
	cr_expect(strstr(why, "`as`"), "why: %s", why);
	free(why);
	bc_free(p);
	dag_free(&g);
	remove_dir(dir);
}

Test(jit, malformed_bytecode_is_refused)
{
	NEED_JIT();
	BcInsn code[2] = {{BC_PARAM, 0, 0, 0, 0}, {BC_ADD, 0, 5, 0, 0}};
	uint32_t outs[1] = {1};
	BcProgram p = {code, 2, 1, 1, outs};
	char *why = NULL;
	cr_expect_null(jit_compile(&p, &why));
	cr_assert_not_null(why);
	cr_expect(strstr(why, "register 5"), "why: %s", why);
	free(why);
}

Test(jit, standalone_library_exports_the_abi)
{
	NEED_JIT();
	char *dir = temp_dir();
	char so[4200], h[4200];
	snprintf(so, sizeof so, "%s/model.so", dir);
	snprintf(h, sizeof h, "%s/model.h", dir);
	Dag g;
	BcProgram *p = sample_program(&g);
	const char *params[] = {"x", "y"}, *metrics[] = {"latency", "ceiling"}, *units[] = {"s", "tok/s"};
	char *why = NULL;
	umask(022);
	int rc = jit_compile_to_file(p, params, metrics, units, so, h, NULL, &why);
	cr_assert_eq(rc, 0, "jit_compile_to_file: %s", why ? why : "?");
	struct stat st;
	cr_assert_eq(stat(so, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0755, "library mode %o", (unsigned)(st.st_mode & 0777));
	cr_assert_eq(stat(h, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0644, "header mode %o", (unsigned)(st.st_mode & 0777));

	void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	cr_assert(dl, "dlopen: %s", dlerror());
	const int *abi = dlsym(dl, "sglsim_abi_version"), *np = dlsym(dl, "sglsim_n_params");
	const int *nm = dlsym(dl, "sglsim_n_metrics");
	const char *const *pn = dlsym(dl, "sglsim_param_names");
	const char *const *mn = dlsym(dl, "sglsim_metric_names");
	const char *const *mu = dlsym(dl, "sglsim_metric_units");
	cr_assert(abi && np && nm && pn && mn && mu);
	cr_expect_eq(*abi, 1);
	cr_expect_eq(*np, 2);
	cr_expect_eq(*nm, 2);
	cr_expect_str_eq(pn[0], "x");
	cr_expect_str_eq(pn[1], "y");
	cr_expect_null(pn[2]);
	cr_expect_str_eq(mn[0], "latency");
	cr_expect_str_eq(mn[1], "ceiling");
	cr_expect_null(mn[2]);
	cr_expect_str_eq(mu[0], "s");
	cr_expect_str_eq(mu[1], "tok/s");
	cr_expect_null(mu[2]);
	cr_expect_null(dlsym(dl, "kernel"), "the kernel stays internal");
	ScalarFn scalar;
	BatchFn batch;
	void *s = dlsym(dl, "sglsim_eval"), *b = dlsym(dl, "sglsim_eval_batch");
	cr_assert(s && b);
	memcpy(&scalar, &s, sizeof s);
	memcpy(&batch, &b, sizeof b);
	Rng r = {99};
	check_equal(p, scalar, batch, &r, 2000, 0);
	dlclose(dl);

	FILE *f = fopen(h, "r");
	cr_assert(f);
	char text[8192];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	cr_expect(strstr(text, "int  sglsim_eval(const double *params, double *metrics);"));
	cr_expect(strstr(text, "void sglsim_eval_batch(long n, const double *params, double *metrics);"));
	cr_expect(strstr(text, "extern const char *const sglsim_metric_units[];"));
	cr_expect(strstr(text, "[0] latency [s]"), "header lists the metrics:\n%s", text);
	cr_expect_eq(count_files(dir), 2, "no temporaries left");

	/* the header is valid, strict C that links against the library */
	char use[4200], cmd[13000];
	snprintf(use, sizeof use, "%s/use.c", dir);
	f = fopen(use, "w");
	cr_assert(f);
	fputs("#include \"model.h\"\n"
	      "#include <stddef.h>\n"
	      "int main(void)\n"
	      "{\n"
	      "\tdouble p[2] = {3, 4}, m[2], mb[4];\n"
	      "\tint bad = sglsim_eval(p, m);\n"
	      "\tsglsim_eval_batch(1, p, mb);\n"
	      "\treturn sglsim_abi_version != 1 || sglsim_n_params != 2 || sglsim_n_metrics != 2\n"
	      "\t\t|| bad || m[0] != mb[0] || sglsim_metric_units[2] != NULL || !sglsim_param_names[1];\n"
	      "}\n", f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "cc -std=c11 -Wall -Wextra -pedantic -Werror -I'%s' '%s' '%s' -o '%s/use' && '%s/use'",
		 dir, use, so, dir, dir);
	cr_expect_eq(system(cmd), 0, "compiling and running a client failed: %s", cmd);
	bc_free(p);
	dag_free(&g);
	remove_dir(dir);
}

#ifndef HAVE_LIBGCCJIT
Test(jit, without_libgccjit_every_entry_point_refuses)
{
	Dag g;
	BcProgram *p = sample_program(&g);
	char *why = NULL;
	cr_expect_null(jit_compile(p, &why));
	cr_expect_str_eq(why, "sglsim was built without libgccjit");
	free(why);
	why = NULL;
	cr_expect_eq(jit_compile_to_file(p, NULL, NULL, NULL, "/nonexistent/x.so", NULL, NULL, &why), -1);
	cr_expect_str_eq(why, "sglsim was built without libgccjit");
	free(why);
	jit_free(NULL);
	bc_free(p);
	dag_free(&g);
}
#endif
