#!/bin/sh
# installcheck.sh -- `make installcheck`: the installed sglsim works from
# outside the source tree, its man page is in place, and a C program built
# against the installed header (found with pkg-config) loads a library the
# installed `sglsim compile` wrote and gets the same numbers as `sglsim
# eval`.  Environment: BIN (installed sglsim), PREFIX, MANDIR, PCDIR (the
# folder of sglsim.pc), DESTDIR (may be empty), SRCDIR.  TAP output.
set -u
n=0
bad=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

echo "1..6"
"$BIN" --version >version.txt 2>&1 && grep -q '^sglsim ' version.txt \
	&& ok "installed sglsim --version" || no "installed sglsim --version"

cp "$SRCDIR/examples/quickstart.sgl" . &&
"$BIN" check quickstart.sgl >check.txt 2>&1 && grep -q ': ok' check.txt \
	&& ok "installed sglsim checks an example (stdlib imports)" || no "installed sglsim checks an example"

[ -f "$DESTDIR$MANDIR/man1/sglsim.1" ] && ok "man page installed" || no "man page installed at $DESTDIR$MANDIR/man1"

if ! grep -q 'JIT (libgccjit): available' version.txt; then
	for t in compile build results; do n=$((n + 1)); echo "ok $n # SKIP $t: built without libgccjit"; done
	exit 0
fi
cat >model.sgl <<'SGL'
param x in 0 .. 10 = 1
param y = 2 s
metric m = x * y + 1 s
metric r = y / (x + 1)
SGL
"$BIN" compile model.sgl -o "$tmp/model.so" >compile.txt 2>&1 \
	&& ok "installed sglsim compile" || no "installed sglsim compile: $(cat compile.txt)"

cat >use.c <<'C'
#include <dlfcn.h>
#include <stdio.h>
#include <sglsim.h>
int main(int argc, char **argv)
{
	void *dl = dlopen(argv[1], RTLD_NOW);
	if (!dl) return 2;
	const int *v = dlsym(dl, SGLSIM_SYM_ABI_VERSION);
	const int *nm = dlsym(dl, SGLSIM_SYM_N_METRICS);
	const char *const *names = dlsym(dl, SGLSIM_SYM_METRIC_NAMES);
	sglsim_eval_fn eval;
	*(void **)&eval = dlsym(dl, SGLSIM_SYM_EVAL);
	if (!v || *v != SGLSIM_ABI_VERSION || !nm || !names || !eval) return 3;
	double in[2] = {3, 0.5}, out[8];
	if (eval(in, out) != 0) return 4;
	for (int k = 0; k < *nm; k++) printf("%s %.17g\n", names[k], out[k]);
	return 0;
}
C
flags=$(PKG_CONFIG_PATH="$DESTDIR$PCDIR" pkg-config --define-variable=prefix="$DESTDIR$PREFIX" --cflags --libs sglsim 2>pc.err)
if [ -n "$flags" ] && ${CC:-cc} -o use use.c $flags 2>cc.err; then
	ok "a C program builds against the installed header with pkg-config"
else
	no "a C program builds against the installed header: $(cat pc.err cc.err)"
fi
./use "$tmp/model.so" >got.txt 2>&1
printf 'm 2.5\nr 0.125\n' >want.txt   # 3 * 0.5 + 1 and 0.5 / (3 + 1), exact in binary
cmp -s got.txt want.txt && ok "the library gives x*y+1 s and y/(x+1) at (3, 0.5 s)" \
	|| no "library results: got $(cat got.txt), want $(cat want.txt)"
[ "$bad" -eq 0 ]
