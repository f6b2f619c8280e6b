//! Parquet tables for output directories (`--format csv|parquet|both`): each CSV
//! table of a run (out.csv, daily.csv, observed.csv, ports.csv, monthly.csv) or of
//! an ensemble (daily_stats.csv, ports_stats.csv, totals_stats.csv,
//! monthly_stats.csv, observed.csv) can also, or instead, be written as
//! `<stem>.parquet`, and read back as CSV text.
//!
//! Invariants:
//! * A Parquet table is rendered *from the CSV bytes* the CSV writer produced, so
//!   the two formats cannot disagree: same columns in the same order, same rows,
//!   the same values (every number parses back to the value the CSV holds).
//! * Column types: UTF-8 text for the declared name, kind and date columns
//!   ([`TEXT_COLUMNS`]); else `Int64` when every cell is an integer, `Float64`
//!   when every cell is a finite number and some is not an integer or the column
//!   is a declared float ([`FLOAT_COLUMNS`], e.g. `mean_wait_days`, whose CSV
//!   drops a `.0`); text otherwise. Empty cells (an ensemble's `sd` with one
//!   member) are nulls of a numeric column whose other cells are numbers; a
//!   column without empty cells is required.
//! * Bytes depend only on the CSV bytes and the parquet crate's version (one row
//!   group, no compression, no dictionary, no timestamps), so the same seed gives
//!   byte-identical Parquet files like it gives byte-identical CSV files.
//! * [`parquet_to_csv`] writes integers and text as they were and floats in Rust's
//!   shortest round-trip form: a reader that parses the CSV (the report) gets the
//!   same numbers from either format.
//!
//! The low-level parquet API is used (no Arrow arrays, no compression codecs) to
//! keep the build small; Python reads these files through pyarrow.

use super::{csv_field, RunArtifacts};
use ::parquet::basic::{LogicalType, Repetition, Type as PhysicalType};
use ::parquet::column::writer::ColumnWriter;
use ::parquet::data_type::ByteArray;
use ::parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use ::parquet::file::reader::{FileReader, SerializedFileReader};
use ::parquet::file::writer::SerializedFileWriter;
use ::parquet::record::Field;
use ::parquet::schema::types::Type;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

/// Columns that hold floats even when every value of a run is whole (their CSV
/// writes `1` for 1.0), so that their type does not change from run to run: a
/// port's mean wait and the statistics over an ensemble's members.
pub const FLOAT_COLUMNS: &[&str] = &["mean_wait_days", "mean", "sd", "p5", "p50", "p95"];

/// Columns that hold names, kinds, dates and months: text even when every value
/// looks like a number (a location named `12` or `007` stays as written).
pub const TEXT_COLUMNS: &[&str] = &[
    "date",
    "Date",
    "location",
    "kind",
    "port",
    "month",
    "component",
    "area_of_responsibility",
];

/// The table formats of a run directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// CSV tables only (the default, as before).
    #[default]
    Csv,
    /// Parquet tables only (`<stem>.parquet` instead of `<stem>.csv`).
    Parquet,
    /// Both, each CSV followed by its Parquet twin.
    Both,
}

impl OutputFormat {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [OutputFormat; 3] =
        [OutputFormat::Csv, OutputFormat::Parquet, OutputFormat::Both];

    /// The name on the command line and in Python (`csv`, `parquet`, `both`).
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Parquet => "parquet",
            OutputFormat::Both => "both",
        }
    }

    /// Parses a name of [`OutputFormat::name`]; the error lists the accepted names.
    pub fn parse(s: &str) -> Result<OutputFormat, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown format '{s}': expected csv, parquet or both"))
    }

    fn writes_csv(self) -> bool {
        self != OutputFormat::Parquet
    }

    fn writes_parquet(self) -> bool {
        self != OutputFormat::Csv
    }
}

/// A failure converting a table between CSV and Parquet.
#[derive(Debug, Error)]
pub enum ParquetError {
    /// A rendered CSV table could not be parsed (a writer bug, not bad input).
    #[error("cannot convert {file} to Parquet: line {line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    /// The parquet crate failed while encoding.
    #[error("cannot encode {file} as Parquet: {source}")]
    Encode {
        file: String,
        source: ::parquet::errors::ParquetError,
    },
    /// A Parquet file could not be opened or decoded.
    #[error("cannot read {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    /// A Parquet file holds a column type a run directory never has.
    #[error("cannot read {}: row {row}, column {column}: unsupported value type {kind}", path.display())]
    Unsupported {
        path: PathBuf,
        row: usize,
        column: String,
        kind: String,
    },
}

/// The Parquet name of a CSV table (`daily.csv` -> `daily.parquet`); `None` for
/// files that are not CSV tables.
pub fn parquet_name(csv_name: &str) -> Option<String> {
    csv_name
        .strip_suffix(".csv")
        .map(|stem| format!("{stem}.parquet"))
}

/// The run directory's files in `format`: every `*.csv` is kept, replaced by or
/// followed by its `*.parquet` twin; other files (JSON) are kept as they are, in
/// their order.
pub fn with_format(a: &RunArtifacts, format: OutputFormat) -> Result<RunArtifacts, ParquetError> {
    let mut out = RunArtifacts::default();
    for name in a.names() {
        let bytes = a.get(name).unwrap_or_default();
        match parquet_name(name) {
            Some(pq) => {
                if format.writes_csv() {
                    out.add(name, bytes);
                }
                if format.writes_parquet() {
                    out.add(&pq, csv_to_parquet(name, bytes)?);
                }
            }
            None => out.add(name, bytes),
        }
    }
    Ok(out)
}

/// A column's type, decided from every cell of the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColType {
    Int,
    Float,
    Text,
}

fn col_type(name: &str, cells: &[&str]) -> ColType {
    if TEXT_COLUMNS.contains(&name) {
        return ColType::Text;
    }
    // Empty cells are nulls of a numeric column; a column of empty cells only
    // stays text (nothing says what it would hold).
    let cells: Vec<&str> = cells.iter().copied().filter(|c| !c.is_empty()).collect();
    if cells.is_empty() {
        return ColType::Text;
    }
    // Only integers written as Rust writes them: `007` or `+1` would not come back
    // as written.
    let all_int = cells
        .iter()
        .all(|c| c.parse::<i64>().is_ok_and(|v| v.to_string() == *c));
    let all_num = cells
        .iter()
        .all(|c| c.parse::<f64>().is_ok_and(f64::is_finite));
    if all_num && (FLOAT_COLUMNS.contains(&name) || !all_int) {
        ColType::Float
    } else if all_int {
        ColType::Int
    } else {
        ColType::Text
    }
}

/// Encodes a CSV table (header line, then rows) as a Parquet file. `file` names
/// the table in errors.
pub fn csv_to_parquet(file: &str, csv_bytes: &[u8]) -> Result<Vec<u8>, ParquetError> {
    let csv_err = |e: csv::Error| ParquetError::Csv {
        file: file.to_string(),
        line: e.position().map(|p| p.line()).unwrap_or(1),
        message: e.to_string(),
    };
    let mut rdr = csv::ReaderBuilder::new().from_reader(csv_bytes);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<csv::StringRecord> = rdr.records().collect::<Result<_, _>>().map_err(csv_err)?;
    let column = |i: usize| -> Vec<&str> { rows.iter().map(|r| r.get(i).unwrap_or("")).collect() };
    let types: Vec<ColType> = (0..headers.len())
        .map(|i| col_type(&headers[i], &column(i)))
        .collect();
    // A numeric column with an empty cell is nullable; text keeps "" as a value.
    let nullable: Vec<bool> = (0..headers.len())
        .map(|i| types[i] != ColType::Text && column(i).contains(&""))
        .collect();

    let encode = |source| ParquetError::Encode {
        file: file.to_string(),
        source,
    };
    let fields = headers
        .iter()
        .zip(&types)
        .zip(&nullable)
        .map(|((name, t), &nullable)| {
            let (physical, logical) = match t {
                ColType::Int => (PhysicalType::INT64, None),
                ColType::Float => (PhysicalType::DOUBLE, None),
                ColType::Text => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
            };
            Type::primitive_type_builder(name, physical)
                .with_repetition(if nullable {
                    Repetition::OPTIONAL
                } else {
                    Repetition::REQUIRED
                })
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(encode)?;
    let schema = Type::group_type_builder("schema")
        .with_fields(fields)
        .build()
        .map_err(encode)?;
    let props = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_dictionary_enabled(false)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .build();
    let mut w =
        SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(props)).map_err(encode)?;
    let mut rg = w.next_row_group().map_err(encode)?;
    let mut i = 0;
    while let Some(mut col) = rg.next_column().map_err(encode)? {
        let cells = column(i);
        // Definition levels of a nullable column (1: a value, 0: null); the values
        // are the non-empty cells.
        let levels: Option<Vec<i16>> =
            nullable[i].then(|| cells.iter().map(|c| i16::from(!c.is_empty())).collect());
        let present = cells.iter().filter(|c| !nullable[i] || !c.is_empty());
        // The cells were parsed when the type was chosen; they parse again here.
        match col.untyped() {
            ColumnWriter::Int64ColumnWriter(cw) => {
                let v: Vec<i64> = present.map(|c| c.parse().unwrap_or(0)).collect();
                cw.write_batch(&v, levels.as_deref(), None)
                    .map_err(encode)?;
            }
            ColumnWriter::DoubleColumnWriter(cw) => {
                let v: Vec<f64> = present.map(|c| c.parse().unwrap_or(0.0)).collect();
                cw.write_batch(&v, levels.as_deref(), None)
                    .map_err(encode)?;
            }
            ColumnWriter::ByteArrayColumnWriter(cw) => {
                let v: Vec<ByteArray> = cells.iter().map(|c| ByteArray::from(*c)).collect();
                cw.write_batch(&v, None, None).map_err(encode)?;
            }
            _ => unreachable!("the schema has only INT64, DOUBLE and BYTE_ARRAY columns"),
        }
        col.close().map_err(encode)?;
        i += 1;
    }
    rg.close().map_err(encode)?;
    w.into_inner().map_err(encode)
}

/// Reads a Parquet table written by [`csv_to_parquet`] back as CSV text (header
/// line, then one line per row). Floats are written in Rust's shortest round-trip
/// form, so parsing the text gives back the stored values.
pub fn parquet_to_csv(path: &Path) -> Result<String, ParquetError> {
    let read = |e: ::parquet::errors::ParquetError| ParquetError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let f = std::fs::File::open(path).map_err(|e| ParquetError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let reader = SerializedFileReader::new(f).map_err(read)?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let mut out = schema
        .columns()
        .iter()
        .map(|c| csv_field(c.name()).into_owned())
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for (row, r) in reader.get_row_iter(None).map_err(read)?.enumerate() {
        let r = r.map_err(read)?;
        let mut first = true;
        for (name, field) in r.get_column_iter() {
            if !first {
                out.push(',');
            }
            first = false;
            match field {
                Field::Long(v) => out.push_str(&v.to_string()),
                Field::Int(v) => out.push_str(&v.to_string()),
                Field::Double(v) => out.push_str(&v.to_string()),
                Field::Str(s) => out.push_str(&csv_field(s)),
                Field::Null => {}
                other => {
                    return Err(ParquetError::Unsupported {
                        path: path.to_path_buf(),
                        row: row + 1,
                        column: name.clone(),
                        kind: format!("{other:?}"),
                    })
                }
            }
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTS: &str = "day,date,port,queue,mean_wait_days,open\n\
        0,2023-12-01,\"San Ysidro, CA\",900,0,1\n\
        1,2023-12-02,Lukeville,-3,1.5,0\n";

    fn roundtrip(name: &str, csv: &str) -> String {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("t.parquet");
        std::fs::write(&p, csv_to_parquet(name, csv.as_bytes()).unwrap()).unwrap();
        parquet_to_csv(&p).unwrap()
    }

    #[test]
    fn tables_round_trip_through_parquet() {
        // Integers and text come back as written, quoting included.
        assert_eq!(roundtrip("ports.csv", PORTS), PORTS);
        // A declared float column is a float even when every value is whole:
        // 0 and 2 come back as Rust's shortest forms of 0.0 and 2.0.
        let whole = "port,mean_wait_days\nA,0\nB,2\n";
        assert_eq!(roundtrip("ports.csv", whole), whole);
        // py_float forms ("1e-05", "0.0") parse back to the same numbers.
        let flee = "Day,Total error,Mentao sim\n0,1e-05,3\n1,0.0,4\n";
        let back = roundtrip("out.csv", flee);
        assert_eq!(back, "Day,Total error,Mentao sim\n0,0.00001,3\n1,0,4\n");
    }

    #[test]
    fn empty_numeric_cells_are_nulls_and_come_back_empty() {
        // An ensemble of one member leaves `sd` empty on some rows.
        let stats = "day,variable,mean,sd,p50,n\n0,queue,900,,900,\n1,queue,850.5,12.25,850,3\n";
        assert_eq!(
            roundtrip("ports_stats.csv", stats),
            "day,variable,mean,sd,p50,n\n0,queue,900,,900,\n1,queue,850.5,12.25,850,3\n"
        );
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("t.parquet");
        std::fs::write(&p, csv_to_parquet("x.csv", stats.as_bytes()).unwrap()).unwrap();
        let r = SerializedFileReader::new(std::fs::File::open(&p).unwrap()).unwrap();
        let schema = r.metadata().file_metadata().schema_descr_ptr();
        let rep = |i: usize| schema.column(i).self_type().get_basic_info().repetition();
        assert_eq!(rep(2), Repetition::REQUIRED, "mean has no empty cell");
        assert_eq!(rep(3), Repetition::OPTIONAL, "sd");
        assert_eq!(rep(5), Repetition::OPTIONAL, "n");
        assert_eq!(schema.column(5).physical_type(), PhysicalType::INT64);
    }

    #[test]
    fn column_types_follow_every_cell() {
        assert_eq!(col_type("queue", &["1", "-2"]), ColType::Int);
        assert_eq!(col_type("x", &["1", "2.5"]), ColType::Float);
        assert_eq!(col_type("mean_wait_days", &["1", "2"]), ColType::Float);
        assert_eq!(col_type("date", &["2023-12-01"]), ColType::Text);
        assert_eq!(col_type("location", &["12", "Tapachula"]), ColType::Text);
        assert_eq!(col_type("location", &["12", "13"]), ColType::Text);
        assert_eq!(col_type("x", &["007", "1"]), ColType::Float);
        assert_eq!(col_type("x", &["1", "nan"]), ColType::Text);
        // Statistics over members are floats; empty cells do not decide the type.
        assert_eq!(col_type("p50", &["1", "2"]), ColType::Float);
        assert_eq!(col_type("sd", &["", ""]), ColType::Text);
        assert_eq!(col_type("sd", &["", "1.5"]), ColType::Float);
        assert_eq!(col_type("n", &["3", ""]), ColType::Int);
    }

    #[test]
    fn encoding_is_deterministic() {
        let a = csv_to_parquet("ports.csv", PORTS.as_bytes()).unwrap();
        let b = csv_to_parquet("ports.csv", PORTS.as_bytes()).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..4], b"PAR1", "Parquet magic");
        assert_eq!(&a[a.len() - 4..], b"PAR1");
    }

    #[test]
    fn formats_select_the_files() {
        let mut a = RunArtifacts::default();
        a.add("daily.csv", "day,location\n0,A\n");
        a.add("summary.json", "{}");
        let names = |f| {
            with_format(&a, f)
                .unwrap()
                .names()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(OutputFormat::Csv), ["daily.csv", "summary.json"]);
        assert_eq!(
            names(OutputFormat::Parquet),
            ["daily.parquet", "summary.json"]
        );
        assert_eq!(
            names(OutputFormat::Both),
            ["daily.csv", "daily.parquet", "summary.json"]
        );
        for f in OutputFormat::ALL {
            assert_eq!(OutputFormat::parse(f.name()), Ok(f));
        }
        assert!(OutputFormat::parse("xlsx")
            .unwrap_err()
            .contains("csv, parquet or both"));
    }

    #[test]
    fn a_bad_file_is_a_read_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("daily.parquet");
        std::fs::write(&p, "day\n0\n").unwrap();
        let e = parquet_to_csv(&p).unwrap_err();
        assert!(e.to_string().contains("daily.parquet"), "{e}");
    }
}
