#!/bin/sh
# gen_trace.sh N FILE -- writes an Azure-format trace of N requests
# (TIMESTAMP,ContextTokens,GeneratedTokens): 200 req/s, prompts 100..999
# tok, outputs 20..119 tok, the same for every N (awk's srand(7)).  Used by
# tests/trace_scale.sh and bench/bench.sh to stream long traces.
awk -v n="$1" 'BEGIN {
	print "TIMESTAMP,ContextTokens,GeneratedTokens"; srand(7)
	for (i = 0; i < n; i++) {
		t = i / 200.0; d = int(t / 86400); r = t - d * 86400
		h = int(r / 3600); m = int((r - h * 3600) / 60); s = r - h * 3600 - m * 60
		printf "2023-11-%02d %02d:%02d:%010.7f,%d,%d\n", 16 + d, h, m, s, 100 + int(rand() * 900), 20 + int(rand() * 100)
	}
}' >"$2"
