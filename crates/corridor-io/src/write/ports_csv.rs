//! ports.csv: one row per day per port of entry, counts in people (agents × `hasten`).

use super::{csv_field, port_days, push_u64, WriteError};
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

/// Appends a float for CSV: Rust's shortest round-trip form (never an
/// exponent), 0 for a value that is not finite.
fn push_f64(out: &mut String, x: f64) {
    if x.is_finite() {
        let _ = write!(out, "{x}");
    } else {
        out.push('0');
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
    // The port's name and the day's date are rendered once, not per row; the
    // counts without `fmt` (`push_u64`).
    let names: Vec<String> = scenario
        .border
        .ports
        .iter()
        .map(|p| format!(",{},", csv_field(&p.name)))
        .collect();
    for rec in &run.days {
        let days = port_days(rec, scenario, FILE)?;
        let date = scenario.start_date.add_days(rec.day as i64);
        let day = format!("{},{date}", rec.day);
        for (name, d) in names.iter().zip(&days) {
            out.push_str(&day);
            out.push_str(name);
            for v in [d.queue, d.admitted, d.by_appointment, d.walk_up] {
                push_u64(&mut out, v * k);
                out.push(',');
            }
            push_f64(&mut out, d.mean_wait_days);
            out.push(',');
            out.push(if d.open { '1' } else { '0' });
            out.push(',');
            push_u64(&mut out, d.left_queue * k);
            out.push('\n');
        }
    }
    Ok(out)
}
