//! Variant files: one policy variant in a file of its own (`--variant-file`, the
//! what-if page's "Save as variant"), applied to any corridor scenario, the
//! built-in one included. The format is that of a `[[variants]]` entry with its
//! events as `[[events]]` (docs/scenario-format.md); names, dates and people are
//! read against the scenario it is added to, so every value is validated as a
//! scenario file value would be.
//!
//! Invariants: adding a variant never changes the base scenario or its other
//! variants; a name the scenario already defines is refused (bad input) rather
//! than shadowing it; a Flee instance (which has no border levers) is refused.

use crate::error::{Error, Result, ResultExt};
use crate::input::Input;
use corridor_io::write::InputKind;
use std::path::Path;

/// Whether variants can be added to `input`: a bad-input error for a Flee
/// instance, which has no border levers (variant events act on them). The
/// what-if page checks it at start, since each of its answers adds one.
pub fn takes_variants(input: &Input) -> Result<()> {
    if input.kind != InputKind::Scenario {
        return Err(Error::bad(format!(
            "a variant needs a corridor scenario (scenario.toml); {} is a Flee instance \
             (a scenario.toml whose `base` is the instance can take them: \
             docs/scenario-format.md, section 8)",
            input.source
        )));
    }
    Ok(())
}

/// Reads a variant from its TOML `text` (`shown` names it in messages), checks it
/// against `input`'s scenario and adds it to the scenario's variants. Returns the
/// variant's name, to run it by (`RunRequest::variant`, `CompareRequest::variants`).
/// Reader warnings are appended to `input.warnings`.
pub fn add_variant_str(input: &mut Input, shown: &str, text: &str) -> Result<String> {
    add_variant_on(input, shown, text, None)
}

/// [`add_variant_str`] on top of one of the scenario's own variants: the added
/// variant holds `on_top_of`'s events followed by the file's (so `--variant X
/// --variant-file F` runs X with F's levers added).
pub fn add_variant_on(
    input: &mut Input,
    shown: &str,
    text: &str,
    on_top_of: Option<&str>,
) -> Result<String> {
    takes_variants(input).map_err(|e| Error::bad(format!("{shown}: {}", e.chain_text())))?;
    let (variant, warnings) = corridor_io::scenario::read_variant_str(shown, text, &input.scenario)
        .context("reading the variant file")?;
    if input.scenario.border.variant(&variant.name).is_some() {
        return Err(Error::bad(format!(
            "{shown}: variant '{}' is already defined by {}; give the file's variant another name",
            variant.name, input.source
        )));
    }
    let mut variant = variant;
    if let Some(base) = on_top_of {
        let Some(b) = input.scenario.border.variant(base) else {
            // The same message as for an unknown `--variant`.
            return input.with_variant(Some(base)).map(|_| String::new());
        };
        let mut events = b.events.clone();
        events.append(&mut variant.events);
        events.sort_by_key(|e| e.day);
        variant.events = events;
        variant.description = format!("{} (on top of {base})", variant.description);
    }
    let name = variant.name.clone();
    input.scenario.border.variants.push(variant);
    input.warnings.extend(warnings);
    Ok(name)
}

/// The events of variant `name` of `input`, each dated and in words
/// (`Event::describe`), in order; empty for a variant without events (or a
/// name the input does not define).
pub fn describe_events(input: &Input, name: &str) -> Vec<String> {
    input
        .scenario
        .border
        .variant(name)
        .map_or_else(Vec::new, |v| {
            v.events
                .iter()
                .map(|e| e.describe(&input.scenario))
                .collect()
        })
}

/// [`add_variant_str`] for a file on disk. A missing or unreadable file, or one
/// that is not UTF-8, is bad input.
pub fn add_variant_file(input: &mut Input, path: &Path, on_top_of: Option<&str>) -> Result<String> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::bad(format!("{shown}: cannot read the variant file: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::bad(format!("{shown}: the variant file is not UTF-8 text")))?;
    add_variant_on(input, &shown, &text, on_top_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "name = \"half-containment\"\n\
        description = \"checkpoints halved\"\n\
        [[events]]\n\
        day = 0\n\
        action = \"scale_checkpoint_probability\"\n\
        factor = 0.5\n";

    #[test]
    fn a_variant_file_is_added_to_the_builtin_scenario_and_runs_by_name() {
        let mut input = crate::load(None).unwrap();
        let before = input.variant_names();
        let name = add_variant_str(&mut input, "v.toml", FILE).unwrap();
        assert_eq!(name, "half-containment");
        assert_eq!(input.variant_names().len(), before.len() + 1);
        let s = input.with_variant(Some(&name)).unwrap();
        let base = input.with_variant(None).unwrap();
        assert_eq!(
            s.border.events.len(),
            base.border.events.len() + base.border.checkpoints.len()
        );
    }

    #[test]
    fn clashing_names_and_bad_values_are_bad_input_naming_the_file() {
        let mut input = crate::load(None).unwrap();
        let e = add_variant_str(&mut input, "v.toml", "name = \"baseline\"\n").unwrap_err();
        assert!(e.is_bad_input());
        assert!(
            e.chain_text().contains("already defined"),
            "{}",
            e.chain_text()
        );
        let e = add_variant_str(&mut input, "v.toml", &FILE.replace("0.5", "-2")).unwrap_err();
        assert!(e.is_bad_input());
        assert!(e.chain_text().contains("v.toml:6"), "{}", e.chain_text());
        let e = add_variant_file(&mut input, Path::new("/nonexistent/v.toml"), None).unwrap_err();
        assert!(e.is_bad_input());
    }
}

#[cfg(test)]
mod engines {
    use super::*;
    use corridor_ensemble::TOTAL_VARIABLES;

    /// Admitted people at the end of a 2-member ensemble of examples/variants.
    fn admitted(input: &Input, variant: Option<String>, engine: crate::EngineKind) -> f64 {
        let dir = tempfile::tempdir().unwrap();
        let done = crate::ensemble(
            input,
            &crate::EnsembleRequest {
                variant,
                runs: 2,
                seed: Some(3),
                days: Some(40),
                engine,
                out: Some(dir.path().join("e")),
                format: Default::default(),
            },
            &|| {},
        )
        .unwrap();
        let e = &done.ensemble;
        let v = corridor_ensemble::Ensemble::variable_index(&TOTAL_VARIABLES, "admitted").unwrap();
        e.total(e.days.len() - 1, v).mean * e.hasten as f64
    }

    /// Both engines read the composing levers: every port held closed admits
    /// nobody on either, although the base scenario admits people.
    #[test]
    fn both_engines_honour_a_port_hold() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/variants");
        let mut input = crate::load(Some(&dir)).unwrap();
        let name = add_variant_str(
            &mut input,
            "held.toml",
            "name = \"held\"\n[[events]]\nday = 0\naction = \"hold_port_closed\"\n",
        )
        .unwrap();
        for engine in [crate::EngineKind::Agents, crate::EngineKind::Counts] {
            assert!(admitted(&input, None, engine) > 0.0, "{engine:?}");
            assert_eq!(
                admitted(&input, Some(name.clone()), engine),
                0.0,
                "{engine:?}"
            );
        }
    }
}
