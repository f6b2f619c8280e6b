//! One run with its agents partitioned over several parts (MPI ranks), as
//! parallel Flee does: each part keeps the agents whose id `i` has
//! `i % parts == part`, runs the decision and travel passes on them, and the
//! per-location counts are summed over all parts (an all-reduce) after each pass,
//! so every part sees the same occupancy, builds the same route weights and
//! records the same day. Because every random draw of an agent is keyed by its id
//! (never by its slot or part) and counts are integer sums, every part returns a
//! `RunOutput` equal to [`super::simulate`]'s for any number of parts.
//!
//! The core stays free of I/O: the all-reduce is a [`Reduce`] supplied by the
//! caller (MPI in corridor-ensemble, threads in tests).

use super::{EngineKind, RunOptions, COMPACT_AT};
use crate::error::ModelError;
use crate::record::RunOutput;
use crate::scenario::Scenario;

/// Element-wise sum over all parts, in place: after the call every part's `v`
/// holds the sum of all parts' `v`. Every part calls it the same number of times
/// with slices of the same length, in the same order.
pub trait Reduce {
    /// Sums `v` over all parts.
    fn sum(&mut self, v: &mut [u64]);
}

/// Which part of the agents this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// This part, `0..parts`.
    pub part: u32,
    /// Number of parts (at least 1).
    pub parts: u32,
}

impl Partition {
    /// The whole run in one part.
    pub const WHOLE: Partition = Partition { part: 0, parts: 1 };

    /// Whether agent `id` belongs to this part.
    #[inline]
    pub(crate) fn owns(&self, id: u32) -> bool {
        self.parts <= 1 || id % self.parts == self.part
    }
}

/// Runs `scenario` with the agents of `partition` only, summing the counts over
/// all parts with `reduce`. Every part must call this with the same scenario and
/// options; each returns the same output, equal to [`super::simulate`]'s.
/// Scenarios with border processes are refused (their steps act on individual
/// agents across locations in id order) and so is the count engine.
pub fn simulate_partitioned(
    scenario: &Scenario,
    opts: &RunOptions,
    partition: Partition,
    reduce: &mut dyn Reduce,
) -> Result<RunOutput, ModelError> {
    if partition.parts == 0 || partition.part >= partition.parts {
        return Err(ModelError::InvalidScenario(format!(
            "part {} of {} parts does not exist",
            partition.part, partition.parts
        )));
    }
    if partition.parts > 1 {
        if opts.engine != EngineKind::Agents {
            return Err(ModelError::InvalidScenario(
                "a partitioned run needs the agent engine (the count engine moves no agents)"
                    .into(),
            ));
        }
        if !scenario.border.is_empty() {
            return Err(ModelError::InvalidScenario(
                "a partitioned run cannot have border processes (ports, checkpoints, \
                 caravans, ...): they act on agents across parts; run it whole"
                    .into(),
            ));
        }
    }
    super::run(scenario, opts, COMPACT_AT, false, partition, reduce)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{run, World};
    use crate::scenario::{Location, LocationKind};
    use crate::Date;
    use std::sync::{Barrier, Mutex};

    /// All-reduce between the threads of a test: add, wait, read, wait.
    struct Shared {
        barrier: Barrier,
        sum: Mutex<(usize, Vec<u64>)>,
    }

    struct ThreadReduce<'a>(&'a Shared);

    impl Reduce for ThreadReduce<'_> {
        fn sum(&mut self, v: &mut [u64]) {
            let s = self.0;
            s.barrier.wait();
            {
                let mut a = s.sum.lock().unwrap();
                if a.0 == 0 {
                    a.1 = v.to_vec();
                } else {
                    a.1.iter_mut().zip(v.iter()).for_each(|(x, y)| *x += *y);
                }
                a.0 += 1;
            }
            let leader = s.barrier.wait().is_leader();
            v.copy_from_slice(&s.sum.lock().unwrap().1);
            s.barrier.wait();
            if leader {
                s.sum.lock().unwrap().0 = 0;
            }
            s.barrier.wait();
        }
    }

    /// Camps as sinks with compaction after every exit: each part compacts its
    /// own arrays at its own times, which must not change anything.
    #[test]
    fn parts_compacting_on_their_own_equal_the_whole_run() {
        let mut sc = Scenario::new("sinks", Date(0), 40);
        for (n, k) in [
            ("A", LocationKind::ConflictZone),
            ("B", LocationKind::Town),
            ("C", LocationKind::Camp),
            ("D", LocationKind::Camp),
        ] {
            let mut l = Location::new(n, k);
            l.population = 10_000;
            l.initial_idps = if n == "A" { 3000 } else { 0 };
            l.attributes
                .insert("deactivation_probability".into(), "0.1".into());
            sc.add_location(l);
        }
        sc.link("A", "B", 80.0);
        sc.link("B", "C", 120.0);
        sc.link("A", "D", 300.0);
        sc.settings.spawn_rules.camps_are_sinks = true;
        sc.settings.move_rules.avoid_short_stints = true;
        let opts = RunOptions {
            seed: 9,
            ..Default::default()
        };
        let whole = run(
            &sc,
            &opts,
            usize::MAX,
            false,
            Partition::WHOLE,
            &mut super::super::Whole,
        )
        .unwrap();
        let removed = whole.days.last().unwrap().accounting.removed;
        assert!(removed > 1000, "removed {removed}");
        for parts in [2u32, 3] {
            let shared = Shared {
                barrier: Barrier::new(parts as usize),
                sum: Mutex::new((0, Vec::new())),
            };
            let outs: Vec<RunOutput> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..parts)
                    .map(|part| {
                        let (sc, opts, shared) = (&sc, &opts, &shared);
                        s.spawn(move || {
                            let p = Partition { part, parts };
                            let mut r = ThreadReduce(shared);
                            let mut w = World::new(sc, opts.seed, p).unwrap();
                            w.compact_at = 1;
                            let days: Vec<_> =
                                (0..sc.days).map(|t| w.step(t, &mut r).unwrap()).collect();
                            // This part compacted: it holds fewer slots than ids.
                            assert!(w.gone.removed > 0, "part {part} of {parts} never compacted");
                            RunOutput {
                                seed: opts.seed,
                                days,
                                warnings: w.core.warnings,
                            }
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            for (part, out) in outs.iter().enumerate() {
                assert!(*out == whole, "part {part} of {parts} differs");
            }
        }
    }
}
