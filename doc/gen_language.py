#!/usr/bin/env python3
"""gen_language.py TEMPLATE OUTPUT -- expand doc/language.md.in into
doc/language.md, running sglsim for every table and output shown, so the
reference shows what the current build really prints.

  @@TABLE name            -> <!-- BEGIN name --> `sglsim doc name` <!-- END name -->
  @@EXAMPLE kind file.sgl -> a ```kind block; the text up to @@END is also
                             written to file.sgl in a scratch folder
  @@OUTPUT cmd            -> a plain ``` block: "$ cmd" and its output
                             (stdout and stderr, as on a terminal), run in
                             the scratch folder

Environment: SGLSIM, the binary (default: ./sglsim).  `make doc` runs this;
tests/doc_examples.sh checks that doc/language.md is up to date.
"""
import os
import shutil
import subprocess
import sys
import tempfile

SGLSIM = os.path.abspath(os.environ.get("SGLSIM", "sglsim"))


def main(template, output):
    src = open(template).read().split("\n")
    out = []
    work = tempfile.mkdtemp()
    bindir = tempfile.mkdtemp()
    os.symlink(SGLSIM, os.path.join(bindir, "sglsim"))
    env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"])
    env.pop("SGLSIM_PATH", None)
    i = 0
    while i < len(src):
        line = src[i]
        if line.startswith("@@TABLE "):
            name = line.split()[1]
            text = subprocess.run([SGLSIM, "doc", name], capture_output=True,
                                  text=True, check=True).stdout
            out.append(f"<!-- BEGIN {name} -->")
            out.extend(text[:-1].split("\n"))
            out.append(f"<!-- END {name} -->")
        elif line.startswith("@@EXAMPLE "):
            _, kind, fname = line.split()
            body = []
            i += 1
            while src[i] != "@@END":
                body.append(src[i])
                i += 1
            path = os.path.join(work, fname)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("\n".join(body) + "\n")
            out.append("```" + kind)
            out.extend(body)
            out.append("```")
        elif line.startswith("@@OUTPUT "):
            cmd = line[len("@@OUTPUT "):]
            shell = cmd if "2>" in cmd else cmd + " 2>&1"
            r = subprocess.run(["stdbuf", "-oL", "-eL", "sh", "-c", shell],
                               cwd=work, env=env, capture_output=True, text=True)
            text = r.stdout.rstrip("\n")
            out.append("```")
            out.append("$ " + cmd)
            if text:
                out.append(text)
            out.append("```")
        else:
            out.append(line)
        i += 1
    with open(output, "w") as f:
        f.write("\n".join(out))
    shutil.rmtree(work)
    shutil.rmtree(bindir)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: gen_language.py TEMPLATE OUTPUT")
    main(sys.argv[1], sys.argv[2])
