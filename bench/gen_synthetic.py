#!/usr/bin/env python3
"""Generates Flee instance directories for the benchmarks (bench/vs-flee.sh,
bench/memory.sh). Standard library only; the same arguments give the same files.

  gen_synthetic.py large OUT [--locations N] [--people P] [--days D] [--ramp R]
                             [--growth G] [--seed S]
      A random road network of N locations (15 % conflict zones, 10 % camps, the
      rest towns) in a 2,000 km square, each joined to its 3 nearest neighbours
      plus a spanning tree, so the graph is connected. The total series grows
      linearly from 0 to P people over the first R days, then by G × P a day
      (default G = 0.001; 0 keeps the number of people constant); every camp gets a data series (a share of the total) because Flee's
      run.py asks for one per camp. Settings: Flee 3 defaults, awareness 1,
      `sum_from_camps: False` (spawn from the total, as Flee 3.1 always does).
  gen_synthetic.py testpar OUT [--n N] [--per-day K] [--days D]
      Flee's own benchmark shape (flee_benchmark_tests/test_par.py) as a corridor
      instance: Flee's 7-location test graph (test_data/test_input_csv), N people
      at the conflict zone A on day 0 (`initial_idps`) and K more every day
      (conflict-driven spawning, constant mode), for D days. Flee itself runs the
      original graph through `bench/flee_run.py bench`.

  gen_synthetic.py scaled SRC OUT [--people P]
      A copy of the Flee instance SRC with P people (default 10^9) added on day 0
      at its conflict zones (`initial_idps`, split by population): the count
      engine's scale test (`corridor run OUT --engine counts --days 365`).

large and testpar write input_csv/ (with sim_period.csv and its Flee 3.1 name
conflict_period.csv), source_data/ and simsetting.yml.
"""

import argparse
import datetime
import math
import os
import random

START = datetime.date(2020, 1, 1)
HASTEN = 5  # test_par.py's settings (test_data/simsetting.yml)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def period(out, days):
    text = "StartDate,%s\nLength,%d\n" % (START.isoformat(), days)
    write(os.path.join(out, "input_csv", "sim_period.csv"), text)
    write(os.path.join(out, "input_csv", "conflict_period.csv"), text)


def large(a):
    rng = random.Random(a.seed)
    n = a.locations
    pts = [(rng.uniform(0, 2000), rng.uniform(0, 2000)) for _ in range(n)]
    kinds = []
    for i in range(n):
        u = rng.random()
        kinds.append("conflict_zone" if u < 0.15 else "camp" if u < 0.25 else "town")
    kinds[0] = "conflict_zone"
    names = ["L%04d" % i for i in range(n)]
    rows = ["#name,region,country,latitude,longitude,location_type,conflict_date,population"]
    for i in range(n):
        x, y = pts[i]
        country = "Home" if x < 1400 else "Away"
        if kinds[i] == "camp":
            pop = "" if rng.random() < 0.5 else str(int(a.people * rng.uniform(0.02, 0.2)))
            date = ""
        else:
            pop = str(int(math.exp(rng.uniform(math.log(2e3), math.log(2e6)))))
            date = "0"
        rows.append("%s,R%d,%s,%.4f,%.4f,%s,%s,%s" % (
            names[i], i % 20, country, y / 111.0, x / 111.0, kinds[i], date, pop))
    write(os.path.join(a.out, "input_csv", "locations.csv"), "\n".join(rows) + "\n")

    def dist(i, j):
        return math.hypot(pts[i][0] - pts[j][0], pts[i][1] - pts[j][1])

    edges = set()
    # Spanning tree: each location joins its nearest earlier location (connected).
    for i in range(1, n):
        j = min(range(i), key=lambda j: dist(i, j))
        edges.add((min(i, j), max(i, j)))
    # Grid buckets for the 3 nearest neighbours.
    cell = 100.0
    grid = {}
    for i, (x, y) in enumerate(pts):
        grid.setdefault((int(x // cell), int(y // cell)), []).append(i)
    for i, (x, y) in enumerate(pts):
        cx, cy = int(x // cell), int(y // cell)
        near = []
        r = 1
        while len(near) < 4 and r < 25:
            near = [j for dx in range(-r, r + 1) for dy in range(-r, r + 1)
                    for j in grid.get((cx + dx, cy + dy), []) if j != i]
            r += 1
        for j in sorted(near, key=lambda j: dist(i, j))[:3]:
            edges.add((min(i, j), max(i, j)))
    rows = ["#name1,name2,distance,forced_redirection"]
    for i, j in sorted(edges):
        rows.append("%s,%s,%.1f,0" % (names[i], names[j], max(1.0, dist(i, j) * 1.2)))
    write(os.path.join(a.out, "input_csv", "routes.csv"), "\n".join(rows) + "\n")
    write(os.path.join(a.out, "input_csv", "closures.csv"),
          "#closure_type,name1,name2,closure_start,closure_end\n")
    zones = [names[i] for i in range(n) if kinds[i] == "conflict_zone"]
    rows = ["#Day," + ",".join(zones)]
    ones = ",".join("1" for _ in zones)
    rows += ["%d,%s" % (t, ones) for t in range(a.days)]
    write(os.path.join(a.out, "input_csv", "conflicts.csv"), "\n".join(rows) + "\n")
    write(os.path.join(a.out, "input_csv", "registration_corrections.csv"), "")
    period(a.out, a.days)

    def total(t):
        if t <= a.ramp:
            return int(a.people * t / a.ramp)
        return int(a.people * (1 + a.growth * (t - a.ramp)))

    days = sorted(set([0, a.ramp, a.days]))
    series = "".join("%s,%d\n" % ((START + datetime.timedelta(days=t)).isoformat(), total(t))
                     for t in days)
    write(os.path.join(a.out, "source_data", "refugees.csv"), series)
    camps = [names[i] for i in range(n) if kinds[i] == "camp"]
    layout = ["total,refugees.csv"]
    for c in camps:
        share = 1.0 / len(camps)
        text = "".join("%s,%d\n" % ((START + datetime.timedelta(days=t)).isoformat(),
                                     int(total(t) * share)) for t in days)
        write(os.path.join(a.out, "source_data", c + ".csv"), text)
        layout.append("%s,%s.csv" % (c, c))
    write(os.path.join(a.out, "source_data", "data_layout.csv"), "\n".join(layout) + "\n")
    write(os.path.join(a.out, "simsetting.yml"),
          "log_levels:\n  agent: 0\n  link: 0\n  camp: 0\n  init: 0\n  conflict: 0\n"
          "spawn_rules:\n  sum_from_camps: False\n"
          "move_rules:\n  max_move_speed: 200.0\n  awareness_level: 1\n"
          "optimisations:\n  hasten: 1\n")


def testpar(a):
    rows = [
        "#name,region,country,latitude,longitude,location_type,conflict_date,population,initial_idps",
        "A,AB,ABC,1.0,1.0,conflict_zone,0,200000000,%d" % (a.n * HASTEN),
        "B,AB,ABC,1.0,1.0,conflict_zone,10,1000000000,0",
        "C,C,ABC,1.0,1.0,town,0,,0",
        "C2,C,ABC,1.0,1.0,town,0,,0",
        "D,D,DEF,1.0,1.0,camp,,30000,0",
        "E,EF,DEF,1.0,1.0,camp,,20000,0",
        "F,EF,DEF,1.0,1.0,camp,,10000,0",
    ]
    write(os.path.join(a.out, "input_csv", "locations.csv"), "\n".join(rows) + "\n")
    write(os.path.join(a.out, "input_csv", "routes.csv"),
          "#name1,name2,distance,forced_redirection\n"
          "A,B,100,0\nA,C,200,0\nB,C2,75,0\nC,D,150,0\nC,E,180,0\n"
          "C2,C,140,0\nC2,F,250,0\nD,E,40,0\nE,F,310,0\n")
    write(os.path.join(a.out, "input_csv", "closures.csv"),
          "#closure_type,name1,name2,closure_start,closure_end\ncountry,ABC,DEF,5,8\n")
    period(a.out, a.days)
    # corridor asks for a data series per camp (for validation); all zero here.
    zero = "%s,0\n" % START.isoformat()
    layout = "total,refugees.csv\n"
    for c in "DEF":
        write(os.path.join(a.out, "source_data", c + ".csv"), zero)
        layout += "%s,%s.csv\n" % (c, c)
    write(os.path.join(a.out, "source_data", "refugees.csv"), zero)
    write(os.path.join(a.out, "source_data", "data_layout.csv"), layout)
    # Flee's test settings (max_move_speed 360, awareness 1, hasten 5: camp
    # capacities 6,000/4,000/2,000 agents); initial_idps is divided by hasten,
    # so it holds 5 N people; constant conflict-driven spawning at A.
    write(os.path.join(a.out, "simsetting.yml"),
          "log_levels:\n  agent: 0\n"
          "spawn_rules:\n  take_from_population: False\n"
          "  conflict_driven_spawning:\n    spawn_mode: constant\n"
          "    displaced_per_conflict_day: %d\n"
          "move_rules:\n  max_move_speed: 360.0\n  awareness_level: 1\n"
          "optimisations:\n  hasten: %d\n" % (a.per_day, HASTEN))


def scaled(a):
    import csv
    import shutil
    shutil.copytree(a.src, a.out)
    path = os.path.join(a.out, "input_csv", "locations.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [r for r in rows[1:] if r and not r[0].startswith("#")]
    zones = [r for r in body if "conflict" in r[5].lower() and r[6].strip() in ("0", "")]
    total = sum(int(r[7] or 0) for r in zones) or 1
    header = header + ["initial_idps"]
    given = 0
    for i, r in enumerate(body):
        n = 0
        if r in zones:
            n = a.people * int(r[7] or 0) // total
            given += n
        body[i] = r + [str(n)]
    # Rounding: the rest goes to the first zone, so the total is exact.
    first = body.index(next(r for r in body if r[:-1] in zones))
    body[first][-1] = str(int(body[first][-1]) + a.people - given)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header] + body)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    g = sub.add_parser("large")
    g.add_argument("out")
    g.add_argument("--locations", type=int, default=1000)
    g.add_argument("--people", type=int, default=10_000_000)
    g.add_argument("--days", type=int, default=100)
    g.add_argument("--ramp", type=int, default=10)
    g.add_argument("--growth", type=float, default=0.001)
    g.add_argument("--seed", type=int, default=1)
    t = sub.add_parser("testpar")
    t.add_argument("out")
    t.add_argument("--n", type=int, default=500_000)
    t.add_argument("--per-day", type=int, default=10_000)
    t.add_argument("--days", type=int, default=10)
    c = sub.add_parser("scaled")
    c.add_argument("src")
    c.add_argument("out")
    c.add_argument("--people", type=int, default=1_000_000_000)
    a = p.parse_args()
    {"large": large, "testpar": testpar, "scaled": scaled}[a.what](a)


if __name__ == "__main__":
    main()
