//! Agents as struct-of-arrays (docs/design.md §7), and their states.
//!
//! An agent's id is its creation index: every random stream of an agent and every
//! border record (`BorderState`) is keyed by it, so results do not depend on how
//! the arrays are split between threads. People who leave the simulation stay as
//! `Exited(reason)` so that conservation can be checked by counting states, until
//! [`Agents::compact`] drops them (the engine then carries their counts): slots
//! keep ids in increasing order, so an id's slot is found by binary search, and
//! results are the same with or without compaction. Until the first compaction
//! slot and id are equal and the `id` array is not kept.
//!
//! Per agent (29 bytes at most, see [`BYTES_PER_AGENT`]):
//! * `id` (u32): creation index (only after a compaction);
//! * `loc` (u32): location index when at a location, queued or in transit;
//!   directed-link index when on a link;
//! * `dist` (f32): km travelled on the current link; at a location, the day of
//!   the agent's next move ([`NO_MOVE_DAY`] or any past day: not drawn yet; see
//!   `passes::decision_chunk`); border extensions may reuse it for
//!   queued/in-transit agents (e.g. the day they joined a queue);
//! * `route` (u32) + `cursor` (u8): stored multi-hop route as a path id in the
//!   path arena (`routes::PathArena`) and the index of the next hop, or (awareness
//!   above `routes::MAX_CRAWL_AWARENESS`) `routes::DEST_BIT | destination`, followed
//!   hop by hop with the next-hop table; `NO_ROUTE` = none. For an appointment
//!   holder (`HOLDER`), the index of its port instead (holders follow
//!   `BorderState::next_hop`, and the flag is checked before the route);
//! * `state` (u8): [`AgentState`] packed;
//! * `flags` (u8): `FIRST_LINK_DONE` (Flee's `places_travelled > 1`), `HOLDER`
//!   (holds an appointment for the port in `route`, from the day in its
//!   [`BorderCols`]), `CARAVAN` (walks with a caravan; skips Flee's decision and
//!   travel passes), `PAPERS_SEEN` and `PAPERS_WAIT` (waiting for papers; skips
//!   the decision pass), `INTERCEPTED` (intercepted at least once);
//! * `recent` (f32): Flee's `recent_travel` (avoid_short_stints);
//! * `attrs` (u32): demographic value indices, packed (`demography::Demography`);
//! * `class` (u16): attribute class sharing one route-weight table.
//!
//! Border scenarios add one [`BorderCols`] per agent (20 bytes, outside the
//! budget above, which is that of Flee instances): the appointment day of a
//! holder, the registration day (first appointment request) and the current
//! stay in a border city (for the crossing hazard's waiting time). They were
//! hash maps keyed by agent id in `BorderState`, probed for every watched agent
//! every day; as columns they are read by slot, and follow the agent through
//! compaction (and, for a partitioned run, stay with the part that holds it).
//! The flag `INTERCEPTED` replaces the set of people ever intercepted.

/// No stored route.
pub(crate) const NO_ROUTE: u32 = u32::MAX;

/// `dist` of an agent at a location whose next move day is not drawn yet (see
/// `passes::decision_chunk`).
pub(crate) const NO_MOVE_DAY: f32 = -1.0;

/// `flags` bit: the agent has finished at least one link (`places_travelled > 1`).
pub(crate) const FIRST_LINK_DONE: u8 = 1;

/// `flags` bit: the agent holds an appointment (border step B9 until admission).
pub(crate) const HOLDER: u8 = 2;

/// `flags` bit: the agent walks with a caravan (border steps B4 to B7).
pub(crate) const CARAVAN: u8 = 4;

/// `flags` bit: the agent was offered papers at an office (`border::papers`),
/// whatever it chose; never offered again.
pub(crate) const PAPERS_SEEN: u8 = 16;

/// `flags` bit: the agent waits for papers (at its location; skips the decision
/// pass until its wait ends, `BorderState::papers`).
pub(crate) const PAPERS_WAIT: u8 = 32;

/// `flags` bit: the agent was intercepted at a checkpoint at least once (the
/// day record's `intercepted_first` counts first interceptions).
pub(crate) const INTERCEPTED: u8 = 64;

/// No day (a [`BorderCols`] field not set).
pub(crate) const NO_DAY: u32 = u32::MAX;

/// An agent's border facts (border scenarios only; see the module doc). Every
/// field is [`NO_DAY`] until set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BorderCols {
    /// Day its port admits it from (with `HOLDER`; the port is in `route`).
    pub appointment_day: u32,
    /// Day of its first appointment request.
    pub registered: u32,
    /// Its last stay in a border city, as the crossing step saw it: the
    /// crossing point, the first and the last day seen there.
    pub stay_crossing: u32,
    pub stay_start: u32,
    pub stay_last: u32,
}

impl BorderCols {
    pub(crate) const NONE: BorderCols = BorderCols {
        appointment_day: NO_DAY,
        registered: NO_DAY,
        stay_crossing: NO_DAY,
        stay_start: NO_DAY,
        stay_last: NO_DAY,
    };

    /// Days the agent has waited at crossing point `c`'s city without a break,
    /// seen today `day`: 0 on the first day of a stay, +1 for every
    /// consecutive day seen again; a day unseen (or another crossing) starts a
    /// new stay. Records today's sighting.
    #[inline]
    pub(crate) fn waited(&mut self, c: u32, day: u32) -> u32 {
        if self.stay_crossing != c || self.stay_last.wrapping_add(1) < day {
            self.stay_crossing = c;
            self.stay_start = day;
        }
        self.stay_last = day;
        day - self.stay_start
    }
}

/// Bytes of state per agent (all arrays together).
pub const BYTES_PER_AGENT: usize = std::mem::size_of::<u32>() // id
    + std::mem::size_of::<u32>() // loc
    + std::mem::size_of::<f32>() // dist
    + std::mem::size_of::<u32>() // route
    + std::mem::size_of::<u8>() // cursor
    + std::mem::size_of::<u8>() // state
    + std::mem::size_of::<u8>() // flags
    + std::mem::size_of::<f32>() // recent
    + std::mem::size_of::<u32>() // attrs
    + std::mem::size_of::<u16>(); // class

/// Bytes of the border columns per agent, kept on border scenarios only (on
/// top of [`BYTES_PER_AGENT`]).
pub const BORDER_BYTES_PER_AGENT: usize = std::mem::size_of::<BorderCols>();

// The memory budget of docs/design.md §7, checked at compile time.
const _: () = assert!(BYTES_PER_AGENT <= 32);

/// Why a person left the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// Admitted at a port of entry.
    Admitted,
    /// Crossed between ports and was encountered by Border Patrol.
    Encountered,
    /// Removed otherwise (camps as sinks).
    Removed,
}

/// Where an agent is. Every agent is in exactly one state (docs/design.md §3.2 conservation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgentState {
    /// At location `loc`, free to decide.
    AtLocation,
    /// On directed link `loc`, `dist` km from its start.
    OnLink,
    /// Waiting in the queue of port `loc` (border step).
    Queued,
    /// Intercepted and being relocated to `loc` (border step).
    InTransit,
    /// Left the simulation.
    Exited(ExitReason),
}

impl AgentState {
    /// The one-byte form stored in the agent arrays.
    #[inline]
    pub const fn pack(self) -> u8 {
        match self {
            AgentState::AtLocation => ST_AT,
            AgentState::OnLink => ST_LINK,
            AgentState::Queued => ST_QUEUED,
            AgentState::InTransit => ST_TRANSIT,
            AgentState::Exited(ExitReason::Admitted) => ST_ADMITTED,
            AgentState::Exited(ExitReason::Encountered) => ST_ENCOUNTERED,
            AgentState::Exited(ExitReason::Removed) => ST_REMOVED,
        }
    }

    /// Inverse of [`AgentState::pack`] (unknown bytes read as removed).
    #[inline]
    pub const fn unpack(b: u8) -> AgentState {
        match b {
            ST_AT => AgentState::AtLocation,
            ST_LINK => AgentState::OnLink,
            ST_QUEUED => AgentState::Queued,
            ST_TRANSIT => AgentState::InTransit,
            ST_ADMITTED => AgentState::Exited(ExitReason::Admitted),
            ST_ENCOUNTERED => AgentState::Exited(ExitReason::Encountered),
            _ => AgentState::Exited(ExitReason::Removed),
        }
    }
}

pub(crate) const ST_AT: u8 = 0;
pub(crate) const ST_LINK: u8 = 1;
pub(crate) const ST_QUEUED: u8 = 2;
pub(crate) const ST_TRANSIT: u8 = 3;
pub(crate) const ST_ADMITTED: u8 = 4;
pub(crate) const ST_ENCOUNTERED: u8 = 5;
pub(crate) const ST_REMOVED: u8 = 6;

/// All agents.
#[derive(Debug, Default, Clone)]
pub(crate) struct Agents {
    /// Id (creation index) of the agent in each slot, increasing; empty while
    /// slots and ids are equal (before the first compaction, `sparse` false).
    id: Vec<u32>,
    sparse: bool,
    pub loc: Vec<u32>,
    pub dist: Vec<f32>,
    pub route: Vec<u32>,
    pub cursor: Vec<u8>,
    pub state: Vec<u8>,
    pub flags: Vec<u8>,
    pub recent: Vec<f32>,
    pub attrs: Vec<u32>,
    pub class: Vec<u16>,
    /// Per slot, for border scenarios (`with_border`); empty otherwise.
    pub border: Vec<BorderCols>,
    /// Keep `border` (a border scenario).
    has_border: bool,
    /// Agents ever created: the next id.
    created: u32,
}

/// Exited agents dropped by [`Agents::compact`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gone {
    pub admitted: u64,
    pub encountered: u64,
    pub removed: u64,
}

impl Agents {
    /// Slots (agents in the arrays).
    pub(crate) fn len(&self) -> usize {
        self.loc.len()
    }

    /// The id the next agent will get.
    pub(crate) fn next_id(&self) -> u32 {
        self.created
    }

    /// The slot of agent `id` (it must not have been compacted away).
    #[inline]
    pub(crate) fn slot(&self, id: u32) -> usize {
        if !self.sparse {
            return id as usize;
        }
        let s = self.id.partition_point(|&x| x < id);
        debug_assert_eq!(self.id.get(s), Some(&id), "agent {id} has no slot");
        s
    }

    /// The id of the agent in slot `i`.
    #[inline]
    pub(crate) fn id_of(&self, i: usize) -> u32 {
        if self.sparse {
            self.id[i]
        } else {
            i as u32
        }
    }

    /// Drops every exited agent from the arrays (keeping slot order) and returns
    /// how many of each exit were dropped.
    pub(crate) fn compact(&mut self) -> Gone {
        self.compact_keeping(&mut Vec::new())
    }

    /// [`compact`](Self::compact), and `slots` (sorted, no repeats) rewritten
    /// to the new slots of the same agents, the exited among them dropped: a
    /// list of slots kept across days (the border steps' watched list)
    /// survives the compaction instead of being found again by visiting every
    /// slot. Slot order is kept, so the list stays sorted.
    pub(crate) fn compact_keeping(&mut self, slots: &mut Vec<u32>) -> Gone {
        debug_assert!(slots.windows(2).all(|w| w[0] < w[1]));
        let (mut j, mut kept) = (0, 0);
        if !self.sparse {
            self.id = (0..self.len() as u32).collect();
            self.sparse = true;
        }
        let mut gone = Gone::default();
        let mut w = 0;
        for r in 0..self.len() {
            match self.state[r] {
                ST_ADMITTED => gone.admitted += 1,
                ST_ENCOUNTERED => gone.encountered += 1,
                ST_REMOVED => gone.removed += 1,
                _ => {
                    // Exited slots in `slots` are skipped below (`j` passes them).
                    while j < slots.len() && (slots[j] as usize) < r {
                        j += 1;
                    }
                    if j < slots.len() && slots[j] as usize == r {
                        slots[kept] = w as u32;
                        kept += 1;
                        j += 1;
                    }
                    if w != r {
                        self.id[w] = self.id[r];
                        self.loc[w] = self.loc[r];
                        self.dist[w] = self.dist[r];
                        self.route[w] = self.route[r];
                        self.cursor[w] = self.cursor[r];
                        self.state[w] = self.state[r];
                        self.flags[w] = self.flags[r];
                        self.recent[w] = self.recent[r];
                        self.attrs[w] = self.attrs[r];
                        self.class[w] = self.class[r];
                        if self.has_border {
                            self.border[w] = self.border[r];
                        }
                    }
                    w += 1;
                }
            }
        }
        self.id.truncate(w);
        self.loc.truncate(w);
        self.dist.truncate(w);
        self.route.truncate(w);
        self.cursor.truncate(w);
        self.state.truncate(w);
        self.flags.truncate(w);
        self.recent.truncate(w);
        self.attrs.truncate(w);
        self.class.truncate(w);
        self.border.truncate(w);
        slots.truncate(kept);
        gone
    }

    /// No agents, with ids kept from the start: for a part of a partitioned run
    /// (`partition`), whose slots hold only some of the ids.
    pub(crate) fn with_ids() -> Agents {
        Agents {
            sparse: true,
            ..Agents::default()
        }
    }

    /// These agents get [`BorderCols`] (a border scenario); call before any push.
    pub(crate) fn with_border(mut self) -> Agents {
        debug_assert!(self.loc.is_empty());
        self.has_border = true;
        self
    }

    /// Gives the next id to an agent kept by another part of a partitioned run
    /// (`with_ids`): the id is used, no slot is added.
    pub(crate) fn skip(&mut self) {
        debug_assert!(self.sparse, "skipping ids needs the id array");
        self.created += 1;
    }

    /// Fails, leaving the agents as they are, when memory cannot hold `n` more.
    pub(crate) fn reserve(&mut self, n: usize) -> Result<(), std::collections::TryReserveError> {
        if self.sparse {
            self.id.try_reserve(n)?;
        }
        self.loc.try_reserve(n)?;
        self.dist.try_reserve(n)?;
        self.route.try_reserve(n)?;
        self.cursor.try_reserve(n)?;
        self.state.try_reserve(n)?;
        self.flags.try_reserve(n)?;
        self.recent.try_reserve(n)?;
        self.attrs.try_reserve(n)?;
        self.class.try_reserve(n)?;
        if self.has_border {
            self.border.try_reserve(n)?;
        }
        Ok(())
    }

    /// Appends a new agent at location `loc`; returns its id.
    pub(crate) fn push(&mut self, loc: u32, attrs: u32, class: u16) -> u32 {
        let id = self.created;
        self.created += 1;
        if self.sparse {
            self.id.push(id);
        }
        self.loc.push(loc);
        self.dist.push(NO_MOVE_DAY);
        self.route.push(NO_ROUTE);
        self.cursor.push(0);
        self.state.push(ST_AT);
        self.flags.push(0);
        self.recent.push(0.0);
        self.attrs.push(attrs);
        self.class.push(class);
        if self.has_border {
            self.border.push(BorderCols::NONE);
        }
        id
    }

    /// Appends `n` new agents at location `loc` without demographic
    /// attributes (value and class 0), as `n` calls of [`push`](Self::push).
    pub(crate) fn push_many(&mut self, loc: u32, n: usize) {
        let first = self.created;
        self.created += n as u32;
        if self.sparse {
            self.id.extend(first..self.created);
        }
        let more = |len: usize| len + n;
        self.loc.resize(more(self.loc.len()), loc);
        self.dist.resize(more(self.dist.len()), NO_MOVE_DAY);
        self.route.resize(more(self.route.len()), NO_ROUTE);
        self.cursor.resize(more(self.cursor.len()), 0);
        self.state.resize(more(self.state.len()), ST_AT);
        self.flags.resize(more(self.flags.len()), 0);
        self.recent.resize(more(self.recent.len()), 0.0);
        self.attrs.resize(more(self.attrs.len()), 0);
        self.class.resize(more(self.class.len()), 0);
        if self.has_border {
            self.border
                .resize(more(self.border.len()), BorderCols::NONE);
        }
    }

    /// Splits the arrays into consecutive chunks of at most `size` agents, for
    /// parallel passes. Chunk boundaries never influence results (per-agent streams).
    pub(crate) fn chunks(&mut self, size: usize) -> Vec<AgentsMut<'_>> {
        let size = size.max(1);
        let mut out = Vec::with_capacity(self.len().div_ceil(size));
        let mut id = &self.id[..];
        let mut loc = &mut self.loc[..];
        let mut dist = &mut self.dist[..];
        let mut route = &mut self.route[..];
        let mut cursor = &mut self.cursor[..];
        let mut state = &mut self.state[..];
        let mut flags = &mut self.flags[..];
        let mut recent = &mut self.recent[..];
        let mut class = &self.class[..];
        let mut base = 0usize;
        while !loc.is_empty() {
            let n = size.min(loc.len());
            let (a, b) = std::mem::take(&mut loc).split_at_mut(n);
            loc = b;
            let (d, e) = std::mem::take(&mut dist).split_at_mut(n);
            dist = e;
            let (r, s) = std::mem::take(&mut route).split_at_mut(n);
            route = s;
            let (c, c2) = std::mem::take(&mut cursor).split_at_mut(n);
            cursor = c2;
            let (st, st2) = std::mem::take(&mut state).split_at_mut(n);
            state = st2;
            let (f, f2) = std::mem::take(&mut flags).split_at_mut(n);
            flags = f2;
            let (rc, rc2) = std::mem::take(&mut recent).split_at_mut(n);
            recent = rc2;
            let (cl, cl2) = class.split_at(n);
            class = cl2;
            let (ids, ids2) = id.split_at(n.min(id.len()));
            id = ids2;
            out.push(AgentsMut {
                base,
                id: ids,
                loc: a,
                dist: d,
                route: r,
                cursor: c,
                state: st,
                flags: f,
                recent: rc,
                class: cl,
            });
            base += n;
        }
        out
    }
}

/// A mutable window on consecutive slots `base..base + len`.
pub(crate) struct AgentsMut<'a> {
    pub base: usize,
    /// Ids of the slots; empty while slots and ids are equal.
    pub id: &'a [u32],
    pub loc: &'a mut [u32],
    pub dist: &'a mut [f32],
    pub route: &'a mut [u32],
    pub cursor: &'a mut [u8],
    pub state: &'a mut [u8],
    pub flags: &'a mut [u8],
    pub recent: &'a mut [f32],
    pub class: &'a [u16],
}

impl<'a> AgentsMut<'a> {
    /// The id of the agent in slot `base + i`.
    #[inline(always)]
    pub(crate) fn id(&self, i: usize) -> u64 {
        if self.id.is_empty() {
            (self.base + i) as u64
        } else {
            self.id[i] as u64
        }
    }

    /// The same window with every array cut to the length of `loc`, so that the
    /// compiler can drop the bounds checks of a loop over `0..loc.len()`.
    #[inline]
    pub(crate) fn even(self) -> AgentsMut<'a> {
        let n = self.loc.len();
        AgentsMut {
            base: self.base,
            id: &self.id[..n.min(self.id.len())],
            loc: self.loc,
            dist: &mut self.dist[..n],
            route: &mut self.route[..n],
            cursor: &mut self.cursor[..n],
            state: &mut self.state[..n],
            flags: &mut self.flags[..n],
            recent: &mut self.recent[..n],
            class: &self.class[..n],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_packing_round_trips() {
        for s in [
            AgentState::AtLocation,
            AgentState::OnLink,
            AgentState::Queued,
            AgentState::InTransit,
            AgentState::Exited(ExitReason::Admitted),
            AgentState::Exited(ExitReason::Encountered),
            AgentState::Exited(ExitReason::Removed),
        ] {
            assert_eq!(AgentState::unpack(s.pack()), s);
        }
    }

    #[test]
    fn chunks_cover_every_agent_once() {
        let mut a = Agents::default();
        for i in 0..10 {
            a.push(i, 0, 0);
        }
        let chunks = a.chunks(4);
        assert_eq!(chunks.len(), 3);
        let bases: Vec<usize> = chunks.iter().map(|c| c.base).collect();
        assert_eq!(bases, vec![0, 4, 8]);
        assert_eq!(chunks[2].loc, &[8, 9]);
        assert!(chunks[2].id.is_empty());
        assert_eq!(chunks[2].id(1), 9);
    }

    /// The waiting time of the crossing hazard, as `BorderState` counts it for
    /// drivers that keep it there: consecutive days at one crossing's city.
    #[test]
    fn waiting_in_a_border_city_counts_consecutive_days_and_resets() {
        let mut c = BorderCols::NONE;
        assert_eq!(c.waited(0, 5), 0);
        assert_eq!(c.waited(0, 6), 1);
        assert_eq!(c.waited(0, 7), 2);
        // Unseen on day 8: a new stay on day 9.
        assert_eq!(c.waited(0, 9), 0);
        assert_eq!(c.waited(0, 10), 1);
        // Another crossing starts a new stay too.
        assert_eq!(c.waited(1, 11), 0);
        // Day 0 right after creation is a first day.
        let mut fresh = BorderCols::NONE;
        assert_eq!(fresh.waited(3, 0), 0);
        assert_eq!(fresh.waited(3, 1), 1);
    }

    /// `push_many` leaves the arrays as the same number of `push` calls, also
    /// with ids kept (after a compaction) and with border columns.
    #[test]
    fn pushing_many_equals_pushing_one_by_one() {
        for border in [false, true] {
            let base = if border {
                Agents::default().with_border()
            } else {
                Agents::default()
            };
            let (mut a, mut b) = (base.clone(), base);
            for (k, &(loc, n, exit)) in [
                (3u32, 5usize, false),
                (1, 0, false),
                (2, 4, true),
                (0, 3, false),
            ]
            .iter()
            .enumerate()
            {
                for _ in 0..n {
                    a.push(loc, 0, 0);
                }
                b.push_many(loc, n);
                if exit {
                    a.state[k] = ST_ADMITTED;
                    b.state[k] = ST_ADMITTED;
                    a.compact();
                    b.compact();
                }
            }
            assert_eq!(
                (a.len(), a.next_id(), a.sparse),
                (b.len(), b.next_id(), b.sparse)
            );
            assert_eq!(a.id, b.id);
            assert_eq!((&a.loc, &a.dist, &a.route), (&b.loc, &b.dist, &b.route));
            assert_eq!(
                (&a.cursor, &a.state, &a.flags),
                (&b.cursor, &b.state, &b.flags)
            );
            assert_eq!(
                (&a.recent, &a.attrs, &a.class),
                (&b.recent, &b.attrs, &b.class)
            );
            assert_eq!(a.border, b.border);
        }
    }

    #[test]
    fn border_columns_follow_compaction() {
        let mut a = Agents::default().with_border();
        for i in 0..4 {
            a.push(i, 0, 0);
        }
        a.border[2].registered = 7;
        a.border[3].appointment_day = 9;
        a.state[1] = ST_ADMITTED;
        a.compact();
        assert_eq!(a.border.len(), 3);
        assert_eq!(a.border[1].registered, 7);
        assert_eq!(a.border[2].appointment_day, 9);
        assert_eq!(a.border[0], BorderCols::NONE);
        assert!(Agents::default().border.is_empty());
    }

    #[test]
    fn compaction_rewrites_a_kept_list_of_slots() {
        let mut a = Agents::default();
        for i in 0..8 {
            a.push(i, 0, 0);
        }
        for s in [0, 2, 3, 6] {
            a.state[s] = ST_ADMITTED;
        }
        // Survivors 1, 4, 5, 7 go to slots 0, 1, 2, 3.
        let mut kept = vec![0, 1, 3, 5, 7];
        a.compact_keeping(&mut kept);
        assert_eq!(kept, vec![0, 2, 3]);
        assert_eq!(a.id, vec![1, 4, 5, 7]);
        // Again, on sparse arrays: 4 exits, 1 and 7 are listed.
        a.state[1] = ST_ENCOUNTERED;
        let mut kept = vec![0, 1, 3];
        a.compact_keeping(&mut kept);
        assert_eq!(kept, vec![0, 2]);
        assert_eq!(a.id, vec![1, 5, 7]);
        let mut empty = Vec::new();
        a.compact_keeping(&mut empty);
        assert!(empty.is_empty());
    }

    #[test]
    fn compaction_keeps_ids_and_order() {
        let mut a = Agents::default();
        for i in 0..6 {
            a.push(i, i, 0);
        }
        a.state[1] = ST_ADMITTED;
        a.state[2] = ST_ENCOUNTERED;
        a.state[4] = ST_REMOVED;
        a.state[5] = ST_QUEUED;
        let gone = a.compact();
        assert_eq!(
            gone,
            Gone {
                admitted: 1,
                encountered: 1,
                removed: 1
            }
        );
        assert_eq!(a.id, vec![0, 3, 5]);
        assert_eq!(a.id_of(1), 3);
        assert_eq!(a.loc, vec![0, 3, 5]);
        assert_eq!(a.attrs, vec![0, 3, 5]);
        assert_eq!(a.state, vec![ST_AT, ST_AT, ST_QUEUED]);
        assert_eq!(a.slot(5), 2);
        assert_eq!(a.slot(3), 1);
        assert_eq!(a.push(7, 0, 0), 6);
        assert_eq!(a.slot(6), 3);
        assert_eq!(a.next_id(), 7);
    }
}
