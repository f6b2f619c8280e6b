//! Waiting for papers (docs/model.md, "Waiting for papers"): offices where people
//! arriving in the south seek papers (asylum at COMAR, INM visitor cards) and wait
//! for them, and the relocation event that moves people who wait elsewhere.
//!
//! Shared by both engines, free of I/O:
//! * [`PapersOffice`]: the plain data of an office (scenario `[[papers]]`);
//! * [`plan`]: one person's outcome (seeks or not, waits how long, leaves with
//!   or without papers), drawn from a stream keyed by (seed, day, office, agent),
//!   so it depends on who, where and when only;
//! * [`split_counts`]: the same law for a group of exchangeable people (binomial
//!   draws, then a uniform multinomial over the days): the reference the count
//!   engine's draws (`counts::papers`, the same law drawn another way) are tested against;
//! * [`Waiting`]: the agent engine's waiting list, ordered by (release day, agent);
//! * [`relocations`] and [`pick`]: the day's relocation events and a uniform
//!   choice of whom they move.
//!
//! Invariants the scenario reader establishes: shares in [0, 1]; day ranges with
//! 1 ≤ min ≤ max; `bus_days` ≥ 1 when `bus_to` is set; at most one office per
//! location. Everyone is offered papers once in a run: the engines mark the
//! people who were (the `PAPERS_SEEN` flag), whatever they chose.

use crate::border::{Action, Border};
use crate::rng::{self, Purpose, Stream};
use serde::Serialize;
use std::collections::BTreeMap;

/// A whole number of days drawn uniformly in `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayRange {
    pub min: u32,
    pub max: u32,
}

impl DayRange {
    /// Number of possible values.
    pub fn len(&self) -> u32 {
        self.max.saturating_sub(self.min) + 1
    }

    /// Never empty: the reader ensures `min ≤ max` (kept for clippy's len rule).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The value for a uniform index `k < len()`.
    fn at(&self, k: u32) -> u32 {
        self.min + k
    }
}

/// An office where people arriving at `location` may seek papers and wait for them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PapersOffice {
    /// Where the office is (people wait there, counted in its population).
    pub location: usize,
    /// Share of the people first seen at the location who seek papers.
    pub seek_share: f64,
    /// Days from seeking to papers (uniform in the range).
    pub days: DayRange,
    /// Share of the seekers who give up before their papers come.
    pub give_up_share: f64,
    /// Days after which those who give up leave the wait (uniform in the range).
    pub give_up_days: DayRange,
    /// With papers, people take the bus here (in transit, passing no checkpoint);
    /// `None`: they stay at the office location, free to go on.
    pub bus_to: Option<usize>,
    /// Days on the bus (≥ 1 when `bus_to` is set).
    pub bus_days: u32,
}

/// One person's outcome at an office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The wait ends at the start of this day (B2).
    pub release: u32,
    /// Leaves with papers (else gives up).
    pub papers: bool,
}

/// Top byte of the stream entities of this module (distinct from `draws::Tag`).
const TAG_PERSON: u64 = 0x50;
const TAG_COUNT: u64 = 0x51;
const TAG_RELOCATE: u64 = 0x52;
const TAG_CARAVAN: u64 = 0x53;

fn key(tag: u64, index: usize, agent: u32) -> u64 {
    (tag << 56) | (((index as u64) & 0xFF_FFFF) << 32) | agent as u64
}

fn stream(seed: u64, day: u32, tag: u64, index: usize, agent: u32) -> Stream {
    rng::stream(seed, Purpose::Border, day as u64, key(tag, index, agent))
}

/// Does `agent`, first seen at office `index` on `day`, seek papers, and how
/// does the wait end? `None`: does not seek (goes on as before).
pub fn plan(seed: u64, day: u32, index: usize, office: &PapersOffice, agent: u32) -> Option<Plan> {
    if office.seek_share <= 0.0 {
        return None;
    }
    let mut s = stream(seed, day, TAG_PERSON, index, agent);
    if office.seek_share < 1.0 && s.next_f64() >= office.seek_share {
        return None;
    }
    let gives_up = office.give_up_share >= 1.0
        || (office.give_up_share > 0.0 && s.next_f64() < office.give_up_share);
    let range = if gives_up {
        office.give_up_days
    } else {
        office.days
    };
    let wait = range.at(s.below(range.len() as u64) as u32);
    Some(Plan {
        release: day + wait,
        papers: !gives_up,
    })
}

/// The same law for `n` exchangeable people first seen at office `index` on
/// `day`: (days of wait, with papers, people) for every non-empty group of
/// seekers; the rest (n minus their sum) do not seek. `group` keys the stream
/// (e.g. the cohort's position in its bucket).
pub fn split_counts(
    seed: u64,
    day: u32,
    index: usize,
    office: &PapersOffice,
    group: u32,
    n: u64,
) -> Vec<(u32, bool, u64)> {
    let mut out = Vec::new();
    if n == 0 || office.seek_share <= 0.0 {
        return out;
    }
    let mut s = stream(seed, day, TAG_COUNT, index, group);
    let seekers = s.binomial(n, office.seek_share.min(1.0));
    let give_up = s.binomial(seekers, office.give_up_share.clamp(0.0, 1.0));
    for (range, papers, people) in [
        (office.days, true, seekers - give_up),
        (office.give_up_days, false, give_up),
    ] {
        spread_uniform(
            range,
            people,
            |n, p| s.binomial(n, p),
            |day, x| out.push((day, papers, x)),
        );
    }
    out
}

/// `people` spread over the days of `range` by a uniform multinomial, drawn as
/// sequential conditional binomials (`binomial(n, p)`): `push(day, people)`
/// for each day that gets some, days ascending. Both the agent engine's
/// reference law ([`split_counts`]) and the count engine's large groups use it.
pub(crate) fn spread_uniform(
    range: DayRange,
    mut people: u64,
    mut binomial: impl FnMut(u64, f64) -> u64,
    mut push: impl FnMut(u32, u64),
) {
    let len = range.len();
    for k in 0..len {
        if people == 0 {
            break;
        }
        let x = if k + 1 == len {
            people
        } else {
            binomial(people, 1.0 / (len - k) as f64)
        };
        if x > 0 {
            push(range.at(k), x);
            people -= x;
        }
    }
}

/// The agent engine's waiting list: who waits, at which office, until when.
#[derive(Debug, Clone, Default)]
pub struct Waiting {
    /// (release day, agent) → (office, with papers).
    due: BTreeMap<(u32, u32), (usize, bool)>,
    /// agent → release day (to take people off the list early).
    release_of: BTreeMap<u32, u32>,
}

impl Waiting {
    /// `agent` waits at `office` until `plan.release`.
    pub fn push(&mut self, agent: u32, office: usize, plan: Plan) {
        self.due
            .insert((plan.release, agent), (office, plan.papers));
        self.release_of.insert(agent, plan.release);
    }

    /// Removes and returns everyone whose wait ends on or before `day`:
    /// (agent, office, with papers), by release day then agent.
    pub fn release(&mut self, day: u32) -> Vec<(u32, usize, bool)> {
        let later = self.due.split_off(&(day.saturating_add(1), 0));
        let due = std::mem::replace(&mut self.due, later);
        due.into_iter()
            .map(|((_, a), (o, p))| {
                self.release_of.remove(&a);
                (a, o, p)
            })
            .collect()
    }

    /// Takes `agent` off the list (it joined a caravan or was relocated).
    pub fn remove(&mut self, agent: u32) {
        if let Some(r) = self.release_of.remove(&agent) {
            self.due.remove(&(r, agent));
        }
    }

    /// The agents waiting at `office`, in id order.
    pub fn at_office(&self, office: usize) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .due
            .iter()
            .filter(|(_, &(o, _))| o == office)
            .map(|(&(_, a), _)| a)
            .collect();
        v.sort_unstable();
        v
    }

    /// People waiting now.
    pub fn len(&self) -> usize {
        self.due.len()
    }

    pub fn is_empty(&self) -> bool {
        self.due.is_empty()
    }
}

/// A relocation of the day: move `people` (agents) waiting for papers at `from`
/// to `to`, arriving after `delay_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relocation {
    /// Index of the event in `Border::events` (keys its draws).
    pub event: usize,
    pub from: usize,
    pub to: usize,
    pub people: u64,
    pub delay_days: u32,
}

/// The relocation events of `day`, in event order.
pub fn relocations(border: &Border, day: u32) -> Vec<Relocation> {
    border
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.day == day)
        .filter_map(|(i, e)| match e.action {
            Action::Relocate {
                from,
                to,
                people,
                delay_days,
            } => Some(Relocation {
                event: i,
                from,
                to,
                people,
                delay_days,
            }),
            _ => None,
        })
        .collect()
}

/// The office at `location`, if any.
pub fn office_at(border: &Border, location: usize) -> Option<usize> {
    border.papers.iter().position(|o| o.location == location)
}

/// A uniform choice of `k` of `candidates` (sorted ids) for relocation event
/// `event` on `day`, in id order.
pub fn pick(seed: u64, day: u32, event: usize, candidates: &[u32], k: u64) -> Vec<u32> {
    let mut v = candidates.to_vec();
    let k = (k as usize).min(v.len());
    if k < v.len() {
        let mut s = stream(seed, day, TAG_RELOCATE, event, 0);
        crate::border::draws::partial_shuffle(&mut v, k, &mut s);
        v.truncate(k);
        v.sort_unstable();
    }
    v
}

/// The count version of [`pick`]'s stream, for choosing among pools.
pub fn pick_stream(seed: u64, day: u32, event: usize) -> Stream {
    stream(seed, day, TAG_RELOCATE, event, 1)
}

/// The count engine's stream for recruiting caravan `caravan` among the free and
/// those waiting for papers at its origin.
pub fn caravan_stream(seed: u64, day: u32, caravan: usize) -> Stream {
    stream(seed, day, TAG_CARAVAN, caravan, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(seek: f64, give_up: f64) -> PapersOffice {
        PapersOffice {
            location: 0,
            seek_share: seek,
            days: DayRange { min: 56, max: 70 },
            give_up_share: give_up,
            give_up_days: DayRange { min: 7, max: 28 },
            bus_to: None,
            bus_days: 1,
        }
    }

    #[test]
    fn plans_follow_the_shares_and_ranges() {
        let o = office(0.4, 0.25);
        let n = 40_000u32;
        let (mut seek, mut papers) = (0u32, 0u32);
        for a in 0..n {
            if let Some(p) = plan(7, 3, 0, &o, a) {
                seek += 1;
                let w = p.release - 3;
                if p.papers {
                    papers += 1;
                    assert!((56..=70).contains(&w), "{w}");
                } else {
                    assert!((7..=28).contains(&w), "{w}");
                }
            }
        }
        let s = seek as f64 / n as f64;
        assert!((s - 0.4).abs() < 0.01, "seek share {s}");
        let g = 1.0 - papers as f64 / seek as f64;
        assert!((g - 0.25).abs() < 0.015, "give-up share {g}");
        // Keyed by agent: the same call gives the same plan.
        assert_eq!(plan(7, 3, 0, &o, 11), plan(7, 3, 0, &o, 11));
        assert_eq!(plan(7, 3, 0, &office(0.0, 0.0), 11), None);
    }

    #[test]
    fn counts_follow_the_same_law() {
        let o = office(0.4, 0.25);
        let (mut seek, mut papers, mut days) = (0u64, 0u64, 0u64);
        let n = 1000u64;
        for g in 0..200u32 {
            let out = split_counts(9, 3, 0, &o, g, n);
            for (w, p, x) in out {
                seek += x;
                if p {
                    papers += x;
                    assert!((56..=70).contains(&w));
                    days += w as u64 * x;
                } else {
                    assert!((7..=28).contains(&w));
                }
            }
        }
        let s = seek as f64 / (200 * n) as f64;
        assert!((s - 0.4).abs() < 0.01, "seek share {s}");
        let g = 1.0 - papers as f64 / seek as f64;
        assert!((g - 0.25).abs() < 0.015, "give-up share {g}");
        let mean = days as f64 / papers as f64;
        assert!((mean - 63.0).abs() < 0.3, "mean wait {mean}");
        assert!(split_counts(9, 3, 0, &office(0.0, 0.5), 0, 10).is_empty());
    }

    #[test]
    fn waiting_list_releases_in_order_and_drops_removed() {
        let mut w = Waiting::default();
        w.push(
            5,
            0,
            Plan {
                release: 4,
                papers: true,
            },
        );
        w.push(
            2,
            1,
            Plan {
                release: 4,
                papers: false,
            },
        );
        w.push(
            9,
            0,
            Plan {
                release: 6,
                papers: true,
            },
        );
        assert_eq!(w.at_office(0), vec![5, 9]);
        w.remove(9);
        assert_eq!(w.len(), 2);
        assert!(w.release(3).is_empty());
        assert_eq!(w.release(4), vec![(2, 1, false), (5, 0, true)]);
        assert!(w.is_empty());
    }

    #[test]
    fn pick_is_a_uniform_subset() {
        let c: Vec<u32> = (0..10).collect();
        let mut hits = [0u32; 10];
        for day in 0..2000 {
            let p = pick(1, day, 0, &c, 3);
            assert_eq!(p.len(), 3);
            assert!(p.windows(2).all(|w| w[0] < w[1]));
            for a in p {
                hits[a as usize] += 1;
            }
        }
        for h in hits {
            assert!((h as f64 - 600.0).abs() < 90.0, "{hits:?}");
        }
        assert_eq!(pick(1, 0, 0, &c, 20), c);
    }
}
