/* simplify.h -- canonical forms, safe constant folding, and derivatives.
 *
 * dag_simplify returns a node computing the same function wherever the
 * original is defined, in canonical form: SUB, NEG and DIV rewritten into
 * ADD, MUL (by -1) and POW(x, -1); sums and products flattened, their
 * operands ordered by id, like terms and like powers collected; numeric
 * coefficients distributed over sums; min/max/and/or flattened and
 * deduplicated; LABEL nodes dropped (they name fn calls for graphs and
 * would hide like terms across a call).  Constants are folded with the runtime's own arithmetic
 * (runtime/num.h), except folds that would give NaN, an infinity or -0.0
 * (division by zero, log of x <= 0, sqrt of x < 0, overflow): those stay
 * symbolic.  Idempotent by id: simplify(simplify(e)) == simplify(e).
 *
 * dag_derive returns the simplified derivative of e with respect to param
 * index p.  Almost-everywhere conventions, matching the evaluation rules
 * of runtime/num.h: d min(a, b) = (b < a ? db : da), d max(a, b) =
 * (b > a ? db : da), d |u| = (u < 0 ? -du : du), d ceil = d floor = 0,
 * d (if c then a else b) = (if c then da else db), comparisons and logic 0.
 */
#ifndef SGL_SIMPLIFY_H
#define SGL_SIMPLIFY_H
#include "dag.h"

NodeId dag_simplify(Dag *g, NodeId e);
NodeId dag_derive(Dag *g, NodeId e, uint32_t param);

#endif
