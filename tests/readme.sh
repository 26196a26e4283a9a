#!/bin/sh
# readme.sh -- README.md's transcripts ("A five-minute tour") are run, as
# TAP, so that they cannot go stale.
#
# Its ```console blocks follow tests/mdrun.sh's conventions.  They run
# from the top of the tree and write files there (mlp_up.svg, front.svg,
# roofline.h, ...), so they run in a scratch folder that has a ./sglsim
# that runs the binary under test and an examples/ that is the source
# tree's (which may be read-only, as in make distcheck).  Its
# ```sh blocks (set up, validation, benchmarks) are not run, and its ```sgl
# blocks are left to doc_examples.sh (`sglsim check`).  A command that
# needs an optional part this sglsim is built without is skipped.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mdrun.sh"

# shellcheck disable=SC2016 # $SGLSIM and $@ are for the script
printf '#!/bin/sh\nexec "$SGLSIM" "$@"\n' >"$work/sglsim"
chmod +x "$work/sglsim"
ln -s "$SRCDIR/examples" "$work/examples"

"$SGLSIM" --version >"$tmp/version" 2>&1
# without PART...: says which of the parts (as --version names them) this
# sglsim lacks, if any
without() {
	for part; do
		if ! grep -qF "$part: available" "$tmp/version"; then
			echo "sglsim built without $part"
			return
		fi
	done
}
md_skip() {
	case $1 in
	*' compile '* | *roofline.h*) without 'JIT (libgccjit)' ;;
	# the example's graph statement draws throughput.svg
	*' optimize '*--plot*) without 'Graphviz rendering' 'PLplot (--plot)' ;;
	*' graph '*.svg*) without 'Graphviz rendering' ;;
	esac
}

md_run README.md
tap_done
