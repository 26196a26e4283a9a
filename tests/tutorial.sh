#!/bin/sh
# tutorial.sh -- doc/tutorial.md is run, as TAP, so that it cannot go stale.
#
# The tutorial follows tests/mdrun.sh's conventions (and says them to the
# reader): every ```sgl block is a scenario whose first line is
# '# NAME.sgl -- ...', saved as NAME.sgl in a scratch folder, where its
# '# run:' line (at least one block has one) and every ```console
# transcript are run; the lines a transcript shows must be in the real
# output.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/mdrun.sh"

md_save=sgl
md_need_run=1
md_run doc/tutorial.md
tap_done
