#!/bin/sh
# simulate_pd.sh -- disaggregation, routing and placement through `sglsim
# run`, as TAP: DistServe's trade-off direction (P/D lowers TPOT p99 and
# raises TTFT by at least the transfer time), KV bytes = sum of uncached
# prompts x kv_bytes_per_token, cache-aware routing against round robin
# and shortest queue, placement and its errors, and the examples.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"
py() { python3 - "$@"; }

cat >"$tmp/pd.sgl" <<'SGL'
import gpus
import models
import links
cluster two { gpu = h100_sxm; nodes = 2; inter = ib_ndr }
deployment pd {
  model = llama31_70b
  cluster = two
  mode = disaggregated
  prefill { replicas = 2; tp = 4 }
  decode { replicas = 1; tp = 8; max_running = 256 }
}
deployment co { model = llama31_70b; cluster = two; tp = 8; replicas = 2; router { policy = shortest_queue } }
workload longp {
  requests = 1200
  seed = 2
  arrival = poisson(3 req/s)
  prompt = lognormal(median = 6000 tok, sigma = 0.4)
  output = constant(300 tok)
  prefix { groups = 4; length = 1024 tok; share = 0.5 }
}
simulate pd with longp
simulate co with longp
SGL
"$SGLSIM" run "$tmp/pd.sgl" --json "$tmp/pd.json" --csv "$tmp/pd.csv" --trace "$tmp/pd.trace.json" >/dev/null 2>"$tmp/err"
check "P/D and colocated run" sh -c "[ -s \"$tmp/pd.json\" ] || { cat \"$tmp/err\"; false; }"
check "P/D lowers TPOT p99 and raises TTFT by at least the transfer time" py "$tmp/pd.json" <<'PY'
import json, sys
pd, co = json.load(open(sys.argv[1]))
assert pd["sim"]["prefill_workers"] == 2 and pd["sim"]["decode_workers"] == 1
assert pd["sim"]["gpus"] == co["sim"]["gpus"] == 16
assert pd["tpot"]["p99"] < co["tpot"]["p99"], (pd["tpot"]["p99"], co["tpot"]["p99"])
gap = pd["ttft"]["mean"] - co["ttft"]["mean"]
assert gap >= pd["kv_transfer"]["time"]["mean"] > 0, (gap, pd["kv_transfer"]["time"]["mean"])
for d in (pd, co):
    r = d["requests"]
    assert r["arrived"] == r["completed"] == 1200
    assert d["tokens"]["generated"] == d["tokens"]["output"]
    assert d["kv"]["peak"] <= 1
    L, lam, W = d["little"]["mean_in_system"], d["little"]["arrival_rate"], d["e2e"]["mean"]
    assert abs(L - lam * W) <= 0.02 * L
PY
check "KV bytes sent = sum of (prompt - cached) x kv_bytes_per_token" py "$tmp/pd.json" "$tmp/pd.csv" <<'PY'
import csv, json, sys
pd = json.load(open(sys.argv[1]))[0]
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 1200
tokens = sum(int(r["prompt"]) - int(r["cached"]) for r in rows)
assert sum(int(r["cached"]) for r in rows) > 0
kvb = 80 * 8 * 128 * 2 * 2        # llama31_70b: layers x kv_heads x head_dim x (K, V) x bf16
assert pd["kv_transfer"]["tokens"] == tokens, (pd["kv_transfer"]["tokens"], tokens)
assert pd["kv_transfer"]["bytes"] == tokens * kvb, (pd["kv_transfer"]["bytes"], tokens * kvb)
assert pd["kv_transfer"]["transfers"] == 1200
assert all(l["between_nodes"] and l["link"] == "ib_ndr" for l in pd["links"]), pd["links"]
PY

check "--trace names prefill and decode tracks and has one KV slice per transfer" py "$tmp/pd.json" "$tmp/pd.trace.json" <<'PY'
import json, sys
pd = json.load(open(sys.argv[1]))[0]
ev = json.load(open(sys.argv[2]))["traceEvents"]
names = [e["args"]["name"] for e in ev if e["name"] == "thread_name"]
assert names == ["prefill 0", "prefill 1", "decode 0"], names
b = [e for e in ev if e["ph"] == "b"]
e = {x["id"]: x for x in ev if x["ph"] == "e"}
assert len(b) == pd["kv_transfer"]["transfers"] == len(e), (len(b), len(e))
assert sum(x["args"]["tokens"] for x in b) == pd["kv_transfer"]["tokens"]
assert sum(x["args"]["bytes"] for x in b) == pd["kv_transfer"]["bytes"]
for x in b:
    assert x["name"].startswith("KV prefill ") and x["name"].endswith(" -> decode 0"), x["name"]
    assert x["tid"] in (1, 2) and e[x["id"]]["ts"] >= x["ts"], x
    assert x["args"]["between_nodes"] is True   # prefill on node 0, decode on node 1
PY

# placement
check "--placement prints the workers' GPUs" sh -c \
	"\"$SGLSIM\" run \"$tmp/pd.sgl\" --placement | grep -q '  decode     0  node 1, GPUs 0-7'"
sed 's/nodes = 2;/nodes = 3;/; s/decode { replicas = 1; tp = 8;/decode { replicas = 1; tp = 16;/' "$tmp/pd.sgl" >"$tmp/wide.sgl"
check "--placement of a worker over two nodes" sh -c \
	"\"$SGLSIM\" run \"$tmp/wide.sgl\" --placement | grep -q '  decode     0  nodes 1-2, GPUs 0-7 of each'"
check "--placement of a one-GPU worker" sh -c \
	"\"$SGLSIM\" run \"$SRCDIR/examples/quickstart.sgl\" --placement | grep -A1 -x 'placement    1 worker on 1 node of 8 GPUs' | grep -qx '  worker     0  node 0, GPU 0'"
sed 's/nodes = 2;/nodes = 1;/' "$tmp/pd.sgl" >"$tmp/small.sgl"
check "a deployment larger than its cluster is an error with the numbers" sh -c \
	"! \"$SGLSIM\" run \"$tmp/small.sgl\" 2>\"$tmp/err\" >/dev/null && grep -q \"needs 16 GPUs on 2 nodes of 8 .*cluster 'two' has 1 node (8 GPUs)\" \"$tmp/err\""
sed 's/ inter = ib_ndr / /' "$tmp/pd.sgl" | sed 's/; inter = ib_ndr//' >"$tmp/nointer.sgl"
check "crossing nodes needs an inter-node link" sh -c \
	"! \"$SGLSIM\" run \"$tmp/nointer.sgl\" 2>\"$tmp/err\" >/dev/null && grep -q 'inter-node link' \"$tmp/err\""
sed 's/prefill { replicas = 2; tp = 4 }/prefill { replicas = 2; tp = 4; dp = 3 }/' "$tmp/pd.sgl" >"$tmp/dp.sgl"
check "dp must divide tp" sh -c \
	"! \"$SGLSIM\" run \"$tmp/dp.sgl\" 2>\"$tmp/err\" >/dev/null && grep -q 'dp (3) and ep (1) must divide tp (4)' \"$tmp/err\""

# routing: shared system prompts over 8 replicas
cat >"$tmp/route.sgl" <<'SGL'
import gpus
import models
deployment rr {
  model = llama31_8b
  gpu = h100_sxm
  replicas = 8
  chunk_size = 4096 tok
  mem_fraction = 0.5
  router { policy = round_robin }
}
deployment ca : rr { router { policy = cache_aware } }
deployment sq : rr { router { policy = shortest_queue } }
workload shared {
  requests = 6000
  seed = 3
  arrival = poisson(RATE req/s)
  prompt = lognormal(median = 5000 tok, sigma = 0.2)
  output = lognormal(median = 150 tok, sigma = 0.6)
  prefix { groups = 200; length = 4500 tok; share = 0.95; popularity = zipf(0.8) }
}
workload unique : shared { prefix { share = 0 } }
simulate rr with shared
simulate ca with shared
simulate sq with unique
simulate ca with unique
SGL
sed 's/RATE/70/' "$tmp/route.sgl" >"$tmp/route70.sgl"
"$SGLSIM" run "$tmp/route70.sgl" --json "$tmp/route.json" >/dev/null 2>"$tmp/err"
check "cache-aware routing raises the hit rate and the throughput over round robin" py "$tmp/route.json" <<'PY'
import json, sys
rr, ca, sq, cau = json.load(open(sys.argv[1]))
h0, h1 = rr["cache"]["hit_rate"], ca["cache"]["hit_rate"]
assert h1 > h0 + 0.15, (h0, h1)
assert ca["throughput"]["output"] > 1.05 * rr["throughput"]["output"], (rr["throughput"], ca["throughput"])
assert ca["router"]["by_cache"] > ca["router"]["by_load"]
PY
check "without shared prefixes cache-aware is no worse than shortest queue" py "$tmp/route.json" <<'PY'
import json, sys
rr, ca, sq, cau = json.load(open(sys.argv[1]))
assert cau["throughput"]["output"] >= 0.97 * sq["throughput"]["output"], (sq["throughput"], cau["throughput"])
assert cau["e2e"]["mean"] <= 1.1 * sq["e2e"]["mean"], (sq["e2e"]["mean"], cau["e2e"]["mean"])
PY
sed -e 's/RATE/40/' -e 's/policy = round_robin/policy = random/' "$tmp/route.sgl" >"$tmp/random.sgl"
"$SGLSIM" run "$tmp/random.sgl" --json "$tmp/r1.json" >/dev/null 2>&1
"$SGLSIM" run "$tmp/random.sgl" --json "$tmp/r2.json" >/dev/null 2>&1
check "random routing is reproducible from the seed" cmp "$tmp/r1.json" "$tmp/r2.json"

# the examples of this release run and print their tables
for ex in pd_disagg cache_aware_routing deepseek_ep; do
	check "examples/$ex.sgl runs" sh -c "\"$SGLSIM\" run \"$SRCDIR/examples/$ex.sgl\" | grep -q '^simulate '"
done
if [ -r "$SRCDIR/../shared/data/mooncake-fast25/traces/conversation_trace.jsonl" ]; then
	check "examples/mooncake_replay.sgl runs" sh -c "\"$SGLSIM\" run \"$SRCDIR/examples/mooncake_replay.sgl\" | grep -q 'P/D '"
else
	ok "# SKIP the Mooncake trace is not in $SRCDIR/../shared/data"
fi
tap_done
