;;; sgl-mode.el --- Major mode for sglsim scenario files (.sgl)  -*- lexical-binding: t; -*-

;; Keywords: languages
;; Package-Requires: ((emacs "24.4"))

;;; Commentary:

;; A major mode for the .sgl language of sglsim (LLM serving scenarios):
;; font-lock for comments (# to the end of the line), strings, numbers
;; with their units (80 GiB, 3.35 TB/s, 2us), the reserved words of
;; `sglsim doc keywords', the built-in functions of `sglsim doc builtins'
;; where they are called, record declarations (gpu NAME { ... }) and the
;; field at the start of an entry (tp = 8); and brace-based indentation
;; in steps of `sgl-indent-offset' (2, as in examples/).
;;
;; Install: put this file's folder on `load-path' and require it, e.g. in
;; your init file:
;;
;;   (add-to-list 'load-path "/path/to/sglsim/editors/emacs")
;;   (require 'sgl-mode)
;;
;; Files ending in .sgl then open in `sgl-mode'.

;;; Code:

(defgroup sgl nil
  "Editing sglsim scenario files."
  :group 'languages
  :prefix "sgl-")

(defcustom sgl-indent-offset 2
  "Columns of indentation per open brace in `sgl-mode'."
  :type 'integer
  :safe #'integerp
  :group 'sgl)

(defconst sgl-keywords
  '("import" "const" "param" "fn" "metric"
    "simulate" "optimize" "print" "graph"
    "with" "for" "in" "step" "to" "if" "then" "else"
    "and" "or" "not" "true" "false"
    "maximize" "minimize" "subject" "over" "method" "verify" "top" "by" "as")
  "Reserved words of the .sgl language (`sglsim doc keywords').")

(defconst sgl-builtins
  '("min" "max" "abs" "ceil" "floor" "sqrt" "log" "exp" "clamp"
    "poisson" "gamma" "burst" "constant" "uniform" "normal" "lognormal"
    "empirical" "zipf" "trace" "mean" "rate" "cv" "nan" "fallback"
    "d" "simplify")
  "Built-in functions of the .sgl language (`sglsim doc builtins').")

(defconst sgl-record-kinds
  '("dtype" "gpu" "link" "model" "cluster" "deployment" "workload")
  "Kinds of record declared at top level (KIND NAME { ... }).")

(defconst sgl--unit-regexp
  (let ((atom "\\(?:[A-Za-z%]\\|\u00b5\\)[A-Za-z0-9_]*\\(?:\\^-?[0-9]+\\)?"))
    (concat atom "\\(?:[/*]" atom "\\)*"))
  "A unit: atoms joined by / or * without spaces (GB/s, tok^2, s^-1).")

(defun sgl--match-field (limit)
  "Find the next field name at the start of an entry, before LIMIT.
The search goes on right after the name, so that the `{' or `;' after it
can start the next entry (cache { policy = lru; page = 16 tok })."
  (when (re-search-forward
         "\\(?:^\\|[{;}]\\)[ \t]*\\([A-Za-z_][A-Za-z0-9_]*\\)[ \t]*\\(?:=[^=]\\|=$\\|{\\)"
         limit t)
    (goto-char (match-end 1))
    t))

(defconst sgl-font-lock-keywords
  `(("\\_<\\(TODO\\|FIXME\\|XXX\\)\\_>" 1 font-lock-warning-face prepend)
    ;; Booleans before the other keywords.
    (,(regexp-opt '("true" "false") 'symbols) . font-lock-constant-face)
    (,(regexp-opt sgl-keywords 'symbols) . font-lock-keyword-face)
    ("\\_<self\\_>" . font-lock-builtin-face)
    ;; A built-in function where it is called: min and max are also a
    ;; unit and field names (10 min, sim.ttft.max).
    (,(concat (regexp-opt sgl-builtins 'symbols) "[ \t]*(")
     1 font-lock-builtin-face)
    ;; KIND NAME { ... }, KIND NAME : BASE, KIND NAME = ...
    (,(concat "^[ \t]*" (regexp-opt sgl-record-kinds 'symbols)
              "[ \t]+\\(\\_<[A-Za-z_][A-Za-z0-9_]*\\_>\\)[ \t]*[{:=]")
     (1 font-lock-type-face) (2 font-lock-variable-name-face))
    ("\\_<fn[ \t]+\\([A-Za-z_][A-Za-z0-9_]*\\)" 1 font-lock-function-name-face)
    ;; A field at the start of an entry: tp = 8, cache { ... }.
    (sgl--match-field 1 font-lock-variable-name-face)
    ;; A number and the unit after it on the same line.  A keyword is
    ;; never a unit; it is already fontified, so it keeps its face.
    (,(concat "\\_<\\([0-9]+\\(?:_[0-9]+\\)*\\(?:\\.[0-9]+\\)?"
              "\\(?:[eE][-+]?[0-9]+\\)?\\)"
              "\\(?:[ \t]*\\(" sgl--unit-regexp "\\)\\)?")
     (1 font-lock-constant-face) (2 font-lock-type-face nil t)))
  "Font-lock rules of `sgl-mode'.")

(defvar sgl-mode-syntax-table
  (let ((st (make-syntax-table)))
    (modify-syntax-entry ?# "<" st)
    (modify-syntax-entry ?\n ">" st)
    (modify-syntax-entry ?\" "\"" st)
    (modify-syntax-entry ?\\ "\\" st)
    (modify-syntax-entry ?_ "_" st)
    (modify-syntax-entry ?' "." st)
    (dolist (c '(?+ ?- ?* ?/ ?^ ?= ?< ?> ?! ?% ?: ?, ?. ?\;))
      (modify-syntax-entry c "." st))
    st)
  "Syntax table of `sgl-mode'.")

(defconst sgl--continuation-regexp
  (concat "\\(?:[-+*/^,<>=]\\|"
          (regexp-opt '("and" "or" "not" "if" "then" "else") 'symbols)
          "\\)")
  "The last token of a line whose expression goes on to the next line.")

(defun sgl--line-continues-p (&optional in-parens)
  "Non-nil if the code of the line before point's ends mid-expression.
With IN-PARENS, a trailing comma does not count (it separates arguments)."
  (save-excursion
    (beginning-of-line)
    (and (zerop (forward-line -1))
         (progn
           ;; The previous line with code on it.
           (while (and (not (bobp)) (looking-at-p "[ \t]*\\(?:#.*\\)?$"))
             (forward-line -1))
           (end-of-line)
           ;; Skip back over a trailing comment.
           (let ((ppss (syntax-ppss)))
             (when (nth 4 ppss)
               (goto-char (nth 8 ppss))))
           (skip-chars-backward " \t")
           (and (looking-back sgl--continuation-regexp (line-beginning-position))
                (not (and in-parens (looking-back "," (line-beginning-position))))
                ;; A lone `=' ends no expression: the value follows it.
                (not (looking-back "[^=!<>]=" (line-beginning-position))))))))

(defun sgl-indent-level ()
  "The indentation the current line should have."
  (save-excursion
    (back-to-indentation)
    (let* ((open (nth 1 (syntax-ppss)))
           (closing (looking-at-p "}")))
      (cond
       ;; Inside ( ... ): one level deeper than the line with the (, as
       ;; `sglsim fmt' lays it out; a `,' there separates, it does not
       ;; continue.
       ((and open (eq (char-after open) ?\())
        (let ((base (save-excursion (goto-char open) (current-indentation))))
          (cond ((looking-at-p ")") base)
                (t (+ base sgl-indent-offset
                      (if (sgl--line-continues-p t) sgl-indent-offset 0))))))
       (t
        (let ((base (if open
                        (save-excursion (goto-char open) (current-indentation))
                      0)))
          (cond (closing base)
                (t (+ base
                      (if open sgl-indent-offset 0)
                      (if (sgl--line-continues-p) sgl-indent-offset 0))))))))))

(defun sgl-indent-line ()
  "Indent the current line of .sgl code: one level per open brace."
  (interactive)
  (let ((indent (max 0 (sgl-indent-level))))
    (if (<= (current-column) (current-indentation))
        (indent-line-to indent)
      (save-excursion (indent-line-to indent)))))

;;;###autoload
(define-derived-mode sgl-mode prog-mode "SGL"
  "Major mode for editing sglsim scenario files (.sgl).

\\{sgl-mode-map}"
  :syntax-table sgl-mode-syntax-table
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+[ \t]*")
  (setq-local comment-end "")
  (setq-local indent-tabs-mode nil)
  (setq-local indent-line-function #'sgl-indent-line)
  (setq-local electric-indent-chars (cons ?} electric-indent-chars))
  (setq-local font-lock-defaults '(sgl-font-lock-keywords)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.sgl\\'" . sgl-mode))

(provide 'sgl-mode)

;;; sgl-mode.el ends here
