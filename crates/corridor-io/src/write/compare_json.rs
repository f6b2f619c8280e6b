//! compare.json: the key numbers of each policy variant side by side (defined in
//! `corridor_model::key_numbers`), in people.

use super::{shape, to_json, WriteError};
use corridor_model::key_numbers::{KeyNumbers, MonthTotals};
use corridor_model::record::RunOutput;
use corridor_model::scenario::Scenario;
use serde::Serialize;

/// The key numbers of one run (see [`KeyNumbers`]), shape errors naming compare.json.
pub fn key_numbers(scenario: &Scenario, run: &RunOutput) -> Result<KeyNumbers, WriteError> {
    corridor_model::key_numbers::key_numbers(scenario, run).map_err(|e| shape("compare.json", e))
}

/// One variant of a comparison, as listed in compare.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareEntry {
    pub name: String,
    /// The variant's run directory, relative to the compare directory.
    pub dir: String,
    pub description: String,
    /// What the variant changes: each of its events, dated, in words.
    pub events: Vec<String>,
    pub key_numbers: KeyNumbers,
    /// Admitted and encountered people per month.
    pub monthly: Vec<MonthTotals>,
}

#[derive(Serialize)]
struct CompareFile<'a> {
    scenario: &'a str,
    seed: u64,
    /// Unit of every count in this file.
    units: &'static str,
    variants: &'a [CompareEntry],
}

/// compare.json: `{"scenario","seed","units","variants":[{"name","dir","description","events",
/// "key_numbers":{..},"monthly":[..]}]}`, variants in the order given.
pub fn render_compare_json(
    scenario: &str,
    seed: u64,
    variants: &[CompareEntry],
) -> Result<String, WriteError> {
    to_json(
        "compare.json",
        &CompareFile {
            scenario,
            seed,
            units: "people",
            variants,
        },
    )
}
