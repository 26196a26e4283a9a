/* units_fmt.h -- numbers in readable units for people: 12.3 ms, 1.8 GiB,
 * 989 TFLOP/s.  Base-unit values in, text out; the choice depends only on
 * the dimension and the magnitude. */
#ifndef SGL_UNITS_FMT_H
#define SGL_UNITS_FMT_H
#include "lang/arena.h"
#include "lang/units.h"

/* Appends v (in base units of dimension d) with a readable prefix and the
 * unit; four significant digits. */
void units_readable(Buf *out, double v, Dim d);

/* The readable unit for values like v (the ladder units_readable uses):
 * a value x in base units reads x / *factor in `unit`; "" and 1 for a
 * dimensionless d. */
void units_scale(double v, Dim d, double *factor, char *unit, size_t n);

#endif
