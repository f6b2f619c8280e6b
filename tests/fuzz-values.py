#!/usr/bin/env python3
"""Fuzzes scenario values: bad input must never crash corridor.

Copies a random scenario (examples/, scenarios/mexico-2023 or a Flee instance in
tests/data/flee), replaces one CSV cell or TOML value with an extreme (1e308,
4294967296, NaN, an empty field, ...) or duplicates or deletes a row, then runs
`corridor check` and a 40-day `corridor run` on both engines. Any exit other than
0 or 2, or a panic message, is reported and the input kept under OUT/foundN.
Runs over 60 s are reported as TIMEOUT (a big but valid run, or a bug).

Not a CI test (it is random and open-ended): a tool for hardening rounds.

    python3 tests/fuzz-values.py [SEED] [SECONDS] [BIN] [OUT]
    (defaults: 1, 300, target/release/corridor, /tmp/corridor-fuzz)
"""
import glob
import os
import random
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 300
BIN = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "target/release/corridor")
OUT = sys.argv[4] if len(sys.argv) > 4 else "/tmp/corridor-fuzz"

random.seed(seed)
roots = sorted(glob.glob(os.path.join(ROOT, "examples/*")))
roots.append(os.path.join(ROOT, "scenarios/mexico-2023"))
roots += sorted(d for d in glob.glob(os.path.join(ROOT, "tests/data/flee/*")) if os.path.isdir(d))
CELLS = ["", "-1", "0", "1e308", "-1e308", "nan", "NaN", "inf", "-inf",
         "99999999999999999999", "1.5", "-0", "x", '"', ",", "2023-02-30",
         "0000-01-01", "9999-12-31", "1e-320", "4294967296",
         "18446744073709551616", " ", "\u00e9", "true", "3,4"]
VALUES = ["-1", "0", "1e308", "nan", "inf", "-inf", "99999999999999999999", '"x"',
          '""', "1.5", "[]", '"2023-02-30"', '"9999-12-31"', "4294967296", "-0.5"]

os.makedirs(OUT, exist_ok=True)
work = os.path.join(OUT, "w")
deadline = time.time() + seconds
runs = found = 0
while time.time() < deadline:
    root = random.choice(roots)
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(root, work)
    files = [f for f in glob.glob(work + "/**/*", recursive=True)
             if os.path.isfile(f) and f.endswith((".csv", ".toml", ".yml", ".yaml"))]
    f = random.choice(files)
    lines = open(f, encoding="utf-8", errors="replace").read().split("\n")
    if len(lines) < 2:
        continue
    i = random.randrange(len(lines))
    kind = random.random()
    if f.endswith(".toml"):
        if "=" not in lines[i]:
            continue
        lines[i] = lines[i].split("=")[0] + "= " + random.choice(VALUES)
        note = lines[i]
    elif kind < 0.7:
        cells = lines[i].split(",")
        cells[random.randrange(len(cells))] = random.choice(CELLS)
        lines[i] = ",".join(cells)
        note = lines[i]
    elif kind < 0.85:
        note = "(repeated) " + lines[i]
        lines.insert(random.randrange(len(lines)), lines[i])
    else:
        note = "(deleted) " + lines[i]
        del lines[i]
    open(f, "w").write("\n".join(lines))
    out_dir = os.path.join(OUT, "out")
    for cmd in ([BIN, "check", work],
                [BIN, "run", work, "--days", "40", "--out", out_dir, "-q"],
                [BIN, "run", work, "--days", "40", "--engine", "counts", "--out", out_dir, "-q"]):
        shutil.rmtree(out_dir, ignore_errors=True)
        what = f"{os.path.relpath(root, ROOT)} {os.path.relpath(f, work)} line {i}: {note[:100]!r} {' '.join(cmd[1:2] + cmd[3:])}"
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            print("TIMEOUT", what, flush=True)
            break
        runs += 1
        if p.returncode not in (0, 2) or "panicked" in p.stderr:
            found += 1
            keep = os.path.join(OUT, f"found{found}")
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(work, keep)
            print("FOUND", p.returncode, what, "->", keep, flush=True)
            print("   ", "\n    ".join(p.stderr.strip().splitlines()[:3]), flush=True)
            break
        if p.returncode == 2:
            break
print(f"{runs} runs, {found} found", flush=True)
