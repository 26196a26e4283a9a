#!/bin/sh
# tutorial.sh -- doc/tutorial.md is run, as TAP, so that it cannot go stale.
#
# Conventions of the tutorial (doc/tutorial.md says them to the reader):
#   ```sgl blocks     the first line is '# NAME.sgl -- ...': the block is
#                     saved as NAME.sgl in a scratch folder (every block,
#                     before anything runs).  A line '# run: COMMAND' in
#                     the block is run there and must exit 0.
#   ```console blocks '$ COMMAND' lines are run there, in order, and must
#                     exit 0; the lines after one (up to the next '$ ' or
#                     the end of the block) are output the tutorial shows:
#                     each must appear as a whole line of the command's
#                     standard output and error (trailing blanks ignored),
#                     except '...', which stands for lines left out.
# Commands run with sh -c; 'sglsim' in them is the binary under test.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"

doc=$SRCDIR/doc/tutorial.md
rel=doc/tutorial.md
work=$tmp/work
mkdir -p "$work"
export SGLSIM

if [ ! -f "$doc" ]; then
	not_ok "$rel exists"
	tap_done
	exit 1
fi

# The plan: one record per line, in document order,
#   file LINE NAME            (a scenario saved as NAME; its text in $tmp/sgl.K)
#   run LINE NAME COMMAND     (a '# run:' line)
#   cmd LINE K COMMAND        (a console command; its shown output in $tmp/want.K)
#   bad LINE MESSAGE          (a block that breaks the conventions)
awk -v dir="$tmp" '
	function flush_cmd() { if (cur != "") close(cur); cur = "" }
	/^```sgl[ \t]*$/ { insgl = 1; first = 1; nb++; blk = dir "/sgl." nb; next }
	/^```console[ \t]*$/ { incon = 1; next }
	/^```/ && insgl {
		insgl = 0; close(blk)
		if (name == "") printf "bad\t%d\tsgl block without a first line # NAME.sgl\n", start
		else printf "file\t%d\t%s\t%d\n", start, name, nb
		for (i = 1; i <= nrun; i++) printf "run\t%s\t%s\t%s\n", runline[i], name, runcmd[i]
		nrun = 0; name = ""
		next
	}
	/^```/ && incon { incon = 0; flush_cmd(); next }
	insgl {
		if (first) {
			start = NR; first = 0; name = ""
			if (match($0, /^# [A-Za-z0-9_.-]+\.sgl/)) name = substr($0, 3, RLENGTH - 2)
		}
		if ($0 ~ /^# run: /) { nrun++; runline[nrun] = NR; runcmd[nrun] = substr($0, 8) }
		print > blk
		next
	}
	incon && /^\$ / {
		flush_cmd(); nc++; cur = dir "/want." nc
		printf "" > cur
		printf "cmd\t%d\t%d\t%s\n", NR, nc, substr($0, 3)
		next
	}
	incon && cur != "" && $0 != "..." { sub(/[ \t]+$/, ""); print > cur; next }
' "$doc" >"$tmp/plan"

# Every scenario first: later commands may read any of them.
tab=$(printf '\t')
while IFS="$tab" read -r kind line a b; do
	case $kind in
	file) cp "$tmp/sgl.$b" "$work/$a" ;;
	bad) not_ok "$rel:$line: $a" ;;
	esac
done <"$tmp/plan"

# run_cmd COMMAND: run it in $work; output in $tmp/out, status in $rc.
# A command already run is not run again (its first output is reused).
run_cmd() {
	key=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
	if [ ! -f "$tmp/out.$key" ]; then
		(cd "$work" && sh -c 'sglsim() { "$SGLSIM" "$@"; }
'"$1") </dev/null >"$tmp/out.$key" 2>&1
		echo $? >"$tmp/rc.$key"
	fi
	sed 's/[[:space:]]*$//' "$tmp/out.$key" >"$tmp/out"
	rc=$(cat "$tmp/rc.$key")
}

while IFS="$tab" read -r kind line a b; do
	case $kind in
	run)
		run_cmd "$b"
		if [ "$rc" -eq 0 ]; then
			ok "$rel:$line: $a runs ($b)"
		else
			not_ok "$rel:$line: $a runs ($b): exit $rc"
			sed 's/^/# /' "$tmp/out" | head -40
		fi ;;
	cmd)
		run_cmd "$b"
		# dash's echo (tap.sh) would expand backslashes in the test's name
		d=$(printf '%s' "$b" | tr -d '\134')
		missing=0
		: >"$tmp/missing"
		while IFS= read -r want; do
			if ! grep -qxF -- "$want" "$tmp/out"; then
				missing=$((missing + 1))
				echo "$want" >>"$tmp/missing"
			fi
		done <"$tmp/want.$a"
		shown=$(wc -l <"$tmp/want.$a" | tr -d ' ')
		if [ "$rc" -ne 0 ]; then
			not_ok "$rel:$line: \$ $d: exit $rc"
			sed 's/^/# /' "$tmp/out" | head -40
		elif [ "$missing" -ne 0 ]; then
			not_ok "$rel:$line: \$ $d: $missing of the $shown lines shown are not in the output"
			sed 's/^/# shown, missing: /' "$tmp/missing" | head -20
			sed 's/^/# real: /' "$tmp/out" | head -60
		else
			ok "$rel:$line: \$ $d (exit 0; the $shown lines shown are in the output)"
		fi ;;
	esac
done <"$tmp/plan"

grep -q "^run${tab}" "$tmp/plan" || not_ok "$rel: no block is marked '# run:'"
tap_done
