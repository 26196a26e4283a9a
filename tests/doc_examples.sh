#!/bin/sh
# doc_examples.sh -- the documentation's examples and tables are tested, as TAP.
#
# In README.md and doc/*.md:
#   ```sgl        blocks must pass `sglsim check`
#   ```sgl-error  blocks must fail `sglsim check` with exit status 1
# In doc/language.md, the text between <!-- BEGIN TABLE --> and
# <!-- END TABLE --> must equal `sglsim doc TABLE` (fields, units, ...).
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"

for md in "$SRCDIR"/README.md "$SRCDIR"/doc/*.md; do
	[ -f "$md" ] || continue
	rel=${md#"$SRCDIR"/}
	# Split the fenced sgl blocks into numbered files: B.sgl or B.sgl-error
	rm -f "$tmp"/block.*
	awk -v dir="$tmp" '
		/^```sgl(-error)?[ \t]*$/ { kind = ($0 ~ /error/) ? "sgl-error" : "sgl";
			nb++; line = NR; file = sprintf("%s/block.%03d.%d.%s", dir, nb, NR + 1, kind); inblock = 1; next }
		/^```/ && inblock { inblock = 0; close(file); next }
		inblock { print > file }
	' "$md"
	for b in "$tmp"/block.*; do
		[ -f "$b" ] || continue
		line=$(echo "$b" | sed 's/.*block\.[0-9]*\.\([0-9]*\)\..*/\1/')
		case "$b" in
		*.sgl-error)
			cp "$b" "$tmp/example.sgl"
			(cd "$tmp" && "$SGLSIM" check example.sgl) >/dev/null 2>"$tmp/err"
			st=$?
			if [ "$st" -eq 1 ]; then ok "$rel:$line: example is rejected"
			else not_ok "$rel:$line: example should be rejected (exit $st)"; fi ;;
		*)
			cp "$b" "$tmp/example.sgl"
			if (cd "$tmp" && "$SGLSIM" check example.sgl) >/dev/null 2>"$tmp/err"; then
				ok "$rel:$line: example checks"
			else
				not_ok "$rel:$line: example fails to check"
				sed 's/^/# /' "$tmp/err"
			fi ;;
		esac
	done
done

lang="$SRCDIR/doc/language.md"
# The whole reference is generated from doc/language.md.in by running the
# current build: regenerating it must change nothing.
if command -v python3 >/dev/null 2>&1 && command -v stdbuf >/dev/null 2>&1; then
	# stdbuf preloads a library: an ASan build must be told that is fine
	if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	   SGLSIM="$SGLSIM" python3 "$SRCDIR/doc/gen_language.py" "$SRCDIR/doc/language.md.in" "$tmp/lang.md" &&
	   diff -u "$lang" "$tmp/lang.md" >"$tmp/diff"; then
		ok "doc/language.md is what doc/language.md.in generates (make doc)"
	else
		not_ok "doc/language.md is out of date: run 'make doc'"
		sed 's/^/# /' "$tmp/diff" | head -40
	fi
else
	ok "doc/language.md is current # SKIP python3 or stdbuf missing"
fi
for table in fields units builtins keywords; do
	"$SGLSIM" doc "$table" >"$tmp/want"
	awk -v t="$table" '
		$0 == "<!-- BEGIN " t " -->" { on = 1; next }
		$0 == "<!-- END " t " -->" { on = 0 }
		on { print }
	' "$lang" >"$tmp/have" 2>/dev/null
	if [ -s "$tmp/have" ] && diff -u "$tmp/want" "$tmp/have" >"$tmp/diff"; then
		ok "doc/language.md $table table is current"
	else
		not_ok "doc/language.md $table table differs from 'sglsim doc $table'"
		sed 's/^/# /' "$tmp/diff" | head -40
	fi
done

tap_done
