//! The bad-inputs corpus (`tests/bad-inputs/`): every case is the valid `_base`
//! instance with exactly one defect, and must fail with the message pinned in its
//! `expected.txt` (`<dir>` stands for the case's own directory path). The
//! `scenario/` folder holds the scenario-format corpus (`bad_scenarios.rs`).

mod corpus;

use corridor_io::flee::read_flee_instance;
use std::path::PathBuf;

fn root() -> PathBuf {
    corpus::repo_tests("bad-inputs")
}

fn cases() -> Vec<PathBuf> {
    corpus::cases(&root(), &["_base", "scenario"])
}

/// A case's own note, not part of the instance.
fn instance_file(rel: &str) -> bool {
    rel != "expected.txt"
}

#[test]
fn base_instance_is_valid_and_clean() {
    let fi = read_flee_instance(&root().join("_base")).unwrap();
    assert!(fi.warnings.is_empty(), "{:?}", fi.warnings);
    assert_eq!(fi.scenario.locations.len(), 4);
}

#[test]
fn every_case_fails_with_its_expected_message() {
    let cases = cases();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let failures = corpus::unexpected_messages(&cases, read_flee_instance);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_case_has_exactly_one_defect() {
    corpus::assert_one_change_each(&root().join("_base"), &cases(), instance_file);
}
