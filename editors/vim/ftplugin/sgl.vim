" Vim filetype plugin for sglsim scenario files (*.sgl).
"
" Comments run from # to the end of the line; the examples and the stdlib
" indent with two spaces, never tabs: one level per open `{`, a
" continuation line (after an operator, `,`, `then`, `else`, ...) one more
" level, and a line inside `( ... )` one level deeper than the line with the
" `(` -- the layout of `sglsim fmt`.

if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=#\ %s
setlocal comments=:#
setlocal formatoptions-=t formatoptions+=croql
setlocal expandtab shiftwidth=2 softtabstop=2
setlocal autoindent nosmartindent nocindent
setlocal indentexpr=SglIndent()
setlocal indentkeys=0{,0},0),!^F,o,O
setlocal suffixesadd=.sgl

let b:undo_ftplugin = "setlocal commentstring< comments< formatoptions<"
      \ . " expandtab< shiftwidth< softtabstop< autoindent< smartindent<"
      \ . " cindent< indentexpr< indentkeys< suffixesadd<"

" The code of line lnum, without its comment and trailing blanks.
function! s:Code(lnum) abort
  return substitute(getline(a:lnum), '\s*#.*$\|\s\+$', '', '')
endfunction

function! SglIndent() abort
  let sw = shiftwidth()
  let skip = 'synIDattr(synID(line("."), col("."), 0), "name") =~? "string\\|comment"'
  " The innermost ( or { still open at the start of this line.
  call cursor(v:lnum, 1)
  let [l, c] = searchpairpos('[({]', '', '[)}]', 'bW', skip)
  " One level deeper than the line that opened it, as `sglsim fmt` does.
  let paren = l > 0 && getline(l)[c - 1] == '('
  let ind = l > 0 ? indent(l) + sw : 0
  if getline(v:lnum) =~ '^\s*[})]'
    return ind - sw
  endif
  " One more level after a line that ends in the middle of an expression.
  let prev = prevnonblank(v:lnum - 1)
  while prev > 0 && s:Code(prev) == ''
    let prev = prevnonblank(prev - 1)
  endwhile
  let code = prev > 0 ? s:Code(prev) : ''
  " (a `,` continues only outside parentheses: inside, it separates)
  if code =~ '\%([-+*/^,<>=]\|\<\%(and\|or\|not\|if\|then\|else\)\)$' && code !~ '[^=!<>]=$'
        \ && !(paren && code =~ ',$')
    let ind += sw
  endif
  return ind
endfunction

let &cpo = s:cpo_save
unlet s:cpo_save
