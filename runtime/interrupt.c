/* interrupt.c -- the SIGINT flag (interrupt.h). */
#include "config.h"
#include "interrupt.h"
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

/* lock-free on every target sglsim builds for, hence safe in a handler */
static atomic_int flag;

static void on_sigint(int sig)
{
	(void)sig;
	atomic_store_explicit(&flag, 1, memory_order_relaxed);
}

void interrupt_catch(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESETHAND;   /* the second Ctrl-C is the default: exit */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

bool interrupted(void)
{
	return atomic_load_explicit(&flag, memory_order_relaxed) != 0;
}
