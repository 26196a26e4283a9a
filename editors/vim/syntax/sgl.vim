" Vim syntax file for sglsim scenario files (*.sgl).
"
" Highlights comments (# to end of line), strings with their escapes,
" numbers with the unit written after them (80 GiB, 3.35 TB/s, 2us), the
" reserved words (`sglsim doc keywords`), built-in functions when called
" (`sglsim doc builtins`), record declarations (gpu NAME { ... }), field
" names at the start of an entry (tp = 8) and operators.
" Install: see editors/README.md.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" Comments: # to the end of the line.
syn keyword sglTodo contained TODO FIXME XXX NOTE
syn match sglComment "#.*$" contains=sglTodo,@Spell

" Strings: double quotes, on one line; escapes \n \t \r \\ \" \xHH \u{H...}.
syn match sglEscape contained +\\\%(x\x\x\|u{\x\+}\|[ntr\\"]\)+
syn region sglString start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=sglEscape

" Reserved words (all of `sglsim doc keywords`).
syn keyword sglDeclaration import const param metric
syn keyword sglDeclaration fn nextgroup=sglFunction skipwhite
syn keyword sglStatement simulate optimize print graph
syn keyword sglKeyword with for in step to if then else
syn keyword sglKeyword maximize minimize subject over method verify top by as
syn keyword sglOperatorWord and or not
syn keyword sglBoolean true false
syn keyword sglSelf self

" A number: 42, 1_000_000, 3.35, .5, 1e-3, 2.5E6.  A unit written after it
" on the same line belongs to it: atoms joined by / or * without spaces,
" each with an optional power (GB/s, tok^2, s^-1).  A keyword is never a
" unit (`1 .. 8 step 2`, `2 then`).
syn match sglNumber "\<\d\+\%(_\d\+\)*\%(\.\d\+\)\=\%([eE][+-]\=\d\+\)\=" nextgroup=sglUnit skipwhite
syn match sglNumber "[[:alnum:]_.]\@1<!\.\d\+\%([eE][+-]\=\d\+\)\=" nextgroup=sglUnit skipwhite
syn match sglUnit contained "\%(\%(import\|const\|param\|fn\|metric\|simulate\|optimize\|print\|graph\|with\|for\|in\|step\|to\|if\|then\|else\|and\|or\|not\|true\|false\|maximize\|minimize\|subject\|over\|method\|verify\|top\|by\|as\)\>\)\@!\%([A-Za-z%]\|\%u00b5\)\w*\%(\^-\=\d\+\)\=\%([/*]\%([A-Za-z%]\|\%u00b5\)\w*\%(\^-\=\d\+\)\=\)*"

" Built-in functions, highlighted where they are called: min, max and
" mean are also a unit and field names (10 min, sim.ttft.max).
let s:builtins = ['min', 'max', 'abs', 'ceil', 'floor', 'sqrt', 'log', 'exp',
      \ 'clamp', 'poisson', 'gamma', 'burst', 'constant', 'uniform', 'normal',
      \ 'lognormal', 'empirical', 'zipf', 'trace', 'mean', 'rate', 'cv', 'nan',
      \ 'fallback', 'd', 'simplify']
execute 'syn match sglBuiltin "\<\%(' . join(s:builtins, '\|') . '\)\>\ze\s*("'

" fn NAME(...): the name of a declared function.
syn match sglFunction contained "\h\w*"

" Record declarations: KIND NAME { ... }, KIND NAME : BASE, KIND NAME = ...
" (gpu, model, ... are ordinary names elsewhere: fields and contexts).
syn match sglKind "^\s*\zs\%(dtype\|gpu\|link\|model\|cluster\|deployment\|workload\)\ze\s\+\h\w*\s*[{:=]"

" A field at the start of an entry: `tp = 8`, `cache { ... }`, after a
" line start, `{`, `}` or `;`.
syn match sglField "\%(^\|[{;}]\)\s*\zs\h\w*\ze\s*\%(=[=]\@!\|{\)"

syn match sglOperator "==\|!=\|<=\|>=\|\.\.\|[-+*/^<>=:]"

hi def link sglComment      Comment
hi def link sglTodo         Todo
hi def link sglString       String
hi def link sglEscape       Special
hi def link sglNumber       Number
hi def link sglUnit         Special
hi def link sglDeclaration  Keyword
hi def link sglStatement    Statement
hi def link sglKeyword      Keyword
hi def link sglOperatorWord Operator
hi def link sglBoolean      Boolean
hi def link sglSelf         Special
hi def link sglBuiltin      Function
hi def link sglFunction     Function
hi def link sglKind         Type
hi def link sglField        Identifier
hi def link sglOperator     Operator

let b:current_syntax = "sgl"

let &cpo = s:cpo_save
unlet s:cpo_save
