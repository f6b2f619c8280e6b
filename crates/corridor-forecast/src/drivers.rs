//! What a forecast may know about a scenario's drivers, and what it assumes
//! after the origin (docs/forecast.md, "Drivers").
//!
//! [`cut_at_origin`] keeps only what was known on the origin day: series points
//! (inflows, the observed camp and total series that drive Flee's data-driven
//! spawning) dated on or before it, conflict rows up to it, closures, events and
//! caravans that started on or before it. After the origin, drivers are held or
//! projected: conflict intensities keep their last row, a closure in force stays
//! in force, and [`member_scenario`] extends each series with one member's
//! projection. A variant's events are added only when they fall after the origin.
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
        let slope = (v0 - s.value_f64(origin - RECENT_DAYS)) / RECENT_DAYS as f64;
        if s.points.last().is_some_and(|p| p.0 < origin) {
            s.points.push((origin, v0));
        }
        if end > origin {
            let v = (v0 + slope * d.projection * (end - origin) as f64).max(0.0);
            s.points.push((end, v));
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
