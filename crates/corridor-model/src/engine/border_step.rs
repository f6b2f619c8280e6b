//! The border steps of a day that run after the travel pass (docs/model.md §2:
//! B6's bookkeeping, B7 caravans, P papers offices, B8 queues, B9 appointments,
//! B10 admissions, B11 crossings), and the state changes of B2 (with the ends of
//! waits for papers and the day's relocations) and B4 before the passes.
//!
//! Waiting for papers (`border::papers`): a person waiting stays at the office's
//! location in state `ST_AT` (so it counts in its population) with the flag
//! `PAPERS_WAIT`, which makes the decision pass skip it and the later steps treat
//! it as not free; `BorderState::papers` holds when and how each wait ends.
//! Caravans recruit among them as among the free (their wait ends); relocations
//! draw only on them.
//!
//! The engine owns the agents; [`BorderState`] owns queues, transit lists,
//! appointments and caravans. Every change of an agent's state here goes through
//! [`Ledger::set`], which moves the agent's count in the day's [`Tally`] from its
//! old state to the new one, so the tally stays equal to a recount of the agent
//! states after every single change (conservation holds step by step), and the
//! day's record, the accounting and the next day's occupancy are taken from it.
//!
//! Who is looked at: the travel pass lists the slots of the agents left at a
//! watched location (a port, a border city with a crossing point, or a location
//! eligible for appointments today), not in a caravan; caravan members who leave
//! their caravan at such a place today are added. Each step filters that list by
//! the agent's current state and flags, and every `BorderState` draw is keyed by
//! agent id and day, so nothing depends on the order of agents or on threads.
//! `BorderState` speaks agent ids; `Agents::slot` finds an id's slot.
//!
//! Partitioned runs (`partition`): `BorderState` is whole in every part, the
//! agents are not. So each step first lists what `BorderState` needs of this
//! part's agents, [`Share::all`] merges the lists of all parts in id order (one
//! part: the list as it is), every part makes the same `BorderState` calls on
//! the merged list, and changes only the agents it holds ([`Share::owns`]).
//! Counts that every part knows from `BorderState` (releases from transit) are
//! kept whole; the tally holds this part's agents and is summed afterwards.

use super::agents::{Agents, CARAVAN, HOLDER, NO_ROUTE, ST_ADMITTED, ST_AT, ST_ENCOUNTERED};
use super::agents::{INTERCEPTED, NO_DAY, NO_MOVE_DAY, PAPERS_SEEN, PAPERS_WAIT};
use super::agents::{ST_LINK, ST_QUEUED, ST_REMOVED, ST_TRANSIT};
use super::network::Network;
use super::partition::Share;
use super::passes::Tally;
use super::Par;
use crate::border::caravan::CaravanPos;
use crate::border::papers;
use crate::border::BorderState;
use rayon::prelude::*;

/// The agents with the day's tally, kept in step.
pub(crate) struct Ledger<'a> {
    pub agents: &'a mut Agents,
    pub tally: &'a mut Tally,
    pub net: &'a Network,
}

impl Ledger<'_> {
    /// Adds (`d = 1`) or removes (`d = -1`) slot `i`'s current state in the tally.
    fn count(&mut self, i: usize, d: i32) {
        let l = self.agents.loc[i] as usize;
        let t = &mut *self.tally;
        let bump = |x: &mut u32| *x = x.wrapping_add_signed(d);
        let bump64 = |x: &mut u64| *x = x.wrapping_add_signed(d as i64);
        match self.agents.state[i] {
            ST_AT => bump(&mut t.pop[l]),
            ST_LINK => bump(&mut t.on_links_toward[self.net.to[l] as usize]),
            ST_QUEUED => bump(&mut t.queue[l]),
            ST_TRANSIT => bump64(&mut t.in_transit),
            ST_ADMITTED => bump64(&mut t.admitted),
            ST_ENCOUNTERED => bump64(&mut t.encountered),
            _ => {
                debug_assert_eq!(self.agents.state[i], ST_REMOVED);
                bump64(&mut t.removed)
            }
        }
    }

    /// Slot `i` is now in `state` at `loc` (a location, or a directed link for
    /// `ST_LINK`) with `dist` km done on the link.
    pub(crate) fn set(&mut self, i: usize, state: u8, loc: u32, dist: f32) {
        self.count(i, -1);
        self.agents.state[i] = state;
        self.agents.loc[i] = loc;
        self.agents.dist[i] = dist;
        self.count(i, 1);
    }

    /// Slot `i`'s state and location.
    fn at(&self, i: usize) -> (u8, usize) {
        (self.agents.state[i], self.agents.loc[i] as usize)
    }

    /// Is slot `i` free to decide (at a location, no appointment, no caravan, not
    /// waiting for papers)?
    fn free(&self, i: usize) -> bool {
        self.agents.state[i] == ST_AT
            && self.agents.flags[i] & (HOLDER | CARAVAN | PAPERS_WAIT) == 0
    }
}

/// B2: people whose transit ends today appear at their destination, as arrivals
/// there (before the passes: `counts` are the occupancy the decision pass uses,
/// of all parts).
pub(crate) fn release(
    b: &mut BorderState,
    t: u32,
    agents: &mut Agents,
    counts: &mut [u64],
    arrived: &mut [u32],
    placed: &mut Vec<u32>,
    share: &mut Share,
) {
    for (a, loc) in b.release(t) {
        counts[loc] += 1;
        arrived[loc] += 1;
        if !share.owns(a) {
            continue;
        }
        let i = agents.slot(a);
        debug_assert_eq!(agents.state[i], ST_TRANSIT);
        agents.state[i] = ST_AT;
        agents.loc[i] = loc as u32;
        agents.dist[i] = 0.0;
        if agents.flags[i] & HOLDER == 0 {
            agents.route[i] = NO_ROUTE;
            agents.cursor[i] = 0;
        }
        placed.push(i as u32);
    }
    papers_release(b, t, agents, counts, share);
    relocate(b, t, agents, counts, share);
}

/// B2 for waits that end today: the person is free again at the office, or, with
/// papers from an office with a bus, in transit to the bus's destination.
/// People waiting for papers are at the office's location.
fn papers_release(
    b: &mut BorderState,
    t: u32,
    agents: &mut Agents,
    counts: &mut [u64],
    share: &Share,
) {
    for (a, o, with_papers) in b.papers.release(t) {
        let office = &b.border().papers[o];
        let bus = with_papers.then_some(office.bus_to).flatten();
        let (at, release) = (office.location, t + office.bus_days);
        if let Some(dest) = bus {
            counts[at] -= 1;
            b.send(a, release, dest);
        }
        if !share.owns(a) {
            continue;
        }
        let i = agents.slot(a);
        debug_assert!(agents.flags[i] & PAPERS_WAIT != 0 && agents.state[i] == ST_AT);
        debug_assert_eq!(agents.loc[i] as usize, at);
        agents.flags[i] &= !PAPERS_WAIT;
        agents.dist[i] = NO_MOVE_DAY;
        if let Some(dest) = bus {
            agents.state[i] = ST_TRANSIT;
            agents.loc[i] = dest as u32;
            agents.dist[i] = 0.0;
        }
    }
}

/// B2 for the day's relocation events: each moves a uniform choice of the people
/// waiting for papers at its `from` (their wait ends without papers) in transit to
/// its `to`; fewer than asked is noted in the warnings.
fn relocate(b: &mut BorderState, t: u32, agents: &mut Agents, counts: &mut [u64], share: &Share) {
    for r in papers::relocations(b.border(), t) {
        let waiting = papers::office_at(b.border(), r.from)
            .map(|o| b.papers.at_office(o))
            .unwrap_or_default();
        let chosen = papers::pick(b.seed(), t, r.event, &waiting, r.people);
        if (chosen.len() as u64) < r.people {
            b.warn(format!(
                "relocation on day {t}: {} of {} agents waiting for papers at location #{}",
                chosen.len(),
                r.people,
                r.from
            ));
        }
        for a in chosen {
            // Those waiting at the office are at its location, `r.from`.
            b.papers.remove(a);
            counts[r.from] -= 1;
            b.send(a, t + r.delay_days, r.to);
            if !share.owns(a) {
                continue;
            }
            let i = agents.slot(a);
            debug_assert_eq!(agents.loc[i] as usize, r.from);
            agents.flags[i] &= !PAPERS_WAIT;
            agents.state[i] = ST_TRANSIT;
            agents.loc[i] = r.to as u32;
            agents.dist[i] = 0.0;
            agents.route[i] = NO_ROUTE;
            agents.cursor[i] = 0;
        }
    }
}

/// B4 with `source = "waiting"`: the ids of the people free to go at `origin` (at
/// the location, without an appointment, not in another caravan; waiting for
/// papers or not), in id order, among this part's agents.
pub(crate) fn caravan_candidates(agents: &Agents, origin: usize) -> Vec<u32> {
    (0..agents.len())
        .filter(|&i| {
            agents.state[i] == ST_AT
                && agents.loc[i] as usize == origin
                && agents.flags[i] & (HOLDER | CARAVAN) == 0
        })
        .map(|i| agents.id_of(i))
        .collect()
}

/// B4: flags the members of a caravan that starts today; they drop any stored
/// route, and those who waited for papers give up their wait (the list of
/// waits holds exactly the agents flagged `PAPERS_WAIT`, so it is updated for
/// members of every part).
pub(crate) fn join_caravan(
    b: &mut BorderState,
    agents: &mut Agents,
    members: &[u32],
    share: &Share,
) {
    for &a in members {
        b.papers.remove(a);
        if !share.owns(a) {
            continue;
        }
        let i = agents.slot(a);
        agents.flags[i] &= !PAPERS_WAIT;
        agents.flags[i] |= CARAVAN;
        agents.route[i] = NO_ROUTE;
        agents.cursor[i] = 0;
    }
}

/// B6 (recording the travel pass's checkpoint hits) through B11. `watch` holds
/// the slots the travel pass listed at watched locations (see the module doc).
/// Returns that list with the caravan members who left their caravan at a
/// watched place added (sorted): every slot at a watched place at the end of
/// the day is in it, though some in it may have left or exited.
pub(crate) fn after_travel(
    b: &mut BorderState,
    t: u32,
    lg: &mut Ledger,
    mut watch: Vec<u32>,
    share: &mut Share,
    par: Par,
) -> Vec<u32> {
    // B6: the travel pass already put the intercepted in transit; record them
    // (intercepts are counted and transit is keyed, so the order is free).
    let hits: Vec<[u64; 4]> = std::mem::take(&mut lg.tally.intercepts)
        .into_iter()
        .map(|(s, from, cp)| {
            let i = s as usize;
            let first = lg.agents.flags[i] & INTERCEPTED == 0;
            lg.agents.flags[i] |= INTERCEPTED;
            let a = lg.agents.id_of(i) as u64;
            [a, from as u64, cp as u64, first as u64]
        })
        .collect();
    for [a, from, cp, first] in share.all(hits) {
        b.intercept_as(t, a as u32, from as usize, cp as usize, first != 0);
    }

    // B7: caravans walk. Every part knows the members; it moves its own.
    // `watch` comes sorted without repeats (the engine's merge); the caravan
    // members who leave at a watched place today are merged in afterwards.
    let mut rejoined: Vec<u32> = Vec::new();
    for (c, day) in b.advance_caravans(t) {
        let all = b.caravan_members(c);
        let slot = |a: u32| share.owns(a).then(|| lg.agents.slot(a));
        let members: Vec<usize> = all.iter().filter_map(|&a| slot(a)).collect();
        let left: Vec<usize> = day.left.iter().filter_map(|&a| slot(a)).collect();
        let papers: Vec<(usize, usize)> = day
            .papers
            .iter()
            .filter_map(|&(a, dest, _)| Some((slot(a)?, dest)))
            .collect();
        let n = (all.len() + day.left.len() + day.papers.len()) as u32;
        // Departures and arrivals of the group (all walked before splitting),
        // counted by the part that holds its first member.
        let first = all
            .first()
            .or(day.left.first())
            .copied()
            .or(day.papers.first().map(|p| p.0));
        if let Some(first) = first.and_then(slot) {
            let (st, loc) = lg.at(first);
            let moved = day.position != CaravanPos::At(loc) || !day.passed.is_empty();
            if st == ST_AT && moved {
                lg.tally.departed[loc] += n;
            }
            for (k, &p) in day.passed.iter().enumerate() {
                lg.tally.arrived[p] += n;
                let stays = k + 1 == day.passed.len() && day.position == CaravanPos::At(p);
                if !stays {
                    lg.tally.departed[p] += n;
                }
            }
        }
        let (st, loc, dist) = match day.position {
            CaravanPos::At(l) => (ST_AT, l as u32, 0.0),
            CaravanPos::On { from, to, km } => {
                let li = lg.net.find_any(from as u32, to as u32);
                debug_assert!(li.is_some(), "caravan plans follow links");
                (ST_LINK, li.unwrap_or(0), km as f32)
            }
        };
        for i in members {
            lg.set(i, st, loc, dist);
        }
        for i in left {
            lg.set(i, st, loc, dist);
            lg.agents.flags[i] &= !CARAVAN;
            if st == ST_AT {
                rejoined.push(i as u32);
            }
        }
        for (i, dest) in papers {
            lg.set(i, ST_TRANSIT, dest as u32, 0.0);
            lg.agents.flags[i] &= !CARAVAN;
        }
    }
    if !watch.windows(2).all(|w| w[0] < w[1]) {
        watch.sort_unstable();
        watch.dedup();
    }
    if !rejoined.is_empty() {
        // Sort the few added and merge (a sort of the whole list cost ~2 % of
        // a run of the built-in scenario).
        rejoined.sort_unstable();
        watch = super::union_slots(&watch, &rejoined);
    }

    // P: papers offices.
    offer_papers(b, t, lg, &watch, share);

    // B8: reneging first (those who leave do not join again today), then
    // everyone at a port who may join its queue joins it (a walk-up with the
    // port's join probability of the day when balking is on). Queues are
    // keyed sets: the order of joining is free.
    let left = renege(b, t, lg, share);
    let join_p = b.walk_up_leaving_on().then(|| b.join_probabilities());
    let mut joined: Vec<[u64; 3]> = Vec::new();
    // `left` and `watch` are both sorted: a cursor in `left` replaces a
    // binary search of it for every watched slot (~2 % of a run).
    let mut next_left = left.iter().copied().peekable();
    for &s in &watch {
        let i = s as usize;
        let (st, loc) = lg.at(i);
        if st != ST_AT || lg.agents.flags[i] & CARAVAN != 0 {
            continue;
        }
        while next_left.next_if(|&x| x < s).is_some() {}
        if next_left.peek() == Some(&s) {
            continue;
        }
        if let Some(p) = b.port_at(loc) {
            // A holder joins at its own port only, anyone else when the port
            // takes walk-ups today (`BorderState::joins_queue`).
            let appointment = (lg.agents.flags[i] & HOLDER != 0).then(|| {
                (
                    lg.agents.route[i] as usize,
                    lg.agents.border[i].appointment_day,
                )
            });
            let joins = match appointment {
                Some((port, _)) => port == p,
                None => {
                    b.accepts_walk_ups(p)
                        && join_p
                            .as_ref()
                            .is_none_or(|q| b.joins_walk_up(t, p, lg.agents.id_of(i), q[p]))
                }
            };
            if joins {
                let a = lg.agents.id_of(i) as u64;
                let day = appointment.map_or(u64::MAX, |x| x.1 as u64);
                joined.push([a, p as u64, day]);
                lg.set(i, ST_QUEUED, loc as u32, 0.0);
            }
        }
    }
    for [a, p, day] in share.all(joined) {
        let appointment = (day != u64::MAX).then_some(day as u32);
        b.join_queue_as(t, p as usize, a as u32, appointment);
    }

    if !left.is_empty() {
        // Both sorted: a merge, not a sort of the whole list (which was ~5 %
        // of a run of the built-in scenario: people renege every day).
        watch = super::union_slots(&watch, &left);
    }

    // B9: appointments. The requesters among the eligible (free, at an
    // eligible place), in slot order, hence id order; one pass over the
    // watched list. Each draw is keyed by agent and day: drawing in parallel
    // changes nothing.
    let requesters: Vec<u32> = {
        let b = &*b;
        let lg = &*lg;
        let requesting = |s: u32| {
            let i = s as usize;
            lg.free(i) && b.is_eligible(lg.at(i).1) && b.requests(t, lg.agents.id_of(i))
        };
        // (Border lists split from a quarter of the passes' threshold.)
        if par.split(4 * watch.len()) {
            watch
                .par_iter()
                .with_min_len(par.piece())
                .copied()
                .filter(|&s| requesting(s))
                .collect()
        } else {
            watch.iter().copied().filter(|&s| requesting(s)).collect()
        }
    };
    // A requester's registration day is the day of its first request.
    let reqs: Vec<[u64; 2]> = requesters
        .iter()
        .map(|&s| {
            let c = &mut lg.agents.border[s as usize];
            if c.registered == NO_DAY {
                c.registered = t;
            }
            let reg = c.registered as u64;
            [lg.agents.id_of(s as usize) as u64, reg]
        })
        .collect();
    let local: Vec<u32> = reqs.iter().map(|r| r[0] as u32).collect();
    // The allocation is over the requesters of all parts (made identically in
    // every part), and only on days with requesters (it takes the day's slots).
    let reqs: Vec<(u32, u32)> = share
        .all(reqs)
        .into_iter()
        .map(|[a, reg]| (a as u32, reg as u32))
        .collect();
    if !reqs.is_empty() {
        for w in b.allocate_registered(t, &reqs) {
            if !share.owns(w.agent) {
                continue;
            }
            // `local` is in id order, parallel to `requesters`: the winner's
            // slot without a search of the whole id array.
            let k = local.partition_point(|&a| a < w.agent);
            debug_assert_eq!(local.get(k), Some(&w.agent));
            let i = requesters[k] as usize;
            // A holder's stored route gives way to its port (see `agents`).
            lg.agents.flags[i] |= HOLDER;
            lg.agents.route[i] = w.port as u32;
            lg.agents.cursor[i] = 0;
            lg.agents.border[i].appointment_day = w.day;
        }
    }

    // B10: admissions.
    for (_, adm) in b.admit(t) {
        for &(a, _, _) in &adm.admitted {
            if !share.owns(a) {
                continue;
            }
            let i = lg.agents.slot(a);
            debug_assert_eq!(lg.agents.state[i], ST_QUEUED);
            let loc = lg.agents.loc[i];
            lg.set(i, ST_ADMITTED, loc, 0.0);
            lg.agents.flags[i] &= !HOLDER;
            lg.agents.route[i] = NO_ROUTE;
        }
    }

    // B11: crossings between ports: every part draws and counts for all
    // (keyed draws), and exits its own. A record keeps the slot for its part.
    let mut free: Vec<[u64; 4]> = Vec::new();
    for &s in &watch {
        let i = s as usize;
        if !lg.free(i) {
            continue;
        }
        let loc = lg.at(i).1;
        if let Some(c) = b.crossing_at(loc) {
            let waited = lg.agents.border[i].waited(c as u32, t);
            free.push([lg.agents.id_of(i) as u64, c as u64, waited as u64, s as u64]);
        }
    }
    // The draws change nothing in `BorderState` (they are keyed by agent and
    // day): drawn in parallel with more threads, then counted in order.
    let free = share.all(free);
    let crosses = |r: &[u64; 4]| b.crosses_draw(t, r[1] as usize, r[0] as u32, r[2] as u32);
    let crossed: Vec<[u64; 4]> = if par.split(4 * free.len()) {
        free.par_iter()
            .with_min_len(par.piece())
            .filter(|r| crosses(r))
            .copied()
            .collect()
    } else {
        free.into_iter().filter(|r| crosses(r)).collect()
    };
    for [a, c, _, s] in crossed {
        b.count_crossings(c as usize, 1);
        if share.owns(a as u32) {
            let i = s as usize;
            let loc = lg.agents.loc[i];
            lg.set(i, ST_ENCOUNTERED, loc, 0.0);
        }
    }
    watch
}

/// B8, reneging (docs/model.md §8): the walk-ups who leave their queue today
/// (`BorderState::renege`) are free again at their port, with no stored route
/// and their move day unknown (drawn afresh by the next decision pass). Returns
/// their slots, sorted: they are watched from now on, and do not join today.
fn renege(b: &mut BorderState, t: u32, lg: &mut Ledger, share: &Share) -> Vec<u32> {
    let mut out = Vec::new();
    // Every part leaves the same people from its whole copy of the queues
    // (keyed draws) and frees those it holds.
    for (_, a) in b.renege(t) {
        if !share.owns(a) {
            continue;
        }
        let i = lg.agents.slot(a);
        debug_assert_eq!(lg.agents.state[i], ST_QUEUED);
        let loc = lg.agents.loc[i];
        lg.set(i, ST_AT, loc, NO_MOVE_DAY);
        lg.agents.route[i] = NO_ROUTE;
        lg.agents.cursor[i] = 0;
        out.push(i as u32);
    }
    out.sort_unstable();
    out
}

/// P: everyone at a papers office who was never offered papers is offered them
/// now (`papers::plan`); those who seek wait there, off the decision pass.
fn offer_papers(b: &mut BorderState, t: u32, lg: &mut Ledger, watch: &[u32], share: &mut Share) {
    if b.border().papers.is_empty() {
        return;
    }
    let seed = b.seed();
    let mut waits: Vec<[u64; 4]> = Vec::new();
    for &s in watch {
        let i = s as usize;
        let (st, loc) = lg.at(i);
        if st != ST_AT || lg.agents.flags[i] & (HOLDER | CARAVAN | PAPERS_SEEN) != 0 {
            continue;
        }
        let Some(o) = papers::office_at(b.border(), loc) else {
            continue;
        };
        let a = lg.agents.id_of(i);
        lg.agents.flags[i] |= PAPERS_SEEN;
        if let Some(plan) = papers::plan(seed, t, o, &b.border().papers[o], a) {
            lg.agents.flags[i] |= PAPERS_WAIT;
            lg.agents.route[i] = NO_ROUTE;
            lg.agents.cursor[i] = 0;
            waits.push([a as u64, o as u64, plan.release as u64, plan.papers as u64]);
        }
    }
    // The list of waits is keyed by (release day, agent): order is free.
    for [a, o, release, with_papers] in share.all(waits) {
        let plan = papers::Plan {
            release: release as u32,
            papers: with_papers != 0,
        };
        b.papers.push(a as u32, o as usize, plan);
    }
}
