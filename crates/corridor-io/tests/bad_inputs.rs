//! The bad-inputs corpus (`tests/bad-inputs/`): every case is the valid `_base`
//! instance with exactly one defect, and must fail with the message pinned in its
//! `expected.txt` (`<dir>` stands for the case's own directory path). The
//! `scenario/` folder holds the scenario-format corpus (`bad_scenarios.rs`).

use corridor_io::flee::read_flee_instance;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-inputs")
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().unwrap() != "_base")
        .filter(|p| p.file_name().unwrap() != "scenario")
        .collect();
    v.sort();
    v
}

/// Every file of an instance directory (relative path → bytes), expected.txt excluded.
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
                if rel != "expected.txt" {
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
    }
    out
}

#[test]
fn base_instance_is_valid_and_clean() {
    let fi = read_flee_instance(&corpus().join("_base")).unwrap();
    assert!(fi.warnings.is_empty(), "{:?}", fi.warnings);
    assert_eq!(fi.scenario.locations.len(), 4);
}

#[test]
fn every_case_fails_with_its_expected_message() {
    let cases = cases();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(dir.join("expected.txt"))
            .unwrap_or_else(|_| panic!("{name}: no expected.txt"));
        let expected = expected.trim_end();
        match read_flee_instance(dir) {
            Ok(_) => failures.push(format!("{name}: read without error")),
            Err(e) => {
                let got = e.to_string().replace(&dir.display().to_string(), "<dir>");
                if got != expected {
                    failures.push(format!(
                        "{name}:\n  expected: {expected}\n  got:      {got}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_case_has_exactly_one_defect() {
    let base = files(&corpus().join("_base"));
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
