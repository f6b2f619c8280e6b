//! Cohorts: groups of exchangeable people, the state of the count engine.
//!
//! Two people are exchangeable when everything the agent engine would store about
//! them is equal: where they are (a location, or a directed link and the km
//! travelled on it), their stored route (path id and cursor), whether they have
//! finished a link (`start_on_foot`), their attribute class, and their recent
//! travel (`avoid_short_stints`). A [`Key`] holds exactly that; a cohort is a key
//! and a head count.
//!
//! Cohorts live in [`Buckets`], one per location and one per directed link.
//! Invariants of a normalised bucket ([`normalise`]): sorted by key, no two
//! entries with the same key, no entry with count 0. The passes visit buckets in
//! index order and cohorts in key order, which is the order in which they draw
//! their random numbers, so a run is a function of the seed.

/// `flags` bit: the people have finished at least one link (as in the agent engine).
pub(crate) const FIRST_LINK_DONE: u8 = crate::engine::agents::FIRST_LINK_DONE;

/// No stored route (as in the agent engine).
pub(crate) const NO_ROUTE: u32 = crate::engine::agents::NO_ROUTE;

/// The state shared by every member of a cohort, packed into three words so that
/// sorting compares integers only.
///
/// * `place`: location index `l` at a location; `LINK_BASE + link` on a link;
/// * `route`: path id (high 32 bits), cursor (bits 24..32), flags (16..24), class
///   (0..16);
/// * `dist`: km travelled on the link as `f32` bits (0 at a location; non-negative
///   floats order like their bits);
/// * `recent`: recent travel as `f32` bits (0 unless `avoid_short_stints`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Key {
    place: u32,
    dist: u32,
    route: u64,
    recent: u32,
}

/// Places at or above this are links (`LINK_BASE + link index`). The engine's
/// validation keeps location counts below 2^31 and link counts below 2^30.
const LINK_BASE: u32 = 1 << 31;

impl Key {
    /// People at location `l` with no stored route.
    pub(crate) fn at(l: u32, flags: u8, class: u16, recent: f32) -> Key {
        Key {
            place: l,
            dist: 0,
            route: pack_route(NO_ROUTE, 0, flags, class),
            recent: recent.to_bits(),
        }
    }

    #[inline]
    pub(crate) fn on_link(&self) -> bool {
        self.place >= LINK_BASE
    }

    /// Location index (at a location) or directed-link index (on a link).
    #[inline]
    pub(crate) fn pos(&self) -> u32 {
        self.place & !LINK_BASE
    }

    #[inline]
    pub(crate) fn dist(&self) -> f32 {
        f32::from_bits(self.dist)
    }

    #[inline]
    pub(crate) fn route(&self) -> u32 {
        (self.route >> 32) as u32
    }

    #[inline]
    pub(crate) fn cursor(&self) -> u8 {
        (self.route >> 24) as u8
    }

    #[inline]
    pub(crate) fn flags(&self) -> u8 {
        (self.route >> 16) as u8
    }

    #[inline]
    pub(crate) fn class(&self) -> u16 {
        self.route as u16
    }

    #[inline]
    pub(crate) fn recent(&self) -> f32 {
        f32::from_bits(self.recent)
    }

    /// The same people at location `l`, `dist` 0.
    #[inline]
    pub(crate) fn moved_to(mut self, l: u32) -> Key {
        self.place = l;
        self.dist = 0;
        self
    }

    /// The same people at the start of directed link `link`.
    #[inline]
    pub(crate) fn onto_link(mut self, link: u32) -> Key {
        self.place = LINK_BASE | link;
        self.dist = 0;
        self
    }

    #[inline]
    pub(crate) fn with_dist(mut self, d: f32) -> Key {
        self.dist = d.to_bits();
        self
    }

    /// Stored route `route` with next hop `cursor`; `NO_ROUTE` normalises the
    /// cursor to 0 (it is meaningless without a route), so that such cohorts merge.
    #[inline]
    pub(crate) fn with_route(mut self, route: u32, cursor: u8) -> Key {
        let cursor = if route == NO_ROUTE { 0 } else { cursor };
        self.route = pack_route(route, cursor, self.flags(), self.class());
        self
    }

    #[inline]
    pub(crate) fn with_flags(mut self, flags: u8) -> Key {
        self.route = pack_route(self.route(), self.cursor(), flags, self.class());
        self
    }

    #[inline]
    pub(crate) fn with_recent(mut self, r: f32) -> Key {
        self.recent = r.to_bits();
        self
    }
}

#[inline]
fn pack_route(route: u32, cursor: u8, flags: u8, class: u16) -> u64 {
    ((route as u64) << 32) | ((cursor as u64) << 24) | ((flags as u64) << 16) | class as u64
}

/// Sorts `v` by key, merges equal keys and drops empty cohorts.
pub(crate) fn normalise(v: &mut Vec<(Key, u64)>) {
    // Most buckets are still sorted (stayers keep their keys): check first.
    if !v.windows(2).all(|w| w[0].0 <= w[1].0) {
        v.sort_by_key(|c| c.0);
    }
    let mut w = 0usize;
    for r in 0..v.len() {
        let (k, n) = v[r];
        if n == 0 {
            continue;
        }
        if w > 0 && v[w - 1].0 == k {
            v[w - 1].1 += n;
        } else {
            v[w] = (k, n);
            w += 1;
        }
    }
    v.truncate(w);
}

/// All cohorts, one bucket per location and one per directed link. Each bucket
/// is normalised between the steps of a day; its allocation is kept from day to
/// day, so a day allocates nothing once the buckets have grown.
#[derive(Debug, Clone, Default)]
pub(crate) struct Buckets {
    /// Cohorts at each location.
    pub at: Vec<Vec<(Key, u64)>>,
    /// Cohorts on each directed link.
    pub on: Vec<Vec<(Key, u64)>>,
}

impl Buckets {
    pub(crate) fn new(n_loc: usize, n_link: usize) -> Buckets {
        Buckets {
            at: vec![Vec::new(); n_loc],
            on: vec![Vec::new(); n_link],
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, key: Key, n: u64) {
        let b = if key.on_link() {
            &mut self.on[key.pos() as usize]
        } else {
            &mut self.at[key.pos() as usize]
        };
        b.push((key, n));
    }

    pub(crate) fn normalise(&mut self) {
        for b in self.at.iter_mut().chain(self.on.iter_mut()) {
            normalise(b);
        }
    }

    /// Number of cohorts.
    pub(crate) fn len(&self) -> usize {
        self.at.iter().chain(&self.on).map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_order() {
        let k = Key::at(7, FIRST_LINK_DONE, 3, 0.25)
            .with_route(11, 2)
            .onto_link(5)
            .with_dist(12.5);
        assert!(k.on_link());
        assert_eq!(k.pos(), 5);
        assert_eq!(k.route(), 11);
        assert_eq!(k.cursor(), 2);
        assert_eq!(k.flags(), FIRST_LINK_DONE);
        assert_eq!(k.class(), 3);
        assert_eq!(k.recent(), 0.25);
        assert_eq!(k.dist(), 12.5);
        let a = k.moved_to(9).with_route(NO_ROUTE, 4);
        assert!(!a.on_link());
        assert_eq!((a.pos(), a.dist(), a.cursor()), (9, 0.0, 0));
        // Every location sorts before every link.
        assert!(Key::at(u32::MAX >> 2, 0, 0, 0.0) < Key::at(0, 0, 0, 0.0).onto_link(0));
    }

    #[test]
    fn normalise_merges_and_drops_zeros() {
        let a = Key::at(1, 0, 0, 0.0);
        let b = Key::at(0, 0, 0, 0.0);
        let mut v = vec![(a, 2), (b, 0), (a, 3), (b, 4)];
        normalise(&mut v);
        assert_eq!(v, vec![(b, 4), (a, 5)]);
        let mut bs = Buckets::new(2, 1);
        bs.push(a, 1);
        bs.push(a.onto_link(0), 2);
        bs.push(a, 1);
        bs.normalise();
        assert_eq!(bs.at[1], vec![(a, 2)]);
        assert_eq!(bs.on[0], vec![(a.onto_link(0), 2)]);
        assert_eq!(bs.len(), 2);
    }
}
