/* fuzz_trace.c -- libFuzzer harness for the trace readers (runtime/trace.c).
 *
 * Each input is one byte of options and then a trace file.  The option
 * byte picks:
 *   bits 0-2  the format: azure, mooncake, sharegpt_lengths, jsonl, csv
 *             (values 5-7 wrap around);
 *   bits 3-4  the scales: defaults; time_scale 2.5 and rate_scale 0.5;
 *             rate_scale 1e-300 (arrivals overflow); time_scale 1e308;
 *   bits 5-6  the block: the format's default, 16, 512, UINT32_MAX;
 *   bit 7     limit = 3 requests, and for the generic formats other field
 *             names, with input and output sharing one field/column.
 * The rest is written to a per-process file under /tmp (the readers take
 * paths), opened with trace_open and read with trace_next to the end or
 * the first error.  Every request is checked against the contract of
 * trace.h (lengths, blocks, ids, arrivals that never go back) and freed,
 * and so is every error string.  Built by `make fuzz`.
 */
#include "config.h"
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime/trace.h"
#include "fuzz_file.h"

static volatile uint64_t sink;  /* keeps the reads of every block id */

/* The input file (fuzz_file.h). */
static bool write_file(const uint8_t *data, size_t size)
{
	return fuzz_write_file("fuzz_trace", "dat", data, size);
}

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "fuzz_trace: check failed: %s\n", #c); abort(); } } while (0)

/* An error string must exist, name the file and say "error:". */
static void check_error(char *err)
{
	CHECK(err != NULL);
	CHECK(!strncmp(err, fuzz_path, strlen(fuzz_path)));
	CHECK(strstr(err, ": error: ") != NULL);
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) return 0;
	uint8_t opt = data[0];
	if (!write_file(data + 1, size - 1)) return 0;

	static const double time_scales[4] = { 0, 2.5, 0, 1e308 };
	static const double rate_scales[4] = { 0, 0.5, 1e-300, 0 };
	static const uint32_t blocks[4] = { 0, 16, 512, UINT32_MAX };
	TraceSpec spec = {
		.path = fuzz_path,
		.format = (TraceFormat)((opt & 7) % 5),
		.time_scale = time_scales[(opt >> 3) & 3],
		.rate_scale = rate_scales[(opt >> 3) & 3],
		.block = blocks[(opt >> 5) & 3],
	};
	if (opt & 0x80) {
		spec.limit = 3;
		spec.timestamp = "arrival";
		spec.input = "prompt";
		spec.output = "prompt";
		spec.hash_ids = "blocks";
	}
	uint32_t block = spec.block ? spec.block : spec.format == TRACE_MOONCAKE ? 512 : 16;

	char *err = NULL;
	Trace *t = trace_open(&spec, &err);
	if (!t) {
		check_error(err);
		return 0;
	}
	CHECK(err == NULL);
	bool times = trace_has_times(t);
	if (spec.format == TRACE_AZURE || spec.format == TRACE_MOONCAKE) CHECK(times);
	if (spec.format == TRACE_SHAREGPT_LENGTHS) CHECK(!times);

	Request r;
	uint64_t n = 0;
	double prev = 0;
	int rc;
	while ((rc = trace_next(t, &r, &err)) == 1) {
		CHECK(r.id == n);
		CHECK(r.prompt >= 1 && r.prompt <= (1u << 24));
		CHECK(r.output >= 1 && r.output <= (1u << 24));
		CHECK(r.block == block);
		CHECK(r.nblocks == (uint32_t)(((uint64_t)r.prompt + block - 1) / block));
		CHECK(r.nblocks == 0 || r.blocks != NULL);
		CHECK(isfinite(r.arrival) && r.arrival >= 0);
		CHECK(r.arrival >= prev);
		if (!times) CHECK(r.arrival == 0);
		if (n == 0) CHECK(r.arrival == 0);
		uint64_t sum = 0;
		for (uint32_t i = 0; i < r.nblocks; i++) sum += r.blocks[i]; /* ASan: the array is whole */
		sink = sum;
		prev = r.arrival;
		n++;
		request_free(&r);
	}
	if (rc < 0) {
		check_error(err);
		err = NULL;
		/* the error is sticky: the next call hands back a copy */
		CHECK(trace_next(t, &r, &err) == -1);
		check_error(err);
	} else {
		CHECK(rc == 0);
		CHECK(n > 0);
		if (spec.limit) CHECK(n <= spec.limit);
		CHECK(trace_next(t, &r, &err) == 0);
	}
	trace_close(t);
	return 0;
}
