"""Tests of the corridor Python package (python/corridor): frames equal the CLI's
files for the same seed, scenarios built from frames run like files on disk,
errors carry file, line and field, and the Parquet run directories match.

The CLI binary is `$CORRIDOR_BIN`, else target/release/corridor (built by
`cargo build --release -p corridor-cli`, as .ci/run does before these tests);
a missing binary fails the tests that compare with it, it never skips them.
"""

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

import corridor

REPO = Path(__file__).resolve().parents[2]
MALI = REPO / "tests" / "data" / "flee" / "mali2012"
PORT_CLOSURE = REPO / "examples" / "port-closure"
VARIANTS = REPO / "examples" / "variants"


def cli(*args):
    exe = Path(os.environ.get("CORRIDOR_BIN", REPO / "target" / "release" / "corridor"))
    assert exe.is_file(), f"{exe}: build it with `cargo build --release -p corridor-cli` or set CORRIDOR_BIN"
    subprocess.run([str(exe), *map(str, args), "--quiet"], check=True, cwd=REPO)


def test_same_seed_gives_the_cli_files(tmp_path):
    r = corridor.run(MALI, seed=3, days=25)
    cli("run", MALI, "--seed", 3, "--days", 25, "--out", tmp_path / "cli")
    # Every frame holds the values of the CLI's file.
    for table in ["daily", "out", "observed"]:
        expected = pd.read_csv(tmp_path / "cli" / f"{table}.csv")
        got = r.table(table)
        assert list(got.columns) == list(expected.columns)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert r.ports is None and r.monthly is None  # a Flee instance has no ports
    assert r.summary == __import__("json").loads((tmp_path / "cli" / "summary.json").read_text())
    # Run.write writes the same directory, byte for byte.
    written = r.write(tmp_path / "py")
    assert sorted(written) == sorted(p.name for p in (tmp_path / "cli").iterdir())
    for name in written:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name


def test_other_seed_differs_and_same_seed_repeats():
    a = corridor.run(MALI, seed=3, days=15).daily
    b = corridor.run(MALI, seed=3, days=15).daily
    c = corridor.run(MALI, seed=4, days=15).daily
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_parquet_directories_match_the_cli(tmp_path):
    r = corridor.run(PORT_CLOSURE)
    cli("run", PORT_CLOSURE, "--format", "parquet", "--out", tmp_path / "cli")
    written = r.write(tmp_path / "py", format="parquet")
    assert "ports.parquet" in written and "ports.csv" not in written
    for name in written:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    # The Parquet table holds typed columns with the frame's values.
    t = pq.read_table(tmp_path / "cli" / "ports.parquet")
    assert str(t.schema.field("admitted").type) == "int64"
    assert str(t.schema.field("mean_wait_days").type) == "double"
    pd.testing.assert_frame_equal(t.to_pandas(), r.ports)
    # `corridor report` redraws the page from Parquet tables alone.
    (tmp_path / "cli" / "report.html").unlink()
    cli("report", tmp_path / "cli")
    assert (tmp_path / "cli" / "report.html").read_bytes() == (tmp_path / "py" / "report.html").read_bytes()


def test_port_closure_admits_nobody_while_closed():
    # examples/port-closure: 100 a day, closed on days 3, 4 and 5 (its scenario.toml).
    ports = corridor.run(PORT_CLOSURE).ports
    assert ports["admitted"].tolist() == [100, 100, 100, 0, 0, 0, 100, 100]
    assert ports["open"].tolist() == [1, 1, 1, 0, 0, 0, 1, 1]


def test_polars_frames_equal_pandas_frames():
    r = corridor.run(PORT_CLOSURE, frames="polars")
    assert isinstance(r.daily, pl.DataFrame)
    pd.testing.assert_frame_equal(r.daily.to_pandas(), r.table("daily", "pandas"))
    assert set(r.to_polars()) == {"daily", "ports", "monthly"}


def test_scenario_from_frames_runs_like_its_files(tmp_path):
    tables = {t: pd.read_csv(PORT_CLOSURE / f"{t}.csv", comment="#") for t in ["locations", "routes", "ports"]}
    events = [
        {"date": "2023-12-04", "action": "close_port", "port": "Lukeville"},
        {"day": 6, "action": "open_port", "port": "Lukeville"},
    ]
    s = corridor.Scenario.from_frames(
        tables["locations"], tables["routes"], ports=tables["ports"],
        name="port-closure", start_date="2023-12-01", days=8, events=events,
    )
    disk = corridor.run(PORT_CLOSURE)
    mem = corridor.run(s)
    pd.testing.assert_frame_equal(mem.daily, disk.daily)
    pd.testing.assert_frame_equal(mem.ports, disk.ports)
    # to_dir / load round-trip: the files on disk read back as the same scenario.
    s.to_dir(tmp_path / "sc")
    again = corridor.Scenario.load(tmp_path / "sc")
    assert again.kind == "scenario" and again.name == "port-closure"
    pd.testing.assert_frame_equal(corridor.run(again).daily, mem.daily)
    # A loaded scenario round-trips too (all its files, not just the tables).
    loaded = corridor.Scenario.load(VARIANTS)
    loaded.to_dir(tmp_path / "v")
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == sorted(loaded.files)
    a = corridor.run(loaded, days=20, variant=loaded.variants[-1]).ports
    b = corridor.run(tmp_path / "v", days=20, variant=loaded.variants[-1]).ports
    pd.testing.assert_frame_equal(a, b)


def test_errors_carry_file_line_and_field():
    locations = pd.read_csv(PORT_CLOSURE / "locations.csv", comment="#").astype({"population": object})
    locations.loc[0, "population"] = "many"
    routes = pd.read_csv(PORT_CLOSURE / "routes.csv", comment="#")
    with pytest.raises(corridor.InputError) as e:
        corridor.Scenario.from_frames(locations, routes, start_date="2023-12-01", days=3)
    assert e.value.file == "locations.csv"
    assert e.value.line == 2  # the header is line 1
    assert e.value.field == "population"
    assert "many" in str(e.value)
    assert isinstance(e.value, corridor.CorridorError)
    with pytest.raises(corridor.InputError, match="no such file"):
        corridor.run(REPO / "no-such-dir")
    with pytest.raises(corridor.InputError, match="unknown engine"):
        corridor.run(PORT_CLOSURE, engine="quantum")
    with pytest.raises(corridor.InputError) as e:
        corridor.run(PORT_CLOSURE, variant="nope")
    assert e.value.file is None


def test_runs_in_threads_give_the_serial_results():
    serial = [corridor.run(MALI, seed=s, days=10).daily for s in (1, 2, 3)]
    got = {}

    def work(s):
        got[s] = corridor.run(MALI, seed=s, days=10).daily

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s, expected in zip((1, 2, 3), serial):
        pd.testing.assert_frame_equal(got[s], expected)


def test_ensemble_and_compare_write_the_cli_directories(tmp_path):
    e = corridor.ensemble(PORT_CLOSURE, runs=3, seed=5, out=tmp_path / "ens")
    cli("ensemble", PORT_CLOSURE, "--runs", 3, "--seed", 5, "--out", tmp_path / "ens-cli")
    for name in e.files:
        assert (tmp_path / "ens" / name).read_bytes() == (tmp_path / "ens-cli" / name).read_bytes(), name
    assert e.daily_stats is not None and len(e.daily_stats) > 0
    # The defaults are the command line's: the fastest engine whose law matches.
    assert json.loads((tmp_path / "ens" / "summary.json").read_text())["engine"] == "counts"
    c = corridor.compare(VARIANTS, runs=2, days=20, out=tmp_path / "cmp")
    assert c.variants == corridor.load(VARIANTS).variants
    k = c.key_numbers()
    assert list(dict.fromkeys(k["variant"])) == c.variants and "admitted" in k.columns
    assert len(k) == 2 * len(c.variants)


def test_ensemble_and_compare_in_parquet_match_the_cli(tmp_path):
    e = corridor.ensemble(PORT_CLOSURE, runs=2, seed=5, out=tmp_path / "ens", format="parquet")
    cli("ensemble", PORT_CLOSURE, "--runs", 2, "--seed", 5, "--format", "parquet", "--out", tmp_path / "ens-cli")
    assert "daily_stats.parquet" in e.files and "daily_stats.csv" not in e.files
    for name in e.files:
        assert (tmp_path / "ens" / name).read_bytes() == (tmp_path / "ens-cli" / name).read_bytes(), name
    # The frames read from Parquet hold the CSV directory's values, typed.
    corridor.ensemble(PORT_CLOSURE, runs=2, seed=5, out=tmp_path / "ens-csv")
    for t in ["daily_stats", "ports_stats", "totals_stats", "monthly_stats"]:
        expected = pd.read_csv(tmp_path / "ens-csv" / f"{t}.csv")
        pd.testing.assert_frame_equal(e.table(t), expected, check_dtype=False)
    assert str(pq.read_table(tmp_path / "ens" / "ports_stats.parquet").schema.field("p50").type) == "double"
    # compare: every variant's directory in Parquet (ensembles of 2 members here).
    c = corridor.compare(VARIANTS, runs=2, days=20, out=tmp_path / "cmp", format="both")
    cli("compare", VARIANTS, "--runs", 2, "--days", 20, "--format", "both",
        "--out", tmp_path / "cmp-cli")
    for v in c.data["variants"]:
        d = tmp_path / "cmp" / v["dir"]
        assert (d / "daily_stats.csv").is_file() and (d / "daily_stats.parquet").is_file()
        for f in d.iterdir():
            if f.name != "report.html":
                assert f.read_bytes() == (tmp_path / "cmp-cli" / v["dir"] / f.name).read_bytes(), f
    assert (tmp_path / "cmp" / "compare.json").read_bytes() == (tmp_path / "cmp-cli" / "compare.json").read_bytes()
    with pytest.raises(corridor.InputError, match="csv, parquet or both"):
        corridor.ensemble(PORT_CLOSURE, runs=1, out=tmp_path / "x", format="xlsx")


def test_forecast_gives_the_cli_files_and_frames(tmp_path):
    f = corridor.forecast(MALI, origin="2012-05-30", horizon=10, runs=6)
    assert f.dir is None and f.unit == "days" and f.origin == "2012-05-30"
    cli("forecast", MALI, "--origin", "2012-05-30", "--horizon", 10, "--runs", 6, "--out", tmp_path / "cli")
    assert f.csv() == (tmp_path / "cli" / "forecast.csv").read_bytes()
    pd.testing.assert_frame_equal(f.table, pd.read_csv(tmp_path / "cli" / "forecast.csv"), check_dtype=False)
    assert f.summary == __import__("json").loads((tmp_path / "cli" / "summary.json").read_text())
    # write() writes the directory the command writes, byte for byte.
    f.write(tmp_path / "py")
    for name in ["forecast.csv", "summary.json", "report.html"]:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    # Observations and nowcast end on or before the origin; the forecast starts after it.
    assert f.observed["period"].max() <= "2012-05-30"
    assert f.nowcast["period"].max() <= "2012-05-30"
    assert f.table["date"].min() == "2012-05-31"
    assert (f.table["p5"] <= f.table["p50"]).all() and (f.table["p50"] <= f.table["p95"]).all()
    assert len(f.ess) > 0 and set(f.ess.columns) == {"period", "ess", "resampled"}
    assert isinstance(corridor.forecast(MALI, origin="2012-05-30", horizon=3, runs=2, frames="polars").table,
                      pl.DataFrame)
    # observed=: newer data in the layout of source_data/ (here a copy of the
    # instance's own, so the same forecast), listed among the inputs.
    shutil.copytree(MALI / "source_data", tmp_path / "newer")
    g = corridor.forecast(MALI, origin="2012-05-30", horizon=10, runs=6, observed=tmp_path / "newer")
    assert g.csv() == f.csv()
    assert str(tmp_path / "newer" / "data_layout.csv") in [i["path"] for i in g.summary["inputs"]]


def test_forecast_of_a_scenario_per_area_and_its_errors(tmp_path):
    f = corridor.forecast(None, origin="2023-08-31", runs=6, out=tmp_path / "fc")
    t = f.table
    assert list(t.columns) == ["month", "component", "area_of_responsibility", "mean", "p5", "p50", "p95"]
    assert set(t["month"]) == {"2023-09"}
    assert (tmp_path / "fc" / "report.html").is_file()
    with pytest.raises(corridor.InputError, match="not a date"):
        corridor.forecast(MALI, origin="2012-13-01")
    with pytest.raises(corridor.InputError, match="needs an origin"):
        corridor.forecast(MALI)


def test_backtest_scores_per_horizon(tmp_path):
    b = corridor.backtest(MALI, origins=("2012-04-30", "2012-05-30"), every=30, horizons=[10, 20], runs=4)
    assert list(b["horizon"]) == [10, 20]
    assert (b["outcomes"] > 0).all()
    assert ((b["coverage"] >= 0) & (b["coverage"] <= 1)).all()
    assert (b["mae_ratio"] > 0).all()
    # out= writes the directory the command writes, byte for byte; outcomes.csv
    # holds every outcome the frame counts.
    corridor.backtest(MALI, origins=("2012-04-30", "2012-05-30"), every=30, horizons=[10, 20],
                      runs=4, out=tmp_path / "py")
    cli("backtest", MALI, "--origins", "2012-04-30..2012-05-30", "--every", 30, "--horizon", "10,20",
        "--runs", 4, "--out", tmp_path / "cli")
    for name in ["skill.csv", "outcomes.csv", "summary.json", "corridor-manifest.json"]:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    outcomes = corridor.read_table(tmp_path / "py" / "outcomes.csv")
    assert len(outcomes) == b["outcomes"].sum()


def test_numpy_values_in_settings_are_numbers():
    # A SALib or numpy design hands numpy scalars to Scenario.from_frames.
    import numpy as np

    tables = {t: pd.read_csv(PORT_CLOSURE / f"{t}.csv", comment="#") for t in ["locations", "routes", "ports"]}

    def daily(speed, days):
        s = corridor.Scenario.from_frames(
            tables["locations"], tables["routes"], ports=tables["ports"], start_date="2023-12-01",
            days=days, rules={"move_rules.max_move_speed": speed})
        return corridor.run(s).daily

    pd.testing.assert_frame_equal(daily(np.float64(120.5), np.int64(6)), daily(120.5, 6))
    assert "max_move_speed = 120.5" in corridor.Scenario.from_frames(
        tables["locations"], tables["routes"], ports=tables["ports"], start_date="2023-12-01", days=np.int64(3),
        rules={"move_rules.max_move_speed": np.float64(120.5)})._files["scenario.toml"].decode()


def test_variant_files_run_as_on_the_command_line(tmp_path):
    levers = tmp_path / "levers.toml"
    levers.write_text(
        'name = "levers"\n[[events]]\ndate = "2023-12-05"\n'
        'action = "scale_checkpoint_probability"\nfactor = 0.5\n'
    )
    r = corridor.run(VARIANTS, days=20, variant_file=levers)
    assert r.variant == "levers"
    cli("run", VARIANTS, "--days", 20, "--variant-file", levers, "--out", tmp_path / "cli")
    written = r.write(tmp_path / "py")
    for name in written:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    # The scenario itself is unchanged; compare adds the file's variant to those listed.
    base = corridor.load(VARIANTS)
    with_levers, name = base.with_variant_file(levers)
    assert name == "levers" and with_levers.variants == base.variants + ["levers"]
    assert "levers" not in base.variants
    first = corridor.load(VARIANTS).variants[0]
    c = corridor.compare(VARIANTS, variants=[first], runs=2, days=20, variant_file=levers,
                         out=tmp_path / "cmp")
    assert c.variants == [first, "levers"]
    e = corridor.ensemble(VARIANTS, runs=2, days=20, variant_file=levers, out=tmp_path / "ens")
    assert json.loads((tmp_path / "ens" / "summary.json").read_text())["variant"] == "levers"
    levers.write_text('name = "levers"\n[[events]]\ndate = "2023-12-05"\naction = "nope"\n')
    with pytest.raises(corridor.InputError, match="levers.toml"):
        corridor.run(VARIANTS, days=20, variant_file=levers)
