//! summary.json: run metadata, final accounting, validation, totals and warnings.

use super::{has_camp_data, to_json, InputDigest, PortTotals, RunMeta, WriteError};
use corridor_model::metrics;
use corridor_model::record::{Accounting, DayRecord, RunOutput};
use corridor_model::scenario::Scenario;
use serde::Serialize;

#[derive(Serialize)]
struct CampSummary<'a> {
    location: &'a str,
    mean_abs_diff: f64,
    mean_abs_diff_rescaled: f64,
}

#[derive(Serialize)]
struct ValidationSummary<'a> {
    ard: f64,
    ard_rescaled: f64,
    per_camp: Vec<CampSummary<'a>>,
}

#[derive(Serialize)]
struct Totals {
    /// People created over the run (agents).
    spawned: u64,
    /// Flee's "total refugees (simulation)" on the last day.
    total_agents: u64,
    /// Agents in camps on the last day.
    in_camps: u64,
    /// Observed people in camps on the last day; null without camp data.
    observed_in_camps: Option<i64>,
    /// Arrivals at locations over the run.
    arrived: u64,
    /// Interceptions at checkpoints over the run.
    intercepted: u64,
    admitted: u64,
    /// Of the admitted, with an appointment / as walk-ups (from the port records).
    by_appointment: u64,
    walk_up: u64,
    encountered: u64,
    /// Agents in port queues on the last day.
    in_queues: u64,
    /// Mean days waited in a port queue by the people admitted over the run;
    /// null when nobody was admitted.
    mean_wait_days: Option<f64>,
}

#[derive(Serialize)]
struct Summary<'a> {
    corridor_version: &'a str,
    scenario: &'a str,
    input_kind: &'static str,
    start_date: String,
    end_date: String,
    days: usize,
    seed: u64,
    engine: &'a str,
    hasten: u32,
    inputs: &'a [InputDigest],
    accounting: Accounting,
    accounting_balances_every_day: bool,
    validation: Option<ValidationSummary<'a>>,
    totals: Totals,
    /// The policy variant applied (scenarios only); null for the base scenario.
    variant: Option<&'a str>,
    /// The observed data the scenario names; null when it names none.
    comparison: Option<Comparison<'a>>,
    warnings: Vec<&'a str>,
}

/// Comparison with observed data. For now only the file: the metric comes with
/// calibration.
#[derive(Serialize)]
struct Comparison<'a> {
    /// The observation file, relative to the scenario.
    observations: &'a str,
}

/// summary.json: run metadata, the final accounting, validation (null without
/// camp data), totals (agents), the variant, the observed data to compare with, and
/// warnings. `end_date` is the date of the last simulated day. No wall-clock time
/// and no absolute path.
pub fn render_summary_json(
    scenario: &Scenario,
    run: &RunOutput,
    meta: &RunMeta,
) -> Result<String, WriteError> {
    let camps = scenario.camp_locations();
    let last = run.days.last();
    let accounting = last.map(|r| r.accounting).unwrap_or_default();
    let validation = if has_camp_data(scenario) {
        metrics::validate(scenario, run).map(|v| ValidationSummary {
            ard: v.ard,
            ard_rescaled: v.ard_rescaled,
            per_camp: v
                .per_camp
                .iter()
                .map(|c| CampSummary {
                    location: &scenario.locations[c.location].name,
                    mean_abs_diff: c.mean_abs_diff,
                    mean_abs_diff_rescaled: c.mean_abs_diff_rescaled,
                })
                .collect(),
        })
    } else {
        None
    };
    let sum_all = |f: fn(&DayRecord) -> &Vec<u64>| -> u64 {
        run.days.iter().map(|r| f(r).iter().sum::<u64>()).sum()
    };
    let ports = PortTotals::of(scenario, run, "summary.json")?;
    let totals = Totals {
        spawned: accounting.spawned,
        total_agents: last.map(|r| r.total_agents).unwrap_or(0),
        in_camps: last
            .map(|r| metrics::camp_sims(r, &camps).iter().sum())
            .unwrap_or(0),
        observed_in_camps: match (last, has_camp_data(scenario)) {
            (Some(r), true) => Some(metrics::camp_data(r, camps.len()).iter().sum()),
            _ => None,
        },
        arrived: sum_all(|r| &r.arrived),
        intercepted: sum_all(|r| &r.intercepted),
        admitted: accounting.admitted,
        by_appointment: ports.by_appointment,
        walk_up: ports.walk_up,
        encountered: accounting.encountered,
        in_queues: accounting.in_queues,
        mean_wait_days: ports.mean_wait(),
    };
    let days = run.days.len();
    let end = scenario.start_date.add_days(days.saturating_sub(1) as i64);
    let summary = Summary {
        corridor_version: &meta.corridor_version,
        scenario: &scenario.name,
        input_kind: meta.input_kind.as_str(),
        start_date: scenario.start_date.to_string(),
        end_date: end.to_string(),
        days,
        seed: run.seed,
        engine: &meta.engine,
        hasten: scenario.settings.optimisations.hasten,
        inputs: &meta.inputs,
        accounting,
        accounting_balances_every_day: run.days.iter().all(|r| r.accounting.balances()),
        validation,
        totals,
        variant: meta.variant.as_deref(),
        comparison: meta
            .observations
            .as_deref()
            .map(|observations| Comparison { observations }),
        warnings: meta
            .warnings
            .iter()
            .chain(run.warnings.iter())
            .map(String::as_str)
            .collect(),
    };
    to_json("summary.json", &summary)
}
