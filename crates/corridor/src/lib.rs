//! corridor: the library API every front end calls (the `corridor` command, a
//! what-if server, a Python package). It wires the model, reader, ensemble,
//! calibration and report crates into operations with typed results; front ends
//! parse their arguments, call one operation, and present what it returns.
//!
//! * [`load`]: a Flee instance directory, a `scenario.toml` (or a directory
//!   holding one) or the built-in scenario ([`builtin`]), with reader warnings and
//!   input digests ([`Input`]).
//! * [`run()`]: one simulation into a run directory ([`RunResult`]).
//! * [`ensemble()`]: N members reduced to statistics, into an ensemble directory.
//! * [`compare()`]: policy variants side by side, single runs or ensembles, with
//!   compare.json and report.html ([`Comparison`]).
//! * [`forecast()`], [`backtest()`]: condition members on observations up to an
//!   origin and forecast with bands; score forecasts against naive baselines.
//! * [`sweep()`], [`calibrate()`], [`validate()`], [`check`], [`report`].
//!
//! Every output directory is written whole ([`write_whole`]): built beside its
//! target, sealed with `corridor-manifest.json`, then swapped in, so a reader never
//! sees a half-written directory or the files of two runs (docs/outputs.md).
//!
//! Errors are one enum, [`Error`]; [`Error::is_bad_input`] tells bad input (the
//! CLI's exit code 2) from other failures. Progress is reported through plain
//! closures (`on_member`, `on_run`, `on_eval`, `on_variant`), called from worker
//! threads; nothing here prints. Determinism: the same input, request and seed
//! give byte-identical output directories whatever the thread count.
//! docs/library.md describes the API and shows a front end using it:
//!
//! ```no_run
//! let input = corridor::load(None)?; // the built-in scenario
//! let req = corridor::RunRequest {
//!     days: Some(30),
//!     ..Default::default()
//! };
//! let done = corridor::run(&input, &req)?;
//! println!("{}", done.summary_line(&input));
//! # Ok::<(), corridor::Error>(())
//! ```

pub mod builtin;
pub mod calibrate;
pub mod cancel;
pub mod compare;
pub mod ensemble;
pub mod error;
pub mod forecast;
pub mod input;
pub mod memory;
pub mod run;
pub mod sweep;
pub mod text;
pub mod validate;
pub mod variant_file;

pub use calibrate::{calibrate, CalibrateRequest, CalibrateResult, Calibrated};
pub use cancel::{
    baseline_states, ensemble_branched_cancellable, ensemble_branched_unwritten,
    ensemble_cancellable, CancelToken,
};
pub use compare::{compare, CompareRequest, Comparison, VariantResult};
pub use corridor_calibrate::Objective;
pub use corridor_ensemble::{ParamRange, SweepMethod};
pub use corridor_model::EngineKind;
pub use ensemble::{ensemble, EnsembleRequest, EnsembleResult};
pub use error::{Error, Result};
pub use forecast::{
    backtest, forecast, BacktestRequest, BacktestResult, ForecastRequest, ForecastResult,
};
pub use input::{load, Input};
pub use run::{run, RunRequest, RunResult, SimOptions};
pub use sweep::{parse_param, parse_params, sweep, SweepRequest, SweepResult};
pub use validate::{validate, ValidateRequest, Validated};

use corridor_io::write::{ManifestEntry, OutputKind, StagedDir};

/// The engine that runs `scenario` over `days` (default: its own period) when
/// `requested` was asked for: [`EngineKind::Auto`] becomes the fastest engine
/// whose law matches the input (the count engine unless it refuses the input,
/// see [`counts_refusal`]), else the agent engine. Every operation and front end
/// decides through it; what a run records as its engine is this result.
pub fn engine_for(
    scenario: &corridor_model::Scenario,
    days: Option<u32>,
    requested: EngineKind,
) -> EngineKind {
    requested.resolve(scenario, days)
}

pub use corridor_model::engine::counts_refusal;

/// The longest run accepted, in days: the bound of `days` in scenario files and
/// Flee's simsetting, and of `--days`.
pub const MAX_DAYS: i64 = corridor_io::flee::MAX_DAYS;
use error::ResultExt;
use std::path::{Path, PathBuf};

/// Refuses early (bad input) an `--out` that [`write_whole`] would refuse, so
/// that a long operation does not run only to find it cannot write.
pub(crate) fn check_out_dir(target: &Path) -> Result<()> {
    corridor_io::write::check_replaceable(target).context("output directory")
}

/// Writes an output directory whole: `fill` writes the files into a staging
/// directory beside `target`; then the manifest is written, report.html rendered
/// from the written files (when `report`), and the directory swapped into place.
/// An `--out` that names a file, or a folder that is not empty and not a corridor
/// output, is refused (bad input) before `fill` runs; on any failure `target` is
/// left as it was and the staging directory is removed.
pub(crate) fn write_whole<T>(
    target: &Path,
    kind: OutputKind,
    report: bool,
    fill: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    write_whole_known(target, kind, report, &Vec::new, fill)
}

/// [`write_whole`] given the manifest entries of files `fill` writes from
/// memory (`known`: hashed from those bytes, so sealing does not read them
/// back). The digests and the report need only the written files, not each
/// other: they are computed side by side on the thread pool (one after the
/// other when it has one thread), then the manifest and the report written.
fn write_whole_known<T>(
    target: &Path,
    kind: OutputKind,
    report: bool,
    known: &(dyn Fn() -> Vec<ManifestEntry> + Sync),
    fill: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    let stage = StagedDir::begin(target).context("output directory")?;
    let t = fill(stage.path())?;
    let ctx = || format!("writing {}", target.display());
    let dir = stage.path();
    let (known, html) = rayon::join(known, || report.then(|| run::render_report(dir)));
    stage.seal_with(kind, &known).with_context(ctx)?;
    if let Some(html) = html {
        run::write_report(dir, &html?)?;
    }
    stage.commit().with_context(ctx)?;
    Ok(t)
}

/// [`write_whole`] of rendered files: writes `files` into `target` as one
/// whole directory of `kind`, with report.html drawn from them when `report`,
/// and returns the names of every file it holds (the files, report.html, the
/// manifest). `what` names the output in an error ("the ensemble").
pub(crate) fn write_rendered(
    target: &Path,
    kind: OutputKind,
    files: &corridor_io::write::RunArtifacts,
    report: bool,
    what: &str,
) -> Result<Vec<String>> {
    let known = || files.manifest_entries();
    let written = write_whole_known(target, kind, report, &known, |dir| {
        files
            .write_to(dir)
            .with_context(|| format!("writing {what} to {}", target.display()))
    })?;
    Ok(written
        .iter()
        .map(|p| run::file_name(p))
        .chain(report.then(|| corridor_report::REPORT_FILE.into()))
        .chain([corridor_io::write::MANIFEST_FILE.into()])
        .collect())
}

/// The input's check report (counts and likely mistakes) as text.
pub fn check(input: &Input) -> String {
    corridor_model::check::check(&input.scenario).to_string()
}

/// Re-renders report.html of a run, ensemble, compare or forecast directory; a
/// missing directory, one that is not a whole corridor output (its manifest
/// missing or not matching the files), or a sweep's, calibration's or
/// backtest's (which have no report) is bad input. Returns the report's path.
pub fn report(dir: &Path) -> Result<PathBuf> {
    if !dir.is_dir() {
        return Err(input::missing(dir));
    }
    let manifest = corridor_io::write::check_dir(dir).context("report")?;
    let kind = manifest.kind.as_str();
    let no_report = [
        OutputKind::Sweep,
        OutputKind::Calibrate,
        OutputKind::Backtest,
    ];
    if no_report.iter().any(|k| k.as_str() == kind) {
        return Err(Error::bad(format!(
            "report: {} is a {kind} directory, which has no report.html (its results are \
             its CSV and JSON files); corridor report draws run, ensemble, compare and \
             forecast directories",
            dir.display()
        )));
    }
    // Checked just above: the report does not hash every file again.
    corridor_report::write_report_sealed(dir)
        .with_context(|| format!("writing the report in {}", dir.display()))
}
