//! [`BorderState`]: the per-run state of every border process, driven by the engine.
//!
//! The engine owns agents and their states (at a location, on a link, queued, in
//! transit, exited); this struct owns everything else: the levers and the event
//! cursor, the port queues, the in-transit list, the fractional carries of inflows,
//! port capacities and appointments, caravans, the threshold rule, and the day's
//! counters that end up in the [`DayRecord`]. The engine calls one method per step
//! of the day, in the order given in `docs/model.md` ("Order of a day"):
//!
//! | step | call |
//! |---|---|
//! | B1 events | [`BorderState::begin_day`] → enact the returned [`LinkChange`]s |
//! | B2 release | [`BorderState::release`] → place (agent, location) |
//! | B3 inflows | [`BorderState::inflows`] → create n agents at location |
//! | B4 caravans start | [`BorderState::caravans_starting`], [`BorderState::start_caravan`] |
//! | B5 attractiveness | [`BorderState::attractiveness_factor`] |
//! | decide | holders ([`BorderState::appointment`]) move by [`BorderState::next_hop`] |
//! | B6 checkpoints | [`BorderState::traverse`] when an agent completes a link |
//! | B7 caravans walk | [`BorderState::advance_caravans`] |
//! | B8 queues | [`BorderState::renege`], [`BorderState::join_probabilities`], [`BorderState::port_at`], [`BorderState::joins_queue`], [`BorderState::join_queue`] |
//! | B9 appointments | [`BorderState::is_eligible`], [`BorderState::requests`], [`BorderState::allocate`] |
//! | B10 admissions | [`BorderState::admit`] |
//! | B11 crossings | [`BorderState::crossing_at`], [`BorderState::crosses`] |
//! | B12 record | [`BorderState::finish_day`] |
//!
//! Per-agent border facts (who holds an appointment, for which port and day;
//! registration days; how long someone has waited in a border city; who was
//! ever intercepted) can live here, keyed by agent id, for a simple driver (the
//! toy engine of the tests below): [`BorderState::joins_queue`],
//! [`BorderState::join_queue`], [`BorderState::allocate`],
//! [`BorderState::crosses`], [`BorderState::intercept`]. The agent engine keeps
//! them in its agent columns instead (read by slot, no hash probe per watched
//! agent per day) and calls the variants that take them as arguments:
//! [`BorderState::join_queue_as`], [`BorderState::allocate_registered`],
//! [`BorderState::crosses_after`], [`BorderState::intercept_as`]; the maps then
//! stay empty. Both paths draw the same numbers and count the same way.
//!
//! Conservation: people in queues are [`BorderState::in_queues`], in transit
//! [`BorderState::in_transit`]; admitted and encountered people are counted
//! cumulatively here and must be marked exited by the engine. Everything here is
//! deterministic given the seed; no method depends on the order of agents passed in.

pub(crate) mod rebase;

use crate::border::appointments::{self, Appointment};
use crate::border::caravan::{self, CaravanDay, CaravanRun};
use crate::border::draws;
use crate::border::levers::{Levers, LinkChange};
use crate::border::queue::{Admission, PortQueue};
use crate::border::quota::{self, DailyQuota};
use crate::border::routing;
use crate::border::shelter;
use crate::border::threshold::ThresholdState;
use crate::border::transit::Transit;
use crate::border::{Border, Caravan, CaravanSource};
use crate::date::Date;
use crate::engine::streams::first_f64;
use crate::error::ModelError;
use crate::record::{wait_bucket, DayRecord, PortDay, WAIT_BUCKETS};
use crate::rng::{DayKey, Purpose};
use crate::scenario::Scenario;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hasher for agent ids. The hash keeps the id's low bits (the bucket index), so
/// agents visited in id order (as the engine does) touch the table nearly in
/// order instead of at random, and takes the 7 top bits (the table's tag) from a
/// multiplicative mix of the id. Much cheaper than SipHash on the per-agent
/// lookups of every person in a border city every day. The maps are only looked
/// up, never iterated, so the hasher cannot change results.
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, x: u32) {
        const TAG: u64 = 0x7F << 57;
        self.0 = x as u64 | ((x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) & TAG);
    }
}

/// A map keyed by agent id.
type IdMap<V> = HashMap<u32, V, BuildHasherDefault<IdHasher>>;

/// Counters of one port on the current day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct PortCount {
    admitted: u64,
    by_appointment: u64,
    walk_up: u64,
    waited_days: u64,
    /// Days waited by the admitted, per bucket of `record::WAIT_BUCKET_EDGES`.
    waits: [u64; WAIT_BUCKETS],
    /// Walk-ups who left the queue (reneging).
    left_queue: u64,
}

/// Counters of the current day.
#[derive(Debug, Clone, Default, PartialEq)]
struct DayCounters {
    port: Vec<PortCount>,
    checkpoint: Vec<u64>,
    /// Per location.
    intercepted_at: Vec<u64>,
    /// Per location: of `intercepted_at`, people intercepted for the first time.
    intercepted_first_at: Vec<u64>,
    admitted_at: Vec<u64>,
    encountered_at: Vec<u64>,
    encounters: u64,
}

/// Cumulative totals of the run (agents).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BorderTotals {
    pub inflow: u64,
    pub admitted: u64,
    pub encountered: u64,
    pub intercepted: u64,
    /// People created for caravans with `source = "new"`.
    pub caravan_new: u64,
}

/// Per-run state of the border processes; see the module doc.
#[derive(Debug, Clone)]
pub struct BorderState {
    seed: u64,
    /// The day of the last [`begin_day`](Self::begin_day) and its key
    /// (seed, `Purpose::Border`, day), mixed once for the day's per-agent
    /// draws (see [`draw`](Self::draw)).
    key: (u32, DayKey),
    border: Border,
    n_locations: usize,
    pub levers: Levers,
    cursor: usize,
    queues: Vec<PortQueue>,
    transit: Transit,
    inflow_quota: Vec<DailyQuota>,
    capacity_quota: Vec<DailyQuota>,
    appointment_quota: Vec<DailyQuota>,
    caravans: Vec<CaravanRun>,
    threshold: ThresholdState,
    port_by_location: Vec<Option<usize>>,
    crossing_by_location: Vec<Option<usize>>,
    /// Per location: checkpoints a traversal starting there may pass.
    checkpoints_from: Vec<Vec<usize>>,
    /// Per port: next hop from every location towards it.
    routes: Vec<Vec<Option<usize>>>,
    day: DayCounters,
    totals: BorderTotals,
    warnings: Vec<String>,
    /// The scenario's start date: warnings give dates, not day numbers.
    start_date: Date,
    /// Appointment holders (until admitted), for drivers that keep them here
    /// (see the module doc; empty on the agent engine).
    holders: IdMap<Appointment>,
    /// Registration day (first request) of everyone who ever requested.
    registered: IdMap<u32>,
    /// Per agent seen at a crossing step: (city, first day of the current stay,
    /// last day seen).
    city_watch: IdMap<(usize, u32, u32)>,
    /// Everyone intercepted at least once (still in the simulation).
    ever_intercepted: IdMap<()>,
    /// The agent engine's people waiting for papers (`border::papers`).
    pub papers: crate::border::papers::Waiting,
}

impl BorderState {
    /// Changes the seed of the days ahead, the queues' random orders included
    /// (only the agent engine draws those). For resampled runs
    /// (`CountRun::reseed`, `AgentRun::reseed`).
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.seed = seed;
        self.key = (
            self.key.0,
            DayKey::new(seed, Purpose::Border, self.key.0 as u64),
        );
        for q in &mut self.queues {
            q.reseed(seed);
        }
    }

    /// State before day 0. The scenario's variant, if any, must already be applied
    /// (`Border::apply_variant`).
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Self, ModelError> {
        let b = &scenario.border;
        let n = scenario.locations.len();
        let mut port_by_location = vec![None; n];
        for (i, p) in b.ports.iter().enumerate() {
            if p.location >= n || p.border_city >= n {
                return Err(ModelError::InvalidScenario(format!(
                    "port '{}' refers to a location that does not exist",
                    p.name
                )));
            }
            port_by_location[p.location] = Some(i);
        }
        let mut crossing_by_location = vec![None; n];
        for (i, c) in b.crossings.iter().enumerate() {
            if c.border_city >= n {
                return Err(ModelError::InvalidScenario(format!(
                    "crossing point '{}' refers to a location that does not exist",
                    c.name
                )));
            }
            crossing_by_location[c.border_city] = Some(i);
        }
        let mut checkpoints_from = vec![Vec::new(); n];
        for (i, c) in b.checkpoints.iter().enumerate() {
            if c.from >= n || c.to >= n || c.relocate_to >= n {
                return Err(ModelError::InvalidScenario(format!(
                    "checkpoint '{}' refers to a location that does not exist",
                    c.name
                )));
            }
            checkpoints_from[c.from].push(i);
            if c.both_directions {
                checkpoints_from[c.to].push(i);
            }
        }
        let mut events = b.events.clone();
        events.sort_by_key(|e| e.day);
        let mut border = b.clone();
        border.events = events;
        crate::border::levers::schedule_caravans(&mut border.caravans, &border.events);
        let caravans = border
            .caravans
            .iter()
            .map(|c| CaravanRun::new(c, scenario))
            .collect::<Result<Vec<_>, _>>()?;
        let routes = b
            .ports
            .iter()
            .map(|p| routing::toward(scenario, p.location, &|_| true))
            .collect();
        Ok(BorderState {
            seed,
            key: (0, DayKey::new(seed, Purpose::Border, 0)),
            n_locations: n,
            levers: Levers::new(scenario),
            cursor: 0,
            queues: b
                .ports
                .iter()
                .enumerate()
                .map(|(i, p)| PortQueue::new(p.queue, seed, i))
                .collect(),
            transit: Transit::default(),
            inflow_quota: vec![DailyQuota::default(); b.inflows.len()],
            capacity_quota: vec![DailyQuota::default(); b.ports.len()],
            appointment_quota: vec![DailyQuota::default(); b.ports.len()],
            caravans,
            threshold: ThresholdState::default(),
            port_by_location,
            crossing_by_location,
            checkpoints_from,
            routes,
            day: DayCounters::default(),
            totals: BorderTotals::default(),
            warnings: Vec::new(),
            start_date: scenario.start_date,
            holders: IdMap::default(),
            registered: IdMap::default(),
            city_watch: IdMap::default(),
            ever_intercepted: IdMap::default(),
            papers: Default::default(),
            border,
        })
    }

    /// The scenario's border data (events sorted by day).
    pub fn border(&self) -> &Border {
        &self.border
    }

    // ---- B1 -----------------------------------------------------------------

    /// Start of day `day`: resets the day's counters, updates the threshold rule
    /// and applies the day's events. The engine must enact the returned link
    /// changes (both directions) like Flee link closures, then
    /// [`recompute_routes`](Self::recompute_routes) if there were any.
    pub fn begin_day(&mut self, day: u32) -> Vec<LinkChange> {
        let n = self.n_locations;
        self.day = DayCounters {
            port: vec![PortCount::default(); self.border.ports.len()],
            checkpoint: vec![0; self.border.checkpoints.len()],
            intercepted_at: vec![0; n],
            intercepted_first_at: vec![0; n],
            admitted_at: vec![0; n],
            encountered_at: vec![0; n],
            encounters: 0,
        };
        if let Some(rule) = &self.border.threshold {
            self.threshold.begin_day(rule);
        }
        self.key = (day, DayKey::new(self.seed, Purpose::Border, day as u64));
        self.levers
            .apply_day(&self.border.events, day, &mut self.cursor)
    }

    /// Recomputes every port's next-hop table over the links for which
    /// `is_open(link index)` holds (call after link closures or reopenings).
    pub fn recompute_routes(&mut self, scenario: &Scenario, is_open: &dyn Fn(usize) -> bool) {
        self.routes = self
            .border
            .ports
            .iter()
            .map(|p| routing::toward(scenario, p.location, is_open))
            .collect();
    }

    /// Is the encounter-threshold rule active today?
    pub fn threshold_active(&self) -> bool {
        self.border.threshold.is_some() && self.threshold.active
    }

    // ---- B2 -----------------------------------------------------------------

    /// People whose transit ends today: (agent, location). The engine places each
    /// at the location (not travelling; counted as arrived there today).
    pub fn release(&mut self, day: u32) -> Vec<(u32, usize)> {
        self.transit.release(day)
    }

    /// Puts `agent` in transit to `destination` until `release_day` (buses of
    /// papers holders and relocations, `border::papers`; no checkpoint counts).
    pub fn send(&mut self, agent: u32, release_day: u32, destination: usize) {
        self.transit.push(agent, release_day, destination);
    }

    /// Adds a run warning (e.g. a relocation that found fewer people than asked).
    pub fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    // ---- B3 -----------------------------------------------------------------

    /// Today's inflows: (location, agents to create there), one entry per inflow in
    /// `Border::inflows` order (counts may be 0).
    pub fn inflows(&mut self, day: u32) -> Vec<(usize, u64)> {
        let mut out = Vec::with_capacity(self.border.inflows.len());
        for (i, inflow) in self.border.inflows.iter().enumerate() {
            let n = quota::inflow_count(
                inflow,
                i,
                self.border.inflow_mode,
                self.levers.inflow_scale[i],
                day,
                self.seed,
                &mut self.inflow_quota[i],
            );
            self.totals.inflow += n;
            out.push((inflow.location, n));
        }
        out
    }

    // ---- B4 -----------------------------------------------------------------

    /// Caravans that start today (indices into `Border::caravans`).
    pub fn caravans_starting(&self, day: u32) -> Vec<usize> {
        (0..self.border.caravans.len())
            .filter(|&i| self.border.caravans[i].day == day && !self.caravans[i].started)
            .collect()
    }

    pub fn caravan(&self, index: usize) -> &Caravan {
        &self.border.caravans[index]
    }

    /// Starts caravan `index`. `candidates`: with `source = "waiting"`, the agents at
    /// the origin who are free to go (at the location, not queued, no appointment);
    /// with `source = "new"`, the `size` agents the engine just created there.
    /// Returns the members; the engine marks them as caravan members (they skip the
    /// decision and travel passes until [`advance_caravans`](Self::advance_caravans)
    /// releases them). A short caravan (fewer candidates than `size`) is noted in
    /// the warnings.
    pub fn start_caravan(&mut self, day: u32, index: usize, candidates: &[u32]) -> Vec<u32> {
        let c = &self.border.caravans[index];
        let members = caravan::recruit(self.seed, day, index, candidates, c.size);
        if (members.len() as u64) < c.size {
            self.warnings.push(format!(
                "caravan '{}' on {}: {} of {} agents available at the origin",
                c.name,
                self.start_date.add_days(day as i64),
                members.len(),
                c.size
            ));
        }
        if c.source == CaravanSource::New {
            self.totals.caravan_new += members.len() as u64;
        }
        self.caravans[index].start(members.clone());
        members
    }

    // ---- B5 -----------------------------------------------------------------

    /// One per-agent Bernoulli(p) draw of the border processes: exactly
    /// `draws::bernoulli(seed, day, tag, index, agent, p)` (same key, same
    /// number), but with the day's key mixed once (`key`) and only the
    /// stream's first number computed: 3 mixing rounds a draw instead of 8.
    /// These draws (appointment requests, crossings, checkpoints) are made for
    /// every watched agent every day.
    #[inline]
    fn draw(&self, day: u32, tag: draws::Tag, index: usize, agent: u32, p: f64) -> bool {
        if p.is_nan() || p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        let e = draws::entity(tag, index, agent);
        let u = if self.key.0 == day {
            first_f64(&self.key.1, e)
        } else {
            first_f64(&DayKey::new(self.seed, Purpose::Border, day as u64), e)
        };
        u < p
    }

    /// Multiplier of a location's attractiveness score given `people` at it (shelter
    /// fullness; 1 when the location has no beds or is not full).
    pub fn attractiveness_factor(&self, location: usize, people: u64) -> f64 {
        let beds = self
            .levers
            .shelter_capacity
            .get(location)
            .copied()
            .flatten();
        shelter::weight(people, beds, self.border.shelter_full_weight)
    }

    // ---- B6 -----------------------------------------------------------------

    /// The checkpoint (if any) that intercepts `agent` completing the link
    /// `from → to` today: each checkpoint on that traversal draws in checkpoint
    /// order and the first hit wins. Read-only, so an engine may call it in
    /// parallel and record hits with [`intercept`](Self::intercept) afterwards.
    pub fn intercept_draw(&self, day: u32, agent: u32, from: usize, to: usize) -> Option<usize> {
        let list = self.checkpoints_from.get(from)?;
        list.iter().copied().find(|&i| {
            self.border.checkpoints[i].checks(from, to)
                && self.draw(
                    day,
                    draws::Tag::Checkpoint,
                    i,
                    agent,
                    self.levers.checkpoint_probability[i],
                )
        })
    }

    /// [`intercept_draw`](Self::intercept_draw) with the checkpoints on the
    /// traversal given: `on` must be `checkpoints_on(from, to)`, in that
    /// order, which an engine lists once per link (checkpoints and links are
    /// fixed for a run). The same draws, without searching the checkpoints
    /// leaving `from` on every traversal (6 M a run of the built-in scenario).
    #[inline]
    pub fn intercept_draw_among(&self, day: u32, agent: u32, on: &[u32]) -> Option<usize> {
        on.iter().map(|&i| i as usize).find(|&i| {
            self.draw(
                day,
                draws::Tag::Checkpoint,
                i,
                agent,
                self.levers.checkpoint_probability[i],
            )
        })
    }

    /// Records an interception of `agent` coming from `from` at checkpoint `cp`:
    /// the agent enters the in-transit list until `day + delay_days`. Returns
    /// (relocate_to, release day). The engine sets the agent in transit (off the
    /// link, not at a location).
    pub fn intercept(&mut self, day: u32, agent: u32, from: usize, cp: usize) -> (usize, u32) {
        let c = &self.border.checkpoints[cp];
        let release = day + c.delay_days.max(1);
        let dest = c.relocate_to;
        self.transit.push(agent, release, dest);
        let first = self.ever_intercepted.insert(agent, ()).is_none();
        self.count_intercepts(cp, from, 1, first as u64);
        (dest, release)
    }

    /// [`intercept`](Self::intercept) for an engine that keeps who was ever
    /// intercepted itself: `first` is true for a first interception.
    pub fn intercept_as(
        &mut self,
        day: u32,
        agent: u32,
        from: usize,
        cp: usize,
        first: bool,
    ) -> (usize, u32) {
        let c = &self.border.checkpoints[cp];
        let release = day + c.delay_days.max(1);
        let dest = c.relocate_to;
        self.transit.push(agent, release, dest);
        self.count_intercepts(cp, from, 1, first as u64);
        (dest, release)
    }

    /// Counts `n` interceptions at checkpoint `cp` of people coming from `from`,
    /// `first` of them intercepted for the first time (for engines that draw
    /// counts and keep the people themselves).
    pub fn count_intercepts(&mut self, cp: usize, from: usize, n: u64, first: u64) {
        self.day.checkpoint[cp] += n;
        if let Some(x) = self.day.intercepted_at.get_mut(from) {
            *x += n;
        }
        if let Some(x) = self.day.intercepted_first_at.get_mut(from) {
            *x += first;
        }
        self.totals.intercepted += n;
    }

    /// Relocation of checkpoint `cp`: (relocate_to, release day) for an
    /// interception on `day`.
    pub fn relocation(&self, day: u32, cp: usize) -> (usize, u32) {
        let c = &self.border.checkpoints[cp];
        (c.relocate_to, day + c.delay_days.max(1))
    }

    /// Today's interception probability of checkpoint `cp` (the lever).
    pub fn checkpoint_probability(&self, cp: usize) -> f64 {
        self.levers.checkpoint_probability[cp]
    }

    /// The checkpoints (in table order) checking the traversal `from → to`.
    pub fn checkpoints_on(&self, from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
        self.checkpoints_from
            .get(from)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&i| self.border.checkpoints[i].checks(from, to))
    }

    /// [`intercept_draw`](Self::intercept_draw) then [`intercept`](Self::intercept):
    /// true when the agent was intercepted (and is now in transit).
    pub fn traverse(&mut self, day: u32, agent: u32, from: usize, to: usize) -> bool {
        match self.intercept_draw(day, agent, from, to) {
            Some(cp) => {
                self.intercept(day, agent, from, cp);
                true
            }
            None => false,
        }
    }

    // ---- B7 -----------------------------------------------------------------

    /// Walks every caravan under way one day. For each (caravan index, day): put the
    /// remaining members at `position`; members in `papers` are now in transit
    /// (already in the list here); members in `left` become ordinary agents at
    /// `position`.
    pub fn advance_caravans(&mut self, day: u32) -> Vec<(usize, CaravanDay)> {
        let mut out = Vec::new();
        for i in 0..self.caravans.len() {
            let c = &self.border.caravans[i];
            if let Some(d) = self.caravans[i].advance(c, i, self.seed, day) {
                for &(agent, dest, release) in &d.papers {
                    self.transit.push(agent, release, dest);
                }
                out.push((i, d));
            }
        }
        out
    }

    /// Current members of a caravan.
    pub fn caravan_members(&self, index: usize) -> &[u32] {
        &self.caravans[index].members
    }

    // ---- B8 -----------------------------------------------------------------

    /// The port (index into `Border::ports`) at a location.
    pub fn port_at(&self, location: usize) -> Option<usize> {
        self.port_by_location.get(location).copied().flatten()
    }

    /// Does the port take walk-ups today (open, walk-ups on, not suspended by the
    /// threshold rule)?
    pub fn accepts_walk_ups(&self, port: usize) -> bool {
        let suspended = self.threshold_active()
            && self
                .border
                .threshold
                .as_ref()
                .is_some_and(|t| t.suspend_walk_ups);
        self.levers.port_open[port] && self.levers.port_walk_ups[port] && !suspended
    }

    /// Does `agent`, at `port`, join its queue today? Yes if it holds an
    /// appointment there, or if it holds none and the port accepts walk-ups
    /// (someone holding an appointment for another port never joins).
    pub fn joins_queue(&self, port: usize, agent: u32) -> bool {
        match self.holders.get(&agent) {
            Some(a) => a.port == port,
            None => self.accepts_walk_ups(port),
        }
    }

    /// `agent` joins the queue of `port` today (as an appointment holder if it
    /// holds one for this port, else as a walk-up). The engine sets it queued.
    pub fn join_queue(&mut self, day: u32, port: usize, agent: u32) {
        match self.holders.get(&agent) {
            Some(a) if a.port == port => self.queues[port].push(agent, day, true, a.day),
            _ => self.queues[port].push(agent, day, false, 0),
        }
    }

    /// [`join_queue`](Self::join_queue) for an engine that keeps appointments
    /// itself: `appointment_day` is the day of the agent's appointment at this
    /// port, `None` for a walk-up.
    pub fn join_queue_as(
        &mut self,
        day: u32,
        port: usize,
        agent: u32,
        appointment_day: Option<u32>,
    ) {
        match appointment_day {
            Some(d) => self.queues[port].push(agent, day, true, d),
            None => self.queues[port].push(agent, day, false, 0),
        }
    }

    // ---- B8: balking and reneging (docs/model.md §8) ------------------------

    /// Is balking or reneging on (`[ports] patience_days`, `renege_probability`)?
    pub fn walk_up_leaving_on(&self) -> bool {
        self.border.walk_up_leaving.is_on()
    }

    /// Does the decision pass hold people without an appointment at `port` (so
    /// that they join its queue)? Only while it accepts walk-ups and neither
    /// balking nor reneging is on: with them, whoever is at a port and did not
    /// join moves by Flee's rules like anyone at a town.
    pub fn holds_at_port(&self, port: usize) -> bool {
        self.accepts_walk_ups(port) && !self.walk_up_leaving_on()
    }

    /// Today's walk-up capacity of `port`, agents a day: its capacity beyond
    /// its appointment slots (`capacity − per_day × share`, levers of today, at
    /// least 0); the whole capacity for a port without slots; 0 when closed.
    pub fn walk_up_capacity(&self, port: usize) -> f64 {
        let l = &self.levers;
        if !l.port_open[port] {
            return 0.0;
        }
        let share = l.appointment_shares.get(port).copied().unwrap_or(0.0);
        (l.port_capacity[port] - l.appointments_per_day * share).max(0.0)
    }

    /// The probability that a person without an appointment who may join
    /// `port`'s queue today joins it, given `queued` walk-ups in it at the start
    /// of the join step (after the day's reneging): `exp(−W / τ)` with the
    /// expected wait `W = queued ÷` [`walk_up_capacity`](Self::walk_up_capacity)
    /// days (0 for an empty queue, infinite with no walk-up capacity), τ the
    /// patience in days. 1 without a patience. Fixed for the port and day, so
    /// the count engine draws a binomial per cohort with it.
    pub fn join_probability(&self, port: usize, queued: u64) -> f64 {
        let Some(tau) = self.border.walk_up_leaving.patience_days else {
            return 1.0;
        };
        if queued == 0 {
            return 1.0;
        }
        let c = self.walk_up_capacity(port);
        if c <= 0.0 {
            return 0.0;
        }
        (-(queued as f64 / c) / tau).exp()
    }

    /// [`join_probability`](Self::join_probability) of every port from the
    /// queues kept here (call after [`renege`](Self::renege), before anyone
    /// joins today).
    pub fn join_probabilities(&self) -> Vec<f64> {
        (0..self.queues.len())
            .map(|p| self.join_probability(p, self.queues[p].walk_ups() as u64))
            .collect()
    }

    /// Does `agent`, free at `port` without an appointment on a day the port
    /// accepts walk-ups, join its queue, given the port's join probability `q`
    /// of the day? A keyed draw; `q = 1` draws nothing.
    pub fn joins_walk_up(&self, day: u32, port: usize, agent: u32, q: f64) -> bool {
        draws::joins(self.seed, day, port, agent, q)
    }

    /// The daily probability that a queued walk-up leaves the queue.
    pub fn renege_probability(&self) -> f64 {
        self.border.walk_up_leaving.renege_probability
    }

    /// Reneging, the first thing of the join step: every walk-up who joined a
    /// queue before today leaves it with the daily probability (holders never
    /// do). Returns (port, agent) for each, in port then queue order, counted
    /// in the day's `left_queue`. The engine sets them free at the port; they
    /// do not join again today.
    pub fn renege(&mut self, day: u32) -> Vec<(usize, u32)> {
        let r = self.renege_probability();
        let mut out = Vec::new();
        if r <= 0.0 {
            return out;
        }
        for p in 0..self.queues.len() {
            let left = self.queues[p].renege(day, r);
            self.day.port[p].left_queue += left.len() as u64;
            out.extend(left.into_iter().map(|a| (p, a)));
        }
        out
    }

    /// Counts `n` walk-ups who left the queue of port `p` today (for engines
    /// that keep their own queues).
    pub fn count_left_queue(&mut self, p: usize, n: u64) {
        self.day.port[p].left_queue += n;
    }

    /// Next location on the shortest open path from `from` to `port` (`None` at the
    /// port or when it cannot be reached). Appointment holders move by this, with
    /// move chance 1, instead of Flee's route choice.
    pub fn next_hop(&self, port: usize, from: usize) -> Option<usize> {
        self.routes.get(port)?.get(from).copied().flatten()
    }

    // ---- B9 -----------------------------------------------------------------

    /// May people at this location request an appointment today?
    pub fn is_eligible(&self, location: usize) -> bool {
        self.levers.eligible.get(location).copied().unwrap_or(false)
    }

    /// Does an eligible `agent` request an appointment today?
    pub fn requests(&self, day: u32, agent: u32) -> bool {
        // `draws::requests`, with the day's key.
        self.draw(
            day,
            draws::Tag::Request,
            0,
            agent,
            self.levers.request_probability,
        )
    }

    /// The appointment `agent` holds, if any (held from the day it is won by
    /// [`allocate`](Self::allocate) until admission). The agent engine keeps
    /// appointments in its agent columns instead
    /// ([`allocate_registered`](Self::allocate_registered)).
    pub fn appointment(&self, agent: u32) -> Option<Appointment> {
        self.holders.get(&agent).copied()
    }

    /// Allocates today's appointments among today's `requesters` (agents at an
    /// eligible location, without an appointment, for whom
    /// [`requests`](Self::requests) was true). A requester's registration day is
    /// the day of its first request. Each port gets `DailyQuota(per_day × share)`
    /// slots today. Winners hold the returned appointments from now on and go to
    /// their port by [`next_hop`](Self::next_hop).
    pub fn allocate(&mut self, day: u32, requesters: &[u32]) -> Vec<Appointment> {
        let mut reqs = Vec::with_capacity(requesters.len());
        for &a in requesters {
            if self.holders.contains_key(&a) {
                continue;
            }
            let reg = *self.registered.entry(a).or_insert(day);
            reqs.push((a, reg));
        }
        let slots = self.appointment_slots();
        let l = &self.levers;
        let won = appointments::allocate(self.seed, day, &reqs, &slots, l.allocation, l.lead_days);
        for w in &won {
            self.holders.insert(w.agent, *w);
        }
        won
    }

    /// [`allocate`](Self::allocate) for an engine that keeps appointments and
    /// registration days itself: `requesters` are (agent, registration day),
    /// none holding an appointment. Nothing is stored about the winners.
    pub fn allocate_registered(&mut self, day: u32, requesters: &[(u32, u32)]) -> Vec<Appointment> {
        let slots = self.appointment_slots();
        let l = &self.levers;
        appointments::allocate(
            self.seed,
            day,
            requesters,
            &slots,
            l.allocation,
            l.lead_days,
        )
    }

    // ---- B10 ----------------------------------------------------------------

    /// Every port admits today, in port order: (port index, admission). The engine
    /// marks every admitted agent as exited (admitted).
    pub fn admit(&mut self, day: u32) -> Vec<(usize, Admission)> {
        let mut out = Vec::with_capacity(self.queues.len());
        for p in 0..self.queues.len() {
            let capacity = self.capacity_quota[p].take(self.levers.port_capacity[p]);
            let open = self.levers.port_open[p];
            let walk_ups = self.accepts_walk_ups(p);
            let a = self.queues[p].admit(day, capacity, open, walk_ups);
            let c = &mut self.day.port[p];
            c.admitted += a.count();
            c.by_appointment += a.by_appointment();
            c.walk_up += a.walk_up();
            c.waited_days += a.waited_days();
            for &(_, w, _) in &a.admitted {
                c.waits[wait_bucket(w)] += 1;
            }
            self.day.admitted_at[self.border.ports[p].location] += a.count();
            self.totals.admitted += a.count();
            for &(agent, _, _) in &a.admitted {
                self.forget(agent);
            }
            out.push((p, a));
        }
        out
    }

    /// Today's admission capacity of port `p` (its daily quota, fractions
    /// carried), whether it is open and whether it accepts walk-ups: what
    /// [`admit`](Self::admit) uses, for engines that keep their own queues. Call
    /// once per port per day.
    pub fn port_today(&mut self, p: usize) -> (u64, bool, bool) {
        let capacity = self.capacity_quota[p].take(self.levers.port_capacity[p]);
        (capacity, self.levers.port_open[p], self.accepts_walk_ups(p))
    }

    /// Counts admissions at port `p` (for engines that keep their own queues):
    /// `waits` lists (days waited, people, by appointment).
    pub fn count_admissions(&mut self, p: usize, waits: &[(u32, u64, bool)]) {
        let c = &mut self.day.port[p];
        let mut n = 0;
        for &(w, k, appt) in waits {
            n += k;
            if appt {
                c.by_appointment += k;
            } else {
                c.walk_up += k;
            }
            c.waited_days += w as u64 * k;
            c.waits[wait_bucket(w)] += k;
        }
        c.admitted += n;
        self.day.admitted_at[self.border.ports[p].location] += n;
        self.totals.admitted += n;
    }

    /// Today's appointment slots per port (each port's daily quota of
    /// `per_day × share`, fractions carried), as [`allocate`](Self::allocate)
    /// takes them, for engines that allocate counts. Call once a day, only on
    /// days with requesters (as `allocate` is).
    pub fn appointment_slots(&mut self) -> Vec<u64> {
        let l = &self.levers;
        (0..self.border.ports.len())
            .map(|p| {
                let share = l.appointment_shares.get(p).copied().unwrap_or(0.0);
                self.appointment_quota[p].take(l.appointments_per_day * share)
            })
            .collect()
    }

    /// The seed of the run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    // ---- B11 ----------------------------------------------------------------

    /// The crossing point (index into `Border::crossings`) of a border city.
    pub fn crossing_at(&self, location: usize) -> Option<usize> {
        self.crossing_by_location.get(location).copied().flatten()
    }

    /// Today's crossing probability after `waited` days in the city.
    pub fn crossing_probability(&self, crossing: usize, waited: u32) -> f64 {
        let mut h = self.levers.crossing_hazard[crossing];
        if self.threshold_active() {
            if let Some(t) = &self.border.threshold {
                h *= t.hazard_factor;
            }
        }
        self.border.crossings[crossing].hazard_after(h, waited)
    }

    /// Days `agent` has been at this crossing's city without interruption, as seen
    /// by this step: 0 on the first day, +1 for every consecutive day it is seen
    /// here again; a day away (or another city) starts a new stay.
    fn waited(&mut self, day: u32, crossing: usize, agent: u32) -> u32 {
        let city = self.border.crossings[crossing].border_city;
        let e = self.city_watch.entry(agent).or_insert((city, day, day));
        if e.0 != city || e.2 + 1 < day {
            *e = (city, day, day);
        }
        e.2 = day;
        day - e.1
    }

    /// Does `agent`, at the crossing's border city today and free to go (at the
    /// location, not in a caravan), cross between ports today? Appointment holders
    /// never cross. Counts the crossing when it happens; the engine then marks the
    /// agent exited (encountered). Call it for every such agent every day (the
    /// waiting time is tracked here).
    pub fn crosses(&mut self, day: u32, crossing: usize, agent: u32) -> bool {
        if self.holders.contains_key(&agent) {
            return false;
        }
        let w = self.waited(day, crossing, agent);
        let h = self.crossing_probability(crossing, w);
        if self.draw(day, draws::Tag::Crossing, crossing, agent, h) {
            self.count_crossings(crossing, 1);
            self.forget(agent);
            true
        } else {
            false
        }
    }

    /// [`crosses`](Self::crosses) for an engine that keeps waiting times and
    /// appointments itself: `agent` holds no appointment and has waited
    /// `waited` days in the city (see [`crosses`](Self::crosses)).
    pub fn crosses_after(&mut self, day: u32, crossing: usize, agent: u32, waited: u32) -> bool {
        if self.crosses_draw(day, crossing, agent, waited) {
            self.count_crossings(crossing, 1);
            true
        } else {
            false
        }
    }

    /// The draw of [`crosses_after`](Self::crosses_after) without counting the
    /// crossing (the caller then calls [`count_crossings`](Self::count_crossings)):
    /// it changes nothing, so an engine may draw for many agents in parallel.
    #[inline]
    pub fn crosses_draw(&self, day: u32, crossing: usize, agent: u32, waited: u32) -> bool {
        let h = self.crossing_probability(crossing, waited);
        // `draws::crosses`, with the day's key.
        self.draw(day, draws::Tag::Crossing, crossing, agent, h)
    }

    /// Counts `n` crossings at a crossing point (for engines that draw counts).
    pub fn count_crossings(&mut self, crossing: usize, n: u64) {
        let city = self.border.crossings[crossing].border_city;
        self.day.encountered_at[city] += n;
        self.day.encounters += n;
        self.totals.encountered += n;
    }

    // ---- B12 ----------------------------------------------------------------

    /// End of day: writes the border columns of `rec` (per location: `queue`,
    /// `admitted`, `encountered`, `intercepted`, `sheltered`, `unsheltered`; and
    /// `ports`, `checkpoints`) and feeds the threshold rule. `rec.population` must
    /// already hold the end-of-day population per location. Per-location vectors
    /// of `rec` shorter than the number of locations are extended with zeros.
    pub fn finish_day(&mut self, day: u32, rec: &mut DayRecord) {
        let lens: Vec<u64> = self.queues.iter().map(|q| q.len() as u64).collect();
        self.finish_day_with_queues(day, rec, &lens);
    }

    /// [`finish_day`](Self::finish_day) for engines that keep their own queues:
    /// `queue_lens[p]` is port `p`'s queue at the end of the day.
    pub fn finish_day_with_queues(&mut self, _day: u32, rec: &mut DayRecord, queue_lens: &[u64]) {
        let n = self.n_locations;
        for v in [
            &mut rec.queue,
            &mut rec.admitted,
            &mut rec.encountered,
            &mut rec.intercepted,
            &mut rec.intercepted_first,
            &mut rec.sheltered,
            &mut rec.unsheltered,
        ] {
            if v.len() < n {
                v.resize(n, 0);
            }
        }
        for loc in 0..n {
            rec.admitted[loc] = self.day.admitted_at[loc];
            rec.encountered[loc] = self.day.encountered_at[loc];
            rec.intercepted[loc] = self.day.intercepted_at[loc];
            rec.intercepted_first[loc] = self.day.intercepted_first_at[loc];
            let people = rec.population.get(loc).copied().unwrap_or(0);
            let (s, u) = shelter::split(people, self.levers.shelter_capacity[loc]);
            rec.sheltered[loc] = s;
            rec.unsheltered[loc] = u;
        }
        rec.ports = (0..self.border.ports.len())
            .map(|p| {
                let c = self.day.port[p];
                let q = queue_lens[p];
                rec.queue[self.border.ports[p].location] = q;
                PortDay {
                    queue: q,
                    admitted: c.admitted,
                    by_appointment: c.by_appointment,
                    walk_up: c.walk_up,
                    mean_wait_days: if c.admitted == 0 {
                        0.0
                    } else {
                        c.waited_days as f64 / c.admitted as f64
                    },
                    open: self.levers.port_open[p],
                    left_queue: c.left_queue,
                }
            })
            .collect();
        rec.wait_hist = self.day.port.iter().map(|c| c.waits).collect();
        rec.checkpoints = self.day.checkpoint.clone();
        if let Some(rule) = &self.border.threshold {
            self.threshold.end_day(rule, self.day.encounters);
        }
    }

    /// Drops the per-agent records of someone who left the simulation.
    fn forget(&mut self, agent: u32) {
        self.holders.remove(&agent);
        self.registered.remove(&agent);
        self.city_watch.remove(&agent);
        self.ever_intercepted.remove(&agent);
    }

    // ---- accounting -----------------------------------------------------------

    /// People in port queues now.
    pub fn in_queues(&self) -> u64 {
        self.queues.iter().map(|q| q.len() as u64).sum()
    }

    /// People in transit now.
    pub fn in_transit(&self) -> u64 {
        self.transit.len() as u64
    }

    /// Queue length of one port.
    pub fn queue_len(&self, port: usize) -> usize {
        self.queues[port].len()
    }

    pub fn totals(&self) -> BorderTotals {
        self.totals
    }

    /// Notes for `RunOutput::warnings` gathered so far (not drained).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Notes for `RunOutput::warnings` gathered so far (drained).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

#[cfg(test)]
mod tests {
    //! A toy engine wired exactly as docs/model.md prescribes: it checks that the
    //! calls compose, that people are conserved every day, and a few exact numbers.
    use super::*;
    use crate::border::{
        Action, Allocation, AppointmentPool, Checkpoint, CrossingPoint, Event, Inflow, Port,
        QueueDiscipline,
    };
    use crate::date::Date;
    use crate::record::Accounting;
    use crate::scenario::{Location, LocationKind};
    use crate::series::Series;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum St {
        /// At a location.
        At(usize),
        /// On the link towards a location (arrives at the next travel pass).
        On(usize, usize),
        Queued,
        Transit,
        Admitted,
        Encountered,
    }

    /// Entry –40– City –5– Port. Inflow 10/day at Entry; checkpoint Entry→City
    /// relocating to Entry after 2 days; crossing at City; appointments at City.
    fn scenario(p_check: f64, hazard: f64, walk_ups: bool) -> Scenario {
        let mut s = Scenario::new("toy", Date::parse("2023-12-01").unwrap(), 20);
        s.add_location(Location::new("Entry", LocationKind::Town));
        let mut city = Location::new("City", LocationKind::Town);
        city.shelter_capacity = Some(5);
        s.add_location(city);
        s.add_location(Location::new("Port", LocationKind::Port));
        s.link("Entry", "City", 40.0);
        s.link("City", "Port", 5.0);
        s.border = Border {
            ports: vec![Port {
                location: 2,
                name: "Port".into(),
                border_city: 1,
                field_office: "San Diego Field Office".into(),
                sector: "San Diego Sector".into(),
                capacity_per_day: 3.0,
                open: true,
                walk_ups,
                queue: QueueDiscipline::Fifo,
            }],
            appointments: Some(AppointmentPool {
                per_day: 2.0,
                shares: vec![1.0],
                request_probability: 0.5,
                eligible: vec![1],
                allocation: Allocation::Mixed { fifo_share: 0.5 },
                lead_days: 2,
            }),
            checkpoints: vec![Checkpoint {
                name: "garita".into(),
                from: 0,
                to: 1,
                both_directions: false,
                probability: p_check,
                relocate_to: 0,
                delay_days: 2,
            }],
            inflows: vec![Inflow {
                location: 0,
                series: Series::new(vec![(0, 10.0)]),
            }],
            crossings: vec![CrossingPoint {
                name: "City".into(),
                border_city: 1,
                sector: "San Diego Sector".into(),
                hazard,
                slope: 0.0,
                max_hazard: 1.0,
            }],
            events: vec![
                Event {
                    day: 5,
                    action: Action::ClosePort { port: 0 },
                },
                Event {
                    day: 8,
                    action: Action::OpenPort { port: 0 },
                },
            ],
            ..Border::default()
        };
        s
    }

    /// Runs the toy for `days`; returns the records and the accounting per day.
    fn run(s: &Scenario, seed: u64, days: u32) -> (Vec<DayRecord>, Vec<Accounting>, BorderState) {
        let mut b = BorderState::new(s, seed).unwrap();
        let mut st: Vec<St> = Vec::new();
        let (mut recs, mut accs) = (Vec::new(), Vec::new());
        for day in 0..days {
            assert!(b.begin_day(day).is_empty()); // B1 (no link events here)
            for (a, loc) in b.release(day) {
                st[a as usize] = St::At(loc); // B2
            }
            for (loc, n) in b.inflows(day) {
                st.extend(std::iter::repeat_n(St::At(loc), n as usize)); // B3
            }
            // Decide: at Entry → towards City; holders → towards their port.
            for (a, s) in st.iter_mut().enumerate() {
                if let St::At(loc) = *s {
                    if loc == 0 {
                        *s = St::On(0, 1);
                    } else if let Some(ap) = b.appointment(a as u32) {
                        if let Some(next) = b.next_hop(ap.port, loc) {
                            *s = St::On(loc, next);
                        }
                    }
                }
            }
            // Travel (everyone arrives in one day); B6 on completing a link.
            for (a, s) in st.iter_mut().enumerate() {
                if let St::On(from, to) = *s {
                    *s = if b.traverse(day, a as u32, from, to) {
                        St::Transit
                    } else {
                        St::At(to)
                    };
                }
            }
            // B8: people at a port join its queue if they may.
            for (a, s) in st.iter_mut().enumerate() {
                if let St::At(loc) = *s {
                    if let Some(p) = b.port_at(loc) {
                        if b.joins_queue(p, a as u32) {
                            b.join_queue(day, p, a as u32);
                            *s = St::Queued;
                        }
                    }
                }
            }
            // B9: requests at eligible locations, then allocation.
            let req: Vec<u32> = (0..st.len() as u32)
                .filter(|&a| match st[a as usize] {
                    St::At(loc) => {
                        b.appointment(a).is_none() && b.is_eligible(loc) && b.requests(day, a)
                    }
                    _ => false,
                })
                .collect();
            for w in b.allocate(day, &req) {
                assert_eq!(b.appointment(w.agent), Some(w));
            }
            // B10
            for (_, adm) in b.admit(day) {
                for &(a, _, _) in &adm.admitted {
                    assert_eq!(st[a as usize], St::Queued);
                    assert!(b.appointment(a).is_none());
                    st[a as usize] = St::Admitted;
                }
            }
            // B11
            for (a, s) in st.iter_mut().enumerate() {
                if let St::At(loc) = *s {
                    if let Some(c) = b.crossing_at(loc) {
                        if b.crosses(day, c, a as u32) {
                            *s = St::Encountered;
                        }
                    }
                }
            }
            // B12
            let mut rec = DayRecord {
                day,
                population: vec![0; 3],
                ..DayRecord::default()
            };
            let mut acc = Accounting {
                spawned: st.len() as u64,
                ..Accounting::default()
            };
            for s in &st {
                match *s {
                    St::At(l) => {
                        rec.population[l] += 1;
                        acc.at_locations += 1
                    }
                    St::On(..) => acc.on_links += 1,
                    St::Queued => acc.in_queues += 1,
                    St::Transit => acc.in_transit += 1,
                    St::Admitted => acc.admitted += 1,
                    St::Encountered => acc.encountered += 1,
                }
            }
            assert_eq!(acc.in_queues, b.in_queues());
            assert_eq!(acc.in_transit, b.in_transit());
            assert_eq!(acc.admitted, b.totals().admitted);
            assert_eq!(acc.encountered, b.totals().encountered);
            b.finish_day(day, &mut rec);
            recs.push(rec);
            accs.push(acc);
        }
        (recs, accs, b)
    }

    #[test]
    fn conservation_every_day_and_reproducible() {
        let s = scenario(0.3, 0.1, true);
        let (recs, accs, b) = run(&s, 7, 20);
        assert!(accs.iter().all(|a| a.balances()));
        assert_eq!(accs[19].spawned, 200);
        assert_eq!(b.totals().inflow, 200);
        let (recs2, accs2, _) = run(&s, 7, 20);
        assert_eq!(recs, recs2);
        assert_eq!(accs, accs2);
        let (recs3, _, _) = run(&s, 8, 20);
        assert_ne!(recs, recs3);
        // Closed on days 5..=7: no admissions, and the record says so.
        for r in &recs[5..8] {
            assert_eq!(r.ports[0].admitted, 0);
            assert!(!r.ports[0].open);
        }
        // Capacity 3/day is binding once people reach the port.
        assert!(recs.iter().all(|r| r.ports[0].admitted <= 3));
        assert_eq!(
            recs.iter().map(|r| r.ports[0].admitted).sum::<u64>(),
            accs[19].admitted
        );
        // Shelter of 5 beds at City.
        for r in &recs {
            assert_eq!(r.sheltered[1], r.population[1].min(5));
            assert_eq!(r.sheltered[1] + r.unsheltered[1], r.population[1]);
        }
        // Per-checkpoint and per-location interception counts agree.
        for r in &recs {
            assert_eq!(r.checkpoints[0], r.intercepted[0]);
        }
    }

    #[test]
    fn certain_interception_relocates_everyone_after_the_delay() {
        let s = scenario(1.0, 0.1, true);
        let (recs, accs, _) = run(&s, 1, 6);
        for (d, r) in recs.iter().enumerate() {
            // Nobody ever reaches the City.
            assert_eq!(r.population[1], 0);
            // Day 0: 10 new, all intercepted. Released 2 days later at Entry, they and
            // the day's 10 new are intercepted again: 10, 10, 20, 20, 30, 30 per day.
            let expect = [10, 10, 20, 20, 30, 30][d];
            assert_eq!(r.checkpoints[0], expect, "day {d}");
            assert_eq!(
                accs[d].in_transit,
                expect + if d > 0 { [0, 10, 10, 20, 20, 30][d] } else { 0 }
            );
        }
        assert!(accs
            .iter()
            .all(|a| a.admitted == 0 && a.encountered == 0 && a.balances()));
    }

    /// `intercept_draw_among` with the listed checkpoints of a traversal
    /// draws exactly as `intercept_draw`, with several checkpoints on one
    /// traversal (both directions, table order) and none.
    #[test]
    fn intercept_draw_among_equals_intercept_draw() {
        let mut s = scenario(0.4, 0.1, true);
        let c0 = s.border.checkpoints[0].clone();
        s.border.checkpoints.push(Checkpoint {
            name: "reten".into(),
            from: 1,
            to: 0,
            both_directions: true,
            probability: 0.3,
            ..c0.clone()
        });
        s.border.checkpoints.push(Checkpoint {
            name: "second".into(),
            probability: 0.5,
            ..c0
        });
        let mut b = BorderState::new(&s, 7).unwrap();
        let mut hits = 0;
        for day in 0..4 {
            if day == 2 {
                b.begin_day(day);
            }
            for from in 0..3 {
                for to in 0..3 {
                    let on: Vec<u32> = b.checkpoints_on(from, to).map(|i| i as u32).collect();
                    for agent in 0..300 {
                        let want = b.intercept_draw(day, agent, from, to);
                        assert_eq!(b.intercept_draw_among(day, agent, &on), want);
                        hits += usize::from(want.is_some());
                    }
                }
            }
        }
        assert!(hits > 0);
    }

    #[test]
    fn certain_crossing_empties_the_city_without_appointments() {
        // Hazard 1 and no walk-ups: everyone who reaches the City without an
        // appointment crosses the day they arrive; 10 arrive each day.
        let s = scenario(0.0, 1.0, false);
        let (recs, accs, _) = run(&s, 3, 10);
        for d in 0..10 {
            // Only appointment winners stay: at the City (won today), queued or admitted.
            let won = accs[d].at_locations + accs[d].in_queues + accs[d].admitted;
            assert!(accs[d].at_locations <= 2);
            assert!(won <= 2 * (d as u64 + 1));
            assert_eq!(accs[d].encountered + won, 10 * (d as u64 + 1));
            assert_eq!(
                recs[d].encountered[1],
                recs[d].encountered.iter().sum::<u64>()
            );
        }
    }
}

#[cfg(test)]
mod walk_up_leaving_tests {
    use super::*;
    use crate::border::{Port, QueueDiscipline, WalkUpLeaving};
    use crate::date::Date;
    use crate::scenario::{Location, LocationKind};

    /// A port of capacity 5 a day with 2 appointment slots a day (walk-up
    /// capacity 3).
    fn port_scenario(w: WalkUpLeaving) -> Scenario {
        let mut s = Scenario::new("p", Date(0), 10);
        s.add_location(Location::new("City", LocationKind::Town));
        s.add_location(Location::new("Port", LocationKind::Port));
        s.link("City", "Port", 1.0);
        s.border = Border {
            ports: vec![Port {
                location: 1,
                name: "Port".into(),
                border_city: 0,
                field_office: "F".into(),
                sector: "S".into(),
                capacity_per_day: 5.0,
                open: true,
                walk_ups: true,
                queue: QueueDiscipline::Fifo,
            }],
            appointments: Some(crate::border::AppointmentPool {
                per_day: 2.0,
                shares: vec![1.0],
                request_probability: 0.0,
                eligible: vec![],
                allocation: crate::border::Allocation::Lottery,
                lead_days: 1,
            }),
            walk_up_leaving: w,
            ..Border::default()
        };
        s
    }

    #[test]
    fn without_the_keys_everyone_joins_nobody_leaves_and_ports_hold() {
        let mut b = BorderState::new(&port_scenario(WalkUpLeaving::default()), 1).unwrap();
        b.begin_day(0);
        for a in 0..100 {
            b.join_queue_as(0, 0, a, None);
        }
        b.begin_day(1);
        assert!(!b.walk_up_leaving_on());
        assert!(b.holds_at_port(0));
        assert!(b.renege(1).is_empty());
        assert_eq!(b.join_probabilities(), vec![1.0]);
        assert_eq!(b.join_probability(0, 1_000_000), 1.0);
        assert!((0..1000).all(|a| b.joins_walk_up(1, 0, a, 1.0)));
        let mut rec = DayRecord::default();
        b.finish_day(1, &mut rec);
        assert_eq!(rec.ports[0].left_queue, 0);
    }

    #[test]
    fn join_probability_is_exp_of_minus_wait_over_patience() {
        let w = WalkUpLeaving {
            patience_days: Some(4.0),
            renege_probability: 0.0,
        };
        let mut b = BorderState::new(&port_scenario(w), 1).unwrap();
        b.begin_day(0);
        assert!(b.walk_up_leaving_on());
        assert!(!b.holds_at_port(0));
        assert_eq!(b.walk_up_capacity(0), 3.0);
        assert_eq!(b.join_probability(0, 0), 1.0);
        // 12 queued ÷ 3 a day = 4 days of wait = one patience: e^-1.
        assert!((b.join_probability(0, 12) - (-1.0f64).exp()).abs() < 1e-15);
        for a in 0..6 {
            b.join_queue_as(0, 0, a, None);
        }
        b.join_queue_as(0, 0, 99, Some(3)); // holders do not count
        assert!((b.join_probabilities()[0] - (-0.5f64).exp()).abs() < 1e-15);
        // Slots at or above the capacity leave no walk-up capacity: nobody
        // joins a non-empty line.
        b.levers.appointments_per_day = 5.0;
        assert_eq!(b.walk_up_capacity(0), 0.0);
        assert_eq!(b.join_probability(0, 1), 0.0);
        assert_eq!(b.join_probability(0, 0), 1.0);
        // A closed port has no walk-up capacity either.
        b.levers.appointments_per_day = 2.0;
        b.levers.port_open[0] = false;
        assert_eq!(b.walk_up_capacity(0), 0.0);
        // Joining draws are keyed: a frequency near q, and reproducible.
        let q = 0.3;
        let n = (0..20_000).filter(|&a| b.joins_walk_up(0, 0, a, q)).count();
        assert!((n as i64 - 6000).abs() < 325, "{n}"); // sd ≈ 65
        assert_eq!(
            n,
            (0..20_000).filter(|&a| b.joins_walk_up(0, 0, a, q)).count()
        );
    }

    #[test]
    fn reneging_frees_walk_ups_and_counts_them() {
        let w = WalkUpLeaving {
            patience_days: None,
            renege_probability: 0.25,
        };
        let mut b = BorderState::new(&port_scenario(w), 3).unwrap();
        b.begin_day(0);
        for a in 0..4000 {
            b.join_queue_as(0, 0, a, None);
        }
        b.join_queue_as(0, 0, 9999, Some(5));
        // Nobody leaves on the day they joined.
        assert!(b.renege(0).is_empty());
        b.begin_day(1);
        let left = b.renege(1);
        assert!((left.len() as i64 - 1000).abs() < 140, "{}", left.len()); // sd ≈ 27
        assert!(left.iter().all(|&(p, a)| p == 0 && a < 4000));
        assert_eq!(b.in_queues(), 4001 - left.len() as u64);
        let mut rec = DayRecord::default();
        b.finish_day(1, &mut rec);
        assert_eq!(rec.ports[0].left_queue, left.len() as u64);
        assert_eq!(rec.ports[0].queue, 4001 - left.len() as u64);
    }
}

#[cfg(test)]
mod more_tests {
    use super::*;
    use crate::border::{CrossingPoint, EncounterThreshold};
    use crate::date::Date;
    use crate::scenario::{Location, LocationKind};

    fn city_scenario(threshold: Option<EncounterThreshold>) -> Scenario {
        let mut s = Scenario::new("c", Date(0), 10);
        s.add_location(Location::new("A", LocationKind::Town));
        s.add_location(Location::new("B", LocationKind::Town));
        s.border = Border {
            crossings: vec![
                CrossingPoint {
                    name: "A".into(),
                    border_city: 0,
                    sector: "S1".into(),
                    hazard: 0.25,
                    slope: 1.0,
                    max_hazard: 1.0,
                },
                CrossingPoint {
                    name: "B".into(),
                    border_city: 1,
                    sector: "S2".into(),
                    hazard: 0.0,
                    slope: 0.0,
                    max_hazard: 1.0,
                },
            ],
            threshold,
            ..Border::default()
        };
        s
    }

    #[test]
    fn waiting_time_counts_consecutive_days_and_resets() {
        let s = city_scenario(None);
        let mut b = BorderState::new(&s, 1).unwrap();
        assert_eq!(b.waited(0, 0, 5), 0);
        assert_eq!(b.waited(1, 0, 5), 1);
        assert_eq!(b.waited(2, 0, 5), 2);
        // Away on day 3: a new stay on day 4.
        assert_eq!(b.waited(4, 0, 5), 0);
        // Another city starts a new stay too.
        assert_eq!(b.waited(5, 1, 5), 0);
        // h(w) = 0.25 · (1 + w): certain from w = 3.
        assert_eq!(b.crossing_probability(0, 1), 0.5);
        assert_eq!(b.crossing_probability(0, 3), 1.0);
    }

    #[test]
    fn everyone_staying_crosses_by_the_fourth_day() {
        let s = city_scenario(None);
        let mut b = BorderState::new(&s, 9).unwrap();
        let mut left: Vec<u32> = (0..1000).collect();
        let mut per_day = Vec::new();
        for day in 0..5 {
            b.begin_day(day);
            let before = left.len();
            left.retain(|&a| !b.crosses(day, 0, a));
            per_day.push(before - left.len());
        }
        assert!(left.is_empty());
        assert_eq!(per_day[4], 0);
        assert_eq!(per_day.iter().sum::<usize>(), 1000);
        assert_eq!(b.totals().encountered, 1000);
        // About a quarter on day 0 (sd ≈ 14).
        assert!((per_day[0] as i64 - 250).abs() < 70, "{per_day:?}");
    }

    #[test]
    fn threshold_rule_scales_hazards_while_active() {
        let rule = EncounterThreshold {
            window_days: 1,
            activate_at: 10.0,
            deactivate_below: 1.0,
            deactivate_after_days: 1,
            hazard_factor: 0.2,
            suspend_walk_ups: true,
        };
        let s = city_scenario(Some(rule));
        let mut b = BorderState::new(&s, 1).unwrap();
        b.begin_day(0);
        assert!(!b.threshold_active());
        b.count_crossings(0, 12);
        b.finish_day(0, &mut DayRecord::default());
        b.begin_day(1);
        assert!(b.threshold_active());
        assert!((b.crossing_probability(0, 0) - 0.05).abs() < 1e-15);
        b.finish_day(1, &mut DayRecord::default());
        b.begin_day(2);
        assert!(!b.threshold_active());
        assert_eq!(b.crossing_probability(0, 0), 0.25);
    }
}
