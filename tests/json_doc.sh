#!/bin/sh
# json_doc.sh -- doc/json.md against the documents sglsim writes, as TAP:
# every key that `sglsim run --json` and `sglsim optimize --json` write is
# documented, every documented key is written by one of the runs here, and
# the keys come in the documented order ("Key order is fixed and is the
# order of this page").
#
# The page's key tables are read as key paths (the first column):
# `ttft.{mean,p50}` stands for ttft.mean and ttft.p50; an array of objects
# is NAME[].KEY, its keys from a "### `NAME[]`" table or else from the
# backquoted names of its row's Meaning (text in parentheses left out); an
# object keyed by names from the file or the command line is NAME.*, its
# entries' keys from a "### `NAME`" table whose text says "keyed by", or
# written `NAME.*.KEY` in the table.  The documents are flattened the same
# way: nested objects joined with '.', arrays of objects as NAME[].KEY, the
# names of a documented NAME.* object as '*'.  The keys of each object must
# come in the order of their first rows on the page.
# Environment: SGLSIM (the binary), SRCDIR (the source tree).
. "$(dirname "$0")/tap.sh"

doc=$SRCDIR/doc/json.md

# ---------------------------------------------------------------- sglsim run
# Small runs that write every key: a disaggregated deployment (kv_transfer,
# links[]), a cache-aware router (router.*), and a colocated run with
# --sensitivity (sensitivity, sensitivity_note) -- one document an array,
# the other an object.
cat >"$tmp/sim.sgl" <<'SGL'
import gpus
import models
import links
cluster two { gpu = h100_sxm; gpus_per_node = 8; nodes = 2; inter = ib_ndr }
deployment pd {
  model = llama31_8b
  cluster = two
  mode = disaggregated
  prefill { replicas = 2; tp = 4 }
  decode { replicas = 1; tp = 8; max_running = 64 }
}
deployment ca {
  model = llama31_8b
  gpu = h100_sxm
  replicas = 2
  router { policy = cache_aware; cache_threshold = 0.3 }
}
workload w {
  requests = 40
  seed = 1
  arrival = poisson(20 req/s)
  prompt = lognormal(median = 800 tok, sigma = 0.3)
  output = constant(20 tok)
  prefix { groups = 4; length = 500 tok; share = 0.9 }
  slo { ttft = 1 s; tpot = 50 ms }
}
simulate pd with w
simulate ca with w
SGL
sed '/^simulate pd with w$/d' "$tmp/sim.sgl" >"$tmp/sens.sgl"
check "sglsim run --json: a P/D and a cache-aware run" \
	"$SGLSIM" run "$tmp/sim.sgl" --no-progress --json "$tmp/sim.json"
check "sglsim run --json --sensitivity: a colocated run" \
	"$SGLSIM" run "$tmp/sens.sgl" --no-progress --sensitivity gpu.mem_bw,gpu.flops.bf16,gpu.mem_bw --json "$tmp/sens.json"

# ---------------------------------------------------------------- sglsim optimize
# A ranking and a Pareto front of simulated points (deployment, workload;
# constraints that cut: closest; verify top K: simulated, verified, and
# simulation_error for a point beyond the simulator's limits), then
# formulas only: a Pareto front and an NLopt search (nlopt.*).
cat >"$tmp/opt.sgl" <<'SGL'
import gpus
import models
import metrics
param r in {1, 2, 1000001}
param k in {1, 2}
deployment d { model = llama31_8b; gpu = h100_sxm; replicas = r }
workload w {
  requests = 20
  seed = 1
  arrival = poisson(10 req/s)
  prompt = constant(500 tok)
  output = constant(10 tok)
}
optimize d with w {
  minimize ttft
  subject to k <= 1, total_gpus >= 2
  method = grid
  verify top 2 by simulation
}
optimize d with w {
  minimize ttft
  minimize total_gpus
  subject to k <= 1
  method = pareto
  verify top 3 by simulation
}
SGL
cat >"$tmp/pure.sgl" <<'SGL'
param x in 0 .. 10
param y in {1, 2, 4, 8}
metric f = x * y
metric g = 20 - x - y
optimize {
  maximize f
  maximize g
  subject to x + y <= 12
  method = pareto
}
optimize {
  maximize f
  subject to x + y <= 12
  method = nlopt(algorithm = cobyla)
}
SGL
check "sglsim optimize --json: a ranking and a front of simulated points, verified, one failing" \
	"$SGLSIM" optimize "$tmp/opt.sgl" --no-progress --jobs 1 --json "$tmp/opt.json"
check "sglsim optimize --json: a Pareto front and an NLopt search of formulas" \
	"$SGLSIM" optimize "$tmp/pure.sgl" --no-progress --json "$tmp/pure.json"

# ---------------------------------------------------------------- the comparison
# One python3 run (its start is slow on a loaded machine) writes the
# differences of each comparison to $tmp/res/NAME; empty: none.
if ! command -v python3 >/dev/null 2>&1; then
	ok "doc/json.md against the documents # SKIP python3 missing"
	tap_done
	exit
fi
mkdir "$tmp/res"
python3 - "$doc" "$tmp" >"$tmp/py.log" 2>&1 <<'PY'
import json, re, sys, traceback

docpath, tmp = sys.argv[1], sys.argv[2]
SECTIONS = {"## Keys": "run", "## `sglsim optimize --json`": "optimize"}
FILES = {"run": ["sim.json", "sens.json"], "optimize": ["opt.json", "pure.json"]}


def expand(key):
    """a.{b,c}.d -> [a.b.d, a.c.d], in order; several groups multiply."""
    m = re.search(r"\{([^{}]*)\}", key)
    if not m:
        return [key]
    out = []
    for alt in m.group(1).split(","):
        out += expand(key[:m.start()] + alt.strip() + key[m.end():])
    return out


def strip_parens(text):
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def parse(want):
    """The documented key paths of section WANT, in order, as (key, line)."""
    rows, subs, maps = [], {}, set()
    section, sub, intro, meaning = None, None, "", None
    for no, line in enumerate(open(docpath, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if line.startswith("## "):
            section, sub = SECTIONS.get(line.strip()), None
            continue
        if line.startswith("### "):
            m = re.match(r"### `([^`]+)`\s*$", line)
            sub, intro = (m.group(1) if m else None), ""
            continue
        if section != want:
            continue
        if not line.startswith("|"):
            if sub:
                intro += " " + line
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "Key":
            meaning = cells.index("Meaning") if "Meaning" in cells else None
            continue
        m = re.fullmatch(r"`([^`]+)`", cells[0])
        if not m:
            if not set(cells[0]) <= set("-: "):
                raise ValueError("%s:%d: the first cell is not a `key`: %s" % (docpath, no, cells[0]))
            continue
        text = cells[meaning] if meaning is not None and meaning < len(cells) else ""
        if sub:
            if "keyed by" in intro:
                maps.add(sub)
            subs.setdefault(sub, []).append((m.group(1), no, text))
        else:
            rows.append((m.group(1), no, text))
    keys = []
    for key, no, text in rows:
        for k in expand(key):
            if k in subs:
                head = k + ".*" if k in maps else k
                for sk, sno, _ in subs[k]:
                    keys += [(head + "." + e, sno) for e in expand(sk)]
            elif k.endswith("[]"):
                names = re.findall(r"`([^`]+)`", strip_parens(text))
                if not names:
                    raise ValueError("%s:%d: no keys for %s (no table, none in its Meaning)" % (docpath, no, k))
                keys += [(k + "." + e, no) for e in names]
            else:
                keys.append((k, no))
    if not keys:
        raise ValueError("%s: no key table in the %s section" % (docpath, want))
    return keys


def join(path, key):
    return key if not path else path + "." + key


class Doc:
    def __init__(self, keys):
        self.keys = keys
        self.index = {}
        for i, (k, _) in enumerate(keys):
            self.index.setdefault(k, i)
        # objects keyed by names: a documented path goes on with '.*'
        self.maps = {k[:k.index(".*")] for k, _ in keys if ".*" in k}

    def rank(self, path):
        """The first row documenting PATH or a key inside it; None if none."""
        for i, (k, _) in enumerate(self.keys):
            if k == path or k.startswith(path + "."):
                return i
        return None

    def flatten(self, o, path=""):
        """(path, is_leaf) in document order; empty containers too."""
        if isinstance(o, dict):
            if not o:
                yield path, False
            for k, v in o.items():
                yield from self.flatten(v, join(path, "*" if path in self.maps else k))
        elif isinstance(o, list) and not o:
            yield path + "[]", False
        elif isinstance(o, list) and all(isinstance(e, dict) for e in o):
            for e in o:
                yield from self.flatten(e, path + "[]")
        else:
            yield path, True

    def order(self, o, path, where, errs):
        """Each object's keys in strictly increasing documented rank."""
        if isinstance(o, list):
            for e in o:
                self.order(e, path, where, errs)
            return
        if not isinstance(o, dict):
            return
        prev = None
        for k, v in o.items():
            kp = join(path, "*" if path in self.maps else k)
            vp = kp + "[]" if isinstance(v, list) else kp
            r = self.rank(vp)
            if path not in self.maps and r is not None:
                if prev is not None and r <= prev[0]:
                    errs.append("%s: %s is written after %s but documented before it (json.md:%d, against json.md:%d)"
                                % (where, vp, prev[1], self.keys[r][1], self.keys[prev[0]][1]))
                prev = (r, vp)
            self.order(v, vp, where, errs)


def documents(section):
    out = []
    for f in FILES[section]:
        d = json.load(open(tmp + "/" + f, encoding="utf-8"))
        out += [("%s[%d]" % (f, i), o) for i, o in enumerate(d if isinstance(d, list) else [d])]
    return out


def table(doc, section):
    dup = sorted({k for k, _ in doc.keys if sum(1 for x, _ in doc.keys if x == k) > 1})
    return ["documented twice: " + k for k in dup]


def runs(section):
    """The runs wrote what the comparison needs."""
    d = {w: o for w, o in documents(section)}
    if section == "run":
        assert len(d) == 3, list(d)
        assert d["sim.json[0]"]["links"] and d["sim.json[0]"]["kv_transfer"]["transfers"] > 0, d["sim.json[0]"]
        assert d["sim.json[1]"]["router"]["by_cache"] > 0, d["sim.json[1]"]["router"]
        s = list(d["sens.json[0]"]["sensitivity"])      # in the order given, a repeat in its first place
        assert s == ["gpu.mem_bw", "gpu.flops.bf16"], s
    else:
        assert len(d) == 4, list(d)
        for w in ("opt.json[0]", "opt.json[1]"):
            rows = d[w].get("best", d[w].get("front"))
            assert any("simulation_error" in r for r in rows) and any(r.get("verified") for r in rows), (w, rows)
        assert d["opt.json[0]"]["constraints"][0]["cut"] > 0 and d["pure.json[1]"]["nlopt"], d
    return []


def documented(doc, section):
    errs, seen = [], set()
    for where, o in documents(section):
        for p, leaf in doc.flatten(o):
            ok = p in doc.index if leaf else doc.rank(p) is not None
            if not ok and p not in seen:
                seen.add(p)
                errs.append("%s: %s is written but not documented in doc/json.md" % (where, p))
    return errs


def covered(doc, section):
    written = set()
    for _, o in documents(section):
        written |= {p for p, leaf in doc.flatten(o) if leaf}
    return ["%s is documented (json.md:%d) but no run here writes it" % (k, no)
            for k, no in doc.keys if k not in written]


def order(doc, section):
    errs = []
    for where, o in documents(section):
        doc.order(o, "", where, errs)
    return errs


for section in ("run", "optimize"):
    try:
        doc = Doc(parse(section))
        open("%s/res/%s.keys" % (tmp, section), "w").write("".join("%s\n" % k for k, _ in doc.keys))
    except Exception as e:
        doc, err = None, "%s" % e
    for name, fn in (("table", table), ("runs", runs), ("documented", documented),
                     ("covered", covered), ("order", order)):
        if doc is None and name != "runs":
            errs = [err]
        else:
            try:
                errs = fn(doc, section) if name != "runs" else fn(section)
            except Exception:
                errs = traceback.format_exc().splitlines()
        open("%s/res/%s.%s" % (tmp, section, name), "w").write("".join(e + "\n" for e in errs))
PY
# result NAME RES: passes when $tmp/res/RES is there and empty; its lines
# (what differs) become TAP comments when it fails.
result() {
	if [ -f "$tmp/res/$2" ] && ! [ -s "$tmp/res/$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		if [ -f "$tmp/res/$2" ]; then sed 's/^/# /' "$tmp/res/$2"; else sed 's/^/# /' "$tmp/py.log"; fi
	fi
}
for s in run optimize; do
	nkeys=no
	[ -f "$tmp/res/$s.keys" ] && nkeys=$(wc -l <"$tmp/res/$s.keys" | tr -d ' ')
	result "doc/json.md: the $s keys table reads ($nkeys keys), each key once" "$s.table"
	result "the $s documents hold what the comparison needs" "$s.runs"
	result "every key of sglsim $s --json is documented" "$s.documented"
	result "every documented key of sglsim $s --json is written by a run here" "$s.covered"
	result "sglsim $s --json writes the keys in the documented order" "$s.order"
done

tap_done
