//! Reads a Flee instance directory (docs/flee-rules.md §1) into a [`Scenario`].
//!
//! Layouts accepted: FabFlee's `input_csv/ + source_data/ + simsetting.yml`, and a
//! flat directory with the CSVs side by side; the observed data may live in
//! `source_data/`, `refugee_data/` (next to the CSVs or at the top) or in the
//! directory itself, wherever `data_layout.csv` is found first.
//!
//! Invariants established for the engine (see `corridor_model::scenario`): names
//! are unique, every index is valid, numbers are finite and non-negative, and
//! populations, capacities and series are divided by `optimisations.hasten`.
//! Where Flee would crash on a file, corridor stops with an [`InputError`] naming
//! the file, line and field; where Flee only prints a message and goes on
//! (unknown names in conflicts.csv, unused data rows), corridor adds a warning.
//! Every file read is hashed (SHA-256) so run summaries can name their inputs.

use crate::error::InputError;
use crate::text::{self, Record};
use corridor_model::{
    CampData, Closure, ClosureTarget, ConflictSchedule, DataTable, Date, Demographic,
    FloodSchedule, Link, Location, LocationKind, Scenario, Series, Settings,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use crate::yaml::read_settings;

/// One file that was read, for `summary.json`'s `inputs` (written there as
/// `write::InputDigest`, with the same field names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Path relative to the input directory, `/`-separated.
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// A Flee instance as read: the scenario, what the user should know about it, and
/// the files it came from (sorted by path).
#[derive(Debug, Clone)]
pub struct FleeInstance {
    pub scenario: Scenario,
    pub warnings: Vec<String>,
    pub inputs: Vec<InputFile>,
}

/// Longest simulation accepted (Length in sim_period.csv), about 270 years; it
/// keeps a typo from asking the engine for billions of days.
pub const MAX_DAYS: i64 = 100_000;

/// Optional Flee inputs corridor does not model; present ones produce a warning.
const UNSUPPORTED_FILES: [&str; 4] = [
    "location_changes.csv",
    "agents.csv",
    "region_attributes_IPC.csv",
    "major_routes.csv",
];

/// True when `dir` holds a Flee instance (a `locations.csv` in `input_csv/` or in `dir`).
pub fn is_flee_instance(dir: &Path) -> bool {
    dir.join("input_csv").join("locations.csv").is_file() || dir.join("locations.csv").is_file()
}

/// Reads the Flee instance in `dir`.
pub fn read_flee_instance(dir: &Path) -> Result<FleeInstance, InputError> {
    read_instance(dir, None)
}

/// Reads the Flee instance in `dir` with its observed data taken from
/// `source_data` instead of its own `source_data/`: a directory in that layout
/// (`data_layout.csv` and the series it names), or that `data_layout.csv`
/// itself. Everything the data drive reads them (camp series, the total,
/// data-driven spawning, registration corrections), as if the instance had been
/// updated with newer data; their files are listed in the inputs.
pub fn read_flee_instance_with_data(
    dir: &Path,
    source_data: &Path,
) -> Result<FleeInstance, InputError> {
    read_instance(dir, Some(source_data))
}

fn read_instance(dir: &Path, source_data: Option<&Path>) -> Result<FleeInstance, InputError> {
    let input = if dir.join("input_csv").join("locations.csv").is_file() {
        dir.join("input_csv")
    } else if dir.join("locations.csv").is_file() {
        dir.to_path_buf()
    } else if !dir.is_dir() {
        return Err(InputError::NotAnInstance {
            dir: dir.display().to_string(),
            reason: "no such directory".into(),
        });
    } else {
        return Err(InputError::NotAnInstance {
            dir: dir.display().to_string(),
            reason: "no input_csv/locations.csv or locations.csv in it".into(),
        });
    };
    let mut r = Reader {
        root: dir.to_path_buf(),
        files: BTreeMap::new(),
        warnings: Vec::new(),
        series_cache: HashMap::new(),
    };

    let settings = r.settings(&input)?;
    let hasten = settings.optimisations.hasten.max(1) as u64;
    let (start_date, days) = r.sim_period(&input)?;
    let locs = r.locations(&input.join("locations.csv"), hasten)?;
    let links = r.routes(&input.join("routes.csv"), &locs)?;
    let closures = r.closures(&input.join("closures.csv"), &locs, &links)?;
    // Flee reads conflicts.csv only without flood rules, flood_level.csv only
    // with flood-driven spawning (InputGeography.ReadLocationsFromCSV).
    let conflicts_path = input.join("conflicts.csv");
    let floods_path = input.join("flood_level.csv");
    let conflicts = if settings.flood_rules_enabled() {
        if conflicts_path.is_file() {
            let w = format!(
                "{}: not read with flood rules (as in Flee); ignored",
                r.rel(&conflicts_path)
            );
            r.warnings.push(w);
        }
        None
    } else {
        r.conflicts(&conflicts_path, &locs, days)?
    };
    let floods = if settings.spawn_rules.flood_driven_spawning.is_some() {
        Some(r.floods(&floods_path, &locs, days)?)
    } else {
        if floods_path.is_file() {
            let w = format!(
                "{}: not read without flood-driven spawning (spawn_rules.flood_zone_spawning_only and flood_driven_spawn_mode, as Flee reads them); ignored",
                r.rel(&floods_path)
            );
            r.warnings.push(w);
        }
        None
    };
    let data = r.data(
        dir,
        &input,
        source_data,
        &locs,
        start_date,
        hasten,
        &settings,
    )?;
    let demographics = r.demographics(&input, &locs)?;
    for name in UNSUPPORTED_FILES {
        let p = input.join(name);
        if p.is_file() {
            let w = format!("{} is not supported by corridor and was ignored", r.rel(&p));
            r.warnings.push(w);
        }
    }

    let mut scenario = Scenario::new(&instance_name(dir), start_date, days);
    scenario.settings = settings;
    scenario.locations = locs.list;
    scenario.links = links;
    scenario.closures = closures;
    scenario.conflicts = conflicts;
    scenario.floods = floods;
    scenario.data = data;
    scenario.demographics = demographics;
    let inputs = r
        .files
        .into_iter()
        .map(|(path, sha256)| InputFile { path, sha256 })
        .collect();
    Ok(FleeInstance {
        scenario,
        warnings: r.warnings,
        inputs,
    })
}

/// The directory's own name (`mali2012`), also for `.` and trailing slashes.
fn instance_name(dir: &Path) -> String {
    let named = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    named(dir)
        .or_else(|| dir.canonicalize().ok().as_deref().and_then(named))
        .unwrap_or_else(|| "flee".into())
}

/// Locations as read, with what later files need to refer back to them.
struct Locations {
    list: Vec<Location>,
    /// Line of each location in locations.csv.
    lines: Vec<usize>,
    /// Every location of each name as written in locations.csv, in file order
    /// (more than one when a name is defined twice; Flee keeps them all).
    index: HashMap<String, Vec<usize>>,
    rel: String,
}

impl Locations {
    /// The location Flee's name lookups that keep the last match find (routes,
    /// link and camp closures, data rows: `lm[name]` in run.py).
    fn last(&self, name: &str) -> Option<usize> {
        self.index.get(name).and_then(|v| v.last().copied())
    }

    /// The location Flee's lookups that stop at the first match find (conflict
    /// onsets: `add_conflict_zone`).
    fn first(&self, name: &str) -> Option<usize> {
        self.index.get(name).and_then(|v| v.first().copied())
    }

    /// Every location with the name (location closures, flood levels and
    /// demographic columns reach them all).
    fn all(&self, name: &str) -> &[usize] {
        self.index.get(name).map_or(&[], |v| v.as_slice())
    }

    /// [`Locations::last`], or the error "location 'X' is not defined in locations.csv".
    fn find(&self, name: &str, path: &str, line: usize) -> Result<usize, InputError> {
        self.last(name).ok_or_else(|| InputError::UnknownReference {
            path: path.to_string(),
            line,
            what: "location".into(),
            name: name.to_string(),
            defined_in: self.rel.clone(),
        })
    }
}

/// Reading state: the instance root, hashes of the files read, warnings.
struct Reader {
    root: PathBuf,
    files: BTreeMap<String, String>,
    warnings: Vec<String>,
    /// Parsed series by file, as several data_layout rows may name the same file.
    series_cache: HashMap<PathBuf, Series>,
}

impl Reader {
    /// `p` relative to the instance directory, `/`-separated.
    fn rel(&self, p: &Path) -> String {
        // A file outside the instance (data given instead of its own) is shown
        // as given.
        let Ok(shown) = p.strip_prefix(&self.root) else {
            return p.display().to_string();
        };
        let parts: Vec<String> = shown
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.is_empty() {
            p.display().to_string()
        } else {
            parts.join("/")
        }
    }

    /// Reads and hashes a file; `None` when it does not exist.
    fn read_optional(&mut self, p: &Path) -> Result<Option<Vec<u8>>, InputError> {
        match crate::text::read_capped(p) {
            Ok(bytes) => {
                let hash = Sha256::digest(&bytes);
                let hex = hash.iter().map(|b| format!("{b:02x}")).collect();
                self.files.insert(self.rel(p), hex);
                Ok(Some(bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(InputError::Io {
                path: self.rel(p),
                message: e.to_string(),
            }),
        }
    }

    /// Reads and hashes a required file.
    fn read(&mut self, p: &Path, needed_for: &str) -> Result<Vec<u8>, InputError> {
        self.read_optional(p)?
            .ok_or_else(|| InputError::MissingFile {
                path: self.rel(p),
                needed_for: needed_for.to_string(),
            })
    }

    /// Records of a required CSV file, with its shown path.
    fn csv(&mut self, p: &Path, needed_for: &str) -> Result<(String, Vec<Record>), InputError> {
        let bytes = self.read(p, needed_for)?;
        let rel = self.rel(p);
        let records = text::parse_csv(&rel, &bytes)?;
        Ok((rel, records))
    }

    /// Records of an optional CSV file.
    fn csv_optional(&mut self, p: &Path) -> Result<Option<(String, Vec<Record>)>, InputError> {
        match self.read_optional(p)? {
            Some(bytes) => {
                let rel = self.rel(p);
                let records = text::parse_csv(&rel, &bytes)?;
                Ok(Some((rel, records)))
            }
            None => Ok(None),
        }
    }

    /// simsetting.yml at the top, else next to the CSVs; Flee's defaults without one.
    fn settings(&mut self, input: &Path) -> Result<Settings, InputError> {
        let candidates = [
            self.root.join("simsetting.yml"),
            input.join("simsetting.yml"),
        ];
        for p in candidates {
            if let Some(bytes) = self.read_optional(&p)? {
                let (settings, warnings) = crate::yaml::parse_settings(&bytes, &self.rel(&p))?;
                self.warnings.extend(warnings);
                return Ok(settings);
            }
        }
        self.warnings
            .push("simsetting.yml not found: using Flee's default settings".into());
        Ok(Settings::default())
    }

    /// sim_period.csv (or v3.1's conflict_period.csv): `StartDate` and `Length`.
    fn sim_period(&mut self, input: &Path) -> Result<(Date, u32), InputError> {
        let p = input.join("sim_period.csv");
        let (rel, records) = match self.csv_optional(&p)? {
            Some(found) => found,
            None => {
                let old = input.join("conflict_period.csv");
                match self.csv_optional(&old)? {
                    Some(found) => found,
                    None => {
                        return Err(InputError::MissingFile {
                            path: self.rel(&p),
                            needed_for: "the start date and length of the simulation".into(),
                        })
                    }
                }
            }
        };
        let (mut start, mut length) = (None, None);
        for rec in records.iter().filter(|r| !r.is_comment()) {
            match rec.field(0).to_ascii_lowercase().as_str() {
                "startdate" => start = Some(rec.cell(&rel, 1, "StartDate").date()?),
                "length" => {
                    let c = rec.cell(&rel, 1, "Length");
                    let expected = format!("a whole number of days between 1 and {MAX_DAYS}");
                    match text::parse_int(c.text) {
                        Some(n) if (1..=MAX_DAYS).contains(&n) => length = Some(n as u32),
                        _ => return Err(c.bad(&expected)),
                    }
                }
                _ => {}
            }
        }
        let missing = |what: &str| InputError::Invalid {
            path: rel.clone(),
            line: None,
            message: format!("no {what} row"),
        };
        let start = start.ok_or_else(|| missing("StartDate (expected 'StartDate,YYYY-MM-DD')"))?;
        let length = length.ok_or_else(|| missing("Length (expected 'Length,<days>')"))?;
        Ok((start, length))
    }

    /// locations.csv (docs/flee-rules.md §1.1).
    fn locations(&mut self, p: &Path, hasten: u64) -> Result<Locations, InputError> {
        let (rel, records) = self.csv(p, "the list of locations")?;
        let mut attr_names: Vec<String> = Vec::new();
        let mut list = Vec::new();
        let mut lines = Vec::new();
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        let mut home_country: Option<String> = None;
        for rec in &records {
            if rec.is_comment() {
                // A `#` row with more than 8 fields names the custom attribute columns.
                if rec.fields.len() > 8 {
                    attr_names.extend(rec.fields[8..].iter().cloned());
                }
                continue;
            }
            rec.require_fields(&rel, 6, format_args!("at least 6 fields (name,region,country,lat,lon,location_type[,conflict_date,population])"))?;
            let name = rec.cell(&rel, 0, "name").name()?.to_string();
            let type_cell = rec.cell(&rel, 5, "location_type");
            let kind = LocationKind::parse_flee(type_cell.text).ok_or_else(|| {
                type_cell.bad(
                    "a location type (conflict_zone, town, camp, idpcamp, forwarding_hub, marker, flood_zone)",
                )
            })?;
            let conflict_date =
                if kind == LocationKind::ConflictZone {
                    let c = rec.cell(&rel, 6, "conflict_date");
                    match text::parse_int(c.text) {
                        Some(d) if d >= 0 => Some(d),
                        _ => return Err(c.bad(
                            "a whole number ≥ 0 (the day the conflict starts; 0 = from the start)",
                        )),
                    }
                } else {
                    None
                };
            let pop_cell = rec.cell(&rel, 7, "population");
            let (population, capacity) = if kind.is_camp() {
                // Flee: a camp's population column is its capacity; < 1 means unlimited.
                let cap = if pop_cell.is_empty() {
                    0
                } else {
                    pop_cell.int().map_err(|_| {
                        pop_cell.bad("a whole number (the camp's capacity; < 1 = unlimited)")
                    })?
                };
                let cap = cap.div_euclid(hasten as i64);
                (0, (cap >= 1).then_some(cap as u64))
            } else {
                (pop_cell.uint_or(0)? / hasten, None)
            };
            let mut loc = Location::new(&name, kind);
            let text_or = |i: usize| match rec.field(i) {
                "" => "unknown".to_string(),
                s => s.to_string(),
            };
            loc.region = text_or(1);
            loc.country = text_or(2);
            loc.lat = rec.cell(&rel, 3, "latitude").float_or(0.0)?;
            loc.lon = rec.cell(&rel, 4, "longitude").float_or(0.0)?;
            loc.conflict_date = conflict_date;
            loc.population = population;
            loc.capacity = capacity;
            for (column, key, value) in extra_attributes(&rel, rec, 8, &attr_names)? {
                let cell = rec.cell(&rel, column, key);
                match key {
                    "conflict_intensity" => loc.conflict_intensity = cell.non_negative()?,
                    "initial_idps" => loc.initial_idps = cell.uint()? / hasten,
                    "capacity_per_day" => loc.capacity_per_day = cell.uint()? / hasten,
                    _ => {}
                }
                loc.attributes.insert(key.to_string(), value.to_string());
            }
            let home = home_country.get_or_insert_with(|| loc.country.clone());
            loc.foreign = loc.country != *home;
            index.entry(name).or_default().push(list.len());
            list.push(loc);
            lines.push(rec.line);
        }
        self.rename_duplicates(&rel, &mut list, &lines, &index);
        if list.is_empty() {
            return Err(InputError::Invalid {
                path: rel,
                line: None,
                message: "no locations (every row is empty or a '#' comment)".into(),
            });
        }
        Ok(Locations {
            list,
            lines,
            index,
            rel,
        })
    }

    /// A name defined more than once: Flee keeps every location (see
    /// [`Locations`] for which one each table reaches). corridor keeps them too,
    /// renames the second and later ones `name#2`, `name#3`, ... (skipping names
    /// already taken) so that its own outputs stay unambiguous, records the
    /// written name in `flee_name`, and warns.
    fn rename_duplicates(
        &mut self,
        rel: &str,
        list: &mut [Location],
        lines: &[usize],
        index: &HashMap<String, Vec<usize>>,
    ) {
        let mut taken: std::collections::HashSet<String> =
            list.iter().map(|l| l.name.clone()).collect();
        let mut dups: Vec<&Vec<usize>> = index.values().filter(|v| v.len() > 1).collect();
        dups.sort();
        for v in dups {
            let name = list[v[0]].name.clone();
            let mut k = 2;
            for &i in v {
                list[i].flee_name = Some(name.clone());
                if i == v[0] {
                    continue;
                }
                while taken.contains(&format!("{name}#{k}")) {
                    k += 1;
                }
                let new = format!("{name}#{k}");
                taken.insert(new.clone());
                self.warnings.push(format!(
                    "{rel}:{}: location '{name}' is defined again (first at line {}); Flee keeps both (routes, camp closures and data rows reach the last one, conflict onsets the first, location closures and flood levels every one); corridor's outputs call this one '{new}'",
                    lines[i], lines[v[0]]
                ));
                list[i].name = new;
            }
        }
    }

    /// routes.csv (docs/flee-rules.md §1.2): one [`Link`] per row, used in both directions.
    fn routes(&mut self, p: &Path, locs: &Locations) -> Result<Vec<Link>, InputError> {
        let (rel, records) = self.csv(p, "the routes between locations")?;
        let mut attr_names: Vec<String> = Vec::new();
        let mut links = Vec::new();
        let mut seen: HashMap<(usize, usize), usize> = HashMap::new();
        for rec in &records {
            if rec.is_comment() {
                if rec.fields.len() > 4 {
                    attr_names.extend(rec.fields[4..].iter().cloned());
                }
                continue;
            }
            rec.require_fields(
                &rel,
                3,
                format_args!("at least 3 fields (name1,name2,distance[,forced_redirection])"),
            )?;
            let a = locs.find(rec.cell(&rel, 0, "name1").name()?, &rel, rec.line)?;
            let b = locs.find(rec.cell(&rel, 1, "name2").name()?, &rel, rec.line)?;
            let distance = rec
                .cell(&rel, 2, "distance")
                .float_where(|d| d >= 0.0, "a distance in km ≥ 0")?;
            let fr = rec.cell(&rel, 3, "forced_redirection");
            let forced_redirection = match fr.text {
                "" => 0,
                t => match text::parse_int(t) {
                    Some(v @ 0..=2) => v as u8,
                    _ => return Err(fr.bad("0, 1 or 2")),
                },
            };
            if a == b {
                return Err(InputError::Malformed {
                    path: rel.clone(),
                    line: rec.line,
                    message: format!("a route from '{}' to itself", locs.list[a].name),
                });
            }
            let mut link = Link::new(a, b, distance);
            link.forced_redirection = forced_redirection;
            for (column, key, value) in extra_attributes(&rel, rec, 4, &attr_names)? {
                let cell = rec.cell(&rel, column, key);
                match key {
                    "max_move_speed" => {
                        link.max_move_speed =
                            Some(cell.float_where(|v| v > 0.0, "a speed in km/day > 0")?)
                    }
                    "walk_probability" => {
                        link.walk_probability = cell.float_where(
                            |v| (0.0..=1.0).contains(&v),
                            "a probability between 0 and 1",
                        )?
                    }
                    _ => {}
                }
                link.attributes.insert(key.to_string(), value.to_string());
            }
            let pair = (a.min(b), a.max(b));
            if let Some(first) = seen.get(&pair) {
                self.warnings.push(format!(
                    "{rel}:{}: route {}–{} repeats line {first}; both are kept (as Flee does), which doubles that route's weight",
                    rec.line, locs.list[a].name, locs.list[b].name
                ));
            } else {
                seen.insert(pair, rec.line);
            }
            links.push(link);
        }
        Ok(links)
    }

    /// closures.csv (docs/flee-rules.md §1.3); optional.
    fn closures(
        &mut self,
        p: &Path,
        locs: &Locations,
        links: &[Link],
    ) -> Result<Vec<Closure>, InputError> {
        let Some((rel, records)) = self.csv_optional(p)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for rec in records.iter().filter(|r| !r.is_comment()) {
            rec.require_fields(
                &rel,
                5,
                format_args!("5 fields (closure_type,name1,name2,closure_start,closure_end)"),
            )?;
            let kind_cell = rec.cell(&rel, 0, "closure_type");
            let start = rec.cell(&rel, 3, "closure_start").int()?;
            let end = rec.cell(&rel, 4, "closure_end").int()?;
            let name1 = || rec.cell(&rel, 1, "name1").name();
            let name2 = || rec.cell(&rel, 2, "name2").name();
            let link_between = |a: usize, b: usize| {
                links
                    .iter()
                    .any(|l| (l.from, l.to) == (a, b) || (l.from, l.to) == (b, a))
            };
            let target = match kind_cell.text.to_ascii_lowercase().as_str() {
                "country" => {
                    let (a, b) = (name1()?.to_string(), name2()?.to_string());
                    for c in [&a, &b] {
                        if !locs.list.iter().any(|l| &l.country == c) {
                            self.warnings.push(format!(
                                "{rel}:{}: no location is in country '{c}'; this closure has no effect",
                                rec.line
                            ));
                        }
                    }
                    ClosureTarget::Country { a, b }
                }
                "location" => {
                    // Flee closes the links of every location with the name.
                    let name = name1()?;
                    let last = locs.find(name, &rel, rec.line)?;
                    for &i in locs.all(name).iter().filter(|&&i| i != last) {
                        out.push(Closure {
                            target: ClosureTarget::Location(i),
                            start,
                            end,
                        });
                    }
                    ClosureTarget::Location(last)
                }
                kind @ ("link" | "remove_forced_redirection") => {
                    let a = locs.find(name1()?, &rel, rec.line)?;
                    let b = locs.find(name2()?, &rel, rec.line)?;
                    if !link_between(a, b) {
                        self.warnings.push(format!(
                            "{rel}:{}: no route joins '{}' and '{}'; this closure has no effect",
                            rec.line, locs.list[a].name, locs.list[b].name
                        ));
                    }
                    if kind == "link" {
                        ClosureTarget::Link(a, b)
                    } else {
                        ClosureTarget::RemoveForcedRedirection(a, b)
                    }
                }
                kind @ ("camp" | "idpcamp") => {
                    let i = locs.find(name1()?, &rel, rec.line)?;
                    let l = &locs.list[i];
                    if !l.kind.is_camp() {
                        return Err(InputError::Invalid {
                            path: rel.clone(),
                            line: Some(rec.line),
                            message: format!(
                                "closure type '{kind}' needs a camp, but '{}' is a {} ({}:{})",
                                l.name,
                                l.kind.as_str(),
                                locs.rel,
                                locs.lines[i]
                            ),
                        });
                    }
                    ClosureTarget::Camp(i)
                }
                _ => {
                    return Err(kind_cell.bad(
                        "one of country, location, link, camp, idpcamp, remove_forced_redirection",
                    ))
                }
            };
            out.push(Closure { target, start, end });
        }
        Ok(out)
    }

    /// conflicts.csv (docs/flee-rules.md §1.4); optional for corridor (Flee requires it).
    fn conflicts(
        &mut self,
        p: &Path,
        locs: &Locations,
        days: u32,
    ) -> Result<Option<ConflictSchedule>, InputError> {
        let Some((rel, records)) = self.csv_optional(p)? else {
            self.warnings.push(format!(
                "{} not found: conflict zones are the locations.csv rows with conflict_date 0, for the whole run",
                self.rel(p)
            ));
            return Ok(None);
        };
        let Some((header, rows)) = records.split_first() else {
            return Err(empty_day_table(rel));
        };
        // (column in the row, location index); column 0 is the day label.
        let mut columns: Vec<(usize, usize)> = Vec::new();
        let mut first_col: HashMap<usize, usize> = HashMap::new();
        for (col, name) in header.fields.iter().enumerate().skip(1) {
            if name.is_empty() {
                continue; // a trailing comma
            }
            // Flee's onsets (add_conflict_zone) reach the first location of a name.
            match locs.first(name.as_str()) {
                Some(i) => {
                    if let Some(&prev) = first_col.get(&i) {
                        return Err(InputError::Malformed {
                            path: rel.clone(),
                            line: header.line,
                            message: format!(
                                "location '{name}' has two columns ({} and {})",
                                prev + 1,
                                col + 1
                            ),
                        });
                    }
                    first_col.insert(i, col);
                    columns.push((col, i));
                }
                None => self.warnings.push(format!(
                    "{rel}:{}: column {} '{name}' is not a location in {}; the column is ignored",
                    header.line,
                    col + 1,
                    locs.rel
                )),
            }
        }
        let intensity = day_by_location(
            &rel,
            rows.iter().filter(|r| !r.is_comment()),
            &columns,
            locs,
            "value",
            |c| c.float_where(|v| v >= 0.0, "a conflict intensity ≥ 0 (0 = no conflict)"),
        )?;
        if intensity.len() < days as usize && !columns.is_empty() {
            // Flee runs until it needs the missing row; so does corridor (a run
            // past the last row is refused before it starts).
            self.warnings
                .push(short_day_table(&rel, intensity.len(), days));
        }
        Ok(Some(ConflictSchedule {
            locations: columns.into_iter().map(|c| c.1).collect(),
            intensity,
        }))
    }

    /// flood_level.csv (DFlee): a header `#Day,<location>,...` (names trimmed) and
    /// one row per day from day 0, read by position as Flee does; levels are
    /// numbers ≥ 0 of which Flee keeps the whole part. A name defined twice gets
    /// its column's levels at every location of the name.
    fn floods(
        &mut self,
        p: &Path,
        locs: &Locations,
        days: u32,
    ) -> Result<FloodSchedule, InputError> {
        let (rel, records) = self.csv(p, "the flood levels of flood-driven spawning")?;
        let Some((header, rows)) = records.split_first() else {
            return Err(empty_day_table(rel));
        };
        // (column in the row, location index), one entry per location of a name.
        let mut columns: Vec<(usize, usize)> = Vec::new();
        for (col, name) in header.fields.iter().enumerate().skip(1) {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            match locs.all(name) {
                [] => self.warnings.push(format!(
                    "{rel}:{}: column {} '{name}' is not a location in {}; the column is ignored (as in Flee)",
                    header.line,
                    col + 1,
                    locs.rel
                )),
                all => columns.extend(all.iter().map(|&i| (col, i))),
            }
        }
        let level = day_by_location(
            &rel,
            rows.iter()
                .filter(|r| !r.is_comment() && r.fields.iter().any(|f| !f.is_empty())),
            &columns,
            locs,
            "flood level",
            |c| {
                c.float_where(
                    |v| (0.0..4.0e9).contains(&v),
                    "a flood level ≥ 0 (0 = no flood)",
                )
                .map(|v| v.trunc() as u32)
            },
        )?;
        if level.len() < days as usize {
            self.warnings.push(short_day_table(&rel, level.len(), days));
        }
        Ok(FloodSchedule {
            locations: columns.into_iter().map(|c| c.1).collect(),
            level,
        })
    }

    /// The directory of data given instead of the instance's own: `g` itself
    /// when it holds a `data_layout.csv`, or the directory of `g` when `g` is
    /// that file.
    fn given_data_dir(&self, g: &Path) -> Result<PathBuf, InputError> {
        let needed_for =
            "the observed data given instead of the instance's source_data/".to_string();
        if g.is_file() && g.file_name().is_some_and(|n| n == "data_layout.csv") {
            return Ok(g
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf));
        }
        if g.join("data_layout.csv").is_file() {
            return Ok(g.to_path_buf());
        }
        if g.is_file() {
            return Err(InputError::Invalid {
                path: self.rel(g),
                line: None,
                message: "expected data in the layout of a Flee instance's source_data/: a \
                          directory holding data_layout.csv, or that data_layout.csv"
                    .into(),
            });
        }
        let path = if g.is_dir() {
            self.rel(&g.join("data_layout.csv"))
        } else {
            self.rel(g)
        };
        Err(InputError::MissingFile { path, needed_for })
    }

    /// data_layout.csv, the series it names, registration corrections and
    /// `empty_camps_on_day0` (docs/flee-rules.md §1.6–§1.8), from the instance's
    /// own data directory or from `given` ([`read_flee_instance_with_data`]).
    #[allow(clippy::too_many_arguments)]
    fn data(
        &mut self,
        dir: &Path,
        input: &Path,
        given: Option<&Path>,
        locs: &Locations,
        start: Date,
        hasten: u64,
        settings: &Settings,
    ) -> Result<DataTable, InputError> {
        let candidates = [
            dir.join("source_data"),
            input.join("source_data"),
            input.join("refugee_data"),
            dir.join("refugee_data"),
            dir.to_path_buf(),
            input.to_path_buf(),
        ];
        let found = match given {
            Some(g) => Some(self.given_data_dir(g)?),
            None => candidates
                .into_iter()
                .find(|d| d.join("data_layout.csv").is_file()),
        };
        let Some(source) = found else {
            let camp = locs.list.iter().position(|l| l.kind.is_camp());
            if let Some(i) = camp {
                return Err(InputError::MissingFile {
                    path: self.rel(&dir.join("source_data").join("data_layout.csv")),
                    needed_for: format!(
                        "the data series of the camps, e.g. '{}'",
                        locs.list[i].name
                    ),
                });
            }
            self.warnings
                .push("no source_data/data_layout.csv: the scenario has no observed data".into());
            return Ok(DataTable::default());
        };
        let layout_path = source.join("data_layout.csv");
        let (rel, records) = self.csv(&layout_path, "the list of data series")?;
        // The locations out.csv reports (Flee's `lm[name]` for each name of
        // `get_camp_names()`): camps, or every location with flood-driven spawning.
        let flood = settings.spawn_rules.flood_driven_spawning.is_some();
        let mut columns: Vec<usize> = Vec::new();
        for l in &locs.list {
            if flood || l.kind.is_camp() {
                let c = locs.last(l.flee_name()).expect("every location is indexed");
                if !columns.contains(&c) {
                    columns.push(c);
                }
            }
        }
        let mut table = DataTable::default();
        let mut have_total = false;
        // Files of each camp row, for messages about corrections.
        let mut camp_files: HashMap<usize, Vec<String>> = HashMap::new();
        let mut camp_line: HashMap<usize, usize> = HashMap::new();
        // data_layout names that are not locations: their corrections are skipped too.
        let mut unused_names: Vec<String> = Vec::new();
        for rec in records.iter().filter(|r| !r.is_comment() && r.width() >= 2) {
            let mut series: Option<Series> = None;
            let mut files = Vec::new();
            for (col, file) in rec.fields.iter().enumerate().skip(1) {
                if file.is_empty() {
                    continue;
                }
                let path = source.join(file);
                let needed_for = format!("named in {rel}:{} column {}", rec.line, col + 1);
                let s = self.series(&path, start, hasten, &needed_for)?;
                files.push(self.rel(&path));
                series = Some(match series {
                    None => s,
                    Some(acc) => acc.sum(&s),
                });
            }
            let series = series.unwrap_or_default();
            if !have_total {
                // Flee: the first row is the total, whatever its name.
                have_total = true;
                table.total = series;
                // Flee finds a location's data by name, and the total row's name
                // counts (Ethiopia_dflee names its first row after a location).
                table.total_location = locs.last(rec.field(0)).filter(|i| columns.contains(i));
                if let Some(i) = table.total_location {
                    camp_line.insert(i, rec.line);
                    camp_files.insert(i, files);
                }
                continue;
            }
            let name = rec.field(0);
            let Some(i) = locs.last(name) else {
                self.warnings.push(format!(
                    "{rel}:{}: '{name}' is not a location in {}; its data is not used",
                    rec.line, locs.rel
                ));
                unused_names.push(name.to_string());
                continue;
            };
            let loc = &locs.list[i];
            if !columns.contains(&i) {
                // Flee reads the row but reports camps only; with sum_from_camps
                // the row still adds to the daily total, as in Flee.
                self.warnings.push(format!(
                    "{rel}:{}: '{name}' is a {} ({}:{}), not a camp: Flee does not report it in out.csv (its data still count in the total with sum_from_camps, as in Flee)",
                    rec.line,
                    loc.kind.as_str(),
                    locs.rel,
                    locs.lines[i]
                ));
            }
            if let Some(&first) = camp_line.get(&i) {
                return Err(InputError::Duplicate {
                    path: rel.clone(),
                    line: rec.line,
                    what: "camp row".into(),
                    name: name.to_string(),
                    first_line: first,
                });
            }
            camp_line.insert(i, rec.line);
            camp_files.insert(i, files);
            table.camps.push(CampData {
                location: i,
                series,
            });
        }
        for &i in &columns {
            let loc = &locs.list[i];
            if !loc.kind.is_camp() && !camp_line.contains_key(&i) {
                // Flee looks every reported location up by name and stops.
                return Err(InputError::Invalid {
                    path: rel.clone(),
                    line: None,
                    message: format!(
                        "'{}' ({}:{}) has no row; Flee reports it in out.csv (with flood-driven spawning it reports every location) and stops without its data series (the first row is always the total)",
                        loc.flee_name(),
                        locs.rel,
                        locs.lines[i]
                    ),
                });
            }
            if !camp_line.contains_key(&i) {
                return Err(InputError::MissingCampData {
                    path: rel.clone(),
                    camp: loc.flee_name().to_string(),
                    location_path: locs.rel.clone(),
                    location_line: locs.lines[i],
                });
            }
        }

        let corrections = input.join("registration_corrections.csv");
        if let Some((crel, records)) = self.csv_optional(&corrections)? {
            for rec in records.iter().filter(|r| !r.is_comment() && r.width() >= 2) {
                let name = rec.field(0);
                let date = rec.cell(&crel, 1, "date").date()?;
                if date < start {
                    continue; // Flee ignores corrections dated before the start
                }
                let entry = locs
                    .last(name)
                    .and_then(|i| table.camps.iter_mut().find(|c| c.location == i));
                let Some(camp) = entry else {
                    if unused_names.iter().any(|n| n == name) {
                        continue;
                    }
                    return Err(InputError::UnknownReference {
                        path: crel.clone(),
                        line: rec.line,
                        what: "camp".into(),
                        name: name.to_string(),
                        defined_in: rel.clone(),
                    });
                };
                let day = date.days_since(start);
                if !camp.series.apply_registration_correction(day) {
                    let files = camp_files
                        .get(&camp.location)
                        .map(|f| f.join(" + "))
                        .unwrap_or_default();
                    let first = camp.series.points.first().map(|p| p.0) == Some(day);
                    let message = if first {
                        format!("{date} is the first data point of camp '{name}' in {files}; a registration correction needs an earlier point")
                    } else {
                        format!("camp '{name}' has no data point dated {date} in {files}; a registration correction needs a point on that exact date")
                    };
                    return Err(InputError::Invalid {
                        path: crel.clone(),
                        line: Some(rec.line),
                        message,
                    });
                }
            }
        }

        if settings.spawn_rules.empty_camps_on_day0 {
            table.total.subtract_day0();
            for c in &mut table.camps {
                c.series.subtract_day0();
            }
        }
        Ok(table)
    }

    /// One series file: `YYYY-MM-DD,count` rows, counts divided by hasten.
    fn series(
        &mut self,
        p: &Path,
        start: Date,
        hasten: u64,
        needed_for: &str,
    ) -> Result<Series, InputError> {
        if let Some(s) = self.series_cache.get(p) {
            return Ok(s.clone());
        }
        let (rel, records) = self.csv(p, needed_for)?;
        let mut points = Vec::with_capacity(records.len());
        let mut first = true;
        for rec in records.iter().filter(|r| !r.is_comment()) {
            let is_header = first
                && matches!(
                    rec.field(0).to_ascii_lowercase().as_str(),
                    "date" | "datetime" | ""
                );
            first = false;
            if is_header {
                continue;
            }
            let count = rec.cell(&rel, 1, "count");
            if count.is_empty() {
                continue;
            }
            let date = rec.cell(&rel, 0, "date").date()?;
            let n = count.uint()?;
            points.push((date.days_since(start), n as f64 / hasten as f64));
        }
        let s = Series::new(points);
        self.series_cache.insert(p.to_path_buf(), s.clone());
        Ok(s)
    }

    /// Every `demographics_<attribute>.csv` next to locations.csv (docs/flee-rules.md §1.10).
    fn demographics(
        &mut self,
        input: &Path,
        locs: &Locations,
    ) -> Result<Vec<Demographic>, InputError> {
        let entries = std::fs::read_dir(input).map_err(|e| InputError::Io {
            path: self.rel(input),
            message: e.to_string(),
        })?;
        let mut files: Vec<(String, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let attr = name.strip_prefix("demographics_")?.strip_suffix(".csv")?;
                (!attr.is_empty()).then(|| (attr.to_string(), e.path()))
            })
            .collect();
        files.sort();
        let mut out = Vec::with_capacity(files.len());
        for (attribute, path) in files {
            out.push(self.demographic(attribute, &path, locs)?);
        }
        Ok(out)
    }

    fn demographic(
        &mut self,
        attribute: String,
        p: &Path,
        locs: &Locations,
    ) -> Result<Demographic, InputError> {
        let (rel, records) = self.csv(p, "a demographic attribute")?;
        let Some((header, rows)) = records.split_first() else {
            return Err(InputError::Invalid {
                path: rel,
                line: None,
                message: format!("empty file (expected a header '{attribute},Default,...')"),
            });
        };
        let Some(default_col) = header.fields.iter().position(|f| f == "Default") else {
            return Err(InputError::Malformed {
                path: rel,
                line: header.line,
                message: format!(
                    "no 'Default' column in the header (expected '{attribute},Default[,<location>...]')"
                ),
            });
        };
        // (column, location index) for per-location weight columns.
        let mut loc_cols = Vec::new();
        for (col, name) in header.fields.iter().enumerate().skip(1) {
            if col == default_col || name.is_empty() {
                continue;
            }
            // Flee matches columns by name: every location with the name uses it.
            match locs.all(name.as_str()) {
                [] => self.warnings.push(format!(
                    "{rel}:{}: column {} '{name}' is not a location in {}; the column is ignored",
                    header.line,
                    col + 1,
                    locs.rel
                )),
                all => loc_cols.extend(all.iter().map(|&i| (col, i))),
            }
        }
        let mut values = Vec::new();
        let mut default_weights = Vec::new();
        let mut per_location: Vec<(usize, Vec<f64>)> =
            loc_cols.iter().map(|&(_, i)| (i, Vec::new())).collect();
        for rec in rows.iter().filter(|r| !r.is_comment()) {
            values.push(rec.cell(&rel, 0, &attribute).name()?.to_string());
            default_weights.push(rec.cell(&rel, default_col, "Default").non_negative()?);
            for (k, &(col, i)) in loc_cols.iter().enumerate() {
                let w = rec.cell(&rel, col, &locs.list[i].name).non_negative()?;
                per_location[k].1.push(w);
            }
        }
        let all_zero = |w: &[f64]| w.iter().sum::<f64>() <= 0.0;
        if all_zero(&default_weights) {
            return Err(InputError::Invalid {
                path: rel,
                line: None,
                message: "the 'Default' weights are all zero (or there are no value rows); at least one must be > 0".into(),
            });
        }
        for (i, w) in &per_location {
            if all_zero(w) {
                return Err(InputError::Invalid {
                    path: rel,
                    line: None,
                    message: format!(
                        "the weights of column '{}' are all zero; at least one must be > 0",
                        locs.list[*i].name
                    ),
                });
            }
        }
        Ok(Demographic {
            attribute,
            values,
            default_weights,
            per_location,
        })
    }
}

/// Custom attributes of a row: (column index, name, value) for the non-empty
/// fields from `first` on, named by the `#` header; the first column of a
/// repeated name wins. A value without a name is an error (Flee crashes on it).
fn extra_attributes<'a>(
    rel: &str,
    rec: &'a Record,
    first: usize,
    names: &'a [String],
) -> Result<Vec<(usize, &'a str, &'a str)>, InputError> {
    let mut out: Vec<(usize, &str, &str)> = Vec::new();
    for (i, value) in rec.fields.iter().enumerate().skip(first) {
        if value.is_empty() {
            continue;
        }
        match names.get(i - first).filter(|n| !n.is_empty()) {
            Some(name) => {
                if !out.iter().any(|(_, n, _)| n == name) {
                    out.push((i, name, value));
                }
            }
            None => {
                return Err(InputError::Malformed {
                    path: rel.to_string(),
                    line: rec.line,
                    message: format!(
                    "column {} ({value:?}) has no name: name the extra columns in a '#' header row",
                    i + 1
                ),
                })
            }
        }
    }
    Ok(out)
}

/// A day-by-location table (conflicts.csv, flood_level.csv) without even a header.
fn empty_day_table(rel: String) -> InputError {
    InputError::Invalid {
        path: rel,
        line: None,
        message: "empty file (expected a header row '#Day,<location>,...' and one row per day)"
            .into(),
    }
}

/// The warning for a day-by-location table with fewer day rows than the period:
/// runs stop where the rows do, as Flee's do.
fn short_day_table(rel: &str, rows: usize, days: u32) -> String {
    format!(
        "{rel}: {rows} day rows but Length in sim_period.csv is {days}: runs of at most {rows} days only (--days), as Flee stops at the first missing row"
    )
}

/// The day rows of a day-by-location table (conflicts.csv, flood_level.csv): in
/// each, one value per entry of `columns` (column in the row, location index),
/// read by `value`. A row too short for the columns is an error saying it needs
/// the day and one `what` per header column.
fn day_by_location<'r, T>(
    rel: &str,
    rows: impl Iterator<Item = &'r Record>,
    columns: &[(usize, usize)],
    locs: &Locations,
    what: &str,
    value: impl Fn(text::Cell) -> Result<T, InputError>,
) -> Result<Vec<Vec<T>>, InputError> {
    let needed = columns.iter().map(|c| c.0 + 1).max().unwrap_or(1);
    let mut out = Vec::new();
    for rec in rows {
        rec.require_fields(
            rel,
            needed,
            format_args!("{needed} fields (the day and one {what} per header column)"),
        )?;
        let day = columns
            .iter()
            .map(|&(col, loc)| value(rec.cell(rel, col, &locs.list[loc].name)))
            .collect::<Result<Vec<T>, _>>()?;
        out.push(day);
    }
    Ok(out)
}
