#!/bin/sh
# calibrate.sh -- `sglsim calibrate` on measured kernel timings, as TAP:
# the fit lowers the error on held-out rows, its output file loads and
# reproduces its "after" errors, error messages, determinism.
# Environment: SGLSIM (the binary), SRCDIR (the source tree); the tables
# come from $SRCDIR/../shared/data (skipped when it is absent).
. "$(dirname "$0")/tap.sh"
data=$SRCDIR/../shared/data
mlp=$data/vidur/data/profiling/compute/h100/meta-llama/Llama-2-7b-hf/mlp.csv
gemm=$data/aiconfigurator/h100_sxm/gemm/sglang/0.5.14/gemm_perf.csv
if [ ! -r "$mlp" ] || [ ! -r "$gemm" ]; then
	echo "1..0 # SKIP no kernel-timing tables in $data"
	exit 0
fi

fails_with() { # fails_with STATUS TEXT COMMAND... : exit STATUS, stderr has TEXT
	want=$1 text=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || { echo "exit $got, wanted $want"; cat "$tmp/err"; return 1; }
	grep -qF -- "$text" "$tmp/err" || { echo "stderr lacks [$text]:"; cat "$tmp/err"; return 1; }
}
median_all() { # the median |error| of the "all" line of a --no-fit table, in %
	awk '$1 == "all" { k = $2 == "fitted" ? 4 : 3; sub("%", "", $k); print $k; exit }' "$1"
}

# Train/test halves (alternate rows): vidur's fp16 GEMMs of Llama-2-7B and
# every 20th bf16 row of aiconfigurator's GEMM table.  The fit starts from
# `raw`, an H100 with made-up efficiencies (the shipped h100_sxm is
# already calibrated on these tables).
cd "$tmp" || exit 1
cat >raw.sgl <<'EOF'
import gpus
gpu raw : h100_sxm { compute_eff = 0.5; m_half = 30; bw_eff = 0.5; launch = 10 us; wave_time = 0 us }
EOF
awk -F, 'NR == 1 || NR % 2 == 0' "$mlp" >train_mlp.csv
awk -F, 'NR == 1 || NR % 2 == 1' "$mlp" >test_mlp.csv
awk -F, 'NR == 1 || ($2 == "bfloat16" && NR % 20 == 0)' "$gemm" >sub.csv
awk -F, 'NR == 1 || NR % 2 == 0' sub.csv >train_gemm.csv
awk -F, 'NR == 1 || NR % 2 == 1' sub.csv >test_gemm.csv

check "calibrate on the training half" \
	"$SGLSIM" calibrate --load raw.sgl --gpu raw --name h100_fit -o cal.sgl train_mlp.csv train_gemm.csv
"$SGLSIM" calibrate --load raw.sgl --gpu raw --no-fit test_mlp.csv test_gemm.csv >before.txt 2>&1
"$SGLSIM" calibrate --load cal.sgl --gpu h100_fit --no-fit test_mlp.csv test_gemm.csv >after.txt 2>&1
b=$(median_all before.txt)
a=$(median_all after.txt)
check "held-out median error drops ($b% -> $a%)" awk -v a="$a" -v b="$b" 'BEGIN { exit !(a != "" && a + 0 < b + 0) }'
check "the output file checks" "$SGLSIM" check cal.sgl
check "the output file names the gpu it derives from" grep -q '^gpu h100_fit : raw {' cal.sgl
shipped=$("$SGLSIM" calibrate --gpu h100_sxm --no-fit test_mlp.csv test_gemm.csv 2>&1 | awk '$1 == "all" { sub("%", "", $3); print $3 }')
check "the fit from made-up values comes within 2 points of the shipped h100_sxm on held-out rows ($a% vs $shipped%)" \
	awk -v a="$a" -v s="$shipped" 'BEGIN { exit !(s != "" && a + 0 < s + 2) }'

"$SGLSIM" calibrate --load raw.sgl --gpu raw --name h100_fit -o cal.sgl train_mlp.csv train_gemm.csv >fit.txt 2>&1
"$SGLSIM" calibrate --load cal.sgl --gpu h100_fit --no-fit train_mlp.csv train_gemm.csv >refit.txt 2>&1
fit_after=$(awk '$1 == "all" { print $5, $6 }' fit.txt)
refit=$(awk '$1 == "all" { print $3, $4 }' refit.txt)
check "--load OUT --no-fit reproduces the after errors ($fit_after)" test "$fit_after" = "$refit"

cp cal.sgl cal1.sgl
"$SGLSIM" calibrate --load raw.sgl --gpu raw --name h100_fit -o cal.sgl train_mlp.csv train_gemm.csv >fit2.txt 2>&1
check "calibrating twice writes the same file" cmp cal1.sgl cal.sgl
check "calibrating twice prints the same tables" cmp fit.txt fit2.txt

# Errors: exit 1, the message names the file (and line), nothing written.
rm -f err.sgl
check "a missing table" fails_with 1 "sglsim: error: cannot read 'none.csv': No such file or directory" \
	"$SGLSIM" calibrate --gpu h100_sxm -o err.sgl none.csv
printf 'a,b\n1,2\n' >odd.csv
check "an unknown header" fails_with 1 "odd.csv: error: unknown table format (columns: a, b)" \
	"$SGLSIM" calibrate --gpu h100_sxm -o err.sgl odd.csv
printf 'kernel_source,gemm_dtype,m,n,k,latency\nx,bfloat16,8,1024,1024,0.01\nx,bfloat16,8,1O24,1024,0.01\n' >bad.csv
check "a malformed number names FILE:LINE and the column" \
	fails_with 1 "bad.csv:3: error: column 'n' is not a number" \
	"$SGLSIM" calibrate --gpu h100_sxm -o err.sgl train_mlp.csv bad.csv
check "nothing is written after an error" test ! -e err.sgl
printf 'kernel_source,gemm_dtype,m,n,k,latency\nx,bfloat16,8,1024,1024,0\n' >zero.csv
check "a latency of 0 is an error" fails_with 1 "zero.csv:2: error: column 'latency' is not a positive time ('0')" \
	"$SGLSIM" calibrate --gpu h100_sxm zero.csv
check "an unknown gpu" fails_with 1 "no gpu of that name" "$SGLSIM" calibrate --gpu h100_sx train_mlp.csv
check "--gpu is required" fails_with 2 "--gpu NAME is required" "$SGLSIM" calibrate train_mlp.csv
printf 'kernel_source,node_num,hidden_size,num_token,num_topk,num_experts,combine_avg_t_us,dispatch_avg_t_us\n' >deepep.csv
check "a known table no law covers is a note, not an error" \
	fails_with 0 "deepep.csv: note: DeepEP" "$SGLSIM" calibrate --gpu h100_sxm --no-fit train_mlp.csv deepep.csv

tap_done
