//! Validation metrics (docs/flee-rules.md §3.2) and the derived columns of Flee's out.csv
//! (docs/flee-rules.md §3.1).
//!
//! Pure functions of a [`Scenario`] and a [`RunOutput`]: no I/O, no state.
//! Definitions, with `sim_c(t)` the agents at camp `c` after day `t`, `data_c(t)` the
//! interpolated observed value, `U(t) = Σ_c data_c(t)` and `S(t) = Σ_c sim_c(t)`:
//! * daily error `e(t) = Σ_c |sim_c(t) − data_c(t)| / max(U(t), 1)`;
//! * `ARD = mean over every simulated day of e(t)` (day 0 included);
//! * rescaled variant: `sim_c(t)` replaced by `sim_c(t)·U(t)/S(t)` (a float, as in
//!   Flee's `extract-validation-results.py`), or by 0 when `S(t) = 0`;
//! * per camp: the mean over days of `|sim_c(t) − data_c(t)|` (plain and rescaled).
//!
//! "Total error" and the per-camp "error" of out.csv are *not* the ARD; they are
//! reproduced here only so that out.csv matches Flee column for column.

use crate::record::RunOutput;
use crate::scenario::Scenario;

/// The error of one day over all camps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayError {
    pub day: u32,
    /// `e(t)`.
    pub error: f64,
    /// `e(t)` with rescaled simulation values.
    pub error_rescaled: f64,
}

/// Mean absolute differences of one camp over the run.
#[derive(Debug, Clone, PartialEq)]
pub struct CampError {
    /// Location index (into `Scenario::locations`).
    pub location: usize,
    /// Mean over days of `|sim − data|`, in agents.
    pub mean_abs_diff: f64,
    /// The same with rescaled simulation values.
    pub mean_abs_diff_rescaled: f64,
}

/// Validation of one run against the camp data.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    pub ard: f64,
    pub ard_rescaled: f64,
    pub daily: Vec<DayError>,
    /// In `Scenario::camp_locations` order.
    pub per_camp: Vec<CampError>,
}

/// `e(t)` and its rescaled variant for one day, from per-camp simulated and
/// observed values (same order, same length). The one implementation of the daily
/// error: [`validate`] and [`CampObservations::ard`] (ensembles, sweeps) both call
/// it. Allocation-free, because ensembles call it for every member and day.
fn day_error(sim: &[u64], data: &[i64]) -> (f64, f64) {
    debug_assert_eq!(sim.len(), data.len());
    let u: i64 = data.iter().sum();
    let s: u64 = sim.iter().sum();
    let (mut plain, mut rescaled) = (0.0, 0.0);
    for (&x, &d) in sim.iter().zip(data) {
        let (p, r) = abs_diff(x, d, u, s);
        plain += p;
        rescaled += r;
    }
    let denom = (u as f64).max(1.0);
    (plain / denom, rescaled / denom)
}

/// One camp's `|sim − data|` and `|sim·U/S − data|` (rescaled sim is 0 when `S = 0`).
fn abs_diff(x: u64, d: i64, u: i64, s: u64) -> (f64, f64) {
    let r = if s > 0 {
        x as f64 * u as f64 / s as f64
    } else {
        0.0
    };
    ((x as f64 - d as f64).abs(), (r - d as f64).abs())
}

/// Validates a run against the scenario's camp data. `None` when there is nothing
/// to compare: no camp, no camp data, or no simulated day.
///
/// Simulated camp values are `DayRecord::population` at each camp; observed values
/// are `DayRecord::camp_data`, both in `Scenario::camp_locations` order.
pub fn validate(scenario: &Scenario, run: &RunOutput) -> Option<Validation> {
    let camps = scenario.camp_locations();
    if camps.is_empty() || scenario.data.camps.is_empty() || run.days.is_empty() {
        return None;
    }
    let n = run.days.len() as f64;
    let mut daily = Vec::with_capacity(run.days.len());
    let mut sum_abs = vec![0.0; camps.len()];
    let mut sum_abs_rescaled = vec![0.0; camps.len()];
    for rec in &run.days {
        let sim = camp_sims(rec, &camps);
        let data = camp_data(rec, camps.len());
        let u: i64 = data.iter().sum();
        let s: u64 = sim.iter().sum();
        for i in 0..camps.len() {
            let (p, r) = abs_diff(sim[i], data[i], u, s);
            sum_abs[i] += p;
            sum_abs_rescaled[i] += r;
        }
        let (error, error_rescaled) = day_error(&sim, &data);
        daily.push(DayError {
            day: rec.day,
            error,
            error_rescaled,
        });
    }
    let ard = daily.iter().map(|d| d.error).sum::<f64>() / n;
    let ard_rescaled = daily.iter().map(|d| d.error_rescaled).sum::<f64>() / n;
    let per_camp = camps
        .iter()
        .enumerate()
        .map(|(i, &location)| CampError {
            location,
            mean_abs_diff: sum_abs[i] / n,
            mean_abs_diff_rescaled: sum_abs_rescaled[i] / n,
        })
        .collect();
    Some(Validation {
        ard,
        ard_rescaled,
        daily,
        per_camp,
    })
}

/// ARD and rescaled ARD of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ard {
    pub ard: f64,
    pub ard_rescaled: f64,
}

/// Observed values per camp per day from the scenario's data (interpolated and
/// truncated on each day; 0 for a camp without a series), precomputed once because
/// every member of an ensemble or sweep compares against the same data. Unlike
/// [`validate`] it does not read `DayRecord::camp_data`, so an ensemble does not
/// depend on how the engine fills that field.
#[derive(Debug, Clone)]
pub struct CampObservations {
    camps: Vec<usize>,
    /// `data[day][camp]`.
    data: Vec<Vec<i64>>,
}

impl CampObservations {
    /// `None` when there is nothing to validate against: no camp or no camp data.
    pub fn new(scenario: &Scenario, days: u32) -> Option<Self> {
        let camps = scenario.camp_locations();
        if camps.is_empty() || scenario.data.camps.is_empty() {
            return None;
        }
        let series: Vec<_> = camps.iter().map(|&c| scenario.data.camp(c)).collect();
        let data = (0..days as i64)
            .map(|t| {
                series
                    .iter()
                    .map(|s| s.map_or(0, |s| s.value_at(t)))
                    .collect()
            })
            .collect();
        Some(CampObservations { camps, data })
    }

    /// The ARD pair of a run (through `day_error`); `None` when the run has no day.
    pub fn ard(&self, run: &RunOutput) -> Option<Ard> {
        if run.days.is_empty() {
            return None;
        }
        let zeros = vec![0; self.camps.len()];
        let mut sim = Vec::with_capacity(self.camps.len());
        let (mut sum, mut sum_rescaled) = (0.0, 0.0);
        for rec in &run.days {
            sim.clear();
            sim.extend(
                self.camps
                    .iter()
                    .map(|&c| rec.population.get(c).copied().unwrap_or(0)),
            );
            let data = self.data.get(rec.day as usize).unwrap_or(&zeros);
            let (e, er) = day_error(&sim, data);
            sum += e;
            sum_rescaled += er;
        }
        let n = run.days.len() as f64;
        Some(Ard {
            ard: sum / n,
            ard_rescaled: sum_rescaled / n,
        })
    }
}

/// Simulated value of each camp on one day (0 where the record has no entry).
pub fn camp_sims(rec: &crate::record::DayRecord, camps: &[usize]) -> Vec<u64> {
    camps
        .iter()
        .map(|&c| rec.population.get(c).copied().unwrap_or(0))
        .collect()
}

/// Observed value of each of `n` camps on one day (0 where the record has no entry).
pub fn camp_data(rec: &crate::record::DayRecord, n: usize) -> Vec<i64> {
    (0..n)
        .map(|i| rec.camp_data.get(i).copied().unwrap_or(0))
        .collect()
}

/// out.csv's `<camp> error`: `round(|sim/data − 1|, 4)`, 0 when `data < 1e-5`.
///
/// Rounds the exact binary value to 4 decimals with ties to even, as Python's
/// `round` does (Rust's fixed-precision formatting is exact in the same way).
pub fn camp_rel_error(sim: u64, data: i64) -> f64 {
    let d = data as f64;
    if d < 1e-5 {
        return 0.0;
    }
    let e = (sim as f64 / d - 1.0).abs();
    format!("{e:.4}").parse().unwrap_or(e)
}

/// out.csv's `Total error`: `Σ_c |sim_c − data_c| / raw`, or 0 when `raw ≤ 0`
/// (Flee then prints zeros in the summary columns).
pub fn total_error(sim: &[u64], data: &[i64], raw: i64) -> f64 {
    if raw <= 0 {
        return 0.0;
    }
    let abs: f64 = sim
        .iter()
        .zip(data)
        .map(|(&x, &d)| (x as f64 - d as f64).abs())
        .sum();
    abs / raw as f64
}

/// Mean and sample standard deviation (n − 1; 0 for fewer than two values).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::record::DayRecord;
    use crate::scenario::{CampData, Location, LocationKind};
    use crate::series::Series;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    /// Conflict zone A, camps B and C (indices 1 and 2), two days.
    fn scenario_and_run() -> (Scenario, RunOutput) {
        let mut s = Scenario::new("t", Date::parse("2020-01-01").unwrap(), 2);
        s.add_location(Location::new("A", LocationKind::ConflictZone));
        let b = s.add_location(Location::new("B", LocationKind::Camp));
        let c = s.add_location(Location::new("C", LocationKind::Camp));
        for loc in [b, c] {
            s.data.camps.push(CampData {
                location: loc,
                series: Series::new(vec![(0, 1.0)]),
            });
        }
        let day = |day, pop: [u64; 3], data: [i64; 2]| DayRecord {
            day,
            population: pop.to_vec(),
            camp_data: data.to_vec(),
            ..Default::default()
        };
        let run = RunOutput {
            seed: 1,
            // Day 0: sim (10, 30), data (20, 20): U = 40, S = 40.
            // Day 1: sim (0, 10), data (50, 30): U = 80, S = 10.
            days: vec![day(0, [5, 10, 30], [20, 20]), day(1, [0, 0, 10], [50, 30])],
            warnings: vec![],
        };
        (s, run)
    }

    #[test]
    fn ard_by_hand() {
        let (s, run) = scenario_and_run();
        let v = validate(&s, &run).unwrap();
        // e(0) = (10 + 10) / 40 = 0.5; rescaled: factor 1 -> 0.5.
        // e(1) = (50 + 20) / 80 = 0.875; rescaled sims (0, 80): (50 + 50) / 80 = 1.25.
        close(v.daily[0].error, 0.5);
        close(v.daily[0].error_rescaled, 0.5);
        close(v.daily[1].error, 0.875);
        close(v.daily[1].error_rescaled, 1.25);
        close(v.ard, (0.5 + 0.875) / 2.0);
        close(v.ard_rescaled, (0.5 + 1.25) / 2.0);
        assert_eq!(v.per_camp.len(), 2);
        assert_eq!(v.per_camp[0].location, 1);
        // Camp B: |10-20|, |0-50| -> 30; rescaled |10-20|, |0-50| -> 30.
        close(v.per_camp[0].mean_abs_diff, 30.0);
        close(v.per_camp[0].mean_abs_diff_rescaled, 30.0);
        // Camp C: |30-20|, |10-30| -> 15; rescaled |30-20|, |80-30| -> 30.
        close(v.per_camp[1].mean_abs_diff, 15.0);
        close(v.per_camp[1].mean_abs_diff_rescaled, 30.0);
    }

    #[test]
    fn observations_ard_equals_validate() {
        // Data B: 20 then 50, C: 20 then 30: the values `scenario_and_run` records.
        let (mut s, run) = scenario_and_run();
        s.data.camps[0].series = Series::new(vec![(0, 20.0), (1, 50.0)]);
        s.data.camps[1].series = Series::new(vec![(0, 20.0), (1, 30.0)]);
        let obs = CampObservations::new(&s, 2).unwrap();
        let a = obs.ard(&run).unwrap();
        let v = validate(&s, &run).unwrap();
        close(a.ard, (0.5 + 0.875) / 2.0);
        close(a.ard_rescaled, (0.5 + 1.25) / 2.0);
        assert_eq!((a.ard, a.ard_rescaled), (v.ard, v.ard_rescaled));
        s.data.camps.clear();
        assert!(CampObservations::new(&s, 2).is_none());
    }

    #[test]
    fn zero_data_and_zero_sim() {
        // U = 0 divides by 1; S = 0 makes every rescaled sim 0.
        let (e, er) = day_error(&[3, 4], &[0, 0]);
        close(e, 7.0);
        close(er, 0.0);
        let (e, er) = day_error(&[0, 0], &[6, 2]);
        close(e, 1.0);
        close(er, 1.0);
        // Rescaled values stay fractional: S = 3, U = 4 -> sims (4/3, 8/3).
        let (_, er) = day_error(&[1, 2], &[2, 2]);
        close(
            er,
            ((4.0f64 / 3.0 - 2.0).abs() + (8.0f64 / 3.0 - 2.0).abs()) / 4.0,
        );
    }

    #[test]
    fn nothing_to_validate() {
        let (mut s, run) = scenario_and_run();
        s.data.camps.clear();
        assert!(validate(&s, &run).is_none());
        let (s, mut run) = scenario_and_run();
        run.days.clear();
        assert!(validate(&s, &run).is_none());
    }

    #[test]
    fn out_csv_columns() {
        assert_eq!(camp_rel_error(10, 0), 0.0);
        assert_eq!(camp_rel_error(3, 4), 0.25);
        assert_eq!(camp_rel_error(1, 3), 0.6667);
        assert_eq!(camp_rel_error(2, 3), 0.3333);
        assert_eq!(camp_rel_error(0, 7), 1.0);
        assert_eq!(camp_rel_error(7, 7), 0.0);
        // Ties go to even on the exact value, as Python's round(): 1/32 -> 0.0312.
        assert_eq!(camp_rel_error(33, 32), 0.0312);
        // |10-20| + |30-20| = 20 over raw 80.
        close(total_error(&[10, 30], &[20, 20], 80), 0.25);
        assert_eq!(total_error(&[10, 30], &[20, 20], 0), 0.0);
        assert_eq!(total_error(&[10, 30], &[20, 20], -5), 0.0);
    }

    #[test]
    fn mean_and_sd() {
        let (m, sd) = mean_sd(&[1.0, 2.0, 3.0, 4.0]);
        close(m, 2.5);
        close(sd, (5.0f64 / 3.0).sqrt());
        assert_eq!(mean_sd(&[0.3]), (0.3, 0.0));
        assert!(mean_sd(&[]).0.is_nan());
    }
}
