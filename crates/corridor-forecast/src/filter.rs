//! The particle filter (docs/forecast.md, "Method").
//!
//! Members are count-engine runs (`CountRun`) of the scenario cut at the origin
//! ([`drivers::cut_at_origin`]), each with its own parameter multipliers and
//! driver projection ([`drivers::member_scenario`]) and seed. At every
//! observation time up to the origin (the last day of an observed month, or a
//! day with camp data) each member's weight is multiplied by the negative
//! binomial likelihood of the observed counts given its simulated ones; when the
//! effective sample size falls below half the members, and always at the
//! origin, members are resampled (systematic resampling): a chosen member's
//! whole state is cloned and each copy after the first gets a new seed for the
//! days ahead, so copies diverge. After the origin every member runs on and its
//! values are anchored to the last observation: camps by the difference
//! observed − simulated at the origin, monthly areas by the ratio of the last
//! observed month to the member's own (capped to [1/10, 10]). The forecast's
//! centre is the equal-weight mean of the members' median, persistence (the
//! last observation) and the observed series' own damped trend; each member
//! keeps its offset from the members' median and is spread over
//! [`SPREAD_POINTS`] normal quantiles, scaled above and below the centre by
//! the series' past upward and downward changes and by how far the combined
//! forecasts lie from their mean (docs/forecast.md, "Method").
//!
//! Determinism: members step in parallel but each depends only on its seed and
//! scenario; weights, resampling and statistics run in member order.

use crate::drivers::{self, MemberDraw};
use crate::stats::{self, nb_log_likelihood};
use crate::{Band, EssPoint, Forecast, ForecastError, Observed, SeriesForecast, Spec};
use corridor_model::border::monthly::{OFO, USBP};
use corridor_model::counts::CountRun;
use corridor_model::rng::{mix, stream, Purpose};
use corridor_model::series::Series;
use corridor_model::{Date, DayRecord, Scenario};
use rayon::prelude::*;

/// Negative binomial size of monthly counts (coefficient of variation ≈ 1/√k
/// for large counts: 0.22).
pub const K_MONTHLY: f64 = 20.0;
/// Negative binomial size of camp populations (CV ≈ 0.32).
pub const K_CAMPS: f64 = 10.0;
/// Observations dated before this day weight nobody: the network is still
/// filling from empty (the built-in scenario's June is such a warm-up month).
pub const WARMUP_DAYS: i64 = 30;
/// Cap of the monthly anchoring ratio (and 1/cap its floor).
pub const RATIO_CAP: f64 = 10.0;

/// What a series sums from a day record.
#[derive(Debug, Clone)]
enum Source {
    /// People admitted at these ports (locations) and encountered from these
    /// border cities (one entry per crossing point, as `monthly.csv` sums).
    Area {
        ports: Vec<usize>,
        cities: Vec<usize>,
    },
    Camp(usize),
}

#[derive(Debug, Clone)]
struct Target {
    component: Option<String>,
    name: String,
    source: Source,
    /// Index into the observations (camp list) for camps.
    camp: Option<usize>,
}

/// Days `first ..= last` from the start, with a label.
#[derive(Debug, Clone)]
pub(crate) struct Period {
    pub label: String,
    pub first: i64,
    pub last: i64,
}

/// Month periods from the start's month on, while `first ≤ until`.
pub(crate) fn months_from(start: Date, until: i64) -> Vec<Period> {
    let mut out = Vec::new();
    let (mut y, mut m, _) = start.ymd();
    loop {
        let first = Date::from_ymd(y, m, 1).expect("valid month");
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let next = Date::from_ymd(ny, nm, 1).expect("valid month");
        let p = Period {
            label: first.month_label(),
            first: first.days_since(start),
            last: next.days_since(start) - 1,
        };
        if p.first > until {
            return out;
        }
        out.push(p);
        (y, m) = (ny, nm);
    }
}

fn day_value(rec: &DayRecord, src: &Source, hasten: f64) -> f64 {
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0) as f64;
    let n = match src {
        Source::Area { ports, cities } => {
            ports.iter().map(|&p| at(&rec.admitted, p)).sum::<f64>()
                + cities.iter().map(|&c| at(&rec.encountered, c)).sum::<f64>()
        }
        Source::Camp(l) => at(&rec.population, *l),
    };
    n * hasten
}

fn period_value(recs: &[DayRecord], src: &Source, p: &Period, hasten: f64) -> f64 {
    match src {
        Source::Camp(_) => day_value(&recs[p.last as usize], src, hasten),
        Source::Area { .. } => (p.first.max(0)..=p.last)
            .map(|d| day_value(&recs[d as usize], src, hasten))
            .sum(),
    }
}

/// The value of a camp series on `day` from its points on or before `origin`
/// only; `None` without such points.
pub(crate) fn known_value(points: &[(i64, f64)], day: i64, origin: i64) -> Option<f64> {
    let s = Series::new(points.iter().copied().filter(|p| p.0 <= origin).collect());
    (!s.points.is_empty()).then(|| s.value_f64(day))
}

/// Observations of one day: (target, past period index, observed value).
type Cells = Vec<(usize, usize, f64)>;

/// The layout of a forecast: what is observed when, what is forecast.
struct Plan {
    targets: Vec<Target>,
    /// Periods up to the origin (nowcast) and after it (forecast).
    past: Vec<Period>,
    future: Vec<Period>,
    /// (observation day, [(target, past period index, observed value)]), by day.
    obs: Vec<(i64, Cells)>,
    /// Per target: the anchor observation (past period index, value).
    anchor: Vec<Option<(usize, f64)>>,
    unmatched: Vec<String>,
    end: i64,
    start: Date,
}

fn plan(
    sc: &Scenario,
    observed: &Observed,
    origin: i64,
    horizon: u32,
) -> Result<Plan, ForecastError> {
    let mut targets = Vec::new();
    let mut unmatched = Vec::new();
    let (past, future) = match observed {
        Observed::Monthly(m) => {
            for (comp, area) in m.areas() {
                let ports: Vec<usize> = if comp == OFO {
                    sc.border
                        .ports
                        .iter()
                        .filter(|p| p.field_office == area)
                        .map(|p| p.location)
                        .collect()
                } else {
                    Vec::new()
                };
                let cities: Vec<usize> = if comp == USBP {
                    sc.border
                        .crossings
                        .iter()
                        .filter(|c| c.sector == area)
                        .map(|c| c.border_city)
                        .collect()
                } else {
                    Vec::new()
                };
                if ports.is_empty() && cities.is_empty() {
                    unmatched.push(format!("{comp}, {area}"));
                    continue;
                }
                targets.push(Target {
                    component: Some(comp.to_string()),
                    name: area.to_string(),
                    source: Source::Area { ports, cities },
                    camp: None,
                });
            }
            let all = months_from(sc.start_date, origin + 400 * horizon as i64);
            let past: Vec<Period> = all
                .iter()
                .filter(|p| p.first >= 0 && p.last <= origin)
                .cloned()
                .collect();
            let future: Vec<Period> = all
                .into_iter()
                .filter(|p| p.last > origin)
                .take(horizon as usize)
                .collect();
            (past, future)
        }
        Observed::Camps(camps) => {
            for (i, c) in camps.iter().enumerate() {
                targets.push(Target {
                    component: None,
                    name: sc.locations[c.location].name.clone(),
                    source: Source::Camp(c.location),
                    camp: Some(i),
                });
            }
            let day = |d: i64| Period {
                label: sc.start_date.add_days(d).to_string(),
                first: d,
                last: d,
            };
            let past = (0..=origin).map(day).collect();
            let future = (origin + 1..=origin + horizon as i64).map(day).collect();
            (past, future)
        }
    };
    if targets.is_empty() {
        return Err(ForecastError::Request(
            "none of the observed series is modelled by the scenario (no matching area or camp)"
                .into(),
        ));
    }
    let end = future.last().map_or(origin, |p| p.last);
    let mut by_day: std::collections::BTreeMap<i64, Vec<(usize, usize, f64)>> = Default::default();
    let mut anchor = vec![None; targets.len()];
    for (t, tg) in targets.iter().enumerate() {
        match observed {
            Observed::Monthly(m) => {
                let comp = tg.component.as_deref().unwrap_or("");
                for (pi, p) in past.iter().enumerate() {
                    if let Some(v) = m.get(&p.label, comp, &tg.name) {
                        if p.last >= WARMUP_DAYS {
                            by_day.entry(p.last).or_default().push((t, pi, v));
                        }
                        anchor[t] = Some((pi, v));
                    }
                }
            }
            Observed::Camps(camps) => {
                let c = &camps[tg.camp.expect("camp target")];
                for &(d, v) in &c.points {
                    if (WARMUP_DAYS..=origin).contains(&d) {
                        by_day.entry(d).or_default().push((t, d as usize, v));
                    }
                }
                if let Some(v) = known_value(&c.points, origin, origin) {
                    anchor[t] = Some((origin as usize, v));
                }
            }
        }
    }
    Ok(Plan {
        targets,
        past,
        future,
        obs: by_day.into_iter().collect(),
        anchor,
        unmatched,
        end,
        start: sc.start_date,
    })
}

/// Months or days of history whose changes set the forecast spread.
pub const SPREAD_MONTHS: usize = 24;
pub const SPREAD_DAYS: i64 = 365;

/// A monthly area's observations of the last [`SPREAD_MONTHS`] months that
/// ended on or before the origin (months of the file, in order; `None` where
/// the area has no value).
fn monthly_history(
    m: &corridor_model::MonthlyObserved,
    tg: &Target,
    plan: &Plan,
    origin: i64,
) -> Vec<Option<f64>> {
    let comp = tg.component.as_deref().unwrap_or("");
    let labels: Vec<&str> = m
        .months()
        .filter(|l| {
            Date::parse_month(l).is_some_and(|(y, mo)| {
                let (ny, nm) = if mo == 12 { (y + 1, 1) } else { (y, mo + 1) };
                let next = Date::from_ymd(ny, nm, 1).expect("valid month");
                next.days_since(plan.start) - 1 <= origin
            })
        })
        .collect();
    let from = labels.len().saturating_sub(SPREAD_MONTHS);
    labels[from..]
        .iter()
        .map(|l| m.get(l, comp, &tg.name))
        .collect()
}

/// A camp's points on or before the origin.
fn camp_history(observed: &Observed, tg: &Target, origin: i64) -> Vec<(i64, f64)> {
    match observed {
        Observed::Camps(camps) => camps[tg.camp.expect("camp target")]
            .points
            .iter()
            .copied()
            .filter(|p| p.0 <= origin)
            .collect(),
        Observed::Monthly(_) => Vec::new(),
    }
}

/// The fewest days of camp history from which a spread is extrapolated to a
/// longer lead (see [`spread`]).
pub const MIN_EXTEND_DAYS: i64 = 10;

/// Root mean square of `changes`, and of their positive and negative parts
/// (semi-deviations, each times √2 so that both equal the root mean square
/// for changes symmetric about zero).
fn spread_of(changes: &[f64]) -> Spread {
    let n = changes.len() as f64;
    let ms = |f: &dyn Fn(f64) -> f64| changes.iter().map(|&d| f(d) * f(d)).sum::<f64>() / n;
    let rms = ms(&|d| d).sqrt();
    let up = (2.0 * ms(&|d: f64| d.max(0.0))).sqrt();
    let down = (2.0 * ms(&|d: f64| d.min(0.0))).sqrt();
    Spread {
        up: (rms + up) / 2.0,
        down: (rms + down) / 2.0,
    }
}

/// The scales of a forecast's spread above and below its centre (people).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spread {
    up: f64,
    down: f64,
}

impl Spread {
    const NONE: Spread = Spread { up: 0.0, down: 0.0 };

    fn scaled(self, f: f64) -> Spread {
        Spread {
            up: self.up * f,
            down: self.down * f,
        }
    }
}

/// The spread of forecast period `i` (lead `i + 1` periods after the
/// origin's period) of target `tg`, from the series' own observed changes over
/// that lead, from observations on or before the origin only (the last
/// [`SPREAD_MONTHS`] months or [`SPREAD_DAYS`] days). Above the centre it is
/// the mean of the changes' root mean square and of their upward
/// semi-deviation, below it the same with the downward one: camps mostly
/// grow, and a series that has only risen is more likely to jump up than
/// down (symmetric bands left 9 in 10 of their misses above). When the
/// history is shorter than the lead, the changes over the whole history
/// (at least [`MIN_EXTEND_DAYS`] days; one month) are scaled by
/// `√(lead / history)`, as for a random walk; without them, none. It stands
/// for what members do not simulate: reporting noise and changes in drivers
/// beyond the projection's spread.
fn spread(observed: &Observed, tg: &Target, plan: &Plan, origin: i64, i: usize) -> Spread {
    match observed {
        Observed::Monthly(m) => {
            let vals = monthly_history(m, tg, plan, origin);
            let changes = |lead: usize| -> Vec<f64> {
                (0..vals.len().saturating_sub(lead))
                    .filter_map(|w| Some(vals[w + lead]? - vals[w]?))
                    .collect()
            };
            // The requested lead, else the longest shorter one with changes.
            (1..=i + 1)
                .rev()
                .map(|lead| (lead, changes(lead)))
                .find(|(_, c)| !c.is_empty())
                .map_or(Spread::NONE, |(lead, c)| {
                    spread_of(&c).scaled(((i + 1) as f64 / lead as f64).sqrt())
                })
        }
        Observed::Camps(_) => {
            let pts = camp_history(observed, tg, origin);
            let Some(&(first, _)) = pts.first() else {
                return Spread::NONE;
            };
            let from = first.max(origin - SPREAD_DAYS);
            let want = i as i64 + 1;
            let lead = want.min(origin - from);
            if lead < want.min(MIN_EXTEND_DAYS) {
                return Spread::NONE;
            }
            let s = Series::new(pts);
            let changes: Vec<f64> = (from..=origin - lead)
                .map(|a| s.value_f64(a + lead) - s.value_f64(a))
                .collect();
            spread_of(&changes).scaled((want as f64 / lead as f64).sqrt())
        }
    }
}

/// The damped trend of the observed series itself at forecast period `i`,
/// from observations on or before the origin only: the last observation plus
/// the last window's change (30 days; one month) times
/// [`drivers::damped_sum`] of the lead, with the damping estimated from the
/// series' own changes ([`drivers::trend_persistence`]; for months
/// [`drivers::change_persistence`] over the last [`SPREAD_MONTHS`] months),
/// floored at 0. `None` without an observation.
fn observed_trend(
    observed: &Observed,
    tg: &Target,
    plan: &Plan,
    origin: i64,
    i: usize,
) -> Option<f64> {
    match observed {
        Observed::Monthly(m) => {
            let vals = monthly_history(m, tg, plan, origin);
            let last = vals.iter().rposition(Option::is_some)?;
            let v0 = vals[last]?;
            let changes: Vec<f64> = vals[..=last]
                .windows(2)
                .filter_map(|w| Some(w[1]? - w[0]?))
                .collect();
            let change = match last.checked_sub(1).and_then(|j| vals[j]) {
                Some(before) => v0 - before,
                None => 0.0,
            };
            let beta = drivers::change_persistence(&changes);
            // Lead in months from the last observed month.
            let lead = (i + 1 + vals.len() - 1 - last) as f64;
            Some((v0 + change * drivers::damped_sum(beta, lead)).max(0.0))
        }
        Observed::Camps(_) => {
            let pts = camp_history(observed, tg, origin);
            if pts.is_empty() {
                return None;
            }
            let s = Series::new(pts);
            let v0 = s.value_f64(origin);
            let change = v0 - s.value_f64(origin - drivers::RECENT_DAYS);
            let beta = drivers::trend_persistence(&s, origin);
            let lead = (i + 1) as f64 / drivers::RECENT_DAYS as f64;
            Some((v0 + change * drivers::damped_sum(beta, lead)).max(0.0))
        }
    }
}

/// Points of the standard normal law that spread each member's value
/// ([`SPREAD_POINTS`] quantiles at `(j + ½)/n`): a deterministic stand-in for
/// random draws, so the forecast's median carries no sampling noise.
pub const SPREAD_POINTS: usize = 20;

fn spread_points() -> Vec<f64> {
    (0..SPREAD_POINTS)
        .map(|j| stats::normal_quantile((j as f64 + 0.5) / SPREAD_POINTS as f64))
        .collect()
}

/// Members per distinct history before the origin (see [`histories`]).
pub const BRANCHING: usize = 5;
/// The fewest distinct histories: forecasts of at most this many members run
/// one history per member.
pub const MIN_HISTORIES: usize = 10;

/// The number of distinct histories the filter runs up to the origin for
/// `members` members: `members / BRANCHING` (rounded up), at least
/// [`MIN_HISTORIES`], at most `members`. At the origin the histories are
/// resampled into `members` copies (clone and reseed) that run on
/// separately. Resampling at every observation already leaves fewer distinct
/// ancestors than members (the effective sample size of a 50-member
/// forecast of the built-in scenario is 12–24 at its observations), so
/// running all members up to the origin mostly paid for copies that the
/// filter then discarded; the histories' effective sample size is what
/// `summary.json` reports.
pub fn histories(members: usize) -> usize {
    members.min(MIN_HISTORIES.max(members.div_ceil(BRANCHING)))
}

/// Systematic resampling: `n` parent indices for normalised `weights`.
fn systematic(weights: &[f64], n: usize, u: f64) -> Vec<usize> {
    let m = weights.len();
    let mut out = Vec::with_capacity(n);
    let mut cum = 0.0;
    let mut i = 0;
    for j in 0..n {
        let x = (j as f64 + u) / n as f64;
        while i + 1 < m && cum + weights[i] < x {
            cum += weights[i];
            i += 1;
        }
        out.push(i);
    }
    out
}

fn normalise(logw: &[f64]) -> Vec<f64> {
    let max = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = logw.iter().map(|l| (l - max).exp()).collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|x| x / s).collect()
}

/// Runs a forecast; see the module documentation.
pub fn forecast(
    base: &Scenario,
    observed: &Observed,
    spec: &Spec,
) -> Result<Forecast, ForecastError> {
    let origin = spec.origin.days_since(base.start_date);
    if origin < 0 {
        return Err(ForecastError::Request(format!(
            "the origin {} is before the scenario's start date {}",
            spec.origin, base.start_date
        )));
    }
    if spec.members == 0 || spec.horizon == 0 {
        return Err(ForecastError::Request(
            "a forecast needs at least one member and a horizon of at least 1".into(),
        ));
    }
    let plan = plan(base, observed, origin, spec.horizon)?;
    let cut = drivers::cut_at_origin(base, origin, plan.end, &spec.added_events)?;
    let r = spec.members;
    // Distinct histories up to the origin; `r` members after it.
    let nh = histories(r);
    let draws: Vec<MemberDraw> = (0..nh).map(|k| drivers::draw(&cut, spec.seed, k)).collect();
    let scenarios: Vec<Scenario> = draws
        .iter()
        .map(|d| drivers::member_scenario(&cut, origin, plan.end, d))
        .collect();
    let mut seeds: Vec<u64> = (0..nh)
        .map(|k| mix(spec.seed, Purpose::Member, 0, k as u64))
        .collect();
    let mut runs: Vec<CountRun> = scenarios
        .iter()
        .zip(&seeds)
        .map(|(sc, &seed)| {
            CountRun::new(sc, seed).map_err(|source| ForecastError::Model { seed, source })
        })
        .collect::<Result<_, _>>()?;
    let hasten = base.settings.optimisations.hasten.max(1) as f64;
    let k_nb = if observed.is_monthly() {
        K_MONTHLY
    } else {
        K_CAMPS
    };
    let mut logw = vec![0.0; nh];
    let mut ess = Vec::new();
    let mut used = 0;
    // `seeds` follow their runs through resampling: the first seed of each
    // member's line, to name it in errors.
    let advance = |runs: &mut Vec<CountRun>, seeds: &[u64], to: i64| -> Result<(), ForecastError> {
        runs.par_iter_mut()
            .zip(seeds.par_iter())
            .try_for_each(|(run, &seed)| {
                while (run.day() as i64) <= to {
                    run.step()
                        .map_err(|source| ForecastError::Model { seed, source })?;
                }
                Ok(())
            })
    };
    // Resamples `runs` into `n` runs with probabilities `w`.
    let resample =
        |runs: &mut Vec<CountRun>, seeds: &mut Vec<u64>, w: &[f64], n: usize, key: i64| {
            let u = stream(spec.seed, Purpose::Other, key as u64, 2 << 40).next_f64();
            let parents = systematic(w, n, u);
            *seeds = parents.iter().map(|&p| seeds[p]).collect();
            let mut next = Vec::with_capacity(n);
            for (j, &p) in parents.iter().enumerate() {
                let mut c = runs[p].clone();
                if j > 0 && parents[j - 1] == p {
                    c.reseed(mix(
                        spec.seed,
                        Purpose::Other,
                        key as u64,
                        (3 << 40) | j as u64,
                    ));
                }
                next.push(c);
            }
            *runs = next;
        };
    for (day, cells) in &plan.obs {
        advance(&mut runs, &seeds, *day)?;
        for (k, run) in runs.iter().enumerate() {
            let recs = run.records();
            for &(t, pi, v) in cells {
                let sim = period_value(recs, &plan.targets[t].source, &plan.past[pi], hasten);
                logw[k] += nb_log_likelihood(v, sim, k_nb);
            }
        }
        used += cells.len();
        let w = normalise(&logw);
        let e = stats::ess(&w);
        let resampled = e < nh as f64 / 2.0;
        if resampled {
            resample(&mut runs, &mut seeds, &w, nh, *day);
            logw.iter_mut().for_each(|l| *l = 0.0);
        }
        ess.push(EssPoint {
            period: base.start_date.add_days(*day).to_string(),
            ess: e,
            resampled,
        });
    }
    if used == 0 {
        return Err(ForecastError::Request(format!(
            "no observation of a modelled series falls between the scenario's start {} and the origin {}",
            base.start_date, spec.origin
        )));
    }
    advance(&mut runs, &seeds, origin)?;
    let w = normalise(&logw);
    // At the origin the histories become the `r` members (with one member per
    // history and equal weights there is nothing to resample).
    if nh < r || logw.iter().any(|&l| l != logw[0]) {
        resample(&mut runs, &mut seeds, &w, r, origin);
    }
    advance(&mut runs, &seeds, plan.end)?;
    let z = spread_points();
    let mut series = Vec::with_capacity(plan.targets.len());
    for (t, tg) in plan.targets.iter().enumerate() {
        let vals = |p: &Period| -> Vec<f64> {
            runs.iter()
                .map(|run| period_value(run.records(), &tg.source, p, hasten))
                .collect()
        };
        let nowcast: Vec<Band> = plan
            .past
            .iter()
            .map(|p| Band::of(p.label.clone(), &vals(p)))
            .collect();
        let at_anchor: Option<(Vec<f64>, f64)> =
            plan.anchor[t].map(|(pi, v)| (vals(&plan.past[pi]), v));
        let persistence = plan.anchor[t].map(|(_, v)| v);
        let mut members = Vec::with_capacity(plan.future.len());
        let mut forecast = Vec::with_capacity(plan.future.len());
        for (i, p) in plan.future.iter().enumerate() {
            let mut v = vals(p);
            if let Some((sim0, obs0)) = &at_anchor {
                for (x, s0) in v.iter_mut().zip(sim0) {
                    *x = match tg.source {
                        Source::Camp(_) => (*x + obs0 - s0).max(0.0),
                        Source::Area { .. } => {
                            let ratio =
                                ((obs0 + 1.0) / (s0 + 1.0)).clamp(1.0 / RATIO_CAP, RATIO_CAP);
                            *x * ratio
                        }
                    };
                }
            }
            // Combination: the members' median, persistence and the observed
            // series' damped trend, equal weights; members keep their spread
            // around the combined centre.
            let median = stats::quantile(&v, 0.5);
            let parts: Vec<f64> = [
                Some(median),
                persistence,
                observed_trend(observed, tg, &plan, origin, i),
            ]
            .into_iter()
            .flatten()
            .collect();
            let centre = stats::mean(&parts);
            // The band reaches out to the forecasts it combines: where they
            // disagree (members that see a camp opening, a series that has
            // not moved yet) the outcome is uncertain whatever the history.
            let disagreement = parts.iter().map(|p| (p - centre).abs()).fold(0.0, f64::max);
            let own = spread(observed, tg, &plan, origin, i);
            let (up, down) = (own.up.hypot(disagreement), own.down.hypot(disagreement));
            let values: Vec<f64> = v
                .iter()
                .flat_map(|x| {
                    let at = centre + (x - median);
                    z.iter()
                        .map(move |&z| (at + if z > 0.0 { up * z } else { down * z }).max(0.0))
                })
                .collect();
            forecast.push(Band::of(p.label.clone(), &values));
            members.push(values);
        }
        let observed_cells: Vec<(String, f64)> = plan
            .obs
            .iter()
            .flat_map(|(_, cells)| cells.iter())
            .filter(|c| c.0 == t)
            .map(|&(_, pi, v)| (plan.past[pi].label.clone(), v))
            .collect();
        series.push(SeriesForecast {
            component: tg.component.clone(),
            name: tg.name.clone(),
            observed: observed_cells,
            nowcast,
            forecast,
            members,
        });
    }
    Ok(Forecast {
        origin: spec.origin,
        origin_day: origin,
        unit: if observed.is_monthly() {
            "months"
        } else {
            "days"
        },
        horizon: spec.horizon,
        members: r,
        histories: nh,
        seed: spec.seed,
        method: format!(
            "particle filter over {nh} count-engine histories up to the origin, resampled into {r} \
             members at the origin: negative binomial likelihood (size {k_nb}) \
             of each observation up to the origin, systematic resampling when the effective sample \
             size falls below {} and at the origin, copies reseeded; parameters jittered \
             (x exp(N(0, {}^2))); drivers after the origin held or projected (x exp(N(0, {}^2))); \
             members anchored to the last observation; point forecast the equal-weight mean of the \
             members' median, persistence and the observed series' damped trend; members spread \
             around it ({} normal quantiles each) by the series' own past upward and downward \
             changes and the combined forecasts' distance from their mean",
            nh / 2,
            drivers::PARAM_SIGMA,
            drivers::PROJECTION_SIGMA,
            SPREAD_POINTS
        ),
        observations_used: used,
        unmatched: plan.unmatched,
        ess,
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systematic_resampling_keeps_proportions() {
        // Weights 0.5, 0.25, 0.25 with 4 draws at u = 0.5: points 0.125, 0.375,
        // 0.625, 0.875 → parents 0, 0, 1, 2.
        assert_eq!(systematic(&[0.5, 0.25, 0.25], 3, 0.5).len(), 3);
        assert_eq!(
            systematic(&[0.5, 0.25, 0.25, 0.0], 4, 0.5),
            vec![0, 0, 1, 2]
        );
        assert_eq!(systematic(&[0.0, 1.0, 0.0], 3, 0.3), vec![1, 1, 1]);
        // Branching: 2 histories into 6 members, in proportion to the weights.
        assert_eq!(systematic(&[0.5, 0.5], 6, 0.5), vec![0, 0, 0, 1, 1, 1]);
        assert_eq!(systematic(&[0.25, 0.75], 4, 0.5), vec![0, 1, 1, 1]);
    }

    #[test]
    fn spreads_follow_upward_and_downward_changes() {
        // Symmetric changes: both sides equal the root mean square.
        let s = spread_of(&[10.0, -10.0]);
        assert!((s.up - 10.0).abs() < 1e-12 && (s.down - 10.0).abs() < 1e-12);
        // Only rises: up = (10 + 10√2)/2, down = (10 + 0)/2.
        let s = spread_of(&[10.0, 10.0]);
        assert!((s.up - (10.0 + 10.0 * 2f64.sqrt()) / 2.0).abs() < 1e-12);
        assert!((s.down - 5.0).abs() < 1e-12);
    }

    #[test]
    fn camp_spreads_use_history_up_to_the_origin_and_extend_short_ones() {
        let start = Date::parse("2012-01-01").unwrap();
        let plan = Plan {
            targets: vec![],
            past: vec![],
            future: vec![],
            obs: vec![],
            anchor: vec![],
            unmatched: vec![],
            end: 0,
            start,
        };
        let tg = Target {
            component: None,
            name: "camp".into(),
            source: Source::Camp(0),
            camp: Some(0),
        };
        let camps = |points: Vec<(i64, f64)>| {
            Observed::Camps(vec![crate::CampObserved {
                location: 0,
                points,
            }])
        };
        // 10 a day, and a point after the origin that must not count: every
        // 30-day change is +300.
        let line = camps(vec![(0, 0.0), (300, 3000.0), (310, 0.0)]);
        let s = spread(&line, &tg, &plan, 300, 29);
        assert!((s.up - (300.0 + 300.0 * 2f64.sqrt()) / 2.0).abs() < 1e-9);
        assert!((s.down - 150.0).abs() < 1e-9);
        // 50 days of history for a 90-day lead: the one 50-day change (+500),
        // scaled by √(90/50).
        let short = camps(vec![(250, 0.0), (300, 500.0)]);
        let s = spread(&short, &tg, &plan, 300, 89);
        let f = (90.0f64 / 50.0).sqrt();
        assert!((s.up - f * (500.0 + 500.0 * 2f64.sqrt()) / 2.0).abs() < 1e-9);
        assert!((s.down - f * 250.0).abs() < 1e-9);
        // 5 days of history: enough for a 3-day lead, too little to extend to 30.
        let tiny = camps(vec![(295, 0.0), (300, 50.0)]);
        assert!(spread(&tiny, &tg, &plan, 300, 2).up > 0.0);
        assert_eq!(spread(&tiny, &tg, &plan, 300, 29), Spread::NONE);
    }

    #[test]
    fn histories_branch_only_large_forecasts() {
        assert_eq!(histories(1), 1);
        assert_eq!(histories(10), 10);
        assert_eq!(histories(30), 10);
        assert_eq!(histories(50), 10);
        assert_eq!(histories(51), 11);
        assert_eq!(histories(200), 40);
    }

    #[test]
    fn months_cover_the_window_whole() {
        let start = Date::parse("2023-06-15").unwrap();
        let m = months_from(start, 20);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].label, "2023-06");
        assert_eq!((m[0].first, m[0].last), (-14, 15));
        assert_eq!((m[1].first, m[1].last), (16, 46));
    }

    #[test]
    fn known_values_ignore_points_after_the_origin() {
        let pts = [(0, 10.0), (10, 20.0), (20, 1000.0)];
        assert_eq!(known_value(&pts, 15, 12), Some(20.0));
        assert_eq!(known_value(&pts, 5, 12), Some(15.0));
        assert_eq!(known_value(&pts, 5, -1), None);
    }
}
