//! Errors of the simulation core. Input problems are caught by readers; what is
//! left here are scenario inconsistencies that only show while simulating.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    /// The scenario breaks an invariant the readers should have established.
    #[error("invalid scenario: {0}")]
    InvalidScenario(String),
    /// People must be spawned but no location can receive them.
    #[error(
        "day {day}: {needed} people to spawn but no conflict zone has a positive spawn weight"
    )]
    NoSpawnLocation { day: u32, needed: u64 },
}
