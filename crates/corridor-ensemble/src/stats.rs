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

use corridor_model::key_numbers::{KeyNumbers, MonthTotals};
use corridor_model::Date;
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

/// The two ranks a type-7 quantile of `n ≥ 1` values reads, and the weight
/// of the upper one.
fn quantile_ranks(n: usize, p: f64) -> (usize, usize, f64) {
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    (lo, (lo + 1).min(n - 1), h - lo as f64)
}

/// Type-7 quantile of ascending `sorted` values; NaN when empty. Only the
/// two ranks of `quantile_ranks` are read, so values ordered only at those
/// ranks (`select_ranks`) give the same result.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let (lo, hi, w) = quantile_ranks(sorted.len(), p);
    sorted[lo] + w * (sorted[hi] - sorted[lo])
}

/// Puts into place the values of ranks `ks` (ascending) as a sort by
/// `total_cmp` would, in O(n) per rank instead of a whole sort: each
/// selection leaves only larger values after its rank, so the next one
/// searches only those.
fn select_ranks(v: &mut [f64], ks: &[usize]) {
    let mut start = 0;
    for &k in ks {
        if k < start || k >= v.len() {
            continue;
        }
        v[start..].select_nth_unstable_by(k - start, f64::total_cmp);
        start = k + 1;
    }
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

/// From this many samples on, a cell's quantiles are selected, not sorted
/// (measured: sorting 20 values is faster, selecting from 50 on).
const SELECT_FROM: usize = 40;

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
    // Only the quantiles' ranks need their sorted values: selecting them is
    // 2–3 times faster than sorting from ~100 members on (a 1,000-member
    // ensemble has tens of thousands of varying cells); a short sort is
    // faster below a few dozen.
    if scratch.len() < SELECT_FROM {
        scratch.sort_unstable_by(f64::total_cmp);
        return Stats {
            mean,
            sd,
            p5: quantile_sorted(scratch, QUANTILES[0]),
            p50: quantile_sorted(scratch, QUANTILES[1]),
            p95: quantile_sorted(scratch, QUANTILES[2]),
        };
    }
    let mut ranks = [0usize; 6];
    for (i, &p) in QUANTILES.iter().enumerate() {
        let (lo, hi, _) = quantile_ranks(scratch.len(), p);
        ranks[2 * i] = lo;
        ranks[2 * i + 1] = hi;
    }
    ranks.sort_unstable();
    select_ranks(scratch, &ranks);
    Stats {
        mean,
        sd,
        p5: quantile_sorted(scratch, QUANTILES[0]),
        p50: quantile_sorted(scratch, QUANTILES[1]),
        p95: quantile_sorted(scratch, QUANTILES[2]),
    }
}

/// Each key number (`corridor_model::key_numbers`) as statistics over the members
/// of an ensemble, in people: compare.json's entry for an ensemble variant and
/// the ensemble summary.json's `key_numbers`. `mean_wait_days` and
/// `p90_wait_days` are over the members that admitted anybody, `None` when none
/// did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyNumberStats {
    pub peak_waiting_at_border: Stats,
    /// The members' dates of their peak (p5, p50, p95); `None` when a member has
    /// none (an empty run).
    pub peak_waiting_date: Option<DateBand>,
    pub mean_wait_days: Option<Stats>,
    pub p90_wait_days: Option<Stats>,
    pub admitted: Stats,
    pub encountered: Stats,
    pub interception_events: Stats,
    pub people_intercepted: Stats,
    pub final_waiting_at_border: Stats,
}

impl KeyNumberStats {
    /// `None` without members.
    pub fn of(members: &[KeyNumbers]) -> Option<KeyNumberStats> {
        if members.is_empty() {
            return None;
        }
        let col = |f: fn(&KeyNumbers) -> u64| {
            summarize(&members.iter().map(|k| f(k) as f64).collect::<Vec<_>>())
        };
        let waits: Vec<f64> = members.iter().filter_map(|k| k.mean_wait_days).collect();
        let p90s: Vec<f64> = members
            .iter()
            .filter_map(|k| k.p90_wait_days.map(f64::from))
            .collect();
        Some(KeyNumberStats {
            peak_waiting_at_border: col(|k| k.peak_waiting_at_border),
            peak_waiting_date: DateBand::of(members.iter().map(|k| k.peak_waiting_date.as_deref())),
            mean_wait_days: (!waits.is_empty()).then(|| summarize(&waits)),
            p90_wait_days: (!p90s.is_empty()).then(|| summarize(&p90s)),
            admitted: col(|k| k.admitted),
            encountered: col(|k| k.encountered),
            interception_events: col(|k| k.interception_events),
            people_intercepted: col(|k| k.people_intercepted),
            final_waiting_at_border: col(|k| k.final_waiting_at_border),
        })
    }
}

/// Quantiles of dates over the members (`YYYY-MM-DD`): the type-7 quantile of
/// the day numbers, rounded to the nearest day (half a day up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateBand {
    pub p5: String,
    pub p50: String,
    pub p95: String,
}

impl DateBand {
    /// `None` when there are no dates or one of them is missing or malformed.
    pub fn of<'a>(dates: impl Iterator<Item = Option<&'a str>>) -> Option<DateBand> {
        let parsed: Option<Vec<Date>> = dates.map(|d| d.and_then(Date::parse)).collect();
        let parsed = parsed.filter(|v| !v.is_empty())?;
        let origin = parsed[0];
        let mut days: Vec<f64> = parsed.iter().map(|d| d.days_since(origin) as f64).collect();
        days.sort_unstable_by(f64::total_cmp);
        let at = |p: f64| {
            let d = quantile_sorted(&days, p);
            origin.add_days((d + 0.5).floor() as i64).to_string()
        };
        Some(DateBand {
            p5: at(QUANTILES[0]),
            p50: at(QUANTILES[1]),
            p95: at(QUANTILES[2]),
        })
    }
}

/// Mean admitted and encountered people in one month over the members.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanMonthTotals {
    /// `YYYY-MM`.
    pub month: String,
    pub admitted: f64,
    pub encountered: f64,
}

/// Mean month totals over the members, in the month order of the first member (a
/// month a member lacks counts 0 for it).
pub fn mean_month_totals(members: &[Vec<MonthTotals>]) -> Vec<MeanMonthTotals> {
    let Some(first) = members.first() else {
        return Vec::new();
    };
    let n = members.len() as f64;
    first
        .iter()
        .map(|m0| {
            let (mut a, mut e) = (0.0, 0.0);
            for ms in members {
                if let Some(m) = ms.iter().find(|m| m.month == m0.month) {
                    a += m.admitted as f64;
                    e += m.encountered as f64;
                }
            }
            MeanMonthTotals {
                month: m0.month.clone(),
                admitted: a / n,
                encountered: e / n,
            }
        })
        .collect()
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

    /// `summarize_f32` selects only the quantiles' ranks: the same bits as
    /// quantiles of the fully sorted values, for many lengths, with ties,
    /// signed zeros and a constant prefix.
    #[test]
    fn selected_quantiles_equal_sorted_ones() {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut scratch = Vec::new();
        for n in (2..70).chain([199, 200, 1000, 1001]) {
            for kind in 0..3 {
                let v: Vec<f32> = (0..n)
                    .map(|i| match kind {
                        0 => (next() % 1000) as f32 / 7.0,
                        1 => [(0.0f32), -0.0, 1.0, 3.0][(next() % 4) as usize],
                        _ if i < n / 2 => 5.0,
                        _ => (next() % 3) as f32,
                    })
                    .collect();
                let got = summarize_f32(&v, &mut scratch);
                let mut sorted: Vec<f64> = v.iter().map(|&x| x as f64).collect();
                sorted.sort_by(f64::total_cmp);
                for (p, q) in QUANTILES.iter().zip([got.p5, got.p50, got.p95]) {
                    let want = quantile_sorted(&sorted, *p);
                    assert_eq!(q.to_bits(), want.to_bits(), "n {n} kind {kind} p {p}");
                }
            }
        }
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

    #[test]
    fn key_number_stats_over_members() {
        let k = |admitted: u64, wait: Option<f64>| KeyNumbers {
            peak_waiting_at_border: 10,
            peak_waiting_date: Some(format!("2024-01-{:02}", 1 + admitted / 10)),
            mean_wait_days: wait,
            p90_wait_days: wait.map(|w| w as u32),
            admitted,
            encountered: 0,
            interception_events: 0,
            people_intercepted: 0,
            final_waiting_at_border: 0,
        };
        assert!(KeyNumberStats::of(&[]).is_none());
        let s = KeyNumberStats::of(&[k(10, Some(2.0)), k(30, None), k(20, Some(4.0))]).unwrap();
        assert_eq!(s.admitted.mean, 20.0);
        assert_eq!(s.admitted.p50, 20.0);
        assert_eq!(s.peak_waiting_at_border.sd, 0.0);
        // Peak dates Jan 2, 4, 3: days 0, 1, 2 after Jan 2 sorted; h = 2p gives
        // 0.1 (Jan 2), 1 (Jan 3) and 1.9 (rounds to Jan 4).
        let d = s.peak_waiting_date.unwrap();
        assert_eq!(
            (d.p5.as_str(), d.p50.as_str(), d.p95.as_str()),
            ("2024-01-02", "2024-01-03", "2024-01-04")
        );
        // The wait is over the members that admitted anybody.
        assert_eq!(s.mean_wait_days.unwrap().mean, 3.0);
        let none = KeyNumberStats::of(&[k(0, None)]).unwrap();
        assert!(none.mean_wait_days.is_none());
        let mut empty = k(0, None);
        empty.peak_waiting_date = None;
        assert!(KeyNumberStats::of(&[k(10, None), empty])
            .unwrap()
            .peak_waiting_date
            .is_none());
        let m = |month: &str, admitted| MonthTotals {
            month: month.into(),
            admitted,
            encountered: 1,
        };
        let means = mean_month_totals(&[
            vec![m("2023-12", 4), m("2024-01", 2)],
            vec![m("2023-12", 6)],
        ]);
        assert_eq!(means.len(), 2);
        assert_eq!((means[0].admitted, means[0].encountered), (5.0, 1.0));
        assert_eq!((means[1].admitted, means[1].encountered), (1.0, 0.5));
        assert!(mean_month_totals(&[]).is_empty());
    }
}
