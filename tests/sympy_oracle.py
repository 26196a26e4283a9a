#!/usr/bin/env python3
"""sympy_oracle.py -- differential test of sglsim's symbolic compiler
against SymPy, as TAP.

With a fixed seed it generates random expressions over three params a, b, c
(each in 0.1 .. 10), writes them into one .sgl file as `metric mK = ...`,
and checks, at random points of the domain:

  simplify    `sglsim expr --format sympy` (the simplified formula) parses
              with sympy.sympify and equals the original expression;
  raw         the same with --no-simplify (the lowered, unsimplified DAG);
  derivative  `sglsim expr --format sympy --diff a` equals sympy.diff of the
              original (away from the kinks of min/max/abs/ceil/floor/if,
              where sglsim's almost-everywhere conventions apply);
  eval        `sglsim eval --points` (doubles, interpreter) equals the
              original; --jit=always prints the same bytes, at all points
              (CSV, the JIT's batch code) and at one point (-D, --json,
              its scalar code).

The expressions use + - * / ^ (integer powers, fractional ones of positive
bases, even powers of negative ones), unary minus, min/max (2 or 3
operands), clamp, abs, sqrt, log, exp (arguments scaled so it cannot
overflow), ceil, floor and `if` on comparisons joined by and/or/not
(==/!= between floors and ceils), nested up to 5 deep; subexpressions are
sometimes used twice, so like terms, x - x, x / x and powers of powers
occur.  Interval arithmetic keeps divisors away from 0, the arguments of
log/sqrt/fractional powers positive, and every value under 1e6.

The original expression is built in SymPy by the generator itself,
independently of sglsim.  Formulas are compared exactly: every SymPy
expression (the original, sglsim's, sympy.diff's) is evaluated by a small
tree evaluator in mpmath at 40 digits, so a mismatch is a wrong formula,
not rounding.  `sglsim eval` computes in doubles, so its tolerance also
admits the expression's own conditioning: the spread of the result when
every intermediate value is perturbed by 1e-13 relative (about 1000 times
the rounding error of doubles).

Skipped points: where the original (or the derivative) is undefined or not
finite, where a min/max/abs/ceil/floor/comparison is within 1e-6 relative
of its kink, where |value| > 1e12.  Tolerance: |got - want| <=
max(1e-9 |want|, 1e-12).

Each TAP line covers 100 expressions for one check and lists the first
mismatches (expression, point, both values, sglsim's formula).

Environment: SGLSIM (the binary), SGL_ORACLE_SEED, SGL_ORACLE_N (number of
expressions, default 1000), SGL_ORACLE_KEEP=DIR (keep the generated .sgl
and CSV there), SGL_ORACLE_VERBOSE=1 (list every mismatch, not only the
first few of each group), SGL_ORACLE_JOBS (processes, default 2),
SGL_ORACLE_TIMES=1 (phase timings on stderr), SGL_ORACLE_DEPTH (deepest
nesting, default 5).
"""
import math
import os
import random
import subprocess
import sys
import tempfile
import time

try:
    import mpmath
    import sympy as sp
except ImportError:
    print("1..0 # SKIP sympy not available")
    sys.exit(0)

SEED = int(os.environ.get("SGL_ORACLE_SEED", "20241128"))
N_EXPR = int(os.environ.get("SGL_ORACLE_N", "1000"))
POOL = 60          # rows of the points CSV
PTS = 6            # points per expression, drawn from the pool
GROUP = 100        # expressions per TAP line
MAX_DEPTH = int(os.environ.get("SGL_ORACLE_DEPTH", "5"))
REL_TOL, ABS_TOL = 1e-9, 1e-12
KINK = 1e-6
HUGE = 1e12
SHOW = 1000000 if os.environ.get("SGL_ORACLE_VERBOSE") else 3

PARAMS = ("a", "b", "c")
P_LO, P_HI = 0.1, 10.0
SYM = {n: sp.Symbol(n, positive=True) for n in PARAMS}

# ------------------------------------------------------------------ generator
# An expression is (sgl text, sympy expr, lo, hi): [lo, hi] bounds its value
# over the whole domain (interval arithmetic), which is how the generator
# keeps log/sqrt/fractional powers on positive arguments, divisions away
# from zero and exp from overflowing.

BOUND = 1e6        # no subexpression may exceed this in magnitude
CONSTS = [0, 1, 2, 3, 4, 5, 7, 10, 0.5, 0.25, 1.5, 2.5, 0.1, 0.3, 0.75]
PCONSTS = [v for v in CONSTS if v > 0]
INT_EXP = [2, 3, 4, -1, -2]
FRAC_EXP = ["0.5", "1.5", "0.25", "-0.5", "2.5", "0.75"]


class E:
    __slots__ = ("s", "y", "lo", "hi")

    def __init__(self, s, y, lo, hi):
        self.s, self.y, self.lo, self.hi = s, y, float(lo), float(hi)

    def mag(self):
        return max(abs(self.lo), abs(self.hi))


def num_sym(v):
    return sp.Integer(v) if isinstance(v, int) else sp.Float(v)


def num_text(v):
    return str(v) if isinstance(v, int) else repr(v)


# The original is built unevaluated (evaluate=False): exactly the tree the
# generator wrote, without SymPy's canonicalization, and fast to build.
def s_add(x, y):
    return sp.Add(x, y, evaluate=False)


def s_neg(x):
    return sp.Mul(sp.S.NegativeOne, x, evaluate=False)


def s_sub(x, y):
    return sp.Add(x, s_neg(y), evaluate=False)


def s_mul(x, y):
    return sp.Mul(x, y, evaluate=False)


def s_pow(x, n):
    return sp.Pow(x, n, evaluate=False)


def s_div(x, y):
    return sp.Mul(x, s_pow(y, sp.S.NegativeOne), evaluate=False)


def s_fn(f, *xs):
    return f(*xs, evaluate=False)


# Conditions are built evaluated: SymPy fails on some unevaluated ones
# (an unevaluated 1 >= 10 inside a Piecewise makes sympy.diff divide by 0).
def s_if(c, x, y):
    return sp.Piecewise((x, c), (y, True), evaluate=False)


def ival_mul(x, y):
    ps = [x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi]
    return min(ps), max(ps)


def ival_pow_int(x, n):
    if n < 0:
        lo, hi = 1.0 / x.hi, 1.0 / x.lo     # caller ensures 0 is not in [lo, hi]
        x = E("", None, min(lo, hi), max(lo, hi))
        n = -n
    ends = [x.lo ** n, x.hi ** n]
    if n % 2 == 0 and x.lo <= 0 <= x.hi:
        return 0.0, max(ends)
    return min(ends), max(ends)


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.noif = 0    # > 0: no `if` here (inside most comparisons)
        self.recent = []  # subexpressions of the current expression, for reuse

    def top(self, d):
        """One expression.  Subexpressions are sometimes used again, so
        like terms, x - x, x / x and powers of the same base are common."""
        self.recent = []
        return self.gen(d)

    def reuse(self, positive):
        if not self.recent or self.r.random() >= 0.1:
            return None
        cands = [e for e in self.recent
                 if (not positive or e.lo >= 1e-3) and not (self.noif and "(if " in e.s)]
        return self.r.choice(cands) if cands else None

    def keep(self, e):
        if len(e.s) < 120:
            self.recent.append(e)
        return e

    # leaves
    def param(self):
        n = self.r.choice(PARAMS)
        return E(n, SYM[n], P_LO, P_HI)

    def const(self):
        v = self.r.choice(CONSTS)
        return E(num_text(v), num_sym(v), v, v)

    def pconst(self):
        v = self.r.choice(PCONSTS)
        return E(num_text(v), num_sym(v), v, v)

    def leaf(self):
        return self.param() if self.r.random() < 0.7 else self.const()

    def pos_leaf(self):
        return self.param() if self.r.random() < 0.7 else self.pconst()

    # any sign
    def gen(self, d):
        if d <= 0 or self.r.random() < 0.12:
            return self.leaf()
        e = self.reuse(False)
        if e is not None:
            return e
        for _ in range(10):
            op = self.r.choices(OPS, OPW)[0]
            if op == "if" and self.noif:
                continue
            e = self.build(op, d)
            if e is not None and e.mag() <= BOUND:
                return self.keep(e)
        return self.leaf()

    # strictly positive (lo >= 1e-3)
    def pos(self, d):
        if d <= 0 or self.r.random() < 0.2:
            return self.pos_leaf()
        e = self.reuse(True)
        if e is not None:
            return e
        for _ in range(10):
            op = self.r.choices(POPS, POPW)[0]
            if op == "if" and self.noif:
                continue
            e = self.build_pos(op, d)
            if e is not None and e.lo >= 1e-3 and e.mag() <= BOUND:
                return self.keep(e)
        return self.pos_leaf()

    # nonzero: bounded away from 0 (for divisors and negative powers)
    def nonzero(self, d):
        x = self.gen(d)
        if x.lo > 0.05 or x.hi < -0.05:
            return x
        if self.r.random() < 0.5:
            return self.pos(d)
        k = self.pconst()
        if self.r.random() < 0.5:   # |x| + k
            return E("(abs(%s) + %s)" % (x.s, k.s), s_add(s_fn(sp.Abs, x.y), k.y),
                     k.lo, max(abs(x.lo), abs(x.hi)) + k.hi)
        lo, hi = ival_pow_int(x, 2)     # x^2 + k
        return E("((%s ^ 2) + %s)" % (x.s, k.s), s_add(s_pow(x.y, sp.Integer(2)), k.y), lo + k.lo, hi + k.hi)

    def cond(self, d):
        """A boolean: comparisons, sometimes combined with and/or/not.  An
        `if` inside a comparison is rare: SymPy is very slow on those."""
        inner = self.r.random() >= 0.04
        self.noif += inner
        try:
            return self.cond1(d)
        finally:
            self.noif -= inner

    def cond1(self, d):
        r = self.r.random()
        if r < 0.12 and d >= 2:
            x, y = self.cond(d - 1), self.cond(d - 1)
            if self.r.random() < 0.5:
                return "(%s and %s)" % (x[0], y[0]), sp.And(x[1], y[1])
            return "(%s or %s)" % (x[0], y[0]), sp.Or(x[1], y[1])
        if r < 0.18:
            x = self.cond(d)
            return "(not %s)" % x[0], sp.Not(x[1])
        if r < 0.23:     # integer-valued sides: == and != are meaningful
            x, y = self.gen(d - 1), self.gen(d - 1)
            fx, fy = self.r.choice(("floor", "ceil")), self.r.choice(("floor", "ceil"))
            sx = s_fn(sp.floor if fx == "floor" else sp.ceiling, x.y)
            sy = s_fn(sp.floor if fy == "floor" else sp.ceiling, y.y)
            # unevaluated: deciding Eq/Ne of floor/ceiling terms can trip an
            # InconsistentAssumptions bug inside SymPy (seen depending on
            # the hash seed), and the oracle only needs the relation
            if self.r.random() < 0.5:
                return "(%s(%s) == %s(%s))" % (fx, x.s, fy, y.s), sp.Eq(sx, sy, evaluate=False)
            return "(%s(%s) != %s(%s))" % (fx, x.s, fy, y.s), sp.Ne(sx, sy, evaluate=False)
        x, y = self.gen(d - 1), self.gen(d - 1)
        op = self.r.choice(("<", "<=", ">", ">="))
        rel = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}[op]
        try:
            return "(%s %s %s)" % (x.s, op, y.s), rel(x.y, y.y)
        except TypeError:   # SymPy may not know a side is real (ceiling(0*b))
            return "(%s %s %s)" % (x.s, op, y.s), rel(x.y, y.y, evaluate=False)

    def build(self, op, d):
        r, g = self.r, self.gen
        if op == "add":
            x, y = g(d - 1), g(d - 1)
            return E("(%s + %s)" % (x.s, y.s), s_add(x.y, y.y), x.lo + y.lo, x.hi + y.hi)
        if op == "sub":
            x, y = g(d - 1), g(d - 1)
            return E("(%s - %s)" % (x.s, y.s), s_sub(x.y, y.y), x.lo - y.hi, x.hi - y.lo)
        if op == "mul":
            x, y = g(d - 1), g(d - 1)
            return E("(%s * %s)" % (x.s, y.s), s_mul(x.y, y.y), *ival_mul(x, y))
        if op == "div":
            x, y = g(d - 1), self.nonzero(d - 1)
            inv = E("", None, min(1 / y.lo, 1 / y.hi), max(1 / y.lo, 1 / y.hi))
            return E("(%s / %s)" % (x.s, y.s), s_div(x.y, y.y), *ival_mul(x, inv))
        if op == "neg":
            x = g(d - 1)
            return E("(-%s)" % x.s, s_neg(x.y), -x.hi, -x.lo)
        if op == "powi":
            n = r.choice(INT_EXP)
            x = self.nonzero(d - 1) if n < 0 else g(d - 1)
            if x.mag() ** abs(n) > BOUND:
                return None
            return E("(%s ^ %s)" % (x.s, n if n > 0 else "(%d)" % n),
                     s_pow(x.y, sp.Integer(n)), *ival_pow_int(x, n))
        if op == "powf":
            return self.build_pos("powf", d)
        if op == "powv" and r.random() < 0.3:     # a constant base
            v = r.choice((0, 1, 2, 0.5, 10))
            y = self.exponent(self.pos(d - 1) if v == 0 else g(d - 1))
            if y is None:
                return None
            ends = [v ** y.lo, v ** y.hi] if v else [0.0]
            return E("(%s ^ %s)" % (num_text(v), y.s), s_pow(num_sym(v), y.y), min(ends), max(ends))
        if op == "powv":
            return self.build_pos("powv", d)
        if op in ("min", "max"):
            k = 3 if r.random() < 0.15 else 2
            xs = [g(d - 1) for _ in range(k)]
            f, sf = (min, sp.Min) if op == "min" else (max, sp.Max)
            return E("%s(%s)" % (op, ", ".join(x.s for x in xs)), s_fn(sf, *[x.y for x in xs]),
                     f(x.lo for x in xs), f(x.hi for x in xs))
        if op == "clamp":
            x = g(d - 1)
            lo = r.choice([0.5, 1, 2, -1, -3])
            hi = lo + r.choice([0.5, 1, 2.5, 4])
            return E("clamp(%s, %s, %s)" % (x.s, num_text(lo) if lo > 0 else "(%s)" % num_text(lo),
                                             num_text(hi)),
                     s_fn(sp.Min, s_fn(sp.Max, x.y, num_sym(lo)), num_sym(hi)),
                     min(max(x.lo, lo), hi), min(max(x.hi, lo), hi))
        if op == "abs":
            x = g(d - 1)
            if x.lo >= 0:
                lo, hi = x.lo, x.hi
            elif x.hi <= 0:
                lo, hi = -x.hi, -x.lo
            else:
                lo, hi = 0.0, x.mag()
            return E("abs(%s)" % x.s, s_fn(sp.Abs, x.y), lo, hi)
        if op in ("ceil", "floor"):
            x = g(d - 1)
            f, sf = (math.ceil, sp.ceiling) if op == "ceil" else (math.floor, sp.floor)
            return E("%s(%s)" % (op, x.s), s_fn(sf, x.y), math.floor(x.lo), math.ceil(x.hi))
        if op in ("sqrt", "log", "exp"):
            return self.build_pos(op, d) if op != "log" else self.build_log(d)
        if op == "if":
            c = self.cond(d - 1)
            x, y = g(d - 1), g(d - 1)
            return E("(if %s then %s else %s)" % (c[0], x.s, y.s),
                     s_if(c[1], x.y, y.y),
                     min(x.lo, y.lo), max(x.hi, y.hi))
        raise AssertionError(op)

    def exponent(self, y):
        """y, scaled by a constant if need be so that |y| <= 3."""
        if y.mag() <= 3:
            return y
        for k in (0.1, 0.01, 0.001, 0.0001, 1e-5):
            if y.mag() * k <= 3:
                return E("(%s * %s)" % (y.s, repr(k)), s_mul(y.y, sp.Float(k)), y.lo * k, y.hi * k)
        return None

    def build_log(self, d):
        x = self.pos(d - 1)
        return E("log(%s)" % x.s, s_fn(sp.log, x.y), math.log(x.lo), math.log(x.hi))

    def build_pos(self, op, d):
        r, p = self.r, self.pos
        if op == "add":
            x, y = p(d - 1), p(d - 1)
            return E("(%s + %s)" % (x.s, y.s), s_add(x.y, y.y), x.lo + y.lo, x.hi + y.hi)
        if op == "mul":
            x, y = p(d - 1), p(d - 1)
            return E("(%s * %s)" % (x.s, y.s), s_mul(x.y, y.y), x.lo * y.lo, x.hi * y.hi)
        if op == "div":
            x, y = p(d - 1), p(d - 1)
            return E("(%s / %s)" % (x.s, y.s), s_div(x.y, y.y), x.lo / y.hi, x.hi / y.lo)
        if op == "powf":
            f = r.choice(FRAC_EXP)
            x = p(d - 1)
            fv = float(f)
            ends = [x.lo ** fv, x.hi ** fv]
            if max(ends) > BOUND:
                return None
            return E("(%s ^ %s)" % (x.s, f if fv > 0 else "(%s)" % f),
                     s_pow(x.y, sp.Rational(f)), min(ends), max(ends))
        if op == "sqrt":
            x = p(d - 1) if r.random() < 0.8 else self.gen(d - 1)
            if x.lo < 0:      # sqrt(abs(x))
                return E("sqrt(abs(%s))" % x.s, s_pow(s_fn(sp.Abs, x.y), sp.S.Half), 0.0, math.sqrt(x.mag()))
            return E("sqrt(%s)" % x.s, s_pow(x.y, sp.S.Half), math.sqrt(x.lo), math.sqrt(x.hi))
        if op == "exp":
            x = self.gen(d - 1)
            if x.hi <= 6 and x.lo >= -30:
                return E("exp(%s)" % x.s, s_fn(sp.exp, x.y), math.exp(x.lo), math.exp(x.hi))
            for k in (0.1, 0.01, 0.001, 0.0001, 1e-5):
                if x.hi * k <= 6 and x.lo * k >= -30:
                    return E("exp((%s * %s))" % (x.s, repr(k)), s_fn(sp.exp, s_mul(x.y, sp.Float(k))),
                             math.exp(x.lo * k), math.exp(x.hi * k))
            return None
        if op in ("min", "max"):
            x, y = p(d - 1), p(d - 1)
            f, sf = (min, sp.Min) if op == "min" else (max, sp.Max)
            return E("%s(%s, %s)" % (op, x.s, y.s), s_fn(sf, x.y, y.y), f(x.lo, y.lo), f(x.hi, y.hi))
        if op == "abs":
            x, k = self.gen(d - 1), self.pconst()
            return E("(abs(%s) + %s)" % (x.s, k.s), s_add(s_fn(sp.Abs, x.y), k.y), k.lo, x.mag() + k.hi)
        if op == "ceil":
            x = p(d - 1)
            return E("ceil(%s)" % x.s, s_fn(sp.ceiling, x.y), max(1, math.ceil(x.lo)), math.ceil(x.hi))
        if op == "powv":      # a positive base, a variable exponent
            x, y = p(d - 1), self.exponent(self.gen(d - 1))
            if y is None:
                return None
            ends = [x.lo ** y.lo, x.lo ** y.hi, x.hi ** y.lo, x.hi ** y.hi]
            if max(ends) > BOUND:
                return None
            return E("(%s ^ %s)" % (x.s, y.s), s_pow(x.y, y.y), min(ends), max(ends))
        if op == "sq":        # an even power of a negative or positive base
            x = self.nonzero(d - 1)
            n = self.r.choice((2, 2, 4))
            if x.mag() ** n > BOUND:
                return None
            return E("(%s ^ %d)" % (x.s, n), s_pow(x.y, sp.Integer(n)), *ival_pow_int(x, n))
        if op == "explog":    # exp(log(x)), log(exp(x)) + k
            x = p(d - 1)
            if self.r.random() < 0.5:
                return E("exp(log(%s))" % x.s, s_fn(sp.exp, s_fn(sp.log, x.y)), x.lo, x.hi)
            if x.hi > 30:
                return None
            return E("(log(exp(%s)) + 1)" % x.s, s_add(s_fn(sp.log, s_fn(sp.exp, x.y)), sp.Integer(1)),
                     x.lo + 1, x.hi + 1)
        if op == "if":
            c = self.cond(d - 1)
            x, y = p(d - 1), p(d - 1)
            return E("(if %s then %s else %s)" % (c[0], x.s, y.s),
                     s_if(c[1], x.y, y.y),
                     min(x.lo, y.lo), max(x.hi, y.hi))
        raise AssertionError(op)


OPS, OPW = zip(*[("add", 10), ("sub", 10), ("mul", 10), ("div", 7), ("neg", 3),
                 ("powi", 5), ("powf", 4), ("powv", 3), ("min", 5), ("max", 5), ("clamp", 1),
                 ("abs", 4), ("ceil", 2), ("floor", 2), ("sqrt", 3), ("log", 3),
                 ("exp", 3), ("if", 5)])
POPS, POPW = zip(*[("add", 8), ("mul", 8), ("div", 6), ("powf", 4), ("sqrt", 3),
                   ("exp", 3), ("min", 3), ("max", 3), ("abs", 3), ("ceil", 1), ("if", 3),
                   ("sq", 3), ("explog", 1), ("powv", 2)])

# ------------------------------------------------------------------ evaluator
# Evaluates a SymPy expression tree at one point, either in mpmath (exact
# enough: 40 digits) or in doubles with every intermediate value perturbed
# (for the conditioning estimate).  Tracks how close the point is to a kink.


class Undefined(Exception):
    pass


class Unsupported(Exception):
    pass


mpmath.mp.dps = 40


class Evaluator:
    def __init__(self, env, exact, rng=None, delta=0.0):
        self.env = env
        self.exact = exact
        self.rng = rng
        self.delta = delta
        self.memo = {}
        self.kink = math.inf   # smallest relative distance to a kink seen
        if exact:
            self.M = mpmath
            self.zero, self.one = mpmath.mpf(0), mpmath.mpf(1)
        else:
            self.zero, self.one = 0.0, 1.0

    def near(self, dist):
        if dist < self.kink:
            self.kink = dist

    def mag_of(self, e, v):
        """Scale of e's value: for a sum, its largest term."""
        m = abs(v)
        if isinstance(e, sp.Add):
            for t in e.args:
                if t in self.memo:
                    m = max(m, abs(self.memo[t]))
        return m

    def rel(self, x, y):
        s = max(abs(x), abs(y))
        return abs(x - y) / s if s else 0.0

    def ev(self, e):
        m = self.memo.get(e)
        if m is not None:
            return m
        v = self.ev1(e)
        if not self.exact and self.delta and not isinstance(v, bool):
            v = v * (1.0 + self.delta * (2 * self.rng.random() - 1))
        if not isinstance(v, bool):
            if self.exact:
                if not mpmath.isfinite(v):
                    raise Undefined(str(e))
            elif not math.isfinite(v):
                raise Undefined(str(e))
        self.memo[e] = v
        return v

    def num(self, x):
        if self.exact:
            return mpmath.mpf(x)
        return float(x)

    @staticmethod
    def step_derivative(e):
        """Derivative(ceiling(u), x), or Subs of one: sympy.diff leaves these."""
        if isinstance(e, sp.Subs):
            e = e.expr
        return isinstance(e, sp.Derivative) and e.expr.func in (sp.ceiling, sp.floor)

    def ev1(self, e):
        ex = self.exact
        if e.is_Symbol:
            return self.num(self.env[e.name])
        if e.is_Integer:
            return self.num(int(e))
        if e.is_Rational:
            return self.num(e.p) / self.num(e.q) if ex else e.p / e.q
        if e.is_Float:
            return mpmath.mpf(e._mpf_) if ex else float(e)
        if e is sp.S.true:
            return True
        if e is sp.S.false:
            return False
        if e.is_NumberSymbol:
            return mpmath.mpf(e.evalf(50)) if ex else float(e)
        if e in (sp.S.NaN, sp.S.ComplexInfinity, sp.S.Infinity, sp.S.NegativeInfinity):
            raise Undefined(str(e))
        f = e.func
        if f is sp.Add:
            s = self.zero
            for t in e.args:
                s = s + self.ev(t)
            return s
        if f is sp.Mul:
            s = self.one
            for t in e.args:
                s = s * self.ev(t)
            return s
        if f is sp.Pow:
            b, x = e.args
            bv = self.ev(b)
            try:
                if x.is_Integer:
                    n = int(x)
                    if bv == 0 and n < 0:
                        raise Undefined("0^neg")
                    return bv ** n
                if x == sp.S.Half:
                    if bv < 0:
                        raise Undefined("sqrt<0")
                    return mpmath.sqrt(bv) if ex else math.sqrt(bv)
                xv = self.ev(x)
                if bv < 0 or (bv == 0 and xv <= 0):
                    raise Undefined("pow")
                return mpmath.power(bv, xv) if ex else math.pow(bv, xv)
            except (OverflowError, ZeroDivisionError):
                raise Undefined("pow overflow")
        if f is sp.exp:
            v = self.ev(e.args[0])
            try:
                return mpmath.exp(v) if ex else math.exp(v)
            except OverflowError:
                raise Undefined("exp")
        if f is sp.log:
            if len(e.args) != 1:
                raise Unsupported("log with base")
            v = self.ev(e.args[0])
            if v <= 0:
                raise Undefined("log")
            return mpmath.log(v) if ex else math.log(v)
        if f is sp.Abs or f is sp.sign or f is sp.Heaviside:
            u = e.args[0]
            v = self.ev(u)
            sc = self.mag_of(u, v)
            self.near(abs(v) / sc if sc else 0.0)
            if f is sp.Abs:
                return abs(v)
            if f is sp.sign:
                return self.num((v > 0) - (v < 0))
            if v == 0:
                raise Undefined("Heaviside(0)")
            return self.one if v > 0 else self.zero
        if f is sp.ceiling or f is sp.floor:
            v = self.ev(e.args[0])
            r = mpmath.nint(v) if ex else round(v)
            self.near(abs(v - r) / max(1, abs(v)))
            if ex:
                return mpmath.ceil(v) if f is sp.ceiling else mpmath.floor(v)
            return float(math.ceil(v) if f is sp.ceiling else math.floor(v))
        if f is sp.Min or f is sp.Max:
            vs = sorted(self.ev(t) for t in e.args)
            if f is sp.Min:
                self.near(self.rel(vs[0], vs[1]))
                return vs[0]
            self.near(self.rel(vs[-1], vs[-2]))
            return vs[-1]
        if f is sp.Piecewise:
            for val, c in e.args:
                if self.ev(c):
                    return self.ev(val)
            raise Undefined("Piecewise without a true branch")
        if f in (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan):
            x, y = self.ev(e.args[0]), self.ev(e.args[1])
            self.near(self.rel(x, y))
            if f is sp.StrictLessThan:
                return bool(x < y)
            if f is sp.LessThan:
                return bool(x <= y)
            if f is sp.StrictGreaterThan:
                return bool(x > y)
            return bool(x >= y)
        if f is sp.Equality or f is sp.Unequality:
            x, y = self.ev(e.args[0]), self.ev(e.args[1])
            return bool((x == y) == (f is sp.Equality))
        if f is sp.And:
            return all(self.ev(t) for t in e.args)
        if f is sp.Or:
            return any(self.ev(t) for t in e.args)
        if f is sp.Not:
            return not self.ev(e.args[0])
        if f is sp.ITE:
            return self.ev(e.args[1]) if self.ev(e.args[0]) else self.ev(e.args[2])
        if f is sp.Xor:
            return sum(bool(self.ev(t)) for t in e.args) % 2 == 1
        if f is sp.Implies:
            return (not self.ev(e.args[0])) or bool(self.ev(e.args[1]))
        if (f is sp.Derivative or f is sp.Subs) and self.step_derivative(e):
            return self.zero       # d ceil = d floor = 0 almost everywhere
        raise Unsupported("%s (%s)" % (f.__name__, e))


def evaluate(e, env, exact=True, rng=None, delta=0.0):
    """(value, kink distance); value None when undefined there."""
    ev = Evaluator(env, exact, rng, delta)
    try:
        v = ev.ev(e)
    except (Undefined, ZeroDivisionError, OverflowError, ValueError):
        return None, ev.kink
    if isinstance(v, bool):
        v = float(v) if not exact else mpmath.mpf(int(v))
    return v, ev.kink


def spread(e, env, rng, runs=4):
    """How much e moves when every intermediate is perturbed by 1e-13."""
    base, _ = evaluate(e, env, exact=False)
    if base is None:
        return math.inf
    s = 0.0
    for _ in range(runs):
        v, _ = evaluate(e, env, exact=False, rng=rng, delta=1e-13)
        if v is None:
            return math.inf
        s = max(s, abs(v - base))
    return s


def close(got, want, extra=0.0):
    return abs(got - want) <= max(REL_TOL * abs(want), ABS_TOL, extra)


# ------------------------------------------------------------------ TAP
class Tap:
    def __init__(self):
        self.n = 0
        self.fails = 0

    def result(self, good, name, notes=()):
        self.n += 1
        if not good:
            self.fails += 1
        print("%sok %d - %s" % ("" if good else "not ", self.n, name))
        for line in notes:
            for part in str(line).splitlines():
                print("# " + part)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        return 0 if self.fails == 0 else 1


def fmt_pt(env):
    return "a=%r, b=%r, c=%r" % (env["a"], env["b"], env["c"])


def fnum(v):
    return "%.17g" % float(v) if v is not None else "undefined"


# ------------------------------------------------------------------ sglsim
def run(cmd, timeout=120):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %d s" % timeout
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def expr_formulas(sglsim, path, names, extra):
    """{name: text} from one `sglsim expr` run; when the run fails, splits
    the names to find the ones that fail, and gives those an error text."""
    out = {}
    rc, so, se = run([sglsim, "expr", path] + names + ["--format", "sympy"] + extra)
    if rc == 0:
        lines = so.splitlines()
        for ln in lines:
            name, sep, text = ln.partition(" = ")
            if sep and name in names:
                out[name] = text
        if len(names) == 1 and names[0] not in out and len(lines) == 1:
            out[names[0]] = lines[0]
        missing = [n for n in names if n not in out]
        for n in missing:
            out[n] = None, "no formula in the output of sglsim expr"
        return out
    if len(names) == 1:
        return {names[0]: (None, "sglsim expr %s exited %s: %s" % (" ".join(extra), rc,
                                                                   se.strip()[-500:]))}
    half = len(names) // 2
    out.update(expr_formulas(sglsim, path, names[:half], extra))
    out.update(expr_formulas(sglsim, path, names[half:], extra))
    return out


def _min(*xs):
    return sp.Min(*xs, evaluate=False)


def _max(*xs):
    return sp.Max(*xs, evaluate=False)


def _piecewise(*pairs):
    """Piecewise as printed: even unevaluated, SymPy rewrites a condition
    holding a Piecewise (as ITE, through sets), and fails or recurses
    forever on some; this builds the pairs as they are."""
    from sympy.functions.elementary.piecewise import ExprCondPair
    args = [sp.Tuple.__new__(ExprCondPair, sp.sympify(v), sp.sympify(c)) for v, c in pairs]
    return sp.Basic.__new__(sp.Piecewise, *args)


# Formulas are parsed with sympify, the params as symbols, evaluate=False
# and Min/Max/Piecewise unevaluated too: the tree as printed, not SymPy's
# rewriting of it, and fast (SymPy's reduction of Min/Max arguments would
# take most of the run time).  Every 10th formula is also parsed the default
# way, sympify(text, locals=params) -- the contract -- and so is any formula
# the fast way fails on or gets a wrong value from (SymPy has bugs of its
# own with unevaluated trees).  A formula is unparseable when neither way
# parses it.
PARSE_LOCALS = dict(SYM, Min=_min, Max=_max, Piecewise=_piecewise)
PLAIN = {n: sp.Symbol(n) for n in PARAMS}


def parse_default(text):
    """sympify(text, locals=params): (formula, None) or (None, why).  The
    params as positive symbols first, then as plain symbols (SymPy recurses
    forever on some formulas with positive symbols only)."""
    errs = []
    for syms in (SYM, PLAIN):
        try:
            return sp.sympify(text, locals=dict(syms), convert_xor=False), None
        except Exception as ex:  # noqa: BLE001 -- any failure is reported
            errs.append("%s: %s" % (type(ex).__name__, str(ex)[:300]))
    return None, "; ".join(errs)


class Formula:
    """One formula printed by sglsim: .f the parsed SymPy expression (None
    when unparseable, .why then says why), .notes remarks on SymPy."""

    def __init__(self, text, also_default=False):
        self.text, self.f, self.why, self.notes = text, None, None, []
        self._default = None
        if isinstance(text, tuple):     # sglsim failed on it
            self.why = text[1]
            return
        fast_err = None
        try:
            self.f = sp.sympify(text, locals=dict(PARSE_LOCALS), convert_xor=False, evaluate=False)
        except Exception as ex:  # noqa: BLE001
            fast_err = "%s: %s" % (type(ex).__name__, str(ex)[:300])
        if self.f is None or also_default:
            d, why = self.default()
            if self.f is None:
                self.f = d
                if d is None:
                    self.why = "sympify failed (%s; unevaluated: %s) on: %s" % (why, fast_err, text)
            elif d is None:
                self.notes.append("SymPy fails inside sympify(text) (%s), the unevaluated parse "
                                  "works, on: %s" % (why, text))

    def default(self):
        if self._default is None:
            self._default = parse_default(self.text)
        return self._default

    def value(self, env, accept):
        """(value, kink distance) at env.  When accept(value, kink) is
        false, tries the default parse too, and keeps it if it does better."""
        got, gk = evaluate(self.f, env)
        if accept(got, gk) or isinstance(self.text, tuple):
            return got, gk
        d, _ = self.default()
        if d is not None and d is not self.f:
            try:
                got2, gk2 = evaluate(d, env)
            except Unsupported:
                return got, gk
            if accept(got2, gk2):
                self.f = d
                return got2, gk2
        return got, gk


def read_csv(text):
    rows = [ln.split(",") for ln in text.splitlines() if ln]
    return rows[0], rows[1:]


CHECKS = ("simplify", "raw", "derivative", "eval")
WORK = {}
EXPR_SECONDS = 30   # SymPy can take forever (sympy.diff of a deep product)


class ExprTimeout(BaseException):   # not an Exception: nothing may swallow it
    pass


def _alarm(signum, frame):
    raise ExprTimeout()


def check_range(bounds):
    """Checks expressions lo..hi-1 of WORK; returns ([((check, group),
    [messages])], {check: [compared, skipped]}, [((check, group), [notes])])."""
    lo, hi = bounds
    exprs, names = WORK["exprs"], WORK["names"]
    stats = {k: [0, 0] for k in CHECKS}
    group_fail, group_note = {}, {}

    def fail(check, i, msg):
        group_fail.setdefault((check, i // GROUP), []).append(
            "%s = %s: %s" % (names[i], exprs[i].s, msg))

    prng = random.Random(SEED + 1 + lo)
    slow = []
    import signal
    signal.signal(signal.SIGALRM, _alarm)
    for i in range(lo, hi):
        t_start = time.time()
        signal.alarm(EXPR_SECONDS)
        try:
            check_one(i, stats, fail, group_note, prng)
        except ExprTimeout:
            group_note.setdefault(("derivative", i // GROUP), []).append(
                "%s: SymPy took over %d s on it; its remaining points are not checked"
                % (names[i], EXPR_SECONDS))
        finally:
            signal.alarm(0)
        slow.append((time.time() - t_start, names[i]))
    if os.environ.get("SGL_ORACLE_TIMES"):
        slow.sort()
        for t, n in slow[-3:]:
            sys.stderr.write("#   slowest: %s %.2f s\n" % (n, t))
    return list(group_fail.items()), stats, list(group_note.items())


def check_one(i, stats, fail, group_note, prng):
    """All the checks of expression i (see check_range)."""
    exprs, names, pool = WORK["exprs"], WORK["names"], WORK["pool"]
    ev_vals = WORK["ev_vals"]
    e, name = exprs[i], names[i]
    forms = {"simplify": Formula(WORK["simp"][name], i % 10 == 0),
             "raw": Formula(WORK["raw"][name], i % 10 == 5),
             "derivative": Formula(WORK["deriv"][name], i % 10 == 0)}
    for check, F in forms.items():
        if F.f is None:
            fail(check, i, F.why)
        for note in F.notes:
            group_note.setdefault((check, i // GROUP), []).append("%s: %s" % (name, note))
    try:
        dref = sp.diff(e.y, SYM["a"])
    except Exception:  # noqa: BLE001 -- SymPy trips on some unevaluated trees
        try:
            dref = sp.diff(e.y.doit(), SYM["a"])
        except Exception as ex:  # noqa: BLE001
            dref = None
            fail("derivative", i, "harness: sympy.diff failed: %s" % ex)
    for k in WORK["pts_of"][i]:
        env = pool[k]
        want, kink = evaluate(e.y, env)
        if want is None or abs(want) > HUGE:
            for c in stats:
                stats[c][1] += 1
            continue
        at = "at %s" % fmt_pt(env)
        smooth = kink > KINK
        for check in ("simplify", "raw"):
            F = forms[check]
            if F.f is None or not smooth:
                stats[check][1] += 1
                continue
            try:
                got, gk = F.value(env, lambda v, k: k <= KINK or (v is not None and close(v, want)))
            except Unsupported as ex:
                fail(check, i, "cannot evaluate sglsim's formula: %s" % ex)
                F.f = None
                stats[check][1] += 1
                continue
            if gk <= KINK:
                stats[check][1] += 1
                continue
            stats[check][0] += 1
            if got is None or not close(got, want):
                fail(check, i, "%s: sympy %s, sglsim %s (formula %s)"
                     % (at, fnum(want), fnum(got), F.text))
        # derivative
        F = forms["derivative"]
        dw, dk = None, 0.0
        if dref is not None and F.f is not None and smooth:
            try:
                dw, dk = evaluate(dref, env)
            except Unsupported as ex:
                fail("derivative", i, "harness: cannot evaluate sympy.diff: %s" % ex)
                dref = None
        if dw is None or abs(dw) > HUGE or dk <= KINK:
            stats["derivative"][1] += 1
        else:
            try:
                dg, dgk = F.value(env, lambda v, k: k <= KINK or (v is not None and close(v, dw)))
            except Unsupported as ex:
                fail("derivative", i, "cannot evaluate sglsim's derivative: %s" % ex)
                F.f = None
                dg, dgk = None, 0.0
            if dgk <= KINK:
                stats["derivative"][1] += 1
            else:
                stats["derivative"][0] += 1
                if dg is None or not close(dg, dw):
                    fail("derivative", i, "%s: sympy.diff %s, sglsim %s (sglsim d/da = %s; "
                         "sympy d/da = %s)" % (at, fnum(dw), fnum(dg), F.text, dref))
        # eval (doubles)
        if ev_vals is None:
            continue
        if not smooth:
            stats["eval"][1] += 1
            continue
        got = ev_vals[k][i]
        stats["eval"][0] += 1
        if not (math.isfinite(got) and close(got, want)):
            extra = spread(e.y, env, prng)
            if forms["simplify"].f is not None:
                extra = max(extra, spread(forms["simplify"].f, env, prng))
            if not (math.isfinite(got) and close(got, want, extra)):
                fail("eval", i, "%s: sympy %s, sglsim eval %r (conditioning allows %.3g)"
                     % (at, fnum(want), got, extra))


# ------------------------------------------------------------------ main
_t0 = [0.0]


def timer(what):
    """SGL_ORACLE_TIMES=1: how long each phase took, on stderr."""
    now = time.time()
    if os.environ.get("SGL_ORACLE_TIMES") and _t0[0]:
        sys.stderr.write("# %-36s %6.2f s\n" % (what, now - _t0[0]))
    _t0[0] = now


# ------------------------------------------------------------------ stdlib
# The stdlib metrics of a bound deployment and workload, as formulas of the
# arrival rate `a`: sglsim's SymPy formula and its derivative, evaluated
# exactly, against sglsim eval (doubles) at rates on both sides of the
# deployment's capacity (where TTFT is infinite, both must say undefined).
STDLIB_SGL = """import metrics
import models
param a in 0.1 .. 100 = 1
deployment d { model = llama31_70b; gpu = h100_sxm; tp = 8 }
workload w { requests = 100; arrival = poisson(a * 1 req/s); prompt = lognormal(median = 1500 tok, sigma = 0.5)
             output = 200 tok }
"""
STDLIB_METRICS = ("tpot", "ttft", "throughput", "peak_memory", "capacity", "e2e_latency",
                  "memory_bandwidth_utilization", "power_consumption")
STDLIB_RATES = (0.3, 0.7, 1.3, 2.9, 4.1, 6.3, 7.7, 13.0)


def stdlib_checks(sglsim, tap, tmpdir):
    sgl = os.path.join(tmpdir, "stdlib.sgl")
    with open(sgl, "w") as f:
        f.write(STDLIB_SGL)
    csv = os.path.join(tmpdir, "rates.csv")
    with open(csv, "w") as f:
        f.write("a\n" + "".join("%r\n" % r for r in STDLIB_RATES))
    bind = ["--for", "d", "--with", "w"]
    names = list(STDLIB_METRICS)
    forms = expr_formulas(sglsim, sgl, names, bind)
    derivs = expr_formulas(sglsim, sgl, names, bind + ["--diff", "a"])
    cols = {}
    for name in names:   # one eval per metric: an infinite TTFT stops a run
        rc, so, se = run([sglsim, "eval", sgl, name, "--points", csv, "--jit=never"] + bind)
        rows = [ln.split(",") for ln in so.splitlines()[1:]]
        cols[name] = [float(r[1]) if len(r) > 1 else None for r in rows]
    for name in names:
        notes, compared = [], 0
        f, d = Formula(forms[name]), Formula(derivs[name])
        if f.f is None or d.f is None:
            tap.result(False, "stdlib %s: formulas parse" % name, [f.why, d.why])
            continue
        try:    # SymPy's piecewise folding fails on some nested formulas
            df = sp.diff(f.f, SYM["a"]) if f.f.free_symbols else sp.Integer(0)
        except Exception:  # noqa: BLE001 -- fall back to a difference quotient
            df = None
        got_col = cols[name]
        for i, r in enumerate(STDLIB_RATES):
            env = {"a": r}
            want, kink = evaluate(f.f, env)
            got = got_col[i] if i < len(got_col) else None
            if want is None:
                if got is not None and math.isfinite(got):
                    notes.append("a=%r: SymPy says undefined, eval %s" % (r, fnum(got)))
                continue
            if kink < KINK:
                continue
            compared += 1
            if got is None or not close(got, float(want), 1e-12 * abs(float(want))):
                notes.append("a=%r: eval %s, SymPy %s" % (r, fnum(got), fnum(want)))
            dv, dk = evaluate(d.f, env)
            if df is not None:
                dw, dk2 = evaluate(df, env)
            else:   # central difference in 40-digit arithmetic
                h = mpmath.mpf(r) * mpmath.mpf("1e-12")
                up, k1 = evaluate(f.f, {"a": mpmath.mpf(r) + h})
                dn, k2 = evaluate(f.f, {"a": mpmath.mpf(r) - h})
                dw = (up - dn) / (2 * h) if up is not None and dn is not None else None
                dk2 = min(k1, k2)
            if dv is not None and dw is not None and min(dk, dk2) >= KINK and \
                    not close(float(dv), float(dw), 1e-7 * abs(float(dw))):
                notes.append("a=%r: d/da sglsim %s, sympy.diff %s" % (r, fnum(dv), fnum(dw)))
        tap.result(not notes and compared >= 3,
                   "stdlib %s for Llama-3.1-70B on 8xH100: formula, eval and derivative agree at %d rates"
                   % (name, compared), notes[:SHOW])


def main():
    timer("start")
    sglsim = os.environ.get("SGLSIM") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "sglsim")
    tap = Tap()
    rng = random.Random(SEED)
    gen = Gen(rng)
    exprs = []
    seen = set()
    while len(exprs) < N_EXPR:
        e = gen.top(rng.randint(2, MAX_DEPTH))
        if e.s in seen or not e.y.free_symbols:
            continue
        seen.add(e.s)
        exprs.append(e)
    names = ["m%d" % i for i in range(len(exprs))]
    pool = [{n: round(rng.uniform(P_LO, P_HI), rng.choice((2, 6, 17))) for n in PARAMS}
            for _ in range(POOL)]
    for pt in pool:
        for n in PARAMS:
            pt[n] = min(max(pt[n], P_LO), P_HI)
    pts_of = [rng.sample(range(POOL), PTS) for _ in exprs]

    keep = os.environ.get("SGL_ORACLE_KEEP")
    tmpdir = keep or tempfile.mkdtemp(prefix="sgl_oracle.")
    os.makedirs(tmpdir, exist_ok=True)
    sgl = os.path.join(tmpdir, "oracle.sgl")
    with open(sgl, "w") as f:
        f.write("# generated by tests/sympy_oracle.py, seed %d\n" % SEED)
        for n in PARAMS:
            f.write("param %s in 0.1 .. 10 = 1\n" % n)
        for name, e in zip(names, exprs):
            f.write("metric %s = %s\n" % (name, e.s))
    csv = os.path.join(tmpdir, "points.csv")
    with open(csv, "w") as f:
        f.write("a,b,c\n")
        for pt in pool:
            f.write("%r,%r,%r\n" % (pt["a"], pt["b"], pt["c"]))

    timer("generate")
    rc, so, se = run([sglsim, "check", sgl])
    tap.result(rc == 0, "the generated file (%d expressions) checks" % len(exprs),
               [] if rc == 0 else [se[-2000:]])

    # one sglsim run per kind of formula
    timer("sglsim check")
    simp = expr_formulas(sglsim, sgl, names, [])
    raw = expr_formulas(sglsim, sgl, names, ["--no-simplify"])
    deriv = expr_formulas(sglsim, sgl, names, ["--diff", "a"])
    ev_never = run([sglsim, "eval", sgl] + names + ["--points", csv, "--jit=never"])
    timer("sglsim expr x3, eval --jit=never")
    # The JIT compile (gcc, a few seconds for the whole file) runs while
    # the SymPy checks do; a cache folder of its own makes it a real compile.
    jit_env = dict(os.environ, SGLSIM_CACHE_DIR=os.path.join(tmpdir, "jit-cache"))
    pt0 = ["-D", "a=%r" % pool[0]["a"], "-D", "b=%r" % pool[0]["b"], "-D", "c=%r" % pool[0]["c"]]
    jit_cmds = [[sglsim, "eval", sgl] + names + ["--points", csv, "--jit=always"],
                [sglsim, "eval", sgl] + names + pt0 + ["--json", "--jit=always"],
                [sglsim, "eval", sgl] + names + pt0 + ["--json", "--jit=never"]]
    jit_out = {}

    def jit_start():
        procs = []
        for k, cmd in enumerate(jit_cmds):
            with open(os.path.join(tmpdir, "jit%d.out" % k), "wb") as out, \
                    open(os.path.join(tmpdir, "jit%d.err" % k), "wb") as err:
                procs.append(subprocess.Popen(cmd, stdout=out, stderr=err, env=jit_env))
            if k == 0:      # the first one fills the cache the others load
                procs[0].wait()
        return procs

    import threading
    jit_thread = threading.Thread(target=lambda: jit_out.update(procs=jit_start()))
    jit_thread.start()

    # eval output
    ev_vals = None
    notes = []
    if ev_never[0] == 0:
        hdr, rows = read_csv(ev_never[1])
        want_hdr = ["a", "b", "c"] + names
        if hdr != want_hdr or len(rows) != POOL or any(len(r) != len(hdr) for r in rows):
            notes.append("unexpected CSV shape: header %s..., %d rows" % (hdr[:5], len(rows)))
        else:
            ev_vals = [[float(x) for x in r[3:]] for r in rows]
    else:
        notes.append("sglsim eval --jit=never exited %s: %s" % (ev_never[0], ev_never[2][-1000:]))
    tap.result(ev_vals is not None, "sglsim eval --points --jit=never runs", notes)

    # per-expression checks, in two processes (SymPy is slow)
    WORK.update(exprs=exprs, names=names, pool=pool, pts_of=pts_of, simp=simp, raw=raw,
                deriv=deriv, ev_vals=ev_vals)
    nproc = max(1, min(int(os.environ.get("SGL_ORACLE_JOBS", "2")), len(exprs)))
    bounds = [(len(exprs) * j // nproc, len(exprs) * (j + 1) // nproc) for j in range(nproc)]
    if nproc > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(nproc) as mp:
            parts = mp.map(check_range, bounds)
    else:
        parts = [check_range(bounds[0])]
    stats = {k: [0, 0] for k in CHECKS}
    group_fail = {}
    group_note = {}
    for part_fail, part_stats, part_note in parts:
        for key, msgs in part_fail:
            group_fail.setdefault(key, []).extend(msgs)
        for key, msgs in part_note:
            group_note.setdefault(key, []).extend(msgs)
        for k in CHECKS:
            stats[k][0] += part_stats[k][0]
            stats[k][1] += part_stats[k][1]

    timer("checks")
    jit_thread.join()
    results = []
    for k, proc in enumerate(jit_out.get("procs", [])):
        proc.wait()
        with open(os.path.join(tmpdir, "jit%d.out" % k), "rb") as f:
            out = f.read().decode("utf-8", "replace")
        with open(os.path.join(tmpdir, "jit%d.err" % k), "rb") as f:
            err = f.read().decode("utf-8", "replace")
        results.append((proc.returncode, out, err))
    timer("sglsim eval --jit=always (wait)")
    for what, got, want in (("--points", results[0], ev_never),
                            ("one point (-D, --json)", results[1], results[2])):
        same = got[0] == 0 and want[0] == 0 and got[1] == want[1]
        notes = []
        if got[0] != 0 or want[0] != 0:
            notes.append("exit statuses: --jit=always %s, --jit=never %s: %s %s"
                         % (got[0], want[0], got[2][-800:], want[2][-800:]))
        elif not same:
            g_lines, w_lines = got[1].splitlines(), want[1].splitlines()
            for i, (x, y) in enumerate(zip(w_lines, g_lines)):
                if x != y:
                    for k, (u, v) in enumerate(zip(x.split(","), y.split(","))):
                        if u != v:
                            notes.append("line %d field %d: never %s, always %s" % (i, k, u, v))
                if len(notes) > 10:
                    break
            if len(g_lines) != len(w_lines):
                notes.append("%d lines with --jit=always, %d with never" % (len(g_lines), len(w_lines)))
        if "JIT is not available" in got[2]:
            notes.append("note: " + got[2].strip())
        tap.result(same, "eval %s: --jit=always prints the same bytes as --jit=never" % what, notes)
    labels = {
        "simplify": "simplified formula (--format sympy) equals the original",
        "raw": "unsimplified formula (--no-simplify) equals the original",
        "derivative": "--diff a equals sympy.diff",
        "eval": "eval --points (doubles) equals the original",
    }
    ngroups = (len(exprs) + GROUP - 1) // GROUP
    for check in CHECKS:
        for gi in range(ngroups):
            lo, hi = gi * GROUP, min(len(exprs), (gi + 1) * GROUP) - 1
            fails = group_fail.get((check, gi), [])
            notes = fails[:SHOW]
            if len(fails) > SHOW:
                notes.append("... and %d more in this group (SGL_ORACLE_VERBOSE=1 lists all)"
                             % (len(fails) - SHOW))
            notes += ["note: " + n for n in group_note.get((check, gi), [])[:SHOW]]
            tap.result(not fails, "%s: m%d..m%d" % (labels[check], lo, hi), notes)
    # the checks must not pass by skipping everything
    for check, (done, skipped) in stats.items():
        total = done + skipped
        frac = done / total if total else 0.0
        tap.result(frac >= 0.6, "%s: %d of %d points compared (%.0f%%), the rest skipped"
                   % (check, done, total, 100 * frac))
    stdlib_checks(sglsim, tap, tmpdir)
    timer("stdlib")
    if not keep:
        import shutil
        shutil.rmtree(tmpdir, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
