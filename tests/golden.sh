#!/bin/sh
# golden.sh -- golden-file tests of the front end, as TAP.
#
#   tests/golden/errors/NAME.sgl  ->  NAME.err   exact stderr of `sglsim check`
#                                                (exit status must be 1)
#   tests/golden/parse/NAME.sgl   ->  NAME.ast   exact AST dump (`--dump-ast`)
#   examples/*.sgl                               must pass `sglsim check`
#
# A first line `# args: ...` in a .sgl file gives extra arguments (e.g. -D).
# Files are checked from their own folder, so messages show bare names.
# GOLDEN_UPDATE=1 rewrites the expected files from the current output.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"

args_of() { sed -n '1s/^# args: //p' "$1"; }

for f in "$SRCDIR"/tests/golden/errors/*.sgl; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .sgl)
	dir=$(dirname "$f")
	# shellcheck disable=SC2046
	(cd "$dir" && eval "\"$SGLSIM\" check $(args_of "$f") \"$name.sgl\"") >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ -n "$GOLDEN_UPDATE" ]; then cp "$tmp/err" "$dir/$name.err"; fi
	if [ "$status" -ne 1 ]; then
		not_ok "errors/$name: exit status $status, expected 1"
		sed 's/^/# /' "$tmp/err"
	elif ! diff -u "$dir/$name.err" "$tmp/err" >"$tmp/diff" 2>&1; then
		not_ok "errors/$name: stderr differs"
		sed 's/^/# /' "$tmp/diff"
	else
		ok "errors/$name"
	fi
done

for f in "$SRCDIR"/tests/golden/parse/*.sgl; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .sgl)
	dir=$(dirname "$f")
	(cd "$dir" && "$SGLSIM" check --dump-ast "$name.sgl") >"$tmp/out" 2>"$tmp/err"
	status=$?
	grep -v "^$name.sgl: ok\$" "$tmp/out" >"$tmp/ast"
	if [ -n "$GOLDEN_UPDATE" ]; then cp "$tmp/ast" "$dir/$name.ast"; fi
	if [ "$status" -ne 0 ]; then
		not_ok "parse/$name: exit status $status"
		sed 's/^/# /' "$tmp/err"
	elif ! diff -u "$dir/$name.ast" "$tmp/ast" >"$tmp/diff" 2>&1; then
		not_ok "parse/$name: AST differs"
		sed 's/^/# /' "$tmp/diff"
	else
		ok "parse/$name"
	fi
done

for f in "$SRCDIR"/examples/*.sgl; do
	if "$SGLSIM" check "$f" >"$tmp/out" 2>"$tmp/err"; then
		ok "examples/$(basename "$f") checks"
	else
		not_ok "examples/$(basename "$f") checks"
		sed 's/^/# /' "$tmp/err"
	fi
done

tap_done
