#!/usr/bin/env python3
"""Minimal drivers for Flee 3.1 (the `flee` package on PyPI), for bench/vs-flee.sh.

The PyPI package ships the library but not Flee's `runscripts/run.py` nor the
benchmark `flee_benchmark_tests/test_par.py`, so this file re-creates both loops
with the package's own API, call for call:

  flee_run.py instance INPUT_CSV SOURCE_DATA DAYS SIMSETTING_YML > out.csv
      = runscripts/run.py (v3.1): conflict zones, spawning from the data,
        closures, evolve, one out.csv row per day. DAYS <= 0 uses
        conflict_period.csv (v3.1 reads that name; vs-flee.sh copies
        sim_period.csv to it).
  flee_run.py bench INPUT_CSV N PER_DAY DAYS SIMSETTING_YML
      = test_par.py (serial): N agents at the conflict zones, then PER_DAY
        more each day before evolve, for DAYS days; prints one line per day.

Run it from the instance directory: Flee 3.1 reads demographics_*.csv from
./input_csv relative to the working directory. Writes nothing but stdout
(and Flee's own stderr chatter).
"""

import os
import sys
import time

from flee import InputGeography, flee, spawning
from flee.datamanager import DataTable, handle_refugee_data, read_period
import flee.postprocessing.analysis as a

SS = flee.SimulationSettings


def geography(input_csv, conflicts):
    SS.ConflictInputFile = conflicts
    e = flee.Ecosystem()
    ig = InputGeography.InputGeography()
    if conflicts:
        ig.ReadConflictInputCSV(conflicts)
    ig.ReadLocationsFromCSV(os.path.join(input_csv, "locations.csv"))
    ig.ReadLinksFromCSV(os.path.join(input_csv, "routes.csv"))
    closures = os.path.join(input_csv, "closures.csv")
    if os.path.exists(closures):
        ig.ReadClosuresFromCSV(closures)
    e, lm = ig.StoreInputGeographyInEcosystem(e)
    return e, lm, ig


def run_instance(input_csv, source_data, days, yml):
    SS.ReadFromYML(yml)
    start_date, end_time = read_period.read_conflict_period(
        os.path.join(input_csv, "conflict_period.csv"))
    if days > 0:
        end_time = days
    e, lm, ig = geography(input_csv, os.path.join(input_csv, "conflicts.csv"))
    d = handle_refugee_data.RefugeeTable(
        csvformat="generic", data_directory=source_data, start_date=start_date,
        data_layout="data_layout.csv",
        population_scaledown_factor=SS.optimisations["PopulationScaleDownFactor"])
    corrections = os.path.join(input_csv, "registration_corrections.csv")
    if os.path.exists(corrections):
        d.ReadL1Corrections(corrections)

    camp_locations = e.get_camp_names()
    header = "Day,Date,"
    for l in camp_locations:
        spawning.add_initial_refugees(e, d, lm[l])
        header += "%s sim,%s data,%s error," % (lm[l].name, lm[l].name, lm[l].name)
    header += ("Total error,refugees in camps (UNHCR),total refugees (simulation),"
               "raw UNHCR refugee count,refugees in camps (simulation),refugee_debt")
    print(header)

    for t in range(0, end_time):
        ig.AddNewConflictZones(e, t)
        new_refs, refugees_raw, refugee_debt = spawning.spawn_daily_displaced(e, t, d)
        spawning.refresh_spawn_weights(e)
        e.enact_border_closures(t)
        e.evolve()

        errors, abs_errors, loc_data, camps = [], [], [], []
        for i in camp_locations:
            camps.append(lm[i])
            loc_data.append(d.get_field(i, t))
        in_camps = sum(c.numAgents for c in camps)
        out = "%s,%s" % (t, DataTable.steps_to_date(t, start_date))
        for j, i in enumerate(camp_locations):
            errors.append(a.rel_error(lm[i].numAgents, loc_data[j]))
            abs_errors.append(a.abs_error(lm[i].numAgents, loc_data[j]))
            out += ",%s,%s,%s" % (lm[i].numAgents, loc_data[j], errors[-1])
        if refugees_raw > 0:
            out += ",%s,%s,%s,%s,%s,%s" % (
                float(sum(abs_errors)) / float(refugees_raw), int(sum(loc_data)),
                e.numAgents(), refugees_raw, in_camps, refugee_debt)
        else:
            out += ",0,0,0,0,0,0"
        print(out)


def run_bench(input_csv, n, per_day, days, yml):
    SS.ReadFromYML(yml)
    t0 = time.monotonic()
    e, lm, ig = geography(input_csv, "")
    ig.AddNewConflictZones(e, 0)
    spawning.refresh_spawn_weights(e)
    spawning.spawn_agents(e, n)
    t1 = time.monotonic()
    for t in range(days):
        if t > 0:
            ig.AddNewConflictZones(e, t)
        spawning.spawn_agents(e, per_day)
        spawning.refresh_spawn_weights(e)
        e.enact_border_closures(t)
        e.evolve()
        print("day %d agents %d camps %s" % (t, e.numAgents(), ",".join(
            "%s=%d" % (c, lm[c].numAgents) for c in e.get_camp_names())))
    t2 = time.monotonic()
    print("init %.2f s, main loop %.2f s" % (t1 - t0, t2 - t1), file=sys.stderr)


def main(argv):
    if len(argv) == 6 and argv[1] == "instance":
        run_instance(argv[2], argv[3], int(argv[4]), argv[5])
    elif len(argv) == 7 and argv[1] == "bench":
        run_bench(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), argv[6])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
