#!/bin/sh
# fmt.sh -- `sglsim fmt`, as TAP.  Every .sgl file of examples/, stdlib/ and
# tests/golden/parse/, formatted, parses to the same syntax tree as before
# (`check --dump-ast`, which prints no source positions) and formats to
# itself; `--check` says which files would change; `-w`/`--write` rewrites
# files in place; text that does not scan is an error and is not rewritten.
#
#   sglsim fmt FILE            the formatted text on stdout
#   sglsim fmt --check FILE... exit 1 and "FILE: not formatted" if one would change
#   sglsim fmt -w FILE...      rewrite the files
#
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"

# dump FILE: its syntax tree, less the "FILE: ok" line of `check`
dump() { "$SGLSIM" check --dump-ast "$1" 2>/dev/null | grep -vxF "$1: ok"; }

same_tree() { # same_tree ORIGINAL FORMATTED
	dump "$1" >"$tmp/tree1"
	dump "$2" >"$tmp/tree2"
	[ -s "$tmp/tree1" ] || { echo "no syntax tree for $1"; return 1; }
	diff "$tmp/tree1" "$tmp/tree2"
}

fixed_point() { # fixed_point FORMATTED: formats to itself, and --check agrees
	"$SGLSIM" fmt "$1" >"$tmp/again" || return 1
	diff "$1" "$tmp/again" || return 1
	"$SGLSIM" fmt --check "$1"
}

check_agrees() { # check_agrees ORIGINAL FORMATTED: --check fails iff fmt changes it
	"$SGLSIM" fmt --check "$1" >"$tmp/out" 2>&1
	st=$?
	if cmp -s "$1" "$2"; then
		[ "$st" -eq 0 ] || { echo "--check: exit $st on a formatted file"; cat "$tmp/out"; return 1; }
	else
		[ "$st" -eq 1 ] || { echo "--check: exit $st on a file fmt changes"; cat "$tmp/out"; return 1; }
		grep -qF -- "$1: not formatted" "$tmp/out" || { echo "--check: no '$1: not formatted'"; cat "$tmp/out"; return 1; }
	fi
}

changed=0
total=0
for dir in examples stdlib; do
	mkdir -p "$tmp/fmt/$dir"
	for f in "$SRCDIR/$dir"/*.sgl; do
		[ -f "$f" ] || continue
		total=$((total + 1))
		rel=$dir/$(basename "$f")
		out=$tmp/fmt/$rel
		if ! "$SGLSIM" fmt "$f" >"$out" 2>"$tmp/err"; then
			not_ok "$rel: fmt fails"
			sed 's/^/# /' "$tmp/err"
			continue
		fi
		check "$rel: same syntax tree when formatted" same_tree "$f" "$out"
		check "$rel: formatted text is a fixed point" fixed_point "$out"
		check "$rel: --check agrees with fmt" check_agrees "$f" "$out"
		cmp -s "$f" "$out" || changed=$((changed + 1))
	done
done
echo "# $changed of $total files of examples/ and stdlib/ change when formatted"

# -w on a copy of tests/golden/parse (its imports included)
cp -R "$SRCDIR/tests/golden/parse" "$tmp/parse"
chmod -R u+w "$tmp/parse"
check "golden/parse: fmt -w" "$SGLSIM" fmt -w "$tmp"/parse/*.sgl
for f in "$SRCDIR"/tests/golden/parse/*.sgl; do
	base=$(basename "$f") # not $name: check() sets that
	check "golden/parse/$base: same syntax tree when formatted" same_tree "$f" "$tmp/parse/$base"
	check "golden/parse/$base: formatted text is a fixed point" fixed_point "$tmp/parse/$base"
done

# a messy file: its canonical form, --check, --write
printf 'import  gpus;\n\n\n\ncluster c {gpu=h100_sxm;nodes = 2 }\nparam tp\tin {1,2, 4 ,8}=1 # the degree\nconst kv = f( a,\n        b )*-2\n' >"$tmp/messy.sgl"
printf 'gpu g : h100_sxm {\ncost=2 USD/h # default\n    idle_power   = 60 W\n}\n' >>"$tmp/messy.sgl"
printf 'import gpus\n\ncluster c { gpu = h100_sxm; nodes = 2 }\nparam tp in {1, 2, 4, 8} = 1  # the degree\nconst kv = f(a,\n  b) * -2\n' >"$tmp/want.sgl"
# the `=` of consecutive entries aligned, the comment column after that
printf 'gpu g : h100_sxm {\n  cost       = 2 USD/h  # default\n  idle_power = 60 W\n}\n' >>"$tmp/want.sgl"
cp "$tmp/messy.sgl" "$tmp/messy2.sgl"
fmt_is() { # fmt_is WANT FILE
	"$SGLSIM" fmt "$2" >"$tmp/got" || return 1
	diff "$1" "$tmp/got"
}
check "fmt prints the canonical form" fmt_is "$tmp/want.sgl" "$tmp/messy.sgl"
check_fails() { # check_fails FILE...: --check exits 1 and names the first
	"$SGLSIM" fmt --check "$@" >"$tmp/out" 2>&1
	st=$?
	[ "$st" -eq 1 ] || { echo "exit $st, wanted 1"; cat "$tmp/out"; return 1; }
	grep -qF -- "$1: not formatted" "$tmp/out" || { echo "no '$1: not formatted':"; cat "$tmp/out"; return 1; }
}
check "--check: exit 1 and FILE: not formatted" check_fails "$tmp/messy.sgl"
check "--check leaves the file alone" cmp -s "$tmp/messy.sgl" "$tmp/messy2.sgl"
check "--check passes on the canonical form" "$SGLSIM" fmt --check "$tmp/want.sgl"
check "--check of two files: one unformatted fails" check_fails "$tmp/messy.sgl" "$tmp/want.sgl"
check "-w rewrites the files" "$SGLSIM" fmt -w "$tmp/messy.sgl" "$tmp/want.sgl"
check "-w result is the canonical form" cmp -s "$tmp/messy.sgl" "$tmp/want.sgl"
check "--write rewrites a file" "$SGLSIM" fmt --write "$tmp/messy2.sgl"
check "--write result is the canonical form" cmp -s "$tmp/messy2.sgl" "$tmp/want.sgl"
check "after -w, --check passes" "$SGLSIM" fmt --check "$tmp/messy.sgl" "$tmp/messy2.sgl"

# text that does not scan: an error with its position, the file untouched
printf 'const a = 1\nconst s = "no end\n' >"$tmp/bad.sgl"
cp "$tmp/bad.sgl" "$tmp/bad2.sgl"
fails_with() { # fails_with TEXT COMMAND...: exit status not 0, TEXT in the output
	text=$1
	shift
	"$@" >"$tmp/out" 2>&1 && { echo "exit 0"; return 1; }
	grep -qF -- "$text" "$tmp/out" || { echo "output lacks [$text]:"; cat "$tmp/out"; return 1; }
}
check "unterminated string: an error" fails_with "missing closing quote of string" "$SGLSIM" fmt "$tmp/bad.sgl"
check "unterminated string: the error has line:col" fails_with "2:11" "$SGLSIM" fmt "$tmp/bad.sgl"
check "unterminated string: -w fails" fails_with "missing closing quote of string" "$SGLSIM" fmt -w "$tmp/bad.sgl"
check "unterminated string: -w leaves the file alone" cmp -s "$tmp/bad.sgl" "$tmp/bad2.sgl"
check "unterminated string: --check fails" fails_with "missing closing quote of string" "$SGLSIM" fmt --check "$tmp/bad.sgl"

# The tree's own files are kept formatted (CI fails otherwise: run
# `sglsim fmt -w examples/*.sgl stdlib/*.sgl`).
check "examples/ and stdlib/ are formatted (sglsim fmt --check)" \
	"$SGLSIM" fmt --check "$SRCDIR"/examples/*.sgl "$SRCDIR"/stdlib/*.sgl

tap_done
