//! DFlee: flood-driven displacement (Flee's `flood_level.csv` and flood rules),
//! kept in one module so that the day loop only calls four hooks.
//!
//! Flee's rules, read from its source (see `docs/flee-compat.md`, "Floods"):
//! * **Flood rules enabled** (`Settings::flood_rules_enabled`): flood-driven
//!   spawning or a `move_rules.flood_rules` section. Then every day, before
//!   spawning, each location's flood level is set from that day's row of
//!   `flood_level.csv` (0 for locations without a column), and the conflict
//!   schedule is not applied.
//! * **Spawning** (with flood-driven spawning): every location with level `f > 0`
//!   spawns `int(D(f))` (constant), `int(D(f) × pop)` (pop_ratio, `pop` as it is
//!   when the location's turn comes) or `Poisson(int(D(f)))` people, where
//!   `D` interpolates `displaced_per_flood_day`; they are taken from the
//!   population. Nothing else spawns; `raw` and `debt` stay 0.
//! * **Move chance**: at a location with level `f > 0` the move chance is
//!   `M(f)` (`flood_movechances`), replacing the location's own.
//! * **Weights**: a `flood_zone` location's score is multiplied by `W(f)`
//!   (`flood_loc_weights`) whatever its level, including 0; and any destination
//!   with `f > 0` has its end-point score multiplied by `W(f)` once more.
//! * `X(f)` interpolates linearly between entries `⌊f⌋` and `⌊f⌋ + 1`; Flee
//!   raises an error for `f ≥ len − 1`. corridor checks every level of the run
//!   against the tables before the first day and refuses a run that would make
//!   Flee fail (stricter than Flee only where Flee would not happen to evaluate
//!   the table, e.g. a move chance at a level where nobody is, or a row after
//!   the last day run).
//! * A schedule (conflicts.csv, flood_level.csv) with fewer rows than the run
//!   has days: Flee fails on the first missing row; corridor refuses the run
//!   before it starts ([`check_schedules`]), and runs it when `--days` stays
//!   within the rows.
//!
//! The flood forecaster (`flood_forecaster: True`) is refused: Flee's three
//! versions of it disagree (see `docs/flee-compat.md`).

use super::places::Places;
use crate::error::ModelError;
use crate::scenario::{LocationKind, Scenario};
use crate::settings::{Settings, SpawnMode};

/// Flee's `lib_math.interp`: `a[i] + frac × (a[i+1] − a[i])` for `0 ≤ x < len − 1`.
pub fn interp(a: &[f64], x: f64) -> Option<f64> {
    if !(x >= 0.0 && x < a.len() as f64 - 1.0) {
        return None;
    }
    let i = x as usize;
    let frac = x - i as f64;
    Some(a[i] + frac * (a[i + 1] - a[i]))
}

/// Refuses a run of `days` days that needs a row its conflict or flood schedule
/// does not have (Flee fails with an IndexError on that day).
pub fn check_schedules(sc: &Scenario, days: u32) -> Result<(), ModelError> {
    let floods = sc.settings.flood_rules_enabled();
    let short = |file: &str, rows: usize| {
        Err(ModelError::InvalidScenario(format!(
            "{file} has {rows} day rows but the run has {days} days; Flee stops with an error on day {rows}: run at most {rows} days (--days {rows}) or add rows"
        )))
    };
    match (&sc.floods, &sc.conflicts) {
        (Some(f), _) if floods && f.level.len() < days as usize => {
            short("flood_level.csv", f.level.len())
        }
        // Flee does not read conflicts.csv with flood rules.
        (_, Some(c)) if !floods && !c.locations.is_empty() && c.intensity.len() < days as usize => {
            short("conflicts.csv", c.intensity.len())
        }
        _ => Ok(()),
    }
}

/// The flood state of a run with flood rules.
#[derive(Debug, Clone)]
pub(crate) struct Floods {
    /// Today's level per location.
    level: Vec<u32>,
    flood_zone: Vec<bool>,
    movechances: Vec<f64>,
    loc_weights: Vec<f64>,
    /// `(mode, displaced_per_flood_day)` with flood-driven spawning.
    spawning: Option<(SpawnMode, Vec<f64>)>,
}

impl Floods {
    /// `None` without flood rules; an error for a run Flee cannot make.
    pub(crate) fn new(sc: &Scenario, s: &Settings) -> Result<Option<Floods>, ModelError> {
        if !s.flood_rules_enabled() {
            return Ok(None);
        }
        let bad = |m: String| Err(ModelError::InvalidScenario(m));
        let Some(fs) = &sc.floods else {
            return bad(
                "flood rules are set but there is no flood_level.csv (Flee reads it only with flood-driven spawning: spawn_rules.flood_zone_spawning_only and flood_driven_spawn_mode)".into(),
            );
        };
        let rules = s.move_rules.flood_rules.clone().unwrap_or_default();
        if rules.flood_forecaster {
            return bad("move_rules.flood_rules.flood_forecaster is not supported by corridor (see docs/flee-compat.md)".into());
        }
        let n = sc.locations.len();
        if let Some(&l) = fs.locations.iter().find(|&&l| l >= n) {
            return bad(format!("flood schedule refers to location {l}"));
        }
        let spawning = s
            .spawn_rules
            .flood_driven_spawning
            .as_ref()
            .map(|f| (f.spawn_mode, f.displaced_per_flood_day.clone()));
        let flood_zone: Vec<bool> = sc
            .locations
            .iter()
            .map(|l| l.kind == LocationKind::FloodZone)
            .collect();
        let f = Floods {
            level: vec![0; n],
            flood_zone,
            movechances: rules.flood_movechances.unwrap_or_default(),
            loc_weights: rules.flood_loc_weights.unwrap_or_default(),
            spawning,
        };
        // Every level the run meets must be inside the tables Flee will look it up in.
        let mut tables: Vec<(&str, &[f64], bool)> = vec![
            (
                "move_rules.flood_rules.flood_movechances",
                &f.movechances,
                false,
            ),
            (
                "move_rules.flood_rules.flood_loc_weights",
                &f.loc_weights,
                true,
            ),
        ];
        if let Some((_, d)) = &f.spawning {
            tables.push((
                "spawn_rules.flood_driven_spawn_mode.displaced_per_flood_day",
                d,
                false,
            ));
        }
        for (t, row) in fs.level.iter().enumerate() {
            for (&lv, &l) in row.iter().zip(&fs.locations) {
                for &(key, table, zone_rule) in &tables {
                    // Flood zones look their weight up at level 0 too.
                    let used = lv > 0 || (zone_rule && f.flood_zone[l]);
                    if used && interp(table, lv as f64).is_none() {
                        return bad(format!(
                            "day {t}: flood level {lv} of '{}' needs {key} with more than {} entries ({} given); Flee stops with an error here",
                            sc.locations[l].name,
                            lv + 1,
                            table.len()
                        ));
                    }
                }
            }
        }
        // Flood zones without a column stay at level 0 all run.
        if f.flood_zone.iter().any(|&z| z) && interp(&f.loc_weights, 0.0).is_none() {
            return bad(
                "flood_zone locations need move_rules.flood_rules.flood_loc_weights with at least 2 entries; Flee stops with an error otherwise".into(),
            );
        }
        Ok(Some(f))
    }

    /// Sets the levels of day `t` (before spawning).
    pub(crate) fn update(&mut self, sc: &Scenario, t: u32) {
        let Some(fs) = &sc.floods else { return };
        self.level.fill(0);
        if let Some(row) = fs.level.get(t as usize) {
            for (&lv, &l) in row.iter().zip(&fs.locations) {
                self.level[l] = lv;
            }
        }
    }

    /// Flood-driven spawning of the day: people per flooded location, in
    /// location order; `None` without flood-driven spawning. `pop_ratio` uses the
    /// population before the location's own spawning (earlier locations' spawns
    /// come from their own populations).
    pub(crate) fn spawn_counts(
        &self,
        places: &Places,
        mut poisson: impl FnMut(usize, f64) -> u64,
    ) -> Option<Vec<(usize, u64)>> {
        let (mode, table) = self.spawning.as_ref()?;
        let mut v = Vec::new();
        for (l, &lv) in self.level.iter().enumerate() {
            if lv == 0 {
                continue;
            }
            let d = interp(table, lv as f64).unwrap_or(0.0);
            let n = match mode {
                SpawnMode::Constant => d.max(0.0) as u64,
                SpawnMode::PopRatio => (d * places.pop[l] as f64).max(0.0) as u64,
                SpawnMode::Poisson => poisson(l, d.trunc().max(0.0)),
            };
            v.push((l, n));
        }
        Some(v)
    }

    /// Location scores and move chances of the day (after `start_of_evolve`).
    pub(crate) fn adjust(&self, score: &mut [f64], mc: &mut [f64]) {
        for (l, &lv) in self.level.iter().enumerate() {
            if self.flood_zone[l] {
                score[l] *= interp(&self.loc_weights, lv as f64).unwrap_or(1.0);
            }
            if lv > 0 {
                if let Some(m) = interp(&self.movechances, lv as f64) {
                    mc[l] = m;
                }
            }
        }
    }

    /// End-point scores `end[class * n + x]` of the day (after `end_scores`).
    pub(crate) fn adjust_end(&self, end: &mut [f64]) {
        let n = self.level.len();
        if n == 0 {
            return;
        }
        for (x, &lv) in self.level.iter().enumerate() {
            if lv == 0 {
                continue;
            }
            let w = interp(&self.loc_weights, lv as f64).unwrap_or(1.0);
            for v in end.iter_mut().skip(x).step_by(n) {
                *v *= w;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{FloodSchedule, Location};
    use crate::settings::{FloodDrivenSpawning, FloodRules};
    use crate::{simulate, Date, EngineKind, RunOptions};

    /// F (flood zone, 1000 people) – T (town) – C (camp); F's level is 1 on
    /// day 0, 0 on day 1, 2 on days 2–3.
    fn scenario(mode: SpawnMode) -> Scenario {
        let mut sc = Scenario::new("flood", Date::parse("2020-01-01").unwrap(), 4);
        let mut f = Location::new("F", LocationKind::FloodZone);
        f.population = 1000;
        sc.add_location(f);
        sc.add_location(Location::new("T", LocationKind::Town));
        sc.add_location(Location::new("C", LocationKind::Camp));
        sc.link("F", "T", 10.0);
        sc.link("T", "C", 500.0);
        let sr = &mut sc.settings.spawn_rules;
        sr.conflict_zone_spawning_only = false;
        sr.flood_zone_spawning_only = true;
        sr.take_from_population = true;
        sr.flood_driven_spawning = Some(FloodDrivenSpawning {
            spawn_mode: mode,
            displaced_per_flood_day: vec![0.0, 0.1, 0.2, 0.5],
        });
        sc.settings.move_rules.flood_rules = Some(FloodRules {
            flood_movechances: Some(vec![0.3, 0.0, 1.0, 1.0]),
            flood_loc_weights: Some(vec![1.0, 0.5, 0.2, 0.0]),
            ..FloodRules::default()
        });
        sc.floods = Some(FloodSchedule {
            locations: vec![0],
            level: vec![vec![1], vec![0], vec![2], vec![2]],
        });
        sc
    }

    fn run_on(sc: &Scenario, engine: EngineKind) -> Result<crate::RunOutput, ModelError> {
        let opts = RunOptions {
            seed: 3,
            days: None,
            engine,
        };
        simulate(sc, &opts)
    }

    /// On both engines: what the flood rules decide without a draw.
    #[test]
    fn flood_spawning_move_chances_and_population() {
        for engine in [EngineKind::Agents, EngineKind::Counts] {
            flood_rules_on(engine);
        }
    }

    fn flood_rules_on(engine: EngineKind) {
        let out = run_on(&scenario(SpawnMode::PopRatio), engine).unwrap();
        let spawned: Vec<u64> = out.days.iter().map(|d| d.spawned_today).collect();
        // int(0.1 × 1000), nothing at level 0, int(0.2 × 900), int(0.2 × 720).
        assert_eq!(spawned, [100, 0, 180, 144]);
        // Level 1: move chance M(1) = 0, so nobody leaves F on day 0 (the town's
        // own 0.3 would move about 30).
        assert_eq!(out.days[0].departed[0], 0);
        assert_eq!(out.days[0].population[0], 100);
        // Level 2: M(2) = 1, everybody at F leaves.
        assert_eq!(out.days[2].population[0], 0);
        // Every location is reported; raw and debt stay 0.
        assert!(out.days.iter().all(|d| d.raw == 0 && d.debt == 0));
        let constant = run_on(&scenario(SpawnMode::Constant), engine).unwrap();
        let spawned: Vec<u64> = constant.days.iter().map(|d| d.spawned_today).collect();
        assert_eq!(spawned, [0, 0, 0, 0], "int(D(f)) of shares below 1 is 0");
    }

    #[test]
    fn scenario_columns_are_every_location() {
        let sc = scenario(SpawnMode::PopRatio);
        assert_eq!(sc.camp_locations(), [0, 1, 2]);
    }

    /// The same refusals on both engines (the core checks them).
    #[test]
    fn refusals_are_clear() {
        for engine in [EngineKind::Agents, EngineKind::Counts] {
            let mut sc = scenario(SpawnMode::PopRatio);
            sc.floods.as_mut().unwrap().level[3] = vec![3];
            let e = run_on(&sc, engine).unwrap_err().to_string();
            assert!(e.contains("day 3: flood level 3 of 'F'"), "{e}");
            let mut sc = scenario(SpawnMode::PopRatio);
            sc.floods.as_mut().unwrap().level.pop();
            let e = run_on(&sc, engine).unwrap_err().to_string();
            assert!(
                e.contains("flood_level.csv has 3 day rows but the run has 4 days"),
                "{e}"
            );
            let mut sc = scenario(SpawnMode::PopRatio);
            sc.settings
                .move_rules
                .flood_rules
                .as_mut()
                .unwrap()
                .flood_forecaster = true;
            assert!(run_on(&sc, engine)
                .unwrap_err()
                .to_string()
                .contains("flood_forecaster"));
        }
    }

    /// The count engine runs DFlee's flood rules (the core's levels, spawn
    /// plan, move chances and weights; same law, `counts_vs_agents.rs`), so
    /// `Auto` picks it.
    #[test]
    fn auto_runs_flood_rules_on_the_count_engine() {
        let sc = scenario(SpawnMode::PopRatio);
        assert_eq!(crate::engine::counts_refusal(&sc, None), None);
        assert_eq!(EngineKind::Auto.resolve(&sc, None), EngineKind::Counts);
        let opts = |engine| RunOptions {
            seed: 3,
            days: None,
            engine,
        };
        let counts = simulate(&sc, &opts(EngineKind::Counts)).unwrap();
        assert_eq!(simulate(&sc, &opts(EngineKind::Auto)).unwrap(), counts);
    }

    #[test]
    fn interp_is_flees() {
        let a = [1.0, 0.5, 0.2, 0.0, 0.0];
        assert_eq!(interp(&a, 0.0), Some(1.0));
        assert_eq!(interp(&a, 2.0), Some(0.2));
        assert_eq!(interp(&a, 1.5), Some(0.35));
        assert_eq!(interp(&a, 3.0), Some(0.0));
        // Flee: IndexError for i >= len - 1 and i < 0.
        assert_eq!(interp(&a, 4.0), None);
        assert_eq!(interp(&a, -0.5), None);
        assert_eq!(interp(&[], 0.0), None);
    }
}
