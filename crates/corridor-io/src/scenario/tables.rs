//! The CSV tables of a scenario (`locations.csv`, `routes.csv`, `ports.csv`,
//! `checkpoints.csv`, `inflows.csv`, `crossings.csv`, `observations.csv`).
//!
//! Every table has a header row naming its columns (any order). Rows whose first
//! field starts with `#` are comments (sources, notes) and are skipped; blank rows
//! too. Every data row has exactly the header's fields: a row with more is an
//! error, and so is a row with fewer (a dropped trailing field would otherwise read
//! as "empty" and silently change a count; an empty field is written `,,`).
//! Flee's own files keep Flee's more lenient reading (`crate::flee`). A column outside the table's list is an error (a typo must not silently
//! drop a lever); `source` and `note` columns are allowed everywhere and ignored.
//! Cells are parsed with [`text::Cell`], so errors read
//! `file:line: field 'x' (column c): expected …, found "…"`. Counts of people are
//! divided by `hasten` here (whole counts with integer division, as Flee does for
//! populations; rates as floats).

use crate::error::InputError;
use crate::text::{self, Cell, Record};
use std::collections::HashMap;

/// Columns every table accepts and ignores.
const FREE: [&str; 2] = ["source", "note"];

/// A parsed table: header columns and data rows.
pub(crate) struct Table {
    pub file: String,
    pub header_line: usize,
    cols: HashMap<String, usize>,
    pub rows: Vec<Record>,
}

impl Table {
    /// Parses `bytes` as the table `file` with the given columns.
    pub fn parse(
        file: &str,
        bytes: &[u8],
        allowed: &[&str],
        required: &[&str],
    ) -> Result<Table, InputError> {
        let records = text::parse_csv(file, bytes)?;
        let mut it = records.into_iter().filter(|r| !r.is_comment());
        let Some(header) = it.next() else {
            return Err(InputError::Invalid {
                path: file.to_string(),
                line: None,
                message: format!("no header row (expected columns: {})", allowed.join(", ")),
            });
        };
        let mut cols = HashMap::new();
        for (i, name) in header.fields.iter().enumerate() {
            if name.is_empty() && i + 1 >= header.width() {
                continue;
            }
            if !allowed.contains(&name.as_str()) && !FREE.contains(&name.as_str()) {
                return Err(InputError::Invalid {
                    path: file.to_string(),
                    line: Some(header.line),
                    message: format!(
                        "unknown column '{name}' (expected one of: {})",
                        allowed.join(", ")
                    ),
                });
            }
            if cols.insert(name.clone(), i).is_some() {
                return Err(InputError::Invalid {
                    path: file.to_string(),
                    line: Some(header.line),
                    message: format!("column '{name}' appears twice"),
                });
            }
        }
        for r in required {
            if !cols.contains_key(*r) {
                return Err(InputError::Invalid {
                    path: file.to_string(),
                    line: Some(header.line),
                    message: format!("missing column '{r}'"),
                });
            }
        }
        let width = header.width();
        let rows: Vec<Record> = it.collect();
        for r in &rows {
            if r.width() > width {
                return Err(InputError::Malformed {
                    path: file.to_string(),
                    line: r.line,
                    message: format!("{} fields but the header has {width}", r.width()),
                });
            }
            // `fields.len()` counts written fields, empty ones included: `A,,` has 3.
            if r.fields.len() < width {
                let missing = r.fields.len();
                return Err(InputError::Malformed {
                    path: file.to_string(),
                    line: r.line,
                    message: format!(
                        "field '{}' (column {}) is missing: the row has {} fields but the header has {width} (write an empty field as ,, to leave it unset)",
                        header.field(missing),
                        missing + 1,
                        r.fields.len()
                    ),
                });
            }
        }
        Ok(Table {
            file: file.to_string(),
            header_line: header.line,
            cols,
            rows,
        })
    }

    /// The cell of column `name` in `row` (an empty cell when the column is absent).
    pub fn cell<'a>(&'a self, row: &'a Record, name: &'a str) -> Cell<'a> {
        match self.cols.get(name) {
            Some(&i) => row.cell(&self.file, i, name),
            None => Cell {
                path: &self.file,
                line: row.line,
                column: 0,
                field: name,
                text: "",
            },
        }
    }
}

/// `true`/`false` (also `yes`/`no`, `1`/`0`), or `default` when empty.
pub(crate) fn bool_or(c: &Cell, default: bool) -> Result<bool, InputError> {
    match c.text.to_ascii_lowercase().as_str() {
        "" => Ok(default),
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(c.bad("true or false")),
    }
}

/// A probability in [0, 1].
pub(crate) fn probability(c: &Cell) -> Result<f64, InputError> {
    c.float_where(|x| (0.0..=1.0).contains(&x), "a number between 0 and 1")
}

/// One of `choices` (exact, lower case).
pub(crate) fn choice<'a>(c: &Cell, choices: &[&'a str]) -> Result<&'a str, InputError> {
    choices
        .iter()
        .find(|&&x| x == c.text)
        .copied()
        .ok_or_else(|| c.bad(&format!("one of {}", choices.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_checks() {
        let t = Table::parse(
            "p.csv",
            b"# sources below\nport,capacity_per_day,source\nA,10,x\n",
            &["port", "capacity_per_day"],
            &["port"],
        )
        .unwrap();
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.cell(&t.rows[0], "capacity_per_day").text, "10");
        assert_eq!(t.cell(&t.rows[0], "absent").text, "");
        let e = Table::parse("p.csv", b"port,capacty\n", &["port", "capacity"], &[])
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "p.csv:1: unknown column 'capacty' (expected one of: port, capacity)"
        );
        let e = Table::parse("p.csv", b"capacity\n1\n", &["port", "capacity"], &["port"])
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "p.csv:1: missing column 'port'");
        let e = Table::parse("p.csv", b"port\nA,1\n", &["port"], &[])
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "p.csv:2: 2 fields but the header has 1");
    }

    #[test]
    fn short_rows_are_refused_empty_fields_are_not() {
        let cols = ["port", "capacity", "open"];
        let e = Table::parse("p.csv", b"port,capacity,open\nA,10\n", &cols, &[])
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "p.csv:2: field 'open' (column 3) is missing: the row has 2 fields but the header has 3 (write an empty field as ,, to leave it unset)"
        );
        let e = Table::parse("p.csv", b"port,capacity,open\n\nSolo\n", &cols, &[])
            .err()
            .unwrap();
        assert!(e
            .to_string()
            .starts_with("p.csv:3: field 'capacity' (column 2) is missing"));
        // Explicitly empty trailing fields are fine, as are spreadsheet-padded headers.
        let t = Table::parse("p.csv", b"port,capacity,open\nA,,\n", &cols, &[]).unwrap();
        assert_eq!(t.cell(&t.rows[0], "open").text, "");
        let t = Table::parse("p.csv", b"port,capacity,,\nA,1\n", &cols, &[]).unwrap();
        assert_eq!(t.rows.len(), 1);
    }
}
