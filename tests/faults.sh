#!/bin/sh
# faults.sh -- sglsim under faults of its surroundings, as TAP: a full
# device or a missing folder for every output file (an error naming the
# file, exit 1, the table still shown), a read-only folder (when not run as
# root, who may write anyway), an unusable JIT cache folder (compiles in
# memory, same results), no assembler on PATH (one note, the interpreter,
# same results; --jit always is an error).
. "$(dirname "$0")/tap.sh"
case $SGLSIM in /*) ;; *) SGLSIM=$PWD/$SGLSIM ;; esac
case $SRCDIR in /*) ;; *) SRCDIR=$PWD/$SRCDIR ;; esac
cd "$tmp" || exit 1   # the examples' graph statements write into the current folder
ex=$SRCDIR/examples

# expect_fail NAME PATTERN CMD...: exit 1 and PATTERN on stderr
expect_fail() {
	name=$1 pat=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" = 1 ] && grep -q -- "$pat" "$tmp/err"; then
		ok "$name"
	else
		not_ok "$name (exit $st)"
		sed 's/^/# /' "$tmp/err"
	fi
}

# a grid of 200 000 points: the JIT from 100 000 on
cat >"$tmp/grid.sgl" <<'SGL'
param a in 1 .. 400 = 1
param b in 1 .. 500 = 1
metric f = ceil(a / 7) * b^2 / (a + b) + max(a, b / 3)
metric g = (if a < b then a else b) + floor(b / a)
optimize {
  minimize f
  maximize g
  over (a, b)
  method = pareto
}
SGL

# ---------------------------------------------------------------- full device
for opt in --json --csv --trace; do
	expect_fail "run $opt /dev/full: an error naming the file" "/dev/full" \
		"$SGLSIM" run "$ex/quickstart.sgl" $opt /dev/full
	grep -q '^requests  *2000 arrived' "$tmp/out" && ok "run $opt /dev/full: the table is still shown" \
		|| not_ok "run $opt /dev/full: the table is still shown"
done
for opt in --json --csv; do
	expect_fail "optimize $opt /dev/full: an error naming the file" "/dev/full" \
		"$SGLSIM" optimize "$ex/multi_objective_optimization.sgl" --no-progress $opt /dev/full
done

# ---------------------------------------------------------------- missing folder
gone=$tmp/no/such/folder
for opt in --json --csv --trace; do
	expect_fail "run $opt into a missing folder" "$gone" "$SGLSIM" run "$ex/quickstart.sgl" $opt "$gone/x"
done
for opt in "--json $gone/f.json" "--csv $gone/f.csv" "--plot $gone/f.svg"; do
	expect_fail "optimize ${opt%% *} into a missing folder" "$gone" \
		"$SGLSIM" optimize "$ex/multi_objective_optimization.sgl" --no-progress $opt
done
expect_fail "graph -o into a missing folder" "$gone" "$SGLSIM" graph "$tmp/grid.sgl" f -o "$gone/g.svg"

# ---------------------------------------------------------------- read-only folder
mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
if [ "$(id -u)" = 0 ]; then
	ok "# SKIP read-only folder: root may write into it anyway"
else
	expect_fail "run --json into a read-only folder" "$tmp/ro" "$SGLSIM" run "$ex/quickstart.sgl" --json "$tmp/ro/x.json"
fi
chmod 755 "$tmp/ro"

# ---------------------------------------------------------------- the JIT
"$SGLSIM" optimize "$tmp/grid.sgl" --jit never --no-progress --json "$tmp/ref.json" >/dev/null 2>&1
printf 'not a folder\n' >"$tmp/cachefile"
if SGLSIM_CACHE_DIR="$tmp/cachefile" "$SGLSIM" optimize "$tmp/grid.sgl" --jit always --no-progress \
	--json "$tmp/c1.json" >/dev/null 2>"$tmp/err" && cmp -s "$tmp/ref.json" "$tmp/c1.json"; then
	ok "a JIT cache path that is not a folder: compiled in memory, same results"
else
	not_ok "a JIT cache path that is not a folder: compiled in memory, same results"
	sed 's/^/# /' "$tmp/err"
fi
if SGLSIM_CACHE_DIR=/proc/sglsim-cache "$SGLSIM" optimize "$tmp/grid.sgl" --jit always --no-progress \
	--json "$tmp/c2.json" >/dev/null 2>"$tmp/err" && cmp -s "$tmp/ref.json" "$tmp/c2.json"; then
	ok "a JIT cache folder that cannot be created: compiled in memory, same results"
else
	not_ok "a JIT cache folder that cannot be created: compiled in memory, same results"
	sed 's/^/# /' "$tmp/err"
fi
# no assembler: only the tools the shell itself needs are left on PATH
mkdir "$tmp/bin"
SGLSIM_CACHE_DIR=$tmp/cache PATH=$tmp/bin "$SGLSIM" optimize "$tmp/grid.sgl" --no-progress \
	--json "$tmp/noas.json" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" = 0 ] && cmp -s "$tmp/ref.json" "$tmp/noas.json" && [ "$(grep -c 'note: the JIT is off' "$tmp/err")" = 1 ] \
	&& grep -q '`as` is not on PATH' "$tmp/err"; then
	ok "no assembler: one note, the interpreter, the same results"
else
	not_ok "no assembler: one note, the interpreter, the same results (exit $st)"
	sed 's/^/# /' "$tmp/err"
fi
SGLSIM_CACHE_DIR=$tmp/cache PATH=$tmp/bin "$SGLSIM" optimize "$tmp/grid.sgl" --jit always --no-progress >/dev/null 2>"$tmp/err"
st=$?
[ "$st" = 1 ] && grep -q 'jit always' "$tmp/err" && ok "no assembler, --jit always: an error" \
	|| not_ok "no assembler, --jit always: an error (exit $st)"
tap_done
