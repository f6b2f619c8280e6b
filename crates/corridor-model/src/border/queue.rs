//! A port's queue and its daily admissions.
//!
//! Two ordered sets: appointment holders keyed by (appointment day, joining day,
//! agent) and walk-ups keyed by (joining day, agent). Keys make the order
//! independent of the order in which an engine pushes people. Each open day
//! [`PortQueue::admit`] admits up to `capacity` people: first appointment holders
//! whose appointment day has come (earliest appointment first), then, if walk-ups
//! are accepted, walk-ups in the port's [`QueueDiscipline`] (FIFO, or uniformly at
//! random with a stream keyed by (seed, day, port)). A closed port admits nobody and
//! its queue stays; a port that stops accepting walk-ups keeps the walk-ups already
//! queued (they are admitted when it accepts them again). Appointment holders are
//! never admitted before their day. With reneging on, [`PortQueue::renege`]
//! lets each walk-up who joined before today leave with a daily probability (a
//! draw keyed by (seed, day, port, agent)); holders never leave.

use crate::border::draws::{self, Tag};
use crate::border::QueueDiscipline;
use std::collections::BTreeSet;

/// The people admitted on one day: (agent, days waited, by appointment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admission {
    pub admitted: Vec<(u32, u32, bool)>,
}

impl Admission {
    pub fn count(&self) -> u64 {
        self.admitted.len() as u64
    }

    pub fn by_appointment(&self) -> u64 {
        self.admitted.iter().filter(|a| a.2).count() as u64
    }

    pub fn walk_up(&self) -> u64 {
        self.count() - self.by_appointment()
    }

    /// Sum of days waited by the admitted.
    pub fn waited_days(&self) -> u64 {
        self.admitted.iter().map(|a| a.1 as u64).sum()
    }

    /// Mean days waited by the admitted (0 if none).
    pub fn mean_wait_days(&self) -> f64 {
        if self.admitted.is_empty() {
            0.0
        } else {
            self.waited_days() as f64 / self.admitted.len() as f64
        }
    }
}

/// One port's queue.
#[derive(Debug, Clone)]
pub struct PortQueue {
    discipline: QueueDiscipline,
    seed: u64,
    port: usize,
    /// (appointment day, joined day, agent).
    appointed: BTreeSet<(u32, u32, u32)>,
    /// (joined day, agent).
    walk_ups: BTreeSet<(u32, u32)>,
}

impl PortQueue {
    /// An empty queue for port number `port` (its index in `Border::ports`, part of
    /// the random-order key).
    pub fn new(discipline: QueueDiscipline, seed: u64, port: usize) -> Self {
        PortQueue {
            discipline,
            seed,
            port,
            appointed: BTreeSet::new(),
            walk_ups: BTreeSet::new(),
        }
    }

    /// Changes the seed of the random orders of the days ahead (`AgentRun::reseed`).
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// `agent` joins the queue on `arrival_day`. With an appointment it waits for
    /// `appointment_day`; without one it is a walk-up.
    pub fn push(
        &mut self,
        agent: u32,
        arrival_day: u32,
        has_appointment: bool,
        appointment_day: u32,
    ) {
        if has_appointment {
            self.appointed.insert((appointment_day, arrival_day, agent));
        } else {
            self.walk_ups.insert((arrival_day, agent));
        }
    }

    /// People in the queue.
    pub fn len(&self) -> usize {
        self.appointed.len() + self.walk_ups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appointment holders in the queue (due or not).
    pub fn appointment_holders(&self) -> usize {
        self.appointed.len()
    }

    /// Walk-ups in the queue.
    pub fn walk_ups(&self) -> usize {
        self.walk_ups.len()
    }

    /// Reneging on `day`: each walk-up who joined before `day` leaves the queue
    /// with probability `r` (keyed draw, `draws::reneges`). Returns the agents
    /// who left, in queue order. Holders never leave; `r ≤ 0` draws nothing.
    pub fn renege(&mut self, day: u32, r: f64) -> Vec<u32> {
        if r.is_nan() || r <= 0.0 || self.walk_ups.is_empty() {
            return Vec::new();
        }
        let (seed, port) = (self.seed, self.port);
        let mut left = Vec::new();
        self.walk_ups.retain(|&(joined, agent)| {
            let goes = joined < day && draws::reneges(seed, day, port, agent, r);
            if goes {
                left.push(agent);
            }
            !goes
        });
        left
    }

    /// Admits up to `capacity` people on `day` (see the module doc for the order).
    pub fn admit(&mut self, day: u32, capacity: u64, open: bool, walk_ups: bool) -> Admission {
        let mut out = Admission::default();
        if !open || capacity == 0 {
            return out;
        }
        let mut left = capacity;
        while left > 0 {
            let Some(&first) = self.appointed.first() else {
                break;
            };
            let (appt_day, joined, agent) = first;
            if appt_day > day {
                break;
            }
            self.appointed.pop_first();
            out.admitted.push((agent, day.saturating_sub(joined), true));
            left -= 1;
        }
        if !walk_ups || left == 0 || self.walk_ups.is_empty() {
            return out;
        }
        match self.discipline {
            QueueDiscipline::Fifo => {
                while left > 0 {
                    let Some((joined, agent)) = self.walk_ups.pop_first() else {
                        break;
                    };
                    out.admitted
                        .push((agent, day.saturating_sub(joined), false));
                    left -= 1;
                }
            }
            QueueDiscipline::Random => {
                let mut all: Vec<(u32, u32)> = self.walk_ups.iter().copied().collect();
                let k = (left as usize).min(all.len());
                let mut s = draws::stream(self.seed, day, Tag::PortOrder, self.port, 0);
                draws::partial_shuffle(&mut all, k, &mut s);
                for &(joined, agent) in &all[..k] {
                    self.walk_ups.remove(&(joined, agent));
                    out.admitted
                        .push((agent, day.saturating_sub(joined), false));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fifo() -> PortQueue {
        PortQueue::new(QueueDiscipline::Fifo, 1, 0)
    }

    #[test]
    fn capacity_100_with_250_waiting_admits_100_100_50() {
        let mut q = fifo();
        for a in 0..250 {
            q.push(a, 0, false, 0);
        }
        let got: Vec<u64> = (0..4)
            .map(|d| q.admit(d, 100, true, true).count())
            .collect();
        assert_eq!(got, vec![100, 100, 50, 0]);
        assert!(q.is_empty());
    }

    #[test]
    fn fifo_order_and_waits() {
        let mut q = fifo();
        q.push(7, 2, false, 0);
        q.push(3, 1, false, 0);
        q.push(5, 1, false, 0);
        let a = q.admit(4, 2, true, true);
        // Joined day 1 first, ties by agent id.
        assert_eq!(a.admitted, vec![(3, 3, false), (5, 3, false)]);
        let b = q.admit(5, 2, true, true);
        assert_eq!(b.admitted, vec![(7, 3, false)]);
        assert_eq!(b.mean_wait_days(), 3.0);
    }

    #[test]
    fn closed_on_days_3_to_5_admits_nobody_and_keeps_the_queue() {
        let mut q = fifo();
        for a in 0..1000 {
            q.push(a, 0, false, 0);
        }
        let mut per_day = Vec::new();
        for d in 0..8 {
            let open = !(3..=5).contains(&d);
            per_day.push(q.admit(d, 100, open, true).count());
        }
        assert_eq!(per_day, vec![100, 100, 100, 0, 0, 0, 100, 100]);
        assert_eq!(q.len(), 500);
    }

    #[test]
    fn appointment_holders_first_then_walk_ups() {
        let mut q = fifo();
        for a in 0..5 {
            q.push(a, 0, false, 0); // walk-ups waiting since day 0
        }
        q.push(100, 1, true, 2); // due on day 2
        q.push(101, 1, true, 2);
        q.push(102, 1, true, 9); // not due yet
        let a = q.admit(2, 4, true, true);
        assert_eq!(
            a.admitted,
            vec![(100, 1, true), (101, 1, true), (0, 2, false), (1, 2, false)]
        );
        assert_eq!((a.by_appointment(), a.walk_up()), (2, 2));
        // Holders are never admitted early, even with spare capacity.
        let b = q.admit(3, 100, true, true);
        assert_eq!(b.count(), 3);
        assert_eq!(q.appointment_holders(), 1);
        assert_eq!(q.admit(9, 100, true, true).admitted, vec![(102, 8, true)]);
    }

    #[test]
    fn no_walk_ups_means_only_appointments_and_walk_ups_stay() {
        let mut q = fifo();
        q.push(1, 0, false, 0);
        q.push(2, 0, true, 0);
        let a = q.admit(0, 10, true, false);
        assert_eq!(a.admitted, vec![(2, 0, true)]);
        assert_eq!(q.walk_ups(), 1);
        // A closed port honours no appointment either; the holder keeps priority.
        q.push(3, 1, true, 1);
        assert_eq!(q.admit(1, 10, false, true).count(), 0);
        let b = q.admit(2, 1, true, true);
        assert_eq!(b.admitted, vec![(3, 1, true)]);
    }

    #[test]
    fn overdue_holders_go_before_later_ones() {
        let mut q = fifo();
        q.push(1, 0, true, 5);
        q.push(2, 0, true, 3);
        let a = q.admit(6, 1, true, true);
        assert_eq!(a.admitted, vec![(2, 6, true)]);
    }

    #[test]
    fn reneging_takes_only_earlier_walk_ups_at_the_given_rate() {
        let mut q = fifo();
        for a in 0..10_000 {
            q.push(a, 0, false, 0);
        }
        q.push(20_000, 1, true, 9); // a holder never leaves
        q.push(20_001, 3, false, 0); // joined today: stays today
        assert!(q.renege(3, 0.0).is_empty());
        let left = q.renege(3, 0.2);
        // Binomial(10,000, 0.2): sd 40; accept 5 sd.
        assert!((left.len() as i64 - 2000).abs() < 200, "{}", left.len());
        assert!(left.iter().all(|&a| a < 10_000));
        assert_eq!(q.len(), 10_002 - left.len());
        assert_eq!(q.appointment_holders(), 1);
        // Keyed draws: the same queue on the same day loses the same people.
        let mut again = fifo();
        for a in 0..10_000 {
            again.push(a, 0, false, 0);
        }
        assert_eq!(again.renege(3, 0.2), left);
        // Certain reneging empties the walk-ups who joined before, draws nothing.
        let all = q.renege(4, 1.0);
        assert_eq!(all.len(), 10_001 - left.len());
        assert_eq!((q.walk_ups(), q.appointment_holders()), (0, 1));
    }

    #[test]
    fn random_discipline_is_a_reproducible_subset() {
        let run = || {
            let mut q = PortQueue::new(QueueDiscipline::Random, 11, 3);
            for a in 0..50 {
                q.push(a, 0, false, 0);
            }
            let first = q.admit(1, 10, true, true);
            (first, q.len())
        };
        let (a, left) = run();
        let (b, _) = run();
        assert_eq!(a, b);
        assert_eq!(a.count(), 10);
        assert_eq!(left, 40);
        let ids: Vec<u32> = a.admitted.iter().map(|x| x.0).collect();
        // Not simply the first ten.
        assert_ne!(ids, (0..10).collect::<Vec<u32>>());
    }
}
