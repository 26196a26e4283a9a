# tap.sh -- sourced by the shell test scripts: where things are, a scratch
# folder, and TAP output.  Call tap_done at the end.
#   SRCDIR  the source tree (default: this file's parent folder)
#   SGLSIM  the binary under test (default: $SRCDIR/sglsim)
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
SGLSIM=${SGLSIM:-$SRCDIR/sglsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
# check NAME COMMAND...: passes when the command succeeds; its output
# becomes TAP comments when it fails.  A script may define its own.
check() {
	name=$1
	shift
	if "$@" >"$tmp/log" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/# /' "$tmp/log"
	fi
}
tap_done() {
	echo "1..$n"
	[ "$fails" -eq 0 ]
}
