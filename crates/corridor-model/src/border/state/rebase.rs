//! Rebasing a border state onto another scenario (`counts::branch`): the
//! state of a run of scenario A continues as a run of scenario B, where B
//! equals A except for dated events (and the caravan schedule they set).
//!
//! What [`BorderState`] derives from the scenario's events is its own copy of
//! the border with the events sorted by day and the caravans rescheduled by
//! `set_caravan` events (`levers::schedule_caravans`); the levers and the
//! event cursor are the result of the events applied so far. Rebasing replaces
//! the copy with B's and keeps the rest, which is exact when every event of
//! A and B dated before the current day is the same (same order), and no
//! caravan whose schedule differs has started: the caller
//! (`counts::branch::branch_day`) checks both.

use super::BorderState;
use crate::border::Border;
use crate::scenario::Scenario;

impl BorderState {
    /// Continues with `b`'s events and caravan schedule (see the module doc).
    pub(crate) fn rebase(&mut self, b: &Scenario) {
        self.border = prepared_border(b);
    }
}

/// The border as [`BorderState::new`] keeps it: events sorted by day (stable)
/// and caravans rescheduled by their `set_caravan` events.
pub(crate) fn prepared_border(sc: &Scenario) -> Border {
    let mut border = sc.border.clone();
    border.events.sort_by_key(|e| e.day);
    crate::border::levers::schedule_caravans(&mut border.caravans, &border.events);
    border
}
