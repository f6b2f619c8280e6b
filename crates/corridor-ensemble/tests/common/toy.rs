//! The small Flee-like scenario the engine tests and the `mpi_ensemble` example
//! share (conflict zone → town → two camps, constant Poisson spawning), built in
//! code so that neither needs input files. Kept to the model's own types so the
//! example can include it with `#[path]`.

use corridor_model::settings::{ConflictDrivenSpawning, SpawnMode};
use corridor_model::{CampData, Date, Location, LocationKind, Scenario, Series};

/// `days` days from 2012-03-01: A (conflict zone, 100,000 people) — B (town) —
/// camps C (150 km from B) and D (260 km), 40 people displaced a day, and
/// observed camp data rising linearly from 0 to `observed` (C, D) on day `days`.
pub fn flee_like(name: &str, days: u32, observed: [f64; 2]) -> Scenario {
    let mut s = Scenario::new(name, Date::parse("2012-03-01").unwrap(), days);
    let a = s.add_location(Location::new("A", LocationKind::ConflictZone));
    s.locations[a].population = 100_000;
    s.add_location(Location::new("B", LocationKind::Town));
    let c = s.add_location(Location::new("C", LocationKind::Camp));
    let d = s.add_location(Location::new("D", LocationKind::Camp));
    s.link("A", "B", 120.0);
    s.link("B", "C", 150.0);
    s.link("B", "D", 260.0);
    s.settings.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
        spawn_mode: SpawnMode::Poisson,
        displaced_per_conflict_day: 40.0,
    });
    s.data.camps = [c, d]
        .into_iter()
        .zip(observed)
        .map(|(location, last)| CampData {
            location,
            series: Series::new(vec![(0, 0.0), (days as i64, last)]),
        })
        .collect();
    s
}
