//! Reads a corridor scenario: `scenario.toml` plus CSV tables (docs/design.md §4,
//! `docs/scenario-format.md`) into a [`Scenario`] with its border processes.
//!
//! Two entry points: [`read_scenario`] reads from disk (tables relative to the
//! scenario file's directory); [`read_scenario_str`] takes the TOML text and a
//! function returning the text of a table by its relative path, so the built-in
//! scenario can be embedded with `include_str!` and read without touching disk.
//!
//! Invariants established (see `corridor_model::scenario` and `::border`): names are
//! unique, every index is valid, numbers are finite and in range, people counts are
//! divided by `optimisations.hasten`, events are sorted by day (stable), checkpoint
//! links and caravan steps are routes, appointment shares sum to 1. Every problem is
//! an [`InputError`] naming file, line and key or column; unknown keys and columns
//! are errors. Every file read is hashed for `summary.json`.

mod doc;
mod lever_events;
pub use lever_events::read_variant_str;
mod rules;
mod tables;

use crate::error::InputError;
pub use crate::flee::InputFile;
use corridor_model::border::{
    Action, Allocation, AppointmentPool, Border, Caravan, CaravanSource, Checkpoint, CrossingPoint,
    DayRange, Dispersal, DispersalAt, EncounterThreshold, Event, Inflow, InflowMode, PapersOffice,
    Port, QueueDiscipline, Variant, WalkUpLeaving,
};
use corridor_model::scenario::ObservedData;
use corridor_model::{CampData, Date, Link, Location, LocationKind, Scenario, Series};
use doc::{Source, Tab};
use rules::Rules;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use tables::{bool_or, choice, probability, Table};

/// Errors of the scenario reader: the same type as every other input error, so the
/// CLI maps all of them to exit code 2.
pub type ScenarioError = InputError;

/// A scenario as read.
#[derive(Debug, Clone)]
pub struct ScenarioInstance {
    pub scenario: Scenario,
    /// `seed` from scenario.toml (the CLI's `--seed` overrides it).
    pub seed: Option<u64>,
    pub description: String,
    /// Observed counts per location (`tables.observations`), for validation only:
    /// they never drive spawning. Values are divided by hasten.
    pub observations: Vec<CampData>,
    pub warnings: Vec<String>,
    /// Files read, sorted by path: scenario.toml by its file name, tables relative
    /// to it, a base instance's files under the base's relative path.
    pub inputs: Vec<InputFile>,
}

/// Keys of the top-level table.
const TOP_KEYS: [&str; 18] = [
    "name",
    "description",
    "start_date",
    "days",
    "seed",
    "base",
    "rules",
    "tables",
    "border",
    "ports",
    "appointments",
    "threshold",
    "caravans",
    "papers",
    "events",
    "variants",
    "observations",
    "sources",
];

const TABLE_KEYS: [&str; 7] = [
    "locations",
    "routes",
    "ports",
    "checkpoints",
    "inflows",
    "crossings",
    "observations",
];

/// Longest scenario accepted, as for Flee instances (and `--days`).
const MAX_DAYS: i64 = crate::flee::MAX_DAYS;

/// What `days` (and a checkpoint or dispersal delay) must be, with the real bounds.
const DAYS: &str = "a whole number of days between 1 and 100000";

/// Longest lead time, window, delay or stay in days a lever accepts (ten years),
/// and what such a key must be.
const MAX_SPAN: i64 = 3650;
const SPAN_0: &str = "a whole number of days between 0 and 3650";
const SPAN_1: &str = "a whole number of days between 1 and 3650";

/// What a `day = N` must be: the reader's bound, and what the docs promise for
/// days after the run (a warning, not an error).
const DAY_OFFSET: &str = "a whole number of days between 0 and 100000 (a day after the last simulated day is accepted with a warning)";

/// Reads `scenario.toml` at `path` and its tables.
pub fn read_scenario(path: &Path) -> Result<ScenarioInstance, ScenarioError> {
    let shown = path.display().to_string();
    let bytes = crate::text::read_capped(path).map_err(|e| io_error(&shown, "the scenario", e))?;
    let text = crate::text::decode(&shown, &bytes)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario.toml".into());
    let show_dir = dir.clone();
    let load = move |rel: &str| -> Result<Option<Vec<u8>>, InputError> {
        let p = dir.join(rel);
        match crate::text::read_capped(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(InputError::Io {
                path: p.display().to_string(),
                message: e.to_string(),
            }),
        }
    };
    let shown_table = move |rel: &str| show_dir.join(rel).display().to_string();
    let base_dir = path.parent().map(Path::to_path_buf);
    build(
        &shown,
        &file_name,
        text,
        bytes.as_slice(),
        &load,
        &shown_table,
        base_dir.as_deref(),
    )
}

/// Reads a scenario from its TOML text. `name` is the file name shown in messages
/// and in `inputs`; `files(rel)` returns the text of a table by the path written in
/// `[tables]` (or `None` when there is no such file). A `base` Flee instance needs
/// a directory and is refused here.
pub fn read_scenario_str(
    name: &str,
    toml_text: &str,
    files: &dyn Fn(&str) -> Option<String>,
) -> Result<ScenarioInstance, ScenarioError> {
    let load = |rel: &str| -> Result<Option<Vec<u8>>, InputError> {
        Ok(files(rel).map(String::into_bytes))
    };
    let shown_table = |rel: &str| rel.to_string();
    build(
        name,
        name,
        toml_text,
        toml_text.as_bytes(),
        &load,
        &shown_table,
        None,
    )
}

/// The path of a file a scenario names (e.g. `observed.cbp_monthly`), written
/// relative to the scenario file; `input` is the scenario file or its folder.
pub fn scenario_relative(input: &Path, rel: &str) -> PathBuf {
    let file = if input.is_dir() {
        input.join("scenario.toml")
    } else {
        input.to_path_buf()
    };
    file.parent().unwrap_or(Path::new(".")).join(rel)
}

/// A folder path that names the folder in messages: `.` components are dropped
/// (`base = "."` reads the scenario's own folder, shown by its path) and an empty
/// path becomes the absolute current directory.
fn named_dir(p: &Path) -> PathBuf {
    let p: PathBuf = p
        .components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect();
    if p.as_os_str().is_empty() {
        std::path::absolute(".").unwrap_or_else(|_| PathBuf::from("."))
    } else {
        p
    }
}

fn io_error(shown: &str, needed_for: &str, e: std::io::Error) -> InputError {
    if e.kind() == std::io::ErrorKind::NotFound {
        InputError::MissingFile {
            path: shown.to_string(),
            needed_for: needed_for.to_string(),
        }
    } else {
        InputError::Io {
            path: shown.to_string(),
            message: e.to_string(),
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

type Loader<'a> = dyn Fn(&str) -> Result<Option<Vec<u8>>, InputError> + 'a;

/// Reading state shared by the steps.
struct Reader<'a> {
    src: &'a Source<'a>,
    load: &'a Loader<'a>,
    shown_table: &'a dyn Fn(&str) -> String,
    inputs: BTreeMap<String, String>,
    warnings: Vec<String>,
    start: Date,
    days: u32,
    hasten: u64,
    names: HashMap<String, usize>,
    /// Where locations were defined, for "is not defined in" messages.
    loc_file: String,
}

impl Reader<'_> {
    /// Reads and hashes the table named by `tables.<key>`; `None` if the key is absent.
    fn table(
        &mut self,
        tabs: Option<&Tab>,
        key: &str,
        allowed: &[&str],
        required: &[&str],
    ) -> Result<Option<Table>, InputError> {
        let Some(t) = tabs else { return Ok(None) };
        let Some(rel) = t.opt_str(key)? else {
            return Ok(None);
        };
        let shown = (self.shown_table)(rel);
        let Some(bytes) = (self.load)(rel)? else {
            return Err(self.src.invalid(
                t.value_line(key),
                format!("tables.{key}: file '{shown}' not found"),
            ));
        };
        self.inputs
            .insert(rel.replace('\\', "/"), sha256_hex(&bytes));
        Table::parse(&shown, &bytes, allowed, required).map(Some)
    }

    /// Index of a location named in a CSV cell.
    fn loc_cell(&self, t: &Table, c: &crate::text::Cell) -> Result<usize, InputError> {
        let name = c.name()?;
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| InputError::UnknownReference {
                path: t.file.clone(),
                line: c.line,
                what: "location".into(),
                name: name.to_string(),
                defined_in: self.loc_file.clone(),
            })
    }

    /// Index of a location named by a TOML key.
    fn loc_key(&self, tab: &Tab, k: &str) -> Result<usize, InputError> {
        let name = tab.str(k)?;
        self.loc_name(tab, k, name)
    }

    fn loc_name(&self, tab: &Tab, k: &str, name: &str) -> Result<usize, InputError> {
        self.names.get(name).copied().ok_or_else(|| {
            self.src
                .unknown_ref(tab.value_line(k), "location", name, &self.loc_file)
        })
    }

    /// `date = "YYYY-MM-DD"` or `day = N` (exactly one), as a day offset ≥ 0.
    fn day_of(&self, tab: &Tab) -> Result<i64, InputError> {
        match (tab.has("date"), tab.has("day")) {
            (true, true) => Err(tab.error_at(
                "day",
                format!("{}: give either date or day, not both", tab.path),
            )),
            (false, false) => Err(tab.missing("date")),
            (true, false) => {
                let d = tab.opt_date("date")?.unwrap_or(self.start);
                let off = d.days_since(self.start);
                if off < 0 {
                    return Err(tab.bad(
                        "date",
                        &format!("a date on or after start_date {}", self.start),
                    ));
                }
                if off > MAX_DAYS {
                    return Err(tab.bad(
                        "date",
                        &format!(
                            "a date at most {MAX_DAYS} days after start_date {} (a date after the last simulated day is accepted with a warning)",
                            self.start
                        ),
                    ));
                }
                Ok(off)
            }
            (false, true) => tab.int("day", 0, MAX_DAYS, DAY_OFFSET),
        }
    }

    fn after_end_warning(&mut self, tab: &Tab, what: &str, day: i64) {
        if day >= self.days as i64 {
            let line = tab.line.map(|l| format!(":{l}")).unwrap_or_default();
            self.warnings.push(format!(
                "{}{line}: {what} on day {day} is after the last simulated day ({}); it has no effect",
                self.src.file,
                self.days.saturating_sub(1)
            ));
        }
    }
}

/// Each location's index by name: how the reader resolves the names tables and
/// keys give (a base instance's locations included).
fn location_index(s: &Scenario) -> HashMap<String, usize> {
    s.locations
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.clone(), i))
        .collect()
}

/// The whole read. `shown` names scenario.toml in messages, `file_name` in inputs.
fn build(
    shown: &str,
    file_name: &str,
    text: &str,
    bytes: &[u8],
    load: &Loader,
    shown_table: &dyn Fn(&str) -> String,
    dir: Option<&Path>,
) -> Result<ScenarioInstance, InputError> {
    let src = Source::new(shown, text);
    let parsed = src.parse(text)?;
    let top = Tab::new(&src, String::new(), parsed.as_table(), None, &TOP_KEYS)?;
    let name = top.str("name")?.to_string();
    let description = top.opt_str("description")?.unwrap_or("").to_string();
    let seed = top
        .opt_int("seed", 0, i64::MAX, "a whole number ≥ 0")?
        .map(|s| s as u64);
    // `sources` is free documentation: any table (but see `read_observed`).
    let rules = Rules::read(&top, "rules")?;
    let mut inputs = BTreeMap::new();
    inputs.insert(file_name.to_string(), sha256_hex(bytes));
    let mut warnings = Vec::new();

    // Base instance (disk only).
    let mut scenario;
    let mut base_yaml = None;
    let mut loc_file = "locations.csv".to_string();
    if let Some(base_rel) = top.opt_str("base")? {
        let Some(dir) = dir else {
            return Err(top.error_at(
                "base",
                "base: a base Flee instance can only be used with a scenario read from disk".into(),
            ));
        };
        if rules.has("optimisations.hasten") {
            return Err(top.error_at(
                "base",
                "rules.optimisations.hasten cannot be set with a base instance; set hasten in the base's simsetting.yml".into(),
            ));
        }
        let base_dir: PathBuf = named_dir(&dir.join(base_rel));
        let inst = crate::flee::read_flee_instance(&base_dir)?;
        for f in inst.inputs {
            inputs.insert(
                format!("{}/{}", base_rel.trim_end_matches('/'), f.path),
                f.sha256,
            );
        }
        warnings.extend(inst.warnings);
        for p in [
            base_dir.join("simsetting.yml"),
            base_dir.join("input_csv").join("simsetting.yml"),
        ] {
            if let Ok(b) = crate::text::read_capped(&p) {
                let t = String::from_utf8_lossy(&b).into_owned();
                base_yaml = serde_norway::from_str::<serde_norway::Value>(&t).ok();
                break;
            }
        }
        scenario = inst.scenario;
        if let Some(d) = top.opt_date("start_date")? {
            if d != scenario.start_date {
                return Err(top.bad(
                    "start_date",
                    &format!(
                        "the base instance's start date {} (or no start_date)",
                        scenario.start_date
                    ),
                ));
            }
        }
        if let Some(days) = top.opt_int("days", 1, MAX_DAYS, DAYS)? {
            scenario.days = days as u32;
        }
        scenario.name = name.clone();
        loc_file = format!("{}/locations.csv", base_rel.trim_end_matches('/'));
    } else {
        let start = top
            .opt_date("start_date")?
            .ok_or_else(|| top.missing("start_date"))?;
        let days = top.int("days", 1, MAX_DAYS, DAYS)?;
        scenario = Scenario::new(&name, start, days as u32);
    }
    let (settings, w) = rules.settings(&src, base_yaml)?;
    warnings.extend(w);
    let hasten = settings.optimisations.hasten.max(1) as u64;
    scenario.settings = settings;

    let mut r = Reader {
        src: &src,
        load,
        shown_table,
        inputs,
        warnings,
        start: scenario.start_date,
        days: scenario.days,
        hasten,
        names: location_index(&scenario),
        loc_file,
    };
    let tabs = top.opt_table("tables", &TABLE_KEYS)?;
    let has_base = top.has("base");
    if !has_base {
        let t = tabs.as_ref().ok_or_else(|| top.missing("tables"))?;
        t.require("locations")?;
        t.require("routes")?;
    }
    read_locations(&mut r, tabs.as_ref(), &mut scenario)?;
    read_routes(&mut r, tabs.as_ref(), &mut scenario)?;
    let mut border = Border::default();
    read_ports(&mut r, tabs.as_ref(), &scenario, &mut border)?;
    read_checkpoints(&mut r, tabs.as_ref(), &scenario, &mut border)?;
    read_inflows(&mut r, tabs.as_ref(), &mut border)?;
    read_crossings(&mut r, tabs.as_ref(), &mut border)?;
    let observations = read_observations(&mut r, tabs.as_ref())?;
    read_border_options(&r, &top, &mut border)?;
    read_port_options(&top, &mut border)?;
    read_appointments(&r, &top, &scenario, &mut border)?;
    read_threshold(&r, &top, &mut border)?;
    read_caravans(&mut r, &top, &scenario, &mut border)?;
    read_papers(&mut r, &top, &mut border)?;
    border.events = read_events(&mut r, &top, "events", &scenario, &border)?;
    read_variants(&mut r, &top, &scenario, &mut border)?;
    scenario.border = border;
    scenario.observed = read_observed(&r, &top)?;
    r.warnings.extend(formula_warnings(&scenario));

    let inputs = r
        .inputs
        .into_iter()
        .map(|(path, sha256)| InputFile { path, sha256 })
        .collect();
    Ok(ScenarioInstance {
        scenario,
        seed,
        description,
        observations,
        warnings: r.warnings,
        inputs,
    })
}

const LOCATION_COLS: [&str; 13] = [
    "name",
    "kind",
    "lat",
    "lon",
    "country",
    "region",
    "population",
    "capacity",
    "shelter_capacity",
    "conflict_date",
    "conflict_intensity",
    "initial_idps",
    "capacity_per_day",
];

const KINDS: [&str; 8] = [
    "town",
    "camp",
    "idpcamp",
    "conflict_zone",
    "forwarding_hub",
    "marker",
    "flood_zone",
    "port",
];

fn kind_of(s: &str) -> Option<LocationKind> {
    Some(match s {
        "town" => LocationKind::Town,
        "camp" => LocationKind::Camp,
        "idpcamp" => LocationKind::IdpCamp,
        "conflict_zone" => LocationKind::ConflictZone,
        "forwarding_hub" => LocationKind::ForwardingHub,
        "marker" => LocationKind::Marker,
        "flood_zone" => LocationKind::FloodZone,
        "port" => LocationKind::Port,
        _ => return None,
    })
}

fn read_locations(r: &mut Reader, tabs: Option<&Tab>, s: &mut Scenario) -> Result<(), InputError> {
    let Some(t) = r.table(tabs, "locations", &LOCATION_COLS, &["name", "kind"])? else {
        return Ok(());
    };
    r.loc_file = t.file.clone();
    let mut lines: HashMap<String, usize> = HashMap::new();
    for row in &t.rows {
        let c = |k| t.cell(row, k);
        let name = c("name").name()?.to_string();
        first_definition(&mut lines, name.clone(), &t, row.line, "location", || {
            name.clone()
        })?;
        if r.names.contains_key(&name) {
            return Err(InputError::Invalid {
                path: t.file.clone(),
                line: Some(row.line),
                message: format!("location '{name}' is already defined in the base instance"),
            });
        }
        let kc = c("kind");
        let kind =
            kind_of(kc.text).ok_or_else(|| kc.bad(&format!("one of {}", KINDS.join(", "))))?;
        let mut loc = Location::new(&name, kind);
        let text_or = |v: &str| {
            if v.is_empty() {
                "unknown".to_string()
            } else {
                v.to_string()
            }
        };
        loc.region = text_or(c("region").text);
        loc.country = text_or(c("country").text);
        loc.lat = c("lat").float_or(0.0)?;
        loc.lon = c("lon").float_or(0.0)?;
        if !(-90.0..=90.0).contains(&loc.lat) {
            return Err(c("lat").bad("a latitude between -90 and 90"));
        }
        if !(-180.0..=180.0).contains(&loc.lon) {
            return Err(c("lon").bad("a longitude between -180 and 180"));
        }
        let h = r.hasten;
        loc.population = c("population").uint_or(0)? / h;
        let cap = c("capacity");
        loc.capacity = if cap.is_empty() {
            None
        } else {
            Some(cap.uint()? / h).filter(|&x| x >= 1)
        };
        let beds = c("shelter_capacity");
        loc.shelter_capacity = if beds.is_empty() {
            None
        } else {
            Some(beds.uint()? / h)
        };
        let cd = c("conflict_date");
        if !cd.is_empty() {
            let d = cd.uint()?;
            if kind == LocationKind::ConflictZone {
                loc.conflict_date = Some(d as i64);
            }
        }
        loc.conflict_intensity = c("conflict_intensity").float_or(1.0)?;
        loc.initial_idps = c("initial_idps").uint_or(0)? / h;
        loc.capacity_per_day = c("capacity_per_day").uint_or(0)? / h;
        r.names.insert(name, s.locations.len());
        s.locations.push(loc);
    }
    if s.locations.is_empty() {
        return Err(InputError::Invalid {
            path: t.file.clone(),
            line: None,
            message: "no locations".into(),
        });
    }
    let home = s.locations[0].country.clone();
    for l in &mut s.locations {
        l.foreign = l.country != home;
    }
    Ok(())
}

fn read_routes(r: &mut Reader, tabs: Option<&Tab>, s: &mut Scenario) -> Result<(), InputError> {
    let cols = [
        "from",
        "to",
        "distance_km",
        "max_move_speed",
        "walk_probability",
        "forced_redirection",
    ];
    let Some(t) = r.table(tabs, "routes", &cols, &["from", "to", "distance_km"])? else {
        return Ok(());
    };
    let mut seen = RouteSet::of_base(s);
    for row in &t.rows {
        let c = |k| t.cell(row, k);
        let from = r.loc_cell(&t, &c("from"))?;
        let to = r.loc_cell(&t, &c("to"))?;
        if from == to {
            return Err(c("to").bad("a location other than 'from'"));
        }
        seen.insert(s, &t, row.line, from, to)?;
        let mut link = Link::new(from, to, c("distance_km").non_negative()?);
        let speed = c("max_move_speed");
        if !speed.is_empty() {
            link.max_move_speed = Some(speed.float_where(|x| x > 0.0, "a number > 0")?);
        }
        let wp = c("walk_probability");
        if !wp.is_empty() {
            link.walk_probability = probability(&wp)?;
        }
        let fr = c("forced_redirection");
        if !fr.is_empty() {
            link.forced_redirection = match fr.uint()? {
                x @ 0..=2 => x as u8,
                _ => return Err(fr.bad("0, 1 or 2")),
            };
        }
        s.links.push(link);
    }
    Ok(())
}

/// Records that `key` is defined on `line` of table `t`, refusing a second
/// definition with an error naming both lines (`what` and `name` say what was
/// repeated; `name` is built only for the error). One place for the rule every
/// keyed table follows: locations, ports, checkpoints, inflow dates, crossings.
fn first_definition<K: std::hash::Hash + Eq>(
    seen: &mut HashMap<K, usize>,
    key: K,
    t: &Table,
    line: usize,
    what: &str,
    name: impl FnOnce() -> String,
) -> Result<(), InputError> {
    match seen.entry(key) {
        std::collections::hash_map::Entry::Occupied(first) => Err(InputError::Duplicate {
            path: t.file.clone(),
            line,
            what: what.into(),
            name: name(),
            first_line: *first.get(),
        }),
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(line);
            Ok(())
        }
    }
}

/// The routes read so far, by unordered pair of locations (routes are
/// bidirectional), with the line that defined each (`None`: the base instance).
/// A second route between the same pair would add a parallel link and silently
/// change route choice, so corridor's routes table refuses it.
struct RouteSet(HashMap<(usize, usize), Option<usize>>);

impl RouteSet {
    fn of_base(s: &Scenario) -> RouteSet {
        RouteSet(
            s.links
                .iter()
                .map(|l| ((l.from.min(l.to), l.from.max(l.to)), None))
                .collect(),
        )
    }

    fn insert(
        &mut self,
        s: &Scenario,
        t: &Table,
        line: usize,
        a: usize,
        b: usize,
    ) -> Result<(), InputError> {
        let name = format!("{} - {}", s.locations[a].name, s.locations[b].name);
        match self.0.insert((a.min(b), a.max(b)), Some(line)) {
            None => Ok(()),
            Some(Some(first_line)) => Err(InputError::Duplicate {
                path: t.file.clone(),
                line,
                what: "route".into(),
                name,
                first_line,
            }),
            Some(None) => Err(InputError::Malformed {
                path: t.file.clone(),
                line,
                message: format!(
                    "route '{name}' is already a route of the base instance; a second one would add a parallel link (change the base's routes.csv instead)"
                ),
            }),
        }
    }
}

/// Warns about names a spreadsheet would read as a formula (`=`, `+`, `-`, `@`
/// first): outputs write names verbatim, as Flee does, so that programs read them
/// back unchanged; docs/scenario-format.md says how to open such files safely.
/// Used for Flee instances too (by the front end's loader).
pub fn formula_warnings(s: &Scenario) -> Vec<String> {
    let mut warnings = Vec::new();
    let b = &s.border;
    let names = s
        .locations
        .iter()
        .map(|l| ("location", l.name.as_str()))
        .chain(b.ports.iter().flat_map(|p| {
            [
                ("field office", p.field_office.as_str()),
                ("sector", p.sector.as_str()),
            ]
        }))
        .chain(b.crossings.iter().map(|c| ("sector", c.sector.as_str())));
    let mut seen = std::collections::BTreeSet::new();
    for (what, name) in names {
        if name.starts_with(['=', '+', '-', '@']) && seen.insert(name) {
            warnings.push(format!(
                "{what} '{name}' starts with '{}', which spreadsheets read as a formula; outputs write it verbatim (import CSV files as text)",
                &name[..1]
            ));
        }
    }
    warnings
}

/// Is there a route between `a` and `b` (either direction)?
fn linked(s: &Scenario, a: usize, b: usize) -> bool {
    s.links
        .iter()
        .any(|l| (l.from == a && l.to == b) || (l.from == b && l.to == a))
}

fn read_ports(
    r: &mut Reader,
    tabs: Option<&Tab>,
    s: &Scenario,
    b: &mut Border,
) -> Result<(), InputError> {
    let cols = [
        "port",
        "border_city",
        "field_office",
        "sector",
        "capacity_per_day",
        "open",
        "walk_ups",
        "queue",
    ];
    let required = [
        "port",
        "border_city",
        "field_office",
        "sector",
        "capacity_per_day",
    ];
    let t = r.table(tabs, "ports", &cols, &required)?;
    let mut seen: HashMap<usize, usize> = HashMap::new();
    if let Some(t) = &t {
        for row in &t.rows {
            let c = |k| t.cell(row, k);
            let pc = c("port");
            let loc = r.loc_cell(t, &pc)?;
            if s.locations[loc].kind != LocationKind::Port {
                return Err(pc.bad("a location of kind port"));
            }
            first_definition(&mut seen, loc, t, row.line, "port", || {
                s.locations[loc].name.clone()
            })?;
            let queue = match choice(&c("queue"), &["", "fifo", "random"])? {
                "random" => QueueDiscipline::Random,
                _ => QueueDiscipline::Fifo,
            };
            let border_city = port_border_city(r, t, &c("border_city"), s)?;
            b.ports.push(Port {
                location: loc,
                name: s.locations[loc].name.clone(),
                border_city,
                field_office: c("field_office").name()?.to_string(),
                sector: c("sector").name()?.to_string(),
                capacity_per_day: c("capacity_per_day").non_negative()? / r.hasten as f64,
                open: bool_or(&c("open"), true)?,
                walk_ups: bool_or(&c("walk_ups"), true)?,
                queue,
            });
        }
    }
    for (i, l) in s.locations.iter().enumerate() {
        if l.kind == LocationKind::Port && !seen.contains_key(&i) {
            let (path, line) = match &t {
                Some(t) => (t.file.clone(), Some(t.header_line)),
                None => (r.src.file.to_string(), tabs.and_then(|x| x.line)),
            };
            return Err(InputError::Invalid {
                path,
                line,
                message: format!(
                    "location '{}' has kind port but no row in the ports table",
                    l.name
                ),
            });
        }
    }
    Ok(())
}

/// A port's border city: where its queue waits and crossers leave from, so it
/// cannot itself be a port.
fn port_border_city(
    r: &Reader,
    t: &Table,
    c: &crate::text::Cell,
    s: &Scenario,
) -> Result<usize, InputError> {
    let city = r.loc_cell(t, c)?;
    if s.locations[city].kind == LocationKind::Port {
        return Err(c.bad("a location that is not a port (the city the port belongs to)"));
    }
    Ok(city)
}

fn read_checkpoints(
    r: &mut Reader,
    tabs: Option<&Tab>,
    s: &Scenario,
    b: &mut Border,
) -> Result<(), InputError> {
    let cols = [
        "name",
        "from",
        "to",
        "direction",
        "probability",
        "relocate_to",
        "delay_days",
    ];
    let required = [
        "name",
        "from",
        "to",
        "probability",
        "relocate_to",
        "delay_days",
    ];
    let Some(t) = r.table(tabs, "checkpoints", &cols, &required)? else {
        return Ok(());
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &t.rows {
        let c = |k| t.cell(row, k);
        let name = c("name").name()?.to_string();
        first_definition(&mut seen, name.clone(), &t, row.line, "checkpoint", || {
            name.clone()
        })?;
        let from = r.loc_cell(&t, &c("from"))?;
        let to = r.loc_cell(&t, &c("to"))?;
        if !linked(s, from, to) {
            return Err(InputError::Invalid {
                path: t.file.clone(),
                line: Some(row.line),
                message: format!(
                    "checkpoint '{name}': no route between '{}' and '{}'",
                    s.locations[from].name, s.locations[to].name
                ),
            });
        }
        let both = choice(&c("direction"), &["", "forward", "both"])? == "both";
        let delay = c("delay_days");
        let delay_days = match delay.uint()? {
            d @ 1..=100_000 => d as u32,
            _ => return Err(delay.bad(DAYS)),
        };
        b.checkpoints.push(Checkpoint {
            name,
            from,
            to,
            both_directions: both,
            probability: probability(&c("probability"))?,
            relocate_to: r.loc_cell(&t, &c("relocate_to"))?,
            delay_days,
        });
    }
    Ok(())
}

fn read_inflows(r: &mut Reader, tabs: Option<&Tab>, b: &mut Border) -> Result<(), InputError> {
    let cols = ["location", "date", "people_per_day"];
    let Some(t) = r.table(tabs, "inflows", &cols, &cols)? else {
        return Ok(());
    };
    let mut points = Vec::with_capacity(t.rows.len());
    let mut seen: HashMap<(usize, i64), usize> = HashMap::new();
    for row in &t.rows {
        let c = |k| t.cell(row, k);
        let loc = r.loc_cell(&t, &c("location"))?;
        let day = c("date").date()?.days_since(r.start);
        first_definition(&mut seen, (loc, day), &t, row.line, "inflow date", || {
            format!("{} {}", c("location").text, c("date").text)
        })?;
        let v = c("people_per_day").non_negative()? / r.hasten as f64;
        points.push((loc, day, v));
    }
    b.inflows.extend(
        series_by_location(points)
            .into_iter()
            .map(|(location, series)| Inflow { location, series }),
    );
    Ok(())
}

fn read_crossings(r: &mut Reader, tabs: Option<&Tab>, b: &mut Border) -> Result<(), InputError> {
    let cols = ["border_city", "sector", "hazard", "slope", "max_hazard"];
    let Some(t) = r.table(
        tabs,
        "crossings",
        &cols,
        &["border_city", "sector", "hazard"],
    )?
    else {
        return Ok(());
    };
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for row in &t.rows {
        let c = |k| t.cell(row, k);
        let city = r.loc_cell(&t, &c("border_city"))?;
        first_definition(&mut seen, city, &t, row.line, "crossing point", || {
            c("border_city").text.to_string()
        })?;
        let slope = c("slope");
        let hazard = probability(&c("hazard"))?;
        b.crossings.push(CrossingPoint {
            name: c("border_city").text.to_string(),
            border_city: city,
            sector: c("sector").name()?.to_string(),
            hazard,
            slope: if slope.is_empty() {
                0.0
            } else {
                slope.non_negative()?
            },
            max_hazard: max_hazard(&c("max_hazard"), hazard)?,
        });
    }
    Ok(())
}

/// `max_hazard`: a probability, 1 when empty, and not below the starting
/// `hazard` (a cap below the start would silently lower the hazard on day 0).
fn max_hazard(max: &crate::text::Cell, hazard: f64) -> Result<f64, InputError> {
    if max.is_empty() {
        return Ok(1.0);
    }
    max.float_where(
        |x| (hazard..=1.0).contains(&x),
        &format!("a number between hazard ({hazard}) and 1"),
    )
}

/// Keys of `[observations]`.
const OBSERVED_KEYS: [&str; 4] = [
    "cbp_monthly",
    "calibration_months",
    "observed_through",
    "report_from",
];

/// `[observations]`: the observed-data file and the calibration window. The old
/// spelling, keys of the free `[sources]` table (`observed_cbp_monthly`,
/// `calibration_months`, `report_from`), is still read when `[observations]` is
/// absent. The file must exist (it is read by the commands that compare, not
/// here, so it is not among the run's inputs); months are `YYYY-MM`.
fn read_observed(r: &Reader, top: &Tab) -> Result<ObservedData, InputError> {
    let (tab, file_key) = match top.opt_table("observations", &OBSERVED_KEYS)? {
        Some(t) => (t, "cbp_monthly"),
        None => {
            // Free documentation: other keys are allowed and ignored.
            let Some((_, item)) = top.entries().into_iter().find(|(k, _)| *k == "sources") else {
                return Ok(ObservedData::default());
            };
            let Some(t) = item.as_table_like() else {
                return Ok(ObservedData::default());
            };
            let keys: Vec<&str> = t.iter().map(|(k, _)| k).collect();
            match top.opt_table("sources", &keys)? {
                Some(sources) => (sources, "observed_cbp_monthly"),
                None => return Ok(ObservedData::default()),
            }
        }
    };
    let mut out = ObservedData::default();
    if let Some(rel) = tab.opt_str(file_key)? {
        if (r.load)(rel)?.is_none() {
            return Err(r.src.invalid(
                tab.value_line(file_key),
                format!(
                    "{}: file '{}' not found",
                    tab.full(file_key),
                    (r.shown_table)(rel)
                ),
            ));
        }
        out.cbp_monthly = Some(rel.to_string());
    }
    let month = |k: &str, m: &str, expected: &str| -> Result<String, InputError> {
        Date::parse(&format!("{m}-01"))
            .filter(|_| m.len() == 7)
            .map(|d| d.month_label())
            .filter(|l| l == m)
            .ok_or_else(|| tab.bad(k, expected))
    };
    if tab.has("observed_through") {
        let m = tab
            .opt_str("observed_through")?
            .ok_or_else(|| tab.bad("observed_through", "a month YYYY-MM"))?;
        out.observed_through = Some(month("observed_through", m, "a month YYYY-MM")?);
    }
    if let Some(ms) = tab.opt_str_list("calibration_months")? {
        let mut months = ms
            .iter()
            .map(|m| month("calibration_months", m, "a list of months YYYY-MM"))
            .collect::<Result<Vec<_>, _>>()?;
        months.sort();
        months.dedup();
        if let (Some(last), Some(t)) = (months.last(), &out.observed_through) {
            if last > t {
                return Err(tab.bad(
                    "calibration_months",
                    &format!("months up to observed_through {t}"),
                ));
            }
        }
        out.calibration_months = months;
    }
    out.report_from = tab.opt_date("report_from")?;
    Ok(out)
}

fn read_observations(r: &mut Reader, tabs: Option<&Tab>) -> Result<Vec<CampData>, InputError> {
    let cols = ["location", "date", "observed"];
    let Some(t) = r.table(tabs, "observations", &cols, &cols)? else {
        return Ok(Vec::new());
    };
    let mut points = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let c = |k| t.cell(row, k);
        let loc = r.loc_cell(&t, &c("location"))?;
        let day = c("date").date()?.days_since(r.start);
        let v = c("observed").non_negative()? / r.hasten as f64;
        points.push((loc, day, v));
    }
    Ok(series_by_location(points)
        .into_iter()
        .map(|(location, series)| CampData { location, series })
        .collect())
}

/// Rows `(location, day, value)` as one series per location, locations in order
/// of first appearance and each series' points in row order (the inflows and
/// observations tables list dated points of several locations).
fn series_by_location(rows: Vec<(usize, i64, f64)>) -> Vec<(usize, Series)> {
    let mut order: Vec<usize> = Vec::new();
    let mut points: HashMap<usize, Vec<(i64, f64)>> = HashMap::new();
    for (loc, day, v) in rows {
        if !points.contains_key(&loc) {
            order.push(loc);
        }
        points.entry(loc).or_default().push((day, v));
    }
    order
        .into_iter()
        .map(|loc| (loc, Series::new(points.remove(&loc).unwrap_or_default())))
        .collect()
}

fn read_border_options(r: &Reader, top: &Tab, b: &mut Border) -> Result<(), InputError> {
    let _ = r;
    let Some(t) = top.opt_table("border", &["inflow_mode", "shelter_full_weight"])? else {
        return Ok(());
    };
    if let Some(m) = t.opt_str("inflow_mode")? {
        b.inflow_mode = match m {
            "expected" => InflowMode::Expected,
            "poisson" => InflowMode::Poisson,
            _ => return Err(t.bad("inflow_mode", "\"expected\" or \"poisson\"")),
        };
    }
    if let Some(w) = t.opt_f64(
        "shelter_full_weight",
        |x| (0.0..=1.0).contains(&x),
        "a number between 0 and 1",
    )? {
        b.shelter_full_weight = w;
    }
    Ok(())
}

/// `[ports]`: balking and reneging at the walk-up queues (docs/model.md §8).
fn read_port_options(top: &Tab, b: &mut Border) -> Result<(), InputError> {
    let Some(t) = top.opt_table("ports", &["patience_days", "renege_probability"])? else {
        return Ok(());
    };
    if b.ports.is_empty() {
        return Err(top.error_at(
            "ports",
            "ports: the scenario has no ports (tables.ports)".into(),
        ));
    }
    b.walk_up_leaving = WalkUpLeaving {
        patience_days: t.opt_f64(
            "patience_days",
            |x| x.is_finite() && x > 0.0,
            "a number of days > 0",
        )?,
        renege_probability: t
            .opt_f64("renege_probability", is_prob, PROB)?
            .unwrap_or(0.0),
    };
    Ok(())
}

const PROB: &str = "a number between 0 and 1";
const NON_NEG: &str = "a number ≥ 0";

fn is_prob(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

fn non_neg(x: f64) -> bool {
    x >= 0.0
}

/// Index of a port named by key `k`.
fn port_key(r: &Reader, tab: &Tab, k: &str, b: &Border) -> Result<usize, InputError> {
    let name = tab.str(k)?;
    b.ports.iter().position(|p| p.name == name).ok_or_else(|| {
        r.src
            .unknown_ref(tab.value_line(k), "port", name, "the ports table")
    })
}

/// Appointment shares per port from a `{ "<port>" = share, ... }` table; ports not
/// listed get 0; the shares must sum to 1.
fn shares_of(r: &Reader, tab: &Tab, k: &str, b: &Border) -> Result<Option<Vec<f64>>, InputError> {
    let Some(list) = tab.opt_number_map(k, is_prob, PROB)? else {
        return Ok(None);
    };
    let mut shares = vec![0.0; b.ports.len()];
    for (name, x, line) in list {
        let i = b
            .ports
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| r.src.unknown_ref(line, "port", name, "the ports table"))?;
        shares[i] = x;
    }
    let sum: f64 = shares.iter().sum();
    if (sum - 1.0).abs() > 1e-6 {
        return Err(tab.error_at(
            k,
            format!("{}: the shares sum to {sum}, not 1", tab.full(k)),
        ));
    }
    Ok(Some(shares))
}

/// `allocation` (+ `fifo_share` for "mixed").
fn allocation_of(tab: &Tab) -> Result<Option<Allocation>, InputError> {
    // fifo_share only means something for "mixed": refused with anything else.
    let needs_mixed = || {
        tab.error_at(
            "fifo_share",
            format!(
                "{}: fifo_share needs allocation = \"mixed\"",
                tab.full("fifo_share")
            ),
        )
    };
    let Some(a) = tab.opt_str("allocation")? else {
        if tab.has("fifo_share") {
            return Err(needs_mixed());
        }
        return Ok(None);
    };
    let alloc = match a {
        "fifo" => Allocation::Fifo,
        "lottery" => Allocation::Lottery,
        "mixed" => Allocation::Mixed {
            fifo_share: tab.f64("fifo_share", is_prob, PROB)?,
        },
        _ => return Err(tab.bad("allocation", "\"fifo\", \"lottery\" or \"mixed\"")),
    };
    if a != "mixed" && tab.has("fifo_share") {
        return Err(needs_mixed());
    }
    Ok(Some(alloc))
}

/// `eligible` (location names) and `eligible_regions` (regions) → location indices,
/// sorted; `None` when neither key is given.
fn eligible_of(r: &Reader, tab: &Tab, s: &Scenario) -> Result<Option<Vec<usize>>, InputError> {
    let names = tab.opt_str_list("eligible")?;
    let regions = tab.opt_str_list("eligible_regions")?;
    if names.is_none() && regions.is_none() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for n in names.unwrap_or_default() {
        out.push(r.loc_name(tab, "eligible", n)?);
    }
    for reg in regions.unwrap_or_default() {
        let before = out.len();
        out.extend((0..s.locations.len()).filter(|&i| s.locations[i].region == reg));
        if out.len() == before {
            return Err(tab.error_at(
                "eligible_regions",
                format!(
                    "{}: no location has region '{reg}'",
                    tab.full("eligible_regions")
                ),
            ));
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(Some(out))
}

fn read_appointments(
    r: &Reader,
    top: &Tab,
    s: &Scenario,
    b: &mut Border,
) -> Result<(), InputError> {
    let keys = [
        "per_day",
        "shares",
        "request_probability",
        "eligible",
        "eligible_regions",
        "allocation",
        "fifo_share",
        "lead_days",
    ];
    let Some(t) = top.opt_table("appointments", &keys)? else {
        return Ok(());
    };
    if b.ports.is_empty() {
        return Err(top.error_at(
            "appointments",
            "appointments: the scenario has no ports (tables.ports)".into(),
        ));
    }
    let n = b.ports.len() as f64;
    b.appointments = Some(AppointmentPool {
        per_day: t.f64("per_day", non_neg, NON_NEG)? / r.hasten as f64,
        shares: shares_of(r, &t, "shares", b)?.unwrap_or_else(|| vec![1.0 / n; b.ports.len()]),
        request_probability: t.f64("request_probability", is_prob, PROB)?,
        eligible: eligible_of(r, &t, s)?.unwrap_or_else(|| (0..s.locations.len()).collect()),
        allocation: allocation_of(&t)?.unwrap_or(Allocation::Fifo),
        lead_days: t.opt_int("lead_days", 0, MAX_SPAN, SPAN_0)?.unwrap_or(0) as u32,
    });
    Ok(())
}

fn read_threshold(r: &Reader, top: &Tab, b: &mut Border) -> Result<(), InputError> {
    let keys = [
        "window_days",
        "activate_at",
        "deactivate_below",
        "deactivate_after_days",
        "hazard_factor",
        "suspend_walk_ups",
    ];
    let Some(t) = top.opt_table("threshold", &keys)? else {
        return Ok(());
    };
    let h = r.hasten as f64;
    let activate_at = t.f64("activate_at", non_neg, NON_NEG)?;
    // Deactivating above the activation level would switch the rule off and on
    // every day; equal levels are allowed.
    let deactivate_below = t.f64("deactivate_below", non_neg, NON_NEG)?;
    if deactivate_below > activate_at {
        return Err(t.bad(
            "deactivate_below",
            &format!("a number between 0 and activate_at ({activate_at})"),
        ));
    }
    b.threshold = Some(EncounterThreshold {
        window_days: t.int("window_days", 1, MAX_SPAN, SPAN_1)? as u32,
        activate_at: activate_at / h,
        deactivate_below: deactivate_below / h,
        deactivate_after_days: t.int("deactivate_after_days", 1, MAX_SPAN, SPAN_1)? as u32,
        hazard_factor: t.f64("hazard_factor", non_neg, NON_NEG)?,
        suspend_walk_ups: t.opt_bool("suspend_walk_ups")?.unwrap_or(false),
    });
    Ok(())
}

fn read_caravans(
    r: &mut Reader,
    top: &Tab,
    s: &Scenario,
    b: &mut Border,
) -> Result<(), InputError> {
    let keys = [
        "name",
        "date",
        "day",
        "origin",
        "size",
        "source",
        "path",
        "speed_km_per_day",
        "dispersals",
    ];
    for t in top.opt_tables("caravans", &keys)? {
        let name = t.str("name")?.to_string();
        if b.caravans.iter().any(|c| c.name == name) {
            return Err(t.error_at(
                "name",
                format!("{}: caravan '{name}' is defined twice", t.full("name")),
            ));
        }
        let day = r.day_of(&t)?;
        r.after_end_warning(&t, &format!("caravan '{name}'"), day);
        let origin = r.loc_key(&t, "origin")?;
        let size = t.int("size", 1, i64::MAX, "a whole number of people ≥ 1")? as u64 / r.hasten;
        let source = match t.opt_str("source")? {
            None | Some("waiting") => CaravanSource::Waiting,
            Some("new") => CaravanSource::New,
            Some(_) => return Err(t.bad("source", "\"waiting\" or \"new\"")),
        };
        let names = t.opt_str_list("path")?.ok_or_else(|| t.missing("path"))?;
        if names.is_empty() {
            return Err(t.bad("path", "a list of at least one location"));
        }
        let mut path = Vec::with_capacity(names.len());
        let mut prev = origin;
        for n in names {
            let i = r.loc_name(&t, "path", n)?;
            if !linked(s, prev, i) {
                return Err(t.error_at(
                    "path",
                    format!(
                        "{}: no route between '{}' and '{}'",
                        t.full("path"),
                        s.locations[prev].name,
                        s.locations[i].name
                    ),
                ));
            }
            path.push(i);
            prev = i;
        }
        let speed = t.f64("speed_km_per_day", |x| x > 0.0, "a number > 0")?;
        let dkeys = [
            "place",
            "date",
            "day",
            "continue_share",
            "papers_share",
            "relocate_to",
            "delay_days",
        ];
        let mut dispersals = Vec::new();
        for d in t.opt_tables("dispersals", &dkeys)? {
            let at = if d.has("place") {
                if d.has("date") || d.has("day") {
                    return Err(d.error_at(
                        "place",
                        format!("{}: give place, date or day, only one", d.path),
                    ));
                }
                let p = r.loc_key(&d, "place")?;
                if p != origin && !path.contains(&p) {
                    return Err(d.error_at(
                        "place",
                        format!(
                            "{}: '{}' is not on the caravan's path",
                            d.full("place"),
                            s.locations[p].name
                        ),
                    ));
                }
                DispersalAt::Place(p)
            } else {
                let dd = r.day_of(&d)?;
                DispersalAt::Day(dd.min(u32::MAX as i64) as u32)
            };
            let cont = d.f64("continue_share", is_prob, PROB)?;
            let papers = d.opt_f64("papers_share", is_prob, PROB)?.unwrap_or(0.0);
            if cont + papers > 1.0 + 1e-9 {
                return Err(d.error_at(
                    "papers_share",
                    format!(
                        "{}: continue_share + papers_share is {}, more than 1",
                        d.path,
                        cont + papers
                    ),
                ));
            }
            let relocate_to = match d.has("relocate_to") {
                true => Some(r.loc_key(&d, "relocate_to")?),
                false => None,
            };
            if papers > 0.0 && relocate_to.is_none() {
                return Err(d.missing("relocate_to"));
            }
            dispersals.push(Dispersal {
                at,
                continue_share: cont,
                papers_share: papers,
                relocate_to,
                delay_days: d.opt_int("delay_days", 1, MAX_DAYS, DAYS)?.unwrap_or(1) as u32,
            });
        }
        if size == 0 {
            r.warnings.push(format!(
                "{}: caravan '{name}' has fewer people than one agent (hasten {}); it is empty",
                r.src.file, r.hasten
            ));
        }
        b.caravans.push(Caravan {
            name,
            day: day as u32,
            origin,
            size,
            source,
            path,
            speed_km_per_day: speed,
            dispersals,
        });
    }
    Ok(())
}

/// Keys every event accepts, and those of each action.
const EVENT_COMMON: [&str; 3] = ["date", "day", "action"];

fn action_keys(action: &str) -> Option<&'static [&'static str]> {
    Some(match action {
        "open_port" | "close_port" => &["port"],
        "set_port_capacity" => &["port", "capacity_per_day"],
        "set_walk_ups" => &["port", "walk_ups"],
        "set_appointments_per_day" => &["per_day"],
        "set_appointment_shares" => &["shares"],
        "set_request_probability" => &["request_probability"],
        "set_allocation" => &["allocation", "fifo_share"],
        "set_lead_days" => &["lead_days"],
        "set_eligible" => &["eligible", "eligible_regions"],
        "set_checkpoint_probability" => &["checkpoint", "probability"],
        "set_crossing_hazard" => &["crossing", "hazard"],
        "close_link" | "open_link" => &["from", "to"],
        "set_inflow_scale" => &["inflow", "scale"],
        "set_shelter_capacity" => &["location", "shelter_capacity"],
        "relocate" => &["from", "to", "people", "delay_days"],
        other => return lever_events::action_keys(other),
    })
}

/// Every key any event may have.
fn all_event_keys() -> Vec<&'static str> {
    let mut v: Vec<&str> = EVENT_COMMON.to_vec();
    for a in Action::NAMES {
        v.extend(action_keys(a).unwrap_or(&[]));
    }
    v.sort_unstable();
    v.dedup();
    v
}

fn read_events(
    r: &mut Reader,
    parent: &Tab,
    key: &str,
    s: &Scenario,
    b: &Border,
) -> Result<Vec<Event>, InputError> {
    let keys = all_event_keys();
    let mut out = Vec::new();
    for t in parent.opt_tables(key, &keys)? {
        let day = r.day_of(&t)?;
        let name = t.str("action")?;
        let Some(own) = action_keys(name) else {
            return Err(t.bad("action", &format!("one of {}", Action::NAMES.join(", "))));
        };
        for (k, _) in t.entries() {
            if !EVENT_COMMON.contains(&k) && !own.contains(&k) {
                return Err(t.error_at(
                    k,
                    format!(
                        "key '{}' does not apply to action '{name}' (its keys: {})",
                        t.full(k),
                        own.join(", ")
                    ),
                ));
            }
        }
        if let Some(events) = lever_events::read(r, &t, name, day as u32, s, b)? {
            r.after_end_warning(&t, &format!("event '{name}'"), day);
            out.extend(events);
            continue;
        }
        for k in own {
            let optional = matches!(
                *k,
                "fifo_share" | "eligible" | "eligible_regions" | "inflow"
            );
            if !optional {
                t.require(k)?;
            }
        }
        r.after_end_warning(&t, &format!("event '{name}'"), day);
        let day = day as u32;
        let need_pool = |t: &Tab| -> Result<(), InputError> {
            if b.appointments.is_none() {
                return Err(t.error_at(
                    "action",
                    format!(
                        "{}: action '{name}' needs an [appointments] table",
                        t.full("action")
                    ),
                ));
            }
            Ok(())
        };
        let h = r.hasten as f64;
        let mut push = |action: Action| out.push(Event { day, action });
        match name {
            "open_port" => push(Action::OpenPort {
                port: port_key(r, &t, "port", b)?,
            }),
            "close_port" => push(Action::ClosePort {
                port: port_key(r, &t, "port", b)?,
            }),
            "set_port_capacity" => push(Action::SetPortCapacity {
                port: port_key(r, &t, "port", b)?,
                capacity_per_day: t.f64("capacity_per_day", non_neg, NON_NEG)? / h,
            }),
            "set_walk_ups" => push(Action::SetWalkUps {
                port: port_key(r, &t, "port", b)?,
                walk_ups: t.opt_bool("walk_ups")?.unwrap_or(true),
            }),
            "set_appointments_per_day" => {
                need_pool(&t)?;
                push(Action::SetAppointmentsPerDay {
                    per_day: t.f64("per_day", non_neg, NON_NEG)? / h,
                })
            }
            "set_appointment_shares" => {
                need_pool(&t)?;
                let shares = shares_of(r, &t, "shares", b)?.unwrap_or_default();
                push(Action::SetAppointmentShares { shares })
            }
            "set_request_probability" => {
                need_pool(&t)?;
                push(Action::SetRequestProbability {
                    request_probability: t.f64("request_probability", is_prob, PROB)?,
                })
            }
            "set_allocation" => {
                need_pool(&t)?;
                let allocation = allocation_of(&t)?.ok_or_else(|| t.missing("allocation"))?;
                push(Action::SetAllocation { allocation })
            }
            "set_lead_days" => {
                need_pool(&t)?;
                push(Action::SetLeadDays {
                    lead_days: t.int("lead_days", 0, MAX_SPAN, SPAN_0)? as u32,
                })
            }
            "set_eligible" => {
                need_pool(&t)?;
                let locations = eligible_of(r, &t, s)?.ok_or_else(|| t.missing("eligible"))?;
                push(Action::SetEligible { locations })
            }
            "set_checkpoint_probability" => {
                let n = t.str("checkpoint")?;
                let checkpoint =
                    b.checkpoints
                        .iter()
                        .position(|c| c.name == n)
                        .ok_or_else(|| {
                            r.src.unknown_ref(
                                t.value_line("checkpoint"),
                                "checkpoint",
                                n,
                                "the checkpoints table",
                            )
                        })?;
                push(Action::SetCheckpointProbability {
                    checkpoint,
                    probability: t.f64("probability", is_prob, PROB)?,
                })
            }
            "set_crossing_hazard" => {
                let n = t.str("crossing")?;
                let crossing = b
                    .crossings
                    .iter()
                    .position(|c| c.name == n)
                    .ok_or_else(|| {
                        r.src.unknown_ref(
                            t.value_line("crossing"),
                            "crossing point",
                            n,
                            "the crossings table",
                        )
                    })?;
                push(Action::SetCrossingHazard {
                    crossing,
                    hazard: t.f64("hazard", is_prob, PROB)?,
                })
            }
            "close_link" | "open_link" => {
                let from = r.loc_key(&t, "from")?;
                let to = r.loc_key(&t, "to")?;
                if !linked(s, from, to) {
                    return Err(t.error_at(
                        "to",
                        format!(
                            "{}: no route between '{}' and '{}'",
                            t.path, s.locations[from].name, s.locations[to].name
                        ),
                    ));
                }
                push(if name == "close_link" {
                    Action::CloseLink { from, to }
                } else {
                    Action::OpenLink { from, to }
                })
            }
            "set_inflow_scale" => {
                let scale = t.f64("scale", non_neg, NON_NEG)?;
                if b.inflows.is_empty() {
                    return Err(t.error_at(
                        "action",
                        format!("{}: the scenario has no inflows", t.full("action")),
                    ));
                }
                match t.opt_str("inflow")? {
                    Some(n) => {
                        let loc = r.loc_name(&t, "inflow", n)?;
                        let inflow = b
                            .inflows
                            .iter()
                            .position(|i| i.location == loc)
                            .ok_or_else(|| {
                                r.src.unknown_ref(
                                    t.value_line("inflow"),
                                    "inflow at",
                                    n,
                                    "the inflows table",
                                )
                            })?;
                        push(Action::SetInflowScale { inflow, scale })
                    }
                    None => {
                        for inflow in 0..b.inflows.len() {
                            push(Action::SetInflowScale { inflow, scale })
                        }
                    }
                }
            }
            "set_shelter_capacity" => {
                let location = r.loc_key(&t, "location")?;
                let beds =
                    t.int("shelter_capacity", 0, i64::MAX, "a whole number ≥ 0")? as u64 / r.hasten;
                push(Action::SetShelterCapacity {
                    location,
                    shelter_capacity: Some(beds),
                })
            }
            "relocate" => push(relocate_action(r, &t, b)?),
            _ => unreachable!("action_keys covers every name"),
        }
    }
    out.sort_by_key(|e| e.day);
    Ok(out)
}

/// `[[papers]]`: offices where people wait for papers (docs/scenario-format.md).
fn read_papers(r: &mut Reader, top: &Tab, b: &mut Border) -> Result<(), InputError> {
    let keys = [
        "location",
        "seek_share",
        "days_min",
        "days_max",
        "give_up_share",
        "give_up_days_min",
        "give_up_days_max",
        "bus_to",
        "bus_days",
    ];
    for t in top.opt_tables("papers", &keys)? {
        let location = r.loc_key(&t, "location")?;
        if b.papers.iter().any(|o| o.location == location) {
            return Err(t.error_at(
                "location",
                format!(
                    "{}: a second papers office at '{}'",
                    t.full("location"),
                    t.str("location")?
                ),
            ));
        }
        let range = |lo: &str, hi: &str| -> Result<DayRange, InputError> {
            let min = t.int(lo, 1, MAX_SPAN, SPAN_1)? as u32;
            let max = t
                .opt_int(hi, 1, MAX_SPAN, SPAN_1)?
                .map_or(min, |x| x as u32);
            if max < min {
                return Err(t.error_at(
                    hi,
                    format!("{}: {max} is below {} ({min})", t.full(hi), t.full(lo)),
                ));
            }
            Ok(DayRange { min, max })
        };
        let days = range("days_min", "days_max")?;
        let give_up_share = t.opt_f64("give_up_share", is_prob, PROB)?.unwrap_or(0.0);
        let give_up_days = if t.has("give_up_days_min") {
            range("give_up_days_min", "give_up_days_max")?
        } else if give_up_share > 0.0 {
            return Err(t.missing("give_up_days_min"));
        } else {
            days
        };
        let bus_to = match t.opt_str("bus_to")? {
            Some(n) => Some(r.loc_name(&t, "bus_to", n)?),
            None => None,
        };
        let bus_days = match (bus_to, t.opt_int("bus_days", 1, MAX_SPAN, SPAN_1)?) {
            (Some(_), None) => return Err(t.missing("bus_days")),
            (None, Some(_)) => {
                return Err(t.error_at("bus_days", format!("{}: needs bus_to", t.full("bus_days"))))
            }
            (_, d) => d.unwrap_or(1) as u32,
        };
        b.papers.push(PapersOffice {
            location,
            seek_share: t.f64("seek_share", is_prob, PROB)?,
            days,
            give_up_share,
            give_up_days,
            bus_to,
            bus_days,
        });
    }
    Ok(())
}

/// The `relocate` event: people waiting for papers at `from` (which must have a
/// papers office) are moved to `to`, arriving after `delay_days`.
fn relocate_action(r: &Reader, t: &Tab, b: &Border) -> Result<Action, InputError> {
    let from = r.loc_key(t, "from")?;
    if !b.papers.iter().any(|o| o.location == from) {
        return Err(t.error_at(
            "from",
            format!(
                "{}: no [[papers]] office at '{}' (a relocation moves people waiting for papers)",
                t.full("from"),
                t.str("from")?
            ),
        ));
    }
    let to = r.loc_key(t, "to")?;
    let people = t.int("people", 1, i64::MAX, "a whole number of people ≥ 1")? as u64 / r.hasten;
    let delay_days = t.int("delay_days", 1, MAX_SPAN, SPAN_1)? as u32;
    Ok(Action::Relocate {
        from,
        to,
        people,
        delay_days,
    })
}

fn read_variants(
    r: &mut Reader,
    top: &Tab,
    s: &Scenario,
    b: &mut Border,
) -> Result<(), InputError> {
    for t in top.opt_tables("variants", &["name", "description", "events"])? {
        let name = t.str("name")?.to_string();
        if b.variants.iter().any(|v| v.name == name) {
            return Err(t.error_at(
                "name",
                format!("{}: variant '{name}' is defined twice", t.full("name")),
            ));
        }
        let description = t.opt_str("description")?.unwrap_or("").to_string();
        let events = read_events(r, &t, "events", s, b)?;
        b.variants.push(Variant {
            name,
            description,
            events,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(map: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |p: &str| {
            map.iter()
                .find(|(k, _)| *k == p)
                .map(|(_, v)| v.to_string())
        }
    }

    const LOCS: &str = "name,kind,lat,lon,country,region,population,shelter_capacity\nA,town,14.9,-92.3,Mexico,Chiapas,1000,140\nB,town,16.4,-95.0,Mexico,Oaxaca,,\nP,port,32.5,-117.0,USA,California,,\n";
    const ROUTES: &str = "from,to,distance_km\nA,B,400\nB,P,2000\n";
    const PORTS: &str = "port,border_city,field_office,sector,capacity_per_day\nP,B,San Diego Field Office,San Diego Sector,100\n";

    fn read(toml: &str) -> Result<ScenarioInstance, InputError> {
        static FILES: [(&str, &str); 3] = [
            ("locations.csv", LOCS),
            ("routes.csv", ROUTES),
            ("ports.csv", PORTS),
        ];
        read_scenario_str("scenario.toml", toml, &files(&FILES))
    }

    const HEAD: &str = "name = \"t\"\nstart_date = \"2023-12-01\"\ndays = 10\n[tables]\nlocations = \"locations.csv\"\nroutes = \"routes.csv\"\nports = \"ports.csv\"\n";

    #[test]
    fn formula_like_names_warn_once() {
        let mut s = read(HEAD).unwrap().scenario;
        assert!(formula_warnings(&s).is_empty());
        s.locations[0].name = "=HYPERLINK(\"x\")".into();
        s.locations[1].name = "@B".into();
        s.border.ports[0].sector = "-S".into();
        let w = formula_warnings(&s);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[0].starts_with("location '=HYPERLINK(\"x\")' starts with '='"),
            "{}",
            w[0]
        );
        assert!(w[2].starts_with("sector '-S' starts with '-'"), "{}", w[2]);
    }

    #[test]
    fn dot_folders_are_named() {
        assert_eq!(named_dir(Path::new("a/./b/.")), PathBuf::from("a/b"));
        let here = named_dir(Path::new("."));
        assert!(here.is_absolute(), "{}", here.display());
    }

    #[test]
    fn minimal_scenario() {
        let inst = read(HEAD).unwrap();
        let s = &inst.scenario;
        assert_eq!(s.locations.len(), 3);
        assert_eq!(s.locations[0].shelter_capacity, Some(140));
        assert_eq!(s.locations[1].shelter_capacity, None);
        assert!(s.locations[2].foreign);
        assert_eq!(s.links.len(), 2);
        assert_eq!(s.border.ports[0].capacity_per_day, 100.0);
        assert_eq!(inst.inputs.len(), 4);
        assert_eq!(inst.inputs[0].path, "locations.csv");
    }

    #[test]
    fn events_with_dates_and_days() {
        let t = format!("{HEAD}[[events]]\ndate = \"2023-12-04\"\naction = \"close_port\"\nport = \"P\"\n[[events]]\nday = 1\naction = \"set_port_capacity\"\nport = \"P\"\ncapacity_per_day = 50\n");
        let s = read(&t).unwrap().scenario;
        assert_eq!(
            s.border.events,
            vec![
                Event {
                    day: 1,
                    action: Action::SetPortCapacity {
                        port: 0,
                        capacity_per_day: 50.0
                    }
                },
                Event {
                    day: 3,
                    action: Action::ClosePort { port: 0 }
                },
            ]
        );
    }

    #[test]
    fn error_messages() {
        let e = read(&format!(
            "{HEAD}[[events]]\nday = 1\naction = \"close_port\"\nport = \"Q\"\n"
        ))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenario.toml:11: port 'Q' is not defined in the ports table"
        );
        let e = read(&format!(
            "{HEAD}[[events]]\nday = 1\naction = \"close_port\"\nport = \"P\"\nhazard = 0.1\n"
        ))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenario.toml:12: key 'events[1].hazard' does not apply to action 'close_port' (its keys: port)"
        );
        let e = read("name = \"t\"\nstart_date = \"2023-12-01\"\ndays = 10\n[tables]\nlocations = \"nope.csv\"\nroutes = \"routes.csv\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenario.toml:5: tables.locations: file 'nope.csv' not found"
        );
    }
}
