/* heapstr.c -- heap-allocated strings (see heapstr.h). */
#include "heapstr.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *heap_vprintf(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) abort();
	char *s = malloc((size_t)n + 1);
	if (!s) abort();
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *heap_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = heap_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *heap_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (!p) abort();
	return memcpy(p, s, n);
}

int heap_fail(char **why, const char *fmt, ...)
{
	if (!why) return -1;
	va_list ap;
	va_start(ap, fmt);
	*why = heap_vprintf(fmt, ap);
	va_end(ap);
	return -1;
}
