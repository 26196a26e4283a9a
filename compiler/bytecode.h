/* bytecode.h -- register bytecode compiled from the DAG, and its
 * interpreter.
 *
 * bc_compile lays the nodes reachable from the requested roots out in
 * topological order (operands first, each shared node once), one
 * instruction per node, n-ary operators as chains of binary ones, products
 * with reciprocal factors as divisions.  Instruction i writes register i
 * (SSA), so a BcProgram is also the exact recipe the JIT (jit.c) follows:
 * both tiers perform the same IEEE operations in the same order and agree
 * bit for bit.  The scalar semantics of every opcode are the num_* functions
 * of runtime/num.h.
 *
 *   code[i] = {op, a, b, c}: reg[i] = op(reg[a], reg[b], reg[c])
 *   BC_CONST: reg[i] = imm          BC_PARAM: reg[i] = params[a]
 *   outputs: out[k] = reg[out_regs[k]]
 *
 * Ownership: a BcProgram owns its arrays; bc_free releases it.
 */
#ifndef SGL_BYTECODE_H
#define SGL_BYTECODE_H
#include <stddef.h>
#include <stdint.h>
#include "dag.h"

typedef enum BcOp {
	BC_CONST, BC_PARAM,
	BC_ADD, BC_SUB, BC_MUL, BC_DIV, BC_NEG, BC_POW,
	BC_MIN, BC_MAX, BC_CEIL, BC_FLOOR, BC_SQRT, BC_LOG, BC_EXP, BC_ABS,
	BC_LT, BC_LE, BC_GT, BC_GE, BC_EQ, BC_NE,
	BC_AND, BC_OR, BC_NOT, BC_SELECT,
	BC_COUNT
} BcOp;

typedef struct BcInsn {
	uint8_t op;
	uint32_t a, b, c;   /* operand registers (BC_PARAM: a = param index) */
	double imm;         /* BC_CONST */
} BcInsn;

typedef struct BcProgram {
	BcInsn *code;
	uint32_t ncode;        /* = number of registers */
	uint32_t nparams;      /* params[] length expected by the evaluators */
	uint32_t nout;
	uint32_t *out_regs;
} BcProgram;

const char *bc_op_name(BcOp op);
/* How many operand registers an instruction with this opcode reads. */
int bc_arity(uint8_t op);

/* Compiles roots[0..nroots) of g.  Params are numbered as in g->params. */
BcProgram *bc_compile(const Dag *g, const NodeId *roots, uint32_t nroots);
void bc_free(BcProgram *p);

/* One point: params[nparams] -> out[nout]. */
void bc_eval(const BcProgram *p, const double *params, double *out);
/* n points, row-major: params[n * nparams] -> out[n * nout].  Evaluates
 * BC_BLOCK points at a time, one opcode over the whole block. */
enum { BC_BLOCK = 256 };
void bc_eval_block(const BcProgram *p, size_t n, const double *params, double *out);

#endif
