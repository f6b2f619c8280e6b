//! The key numbers of a run: the one definition used by summary.json, compare.json,
//! the report and compare's statistics over ensemble members.
//!
//! Pure functions of a [`Scenario`] and a [`RunOutput`]: no I/O, no state. Every
//! count is in **people** (agents × `hasten`, see [`people_per_agent`]); records count
//! agents, so each count is scaled once, here.
//!
//! Definitions, in the order a planner reads them:
//! * *waiting at the border* on a day: people at the border cities of ports and of
//!   crossing points, at the ports themselves, and in port queues, at the end of the
//!   day; the *peak* is the largest such value over the run and its date is the
//!   first day it is reached (so ties depend on nothing but the run); *final* is
//!   the value on the last day;
//! * *mean wait*: days waited in port queues, averaged over every person admitted at
//!   a port over the run (Σ daily mean wait × admitted ÷ Σ admitted); `None` when
//!   nobody was admitted;
//! * *p90 wait*: the 90th percentile of the days waited by the people admitted, from
//!   the records' wait histograms ([`crate::record::wait_quantile`]): the lower edge
//!   of the histogram bucket that holds it (buckets 0, 1, 2, 3, 5, 7, 10, 14, 21, 30,
//!   45, 60, 90, 120, 180, 365 days), so "at least this many days"; `None` when
//!   nobody was admitted;
//! * *admitted*: admitted at ports of entry over the run; *encountered*: crossed
//!   between ports (Border Patrol encounters) over the run; both also per calendar
//!   month ([`month_totals`], the monthly.csv rows summed per component);
//! * *interception events*: interceptions at checkpoints over the run. One person
//!   can be intercepted several times, so this is not the number of people
//!   intercepted; *people intercepted* counts each person once (their first
//!   interception, `DayRecord::intercepted_first`).

use crate::border::monthly::{self, MonthlyEncounters};
use crate::record::{wait_quantile, DayRecord, PortDay, RunOutput, WAIT_BUCKETS};
use crate::scenario::Scenario;
use serde::Serialize;
use thiserror::Error;

/// A run's records do not match its scenario (an engine bug, not bad input).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("day {day}: {field} has {got} entries, expected {expected}")]
pub struct ShapeError {
    pub day: u32,
    pub field: &'static str,
    pub got: usize,
    pub expected: usize,
}

/// The key numbers of one run, in people (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyNumbers {
    /// People waiting at the border at the end of the day with the most.
    pub peak_waiting_at_border: u64,
    /// `YYYY-MM-DD` of that day (the first such day); `None` for an empty run.
    pub peak_waiting_date: Option<String>,
    /// Mean days waited in port queues by the people admitted; `None` when nobody was.
    pub mean_wait_days: Option<f64>,
    /// 90th percentile of the days waited by the people admitted, as the lower edge
    /// of its histogram bucket; `None` when nobody was admitted.
    pub p90_wait_days: Option<u32>,
    /// Admitted at ports of entry over the run.
    pub admitted: u64,
    /// Crossed between ports (Border Patrol encounters) over the run.
    pub encountered: u64,
    /// Interceptions at checkpoints over the run (events, not distinct people).
    pub interception_events: u64,
    /// Distinct people intercepted at checkpoints over the run.
    pub people_intercepted: u64,
    /// People waiting at the border at the end of the last day.
    pub final_waiting_at_border: u64,
}

/// People admitted at ports (`Office of Field Operations`) and encountered between
/// ports (`U.S. Border Patrol`) in one calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthTotals {
    /// `YYYY-MM`.
    pub month: String,
    pub admitted: u64,
    pub encountered: u64,
}

/// One agent stands for this many people (`optimisations.hasten`, at least 1).
pub fn people_per_agent(scenario: &Scenario) -> u64 {
    scenario.settings.optimisations.hasten.max(1) as u64
}

/// A per-location vector, checked: empty (the engine does not fill it: zeros) or
/// one entry per location.
pub fn per_location<'a>(
    rec: &DayRecord,
    field: &'static str,
    v: &'a [u64],
    n: usize,
) -> Result<&'a [u64], ShapeError> {
    if v.is_empty() || v.len() == n {
        Ok(v)
    } else {
        Err(ShapeError {
            day: rec.day,
            field,
            got: v.len(),
            expected: n,
        })
    }
}

/// Entry `i` of a per-location vector, 0 when the vector is empty.
pub fn at(v: &[u64], i: usize) -> u64 {
    v.get(i).copied().unwrap_or(0)
}

/// The ports of one day, checked against the scenario. A record without port
/// entries (an engine that does not model ports) reads as zeros with each port's
/// day-0 `open` setting.
pub fn port_days(rec: &DayRecord, scenario: &Scenario) -> Result<Vec<PortDay>, ShapeError> {
    let ports = &scenario.border.ports;
    if rec.ports.is_empty() {
        return Ok(ports
            .iter()
            .map(|p| PortDay {
                open: p.open,
                ..PortDay::default()
            })
            .collect());
    }
    if rec.ports.len() != ports.len() {
        return Err(ShapeError {
            day: rec.day,
            field: "ports",
            got: rec.ports.len(),
            expected: ports.len(),
        });
    }
    Ok(rec.ports.clone())
}

/// Sums over all days and ports of the port records, in agents.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PortTotals {
    pub admitted: u64,
    pub by_appointment: u64,
    pub walk_up: u64,
    /// Σ mean wait × admitted: total days waited by the admitted.
    pub waited: f64,
}

impl PortTotals {
    pub fn of(scenario: &Scenario, run: &RunOutput) -> Result<Self, ShapeError> {
        let mut t = PortTotals::default();
        for rec in &run.days {
            for d in port_days(rec, scenario)? {
                t.admitted += d.admitted;
                t.by_appointment += d.by_appointment;
                t.walk_up += d.walk_up;
                if d.admitted > 0 && d.mean_wait_days.is_finite() {
                    t.waited += d.mean_wait_days * d.admitted as f64;
                }
            }
        }
        Ok(t)
    }

    /// Mean days waited per person admitted (the same in agents and people);
    /// `None` when nobody was admitted.
    pub fn mean_wait(&self) -> Option<f64> {
        (self.admitted > 0).then(|| self.waited / self.admitted as f64)
    }
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
pub fn key_numbers(scenario: &Scenario, run: &RunOutput) -> Result<KeyNumbers, ShapeError> {
    key_numbers_from(scenario, run, 0)
}

/// People waiting at the border at the end of each day of the run (see the module
/// documentation), in day order.
pub fn waiting_at_border(scenario: &Scenario, run: &RunOutput) -> Result<Vec<u64>, ShapeError> {
    let k = people_per_agent(scenario);
    let n = scenario.locations.len();
    let places = border_locations(scenario);
    run.days
        .iter()
        .map(|rec| {
            let pop = per_location(rec, "population", &rec.population, n)?;
            let queue = per_location(rec, "queue", &rec.queue, n)?;
            Ok(places
                .iter()
                .map(|&i| at(pop, i) + at(queue, i))
                .sum::<u64>()
                * k)
        })
        .collect()
}

/// The key numbers with the peak and the waits measured over the days from
/// `from_day` on (a window common to several compared runs, so that a peak
/// before any of them differs is not the one compared); totals, interceptions and
/// the final count are over the whole run. `from_day` 0 is [`key_numbers`].
pub fn key_numbers_from(
    scenario: &Scenario,
    run: &RunOutput,
    from_day: u32,
) -> Result<KeyNumbers, ShapeError> {
    let k = people_per_agent(scenario);
    let n = scenario.locations.len();
    let waiting = waiting_at_border(scenario, run)?;
    let mut intercepted = 0u64;
    let mut first = 0u64;
    let mut hist = [0u64; WAIT_BUCKETS];
    let mut ports = PortTotals::default();
    for rec in &run.days {
        first += rec.intercepted_first.iter().sum::<u64>();
        let icp = per_location(rec, "intercepted", &rec.intercepted, n)?;
        intercepted += icp.iter().sum::<u64>();
        if rec.day < from_day {
            continue;
        }
        for h in &rec.wait_hist {
            for (a, b) in hist.iter_mut().zip(h) {
                *a += b;
            }
        }
        for d in port_days(rec, scenario)? {
            ports.admitted += d.admitted;
            if d.admitted > 0 && d.mean_wait_days.is_finite() {
                ports.waited += d.mean_wait_days * d.admitted as f64;
            }
        }
    }
    let peak = run
        .days
        .iter()
        .zip(&waiting)
        .filter(|(rec, _)| rec.day >= from_day)
        .fold(None, |best: Option<(u32, u64)>, (rec, &w)| match best {
            Some((_, bw)) if bw >= w => best,
            _ => Some((rec.day, w)),
        });
    let acc = run.days.last().map(|r| r.accounting).unwrap_or_default();
    Ok(KeyNumbers {
        peak_waiting_at_border: peak.map_or(0, |p| p.1),
        peak_waiting_date: peak.map(|p| scenario.start_date.add_days(p.0 as i64).to_string()),
        mean_wait_days: ports.mean_wait(),
        p90_wait_days: wait_quantile(&hist, 0.9),
        admitted: acc.admitted * k,
        encountered: acc.encountered * k,
        interception_events: intercepted * k,
        people_intercepted: first * k,
        final_waiting_at_border: waiting.last().copied().unwrap_or(0),
    })
}

/// The rows of monthly.csv, in people: admissions by field office and encounters
/// by sector per month (see [`crate::border::monthly`] for the rules).
pub fn monthly_encounters(scenario: &Scenario, run: &RunOutput) -> Vec<MonthlyEncounters> {
    monthly::monthly(
        &scenario.border,
        scenario.start_date,
        &run.days,
        people_per_agent(scenario),
    )
}

/// Admitted and encountered people per month: [`monthly_encounters`] summed over
/// the areas of each component; empty when the scenario has neither ports nor
/// crossing points.
pub fn month_totals(scenario: &Scenario, run: &RunOutput) -> Vec<MonthTotals> {
    let mut out: Vec<MonthTotals> = Vec::new();
    for r in monthly_encounters(scenario, run) {
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
