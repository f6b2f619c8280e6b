//! summary.json: run metadata, the key numbers, final accounting, validation,
//! totals and warnings; counts in people.

use super::{has_camp_data, shape, to_json, InputDigest, RunMeta, WriteError};
use corridor_model::key_numbers::{
    self, month_totals, people_per_agent, KeyNumbers, MonthTotals, PortTotals,
};
use corridor_model::metrics;
use corridor_model::record::{Accounting, RunOutput};
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

/// Totals that are not key numbers, in people.
#[derive(Serialize)]
struct Totals {
    /// People created over the run.
    spawned: u64,
    /// People in camps on the last day.
    in_camps: u64,
    /// Observed people in camps on the last day; null without camp data.
    observed_in_camps: Option<i64>,
    /// Of the admitted, with an appointment / as walk-ups (from the port records).
    by_appointment: u64,
    walk_up: u64,
    /// People in port queues on the last day.
    in_queues: u64,
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
    /// Unit of every count in this file except `validation`.
    units: &'static str,
    /// Unit of the counts in each file of the run directory (out.csv stays in
    /// agents, as Flee writes it); readers of older directories, without this
    /// field, find daily.csv, ports.csv and observed.csv in agents.
    file_units: FileUnits,
    /// The key numbers (`corridor_model::key_numbers`), in people.
    key_numbers: KeyNumbers,
    /// Admitted and encountered people per month.
    monthly: Vec<MonthTotals>,
    inputs: &'a [InputDigest],
    accounting: Accounting,
    accounting_balances_every_day: bool,
    validation: Option<ValidationSummary<'a>>,
    totals: Totals,
    /// The policy variant applied (scenarios only); null for the base scenario.
    variant: Option<&'a str>,
    /// The observed data the scenario names and, for observed monthly encounters,
    /// their windows and fit; null when it names none.
    comparison: Option<Comparison<'a>>,
    warnings: Vec<&'a str>,
}

/// The unit of each table of a run directory.
#[derive(Serialize)]
struct FileUnits {
    #[serde(rename = "daily.csv")]
    daily: &'static str,
    #[serde(rename = "ports.csv")]
    ports: &'static str,
    #[serde(rename = "monthly.csv")]
    monthly: &'static str,
    #[serde(rename = "observed.csv")]
    observed: &'static str,
    #[serde(rename = "out.csv")]
    out: &'static str,
}

const PEOPLE: &str = "people";

/// Comparison with observed data: the observation file scenario.toml's
/// `[tables] observations` names, and the observed monthly encounters
/// (`[observations] cbp_monthly`) with their windows and fit.
#[derive(Serialize)]
struct Comparison<'a> {
    /// The observation file, relative to the scenario; null when none is named.
    observations: Option<&'a str>,
    /// Observed monthly encounters (observed_monthly.csv): file, windows, fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    encounters: Option<&'a super::EncounterObservations>,
}

/// The accounting in people.
fn in_people(a: Accounting, k: u64) -> Accounting {
    Accounting {
        spawned: a.spawned * k,
        at_locations: a.at_locations * k,
        on_links: a.on_links * k,
        in_queues: a.in_queues * k,
        in_transit: a.in_transit * k,
        admitted: a.admitted * k,
        encountered: a.encountered * k,
        removed: a.removed * k,
    }
}

/// summary.json: run metadata, the key numbers and month totals, the final
/// accounting, validation (null without camp data), other totals, the variant, the
/// observed data to compare with, and warnings. Counts are people (agents ×
/// `hasten`); validation compares the records (agents) with the camp data as Flee
/// does. `end_date` is the date of the last simulated day. No wall-clock time and
/// no absolute path.
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
    const FILE: &str = "summary.json";
    let k = people_per_agent(scenario);
    let key = key_numbers::key_numbers(scenario, run).map_err(|e| shape(FILE, e))?;
    let ports = PortTotals::of(scenario, run).map_err(|e| shape(FILE, e))?;
    let totals = Totals {
        spawned: accounting.spawned * k,
        in_camps: last
            .map(|r| metrics::camp_sims(r, &camps).iter().sum::<u64>())
            .unwrap_or(0)
            * k,
        observed_in_camps: match (last, has_camp_data(scenario)) {
            (Some(r), true) => Some(metrics::camp_data(r, camps.len()).iter().sum()),
            _ => None,
        },
        by_appointment: ports.by_appointment * k,
        walk_up: ports.walk_up * k,
        in_queues: accounting.in_queues * k,
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
        units: "people (agents × hasten)",
        file_units: FileUnits {
            daily: PEOPLE,
            ports: PEOPLE,
            monthly: PEOPLE,
            observed: PEOPLE,
            out: "agents",
        },
        key_numbers: key,
        monthly: month_totals(scenario, run),
        inputs: &meta.inputs,
        accounting: in_people(accounting, k),
        accounting_balances_every_day: run.days.iter().all(|r| r.accounting.balances()),
        validation,
        totals,
        variant: meta.variant.as_deref(),
        comparison: (meta.observations.is_some() || meta.encounters.is_some()).then_some(
            Comparison {
                observations: meta.observations.as_deref(),
                encounters: meta.encounters.as_ref(),
            },
        ),
        warnings: meta
            .warnings
            .iter()
            .chain(run.warnings.iter())
            .map(String::as_str)
            .collect(),
    };
    to_json("summary.json", &summary)
}
