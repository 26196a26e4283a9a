#!/bin/sh
# sympy_oracle.sh -- TAP wrapper of sympy_oracle.py: sglsim's simplifier,
# derivatives, printers and evaluators against SymPy on random expressions.
# Skipped when python3 or SymPy is missing.
# Environment: SGLSIM (the binary), SRCDIR (the source tree); see
# sympy_oracle.py for its own knobs (seed, size, verbosity).
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
SGLSIM=${SGLSIM:-$SRCDIR/sglsim}
export SGLSIM
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import sympy, mpmath' >/dev/null 2>&1; then
	echo "1..0 # SKIP sympy not available"
	exit 0
fi
# a fixed hash seed: SymPy's results may depend on set order
PYTHONHASHSEED=0
export PYTHONHASHSEED
exec python3 "$SRCDIR/tests/sympy_oracle.py"
