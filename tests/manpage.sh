#!/bin/sh
# manpage.sh -- doc/sglsim.1 against the program it documents, as TAP:
# every command of `sglsim --help` has a section under COMMANDS; each
# section names every option of that command's --help, spelled as --help
# spells it (`--jit MODE` in one command, `--jit=auto|always|never` in
# another), and no option its --help lacks; groff reads the page without a
# warning; the version in .TH is the one `sglsim --version` prints.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"
page=$SRCDIR/doc/sglsim.1

# detroff.awk: the page as "SECTION<TAB>TEXT" lines, TEXT without troff
# (fonts, \- and other escapes, macro names, quotes).  SECTION is the
# command of a .SS under .SH COMMANDS, or "-" elsewhere.  Arguments of
# .B/.I join with spaces, those of .BR/.IR/... without.  .SS lines under
# COMMANDS are also printed as "=SS<TAB>NAME".
cat >"$tmp/detroff.awk" <<'EOF'
function unesc(s) {
	gsub(/\\".*/, "", s)
	gsub(/\\f\[[^]]*\]/, "", s)
	gsub(/\\f\([A-Za-z0-9][A-Za-z0-9]/, "", s)
	gsub(/\\f[A-Za-z0-9]/, "", s)
	gsub(/\\-/, "-", s)
	gsub(/\\\(aq/, "\047", s)
	gsub(/\\\((dq|lq|rq)/, "\"", s)
	gsub(/\\\(mi/, "-", s)
	gsub(/\\\([A-Za-z0-9][A-Za-z0-9]/, " ", s)
	gsub(/\\\[[^]]*\]/, " ", s)
	gsub(/\\[&%|^c]/, "", s)
	gsub(/\\ /, " ", s)
	gsub(/\\e/, "\\", s)
	return s
}
# args(s): splits macro arguments (double quotes group, "" is a quote)
# into a[1..n]; returns n.
function args(s, a,    n, i, c, q, cur, have) {
	n = 0; q = 0; cur = ""; have = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (q) {
			if (c == "\"" && substr(s, i + 1, 1) == "\"") { cur = cur "\""; i++ }
			else if (c == "\"") q = 0
			else cur = cur c
		} else if (c == "\"") { q = 1; have = 1 }
		else if (c == " " || c == "\t") {
			if (have || cur != "") { a[++n] = cur; cur = ""; have = 0 }
		} else { cur = cur c; have = 1 }
	}
	if (have || cur != "") a[++n] = cur
	return n
}
BEGIN { sec = "-"; sh = "" }
/^[.'][ \t]*\\"/ { next }
/^[.']/ {
	line = $0
	sub(/^[.'][ \t]*/, "", line)
	m = line; sub(/[ \t].*/, "", m)
	rest = substr(line, length(m) + 1)
	n = args(rest, a)
	text = ""
	for (i = 1; i <= n; i++) a[i] = unesc(a[i])
	if (m == "SH") {
		sh = ""
		for (i = 1; i <= n; i++) sh = sh (i > 1 ? " " : "") a[i]
		sh = toupper(sh)
		sec = "-"
		next
	}
	if (m == "SS") {
		if (sh != "COMMANDS") { sec = "-"; next }
		name = ""
		for (i = 1; i <= n; i++) name = name (i > 1 ? " " : "") a[i]
		k = split(name, w, /[ \t]+/)
		sec = (w[1] == "sglsim" && k > 1) ? w[2] : w[1]
		print "=SS\t" sec
		next
	}
	if (m ~ /^(B|I|SM|SB)$/) {
		for (i = 1; i <= n; i++) text = text (i > 1 ? " " : "") a[i]
	} else if (m ~ /^(BR|RB|BI|IB|RI|IR)$/) {
		for (i = 1; i <= n; i++) text = text a[i]
	} else if (m == "IP" && n > 0) {
		text = a[1]
	} else {
		next
	}
	print sec "\t" text
	next
}
{ print sec "\t" unesc($0) }
EOF

# tokens.awk: the option tokens (-D, --bind, -o, --jit...) of its input,
# one a line: a - or -- right after a non-word character, then a letter.
cat >"$tmp/tokens.awk" <<'EOF'
{
	s = " " $0
	while (match(s, /[^A-Za-z0-9_-]--?[A-Za-z][A-Za-z0-9-]*/)) {
		t = substr(s, RSTART + 1, RLENGTH - 1)
		sub(/-+$/, "", t)
		print t
		s = substr(s, RSTART + RLENGTH)
	}
}
EOF
tokens() { awk -f "$tmp/tokens.awk" | LC_ALL=C sort -u; }

# What --help says: the commands, then per command the tokens of its usage
# and of everything from "options:" on (required in its section), those of
# its whole text (allowed there), its option forms and its usage lines.
cmds=$("$SGLSIM" --help 2>/dev/null | awk '/^commands:/ { c = 1; next } c && /^$/ { exit } c && /^  [a-z]/ { print $1 }')
if [ ! -f "$page" ]; then
	not_ok "the man page $page exists"
	tap_done
	exit 1
fi
awk -f "$tmp/detroff.awk" "$page" >"$tmp/page.tsv"
check "sglsim --help lists commands" test -n "$cmds"

for c in $cmds; do
	h=$tmp/help.$c
	"$SGLSIM" "$c" --help >"$h" 2>&1
	echo $? >"$h.status"
	# usage lines and the options section
	awk '/^usage:/ { u = 1 } u && /^$/ { u = 0 } u { print; next }
	     /^options:/ { o = 1; next } o' "$h" | tokens >"$h.need"
	tokens <"$h" >"$h.allow"
	# the option forms: "  -D, --bind NAME=VALUE  fix ..." -> "-D, --bind NAME=VALUE"
	awk '/^options:/ { o = 1; next }
	     o && /^  -/ { s = substr($0, 3); i = index(s, "  "); if (i) s = substr(s, 1, i - 1); print s }' "$h" >"$h.forms"
	# the usage lines, continuation lines joined ("sglsim graph FILE ...")
	awk '/^usage: / { if (u != "") print u; u = substr($0, 8); next }
	     u != "" && /^ +sglsim / { print u; u = $0; sub(/^ +/, "", u); next }
	     u != "" && /^ +[^ ]/ { s = $0; sub(/^ +/, "", s); u = u " " s; next }
	     { if (u != "") print u; u = "" }
	     END { if (u != "") print u }' "$h" | tr -s ' ' >"$h.usage"
	# the page's section of the command, as one line and as tokens
	awk -F '\t' -v c="$c" '$1 == c { print $2 }' "$tmp/page.tsv" >"$tmp/sec.$c"
	tr '\n\t' '  ' <"$tmp/sec.$c" | tr -s ' ' >"$tmp/sec1.$c"
	tokens <"$tmp/sec.$c" >"$tmp/sec.$c.tokens"
done

has_section() { # has_section CMD
	awk -F '\t' -v c="$1" '$1 == "=SS" && $2 == c { f = 1 } END { exit !f }' "$tmp/page.tsv" ||
		{ echo "no .SS $1 under .SH COMMANDS in $page"; return 1; }
}
no_extra_section() {
	bad=0
	for s in $(awk -F '\t' '$1 == "=SS" { print $2 }' "$tmp/page.tsv"); do   # names are words
		case " $(echo "$cmds" | tr '\n' ' ') " in
		*" $s "*) ;;
		*) echo "section '$s' is not a command of sglsim --help"; bad=1 ;;
		esac
	done
	return $bad
}
has_options() { # has_options CMD: every option of its --help is in its section
	[ "$(cat "$tmp/help.$1.status")" -eq 0 ] || { echo "sglsim $1 --help exits $(cat "$tmp/help.$1.status")"; cat "$tmp/help.$1"; return 1; }
	missing=$(LC_ALL=C comm -23 "$tmp/help.$1.need" "$tmp/sec.$1.tokens")
	[ -z "$missing" ] || { echo "missing from the '$1' section: $(echo "$missing" | tr '\n' ' ')"; return 1; }
}
has_forms() { # has_forms CMD: usage and option forms written as --help writes them
	bad=0
	while IFS= read -r f; do
		grep -qF -- "$f" "$tmp/sec1.$1" || { echo "the '$1' section lacks [$f]"; bad=1; }
	done <"$tmp/help.$1.forms"
	while IFS= read -r f; do
		grep -qF -- "$f" "$tmp/sec1.$1" || { echo "the '$1' section lacks the usage [$f]"; bad=1; }
	done <"$tmp/help.$1.usage"
	return $bad
}
no_unknown_options() { # no_unknown_options CMD
	extra=$(LC_ALL=C comm -13 "$tmp/help.$1.allow" "$tmp/sec.$1.tokens")
	[ -z "$extra" ] || { echo "the '$1' section names options its --help lacks: $(echo "$extra" | tr '\n' ' ')"; return 1; }
}

for c in $cmds; do
	check "$c: has a section under COMMANDS" has_section "$c"
done
check "every section under COMMANDS is a command" no_extra_section
for c in $cmds; do
	check "$c: every option of its --help is in its section" has_options "$c"
	check "$c: usage and options spelled as its --help spells them" has_forms "$c"
	check "$c: its section names no option its --help lacks" no_unknown_options "$c"
done

# Option dashes are \- (a plain - prints as a hyphen, not the ASCII
# hyphen-minus a reader copies into a shell).
escaped_dashes() {
	awk '/^[.\047][ \t]*\\"/ { next }
	     { s = $0; gsub(/\\f\[[^]]*\]|\\f\(..|\\f./, "", s)
	       if (match(s, /(^|[^\\A-Za-z0-9_])-/)) { print FILENAME ":" NR ": " $0; bad = 1 } }
	     END { exit bad }' "$page"
}
check "option dashes are written \\-" escaped_dashes

# The page formats without warnings.
if command -v groff >/dev/null 2>&1; then
	groff_quiet() {
		out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
		[ -z "$out" ] || { echo "$out"; return 1; }
	}
	check "groff -man -ww prints no warnings" groff_quiet
elif command -v man >/dev/null 2>&1 && man --warnings -l /dev/null >/dev/null 2>&1; then
	man_quiet() {
		out=$(man --warnings -l "$page" 2>&1 >/dev/null)
		[ -z "$out" ] || { echo "$out"; return 1; }
	}
	check "man --warnings prints no warnings" man_quiet
else
	ok "groff prints no warnings # SKIP groff not found"
fi

# .TH SGLSIM 1 DATE "sglsim VERSION" ...: the version --version prints.
th_version() {
	want=$("$SGLSIM" --version | awk 'NR == 1 { print $2 }')
	got=$(awk '/^\.TH[ \t]/ {
		n = 0; q = 0; cur = ""; s = substr($0, 4)
		for (i = 1; i <= length(s); i++) {
			ch = substr(s, i, 1)
			if (ch == "\"") { q = !q; continue }
			if (!q && (ch == " " || ch == "\t")) { if (cur != "") { a[++n] = cur; cur = "" } continue }
			cur = cur ch
		}
		if (cur != "") a[++n] = cur
		k = split(a[4], w, / +/); print w[k]; exit
	}' "$page")
	if [ -z "$want" ] || [ "$got" != "$want" ]; then
		echo ".TH says [$got], sglsim --version [$want]"
		return 1
	fi
}
check ".TH version is sglsim --version's" th_version

tap_done
