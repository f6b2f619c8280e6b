//! The directed network built once per run: links, CSR adjacency, closure state.
//!
//! Every route row `k` of the scenario gives two directed links, `2k` (from → to)
//! and `2k + 1` (to → from), of the same length (docs/flee-rules.md §1.2). Flee's
//! `forced_redirection = 1` duplicate pair is not created (it is a loader defect,
//! see docs/flee-compat.md). Self-links are left out of the adjacency (they can
//! never be part of a loop-free route).
//!
//! Closure state is a counter per directed link: a link is closed while at least
//! one active closure covers it, so overlapping closures (a country closure and a
//! location closure on the same link) reopen correctly. Flee instead moves links
//! between an "active" and a "closed" list, which reopens a link as soon as any
//! closure covering it ends.

use crate::scenario::{ClosureTarget, Scenario};

/// Directed links and outgoing adjacency.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    pub from: Vec<u32>,
    pub to: Vec<u32>,
    pub len: Vec<f64>,
    /// Today's base speed on the link: the link's `max_move_speed` or the global one.
    pub speed: Vec<f64>,
    pub walk_p: Vec<f64>,
    /// Outgoing links of location `l`: `out_link[out_off[l]..out_off[l + 1]]`, in
    /// route-file order (Flee's order of `Location.links`).
    pub out_off: Vec<u32>,
    pub out_link: Vec<u32>,
    /// Incoming links, same layout.
    pub in_off: Vec<u32>,
    pub in_link: Vec<u32>,
    /// Number of active closures covering each directed link.
    pub closed: Vec<u16>,
    /// The fixed facts of each directed link in one row (a copy of `from`,
    /// `to`, `len`, `speed` and `walk_p`, which never change after `build`):
    /// the travel pass reads them all for every link step, and one row costs
    /// one bounds check and one cache line instead of five.
    pub row: Vec<LinkRow>,
}

/// The fixed facts of one directed link (see [`Network::row`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkRow {
    pub len: f64,
    pub speed: f64,
    pub walk_p: f64,
    pub from: u32,
    pub to: u32,
}

impl Network {
    pub(crate) fn build(sc: &Scenario, default_speed: f64) -> Network {
        let n_loc = sc.locations.len();
        let m = sc.links.len() * 2;
        let mut from = Vec::with_capacity(m);
        let mut to = Vec::with_capacity(m);
        let mut len = Vec::with_capacity(m);
        let mut speed = Vec::with_capacity(m);
        let mut walk_p = Vec::with_capacity(m);
        for l in &sc.links {
            let v = l.max_move_speed.unwrap_or(default_speed);
            for (a, b) in [(l.from, l.to), (l.to, l.from)] {
                from.push(a as u32);
                to.push(b as u32);
                len.push(l.distance_km);
                speed.push(v);
                walk_p.push(l.walk_probability);
            }
        }
        let csr = |key: &Vec<u32>, other: &Vec<u32>| {
            let mut off = vec![0u32; n_loc + 1];
            for (i, &k) in key.iter().enumerate() {
                if k != other[i] {
                    off[k as usize + 1] += 1;
                }
            }
            for i in 0..n_loc {
                off[i + 1] += off[i];
            }
            let mut fill = off.clone();
            let mut list = vec![0u32; off[n_loc] as usize];
            for (i, &k) in key.iter().enumerate() {
                if k != other[i] {
                    list[fill[k as usize] as usize] = i as u32;
                    fill[k as usize] += 1;
                }
            }
            (off, list)
        };
        let (out_off, out_link) = csr(&from, &to);
        let (in_off, in_link) = csr(&to, &from);
        let row = (0..from.len())
            .map(|i| LinkRow {
                len: len[i],
                speed: speed[i],
                walk_p: walk_p[i],
                from: from[i],
                to: to[i],
            })
            .collect();
        Network {
            closed: vec![0; from.len()],
            row,
            from,
            to,
            len,
            speed,
            walk_p,
            out_off,
            out_link,
            in_off,
            in_link,
        }
    }

    #[inline]
    pub(crate) fn out(&self, l: usize) -> &[u32] {
        &self.out_link[self.out_off[l] as usize..self.out_off[l + 1] as usize]
    }

    #[inline]
    pub(crate) fn incoming(&self, l: usize) -> &[u32] {
        &self.in_link[self.in_off[l] as usize..self.in_off[l + 1] as usize]
    }

    #[inline]
    pub(crate) fn is_open(&self, link: u32) -> bool {
        self.closed[link as usize] == 0
    }

    /// The first open link from `a` to `b` (Flee looks the next hop of a stored
    /// route up among the location's active links).
    #[inline]
    pub(crate) fn find_open(&self, a: u32, b: u32) -> Option<u32> {
        self.out(a as usize)
            .iter()
            .copied()
            .find(|&li| self.to[li as usize] == b && self.closed[li as usize] == 0)
    }

    /// The shortest directed link from `a` to `b`, open or not (caravans walk
    /// regardless of closures; their plan uses the shortest link of a pair).
    pub(crate) fn find_any(&self, a: u32, b: u32) -> Option<u32> {
        self.out(a as usize)
            .iter()
            .copied()
            .filter(|&li| self.to[li as usize] == b)
            .min_by(|&x, &y| self.len[x as usize].total_cmp(&self.len[y as usize]))
    }

    /// The directed links a closure target covers (camp closures and forced
    /// redirection cover none).
    pub(crate) fn links_of(&self, sc: &Scenario, target: &ClosureTarget) -> Vec<u32> {
        let mut v = Vec::new();
        match target {
            ClosureTarget::Country { a, b } => {
                for li in 0..self.from.len() {
                    let ca = &sc.locations[self.from[li] as usize].country;
                    let cb = &sc.locations[self.to[li] as usize].country;
                    if (ca == a && cb == b) || (ca == b && cb == a) {
                        v.push(li as u32);
                    }
                }
            }
            ClosureTarget::Location(l) => {
                v.extend_from_slice(self.out(*l));
                v.extend_from_slice(self.incoming(*l));
            }
            ClosureTarget::Link(x, y) => {
                for li in 0..self.from.len() {
                    let (f, t) = (self.from[li] as usize, self.to[li] as usize);
                    if (f == *x && t == *y) || (f == *y && t == *x) {
                        v.push(li as u32);
                    }
                }
            }
            ClosureTarget::Camp(_) | ClosureTarget::RemoveForcedRedirection(..) => {}
        }
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::scenario::{Location, LocationKind};

    #[test]
    fn two_directed_links_per_route_and_lookup() {
        let mut sc = Scenario::new("t", Date(0), 1);
        for n in ["A", "B", "C"] {
            sc.add_location(Location::new(n, LocationKind::Town));
        }
        sc.link("A", "B", 10.0);
        sc.link("B", "C", 20.0);
        let mut net = Network::build(&sc, 100.0);
        assert_eq!(net.from.len(), 4);
        assert_eq!(net.out(1), &[1, 2]);
        assert_eq!(net.find_open(1, 2), Some(2));
        for li in net.links_of(&sc, &ClosureTarget::Link(2, 1)) {
            net.closed[li as usize] += 1;
        }
        assert_eq!(net.find_open(1, 2), None);
        assert_eq!(net.find_open(2, 1), None);
        assert_eq!(net.find_open(1, 0), Some(1));
        assert_eq!(
            net.links_of(&sc, &ClosureTarget::Location(1)),
            vec![0, 1, 2, 3]
        );
    }
}
