/* usage.h -- the help texts of the command line (usage.c). */
#ifndef SGL_USAGE_H
#define SGL_USAGE_H

extern const char *const usage_main;
extern const char *const usage_check;
extern const char *const usage_run;
extern const char *const usage_optimize;
extern const char *const usage_expr;
extern const char *const usage_eval;
extern const char *const usage_graph;
extern const char *const usage_compile;
extern const char *const usage_calibrate;
extern const char *const usage_doc;
extern const char *const usage_fmt;

#endif
