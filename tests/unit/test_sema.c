/* test_sema.c -- names, dimensions, records, params and evaluation. */
#include "config.h"
#include <criterion/criterion.h>
#include <string.h>
#include "helpers.h"
#include "lang/parse.h"
#include "lang/schema.h"
#include <math.h>
#include <stdlib.h>

static void expect_output(const char *src, const char *want)
{
	Compiled *c = compile_text(src, true);
	cr_expect(c->ok, "errors in [%s]:\n%s", src, c->err.s);
	cr_expect_str_eq(c->out.s, want, "output of [%s]", src);
	compiled_free(c);
}

static void expect_error(const char *src, const char *fragment)
{
	Compiled *c = compile_text(src, false);
	cr_expect_not(c->ok, "no error in [%s]", src);
	cr_expect(strstr(c->err.s, fragment) != NULL, "[%s] gave:\n%s\nwanted: %s", src, c->err.s, fragment);
	compiled_free(c);
}

Test(sema, arithmetic_keeps_base_units)
{
	expect_output("print 80 GiB", "85899345920 B\n");
	expect_output("print 3.35 TB/s * 2 s", "6700000000000 B\n");
	expect_output("print 1 GB / 1 GiB", "0.9313225746154785\n");
	expect_output("print 700 W * 1 h", "2520000 J\n");
	expect_output("print sqrt(4 tok^2)", "2 tok\n");
	expect_output("print (2 s)^2", "4 s^2\n");
	expect_output("print min(1 s, 500 ms, 2 s)", "0.5 s\n");
	/* clamp(x, lo, hi) = min(max(x, lo), hi), as the compiler lowers it */
	expect_output("print clamp(2, 3, 1)", "1\n");
	expect_output("print clamp(5 s, 1 s, 3 s)", "3 s\n");
	expect_output("print if 1 s < 2 s then \"yes\" else \"no\"", "yes\n");
}

Test(sema, dimension_errors_name_both_sides)
{
	expect_error("const x = 80 GiB + 2 ms", "t.sgl:1:18: error: cannot add bytes [B] and time [s]");
	expect_error("const x = 1 s < 1 B", "cannot compare time [s] with bytes [B]");
	expect_error("const x = sqrt(2 s)", "square root of time [s]");
	expect_error("const x = 2 ^ (1 s)", "exponent must be dimensionless");
	expect_error("const x = min(1 s, 1 B)", "must have the same dimension");
	expect_error("workload w { arrival = poisson(25 tok) }", "'rate' of 'poisson' must be request rate [req/s]");
}

Test(sema, consts_and_metrics_in_any_order_and_cycles)
{
	expect_output("print b\nconst b = a * 2\nconst a = 3", "6\n");
	expect_error("const a = b\nconst b = a", "const 'a' is defined in terms of itself");
	expect_error("metric m = n\nmetric n = m", "defined in terms of itself");
}

Test(sema, records_inherit_and_bind_late)
{
	const char *src =
		"import dtypes\n"
		"model a { layers = 2; hidden = 4096; heads = 32; ffn = 1; vocab = 1; dtype = bf16 }\n"
		"model b : a { heads = 64 }\n"
		"model c = b { hidden = 8192 }\n"
		"print a.head_dim\nprint b.head_dim\nprint c.head_dim\nprint c.kv_heads\nprint c.dtype.bytes\n";
	expect_output(src, "128\n64\n128\n64\n2 B\n");
}

Test(sema, nested_blocks_merge_under_inheritance)
{
	const char *src =
		"gpu g { mem = 1 GB; flops { bf16 = 2 FLOP/s; fp8 = 4 FLOP/s } }\n"
		"gpu h : g { flops { fp8 = 8 FLOP/s } }\n"
		"print h.flops.bf16\nprint h.flops.fp8\nprint h.flops.fp32\nprint h.mem";
	expect_output(src, "2 FLOP/s\n8 FLOP/s\n0 FLOP/s\n1000000000 B\n");
}

Test(sema, print_of_a_record_shows_every_field_resolved)
{
	const char *src =
		"link l { bw = 2 B/s; latency = 1 us }\n"
		"gpu g { mem = 1 GB; cost = 2.5 USD/h; nvlink = l; flops { bf16 = 3 FLOP/s } }\n"
		"print g\n";
	expect_output(src,
		"gpu g {\n  mem = 1000000000 B\n  mem_bw = <not set>\n  flops {\n"
		"    fp32 = 0 FLOP/s\n    fp16 = 0 FLOP/s\n    bf16 = 3 FLOP/s\n    fp8 = 0 FLOP/s\n"
		"    int8 = 0 FLOP/s\n    int4 = 0 FLOP/s\n    fp4 = 0 FLOP/s\n  }\n"
		"  tdp = <not set>\n  idle_power = <not set>\n  cost = 2.5 USD/h\n  nvlink = l\n"
		"  compute_eff = 0.74\n  fp8_eff = 0.56\n  m_half = 70\n  bw_eff = 0.79\n  launch = 2.9e-06 s\n"
		"  wave_time = 3.6e-07 s\n  sms = 132\n  attn_eff = 0.61\n  attn_q_half = 770\n  attn_bw_eff = 0.83\n"
		"  attn_launch = 1.26e-05 s\n  mla_eff = 0.34\n  attn_block_time = 3.1e-06 s\n  moe_eff = 0.6\n"
		"  moe_bw_eff = 0.61\n  moe_overhead = 2.9e-05 s\n}\n");
}

Test(sema, self_refers_to_the_record_asked)
{
	expect_output("link l { bw = 2 B/s; latency = 1 B / self.bw }\nlink m : l { bw = 4 B/s }\nprint m.latency",
		      "0.25 s\n");
	expect_error("const x = self.bw", "'self' is only available inside a record's block");
}

Test(sema, record_fields_are_checked_against_the_schema)
{
	expect_error("gpu g { memory = 80 GiB }", "a gpu has no field 'memory'");
	expect_error("gpu g { memory = 80 GiB }", "did you mean 'mem'?");
	expect_error("gpu g { mem = 80 ms }", "field 'mem' of a gpu is bytes [B], but this is time [s]");
	expect_error("deployment d { cache { policy = lruu } }", "did you mean 'lru'?");
	expect_error("deployment d { cache = 3 }", "'cache' is a block");
	expect_error("gpu g { mem = 1 B; mem = 2 B }", "field 'mem' is given twice");
	expect_error("modle m { }", "unknown record kind 'modle'");
	expect_error("cache c { }", "written inside another record");
}

Test(sema, inline_records_and_contexts)
{
	const char *src =
		"import gpus\nimport models\n"
		"deployment d { model = llama31_8b { dtype = fp8 }; cluster { gpu = h100_sxm; nodes = 2 } }\n"
		"workload w { requests = 1 }\n"
		"metric kvb = model.dtype.bytes * cluster.nodes\n"
		"print kvb for d with w\nprint gpu.mem for d with w\n";
	expect_output(src, "2 B\n85899345920 B\n");
	expect_error("import models\nmetric m = model.layers\nprint m", "uses a bound record");
	expect_error("const x = model.layers", "'model' names the bound model");
}

Test(sema, params_domains_and_defaults)
{
	expect_error("param p in {}", "empty domain");
	expect_error("param p in 8 .. 1", "empty range");
	expect_error("param p in 1 .. 8 step 0", "step of a range must be positive");
	expect_error("param p in {1, 2, 4} = 3", "the default 3 is not in the domain {1, 2, 4}");
	expect_error("param p in 16 .. 512 step 16 = 100", "not in the domain 16 .. 512 step 16");
	expect_error("param p in {1 s, 2 B}", "this member is bytes [B]");
	expect_error("param p", "needs a domain");
	expect_error("param p in {1, 2}\nconst c = p * 2", "depends on a param");
	expect_output("param p in {2048, 4096} tok = 4096 tok\nprint 1", "1\n");
	/* a unit after a range is its last number's: the note spells the fix */
	expect_error("param r in 1 .. 30 step 1 req/s",
		     "t.sgl:1:25: error: this step is request rate [req/s], but the range starts with a dimensionless number");
	expect_error("param r in 1 .. 30 step 1 req/s", "note: write the unit on both bounds and the step: '1 req/s .. 30 req/s step 1 req/s'");
	expect_error("param r in 1 .. 30 ms", "note: write the unit on both bounds: '1 ms .. 30 ms'");
	expect_error("const a = 1\nparam r in a .. 30 ms", "note: write the unit on both bounds, e.g. '1 ms .. 10 ms'");
	/* ... which is why it cannot mean the whole range's: with a unit
	 * without dimension it is valid, a step of 0.05 */
	expect_error("param x in 0 .. 1 step 5 % = 0.03", "not in the domain 0 .. 1 step 0.05");
	expect_output("param x in 0 .. 1 step 5 % = 0.05\nprint 1", "1\n");
}

Test(sema, functions_are_checked_per_call_and_not_recursive)
{
	expect_output("fn f(a, b) = a * b\nprint f(2 s, 3 B)\nprint f(b = 2, a = 5)", "6 s*B\n10\n");
	expect_error("fn f(a) = a + 1 s\nconst x = f(1 B)", "in the call to 'f' here");
	expect_error("fn f(a) = g(a)\nfn g(a) = f(a)", "calls itself");
	expect_error("fn f(a) = a\nconst x = f(1, 2)", "too many arguments");
	expect_error("fn f(a, b) = a\nconst x = f(1)", "missing argument 'b'");
	expect_error("fn f(a) = a\nconst x = f(c = 1)", "has no parameter named 'c'");
	expect_error("fn f(a) = zz", "unknown name 'zz'");
	expect_error("fn min(a, b) = a", "built-in function");
}

Test(sema, exponential_inlining_is_bounded)
{
	/* each level calls the next twice: 2^40 inlined calls if not memoised */
	Buf b = {0};
	buf_puts(&b, "fn f0(x) = x + 1\n");
	for (int i = 1; i <= 40; i++)
		buf_printf(&b, "fn f%d(x) = f%d(x) + f%d(x)\n", i, i - 1, i - 1);
	buf_puts(&b, "metric m = f40(1)\n");
	Compiled *c = compile_text(b.s, false);
	cr_expect(c->ok, "%s", c->err.s);
	compiled_free(c);
	buf_free(&b);
}

Test(sema, imports_and_shadowing)
{
	expect_output("import gpus\ngpu h100_sxm { mem = 1 B }\nprint h100_sxm.mem", "1 B\n");
	expect_error("import gpuz", "did you mean 'gpus'?");
}

Test(schema, every_dimension_and_default_parses)
{
	for (size_t i = 0; schema_field_at(i); i++) {
		const FieldDef *f = schema_field_at(i);
		double mul, div;
		Dim d;
		size_t bo, bl;
		if (f->dimspec[0])
			cr_expect(unit_parse(f->dimspec, strlen(f->dimspec), &mul, &div, &d, &bo, &bl),
				  "dimension of %s.%s", schema_kind(f->rec)->name, f->name);
		if (f->deflt[0] && !(f->words[0] && schema_word_ok(f, f->deflt))) {
			Front fr;
			front_open(&fr, f->deflt);
			AstNode *e = parse_expr(&fr.a, &fr.d, fr.file);
			cr_expect(e && fr.d.errors == 0, "default of %s.%s: %s", schema_kind(f->rec)->name, f->name, f->deflt);
			front_close(&fr);
		}
	}
}

Test(schema, defaults_evaluate_to_the_declared_dimension)
{
	/* every top-level kind, declared empty: each numeric default that does
	 * not depend on other fields must print with the field's dimension */
	for (int k = 0; k < REC_COUNT; k++) {
		if (!schema_kind(k)->toplevel) continue;
		for (size_t i = 0; schema_field_at(i); i++) {
			const FieldDef *f = schema_field_at(i);
			if (f->rec != (RecKind)k || f->type != FT_NUM || !f->deflt[0] ||
			    strstr(f->deflt, "self") || (f->words[0] && schema_word_ok(f, f->deflt)))
				continue;
			char src[256];
			snprintf(src, sizeof src, "%s x { }\nprint x.%s - (%s)\n", schema_kind(k)->name, f->name, f->deflt);
			Compiled *c = compile_text(src, true);
			cr_expect(c->ok, "%s:\n%s", src, c->err.s);
			char want[64], dim[48];
			dim_format(schema_dim(f), dim, sizeof dim);
			snprintf(want, sizeof want, dim_is_none(schema_dim(f)) ? "0\n" : "0 %s\n", dim);
			cr_expect_str_eq(c->out.s, want, "%s", src);
			compiled_free(c);
		}
	}
}

/* `KIND x { FIELD = V }` for field f, written in a block of a top-level
 * kind when f's kind is only a block (pool in deployment.prefill); false
 * when no top-level kind holds it. */
static bool field_source(const FieldDef *f, double v, char *src, size_t n)
{
	if (schema_kind(f->rec)->toplevel) {
		snprintf(src, n, "%s x { %s = %.17g }\n", schema_kind(f->rec)->name, f->name, v);
		return true;
	}
	for (size_t i = 0; schema_field_at(i); i++) {
		const FieldDef *b = schema_field_at(i);
		if (b->type == FT_BLOCK && b->target == f->rec && schema_kind(b->rec)->toplevel) {
			snprintf(src, n, "%s x { %s { %s = %.17g } }\n", schema_kind(b->rec)->name, b->name, f->name, v);
			return true;
		}
	}
	return false;
}

Test(schema, simulation_limits_are_checked_at_the_value)
{
	/* every field with a RANGE_UPTO maximum: the maximum checks, one more
	 * is an error under the value (doc/limits.md, Simulating) */
	int limited = 0;
	for (size_t i = 0; schema_field_at(i); i++) {
		const FieldDef *f = schema_field_at(i);
		double max = schema_range_max(f);
		if (!isfinite(max)) continue;
		limited++;
		char src[256], want[256];
		cr_assert(field_source(f, max, src, sizeof src), "no record holds %s", f->name);
		Compiled *c = compile_text(src, false);
		cr_expect(c->ok, "%s:\n%s", src, c->err.s);
		compiled_free(c);
		field_source(f, max + 1, src, sizeof src);
		snprintf(want, sizeof want, "error: field '%s' is %.15g, more than %.15g, the most a simulation takes",
			 f->name, max + 1, max);
		expect_error(src, want);
	}
	/* requests, replicas, tp, dp, ep (deployment and pool), max_running
	 * (both), gpus_per_node, nodes, max_inflight, groups, turns */
	cr_expect_eq(limited, 16);
	expect_error("workload w { requests = 1e300 }", "t.sgl:1:25: error: field 'requests' is 1e+300, more than 1000000000");
	expect_error("const n = 1e6\nworkload w { requests = n * 1000 + 1 }", "t.sgl:2:25: error: field 'requests' is 1000000001");
	/* a formula of a free param is left to the simulation */
	Compiled *c = compile_text("param r in 1 .. 2000000\ndeployment d { replicas = r }", false);
	cr_expect(c->ok, "%s", c->err.s);
	compiled_free(c);
}

/* Published totals, from each model's card or safetensors metadata (cited
 * in stdlib/models.sgl); the derived counts must be within 2%. */
static const struct { const char *model; double total, active; } published[] = {
	{"llama2_7b", 6.74e9, 0}, {"llama2_13b", 13.0e9, 0}, {"llama2_70b", 69.0e9, 0},
	{"codellama_34b", 33.7e9, 0}, {"llama31_8b", 8.03e9, 0}, {"llama31_70b", 70.6e9, 0},
	{"llama31_405b", 405e9, 0}, {"mistral_7b", 7.24e9, 0}, {"mixtral_8x7b", 46.7e9, 12.9e9},
	{"mixtral_8x22b", 141e9, 39e9}, {"qwen25_7b", 7.61e9, 0}, {"qwen25_72b", 72.7e9, 0},
	{"qwen3_30b_a3b", 30.5e9, 3.3e9}, {"qwen3_235b_a22b", 235e9, 22e9},
	{"deepseek_v3", 671e9, 37e9},
	/* OpenAI's 5.13 B active excludes the input embedding (vocab x hidden) */
	{"gpt_oss_120b", 116.83e9, 5.13e9},
};

static double print_number(const char *src)
{
	Compiled *c = compile_text(src, true);
	cr_assert(c->ok, "%s\n%s", src, c->err.s);
	double v = strtod(c->out.s, NULL);
	compiled_free(c);
	return v;
}

Test(stdlib, derived_parameter_counts_match_published_totals)
{
	for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
		char src[256];
		snprintf(src, sizeof src, "import models\nprint %s.param_count\n", published[i].model);
		double total = print_number(src);
		cr_expect(fabs(total / published[i].total - 1) <= 0.02, "%s: derived %.4g, published %.4g",
			  published[i].model, total, published[i].total);
		if (!published[i].active) continue;
		const char *excl = strcmp(published[i].model, "gpt_oss_120b") ? "" : " - gpt_oss_120b.vocab * gpt_oss_120b.hidden";
		snprintf(src, sizeof src, "import models\nprint %s.active_param_count%s\n", published[i].model, excl);
		double active = print_number(src);
		cr_expect(fabs(active / published[i].active - 1) <= 0.02, "%s: derived active %.4g, published %.4g",
			  published[i].model, active, published[i].active);
	}
}

Test(stdlib, kv_bytes_per_token_from_the_architecture)
{
	/* Llama-3.1-8B: 2 (K and V) x 32 layers x 8 KV heads x 128 x 2 B = 128 KiB */
	cr_expect_eq(print_number("import models\nprint llama31_8b.kv_bytes_per_token * 1 tok\n"), 131072);
	/* DeepSeek-V3 MLA: 61 layers x (512 + 64) x 2 B (BF16 cache) */
	cr_expect_eq(print_number("import models\nprint deepseek_v3.kv_bytes_per_token * 1 tok\n"), 61 * 576 * 2);
	/* an FP8 KV cache halves it; weights keep their own dtype */
	cr_expect_eq(print_number("import models\nmodel m = llama31_8b { kv_dtype = fp8 }\nprint m.kv_bytes_per_token * 1 tok\n"), 65536);
	cr_expect_eq(print_number("import models\nprint llama31_8b.weight_bytes / llama31_8b.param_count\n"), 2);
}
