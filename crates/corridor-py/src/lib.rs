//! `corridor._corridor`: the native module of the Python package (python/). It is
//! a thin front end of the library API (`crates/corridor`, docs/library.md):
//! each function converts its arguments, calls one library operation with the
//! GIL released, and hands back library results — rendered files as bytes, JSON as
//! text. The pure-Python layer (python/corridor/__init__.py) turns those into
//! pandas or polars frames through Arrow; no model logic lives here or there.
//!
//! Invariants:
//! * A run's tables are the bytes the CLI writes for the same input, request and
//!   seed (`corridor::run::render_run`), and its Parquet tables are encoded from
//!   them (`corridor_io::write::parquet`), so frames equal the CLI's files.
//! * Errors become `corridor.InputError` (bad input: the CLI's exit code 2) or
//!   `corridor.CorridorError` (anything else), with the whole message and, when a
//!   reader found the problem, `file`, `line` and `field` attributes.
//! * Simulating, writing and reading run without the GIL (`Python::detach`), so
//!   other Python threads go on; results do not depend on thread count.
//! * A forecast's tables are the bytes `corridor forecast` writes
//!   (`corridor::forecast::forecast_csv`, `summary_json`) for the same request.

use corridor::error::Error;
use corridor::forecast::{BacktestRequest, Date, ForecastRequest};
use corridor::input::Input;
use corridor::run::{OutputFormat, RunPlan};
use corridor::{CompareRequest, EngineKind, EnsembleRequest, RunRequest};
use corridor_io::error::InputError as ReaderError;
use corridor_model::RunOutput;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

create_exception!(
    _corridor,
    CorridorError,
    PyException,
    "A corridor operation failed; `file`, `line` and `field` say where when known."
);
create_exception!(
    _corridor,
    InputError,
    CorridorError,
    "The input or the request is at fault (the command line exits with 2 for these)."
);

/// The reader's error in a facade error's chain, if a reader found the problem.
fn reader_error(e: &Error) -> Option<&ReaderError> {
    match e {
        Error::Input { source, .. } => Some(source),
        Error::Context { source, .. } => reader_error(source),
        _ => None,
    }
}

/// A facade error as a Python exception with `file`, `line` and `field`.
fn py_err(py: Python<'_>, e: Error) -> PyErr {
    let message = e.chain_text();
    let err = if e.is_bad_input() {
        InputError::new_err(message)
    } else {
        CorridorError::new_err(message)
    };
    let (file, line, field) = match reader_error(&e) {
        Some(r) => {
            let field = match r {
                ReaderError::BadField { field, .. } => Some(field.clone()),
                ReaderError::BadSetting { key, .. } => Some(key.clone()),
                _ => None,
            };
            (Some(r.path().to_string()), r.line(), field)
        }
        None => (None, None, None),
    };
    let v = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail in practice;
    // if it did, the exception would still carry the whole message.
    let _ = v.setattr("file", file);
    let _ = v.setattr("line", line);
    let _ = v.setattr("field", field);
    err
}

fn bad_arg(message: String) -> PyErr {
    InputError::new_err(message)
}

fn engine(name: &str) -> PyResult<EngineKind> {
    match name {
        "agents" => Ok(EngineKind::Agents),
        "counts" => Ok(EngineKind::Counts),
        "auto" => Ok(EngineKind::Auto),
        other => Err(bad_arg(format!(
            "unknown engine '{other}': expected auto, agents or counts"
        ))),
    }
}

fn format(name: &str) -> PyResult<OutputFormat> {
    OutputFormat::parse(name).map_err(bad_arg)
}

/// A `YYYY-MM-DD` argument.
fn date(what: &str, s: &str) -> PyResult<Date> {
    Date::parse(s).ok_or_else(|| bad_arg(format!("{what}: '{s}' is not a date (YYYY-MM-DD)")))
}

/// A loaded input: a Flee instance, a scenario, or the built-in scenario.
#[pyclass(name = "Input", module = "corridor._corridor", frozen)]
struct PyInput {
    inner: Arc<Input>,
}

#[pymethods]
impl PyInput {
    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.scenario.name.clone()
    }

    /// `flee` or `scenario`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.kind {
            corridor_io::write::InputKind::Flee => "flee",
            corridor_io::write::InputKind::Scenario => "scenario",
        }
    }

    /// The scenario's own seed (`seed` in scenario.toml), if any.
    #[getter]
    fn seed(&self) -> Option<u64> {
        self.inner.seed
    }

    /// Start date (ISO) and number of days of the scenario's own period.
    #[getter]
    fn start_date(&self) -> String {
        self.inner.scenario.start_date.to_string()
    }

    /// The reader's warnings.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings.clone()
    }

    /// The policy variants, in file order.
    #[getter]
    fn variants(&self) -> Vec<String> {
        self.inner.variant_names()
    }

    /// Where it was read from.
    #[getter]
    fn source(&self) -> String {
        self.inner.source.clone()
    }

    /// Every input file, relative to the input, with its SHA-256.
    #[getter]
    fn inputs(&self) -> Vec<(String, String)> {
        self.inner
            .inputs
            .iter()
            .map(|d| (d.path.clone(), d.sha256.clone()))
            .collect()
    }

    /// The check report (counts and likely mistakes), as `corridor check` prints it.
    fn check(&self) -> String {
        corridor::check(&self.inner)
    }

    /// This input with the variant of a variant file added (`--variant-file`: one
    /// variant in a file of its own, as the what-if page saves it), on top of
    /// the variant `on_top_of` when given; returns it with the variant's name.
    /// This input is unchanged.
    #[pyo3(signature = (path, on_top_of=None))]
    fn with_variant_file(
        &self,
        py: Python<'_>,
        path: PathBuf,
        on_top_of: Option<String>,
    ) -> PyResult<(PyInput, String)> {
        let mut input = (*self.inner).clone();
        let name = py
            .detach(|| {
                corridor::variant_file::add_variant_file(&mut input, &path, on_top_of.as_deref())
            })
            .map_err(|e| py_err(py, e))?;
        Ok((
            PyInput {
                inner: Arc::new(input),
            },
            name,
        ))
    }
}

/// Reads a Flee instance directory, a scenario.toml (or a directory holding one),
/// or the built-in scenario when `path` is None.
#[pyfunction]
#[pyo3(signature = (path=None))]
fn load(py: Python<'_>, path: Option<PathBuf>) -> PyResult<PyInput> {
    let input = py
        .detach(|| corridor::load(path.as_deref()))
        .map_err(|e| py_err(py, e))?;
    Ok(PyInput {
        inner: Arc::new(input),
    })
}

/// Reads a scenario held in memory: its scenario.toml text and the text of every
/// table it names (`{"locations.csv": "...", ...}`).
#[pyfunction]
fn load_text(
    py: Python<'_>,
    name: &str,
    toml: &str,
    files: HashMap<String, String>,
) -> PyResult<PyInput> {
    let get = |rel: &str| {
        let rel = rel.strip_prefix("./").unwrap_or(rel);
        files.get(rel).cloned()
    };
    let input = py
        .detach(|| corridor::input::load_scenario_text(name, toml, &get))
        .map_err(|e| py_err(py, e))?;
    Ok(PyInput {
        inner: Arc::new(input),
    })
}

/// One finished run: its plan, its records and every file of its run directory
/// but report.html, rendered in memory (CSV and JSON bytes).
#[pyclass(name = "Run", module = "corridor._corridor", frozen)]
struct PyRun {
    input: Arc<Input>,
    plan: RunPlan,
    output: RunOutput,
    files: Vec<(String, Vec<u8>)>,
}

#[pymethods]
impl PyRun {
    /// The seed the run used.
    #[getter]
    fn seed(&self) -> u64 {
        self.plan.sim.seed
    }

    /// The variant run, if any.
    #[getter]
    fn variant(&self) -> Option<String> {
        self.plan.variant.clone()
    }

    /// Days simulated.
    #[getter]
    fn days(&self) -> usize {
        self.output.days.len()
    }

    /// The run's warnings (e.g. capacity overruns).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.output.warnings.iter().map(|w| w.to_string()).collect()
    }

    /// Names of the rendered files, in the CLI's order.
    fn file_names(&self) -> Vec<String> {
        self.files.iter().map(|(n, _)| n.clone()).collect()
    }

    /// A rendered file's bytes (`daily.csv`, `summary.json`, ...), or None.
    fn file<'py>(&self, py: Python<'py>, name: &str) -> Option<Bound<'py, PyBytes>> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| PyBytes::new(py, b))
    }

    /// A table (`daily`, `ports`, `monthly`, `out`, `observed`) as Parquet bytes
    /// encoded from its CSV bytes, or None when the run has no such table.
    fn parquet<'py>(&self, py: Python<'py>, table: &str) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let name = format!("{table}.csv");
        let Some((_, csv)) = self.files.iter().find(|(n, _)| *n == name) else {
            return Ok(None);
        };
        let bytes = py
            .detach(|| corridor_io::write::parquet::csv_to_parquet(&name, csv))
            .map_err(|e| CorridorError::new_err(e.to_string()))?;
        Ok(Some(PyBytes::new(py, &bytes)))
    }

    /// Writes the run directory the CLI writes (tables in `format`, then
    /// report.html) into `dir`; returns the names of the files written.
    #[pyo3(signature = (dir, format="csv"))]
    fn write(&self, py: Python<'_>, dir: PathBuf, format: &str) -> PyResult<Vec<String>> {
        let fmt = self::format(format)?;
        let mut plan = self.plan.clone();
        plan.out_dir = dir;
        py.detach(|| corridor::run::write_run_dir_as(&self.input, &plan, &self.output, fmt))
            .map_err(|e| py_err(py, e))
    }

    /// The CLI's one-line summary of the run.
    fn summary_line(&self) -> String {
        corridor::RunResult {
            plan: self.plan.clone(),
            output: self.output.clone(),
            files: vec![],
        }
        .summary_line(&self.input)
    }
}

/// Simulates `input` once and renders its files in memory (nothing is written).
#[pyfunction]
#[pyo3(signature = (input, seed=None, days=None, variant=None, engine="agents"))]
fn run(
    py: Python<'_>,
    input: &PyInput,
    seed: Option<u64>,
    days: Option<u32>,
    variant: Option<String>,
    engine: &str,
) -> PyResult<PyRun> {
    let req = RunRequest {
        variant,
        seed,
        days,
        engine: self::engine(engine)?,
        out: None,
        format: OutputFormat::Csv,
    };
    let inner = input.inner.clone();
    let done = py.detach(|| -> corridor::Result<_> {
        let plan = req.plan(&inner)?;
        let output = corridor::run::simulate(&plan.scenario, &plan.sim)?;
        let a = corridor::run::render_run(&inner, &plan, &output, OutputFormat::Csv)?;
        let files = a
            .names()
            .map(|n| (n.to_string(), a.get(n).unwrap_or_default().to_vec()))
            .collect();
        Ok((plan, output, files))
    });
    let (plan, output, files) = done.map_err(|e| py_err(py, e))?;
    Ok(PyRun {
        input: inner,
        plan,
        output,
        files,
    })
}

/// Runs an ensemble of `runs` members and writes its directory (`out`, default
/// `corridor-out/<name>[-<variant>]-ensemble`); returns (directory, files).
#[pyfunction]
#[pyo3(signature = (input, runs, seed=None, days=None, variant=None, engine="auto", out=None, format="csv"))]
#[allow(clippy::too_many_arguments)]
fn ensemble(
    py: Python<'_>,
    input: &PyInput,
    runs: usize,
    seed: Option<u64>,
    days: Option<u32>,
    variant: Option<String>,
    engine: &str,
    out: Option<PathBuf>,
    format: &str,
) -> PyResult<(String, Vec<String>)> {
    let req = EnsembleRequest {
        variant,
        runs,
        seed,
        days,
        engine: self::engine(engine)?,
        out,
        format: self::format(format)?,
    };
    let done = py
        .detach(|| corridor::ensemble(&input.inner, &req, &|| {}))
        .map_err(|e| py_err(py, e))?;
    Ok((done.plan.out_dir.display().to_string(), done.files))
}

/// Runs policy variants side by side (all when `variants` is empty) and writes
/// the compare directory; returns (directory, compare.json text, the key numbers
/// of every variant and member as a JSON list of objects with `variant` and
/// `member` added).
#[pyfunction]
#[pyo3(signature = (input, variants=vec![], runs=20, seed=None, days=None, engine="auto", out=None, format="csv"))]
#[allow(clippy::too_many_arguments)]
fn compare(
    py: Python<'_>,
    input: &PyInput,
    variants: Vec<String>,
    runs: usize,
    seed: Option<u64>,
    days: Option<u32>,
    engine: &str,
    out: Option<PathBuf>,
    format: &str,
) -> PyResult<(String, String, String)> {
    let req = CompareRequest {
        variants,
        seed,
        runs,
        days,
        engine: self::engine(engine)?,
        out,
        format: self::format(format)?,
    };
    let c = py
        .detach(|| corridor::compare(&input.inner, &req, &|| {}))
        .map_err(|e| py_err(py, e))?;
    let json = c.to_json().map_err(|e| py_err(py, e))?;
    let mut rows = Vec::new();
    for v in &c.variants {
        for (i, m) in v.members.iter().enumerate() {
            let mut row = serde_json::Map::new();
            row.insert("variant".into(), v.name.clone().into());
            row.insert("member".into(), i.into());
            if let Ok(serde_json::Value::Object(k)) = serde_json::to_value(&m.key_numbers) {
                row.extend(k);
            }
            rows.push(serde_json::Value::Object(row));
        }
    }
    let rows = serde_json::Value::Array(rows).to_string();
    Ok((c.out_dir.display().to_string(), json, rows))
}

/// A finished forecast, held in memory: its forecast.csv and summary.json as
/// `corridor forecast` writes them, its series as JSON, and `write`.
#[pyclass(name = "Forecast", module = "corridor._corridor", frozen)]
struct PyForecast {
    input: Arc<Input>,
    req: ForecastRequest,
    inner: corridor::forecast::Forecast,
}

#[pymethods]
impl PyForecast {
    /// forecast.csv's bytes.
    fn csv<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, corridor::forecast::forecast_csv(&self.inner).as_bytes())
    }

    /// forecast.csv encoded as Parquet (typed columns; see `Run.parquet`).
    fn parquet<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let csv = corridor::forecast::forecast_csv(&self.inner);
        let bytes = corridor_io::write::parquet::csv_to_parquet("forecast.csv", csv.as_bytes())
            .map_err(|e| CorridorError::new_err(e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// summary.json's text.
    fn summary_json(&self) -> String {
        corridor::forecast::summary_json(&self.inner, &self.input, self.req.variant.as_deref())
    }

    /// The forecast as JSON: every series with its observations, nowcast and
    /// forecast bands, and the effective sample size over time.
    fn json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| CorridorError::new_err(e.to_string()))
    }

    /// Writes forecast.csv, nowcast.csv, summary.json and report.html (and the manifest) into `dir` (default:
    /// the directory `corridor forecast` would write); returns the directory.
    #[pyo3(signature = (dir=None))]
    fn write(&self, py: Python<'_>, dir: Option<PathBuf>) -> PyResult<String> {
        let mut req = self.req.clone();
        if dir.is_some() {
            req.out = dir;
        }
        let dir = corridor::forecast::forecast_dir(&self.input, &req, &self.inner);
        py.detach(|| {
            corridor::forecast::write_forecast_dir(
                &dir,
                &self.input,
                req.variant.as_deref(),
                &self.inner,
            )
        })
        .map_err(|e| py_err(py, e))?;
        Ok(dir.display().to_string())
    }
}

/// Conditions count-engine members on the observations up to `origin` and
/// forecasts `horizon` months (scenarios) or days (Flee instances) after it, as
/// `corridor forecast` does; nothing is written (see `Forecast.write`).
#[pyfunction]
#[pyo3(signature = (input, origin, observed=None, horizon=None, runs=50, seed=None, variant=None))]
#[allow(clippy::too_many_arguments)]
fn forecast(
    py: Python<'_>,
    input: &PyInput,
    origin: &str,
    observed: Option<PathBuf>,
    horizon: Option<u32>,
    runs: usize,
    seed: Option<u64>,
    variant: Option<String>,
) -> PyResult<PyForecast> {
    let req = ForecastRequest {
        origin: Some(date("origin", origin)?),
        observed,
        horizon,
        runs,
        seed,
        variant,
        out: None,
    };
    let inner = input.inner.clone();
    let f = py
        .detach(|| corridor::forecast::compute_forecast(&inner, &req))
        .map_err(|e| py_err(py, e))?;
    Ok(PyForecast {
        // What summary.json lists: the input the forecast ran (newer data included).
        input: f.input.map_or(inner, Arc::new),
        req,
        inner: f.forecast,
    })
}

/// Forecasts from origins `first`, `first + every`, ... up to `last` and scores
/// them per horizon against persistence, seasonal naive and the plain run, as
/// `corridor backtest` does; returns the backtest as JSON. With `out`, also
/// writes the backtest directory there (skill.csv, outcomes.csv, summary.json).
#[pyfunction]
#[pyo3(signature = (input, first, last, every, horizons=vec![], runs=50, seed=None, observed=None, out=None))]
#[allow(clippy::too_many_arguments)]
fn backtest(
    py: Python<'_>,
    input: &PyInput,
    first: &str,
    last: &str,
    every: u32,
    horizons: Vec<u32>,
    runs: usize,
    seed: Option<u64>,
    observed: Option<PathBuf>,
    out: Option<PathBuf>,
) -> PyResult<String> {
    let req = BacktestRequest {
        from: Some(date("origins", first)?),
        to: Some(date("origins", last)?),
        every,
        horizons,
        runs,
        seed,
        observed,
        out: out.clone(),
    };
    let b = py
        .detach(|| match out {
            Some(_) => corridor::backtest(&input.inner, &req, &|| {}).map(|r| r.backtest),
            None => corridor::forecast::compute_backtest(&input.inner, &req, &|| {}),
        })
        .map_err(|e| py_err(py, e))?;
    serde_json::to_string(&b).map_err(|e| CorridorError::new_err(e.to_string()))
}

/// Reads a Parquet table of a run directory back as CSV text (as the report does).
#[pyfunction]
fn parquet_to_csv(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    py.detach(|| corridor_io::write::parquet::parquet_to_csv(&path))
        .map_err(|e| InputError::new_err(e.to_string()))
}

#[pymodule]
fn _corridor(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CorridorError", py.get_type::<CorridorError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyInput>()?;
    m.add_class::<PyRun>()?;
    m.add_class::<PyForecast>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(load_text, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(ensemble, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(forecast, m)?)?;
    m.add_function(wrap_pyfunction!(backtest, m)?)?;
    m.add_function(wrap_pyfunction!(parquet_to_csv, m)?)?;
    Ok(())
}
