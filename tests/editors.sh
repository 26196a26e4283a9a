#!/bin/sh
# editors.sh -- the editor support in editors/ as TAP: the Vim syntax file
# and the Emacs mode know every keyword of `sglsim doc keywords` and every
# function of `sglsim doc builtins`; in Vim (when installed) an example
# gets the right highlight groups, every .sgl file of examples/ and stdlib/
# loads without errors and the examples keep their indentation under `=`;
# in Emacs (when installed) the mode byte-compiles cleanly, fontifies an
# example and keeps the examples' indentation.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"
vimdir=$SRCDIR/editors/vim
vimsyn=$vimdir/syntax/sgl.vim
el=$SRCDIR/editors/emacs/sgl-mode.el
example=$SRCDIR/examples/multi_objective_optimization.sgl
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

# ---------------------------------------------------------------- word lists

# Words in backquotes (`import`, `const`, ...) of the keyword list, and the
# first column of the builtins table (| `min` | ... |).
"$SGLSIM" doc keywords >"$tmp/kw.md" 2>&1 &&
	grep -o '`[^`]*`' "$tmp/kw.md" | tr -d '`' >"$tmp/keywords"
"$SGLSIM" doc builtins >"$tmp/bi.md" 2>&1 &&
	sed -n 's/^|[ \t]*`\([A-Za-z_][A-Za-z0-9_]*\)`[ \t]*|.*/\1/p' "$tmp/bi.md" >"$tmp/builtins"

# Words the editors highlight.  Vim: the words of `syn keyword` lines, the
# quoted names of `let s:builtins = [...]`, and the keywords a number's
# unit may not be (the \%(...\)\@! of sglUnit).  Emacs: the strings of
# the sgl-keywords and sgl-builtins lists.
awk '$1 ~ /^syn(tax)?$/ && $2 == "keyword" && $3 != "sglTodo" {
	for (i = 4; i <= NF; i++) if ($i !~ /=/ && $i != "contained" && $i != "skipwhite") print $i }' \
	"$vimsyn" >"$tmp/vim.keywords" 2>/dev/null
awk '/^let s:builtins *=/ { on = 1 } on { while (match($0, /'"'"'[^'"'"']*'"'"'/)) {
	print substr($0, RSTART + 1, RLENGTH - 2); $0 = substr($0, RSTART + RLENGTH) } }
	on && /\]/ { on = 0 }' "$vimsyn" >"$tmp/vim.builtins" 2>/dev/null
awk '$1 == "syn" && $2 == "match" && $3 == "sglUnit" {
	i = index($0, "\\%(\\%("); j = index($0, "\\)\\>\\)\\@!")
	if (i && j > i) { n = split(substr($0, i + 6, j - i - 6), w, /\\\|/); for (k = 1; k <= n; k++) print w[k] } }' \
	"$vimsyn" >"$tmp/vim.notunits" 2>/dev/null
el_list() { # el_list NAME: the strings of (defconst NAME '("a" "b" ...))
	awk -v name="$1" '$1 == "(defconst" && $2 == name { on = 1 }
		on { s = $0; while (match(s, /"[^"]*"/)) { print substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH) } }
		on && /\)[ \t]*$/ { on = 0 }' "$el" 2>/dev/null
}
el_list sgl-keywords >"$tmp/el.keywords"
el_list sgl-builtins >"$tmp/el.builtins"

# all_in LIST WORDS WHAT: every word of file LIST is a line of file WORDS.
all_in() {
	[ -s "$1" ] || { echo "no words in $1"; return 1; }
	missing=$(grep -vxF -f "$2" "$1")
	[ -z "$missing" ] || { echo "$3 lacks:" $missing; return 1; }
}
check "doc keywords lists the reserved words" sh -c "grep -qx import '$tmp/keywords' && grep -qx verify '$tmp/keywords' && ! grep -qv '^[A-Za-z_][A-Za-z0-9_]*\$' '$tmp/keywords'"
check "doc builtins lists the functions" sh -c "grep -qx lognormal '$tmp/builtins' && grep -qx simplify '$tmp/builtins'"
check "every keyword is a syn keyword in sgl.vim" all_in "$tmp/keywords" "$tmp/vim.keywords" "$vimsyn"
check "no keyword is read as a unit after a number in sgl.vim" all_in "$tmp/keywords" "$tmp/vim.notunits" "sglUnit's exclusion"
check "every keyword is in sgl-keywords of sgl-mode.el" all_in "$tmp/keywords" "$tmp/el.keywords" "sgl-keywords"
check "sgl-mode.el fontifies (regexp-opt sgl-keywords)" grep -q "(regexp-opt sgl-keywords 'symbols)" "$el"
check "every builtin is in s:builtins of sgl.vim" all_in "$tmp/builtins" "$tmp/vim.builtins" "$vimsyn"
check "every builtin is in sgl-builtins of sgl-mode.el" all_in "$tmp/builtins" "$tmp/el.builtins" "sgl-builtins"
check "sgl-mode.el fontifies (regexp-opt sgl-builtins)" grep -q "(regexp-opt sgl-builtins 'symbols)" "$el"

# ---------------------------------------------------------------- Vim

# vim_run SCRIPT FILE...: run SCRIPT in a bare headless Vim with
# editors/vim on the runtime path, filetype plugins and syntax on, FILE...
# as the argument list.  SCRIPT writes its findings to $SGL_OUT.
vim_run() {
	script=$1
	shift
	SGL_VIMDIR=$vimdir SGL_SCRIPT=$script SGL_OUT=$tmp/vim.out SGL_TMP=$tmp \
		timeout 300 vim -N -u NONE -i NONE -Es \
		-c 'let &rtp = $SGL_VIMDIR . "," . &rtp' \
		-c 'filetype plugin on' -c 'syntax on' \
		-c 'execute "source" fnameescape($SGL_SCRIPT)' -c 'qa!' -- "$@" </dev/null >"$tmp/vim.log" 2>&1
}

# probe.vim: the syntax group at the first match of each pattern (at its
# \zs) in the first file, and the groups it links to, one
# "WHAT sglGroup>Linked>..." a line.
cat >"$tmp/probe.vim" <<'VIM'
function! Links(name)
  let chain = a:name
  let name = a:name
  for i in range(5)
    let m = matchlist(execute('highlight ' . name), 'links to \(\w\+\)')
    if empty(m)
      break
    endif
    let name = m[1]
    let chain .= '>' . name
  endfor
  return chain
endfunction
function! Probe(what, pat)
  call cursor(1, 1)
  let [l, c] = searchpos(a:pat, 'cW')
  let name = l == 0 ? 'notfound' : synIDattr(synID(l, c, 1), 'name')
  return a:what . ' ' . (name == '' ? 'none' : Links(name))
endfunction
let v:errmsg = ''
edit
let out = ['filetype ' . &filetype, 'syntax ' . get(b:, 'current_syntax', 'none')]
for [what, pat] in g:probes
  call add(out, Probe(what, pat))
endfor
call add(out, 'commentstring ' . &commentstring)
call add(out, 'shiftwidth ' . &shiftwidth)
call add(out, 'errmsg ' . (v:errmsg == '' ? 'none' : v:errmsg))
call writefile(out, $SGL_OUT)
VIM
cat >"$tmp/example.vim" <<'VIM'
let g:probes = [['comment', '^#'], ['keyword', '^param\>'],
      \ ['statement', '^optimize\>'], ['number', '\<\d\+ tok\>'],
      \ ['unit', '\<\d\+ \zstok\>'], ['string', '"'],
      \ ['builtin', '\<poisson('], ['field', '^\s*\zschunk_size\s*='],
      \ ['kind', '^deployment\s\+\w\+\s*{']]
execute 'source' fnameescape($SGL_TMP . '/probe.vim')
VIM

# The lexer's corner cases: a keyword after a number is no unit, min( is
# the builtin but 10 min a unit, exponents, a power in a unit, the escapes
# of a string.
cat >"$tmp/tricky.sgl" <<'SGL'
param n in 1 .. 8 step 2 = 4
const t = 10 min + min(1 s, 2us) + 2.5E-3 s + 3 tok^2
const s = "a\"b#c"
SGL
cat >"$tmp/tricky.vim" <<'VIM'
let g:probes = [['step', '\.\. 8 \zsstep'], ['unitmin', '10 \zsmin'],
      \ ['callmin', 'min('], ['us', '2\zsus'], ['exponent', '2\.5\zsE-3'],
      \ ['power', 'tok\zs^2'], ['escape', '\\"'], ['hash', 'b\zs#c']]
execute 'source' fnameescape($SGL_TMP . '/probe.vim')
VIM

# loadall.vim: open every file of the argument list, read the syntax
# group of every fourth character (all of them is slow on a busy machine),
# and report each file's errors.
cat >"$tmp/loadall.vim" <<'VIM'
let out = []
for f in argv()
  let v:errmsg = ''
  execute 'silent edit! ' . fnameescape(f)
  for l in range(1, line('$'))
    for c in range(1, col([l, '$']) - 1, 4)
      call synID(l, c, 1)
    endfor
  endfor
  let err = v:errmsg != '' ? v:errmsg : &filetype != 'sgl' ? 'filetype ' . &filetype
        \ : get(b:, 'current_syntax', '') != 'sgl' ? 'no syntax' : 'none'
  call add(out, fnamemodify(f, ':p') . "\t" . err)
endfor
call writefile(out, $SGL_OUT)
VIM

# reindent.vim: indent each file with gg=G and write it to $SGL_OUT.d/.
cat >"$tmp/reindent.vim" <<'VIM'
for f in argv()
  execute 'silent edit! ' . fnameescape(f)
  normal! gg=G
  execute 'silent write! ' . fnameescape($SGL_OUT . '.d/' . fnamemodify(f, ':t'))
endfor
VIM

# has WHAT PATTERN: the probe line of WHAT matches PATTERN.
has() {
	grep -q "^$1 $2\$" "$tmp/vim.out" || { echo "wanted [$1 $2], got:"; cat "$tmp/vim.out" "$tmp/vim.log"; return 1; }
}
if command -v vim >/dev/null 2>&1; then
	if vim_run "$tmp/example.vim" "$example"; then
		ok "vim: runs on ${example#"$SRCDIR"/}"
	else
		not_ok "vim: runs on ${example#"$SRCDIR"/}"
		sed 's/^/# /' "$tmp/vim.log"
	fi
	check "vim: no error loading the syntax" has errmsg none
	check "vim: *.sgl is filetype sgl with syntax sgl" sh -c "grep -qx 'filetype sgl' '$tmp/vim.out' && grep -qx 'syntax sgl' '$tmp/vim.out'"
	check "vim: a comment line is Comment" has comment 'sglComment>Comment.*'
	check "vim: param is a Keyword" has keyword 'sgl[A-Za-z]*>Keyword.*'
	check "vim: optimize is a Statement" has statement 'sgl[A-Za-z]*>Statement'
	check "vim: the number of 2048 tok is a Number" has number 'sglNumber>Number.*'
	check "vim: the unit of 2048 tok is a unit" has unit 'sglUnit>.*'
	check "vim: a string is a String" has string 'sglString>String.*'
	check "vim: poisson( is a Function" has builtin 'sglBuiltin>Function.*'
	check "vim: chunk_size of chunk_size = ... is a field" has field 'sglField>.*'
	check "vim: deployment of deployment NAME { is a Type" has kind 'sglKind>Type'
	check "vim: commentstring is '# %s'" has commentstring '# %s'
	check "vim: shiftwidth is 2" has shiftwidth 2

	vim_run "$tmp/tricky.vim" "$tmp/tricky.sgl"
	check "vim: no error on the corner cases" has errmsg none
	check "vim: a keyword after a number is no unit (8 step 2)" has step 'sglKeyword>Keyword.*'
	check "vim: 10 min is a unit" has unitmin 'sglUnit>.*'
	check "vim: min( is the builtin" has callmin 'sglBuiltin>Function.*'
	check "vim: 2us is a number with a unit" has us 'sglUnit>.*'
	check "vim: 2.5E-3 is one number" has exponent 'sglNumber>Number.*'
	check "vim: tok^2 is one unit" has power 'sglUnit>.*'
	check "vim: an escape in a string is Special" has escape 'sglEscape>Special.*'
	check "vim: # in a string is no comment" has hash 'sglString>String.*'

	set --
	for f in "$SRCDIR"/examples/*.sgl "$SRCDIR"/stdlib/*.sgl; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	vim_run "$tmp/loadall.vim" "$@"
	for f in "$@"; do
		abs=$(cd "$(dirname "$f")" && pwd -P)/${f##*/}   # vim reports full paths
		if grep -qxF "$abs	none" "$tmp/vim.out"; then
			ok "vim: ${f#"$SRCDIR"/} loads without errors"
		else
			not_ok "vim: ${f#"$SRCDIR"/} loads without errors"
			{ grep -F "$abs	" "$tmp/vim.out" || echo "not loaded"; cat "$tmp/vim.log"; } | sed 's/^/# /'
		fi
	done

	mkdir -p "$tmp/vim.out.d"
	set --
	for f in "$SRCDIR"/examples/*.sgl; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	vim_run "$tmp/reindent.vim" "$@"
	for f in "$@"; do
		check "vim: gg=G keeps the indentation of ${f#"$SRCDIR"/}" diff "$f" "$tmp/vim.out.d/${f##*/}"
	done
else
	skip "vim not installed: highlight groups"
	skip "vim not installed: examples/ and stdlib/ load without errors"
fi

# ---------------------------------------------------------------- Emacs

# The faces at the first match of each pattern, one "WHAT FACE" a line,
# and each example after indent-region, in $SGL_OUT.d/.
cat >"$tmp/probe.el" <<'EL'
(defun sgl-test-face (what re)
  (goto-char (point-min))
  (princ (format "%s %s\n" what
                 (if (re-search-forward re nil t)
                     (get-text-property (match-beginning 1) 'face)
                   'notfound))))
(setq command-line-args-left (mapcar #'expand-file-name command-line-args-left))
(find-file (pop command-line-args-left))
(font-lock-ensure)
(princ (format "mode %s\n" major-mode))
(sgl-test-face "comment" "^# ?\\([^ ]\\)")
(sgl-test-face "keyword" "^\\(param\\)\\_>")
(sgl-test-face "number" "\\_<\\([0-9]+\\) tok\\_>")
(sgl-test-face "unit" "\\_<[0-9]+ \\(tok\\)\\_>")
(sgl-test-face "string" "\\(\"\\)")
(sgl-test-face "builtin" "\\_<\\(poisson\\)(")
(sgl-test-face "step" "\\.\\. [0-9]+ \\(step\\)")
(dolist (f command-line-args-left)
  (with-temp-buffer
    (insert-file-contents f)
    (sgl-mode)
    (let ((inhibit-message t))
      (indent-region (point-min) (point-max)))
    (write-region nil nil (concat (getenv "SGL_OUT") ".d/" (file-name-nondirectory f)))))
(setq command-line-args-left nil)
EL
el_has() {
	grep -q "^$1 $2\$" "$tmp/el.out" || { echo "wanted [$1 $2], got:"; cat "$tmp/el.out" "$tmp/el.log"; return 1; }
}
if command -v emacs >/dev/null 2>&1; then
	cp "$el" "$tmp/sgl-mode.el"
	check "emacs: sgl-mode.el byte-compiles without warnings" \
		timeout 120 emacs --batch -Q --eval '(setq byte-compile-error-on-warn t)' \
		-f batch-byte-compile "$tmp/sgl-mode.el"
	printf 'param n in 1 .. 8 step 2\n' >"$tmp/step.sgl"
	mkdir -p "$tmp/el.out.d"
	if SGL_OUT=$tmp/el.out timeout 120 emacs --batch -Q -l "$el" -l "$tmp/probe.el" \
		"$example" "$SRCDIR"/examples/*.sgl >"$tmp/el.out" 2>"$tmp/el.log"; then
		ok "emacs: loads sgl-mode.el and fontifies ${example#"$SRCDIR"/}"
	else
		not_ok "emacs: loads sgl-mode.el and fontifies ${example#"$SRCDIR"/}"
		sed 's/^/# /' "$tmp/el.log"
	fi
	check "emacs: *.sgl opens in sgl-mode" el_has mode sgl-mode
	check "emacs: a comment is font-lock-comment-face" el_has comment 'font-lock-comment-face'
	check "emacs: param is font-lock-keyword-face" el_has keyword font-lock-keyword-face
	check "emacs: the number of 2048 tok is fontified" el_has number 'font-lock-[a-z-]*-face'
	check "emacs: the unit of 2048 tok is fontified" el_has unit 'font-lock-[a-z-]*-face'
	check "emacs: a string is font-lock-string-face" el_has string font-lock-string-face
	check "emacs: poisson( is font-lock-builtin-face" el_has builtin font-lock-builtin-face
	for f in "$SRCDIR"/examples/*.sgl; do
		check "emacs: indent-region keeps the indentation of ${f#"$SRCDIR"/}" diff "$f" "$tmp/el.out.d/${f##*/}"
	done
	SGL_OUT=$tmp/el.out timeout 120 emacs --batch -Q -l "$el" -l "$tmp/probe.el" "$tmp/step.sgl" \
		>"$tmp/el.out" 2>"$tmp/el.log"
	check "emacs: a keyword after a number is no unit (8 step 2)" el_has step font-lock-keyword-face
else
	skip "emacs not installed"
fi

tap_done
