//! Keyed random draws of the border processes.
//!
//! Every draw about one agent comes from its own stream keyed by
//! (seed, `Purpose::Border`, day, [`entity`]), where the entity packs the kind of
//! draw, the index of the port/checkpoint/crossing and the agent id. A draw
//! therefore depends only on who, where and when, never on the order in which an
//! engine visits agents or on the number of threads. Count versions (binomial
//! draws per place and day) serve a count engine with the same probabilities.
//! Probabilities ≤ 0 never fire and ≥ 1 always fire, without consuming a draw.

use crate::rng::{self, Purpose, Stream};

/// Kinds of border draws; the top byte of an entity key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Tag {
    /// A port's random walk-up order.
    PortOrder = 1,
    /// The day's appointment lottery and port assignment.
    Appointment = 2,
    /// An agent's daily appointment request.
    Request = 3,
    /// An agent's interception at a checkpoint.
    Checkpoint = 4,
    /// An agent's crossing between ports.
    Crossing = 5,
    /// A caravan's dispersal split.
    Dispersal = 6,
    /// A caravan's recruitment.
    Recruit = 7,
    /// Count-engine draws at a checkpoint (no agent).
    CheckpointCount = 8,
    /// Count-engine draws at a crossing (entity also packs the waiting days).
    CrossingCount = 9,
    /// A queued walk-up's daily chance to leave a port's queue (reneging).
    Renege = 10,
    /// A person's decision to join a port's walk-up queue (balking).
    Join = 11,
}

/// Entity key: `tag` in bits 56..64, `index` in bits 32..56 (24 bits), `agent` in
/// bits 0..32.
#[inline]
pub fn entity(tag: Tag, index: usize, agent: u32) -> u64 {
    ((tag as u64) << 56) | (((index as u64) & 0xFF_FFFF) << 32) | agent as u64
}

/// The stream for one border draw.
#[inline]
pub fn stream(seed: u64, day: u32, tag: Tag, index: usize, agent: u32) -> Stream {
    rng::stream(seed, Purpose::Border, day as u64, entity(tag, index, agent))
}

/// One Bernoulli(p) draw on the key (seed, day, tag, index, agent).
#[inline]
pub fn bernoulli(seed: u64, day: u32, tag: Tag, index: usize, agent: u32, p: f64) -> bool {
    if p.is_nan() || p <= 0.0 {
        return false;
    }
    if p >= 1.0 {
        return true;
    }
    stream(seed, day, tag, index, agent).next_f64() < p
}

/// Does `agent` request an appointment today (probability `r`)?
pub fn requests(seed: u64, day: u32, agent: u32, r: f64) -> bool {
    bernoulli(seed, day, Tag::Request, 0, agent, r)
}

/// Is `agent` intercepted at checkpoint `checkpoint` today (probability `p`)?
pub fn intercepted(seed: u64, day: u32, checkpoint: usize, agent: u32, p: f64) -> bool {
    bernoulli(seed, day, Tag::Checkpoint, checkpoint, agent, p)
}

/// Does `agent` cross between ports at crossing `crossing` today (probability `h`)?
pub fn crosses(seed: u64, day: u32, crossing: usize, agent: u32, h: f64) -> bool {
    bernoulli(seed, day, Tag::Crossing, crossing, agent, h)
}

/// Does the queued walk-up `agent` leave the queue of port `port` today
/// (probability `r`)?
pub fn reneges(seed: u64, day: u32, port: usize, agent: u32, r: f64) -> bool {
    bernoulli(seed, day, Tag::Renege, port, agent, r)
}

/// Does `agent`, free at port `port` without an appointment, join its walk-up
/// queue today (probability `q`, the port's join probability of the day)?
pub fn joins(seed: u64, day: u32, port: usize, agent: u32, q: f64) -> bool {
    bernoulli(seed, day, Tag::Join, port, agent, q)
}

/// Count version of [`intercepted`]: how many of `n` traversals are intercepted.
pub fn intercepted_count(seed: u64, day: u32, checkpoint: usize, n: u64, p: f64) -> u64 {
    stream(seed, day, Tag::CheckpointCount, checkpoint, 0).binomial(n, p)
}

/// Count version of [`crosses`] for the `n` people who have waited `waited` days.
pub fn crossing_count(seed: u64, day: u32, crossing: usize, waited: u32, n: u64, h: f64) -> u64 {
    stream(seed, day, Tag::CrossingCount, crossing, waited).binomial(n, h)
}

/// The ports of `k` of the day's appointment slots (`slots[p]` slots at port `p`),
/// taken uniformly without replacement and in random order: the first `k`
/// entries of [`partial_shuffle`] applied to the slots listed port by port
/// (port 0's slots first), with the same draws and the same result.
///
/// The list is only written out when it is small against `k`; otherwise (a
/// daily quota of billions, from a scale factor or a typo) the shuffle is
/// followed sparsely: only the positions it has swapped are stored, so memory
/// is O(`k`) whatever the slots (test `sparse_slot_draws_equal_the_shuffle`).
/// `k` is at most the total number of slots.
pub fn slot_ports(slots: &[u64], k: usize, s: &mut Stream) -> Vec<usize> {
    let total = slot_total(slots);
    slot_ports_with(slots, total, k, s, DENSE_SLOTS_MAX.max(4 * k as u64))
}

/// The day's slots over all ports, saturating: a quota of billions (a scale
/// factor, a typo) must not wrap.
pub fn slot_total(slots: &[u64]) -> u64 {
    slots.iter().fold(0u64, |a, &x| a.saturating_add(x))
}

/// Up to this many slots (or four times the slots drawn) the list is written out.
const DENSE_SLOTS_MAX: u64 = 1 << 16;

fn slot_ports_with(
    slots: &[u64],
    total: u64,
    k: usize,
    s: &mut Stream,
    dense_max: u64,
) -> Vec<usize> {
    let k = k.min(usize::try_from(total).unwrap_or(usize::MAX));
    if total <= dense_max {
        let mut v: Vec<usize> = Vec::with_capacity(total as usize);
        for (p, &n) in slots.iter().enumerate() {
            v.extend(std::iter::repeat_n(p, n as usize));
        }
        partial_shuffle(&mut v, k, s);
        v.truncate(k);
        return v;
    }
    // Position i of the written-out list is at port `cum.partition_point(|&c| c <= i)`.
    let mut cum = Vec::with_capacity(slots.len());
    let mut acc = 0u64;
    for &n in slots {
        acc = acc.saturating_add(n);
        cum.push(acc);
    }
    let port_of = |i: u64| cum.partition_point(|&c| c <= i);
    sparse_partial_shuffle(total, k as u64, s)
        .into_iter()
        .map(port_of)
        .collect()
}

/// [`partial_shuffle`] of `0..n` without writing the list out: what ends up in
/// positions `0..k` (the same draws, the same values, in order), in memory for
/// the swapped positions only. For lists of millions or billions (a day's
/// appointment slots, the crowd a caravan recruits from) of which a few are drawn.
pub fn sparse_partial_shuffle(n: u64, k: u64, s: &mut Stream) -> Vec<u64> {
    let k = k.min(n);
    // Positions holding another position's entry after a swap (position → original).
    let mut moved: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(usize::try_from(k).unwrap_or(0));
    for i in 0..k {
        let j = i + s.below(n - i);
        let at_j = moved.get(&j).copied().unwrap_or(j);
        let at_i = moved.get(&i).copied().unwrap_or(i);
        moved.insert(j, at_i);
        out.push(at_j);
    }
    out
}

/// Fisher–Yates on the first `k` positions: afterwards `v[..k]` is a uniform random
/// `k`-subset of `v` in random order. Deterministic for a given stream and input.
pub fn partial_shuffle<T>(v: &mut [T], k: usize, s: &mut Stream) {
    let n = v.len();
    for i in 0..k.min(n) {
        let j = i + s.below((n - i) as u64) as usize;
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_slot_draws_equal_the_shuffle() {
        for (case, slots) in [
            vec![3u64, 0, 5, 1],
            vec![0, 0, 7],
            vec![40, 2, 0, 13, 9],
            vec![1],
        ]
        .into_iter()
        .enumerate()
        {
            let total: u64 = slots.iter().sum();
            for k in 0..=total as usize {
                let s0 = || stream(9, case as u32, Tag::Appointment, k, 0);
                let dense = slot_ports_with(&slots, total, k, &mut s0(), u64::MAX);
                let sparse = slot_ports_with(&slots, total, k, &mut s0(), 0);
                assert_eq!(dense, sparse, "slots {slots:?}, k {k}");
                assert_eq!(dense.len(), k);
                // The written-out list, shuffled by hand.
                let mut v: Vec<usize> = Vec::new();
                for (p, &n) in slots.iter().enumerate() {
                    v.extend(std::iter::repeat_n(p, n as usize));
                }
                partial_shuffle(&mut v, k, &mut s0());
                assert_eq!(dense, v[..k]);
            }
        }
    }

    #[test]
    fn billions_of_slots_cost_memory_for_the_slots_drawn_only() {
        let slots = [u64::MAX / 2, 3, u64::MAX];
        let mut s = stream(1, 0, Tag::Appointment, 0, 0);
        let ports = slot_ports(&slots, 1000, &mut s);
        assert_eq!(ports.len(), 1000);
        assert!(ports.iter().all(|&p| p == 0 || p == 1 || p == 2));
    }

    #[test]
    fn keys_do_not_collide_across_tags_indices_and_agents() {
        let a = entity(Tag::Checkpoint, 3, 7);
        assert_ne!(a, entity(Tag::Crossing, 3, 7));
        assert_ne!(a, entity(Tag::Checkpoint, 4, 7));
        assert_ne!(a, entity(Tag::Checkpoint, 3, 8));
        assert_eq!(entity(Tag::Request, 0, u32::MAX) >> 56, 3);
        assert_ne!(entity(Tag::Renege, 3, 7), entity(Tag::Join, 3, 7));
        assert_ne!(entity(Tag::Join, 3, 7), entity(Tag::Crossing, 3, 7));
    }

    #[test]
    fn certain_and_impossible_events() {
        for agent in 0..100 {
            assert!(intercepted(1, 0, 0, agent, 1.0));
            assert!(!intercepted(1, 0, 0, agent, 0.0));
            assert!(!crosses(1, 0, 0, agent, -0.5));
        }
    }

    #[test]
    fn frequencies_match_probabilities_and_draws_are_reproducible() {
        let n = 100_000u32;
        let hits = (0..n).filter(|&a| requests(42, 5, a, 0.3)).count();
        // sd = sqrt(n p q) ≈ 145: accept 5 sd.
        assert!((hits as i64 - 30_000).abs() < 725, "hits {hits}");
        let again = (0..n).filter(|&a| requests(42, 5, a, 0.3)).count();
        assert_eq!(hits, again);
        let other_day = (0..n).filter(|&a| requests(42, 6, a, 0.3)).count();
        assert_ne!(hits, other_day);
    }

    #[test]
    fn partial_shuffle_picks_a_subset() {
        let mut v: Vec<u32> = (0..10).collect();
        let mut s = stream(1, 0, Tag::Appointment, 0, 0);
        partial_shuffle(&mut v, 4, &mut s);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        let mut w: Vec<u32> = (0..10).collect();
        let mut s2 = stream(1, 0, Tag::Appointment, 0, 0);
        partial_shuffle(&mut w, 4, &mut s2);
        assert_eq!(v, w);
        // k larger than the slice shuffles everything without panicking.
        partial_shuffle(&mut w, 99, &mut s2);
    }

    #[test]
    fn count_draws_have_the_right_mean() {
        let mean: f64 = (0..2000)
            .map(|d| intercepted_count(3, d, 0, 1000, 0.2) as f64)
            .sum::<f64>()
            / 2000.0;
        assert!((mean - 200.0).abs() < 2.0, "mean {mean}");
        assert_eq!(crossing_count(3, 0, 0, 4, 50, 1.0), 50);
        assert_eq!(crossing_count(3, 0, 0, 4, 50, 0.0), 0);
    }
}
