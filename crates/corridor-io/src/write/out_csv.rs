//! out.csv: Flee's output format, in agents, exactly as Flee writes it (Flee
//! instances only).

use super::{at, camp_row, csv_field, py_float, WriteError};
use corridor_model::metrics;
use corridor_model::record::RunOutput;
use corridor_model::scenario::{LocationKind, Scenario};
use std::fmt::Write as _;

/// out.csv in Flee's format (docs/flee-rules.md §3.1): one row per simulated day, camps in
/// locations.csv order. `Date` is start + day (Flee HEAD's +1 shift is not
/// reproduced). With `log_levels.idp_totals > 0` a `total IDPs` column follows.
pub fn render_out_csv(scenario: &Scenario, run: &RunOutput) -> Result<String, WriteError> {
    const FILE: &str = "out.csv";
    let camps = scenario.camp_locations();
    let idps: Vec<usize> = (0..scenario.locations.len())
        .filter(|&i| scenario.locations[i].kind == LocationKind::IdpCamp)
        .collect();
    let idp_totals = scenario.settings.log_levels.idp_totals > 0;
    let mut out = String::from("Day,Date");
    for &c in &camps {
        // Flee's spelling: a duplicated name is printed as written (not `name#2`).
        let name = scenario.locations[c].flee_name();
        let _ = write!(out, ",{0} sim,{0} data,{0} error", csv_field(name));
    }
    out.push_str(
        ",Total error,refugees in camps (UNHCR),total refugees (simulation),\
         raw UNHCR refugee count,refugees in camps (simulation),refugee_debt",
    );
    if idp_totals {
        out.push_str(",total IDPs");
    }
    out.push('\n');
    for rec in &run.days {
        let (sim, data) = camp_row(FILE, rec, &camps, scenario.locations.len())?;
        let date = scenario.start_date.add_days(rec.day as i64);
        let _ = write!(out, "{},{}", rec.day, date);
        for (&s, &d) in sim.iter().zip(&data) {
            let _ = write!(out, ",{s},{d},{}", py_float(metrics::camp_rel_error(s, d)));
        }
        let in_camps: u64 = sim.iter().sum();
        if rec.raw > 0 {
            let _ = write!(
                out,
                ",{},{},{},{},{},{}",
                py_float(metrics::total_error(&sim, &data, rec.raw)),
                data.iter().sum::<i64>(),
                rec.total_agents,
                rec.raw,
                in_camps,
                rec.debt
            );
        } else {
            let _ = write!(out, ",0.0,0,{},0,{},0", rec.total_agents, in_camps);
        }
        if idp_totals {
            let n: u64 = idps.iter().map(|&i| at(&rec.population, i)).sum();
            let _ = write!(out, ",{n}");
        }
        out.push('\n');
    }
    Ok(out)
}
