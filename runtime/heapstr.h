/* heapstr.h -- heap-allocated strings for the runtime's error texts (the
 * `char **err` of trace.c, workload.c, sim.c).  Allocation failure aborts,
 * as everywhere in the runtime.  The caller frees the result.
 */
#ifndef SGL_HEAPSTR_H
#define SGL_HEAPSTR_H
#include <stdarg.h>

char *heap_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *heap_vprintf(const char *fmt, va_list ap);
char *heap_strdup(const char *s);
/* Sets *why (when why is not NULL) to the formatted message; returns -1:
 * `return heap_fail(why, "cannot write %s", path);`. */
int heap_fail(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
