//! Parameters addressable by name, for sweeps and calibrations: every tunable
//! Flee setting of [`crate::settings::table`] plus the border levers of a corridor
//! scenario. One list, used by `sweep` and by both calibrations.
//!
//! Names:
//! * a tunable setting by its dotted name (`move_rules.camp_weight`,
//!   `spawn_rules.conflict_spawn_decay_interval`, ...), with its table range;
//!   whole-number settings take the nearest whole number;
//! * `crossing.<crossing point>.hazard`: the base daily crossing hazard of one
//!   crossing point, in [0, 1] (its cap `max_hazard` still applies);
//! * `crossings.hazard_scale`: multiplies every crossing hazard (capped at 1), ≥ 0;
//! * `appointments.request_probability`: CBP One daily request probability, [0, 1];
//! * `inflows.scale`: multiplies every inflow series (all entries), ≥ 0;
//! * `ports.walk_up_scale`: multiplies every port's walk-up capacity, ≥ 0 (see
//!   [`scale_walk_ups`]: the capacity beyond the appointment slots it was sized for;
//!   the whole capacity of a port without slots), on day 0 and in every
//!   `set_port_capacity` event of the scenario and of its variants;
//! * `ports.patience_days`: the walk-ups' patience τ (days, > 0; balking,
//!   docs/model.md §8); absent from a scenario, its current value is +∞ (no
//!   balking) and setting it turns balking on;
//! * `ports.renege_probability`: the daily probability that a queued walk-up
//!   leaves the queue, [0, 1] (reneging; 0 when the scenario has none);
//! * `papers.<office>.seek_share`, `papers.<office>.give_up_share`: the share who
//!   seek papers and the share of seekers who give up, at the papers office of the
//!   location `<office>`, [0, 1];
//! * `papers.<office>.days_scale`: multiplies the office's processing time
//!   (`days_min`, `days_max`; whole days, at least 1), > 0.
//!
//! Invariants: a name is resolved against a scenario ([`Param::resolve`]) before
//! use, so a lever the scenario lacks is an error, not a silent no-op; values
//! outside a parameter's range are refused; [`apply`] sets absolute values before
//! scales, whatever the order the parameters are listed in, so a candidate means
//! the same thing however it is written. Scales have no value of their own: their
//! current value is 1.

use crate::border::{Action, Border, DayRange, Event};
use crate::settings::table::{self, Range, Setting};
use crate::Scenario;
use thiserror::Error;

/// A parameter of a scenario, resolved by [`Param::resolve`].
#[derive(Debug, Clone, Copy)]
pub enum Param {
    /// A tunable Flee setting.
    Setting(&'static Setting),
    /// `crossing.<name>.hazard`: index of the crossing point.
    CrossingHazard(usize),
    /// `crossings.hazard_scale`.
    HazardScale,
    /// `appointments.request_probability`.
    RequestProbability,
    /// `inflows.scale`.
    InflowScale,
    /// `ports.walk_up_scale`.
    WalkUpScale,
    /// `ports.patience_days`.
    PatienceDays,
    /// `ports.renege_probability`.
    RenegeProbability,
    /// `papers.<office>.seek_share`: index of the office.
    PapersSeekShare(usize),
    /// `papers.<office>.give_up_share`: index of the office.
    PapersGiveUpShare(usize),
    /// `papers.<office>.days_scale`: index of the office.
    PapersDaysScale(usize),
}

/// Why a parameter name or value was refused.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ParamError {
    #[error("unknown parameter `{name}`; valid parameters are: {}", valid.join(", "))]
    Unknown { name: String, valid: Vec<String> },
    /// The name is valid but the scenario lacks what it refers to.
    #[error("parameter {name} does not apply: {reason}")]
    NotApplicable { name: String, reason: String },
    #[error("parameter {name} = {value}: expected {expected}")]
    OutOfRange {
        name: String,
        value: f64,
        expected: String,
    },
}

/// Levers that are scales (multiply what the scenario has) and their names.
const HAZARD_SCALE: &str = "crossings.hazard_scale";
const REQUEST_PROBABILITY: &str = "appointments.request_probability";
const INFLOW_SCALE: &str = "inflows.scale";
const WALK_UP_SCALE: &str = "ports.walk_up_scale";
const PATIENCE_DAYS: &str = "ports.patience_days";
const RENEGE_PROBABILITY: &str = "ports.renege_probability";

/// The fields of `papers.<office>.<field>`.
const SEEK_SHARE: &str = "seek_share";
const GIVE_UP_SHARE: &str = "give_up_share";
const DAYS_SCALE: &str = "days_scale";

/// Every parameter name, in documentation order (`crossing.<crossing point>.hazard`
/// stands for one name per crossing point).
pub fn names() -> Vec<&'static str> {
    table::SETTINGS
        .iter()
        .filter(|s| s.tunable)
        .map(|s| s.name)
        .chain([
            "crossing.<crossing point>.hazard",
            HAZARD_SCALE,
            REQUEST_PROBABILITY,
            INFLOW_SCALE,
            WALK_UP_SCALE,
            PATIENCE_DAYS,
            RENEGE_PROBABILITY,
            "papers.<office>.seek_share",
            "papers.<office>.give_up_share",
            "papers.<office>.days_scale",
        ])
        .collect()
}

fn unknown(name: &str) -> ParamError {
    ParamError::Unknown {
        name: name.to_string(),
        valid: names().into_iter().map(String::from).collect(),
    }
}

/// The crossing point named in `crossing.<name>.hazard`.
fn crossing_name(name: &str) -> Option<&str> {
    name.strip_prefix("crossing.")
        .and_then(|r| r.strip_suffix(".hazard"))
}

/// The office and field named in `papers.<office>.<field>` (a known field and a
/// non-empty office name).
fn papers_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("papers.")?;
    let (office, field) = rest.rsplit_once('.')?;
    (!office.is_empty() && [SEEK_SHARE, GIVE_UP_SHARE, DAYS_SCALE].contains(&field))
        .then_some((office, field))
}

/// The range of a papers field.
fn papers_range(field: &str) -> Range {
    if field == DAYS_SCALE {
        Range::POSITIVE
    } else {
        Range::UNIT
    }
}

/// The range of the parameter `name` without a scenario: checks the name is one
/// (any crossing point or office name is accepted here). For command-line parsing.
pub fn range_of(name: &str) -> Result<Range, ParamError> {
    if crossing_name(name).is_some_and(|c| !c.is_empty()) {
        return Ok(Range::UNIT);
    }
    if let Some((_, field)) = papers_name(name) {
        return Ok(papers_range(field));
    }
    match name {
        REQUEST_PROBABILITY | RENEGE_PROBABILITY => Ok(Range::UNIT),
        PATIENCE_DAYS => Ok(Range::POSITIVE),
        HAZARD_SCALE | INFLOW_SCALE | WALK_UP_SCALE => Ok(Range::NON_NEGATIVE),
        _ => match table::find(name) {
            Some(s) if s.tunable && s.name == name => Ok(s.range),
            _ => Err(unknown(name)),
        },
    }
}

impl Param {
    /// The parameter `name` of `sc`; an error when the name is unknown or `sc` has
    /// nothing it could set.
    pub fn resolve(sc: &Scenario, name: &str) -> Result<Param, ParamError> {
        let not = |reason: String| ParamError::NotApplicable {
            name: name.to_string(),
            reason,
        };
        if let Some(city) = crossing_name(name) {
            let cities: Vec<&str> = sc
                .border
                .crossings
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            return cities
                .iter()
                .position(|c| *c == city)
                .map(Param::CrossingHazard)
                .ok_or_else(|| {
                    not(format!(
                        "no crossing point '{city}' in the scenario (have: {})",
                        cities.join(", ")
                    ))
                });
        }
        if let Some((office, field)) = papers_name(name) {
            let offices: Vec<&str> = sc
                .border
                .papers
                .iter()
                .map(|o| sc.locations[o.location].name.as_str())
                .collect();
            let Some(i) = offices.iter().position(|o| *o == office) else {
                return Err(not(if offices.is_empty() {
                    "the scenario has no papers offices".into()
                } else {
                    format!(
                        "no papers office at '{office}' in the scenario (have: {})",
                        offices.join(", ")
                    )
                }));
            };
            return Ok(match field {
                SEEK_SHARE => Param::PapersSeekShare(i),
                GIVE_UP_SHARE => Param::PapersGiveUpShare(i),
                _ => Param::PapersDaysScale(i),
            });
        }
        match name {
            WALK_UP_SCALE if sc.border.ports.is_empty() => {
                Err(not("the scenario has no ports of entry".into()))
            }
            WALK_UP_SCALE => Ok(Param::WalkUpScale),
            PATIENCE_DAYS | RENEGE_PROBABILITY if sc.border.ports.is_empty() => {
                Err(not("the scenario has no ports of entry".into()))
            }
            PATIENCE_DAYS => Ok(Param::PatienceDays),
            RENEGE_PROBABILITY => Ok(Param::RenegeProbability),
            HAZARD_SCALE if sc.border.crossings.is_empty() => {
                Err(not("the scenario has no crossing points".into()))
            }
            HAZARD_SCALE => Ok(Param::HazardScale),
            REQUEST_PROBABILITY if sc.border.appointments.is_none() => {
                Err(not("the scenario has no CBP One appointments".into()))
            }
            REQUEST_PROBABILITY => Ok(Param::RequestProbability),
            INFLOW_SCALE if sc.border.inflows.is_empty() => {
                Err(not("the scenario has no inflows".into()))
            }
            INFLOW_SCALE => Ok(Param::InflowScale),
            _ => match table::find(name) {
                Some(s) if s.tunable && s.name == name => {
                    if s.is_present(&sc.settings) {
                        Ok(Param::Setting(s))
                    } else {
                        Err(not(format!("the scenario has no {}", s.section())))
                    }
                }
                _ => Err(unknown(name)),
            },
        }
    }

    /// Valid values.
    pub fn range(&self) -> Range {
        match self {
            Param::Setting(s) => s.range,
            Param::CrossingHazard(_)
            | Param::RequestProbability
            | Param::RenegeProbability
            | Param::PapersSeekShare(_)
            | Param::PapersGiveUpShare(_) => Range::UNIT,
            Param::HazardScale | Param::InflowScale | Param::WalkUpScale => Range::NON_NEGATIVE,
            Param::PapersDaysScale(_) => papers_range(DAYS_SCALE),
            Param::PatienceDays => Range::POSITIVE,
        }
    }

    /// True for parameters that multiply what the scenario has.
    pub fn is_scale(&self) -> bool {
        matches!(
            self,
            Param::HazardScale
                | Param::InflowScale
                | Param::WalkUpScale
                | Param::PapersDaysScale(_)
        )
    }

    /// The scenario's current value (1 for scales).
    pub fn get(&self, sc: &Scenario) -> f64 {
        match self {
            Param::Setting(s) => s.get_number(&sc.settings).unwrap_or(f64::NAN),
            Param::CrossingHazard(i) => sc.border.crossings[*i].hazard,
            Param::HazardScale
            | Param::InflowScale
            | Param::WalkUpScale
            | Param::PapersDaysScale(_) => 1.0,
            Param::PatienceDays => sc
                .border
                .walk_up_leaving
                .patience_days
                .unwrap_or(f64::INFINITY),
            Param::RenegeProbability => sc.border.walk_up_leaving.renege_probability,
            Param::PapersSeekShare(i) => sc.border.papers[*i].seek_share,
            Param::PapersGiveUpShare(i) => sc.border.papers[*i].give_up_share,
            Param::RequestProbability => sc
                .border
                .appointments
                .as_ref()
                .map_or(f64::NAN, |a| a.request_probability),
        }
    }

    /// Sets the parameter (a scale multiplies); returns the value actually set
    /// (whole-number settings rounded). `name` is for messages.
    pub fn set(&self, sc: &mut Scenario, name: &str, value: f64) -> Result<f64, ParamError> {
        let out_of_range = |expected: String| ParamError::OutOfRange {
            name: name.to_string(),
            value,
            expected,
        };
        if let Param::Setting(s) = self {
            return s.set_number(&mut sc.settings, value).map_err(out_of_range);
        }
        let range = self.range();
        if !range.contains(value) {
            return Err(out_of_range(range.describe("a number")));
        }
        match self {
            Param::CrossingHazard(i) => sc.border.crossings[*i].hazard = value,
            Param::HazardScale => {
                for c in &mut sc.border.crossings {
                    c.hazard = (c.hazard * value).min(1.0);
                }
            }
            Param::RequestProbability => {
                if let Some(a) = sc.border.appointments.as_mut() {
                    a.request_probability = value;
                }
            }
            Param::InflowScale => {
                for f in &mut sc.border.inflows {
                    for p in &mut f.series.points {
                        p.1 *= value;
                    }
                }
            }
            Param::WalkUpScale => scale_walk_ups(&mut sc.border, value),
            Param::PatienceDays => sc.border.walk_up_leaving.patience_days = Some(value),
            Param::RenegeProbability => sc.border.walk_up_leaving.renege_probability = value,
            Param::PapersSeekShare(i) => sc.border.papers[*i].seek_share = value,
            Param::PapersGiveUpShare(i) => sc.border.papers[*i].give_up_share = value,
            Param::PapersDaysScale(i) => {
                let d = &mut sc.border.papers[*i].days;
                let whole =
                    |x: u32| ((x as f64 * value).round().max(1.0)).min(u32::MAX as f64) as u32;
                let min = whole(d.min);
                *d = DayRange {
                    min,
                    max: whole(d.max).max(min),
                };
            }
            Param::Setting(_) => unreachable!("handled above"),
        }
        Ok(value)
    }
}

/// Multiplies every port's walk-up capacity by `factor`: the capacity beyond the
/// most appointment slots the port gets while that capacity holds.
///
/// A port admits appointment holders first and walk-ups with what is left
/// (docs/model.md, ports of entry), and a scenario sizes a CBP One port's
/// capacity as its slots plus its walk-ups. So each capacity value — the port's
/// day-0 capacity and every `set_port_capacity` event, base or variant — is
/// `m + w` where `m` is the largest `per_day × share` of the port over the days
/// that value holds (events of the same list; a variant's events merged with the
/// base's), and becomes `m + factor · w`; a value at or below `m` (no walk-ups
/// left) is kept. A port without slots has `m = 0`: its whole capacity scales.
/// `scale_port_capacity` events still multiply the result.
pub fn scale_walk_ups(border: &mut Border, factor: f64) {
    let scaled = |value: f64, slots: f64| {
        if value > slots {
            slots + factor * (value - slots)
        } else {
            value
        }
    };
    // The base scenario: day-0 capacities and the base events.
    let base = capacity_slots(border, &border.events.iter().collect::<Vec<_>>());
    for (p, slots) in base.initial.iter().enumerate() {
        let port = &mut border.ports[p];
        port.capacity_per_day = scaled(port.capacity_per_day, *slots);
    }
    for (i, slots) in base.events {
        if let Action::SetPortCapacity {
            capacity_per_day, ..
        } = &mut border.events[i].action
        {
            *capacity_per_day = scaled(*capacity_per_day, slots);
        }
    }
    // Each variant: its own events, on the timeline they make with the base's.
    for v in 0..border.variants.len() {
        let n = border.events.len();
        let mut merged: Vec<&Event> = border.events.iter().collect();
        merged.extend(border.variants[v].events.iter());
        // Stable: on the same day base events first, as `Border::apply_variant` does.
        let mut order: Vec<usize> = (0..merged.len()).collect();
        order.sort_by_key(|&k| merged[k].day);
        let sorted: Vec<&Event> = order.iter().map(|&k| merged[k]).collect();
        let found = capacity_slots(border, &sorted);
        for (i, slots) in found.events {
            let k = order[i];
            if k < n {
                continue;
            }
            if let Action::SetPortCapacity {
                capacity_per_day, ..
            } = &mut border.variants[v].events[k - n].action
            {
                *capacity_per_day = scaled(*capacity_per_day, slots);
            }
        }
    }
}

/// The most slots (agents a day) each capacity value of [`scale_walk_ups`] sees.
struct CapacitySlots {
    /// Per port, for its day-0 capacity.
    initial: Vec<f64>,
    /// (index in the event list, slots) for every `set_port_capacity` event.
    events: Vec<(usize, f64)>,
}

/// Walks `events` (sorted by day) day by day: levers change with the day's events,
/// then every capacity value in force that day records the port's slots.
fn capacity_slots(border: &Border, events: &[&Event]) -> CapacitySlots {
    let ports = border.ports.len();
    let (mut per_day, mut shares) = match &border.appointments {
        Some(a) => (a.per_day, a.shares.clone()),
        None => (0.0, vec![0.0; ports]),
    };
    let slots =
        |per_day: f64, shares: &[f64], p: usize| per_day * shares.get(p).copied().unwrap_or(0.0);
    let mut out = CapacitySlots {
        initial: vec![0.0; ports],
        events: Vec::new(),
    };
    // Where each port's capacity in force comes from: None = day 0, Some(k) = out.events[k].
    let mut current: Vec<Option<usize>> = vec![None; ports];
    // Day 0 first (levers as the day-0 events leave them), then each event day.
    let mut days: Vec<u32> = std::iter::once(0)
        .chain(events.iter().map(|e| e.day))
        .collect();
    days.dedup();
    let mut i = 0;
    for day in days {
        while i < events.len() && events[i].day == day {
            match &events[i].action {
                Action::SetAppointmentsPerDay { per_day: d } => per_day = *d,
                Action::SetAppointmentShares { shares: s } => shares = s.clone(),
                Action::SetPortCapacity { port, .. } if *port < ports => {
                    current[*port] = Some(out.events.len());
                    out.events.push((i, 0.0));
                }
                _ => {}
            }
            i += 1;
        }
        for (p, c) in current.iter().enumerate() {
            let m = slots(per_day, &shares, p);
            let held = match c {
                None => &mut out.initial[p],
                Some(k) => &mut out.events[*k].1,
            };
            *held = held.max(m);
        }
    }
    out
}

/// Sets the named parameters of `sc` to `values` (one each): absolute values
/// first, then scales. Returns the values actually set, in the given order.
pub fn apply(sc: &mut Scenario, names: &[&str], values: &[f64]) -> Result<Vec<f64>, ParamError> {
    assert_eq!(names.len(), values.len(), "one value per parameter");
    let params = names
        .iter()
        .map(|n| Param::resolve(sc, n))
        .collect::<Result<Vec<_>, _>>()?;
    let mut set = values.to_vec();
    for scales in [false, true] {
        for (i, p) in params.iter().enumerate() {
            if p.is_scale() == scales {
                set[i] = p.set(sc, names[i], values[i])?;
            }
        }
    }
    Ok(set)
}

/// The current value of the named parameter of `sc` (1 for scales).
pub fn get(sc: &Scenario, name: &str) -> Result<f64, ParamError> {
    Ok(Param::resolve(sc, name)?.get(sc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::border::{Allocation, AppointmentPool, CrossingPoint, Inflow};
    use crate::series::Series;
    use crate::Date;

    fn scenario() -> Scenario {
        let mut s = Scenario::new("t", Date::parse("2023-06-01").unwrap(), 10);
        for (name, h) in [("Tijuana", 0.1), ("Reynosa", 0.2)] {
            s.border.crossings.push(CrossingPoint {
                name: name.into(),
                border_city: 0,
                sector: "S".into(),
                hazard: h,
                slope: 0.0,
                max_hazard: 0.5,
            });
        }
        s.border.inflows.push(Inflow {
            location: 0,
            series: Series::new(vec![(0, 10.0), (5, 20.0)]),
        });
        s
    }

    #[test]
    fn absolute_values_then_scales() {
        let mut s = scenario();
        let names = [
            "crossings.hazard_scale",
            "crossing.Reynosa.hazard",
            "inflows.scale",
            "move_rules.camp_weight",
            "move_rules.awareness_level",
        ];
        let set = apply(&mut s, &names, &[2.0, 0.3, 0.5, 7.0, 2.4]).unwrap();
        assert_eq!(set, vec![2.0, 0.3, 0.5, 7.0, 2.0]);
        // Tijuana 0.1 × 2; Reynosa set to 0.3, then × 2.
        assert_eq!(s.border.crossings[0].hazard, 0.2);
        assert!((s.border.crossings[1].hazard - 0.6).abs() < 1e-12);
        assert_eq!(s.border.inflows[0].series.points, vec![(0, 5.0), (5, 10.0)]);
        assert_eq!(s.settings.move_rules.camp_weight, 7.0);
        assert_eq!(s.settings.move_rules.awareness_level, 2);
        assert_eq!(get(&s, "crossing.Reynosa.hazard").unwrap(), 0.6);
        assert_eq!(get(&s, "inflows.scale").unwrap(), 1.0);
    }

    #[test]
    fn levers_the_scenario_lacks_are_errors() {
        let s = scenario();
        let e = Param::resolve(&s, "crossing.Nowhere.hazard").unwrap_err();
        assert!(e.to_string().contains("no crossing point 'Nowhere'"), "{e}");
        assert!(e.to_string().contains("Tijuana, Reynosa"), "{e}");
        let e = Param::resolve(&s, "appointments.request_probability").unwrap_err();
        assert!(e.to_string().contains("no CBP One appointments"), "{e}");
        let e = Param::resolve(
            &s,
            "spawn_rules.conflict_driven_spawning.displaced_per_conflict_day",
        )
        .unwrap_err();
        assert!(matches!(e, ParamError::NotApplicable { .. }), "{e}");
        let e = Param::resolve(&s, "move_rules.camp_wieght").unwrap_err();
        assert!(e.to_string().contains("move_rules.camp_weight"), "{e}");
        assert!(e.to_string().contains("inflows.scale"), "{e}");
        // Settings that are not tunable are not parameters.
        assert!(Param::resolve(&s, "optimisations.hasten").is_err());
        assert!(Param::resolve(&s, "move_rules.use_v1_rules").is_err());
        let mut with = scenario();
        with.border.appointments = Some(AppointmentPool {
            per_day: 10.0,
            shares: Vec::new(),
            request_probability: 0.5,
            eligible: Vec::new(),
            allocation: Allocation::Fifo,
            lead_days: 0,
        });
        assert_eq!(get(&with, "appointments.request_probability").unwrap(), 0.5);
    }

    #[test]
    fn values_outside_the_range_are_refused() {
        let mut s = scenario();
        for (name, v) in [
            ("crossing.Tijuana.hazard", 1.5),
            ("crossings.hazard_scale", -1.0),
            ("inflows.scale", f64::INFINITY),
            ("move_rules.camp_movechance", 1.5),
            ("move_rules.max_move_speed", 0.0),
        ] {
            let e = apply(&mut s, &[name], &[v]).unwrap_err();
            assert!(matches!(e, ParamError::OutOfRange { .. }), "{name}: {e}");
            assert!(e.to_string().contains(name), "{e}");
        }
        assert_eq!(s, scenario());
    }

    #[test]
    fn ranges_without_a_scenario() {
        assert_eq!(range_of("crossing.Any Place.hazard").unwrap(), Range::UNIT);
        assert_eq!(range_of("inflows.scale").unwrap(), Range::NON_NEGATIVE);
        assert_eq!(range_of("move_rules.capacity_buffer").unwrap(), Range::UNIT);
        assert!(range_of("crossing..hazard").is_err());
        assert!(range_of("move_rules.WomenAvoidHazards").is_err());
        assert!(range_of("nope").is_err());
    }

    /// Two ports, one of them a CBP One port (share 1 of a pool of 10 a day, later
    /// 20), and a papers office at "Tapachula".
    fn with_ports() -> Scenario {
        use crate::border::{Port, QueueDiscipline, Variant};
        use crate::scenario::{Location, LocationKind};
        let mut s = scenario();
        s.locations = ["Tapachula", "A POE", "B POE"]
            .iter()
            .map(|n| Location::new(n, LocationKind::Town))
            .collect();
        for (i, cap) in [(1, 15.0), (2, 4.0)] {
            s.border.ports.push(Port {
                location: i,
                name: s.locations[i].name.clone(),
                border_city: 0,
                field_office: "F".into(),
                sector: "S".into(),
                capacity_per_day: cap,
                open: true,
                walk_ups: true,
                queue: QueueDiscipline::Fifo,
            });
        }
        s.border.appointments = Some(AppointmentPool {
            per_day: 8.0,
            shares: vec![1.0, 0.0],
            request_probability: 0.5,
            eligible: Vec::new(),
            allocation: Allocation::Fifo,
            lead_days: 0,
        });
        let ev = |day, action| Event { day, action };
        // The pool rises to 10 on day 2: port A's day-0 capacity was sized for 10
        // slots + 5 walk-ups. On day 5 port A gets 13 (10 slots + 3), on day 7 port
        // B gets 6 (no slots).
        s.border.events = vec![
            ev(2, Action::SetAppointmentsPerDay { per_day: 10.0 }),
            ev(
                5,
                Action::SetPortCapacity {
                    port: 0,
                    capacity_per_day: 13.0,
                },
            ),
            ev(
                7,
                Action::SetPortCapacity {
                    port: 1,
                    capacity_per_day: 6.0,
                },
            ),
        ];
        // A variant doubles the pool on day 8 and port A's capacity with it: 20 + 3.
        s.border.variants.push(Variant {
            name: "x2".into(),
            description: String::new(),
            events: vec![
                ev(8, Action::SetAppointmentsPerDay { per_day: 20.0 }),
                ev(
                    8,
                    Action::SetPortCapacity {
                        port: 0,
                        capacity_per_day: 23.0,
                    },
                ),
            ],
        });
        s.border.papers.push(crate::border::PapersOffice {
            location: 0,
            seek_share: 0.1,
            days: DayRange { min: 56, max: 70 },
            give_up_share: 0.25,
            give_up_days: DayRange { min: 14, max: 56 },
            bus_to: None,
            bus_days: 0,
        });
        s
    }

    fn capacities(s: &Scenario) -> Vec<f64> {
        let mut out: Vec<f64> = s.border.ports.iter().map(|p| p.capacity_per_day).collect();
        let events = s.border.events.iter().chain(&s.border.variants[0].events);
        for e in events {
            if let Action::SetPortCapacity {
                capacity_per_day, ..
            } = e.action
            {
                out.push(capacity_per_day);
            }
        }
        out
    }

    #[test]
    fn walk_up_scale_multiplies_the_capacity_beyond_the_slots() {
        let mut s = with_ports();
        apply(&mut s, &["ports.walk_up_scale"], &[2.0]).unwrap();
        // A: 10 + 2 × 5; B: 2 × 4 (no slots); A on day 5: 10 + 2 × 3; B on day 7:
        // 2 × 6; the variant's A: 20 + 2 × 3.
        assert_eq!(capacities(&s), vec![20.0, 8.0, 16.0, 12.0, 26.0]);
        let mut none = with_ports();
        apply(&mut none, &["ports.walk_up_scale"], &[0.0]).unwrap();
        assert_eq!(capacities(&none), vec![10.0, 0.0, 10.0, 0.0, 20.0]);
        // A capacity below its slots has no walk-ups to scale.
        let mut low = with_ports();
        low.border.ports[0].capacity_per_day = 7.0;
        apply(&mut low, &["ports.walk_up_scale"], &[3.0]).unwrap();
        assert_eq!(low.border.ports[0].capacity_per_day, 7.0);
        assert_eq!(get(&s, "ports.walk_up_scale").unwrap(), 1.0);
        let e = Param::resolve(&scenario(), "ports.walk_up_scale").unwrap_err();
        assert!(e.to_string().contains("no ports of entry"), "{e}");
    }

    #[test]
    fn papers_parameters_set_one_office() {
        let mut s = with_ports();
        let names = [
            "papers.Tapachula.days_scale",
            "papers.Tapachula.seek_share",
            "papers.Tapachula.give_up_share",
        ];
        let set = apply(&mut s, &names, &[1.5, 0.3, 0.6]).unwrap();
        assert_eq!(set, vec![1.5, 0.3, 0.6]);
        let o = &s.border.papers[0];
        assert_eq!((o.seek_share, o.give_up_share), (0.3, 0.6));
        assert_eq!(o.days, DayRange { min: 84, max: 105 });
        // The time to give up is not the processing time.
        assert_eq!(o.give_up_days, DayRange { min: 14, max: 56 });
        assert_eq!(get(&s, "papers.Tapachula.seek_share").unwrap(), 0.3);
        assert_eq!(get(&s, "papers.Tapachula.days_scale").unwrap(), 1.0);
        // Whole days, at least one.
        apply(&mut s, &["papers.Tapachula.days_scale"], &[0.001]).unwrap();
        assert_eq!(s.border.papers[0].days, DayRange { min: 1, max: 1 });
    }

    #[test]
    fn bad_papers_names_and_values_are_errors() {
        let mut s = with_ports();
        let e = Param::resolve(&s, "papers.Tenosique.seek_share").unwrap_err();
        assert!(
            e.to_string().contains("no papers office at 'Tenosique'"),
            "{e}"
        );
        assert!(e.to_string().contains("have: Tapachula"), "{e}");
        let e = Param::resolve(&scenario(), "papers.Tapachula.seek_share").unwrap_err();
        assert!(e.to_string().contains("no papers offices"), "{e}");
        let e = Param::resolve(&s, "papers.Tapachula.wait").unwrap_err();
        assert!(matches!(e, ParamError::Unknown { .. }), "{e}");
        assert!(e.to_string().contains("papers.<office>.days_scale"), "{e}");
        for (name, v) in [
            ("papers.Tapachula.seek_share", 1.2),
            ("papers.Tapachula.give_up_share", -0.1),
            ("papers.Tapachula.days_scale", 0.0),
            ("ports.walk_up_scale", -1.0),
        ] {
            let e = apply(&mut s, &[name], &[v]).unwrap_err();
            assert!(matches!(e, ParamError::OutOfRange { .. }), "{name}: {e}");
        }
        assert_eq!(s, with_ports());
        assert_eq!(
            range_of("papers.Any Office.days_scale").unwrap(),
            Range::POSITIVE
        );
        assert_eq!(range_of("papers.X.seek_share").unwrap(), Range::UNIT);
        assert_eq!(
            range_of("ports.walk_up_scale").unwrap(),
            Range::NON_NEGATIVE
        );
        assert!(range_of("papers..seek_share").is_err());
        assert!(range_of("papers.seek_share").is_err());
    }

    #[test]
    fn patience_and_reneging_set_the_walk_up_leaving() {
        let mut s = with_ports();
        assert_eq!(get(&s, "ports.patience_days").unwrap(), f64::INFINITY);
        assert_eq!(get(&s, "ports.renege_probability").unwrap(), 0.0);
        let names = ["ports.patience_days", "ports.renege_probability"];
        apply(&mut s, &names, &[12.5, 0.02]).unwrap();
        let w = s.border.walk_up_leaving;
        assert_eq!((w.patience_days, w.renege_probability), (Some(12.5), 0.02));
        assert_eq!(get(&s, "ports.patience_days").unwrap(), 12.5);
        for (name, v) in [
            ("ports.patience_days", 0.0),
            ("ports.patience_days", -3.0),
            ("ports.renege_probability", 1.5),
        ] {
            let e = apply(&mut s, &[name], &[v]).unwrap_err();
            assert!(matches!(e, ParamError::OutOfRange { .. }), "{name}: {e}");
        }
        for name in names {
            let e = Param::resolve(&scenario(), name).unwrap_err();
            assert!(e.to_string().contains("no ports of entry"), "{e}");
        }
        assert_eq!(range_of("ports.patience_days").unwrap(), Range::POSITIVE);
        assert_eq!(range_of("ports.renege_probability").unwrap(), Range::UNIT);
    }
}
