//! One run with its agents partitioned over several parts (MPI ranks), as
//! parallel Flee does: each part keeps the agents whose id `i` has
//! `i % parts == part`, runs the decision and travel passes on them, and the
//! per-location counts are summed over all parts (an all-reduce) after each pass,
//! so every part sees the same occupancy, builds the same route weights and
//! records the same day. Because every random draw of an agent is keyed by its id
//! (never by its slot or part) and counts are integer sums, every part returns a
//! `RunOutput` equal to [`super::simulate`]'s for any number of parts.
//!
//! Border scenarios: every part keeps the whole `BorderState` (queues, transit,
//! appointment quotas, caravans, papers waits, the day's records) and changes it
//! identically. Where a border step needs facts of agents (who joins a queue,
//! who requests an appointment, who is intercepted, who may cross, who may join
//! a caravan), each part lists those of its own agents, the lists of all parts
//! are gathered on every part ([`Reduce::gather`]) and merged in agent-id order
//! ([`Share::all`]), and every part then makes the same `BorderState` calls in
//! that order, changing only the agents it holds. Every `BorderState` decision
//! is keyed by agent and day or made over a sorted list, so the merged list
//! gives exactly the serial run's calls. The day's tally of a border scenario is
//! summed after the border steps (they change this part's agents only).
//!
//! The core stays free of I/O: the all-reduce and the gather are a [`Reduce`]
//! supplied by the caller (MPI in corridor-ensemble, threads in tests).

use super::{EngineKind, RunOptions, COMPACT_AT};
use crate::error::ModelError;
use crate::record::RunOutput;
use crate::scenario::Scenario;

/// The collective operations between the parts of a run. Every part calls them
/// the same number of times, in the same order.
pub trait Reduce {
    /// Element-wise sum over all parts, in place: after the call every part's
    /// `v` holds the sum of all parts' `v` (slices of the same length).
    fn sum(&mut self, v: &mut [u64]);

    /// Concatenation of every part's `v` in part order (lengths may differ):
    /// every part gets the same vector. A run in one part returns `v`.
    fn gather(&mut self, v: &[u64]) -> Vec<u64>;
}

/// What the border steps need of the partition: which agents this part holds,
/// and the gather of the day's candidates. With one part, [`Share::all`]
/// returns its argument untouched, so the serial run makes the very same calls.
pub(crate) struct Share<'a> {
    partition: Partition,
    reduce: &'a mut dyn Reduce,
}

impl<'a> Share<'a> {
    pub(crate) fn new(partition: Partition, reduce: &'a mut dyn Reduce) -> Self {
        Share { partition, reduce }
    }

    /// Whether agent `id` is held by this part.
    #[inline]
    pub(crate) fn owns(&self, id: u32) -> bool {
        self.partition.owns(id)
    }

    /// Every part's records, merged in increasing order of their first field
    /// (an agent id, one record per agent). Each part must pass its records in
    /// that order; with one part they come back as they are.
    pub(crate) fn all<const W: usize>(&mut self, mine: Vec<[u64; W]>) -> Vec<[u64; W]> {
        if self.partition.parts <= 1 {
            return mine;
        }
        debug_assert!(
            mine.windows(2).all(|w| w[0][0] < w[1][0]),
            "records not in id order"
        );
        let flat: Vec<u64> = mine.iter().flatten().copied().collect();
        let all = self.reduce.gather(&flat);
        let mut v: Vec<[u64; W]> = all
            .chunks_exact(W)
            .map(|c| {
                let mut r = [0u64; W];
                r.copy_from_slice(c);
                r
            })
            .collect();
        // Ids are distinct, so the order is total.
        v.sort_unstable_by_key(|r| r[0]);
        v
    }

    /// [`all`](Self::all) for plain agent ids (ascending in each part).
    pub(crate) fn ids(&mut self, mine: Vec<u32>) -> Vec<u32> {
        if self.partition.parts <= 1 {
            return mine;
        }
        let recs = mine.into_iter().map(|a| [a as u64]).collect();
        self.all::<1>(recs)
            .into_iter()
            .map(|[a]| a as u32)
            .collect()
    }
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
/// Border processes are split as the module doc says; the count engine (no
/// agents to split) is refused.
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
    if partition.parts > 1 && opts.engine != EngineKind::Agents {
        return Err(ModelError::InvalidScenario(
            "a partitioned run needs the agent engine (the count engine moves no agents)".into(),
        ));
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

    /// All-reduce and gather between the threads of a test: add (or store),
    /// wait, read, wait.
    struct Shared {
        barrier: Barrier,
        sum: Mutex<(usize, Vec<u64>)>,
        gathered: Mutex<Vec<Vec<u64>>>,
    }

    struct ThreadReduce<'a>(&'a Shared, u32);

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

        fn gather(&mut self, v: &[u64]) -> Vec<u64> {
            let s = self.0;
            s.barrier.wait();
            s.gathered.lock().unwrap()[self.1 as usize] = v.to_vec();
            s.barrier.wait();
            let all = s.gathered.lock().unwrap().concat();
            s.barrier.wait();
            all
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
        compare_parts(&sc, 9);
    }

    /// Border processes with compaction after every exit: inflow → city with
    /// crossings (a checkpoint on the way relocates people back) → port with
    /// walk-ups and appointments. Every part holds a shrinking share of slots
    /// while `BorderState` (queues, transit, appointment quota) is whole.
    #[test]
    fn border_parts_compacting_on_their_own_equal_the_whole_run() {
        use crate::border::{
            Allocation, AppointmentPool, Border, Checkpoint, CrossingPoint, Inflow, Port,
            QueueDiscipline,
        };
        use crate::series::Series;
        let mut sc = Scenario::new("exits", Date(0), 40);
        for (n, k) in [
            ("In", LocationKind::Town),
            ("Mid", LocationKind::Town),
            ("City", LocationKind::Town),
            ("Port", LocationKind::Port),
        ] {
            sc.add_location(Location::new(n, k));
        }
        sc.link("In", "Mid", 60.0);
        sc.link("Mid", "City", 90.0);
        sc.link("City", "Port", 5.0);
        sc.settings.move_rules.max_move_speed = 100.0;
        sc.border = Border {
            ports: vec![Port {
                location: 3,
                name: "Port".into(),
                border_city: 2,
                field_office: "F".into(),
                sector: "S".into(),
                capacity_per_day: 150.0,
                open: true,
                walk_ups: true,
                queue: QueueDiscipline::Random,
            }],
            appointments: Some(AppointmentPool {
                per_day: 15.0,
                shares: vec![1.0],
                request_probability: 0.3,
                eligible: vec![2],
                allocation: Allocation::Lottery,
                lead_days: 2,
            }),
            checkpoints: vec![Checkpoint {
                name: "K".into(),
                from: 1,
                to: 2,
                both_directions: false,
                probability: 0.2,
                relocate_to: 0,
                delay_days: 2,
            }],
            inflows: vec![Inflow {
                location: 0,
                series: Series::new(vec![(0, 400.0)]),
            }],
            crossings: vec![CrossingPoint {
                name: "City".into(),
                border_city: 2,
                sector: "S".into(),
                hazard: 0.3,
                slope: 0.1,
                max_hazard: 0.9,
            }],
            ..Border::default()
        };
        compare_parts(&sc, 5);
    }

    /// Runs `sc` whole and in 2 and 3 parts on threads, each part compacting
    /// after every exit; every part must return the whole run's output.
    fn compare_parts(sc: &Scenario, seed: u64) {
        let opts = RunOptions {
            seed,
            ..Default::default()
        };
        let whole = run(
            sc,
            &opts,
            usize::MAX,
            false,
            Partition::WHOLE,
            &mut super::super::Whole,
        )
        .unwrap();
        let last = whole.days.last().unwrap().accounting;
        let exits = last.admitted + last.encountered + last.removed;
        assert!(exits > 1000, "{}: {last:?}", sc.name);
        for parts in [2u32, 3] {
            let shared = Shared {
                barrier: Barrier::new(parts as usize),
                sum: Mutex::new((0, Vec::new())),
                gathered: Mutex::new(vec![Vec::new(); parts as usize]),
            };
            let outs: Vec<RunOutput> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..parts)
                    .map(|part| {
                        let (sc, opts, shared) = (&sc, &opts, &shared);
                        s.spawn(move || {
                            let p = Partition { part, parts };
                            let mut r = ThreadReduce(shared, part);
                            let mut w = World::new(sc, opts.seed, p).unwrap();
                            w.compact_at = 1;
                            let days: Vec<_> =
                                (0..sc.days).map(|t| w.step(t, &mut r).unwrap()).collect();
                            // This part compacted: it holds fewer slots than ids.
                            let g = w.gone;
                            let gone = g.admitted + g.encountered + g.removed;
                            assert!(gone > 0, "part {part} of {parts} never compacted");
                            let mut warnings = w.core.warnings;
                            if let Some(b) = &w.border {
                                warnings.extend(b.warnings().iter().cloned());
                            }
                            RunOutput {
                                seed: opts.seed,
                                days,
                                warnings,
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
