//! Backtests (docs/forecast.md, "Skill"): forecasts from a series of origins,
//! scored per horizon against what was observed later and against naive
//! baselines.
//!
//! Outcomes are (series, origin) pairs whose target period has an observation
//! and whose persistence forecast exists. Measures, per horizon:
//! * MAE ratio = Σ|p50 − y| / Σ|persistence − y| over the outcomes; the same
//!   ratio for seasonal naive (over the outcomes where it exists) and for the
//!   plain scenario run's median;
//! * CRPS: mean over outcomes of the members' CRPS (people);
//! * coverage: share of outcomes inside [p5, p95].
//!
//! Baselines: persistence = the last observation on or before the origin
//! (monthly: the last observed month; camps: the series' value at the origin
//! from points up to it); seasonal naive = the observation one year before the
//! target (12 months; 365 days) if it is on or before the origin; plain = the
//! median over members of the unconditioned scenario with all its drivers
//! (for Flee instances a hindcast: it spawns from the observed totals after the
//! origin too).

use crate::filter::{known_value, months_from, Period};
use crate::stats::{self, crps};
use crate::{forecast, Forecast, ForecastError, Observed, Spec};
use corridor_model::counts::CountRun;
use corridor_model::rng::{mix, Purpose};
use corridor_model::series::Series;
use corridor_model::{Date, Scenario};
use rayon::prelude::*;
use serde::Serialize;

/// A backtest request.
#[derive(Debug, Clone)]
pub struct BacktestSpec {
    pub origins: Vec<Date>,
    /// Horizons in months (monthly observations) or days (camps), ascending.
    pub horizons: Vec<u32>,
    pub members: usize,
    pub seed: u64,
}

/// Skill at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HorizonSkill {
    pub horizon: u32,
    /// Scored (series, origin) outcomes.
    pub outcomes: usize,
    pub mae_ratio: f64,
    /// Seasonal naive's MAE ratio and its outcome count (`None`: never defined).
    pub seasonal_mae_ratio: Option<f64>,
    pub seasonal_outcomes: usize,
    /// The plain scenario run's MAE ratio (`None`: the targets are past its end).
    pub plain_mae_ratio: Option<f64>,
    pub plain_outcomes: usize,
    pub crps: f64,
    /// Persistence's CRPS (its mean absolute error: a point forecast).
    pub persistence_crps: f64,
    pub coverage: f64,
}

/// One scored outcome: a series' forecast from one origin at one horizon,
/// beside what was observed and the baselines (people).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub origin: String,
    pub horizon: u32,
    /// The target period: `YYYY-MM` or `YYYY-MM-DD`.
    pub period: String,
    /// `Office of Field Operations` / `U.S. Border Patrol`; `None` for camps.
    pub component: Option<String>,
    /// Area of responsibility or camp name.
    pub series: String,
    pub observed: f64,
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// The members' CRPS against `observed`.
    pub crps: f64,
    pub persistence: f64,
    pub seasonal: Option<f64>,
    /// The plain run's median (`None`: the target is past the scenario's end).
    pub plain: Option<f64>,
}

/// A backtest's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub unit: &'static str,
    pub origins: Vec<String>,
    pub members: usize,
    pub seed: u64,
    pub skill: Vec<HorizonSkill>,
    /// Every scored outcome, by origin, series and horizon: what `skill`
    /// sums up.
    pub outcomes: Vec<Outcome>,
}

#[derive(Default)]
struct Acc {
    n: usize,
    err: f64,
    persist: f64,
    seas_n: usize,
    seas: f64,
    seas_persist: f64,
    plain_n: usize,
    plain: f64,
    plain_persist: f64,
    crps: f64,
    covered: usize,
}

/// The observed value of a series in a period, from all observations (the truth).
fn truth(
    observed: &Observed,
    series: usize,
    comp: Option<&str>,
    name: &str,
    p: &Period,
) -> Option<f64> {
    match observed {
        Observed::Monthly(m) => m.get(&p.label, comp?, name),
        Observed::Camps(c) => {
            let pts = &c[series].points;
            let (first, last) = (pts.first()?.0, pts.last()?.0);
            (first..=last)
                .contains(&p.last)
                .then(|| Series::new(pts.clone()).value_f64(p.last))
        }
    }
}

/// Runs forecasts from every origin (`on_origin` after each) and scores them.
pub fn backtest(
    sc: &Scenario,
    observed: &Observed,
    spec: &BacktestSpec,
    on_origin: &(dyn Fn() + Sync),
) -> Result<Backtest, ForecastError> {
    let hmax =
        *spec.horizons.iter().max().ok_or_else(|| {
            ForecastError::Request("a backtest needs at least one horizon".into())
        })?;
    let monthly = observed.is_monthly();
    // The plain run: every member of the unconditioned scenario, whole period.
    let plain: Vec<Vec<corridor_model::DayRecord>> = (0..spec.members)
        .into_par_iter()
        .map(|k| {
            let seed = mix(spec.seed, Purpose::Member, 0, k as u64);
            let mut run =
                CountRun::new(sc, seed).map_err(|source| ForecastError::Model { seed, source })?;
            for _ in 0..sc.days {
                run.step()
                    .map_err(|source| ForecastError::Model { seed, source })?;
            }
            Ok(run.into_output().days)
        })
        .collect::<Result<_, ForecastError>>()?;
    let hasten = sc.settings.optimisations.hasten.max(1) as f64;
    let mut acc: Vec<Acc> = spec.horizons.iter().map(|_| Acc::default()).collect();
    let mut outcomes = Vec::new();
    for &origin in &spec.origins {
        let f: Forecast = forecast(
            sc,
            observed,
            &Spec {
                origin,
                horizon: hmax,
                members: spec.members,
                seed: spec.seed,
                added_events: Vec::new(),
            },
        )?;
        on_origin();
        let o = f.origin_day;
        let future: Vec<Period> = if monthly {
            months_from(sc.start_date, o + 400 * hmax as i64)
                .into_iter()
                .filter(|p| p.last > o)
                .take(hmax as usize)
                .collect()
        } else {
            (1..=hmax as i64)
                .map(|h| Period {
                    label: sc.start_date.add_days(o + h).to_string(),
                    first: o + h,
                    last: o + h,
                })
                .collect()
        };
        for (si, s) in f.series.iter().enumerate() {
            let comp = s.component.as_deref();
            for (hi, &h) in spec.horizons.iter().enumerate() {
                let p = &future[h as usize - 1];
                let Some(y) = truth(observed, si, comp, &s.name, p) else {
                    continue;
                };
                let (persist, seasonal) = match observed {
                    Observed::Monthly(m) => {
                        let c = comp.unwrap_or("");
                        let ended = ended_months(sc.start_date, o);
                        let last_obs = ended
                            .iter()
                            .filter_map(|l| m.get(l, c, &s.name))
                            .next_back();
                        let (y0, m0, _) = sc.start_date.add_days(p.last).ymd();
                        let a_year_before = format!("{:04}-{:02}", y0 - 1, m0);
                        let seas = ended
                            .iter()
                            .find(|l| **l == a_year_before)
                            .and_then(|l| m.get(l, c, &s.name));
                        (last_obs, seas)
                    }
                    Observed::Camps(c) => {
                        let pts = &c[si].points;
                        let back = p.last - 365;
                        let seas = (back <= o && pts.first().is_some_and(|q| q.0 <= back))
                            .then(|| known_value(pts, back, o))
                            .flatten();
                        (known_value(pts, o, o), seas)
                    }
                };
                let Some(persist) = persist else { continue };
                let band = &s.forecast[h as usize - 1];
                let a = &mut acc[hi];
                let score = crps(&s.members[h as usize - 1], y);
                a.n += 1;
                a.err += (band.p50 - y).abs();
                a.persist += (persist - y).abs();
                a.crps += score;
                if band.p5 <= y && y <= band.p95 {
                    a.covered += 1;
                }
                if let Some(sv) = seasonal {
                    a.seas_n += 1;
                    a.seas += (sv - y).abs();
                    a.seas_persist += (persist - y).abs();
                }
                let plain_median = (p.last < sc.days as i64)
                    .then(|| plain_value(sc, comp, &s.name, observed, si, p, &plain, hasten));
                if let Some(src) = plain_median {
                    a.plain_n += 1;
                    a.plain += (src - y).abs();
                    a.plain_persist += (persist - y).abs();
                }
                outcomes.push(Outcome {
                    origin: origin.to_string(),
                    horizon: h,
                    period: p.label.clone(),
                    component: s.component.clone(),
                    series: s.name.clone(),
                    observed: y,
                    mean: band.mean,
                    p5: band.p5,
                    p50: band.p50,
                    p95: band.p95,
                    crps: score,
                    persistence: persist,
                    seasonal,
                    plain: plain_median,
                });
            }
        }
    }
    let ratio = |x: f64, d: f64| if d > 0.0 { x / d } else { f64::NAN };
    let skill = spec
        .horizons
        .iter()
        .zip(&acc)
        .map(|(&h, a)| HorizonSkill {
            horizon: h,
            outcomes: a.n,
            mae_ratio: ratio(a.err, a.persist),
            seasonal_mae_ratio: (a.seas_n > 0).then(|| ratio(a.seas, a.seas_persist)),
            seasonal_outcomes: a.seas_n,
            plain_mae_ratio: (a.plain_n > 0).then(|| ratio(a.plain, a.plain_persist)),
            plain_outcomes: a.plain_n,
            crps: ratio(a.crps, a.n as f64),
            persistence_crps: ratio(a.persist, a.n as f64),
            coverage: ratio(a.covered as f64, a.n as f64),
        })
        .collect();
    Ok(Backtest {
        unit: if monthly { "months" } else { "days" },
        origins: spec.origins.iter().map(|d| d.to_string()).collect(),
        members: spec.members,
        seed: spec.seed,
        skill,
        outcomes,
    })
}

/// Labels of the months (up to ten years back) that ended on or before day
/// `origin` (days from `start`), in order.
fn ended_months(start: Date, origin: i64) -> Vec<String> {
    const BACK: i64 = 3700;
    months_from(start.add_days(-BACK), origin + BACK)
        .into_iter()
        .filter(|q| q.last - BACK <= origin)
        .map(|q| q.label)
        .collect()
}

/// The plain run's median over members for a series and period.
#[allow(clippy::too_many_arguments)]
fn plain_value(
    sc: &Scenario,
    comp: Option<&str>,
    name: &str,
    observed: &Observed,
    si: usize,
    p: &Period,
    plain: &[Vec<corridor_model::DayRecord>],
    hasten: f64,
) -> f64 {
    use corridor_model::border::monthly::{OFO, USBP};
    let vals: Vec<f64> = plain
        .iter()
        .map(|recs| match observed {
            Observed::Camps(c) => recs[p.last as usize].population[c[si].location] as f64 * hasten,
            Observed::Monthly(_) => {
                let mut n = 0.0;
                for d in p.first.max(0)..=p.last {
                    let r = &recs[d as usize];
                    if comp == Some(OFO) {
                        for port in sc.border.ports.iter().filter(|q| q.field_office == name) {
                            n += r.admitted.get(port.location).copied().unwrap_or(0) as f64;
                        }
                    }
                    if comp == Some(USBP) {
                        for c in sc.border.crossings.iter().filter(|q| q.sector == name) {
                            n += r.encountered.get(c.border_city).copied().unwrap_or(0) as f64;
                        }
                    }
                }
                n * hasten
            }
        })
        .collect();
    stats::quantile(&vals, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ended_months_stop_at_the_origin() {
        let start = Date::parse("2023-06-01").unwrap();
        // Day 60 = 2023-07-31: July has ended; day 59 = 2023-07-30: it has not.
        let m = ended_months(start, 60);
        assert_eq!(m.last().map(String::as_str), Some("2023-07"));
        assert_eq!(
            ended_months(start, 59).last().map(String::as_str),
            Some("2023-06")
        );
        assert!(m.contains(&"2022-08".to_string()));
    }
}
