//! Writes [`Settings`] as a Flee-compatible `simsetting.yml` (flee-spec §1.9).
//!
//! Every setting is written, with Flee's own key spellings (the misspelled
//! `camps_are_sicks`, CamelCase demographic rules such as `WomenAvoidHazards`), so
//! that both Flee and corridor read the file back to the same settings. Values are
//! formatted for PyYAML's YAML 1.1 resolver as well as for YAML 1.2 readers: booleans
//! `True`/`False`; floats always carry a decimal point and never an exponent
//! (`200.0`, `0.001`; PyYAML reads `1e-3` as a string); integers plain. Optional
//! settings that are off (`conflict_driven_spawning`, `conflict_spawn_decay`) are
//! left out, because Flee switches them on by the key's presence. Keys listed in
//! `notes` get a trailing comment (calibrated values and their shipped values).
//!
//! Invariant (tested): `corridor_io::yaml::parse_settings(settings_to_yaml(s))`
//! returns `s` and no warning.

use corridor_model::settings::SpawnMode;
use corridor_model::Settings;
use std::fmt::Write as _;

/// A float in a form PyYAML and YAML 1.2 both read as that float.
pub fn yaml_float(x: f64) -> String {
    if x.is_nan() {
        return ".nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    // Rust's Display gives the shortest round-trip digits without an exponent.
    let s = format!("{x}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

fn yaml_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// The writer: keeps the current section to build dotted key paths for notes.
struct Out<'a> {
    text: String,
    section: &'static str,
    notes: &'a [(String, String)],
}

impl Out<'_> {
    fn section(&mut self, name: &'static str) {
        self.section = name;
        let _ = writeln!(self.text, "{name}:");
    }

    fn key(&mut self, key: &str, value: impl AsRef<str>) {
        let (indent, path) = if self.section.is_empty() {
            ("", key.to_string())
        } else {
            ("  ", format!("{}.{key}", self.section))
        };
        let value = value.as_ref();
        if value.is_empty() {
            let _ = write!(self.text, "{indent}{key}:");
        } else {
            let _ = write!(self.text, "{indent}{key}: {value}");
        }
        if let Some((_, note)) = self.notes.iter().find(|(k, _)| *k == path) {
            let _ = write!(self.text, "  # {note}");
        }
        self.text.push('\n');
    }
}

/// The YAML text of `s`. `notes` = (dotted key path as in `set_param`, comment),
/// e.g. `("move_rules.camp_weight", "calibrated; shipped 2.0")`; `header` lines
/// become `#` comments at the top.
pub fn settings_to_yaml(s: &Settings, header: &[String], notes: &[(String, String)]) -> String {
    let mut o = Out {
        text: String::new(),
        section: "",
        notes,
    };
    for h in header {
        let _ = writeln!(o.text, "# {h}");
    }
    let f = yaml_float;
    let b = yaml_bool;
    o.key("number_of_steps", s.number_of_steps.to_string());
    o.key(
        "default_conflict_intensity",
        s.default_conflict_intensity.to_string(),
    );

    let l = &s.log_levels;
    o.section("log_levels");
    o.key("agent", l.agent.to_string());
    o.key("link", l.link.to_string());
    o.key("camp", l.camp.to_string());
    o.key("init", l.init.to_string());
    o.key("conflict", l.conflict.to_string());
    o.key("idp_totals", l.idp_totals.to_string());
    o.key("granularity", &l.granularity);

    let r = &s.spawn_rules;
    o.section("spawn_rules");
    o.key("take_from_population", b(r.take_from_population));
    o.key("insert_day0", b(r.insert_day0));
    o.key("empty_camps_on_day0", b(r.empty_camps_on_day0));
    o.key(
        "conflict_zone_spawning_only",
        b(r.conflict_zone_spawning_only),
    );
    o.key("flood_zone_spawning_only", b(r.flood_zone_spawning_only));
    // Flee reads camps-as-sinks from this misspelled key only.
    o.key("camps_are_sicks", b(r.camps_are_sinks));
    o.key("read_from_agents_csv_file", b(r.read_from_agents_csv_file));
    o.key("sum_from_camps", b(r.sum_from_camps));
    o.key(
        "starvation_driven_spawning",
        b(r.starvation_driven_spawning),
    );
    if let Some(c) = &r.conflict_driven_spawning {
        o.key("conflict_driven_spawning", "");
        let mode = match c.spawn_mode {
            SpawnMode::Constant => "constant",
            SpawnMode::Poisson => "poisson",
            SpawnMode::PopRatio => "pop_ratio",
        };
        // Sub-keys of a sub-map: written directly, with their own dotted path.
        let _ = writeln!(o.text, "    spawn_mode: {mode}");
        let path = "spawn_rules.conflict_driven_spawning.displaced_per_conflict_day";
        let _ = write!(
            o.text,
            "    displaced_per_conflict_day: {}",
            f(c.displaced_per_conflict_day)
        );
        if let Some((_, note)) = notes.iter().find(|(k, _)| k == path) {
            let _ = write!(o.text, "  # {note}");
        }
        o.text.push('\n');
    }
    if let Some(d) = &r.conflict_spawn_decay {
        let list: Vec<String> = d.iter().map(|&x| f(x)).collect();
        o.key("conflict_spawn_decay", format!("[{}]", list.join(", ")));
    }
    o.key(
        "conflict_spawn_decay_interval",
        r.conflict_spawn_decay_interval.to_string(),
    );
    o.key(
        "average_social_connectivity",
        f(r.average_social_connectivity),
    );

    let m = &s.move_rules;
    o.section("move_rules");
    for (k, v) in [
        ("max_move_speed", m.max_move_speed),
        ("max_walk_speed", m.max_walk_speed),
        ("max_crossing_speed", m.max_crossing_speed),
        ("foreign_weight", m.foreign_weight),
        ("camp_weight", m.camp_weight),
        ("conflict_weight", m.conflict_weight),
        ("conflict_movechance", m.conflict_movechance),
        ("camp_movechance", m.camp_movechance),
        ("idpcamp_movechance", m.idpcamp_movechance),
        ("default_movechance", m.default_movechance),
    ] {
        o.key(k, f(v));
    }
    o.key("awareness_level", m.awareness_level.to_string());
    o.key("capacity_buffer", f(m.capacity_buffer));
    o.key("capacity_scaling", f(m.capacity_scaling));
    o.key("avoid_short_stints", b(m.avoid_short_stints));
    o.key("start_on_foot", b(m.start_on_foot));
    o.key("use_v1_rules", b(m.use_v1_rules));
    o.key("softening", f(m.softening));
    o.key("weight_softening", f(m.weight_softening));
    o.key("weight_power", f(m.weight_power));
    o.key("distance_power", f(m.distance_power));
    o.key("stay_close_to_home", b(m.stay_close_to_home));
    o.key("home_distance_power", f(m.home_distance_power));
    o.key("use_pop_for_loc_weight", b(m.use_pop_for_loc_weight));
    o.key("pop_power_for_loc_weight", f(m.pop_power_for_loc_weight));
    o.key("movechance_pop_base", f(m.movechance_pop_base));
    o.key(
        "movechance_pop_scale_factor",
        f(m.movechance_pop_scale_factor),
    );
    o.key("pruning_threshold", f(m.pruning_threshold));
    for (k, v) in [
        ("WomenAvoidHazards", m.women_avoid_hazards),
        ("ChildrenAvoidHazards", m.children_avoid_hazards),
        ("ElderlyAvoidHazards", m.elderly_avoid_hazards),
        ("BoysTakeRisk", m.boys_take_risk),
        ("MatchCampReligion", m.match_camp_religion),
        ("MatchCampEthnicity", m.match_camp_ethnicity),
        ("MatchTownEthnicity", m.match_town_ethnicity),
        ("MatchConflictEthnicity", m.match_conflict_ethnicity),
    ] {
        o.key(k, b(v));
    }
    o.key("avg_religion_fraction", f(m.avg_religion_fraction));
    o.key("fixed_routes", b(m.fixed_routes));
    o.key(
        "two_system_decision_making",
        b(m.two_system_decision_making),
    );
    o.key("use_economic_pull", b(m.use_economic_pull));
    let months: Vec<String> = m.harvest_months.iter().map(|x| x.to_string()).collect();
    o.key("harvest_months", format!("[{}]", months.join(", ")));
    o.key("flee_when_starving", b(m.flee_when_starving));
    o.key(
        "avoid_food_deprived_locations",
        b(m.avoid_food_deprived_locations),
    );

    o.section("optimisations");
    o.key("hasten", s.optimisations.hasten.to_string());
    o.text
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_io::yaml::parse_settings;
    use corridor_model::settings::ConflictDrivenSpawning;

    fn round_trip(s: &Settings) -> (Settings, Vec<String>, String) {
        let y = settings_to_yaml(s, &[], &[]);
        let (back, warnings) = parse_settings(y.as_bytes(), "simsetting.yml").unwrap();
        (back, warnings, y)
    }

    #[test]
    fn floats_are_pyyaml_floats() {
        assert_eq!(yaml_float(200.0), "200.0");
        assert_eq!(yaml_float(0.001), "0.001");
        assert_eq!(yaml_float(1.0 / 10f64.sqrt()), "0.31622776601683794");
        assert_eq!(yaml_float(1e-7), "0.0000001");
        assert_eq!(yaml_float(-2.5), "-2.5");
        assert_eq!(yaml_float(f64::INFINITY), ".inf");
        assert_eq!(yaml_float(f64::NAN), ".nan");
    }

    #[test]
    fn defaults_round_trip_without_warnings() {
        let (back, w, y) = round_trip(&Settings::default());
        assert_eq!(back, Settings::default());
        assert!(w.is_empty(), "{w:?}\n{y}");
        assert!(y.contains("  camps_are_sicks: False\n"), "{y}");
        assert!(y.contains("  WomenAvoidHazards: False\n"), "{y}");
        assert!(y.contains("  max_move_speed: 360.0\n"), "{y}");
        assert!(!y.contains("conflict_driven_spawning"));
        assert!(!y.contains("conflict_spawn_decay:"));
        assert!(y.ends_with("optimisations:\n  hasten: 1\n"));
    }

    #[test]
    fn every_changed_setting_round_trips() {
        let mut s = Settings {
            number_of_steps: 300,
            ..Default::default()
        };
        s.log_levels.agent = 1;
        s.log_levels.granularity = "region".into();
        s.spawn_rules.camps_are_sinks = true;
        s.spawn_rules.take_from_population = true;
        s.spawn_rules.conflict_spawn_decay = Some(vec![1.0, 1.0, 1.0, 0.5, 0.1]);
        s.spawn_rules.conflict_spawn_decay_interval = 30;
        s.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
            spawn_mode: SpawnMode::Poisson,
            displaced_per_conflict_day: 250.5,
        });
        let m = &mut s.move_rules;
        m.max_move_speed = 173.25;
        m.camp_weight = 3.0000000000000004;
        m.default_movechance = 0.5;
        m.start_on_foot = true;
        m.avoid_short_stints = true;
        m.capacity_scaling = 1.25;
        m.awareness_level = 2;
        m.weight_power = -0.5;
        m.women_avoid_hazards = true;
        m.match_camp_ethnicity = true;
        s.optimisations.hasten = 10;
        let (back, w, y) = round_trip(&s);
        assert_eq!(back, s, "{y}");
        assert!(w.is_empty(), "{w:?}");
        // Unsupported features survive the trip too (with the reader's warning).
        let mut u = Settings::default();
        u.move_rules.harvest_months = vec![6, 7];
        let (back, w, _) = round_trip(&u);
        assert_eq!(back, u);
        assert_eq!(w.len(), 1, "{w:?}");
    }

    #[test]
    fn notes_and_header_are_comments() {
        let notes = vec![
            (
                "move_rules.camp_weight".to_string(),
                "calibrated; shipped 2.0".to_string(),
            ),
            (
                "spawn_rules.conflict_spawn_decay_interval".to_string(),
                "calibrated".to_string(),
            ),
        ];
        let y = settings_to_yaml(
            &Settings::default(),
            &["written by corridor calibrate".to_string()],
            &notes,
        );
        assert!(y.starts_with("# written by corridor calibrate\nnumber_of_steps: -1\n"));
        assert!(
            y.contains("  camp_weight: 1.0  # calibrated; shipped 2.0\n"),
            "{y}"
        );
        assert!(
            y.contains("  conflict_spawn_decay_interval: 30  # calibrated\n"),
            "{y}"
        );
        let (back, w) = parse_settings(y.as_bytes(), "x.yml").unwrap();
        assert_eq!(back, Settings::default());
        assert!(w.is_empty());
    }

    #[test]
    fn shipped_instance_settings_round_trip() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee");
        for inst in ["mali2012", "burundi2015", "car2013", "ssudan2013"] {
            let (s, _) =
                corridor_io::yaml::read_settings(&dir.join(inst).join("simsetting.yml")).unwrap();
            let (back, w, _) = round_trip(&s);
            assert_eq!(back, s, "{inst}");
            assert!(w.is_empty(), "{inst}: {w:?}");
        }
    }
}
