//! Model parameters addressable by name for sweeps and calibration.
//!
//! The names, ranges and setters are `corridor_model::params` (the one list;
//! its module documentation names them all): every tunable Flee setting of the
//! settings table by its YAML path (`move_rules.camp_weight`, ...) and the border
//! levers of corridor scenarios (crossing hazards, appointment requests, inflows,
//! ports' walk-up capacity, the papers offices), so `sweep` and both calibrations
//! accept the same names. [`set_param`] rejects
//! values outside a parameter's range and rounds whole-number settings, returning
//! the value actually set; [`set_params`] applies several at once, absolute values
//! before scales.

use crate::error::EnsembleError;
use corridor_model::params::{self, Param, ParamError};
use corridor_model::Scenario;

impl From<ParamError> for EnsembleError {
    fn from(e: ParamError) -> Self {
        match e {
            ParamError::Unknown { name, valid } => EnsembleError::UnknownParam { name, valid },
            ParamError::NotApplicable { name, reason } => EnsembleError::InvalidParamValue {
                name,
                value: f64::NAN,
                reason: format!("does not apply: {reason}"),
            },
            ParamError::OutOfRange {
                name,
                value,
                expected,
            } => EnsembleError::InvalidParamValue {
                name,
                value,
                reason: format!("must be {expected}"),
            },
        }
    }
}

/// Names of every settable parameter (`crossing.<crossing point>.hazard` stands
/// for one per crossing point).
pub fn param_names() -> Vec<&'static str> {
    params::names()
}

/// The current value of a parameter (1 for scales).
pub fn get_param(scenario: &Scenario, name: &str) -> Result<f64, EnsembleError> {
    Ok(params::get(scenario, name)?)
}

/// Sets a parameter; returns the value actually set (integers are rounded).
pub fn set_param(scenario: &mut Scenario, name: &str, value: f64) -> Result<f64, EnsembleError> {
    Ok(Param::resolve(scenario, name)?.set(scenario, name, value)?)
}

/// Sets several parameters, absolute values before scales; returns the values
/// actually set, in the given order.
pub fn set_params(
    scenario: &mut Scenario,
    names: &[&str],
    values: &[f64],
) -> Result<Vec<f64>, EnsembleError> {
    if names.len() != values.len() {
        return Err(EnsembleError::InvalidOption {
            option: "values".into(),
            reason: format!("{} values for {} parameters", values.len(), names.len()),
        });
    }
    Ok(params::apply(scenario, names, values)?)
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
        // Every settings parameter can be read on a default scenario except the
        // conflict-driven one; border levers need a border.
        for name in param_names() {
            let r = get_param(&s, name);
            let expect = name.starts_with("move_rules.")
                || (name.starts_with("spawn_rules.") && !name.contains("conflict_driven"));
            assert_eq!(r.is_ok(), expect, "{name}");
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
        assert!(msg.contains("crossings.hazard_scale"), "{msg}");
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
            ("move_rules.capacity_buffer", 1.5),
            ("move_rules.awareness_level", 101.0),
        ] {
            let e = set_param(&mut s, name, v).unwrap_err();
            assert!(
                matches!(e, EnsembleError::InvalidParamValue { .. }),
                "{name}"
            );
            assert!(e.to_string().contains(name));
        }
        assert_eq!(s.settings.move_rules.camp_movechance, 0.001);
        // capacity_scaling 0 switches the capacity rule off, as in Flee.
        assert_eq!(
            set_param(&mut s, "move_rules.capacity_scaling", 0.0).unwrap(),
            0.0
        );
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
