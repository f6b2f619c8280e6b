//! Next hops of stored routes, and caches of them (and of appointment
//! holders' links toward their ports).
//!
//! A group with a stored route that arrives somewhere takes the route's next
//! hop: the next location (an arena path's node, or the shortest-path tree's
//! next step toward a destination) and the first open link to it. Working that
//! out costs several dependent look-ups and a scan of the location's links, and
//! the travel pass does it hundreds of thousands of times a run for a few
//! hundred distinct (location, route, cursor) triples, so [`HopCache`] keeps
//! the answers.
//!
//! Invariant: [`hop_of`] (the agent engine's rule, in `engine::routes`) is a pure function of the network's open links, the
//! candidates and the arena; the cache holds only its values and must be
//! cleared whenever one of those changes (closures: the engine clears it where
//! it rebuilds the candidates). A cached answer is then always the one
//! [`hop_of`] would give, so the cache changes speed only, never results.

use std::cell::Cell;

use crate::border::BorderState;
use crate::engine::network::Network;
use crate::engine::routes::{hop_of, Candidates, Hop, PathArena};

/// log2 of the number of slots (4,096 slots of 24 bytes). With 512 the
/// built-in scenario's stored routes (many multi-hop paths) missed ~870,000
/// times a run, each miss a `hop_of` of ~75 instructions.
const SLOT_BITS: u32 = 12;

/// One remembered answer: the question (`l`, `route`, `cursor`; `cursor` is
/// `EMPTY` in an unused slot) and the answer.
#[derive(Debug, Clone, Copy)]
struct Slot {
    l: u32,
    route: u32,
    cursor: u32,
    hop: Option<Hop>,
}

const EMPTY: u32 = u32::MAX;

const EMPTY_SLOT: Slot = Slot {
    l: 0,
    route: 0,
    cursor: EMPTY,
    hop: None,
};

/// A direct-mapped memo of [`hop_of`]: each question has one slot (by hash); a
/// different question mapping to the same slot replaces it. Interior
/// mutability lets the passes, which only read the world, fill it; a run is
/// single-threaded, and every answer equals [`hop_of`]'s, so the order of
/// fills cannot matter.
#[derive(Debug, Clone)]
pub(crate) struct HopCache {
    slots: Vec<Cell<Slot>>,
    /// log2 of `slots.len()`.
    bits: u32,
}

impl Default for HopCache {
    fn default() -> HopCache {
        HopCache::with_bits(SLOT_BITS)
    }
}

impl HopCache {
    /// A cache of `2^bits` slots (1 ≤ `bits` ≤ 32).
    fn with_bits(bits: u32) -> HopCache {
        HopCache {
            slots: vec![Cell::new(EMPTY_SLOT); 1 << bits],
            bits,
        }
    }

    /// Forgets every answer (the network, candidates or arena changed).
    pub(crate) fn clear(&mut self) {
        for s in &mut self.slots {
            *s.get_mut() = EMPTY_SLOT;
        }
    }

    /// [`hop_of`], remembered.
    #[inline]
    pub(crate) fn get(
        &self,
        net: &Network,
        cands: &Candidates,
        arena: &PathArena,
        l: u32,
        route: u32,
        cursor: u8,
    ) -> Option<Hop> {
        let h = ((l as u64) << 40 ^ (route as u64) << 8 ^ cursor as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            >> (64 - self.bits);
        let slot = &self.slots[h as usize];
        let s = slot.get();
        if s.cursor == cursor as u32 && s.l == l && s.route == route {
            return s.hop;
        }
        let hop = hop_of(net, cands, arena, l, route, cursor);
        slot.set(Slot {
            l,
            route,
            cursor: cursor as u32,
            hop,
        });
        hop
    }
}

/// Per (port, location): the first open link from the location toward the
/// port's next hop (`BorderState::next_hop`, then `Network::find_open`), which
/// every appointment holder's cohort asks for every day (~950,000 times a run
/// of the built-in scenario, for a few hundred pairs). Holds only those
/// answers, so it must be cleared whenever the open links or the ports'
/// next-hop tables change (both change only with closures: the engine clears
/// it where it rebuilds the candidates). Larger tables than
/// [`PORT_HOPS_MAX`] pairs are not kept (every call then asks).
#[derive(Debug, Clone, Default)]
pub(crate) struct PortHops {
    links: Vec<Cell<u32>>,
    n_loc: usize,
}

/// Most (port, location) pairs [`PortHops`] keeps (4 MB).
const PORT_HOPS_MAX: usize = 1 << 20;

/// A pair not asked yet.
const UNKNOWN: u32 = u32::MAX;
/// No next hop or no open link (link indices are below 2^30).
const NO_LINK: u32 = u32::MAX - 1;

impl PortHops {
    /// Forgets every answer, for `n_ports` ports and `n_loc` locations.
    pub(crate) fn clear(&mut self, n_ports: usize, n_loc: usize) {
        self.links.clear();
        self.n_loc = n_loc;
        if n_ports.saturating_mul(n_loc) <= PORT_HOPS_MAX {
            self.links.resize(n_ports * n_loc, Cell::new(UNKNOWN));
        }
    }

    /// The link from `l` toward `port`, remembered.
    #[inline]
    pub(crate) fn get(&self, b: &BorderState, net: &Network, port: usize, l: u32) -> Option<u32> {
        let slot = self.links.get(port * self.n_loc + l as usize);
        if let Some(s) = slot {
            match s.get() {
                UNKNOWN => {}
                NO_LINK => return None,
                link => return Some(link),
            }
        }
        let link = b
            .next_hop(port, l as usize)
            .and_then(|next| net.find_open(l, next as u32));
        if let Some(s) = slot {
            s.set(link.unwrap_or(NO_LINK));
        }
        link
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::engine::routes::DEST_BIT;
    use crate::scenario::{ClosureTarget, Location, LocationKind, Scenario};

    /// A–B–C–D in a line, plus B–D; paths of the arena and a next-hop table.
    fn world() -> (Scenario, Network, Candidates, PathArena, Vec<u32>) {
        let mut sc = Scenario::new("t", Date(0), 1);
        for n in ["A", "B", "C", "D"] {
            sc.add_location(Location::new(n, LocationKind::Town));
        }
        sc.link("A", "B", 10.0);
        sc.link("B", "C", 20.0);
        sc.link("C", "D", 20.0);
        sc.link("B", "D", 50.0);
        let net = Network::build(&sc, 100.0);
        let mut arena = PathArena::default();
        let ids = vec![
            arena.intern(&[1, 2, 3]).unwrap(),
            arena.intern(&[1, 3]).unwrap(),
            arena.intern(&[2]).unwrap(),
        ];
        // Shortest-path mode toward D (3): A → B → C → D.
        let n = 4;
        let mut next = vec![u32::MAX; n * n];
        next[3 * n] = 1;
        next[3 * n + 1] = 2;
        next[3 * n + 2] = 3;
        let cands = Candidates {
            next,
            n_loc: n,
            ..Candidates::default()
        };
        (sc, net, cands, arena, ids)
    }

    /// Every (location, route, cursor) with a cursor inside its path.
    fn questions(arena: &PathArena, ids: &[u32]) -> Vec<(u32, u32, u8)> {
        let mut q = Vec::new();
        for l in 0..4 {
            for &r in ids {
                for c in 0..arena.len(r) {
                    q.push((l, r, c));
                }
            }
            q.push((l, DEST_BIT | 3, 0));
        }
        q
    }

    #[test]
    fn hop_of_follows_paths_and_the_tree() {
        let (_, net, cands, arena, ids) = world();
        // Path [1, 2, 3] from A: first hop to B over link A→B (0), not the last.
        let h = hop_of(&net, &cands, &arena, 0, ids[0], 0).unwrap();
        assert_eq!(
            h,
            Hop {
                link: Some(0),
                fin: 3,
                last: false
            }
        );
        // At C after two hops: the last hop, to D.
        let h = hop_of(&net, &cands, &arena, 2, ids[0], 2).unwrap();
        assert_eq!((h.fin, h.last), (3, true));
        assert_eq!(net.to[h.link.unwrap() as usize], 3);
        // No link from A to C.
        let h = hop_of(&net, &cands, &arena, 0, ids[2], 0).unwrap();
        assert_eq!(h.link, None);
        // Toward D from B: C next; from D: no next hop.
        let h = hop_of(&net, &cands, &arena, 1, DEST_BIT | 3, 0).unwrap();
        assert_eq!(net.to[h.link.unwrap() as usize], 2);
        assert!(!h.last);
        assert_eq!(hop_of(&net, &cands, &arena, 3, DEST_BIT | 3, 0), None);
    }

    /// The cache gives `hop_of`'s answers, asked twice in any order (hits and
    /// replaced slots), and, once cleared, the new ones after a closure.
    #[test]
    fn cache_equals_hop_of_and_clears() {
        let (sc, mut net, cands, arena, ids) = world();
        let mut cache = HopCache::default();
        let qs = questions(&arena, &ids);
        for round in 0..2 {
            for (i, &(l, r, c)) in qs.iter().enumerate() {
                let (l, r, c) = if round == 0 {
                    (l, r, c)
                } else {
                    qs[qs.len() - 1 - i]
                };
                assert_eq!(
                    cache.get(&net, &cands, &arena, l, r, c),
                    hop_of(&net, &cands, &arena, l, r, c),
                    "{l} {r} {c}"
                );
            }
        }
        // Close B–C: from B, path [1, 2, 3] at cursor 1 has no open link.
        let before = cache.get(&net, &cands, &arena, 1, ids[0], 1).unwrap();
        assert!(before.link.is_some());
        for li in net.links_of(&sc, &ClosureTarget::Link(1, 2)) {
            net.closed[li as usize] += 1;
        }
        // Stale until cleared (which is why the engine clears it).
        assert_eq!(cache.get(&net, &cands, &arena, 1, ids[0], 1), Some(before));
        cache.clear();
        assert_eq!(
            cache.get(&net, &cands, &arena, 1, ids[0], 1).unwrap().link,
            None
        );
        for &(l, r, c) in &qs {
            assert_eq!(
                cache.get(&net, &cands, &arena, l, r, c),
                hop_of(&net, &cands, &arena, l, r, c)
            );
        }
    }

    /// Many questions sharing two slots (a miss replaces a slot): every
    /// answer still right, and the slots end up holding different questions.
    #[test]
    fn collisions_replace_slots() {
        let (_, net, cands, arena, ids) = world();
        let cache = HopCache::with_bits(1);
        let qs = questions(&arena, &ids);
        for _ in 0..3 {
            for &(l, r, c) in &qs {
                assert_eq!(
                    cache.get(&net, &cands, &arena, l, r, c),
                    hop_of(&net, &cands, &arena, l, r, c)
                );
            }
        }
        let (a, b) = (cache.slots[0].get(), cache.slots[1].get());
        assert_ne!(a.cursor, EMPTY);
        assert_ne!(b.cursor, EMPTY);
        assert_ne!((a.l, a.route, a.cursor), (b.l, b.route, b.cursor));
    }
    /// A–B–C–P in a line plus B–P, one port at P: `PortHops` gives
    /// `next_hop` + `find_open`'s answers, asked twice (the second time from
    /// the table) and without a table (too many pairs); once cleared after a
    /// closure, the new ones.
    #[test]
    fn port_hops_equal_next_hop_and_find_open() {
        use crate::border::{Border, Port, QueueDiscipline};
        let mut sc = Scenario::new("p", Date(0), 1);
        for (n, k) in [
            ("A", LocationKind::Town),
            ("B", LocationKind::Town),
            ("C", LocationKind::Town),
            ("P", LocationKind::Port),
        ] {
            sc.add_location(Location::new(n, k));
        }
        sc.link("A", "B", 10.0);
        sc.link("B", "C", 20.0);
        sc.link("C", "P", 20.0);
        sc.link("B", "P", 30.0);
        sc.border = Border {
            ports: vec![Port {
                location: 3,
                name: "P".into(),
                border_city: 2,
                field_office: "F".into(),
                sector: "S".into(),
                capacity_per_day: 5.0,
                open: true,
                walk_ups: true,
                queue: QueueDiscipline::Fifo,
            }],
            ..Border::default()
        };
        let mut net = Network::build(&sc, 100.0);
        let mut b = BorderState::new(&sc, 1).unwrap();
        let want = |b: &BorderState, net: &Network, l: u32| {
            b.next_hop(0, l as usize)
                .and_then(|next| net.find_open(l, next as u32))
        };
        let mut hops = PortHops::default();
        hops.clear(1, 4);
        let mut unkept = PortHops::default();
        unkept.clear(usize::MAX / 2, 4);
        assert!(unkept.links.is_empty());
        for _ in 0..2 {
            for l in 0..4 {
                assert_eq!(hops.get(&b, &net, 0, l), want(&b, &net, l), "{l}");
                assert_eq!(unkept.get(&b, &net, 0, l), want(&b, &net, l), "{l}");
            }
        }
        // From B the port is one hop away (B–P); at P there is no next hop.
        assert_eq!(net.to[hops.get(&b, &net, 0, 1).unwrap() as usize], 3);
        assert_eq!(hops.get(&b, &net, 0, 3), None);
        // Close B–P (both directions): B's way to the port is now through C.
        let before = hops.get(&b, &net, 0, 1);
        for li in net.links_of(&sc, &ClosureTarget::Link(1, 3)) {
            net.closed[li as usize] += 1;
        }
        b.recompute_routes(&sc, &|k| {
            net.is_open(2 * k as u32) && net.is_open(2 * k as u32 + 1)
        });
        assert_eq!(hops.get(&b, &net, 0, 1), before, "stale until cleared");
        hops.clear(1, 4);
        for l in 0..4 {
            assert_eq!(hops.get(&b, &net, 0, l), want(&b, &net, l), "{l}");
        }
        assert_eq!(net.to[hops.get(&b, &net, 0, 1).unwrap() as usize], 2);
    }
}
