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
