/* opt_mpi.c -- the optimizer's simulations over MPI ranks (opt_mpi.h). */
#include "config.h"
#include "opt_mpi.h"
#include <stdlib.h>
#include <string.h>
#include "opt_int.h"
#include "runtime/heapstr.h"

#ifdef HAVE_MPI
#include <mpi.h>

static bool running;

bool opt_mpi_init(int *argc, char ***argv, const char **why)
{
	if (MPI_Init(argc, argv) != MPI_SUCCESS) {
		*why = "MPI_Init failed";
		return false;
	}
	running = true;
	return true;
}

void opt_mpi_finalize(void)
{
	if (running) MPI_Finalize();
	running = false;
}

int opt_mpi_rank(void)
{
	int r = 0;
	if (running) MPI_Comm_rank(MPI_COMM_WORLD, &r);
	return r;
}

int opt_mpi_size(void)
{
	int n = 1;
	if (running) MPI_Comm_size(MPI_COMM_WORLD, &n);
	return n;
}

enum { TAG_POINT = 1, TAG_REPLY, TAG_WHY };

static void worker(OptProblem *P, const uint64_t *idx)
{
	for (;;) {
		uint64_t pos;
		MPI_Recv(&pos, 1, MPI_UINT64_T, 0, TAG_POINT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		if (pos == UINT64_MAX) return;
		OptReply r = {.pos = pos};
		char *why = NULL;
		r.ok = opt_simulate(P, idx[pos], r.fig, &why);
		r.errlen = why ? (uint32_t)strlen(why) : 0;
		MPI_Send(&r, (int)sizeof r, MPI_BYTE, 0, TAG_REPLY, MPI_COMM_WORLD);
		if (r.errlen) MPI_Send(why, (int)r.errlen, MPI_CHAR, 0, TAG_WHY, MPI_COMM_WORLD);
		free(why);
	}
}

static void master(size_t n, int size, double *fig, bool *ok, char **why)
{
	uint64_t next = 0;
	int busy = 0;
	for (int w = 1; w < size; w++) {
		uint64_t pos = next < n ? next++ : UINT64_MAX;
		MPI_Send(&pos, 1, MPI_UINT64_T, w, TAG_POINT, MPI_COMM_WORLD);
		busy += pos != UINT64_MAX;
	}
	while (busy) {
		OptReply r;
		MPI_Status st;
		MPI_Recv(&r, (int)sizeof r, MPI_BYTE, MPI_ANY_SOURCE, TAG_REPLY, MPI_COMM_WORLD, &st);
		int w = st.MPI_SOURCE;
		char *msg = NULL;
		if (r.errlen) {
			msg = xmalloc((size_t)r.errlen + 1);
			MPI_Recv(msg, (int)r.errlen, MPI_CHAR, w, TAG_WHY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			msg[r.errlen] = 0;
		}
		ok[r.pos] = r.ok;
		memcpy(fig + r.pos * OPT_NFIG, r.fig, sizeof r.fig);
		if (r.ok) free(msg);
		else why[r.pos] = msg ? msg : heap_strdup("the simulation failed");
		uint64_t pos = next < n ? next++ : UINT64_MAX;
		MPI_Send(&pos, 1, MPI_UINT64_T, w, TAG_POINT, MPI_COMM_WORLD);
		busy -= pos == UINT64_MAX;
	}
}

/* Rank 0's results to every rank. */
static void share(size_t n, double *fig, bool *ok, char **why)
{
	int rank = opt_mpi_rank();
	MPI_Bcast(fig, (int)(n * OPT_NFIG), MPI_DOUBLE, 0, MPI_COMM_WORLD);
	unsigned char *b = xmalloc(n + 1);
	uint32_t *len = xmalloc((n + 1) * sizeof *len);
	for (size_t i = 0; i < n; i++) {
		b[i] = ok[i];
		len[i] = why[i] ? (uint32_t)strlen(why[i]) : 0;
	}
	MPI_Bcast(b, (int)n, MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
	MPI_Bcast(len, (int)n, MPI_UINT32_T, 0, MPI_COMM_WORLD);
	for (size_t i = 0; i < n; i++) {
		ok[i] = b[i];
		if (!len[i]) continue;
		if (rank) why[i] = xmalloc((size_t)len[i] + 1), why[i][len[i]] = 0;
		MPI_Bcast(why[i], (int)len[i], MPI_CHAR, 0, MPI_COMM_WORLD);
	}
	free(b);
	free(len);
}

void opt_mpi_simulate_many(OptProblem *P, const uint64_t *idx, size_t n, double *fig, bool *ok, char **why)
{
	int size = opt_mpi_size();
	if (opt_mpi_rank() == 0) master(n, size, fig, ok, why);
	else worker(P, idx);
	share(n, fig, ok, why);
}

#else

bool opt_mpi_init(int *argc, char ***argv, const char **why)
{
	*why = "this sglsim was built without MPI (install libopenmpi-dev and openmpi-bin, then re-run ./configure)";
	return false;
}

void opt_mpi_finalize(void) {}
int opt_mpi_rank(void) { return 0; }
int opt_mpi_size(void) { return 1; }

void opt_mpi_simulate_many(OptProblem *P, const uint64_t *idx, size_t n, double *fig, bool *ok, char **why)
{
	(void)P, (void)idx, (void)n, (void)fig, (void)ok, (void)why;
}

#endif
