//! The two agent passes of a day (docs/flee-rules.md §2.7, §2.8), parallel over agents.
//!
//! Both passes read only shared, read-only tables and the agent's own state, and
//! draw only from the agent's own streams: (seed, Agent, day, 2·id) for the
//! decision pass and (seed, Agent, day, 2·id + 1) for the travel pass (which also
//! makes the multi-hop re-decisions), (seed, Sink, day, id) for camps as sinks.
//! Outcomes that are certain draw nothing (move chance 0 or 1, a single route
//! candidate, walk probability 0 or 1), and a stream is only created on its first
//! draw: most agents on most days need none. Flee draws in those cases too; with
//! per-agent streams, skipping them changes no distribution.
//!
//! Move days: Flee tests an agent's move chance `m` every day. An agent at a
//! location instead draws, once, the number of days until that test first
//! succeeds (geometric with parameter `m`) and keeps the day in `dist`; the
//! decision pass skips it until then. The draw is made again whenever it is
//! unknown (new arrivals, failed moves) or the location's move chance changed,
//! which the geometric law's lack of memory makes equivalent to the daily test.
//! Same distribution as daily tests, far fewer draws (most agents sit in camps at
//! m = 0.001); the numbers drawn differ from daily tests, so a seed's outputs
//! changed when this was introduced (docs/performance.md).
//! Per-location counts are summed from per-thread tallies (integer addition, so the
//! merge order does not matter). Hence results do not depend on the thread count.
//!
//! Border processes (when the scenario has any, `PassCtx::border`): caravan members
//! neither decide nor travel; appointment holders move with chance 1 to the next
//! hop towards their port (`BorderState::next_hop`; the port is kept in their
//! route field), also when re-deciding during multi-hop travel; people at a port that takes walk-ups today (`PassCtx::stay`)
//! do not move; every completed link `from → to` is checked by the checkpoints on
//! it (`BorderState::intercept_draw`, keyed by agent and day, so order-free): an
//! intercepted agent goes in transit to the checkpoint's `relocate_to` and travels
//! no further today; the hits are returned in the tally and recorded by the
//! engine after the pass. The tally also lists the slots of the agents left at a
//! location that the later border steps look at (`PassCtx::watch`), in order
//! (in the incremental mode, only those who arrived there today).
//!
//! Capacity: the decision pass sees the occupancy at its start, the travel pass
//! (including re-decisions after multi-hop arrivals) the occupancy after the
//! decision pass — the two synchronisation points of parallel Flee. Serial Flee
//! updates occupancy live, so its later agents see earlier agents' moves.

use super::agents::PAPERS_WAIT;
use super::agents::{AgentsMut, CARAVAN, FIRST_LINK_DONE, HOLDER, NO_MOVE_DAY, NO_ROUTE};
use super::agents::{ST_ADMITTED, ST_AT};
use super::agents::{ST_ENCOUNTERED, ST_LINK, ST_QUEUED, ST_REMOVED, ST_TRANSIT};
use super::network::Network;
use super::places::Places;
use super::routes::{hop_of_inlined, Candidates, Hop, PathArena, Tables};
use super::streams::{DayKey, LazyStream};
use crate::border::BorderState;
use crate::settings::Settings;
use rayon::prelude::*;

/// Per directed link, the checkpoints checking its traversal in table order
/// (`BorderState::checkpoints_on`), listed once for the run (checkpoints and
/// links do not change): the travel pass asked `intercept_draw`, which
/// searches the checkpoints leaving a location, at every completion of a
/// checked link (~140 instructions each, 6 M a run of the built-in scenario).
#[derive(Debug, Clone, Default)]
pub(crate) struct LinkCheckpoints {
    /// Link `li`'s checkpoints are `cps[off[li]..off[li + 1]]`; `off` is
    /// empty without border processes.
    off: Vec<u32>,
    cps: Vec<u32>,
}

impl LinkCheckpoints {
    pub(crate) fn new(net: &Network, border: Option<&BorderState>) -> LinkCheckpoints {
        let Some(b) = border else {
            return LinkCheckpoints::default();
        };
        let mut lc = LinkCheckpoints {
            off: vec![0],
            cps: Vec::new(),
        };
        for (&from, &to) in net.from.iter().zip(&net.to) {
            lc.cps.extend(
                b.checkpoints_on(from as usize, to as usize)
                    .map(|i| i as u32),
            );
            lc.off.push(lc.cps.len() as u32);
        }
        lc
    }

    /// The checkpoints on link `li`, in order (none for an unknown link).
    #[inline(always)]
    pub(crate) fn on(&self, li: usize) -> &[u32] {
        match self.off.get(li..li + 2) {
            Some(&[a, b]) => &self.cps[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// Hops one agent may make in one day. Flee's rule (continue while the day's net
/// distance is below the speed) never stops on zero-length links; Flee then dies
/// on Python's recursion limit, we stop the agent for the day.
pub(crate) const MAX_HOPS_PER_DAY: u32 = 256;

/// What both passes read.
pub(crate) struct PassCtx<'a> {
    pub net: &'a Network,
    pub places: &'a Places,
    pub cands: &'a Candidates,
    pub arena: &'a PathArena,
    pub tables: &'a Tables,
    /// Move chance per location (type and population scaling, no route override).
    pub mc: &'a [f64],
    pub settings: &'a Settings,
    pub agent_key: DayKey,
    pub sink_key: DayKey,
    pub day: u32,
    /// Per location: its move chance differs from yesterday's (move days drawn
    /// with yesterday's chance are drawn again).
    pub mc_changed: &'a [bool],
    /// Per location: ln(1 − move chance), for move days.
    pub ln_stay: &'a [f64],
    /// The border processes; `None` for a plain Flee scenario.
    pub border: Option<&'a BorderState>,
    /// Per location: people without an appointment stay here (a port that takes
    /// walk-ups today: they join its queue). All false without border processes.
    pub stay: &'a [bool],
    /// Per location: list the agents at it after the travel pass (ports, border
    /// cities, eligible locations). All false without border processes.
    pub watch: &'a [bool],
    /// Per directed link, the checkpoints that check its traversal
    /// ([`LinkCheckpoints`]); empty without border processes. Most links have
    /// none, so the travel pass draws only on these.
    pub checkpoints: &'a LinkCheckpoints,
    /// Some location's move chance changed today (`mc_changed` has a true).
    pub any_mc_changed: bool,
    /// Incremental mode (see [`Incremental`]); `None`: every agent is visited and
    /// the tally is a recount.
    pub inc: Option<Incremental>,
}

/// The incremental mode of the passes, for scenarios without camps as sinks
/// (where nothing happens to an agent at a location before its move day; with
/// border processes, also without `avoid_short_stints`, whose recent travel
/// stops while in transit): the travel pass visits only agents on links. Its
/// `on_links_toward` is still a recount (every agent on a link is visited), but
/// its `pop` holds only the arrivals, which the engine adds to its running
/// counts (less the decision pass's departures). With border processes the
/// engine also carries the other counts (queues, exits) from the day before,
/// and completes the watched list (see `World::step`).
///
/// Recent travel is kept lazily, scaled by the day: `recent` holds
/// `r_d · 2^(d − epoch)`, which stays the same while the agent sits at a location
/// (Flee halves `r` every such day), so an idle agent is never touched. Powers of
/// two are exact in floating point, so the values read are those of the daily
/// update; the engine rescales every array when `d − epoch` reaches
/// `RECENT_REBASE`, which keeps the stored values far inside `f32`'s range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incremental {
    /// Multiplies a stored value into yesterday's recent travel: 2^(epoch + 1 − day).
    pub recent_in: f64,
    /// Multiplies today's recent travel into its stored form: 2^(day − epoch).
    pub recent_out: f32,
}

/// Days between two rescalings of the lazy recent travel (see [`Incremental`]).
pub(crate) const RECENT_REBASE: u32 = 64;

/// Below this, recent travel is 0 (daily halving would otherwise reach
/// subnormal floats, which are slow, after ~130 days; values this small cannot
/// change `r + x < 1`).
const RECENT_FLOOR: f64 = 1e-20;

/// An appointment holder's move at `loc`: the open link to the next hop towards
/// its `port` (stored in its route field), none at the port or when the port
/// cannot be reached.
#[inline]
fn holder_hop(ctx: &PassCtx, loc: u32, port: u32) -> Option<u32> {
    let next = ctx.border?.next_hop(port as usize, loc as usize)?;
    ctx.net.find_open(loc, next as u32)
}

/// One agent's decision at location `loc` (docs/flee-rules.md §2.7 steps 3–4). Returns the
/// link it moves onto, if any, and updates its stored route.
#[inline(always)]
fn decide(
    ctx: &PassCtx,
    rng: &mut LazyStream,
    loc: u32,
    class: u16,
    route: &mut u32,
    cursor: &mut u8,
    force_town: bool,
) -> Option<u32> {
    let l = loc as usize;
    let has_route = *route != NO_ROUTE;
    let m = if has_route || (force_town && ctx.places.town[l]) {
        1.0
    } else {
        ctx.mc[l]
    };
    let moves = m >= 1.0 || (m > 0.0 && rng.next_f64() < m);
    if !moves {
        return None;
    }
    go(ctx, rng, loc, class, route, cursor)
}

/// The rest of [`decide`] once the agent moves: choose a route if it has none,
/// then step towards its next hop if the link is open and the destination camp
/// is not nearly full.
#[inline(always)]
fn go(
    ctx: &PassCtx,
    rng: &mut LazyStream,
    loc: u32,
    class: u16,
    route: &mut u32,
    cursor: &mut u8,
) -> Option<u32> {
    let l = loc as usize;
    if *route == NO_ROUTE {
        *route = ctx.tables.choose(ctx.cands, l, class as usize, rng)?;
        *cursor = 0;
    }
    let hop = hop_of_inlined(ctx.net, ctx.cands, ctx.arena, loc, *route, *cursor);
    let Some(Hop {
        link: Some(link),
        fin,
        last,
    }) = hop
    else {
        *route = NO_ROUTE;
        return None;
    };
    let fin = fin as usize;
    if super::core::camp_nearly_full(ctx.places, ctx.tables, fin) {
        *route = NO_ROUTE;
        return None;
    }
    *cursor += 1;
    if last {
        *route = NO_ROUTE;
        *cursor = 0;
    }
    Some(link)
}

fn add_into(a: &mut [u32], b: &[u32]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += *y;
    }
}

/// Decision pass: agents at locations decide whether and where to go and step onto
/// a link. Returns departures per location.
pub(crate) fn decision_pass(chunks: Vec<AgentsMut<'_>>, ctx: &PassCtx, n_loc: usize) -> Vec<u32> {
    if chunks.len() == 1 {
        // One chunk (a small run): no thread pool round trip.
        let mut dep = vec![0u32; n_loc];
        for ch in chunks {
            decision_chunk(&mut dep, ch, ctx);
        }
        return dep;
    }
    chunks
        .into_par_iter()
        .fold(
            || vec![0u32; n_loc],
            |mut dep, ch| {
                decision_chunk(&mut dep, ch, ctx);
                dep
            },
        )
        .reduce(
            || vec![0u32; n_loc],
            |mut a, b| {
                add_into(&mut a, &b);
                a
            },
        )
}

/// Days before a daily test with chance `m` (0 < m < 1) first succeeds, from one
/// uniform `u` in [0, 1) and `ln_stay` = ln(1 − m): P(k) = (1 − m)^k m. Capped
/// far beyond any run (days are kept as `f32`, exact up to 2^24).
#[inline]
fn failures_before_success(u: f64, ln_stay: f64) -> f32 {
    let g = ((-u).ln_1p() / ln_stay).floor();
    if g < 1e7 {
        g as f32
    } else {
        1e7
    }
}

/// The decision pass over one chunk of slots.
#[inline(never)]
fn decision_chunk(dep: &mut [u32], ch: AgentsMut<'_>, ctx: &PassCtx) {
    let today = ctx.day as f32;
    // Plain Flee scenarios skip the border checks (and their memory reads).
    let border = ctx.border.is_some();
    // An agent whose move day is after today does nothing unless its
    // location's move chance changed (a stored route or a move chance of 1 leave
    // no future move day: see below), or it holds an appointment (holders move
    // without move days; their `dist` may hold a move day drawn before they won,
    // so border scenarios read their flag too). Those in a caravan or waiting for
    // papers do nothing, and those waiting for a port's queue stay. Checking that
    // first reads five bytes (six with border processes), and no location, for
    // the many who wait.
    let skip_waiting = !ctx.any_mc_changed;
    let ch = ch.even();
    for i in 0..ch.loc.len() {
        if ch.state[i] != ST_AT
            || (skip_waiting && ch.dist[i] > today && (!border || ch.flags[i] & HOLDER == 0))
        {
            continue;
        }
        let l = ch.loc[i];
        if border {
            let f = ch.flags[i];
            if f & (HOLDER | CARAVAN | PAPERS_WAIT) != 0 {
                // Those waiting for papers stay where they are (border::papers).
                if f & (CARAVAN | PAPERS_WAIT) == 0 {
                    if let Some(li) = holder_hop(ctx, l, ch.route[i]) {
                        ch.state[i] = ST_LINK;
                        ch.loc[i] = li;
                        ch.dist[i] = 0.0;
                        dep[l as usize] += 1;
                    }
                }
                continue;
            }
            // Waiting for a port's queue.
            if ctx.stay[l as usize] {
                continue;
            }
        }
        // Move chance 0 and no stored route: nothing can happen.
        let m = ctx.mc[l as usize];
        if ch.route[i] == NO_ROUTE && m <= 0.0 {
            continue;
        }
        let mut rng = LazyStream::new(&ctx.agent_key, 2 * ch.id(i));
        if ch.route[i] == NO_ROUTE && m < 1.0 {
            // Flee tests the move chance every day. The days until the test
            // first succeeds are geometric, so the agent draws that day once and
            // keeps it in `dist`, and days before it cost nothing (most people
            // sit in camps at 0.001). Drawn again when it is unknown or past (a
            // new arrival, a failed move) or the move chance changed: by the
            // geometric law's lack of memory this is the same daily test.
            let w = ch.dist[i];
            let changed = ctx.mc_changed[l as usize];
            if w > today && !changed {
                continue;
            }
            if w != today || changed {
                // No failure first (u < m) needs no logarithm: the common case
                // for those who go, and the same day as the formula gives.
                let u = rng.next_f64();
                if u >= m {
                    let g = failures_before_success(u, ctx.ln_stay[l as usize]);
                    if g > 0.0 {
                        ch.dist[i] = today + g;
                        continue;
                    }
                }
            }
        }
        if let Some(li) = go(
            ctx,
            &mut rng,
            l,
            ch.class[i],
            &mut ch.route[i],
            &mut ch.cursor[i],
        ) {
            ch.state[i] = ST_LINK;
            ch.loc[i] = li;
            ch.dist[i] = 0.0;
            dep[l as usize] += 1;
        } else {
            ch.dist[i] = NO_MOVE_DAY;
        }
    }
}

/// Per-location counts and totals at the end of the travel pass.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    pub pop: Vec<u32>,
    pub on_links_toward: Vec<u32>,
    pub queue: Vec<u32>,
    pub arrived: Vec<u32>,
    pub departed: Vec<u32>,
    pub in_transit: u64,
    pub admitted: u64,
    pub encountered: u64,
    pub removed: u64,
    /// Checkpoint hits of the travel pass: (slot, from location, checkpoint).
    pub intercepts: Vec<(u32, u32, u32)>,
    /// Slots of the agents at a watched location (`PassCtx::watch`) after the
    /// pass, not in a caravan, in slot order.
    pub watch: Vec<u32>,
}

impl Tally {
    pub(crate) fn new(n: usize) -> Tally {
        Tally {
            pop: vec![0; n],
            on_links_toward: vec![0; n],
            queue: vec![0; n],
            arrived: vec![0; n],
            departed: vec![0; n],
            in_transit: 0,
            admitted: 0,
            encountered: 0,
            removed: 0,
            intercepts: Vec::new(),
            watch: Vec::new(),
        }
    }

    fn merge(mut self, o: Tally) -> Tally {
        add_into(&mut self.pop, &o.pop);
        add_into(&mut self.on_links_toward, &o.on_links_toward);
        add_into(&mut self.queue, &o.queue);
        add_into(&mut self.arrived, &o.arrived);
        add_into(&mut self.departed, &o.departed);
        self.in_transit += o.in_transit;
        self.admitted += o.admitted;
        self.encountered += o.encountered;
        self.removed += o.removed;
        // Chunks are merged in agent order (rayon reduces adjacent results in order).
        self.intercepts.extend_from_slice(&o.intercepts);
        self.watch.extend_from_slice(&o.watch);
        self
    }
}

/// Travel pass (docs/flee-rules.md §2.8), then the end-of-day updates of §2.2 5.6 and 5.8
/// (recent travel, camps as sinks), then the tally of every agent's state.
pub(crate) fn travel_pass(chunks: Vec<AgentsMut<'_>>, ctx: &PassCtx, n_loc: usize) -> Tally {
    if chunks.len() == 1 {
        let mut t = Tally::new(n_loc);
        for ch in chunks {
            travel_chunk(&mut t, ch, ctx);
        }
        return t;
    }
    chunks
        .into_par_iter()
        .fold(
            || Tally::new(n_loc),
            |mut t, ch| {
                travel_chunk(&mut t, ch, ctx);
                t
            },
        )
        .reduce(|| Tally::new(n_loc), Tally::merge)
}

/// One agent's travel of the day on its link `ch.loc[i]` (and, at arrivals,
/// its re-decisions), docs/flee-rules.md §2.8; `recent` is its recent travel as of
/// yesterday. Returns the km moved.
#[inline(always)]
fn travel_one(t: &mut Tally, ch: &mut AgentsMut<'_>, i: usize, ctx: &PassCtx, recent: f64) -> f64 {
    let m = &ctx.settings.move_rules;
    let net = ctx.net;
    let id = ch.id(i);
    let mut moved = 0.0f64;
    let mut rng = LazyStream::new(&ctx.agent_key, 2 * id + 1);
    let mut hops = 0u32;
    loop {
        let li = ch.loc[i] as usize;
        let row = net.row[li];
        let mut v = row.speed;
        if m.start_on_foot && ch.flags[i] & FIRST_LINK_DONE == 0 {
            v = m.max_walk_speed;
        }
        let wp = row.walk_p;
        if wp >= 1.0 || (wp > 0.0 && rng.next_f64() < wp) {
            v = m.max_walk_speed;
        }
        let d = ch.dist[i] as f64 + v;
        moved += v;
        let len = row.len;
        if d <= len {
            ch.dist[i] = d as f32;
            break;
        }
        ch.flags[i] |= FIRST_LINK_DONE;
        moved += len - d;
        ch.dist[i] = 0.0;
        ch.state[i] = ST_AT;
        if !net.is_open(li as u32) {
            // Closed while travelling: back to where the link starts.
            let s = row.from;
            ch.loc[i] = s;
            t.arrived[s as usize] += 1;
            break;
        }
        let dest = row.to;
        let on = ctx.checkpoints.on(li);
        if let Some(b) = ctx.border.filter(|_| !on.is_empty()) {
            let from = row.from;
            let hit = b.intercept_draw_among(ctx.day, id as u32, on);
            if let Some(cp) = hit {
                ch.state[i] = ST_TRANSIT;
                ch.loc[i] = b.border().checkpoints[cp].relocate_to as u32;
                if ch.flags[i] & HOLDER == 0 {
                    ch.route[i] = NO_ROUTE;
                    ch.cursor[i] = 0;
                }
                t.intercepts.push(((ch.base + i) as u32, from, cp as u32));
                break;
            }
        }
        ch.loc[i] = dest;
        t.arrived[dest as usize] += 1;
        hops += 1;
        if ctx.places.halt[dest as usize] || moved >= v || hops >= MAX_HOPS_PER_DAY {
            break;
        }
        let next = if ch.flags[i] & HOLDER != 0 {
            holder_hop(ctx, dest, ch.route[i])
        } else {
            let force = m.avoid_short_stints && (recent + moved / m.max_move_speed) / 2.0 < 0.5;
            decide(
                ctx,
                &mut rng,
                dest,
                ch.class[i],
                &mut ch.route[i],
                &mut ch.cursor[i],
                force,
            )
        };
        match next {
            Some(nl) => {
                ch.state[i] = ST_LINK;
                ch.loc[i] = nl;
                t.departed[dest as usize] += 1;
            }
            None => break,
        }
    }
    if ch.state[i] == ST_AT {
        // Arrived: the next move day is drawn at the next decision.
        ch.dist[i] = NO_MOVE_DAY;
    }
    moved
}

/// Flee's end-of-day recent travel from yesterday's value and today's km.
#[inline(always)]
fn next_recent(recent: f64, moved: f64, inv_speed: f64) -> f64 {
    let r = (recent + moved * inv_speed) * 0.5;
    if r < RECENT_FLOOR {
        0.0
    } else {
        r
    }
}

/// The travel pass over one chunk of slots.
#[inline(never)]
fn travel_chunk(t: &mut Tally, ch: AgentsMut<'_>, ctx: &PassCtx) {
    if let Some(inc) = ctx.inc {
        return travel_chunk_incremental(t, ch, ctx, inc);
    }
    let m = &ctx.settings.move_rules;
    let sinks = ctx.settings.spawn_rules.camps_are_sinks;
    let net = ctx.net;
    let places = ctx.places;
    let inv_speed = 1.0 / m.max_move_speed;
    let track_recent = m.avoid_short_stints;
    let border = ctx.border.is_some();
    let mut ch = ch.even();
    for i in 0..ch.loc.len() {
        let id = ch.id(i);
        let travelled = ch.state[i] == ST_LINK && (!border || ch.flags[i] & CARAVAN == 0);
        let moved = if travelled {
            let recent = ch.recent[i] as f64;
            travel_one(t, &mut ch, i, ctx, recent)
        } else {
            0.0
        };
        let st = ch.state[i];
        // Recent travel is only read by avoid_short_stints: without it, not kept.
        if track_recent && (st == ST_AT || st == ST_LINK) && (moved != 0.0 || ch.recent[i] != 0.0) {
            ch.recent[i] = next_recent(ch.recent[i] as f64, moved, inv_speed) as f32;
        }
        let free = !border || ch.flags[i] & CARAVAN == 0;
        if sinks && st == ST_AT && free {
            let l = ch.loc[i] as usize;
            let p = places.deactivation[l];
            if places.camp[l] && (p >= 1.0 || (p > 0.0 && ctx.sink_key.stream(id).next_f64() < p)) {
                ch.state[i] = ST_REMOVED;
            }
        }
        let l = ch.loc[i] as usize;
        match ch.state[i] {
            ST_AT => {
                t.pop[l] += 1;
                if border && ctx.watch[l] && free {
                    t.watch.push((ch.base + i) as u32);
                }
            }
            ST_LINK => t.on_links_toward[net.to[l] as usize] += 1,
            ST_QUEUED => t.queue[l] += 1,
            ST_TRANSIT => t.in_transit += 1,
            ST_ADMITTED => t.admitted += 1,
            ST_ENCOUNTERED => t.encountered += 1,
            _ => t.removed += 1,
        }
    }
}

/// The travel pass of the incremental mode ([`Incremental`]): only agents on
/// links are visited; `t.pop` receives the arrivals only. With border
/// processes, caravan members on links are counted without travelling, the
/// intercepted are counted in transit, and `t.watch` lists the arrivals at a
/// watched location (the engine adds those who were there already).
#[inline(never)]
fn travel_chunk_incremental(t: &mut Tally, ch: AgentsMut<'_>, ctx: &PassCtx, inc: Incremental) {
    let m = &ctx.settings.move_rules;
    let net = ctx.net;
    let inv_speed = 1.0 / m.max_move_speed;
    let track_recent = m.avoid_short_stints;
    let border = ctx.border.is_some();
    let mut ch = ch.even();
    for i in 0..ch.loc.len() {
        if ch.state[i] != ST_LINK {
            continue;
        }
        if border && ch.flags[i] & CARAVAN != 0 {
            t.on_links_toward[net.to[ch.loc[i] as usize] as usize] += 1;
            continue;
        }
        let recent = if track_recent {
            let r = ch.recent[i] as f64 * inc.recent_in;
            if r < RECENT_FLOOR {
                0.0
            } else {
                r
            }
        } else {
            0.0
        };
        let moved = travel_one(t, &mut ch, i, ctx, recent);
        if track_recent {
            ch.recent[i] = next_recent(recent, moved, inv_speed) as f32 * inc.recent_out;
        }
        let l = ch.loc[i] as usize;
        match ch.state[i] {
            ST_AT => {
                t.pop[l] += 1;
                if border && ctx.watch[l] {
                    t.watch.push((ch.base + i) as u32);
                }
            }
            ST_LINK => t.on_links_toward[net.to[l] as usize] += 1,
            ST_TRANSIT if border => t.in_transit += 1,
            // Queues and sinks are not in this mode.
            st => debug_assert!(false, "state {st} after travel in the incremental mode"),
        }
    }
}
