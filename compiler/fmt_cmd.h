/* fmt_cmd.h -- the `sglsim fmt` command (fmt_cmd.c). */
#ifndef SGL_FMT_CMD_H
#define SGL_FMT_CMD_H
#include <stdbool.h>

/* Formats files[0..nfiles): with check, names those not formatted; with
 * write, rewrites them; with neither (one file), prints the text.
 * Returns the exit status. */
int cmd_fmt(const char *const *files, int nfiles, bool check, bool write);

#endif
