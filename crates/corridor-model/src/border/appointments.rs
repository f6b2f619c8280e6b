//! The daily allocation of appointments (CBP One-like).
//!
//! Inputs on day `t`: the requesters (agent, registration day) and the number of
//! slots of each port today (`slots[p]`, from each port's
//! [`DailyQuota`](crate::border::quota::DailyQuota) of `per_day × share_p`).
//! With `S = Σ slots` and `R` requesters, `k = min(S, R)` winners are chosen:
//! * `Fifo`: the `k` earliest registrations (ties by agent id);
//! * `Lottery`: `k` uniformly at random;
//! * `Mixed { fifo_share }`: `round(k · fifo_share)` earliest registrations, then the
//!   rest uniformly at random among the others.
//!
//! Ports: the list of slots (port 0 repeated `slots[0]` times, then port 1, …) is
//! shuffled and winner `i` (in selection order) gets slot `i`, so when requesters
//! are fewer than slots the unused slots fall on random ports. Each winner's
//! appointment is for day `t + lead_days`. All randomness comes from the stream
//! (seed, Border, t, Appointment); requesters are first sorted by agent id, so the
//! result does not depend on the order in which the engine lists them.

use crate::border::draws::{self, Tag};
use crate::border::Allocation;

/// An appointment given to one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appointment {
    pub agent: u32,
    /// Index into `Border::ports`.
    pub port: usize,
    /// Day the port admits the holder (from then on).
    pub day: u32,
}

/// Requesters as (agent, registration day).
type Reqs = Vec<(u32, u32)>;

/// Allocates today's appointments; see the module doc.
pub fn allocate(
    seed: u64,
    day: u32,
    requesters: &[(u32, u32)],
    slots: &[u64],
    policy: Allocation,
    lead_days: u32,
) -> Vec<Appointment> {
    let total = draws::slot_total(slots);
    if total == 0 || requesters.is_empty() {
        return Vec::new();
    }
    let mut reqs: Vec<(u32, u32)> = requesters.to_vec();
    // The agent engine lists its requesters in agent order, one each: then
    // the sort and the dedup below change nothing (and are skipped).
    if !reqs.windows(2).all(|w| w[0].0 < w[1].0) {
        reqs.sort_unstable_by_key(|&(agent, reg)| (agent, reg));
        reqs.dedup_by_key(|r| r.0);
    }
    let k = (total.min(reqs.len() as u64)) as usize;
    let n_fifo = match policy {
        Allocation::Fifo => k,
        Allocation::Lottery => 0,
        Allocation::Mixed { fifo_share } => {
            ((k as f64 * fifo_share.clamp(0.0, 1.0)).round() as usize).min(k)
        }
    };
    let mut s = draws::stream(seed, day, Tag::Appointment, 0, 0);
    // Earliest registrations first, by (registration day, agent): select the
    // n_fifo smallest keys (keys are distinct: one per agent), sort only them;
    // the lottery pool is everyone else, taken from `reqs` in agent order (a
    // linear filter instead of re-sorting the pool by agent every day).
    let (fifo_part, mut rest): (Reqs, Reqs) = if n_fifo == 0 {
        (Vec::new(), reqs)
    } else if n_fifo == reqs.len() {
        reqs.sort_unstable_by_key(|&(agent, reg)| (reg, agent));
        (reqs, Vec::new())
    } else {
        earliest(reqs, n_fifo)
    };
    let n_lottery = k - n_fifo;
    if n_lottery > 0 {
        // The lottery pool is in agent order whatever the policy.
        draws::partial_shuffle(&mut rest, n_lottery, &mut s);
    }
    let winners = fifo_part.iter().chain(rest[..n_lottery].iter());

    let slot_ports = draws::slot_ports(slots, k, &mut s);
    winners
        .zip(slot_ports)
        .map(|(&(agent, _), port)| Appointment {
            agent,
            port,
            day: day + lead_days,
        })
        .collect()
}

/// Splits `reqs` (in agent order, one per agent) into the `n` earliest
/// registrations, sorted by (registration day, agent), and the others in agent
/// order (0 < `n` < `reqs.len()`).
///
/// Registration days are days of the run, so they usually span far fewer
/// values than there are requesters (tens of thousands a day on the built-in
/// scenario): a counting sort by day, stable in agent order, finds the same
/// split in two linear passes (a selection and a comparison per requester
/// were ~1.5 % of a run). Days spread wider use the selection.
fn earliest(reqs: Reqs, n: usize) -> (Reqs, Reqs) {
    let lo = reqs.iter().map(|r| r.1).min().unwrap_or(0);
    let hi = reqs.iter().map(|r| r.1).max().unwrap_or(0);
    let span = (hi - lo) as usize + 1;
    if span > 4 * reqs.len() + 1024 {
        return earliest_by_selection(reqs, n);
    }
    let mut count = vec![0usize; span];
    for r in &reqs {
        count[(r.1 - lo) as usize] += 1;
    }
    // The day `cut` of the n-th earliest registration: everyone before it
    // (`below` people) and the first `n - below` of that day, in agent order.
    let (mut cut, mut below) = (0, 0);
    while below + count[cut] <= n {
        below += count[cut];
        cut += 1;
    }
    // Where each earlier day's people start in the sorted list.
    let mut at = Vec::with_capacity(cut + 1);
    let mut sum = 0;
    for &c in &count[..cut] {
        at.push(sum);
        sum += c;
    }
    at.push(below);
    let mut fifo = vec![(0, 0); n];
    let mut rest = Vec::with_capacity(reqs.len() - n);
    for r in reqs {
        let d = (r.1 - lo) as usize;
        if d < cut || (d == cut && at[cut] < n) {
            fifo[at[d]] = r;
            at[d] += 1;
        } else {
            rest.push(r);
        }
    }
    debug_assert_eq!(at[cut], n);
    (fifo, rest)
}

/// [`earliest`] by selecting the `n` smallest keys (registration day, agent)
/// and sorting only them; the others are taken from `reqs` in agent order.
fn earliest_by_selection(reqs: Reqs, n: usize) -> (Reqs, Reqs) {
    let mut keys: Vec<(u32, u32)> = reqs.iter().map(|&(agent, reg)| (reg, agent)).collect();
    let (first, &mut cut, _) = keys.select_nth_unstable(n);
    first.sort_unstable();
    let fifo = first.iter().map(|&(reg, agent)| (agent, reg)).collect();
    let rest = reqs
        .into_iter()
        .filter(|&(agent, reg)| (reg, agent) >= cut)
        .collect();
    (fifo, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reqs(n: u32) -> Vec<(u32, u32)> {
        // Agent a registered on day (n - a): higher ids registered earlier.
        (0..n).map(|a| (a, n - a)).collect()
    }

    fn winners(v: &[Appointment]) -> Vec<u32> {
        let mut w: Vec<u32> = v.iter().map(|a| a.agent).collect();
        w.sort_unstable();
        w
    }

    #[test]
    fn fifo_takes_the_earliest_registrations() {
        let got = allocate(1, 10, &reqs(10), &[2, 1], Allocation::Fifo, 14);
        assert_eq!(winners(&got), vec![7, 8, 9]);
        assert!(got.iter().all(|a| a.day == 24));
        let mut per_port = [0; 2];
        for a in &got {
            per_port[a.port] += 1;
        }
        assert_eq!(per_port, [2, 1]);
    }

    #[test]
    fn lottery_is_random_but_reproducible_and_order_free() {
        let r = reqs(1000);
        let a = allocate(5, 3, &r, &[10], Allocation::Lottery, 0);
        let mut shuffled = r.clone();
        shuffled.reverse();
        let b = allocate(5, 3, &shuffled, &[10], Allocation::Lottery, 0);
        assert_eq!(a, b);
        assert_eq!(a.len(), 10);
        // Not the earliest registrations (990..999).
        assert_ne!(winners(&a), (990..1000).collect::<Vec<u32>>());
        let c = allocate(5, 4, &r, &[10], Allocation::Lottery, 0);
        assert_ne!(winners(&a), winners(&c));
    }

    #[test]
    fn lottery_is_fair_over_many_days() {
        // 4 requesters, 1 slot a day: each wins about a quarter of the days.
        let r = [(0, 0), (1, 5), (2, 9), (3, 1)];
        let mut wins = [0u32; 4];
        for d in 0..4000 {
            let a = allocate(9, d, &r, &[1], Allocation::Lottery, 0);
            wins[a[0].agent as usize] += 1;
        }
        for w in wins {
            assert!((w as i64 - 1000).abs() < 120, "{wins:?}");
        }
    }

    #[test]
    fn mixed_half_and_half() {
        let r = reqs(100);
        let got = allocate(2, 0, &r, &[10], Allocation::Mixed { fifo_share: 0.5 }, 1);
        let w = winners(&got);
        assert_eq!(w.len(), 10);
        // The five earliest registrations (agents 95..=99) always win.
        for a in 95..100 {
            assert!(w.contains(&a), "{w:?}");
        }
        assert_eq!(w.iter().filter(|&&a| a < 95).count(), 5);
    }

    /// The allocation as first written (the pool re-sorted by agent), for the
    /// comparison below.
    fn reference(
        seed: u64,
        day: u32,
        requesters: &[(u32, u32)],
        slots: &[u64],
        fifo: f64,
    ) -> Vec<Appointment> {
        let total: u64 = slots.iter().sum();
        let mut reqs = requesters.to_vec();
        reqs.sort_unstable();
        reqs.dedup_by_key(|r| r.0);
        let k = (total.min(reqs.len() as u64)) as usize;
        let n_fifo = ((k as f64 * fifo).round() as usize).min(k);
        let mut s = draws::stream(seed, day, Tag::Appointment, 0, 0);
        reqs.sort_unstable_by_key(|&(agent, reg)| (reg, agent));
        let (fifo_part, rest) = reqs.split_at_mut(n_fifo);
        rest.sort_unstable_by_key(|&(agent, _)| agent);
        draws::partial_shuffle(rest, k - n_fifo, &mut s);
        let mut slot_ports: Vec<usize> = Vec::new();
        for (p, &n) in slots.iter().enumerate() {
            slot_ports.extend(std::iter::repeat_n(p, n as usize));
        }
        draws::partial_shuffle(&mut slot_ports, k, &mut s);
        fifo_part
            .iter()
            .chain(rest[..k - n_fifo].iter())
            .zip(slot_ports)
            .map(|(&(agent, _), port)| Appointment { agent, port, day })
            .collect()
    }

    /// Winners, their order and their ports equal those of a full sort by
    /// registration then by agent, for every policy and any number of
    /// requesters, slots and ties in registration days.
    #[test]
    fn selection_equals_a_full_sort() {
        let mut s = draws::stream(3, 0, Tag::Appointment, 9, 0);
        for case in 0..300u32 {
            let n = s.below(60) as u32;
            // Registration days close together (the counting sort) or spread
            // wide (the selection); requesters in agent order, one each (as
            // the agent engine lists them), or in any order with repeats.
            let spread = if case % 3 == 0 { 1_000_000 } else { 1 };
            let mut reqs: Vec<(u32, u32)> = (0..n)
                .map(|_| (s.below(80) as u32, s.below(6) as u32 * spread))
                .collect();
            if case % 2 == 0 {
                reqs.sort_unstable();
                reqs.dedup_by_key(|r| r.0);
            }
            let slots = [s.below(30), s.below(10)];
            for fifo in [0.0, 0.3, 0.5, 1.0] {
                let policy = Allocation::Mixed { fifo_share: fifo };
                let got = allocate(case as u64, case, &reqs, &slots, policy, 0);
                let want = if slots.iter().sum::<u64>() == 0 || reqs.is_empty() {
                    Vec::new()
                } else {
                    reference(case as u64, case, &reqs, &slots, fifo)
                };
                assert_eq!(got, want, "case {case}, fifo share {fifo}");
            }
        }
    }

    #[test]
    fn fewer_requesters_than_slots_and_empty_cases() {
        let got = allocate(1, 0, &[(4, 0), (2, 0)], &[5, 5], Allocation::Fifo, 0);
        assert_eq!(winners(&got), vec![2, 4]);
        assert!(allocate(1, 0, &[], &[5], Allocation::Fifo, 0).is_empty());
        assert!(allocate(1, 0, &[(1, 0)], &[0, 0], Allocation::Lottery, 0).is_empty());
        // A duplicated requester wins at most once.
        let got = allocate(1, 0, &[(4, 0), (4, 0)], &[5], Allocation::Fifo, 0);
        assert_eq!(got.len(), 1);
    }
}
