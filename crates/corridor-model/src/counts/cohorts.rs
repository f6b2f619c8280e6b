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
//! Invariants of a normalised bucket ([`normalise`]): no two entries with the
//! same key, no entry with count 0, entries in a fixed order (the order in which
//! their keys first appeared; no sorting). The passes visit buckets in index
//! order and cohorts in bucket order, which is the order in which they draw
//! their random numbers, so a run is a function of the seed.

/// `flags` bit: the people have finished at least one link (as in the agent engine).
pub(crate) const FIRST_LINK_DONE: u8 = crate::engine::agents::FIRST_LINK_DONE;

/// No stored route (as in the agent engine).
pub(crate) const NO_ROUTE: u32 = crate::engine::agents::NO_ROUTE;

/// The state shared by every member of a cohort, packed into a few integers so
/// that comparing and hashing keys is cheap.
///
/// * `place`: location index `l` at a location; `LINK_BASE + link` on a link;
/// * `route`: path id (high 32 bits), cursor (bits 24..32), flags (16..24), class
///   (0..16);
/// * `dist`: km travelled on the link as `f32` bits (0 at a location; non-negative
///   floats order like their bits);
/// * `recent`: recent travel as `f32` bits (0 unless `avoid_short_stints`);
/// * `bd`: border facts (0 without border processes), see [`Bd`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    place: u32,
    dist: u32,
    route: u64,
    recent: u32,
    bd: u64,
}

/// The border facts of a cohort, packed in `Key::bd` (what the agent engine's
/// `BorderState` keeps per agent id). Bit 63: appointment holder. A holder has
/// its appointment day in bits 0..16 and its port in bits 16..32 (it never
/// requests or crosses again, so it needs nothing else). Anyone else has its
/// registration day + 1 in bits 0..16 (0: never requested, or the run never
/// allocates by registration; the day is the start of its block of
/// `border::REGISTRATION_QUANTUM` days), and its current
/// stay at a crossing city: crossing + 1 in bits 16..24 (0: none), first day of
/// the stay in bits 24..40, last day seen in bits 40..56. Days fit in 16 bits
/// (the count engine refuses border runs of more than [`MAX_BORDER_DAYS`] days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bd(pub u64);

/// Longest border run of the count engine (days fit in 16 bits).
pub(crate) const MAX_BORDER_DAYS: u32 = 65_000;

const HOLDER_BIT: u64 = 1 << 63;

impl Bd {
    pub(crate) fn holder(port: usize, day: u32) -> Bd {
        Bd(HOLDER_BIT | (port as u64) << 16 | day as u64)
    }

    #[inline]
    pub(crate) fn is_holder(self) -> bool {
        self.0 & HOLDER_BIT != 0
    }

    /// (port, appointment day) of a holder.
    pub(crate) fn appointment(self) -> Option<(usize, u32)> {
        self.is_holder()
            .then_some((((self.0 >> 16) & 0xFFFF) as usize, (self.0 & 0xFFFF) as u32))
    }

    /// Registration day of a non-holder who has requested.
    pub(crate) fn registered(self) -> Option<u32> {
        let r = self.0 & 0xFFFF;
        (!self.is_holder() && r > 0).then_some(r as u32 - 1)
    }

    pub(crate) fn with_registered(self, day: u32) -> Bd {
        Bd(self.0 & !0xFFFF | (day as u64 + 1))
    }

    /// (crossing, first day, last day seen) of the current stay at a crossing city.
    pub(crate) fn stay(self) -> Option<(usize, u32, u32)> {
        let c = (self.0 >> 16) & 0xFF;
        (!self.is_holder() && c > 0).then_some((
            c as usize - 1,
            ((self.0 >> 24) & 0xFFFF) as u32,
            ((self.0 >> 40) & 0xFFFF) as u32,
        ))
    }

    pub(crate) fn with_stay(self, crossing: usize, first: u32, last: u32) -> Bd {
        Bd(self.0 & 0xFFFF
            | ((crossing as u64 + 1) & 0xFF) << 16
            | (first as u64 & 0xFFFF) << 24
            | (last as u64 & 0xFFFF) << 40)
    }
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
            bd: 0,
        }
    }

    #[inline]
    pub(crate) fn bd(&self) -> Bd {
        Bd(self.bd)
    }

    #[inline]
    pub(crate) fn with_bd(mut self, bd: Bd) -> Key {
        self.bd = bd.0;
        self
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

impl Key {
    /// A hash of the key in `bits` bits (multiplicative hashing of all fields).
    #[inline]
    fn hash_bits(&self, bits: u32) -> usize {
        let a = ((self.place as u64) << 32 | self.dist as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let b = (self.route ^ (self.recent as u64).rotate_left(47) ^ self.bd.rotate_left(13))
            .wrapping_add(a);
        (b.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> (64 - bits)) as usize
    }
}

#[inline]
fn pack_route(route: u32, cursor: u8, flags: u8, class: u16) -> u64 {
    ((route as u64) << 32) | ((cursor as u64) << 24) | ((flags as u64) << 16) | class as u64
}

/// Reusable buffer of [`normalise`]: an open-addressing table whose slots hold
/// (stamp, 1 + an index into the bucket). A slot is in use only if its stamp
/// is the current call's: each call takes a new stamp instead of zeroing the
/// table (which was most of the cost of merging a short tail into a long
/// bucket); the table is zeroed only when the stamp wraps around.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scratch {
    table: Vec<(u32, u32)>,
    stamp: u32,
}

impl Scratch {
    /// A table of `1 << bits` slots, all free, and the stamp that marks a
    /// slot as used in this call.
    fn fresh(&mut self, bits: u32) -> u32 {
        let size = 1usize << bits;
        if self.table.len() < size {
            self.table.resize(size, (0, 0));
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.table.fill((0, 0));
            self.stamp = 1;
        }
        self.stamp
    }
}

/// Up to this many entries a bucket is merged by comparing keys directly (no
/// hash table): fewer instructions than hashing for the many small buckets.
const LINEAR_MERGE_MAX: usize = 8;

/// Normalises a bucket whose entries before `from` are already distinct and
/// non-empty: merges every later entry into the first entry with its key (or
/// keeps it, in place, if its key is new) and drops empty ones. The order of
/// first occurrence is kept, a function of the order of `v`, so runs stay
/// deterministic; it costs O(len) expected time with a hash table, and nothing
/// when `from` is the length (no sorting: the passes only need a fixed order).
pub(crate) fn normalise(v: &mut Vec<(Key, u64)>, from: usize, scratch: &mut Scratch) {
    let n = v.len();
    if from >= n {
        return;
    }
    if n <= LINEAR_MERGE_MAX {
        let mut w = from;
        for r in from..n {
            let (k, c) = v[r];
            if c == 0 {
                continue;
            }
            match v[..w].iter().position(|e| e.0 == k) {
                Some(i) => v[i].1 += c,
                None => {
                    v[w] = (k, c);
                    w += 1;
                }
            }
        }
        v.truncate(w);
        return;
    }
    let bits = (2 * n).max(16).next_power_of_two().trailing_zeros();
    let stamp = scratch.fresh(bits);
    let table = &mut scratch.table;
    let mask = (1usize << bits) - 1;
    for (i, c) in v[..from].iter().enumerate() {
        claim_slot(table, &c.0, i, bits, mask, stamp);
    }
    merge_tail(v, from, from, table, bits, stamp);
}

/// [`normalise`] for a bucket whose entries were distinct and whose keys then
/// changed so that only keys with `may_repeat` can now be equal (to each
/// other): every other entry is kept in place without a look-up, and only
/// the former are merged through the table. Gives `normalise(v, 0, ..)`'s
/// result (first occurrence order, sums, no zeros) when that holds.
pub(crate) fn normalise_where(
    v: &mut Vec<(Key, u64)>,
    may_repeat: impl Fn(&Key) -> bool,
    scratch: &mut Scratch,
) {
    let n = v.len();
    let bits = (2 * n).max(16).next_power_of_two().trailing_zeros();
    let stamp = scratch.fresh(bits);
    let table = &mut scratch.table;
    let mut w = 0;
    for r in 0..n {
        let (k, c) = v[r];
        if c == 0 {
            continue;
        }
        if !may_repeat(&k) {
            v[w] = (k, c);
            w += 1;
            continue;
        }
        merge_entry(v, &mut w, (k, c), table, bits, stamp);
    }
    v.truncate(w);
}

/// The hash step shared by [`normalise`] and [`normalise_where`]: adds `e` to
/// the entry of `v[..*w]` with its key (found through `table`, whose slots of
/// this call carry `stamp` and hold an index + 1), or writes it at `*w` as a
/// new entry. Inlined: it is the inner loop of every merge.
#[inline(always)]
fn merge_entry(
    v: &mut [(Key, u64)],
    w: &mut usize,
    e: (Key, u64),
    table: &mut [(u32, u32)],
    bits: u32,
    stamp: u32,
) {
    let mask = (1usize << bits) - 1;
    let mut h = e.0.hash_bits(bits);
    loop {
        let (st, s) = table[h];
        if st != stamp {
            table[h] = (stamp, (*w + 1) as u32);
            v[*w] = e;
            *w += 1;
            return;
        }
        let s = s as usize;
        if v[s - 1].0 == e.0 {
            v[s - 1].1 += e.1;
            return;
        }
        h = (h + 1) & mask;
    }
}

/// All cohorts, one bucket per location and one per directed link. Location
/// buckets are normalised between the steps of a day; link buckets are
/// normalised when the travel pass reads them (the engine appends to them
/// until then). Allocations are kept from day to day, so a day allocates
/// nothing once the buckets have grown.
#[derive(Debug, Clone, Default)]
pub(crate) struct Buckets {
    /// Cohorts at each location.
    pub at: Vec<Vec<(Key, u64)>>,
    /// Cohorts on each directed link.
    pub on: Vec<Vec<(Key, u64)>>,
    /// Scratch buffers of [`normalise`].
    pub scratch: Scratch,
}

impl Buckets {
    pub(crate) fn new(n_loc: usize, n_link: usize) -> Buckets {
        Buckets {
            at: vec![Vec::new(); n_loc],
            on: vec![Vec::new(); n_link],
            scratch: Scratch::default(),
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

    /// Normalises every bucket from scratch.
    pub(crate) fn normalise(&mut self) {
        for b in self.at.iter_mut().chain(self.on.iter_mut()) {
            normalise(b, 0, &mut self.scratch);
        }
    }

    /// Number of cohorts.
    pub(crate) fn len(&self) -> usize {
        self.at.iter().chain(&self.on).map(Vec::len).sum()
    }
}

/// [`normalise`] after a step that lowered counts in place (some to 0) and
/// appended new entries at `from`, when a new entry can equal only those
/// entries before `from` for which `may_match` holds (and other new ones):
/// drops the empty entries, puts only the matching earlier entries in the
/// table, and merges the new ones. Gives `v.retain(|c| c.1 > 0)` followed by
/// `normalise(v, retained length, ..)`'s result when that holds; the earlier
/// entries that cannot match cost a test, not a hash (the appointment step
/// adds a few hundred new keys a day to buckets of thousands).
pub(crate) fn normalise_tail_where(
    v: &mut Vec<(Key, u64)>,
    from: usize,
    may_match: impl Fn(&Key) -> bool,
    scratch: &mut Scratch,
) {
    let n = v.len();
    let bits = (2 * n).max(16).next_power_of_two().trailing_zeros();
    let stamp = scratch.fresh(bits);
    let table = &mut scratch.table;
    let mask = (1usize << bits) - 1;
    let from = from.min(n);
    let mut insert = |k: &Key, i: usize| {
        if may_match(k) {
            claim_slot(table, k, i, bits, mask, stamp);
        }
    };
    // Up to the first empty entry nothing moves.
    let mut start = 0;
    while start < from && v[start].1 > 0 {
        insert(&v[start].0, start);
        start += 1;
    }
    let mut w = start;
    for r in start..from {
        let (k, c) = v[r];
        if c == 0 {
            continue;
        }
        v[w] = (k, c);
        insert(&k, w);
        w += 1;
    }
    merge_tail(v, w, from, table, bits, stamp);
}

/// [`normalise_tail_where`] when the earlier entries that a new one can
/// equal are known by position: `candidates` (indices below `from`); the
/// others are not looked at, and the emptied entries are dropped at the end
/// (those among the candidates are not put in the table, so that a new entry
/// with an emptied entry's key is new, as after `retain`). Gives
/// `v.retain(|c| c.1 > 0)` followed by `normalise(v, retained length, ..)`'s
/// result when only candidates can match.
pub(crate) fn normalise_tail_among(
    v: &mut Vec<(Key, u64)>,
    from: usize,
    candidates: impl IntoIterator<Item = usize>,
    scratch: &mut Scratch,
) {
    let n = v.len();
    let from = from.min(n);
    let bits = (2 * n).max(16).next_power_of_two().trailing_zeros();
    let stamp = scratch.fresh(bits);
    let table = &mut scratch.table;
    let mask = (1usize << bits) - 1;
    for i in candidates {
        if v[i].1 == 0 {
            continue;
        }
        claim_slot(table, &v[i].0, i, bits, mask, stamp);
    }
    merge_tail(v, from, from, table, bits, stamp);
    v.retain(|c| c.1 > 0);
}

/// The tail of a merge: every entry of `v[from..]` with people goes through
/// [`merge_entry`] into the distinct entries `v[..w]` (whose keys are in
/// `table`), then `v` is cut to the distinct entries.
#[inline(always)]
fn merge_tail(
    v: &mut Vec<(Key, u64)>,
    mut w: usize,
    from: usize,
    table: &mut [(u32, u32)],
    bits: u32,
    stamp: u32,
) {
    for r in from..v.len() {
        let e = v[r];
        if e.1 == 0 {
            continue;
        }
        merge_entry(v, &mut w, e, table, bits, stamp);
    }
    v.truncate(w);
}

/// Files entry `i` (key `k`, known distinct from the keys already filed) in
/// the first free slot of its probe sequence: the distinct prefix of a merge.
#[inline]
fn claim_slot(table: &mut [(u32, u32)], k: &Key, i: usize, bits: u32, mask: usize, stamp: u32) {
    let mut h = k.hash_bits(bits);
    while table[h].0 == stamp {
        h = (h + 1) & mask;
    }
    table[h] = (stamp, (i + 1) as u32);
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
    }

    #[test]
    fn normalise_merges_and_drops_zeros() {
        let a = Key::at(1, 0, 0, 0.0);
        let b = Key::at(0, 0, 0, 0.0);
        let mut v = vec![(a, 2), (b, 0), (a, 3), (b, 4)];
        normalise(&mut v, 0, &mut Scratch::default());
        assert_eq!(v, vec![(a, 5), (b, 4)]);
        let mut bs = Buckets::new(2, 1);
        bs.push(a, 1);
        bs.push(a.onto_link(0), 2);
        bs.push(a, 1);
        bs.normalise();
        assert_eq!(bs.at[1], vec![(a, 2)]);
        assert_eq!(bs.on[0], vec![(a.onto_link(0), 2)]);
        assert_eq!(bs.len(), 2);
    }

    /// Against a reference: every key's total is kept, keys are distinct, no
    /// zeros, and the order is that of first occurrence, whatever the prefix.
    #[test]
    fn normalise_matches_a_reference() {
        let mut scratch = Scratch::default();
        let mut x = 12345u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Lengths on both sides of the direct merge (`LINEAR_MERGE_MAX`); the
        // second round starts just before the stamp wraps around, so a table
        // left with stamps of earlier calls must read as empty after the wrap.
        for round in 0..2 {
            if round == 1 {
                scratch.stamp = u32::MAX - 7;
            }
            for len in [0usize, 1, 2, 5, 8, 9, 40, 300] {
                for from_frac in [0usize, 1, 2] {
                    // A distinct, non-empty prefix, then a tail with repeats and zeros.
                    let from = len * from_frac / 3;
                    let mut v: Vec<(Key, u64)> = (0..from)
                        .map(|i| (Key::at(3, 0, i as u16, 0.0).onto_link(2), 1 + i as u64))
                        .collect();
                    for _ in from..len {
                        let c = (next() % (len as u64 + 1)) as u16;
                        let k = Key::at(3, 0, c, 0.0).onto_link(2).with_dist((c % 3) as f32);
                        v.push((k, next() % 4));
                    }
                    let mut order: Vec<Key> = Vec::new();
                    let mut total = std::collections::HashMap::new();
                    for &(k, n) in v.iter().filter(|c| c.1 > 0) {
                        if !total.contains_key(&k) {
                            order.push(k);
                        }
                        *total.entry(k).or_insert(0u64) += n;
                    }
                    normalise(&mut v, from, &mut scratch);
                    let expect: Vec<(Key, u64)> = order.iter().map(|k| (*k, total[k])).collect();
                    assert_eq!(v, expect, "len {len}, from {from}");
                }
            }
        }
        assert!(scratch.stamp < 100, "the stamp wrapped around");
    }

    /// `normalise_where` gives `normalise`'s result when only the marked keys
    /// can repeat: distinct keys, some of them then mapped onto a few shared
    /// keys (marked), zeros anywhere.
    #[test]
    fn normalise_where_matches_normalise() {
        let mut scratch = Scratch::default();
        let mut x = 777u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for len in [0usize, 1, 3, 8, 9, 50, 400] {
            for _ in 0..5 {
                // Distinct keys (class i); a random third are remapped onto
                // one of 4 shared keys, which carry recent travel 1 as a mark.
                let v: Vec<(Key, u64)> = (0..len)
                    .map(|i| {
                        let k = Key::at(2, 0, i as u16, 0.0);
                        let k = if next() % 3 == 0 {
                            Key::at(2, 0, (next() % 4) as u16, 1.0)
                        } else {
                            k
                        };
                        (k, next() % 3)
                    })
                    .collect();
                let mut want = v.clone();
                normalise(&mut want, 0, &mut scratch);
                let mut got = v;
                normalise_where(&mut got, |k| k.recent() == 1.0, &mut scratch);
                assert_eq!(got, want, "len {len}");
            }
        }
    }
}
