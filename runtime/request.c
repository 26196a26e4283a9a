/* request.c -- content ids of requests (see request.h). */
#include "request.h"
#include <stdlib.h>
#include <string.h>

/* SplitMix64's finalizer (Steele, Lea, Flood 2014): a bijection on 64 bits
 * that spreads every input bit over the output. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t request_id_mix(IdOrigin origin, uint64_t a, uint64_t b)
{
	return mix64(mix64(((uint64_t)origin << 56) ^ a) ^ (b + 0x9e3779b97f4a7c15ULL));
}

uint64_t request_seq_block(const Request *r, uint32_t i)
{
	uint32_t full = r->prompt / r->block;
	if (i < full && i < r->nblocks) return r->blocks[i];
	return request_id_mix(ID_OUTPUT, r->id, i);
}

void request_free(Request *r)
{
	free(r->blocks);
	memset(r, 0, sizeof *r);
}
