//! Ensembles on one machine: members in parallel with rayon, reduced in member order.
//!
//! Member `i` runs with seed `rng::mix(seed, Purpose::Member, 0, i)` (see
//! [`member_seed`]); its output depends only on that seed and the scenario. Members
//! are computed in fixed-size batches (`MEMBER_BATCH`, independent of the thread
//! count): a batch runs in parallel, each member is compacted to a
//! [`crate::MemberResult`] as soon as it finishes (its full `RunOutput` is dropped),
//! and the batch is pushed into the accumulator in member order. So at most one
//! batch of compact results plus one `RunOutput` per busy thread is alive besides
//! the per-cell samples, and the statistics are byte-identical for any number of
//! threads.

use crate::error::EnsembleError;
use crate::member::{Accumulator, Ensemble, Labels, MemberContext, MemberResult};
use corridor_model::rng::{mix, Purpose};
use corridor_model::{simulate, EngineKind, ModelError, RunOptions, RunOutput, Scenario};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Members computed between two pushes into the accumulator. Large enough to keep
/// every thread of a big node busy, small enough to bound memory.
pub const MEMBER_BATCH: usize = 256;

/// What an ensemble runs.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleOptions {
    /// Number of members (≥ 1).
    pub runs: usize,
    /// Ensemble seed; member seeds derive from it.
    pub seed: u64,
    pub engine: EngineKind,
    /// Overrides `Scenario::days` when set.
    pub days: Option<u32>,
}

impl EnsembleOptions {
    /// `runs` members from `seed`, agent engine, the scenario's own length.
    pub fn new(runs: usize, seed: u64) -> Self {
        EnsembleOptions {
            runs,
            seed,
            engine: EngineKind::Agents,
            days: None,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), EnsembleError> {
        if self.runs == 0 {
            return Err(EnsembleError::InvalidOption {
                option: "runs".into(),
                reason: "an ensemble needs at least one member".into(),
            });
        }
        Ok(())
    }

    pub(crate) fn run_days(&self, scenario: &Scenario) -> u32 {
        self.days.unwrap_or(scenario.days)
    }
}

/// The seed of member `i` of an ensemble seeded with `seed`.
pub fn member_seed(seed: u64, i: usize) -> u64 {
    mix(seed, Purpose::Member, 0, i as u64)
}

/// The name of an engine in outputs (`summary.json` `engine`).
pub fn engine_name(engine: EngineKind) -> &'static str {
    engine.name()
}

/// The engine's options for one member.
pub fn member_run_options(opts: &EnsembleOptions, i: usize) -> RunOptions {
    // Struct update keeps this compiling if the engine grows options; they keep
    // their defaults in ensembles.
    #[allow(clippy::needless_update)]
    RunOptions {
        seed: member_seed(opts.seed, i),
        days: opts.days,
        engine: opts.engine,
        ..RunOptions::default()
    }
}

/// A function that runs one member: `corridor_model::simulate` in production, a
/// synthetic stand-in in tests, or a member branched from the baseline
/// (`crate::branch`), which borrows the baseline's states (hence `'a`).
pub type Simulator<'a> =
    dyn Fn(&Scenario, &RunOptions) -> Result<RunOutput, ModelError> + Sync + 'a;

/// Runs an ensemble with the model's engine.
pub fn run_ensemble(
    scenario: &Scenario,
    opts: &EnsembleOptions,
) -> Result<Ensemble, EnsembleError> {
    run_ensemble_with(scenario, opts, &simulate, &|_| {})
}

/// Runs an ensemble with a given simulator; `progress(done)` is called after each
/// finished member, from worker threads, with the number of members finished so far.
pub fn run_ensemble_with(
    scenario: &Scenario,
    opts: &EnsembleOptions,
    simulator: &Simulator,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Ensemble, EnsembleError> {
    opts.validate()?;
    let days = opts.run_days(scenario);
    let ctx = MemberContext::new(scenario, days);
    let mut acc = Accumulator::new(Labels::new(scenario, days));
    let done = AtomicUsize::new(0);
    let mut start = 0;
    while start < opts.runs {
        let end = (start + MEMBER_BATCH).min(opts.runs);
        let batch = run_members(scenario, opts, &ctx, simulator, start..end, &|| {
            progress(done.fetch_add(1, Ordering::Relaxed) + 1)
        })?;
        for m in batch {
            acc.push(m)?;
        }
        start = end;
    }
    acc.finish(
        opts.seed,
        engine_name(opts.engine.resolve(scenario, opts.days)),
    )
}

/// Runs members `range` in parallel and returns their compact results in member order.
pub(crate) fn run_members(
    scenario: &Scenario,
    opts: &EnsembleOptions,
    ctx: &MemberContext,
    simulator: &Simulator,
    range: impl IntoParallelIterator<Item = usize>,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<MemberResult>, EnsembleError> {
    range
        .into_par_iter()
        .map(|i| {
            let ro = member_run_options(opts, i);
            let run = simulator(scenario, &ro).map_err(|source| EnsembleError::Member {
                member: i,
                seed: ro.seed,
                source,
            })?;
            let m = MemberResult::from_run(ctx, scenario, i, ro.seed, &run);
            on_done();
            m
        })
        .collect()
}
