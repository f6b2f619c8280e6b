//! Run and ensemble directories written with `--format parquet`: a table the report reads as
//! `<stem>.csv` may be there only as `<stem>.parquet`. The loader asks here
//! whether a table exists in either format and, when only the Parquet twin is
//! there, gets it back as CSV text (`corridor_io::write::parquet::parquet_to_csv`),
//! so every other part of the report reads one format. The CSV file wins when
//! both exist (`--format both` writes the same values twice).

use crate::error::ReportError;
use std::path::{Path, PathBuf};

/// The Parquet twin of a CSV path (`daily.csv` -> `daily.parquet`).
fn twin(csv_path: &Path) -> Option<PathBuf> {
    let name = csv_path.file_name()?.to_str()?;
    let pq = corridor_io::write::parquet::parquet_name(name)?;
    Some(csv_path.with_file_name(pq))
}

/// Whether the table at `csv_path` exists as CSV or as its Parquet twin.
pub(crate) fn exists(csv_path: &Path) -> bool {
    csv_path.is_file() || twin(csv_path).is_some_and(|p| p.is_file())
}

/// The table's CSV text read from its Parquet twin, when the CSV file is absent
/// and the twin is there; `None` otherwise.
pub(crate) fn read_twin(csv_path: &Path) -> Option<Result<String, ReportError>> {
    if csv_path.is_file() {
        return None;
    }
    let pq = twin(csv_path).filter(|p| p.is_file())?;
    Some(
        corridor_io::write::parquet::parquet_to_csv(&pq).map_err(|e| ReportError::Read {
            path: pq,
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        }),
    )
}
