#!/bin/sh
# trace_scale.sh -- a long trace is streamed and the memory stays bounded:
# Azure-format traces of 1.1 and 2.2 million requests (past the exact-sample
# cap of runtime/stats.h, so both keep histograms) are simulated, and the
# second may not need more memory than the first.  (make bench runs 10^7.)
# TAP.
. "$(dirname "$0")/tap.sh"

# gen N FILE: N requests at 200 req/s (tests/gen_trace.sh)
gen() { sh "$SRCDIR/tests/gen_trace.sh" "$1" "$2"; }

if [ -n "${ASAN_OPTIONS:-}" ] || [ -n "${SGLSIM_VALGRIND:-}" ]; then   # RSS says nothing there
	ok "# SKIP memory is not measurable under AddressSanitizer or valgrind"
	tap_done
	exit 0
fi

cat >"$tmp/s.sgl" <<'SGL'
import gpus
import models
deployment d {
  model = llama31_8b
  gpu = h100_sxm
  replicas = 4
  max_running = 256
}
workload w = trace("t.csv", format = azure)
simulate d with w
SGL

# peak N: simulates N requests; prints "completed maxrss_kib"
peak() {
	gen "$1" "$tmp/t.csv"
	python3 - "$SGLSIM" "$tmp/s.sgl" "$tmp/out.$1" <<'PY'
import re, resource, subprocess, sys
with open(sys.argv[3], "w") as out:
    st = subprocess.run([sys.argv[1], "run", sys.argv[2]], stdout=out, stderr=subprocess.STDOUT).returncode
text = open(sys.argv[3]).read()
m = re.search(r"requests +(\d+) arrived, (\d+) completed", text)
print(m.group(2) if st == 0 and m else -1, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

set -- $(peak 1100000)
done1=$1 rss1=$2
set -- $(peak 2200000)
done2=$1 rss2=$2
[ "$done1" = 1100000 ] && [ "$done2" = 2200000 ] && ok "both traces are simulated to the end" \
	|| { not_ok "both traces are simulated to the end ($done1, $done2 completed)"; sed 's/^/# /' "$tmp/out.2200000"; }
echo "# peak memory: $rss1 KiB for 1.1M requests, $rss2 KiB for 2.2M"
[ "$rss2" -le $((rss1 + 8192)) ] && ok "twice the requests, no more memory (within 8 MiB)" \
	|| not_ok "twice the requests, no more memory ($rss1 -> $rss2 KiB)"
[ "$rss2" -le 204800 ] && ok "under 200 MiB for 2.2 million requests" || not_ok "under 200 MiB ($rss2 KiB)"
tap_done
