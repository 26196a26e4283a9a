#!/bin/sh
# compiler_cli.sh -- sglsim expr, eval, graph and compile as a user meets
# them, as TAP: formats, derivatives, readable units, --points CSV (and its
# errors), JIT vs interpreter, graphs, and the compile ABI from C.
. "$(dirname "$0")/tap.sh"
out_is() { want=$1; shift; got=$("$@" 2>"$tmp/err"); [ "$got" = "$want" ] || { printf 'got [%s], wanted [%s]\n' "$got" "$want"; cat "$tmp/err"; return 1; }; }
err_has() { text=$1; shift; "$@" >/dev/null 2>"$tmp/err"; st=$?; [ $st -ne 0 ] && grep -qF -- "$text" "$tmp/err" || { echo "exit $st; stderr lacks [$text]:"; cat "$tmp/err"; return 1; }; }

cat >"$tmp/m.sgl" <<'SGL'
param batch in 1 .. 256 = 16
param tp    in {1, 2, 4, 8} = 2
const peak = 989 TFLOP/s
const hbm  = 3.35 TB/s
fn gemm(m, n, k) = max(2 * m * n * k * 1 FLOP / peak, (m * k + k * n) * 2 B / hbm)
metric mlp   = 3 * gemm(batch, 14336 / tp, 4096)
metric twice = mlp + mlp
metric poly  = batch^2 * tp + 3 * batch
SGL
cd "$tmp" || exit 1

check "expr simplifies x + x" out_is "2 * batch" "$SGLSIM" expr m.sgl "batch + batch"
check "expr prints metrics by name" out_is "2 * batch ^ 2 * tp + 6 * batch" "$SGLSIM" expr m.sgl "poly + poly"
check "expr --diff" out_is "2 * batch * tp + 3" "$SGLSIM" expr m.sgl poly --diff batch
check "expr --format sympy" out_is "batch**2*tp + 3*batch" "$SGLSIM" expr m.sgl poly --format sympy
check "expr --format latex" out_is 'batch^{2} \cdot tp + 3 \cdot batch' "$SGLSIM" expr m.sgl poly --format latex
check "expr --format c is a compilable function" sh -c "\"$SGLSIM\" expr m.sgl mlp --format c > f.c && cc -c -ffp-contract=off f.c -o f.o"
check "expr --stats counts nodes" err_has "nodes" sh -c "\"$SGLSIM\" expr m.sgl poly --stats && false"
check "expr of an unknown metric is an error with a suggestion" err_has "did you mean 'mlp'?" "$SGLSIM" expr m.sgl mpl
check "expr --diff of a non-param" err_has "no param named 'peak'" "$SGLSIM" expr m.sgl mlp --diff peak
check "expr with a bad format is a usage error" sh -c "\"$SGLSIM\" expr m.sgl mlp --format word; [ \$? -eq 2 ]"

check "eval prints readable units" out_is "mlp = 52.7 us" "$SGLSIM" eval m.sgl mlp
check "eval -D fixes a param" out_is "mlp = 105.3 us" "$SGLSIM" eval -D tp=1 m.sgl mlp
check "eval of a value that is not finite is an error" err_has "'1 / 0' is not finite (inf) at this point" "$SGLSIM" eval m.sgl "1 / 0"
check "eval --json prints base units" out_is '{"poly": 560}' "$SGLSIM" eval m.sgl poly --json
printf 'tp,batch,label\n1,16,a\n8,256,"b,c"\n' >pts.csv
check "eval --points writes CSV with the input columns (quoted as needed)" out_is "tp,batch,label,poly
1,16,a,304
8,256,\"b,c\",525056" "$SGLSIM" eval m.sgl poly --points pts.csv
check "eval --points quotes a column named by an expression with a comma" out_is "tp,batch,label,\"max(tp, batch)\"
1,16,a,16
8,256,\"b,c\",256" "$SGLSIM" eval m.sgl "max(tp, batch)" --points pts.csv
check "d(E, P) with P fixed by -D is the derivative there, not 0" out_is "d(poly, batch) = 67" \
	"$SGLSIM" eval m.sgl "d(poly, batch)" -D batch=16 -D tp=2
check "d(E, P) with -D P equals d(E, P) at a --points row" out_is "tp,batch,\"d(poly, tp)\"
2,16,256" sh -c "printf 'tp,batch\n2,16\n' | \"$SGLSIM\" eval m.sgl 'd(poly, tp)' --points - &&
	\"$SGLSIM\" eval m.sgl 'd(poly, tp)' -D tp=2 -D batch=16 --json | grep -q '\"d(poly, tp)\": 256}' || echo no"
check "expr --diff P with -D P: the derivative at P's value" out_is "32 * tp + 3" "$SGLSIM" expr m.sgl poly --diff batch -D batch=16
printf 'batch\n16\n' >nocol.csv
check "a missing param column falls back to the default" out_is "batch,poly
16,560" "$SGLSIM" eval m.sgl poly --points nocol.csv
printf 'tp,batch\n1,sixteen\n' >bad.csv
check "a non-numeric cell names its row and column" err_has "bad.csv:2:2: error: column 'batch': not a number ('sixteen')" "$SGLSIM" eval m.sgl poly --points bad.csv
printf 'x\n1\n' >x.sgl.csv
cat >nodef.sgl <<'SGL'
param q in 1 .. 4
metric f = q * 2
SGL
check "a param without a value or column is an error" err_has "no column for param 'q'" "$SGLSIM" eval nodef.sgl f --points x.sgl.csv
check "eval of a missing CSV file" err_has "cannot read 'none.csv'" "$SGLSIM" eval m.sgl poly --points none.csv
awk 'BEGIN { print "tp,batch"; for (i = 0; i < 3000; i++) printf "%d,%d\n", 2 ^ (i % 4), 1 + i % 256 }' >many.csv
"$SGLSIM" eval m.sgl mlp twice poly --points many.csv --jit never >never.csv 2>&1
"$SGLSIM" eval m.sgl mlp twice poly --points many.csv --jit always >always.csv 2>&1
check "JIT and interpreter agree byte for byte" cmp never.csv always.csv

check "graph writes SVG" sh -c "\"$SGLSIM\" graph m.sgl mlp -o g.svg && grep -q '<svg' g.svg"
check "graph writes Mermaid" sh -c "\"$SGLSIM\" graph m.sgl mlp -o g.mmd --values && head -1 g.mmd | grep -q flowchart"
check "graph shows fn calls as clusters" sh -c "\"$SGLSIM\" graph m.sgl mlp -o g.dot && grep -q 'gemm' g.dot"
check "graph to an unwritable path" err_has "cannot write /nonexistent/g.svg" "$SGLSIM" graph m.sgl mlp -o /nonexistent/g.svg
check "graph --deps names params shared by several metrics" sh -c "\"$SGLSIM\" graph m.sgl --deps -o deps.mmd && grep -q 'batch' deps.mmd && grep -q '3 metrics' deps.mmd"
check "graph caps the size" err_has "more than the limit 3" "$SGLSIM" graph m.sgl mlp -o cap.dot --max-nodes 3

cat >client.c <<'C'
#include <stdio.h>
#include <string.h>
#include "model.h"
int main(void)
{
	double p[2] = {16, 2}, m[3], b[6];
	if (sglsim_abi_version != 1 || sglsim_n_params != 2 || sglsim_n_metrics != 3) return 1;
	if (strcmp(sglsim_param_names[0], "batch") || strcmp(sglsim_metric_units[0], "s")) return 2;
	if (sglsim_eval(p, m) != 0) return 3;
	double pp[4] = {16, 2, 16, 2};
	sglsim_eval_batch(2, pp, b);
	if (memcmp(b, m, sizeof m) || memcmp(b + 3, m, sizeof m)) return 4;
	printf("%.17g %.17g %.17g\n", m[0], m[1], m[2]);
	return 0;
}
C
if "$SGLSIM" --version | grep -q "JIT (libgccjit): available"; then
	check "compile writes a library and a header" "$SGLSIM" compile m.sgl -o libmodel.so --header model.h
	check "a C program links and calls the library" sh -c "cc client.c -I. ./libmodel.so -o client && ./client > client.out"
	want=$("$SGLSIM" eval m.sgl mlp twice poly --json | sed 's/[{}]//g; s/"[^"]*": //g; s/,//g')
	check "the library agrees with eval" out_is "$want" cat client.out
	check "compile to an unwritable path" err_has "cannot compile to /nonexistent/x.so" "$SGLSIM" compile m.sgl -o /nonexistent/x.so
	# two models in one program: --prefix renames every exported name
	cat >two.c <<'C'
#include <stdio.h>
#include "a.h"
#include "b.h"
int main(void)
{
	double pa[2] = {16, 2}, pb[1] = {16}, ma[1], mb[2];   /* a: batch, tp; b: batch (tp fixed) */
	if (model_a_n_params != 2 || model_b_n_params != 1 || model_a_eval(pa, ma) || model_b_eval(pb, mb)) return 1;
	printf("%.17g %.17g %.17g\n", ma[0], mb[0], mb[1]);
	return 0;
}
C
	check "compile --prefix: two libraries link into one program, same numbers as eval" sh -c "
		\"$SGLSIM\" compile m.sgl mlp -o ./liba.so --header a.h --prefix model_a &&
		\"$SGLSIM\" compile m.sgl poly twice -D tp=4 -o ./libb.so --header b.h --prefix model_b &&
		grep -q '^#ifndef MODEL_A_MODEL_H' a.h && ! grep -q sglsim_ a.h &&
		cc two.c -I. ./liba.so ./libb.so -o two && ./two >two.out &&
		a=\$(\"$SGLSIM\" eval m.sgl mlp -D batch=16 -D tp=2 --json | sed 's/.*: //; s/}//') &&
		b=\$(\"$SGLSIM\" eval m.sgl poly twice -D batch=16 -D tp=4 --json | sed 's/[{}]//g; s/\"[^\"]*\": //g; s/,//g') &&
		[ \"\$(cat two.out)\" = \"\$a \$b\" ] || { cat two.out; echo \"\$a \$b\"; false; }"
	check "compile --prefix must be a C identifier" err_has "--prefix needs a C identifier" \
		"$SGLSIM" compile m.sgl -o x.so --prefix 9lives
	# a library to ship runs on any x86-64: no AVX (VEX-encoded v... floating
	# point instructions such as vmulsd, or ymm/zmm registers) unless --native
	vex='[[:space:]]v[a-z0-9]*(sd|pd|ss|ps)[[:space:]]|%[yz]mm'
	if command -v objdump >/dev/null && [ "$(uname -m)" = x86_64 ]; then
		check "compile uses the x86-64 baseline (no AVX instructions)" sh -c \
			"! objdump -d libmodel.so | grep -qE '$vex'"
		if grep -q ' avx2 ' /proc/cpuinfo 2>/dev/null; then
			check "compile --native uses this CPU's AVX instructions, same numbers" sh -c \
				"\"$SGLSIM\" compile m.sgl -o ./libnative.so --native && objdump -d libnative.so | grep -qE '$vex' &&
				 cc client.c -I. ./libnative.so -o client_native && ./client_native | cmp - client.out"
		fi
	fi
else
	ok "compile # SKIP built without libgccjit"
fi
tap_done
