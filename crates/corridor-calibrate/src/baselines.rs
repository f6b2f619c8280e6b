//! Naive forecasts of camp populations and the MASE of a simulation against them
//! (docs/flee-rules.md §3.2: "MASE against naive flat/sloped/ratio models anchored at day 7
//! and day 30, aggregated weighted by each camp's total data").
//!
//! Notation: camps `c`, days `t = 0 .. N−1`, observed `d_c(t)` (the interpolated,
//! truncated camp data the ARD uses), simulated `s_c(t)` (agents at the camp after
//! day `t`, *not* rescaled: the naive models must not see observations after the
//! anchor day, so neither does the simulation), `U(t) = Σ_c d_c(t)`, anchor day `T`.
//! Naive forecasts, for `t > T`:
//! * **flat** (persistence): `f_c(t) = d_c(T)`;
//! * **sloped** (drift, the trend of days 0..T extended):
//!   `f_c(t) = max(0, d_c(T) + (t − T)·(d_c(T) − d_c(0))/T)`;
//! * **ratio** (the observed total shared out as on day T):
//!   `f_c(t) = U(t)·d_c(T)/U(T)` (0 when `U(T) = 0`). Flee's spawning is driven by
//!   the observed total, so this is the naive model with the same information.
//!
//! MASE of camp `c` = `MAE(s_c) / MAE(f_c)` with `MAE(x) = mean_{t=T+1..N−1} |x(t) − d_c(t)|`
//! (the forecast window excludes the anchor day, where flat and sloped are exact).
//! It is Flee's "MASE": the simulation's mean absolute error relative to a naive
//! forecast's over the same window (< 1: the simulation is better). Hyndman's
//! MASE scales by the in-sample one-step naive error instead; we follow Flee.
//! The aggregate is `Σ_c w_c·MASE_c / Σ_c w_c` with `w_c = Σ_{t=0..N−1} d_c(t)`,
//! over camps where `MAE(f_c) > 0` (a camp forecast perfectly by the naive model
//! has no finite ratio and is left out; [`Mase::camps_used`] counts the others).
//! `None` when the run is too short (`N ≤ T + 1`) or no camp qualifies.

use serde::Serialize;

/// The anchor days of Flee's tooling.
pub const ANCHOR_DAYS: [u32; 2] = [7, 30];

/// A naive forecasting model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NaiveModel {
    Flat,
    Sloped,
    Ratio,
}

impl NaiveModel {
    pub const ALL: [NaiveModel; 3] = [NaiveModel::Flat, NaiveModel::Sloped, NaiveModel::Ratio];

    pub fn as_str(self) -> &'static str {
        match self {
            NaiveModel::Flat => "flat",
            NaiveModel::Sloped => "sloped",
            NaiveModel::Ratio => "ratio",
        }
    }
}

/// Observed and simulated values per camp per day: `values[camp][day]`.
pub type CampSeries = Vec<Vec<f64>>;

/// The naive forecast of every camp for every day (`t ≤ T` holds the data itself).
/// `data[c]` must all have the same length, and `anchor` must be a recorded day.
pub fn naive_forecast(model: NaiveModel, data: &[Vec<f64>], anchor: usize) -> CampSeries {
    let days = data.first().map_or(0, Vec::len);
    let total = |t: usize| data.iter().map(|d| d[t]).sum::<f64>();
    let u_anchor = if anchor < days { total(anchor) } else { 0.0 };
    data.iter()
        .map(|d| {
            (0..days)
                .map(|t| {
                    if t <= anchor {
                        return d[t];
                    }
                    let h = (t - anchor) as f64;
                    match model {
                        NaiveModel::Flat => d[anchor],
                        NaiveModel::Sloped => {
                            let slope = if anchor == 0 {
                                0.0
                            } else {
                                (d[anchor] - d[0]) / anchor as f64
                            };
                            (d[anchor] + h * slope).max(0.0)
                        }
                        NaiveModel::Ratio => {
                            if u_anchor > 0.0 {
                                total(t) * d[anchor] / u_anchor
                            } else {
                                0.0
                            }
                        }
                    }
                })
                .collect()
        })
        .collect()
}

/// The aggregated MASE of one run against one naive model and anchor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mase {
    pub value: f64,
    /// Per camp (input order): `None` where the naive model is exact.
    pub per_camp: Vec<Option<f64>>,
    /// Camps that entered the weighted mean.
    pub camps_used: usize,
}

/// Mean absolute error of `x` against `d` over days `from..`.
fn mae(x: &[f64], d: &[f64], from: usize) -> f64 {
    let n = d.len() - from;
    x[from..]
        .iter()
        .zip(&d[from..])
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / n as f64
}

/// MASE of `sim` against the naive `model` anchored at day `anchor`. `sim` and
/// `data` are `[camp][day]` with equal shapes. See the module documentation.
pub fn mase(sim: &[Vec<f64>], data: &[Vec<f64>], model: NaiveModel, anchor: u32) -> Option<Mase> {
    let anchor = anchor as usize;
    let days = data.first().map_or(0, Vec::len);
    if data.is_empty() || days <= anchor + 1 {
        return None;
    }
    debug_assert!(sim.len() == data.len() && sim.iter().all(|s| s.len() == days));
    let naive = naive_forecast(model, data, anchor);
    let from = anchor + 1;
    let mut num = 0.0;
    let mut den = 0.0;
    let mut used = 0;
    let per_camp = (0..data.len())
        .map(|c| {
            let naive_err = mae(&naive[c], &data[c], from);
            if naive_err <= 0.0 {
                return None;
            }
            let m = mae(&sim[c], &data[c], from) / naive_err;
            let w: f64 = data[c].iter().sum();
            if w > 0.0 {
                num += w * m;
                den += w;
                used += 1;
            }
            Some(m)
        })
        .collect();
    (den > 0.0).then(|| Mase {
        value: num / den,
        per_camp,
        camps_used: used,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    /// Two camps over 5 days, anchor 2.
    fn data() -> CampSeries {
        vec![
            vec![0.0, 10.0, 20.0, 40.0, 60.0],
            vec![10.0, 10.0, 20.0, 20.0, 40.0],
        ]
    }

    #[test]
    fn forecasts_by_hand() {
        let d = data();
        // Flat: day-2 values held.
        let f = naive_forecast(NaiveModel::Flat, &d, 2);
        assert_eq!(f[0], vec![0.0, 10.0, 20.0, 20.0, 20.0]);
        assert_eq!(f[1], vec![10.0, 10.0, 20.0, 20.0, 20.0]);
        // Sloped: camp 0 slope (20 − 0)/2 = 10/day -> 30, 40; camp 1 slope 5 -> 25, 30.
        let f = naive_forecast(NaiveModel::Sloped, &d, 2);
        assert_eq!(f[0], vec![0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(f[1], vec![10.0, 10.0, 20.0, 25.0, 30.0]);
        // Ratio: shares on day 2 are 1/2, 1/2; totals on days 3, 4 are 60, 100.
        let f = naive_forecast(NaiveModel::Ratio, &d, 2);
        assert_eq!(f[0], vec![0.0, 10.0, 20.0, 30.0, 50.0]);
        assert_eq!(f[1], vec![10.0, 10.0, 20.0, 30.0, 50.0]);
        // A falling trend is clamped at zero.
        let f = naive_forecast(NaiveModel::Sloped, &[vec![30.0, 20.0, 10.0, 0.0, 0.0]], 2);
        assert_eq!(f[0], vec![30.0, 20.0, 10.0, 0.0, 0.0]);
        // No observed total on the anchor day: the ratio model forecasts 0.
        let f = naive_forecast(NaiveModel::Ratio, &[vec![0.0, 0.0, 5.0]], 1);
        assert_eq!(f[0], vec![0.0, 0.0, 0.0]);
    }

    #[test]
    fn mase_by_hand() {
        let d = data();
        // Simulation: camp 0 = 40, 40 on days 3, 4; camp 1 = 30, 30.
        let sim = vec![
            vec![0.0, 0.0, 0.0, 40.0, 40.0],
            vec![0.0, 0.0, 0.0, 30.0, 30.0],
        ];
        // Window = days 3, 4. Flat naive errors: camp 0 (20 + 40)/2 = 30, camp 1
        // (0 + 20)/2 = 10. Simulation errors: camp 0 (0 + 20)/2 = 10, camp 1
        // (10 + 10)/2 = 10. MASE 1/3 and 1. Weights 130 and 100.
        let m = mase(&sim, &d, NaiveModel::Flat, 2).unwrap();
        close(m.per_camp[0].unwrap(), 1.0 / 3.0);
        close(m.per_camp[1].unwrap(), 1.0);
        close(m.value, (130.0 / 3.0 + 100.0) / 230.0);
        assert_eq!(m.camps_used, 2);
        // Sloped: naive errors camp 0 (10 + 20)/2 = 15, camp 1 (5 + 10)/2 = 7.5.
        let m = mase(&sim, &d, NaiveModel::Sloped, 2).unwrap();
        close(m.per_camp[0].unwrap(), 10.0 / 15.0);
        close(m.per_camp[1].unwrap(), 10.0 / 7.5);
        close(m.value, (130.0 * 10.0 / 15.0 + 100.0 * 10.0 / 7.5) / 230.0);
        // Ratio: naive errors camp 0 (10 + 10)/2 = 10, camp 1 (10 + 10)/2 = 10.
        let m = mase(&sim, &d, NaiveModel::Ratio, 2).unwrap();
        close(m.per_camp[0].unwrap(), 1.0);
        close(m.per_camp[1].unwrap(), 1.0);
        close(m.value, 1.0);
    }

    #[test]
    fn exact_naive_camps_are_left_out() {
        // Camp 1 is constant after the anchor: the flat model is exact there.
        let d = vec![vec![0.0, 10.0, 20.0, 30.0], vec![5.0, 5.0, 5.0, 5.0]];
        let sim = vec![vec![0.0, 0.0, 0.0, 25.0], vec![0.0, 0.0, 0.0, 6.0]];
        let m = mase(&sim, &d, NaiveModel::Flat, 1).unwrap();
        // Camp 0: window days 2, 3: naive |10−20| + |10−30| = 30 → 15; sim
        // |0−20| + |25−30| = 25 → 12.5; MASE 12.5/15.
        close(m.per_camp[0].unwrap(), 12.5 / 15.0);
        assert_eq!(m.per_camp[1], None);
        assert_eq!(m.camps_used, 1);
        close(m.value, 12.5 / 15.0);
        // Everything exact: no MASE at all.
        assert!(mase(&sim[1..], &d[1..], NaiveModel::Flat, 1).is_none());
    }

    #[test]
    fn too_short_runs_have_no_mase() {
        let d = data();
        // 5 days: anchor 3 leaves one forecast day, anchor 4 none.
        assert!(mase(&d, &d, NaiveModel::Flat, 3).is_some());
        assert!(mase(&d, &d, NaiveModel::Flat, 4).is_none());
        assert!(mase(&d, &d, NaiveModel::Flat, 30).is_none());
        assert!(mase(&[], &[], NaiveModel::Flat, 0).is_none());
    }
}
