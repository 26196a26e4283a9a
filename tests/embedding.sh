#!/bin/sh
# embedding.sh -- doc/embedding.md's examples, as TAP: the scenario, the C
# and Python clients are extracted from the page (a fenced ```sgl, ```c or
# ```python block whose first line names its file: '# NAME.sgl',
# '/* NAME.c', '# NAME.py'), the library is compiled with the page's own
# `sglsim compile` command, the clients are built and run, every
# transcript of the page (```console: '$ COMMAND' lines, then the lines it
# shows, '...' for lines left out) is run and its lines found in the real
# output (tests/mdrun.sh does the extracting and the transcripts), and the
# clients' numbers are compared with `sglsim eval` at the same points:
# equal as doubles, bit for bit.
# Skipped when sglsim is built without libgccjit, the Python parts when
# python3 is missing.  Environment: SGLSIM, SRCDIR, CC (default cc).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mdrun.sh"

rel=doc/embedding.md
CC=${CC:-cc}
tab=$(printf '\t')
files="serve.sgl eval_dlopen.c eval_linked.c eval_ctypes.py"
have_python=
command -v python3 >/dev/null 2>&1 && have_python=1

if ! "$SGLSIM" --version 2>/dev/null | grep -q 'JIT (libgccjit): available'; then
	for t in "examples extracted" "sglsim compile" "C with dlopen" "C linked" \
		"Python ctypes" "transcripts" "numbers equal sglsim eval"; do
		ok "$t # SKIP sglsim built without libgccjit"
	done
	tap_done
	exit 0
fi

# ---------------------------------------------------------------- extract
md_save="sgl c python"
md_plan "$rel"
md_files
missing=
for f in $files; do [ -f "$work/$f" ] || missing="$missing $f"; done
if [ -z "$missing" ]; then
	ok "$rel: examples extracted ($files)"
else
	not_ok "$rel: examples missing from the page:$missing"
fi

# ---------------------------------------------------------------- compile
compile=$(awk -F"$tab" '$1 == "cmd" && $4 ~ /^sglsim compile / { print $4; exit }' "$tmp/plan")
if [ -z "$compile" ]; then
	not_ok "$rel: no '\$ sglsim compile' transcript"
else
	md_run_cmd "$compile" # its transcript below reuses this run
	if [ "$rc" -eq 0 ] && [ -f "$work/libserve.so" ] && [ -f "$work/serve.h" ]; then
		ok "$rel: \$ $compile writes libserve.so and serve.h"
	else
		not_ok "$rel: \$ $compile (exit $rc)"
		sed 's/^/# /' "$tmp/out"
	fi
fi

# build NAME COMMAND...: compile a client in $work; no warnings allowed.
build() {
	name=$1
	shift
	if (cd "$work" && "$@") >"$tmp/cc.log" 2>&1 && [ ! -s "$tmp/cc.log" ]; then
		ok "$rel: $name builds without warnings ($*)"
	else
		not_ok "$rel: $name builds ($*)"
		sed 's/^/# /' "$tmp/cc.log" | head -30
	fi
}
build eval_dlopen.c "$CC" -Wall -Wextra -I"$SRCDIR/include" eval_dlopen.c -ldl -o eval_dlopen
# shellcheck disable=SC2016 # $ORIGIN is for the linker
build eval_linked.c "$CC" -Wall -Wextra eval_linked.c -I. -L. -lserve '-Wl,-rpath,$ORIGIN' -o eval_linked

# ---------------------------------------------------------------- transcripts
md_skip() {
	case $1 in python3*) [ -n "$have_python" ] || echo "no python3" ;; esac
}
md_commands

# ---------------------------------------------------------------- numbers
# same_numbers A B: files of 'name value' lines, equal names and values
# equal as doubles (awk converts both with strtod).
same_numbers() {
	if [ "$(cut -d' ' -f1 "$1")" != "$(cut -d' ' -f1 "$2")" ]; then
		echo "names differ:"; cat "$1" "$2"; return 1
	fi
	paste -d' ' "$1" "$2" | awk '
		$2 !~ /^[-+0-9.eE]+$/ || $4 !~ /^[-+0-9.eE]+$/ || $2 + 0 != $4 + 0 { print "differs: " $0; bad = 1 }
		END { exit bad }'
}
metrics=$(sed -n 's/^ \*   \[[0-9]*\] \([A-Za-z_0-9]*\) \[.*\]$/\1/p' "$work/serve.h" | tr '\n' ' ')
cd "$work" || exit 1

# 1. eval_dlopen against `sglsim eval -D ... --json` and `--points`
./eval_dlopen ./libserve.so tp=2 chunk=4096 rate=24 2>&1 | awk '{ print $1, $3 }' >c.txt
# shellcheck disable=SC2086 # one argument per metric
"$SGLSIM" eval serve.sgl $metrics --for d --with chat -D tp=2 -D 'chunk=4096 tok' -D 'rate=24 req/s' --json 2>&1 |
	tr ',' '\n' | sed 's/[{}" ]//g; s/:/ /' >eval.txt
check "C (dlopen) equals sglsim eval -D ... --json at tp=2, chunk=4096, rate=24" same_numbers c.txt eval.txt
printf 'tp,chunk,rate\n2,4096,24\n' >point.csv
# shellcheck disable=SC2086
"$SGLSIM" eval serve.sgl $metrics --for d --with chat --points point.csv >point.out 2>&1
awk -F, 'NR == 1 { for (i = 4; i <= NF; i++) n[i] = $i } NR == 2 { for (i = 4; i <= NF; i++) print n[i], $i }' \
	point.out >points.txt
check "C (dlopen) equals sglsim eval --points at the same point" same_numbers c.txt points.txt

# 2. eval_linked's batch against `sglsim eval --points` on its own params
./eval_linked >linked.csv 2>&1
cut -d, -f1-3 linked.csv >sweep.csv
# shellcheck disable=SC2086
"$SGLSIM" eval serve.sgl $metrics --for d --with chat --points sweep.csv >sweep.out 2>&1
to_pairs() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) n[i] = $i; next } { for (i = 1; i <= NF; i++) print n[i] "@" NR, $i }' "$1"; }
to_pairs linked.csv >linked.txt
to_pairs sweep.out >sweep.txt
if [ "$(wc -l <linked.txt)" -gt 5 ]; then
	check "C (linked, sglsim_eval_batch) equals sglsim eval --points on every row" same_numbers linked.txt sweep.txt
else
	not_ok "eval_linked printed a table"
	sed 's/^/# /' linked.csv
fi

# 3. Python: the same text as C, and eval_batch equal to --points
if [ -n "$have_python" ]; then
	python3 eval_ctypes.py ./libserve.so tp=2 chunk=4096 rate=24 >py.txt 2>&1
	./eval_dlopen ./libserve.so tp=2 chunk=4096 rate=24 >c_full.txt 2>&1
	check "Python (ctypes) prints what the C program prints" cmp py.txt c_full.txt
	cat >batch.py <<'PY'
import csv, sys
from eval_ctypes import Model
m = Model("./libserve.so")
rows = list(csv.DictReader(open("sweep.out")))
got = m.eval_batch(rows)
bad = [(r, m.metrics[k], g[k], float(r[m.metrics[k]]))
       for r, g in zip(rows, got) for k in range(m.n_metrics) if g[k] != float(r[m.metrics[k]])]
print("\n".join(map(str, bad)))
sys.exit(1 if bad or len(rows) != 5 else 0)
PY
	check "Python eval_batch equals sglsim eval --points on every row" python3 batch.py
else
	ok "Python (ctypes) # SKIP no python3"
	ok "Python eval_batch # SKIP no python3"
fi

tap_done
