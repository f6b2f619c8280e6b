//! observed.csv: the observed camp values a run was compared against, in people
//! (the data series the reader divided by `hasten`, times `hasten`), so that they
//! sit beside daily.csv's people.
//!
//! observed_monthly.csv: the observed monthly counts (CBP encounters) of a
//! scenario that ships them (`[observations] cbp_monthly`), for the months of the
//! run, in people as CBP counts them, beside monthly.csv. The fit and the windows
//! that go with them ([`EncounterObservations`]) are computed by the caller with
//! the calibration's metric (one definition) and recorded in summary.json.

use super::{camp_row, csv_field, WriteError};
use corridor_model::key_numbers::people_per_agent;
use corridor_model::record::RunOutput;
use corridor_model::scenario::Scenario;
use serde::Serialize;
use std::fmt::Write as _;

/// A date span `from ..= to` (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateSpan {
    pub from: String,
    pub to: String,
}

/// The windows a scenario's observations define (`[observations]`): warm-up
/// (the start of the run up to the first calibration month), calibration (the
/// months a calibration compares) and evaluation (`report_from`, else the day
/// after the calibration, to the end). Each `None` when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObservationWindows {
    pub warm_up: Option<DateSpan>,
    pub calibration: Option<DateSpan>,
    pub evaluation: Option<DateSpan>,
}

/// The fit of the simulated monthly encounters to the observed ones over one
/// window: the calibration's metric (`ard` = Σ|s − o| / Σo over the compared
/// (month, component, area) cells; `mare` the mean relative error over cells
/// with o > 0), the months and cells compared and their sums, in people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowFit {
    /// `calibration` or `evaluation`.
    pub window: String,
    pub months: Vec<String>,
    pub cells: usize,
    pub simulated: f64,
    pub observed: f64,
    pub ard: Option<f64>,
    pub mare: Option<f64>,
}

/// A scenario's observed monthly counts and their fit, as the run writer records
/// them (observed_monthly.csv, summary.json `comparison`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncounterObservations {
    /// The file as scenario.toml names it (relative to the scenario).
    pub file: String,
    /// The last month whose observations may inform a calibration.
    pub observed_through: Option<String>,
    pub windows: ObservationWindows,
    pub fit: Vec<WindowFit>,
    /// What the fit is (shown by the report).
    pub metric: String,
    /// (month, component, area of responsibility, people), months of the run only,
    /// sorted.
    #[serde(skip)]
    pub rows: Vec<(String, String, String, f64)>,
}

/// observed_monthly.csv: `month,component,area_of_responsibility,observed`, in
/// people.
pub fn render_observed_monthly_csv(obs: &EncounterObservations) -> String {
    let mut out = String::from("month,component,area_of_responsibility,observed\n");
    for (month, component, area, n) in &obs.rows {
        // Whole counts print without a fraction (f64 Display: 1234, not 1234.0).
        let _ = writeln!(
            out,
            "{month},{},{},{n}",
            csv_field(component),
            csv_field(area)
        );
    }
    out
}

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
