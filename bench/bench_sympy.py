#!/usr/bin/env python3
"""bench_sympy.py -- SymPy's speed on the benchmark formulas, for bench.sh.

    bench_sympy.py FORMULAS.sympy POINTS.csv SGLSIM.csv REPS

FORMULAS.sympy is `sglsim expr FILE NAME... --format sympy` (`NAME =
formula` lines).  Each formula is sympified and lambdified: with numpy when
it is installed (vectorized over all points), else with the `math` module,
called in a Python loop over a sample of the points.  Prints `key value`
lines: sympy_mode, sympy_ns (per point per metric, median of REPS runs),
sympy_note (points used; max relative difference from sglsim's output).
"""
import sys
import time

import sympy as sp


def main():
    fpath, ppath, spath, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(ppath) as f:
        header = f.readline().strip().split(",")
        rows = [line.split(",") for line in f if line.strip()]
    syms = {n: sp.Symbol(n, positive=True) for n in header}
    names, exprs = [], []
    with open(fpath) as f:
        for line in f:
            name, _, text = line.rstrip("\n").partition(" = ")
            names.append(name)
            exprs.append(sp.sympify(text, locals=dict(syms)))
    args = [syms[n] for n in header]
    with open(spath) as f:
        shdr = f.readline().strip().split(",")
        first = shdr.index(names[0])
        want = [[float(x) for x in line.split(",")[first:first + len(names)]]
                for line in f if line.strip()]
    try:
        import numpy as np
    except ImportError:
        np = None
    times = []
    if np is not None:
        fns = [sp.lambdify(args, e, modules="numpy") for e in exprs]
        cols = [np.array([float(r[k]) for r in rows]) for k in range(len(header))]
        n = len(rows)
        for _ in range(reps):
            t0 = time.perf_counter()
            outs = [np.broadcast_to(fn(*cols), (n,)) for fn in fns]
            times.append(time.perf_counter() - t0)
        got = [[float(outs[k][j]) for k in range(len(fns))] for j in range(n)]
        mode = "numpy"
    else:
        fns = [sp.lambdify(args, e, modules="math") for e in exprs]
        n = min(len(rows), 20000)
        pts = [[float(x) for x in r] for r in rows[:n]]
        for _ in range(reps):
            t0 = time.perf_counter()
            got = [[fn(*p) for fn in fns] for p in pts]
            times.append(time.perf_counter() - t0)
        mode = "math, loop"
    times.sort()
    med = times[len(times) // 2] if len(times) % 2 else 0.5 * (times[len(times) // 2 - 1] + times[len(times) // 2])
    maxrel = 0.0
    for j in range(n):
        for k in range(len(names)):
            w, g = want[j][k], float(got[j][k])
            if w != g:
                maxrel = max(maxrel, abs(g - w) / max(abs(w), 1e-300))
    print("sympy_mode %s" % mode)
    print("sympy_ns %.3f" % (med * 1e9 / (n * len(names))))
    print("sympy_note %d points%s; max rel. diff. from sglsim %.2g"
          % (n, "" if np is not None else ", numpy not installed", maxrel))


if __name__ == "__main__":
    main()
