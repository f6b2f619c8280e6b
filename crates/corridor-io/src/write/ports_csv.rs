//! ports.csv: one row per day per port of entry, counts in people (agents × `hasten`).

use super::{csv_field, port_days, WriteError};
use corridor_model::key_numbers::people_per_agent;
use corridor_model::record::RunOutput;
use corridor_model::scenario::Scenario;
use std::fmt::Write as _;

/// The header of ports.csv; the column names are the variable names used by
/// ensembles (`ports_stats.csv`) and the report.
pub(super) const PORTS_COLUMNS: [&str; 10] = [
    "day",
    "date",
    "port",
    "queue",
    "admitted",
    "by_appointment",
    "walk_up",
    "mean_wait_days",
    "open",
    "left_queue",
];

/// A float for CSV: Rust's shortest round-trip form (never an exponent), 0 for a
/// value that is not finite.
fn csv_f64(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "0".into()
    }
}

/// ports.csv: `day,date,port,queue,admitted,by_appointment,walk_up,mean_wait_days,open,left_queue`,
/// one row per day per port, ports in ports.csv order. Counts in people (agents ×
/// `hasten`); `queue`
/// at the end of the day; `mean_wait_days` of the people admitted that day (0 if
/// none); `open` is 1 or 0; `left_queue` the walk-ups who left the queue that day
/// (reneging; 0 without it).
pub fn render_ports_csv(scenario: &Scenario, run: &RunOutput) -> Result<String, WriteError> {
    const FILE: &str = "ports.csv";
    let k = people_per_agent(scenario);
    let mut out = PORTS_COLUMNS.join(",");
    out.push('\n');
    for rec in &run.days {
        let days = port_days(rec, scenario, FILE)?;
        let date = scenario.start_date.add_days(rec.day as i64);
        for (p, d) in scenario.border.ports.iter().zip(&days) {
            let _ = writeln!(
                out,
                "{},{date},{},{},{},{},{},{},{},{}",
                rec.day,
                csv_field(&p.name),
                d.queue * k,
                d.admitted * k,
                d.by_appointment * k,
                d.walk_up * k,
                csv_f64(d.mean_wait_days),
                u8::from(d.open),
                d.left_queue * k
            );
        }
    }
    Ok(out)
}
