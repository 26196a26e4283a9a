/* opt_sim.c -- simulating the points of an optimize statement (opt_int.h).
 *
 * A point is simulated by fixing every param as if by -D (the searched
 * ones at the point's members, the others at their defaults), running
 * `simulate D with W` quietly with the workload's own seed (or --seed's),
 * and freeing the params again.  Every point sees the same seed, so two points differ
 * only by their params.
 *
 * Many points: --jobs worker processes (fork; the checked program is
 * shared copy-on-write, no locks, no thread-safety needed in the front
 * end), handed one point at a time over pipes -- dynamic scheduling, since
 * simulations differ in cost -- or MPI ranks under --mpi (opt_mpi.c).
 * Results land by position, so they do not depend on who ran what.
 */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lang/sema_int.h"
#include "opt_int.h"
#include "opt_mpi.h"
#include "runtime/heapstr.h"
#include "runtime/interrupt.h"
#include "simulate.h"

const char *const opt_fig_names[OPT_NFIG] = {
	"sim.ttft.mean", "sim.ttft.p50", "sim.ttft.p90", "sim.ttft.p99", "sim.ttft.max",
	"sim.tpot.mean", "sim.tpot.p50", "sim.tpot.p90", "sim.tpot.p99", "sim.tpot.max",
	"sim.itl.mean", "sim.itl.p50", "sim.itl.p90", "sim.itl.p99", "sim.itl.max",
	"sim.e2e.mean", "sim.e2e.p50", "sim.e2e.p90", "sim.e2e.p99", "sim.e2e.max",
	"sim.queue.mean", "sim.queue.p50", "sim.queue.p90", "sim.queue.p99", "sim.queue.max",
	"sim.throughput", "sim.goodput"};

static void summary(const Summary *s, double *f)
{
	f[0] = s->mean;
	f[1] = s->p50;
	f[2] = s->p90;
	f[3] = s->p99;
	f[4] = s->max;
}

void opt_figures(const SimResult *r, double *fig)
{
	summary(&r->ttft, fig);
	summary(&r->tpot, fig + 5);
	summary(&r->itl, fig + 10);
	summary(&r->e2e, fig + 15);
	summary(&r->queue, fig + 20);
	fig[25] = r->throughput_output;
	fig[26] = r->goodput;
}

/* ---------------------------------------------------------------- one point */

typedef struct Saved {
	Symbol *sym;
	bool bound;
	Value value;
} Saved;

bool opt_simulate(OptProblem *P, uint64_t idx, double *fig, char **why)
{
	Sema *s = P->s;
	/* fix every free param of the file: the point's, else the default */
	Saved *saved = NULL;
	int n = 0;
	double *x = xmalloc(((size_t)P->np + 1) * sizeof *x);
	opt_point_x(P, idx, x);
	for (AstNode *it = s->prog->root->root->kids; it; it = it->next) {
		Symbol *p = it->kind == AST_PARAM ? it->aux : NULL;
		if (!p || p->bound) continue;
		double v;
		int j;
		for (j = 0; j < P->np; j++)
			if (!strcmp(P->p[j].name, p->name)) break;
		if (j < P->np) v = x[j];
		else if (!value_param_default(s, p->name, &v)) continue;  /* the run says what it lacks */
		saved = xrealloc(saved, (size_t)(n + 1) * sizeof *saved);
		saved[n++] = (Saved){p, p->bound, p->value};
		p->bound = true;
		p->value = (Value){.k = V_NUM, .num = v, .dim = p->type.dim};
	}
	SimResult r;
	const OptOpts *oo = P->o;
	bool ok = simulate_quiet(s, P->dname, P->wname, P->stmt->nspan,
				 oo && oo->have_seed ? &oo->seed : NULL, &r, why);
	if (ok && r.interrupted) {   /* cut short: not the point's figures; no reason = not simulated */
		sim_result_free(&r);
		ok = false;
	} else if (ok) {
		opt_figures(&r, fig);
		sim_result_free(&r);
	}
	for (int i = n; i-- > 0;) {
		saved[i].sym->bound = saved[i].bound;
		saved[i].sym->value = saved[i].value;
	}
	free(saved);
	free(x);
	return ok;
}

/* ---------------------------------------------------------------- processes */

static bool full_read(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static bool full_write(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}


static bool reply_write(int fd, uint64_t pos, bool ok, const double *fig, const char *why)
{
	OptReply r = {.pos = pos, .ok = ok, .errlen = why ? (uint32_t)strlen(why) : 0};
	if (ok) memcpy(r.fig, fig, sizeof r.fig);
	return full_write(fd, &r, sizeof r) && full_write(fd, why ? why : "", r.errlen);
}

static void child(OptProblem *P, const uint64_t *idx, int in, int out)
{
	uint64_t pos;
	while (full_read(in, &pos, sizeof pos) && pos != UINT64_MAX) {
		double fig[OPT_NFIG];
		char *why = NULL;
		bool ok = opt_simulate(P, idx[pos], fig, &why);
		bool sent = reply_write(out, pos, ok, fig, why);
		free(why);
		if (!sent) break;
	}
	_exit(0);
}

typedef struct Kid {
	pid_t pid;
	int cmd, res;     /* write end of its commands, read end of its replies */
	bool busy;
} Kid;

static void progress_line(const OptProblem *P, size_t done, size_t n)
{
	if (P->o && P->o->progress && isatty(2) && n >= 4) {
		fprintf(stderr, "\rsimulating: %zu/%zu points", done, n);
		fflush(stderr);
	}
}

static void serial(OptProblem *P, const uint64_t *idx, size_t n, double *fig, bool *ok, char **why)
{
	for (size_t i = 0; i < n && !interrupted(); i++) {
		why[i] = NULL;
		ok[i] = opt_simulate(P, idx[i], fig + i * OPT_NFIG, &why[i]);
		progress_line(P, i + 1, n);
	}
}

void opt_simulate_many(OptProblem *P, const uint64_t *idx, size_t n, double *fig, bool *ok, char **why)
{
	for (size_t i = 0; i < n; i++) {
		ok[i] = false;
		why[i] = NULL;
		for (int f = 0; f < OPT_NFIG; f++) fig[i * OPT_NFIG + f] = NAN;
	}
	if (P->o && P->o->mpi && opt_mpi_size() > 1) {
		opt_mpi_simulate_many(P, idx, n, fig, ok, why);
		return;
	}
	int nk = P->jobs < (int)n ? P->jobs : (int)n;
	if (nk <= 1) {
		serial(P, idx, n, fig, ok, why);
		if (P->o && P->o->progress && isatty(2) && n >= 4) fputs("\r\033[K", stderr);
		return;
	}
	fflush(stdout);
	fflush(stderr);
	Kid *k = calloc((size_t)nk, sizeof *k);
	if (!k) abort();
	int started = 0;
	for (int i = 0; i < nk; i++) {
		int a[2], b[2];
		if (pipe(a) != 0) break;
		if (pipe(b) != 0) {
			close(a[0]);
			close(a[1]);
			break;
		}
		pid_t pid = fork();
		if (pid < 0) {
			close(a[0]), close(a[1]), close(b[0]), close(b[1]);
			break;
		}
		if (pid == 0) {
			close(a[1]);
			close(b[0]);
			for (int j = 0; j < i; j++) close(k[j].cmd), close(k[j].res);
			child(P, idx, a[0], b[1]);
		}
		close(a[0]);
		close(b[1]);
		k[i] = (Kid){pid, a[1], b[0], false};
		started++;
	}
	if (!started) {
		free(k);
		serial(P, idx, n, fig, ok, why);
		return;
	}
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t next = 0, done = 0;
	struct pollfd *pf = calloc((size_t)started, sizeof *pf);
	if (!pf) abort();
	for (int i = 0; i < started && next < n; i++) {
		uint64_t pos = next++;
		k[i].busy = full_write(k[i].cmd, &pos, sizeof pos);
	}
	bool forwarded = false;
	while (done < n) {
		/* Ctrl-C: the workers cut their simulations short too (a terminal
		   signals them itself; `kill` names only this process) */
		if (interrupted() && !forwarded) {
			for (int i = 0; i < started; i++) kill(k[i].pid, SIGINT);
			forwarded = true;
		}
		int busy = 0;
		for (int i = 0; i < started; i++) {
			pf[i] = (struct pollfd){.fd = k[i].busy ? k[i].res : -1, .events = POLLIN};
			busy += k[i].busy;
		}
		if (!busy) break;
		if (poll(pf, (nfds_t)started, -1) < 0) {
			if (errno == EINTR) continue;
			break;
		}
		for (int i = 0; i < started; i++) {
			if (!k[i].busy || !(pf[i].revents & (POLLIN | POLLHUP))) continue;
			OptReply r;
			if (!full_read(k[i].res, &r, sizeof r) || r.pos >= n) {
				k[i].busy = false;   /* the worker died: its point is redone below */
				continue;
			}
			char *msg = NULL;
			if (r.errlen) {
				msg = xmalloc((size_t)r.errlen + 1);
				if (!full_read(k[i].res, msg, r.errlen)) r.errlen = 0;
				msg[r.errlen] = 0;
			}
			ok[r.pos] = r.ok;
			memcpy(fig + r.pos * OPT_NFIG, r.fig, sizeof r.fig);
			why[r.pos] = r.ok ? (free(msg), NULL) : msg;
			if (!r.ok && !why[r.pos] && !interrupted()) why[r.pos] = heap_strdup("the simulation failed");
			done++;
			progress_line(P, done, n);
			k[i].busy = false;
			if (next < n && !interrupted()) {
				uint64_t pos = next++;
				k[i].busy = full_write(k[i].cmd, &pos, sizeof pos);
			}
		}
	}
	for (int i = 0; i < started; i++) {
		uint64_t stop = UINT64_MAX;
		full_write(k[i].cmd, &stop, sizeof stop);
		close(k[i].cmd);
		close(k[i].res);
	}
	for (int i = 0; i < started; i++) waitpid(k[i].pid, NULL, 0);
	signal(SIGPIPE, old);
	if (P->o && P->o->progress && isatty(2) && n >= 4) fputs("\r\033[K", stderr);
	/* points a dead worker left: here, in this process */
	for (size_t i = 0; i < n && !interrupted(); i++)
		if (!ok[i] && !why[i]) ok[i] = opt_simulate(P, idx[i], fig + i * OPT_NFIG, &why[i]);
	free(pf);
	free(k);
}
