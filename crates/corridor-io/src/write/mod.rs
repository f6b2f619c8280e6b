//! Writers of a run directory (docs/design.md): out.csv, daily.csv, observed.csv,
//! ports.csv, monthly.csv, network.json and summary.json; the key numbers and
//! compare.json of a comparison of policy variants; and the atomic file write they
//! all go through.
//!
//! Units: out.csv counts agents, exactly as Flee writes it (one agent = `hasten`
//! people, Flee's convention); every other file counts people (agents × `hasten`):
//! daily.csv, ports.csv, observed.csv, monthly.csv, summary.json, the key numbers
//! and compare.json, because a planner reads them next to published counts of
//! people; summary.json's `file_units` says so per file. network.json echoes the
//! port settings in people, as they were given in ports.csv.
//! Every key number is defined once, in `corridor_model::key_numbers`.
//!
//! Invariants:
//! * Every file is rendered in memory first ([`RunArtifacts::render`]); only then is
//!   anything written, so a rendering failure writes nothing at all.
//! * [`RunArtifacts::write_to`] writes every file to a temporary file in the target
//!   directory (fsynced) before renaming any of them into place; if a temporary file
//!   cannot be written, all temporaries are removed and no output file changes.
//! * A whole output directory is built beside its target and swapped in with a
//!   manifest ([`StagedDir`], `manifest.rs`), so readers never see a mix of two
//!   runs; readers check the manifest with [`check_dir`].
//! * Output bytes depend only on the scenario, the run and the metadata given: no
//!   wall-clock time, no absolute path, floats formatted deterministically
//!   (out.csv like Python's `repr`, JSON through serde_json's shortest round-trip
//!   form), JSON keys in a fixed order.

mod artifacts;
mod atomic;
mod compare_json;
mod daily_csv;
mod manifest;
mod meta;
mod monthly_csv;
mod network_json;
mod observed_csv;
mod out_csv;
pub mod parquet;
mod ports_csv;
mod py_float;
mod summary_json;
#[cfg(test)]
mod tests;

pub use artifacts::RunArtifacts;
pub use atomic::{write_atomic, write_atomic_with};
pub use compare_json::key_numbers;
pub use corridor_model::key_numbers::{month_totals, people_per_agent, KeyNumbers, MonthTotals};
pub use daily_csv::{render_daily_csv, DAILY_VARIABLES};
pub use manifest::{
    check_dir, check_replaceable, read_manifest, write_manifest, Manifest, ManifestEntry,
    ManifestError, OutputKind, StagedDir, MANIFEST_FILE,
};
pub use meta::{InputDigest, InputKind, RunMeta};
pub use monthly_csv::render_monthly_csv;
pub use network_json::render_network_json;
pub use observed_csv::{
    render_observed_csv, render_observed_monthly_csv, DateSpan, EncounterObservations,
    ObservationWindows, WindowFit,
};
pub use out_csv::render_out_csv;
pub use ports_csv::render_ports_csv;
pub use py_float::py_float;
pub use summary_json::render_summary_json;

use corridor_model::key_numbers::{self, at, ShapeError};
use corridor_model::metrics;
use corridor_model::record::{DayRecord, PortDay};
use corridor_model::scenario::Scenario;
use serde::Serialize;
use std::path::PathBuf;
use thiserror::Error;

/// A failure while rendering or writing outputs.
#[derive(Debug, Error)]
pub enum WriteError {
    #[error("cannot create output directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `--out` names an existing file, not a directory (bad input).
    #[error("{}: exists and is not a directory; --out needs a directory (new, empty, or an earlier corridor output)", path.display())]
    OutIsFile { path: PathBuf },
    /// `--out` names a non-empty directory without a corridor manifest: it is
    /// not corridor's to replace (bad input).
    #[error("{}: exists, is not empty and is not a corridor output directory (no corridor-manifest.json); corridor will not replace it: choose a new --out or empty the folder", path.display())]
    NotOutputDir { path: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The run's records do not match the scenario (an engine bug, not bad input).
    #[error("cannot render {file}: day {day}: {field} has {got} entries, expected {expected}")]
    Shape {
        file: &'static str,
        day: u32,
        field: &'static str,
        got: usize,
        expected: usize,
    },
    #[error("cannot render {file}: {source}")]
    Json {
        file: &'static str,
        source: serde_json::Error,
    },
    /// A table could not be converted to Parquet (`--format parquet`).
    #[error(transparent)]
    Parquet(#[from] parquet::ParquetError),
}

/// Quotes a CSV field when it needs it (comma, quote, line break).
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Appends `v` in decimal, as `write!(out, "{v}")` does, without the
/// formatting machinery: the tables of a run are mostly whole numbers, and
/// `fmt` took about half of the time spent rendering them. Public so that
/// the ensemble's writer (`corridor_ensemble::write::push_num`) uses the same
/// digits.
pub fn push_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&b| char::from(b)));
}

/// The model's shape error, naming the file being rendered.
fn shape(file: &'static str, e: ShapeError) -> WriteError {
    WriteError::Shape {
        file,
        day: e.day,
        field: e.field,
        got: e.got,
        expected: e.expected,
    }
}

/// [`key_numbers::per_location`] for a file.
fn per_location<'a>(
    file: &'static str,
    rec: &DayRecord,
    field: &'static str,
    v: &'a [u64],
    n: usize,
) -> Result<&'a [u64], WriteError> {
    key_numbers::per_location(rec, field, v, n).map_err(|e| shape(file, e))
}

/// [`key_numbers::port_days`] for a file.
fn port_days(
    rec: &DayRecord,
    scenario: &Scenario,
    file: &'static str,
) -> Result<Vec<PortDay>, WriteError> {
    key_numbers::port_days(rec, scenario).map_err(|e| shape(file, e))
}

/// Camp values of one day, checked against the number of camps.
fn camp_row(
    file: &'static str,
    rec: &DayRecord,
    camps: &[usize],
    n_locations: usize,
) -> Result<(Vec<u64>, Vec<i64>), WriteError> {
    per_location(file, rec, "population", &rec.population, n_locations)?;
    if rec.camp_data.len() != camps.len() && !rec.camp_data.is_empty() {
        return Err(WriteError::Shape {
            file,
            day: rec.day,
            field: "camp_data",
            got: rec.camp_data.len(),
            expected: camps.len(),
        });
    }
    Ok((
        metrics::camp_sims(rec, camps),
        metrics::camp_data(rec, camps.len()),
    ))
}

/// True when the scenario has observed camp data to compare against.
pub fn has_camp_data(scenario: &Scenario) -> bool {
    !scenario.data.camps.is_empty() && !scenario.camp_locations().is_empty()
}

/// A location's name; empty for an index the scenario does not have (the readers
/// never produce one, and a writer must not panic on a hand-built scenario).
fn loc_name(scenario: &Scenario, i: usize) -> &str {
    scenario.locations.get(i).map_or("", |l| l.name.as_str())
}

fn to_json<T: Serialize>(file: &'static str, v: &T) -> Result<String, WriteError> {
    let mut s =
        serde_json::to_string_pretty(v).map_err(|source| WriteError::Json { file, source })?;
    s.push('\n');
    Ok(s)
}
