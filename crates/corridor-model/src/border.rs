//! Corridor extensions to Flee (DESIGN §3.2): ports of entry, appointments,
//! checkpoints, shelters, inflows, crossings between ports, caravans and events.
//!
//! Empty for Flee instances. The types here are filled by the scenario reader and
//! acted on by the engine's border step.

use serde::Serialize;

/// All border processes of a scenario.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Border {}

impl Border {
    /// True when the scenario has no border process at all (a plain Flee run).
    pub fn is_empty(&self) -> bool {
        true
    }
}
