/* dag.h -- the hash-consed expression DAG every metric is lowered to.
 *
 * A node is an operator (ops.def) over operand node ids.  Nodes are
 * interned: building the same operator over the same operands (and, for
 * constants, the same bits) returns the same 32-bit id, so equal
 * subexpressions are one node across every metric of a scenario, and
 * "equal" means "id-equal".
 *
 *     Dag.nodes[id] = {op, nargs, args -> Dag.argpool[args .. args+nargs)}
 *     CONST: value (never NaN)      PARAM: index into Dag.params
 *     LABEL: name index into Dag.labels, one operand
 *
 * Ids grow with creation, operands always have smaller ids than their node
 * (a topological order for free).  Nothing is ever removed.
 *
 * Ownership: the Dag owns its arrays (heap); dag_free releases them.
 */
#ifndef SGL_DAG_H
#define SGL_DAG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lang/units.h"

typedef enum DagOp {
#define OP(id, name, arity, flags, infix, libm) DOP_##id,
#include "ops.def"
#undef OP
	DOP_COUNT
} DagOp;

enum { DF_LEAF = 1, DF_COMM = 2, DF_ASSOC = 4, DF_CMP = 8, DF_BOOL = 16 };

typedef struct DagOpInfo {
	const char *name;
	int arity;           /* -1: n-ary */
	unsigned flags;      /* DF_* */
	const char *infix;
	const char *libm;
} DagOpInfo;
const DagOpInfo *dag_op_info(DagOp op);

typedef uint32_t NodeId;
#define NODE_NONE UINT32_MAX

typedef struct DagNode {
	uint8_t op;
	uint32_t nargs;
	uint32_t args;       /* first operand's index in argpool */
	uint32_t sym;        /* PARAM: param index; LABEL: label index */
	double value;        /* CONST */
	uint32_t hash;
} DagNode;

typedef struct DagParam {
	const char *name;    /* owned by the Dag */
	Dim dim;
} DagParam;

typedef struct Dag {
	DagNode *nodes;
	uint32_t n, cap;
	NodeId *argpool;
	size_t nargpool, capargpool;
	uint32_t *table;     /* open addressing over node ids + 1 (0 = empty) */
	uint32_t tcap;
	DagParam *params;
	uint32_t nparams;
	char **labels;
	uint32_t nlabels;
	NodeId *simp_memo;   /* simplify.c: result per node, NODE_NONE = unknown */
	uint32_t simp_cap;
} Dag;

void dag_init(Dag *g);
void dag_free(Dag *g);

/* Interned constructors.  dag_op builds exactly the node asked for (no
 * simplification); n-ary operators need n >= 2, fixed ones their arity. */
NodeId dag_const(Dag *g, double v);
NodeId dag_param(Dag *g, uint32_t index);
NodeId dag_op(Dag *g, DagOp op, const NodeId *args, uint32_t n);
NodeId dag_op1(Dag *g, DagOp op, NodeId a);
NodeId dag_op2(Dag *g, DagOp op, NodeId a, NodeId b);
NodeId dag_label(Dag *g, const char *name, NodeId a);
/* Declares a free param (or returns its index if declared). */
uint32_t dag_add_param(Dag *g, const char *name, Dim dim);

static inline const DagNode *dag_node(const Dag *g, NodeId id) { return &g->nodes[id]; }
static inline const NodeId *dag_args(const Dag *g, NodeId id) { return g->argpool + g->nodes[id].args; }
static inline DagOp dag_opof(const Dag *g, NodeId id) { return (DagOp)g->nodes[id].op; }
static inline bool dag_is_const(const Dag *g, NodeId id, double v)
{
	return g->nodes[id].op == DOP_CONST && g->nodes[id].value == v;
}
/* Number of distinct nodes reachable from the roots. */
size_t dag_count(const Dag *g, const NodeId *roots, size_t n);
/* Whether a free param is reachable from root. */
bool dag_uses_params(const Dag *g, NodeId root);
/* Whether param `index` is reachable from root. */
bool dag_reads_param(const Dag *g, NodeId root, uint32_t index);
/* Builds root of `from` in `to` (which may be `from`), with param index
 * `param` of `from` replaced by the constant `value` (UINT32_MAX: none)
 * and the other params matched by name; returns the node in `to`. */
NodeId dag_import(Dag *to, const Dag *from, NodeId root, uint32_t param, double value);

#endif
