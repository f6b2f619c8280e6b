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
use super::multinomial::binomial;
use crate::border::papers::{self, PapersOffice};
use crate::rng::Stream;
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// Stream phase of the offers (`super::stream`, one stream per office and
/// day; numbers above those of `counts/mod.rs` and `counts/border.rs`).
const PH_PAPERS: u64 = 43;

/// A wait range's people are spread one person at a time (a uniform day
/// each) up to this many; more take one binomial per day of the range.
const PER_PERSON_WAITS: u64 = 64;

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

/// `border::papers::split_counts`'s law (each of `n` people seeks with the
/// office's share; a seeker gives up with its share; the wait is a uniform
/// day of the range) drawn from one stream per office and day: (days of
/// wait, with papers, people) in `out`, days ascending within each outcome.
/// Few people per range (the usual case: cohorts are small and the seek
/// share is low) each draw a uniform day, instead of one conditional binomial
/// per day of the range until they are placed (a logarithm or two per day:
/// a range of 43 days cost ~6,000 instructions a cohort). The same law, not
/// the same draws.
fn split_waits(rng: &mut Stream, office: &PapersOffice, n: u64, out: &mut Vec<(u32, bool, u64)>) {
    out.clear();
    if n == 0 || office.seek_share <= 0.0 {
        return;
    }
    let seekers = binomial(rng, n, office.seek_share.min(1.0));
    let give_up = binomial(rng, seekers, office.give_up_share.clamp(0.0, 1.0));
    let mut days: Vec<u64> = Vec::new();
    for (range, with_papers, people) in [
        (office.days, true, seekers - give_up),
        (office.give_up_days, false, give_up),
    ] {
        let len = range.len() as u64;
        if people == 0 {
            continue;
        }
        if people <= PER_PERSON_WAITS {
            days.clear();
            days.extend((0..people).map(|_| rng.below(len)));
            days.sort_unstable();
            let mut i = 0;
            while i < days.len() {
                let d = days[i];
                let mut j = i + 1;
                while j < days.len() && days[j] == d {
                    j += 1;
                }
                out.push((range.min + d as u32, with_papers, (j - i) as u64));
                i = j;
            }
            continue;
        }
        papers::spread_uniform(
            range,
            people,
            |n, p| binomial(rng, n, p),
            |day, x| out.push((day, with_papers, x)),
        );
    }
}

impl CountBorder {
    /// P: offers papers to every cohort at an office that was never offered them
    /// (no `PAPERS_SEEN` flag, no appointment); seekers leave the bucket for the
    /// pools, the others gain the flag.
    // Once a day: out of line, so that profiles show the step on its own.
    #[inline(never)]
    pub(crate) fn offer_papers(
        &mut self,
        t: u32,
        seed: u64,
        at: &mut [Vec<(Key, u64)>],
        scratch: &mut Scratch,
    ) {
        let p = &mut self.papers;
        let mut waits = Vec::new();
        for (o, office) in p.offices.iter().enumerate() {
            let l = office.location;
            let bucket = &mut at[l];
            let mut changed = false;
            let mut rng = None;
            for c in bucket.iter_mut() {
                let (k, x) = *c;
                if k.flags() & PAPERS_SEEN != 0 || k.bd().is_holder() {
                    continue;
                }
                changed = true;
                let seen = k.with_flags(k.flags() | PAPERS_SEEN);
                let waiting = seen.with_route(NO_ROUTE, 0);
                let mut left = x;
                let rng = rng.get_or_insert_with(|| super::stream(seed, t, PH_PAPERS, o as u64));
                split_waits(rng, office, x, &mut waits);
                for &(w, with_papers, y) in &waits {
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
    // Once a day: out of line, so that profiles show the step on its own.
    #[inline(never)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::border::papers::DayRange;

    /// `split_waits` has the law of `border::papers::split_counts` (the rule
    /// it replaces, itself the per-person law): per (wait, with papers) cell
    /// and for the people who do not seek, the mean and the second moment of
    /// the count, as z-scores with fixed seeds; group sizes for both branches
    /// (a uniform day per person, and a binomial per day for over
    /// `PER_PERSON_WAITS` people in a range). Also: exact totals, days in
    /// their ranges, ascending and distinct within each outcome.
    #[test]
    fn split_waits_has_the_law_of_split_counts() {
        let o = PapersOffice {
            location: 0,
            seek_share: 0.4,
            days: DayRange { min: 56, max: 70 },
            give_up_share: 0.25,
            give_up_days: DayRange { min: 7, max: 28 },
            bus_to: None,
            bus_days: 1,
        };
        // Cells: 15 days with papers, 22 days giving up, and not seeking.
        let cell = |w: u32, with_papers: bool| -> usize {
            if with_papers {
                (w - 56) as usize
            } else {
                15 + (w - 7) as usize
            }
        };
        let mut out = Vec::new();
        for n in [1u64, 3, 20, 400] {
            let reps = 3000u64;
            let mut sums = vec![[[0f64; 2]; 2]; 2 * 38];
            for rep in 0..reps {
                let mut rng = Stream::from_u64(rep + 99);
                split_waits(&mut rng, &o, n, &mut out);
                let old = papers::split_counts(9, 3, 0, &o, rep as u32, n);
                for (m, draws) in [out.clone(), old].iter().enumerate() {
                    let mut x = [0u64; 38];
                    for (i, &(w, p, y)) in draws.iter().enumerate() {
                        assert!(y > 0);
                        if i > 0 && draws[i - 1].1 == p {
                            assert!(draws[i - 1].0 < w, "{draws:?}");
                        }
                        let range = if p { o.days } else { o.give_up_days };
                        assert!((range.min..=range.max).contains(&w));
                        x[cell(w, p)] += y;
                    }
                    let seekers: u64 = x.iter().sum();
                    assert!(seekers <= n);
                    x[37] = n - seekers;
                    for (c, &v) in x.iter().enumerate() {
                        let v = v as f64;
                        sums[c][m][0] += v;
                        sums[c][m][1] += v * v;
                        sums[38 + c][m][0] += v * v;
                        sums[38 + c][m][1] += v * v * v * v;
                    }
                }
            }
            let r = reps as f64;
            for (i, s) in sums.iter().enumerate() {
                let (m0, m1) = (s[0][0] / r, s[1][0] / r);
                let se = ((s[0][1] / r - m0 * m0 + s[1][1] / r - m1 * m1) / r).sqrt();
                assert!(
                    (m0 - m1).abs() <= 4.5 * se + 1e-9,
                    "n {n}, statistic {i}: {m0} against {m1} (se {se})"
                );
            }
        }
        split_waits(
            &mut Stream::from_u64(1),
            &PapersOffice {
                seek_share: 0.0,
                ..o
            },
            10,
            &mut out,
        );
        assert!(out.is_empty());
    }
}
