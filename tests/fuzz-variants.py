#!/usr/bin/env python3
"""Fuzzes variant files (`--variant-file`, what the what-if page saves): bad
levers must never crash corridor.

Writes a random variant file of one to four events for the built-in scenario or
examples/variants: every action of docs/scenario-format.md §7 with names taken
from the scenario's own tables (or a name it lacks), values from the edges (0,
1000, 1e308, -1, NaN, 4294967296, ...), dates before the start, inside the run,
after its end or impossible, `until` before or after the date, keys of another
action, a missing `name`. Then runs a 60-day `corridor run` on both engines and,
one case in five, a 2-member `corridor forecast` with the file. Any exit other
than 0 or 2, or a panic message, is reported and the file kept under
OUT/foundN. Runs over 60 s are reported as TIMEOUT.

Not a CI test (it is random and open-ended): a tool for hardening rounds.

    python3 tests/fuzz-variants.py [SEED] [SECONDS] [BIN] [OUT]
    (defaults: 1, 300, target/release/corridor, /tmp/corridor-fuzz-variants)
"""
import csv
import datetime
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
OUT = sys.argv[4] if len(sys.argv) > 4 else "/tmp/corridor-fuzz-variants"
random.seed(seed)


def column(path, name):
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in f if not r.lstrip().startswith("#")]
    return [r[name] for r in csv.DictReader(rows) if r.get(name)]


def scenario(dir, start, caravans):
    t = lambda f: os.path.join(dir, f)
    exists = lambda f: os.path.exists(t(f))
    return {
        "dir": dir,
        "start": start,
        "locations": column(t("locations.csv"), "name"),
        "ports": column(t("ports.csv"), "port") if exists("ports.csv") else [],
        "checkpoints": column(t("checkpoints.csv"), "name") if exists("checkpoints.csv") else [],
        "crossings": column(t("crossings.csv"), "border_city") if exists("crossings.csv") else [],
        "routes": list(zip(column(t("routes.csv"), "from"), column(t("routes.csv"), "to"))),
        "caravans": caravans,
    }


SCENARIOS = [
    scenario(os.path.join(ROOT, "scenarios/mexico-2023"), "2023-06-01",
             ["exodo-de-la-pobreza", "caravan-32"]),
    scenario(os.path.join(ROOT, "examples/variants"), "2023-12-01", []),
]
NUMBERS = ["0", "1", "0.5", "1000", "1001", "-1", "-0", "1e308", "-1e308", "nan", "inf",
           "4294967296", "18446744073709551616", "1e-320", '"x"', "true", "[]", "2.5"]
BOOLS = ["true", "false", "1", '"yes"']


def day(s):
    """A date string near the scenario's period, or something that is not one."""
    y, m, d = map(int, s["start"].split("-"))
    r = random.random()
    if r < 0.04:
        return random.choice(['"2023-02-30"', '"0000-01-01"', '"9999-12-31"', '"yesterday"',
                              "20230601", '""'])
    if r < 0.07:
        return f'"{y - 1}-{m:02d}-{d:02d}"'
    if r < 0.10:
        return f'"{y + 2}-{m:02d}-{d:02d}"'
    # Inside the first 60 days.
    t = datetime.date(y, m, d) + datetime.timedelta(days=random.randrange(60))
    return f'"{t.isoformat()}"'


def name(items, fallback="Nowhere"):
    if not items or random.random() < 0.05:
        return f'"{random.choice([fallback, "", "ü" * 300])}"'
    return '"' + random.choice(items).replace('"', '\\"') + '"'


VALID = {
    "p": ["0", "0.01", "0.3", "0.999", "1"],
    "factor": ["0", "0.5", "1", "3", "1000"],
    "people": ["0", "1", "250", "5000", "1e6"],
    "days": ["0", "1", "14", "3650"],
}


def num(kind="people"):
    """A valid value of `kind` three times in four, else an edge case."""
    if random.random() < 0.75:
        return random.choice(VALID[kind])
    return random.choice(NUMBERS)


def event(s):
    a = random.choice([
        "open_port", "close_port", "set_port_capacity", "set_walk_ups",
        "set_appointments_per_day", "set_request_probability", "set_allocation",
        "set_lead_days", "set_checkpoint_probability", "set_crossing_hazard",
        "close_link", "open_link", "set_inflow_scale", "set_shelter_capacity", "relocate",
        "scale_checkpoint_probability", "scale_crossing_hazard", "scale_inflow",
        "scale_request_probability", "scale_port_capacity", "hold_port_closed",
        "set_caravan", "set_eligible", "set_appointment_shares", "no_such_action",
    ])
    keys = {"date": day(s), "action": f'"{a}"'}
    port = lambda: name(s["ports"])
    if a in ("open_port", "close_port"):
        keys["port"] = port()
    elif a == "set_port_capacity":
        keys.update(port=port(), capacity_per_day=num())
    elif a == "set_walk_ups":
        keys.update(port=port(), walk_ups=random.choice(BOOLS))
    elif a == "set_appointments_per_day":
        keys["per_day"] = num()
    elif a == "set_request_probability":
        keys["request_probability"] = num("p")
    elif a == "set_allocation":
        keys["allocation"] = random.choice(['"fifo"', '"lottery"', '"mixed"', '"x"'])
        if random.random() < 0.6:
            keys["fifo_share"] = num("p")
    elif a == "set_lead_days":
        keys["lead_days"] = num("days")
    elif a == "set_checkpoint_probability":
        keys.update(checkpoint=name(s["checkpoints"]), probability=num("p"))
    elif a == "set_crossing_hazard":
        keys.update(crossing=name(s["crossings"]), hazard=num("p"))
    elif a in ("close_link", "open_link"):
        f, t = random.choice(s["routes"])
        keys.update(**{"from": f'"{f}"', "to": name([t])})
    elif a == "set_inflow_scale":
        keys["scale"] = num("factor")
        if random.random() < 0.5:
            keys["inflow"] = name(s["locations"])
    elif a == "set_shelter_capacity":
        keys.update(location=name(s["locations"]), shelter_capacity=num())
    elif a == "relocate":
        keys.update(**{"from": name(s["locations"]), "to": name(s["locations"]),
                       "people": num(), "delay_days": num("days")})
    elif a.startswith("scale_"):
        keys["factor"] = num("factor")
        target = {"scale_checkpoint_probability": ("checkpoint", s["checkpoints"]),
                  "scale_crossing_hazard": ("crossing", s["crossings"]),
                  "scale_inflow": ("inflow", s["locations"]),
                  "scale_port_capacity": ("port", s["ports"])}.get(a)
        if target and random.random() < 0.6:
            keys[target[0]] = name(target[1])
    elif a == "hold_port_closed":
        if random.random() < 0.6:
            keys["port"] = port()
        if random.random() < 0.3:
            keys["closed"] = random.choice(BOOLS)
    elif a == "set_caravan":
        keys["caravan"] = name(s["caravans"], "no-caravan")
        if random.random() < 0.5:
            keys["enabled"] = random.choice(BOOLS)
        if random.random() < 0.6:
            keys["size"] = num()
    elif a == "set_eligible":
        keys["eligible"] = random.choice(["[]", "[" + name(s["locations"]) + "]", '"x"'])
    elif a == "set_appointment_shares":
        keys["shares"] = "{ " + name(s["ports"]) + " = " + num("p") + " }"
    if a.startswith(("scale_", "hold_")) and random.random() < 0.5:
        keys["until"] = day(s)
    if random.random() < 0.05:
        keys[random.choice(["factor", "port", "people", "until_day", "day"])] = num()
    if random.random() < 0.03:
        del keys["date"]
    return keys


def variant_file(s):
    lines = []
    if random.random() > 0.03:
        lines.append(f'name = "fuzz-{random.randrange(10**6)}"')
    for _ in range(random.choice([1, 1, 2, 3])):
        lines.append("[[events]]")
        lines += [f"{k} = {v}" for k, v in event(s).items()]
    return "\n".join(lines) + "\n"


def run(args):
    try:
        p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "TIMEOUT", ""
    return p.returncode, p.stderr


work = os.path.join(OUT, "work")
os.makedirs(work, exist_ok=True)
start, cases, found = time.time(), 0, 0
codes = {}
while time.time() - start < seconds:
    s = random.choice(SCENARIOS)
    f = os.path.join(work, "levers.toml")
    text = variant_file(s)
    with open(f, "w", encoding="utf-8") as fh:
        fh.write(text)
    runs = [["run", s["dir"], "--days", "60", "--engine", e, "--quiet", "--variant-file", f,
             "--out", os.path.join(work, "out")] for e in ("agents", "counts")]
    if random.random() < 0.2:
        origin = s["start"][:8] + "20"
        runs.append(["forecast", s["dir"], "--origin", origin, "--runs", "2", "--quiet",
                     "--variant-file", f, "--out", os.path.join(work, "fc")])
    for args in runs:
        code, err = run(args)
        codes[code] = codes.get(code, 0) + 1
        bad = code not in (0, 2) or "panicked" in err or "RUST_BACKTRACE" in err
        if bad:
            found += 1
            keep = os.path.join(OUT, f"found{found}")
            os.makedirs(keep, exist_ok=True)
            shutil.copy(f, os.path.join(keep, "levers.toml"))
            with open(os.path.join(keep, "what.txt"), "w", encoding="utf-8") as fh:
                fh.write(f"{' '.join(args)}\nexit {code}\n{err}\n")
            print(f"FOUND {found}: exit {code}: {' '.join(args[:2])} {err.strip()[:300]}")
            break
    cases += 1
print(f"{cases} variant files, exits {codes}, {found} found ({time.time() - start:.0f} s)")
