#!/bin/sh
# simulate.sh -- `sglsim run` on scenarios with simulate statements, as
# TAP: the table, --json keys and Little's law, determinism (same seed,
# byte-identical JSON; JIT and interpreter alike), --csv and --trace, the
# issue's scenario shape, the Mooncake reuse bound, and error messages.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"
data=$SRCDIR/../shared/data
py() { python3 - "$@"; }

cat >"$tmp/base.sgl" <<'SGL'
import gpus
import models
deployment one {
  model = llama31_8b
  gpu = h100_sxm
  tp = 1
  chunk_size = 2048 tok
  max_running = 64
  cache { policy = lru; page = 16 tok }
}
workload w {
  requests = 600
  seed = 3
  arrival = gamma(12 req/s, 2)
  prompt = clamp(lognormal(median = 700 tok, sigma = 0.9), 16 tok, 8000 tok)
  output = uniform(20 tok, 300 tok)
  prefix { groups = 8; length = 256 tok; share = 0.5; popularity = zipf(1.1) }
  slo { ttft = 200 ms; tpot = 30 ms }
}
simulate one with w
SGL

check "quickstart runs and prints its table" sh -c "\"$SGLSIM\" run \"$SRCDIR/examples/quickstart.sgl\" | grep -q '^simulate one with chat'"
check "--json - is one JSON document on stdout" sh -c "\"$SGLSIM\" run \"$tmp/base.sgl\" --json - >\"$tmp/a.json\""
check "the JSON has the documented keys and conserves requests" py "$tmp/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("requests.completed", "ttft.mean", "ttft.p99", "tpot.mean", "e2e.mean", "e2e.p99",
          "throughput.output", "throughput.total", "cache.hit_rate", "queue.p50", "itl.p90",
          "kv.peak", "utilization.compute", "cost.usd_per_mtok", "energy.joules_per_token"):
    o = d
    for part in k.split("."):
        o = o[part]
    assert o is not None, k
r = d["requests"]
assert r["arrived"] == r["completed"] == 600, r
assert 0 < d["cache"]["hit_rate"] < 1
assert d["kv"]["peak"] <= 1
L, lam, W = d["little"]["mean_in_system"], d["little"]["arrival_rate"], d["e2e"]["mean"]
assert abs(L - lam * W) <= 0.02 * L, (L, lam * W)
assert d["ttft"]["p50"] <= d["ttft"]["p90"] <= d["ttft"]["p99"] <= d["ttft"]["max"]
PY
"$SGLSIM" run "$tmp/base.sgl" --json "$tmp/b.json" >/dev/null 2>&1
check "same seed, byte-identical JSON" cmp "$tmp/a.json" "$tmp/b.json"
"$SGLSIM" run "$tmp/base.sgl" --json "$tmp/c.json" --seed 4 >/dev/null 2>&1
check "--seed changes the run" sh -c "! cmp -s \"$tmp/a.json\" \"$tmp/c.json\""
"$SGLSIM" run "$tmp/base.sgl" --json "$tmp/never.json" --jit never >/dev/null 2>&1
"$SGLSIM" run "$tmp/base.sgl" --json "$tmp/always.json" --jit always >/dev/null 2>&1
check "JIT and interpreter give the same JSON" cmp "$tmp/never.json" "$tmp/always.json"

"$SGLSIM" run "$tmp/base.sgl" --csv "$tmp/r.csv" --trace "$tmp/t.json" >/dev/null 2>&1
check "--csv has a row per request" sh -c "[ \$(wc -l <\"$tmp/r.csv\") -eq 601 ] && head -1 \"$tmp/r.csv\" | grep -q '^id,worker,'"
check "--trace is a Chrome trace with one event per iteration" py "$tmp/t.json" "$tmp/a.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
x = [e for e in t["traceEvents"] if e.get("ph") == "X"]
assert len(x) == d["sim"]["iterations"], (len(x), d["sim"]["iterations"])
PY

# two statements: a JSON array in order, numbered CSV files
{ cat "$tmp/base.sgl"; echo 'simulate one with w { seed = 9 }'; } >"$tmp/two.sgl"
"$SGLSIM" run "$tmp/two.sgl" --json "$tmp/two.json" --csv "$tmp/two.csv" >/dev/null 2>&1
check "several simulate statements give a JSON array, in order" py "$tmp/two.json" "$tmp/a.json" <<'PY'
import json, sys
two = json.load(open(sys.argv[1])); one = json.load(open(sys.argv[2]))
assert isinstance(two, list) and len(two) == 2
assert two[0] == one, "the first statement differs from the same run alone"
assert two[1]["seed"] == 9 and two[1]["ttft"] != one["ttft"]
PY
check "... and numbered CSV files" sh -c "[ -s \"$tmp/two.csv\" ] && [ -s \"$tmp/two.2.csv\" ]"

# a step_time formula of the batch replaces the law
sed 's/  tp = 1/  tp = 1\n  step_time = 4 ms + batch.new_tokens * 20 us \/ 1 tok/' "$tmp/base.sgl" >"$tmp/st.sgl"
check "a step_time formula of batch.* runs" sh -c "\"$SGLSIM\" run \"$tmp/st.sgl\" --json - | grep -q '\"completed\": 600'"

# sensitivities: compiled derivatives along the schedule vs finite
# differences of whole runs (a step of 1e-9 relative moves no event past
# another, so the schedule stays the same)
cat >"$tmp/fd.sgl" <<'SGL'
import gpus
import models
param bw in 1 TB/s .. 10 TB/s
gpu h100_var : h100_sxm { mem_bw = bw }
deployment one {
  model = llama31_8b
  gpu = h100_var
  max_running = 64
}
workload w {
  requests = 400
  arrival = poisson(6 req/s)
  prompt = lognormal(median = 800 tok, sigma = 0.5)
  output = uniform(10 tok, 200 tok)
}
simulate one with w { sensitivity = (gpu.mem_bw, model.hidden) }
SGL
for v in 3350000000000 3350000003350 3349999996650; do
	"$SGLSIM" run -D "bw=$v B/s" "$tmp/fd.sgl" --json "$tmp/fd_$v.json" >/dev/null 2>&1
done
check "sensitivities match finite differences of two simulations" py "$tmp" <<'PY'
import json, sys
t = sys.argv[1]
d0, p, m = (json.load(open(f"{t}/fd_{v}.json")) for v in (3350000000000, 3350000003350, 3349999996650))
s = d0["sensitivity"]["gpu.mem_bw"]
assert d0["sensitivity_note"].startswith("derivatives along the simulated schedule")
assert s["value"] == 3.35e12, s
for fig, key in (("ttft", "d_ttft_mean"), ("tpot", "d_tpot_mean")):
    fd = (p[fig]["mean"] - m[fig]["mean"]) / 6700.0
    assert abs(s[key] - fd) <= 1e-4 * abs(fd), (fig, s[key], fd)
fd = (p["makespan"] - m["makespan"]) / 6700.0
assert abs(s["d_makespan"] - fd) <= 1e-4 * abs(fd), (s["d_makespan"], fd)
assert d0["sensitivity"]["model.hidden"]["d_ttft_mean"] > 0
PY
check "--sensitivity on the command line" sh -c "\"$SGLSIM\" run \"$tmp/base.sgl\" --sensitivity gpu.mem_bw,gpu.flops.bf16 | grep -q 'gpu.flops.bf16'"
check "a sensitivity must be a numeric field" sh -c \
	"! \"$SGLSIM\" run \"$tmp/base.sgl\" --sensitivity 'gpu.mem_bw * 2' 2>\"$tmp/err\" >/dev/null && grep -q 'a sensitivity quantity is a numeric field' \"$tmp/err\""

# the scenario shape of the issue, as written (the trace beside the file)
if [ -r "$data/mooncake-fast25/traces/conversation_trace.jsonl" ]; then
	mkdir -p "$tmp/shape"
	ln -s "$data/mooncake-fast25/traces/conversation_trace.jsonl" "$tmp/shape/conversation_trace.jsonl"
	cat >"$tmp/shape/s.sgl" <<'SGL'
import gpus
import models
deployment one {
  model = llama31_8b
  gpu = h100_sxm            # shorthand: one node of this GPU, as many as the deployment needs
  replicas = 1
  tp = 1
  chunk_size = 2048 tok
  max_running = 128
  step_time = 80 ms         # optional override of the stdlib law
  cache { policy = lru; capacity = unlimited; page = 16 tok }
}
workload w {
  requests = 20000
  seed = 1
  arrival = poisson(10 req/s)
  prompt = lognormal(median = 1000 tok, sigma = 0.8)   # total prompt length, shared prefix included
  output = constant(200 tok)
  prefix { groups = 32; length = 512 tok; share = 0.7; popularity = zipf(1.1) }
}
workload t = trace("conversation_trace.jsonl", format = mooncake, block = 512 tok, time_scale = 1)
simulate one with w
SGL
	check "the issue's scenario shape runs as written" sh -c "\"$SGLSIM\" run \"$tmp/shape/s.sgl\" --json - | grep -q '\"completed\": 20000'"

	# Mooncake: reuse with an unlimited cache and spread-out arrivals
	sed -e 's/step_time = 80 ms/step_time = 10 ms/' -e 's/page = 16 tok/page = 512 tok/' \
	    -e 's/time_scale = 1)/time_scale = 100)/' -e 's/simulate one with w/simulate one with t/' \
	    "$tmp/shape/s.sgl" >"$tmp/shape/m.sgl"
	"$SGLSIM" run "$tmp/shape/m.sgl" --json "$tmp/m.json" >/dev/null 2>&1
	check "Mooncake hit rate is within the trace's reuse bound" py "$tmp/m.json" \
		"$data/mooncake-fast25/traces/conversation_trace.jsonl" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
seen, blocks, again = set(), 0, 0
for line in open(sys.argv[2]):
    h = json.loads(line)["hash_ids"]
    blocks += len(h); again += sum(1 for x in h if x in seen); seen.update(h)
bound = again / blocks                       # SOURCE.md: 36.6%
b = d["cache"]["block_hit_rate"]
assert abs(bound - 0.366) < 0.001, bound
assert b <= bound + 1e-12 and b >= bound - 0.02, (b, bound)
assert d["requests"]["completed"] == 12031
PY
else
	ok "# SKIP the Mooncake trace is not in $data"
fi

# errors
printf '{"timestamp": 0, "input_length": 10, "output_length": 5, "hash_ids": [1]}\n{"timestamp": 5, "input_length": -3, "output_length": 5}\n' >"$tmp/bad.jsonl"
sed -e 's/^workload w {/workload w = trace("bad.jsonl", format = mooncake)\nworkload unused {/' "$tmp/base.sgl" >"$tmp/bad.sgl"
check "a malformed trace line is file:line: error naming the field" sh -c \
	"! \"$SGLSIM\" run \"$tmp/bad.sgl\" 2>\"$tmp/err\" >/dev/null && grep -q 'bad.jsonl:2: error: .*input_length' \"$tmp/err\""
sed 's/llama31_8b/llama31_405b/' "$tmp/base.sgl" >"$tmp/big.sgl"
check "a model that does not fit is an error with the numbers" sh -c \
	"! \"$SGLSIM\" run \"$tmp/big.sgl\" 2>\"$tmp/err\" >/dev/null && grep -q 'the model does not fit: .* GiB' \"$tmp/err\""
sed 's/  tp = 1/  tp = tpp/; s/^import models/import models\nparam tpp in {1, 2}/' "$tmp/base.sgl" >"$tmp/free.sgl"
check "a free param must be bound" sh -c \
	"! \"$SGLSIM\" run \"$tmp/free.sgl\" 2>\"$tmp/err\" >/dev/null && grep -q 'needs a value' \"$tmp/err\""
check "... and -D binds it" sh -c "\"$SGLSIM\" run -D tpp=2 \"$tmp/free.sgl\" | grep -q '2 GPUs'"
printf 'workload m = trace("missing.csv", format = azure)\nsimulate one with m\n' >>"$tmp/big.sgl"
sed -e '/^simulate one with w$/d' -e 's/llama31_405b/llama31_8b/' "$tmp/big.sgl" >"$tmp/missing.sgl"
check "a missing trace is an error at the trace() call" sh -c \
	"! \"$SGLSIM\" run \"$tmp/missing.sgl\" 2>\"$tmp/err\" >/dev/null && grep -q 'missing.sgl:[0-9]*:[0-9]*: error: .*missing.csv: cannot open' \"$tmp/err\""

# empirical lengths from a CSV file beside the scenario
printf 'p,o\n100,10\n2000,300\n700,50\n' >"$tmp/lengths.csv"
sed -e 's/prompt = clamp(.*/prompt = empirical("lengths.csv", "p")/' -e 's/output = uniform(.*/output = empirical("lengths.csv", "o")/' \
	"$tmp/base.sgl" >"$tmp/emp.sgl"
check "empirical() lengths come from the CSV column" py "$tmp/emp.sgl" "$SGLSIM" <<'PY'
import json, subprocess, sys
d = json.loads(subprocess.run([sys.argv[2], "run", sys.argv[1], "--json", "-"], capture_output=True, text=True, check=True).stdout)
n = d["requests"]["completed"]
mean_out = d["tokens"]["output"] / n
assert n == 600 and 10 <= mean_out <= 300 and abs(mean_out - 120) < 20, mean_out
PY
sed -e 's/x/x/' "$tmp/emp.sgl" | sed 's/"p")/"nope")/' >"$tmp/emp_bad.sgl"
check "empirical() of a missing column names the file" sh -c \
	"! \"$SGLSIM\" run \"$tmp/emp_bad.sgl\" 2>\"$tmp/err\" >/dev/null && grep -q \"lengths.csv:1: no column 'nope'\" \"$tmp/err\""

if [ -r "$data/sharegpt-sarathi/data/processed_traces/sharegpt_8k_filtered_stats_llama2_tokenizer.csv" ]; then
	sg=$data/sharegpt-sarathi/data/processed_traces/sharegpt_8k_filtered_stats_llama2_tokenizer.csv
	printf 'import gpus\nimport models\ndeployment one { model = llama31_8b; gpu = h100_sxm; replicas = 2 }\nworkload g = trace("%s", format = sharegpt_lengths, limit = 500) {\n  arrival = poisson(8 req/s)\n}\nsimulate one with g\n' "$sg" >"$tmp/sg.sgl"
	check "ShareGPT lengths with Poisson arrivals" sh -c "\"$SGLSIM\" run \"$tmp/sg.sgl\" --json - | grep -q '\"completed\": 500'"
	sed '/arrival = /d' "$tmp/sg.sgl" >"$tmp/sg_bad.sgl"
	check "a trace without times needs an arrival process" sh -c \
		"! \"$SGLSIM\" run \"$tmp/sg_bad.sgl\" 2>\"$tmp/err\" >/dev/null && grep -q 'has no arrival times' \"$tmp/err\""
else
	ok "# SKIP no ShareGPT lengths in $data"
	ok "# SKIP no ShareGPT lengths in $data"
fi
# the analytic metrics read a trace workload's statistics (SOURCE.md figures)
if [ -r "$data/azure-llm-inference-2023/data/AzureLLMInferenceTrace_conv.csv" ]; then
	printf 'import gpus\nimport models\nimport metrics\ndeployment one { model = llama31_8b; gpu = h100_sxm; replicas = 4 }\nworkload az = trace("%s", format = azure)\nprint mean(workload.prompt) for one with az\nprint mean(workload.output) for one with az\nprint rate(workload.arrival) for one with az\nprint ttft for one with az\n' \
		"$data/azure-llm-inference-2023/data/AzureLLMInferenceTrace_conv.csv" >"$tmp/az.sgl"
	check "analytic metrics of a trace workload use the trace's means and rate" py "$tmp/az.sgl" "$SGLSIM" <<'PY'
import subprocess, sys
out = subprocess.run([sys.argv[2], "run", sys.argv[1]], capture_output=True, text=True, check=True).stdout.split("\n")
prompt, output, rate, ttft = (float(l.split()[0]) for l in out[:4])
assert round(prompt) == 1155 and round(output) == 211, (prompt, output)   # SOURCE.md: input mean 1155, output mean 211
assert abs(rate - 5.53) < 0.01, rate                                       # SOURCE.md: 5.53 req/s
assert 0 < ttft < 1, ttft
PY
else
	ok "# SKIP no Azure trace in $data"
fi
tap_done
