"""corridor from Python: run Flee instances and corridor scenarios, get the
results as pandas (or polars) DataFrames.

This package wraps the corridor library API (the Rust crate ``corridor``, see
docs/library.md) through its native module ``corridor._corridor``; it holds no
model logic of its own. Every table is the CSV the ``corridor`` command writes
for the same input, request and seed, encoded as Parquet and read through Arrow
(pyarrow), so a frame holds exactly the values of the command's file.

    import corridor
    r = corridor.run("tests/data/flee/mali2012", seed=1)
    r.daily          # pandas DataFrame, daily.csv
    r.out            # Flee's out.csv
    r.summary        # summary.json as a dict
    r.write("runs/mali-1")          # the run directory the CLI writes

Errors are :class:`CorridorError` (and its subclass :class:`InputError` when the
input or the request is at fault) with ``file``, ``line`` and ``field``
attributes when a reader found the problem. The GIL is released while
simulating. docs/python.md walks through a session.
"""

from __future__ import annotations

import io
import json
import numbers
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _corridor
from ._corridor import CorridorError, InputError

__all__ = [
    "CorridorError",
    "InputError",
    "Scenario",
    "Run",
    "Ensemble",
    "Comparison",
    "Forecast",
    "load",
    "run",
    "ensemble",
    "compare",
    "forecast",
    "backtest",
    "read_table",
]

__version__ = _corridor.__version__

#: The tables of a run directory, by attribute name.
RUN_TABLES = ("daily", "ports", "monthly", "out", "observed")
#: The tables of an ensemble directory (``<name>_stats.csv``).
ENSEMBLE_TABLES = ("daily_stats", "ports_stats", "monthly_stats", "totals_stats", "observed")
FRAMES = ("pandas", "polars")

PathLike = Union[str, "os.PathLike[str]"]


def _check_frames(frames: str) -> str:
    if frames not in FRAMES:
        raise ValueError(f"frames must be 'pandas' or 'polars', not {frames!r}")
    return frames


def _arrow_table_from_parquet(data: bytes):
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data))


def _frame(table, frames: str):
    """An Arrow table as a pandas or polars frame."""
    if frames == "polars":
        import polars as pl

        return pl.from_arrow(table)
    return table.to_pandas()


def read_table(path: PathLike, frames: str = "pandas"):
    """One table of a run or ensemble directory, ``.csv`` or ``.parquet``, as a
    frame read through Arrow (the CSV with every column's type inferred by pyarrow,
    the Parquet file with its stored types)."""
    _check_frames(frames)
    p = Path(path)
    if p.suffix == ".parquet":
        import pyarrow.parquet as pq

        return _frame(pq.read_table(p), frames)
    import pyarrow.csv as pacsv

    return _frame(pacsv.read_csv(p), frames)


class Scenario:
    """An input ready to run: a Flee instance, a corridor scenario, or the
    built-in scenario, held with the text of its files so that it can be written
    back (:meth:`to_dir`)."""

    def __init__(self, native: "_corridor.Input", files: Optional[Dict[str, bytes]] = None):
        self._native = native
        self._files = dict(files or {})

    # --- construction -------------------------------------------------------
    @classmethod
    def load(cls, path: Optional[PathLike] = None) -> "Scenario":
        """Reads a Flee instance directory, a ``scenario.toml`` (or a directory
        holding one), or the built-in scenario when ``path`` is None."""
        native = _corridor.load(None if path is None else os.fspath(path))
        files: Dict[str, bytes] = {}
        if path is not None:
            p = Path(path)
            # Input paths are relative to the instance directory or to the
            # scenario file's directory.
            base = p if p.is_dir() else p.parent
            for rel, _sha in native.inputs:
                f = base / rel
                if f.is_file():
                    files[rel] = f.read_bytes()
        return cls(native, files)

    @classmethod
    def from_frames(
        cls,
        locations,
        routes,
        *,
        name: str = "scenario",
        start_date: str,
        days: int,
        seed: Optional[int] = None,
        ports=None,
        checkpoints=None,
        inflows=None,
        crossings=None,
        observations=None,
        events: Sequence[Mapping[str, Any]] = (),
        variants: Sequence[Mapping[str, Any]] = (),
        rules: Optional[Mapping[str, Any]] = None,
        extra_toml: str = "",
        **settings: Any,
    ) -> "Scenario":
        """Builds a corridor scenario in memory from DataFrames (pandas or
        polars), one per table of docs/scenario-format.md, with the columns the
        CSV files have. Flee settings go in the ``[rules]`` table by their
        simsetting.yml names: ``rules={"move_rules.max_move_speed": 200}``, or
        as keywords with ``__`` for the dot (``move_rules__max_move_speed=200``).
        ``events`` and ``variants`` are lists of dicts as in ``[[events]]`` and
        ``[[variants]]``; ``extra_toml`` is appended to scenario.toml as it is
        (e.g. an ``[appointments]`` table). The scenario is read by the same
        reader as files on disk, so errors name the table (``locations.csv``),
        line and field."""
        all_rules = dict(rules or {})
        all_rules.update({k.replace("__", "."): v for k, v in settings.items()})
        tables = {
            "locations": locations,
            "routes": routes,
            "ports": ports,
            "checkpoints": checkpoints,
            "inflows": inflows,
            "crossings": crossings,
            "observations": observations,
        }
        files: Dict[str, bytes] = {}
        for key, df in tables.items():
            if df is not None:
                files[f"{key}.csv"] = _csv_bytes(df)
        toml = _scenario_toml(name, start_date, days, seed, [k for k in tables if tables[k] is not None],
                              all_rules, events, variants)
        if extra_toml:
            toml += "\n" + extra_toml.strip("\n") + "\n"
        files["scenario.toml"] = toml.encode()
        native = _corridor.load_text(
            "scenario.toml", toml, {k: v.decode() for k, v in files.items() if k != "scenario.toml"}
        )
        return cls(native, files)

    def to_dir(self, path: PathLike) -> Path:
        """Writes the scenario's files into ``path`` (created if missing), so that
        ``Scenario.load(path)`` reads the same scenario back. The built-in
        scenario has no files here: load it from ``scenarios/mexico-2023``."""
        if not self._files:
            raise CorridorError(f"{self.source}: no files to write (the built-in scenario)")
        out = Path(path)
        outside = [rel for rel in self._files if Path(rel).is_absolute() or ".." in Path(rel).parts]
        if outside:
            raise CorridorError(
                f"{self.source}: files outside the scenario's folder ({', '.join(outside)}); "
                "copy the folders it refers to instead"
            )
        for rel, data in self._files.items():
            f = out / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(data)
        return out

    # --- what it is ---------------------------------------------------------
    @property
    def name(self) -> str:
        return self._native.name

    @property
    def kind(self) -> str:
        """``flee`` or ``scenario``."""
        return self._native.kind

    @property
    def seed(self) -> Optional[int]:
        return self._native.seed

    @property
    def start_date(self) -> str:
        return self._native.start_date

    @property
    def variants(self) -> List[str]:
        return self._native.variants

    @property
    def warnings(self) -> List[str]:
        return self._native.warnings

    @property
    def source(self) -> str:
        return self._native.source

    @property
    def files(self) -> List[str]:
        """The scenario's files, relative to its directory."""
        return list(self._files)

    def with_variant_file(
        self, path: PathLike, on_top_of: Optional[str] = None
    ) -> Tuple["Scenario", str]:
        """This scenario with the variant of a variant file added (as the
        what-if page's "Save as variant" writes it; on top of the variant
        ``on_top_of`` when given), and the added variant's name. Every value is
        read against this scenario as ``--variant-file`` reads it (a bad one
        raises :class:`InputError` naming the file and line); this scenario is
        unchanged."""
        native, name = self._native.with_variant_file(os.fspath(path), on_top_of)
        return Scenario(native, self._files), name

    def check(self) -> str:
        """The check report, as ``corridor check`` prints it."""
        return self._native.check()

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, kind={self.kind!r})"


def _csv_bytes(df) -> bytes:
    """A pandas or polars frame as CSV bytes (header, no index)."""
    if hasattr(df, "write_csv"):  # polars
        return df.write_csv().encode()
    return df.to_csv(index=False, lineterminator="\n").encode()


def _toml_value(v: Any) -> str:
    # numpy scalars (a SALib or numpy design's values) count as Python numbers:
    # numpy 2's repr (``np.float64(0.5)``) is not TOML.
    if isinstance(v, bool) or getattr(getattr(v, "dtype", None), "kind", None) == "b":
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        return repr(float(v))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(str(v))  # a TOML basic string is a JSON string


def _toml_table(header: str, items: Mapping[str, Any]) -> List[str]:
    lines = [header]
    for k, v in items.items():
        if isinstance(v, Mapping) or (isinstance(v, (list, tuple)) and v and isinstance(v[0], Mapping)):
            continue
        lines.append(f"{k} = {_toml_value(v)}")
    return lines


def _scenario_toml(name, start_date, days, seed, tables, settings, events, variants) -> str:
    lines = [f"name = {_toml_value(name)}", f"start_date = {_toml_value(start_date)}", f"days = {int(days)}"]
    if seed is not None:
        lines.append(f"seed = {int(seed)}")
    if settings:
        lines += [""] + _toml_table("[rules]", settings)
    lines += ["", "[tables]"] + [f'{t} = "{t}.csv"' for t in tables]
    for e in events:
        lines += [""] + _toml_table("[[events]]", e)
    for v in variants:
        lines += [""] + _toml_table("[[variants]]", v)
        for e in v.get("events", ()):
            lines += [""] + _toml_table("[[variants.events]]", e)
    return "\n".join(lines) + "\n"


def load(path: Optional[PathLike] = None) -> Scenario:
    """:meth:`Scenario.load`."""
    return Scenario.load(path)


def _input(input: Union[None, PathLike, Scenario]) -> Scenario:
    if isinstance(input, Scenario):
        return input
    return Scenario.load(input)


def _with_variant_file(
    s: Scenario, variant: Optional[str], variant_file: Optional[PathLike]
) -> Tuple[Scenario, Optional[str]]:
    """``s`` with the variant of ``variant_file`` added (on top of ``variant``
    when given) and the variant to run; ``s`` and ``variant`` as they are
    without a file."""
    if variant_file is None:
        return s, variant
    return s.with_variant_file(variant_file, variant)


class Run:
    """One simulation: its tables as frames, its summary, and :meth:`write` to put
    the run directory on disk. Tables absent from the run (``ports`` for a Flee
    instance, ``out`` for a scenario) are None."""

    def __init__(self, native: "_corridor.Run", scenario: Scenario, frames: str):
        self._native = native
        self.scenario = scenario
        self.frames = frames
        self._cache: Dict[str, Any] = {}

    def arrow(self, table: str):
        """A table as a ``pyarrow.Table`` (None when the run has no such table)."""
        if table not in RUN_TABLES:
            raise ValueError(f"unknown table {table!r}: expected one of {', '.join(RUN_TABLES)}")
        key = "arrow:" + table
        if key not in self._cache:
            data = self._native.parquet(table)
            self._cache[key] = None if data is None else _arrow_table_from_parquet(data)
        return self._cache[key]

    def table(self, table: str, frames: Optional[str] = None):
        """A table as a frame of ``frames`` (default: the run's, ``pandas``)."""
        frames = _check_frames(frames or self.frames)
        t = self.arrow(table)
        return None if t is None else _frame(t, frames)

    daily = property(lambda self: self.table("daily"), doc="daily.csv: one row per day per location")
    ports = property(lambda self: self.table("ports"), doc="ports.csv: one row per day per port")
    monthly = property(lambda self: self.table("monthly"), doc="monthly.csv: encounters per month, CBP's names")
    out = property(lambda self: self.table("out"), doc="out.csv in Flee's format (Flee instances)")
    observed = property(lambda self: self.table("observed"), doc="observed.csv: observed camp counts")

    def to_polars(self) -> Dict[str, Any]:
        """Every table this run has, as polars frames, by name."""
        return {t: self.table(t, "polars") for t in RUN_TABLES if self.arrow(t) is not None}

    @property
    def summary(self) -> Dict[str, Any]:
        """summary.json as a dict."""
        return json.loads(self._native.file("summary.json"))

    @property
    def network(self) -> Dict[str, Any]:
        """network.json as a dict."""
        return json.loads(self._native.file("network.json"))

    @property
    def seed(self) -> int:
        return self._native.seed

    @property
    def variant(self) -> Optional[str]:
        return self._native.variant

    @property
    def days(self) -> int:
        return self._native.days

    @property
    def warnings(self) -> List[str]:
        return self._native.warnings

    @property
    def files(self) -> List[str]:
        """The run directory's files (report.html is drawn by :meth:`write`)."""
        return self._native.file_names()

    def file(self, name: str) -> Optional[bytes]:
        """A file's bytes as the CLI writes it (``daily.csv``, ``summary.json``, ...)."""
        return self._native.file(name)

    def write(self, dir: PathLike, format: str = "csv") -> List[str]:
        """Writes the run directory the ``corridor run`` command writes (tables as
        ``csv``, ``parquet`` or ``both``, then report.html); returns the file names."""
        return self._native.write(os.fspath(dir), format)

    def __str__(self) -> str:
        return self._native.summary_line()

    def __repr__(self) -> str:
        return f"<corridor.Run {self._native.summary_line()}>"


def run(
    input: Union[None, PathLike, Scenario] = None,
    seed: Optional[int] = None,
    days: Optional[int] = None,
    variant: Optional[str] = None,
    engine: str = "agents",
    frames: str = "pandas",
    variant_file: Optional[PathLike] = None,
) -> Run:
    """Runs ``input`` (a path, a :class:`Scenario`, or None for the built-in
    scenario) once. ``seed`` None: the scenario's seed, else 1; ``days`` None: the
    scenario's own period; ``engine``: ``agents`` or ``counts``; ``variant_file``:
    a variant in a file of its own (as the what-if page saves it; with
    ``variant``, its events on top of that variant's), as ``--variant-file``.
    Nothing is written until :meth:`Run.write`."""
    s, variant = _with_variant_file(_input(input), variant, variant_file)
    native = _corridor.run(s._native, seed=seed, days=days, variant=variant, engine=engine)
    return Run(native, s, _check_frames(frames))


class _Directory:
    """Tables of a directory the library wrote, read lazily through Arrow."""

    _tables: Sequence[str] = ()

    def __init__(self, dir: str, files: Iterable[str], frames: str):
        self.dir = Path(dir)
        self.files = list(files)
        self.frames = frames

    def table(self, table: str, frames: Optional[str] = None):
        frames = _check_frames(frames or self.frames)
        for ext in (".csv", ".parquet"):
            p = self.dir / f"{table}{ext}"
            if p.is_file():
                return read_table(p, frames)
        return None

    @property
    def summary(self) -> Dict[str, Any]:
        return json.loads((self.dir / "summary.json").read_text())


class Ensemble(_Directory):
    """An ensemble directory: ``daily_stats``, ``ports_stats``, ``monthly_stats``,
    ``totals_stats`` (quantiles over members) as frames, and the summary."""

    daily_stats = property(lambda self: self.table("daily_stats"))
    ports_stats = property(lambda self: self.table("ports_stats"))
    monthly_stats = property(lambda self: self.table("monthly_stats"))
    totals_stats = property(lambda self: self.table("totals_stats"))
    observed = property(lambda self: self.table("observed"))

    def to_polars(self) -> Dict[str, Any]:
        return {t: self.table(t, "polars") for t in ENSEMBLE_TABLES if self.table(t) is not None}

    def __repr__(self) -> str:
        return f"<corridor.Ensemble {self.dir}>"


def ensemble(
    input: Union[None, PathLike, Scenario] = None,
    runs: int = 100,
    seed: Optional[int] = None,
    days: Optional[int] = None,
    variant: Optional[str] = None,
    engine: str = "auto",
    out: Optional[PathLike] = None,
    frames: str = "pandas",
    format: str = "csv",
    variant_file: Optional[PathLike] = None,
) -> Ensemble:
    """Runs ``runs`` members (member seeds derived from ``seed``) and writes the
    ensemble directory ``corridor ensemble`` writes (``out``, default
    ``corridor-out/<name>[-<variant>]-ensemble``), its tables as ``csv``,
    ``parquet`` or ``both``. ``engine``: ``auto`` (the default, as on the command
    line: the count engine wherever its law matches the input, else the agent
    engine), ``agents`` or ``counts``; summary.json names the engine used.
    ``variant_file`` as for :func:`run`."""
    s, variant = _with_variant_file(_input(input), variant, variant_file)
    d, files = _corridor.ensemble(
        s._native, runs, seed=seed, days=days, variant=variant, engine=engine,
        out=None if out is None else os.fspath(out), format=format,
    )
    return Ensemble(d, files, _check_frames(frames))


class Comparison:
    """Policy variants side by side: compare.json as :attr:`data` and the key
    numbers (people) of every variant and member as a frame (:meth:`key_numbers`)."""

    def __init__(self, dir: str, data: Dict[str, Any], key_rows: List[Dict[str, Any]]):
        self.dir = Path(dir)
        self.data = data
        self._rows = key_rows

    @property
    def variants(self) -> List[str]:
        return [v["name"] for v in self.data.get("variants", [])]

    def key_numbers(self, frames: str = "pandas"):
        """One row per variant and member: ``variant``, ``member`` and the key
        numbers (``admitted``, ``encountered``, ``mean_wait_days``, ...)."""
        import pyarrow as pa

        return _frame(pa.Table.from_pylist(self._rows), _check_frames(frames))

    def __repr__(self) -> str:
        return f"<corridor.Comparison {self.dir} ({', '.join(self.variants)})>"


def compare(
    input: Union[None, PathLike, Scenario] = None,
    variants: Sequence[str] = (),
    runs: int = 20,
    seed: Optional[int] = None,
    days: Optional[int] = None,
    engine: str = "auto",
    out: Optional[PathLike] = None,
    format: str = "csv",
    variant_file: Optional[PathLike] = None,
) -> Comparison:
    """Runs policy variants (all, in file order, when ``variants`` is empty) with
    the same seed and writes the directory ``corridor compare`` writes, each
    variant's tables as ``csv``, ``parquet`` or ``both``. Defaults as on the
    command line: ``runs`` 20 members per variant, ``engine`` ``auto``.
    ``variant_file``: a variant in a file of its own, compared too (added to
    ``variants`` when they are listed), as ``--variant-file``."""
    s, added = _with_variant_file(_input(input), None, variant_file)
    variants = list(variants)
    if added is not None and variants:
        variants.append(added)
    d, text, rows = _corridor.compare(
        s._native, variants, runs=runs, seed=seed, days=days, engine=engine,
        out=None if out is None else os.fspath(out), format=format,
    )
    return Comparison(d, json.loads(text), json.loads(rows))


class Forecast:
    """A forecast (docs/forecast.md): :attr:`table` is forecast.csv as a frame
    (one row per observed series and period after the origin: ``mean``, ``p5``,
    ``p50``, ``p95``, people), :attr:`summary` summary.json as a dict,
    :attr:`observed` and :attr:`nowcast` the observations used and the filtered
    members up to the origin, :attr:`ess` the effective sample size over time.
    :meth:`write` writes the directory ``corridor forecast`` writes."""

    def __init__(self, native: "_corridor.Forecast", frames: str, dir: Optional[str] = None):
        self._native = native
        self.frames = frames
        #: Where it was written (None until :meth:`write`, or ``out=`` given).
        self.dir = None if dir is None else Path(dir)
        self._data = json.loads(native.json())

    @property
    def table(self):
        """forecast.csv as a frame (typed through Arrow like a run's tables)."""
        return _frame(_arrow_table_from_parquet(self._native.parquet()), self.frames)

    def csv(self) -> bytes:
        """forecast.csv's bytes, as ``corridor forecast`` writes them."""
        return self._native.csv()

    @property
    def summary(self) -> Dict[str, Any]:
        """summary.json as a dict."""
        return json.loads(self._native.summary_json())

    @property
    def origin(self) -> str:
        """The origin, ``YYYY-MM-DD``."""
        return self.summary["origin"]

    @property
    def unit(self) -> str:
        """``months`` (scenarios) or ``days`` (Flee instances)."""
        return self._data["unit"]

    def _rows(self, key: str):
        import pyarrow as pa

        rows = []
        for sf in self._data["series"]:
            for item in sf[key]:
                row = {"component": sf["component"], "series": sf["name"]}
                if key == "observed":
                    row.update(period=item[0], observed=item[1])
                else:
                    row.update(item)
                rows.append(row)
        return _frame(pa.Table.from_pylist(rows), self.frames)

    @property
    def observed(self):
        """The observations the forecast used: ``component``, ``series``,
        ``period``, ``observed`` (people)."""
        return self._rows("observed")

    @property
    def nowcast(self):
        """The members up to the origin after filtering: ``component``,
        ``series``, ``period``, ``mean``, ``p5``, ``p50``, ``p95`` (people)."""
        return self._rows("nowcast")

    @property
    def ess(self):
        """Effective sample size after weighting at each observation time."""
        import pyarrow as pa

        return _frame(pa.Table.from_pylist(self._data["ess"]), self.frames)

    def write(self, dir: Optional[PathLike] = None) -> Path:
        """Writes forecast.csv, nowcast.csv, summary.json and report.html (and the manifest) into ``dir``
        (default ``corridor-out/<scenario>[-<variant>]-forecast-<origin>``)."""
        self.dir = Path(self._native.write(None if dir is None else os.fspath(dir)))
        return self.dir

    def __repr__(self) -> str:
        d = self._data
        return (f"<corridor.Forecast {self.summary['scenario']} from {self.origin}, "
                f"{d['horizon']} {d['unit']}, {d['members']} members>")


def forecast(
    input: Union[None, PathLike, Scenario] = None,
    origin: Optional[str] = None,
    observed: Optional[PathLike] = None,
    horizon: Optional[int] = None,
    runs: int = 50,
    seed: Optional[int] = None,
    variant: Optional[str] = None,
    out: Optional[PathLike] = None,
    frames: str = "pandas",
    variant_file: Optional[PathLike] = None,
) -> Forecast:
    """Conditions count-engine members on what was observed up to ``origin``
    (``YYYY-MM-DD``) and forecasts the ``horizon`` months (scenarios, default 1)
    or days (Flee instances, default 30) after it, as ``corridor forecast`` does.
    ``observed``: a CBP monthly file instead of the scenario's own (for a Flee
    instance: a directory in the layout of its ``source_data/``); ``variant``:
    a variant whose events (all after the origin) are added; ``variant_file`` as
    for :func:`run`, its events after the origin too. Nothing is written
    unless ``out`` is given (or :meth:`Forecast.write` is called)."""
    if origin is None:
        raise InputError("a forecast needs an origin (origin='YYYY-MM-DD')")
    s, variant = _with_variant_file(_input(input), variant, variant_file)
    native = _corridor.forecast(
        s._native, str(origin), observed=None if observed is None else os.fspath(observed),
        horizon=horizon, runs=runs, seed=seed, variant=variant,
    )
    f = Forecast(native, _check_frames(frames))
    if out is not None:
        f.write(out)
    return f


def backtest(
    input: Union[None, PathLike, Scenario] = None,
    origins: Optional[Sequence[str]] = None,
    every: int = 1,
    horizons: Sequence[int] = (),
    runs: int = 50,
    seed: Optional[int] = None,
    observed: Optional[PathLike] = None,
    frames: str = "pandas",
    out: Optional[PathLike] = None,
):
    """Forecasts from the origins ``origins[0]``, ``+ every``, ... up to
    ``origins[1]`` (months for scenarios, days for Flee instances) and scores
    them, as ``corridor backtest`` does (``observed`` as for :func:`forecast`).
    Returns one row per horizon:
    ``mae_ratio`` (to persistence), ``seasonal_mae_ratio``, ``plain_mae_ratio``,
    ``crps``, ``persistence_crps``, ``coverage`` (of the p5–p95 band), ``outcomes``.
    With ``out``, also writes the directory ``corridor backtest`` writes there
    (skill.csv, outcomes.csv with every scored outcome, summary.json)."""
    if origins is None or len(origins) != 2:
        raise InputError("a backtest needs origins=(FIRST, LAST), each YYYY-MM-DD")
    import pyarrow as pa

    s = _input(input)
    b = json.loads(_corridor.backtest(
        s._native, str(origins[0]), str(origins[1]), every, horizons=list(horizons), runs=runs,
        seed=seed, observed=None if observed is None else os.fspath(observed),
        out=None if out is None else os.fspath(out),
    ))
    return _frame(pa.Table.from_pylist(b["skill"]), _check_frames(frames))
