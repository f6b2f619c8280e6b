//! A run partitioned over parts (as over MPI ranks) equals the whole run, for
//! Flee instances and for scenarios with border processes.
//!
//! The parts run on threads here, with an in-process all-reduce and gather (a
//! barrier and shared vectors); corridor-ensemble's MPI reduce is checked by
//! `bench/mpi-test.sh` under `mpirun`. Every part must return exactly
//! `simulate`'s output: the agents' draws are keyed by their ids, the counts are
//! integer sums, and the border steps act on the candidates of all parts merged
//! in id order.

use corridor_model::engine::{simulate_partitioned, Partition, Reduce};
use corridor_model::{simulate, EngineKind, ModelError, RunOptions, RunOutput, Scenario};
use std::path::Path;
use std::sync::{Arc, Barrier, Mutex};

/// What the parts share: a barrier, (parts added so far, their sum), and each
/// part's vector of the current gather.
type Shared = Arc<(Barrier, Mutex<(usize, Vec<u64>)>, Mutex<Vec<Vec<u64>>>)>;

/// All-reduce between threads: every part adds its vector into a shared one,
/// waits for the others, then copies the sum back.
struct ThreadReduce {
    shared: Shared,
    part: u32,
    /// Calls made, to check that every part reduces equally often.
    calls: usize,
    gathers: usize,
}

impl Reduce for ThreadReduce {
    fn sum(&mut self, v: &mut [u64]) {
        let (barrier, acc, _) = &*self.shared;
        // The previous round's reads are over.
        barrier.wait();
        {
            let mut a = acc.lock().unwrap();
            if a.0 == 0 {
                a.1 = v.to_vec();
            } else {
                assert_eq!(a.1.len(), v.len(), "parts reduce different lengths");
                for (x, y) in a.1.iter_mut().zip(v.iter()) {
                    *x += *y;
                }
            }
            a.0 += 1;
        }
        barrier.wait();
        v.copy_from_slice(&acc.lock().unwrap().1);
        barrier.wait();
        if self.part == 0 {
            acc.lock().unwrap().0 = 0;
        }
        self.calls += 1;
    }

    fn gather(&mut self, v: &[u64]) -> Vec<u64> {
        let (barrier, _, parts) = &*self.shared;
        barrier.wait();
        parts.lock().unwrap()[self.part as usize] = v.to_vec();
        barrier.wait();
        let all = parts.lock().unwrap().concat();
        barrier.wait();
        self.gathers += 1;
        all
    }
}

/// Runs `sc` in `parts` parts on threads; returns every part's output and the
/// number of reduces and gathers each made.
fn run_parts(sc: &Scenario, opts: &RunOptions, parts: u32) -> Vec<(RunOutput, usize, usize)> {
    let shared: Shared = Arc::new((
        Barrier::new(parts as usize),
        Mutex::new((0usize, Vec::new())),
        Mutex::new(vec![Vec::new(); parts as usize]),
    ));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..parts)
            .map(|part| {
                let shared = Arc::clone(&shared);
                s.spawn(move || {
                    let mut r = ThreadReduce {
                        shared,
                        part,
                        calls: 0,
                        gathers: 0,
                    };
                    let p = Partition { part, parts };
                    let out = simulate_partitioned(sc, opts, p, &mut r).unwrap();
                    (out, r.calls, r.gathers)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn flee(name: &str) -> Scenario {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/flee")
        .join(name);
    corridor_io::flee::read_flee_instance(&dir)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .scenario
}

fn check(sc: &Scenario, seed: u64, days: u32) {
    let opts = RunOptions {
        seed,
        days: Some(days),
        ..Default::default()
    };
    let whole = simulate(sc, &opts).unwrap();
    let moved: u64 = whole.days.iter().flat_map(|d| d.departed.iter()).sum();
    assert!(moved > 1000, "{}: too little happens to compare", sc.name);
    for parts in [2, 3] {
        for (part, (out, calls, gathers)) in run_parts(sc, &opts, parts).into_iter().enumerate() {
            assert_eq!(calls, 2 * days as usize, "two reduces a day");
            assert_eq!(gathers, 0, "no border steps, nothing to gather");
            assert!(out == whole, "{}: part {part} of {parts} differs", sc.name);
        }
    }
}

#[test]
fn mali2012_in_parts_equals_the_whole_run() {
    // avoid_short_stints on: the incremental passes with lazy recent travel.
    check(&flee("mali2012"), 11, 300);
}

#[test]
fn with_camps_as_sinks_in_parts_equals_the_whole_run() {
    // Sinks: every agent visited, tallies recounted, exits compacted per part.
    let mut sc = flee("burundi2015");
    sc.settings.spawn_rules.camps_are_sinks = true;
    for l in &mut sc.locations {
        l.attributes
            .insert("deactivation_probability".into(), "0.05".into());
    }
    check(&sc, 3, 150);
}

/// A corridor scenario of the repository (`examples/NAME`, `scenarios/NAME`).
fn corridor(rel: &str) -> (Scenario, u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .join("scenario.toml");
    let inst = corridor_io::scenario::read_scenario(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    (inst.scenario, inst.seed.unwrap_or(1))
}

/// Border scenarios: every part of 2 and 3 returns the whole run's output
/// (records, border columns, warnings), and the border steps did gather.
fn check_border(rel: &str, days: Option<u32>) {
    let (sc, seed) = corridor(rel);
    let opts = RunOptions {
        seed,
        days,
        ..Default::default()
    };
    let whole = simulate(&sc, &opts).unwrap();
    // People move or pass the border (an example may do only one of them).
    let moved: u64 = whole.days.iter().flat_map(|d| d.departed.iter()).sum();
    let last = whole.days.last().unwrap().accounting;
    let border: u64 = whole
        .days
        .iter()
        .map(|d| d.accounting.in_queues + d.accounting.in_transit)
        .sum::<u64>()
        + last.admitted
        + last.encountered;
    assert!(moved + border > 200, "{rel}: too little happens to compare");
    for parts in [2, 3] {
        for (part, (out, calls, gathers)) in run_parts(&sc, &opts, parts).into_iter().enumerate() {
            assert_eq!(calls, 2 * whole.days.len(), "{rel}: two reduces a day");
            // B6 intercepts, B8 queues, B9 appointments, B11 crossings at least.
            assert!(
                gathers >= 4 * whole.days.len(),
                "{rel}: border steps gather daily"
            );
            assert!(out == whole, "{rel}: part {part} of {parts} differs");
        }
    }
}

#[test]
fn border_examples_in_parts_equal_the_whole_run() {
    // Every example, read from the directory so that a new one is covered
    // without editing a list (corridor-io's reader test pins which exist):
    // ports and queues, appointments, checkpoints, crossings, caravans (with
    // papers and relocation), papers offices with buses and a relocation event,
    // shelters, inflows, port closures and capacities, walk-ups who balk and renege.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("scenario.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 11, "examples/: {names:?}");
    for ex in &names {
        check_border(&format!("examples/{ex}"), None);
    }
}

#[test]
fn builtin_scenario_in_parts_equals_the_whole_run() {
    check_border("scenarios/mexico-2023", Some(60));
}

#[test]
fn counts_and_missing_parts_are_refused() {
    let sc = flee("mali2012");
    let p = Partition { part: 0, parts: 2 };
    let counts = RunOptions {
        engine: EngineKind::Counts,
        ..Default::default()
    };
    let e = simulate_partitioned(&sc, &counts, p, &mut NoReduce).unwrap_err();
    assert!(matches!(e, ModelError::InvalidScenario(ref m) if m.contains("agent engine")));
    let bad = Partition { part: 2, parts: 2 };
    assert!(simulate_partitioned(&sc, &RunOptions::default(), bad, &mut NoReduce).is_err());
}

/// A reduce that must never be called (refused runs reduce nothing).
struct NoReduce;

impl Reduce for NoReduce {
    fn sum(&mut self, _v: &mut [u64]) {
        panic!("a refused run reduced");
    }

    fn gather(&mut self, _v: &[u64]) -> Vec<u64> {
        panic!("a refused run gathered");
    }
}
