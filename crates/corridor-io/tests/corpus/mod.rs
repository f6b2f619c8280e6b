//! What the three input corpora (`tests/bad-inputs/`, `tests/bad-inputs/scenario/`,
//! `tests/warn-inputs/`) share: listing their cases, reading a case's files, the
//! "exactly one change from the base" check and the pinned-message runner. Every
//! case is a copy of a valid base with one change; the runners differ only in how
//! they read a case and which of its files are the case's own notes.

#![allow(dead_code)] // each test binary uses the part it needs

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The repository's `tests/<rel>` folder.
pub fn repo_tests(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests")
        .join(rel)
}

/// The case directories of a corpus, sorted, without the named folders
/// (`_base`, a nested corpus).
pub fn cases(root: &Path, skip: &[&str]) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter(|p| !skip.iter().any(|s| p.file_name().unwrap() == *s))
        .collect();
    v.sort();
    v
}

/// Every file below `dir` (relative path with `/` → bytes) for which `keep`
/// holds; `keep` drops a case's own notes (expected messages).
pub fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if keep(&rel) {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Asserts that every case differs from `base` in exactly one file (files as
/// `keep` selects them), so that each case tests one thing.
pub fn assert_one_change_each(base: &Path, cases: &[PathBuf], keep: impl Fn(&str) -> bool) {
    let base = files(base, &keep);
    for dir in cases {
        let case = files(dir, &keep);
        let changed: BTreeSet<&String> = base
            .keys()
            .chain(case.keys())
            .filter(|k| base.get(*k) != case.get(*k))
            .collect();
        assert_eq!(
            changed.len(),
            1,
            "{}: files differ from the base: {changed:?}",
            dir.display()
        );
    }
}

/// Reads every case with `read` and compares its error with the case's
/// `expected.txt` (`<dir>` standing for the case's path); returns one line per
/// case that read without error or failed with another message.
pub fn unexpected_messages<E: std::fmt::Display, T>(
    cases: &[PathBuf],
    read: impl Fn(&Path) -> Result<T, E>,
) -> Vec<String> {
    let mut failures = Vec::new();
    for dir in cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(dir.join("expected.txt"))
            .unwrap_or_else(|_| panic!("{name}: no expected.txt"));
        let expected = expected.trim_end();
        match read(dir) {
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
    failures
}
