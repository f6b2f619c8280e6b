//! The scenario `corridor run` uses when no input is given.
//!
//! For now this is the mali2012 Flee instance shipped in `tests/data/flee/`,
//! embedded in the binary so that `corridor run` works from any directory. The
//! built-in Mexico corridor scenario (DESIGN §9) will replace it; everything that
//! knows which scenario is built in lives in this file.
//!
//! Invariant: the embedded bytes are exactly the files in the repository, so a
//! run of the built-in scenario equals a run of `tests/data/flee/mali2012`.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Name of the built-in scenario (also its default output folder).
pub const NAME: &str = "mali2012";

macro_rules! embed {
    ($($rel:literal),* $(,)?) => {
        &[$(($rel, include_str!(concat!("../../../tests/data/flee/mali2012/", $rel)))),*]
    };
}

/// (path relative to the instance directory, contents).
const FILES: &[(&str, &str)] = embed!(
    "simsetting.yml",
    "input_csv/closures.csv",
    "input_csv/conflicts.csv",
    "input_csv/locations.csv",
    "input_csv/registration_corrections.csv",
    "input_csv/routes.csv",
    "input_csv/sim_period.csv",
    "source_data/bf-bobo.csv",
    "source_data/bf-goudoubo.csv",
    "source_data/bf-mentao.csv",
    "source_data/bf-ouagadougou.csv",
    "source_data/data_layout.csv",
    "source_data/mau-fassala-mbera.csv",
    "source_data/mau-fassala.csv",
    "source_data/mau-mbera.csv",
    "source_data/nig-abala.csv",
    "source_data/nig-intikane.csv",
    "source_data/nig-mangaize.csv",
    "source_data/nig-niamey.csv",
    "source_data/nig-tabareybarey.csv",
    "source_data/refugees.csv",
    "source_data/religion.csv",
    "source_data/tribes.csv",
);

/// Writes the built-in instance into `parent/<NAME>` and returns that directory,
/// so the ordinary Flee reader reads it (and input paths stay relative).
pub fn materialise(parent: &Path) -> Result<PathBuf> {
    let dir = parent.join(NAME);
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of the shipped instance is embedded, and nothing else.
    #[test]
    fn embeds_the_whole_instance() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012");
        let mut on_disk = Vec::new();
        for sub in ["", "input_csv", "source_data"] {
            for e in std::fs::read_dir(root.join(sub)).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_file() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    on_disk.push(if sub.is_empty() {
                        name
                    } else {
                        format!("{sub}/{name}")
                    });
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
        let tmp = tempfile::tempdir().unwrap();
        let dir = materialise(tmp.path()).unwrap();
        for (rel, text) in FILES {
            assert_eq!(std::fs::read_to_string(dir.join(rel)).unwrap(), *text);
            assert_eq!(std::fs::read_to_string(root.join(rel)).unwrap(), *text);
        }
    }
}
