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
//! * `inflows.scale`: multiplies every inflow series (all entries), ≥ 0.
//!
//! Invariants: a name is resolved against a scenario ([`Param::resolve`]) before
//! use, so a lever the scenario lacks is an error, not a silent no-op; values
//! outside a parameter's range are refused; [`apply`] sets absolute values before
//! scales, whatever the order the parameters are listed in, so a candidate means
//! the same thing however it is written. Scales have no value of their own: their
//! current value is 1.

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

/// The range of the parameter `name` without a scenario: checks the name is one
/// (any crossing point name is accepted here). For command-line parsing.
pub fn range_of(name: &str) -> Result<Range, ParamError> {
    if crossing_name(name).is_some_and(|c| !c.is_empty()) {
        return Ok(Range::UNIT);
    }
    match name {
        REQUEST_PROBABILITY => Ok(Range::UNIT),
        HAZARD_SCALE | INFLOW_SCALE => Ok(Range::NON_NEGATIVE),
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
        match name {
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
            Param::CrossingHazard(_) | Param::RequestProbability => Range::UNIT,
            Param::HazardScale | Param::InflowScale => Range::NON_NEGATIVE,
        }
    }

    /// True for parameters that multiply what the scenario has.
    pub fn is_scale(&self) -> bool {
        matches!(self, Param::HazardScale | Param::InflowScale)
    }

    /// The scenario's current value (1 for scales).
    pub fn get(&self, sc: &Scenario) -> f64 {
        match self {
            Param::Setting(s) => s.get_number(&sc.settings).unwrap_or(f64::NAN),
            Param::CrossingHazard(i) => sc.border.crossings[*i].hazard,
            Param::HazardScale | Param::InflowScale => 1.0,
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
            Param::Setting(_) => unreachable!("handled above"),
        }
        Ok(value)
    }
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
}
