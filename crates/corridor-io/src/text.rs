//! Tolerant CSV/text helpers shared by every reader.
//!
//! Flee's files are written by hand and by spreadsheets, so the parser accepts what
//! Python's `csv` module accepts and a little more: a UTF-8 byte-order mark, CRLF or
//! CR line ends, trailing blank lines, spaces and tabs around fields, quoted fields
//! (with `""` escapes and embedded line breaks) and `#` comment rows, which are
//! returned flagged (some readers treat a `#` row as a header) rather than dropped.
//!
//! Invariants: every [`Record`] carries the 1-based line on which it starts; fields
//! are trimmed; rows whose fields are all empty (blank lines, `,,,`) are skipped;
//! nothing here panics on any input — bad bytes become an [`InputError`] naming
//! the file and line. [`Cell`] turns one field into a typed value or an error that
//! names file, line, field and column.
//!
//! Every input file is read through [`read_capped`], which refuses files larger
//! than [`MAX_INPUT_BYTES`]: a mistyped path such as `/dev/zero` or a multi-gigabyte
//! export must end in a clear error, not in reading until memory runs out.

use crate::error::InputError;
use corridor_model::Date;
use std::io::Read as _;

/// The largest input file corridor reads (256 MiB): far above any real table
/// (the largest Flee instances' tables are a few MiB).
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a whole file, refusing one larger than [`MAX_INPUT_BYTES`] with an
/// error of kind `InvalidData` that says so. Devices and pipes are read up to the
/// cap, so an endless stream stops too.
pub fn read_capped(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    read_capped_at(path, MAX_INPUT_BYTES)
}

fn read_capped_at(path: &std::path::Path, cap: u64) -> std::io::Result<Vec<u8>> {
    let too_large = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB, the limit for an input file (is this the right file?)",
                cap / (1024 * 1024)
            ),
        )
    };
    let f = std::fs::File::open(path)?;
    let meta = f.metadata()?;
    if meta.is_file() && meta.len() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(if meta.is_file() {
        meta.len() as usize
    } else {
        0
    });
    f.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

/// One CSV row: its starting line (1-based) and its trimmed fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

impl Record {
    /// Field `i` (0-based), or `""` when the row is shorter.
    pub fn field(&self, i: usize) -> &str {
        self.fields.get(i).map(String::as_str).unwrap_or("")
    }

    /// A row whose first field starts with `#` (comment or header row).
    pub fn is_comment(&self) -> bool {
        self.field(0).starts_with('#')
    }

    /// Number of fields, ignoring trailing empty ones (`a,b,,` has 2).
    pub fn width(&self) -> usize {
        self.fields
            .iter()
            .rposition(|f| !f.is_empty())
            .map_or(0, |i| i + 1)
    }

    /// Refuses a row with fewer than `needed` fields, naming the file, the line
    /// and what a row holds (`expected` reads "at least 3 fields (a,b,c)").
    pub fn require_fields(
        &self,
        path: &str,
        needed: usize,
        expected: std::fmt::Arguments<'_>,
    ) -> Result<(), InputError> {
        if self.fields.len() >= needed {
            return Ok(());
        }
        Err(InputError::Malformed {
            path: path.to_string(),
            line: self.line,
            message: format!("expected {expected}, found {}", self.fields.len()),
        })
    }

    /// Field `i` wrapped for typed parsing; `name` is the field's name in messages.
    pub fn cell<'a>(&'a self, path: &'a str, i: usize, name: &'a str) -> Cell<'a> {
        Cell {
            path,
            line: self.line,
            column: i + 1,
            field: name,
            text: self.field(i),
        }
    }
}

/// Strips a UTF-8 byte-order mark and checks the bytes are UTF-8.
pub fn decode<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let bad = e.valid_up_to();
        let before = &bytes[..bad];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        InputError::NotUtf8 {
            path: path.to_string(),
            line,
            column: bad - line_start + 1,
            byte: bytes[bad],
        }
    })
}

/// Parses CSV text (comma-separated) into records, comment rows included.
pub fn parse_csv(path: &str, bytes: &[u8]) -> Result<Vec<Record>, InputError> {
    let text = decode(path, bytes)?;
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut chars = text.chars().peekable();
    // Where we are inside the current field.
    #[derive(PartialEq)]
    enum State {
        /// Nothing but whitespace read in this field yet.
        Start,
        Unquoted,
        Quoted,
        /// After the closing quote: anything up to the comma is appended, as Python does.
        AfterQuote,
    }
    let mut state = State::Start;
    let mut quote_line = 0usize;

    fn end_record(
        records: &mut Vec<Record>,
        fields: &mut Vec<String>,
        field: &mut String,
        line: usize,
    ) {
        fields.push(field.trim().to_string());
        field.clear();
        if fields.iter().any(|f| !f.is_empty()) {
            records.push(Record {
                line,
                fields: std::mem::take(fields),
            });
        } else {
            fields.clear();
        }
    }

    while let Some(c) = chars.next() {
        match state {
            State::Quoted => match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => state = State::AfterQuote,
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    field.push('\n');
                }
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            },
            _ => match c {
                ',' => {
                    fields.push(field.trim().to_string());
                    field.clear();
                    state = State::Start;
                }
                '\r' | '\n' => {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    end_record(&mut records, &mut fields, &mut field, record_line);
                    line += 1;
                    record_line = line;
                    state = State::Start;
                }
                '"' if state == State::Start => {
                    field.clear();
                    quote_line = line;
                    state = State::Quoted;
                }
                ' ' | '\t' if state == State::Start => field.push(c),
                _ => {
                    field.push(c);
                    if state == State::Start {
                        state = State::Unquoted;
                    }
                }
            },
        }
    }
    if state == State::Quoted {
        return Err(InputError::Malformed {
            path: path.to_string(),
            line: quote_line,
            message: "a quoted field is never closed (missing '\"')".into(),
        });
    }
    end_record(&mut records, &mut fields, &mut field, record_line);
    Ok(records)
}

/// Parses a whole number the way Python's `int()` does for plain text: optional
/// sign, ASCII digits, no decimal point.
pub fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// Parses a finite floating-point number (`nan` and `inf` are refused).
pub fn parse_finite(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// What a value must look like; shared wording keeps messages consistent.
pub mod expect {
    pub const WHOLE: &str = "a whole number";
    pub const WHOLE_NON_NEG: &str = "a whole number ≥ 0";
    pub const NUMBER: &str = "a finite number";
    pub const NUMBER_NON_NEG: &str = "a finite number ≥ 0";
    pub const DATE: &str = "a date YYYY-MM-DD";
    pub const NAME: &str = "a name";
}

/// One field of one record, ready to be parsed into a typed value.
#[derive(Debug, Clone, Copy)]
pub struct Cell<'a> {
    pub path: &'a str,
    pub line: usize,
    /// 1-based.
    pub column: usize,
    /// The field's name in messages (`population`, `distance`, ...).
    pub field: &'a str,
    pub text: &'a str,
}

impl<'a> Cell<'a> {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The error "expected `expected`, found <this text>".
    pub fn bad(&self, expected: &str) -> InputError {
        InputError::BadField {
            path: self.path.to_string(),
            line: self.line,
            field: self.field.to_string(),
            column: self.column,
            expected: expected.to_string(),
            found: self.text.to_string(),
        }
    }

    /// A non-empty string.
    pub fn name(&self) -> Result<&'a str, InputError> {
        if self.text.is_empty() {
            Err(self.bad(expect::NAME))
        } else {
            Ok(self.text)
        }
    }

    /// Any whole number.
    pub fn int(&self) -> Result<i64, InputError> {
        parse_int(self.text).ok_or_else(|| self.bad(expect::WHOLE))
    }

    /// A whole number ≥ 0.
    pub fn uint(&self) -> Result<u64, InputError> {
        match parse_int(self.text) {
            Some(v) if v >= 0 => Ok(v as u64),
            _ => Err(self.bad(expect::WHOLE_NON_NEG)),
        }
    }

    /// A whole number ≥ 0, or `default` when the field is empty.
    pub fn uint_or(&self, default: u64) -> Result<u64, InputError> {
        if self.is_empty() {
            Ok(default)
        } else {
            self.uint()
        }
    }

    /// A finite number.
    pub fn float(&self) -> Result<f64, InputError> {
        parse_finite(self.text).ok_or_else(|| self.bad(expect::NUMBER))
    }

    /// A finite number for which `ok` holds; `expected` describes the range.
    pub fn float_where(&self, ok: impl Fn(f64) -> bool, expected: &str) -> Result<f64, InputError> {
        match parse_finite(self.text) {
            Some(v) if ok(v) => Ok(v),
            _ => Err(self.bad(expected)),
        }
    }

    /// A finite number ≥ 0.
    pub fn non_negative(&self) -> Result<f64, InputError> {
        self.float_where(|v| v >= 0.0, expect::NUMBER_NON_NEG)
    }

    /// A finite number, or `default` when the field is empty.
    pub fn float_or(&self, default: f64) -> Result<f64, InputError> {
        if self.is_empty() {
            Ok(default)
        } else {
            self.float()
        }
    }

    /// A date `YYYY-MM-DD`.
    pub fn date(&self) -> Result<Date, InputError> {
        Date::parse(self.text).ok_or_else(|| self.bad(expect::DATE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(s: &str) -> Vec<(usize, Vec<String>)> {
        parse_csv("t.csv", s.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| (r.line, r.fields))
            .collect()
    }

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plain_rows_with_line_numbers() {
        assert_eq!(
            rows("a,b\nc,d\n"),
            vec![(1, v(&["a", "b"])), (2, v(&["c", "d"]))]
        );
    }

    #[test]
    fn bom_crlf_blank_lines_and_spaces() {
        let text = "\u{feff} a , b\t\r\n\r\n,,\r\n c,d \r\n\r\n\r\n";
        assert_eq!(rows(text), vec![(1, v(&["a", "b"])), (4, v(&["c", "d"]))]);
        // A lone CR ends a line too.
        assert_eq!(rows("a\rb"), vec![(1, v(&["a"])), (2, v(&["b"]))]);
    }

    #[test]
    fn quoted_fields() {
        assert_eq!(
            rows("\"A\",\"B, with comma\",\"say \"\"hi\"\"\"\n"),
            vec![(1, v(&["A", "B, with comma", "say \"hi\""]))]
        );
        // A line break inside quotes: the record keeps its first line; the next
        // record's line number still counts the physical lines.
        assert_eq!(
            rows("\"x\ny\",z\nw\n"),
            vec![(1, v(&["x\ny", "z"])), (3, v(&["w"]))]
        );
        // Space before the opening quote is tolerated; text after the closing
        // quote is kept, as Python's csv does.
        assert_eq!(rows("  \"a\"b ,c"), vec![(1, v(&["ab", "c"]))]);
        // A quote inside an unquoted field is literal.
        assert_eq!(rows("#\"name\",x"), vec![(1, v(&["#\"name\"", "x"]))]);
    }

    #[test]
    fn comment_rows_are_flagged_not_dropped() {
        let r = parse_csv("t.csv", b"#Day,A\n0,1\n").unwrap();
        assert!(r[0].is_comment());
        assert!(!r[1].is_comment());
        assert_eq!(r[1].width(), 2);
        let r = parse_csv("t.csv", b"a,b,,\n").unwrap();
        assert_eq!(r[0].width(), 2);
        assert_eq!(r[0].field(9), "");
    }

    #[test]
    fn unterminated_quote_is_an_error_on_its_line() {
        let e = parse_csv("x.csv", b"a,b\nc,\"d\ne,f\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.csv:2: a quoted field is never closed (missing '\"')"
        );
    }

    #[test]
    fn non_utf8_names_line_and_column() {
        let e = parse_csv("in/l.csv", b"a,b\nc,\xe9t\xe9\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "in/l.csv:2: not valid UTF-8 text (byte 0xE9 at column 3); save the file as UTF-8"
        );
    }

    #[test]
    fn oversized_and_endless_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.csv");
        std::fs::write(&p, vec![b'a'; 2 * 1024 * 1024 + 1]).unwrap();
        let e = read_capped_at(&p, 2 * 1024 * 1024).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(e.to_string().starts_with("larger than 2 MiB"), "{e}");
        assert_eq!(
            read_capped_at(&p, 3 * 1024 * 1024).unwrap().len(),
            2 * 1024 * 1024 + 1
        );
        // A device that never ends stops at the cap.
        if std::path::Path::new("/dev/zero").exists() {
            let e = read_capped_at(std::path::Path::new("/dev/zero"), 1024 * 1024).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        }
    }

    #[test]
    fn empty_input() {
        assert!(rows("").is_empty());
        assert!(rows("\u{feff}").is_empty());
        assert!(rows("\n\n  \n").is_empty());
    }

    #[test]
    fn numbers_and_dates() {
        assert_eq!(parse_int("+12"), Some(12));
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(parse_int("1.0"), None);
        assert_eq!(parse_int("12x"), None);
        assert_eq!(parse_int("-"), None);
        assert_eq!(parse_int("99999999999999999999"), None);
        assert_eq!(parse_finite("1e3"), Some(1000.0));
        assert_eq!(parse_finite("NaN"), None);
        assert_eq!(parse_finite("inf"), None);
        // Dates are corridor_model::Date's; the cell reader uses its parser.
        let r = &parse_csv("d.csv", b"2012-2-9,2013-02-29\n").unwrap()[0];
        assert_eq!(
            r.cell("d.csv", 0, "date").date().unwrap().to_string(),
            "2012-02-09"
        );
        assert!(r.cell("d.csv", 1, "date").date().is_err());
    }

    #[test]
    fn cells_produce_located_errors() {
        let r = &parse_csv("l.csv", b"\n\nA,x,12x\n").unwrap()[0];
        let c = r.cell("l.csv", 2, "population");
        assert_eq!(
            c.uint().unwrap_err().to_string(),
            "l.csv:3: field 'population' (column 3): expected a whole number ≥ 0, found \"12x\""
        );
        assert_eq!(r.cell("l.csv", 7, "extra").uint_or(4).unwrap(), 4);
        assert_eq!(r.cell("l.csv", 0, "name").name().unwrap(), "A");
        assert!(r.cell("l.csv", 7, "name").name().is_err());
    }
}
