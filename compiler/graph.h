/* graph.h -- formula graphs: the DAG behind one or more metrics, drawn as
 * Graphviz DOT, SVG, PNG or Mermaid text.
 *
 * The picture reads top-down: each metric is a bold box at the top with an
 * edge to its formula's root, every operator is an oval with its operands
 * below it, params are filled boxes and constants small plain text.  A
 * shared subexpression is drawn once, with one in-edge per user (constants
 * are the exception: hash-consing makes every `2` one node, so each use
 * gets its own copy instead of a hub of crossing edges).  The nodes of a
 * `fn` call (a LABEL node) are framed in a cluster titled with the fn name:
 * a node belongs to the innermost call that it is reachable only through
 * (that dominates it), so a value shared with the outside is never drawn
 * inside a frame it does not belong to.
 *
 * DOT is written through cgraph (agwrite) and SVG/PNG are laid out and
 * rendered in-process by gvc when sglsim is built with Graphviz (HAVE_GVC);
 * without it DOT is written by hand and SVG/PNG are refused.  Mermaid is
 * always written by hand.  Graphviz reports errors through process-global
 * state; graph.c captures them into the returned message, so the functions
 * here never print and are not thread-safe.
 *
 * Ownership: nothing returned here is kept by graph.c; the error message
 * *why is heap-allocated and freed by the caller with free().
 *
 * graph_write_deps draws the metric-dependency graph of `sglsim graph
 * --deps` with the same writers.
 */
#ifndef SGL_GRAPH_H
#define SGL_GRAPH_H
#include <stdbool.h>
#include <stddef.h>
#include "dag.h"

typedef enum { GRAPH_DOT, GRAPH_SVG, GRAPH_PNG, GRAPH_MMD } GraphFormat;

/* The format named by path's extension: .dot or .gv, .svg, .png, .mmd
 * (case-insensitive).  False, *f untouched, for any other extension. */
bool graph_format_from_path(const char *path, GraphFormat *f);

typedef struct GraphOptions {
	const double *values; /* per node id, or NULL: --values annotates each node with its value */
	size_t max_nodes;     /* cap, default 500 (0 means the default) */
} GraphOptions;

#define GRAPH_DEFAULT_MAX_NODES 500
/* the largest --max-nodes: Graphviz takes minutes to lay out a few
 * thousand nodes already; .dot and .mmd are written at once */
#define GRAPH_MAX_NODES 100000

/* Draws the part of g reachable from roots[0..nroots) into path, in the
 * format its extension names (graph_format_from_path).  root_names[i] is
 * the metric name shown above roots[i] (root_names may be NULL; a root may
 * be NODE_NONE: the metric is drawn without a formula).  o may be NULL for
 * the defaults; o->values, when given, has one value per node id of g.
 *
 * Returns 0 once the whole file is written.  On error returns -1 and, when
 * why is not NULL, sets *why to a one-line message (free() it); no file is
 * then left at path (one that failed half-way through writing is removed).
 * Errors: an unknown extension; more than max_nodes distinct nodes ("graph
 * has N nodes, more than the limit M; ..."); SVG/PNG without Graphviz; a
 * Graphviz layout/render error (its own message); a path that cannot be
 * written ("cannot write PATH: strerror"). */
int graph_write(const Dag *g, const NodeId *roots, const char *const *root_names, size_t nroots,
		const char *path, const GraphOptions *o, char **why);

/* The metric-dependency graph: metrics over the params they depend on
 * (uses_param[i * np + k]: metric i depends on param k) and over the
 * metrics they name (uses_metric[i * nm + j]).  A param that affects
 * several metrics says how many.  Same formats and errors as graph_write. */
int graph_write_deps(const char *const *metrics, size_t nm, const char *const *params, size_t np,
		     const uint8_t *uses_param, const uint8_t *uses_metric, const char *path, char **why);

#endif
