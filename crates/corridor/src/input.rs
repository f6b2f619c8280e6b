//! Loading what the operations run on: a Flee instance directory, a corridor
//! scenario (`scenario.toml`, or a directory holding one) or the built-in
//! scenario, with its reader warnings and input digests.
//!
//! Invariants: input paths recorded in outputs are relative to the input (an
//! instance directory or the scenario file's directory), never absolute; a
//! directory with a `scenario.toml` is read as a scenario even if it also looks
//! like a Flee instance; every problem with the input is bad input (exit 2).
//!
//! The observed data a scenario names (`[observations]`: CBP monthly encounters,
//! calibration window, `observed_through`) are typed scenario fields
//! (`Scenario::observed`); the file name of `tables.observations`, which
//! summary.json records, is read in [`scenario_keys`].

use crate::builtin;
use crate::error::{Error, Result, ResultExt};
use corridor_io::flee::InputFile;
use corridor_io::scenario::ScenarioInstance;
use corridor_io::write::{InputDigest, InputKind};
use corridor_model::Scenario;
use std::path::{Path, PathBuf};

/// The file name that makes a directory a scenario directory.
pub const SCENARIO_FILE: &str = "scenario.toml";

/// An input ready to run: the scenario as read (no variant applied) and what the
/// outputs record about where it came from.
#[derive(Debug, Clone)]
pub struct Input {
    pub scenario: Scenario,
    pub kind: InputKind,
    /// The scenario's own seed (`seed` in scenario.toml); a requested seed overrides it.
    pub seed: Option<u64>,
    /// The free-form scenario.toml keys the operations use (empty for Flee instances).
    pub keys: ScenarioKeys,
    /// The directory the input was read from: a scenario's relative paths start
    /// there, a Flee instance is that directory. `None` for the built-in scenario.
    pub dir: Option<PathBuf>,
    /// Reader warnings, for the front end to show.
    pub warnings: Vec<String>,
    /// Every input file and its SHA-256, relative to the input.
    pub inputs: Vec<InputDigest>,
    /// Where it was read from, for messages.
    pub source: String,
}

/// The scenario.toml keys outside the reader's typed fields that operations use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScenarioKeys {
    /// `tables.observations`: the observation file (relative to the scenario),
    /// recorded in summary.json `comparison`.
    pub observations: Option<String>,
}

/// Reads [`ScenarioKeys`] from a scenario's TOML text. The reader has already
/// accepted the text, so a parse failure or a value of the wrong type here just
/// means "none".
pub fn scenario_keys(toml_text: &str) -> ScenarioKeys {
    let Ok(doc) = toml_text.parse::<toml::Table>() else {
        return ScenarioKeys::default();
    };
    let str_of = |table: &str, key: &str| doc.get(table)?.get(key)?.as_str().map(str::to_string);
    ScenarioKeys {
        observations: str_of("tables", "observations"),
    }
}

impl Input {
    /// The scenario with a policy variant's events applied; an unknown name is bad
    /// input and the message lists the variants the scenario defines.
    pub fn with_variant(&self, variant: Option<&str>) -> Result<Scenario> {
        let mut s = self.scenario.clone();
        if let Some(name) = variant {
            if self.kind != InputKind::Scenario {
                return Err(Error::bad(format!(
                    "{}: --variant needs a corridor scenario (scenario.toml); a Flee instance has no variants",
                    self.source
                )));
            }
            s.border
                .apply_variant(name)
                .map_err(|e| Error::bad(format!("{}: {e}", self.source)))?;
        }
        Ok(s)
    }

    /// Names of the scenario's policy variants, in file order.
    pub fn variant_names(&self) -> Vec<String> {
        self.scenario
            .border
            .variants
            .iter()
            .map(|v| v.name.clone())
            .collect()
    }

    /// The seed every operation uses: the requested one if given, else the
    /// scenario's `seed`, else 1.
    pub fn seed(&self, requested: Option<u64>) -> u64 {
        requested.or(self.seed).unwrap_or(1)
    }

    /// The CBP monthly encounters file the scenario names
    /// (`[observations] cbp_monthly`), resolved against its directory.
    pub fn observed_cbp_file(&self) -> Option<PathBuf> {
        let rel = self.scenario.observed.cbp_monthly.as_ref()?;
        Some(self.dir.as_ref()?.join(rel))
    }

    /// The monthly CBP encounters this input is compared with, and the name to
    /// show for them: `explicit` (a user's `--observed FILE`) if given, else the
    /// file the scenario names (`[observations] cbp_monthly`), read beside the
    /// scenario or, for the built-in scenario, from the embedded copy. `None`
    /// when there are none. The one reader of them for run, ensemble, calibrate,
    /// forecast and the server.
    pub fn cbp_observations(
        &self,
        explicit: Option<&Path>,
    ) -> Result<Option<(corridor_model::MonthlyObserved, String)>> {
        let bad = |e: corridor_io::error::InputError| Error::bad(e.to_string());
        if let Some(path) = explicit
            .map(Path::to_path_buf)
            .or_else(|| self.observed_cbp_file())
        {
            let obs = corridor_calibrate::read_cbp(&path).map_err(bad)?;
            return Ok(Some((obs, path.display().to_string())));
        }
        let Some(rel) = self.scenario.observed.cbp_monthly.as_deref() else {
            return Ok(None);
        };
        // The built-in scenario has no directory: its files are embedded.
        if self.dir.is_some() || self.source != format!("built-in scenario {}", builtin::MEXICO) {
            return Ok(None);
        }
        let text = builtin::mexico_file(rel).ok_or_else(|| {
            Error::bad(format!(
                "{}: the observations {rel} were not embedded",
                self.source
            ))
        })?;
        let shown = format!("{}/{rel}", builtin::MEXICO_DIR);
        let obs = corridor_calibrate::parse_cbp(text.as_bytes(), &shown).map_err(bad)?;
        Ok(Some((obs, shown)))
    }
}

fn digests(files: &[InputFile]) -> Vec<InputDigest> {
    files
        .iter()
        .map(|f| InputDigest {
            path: f.path.clone(),
            sha256: f.sha256.to_string(),
        })
        .collect()
}

/// Bad input: `path` is missing, not a directory, or cannot be reached (a
/// symbolic-link loop, no permission): each named as what it is.
pub(crate) fn missing(path: &Path) -> Error {
    let what = match std::fs::metadata(path) {
        Ok(_) => "is not a directory".to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                "a symbolic link to nothing (its target does not exist)".to_string()
            } else {
                "no such file or directory".to_string()
            }
        }
        // ELOOP has no stable ErrorKind yet; its OS message is specific.
        Err(e) if is_link_loop(&e) => "a symbolic link loop (the links point at each other)".into(),
        Err(e) => format!("cannot be read: {e}"),
    };
    Error::bad(format!("{}: {what}", path.display()))
}

/// True for "too many levels of symbolic links" (ELOOP: 40 on Linux, 62 on the BSDs and macOS).
fn is_link_loop(e: &std::io::Error) -> bool {
    let code = if cfg!(target_os = "linux") { 40 } else { 62 };
    e.raw_os_error() == Some(code)
}

/// Reads a Flee instance directory. A missing directory is bad input (exit 2).
pub fn load_flee(dir: &Path) -> Result<Input> {
    load_flee_with(dir, None)
}

/// Reads a Flee instance directory with its observed data from `source_data`
/// (Flee's `source_data/` layout) instead of its own: newer camp counts for a
/// forecast (`corridor_io::flee::read_flee_instance_with_data`).
pub fn load_flee_with_data(dir: &Path, source_data: &Path) -> Result<Input> {
    load_flee_with(dir, Some(source_data))
}

fn load_flee_with(dir: &Path, source_data: Option<&Path>) -> Result<Input> {
    if !dir.is_dir() {
        return Err(missing(dir));
    }
    let inst = match source_data {
        None => corridor_io::flee::read_flee_instance(dir),
        Some(d) => corridor_io::flee::read_flee_instance_with_data(dir, d),
    }
    .with_context(|| match source_data {
        None => format!("reading Flee instance {}", dir.display()),
        Some(d) => format!(
            "reading Flee instance {} with the data in {}",
            dir.display(),
            d.display()
        ),
    })?;
    let warnings = inst
        .warnings
        .iter()
        .map(|w| w.to_string())
        .chain(corridor_io::scenario::formula_warnings(&inst.scenario))
        .collect();
    Ok(Input {
        scenario: inst.scenario,
        kind: InputKind::Flee,
        seed: None,
        keys: ScenarioKeys::default(),
        dir: Some(dir.to_path_buf()),
        warnings,
        inputs: digests(&inst.inputs),
        source: dir.display().to_string(),
    })
}

fn from_instance(
    inst: ScenarioInstance,
    toml_text: &str,
    dir: Option<PathBuf>,
    source: String,
) -> Input {
    Input {
        scenario: inst.scenario,
        kind: InputKind::Scenario,
        seed: inst.seed,
        keys: scenario_keys(toml_text),
        dir,
        warnings: inst.warnings,
        inputs: digests(&inst.inputs),
        source,
    }
}

/// Reads a `scenario.toml` and its tables.
pub fn load_scenario(path: &Path) -> Result<Input> {
    let inst = corridor_io::scenario::read_scenario(path)
        .with_context(|| format!("reading scenario {}", path.display()))?;
    // Read after the reader succeeded, so a missing file is reported by the reader.
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    Ok(from_instance(
        inst,
        &text,
        Some(dir),
        path.display().to_string(),
    ))
}

/// Reads the built-in scenario (see [`builtin`]).
pub fn load_builtin() -> Result<Input> {
    let inst = builtin::read_mexico()?;
    let text = builtin::mexico_file(SCENARIO_FILE).unwrap_or_default();
    Ok(from_instance(
        inst,
        text,
        None,
        format!("built-in scenario {}", builtin::MEXICO),
    ))
}

/// Reads a scenario held in memory: `toml_text` is its scenario.toml (shown in
/// messages as `name`) and `files(rel)` the text of each table it names. For front
/// ends that build a scenario without files (the Python package's
/// `Scenario.from_frames`); the result is what [`load_scenario`] gives for the
/// same files on disk, but with no directory.
pub fn load_scenario_text(
    name: &str,
    toml_text: &str,
    files: &dyn Fn(&str) -> Option<String>,
) -> Result<Input> {
    let inst = corridor_io::scenario::read_scenario_str(name, toml_text, files)
        .with_context(|| format!("reading scenario {name}"))?;
    Ok(from_instance(inst, toml_text, None, name.to_string()))
}

/// What an input path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPath {
    /// A scenario file (any file is read as scenario TOML).
    Scenario(PathBuf),
    /// A Flee instance directory.
    Flee(PathBuf),
}

/// Decides how to read `input`: a file is a scenario; a directory with a
/// `scenario.toml` is that scenario; any other directory is a Flee instance;
/// anything else is bad input.
pub fn classify(input: &Path) -> Result<InputPath> {
    if input.is_file() {
        return Ok(InputPath::Scenario(input.to_path_buf()));
    }
    if input.is_dir() {
        let toml = input.join(SCENARIO_FILE);
        return Ok(if toml.is_file() {
            InputPath::Scenario(toml)
        } else {
            InputPath::Flee(input.to_path_buf())
        });
    }
    Err(missing(input))
}

/// Reads `input` (a Flee instance directory, a scenario file or a directory with
/// a scenario.toml), or the built-in scenario when there is none.
pub fn load(input: Option<&Path>) -> Result<Input> {
    match input {
        None => load_builtin(),
        Some(p) => match classify(p)? {
            InputPath::Scenario(f) => load_scenario(&f),
            InputPath::Flee(d) => load_flee(&d),
        },
    }
}

/// A folder name for a scenario name: letters, digits, `-`, `_` and `.` are kept,
/// anything else (path separators included) becomes `_`.
pub fn folder_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        "scenario".into()
    } else {
        s
    }
}

/// The folder all default output directories are in.
pub const OUT_ROOT: &str = "corridor-out";

/// `corridor-out/<name>[-<variant>][-<suffix>]` as a safe folder name: the default
/// output directory of every operation (`suffix` "" for a run, "ensemble",
/// "compare", "sweep").
pub fn default_out_dir(scenario: &str, variant: Option<&str>, suffix: &str) -> PathBuf {
    let mut name = scenario.to_string();
    for part in [variant.unwrap_or(""), suffix] {
        if !part.is_empty() {
            name.push('-');
            name.push_str(part);
        }
    }
    Path::new(OUT_ROOT).join(folder_name(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in scenario has no directory, yet its observations are found
    /// (embedded), the same months as the file in the repository; a Flee
    /// instance has none.
    #[test]
    fn builtin_observations_come_from_the_embedded_copy() {
        let builtin = load(None).unwrap();
        assert!(builtin.dir.is_none());
        let (embedded, shown) = builtin.cbp_observations(None).unwrap().unwrap();
        assert!(shown.ends_with(".csv"), "{shown}");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mexico-2023");
        let on_disk = load(Some(&repo)).unwrap();
        let (file, _) = on_disk.cbp_observations(None).unwrap().unwrap();
        assert_eq!(embedded, file);
        let mali = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012");
        assert!(load(Some(&mali))
            .unwrap()
            .cbp_observations(None)
            .unwrap()
            .is_none());
    }

    #[test]
    fn folder_names_are_safe() {
        assert_eq!(folder_name("mali2012"), "mali2012");
        assert_eq!(folder_name("a/b c"), "a_b_c");
        assert_eq!(folder_name(".."), "scenario");
        assert_eq!(folder_name(""), "scenario");
    }

    #[cfg(unix)]
    #[test]
    fn link_loops_and_dangling_links_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        let b = tmp.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let e = load(Some(&a)).unwrap_err();
        assert!(e.is_bad_input());
        assert!(
            e.to_string()
                .ends_with(": a symbolic link loop (the links point at each other)"),
            "{e}"
        );
        let d = tmp.path().join("dangling");
        std::os::unix::fs::symlink(tmp.path().join("nothing"), &d).unwrap();
        let e = load(Some(&d)).unwrap_err();
        assert!(e.to_string().contains("a symbolic link to nothing"), "{e}");
    }

    #[test]
    fn default_out_dirs() {
        let s = Scenario::new(
            "mexico-2023",
            corridor_model::Date::parse("2023-06-01").unwrap(),
            3,
        );
        let d = |v, suffix| default_out_dir(&s.name, v, suffix);
        assert_eq!(d(None, ""), Path::new("corridor-out/mexico-2023"));
        assert_eq!(
            d(Some("appointments-x2"), ""),
            Path::new("corridor-out/mexico-2023-appointments-x2")
        );
        assert_eq!(
            d(Some("x2"), "ensemble"),
            Path::new("corridor-out/mexico-2023-x2-ensemble")
        );
        assert_eq!(
            d(None, "compare"),
            Path::new("corridor-out/mexico-2023-compare")
        );
        assert_eq!(
            default_out_dir("a/b", Some("c d"), "sweep"),
            Path::new("corridor-out/a_b-c_d-sweep")
        );
    }

    #[test]
    fn free_form_keys_are_found() {
        let t = "name = \"x\"\n[tables]\nlocations = \"l.csv\"\nobservations = \"obs.csv\"\n";
        let k = scenario_keys(t);
        assert_eq!(k.observations.as_deref(), Some("obs.csv"));
        assert_eq!(scenario_keys("name = \"x\"\n"), ScenarioKeys::default());
        assert_eq!(scenario_keys("not toml ["), ScenarioKeys::default());
    }

    #[test]
    fn seeds_resolve_requested_then_scenario_then_one() {
        let s = Scenario::new("x", corridor_model::Date::parse("2023-06-01").unwrap(), 3);
        let mut input = Input {
            scenario: s,
            kind: InputKind::Scenario,
            seed: None,
            keys: ScenarioKeys::default(),
            dir: None,
            warnings: vec![],
            inputs: vec![],
            source: "x".into(),
        };
        assert_eq!(input.seed(None), 1);
        assert_eq!(input.seed(Some(7)), 7);
        input.seed = Some(42);
        assert_eq!(input.seed(None), 42);
        assert_eq!(input.seed(Some(0)), 0);
    }

    #[test]
    fn cbp_file_resolves_against_the_scenario_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let mut input = load_builtin().unwrap();
        assert_eq!(input.observed_cbp_file(), None, "built-in: no directory");
        input.scenario.observed.cbp_monthly = Some("data/cbp.csv".into());
        input.dir = Some(tmp.path().to_path_buf());
        assert_eq!(
            input.observed_cbp_file(),
            Some(tmp.path().join("data/cbp.csv"))
        );
    }

    #[test]
    fn classify_inputs() {
        let tmp = tempfile::tempdir().unwrap();
        let flee = tmp.path().join("flee");
        std::fs::create_dir(&flee).unwrap();
        assert_eq!(classify(&flee).unwrap(), InputPath::Flee(flee.clone()));
        let sc = tmp.path().join("sc");
        std::fs::create_dir(&sc).unwrap();
        std::fs::write(sc.join(SCENARIO_FILE), "").unwrap();
        assert_eq!(
            classify(&sc).unwrap(),
            InputPath::Scenario(sc.join(SCENARIO_FILE))
        );
        assert_eq!(
            classify(&sc.join(SCENARIO_FILE)).unwrap(),
            InputPath::Scenario(sc.join(SCENARIO_FILE))
        );
        let err = classify(&tmp.path().join("nope")).unwrap_err();
        assert!(err.is_bad_input());
        assert!(
            err.to_string().contains("no such file or directory"),
            "{err}"
        );
    }
}
