//! The border processes of docs/model.md (B1–B12) on counts, for the count engine.
//!
//! [`BorderState`] keeps what does not depend on who is who: levers and events,
//! inflow, capacity and appointment quotas, the threshold rule, next hops towards
//! ports, the day's counters and the record's border columns. This module keeps
//! what the agent engine keeps per agent id, as counts:
//! * queues: per port, holders by (appointment day, joining day) and walk-ups by
//!   joining day, head counts (people who joined on the same day are
//!   exchangeable: ties by agent id are a uniform order); with reneging on,
//!   also the walk-ups' cohort keys per joining day (people who leave a queue
//!   go back into cohorts as they were; those admitted are a uniform subset of
//!   their joining day's people);
//! * transit: per release day, cohorts already placed at their destination;
//! * per cohort ([`Bd`] in the key): appointment (port, day), registration day
//!   (on the grid of [`REGISTRATION_QUANTUM`] days, and only if some allocation
//!   of the run has a FIFO part), current stay at a crossing city; the flag
//!   [`INTERCEPTED`] for distinct people intercepted;
//! * waiting for papers: pools outside the buckets, in [`super::papers`]
//!   (field `papers`; its steps are `impl CountBorder` there);
//! * caravans: members are single people (units) with pseudo ids, so that
//!   `BorderState`'s own caravan code (recruitment, walking, dispersals, the
//!   papers' transit) runs unchanged; units go back into cohorts when they leave.
//!   Only members become units (never the whole crowd at the origin), so the
//!   memory this needs follows the caravans' sizes.
//!
//! Draws: binomial per cohort (requests, crossings, interceptions in the travel
//! pass), multivariate hypergeometric by single picks where the agent engine
//! chooses a uniform subset (lottery winners, ties at the FIFO boundary, random
//! walk-up order, the ports of the winners). So the engines agree in law, not
//! draw by draw (docs/model.md §13). Every stream is keyed by (seed, day, phase,
//! index) and cohorts are visited in bucket order, so a run depends on the seed.

use super::cohorts::{
    normalise, normalise_tail_among, normalise_tail_where, normalise_where, Bd, Key, Scratch,
    NO_ROUTE,
};
use super::{stream, PH_APPOINT, PH_CROSS, PH_PORT_ORDER, PH_REQUEST};
use crate::border::caravan::CaravanPos;
use crate::border::{Action, Allocation, BorderState, QueueDiscipline};
use crate::engine::network::Network;
use crate::error::ModelError;
use crate::rng::Stream;
use crate::scenario::Scenario;
use std::collections::{BTreeMap, HashMap};

/// Key flag: these people have been intercepted at least once.
pub(crate) const INTERCEPTED: u8 = 8;

/// Stream phases of balking and reneging (`super::stream`; numbers well
/// above those of `counts/mod.rs`): reneging per port, joining per port, and
/// which queued walk-ups' keys leave with those admitted.
const PH_RENEGE: u64 = 40;
const PH_JOIN: u64 = 41;
const PH_QUEUE_KEYS: u64 = 42;

/// Border processes of a count run; see the module doc.
#[derive(Debug, Clone)]
pub(crate) struct CountBorder {
    pub b: BorderState,
    discipline: Vec<QueueDiscipline>,
    /// Per port: holders queued, (appointment day, joining day) → people.
    appointed: Vec<BTreeMap<(u32, u32), u64>>,
    /// Per port: walk-ups queued, joining day → people.
    walk_ups: Vec<BTreeMap<u32, u64>>,
    /// With reneging on (else empty): per port, the walk-ups' cohorts by
    /// joining day (their sizes add up to `walk_ups`).
    walk_keys: Vec<BTreeMap<u32, Vec<(Key, u64)>>>,
    /// Release day → cohorts (keys already at their destination).
    transit: BTreeMap<u32, Vec<(Key, u64)>>,
    in_transit: u64,
    /// Caravan members (and those who took papers from a caravan, until released).
    units: HashMap<u32, Key>,
    next_unit: u32,
    /// Per caravan: the members' position (after their start).
    caravan_pos: Vec<Option<CaravanPos>>,
    /// People waiting for papers (see `super::papers`).
    pub(super) papers: super::papers::CountPapers,
    /// The appointment step's blocks, kept from day to day for their
    /// vectors' allocations (thousands of cohorts a day; contents are
    /// cleared before use).
    req_blocks: Vec<ReqBlock>,
    /// The latest appointment day given so far (`None`: none yet): no holder
    /// has a later one.
    last_appointment: Option<u32>,
    /// How registration days are kept in cohort keys: `None` when no
    /// allocation of the run has a FIFO part (nothing ever reads them), else
    /// the grid in days ([`REGISTRATION_QUANTUM`]).
    reg_grid: Option<u32>,
}

/// Grid of the registration days the count engine keeps for FIFO allocation
/// (days): a registration on day `d` is kept as `d − d mod q`, and FIFO ties
/// within one block of `q` days are drawn uniformly. Exact days would make every
/// day's registrants a state of their own wherever they go (about 25 days of
/// registrants wait at once on the built-in scenario, multiplying the cohorts by
/// ~4); see docs/model.md §14 for what this changes.
pub const REGISTRATION_QUANTUM: u32 = 7;

/// Whether an appointment allocation takes some winners by registration.
fn has_fifo_part(a: Allocation) -> bool {
    match a {
        Allocation::Fifo => true,
        Allocation::Lottery => false,
        Allocation::Mixed { fifo_share } => fifo_share > 0.0,
    }
}

impl CountBorder {
    pub(crate) fn new(sc: &Scenario, seed: u64) -> Result<CountBorder, ModelError> {
        let b = BorderState::new(sc, seed)?;
        let bd = &sc.border;
        // `CountRun::new` has refused too many crossing points or ports
        // (`counts::refusal`): their indices fit the cohort key's u8 and u16.
        // Allocation can change by events (`set_allocation`): registration
        // days are dropped only if no allocation of the run ever reads them.
        let fifo_ever = bd.appointments.as_ref().is_some_and(|a| has_fifo_part(a.allocation))
            || bd.events.iter().any(|e| {
                matches!(e.action, Action::SetAllocation { allocation } if has_fifo_part(allocation))
            });
        Ok(CountBorder {
            reg_grid: fifo_ever.then_some(REGISTRATION_QUANTUM),
            req_blocks: Vec::new(),
            last_appointment: None,
            b,
            discipline: bd.ports.iter().map(|p| p.queue).collect(),
            appointed: vec![BTreeMap::new(); bd.ports.len()],
            walk_ups: vec![BTreeMap::new(); bd.ports.len()],
            walk_keys: if bd.walk_up_leaving.renege_probability > 0.0 {
                vec![BTreeMap::new(); bd.ports.len()]
            } else {
                Vec::new()
            },
            transit: BTreeMap::new(),
            in_transit: 0,
            units: HashMap::new(),
            next_unit: 0,
            caravan_pos: vec![None; bd.caravans.len()],
            papers: super::papers::CountPapers::new(sc),
        })
    }

    /// People in queues now, per port.
    pub(crate) fn queue_lens(&self) -> Vec<u64> {
        (0..self.appointed.len())
            .map(|p| {
                self.appointed[p].values().sum::<u64>() + self.walk_ups[p].values().sum::<u64>()
            })
            .collect()
    }

    /// People in transit now (interceptions and caravan papers).
    pub(crate) fn in_transit(&self) -> u64 {
        self.in_transit + self.b.in_transit()
    }

    /// B2: the cohorts released today, at their destination.
    pub(crate) fn release(&mut self, t: u32) -> Vec<(Key, u64)> {
        let later = self.transit.split_off(&(t + 1));
        let due = std::mem::replace(&mut self.transit, later);
        let mut out: Vec<(Key, u64)> = due.into_values().flatten().collect();
        self.in_transit -= out.iter().map(|c| c.1).sum::<u64>();
        for (a, loc) in self.b.release(t) {
            if let Some(k) = self.units.remove(&a) {
                out.push((k.moved_to(loc as u32).with_route(NO_ROUTE, 0), 1));
            }
        }
        out
    }

    /// `n` people with key `key` (already at `key`'s place) in transit until
    /// `release` (buses and relocations of `super::papers`).
    pub(super) fn send(&mut self, release: u32, key: Key, n: u64) {
        self.transit.entry(release).or_default().push((key, n));
        self.in_transit += n;
    }

    /// B6: `n` people with key `key` (as they completed the link from `from`) are
    /// intercepted at checkpoint `cp` on day `t`: in transit until their release.
    pub(crate) fn intercept(&mut self, t: u32, cp: usize, from: usize, key: Key, n: u64) {
        let (dest, release) = self.b.relocation(t, cp);
        let first = if key.flags() & INTERCEPTED == 0 { n } else { 0 };
        self.b.count_intercepts(cp, from, n, first);
        let mut k = key
            .moved_to(dest as u32)
            .with_flags(key.flags() | INTERCEPTED);
        if !k.bd().is_holder() {
            k = k.with_route(NO_ROUTE, 0);
        }
        self.transit.entry(release).or_default().push((k, n));
        self.in_transit += n;
    }

    /// B4: starts caravan `c` on day `t` with members chosen from `pool` (the
    /// people free to go at the origin, or the new people created for it).
    /// Returns the people of the pool who are not members, by cohort.
    ///
    /// The pool's people are numbered `next_unit..` in pool order, as if each
    /// were a unit, and the members are `recruit`'s uniform subset of those
    /// ids; but only the members become units (`recruit_positions`), so memory
    /// follows the caravan's size, not the crowd at its origin. Every person's
    /// route is cleared, members' and the rest's alike.
    pub(crate) fn start_caravan(
        &mut self,
        t: u32,
        c: usize,
        pool: &[(Key, u64)],
    ) -> Result<Vec<(Key, u64)>, ModelError> {
        let n = pool.iter().fold(0u64, |a, &(_, x)| a.saturating_add(x));
        let first = self.next_unit;
        let Some(end) = u32::try_from(u64::from(first).saturating_add(n))
            .ok()
            .filter(|&e| e < u32::MAX)
        else {
            return Err(ModelError::TooManyCaravanPeople {
                day: t,
                caravan: self.b.caravan(c).name.clone(),
                people: n,
                max: u64::from(u32::MAX - 1),
            });
        };
        let size = self.b.caravan(c).size;
        let positions = crate::border::caravan::recruit_positions(self.b.seed(), t, c, n, size);
        let mut members = Vec::with_capacity(positions.len());
        let mut rest = Vec::new();
        let mut next = positions.iter().copied().peekable();
        let mut start = 0u64;
        for &(k, x) in pool {
            let key = k.with_route(NO_ROUTE, 0);
            let stop = start + x;
            let mut chosen = 0;
            while let Some(p) = next.next_if(|&p| p < stop) {
                // p < n, so first + p < end fits in u32.
                let id = first + p as u32;
                self.units.insert(id, key);
                members.push(id);
                chosen += 1;
            }
            if x > chosen {
                rest.push((key, x - chosen));
            }
            start = stop;
        }
        self.next_unit = end;
        // `recruit` on exactly the members keeps them all (they are at most the
        // caravan's size) and warns, as before, when fewer than its size came.
        let started = self.b.start_caravan(t, c, &members);
        debug_assert_eq!(started, members);
        let origin = self.b.caravan(c).origin;
        self.caravan_pos[c] = Some(CaravanPos::At(origin));
        Ok(rest)
    }

    /// B7: caravans walk. Members who leave are put back as cohorts (at a
    /// location or on a link); arrivals and departures of the group are counted
    /// as in the agent engine. Returns the locations whose buckets got people.
    pub(crate) fn advance_caravans(
        &mut self,
        t: u32,
        net: &Network,
        at: &mut [Vec<(Key, u64)>],
        on: &mut [Vec<(Key, u64)>],
        arrived: &mut [u64],
        departed: &mut [u64],
    ) -> Vec<usize> {
        let mut touched = Vec::new();
        for (c, day) in self.b.advance_caravans(t) {
            let n = (self.b.caravan_members(c).len() + day.left.len() + day.papers.len()) as u64;
            let prev = self.caravan_pos[c].unwrap_or(CaravanPos::At(self.b.caravan(c).origin));
            if n > 0 {
                if let CaravanPos::At(loc) = prev {
                    let moved = day.position != CaravanPos::At(loc) || !day.passed.is_empty();
                    if moved {
                        departed[loc] += n;
                    }
                }
                for (k, &p) in day.passed.iter().enumerate() {
                    arrived[p] += n;
                    let stays = k + 1 == day.passed.len() && day.position == CaravanPos::At(p);
                    if !stays {
                        departed[p] += n;
                    }
                }
            }
            self.caravan_pos[c] = Some(day.position);
            for a in day.left {
                let Some(k) = self.units.remove(&a) else {
                    continue;
                };
                match day.position {
                    CaravanPos::At(l) => {
                        at[l].push((k.moved_to(l as u32), 1));
                        touched.push(l);
                    }
                    CaravanPos::On { from, to, km } => {
                        let li = net.find_any(from as u32, to as u32).unwrap_or(0);
                        on[li as usize].push((k.onto_link(li).with_dist(km as f32), 1));
                    }
                }
            }
        }
        touched.sort_unstable();
        touched.dedup();
        touched
    }

    /// Caravan members now: (position, people), for the record.
    pub(crate) fn caravan_members(&self) -> Vec<(CaravanPos, u64)> {
        self.caravan_pos
            .iter()
            .enumerate()
            .filter_map(|(c, p)| {
                let n = self.b.caravan_members(c).len() as u64;
                p.filter(|_| n > 0).map(|p| (p, n))
            })
            .collect()
    }

    /// B8 (docs/model.md §8): reneging first — each walk-up queued before today
    /// leaves with the daily probability, binomial per cohort, back into its
    /// port's bucket (after the joins: they do not join again today) — then
    /// everyone at a port who may join its queue joins it: holders at their
    /// port; the others, when the port accepts walk-ups, binomially with the
    /// port's join probability of the day (1 without balking).
    // Once a day: out of line, so that profiles show the step on its own.
    #[inline(never)]
    pub(crate) fn join_queues(
        &mut self,
        t: u32,
        seed: u64,
        at: &mut [Vec<(Key, u64)>],
        scratch: &mut Scratch,
    ) {
        let left = self.renege(t, seed);
        for p in 0..self.appointed.len() {
            let loc = self.b.border().ports[p].location;
            let walk = self.b.accepts_walk_ups(p);
            let queued: u64 = self.walk_ups[p].values().sum();
            let q = self.b.join_probability(p, queued);
            let (appointed, walk_ups) = (&mut self.appointed[p], &mut self.walk_ups[p]);
            let mut keys = self.walk_keys.get_mut(p);
            if q >= 1.0 {
                at[loc].retain(|&(k, n)| match k.bd().appointment() {
                    Some((port, day)) if port == p => {
                        *appointed.entry((day, t)).or_default() += n;
                        false
                    }
                    Some(_) => true,
                    None if walk => {
                        *walk_ups.entry(t).or_default() += n;
                        if let Some(keys) = keys.as_mut() {
                            keys.entry(t).or_default().push((k, n));
                        }
                        false
                    }
                    None => true,
                });
                continue;
            }
            // Balking: a binomial per cohort; the cohorts stay distinct.
            let mut rng = stream(seed, t, PH_JOIN, p as u64);
            at[loc].retain_mut(|e| {
                let (k, n) = *e;
                let x = match k.bd().appointment() {
                    Some((port, day)) if port == p => {
                        *appointed.entry((day, t)).or_default() += n;
                        return false;
                    }
                    Some(_) => return true,
                    None if walk => super::multinomial::binomial(&mut rng, n, q),
                    None => return true,
                };
                if x > 0 {
                    *walk_ups.entry(t).or_default() += x;
                    if let Some(keys) = keys.as_mut() {
                        keys.entry(t).or_default().push((k, x));
                    }
                }
                e.1 = n - x;
                x < n
            });
        }
        for (p, cohorts) in left {
            let loc = self.b.border().ports[p].location;
            let from = at[loc].len();
            at[loc].extend(cohorts);
            normalise(&mut at[loc], from, scratch);
        }
    }

    /// Reneging on day `t`: per port, the cohorts of walk-ups who leave (keys
    /// at the port, no stored route), counted in the day's `left_queue`.
    fn renege(&mut self, t: u32, seed: u64) -> Vec<(usize, Vec<(Key, u64)>)> {
        let r = self.b.renege_probability();
        let mut out = Vec::new();
        if r <= 0.0 {
            return out;
        }
        for p in 0..self.walk_keys.len() {
            let loc = self.b.border().ports[p].location as u32;
            let mut rng = stream(seed, t, PH_RENEGE, p as u64);
            let mut left: Vec<(Key, u64)> = Vec::new();
            let mut total = 0;
            for (&day, cohorts) in self.walk_keys[p].range_mut(..t) {
                let mut gone = 0;
                for c in cohorts.iter_mut() {
                    let x = super::multinomial::binomial(&mut rng, c.1, r);
                    if x > 0 {
                        c.1 -= x;
                        gone += x;
                        left.push((c.0.moved_to(loc).with_route(NO_ROUTE, 0), x));
                    }
                }
                cohorts.retain(|c| c.1 > 0);
                if gone > 0 {
                    let n = self.walk_ups[p].get_mut(&day).expect("keys follow counts");
                    *n -= gone;
                    if *n == 0 {
                        self.walk_ups[p].remove(&day);
                    }
                    total += gone;
                }
            }
            self.walk_keys[p].retain(|_, c| !c.is_empty());
            if total > 0 {
                self.b.count_left_queue(p, total);
                out.push((p, left));
            }
        }
        out
    }

    /// With reneging on: `x` of the walk-ups who joined port `p` on `day`
    /// are admitted, a uniform subset of that day's cohorts (all of them when
    /// `x` is the day's whole count: no draw).
    fn admit_keys(
        &mut self,
        p: usize,
        day: u32,
        x: u64,
        rng: &mut Option<Stream>,
        t: u32,
        seed: u64,
    ) {
        let Some(keys) = self.walk_keys.get_mut(p) else {
            return;
        };
        let Some(cohorts) = keys.get_mut(&day) else {
            return;
        };
        let total: u64 = cohorts.iter().map(|c| c.1).sum();
        if x >= total {
            keys.remove(&day);
            return;
        }
        let rng = rng.get_or_insert_with(|| stream(seed, t, PH_QUEUE_KEYS, p as u64));
        let mut sizes: Vec<u64> = cohorts.iter().map(|c| c.1).collect();
        take_uniform(rng, &mut sizes, x);
        for (c, &n) in cohorts.iter_mut().zip(&sizes) {
            c.1 = n;
        }
        cohorts.retain(|c| c.1 > 0);
    }

    /// B9: requests at eligible locations and the day's allocation.
    ///
    /// Requests are drawn per registration block, not per cohort: a cohort
    /// whose key a request does not change ("stable": registered already, or
    /// no registration days kept in this run) loses only its winners, so its
    /// requesters need not be drawn one cohort at a time. A block's stable
    /// requesters are one binomial of its people; after the FIFO and lottery
    /// parts have fixed each block's winners, those are a uniform subset of
    /// the block's requesters and so of its people (multivariate
    /// hypergeometric over the cohorts). Cohorts without a registration day
    /// ("fresh", when days are kept) draw their requesters one binomial each:
    /// those get a new key. The same law as a binomial per cohort
    /// (docs/model.md §14); a test below compares the two.
    // Once a day: out of line, so that profiles show the step on its own.
    #[inline(never)]
    pub(crate) fn appointments(
        &mut self,
        t: u32,
        seed: u64,
        at: &mut [Vec<(Key, u64)>],
        scratch: &mut Scratch,
    ) {
        let r = self.b.levers.request_probability;
        if r.is_nan() || r <= 0.0 {
            return;
        }
        let mut pool = std::mem::take(&mut self.req_blocks);
        self.allocate(t, seed, at, scratch, &mut pool);
        self.req_blocks = pool;
    }

    /// [`Self::appointments`] with `pool`, blocks to reuse.
    fn allocate(
        &mut self,
        t: u32,
        seed: u64,
        at: &mut [Vec<(Key, u64)>],
        scratch: &mut Scratch,
        pool: &mut Vec<ReqBlock>,
    ) {
        let r = self.b.levers.request_probability;
        let mut rng = stream(seed, t, PH_REQUEST, 0);
        // This week's block for fresh requesters (`None`: no days kept).
        let cur = self.reg_grid.map(|q| t - t % q);
        // Blocks in use: `pool[..used]`.
        let mut used = 0;
        let mut last = usize::MAX;
        // A cohort's block is a function of its registration field (the low
        // 16 bits of `Bd` for people without an appointment): the last field
        // seen and whether its cohorts are fresh.
        let (mut last_reg, mut fresh) = (u64::MAX, false);
        for (l, bucket) in at.iter().enumerate() {
            if bucket.is_empty() || !self.b.is_eligible(l) {
                continue;
            }
            for (i, &(k, n)) in bucket.iter().enumerate() {
                let bd = k.bd();
                if bd.is_holder() {
                    continue;
                }
                let reg = bd.0 & 0xFFFF;
                if reg != last_reg {
                    let day;
                    (day, fresh) = match (cur, bd.registered()) {
                        (Some(c), None) => (c, true),
                        (_, reg) => (reg.unwrap_or(t), false),
                    };
                    last_reg = reg;
                    last = match pool[..used].iter().position(|b| b.day == day) {
                        Some(j) => j,
                        None => {
                            if used == pool.len() {
                                pool.push(ReqBlock::default());
                            }
                            pool[used].reset(day);
                            used += 1;
                            used - 1
                        }
                    };
                }
                let b = &mut pool[last];
                if fresh {
                    let x = super::multinomial::binomial(&mut rng, n, r);
                    if x > 0 {
                        b.fresh.push(x);
                        b.fresh_at.push((l, i));
                    }
                } else {
                    b.sizes.push(n);
                    b.stable_at.push((l, i));
                }
            }
        }
        let blocks = &mut pool[..used];
        blocks.sort_unstable_by_key(|b| b.day);
        for b in blocks.iter_mut() {
            let people: u64 = b.sizes.iter().sum();
            b.stable_req = super::multinomial::binomial(&mut rng, people, r);
        }
        let total_req: u64 = blocks.iter().map(ReqBlock::requesters).sum();
        if total_req == 0 {
            return;
        }
        let slots = self.b.appointment_slots();
        let total_slots = crate::border::draws::slot_total(&slots);
        let k = total_slots.min(total_req);
        let l = &self.b.levers;
        let (allocation, lead) = (l.allocation, l.lead_days);
        let mut rng = stream(seed, t, PH_APPOINT, 0);
        draw_winners(&mut rng, blocks, k, allocation);
        // Ports: k slots taken uniformly from the day's slots, in random order,
        // one per winner (winners in block and cohort order: the slot order is
        // random).
        let slot_ports = crate::border::draws::slot_ports(&slots, k as usize, &mut rng);
        let mut next_slot = 0;
        // A cohort's winners' ports (they have a few winners each, among
        // many ports): sorted, and filed as one part per port, in port order.
        let mut ports: Vec<usize> = Vec::new();
        // New parts (location, key, people), appended after the cohorts that
        // stay (still distinct: only their counts fell).
        let fresh: usize = blocks.iter().map(|b| b.fresh.len()).sum();
        let mut parts: Vec<(usize, Key, u64)> = Vec::with_capacity(k as usize + fresh);
        // Buckets with new parts, each once (their order does not matter:
        // each is merged on its own, without draws).
        let mut touched: Vec<usize> = Vec::new();
        let mut is_touched = vec![false; at.len()];
        let mut holders = |loc: usize, key: Key, w: u64, parts: &mut Vec<(usize, Key, u64)>| {
            let taken = &slot_ports[next_slot..next_slot + w as usize];
            next_slot += w as usize;
            let mut file = |p: usize, x: u64| {
                let hk = key.with_bd(Bd::holder(p, t + lead)).with_route(NO_ROUTE, 0);
                parts.push((loc, hk, x));
            };
            if let [p] = taken {
                file(*p, 1);
                return;
            }
            ports.clear();
            ports.extend_from_slice(taken);
            ports.sort_unstable();
            for run in ports.chunk_by(|a, b| a == b) {
                file(run[0], run.len() as u64);
            }
        };
        for b in blocks.iter() {
            for (&(loc, i), &w) in b.stable_at.iter().zip(&b.won_stable) {
                if w > 0 {
                    let key = at[loc][i].0;
                    at[loc][i].1 -= w;
                    holders(loc, key, w, &mut parts);
                    if !is_touched[loc] {
                        is_touched[loc] = true;
                        touched.push(loc);
                    }
                }
            }
            for ((&(loc, i), &x), &w) in b.fresh_at.iter().zip(&b.fresh).zip(&b.won_fresh) {
                let k0 = at[loc][i].0;
                at[loc][i].1 -= x;
                let key = k0.with_bd(k0.bd().with_registered(b.day));
                if w > 0 {
                    holders(loc, key, w, &mut parts);
                }
                if x > w {
                    parts.push((loc, key, x - w));
                }
                if !is_touched[loc] {
                    is_touched[loc] = true;
                    touched.push(loc);
                }
            }
        }
        let mut from = vec![0usize; at.len()];
        for &loc in &touched {
            from[loc] = at[loc].len();
        }
        for (loc, key, x) in parts {
            at[loc].push((key, x));
        }
        // The cohorts that stay were distinct and kept their keys. A new
        // holder's key has today's appointment day, a new registrant's this
        // block's day: only cohorts with those can share a key with a part.
        // Holders with today's appointment day exist only if the lead time
        // was shortened (else every earlier appointment day is before it);
        // the cohorts registered in this block are the stable cohorts of
        // this block, whose positions are known (by location, then index).
        let day = t + lead;
        let clash = self.last_appointment.is_some_and(|d| d >= day);
        self.last_appointment = Some(self.last_appointment.map_or(day, |d| d.max(day)));
        if clash {
            // Both are in the low 16 bits of `Bd` (with the holder bit), so
            // one mask and two comparisons tell.
            let mask = Bd::holder(0, 0xFFFF).0;
            let new_holder = Bd::holder(0, day).0;
            let new_registrant = cur.map_or(u64::MAX, |c| Bd(0).with_registered(c).0);
            let may_match = |k: &Key| {
                let m = k.bd().0 & mask;
                m == new_holder || m == new_registrant
            };
            for &loc in &touched {
                normalise_tail_where(&mut at[loc], from[loc], may_match, scratch);
            }
            return;
        }
        let same_block: &[(usize, usize)] = match blocks.iter().find(|b| Some(b.day) == cur) {
            Some(b) => &b.stable_at,
            None => &[],
        };
        for &loc in &touched {
            let lo = same_block.partition_point(|&(l, _)| l < loc);
            let hi = same_block.partition_point(|&(l, _)| l <= loc);
            let candidates = same_block[lo..hi].iter().map(|&(_, i)| i);
            normalise_tail_among(&mut at[loc], from[loc], candidates, scratch);
        }
    }

    /// B10: every port admits from its queue (docs/model.md §8).
    // Once a day: out of line, so that profiles show the step on its own.
    #[inline(never)]
    pub(crate) fn admit(&mut self, t: u32, seed: u64) {
        for p in 0..self.appointed.len() {
            let (capacity, open, walk) = self.b.port_today(p);
            if !open || capacity == 0 {
                continue;
            }
            let mut left = capacity;
            let mut waits: Vec<(u32, u64, bool)> = Vec::new();
            let mut keys_rng: Option<Stream> = None;
            while left > 0 {
                let Some(mut e) = self.appointed[p].first_entry() else {
                    break;
                };
                let (day, joined) = *e.key();
                if day > t {
                    break;
                }
                let x = (*e.get()).min(left);
                *e.get_mut() -= x;
                if *e.get() == 0 {
                    e.remove();
                }
                waits.push((t.saturating_sub(joined), x, true));
                left -= x;
            }
            if walk && left > 0 && !self.walk_ups[p].is_empty() {
                match self.discipline[p] {
                    QueueDiscipline::Fifo => {
                        while left > 0 {
                            let Some(mut e) = self.walk_ups[p].first_entry() else {
                                break;
                            };
                            let joined = *e.key();
                            let x = (*e.get()).min(left);
                            *e.get_mut() -= x;
                            if *e.get() == 0 {
                                e.remove();
                            }
                            waits.push((t.saturating_sub(joined), x, false));
                            left -= x;
                            self.admit_keys(p, joined, x, &mut keys_rng, t, seed);
                        }
                    }
                    QueueDiscipline::Random => {
                        let mut rng = stream(seed, t, PH_PORT_ORDER, p as u64);
                        let days: Vec<u32> = self.walk_ups[p].keys().copied().collect();
                        let mut sizes: Vec<u64> = self.walk_ups[p].values().copied().collect();
                        let taken = take_uniform(&mut rng, &mut sizes, left);
                        for (i, &d) in days.iter().enumerate() {
                            if taken[i] > 0 {
                                waits.push((t.saturating_sub(d), taken[i], false));
                                self.admit_keys(p, d, taken[i], &mut keys_rng, t, seed);
                            }
                            if sizes[i] == 0 {
                                self.walk_ups[p].remove(&d);
                            } else {
                                self.walk_ups[p].insert(d, sizes[i]);
                            }
                        }
                    }
                }
            }
            self.b.count_admissions(p, &waits);
        }
    }

    /// B11: crossings between ports by people free at a border city, binomial
    /// per cohort with the hazard of its days waited.
    // Once a day: out of line, so that profiles show the step on its own.
    #[inline(never)]
    pub(crate) fn crossings(
        &mut self,
        t: u32,
        seed: u64,
        at: &mut [Vec<(Key, u64)>],
        scratch: &mut Scratch,
    ) {
        // The crossing's hazard by days waited (−1: not computed yet): the
        // cohorts at a border city have a few stay lengths among them, and
        // `crossing_probability` is a call with the threshold rule inside.
        let mut hazard: Vec<f64> = Vec::new();
        for c in 0..self.b.border().crossings.len() {
            let city = self.b.border().crossings[c].border_city;
            if at[city].is_empty() {
                continue;
            }
            let mut rng = stream(seed, t, PH_CROSS, c as u64);
            let mut crossed = 0;
            hazard.clear();
            hazard.resize(t as usize + 1, -1.0);
            for e in at[city].iter_mut() {
                let (k, n) = *e;
                let bd = k.bd();
                if bd.is_holder() {
                    continue;
                }
                let first = match bd.stay() {
                    Some((cx, first, last)) if cx == c && last + 1 >= t => first,
                    _ => t,
                };
                // first ≤ t: a stay's days are days already run.
                let waited = t - first;
                let mut h = hazard[waited as usize];
                if h == -1.0 {
                    h = self.b.crossing_probability(c, waited);
                    hazard[waited as usize] = h;
                }
                let x = super::multinomial::binomial(&mut rng, n, h);
                crossed += x;
                *e = (k.with_bd(bd.with_stay(c, first, t)), n - x);
            }
            if crossed > 0 {
                self.b.count_crossings(c, crossed);
            }
            // Keys were distinct; a holder's is unchanged, a continuing
            // stay's only moved its last day from t − 1 to t (the city is
            // visited once a day per crossing), so only stays that start
            // today (first day t) can now share a key.
            normalise_where(
                &mut at[city],
                |k| {
                    k.bd()
                        .stay()
                        .is_some_and(|(cx, first, _)| cx == c && first == t)
                },
                scratch,
            );
        }
    }
}

/// One registration block's requests on a day (see `CountBorder::appointments`):
/// the stable cohorts (a request leaves their key as it is) and the fresh
/// cohorts' requesters (who take the block's day), with the winners drawn.
#[derive(Debug, Default, Clone)]
struct ReqBlock {
    /// Registration day of the block (today when no days are kept).
    day: u32,
    /// Stable cohorts: (location, index in its bucket) and people.
    stable_at: Vec<(usize, usize)>,
    sizes: Vec<u64>,
    /// Requesters among the stable people (one binomial of all of them).
    stable_req: u64,
    /// Fresh cohorts: (location, index in its bucket) and their requesters.
    fresh_at: Vec<(usize, usize)>,
    fresh: Vec<u64>,
    /// Winners per stable cohort and per fresh cohort ([`draw_winners`]).
    won_stable: Vec<u64>,
    won_fresh: Vec<u64>,
}

impl ReqBlock {
    #[cfg(test)]
    fn new(day: u32) -> ReqBlock {
        ReqBlock {
            day,
            ..ReqBlock::default()
        }
    }

    /// An empty block of day `day`, keeping the vectors' allocations.
    fn reset(&mut self, day: u32) {
        self.day = day;
        self.stable_at.clear();
        self.sizes.clear();
        self.stable_req = 0;
        self.fresh_at.clear();
        self.fresh.clear();
        self.won_stable.clear();
        self.won_fresh.clear();
    }

    fn requesters(&self) -> u64 {
        self.stable_req + self.fresh.iter().sum::<u64>()
    }
}

/// The day's `k` winners among the requesters of `blocks` (sorted by day):
/// the FIFO part takes whole blocks, earliest first, and a uniform part of
/// the boundary block; the lottery part a uniform subset of the requesters
/// left. Since both are uniform within a block, a block's winners are a
/// uniform subset of its requesters: split between the fresh cohorts'
/// requesters and the stable requesters, and the stable share spread over the
/// stable cohorts' people (uniform requesters of a uniform subset: a uniform
/// subset of the people). Fills `won_stable` and `won_fresh`.
fn draw_winners(rng: &mut Stream, blocks: &mut [ReqBlock], k: u64, allocation: Allocation) {
    let n_fifo = match allocation {
        Allocation::Fifo => k,
        Allocation::Lottery => 0,
        Allocation::Mixed { fifo_share } => {
            ((k as f64 * fifo_share.clamp(0.0, 1.0)).round() as u64).min(k)
        }
    };
    let mut left: Vec<u64> = blocks.iter().map(ReqBlock::requesters).collect();
    let mut won = vec![0u64; blocks.len()];
    let mut need = n_fifo;
    for (w, l) in won.iter_mut().zip(left.iter_mut()) {
        let x = (*l).min(need);
        *w += x;
        *l -= x;
        need -= x;
    }
    let n_lottery = k - n_fifo;
    if n_lottery > 0 {
        let taken = take_uniform(rng, &mut left, n_lottery);
        for (w, x) in won.iter_mut().zip(taken) {
            *w += x;
        }
    }
    for (b, &w) in blocks.iter_mut().zip(&won) {
        // Cleared and resized: the blocks' vectors are kept across days.
        b.won_stable.clear();
        b.won_stable.resize(b.sizes.len(), 0);
        b.won_fresh.clear();
        b.won_fresh.resize(b.fresh.len(), 0);
        if w == 0 {
            continue;
        }
        let w_stable = if b.fresh.is_empty() {
            w
        } else {
            let mut groups = Vec::with_capacity(b.fresh.len() + 1);
            groups.push(b.stable_req);
            groups.extend_from_slice(&b.fresh);
            let taken = take_uniform(rng, &mut groups, w);
            b.won_fresh.copy_from_slice(&taken[1..]);
            taken[0]
        };
        if w_stable > 0 {
            b.won_stable = take_sorted(rng, &b.sizes, w_stable);
        }
    }
}

/// Takes `k` people uniformly without replacement from groups of sizes
/// `sizes` (a multivariate hypergeometric draw, by single picks): returns how
/// many were taken from each group and lowers `sizes` accordingly. Takes
/// everyone when `k` is at least the total. When `k` is more than half the
/// total it picks the people left instead (the same law). Picks use a Fenwick
/// tree: O(min(k, total − k) · log groups).
pub(crate) fn take_uniform(rng: &mut Stream, sizes: &mut [u64], k: u64) -> Vec<u64> {
    let total: u64 = sizes.iter().sum();
    if k >= total {
        let taken = sizes.to_vec();
        sizes.iter_mut().for_each(|s| *s = 0);
        return taken;
    }
    let complement = k > total / 2;
    let picks = if complement { total - k } else { k };
    let picked = pick_units(rng, sizes, total, picks);
    let taken: Vec<u64> = if complement {
        sizes.iter().zip(&picked).map(|(&s, &p)| s - p).collect()
    } else {
        picked
    };
    for (s, &t) in sizes.iter_mut().zip(&taken) {
        *s -= t;
    }
    taken
}

/// [`take_uniform`]'s law (`k` people uniformly without replacement from
/// groups of `sizes`; how many from each), without a tree, for few picks among
/// many groups: `m` = min(k, total − k) distinct positions among the people
/// (uniform draws, sorted, repeats dropped and drawn again: every step is
/// symmetric in the positions, so the set is a uniform m-subset), filed into
/// groups by one walk over their sizes. O(groups + m log m), against the
/// tree's O(groups) build plus O(m log groups) picks and updates.
fn take_sorted(rng: &mut Stream, sizes: &[u64], k: u64) -> Vec<u64> {
    let total: u64 = sizes.iter().sum();
    if k >= total {
        return sizes.to_vec();
    }
    let complement = k > total / 2;
    let m = (if complement { total - k } else { k }) as usize;
    let pos = if total <= 256 * m as u64 {
        distinct_by_bitmap(rng, total, m)
    } else {
        let mut pos: Vec<u64> = Vec::with_capacity(m);
        while pos.len() < m {
            for _ in pos.len()..m {
                pos.push(rng.below(total));
            }
            pos.sort_unstable();
            pos.dedup();
        }
        pos
    };
    let mut picked = vec![0u64; sizes.len()];
    let (mut g, mut end) = (0usize, sizes.first().copied().unwrap_or(0));
    for &p in &pos {
        while p >= end {
            g += 1;
            end += sizes[g];
        }
        picked[g] += 1;
    }
    if complement {
        for (x, &s) in picked.iter_mut().zip(sizes) {
            *x = s - *x;
        }
    }
    picked
}

/// [`take_sorted`]'s positions (`m` ≤ `total` distinct uniform draws below
/// `total`, ascending) from the same draws without sorting: rounds of
/// `m − distinct so far` draws, as the sort-and-dedup loop takes them (a
/// draw is new if its bit is not set, whichever round or draw set it), then
/// the set bits in order. For `total` up to a few hundred times `m`, where
/// the bitmap is cheaper than sorting the draws again after each round.
fn distinct_by_bitmap(rng: &mut Stream, total: u64, m: usize) -> Vec<u64> {
    let mut bits = vec![0u64; total.div_ceil(64) as usize];
    let mut have = 0;
    while have < m {
        let round = m - have;
        for _ in 0..round {
            let p = rng.below(total);
            let (w, b) = ((p / 64) as usize, 1u64 << (p % 64));
            if bits[w] & b == 0 {
                bits[w] |= b;
                have += 1;
            }
        }
    }
    let mut pos = Vec::with_capacity(m);
    for (w, &word) in bits.iter().enumerate() {
        let mut x = word;
        while x != 0 {
            pos.push(w as u64 * 64 + x.trailing_zeros() as u64);
            x &= x - 1;
        }
    }
    pos
}

/// The Fenwick tree (1-based) of `sizes`, built in linear time: each node
/// passes its finished sum to its parent. The same tree as adding the sizes
/// one by one, in O(g) instead of O(g log g) (the lottery picks among
/// thousands of requester groups a day).
fn fenwick(sizes: &[u64]) -> Vec<u64> {
    let g = sizes.len();
    let mut tree = vec![0u64; g + 1];
    tree[1..].copy_from_slice(sizes);
    for j in 1..=g {
        let parent = j + (j & j.wrapping_neg());
        if parent <= g {
            tree[parent] += tree[j];
        }
    }
    tree
}

/// `k` uniform picks without replacement (k < total): how many from each group.
fn pick_units(rng: &mut Stream, sizes: &[u64], total: u64, k: u64) -> Vec<u64> {
    let g = sizes.len();
    let mut tree = fenwick(sizes);
    let top = if g == 0 {
        0
    } else {
        1usize << (usize::BITS - 1 - g.leading_zeros())
    };
    let mut picked = vec![0u64; g];
    let mut remaining = total;
    for _ in 0..k {
        let mut u = rng.below(remaining);
        // Smallest index whose prefix sum exceeds u.
        let mut pos = 0usize;
        let mut step = top;
        while step > 0 {
            let nx = pos + step;
            if nx <= g && tree[nx] <= u {
                u -= tree[nx];
                pos = nx;
            }
            step >>= 1;
        }
        picked[pos] += 1;
        let mut j = pos + 1;
        while j <= g {
            tree[j] -= 1;
            j += j & j.wrapping_neg();
        }
        remaining -= 1;
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requests drawn per registration block (one binomial of a block's
    /// stable people, one per fresh cohort) and winners by `draw_winners`
    /// have the law of the rule they replace, simulated person by person: each
    /// requests with probability r; FIFO takes the earliest blocks and a
    /// uniform part of the boundary block; the lottery a uniform subset of the
    /// rest. Compared: per cohort, the mean and second moment of its winners
    /// (and of a fresh cohort's requesters), and the mean product of two
    /// cohorts' winners, as z-scores with fixed seeds.
    #[test]
    fn block_draws_have_the_per_cohort_law() {
        use crate::counts::multinomial::binomial;
        // (block day, people, fresh?): blocks 0 and 7, fresh cohorts in block 7.
        let cohorts: [(u32, u64, bool); 7] = [
            (0, 3, false),
            (0, 1, false),
            (0, 6, false),
            (7, 2, false),
            (7, 5, false),
            (7, 4, true),
            (7, 2, true),
        ];
        let r = 0.6;
        let reps = 20_000u64;
        for (allocation, slots) in [
            (Allocation::Mixed { fifo_share: 0.5 }, 6u64),
            (Allocation::Fifo, 9),
            (Allocation::Lottery, 5),
            (Allocation::Mixed { fifo_share: 0.3 }, 40),
        ] {
            // Per statistic: sums of x and x² over the reps, for both methods.
            let n_stat = 2 * cohorts.len() + 1;
            let mut sums = [[[0f64; 2]; 2]; 15];
            assert_eq!(n_stat, 15);
            for rep in 0..reps {
                let mut rng = Stream::from_u64(rep * 2 + 1);
                // The engine's way.
                let mut blocks = vec![ReqBlock::new(0), ReqBlock::new(7)];
                let mut fresh_req = [0u64; 7];
                for (c, &(day, n, fresh)) in cohorts.iter().enumerate() {
                    let b = &mut blocks[(day / 7) as usize];
                    if fresh {
                        let x = binomial(&mut rng, n, r);
                        fresh_req[c] = x;
                        if x > 0 {
                            b.fresh.push(x);
                            b.fresh_at.push((c, 0));
                        }
                    } else {
                        b.sizes.push(n);
                        b.stable_at.push((c, 0));
                    }
                }
                for b in &mut blocks {
                    b.stable_req = binomial(&mut rng, b.sizes.iter().sum(), r);
                }
                let total: u64 = blocks.iter().map(ReqBlock::requesters).sum();
                draw_winners(&mut rng, &mut blocks, slots.min(total), allocation);
                let mut won_new = [0u64; 7];
                for b in &blocks {
                    for (&(c, _), &w) in b.stable_at.iter().zip(&b.won_stable) {
                        won_new[c] = w;
                    }
                    for (&(c, _), &w) in b.fresh_at.iter().zip(&b.won_fresh) {
                        won_new[c] = w;
                    }
                }
                // Person by person.
                let mut rng = Stream::from_u64(rep * 2 + 2);
                let mut req: Vec<(u32, usize)> = Vec::new();
                let mut fresh_old = [0u64; 7];
                for (c, &(day, n, fresh)) in cohorts.iter().enumerate() {
                    for _ in 0..n {
                        if rng.next_f64() < r {
                            req.push((day, c));
                            fresh_old[c] += fresh as u64;
                        }
                    }
                }
                for i in (1..req.len()).rev() {
                    let j = rng.below(i as u64 + 1) as usize;
                    req.swap(i, j);
                }
                // A uniform order, then stable by day: FIFO ties are uniform.
                req.sort_by_key(|q| q.0);
                let k = slots.min(req.len() as u64) as usize;
                let n_fifo = match allocation {
                    Allocation::Fifo => k,
                    Allocation::Lottery => 0,
                    Allocation::Mixed { fifo_share } => {
                        ((k as f64 * fifo_share).round() as usize).min(k)
                    }
                };
                let mut won_old = [0u64; 7];
                for q in &req[..n_fifo] {
                    won_old[q.1] += 1;
                }
                let mut rest: Vec<usize> = req[n_fifo..].iter().map(|q| q.1).collect();
                for i in 0..k - n_fifo {
                    let j = i + rng.below((rest.len() - i) as u64) as usize;
                    rest.swap(i, j);
                    won_old[rest[i]] += 1;
                }
                for (m, (won, fr)) in [(won_new, fresh_req), (won_old, fresh_old)]
                    .into_iter()
                    .enumerate()
                {
                    let mut stats = [0f64; 15];
                    for c in 0..7 {
                        stats[c] = won[c] as f64;
                        stats[7 + c] = if cohorts[c].2 {
                            fr[c] as f64 - won[c] as f64
                        } else {
                            (won[c] * won[c]) as f64
                        };
                    }
                    stats[14] = (won[0] * won[2]) as f64;
                    for (s, x) in sums.iter_mut().zip(stats) {
                        s[m][0] += x;
                        s[m][1] += x * x;
                    }
                }
            }
            let n = reps as f64;
            for (i, s) in sums.iter().enumerate() {
                let (m0, m1) = (s[0][0] / n, s[1][0] / n);
                let v0 = s[0][1] / n - m0 * m0;
                let v1 = s[1][1] / n - m1 * m1;
                let se = ((v0 + v1) / n).sqrt();
                let z = if se > 0.0 { (m0 - m1) / se } else { 0.0 };
                assert!(
                    z.abs() < 4.5 && (se > 0.0 || m0 == m1),
                    "{allocation:?}, {slots} slots, statistic {i}: {m0} against {m1} (z {z})"
                );
            }
        }
    }

    /// `normalise_tail_where` and `normalise_tail_among` (given the marked
    /// entries' positions) give `retain` + `normalise(v, from)`'s result
    /// when new entries can equal only marked earlier ones: distinct earlier
    /// keys (some marked, some emptied), new entries drawn among the marked
    /// ones and fresh keys (repeats among them), zeros anywhere, bucket
    /// lengths on both sides of `normalise`'s direct merge.
    #[test]
    fn normalise_tail_where_matches_retain_and_normalise() {
        use crate::counts::cohorts::{normalise_tail_among, normalise_tail_where};
        let mut scratch = Scratch::default();
        let mut x = 4242u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for len in [0usize, 1, 4, 9, 60, 500] {
            for tail in [0usize, 1, 3, 40] {
                for _ in 0..4 {
                    // Marked keys carry recent travel 1.
                    let mut v: Vec<(Key, u64)> = (0..len)
                        .map(|i| {
                            let mark = if next() % 3 == 0 { 1.0 } else { 0.0 };
                            (Key::at(2, 0, i as u16, mark), next() % 4)
                        })
                        .collect();
                    let marked: Vec<Key> = v
                        .iter()
                        .map(|c| c.0)
                        .filter(|k| k.recent() == 1.0)
                        .collect();
                    for _ in 0..tail {
                        let k = if !marked.is_empty() && next() % 2 == 0 {
                            marked[(next() % marked.len() as u64) as usize]
                        } else {
                            let mark = (next() % 2) as f32;
                            Key::at(2, 0, 1000 + (next() % 5) as u16, mark)
                        };
                        v.push((k, next() % 3));
                    }
                    let mut want = v[..len].to_vec();
                    want.retain(|c| c.1 > 0);
                    let from = want.len();
                    want.extend_from_slice(&v[len..]);
                    normalise(&mut want, from, &mut scratch);
                    let mut among = v.clone();
                    let mut got = v;
                    normalise_tail_where(&mut got, len, |k| k.recent() == 1.0, &mut scratch);
                    assert_eq!(got, want, "len {len}, tail {tail}");
                    let marked_at = (0..len).filter(|&i| among[i].0.recent() == 1.0);
                    let marked_at: Vec<usize> = marked_at.collect();
                    normalise_tail_among(&mut among, len, marked_at, &mut scratch);
                    assert_eq!(among, want, "len {len}, tail {tail}: by position");
                }
            }
        }
    }

    /// `take_sorted` has `take_uniform`'s law: exact totals, never more than
    /// a group holds, and per group the same mean and second moment (z-scores
    /// against `take_uniform`, fixed seeds), both branches (k below and above
    /// half the total) and empty groups included.
    #[test]
    fn take_sorted_is_take_uniform_in_law() {
        let sizes0 = [5u64, 0, 30, 1, 64, 0];
        let total: u64 = sizes0.iter().sum();
        for k in [0u64, 1, 7, 50, 51, 99, 100, 120] {
            let reps = 4000u64;
            let mut sums = [[[0f64; 2]; 2]; 12];
            for rep in 0..reps {
                let mut rng = Stream::from_u64(rep + 17);
                let a = take_sorted(&mut rng, &sizes0, k);
                let mut rng = Stream::from_u64(rep + 1_000_017);
                let b = take_uniform(&mut rng, &mut sizes0.clone(), k);
                for (m, t) in [a, b].iter().enumerate() {
                    assert_eq!(t.iter().sum::<u64>(), k.min(total));
                    for i in 0..6 {
                        assert!(t[i] <= sizes0[i]);
                        let x = t[i] as f64;
                        sums[i][m][0] += x;
                        sums[i][m][1] += x * x;
                        sums[6 + i][m][0] += x * x;
                        sums[6 + i][m][1] += x * x * x * x;
                    }
                }
            }
            let n = reps as f64;
            for (i, s) in sums.iter().enumerate() {
                let (m0, m1) = (s[0][0] / n, s[1][0] / n);
                let se = ((s[0][1] / n - m0 * m0 + s[1][1] / n - m1 * m1) / n).sqrt();
                assert!(
                    (m0 - m1).abs() <= 4.5 * se + 1e-9,
                    "k {k}, statistic {i}: {m0} against {m1}"
                );
            }
        }
    }

    /// The bitmap gives the sort-and-dedup loop's positions from the same
    /// stream (the same draws, the same set, ascending), including `m` close
    /// to `total` (many rounds of repeats).
    #[test]
    fn bitmap_positions_are_the_sorted_positions() {
        for (total, m) in [
            (1u64, 1usize),
            (10, 5),
            (64, 64),
            (65, 30),
            (1000, 7),
            (5000, 2500),
        ] {
            for seed in 0..20 {
                let mut rng = Stream::from_u64(seed);
                let got = distinct_by_bitmap(&mut rng, total, m);
                let after = rng.next_u64();
                let mut rng = Stream::from_u64(seed);
                let mut want: Vec<u64> = Vec::new();
                while want.len() < m {
                    for _ in want.len()..m {
                        want.push(rng.below(total));
                    }
                    want.sort_unstable();
                    want.dedup();
                }
                assert_eq!(got, want, "total {total}, m {m}");
                assert_eq!(after, rng.next_u64(), "the same draws");
            }
        }
    }

    /// The linear Fenwick build gives the one-by-one build's tree.
    #[test]
    fn linear_fenwick_build_is_the_one_by_one_build() {
        for g in 0..70usize {
            let sizes: Vec<u64> = (0..g as u64).map(|i| (i * 7919) % 13).collect();
            let mut want = vec![0u64; g + 1];
            for (i, &s) in sizes.iter().enumerate() {
                let mut j = i + 1;
                while j <= g {
                    want[j] += s;
                    j += j & j.wrapping_neg();
                }
            }
            assert_eq!(fenwick(&sizes), want, "g {g}");
        }
    }

    /// Exact totals, never more than a group holds, and the mean share of each
    /// group is its size share (both the direct and the complement branch).
    #[test]
    fn take_uniform_is_a_uniform_subset() {
        let sizes0 = [5u64, 0, 30, 65];
        for k in [0u64, 1, 40, 90, 100, 120] {
            let mut sum = [0f64; 4];
            let reps = 2000;
            for r in 0..reps {
                let mut rng = Stream::from_u64(r);
                let mut sizes = sizes0;
                let t = take_uniform(&mut rng, &mut sizes, k);
                assert_eq!(t.iter().sum::<u64>(), k.min(100));
                for i in 0..4 {
                    assert_eq!(t[i] + sizes[i], sizes0[i]);
                    sum[i] += t[i] as f64;
                }
            }
            for i in 0..4 {
                let want = sizes0[i] as f64 * k.min(100) as f64 / 100.0;
                let got = sum[i] / reps as f64;
                // Hypergeometric sd of one draw is < sqrt(k/4); of the mean /sqrt(reps).
                assert!(
                    (got - want).abs() < 5.0 * (k as f64 / 4.0 / reps as f64).sqrt() + 1e-9,
                    "k {k} group {i}: {got} vs {want}"
                );
            }
        }
    }
}
