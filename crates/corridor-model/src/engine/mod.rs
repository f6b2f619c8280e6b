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

pub use agents::{AgentState, ExitReason, BYTES_PER_AGENT};
pub use partition::{simulate_partitioned, Partition, Reduce};
pub use routes::prune_weights;

use crate::border::{BorderState, LinkChange};
use crate::error::ModelError;
use crate::record::{Accounting, DayRecord, RunOutput};
use crate::rng::Purpose;
use crate::scenario::{ClosureTarget, DataTable, Scenario};
use crate::settings::Settings;
use agents::{Agents, Gone, CARAVAN, ST_AT};
use border_step::Ledger;
use demography::Demography;
use network::Network;
use passes::PassCtx;
use places::Places;
use routes::{Candidates, PathArena, Tables};
use spawn::{Sink, Spawner};
use std::collections::BTreeSet;
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
    r.out.days.reserve(days as usize);
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
    out: RunOutput,
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
            out: RunOutput {
                seed,
                days: Vec::new(),
                warnings: Vec::new(),
            },
        })
    }

    /// The next day to simulate (= the number of days simulated).
    pub fn day(&self) -> u32 {
        self.out.days.len() as u32
    }

    /// Simulates one more day and returns its record.
    pub fn step(&mut self) -> Result<&DayRecord, ModelError> {
        self.step_with(&mut Whole)
    }

    fn step_with(&mut self, reduce: &mut dyn Reduce) -> Result<&DayRecord, ModelError> {
        let t = self.day();
        // The flood and conflict schedules must cover every day run (O(1)).
        flood::check_schedules(self.w.sc, t + 1)?;
        let rec = self.w.step(t, reduce)?;
        self.out.days.push(rec);
        Ok(&self.out.days[t as usize])
    }

    /// Changes the seed of the days ahead; the days simulated and the agents
    /// are kept. A resampled copy of a member must diverge from its parent: both
    /// would otherwise draw the same numbers, since every stream is keyed by
    /// (seed, purpose, day, entity). `RunOutput::seed` keeps the first seed.
    pub fn reseed(&mut self, seed: u64) {
        self.w.seed = seed;
        if let Some(b) = &mut self.w.border {
            b.reseed(seed);
        }
    }

    /// The records of the days simulated so far.
    pub fn records(&self) -> &[DayRecord] {
        &self.out.days
    }

    /// The run's warnings so far.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.w.warnings.clone();
        if let Some(b) = &self.w.border {
            w.extend(b.warnings().iter().cloned());
        }
        w
    }

    /// The whole output so far, as `simulate` returns it.
    pub fn into_output(self) -> RunOutput {
        let warnings = self.warnings();
        RunOutput {
            warnings,
            ..self.out
        }
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
const MIN_CHUNK: usize = 4096;
/// Below this many agents a day's passes take well under a millisecond each and
/// run on one thread: a round trip through the thread pool would cost more.
const SERIAL_BELOW: usize = 32_768;

/// What both engines build from a scenario before day 0: effective settings
/// (v1 rules applied), data (shifted for `empty_camps_on_day0`), network, places,
/// candidate routes, demography, and the run's warnings so far.
pub(crate) struct Setup {
    pub s: Settings,
    pub data: DataTable,
    pub net: Network,
    pub places: Places,
    pub arena: PathArena,
    pub cands: Candidates,
    pub demo: Demography,
    pub warnings: Vec<String>,
}

impl Setup {
    pub(crate) fn new(sc: &Scenario) -> Setup {
        let mut s = sc.settings.clone();
        s.apply_v1_rules();
        let mut warnings: Vec<String> = s
            .unsupported()
            .into_iter()
            .map(|f| format!("Flee feature not modelled by corridor, ignored: {f}"))
            .collect();
        let mut data = sc.data.clone();
        if s.spawn_rules.empty_camps_on_day0 {
            // Idempotent: a series already shifted by its reader has 0 on day 0.
            data.total.subtract_day0();
            for c in &mut data.camps {
                c.series.subtract_day0();
            }
        }
        let n = sc.locations.len();
        let net = Network::build(sc, s.move_rules.max_move_speed);
        let places = Places::init(sc, &s);
        let mut arena = PathArena::default();
        let cands = Candidates::build(sc, &s, &net, &places, &mut arena);
        let demo = Demography::new(sc, &s);
        warnings.extend(demo.warnings.iter().cloned());
        if sc.links.iter().any(|l| l.forced_redirection == 1) {
            warnings.push(
                "forced_redirection = 1: links are not duplicated as in Flee HEAD (see docs/flee-compat.md)"
                    .into(),
            );
        }
        if s.spawn_rules.camps_are_sinks
            && !(0..n).any(|l| places.camp[l] && places.deactivation[l] > 0.0)
        {
            warnings.push(
                "camps_are_sinks is on but no camp has a positive deactivation_probability attribute"
                    .into(),
            );
        }
        if sc
            .locations
            .iter()
            .any(|l| l.capacity.is_none() && l.capacity_per_day > 0)
        {
            warnings.push(
                "capacity_per_day on a location without capacity is ignored (it stays unlimited)"
                    .into(),
            );
        }
        Setup {
            s,
            data,
            net,
            places,
            arena,
            cands,
            demo,
            warnings,
        }
    }
}

/// Which closures are in force (docs/flee-rules.md §1.3).
#[derive(Debug, Clone)]
pub(crate) struct Closures {
    active: Vec<bool>,
    is_camp_at_start: Vec<bool>,
}

impl Closures {
    pub(crate) fn new(sc: &Scenario) -> Closures {
        Closures {
            active: vec![false; sc.closures.len()],
            is_camp_at_start: sc.locations.iter().map(|l| l.kind.is_camp()).collect(),
        }
    }

    /// Closures acting on day `t`; returns true if links changed (candidate routes
    /// must then be rebuilt).
    pub(crate) fn apply(
        &mut self,
        sc: &Scenario,
        t: u32,
        net: &mut Network,
        places: &mut Places,
        s: &Settings,
    ) -> bool {
        let t = t as i64;
        let mut changed = false;
        for (k, c) in sc.closures.iter().enumerate() {
            for close in [true, false] {
                let day = if close { c.start } else { c.end };
                if day != t || self.active[k] == close {
                    continue;
                }
                self.active[k] = close;
                if let ClosureTarget::Camp(l) = c.target {
                    if self.is_camp_at_start[l] {
                        places.set_camp_closed(l, close, s);
                    }
                    continue;
                }
                for li in net.links_of(sc, &c.target) {
                    let x = &mut net.closed[li as usize];
                    *x = if close {
                        x.saturating_add(1)
                    } else {
                        x.saturating_sub(1)
                    };
                    changed = true;
                }
            }
        }
        changed
    }
}

/// Enacts a border event's link change like a Flee `link` closure, both
/// directions; returns true if the network changed. Closing a link already closed
/// by an event (or opening one no event closed) does nothing, so event closures
/// compose with Flee closures through the per-link counter. `event_closed`: the
/// links closed by events, as location pairs (a < b). Both engines use it.
pub(crate) fn enact_link_change(
    sc: &Scenario,
    net: &mut Network,
    event_closed: &mut BTreeSet<(usize, usize)>,
    ch: LinkChange,
) -> bool {
    let (close, a, b) = match ch {
        LinkChange::Close(a, b) => (true, a, b),
        LinkChange::Open(a, b) => (false, a, b),
    };
    let key = (a.min(b), a.max(b));
    let changed = if close {
        event_closed.insert(key)
    } else {
        event_closed.remove(&key)
    };
    if !changed {
        return false;
    }
    let links = net.links_of(sc, &ClosureTarget::Link(a, b));
    for &li in &links {
        let x = &mut net.closed[li as usize];
        *x = if close {
            x.saturating_add(1)
        } else {
            x.saturating_sub(1)
        };
    }
    !links.is_empty()
}

#[derive(Debug, Clone)]
struct World<'a> {
    sc: &'a Scenario,
    s: Settings,
    seed: u64,
    data: DataTable,
    camps: Vec<usize>,
    net: Network,
    places: Places,
    arena: PathArena,
    cands: Candidates,
    demo: Demography,
    agents: Agents,
    spawner: Spawner,
    /// Agents at each location (state AtLocation), kept current between passes.
    counts: Vec<u64>,
    closures: Closures,
    tables: Tables,
    end: Vec<f64>,
    score: Vec<f64>,
    mc: Vec<f64>,
    /// Yesterday's move chances, and which changed today.
    mc_prev: Vec<f64>,
    mc_changed: Vec<bool>,
    ln_stay: Vec<f64>,
    spawned_total: u64,
    initial: u64,
    warnings: Vec<String>,
    warned_schedule: bool,
    /// Border processes; `None` for a plain Flee scenario.
    border: Option<BorderState>,
    /// DFlee flood levels and rules; `None` without flood rules.
    floods: Option<flood::Floods>,
    /// Links closed by border events (`close_link`), as location pairs (a < b).
    event_closed: BTreeSet<(usize, usize)>,
    /// Per location, for the passes (see `passes::PassCtx`).
    stay: Vec<bool>,
    watch: Vec<bool>,
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

/// Merges the sorted slot lists `a` and `b` into one sorted list without
/// repeats, keeping only the slots for which `keep` holds.
fn merge_slots(a: &[u32], b: &[u32], keep: impl Fn(u32) -> bool) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let x = if j == b.len() || (i < a.len() && a[i] <= b[j]) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        if out.last() != Some(&x) && keep(x) {
            out.push(x);
        }
    }
    out
}

/// Sums `v` over the parts of a partitioned run.
fn reduce_u32(reduce: &mut dyn Reduce, v: Vec<u32>) -> Vec<u32> {
    let mut w: Vec<u64> = v.iter().map(|&x| x as u64).collect();
    reduce.sum(&mut w);
    w.into_iter().map(|x| x as u32).collect()
}

/// Sums a travel pass's tally over the parts of a partitioned run, in one
/// reduce (border processes, the only source of intercepts and watched slots,
/// are not partitioned).
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
        let Setup {
            s,
            data,
            net,
            mut places,
            arena,
            cands,
            demo,
            mut warnings,
        } = Setup::new(sc);
        let n = sc.locations.len();
        let floods = flood::Floods::new(sc, &s)?;
        let border = if sc.border.is_empty() {
            None
        } else {
            // Travel stops at every port, whatever the kind of its location.
            for p in &sc.border.ports {
                places.halt[p.location] = true;
            }
            Some(BorderState::new(sc, seed)?)
        };
        let s_sinks = s.spawn_rules.camps_are_sinks;
        let s_recent = s.move_rules.avoid_short_stints;
        let mut agents = if partition.parts > 1 {
            Agents::with_ids()
        } else {
            Agents::default()
        };
        if border.is_some() {
            agents = agents.with_border();
        }
        let mut counts = vec![0u64; n];
        let initial = {
            let mut sink = Sink {
                agents: &mut agents,
                counts: &mut counts,
                places: &mut places,
                demo: &demo,
                settings: &s,
                seed,
                warnings: &mut warnings,
                partition,
            };
            Spawner::insert_initial(sc, &data, &mut sink)
        };
        Ok(World {
            camps: sc.camp_locations(),
            closures: Closures::new(sc),
            sc,
            s,
            seed,
            data,
            net,
            places,
            arena,
            cands,
            demo,
            agents,
            spawner: Spawner::default(),
            counts,
            tables: Tables::default(),
            end: Vec::new(),
            score: vec![0.0; n],
            mc: vec![0.0; n],
            mc_prev: vec![f64::NAN; n],
            mc_changed: vec![true; n],
            ln_stay: vec![0.0; n],
            spawned_total: 0,
            initial,
            warnings,
            warned_schedule: false,
            border,
            floods,
            event_closed: BTreeSet::new(),
            stay: vec![false; n],
            watch: vec![false; n],
            gone: Gone::default(),
            compact_at: COMPACT_AT,
            incremental: !s_sinks && (sc.border.is_empty() || !s_recent),
            watched: None,
            carried: None,
            partition,
            epoch: 0,
        })
    }

    /// Enacts a border event's link change like a Flee `link` closure, both
    /// directions; returns true if the network changed. Closing a link already
    /// closed by an event (or opening one no event closed) does nothing, so event
    /// closures compose with Flee closures through the per-link counter.
    fn link_change(&mut self, ch: LinkChange) -> bool {
        enact_link_change(self.sc, &mut self.net, &mut self.event_closed, ch)
    }

    fn chunk_size(&self) -> usize {
        let threads = rayon::current_num_threads().max(1);
        if self.agents.len() < SERIAL_BELOW || threads == 1 {
            // One chunk: the passes then run on this thread.
            return self.agents.len().max(1);
        }
        MIN_CHUNK.max(self.agents.len().div_ceil(threads * CHUNKS_PER_THREAD))
    }

    /// The scales of the lazy recent travel on day `t` (incremental mode),
    /// rescaling the stored values first when the scale would grow too large.
    fn lazy_recent_scale(&mut self, t: u32) -> passes::Incremental {
        let track = self.s.move_rules.avoid_short_stints;
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
        self.tables.build(
            &self.cands,
            &self.places,
            &self.end,
            self.demo.n_class,
            &self.counts,
            &self.s,
        );
        let chunk = self.chunk_size();
        let ctx = PassCtx {
            net: &self.net,
            places: &self.places,
            cands: &self.cands,
            arena: &self.arena,
            tables: &self.tables,
            mc: &self.mc,
            settings: &self.s,
            agent_key: DayKey::new(self.seed, Purpose::Agent, t as u64),
            sink_key: DayKey::new(self.seed, Purpose::Sink, t as u64),
            day: t,
            mc_changed: &self.mc_changed,
            ln_stay: &self.ln_stay,
            border: self.border.as_ref(),
            stay: &self.stay,
            watch: &self.watch,
            any_mc_changed,
            inc,
        };
        pass(self.agents.chunks(chunk), &ctx)
    }

    fn step(&mut self, t: u32, reduce: &mut dyn Reduce) -> Result<DayRecord, ModelError> {
        let parts = self.partition.parts;
        let sc = self.sc;
        let n = sc.locations.len();
        let ti = t as i64;
        let mut links_changed = false;
        // Arrivals before the passes (releases from transit, B2).
        let mut early_arrived = Vec::new();
        // Slots placed at a location before the passes (releases, spawning):
        // candidates for the watched list of the incremental mode.
        let mut placed: Vec<u32> = Vec::new();

        // B1 events, B2 releases.
        if let Some(mut b) = self.border.take() {
            for ch in b.begin_day(t) {
                links_changed |= self.link_change(ch);
            }
            early_arrived = vec![0u32; n];
            border_step::release(
                &mut b,
                t,
                &mut self.agents,
                &mut self.counts,
                &mut early_arrived,
                &mut placed,
            );
            self.border = Some(b);
        }

        // 1. Conflicts (with flood rules, Flee sets flood levels instead).
        if let Some(f) = self.floods.as_mut() {
            f.update(sc, t);
        } else if self.places.apply_conflicts(sc, &self.s, t) && !self.warned_schedule {
            self.warned_schedule = true;
            self.warnings.push(format!(
                "the conflict schedule has fewer rows than days: from {} on, its last row holds",
                sc.start_date.add_days(t as i64)
            ));
        }

        // 2. Spawning, B3 inflows, B4 caravans start.
        let mut spawned_today = if t == 0 { self.initial } else { 0 };
        let first_new_slot = self.agents.len() as u32;
        {
            let mut sink = Sink {
                agents: &mut self.agents,
                counts: &mut self.counts,
                places: &mut self.places,
                demo: &self.demo,
                settings: &self.s,
                seed: self.seed,
                warnings: &mut self.warnings,
                partition: self.partition,
            };
            spawned_today +=
                self.spawner
                    .daily(sc, &self.data, t, &mut sink, self.floods.as_ref())?;
            if let Some(b) = self.border.as_mut() {
                for (loc, k) in b.inflows(t) {
                    sink.create(loc, t, k);
                    spawned_today += k;
                }
                for c in b.caravans_starting(t) {
                    let car = b.caravan(c);
                    let (origin, size, new) = (
                        car.origin,
                        car.size,
                        car.source == crate::border::CaravanSource::New,
                    );
                    let candidates: Vec<u32> = if new {
                        let first = sink.agents.next_id();
                        sink.create(origin, t, size);
                        spawned_today += size;
                        (first..sink.agents.next_id()).collect()
                    } else {
                        border_step::caravan_candidates(sink.agents, origin)
                    };
                    let members = b.start_caravan(t, c, &candidates);
                    border_step::join_caravan(b, sink.agents, &members);
                }
            }
        }
        self.spawned_total += spawned_today;
        placed.extend(first_new_slot..self.agents.len() as u32);

        // 3. Closures (with B1's link changes).
        if self
            .closures
            .apply(sc, t, &mut self.net, &mut self.places, &self.s)
            || links_changed
        {
            self.cands = Candidates::build(sc, &self.s, &self.net, &self.places, &mut self.arena);
            if let Some(b) = self.border.as_mut() {
                let net = &self.net;
                b.recompute_routes(sc, &|k| {
                    net.is_open(2 * k as u32) && net.is_open(2 * k as u32 + 1)
                });
            }
        }

        // 4. Evolve: capacity growth, scores (B5 shelter factor), move chances.
        self.places
            .start_of_evolve(ti, &self.s, &mut self.score, &mut self.mc);
        if let Some(f) = &self.floods {
            f.adjust(&mut self.score, &mut self.mc);
        }
        let mut any_mc_changed = false;
        for l in 0..n {
            self.mc_changed[l] = self.mc[l].to_bits() != self.mc_prev[l].to_bits();
            any_mc_changed |= self.mc_changed[l];
            self.ln_stay[l] = (-self.mc[l]).ln_1p();
        }
        self.mc_prev.copy_from_slice(&self.mc);
        let mut watch_changed = false;
        if let Some(b) = &self.border {
            for l in 0..n {
                self.score[l] *= b.attractiveness_factor(l, self.counts[l]);
                let port = b.port_at(l);
                self.stay[l] = port.is_some_and(|p| b.accepts_walk_ups(p));
                let w = port.is_some()
                    || b.crossing_at(l).is_some()
                    || b.is_eligible(l)
                    || crate::border::papers::office_at(b.border(), l).is_some();
                watch_changed |= w != self.watch[l];
                self.watch[l] = w;
            }
        }
        self.demo.end_scores(
            &self.score,
            &self.places.camp,
            &self.places.conflict,
            &self.places.pop,
            &self.s,
            &mut self.end,
        );
        if let Some(f) = &self.floods {
            f.adjust_end(&mut self.end);
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
        for (c, d) in self.counts.iter_mut().zip(&departed_decision) {
            *c -= *d as u64;
        }
        // Border scenarios run the travel pass incrementally when yesterday's
        // watched list is still valid (else every slot is visited today).
        let border_inc = self.border.is_some()
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
        if parts > 1 {
            reduce_tally(reduce, &mut tally);
        }
        if inc_today {
            // The tally's `pop` holds the arrivals only: add them.
            for (c, a) in self.counts.iter_mut().zip(tally.pop.iter_mut()) {
                *c += *a as u64;
                *a = *c as u32;
            }
        }
        for (t, d) in tally.departed.iter_mut().zip(&departed_decision) {
            *t += *d;
        }
        for (t, d) in tally.arrived.iter_mut().zip(&early_arrived) {
            *t += *d;
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
                let new = merge_slots(&watch, &placed, |_| true);
                let a = &self.agents;
                let w = &self.watch;
                let prev = self.watched.take().unwrap_or_default();
                watch = merge_slots(&prev, &new, |x| {
                    let i = x as usize;
                    a.state[i] == ST_AT && w[a.loc[i] as usize] && a.flags[i] & CARAVAN == 0
                });
            } else {
                watch.sort_unstable();
            }
            let mut lg = Ledger {
                agents: &mut self.agents,
                tally: &mut tally,
                net: &self.net,
            };
            let watched = border_step::after_travel(b, t, &mut lg, &watch);
            self.watched = Some(watched);
            self.carried = Some(Carried {
                queue: tally.queue.clone(),
                admitted: tally.admitted,
                encountered: tally.encountered,
                removed: tally.removed,
            });
        }

        // 6. Record (B12).
        for (c, p) in self.counts.iter_mut().zip(&tally.pop) {
            *c = *p as u64;
        }
        let widen = |v: &[u32]| v.iter().map(|&x| x as u64).collect::<Vec<u64>>();
        let mut rec = DayRecord {
            day: t,
            population: widen(&tally.pop),
            on_links_toward: widen(&tally.on_links_toward),
            arrived: widen(&tally.arrived),
            departed: widen(&tally.departed),
            queue: widen(&tally.queue),
            sheltered: vec![0; n],
            unsheltered: vec![0; n],
            admitted: vec![0; n],
            encountered: vec![0; n],
            intercepted: vec![0; n],
            intercepted_first: vec![0; n],
            ..Default::default()
        };
        rec.camp_data = self
            .camps
            .iter()
            .map(|&c| self.data.camp(c).map(|s| s.value_at(ti)).unwrap_or(0))
            .collect();
        rec.spawned_today = spawned_today;
        rec.raw = self.spawner.raw;
        rec.debt = self.spawner.debt;
        let acc = Accounting {
            spawned: self.spawned_total,
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
    /// limit), `Auto` is the agent engine. DFlee: `flood::tests`.
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
