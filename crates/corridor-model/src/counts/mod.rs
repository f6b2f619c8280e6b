//! The count engine (docs/design.md §7): Flee's rules on groups of exchangeable people.
//!
//! People with the same state (see [`cohorts::Key`]) are exchangeable: the agent
//! engine treats them identically and gives each an independent stream, so a
//! group's outcomes follow a binomial or multinomial law. This engine stores a
//! head count per state and moves whole groups with one draw per outcome
//! (multinomials as sequential conditional binomials), so a day costs time in
//! proportion to the number of distinct states, not of people: 10^9 people cost
//! what 10^5 do.
//!
//! The rules are the agent engine's, taken from the same code: the engine core
//! (`engine::core::Core`: setup, events, conflicts, closures, spawn plans, scores
//! and move chances, the day record's shared columns) and, wherever it is a
//! pure function: scores, move chances, capacity multipliers and route weights
//! (`engine::routes::Tables`), candidate routes, spawn counts and weights
//! (`engine::spawn::Spawner::plan`), closures, demographic classes. The day has
//! the agent engine's order and its two capacity snapshots (decision pass, travel
//! pass); multi-hop travel, strict arrival, `start_on_foot`, walk probabilities,
//! camps as sinks and the "nearly full camp" check are the same.
//!
//! Differences from the agent engine, by design:
//! * Draws come from streams keyed by (seed, `Purpose::Counts`, day, phase and
//!   location or link), so the two engines agree in distribution, not draw by
//!   draw (tests: `tests/counts_vs_agents.rs`).
//! * Recent travel (`avoid_short_stints`) is kept on a grid of
//!   [`RECENT_QUANTUM`] (1/32 of a day at full speed) instead of as an `f32`:
//!   exact values would make every travel history a state of its own. It only
//!   matters when `recent + moved / max_move_speed` falls within 1/64 of 1.
//! * Border processes (docs/model.md) run on counts (`border`): binomial draws per
//!   cohort and hypergeometric draws where the agent engine picks a uniform
//!   subset; queues and transit hold head counts. Caravan members travel as
//!   single people while in the caravan. Where the laws differ: docs/model.md §13.
//!
//! Determinism: cohorts are kept in buckets (one per location, one per link) in
//! an order that depends only on the run so far (merges keep the first
//! occurrence of a key), each location or link draws from its own stream in that
//! order, and per-location sums are integer sums, so a run depends only on the
//! seed.

mod border;
pub mod branch;
mod cohorts;
mod hops;
mod multinomial;
mod papers;

use crate::border::caravan::CaravanPos;
use crate::border::{BorderState, CaravanSource};
use crate::engine::core::{camp_nearly_full, Core, Records};
use crate::engine::network::Network;
use crate::engine::passes::MAX_HOPS_PER_DAY;
use crate::engine::places::Places;
use crate::engine::routes::{hop_of, Hop};
use crate::engine::routes::{Candidates, PathArena, Tables, DEST_BIT};
use crate::engine::spawn::{initial_insertions, SpawnPlan};
use crate::engine::{validate, RunOptions};
use crate::error::ModelError;
use crate::record::{Accounting, DayRecord, RunOutput};
use crate::rng::{self, Purpose, Stream};
use crate::scenario::Scenario;
use crate::settings::Settings;
use border::CountBorder;
pub(crate) use cohorts::MAX_BORDER_DAYS;
use cohorts::{normalise, Buckets, Key, FIRST_LINK_DONE, NO_ROUTE};
use hops::{HopCache, PortHops};

/// Grid of the recent-travel value (in units of a day at `max_move_speed`).
/// Finer grids multiply the number of cohorts (1/64: about twice as many, and
/// twice the time); coarser ones widen the band around the threshold where the
/// engines can differ. See docs/performance.md.
pub const RECENT_QUANTUM: f64 = 1.0 / 32.0;

/// What a count run reports besides its output: the number of cohorts (distinct
/// states) at the end of each day, the engine's cost driver.
#[derive(Debug, Clone, Default)]
pub struct CountStats {
    pub cohorts_per_day: Vec<usize>,
}

/// Runs a scenario with the count engine.
pub fn simulate_counts(sc: &Scenario, opts: &RunOptions) -> Result<RunOutput, ModelError> {
    run(sc, opts, false).map(|(out, _)| out)
}

/// [`simulate_counts`], also returning the cohort counts per day.
pub fn simulate_counts_with_stats(
    sc: &Scenario,
    opts: &RunOptions,
) -> Result<(RunOutput, CountStats), ModelError> {
    run(sc, opts, true)
}

/// A run; `want_stats`: count the cohorts each day (which needs the link
/// buckets merged: the engine itself leaves that to the next travel pass).
fn run(
    sc: &Scenario,
    opts: &RunOptions,
    want_stats: bool,
) -> Result<(RunOutput, CountStats), ModelError> {
    let days = opts.days.unwrap_or(sc.days);
    crate::engine::flood::check_schedules(sc, days)?;
    let mut r = CountRun::new(sc, opts.seed)?;
    r.out.reserve(days);
    let mut stats = CountStats::default();
    for _ in 0..days {
        r.step()?;
        if want_stats {
            // Merging is idempotent: the run is the same with or without it.
            let w = &mut r.w;
            for b in &mut w.cohorts.on {
                normalise(b, 0, &mut w.cohorts.scratch);
            }
            stats.cohorts_per_day.push(w.cohorts.len());
        }
    }
    Ok((r.into_output(), stats))
}

/// Why the count engine cannot run `sc` for `days` days, or `None`: too many
/// crossing points or ports, a border run past
/// [`MAX_BORDER_DAYS`]. The one list of its refusals: [`CountRun`] applies it and
/// the automatic engine choice (`engine::counts_refusal`) reads it.
pub fn refusal(sc: &Scenario, days: u32) -> Option<String> {
    let b = &sc.border;
    if !b.is_empty() {
        if b.crossings.len() >= 255 || b.ports.len() >= 1 << 16 {
            return Some(
                "the count engine takes at most 254 crossing points and 65,535 ports".into(),
            );
        }
        if days > MAX_BORDER_DAYS {
            return Some(format!(
                "the count engine runs border scenarios of at most {MAX_BORDER_DAYS} days"
            ));
        }
    }
    None
}

/// A count-engine run advanced one day at a time: build it, [`step`] it, clone
/// it (a clone continues exactly as the original would: same seed, same state),
/// read the records so far. Forecasts (particle filters resample members'
/// states) and the what-if server use it; design in docs/design-engine.md.
/// Running `n` steps gives the records of `simulate_counts` with `days = n`.
///
/// [`step`]: CountRun::step
#[derive(Debug, Clone)]
pub struct CountRun<'a> {
    w: CountWorld<'a>,
    out: Records,
}

impl<'a> CountRun<'a> {
    /// The state before day 0 (day-0 insertions made).
    pub fn new(sc: &'a Scenario, seed: u64) -> Result<CountRun<'a>, ModelError> {
        validate(sc)?;
        // The day limit is checked day by day (`step`): a state may be stepped
        // without knowing how far.
        if let Some(why) = refusal(sc, 0) {
            return Err(ModelError::InvalidScenario(why));
        }
        Ok(CountRun {
            w: CountWorld::new(sc, seed)?,
            out: Records::new(seed),
        })
    }

    /// The next day to simulate (= the number of days simulated).
    pub fn day(&self) -> u32 {
        self.out.day()
    }

    /// Simulates one more day and returns its record.
    pub fn step(&mut self) -> Result<&DayRecord, ModelError> {
        let t = self.day();
        if self.w.border.is_some() && t >= MAX_BORDER_DAYS {
            return Err(ModelError::InvalidScenario(format!(
                "the count engine runs border scenarios of at most {MAX_BORDER_DAYS} days"
            )));
        }
        let rec = self.w.step(t)?;
        Ok(self.out.push(rec))
    }

    /// Changes the seed of the days ahead; the days simulated and the state
    /// are kept. A resampled copy of a member (particle filters) must diverge
    /// from its parent: both would otherwise draw the same numbers, since
    /// streams are keyed by (seed, day, ...). `RunOutput::seed` keeps the
    /// first seed.
    pub fn reseed(&mut self, seed: u64) {
        self.w
            .core
            .reseed(seed, self.w.border.as_mut().map(|b| &mut b.b));
    }

    /// The records of the days simulated so far.
    pub fn records(&self) -> &[DayRecord] {
        self.out.records()
    }

    /// The run's warnings so far.
    pub fn warnings(&self) -> Vec<String> {
        self.w.core.warnings(self.w.border.as_ref().map(|b| &b.b))
    }

    /// The whole output so far, as `simulate_counts` returns it.
    pub fn into_output(self) -> RunOutput {
        let warnings = self.warnings();
        self.out.into_output(warnings)
    }
}

/// Random-stream phases: the entity of a stream is `phase << 40 | index`.
const PH_INITIAL: u64 = 1;
const PH_SPAWN_COUNT: u64 = 2;
const PH_SPAWN_PLACE: u64 = 3;
const PH_SPAWN_CLASS: u64 = 4;
const PH_DECIDE: u64 = 5;
const PH_TRAVEL: u64 = 6;
const PH_SINK: u64 = 7;
const PH_INFLOW: u64 = 8;
const PH_REQUEST: u64 = 9;
const PH_APPOINT: u64 = 10;
const PH_PORT_ORDER: u64 = 11;
const PH_CROSS: u64 = 12;
const PH_CARAVAN: u64 = 13;

#[inline]
fn stream(seed: u64, day: u32, phase: u64, index: u64) -> Stream {
    rng::stream(seed, Purpose::Counts, day as u64, (phase << 40) | index)
}

#[derive(Debug, Clone)]
struct CountWorld<'a> {
    /// What the agent engine shares (settings, network, places, scores, head
    /// counts at locations kept current between passes, warnings, ...).
    core: Core<'a>,
    /// Cohorts, normalised between steps.
    cohorts: Buckets,
    /// The link buckets the travel pass fills (swapped with `cohorts.on`).
    on_next: Vec<Vec<(Key, u64)>>,
    /// Stayers of one location in the decision pass.
    stay: Vec<(Key, u64)>,
    /// Class distribution of people created at each location (computed on first use).
    class_probs: Vec<Option<Vec<f64>>>,
    removed: u64,
    /// Per candidate route: its first hop (rebuilt with the candidates).
    first_hop: Vec<Option<Hop>>,
    /// Next hops of stored routes (cleared with the candidates).
    hop_cache: HopCache,
    /// Holders' links toward their ports (cleared with the candidates).
    port_hops: PortHops,
    /// Bucket lengths at a mark: the entries before are distinct (see `normalise`).
    at_len: Vec<usize>,
    /// Scratch buffers.
    split: Vec<u64>,
    stack: Vec<Mover>,
    /// Border processes; `None` for a plain Flee scenario.
    border: Option<CountBorder>,
    /// Per location: people without an appointment stay (a port taking walk-ups today).
    stay_port: Vec<bool>,
    /// Interceptions of the travel pass: (checkpoint, from, key, people).
    hits: Vec<(usize, usize, Key, u64)>,
    /// Per directed link: some checkpoint checks its traversal (links keep
    /// their ends whatever closes, so this is fixed for the run).
    checked: Vec<bool>,
    /// What the travel pass reads of each directed link (rebuilt each pass).
    rows: Vec<LinkRow>,
}

/// What the travel pass reads of a directed link, in one row: a step then
/// makes one bounds check and touches one cache line instead of seven arrays
/// (the travel pass takes ~10 million steps a run of the built-in scenario).
/// Rebuilt at the start of each travel pass from the network, so it is
/// always the day's.
#[derive(Debug, Clone, Copy)]
struct LinkRow {
    len: f64,
    speed: f64,
    walk_p: f64,
    from: u32,
    to: u32,
    open: bool,
    /// Some checkpoint checks this traversal (`CountWorld::checked`).
    checked: bool,
    /// Arrivals stop at `to` (`Places::halt`, fixed during the pass): read
    /// with the row instead of from a second array at each arrival.
    to_halt: bool,
}

/// Someone travelling in the travel pass: a group on a link, how far it has
/// moved today and how many links it has finished today.
#[derive(Debug, Clone, Copy)]
struct Mover {
    key: Key,
    n: u64,
    moved: f64,
    hops: u32,
    /// The walk draw has been made on the current link and these people walk
    /// (the only split it makes: the others keep going without a mark).
    walk: bool,
}

/// Where [`DecideCtx::decide`] files the parts of a group: `part(key, count,
/// departed)`. Closures are parts sinks (the decision pass files into
/// buckets through one); the travel pass's sink is [`ArrivalParts`], whose
/// method is forced inline: as a closure it was an out-of-line call at each
/// of `decide`'s nine filing sites (a group's 32-byte key passed through
/// memory; ~270,000 calls a mali2012 run, 6.7 % of an ensemble's samples
/// in `perf`).
trait Parts {
    fn part(&mut self, key: Key, n: u64, departed: bool);
}

impl<F: FnMut(Key, u64, bool)> Parts for F {
    #[inline(always)]
    fn part(&mut self, key: Key, n: u64, departed: bool) {
        self(key, n, departed)
    }
}

/// The parts of a group that arrived at a location in the travel pass:
/// stayers go to the location's bucket; movers depart, and the last of them
/// (the next one the stack would give back) is kept in `next` instead of
/// being pushed and popped.
struct ArrivalParts<'x> {
    /// Departures counted at the location.
    departed: &'x mut u64,
    moved: f64,
    hops: u32,
    next: Option<Mover>,
    stack: &'x mut Vec<Mover>,
    at: &'x mut [Vec<(Key, u64)>],
    fin: &'x Finisher,
}

impl Parts for ArrivalParts<'_> {
    #[inline(always)]
    fn part(&mut self, key: Key, n: u64, departed: bool) {
        if departed {
            *self.departed += n;
            let p = Mover {
                key,
                n,
                moved: self.moved,
                hops: self.hops,
                walk: false,
            };
            if let Some(q) = self.next.replace(p) {
                self.stack.push(q);
            }
        } else {
            at_dest(self.at, key, n, self.fin.recent(key, self.moved));
        }
    }
}

/// A [`DecideCtx`] borrowing only the fields it reads, so that the world's
/// scratch buffers and cohorts stay mutable beside it.
macro_rules! ctx {
    ($w:expr) => {
        DecideCtx {
            s: &$w.core.s,
            net: &$w.core.net,
            places: &$w.core.places,
            cands: &$w.core.cands,
            arena: &$w.core.arena,
            tables: &$w.core.tables,
            mc: &$w.core.mc,
            ln_stay: &$w.core.ln_stay,
            first_hop: &$w.first_hop,
            hop_cache: &$w.hop_cache,
            port_hops: &$w.port_hops,
            border: $w.border.as_ref().map(|b| &b.b),
            stay_port: &$w.stay_port,
        }
    };
}

/// What the passes read.
struct DecideCtx<'b> {
    s: &'b Settings,
    net: &'b Network,
    places: &'b Places,
    cands: &'b Candidates,
    arena: &'b PathArena,
    tables: &'b Tables,
    mc: &'b [f64],
    /// ln(1 − move chance) per location.
    ln_stay: &'b [f64],
    /// Per candidate route: its first hop.
    first_hop: &'b [Option<Hop>],
    hop_cache: &'b HopCache,
    /// Appointment holders' links toward their ports.
    port_hops: &'b PortHops,
    border: Option<&'b BorderState>,
    /// Per location: people without an appointment stay (see `CountWorld`).
    stay_port: &'b [bool],
}

impl DecideCtx<'_> {
    /// The agent engine's `decide` for `n` people with key `key` at location `l`,
    /// as a split of the group: `emit.part(key, count, departed)` for each part, in
    /// a fixed order: who stays (with what stored route) and who steps onto
    /// which link (`departed`; the link is in the key). `force`: a town's move
    /// chance counts as 1.
    ///
    /// The parts go to a callback rather than a buffer: the callers file them
    /// straight into buckets or onto the travel stack, so keys stay in registers
    /// (a buffer of parts cost a store-to-load round trip per part).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn decide(
        &self,
        rng: &mut Stream,
        l: u32,
        key: Key,
        n: u64,
        force: bool,
        split: &mut Vec<u64>,
        emit: &mut impl Parts,
    ) {
        let li = l as usize;
        if let Some(b) = self.border {
            if let Some((port, _)) = key.bd().appointment() {
                // Appointment holders go to their port with move chance 1.
                match self.port_hops.get(b, self.net, port, l) {
                    Some(link) => emit.part(key.onto_link(link), n, true),
                    None => emit.part(key, n, false),
                }
                return;
            }
        }
        let has_route = key.route() != NO_ROUTE;
        let m = if has_route || (force && self.places.town[li]) {
            1.0
        } else {
            self.mc[li]
        };
        let movers = if m >= 1.0 {
            n
        } else if m > 0.0 {
            multinomial::binomial_ln(&mut *rng, n, m, self.ln_stay[li])
        } else {
            0
        };
        if movers < n {
            emit.part(key, n - movers, false);
        }
        if movers == 0 {
            return;
        }
        if has_route {
            let hop = self.hop(l, key.route(), key.cursor());
            self.follow(key, key.route(), key.cursor(), hop, movers, emit);
            return;
        }
        let r = self.cands.range(li);
        let k = r.len();
        if k == 0 {
            emit.part(key, movers, false);
            return;
        }
        if k == 1 {
            let hop = self.first_hop[r.start];
            self.follow(key, self.cands.path[r.start], 0, hop, movers, emit);
            return;
        }
        let base = r.start * self.tables.n_class + key.class() as usize * k;
        let cum = &self.tables.cum[base..base + k];
        if movers == 1 {
            // Most groups that move are single people: one draw, no split.
            let i = r.start + multinomial::pick_cumulative(rng, cum);
            self.follow(key, self.cands.path[i], 0, self.first_hop[i], 1, emit);
            return;
        }
        if let Some(mut packed) = multinomial::pick_few_packed(rng, movers, cum) {
            // Small groups over a few routes: the parts in route order, read
            // off the packed head counts (lowest set nibble first).
            while packed != 0 {
                let s = packed.trailing_zeros() & !3;
                let x = (packed >> s) & 0xF;
                packed &= !(0xF << s);
                let i = r.start + (s / 4) as usize;
                self.follow(key, self.cands.path[i], 0, self.first_hop[i], x, emit);
            }
            return;
        }
        let mut few = [0usize; multinomial::PER_PERSON_MAX as usize];
        if let Some(picks) = multinomial::pick_few(rng, movers, cum, &mut few) {
            // Small groups: the parts in route order without a pass over
            // every route of the location (~75 on the built-in scenario).
            let mut a = 0;
            while a < picks.len() {
                let j = picks[a];
                let mut b = a + 1;
                while b < picks.len() && picks[b] == j {
                    b += 1;
                }
                let i = r.start + j;
                let x = (b - a) as u64;
                self.follow(key, self.cands.path[i], 0, self.first_hop[i], x, emit);
                a = b;
            }
            return;
        }
        multinomial::split_cumulative(rng, movers, cum, split);
        for (j, &x) in split.iter().enumerate() {
            if x > 0 {
                let i = r.start + j;
                self.follow(key, self.cands.path[i], 0, self.first_hop[i], x, emit);
            }
        }
    }

    /// Moves the group `start` (from one link's cohorts) and everyone split off
    /// it to the end of their day (docs/flee-rules.md §2.8): advance, arrive strictly
    /// past the end, continue while the day's distance is below the speed,
    /// re-deciding at each arrival. Groups waiting their turn go on `stack`
    /// (empty on entry and on return), processed last in, first out.
    #[allow(clippy::too_many_arguments)]
    fn travel(
        &self,
        rng: &mut Stream,
        fin: &Finisher,
        rows: &[LinkRow],
        start: Mover,
        stack: &mut Vec<Mover>,
        arrived: &mut [u64],
        departed: &mut [u64],
        at: &mut [Vec<(Key, u64)>],
        on_next: &mut [Vec<(Key, u64)>],
        split: &mut Vec<u64>,
        hits: &mut Vec<(usize, usize, Key, u64)>,
    ) {
        let m = &self.s.move_rules;
        let mut mv = start;
        'groups: loop {
            let li = mv.key.pos() as usize;
            let row = &rows[li];
            let v = if mv.walk {
                m.max_walk_speed
            } else {
                let mut v = row.speed;
                if m.start_on_foot && mv.key.flags() & FIRST_LINK_DONE == 0 {
                    v = m.max_walk_speed;
                }
                let wp = row.walk_p;
                if wp >= 1.0 {
                    v = m.max_walk_speed;
                } else if wp > 0.0 {
                    let w = multinomial::binomial(&mut *rng, mv.n, wp);
                    if w == mv.n {
                        v = m.max_walk_speed;
                    } else if w > 0 {
                        stack.push(Mover {
                            n: w,
                            walk: true,
                            ..mv
                        });
                        mv.n -= w;
                    }
                }
                v
            };
            let d = mv.key.dist() as f64 + v;
            let mut moved = mv.moved + v;
            let len = row.len;
            'done: {
                if d <= len {
                    let r = fin.recent(mv.key, moved);
                    on_next[li].push((mv.key.with_dist(d as f32).with_recent(r), mv.n));
                    break 'done;
                }
                let key = mv.key.with_flags(mv.key.flags() | FIRST_LINK_DONE);
                moved += len - d;
                if !row.open {
                    // Closed while travelling: back to where the link starts.
                    let s = row.from;
                    arrived[s as usize] += mv.n;
                    at[s as usize]
                        .push((key.moved_to(s).with_recent(fin.recent(key, moved)), mv.n));
                    break 'done;
                }
                let dest = row.to;
                if let Some(b) = self.border.filter(|_| row.checked) {
                    // B6: the checkpoints on this traversal, in table order
                    // (most links have none: `checked` skips the look-up).
                    let from = row.from as usize;
                    for cp in b.checkpoints_on(from, dest as usize) {
                        let x =
                            multinomial::binomial(&mut *rng, mv.n, b.checkpoint_probability(cp));
                        if x > 0 {
                            hits.push((cp, from, key.with_recent(fin.recent(key, moved)), x));
                            mv.n -= x;
                        }
                        if mv.n == 0 {
                            break;
                        }
                    }
                    if mv.n == 0 {
                        break 'done;
                    }
                }
                arrived[dest as usize] += mv.n;
                let hops = mv.hops + 1;
                let here = key.moved_to(dest);
                if row.to_halt || moved >= v || hops >= MAX_HOPS_PER_DAY {
                    at_dest(at, here, mv.n, fin.recent(key, moved));
                    break 'done;
                }
                if here.route() != NO_ROUTE && !(self.border.is_some() && here.bd().is_holder()) {
                    // A route holder who is not an appointment holder: `decide`
                    // with move chance 1 makes no draw and takes the route's
                    // next hop as one group (or stays without a route). The
                    // same outcome without the callback, and the group goes on
                    // without a trip through `next` or the stack.
                    let (route, cursor) = (here.route(), here.cursor());
                    let hop = self.hop(dest, route, cursor);
                    let (k, gone) = self.follow_key(here, route, cursor, hop);
                    if !gone {
                        at_dest(at, k, mv.n, fin.recent(k, moved));
                        break 'done;
                    }
                    departed[dest as usize] += mv.n;
                    mv = Mover {
                        key: k,
                        n: mv.n,
                        moved,
                        hops,
                        walk: false,
                    };
                    continue 'groups;
                }
                let force = m.avoid_short_stints && fin.short_stint(mv.key, moved);
                let mut parts = ArrivalParts {
                    departed: &mut departed[dest as usize],
                    moved,
                    hops,
                    next: None,
                    stack: &mut *stack,
                    at: &mut *at,
                    fin,
                };
                self.decide(rng, dest, here, mv.n, force, split, &mut parts);
                if let Some(p) = parts.next {
                    mv = p;
                    continue 'groups;
                }
            }
            match stack.pop() {
                Some(p) => mv = p,
                None => return,
            }
        }
    }

    /// The next hop of `route` at `l` after `cursor` hops ([`hops::hop_of`]).
    #[inline]
    fn hop(&self, l: u32, route: u32, cursor: u8) -> Option<Hop> {
        self.hop_cache
            .get(self.net, self.cands, self.arena, l, route, cursor)
    }

    /// `n` people take the next hop of `route` (the checks of the agent engine's
    /// `decide` once the route is known): no next hop or no open link to it, or a
    /// nearly full destination camp, and they stay without a route.
    #[inline(always)]
    fn follow(
        &self,
        key: Key,
        route: u32,
        cursor: u8,
        hop: Option<Hop>,
        n: u64,
        emit: &mut impl Parts,
    ) {
        let (k, gone) = self.follow_key(key, route, cursor, hop);
        emit.part(k, n, gone);
    }

    /// [`follow`](Self::follow)'s outcome for `key`: the key on the next link
    /// and `true`, or the key staying without a route and `false`.
    #[inline(always)]
    fn follow_key(&self, key: Key, route: u32, cursor: u8, hop: Option<Hop>) -> (Key, bool) {
        let Some(Hop {
            link: Some(link),
            fin,
            last,
        }) = hop
        else {
            return (key.with_route(NO_ROUTE, 0), false);
        };
        if camp_nearly_full(self.places, self.tables, fin as usize) {
            return (key.with_route(NO_ROUTE, 0), false);
        }
        // Cursors of shortest-path routes are never read: keep them 0 so that
        // such cohorts merge.
        let c = if route & DEST_BIT != 0 { 0 } else { cursor + 1 };
        let key = if last {
            key.with_route(NO_ROUTE, 0)
        } else {
            key.with_route(route, c)
        };
        (key.onto_link(link), true)
    }
}

impl<'a> CountWorld<'a> {
    fn new(sc: &'a Scenario, seed: u64) -> Result<CountWorld<'a>, ModelError> {
        let border = if sc.border.is_empty() {
            None
        } else {
            Some(CountBorder::new(sc, seed)?)
        };
        let core = Core::new(sc, seed)?;
        let n = sc.locations.len();
        let net_links = core.net.from.len();
        let mut w = CountWorld {
            core,
            cohorts: Buckets::new(n, net_links),
            on_next: vec![Vec::new(); net_links],
            stay: Vec::new(),
            class_probs: vec![None; n],
            removed: 0,
            at_len: vec![0; n],
            split: Vec::new(),
            stack: Vec::new(),
            first_hop: Vec::new(),
            hop_cache: HopCache::default(),
            port_hops: PortHops::default(),
            border,
            stay_port: vec![false; n],
            hits: Vec::new(),
            checked: Vec::new(),
            rows: Vec::new(),
        };
        if let Some(b) = &w.border {
            let net = &w.core.net;
            w.checked = (0..net_links)
                .map(|li| {
                    let (from, to) = (net.from[li] as usize, net.to[li] as usize);
                    b.b.checkpoints_on(from, to).next().is_some()
                })
                .collect();
        }
        w.first_hops();
        for (k, (l, n)) in initial_insertions(sc, &w.core.data, &w.core.s)
            .into_iter()
            .enumerate()
        {
            let mut rng = stream(seed, 0, PH_INITIAL, k as u64);
            w.create(l, n, &mut rng);
            w.core.initial += n;
        }
        w.cohorts.normalise();
        Ok(w)
    }

    /// Records the bucket lengths (normalised buckets, before appending).
    fn mark_lengths(&mut self) {
        for (len, b) in self.at_len.iter_mut().zip(&self.cohorts.at) {
            *len = b.len();
        }
    }

    fn first_hops(&mut self) {
        let n = self.core.sc.locations.len();
        self.first_hop.clear();
        self.hop_cache.clear();
        let ports = self.border.as_ref().map_or(0, |b| b.b.border().ports.len());
        self.port_hops.clear(ports, n);
        for o in 0..n {
            for i in self.core.cands.range(o) {
                let h = hop_of(
                    &self.core.net,
                    &self.core.cands,
                    &self.core.arena,
                    o as u32,
                    self.core.cands.path[i],
                    0,
                );
                self.first_hop.push(h);
            }
        }
    }

    /// Creates `n` people at `l`, split over attribute classes.
    fn create(&mut self, l: usize, n: u64, rng: &mut Stream) {
        for (k, x) in self.new_people(l, n, rng) {
            self.core.counts[l] += x;
            self.cohorts.push(k, x);
        }
    }

    /// `n` new people at `l` as cohorts (split over attribute classes), not yet placed.
    fn new_people(&mut self, l: usize, n: u64, rng: &mut Stream) -> Vec<(Key, u64)> {
        if n == 0 {
            return Vec::new();
        }
        if self.core.demo.n_class == 1 {
            return vec![(Key::at(l as u32, 0, 0, 0.0), n)];
        }
        let probs = self.class_probs[l]
            .get_or_insert_with(|| self.core.demo.class_probabilities(l, &self.core.s))
            .clone();
        multinomial::split(rng, n, &probs, &mut self.split);
        self.split
            .iter()
            .enumerate()
            .filter(|&(_, &x)| x > 0)
            .map(|(c, &x)| (Key::at(l as u32, 0, c as u16, 0.0), x))
            .collect()
    }

    /// Day `t`'s spawning (docs/flee-rules.md §2.4); returns the number of people created.
    fn spawn(&mut self, t: u32) -> Result<u64, ModelError> {
        let seed = self.core.seed;
        let plan = self.core.spawn_plan(t, |l, lambda| {
            stream(seed, t, PH_SPAWN_COUNT, l as u64).poisson(lambda)
        })?;
        let per_location: Vec<(usize, u64)> = match plan {
            SpawnPlan::Nobody => return Ok(0),
            SpawnPlan::PerLocation(v) => v,
            SpawnPlan::Spread(n) => {
                let (cum, locs) = self.core.spawner.weights();
                let mut rng = stream(seed, t, PH_SPAWN_PLACE, 0);
                let mut parts = Vec::new();
                multinomial::split_cumulative(&mut rng, n, cum, &mut parts);
                locs.iter()
                    .zip(parts)
                    .map(|(&l, x)| (l as usize, x))
                    .collect()
            }
        };
        let take = self.core.s.spawn_rules.take_from_population;
        let mut created = 0;
        for (l, n) in per_location {
            if n == 0 {
                continue;
            }
            let mut rng = stream(seed, t, PH_SPAWN_CLASS, l as u64);
            self.create(l, n, &mut rng);
            if take {
                if let Some(w) = self.core.places.take_population(l, n, t) {
                    self.core.warnings.push(w);
                }
            }
            created += n;
        }
        Ok(created)
    }

    /// The travel pass's tables (Flee's second capacity snapshot). Between the
    /// two builds of a day only the head counts change, and they enter the
    /// tables only through the capacity multipliers: when every multiplier is
    /// bit-for-bit the one of the decision pass, the tables are too, and the
    /// rebuild (about half a million instructions on the built-in scenario)
    /// is skipped.
    fn rebuild_tables_for_travel(&mut self) {
        let same = self.core.tables.capmul.len() == self.core.counts.len()
            && self.core.counts.iter().enumerate().all(|(x, &c)| {
                self.core
                    .places
                    .capacity_multiplier(x, c, &self.core.s)
                    .to_bits()
                    == self.core.tables.capmul[x].to_bits()
            });
        if !same {
            self.core.build_tables();
        }
    }

    /// The decision pass (docs/flee-rules.md §2.2): every group at a location
    /// decides, one stream per location; who leaves goes onto its link's bucket.
    /// Out of line: one call a day, and profiles then show the pass apart.
    // Locations and links index several parallel arrays at once.
    #[allow(clippy::needless_range_loop)]
    #[inline(never)]
    fn decision_pass(&mut self, t: u32, departed: &mut [u64]) {
        let n = self.core.sc.locations.len();
        {
            let ctx = ctx!(self);
            let cohorts = &mut self.cohorts;
            let (at, on, scratch) = (&mut cohorts.at, &mut cohorts.on, &mut cohorts.scratch);
            for l in 0..n {
                let bucket = &mut at[l];
                if bucket.is_empty() {
                    continue;
                }
                // Move chance 0 and no stored route: nothing can happen.
                let idle = ctx.mc[l] <= 0.0;
                let mut rng = stream(self.core.seed, t, PH_DECIDE, l as u64);
                // Stayers who keep their key are compacted in place (still in
                // key order); those whose key changed go to `stay` and are
                // appended, the unsorted tail that `normalise` merges in.
                self.stay.clear();
                let mut w = 0;
                for r in 0..bucket.len() {
                    let (key, cnt) = bucket[r];
                    let holder = key.bd().is_holder();
                    if (idle && key.route() == NO_ROUTE && !holder) || (!holder && ctx.stay_port[l])
                    {
                        bucket[w] = (key, cnt);
                        w += 1;
                        continue;
                    }
                    let mut kept = 0;
                    let stay = &mut self.stay;
                    let dep = &mut departed[l];
                    ctx.decide(
                        &mut rng,
                        l as u32,
                        key,
                        cnt,
                        false,
                        &mut self.split,
                        &mut |k: Key, x: u64, gone: bool| {
                            if gone {
                                *dep += x;
                                on[k.pos() as usize].push((k, x));
                            } else if k == key {
                                kept += x;
                            } else {
                                stay.push((k, x));
                            }
                        },
                    );
                    if kept > 0 {
                        bucket[w] = (key, kept);
                        w += 1;
                    }
                }
                bucket.truncate(w);
                bucket.extend_from_slice(&self.stay);
                normalise(bucket, w, scratch);
            }
        }
    }

    /// The travel pass: groups on links advance (and re-decide at each
    /// arrival) to the end of their day; see [`DecideCtx::travel`].
    // Locations and links index several parallel arrays at once.
    #[allow(clippy::needless_range_loop)]
    #[inline(never)]
    fn travel_pass(&mut self, t: u32, arrived: &mut [u64], departed: &mut [u64]) {
        let fin = Finisher::new(&self.core.s);
        for (b, len) in self.cohorts.at.iter_mut().zip(&mut self.at_len) {
            if !fin.track {
                // Recent travel is 0 in every key: nothing to halve.
                *len = b.len();
                continue;
            }
            let mut changed = false;
            for c in b.iter_mut() {
                let k = c.0.with_recent(fin.recent(c.0, 0.0));
                changed |= k != c.0;
                c.0 = k;
            }
            // Halving can make two recent values equal: such a bucket is
            // merged from its start after the travel pass, together with the
            // arrivals (one pass instead of two; the travel pass only appends
            // to location buckets, and merging a prefix first or not gives the
            // same first-occurrence order and sums).
            *len = if changed { 0 } else { b.len() };
        }
        // Today's link rows (closures may have changed `open`).
        let net = &self.core.net;
        self.rows.clear();
        self.rows.extend((0..net.from.len()).map(|li| LinkRow {
            len: net.len[li],
            speed: net.speed[li],
            walk_p: net.walk_p[li],
            from: net.from[li],
            to: net.to[li],
            open: net.is_open(li as u32),
            checked: self.checked.get(li).copied().unwrap_or(false),
            to_halt: self.core.places.halt[net.to[li] as usize],
        }));
        {
            let ctx = ctx!(self);
            let stack = &mut self.stack;
            let rows = &self.rows[..];
            let (at, on) = (&mut self.cohorts.at, &mut self.cohorts.on);
            for li in 0..on.len() {
                if on[li].is_empty() {
                    continue;
                }
                // Yesterday's arrivals on the link and today's departures onto
                // it, merged in one pass (see the end of the travel pass).
                normalise(&mut on[li], 0, &mut self.cohorts.scratch);
                let mut rng = stream(self.core.seed, t, PH_TRAVEL, li as u64);
                for &(key, cnt) in &on[li] {
                    let start = Mover {
                        key,
                        n: cnt,
                        moved: 0.0,
                        hops: 0,
                        walk: false,
                    };
                    ctx.travel(
                        &mut rng,
                        &fin,
                        rows,
                        start,
                        stack,
                        arrived,
                        departed,
                        at,
                        &mut self.on_next,
                        &mut self.split,
                        &mut self.hits,
                    );
                }
                on[li].clear();
            }
            std::mem::swap(on, &mut self.on_next);
        }
    }

    // Locations and links are indices into several parallel arrays at once.
    #[allow(clippy::needless_range_loop)]
    fn step(&mut self, t: u32) -> Result<DayRecord, ModelError> {
        let sc = self.core.sc;
        let n = sc.locations.len();
        let mut arrived = vec![0u64; n];

        // B1 events, 1. conflicts.
        let links_changed = self
            .core
            .begin_day(t, self.border.as_mut().map(|b| &mut b.b));

        // 2. Spawning.
        let mut spawned_today = if t == 0 { self.core.initial } else { 0 };
        self.mark_lengths();
        // B2 releases (arrivals of the day, before the passes).
        if let Some(b) = self.border.as_mut() {
            for (k, x) in b.release(t) {
                let l = k.pos() as usize;
                self.core.counts[l] += x;
                arrived[l] += x;
                self.cohorts.at[l].push((k, x));
            }
            b.papers_release(
                t,
                self.core.seed,
                &mut self.cohorts.at,
                &mut self.core.counts,
            );
        }
        spawned_today += self.spawn(t)?;
        // B3 inflows, B4 caravans start.
        if let Some(mut b) = self.border.take() {
            for (i, (l, x)) in b.b.inflows(t).into_iter().enumerate() {
                let mut rng = stream(self.core.seed, t, PH_INFLOW, i as u64);
                self.create(l, x, &mut rng);
                spawned_today += x;
            }
            for c in b.b.caravans_starting(t) {
                let car = b.b.caravan(c);
                let (origin, size) = (car.origin, car.size);
                // Members stay in `counts` (people at a location, as in the agent
                // engine's occupancy) until the passes; only their cohorts move.
                let pool = if car.source == CaravanSource::New {
                    let mut rng = stream(self.core.seed, t, PH_CARAVAN, c as u64);
                    spawned_today += size;
                    self.core.counts[origin] += size;
                    self.new_people(origin, size, &mut rng)
                } else {
                    // Those free to go: everyone at the origin without an appointment.
                    normalise(&mut self.cohorts.at[origin], 0, &mut self.cohorts.scratch);
                    let mut free = Vec::new();
                    self.cohorts.at[origin].retain(|&(k, x)| {
                        if k.bd().is_holder() {
                            true
                        } else {
                            free.push((k, x));
                            false
                        }
                    });
                    self.at_len[origin] = 0;
                    // Those waiting for papers there may join too.
                    let (pool, rest) =
                        b.papers_caravan_pool(t, self.core.seed, c, origin, size, free);
                    self.cohorts.at[origin].extend(rest);
                    pool
                };
                for (k, x) in b.start_caravan(t, c, &pool)? {
                    self.cohorts.at[origin].push((k, x));
                }
            }
            self.border = Some(b);
        }
        self.core.spawned_total += spawned_today;
        for (b, &from) in self.cohorts.at.iter_mut().zip(&self.at_len) {
            normalise(b, from, &mut self.cohorts.scratch);
        }

        // 3. Closures.
        if self
            .core
            .closures(t, links_changed, self.border.as_mut().map(|b| &mut b.b))
        {
            self.first_hops();
        }

        // 4. Evolve: capacity growth, scores (B5 shelter factor), move chances,
        // end-point scores.
        self.core.evolve(t, self.border.as_ref().map(|b| &b.b));
        if let Some(b) = &self.border {
            // Who waits at a port for its queue.
            for l in 0..n {
                self.stay_port[l] = b.b.port_at(l).is_some_and(|p| b.b.holds_at_port(p));
            }
        }

        // Decision pass: groups at locations, one stream per location.
        self.core.build_tables();
        let mut departed = vec![0u64; n];
        self.decision_pass(t, &mut departed);
        for (c, d) in self.core.counts.iter_mut().zip(&departed) {
            *c -= *d;
        }

        // Travel pass: groups on links, one stream per link. People who do not
        // travel only update their recent travel.
        self.rebuild_tables_for_travel();
        self.travel_pass(t, &mut arrived, &mut departed);
        // Stayers, then arrivals. Links hold only today's new entries; they
        // are merged at the start of tomorrow's travel pass, together with
        // tomorrow's departures (nothing reads them in between but sums, and
        // merging in one pass or two gives the same first-occurrence order and
        // counts).
        for (b, &from) in self.cohorts.at.iter_mut().zip(&self.at_len) {
            normalise(b, from, &mut self.cohorts.scratch);
        }

        // B6: the travel pass's interceptions go in transit.
        if let Some(b) = self.border.as_mut() {
            for (cp, from, key, x) in self.hits.drain(..) {
                b.intercept(t, cp, from, key, x);
            }
        }

        // Camps as sinks (§2.2 5.8).
        if self.core.s.spawn_rules.camps_are_sinks {
            self.sinks(t);
        }

        // 5. Border steps B7 to B11.
        if let Some(b) = self.border.as_mut() {
            let scratch = &mut self.cohorts.scratch;
            let (at, on) = (&mut self.cohorts.at, &mut self.cohorts.on);
            for l in b.advance_caravans(t, &self.core.net, at, on, &mut arrived, &mut departed) {
                normalise(&mut at[l], 0, scratch);
            }
            b.offer_papers(t, self.core.seed, at, scratch);
            b.join_queues(t, self.core.seed, at, scratch);
            b.appointments(t, self.core.seed, at, scratch);
            b.admit(t, self.core.seed);
            b.crossings(t, self.core.seed, at, scratch);
        }

        // 6. Record (B12).
        let mut pop = vec![0u64; n];
        let mut toward = vec![0u64; n];
        for (l, b) in self.cohorts.at.iter().enumerate() {
            pop[l] = b.iter().map(|c| c.1).sum();
        }
        for (li, b) in self.cohorts.on.iter().enumerate() {
            toward[self.core.net.to[li] as usize] += b.iter().map(|c| c.1).sum::<u64>();
        }
        if let Some(b) = &self.border {
            // Caravan members are people at a location or on a link too.
            for (pos, x) in b.caravan_members() {
                match pos {
                    CaravanPos::At(l) => pop[l] += x,
                    CaravanPos::On { to, .. } => toward[to] += x,
                }
            }
            // People waiting for papers are at their office's location.
            for (l, x) in b.papers.waiting() {
                pop[l] += x;
            }
        }
        self.core.counts.copy_from_slice(&pop);
        let at_locations: u64 = pop.iter().sum();
        let on_links: u64 = toward.iter().sum();
        let (in_queues, in_transit, admitted, encountered, lens) = match &self.border {
            Some(b) => {
                let lens = b.queue_lens();
                let tot = b.b.totals();
                (
                    lens.iter().sum(),
                    b.in_transit(),
                    tot.admitted,
                    tot.encountered,
                    lens,
                )
            }
            None => (0, 0, 0, 0, Vec::new()),
        };
        let acc = Accounting {
            spawned: self.core.spawned_total,
            at_locations,
            on_links,
            in_queues,
            in_transit,
            admitted,
            encountered,
            removed: self.removed,
        };
        let mut rec = self.core.record(t, spawned_today);
        rec.population = pop;
        rec.on_links_toward = toward;
        rec.arrived = arrived;
        rec.departed = departed;
        rec.total_agents = at_locations + on_links + in_queues + in_transit;
        rec.accounting = acc;
        if let Some(b) = self.border.as_mut() {
            b.b.finish_day_with_queues(t, &mut rec, &lens);
        }
        Ok(rec)
    }

    /// Camps as sinks: people at a camp leave with the camp's daily probability.
    fn sinks(&mut self, t: u32) {
        for (l, b) in self.cohorts.at.iter_mut().enumerate() {
            let p = self.core.places.deactivation[l];
            if b.is_empty() || !self.core.places.camp[l] || p <= 0.0 {
                continue;
            }
            let mut rng = stream(self.core.seed, t, PH_SINK, l as u64);
            for c in b.iter_mut() {
                let r = multinomial::binomial(&mut rng, c.1, p);
                c.1 -= r;
                self.removed += r;
            }
            b.retain(|c| c.1 > 0);
        }
    }
}

/// Puts `n` people with key `key` (at a location) into their bucket with recent travel `r`.
#[inline]
fn at_dest(at: &mut [Vec<(Key, u64)>], key: Key, n: u64, r: f32) {
    at[key.pos() as usize].push((key.with_recent(r), n));
}

/// The end-of-day update of recent travel (§2.2 5.6), on the grid of
/// [`RECENT_QUANTUM`]; 0 throughout unless `avoid_short_stints` (it has no other use).
struct Finisher {
    track: bool,
    inv_speed: f64,
    speed: f64,
    /// `max_move_speed` and its inverse are normal numbers (so the product in
    /// [`Finisher::short_stint`] has a small relative error).
    speed_normal: bool,
}

impl Finisher {
    fn new(s: &Settings) -> Finisher {
        Finisher {
            track: s.move_rules.avoid_short_stints,
            inv_speed: 1.0 / s.move_rules.max_move_speed,
            speed: s.move_rules.max_move_speed,
            speed_normal: s.move_rules.max_move_speed.is_normal()
                && (1.0 / s.move_rules.max_move_speed).is_normal(),
        }
    }

    /// The agent engine's `(recent + moved / max_move_speed) / 2 < 0.5` with
    /// its exact bits, mostly without its division: `moved * inv_speed` is
    /// within a few ulps of the quotient, so away from the threshold it gives
    /// the same answer; near it (or for non-finite values) the quotient decides.
    #[inline]
    fn short_stint(&self, key: Key, moved: f64) -> bool {
        let r0 = key.recent() as f64;
        let approx = r0 + moved * self.inv_speed;
        if (approx - 1.0).abs() > 1e-9 && self.speed_normal {
            approx < 1.0
        } else {
            (r0 + moved / self.speed) / 2.0 < 0.5
        }
    }

    #[inline]
    fn recent(&self, key: Key, moved: f64) -> f32 {
        let r0 = key.recent() as f64;
        if !self.track || (moved == 0.0 && r0 == 0.0) {
            return 0.0;
        }
        quantise_recent((r0 + moved * self.inv_speed) * 0.5)
    }
}

/// Recent travel on the grid of [`RECENT_QUANTUM`]; below half a step it is 0
/// (the agent engine zeroes it below 1e-20).
#[inline]
fn quantise_recent(r: f64) -> f32 {
    (round_ties_even(r / RECENT_QUANTUM) * RECENT_QUANTUM) as f32
}

/// `x.round_ties_even()` without the libm call it compiles to on baseline
/// x86-64 (no `roundsd`): for 0 < x < 2^52, adding and subtracting 2^52 rounds
/// to an integer, ties to even, in the default rounding mode, exactly; other
/// values (zeros, whose sign must be kept, negative, huge, NaN) take the call.
#[inline]
fn round_ties_even(x: f64) -> f64 {
    const TWO52: f64 = (1u64 << 52) as f64;
    if x > 0.0 && x < TWO52 {
        (x + TWO52) - TWO52
    } else {
        round_ties_even_call(x)
    }
}

/// The libm call of [`round_ties_even`], out of line: LLVM treats the rounding
/// intrinsic as free of side effects and hoisted it out of its branch (and out
/// of [`Finisher::recent`]'s `track` test), so every traveller paid a libm call
/// even without `avoid_short_stints` (7.5 million a run of the built-in
/// scenario). A call to an opaque function is not speculated.
#[cold]
#[inline(never)]
fn round_ties_even_call(x: f64) -> f64 {
    x.round_ties_even()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Merging the link buckets at the end of each day (only for the cohort
    /// counts) leaves the run unchanged, and the counts are of distinct keys.
    #[test]
    fn stats_do_not_change_the_run() {
        use crate::scenario::{Location, LocationKind};
        use crate::EngineKind;
        let mut sc = Scenario::new("t", crate::date::Date(0), 40);
        for (name, kind) in [
            ("A", LocationKind::ConflictZone),
            ("B", LocationKind::Town),
            ("C", LocationKind::Town),
            ("D", LocationKind::Camp),
            ("E", LocationKind::Camp),
        ] {
            sc.add_location(Location::new(name, kind));
        }
        sc.locations[0].initial_idps = 5_000;
        sc.locations[1].initial_idps = 300;
        sc.link("A", "B", 150.0);
        sc.link("B", "C", 90.0);
        sc.link("C", "D", 400.0);
        sc.link("B", "E", 700.0);
        sc.link("A", "C", 260.0);
        let opts = RunOptions {
            seed: 11,
            days: Some(40),
            engine: EngineKind::Counts,
        };
        let plain = simulate_counts(&sc, &opts).unwrap();
        let (with, stats) = simulate_counts_with_stats(&sc, &opts).unwrap();
        assert_eq!(plain, with);
        assert_eq!(stats.cohorts_per_day.len(), 40);
        // People are on links on some day, and there are several states.
        assert!(plain.days.iter().any(|d| d.accounting.on_links > 0));
        assert!(stats.cohorts_per_day.iter().any(|&c| c > 3));
        // A recount of distinct keys after the fact agrees on the last day.
        let mut w = CountWorld::new(&sc, 11).unwrap();
        for t in 0..40 {
            w.step(t).unwrap();
        }
        let mut keys = std::collections::HashSet::new();
        for b in w.cohorts.at.iter().chain(&w.cohorts.on) {
            keys.extend(b.iter().filter(|c| c.1 > 0).map(|c| c.0));
        }
        assert_eq!(keys.len(), *stats.cohorts_per_day.last().unwrap());
    }

    /// The short-stint test without the division agrees with the agent
    /// engine's formula everywhere, at and next to the threshold included.
    #[test]
    fn short_stint_matches_the_division() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut near = 0;
        for speed in [200.0, 360.0, 3.0, 1e-3, 7.3] {
            let mut s = Settings::default();
            s.move_rules.max_move_speed = speed;
            s.move_rules.avoid_short_stints = true;
            let fin = Finisher::new(&s);
            for i in 0..40_000u64 {
                let r = (next() % 64) as f32 * RECENT_QUANTUM as f32;
                let key = Key::at(0, 0, 0, 0.0).with_recent(r);
                let exact_at = (1.0 - r as f64) * speed;
                let moved = match i % 4 {
                    // Arbitrary distances.
                    0 => (next() % 1_000_000) as f64 / 1000.0 * speed / 100.0,
                    // On the threshold and a few ulps either side.
                    1 => exact_at,
                    2 => f64::from_bits(exact_at.to_bits() + next() % 4),
                    _ => f64::from_bits(exact_at.to_bits().saturating_sub(next() % 4)),
                };
                let want = (r as f64 + moved / speed) / 2.0 < 0.5;
                assert_eq!(fin.short_stint(key, moved), want, "{speed} {r} {moved}");
                near += (i % 4 != 0) as usize;
            }
        }
        assert!(near > 100_000);
        // Degenerate speeds take the division.
        for speed in [0.0, f64::MIN_POSITIVE / 4.0] {
            let mut s = Settings::default();
            s.move_rules.max_move_speed = speed;
            let fin = Finisher::new(&s);
            let key = Key::at(0, 0, 0, 0.0);
            for moved in [0.0, 1e-310, 5.0] {
                let want = (moved / speed) / 2.0 < 0.5;
                assert_eq!(fin.short_stint(key, moved), want, "{speed} {moved}");
            }
        }
    }

    /// The add-and-subtract rounding gives `f64::round_ties_even`'s bits,
    /// ties included, and the call's answer elsewhere.
    #[test]
    fn rounding_matches_round_ties_even() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            3.5,
            0.49999999999999994,
            1e-300,
            4503599627370495.5,
            4503599627370496.0,
            1e300,
            -2.5,
            -0.3,
            f64::INFINITY,
            f64::MIN_POSITIVE,
        ];
        let mut x = 0x1234_5678_9abc_def1u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Multiples of 1/64 (ties of the recent grid) and arbitrary values.
            xs.push((x % 4096) as f64 / 64.0);
            xs.push(f64::from_bits(x >> 2));
        }
        for &v in &xs {
            assert_eq!(
                round_ties_even(v).to_bits(),
                v.round_ties_even().to_bits(),
                "{v}"
            );
        }
        assert!(round_ties_even(f64::NAN).is_nan());
        assert_eq!(quantise_recent(1.0 / 64.0), 0.0);
        assert_eq!(quantise_recent(3.0 / 64.0), 2.0 / 32.0);
        assert_eq!(quantise_recent(0.26), 8.0 / 32.0);
    }
}
