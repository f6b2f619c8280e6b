//! The report's error type. Every variant names the file (and, where it applies,
//! the line and column) so a planner can fix the input; paths appear only in
//! errors, never in the rendered HTML.

use std::path::PathBuf;

/// Why a report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The directory holds none of the files that identify a run, an ensemble or a compare.
    #[error("{}: not a run directory (none of compare.json, forecast.csv, daily_stats.csv, daily.csv found)", dir.display())]
    NotARunDirectory { dir: PathBuf },
    /// A file the detected directory kind needs is absent.
    #[error("{}: required file is missing", path.display())]
    MissingFile { path: PathBuf },
    /// The file exists but could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A CSV file lacks a column the report needs.
    #[error("{}: missing column `{column}`", path.display())]
    MissingColumn { path: PathBuf, column: String },
    /// A CSV cell could not be understood.
    #[error("{}, line {line}, column `{column}`: {message}", path.display())]
    BadValue {
        path: PathBuf,
        line: u64,
        column: String,
        message: String,
    },
    /// The CSV itself is malformed (quoting, encoding).
    #[error("{}, line {line}: {message}", path.display())]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// Invalid JSON (serde_json's message carries line and column).
    #[error("{}: invalid JSON: {message}", path.display())]
    Json { path: PathBuf, message: String },
    /// Valid JSON whose content does not fit the contract.
    #[error("{}: field `{field}`: {message}", path.display())]
    BadField {
        path: PathBuf,
        field: String,
        message: String,
    },
    /// A corridor output directory that is not whole: its manifest does not match
    /// the files (an interrupted run, or files of two runs).
    #[error(transparent)]
    Incomplete(#[from] corridor_io::write::ManifestError),
    /// The report could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
