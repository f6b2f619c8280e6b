//! Fuzzing the readers: byte-level mutations of the CSV and YAML files of a small
//! valid instance (`tests/bad-inputs/_base`) must give `Ok` or `Err`, never a panic.
//! Bounded (200 cases per property) so it runs in the normal test suite.

use corridor_io::flee::read_flee_instance;
use corridor_io::{text, yaml};
use proptest::prelude::*;
use proptest::sample::Index;
use std::path::Path;
use std::sync::OnceLock;

/// (relative path, bytes) of every file of the base instance.
fn base() -> &'static Vec<(String, Vec<u8>)> {
    static BASE: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    BASE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-inputs/_base");
        let mut out = Vec::new();
        for sub in ["", "input_csv", "source_data"] {
            for e in std::fs::read_dir(root.join(sub)).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_file() {
                    let rel = format!("{sub}/{}", e.file_name().to_string_lossy());
                    out.push((
                        rel.trim_start_matches('/').to_string(),
                        std::fs::read(e.path()).unwrap(),
                    ));
                }
            }
        }
        out.sort();
        out
    })
}

/// Bytes that make parsers take unusual paths, mixed with arbitrary ones.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(b",\"\n\r#-.: \t0123456789eE+[]{}'\xEF\xBB\xBF\xFF\xC3".to_vec()),
        1 => any::<u8>(),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    /// Duplicate a slice of the file (repeated rows, long fields).
    Repeat(Index, Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), byte()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        3 => (any::<Index>(), byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => any::<Index>().prop_map(Mutation::Delete),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Repeat(a, b)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    match m {
        Mutation::Replace(i, b) if n > 0 => {
            let i = i.index(n);
            bytes[i] = *b;
        }
        Mutation::Insert(i, b) => {
            let i = i.index(n + 1);
            bytes.insert(i, *b);
        }
        Mutation::Delete(i) if n > 0 => {
            bytes.remove(i.index(n));
        }
        Mutation::Repeat(a, b) if n > 0 => {
            let (a, b) = (a.index(n), b.index(n));
            let (lo, hi) = (a.min(b), a.max(b) + 1);
            let slice = bytes[lo..hi].to_vec();
            bytes.splice(hi..hi, slice);
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(n + 1)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_instances_never_panic(
        edits in prop::collection::vec((any::<Index>(), prop::collection::vec(mutation(), 1..6)), 1..3)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut files = base().clone();
        for (which, muts) in &edits {
            let k = which.index(files.len());
            for m in muts {
                apply(&mut files[k].1, m);
            }
        }
        for (rel, bytes) in &files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        // Ok or Err are both fine; a panic fails the test. An error must name a file.
        if let Err(e) = read_flee_instance(dir.path()) {
            prop_assert!(!e.path().is_empty());
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_csv_and_yaml_parsers(
        bytes in prop::collection::vec(byte(), 0..300)
    ) {
        let _ = text::parse_csv("x.csv", &bytes);
        let _ = yaml::parse_settings(&bytes, "simsetting.yml");
    }

    #[test]
    fn mutated_settings_never_panic(muts in prop::collection::vec(mutation(), 1..8)) {
        let yml = b"log_levels:\n  agent: 0\nspawn_rules:\n  conflict_spawn_decay: [1.0,0.5]\n  conflict_driven_spawning:\n    spawn_mode: poisson\nmove_rules:\n  max_move_speed: 200.0\n  harvest_months: [6, 11]\n  WomenAvoidHazards: True\noptimisations:\n  hasten: 10\n";
        let mut bytes = yml.to_vec();
        for m in &muts {
            apply(&mut bytes, m);
        }
        if let Ok((s, _)) = yaml::parse_settings(&bytes, "simsetting.yml") {
            prop_assert!(s.optimisations.hasten >= 1);
            prop_assert!(s.move_rules.max_move_speed > 0.0 && s.move_rules.max_move_speed.is_finite());
        }
    }
}
