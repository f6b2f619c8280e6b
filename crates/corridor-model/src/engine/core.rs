//! The engine core: what the agent engine (`engine::World`) and the count
//! engine (`counts::CountWorld`) share, so that the two cannot drift apart.
//!
//! [`Core`] holds the state both engines keep the same way — the scenario,
//! effective settings, data, network, places, candidate routes, demography,
//! closures, spawner, route tables, scores and move chances, head counts per
//! location, the run's warnings — and does the steps of a day that do not
//! depend on how people are represented: B1 events and conflicts
//! ([`Core::begin_day`]), closures with candidate rebuilds ([`Core::closures`]),
//! the start of evolve with the shelter factor and end-point scores
//! ([`Core::evolve`]), the spawn plan ([`Core::spawn_plan`]), the route tables
//! ([`Core::build_tables`]) with the nearly-full-camp rule
//! ([`Core::camp_nearly_full`]), and the parts of the day's record that come
//! from it ([`Core::record`]). Each engine keeps only its people (agents or
//! cohorts), its border representation and its passes. [`Records`] is the
//! bookkeeping both stepping wrappers (`AgentRun`, `CountRun`) share.
//!
//! Invariants: `counts[l]` is the number of people at location `l` as the
//! engine that owns the core last set it (both engines keep it current between
//! passes); every field is a function of the scenario, the seed and the days
//! run so far, so a clone continues exactly as the original. No I/O; design in
//! docs/design-engine.md ("One engine core").

use super::demography::Demography;
use super::flood::Floods;
use super::network::Network;
use super::places::Places;
use super::routes::{Candidates, PathArena, Tables};
use super::spawn::{SpawnPlan, Spawner};
use crate::border::{BorderState, LinkChange};
use crate::error::ModelError;
use crate::record::{DayRecord, RunOutput};
use crate::scenario::{ClosureTarget, DataTable, Scenario};
use crate::settings::Settings;
use std::collections::BTreeSet;

/// The state and day-start steps both engines share (see the module comment).
#[derive(Debug, Clone)]
pub(crate) struct Core<'a> {
    pub sc: &'a Scenario,
    /// Effective settings (v1 rules applied).
    pub s: Settings,
    pub seed: u64,
    /// The scenario's data, shifted for `empty_camps_on_day0`.
    pub data: DataTable,
    pub camps: Vec<usize>,
    pub net: Network,
    pub places: Places,
    pub arena: PathArena,
    pub cands: Candidates,
    pub demo: Demography,
    pub closures: Closures,
    pub spawner: Spawner,
    pub tables: Tables,
    /// Per-class end-point scores (`Demography::end_scores`).
    pub end: Vec<f64>,
    pub score: Vec<f64>,
    pub mc: Vec<f64>,
    /// ln(1 − move chance) per location.
    pub ln_stay: Vec<f64>,
    /// People at each location, kept current between passes by the engine.
    pub counts: Vec<u64>,
    pub spawned_total: u64,
    /// People inserted before day 0 (reported as day 0's spawned).
    pub initial: u64,
    pub warnings: Vec<String>,
    warned_schedule: bool,
    /// DFlee flood levels and rules; `None` without flood rules. Both engines
    /// see them only through the core (levels, spawn plan, move chances, scores).
    pub floods: Option<Floods>,
    /// Links closed by border events, as location pairs (a < b).
    event_closed: BTreeSet<(usize, usize)>,
}

impl<'a> Core<'a> {
    /// What both engines build from a scenario before day 0: effective
    /// settings, data, network, places (travel halts at every port, whatever
    /// the kind of its location), candidate routes, demography, flood rules,
    /// and the setup warnings. Nobody is placed yet.
    pub(crate) fn new(sc: &'a Scenario, seed: u64) -> Result<Core<'a>, ModelError> {
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
        let mut places = Places::init(sc, &s);
        for p in &sc.border.ports {
            places.halt[p.location] = true;
        }
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
        let floods = Floods::new(sc, &s)?;
        Ok(Core {
            sc,
            camps: sc.camp_locations(),
            closures: Closures::new(sc),
            s,
            seed,
            data,
            net,
            places,
            arena,
            cands,
            demo,
            spawner: Spawner::default(),
            tables: Tables::default(),
            end: Vec::new(),
            score: vec![0.0; n],
            mc: vec![0.0; n],
            ln_stay: vec![0.0; n],
            counts: vec![0; n],
            spawned_total: 0,
            initial: 0,
            warnings,
            warned_schedule: false,
            floods,
            event_closed: BTreeSet::new(),
        })
    }

    /// The first steps of day `t`: B1 events (their link changes enacted on
    /// the network) and step 1, conflicts (with flood rules, Flee sets flood levels
    /// instead), warning once when the conflict schedule runs out. Returns
    /// true if events changed links (candidates are rebuilt in
    /// [`closures`](Self::closures)).
    pub(crate) fn begin_day(&mut self, t: u32, border: Option<&mut BorderState>) -> bool {
        let sc = self.sc;
        let mut links_changed = false;
        if let Some(b) = border {
            for ch in b.begin_day(t) {
                links_changed |= enact_link_change(sc, &mut self.net, &mut self.event_closed, ch);
            }
        }
        if let Some(f) = self.floods.as_mut() {
            f.update(sc, t);
        } else if self.places.apply_conflicts(sc, &self.s, t) && !self.warned_schedule {
            self.warned_schedule = true;
            self.warnings.push(format!(
                "the conflict schedule has fewer rows than days: from {} on, its last row holds",
                sc.start_date.add_days(t as i64)
            ));
        }
        links_changed
    }

    /// Day `t`'s spawn plan (docs/flee-rules.md §2.4): the flood-driven counts
    /// where flood rules say so, else the spawner's plan. `poisson(l, λ)`
    /// draws a count at location `l` (each engine from its own streams).
    pub(crate) fn spawn_plan(
        &mut self,
        t: u32,
        poisson: impl Fn(usize, f64) -> u64,
    ) -> Result<SpawnPlan, ModelError> {
        if let Some(v) = self
            .floods
            .as_ref()
            .and_then(|f| f.spawn_counts(&self.places, &poisson))
        {
            return Ok(SpawnPlan::PerLocation(v));
        }
        self.spawner
            .plan(self.sc, &self.data, t, &mut self.places, &self.s, poisson)
    }

    /// Step 3, closures acting on day `t` (with B1's link changes,
    /// `links_changed`): candidate routes and the border's next hops towards
    /// ports are rebuilt if links changed. Returns true if they were.
    pub(crate) fn closures(
        &mut self,
        t: u32,
        links_changed: bool,
        border: Option<&mut BorderState>,
    ) -> bool {
        let sc = self.sc;
        let changed = self
            .closures
            .apply(sc, t, &mut self.net, &mut self.places, &self.s);
        if !(changed || links_changed) {
            return false;
        }
        // A new epoch tells the route tables that their remembered weights
        // are for other candidates (see `routes::Tables`).
        let epoch = self.cands.epoch + 1;
        self.cands = Candidates::build(sc, &self.s, &self.net, &self.places, &mut self.arena);
        self.cands.epoch = epoch;
        if let Some(b) = border {
            let net = &self.net;
            b.recompute_routes(sc, &|k| {
                net.is_open(2 * k as u32) && net.is_open(2 * k as u32 + 1)
            });
        }
        true
    }

    /// Step 4, the start of evolve on day `t`: capacity growth, scores and move
    /// chances (flood-adjusted), ln(1 − move chance), the B5 shelter factor
    /// on scores with today's head counts, and the per-class end-point scores.
    pub(crate) fn evolve(&mut self, t: u32, border: Option<&BorderState>) {
        self.places
            .start_of_evolve(t as i64, &self.s, &mut self.score, &mut self.mc);
        if let Some(f) = &self.floods {
            f.adjust(&mut self.score, &mut self.mc);
        }
        for (ln, m) in self.ln_stay.iter_mut().zip(&self.mc) {
            *ln = (-m).ln_1p();
        }
        if let Some(b) = border {
            for (l, (sc, &c)) in self.score.iter_mut().zip(&self.counts).enumerate() {
                *sc *= b.attractiveness_factor(l, c);
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
    }

    /// The route tables with today's head counts (Flee's capacity snapshot).
    pub(crate) fn build_tables(&mut self) {
        self.tables.build(
            &self.cands,
            &self.places,
            &self.end,
            self.demo.n_class,
            &self.counts,
            &self.s,
        );
    }

    /// The day's record with what the core knows (day, camp data, spawning)
    /// and every per-location vector zero; the engine fills in its people.
    pub(crate) fn record(&self, t: u32, spawned_today: u64) -> DayRecord {
        let n = self.sc.locations.len();
        DayRecord {
            day: t,
            population: vec![0; n],
            on_links_toward: vec![0; n],
            arrived: vec![0; n],
            departed: vec![0; n],
            queue: vec![0; n],
            sheltered: vec![0; n],
            unsheltered: vec![0; n],
            admitted: vec![0; n],
            encountered: vec![0; n],
            intercepted: vec![0; n],
            intercepted_first: vec![0; n],
            camp_data: self
                .camps
                .iter()
                .map(|&c| self.data.camp(c).map(|s| s.value_at(t as i64)).unwrap_or(0))
                .collect(),
            spawned_today,
            raw: self.spawner.raw,
            debt: self.spawner.debt,
            ..Default::default()
        }
    }

    /// The run's warnings so far: the core's, then the border's.
    pub(crate) fn warnings(&self, border: Option<&BorderState>) -> Vec<String> {
        let mut w = self.warnings.clone();
        if let Some(b) = border {
            w.extend(b.warnings().iter().cloned());
        }
        w
    }

    /// Changes the seed of the days ahead (see `AgentRun::reseed`).
    pub(crate) fn reseed(&mut self, seed: u64, border: Option<&mut BorderState>) {
        self.seed = seed;
        if let Some(b) = border {
            b.reseed(seed);
        }
    }
}

/// The nearly-full-camp rule of `decide` (docs/flee-rules.md §2.7): people
/// whose chosen route ends at a camp whose capacity multiplier is below 1/2
/// stay. Both engines' passes apply it.
#[inline(always)]
pub(crate) fn camp_nearly_full(places: &Places, tables: &Tables, fin: usize) -> bool {
    places.camp[fin] && tables.capmul[fin] < 0.5
}

/// The records of a stepped run (`AgentRun`, `CountRun`): the days simulated
/// so far and the first seed.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    out: RunOutput,
}

impl Records {
    pub(crate) fn new(seed: u64) -> Records {
        Records {
            out: RunOutput {
                seed,
                days: Vec::new(),
                warnings: Vec::new(),
            },
        }
    }

    /// The next day to simulate (= the number of days simulated).
    pub(crate) fn day(&self) -> u32 {
        self.out.days.len() as u32
    }

    pub(crate) fn reserve(&mut self, days: u32) {
        self.out.days.reserve(days as usize);
    }

    /// Appends the record of the day just simulated and returns it.
    pub(crate) fn push(&mut self, rec: DayRecord) -> &DayRecord {
        self.out.days.push(rec);
        self.out.days.last().expect("just pushed")
    }

    pub(crate) fn records(&self) -> &[DayRecord] {
        &self.out.days
    }

    /// The whole output, with the run's `warnings`.
    pub(crate) fn into_output(self, warnings: Vec<String>) -> RunOutput {
        RunOutput {
            warnings,
            ..self.out
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
/// links closed by events, as location pairs (a < b).
fn enact_link_change(
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
