#!/usr/bin/env python3
"""Fuzzes scenario values: bad input must never crash corridor.

Copies a random scenario (examples/, scenarios/mexico-2023 or a Flee instance in
tests/data/flee), replaces one CSV cell or TOML value with an extreme (1e308,
4294967296, NaN, an empty field, ...) or duplicates or deletes a row, or (a
quarter of the cases) damages a file's bytes (truncation, NUL, BOM, CR line ends,
bit flips, invalid UTF-8, a 200 kB line, columns added or dropped), then runs
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


# A quarter of the cases damage a file's bytes instead of one value: truncation,
# a NUL, a byte-order mark, CR or CRLF line ends, a flipped bit, invalid UTF-8, a
# 200 kB line, a column added or dropped, swapped or blank lines, a stray quote.
BYTES_SHARE = 0.25


def mutate_bytes(b):
    op = random.choice(["truncate", "nul", "bom", "crlf", "cr", "flip", "insert", "utf8",
                        "long line", "add column", "drop column", "swap lines", "blank line",
                        "quote"])
    if not b:
        return b"\x00", op
    i = random.randrange(len(b))
    if op == "truncate":
        return b[:i], op
    if op == "nul":
        return b[:i] + b"\x00" + b[i:], op
    if op == "bom":
        return b"\xef\xbb\xbf" + b, op
    if op == "crlf":
        return b.replace(b"\n", b"\r\n"), op
    if op == "cr":
        return b.replace(b"\n", b"\r"), op
    if op == "flip":
        return b[:i] + bytes([b[i] ^ (1 << random.randrange(8))]) + b[i + 1:], op
    if op == "insert":
        return b[:i] + random.choice([b",", b"\n", b'"', b"#", b" ", b"-", b"e", b"."]) + b[i:], op
    if op == "utf8":
        return b[:i] + b"\xff\xfe" + b[i:], op
    if op == "long line":
        return b[:i] + b"9" * 200000 + b[i:], op
    lines = b.split(b"\n")
    j = random.randrange(len(lines))
    if op == "add column":
        lines[j] += b"," + lines[j].split(b",")[-1]
    elif op == "drop column":
        lines[j] = b",".join(lines[j].split(b",")[:-1])
    elif op == "swap lines":
        k = random.randrange(len(lines))
        lines[j], lines[k] = lines[k], lines[j]
    elif op == "blank line":
        lines.insert(j, b"")
    else:
        lines[j] = b'"' + lines[j]
    return b"\n".join(lines), op


def mutate_value(f):
    """One extreme value, or a repeated or deleted row: (line from 1, note), or None."""
    lines = open(f, encoding="utf-8", errors="replace").read().split("\n")
    if len(lines) < 2:
        return None
    i = random.randrange(len(lines))
    kind = random.random()
    if f.endswith(".toml"):
        if "=" not in lines[i]:
            return None
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
    return i + 1, note


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
    if random.random() < BYTES_SHARE:
        data, note = mutate_bytes(open(f, "rb").read())
        open(f, "wb").write(data)
        i = "-"
    else:
        mutated = mutate_value(f)
        if mutated is None:
            continue
        i, note = mutated
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
