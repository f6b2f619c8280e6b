//! Run metadata that the scenario and the run output do not carry: the input kind,
//! input digests, version, engine, variant and reader warnings (summary.json).

use serde::Serialize;

/// What kind of input a run was read from (`summary.json` `input_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputKind {
    /// A Flee instance directory: out.csv is written.
    #[default]
    Flee,
    /// A corridor `scenario.toml`.
    Scenario,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Flee => "flee",
            InputKind::Scenario => "scenario",
        }
    }
}

/// One input file and its digest, as listed in `summary.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputDigest {
    /// Relative to the input directory, `/`-separated.
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Run metadata that is not in the scenario or the run output. Construct it with
/// `..RunMeta::default()` so that new fields do not break callers.
#[derive(Debug, Clone, Default)]
pub struct RunMeta {
    /// `CARGO_PKG_VERSION` of the binary.
    pub corridor_version: String,
    pub input_kind: InputKind,
    /// `agents` or `counts`.
    pub engine: String,
    pub inputs: Vec<InputDigest>,
    /// Reader warnings; the run's own warnings are appended after them.
    pub warnings: Vec<String>,
    /// The policy variant applied to the scenario (`summary.json` `variant`).
    pub variant: Option<String>,
    /// The observation file the scenario names (relative to it), recorded in
    /// `summary.json` `comparison`; `None` when it names none.
    pub observations: Option<String>,
    /// The scenario's observed monthly encounters with their windows and fit
    /// (observed_monthly.csv, summary.json `comparison`); `None` when it ships none.
    pub encounters: Option<super::EncounterObservations>,
}
