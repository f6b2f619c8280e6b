//! The current value of every lever, changed by dated events.
//!
//! [`Levers::new`] takes the day-0 values from the scenario; the engine then calls
//! [`Levers::apply`] for each event of day `t`, in event order, at the start of day
//! `t` (before anything else happens that day), so a change dated `t` governs all of
//! day `t`. Events on the same day apply in order, the last one winning. Link
//! closures are not held here: `apply` returns a [`LinkChange`] that the engine
//! enacts exactly like a Flee `link` closure (both directions).

use crate::border::{Action, Allocation, Event};
use crate::scenario::Scenario;
use serde::Serialize;

/// A link change the engine must enact (both directions of the link `a`–`b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LinkChange {
    Close(usize, usize),
    Open(usize, usize),
}

/// Current values of all levers. Per-port, per-checkpoint, per-crossing and
/// per-inflow vectors follow the `Border` vectors' order; per-location vectors
/// follow `Scenario::locations`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Levers {
    pub port_open: Vec<bool>,
    /// Agents per day.
    pub port_capacity: Vec<f64>,
    pub port_walk_ups: Vec<bool>,
    /// Agents per day (0 without an appointment pool).
    pub appointments_per_day: f64,
    pub appointment_shares: Vec<f64>,
    pub request_probability: f64,
    pub allocation: Allocation,
    pub lead_days: u32,
    /// Per location: may people here request an appointment?
    pub eligible: Vec<bool>,
    pub checkpoint_probability: Vec<f64>,
    /// Base hazard `h` per crossing point.
    pub crossing_hazard: Vec<f64>,
    /// Multiplier of each inflow's series (1 = as given).
    pub inflow_scale: Vec<f64>,
    /// Per location: beds (`None` = not a shelter).
    pub shelter_capacity: Vec<Option<u64>>,
}

impl Levers {
    /// Day-0 values.
    pub fn new(scenario: &Scenario) -> Self {
        let b = &scenario.border;
        let n = scenario.locations.len();
        let mut eligible = vec![false; n];
        let (per_day, shares, r, allocation, lead) = match &b.appointments {
            Some(a) => {
                for &l in &a.eligible {
                    if l < n {
                        eligible[l] = true;
                    }
                }
                (
                    a.per_day,
                    a.shares.clone(),
                    a.request_probability,
                    a.allocation,
                    a.lead_days,
                )
            }
            None => (0.0, vec![0.0; b.ports.len()], 0.0, Allocation::Fifo, 0),
        };
        Levers {
            port_open: b.ports.iter().map(|p| p.open).collect(),
            port_capacity: b.ports.iter().map(|p| p.capacity_per_day).collect(),
            port_walk_ups: b.ports.iter().map(|p| p.walk_ups).collect(),
            appointments_per_day: per_day,
            appointment_shares: shares,
            request_probability: r,
            allocation,
            lead_days: lead,
            eligible,
            checkpoint_probability: b.checkpoints.iter().map(|c| c.probability).collect(),
            crossing_hazard: b.crossings.iter().map(|c| c.hazard).collect(),
            inflow_scale: vec![1.0; b.inflows.len()],
            shelter_capacity: scenario
                .locations
                .iter()
                .map(|l| l.shelter_capacity)
                .collect(),
        }
    }

    /// Applies one event; returns the link change the engine must enact, if any.
    /// Out-of-range indices (which a reader never produces) are ignored.
    pub fn apply(&mut self, event: &Event) -> Option<LinkChange> {
        fn set<T>(v: &mut [T], i: usize, x: T) {
            if let Some(slot) = v.get_mut(i) {
                *slot = x;
            }
        }
        match &event.action {
            Action::OpenPort { port } => set(&mut self.port_open, *port, true),
            Action::ClosePort { port } => set(&mut self.port_open, *port, false),
            Action::SetPortCapacity {
                port,
                capacity_per_day,
            } => set(&mut self.port_capacity, *port, *capacity_per_day),
            Action::SetWalkUps { port, walk_ups } => set(&mut self.port_walk_ups, *port, *walk_ups),
            Action::SetAppointmentsPerDay { per_day } => self.appointments_per_day = *per_day,
            Action::SetAppointmentShares { shares } => self.appointment_shares = shares.clone(),
            Action::SetRequestProbability {
                request_probability: probability,
            } => self.request_probability = *probability,
            Action::SetAllocation { allocation } => self.allocation = *allocation,
            Action::SetLeadDays { lead_days } => self.lead_days = *lead_days,
            Action::SetEligible { locations } => {
                self.eligible.iter_mut().for_each(|e| *e = false);
                for &l in locations {
                    set(&mut self.eligible, l, true);
                }
            }
            Action::SetCheckpointProbability {
                checkpoint,
                probability,
            } => set(&mut self.checkpoint_probability, *checkpoint, *probability),
            Action::SetCrossingHazard { crossing, hazard } => {
                set(&mut self.crossing_hazard, *crossing, *hazard)
            }
            Action::CloseLink { from, to } => return Some(LinkChange::Close(*from, *to)),
            Action::OpenLink { from, to } => return Some(LinkChange::Open(*from, *to)),
            Action::SetInflowScale { inflow, scale } => {
                set(&mut self.inflow_scale, *inflow, *scale)
            }
            Action::SetShelterCapacity {
                location,
                shelter_capacity,
            } => set(&mut self.shelter_capacity, *location, *shelter_capacity),
            // Moves people, not a lever: the engines apply it (border::papers).
            Action::Relocate { .. } => {}
        }
        None
    }

    /// Applies every event dated `day` from `events` (sorted by day), starting at
    /// `*cursor` and advancing it; events dated earlier than `day` that were not yet
    /// applied are applied too (so a run may start late). Returns the link changes
    /// in event order.
    pub fn apply_day(&mut self, events: &[Event], day: u32, cursor: &mut usize) -> Vec<LinkChange> {
        let mut changes = Vec::new();
        while let Some(e) = events.get(*cursor) {
            if e.day > day {
                break;
            }
            if let Some(c) = self.apply(e) {
                changes.push(c);
            }
            *cursor += 1;
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::border::{AppointmentPool, Border, Checkpoint, Port, QueueDiscipline};
    use crate::date::Date;
    use crate::scenario::{Location, LocationKind};

    fn scenario() -> Scenario {
        let mut s = Scenario::new("t", Date::parse("2023-12-01").unwrap(), 10);
        s.add_location(Location::new("City", LocationKind::Town));
        s.add_location(Location::new("Port", LocationKind::Port));
        s.link("City", "Port", 5.0);
        s.border = Border {
            ports: vec![Port {
                location: 1,
                name: "Port".into(),
                border_city: 0,
                field_office: "San Diego Field Office".into(),
                sector: "San Diego Sector".into(),
                capacity_per_day: 100.0,
                open: true,
                walk_ups: true,
                queue: QueueDiscipline::Fifo,
            }],
            appointments: Some(AppointmentPool {
                per_day: 10.0,
                shares: vec![1.0],
                request_probability: 0.1,
                eligible: vec![0],
                allocation: Allocation::Fifo,
                lead_days: 14,
            }),
            checkpoints: vec![Checkpoint {
                name: "c".into(),
                from: 0,
                to: 1,
                both_directions: false,
                probability: 0.5,
                relocate_to: 0,
                delay_days: 2,
            }],
            ..Border::default()
        };
        s
    }

    #[test]
    fn day_zero_values_come_from_the_scenario() {
        let l = Levers::new(&scenario());
        assert_eq!(l.port_open, vec![true]);
        assert_eq!(l.port_capacity, vec![100.0]);
        assert_eq!(l.eligible, vec![true, false]);
        assert_eq!(l.checkpoint_probability, vec![0.5]);
        assert_eq!(l.lead_days, 14);
        assert_eq!(l.shelter_capacity, vec![None, None]);
    }

    #[test]
    fn events_change_levers_on_their_day() {
        let s = scenario();
        let events = vec![
            Event {
                day: 3,
                action: Action::ClosePort { port: 0 },
            },
            Event {
                day: 3,
                action: Action::SetPortCapacity {
                    port: 0,
                    capacity_per_day: 40.0,
                },
            },
            Event {
                day: 4,
                action: Action::CloseLink { from: 0, to: 1 },
            },
            Event {
                day: 6,
                action: Action::OpenPort { port: 0 },
            },
            Event {
                day: 6,
                action: Action::SetCheckpointProbability {
                    checkpoint: 0,
                    probability: 1.0,
                },
            },
            Event {
                day: 6,
                action: Action::SetEligible { locations: vec![1] },
            },
        ];
        let mut l = Levers::new(&s);
        let mut cursor = 0;
        let mut open = Vec::new();
        let mut changes = Vec::new();
        for day in 0..8 {
            changes.push(l.apply_day(&events, day, &mut cursor));
            open.push(l.port_open[0]);
            if day == 3 {
                assert_eq!(l.port_capacity[0], 40.0);
            }
        }
        assert_eq!(
            open,
            vec![true, true, true, false, false, false, true, true]
        );
        assert_eq!(changes[4], vec![LinkChange::Close(0, 1)]);
        assert!(changes[3].is_empty() && changes[5].is_empty());
        assert_eq!(l.checkpoint_probability, vec![1.0]);
        assert_eq!(l.eligible, vec![false, true]);
        assert_eq!(cursor, events.len());
    }

    #[test]
    fn a_late_start_catches_up_and_same_day_events_apply_in_order() {
        let s = scenario();
        let events = vec![
            Event {
                day: 1,
                action: Action::SetWalkUps {
                    port: 0,
                    walk_ups: false,
                },
            },
            Event {
                day: 2,
                action: Action::SetRequestProbability {
                    request_probability: 0.3,
                },
            },
            Event {
                day: 2,
                action: Action::SetRequestProbability {
                    request_probability: 0.7,
                },
            },
        ];
        let mut l = Levers::new(&s);
        let mut cursor = 0;
        l.apply_day(&events, 5, &mut cursor);
        assert_eq!(l.port_walk_ups, vec![false]);
        assert_eq!(l.request_probability, 0.7);
    }
}
