#!/bin/sh
# interrupt.sh -- Ctrl-C (SIGINT) stops a long simulation, a grid search and
# a simulated search cleanly: exit status 130, the table and --json say the
# results are partial, nothing later runs, --csv is not written for a
# partial search.  Each run is sized to take many seconds, and is
# interrupted after about one.  TAP.
. "$(dirname "$0")/tap.sh"
py() { python3 - "$@"; }
if [ -n "${SGLSIM_VALGRIND:-}" ]; then   # timed signals and a slowed process: nothing to learn
	ok "# SKIP interrupt timing under valgrind"
	tap_done
	exit 0
fi

# run_int SECONDS OUT ERR CMD...: runs CMD in the background, sends SIGINT
# after SECONDS, prints its exit status.
run_int() {
	wait_s=$1 out=$2 err=$3
	shift 3
	"$@" >"$out" 2>"$err" &
	pid=$!
	sleep "$wait_s"
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	echo $?
}

# ---------------------------------------------------------------- simulate
sed 's/^  requests = 2000$/  requests = 5000000/' "$SRCDIR/examples/quickstart.sgl" >"$tmp/long.sgl"
st=$(run_int 1 "$tmp/sim.out" "$tmp/sim.err" "$SGLSIM" run "$tmp/long.sgl" --json "$tmp/sim.json")
[ "$st" = 130 ] && ok "simulate: Ctrl-C exits with 130" || not_ok "simulate: Ctrl-C exits with 130 (got $st)"
grep -q '^partial: interrupted (Ctrl-C) at t = ' "$tmp/sim.out" && ok "simulate: the table says it is partial" \
	|| not_ok "simulate: the table says it is partial"
check "simulate: --json has partial and interrupted true, figures of the requests done" py "$tmp/sim.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["partial"] is True and d["interrupted"] is True, d
assert 0 < d["requests"]["completed"] < 5000000, d["requests"]
PY
grep -q 'weight_read_time' "$tmp/sim.out" && not_ok "simulate: the statements after it do not run" \
	|| ok "simulate: the statements after it do not run"
grep -q 'interrupted' "$tmp/sim.err" && ok "simulate: stderr says what was written is partial" \
	|| not_ok "simulate: stderr says what was written is partial"

# ---------------------------------------------------------------- grid search
# the interpreter over 42 million points: many seconds
st=$(run_int 1 "$tmp/grid.out" "$tmp/grid.err" "$SGLSIM" optimize "$SRCDIR/bench/optimize.sgl" --jit never \
	--no-progress --json "$tmp/grid.json" --csv "$tmp/grid.csv")
[ "$st" = 130 ] && ok "grid: Ctrl-C exits with 130" || not_ok "grid: Ctrl-C exits with 130 (got $st)"
grep -q 'partial: interrupted (Ctrl-C) after [0-9]* of 41943040 points' "$tmp/grid.out" \
	&& ok "grid: the table says how far it got" || not_ok "grid: the table says how far it got"
check "grid: --json is partial with the points evaluated" py "$tmp/grid.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["counts"]
assert d["partial"] is True, d["partial"]
assert 0 < c["evaluated"] < c["points"], c
PY
[ ! -e "$tmp/grid.csv" ] && grep -q -- "--csv .* not written: the search was interrupted" "$tmp/grid.err" \
	&& ok "grid: --csv is not written, and it says so" || not_ok "grid: --csv is not written, and it says so"

# ---------------------------------------------------------------- simulated search
for jobs in 1 2; do
	sed 's/^  requests = 1500$/  requests = 60000/' "$SRCDIR/examples/optimize_pd_ratio.sgl" >"$tmp/pd.sgl"
	st=$(run_int 1 "$tmp/pd.out" "$tmp/pd.err" "$SGLSIM" optimize "$tmp/pd.sgl" --jobs $jobs --no-progress --json "$tmp/pd.json")
	[ "$st" = 130 ] && ok "simulated, --jobs $jobs: Ctrl-C exits with 130" \
		|| not_ok "simulated, --jobs $jobs: Ctrl-C exits with 130 (got $st)"
	check "simulated, --jobs $jobs: --json is partial; cut + simulated + unsimulated = points" py "$tmp/pd.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["counts"]
assert d["partial"] is True, d["partial"]
assert c["unsimulated"] > 0, c
analytic = [k for k in d["constraints"] if not k["simulated"]]
cut = sum(k["cut"] for k in analytic)
assert cut + c["simulated"] + c["unsimulated"] == c["points"], (cut, c)
assert c["simulation_failures"] == 0, c
PY
done
tap_done
