//! Input errors: everything that can be wrong with the files a user hands to corridor.
//!
//! Every variant names the file (relative to the instance directory where possible,
//! with `/` separators), the 1-based line when one applies, and says what was
//! expected and what was found, so a user can fix the file without reading code.
//! The CLI maps every `InputError` to exit code 2 ([`InputError::EXIT_CODE`]).
//! Messages are part of the interface: `tests/bad-inputs/*/expected.txt` pins them.

use thiserror::Error;

/// A problem with an input file. `Display` gives the full, user-facing message.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum InputError {
    /// The directory does not look like a Flee instance at all.
    #[error("{dir}: not a Flee instance directory: {reason}")]
    NotAnInstance { dir: String, reason: String },

    /// A required file is absent. `needed_for` says why it is required.
    #[error("{path}: file not found ({needed_for})")]
    MissingFile { path: String, needed_for: String },

    /// The file exists but could not be read.
    #[error("{path}: cannot read the file: {message}")]
    Io { path: String, message: String },

    /// Bytes that are not UTF-8 text (e.g. a Latin-1 export from a spreadsheet).
    #[error("{path}:{line}: not valid UTF-8 text (byte 0x{byte:02X} at column {column}); save the file as UTF-8")]
    NotUtf8 {
        path: String,
        line: usize,
        column: usize,
        byte: u8,
    },

    /// A line whose shape is wrong (unterminated quote, too few fields, ...).
    #[error("{path}:{line}: {message}")]
    Malformed {
        path: String,
        line: usize,
        message: String,
    },

    /// One field does not hold the value it must hold. `column` is 1-based.
    #[error("{path}:{line}: field '{field}' (column {column}): expected {expected}, found {}", quoted(.found))]
    BadField {
        path: String,
        line: usize,
        field: String,
        column: usize,
        expected: String,
        found: String,
    },

    /// A name that must be defined elsewhere (a location, a camp series) is not.
    #[error("{path}:{line}: {what} '{name}' is not defined in {defined_in}")]
    UnknownReference {
        path: String,
        line: usize,
        what: String,
        name: String,
        defined_in: String,
    },

    /// A name defined twice where names must be unique.
    #[error("{path}:{line}: duplicate {what} '{name}' (first defined on line {first_line})")]
    Duplicate {
        path: String,
        line: usize,
        what: String,
        name: String,
        first_line: usize,
    },

    /// A camp of locations.csv without a data_layout.csv row: Flee stops on it too.
    #[error("{path}: camp '{camp}' ({location_path}:{location_line}) has no row; every camp needs a data series (the first row is always the total)")]
    MissingCampData {
        path: String,
        camp: String,
        location_path: String,
        location_line: usize,
    },

    /// simsetting.yml is not valid YAML or not a mapping of sections.
    #[error("{}: {message}", at(.path, *.line))]
    Yaml {
        path: String,
        line: Option<usize>,
        message: String,
    },

    /// A simsetting.yml key with a value of the wrong type or out of range.
    #[error("{}: key '{key}': expected {expected}, found {found}", at(.path, *.line))]
    BadSetting {
        path: String,
        line: Option<usize>,
        key: String,
        expected: String,
        found: String,
    },

    /// A consistency problem between files or rows that no other variant describes.
    #[error("{}: {message}", at(.path, *.line))]
    Invalid {
        path: String,
        line: Option<usize>,
        message: String,
    },
}

impl InputError {
    /// The process exit code for bad input (docs/design.md §6).
    pub const EXIT_CODE: i32 = 2;

    /// The file the error is about, as shown in the message.
    pub fn path(&self) -> &str {
        match self {
            InputError::NotAnInstance { dir, .. } => dir,
            InputError::MissingFile { path, .. }
            | InputError::Io { path, .. }
            | InputError::NotUtf8 { path, .. }
            | InputError::Malformed { path, .. }
            | InputError::BadField { path, .. }
            | InputError::UnknownReference { path, .. }
            | InputError::Duplicate { path, .. }
            | InputError::MissingCampData { path, .. }
            | InputError::Yaml { path, .. }
            | InputError::BadSetting { path, .. }
            | InputError::Invalid { path, .. } => path,
        }
    }

    /// The 1-based line the error is about, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            InputError::NotUtf8 { line, .. }
            | InputError::Malformed { line, .. }
            | InputError::BadField { line, .. }
            | InputError::UnknownReference { line, .. }
            | InputError::Duplicate { line, .. } => Some(*line),
            InputError::Yaml { line, .. }
            | InputError::BadSetting { line, .. }
            | InputError::Invalid { line, .. } => *line,
            _ => None,
        }
    }
}

/// `path:line` or just `path`.
fn at(path: &str, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{path}:{l}"),
        None => path.to_string(),
    }
}

/// The offending text, quoted and escaped (control characters stay visible) and
/// shortened so one bad cell cannot flood the terminal.
fn quoted(found: &str) -> String {
    const MAX: usize = 60;
    if found.chars().count() > MAX {
        let head: String = found.chars().take(MAX).collect();
        format!("{:?}…", head)
    } else {
        format!("{found:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_field_message_names_file_line_field_and_column() {
        let e = InputError::BadField {
            path: "input_csv/locations.csv".into(),
            line: 5,
            field: "population".into(),
            column: 8,
            expected: "a whole number ≥ 0".into(),
            found: "12x".into(),
        };
        assert_eq!(
            e.to_string(),
            "input_csv/locations.csv:5: field 'population' (column 8): expected a whole number ≥ 0, found \"12x\""
        );
        assert_eq!(e.line(), Some(5));
        assert_eq!(e.path(), "input_csv/locations.csv");
    }

    #[test]
    fn long_or_odd_values_are_escaped_and_shortened() {
        assert_eq!(quoted("a\tb"), "\"a\\tb\"");
        let long = "x".repeat(100);
        assert_eq!(quoted(&long), format!("\"{}\"…", "x".repeat(60)));
    }

    #[test]
    fn optional_lines() {
        let e = InputError::BadSetting {
            path: "simsetting.yml".into(),
            line: None,
            key: "optimisations.hasten".into(),
            expected: "a whole number ≥ 1".into(),
            found: "0".into(),
        };
        assert_eq!(
            e.to_string(),
            "simsetting.yml: key 'optimisations.hasten': expected a whole number ≥ 1, found 0"
        );
        let e = InputError::Yaml {
            path: "simsetting.yml".into(),
            line: Some(3),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "simsetting.yml:3: bad");
    }
}
