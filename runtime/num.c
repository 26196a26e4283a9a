/* num.c -- shared arithmetic and number formatting (num.h). */
#include "config.h"
#include "num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void num_format(char *out, size_t n, double x)
{
	if (isnan(x)) { snprintf(out, n, "nan"); return; }
	if (isinf(x)) { snprintf(out, n, x > 0 ? "inf" : "-inf"); return; }
	if (x == floor(x) && fabs(x) < 1e16) {
		snprintf(out, n, "%.0f", x);
		return;
	}
	/* %g drops trailing zeros, so when 15 significant digits read back
	 * exactly they are already the shortest text; 16 or 17 otherwise */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, x);
		if (strtod(out, NULL) == x)
			return;
	}
}

double num_pow(double x, double y)
{
	if (y == 2) return x * x;
	if (y == -2) return 1 / (x * x);
	return pow(x, y);
}
