//! Waiting for papers (`border::papers`) on both engines, on `examples/papers`:
//! offices hold people at their location, a relocation event moves exactly the
//! people it names from those waiting, and caravans recruit among them.
//! (That the two engines follow the same law on the example: `border_counts.rs`.)

use corridor_model::{simulate, EngineKind, RunOptions, RunOutput, Scenario};
use std::path::PathBuf;

const ENGINES: [EngineKind; 2] = [EngineKind::Agents, EngineKind::Counts];

fn example() -> Scenario {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/papers/scenario.toml");
    corridor_io::scenario::read_scenario(&p)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn run(sc: &Scenario, engine: EngineKind, seed: u64) -> RunOutput {
    let out = simulate(
        sc,
        &RunOptions {
            seed,
            days: None,
            engine,
        },
    )
    .expect("run");
    for d in &out.days {
        assert!(d.accounting.balances(), "day {}: {:?}", d.day, d.accounting);
    }
    out
}

fn loc(sc: &Scenario, name: &str) -> usize {
    sc.locations.iter().position(|l| l.name == name).unwrap()
}

fn relocation_day(sc: &Scenario) -> usize {
    sc.border
        .events
        .iter()
        .find(|e| e.action.name() == "relocate")
        .unwrap()
        .day as usize
}

#[test]
fn offices_hold_people_where_they_wait() {
    let sc = example();
    let tap = loc(&sc, "Tapachula");
    let mut none = sc.clone();
    none.border.papers[0].seek_share = 0.0;
    for engine in ENGINES {
        let with = run(&sc, engine, 3);
        let without = run(&none, engine, 3);
        // Before the caravan (day 80): those who wait stay in Tapachula.
        let mean =
            |o: &RunOutput| (30..80).map(|d| o.days[d].population[tap]).sum::<u64>() as f64 / 50.0;
        let (w, wo) = (mean(&with), mean(&without));
        assert!(w > wo + 250.0, "{engine:?}: {w} vs {wo}");
        // Papers come after 56 days at the earliest: no bus before day 57.
        let first_bus = |o: &RunOutput| o.days.iter().position(|d| d.accounting.in_transit > 0);
        assert!(first_bus(&with).unwrap() >= 57, "{engine:?}");
        assert_eq!(first_bus(&without), None, "{engine:?}");
    }
}

#[test]
fn relocation_moves_the_people_it_names() {
    let sc = example();
    let day = relocation_day(&sc);
    let mut without = sc.clone();
    without
        .border
        .events
        .retain(|e| e.action.name() != "relocate");
    for engine in ENGINES {
        for seed in [1, 2] {
            let a = run(&sc, engine, seed);
            let b = run(&without, engine, seed);
            // The same run until the event; that day, 100 agents (1,000 people
            // at hasten 10) more in transit, all from those waiting.
            assert_eq!(a.days[day - 1], b.days[day - 1], "{engine:?}");
            let extra = a.days[day].accounting.in_transit - b.days[day].accounting.in_transit;
            assert_eq!(extra, 100, "{engine:?} seed {seed}");
            assert!(a.warnings.is_empty(), "{:?}", a.warnings);
        }
    }
}

#[test]
fn a_relocation_short_of_people_warns() {
    let mut sc = example();
    for e in &mut sc.border.events {
        if let corridor_model::border::Action::Relocate { people, .. } = &mut e.action {
            *people = 1_000_000;
        }
    }
    for engine in ENGINES {
        let out = run(&sc, engine, 1);
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains("waiting for papers")),
            "{engine:?}: {:?}",
            out.warnings
        );
    }
}

#[test]
fn caravans_recruit_among_those_waiting() {
    let sc = example();
    let mut none = sc.clone();
    none.border.papers.clear();
    for engine in ENGINES {
        // With the office, the caravan finds its 800 agents; without it, the
        // people free at Tapachula on day 80 are too few.
        let with = run(&sc, engine, 5);
        assert!(with.warnings.is_empty(), "{engine:?}: {:?}", with.warnings);
        let without = run(&none, engine, 5);
        assert!(
            without.warnings.iter().any(|w| w.contains("caravan")),
            "{engine:?}: {:?}",
            without.warnings
        );
    }
}

#[test]
fn same_seed_same_run() {
    let sc = example();
    for engine in ENGINES {
        assert_eq!(run(&sc, engine, 9).days, run(&sc, engine, 9).days);
    }
}

/// The built-in scenario: with its COMAR offices, the caravans of 24 Dec and
/// 30 Oct 2023 find their sourced sizes at Tapachula and the relocation of
/// 26 Sep 2023 finds the 8,152 people it moved, so the run warns of nothing.
#[test]
fn builtin_caravans_and_relocation_find_their_people() {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mexico-2023/scenario.toml");
    let inst = corridor_io::scenario::read_scenario(&p).unwrap_or_else(|e| panic!("{e}"));
    let sc = inst.scenario;
    let out = run(&sc, EngineKind::Agents, inst.seed.unwrap());
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let tap = loc(&sc, "Tapachula");
    let day = relocation_day(&sc);
    assert!(out.days[day - 1].population[tap] > 8_152);
}
