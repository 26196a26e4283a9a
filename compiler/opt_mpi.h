/* opt_mpi.h -- `sglsim optimize FILE --mpi` under mpirun or srun.
 *
 * Every rank loads, checks and searches the same file (the same steps, so
 * the same candidates in the same order); the simulations -- the costly
 * part -- are split: rank 0 hands points to the other ranks one at a time
 * (dynamic scheduling) and broadcasts the figures, so every rank goes on
 * with identical state.  Only rank 0 prints and writes files.  Without
 * MPI in the build, opt_mpi_init fails with a reason and the size is 1.
 */
#ifndef SGL_OPT_MPI_H
#define SGL_OPT_MPI_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct OptProblem;
/* Starts MPI; false with *why (static text) when this build has none. */
bool opt_mpi_init(int *argc, char ***argv, const char **why);
void opt_mpi_finalize(void);
int opt_mpi_rank(void);
int opt_mpi_size(void);   /* 1 when MPI is not running */
/* opt_simulate_many across the ranks (every rank calls it). */
void opt_mpi_simulate_many(struct OptProblem *P, const uint64_t *idx, size_t n, double *fig, bool *ok, char **why);
#endif
