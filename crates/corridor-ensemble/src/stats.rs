//! Summary statistics of one output cell over the members of an ensemble.
//!
//! Definitions (the contract of every `mean,sd,p5,p50,p95` column):
//! * `mean`: arithmetic mean, summed in member order in f64;
//! * `sd`: sample standard deviation with the n − 1 denominator, two-pass (sum of
//!   squared deviations from the mean, in member order); NaN (written as an empty
//!   CSV field / JSON null) when there is a single member;
//! * `pX`: quantile of type 7 (Hyndman & Fan 1996; R's default, numpy's
//!   `linear`): with the values sorted ascending as x₀ ≤ … ≤ xₙ₋₁ and
//!   h = (n − 1)·p, `q = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋+1 − x⌊h⌋)`.
//!
//! Every result depends only on the multiset of values and their member order,
//! never on how many threads produced them.

use serde::Serialize;

/// The quantile levels written to files.
pub const QUANTILES: [f64; 3] = [0.05, 0.5, 0.95];

/// mean, sd, p5, p50, p95 of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    pub mean: f64,
    pub sd: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl Stats {
    /// The statistics of `n ≥ 1` copies of `v` (an all-equal cell): sd is 0, or NaN for n = 1.
    pub fn constant(v: f64, n: usize) -> Stats {
        Stats {
            mean: v,
            sd: if n < 2 { f64::NAN } else { 0.0 },
            p5: v,
            p50: v,
            p95: v,
        }
    }
}

/// Type-7 quantile of ascending `sorted` values; NaN when empty.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Statistics of f64 values in member order (per-member scalar metrics).
/// All fields are NaN when `values` is empty.
pub fn summarize(values: &[f64]) -> Stats {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (mean, sd) = mean_sd(values.iter().copied());
    Stats {
        mean,
        sd,
        p5: quantile_sorted(&sorted, QUANTILES[0]),
        p50: quantile_sorted(&sorted, QUANTILES[1]),
        p95: quantile_sorted(&sorted, QUANTILES[2]),
    }
}

/// Statistics of one cell's f32 samples in member order. `scratch` is reused
/// between calls to avoid an allocation per cell.
pub fn summarize_f32(values: &[f32], scratch: &mut Vec<f64>) -> Stats {
    if values.is_empty() {
        return summarize(&[]);
    }
    let first = values[0];
    if values.iter().all(|&v| v.to_bits() == first.to_bits()) {
        return Stats::constant(first as f64, values.len());
    }
    scratch.clear();
    scratch.extend(values.iter().map(|&v| v as f64));
    let (mean, sd) = mean_sd(scratch.iter().copied());
    scratch.sort_unstable_by(f64::total_cmp);
    Stats {
        mean,
        sd,
        p5: quantile_sorted(scratch, QUANTILES[0]),
        p50: quantile_sorted(scratch, QUANTILES[1]),
        p95: quantile_sorted(scratch, QUANTILES[2]),
    }
}

/// Mean and sample sd (n − 1) in the iteration order; sd NaN for n < 2.
fn mean_sd(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let mut n = 0usize;
    let mut sum = 0.0;
    for v in values.clone() {
        n += 1;
        sum += v;
    }
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = sum / n as f64;
    if n < 2 {
        return (mean, f64::NAN);
    }
    let ss: f64 = values.map(|v| (v - mean) * (v - mean)).sum();
    (mean, (ss / (n - 1) as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn type7_quantiles_by_hand() {
        // 1..=10: h = 9p. p5: h = 0.45 -> 1 + 0.45 = 1.45; p50: h = 4.5 -> 5.5;
        // p95: h = 8.55 -> 9 + 0.55 = 9.55.
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = summarize(&v);
        close(s.mean, 5.5);
        close(s.sd, (82.5f64 / 9.0).sqrt());
        close(s.p5, 1.45);
        close(s.p50, 5.5);
        close(s.p95, 9.55);
    }

    #[test]
    fn order_of_values_does_not_matter_for_quantiles() {
        // Unsorted, with a repeated value: sorted 0, 2, 2, 7, 9 (n = 5, h = 4p).
        // p5: h = 0.2 -> 0.4; p50: h = 2 -> 2; p95: h = 3.8 -> 7 + 0.8·2 = 8.6.
        let v = [9.0, 2.0, 0.0, 7.0, 2.0];
        let s = summarize(&v);
        close(s.mean, 4.0);
        // Squared deviations 25 + 4 + 16 + 9 + 4 = 58 over 4.
        close(s.sd, (58.0f64 / 4.0).sqrt());
        close(s.p5, 0.4);
        close(s.p50, 2.0);
        close(s.p95, 8.6);
        let mut scratch = Vec::new();
        let f: Vec<f32> = v.iter().map(|&x| x as f32).collect();
        assert_eq!(summarize_f32(&f, &mut scratch), s);
    }

    #[test]
    fn single_member_and_constant_cells() {
        let s = summarize(&[3.5]);
        assert_eq!((s.mean, s.p5, s.p50, s.p95), (3.5, 3.5, 3.5, 3.5));
        assert!(s.sd.is_nan());
        let mut scratch = Vec::new();
        let c = summarize_f32(&[4.0; 6], &mut scratch);
        assert_eq!(c, Stats::constant(4.0, 6));
        assert_eq!(c.sd, 0.0);
        assert!(summarize(&[]).mean.is_nan());
    }

    #[test]
    fn two_values_interpolate_linearly() {
        let s = summarize(&[10.0, 20.0]);
        close(s.p5, 10.5);
        close(s.p50, 15.0);
        close(s.p95, 19.5);
        close(s.sd, 50f64.sqrt());
    }
}
