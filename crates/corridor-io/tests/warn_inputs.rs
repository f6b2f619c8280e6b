//! The warn-inputs corpus (`tests/warn-inputs/`): every case is the valid
//! `tests/bad-inputs/_base` instance with exactly one change that Flee accepts.
//! Each must read with exactly the warnings of its `expected.txt` and run; a case
//! with `run-error.txt` must refuse a run of its whole period with that message
//! and run within its schedule's rows.

use corridor_io::flee::read_flee_instance;
use corridor_model::{simulate, EngineKind, RunOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/warn-inputs")
}

fn base() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-inputs/_base")
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Every file of an instance directory (relative path → bytes), the case's own
/// `*.txt` files at the top excluded.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if !rel.ends_with(".txt") || rel.contains('/') {
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
    }
    out
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
    let base = files(&base());
    for dir in cases() {
        let case = files(&dir);
        let changed = base
            .keys()
            .chain(case.keys())
            .filter(|k| base.get(*k) != case.get(*k))
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(
            changed.len(),
            1,
            "{}: files differ from _base: {changed:?}",
            dir.display()
        );
    }
}

/// Which `B` each table reaches, as in Flee: routes the last (linkUp keeps the
/// last match), the conflict onset the first (add_conflict_zone stops at the
/// first); corridor's names stay unique and out.csv's name is Flee's.
#[test]
fn duplicated_name_reaches_the_location_flee_reaches() {
    let fi = read_flee_instance(&corpus().join("duplicate-location")).unwrap();
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
