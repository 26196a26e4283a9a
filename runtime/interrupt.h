/* interrupt.h -- Ctrl-C as a request to stop early.
 *
 * interrupt_catch installs a SIGINT handler that only raises a flag, once:
 * the handler resets itself, so a second Ctrl-C kills at once.  Long loops
 * (the event loop, the grid scan, the simulations of an optimization, the
 * statements of a file) poll interrupted() and stop cleanly; whatever they
 * then write says it is partial, and sglsim exits with 130 (128 + SIGINT).
 * The flag is an atomic, so threads may poll it too.
 */
#ifndef SGL_INTERRUPT_H
#define SGL_INTERRUPT_H
#include <stdbool.h>

void interrupt_catch(void);
bool interrupted(void);

#endif
