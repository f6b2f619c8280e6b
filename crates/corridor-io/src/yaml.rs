//! Reads Flee's `simsetting.yml` (docs/flee-rules.md §1.9) onto [`corridor_model::Settings`].
//!
//! The YAML is parsed into a generic value and mapped key by key through the one
//! settings table (`corridor_model::settings::table`): every key gets the type and
//! range check of its table entry, with a message naming the key path and, for
//! block-style YAML, its line. Flee's own key names are accepted (the table's
//! aliases: CamelCase demographic rules such as `WomenAvoidHazards`, the misspelled
//! `camps_are_sicks`), plus the snake-case spellings of [`Settings`]' fields. Unknown keys and features
//! corridor does not model become warnings, never errors; absent keys keep Flee's
//! defaults; an empty file means all defaults. `use_v1_rules` is applied last.

use crate::error::InputError;
use crate::text;
use corridor_model::settings::table::{self, Kind, Setting};
use corridor_model::settings::{FloodDrivenSpawning, FloodRules, SpawnMode};
use corridor_model::Settings;
use serde_norway::Value;
use std::collections::HashMap;
use std::path::Path;

/// Reads a settings file; `path` is shown in messages as given.
pub fn read_settings(path: &Path) -> Result<(Settings, Vec<String>), InputError> {
    let shown = path.display().to_string();
    let bytes = crate::text::read_capped(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            InputError::MissingFile {
                path: shown.clone(),
                needed_for: "the simulation settings".into(),
            }
        } else {
            InputError::Io {
                path: shown.clone(),
                message: e.to_string(),
            }
        }
    })?;
    parse_settings(&bytes, &shown)
}

/// Parses settings from the bytes of a YAML file shown as `path` in messages.
/// Returns the settings (with `use_v1_rules` applied) and the warnings.
pub fn parse_settings(bytes: &[u8], path: &str) -> Result<(Settings, Vec<String>), InputError> {
    let text = text::decode(path, bytes)?;
    let value: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_norway::from_str(text).map_err(|e| InputError::Yaml {
            path: path.to_string(),
            line: e.location().map(|l| l.line()),
            message: format!("not valid YAML: {}", strip_location(&e.to_string())),
        })?
    };
    let mut r = Mapper {
        path,
        lines: key_lines(text),
        warnings: Vec::new(),
    };
    let mut s = Settings::default();
    r.settings("", &value, &mut s)?;
    r.floods(&value, &mut s)?;
    s.apply_v1_rules();
    for feature in s.unsupported() {
        let w = format!(
            "{}: {feature} is set but not supported by corridor; it has no effect",
            r.at(feature)
        );
        r.warnings.push(w);
    }
    Ok((s, r.warnings))
}

/// serde_norway appends " at line L column C" to its messages; we print the line
/// ourselves in the `path:line:` prefix.
/// The section whose presence switches conflict-driven spawning on.
const CONFLICT_DRIVEN: &str = "spawn_rules.conflict_driven_spawning";
/// DFlee's sections, read after the rest of the file (their meaning depends on
/// other keys): see [`Mapper::floods`].
const FLOOD_SPAWN: &str = "spawn_rules.flood_driven_spawn_mode";
const FLOOD_RULES: &str = "move_rules.flood_rules";

fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Line of every mapping key in block-style YAML, by dotted path (`move_rules.softening`).
/// Flow-style or exotic YAML simply yields fewer entries (messages then omit the line).
fn key_lines(text: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('-') {
            continue;
        }
        let indent = raw.len() - trimmed.len();
        let Some(colon) = trimmed.find(':') else {
            continue;
        };
        let after = &trimmed[colon + 1..];
        if !(after.is_empty() || after.starts_with([' ', '\t'])) {
            continue;
        }
        let key = trimmed[..colon]
            .trim()
            .trim_matches(['"', '\''])
            .to_string();
        while stack.last().is_some_and(|(ind, _)| *ind >= indent) {
            stack.pop();
        }
        let mut full = String::new();
        for (_, k) in &stack {
            full.push_str(k);
            full.push('.');
        }
        full.push_str(&key);
        out.entry(full).or_insert(i + 1);
        stack.push((indent, key));
    }
    out
}

/// How a YAML value reads in a message.
fn show(v: &Value) -> String {
    match v {
        Value::Null => "an empty value".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

/// Maps one YAML document onto `Settings`, collecting warnings.
struct Mapper<'a> {
    path: &'a str,
    lines: HashMap<String, usize>,
    warnings: Vec<String>,
}

type Entries<'v> = Vec<(String, &'v Value)>;

impl Mapper<'_> {
    fn line(&self, key: &str) -> Option<usize> {
        self.lines.get(key).copied()
    }

    /// `path:line` for a key, or just `path`.
    fn at(&self, key: &str) -> String {
        match self.line(key) {
            Some(l) => format!("{}:{l}", self.path),
            None => self.path.to_string(),
        }
    }

    fn bad(&self, key: &str, expected: &str, v: &Value) -> InputError {
        InputError::BadSetting {
            path: self.path.to_string(),
            line: self.line(key),
            key: key.to_string(),
            expected: expected.to_string(),
            found: show(v),
        }
    }

    /// The entries of a section (`prefix` = dotted path, "" for the top level).
    /// A missing or empty section has no entries.
    fn entries<'v>(&self, prefix: &str, v: &'v Value) -> Result<Entries<'v>, InputError> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Mapping(m) => Ok(m
                .iter()
                .map(|(k, v)| {
                    let name = match k {
                        Value::String(s) => s.clone(),
                        other => show(other),
                    };
                    let full = if prefix.is_empty() {
                        name
                    } else {
                        format!("{prefix}.{name}")
                    };
                    (full, v)
                })
                .collect()),
            other if prefix.is_empty() => Err(InputError::Yaml {
                path: self.path.to_string(),
                line: None,
                message: format!(
                    "expected a mapping of sections (log_levels, spawn_rules, move_rules, optimisations), found {}",
                    show(other)
                ),
            }),
            other => Err(self.bad(prefix, "a mapping of keys", other)),
        }
    }

    fn unknown(&mut self, key: &str) {
        let w = format!("{}: unknown key '{key}' ignored", self.at(key));
        self.warnings.push(w);
    }

    fn unsupported(&mut self, key: &str) {
        let w = format!(
            "{}: '{key}' is not supported by corridor and was ignored",
            self.at(key)
        );
        self.warnings.push(w);
    }

    /// A boolean as PyYAML (YAML 1.1) reads it.
    fn bool(&self, v: &Value) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            // PyYAML (YAML 1.1) reads these as booleans; serde_norway does not.
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Some(true),
                "false" | "no" | "off" => Some(false),
                _ => None,
            },
            Value::Number(n) => match n.as_i64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            _ => None,
        }
    }

    /// A finite number.
    fn float(&self, v: &Value) -> Option<f64> {
        let x = match v {
            Value::Number(n) => n.as_f64(),
            // A quoted number ("0.5") is what Python's float() would accept too.
            Value::String(s) => text::parse_finite(s),
            _ => None,
        };
        x.filter(|x| x.is_finite())
    }

    /// A whole number.
    fn int(&self, v: &Value) -> Option<i64> {
        match v {
            Value::Number(n) => n.as_i64().or_else(|| {
                // 5.0 is a whole number; 5.5 is not.
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            }),
            Value::String(s) => text::parse_int(s),
            _ => None,
        }
    }

    /// Maps the mapping at `prefix` ("" = the whole file) key by key through the
    /// settings table; sections recurse.
    fn settings(&mut self, prefix: &str, v: &Value, s: &mut Settings) -> Result<(), InputError> {
        for (key, v) in self.entries(prefix, v)? {
            let local = if prefix.is_empty() {
                key.as_str()
            } else {
                &key[prefix.len() + 1..]
            };
            if local.contains('.') {
                // A dotted key is not a path in YAML: `move_rules.x: 1` at the top
                // level is an unknown key, as in Flee.
                self.unknown(&key);
            } else if let Some(def) = table::find(&key) {
                self.setting(def, &key, v, s)?;
            } else if key == CONFLICT_DRIVEN {
                // The section's presence switches conflict-driven spawning on; an
                // absent rate takes the chosen mode's default.
                s.spawn_rules.conflict_driven_spawning = None;
                let mode = table::find(&format!("{CONFLICT_DRIVEN}.spawn_mode"));
                if let Some(Kind::Choice { set, .. }) = mode.map(|m| m.kind) {
                    set(s, "constant");
                }
                self.settings(&key, v, s)?;
                if let Some(c) = s.spawn_rules.conflict_driven_spawning.as_mut() {
                    let given = self
                        .entries(&key, v)?
                        .iter()
                        .any(|(k, _)| k.ends_with(".displaced_per_conflict_day"));
                    if !given {
                        c.displaced_per_conflict_day = c.spawn_mode.default_displaced();
                    }
                }
            } else if table::sections().contains(&key.as_str()) {
                self.settings(&key, v, s)?;
            } else if key == FLOOD_SPAWN || key == FLOOD_RULES {
                // Read by `floods` once the whole file is known.
            } else if let Some((_, warn)) = table::IGNORED.iter().find(|(k, _)| *k == key) {
                if *warn {
                    self.unsupported(&key);
                }
            } else {
                self.unknown(&key);
            }
        }
        Ok(())
    }

    /// DFlee's settings, as Flee's SimulationSettings.py reads them: the
    /// `move_rules.flood_rules` section, and the spawn type — with
    /// `flood_zone_spawning_only` the conflict-driven section is not read and the
    /// `flood_driven_spawn_mode` section turns flood-driven spawning on; without it
    /// that section is not read. Flee exits when both `*_spawning_only` are true or
    /// when flood-driven spawning lacks `take_from_population`.
    fn floods(&mut self, doc: &Value, s: &mut Settings) -> Result<(), InputError> {
        let section = |outer: &str, inner: &str| doc.get(outer).and_then(|o| o.get(inner));
        if let Some(v) = section("move_rules", "flood_rules") {
            s.move_rules.flood_rules = Some(self.flood_rules(FLOOD_RULES, v)?);
        }
        let spawn = section("spawn_rules", "flood_driven_spawn_mode");
        let r = &mut s.spawn_rules;
        if !r.flood_zone_spawning_only {
            if spawn.is_some() {
                let w = format!(
                    "{}: '{FLOOD_SPAWN}' is not read by Flee without spawn_rules.flood_zone_spawning_only: True; ignored",
                    self.at(FLOOD_SPAWN)
                );
                self.warnings.push(w);
            }
            return Ok(());
        }
        let only = "spawn_rules.flood_zone_spawning_only";
        if r.conflict_zone_spawning_only {
            return Err(InputError::BadSetting {
                path: self.path.to_string(),
                line: self.line(only),
                key: only.to_string(),
                expected: "false while conflict_zone_spawning_only is true (Flee stops when both are set; conflict_zone_spawning_only is true by default)".into(),
                found: "true".into(),
            });
        }
        if r.conflict_driven_spawning.take().is_some() {
            let w = format!(
                "{}: '{CONFLICT_DRIVEN}' is not read by Flee with flood_zone_spawning_only: True; ignored",
                self.at(CONFLICT_DRIVEN)
            );
            self.warnings.push(w);
        }
        let Some(v) = spawn else {
            return Ok(());
        };
        let mut mode = SpawnMode::PopRatio;
        let mut per_day = None;
        for (k, v) in self.entries(FLOOD_SPAWN, v)? {
            match k.rsplit('.').next().unwrap_or("") {
                "spawn_mode" => {
                    mode = match v.as_str() {
                        Some("constant") => SpawnMode::Constant,
                        Some("poisson") => SpawnMode::Poisson,
                        Some("pop_ratio") => SpawnMode::PopRatio,
                        _ => return Err(self.bad(&k, "'constant', 'poisson' or 'pop_ratio'", v)),
                    }
                }
                "displaced_per_flood_day" => per_day = Some(self.floats(&k, v)?),
                _ => self.unknown(&k),
            }
        }
        if !s.spawn_rules.take_from_population {
            let take = "spawn_rules.take_from_population";
            return Err(InputError::BadSetting {
                path: self.path.to_string(),
                line: self.line(take).or_else(|| self.line(FLOOD_SPAWN)),
                key: take.to_string(),
                expected: "true with flood-driven spawning (Flee stops otherwise)".into(),
                found: "false".into(),
            });
        }
        let default = if mode == SpawnMode::PopRatio {
            vec![0.0, 0.1, 0.2, 0.5, 0.9]
        } else {
            vec![0.0, 100.0, 200.0, 300.0, 500.0]
        };
        s.spawn_rules.flood_driven_spawning = Some(FloodDrivenSpawning {
            spawn_mode: mode,
            displaced_per_flood_day: per_day.unwrap_or(default),
        });
        Ok(())
    }

    /// A list of numbers ≥ 0 (flood tables, indexed by flood level or day).
    fn floats(&self, key: &str, v: &Value) -> Result<Vec<f64>, InputError> {
        const LIST: &str = "a list of numbers ≥ 0";
        let Value::Sequence(items) = v else {
            return Err(self.bad(key, LIST, v));
        };
        items
            .iter()
            .map(|item| {
                self.float(item)
                    .filter(|x| *x >= 0.0)
                    .ok_or_else(|| self.bad(key, LIST, v))
            })
            .collect()
    }

    /// `move_rules.flood_rules`: every key Flee reads there.
    fn flood_rules(&mut self, prefix: &str, v: &Value) -> Result<FloodRules, InputError> {
        let mut f = FloodRules::default();
        for (key, v) in self.entries(prefix, v)? {
            let list = |me: &Self| match v {
                Value::Null => Ok(None),
                _ => me.floats(&key, v).map(Some),
            };
            let days = |me: &Self| {
                me.int(v)
                    .filter(|x| *x >= 0)
                    .ok_or_else(|| me.bad(&key, "a whole number of days ≥ 0", v))
            };
            match &key[prefix.len() + 1..] {
                "max_flood_level" => {
                    f.max_flood_level = self
                        .int(v)
                        .ok_or_else(|| self.bad(&key, "a whole number", v))?
                }
                "flood_movechances" => f.flood_movechances = list(self)?,
                "flood_loc_weights" => f.flood_loc_weights = list(self)?,
                "flood_link_weights" => f.flood_link_weights = list(self)?,
                "flood_forecaster" => {
                    f.flood_forecaster = self
                        .bool(v)
                        .ok_or_else(|| self.bad(&key, "true or false", v))?
                }
                "flood_forecaster_timescale" => f.flood_forecaster_timescale = days(self)?,
                "flood_forecaster_weights" => f.flood_forecaster_weights = list(self)?,
                "flood_forecaster_end_time" => f.flood_forecaster_end_time = days(self)?,
                "flood_awareness_weights" => f.flood_awareness_weights = list(self)?,
                _ => self.unknown(&key),
            }
        }
        Ok(f)
    }

    /// Reads one setting's value and stores it in `s`.
    fn setting(
        &self,
        def: &Setting,
        key: &str,
        v: &Value,
        s: &mut Settings,
    ) -> Result<(), InputError> {
        let expected = def.expected();
        let range = def.range;
        let bad = || self.bad(key, &expected, v);
        match def.kind {
            Kind::Float { set, .. } => {
                let x = self
                    .float(v)
                    .filter(|x| range.contains(*x))
                    .ok_or_else(bad)?;
                set(s, x)
            }
            Kind::Int { set, .. } => {
                let x = self
                    .int(v)
                    .filter(|x| range.contains(*x as f64))
                    .ok_or_else(bad)?;
                set(s, x)
            }
            Kind::UInt { set, .. } => {
                let x = self
                    .int(v)
                    .filter(|x| range.contains(*x as f64))
                    .and_then(|x| u32::try_from(x).ok())
                    .ok_or_else(bad)?;
                set(s, x)
            }
            Kind::TruncatedInt { set, .. } => {
                // Flee int-casts this value.
                let x = self
                    .float(v)
                    .filter(|x| range.contains(*x))
                    .ok_or_else(bad)?;
                set(s, x.trunc() as i64)
            }
            Kind::Bool { set, .. } => set(s, self.bool(v).ok_or_else(bad)?),
            Kind::Choice { choices, set, .. } => match v.as_str() {
                Some(c) if choices.contains(&c) => set(s, c),
                _ => return Err(bad()),
            },
            Kind::FloatList { set, .. } => {
                let list = match v {
                    Value::Null => None,
                    Value::Sequence(items) => {
                        let list = items
                            .iter()
                            .map(|i| self.float(i).filter(|x| range.contains(*x)))
                            .collect::<Option<Vec<f64>>>()
                            .ok_or_else(bad)?;
                        (!list.is_empty()).then_some(list)
                    }
                    _ => return Err(bad()),
                };
                set(s, list)
            }
            Kind::IntList { set, .. } => {
                let list = match v {
                    Value::Null => Vec::new(),
                    Value::Sequence(items) => items
                        .iter()
                        .map(|i| self.int(i).filter(|x| range.contains(*x as f64)))
                        .collect::<Option<Vec<i64>>>()
                        .ok_or_else(bad)?,
                    _ => return Err(bad()),
                };
                set(s, list)
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_model::settings::SpawnMode;

    fn parse(y: &str) -> Result<(Settings, Vec<String>), InputError> {
        parse_settings(y.as_bytes(), "simsetting.yml")
    }

    #[test]
    fn empty_file_gives_flee_defaults() {
        for y in ["", "\n\n", "# only a comment\n", "\u{feff}"] {
            let (s, w) = parse(y).unwrap();
            assert_eq!(s, Settings::default());
            assert!(w.is_empty());
        }
    }

    #[test]
    fn fabflee_validation_settings() {
        let y = "log_levels:\n  agent: 0\n  camp: 0\nspawn_rules:\n  sum_from_camps: True\n  conflict_spawn_decay: [1.0,1.0,1.0,0.5,0.1]\n  conflict_spawn_decay_interval: 30\n  empty_camps_on_day0: False\nmove_rules:\n  max_move_speed: 200.0\n  camp_weight: 2.0\n  default_movechance: 0.5\n  start_on_foot: True\n  capacity_scaling: 1.25\noptimisations:\n  hasten: 10\n";
        let (s, w) = parse(y).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(s.move_rules.max_move_speed, 200.0);
        assert_eq!(s.move_rules.camp_weight, 2.0);
        assert_eq!(s.move_rules.default_movechance, 0.5);
        assert!(s.move_rules.start_on_foot);
        assert_eq!(s.move_rules.capacity_scaling, 1.25);
        assert_eq!(
            s.spawn_rules.conflict_spawn_decay,
            Some(vec![1.0, 1.0, 1.0, 0.5, 0.1])
        );
        assert_eq!(s.optimisations.hasten, 10);
        // Untouched keys keep Flee's defaults.
        assert_eq!(s.move_rules.conflict_weight, 1.0 / 10f64.sqrt());
        assert_eq!(s.move_rules.awareness_level, 1);
    }

    #[test]
    fn flee_key_spellings() {
        let y = "move_rules:\n  WomenAvoidHazards: True\n  MatchCampEthnicity: yes\n  match_town_ethnicity: true\nspawn_rules:\n  camps_are_sicks: True\n";
        let (s, w) = parse(y).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert!(s.move_rules.women_avoid_hazards);
        assert!(s.move_rules.match_camp_ethnicity);
        assert!(s.move_rules.match_town_ethnicity);
        assert!(s.spawn_rules.camps_are_sinks);
        let (s, _) = parse("spawn_rules:\n  camps_are_sinks: true\n").unwrap();
        assert!(s.spawn_rules.camps_are_sinks);
    }

    #[test]
    fn unknown_keys_are_warnings_with_lines() {
        let y = "move_rules:\n  foo: 1\n  softening: 5\nbar:\n  x: 1\n";
        let (s, w) = parse(y).unwrap();
        assert_eq!(s.move_rules.softening, 5.0);
        assert_eq!(
            w,
            vec![
                "simsetting.yml:2: unknown key 'move_rules.foo' ignored".to_string(),
                "simsetting.yml:4: unknown key 'bar' ignored".to_string(),
            ]
        );
    }

    #[test]
    fn bad_values_name_the_key_and_line() {
        let e = parse("optimisations:\n  hasten: 0\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "simsetting.yml:2: key 'optimisations.hasten': expected a whole number ≥ 1, found 0"
        );
        let e = parse("move_rules:\n  # speed\n\n  max_move_speed: fast\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "simsetting.yml:4: key 'move_rules.max_move_speed': expected a number > 0, found \"fast\""
        );
        let e = parse("move_rules:\n  camp_movechance: 1.5\n").unwrap_err();
        assert!(e
            .to_string()
            .contains("expected a number between 0 and 1, found 1.5"));
        let e = parse("spawn_rules:\n  insert_day0: maybe\n").unwrap_err();
        assert!(e
            .to_string()
            .ends_with("expected true or false, found \"maybe\""));
        let e = parse("move_rules: 3\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "simsetting.yml:1: key 'move_rules': expected a mapping of keys, found 3"
        );
        let e = parse("- a\n- b\n").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("simsetting.yml: expected a mapping of sections"));
        let e = parse("move_rules:\n  harvest_months: [1, 13]\n").unwrap_err();
        assert!(e
            .to_string()
            .contains("a list of whole numbers between 1 and 12, found a list"));
        let e = parse("move_rules:\n  max_move_speed: .nan\n").unwrap_err();
        assert!(e.to_string().ends_with("found .nan"), "{e}");
    }

    #[test]
    fn dotted_keys_are_not_paths() {
        let (s, w) = parse("move_rules.camp_weight: 3\n").unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(
            w,
            vec!["simsetting.yml:1: unknown key 'move_rules.camp_weight' ignored".to_string()]
        );
    }

    #[test]
    fn ranges_are_the_settings_table_ranges() {
        // Issue 13: these used to disagree with the parameter setter.
        let (s, _) = parse("move_rules:\n  capacity_scaling: 0\n  capacity_buffer: 1.0\n").unwrap();
        assert_eq!(s.move_rules.capacity_scaling, 0.0);
        assert_eq!(s.move_rules.capacity_buffer, 1.0);
        let e = parse("move_rules:\n  max_crossing_speed: 0\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "simsetting.yml:2: key 'move_rules.max_crossing_speed': expected a number > 0, found 0"
        );
        let e = parse("move_rules:\n  awareness_level: 101\n").unwrap_err();
        assert!(e
            .to_string()
            .ends_with("expected a whole number between 0 and 100, found 101"));
        let e = parse("move_rules:\n  capacity_buffer: 1.5\n").unwrap_err();
        assert!(e.to_string().ends_with("between 0 and 1, found 1.5"));
    }

    #[test]
    fn yaml_syntax_errors_have_a_line() {
        let e = parse("move_rules:\n  a: [1, 2\nb: 3\n").unwrap_err();
        match &e {
            InputError::Yaml { line: Some(_), .. } => {}
            other => panic!("unexpected {other:?}"),
        }
        assert!(e.to_string().starts_with("simsetting.yml:"));
        assert!(e.to_string().contains("not valid YAML"));
    }

    #[test]
    fn v1_rules_and_conflict_driven_spawning() {
        let y = "move_rules:\n  use_v1_rules: True\n  max_move_speed: 500\nspawn_rules:\n  conflict_driven_spawning:\n    spawn_mode: pop_ratio\n";
        let (s, _) = parse(y).unwrap();
        assert_eq!(s.move_rules.max_move_speed, 200.0);
        assert_eq!(s.move_rules.camp_weight, 2.0);
        assert_eq!(s.move_rules.conflict_weight, 0.25);
        let c = s.spawn_rules.conflict_driven_spawning.unwrap();
        assert_eq!(c.spawn_mode, SpawnMode::PopRatio);
        assert_eq!(c.displaced_per_conflict_day, 0.01);
        let (s, _) = parse("spawn_rules:\n  conflict_driven_spawning:\n").unwrap();
        let c = s.spawn_rules.conflict_driven_spawning.unwrap();
        assert_eq!(
            (c.spawn_mode, c.displaced_per_conflict_day),
            (SpawnMode::Constant, 500.0)
        );
    }

    #[test]
    fn unsupported_features_are_reported() {
        let y = "move_rules:\n  harvest_months: [6,11]\n  flood_rules:\n    x: 1\n";
        let (s, w) = parse(y).unwrap();
        assert_eq!(s.move_rules.harvest_months, vec![6, 11]);
        assert_eq!(s.move_rules.flood_rules, Some(FloodRules::default()));
        assert_eq!(
            w,
            vec![
                "simsetting.yml:4: unknown key 'move_rules.flood_rules.x' ignored".to_string(),
                "simsetting.yml:2: move_rules.harvest_months is set but not supported by corridor; it has no effect".to_string(),
            ]
        );
    }

    /// The DFlee settings as the two FabFlee instances write them: Flee reads the
    /// mode from `spawn_mode` and `max_flood_level` under `flood_rules`, so both
    /// keys as written are unknown (warned) and Flee's defaults apply.
    #[test]
    fn dflee_settings_as_flee_reads_them() {
        let y = "spawn_rules:\n  flood_driven_spawning: True\n  flood_zone_spawning_only: True\n  conflict_zone_spawning_only: False\n  take_from_population: True\n  flood_driven_spawn_mode:\n    flood_spawn_mode: \"constant\"\n    displaced_per_flood_day: [0.0,0.1,0.2,0.5,0.9]\nmove_rules:\n  max_flood_level: 4\n  flood_rules:\n    flood_movechances: [0.3,0.4,0.7,1.0,1.0]\n    flood_loc_weights: [1.0,0.5,0.2,0.0,0.0]\n";
        let (s, w) = parse(y).unwrap();
        let f = s.spawn_rules.flood_driven_spawning.clone().unwrap();
        assert_eq!(f.spawn_mode, SpawnMode::PopRatio);
        assert_eq!(f.displaced_per_flood_day, vec![0.0, 0.1, 0.2, 0.5, 0.9]);
        let r = s.move_rules.flood_rules.clone().unwrap();
        assert_eq!(r.max_flood_level, -1);
        assert_eq!(r.flood_movechances, Some(vec![0.3, 0.4, 0.7, 1.0, 1.0]));
        assert_eq!(r.flood_loc_weights, Some(vec![1.0, 0.5, 0.2, 0.0, 0.0]));
        assert!(s.flood_rules_enabled());
        assert_eq!(
            w,
            vec![
                "simsetting.yml:2: unknown key 'spawn_rules.flood_driven_spawning' ignored".to_string(),
                "simsetting.yml:10: unknown key 'move_rules.max_flood_level' ignored".to_string(),
                // DFlee's sections are read after the rest of the file.
                "simsetting.yml:7: unknown key 'spawn_rules.flood_driven_spawn_mode.flood_spawn_mode' ignored".to_string(),
            ]
        );
        // Without flood_zone_spawning_only Flee does not read the section.
        let (s, w) =
            parse("spawn_rules:\n  flood_driven_spawn_mode:\n    spawn_mode: constant\n").unwrap();
        assert_eq!(s.spawn_rules.flood_driven_spawning, None);
        assert!(w[0].contains("not read by Flee"), "{w:?}");
        // Flee stops on both *_spawning_only, and on flood spawning without take_from_population.
        let e = parse("spawn_rules:\n  flood_zone_spawning_only: True\n").unwrap_err();
        assert!(e.to_string().contains("conflict_zone_spawning_only"), "{e}");
        let e = parse("spawn_rules:\n  flood_zone_spawning_only: True\n  conflict_zone_spawning_only: False\n  flood_driven_spawn_mode:\n    spawn_mode: constant\n").unwrap_err();
        assert!(e.to_string().contains("take_from_population"), "{e}");
    }

    #[test]
    fn key_line_scanner() {
        let l = key_lines("a:\n  b: 1\n  c:\n    d: 2\ne: 3\n# x: 1\n  - f: 1\n");
        assert_eq!(l.get("a"), Some(&1));
        assert_eq!(l.get("a.b"), Some(&2));
        assert_eq!(l.get("a.c.d"), Some(&4));
        assert_eq!(l.get("e"), Some(&5));
        assert_eq!(l.get("x"), None);
    }
}
