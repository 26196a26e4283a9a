/* test_graph.c -- formula graphs (compiler/graph.h): sharing, clusters,
 * metric names, values, formats, the node cap and write errors. */
#include "config.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "compiler/dag.h"
#include "compiler/graph.h"
#include "helpers.h"

/* The fixture DAG:
 *
 *   tpot = attention(mlp(sqrt(tp + batch) * 2.5) * tp^-1) + sqrt(tp + batch)
 *   ttft = max(batch, 3)
 *
 * sqrt(tp + batch) is shared between the inside of mlp and tpot itself, so
 * it belongs to no call; mlp is nested in attention. */
typedef struct Fixture {
	Dag g;
	NodeId roots[2];
	NodeId shared, mlp_mul, attention, mlp;
	char dir[64];
	char path[128];
} Fixture;

static const char *const names[] = {"tpot", "ttft"};

static void fixture_init(Fixture *f)
{
	Dag *g = &f->g;
	dag_init(g);
	NodeId tp = dag_param(g, dag_add_param(g, "tp", dim_none));
	NodeId batch = dag_param(g, dag_add_param(g, "batch", dim_none));
	f->shared = dag_op1(g, DOP_SQRT, dag_op2(g, DOP_ADD, tp, batch));
	f->mlp_mul = dag_op2(g, DOP_MUL, f->shared, dag_const(g, 2.5));
	f->mlp = dag_label(g, "mlp", f->mlp_mul);
	NodeId inv = dag_op2(g, DOP_POW, tp, dag_const(g, -1));
	f->attention = dag_label(g, "attention", dag_op2(g, DOP_MUL, f->mlp, inv));
	f->roots[0] = dag_op2(g, DOP_ADD, f->attention, f->shared);
	f->roots[1] = dag_op2(g, DOP_MAX, batch, dag_const(g, 3));
	strcpy(f->dir, "/tmp/sglgraphXXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
}

static void fixture_free(Fixture *f)
{
	dag_free(&f->g);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	cr_expect_eq(system(cmd), 0);
}

static const char *in_dir(Fixture *f, const char *file)
{
	snprintf(f->path, sizeof f->path, "%s/%s", f->dir, file);
	return f->path;
}


static int count(const char *text, const char *needle)
{
	int k = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) k++;
	return k;
}

static char *write_and_read(Fixture *f, const char *file, const GraphOptions *o)
{
	char *why = NULL;
	int rc = graph_write(&f->g, f->roots, names, 2, in_dir(f, file), o, &why);
	cr_assert_eq(rc, 0, "graph_write(%s) failed: %s", file, why ? why : "(no message)");
	cr_assert_null(why);
	char *text = test_slurp(f->path, NULL);
	cr_assert_not_null(text, "%s was not written", f->path);
	return text;
}

/* The Mermaid text between "subgraph <id>[" and its "end" (nested ones
 * included), copied (free it); NULL when absent. */
static char *mmd_subgraph(const char *text, NodeId call)
{
	char head[32];
	snprintf(head, sizeof head, "subgraph cl%u[", (unsigned)call);
	const char *p = strstr(text, head);
	if (!p) return NULL;
	int depth = 0;
	for (const char *q = p; *q; q = strchr(q, '\n') + 1) {
		const char *t = q + strspn(q, " ");
		if (!strncmp(t, "subgraph ", 9)) depth++;
		if (!strncmp(t, "end\n", 4) && --depth == 0) return strndup(p, (size_t)(t - p));
		if (!strchr(q, '\n')) break;
	}
	return NULL;
}

Test(graph, format_from_extension)
{
	GraphFormat f = GRAPH_MMD;
	cr_expect(graph_format_from_path("a.dot", &f) && f == GRAPH_DOT);
	cr_expect(graph_format_from_path("dir/a.gv", &f) && f == GRAPH_DOT);
	cr_expect(graph_format_from_path("a.SVG", &f) && f == GRAPH_SVG);
	cr_expect(graph_format_from_path("a.png", &f) && f == GRAPH_PNG);
	cr_expect(graph_format_from_path("a.mmd", &f) && f == GRAPH_MMD);
	cr_expect_not(graph_format_from_path("a.txt", &f));
	cr_expect_not(graph_format_from_path("a", &f));
	cr_expect_not(graph_format_from_path("dir.svg/a", &f));
}

Test(graph, dot_draws_shared_nodes_once_with_clusters_and_metrics)
{
	Fixture f;
	fixture_init(&f);
	char *dot = write_and_read(&f, "g.dot", NULL);
	cr_expect(!strncmp(dot, "digraph", 7), "DOT starts with: %.40s", dot);
	cr_expect_eq(count(dot, "sqrt"), 1, "the shared node is drawn once:\n%s", dot);
	char edge[32];
	snprintf(edge, sizeof edge, "-> n%u", (unsigned)f.shared);
	cr_expect_eq(count(dot, edge), 2, "the shared node has two users:\n%s", dot);
	cr_expect_eq(count(dot, "subgraph cluster_"), 2, "%s", dot);
	cr_expect_gt(count(dot, "attention"), 0);
	cr_expect_gt(count(dot, "mlp"), 0);
	cr_expect_gt(count(dot, "tpot"), 0);
	cr_expect_gt(count(dot, "ttft"), 0);
	cr_expect_gt(count(dot, "tp"), 0);
	free(dot);
	fixture_free(&f);
}

Test(graph, mermaid_nests_calls_and_keeps_shared_nodes_outside)
{
	Fixture f;
	fixture_init(&f);
	char *mmd = write_and_read(&f, "g.mmd", NULL);
	cr_expect(!strncmp(mmd, "flowchart TD\n", 13), "Mermaid starts with: %.40s", mmd);
	char shared[16], mul[16], mlp_head[32];
	snprintf(shared, sizeof shared, "n%u(", (unsigned)f.shared);
	snprintf(mul, sizeof mul, "n%u(", (unsigned)f.mlp_mul);
	snprintf(mlp_head, sizeof mlp_head, "subgraph cl%u[", (unsigned)f.mlp);
	cr_expect_eq(count(mmd, shared), 1, "%s", mmd);

	char *attention = mmd_subgraph(mmd, f.attention);
	char *mlp = mmd_subgraph(mmd, f.mlp);
	cr_assert_not_null(attention, "%s", mmd);
	cr_assert_not_null(mlp, "%s", mmd);
	cr_expect(strstr(attention, "\"attention\""), "%s", attention);
	cr_expect(strstr(attention, mlp_head), "mlp is nested in attention:\n%s", mmd);
	cr_expect(strstr(mlp, mul), "mlp's product is inside mlp:\n%s", mmd);
	cr_expect_null(strstr(attention, shared), "the shared sqrt is outside the calls:\n%s", mmd);
	cr_expect(strstr(mmd, "m0[\"tpot\"]"), "%s", mmd);
	cr_expect(strstr(mmd, "|exp|"), "pow's exponent edge is named:\n%s", mmd);
	free(attention);
	free(mlp);
	free(mmd);
	fixture_free(&f);
}

Test(graph, values_annotate_every_node)
{
	Fixture f;
	fixture_init(&f);
	double *values = calloc(f.g.n, sizeof *values);
	for (uint32_t id = 0; id < f.g.n; id++) values[id] = id + 0.25;
	GraphOptions o = {values, 0};
	char *mmd = write_and_read(&f, "v.mmd", &o);
	char want[64];
	snprintf(want, sizeof want, "\"tpot<br>= %u.25\"", (unsigned)f.roots[0]);
	cr_expect(strstr(mmd, want), "metric value %s in:\n%s", want, mmd);
	snprintf(want, sizeof want, "\"sqrt<br>= %u.25\"", (unsigned)f.shared);
	cr_expect(strstr(mmd, want), "node value %s in:\n%s", want, mmd);
	free(mmd);
	char *dot = write_and_read(&f, "v.dot", &o);
	snprintf(want, sizeof want, "sqrt\\n= %u.25", (unsigned)f.shared);
	cr_expect(strstr(dot, want), "node value %s in:\n%s", want, dot);
	free(dot);
	free(values);
	fixture_free(&f);
}

Test(graph, svg_renders_or_is_refused_without_graphviz)
{
	Fixture f;
	fixture_init(&f);
#ifdef HAVE_GVC
	char *svg = write_and_read(&f, "g.svg", NULL);
	cr_expect(!strncmp(svg, "<?xml", 5) || !strncmp(svg, "<svg", 4), "SVG starts with: %.40s", svg);
	cr_expect_gt(count(svg, "attention"), 0);
	free(svg);
	size_t len = 0;
	char *png = test_slurp(in_dir(&f, "g.png"), NULL);
	cr_expect_null(png);
	char *why = NULL;
	cr_expect_eq(graph_write(&f.g, f.roots, names, 2, f.path, NULL, &why), 0, "%s", why);
	png = test_slurp(f.path, &len);
	cr_assert_not_null(png);
	cr_expect(len > 8 && !memcmp(png, "\x89PNG", 4));
	free(png);
#else
	char *why = NULL;
	cr_expect_eq(graph_write(&f.g, f.roots, names, 2, in_dir(&f, "g.svg"), NULL, &why), -1);
	cr_expect_str_eq(why, "sglsim was built without Graphviz; write .dot or .mmd");
	cr_expect_neq(access(f.path, F_OK), 0);
	free(why);
#endif
	fixture_free(&f);
}

Test(graph, cap_refuses_big_graphs_and_writes_nothing)
{
	Fixture f;
	fixture_init(&f);
#ifdef HAVE_GVC
	const char *const files[] = {"big.dot", "big.mmd", "big.svg"};
#else
	const char *const files[] = {"big.dot", "big.mmd", "big.gv"};
#endif
	GraphOptions o = {NULL, 4};
	size_t n = dag_count(&f.g, f.roots, 2);
	char want[160];
	snprintf(want, sizeof want,
		 "graph has %zu nodes, more than the limit 4; bind params or pick a smaller metric", n);
	for (int i = 0; i < 3; i++) {
		char *why = NULL;
		cr_expect_eq(graph_write(&f.g, f.roots, names, 2, in_dir(&f, files[i]), &o, &why), -1);
		cr_expect_str_eq(why, want);
		cr_expect_neq(access(f.path, F_OK), 0, "%s was written", f.path);
		free(why);
	}
	o.max_nodes = n; /* exactly at the cap is fine */
	free(write_and_read(&f, "cap.dot", &o));
	fixture_free(&f);
}

Test(graph, unwritable_path_is_named)
{
	Fixture f;
	fixture_init(&f);
	const char *const paths[] = {"/nonexistent/dir/x.dot", "/nonexistent/dir/x.mmd"};
	for (int i = 0; i < 2; i++) {
		char *why = NULL;
		cr_expect_eq(graph_write(&f.g, f.roots, names, 2, paths[i], NULL, &why), -1);
		cr_assert_not_null(why);
		char want[96];
		snprintf(want, sizeof want, "cannot write %s: No such file or directory", paths[i]);
		cr_expect_str_eq(why, want);
		free(why);
	}
	char *why = NULL;
	cr_expect_eq(graph_write(&f.g, f.roots, names, 2, in_dir(&f, "x.txt"), NULL, &why), -1);
	cr_expect(why && strstr(why, "x.txt") && strstr(why, ".mmd"), "%s", why);
	free(why);
	fixture_free(&f);
}

Test(graph, constant_metric_and_missing_formula)
{
	Dag g;
	dag_init(&g);
	NodeId roots[2] = {dag_const(&g, 42), NODE_NONE};
	char dir[] = "/tmp/sglgraphXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof path, "%s/c.mmd", dir);
	char *why = NULL;
	cr_assert_eq(graph_write(&g, roots, NULL, 2, path, NULL, &why), 0, "%s", why);
	char *mmd = test_slurp(path, NULL);
	cr_expect(strstr(mmd, "\"42\""), "%s", mmd);
	cr_expect_eq(count(mmd, " --- "), 1, "%s", mmd);
	free(mmd);
	remove(path);
	rmdir(dir);
	dag_free(&g);
}
