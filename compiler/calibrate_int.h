/* calibrate_int.h -- what calibrate.c (reading, fitting) and
 * calibrate_report.c (error tables and the -o file) share: the fitted
 * fields, what the probe learns about the gpu, and each class's result.
 */
#ifndef SGL_CALIBRATE_INT_H
#define SGL_CALIBRATE_INT_H
#include <stdbool.h>
#include <stddef.h>
#include "calibrate.h"
#include "calibrate_formats.h"

/* The fitted fields, in fitting order within their class.  `eff` fields
 * are shares in (0, 1), the others positive scales; `link` fields belong
 * to the gpu's nvlink; `secs` fields are times. */
typedef struct FieldDesc {
	const char *name;
	CalClass cls;
	bool eff, link, secs;
} FieldDesc;

enum { NFIELDS = 18 };

/* What the probe learns about gpu NAME. */
typedef struct GpuInfo {
	double vals[NFIELDS];      /* current values, base units */
	bool has_link;
	char link_name[128];       /* the named link its nvlink is (or derives from) */
	double link_bw;            /* the nvlink's bw when an inline link changes it, else 0 */
} GpuInfo;

typedef struct ClassResult {
	size_t nfit;            /* rows fitted */
	size_t niter;
	bool fitted;
	bool unconstrained[NFIELDS];   /* no fitted row's time depends on it */
	const char *stop;       /* why the fit stopped early, or NULL */
} ClassResult;

typedef struct Stats {
	double med_before, p90_before, med_after, p90_after;
	double rms_before, rms_after;   /* of log(pred / meas): what the fit minimises */
} Stats;

extern const FieldDesc cal_fields[NFIELDS];
extern const char *const cal_class_names[CAL_NCLASS];

/* A field value as the .sgl text the -o file writes (times with a unit)
 * into out; returns the value that text reads back as. */
double cal_field_text(char *out, size_t n, double v, bool secs);
/* Median, p90 and rms of the errors of subset s (or, s < 0, of class
 * cls's fitted rows) before and after; *count the rows. */
Stats cal_stats_of(const CalData *d, const double *eb, const double *ea, int s, CalClass cls, size_t *count);
/* Prints the error table of one class. */
void cal_print_class(const CalData *d, CalClass cls, const double *eb, const double *ea, const ClassResult *res,
			const double *before, const double *after, bool fit);
/* Writes the `gpu NEW : NAME { ... }` file; false (with a message) when
 * it cannot. */
bool cal_write_output(const CalibrateOpts *o, const char *new_name, const GpuInfo *gi, const CalData *d,
			 const double *vals, const ClassResult *res, const Stats *all, const size_t *nall);

#endif
