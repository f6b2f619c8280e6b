//! Writes [`Settings`] as a Flee-compatible `simsetting.yml` (docs/flee-rules.md §1.9).
//!
//! Driven by the settings table (`corridor_model::settings::table`): every setting
//! is written, in the table's order, with Flee's own key spellings (the misspelled
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

use corridor_model::settings::table::{Kind, Setting, SETTINGS};
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

/// The YAML text of `s`. `notes` = (dotted setting name, comment), e.g.
/// `("move_rules.camp_weight", "calibrated; shipped 2.0")`; `header` lines
/// become `#` comments at the top.
pub fn settings_to_yaml(s: &Settings, header: &[String], notes: &[(String, String)]) -> String {
    let mut text = String::new();
    for h in header {
        let _ = writeln!(text, "# {h}");
    }
    // Sections are opened when their first setting is written; a section whose
    // settings are all absent (conflict-driven spawning off) is left out.
    let mut open: Vec<&str> = Vec::new();
    for def in SETTINGS {
        let Some(value) = yaml_value(def, s) else {
            continue;
        };
        let section = def.section();
        let parts: Vec<&str> = if section.is_empty() {
            Vec::new()
        } else {
            section.split('.').collect()
        };
        let common = open.iter().zip(&parts).take_while(|(a, b)| a == b).count();
        open.truncate(common);
        for (depth, part) in parts.iter().enumerate().skip(common) {
            let _ = writeln!(text, "{}{part}:", "  ".repeat(depth));
            open.push(part);
        }
        let indent = "  ".repeat(parts.len());
        let _ = write!(text, "{indent}{}: {value}", def.written_key());
        if let Some((_, note)) = notes.iter().find(|(k, _)| k == def.name) {
            let _ = write!(text, "  # {note}");
        }
        text.push('\n');
    }
    text
}

/// A setting's value as written, or `None` when it is left out (absent, or an
/// optional list that is off: Flee switches those on by the key's presence).
fn yaml_value(def: &Setting, s: &Settings) -> Option<String> {
    if !def.is_present(s) {
        return None;
    }
    Some(match def.kind {
        Kind::Float { get, .. } => yaml_float(get(s)),
        Kind::Int { get, .. } | Kind::TruncatedInt { get, .. } => get(s).to_string(),
        Kind::UInt { get, .. } => get(s).to_string(),
        Kind::Bool { get, .. } => yaml_bool(get(s)).to_string(),
        Kind::Choice { get, .. } => get(s).to_string(),
        Kind::FloatList { get, .. } => {
            let list: Vec<String> = get(s)?.iter().map(|&x| yaml_float(x)).collect();
            format!("[{}]", list.join(", "))
        }
        Kind::IntList { get, .. } => {
            let list: Vec<String> = get(s).iter().map(|x| x.to_string()).collect();
            format!("[{}]", list.join(", "))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_io::yaml::parse_settings;
    use corridor_model::settings::{ConflictDrivenSpawning, SpawnMode};
    use proptest::prelude::*;

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

    /// Candidate numbers for the setters: wide, narrow, whole and edge values.
    fn arb_number() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            -5.0..5.0f64,
            0.0..=1.0f64,
            (-5i64..300).prop_map(|i| i as f64),
            Just(0.0),
            Just(1.0),
            1e-9..1e9f64,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Issue 13: every value the table's setter accepts is written so that the
        /// reader gives back the same settings (and accepts the file).
        #[test]
        fn every_value_the_setter_accepts_round_trips(
            nums in prop::collection::vec(arb_number(), SETTINGS.len()),
            bools in prop::collection::vec(any::<bool>(), SETTINGS.len()),
            picks in prop::collection::vec(0usize..8, SETTINGS.len()),
            conflict_driven in any::<bool>(),
            decay in prop::option::of(prop::collection::vec(0.0..10.0f64, 1..6)),
            months in prop::collection::vec(1i64..=12, 0..4),
        ) {
            let mut s = Settings::default();
            if conflict_driven {
                s.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
                    spawn_mode: SpawnMode::Constant,
                    displaced_per_conflict_day: 500.0,
                });
            }
            for (i, def) in SETTINGS.iter().enumerate() {
                if !def.is_present(&s) {
                    continue;
                }
                match def.kind {
                    Kind::Bool { set, .. } => set(&mut s, bools[i]),
                    Kind::Choice { choices, set, .. } => set(&mut s, choices[picks[i] % choices.len()]),
                    Kind::FloatList { set, .. } => set(&mut s, decay.clone()),
                    Kind::IntList { set, .. } => set(&mut s, months.clone()),
                    _ => {
                        // Values the setter refuses leave the default.
                        let _ = def.set_number(&mut s, nums[i]);
                    }
                }
            }
            if s.spawn_rules.flood_zone_spawning_only {
                // Flee's flood mode (DFlee): Flee stops when both *_spawning_only are
                // set, and does not read the conflict-driven section (corridor follows
                // it), so those combinations do not round-trip by design.
                s.spawn_rules.conflict_zone_spawning_only = false;
                s.spawn_rules.conflict_driven_spawning = None;
            }
            let mut expected = s.clone();
            expected.apply_v1_rules();
            let y = settings_to_yaml(&s, &[], &[]);
            let back = parse_settings(y.as_bytes(), "simsetting.yml");
            prop_assert!(back.is_ok(), "{:?}\n{}", back.err(), y);
            prop_assert_eq!(back.unwrap().0, expected, "{}", y);
        }

        /// The reader refuses exactly the numbers the setter refuses.
        #[test]
        fn reader_and_setter_agree_on_ranges(x in arb_number(), pick in 0usize..SETTINGS.len()) {
            let def = &SETTINGS[pick];
            let d = Settings::default();
            prop_assume!(def.get_number(&d).is_some());
            let x = if def.is_integer() { x.round() } else { x };
            let by_setter = def.set_number(&mut d.clone(), x).is_ok();
            let y = if def.section().is_empty() {
                format!("{}: {}\n", def.key(), yaml_float(x))
            } else {
                format!("{}:\n  {}: {}\n", def.section(), def.key(), yaml_float(x))
            };
            let by_reader = parse_settings(y.as_bytes(), "s.yml").is_ok();
            prop_assert_eq!(by_setter, by_reader, "{}", y);
        }
    }
}
