//! The warn-inputs corpus (`tests/warn-inputs/`): every case is the valid
//! `tests/bad-inputs/_base` instance with exactly one change that Flee accepts.
//! Each must read with exactly the warnings of its `expected.txt` and run; a case
//! with `run-error.txt` must refuse a run of its whole period with that message
//! and run within its schedule's rows.

mod corpus;

use corridor_io::flee::read_flee_instance;
use corridor_model::{simulate, EngineKind, RunOptions};
use std::path::PathBuf;

fn base() -> PathBuf {
    corpus::repo_tests("bad-inputs/_base")
}

fn cases() -> Vec<PathBuf> {
    corpus::cases(&corpus::repo_tests("warn-inputs"), &[])
}

/// The instance's files: a case's own `*.txt` notes at the top are not part of it.
fn instance_file(rel: &str) -> bool {
    !rel.ends_with(".txt") || rel.contains('/')
}

fn opts(days: Option<u32>) -> RunOptions {
    RunOptions {
        seed: 1,
        days,
        engine: EngineKind::Agents,
    }
}

#[test]
fn every_case_warns_as_expected_and_runs() {
    let cases = cases();
    assert!(cases.len() >= 4, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(dir.join("expected.txt"))
            .unwrap_or_else(|_| panic!("{name}: no expected.txt"));
        let expected: Vec<&str> = expected.lines().collect();
        let fi = match read_flee_instance(dir) {
            Ok(fi) => fi,
            Err(e) => {
                failures.push(format!("{name}: refused: {e}"));
                continue;
            }
        };
        if fi.warnings != expected {
            failures.push(format!(
                "{name}:\n  expected: {expected:?}\n  got:      {:?}",
                fi.warnings
            ));
        }
        let sc = &fi.scenario;
        match std::fs::read_to_string(dir.join("run-error.txt")) {
            Err(_) => {
                if let Err(e) = simulate(sc, &opts(None)) {
                    failures.push(format!("{name}: run failed: {e}"));
                }
            }
            Ok(want) => {
                match simulate(sc, &opts(None)) {
                    Ok(_) => failures.push(format!("{name}: the whole period ran")),
                    Err(e) if e.to_string() != want.trim_end() => failures.push(format!(
                        "{name}:\n  expected run error: {}\n  got:                {e}",
                        want.trim_end()
                    )),
                    Err(_) => {}
                }
                let rows = sc.conflicts.as_ref().map_or(0, |c| c.intensity.len()) as u32;
                match simulate(sc, &opts(Some(rows))) {
                    Ok(out) => assert_eq!(out.days.len(), rows as usize, "{name}"),
                    Err(e) => failures.push(format!("{name}: run of {rows} days failed: {e}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_case_has_exactly_one_change() {
    corpus::assert_one_change_each(&base(), &cases(), instance_file);
}

/// Which `B` each table reaches, as in Flee: routes the last (linkUp keeps the
/// last match), the conflict onset the first (add_conflict_zone stops at the
/// first); corridor's names stay unique and out.csv's name is Flee's.
#[test]
fn duplicated_name_reaches_the_location_flee_reaches() {
    let fi = read_flee_instance(&corpus::repo_tests("warn-inputs/duplicate-location")).unwrap();
    let s = &fi.scenario;
    let names: Vec<&str> = s.locations.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["A", "B", "C", "D", "B#2"]);
    assert_eq!(s.locations[1].flee_name(), "B");
    assert_eq!(s.locations[4].flee_name(), "B");
    assert_eq!(s.locations[0].flee_name, None);
    // Every route that names B ends at the second B (index 4).
    let ends: Vec<(usize, usize)> = s.links.iter().map(|l| (l.from, l.to)).collect();
    assert_eq!(ends, [(0, 4), (4, 2), (4, 3)]);
    // conflicts.csv's B column is the first B.
    assert_eq!(s.conflicts.as_ref().unwrap().locations, [0, 1]);
    assert_eq!(s.last_named(1), 4);
    assert_eq!(s.last_named(4), 4);
    // The first B has no links: people spawned there after its onset (day 5)
    // cannot leave it, while people pass through the second B.
    let out = simulate(s, &opts(None)).unwrap();
    assert!(out.days.iter().all(|d| d.departed[1] == 0));
    assert!(out.days.last().unwrap().population[1] > 0);
    assert!(out.days.iter().map(|d| d.departed[4]).sum::<u64>() > 0);
}
