#!/usr/bin/env python3
"""Fuzzes newer observations (`--observed`): a damaged CBP monthly file (e.g. a
newer download from CBP's site) or a damaged copy of a Flee instance's
`source_data/` must never crash `corridor forecast` or `corridor backtest`.

Damages the built-in scenario's CBP monthly file, or (four cases in ten) one or
two files of mali2012's source_data/ (its data_layout.csv or a camp's series),
one to three times each (a cell replaced by an edge value, a row deleted or
duplicated, a header name changed, the file cut short, a bit flipped), then runs
a 2-member `corridor forecast` from a random origin or (three cases in ten) a
2-member `corridor backtest` with it. Any exit other than 0 or 2, or a panic
message, is reported and the damaged file or directory kept as OUT/foundN.

Not a CI test (it is random and open-ended): a tool for hardening rounds.

    python3 tests/fuzz-observed.py [SEED] [SECONDS] [BIN] [OUT]
    (defaults: 1, 300, target/release/corridor, /tmp/corridor-fuzz-observed)
"""
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
OUT = sys.argv[4] if len(sys.argv) > 4 else "/tmp/corridor-fuzz-observed"
random.seed(seed)
SOURCE = os.path.join(ROOT, "scenarios/mexico-2023/data/cbp_monthly_to_2023-09.csv")
MALI = os.path.join(ROOT, "tests/data/flee/mali2012")
CELLS = [b"", b"-1", b"0", b"1e308", b"nan", b"inf", b"99999999999999999999", b"1.5", b"x",
         b'"', b",", b"13", b"2023", b"9999", b"-5", b"\xff", b"4294967296"]
HEADERS = [b"encounters", b"month", b"component", b"area_of_responsibility", b"calendar_year",
           b"total", b"refugees.csv", b"2012-"]


def damage(lines):
    lines = list(lines)
    for _ in range(random.randint(1, 3)):
        if len(lines) < 3:  # cut short already: nothing left to pick inside
            break
        r, i = random.random(), random.randrange(1, len(lines) - 1)
        if r < 0.6:
            cells = lines[i].split(b",")
            if len(cells) > 1:
                cells[random.randrange(len(cells))] = random.choice(CELLS)
                lines[i] = b",".join(cells)
        elif r < 0.7:
            del lines[i]
        elif r < 0.8:
            lines.insert(i, lines[i])
        elif r < 0.85:
            lines[0] = lines[0].replace(random.choice(HEADERS), b"x")
        elif r < 0.9:
            lines = lines[:i]
        elif lines[i]:
            b = bytearray(lines[i])
            b[random.randrange(len(b))] ^= 1 << random.randrange(8)
            lines[i] = bytes(b)
    return lines


os.makedirs(OUT, exist_ok=True)
work = os.path.join(OUT, "work")
os.makedirs(work, exist_ok=True)
lines = open(SOURCE, "rb").read().split(b"\n")
observed = os.path.join(work, "observed.csv")
flee_data = os.path.join(work, "source_data")
start, n, found, codes = time.time(), 0, 0, {}
while time.time() - start < seconds:
    flee = random.random() < 0.4
    if flee:
        shutil.rmtree(flee_data, ignore_errors=True)
        shutil.copytree(os.path.join(MALI, "source_data"), flee_data)
        names = sorted(os.listdir(flee_data))
        for name in random.sample(names, random.randint(1, 2)):
            path = os.path.join(flee_data, name)
            data = open(path, "rb").read().split(b"\n")
            if len(data) > 2:
                with open(path, "wb") as f:
                    f.write(b"\n".join(damage(data)))
        given, inp = flee_data, [MALI]
        if random.random() < 0.3:
            args = ["backtest", *inp, "--origins", "2012-04-30..2012-05-30", "--every", "30",
                    "--horizon", "10"]
        else:
            args = ["forecast", *inp, "--origin", random.choice(["2012-04-30", "2012-06-30"]),
                    "--horizon", "10"]
    else:
        with open(observed, "wb") as f:
            f.write(b"\n".join(damage(lines)))
        given = observed
        if random.random() < 0.3:
            args = ["backtest", "--origins", "2023-07-31..2023-08-31", "--every", "1"]
        else:
            args = ["forecast", "--origin", random.choice(["2023-07-31", "2023-08-31", "2023-09-30"])]
    args = [BIN, *args, "--runs", "2", "--quiet", "--observed", given,
            "--out", os.path.join(work, "out")]
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
        code, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        code, err = "TIMEOUT", ""
    codes[code] = codes.get(code, 0) + 1
    if code not in (0, 2) or "panicked" in err:
        found += 1
        keep = os.path.join(OUT, f"found{found}")
        if flee:
            shutil.copytree(given, keep)
        else:
            shutil.copy(given, keep + ".csv")
        print(f"FOUND {found}: {args[1]} exit {code}: {err.strip()[:300]}", flush=True)
    n += 1
print(f"{n} damaged inputs, exits {codes}, {found} found ({time.time() - start:.0f} s)")
