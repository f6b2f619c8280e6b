//! Loading what the commands run on: a Flee instance directory, a corridor
//! scenario (`scenario.toml`, or a directory holding one) or the built-in
//! scenario, with its reader warnings and input digests.
//!
//! Invariants: input paths recorded in outputs are relative to the input (an
//! instance directory or the scenario file's directory), never absolute; a
//! directory with a `scenario.toml` is read as a scenario even if it also looks
//! like a Flee instance; every problem with the input is bad input (exit 2).

use crate::builtin;
use crate::exit::BadInput;
use anyhow::{Context, Result};
use corridor_io::flee::InputFile;
use corridor_io::scenario::ScenarioInstance;
use corridor_io::write::{InputDigest, InputKind};
use corridor_model::Scenario;
use std::path::{Path, PathBuf};

/// The file name that makes a directory a scenario directory.
pub const SCENARIO_FILE: &str = "scenario.toml";

/// A scenario ready to run.
pub struct Loaded {
    pub scenario: Scenario,
    pub kind: InputKind,
    /// The scenario's own seed (`seed` in scenario.toml); `--seed` overrides it.
    pub seed: Option<u64>,
    /// The observation file the scenario names (`tables.observations`).
    pub observations: Option<String>,
    pub warnings: Vec<String>,
    pub inputs: Vec<InputDigest>,
    /// Where it was read from, for messages.
    pub source: String,
}

impl Loaded {
    /// The scenario with a policy variant's events applied; an unknown name is bad
    /// input and the message lists the variants the scenario defines.
    pub fn with_variant(&self, variant: Option<&str>) -> Result<Scenario> {
        let mut s = self.scenario.clone();
        if let Some(name) = variant {
            if self.kind != InputKind::Scenario {
                return Err(BadInput(format!(
                    "{}: --variant needs a corridor scenario (scenario.toml); a Flee instance has no variants",
                    self.source
                ))
                .into());
            }
            s.border
                .apply_variant(name)
                .map_err(|e| BadInput(format!("{}: {e}", self.source)))?;
        }
        Ok(s)
    }

    /// Names of the scenario's policy variants, in file order.
    pub fn variant_names(&self) -> Vec<String> {
        self.scenario
            .border
            .variants
            .iter()
            .map(|v| v.name.clone())
            .collect()
    }

    /// `--seed` if given, else the scenario's seed, else 1.
    pub fn seed(&self, cli: Option<u64>) -> u64 {
        cli.or(self.seed).unwrap_or(1)
    }
}

fn digests(files: &[InputFile]) -> Vec<InputDigest> {
    files
        .iter()
        .map(|f| InputDigest {
            path: f.rel_path.to_string(),
            sha256: f.sha256.to_string(),
        })
        .collect()
}

fn missing(path: &Path) -> anyhow::Error {
    let what = if path.exists() {
        "is not a directory"
    } else {
        "no such file or directory"
    };
    BadInput(format!("{}: {what}", path.display())).into()
}

/// Reads a Flee instance directory. A missing directory is bad input (exit 2).
pub fn load_flee(dir: &Path) -> Result<Loaded> {
    if !dir.is_dir() {
        return Err(missing(dir));
    }
    let inst = corridor_io::flee::read_flee_instance(dir)
        .with_context(|| format!("reading Flee instance {}", dir.display()))?;
    Ok(Loaded {
        scenario: inst.scenario,
        kind: InputKind::Flee,
        seed: None,
        observations: None,
        warnings: inst.warnings.iter().map(|w| w.to_string()).collect(),
        inputs: digests(&inst.inputs),
        source: dir.display().to_string(),
    })
}

/// The `tables.observations` entry of a scenario's TOML text, if any. The reader
/// has already accepted the text, so a parse failure here just means "none".
fn observations_file(toml_text: &str) -> Option<String> {
    let doc: toml::Table = toml_text.parse().ok()?;
    doc.get("tables")?
        .get("observations")?
        .as_str()
        .map(str::to_string)
}

fn from_instance(inst: ScenarioInstance, toml_text: &str, source: String) -> Loaded {
    Loaded {
        scenario: inst.scenario,
        kind: InputKind::Scenario,
        seed: inst.seed,
        observations: observations_file(toml_text),
        warnings: inst.warnings,
        inputs: digests(&inst.inputs),
        source,
    }
}

/// Reads a `scenario.toml` and its tables.
pub fn load_scenario(path: &Path) -> Result<Loaded> {
    let inst = corridor_io::scenario::read_scenario(path)
        .with_context(|| format!("reading scenario {}", path.display()))?;
    // Read after the reader succeeded, so a missing file is reported by the reader.
    let text = std::fs::read_to_string(path).unwrap_or_default();
    Ok(from_instance(inst, &text, path.display().to_string()))
}

/// Reads the built-in scenario (see [`builtin`]).
pub fn load_builtin() -> Result<Loaded> {
    let inst = builtin::read_mexico()?;
    let text = builtin::mexico_file(SCENARIO_FILE).unwrap_or_default();
    Ok(from_instance(
        inst,
        text,
        format!("built-in scenario {}", builtin::MEXICO),
    ))
}

/// What an input path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPath {
    /// A scenario file (any file is read as scenario TOML).
    Scenario(PathBuf),
    /// A Flee instance directory.
    Flee(PathBuf),
}

/// Decides how to read `input`: a file is a scenario; a directory with a
/// `scenario.toml` is that scenario; any other directory is a Flee instance;
/// anything else is bad input.
pub fn classify(input: &Path) -> Result<InputPath> {
    if input.is_file() {
        return Ok(InputPath::Scenario(input.to_path_buf()));
    }
    if input.is_dir() {
        let toml = input.join(SCENARIO_FILE);
        return Ok(if toml.is_file() {
            InputPath::Scenario(toml)
        } else {
            InputPath::Flee(input.to_path_buf())
        });
    }
    Err(missing(input))
}

/// Reads `input` (a Flee instance directory, a scenario file or a directory with
/// a scenario.toml), or the built-in scenario when there is none.
pub fn load(input: Option<&Path>) -> Result<Loaded> {
    match input {
        None => load_builtin(),
        Some(p) => match classify(p)? {
            InputPath::Scenario(f) => load_scenario(&f),
            InputPath::Flee(d) => load_flee(&d),
        },
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

/// `corridor-out/<scenario>`, or `corridor-out/<scenario>-<variant>` for a
/// variant: the default output directory of `corridor run`.
pub fn default_out_dir(scenario: &Scenario, variant: Option<&str>) -> PathBuf {
    let name = match variant {
        Some(v) => format!("{}-{v}", scenario.name),
        None => scenario.name.clone(),
    };
    Path::new("corridor-out").join(folder_name(&name))
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

    #[test]
    fn default_out_dirs() {
        let s = Scenario::new(
            "mexico-2023",
            corridor_model::Date::parse("2023-06-01").unwrap(),
            3,
        );
        assert_eq!(
            default_out_dir(&s, None),
            Path::new("corridor-out/mexico-2023")
        );
        assert_eq!(
            default_out_dir(&s, Some("appointments-x2")),
            Path::new("corridor-out/mexico-2023-appointments-x2")
        );
    }

    #[test]
    fn observation_file_is_found_in_tables() {
        let t = "name = \"x\"\n[tables]\nlocations = \"l.csv\"\nobservations = \"obs.csv\"\n";
        assert_eq!(observations_file(t).as_deref(), Some("obs.csv"));
        assert_eq!(observations_file("name = \"x\"\n"), None);
        assert_eq!(observations_file("not toml ["), None);
    }

    #[test]
    fn classify_inputs() {
        let tmp = tempfile::tempdir().unwrap();
        let flee = tmp.path().join("flee");
        std::fs::create_dir(&flee).unwrap();
        assert_eq!(classify(&flee).unwrap(), InputPath::Flee(flee.clone()));
        let sc = tmp.path().join("sc");
        std::fs::create_dir(&sc).unwrap();
        std::fs::write(sc.join(SCENARIO_FILE), "").unwrap();
        assert_eq!(
            classify(&sc).unwrap(),
            InputPath::Scenario(sc.join(SCENARIO_FILE))
        );
        assert_eq!(
            classify(&sc.join(SCENARIO_FILE)).unwrap(),
            InputPath::Scenario(sc.join(SCENARIO_FILE))
        );
        let err = classify(&tmp.path().join("nope")).unwrap_err();
        assert_eq!(crate::exit::code(&err), crate::exit::BAD_INPUT);
        assert!(
            err.to_string().contains("no such file or directory"),
            "{err}"
        );
    }
}
