# mdrun.sh -- sourced, after tap.sh, by the tests that run a Markdown page
# (tutorial.sh, readme.sh, embedding.sh), so that the page cannot go stale:
# its named blocks are saved as files and its transcripts are run, as TAP.
#
# Conventions of such a page:
#   ```LANG blocks    for each LANG in $md_save (set by the caller: "sgl",
#                     "sgl c python"; empty by default), the first line
#                     names the block's file: '# NAME.sgl -- ...',
#                     '# NAME.py', '/* NAME.c'; the block is saved as NAME
#                     in $work (every block, before anything runs).  A line
#                     '# run: COMMAND' in the block is run there and must
#                     exit 0.
#   ```console blocks '$ COMMAND' lines are run there, in order, and must
#                     exit 0; the lines after one (up to the next '$ ' or
#                     the end of the block) are output the page shows: each
#                     must appear as a whole line of the command's standard
#                     output and error (trailing blanks ignored), except
#                     '...', which stands for lines left out.
# Other blocks (```sh, ```sgl where $md_save lacks sgl, ...) are not run.
# Commands run with sh -c in $work; 'sglsim' in them is the binary under
# test.  A command already run is not run again (its first output is
# reused).
#
#   work               the scratch folder; the caller may put files there
#   md_plan REL        reads $SRCDIR/REL into the plan $tmp/plan
#   md_files           saves the blocks in $work
#   md_commands        runs the '# run:' lines and the transcripts in order
#   md_run REL         the three; with md_need_run=1, a page without a
#                      '# run:' line fails
#   md_run_cmd COMMAND runs one: its output in $tmp/out, its status in $rc
#   md_skip COMMAND    prints why COMMAND is skipped, or nothing; the
#                      caller may redefine it (the default skips nothing)
# Environment: SGLSIM (the binary), SRCDIR (the source tree).

work=$tmp/work
mkdir -p "$work"
export SGLSIM
md_save=
md_need_run=
md_tab=$(printf '\t')

md_skip() { :; }

# The plan: one record per line, in page order,
#   file LINE NAME K          (a block saved as NAME; its text in $tmp/blk.K)
#   run LINE NAME COMMAND     (a '# run:' line)
#   cmd LINE K COMMAND        (a console command; its shown output in $tmp/want.K)
#   bad LINE MESSAGE          (a block that breaks the conventions)
md_plan() {
	md_rel=$1
	if [ ! -f "$SRCDIR/$md_rel" ]; then
		not_ok "$md_rel exists"
		tap_done
		exit 1
	fi
	awk -v dir="$tmp" -v save="$md_save" '
		BEGIN {
			n = split(save, l, " ")
			for (i = 1; i <= n; i++) ext[l[i]] = (l[i] == "python") ? "py" : l[i]
		}
		function flush_cmd() { if (cur != "") close(cur); cur = "" }
		/^```console[ \t]*$/ { incon = 1; next }
		/^```[A-Za-z]+[ \t]*$/ && !incon && !inb {
			lang = substr($0, 4); sub(/[ \t]+$/, "", lang)
			if (lang in ext) { inb = 1; first = 1; nb++; blk = dir "/blk." nb; start = NR + 1 }
			next
		}
		/^```/ && inb {
			inb = 0; close(blk)
			if (name == "")
				printf "bad\t%d\t%s block without a first line %s NAME.%s\n", start, lang,
					(lang == "c") ? "/*" : "#", ext[lang]
			else printf "file\t%d\t%s\t%d\n", start, name, nb
			for (i = 1; i <= nrun; i++) printf "run\t%s\t%s\t%s\n", runline[i], name, runcmd[i]
			nrun = 0; name = ""
			next
		}
		/^```/ && incon { incon = 0; flush_cmd(); next }
		inb {
			if (first) {
				first = 0; name = ""
				if (match($0, "^(# |/\\* )[A-Za-z0-9_.-]+\\." ext[lang])) {
					p = index($0, " ")
					name = substr($0, p + 1, RLENGTH - p)
				}
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
	' "$SRCDIR/$md_rel" >"$tmp/plan"
}

# Every block first: later commands may read any of them.
md_files() {
	while IFS="$md_tab" read -r md_kind md_line md_a md_b; do
		case $md_kind in
		file) cp "$tmp/blk.$md_b" "$work/$md_a" ;;
		bad) not_ok "$md_rel:$md_line: $md_a" ;;
		esac
	done <"$tmp/plan"
}

md_run_cmd() {
	md_key=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
	if [ ! -f "$tmp/out.$md_key" ]; then
		(cd "$work" && sh -c 'sglsim() { "$SGLSIM" "$@"; }
'"$1") </dev/null >"$tmp/out.$md_key" 2>&1
		echo $? >"$tmp/rc.$md_key"
	fi
	sed 's/[[:space:]]*$//' "$tmp/out.$md_key" >"$tmp/out"
	rc=$(cat "$tmp/rc.$md_key")
}

md_commands() {
	while IFS="$md_tab" read -r md_kind md_line md_a md_b; do
		case $md_kind in run | cmd) ;; *) continue ;; esac
		# dash's echo (tap.sh) would expand backslashes in the test's name
		md_d=$(printf '%s' "$md_b" | tr -d '\134')
		md_why=$(md_skip "$md_b" </dev/null)
		if [ "$md_kind" = run ]; then
			md_name="$md_rel:$md_line: $md_a runs ($md_d)"
		else
			md_name="$md_rel:$md_line: \$ $md_d"
		fi
		if [ -n "$md_why" ]; then
			ok "$md_name # SKIP $md_why"
			continue
		fi
		md_run_cmd "$md_b"
		if [ "$md_kind" = run ]; then
			if [ "$rc" -eq 0 ]; then
				ok "$md_name"
			else
				not_ok "$md_name: exit $rc"
				sed 's/^/# /' "$tmp/out" | head -40
			fi
			continue
		fi
		md_missing=0
		: >"$tmp/missing"
		while IFS= read -r md_want; do
			if ! grep -qxF -- "$md_want" "$tmp/out"; then
				md_missing=$((md_missing + 1))
				echo "$md_want" >>"$tmp/missing"
			fi
		done <"$tmp/want.$md_a"
		md_shown=$(wc -l <"$tmp/want.$md_a" | tr -d ' ')
		if [ "$rc" -ne 0 ]; then
			not_ok "$md_name: exit $rc"
			sed 's/^/# /' "$tmp/out" | head -40
		elif [ "$md_missing" -ne 0 ]; then
			not_ok "$md_name: $md_missing of the $md_shown lines shown are not in the output"
			sed 's/^/# shown, missing: /' "$tmp/missing" | head -20
			sed 's/^/# real: /' "$tmp/out" | head -60
		else
			ok "$md_name (exit 0; the $md_shown lines shown are in the output)"
		fi
	done <"$tmp/plan"
}

md_run() {
	md_plan "$1"
	md_files
	md_commands
	if [ -n "$md_need_run" ] && ! grep -q "^run$md_tab" "$tmp/plan"; then
		not_ok "$md_rel: no block is marked '# run:'"
	fi
}
