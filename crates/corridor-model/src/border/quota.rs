//! Whole daily counts from fractional daily rates.
//!
//! Rates are in agents per day and may be fractional (1,450 appointments a day at
//! `hasten = 100` is 14.5 agents). [`DailyQuota`] turns a rate into a whole number
//! each day and carries the fractional remainder to the next day, so that over any
//! run the total handed out is the floor of the summed rates: nothing is lost or
//! invented by rounding. With a constant rate of 14.5 the counts are 14, 15, 14, 15, …
//! Inflow counts ([`inflow_count`]) use it in `Expected` mode and a Poisson draw
//! in `Poisson` mode.

use crate::border::{Inflow, InflowMode};
use crate::rng::{self, Purpose};

/// Relative tolerance of [`DailyQuota::take`] for sums that fall short of a whole
/// number by floating-point rounding only.
const ROUNDING: f64 = 1e-9;

/// A carry of the fractional remainder, always in [0, 1).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DailyQuota {
    carry: f64,
}

impl DailyQuota {
    /// Today's whole count for `rate` (negative or non-finite rates count as 0 and
    /// leave the carry unchanged).
    pub fn take(&mut self, rate: f64) -> u64 {
        if !rate.is_finite() || rate <= 0.0 {
            return 0;
        }
        let x = self.carry + rate;
        // Rates summed in floating point fall just short of whole numbers (0.7 added
        // ten times is 6.9999…): a shortfall within rounding error of the next whole
        // number reaches it, so the total is the floor of the exact sum.
        let n = (x + ROUNDING * x.max(1.0)).floor();
        // Guard against x - n rounding to exactly 1.0 (and the shortfall above).
        self.carry = (x - n).clamp(0.0, 1.0 - f64::EPSILON);
        n as u64
    }

    /// The fractional remainder waiting for the next day.
    pub fn carry(&self) -> f64 {
        self.carry
    }
}

/// Agents arriving today through inflow number `index` (rate × `scale`).
/// `quota` is that inflow's own carry (used in `Expected` mode only).
pub fn inflow_count(
    inflow: &Inflow,
    index: usize,
    mode: InflowMode,
    scale: f64,
    day: u32,
    seed: u64,
    quota: &mut DailyQuota,
) -> u64 {
    let rate = inflow.series.value_f64(day as i64) * scale;
    match mode {
        InflowMode::Expected => quota.take(rate),
        InflowMode::Poisson => {
            rng::stream(seed, Purpose::Inflow, day as u64, index as u64).poisson(rate.max(0.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Series;

    #[test]
    fn fractional_rates_alternate_and_conserve() {
        let mut q = DailyQuota::default();
        let got: Vec<u64> = (0..6).map(|_| q.take(14.5)).collect();
        assert_eq!(got, vec![14, 15, 14, 15, 14, 15]);
        let mut q = DailyQuota::default();
        let got: Vec<u64> = (0..6).map(|_| q.take(0.4)).collect();
        assert_eq!(got, vec![0, 0, 1, 0, 1, 0]);
        assert_eq!(q.take(-3.0), 0);
        assert_eq!(q.take(f64::NAN), 0);
    }

    #[test]
    fn inflow_totals_are_conserved() {
        // 10 people/day on day 0 rising linearly to 20/day on day 10, then flat:
        // days 0..=9 sum to 145 + 0.0 exactly (10 + 11 + ... + 19), days 10..=19 are 200.
        let inflow = Inflow {
            location: 0,
            series: Series::new(vec![(0, 10.0), (10, 20.0)]),
        };
        let mut q = DailyQuota::default();
        let counts: Vec<u64> = (0..20)
            .map(|d| inflow_count(&inflow, 0, InflowMode::Expected, 1.0, d, 1, &mut q))
            .collect();
        assert_eq!(counts[..3], [10, 11, 12]);
        assert_eq!(counts.iter().sum::<u64>(), 345);
        // A third of that rate: the exact sum is 115.
        let mut q = DailyQuota::default();
        let total: u64 = (0..20)
            .map(|d| inflow_count(&inflow, 0, InflowMode::Expected, 1.0 / 3.0, d, 1, &mut q))
            .sum();
        // Handed out + carried = the exact sum of the rates.
        assert!(
            (total as f64 + q.carry() - 115.0).abs() < 1e-9,
            "{total} + {}",
            q.carry()
        );
        assert!(q.carry() < 1.0);
    }

    /// Totals are the floor of the exact sum of the rates, not of its floating-point
    /// approximation (issue 21: 0.7 a day for 10 days gave 6, 0.1 for 30 gave 2, a
    /// ramp from 300 to 100 a day gave 4,999).
    #[test]
    fn totals_are_the_floor_of_the_exact_sum() {
        let total = |rates: &mut dyn Iterator<Item = f64>| {
            let mut q = DailyQuota::default();
            rates.map(|r| q.take(r)).sum::<u64>()
        };
        assert_eq!(total(&mut std::iter::repeat_n(0.7, 10)), 7);
        assert_eq!(total(&mut std::iter::repeat_n(0.1, 30)), 3);
        assert_eq!(total(&mut std::iter::repeat_n(0.1, 29)), 2);
        let ramp = Inflow {
            location: 0,
            series: Series::new(vec![(0, 300.0), (24, 100.0)]),
        };
        let mut q = DailyQuota::default();
        let sum: u64 = (0..25)
            .map(|d| inflow_count(&ramp, 0, InflowMode::Expected, 1.0, d, 1, &mut q))
            .sum();
        assert_eq!(sum, 5000);
    }

    #[test]
    fn poisson_inflow_is_keyed_and_has_the_right_mean() {
        let inflow = Inflow {
            location: 0,
            series: Series::new(vec![(0, 50.0)]),
        };
        let mut q = DailyQuota::default();
        let a: Vec<u64> = (0..400)
            .map(|d| inflow_count(&inflow, 2, InflowMode::Poisson, 1.0, d, 9, &mut q))
            .collect();
        let b: Vec<u64> = (0..400)
            .map(|d| inflow_count(&inflow, 2, InflowMode::Poisson, 1.0, d, 9, &mut q))
            .collect();
        assert_eq!(a, b);
        let mean = a.iter().sum::<u64>() as f64 / 400.0;
        assert!((mean - 50.0).abs() < 2.0, "mean {mean}");
    }
}
