/* request.h -- one simulated request and the content ids of its tokens.
 *
 * A request's tokens (prompt, then output) are cut into content blocks of
 * `block` tokens.  Two requests share a cached prefix exactly as far as
 * their leading block ids agree, so the ids are all the prefix cache ever
 * sees of the text:
 *
 *   tokens  |<------------- prompt ------------->|<--- output --->|
 *   blocks  | b0     | b1     | b2     | b3  ... | (seq blocks)   |
 *           \_ blocks[0 .. nblocks) cover the prompt; the last may be
 *              partial (never cached: only full blocks are reused)
 *
 * Block ids come from a trace's hash_ids, from a synthetic prefix group,
 * or are unique to the request.  Ids of different origins never collide:
 * each origin tags its ids through request_id_mix (a SplitMix64 finalizer
 * of a tagged 64-bit value), and blocks past the prompt are
 * request_seq_block's ids, derived from the request id, so a session's
 * next turn (whose prompt repeats this turn's prompt and answer) can name
 * the answer's blocks before they are generated.
 *
 * Ownership: a Request owns its blocks array (request_free).
 */
#ifndef SGL_REQUEST_H
#define SGL_REQUEST_H
#include <stdbool.h>
#include <stdint.h>

enum { REQUEST_NO_SESSION = UINT32_MAX };

/* Tags of the id origins (the high byte before mixing). */
typedef enum IdOrigin {
	ID_TRACE = 1,    /* a trace's hash_ids value */
	ID_GROUP = 2,    /* block i of synthetic prefix group g */
	ID_UNIQUE = 3,   /* a block only this request has */
	ID_OUTPUT = 4,   /* a block holding this request's generated tokens */
	ID_PAGE = 5      /* a cache page cut from blocks of another size */
} IdOrigin;

typedef struct Request {
	uint64_t id;        /* 0, 1, 2 ... in the order the source produced them */
	double arrival;     /* s since the start of the run */
	uint32_t prompt;    /* prompt tokens (shared prefix and history included), >= 1 */
	uint32_t output;    /* tokens to generate, >= 1 */
	uint32_t block;     /* tokens per content block, >= 1 */
	uint32_t nblocks;   /* ceil(prompt / block) */
	uint64_t *blocks;   /* nblocks ids */
	uint32_t session;   /* session number, or REQUEST_NO_SESSION */
	uint32_t turn;      /* turn within the session, from 0 */
	int32_t priority;   /* larger is served first under `priority` (0 by default) */
} Request;

/* A well-mixed 64-bit id of (origin, a, b). */
uint64_t request_id_mix(IdOrigin origin, uint64_t a, uint64_t b);
/* Id of content block i of the request's whole token sequence (prompt and
 * output): blocks[i] for the full prompt blocks, else an ID_OUTPUT id of
 * (request id, i).  The block that straddles the end of the prompt gets
 * the ID_OUTPUT id, since its content includes generated tokens. */
uint64_t request_seq_block(const Request *r, uint32_t i);
/* Frees blocks and clears the request. */
void request_free(Request *r);
#endif
