//! The day loop (docs/flee-rules.md §2) and its agent engine.
//!
//! One step `t = 0 .. days-1`, in Flee's order (docs/flee-rules.md §2.2) with the border
//! steps B1–B12 of docs/model.md §2 inserted (they are skipped entirely when the
//! scenario has no border process, so Flee instances run exactly as before):
//! * B1 events (`BorderState::begin_day`; link changes are enacted on the network
//!   at once and candidates rebuilt with Flee's closures of the day), B2 releases
//!   from transit;
//! 1. conflict schedule (`places::Places::apply_conflicts`);
//! 2. spawning (`spawn`), new agents act the same day (day 0 also has the
//!    insertions of §2.1, made before the loop); B3 inflows; B4 caravans start;
//! 3. closures acting on day `t` (`Scenario::closures`), candidate routes (and the
//!    appointment holders' next hops) rebuilt if links changed;
//! 4. evolve: capacity grows by `capacity_per_day`; scores (times the shelter
//!    factor, B5) and per-class end-point scores; the **decision pass** (weights
//!    with the occupancy at its start); the **travel pass** (weights with the
//!    occupancy after the decision pass, checkpoints B6), followed per agent by
//!    the recent-travel update and camps as sinks;
//! 5. B7 caravans walk, B8 queues, B9 appointments, B10 admissions, B11 crossings
//!    (`border_step`);
//! 6. the day's [`DayRecord`] and B12 (`BorderState::finish_day`).
//!
//! The state and steps that do not depend on agents (setup, B1 and conflicts,
//! the spawn plan, closures, the start of evolve, the record's shared columns)
//! are the engine core, `core::Core`, which the count engine shares.
//!
//! Determinism: every draw comes from a stream keyed by (seed, purpose, day,
//! entity) with the agent's creation index as entity; per-location counts are
//! integer sums; border draws are keyed by agent and day too. So a run depends on
//! the seed only, not on threads.
//!
//! Conservation: every state change after the travel pass goes through
//! `border_step::Ledger`, which keeps the tally equal to a recount of the agent
//! states; queue and transit totals are checked against `BorderState` in debug
//! builds. Deviations from Flee are listed in docs/flee-compat.md.

pub(crate) mod agents;
pub(crate) mod border_step;
pub(crate) mod core;
pub(crate) mod demography;
pub(crate) mod flood;
pub use flood::check_schedules;
pub(crate) mod network;
pub mod partition;
pub(crate) mod passes;
pub(crate) mod places;
pub(crate) mod routes;
pub(crate) mod spawn;
pub(crate) mod streams;

pub use agents::{AgentState, ExitReason, BORDER_BYTES_PER_AGENT, BYTES_PER_AGENT};
use partition::Share;
pub use partition::{simulate_partitioned, Partition, Reduce};
pub use routes::prune_weights;

use self::core::{Core, Records};
use crate::border::BorderState;
use crate::error::ModelError;
use crate::record::{Accounting, DayRecord, RunOutput};
use crate::rng::Purpose;
use crate::scenario::{ClosureTarget, Scenario};
use agents::{Agents, Gone, CARAVAN, ST_AT};
use border_step::Ledger;
use network::Network;
use passes::PassCtx;
use places::Places;
use routes::{Candidates, PathArena};
use spawn::{Sink, Spawner};
use streams::DayKey;

/// Which engine moves people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineKind {
    /// One agent per `hasten` people, struct-of-arrays.
    #[default]
    Agents,
    /// Exchangeable counts moved with binomial/multinomial draws.
    Counts,
    /// The fastest engine whose law matches the input: the count engine where
    /// it supports the input, else the agent engine ([`EngineKind::resolve`]).
    /// Ensembles, comparisons, sweeps, calibration and the server default to
    /// it; a single run keeps the agent engine.
    Auto,
}

impl EngineKind {
    /// The engine a run of `scenario` over `days` (default: its own period)
    /// uses: `Auto` becomes the count engine unless it refuses the input
    /// ([`counts_refusal`]), then the agent engine; the others stay. The one
    /// place that decides, for every front end.
    pub fn resolve(self, scenario: &Scenario, days: Option<u32>) -> EngineKind {
        match self {
            EngineKind::Auto if counts_refusal(scenario, days).is_none() => EngineKind::Counts,
            EngineKind::Auto => EngineKind::Agents,
            k => k,
        }
    }

    /// The name written in outputs (`summary.json`): "agents", "counts" or
    /// "auto" (only for an unresolved choice).
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Agents => "agents",
            EngineKind::Counts => "counts",
            EngineKind::Auto => "auto",
        }
    }
}

/// Why the count engine would refuse a run of `scenario` over `days` (the
/// scenario's own length when `None`), or `None` if it takes it. Both engines
/// share the law elsewhere (docs/model.md), so `None` means the count engine may
/// replace the agents. The list itself is the count engine's
/// ([`crate::counts::refusal`]), which its runs apply too.
pub fn counts_refusal(scenario: &Scenario, days: Option<u32>) -> Option<String> {
    crate::counts::refusal(scenario, days.unwrap_or(scenario.days))
}

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub seed: u64,
    /// Overrides `Scenario::days` when set.
    pub days: Option<u32>,
    pub engine: EngineKind,
}

/// Runs a scenario to the end.
pub fn simulate(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutput, ModelError> {
    run(
        scenario,
        opts,
        COMPACT_AT,
        false,
        Partition::WHOLE,
        &mut Whole,
    )
}

/// The [`Reduce`] of a run in one part: nothing to add.
struct Whole;

impl Reduce for Whole {
    fn sum(&mut self, _v: &mut [u64]) {}

    fn gather(&mut self, v: &[u64]) -> Vec<u64> {
        v.to_vec()
    }
}

/// The agent engine with every agent visited every day and the tally recounted,
/// also where the incremental mode (`passes::Incremental`) applies: the
/// reference the incremental mode must equal exactly (tests).
#[doc(hidden)]
pub fn simulate_recounting(
    scenario: &Scenario,
    opts: &RunOptions,
) -> Result<RunOutput, ModelError> {
    run(
        scenario,
        opts,
        COMPACT_AT,
        true,
        Partition::WHOLE,
        &mut Whole,
    )
}

fn run(
    scenario: &Scenario,
    opts: &RunOptions,
    compact_at: usize,
    recount: bool,
    partition: Partition,
    reduce: &mut dyn Reduce,
) -> Result<RunOutput, ModelError> {
    if opts.engine.resolve(scenario, opts.days) == EngineKind::Counts {
        let opts = RunOptions {
            engine: EngineKind::Counts,
            ..opts.clone()
        };
        return crate::counts::simulate_counts(scenario, &opts);
    }
    validate(scenario)?;
    let days = opts.days.unwrap_or(scenario.days);
    // Checked for the whole run first, so that the message names its length.
    flood::check_schedules(scenario, days)?;
    let mut r = AgentRun::build(scenario, opts.seed, partition)?;
    r.w.compact_at = compact_at;
    r.w.incremental &= !recount;
    r.out.reserve(days);
    for _ in 0..days {
        r.step_with(reduce)?;
    }
    Ok(r.into_output())
}

/// An agent-engine run advanced one day at a time, as `counts::CountRun` is for
/// the count engine: build it, [`step`] it, clone it (a clone continues exactly
/// as the original would: same seed, same agents), read the records so far,
/// [`reseed`] it. `simulate` on the agent engine is `new` and `days` steps, so
/// running `n` steps gives the records of `simulate` with `days = n`. For
/// forecasts that need individual agents (particle filters resample members'
/// states) and the server; design in docs/design-engine.md.
///
/// [`step`]: AgentRun::step
/// [`reseed`]: AgentRun::reseed
#[derive(Debug, Clone)]
pub struct AgentRun<'a> {
    w: World<'a>,
    out: Records,
}

impl<'a> AgentRun<'a> {
    /// The state before day 0 (day-0 insertions made).
    pub fn new(sc: &'a Scenario, seed: u64) -> Result<AgentRun<'a>, ModelError> {
        validate(sc)?;
        AgentRun::build(sc, seed, Partition::WHOLE)
    }

    /// [`new`](Self::new) for one part of a partitioned run, after `validate`.
    fn build(sc: &'a Scenario, seed: u64, partition: Partition) -> Result<Self, ModelError> {
        Ok(AgentRun {
            w: World::new(sc, seed, partition)?,
            out: Records::new(seed),
        })
    }

    /// The next day to simulate (= the number of days simulated).
    pub fn day(&self) -> u32 {
        self.out.day()
    }

    /// Simulates one more day and returns its record.
    pub fn step(&mut self) -> Result<&DayRecord, ModelError> {
        self.step_with(&mut Whole)
    }

    fn step_with(&mut self, reduce: &mut dyn Reduce) -> Result<&DayRecord, ModelError> {
        let t = self.day();
        // The flood and conflict schedules must cover every day run (O(1)).
        flood::check_schedules(self.w.core.sc, t + 1)?;
        let rec = self.w.step(t, reduce)?;
        Ok(self.out.push(rec))
    }

    /// Changes the seed of the days ahead; the days simulated and the agents
    /// are kept. A resampled copy of a member must diverge from its parent: both
    /// would otherwise draw the same numbers, since every stream is keyed by
    /// (seed, purpose, day, entity). `RunOutput::seed` keeps the first seed.
    pub fn reseed(&mut self, seed: u64) {
        self.w.core.reseed(seed, self.w.border.as_mut());
    }

    /// The records of the days simulated so far.
    pub fn records(&self) -> &[DayRecord] {
        self.out.records()
    }

    /// The run's warnings so far.
    pub fn warnings(&self) -> Vec<String> {
        self.w.core.warnings(self.w.border.as_ref())
    }

    /// The whole output so far, as `simulate` returns it.
    pub fn into_output(self) -> RunOutput {
        let warnings = self.warnings();
        self.out.into_output(warnings)
    }
}

/// The candidate routes from location `from` as location-index paths (origin
/// excluded), with the scenario's settings and the links open on day 0 before any
/// closure. For inspection and tests of the route rules (docs/flee-rules.md §2.6).
pub fn candidate_routes(scenario: &Scenario, from: usize) -> Result<Vec<Vec<usize>>, ModelError> {
    validate(scenario)?;
    if from >= scenario.locations.len() {
        return Err(ModelError::InvalidScenario(format!("no location {from}")));
    }
    let mut s = scenario.settings.clone();
    s.apply_v1_rules();
    let net = Network::build(scenario, s.move_rules.max_move_speed);
    let places = Places::init(scenario, &s);
    let mut arena = PathArena::default();
    let c = Candidates::build(scenario, &s, &net, &places, &mut arena);
    Ok(c.range(from)
        .map(|i| {
            c.nodes(&arena, i, from)
                .into_iter()
                .map(|x| x as usize)
                .collect()
        })
        .collect())
}

/// Checks the invariants the readers establish, so that bad programmatic input
/// gives an error instead of a panic.
pub(crate) fn validate(sc: &Scenario) -> Result<(), ModelError> {
    let n = sc.locations.len();
    let bad = |m: String| Err(ModelError::InvalidScenario(m));
    if n > u32::MAX as usize / 2 || sc.links.len() > u32::MAX as usize / 4 {
        return bad("network too large".into());
    }
    for (k, l) in sc.links.iter().enumerate() {
        if l.from >= n || l.to >= n {
            return bad(format!("link {k} refers to a location that does not exist"));
        }
        if !(l.distance_km.is_finite() && l.distance_km >= 0.0) {
            return bad(format!("link {k} has distance {}", l.distance_km));
        }
        if let Some(v) = l.max_move_speed {
            if !(v.is_finite() && v >= 0.0) {
                return bad(format!("link {k} has max_move_speed {v}"));
            }
        }
    }
    if let Some(cs) = &sc.conflicts {
        if let Some(&l) = cs.locations.iter().find(|&&l| l >= n) {
            return bad(format!("conflict schedule refers to location {l}"));
        }
    }
    for c in &sc.data.camps {
        if c.location >= n {
            return bad(format!("camp data refer to location {}", c.location));
        }
    }
    for c in &sc.closures {
        let ok = match &c.target {
            ClosureTarget::Country { .. } => true,
            ClosureTarget::Location(l) | ClosureTarget::Camp(l) => *l < n,
            ClosureTarget::Link(a, b) | ClosureTarget::RemoveForcedRedirection(a, b) => {
                *a < n && *b < n
            }
        };
        if !ok {
            return bad("a closure refers to a location that does not exist".into());
        }
    }
    let b = &sc.border;
    if let Some(i) = b.inflows.iter().position(|f| f.location >= n) {
        return bad(format!(
            "inflow {i} refers to a location that does not exist"
        ));
    }
    for c in &b.caravans {
        let relocations = c.dispersals.iter().filter_map(|d| d.relocate_to);
        if c.origin >= n || c.path.iter().copied().chain(relocations).any(|l| l >= n) {
            return bad(format!(
                "caravan '{}' refers to a location that does not exist",
                c.name
            ));
        }
    }
    let m = &sc.settings.move_rules;
    for (name, v) in [
        ("max_move_speed", m.max_move_speed),
        ("max_walk_speed", m.max_walk_speed),
        ("softening", m.softening),
        ("weight_softening", m.weight_softening),
        ("weight_power", m.weight_power),
        ("distance_power", m.distance_power),
        ("conflict_movechance", m.conflict_movechance),
        ("camp_movechance", m.camp_movechance),
        ("idpcamp_movechance", m.idpcamp_movechance),
        ("default_movechance", m.default_movechance),
        ("capacity_buffer", m.capacity_buffer),
        ("capacity_scaling", m.capacity_scaling),
        ("movechance_pop_base", m.movechance_pop_base),
        ("movechance_pop_scale_factor", m.movechance_pop_scale_factor),
    ] {
        if !v.is_finite() {
            return bad(format!("move_rules.{name} is {v}"));
        }
    }
    if m.max_move_speed <= 0.0 {
        return bad(format!("move_rules.max_move_speed is {}", m.max_move_speed));
    }
    Ok(())
}

/// Chunks per thread for the agent passes: enough to balance load, few enough
/// that per-chunk tallies stay cheap.
const CHUNKS_PER_THREAD: usize = 8;
/// Below this many agents a day's passes take well under a millisecond each and
/// run on one thread: a round trip through the thread pool would cost more.
const SERIAL_BELOW: usize = 32_768;

/// When the engine splits a list over the thread pool (the passes' slots, the
/// border steps' watched lists). Every split part is keyed draws and order-kept
/// collection, so where the split happens changes no result; tests lower
/// `below` to split small runs and compare them with one thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Par {
    /// Lists shorter than this stay on the calling thread.
    pub below: usize,
}

impl Par {
    const DEFAULT: Par = Par {
        below: SERIAL_BELOW,
    };

    /// Are `n` items worth splitting (more than one thread, at least `below`)?
    pub(crate) fn split(self, n: usize) -> bool {
        rayon::current_num_threads() > 1 && n >= self.below
    }

    /// The smallest piece of a split (4,096 items by default).
    pub(crate) fn piece(self) -> usize {
        (self.below / 8).max(1)
    }
}

#[derive(Debug, Clone)]
struct World<'a> {
    /// What the count engine shares (settings, network, places, scores, head
    /// counts at locations kept current between passes, warnings, ...).
    core: Core<'a>,
    agents: Agents,
    /// Yesterday's move chances, and which changed today.
    mc_prev: Vec<f64>,
    mc_changed: Vec<bool>,
    /// Border processes; `None` for a plain Flee scenario.
    border: Option<BorderState>,
    /// Per location, for the passes (see `passes::PassCtx`).
    stay: Vec<bool>,
    watch: Vec<bool>,
    /// Per directed link, the checkpoints checking it (`PassCtx::checkpoints`);
    /// the checkpoints and the links are fixed for the run.
    checkpoints: passes::LinkCheckpoints,
    /// Exited agents dropped from the arrays by compaction.
    gone: Gone,
    /// Compact when at least this many exited agents are in the arrays (and they
    /// are at least as many as the others).
    compact_at: usize,
    /// The passes run in their incremental mode (`passes::Incremental`): no
    /// border processes, no camps as sinks. `counts` is then kept up to date by
    /// departures and arrivals instead of recounted.
    incremental: bool,
    /// Border scenarios in the incremental mode: the watched slots after
    /// yesterday's border steps (a superset of those still watched), `None`
    /// when today's travel pass must list them by visiting every slot (day 0,
    /// or when the watched locations changed); a compaction rewrites it to the
    /// new slots (`Agents::compact_keeping`).
    watched: Option<Vec<u32>>,
    /// Border scenarios: yesterday's end-of-day counts that the passes do not
    /// change (see [`Carried`]).
    carried: Option<Carried>,
    /// Day of the scale of the lazy recent travel (incremental mode).
    epoch: u32,
    /// The agents this process runs (`partition`).
    partition: Partition,
    /// When lists are split over the thread pool.
    par: Par,
}

/// The counts of a border scenario's end-of-day tally that nothing changes
/// between the end of one day and the end of the next day's travel pass
/// (queues change in B8 and B10, exits in B10 and B11, both after the passes;
/// removals only with camps as sinks, which the incremental mode excludes): the
/// incremental travel pass carries them instead of recounting.
#[derive(Debug, Clone)]
struct Carried {
    queue: Vec<u32>,
    admitted: u64,
    encountered: u64,
    removed: u64,
}

/// Merges the sorted slot lists `a` (no repeats) and `b` into one sorted list
/// without repeats, keeping only the slots for which `keep` holds.
///
/// `a` is the long list (the ~90,000 watched slots of the built-in scenario)
/// and `b` a few thousand added to it, so the runs of `a` between two slots of
/// `b` are found by galloping and taken whole (only `keep` looks at each of
/// their slots) instead of comparing the two lists slot by slot (~24
/// instructions a slot, ~4 % of a run of the built-in scenario).
fn merge_slots(a: &[u32], b: &[u32], keep: impl Fn(u32) -> bool) -> Vec<u32> {
    merge_runs(a, b, &keep, |out, run| {
        out.extend(run.iter().copied().filter(|&x| keep(x)))
    })
}

/// [`merge_slots`] keeping every slot: the runs of `a` are copied as they are.
fn union_slots(a: &[u32], b: &[u32]) -> Vec<u32> {
    merge_runs(a, b, &|_| true, |out, run| out.extend_from_slice(run))
}

/// The merge of [`merge_slots`]: `take` appends a run of `a` (the slots of `a`
/// below the next slot of `b`, all kept or filtered by `keep`); a slot of `b`
/// is added unless `a` has it (then it comes with `a`'s next run), it was just
/// added, or `keep` refuses it.
fn merge_runs(
    a: &[u32],
    b: &[u32],
    keep: &dyn Fn(u32) -> bool,
    take: impl Fn(&mut Vec<u32>, &[u32]),
) -> Vec<u32> {
    debug_assert!(a.windows(2).all(|w| w[0] < w[1]));
    debug_assert!(b.windows(2).all(|w| w[0] <= w[1]));
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut i = 0;
    for &y in b {
        let e = gallop(a, i, y);
        take(&mut out, &a[i..e]);
        i = e;
        if a.get(i) != Some(&y) && out.last() != Some(&y) && keep(y) {
            out.push(y);
        }
    }
    take(&mut out, &a[i..]);
    out
}

/// The first index `k ≥ i` with `a[k] ≥ y` (`a` sorted; `a.len()` if none):
/// steps of 1, 2, 4, ... from `i`, then a binary search in the last step.
fn gallop(a: &[u32], i: usize, y: u32) -> usize {
    let (mut lo, mut step) = (i, 1);
    while lo + step <= a.len() && a[lo + step - 1] < y {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step).min(a.len());
    lo + a[lo..hi].partition_point(|&x| x < y)
}

/// Adds the departures of the decision pass and the arrivals before the passes
/// (both summed over all parts already) to the travel pass's tally.
fn add_early(tally: &mut passes::Tally, departed_decision: &[u32], early_arrived: &[u32]) {
    for (t, d) in tally.departed.iter_mut().zip(departed_decision) {
        *t += *d;
    }
    for (t, d) in tally.arrived.iter_mut().zip(early_arrived) {
        *t += *d;
    }
}

/// Sums `v` over the parts of a partitioned run.
fn reduce_u32(reduce: &mut dyn Reduce, v: Vec<u32>) -> Vec<u32> {
    let mut w: Vec<u64> = v.iter().map(|&x| x as u64).collect();
    reduce.sum(&mut w);
    w.into_iter().map(|x| x as u32).collect()
}

/// Sums a day's tally over the parts of a partitioned run, in one reduce
/// (intercepts and watched slots stay per part: the border steps use them
/// before, through `partition::Share`).
fn reduce_tally(reduce: &mut dyn Reduce, t: &mut passes::Tally) {
    let n = t.pop.len();
    let mut w: Vec<u64> = Vec::with_capacity(5 * n + 4);
    for v in [
        &t.pop,
        &t.on_links_toward,
        &t.queue,
        &t.arrived,
        &t.departed,
    ] {
        w.extend(v.iter().map(|&x| x as u64));
    }
    w.extend([t.in_transit, t.admitted, t.encountered, t.removed]);
    reduce.sum(&mut w);
    let mut it = w.into_iter();
    for v in [
        &mut t.pop,
        &mut t.on_links_toward,
        &mut t.queue,
        &mut t.arrived,
        &mut t.departed,
    ] {
        for (x, y) in v.iter_mut().zip(it.by_ref()) {
            *x = y as u32;
        }
    }
    t.in_transit = it.next().unwrap_or(0);
    t.admitted = it.next().unwrap_or(0);
    t.encountered = it.next().unwrap_or(0);
    t.removed = it.next().unwrap_or(0);
}

/// Default for `World::compact_at`: compaction costs one pass over the arrays, so
/// it pays once exited agents are numerous.
const COMPACT_AT: usize = 1 << 16;

impl<'a> World<'a> {
    fn new(sc: &'a Scenario, seed: u64, partition: Partition) -> Result<World<'a>, ModelError> {
        let mut core = Core::new(sc, seed)?;
        let n = sc.locations.len();
        let border = if sc.border.is_empty() {
            None
        } else {
            Some(BorderState::new(sc, seed)?)
        };
        let s_sinks = core.s.spawn_rules.camps_are_sinks;
        let s_recent = core.s.move_rules.avoid_short_stints;
        let mut agents = if partition.parts > 1 {
            Agents::with_ids()
        } else {
            Agents::default()
        };
        if border.is_some() {
            agents = agents.with_border();
        }
        core.initial = {
            let c = &mut core;
            let mut sink = Sink {
                agents: &mut agents,
                counts: &mut c.counts,
                places: &mut c.places,
                demo: &c.demo,
                settings: &c.s,
                seed,
                warnings: &mut c.warnings,
                partition,
            };
            Spawner::insert_initial(sc, &c.data, &mut sink)?
        };
        let checkpoints = passes::LinkCheckpoints::new(&core.net, border.as_ref());
        Ok(World {
            core,
            agents,
            mc_prev: vec![f64::NAN; n],
            mc_changed: vec![true; n],
            border,
            stay: vec![false; n],
            watch: vec![false; n],
            checkpoints,
            gone: Gone::default(),
            compact_at: COMPACT_AT,
            incremental: !s_sinks && (sc.border.is_empty() || !s_recent),
            watched: None,
            carried: None,
            partition,
            epoch: 0,
            par: Par::DEFAULT,
        })
    }

    fn chunk_size(&self) -> usize {
        let threads = rayon::current_num_threads().max(1);
        if !self.par.split(self.agents.len()) {
            // One chunk: the passes then run on this thread.
            return self.agents.len().max(1);
        }
        let piece = self.par.piece();
        piece.max(self.agents.len().div_ceil(threads * CHUNKS_PER_THREAD))
    }

    /// The scales of the lazy recent travel on day `t` (incremental mode),
    /// rescaling the stored values first when the scale would grow too large.
    fn lazy_recent_scale(&mut self, t: u32) -> passes::Incremental {
        let track = self.core.s.move_rules.avoid_short_stints;
        if track && t - self.epoch >= passes::RECENT_REBASE {
            // Stored r·2^(d − epoch) becomes r·2^(d − t): exact (powers of two)
            // unless subnormal; values that small read as 0 anyway (the floor of
            // `passes::next_recent` is 1e-20), so they are set to 0.
            let f = 0.5f32.powi((t - self.epoch) as i32);
            for r in &mut self.agents.recent {
                let v = *r * f;
                *r = if v < 1e-30 { 0.0 } else { v };
            }
            self.epoch = t;
        }
        let k = t as i32 - self.epoch as i32;
        passes::Incremental {
            recent_in: 2f64.powi(1 - k),
            recent_out: 2f32.powi(k),
        }
    }

    /// Builds the route weights with today's counts and runs `pass` over the
    /// agents, in chunks, with what the passes read.
    fn with_pass<R>(
        &mut self,
        t: u32,
        any_mc_changed: bool,
        inc: Option<passes::Incremental>,
        pass: impl FnOnce(Vec<agents::AgentsMut<'_>>, &PassCtx) -> R,
    ) -> R {
        self.core.build_tables();
        let chunk = self.chunk_size();
        let ctx = PassCtx {
            net: &self.core.net,
            places: &self.core.places,
            cands: &self.core.cands,
            arena: &self.core.arena,
            tables: &self.core.tables,
            mc: &self.core.mc,
            settings: &self.core.s,
            agent_key: DayKey::new(self.core.seed, Purpose::Agent, t as u64),
            sink_key: DayKey::new(self.core.seed, Purpose::Sink, t as u64),
            day: t,
            mc_changed: &self.mc_changed,
            ln_stay: &self.core.ln_stay,
            border: self.border.as_ref(),
            stay: &self.stay,
            watch: &self.watch,
            checkpoints: &self.checkpoints,
            any_mc_changed,
            inc,
        };
        pass(self.agents.chunks(chunk), &ctx)
    }

    fn step(&mut self, t: u32, reduce: &mut dyn Reduce) -> Result<DayRecord, ModelError> {
        let parts = self.partition.parts;
        let sc = self.core.sc;
        let n = sc.locations.len();
        // Arrivals before the passes (releases from transit, B2).
        let mut early_arrived = Vec::new();
        // Slots placed at a location before the passes (releases, spawning):
        // candidates for the watched list of the incremental mode.
        let mut placed: Vec<u32> = Vec::new();

        // B1 events, 1. conflicts (with flood rules, flood levels).
        let links_changed = self.core.begin_day(t, self.border.as_mut());
        // B2 releases.
        if let Some(b) = self.border.as_mut() {
            early_arrived = vec![0u32; n];
            border_step::release(
                b,
                t,
                &mut self.agents,
                &mut self.core.counts,
                &mut early_arrived,
                &mut placed,
                &mut Share::new(self.partition, reduce),
            );
        }

        // 2. Spawning, B3 inflows, B4 caravans start.
        let mut spawned_today = if t == 0 { self.core.initial } else { 0 };
        let first_new_slot = self.agents.len() as u32;
        {
            let count_key = DayKey::new(self.core.seed, Purpose::SpawnCount, t as u64);
            let plan = self
                .core
                .spawn_plan(t, |l, lambda| count_key.stream(l as u64).poisson(lambda))?;
            let c = &mut self.core;
            let mut sink = Sink {
                agents: &mut self.agents,
                counts: &mut c.counts,
                places: &mut c.places,
                demo: &c.demo,
                settings: &c.s,
                seed: c.seed,
                warnings: &mut c.warnings,
                partition: self.partition,
            };
            spawned_today += c.spawner.realise(plan, t, &mut sink)?;
            if let Some(b) = self.border.as_mut() {
                for (loc, k) in b.inflows(t) {
                    sink.create(loc, t, k)?;
                    spawned_today += k;
                }
                for c in b.caravans_starting(t) {
                    let car = b.caravan(c);
                    let (origin, size, new) = (
                        car.origin,
                        car.size,
                        car.source == crate::border::CaravanSource::New,
                    );
                    let mut share = Share::new(self.partition, reduce);
                    let candidates: Vec<u32> = if new {
                        let first = sink.agents.next_id();
                        sink.create(origin, t, size)?;
                        spawned_today += size;
                        (first..sink.agents.next_id()).collect()
                    } else {
                        share.ids(border_step::caravan_candidates(sink.agents, origin))
                    };
                    let members = b.start_caravan(t, c, &candidates);
                    border_step::join_caravan(b, sink.agents, &members, &share);
                }
            }
        }
        self.core.spawned_total += spawned_today;
        placed.extend(first_new_slot..self.agents.len() as u32);

        // 3. Closures (with B1's link changes).
        self.core.closures(t, links_changed, self.border.as_mut());

        // 4. Evolve: capacity growth, scores (B5 shelter factor), move chances.
        self.core.evolve(t, self.border.as_ref());
        let mut any_mc_changed = false;
        for l in 0..n {
            self.mc_changed[l] = self.core.mc[l].to_bits() != self.mc_prev[l].to_bits();
            any_mc_changed |= self.mc_changed[l];
        }
        self.mc_prev.copy_from_slice(&self.core.mc);
        let mut watch_changed = false;
        if let Some(b) = &self.border {
            for l in 0..n {
                let port = b.port_at(l);
                self.stay[l] = port.is_some_and(|p| b.holds_at_port(p));
                let w = port.is_some()
                    || b.crossing_at(l).is_some()
                    || b.is_eligible(l)
                    || crate::border::papers::office_at(b.border(), l).is_some();
                watch_changed |= w != self.watch[l];
                self.watch[l] = w;
            }
        }
        // Decision pass.
        let departed_decision = self.with_pass(t, any_mc_changed, None, |ch, ctx| {
            passes::decision_pass(ch, ctx, n)
        });
        let departed_decision = if parts > 1 {
            reduce_u32(reduce, departed_decision)
        } else {
            departed_decision
        };
        for (c, d) in self.core.counts.iter_mut().zip(&departed_decision) {
            *c -= *d as u64;
        }
        // Border scenarios run the travel pass incrementally when yesterday's
        // watched list is still valid (else every slot is visited today).
        // (Not in a partitioned run: its tally is summed after the border
        // steps, so every part recounts its own agents.)
        let border_inc = self.border.is_some()
            && parts == 1
            && self.incremental
            && !watch_changed
            && self.watched.is_some()
            && self.carried.is_some();
        let inc_today = self.incremental && (self.border.is_none() || border_inc);
        let inc = inc_today.then(|| self.lazy_recent_scale(t));

        // Travel pass (B6 checkpoints, F6 sinks).
        let mut tally = self.with_pass(t, any_mc_changed, inc, |ch, ctx| {
            passes::travel_pass(ch, ctx, n)
        });
        if let (true, Some(c), Some(b)) = (border_inc, &self.carried, &self.border) {
            // The pass counted agents on links, arrivals and today's intercepts
            // only; the rest is as at the end of yesterday (see `Carried`), and
            // everyone else in transit is in `BorderState`'s list already.
            tally.queue.copy_from_slice(&c.queue);
            tally.in_transit += b.in_transit();
            tally.admitted = c.admitted - self.gone.admitted;
            tally.encountered = c.encountered - self.gone.encountered;
            tally.removed = c.removed - self.gone.removed;
        }
        tally.admitted += self.gone.admitted;
        tally.encountered += self.gone.encountered;
        tally.removed += self.gone.removed;
        // Exited agents still in this part's arrays (compaction is local).
        let exited_here = (tally.admitted + tally.encountered + tally.removed
            - (self.gone.admitted + self.gone.encountered + self.gone.removed))
            as usize;
        // A partitioned border scenario sums its tally after the border steps,
        // which change this part's agents (see `partition`).
        let late = parts > 1 && self.border.is_some();
        if parts > 1 && !late {
            reduce_tally(reduce, &mut tally);
        }
        if inc_today {
            // The tally's `pop` holds the arrivals only: add them.
            for (c, a) in self.core.counts.iter_mut().zip(tally.pop.iter_mut()) {
                *c += *a as u64;
                *a = *c as u32;
            }
        }
        if !late {
            add_early(&mut tally, &departed_decision, &early_arrived);
        }

        // 5. Border steps B6 (recording) to B11.
        if let Some(b) = self.border.as_mut() {
            let mut watch = std::mem::take(&mut tally.watch);
            if border_inc {
                // The pass listed the arrivals at watched places; the others
                // there now were there at the end of yesterday (in `watched`)
                // or were placed there before the passes (`placed`). Keep those
                // a full pass would list: at a watched place, not in a caravan.
                // The arrivals are in slot order already (the pass lists
                // them so): sort only the (few) placed and merge, instead of
                // sorting both together.
                if !watch.windows(2).all(|w| w[0] <= w[1]) {
                    watch.sort_unstable();
                }
                placed.sort_unstable();
                let new = union_slots(&watch, &placed);
                let a = &self.agents;
                let w = &self.watch;
                let prev = self.watched.take().unwrap_or_default();
                let keep = |x: u32| {
                    let i = x as usize;
                    a.state[i] == ST_AT && w[a.loc[i] as usize] && a.flags[i] & CARAVAN == 0
                };
                watch = if self.par.split(prev.len()) {
                    // With more threads, yesterday's list (the long one) is
                    // filtered in parallel (order kept), then merged: `keep`
                    // depends on the slot only, so the result is the same.
                    use rayon::prelude::*;
                    let prev: Vec<u32> = prev
                        .par_iter()
                        .with_min_len(self.par.piece())
                        .copied()
                        .filter(|&x| keep(x))
                        .collect();
                    let new: Vec<u32> = new.into_iter().filter(|&x| keep(x)).collect();
                    union_slots(&prev, &new)
                } else {
                    merge_slots(&prev, &new, keep)
                };
            } else {
                watch.sort_unstable();
            }
            let mut lg = Ledger {
                agents: &mut self.agents,
                tally: &mut tally,
                net: &self.core.net,
            };
            let mut share = Share::new(self.partition, reduce);
            let watched = border_step::after_travel(b, t, &mut lg, watch, &mut share, self.par);
            self.watched = Some(watched);
            self.carried = Some(Carried {
                queue: tally.queue.clone(),
                admitted: tally.admitted,
                encountered: tally.encountered,
                removed: tally.removed,
            });
        }

        if late {
            reduce_tally(reduce, &mut tally);
            add_early(&mut tally, &departed_decision, &early_arrived);
        }

        // 6. Record (B12).
        for (c, p) in self.core.counts.iter_mut().zip(&tally.pop) {
            *c = *p as u64;
        }
        let widen = |v: &[u32]| v.iter().map(|&x| x as u64).collect::<Vec<u64>>();
        let mut rec = self.core.record(t, spawned_today);
        rec.population = widen(&tally.pop);
        rec.on_links_toward = widen(&tally.on_links_toward);
        rec.arrived = widen(&tally.arrived);
        rec.departed = widen(&tally.departed);
        rec.queue = widen(&tally.queue);
        let acc = Accounting {
            spawned: self.core.spawned_total,
            at_locations: rec.population.iter().sum(),
            on_links: rec.on_links_toward.iter().sum(),
            in_queues: rec.queue.iter().sum(),
            in_transit: tally.in_transit,
            admitted: tally.admitted,
            encountered: tally.encountered,
            removed: tally.removed,
        };
        if let Some(b) = self.border.as_mut() {
            debug_assert_eq!(acc.in_queues, b.in_queues(), "day {t}: queues");
            debug_assert_eq!(acc.in_transit, b.in_transit(), "day {t}: transit");
            debug_assert_eq!(acc.admitted, b.totals().admitted, "day {t}: admitted");
            debug_assert_eq!(
                acc.encountered,
                b.totals().encountered,
                "day {t}: encountered"
            );
            b.finish_day(t, &mut rec);
            debug_assert_eq!(rec.queue, widen(&tally.queue), "day {t}: queue per port");
        }
        rec.total_agents = acc.at_locations + acc.on_links + acc.in_queues + acc.in_transit;
        rec.accounting = acc;
        let exited = exited_here;
        // Border scenarios exit people every day (admissions, crossings) and
        // their passes visit every slot: dropping the exited sooner (a quarter
        // of the slots, a quarter of the threshold) costs one pass every few
        // days and saves scanning dead slots every day. Flee instances exit few
        // people and keep the rule of half the slots.
        let due = if self.border.is_some() {
            exited >= self.compact_at / 4 && 4 * exited >= self.agents.len()
        } else {
            exited >= self.compact_at && exited >= self.agents.len() - exited
        };
        if due {
            // Slots move: the watched list follows its agents to their new
            // slots (so tomorrow's travel pass stays incremental).
            let more = match self.watched.as_mut() {
                Some(w) => self.agents.compact_keeping(w),
                None => self.agents.compact(),
            };
            self.gone.admitted += more.admitted;
            self.gone.encountered += more.encountered;
            self.gone.removed += more.removed;
        }
        Ok(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::border::{Border, CrossingPoint, Inflow, Port, QueueDiscipline};
    use crate::date::Date;
    use crate::scenario::{Location, LocationKind};
    use crate::series::Series;

    /// Inflow → town → border city (crossings) → port (walk-ups), and a camp that
    /// removes people: many agents exit every day.
    fn exits() -> Scenario {
        let mut sc = Scenario::new("exits", Date(0), 30);
        for (n, k) in [
            ("In", LocationKind::Town),
            ("City", LocationKind::Town),
            ("Port", LocationKind::Port),
            ("Sink", LocationKind::Camp),
        ] {
            sc.add_location(Location::new(n, k));
        }
        sc.locations[3]
            .attributes
            .insert("deactivation_probability".into(), "0.3".into());
        sc.link("In", "City", 150.0);
        sc.link("City", "Port", 5.0);
        sc.link("In", "Sink", 90.0);
        sc.settings.spawn_rules.camps_are_sinks = true;
        sc.settings.move_rules.max_move_speed = 100.0;
        sc.border = Border {
            ports: vec![Port {
                location: 2,
                name: "Port".into(),
                border_city: 1,
                field_office: "F".into(),
                sector: "S".into(),
                capacity_per_day: 40.0,
                open: true,
                walk_ups: true,
                queue: QueueDiscipline::Random,
            }],
            inflows: vec![Inflow {
                location: 0,
                series: Series::new(vec![(0, 500.0)]),
            }],
            crossings: vec![CrossingPoint {
                name: "City".into(),
                border_city: 1,
                sector: "S".into(),
                hazard: 0.2,
                slope: 0.1,
                max_hazard: 0.9,
            }],
            ..Border::default()
        };
        sc
    }

    /// `simulate` is `AgentRun::new` and a step per day; a clone taken midway
    /// continues exactly as the original; a reseeded clone diverges from then on.
    #[test]
    fn stepping_and_cloning_reproduce_a_whole_run() {
        let sc = exits();
        let opts = RunOptions {
            seed: 7,
            days: Some(20),
            engine: EngineKind::Agents,
        };
        let whole = simulate(&sc, &opts).unwrap();
        let mut r = AgentRun::new(&sc, 7).unwrap();
        assert_eq!(r.day(), 0);
        for _ in 0..8 {
            r.step().unwrap();
        }
        let mut c = r.clone();
        let mut other = r.clone();
        other.reseed(8);
        for _ in 8..20 {
            r.step().unwrap();
            c.step().unwrap();
            other.step().unwrap();
        }
        assert_eq!(r.day(), 20);
        assert_eq!(r.records(), &whole.days[..]);
        assert_eq!(c.into_output(), whole);
        assert_eq!(other.records()[..8], whole.days[..8]);
        assert_ne!(other.records()[8..], whole.days[8..]);
        assert_eq!(
            other.into_output().seed,
            7,
            "the output keeps the first seed"
        );
        assert_eq!(r.into_output(), whole);
    }

    /// `Auto` is the count engine exactly where the count engine runs the
    /// input, and runs it (same output as asking for counts); where the count
    /// engine refuses (too many crossing points, a border run over its day
    /// limit), `Auto` is the agent engine. DFlee (counts): `flood::tests`.
    #[test]
    fn auto_picks_counts_exactly_where_counts_run() {
        let sc = exits();
        assert_eq!(counts_refusal(&sc, None), None);
        assert_eq!(EngineKind::Auto.resolve(&sc, None), EngineKind::Counts);
        let opts = |engine| RunOptions {
            seed: 4,
            days: Some(12),
            engine,
        };
        let auto = simulate(&sc, &opts(EngineKind::Auto)).unwrap();
        assert_eq!(auto, simulate(&sc, &opts(EngineKind::Counts)).unwrap());
        assert_ne!(auto, simulate(&sc, &opts(EngineKind::Agents)).unwrap());
        // The requested engine is kept when it is not `Auto`.
        assert_eq!(EngineKind::Agents.resolve(&sc, None), EngineKind::Agents);

        let mut many = exits();
        let c = many.border.crossings[0].clone();
        many.border.crossings = vec![c; 255];
        assert!(counts_refusal(&many, None).is_some());
        assert_eq!(EngineKind::Auto.resolve(&many, None), EngineKind::Agents);
        let e = simulate(&many, &opts(EngineKind::Counts)).unwrap_err();
        assert!(e.to_string().contains("254 crossing points"), "{e}");
        assert!(simulate(&many, &opts(EngineKind::Auto)).is_ok());
        many.border.crossings.truncate(254);
        assert_eq!(EngineKind::Auto.resolve(&many, None), EngineKind::Counts);

        let max = crate::counts::MAX_BORDER_DAYS;
        assert_eq!(counts_refusal(&sc, Some(max)), None);
        assert!(counts_refusal(&sc, Some(max + 1)).is_some());
        assert_eq!(
            EngineKind::Auto.resolve(&sc, Some(max + 1)),
            EngineKind::Agents
        );
        // Without border processes the count engine has no day limit.
        let mut flee = exits();
        flee.border = Border::default();
        assert_eq!(counts_refusal(&flee, Some(max + 1)), None);
    }

    proptest::proptest! {
        /// The galloping merge of the watched list gives the sorted union
        /// without repeats, filtered, whatever the sizes and overlaps.
        #[test]
        fn merging_slot_lists_is_the_filtered_sorted_union(
            a in proptest::collection::btree_set(0u32..400, 0..120),
            b in proptest::collection::vec(0u32..400, 0..60),
            m in 1u32..5,
        ) {
            let a: Vec<u32> = a.into_iter().collect();
            let mut b = b;
            b.sort_unstable();
            let keep = |x: u32| !x.is_multiple_of(m) || x % 7 == 3;
            let mut want: Vec<u32> = a.iter().chain(&b).copied().collect();
            want.sort_unstable();
            want.dedup();
            proptest::prop_assert_eq!(union_slots(&a, &b), want.clone());
            want.retain(|&x| keep(x));
            proptest::prop_assert_eq!(merge_slots(&a, &b, keep), want);
        }
    }

    /// Splitting lists over the thread pool changes nothing: with `Par::below`
    /// lowered so that the passes' slots and the border steps' lists (the
    /// merge of the watched list, the requesters, the crossing draws) are
    /// split, runs on 2 and 3 threads equal the run on one thread.
    #[test]
    fn split_lists_do_not_change_results() {
        let mut sc = exits();
        // Without sinks: the incremental border mode (the watched list kept).
        sc.settings.spawn_rules.camps_are_sinks = false;
        let run = |threads: usize, below: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut w = World::new(&sc, 9, Partition::WHOLE).unwrap();
                w.par = Par { below };
                let mut longest = 0;
                let days: Vec<DayRecord> = (0..30)
                    .map(|t| {
                        let rec = w.step(t, &mut Whole).unwrap();
                        longest = longest.max(w.watched.as_ref().map_or(0, Vec::len));
                        rec
                    })
                    .collect();
                (days, longest)
            })
        };
        let (one, longest) = run(1, SERIAL_BELOW);
        let last = one.last().unwrap().accounting;
        assert!(last.encountered > 1000 && last.admitted > 500, "{last:?}");
        // Long enough to be split in pieces of 2 at `below` = 16.
        assert!(longest > 100, "{longest}");
        for threads in [2, 3] {
            assert_eq!(run(threads, 16).0, one, "{threads} threads");
        }
    }

    #[test]
    fn compaction_does_not_change_results() {
        let sc = exits();
        let opts = RunOptions {
            seed: 5,
            ..Default::default()
        };
        let never = run(&sc, &opts, usize::MAX, false, Partition::WHOLE, &mut Whole).unwrap();
        let often = run(&sc, &opts, 1, false, Partition::WHOLE, &mut Whole).unwrap();
        assert_eq!(never, often);
        let last = never.days.last().unwrap().accounting;
        assert!(
            last.admitted > 500 && last.encountered > 1000 && last.removed > 1000,
            "{last:?}"
        );
        // Without sinks the border passes are incremental and the watched
        // list follows compactions (`Agents::compact_keeping`): the same
        // results as without compaction and as visiting every slot.
        // (The camp far away and a high hazard: most people exit, so that
        // compactions happen.)
        let mut inc = sc.clone();
        inc.settings.spawn_rules.camps_are_sinks = false;
        inc.links[2].distance_km = 5000.0;
        inc.border.crossings[0].hazard = 0.9;
        inc.border.ports[0].capacity_per_day = 1000.0;
        let never = run(&inc, &opts, usize::MAX, false, Partition::WHOLE, &mut Whole).unwrap();
        let often = run(&inc, &opts, 1, false, Partition::WHOLE, &mut Whole).unwrap();
        let recount = run(&inc, &opts, 1, true, Partition::WHOLE, &mut Whole).unwrap();
        assert_eq!(never, often);
        assert_eq!(never, recount);
        let mut w = World::new(&inc, 5, Partition::WHOLE).unwrap();
        w.compact_at = 1;
        let mut compacted_incrementally = 0;
        for t in 0..30 {
            let before = w.gone;
            w.step(t, &mut Whole).unwrap();
            if w.gone != before && w.watched.is_some() {
                compacted_incrementally += 1;
            }
        }
        assert!(compacted_incrementally > 0);
        // It did compact: fewer slots than agents created.
        let mut w = World::new(&sc, 5, Partition::WHOLE).unwrap();
        w.compact_at = 1;
        for t in 0..30 {
            w.step(t, &mut Whole).unwrap();
        }
        assert!(w.agents.len() < w.agents.next_id() as usize);
        assert_eq!(
            w.gone.admitted + w.gone.encountered + w.gone.removed + w.agents.len() as u64,
            w.agents.next_id() as u64
        );
    }
}
