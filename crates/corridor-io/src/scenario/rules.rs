//! `[rules]` of scenario.toml: Flee's settings by their `simsetting.yml` names.
//!
//! The accepted keys come from the settings table
//! (`corridor_model::settings::table`). One mapping of names onto [`Settings`]
//! exists, in `crate::yaml`; this module
//! reuses it rather than duplicating it: the `[rules]` table is checked here for
//! unknown keys (an error in a scenario, unlike in Flee's YAML), converted to a YAML
//! value (merged over a base instance's `simsetting.yml` when there is one), and
//! handed to [`crate::yaml::parse_settings`]. Its value errors are re-pointed at the
//! key's line in scenario.toml (`rules.move_rules.max_move_speed`), and warnings
//! about features corridor does not model are re-issued with scenario.toml lines.

use super::doc::{show_item, Source, Tab};
use crate::error::InputError;
use corridor_model::settings::table::{self, SETTINGS};
use corridor_model::Settings;
use serde_norway::{Mapping, Value as Yaml};
use std::collections::HashMap;
use toml_edit::{Item, Value};

/// Every accepted key, by section ("" = top level), from the settings table
/// (names and Flee aliases) plus the keys Flee reads that corridor ignores.
fn known_keys() -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let mut add = |dotted: &str| {
        let (section, key) = match dotted.rsplit_once('.') {
            Some((s, k)) => (s, k),
            None => ("", dotted),
        };
        out.entry(section.to_string())
            .or_default()
            .push(key.to_string());
    };
    for s in SETTINGS {
        add(s.name);
        for a in s.aliases {
            add(&format!("{}.{a}", s.section()));
        }
    }
    for section in table::sections() {
        add(section);
    }
    for (k, _) in table::IGNORED {
        add(k);
    }
    // Sub-sections (conflict_driven_spawning) are read by their own allowed list.
    out.retain(|section, _| section.matches('.').count() == 0);
    for keys in out.values_mut() {
        keys.sort();
        keys.dedup();
    }
    out
}

/// Top-level sections of the settings.
fn is_section(k: &str) -> bool {
    table::sections().contains(&k)
}

/// Keys corridor ignores, with a warning in scenario.toml.
fn ignored() -> impl Iterator<Item = &'static str> {
    table::IGNORED.iter().map(|(k, _)| *k)
}

/// The `[rules]` table as a YAML value, with the scenario.toml line of every
/// leaf key (`move_rules.softening` → line).
pub(crate) struct Rules {
    yaml: Mapping,
    lines: HashMap<String, Option<usize>>,
    /// Line of the `[rules]` table.
    line: Option<usize>,
}

impl Rules {
    /// Reads the table `key` of `parent` (normally `rules` at the top level),
    /// checking its keys; no table means no rules.
    pub fn read(parent: &Tab, key: &str) -> Result<Rules, InputError> {
        let known = known_keys();
        let top_allowed: Vec<&str> = known[""].iter().map(String::as_str).collect();
        let Some(top) = parent.opt_table(key, &top_allowed)? else {
            return Ok(Rules::empty());
        };
        let tab = &top;
        let mut r = Rules {
            yaml: Mapping::new(),
            lines: HashMap::new(),
            line: top.line,
        };
        for (k, item) in top.entries() {
            if is_section(k) {
                let allowed: Vec<&str> = known
                    .get(k)
                    .map(|v| v.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                let Some(section) = top.opt_table(k, &allowed)? else {
                    continue;
                };
                let mut m = Mapping::new();
                for (sk, sitem) in section.entries() {
                    let dotted = format!("{k}.{sk}");
                    if table::sections().contains(&dotted.as_str()) {
                        let sub_keys: Vec<&str> = SETTINGS
                            .iter()
                            .filter(|s| s.section() == dotted)
                            .map(|s| s.key())
                            .collect();
                        let Some(sub) = section.opt_table(sk, &sub_keys)? else {
                            continue;
                        };
                        let mut mm = Mapping::new();
                        for (k3, item3) in sub.entries() {
                            r.lines.insert(format!("{dotted}.{k3}"), sub.value_line(k3));
                            mm.insert(
                                Yaml::String(k3.to_string()),
                                to_yaml(tab.src, &sub, k3, item3)?,
                            );
                        }
                        r.lines.insert(dotted, section.key_line(sk));
                        m.insert(Yaml::String(sk.to_string()), Yaml::Mapping(mm));
                        continue;
                    }
                    r.lines.insert(dotted, section.value_line(sk));
                    m.insert(
                        Yaml::String(sk.to_string()),
                        to_yaml(tab.src, &section, sk, sitem)?,
                    );
                }
                r.lines.insert(k.to_string(), top.key_line(k));
                r.yaml.insert(Yaml::String(k.to_string()), Yaml::Mapping(m));
            } else {
                r.lines.insert(k.to_string(), top.value_line(k));
                r.yaml.insert(
                    Yaml::String(k.to_string()),
                    to_yaml(tab.src, &top, k, item)?,
                );
            }
        }
        Ok(r)
    }

    /// No rules at all.
    pub fn empty() -> Rules {
        Rules {
            yaml: Mapping::new(),
            lines: HashMap::new(),
            line: None,
        }
    }

    /// True when the key (dotted, without `rules.`) was given.
    pub fn has(&self, key: &str) -> bool {
        self.lines.contains_key(key)
    }

    /// The settings: `base` (a base instance's simsetting.yml, parsed) with these
    /// rules on top, or Flee's defaults with these rules. Returns the warnings.
    pub fn settings(
        &self,
        src: &Source,
        base: Option<Yaml>,
    ) -> Result<(Settings, Vec<String>), InputError> {
        let mut merged = match base {
            Some(Yaml::Mapping(m)) => m,
            _ => Mapping::new(),
        };
        merge(&mut merged, &self.yaml);
        let text = serde_norway::to_string(&Yaml::Mapping(merged))
            .map_err(|e| src.invalid(self.line, format!("rules: {e}")))?;
        let (settings, _) =
            crate::yaml::parse_settings(text.as_bytes(), src.file).map_err(|e| match e {
                InputError::BadSetting {
                    key,
                    expected,
                    found,
                    ..
                } => InputError::BadSetting {
                    path: src.file.to_string(),
                    line: self.lines.get(&key).copied().flatten().or(self.line),
                    key: format!("rules.{key}"),
                    expected,
                    found,
                },
                other => src.invalid(self.line, format!("rules: {other}")),
            })?;
        let mut warnings = Vec::new();
        for feature in settings.unsupported() {
            if let Some(line) = self.lines.get(feature) {
                warnings.push(format!(
                    "{}: rules.{feature} is set but not supported by corridor; it has no effect",
                    at(src.file, *line)
                ));
            }
        }
        for k in ignored() {
            if let Some(line) = self.lines.get(k) {
                warnings.push(format!(
                    "{}: rules.{k} is not supported by corridor and was ignored",
                    at(src.file, *line)
                ));
            }
        }
        Ok((settings, warnings))
    }
}

fn at(file: &str, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{file}:{l}"),
        None => file.to_string(),
    }
}

/// Deep merge: tables merge key by key, anything else replaces.
fn merge(into: &mut Mapping, from: &Mapping) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Yaml::Mapping(a)), Yaml::Mapping(b)) => merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// A TOML item as a YAML value (dates become strings).
fn to_yaml(src: &Source, tab: &Tab, k: &str, item: &Item) -> Result<Yaml, InputError> {
    fn value(v: &Value) -> Option<Yaml> {
        Some(match v {
            Value::String(s) => Yaml::String(s.value().clone()),
            Value::Integer(i) => Yaml::Number((*i.value()).into()),
            Value::Float(f) => Yaml::Number((*f.value()).into()),
            Value::Boolean(b) => Yaml::Bool(*b.value()),
            Value::Datetime(d) => Yaml::String(d.value().to_string()),
            Value::Array(a) => Yaml::Sequence(a.iter().map(value).collect::<Option<Vec<_>>>()?),
            Value::InlineTable(_) => return None,
        })
    }
    match item {
        Item::Value(v) => value(v)
            .ok_or_else(|| src.bad(tab.value_line(k), &tab.full(k), "a value", show_item(item))),
        _ => Err(src.bad(tab.value_line(k), &tab.full(k), "a value", show_item(item))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Result<(Settings, Vec<String>), InputError> {
        let src = Source::new("scenario.toml", text);
        let doc = src.parse(text)?;
        let top = Tab::new(&src, String::new(), doc.as_table(), None, &["rules"])?;
        Rules::read(&top, "rules")?.settings(&src, None)
    }

    #[test]
    fn known_keys_cover_the_settings() {
        let k = known_keys();
        assert!(k[""].contains(&"move_rules".to_string()));
        assert!(k["move_rules"].contains(&"max_move_speed".to_string()));
        assert!(k["move_rules"].contains(&"WomenAvoidHazards".to_string()));
        assert!(k["spawn_rules"].contains(&"camps_are_sicks".to_string()));
        assert!(k["optimisations"].contains(&"hasten".to_string()));
    }

    #[test]
    fn dotted_and_sectioned_rules() {
        let (s, w) = settings("[rules]\nmove_rules.max_move_speed = 200\noptimisations.hasten = 10\n[rules.spawn_rules]\ncamps_are_sicks = true\nconflict_driven_spawning = { spawn_mode = \"poisson\", displaced_per_conflict_day = 40 }\n").unwrap();
        assert_eq!(s.move_rules.max_move_speed, 200.0);
        assert_eq!(s.optimisations.hasten, 10);
        assert!(s.spawn_rules.camps_are_sinks);
        let c = s.spawn_rules.conflict_driven_spawning.unwrap();
        assert_eq!(c.displaced_per_conflict_day, 40.0);
        assert!(w.is_empty(), "{w:?}");
        let (s, _) = settings("").unwrap();
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn unknown_and_bad_rules_name_the_line() {
        let e = settings("[rules]\nmove_rules.max_move_sped = 200\n").unwrap_err();
        assert!(
            e.to_string().starts_with(
                "scenario.toml:2: unknown key 'rules.move_rules.max_move_sped' (expected one of: "
            ),
            "{e}"
        );
        let e = settings("[rules]\n\n[rules.move_rules]\ndefault_movechance = 1.5\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenario.toml:4: key 'rules.move_rules.default_movechance': expected a number between 0 and 1, found 1.5"
        );
        let (_, w) = settings("[rules]\nmove_rules.fixed_routes = true\n").unwrap();
        assert_eq!(
            w,
            vec!["scenario.toml:2: rules.move_rules.fixed_routes is set but not supported by corridor; it has no effect"]
        );
    }
}
