//! Caravans: a group that walks a fixed path at a fixed speed, and splits.
//!
//! Position is kilometres walked along the path (origin = 0). On the start day and
//! every day after, the caravan walks `speed_km_per_day`, but it stops early at the
//! next *stop*: the end of the path, or a place where a dispersal that has not yet
//! happened is due. So with `x(t−1)` the position after the previous day
//! (`x = 0` before the start), `x(t) = min(x(t−1) + speed, next stop)`.
//! When the caravan reaches a stop it applies, in order, every pending dispersal of
//! that place; then every pending dispersal dated today, wherever it is. A dispersal
//! splits the current members (order randomised with the stream (seed, Border, t,
//! Dispersal, caravan, dispersal)): the first `round(n · continue_share)` stay, the
//! next `min(rest, round(n · papers_share))` take papers (in transit to
//! `relocate_to`, released `delay_days` later), the others leave the group and go on
//! alone from the caravan's position. At the end of the path, or when nobody
//! continues, the caravan ends and its remaining members go on alone from there.
//! Members do not decide or travel by Flee's rules while in the caravan, and
//! checkpoints do not act on them (the dispersals model what authorities do to
//! caravans).

use crate::border::draws::{self, Tag};
use crate::border::{Caravan, DispersalAt};
use crate::error::ModelError;
use crate::scenario::Scenario;

/// Where a caravan is at the end of a day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CaravanPos {
    /// At a location.
    At(usize),
    /// On the link `from → to`, `km` walked from `from`.
    On { from: usize, to: usize, km: f64 },
}

/// The path with cumulative distances.
#[derive(Debug, Clone, PartialEq)]
pub struct CaravanPlan {
    /// Origin, then the path.
    pub nodes: Vec<usize>,
    /// Kilometres from the origin to each node.
    pub cum_km: Vec<f64>,
}

impl CaravanPlan {
    /// Builds the plan; each step must be a link of the scenario (shortest such link
    /// if several).
    pub fn new(c: &Caravan, scenario: &Scenario) -> Result<Self, ModelError> {
        let mut nodes = vec![c.origin];
        nodes.extend_from_slice(&c.path);
        let mut cum_km = vec![0.0];
        for w in nodes.windows(2) {
            let (a, b) = (w[0], w[1]);
            let d = scenario
                .links
                .iter()
                .filter(|l| (l.from == a && l.to == b) || (l.from == b && l.to == a))
                .map(|l| l.distance_km)
                .fold(f64::INFINITY, f64::min);
            if !d.is_finite() {
                return Err(ModelError::InvalidScenario(format!(
                    "caravan '{}': no link between locations {a} and {b}",
                    c.name
                )));
            }
            cum_km.push(cum_km.last().copied().unwrap_or(0.0) + d);
        }
        Ok(CaravanPlan { nodes, cum_km })
    }

    pub fn length_km(&self) -> f64 {
        self.cum_km.last().copied().unwrap_or(0.0)
    }

    /// The position `x` km along the path.
    pub fn position(&self, x: f64) -> CaravanPos {
        for (j, &k) in self.cum_km.iter().enumerate() {
            if x == k {
                return CaravanPos::At(self.nodes[j]);
            }
            if x < k {
                return CaravanPos::On {
                    from: self.nodes[j - 1],
                    to: self.nodes[j],
                    km: x - self.cum_km[j - 1],
                };
            }
        }
        CaravanPos::At(*self.nodes.last().unwrap_or(&0))
    }

    /// Kilometre mark of the first occurrence of `node` at or after `x`.
    fn mark_of(&self, node: usize, x: f64) -> Option<f64> {
        self.nodes
            .iter()
            .zip(&self.cum_km)
            .find(|(&n, &k)| n == node && k >= x)
            .map(|(_, &k)| k)
    }
}

/// What happened to a caravan on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct CaravanDay {
    /// Position after today's walk (all remaining members are here).
    pub position: CaravanPos,
    /// Locations reached today, in order (not the one it started the day at).
    pub passed: Vec<usize>,
    /// Members who took papers today: (agent, relocate_to, release day).
    pub papers: Vec<(u32, usize, u32)>,
    /// Members who left the group today (or all remaining ones when it ended);
    /// they go on alone from `position`.
    pub left: Vec<u32>,
    /// The caravan ended today.
    pub ended: bool,
}

/// Run state of one caravan.
#[derive(Debug, Clone, PartialEq)]
pub struct CaravanRun {
    pub plan: CaravanPlan,
    /// Current members, in a fixed order.
    pub members: Vec<u32>,
    km: f64,
    applied: Vec<bool>,
    pub started: bool,
    pub ended: bool,
}

impl CaravanRun {
    pub fn new(c: &Caravan, scenario: &Scenario) -> Result<Self, ModelError> {
        Ok(CaravanRun {
            plan: CaravanPlan::new(c, scenario)?,
            members: Vec::new(),
            km: 0.0,
            applied: vec![false; c.dispersals.len()],
            started: false,
            ended: false,
        })
    }

    /// Kilometres walked so far.
    pub fn km(&self) -> f64 {
        self.km
    }

    /// Starts the caravan with these members (call on `Caravan::day`).
    pub fn start(&mut self, members: Vec<u32>) {
        self.members = members;
        self.started = true;
        self.ended = self.members.is_empty();
    }

    /// Walks one day and applies the day's dispersals. `None` when the caravan is
    /// not under way (not started, or ended).
    pub fn advance(
        &mut self,
        c: &Caravan,
        index: usize,
        seed: u64,
        day: u32,
    ) -> Option<CaravanDay> {
        if !self.started || self.ended || day < c.day {
            return None;
        }
        let old = self.km;
        let end = self.plan.length_km();
        let mut stop = end;
        for (i, d) in c.dispersals.iter().enumerate() {
            if let (false, DispersalAt::Place(node)) = (self.applied[i], d.at) {
                if let Some(k) = self.plan.mark_of(node, old) {
                    stop = stop.min(k);
                }
            }
        }
        let new = (old + c.speed_km_per_day.max(0.0)).min(stop);
        self.km = new;
        let passed: Vec<usize> = self
            .plan
            .nodes
            .iter()
            .zip(&self.plan.cum_km)
            .filter(|(_, &k)| k > old && k <= new)
            .map(|(&n, _)| n)
            .collect();
        let position = self.plan.position(new);
        let mut out = CaravanDay {
            position,
            passed,
            papers: Vec::new(),
            left: Vec::new(),
            ended: false,
        };
        for i in 0..c.dispersals.len() {
            if self.applied[i] {
                continue;
            }
            let due = match c.dispersals[i].at {
                DispersalAt::Place(node) => {
                    new == stop && self.plan.mark_of(node, old) == Some(new)
                }
                DispersalAt::Day(_) => false,
            };
            if due {
                self.disperse(c, index, i, seed, day, &mut out);
            }
        }
        for i in 0..c.dispersals.len() {
            if !self.applied[i] && c.dispersals[i].at == DispersalAt::Day(day) {
                self.disperse(c, index, i, seed, day, &mut out);
            }
        }
        if new >= end || self.members.is_empty() {
            out.left.append(&mut self.members);
            self.ended = true;
            out.ended = true;
        }
        Some(out)
    }

    fn disperse(
        &mut self,
        c: &Caravan,
        index: usize,
        i: usize,
        seed: u64,
        day: u32,
        out: &mut CaravanDay,
    ) {
        self.applied[i] = true;
        let d = &c.dispersals[i];
        let n = self.members.len();
        let n_cont = ((n as f64 * d.continue_share.clamp(0.0, 1.0)).round() as usize).min(n);
        let n_pap = ((n as f64 * d.papers_share.clamp(0.0, 1.0)).round() as usize).min(n - n_cont);
        let mut s = draws::stream(seed, day, Tag::Dispersal, index, i as u32);
        draws::partial_shuffle(&mut self.members, n, &mut s);
        let rest = self.members.split_off(n_cont);
        let (papers, left) = rest.split_at(n_pap);
        let release = day + d.delay_days.max(1);
        if let Some(dest) = d.relocate_to {
            out.papers
                .extend(papers.iter().map(|&a| (a, dest, release)));
        } else {
            // A reader requires relocate_to with papers; without one they just leave.
            out.left.extend_from_slice(papers);
        }
        out.left.extend_from_slice(left);
    }
}

/// Picks up to `size` members from `candidates` on `day`: all of them if there are
/// not more, else a uniform random subset (stream keyed by caravan index), returned
/// sorted by agent id. Candidates are sorted first, so their order does not matter.
pub fn recruit(seed: u64, day: u32, caravan: usize, candidates: &[u32], size: u64) -> Vec<u32> {
    let mut v = candidates.to_vec();
    v.sort_unstable();
    v.dedup();
    let k = (size as usize).min(v.len());
    if k < v.len() {
        let mut s = draws::stream(seed, day, Tag::Recruit, caravan, 0);
        draws::partial_shuffle(&mut v, k, &mut s);
        v.truncate(k);
        v.sort_unstable();
    }
    v
}

/// [`recruit`] from `n` candidates without writing them out: the positions of the
/// members among the candidates sorted by id (position `i` = the `i`-th smallest),
/// sorted. The same draws and members as `recruit` (its partial Fisher–Yates
/// shuffle, followed sparsely: `draws::sparse_partial_shuffle`), in memory for
/// the members only: the count engine's pool at a caravan's origin can be
/// millions of people of whom a few thousand join.
pub fn recruit_positions(seed: u64, day: u32, caravan: usize, n: u64, size: u64) -> Vec<u64> {
    let k = size.min(n);
    if k == n {
        return (0..n).collect();
    }
    let mut s = draws::stream(seed, day, Tag::Recruit, caravan, 0);
    let mut out = draws::sparse_partial_shuffle(n, k, &mut s);
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::border::{CaravanSource, Dispersal};
    use crate::date::Date;
    use crate::scenario::{Location, LocationKind};

    /// Tapachula –40– Huixtla –64– Mapastepec –43– Pijijiapan (road km, FACTS §1.2).
    fn scenario() -> Scenario {
        let mut s = Scenario::new("t", Date(0), 30);
        for n in ["Tapachula", "Huixtla", "Mapastepec", "Pijijiapan"] {
            s.add_location(Location::new(n, LocationKind::Town));
        }
        s.link("Tapachula", "Huixtla", 40.0);
        s.link("Huixtla", "Mapastepec", 64.0);
        s.link("Mapastepec", "Pijijiapan", 43.0);
        s
    }

    fn caravan(dispersals: Vec<Dispersal>) -> Caravan {
        Caravan {
            name: "c".into(),
            day: 2,
            origin: 0,
            size: 100,
            source: CaravanSource::Waiting,
            path: vec![1, 2, 3],
            speed_km_per_day: 15.0,
            dispersals,
        }
    }

    #[test]
    fn walks_at_speed_and_ends_at_the_last_node() {
        let s = scenario();
        let c = caravan(vec![]);
        let mut r = CaravanRun::new(&c, &s).unwrap();
        assert_eq!(r.plan.cum_km, vec![0.0, 40.0, 104.0, 147.0]);
        assert!(r.advance(&c, 0, 1, 2).is_none(), "not started");
        r.start((0..100).collect());
        let d = r.advance(&c, 0, 1, 2).unwrap();
        assert_eq!(
            d.position,
            CaravanPos::On {
                from: 0,
                to: 1,
                km: 15.0
            }
        );
        assert!(d.passed.is_empty() && d.left.is_empty() && !d.ended);
        r.advance(&c, 0, 1, 3).unwrap();
        let d = r.advance(&c, 0, 1, 4).unwrap(); // 45 km: passed Huixtla
        assert_eq!(d.passed, vec![1]);
        assert_eq!(
            d.position,
            CaravanPos::On {
                from: 1,
                to: 2,
                km: 5.0
            }
        );
        let mut last = None;
        for day in 5..20 {
            if let Some(d) = r.advance(&c, 0, 1, day) {
                last = Some((day, d));
            }
        }
        // 147 km at 15 km/day: day 2 + ceil(147/15) − 1 = day 11.
        let (day, d) = last.unwrap();
        assert_eq!(day, 11);
        assert!(d.ended);
        assert_eq!(d.position, CaravanPos::At(3));
        assert_eq!(d.left.len(), 100);
        assert!(r.members.is_empty());
    }

    #[test]
    fn stops_at_a_dispersal_place_and_splits_by_shares() {
        let s = scenario();
        let c = caravan(vec![Dispersal {
            at: DispersalAt::Place(1),
            continue_share: 0.25,
            papers_share: 0.6,
            relocate_to: Some(0),
            delay_days: 1,
        }]);
        let mut r = CaravanRun::new(&c, &s).unwrap();
        r.start((0..100).collect());
        r.advance(&c, 0, 7, 2).unwrap(); // 15
        r.advance(&c, 0, 7, 3).unwrap(); // 30
        let d = r.advance(&c, 0, 7, 4).unwrap(); // would be 45: stops at Huixtla (40)
        assert_eq!(d.position, CaravanPos::At(1));
        assert_eq!(d.papers.len(), 60);
        assert!(d.papers.iter().all(|&(_, dest, rel)| dest == 0 && rel == 5));
        assert_eq!(d.left.len(), 15);
        assert_eq!(r.members.len(), 25);
        // Everyone is in exactly one group.
        let mut all: Vec<u32> = r.members.clone();
        all.extend(d.papers.iter().map(|p| p.0));
        all.extend(&d.left);
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<u32>>());
        // Next day it walks on from Huixtla.
        let d = r.advance(&c, 0, 7, 5).unwrap();
        assert_eq!(
            d.position,
            CaravanPos::On {
                from: 1,
                to: 2,
                km: 15.0
            }
        );
    }

    #[test]
    fn dated_dispersal_with_nobody_continuing_ends_the_caravan() {
        let s = scenario();
        let c = caravan(vec![Dispersal {
            at: DispersalAt::Day(3),
            continue_share: 0.0,
            papers_share: 1.0,
            relocate_to: Some(1),
            delay_days: 2,
        }]);
        let mut r = CaravanRun::new(&c, &s).unwrap();
        r.start((0..10).collect());
        r.advance(&c, 0, 7, 2).unwrap();
        let d = r.advance(&c, 0, 7, 3).unwrap();
        assert!(d.ended);
        assert_eq!(d.papers.len(), 10);
        assert!(d.left.is_empty());
        assert_eq!(
            d.position,
            CaravanPos::On {
                from: 0,
                to: 1,
                km: 30.0
            }
        );
        assert!(r.advance(&c, 0, 7, 4).is_none());
    }

    #[test]
    fn recruit_is_order_free() {
        let a = recruit(1, 5, 0, &[9, 3, 7, 1, 5], 3);
        let b = recruit(1, 5, 0, &[1, 3, 5, 7, 9], 3);
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
        assert_eq!(recruit(1, 5, 0, &[4, 2], 10), vec![2, 4]);
    }

    #[test]
    fn missing_link_is_an_error() {
        let s = scenario();
        let mut c = caravan(vec![]);
        c.path = vec![2];
        assert!(CaravanPlan::new(&c, &s).is_err());
    }

    #[test]
    fn recruit_positions_are_recruits_members() {
        for n in [0u64, 1, 2, 7, 40, 300] {
            for size in [0u64, 1, 3, 7, 39, 40, 41, 299, 1000] {
                for day in [0u32, 5] {
                    // Ids with gaps, given unsorted: positions index the sorted ids.
                    let ids: Vec<u32> = (0..n as u32).rev().map(|i| 3 * i + 11).collect();
                    let mut sorted = ids.clone();
                    sorted.sort_unstable();
                    let members = recruit(17, day, 2, &ids, size);
                    let positions = recruit_positions(17, day, 2, n, size);
                    let by_position: Vec<u32> =
                        positions.iter().map(|&p| sorted[p as usize]).collect();
                    assert_eq!(members, by_position, "n {n}, size {size}, day {day}");
                }
            }
        }
        // A pool of billions costs memory for the members only.
        let p = recruit_positions(1, 0, 0, 5_000_000_000, 1000);
        assert_eq!(p.len(), 1000);
        assert!(p.windows(2).all(|w| w[0] < w[1]) && p[999] < 5_000_000_000);
    }
}
