/* trace.h -- request traces read from files, streamed in arrival order.
 *
 * Formats (../shared/data/<folder>/SOURCE.md describes each file):
 *   azure             CSV `TIMESTAMP,ContextTokens,GeneratedTokens`; the
 *                     timestamp is a wall-clock date-time
 *                     ("2023-11-16 18:15:46.6805900"), arrival = seconds
 *                     since the first row.
 *   mooncake          JSON Lines {"timestamp": ms, "input_length",
 *                     "output_length", "hash_ids": [int, ...]}; hash_ids
 *                     are the prompt's blocks of `block` tokens (512).
 *   sharegpt_lengths  CSV with num_prefill_tokens, num_decode_tokens; no
 *                     times: arrivals come from the workload's process.
 *   jsonl, csv        generic: the fields/columns named by the column
 *                     mapping (timestamp in seconds, optional; input;
 *                     output; hash_ids, JSONL only, optional).  A JSONL
 *                     trace has times iff its first record does; then
 *                     every record must.
 *
 * Lengths are whole numbers of at most 2^24 tokens: input >= 1; an output
 * of 0 is read as 1 (SGLang always generates at least one token).
 * Timestamps are >= 0; JSONL lines are at most 4 MiB.  Empty lines are
 * skipped; a trace without any request is an error.
 *
 * Arrival = (t - t_first) * time_scale / rate_scale; `limit` stops after
 * that many requests.  Timestamps must not decrease.  Requests without
 * hash_ids get ID_UNIQUE blocks; hash_ids values become ID_TRACE ids, and
 * must number ceil(input / block) (a shorter list is padded with unique
 * ids; a longer one is an error).
 *
 * Errors name the file, the line and the field: "PATH:LINE: error: field
 * 'input_length' is not a positive whole number".  A bad line stops the
 * run: nothing is simulated with garbage.
 *
 * Ownership: a Trace owns its file and buffers (trace_close).
 */
#ifndef SGL_TRACE_H
#define SGL_TRACE_H
#include <stdbool.h>
#include <stdint.h>
#include "request.h"

typedef enum TraceFormat { TRACE_AZURE, TRACE_MOONCAKE, TRACE_SHAREGPT_LENGTHS, TRACE_JSONL, TRACE_CSV } TraceFormat;

typedef struct TraceSpec {
	const char *path;
	TraceFormat format;
	uint32_t block;          /* tokens per hash_ids block; 0: 512 for mooncake, 16 otherwise */
	double rate_scale;       /* 0 means 1 */
	double time_scale;       /* 0 means 1 */
	uint64_t limit;          /* 0: no limit */
	/* generic formats: field or column names (NULL: the defaults
	   "timestamp", "input_length", "output_length", "hash_ids") */
	const char *timestamp, *input, *output, *hash_ids;
} TraceSpec;

typedef struct Trace Trace;

/* Opens the file and reads its header; NULL with *err (heap) on failure. */
Trace *trace_open(const TraceSpec *spec, char **err);
/* Whether requests carry arrival times (false: sharegpt_lengths, or a
 * generic trace without a timestamp field). */
bool trace_has_times(const Trace *t);
/* The next request: 1 read, 0 end of trace (or limit), -1 error (*err). */
int trace_next(Trace *t, Request *out, char **err);
void trace_close(Trace *t);
#endif
