//! Support shared by the CLI's end-to-end tests: where the inputs are, the
//! `corridor` binary as a command, and readers of what it writes. One copy, so
//! that every test binary starts the binary the same way (without
//! `RAYON_NUM_THREADS`, which would otherwise leak from the caller's shell into
//! thread-count tests) and reads files with the same failure messages.
#![allow(dead_code)] // each test binary uses the part it needs

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// Where summary.json's `accounting` puts every spawned person (the parts add
/// up to `spawned`). Written out here rather than taken from the library, so
/// that the tests check the library's list.
pub const ACCOUNTING_PARTS: [&str; 7] = [
    "at_locations",
    "on_links",
    "in_queues",
    "in_transit",
    "admitted",
    "encountered",
    "removed",
];

/// The repository root (examples/, scenarios/, tests/data/).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Mali 2012 Flee instance.
pub fn mali() -> PathBuf {
    repo().join("tests/data/flee/mali2012")
}

/// `examples/<name>`.
pub fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

/// The `corridor` binary, with the caller's `RAYON_NUM_THREADS` removed.
pub fn corridor() -> Command {
    let mut c = Command::cargo_bin("corridor").unwrap();
    c.env_remove("RAYON_NUM_THREADS");
    c
}

/// `corridor run <input> --out <out> <extra...>`, asserting success.
pub fn run_ok(input: &Path, out: &Path, extra: &[&str]) {
    corridor()
        .arg("run")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// `corridor run <input> --out <out>`, asserting that it fails as bad input (exit
/// code 2, `error: ` first) and writes nothing; the caller checks what stderr says.
pub fn run_refused(input: &Path, out: &Path) -> assert_cmd::assert::Assert {
    let a = corridor()
        .arg("run")
        .arg(input)
        .arg("--out")
        .arg(out)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error: "));
    assert!(!out.exists(), "a failed run must write nothing");
    a
}

pub fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn json(p: &Path) -> Value {
    serde_json::from_str(&read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every entry of a run or ensemble directory (not recursive) with its bytes, by
/// name; each must be a file (such directories hold no folders).
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    listing(dir, false)
}

/// The files directly in `dir` with their bytes, by name, skipping folders (a
/// compare directory holds one per variant).
pub fn top_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    listing(dir, true)
}

fn listing(dir: &Path, skip_folders: bool) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            (!skip_folders || e.file_type().unwrap().is_file()).then(|| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).unwrap(),
                )
            })
        })
        .collect();
    v.sort();
    v
}

/// Copies a flat scenario directory (its files, not its folders) into `dst`.
pub fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for e in fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            fs::copy(e.path(), dst.join(e.file_name())).unwrap();
        }
    }
}
