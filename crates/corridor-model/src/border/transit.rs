//! People in transit after an interception (or after taking papers from a caravan):
//! taken off the network on day `t` and released at `destination` on day
//! `t + delay` (delay ≥ 1), at the start of that day.
//!
//! Entries are kept ordered by (release day, agent), so releases come out in the
//! same order whatever order the engine pushed them in.

use std::collections::BTreeMap;

/// The in-transit list.
#[derive(Debug, Clone, Default)]
pub struct Transit {
    /// (release day, agent) → destination location.
    entries: BTreeMap<(u32, u32), usize>,
}

impl Transit {
    /// `agent` will appear at `destination` on `release_day`.
    pub fn push(&mut self, agent: u32, release_day: u32, destination: usize) {
        self.entries.insert((release_day, agent), destination);
    }

    /// Removes and returns everyone due on or before `day`: (agent, destination),
    /// ordered by release day then agent.
    pub fn release(&mut self, day: u32) -> Vec<(u32, usize)> {
        let later = self.entries.split_off(&(day.saturating_add(1), 0));
        let due = std::mem::replace(&mut self.entries, later);
        due.into_iter().map(|((_, a), dest)| (a, dest)).collect()
    }

    /// People in transit.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
}
