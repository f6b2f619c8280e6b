#!/usr/bin/env python3
"""Border stocks, walk-ups and sector ratios of runs of the built-in scenario.

Reads one or more run directories of `corridor run scenarios/mexico-2023` (daily.csv,
ports.csv, monthly.csv) and prints, per run:
* the people at the border (the 14 border cities with a crossing point, the 14
  ports' locations and their queues, which daily.csv counts apart from the
  population) on 27 Dec 2023 and 31 Mar 2024, and
  Tapachula's population on 15 Mar 2024 (comparisons printed in SOURCES.md, never
  calibration targets);
* walk-ups admitted per month (ports.csv `walk_up`), and for the months the shipped
  CBP file covers the walk-ups it implies (Office of Field Operations encounters
  minus the appointments scheduled: 1,450 a day from 30 Jun 2023, the scenario's
  own figure);
* Border Patrol sector ratios (model / CBP) over Jul-Sep 2023.

Nothing after Sep 2023 is read from CBP data (the shipped file ends there).
Usage: python3 scenarios/tools/mexico_2023_stocks.py RUN_DIR [RUN_DIR ...]
"""

import csv
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "mexico-2023"
DATES = ["2023-12-27", "2024-03-31"]
TAPACHULA_DATE = "2024-03-15"
APPOINTMENTS_PER_DAY = 1450  # from 30 Jun 2023 (scenario.toml)
FIT_MONTHS = ["2023-07", "2023-08", "2023-09"]
DAYS_IN = {"2023-07": 31, "2023-08": 31, "2023-09": 30}


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def border_places():
    cities = {r["border_city"] for r in rows(SCENARIO / "crossings.csv")}
    ports = {r["port"] for r in rows(SCENARIO / "ports.csv")}
    return cities, ports


def observed():
    """CBP encounters per (month, component, area), Jul-Sep 2023, all titles."""
    out = defaultdict(float)
    for r in rows(SCENARIO / "data" / "cbp_monthly_to_2023-09.csv"):
        m = f"{int(r['calendar_year']):04d}-{int(r['month']):02d}"
        if m in FIT_MONTHS:
            out[(m, r["component"], r["area_of_responsibility"])] += float(r["encounters"])
    return out


def report(run: Path, obs):
    cities, ports = border_places()
    daily = rows(run / "daily.csv")
    print(f"== {run}")
    for d in DATES:
        at = [r for r in daily if r["date"] == d]
        city = sum(float(r["population"]) for r in at if r["location"] in cities)
        port = sum(float(r["population"]) for r in at if r["location"] in ports)
        queue = sum(float(r["queue"]) for r in at if r["location"] in ports)
        print(f"{d}: border cities {city:,.0f} + at ports {port:,.0f} + in port queues "
              f"{queue:,.0f} = {city + port + queue:,.0f}")
    tap = [r for r in daily if r["date"] == TAPACHULA_DATE and r["location"] == "Tapachula"]
    if tap:
        print(f"Tapachula {TAPACHULA_DATE}: {float(tap[0]['population']):,.0f}")
    walk = defaultdict(float)
    for r in rows(run / "ports.csv"):
        walk[r["date"][:7]] += float(r["walk_up"])
    ofo = defaultdict(float)
    for (m, comp, _), v in obs.items():
        if comp == "Office of Field Operations":
            ofo[m] += v
    line = []
    for m in sorted(walk):
        implied = (f" / implied {ofo[m] - APPOINTMENTS_PER_DAY * DAYS_IN[m]:,.0f}"
                   if m in ofo else "")
        line.append(f"{m} {walk[m]:,.0f}{implied}")
    print("walk-ups: " + "; ".join(line))
    sim = defaultdict(float)
    for r in rows(run / "monthly.csv"):
        if r["month"] in FIT_MONTHS and r["component"] == "U.S. Border Patrol":
            sim[r["area_of_responsibility"]] += float(r["encounters"])
    usbp = defaultdict(float)
    for (m, comp, area), v in obs.items():
        if comp == "U.S. Border Patrol":
            usbp[area] += v
    ratios = [f"{a.replace(' Sector', '')} {sim[a] / usbp[a]:.2f}" for a in sorted(usbp) if usbp[a] > 0]
    print("USBP sectors Jul-Sep 2023 (model/CBP): " + ", ".join(ratios))


def main(argv):
    if not argv:
        sys.exit(__doc__)
    obs = observed()
    for d in argv:
        report(Path(d), obs)


if __name__ == "__main__":
    main(sys.argv[1:])
