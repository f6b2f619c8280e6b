//! The scenario the operations use when no input is given: the Mexico corridor
//! scenario, `scenarios/mexico-2023` (docs/design.md).
//!
//! It is embedded in the binary: `build.rs` lists every `.toml` and `.csv` file of
//! the folder (subfolders included) and this file includes them with
//! `include_str!`, so `corridor run` works from any directory and reads the
//! scenario with `read_scenario_str` without touching disk. Everything that knows
//! which scenario is built in lives in this file.
//!
//! Invariant: the embedded bytes are exactly the files in the repository, so a
//! run of the built-in scenario equals a run of `scenarios/mexico-2023`.

use crate::error::{Error, Result, ResultExt};
use corridor_io::scenario::ScenarioInstance;

/// Name of the built-in scenario (also its default output folder).
pub const MEXICO: &str = "mexico-2023";

/// Path of the Mexico scenario folder, relative to the repository root.
pub const MEXICO_DIR: &str = "scenarios/mexico-2023";

/// (path relative to `scenarios/mexico-2023`, contents), sorted by path.
pub const MEXICO_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));

/// The text of an embedded file of the Mexico scenario.
pub fn mexico_file(rel: &str) -> Option<&'static str> {
    // Tables may be written `./x.csv` in scenario.toml.
    let rel = rel.strip_prefix("./").unwrap_or(rel);
    MEXICO_FILES
        .iter()
        .find(|(p, _)| *p == rel)
        .map(|(_, text)| *text)
}

/// Reads the embedded Mexico scenario.
pub fn read_mexico() -> Result<ScenarioInstance> {
    let toml = mexico_file(crate::input::SCENARIO_FILE).ok_or_else(|| Error::Io {
        context: format!("the built-in scenario {MEXICO} was not embedded"),
        source: std::io::Error::other(format!("no {MEXICO_DIR}/scenario.toml at build time")),
    })?;
    let files = |rel: &str| mexico_file(rel).map(str::to_string);
    corridor_io::scenario::read_scenario_str(crate::input::SCENARIO_FILE, toml, &files)
        .with_context(|| format!("reading the built-in scenario {MEXICO}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// Every .toml and .csv file of the scenario folder is embedded, byte for
    /// byte, and nothing else.
    #[test]
    fn embeds_the_whole_mexico_scenario() {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                if e.file_type().unwrap().is_dir() {
                    walk(root, &e.path(), out);
                } else if name.ends_with(".csv") || name.ends_with(".toml") {
                    let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let root = repo().join(MEXICO_DIR);
        let mut on_disk = Vec::new();
        walk(&root, &root, &mut on_disk);
        on_disk.sort();
        let embedded: Vec<&str> = MEXICO_FILES.iter().map(|(p, _)| *p).collect();
        assert_eq!(embedded, on_disk);
        assert!(embedded.contains(&"scenario.toml"));
        for (rel, text) in MEXICO_FILES {
            assert_eq!(
                std::fs::read_to_string(root.join(rel)).unwrap(),
                *text,
                "{rel}"
            );
        }
        assert_eq!(mexico_file("./scenario.toml"), mexico_file("scenario.toml"));
        assert_eq!(mexico_file("no-such.csv"), None);
    }
}
