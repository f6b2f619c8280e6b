//! The border steps of a day that run after the travel pass (docs/model.md §2:
//! B6's bookkeeping, B7 caravans, B8 queues, B9 appointments, B10 admissions,
//! B11 crossings), and the state changes of B2 and B4 before the passes.
//!
//! The engine owns the agents; [`BorderState`] owns queues, transit lists,
//! appointments and caravans. Every change of an agent's state here goes through
//! [`Ledger::set`], which moves the agent's count in the day's [`Tally`] from its
//! old state to the new one, so the tally stays equal to a recount of the agent
//! states after every single change (conservation holds step by step), and the
//! day's record, the accounting and the next day's occupancy are taken from it.
//!
//! Who is looked at: the travel pass lists the agents left at a watched location
//! (a port, a border city with a crossing point, or a location eligible for
//! appointments today), not in a caravan, in agent order; caravan members who leave
//! their caravan at such a place today are added. Each step filters that list by
//! the agent's current state and flags, and every `BorderState` draw is keyed by
//! agent and day, so nothing depends on the order of agents or on threads.

use super::agents::{Agents, CARAVAN, HOLDER, NO_ROUTE, ST_ADMITTED, ST_AT, ST_ENCOUNTERED};
use super::agents::{ST_LINK, ST_QUEUED, ST_REMOVED, ST_TRANSIT};
use super::network::Network;
use super::passes::Tally;
use crate::border::caravan::CaravanPos;
use crate::border::BorderState;

/// The agents with the day's tally, kept in step.
pub(crate) struct Ledger<'a> {
    pub agents: &'a mut Agents,
    pub tally: &'a mut Tally,
    pub net: &'a Network,
}

impl Ledger<'_> {
    /// Adds (`d = 1`) or removes (`d = -1`) agent `i`'s current state in the tally.
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

    /// Agent `i` is now in `state` at `loc` (a location, or a directed link for
    /// `ST_LINK`) with `dist` km done on the link.
    pub(crate) fn set(&mut self, i: usize, state: u8, loc: u32, dist: f32) {
        self.count(i, -1);
        self.agents.state[i] = state;
        self.agents.loc[i] = loc;
        self.agents.dist[i] = dist;
        self.count(i, 1);
    }

    /// Agent `i`'s state and location.
    fn at(&self, i: usize) -> (u8, usize) {
        (self.agents.state[i], self.agents.loc[i] as usize)
    }
}

/// B2: people whose transit ends today appear at their destination, as arrivals
/// there (before the passes: `counts` are the occupancy the decision pass uses).
pub(crate) fn release(
    b: &mut BorderState,
    t: u32,
    agents: &mut Agents,
    counts: &mut [u64],
    arrived: &mut [u32],
) {
    for (a, loc) in b.release(t) {
        let i = a as usize;
        debug_assert_eq!(agents.state[i], ST_TRANSIT);
        agents.state[i] = ST_AT;
        agents.loc[i] = loc as u32;
        agents.dist[i] = 0.0;
        agents.route[i] = NO_ROUTE;
        agents.cursor[i] = 0;
        counts[loc] += 1;
        arrived[loc] += 1;
    }
}

/// B4 with `source = "waiting"`: the people free to go at `origin` (at the
/// location, without an appointment, not in another caravan), in agent order.
pub(crate) fn caravan_candidates(agents: &Agents, origin: usize) -> Vec<u32> {
    (0..agents.len())
        .filter(|&i| {
            agents.state[i] == ST_AT
                && agents.loc[i] as usize == origin
                && agents.flags[i] & (HOLDER | CARAVAN) == 0
        })
        .map(|i| i as u32)
        .collect()
}

/// B4: flags the members of a caravan that starts today; they drop any stored route.
pub(crate) fn join_caravan(agents: &mut Agents, members: &[u32]) {
    for &a in members {
        let i = a as usize;
        agents.flags[i] |= CARAVAN;
        agents.route[i] = NO_ROUTE;
        agents.cursor[i] = 0;
    }
}

/// B6 (recording the travel pass's checkpoint hits) through B11. `watch` is the
/// travel pass's list of agents at watched locations (see the module doc).
pub(crate) fn after_travel(b: &mut BorderState, t: u32, lg: &mut Ledger, watch: &[u32]) {
    // B6: the travel pass already put the intercepted in transit; record them.
    for (a, from, cp) in std::mem::take(&mut lg.tally.intercepts) {
        b.intercept(t, a, from as usize, cp as usize);
    }

    // B7: caravans walk.
    let mut watch = watch.to_vec();
    for (c, day) in b.advance_caravans(t) {
        let members = b.caravan_members(c);
        let walkers = members
            .iter()
            .chain(day.papers.iter().map(|p| &p.0))
            .chain(&day.left)
            .copied();
        let n = walkers.clone().count() as u32;
        // Departures and arrivals of the group (all walked before splitting).
        if let Some(first) = walkers.clone().next() {
            let (st, loc) = lg.at(first as usize);
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
        let members = members.to_vec();
        for a in members {
            lg.set(a as usize, st, loc, dist);
        }
        for &a in &day.left {
            let i = a as usize;
            lg.set(i, st, loc, dist);
            lg.agents.flags[i] &= !CARAVAN;
            if st == ST_AT {
                watch.push(a);
            }
        }
        for &(a, dest, _) in &day.papers {
            let i = a as usize;
            lg.set(i, ST_TRANSIT, dest as u32, 0.0);
            lg.agents.flags[i] &= !CARAVAN;
        }
    }
    watch.sort_unstable();
    watch.dedup();

    // B8: everyone at a port who may join its queue joins it.
    for &a in &watch {
        let (st, loc) = lg.at(a as usize);
        if st != ST_AT {
            continue;
        }
        if let Some(p) = b.port_at(loc) {
            if b.joins_queue(p, a) {
                b.join_queue(t, p, a);
                lg.set(a as usize, ST_QUEUED, loc as u32, 0.0);
            }
        }
    }

    // B9: appointments.
    let free = |lg: &Ledger, a: u32| {
        let (st, _) = lg.at(a as usize);
        st == ST_AT && lg.agents.flags[a as usize] & (HOLDER | CARAVAN) == 0
    };
    let requesters: Vec<u32> = watch
        .iter()
        .copied()
        .filter(|&a| free(lg, a) && b.is_eligible(lg.at(a as usize).1) && b.requests(t, a))
        .collect();
    if !requesters.is_empty() {
        for w in b.allocate(t, &requesters) {
            let i = w.agent as usize;
            lg.agents.flags[i] |= HOLDER;
            lg.agents.route[i] = NO_ROUTE;
            lg.agents.cursor[i] = 0;
        }
    }

    // B10: admissions.
    for (_, adm) in b.admit(t) {
        for &(a, _, _) in &adm.admitted {
            let i = a as usize;
            debug_assert_eq!(lg.agents.state[i], ST_QUEUED);
            let loc = lg.agents.loc[i];
            lg.set(i, ST_ADMITTED, loc, 0.0);
            lg.agents.flags[i] &= !HOLDER;
        }
    }

    // B11: crossings between ports.
    for &a in &watch {
        if !free(lg, a) {
            continue;
        }
        let loc = lg.at(a as usize).1;
        if let Some(c) = b.crossing_at(loc) {
            if b.crosses(t, c, a) {
                lg.set(a as usize, ST_ENCOUNTERED, loc as u32, 0.0);
            }
        }
    }
}
