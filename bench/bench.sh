#!/bin/sh
# bench.sh -- evaluation speed of sglsim's tiers on realistic roofline
# formulas (bench/roofline.sgl: five metrics of ~50-110 DAG nodes).  Run by
# `make bench`; not part of `make check`.
#
# Measures, in ns per point per metric (medians of BENCH_REPS runs):
#   - through the C API (bench/bench_eval.c, linked against libsglc.a and
#     libsgl.a): the interpreter one point at a time (bc_eval) and by blocks
#     (bc_eval_block), the JIT's scalar and batch evaluators, and static C:
#     the `sglsim expr --format c` functions compiled with
#     gcc -O2 -ffp-contract=off; plus the JIT's cold compile time (a fresh
#     SGLSIM_CACHE_DIR) and its load time from the cache;
#   - the command line: `sglsim eval --points` with --jit=never and
#     --jit=always, less the cost of reading a CSV and printing the same
#     numbers (sglsim eval of five params holding the metrics' values);
#   - SymPy: lambdify of the same formulas, with numpy when it is installed,
#     else a plain-Python loop over the `math` module on a sample of points.
#
# Environment (the Makefile sets the first ones):
#   SGLSIM SRCDIR BUILDDIR   the binary, the source and the build trees
#   CC BENCH_CFLAGS BENCH_LIBS   compiler, flags, libraries for bench_eval
#   BENCH_POINTS (200000)    rows of the points CSV (C API, SymPy)
#   BENCH_CLI_POINTS (100000)  of them, the rows `sglsim eval --points` gets
#   BENCH_REPS (5)           runs per figure (the median is quoted)
#   BENCH_KEEP=DIR           keep the generated files in DIR
set -e
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILDDIR=${BUILDDIR:-$SRCDIR}
SGLSIM=${SGLSIM:-$BUILDDIR/sglsim}
CC=${CC:-gcc}
BENCH_CFLAGS=${BENCH_CFLAGS:--g -O2}
BENCH_LIBS=${BENCH_LIBS:--lgccjit -lm}
POINTS=${BENCH_POINTS:-200000}
CLI_POINTS=${BENCH_CLI_POINTS:-100000}
[ "$CLI_POINTS" -le "$POINTS" ] || CLI_POINTS=$POINTS
REPS=${BENCH_REPS:-5}
FILE=$SRCDIR/bench/roofline.sgl
METRICS="attn_prefill mlp_prefill allreduce decode_step throughput"
NMETRICS=5

if [ -n "$BENCH_KEEP" ]; then
	tmp=$BENCH_KEEP
	mkdir -p "$tmp"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi
export LC_ALL=C

echo "sglsim benchmark: $FILE"
echo "  $POINTS points ($CLI_POINTS for the command line), $NMETRICS metrics, median of $REPS runs; $(nproc 2>/dev/null || echo '?') CPUs"
"$SGLSIM" expr "$FILE" $METRICS --stats 2>&1 >/dev/null | sed 's/^/  /'

# ---------------------------------------------------------------- inputs
# Random but realistic configurations, inside the params' domains.
awk -v n="$POINTS" 'BEGIN {
	srand(20241128)
	print "batch,seq,ctx,tp,hidden,ffn,heads,kv_heads,experts,topk"
	split("2048 4096 5120 8192 12288", H, " ")
	split("1 2 4 8 16 32", T, " ")
	split("1 8 16 64", X, " ")
	split("1 2 4 8", K, " ")
	for (i = 0; i < n; i++) {
		h = H[1 + int(rand() * 5)]
		heads = h / 128
		kv = heads / (2 ^ int(rand() * 4)); if (kv < 1) kv = 1
		ex = X[1 + int(rand() * 4)]
		tk = K[1 + int(rand() * 4)]; if (tk > ex) tk = ex
		printf "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d\n", 1 + int(rand() * 512),
			1 + int(rand() * 8192), 1 + int(rand() * 65536), T[1 + int(rand() * 6)],
			h, int(h * (2.5 + rand() * 1.5) / 256) * 256, heads, kv, ex, tk
	}
}' >"$tmp/points.csv"

# The simplified formulas, for bench_eval (sexpr) and as static C.
"$SGLSIM" expr "$FILE" $METRICS --format sexpr >"$tmp/formulas.sexpr"
"$SGLSIM" expr "$FILE" $METRICS --format c >"$tmp/formulas.c"
# Each `double f(const double *p)` becomes sc_K, and p[i] /* name */ is
# renumbered as the CSV's columns.
awk -v header="$(head -n 1 "$tmp/points.csv")" '
BEGIN { n = split(header, cols, ","); for (i = 1; i <= n; i++) col[cols[i]] = i - 1; k = 0 }
/^#include/ { if (!inc++) print; next }
/^double f\(const double \*p\)/ { print "double sc_" k++ "(const double *p)"; next }
/= p\[[0-9]+\]; \/\* [A-Za-z_0-9]+ \*\// {
	name = $0; sub(/.*\/\* /, "", name); sub(/ \*\/.*/, "", name)
	if (!(name in col)) { print "unknown param " name > "/dev/stderr"; exit 1 }
	sub(/p\[[0-9]+\]/, "p[" col[name] "]")
}
{ print }' "$tmp/formulas.c" >"$tmp/static.c"
$CC -O2 -ffp-contract=off -fPIC -shared -o "$tmp/static.so" "$tmp/static.c" -lm

# ---------------------------------------------------------------- C API
$CC $BENCH_CFLAGS -ffp-contract=off -I"$SRCDIR" -I"$BUILDDIR" -o "$tmp/bench_eval" \
	"$SRCDIR/bench/bench_eval.c" "$BUILDDIR/libsglc.a" "$BUILDDIR/libsgl.a" $BENCH_LIBS -ldl -lm
"$tmp/bench_eval" "$tmp/formulas.sexpr" "$tmp/points.csv" "$tmp/static.so" $METRICS -r "$REPS" \
	>"$tmp/api.txt"

# ---------------------------------------------------------------- command line
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# clock OUT ARGS... : seconds one run of ARGS takes, its stdout to OUT.
# CPU time (user + sys) when /usr/bin/time can tell it: on a shared machine
# it moves much less than wall time.
if [ -x /usr/bin/time ] && /usr/bin/time -f '%U %S' true 2>/dev/null >/dev/null; then
	clock_kind="CPU time"
	clock() {
		out=$1
		shift
		/usr/bin/time -o "$tmp/time.out" -f '%U %S' "$@" >"$out"
		awk '{ printf "%.6f\n", $1 + $2 }' "$tmp/time.out"
	}
else
	clock_kind="wall time"
	clock() {
		out=$1
		shift
		t0=$(now)
		"$@" >"$out"
		t1=$(now)
		awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.6f\n", a - b }'
	}
fi
export SGLSIM_CACHE_DIR="$tmp/jit-cache"
mkdir -p "$SGLSIM_CACHE_DIR"
chmod 700 "$SGLSIM_CACHE_DIR"
head -n "$((CLI_POINTS + 1))" "$tmp/points.csv" >"$tmp/cli.csv"
head -n 11 "$tmp/points.csv" >"$tmp/ten.csv"
# the JIT's library does not depend on the number of points: fill the cache
"$SGLSIM" eval "$FILE" $METRICS --points "$tmp/ten.csv" --jit=always >/dev/null
# One untimed run (a warm-up) gives the metrics' values.  The I/O baseline
# prints exactly those numbers: five params v0..v4 read from a CSV holding
# them, evaluated as themselves -- reading a CSV and printing the same
# strings, with no arithmetic.  The commands take turns, so that a change
# in the machine's load hits them alike.
"$SGLSIM" eval "$FILE" $METRICS --points "$tmp/cli.csv" --jit=never >"$tmp/never.csv"
for k in 0 1 2 3 4; do echo "param v$k in -1e300 .. 1e300 = 0"; done >"$tmp/io.sgl"
npar=$(head -n 1 "$tmp/points.csv" | awk -F, '{ print NF }')
{ echo "v0,v1,v2,v3,v4"; tail -n +2 "$tmp/never.csv" | cut -d, -f"$((npar + 1))-$((npar + NMETRICS))"; } >"$tmp/io.csv"
: >"$tmp/t_never"; : >"$tmp/t_always"; : >"$tmp/t_io"
for r in $(seq "$REPS"); do
	clock /dev/null "$SGLSIM" eval "$FILE" $METRICS --points "$tmp/cli.csv" --jit=never >>"$tmp/t_never"
	o=/dev/null; [ "$r" = 1 ] && o=$tmp/always.csv
	clock "$o" "$SGLSIM" eval "$FILE" $METRICS --points "$tmp/cli.csv" --jit=always >>"$tmp/t_always"
	clock /dev/null "$SGLSIM" eval "$tmp/io.sgl" v0 v1 v2 v3 v4 --points "$tmp/io.csv" --jit=never >>"$tmp/t_io"
done
t_never=$(median <"$tmp/t_never")
t_always=$(median <"$tmp/t_always")
t_io=$(median <"$tmp/t_io")
# the noise: half the spread of the baseline's runs
noise=$(sort -g "$tmp/t_io" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print (hi - lo) / 2 }')
if cmp -s "$tmp/never.csv" "$tmp/always.csv"; then same=identical; else same=DIFFERENT; fi

# ---------------------------------------------------------------- SymPy
"$SGLSIM" expr "$FILE" $METRICS --format sympy >"$tmp/formulas.sympy"
if python3 -c 'import sympy' 2>/dev/null; then
	python3 "$SRCDIR/bench/bench_sympy.py" "$tmp/formulas.sympy" "$tmp/cli.csv" "$tmp/never.csv" \
		"$REPS" >"$tmp/sympy.txt" || echo "sympy_error 1" >"$tmp/sympy.txt"
else
	echo "sympy_missing 1" >"$tmp/sympy.txt"
fi

# ---------------------------------------------------------------- report
get() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$2"; }
api=$tmp/api.txt
echo "  DAG: $(get dag_nodes "$api") nodes shared by the $NMETRICS metrics; $(get bytecode_insns "$api") bytecode instructions"
echo
printf '  %-44s %12s\n' "tier" "ns/point/metric"
printf '  %-44s %12s\n' "--------------------------------------------" "---------------"
row() { # row LABEL KEY
	v=$(get "$2_ns" "$api")
	d=$(get "$2_diff" "$api")
	if [ -z "$v" ]; then
		printf '  %-44s %12s\n' "$1" "n/a"
		return
	fi
	note=""
	case $d in 0\ *) ;; *) note="  (differs from the interpreter at $(echo "$d" | cut -d' ' -f1) values, max rel $(echo "$d" | cut -d' ' -f2))" ;; esac
	printf '  %-44s %12.2f%s\n' "$1" "$v" "$note"
}
row "interpreter, scalar (bc_eval)" interp_scalar
row "interpreter, block (bc_eval_block)" interp_block
row "JIT, scalar (jit_scalar)" jit_scalar
row "JIT, batch (jit_batch)" jit_batch
row "static C (expr --format c, gcc -O2)" static_c
per() { # per T BASE: ns per point per metric of T - BASE, or "< noise"
	awk -v t="$1" -v b="$2" -v z="$noise" -v n="$CLI_POINTS" -v m="$NMETRICS" \
		'BEGIN { d = t - b; if (d < z) printf "< %.0f", z * 1e9 / (n * m); else printf "%.2f", d * 1e9 / (n * m) }'
}
ms() { awk -v t="$1" 'BEGIN { printf "%.0f ms", t * 1e3 }'; }
printf '  %-44s %12s   (%s a run; CSV I/O alone %s +- %s; %s)\n' "sglsim eval --points --jit=never, less I/O" \
	"$(per "$t_never" "$t_io")" "$(ms "$t_never")" "$(ms "$t_io")" "$(ms "$noise")" "$clock_kind"
printf '  %-44s %12s   (%s a run; CSV output %s)\n' "sglsim eval --points --jit=always, less I/O" \
	"$(per "$t_always" "$t_io")" "$(ms "$t_always")" "$same"
if [ -n "$(get sympy_missing "$tmp/sympy.txt")" ]; then
	printf '  %-44s %12s\n' "SymPy lambdify" "(no sympy)"
elif [ -n "$(get sympy_error "$tmp/sympy.txt")" ]; then
	printf '  %-44s %12s\n' "SymPy lambdify" "(failed)"
else
	printf '  %-44s %12.2f   (%s)\n' "SymPy lambdify ($(get sympy_mode "$tmp/sympy.txt"))" \
		"$(get sympy_ns "$tmp/sympy.txt")" "$(get sympy_note "$tmp/sympy.txt")"
fi
echo
jc=$(get jit_cold_ms "$api")
if [ -n "$jc" ]; then
	echo "  JIT compile, cold (fresh SGLSIM_CACHE_DIR): $jc ms"
	echo "  JIT load from the cache:                    $(get jit_load_ms "$api") ms ($(get jit_cache_hits "$api") cache hits)"
else
	echo "  JIT: not available ($(get jit_unavailable "$api"))"
fi

# ---------------------------------------------------------------- simulate
# Simulated requests and events per second, and peak RSS, for 10k, 100k
# and 1M requests (target: >= 50k requests/s, 1M in <= 20 s wall and
# <= 2 GiB; median of 3 runs for the small sizes, one run for 1M).
sim_bench() { # sim_bench FILE TITLE
	echo
	echo "simulate $2"
	printf '  %-10s %10s %14s %14s %12s\n' requests wall "requests/s" "events/s" "peak RSS"
	for nreq in 10000 100000 1000000; do
		runs=3
		[ "$nreq" -ge 1000000 ] && runs=1
		for r in $(seq $runs); do
			python3 - "$SGLSIM" "$1" "$nreq" >"$tmp/sim.$r" <<'PY'
import json, resource, subprocess, sys, time
t0 = time.monotonic()
out = subprocess.run([sys.argv[1], "run", "--no-progress", "-D", "n_requests=" + sys.argv[3],
                      sys.argv[2], "--json", "-"], capture_output=True, text=True, check=True).stdout
wall = time.monotonic() - t0
d = json.loads(out)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
print(f"{wall:.3f} {d['requests']['completed']} {d['sim']['events']} {rss:.0f}")
PY
		done
		line=$(cat "$tmp"/sim.* | sort -n | awk -v n=$runs 'NR == int((n + 1) / 2)')
		rm -f "$tmp"/sim.*
		echo "$line" | awk -v n="$nreq" '{ printf "  %-10d %8.2f s %14.0f %14.0f %9s MiB\n", n, $1, $2 / $1, $3 / $1, $4 }'
	done
}
sim_bench "$SRCDIR/bench/simulate.sgl" "(bench/simulate.sgl: 8 colocated workers, Azure-conversation-like lengths)"
sim_bench "$SRCDIR/bench/simulate_pd.sgl" "(bench/simulate_pd.sgl: 10 prefill + 6 decode workers, cache-aware router)"

# ---------------------------------------------------------------- optimize
# Grid points per second with every stdlib metric the optimizer needs fused
# into one compiled program (bench/optimize.sgl; `--stats` times the search
# alone), for a ranking (evaluation-bound) and a 4-objective Pareto front,
# and the end-to-end time of examples/multi_objective_optimization.sgl
# (load, compile, search, 3 verification simulations).  Medians of 3.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo
echo "optimize (bench/optimize.sgl: stdlib metrics fused, Llama-3.1-70B deployments; target >= 20 M points/s)"
sed 's/  method = pareto/  method = grid/' "$SRCDIR/bench/optimize.sgl" >"$tmp/grid.sgl"
for run in grid pareto; do
	for r in 1 2 3; do
		if [ $run = grid ]; then
			"$SGLSIM" optimize "$tmp/grid.sgl" --stats --no-progress --limit 1 2>&1 >/dev/null
		else
			"$SGLSIM" optimize "$SRCDIR/bench/optimize.sgl" -D 'rate=10 req/s' --stats --no-progress --limit 1 2>&1 >/dev/null
		fi | sed -n 's/^sglsim: search: \([0-9]*\) points in \([0-9.]*\) s.*/\1 \2/p'
	done >"$tmp/opt.$run"
	pts=$(head -n 1 "$tmp/opt.$run" | cut -d' ' -f1)
	sec=$(cut -d' ' -f2 "$tmp/opt.$run" | median)
	awk -v p="$pts" -v s="$sec" -v m="$run" 'BEGIN { printf "  %-8s %10d points %8.2f s %8.2f M points/s\n", m, p, s, p / s / 1e6 }'
done
for r in 1 2 3; do
	( cd "$tmp" && python3 -c 'import subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(time.monotonic() - t)' "$SGLSIM" optimize "$SRCDIR/examples/multi_objective_optimization.sgl" --no-progress )
done | median | awk '{ printf "  examples/multi_objective_optimization.sgl end to end: %.2f s\n", $1 }'

# ---------------------------------------------------------------- a long trace
# 10^7 requests of an Azure-format trace (generated: 200 req/s, prompts
# 100..999 tok, outputs 20..119 tok) on 4 H100s: streamed, so the peak
# memory is that of a short run (tests/trace_scale.sh checks it at 2.2M).
echo
echo "trace streaming (10^7 Azure-format requests, 4 x H100, llama31_8b)"
sh "$SRCDIR/tests/gen_trace.sh" 10000000 "$tmp/long.csv"
cat >"$tmp/long.sgl" <<'SGL'
import gpus
import models
deployment d {
  model = llama31_8b
  gpu = h100_sxm
  replicas = 4
  max_running = 256
}
workload w = trace("long.csv", format = azure)
simulate d with w
SGL
( cd "$tmp" && python3 -c 'import re, resource, subprocess, sys, time
t = time.monotonic()
out = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True).stdout
dt = time.monotonic() - t
done = re.search(r"(\d+) completed", out).group(1)
print("  %s requests completed in %.1f s, peak memory %.0f MiB" % (done, dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))' \
	"$SGLSIM" run long.sgl )
rm -f "$tmp/long.csv"
