//! `cargo bench -p corridor-model`: the cost of a simulated day.
//!
//! * `agents_*`: the agent engine on a synthetic network (`network(n)`: n
//!   locations on a jittered grid, neighbours joined, 15 % conflict zones, 10 %
//!   camps) with P agents placed on day 0; divan's item counter is agent-days, so
//!   its throughput line reads as agent-steps per second.
//! * `counts_*`: the count engine on the same network with 10^9 people; the
//!   counter is days (its cost does not depend on the number of people).
//! * `mali2012_*`: the whole mali2012 instance (300 days), both engines.
//!
//! Runs are short (a few days) so that the suite finishes in about a minute.

use corridor_model::settings::{ConflictDrivenSpawning, SpawnMode};
use corridor_model::{simulate, Date, EngineKind, Location, LocationKind, RunOptions, Scenario};
use divan::counter::ItemsCount;
use divan::Bencher;

fn main() {
    divan::main();
}

/// A connected synthetic network of `n` locations with `people` on day 0,
/// spread over the conflict zones, and a small daily conflict-driven inflow.
fn network(n: usize, people: u64) -> Scenario {
    let mut sc = Scenario::new("synthetic", Date::parse("2020-01-01").unwrap(), 30);
    let side = (n as f64).sqrt().ceil() as usize;
    // A small deterministic generator (SplitMix64) keeps the bench free of deps.
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut zones = Vec::new();
    for i in 0..n {
        let u = next();
        let kind = if i == 0 || u < 0.15 {
            LocationKind::ConflictZone
        } else if u < 0.25 {
            LocationKind::Camp
        } else {
            LocationKind::Town
        };
        let mut l = Location::new(&format!("L{i}"), kind);
        l.population = (1_000.0 + 100_000.0 * next()) as u64;
        if kind == LocationKind::Camp && next() < 0.5 {
            l.capacity = Some(people / 20 + 1);
        }
        if kind == LocationKind::ConflictZone {
            zones.push(i);
        }
        sc.add_location(l);
    }
    for &z in &zones {
        sc.locations[z].initial_idps = people / zones.len() as u64;
    }
    for i in 0..n {
        let (r, c) = (i / side, i % side);
        for j in [i + 1, i + side] {
            if j < n && (j == i + side || c + 1 < side) {
                let km = 40.0 + 160.0 * next();
                sc.links.push(corridor_model::Link::new(i, j, km));
            }
        }
        let _ = r;
    }
    sc.settings.move_rules.max_move_speed = 200.0;
    sc.settings.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
        spawn_mode: SpawnMode::Constant,
        displaced_per_conflict_day: 10.0,
    });
    sc
}

fn run(sc: &Scenario, days: u32, engine: EngineKind) -> u64 {
    let out = simulate(
        sc,
        &RunOptions {
            seed: 1,
            days: Some(days),
            engine,
        },
    )
    .unwrap();
    out.days.iter().map(|d| d.total_agents).sum()
}

const DAYS: u32 = 5;

#[divan::bench(args = [100_000, 1_000_000], sample_count = 5)]
fn agents_1000_locations(bencher: Bencher, people: u64) {
    let sc = network(1000, people);
    let agent_days = run(&sc, DAYS, EngineKind::Agents);
    bencher
        .counter(ItemsCount::new(agent_days))
        .bench(|| run(&sc, DAYS, EngineKind::Agents));
}

#[divan::bench(args = [100, 1000, 5000], sample_count = 5)]
fn counts_billion_people(bencher: Bencher, locations: usize) {
    let sc = network(locations, 1_000_000_000);
    bencher
        .counter(ItemsCount::new(30u32))
        .bench(|| run(&sc, 30, EngineKind::Counts));
}

fn mali() -> Scenario {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012");
    corridor_io::flee::read_flee_instance(&dir)
        .unwrap()
        .scenario
}

#[divan::bench(sample_count = 5)]
fn mali2012_agents(bencher: Bencher) {
    let sc = mali();
    bencher.bench(|| run(&sc, sc.days, EngineKind::Agents));
}

#[divan::bench(sample_count = 5)]
fn mali2012_counts(bencher: Bencher) {
    let sc = mali();
    bencher.bench(|| run(&sc, sc.days, EngineKind::Counts));
}
