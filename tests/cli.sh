#!/bin/sh
# cli.sh -- the command line as a user meets it, as TAP: help, version,
# exit statuses, stdin, -D, import search order, running from elsewhere.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"
status_is() { # status_is WANT COMMAND...
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || { echo "exit $got, wanted $want"; cat "$tmp/err"; return 1; }
}
out_is() { # out_is WANT COMMAND... : stdout equals WANT
	want=$1
	shift
	got=$("$@" 2>"$tmp/err")
	[ "$got" = "$want" ] || { echo "got [$got], wanted [$want]"; cat "$tmp/err"; return 1; }
}
err_has() { # err_has TEXT COMMAND... : stderr contains TEXT
	text=$1
	shift
	"$@" >/dev/null 2>"$tmp/err"
	grep -qF -- "$text" "$tmp/err" || { echo "stderr lacks [$text]:"; cat "$tmp/err"; return 1; }
}

check "--help exits 0 and lists commands" sh -c "\"$SGLSIM\" --help | grep -q 'check FILE'"
check "CMD --help" sh -c "\"$SGLSIM\" run --help | grep -q 'usage: sglsim run'"
check "--version names the optional parts" sh -c "\"$SGLSIM\" --version | grep -q '^JIT (libgccjit): '"
check "no command is a usage error" status_is 2 "$SGLSIM"
check "unknown command is a usage error" status_is 2 "$SGLSIM" frobnicate x.sgl
check "unknown option is a usage error" status_is 2 "$SGLSIM" check --frob x.sgl
check "-D without = is a usage error" status_is 2 "$SGLSIM" check -D tp x.sgl
check "missing file is an input error" status_is 1 "$SGLSIM" check "$tmp/none.sgl"
check "missing file is named" err_has "cannot read '$tmp/none.sgl'" "$SGLSIM" check "$tmp/none.sgl"

printf 'param tp in {1, 2, 4, 8}\nconst mem = 80 GiB\nprint tp * mem\n' >"$tmp/p.sgl"
check "-D binds a param" out_is "343597383680 B" "$SGLSIM" run -D tp=4 "$tmp/p.sgl"
check "-DNAME=VALUE form" out_is "171798691840 B" "$SGLSIM" run -Dtp=2 "$tmp/p.sgl"
check "-D value with units overrides a const" out_is "8000000000 B" "$SGLSIM" run -D tp=1 -D "mem=8 GB" "$tmp/p.sgl"
check "-D outside the domain is an error" err_has "-D tp: 3 is not in the domain {1, 2, 4, 8}" "$SGLSIM" check -D tp=3 "$tmp/p.sgl"
check "-D with the wrong dimension is an error" err_has "the value must be bytes [B], like the const" "$SGLSIM" check -D "mem=2 s" "$tmp/p.sgl"
check "-D of an unknown name" status_is 1 "$SGLSIM" check -D nope=1 "$tmp/p.sgl"

# Options the GNU way, the same in every command (main.c's table).
check "--define NAME=VALUE" out_is "171798691840 B" "$SGLSIM" run --define tp=2 "$tmp/p.sgl"
check "--define=NAME=VALUE and --bind" out_is "171798691840 B" "$SGLSIM" run --define=tp=2 "$tmp/p.sgl"
check "--bind in run too" out_is "171798691840 B" "$SGLSIM" run --bind tp=2 "$tmp/p.sgl"
check "options after the file" out_is "171798691840 B" "$SGLSIM" run "$tmp/p.sgl" -D tp=2
check "options after the file under POSIXLY_CORRECT" out_is "171798691840 B" env POSIXLY_CORRECT=1 "$SGLSIM" run "$tmp/p.sgl" -D tp=2
check "an unambiguous prefix of a long option" out_is "171798691840 B" "$SGLSIM" run --def tp=2 "$tmp/p.sgl"
check "eval --jit MODE and --jit=MODE" sh -c "
	a=\$(\"$SGLSIM\" eval \"$tmp/p.sgl\" 'tp * mem' --jit never -D tp=2) &&
	b=\$(\"$SGLSIM\" eval \"$tmp/p.sgl\" 'tp * mem' --jit=never -D tp=2) &&
	[ \"\$a\" = \"\$b\" ] && [ \"\$a\" = 'tp * mem = 160 GiB' ]"
check "run --jit=MODE" status_is 0 "$SGLSIM" run --jit=never -D tp=2 "$tmp/p.sgl"
check "a bad --jit mode" err_has "--jit takes auto, always or never, not 'sometimes'" "$SGLSIM" eval "$tmp/p.sgl" tp --jit sometimes
check "an ambiguous prefix names the candidates" err_has "'--s' is ambiguous: --seed, --sensitivity" "$SGLSIM" run --s 1 "$tmp/p.sgl"
check "an unknown option names the closest" err_has "unknown option '--sed'; did you mean '--seed'?" "$SGLSIM" run --sed 1 "$tmp/p.sgl"
check "an option of another command is unknown here" err_has "unknown option '--plot'" "$SGLSIM" run --plot x.svg "$tmp/p.sgl"
check "a flag given a value" err_has "--dump-ast takes no value" "$SGLSIM" check --dump-ast=yes "$tmp/p.sgl"
check "an option without its value" err_has "--seed needs a value" "$SGLSIM" run "$tmp/p.sgl" --seed
check "a letter without its value" err_has "-D needs a value" "$SGLSIM" run "$tmp/p.sgl" -D
check "an unknown letter" err_has "unknown option '-q'" "$SGLSIM" run -q "$tmp/p.sgl"
check "an unknown command names the closest" err_has "unknown command 'chek'; did you mean 'check'?" "$SGLSIM" chek "$tmp/p.sgl"
# run --json/--csv are the simulations', optimize --json/--csv the searches'
cat >"$tmp/both.sgl" <<'SGL'
import gpus
import models
import metrics
param r in {1, 2} = 1
deployment d { model = llama31_8b; gpu = h100_sxm; replicas = r }
workload w { requests = 20; arrival = poisson(5 req/s); prompt = constant(100 tok); output = constant(10 tok) }
simulate d with w
optimize d with w { minimize total_gpus; over (r) }
SGL
check "run --json holds the simulation, not the search" sh -c "
	\"$SGLSIM\" run -D r=1 \"$tmp/both.sgl\" --json \"$tmp/run.json\" --no-progress >/dev/null &&
	head -3 \"$tmp/run.json\" | grep -q '\"deployment\": \"d\"' && ! grep -q '\"statement\"' \"$tmp/run.json\""
check "optimize --json holds the search" sh -c "
	\"$SGLSIM\" optimize \"$tmp/both.sgl\" -D r=1 --json \"$tmp/opt.json\" --no-progress >/dev/null 2>&1;
	grep -q '\"statement\"' \"$tmp/opt.json\""
printf 'print 1 s\n' >"$tmp/-dash.sgl"
check "-- ends the options" out_is "1 s" sh -c "cd \"$tmp\" && \"$SGLSIM\" run -- -dash.sgl"
check "-- ends the options of fmt" out_is "print 1 s" sh -c "cd \"$tmp\" && \"$SGLSIM\" fmt -- -dash.sgl"
check "sglsim help CMD is CMD --help" sh -c "\"$SGLSIM\" help eval >\"$tmp/h1\" && \"$SGLSIM\" eval --help >\"$tmp/h2\" && cmp \"$tmp/h1\" \"$tmp/h2\""
check "every command takes -h and --help" sh -c "for c in check run optimize expr eval graph compile calibrate doc fmt; do
	\"$SGLSIM\" \$c -h | grep -q \"^usage: sglsim \$c\" && \"$SGLSIM\" \$c --help | grep -q \"^usage: sglsim \$c\" || exit 1; done"

check "stdin as -" sh -c "printf 'print 2 GiB\n' | \"$SGLSIM\" run - | grep -qx '2147483648 B'"
check "check prints FILE: ok" out_is "$tmp/p.sgl: ok" "$SGLSIM" check "$tmp/p.sgl"

# Import search order: own folder, then $SGLSIM_PATH, then the stdlib.
mkdir -p "$tmp/a" "$tmp/path"
printf 'const where = 1\n' >"$tmp/a/mod.sgl"
printf 'const where = 2\n' >"$tmp/path/mod.sgl"
printf 'import mod\nprint where\n' >"$tmp/a/main.sgl"
check "import prefers the importing file's folder" out_is 1 env SGLSIM_PATH="$tmp/path" "$SGLSIM" run "$tmp/a/main.sgl"
rm "$tmp/a/mod.sgl"
check "then \$SGLSIM_PATH" out_is 2 env SGLSIM_PATH="$tmp/nothing:$tmp/path" "$SGLSIM" run "$tmp/a/main.sgl"
printf 'gpu h100_sxm { mem = 1 B }\n' >"$tmp/path/gpus.sgl"
printf 'import gpus\nprint h100_sxm.mem\n' >"$tmp/a/g.sgl"
check "SGLSIM_PATH shadows the built-in stdlib" out_is "1 B" env SGLSIM_PATH="$tmp/path" "$SGLSIM" run "$tmp/a/g.sgl"
check "the built-in stdlib works from any folder" sh -c "cd / && \"$SGLSIM\" run \"$tmp/a/g.sgl\" | grep -qx '85899345920 B'"
check "the quickstart runs" status_is 0 "$SGLSIM" run "$SRCDIR/examples/quickstart.sgl"

tap_done
