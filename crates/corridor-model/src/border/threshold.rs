//! The encounter-threshold rule (modelled on Presidential Proclamation 10773, June
//! 2024: entry suspended while the 7-day average of Border Patrol encounters between
//! ports is ≥ 2,500/day, lifted 14 days after it falls below 1,500/day).
//!
//! State machine, evaluated at the start of day `t` from the encounters (crossings
//! between ports, all crossing points) of the `W = window_days` previous days
//! (fewer at the start of a run; the mean is 0 on day 0):
//! `mean(t) = Σ_{d = max(0, t−W)}^{t−1} enc(d) / min(t, W)`.
//! * inactive and `mean ≥ activate_at` → active (low-day count reset);
//! * active and `mean < deactivate_below` → one more consecutive low day; after
//!   `deactivate_after_days` of them (at least 1) → inactive;
//! * active and `mean ≥ deactivate_below` → the low-day count restarts at 0.

use crate::border::EncounterThreshold;
use std::collections::VecDeque;

/// Run state of the rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThresholdState {
    pub active: bool,
    low_days: u32,
    /// Encounters of the last `window_days` days, oldest first.
    history: VecDeque<u64>,
}

impl ThresholdState {
    /// Trailing mean of daily encounters over the stored days (0 when none).
    pub fn mean(&self) -> f64 {
        if self.history.is_empty() {
            0.0
        } else {
            self.history.iter().sum::<u64>() as f64 / self.history.len() as f64
        }
    }

    /// Start of a day: updates `active` from the trailing mean.
    pub fn begin_day(&mut self, rule: &EncounterThreshold) {
        let mean = self.mean();
        if !self.active {
            if mean >= rule.activate_at {
                self.active = true;
                self.low_days = 0;
            }
        } else if mean < rule.deactivate_below {
            self.low_days += 1;
            if self.low_days >= rule.deactivate_after_days.max(1) {
                self.active = false;
                self.low_days = 0;
            }
        } else {
            self.low_days = 0;
        }
    }

    /// End of a day: remembers today's encounters.
    pub fn end_day(&mut self, rule: &EncounterThreshold, encounters: u64) {
        self.history.push_back(encounters);
        while self.history.len() > rule.window_days.max(1) as usize {
            self.history.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> EncounterThreshold {
        EncounterThreshold {
            window_days: 2,
            activate_at: 100.0,
            deactivate_below: 50.0,
            deactivate_after_days: 3,
            hazard_factor: 0.5,
            suspend_walk_ups: true,
        }
    }

    #[test]
    fn activates_on_a_high_mean_and_lifts_after_consecutive_low_days() {
        let r = rule();
        let mut s = ThresholdState::default();
        // Daily encounters; the state at the start of each day is recorded.
        let enc = [80, 130, 120, 60, 40, 40, 70, 30, 30, 30, 30, 30];
        let mut active = Vec::new();
        for e in enc {
            s.begin_day(&r);
            active.push(s.active);
            s.end_day(&r, e);
        }
        // Means at the start of days 0..12: 0, 80, 105, 125, 90, 50, 40, 55, 50, 30, 30, 30.
        // Day 2 activates (105). Low (< 50) days: 6 (40), then 7 is 55 (reset),
        // 8 is 50 (not low, reset), 9, 10, 11 are low: lifted on day 11.
        assert_eq!(
            active,
            vec![false, false, true, true, true, true, true, true, true, true, true, false]
        );
    }
}
