#!/bin/sh
# stdlib_laws.sh -- physics the stdlib kernel laws and metrics must obey
# (stdlib/kernels.sgl, stdlib/metrics.sgl), checked through `sglsim eval`.
# Each check compares numbers the laws give at chosen points; none of the
# expected values is a number copied from a run.
. "$(dirname "$0")/tap.sh"

cat > "$tmp/laws.sgl" <<'EOF'
import metrics
import models
param m  in 1 .. 1000000 = 1
param n  in 1 .. 1000000 = 4096
param k  in 1 .. 1000000 = 4096
param b  in 1 .. 100000 = 1
param q  in 1 .. 1000000 = 1024
param kv in 0 .. 10000000 = 1024
param g  in 1 .. 64 = 2
param nb in 0 .. 10000000000000 = 1000000
param r  in 0 .. 100000 = 1
metric gemm   = gemm_time(h100_sxm, bf16, m, n, k)
metric gemm8  = gemm_time(h100_sxm, fp8, m, n, k)
metric gemm_a = gemm_time(a100_80g, fp8, m, n, k)
metric gemm_a16 = gemm_time(a100_80g, bf16, m, n, k)
metric pre    = attn_prefill_time(h100_sxm, bf16, b, q, kv, 64, 8, 128)
metric dec    = attn_decode_time(h100_sxm, bf16, b, kv, 64, 8, 128)
metric mla_dec = mla_decode_time(h100_sxm, bf16, b, kv, 128, 512, 64)
metric moe    = moe_time(h100_sxm, bf16, m, 4096, 14336, 8, 2, 1, 1, 1)
metric moe_imb = moe_time(h100_sxm, bf16, m, 4096, 14336, 8, 2, 1, 1, 2)
metric ar     = allreduce_time(nvlink4, g, nb * 1 B)
metric ag     = allgather_time(nvlink4, g, nb * 1 B)
metric a2a    = alltoall_time(nvlink4, g, nb * 1 B)
metric p2p    = p2p_time(ib_ndr, nb * 1 B)
metric p2p_expected = ib_ndr.latency + nb * 1 B / (ib_ndr.bw * ib_ndr.bw_factor)

deployment d8  { model = llama31_8b; gpu = h100_sxm; tp = 1 }
deployment d70 { model = llama31_70b; gpu = h100_sxm; tp = 8 }
deployment too_big { model = llama31_405b; gpu = h100_sxm; tp = 1 }
deployment pd { model = llama31_8b; gpu = h100_sxm; mode = disaggregated
  prefill { replicas = 2; tp = 1 }; decode { replicas = 1; tp = 1 } }
deployment p8d1 = pd { prefill { replicas = 8 }; decode { replicas = 1 } }
deployment p8d2 = pd { prefill { replicas = 8 }; decode { replicas = 2 } }
deployment p16d1 = pd { prefill { replicas = 16 }; decode { replicas = 1 } }
deployment p1d8 = pd { prefill { replicas = 1 }; decode { replicas = 8 } }
deployment p2d8 = pd { prefill { replicas = 2 }; decode { replicas = 8 } }
cluster slow_net { gpu = h100_sxm; nodes = 2; inter = eth_25g }
cluster fast_net { gpu = h100_sxm; nodes = 2; inter = ib_xdr }
deployment tp16_slow { model = llama31_70b; cluster = slow_net; tp = 16 }
deployment tp16_fast { model = llama31_70b; cluster = fast_net; tp = 16 }
deployment tp8_slow { model = llama31_70b; cluster = slow_net; tp = 8 }
deployment tp8_fast { model = llama31_70b; cluster = fast_net; tp = 8 }
deployment pd_slow = pd { kv_transfer { link = eth_25g } }
deployment pd_fast = pd { kv_transfer { link = nvlink4 } }
workload w { requests = 100; arrival = poisson(r * 1 req/s); prompt = lognormal(median = 1500 tok, sigma = 0.5)
             output = 200 tok; slo { ttft = 1 s; tpot = 40 ms } }
metric step_dec = step_time(deployment, b, 0, b, b, 0, 0, b * kv)
metric step_pre = step_time(deployment, q, q, 0, 1, q * q, q * q, 0)
metric tpot_at = tpot
metric load = r * 1 req / capacity
EOF

# val EXPR [eval options...]: the value of EXPR in base units
val() {
	e=$1
	shift
	"$SGLSIM" eval "$tmp/laws.sgl" "$e" --json "$@" 2>/dev/null | sed 's/.*: *//; s/}.*//'
}
# check DESC AWK-CONDITION X Y [Z]: the condition over x, y, z holds
check() {
	if [ -z "$3" ]; then not_ok "$1 (no value)"; return; fi
	if awk -v x="$3" -v y="$4" -v z="${5:-0}" "BEGIN { exit !($2) }"; then ok "$1"; else not_ok "$1 (x=$3 y=$4 z=$5)"; fi
}

# --- GEMM
check "gemm: no work, no time" 'x == 0' "$("$SGLSIM" eval "$tmp/laws.sgl" 'gemm_time(h100_sxm, bf16, 0, 4096, 4096)' --json | sed 's/.*: *//; s/}.*//')" 0
t1=$(val gemm -D m=1); t2=$(val gemm -D m=2); t8k=$(val gemm -D m=8192); t16k=$(val gemm -D m=16384)
check "gemm: memory-bound at m=1 (doubling m adds < 5%)" 'y / x < 1.05' "$t1" "$t2"
check "gemm: compute-bound at large m (doubling m doubles the time +-10%)" 'y / x > 1.8 && y / x < 2.2' "$t8k" "$t16k"
check "gemm: never faster than the datasheet peak" 'x >= 2 * 16384 * 4096 * 4096 / 989.4e12' "$t16k"
check "gemm: never faster than streaming the weights at peak bandwidth" 'x >= 4096 * 4096 * 2 / 3.35e12' "$t1"
f8=$(val gemm8 -D m=16384)
check "gemm: fp8 is faster than bf16 on H100 when compute-bound (twice the peak at a lower share of it)" 'y < 0.8 * x' "$t16k" "$f8"
a8=$(val gemm_a -D m=16384); a16=$(val gemm_a16 -D m=16384)
check "gemm: A100 has no fp8 tensor cores, so fp8 computes at the bf16 rate (bytes halve)" 'y <= x && y > 0.9 * x' "$a16" "$a8"
prev=0; mono=1
for mm in 1 8 64 256 1024 4096 32768; do
	t=$(val gemm -D m=$mm)
	awk -v a="$prev" -v b="$t" 'BEGIN { exit !(b >= a) }' || mono=0
	prev=$t
done
[ $mono = 1 ] && ok "gemm: time does not decrease as m grows" || not_ok "gemm: time does not decrease as m grows"
d=$("$SGLSIM" expr "$tmp/laws.sgl" gemm --diff m 2>/dev/null | head -1)
[ -n "$d" ] && ok "gemm: differentiable in m (symbolic derivative exists)" || not_ok "gemm: differentiable in m"

# --- attention
p1=$(val pre -D q=4096 -D kv=0); p2=$(val pre -D q=8192 -D kv=0)
check "prefill attention: causal cost grows ~ q^2 at long prompts (3.2x..4.4x for 2x q)" 'y / x > 3.2 && y / x < 4.4' "$p1" "$p2"
p3=$(val pre -D q=1024 -D kv=8192)
p4=$(val pre -D q=1024 -D kv=0)
check "prefill attention: a cached prefix makes new tokens attend further" 'x > 3 * y' "$p3" "$p4"
d1=$(val dec -D b=64 -D kv=4096); d2=$(val dec -D b=128 -D kv=4096); d3=$(val dec -D b=64 -D kv=8192)
check "decode attention: linear in batch at large batch (+-10%)" 'y / x > 1.8 && y / x < 2.2' "$d1" "$d2"
check "decode attention: linear in context at long context (+-10%)" 'y / x > 1.8 && y / x < 2.2' "$d1" "$d3"
check "decode attention: at least the KV bytes over peak bandwidth" 'x >= 64 * 4096 * 2 * 8 * 128 * 2 / 3.35e12' "$d1"
m1=$(val mla_dec -D b=64 -D kv=4096)
check "MLA decode reads one latent per token, far less than GQA-8 x 128 K and V" 'x < y' "$m1" "$d1"

# --- MoE
mo1=$(val moe -D m=4096); mo2=$(val moe_imb -D m=4096)
check "moe: imbalance 2 slows a compute-bound layer (> 1.5x)" 'y / x > 1.5' "$mo1" "$mo2"
ms=$(val moe -D m=1); ms2=$(val moe -D m=2)
check "moe: one token reads top_k experts, two tokens read more (memory-bound, < 2x)" 'y > x && y < 2 * x' "$ms" "$ms2"

# --- collectives
check "all-reduce on one GPU is free" 'x == 0' "$(val ar -D g=1)"
ar2=$(val ar -D g=2 -D nb=100000000); ar8=$(val ar -D g=8 -D nb=100000000)
check "all-reduce: ring moves 2(n-1)/n of the bytes: 8 GPUs take 1.75x of 2 GPUs (+-5%) at 100 MB" 'y / x > 1.66 && y / x < 1.84' "$ar2" "$ar8"
agv=$(val ag -D g=8 -D nb=100000000)
check "all-gather moves half the bytes of an all-reduce" 'y / x > 0.45 && y / x < 0.55' "$ar8" "$agv"
check "p2p: latency + bytes / effective bandwidth" 'x == y' "$(val p2p -D nb=123456789)" "$(val p2p_expected -D nb=123456789)"

# --- step_time
s1=$(val step_dec --for d70 --with w -D b=1 -D kv=2048); s64=$(val step_dec --for d70 --with w -D b=64 -D kv=2048)
check "decode step: weights once per step, so 64 requests cost far less than 64x one" 'y < 8 * x' "$s1" "$s64"
check "decode step: TPOT rises with the batch (KV per request), never divided by it" 'y > x' "$s1" "$s64"
sp4=$(val step_pre --for d8 --with w -D q=4096); sp8=$(val step_pre --for d8 --with w -D q=8192)
check "prefill step: compute-bound at large chunks (2x tokens: 1.9x..2.6x time)" 'y / x > 1.9 && y / x < 2.6' "$sp4" "$sp8"
w16s=$(val step_pre --for tp16_slow --with w -D q=4096); w16f=$(val step_pre --for tp16_fast --with w -D q=4096)
check "a TP group spanning two nodes all-reduces over the inter-node link (25 Gb/s Ethernet slower than XDR InfiniBand)" 'x > 1.5 * y' "$w16s" "$w16f"
w8s=$(val step_pre --for tp8_slow --with w -D q=4096); w8f=$(val step_pre --for tp8_fast --with w -D q=4096)
check "a TP group inside a node does not use the inter-node link" 'x == y' "$w8s" "$w8f"
"$SGLSIM" graph "$tmp/laws.sgl" step_pre --for d8 --with w -o "$tmp/step.dot" 2>"$tmp/graph.err"
labels_ok=1
for l in step_time gemm_time attn_prefill_time allreduce_time mlp_time attn_proj_time; do
	grep -q "$l" "$tmp/step.dot" || labels_ok=0
done
[ $labels_ok = 1 ] && ok "graph of step_time shows the operator structure (labels)" || not_ok "graph of step_time labels ($(cat "$tmp/graph.err"))"

# --- metrics
cap=$(val capacity --for d8 --with w)
check "capacity of one Llama-8B H100 worker is positive and finite" 'x > 0.5 && x < 1000' "$cap"
lo=$(awk -v c="$cap" 'BEGIN { print c * 0.1 }'); mid=$(awk -v c="$cap" 'BEGIN { print c * 0.5 }'); hi=$(awk -v c="$cap" 'BEGIN { print c * 0.99 }')
tl=$(val ttft --for d8 --with w -D r=$lo); tm=$(val ttft --for d8 --with w -D r=$mid); th=$(val ttft --for d8 --with w -D r=$hi)
check "ttft grows with load" 'x < y && y < z' "$tl" "$tm" "$th"
check "ttft grows without bound near capacity (99% load > 10x 10% load)" 'y > 10 * x' "$tl" "$th"
over=$(awk -v c="$cap" 'BEGIN { print c * 1.5 }')
if "$SGLSIM" eval "$tmp/laws.sgl" ttft --for d8 --with w -D r=$over 2>&1 | grep -q "not finite"; then
	ok "ttft is infinite above capacity, and eval says so"; else not_ok "ttft above capacity"; fi
thr=$(val throughput --for d8 --with w -D r=$over)
check "throughput above capacity is capacity x output length" 'x > 0.999 * y * 200 && x < 1.001 * y * 200' "$thr" "$cap"
tp_lo=$(val tpot --for d8 --with w -D r=$lo); tp_hi=$(val tpot --for d8 --with w -D r=$hi)
check "tpot rises with load (larger running batch)" 'y > x' "$tp_lo" "$tp_hi"
e2e=$(val e2e_latency --for d8 --with w -D r=$mid)
check "e2e latency = ttft + (output - 1) x tpot" 'x > 0.9999 * (y + 199 * z) && x < 1.0001 * (y + 199 * z)' "$e2e" "$tm" "$(val tpot --for d8 --with w -D r=$mid)"
for m in peak_memory ttft tpot throughput power_consumption cost_per_token goodput compute_utilization; do
	if "$SGLSIM" eval "$tmp/laws.sgl" $m --for too_big --with w 2>&1 | grep -q "not finite (nan)"; then
		ok "a model that does not fit is infeasible: $m is nan, not a number"; else not_ok "too big model: $m"; fi
done
pm=$(val peak_memory --for d8 --with w -D r=0.01)
check "peak memory at light load: weights (16 GB) + activations, below the GPU memory" 'x > 16.06e9 && x < 80 * 2^30' "$pm"
c81=$(val capacity --for p8d1 --with w); c82=$(val capacity --for p8d2 --with w); c161=$(val capacity --for p16d1 --with w)
check "P/D capacity is the slower pool's: doubling the bottleneck (decode) pool doubles it" 'y / x > 1.999 && y / x < 2.001' "$c81" "$c82"
check "P/D capacity is the slower pool's: doubling the other pool changes nothing" 'x == y' "$c81" "$c161"
c18=$(val capacity --for p1d8 --with w); c28=$(val capacity --for p2d8 --with w)
check "P/D capacity is the slower pool's: prefill-bound when prefill is scarce" 'y / x > 1.999 && y / x < 2.001' "$c18" "$c28"
tslow=$(val ttft --for pd_slow --with w -D r=1); tfast=$(val ttft --for pd_fast --with w -D r=1)
kvb=$("$SGLSIM" eval "$tmp/laws.sgl" 'llama31_8b.kv_bytes_per_token * 1 tok' --json | sed 's/.*: *//; s/}.*//')
check "P/D ttft includes the KV transfer: a 25 Gb/s link adds at least prompt KV bytes / its bandwidth" \
	'x - y >= 1500 * z / 3.125e9' "$tslow" "$tfast" "$kvb"
gp=$(val goodput --for d8 --with w -D r=$lo); gp_over=$(val goodput --for d8 --with w -D r=$hi)
check "goodput at light load = the request rate (SLOs met)" 'x > 0.999 * y && x < 1.001 * y' "$gp" "$lo"
check "goodput near capacity is 0 when the mean ttft misses the SLO" 'x == 0 || y < 1' "$gp_over" "$th"
cu=$(val compute_utilization --for d8 --with w -D r=$mid); mu=$(val memory_bandwidth_utilization --for d8 --with w -D r=$mid)
check "utilizations are fractions" 'x > 0 && x < 1 && y > 0 && y < 1' "$cu" "$mu"
pw=$(val power_consumption --for d8 --with w -D r=$mid)
check "power between idle and TDP" 'x >= 70 && x <= 700' "$pw"
cpt=$(val cost_per_token --for d8 --with w -D r=$mid); th_mid=$(val throughput --for d8 --with w -D r=$mid)
check "cost per token = GPU price / throughput" 'x > 0.9999 * (2.99 / 3600 / y) && x < 1.0001 * (2.99 / 3600 / y)' "$cpt" "$th_mid"

# --- interpreter and JIT agree bit for bit on the stdlib metrics
printf 'r\n' > "$tmp/pts.csv"
i=1
while [ $i -le 300 ]; do echo "$(awk -v i=$i -v c="$cap" 'BEGIN { printf "%.17g", c * i / 310 }')" >> "$tmp/pts.csv"; i=$((i + 1)); done
"$SGLSIM" eval "$tmp/laws.sgl" ttft tpot throughput peak_memory --for d70 --with w --points "$tmp/pts.csv" --jit=never > "$tmp/interp.csv" 2>/dev/null
if "$SGLSIM" eval "$tmp/laws.sgl" ttft --for d70 --with w --jit=always -D r=1 >/dev/null 2>&1; then
	"$SGLSIM" eval "$tmp/laws.sgl" ttft tpot throughput peak_memory --for d70 --with w --points "$tmp/pts.csv" --jit=always > "$tmp/jit.csv" 2>/dev/null
	cmp -s "$tmp/interp.csv" "$tmp/jit.csv" && [ -s "$tmp/jit.csv" ] && ok "stdlib metrics: JIT and interpreter agree bit for bit on 300 points" \
		|| not_ok "stdlib metrics: JIT and interpreter differ"
else
	ok "# SKIP no JIT in this build"
fi

tap_done
