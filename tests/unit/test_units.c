/* test_units.c -- dimension algebra, unit parsing and formatting. */
#include "config.h"
#include <criterion/criterion.h>
#include <string.h>
#include "lang/units.h"

static double parse_ok(const char *u, Dim *d)
{
	double mul = 0, div = 0;
	size_t bo, bl;
	cr_assert(unit_parse(u, strlen(u), &mul, &div, d, &bo, &bl), "unit %s should parse", u);
	return mul / div;
}

static const char *fmt(Dim d)
{
	static char buf[64];
	dim_format(d, buf, sizeof buf);
	return buf;
}

Test(units, prefixes_decimal_and_binary)
{
	Dim d;
	cr_expect_eq(parse_ok("GiB", &d), 1073741824.0);
	cr_expect_str_eq(fmt(d), "B");
	cr_expect_eq(parse_ok("GB", &d), 1e9);
	cr_expect_eq(parse_ok("Gb", &d), 1e9 / 8);
	cr_expect_eq(parse_ok("kW", &d), 1e3);
	cr_expect_str_eq(fmt(d), "W");
	cr_expect_eq(parse_ok("Mtok", &d), 1e6);
	cr_expect_str_eq(fmt(d), "tok");
}

Test(units, exact_names_win_over_prefix_splits)
{
	Dim d;
	cr_expect_eq(parse_ok("min", &d), 60.0);
	cr_expect_str_eq(fmt(d), "s");
	cr_expect_eq(parse_ok("ms", &d), 1e-3);
}

Test(units, compound_units)
{
	Dim d;
	cr_expect_eq(parse_ok("TFLOP/s", &d), 1e12);
	cr_expect_str_eq(fmt(d), "FLOP/s");
	cr_expect_float_eq(parse_ok("USD/h", &d), 1.0 / 3600, 1e-18);
	cr_expect_str_eq(fmt(d), "USD/s");
	cr_expect_eq(parse_ok("tok^2", &d), 1.0);
	cr_expect_str_eq(fmt(d), "tok^2");
	cr_expect_eq(parse_ok("B/tok", &d), 1.0);
	cr_expect_str_eq(fmt(d), "B/tok");
	cr_expect_float_eq(parse_ok("s^-1", &d), 1.0, 0);
	cr_expect_str_eq(fmt(d), "1/s");
	cr_expect_eq(parse_ok("1", &d), 1.0);
	cr_expect(dim_is_none(d));
}

Test(units, bad_units_report_the_bad_part)
{
	double mul, div;
	Dim d;
	size_t bo = 99, bl = 99;
	cr_expect_not(unit_parse("GB/sx", 5, &mul, &div, &d, &bo, &bl));
	cr_expect_eq(bo, 3);
	cr_expect_eq(bl, 2);
	cr_expect_not(unit_parse("Kb", 2, &mul, &div, &d, &bo, &bl)); /* k is lower case */
	cr_expect_not(unit_parse("Gms", 3, &mul, &div, &d, &bo, &bl)); /* ms takes no prefix */
	cr_expect_not(unit_parse("s^200", 5, &mul, &div, &d, &bo, &bl)); /* exponent too large */
	cr_expect_not(unit_parse("s^99*s^99", 9, &mul, &div, &d, &bo, &bl));
}

Test(units, small_units_divide_exactly)
{
	double mul, div;
	Dim d;
	size_t bo, bl;
	cr_assert(unit_parse("us", 2, &mul, &div, &d, &bo, &bl));
	cr_expect_eq(10 * mul / div, 1e-5);
	cr_assert(unit_parse("ms", 2, &mul, &div, &d, &bo, &bl));
	cr_expect_eq(3 * mul / div, 0.003);
	cr_assert(unit_parse("USD/h", 5, &mul, &div, &d, &bo, &bl));
	cr_expect_eq(2.5 * mul / div, 2.5 / 3600);
}

Test(units, algebra)
{
	Dim b, s, bw, r;
	parse_ok("B", &b);
	parse_ok("s", &s);
	bw = dim_div(b, s);
	cr_expect(dim_eq(dim_mul(bw, s), b));
	cr_expect(dim_pow(dim_mul(b, b), 1, 2, &r));
	cr_expect(dim_eq(r, b));
	cr_expect_not(dim_pow(b, 1, 2, &r));
	char buf[64];
	dim_describe(bw, buf, sizeof buf);
	cr_expect_str_eq(buf, "bandwidth [B/s]");
	dim_describe(dim_none, buf, sizeof buf);
	cr_expect_str_eq(buf, "a dimensionless number");
	dim_describe(dim_mul(b, s), buf, sizeof buf);
	cr_expect_str_eq(buf, "[s*B]");
}
