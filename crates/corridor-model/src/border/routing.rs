//! Next hop towards a port, for people holding an appointment there.
//!
//! Appointment holders do not choose routes by attractiveness: they go to their
//! port by the shortest open path (sum of link lengths). [`toward`] runs Dijkstra
//! from the target over the undirected links and returns, for every location, the
//! neighbour to move to next (`None` at the target and where it is unreachable).
//! Ties are broken deterministically (smaller distance, then smaller location
//! index settles first). Recompute after any link closure or reopening.

use crate::scenario::Scenario;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Next hop from every location towards `target`, using only links for which
/// `is_open(link index)` holds.
pub fn toward(
    scenario: &Scenario,
    target: usize,
    is_open: &dyn Fn(usize) -> bool,
) -> Vec<Option<usize>> {
    let n = scenario.locations.len();
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (i, l) in scenario.links.iter().enumerate() {
        if l.from < n && l.to < n && is_open(i) {
            adj[l.from].push((l.to, l.distance_km));
            adj[l.to].push((l.from, l.distance_km));
        }
    }
    let mut dist = vec![f64::INFINITY; n];
    let mut next = vec![None; n];
    let mut done = vec![false; n];
    if target >= n {
        return next;
    }
    dist[target] = 0.0;
    // Non-negative f64 order equals the order of their bit patterns.
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((0f64.to_bits(), target)));
    while let Some(Reverse((d_bits, u))) = heap.pop() {
        if done[u] {
            continue;
        }
        done[u] = true;
        let d = f64::from_bits(d_bits);
        for &(v, w) in &adj[u] {
            let nd = d + w.max(0.0);
            if nd < dist[v] {
                dist[v] = nd;
                next[v] = Some(u);
                heap.push(Reverse((nd.to_bits(), v)));
            }
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::scenario::{Location, LocationKind};

    #[test]
    fn shortest_path_and_closures() {
        let mut s = Scenario::new("t", Date(0), 1);
        for n in ["A", "B", "C", "P", "Z"] {
            s.add_location(Location::new(n, LocationKind::Town));
        }
        s.link("A", "B", 10.0); // link 0
        s.link("B", "P", 10.0); // link 1
        s.link("A", "C", 5.0); // link 2
        s.link("C", "P", 30.0); // link 3
        let next = toward(&s, 3, &|_| true);
        // C: via A and B is 25 km, shorter than the direct 30 km link.
        assert_eq!(next, vec![Some(1), Some(3), Some(0), None, None]);
        // Close B–P: A goes via C.
        let next = toward(&s, 3, &|i| i != 1);
        assert_eq!(next[0], Some(2));
        assert_eq!(next[1], Some(0));
    }
}
