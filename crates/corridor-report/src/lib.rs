//! corridor-report: a self-contained `report.html` rendered from the files of a
//! run directory (docs/design.md §5), so `corridor report DIR` can re-render without
//! simulating.
//!
//! It detects what the directory holds — a single run (`daily.csv`), an ensemble
//! (`daily_stats.csv`, or `summary.json` with `"ensemble"`) or a compare
//! directory (`compare.json` plus one directory per variant) or a forecast
//! (`forecast.csv`, `nowcast.csv`, `summary.json`) — and draws the
//! sections whose files exist. Invariants: the page makes no external request
//! (inline CSS/SVG/JS only), every data string is escaped, and the same files give
//! the same bytes (no clocks, no absolute paths, no hash-order iteration). This
//! crate reads files only and never simulates; from corridor-model it uses only
//! the calendar (`Date`), so there is one date implementation. The numbers it
//! shows are the run directory's (summary.json, compare.json), not recomputed.

pub mod browser;
mod chart;
mod dates;
mod error;
pub mod forecast;
mod html;
mod load;
mod load_parquet;
mod map;
mod outlines;
mod sections;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub use error::ReportError;
pub use html::MAP_CSS;
/// The map drawing, for other front ends (the what-if server) to draw the same map.
pub use map::{draw_map, role_legend, DrawnMap, MapLink, MapNode, MapSpec, Role};

/// What a directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirKind {
    /// One run: `daily.csv` and friends.
    Run,
    /// An ensemble: `daily_stats.csv` and friends.
    Ensemble,
    /// Policy variants: `compare.json` and one directory per variant.
    Compare,
    /// A forecast: `forecast.csv`, `nowcast.csv` and `summary.json`.
    Forecast,
}

/// Name of the report file inside the run directory.
pub const REPORT_FILE: &str = "report.html";

/// Detects the kind of a run directory from the files it holds.
pub fn detect(dir: &Path) -> Result<DirKind, ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::NotARunDirectory {
            dir: dir.to_path_buf(),
        });
    }
    if dir.join("compare.json").is_file() {
        return Ok(DirKind::Compare);
    }
    if dir.join("forecast.csv").is_file() {
        return Ok(DirKind::Forecast);
    }
    if load_parquet::exists(&dir.join("daily_stats.csv")) {
        return Ok(DirKind::Ensemble);
    }
    if load_parquet::exists(&dir.join("daily.csv")) {
        return Ok(DirKind::Run);
    }
    // An ensemble summary without its statistics is an incomplete ensemble:
    // name the missing file rather than "not a run directory".
    if let Ok(v) = load::read_json(&dir.join("summary.json")) {
        let missing = if v.get("ensemble").is_some() {
            "daily_stats.csv"
        } else {
            "daily.csv"
        };
        return Err(ReportError::MissingFile {
            path: dir.join(missing),
        });
    }
    Err(ReportError::NotARunDirectory {
        dir: dir.to_path_buf(),
    })
}

/// Renders the report of a run, ensemble or compare directory as an HTML string.
/// A directory with a manifest is drawn only when whole (every file as listed).
pub fn render_report(run_dir: &Path) -> Result<String, ReportError> {
    render(run_dir, load::Check::Manifest)
}

fn render(run_dir: &Path, check: load::Check) -> Result<String, ReportError> {
    match detect(run_dir)? {
        DirKind::Run | DirKind::Ensemble => {
            let run = load::load_run_as(run_dir, check)?;
            Ok(sections::run_page(&run))
        }
        DirKind::Compare => {
            let cmp = sections::load_compare(run_dir, check)?;
            Ok(sections::compare_page(&cmp))
        }
        DirKind::Forecast => Ok(forecast::forecast_page(&forecast::load(run_dir, check)?)),
    }
}

/// Renders the report and writes it to `run_dir/report.html` atomically (a
/// temporary file in the same directory, then a rename). Returns the path.
pub fn write_report(run_dir: &Path) -> Result<PathBuf, ReportError> {
    write_report_html(run_dir, &render_report(run_dir)?)
}

/// [`write_report`] of a directory whose manifest the caller has just checked
/// (`corridor report`): the same page, without hashing every file again.
pub fn write_report_sealed(run_dir: &Path) -> Result<PathBuf, ReportError> {
    write_report_html(run_dir, &render_report_sealed(run_dir)?)
}

/// [`render_report`] of a directory whose files the caller has just written
/// (and seals, or has sealed, itself) or whose manifest it has just checked:
/// the same page, without checking the manifest.
pub fn render_report_sealed(run_dir: &Path) -> Result<String, ReportError> {
    render(run_dir, load::Check::Sealed)
}

/// Writes a rendered report to `run_dir/report.html` atomically (a temporary
/// file in the same directory, then a rename). Returns the path.
pub fn write_report_html(run_dir: &Path, html: &str) -> Result<PathBuf, ReportError> {
    let path = run_dir.join(REPORT_FILE);
    let tmp = run_dir.join(format!(".{REPORT_FILE}.{}.tmp", std::process::id()));
    let write_err = |source| ReportError::Write {
        path: path.clone(),
        source,
    };
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(html.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, &path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(write_err(e));
    }
    Ok(path)
}
