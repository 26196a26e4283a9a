/* graph.c -- formula graphs as DOT, SVG, PNG and Mermaid (graph.h).
 *
 * Drawing happens in two steps.  build_scene() turns the DAG reachable from
 * the roots into a Scene: a flat list of drawn nodes (metrics, params,
 * constant copies, operators, calls), the edges between them and the tree
 * of clusters, with every label already written.  The writers then only
 * spell the scene out: by hand for Mermaid (and for DOT without Graphviz),
 * through cgraph for DOT, and through gvc for SVG and PNG.  Choices about
 * what the picture shows are made once, in the scene; choices about how it
 * looks are the attribute tables below, shared by both DOT writers.
 *
 * Clusters.  A node is drawn inside the innermost `fn` call (LABEL node)
 * that dominates it: every path from a metric down to the node passes
 * through that call.  Node ids are a topological order (operands are
 * smaller than their users), so one sweep from the largest id down finds
 * each node's immediate dominator as the common dominator-tree ancestor of
 * its users (compute_dominators).
 *
 *     metric --> [call f] --> x --> y        y is inside f, x too
 *         \                        ^
 *          '------> z ------------'          ...unless z (outside) uses y:
 *                                            then y's dominator is above f
 *
 * Everything the output needs lives in the scene's arena; the output is
 * assembled in memory and written to the file last, so errors leave no
 * file behind.
 */
#include "config.h"
#include "graph.h"
#include "print.h"
#include "lang/arena.h"
#include "runtime/heapstr.h"
#include "runtime/num.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef HAVE_GVC
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#endif

/* ------------------------------------------------------------ errors */


bool graph_format_from_path(const char *path, GraphFormat *f)
{
	static const struct { const char *ext; GraphFormat f; } exts[] = {
		{".dot", GRAPH_DOT}, {".gv", GRAPH_DOT}, {".svg", GRAPH_SVG},
		{".png", GRAPH_PNG}, {".mmd", GRAPH_MMD},
	};
	const char *dot = strrchr(path, '.');
	if (!dot || strchr(dot, '/')) return false;
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if (!strcasecmp(dot, exts[i].ext)) {
			*f = exts[i].f;
			return true;
		}
	return false;
}

/* ------------------------------------------------------------ the scene */

typedef enum Kind { K_METRIC, K_PARAM, K_CONST, K_OP, K_CALL } Kind;

typedef struct SNode {
	char name[24];   /* id in DOT and Mermaid: n<id>, c<k> (constant copy), m<k> (metric) */
	const char *label; /* lines separated by '\n' */
	Kind kind;
	int cluster;     /* index into Scene.clusters, -1 = top level */
} SNode;

typedef struct SEdge {
	uint32_t user, operand; /* indices into Scene.nodes; drawn user above operand */
	const char *role;       /* operand's role ("exp", "then"), NULL when order does not matter */
} SEdge;

typedef struct SCluster {
	NodeId call;            /* the LABEL node */
	const char *title;      /* the fn name */
	int parent;             /* enclosing cluster, -1 = top level */
	int depth;              /* 0 for a top-level cluster */
} SCluster;

typedef struct Scene {
	Arena arena;
	SNode *nodes;
	uint32_t nnodes;
	SEdge *edges;
	uint32_t nedges;
	SCluster *clusters;
	uint32_t nclusters;
} Scene;

static void scene_free(Scene *s)
{
	free(s->nodes);
	free(s->edges);
	free(s->clusters);
	arena_free(&s->arena);
}

/* Immediate dominators of the nodes marked in reach, over a virtual root
 * above all metrics (NODE_NONE).  enc[x] is the innermost LABEL node that
 * strictly dominates x, NODE_NONE when none does. */
typedef struct Dom {
	NodeId *idom;
	uint32_t *depth;  /* in the dominator tree; the virtual root has 0 */
	NodeId *enc;
} Dom;

static NodeId dom_meet(const Dom *d, NodeId a, NodeId b)
{
	while (a != b) {
		if (a == NODE_NONE || b == NODE_NONE) return NODE_NONE;
		if (d->depth[a] >= d->depth[b]) a = d->idom[a];
		else b = d->idom[b];
	}
	return a;
}

static void compute_dominators(const Dag *g, const uint8_t *reach, const uint8_t *is_root, Dom *d)
{
	uint8_t *seen = calloc(g->n + 1, 1); /* has a user been met yet */
	if (!seen) abort();
	for (uint32_t id = g->n; id-- > 0;) {
		if (!reach[id]) continue;
		/* every user has a larger id and is final by now */
		if (is_root[id]) d->idom[id] = NODE_NONE;
		NodeId up = d->idom[id];
		d->depth[id] = up == NODE_NONE ? 1 : d->depth[up] + 1;
		d->enc[id] = up == NODE_NONE ? NODE_NONE
			: dag_opof(g, up) == DOP_LABEL ? up : d->enc[up];
		const NodeId *a = dag_args(g, id);
		for (uint32_t k = 0; k < dag_node(g, id)->nargs; k++) {
			d->idom[a[k]] = seen[a[k]] ? dom_meet(d, d->idom[a[k]], id) : id;
			seen[a[k]] = 1;
		}
	}
	free(seen);
}

/* The role of operand k of op, for operators whose operand order matters. */
static const char *operand_role(DagOp op, uint32_t k)
{
	static const char *const select[] = {"cond", "then", "else"};
	static const char *const power[] = {"base", "exp"};
	static const char *const sides[] = {"lhs", "rhs"};
	switch (op) {
	case DOP_SELECT: return k < 3 ? select[k] : NULL;
	case DOP_POW: return k < 2 ? power[k] : NULL;
	case DOP_SUB: case DOP_DIV: case DOP_LT: case DOP_LE: case DOP_GT: case DOP_GE:
		return k < 2 ? sides[k] : NULL;
	default: return NULL;
	}
}

/* Label text of DAG node id, with its value on a second line when given. */
static const char *node_text(Scene *s, const Dag *g, NodeId id, const double *values)
{
	Buf b = {0};
	dag_node_label(&b, g, id);
	if (values && dag_opof(g, id) != DOP_CONST) {
		char v[48];
		num_format(v, sizeof v, values[id]);
		buf_printf(&b, "\n= %s", v);
	}
	const char *text = arena_strdup(&s->arena, b.s ? b.s : "");
	buf_free(&b);
	return text;
}

static uint32_t add_node(Scene *s, Kind kind, const char *label, int cluster, const char *prefix,
			 unsigned long n)
{
	SNode *x = &s->nodes[s->nnodes];
	snprintf(x->name, sizeof x->name, "%s%lu", prefix, n);
	x->label = label;
	x->kind = kind;
	x->cluster = cluster;
	return s->nnodes++;
}

static void add_edge(Scene *s, uint32_t user, uint32_t operand, const char *role)
{
	s->edges[s->nedges++] = (SEdge){user, operand, role};
}

/* The drawn node for operand id of a user drawn in cluster: DAG nodes are
 * drawn once (index in drawn[]), constants once per use. */
static uint32_t operand_node(Scene *s, const Dag *g, NodeId id, int cluster, const uint32_t *drawn)
{
	if (dag_opof(g, id) != DOP_CONST) return drawn[id];
	return add_node(s, K_CONST, node_text(s, g, id, NULL), cluster, "c", s->nnodes);
}

static Kind kind_of(DagOp op)
{
	return op == DOP_PARAM ? K_PARAM : op == DOP_CONST ? K_CONST : op == DOP_LABEL ? K_CALL : K_OP;
}

/* Fills s with the drawing of the DAG reachable from the roots.  reach
 * marks the reachable nodes (dag_count's set). */
static void build_scene(Scene *s, const Dag *g, const uint8_t *reach, const NodeId *roots,
			const char *const *root_names, size_t nroots, const double *values)
{
	memset(s, 0, sizeof *s);
	arena_init(&s->arena);

	/* sizes: every edge may bring its own constant copy */
	size_t nedges = nroots, nlabels = 0, nreach = 0;
	for (uint32_t id = 0; id < g->n; id++) {
		if (!reach[id]) continue;
		nreach++;
		nedges += dag_node(g, id)->nargs;
		nlabels += dag_opof(g, id) == DOP_LABEL;
	}
	s->nodes = xmalloc((nroots + nreach + nedges + 1) * sizeof *s->nodes);
	s->edges = xmalloc((nedges + 1) * sizeof *s->edges);
	s->clusters = xmalloc((nlabels + 1) * sizeof *s->clusters);

	uint8_t *is_root = calloc(g->n + 1, 1);
	if (!is_root) abort();
	Dom d = {xmalloc((g->n + 1) * sizeof(NodeId)), xmalloc((g->n + 1) * sizeof(uint32_t)),
		 xmalloc((g->n + 1) * sizeof(NodeId))};
	int *cluster_of_call = xmalloc((g->n + 1) * sizeof(int));
	uint32_t *drawn = xmalloc((g->n + 1) * sizeof(uint32_t));
	for (size_t r = 0; r < nroots; r++)
		if (roots[r] != NODE_NONE) is_root[roots[r]] = 1;
	compute_dominators(g, reach, is_root, &d);

	/* clusters, outermost first: a dominator has a larger id */
	for (uint32_t id = g->n; id-- > 0;) {
		if (!reach[id] || dag_opof(g, id) != DOP_LABEL) continue;
		int parent = d.enc[id] == NODE_NONE ? -1 : cluster_of_call[d.enc[id]];
		cluster_of_call[id] = (int)s->nclusters;
		s->clusters[s->nclusters++] = (SCluster){
			id, g->labels[dag_node(g, id)->sym], parent,
			parent < 0 ? 0 : s->clusters[parent].depth + 1};
	}

	/* metrics on top, then the DAG nodes users first; constants come with
	 * their edges */
	for (size_t r = 0; r < nroots; r++) {
		const char *name = root_names && root_names[r] ? root_names[r] : "?";
		const char *label = name;
		if (values && roots[r] != NODE_NONE) {
			char v[48];
			num_format(v, sizeof v, values[roots[r]]);
			label = arena_printf(&s->arena, "%s\n= %s", name, v);
		}
		add_node(s, K_METRIC, label, -1, "m", r);
	}
	for (uint32_t id = g->n; id-- > 0;) {
		DagOp op = dag_opof(g, id);
		if (!reach[id] || op == DOP_CONST) continue;
		int cluster = op == DOP_LABEL ? cluster_of_call[id]
			: d.enc[id] == NODE_NONE ? -1 : cluster_of_call[d.enc[id]];
		drawn[id] = add_node(s, kind_of(op), node_text(s, g, id, values), cluster, "n", id);
	}

	for (size_t r = 0; r < nroots; r++)
		if (roots[r] != NODE_NONE)
			add_edge(s, (uint32_t)r, operand_node(s, g, roots[r], -1, drawn), NULL);
	for (uint32_t id = g->n; id-- > 0;) {
		DagOp op = dag_opof(g, id);
		if (!reach[id] || op == DOP_CONST) continue;
		const NodeId *a = dag_args(g, id);
		int cluster = s->nodes[drawn[id]].cluster;
		for (uint32_t k = 0; k < dag_node(g, id)->nargs; k++)
			add_edge(s, drawn[id], operand_node(s, g, a[k], cluster, drawn),
				 operand_role(op, k));
	}

	free(is_root);
	free(d.idom);
	free(d.depth);
	free(d.enc);
	free(cluster_of_call);
	free(drawn);
}

/* ------------------------------------------------------------ looks */

typedef struct Attr {
	const char *key, *value;
} Attr;

/* Shared by the cgraph and the hand-written DOT; NULL-terminated. */
static const Attr graph_attrs[] = {
	{"rankdir", "TB"}, {"nodesep", "0.25"}, {"ranksep", "0.35"},
	{"fontname", "Helvetica"}, {"fontsize", "11"}, {NULL, NULL},
};
static const Attr node_defaults[] = {
	{"fontname", "Helvetica"}, {"fontsize", "11"}, {"shape", "ellipse"},
	{"height", "0.3"}, {"margin", "0.06,0.03"}, {NULL, NULL},
};
static const Attr edge_defaults[] = {
	{"dir", "back"}, {"arrowsize", "0.6"}, {"color", "#555555"},
	{"fontname", "Helvetica"}, {"fontsize", "8"}, {"fontcolor", "#777777"},
	{NULL, NULL},
};
static const Attr kind_attrs[][5] = {
	[K_METRIC] = {{"shape", "box"}, {"style", "filled,bold"}, {"fillcolor", "#d6e4f5"},
		      {"fontsize", "12"}, {NULL, NULL}},
	[K_PARAM] = {{"shape", "box"}, {"style", "filled"}, {"fillcolor", "#fff2cc"}, {NULL, NULL}},
	[K_CONST] = {{"shape", "plaintext"}, {"fontsize", "9"}, {"height", "0.2"},
		     {"width", "0.2"}, {NULL, NULL}},
	[K_OP] = {{NULL, NULL}},
	[K_CALL] = {{"shape", "box"}, {"style", "rounded,filled"}, {"fillcolor", "#e4e4e4"},
		    {NULL, NULL}},
};
/* Clusters alternate fills by nesting depth so nested calls stand out. */
static const char *const cluster_fill[] = {"#f3f7fb", "#fbf6ee"};
static const Attr cluster_attrs[] = {
	{"style", "rounded,filled"}, {"color", "#9aa5b1"}, {"fontsize", "10"},
	{"labeljust", "l"}, {NULL, NULL},
};

/* Graphs past this many drawn nodes get cheaper layout settings: dot's
 * crossing minimization and network simplex are what make odd 100-node
 * graphs take seconds (TOOLCHAIN.md). */
enum { BIG_GRAPH = 80 };
static const Attr big_graph_attrs[] = {
	{"mclimit", "0.3"}, {"nslimit", "3"}, {"nslimit1", "3"}, {"searchsize", "10"},
	{NULL, NULL},
};

/* DOT label text: '\n' becomes the DOT line break, backslashes are kept
 * literal.  Quotes are left to the writer (agwrite escapes its own). */
static const char *dot_text(Arena *a, const char *s)
{
	Buf b = {0};
	for (; *s; s++) {
		if (*s == '\n') buf_puts(&b, "\\n");
		else if (*s == '\\') buf_puts(&b, "\\\\");
		else buf_putc(&b, *s);
	}
	const char *out = arena_strdup(a, b.s ? b.s : "");
	buf_free(&b);
	return out;
}

/* ------------------------------------------------------------ Mermaid */

static void mmd_text(Buf *out, const char *s)
{
	buf_putc(out, '"');
	for (; *s; s++) {
		switch (*s) {
		case '\n': buf_puts(out, "<br>"); break;
		case '"': buf_puts(out, "#quot;"); break;
		case '#': buf_puts(out, "#35;"); break;
		case '<': buf_puts(out, "#lt;"); break;
		case '>': buf_puts(out, "#gt;"); break;
		case '&': buf_puts(out, "#amp;"); break;
		default: buf_putc(out, *s);
		}
	}
	buf_putc(out, '"');
}

static void mmd_node(Buf *out, const SNode *x, int indent)
{
	static const char *const open[] = {
		[K_METRIC] = "[", [K_PARAM] = "[", [K_CONST] = "[", [K_OP] = "([", [K_CALL] = "("};
	static const char *const close[] = {
		[K_METRIC] = "]", [K_PARAM] = "]", [K_CONST] = "]", [K_OP] = "])", [K_CALL] = ")"};
	static const char *const css[] = {
		[K_METRIC] = "metric", [K_PARAM] = "param", [K_CONST] = "num", [K_OP] = "op",
		[K_CALL] = "call"};
	buf_printf(out, "%*s%s%s", indent, "", x->name, open[x->kind]);
	mmd_text(out, x->label);
	buf_printf(out, "%s:::%s\n", close[x->kind], css[x->kind]);
}

static void mmd_cluster(Buf *out, const Scene *s, int c, int indent)
{
	for (uint32_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].cluster == c) mmd_node(out, &s->nodes[i], indent);
	for (uint32_t k = 0; k < s->nclusters; k++) {
		if (s->clusters[k].parent != c) continue;
		buf_printf(out, "%*ssubgraph cl%u[", indent, "", (unsigned)s->clusters[k].call);
		mmd_text(out, s->clusters[k].title);
		buf_puts(out, "]\n");
		mmd_cluster(out, s, (int)k, indent + 2);
		buf_printf(out, "%*send\n", indent, "");
	}
}

static void write_mermaid(Buf *out, const Scene *s)
{
	buf_puts(out, "flowchart TD\n");
	mmd_cluster(out, s, -1, 2);
	for (uint32_t e = 0; e < s->nedges; e++) {
		const SEdge *x = &s->edges[e];
		if (x->role)
			buf_printf(out, "  %s ---|%s| %s\n", s->nodes[x->user].name, x->role,
				   s->nodes[x->operand].name);
		else
			buf_printf(out, "  %s --- %s\n", s->nodes[x->user].name, s->nodes[x->operand].name);
	}
	buf_puts(out, "  classDef metric fill:#d6e4f5,stroke:#333,stroke-width:2px,font-weight:bold\n"
		      "  classDef param fill:#fff2cc,stroke:#b58900\n"
		      "  classDef num fill:none,stroke:none,font-size:11px\n"
		      "  classDef op fill:#fff,stroke:#555\n"
		      "  classDef call fill:#e4e4e4,stroke:#555\n");
	for (uint32_t k = 0; k < s->nclusters; k++)
		buf_printf(out, "  style cl%u fill:%s,stroke:#9aa5b1\n", (unsigned)s->clusters[k].call,
			   cluster_fill[s->clusters[k].depth % 2]);
}

/* ------------------------------------------------------------ DOT by hand */
#ifndef HAVE_GVC

static void dot_quoted(Buf *out, const char *s)
{
	buf_putc(out, '"');
	for (; *s; s++) {
		if (*s == '"') buf_putc(out, '\\');
		buf_putc(out, *s);
	}
	buf_putc(out, '"');
}

static void dot_attrs(Buf *out, const Attr *a, const char *sep)
{
	for (int i = 0; a[i].key; i++) {
		buf_printf(out, "%s%s=", i ? sep : "", a[i].key);
		dot_quoted(out, a[i].value);
	}
}

static void dot_cluster(Buf *out, Scene *s, int c, int indent)
{
	for (uint32_t i = 0; i < s->nnodes; i++) {
		const SNode *x = &s->nodes[i];
		if (x->cluster != c) continue;
		buf_printf(out, "%*s%s [label=", indent, "", x->name);
		dot_quoted(out, dot_text(&s->arena, x->label));
		if (kind_attrs[x->kind][0].key) {
			buf_puts(out, ", ");
			dot_attrs(out, kind_attrs[x->kind], ", ");
		}
		buf_puts(out, "];\n");
	}
	for (uint32_t k = 0; k < s->nclusters; k++) {
		const SCluster *cl = &s->clusters[k];
		if (cl->parent != c) continue;
		buf_printf(out, "%*ssubgraph cluster_%u {\n%*sgraph [label=", indent, "",
			   (unsigned)cl->call, indent + 4, "");
		dot_quoted(out, dot_text(&s->arena, cl->title));
		buf_puts(out, ", fillcolor=");
		dot_quoted(out, cluster_fill[cl->depth % 2]);
		buf_puts(out, ", ");
		dot_attrs(out, cluster_attrs, ", ");
		buf_puts(out, "];\n");
		dot_cluster(out, s, (int)k, indent + 4);
		buf_printf(out, "%*s}\n", indent, "");
	}
}

static void write_dot_text(Buf *out, Scene *s)
{
	buf_puts(out, "digraph formula {\n    graph [");
	dot_attrs(out, graph_attrs, ", ");
	if (s->nnodes > BIG_GRAPH) {
		buf_puts(out, ", ");
		dot_attrs(out, big_graph_attrs, ", ");
	}
	buf_puts(out, "];\n    node [");
	dot_attrs(out, node_defaults, ", ");
	buf_puts(out, "];\n    edge [");
	dot_attrs(out, edge_defaults, ", ");
	buf_puts(out, "];\n");
	dot_cluster(out, s, -1, 4);
	buf_puts(out, "    { rank=min;"); /* all metrics on the top row */
	for (uint32_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].kind == K_METRIC) buf_printf(out, " %s;", s->nodes[i].name);
	buf_puts(out, " }\n");
	for (uint32_t e = 0; e < s->nedges; e++) {
		const SEdge *x = &s->edges[e];
		buf_printf(out, "    %s -> %s", s->nodes[x->user].name, s->nodes[x->operand].name);
		if (x->role) {
			buf_puts(out, " [xlabel=");
			dot_quoted(out, x->role);
			buf_putc(out, ']');
		}
		buf_puts(out, ";\n");
	}
	buf_puts(out, "}\n");
}

#endif /* !HAVE_GVC */

/* ------------------------------------------------------------ Graphviz */
#ifdef HAVE_GVC

/* The one door to Graphviz's process-global error state.  Runs step(ctx)
 * with every cgraph/gvc message routed into a buffer instead of stderr,
 * then restores the previous handler and level.  Returns 0, or -1 with
 * *why set to Graphviz's own messages when step failed or an error was
 * reported.  Not reentrant: the handler has no context pointer. */
static Buf *gv_messages;

static int gv_collect(char *text)
{
	if (gv_messages) buf_puts(gv_messages, text);
	return 0;
}

static int gv_guarded(int (*step)(void *ctx), void *ctx, char **why)
{
	Buf msgs = {0};
	gv_messages = &msgs;
	agusererrf old_handler = agseterrf(gv_collect);
	agerrlevel_t old_level = agseterr(AGWARN);
	agreseterrors();
	int rc = step(ctx);
	bool failed = rc != 0 || agreseterrors() > AGWARN;
	agseterr(old_level);
	agseterrf(old_handler);
	gv_messages = NULL;
	if (failed) {
		/* one line: message pieces end in newlines */
		for (size_t i = 0; i < msgs.len; i++)
			if (msgs.s[i] == '\n') msgs.s[i] = i + 1 < msgs.len ? ' ' : 0;
		heap_fail(why, "Graphviz: %s", msgs.len ? msgs.s : "layout or rendering failed");
	}
	buf_free(&msgs);
	return failed ? -1 : 0;
}

/* agwrite into a Buf through cgraph's I/O discipline. */
static int buf_putstr(void *chan, const char *s)
{
	buf_puts(chan, s);
	return 0;
}
static int no_read(void *chan, char *buf, int n) { return 0; }
static int no_flush(void *chan) { return 0; }
static Agiodisc_t buf_io = {no_read, buf_putstr, no_flush};

static void gv_set(void *obj, const Attr *a)
{
	for (; a->key; a++) agsafeset(obj, (char *)a->key, (char *)a->value, "");
}

static void gv_defaults(Agraph_t *g, int kind, const Attr *a)
{
	for (; a->key; a++) agattr(g, kind, (char *)a->key, (char *)a->value);
}

static Agraph_t *gv_build(Scene *s)
{
	static Agdisc_t disc = {&AgMemDisc, &AgIdDisc, &buf_io};
	Agraph_t *g = agopen("formula", Agdirected, &disc);
	if (!g) return NULL;
	gv_defaults(g, AGRAPH, graph_attrs);
	if (s->nnodes > BIG_GRAPH) gv_defaults(g, AGRAPH, big_graph_attrs);
	gv_defaults(g, AGNODE, node_defaults);
	gv_defaults(g, AGEDGE, edge_defaults);

	/* clusters come outermost first, so a parent exists before its child */
	Agraph_t **sub = xmalloc((s->nclusters + 1) * sizeof *sub);
	for (uint32_t k = 0; k < s->nclusters; k++) {
		const SCluster *cl = &s->clusters[k];
		char name[32];
		snprintf(name, sizeof name, "cluster_%u", (unsigned)cl->call);
		sub[k] = agsubg(cl->parent < 0 ? g : sub[cl->parent], name, 1);
		agsafeset(sub[k], "label", (char *)dot_text(&s->arena, cl->title), "");
		agsafeset(sub[k], "fillcolor", (char *)cluster_fill[cl->depth % 2], "");
		gv_set(sub[k], cluster_attrs);
	}
	Agnode_t **nodes = xmalloc((s->nnodes + 1) * sizeof *nodes);
	for (uint32_t i = 0; i < s->nnodes; i++) {
		const SNode *x = &s->nodes[i];
		nodes[i] = agnode(x->cluster < 0 ? g : sub[x->cluster], (char *)x->name, 1);
		agsafeset(nodes[i], "label", (char *)dot_text(&s->arena, x->label), "");
		gv_set(nodes[i], kind_attrs[x->kind]);
	}
	/* all metrics on the top row */
	Agraph_t *top = agsubg(g, "metrics", 1);
	agsafeset(top, "rank", "min", "");
	for (uint32_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].kind == K_METRIC) agsubnode(top, nodes[i], 1);
	for (uint32_t e = 0; e < s->nedges; e++) {
		const SEdge *x = &s->edges[e];
		Agedge_t *edge = agedge(g, nodes[x->user], nodes[x->operand], NULL, 1);
		if (edge && x->role) agsafeset(edge, "xlabel", (char *)x->role, "");
	}
	free(sub);
	free(nodes);
	return g;
}

typedef struct GvJob {
	Scene *scene;
	GraphFormat format;
	Buf *out;
} GvJob;

static int gv_produce(void *ctx)
{
	GvJob *job = ctx;
	Agraph_t *g = gv_build(job->scene);
	if (!g) return -1;
	int rc = 0;
	if (job->format == GRAPH_DOT) {
		rc = agwrite(g, job->out);
	} else {
		GVC_t *gvc = gvContext();
		rc = gvc ? gvLayout(gvc, g, "dot") : -1;
		if (rc == 0) {
			char *data = NULL;
			unsigned int len = 0;
			rc = gvRenderData(gvc, g, job->format == GRAPH_SVG ? "svg" : "png", &data, &len);
			if (rc == 0 && data) buf_putn(job->out, data, len);
			if (data) gvFreeRenderData(data);
			gvFreeLayout(gvc, g);
		}
		if (gvc) gvFreeContext(gvc);
	}
	agclose(g);
	return rc;
}

#endif /* HAVE_GVC */

/* ------------------------------------------------------------ files */

/* Writes data to path whole; on error removes what was written. */
static int write_file(const char *path, const char *data, size_t len, char **why)
{
	FILE *f = fopen(path, "wb");
	if (!f) return heap_fail(why, "cannot write %s: %s", path, strerror(errno));
	int err = 0;
	if (len && fwrite(data, 1, len, f) != len) err = errno ? errno : EIO;
	if (fclose(f) != 0 && !err) err = errno ? errno : EIO;
	if (err) {
		remove(path);
		return heap_fail(why, "cannot write %s: %s", path, strerror(err));
	}
	return 0;
}

static int write_scene(Scene *sp, GraphFormat format, const char *path, char **why);

/* The format of path, if this build can write it. */
static int output_format(const char *path, GraphFormat *format, char **why)
{
	if (!graph_format_from_path(path, format))
		return heap_fail(why, "cannot tell the graph format of %s: use .dot, .gv, .svg, .png or .mmd",
			    path);
#ifndef HAVE_GVC
	if (*format == GRAPH_SVG || *format == GRAPH_PNG)
		return heap_fail(why, "sglsim was built without Graphviz; write .dot or .mmd");
#endif
	return 0;
}

int graph_write(const Dag *g, const NodeId *roots, const char *const *root_names, size_t nroots,
		const char *path, const GraphOptions *o, char **why)
{
	GraphFormat format;
	if (output_format(path, &format, why) != 0) return -1;
	size_t limit = o && o->max_nodes ? o->max_nodes : GRAPH_DEFAULT_MAX_NODES;
	size_t count = dag_count(g, roots, nroots);
	if (count > limit)
		return heap_fail(why, "graph has %zu nodes, more than the limit %zu; "
			    "bind params or pick a smaller metric", count, limit);

	/* the reachable set, as dag_count walks it */
	uint8_t *reach = calloc(g->n + 1, 1);
	if (!reach) abort();
	for (size_t r = 0; r < nroots; r++)
		if (roots[r] != NODE_NONE) reach[roots[r]] = 1;
	for (uint32_t id = g->n; id-- > 0;) {
		if (!reach[id]) continue;
		const NodeId *a = dag_args(g, id);
		for (uint32_t k = 0; k < dag_node(g, id)->nargs; k++) reach[a[k]] = 1;
	}
	Scene s;
	build_scene(&s, g, reach, roots, root_names, nroots, o ? o->values : NULL);
	free(reach);
	return write_scene(&s, format, path, why);
}

/* Writes a scene in format to path, then frees it. */
static int write_scene(Scene *sp, GraphFormat format, const char *path, char **why)
{
	Scene s = *sp;
	Buf out = {0};
	int rc = 0;
	if (format == GRAPH_MMD) {
		write_mermaid(&out, &s);
	} else {
#ifdef HAVE_GVC
		GvJob job = {&s, format, &out};
		rc = gv_guarded(gv_produce, &job, why);
#else
		write_dot_text(&out, &s);
#endif
	}
	if (rc == 0) rc = write_file(path, out.s, out.len, why);
	buf_free(&out);
	scene_free(&s);
	return rc;
}

int graph_write_deps(const char *const *metrics, size_t nm, const char *const *params, size_t np,
		     const uint8_t *uses_param, const uint8_t *uses_metric, const char *path, char **why)
{
	GraphFormat format;
	if (output_format(path, &format, why) != 0) return -1;
	if (nm + np > GRAPH_DEFAULT_MAX_NODES)
		return heap_fail(why, "graph has %zu nodes, more than the limit %d", nm + np,
			    GRAPH_DEFAULT_MAX_NODES);
	Scene s;
	memset(&s, 0, sizeof s);
	arena_init(&s.arena);
	s.nodes = xmalloc((nm + np + 1) * sizeof *s.nodes);
	s.edges = xmalloc((nm * (np + nm) + 1) * sizeof *s.edges);
	s.clusters = xmalloc(sizeof *s.clusters);
	for (size_t i = 0; i < nm; i++) add_node(&s, K_METRIC, metrics[i], -1, "m", i);
	for (size_t k = 0; k < np; k++) {
		/* a param that affects several metrics says how many */
		size_t n = 0;
		for (size_t i = 0; i < nm; i++) n += uses_param[i * np + k];
		const char *label = n > 1 ? arena_printf(&s.arena, "%s\n(%zu metrics)", params[k], n) : params[k];
		add_node(&s, K_PARAM, label, -1, "p", k);
	}
	for (size_t i = 0; i < nm; i++) {
		for (size_t k = 0; k < np; k++)
			if (uses_param[i * np + k]) add_edge(&s, (uint32_t)i, (uint32_t)(nm + k), NULL);
		for (size_t j = 0; j < nm; j++)
			if (uses_metric[i * nm + j]) add_edge(&s, (uint32_t)i, (uint32_t)j, NULL);
	}
	return write_scene(&s, format, path, why);
}
