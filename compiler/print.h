/* print.h -- formulas as text: infix (.sgl syntax), LaTeX, C, SymPy, and
 * s-expressions.
 *
 * Canonical DAG forms are printed back in the way people write them: a sum
 * with a -1 coefficient as a subtraction, a product with x^-1 factors as a
 * division.  Tree formats expand shared nodes, so their size can grow
 * quickly; dag_print stops with false past `max_bytes`.  The C format
 * prints a function with one temporary per shared node instead, and the
 * s-expression format names shared nodes (#N) rather than repeat them.
 */
#ifndef SGL_PRINT_H
#define SGL_PRINT_H
#include <stdbool.h>
#include "dag.h"
#include "lang/arena.h"

typedef enum DagFormat { FMT_INFIX, FMT_LATEX, FMT_C, FMT_SYMPY, FMT_SEXPR } DagFormat;

/* Parses "infix", "latex", "c", "sympy", "sexpr"; false if unknown. */
bool dag_format_parse(const char *name, DagFormat *out);

/* Appends root in format f.  FMT_C writes `double NAME(const double *p)`
 * with p[i] the params in index order.  Returns false (output cut) when the
 * text would pass max_bytes (0 = no limit). */
bool dag_print(Buf *out, const Dag *g, NodeId root, DagFormat f, const char *name, size_t max_bytes);

/* A short label for one node, for graphs: "+", "min", "tp", "3.5e9". */
void dag_node_label(Buf *out, const Dag *g, NodeId id);

#endif
