//! daily.csv: one row per day per location with every per-location variable, in
//! people (agents × `hasten`): read next to the other outputs, which count people.

use super::{at, csv_field, per_location, push_u64, WriteError};
use corridor_model::key_numbers::people_per_agent;
use corridor_model::record::RunOutput;
use corridor_model::scenario::Scenario;

/// The per-location variables of daily.csv, in column order; ensembles
/// (`daily_stats.csv`) and the report use the same names.
pub const DAILY_VARIABLES: [&str; 10] = [
    "population",
    "on_links_toward",
    "queue",
    "sheltered",
    "unsheltered",
    "arrived",
    "departed",
    "admitted",
    "encountered",
    "intercepted",
];

/// The header of daily.csv: the day, the location, then [`DAILY_VARIABLES`].
pub(super) const DAILY_COLUMNS: [&str; 14] = {
    let mut cols = [
        "day", "date", "location", "kind", "", "", "", "", "", "", "", "", "", "",
    ];
    let mut i = 0;
    while i < DAILY_VARIABLES.len() {
        cols[4 + i] = DAILY_VARIABLES[i];
        i += 1;
    }
    cols
};

/// daily.csv: one row per day per location, locations in scenario order; every
/// count in people (the records' agents × `hasten`). A per-location vector the
/// engine left empty does not apply and prints as 0.
pub fn render_daily_csv(scenario: &Scenario, run: &RunOutput) -> Result<String, WriteError> {
    const FILE: &str = "daily.csv";
    let n = scenario.locations.len();
    let k = people_per_agent(scenario);
    let mut out = DAILY_COLUMNS.join(",");
    out.push('\n');
    // Each row's text is mostly the same for every day (the location) or for
    // every location (the day and date): rendered once, not per row. daily.csv
    // is most of a run directory's bytes.
    let places: Vec<String> = scenario
        .locations
        .iter()
        .map(|loc| format!(",{},{}", csv_field(&loc.name), loc.kind.as_str()))
        .collect();
    // About 7 bytes a number.
    out.reserve(run.days.len() * n * (8 + 7 * DAILY_VARIABLES.len()));
    for rec in &run.days {
        let cols = [
            per_location(FILE, rec, "population", &rec.population, n)?,
            per_location(FILE, rec, "on_links_toward", &rec.on_links_toward, n)?,
            per_location(FILE, rec, "queue", &rec.queue, n)?,
            per_location(FILE, rec, "sheltered", &rec.sheltered, n)?,
            per_location(FILE, rec, "unsheltered", &rec.unsheltered, n)?,
            per_location(FILE, rec, "arrived", &rec.arrived, n)?,
            per_location(FILE, rec, "departed", &rec.departed, n)?,
            per_location(FILE, rec, "admitted", &rec.admitted, n)?,
            per_location(FILE, rec, "encountered", &rec.encountered, n)?,
            per_location(FILE, rec, "intercepted", &rec.intercepted, n)?,
        ];
        let date = scenario.start_date.add_days(rec.day as i64);
        let day = format!("{},{date}", rec.day);
        for (i, place) in places.iter().enumerate() {
            out.push_str(&day);
            out.push_str(place);
            for col in cols {
                out.push(',');
                push_u64(&mut out, at(col, i) * k);
            }
            out.push('\n');
        }
    }
    Ok(out)
}
