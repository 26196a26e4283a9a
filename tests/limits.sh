#!/bin/sh
# limits.sh -- every size a user controls has a documented limit
# (doc/limits.md) and a clear error just beyond it, as TAP: for each limit
# an input just beyond it (generated here) must fail with exit status 1 or
# 2 -- never a signal or a timeout -- and the documented message, a .sgl
# input as FILE:LINE:COL: error: with the source line and a caret; where it
# is cheap, an input just within the limit must pass, so the limit is where
# the document says.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"
case $SGLSIM in /*) ;; *) SGLSIM=$(pwd)/$SGLSIM ;; esac
cd "$tmp" || exit 1

# fails_with STATUS TEXT COMMAND... : within 60 s, exit STATUS and TEXT on stderr
fails_with() {
	want=$1 text=$2
	shift 2
	timeout 60 "$@" >out 2>err
	got=$?
	[ "$got" -eq "$want" ] || { echo "exit $got, wanted $want"; head -c 3000 err; return 1; }
	grep -qF -- "$text" err || { echo "stderr lacks [$text]:"; head -c 3000 err; return 1; }
}
# sgl_fails FILE TEXT COMMAND... : exit 1 with TEXT, reported as
# FILE:LINE:COL: error: with a caret line
sgl_fails() {
	file=$1 text=$2
	shift 2
	fails_with 1 "$text" "$@" || return 1
	grep -q "^$file:[0-9][0-9]*:[0-9][0-9]*: error: " err && grep -q '^[ 	]*\^' err ||
		{ echo "no '$file:LINE:COL: error:' with a caret:"; head -c 3000 err; return 1; }
}
# passes COMMAND... : exit 0 within 60 s
passes() {
	timeout 60 "$@" >out 2>err
	got=$?
	[ "$got" -eq 0 ] || { echo "exit $got, wanted 0"; head -c 3000 err; return 1; }
}
# py ARG... : python3 reading its program from standard input
py() { python3 - "$@"; }
# timed check NAME COMMAND... : a check that races a clock (a 60 s budget
# for 50 million steps, a Ctrl-C after 2 s), skipped under valgrind, which
# runs some 50 times slower
timed() {
	shift
	if [ -n "${SGLSIM_VALGRIND:-}" ]; then ok "$1 # SKIP timed, under valgrind"; else check "$@"; fi
}
# repeat N TEXT : TEXT N times, no newline
repeat() { awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'; }

# ---------------------------------------------------------------- source

# The size of a source file: 64 MiB (a comment line that long, then a print).
{ printf '#'; head -c 67108854 /dev/zero | tr '\0' x; printf '\nprint 1\n'; } >max.sgl
check "a source of exactly 64 MiB is read" passes "$SGLSIM" check max.sgl
{ printf '#'; head -c 67108855 /dev/zero | tr '\0' x; printf '\nprint 1\n'; } >big.sgl
check "a source over 64 MiB is an error naming it" \
	fails_with 1 "sglsim: error: cannot read 'big.sgl': it is larger than 64 MiB" "$SGLSIM" check big.sgl
check "standard input over 64 MiB too" \
	fails_with 1 "cannot read standard input: it is larger than 64 MiB" sh -c "\"$SGLSIM\" check - <big.sgl"
rm -f max.sgl big.sgl

# Lines have no limit of their own; a message quoting a huge token is cut.
{ printf '# '; head -c 10000000 /dev/zero | tr '\0' x; printf '\nprint 1\n'; } >longline.sgl
check "a 10 MB line is read" passes "$SGLSIM" run longline.sgl
{ printf 'const a = '; head -c 10000000 /dev/zero | tr '\0' b; printf '\n'; } >longname.sgl
check "a 10 MB unknown name is an error" sgl_fails longname.sgl "error: unknown name 'bbbb" "$SGLSIM" check longname.sgl
check "... whose message is cut at 1000 bytes" sh -c '[ "$(wc -c <err)" -lt 4000 ] && grep -q "bbb\.\.\.$" err'

# Nesting: 1000 levels, the item counting one and a chain of operators one
# level per operator.
{ printf 'const a = '; repeat 998 '1+'; printf '1\nprint a\n'; } >chain998.sgl
check "998 chained operators evaluate" sh -c "\"$SGLSIM\" run chain998.sgl | grep -qx 999"
{ printf 'const a = '; repeat 999 '1+'; printf '1\n'; } >chain999.sgl
check "999 chained operators are too deep" \
	sgl_fails chain999.sgl "error: this is nested more than 1000 levels deep" "$SGLSIM" check chain999.sgl
{ printf 'const a = '; repeat 100000 '1+'; printf '1\n'; } >chain100k.sgl
check "100000 chained operators are too deep, at once" \
	sgl_fails chain100k.sgl "error: this is nested more than 1000 levels deep" "$SGLSIM" check chain100k.sgl
# A chain is cut where it passes the limit, so a huge one costs little:
# 64 MiB of '1+1+...' (and a '.field' chain, one inside parentheses, one in
# a call's arguments), each reported once, the lines after them still read.
python3 - <<'PY'
with open("chain_huge.sgl", "w") as f:
    f.write("const a = 1" + "+1" * 33000000 + "\n")
    f.write("const b = x" + ".y" * 2000 + "\n")
    f.write("const c = (2" + "*2" * 5000 + ") + 1\n")
    f.write("const d = max(1" + "-1" * 3000 + ", 2)\n")
    f.write("const e = nope\n")
PY
if [ -n "${ASAN_OPTIONS:-}" ] || [ -n "${SGLSIM_VALGRIND:-}" ]; then   # RSS says nothing there
	ok "a 64 MiB chain of operators # SKIP under a sanitizer or valgrind"
else check "a 64 MiB chain of operators: reported at once, in little memory" py "$SGLSIM" <<'PY'
import resource, subprocess, sys
r = subprocess.run([sys.argv[1], "check", "chain_huge.sgl"], capture_output=True, text=True, timeout=60)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
errs = [l for l in r.stderr.splitlines() if ": error: " in l]
want = ["chain_huge.sgl:%d:1: error: this is nested more than 1000 levels deep" % n for n in (1, 2, 3, 4)]
assert r.returncode == 1, r.returncode
assert [e[:len(w)] for e, w in zip(errs, want)] == want, errs
assert len(errs) == 5 and "unknown name 'nope'" in errs[4], errs
assert rss < 1024, "%d MiB" % rss   # the AST of the whole chain took some 8 GiB
print("# peak memory %d MiB" % rss)
PY
fi
{ printf 'const a = '; repeat 998 -; printf '1\nprint a\n'; } >neg998.sgl
check "998 nested minus signs evaluate" sh -c "\"$SGLSIM\" run neg998.sgl | grep -qx 1"
{ printf 'deployment d { '; repeat 1000 'x { '; repeat 1000 '}'; printf ' }\n'; } >blocks.sgl
check "blocks count too: 1000 inside a record" \
	sgl_fails blocks.sgl "error: this is nested more than 1000 levels deep" "$SGLSIM" check blocks.sgl

# The parser holds at most 10000 open brackets and pending operators.
{ printf 'const a = '; repeat 9990 '('; printf 1; repeat 9990 ')'; printf '\n'; } >paren_ok.sgl
check "9990 nested parentheses parse" passes "$SGLSIM" check paren_ok.sgl
{ printf 'const a = '; repeat 10000 '('; printf 1; repeat 10000 ')'; printf '\n'; } >paren.sgl
check "10000 nested parentheses are too deep" \
	sgl_fails paren.sgl "error: the input nests too deeply: more than 10000 open brackets and pending operators" \
	"$SGLSIM" check paren.sgl

# Definitions checked while checking another (each uses the next one,
# defined later): 256 deep.
defs() { awk -v n="$1" 'BEGIN { for (i = n - 1; i > 0; i--) printf "const c%d = c%d + 1\n", i, i - 1
	print "const c0 = 1"; printf "print c%d\n", n - 1 }'; }
defs 256 >defs256.sgl
check "256 definitions in a chain of forward uses" sh -c "\"$SGLSIM\" run defs256.sgl | grep -qx 256"
defs 257 >defs257.sgl
check "257 are too deep" \
	sgl_fails defs257.sgl "error: definitions depend on each other more than 256 deep" "$SGLSIM" check defs257.sgl
records() { awk -v n="$1" 'BEGIN { for (i = n - 1; i > 0; i--) printf "gpu g%d : g%d { }\n", i, i - 1
	print "gpu g0 { mem = 1 GiB }"; printf "print g%d.mem\n", n - 1 }'; }
records 256 >rec256.sgl
check "a chain of 256 records, each inheriting from the next" \
	sh -c "\"$SGLSIM\" run rec256.sgl | grep -qx '1073741824 B'"
records 257 >rec257.sgl
check "257 are too deep (the last reached is reported)" \
	sgl_fails rec257.sgl "rec257.sgl:257:5: error: records inherit from each other more than 256 deep" \
	"$SGLSIM" check rec257.sgl

# Imports: 256 deep.
imports() {
	rm -rf imp && mkdir imp &&
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) { f = sprintf("imp/m%d.sgl", i)
		if (i + 1 < n) printf "import m%d\n", i + 1 > f
		printf "const k%d = %d\n", i, i > f; close(f) }
		print "import m0\nprint k0" > "imp/main.sgl" }'
}
imports 256
check "imports nested 256 deep" passes "$SGLSIM" run imp/main.sgl
imports 257
check "257 are too deep" \
	sgl_fails imp/m255.sgl "error: imports nested more than 256 deep" "$SGLSIM" check imp/main.sgl

# Functions: 64 parameters, calls nested 64 deep.
params() { awk -v n="$1" 'BEGIN { printf "fn f("; for (i = 0; i < n; i++) printf "%sa%d", i ? ", " : "", i
	print ") = a0" }'; }
params 64 >params64.sgl
check "a function of 64 parameters" passes "$SGLSIM" check params64.sgl
params 65 >params65.sgl
check "65 are too many" sgl_fails params65.sgl "error: a function takes at most 64 parameters" "$SGLSIM" check params65.sgl
calls() { awk -v n="$1" -v d="$2" 'BEGIN { printf "fn f0(x) = x"; for (k = 0; k < d; k++) printf " + 1"; print ""
	for (i = 1; i < n; i++) { printf "fn f%d(x) = f%d(x)", i, i - 1; for (k = 0; k < d; k++) printf " + 1"; print "" }
	printf "const a = f%d(0)\nprint a\n", n - 1 }'; }
calls 64 1 >calls64.sgl
check "calls nested 64 deep" sh -c "\"$SGLSIM\" run calls64.sgl | grep -qx 64"
calls 65 1 >calls65.sgl
check "65 are too deep" sgl_fails calls65.sgl "error: functions nested more than 64 calls deep" "$SGLSIM" check calls65.sgl

# min and max: 64 arguments (the 65th was once dropped silently).
maxof() { awk -v n="$1" 'BEGIN { printf "const a = max("; for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? ", " : ""), i
	print ")"; print "print a" }'; }
maxof 64 >max64.sgl
check "max of 64 arguments" sh -c "\"$SGLSIM\" run max64.sgl | grep -qx 64"
maxof 65 >max65.sgl
check "65 are too many" sgl_fails max65.sgl "error: too many arguments: 'max' takes at most 64" "$SGLSIM" check max65.sgl

# Evaluation: 3000 levels, counting every operator, name and inlined body.
calls 63 40 >deepcalls.sgl
check "63 nested calls of 40-term bodies evaluate (no stack overflow)" \
	sh -c "\"$SGLSIM\" run deepcalls.sgl | grep -qx 2520"
calls 63 100 >deepercalls.sgl
check "63 nested calls of 100-term bodies nest too deeply" \
	sgl_fails deepercalls.sgl "error: const 'a' cannot be computed: evaluation nests too deeply" \
	"$SGLSIM" check deepercalls.sgl
metrics() { awk -v n="$1" 'BEGIN { print "param x in 1 .. 2 = 1"; print "metric c0 = x"
	for (i = 1; i < n; i++) printf "metric c%d = c%d + x\n", i, i - 1 }'; }
metrics 1500 >m1500.sgl
printf 'print c1499\n' >>m1500.sgl
check "a metric on 1500 metrics evaluates" passes "$SGLSIM" run m1500.sgl
metrics 1600 >m1600.sgl
printf 'print c1599\n' >>m1600.sgl
check "one on 1600 nests too deeply" \
	sgl_fails m1600.sgl "error: cannot compute this: evaluation nests too deeply" "$SGLSIM" run m1600.sgl

# Formulas (expr, eval, graph, compile, optimize): the same 3000 levels,
# and 50 million steps of inlining.
check "a formula of 1500 metrics" sh -c "\"$SGLSIM\" eval m1500.sgl c1499 | grep -qx 'c1499 = 1500'"
check "one of 1600 nests too deeply" \
	fails_with 1 "error: cannot compute 'c1599' as a formula: the formula nests more than 3000 levels deep" \
	"$SGLSIM" expr m1600.sgl c1599
metrics 100000 >m100k.sgl
check "one of 100000 too, without a stack overflow" \
	fails_with 1 "the formula nests more than 3000 levels deep" "$SGLSIM" eval m100k.sgl c99999
doubling() { awk -v n="$1" 'BEGIN { print "param p in 1 .. 2 = 1"; print "fn f0(x) = x + 1"
	for (i = 1; i < n; i++) printf "fn f%d(x) = min(f%d(x), f%d(x + 1))\n", i, i - 1, i - 1
	printf "metric m = f%d(p)\n", n - 1 }'; }
doubling 12 >double12.sgl
check "calls that double 12 times" sh -c "\"$SGLSIM\" eval double12.sgl m | grep -qx 'm = 2'"
doubling 40 >double40.sgl
timed check "calls that double 40 times are too large, at once" \
	fails_with 1 "the formula is too large to build" "$SGLSIM" eval double40.sgl m

# Sizes with no fixed limit stay linear: many definitions, a big set,
# many modules.
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "const a%d = %d\n", i, i; print "print a199999" }' >many.sgl
check "200000 definitions in one file" sh -c "timeout 20 \"$SGLSIM\" run many.sgl | grep -qx 199999"
awk 'BEGIN { printf "param x in {"; for (i = 1; i <= 200000; i++) printf "%s%d", (i > 1 ? ", " : ""), i
	print "} = 1"; print "print x" }' >set.sgl
check "a param domain of 200000 members" sh -c "timeout 20 \"$SGLSIM\" run set.sgl | grep -qx x"
rm -rf flat && mkdir flat &&
	awk 'BEGIN { for (i = 0; i < 3000; i++) { f = sprintf("flat/m%d.sgl", i); printf "const k%d = %d\n", i, i > f; close(f)
		printf "import m%d\n", i > "flat/main.sgl" }
		for (i = 0; i < 3000; i++) printf "const u%d = k%d\n", i, i > "flat/main.sgl"
		print "print u2999" > "flat/main.sgl" }'
check "3000 imported modules" sh -c "timeout 20 \"$SGLSIM\" run flat/main.sgl | grep -qx 2999"

# At most 20 errors are reported.
awk 'BEGIN { for (i = 0; i < 30; i++) printf "const e%d = nope%d\n", i, i }' >errors.sgl
check "the 21st error stops the check" fails_with 1 "sglsim: error: too many errors (20); stopping" "$SGLSIM" check errors.sgl

# ---------------------------------------------------------------- optimize

grid() { awk -v n="$1" -v hi="$2" 'BEGIN { for (i = 0; i < n; i++) printf "param p%d in 1 .. %s\n", i, hi
	printf "metric m = p0"; for (i = 1; i < n; i++) printf " + p%d", i; print ""; print "optimize { minimize m }" }'; }
grid 4 10 >grid4.sgl
check "a grid of 10^4 points" passes "$SGLSIM" optimize grid4.sgl
grid 12 10 >grid12.sgl
check "a grid of 10^12 points is too large" \
	sgl_fails grid12.sgl "error: the grid has more than 100000000000 points, the most a search takes" "$SGLSIM" optimize grid12.sgl
grid 1 1000000001 >range.sgl
check "a range of more than 10^9 steps" \
	sgl_fails range.sgl "error: param 'p0': the range has 1e+09 steps; at most 1e9 can be searched" "$SGLSIM" optimize range.sgl
check "--jobs 1024 is accepted" passes "$SGLSIM" optimize --jobs 1024 grid4.sgl
check "--jobs 1025 is a usage error (never capped silently)" \
	fails_with 2 "--jobs needs a whole number from 1 to 1024, not '1025'" "$SGLSIM" optimize --jobs 1025 grid4.sgl
check "--jobs 0 too" fails_with 2 "--jobs needs a whole number from 1 to 1024, not '0'" "$SGLSIM" optimize --jobs 0 grid4.sgl
check "--limit 1000000 is accepted" passes "$SGLSIM" optimize --limit 1000000 grid4.sgl
check "--limit 1000001 is a usage error" \
	fails_with 2 "--limit needs a whole number from 1 to 1000000, not '1000001'" "$SGLSIM" optimize --limit 1000001 grid4.sgl

# ---------------------------------------------------------------- graph

# x + x * 1 + ... + x * (N - 1) has 3N - 2 nodes
awk 'BEGIN { print "param x in 1 .. 2 = 1"; printf "metric m = x"; for (i = 1; i < 167; i++) printf " + x * %d", i; print "" }' >graph.sgl
check "a graph of 499 nodes" passes "$SGLSIM" graph graph.sgl m -o g.dot
awk 'BEGIN { print "param x in 1 .. 2 = 1"; printf "metric m = x"; for (i = 1; i < 168; i++) printf " + x * %d", i; print "" }' >graph2.sgl
check "one of 502 is over the default --max-nodes" \
	fails_with 1 "sglsim: error: graph has 502 nodes, more than the limit 500" "$SGLSIM" graph graph2.sgl m -o g.dot
check "--max-nodes 100000 is accepted" passes "$SGLSIM" graph graph2.sgl m -o g.dot --max-nodes 100000
check "--max-nodes 100001 is a usage error" \
	fails_with 2 "--max-nodes needs a whole number from 1 to 100000, not '100001'" \
	"$SGLSIM" graph graph2.sgl m -o g.dot --max-nodes 100001
check "--max-nodes 1e3 too (no silent 1)" \
	fails_with 2 "--max-nodes needs a whole number from 1 to 100000, not '1e3'" "$SGLSIM" graph graph2.sgl m -o g.dot --max-nodes 1e3

# ---------------------------------------------------------------- simulate

# sim DEPLOYMENT-FIELDS WORKLOAD-FIELDS: a small simulation, sim.sgl ($W:
# the usual workload fields, $L: all but arrival and prompt)
W='arrival = poisson(5 req/s); prompt = constant(100 tok); output = constant(10 tok)'
L='output = constant(10 tok); requests = 10'
sim() {
	cat >sim.sgl <<EOF
import gpus
import models
deployment d { model = llama31_8b; gpu = h100_sxm; $1 }
workload w { $2 }
simulate d with w
EOF
}
# A constant beyond a limit is reported at its value by the checker:
# over FIELD VALUE MAX is the message.
over() { echo "error: field '$1' is $2, more than $3, the most a simulation takes (doc/limits.md)"; }
sim "" "$W; requests = 1000000001"
check "requests: more than 10^9" sgl_fails sim.sgl "sim.sgl:4:108: $(over requests 1000000001 1000000000)" "$SGLSIM" run sim.sgl
sim "" "$W; requests = 1e12"
check "requests = 1e12" sgl_fails sim.sgl "$(over requests 1000000000000 1000000000)" "$SGLSIM" check sim.sgl
sim "" "$W; requests = 1e300"
check "requests = 1e300" sgl_fails sim.sgl "$(over requests 1e+300 1000000000)" "$SGLSIM" check sim.sgl
sim "" "$W; requests = 1000000000"
timed check "requests = 10^9 is accepted and starts (stopped by Ctrl-C)" \
	sh -c "timeout --preserve-status -s INT 2 \"$SGLSIM\" run --no-progress sim.sgl >out 2>err; [ \$? -eq 130 ] && grep -q 'partial' out"
sim "" "$W; duration = 1e9 s"
check "a duration of about 5e9 requests" \
	sgl_fails sim.sgl "error: workload 'w' would make about 5e+09 requests" "$SGLSIM" run sim.sgl
sim "" "$W; duration = 100 s"
check "a duration of about 500" passes "$SGLSIM" run sim.sgl
sim "" "$L; prompt = constant(100 tok); arrival = burst(at = 0 s, count = 1000000001)"
check "a burst of more than 10^9" \
	sgl_fails sim.sgl "error: burst's count is 1000000001; it must be a whole number from 1 to 1000000000" "$SGLSIM" run sim.sgl
sim "" "$L; prompt = constant(100 tok); arrival = burst(at = 0 s, count = -5)"
check "a burst of -5 (no silent cast)" sgl_fails sim.sgl "error: burst's count is -5" "$SGLSIM" run sim.sgl
sim "replicas = 1000000" "$W; requests = 10"
check "1000000 replicas" passes "$SGLSIM" run sim.sgl
sim "replicas = 1000001" "$W; requests = 10"
check "1000001 replicas" sgl_fails sim.sgl "sim.sgl:3:63: $(over replicas 1000001 1000000)" "$SGLSIM" run sim.sgl
sim "replicas = 4294967297" "$W; requests = 10"
check "2^32 + 1 replicas (no silent 1)" sgl_fails sim.sgl "$(over replicas 4294967297 1000000)" "$SGLSIM" check sim.sgl
sim "mode = disaggregated; prefill { replicas = 1000001 }" "$W; requests = 10"
check "... in a pool block too" sgl_fails sim.sgl "$(over replicas 1000001 1000000)" "$SGLSIM" check sim.sgl
sim "tp = 65537" "$W; requests = 10"
check "tp = 65537" sgl_fails sim.sgl "sim.sgl:3:57: $(over tp 65537 65536)" "$SGLSIM" run sim.sgl
sim "tp = 65536; replicas = 100000" "$W; requests = 10"
check "more GPUs than 2^32" \
	sgl_fails sim.sgl "error: deployment 'd' needs more GPUs than the simulator can number" "$SGLSIM" run sim.sgl
sim "dp = 65537" "$W; requests = 10"
check "dp = 65537" sgl_fails sim.sgl "$(over dp 65537 65536)" "$SGLSIM" check sim.sgl
sim "ep = 65537" "$W; requests = 10"
check "ep = 65537" sgl_fails sim.sgl "$(over ep 65537 65536)" "$SGLSIM" check sim.sgl
sim "cluster { gpu = h100_sxm; gpus_per_node = 65537 }" "$W; requests = 10"
check "gpus_per_node = 65537" sgl_fails sim.sgl "$(over gpus_per_node 65537 65536)" "$SGLSIM" check sim.sgl
sim "cluster { gpu = h100_sxm; nodes = 1000000001 }" "$W; requests = 10"
check "nodes over 10^9" sgl_fails sim.sgl "$(over nodes 1000000001 1000000000)" "$SGLSIM" check sim.sgl
sim "max_running = 1000000001" "$W; requests = 10"
check "max_running over 10^9" sgl_fails sim.sgl "$(over max_running 1000000001 1000000000)" "$SGLSIM" run sim.sgl
sim "kv_transfer { max_inflight = 1000000001 }" "$W; requests = 10"
check "kv_transfer.max_inflight over 10^9" \
	sgl_fails sim.sgl "$(over max_inflight 1000000001 1000000000)" "$SGLSIM" check sim.sgl
sim "" "$W; requests = 10; sessions { turns = 1000000001 }"
check "turns over 10^9" sgl_fails sim.sgl "$(over turns 1000000001 1000000000)" "$SGLSIM" run sim.sgl
sim "tp = 65536; dp = 65536; ep = 65536; max_running = 1000000000
	cluster { gpu = h100_sxm; gpus_per_node = 65536; nodes = 1000000000 }
	kv_transfer { max_inflight = 1000000000 }" "$W; requests = 10; sessions { turns = 1000000000 }"
check "each of those at its limit checks" passes "$SGLSIM" check sim.sgl
sim "" "$W; requests = 10; prefix { groups = 10000000; length = 50 tok; share = 0.5; popularity = zipf(1.0) }"
check "10^7 prefix groups" passes "$SGLSIM" run sim.sgl
sim "" "$W; requests = 10; prefix { groups = 10000001; length = 50 tok; share = 0.5 }"
check "more prefix groups" sgl_fails sim.sgl "$(over groups 10000001 10000000)" "$SGLSIM" run sim.sgl
# A value computed from a param: with -D the checker sees a constant and
# reports it at the value; a point of a search is checked when it is
# simulated (the simulator's own check, naming the record's field).
simp() {
	cat >simp.sgl <<EOF
import gpus
import models
param r in {1, 1000001}
deployment d { model = llama31_8b; gpu = h100_sxm; replicas = r }
workload w { $W; requests = r * 1000 }
$1
EOF
}
simp "simulate d with w"
check "-D r=1000001: replicas beyond 10^6, at the value" \
	sgl_fails simp.sgl "simp.sgl:4:63: $(over replicas 1000001 1000000)" "$SGLSIM" run -D r=1000001 simp.sgl
check "... and requests = r * 1000 beyond 10^9" \
	sgl_fails simp.sgl "$(over requests 1000001000 1000000000)" "$SGLSIM" run -D r=1000001 simp.sgl
simp "optimize d with w { maximize r; verify top 2 by simulation }"
check "a searched point of 1000001 replicas is caught when simulated" \
	sh -c "timeout 60 \"$SGLSIM\" optimize simp.sgl >out 2>err &&
		grep -qF \"#1 could not be simulated: 'd.replicas' is 1000001, more than 1000000, the most a simulation takes\" out"
sim "" "$L; arrival = poisson(5 req/s); prompt = constant(16777216 tok)"
check "a prompt of 2^24 tokens (rejected by the KV pool, counted)" \
	sh -c "timeout 60 \"$SGLSIM\" run sim.sgl | grep -q 'requests larger than the KV pool were rejected'"
sim "" "$L; arrival = poisson(5 req/s); prompt = constant(16777217 tok)"
check "a prompt of 2^24 + 1 tokens" \
	sgl_fails sim.sgl "prompt length: constant length 16777217 is more than 16777216 tokens, the most a request can have" \
	"$SGLSIM" run sim.sgl
sim "" "$L; arrival = poisson(5 req/s); prompt = lognormal(median = 1e12 tok, sigma = 1)"
check "a lognormal median over 2^24 tokens" \
	sgl_fails sim.sgl "prompt length: lognormal median 1000000000000 is more than 16777216 tokens" "$SGLSIM" run sim.sgl
check "--seed 2^64 - 1 is accepted" passes "$SGLSIM" run --seed 18446744073709551615 "$SRCDIR/examples/quickstart.sgl"
check "--seed 2^64 is a usage error" \
	fails_with 2 "--seed needs a whole number >= 0, not '18446744073709551616'" \
	"$SGLSIM" run --seed 18446744073709551616 "$SRCDIR/examples/quickstart.sgl"

# ---------------------------------------------------------------- traces and CSV

# trace FILE FORMAT: trace.sgl replays FILE
trace() {
	cat >trace.sgl <<EOF
import gpus
import models
deployment d { model = llama31_8b; gpu = h100_sxm }
workload w = trace("$1", format = $2)
simulate d with w
EOF
}
hdr=timestamp,input_length,output_length
{ echo "$hdr"; echo 0,100,10; printf '0.1,100,10,'; head -c 4194293 /dev/zero | tr '\0' x; echo; } >long_ok.csv
trace long_ok.csv csv
check "a trace CSV line of 4 MiB" passes "$SGLSIM" run trace.sgl
{ echo "$hdr"; echo 0,100,10; printf '0.1,100,10,'; head -c 4194294 /dev/zero | tr '\0' x; echo; } >long.csv
trace long.csv csv
check "a trace CSV line over 4 MiB" \
	fails_with 1 "long.csv: error: line 3 is longer than 4194304 bytes" "$SGLSIM" run trace.sgl
{ echo "$hdr"; echo 0,100,10; echo "0.1,100,10$(repeat 253 ,0)"; } >wide_ok.csv
trace wide_ok.csv csv
check "a trace CSV row of 256 fields" passes "$SGLSIM" run trace.sgl
{ echo "$hdr"; echo 0,100,10; echo "0.1,100,10$(repeat 254 ,0)"; } >wide.csv
trace wide.csv csv
check "one of 257 fields" fails_with 1 "wide.csv: error: line 3 has more than 256 fields" "$SGLSIM" run trace.sgl
{ echo "$hdr"; echo 0,100,10; echo 0.1,16777216,10; } >tok_ok.csv
trace tok_ok.csv csv
check "a traced request of 2^24 tokens" passes "$SGLSIM" run trace.sgl
{ echo "$hdr"; echo 0,100,10; echo 0.1,16777217,10; } >tok.csv
trace tok.csv csv
check "one of 2^24 + 1 tokens" \
	fails_with 1 "tok.csv:3: error: field 'input_length' is larger than 16777216 tokens" "$SGLSIM" run trace.sgl
{ echo '{"timestamp": 0, "input_length": 100, "output_length": 10}'
  printf '{"timestamp": 1, "input_length": 100, "output_length": 10, "pad": "'
  head -c 4194200 /dev/zero | tr '\0' x; echo '"}'; } >long_ok.jsonl
trace long_ok.jsonl jsonl
check "a JSONL line of almost 4 MiB" passes "$SGLSIM" run trace.sgl
{ echo '{"timestamp": 0, "input_length": 100, "output_length": 10}'
  printf '{"timestamp": 1, "input_length": 100, "output_length": 10, "pad": "'
  head -c 4194304 /dev/zero | tr '\0' x; echo '"}'; } >long.jsonl
trace long.jsonl jsonl
check "a JSONL line over 4 MiB" \
	fails_with 1 "long.jsonl:2: error: line is longer than 4194304 bytes" "$SGLSIM" run trace.sgl

# empirical(file, column) reads CSV the same way.
cat >emp.sgl <<'EOF'
import gpus
import models
deployment d { model = llama31_8b; gpu = h100_sxm }
workload w { requests = 10; arrival = poisson(5 req/s); prompt = empirical("emp.csv", "prompt"); output = constant(10 tok) }
simulate d with w
EOF
{ echo "prompt$(repeat 255 ,c)"; echo 100; echo 200; } >emp.csv
check "empirical() of a table of 256 columns" passes "$SGLSIM" run emp.sgl
{ echo "prompt$(repeat 256 ,c)"; echo 100; } >emp.csv
check "257 columns" sgl_fails emp.sgl "emp.csv: line 1 has more than 256 fields" "$SGLSIM" run emp.sgl

# A NUL byte is binary, not text: an error, never a line cut short.
{ echo "$hdr"; echo 0,100,10; printf '0.1,100\0,10\n'; } >nul.csv
trace nul.csv csv
check "a NUL byte in a trace CSV" fails_with 1 "nul.csv: error: line 3 has a NUL byte" "$SGLSIM" run trace.sgl

# trace()'s block and limit become integers: whole numbers in range.
{ echo "$hdr"; echo 0,100,10; echo 0.1,100,10; } >two.csv
for bad in "block = -1 tok" "block = 16777217 tok" "block = 1.5 tok" "limit = 0" "limit = 1e30"; do
	cat >tracearg.sgl <<EOF
import gpus
import models
deployment d { model = llama31_8b; gpu = h100_sxm }
workload w = trace("two.csv", format = csv, $bad)
simulate d with w
EOF
	check "trace(..., $bad) is an error" sgl_fails tracearg.sgl "must be a whole number" "$SGLSIM" run tracearg.sgl
done
sed 's/limit = 1e30/block = 16777216 tok, limit = 9007199254740992/' tracearg.sgl >tracearg_ok.sgl
check "trace(..., block = 2^24 tok, limit = 2^53) is fine" passes "$SGLSIM" run tracearg_ok.sgl

# eval --points holds the file: the same line and cell limits, and rows.
printf 'param a in 1 .. 10 = 2\nmetric m = 2 * a\n' >pts.sgl
{ printf 'a'; repeat 255 ,x; echo; echo 1; } >pts_ok.csv
check "--points with 256 columns" passes "$SGLSIM" eval pts.sgl m --points pts_ok.csv
{ printf 'a'; repeat 256 ,x; echo; echo 1; } >pts_wide.csv
check "--points with 257 columns" \
	fails_with 1 "sglsim: error: --points 'pts_wide.csv' row 1 has more than 256 cells" "$SGLSIM" eval pts.sgl m --points pts_wide.csv
{ echo a,pad; printf '1,'; head -c 4194302 /dev/zero | tr '\0' x; echo; } >pts_long_ok.csv
check "--points row of 4 MiB" passes "$SGLSIM" eval pts.sgl m --points pts_long_ok.csv
{ echo a,pad; printf '1,'; head -c 4194303 /dev/zero | tr '\0' x; echo; } >pts_long.csv
check "--points row over 4 MiB" \
	fails_with 1 "--points 'pts_long.csv' row 2 is longer than 4194304 bytes" "$SGLSIM" eval pts.sgl m --points pts_long.csv
printf 'a\n1\n2\0\n' >pts_nul.csv
check "--points with a NUL byte" \
	fails_with 1 "--points 'pts_nul.csv' row 3 has a NUL byte" "$SGLSIM" eval pts.sgl m --points pts_nul.csv

# Calibration tables too.
{ printf 'kernel_source,gemm_dtype,m,n,k,latency'; repeat 251 ,x; echo; } >cal_wide.csv
check "a calibration table of 257 columns" \
	fails_with 1 "sglsim: error: cannot read 'cal_wide.csv': line 1 has more than 256 fields" \
	"$SGLSIM" calibrate --gpu h100_sxm --no-fit cal_wide.csv

tap_done
