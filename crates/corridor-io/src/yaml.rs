//! Reads Flee's `simsetting.yml` (flee-spec §1.9) onto [`corridor_model::Settings`].
//!
//! The YAML is parsed into a generic value and mapped key by key, so that every
//! key gets a type and range check with a message naming the key path and, for
//! block-style YAML, its line. Flee's own key names are accepted (CamelCase
//! demographic rules such as `WomenAvoidHazards`, the misspelled `camps_are_sicks`),
//! plus the snake-case spellings of [`Settings`]' fields. Unknown keys and features
//! corridor does not model become warnings, never errors; absent keys keep Flee's
//! defaults; an empty file means all defaults. `use_v1_rules` is applied last.

use crate::error::InputError;
use crate::text;
use corridor_model::settings::{
    ConflictDrivenSpawning, FloodDrivenSpawning, FloodRules, SpawnMode,
};
use corridor_model::Settings;
use serde_norway::Value;
use std::collections::HashMap;
use std::path::Path;

/// Reads a settings file; `path` is shown in messages as given.
pub fn read_settings(path: &Path) -> Result<(Settings, Vec<String>), InputError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
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
    r.settings(&value, &mut s)?;
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

    fn bool(&self, key: &str, v: &Value) -> Result<bool, InputError> {
        let b = match v {
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
        };
        b.ok_or_else(|| self.bad(key, "true or false", v))
    }

    fn float(
        &self,
        key: &str,
        v: &Value,
        ok: fn(f64) -> bool,
        expected: &str,
    ) -> Result<f64, InputError> {
        let x = match v {
            Value::Number(n) => n.as_f64(),
            // A quoted number ("0.5") is what Python's float() would accept too.
            Value::String(s) => text::parse_finite(s),
            _ => None,
        };
        match x {
            Some(x) if x.is_finite() && ok(x) => Ok(x),
            _ => Err(self.bad(key, expected, v)),
        }
    }

    fn int(
        &self,
        key: &str,
        v: &Value,
        ok: fn(i64) -> bool,
        expected: &str,
    ) -> Result<i64, InputError> {
        let x = match v {
            Value::Number(n) => n.as_i64().or_else(|| {
                // 5.0 is a whole number; 5.5 is not.
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            }),
            Value::String(s) => text::parse_int(s),
            _ => None,
        };
        match x {
            Some(x) if ok(x) => Ok(x),
            _ => Err(self.bad(key, expected, v)),
        }
    }

    fn settings(&mut self, root: &Value, s: &mut Settings) -> Result<(), InputError> {
        for (key, v) in self.entries("", root)? {
            match key.as_str() {
                "number_of_steps" => {
                    s.number_of_steps = self.int(&key, v, |_| true, "a whole number")?
                }
                "default_conflict_intensity" => {
                    // Flee int-casts this value.
                    s.default_conflict_intensity =
                        self.float(&key, v, |_| true, "a number")?.trunc() as i64
                }
                // Flee's run.py overwrites both with the files of the input directory.
                "conflict_input_file" | "flood_level_input_file" => {}
                "log_levels" => self.log_levels(&key, v, s)?,
                "spawn_rules" => self.spawn_rules(&key, v, s)?,
                "move_rules" => self.move_rules(&key, v, s)?,
                "optimisations" => {
                    for (key, v) in self.entries(&key, v)? {
                        match key.rsplit('.').next().unwrap_or("") {
                            "hasten" => {
                                s.optimisations.hasten = self.int(
                                    &key,
                                    v,
                                    |x| (1..=u32::MAX as i64).contains(&x),
                                    "a whole number ≥ 1",
                                )? as u32
                            }
                            _ => self.unknown(&key),
                        }
                    }
                }
                _ => self.unknown(&key),
            }
        }
        Ok(())
    }

    fn log_levels(&mut self, prefix: &str, v: &Value, s: &mut Settings) -> Result<(), InputError> {
        let l = &mut s.log_levels;
        for (key, v) in self.entries(prefix, v)? {
            let level = |m: &Self| m.int(&key, v, |x| x >= 0, "a whole number ≥ 0");
            match &key[prefix.len() + 1..] {
                "agent" => l.agent = level(self)?,
                "link" => l.link = level(self)?,
                "camp" => l.camp = level(self)?,
                "init" => l.init = level(self)?,
                "conflict" => l.conflict = level(self)?,
                "idp_totals" => l.idp_totals = level(self)?,
                "granularity" => match v.as_str() {
                    Some(g @ ("location" | "region")) => l.granularity = g.to_string(),
                    _ => return Err(self.bad(&key, "'location' or 'region'", v)),
                },
                _ => self.unknown(&key),
            }
        }
        Ok(())
    }

    fn spawn_rules(&mut self, prefix: &str, v: &Value, s: &mut Settings) -> Result<(), InputError> {
        let r = &mut s.spawn_rules;
        let mut flood_section: Option<(String, &Value)> = None;
        for (key, v) in self.entries(prefix, v)? {
            match &key[prefix.len() + 1..] {
                "take_from_population" => r.take_from_population = self.bool(&key, v)?,
                "insert_day0" => r.insert_day0 = self.bool(&key, v)?,
                "empty_camps_on_day0" => r.empty_camps_on_day0 = self.bool(&key, v)?,
                "conflict_zone_spawning_only" => {
                    r.conflict_zone_spawning_only = self.bool(&key, v)?
                }
                "flood_zone_spawning_only" => r.flood_zone_spawning_only = self.bool(&key, v)?,
                "camps_are_sicks" | "camps_are_sinks" => r.camps_are_sinks = self.bool(&key, v)?,
                "read_from_agents_csv_file" => r.read_from_agents_csv_file = self.bool(&key, v)?,
                "sum_from_camps" => r.sum_from_camps = self.bool(&key, v)?,
                "starvation_driven_spawning" => {
                    r.starvation_driven_spawning = self.bool(&key, v)?
                }
                "conflict_driven_spawning" => {
                    let mut mode = SpawnMode::Constant;
                    let mut per_day = None;
                    for (key, v) in self.entries(&key, v)? {
                        match key.rsplit('.').next().unwrap_or("") {
                            "spawn_mode" => {
                                mode = match v.as_str() {
                                    Some("constant") => SpawnMode::Constant,
                                    Some("poisson") => SpawnMode::Poisson,
                                    Some("pop_ratio") => SpawnMode::PopRatio,
                                    _ => {
                                        return Err(self.bad(
                                            &key,
                                            "'constant', 'poisson' or 'pop_ratio'",
                                            v,
                                        ))
                                    }
                                }
                            }
                            "displaced_per_conflict_day" => {
                                per_day = Some(self.float(&key, v, |x| x >= 0.0, "a number ≥ 0")?)
                            }
                            _ => self.unknown(&key),
                        }
                    }
                    let default = if mode == SpawnMode::PopRatio {
                        0.01
                    } else {
                        500.0
                    };
                    r.conflict_driven_spawning = Some(ConflictDrivenSpawning {
                        spawn_mode: mode,
                        displaced_per_conflict_day: per_day.unwrap_or(default),
                    });
                }
                "flood_driven_spawn_mode" => flood_section = Some((key.clone(), v)),
                "conflict_spawn_decay" => {
                    r.conflict_spawn_decay = match v {
                        Value::Null => None,
                        Value::Sequence(items) => {
                            let mut list = Vec::with_capacity(items.len());
                            for item in items {
                                let x =
                                    self.float(&key, item, |x| x >= 0.0, "a list of numbers ≥ 0");
                                list.push(
                                    x.map_err(|_| self.bad(&key, "a list of numbers ≥ 0", v))?,
                                );
                            }
                            (!list.is_empty()).then_some(list)
                        }
                        _ => return Err(self.bad(&key, "a list of numbers ≥ 0", v)),
                    }
                }
                "conflict_spawn_decay_interval" => {
                    r.conflict_spawn_decay_interval = self.int(
                        &key,
                        v,
                        |x| (1..=u32::MAX as i64).contains(&x),
                        "a whole number of days ≥ 1",
                    )? as u32
                }
                "average_social_connectivity" => {
                    r.average_social_connectivity =
                        self.float(&key, v, |x| x >= 0.0, "a number ≥ 0")?
                }
                _ => self.unknown(&key),
            }
        }
        self.flood_spawning(prefix, flood_section, s)
    }

    /// Flee's rules for the spawn type (SimulationSettings.py): with
    /// `flood_zone_spawning_only` the conflict-driven section is not read and the
    /// `flood_driven_spawn_mode` section turns flood-driven spawning on; without it
    /// that section is not read. Flee exits when both `*_spawning_only` are true or
    /// when flood-driven spawning lacks `take_from_population`.
    fn flood_spawning(
        &mut self,
        prefix: &str,
        section: Option<(String, &Value)>,
        s: &mut Settings,
    ) -> Result<(), InputError> {
        let r = &mut s.spawn_rules;
        if !r.flood_zone_spawning_only {
            if let Some((key, _)) = section {
                let w = format!(
                    "{}: '{key}' is not read by Flee without spawn_rules.flood_zone_spawning_only: True; ignored",
                    self.at(&key)
                );
                self.warnings.push(w);
            }
            return Ok(());
        }
        let only = format!("{prefix}.flood_zone_spawning_only");
        if r.conflict_zone_spawning_only {
            return Err(InputError::BadSetting {
                path: self.path.to_string(),
                line: self.line(&only),
                key: only,
                expected: "false while conflict_zone_spawning_only is true (Flee stops when both are set; conflict_zone_spawning_only is true by default)".into(),
                found: "true".into(),
            });
        }
        if r.conflict_driven_spawning.take().is_some() {
            let key = format!("{prefix}.conflict_driven_spawning");
            let w = format!(
                "{}: '{key}' is not read by Flee with flood_zone_spawning_only: True; ignored",
                self.at(&key)
            );
            self.warnings.push(w);
        }
        let Some((key, v)) = section else {
            return Ok(());
        };
        let mut mode = SpawnMode::PopRatio;
        let mut per_day = None;
        for (k, v) in self.entries(&key, v)? {
            match k.rsplit('.').next().unwrap_or("") {
                "spawn_mode" => mode = self.spawn_mode(&k, v)?,
                "displaced_per_flood_day" => per_day = Some(self.floats(&k, v)?),
                _ => self.unknown(&k),
            }
        }
        if !r.take_from_population {
            let take = format!("{prefix}.take_from_population");
            return Err(InputError::BadSetting {
                path: self.path.to_string(),
                line: self.line(&take).or_else(|| self.line(&key)),
                key: take,
                expected: "true with flood-driven spawning (Flee stops otherwise)".into(),
                found: "false".into(),
            });
        }
        let default = if mode == SpawnMode::PopRatio {
            vec![0.0, 0.1, 0.2, 0.5, 0.9]
        } else {
            vec![0.0, 100.0, 200.0, 300.0, 500.0]
        };
        r.flood_driven_spawning = Some(FloodDrivenSpawning {
            spawn_mode: mode,
            displaced_per_flood_day: per_day.unwrap_or(default),
        });
        Ok(())
    }

    fn spawn_mode(&self, key: &str, v: &Value) -> Result<SpawnMode, InputError> {
        match v.as_str() {
            Some("constant") => Ok(SpawnMode::Constant),
            Some("poisson") => Ok(SpawnMode::Poisson),
            Some("pop_ratio") => Ok(SpawnMode::PopRatio),
            _ => Err(self.bad(key, "'constant', 'poisson' or 'pop_ratio'", v)),
        }
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
                self.float(key, item, |x| x >= 0.0, LIST)
                    .map_err(|_| self.bad(key, LIST, v))
            })
            .collect()
    }

    /// `move_rules.flood_rules`: every key Flee reads there.
    fn flood_rules(&mut self, prefix: &str, v: &Value) -> Result<FloodRules, InputError> {
        let mut f = FloodRules::default();
        let whole = |x: i64| x >= 0;
        for (key, v) in self.entries(prefix, v)? {
            let list = |me: &Self| match v {
                Value::Null => Ok(None),
                _ => me.floats(&key, v).map(Some),
            };
            match &key[prefix.len() + 1..] {
                "max_flood_level" => {
                    f.max_flood_level = self.int(&key, v, |_| true, "a whole number")?
                }
                "flood_movechances" => f.flood_movechances = list(self)?,
                "flood_loc_weights" => f.flood_loc_weights = list(self)?,
                "flood_link_weights" => f.flood_link_weights = list(self)?,
                "flood_forecaster" => f.flood_forecaster = self.bool(&key, v)?,
                "flood_forecaster_timescale" => {
                    f.flood_forecaster_timescale =
                        self.int(&key, v, whole, "a whole number of days ≥ 0")?
                }
                "flood_forecaster_weights" => f.flood_forecaster_weights = list(self)?,
                "flood_forecaster_end_time" => {
                    f.flood_forecaster_end_time =
                        self.int(&key, v, whole, "a whole number of days ≥ 0")?
                }
                "flood_awareness_weights" => f.flood_awareness_weights = list(self)?,
                _ => self.unknown(&key),
            }
        }
        Ok(f)
    }

    fn move_rules(&mut self, prefix: &str, v: &Value, s: &mut Settings) -> Result<(), InputError> {
        let m = &mut s.move_rules;
        let pos = |x: f64| x > 0.0;
        let non_neg = |x: f64| x >= 0.0;
        let any = |_: f64| true;
        let prob = |x: f64| (0.0..=1.0).contains(&x);
        const POS: &str = "a number > 0";
        const NON_NEG: &str = "a number ≥ 0";
        const NUM: &str = "a number";
        const PROB: &str = "a number between 0 and 1";
        for (key, v) in self.entries(prefix, v)? {
            let k = &key[prefix.len() + 1..];
            match k {
                "max_move_speed" => m.max_move_speed = self.float(&key, v, pos, POS)?,
                "max_walk_speed" => m.max_walk_speed = self.float(&key, v, pos, POS)?,
                "max_crossing_speed" => {
                    m.max_crossing_speed = self.float(&key, v, non_neg, NON_NEG)?
                }
                "foreign_weight" => m.foreign_weight = self.float(&key, v, non_neg, NON_NEG)?,
                "camp_weight" => m.camp_weight = self.float(&key, v, non_neg, NON_NEG)?,
                "conflict_weight" => m.conflict_weight = self.float(&key, v, non_neg, NON_NEG)?,
                "conflict_movechance" => m.conflict_movechance = self.float(&key, v, prob, PROB)?,
                "camp_movechance" => m.camp_movechance = self.float(&key, v, prob, PROB)?,
                "idpcamp_movechance" => m.idpcamp_movechance = self.float(&key, v, prob, PROB)?,
                "default_movechance" => m.default_movechance = self.float(&key, v, prob, PROB)?,
                "awareness_level" => {
                    m.awareness_level = self.int(
                        &key,
                        v,
                        |x| (0..=100).contains(&x),
                        "a whole number between 0 and 100",
                    )?
                }
                "capacity_buffer" => m.capacity_buffer = self.float(&key, v, prob, PROB)?,
                "capacity_scaling" => m.capacity_scaling = self.float(&key, v, pos, POS)?,
                "avoid_short_stints" => m.avoid_short_stints = self.bool(&key, v)?,
                "start_on_foot" => m.start_on_foot = self.bool(&key, v)?,
                "use_v1_rules" => m.use_v1_rules = self.bool(&key, v)?,
                "softening" => m.softening = self.float(&key, v, non_neg, NON_NEG)?,
                "weight_softening" => m.weight_softening = self.float(&key, v, non_neg, NON_NEG)?,
                "weight_power" => m.weight_power = self.float(&key, v, any, NUM)?,
                "distance_power" => m.distance_power = self.float(&key, v, any, NUM)?,
                "stay_close_to_home" => m.stay_close_to_home = self.bool(&key, v)?,
                "home_distance_power" => m.home_distance_power = self.float(&key, v, any, NUM)?,
                "use_pop_for_loc_weight" => m.use_pop_for_loc_weight = self.bool(&key, v)?,
                "pop_power_for_loc_weight" => {
                    m.pop_power_for_loc_weight = self.float(&key, v, any, NUM)?
                }
                "movechance_pop_base" => m.movechance_pop_base = self.float(&key, v, pos, POS)?,
                "movechance_pop_scale_factor" => {
                    m.movechance_pop_scale_factor = self.float(&key, v, any, NUM)?
                }
                "pruning_threshold" => {
                    m.pruning_threshold = self.float(&key, v, non_neg, NON_NEG)?
                }
                "WomenAvoidHazards" | "women_avoid_hazards" => {
                    m.women_avoid_hazards = self.bool(&key, v)?
                }
                "ChildrenAvoidHazards" | "children_avoid_hazards" => {
                    m.children_avoid_hazards = self.bool(&key, v)?
                }
                "ElderlyAvoidHazards" | "elderly_avoid_hazards" => {
                    m.elderly_avoid_hazards = self.bool(&key, v)?
                }
                "BoysTakeRisk" | "boys_take_risk" => m.boys_take_risk = self.bool(&key, v)?,
                "MatchCampReligion" | "match_camp_religion" => {
                    m.match_camp_religion = self.bool(&key, v)?
                }
                "MatchCampEthnicity" | "match_camp_ethnicity" => {
                    m.match_camp_ethnicity = self.bool(&key, v)?
                }
                "MatchTownEthnicity" | "match_town_ethnicity" => {
                    m.match_town_ethnicity = self.bool(&key, v)?
                }
                "MatchConflictEthnicity" | "match_conflict_ethnicity" => {
                    m.match_conflict_ethnicity = self.bool(&key, v)?
                }
                "avg_religion_fraction" => {
                    m.avg_religion_fraction = self.float(&key, v, prob, PROB)?
                }
                "fixed_routes" => m.fixed_routes = self.bool(&key, v)?,
                "two_system_decision_making" => {
                    m.two_system_decision_making = self.bool(&key, v)?
                }
                "use_economic_pull" => m.use_economic_pull = self.bool(&key, v)?,
                "harvest_months" => {
                    const MONTHS: &str = "a list of month numbers 1–12";
                    m.harvest_months = match v {
                        Value::Null => Vec::new(),
                        Value::Sequence(items) => {
                            let mut months = Vec::with_capacity(items.len());
                            for item in items {
                                let month = self
                                    .int(&key, item, |x| (1..=12).contains(&x), MONTHS)
                                    .map_err(|_| self.bad(&key, MONTHS, v))?;
                                months.push(month);
                            }
                            months
                        }
                        _ => return Err(self.bad(&key, MONTHS, v)),
                    }
                }
                "flee_when_starving" => m.flee_when_starving = self.bool(&key, v)?,
                "avoid_food_deprived_locations" => {
                    m.avoid_food_deprived_locations = self.bool(&key, v)?
                }
                "flood_rules" => {
                    let f = self.flood_rules(&key, v)?;
                    m.flood_rules = Some(f);
                }
                _ => self.unknown(&key),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(e.to_string().contains("month numbers 1–12, found a list"));
        let e = parse("move_rules:\n  max_move_speed: .nan\n").unwrap_err();
        assert!(e.to_string().ends_with("found .nan"), "{e}");
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
                "simsetting.yml:7: unknown key 'spawn_rules.flood_driven_spawn_mode.flood_spawn_mode' ignored".to_string(),
                "simsetting.yml:10: unknown key 'move_rules.max_flood_level' ignored".to_string(),
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
