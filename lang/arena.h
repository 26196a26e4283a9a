/* arena.h -- bump allocation for one compilation.
 *
 * Everything the front end builds (source text copies, AST nodes, interned
 * strings, diagnostics text) lives in an Arena and is freed at once with
 * arena_free().  Callers never free individual objects.  Allocation failure
 * aborts with a message: sglsim cannot continue without memory.
 *
 *   Arena -> [chunk]->[chunk]->[chunk]     each chunk: header + bytes
 *             newest first; `used` grows until the chunk is full
 */
#ifndef SGL_ARENA_H
#define SGL_ARENA_H
#include <stdarg.h>
#include <stddef.h>

typedef struct ArenaChunk ArenaChunk;
typedef struct Arena {
	ArenaChunk *head;
} Arena;

void  arena_init(Arena *a);
void  arena_free(Arena *a);
/* Zeroed memory, aligned for any type; lives until arena_free(). */
void *arena_alloc(Arena *a, size_t n);
/* Copies of strings, owned by the arena. */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(Arena *a, const char *fmt, va_list ap);

/* Aborts the program with a message when malloc fails. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* A growable buffer of bytes (heap-owned; free with buf_free). */
typedef struct Buf {
	char  *s;
	size_t len, cap;
} Buf;
void buf_putc(Buf *b, char c);
void buf_puts(Buf *b, const char *s);
void buf_putn(Buf *b, const char *s, size_t n);
void buf_printf(Buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_free(Buf *b);

#endif
