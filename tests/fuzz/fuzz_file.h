/* fuzz_file.h -- the input file of the harnesses whose readers take a
 * path (fuzz_trace.c, fuzz_points.c): one per process, created once and
 * rewritten in place with each input (pwrite, then ftruncate to the
 * input's size) -- truncating a file to 0 bytes and closing it makes ext4
 * flush it (auto_da_alloc), milliseconds per input.  Include once. */
#ifndef SGL_FUZZ_FILE_H
#define SGL_FUZZ_FILE_H
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_path[64];
static int fuzz_fd = -1;

static void fuzz_remove_file(void)
{
	if (fuzz_path[0]) remove(fuzz_path);
}

/* Writes data to /tmp/NAME.PID.EXT; false when it cannot. */
static bool fuzz_write_file(const char *name, const char *ext, const uint8_t *data, size_t size)
{
	if (fuzz_fd < 0) {
		snprintf(fuzz_path, sizeof fuzz_path, "/tmp/%s.%ld.%s", name, (long)getpid(), ext);
		fuzz_fd = open(fuzz_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fuzz_fd < 0) return false;
		atexit(fuzz_remove_file);
	}
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(fuzz_fd, data + done, size - done, (off_t)done);
		if (n <= 0) return false;
		done += (size_t)n;
	}
	return ftruncate(fuzz_fd, (off_t)size) == 0;
}

#endif
