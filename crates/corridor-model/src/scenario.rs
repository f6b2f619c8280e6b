//! The Scenario: everything a run needs, as plain data (docs/design.md §2, §4).
//!
//! Readers in `corridor-io` build a `Scenario` from a Flee instance directory or a
//! corridor `scenario.toml`; the engine only reads it. Invariants a reader must
//! establish (the engine may `debug_assert!` them, never re-check them):
//! * every index (`Link::from`, `CampData::location`, ...) is `< locations.len()`;
//! * location names are unique (a name that a Flee file defines twice keeps its
//!   Flee spelling in `Location::flee_name`; see `docs/flee-compat.md`);
//! * distances, populations and capacities are finite and ≥ 0;
//! * series values are already divided by `settings.optimisations.hasten`, and so
//!   are populations and capacities.

use crate::border::Border;
use crate::date::Date;
use crate::series::Series;
use crate::settings::Settings;
use serde::Serialize;
use std::collections::BTreeMap;

/// Kind of a location as read from input. Dynamic changes (conflict onset, camp
/// closures) are engine state, not stored here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    /// `conflict*` type. A conflict zone from day 0 if `conflict_date == Some(0)`,
    /// otherwise a town until the conflict schedule makes it one.
    ConflictZone,
    Town,
    Camp,
    IdpCamp,
    ForwardingHub,
    /// Pass-through point: never a route destination.
    Marker,
    FloodZone,
    /// Corridor extension: a port of entry (see `border::Port`). Behaves as a town
    /// for movement; people who arrive join its queue.
    Port,
}

impl LocationKind {
    /// The name used in files and outputs (`daily.csv` `kind` column).
    pub fn as_str(self) -> &'static str {
        match self {
            LocationKind::ConflictZone => "conflict_zone",
            LocationKind::Town => "town",
            LocationKind::Camp => "camp",
            LocationKind::IdpCamp => "idpcamp",
            LocationKind::ForwardingHub => "forwarding_hub",
            LocationKind::Marker => "marker",
            LocationKind::FloodZone => "flood_zone",
            LocationKind::Port => "port",
        }
    }

    /// Flee's type matching (docs/flee-rules.md §1.1): first substring match wins,
    /// case-insensitive. `None` for an unknown type.
    pub fn parse_flee(s: &str) -> Option<LocationKind> {
        let l = s.trim().to_ascii_lowercase();
        if l.contains("camp") {
            Some(if l.contains("idp") {
                LocationKind::IdpCamp
            } else {
                LocationKind::Camp
            })
        } else if l.contains("conflict") {
            Some(LocationKind::ConflictZone)
        } else if l.contains("forward") {
            Some(LocationKind::ForwardingHub)
        } else if l.contains("marker") {
            Some(LocationKind::Marker)
        } else if l.contains("flood_zone") {
            Some(LocationKind::FloodZone)
        } else if l.contains("default") || l.contains("town") {
            Some(LocationKind::Town)
        } else if l == "port" || l == "port_of_entry" {
            Some(LocationKind::Port)
        } else {
            None
        }
    }

    pub fn is_camp(self) -> bool {
        matches!(self, LocationKind::Camp | LocationKind::IdpCamp)
    }
}

/// One location (a row of locations.csv).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    pub name: String,
    pub region: String,
    pub country: String,
    /// Latitude (Flee files put it in the 4th column, `gps_x`).
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    pub kind: LocationKind,
    /// Day a `conflict*` location becomes a conflict zone (0 = from the start).
    pub conflict_date: Option<i64>,
    /// Residents (non-camps), already divided by hasten.
    pub population: u64,
    /// Camp capacity; `None` = unlimited (Flee: capacity < 1 means unlimited).
    pub capacity: Option<u64>,
    /// `country != country of the first location` (Flee's definition).
    pub foreign: bool,
    /// Attribute `conflict_intensity` (default 1.0).
    pub conflict_intensity: f64,
    /// Attribute `initial_idps`: agents inserted on day 0.
    pub initial_idps: u64,
    /// Attribute `capacity_per_day`: added to capacity every day.
    pub capacity_per_day: u64,
    /// Corridor extension: beds; people beyond are unsheltered. `None` = not a shelter.
    pub shelter_capacity: Option<u64>,
    /// All custom attributes as read (strings, as in Flee).
    pub attributes: BTreeMap<String, String>,
    /// Set on every location of a name that the Flee file defines more than once:
    /// the name as written. The first keeps it as `name`, the later ones are
    /// renamed `name#2`, `name#3`, ... so that corridor's own outputs stay
    /// unambiguous, while out.csv prints Flee's name.
    pub flee_name: Option<String>,
}

impl Location {
    /// The name Flee uses for this location (`flee_name`, else `name`).
    pub fn flee_name(&self) -> &str {
        self.flee_name.as_deref().unwrap_or(&self.name)
    }

    /// A location with Flee's defaults; handy for tests and programmatic scenarios.
    pub fn new(name: &str, kind: LocationKind) -> Self {
        Location {
            name: name.to_string(),
            region: "unknown".into(),
            country: "unknown".into(),
            lat: 0.0,
            lon: 0.0,
            kind,
            conflict_date: if kind == LocationKind::ConflictZone {
                Some(0)
            } else {
                None
            },
            population: 0,
            capacity: None,
            foreign: false,
            conflict_intensity: 1.0,
            initial_idps: 0,
            capacity_per_day: 0,
            shelter_capacity: None,
            attributes: BTreeMap::new(),
            flee_name: None,
        }
    }
}

/// One route row: an undirected pair, i.e. two directed links of equal length.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub from: usize,
    pub to: usize,
    pub distance_km: f64,
    /// Flee's `forced_redirection` column (0, 1 or 2). It has no behavioural effect
    /// in Flee HEAD; kept for closures of type `remove_forced_redirection`.
    pub forced_redirection: u8,
    /// Link attribute `max_move_speed` (km/day) overriding the global speed.
    pub max_move_speed: Option<f64>,
    /// Link attribute `walk_probability`: chance that today's speed is walking speed.
    pub walk_probability: f64,
    pub attributes: BTreeMap<String, String>,
}

impl Link {
    pub fn new(from: usize, to: usize, distance_km: f64) -> Self {
        Link {
            from,
            to,
            distance_km,
            forced_redirection: 0,
            max_move_speed: None,
            walk_probability: 0.0,
            attributes: BTreeMap::new(),
        }
    }
}

/// What a closure closes (docs/flee-rules.md §1.3). Indices refer to `Scenario::locations`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureTarget {
    /// Every link between a location of country `a` and one of country `b`, both directions.
    Country { a: String, b: String },
    /// All links into and out of a location.
    Location(usize),
    /// The link between two locations, both directions (Flee's intended behaviour;
    /// Flee HEAD's no-op is a documented deviation).
    Link(usize, usize),
    /// A camp turned into a town while closed.
    Camp(usize),
    /// Clears the forced-redirection flag (no behavioural effect, as in Flee).
    RemoveForcedRedirection(usize, usize),
}

/// A closure acting on day `start` (close) and `end` (reopen). `end < 0` never reopens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Closure {
    pub target: ClosureTarget,
    pub start: i64,
    pub end: i64,
}

/// conflicts.csv: per day (row position), the intensity for each listed location.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConflictSchedule {
    /// Location index of each column.
    pub locations: Vec<usize>,
    /// `intensity[day][column]`.
    pub intensity: Vec<Vec<f64>>,
}

/// The data series of one camp (a data_layout row after the first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampData {
    pub location: usize,
    pub series: Series,
}

/// Observed data: the total series and one series per camp, in data_layout order.
/// Used for data-driven spawning and for validation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DataTable {
    pub total: Series,
    pub camps: Vec<CampData>,
    /// The location named by the first (total) row, if any: Flee finds data by
    /// name and the total row's name is one of them (checked before the others).
    pub total_location: Option<usize>,
}

impl DataTable {
    /// The series for a location, if it has one.
    pub fn camp(&self, location: usize) -> Option<&Series> {
        if self.total_location == Some(location) {
            return Some(&self.total);
        }
        self.camps
            .iter()
            .find(|c| c.location == location)
            .map(|c| &c.series)
    }
}

/// One `demographics_<attribute>.csv`: values with default weights and optional
/// per-location weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demographic {
    /// `age`, `gender`, `ethnicity`, `religion`, ...
    pub attribute: String,
    pub values: Vec<String>,
    pub default_weights: Vec<f64>,
    /// (location index, weights) for locations with their own column.
    pub per_location: Vec<(usize, Vec<f64>)>,
}

/// What a corridor scenario says about its observed data (`[observations]` in
/// scenario.toml): which file holds them and which months a calibration may use.
/// Read and validated by corridor-io's scenario reader (months are `YYYY-MM`);
/// empty for Flee instances. No date is built into the code: a calibration's
/// cut-off and window come from here (or from the command).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ObservedData {
    /// CBP monthly encounters (CBP's CSV layout), as written in scenario.toml:
    /// relative to the scenario file's folder.
    pub cbp_monthly: Option<String>,
    /// The months calibrations compare (`YYYY-MM`, sorted); empty = every
    /// complete, observed month of the run up to `observed_through`.
    pub calibration_months: Vec<String>,
    /// The last month (`YYYY-MM`) whose observations may inform a calibration or
    /// a comparison; later months are kept for out-of-sample evaluation.
    pub observed_through: Option<String>,
    /// First day of the evaluation window reports show.
    pub report_from: Option<Date>,
}

impl ObservedData {
    /// True when `month` (`YYYY-MM`) may be compared: not after
    /// `observed_through` and, when calibration months are given, one of them.
    pub fn allows_month(&self, month: &str) -> bool {
        self.observed_through.as_deref().is_none_or(|t| month <= t)
            && (self.calibration_months.is_empty()
                || self.calibration_months.iter().any(|m| m == month))
    }
}

/// A whole run's input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub name: String,
    pub start_date: Date,
    /// Number of simulated days.
    pub days: u32,
    pub settings: Settings,
    pub locations: Vec<Location>,
    pub links: Vec<Link>,
    pub closures: Vec<Closure>,
    /// `None` when the instance has no conflicts.csv.
    pub conflicts: Option<ConflictSchedule>,
    pub data: DataTable,
    pub demographics: Vec<Demographic>,
    /// Corridor extensions (ports, appointments, checkpoints, inflows, caravans,
    /// events). Empty for Flee instances.
    pub border: Border,
    /// DFlee's `flood_level.csv`; `None` without flood rules.
    pub floods: Option<FloodSchedule>,
    /// The scenario's observed data and calibration window (not part of a run:
    /// skipped when serialising, so run outputs do not depend on it).
    #[serde(skip)]
    pub observed: ObservedData,
}

/// flood_level.csv: per day (row position), the flood level of each listed
/// location. A name defined twice in locations.csv has a column per location
/// (Flee sets the level of every location with the name).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FloodSchedule {
    /// Location index of each column.
    pub locations: Vec<usize>,
    /// `level[day][column]`, whole levels (Flee keeps `int(value)`).
    pub level: Vec<Vec<u32>>,
}

impl Scenario {
    /// An empty scenario starting on `start_date`; tests fill it programmatically.
    pub fn new(name: &str, start_date: Date, days: u32) -> Self {
        Scenario {
            name: name.to_string(),
            start_date,
            days,
            settings: Settings::default(),
            locations: Vec::new(),
            links: Vec::new(),
            closures: Vec::new(),
            conflicts: None,
            data: DataTable::default(),
            demographics: Vec::new(),
            border: Border::default(),
            floods: None,
            observed: ObservedData::default(),
        }
    }

    /// Index of a location by name.
    pub fn location_index(&self, name: &str) -> Option<usize> {
        self.locations.iter().position(|l| l.name == name)
    }

    /// Adds a location and returns its index.
    pub fn add_location(&mut self, loc: Location) -> usize {
        self.locations.push(loc);
        self.locations.len() - 1
    }

    /// Adds an undirected link by names; panics on unknown names (test helper only).
    pub fn link(&mut self, a: &str, b: &str, km: f64) {
        let (Some(i), Some(j)) = (self.location_index(a), self.location_index(b)) else {
            panic!("unknown location in link {a}-{b}");
        };
        self.links.push(Link::new(i, j, km));
    }

    /// The columns of out.csv, as Flee's `run.py` builds them: one per location
    /// that is a camp at the start (every location with flood-driven spawning), in
    /// file order, each showing the location that Flee's name lookup `lm[name]`
    /// finds: the last one defined with that name. Without duplicated names this
    /// is simply the camps (or every location) in file order.
    pub fn camp_locations(&self) -> Vec<usize> {
        let all = self.settings.spawn_rules.flood_driven_spawning.is_some();
        (0..self.locations.len())
            .filter(|&i| all || self.locations[i].kind.is_camp())
            .map(|i| self.last_named(i))
            .collect()
    }

    /// The last location whose Flee name is that of `i` (`i` itself unless the
    /// name is defined more than once).
    pub fn last_named(&self, i: usize) -> usize {
        match self.locations[i].flee_name.as_deref() {
            None => i,
            Some(name) => (i..self.locations.len())
                .rev()
                .find(|&j| self.locations[j].flee_name.as_deref() == Some(name))
                .unwrap_or(i),
        }
    }
}
