#!/usr/bin/env python3
"""optimize_oracle.py -- checks `sglsim optimize` against brute force on
random problems (random formulas over small grids), printing TAP.

For each instance it writes an .sgl file, runs sglsim with --json and
--csv, and recomputes from the CSV (every point, its objective and
constraint values) what each method must return:

  pareto    the non-dominated set of the feasible points (exact)
  grid      the feasible points ranked by the objectives in order
  weighted  the normalized weighted-sum optimum (doc/optimize.md)
  epsilon   the primary optimum under the bounds; without bounds, the
            front traced by sweeping them (k = 2: the Pareto front)
  nlopt     on convex separable problems: the grid optimum

and that no chosen point violates a constraint.  The CSV values are
checked against the formulas evaluated here in Python (same IEEE
operations, so equal within a few ulps).

usage: optimize_oracle.py SGLSIM WORKDIR [SEED]
"""
import csv
import json
import math
import os
import random
import subprocess
import sys

SGLSIM, WORK = sys.argv[1], sys.argv[2]
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 1
rng = random.Random(SEED)
n_ok = 0
n_fail = 0
n_test = 0


def tap(ok, what):
    global n_ok, n_fail, n_test
    n_test += 1
    if ok:
        n_ok += 1
        print("ok %d - %s" % (n_test, what))
    else:
        n_fail += 1
        print("not ok %d - %s" % (n_test, what))


# ---------------------------------------------------------------- problems

PARAMS = ["a", "b", "c"]


def rand_expr(depth=0):
    """A random formula over the params, as (sgl text, python function)."""
    r = rng.random()
    if depth >= 2 or r < 0.3:
        if rng.random() < 0.7:
            p = rng.choice(PARAMS)
            return p, (lambda env, p=p: env[p])
        k = rng.choice([1, 2, 3, 5, 7])
        return str(k), (lambda env, k=k: float(k))
    x, fx = rand_expr(depth + 1)
    y, fy = rand_expr(depth + 1)
    op = rng.choice(["+", "-", "*", "min", "max"])
    if op in "+-*":
        f = {"+": lambda e: fx(e) + fy(e), "-": lambda e: fx(e) - fy(e), "*": lambda e: fx(e) * fy(e)}[op]
        return "(%s %s %s)" % (x, op, y), f
    f = (lambda e: min(fx(e), fy(e))) if op == "min" else (lambda e: max(fx(e), fy(e)))
    return "%s(%s, %s)" % (op, x, y), f


def domains():
    d = {}
    for p in PARAMS:
        n = rng.randint(2, 6)
        vals = sorted(set(rng.randint(0, 9) for _ in range(n)))
        if len(vals) < 2:
            vals = [0, 1]
        d[p] = vals
    return d


def write_problem(path, doms, objs, cons, method, extra=""):
    with open(path, "w") as f:
        for p in PARAMS:
            f.write("param %s in {%s}\n" % (p, ", ".join(str(v) for v in doms[p])))
        for i, (sense, text, _) in enumerate(objs):
            f.write("metric o%d = %s\n" % (i, text))
        f.write("optimize {\n")
        for i, (sense, text, _) in enumerate(objs):
            f.write("  %s o%d\n" % ("maximize" if sense > 0 else "minimize", i))
        if cons:
            f.write("  subject to %s\n" % ", ".join(c[0] for c in cons))
        f.write("  over (%s)\n" % ", ".join(PARAMS))
        f.write("  method = %s\n" % method)
        f.write(extra)
        f.write("}\n")


def run(path, jobs=2, extra_args=()):
    js, cs = path + ".json", path + ".csv"
    p = subprocess.run([SGLSIM, "optimize", path, "--json", js, "--csv", cs, "--jobs", str(jobs),
                        "--limit", "100000", "--no-progress"] + list(extra_args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        return None, None, p.stderr
    with open(js) as f:
        doc = json.load(f)
    with open(cs) as f:
        rows = list(csv.reader(f))
    return doc, rows, p.stderr


def num(s):
    return float(s) if s != "" else float("nan")


def dominates(u, v):
    return all(a >= b for a, b in zip(u, v)) and any(a > b for a, b in zip(u, v))


def brute_front(pts):
    return sorted(i for i, y in pts.items() if not any(dominates(z, y) for j, z in pts.items() if j != i))


def key_of(point, names):
    return tuple(point[n] for n in names)


def chosen(doc):
    rows = doc.get("front", doc.get("best", []))
    return [key_of(r["params"], PARAMS) for r in rows]


def table(rows, objs, cons):
    """CSV rows -> {params tuple: (maximized objectives, feasible, pareto)}."""
    head = rows[0]
    k = len(objs)
    out = {}
    for r in rows[1:]:
        x = tuple(float(v) for v in r[:3])
        y = [num(v) for v in r[3:3 + k]]
        ym = tuple(s * v for (s, _, _), v in zip(objs, y))
        out[x] = (ym, r[-2] == "1", r[-1] == "1", y)
    return head, out


def cons_py(cons, env):
    return all(f(env) for _, f in cons)


def rand_constraints():
    cons = []
    for _ in range(rng.randint(0, 2)):
        t, f = rand_expr(1)
        b = rng.randint(4, 40)
        op = rng.choice(["<=", ">=", "<"])
        fn = {"<=": lambda e, f=f, b=b: f(e) <= b, ">=": lambda e, f=f, b=b: f(e) >= b,
              "<": lambda e, f=f, b=b: f(e) < b}[op]
        cons.append(("%s %s %d" % (t, op, b), fn))
    return cons


def instance(i, method):
    doms = domains()
    k = rng.randint(2, 3) if method != "grid" else rng.randint(1, 3)
    objs = []
    for _ in range(k):
        t, f = rand_expr()
        objs.append((rng.choice([1, -1]), t, f))
    cons = rand_constraints()
    return doms, objs, cons


def check_values(name, rows, doms, objs, cons):
    """The CSV's objective values and feasibility equal Python's."""
    head, tab = table(rows, objs, cons)
    n = 1
    for p in PARAMS:
        n *= len(doms[p])
    bad = 0
    for x, (ym, feas, _, y) in tab.items():
        env = dict(zip(PARAMS, x))
        for (s, _, f), v in zip(objs, y):
            w = f(env)
            if not (abs(w - v) <= 1e-9 * max(1, abs(w))):
                bad += 1
        if feas != cons_py(cons, env):
            bad += 1
    tap(len(tab) == n and bad == 0, "%s: CSV has every point with the formulas' values and feasibility" % name)
    return tab


def case(kind, i, method=None, weights=False):
    """A random instance of `kind` run through sglsim: (path, doms, objs,
    cons, doc, tab), or None after reporting that it did not run."""
    doms, objs, cons = instance(i, kind)
    if weights:
        w = [rng.choice([0, 0.5, 1, 2, 3]) for _ in objs]
        if not any(w):
            w[0] = 1
        method = "weighted(%s)" % ", ".join(str(v) for v in w)
    path = os.path.join(WORK, "%s%d.sgl" % (kind, i))
    write_problem(path, doms, objs, cons, method or kind)
    doc, rows, err = run(path)
    if doc is None:
        tap(False, "%s %d runs: %s" % (kind, i, err.strip()))
        return None
    tab = check_values("%s %d" % (kind, i), rows, doms, objs, cons)
    return path, doms, objs, cons, doc, tab, (w if weights else None)


def pareto_case(i):
    c = case("pareto", i)
    if c is None:
        return
    path, doms, objs, cons, doc, tab, _ = c
    feas = {x: v[0] for x, v in tab.items() if v[1] and all(math.isfinite(t) for t in v[0])}
    want = brute_front(feas)
    got = sorted(chosen(doc))
    tap(got == want, "pareto %d: front equals the brute-force non-dominated set (%d points)" % (i, len(want)))
    order = {x: n for n, x in enumerate(tab)}
    tap(chosen(doc) == sorted(chosen(doc), key=lambda x: (tuple(-a for a in tab[x][0]), order[x])),
        "pareto %d: the front is listed best first, ties in grid order" % i)
    tap(sorted(x for x, v in tab.items() if v[2]) == want, "pareto %d: the CSV's pareto column marks the same set" % i)
    tap(all(tab[x][1] for x in got), "pareto %d: no front point violates a constraint" % i)
    # same answer with one thread, and with the JIT forced on or off
    doc1, _, _ = run(path, jobs=1, extra_args=["--jit", "never"])
    doc2, _, _ = run(path, jobs=2, extra_args=["--jit", "always"])
    tap(doc1 == doc and doc2 == doc, "pareto %d: --jobs 1 / --jit never / --jit always give the same JSON" % i)


def grid_case(i):
    c = case("grid", i)
    if c is None:
        return
    path, doms, objs, cons, doc, tab, _ = c
    feas = [(v[0], x) for x, v in tab.items() if v[1] and all(math.isfinite(t) for t in v[0])]
    # ranked by the objectives (maximized), ties by grid order (= CSV order)
    order = {x: n for n, x in enumerate(tab)}
    feas.sort(key=lambda t: (tuple(-a for a in t[0]), order[t[1]]))
    want = [x for _, x in feas][:100000]
    tap(chosen(doc) == want, "grid %d: the ranking equals the sorted feasible points (%d)" % (i, len(want)))


def weighted_case(i):
    c = case("weighted", i, weights=True)
    if c is None:
        return
    path, doms, objs, cons, doc, tab, w = c
    feas = [(v[0], x) for x, v in tab.items() if v[1] and all(math.isfinite(t) for t in v[0])]
    if not feas:
        tap(chosen(doc) == [], "weighted %d: nothing feasible, nothing chosen" % i)
        return
    k = len(objs)
    lo = [min(y[j] for y, _ in feas) for j in range(k)]
    hi = [max(y[j] for y, _ in feas) for j in range(k)]

    def score(y):
        return sum(w[j] * ((y[j] - lo[j]) / (hi[j] - lo[j]) if hi[j] != lo[j] else 0) for j in range(k))
    best = max(score(y) for y, _ in feas)
    got = chosen(doc)
    ok = bool(got) and abs(score(tab[got[0]][0]) - best) <= 1e-12 * max(1, abs(best))
    tap(ok, "weighted %d: the first point has the brute-force best normalized score" % i)


def epsilon_case(i):
    # first the values (as a Pareto run), then bound the second objective at a value it takes
    c = case("epsilon", i, method="pareto")
    if c is None:
        return
    path, doms, objs, cons, doc, tab, _ = c
    feas = [(v[0], x, v[3]) for x, v in tab.items() if v[1] and all(math.isfinite(t) for t in v[0])]
    if not feas:
        return
    raw = rng.choice(feas)[2][1]
    s1 = objs[1][0]
    bound = "o1 %s %r" % (">=" if s1 > 0 else "<=", raw)
    write_problem(path, doms, objs, cons, "epsilon(primary = o0, %s)" % bound)
    doc, rows, err = run(path)
    if doc is None:
        tap(False, "epsilon %d runs: %s" % (i, err.strip()))
        return
    ok_pts = [(y, x) for y, x, _ in feas if y[1] >= s1 * raw]
    best = max(y[0] for y, _ in ok_pts)
    got = chosen(doc)
    tap(bool(got) and tab[got[0]][0][0] == best and tab[got[0]][0][1] >= s1 * raw,
        "epsilon %d: the optimum of o0 under the bound equals filtered brute force" % i)
    if len(objs) == 2:
        write_problem(path, doms, objs, cons, "epsilon(primary = o0)")
        doc, _, _ = run(path)
        front = brute_front({x: y for y, x, _ in feas})
        # of equal points the sweep keeps one: compare the objective vectors
        want = sorted(set(tab[x][0] for x in front))
        got = sorted(tab[x][0] for x in chosen(doc)) if doc else None
        tap(got == want, "epsilon %d: the sweep traces the Pareto front (%d points)" % (i, len(want)))


def nlopt_case(i, algorithm):
    """A separable convex problem: sum (x_j - t_j)^2 under sum x_j <= B."""
    doms = {p: list(range(0, 9)) for p in PARAMS}
    t = [rng.uniform(0, 8) for _ in PARAMS]
    coef = [rng.uniform(0.5, 3) for _ in PARAMS]
    text = " + ".join("%r * (%s - %r) * (%s - %r)" % (c, p, tj, p, tj) for c, p, tj in zip(coef, PARAMS, t))
    B = rng.randint(4, 20)
    path = os.path.join(WORK, "nlopt%d.sgl" % i)
    with open(path, "w") as f:
        for p in PARAMS:
            f.write("param %s in 0 .. 8\n" % p)
        f.write("metric loss = %s\n" % text)
        f.write("optimize {\n  minimize loss\n  subject to a + b + c <= %d\n  over (a, b, c)\n" % B)
        f.write("  method = nlopt(algorithm = %s)\n}\n" % algorithm)
    doc, rows, err = run(path)
    if doc is None:
        tap(False, "nlopt %d (%s) runs: %s" % (i, algorithm, err.strip()))
        return
    best = None
    for a in range(9):
        for b in range(9):
            for c in range(9):
                if a + b + c <= B:
                    v = sum(cj * (x - tj) ** 2 for cj, x, tj in zip(coef, (a, b, c), t))
                    best = v if best is None or v < best else best
    rows = doc.get("best", [])
    got = rows[0]["objectives"]["loss"] if rows else None
    tap(got is not None and abs(got - best) <= 1e-9 * max(1, best),
        "nlopt %d (%s): reaches the grid optimum %.6g (got %s)" % (i, algorithm, best, got))
    tap(doc["nlopt"]["continuous_objective"] <= best + 1e-6, "nlopt %d (%s): the relaxation bounds it from below" % (i, algorithm))


def main():
    os.makedirs(WORK, exist_ok=True)
    for i in range(12):
        pareto_case(i)
    for i in range(8):
        grid_case(i)
    for i in range(10):
        weighted_case(i)
    for i in range(10):
        epsilon_case(i)
    for i, alg in enumerate(["slsqp", "mma", "ccsaq", "cobyla", "slsqp", "cobyla"]):
        nlopt_case(i, alg)
    print("1..%d" % n_test)
    return 0 if n_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
