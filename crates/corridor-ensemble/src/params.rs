//! Model parameters addressable by name for sweeps and calibration.
//!
//! A parameter's name is its Flee YAML path (`move_rules.camp_weight`,
//! `spawn_rules.conflict_spawn_decay_interval`, ...), the same name as the field
//! in `corridor_model::Settings`, so one concept has one name in files, code and
//! the command line. Each parameter has a domain; [`set_param`] rejects values
//! outside it and rounds integer parameters to the nearest integer, returning the
//! value actually set.

use crate::error::EnsembleError;
use corridor_model::Scenario;

/// The values a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Domain {
    /// A probability in [0, 1].
    Probability,
    /// Finite and > 0.
    Positive,
    /// Finite and ≥ 0.
    NonNegative,
    /// Any finite value.
    Real,
    /// An integer ≥ the bound (values are rounded to the nearest integer).
    IntegerAtLeast(i64),
}

impl Domain {
    fn check(self, value: f64) -> Result<f64, String> {
        if !value.is_finite() {
            return Err("must be finite".into());
        }
        match self {
            Domain::Probability if !(0.0..=1.0).contains(&value) => {
                Err("must be a probability in [0, 1]".into())
            }
            Domain::Positive if value <= 0.0 => Err("must be > 0".into()),
            Domain::NonNegative if value < 0.0 => Err("must be ≥ 0".into()),
            Domain::IntegerAtLeast(min) => {
                let r = value.round();
                if r < min as f64 {
                    Err(format!("must be an integer ≥ {min}"))
                } else {
                    Ok(r)
                }
            }
            _ => Ok(value),
        }
    }
}

/// One settable parameter.
pub struct Param {
    pub name: &'static str,
    pub domain: Domain,
    get: fn(&Scenario) -> Option<f64>,
    set: fn(&mut Scenario, f64) -> bool,
}

macro_rules! move_rule {
    ($field:ident, $domain:expr) => {
        Param {
            name: concat!("move_rules.", stringify!($field)),
            domain: $domain,
            get: |s| Some(s.settings.move_rules.$field as f64),
            set: |s, v| {
                s.settings.move_rules.$field = v as _;
                true
            },
        }
    };
}

/// Every parameter [`set_param`] knows, in documentation order.
pub static PARAMS: &[Param] = &[
    move_rule!(max_move_speed, Domain::Positive),
    move_rule!(max_walk_speed, Domain::Positive),
    move_rule!(max_crossing_speed, Domain::Positive),
    move_rule!(foreign_weight, Domain::NonNegative),
    move_rule!(camp_weight, Domain::NonNegative),
    move_rule!(conflict_weight, Domain::NonNegative),
    move_rule!(conflict_movechance, Domain::Probability),
    move_rule!(camp_movechance, Domain::Probability),
    move_rule!(idpcamp_movechance, Domain::Probability),
    move_rule!(default_movechance, Domain::Probability),
    move_rule!(awareness_level, Domain::IntegerAtLeast(0)),
    move_rule!(capacity_buffer, Domain::NonNegative),
    move_rule!(capacity_scaling, Domain::NonNegative),
    move_rule!(softening, Domain::NonNegative),
    move_rule!(weight_softening, Domain::NonNegative),
    move_rule!(weight_power, Domain::Real),
    move_rule!(distance_power, Domain::Real),
    move_rule!(home_distance_power, Domain::Real),
    move_rule!(pop_power_for_loc_weight, Domain::Real),
    move_rule!(movechance_pop_base, Domain::Positive),
    move_rule!(movechance_pop_scale_factor, Domain::Real),
    move_rule!(pruning_threshold, Domain::NonNegative),
    move_rule!(avg_religion_fraction, Domain::Probability),
    Param {
        name: "spawn_rules.conflict_spawn_decay_interval",
        domain: Domain::IntegerAtLeast(1),
        get: |s| Some(s.settings.spawn_rules.conflict_spawn_decay_interval as f64),
        set: |s, v| {
            s.settings.spawn_rules.conflict_spawn_decay_interval = v as u32;
            true
        },
    },
    Param {
        name: "spawn_rules.average_social_connectivity",
        domain: Domain::NonNegative,
        get: |s| Some(s.settings.spawn_rules.average_social_connectivity),
        set: |s, v| {
            s.settings.spawn_rules.average_social_connectivity = v;
            true
        },
    },
    Param {
        name: "spawn_rules.conflict_driven_spawning.displaced_per_conflict_day",
        domain: Domain::NonNegative,
        get: |s| {
            s.settings
                .spawn_rules
                .conflict_driven_spawning
                .as_ref()
                .map(|c| c.displaced_per_conflict_day)
        },
        set: |s, v| match &mut s.settings.spawn_rules.conflict_driven_spawning {
            Some(c) => {
                c.displaced_per_conflict_day = v;
                true
            }
            None => false,
        },
    },
];

/// Names of every settable parameter.
pub fn param_names() -> Vec<&'static str> {
    PARAMS.iter().map(|p| p.name).collect()
}

fn find(name: &str) -> Result<&'static Param, EnsembleError> {
    PARAMS
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| EnsembleError::UnknownParam {
            name: name.to_string(),
            valid: param_names().into_iter().map(String::from).collect(),
        })
}

fn not_applicable(name: &str, value: f64) -> EnsembleError {
    EnsembleError::InvalidParamValue {
        name: name.to_string(),
        value,
        reason: "does not apply: the scenario has no spawn_rules.conflict_driven_spawning".into(),
    }
}

/// The current value of a parameter.
pub fn get_param(scenario: &Scenario, name: &str) -> Result<f64, EnsembleError> {
    let p = find(name)?;
    (p.get)(scenario).ok_or_else(|| not_applicable(name, f64::NAN))
}

/// Sets a parameter; returns the value actually set (integers are rounded).
pub fn set_param(scenario: &mut Scenario, name: &str, value: f64) -> Result<f64, EnsembleError> {
    let p = find(name)?;
    let v = p
        .domain
        .check(value)
        .map_err(|reason| EnsembleError::InvalidParamValue {
            name: name.to_string(),
            value,
            reason,
        })?;
    if (p.set)(scenario, v) {
        Ok(v)
    } else {
        Err(not_applicable(name, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_model::settings::{ConflictDrivenSpawning, SpawnMode};
    use corridor_model::Date;

    fn scenario() -> Scenario {
        Scenario::new("p", Date::parse("2012-01-01").unwrap(), 10)
    }

    #[test]
    fn sets_and_gets_by_yaml_path() {
        let mut s = scenario();
        assert_eq!(
            set_param(&mut s, "move_rules.camp_weight", 2.5).unwrap(),
            2.5
        );
        assert_eq!(s.settings.move_rules.camp_weight, 2.5);
        set_param(&mut s, "move_rules.max_move_speed", 150.0).unwrap();
        assert_eq!(s.settings.move_rules.max_move_speed, 150.0);
        set_param(&mut s, "move_rules.default_movechance", 0.4).unwrap();
        assert_eq!(get_param(&s, "move_rules.default_movechance").unwrap(), 0.4);
        // Integers are rounded, and the rounded value is returned.
        assert_eq!(
            set_param(&mut s, "spawn_rules.conflict_spawn_decay_interval", 14.6).unwrap(),
            15.0
        );
        assert_eq!(s.settings.spawn_rules.conflict_spawn_decay_interval, 15);
        assert_eq!(
            set_param(&mut s, "move_rules.awareness_level", 2.2).unwrap(),
            2.0
        );
        assert_eq!(s.settings.move_rules.awareness_level, 2);
        // Every listed parameter can be read on a default scenario except the
        // conflict-driven one.
        for name in param_names() {
            let r = get_param(&s, name);
            assert_eq!(r.is_ok(), !name.contains("conflict_driven"), "{name}");
        }
    }

    #[test]
    fn unknown_name_lists_the_valid_ones() {
        let mut s = scenario();
        let e = set_param(&mut s, "move_rules.camp_wieght", 1.0).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("unknown parameter `move_rules.camp_wieght`"),
            "{msg}"
        );
        assert!(msg.contains("move_rules.camp_weight"), "{msg}");
        assert!(
            msg.contains("spawn_rules.conflict_spawn_decay_interval"),
            "{msg}"
        );
    }

    #[test]
    fn values_outside_the_domain_are_rejected() {
        let mut s = scenario();
        for (name, v) in [
            ("move_rules.camp_movechance", 1.5),
            ("move_rules.max_move_speed", 0.0),
            ("move_rules.softening", -1.0),
            ("move_rules.weight_power", f64::NAN),
            ("spawn_rules.conflict_spawn_decay_interval", 0.2),
        ] {
            let e = set_param(&mut s, name, v).unwrap_err();
            assert!(
                matches!(e, EnsembleError::InvalidParamValue { .. }),
                "{name}"
            );
            assert!(e.to_string().contains(name));
        }
        assert_eq!(s.settings.move_rules.camp_movechance, 0.001);
    }

    #[test]
    fn conflict_driven_spawning_only_when_present() {
        let mut s = scenario();
        let name = "spawn_rules.conflict_driven_spawning.displaced_per_conflict_day";
        assert!(set_param(&mut s, name, 100.0).is_err());
        s.settings.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
            spawn_mode: SpawnMode::Poisson,
            displaced_per_conflict_day: 10.0,
        });
        set_param(&mut s, name, 100.0).unwrap();
        assert_eq!(get_param(&s, name).unwrap(), 100.0);
    }
}
