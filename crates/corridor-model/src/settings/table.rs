//! The one table of Flee settings: every setting corridor knows, defined once.
//!
//! Each [`Setting`] carries its dotted name (`move_rules.camp_weight`, the path in
//! `simsetting.yml` and the field of [`Settings`]), the other keys Flee reads for it
//! ([`Setting::aliases`]; the first one, if any, is the spelling written to files),
//! its value kind with get/set on [`Settings`], its range of valid values, whether
//! sweeps and calibrations may vary it ([`Setting::tunable`]) and a one-line doc.
//! The default is [`Settings::default`]'s value ([`Setting::default_text`]).
//!
//! Everything else is derived from [`SETTINGS`]: the YAML reader in `corridor-io`
//! (keys, aliases, types, ranges, messages), the `[rules]` keys of scenario.toml,
//! the `simsetting.yml` writer in `corridor-calibrate` (keys, order, spelling), and
//! the sweep/calibration parameters ([`crate::params`]). So a range can no longer
//! disagree between reading, setting and writing: a value [`Setting::set_number`]
//! accepts is one the reader accepts (tested by a round-trip property test).
//!
//! Ranges follow how Flee uses each value (Flee itself checks none): speeds are
//! positive; weights, softening and `capacity_scaling` are ≥ 0 (a scaled capacity
//! below 1 switches the capacity rule off, as in Flee); move chances,
//! `capacity_buffer` and `avg_religion_fraction` are shares in [0, 1];
//! `awareness_level` is a whole number in [0, 100] (0 is Flee's "no route"
//! mode; the cap keeps route enumeration finite). See `docs/flee-rules.md`.

use super::{ConflictDrivenSpawning, Settings, SpawnMode};

/// One end of a [`Range`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// No bound on this side.
    None,
    /// The value itself is allowed.
    Inclusive(f64),
    /// The value itself is not allowed.
    Exclusive(f64),
}

/// The valid values of a numeric setting (always finite).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub low: Bound,
    pub high: Bound,
}

impl Range {
    /// Any finite value.
    pub const ANY: Range = Range {
        low: Bound::None,
        high: Bound::None,
    };
    /// ≥ 0.
    pub const NON_NEGATIVE: Range = Range {
        low: Bound::Inclusive(0.0),
        high: Bound::None,
    };
    /// > 0.
    pub const POSITIVE: Range = Range {
        low: Bound::Exclusive(0.0),
        high: Bound::None,
    };
    /// A share or probability: [0, 1].
    pub const UNIT: Range = Range {
        low: Bound::Inclusive(0.0),
        high: Bound::Inclusive(1.0),
    };

    /// `[low, high]`.
    pub const fn between(low: f64, high: f64) -> Range {
        Range {
            low: Bound::Inclusive(low),
            high: Bound::Inclusive(high),
        }
    }

    /// `≥ low`.
    pub const fn at_least(low: f64) -> Range {
        Range {
            low: Bound::Inclusive(low),
            high: Bound::None,
        }
    }

    /// True for a finite value inside the range.
    pub fn contains(&self, x: f64) -> bool {
        x.is_finite()
            && match self.low {
                Bound::None => true,
                Bound::Inclusive(l) => x >= l,
                Bound::Exclusive(l) => x > l,
            }
            && match self.high {
                Bound::None => true,
                Bound::Inclusive(h) => x <= h,
                Bound::Exclusive(h) => x < h,
            }
    }

    /// "a number > 0", "a whole number between 0 and 100", ...: what an error
    /// message says was expected. `noun` is "a number" or "a whole number".
    pub fn describe(&self, noun: &str) -> String {
        match (self.low, self.high) {
            (Bound::None, Bound::None) => noun.to_string(),
            (Bound::Inclusive(l), Bound::None) => format!("{noun} ≥ {l}"),
            (Bound::Exclusive(l), Bound::None) => format!("{noun} > {l}"),
            (Bound::None, Bound::Inclusive(h)) => format!("{noun} ≤ {h}"),
            (Bound::None, Bound::Exclusive(h)) => format!("{noun} < {h}"),
            (Bound::Inclusive(l), Bound::Inclusive(h)) => format!("{noun} between {l} and {h}"),
            (l, h) => {
                let (lo, a) = match l {
                    Bound::Exclusive(l) => ("(", l),
                    Bound::Inclusive(l) => ("[", l),
                    Bound::None => unreachable!("handled above"),
                };
                let (b, hi) = match h {
                    Bound::Exclusive(h) => (h, ")"),
                    Bound::Inclusive(h) => (h, "]"),
                    Bound::None => unreachable!("handled above"),
                };
                format!("{noun} in {lo}{a}, {b}{hi}")
            }
        }
    }
}

/// How a setting's value is stored, with its accessors.
#[derive(Clone, Copy)]
pub enum Kind {
    Float {
        get: fn(&Settings) -> f64,
        set: fn(&mut Settings, f64),
    },
    /// A whole number (`i64` field).
    Int {
        get: fn(&Settings) -> i64,
        set: fn(&mut Settings, i64),
    },
    /// A whole number stored as `u32` (values above `u32::MAX` are invalid).
    UInt {
        get: fn(&Settings) -> u32,
        set: fn(&mut Settings, u32),
    },
    /// Read as any number and truncated towards zero, as Flee's `int(...)` does.
    TruncatedInt {
        get: fn(&Settings) -> i64,
        set: fn(&mut Settings, i64),
    },
    Bool {
        get: fn(&Settings) -> bool,
        set: fn(&mut Settings, bool),
    },
    /// One of a fixed list of words.
    Choice {
        choices: &'static [&'static str],
        get: fn(&Settings) -> &str,
        set: fn(&mut Settings, &str),
    },
    /// An optional list of numbers, each in the range; `None` (off) is not written.
    FloatList {
        get: fn(&Settings) -> Option<&[f64]>,
        set: fn(&mut Settings, Option<Vec<f64>>),
    },
    /// A list of whole numbers, each in the range.
    IntList {
        get: fn(&Settings) -> &[i64],
        set: fn(&mut Settings, Vec<i64>),
    },
}

/// One Flee setting.
#[derive(Clone, Copy)]
pub struct Setting {
    /// Dotted path: section and key as in `simsetting.yml` (`move_rules.camp_weight`).
    pub name: &'static str,
    /// Other keys Flee reads for this setting, in the same section; the first is the
    /// spelling corridor writes (Flee's own, e.g. `camps_are_sicks`).
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    /// Valid values of a numeric setting (of each element of a list).
    pub range: Range,
    /// Sweeps and calibrations may vary it ([`crate::params`]).
    pub tunable: bool,
    /// Some settings exist only while their section is switched on
    /// (`spawn_rules.conflict_driven_spawning.*`); `None` = always.
    pub present: Option<fn(&Settings) -> bool>,
    pub doc: &'static str,
}

impl std::fmt::Debug for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setting").field("name", &self.name).finish()
    }
}

impl Setting {
    /// The key within its section (`camp_weight`).
    pub fn key(&self) -> &'static str {
        self.name.rsplit('.').next().unwrap_or(self.name)
    }

    /// The section path (`move_rules`, `spawn_rules.conflict_driven_spawning`, or
    /// "" at the top level).
    pub fn section(&self) -> &'static str {
        match self.name.rfind('.') {
            Some(i) => &self.name[..i],
            None => "",
        }
    }

    /// The key written to files: Flee's spelling.
    pub fn written_key(&self) -> &'static str {
        self.aliases.first().copied().unwrap_or_else(|| self.key())
    }

    /// True when `key` (within the section) names this setting.
    pub fn matches_key(&self, key: &str) -> bool {
        key == self.key() || self.aliases.contains(&key)
    }

    /// True when the setting exists in `s` (see [`Setting::present`]).
    pub fn is_present(&self, s: &Settings) -> bool {
        self.present.is_none_or(|p| p(s))
    }

    /// True for settings holding a whole number.
    pub fn is_integer(&self) -> bool {
        matches!(
            self.kind,
            Kind::Int { .. } | Kind::UInt { .. } | Kind::TruncatedInt { .. }
        )
    }

    /// The noun of messages: "a number" or "a whole number".
    fn noun(&self) -> &'static str {
        match self.kind {
            Kind::Int { .. } | Kind::UInt { .. } | Kind::IntList { .. } => "a whole number",
            _ => "a number",
        }
    }

    /// What a value must be, as error messages say it ("a number > 0").
    pub fn expected(&self) -> String {
        match self.kind {
            Kind::Bool { .. } => "true or false".into(),
            Kind::Choice { choices, .. } => {
                let q: Vec<String> = choices.iter().map(|c| format!("'{c}'")).collect();
                match q.split_last() {
                    Some((last, [])) => last.clone(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                }
            }
            Kind::FloatList { .. } => {
                format!(
                    "a list of {}",
                    self.range
                        .describe("a number")
                        .replacen("a number", "numbers", 1)
                )
            }
            Kind::IntList { .. } => format!(
                "a list of {}",
                self.range.describe("a whole number").replacen(
                    "a whole number",
                    "whole numbers",
                    1
                )
            ),
            _ => self.range.describe(self.noun()),
        }
    }

    /// The value of a numeric setting as a number; `None` for other kinds or when
    /// the setting is not present.
    pub fn get_number(&self, s: &Settings) -> Option<f64> {
        if !self.is_present(s) {
            return None;
        }
        match self.kind {
            Kind::Float { get, .. } => Some(get(s)),
            Kind::Int { get, .. } | Kind::TruncatedInt { get, .. } => Some(get(s) as f64),
            Kind::UInt { get, .. } => Some(get(s) as f64),
            _ => None,
        }
    }

    /// Sets a numeric setting from a number: whole-number settings take the
    /// nearest whole number (Flee's `int(...)` truncates, but a search over a
    /// continuous range wants the nearest). Returns the value actually set, or
    /// `Err(expected)` when the value is outside the range, the setting is not
    /// numeric, or not present.
    pub fn set_number(&self, s: &mut Settings, value: f64) -> Result<f64, String> {
        if !self.is_present(s) {
            return Err(format!("{} is not switched on", self.section()));
        }
        let whole = value.round();
        let in_range = |x: f64| self.range.contains(x);
        match self.kind {
            Kind::Float { set, .. } if in_range(value) => {
                set(s, value);
                Ok(value)
            }
            // Flee int-casts this one: any finite number, saturating like the reader.
            Kind::TruncatedInt { set, .. } if in_range(whole) => {
                set(s, whole as i64);
                Ok(whole)
            }
            Kind::Int { set, .. } if in_range(whole) && whole.abs() < 9.0e15 => {
                set(s, whole as i64);
                Ok(whole)
            }
            Kind::UInt { set, .. }
                if in_range(whole) && (0.0..=u32::MAX as f64).contains(&whole) =>
            {
                set(s, whole as u32);
                Ok(whole)
            }
            Kind::Float { .. }
            | Kind::Int { .. }
            | Kind::TruncatedInt { .. }
            | Kind::UInt { .. } => Err(self.expected()),
            _ => Err(format!("{} is not a number", self.name)),
        }
    }

    /// The default value as it reads in docs (from [`Settings::default`]).
    pub fn default_text(&self) -> String {
        value_text(self, &Settings::default())
    }
}

/// A setting's value in `s` in plain text (lists as `[a, b]`, absent as `-`).
pub fn value_text(setting: &Setting, s: &Settings) -> String {
    if !setting.is_present(s) {
        return "-".into();
    }
    match setting.kind {
        Kind::Float { get, .. } => get(s).to_string(),
        Kind::Int { get, .. } | Kind::TruncatedInt { get, .. } => get(s).to_string(),
        Kind::UInt { get, .. } => get(s).to_string(),
        Kind::Bool { get, .. } => get(s).to_string(),
        Kind::Choice { get, .. } => get(s).to_string(),
        Kind::FloatList { get, .. } => match get(s) {
            None => "-".into(),
            Some(l) => format!(
                "[{}]",
                l.iter().map(f64::to_string).collect::<Vec<_>>().join(", ")
            ),
        },
        Kind::IntList { get, .. } => format!(
            "[{}]",
            get(s)
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The setting named `name` (dotted; aliases accepted for the last key).
pub fn find(name: &str) -> Option<&'static Setting> {
    let (section, key) = match name.rfind('.') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => ("", name),
    };
    SETTINGS
        .iter()
        .find(|s| s.section() == section && s.matches_key(key))
}

/// The sections of the settings, outermost first (`log_levels`, ...,
/// `spawn_rules.conflict_driven_spawning`).
pub fn sections() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for s in SETTINGS {
        let sec = s.section();
        if !sec.is_empty() && !out.contains(&sec) {
            out.push(sec);
        }
    }
    out
}

/// Keys Flee reads that corridor does not model, by dotted path, and whether
/// reading them deserves a warning (the input-file keys are overwritten by Flee's
/// own `run.py` and are silently ignored in `simsetting.yml`).
pub const IGNORED: [(&str, bool); 4] = [
    ("conflict_input_file", false),
    ("flood_level_input_file", false),
    ("spawn_rules.flood_driven_spawn_mode", true),
    ("move_rules.flood_rules", true),
];

/// True when `s` has conflict-driven spawning switched on.
fn conflict_driven(s: &Settings) -> bool {
    s.spawn_rules.conflict_driven_spawning.is_some()
}

/// The conflict-driven spawning block, created with Flee's defaults when absent.
fn cds(s: &mut Settings) -> &mut ConflictDrivenSpawning {
    s.spawn_rules
        .conflict_driven_spawning
        .get_or_insert(ConflictDrivenSpawning {
            spawn_mode: SpawnMode::Constant,
            displaced_per_conflict_day: SpawnMode::Constant.default_displaced(),
        })
}

impl SpawnMode {
    /// Flee's default of `displaced_per_conflict_day` for this mode.
    pub fn default_displaced(self) -> f64 {
        if self == SpawnMode::PopRatio {
            0.01
        } else {
            500.0
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SpawnMode::Constant => "constant",
            SpawnMode::Poisson => "poisson",
            SpawnMode::PopRatio => "pop_ratio",
        }
    }
}

macro_rules! setting {
    // One arm builds every numeric setting; the kind keywords below name the
    // variant of `Kind` (they differ only in the number type they read).
    (@number $variant:ident $sec:ident . $f:ident, $range:expr, $tunable:expr, $doc:expr) => {
        Setting {
            name: concat!(stringify!($sec), ".", stringify!($f)),
            aliases: &[],
            kind: Kind::$variant {
                get: |s| s.$sec.$f,
                set: |s, v| s.$sec.$f = v,
            },
            range: $range,
            tunable: $tunable,
            present: None,
            doc: $doc,
        }
    };
    (float $($rest:tt)*) => { setting!(@number Float $($rest)*) };
    (int $($rest:tt)*) => { setting!(@number Int $($rest)*) };
    (uint $($rest:tt)*) => { setting!(@number UInt $($rest)*) };
    (bool $sec:ident . $f:ident $(as $alias:literal)?, $doc:expr) => {
        Setting {
            name: concat!(stringify!($sec), ".", stringify!($f)),
            aliases: &[$($alias)?],
            kind: Kind::Bool {
                get: |s| s.$sec.$f,
                set: |s, v| s.$sec.$f = v,
            },
            range: Range::ANY,
            tunable: false,
            present: None,
            doc: $doc,
        }
    };
}

/// Every setting, in the order `simsetting.yml` is written.
pub static SETTINGS: &[Setting] = &[
    Setting {
        name: "number_of_steps",
        aliases: &[],
        kind: Kind::Int {
            get: |s| s.number_of_steps,
            set: |s, v| s.number_of_steps = v,
        },
        range: Range::ANY,
        tunable: false,
        present: None,
        doc: "Days to simulate (-1: as long as the input data; a run's own length wins).",
    },
    Setting {
        name: "default_conflict_intensity",
        aliases: &[],
        kind: Kind::TruncatedInt {
            get: |s| s.default_conflict_intensity,
            set: |s, v| s.default_conflict_intensity = v,
        },
        range: Range::ANY,
        tunable: false,
        present: None,
        doc: "Conflict intensity of a conflict zone without a value (Flee int-casts it).",
    },
    setting!(int log_levels.agent, Range::NON_NEGATIVE, false, "Agent log level (Flee's output; no effect in corridor)."),
    setting!(int log_levels.link, Range::NON_NEGATIVE, false, "Link log level (no effect in corridor)."),
    setting!(int log_levels.camp, Range::NON_NEGATIVE, false, "Camp log level (no effect in corridor)."),
    setting!(int log_levels.init, Range::NON_NEGATIVE, false, "Initialisation log level (no effect in corridor)."),
    setting!(int log_levels.conflict, Range::NON_NEGATIVE, false, "Conflict log level (no effect in corridor)."),
    setting!(int log_levels.idp_totals, Range::NON_NEGATIVE, false, "IDP totals log level (no effect in corridor)."),
    Setting {
        name: "log_levels.granularity",
        aliases: &[],
        kind: Kind::Choice {
            choices: &["location", "region"],
            get: |s| &s.log_levels.granularity,
            set: |s, v| s.log_levels.granularity = v.to_string(),
        },
        range: Range::ANY,
        tunable: false,
        present: None,
        doc: "Granularity of Flee's logs: location or region.",
    },
    setting!(bool spawn_rules.take_from_population, "Spawned people leave their location's population."),
    setting!(bool spawn_rules.insert_day0, "Insert the first day's data before day 0."),
    setting!(bool spawn_rules.empty_camps_on_day0, "Camps start empty (data shifted by their day-0 value)."),
    setting!(bool spawn_rules.conflict_zone_spawning_only, "Spawn only in conflict zones."),
    setting!(bool spawn_rules.flood_zone_spawning_only, "Spawn only in flood zones (DFlee; with a flood_driven_spawn_mode section)."),
    setting!(bool spawn_rules.camps_are_sinks as "camps_are_sicks", "Agents never leave camps (Flee's key is misspelled)."),
    setting!(bool spawn_rules.read_from_agents_csv_file, "Read agents from agents.csv (not modelled)."),
    setting!(bool spawn_rules.sum_from_camps, "Total data are the sum of the camps' data."),
    setting!(bool spawn_rules.starvation_driven_spawning, "Spawn by food insecurity (not modelled)."),
    Setting {
        name: "spawn_rules.conflict_driven_spawning.spawn_mode",
        aliases: &[],
        kind: Kind::Choice {
            choices: &["constant", "poisson", "pop_ratio"],
            get: |s| {
                s.spawn_rules
                    .conflict_driven_spawning
                    .as_ref()
                    .map_or("constant", |c| c.spawn_mode.as_str())
            },
            set: |s, v| {
                cds(s).spawn_mode = match v {
                    "poisson" => SpawnMode::Poisson,
                    "pop_ratio" => SpawnMode::PopRatio,
                    _ => SpawnMode::Constant,
                }
            },
        },
        range: Range::ANY,
        tunable: false,
        present: Some(conflict_driven),
        doc: "How conflict-driven spawning sizes a day's departures (the section switches it on).",
    },
    Setting {
        name: "spawn_rules.conflict_driven_spawning.displaced_per_conflict_day",
        aliases: &[],
        kind: Kind::Float {
            get: |s| {
                s.spawn_rules
                    .conflict_driven_spawning
                    .as_ref()
                    .map_or(500.0, |c| c.displaced_per_conflict_day)
            },
            set: |s, v| cds(s).displaced_per_conflict_day = v,
        },
        range: Range::NON_NEGATIVE,
        tunable: true,
        present: Some(conflict_driven),
        doc: "People per conflict day (constant, poisson) or share of the population (pop_ratio; default 0.01, else 500).",
    },
    Setting {
        name: "spawn_rules.conflict_spawn_decay",
        aliases: &[],
        kind: Kind::FloatList {
            get: |s| s.spawn_rules.conflict_spawn_decay.as_deref(),
            set: |s, v| s.spawn_rules.conflict_spawn_decay = v,
        },
        range: Range::NON_NEGATIVE,
        tunable: false,
        present: None,
        doc: "Spawn multipliers by time since a conflict began, one per interval (off when absent).",
    },
    setting!(uint spawn_rules.conflict_spawn_decay_interval, Range::at_least(1.0), true, "Days per step of conflict_spawn_decay."),
    setting!(float spawn_rules.average_social_connectivity, Range::NON_NEGATIVE, true, "Mean social connections of an agent."),
    setting!(float move_rules.max_move_speed, Range::POSITIVE, true, "Kilometres a day by vehicle."),
    setting!(float move_rules.max_walk_speed, Range::POSITIVE, true, "Kilometres a day on foot."),
    setting!(float move_rules.max_crossing_speed, Range::POSITIVE, true, "Kilometres a day across a border (read, unused by serial Flee)."),
    setting!(float move_rules.foreign_weight, Range::NON_NEGATIVE, true, "Attractiveness of locations in another country."),
    setting!(float move_rules.camp_weight, Range::NON_NEGATIVE, true, "Attractiveness of camps."),
    setting!(float move_rules.conflict_weight, Range::NON_NEGATIVE, true, "Attractiveness of conflict zones (raised to the intensity)."),
    setting!(float move_rules.conflict_movechance, Range::UNIT, true, "Daily chance of leaving a conflict zone."),
    setting!(float move_rules.camp_movechance, Range::UNIT, true, "Daily chance of leaving a camp."),
    setting!(float move_rules.idpcamp_movechance, Range::UNIT, true, "Daily chance of leaving an IDP camp."),
    setting!(float move_rules.default_movechance, Range::UNIT, true, "Daily chance of leaving any other location."),
    setting!(int move_rules.awareness_level, Range::between(0.0, 100.0), true, "Link steps an agent looks ahead (0: no routes, as in Flee)."),
    setting!(float move_rules.capacity_buffer, Range::UNIT, true, "Share of a camp's capacity where its attractiveness starts to fall."),
    setting!(float move_rules.capacity_scaling, Range::NON_NEGATIVE, true, "Multiplier of camp capacities (a scaled capacity below 1 means no limit)."),
    setting!(bool move_rules.avoid_short_stints, "Agents do not stop at a location for less than a day's travel."),
    setting!(bool move_rules.start_on_foot, "Agents walk on their first day."),
    setting!(bool move_rules.use_v1_rules, "Flee 1's fixed speed and weights."),
    setting!(float move_rules.softening, Range::NON_NEGATIVE, true, "Kilometres added to every route length in route weights."),
    setting!(float move_rules.weight_softening, Range::NON_NEGATIVE, true, "Added to every location's attractiveness."),
    setting!(float move_rules.weight_power, Range::ANY, true, "Power of a route's weight."),
    setting!(float move_rules.distance_power, Range::ANY, true, "Power of a route's length."),
    setting!(bool move_rules.stay_close_to_home, "Prefer routes that end close to home."),
    setting!(float move_rules.home_distance_power, Range::ANY, true, "Power of the distance from home."),
    setting!(bool move_rules.use_pop_for_loc_weight, "Weigh locations by population."),
    setting!(float move_rules.pop_power_for_loc_weight, Range::ANY, true, "Power of the population in location weights."),
    setting!(float move_rules.movechance_pop_base, Range::POSITIVE, true, "Population at which move chances are unscaled."),
    setting!(float move_rules.movechance_pop_scale_factor, Range::ANY, true, "Power of population scaling of move chances (0: off)."),
    setting!(float move_rules.pruning_threshold, Range::NON_NEGATIVE, true, "Drop routes weighing less than the best over this (≤ 1.001: off)."),
    setting!(bool move_rules.women_avoid_hazards as "WomenAvoidHazards", "Demographic rule (not modelled)."),
    setting!(bool move_rules.children_avoid_hazards as "ChildrenAvoidHazards", "Demographic rule (not modelled)."),
    setting!(bool move_rules.elderly_avoid_hazards as "ElderlyAvoidHazards", "Demographic rule (not modelled)."),
    setting!(bool move_rules.boys_take_risk as "BoysTakeRisk", "Demographic rule (not modelled)."),
    setting!(bool move_rules.match_camp_religion as "MatchCampReligion", "Demographic rule (not modelled)."),
    setting!(bool move_rules.match_camp_ethnicity as "MatchCampEthnicity", "Demographic rule (not modelled)."),
    setting!(bool move_rules.match_town_ethnicity as "MatchTownEthnicity", "Demographic rule (not modelled)."),
    setting!(bool move_rules.match_conflict_ethnicity as "MatchConflictEthnicity", "Demographic rule (not modelled)."),
    setting!(float move_rules.avg_religion_fraction, Range::UNIT, true, "Mean share of a religion at a location."),
    setting!(bool move_rules.fixed_routes, "Precomputed routes (not modelled)."),
    setting!(bool move_rules.two_system_decision_making, "Two-system decisions (not modelled)."),
    setting!(bool move_rules.use_economic_pull, "Economic pull (not modelled)."),
    Setting {
        name: "move_rules.harvest_months",
        aliases: &[],
        kind: Kind::IntList {
            get: |s| &s.move_rules.harvest_months,
            set: |s, v| s.move_rules.harvest_months = v,
        },
        range: Range::between(1.0, 12.0),
        tunable: false,
        present: None,
        doc: "Harvest months 1-12 (not modelled).",
    },
    setting!(bool move_rules.flee_when_starving, "Food-driven departures (not modelled)."),
    setting!(bool move_rules.avoid_food_deprived_locations, "Food-driven route choice (not modelled)."),
    setting!(uint optimisations.hasten, Range::at_least(1.0), false, "Divisor of populations, capacities and data: one agent = hasten people (applied when reading)."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_by_every_spelling() {
        for (i, s) in SETTINGS.iter().enumerate() {
            assert!(
                SETTINGS[..i].iter().all(|t| t.name != s.name),
                "{} twice",
                s.name
            );
            assert_eq!(find(s.name).map(|t| t.name), Some(s.name));
            for a in s.aliases {
                let dotted = format!("{}.{a}", s.section());
                assert_eq!(find(&dotted).map(|t| t.name), Some(s.name));
            }
        }
        assert_eq!(
            find("move_rules.WomenAvoidHazards").map(|s| s.written_key()),
            Some("WomenAvoidHazards")
        );
        assert_eq!(
            find("spawn_rules.camps_are_sinks").map(|s| s.written_key()),
            Some("camps_are_sicks")
        );
        assert!(find("move_rules.nonsense").is_none());
        assert!(find("max_move_speed").is_none());
    }

    #[test]
    fn every_default_is_in_range() {
        let d = Settings::default();
        for s in SETTINGS {
            if let Some(v) = s.get_number(&d) {
                assert!(s.range.contains(v), "{} = {v}", s.name);
                // The setter accepts the default and leaves it unchanged.
                let mut t = d.clone();
                assert_eq!(s.set_number(&mut t, v), Ok(v), "{}", s.name);
                assert_eq!(t, d, "{}", s.name);
            }
            assert!(!s.doc.is_empty());
            assert!(!s.default_text().is_empty());
        }
    }

    #[test]
    fn the_ranges_of_issue_13() {
        let r = |n: &str| find(n).unwrap().range;
        let mut s = Settings::default();
        let set = |s: &mut Settings, n: &str, v: f64| find(n).unwrap().set_number(s, v);
        assert!(r("move_rules.capacity_scaling").contains(0.0));
        assert!(!r("move_rules.capacity_scaling").contains(-0.1));
        assert!(r("move_rules.capacity_buffer").contains(1.0));
        assert!(!r("move_rules.capacity_buffer").contains(1.01));
        assert!(!r("move_rules.max_crossing_speed").contains(0.0));
        assert_eq!(set(&mut s, "move_rules.awareness_level", 100.4), Ok(100.0));
        assert!(set(&mut s, "move_rules.awareness_level", 101.0).is_err());
        assert!(set(&mut s, "move_rules.awareness_level", -1.0).is_err());
        assert!(set(&mut s, "move_rules.camp_weight", f64::NAN).is_err());
        assert!(set(&mut s, "move_rules.use_v1_rules", 1.0).is_err());
        assert_eq!(
            set(&mut s, "spawn_rules.conflict_spawn_decay_interval", 0.2),
            Err("a whole number ≥ 1".to_string())
        );
    }

    #[test]
    fn descriptions() {
        assert_eq!(Range::POSITIVE.describe("a number"), "a number > 0");
        assert_eq!(Range::UNIT.describe("a number"), "a number between 0 and 1");
        assert_eq!(Range::ANY.describe("a whole number"), "a whole number");
        let half = Range {
            low: Bound::Exclusive(0.0),
            high: Bound::Inclusive(2.5),
        };
        assert_eq!(half.describe("a number"), "a number in (0, 2.5]");
        let g = find("log_levels.granularity").unwrap();
        assert_eq!(g.expected(), "'location' or 'region'");
        let m = find("spawn_rules.conflict_driven_spawning.spawn_mode").unwrap();
        assert_eq!(m.expected(), "'constant', 'poisson' or 'pop_ratio'");
        let d = find("spawn_rules.conflict_spawn_decay").unwrap();
        assert_eq!(d.expected(), "a list of numbers ≥ 0");
        let h = find("move_rules.harvest_months").unwrap();
        assert_eq!(h.expected(), "a list of whole numbers between 1 and 12");
    }

    #[test]
    fn conflict_driven_settings_exist_only_when_switched_on() {
        let mut s = Settings::default();
        let d = find("spawn_rules.conflict_driven_spawning.displaced_per_conflict_day").unwrap();
        assert_eq!(d.get_number(&s), None);
        assert!(d.set_number(&mut s, 10.0).is_err());
        assert_eq!(s, Settings::default());
        s.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
            spawn_mode: SpawnMode::Poisson,
            displaced_per_conflict_day: 3.0,
        });
        assert_eq!(d.set_number(&mut s, 10.0), Ok(10.0));
        assert_eq!(d.get_number(&s), Some(10.0));
    }
}
