//! monthly.csv: admissions and encounters per month in CBP's terms.

use super::csv_field;
use corridor_model::key_numbers::monthly_encounters;
use corridor_model::record::RunOutput;
use corridor_model::scenario::Scenario;
use std::fmt::Write as _;

/// monthly.csv: `month,component,area_of_responsibility,encounters` in CBP's terms:
/// `Office of Field Operations` by field office (people admitted at its ports) and
/// `U.S. Border Patrol` by sector (crossings between ports), in people; every area
/// of the scenario every month, zeros included; months in order, OFO first, areas
/// by name.
pub fn render_monthly_csv(scenario: &Scenario, run: &RunOutput) -> String {
    let mut out = String::from("month,component,area_of_responsibility,encounters\n");
    for r in monthly_encounters(scenario, run) {
        let _ = writeln!(
            out,
            "{},{},{},{}",
            r.month,
            csv_field(r.component),
            csv_field(&r.area_of_responsibility),
            r.encounters
        );
    }
    out
}
