//! Waiting for papers (docs/model.md, "Waiting for papers") on counts.
//!
//! The waiting stock is held in aggregated pools outside the cohort buckets:
//! per release day, entries (office, with papers, key, people), where the key is
//! the cohort's key when it started to wait (with the [`PAPERS_SEEN`] flag). They
//! stay people at the office's location: the record adds them to its population
//! (and so to tomorrow's occupancy) through [`CountPapers::waiting`]. The cohort
//! key only gains the `PAPERS_SEEN` flag (people offered papers once, whatever
//! they chose), in the flags byte the key already has.
//!
//! The law is the agent engine's (`border::papers::plan` per person,
//! `border::papers::split_counts` per cohort): step P offers papers to every
//! cohort at an office without the flag and without an appointment; B2 ends the
//! waits due today (back into the bucket, or by bus in transit) and applies the
//! day's relocations (a uniform choice among the pools at the location); B4 lets a
//! caravan recruit uniformly among the free people and those waiting at its
//! origin. Units: people in agents, as everywhere in the engine.

use super::border::{take_uniform, CountBorder};
use super::cohorts::{normalise, Key, Scratch, NO_ROUTE};
use crate::border::papers::{self, PapersOffice};
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// Key flag: offered papers at an office (the agent engine's `PAPERS_SEEN`).
pub(crate) const PAPERS_SEEN: u8 = crate::engine::agents::PAPERS_SEEN;

/// One pool entry: (office, with papers, key, people).
type Entry = (usize, bool, Key, u64);

/// Cohorts as (key, people).
type Cohorts = Vec<(Key, u64)>;

/// The waiting stock of a count run.
#[derive(Debug, Clone, Default)]
pub(crate) struct CountPapers {
    offices: Vec<PapersOffice>,
    /// Release day → entries, in the order they started to wait.
    pools: BTreeMap<u32, Vec<Entry>>,
    /// Per location: people waiting there now.
    waiting_at: Vec<u64>,
}

impl CountPapers {
    pub(crate) fn new(sc: &Scenario) -> CountPapers {
        CountPapers {
            offices: sc.border.papers.clone(),
            pools: BTreeMap::new(),
            waiting_at: vec![0; sc.locations.len()],
        }
    }

    /// (location, people waiting there) for every location with people waiting.
    pub(crate) fn waiting(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.waiting_at
            .iter()
            .enumerate()
            .filter(|(_, &x)| x > 0)
            .map(|(l, &x)| (l, x))
    }

    /// Entries at `location`: (release day, index in its pool), in pool order.
    fn entries_at(&self, location: usize) -> Vec<(u32, usize)> {
        let mut v = Vec::new();
        for (&day, pool) in &self.pools {
            for (j, e) in pool.iter().enumerate() {
                if self.offices[e.0].location == location && e.3 > 0 {
                    v.push((day, j));
                }
            }
        }
        v
    }

    /// Takes `taken[k]` people from entry `refs[k]`: returns (key, people).
    fn take(&mut self, refs: &[(u32, usize)], taken: &[u64]) -> Vec<(Key, u64)> {
        let mut out = Vec::new();
        for (&(day, j), &x) in refs.iter().zip(taken) {
            if x == 0 {
                continue;
            }
            let e = &mut self.pools.get_mut(&day).expect("entry exists")[j];
            e.3 -= x;
            let l = self.offices[e.0].location;
            self.waiting_at[l] -= x;
            out.push((e.2, x));
        }
        for pool in self.pools.values_mut() {
            pool.retain(|e| e.3 > 0);
        }
        self.pools.retain(|_, p| !p.is_empty());
        out
    }
}

impl CountBorder {
    /// P: offers papers to every cohort at an office that was never offered them
    /// (no `PAPERS_SEEN` flag, no appointment); seekers leave the bucket for the
    /// pools, the others gain the flag.
    pub(crate) fn offer_papers(
        &mut self,
        t: u32,
        seed: u64,
        at: &mut [Vec<(Key, u64)>],
        scratch: &mut Scratch,
    ) {
        let p = &mut self.papers;
        for (o, office) in p.offices.iter().enumerate() {
            let l = office.location;
            let bucket = &mut at[l];
            let mut changed = false;
            for (g, c) in bucket.iter_mut().enumerate() {
                let (k, x) = *c;
                if k.flags() & PAPERS_SEEN != 0 || k.bd().is_holder() {
                    continue;
                }
                changed = true;
                let seen = k.with_flags(k.flags() | PAPERS_SEEN);
                let waiting = seen.with_route(NO_ROUTE, 0);
                let mut left = x;
                for (w, with_papers, y) in papers::split_counts(seed, t, o, office, g as u32, x) {
                    p.pools
                        .entry(t + w)
                        .or_default()
                        .push((o, with_papers, waiting, y));
                    p.waiting_at[l] += y;
                    left -= y;
                }
                *c = (seen, left);
            }
            if changed {
                bucket.retain(|c| c.1 > 0);
                normalise(bucket, 0, scratch);
            }
        }
    }

    /// B2: the waits that end today (back into the office's bucket, or in transit
    /// on the bus), then the day's relocations. `counts` (occupancy) loses those
    /// who leave the location.
    pub(crate) fn papers_release(
        &mut self,
        t: u32,
        seed: u64,
        at: &mut [Vec<(Key, u64)>],
        counts: &mut [u64],
    ) {
        let later = self.papers.pools.split_off(&(t + 1));
        let due = std::mem::replace(&mut self.papers.pools, later);
        for (o, with_papers, k, x) in due.into_values().flatten() {
            let office = &self.papers.offices[o];
            let l = office.location;
            self.papers.waiting_at[l] -= x;
            // Recent travel halves every day; after a wait of a week or more it is
            // (nearly) zero in the agent engine too.
            let k = k.with_recent(0.0);
            match (with_papers, office.bus_to) {
                (true, Some(dest)) => {
                    counts[l] -= x;
                    self.send(t + office.bus_days, k.moved_to(dest as u32), x);
                }
                _ => at[l].push((k, x)),
            }
        }
        for r in papers::relocations(self.b.border(), t) {
            let refs = self.papers.entries_at(r.from);
            let mut sizes: Vec<u64> = refs
                .iter()
                .map(|&(d, j)| self.papers.pools[&d][j].3)
                .collect();
            let total: u64 = sizes.iter().sum();
            if total < r.people {
                self.b.warn(format!(
                    "relocation on day {t}: {total} of {} agents waiting for papers at location #{}",
                    r.people, r.from
                ));
            }
            let mut rng = papers::pick_stream(seed, t, r.event);
            let taken = take_uniform(&mut rng, &mut sizes, r.people);
            for (k, x) in self.papers.take(&refs, &taken) {
                counts[r.from] -= x;
                let k = k.moved_to(r.to as u32).with_recent(0.0);
                self.send(t + r.delay_days, k, x);
            }
        }
    }

    /// B4 for caravan `c` (source "waiting") at `origin`: when people wait for
    /// papers there, chooses the members uniformly among `free` (the cohorts free
    /// to go) and those waiting, and returns (the chosen, to pass to
    /// `start_caravan`, which takes them all; the free people not chosen). Without
    /// anyone waiting, returns (`free`, nothing) unchanged.
    pub(crate) fn papers_caravan_pool(
        &mut self,
        t: u32,
        seed: u64,
        c: usize,
        origin: usize,
        size: u64,
        free: Cohorts,
    ) -> (Cohorts, Cohorts) {
        if self.papers.waiting_at.get(origin).copied().unwrap_or(0) == 0 {
            return (free, Vec::new());
        }
        let refs = self.papers.entries_at(origin);
        let mut sizes: Vec<u64> = free.iter().map(|c| c.1).collect();
        sizes.extend(refs.iter().map(|&(d, j)| self.papers.pools[&d][j].3));
        let mut rng = papers::caravan_stream(seed, t, c);
        let taken = take_uniform(&mut rng, &mut sizes, size);
        let nf = free.len();
        let mut chosen = Vec::new();
        let mut rest = Vec::new();
        for (i, &(k, x)) in free.iter().enumerate() {
            if taken[i] > 0 {
                chosen.push((k, taken[i]));
            }
            if x > taken[i] {
                rest.push((k, x - taken[i]));
            }
        }
        chosen.extend(self.papers.take(&refs, &taken[nf..]));
        (chosen, rest)
    }
}
