//! Flee's run settings (`simsetting.yml`, docs/flee-rules.md §1.9) with Flee's defaults.
//!
//! Field names are the YAML keys in snake case, so one concept has one name in
//! code, docs and files. The reader in `corridor-io` maps YAML onto these structs
//! and reports unknown keys as warnings. Settings that select Flee features corridor
//! does not model (two-system decisions, harvests, IPC food rules) are kept
//! so they can be reported, and [`Settings::unsupported`] lists those switched on.
//!
//! [`table`] defines every setting once (name, Flee aliases, range, doc, get/set);
//! readers, writers and parameter setters are all driven by it.

use serde::Serialize;

pub mod table;

pub use table::{Setting, SETTINGS};

/// All settings of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub number_of_steps: i64,
    pub default_conflict_intensity: i64,
    pub log_levels: LogLevels,
    pub spawn_rules: SpawnRules,
    pub move_rules: MoveRules,
    pub optimisations: Optimisations,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLevels {
    pub agent: i64,
    pub link: i64,
    pub camp: i64,
    pub init: i64,
    pub conflict: i64,
    pub idp_totals: i64,
    /// `location` or `region`.
    pub granularity: String,
}

/// How conflict-driven spawning sizes each day's departures (docs/flee-rules.md §2.4 mode B).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpawnMode {
    Constant,
    Poisson,
    PopRatio,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictDrivenSpawning {
    pub spawn_mode: SpawnMode,
    /// People per conflict day (constant/poisson) or share of population (pop_ratio).
    pub displaced_per_conflict_day: f64,
}

/// `spawn_rules.flood_driven_spawn_mode` (DFlee), as Flee reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FloodDrivenSpawning {
    /// Read from `spawn_mode` (not `flood_spawn_mode`); Flee's default is pop_ratio.
    pub spawn_mode: SpawnMode,
    /// Per flood level (interpolated): people per day (constant, poisson) or the
    /// share of the population (pop_ratio).
    pub displaced_per_flood_day: Vec<f64>,
}

/// `move_rules.flood_rules` (DFlee), as Flee reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FloodRules {
    /// Read by Flee and never used.
    pub max_flood_level: i64,
    /// Per flood level: the move chance that replaces a flooded location's own.
    pub flood_movechances: Option<Vec<f64>>,
    /// Per flood level: multiplier of a flooded destination's weight.
    pub flood_loc_weights: Option<Vec<f64>>,
    /// Read by Flee, which says it does not support them; no effect.
    pub flood_link_weights: Option<Vec<f64>>,
    pub flood_forecaster: bool,
    pub flood_forecaster_timescale: i64,
    pub flood_forecaster_weights: Option<Vec<f64>>,
    pub flood_forecaster_end_time: i64,
    pub flood_awareness_weights: Option<Vec<f64>>,
}

impl Default for FloodRules {
    fn default() -> Self {
        FloodRules {
            max_flood_level: -1,
            flood_movechances: None,
            flood_loc_weights: None,
            flood_link_weights: None,
            flood_forecaster: false,
            flood_forecaster_timescale: 0,
            flood_forecaster_weights: None,
            flood_forecaster_end_time: 0,
            flood_awareness_weights: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpawnRules {
    pub take_from_population: bool,
    pub insert_day0: bool,
    pub empty_camps_on_day0: bool,
    pub conflict_zone_spawning_only: bool,
    pub flood_zone_spawning_only: bool,
    /// Flee reads this from the misspelled key `camps_are_sicks`; we accept both.
    pub camps_are_sinks: bool,
    pub read_from_agents_csv_file: bool,
    pub sum_from_camps: bool,
    pub starvation_driven_spawning: bool,
    /// Present = conflict-driven spawning (mode B) instead of data-driven.
    pub conflict_driven_spawning: Option<ConflictDrivenSpawning>,
    /// Present = flood-driven spawning (DFlee): Flee turns it on only with
    /// `flood_zone_spawning_only: True` and a `flood_driven_spawn_mode` section;
    /// the reader sets it only then (see `docs/flee-compat.md`).
    pub flood_driven_spawning: Option<FloodDrivenSpawning>,
    pub conflict_spawn_decay: Option<Vec<f64>>,
    pub conflict_spawn_decay_interval: u32,
    pub average_social_connectivity: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoveRules {
    pub max_move_speed: f64,
    pub max_walk_speed: f64,
    pub max_crossing_speed: f64,
    pub foreign_weight: f64,
    pub camp_weight: f64,
    pub conflict_weight: f64,
    pub conflict_movechance: f64,
    pub camp_movechance: f64,
    pub idpcamp_movechance: f64,
    pub default_movechance: f64,
    pub awareness_level: i64,
    pub capacity_buffer: f64,
    pub capacity_scaling: f64,
    pub avoid_short_stints: bool,
    pub start_on_foot: bool,
    pub use_v1_rules: bool,
    pub softening: f64,
    pub weight_softening: f64,
    pub weight_power: f64,
    pub distance_power: f64,
    pub stay_close_to_home: bool,
    pub home_distance_power: f64,
    pub use_pop_for_loc_weight: bool,
    pub pop_power_for_loc_weight: f64,
    pub movechance_pop_base: f64,
    pub movechance_pop_scale_factor: f64,
    pub pruning_threshold: f64,
    pub women_avoid_hazards: bool,
    pub children_avoid_hazards: bool,
    pub elderly_avoid_hazards: bool,
    pub boys_take_risk: bool,
    pub match_camp_religion: bool,
    pub match_camp_ethnicity: bool,
    pub match_town_ethnicity: bool,
    pub match_conflict_ethnicity: bool,
    pub avg_religion_fraction: f64,
    pub fixed_routes: bool,
    pub two_system_decision_making: bool,
    pub use_economic_pull: bool,
    pub harvest_months: Vec<i64>,
    pub flee_when_starving: bool,
    pub avoid_food_deprived_locations: bool,
    /// Present = the `flood_rules` section (DFlee).
    pub flood_rules: Option<FloodRules>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimisations {
    /// Integer divisor of populations, capacities and data; one agent = `hasten` people.
    pub hasten: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            number_of_steps: -1,
            default_conflict_intensity: 1,
            log_levels: LogLevels::default(),
            spawn_rules: SpawnRules::default(),
            move_rules: MoveRules::default(),
            optimisations: Optimisations { hasten: 1 },
        }
    }
}

impl Default for LogLevels {
    fn default() -> Self {
        LogLevels {
            agent: 0,
            link: 0,
            camp: 0,
            init: 0,
            conflict: 0,
            idp_totals: 0,
            granularity: "location".into(),
        }
    }
}

impl Default for SpawnRules {
    fn default() -> Self {
        SpawnRules {
            take_from_population: false,
            insert_day0: true,
            empty_camps_on_day0: false,
            conflict_zone_spawning_only: true,
            flood_zone_spawning_only: false,
            camps_are_sinks: false,
            read_from_agents_csv_file: false,
            sum_from_camps: true,
            starvation_driven_spawning: false,
            conflict_driven_spawning: None,
            flood_driven_spawning: None,
            conflict_spawn_decay: None,
            conflict_spawn_decay_interval: 30,
            average_social_connectivity: 3.0,
        }
    }
}

impl Default for MoveRules {
    fn default() -> Self {
        MoveRules {
            max_move_speed: 360.0,
            max_walk_speed: 35.0,
            max_crossing_speed: 20.0,
            foreign_weight: 1.0,
            camp_weight: 1.0,
            conflict_weight: 1.0 / 10f64.sqrt(),
            conflict_movechance: 1.0,
            camp_movechance: 0.001,
            idpcamp_movechance: 0.1,
            default_movechance: 0.3,
            awareness_level: 1,
            capacity_buffer: 0.9,
            capacity_scaling: 1.0,
            avoid_short_stints: false,
            start_on_foot: false,
            use_v1_rules: false,
            softening: 10.0,
            weight_softening: 0.0,
            weight_power: 1.0,
            distance_power: 1.0,
            stay_close_to_home: false,
            home_distance_power: 0.5,
            use_pop_for_loc_weight: false,
            pop_power_for_loc_weight: 0.1,
            movechance_pop_base: 10000.0,
            movechance_pop_scale_factor: 0.0,
            pruning_threshold: 1.0,
            women_avoid_hazards: false,
            children_avoid_hazards: false,
            elderly_avoid_hazards: false,
            boys_take_risk: false,
            match_camp_religion: false,
            match_camp_ethnicity: false,
            match_town_ethnicity: false,
            match_conflict_ethnicity: false,
            avg_religion_fraction: 0.25,
            fixed_routes: false,
            two_system_decision_making: false,
            use_economic_pull: false,
            harvest_months: Vec::new(),
            flee_when_starving: false,
            avoid_food_deprived_locations: false,
            flood_rules: None,
        }
    }
}

impl Settings {
    /// Applies `use_v1_rules` the way Flee does: fixed speed and weights, no
    /// short-stint or start-on-foot rules. Call once after reading.
    pub fn apply_v1_rules(&mut self) {
        if self.move_rules.use_v1_rules {
            let m = &mut self.move_rules;
            m.max_move_speed = 200.0;
            m.camp_weight = 2.0;
            m.conflict_weight = 0.25;
            m.avoid_short_stints = false;
            m.start_on_foot = false;
        }
    }

    /// Names of Flee features that are switched on but not modelled by corridor.
    /// Flee's `FloodRulesEnabled`: flood levels are read and applied to move
    /// chances and weights (flood-driven spawning or a `flood_rules` section).
    pub fn flood_rules_enabled(&self) -> bool {
        self.spawn_rules.flood_driven_spawning.is_some() || self.move_rules.flood_rules.is_some()
    }

    pub fn unsupported(&self) -> Vec<&'static str> {
        let m = &self.move_rules;
        let s = &self.spawn_rules;
        let mut v = Vec::new();
        if m.fixed_routes {
            v.push("move_rules.fixed_routes");
        }
        if m.two_system_decision_making {
            v.push("move_rules.two_system_decision_making");
        }
        if m.use_economic_pull {
            v.push("move_rules.use_economic_pull");
        }
        if !m.harvest_months.is_empty() {
            v.push("move_rules.harvest_months");
        }
        if m.flee_when_starving {
            v.push("move_rules.flee_when_starving");
        }
        if m.avoid_food_deprived_locations {
            v.push("move_rules.avoid_food_deprived_locations");
        }
        if s.starvation_driven_spawning {
            v.push("spawn_rules.starvation_driven_spawning");
        }
        if s.read_from_agents_csv_file {
            v.push("spawn_rules.read_from_agents_csv_file");
        }
        v
    }
}
