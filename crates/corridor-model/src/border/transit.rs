//! People in transit after an interception (or after taking papers from a caravan):
//! taken off the network on day `t` and released at `destination` on day
//! `t + delay` (delay ≥ 1), at the start of that day.
//!
//! Releases come out ordered by (release day, agent), so in the same order
//! whatever order the engine pushed them in.
//!
//! Entries are kept per release day, unsorted, and a day's entries are sorted
//! by agent when they are released: a push is an append (it was an insert in
//! an ordered map keyed by (release day, agent), ~500 instructions each, ~1 %
//! of a run of the built-in scenario). An agent is in transit at most once at
//! a time (every sender takes it from somewhere else: a link, a wait for
//! papers, a caravan); were one pushed twice for the same day, the last push
//! wins, as an insert into the map did.

use std::collections::BTreeMap;

/// The in-transit list.
#[derive(Debug, Clone, Default)]
pub struct Transit {
    /// Release day → (agent, destination location), in push order.
    days: BTreeMap<u32, Vec<(u32, usize)>>,
    /// Entries in `days`.
    len: usize,
}

impl Transit {
    /// `agent` will appear at `destination` on `release_day`.
    pub fn push(&mut self, agent: u32, release_day: u32, destination: usize) {
        self.days
            .entry(release_day)
            .or_default()
            .push((agent, destination));
        self.len += 1;
    }

    /// Removes and returns everyone due on or before `day`: (agent, destination),
    /// ordered by release day then agent.
    pub fn release(&mut self, day: u32) -> Vec<(u32, usize)> {
        let later = self.days.split_off(&day.saturating_add(1));
        let due = std::mem::replace(&mut self.days, later);
        let mut out = Vec::new();
        for (_, mut v) in due {
            self.len -= v.len();
            // Stable: of two pushes of one agent, the last is kept below.
            v.sort_by_key(|e| e.0);
            for (k, &e) in v.iter().enumerate() {
                if v.get(k + 1).is_none_or(|n| n.0 != e.0) {
                    out.push(e);
                }
            }
        }
        out
    }

    /// People in transit.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_on_their_day_in_key_order() {
        let mut t = Transit::default();
        t.push(9, 3, 1);
        t.push(2, 5, 0);
        t.push(4, 3, 2);
        assert!(t.release(2).is_empty());
        assert_eq!(t.release(3), vec![(4, 2), (9, 1)]);
        assert_eq!(t.len(), 1);
        // A late call releases everything overdue.
        assert_eq!(t.release(10), vec![(2, 0)]);
        assert!(t.is_empty());
    }

    /// Pushes in any order come out as from a map keyed by (release day,
    /// agent): sorted, and the last push of a repeated key wins.
    #[test]
    fn releases_equal_an_ordered_map() {
        let mut t = Transit::default();
        let mut want = BTreeMap::new();
        let mut x: u64 = 7;
        for _ in 0..500 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let (agent, day, dest) = (
                (x >> 33) as u32 % 50,
                (x >> 20) as u32 % 9,
                (x >> 8) as usize % 5,
            );
            t.push(agent, day, dest);
            want.insert((day, agent), dest);
        }
        let got = t.release(4);
        let due: Vec<(u32, usize)> = want
            .iter()
            .filter(|e| e.0 .0 <= 4)
            .map(|(k, &d)| (k.1, d))
            .collect();
        assert_eq!(got, due);
        let rest: Vec<(u32, usize)> = want
            .iter()
            .filter(|e| e.0 .0 > 4)
            .map(|(k, &d)| (k.1, d))
            .collect();
        assert_eq!(t.release(8), rest);
        assert!(t.is_empty());
    }
}
