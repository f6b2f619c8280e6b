//! Per-member scalar metrics: the ARD and the rescaled ARD (flee-spec §3.2).
//!
//! Computed from a member's [`RunOutput`] and the scenario's observed data
//! (`Scenario::data`), so an ensemble does not depend on how the engine fills
//! `DayRecord::camp_data`. With camps `c` = `Scenario::camp_locations()`,
//! `sim_c(t)` = `DayRecord::population[c]`, `data_c(t)` = the camp's series
//! interpolated and truncated on day `t` (0 for a camp without a series),
//! `U(t) = Σ_c data_c(t)`, `S(t) = Σ_c sim_c(t)`:
//! * `e(t) = Σ_c |sim_c(t) − data_c(t)| / max(U(t), 1)`, ARD = mean of `e(t)` over
//!   every recorded day (day 0 included);
//! * rescaled: `sim_c(t)` replaced by the float `sim_c(t)·U(t)/S(t)` (0 when S = 0).

use corridor_model::{RunOutput, Scenario};

/// ARD and rescaled ARD of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ard {
    pub ard: f64,
    pub ard_rescaled: f64,
}

/// Observed values per camp per day, precomputed once per ensemble because every
/// member compares against the same data.
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

    /// The ARD pair of a run; `None` when the run has no day.
    pub fn ard(&self, run: &RunOutput) -> Option<Ard> {
        if run.days.is_empty() {
            return None;
        }
        let mut sum = 0.0;
        let mut sum_rescaled = 0.0;
        let mut sim = Vec::with_capacity(self.camps.len());
        for rec in &run.days {
            sim.clear();
            sim.extend(
                self.camps
                    .iter()
                    .map(|&c| rec.population.get(c).copied().unwrap_or(0) as f64),
            );
            let empty = Vec::new();
            let data = self.data.get(rec.day as usize).unwrap_or(&empty);
            let d = |i: usize| data.get(i).copied().unwrap_or(0) as f64;
            let u: f64 = (0..sim.len()).map(d).sum();
            let s: f64 = sim.iter().sum();
            let denom = u.max(1.0);
            let plain: f64 = sim.iter().enumerate().map(|(i, x)| (x - d(i)).abs()).sum();
            let rescaled: f64 = sim
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let r = if s > 0.0 { x * u / s } else { 0.0 };
                    (r - d(i)).abs()
                })
                .sum();
            sum += plain / denom;
            sum_rescaled += rescaled / denom;
        }
        let n = run.days.len() as f64;
        Some(Ard {
            ard: sum / n,
            ard_rescaled: sum_rescaled / n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_model::{CampData, Date, DayRecord, Location, LocationKind, Series};

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn ard_by_hand() {
        // Conflict zone A; camps B, C with data B: 20 then 50, C: 20 then 30.
        let mut s = Scenario::new("t", Date::parse("2020-01-01").unwrap(), 2);
        s.add_location(Location::new("A", LocationKind::ConflictZone));
        let b = s.add_location(Location::new("B", LocationKind::Camp));
        let c = s.add_location(Location::new("C", LocationKind::Camp));
        s.data.camps.push(CampData {
            location: b,
            series: Series::new(vec![(0, 20.0), (1, 50.0)]),
        });
        s.data.camps.push(CampData {
            location: c,
            series: Series::new(vec![(0, 20.0), (1, 30.0)]),
        });
        let day = |day, pop: [u64; 3]| DayRecord {
            day,
            population: pop.to_vec(),
            ..Default::default()
        };
        let run = RunOutput {
            seed: 1,
            days: vec![day(0, [5, 10, 30]), day(1, [0, 0, 10])],
            warnings: vec![],
        };
        let obs = CampObservations::new(&s, 2).unwrap();
        let a = obs.ard(&run).unwrap();
        // e(0) = (10 + 10) / 40 = 0.5 (rescaled: U = S = 40, same).
        // e(1) = (50 + 20) / 80 = 0.875; rescaled sims (0, 80): (50 + 50) / 80 = 1.25.
        close(a.ard, (0.5 + 0.875) / 2.0);
        close(a.ard_rescaled, (0.5 + 1.25) / 2.0);

        s.data.camps.clear();
        assert!(CampObservations::new(&s, 2).is_none());
    }
}
