#!/bin/sh
# optimize.sh -- `sglsim optimize`, as TAP: the methods against brute force
# on random problems (optimize_oracle.py), the examples, simulated
# objectives (pruning, --jobs independence), verification, MPI equal to a
# single process, --csv/--json/--plot outputs, infeasible problems and the
# error messages.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"
py() { python3 - "$@"; }

# ---------------------------------------------------------------- brute force
if python3 "$SRCDIR/tests/optimize_oracle.py" "$SGLSIM" "$tmp/oracle" 7 >"$tmp/oracle.tap" 2>&1; then
	ok "random problems: every method equals brute force ($(grep -c '^ok' "$tmp/oracle.tap") checks)"
else
	not_ok "random problems: every method equals brute force"
	grep -v '^ok' "$tmp/oracle.tap" | sed 's/^/# /'
fi

# The same with pools of 3 points: every shrinking path (front merges, the
# dominance cache, ranking cut-offs) runs and is checked by brute force.
if SGLSIM_POOL=3 python3 "$SRCDIR/tests/optimize_oracle.py" "$SGLSIM" "$tmp/oracle3" 11 >"$tmp/oracle3.tap" 2>&1; then
	ok "random problems with tiny pools: every method equals brute force ($(grep -c '^ok' "$tmp/oracle3.tap") checks)"
else
	not_ok "random problems with tiny pools: every method equals brute force"
	grep -v '^ok' "$tmp/oracle3.tap" | sed 's/^/# /'
fi

# ---------------------------------------------------------------- pure formulas
cat >"$tmp/pure.sgl" <<'SGL'
param x in 0 .. 10
param y in {1, 2, 4, 8}
metric f = x * y
metric g = 20 - x - y
optimize {
  maximize f
  maximize g
  subject to x + y <= 12
  method = pareto
}
SGL
check "a Pareto front of formulas prints best first" sh -c "\"$SGLSIM\" optimize \"$tmp/pure.sgl\" >\"$tmp/pure.out\" && grep -q 'Pareto front of 15' \"$tmp/pure.out\" && grep -q 'x + y <= 12 .*cut 8 points' \"$tmp/pure.out\""
check "sglsim run executes optimize statements too" sh -c "\"$SGLSIM\" run \"$tmp/pure.sgl\" | grep -q 'Pareto front of 15'"

sed 's/method = pareto/method = weighted(g = 2, f = 1)/' "$tmp/pure.sgl" >"$tmp/wn.sgl"
sed 's/method = pareto/method = weighted(1, 2)/' "$tmp/pure.sgl" >"$tmp/wp.sgl"
check "weighted takes weights by objective name or in order" sh -c "
	\"$SGLSIM\" optimize \"$tmp/wn.sgl\" --json \"$tmp/wn.json\" >/dev/null &&
	\"$SGLSIM\" optimize \"$tmp/wp.sgl\" --json \"$tmp/wp.json\" >/dev/null && cmp \"$tmp/wn.json\" \"$tmp/wp.json\" &&
	sed 's/method = pareto/method = weighted(2, 1)/' \"$tmp/pure.sgl\" >\"$tmp/wq.sgl\" &&
	\"$SGLSIM\" optimize \"$tmp/wq.sgl\" --json \"$tmp/wq.json\" >/dev/null && ! cmp -s \"$tmp/wn.json\" \"$tmp/wq.json\""

sed 's/method = pareto/method = nlopt(algorithm = cobyla)/' "$tmp/pure.sgl" >"$tmp/nl.sgl"
check "nlopt: the rounded relaxation is improved on the grid to its optimum (f = 32)" sh -c "
	\"$SGLSIM\" optimize \"$tmp/nl.sgl\" --json - | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"best\"][0][\"objectives\"][\"f\"]==32, d[\"best\"]; assert d[\"nlopt\"][\"local_steps\"]>0'"

cat >"$tmp/infeasible.sgl" <<'SGL'
param x in 0 .. 10
metric f = x * x
optimize {
  minimize f
  subject to x >= 20, x <= 5
}
SGL
check "an infeasible problem says what each constraint cut and how close it came" sh -c "
	\"$SGLSIM\" optimize \"$tmp/infeasible.sgl\" >\"$tmp/inf.out\" &&
	grep -q 'no point meets every constraint' \"$tmp/inf.out\" &&
	grep -q 'x >= 20 .*cut 11 points; closest: 10 against 20' \"$tmp/inf.out\" &&
	grep -q 'x <= 5 .*cut 5 points; closest: 6 against 5' \"$tmp/inf.out\""

cat >"$tmp/nan.sgl" <<'SGL'
param x in -2 .. 2
metric f = sqrt(x)
optimize { maximize f }
SGL
check "NaN objectives are reported with the point, never ranked" sh -c "
	\"$SGLSIM\" optimize \"$tmp/nan.sgl\" --json \"$tmp/nan.json\" >\"$tmp/nan.out\" &&
	grep -q '2 feasible points gave an undefined objective (NaN or infinite) .* the first: x = -2' \"$tmp/nan.out\" &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [r[\"params\"][\"x\"] for r in d[\"best\"]]==[2,1,0], d' \"$tmp/nan.json\""

cat >"$tmp/nan2.sgl" <<'SGL'
param x in -3 .. 3
metric f = 1 / x
metric g = sqrt(x)
optimize {
  maximize f
  subject to g <= 10
}
SGL
check "an infinite objective is undefined, not ranked; NaN constraint values are reported with the point" sh -c "
	\"$SGLSIM\" optimize \"$tmp/nan2.sgl\" --json \"$tmp/nan2.json\" >\"$tmp/nan2.out\" &&
	grep -q 'g <= 10 .*cut 3 points' \"$tmp/nan2.out\" &&
	grep -q 'note: 3 of them undefined (NaN) there; the first: x = -3' \"$tmp/nan2.out\" &&
	grep -q '1 feasible point gave an undefined objective (NaN or infinite) and was not ranked; the first: x = 0' \"$tmp/nan2.out\" &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [r[\"params\"][\"x\"] for r in d[\"best\"]]==[1,2,3], d; assert d[\"constraints\"][0][\"undefined\"]==3' \"$tmp/nan2.json\""

# ---------------------------------------------------------------- simulated
cat >"$tmp/des.sgl" <<'SGL'
import gpus
import models
import metrics
param n_p in 1 .. 3
param n_d in 1 .. 3
cluster one_node { gpu = h100_sxm; gpus_per_node = 8; nodes = 1 }
deployment pd {
  model = llama31_8b
  cluster = one_node
  mode = disaggregated
  prefill { replicas = n_p; tp = 1 }
  decode { replicas = n_d; tp = 1; max_running = 128 }
}
workload w {
  requests = 300
  seed = 1
  arrival = poisson(20 req/s)
  prompt = lognormal(median = 1000 tok, sigma = 0.5)
  output = constant(100 tok)
  slo { ttft = 500 ms; tpot = 30 ms }
}
optimize pd with w {
  maximize sim.goodput as goodput
  minimize total_gpus as gpus
  subject to sim.ttft.p99 <= 1 s, total_gpus <= 4
  over (n_p, n_d)
  method = pareto
  verify top 2 by simulation
}
SGL
check "simulated objectives: analytic constraints prune before simulating" sh -c "
	\"$SGLSIM\" optimize \"$tmp/des.sgl\" --jobs 1 --json \"$tmp/des1.json\" >\"$tmp/des.out\" &&
	grep -q '9 points, .* 6 simulated' \"$tmp/des.out\" && grep -q 'total_gpus <= 4 .*cut 3 points' \"$tmp/des.out\""
check "simulated objectives: the same JSON with 1 and 3 worker processes" sh -c "
	\"$SGLSIM\" optimize \"$tmp/des.sgl\" --jobs 3 --json \"$tmp/des3.json\" >/dev/null && cmp \"$tmp/des1.json\" \"$tmp/des3.json\""
check "--seed N reaches the simulated points: the workload's own seed gives the same JSON" sh -c "
	\"$SGLSIM\" optimize \"$tmp/des.sgl\" --jobs 1 --seed 1 --json \"$tmp/seed1.json\" >/dev/null &&
	cmp \"$tmp/des1.json\" \"$tmp/seed1.json\""
check "--seed N reaches the simulated points: another seed, other figures (run --seed too)" sh -c "
	\"$SGLSIM\" optimize \"$tmp/des.sgl\" --jobs 1 --seed=2 --json \"$tmp/seed2.json\" >/dev/null &&
	! cmp -s \"$tmp/des1.json\" \"$tmp/seed2.json\" &&
	\"$SGLSIM\" run \"$tmp/des.sgl\" --seed 2 --no-progress >\"$tmp/seed2.run\" &&
	\"$SGLSIM\" optimize \"$tmp/des.sgl\" --seed 2 --no-progress >\"$tmp/seed2.opt\" &&
	cmp \"$tmp/seed2.run\" \"$tmp/seed2.opt\""
check "simulated figures equal a plain simulate of the chosen point" py "$tmp/des1.json" "$SGLSIM" "$tmp" <<'PY'
import json, subprocess, sys
d = json.load(open(sys.argv[1]))
best = d["front"][0]
src = open(sys.argv[3] + "/des.sgl").read().split("optimize pd with w")[0] + "simulate pd with w\n"
open(sys.argv[3] + "/one.sgl", "w").write(src)
out = subprocess.run([sys.argv[2], "run", sys.argv[3] + "/one.sgl", "--json", "-",
                      "-D", "n_p=%d" % best["params"]["n_p"], "-D", "n_d=%d" % best["params"]["n_d"]],
                     stdout=subprocess.PIPE, check=True, text=True).stdout
s = json.loads(out)
assert best["simulated"]["goodput"] == s["goodput"], (best["simulated"]["goodput"], s["goodput"])
assert best["simulated"]["ttft.p99"] == s["ttft"]["p99"], (best["simulated"], s["ttft"])
assert best["objectives"]["goodput"] == s["goodput"]
PY
check "verify top K reports formula and simulation side by side" py "$SGLSIM" "$tmp" <<'PY'
import json, subprocess, sys
sgl, tmp = sys.argv[1], sys.argv[2]
src = open(tmp + "/des.sgl").read().replace("maximize sim.goodput as goodput", "minimize ttft").replace(
    "sim.ttft.p99 <= 1 s, ", "").replace("minimize total_gpus as gpus", "").replace("method = pareto", "method = grid")
open(tmp + "/ver.sgl", "w").write(src)
out = subprocess.run([sgl, "optimize", tmp + "/ver.sgl", "--json", "-"], stdout=subprocess.PIPE, check=True, text=True).stdout
d = json.loads(out)
rows = d["best"]
assert len(rows) == 6 and "verified" in rows[0] and "verified" in rows[1], rows[:2]
v = rows[0]["verified"]["ttft"]
assert v["formula"] > 0 and v["simulated"] > 0 and abs(v["relative_error"] - (v["formula"] - v["simulated"]) / v["simulated"]) < 1e-12
assert all("verified" not in r for r in rows[2:])
assert d["counts"]["simulated"] == 0
PY

# ---------------------------------------------------------------- MPI
if [ -n "${SGLSIM_VALGRIND:-}" ]; then   # OpenMPI's allocations outlive MPI_Finalize (definite leaks)
	ok "mpirun -np 2 --mpi gives the single-process JSON # SKIP under valgrind"
elif command -v mpirun >/dev/null 2>&1 && "$SGLSIM" --version | grep -q 'MPI: available'; then
	# (OpenMPI's own allocations outlive MPI_Finalize: no leak check there)
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
	check "mpirun -np 2 --mpi gives the single-process JSON" sh -c "
		ASAN_OPTIONS=detect_leaks=0 timeout 300 mpirun -np 2 --oversubscribe \"$SGLSIM\" optimize \"$tmp/des.sgl\" --mpi --json \"$tmp/mpi.json\" >\"$tmp/mpi.out\" 2>&1 &&
		cmp \"$tmp/des1.json\" \"$tmp/mpi.json\" && grep -c 'Pareto front' \"$tmp/mpi.out\" | grep -qx 1"
else
	ok "mpirun -np 2 --mpi gives the single-process JSON # SKIP MPI not built or mpirun missing"
fi

# ---------------------------------------------------------------- outputs
check "--csv has a header of params, objectives, constraint sides, feasible, pareto" sh -c "
	\"$SGLSIM\" optimize \"$tmp/pure.sgl\" --csv \"$tmp/pure.csv\" >/dev/null &&
	head -1 \"$tmp/pure.csv\" | grep -qx '\"x\",\"y\",\"f\",\"g\",\"x + y\",feasible,pareto' &&
	test \$(wc -l <\"$tmp/pure.csv\") -eq 45 && test \$(grep -c ',1,1\$' \"$tmp/pure.csv\") -eq 15"
if "$SGLSIM" --version | grep -q 'PLplot (--plot): available'; then
	check "--plot writes an SVG of the front" sh -c "
		\"$SGLSIM\" optimize \"$tmp/pure.sgl\" --plot \"$tmp/front.svg\" >/dev/null && head -c 200 \"$tmp/front.svg\" | grep -q '<svg\\|<?xml'"
	check "--plot of one objective is an error" sh -c "
		! \"$SGLSIM\" optimize \"$tmp/nan.sgl\" --plot \"$tmp/x.svg\" 2>\"$tmp/err\" >/dev/null && grep -q 'two or more objectives' \"$tmp/err\""
else
	ok "--plot writes an SVG of the front # SKIP PLplot not built"
	ok "--plot of one objective is an error # SKIP PLplot not built"
fi

# ---------------------------------------------------------------- hoisting
# The stdlib metrics over a grid: hoisting what the inner params do not
# change (opt_stage.c) gives the same bits as the whole program.
sed -e 's/param replicas in 1 .. 32 = 1/param replicas in 1 .. 3 = 1/' \
    -e 's/param cap      in 8 .. 1024 step 8 = 128/param cap in 32 .. 256 step 32 = 128/' \
    -e 's/param rate     in 1 req.s .. 40 req.s step 1 req.s = 10 req.s/param rate in 2 req\/s .. 20 req\/s step 2 req\/s = 10 req\/s/' \
    -e 's/chunk    in 256 tok .. 16384 tok step 256 tok/chunk in 1024 tok .. 16384 tok step 1024 tok/' \
    "$SRCDIR/bench/optimize.sgl" >"$tmp/grid.sgl"
check "hoisted grid evaluation equals the whole program bit for bit (JSON and CSV)" sh -c "
	grep -q 'param rate in 2 req/s' \"$tmp/grid.sgl\" &&
	\"$SGLSIM\" optimize \"$tmp/grid.sgl\" --no-progress --json \"$tmp/h1.json\" --csv \"$tmp/h1.csv\" >/dev/null &&
	SGLSIM_NO_HOIST=1 \"$SGLSIM\" optimize \"$tmp/grid.sgl\" --no-progress --jit never --json \"$tmp/h2.json\" --csv \"$tmp/h2.csv\" >/dev/null &&
	cmp \"$tmp/h1.json\" \"$tmp/h2.json\" && cmp \"$tmp/h1.csv\" \"$tmp/h2.csv\" && test \$(wc -l <\"$tmp/h1.csv\") -gt 10000"

# A ranking over 300 000 points: the pools shrink many times (and points
# ranked after what a pool keeps are dropped early); the result must still
# be the brute-force order, for any --jobs.
cat >"$tmp/big.sgl" <<'SGL'
param a in 0 .. 99
param b in 0 .. 99
param c in 0 .. 29
metric f = min(a * b, 3000) - c * c
metric g = (a - 50) * (b - 40) + 7 * c
optimize {
  maximize f
  minimize g
  subject to a + b + c <= 180
  method = grid
}
SGL
check "a ranking of 300 000 points equals brute force (--jobs 1 and 2)" sh -c "
	\"$SGLSIM\" optimize \"$tmp/big.sgl\" --limit 40 --jobs 2 --json \"$tmp/big2.json\" --csv \"$tmp/big.csv\" >/dev/null &&
	\"$SGLSIM\" optimize \"$tmp/big.sgl\" --limit 40 --jobs 1 --json \"$tmp/big1.json\" >/dev/null &&
	cmp \"$tmp/big1.json\" \"$tmp/big2.json\" &&
	python3 -c '
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
pts = [(-float(r[3]), float(r[4]), n, (float(r[0]), float(r[1]), float(r[2]))) for n, r in enumerate(rows) if r[-2] == \"1\"]
pts.sort()
want = [p[3] for p in pts[:40]]
got = [(r[\"params\"][\"a\"], r[\"params\"][\"b\"], r[\"params\"][\"c\"]) for r in json.load(open(sys.argv[2]))[\"best\"]]
assert got == want, (got[:5], want[:5])
' \"$tmp/big.csv\" \"$tmp/big2.json\""

# ---------------------------------------------------------------- examples
for ex in basic_simulation optimize_pd_ratio sweep_chunk_size multi_objective_optimization; do
	check "examples/$ex.sgl runs" sh -c "cd \"$tmp\" && \"$SGLSIM\" optimize \"$SRCDIR/examples/$ex.sgl\" --no-progress >\"$tmp/$ex.out\""
done
check "multi_objective_optimization verifies its top 3 and draws the throughput graph" sh -c "
	grep -q 'Pareto front of' \"$tmp/multi_objective_optimization.out\" && test -s \"$tmp/throughput.svg\" &&
	grep -q 'sim.throughput' \"$tmp/multi_objective_optimization.out\""

# ---------------------------------------------------------------- errors
err_case() {
	name=$1 want=$2
	cat >"$tmp/e.sgl"
	if "$SGLSIM" optimize "$tmp/e.sgl" >"$tmp/e.out" 2>&1; then
		not_ok "$name (exit 0)"
		sed 's/^/# /' "$tmp/e.out"
	elif grep -q "e.sgl:[0-9]*:[0-9]*: error: $want" "$tmp/e.out"; then
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/# /' "$tmp/e.out"
	fi
}
err_case "a continuous range without a step cannot be searched" "param 'r' is a continuous range" <<'SGL'
param r in 0.5 .. 2.5
optimize { maximize r * 2 }
SGL
err_case "weighted needs one weight per objective" "weighted needs one weight per objective: 1 given, 2 objectives" <<'SGL'
param r in 1 .. 3
optimize { maximize r as a
  minimize r * r as b
  method = weighted(1) }
SGL
err_case "epsilon names an objective" "no objective is named 'c'" <<'SGL'
param r in 1 .. 3
optimize { maximize r as a
  minimize r * r as b
  method = epsilon(primary = c) }
SGL
err_case "epsilon bounds a minimized objective from above" "'b' is minimized: bound it from above" <<'SGL'
param r in 1 .. 3
optimize { maximize r as a
  minimize r * r as b
  method = epsilon(primary = a, b >= 2) }
SGL
err_case "an unknown NLopt algorithm" "unknown NLopt algorithm 'bfgs'" <<'SGL'
param r in 1 .. 3
optimize { maximize r
  method = nlopt(algorithm = bfgs) }
SGL
err_case "a param neither searched nor fixed" "param 's' is neither searched nor fixed" <<'SGL'
param r in 1 .. 3
param s in {1, 2}
optimize { maximize r * s
  over (r) }
SGL
err_case "sim.* needs D with W" "'sim' names the bound sim" <<'SGL'
param r in 1 .. 3
optimize { maximize sim.goodput }
SGL
tap_done
