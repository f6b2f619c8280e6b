//! Support shared by the ensemble tests: running on a pool of a given size,
//! writing an ensemble directory and reading it back, so the thread-count tests
//! of the synthetic and the real engine compare files the same way.
#![allow(dead_code)] // each test binary uses the part it needs

pub mod toy;

use corridor_ensemble::Ensemble;
use std::fs;
use std::path::Path;

/// Runs `f` on a fresh rayon pool of `threads` threads.
pub fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// `e` written (with no extra summary keys) into a fresh temporary folder.
pub fn written(e: &Ensemble) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    e.write_dir(dir.path(), &Default::default()).unwrap();
    dir
}

/// Every file of a folder with its bytes, sorted by name.
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|f| {
            let f = f.unwrap();
            (
                f.file_name().to_string_lossy().into_owned(),
                fs::read(f.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The files `e` writes, sorted by name.
pub fn written_files(e: &Ensemble) -> Vec<(String, Vec<u8>)> {
    files(written(e).path())
}

/// Asserts that the files written on 1 and on 3 threads are the same, naming
/// the first that differs (a byte dump of a whole file would bury the name).
pub fn assert_same_on_1_and_3_threads(one: &[(String, Vec<u8>)], three: &[(String, Vec<u8>)]) {
    assert_eq!(one.len(), three.len());
    for (a, b) in one.iter().zip(three) {
        assert_eq!(a.0, b.0);
        assert!(a.1 == b.1, "{} differs between 1 and 3 threads", a.0);
    }
}
