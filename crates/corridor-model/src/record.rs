//! What a run produces: one [`DayRecord`] per simulated day (docs/design.md §5).
//!
//! The engine fills records; writers in `corridor-io` turn them into out.csv,
//! daily.csv, ports.csv, monthly.csv and summary.json. Counts are in agents (one
//! agent = `hasten` people), exactly as Flee reports them.
//!
//! Invariant (conservation, checked by tests every day):
//! `spawned == at_locations + on_links + in_queues + in_transit + admitted + encountered + removed`.

use serde::Serialize;

/// Where every person is, at the end of a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Accounting {
    /// Cumulative people created: day-0 insertions, spawning, inflows.
    pub spawned: u64,
    /// At a location (not travelling, not queued).
    pub at_locations: u64,
    /// On a link, travelling.
    pub on_links: u64,
    /// Waiting in a port's queue.
    pub in_queues: u64,
    /// Intercepted at a checkpoint and being relocated.
    pub in_transit: u64,
    /// Cumulative: admitted at a port of entry (left the simulation).
    pub admitted: u64,
    /// Cumulative: crossed between ports, encountered by Border Patrol (left).
    pub encountered: u64,
    /// Cumulative: removed otherwise (camps as sinks).
    pub removed: u64,
}

impl Accounting {
    /// True when every person is in exactly one state.
    pub fn balances(&self) -> bool {
        self.spawned
            == self.at_locations
                + self.on_links
                + self.in_queues
                + self.in_transit
                + self.admitted
                + self.encountered
                + self.removed
    }
}

/// One port of entry on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PortDay {
    /// Queue length at the end of the day.
    pub queue: u64,
    pub admitted: u64,
    pub by_appointment: u64,
    pub walk_up: u64,
    /// Mean days waited by the people admitted today (0 if none).
    pub mean_wait_days: f64,
    pub open: bool,
    /// Walk-ups who left the queue today (reneging, docs/model.md §8).
    pub left_queue: u64,
}

/// Number of buckets of [`DayRecord::wait_hist`].
pub const WAIT_BUCKETS: usize = 16;

/// Lower edges (days) of the buckets of [`DayRecord::wait_hist`].
pub const WAIT_BUCKET_EDGES: [u32; WAIT_BUCKETS] =
    [0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90, 120, 180, 365];

/// The bucket of a wait of `days` days.
pub fn wait_bucket(days: u32) -> usize {
    WAIT_BUCKET_EDGES.partition_point(|&e| e <= days) - 1
}

/// The `q` quantile (0..1) of waits from a bucket histogram, as the lower edge of
/// the bucket holding it (so a p90 of 12 means "between 10 and 13 days"); `None`
/// when the histogram is empty.
pub fn wait_quantile(hist: &[u64; WAIT_BUCKETS], q: f64) -> Option<u32> {
    let total: u64 = hist.iter().sum();
    if total == 0 {
        return None;
    }
    let want = (q.clamp(0.0, 1.0) * total as f64).ceil().max(1.0) as u64;
    let mut acc = 0;
    for (i, &h) in hist.iter().enumerate() {
        acc += h;
        if acc >= want {
            return Some(WAIT_BUCKET_EDGES[i]);
        }
    }
    Some(WAIT_BUCKET_EDGES[WAIT_BUCKETS - 1])
}

/// The state of the run after day `day`'s step.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DayRecord {
    pub day: u32,
    /// Per location: people at the location (not on links, not queued).
    pub population: Vec<u64>,
    /// Per location: people on links heading to it.
    pub on_links_toward: Vec<u64>,
    /// Per location: arrivals today.
    pub arrived: Vec<u64>,
    /// Per location: departures today (moved onto a link).
    pub departed: Vec<u64>,
    /// Per location: people queued (ports only).
    pub queue: Vec<u64>,
    /// Per location: people in shelter beds / beyond shelter capacity.
    pub sheltered: Vec<u64>,
    pub unsheltered: Vec<u64>,
    /// Per location: admitted at this port today.
    pub admitted: Vec<u64>,
    /// Per location: crossings between ports from this border city today.
    pub encountered: Vec<u64>,
    /// Per location: people intercepted today on checkpoints on links leaving it
    /// (interception events: someone intercepted twice counts twice).
    pub intercepted: Vec<u64>,
    /// Per location: of `intercepted`, those intercepted today for the first time
    /// in the run (summed over days: distinct people intercepted).
    pub intercepted_first: Vec<u64>,
    /// Per camp in `Scenario::camp_locations` order: the observed (interpolated) value.
    pub camp_data: Vec<i64>,
    /// Per port in `Border::ports` order.
    pub ports: Vec<PortDay>,
    /// Per port in `Border::ports` order: days waited by the people admitted
    /// today, as counts per bucket: bucket `i` holds waits `w` with
    /// `WAIT_BUCKET_EDGES[i] <= w < WAIT_BUCKET_EDGES[i + 1]` (the last bucket is
    /// open-ended). Summed over days and ports, enough for a p90 of waits
    /// ([`wait_quantile`]).
    pub wait_hist: Vec<[u64; WAIT_BUCKETS]>,
    /// Per checkpoint in `Border::checkpoints` order: interceptions today.
    pub checkpoints: Vec<u64>,
    /// People created today.
    pub spawned_today: u64,
    /// Flee's cumulative "raw UNHCR refugee count".
    pub raw: i64,
    /// Flee's refugee debt.
    pub debt: i64,
    /// Flee's "total refugees (simulation)": agents ever created and not removed.
    pub total_agents: u64,
    pub accounting: Accounting,
}

/// The whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunOutput {
    pub seed: u64,
    pub days: Vec<DayRecord>,
    /// Non-fatal notes (unsupported settings, unknown conflict columns, ...).
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_buckets_and_quantiles() {
        assert_eq!(wait_bucket(0), 0);
        assert_eq!(wait_bucket(4), 3);
        assert_eq!(wait_bucket(13), 6);
        assert_eq!(wait_bucket(14), 7);
        assert_eq!(wait_bucket(10_000), WAIT_BUCKETS - 1);
        let mut h = [0u64; WAIT_BUCKETS];
        assert_eq!(wait_quantile(&h, 0.9), None);
        h[wait_bucket(0)] = 80;
        h[wait_bucket(12)] = 15;
        h[wait_bucket(40)] = 5;
        assert_eq!(wait_quantile(&h, 0.5), Some(0));
        assert_eq!(wait_quantile(&h, 0.8), Some(0));
        assert_eq!(wait_quantile(&h, 0.9), Some(10));
        assert_eq!(wait_quantile(&h, 0.96), Some(30));
    }
}
