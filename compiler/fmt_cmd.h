/* fmt_cmd.h -- the `sglsim fmt` command (fmt_cmd.c). */
#ifndef SGL_FMT_CMD_H
#define SGL_FMT_CMD_H

/* argv[1] is "fmt"; returns the exit status. */
int cli_fmt(int argc, char **argv);

#endif
