//! Branching a count run from a baseline: a run of scenario A, stepped to day
//! `d`, continued as a run of scenario B, where B equals A except for dated
//! events (B = A plus a variant's or the what-if page's lever events).
//!
//! Why it is exact, not an approximation: the count engine's draws are keyed
//! by (seed, day, phase, index) (`counts::stream`, `border::draws`), and
//! nothing the engine does before the first day at which B's events differ
//! from A's reads those events, so up to that day a run of B is, draw for
//! draw, the run of A with the same seed. [`branch_day`] says which day that
//! is, [`CountRun::rebase`] does the continuing. Design and semantics:
//! docs/design-engine.md ("Branching from a baseline").
//!
//! What reads events ahead of the current day (and so moves the branch day
//! earlier than the first differing event's day):
//! * caravans are scheduled before day 0 (`set_caravan` moves, resizes or
//!   cancels them): a caravan whose schedule differs counts from the earlier
//!   of its two start days;
//! * the count engine keeps border state only for a scenario with border
//!   processes, events included: a plain Flee scenario with events added
//!   cannot branch;
//! * the count engine decides before day 0 whether cohorts keep registration
//!   days (only if some allocation of the run, `set_allocation` events
//!   included, has a FIFO part): if A and B decide differently there is no
//!   branching at all.
//!
//! Nothing else looks ahead: appointments given on day `t` for day `t +
//! lead_days` take today's slots, and the port's capacity and opening on the
//! admission day are read on that day; closures, conflicts and data are not
//! events (a B differing there is not branched). `tests/branch.rs` of the
//! `corridor` crate checks branched runs against full runs byte for byte for
//! every kind of lever event, including ones dated within `lead_days` of the
//! branch day, a caravan and a port closed from a date.

use super::CountRun;
use crate::border::{Action, Allocation, Border, Event};
use crate::engine::validate;
use crate::error::ModelError;
use crate::scenario::Scenario;

/// The first day at which a run of `b` can differ from a run of `a` with the
/// same seed: `Some(u32::MAX)` when they cannot differ at all, `None` when they
/// differ in more than dated events (settings, network, data, border
/// structure, ...) or in a way decided before day 0, so that a run of `b`
/// cannot be branched from one of `a` (run it from day 0).
pub fn branch_day(a: &Scenario, b: &Scenario) -> Option<u32> {
    // The engine keeps border state only for a scenario with border
    // processes (events included), decided before day 0.
    if !same_but_events(a, b)
        || fifo_ever(&a.border) != fifo_ever(&b.border)
        || a.border.is_empty() != b.border.is_empty()
    {
        return None;
    }
    let pa = crate::border::state::rebase::prepared_border(a);
    let pb = crate::border::state::rebase::prepared_border(b);
    let mut day = first_difference(&pa.events, &pb.events);
    for (ca, cb) in pa.caravans.iter().zip(&pb.caravans) {
        if ca != cb {
            day = day.min(ca.day).min(cb.day);
        }
    }
    Some(day)
}

/// The day of the first event at which two day-sorted event lists differ (an
/// event missing from one list counts as a difference), `u32::MAX` if none.
fn first_difference(a: &[Event], b: &[Event]) -> u32 {
    let n = a.len().max(b.len());
    for i in 0..n {
        match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => {
                let dx = x.map_or(u32::MAX, |e| e.day);
                let dy = y.map_or(u32::MAX, |e| e.day);
                return dx.min(dy);
            }
        }
    }
    u32::MAX
}

/// Whether some allocation of the run has a FIFO part: the count engine keeps
/// registration days in cohort keys only then (`counts::border`), decided
/// before day 0 from the pool and every `set_allocation` event.
fn fifo_ever(b: &Border) -> bool {
    let fifo = |a: &Allocation| match a {
        Allocation::Fifo => true,
        Allocation::Lottery => false,
        Allocation::Mixed { fifo_share } => *fifo_share > 0.0,
    };
    b.appointments.as_ref().is_some_and(|p| fifo(&p.allocation))
        || b.events.iter().any(|e| match &e.action {
            Action::SetAllocation { allocation } => fifo(allocation),
            _ => false,
        })
}

/// Whether two scenarios are equal except for their dated events, caravan
/// schedules (set by events), variants, name, length and observations (which
/// a run does not read). Destructured field by field, so that a field added to
/// `Scenario` or `Border` must be placed here before this compiles.
fn same_but_events(a: &Scenario, b: &Scenario) -> bool {
    let Scenario {
        name: _,
        start_date,
        days: _,
        settings,
        locations,
        links,
        closures,
        conflicts,
        data,
        demographics,
        border,
        floods,
        observed: _,
    } = a;
    let Border {
        ports,
        appointments,
        checkpoints,
        inflows,
        inflow_mode,
        crossings,
        caravans,
        events: _,
        variants: _,
        shelter_full_weight,
        threshold,
        papers,
        walk_up_leaving,
    } = border;
    let bb = &b.border;
    // Caravans: equal but for the day and size that `set_caravan` moves.
    let same_caravans = caravans.len() == bb.caravans.len()
        && caravans.iter().zip(&bb.caravans).all(|(x, y)| {
            x.name == y.name
                && x.origin == y.origin
                && x.source == y.source
                && x.path == y.path
                && x.speed_km_per_day == y.speed_km_per_day
                && x.dispersals.len() == y.dispersals.len()
        });
    // Caravans as a whole (day, size, dispersal days) are compared after
    // scheduling, in `branch_day`; anything else about them must be equal.
    let same_dispersals = caravans.iter().zip(&bb.caravans).all(|(x, y)| {
        x.dispersals.iter().zip(&y.dispersals).all(|(p, q)| {
            p.continue_share == q.continue_share
                && p.papers_share == q.papers_share
                && p.relocate_to == q.relocate_to
                && p.delay_days == q.delay_days
                && std::mem::discriminant(&p.at) == std::mem::discriminant(&q.at)
        })
    });
    *start_date == b.start_date
        && *settings == b.settings
        && *locations == b.locations
        && *links == b.links
        && *closures == b.closures
        && *conflicts == b.conflicts
        && *data == b.data
        && *demographics == b.demographics
        && *floods == b.floods
        && *ports == bb.ports
        && *appointments == bb.appointments
        && *checkpoints == bb.checkpoints
        && *inflows == bb.inflows
        && *inflow_mode == bb.inflow_mode
        && *crossings == bb.crossings
        && same_caravans
        && same_dispersals
        && *shelter_full_weight == bb.shelter_full_weight
        && *threshold == bb.threshold
        && *papers == bb.papers
        && *walk_up_leaving == bb.walk_up_leaving
}

impl<'a> CountRun<'a> {
    /// This run (of scenario A, stepped to day [`day`](Self::day)) continued
    /// as a run of `b`: stepping the result gives, byte for byte, the records
    /// a run of `b` from day 0 with the same seed gives. An error when `b`
    /// cannot be branched from A ([`branch_day`] is `None`) or this run is
    /// past the branch day.
    pub fn rebase<'b>(&self, b: &'b Scenario) -> Result<CountRun<'b>, ModelError>
    where
        'a: 'b,
    {
        let Some(d) = branch_day(self.w.core.sc, b) else {
            return Err(ModelError::InvalidScenario(
                "cannot branch: the scenario differs from the baseline in more than dated \
                 events; run it from day 0"
                    .into(),
            ));
        };
        if self.day() > d {
            return Err(ModelError::InvalidScenario(format!(
                "cannot branch on day {}: the scenario differs from the baseline from day {d}",
                self.day()
            )));
        }
        validate(b)?;
        // A run of A is a run of any shorter-lived scenario (the references
        // only shorten); what the scenario's events determined is replaced.
        let mut r: CountRun<'b> = self.clone();
        r.w.core.sc = b;
        if let Some(cb) = r.w.border.as_mut() {
            cb.b.rebase(b);
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::border::{Caravan, CaravanSource};
    use crate::date::Date;
    use crate::scenario::{Location, LocationKind};

    fn ev(day: u32, action: Action) -> Event {
        Event { day, action }
    }

    fn base() -> Scenario {
        let mut sc = Scenario::new("t", Date(0), 30);
        for (name, kind) in [("A", LocationKind::Town), ("B", LocationKind::Town)] {
            sc.add_location(Location::new(name, kind));
        }
        sc.link("A", "B", 100.0);
        sc.border.caravans.push(Caravan {
            name: "c".into(),
            day: 12,
            origin: 0,
            size: 10,
            source: CaravanSource::New,
            path: vec![1],
            speed_km_per_day: 20.0,
            dispersals: Vec::new(),
        });
        sc.border.events.push(ev(
            3,
            Action::SetRequestProbability {
                request_probability: 0.1,
            },
        ));
        sc
    }

    #[test]
    fn the_branch_day_is_the_first_difference_or_an_earlier_caravan() {
        let a = base();
        assert_eq!(branch_day(&a, &a), Some(u32::MAX));
        let mut b = a.clone();
        b.border
            .events
            .push(ev(20, Action::ScaleRequestProbability { factor: 2.0 }));
        assert_eq!(branch_day(&a, &b), Some(20));
        // An event on the same day as one of A's, after it.
        let mut b = a.clone();
        b.border
            .events
            .push(ev(3, Action::ScaleRequestProbability { factor: 2.0 }));
        assert_eq!(branch_day(&a, &b), Some(3));
        // Moving the caravan from day 12 to day 25: it differs from day 12.
        let mut b = a.clone();
        b.border.events.push(ev(
            25,
            Action::SetCaravan {
                caravan: 0,
                enabled: true,
                size: None,
            },
        ));
        assert_eq!(branch_day(&a, &b), Some(12));
        // Moving it earlier: from the new day.
        let mut b = a.clone();
        b.border.events.push(ev(
            8,
            Action::SetCaravan {
                caravan: 0,
                enabled: false,
                size: None,
            },
        ));
        assert_eq!(branch_day(&a, &b), Some(8));
        // A FIFO allocation decided before day 0, or another network: none.
        let mut b = a.clone();
        b.border.events.push(ev(
            20,
            Action::SetAllocation {
                allocation: Allocation::Fifo,
            },
        ));
        assert_eq!(branch_day(&a, &b), None);
        let mut b = a.clone();
        b.links[0].distance_km = 90.0;
        assert_eq!(branch_day(&a, &b), None);
        // Events added to a scenario without border processes: none.
        let mut plain = a.clone();
        plain.border = Border::default();
        let mut b = plain.clone();
        b.border
            .events
            .push(ev(20, Action::CloseLink { from: 0, to: 1 }));
        assert_eq!(branch_day(&plain, &b), None);
        // The name, length and variants do not matter.
        let mut b = a.clone();
        b.name = "other".into();
        b.days = 10;
        assert_eq!(branch_day(&a, &b), Some(u32::MAX));
    }

    #[test]
    fn rebase_refuses_past_the_branch_day() {
        let a = base();
        let mut b = a.clone();
        b.border
            .events
            .push(ev(5, Action::ScaleRequestProbability { factor: 2.0 }));
        let mut r = CountRun::new(&a, 7).unwrap();
        for _ in 0..5 {
            r.step().unwrap();
        }
        assert!(r.rebase(&b).is_ok());
        r.step().unwrap();
        let e = r.rebase(&b).unwrap_err().to_string();
        assert!(e.contains("day 6") && e.contains("from day 5"), "{e}");
    }
}
