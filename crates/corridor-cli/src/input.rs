//! Loading what the commands run on: a Flee instance directory or the built-in
//! scenario, with its reader warnings and input digests.
//!
//! The built-in scenario is materialised into a temporary directory that lives as
//! long as the returned [`Loaded`], so input paths recorded in outputs are always
//! relative to an instance directory and never absolute.

use crate::builtin;
use crate::exit::BadInput;
use anyhow::{Context, Result};
use corridor_io::write::{InputDigest, InputKind};
use corridor_model::Scenario;
use std::path::{Path, PathBuf};

/// A scenario ready to run.
pub struct Loaded {
    pub scenario: Scenario,
    pub kind: InputKind,
    pub warnings: Vec<String>,
    pub inputs: Vec<InputDigest>,
    /// Where it was read from, for messages.
    pub source: String,
    /// Keeps the built-in scenario's files alive while the run needs them.
    _tmp: Option<tempfile::TempDir>,
}

/// Reads a Flee instance directory. A missing directory is bad input (exit 2).
pub fn load_flee(dir: &Path) -> Result<Loaded> {
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is not a directory"
        } else {
            "no such directory"
        };
        return Err(BadInput(format!("{}: {what}", dir.display())).into());
    }
    let inst = corridor_io::flee::read_flee_instance(dir)
        .with_context(|| format!("reading Flee instance {}", dir.display()))?;
    Ok(Loaded {
        scenario: inst.scenario,
        kind: InputKind::Flee,
        warnings: inst.warnings.iter().map(|w| w.to_string()).collect(),
        inputs: inst
            .inputs
            .iter()
            .map(|f| InputDigest {
                path: f.rel_path.to_string(),
                sha256: f.sha256.to_string(),
            })
            .collect(),
        source: dir.display().to_string(),
        _tmp: None,
    })
}

/// Reads the built-in scenario (see [`builtin`]).
pub fn load_builtin() -> Result<Loaded> {
    let tmp = tempfile::tempdir().context("creating a temporary directory")?;
    let dir = builtin::materialise(tmp.path())?;
    let mut loaded = load_flee(&dir)?;
    loaded.scenario.name = builtin::NAME.to_string();
    loaded.source = format!("built-in scenario {}", builtin::NAME);
    loaded._tmp = Some(tmp);
    Ok(loaded)
}

/// Reads `input`, or the built-in scenario when there is none.
pub fn load(input: Option<&Path>) -> Result<Loaded> {
    match input {
        Some(p) => load_flee(p),
        None => load_builtin(),
    }
}

/// A folder name for a scenario name: letters, digits, `-`, `_` and `.` are kept,
/// anything else (path separators included) becomes `_`.
pub fn folder_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        "scenario".into()
    } else {
        s
    }
}

/// `corridor-out/<scenario>`: the default output directory.
pub fn default_out_dir(scenario: &Scenario) -> PathBuf {
    Path::new("corridor-out").join(folder_name(&scenario.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_safe() {
        assert_eq!(folder_name("mali2012"), "mali2012");
        assert_eq!(folder_name("a/b c"), "a_b_c");
        assert_eq!(folder_name(".."), "scenario");
        assert_eq!(folder_name(""), "scenario");
    }
}
