//! A run partitioned over parts (as over MPI ranks) equals the whole run.
//!
//! The parts run on threads here, with an in-process all-reduce (a barrier and a
//! shared sum); corridor-ensemble's MPI reduce is checked by `bench/mpi-test.sh`
//! under `mpirun`. Every part must return exactly `simulate`'s output: the
//! agents' draws are keyed by their ids, the counts are integer sums.

use corridor_model::border::{Border, Port, QueueDiscipline};
use corridor_model::engine::{simulate_partitioned, Partition, Reduce};
use corridor_model::{simulate, EngineKind, ModelError, RunOptions, RunOutput, Scenario};
use std::path::Path;
use std::sync::{Arc, Barrier, Mutex};

/// What the parts share: a barrier, and (parts added so far, their sum).
type Shared = Arc<(Barrier, Mutex<(usize, Vec<u64>)>)>;

/// All-reduce between threads: every part adds its vector into a shared one,
/// waits for the others, then copies the sum back.
struct ThreadReduce {
    shared: Shared,
    part: u32,
    /// Calls made, to check that every part reduces equally often.
    calls: usize,
}

impl Reduce for ThreadReduce {
    fn sum(&mut self, v: &mut [u64]) {
        let (barrier, acc) = &*self.shared;
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
}

/// Runs `sc` in `parts` parts on threads; returns every part's output and the
/// number of reduces each made.
fn run_parts(sc: &Scenario, opts: &RunOptions, parts: u32) -> Vec<(RunOutput, usize)> {
    let shared: Shared = Arc::new((
        Barrier::new(parts as usize),
        Mutex::new((0usize, Vec::new())),
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
                    };
                    let p = Partition { part, parts };
                    let out = simulate_partitioned(sc, opts, p, &mut r).unwrap();
                    (out, r.calls)
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
        for (part, (out, calls)) in run_parts(sc, &opts, parts).into_iter().enumerate() {
            assert_eq!(calls, 2 * days as usize, "two reduces a day");
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

#[test]
fn border_processes_and_counts_are_refused() {
    let mut sc = flee("mali2012");
    let p = Partition { part: 0, parts: 2 };
    let counts = RunOptions {
        engine: EngineKind::Counts,
        ..Default::default()
    };
    let e = simulate_partitioned(&sc, &counts, p, &mut NoReduce).unwrap_err();
    assert!(matches!(e, ModelError::InvalidScenario(ref m) if m.contains("agent engine")));
    let bad = Partition { part: 2, parts: 2 };
    assert!(simulate_partitioned(&sc, &RunOptions::default(), bad, &mut NoReduce).is_err());
    sc.border = Border {
        ports: vec![Port {
            location: 0,
            name: "P".into(),
            border_city: 0,
            field_office: "F".into(),
            sector: "S".into(),
            capacity_per_day: 1.0,
            open: true,
            walk_ups: false,
            queue: QueueDiscipline::Random,
        }],
        ..Border::default()
    };
    let e = simulate_partitioned(&sc, &RunOptions::default(), p, &mut NoReduce).unwrap_err();
    assert!(matches!(e, ModelError::InvalidScenario(ref m) if m.contains("border")));
}

/// A reduce that must never be called (refused runs reduce nothing).
struct NoReduce;

impl Reduce for NoReduce {
    fn sum(&mut self, _v: &mut [u64]) {
        panic!("a refused run reduced");
    }
}
