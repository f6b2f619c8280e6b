//! The scenario-format bad-inputs corpus (`tests/bad-inputs/scenario/`): every case
//! is the valid `_base` scenario with exactly one defect and must fail with the
//! message pinned in its `expected.txt` (`<dir>` stands for the case's directory).
//! Beside it, a property test builds malformed tables (rows shorter or longer than
//! the header, odd cells) into the base scenario: the reader must answer `Ok` or a
//! located `Err`, never panic, and must refuse every short or long row.

mod corpus;

use corridor_io::scenario::{read_scenario, read_scenario_str};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    corpus::repo_tests("bad-inputs/scenario")
}

fn cases() -> Vec<PathBuf> {
    corpus::cases(&root(), &["_base"])
}

/// A case's own note, not part of the scenario.
fn scenario_file(rel: &str) -> bool {
    rel != "expected.txt"
}

/// Every file of a case (name → bytes), expected.txt excluded.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    corpus::files(dir, scenario_file)
}

#[test]
fn base_scenario_is_valid_and_clean() {
    let inst = read_scenario(&root().join("_base/scenario.toml")).unwrap();
    assert!(inst.warnings.is_empty(), "{:?}", inst.warnings);
    assert_eq!(inst.scenario.locations.len(), 6);
    assert_eq!(inst.scenario.links.len(), 5);
    assert_eq!(inst.scenario.border.ports.len(), 2);
    assert_eq!(inst.scenario.border.crossings.len(), 2);
}

#[test]
fn every_case_fails_with_its_expected_message() {
    let cases = cases();
    assert!(cases.len() >= 20, "only {} cases", cases.len());
    let failures =
        corpus::unexpected_messages(&cases, |dir| read_scenario(&dir.join("scenario.toml")));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_case_has_exactly_one_defect() {
    corpus::assert_one_change_each(&root().join("_base"), &cases(), scenario_file);
}

/// The base scenario's files as text (all are UTF-8).
fn base_text() -> BTreeMap<String, String> {
    files(&root().join("_base"))
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect()
}

/// Cells that exercise the typed readers: numbers in and out of range, names,
/// empties, quotes, formula-like text.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Tapachula".to_string()),
        Just("Tijuana".to_string()),
        Just("San Ysidro".to_string()),
        Just("town".to_string()),
        Just("port".to_string()),
        Just("=1+1".to_string()),
        Just("\"quoted, cell\"".to_string()),
        Just("2023-12-05".to_string()),
        Just("NaN".to_string()),
        Just("1e308".to_string()),
        Just("-1".to_string()),
        (0u32..5000).prop_map(|n| n.to_string()),
        (0.0f64..1.5).prop_map(|x| format!("{x:.3}")),
        "[a-zA-Z ]{0,8}",
    ]
}

#[derive(Debug, Clone)]
struct Malformed {
    table: &'static str,
    /// Rows to append: each a list of cells.
    rows: Vec<Vec<String>>,
}

const TABLES: [&str; 6] = [
    "locations.csv",
    "routes.csv",
    "ports.csv",
    "checkpoints.csv",
    "inflows.csv",
    "crossings.csv",
];

fn malformed() -> impl Strategy<Value = Malformed> {
    (
        prop::sample::select(TABLES.to_vec()),
        prop::collection::vec(prop::collection::vec(cell(), 0..12), 1..4),
    )
        .prop_map(|(table, rows)| Malformed { table, rows })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn malformed_tables_give_located_errors_never_panics(m in malformed()) {
        let mut text = base_text();
        let table = text.get_mut(m.table).unwrap();
        let header_width = table.lines().next().unwrap().split(',').count();
        let mut wrong_width = None;
        for (i, row) in m.rows.iter().enumerate() {
            // Cells as the CSV reader sees them: trimmed, quotes removed (a quoted
            // comma stays inside its cell).
            let empty = |c: &String| c.trim().is_empty() || c == "\"\"";
            // A row of only empty cells is a blank row, skipped by every reader.
            let blank = row.iter().all(empty);
            // Trailing empty cells beyond the header are tolerated (spreadsheets pad).
            let width = row.iter().rposition(|c| !empty(c)).map_or(0, |i| i + 1);
            let wrong = row.len() < header_width || width > header_width;
            if !blank && wrong && wrong_width.is_none() {
                wrong_width = Some(table.lines().count() + 1 + i);
            }
        }
        for row in &m.rows {
            table.push_str(&row.join(","));
            table.push('\n');
        }
        let toml = text["scenario.toml"].clone();
        let lookup = |rel: &str| text.get(rel).cloned();
        let got = read_scenario_str("scenario.toml", &toml, &lookup);
        if let Err(e) = &got {
            // Every error names a file; errors about a table name it and a line.
            let msg = e.to_string();
            prop_assert!(msg.contains(".csv:") || msg.contains("scenario.toml"), "{msg}");
        }
        if let Some(line) = wrong_width {
            let e = got.err();
            prop_assert!(e.is_some(), "a row of the wrong width at {}:{line} was accepted", m.table);
        }
    }
}
