//! observed.csv: the observed camp values a run was compared against, in people
//! (the data series the reader divided by `hasten`, times `hasten`), so that they
//! sit beside daily.csv's people.

use super::{camp_row, csv_field, WriteError};
use corridor_model::key_numbers::people_per_agent;
use corridor_model::record::RunOutput;
use corridor_model::scenario::Scenario;
use std::fmt::Write as _;

/// observed.csv: `day,date,location,observed` for every simulated day and every
/// camp that has a data series (the values the run compared against).
pub fn render_observed_csv(scenario: &Scenario, run: &RunOutput) -> Result<String, WriteError> {
    const FILE: &str = "observed.csv";
    let camps = scenario.camp_locations();
    let k = people_per_agent(scenario) as i64;
    let mut out = String::from("day,date,location,observed\n");
    for rec in &run.days {
        let (_, data) = camp_row(FILE, rec, &camps, scenario.locations.len())?;
        let date = scenario.start_date.add_days(rec.day as i64);
        for (i, &c) in camps.iter().enumerate() {
            if scenario.data.camp(c).is_none() {
                continue;
            }
            let name = csv_field(&scenario.locations[c].name);
            let _ = writeln!(out, "{},{date},{name},{}", rec.day, data[i] * k);
        }
    }
    Ok(out)
}
