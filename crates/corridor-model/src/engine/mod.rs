//! The day loop (flee-spec §2) and its agent engine.

use crate::error::ModelError;
use crate::record::RunOutput;
use crate::scenario::Scenario;

/// Which engine moves people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineKind {
    /// One agent per `hasten` people, struct-of-arrays.
    #[default]
    Agents,
    /// Exchangeable counts moved with binomial/multinomial draws.
    Counts,
}

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub seed: u64,
    /// Overrides `Scenario::days` when set.
    pub days: Option<u32>,
    pub engine: EngineKind,
}

/// Runs a scenario to the end.
pub fn simulate(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutput, ModelError> {
    let _ = (scenario, opts);
    Err(ModelError::InvalidScenario("engine not built yet".into()))
}
