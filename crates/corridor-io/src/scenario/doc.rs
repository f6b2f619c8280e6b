//! Typed, line-aware access to the tables of `scenario.toml`.
//!
//! The file is parsed with `toml_edit`, which keeps the byte span of every key and
//! value; spans become 1-based line numbers here, so every message names the file,
//! the line and the full key (`appointments.per_day`, `events[3].port`; arrays of
//! tables are numbered from 1 as they appear in the file). A [`Tab`] is one table
//! being read: [`Tab::new`] rejects keys outside the allowed list, and the typed
//! getters turn a missing key or a value of the wrong type or range into an
//! [`InputError`]. Nothing here panics on any input.

use crate::error::InputError;
use corridor_model::Date;
use std::ops::Range;
use toml_edit::{Item, Key, TableLike, Value};

/// The text of one TOML file with its name as shown in messages.
pub(crate) struct Source<'a> {
    pub file: &'a str,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub fn new(file: &'a str, text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source { file, line_starts }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset)
    }

    pub fn line(&self, span: Option<Range<usize>>) -> Option<usize> {
        span.map(|s| self.line_of(s.start))
    }

    /// Parses the whole file; a syntax error names its line.
    pub fn parse(&self, text: &'a str) -> Result<toml_edit::ImDocument<&'a str>, InputError> {
        toml_edit::ImDocument::parse(text).map_err(|e| InputError::Invalid {
            path: self.file.to_string(),
            line: self.line(e.span()),
            message: format!("not valid TOML: {}", e.message().trim()),
        })
    }

    /// "expected …, found …" for `key`.
    pub fn bad(&self, line: Option<usize>, key: &str, expected: &str, found: String) -> InputError {
        InputError::BadSetting {
            path: self.file.to_string(),
            line,
            key: key.to_string(),
            expected: expected.to_string(),
            found,
        }
    }

    pub fn invalid(&self, line: Option<usize>, message: String) -> InputError {
        InputError::Invalid {
            path: self.file.to_string(),
            line,
            message,
        }
    }

    /// "<what> '<name>' is not defined in <defined_in>".
    pub fn unknown_ref(
        &self,
        line: Option<usize>,
        what: &str,
        name: &str,
        defined_in: &str,
    ) -> InputError {
        match line {
            Some(line) => InputError::UnknownReference {
                path: self.file.to_string(),
                line,
                what: what.to_string(),
                name: name.to_string(),
                defined_in: defined_in.to_string(),
            },
            None => self.invalid(
                None,
                format!("{what} '{name}' is not defined in {defined_in}"),
            ),
        }
    }
}

/// How a TOML item reads in a message.
pub(crate) fn show_item(item: &Item) -> String {
    match item {
        Item::None => "nothing".into(),
        Item::Value(v) => show(v),
        Item::Table(_) => "a table".into(),
        Item::ArrayOfTables(_) => "a list of tables".into(),
    }
}

/// How a TOML value reads in a message.
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{:?}", s.value()),
        Value::Integer(i) => i.value().to_string(),
        Value::Float(f) => show_float(*f.value()),
        Value::Boolean(b) => b.value().to_string(),
        Value::Datetime(d) => d.value().to_string(),
        Value::Array(_) => "a list".into(),
        Value::InlineTable(_) => "a table".into(),
    }
}

/// A float as a message shows it: as `Display` writes it, except that very large and
/// very small magnitudes are in exponent form (`1e308`, not 309 digits).
pub(crate) fn show_float(x: f64) -> String {
    let a = x.abs();
    if a.is_finite() && a != 0.0 && !(1e-6..1e15).contains(&a) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// A number from a TOML integer or float.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i.value() as f64),
        Value::Float(f) => Some(*f.value()).filter(|x| x.is_finite()),
        _ => None,
    }
}

/// A name with its number and the line it is on.
pub(crate) type Named<'a> = (&'a str, f64, Option<usize>);

/// One table being read.
pub(crate) struct Tab<'a> {
    pub src: &'a Source<'a>,
    /// Full key of the table (`""` at the top, `appointments`, `events[2]`).
    pub path: String,
    table: &'a dyn TableLike,
    /// Line of the table's header, when known.
    pub line: Option<usize>,
}

impl<'a> Tab<'a> {
    /// Wraps a table, rejecting keys not in `allowed`.
    pub fn new(
        src: &'a Source<'a>,
        path: String,
        table: &'a dyn TableLike,
        line: Option<usize>,
        allowed: &[&str],
    ) -> Result<Self, InputError> {
        let t = Tab {
            src,
            path,
            table,
            line,
        };
        for (k, _) in table.iter() {
            if !allowed.contains(&k) {
                let line = t.key_line(k);
                return Err(src.invalid(
                    line,
                    format!(
                        "unknown key '{}' (expected one of: {})",
                        t.full(k),
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(t)
    }

    /// The full key of `k` in this table.
    pub fn full(&self, k: &str) -> String {
        if self.path.is_empty() {
            k.to_string()
        } else {
            format!("{}.{k}", self.path)
        }
    }

    fn entry(&self, k: &str) -> Option<(&'a Key, &'a Item)> {
        self.table.get_key_value(k).filter(|(_, i)| !i.is_none())
    }

    pub fn has(&self, k: &str) -> bool {
        self.entry(k).is_some()
    }

    /// Line of the key `k` (its value's line if the key has no span).
    pub fn key_line(&self, k: &str) -> Option<usize> {
        let (key, item) = self.table.get_key_value(k)?;
        self.src
            .line(key.span())
            .or_else(|| self.src.line(item.span()))
            .or(self.line)
    }

    /// Line of the value of `k`.
    pub fn value_line(&self, k: &str) -> Option<usize> {
        let (_, item) = self.table.get_key_value(k)?;
        self.src.line(item.span()).or_else(|| self.key_line(k))
    }

    /// "expected …" error about the value of `k`.
    pub fn bad(&self, k: &str, expected: &str) -> InputError {
        let found = self
            .entry(k)
            .map(|(_, i)| show_item(i))
            .unwrap_or_else(|| "nothing".into());
        self.src
            .bad(self.value_line(k), &self.full(k), expected, found)
    }

    /// "missing key" error.
    pub fn missing(&self, k: &str) -> InputError {
        self.src
            .invalid(self.line, format!("missing key '{}'", self.full(k)))
    }

    /// Free-form error located at key `k`.
    pub fn error_at(&self, k: &str, message: String) -> InputError {
        self.src.invalid(self.value_line(k), message)
    }

    fn value(&self, k: &str) -> Option<&'a Value> {
        match self.entry(k)?.1 {
            Item::Value(v) => Some(v),
            _ => None,
        }
    }

    /// A required key's presence, as an error when absent.
    pub fn require(&self, k: &str) -> Result<(), InputError> {
        if self.has(k) {
            Ok(())
        } else {
            Err(self.missing(k))
        }
    }

    /// Optional string.
    pub fn opt_str(&self, k: &str) -> Result<Option<&'a str>, InputError> {
        if !self.has(k) {
            return Ok(None);
        }
        match self.value(k) {
            Some(Value::String(s)) => Ok(Some(s.value().as_str())),
            _ => Err(self.bad(k, "a string")),
        }
    }

    /// Required non-empty string.
    pub fn str(&self, k: &str) -> Result<&'a str, InputError> {
        match self.opt_str(k)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => Err(self.bad(k, "a non-empty string")),
            None => Err(self.missing(k)),
        }
    }

    /// Optional number satisfying `ok`.
    pub fn opt_f64(
        &self,
        k: &str,
        ok: fn(f64) -> bool,
        expected: &str,
    ) -> Result<Option<f64>, InputError> {
        if !self.has(k) {
            return Ok(None);
        }
        match self.value(k).and_then(number) {
            Some(x) if ok(x) => Ok(Some(x)),
            _ => Err(self.bad(k, expected)),
        }
    }

    /// Required number satisfying `ok`.
    pub fn f64(&self, k: &str, ok: fn(f64) -> bool, expected: &str) -> Result<f64, InputError> {
        self.opt_f64(k, ok, expected)?
            .ok_or_else(|| self.missing(k))
    }

    /// Optional whole number in `min..=max`.
    pub fn opt_int(
        &self,
        k: &str,
        min: i64,
        max: i64,
        expected: &str,
    ) -> Result<Option<i64>, InputError> {
        if !self.has(k) {
            return Ok(None);
        }
        match self.value(k) {
            Some(Value::Integer(i)) if (min..=max).contains(i.value()) => Ok(Some(*i.value())),
            _ => Err(self.bad(k, expected)),
        }
    }

    /// Required whole number in `min..=max`.
    pub fn int(&self, k: &str, min: i64, max: i64, expected: &str) -> Result<i64, InputError> {
        self.opt_int(k, min, max, expected)?
            .ok_or_else(|| self.missing(k))
    }

    /// Optional boolean.
    pub fn opt_bool(&self, k: &str) -> Result<Option<bool>, InputError> {
        if !self.has(k) {
            return Ok(None);
        }
        match self.value(k) {
            Some(Value::Boolean(b)) => Ok(Some(*b.value())),
            _ => Err(self.bad(k, "true or false")),
        }
    }

    /// Optional date: a string `YYYY-MM-DD` or a TOML local date.
    pub fn opt_date(&self, k: &str) -> Result<Option<Date>, InputError> {
        if !self.has(k) {
            return Ok(None);
        }
        let d = match self.value(k) {
            Some(Value::String(s)) => Date::parse(s.value()),
            Some(Value::Datetime(d)) => {
                let d = d.value();
                match (d.date, d.time, d.offset) {
                    (Some(x), None, None) => {
                        Date::from_ymd(x.year as i64, x.month as u32, x.day as u32)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        d.map(Some).ok_or_else(|| self.bad(k, "a date YYYY-MM-DD"))
    }

    /// Optional list of strings.
    pub fn opt_str_list(&self, k: &str) -> Result<Option<Vec<&'a str>>, InputError> {
        if !self.has(k) {
            return Ok(None);
        }
        let Some(Value::Array(a)) = self.value(k) else {
            return Err(self.bad(k, "a list of strings"));
        };
        let mut out = Vec::with_capacity(a.len());
        for v in a.iter() {
            match v {
                Value::String(s) => out.push(s.value().as_str()),
                _ => return Err(self.bad(k, "a list of strings")),
            }
        }
        Ok(Some(out))
    }

    /// Optional sub-table (a `[section]`, a dotted key or an inline table).
    pub fn opt_table(&self, k: &str, allowed: &[&str]) -> Result<Option<Tab<'a>>, InputError> {
        let Some((key, item)) = self.entry(k) else {
            return Ok(None);
        };
        match item.as_table_like() {
            Some(t) => {
                let line = self
                    .src
                    .line(key.span())
                    .or_else(|| self.src.line(item.span()));
                Tab::new(self.src, self.full(k), t, line, allowed).map(Some)
            }
            None => Err(self.bad(k, "a table")),
        }
    }

    /// A sub-table whose keys are free (names) with number values satisfying `ok`:
    /// (name, value, line) in file order.
    pub fn opt_number_map(
        &self,
        k: &str,
        ok: fn(f64) -> bool,
        expected: &str,
    ) -> Result<Option<Vec<Named<'a>>>, InputError> {
        let Some((_, item)) = self.entry(k) else {
            return Ok(None);
        };
        let Some(t) = item.as_table_like() else {
            return Err(self.bad(k, "a table of names and numbers"));
        };
        let mut out = Vec::new();
        for (name, v) in t.iter() {
            let line = t
                .get_key_value(name)
                .and_then(|(key, _)| self.src.line(key.span()))
                .or_else(|| self.value_line(k));
            let x = match v {
                Item::Value(v) => number(v).filter(|x| ok(*x)),
                _ => None,
            };
            match x {
                Some(x) => out.push((name, x, line)),
                None => {
                    return Err(self.src.bad(
                        line,
                        &format!("{}.{name}", self.full(k)),
                        expected,
                        show_item(v),
                    ))
                }
            }
        }
        Ok(Some(out))
    }

    /// Optional array of tables (`[[caravans]]`, or an array of inline tables);
    /// each element is checked against `allowed`.
    pub fn opt_tables(&self, k: &str, allowed: &[&str]) -> Result<Vec<Tab<'a>>, InputError> {
        let Some((key, item)) = self.entry(k) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        match item {
            Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    let line = self
                        .src
                        .line(t.span())
                        .or_else(|| self.src.line(key.span()));
                    out.push(Tab::new(
                        self.src,
                        format!("{}[{}]", self.full(k), i + 1),
                        t,
                        line,
                        allowed,
                    )?);
                }
            }
            Item::Value(Value::Array(a)) => {
                for (i, v) in a.iter().enumerate() {
                    let Value::InlineTable(t) = v else {
                        return Err(self.bad(k, "a list of tables"));
                    };
                    let line = self
                        .src
                        .line(t.span())
                        .or_else(|| self.src.line(key.span()));
                    out.push(Tab::new(
                        self.src,
                        format!("{}[{}]", self.full(k), i + 1),
                        t,
                        line,
                        allowed,
                    )?);
                }
            }
            _ => return Err(self.bad(k, "a list of tables")),
        }
        Ok(out)
    }

    /// Every (key, item) of this table, for generic conversions.
    pub fn entries(&self) -> Vec<(&'a str, &'a Item)> {
        self.table.iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_from_offsets() {
        let s = Source::new("x.toml", "a\nbb\n\nc");
        assert_eq!(s.line_of(0), 1);
        assert_eq!(s.line_of(1), 1);
        assert_eq!(s.line_of(2), 2);
        assert_eq!(s.line_of(5), 3);
        assert_eq!(s.line_of(6), 4);
    }

    #[test]
    fn extreme_floats_read_short_in_messages() {
        let text = "big = 1e308\ntiny = -1e-320\nplain = 1000.5\n";
        let src = Source::new("s.toml", text);
        let doc = src.parse(text).unwrap();
        let top = Tab::new(
            &src,
            String::new(),
            doc.as_table(),
            None,
            &["big", "tiny", "plain"],
        )
        .unwrap();
        let msg = |k: &str| {
            top.f64(k, |x| x < 1000.0, "below 1000")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            msg("big"),
            "s.toml:1: key 'big': expected below 1000, found 1e308"
        );
        assert_eq!(
            msg("plain"),
            "s.toml:3: key 'plain': expected below 1000, found 1000.5"
        );
        assert_eq!(show_float(-1e-320), "-1e-320");
        assert_eq!(show_float(4294967296.0), "4294967296");
        assert_eq!(show_float(f64::NAN), "NaN");
    }

    #[test]
    fn getters_and_messages() {
        let text = "a = 1\nb = \"x\"\n[t]\nc = 2.5\nd = [\"p\", \"q\"]\n";
        let src = Source::new("s.toml", text);
        let doc = src.parse(text).unwrap();
        let top = Tab::new(&src, String::new(), doc.as_table(), None, &["a", "b", "t"]).unwrap();
        assert_eq!(top.int("a", 0, 9, "a digit").unwrap(), 1);
        assert_eq!(top.str("b").unwrap(), "x");
        let e = top.int("b", 0, 9, "a digit").unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.toml:2: key 'b': expected a digit, found \"x\""
        );
        let t = top.opt_table("t", &["c", "d"]).unwrap().unwrap();
        assert_eq!(t.f64("c", |x| x > 0.0, "> 0").unwrap(), 2.5);
        assert_eq!(t.opt_str_list("d").unwrap().unwrap(), vec!["p", "q"]);
        let e = t.str("zz").unwrap_err();
        assert_eq!(e.to_string(), "s.toml:3: missing key 't.zz'");
        let e = Tab::new(&src, String::new(), doc.as_table(), None, &["a", "t"])
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "s.toml:2: unknown key 'b' (expected one of: a, t)"
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let text = "a = 1\nb = = 2\n";
        let src = Source::new("s.toml", text);
        let e = src.parse(text).err().unwrap();
        assert!(
            e.to_string().starts_with("s.toml:2: not valid TOML:"),
            "{e}"
        );
    }
}
