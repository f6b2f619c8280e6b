//! Route choice (docs/flee-rules.md §2.6): candidate paths, per-pass weight tables, pruning.
//!
//! * [`PathArena`] interns every candidate path (the locations after the origin)
//!   once; agents store a route as a path id plus a cursor, so a stored multi-hop
//!   route costs 5 bytes and survives later re-enumerations.
//! * [`Candidates`] holds, per origin location, the loop-free paths of at most
//!   `awareness_level` non-marker hops (markers are pass-through: they yield no
//!   candidate and do not use up an awareness step). They depend only on which
//!   links are open, so they are rebuilt only when a closure changes links.
//! * Above [`MAX_CRAWL_AWARENESS`] hops, enumerating every loop-free path explodes
//!   (the built-in Mexico scenario at awareness 23 would have ~170 000 candidates
//!   from one town), so candidates are **one per destination**: every non-marker
//!   location whose shortest open path from the origin has at most
//!   `awareness_level` non-marker hops, with that path (Flee's `fixed_routes` also
//!   keeps only the best path per destination). Shortest paths come from one
//!   Dijkstra tree per destination ([`Candidates::next_toward`]); an agent stores
//!   `DEST_BIT | destination` as its route and follows the tree hop by hop, so
//!   routes of any length fit in its 5 bytes. Deviation documented in
//!   docs/flee-compat.md.
//! * [`Tables`] holds, per origin and attribute class, the cumulative weights of
//!   the candidates for one pass. Weights use the occupancy counts at the start of
//!   the pass (as parallel Flee does); serial Flee updates counts live. An agent
//!   picks a route with one uniform draw and a binary search.
//!
//! Awareness 0 (broken in Flee: agents never move) is implemented as its evident
//! intent: the agent knows only the links leaving its location and picks one of
//! the open ones uniformly (markers included, no scores, no capacity).

use super::network::Network;
use super::places::Places;
use super::streams::LazyStream;
use crate::scenario::Scenario;
use crate::settings::Settings;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Highest awareness at which every loop-free path is a candidate (Flee's crawl).
pub(crate) const MAX_CRAWL_AWARENESS: i64 = 3;

/// Marks a stored route that is a destination followed by the next-hop table
/// (awareness above [`MAX_CRAWL_AWARENESS`]), not a path id of the arena.
pub(crate) const DEST_BIT: u32 = 1 << 31;

/// "No next hop" in [`Candidates::next`].
const NONE: u32 = u32::MAX;

/// Route-weight tables with fewer weights than this are filled on the calling
/// thread (see `Tables::build`).
const PARALLEL_TABLE_MIN: usize = 1 << 16;

/// All paths ever used as candidates.
#[derive(Debug, Default, Clone)]
pub(crate) struct PathArena {
    nodes: Vec<u32>,
    off: Vec<u32>,
    len: Vec<u8>,
    index: HashMap<Vec<u32>, u32>,
}

impl PathArena {
    /// Id of `path`, interning it if new; `None` for paths longer than 255 hops.
    pub(crate) fn intern(&mut self, path: &[u32]) -> Option<u32> {
        if path.is_empty() || path.len() > u8::MAX as usize {
            return None;
        }
        if let Some(&id) = self.index.get(path) {
            return Some(id);
        }
        let id = self.len.len() as u32;
        self.off.push(self.nodes.len() as u32);
        self.len.push(path.len() as u8);
        self.nodes.extend_from_slice(path);
        self.index.insert(path.to_vec(), id);
        Some(id)
    }

    /// Location of hop `cursor` of path `id`.
    #[inline]
    pub(crate) fn hop(&self, id: u32, cursor: u8) -> u32 {
        self.nodes[self.off[id as usize] as usize + cursor as usize]
    }

    #[inline]
    pub(crate) fn len(&self, id: u32) -> u8 {
        self.len[id as usize]
    }

    /// Final destination of path `id`.
    #[inline]
    pub(crate) fn last(&self, id: u32) -> u32 {
        self.hop(id, self.len(id) - 1)
    }

    pub(crate) fn path(&self, id: u32) -> &[u32] {
        let o = self.off[id as usize] as usize;
        &self.nodes[o..o + self.len[id as usize] as usize]
    }
}

/// Candidate routes per origin location (flat arrays, CSR by origin).
#[derive(Debug, Default, Clone)]
pub(crate) struct Candidates {
    pub off: Vec<u32>,
    pub dest: Vec<u32>,
    pub path: Vec<u32>,
    /// `1 / (softening + D)^distance_power`.
    pub dist_factor: Vec<f64>,
    /// `stay_close_to_home` factor `1 / max(1, km(origin, dest))^home_distance_power`.
    pub home: Vec<f64>,
    /// Awareness 0: every candidate weighs 1.
    pub uniform: bool,
    /// Paths dropped because they were longer than 255 hops.
    pub too_long: u64,
    /// Shortest-path mode (awareness above [`MAX_CRAWL_AWARENESS`]):
    /// `next[x * n + v]` is the location after `v` on the shortest open path from
    /// `v` to `x` (`NONE` at `x` and where `x` cannot be reached). Empty otherwise.
    pub next: Vec<u32>,
    /// Shortest-path mode: `link[x * n + v]` is the first open link from `v` to
    /// `next[x * n + v]` (`Network::find_open` at the build; `NONE` where
    /// `next` is). Valid while the network's open links are those of the build,
    /// which holds wherever routes are followed: the engines rebuild the
    /// candidates on the day any link opens or closes, before the passes.
    /// Saves `hop_of` the scan of the location's links (it was ~8 % of the
    /// agent engine's instructions on the built-in scenario). May be empty
    /// (candidates built by hand in tests): `hop_of` then scans.
    pub link: Vec<u32>,
    pub n_loc: usize,
    /// Which build of the candidates this is (the engine core counts them),
    /// so that [`Tables`] knows when its remembered weights are stale.
    pub epoch: u64,
}

impl Candidates {
    #[inline]
    pub(crate) fn range(&self, o: usize) -> std::ops::Range<usize> {
        self.off[o] as usize..self.off[o + 1] as usize
    }

    /// Next location from `from` on the shortest open path to `dest` (shortest-path
    /// mode only).
    #[inline]
    pub(crate) fn next_toward(&self, dest: u32, from: u32) -> Option<u32> {
        let x = *self
            .next
            .get(dest as usize * self.n_loc + from as usize)
            .unwrap_or(&NONE);
        (x != NONE).then_some(x)
    }

    /// The locations (origin excluded) of candidate `i` of origin `o`.
    pub(crate) fn nodes(&self, arena: &PathArena, i: usize, o: usize) -> Vec<u32> {
        let r = self.path[i];
        if r & DEST_BIT == 0 {
            return arena.path(r).to_vec();
        }
        let dest = r & !DEST_BIT;
        let mut v = Vec::new();
        let mut at = o as u32;
        while at != dest {
            match self.next_toward(dest, at) {
                Some(x) if v.len() < self.n_loc => {
                    v.push(x);
                    at = x;
                }
                _ => break,
            }
        }
        v
    }

    pub(crate) fn build(
        sc: &Scenario,
        s: &Settings,
        net: &Network,
        places: &Places,
        arena: &mut PathArena,
    ) -> Candidates {
        let m = &s.move_rules;
        let n = sc.locations.len();
        let awareness = if m.awareness_level < 0 {
            1
        } else {
            m.awareness_level
        };
        let mut c = Candidates {
            off: Vec::with_capacity(n + 1),
            uniform: awareness == 0,
            n_loc: n,
            ..Default::default()
        };
        c.off.push(0);
        let per_origin = if awareness > MAX_CRAWL_AWARENESS {
            let (next, per_origin) = shortest_paths(net, places, n, awareness);
            c.link = next
                .iter()
                .enumerate()
                .map(|(k, &to)| {
                    if to == NONE {
                        NONE
                    } else {
                        net.find_open((k % n) as u32, to).unwrap_or(NONE)
                    }
                })
                .collect();
            c.next = next;
            Some(per_origin)
        } else {
            None
        };
        let mut found: Vec<(Vec<u32>, f64)> = Vec::new();
        let mut path: Vec<u32> = Vec::new();
        for o in 0..n {
            found.clear();
            if let Some(per_origin) = &per_origin {
                for &(dest, d) in &per_origin[o] {
                    c.push(sc, s, o, dest, DEST_BIT | dest, d);
                }
                c.off.push(c.dest.len() as u32);
                continue;
            }
            if awareness == 0 {
                for &li in net.out(o) {
                    if net.is_open(li) {
                        found.push((vec![net.to[li as usize]], net.len[li as usize]));
                    }
                }
            } else {
                path.clear();
                crawl(
                    net, places, o as u32, o as u32, 1, awareness, &mut path, 0.0, &mut found,
                );
            }
            for (p, d) in &found {
                let Some(id) = arena.intern(p) else {
                    c.too_long += 1;
                    continue;
                };
                let dest = *p.last().unwrap_or(&(o as u32));
                c.push(sc, s, o, dest, id, *d);
            }
            c.off.push(c.dest.len() as u32);
        }
        c
    }

    /// Appends candidate `route` from `o` to `dest`, `d` km long.
    fn push(&mut self, sc: &Scenario, s: &Settings, o: usize, dest: u32, route: u32, d: f64) {
        let m = &s.move_rules;
        self.dest.push(dest);
        self.path.push(route);
        let df = if m.distance_power == 1.0 {
            1.0 / (m.softening + d)
        } else {
            1.0 / (m.softening + d).powf(m.distance_power)
        };
        self.dist_factor.push(df);
        let home = if m.stay_close_to_home {
            let a = &sc.locations[o];
            let b = &sc.locations[dest as usize];
            1.0 / haversine_km(a.lat, a.lon, b.lat, b.lon)
                .max(1.0)
                .powf(m.home_distance_power)
        } else {
            1.0
        };
        self.home.push(home);
    }
}

/// One destination's shortest-path tree: the next-hop row and the origins that
/// get it as a candidate, with their distance.
type Tree = (Vec<u32>, Vec<(u32, f64)>);

/// Shortest-path mode: one Dijkstra tree per non-marker destination `x` over the
/// open links (ties: the smaller location index settles first; a parent changes
/// only on a strictly shorter distance). Returns the next-hop table
/// (`next[x * n + v]`) and, per origin, the candidates `(x, km)` in destination
/// order: every `x ≠ o` reachable from `o` whose tree path has at most `awareness`
/// non-marker locations after `o`.
fn shortest_paths(
    net: &Network,
    places: &Places,
    n: usize,
    awareness: i64,
) -> (Vec<u32>, Vec<Vec<(u32, f64)>>) {
    let trees: Vec<Tree> = (0..n)
        .into_par_iter()
        .map(|x| {
            let mut next = vec![NONE; n];
            let mut reach = Vec::new();
            if places.marker[x] {
                return (next, reach);
            }
            let mut dist = vec![f64::INFINITY; n];
            let mut hops = vec![0i64; n];
            let mut done = vec![false; n];
            let mut heap = BinaryHeap::new();
            dist[x] = 0.0;
            // Non-negative f64 order equals the order of their bit patterns.
            heap.push(Reverse((0f64.to_bits(), x as u32)));
            while let Some(Reverse((bits, u))) = heap.pop() {
                let u = u as usize;
                if done[u] {
                    continue;
                }
                done[u] = true;
                if u != x {
                    let p = next[u] as usize;
                    hops[u] = hops[p] + i64::from(!places.marker[p]);
                    if hops[u] <= awareness {
                        reach.push((u as u32, dist[u]));
                    }
                }
                let d = f64::from_bits(bits);
                for &li in net.incoming(u) {
                    if !net.is_open(li) {
                        continue;
                    }
                    let v = net.from[li as usize] as usize;
                    let nd = d + net.len[li as usize].max(0.0);
                    if nd < dist[v] {
                        dist[v] = nd;
                        next[v] = u as u32;
                        heap.push(Reverse((nd.to_bits(), v as u32)));
                    }
                }
            }
            (next, reach)
        })
        .collect();
    let mut table = Vec::with_capacity(n * n);
    let mut per_origin: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    for (x, (next, reach)) in trees.into_iter().enumerate() {
        table.extend_from_slice(&next);
        for (o, d) in reach {
            per_origin[o as usize].push((x as u32, d));
        }
    }
    (table, per_origin)
}

/// Depth-first enumeration of loop-free paths from `o` (docs/flee-rules.md §2.6).
#[allow(clippy::too_many_arguments)]
fn crawl(
    net: &Network,
    places: &Places,
    o: u32,
    node: u32,
    step: i64,
    awareness: i64,
    path: &mut Vec<u32>,
    dist: f64,
    found: &mut Vec<(Vec<u32>, f64)>,
) {
    for &li in net.out(node as usize) {
        if !net.is_open(li) {
            continue;
        }
        let a = net.to[li as usize];
        if a == o || path.contains(&a) {
            continue;
        }
        path.push(a);
        let d = dist + net.len[li as usize];
        if places.marker[a as usize] {
            crawl(net, places, o, a, step, awareness, path, d, found);
        } else {
            found.push((path.clone(), d));
            if awareness > step {
                crawl(net, places, o, a, step + 1, awareness, path, d, found);
            }
        }
        path.pop();
    }
}

/// Great-circle distance in km (lat/lon in degrees). Flee swaps latitude and
/// longitude here (docs/flee-rules.md §1.1); we use them as named (deviation).
pub(crate) fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().min(1.0).asin()
}

/// Flee's pruning: with `threshold > 1.001`, weights below `max / threshold` become 0.
pub fn prune_weights(weights: &mut [f64], threshold: f64) {
    if threshold.is_nan() || threshold <= 1.001 {
        return;
    }
    let max = weights.iter().copied().fold(0.0f64, f64::max);
    let cut = max / threshold;
    for w in weights.iter_mut() {
        if *w < cut {
            *w = 0.0;
        }
    }
}

/// The weight tables and per-location numbers of one pass.
///
/// Rebuilt before every pass, but only in part: a weight depends on its
/// candidate (fixed until the candidates are rebuilt), on the settings, and on
/// two numbers of its destination `x`, the end-point score `E(class, x)` and
/// the capacity multiplier `C(x)`. From one build to the next only a few of
/// those change (on the built-in scenario, the locations with shelters or a
/// capacity), so the tables keep the weights before pruning (`raw`) and the
/// inputs of the last build, recompute only the weights whose destination's
/// inputs changed bit for bit, and prune and sum again only the blocks
/// (origin, class) where a weight changed. Every value is computed by the
/// same expression from the same inputs as a full build, so the tables are
/// bit for bit those of a full build (test `partial_builds_equal_full_builds`).
#[derive(Debug, Default, Clone)]
pub(crate) struct Tables {
    pub n_class: usize,
    /// Location `o`'s block starts at `off[o] * n_class`; inside it, class `c`'s
    /// cumulative weights are at `c * k .. (c + 1) * k` (`k` candidates).
    pub cum: Vec<f64>,
    /// `C(x)` with the pass-start counts.
    pub capmul: Vec<f64>,
    /// The weights before pruning and summing, laid out as `cum`.
    raw: Vec<f64>,
    /// What the last build was made for; `None` before the first.
    basis: Option<Basis>,
    /// The end-point scores and capacity multipliers of the last build.
    last_end: Vec<f64>,
    last_capmul: Vec<f64>,
    /// Per (class, location): its inputs changed since the last build.
    dirty: Vec<bool>,
}

/// What, besides the end-point scores and capacity multipliers, the weights
/// of a build depend on; a build for another basis recomputes every weight.
#[derive(Debug, Clone, PartialEq)]
struct Basis {
    epoch: u64,
    n_weights: usize,
    n_class: usize,
    n_loc: usize,
    uniform: bool,
    /// `weight_softening`, `weight_power`, `pruning_threshold` (bits).
    rules: [u64; 3],
}

impl Tables {
    /// Recomputes the tables for one pass. `end[c * n_loc + x]` = `E(class c, x)`,
    /// `counts[x]` = agents at `x` at the start of the pass. `cands` must be
    /// the candidates of the last build unless its `epoch` differs.
    pub(crate) fn build(
        &mut self,
        cands: &Candidates,
        places: &Places,
        end: &[f64],
        n_class: usize,
        counts: &[u64],
        s: &Settings,
    ) {
        let m = &s.move_rules;
        let n_loc = counts.len();
        self.n_class = n_class;
        std::mem::swap(&mut self.capmul, &mut self.last_capmul);
        self.capmul.clear();
        self.capmul
            .extend((0..n_loc).map(|x| places.capacity_multiplier(x, counts[x], s)));
        let basis = Basis {
            epoch: cands.epoch,
            n_weights: cands.dest.len() * n_class,
            n_class,
            n_loc,
            uniform: cands.uniform,
            rules: [
                m.weight_softening.to_bits(),
                m.weight_power.to_bits(),
                m.pruning_threshold.to_bits(),
            ],
        };
        let full = self.basis.as_ref() != Some(&basis)
            || self.last_end.len() != end.len()
            || self.last_capmul.len() != n_loc;
        self.dirty.clear();
        if full {
            self.cum.clear();
            self.cum.resize(basis.n_weights, 0.0);
            self.raw.clear();
            self.raw.resize(basis.n_weights, 0.0);
        } else {
            let (capmul, last_capmul) = (&self.capmul, &self.last_capmul);
            self.dirty.extend((0..end.len()).map(|k| {
                let x = k % n_loc;
                end[k].to_bits() != self.last_end[k].to_bits()
                    || capmul[x].to_bits() != last_capmul[x].to_bits()
            }));
            if cands.uniform || !self.dirty.contains(&true) {
                // Nothing a weight reads changed: the tables stand.
                self.last_end.clear();
                self.last_end.extend_from_slice(end);
                return;
            }
        }
        self.basis = Some(basis);
        let mut blocks: Vec<(usize, &mut [f64], &mut [f64])> = Vec::with_capacity(n_loc);
        let mut rest = &mut self.cum[..];
        let mut rest_raw = &mut self.raw[..];
        for o in 0..n_loc {
            let k = cands.range(o).len() * n_class;
            let (a, b) = std::mem::take(&mut rest).split_at_mut(k);
            rest = b;
            let (ra, rb) = std::mem::take(&mut rest_raw).split_at_mut(k);
            rest_raw = rb;
            if k > 0 {
                blocks.push((o, a, ra));
            }
        }
        let capmul = &self.capmul;
        let dirty = &self.dirty;
        let fill = |(o, block, raw): (usize, &mut [f64], &mut [f64])| {
            let r = cands.range(o);
            let k = r.len();
            for c in 0..n_class {
                let w = &mut block[c * k..(c + 1) * k];
                let raw = &mut raw[c * k..(c + 1) * k];
                if cands.uniform {
                    w.fill(1.0);
                } else {
                    let mut changed = full;
                    for (j, i) in r.clone().enumerate() {
                        let x = cands.dest[i] as usize;
                        if !full && !dirty[c * n_loc + x] {
                            continue;
                        }
                        let e = end[c * n_loc + x] * cands.home[i];
                        let mut v = (m.weight_softening + e) * cands.dist_factor[i] * capmul[x];
                        if m.weight_power != 1.0 {
                            v = v.powf(m.weight_power);
                        }
                        let v = if v > 0.0 && v.is_finite() { v } else { 0.0 };
                        if full || v.to_bits() != raw[j].to_bits() {
                            raw[j] = v;
                            changed = true;
                        }
                    }
                    if !changed {
                        continue;
                    }
                    w.copy_from_slice(raw);
                    prune_weights(w, m.pruning_threshold);
                }
                let mut acc = 0.0;
                for x in w.iter_mut() {
                    acc += *x;
                    *x = acc;
                }
            }
        };
        // Small tables (a few thousand weights: the built-in scenario has ~6,000)
        // take tens of microseconds; handing them to the thread pool costs more
        // than that, twice a day, and far more on a loaded machine. Each block is
        // filled alike either way, so results do not depend on this choice.
        if cands.dest.len() * n_class < PARALLEL_TABLE_MIN {
            blocks.into_iter().for_each(fill);
        } else {
            blocks.into_par_iter().with_min_len(16).for_each(fill);
        }
        self.last_end.clear();
        self.last_end.extend_from_slice(end);
    }

    /// Picks a candidate route of origin `o` for class `class`; `None` when `o`
    /// has no candidates. One uniform draw (uniform choice when all weights are 0);
    /// none when there is a single candidate.
    #[inline]
    pub(crate) fn choose(
        &self,
        cands: &Candidates,
        o: usize,
        class: usize,
        rng: &mut LazyStream,
    ) -> Option<u32> {
        let r = cands.range(o);
        let k = r.len();
        if k == 0 {
            return None;
        }
        if k == 1 {
            return Some(cands.path[r.start]);
        }
        let base = r.start * self.n_class + class * k;
        let cum = &self.cum[base..base + k];
        let total = cum[k - 1];
        let j = if total > 0.0 && total.is_finite() {
            let u = rng.next_f64() * total;
            let j = cum.partition_point(|&c| c <= u);
            if j < k {
                j
            } else {
                // Rounding put u at the very top: the last candidate with weight.
                (0..k)
                    .rev()
                    .find(|&i| cum[i] > if i == 0 { 0.0 } else { cum[i - 1] })
                    .unwrap_or(k - 1)
            }
        } else {
            rng.get().below(k as u64) as usize
        };
        Some(cands.path[r.start + j])
    }
}

/// The next hop of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hop {
    /// The open link to the next location; `None` when it is closed.
    pub link: Option<u32>,
    /// The route's final location.
    pub fin: u32,
    /// The next location is the final one.
    pub last: bool,
}

/// The next hop of `route` at `l` after `cursor` hops (the rule of both engines:
/// an arena path, or `DEST_BIT | destination` followed along the shortest-path
/// tree): the open link to it, the route's end, and whether the hop is the
/// last. `None` when there is no next hop. The count engine asks it through
/// a cache (`counts::hops`), whose hot loop is faster without it inlined;
/// the agent engine's passes use [`hop_of_inlined`].
pub(crate) fn hop_of(
    net: &Network,
    cands: &Candidates,
    arena: &PathArena,
    l: u32,
    route: u32,
    cursor: u8,
) -> Option<Hop> {
    hop_of_inlined(net, cands, arena, l, route, cursor)
}

/// [`hop_of`], inlined into the agent engine's passes: a call's register
/// saves and the returned struct through memory were most of its cost once
/// the shortest-path mode stopped scanning links (32 M calls a run of the
/// built-in scenario). Forced into the count engine's cache instead, it made
/// that engine's passes 0.2 × 10^9 instructions slower.
#[inline(always)]
pub(crate) fn hop_of_inlined(
    net: &Network,
    cands: &Candidates,
    arena: &PathArena,
    l: u32,
    route: u32,
    cursor: u8,
) -> Option<Hop> {
    if route & DEST_BIT != 0 {
        let dest = route & !DEST_BIT;
        let k = dest as usize * cands.n_loc + l as usize;
        let next = *cands.next.get(k).unwrap_or(&NONE);
        if next == NONE {
            return None;
        }
        // The link found at the build (the same `find_open`, on the same
        // open links: see `Candidates::link`).
        let link = match cands.link.get(k) {
            Some(&x) => (x != NONE).then_some(x),
            None => net.find_open(l, next),
        };
        return Some(Hop {
            link,
            fin: dest,
            last: next == dest,
        });
    }
    let next = arena.hop(route, cursor);
    Some(Hop {
        link: net.find_open(l, next),
        fin: arena.last(route),
        last: cursor + 1 >= arena.len(route),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flee_pruning_examples() {
        let mut w = [1.0, 8.0, 4.0, 12.0];
        prune_weights(&mut w, 2.0);
        assert_eq!(w, [0.0, 8.0, 0.0, 12.0]);
        let mut w = [1.0, 8.0, 9.0, 12.0];
        prune_weights(&mut w, 1.1);
        assert_eq!(w, [0.0, 0.0, 0.0, 12.0]);
        let mut w = [1.0, 8.0];
        prune_weights(&mut w, 1.0);
        assert_eq!(w, [1.0, 8.0]);
    }

    #[test]
    fn haversine_one_degree_of_latitude() {
        let d = haversine_km(0.0, 0.0, 1.0, 0.0);
        assert!((d - 111.19).abs() < 0.05, "{d}");
    }

    use crate::date::Date;
    use crate::rng::{stream, Purpose};
    use crate::scenario::{ClosureTarget, Location, LocationKind};

    /// Eight locations (two camps with a capacity), a ring with chords, and
    /// settings with the given awareness.
    fn world(awareness: i64) -> (Scenario, Settings, Network, Places) {
        let mut sc = Scenario::new("t", Date(0), 1);
        for i in 0..8 {
            let kind = if i % 3 == 2 {
                LocationKind::Camp
            } else {
                LocationKind::Town
            };
            let mut l = Location::new(&format!("L{i}"), kind);
            l.lat = i as f64 * 0.3;
            l.lon = (i * i) as f64 * 0.1;
            if kind == LocationKind::Camp {
                l.capacity = Some(40);
            }
            sc.add_location(l);
        }
        for i in 0..8 {
            sc.link(
                &format!("L{i}"),
                &format!("L{}", (i + 1) % 8),
                10.0 + i as f64,
            );
        }
        sc.link("L0", "L4", 35.0);
        sc.link("L1", "L5", 30.0);
        sc.link("L2", "L6", 25.0);
        let mut s = sc.settings.clone();
        s.move_rules.awareness_level = awareness;
        let net = Network::build(&sc, 100.0);
        let places = Places::init(&sc, &s);
        (sc, s, net, places)
    }

    /// Tables built in part from the last build equal tables built afresh,
    /// bit for bit, over builds where a few end-point scores and head counts
    /// change (some builds none), across a rebuild of the candidates, for
    /// both candidate modes, with pruning and a weight power.
    #[test]
    fn partial_builds_equal_full_builds() {
        for (awareness, prune, power) in
            [(28, 1.0, 1.0), (2, 1.0, 1.0), (28, 1.6, 0.7), (3, 2.5, 1.0)]
        {
            let (sc, mut s, mut net, places) = world(awareness);
            s.move_rules.pruning_threshold = prune;
            s.move_rules.weight_power = power;
            let n = sc.locations.len();
            let n_class = 2;
            let mut arena = PathArena::default();
            let mut cands = Candidates::build(&sc, &s, &net, &places, &mut arena);
            let mut rng = stream(awareness as u64, Purpose::Agent, 0, 0);
            let mut end: Vec<f64> = (0..n_class * n).map(|_| rng.next_f64()).collect();
            let mut counts: Vec<u64> = (0..n).map(|_| rng.below(60)).collect();
            let mut tables = Tables::default();
            for step in 0..60 {
                if step == 30 {
                    // A closure: new candidates, a new epoch.
                    for li in net.links_of(&sc, &ClosureTarget::Link(0, 4)) {
                        net.closed[li as usize] += 1;
                    }
                    let epoch = cands.epoch + 1;
                    cands = Candidates::build(&sc, &s, &net, &places, &mut arena);
                    cands.epoch = epoch;
                }
                for _ in 0..rng.below(3) {
                    let k = rng.below((n_class * n) as u64) as usize;
                    end[k] = if rng.below(8) == 0 {
                        0.0
                    } else {
                        rng.next_f64()
                    };
                }
                for _ in 0..rng.below(3) {
                    let x = rng.below(n as u64) as usize;
                    counts[x] = rng.below(60);
                }
                tables.build(&cands, &places, &end, n_class, &counts, &s);
                let mut fresh = Tables::default();
                fresh.build(&cands, &places, &end, n_class, &counts, &s);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&tables.cum),
                    bits(&fresh.cum),
                    "awareness {awareness}, build {step}"
                );
                assert_eq!(bits(&tables.capmul), bits(&fresh.capmul), "build {step}");
            }
        }
    }

    /// The shortest-path mode's stored links are the links `find_open`
    /// gives (`hop_of` with and without them), also after a closure.
    #[test]
    fn stored_links_are_find_open() {
        let (sc, s, mut net, places) = world(28);
        let n = sc.locations.len() as u32;
        let mut arena = PathArena::default();
        for close in [false, true] {
            if close {
                for li in net.links_of(&sc, &ClosureTarget::Link(1, 5)) {
                    net.closed[li as usize] += 1;
                }
            }
            let cands = Candidates::build(&sc, &s, &net, &places, &mut arena);
            assert_eq!(cands.link.len(), cands.next.len());
            let scan = Candidates {
                link: Vec::new(),
                ..cands.clone()
            };
            let mut some = 0;
            for l in 0..n {
                for x in 0..n {
                    let h = hop_of(&net, &cands, &arena, l, DEST_BIT | x, 0);
                    assert_eq!(h, hop_of(&net, &scan, &arena, l, DEST_BIT | x, 0));
                    some += usize::from(h.is_some_and(|h| h.link.is_some()));
                }
            }
            assert!(some > 0);
        }
    }

    #[test]
    fn arena_interns_once() {
        let mut a = PathArena::default();
        let x = a.intern(&[1, 2, 3]).unwrap();
        let y = a.intern(&[1, 2]).unwrap();
        assert_eq!(a.intern(&[1, 2, 3]), Some(x));
        assert_ne!(x, y);
        assert_eq!(a.last(x), 3);
        assert_eq!(a.hop(x, 1), 2);
        assert_eq!(a.path(y), &[1, 2]);
        assert_eq!(a.intern(&[]), None);
    }
}
