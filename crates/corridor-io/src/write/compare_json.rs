//! compare.json and the key numbers a comparison of policy variants puts side by side.

use super::{at, monthly_rows, people_per_agent, per_location, to_json, PortTotals, WriteError};
use corridor_model::border::monthly;
use corridor_model::record::RunOutput;
use corridor_model::scenario::Scenario;
use serde::Serialize;

/// The numbers a comparison of policy variants puts side by side, in people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyNumbers {
    /// Admitted at ports over the run.
    pub admitted: u64,
    /// Crossed between ports (Border Patrol encounters) over the run.
    pub encountered: u64,
    /// Intercepted at checkpoints over the run.
    pub intercepted: u64,
    /// People waiting at the border — at the border cities of ports and crossing
    /// points, at ports, and in port queues — at the end of the day with the most.
    pub peak_waiting_at_border: u64,
    /// The date of that day (the first such day); null for an empty run.
    pub peak_waiting_date: Option<String>,
    /// The same count on the last day.
    pub final_waiting_at_border: u64,
    /// Mean days waited in port queues by the people admitted; null when nobody was.
    pub mean_wait_days: Option<f64>,
}

/// People admitted at ports (`Office of Field Operations`) and encountered between
/// ports (`U.S. Border Patrol`) in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthTotals {
    /// `YYYY-MM`.
    pub month: String,
    pub admitted: u64,
    pub encountered: u64,
}

/// Locations where people wait at the border: border cities of ports and crossing
/// points, and the ports themselves; sorted, without repeats.
fn border_locations(scenario: &Scenario) -> Vec<usize> {
    let b = &scenario.border;
    let mut v: Vec<usize> = b
        .ports
        .iter()
        .flat_map(|p| [p.location, p.border_city])
        .chain(b.crossings.iter().map(|c| c.border_city))
        .filter(|&i| i < scenario.locations.len())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The key numbers of one run (see [`KeyNumbers`]).
pub fn key_numbers(scenario: &Scenario, run: &RunOutput) -> Result<KeyNumbers, WriteError> {
    const FILE: &str = "compare.json";
    let k = people_per_agent(scenario);
    let n = scenario.locations.len();
    let places = border_locations(scenario);
    let mut waiting = Vec::with_capacity(run.days.len());
    let mut intercepted = 0u64;
    for rec in &run.days {
        let pop = per_location(FILE, rec, "population", &rec.population, n)?;
        let queue = per_location(FILE, rec, "queue", &rec.queue, n)?;
        let icp = per_location(FILE, rec, "intercepted", &rec.intercepted, n)?;
        intercepted += icp.iter().sum::<u64>();
        let w: u64 = places.iter().map(|&i| at(pop, i) + at(queue, i)).sum();
        waiting.push((rec.day, w));
    }
    // The first day with the maximum, so ties do not depend on anything but the run.
    let peak = waiting
        .iter()
        .fold(None, |best: Option<(u32, u64)>, &(d, w)| match best {
            Some((_, bw)) if bw >= w => best,
            _ => Some((d, w)),
        });
    let acc = run.days.last().map(|r| r.accounting).unwrap_or_default();
    let ports = PortTotals::of(scenario, run, FILE)?;
    Ok(KeyNumbers {
        admitted: acc.admitted * k,
        encountered: acc.encountered * k,
        intercepted: intercepted * k,
        peak_waiting_at_border: peak.map_or(0, |p| p.1) * k,
        peak_waiting_date: peak.map(|p| scenario.start_date.add_days(p.0 as i64).to_string()),
        final_waiting_at_border: waiting.last().map_or(0, |w| w.1) * k,
        mean_wait_days: ports.mean_wait(),
    })
}

/// Admitted and encountered people per month, from the monthly.csv rows; empty
/// when the scenario has neither ports nor crossing points.
pub fn month_totals(scenario: &Scenario, run: &RunOutput) -> Vec<MonthTotals> {
    let mut out: Vec<MonthTotals> = Vec::new();
    for r in monthly_rows(scenario, run) {
        if out.last().map(|m| m.month != r.month).unwrap_or(true) {
            out.push(MonthTotals {
                month: r.month.clone(),
                admitted: 0,
                encountered: 0,
            });
        }
        let m = out.last_mut().expect("pushed above");
        if r.component == monthly::OFO {
            m.admitted += r.encounters;
        } else {
            m.encountered += r.encounters;
        }
    }
    out
}

/// One variant of a comparison, as listed in compare.json.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareEntry {
    pub name: String,
    /// The variant's run directory, relative to the compare directory.
    pub dir: String,
    pub description: String,
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

/// compare.json: `{"scenario","seed","units","variants":[{"name","dir","description",
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
