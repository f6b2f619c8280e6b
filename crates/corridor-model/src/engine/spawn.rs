//! Creating agents: day-0 insertion (docs/flee-rules.md §2.1) and daily spawning (§2.4).
//!
//! * Day 0, before the first step: every location that is a camp gets
//!   `int(data(camp, 0))` agents when `insert_day0` (the data are 0 on day 0 with
//!   `empty_camps_on_day0`), then every location gets its `initial_idps` agents.
//!   These insertions take nobody from any population.
//! * Mode A (data-driven, default): `diff(t)` = day-to-day increase of the summed
//!   camp series (`sum_from_camps`) or of the total series; on day 0 the level,
//!   which with `sum_from_camps` counts the total row *and* the camp rows (Flee's
//!   double count, reproduced because `raw` is an output column). `new = diff − debt`,
//!   negative → debt; with `insert_day0`, day 0 spawns nobody and every location
//!   with capacity > 0 loses its day-0 data value from its capacity.
//! * Mode B (conflict-driven): per location in conflict, `int(N × intensity)`,
//!   `int(r × pop × intensity)` or `Poisson(N × intensity)`; `raw` and `debt` stay 0.
//!
//! Spawn places are drawn ∝ `pop × intensity × decay(t)` over conflict zones, one
//! stream (seed, SpawnPlace, day, agent id) per agent. Flee uses weights refreshed
//! at the previous day's evolve (the decay index can lag a day); we use day `t`.

use super::agents::Agents;
use super::demography::Demography;
use super::partition::Partition;
use super::places::Places;
use super::streams::DayKey;
use crate::error::ModelError;
use crate::rng::Purpose;
use crate::scenario::{DataTable, Scenario};
use crate::settings::{Settings, SpawnMode};

#[derive(Debug, Default, Clone)]
pub(crate) struct Spawner {
    pub raw: i64,
    pub debt: i64,
    cum: Vec<f64>,
    cum_loc: Vec<u32>,
}

/// Agents one run can create: ids are `u32`, and `u32::MAX` is kept free.
pub(crate) const MAX_AGENTS: u64 = u32::MAX as u64;

/// Where new agents appear and whom they are.
pub(crate) struct Sink<'a> {
    pub agents: &'a mut Agents,
    pub counts: &'a mut [u64],
    pub places: &'a mut Places,
    pub demo: &'a Demography,
    pub settings: &'a Settings,
    pub seed: u64,
    pub warnings: &'a mut Vec<String>,
    /// The part of a partitioned run: agents of other parts are counted (and
    /// taken from populations) but not stored.
    pub partition: Partition,
}

impl Sink<'_> {
    /// Creates `n` agents at `loc` on day `t` without taking anyone from the
    /// population (border inflows, caravans of new people).
    pub(crate) fn create(&mut self, loc: usize, t: u32, n: u64) -> Result<(), ModelError> {
        self.reserve(n, t)?;
        if self.demo.is_empty() && self.partition.parts <= 1 {
            // Nothing drawn and every agent kept: the columns are extended at
            // once (one agent at a time was ~1 % of a run of the built-in
            // scenario, whose inflows create ~7,500 agents a day).
            self.agents.push_many(loc as u32, n as usize);
            self.counts[loc] += n;
            return Ok(());
        }
        let demo_key = DayKey::new(self.seed, Purpose::Demographics, t as u64);
        for _ in 0..n {
            self.add(loc, t, false, &demo_key);
        }
        Ok(())
    }

    /// Room for `n` more agents on day `t`, of which this part keeps about
    /// `1/parts`: every creation asks here first, so that ids (32-bit, counted
    /// over all parts) never wrap and a day that memory cannot hold is an error
    /// rather than an abort.
    pub(crate) fn reserve(&mut self, n: u64, t: u32) -> Result<(), ModelError> {
        let agents = self.agents.next_id() as u64;
        let too_many = || ModelError::TooManyAgents {
            day: t,
            more: n,
            agents,
            max: MAX_AGENTS,
        };
        if n > MAX_AGENTS - agents {
            return Err(too_many());
        }
        let parts = self.partition.parts.max(1) as u64;
        let keep = usize::try_from(n.div_ceil(parts)).map_err(|_| too_many())?;
        self.agents.reserve(keep).map_err(|_| too_many())
    }

    /// Creates one agent at `loc` on day `t`; `take` = take from the population.
    /// Only after [`reserve`](Self::reserve) has made room for it.
    fn add(&mut self, loc: usize, t: u32, take: bool, demo_key: &DayKey) {
        let id = self.agents.next_id();
        if self.partition.owns(id) {
            // Attributes come from the agent's own stream: other parts need not
            // draw them.
            let (attrs, class) = if self.demo.is_empty() {
                (0, 0)
            } else {
                let mut rng = demo_key.stream(id as u64);
                self.demo.draw(loc, &mut rng, self.settings)
            };
            self.agents.push(loc as u32, attrs, class);
        } else {
            self.agents.skip();
        }
        self.counts[loc] += 1;
        if take {
            if let Some(w) = self.places.take_population(loc, 1, t) {
                self.warnings.push(w);
            }
        }
    }
}

/// One day's spawning before anybody is placed: how many people, and where or
/// over which weights. Shared by the agent and the count engines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SpawnPlan {
    /// Nobody today.
    Nobody,
    /// Conflict-driven spawning: people per location, in location order.
    PerLocation(Vec<(usize, u64)>),
    /// Data-driven spawning: this many people, each placed by
    /// [`Spawner::weights`].
    Spread(u64),
}

/// The day-0 insertions (docs/flee-rules.md §2.1) as (location, people), in the order the
/// agent engine creates them: camps with their day-0 data (`insert_day0` without
/// `empty_camps_on_day0`), then every location's `initial_idps`.
pub(crate) fn initial_insertions(
    sc: &Scenario,
    data: &DataTable,
    s: &Settings,
) -> Vec<(usize, u64)> {
    let sr = &s.spawn_rules;
    let mut v = Vec::new();
    if sr.insert_day0 && !sr.empty_camps_on_day0 {
        for l in sc.camp_locations() {
            let n = data.camp(l).map(|s| s.value_at(0)).unwrap_or(0).max(0);
            v.push((l, n as u64));
        }
    }
    for (l, loc) in sc.locations.iter().enumerate() {
        if loc.initial_idps > 0 {
            v.push((l, loc.initial_idps));
        }
    }
    v
}

impl Spawner {
    /// Day-0 insertions; returns the number of agents created.
    pub(crate) fn insert_initial(
        sc: &Scenario,
        data: &DataTable,
        sink: &mut Sink,
    ) -> Result<u64, ModelError> {
        let demo_key = DayKey::new(sink.seed, Purpose::Demographics, 0);
        let before = sink.agents.next_id();
        for (l, n) in initial_insertions(sc, data, sink.settings) {
            sink.reserve(n, 0)?;
            for _ in 0..n {
                sink.add(l, 0, false, &demo_key);
            }
        }
        Ok((sink.agents.next_id() - before) as u64)
    }

    /// Creates the agents of day `t`'s spawn plan (`engine::core::Core::spawn_plan`);
    /// returns the number of agents created.
    pub(crate) fn realise(
        &self,
        plan: SpawnPlan,
        t: u32,
        sink: &mut Sink,
    ) -> Result<u64, ModelError> {
        let take = sink.settings.spawn_rules.take_from_population;
        let demo_key = DayKey::new(sink.seed, Purpose::Demographics, t as u64);
        Ok(match plan {
            SpawnPlan::Nobody => 0,
            SpawnPlan::PerLocation(v) => {
                let mut created = 0u64;
                for (l, n) in v {
                    sink.reserve(n, t)?;
                    for _ in 0..n {
                        sink.add(l, t, take, &demo_key);
                    }
                    created += n;
                }
                created
            }
            SpawnPlan::Spread(new) => {
                let place_key = DayKey::new(sink.seed, Purpose::SpawnPlace, t as u64);
                let acc = *self.cum.last().unwrap_or(&0.0);
                sink.reserve(new, t)?;
                for _ in 0..new {
                    let id = sink.agents.next_id() as u64;
                    let u = place_key.stream(id).next_f64() * acc;
                    let j = self
                        .cum
                        .partition_point(|&c| c <= u)
                        .min(self.cum.len() - 1);
                    let l = self.cum_loc[j] as usize;
                    sink.add(l, t, take, &demo_key);
                }
                new
            }
        })
    }

    /// Cumulative spawn weights of the last [`SpawnPlan::Spread`] day and their
    /// locations (docs/flee-rules.md §2.4: `pop × intensity × decay(t)` over conflict zones).
    pub(crate) fn weights(&self) -> (&[f64], &[u32]) {
        (&self.cum, &self.cum_loc)
    }

    /// How many people day `t` spawns (docs/flee-rules.md §2.4), updating `raw`, `debt`
    /// and, on day 0 with `insert_day0`, the capacities. `poisson(l, mean)` draws
    /// the Poisson count of location `l` (conflict-driven Poisson mode), so that each
    /// engine can use its own streams.
    pub(crate) fn plan(
        &mut self,
        sc: &Scenario,
        data: &DataTable,
        t: u32,
        places: &mut Places,
        s: &Settings,
        mut poisson: impl FnMut(usize, f64) -> u64,
    ) -> Result<SpawnPlan, ModelError> {
        let sr = &s.spawn_rules;
        let ti = t as i64;
        if let Some(cds) = &sr.conflict_driven_spawning {
            let mut v = Vec::new();
            for l in 0..sc.locations.len() {
                let c = places.conflict[l];
                if c <= 0.0 {
                    continue;
                }
                let n = match cds.spawn_mode {
                    SpawnMode::Constant => (cds.displaced_per_conflict_day * c).max(0.0) as u64,
                    SpawnMode::PopRatio => {
                        (cds.displaced_per_conflict_day * places.pop[l] as f64 * c).max(0.0) as u64
                    }
                    SpawnMode::Poisson => poisson(l, cds.displaced_per_conflict_day * c),
                };
                v.push((l, n));
            }
            return Ok(SpawnPlan::PerLocation(v));
        }

        // Mode A.
        let diff: i64 = if t == 0 {
            if sr.sum_from_camps {
                data.total.value_at(0)
                    + data.camps.iter().map(|c| c.series.value_at(0)).sum::<i64>()
            } else {
                data.total.value_at(0)
            }
        } else if sr.sum_from_camps {
            data.camps
                .iter()
                .map(|c| c.series.value_at(ti) - c.series.value_at(ti - 1))
                .sum()
        } else {
            data.total.value_at(ti) - data.total.value_at(ti - 1)
        };
        let mut new = diff - self.debt;
        self.raw += diff;
        if sr.insert_day0 && t == 0 {
            new = 0;
            for l in 0..sc.locations.len() {
                if places.capacity[l] > 0 {
                    places.capacity[l] -= data.camp(l).map(|s| s.value_at(0)).unwrap_or(0);
                }
            }
        }
        if new < 0 {
            self.debt = -new;
            new = 0;
        } else if self.debt > 0 {
            self.debt = 0;
        }
        if new == 0 {
            return Ok(SpawnPlan::Nobody);
        }

        // Spawn weights on day t.
        self.cum.clear();
        self.cum_loc.clear();
        let mut acc = 0.0;
        for l in 0..sc.locations.len() {
            let p = &*places;
            let w = if p.conflict[l] > 0.0 {
                p.pop[l] as f64 * p.conflict[l] * p.decay(l, ti, s)
            } else if !sr.conflict_zone_spawning_only && !p.camp[l] {
                p.pop[l] as f64
            } else {
                0.0
            };
            if w > 0.0 && w.is_finite() {
                acc += w;
                self.cum.push(acc);
                self.cum_loc.push(l as u32);
            }
        }
        if acc.is_nan() || acc <= 0.0 {
            return Err(ModelError::NoSpawnLocation {
                day: t,
                needed: new as u64,
            });
        }
        Ok(SpawnPlan::Spread(new as u64))
    }
}
