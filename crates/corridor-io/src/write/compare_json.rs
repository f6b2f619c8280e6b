//! The key numbers of a run for a comparison of policy variants (defined in
//! `corridor_model::key_numbers`), in people; compare.json itself is rendered by
//! the comparison (`corridor::compare`), which also knows the members' paired
//! differences and the common window.

use super::{shape, WriteError};
use corridor_model::key_numbers::KeyNumbers;
use corridor_model::record::RunOutput;
use corridor_model::scenario::Scenario;

/// The key numbers of one run (see [`KeyNumbers`]), shape errors naming compare.json.
pub fn key_numbers(scenario: &Scenario, run: &RunOutput) -> Result<KeyNumbers, WriteError> {
    corridor_model::key_numbers::key_numbers(scenario, run).map_err(|e| shape("compare.json", e))
}
