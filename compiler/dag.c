/* dag.c -- interned construction of DAG nodes (dag.h). */
#include "config.h"
#include "dag.h"
#include "lang/arena.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const DagOpInfo infos[] = {
#define OP(id, nm, ar, fl, ix, lm) {nm, ar, fl, ix, lm},
#define LEAF DF_LEAF
#define COMM DF_COMM
#define ASSOC DF_ASSOC
#define CMP DF_CMP
#define BOOL DF_BOOL
#include "ops.def"
#undef OP
#undef LEAF
#undef COMM
#undef ASSOC
#undef CMP
#undef BOOL
};

const DagOpInfo *dag_op_info(DagOp op) { return &infos[op]; }

void dag_init(Dag *g)
{
	memset(g, 0, sizeof *g);
	g->tcap = 1024;
	g->table = calloc(g->tcap, sizeof *g->table);
	if (!g->table) abort();
}

void dag_free(Dag *g)
{
	free(g->nodes);
	free(g->argpool);
	free(g->table);
	for (uint32_t i = 0; i < g->nparams; i++) free((char *)g->params[i].name);
	free(g->params);
	for (uint32_t i = 0; i < g->nlabels; i++) free(g->labels[i]);
	free(g->labels);
	free(g->simp_memo);
	memset(g, 0, sizeof *g);
}

static uint32_t mix(uint32_t h, uint64_t v)
{
	h ^= (uint32_t)v + 0x9e3779b9u + (h << 6) + (h >> 2);
	h ^= (uint32_t)(v >> 32) + 0x9e3779b9u + (h << 6) + (h >> 2);
	return h;
}

static uint32_t node_hash(uint8_t op, const NodeId *args, uint32_t n, uint32_t sym, double value)
{
	uint64_t bits;
	memcpy(&bits, &value, sizeof bits);
	uint32_t h = mix(op * 2654435761u, bits);
	h = mix(h, sym);
	for (uint32_t i = 0; i < n; i++) h = mix(h, args[i]);
	return h;
}

static bool same(const Dag *g, const DagNode *x, uint8_t op, const NodeId *args, uint32_t n,
		 uint32_t sym, double value)
{
	if (x->op != op || x->nargs != n || x->sym != sym) return false;
	if (memcmp(&x->value, &value, sizeof value) != 0) return false;
	return n == 0 || memcmp(g->argpool + x->args, args, n * sizeof *args) == 0;
}

static void rehash(Dag *g)
{
	uint32_t cap = g->tcap * 2;
	uint32_t *t = calloc(cap, sizeof *t);
	if (!t) abort();
	for (uint32_t id = 0; id < g->n; id++) {
		uint32_t i = g->nodes[id].hash & (cap - 1);
		while (t[i]) i = (i + 1) & (cap - 1);
		t[i] = id + 1;
	}
	free(g->table);
	g->table = t;
	g->tcap = cap;
}

static NodeId intern_new(Dag *g, uint8_t op, const NodeId *args, uint32_t n, uint32_t sym, double value,
			 uint32_t h, uint32_t i);

/* The id of the node (op, args, sym, value), created if new.  args may
 * point into g's own operand pool (a sub-list of another node). */
static NodeId intern(Dag *g, uint8_t op, const NodeId *args, uint32_t n, uint32_t sym, double value)
{
	uint32_t h = node_hash(op, args, n, sym, value);
	uint32_t i = h & (g->tcap - 1);
	while (g->table[i]) {
		NodeId id = g->table[i] - 1;
		if (g->nodes[id].hash == h && same(g, &g->nodes[id], op, args, n, sym, value))
			return id;
		i = (i + 1) & (g->tcap - 1);
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 256;
		g->nodes = xrealloc(g->nodes, g->cap * sizeof *g->nodes);
	}
	if (g->nargpool + n > g->capargpool) {
		/* args may point into the pool being moved: keep a copy */
		NodeId *copy = xmalloc((n + 1) * sizeof *copy);
		if (n) memcpy(copy, args, n * sizeof *copy);
		while (g->nargpool + n > g->capargpool)
			g->capargpool = g->capargpool ? 2 * g->capargpool : 1024;
		g->argpool = xrealloc(g->argpool, g->capargpool * sizeof *g->argpool);
		NodeId id = intern_new(g, op, copy, n, sym, value, h, i);
		free(copy);
		return id;
	}
	return intern_new(g, op, args, n, sym, value, h, i);
}

/* Appends a new node; the arrays have room for it and its operands. */
static NodeId intern_new(Dag *g, uint8_t op, const NodeId *args, uint32_t n, uint32_t sym, double value,
			 uint32_t h, uint32_t i)
{
	NodeId id = g->n++;
	DagNode *x = &g->nodes[id];
	x->op = op;
	x->nargs = n;
	x->args = (uint32_t)g->nargpool;
	x->sym = sym;
	x->value = value;
	x->hash = h;
	if (n) memcpy(g->argpool + g->nargpool, args, n * sizeof *args);
	g->nargpool += n;
	g->table[i] = id + 1;
	if (2 * g->n > g->tcap) rehash(g);
	return id;
}

NodeId dag_const(Dag *g, double v)
{
	if (isnan(v)) abort(); /* callers refuse NaN folds; this is a bug */
	return intern(g, DOP_CONST, NULL, 0, 0, v);
}

NodeId dag_param(Dag *g, uint32_t index) { return intern(g, DOP_PARAM, NULL, 0, index, 0.0); }

NodeId dag_op(Dag *g, DagOp op, const NodeId *args, uint32_t n)
{
	return intern(g, (uint8_t)op, args, n, 0, 0.0);
}

NodeId dag_op1(Dag *g, DagOp op, NodeId a) { return dag_op(g, op, &a, 1); }

NodeId dag_op2(Dag *g, DagOp op, NodeId a, NodeId b)
{
	NodeId v[2] = {a, b};
	return dag_op(g, op, v, 2);
}

NodeId dag_label(Dag *g, const char *name, NodeId a)
{
	uint32_t k = 0;
	while (k < g->nlabels && strcmp(g->labels[k], name)) k++;
	if (k == g->nlabels) {
		g->labels = xrealloc(g->labels, (g->nlabels + 1) * sizeof *g->labels);
		g->labels[g->nlabels] = xmalloc(strlen(name) + 1);
		strcpy(g->labels[g->nlabels++], name);
	}
	return intern(g, DOP_LABEL, &a, 1, k, 0.0);
}

uint32_t dag_add_param(Dag *g, const char *name, Dim dim)
{
	for (uint32_t i = 0; i < g->nparams; i++)
		if (!strcmp(g->params[i].name, name)) return i;
	g->params = xrealloc(g->params, (g->nparams + 1) * sizeof *g->params);
	char *copy = xmalloc(strlen(name) + 1);
	strcpy(copy, name);
	g->params[g->nparams] = (DagParam){copy, dim};
	return g->nparams++;
}

/* Counts the nodes reachable from the roots; *params (if given) is set when
 * one of them is a PARAM. */
/* Counts the nodes reachable from roots; *params: whether one is a param
 * (only param `which` unless which is UINT32_MAX). */
static size_t reach_param(const Dag *g, const NodeId *roots, size_t n, bool *params, uint32_t which)
{
	if (params) *params = false;
	if (!g->n) return 0;
	uint8_t *seen = calloc(g->n, 1);
	if (!seen) abort();
	size_t count = 0;
	for (size_t r = 0; r < n; r++)
		if (roots[r] != NODE_NONE) seen[roots[r]] = 1;
	/* operands have smaller ids: one sweep from the top marks everything */
	for (uint32_t id = g->n; id-- > 0;) {
		if (!seen[id]) continue;
		count++;
		if (params && g->nodes[id].op == DOP_PARAM && (which == UINT32_MAX || g->nodes[id].sym == which))
			*params = true;
		const NodeId *a = dag_args(g, id);
		for (uint32_t k = 0; k < g->nodes[id].nargs; k++) seen[a[k]] = 1;
	}
	free(seen);
	return count;
}

static size_t reach(const Dag *g, const NodeId *roots, size_t n, bool *params)
{
	return reach_param(g, roots, n, params, UINT32_MAX);
}

size_t dag_count(const Dag *g, const NodeId *roots, size_t n) { return reach(g, roots, n, NULL); }

bool dag_uses_params(const Dag *g, NodeId root)
{
	bool params;
	reach(g, &root, 1, &params);
	return params;
}

bool dag_reads_param(const Dag *g, NodeId root, uint32_t index)
{
	bool params;
	reach_param(g, &root, 1, &params, index);
	return params;
}

NodeId dag_import(Dag *to, const Dag *from, NodeId root, uint32_t param, double value)
{
	uint32_t n = root + 1;
	uint8_t *live = calloc(n, 1);
	NodeId *map = malloc((size_t)n * sizeof *map);
	if (!live || !map) abort();
	live[root] = 1;
	for (uint32_t i = n; i-- > 0;) {   /* operands have smaller ids */
		if (!live[i]) continue;
		const NodeId *a = dag_args(from, i);
		for (uint32_t k = 0; k < from->nodes[i].nargs; k++) live[a[k]] = 1;
	}
	NodeId *args = NULL;
	uint32_t cap = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!live[i]) continue;
		DagNode d = from->nodes[i];   /* a copy: `to` may be `from`, and grow */
		if (d.nargs > cap) {
			cap = d.nargs;
			args = xrealloc(args, (size_t)cap * sizeof *args);
		}
		for (uint32_t k = 0; k < d.nargs; k++) args[k] = map[from->argpool[d.args + k]];
		switch ((DagOp)d.op) {
		case DOP_CONST: map[i] = dag_const(to, d.value); break;
		case DOP_PARAM:
			map[i] = d.sym == param ? dag_const(to, value)
				: dag_param(to, dag_add_param(to, from->params[d.sym].name, from->params[d.sym].dim));
			break;
		case DOP_LABEL: map[i] = dag_label(to, from->labels[d.sym], args[0]); break;
		default: map[i] = dag_op(to, (DagOp)d.op, args, d.nargs); break;
		}
	}
	NodeId r = map[root];
	free(args);
	free(live);
	free(map);
	return r;
}
