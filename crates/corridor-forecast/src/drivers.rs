//! What a forecast may know about a scenario's drivers, and what it assumes
//! after the origin (docs/forecast.md, "Drivers").
//!
//! [`cut_at_origin`] keeps only what was known on the origin day: series points
//! (inflows, the observed camp and total series that drive Flee's data-driven
//! spawning) dated on or before it, conflict rows up to it, closures, events and
//! caravans that started on or before it. After the origin, drivers are held or
//! projected: conflict intensities keep their last row, a closure in force stays
//! in force, and [`member_scenario`] extends each series with one member's
//! projection (observed camp and total series: a damped trend whose damping,
//! [`trend_persistence`], comes from the series' own history up to the origin). A variant's events are added only when they fall after the origin.
//!
//! Invariant: nothing dated after the origin in the base scenario reaches the
//! result, so changing any of it cannot change a forecast (test:
//! `tests/forecast.rs`, `poisoning_after_the_origin_changes_nothing`).

use crate::ForecastError;
use corridor_model::border::Event;
use corridor_model::params::Param;
use corridor_model::rng::{stream, Purpose, Stream};
use corridor_model::series::Series;
use corridor_model::Scenario;

/// Days of history the projection looks at (the recent trend or level).
pub const RECENT_DAYS: i64 = 30;

/// Days of history from which a series' trend persistence is estimated.
pub const PERSISTENCE_DAYS: i64 = 365;

/// How much of a series' recent change carries into the next
/// [`RECENT_DAYS`]: the least-squares coefficient `β` of each
/// [`RECENT_DAYS`]-day change on the one before it, over the
/// [`PERSISTENCE_DAYS`] days up to `origin` (points on or before it only),
/// clamped to [0, 1]. 0 when there is no such pair of changes, or when the
/// changes carry no sign of persisting. This is the damping factor of a damped
/// trend (docs/forecast.md, "Drivers"): the `k`-th window after the origin
/// changes by `β^k` times the last window's change, so a trend the series' own
/// history does not support fades instead of running on for the whole horizon.
pub fn trend_persistence(s: &Series, origin: i64) -> f64 {
    let Some(&(first, _)) = s.points.first() else {
        return 0.0;
    };
    let l = RECENT_DAYS;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    // Pairs (change over [a - l, a], change over [a, a + l]) inside the known
    // points, ending on or before the origin.
    for a in (first + l).max(origin - PERSISTENCE_DAYS + l)..=origin - l {
        let x = s.value_f64(a) - s.value_f64(a - l);
        let y = s.value_f64(a + l) - s.value_f64(a);
        sxy += x * y;
        sxx += x * x;
    }
    if sxx > 0.0 {
        (sxy / sxx).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// How much of a change persists into the next one, from a sequence of
/// consecutive changes (oldest first): the least-squares coefficient of each
/// change on the one before it, clamped to [0, 1]; 0 without a pair or when the
/// changes carry no sign of persisting. [`trend_persistence`] for monthly
/// series (one change per month).
pub fn change_persistence(changes: &[f64]) -> f64 {
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for w in changes.windows(2) {
        sxy += w[0] * w[1];
        sxx += w[0] * w[0];
    }
    if sxx > 0.0 {
        (sxy / sxx).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The multiple of the last window's change that a damped trend adds
/// `windows` windows after the origin (a fraction for a part of a window):
/// `β + β² + … + β^n`, plus the part `f` of the next window, `f·β^(n+1)`, as
/// [`member_scenario`] extends a series linearly inside each window.
pub fn damped_sum(beta: f64, windows: f64) -> f64 {
    let full = windows.max(0.0).floor();
    let (mut sum, mut b) = (0.0, beta);
    for _ in 0..full as u64 {
        sum += b;
        b *= beta;
    }
    sum + (windows - full) * b
}

/// Spread of a member's projection multiplier: exp(N(0, σ²)).
pub const PROJECTION_SIGMA: f64 = 0.5;

/// Spread of each jittered parameter's multiplier: exp(N(0, σ²)).
pub const PARAM_SIGMA: f64 = 0.15;

/// Parameters drawn per member (multipliers of the scenario's values); those a
/// scenario lacks are skipped.
pub const JITTERED: [&str; 5] = [
    "inflows.scale",
    "crossings.hazard_scale",
    "appointments.request_probability",
    "move_rules.camp_weight",
    "move_rules.default_movechance",
];

/// The scenario as known on day `origin` (0-based, days from the start date),
/// running to day `end` included, with the planner's `added` events (all must
/// fall after the origin).
pub fn cut_at_origin(
    base: &Scenario,
    origin: i64,
    end: i64,
    added: &[Event],
) -> Result<Scenario, ForecastError> {
    if let Some(e) = added.iter().find(|e| (e.day as i64) <= origin) {
        return Err(ForecastError::EventBeforeOrigin {
            event: e.describe(base),
            origin: base.start_date.add_days(origin).to_string(),
        });
    }
    let mut sc = base.clone();
    sc.days = (end + 1) as u32;
    let cut = |s: &mut Series| s.points.retain(|p| p.0 <= origin);
    cut(&mut sc.data.total);
    for c in &mut sc.data.camps {
        cut(&mut c.series);
    }
    for f in &mut sc.border.inflows {
        cut(&mut f.series);
    }
    if let Some(cs) = &mut sc.conflicts {
        cs.intensity.truncate((origin + 1) as usize);
        if let Some(last) = cs.intensity.last().cloned() {
            cs.intensity.resize((end + 1) as usize, last);
        }
    }
    for l in &mut sc.locations {
        if l.conflict_date.is_some_and(|d| d > origin) {
            // Never: the conflict was not known on the origin day.
            l.conflict_date = Some(i64::MAX);
        }
    }
    sc.closures.retain(|c| c.start <= origin);
    for c in &mut sc.closures {
        if c.end > origin {
            // The reopening had not happened yet: closed until further notice.
            c.end = -1;
        }
    }
    sc.border.events.retain(|e| (e.day as i64) <= origin);
    sc.border.events.extend(added.iter().cloned());
    sc.border.events.sort_by_key(|e| e.day);
    sc.border.caravans.retain(|c| (c.day as i64) <= origin);
    Ok(sc)
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut Stream) -> f64 {
    let u1 = rng.next_f64().max(f64::MIN_POSITIVE);
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// What one member assumes: its projection multiplier and parameter values.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MemberDraw {
    /// Multiplies the projected level (inflows) or trend (observed series).
    pub projection: f64,
    /// (parameter, multiplier applied to the scenario's value).
    pub params: Vec<(String, f64)>,
}

/// Member `k`'s draw, from the stream (seed, Other, 0, k).
pub fn draw(sc: &Scenario, seed: u64, k: usize) -> MemberDraw {
    let mut rng = stream(seed, Purpose::Other, 0, (1 << 40) | k as u64);
    let projection = (PROJECTION_SIGMA * normal(&mut rng)).exp();
    let mut params = Vec::new();
    for name in JITTERED {
        // One draw per name whether or not it applies, so a member's draws do not
        // depend on which levers the scenario has.
        let m = (PARAM_SIGMA * normal(&mut rng)).exp();
        if Param::resolve(sc, name).is_ok() {
            params.push((name.to_string(), m));
        }
    }
    MemberDraw { projection, params }
}

/// The cut scenario with member draw `d`: parameters multiplied, series
/// projected from day `origin` to day `end`.
pub fn member_scenario(cut: &Scenario, origin: i64, end: i64, d: &MemberDraw) -> Scenario {
    let mut sc = cut.clone();
    for (name, m) in &d.params {
        if let Ok(p) = Param::resolve(&sc, name) {
            let v = if p.is_scale() { *m } else { p.get(&sc) * m };
            let r = p.range();
            // Out of range (e.g. a probability above 1): keep the scenario's value.
            if r.contains(v) {
                let _ = p.set(&mut sc, name, v);
            }
        }
    }
    let trend = |s: &mut Series| {
        if s.points.is_empty() {
            return;
        }
        let v0 = s.value_f64(origin);
        let change = (v0 - s.value_f64(origin - RECENT_DAYS)) * d.projection;
        let beta = trend_persistence(s, origin);
        if s.points.last().is_some_and(|p| p.0 < origin) {
            s.points.push((origin, v0));
        }
        // Damped trend: window k after the origin adds β^k times the last
        // window's change (times the member's multiplier), linear inside it.
        let (mut t, mut v, mut step) = (origin, v0, change * beta);
        while t < end {
            let next = (t + RECENT_DAYS).min(end);
            v = (v + step * (next - t) as f64 / RECENT_DAYS as f64).max(0.0);
            s.points.push((next, v));
            t = next;
            step *= beta;
        }
    };
    trend(&mut sc.data.total);
    for c in &mut sc.data.camps {
        trend(&mut c.series);
    }
    for f in &mut sc.border.inflows {
        let s = &mut f.series;
        if s.points.is_empty() {
            continue;
        }
        let from = (origin - RECENT_DAYS + 1).max(0);
        let level =
            (from..=origin).map(|t| s.value_f64(t)).sum::<f64>() / (origin - from + 1) as f64;
        let v0 = s.value_f64(origin);
        if s.points.last().is_some_and(|p| p.0 < origin) {
            s.points.push((origin, v0));
        }
        s.points.push((origin + 1, level * d.projection));
    }
    sc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trend_persistence_follows_the_series_own_history() {
        // A steady rise: every 30-day change equals the one before it.
        let line = Series::new(vec![(0, 0.0), (400, 4000.0)]);
        assert!((trend_persistence(&line, 300) - 1.0).abs() < 1e-9);
        // A zigzag of period 60 days: each change undoes the one before it.
        let zig = Series::new(
            (0..=12)
                .map(|i| (i * 30, if i % 2 == 0 { 0.0 } else { 100.0 }))
                .collect(),
        );
        assert_eq!(trend_persistence(&zig, 300), 0.0);
        // Flat, or too short a history: nothing says a trend persists.
        let flat = Series::new(vec![(0, 5.0), (300, 5.0)]);
        assert_eq!(trend_persistence(&flat, 300), 0.0);
        assert_eq!(trend_persistence(&line, 40), 0.0);
    }

    #[test]
    fn damped_sums_by_hand() {
        // β = 0.5: 0.5 + 0.25 = 0.75 after two windows; half of the third adds 0.0625.
        assert!((damped_sum(0.5, 2.0) - 0.75).abs() < 1e-12);
        assert!((damped_sum(0.5, 2.5) - 0.8125).abs() < 1e-12);
        assert_eq!(damped_sum(1.0, 3.0), 3.0);
        assert_eq!(damped_sum(0.0, 3.0), 0.0);
        // Changes 10, 5, 2.5: each half the one before.
        assert!((change_persistence(&[10.0, 5.0, 2.5]) - 0.5).abs() < 1e-12);
        assert_eq!(change_persistence(&[10.0, -10.0, 10.0]), 0.0);
        assert_eq!(change_persistence(&[10.0]), 0.0);
    }

    #[test]
    fn a_persistent_trend_runs_on_and_a_reversing_one_is_held() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012");
        let mut sc = corridor_io::flee::read_flee_instance(&dir)
            .unwrap()
            .scenario;
        sc.data.camps.clear();
        sc.data.total = Series::new(vec![(0, 0.0), (300, 3000.0)]);
        let d = MemberDraw {
            projection: 1.0,
            params: vec![],
        };
        // β = 1: the old linear extension, 10 a day for 90 more days.
        let up = member_scenario(&sc, 300, 390, &d);
        assert!((up.data.total.value_f64(390) - 3900.0).abs() < 1e-6);
        // β = 0: the level at the origin is held.
        sc.data.total = Series::new(
            (0..=10)
                .map(|i| (i * 30, if i % 2 == 0 { 0.0 } else { 100.0 }))
                .collect(),
        );
        let held = member_scenario(&sc, 300, 390, &d);
        assert_eq!(held.data.total.value_f64(390), sc.data.total.value_f64(300));
    }
}
