//! The current value of every lever, changed by dated events.
//!
//! [`Levers::new`] takes the day-0 values from the scenario; the engine then calls
//! [`Levers::apply`] for each event of day `t`, in event order, at the start of day
//! `t` (before anything else happens that day), so a change dated `t` governs all of
//! day `t`. Events on the same day apply in order, the last one winning. Link
//! closures are not held here: `apply` returns a [`LinkChange`] that the engine
//! enacts exactly like a Flee `link` closure (both directions).
//!
//! Lever actions that compose (`scale_*`, `hold_port_closed`): the `set_*`,
//! `open_port`/`close_port` events move a *base* value, the composing actions
//! move a factor or a hold kept beside it, and the public fields are always the
//! effective values (base × factor, capped where the value is a probability;
//! open = base open and not held closed). So a variant that scales checkpoint
//! interception from day 0 still scales the base scenario's own later change of
//! that probability, instead of being overwritten by it. Caravan rescheduling
//! (`set_caravan`) is resolved before day 0 by [`schedule_caravans`].

use crate::border::{Action, Allocation, Caravan, DispersalAt, Event};
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
    /// What the `set_*`/`open_port`/`close_port` events say, before the composing
    /// factors and holds (not serialized: the effective values above are the state).
    #[serde(skip)]
    base: Base,
    #[serde(skip)]
    factor: Factors,
}

/// Base values of the levers that composing actions act on.
#[derive(Debug, Clone, PartialEq, Default)]
struct Base {
    port_open: Vec<bool>,
    port_capacity: Vec<f64>,
    request_probability: f64,
    checkpoint_probability: Vec<f64>,
    crossing_hazard: Vec<f64>,
    inflow_scale: Vec<f64>,
}

/// Factors and holds of the composing actions (1 and `false` = no effect).
#[derive(Debug, Clone, PartialEq, Default)]
struct Factors {
    port_held_closed: Vec<bool>,
    port_capacity: Vec<f64>,
    request_probability: f64,
    checkpoint_probability: Vec<f64>,
    crossing_hazard: Vec<f64>,
    inflow: Vec<f64>,
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
        let base = Base {
            port_open: b.ports.iter().map(|p| p.open).collect(),
            port_capacity: b.ports.iter().map(|p| p.capacity_per_day).collect(),
            request_probability: r,
            checkpoint_probability: b.checkpoints.iter().map(|c| c.probability).collect(),
            crossing_hazard: b.crossings.iter().map(|c| c.hazard).collect(),
            inflow_scale: vec![1.0; b.inflows.len()],
        };
        let factor = Factors {
            port_held_closed: vec![false; b.ports.len()],
            port_capacity: vec![1.0; b.ports.len()],
            request_probability: 1.0,
            checkpoint_probability: vec![1.0; b.checkpoints.len()],
            crossing_hazard: vec![1.0; b.crossings.len()],
            inflow: vec![1.0; b.inflows.len()],
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
            base,
            factor,
        }
    }

    /// Recomputes the effective values from the base values and the factors.
    /// Multiplying by a factor of exactly 1 leaves every value bit-identical, so
    /// scenarios without composing actions run exactly as before they existed.
    fn refresh(&mut self) {
        let (b, f) = (&self.base, &self.factor);
        for (i, o) in self.port_open.iter_mut().enumerate() {
            *o = b.port_open[i] && !f.port_held_closed[i];
        }
        for (i, c) in self.port_capacity.iter_mut().enumerate() {
            *c = b.port_capacity[i] * f.port_capacity[i];
        }
        self.request_probability = (b.request_probability * f.request_probability).min(1.0);
        for (i, p) in self.checkpoint_probability.iter_mut().enumerate() {
            *p = (b.checkpoint_probability[i] * f.checkpoint_probability[i]).min(1.0);
        }
        for (i, h) in self.crossing_hazard.iter_mut().enumerate() {
            *h = (b.crossing_hazard[i] * f.crossing_hazard[i]).min(1.0);
        }
        for (i, s) in self.inflow_scale.iter_mut().enumerate() {
            *s = b.inflow_scale[i] * f.inflow[i];
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
        let (b, f) = (&mut self.base, &mut self.factor);
        match &event.action {
            Action::OpenPort { port } => set(&mut b.port_open, *port, true),
            Action::ClosePort { port } => set(&mut b.port_open, *port, false),
            Action::SetPortCapacity {
                port,
                capacity_per_day,
            } => set(&mut b.port_capacity, *port, *capacity_per_day),
            Action::SetWalkUps { port, walk_ups } => set(&mut self.port_walk_ups, *port, *walk_ups),
            Action::SetAppointmentsPerDay { per_day } => self.appointments_per_day = *per_day,
            Action::SetAppointmentShares { shares } => self.appointment_shares = shares.clone(),
            Action::SetRequestProbability {
                request_probability: probability,
            } => b.request_probability = *probability,
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
            } => set(&mut b.checkpoint_probability, *checkpoint, *probability),
            Action::SetCrossingHazard { crossing, hazard } => {
                set(&mut b.crossing_hazard, *crossing, *hazard)
            }
            Action::CloseLink { from, to } => return Some(LinkChange::Close(*from, *to)),
            Action::OpenLink { from, to } => return Some(LinkChange::Open(*from, *to)),
            Action::SetInflowScale { inflow, scale } => set(&mut b.inflow_scale, *inflow, *scale),
            Action::SetShelterCapacity {
                location,
                shelter_capacity,
            } => set(&mut self.shelter_capacity, *location, *shelter_capacity),
            // Moves people, not a lever: the engines apply it (border::papers).
            Action::Relocate { .. } => {}
            Action::ScaleCheckpointProbability { checkpoint, factor } => {
                set(&mut f.checkpoint_probability, *checkpoint, *factor)
            }
            Action::ScaleCrossingHazard { crossing, factor } => {
                set(&mut f.crossing_hazard, *crossing, *factor)
            }
            Action::ScaleInflow { inflow, factor } => set(&mut f.inflow, *inflow, *factor),
            Action::ScaleRequestProbability { factor } => f.request_probability = *factor,
            Action::ScalePortCapacity { port, factor } => set(&mut f.port_capacity, *port, *factor),
            Action::HoldPortClosed { port, closed } => set(&mut f.port_held_closed, *port, *closed),
            // Resolved before day 0 by `schedule_caravans`.
            Action::SetCaravan { .. } => {}
        }
        self.refresh();
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

/// Applies the `set_caravan` events of `events` to `caravans` (before day 0): the
/// last such event of a caravan wins; its day becomes the start day (dispersals
/// dated by day keep their distance from the start) and its size, when given,
/// the size; a disabled caravan gets `day = u32::MAX` and never starts.
pub fn schedule_caravans(caravans: &mut [Caravan], events: &[Event]) {
    for e in events {
        let Action::SetCaravan {
            caravan,
            enabled,
            size,
        } = &e.action
        else {
            continue;
        };
        let Some(c) = caravans.get_mut(*caravan) else {
            continue;
        };
        if !*enabled {
            c.day = u32::MAX;
            continue;
        }
        let shift = e.day as i64 - c.day as i64;
        for d in &mut c.dispersals {
            if let DispersalAt::Day(x) = &mut d.at {
                *x = (*x as i64 + shift).clamp(0, u32::MAX as i64) as u32;
            }
        }
        c.day = e.day;
        if let Some(n) = size {
            c.size = *n;
        }
    }
}

impl Action {
    /// [`Event::describe`] for the composing lever actions (the others are
    /// described there).
    pub(crate) fn describe_lever(&self, sc: &Scenario) -> String {
        let b = &sc.border;
        let name = |v: Option<&str>, i: usize| v.map_or(format!("#{i}"), str::to_string);
        match self {
            Action::ScaleCheckpointProbability { checkpoint, factor } => format!(
                "checkpoint {}: interception × {factor}",
                name(
                    b.checkpoints.get(*checkpoint).map(|c| c.name.as_str()),
                    *checkpoint
                )
            ),
            Action::ScaleCrossingHazard { crossing, factor } => format!(
                "crossings at {}: hazard × {factor}",
                name(
                    b.crossings.get(*crossing).map(|c| c.name.as_str()),
                    *crossing
                )
            ),
            Action::ScaleInflow { inflow, factor } => format!(
                "inflow at {}: × {factor}",
                name(
                    b.inflows
                        .get(*inflow)
                        .and_then(|f| sc.locations.get(f.location))
                        .map(|l| l.name.as_str()),
                    *inflow
                )
            ),
            Action::ScaleRequestProbability { factor } => {
                format!("appointment request probability × {factor}")
            }
            Action::ScalePortCapacity { port, factor } => format!(
                "{}: capacity × {factor}",
                name(b.ports.get(*port).map(|p| p.name.as_str()), *port)
            ),
            Action::HoldPortClosed { port, closed } => format!(
                "{}: {}",
                name(b.ports.get(*port).map(|p| p.name.as_str()), *port),
                if *closed {
                    "held closed"
                } else {
                    "no longer held closed"
                }
            ),
            Action::SetCaravan {
                caravan,
                enabled,
                size,
            } => {
                let n = name(b.caravans.get(*caravan).map(|c| c.name.as_str()), *caravan);
                match (enabled, size) {
                    (false, _) => format!("caravan {n} does not leave"),
                    (true, Some(k)) => format!(
                        "caravan {n} leaves with {} people",
                        k * sc.settings.optimisations.hasten.max(1) as u64
                    ),
                    (true, None) => format!("caravan {n} leaves"),
                }
            }
            other => other.name().to_string(),
        }
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

    fn ev(day: u32, action: Action) -> Event {
        Event { day, action }
    }

    #[test]
    fn a_scale_composes_with_later_base_changes_until_its_period_ends() {
        let s = scenario();
        // A variant scales interception by 0.5 over days 0..7; the base scenario
        // changes the probability to 0.8 on day 5: the scale applies to it too.
        let mut events = vec![
            ev(
                0,
                Action::ScaleCheckpointProbability {
                    checkpoint: 0,
                    factor: 0.5,
                },
            ),
            ev(
                5,
                Action::SetCheckpointProbability {
                    checkpoint: 0,
                    probability: 0.8,
                },
            ),
            ev(
                7,
                Action::ScaleCheckpointProbability {
                    checkpoint: 0,
                    factor: 1.0,
                },
            ),
            ev(0, Action::ScaleRequestProbability { factor: 20.0 }),
            ev(
                2,
                Action::ScalePortCapacity {
                    port: 0,
                    factor: 1.5,
                },
            ),
        ];
        events.sort_by_key(|e| e.day);
        let mut l = Levers::new(&s);
        let mut cursor = 0;
        let mut p = Vec::new();
        let mut cap = Vec::new();
        for day in 0..9 {
            l.apply_day(&events, day, &mut cursor);
            p.push(l.checkpoint_probability[0]);
            cap.push(l.port_capacity[0]);
        }
        assert_eq!(p, vec![0.25, 0.25, 0.25, 0.25, 0.25, 0.4, 0.4, 0.8, 0.8]);
        assert_eq!(cap[1], 100.0);
        assert_eq!(cap[2], 150.0);
        // 0.1 × 20 is capped: a probability never exceeds 1.
        assert_eq!(l.request_probability, 1.0);
    }

    #[test]
    fn a_hold_keeps_a_port_closed_through_base_reopenings() {
        let s = scenario();
        let events = vec![
            ev(1, Action::ClosePort { port: 0 }),
            ev(
                1,
                Action::HoldPortClosed {
                    port: 0,
                    closed: true,
                },
            ),
            ev(3, Action::OpenPort { port: 0 }),
            ev(
                5,
                Action::HoldPortClosed {
                    port: 0,
                    closed: false,
                },
            ),
            ev(6, Action::ClosePort { port: 0 }),
        ];
        let mut l = Levers::new(&s);
        let mut cursor = 0;
        let mut open = Vec::new();
        for day in 0..7 {
            l.apply_day(&events, day, &mut cursor);
            open.push(l.port_open[0]);
        }
        // Held closed on days 1-4 although the base reopens it on day 3; on day 5
        // the hold ends and the port is as the base left it (open).
        assert_eq!(open, vec![true, false, false, false, false, true, false]);
    }

    #[test]
    fn caravans_are_rescheduled_resized_or_cancelled_before_day_zero() {
        use crate::border::{CaravanSource, Dispersal};
        let c = Caravan {
            name: "k".into(),
            day: 10,
            origin: 0,
            size: 100,
            source: CaravanSource::Waiting,
            path: vec![1],
            speed_km_per_day: 20.0,
            dispersals: vec![Dispersal {
                at: DispersalAt::Day(14),
                continue_share: 0.5,
                papers_share: 0.0,
                relocate_to: None,
                delay_days: 1,
            }],
        };
        let mut cs = vec![c.clone(), c.clone()];
        let events = vec![
            ev(
                6,
                Action::SetCaravan {
                    caravan: 0,
                    enabled: true,
                    size: Some(40),
                },
            ),
            ev(
                0,
                Action::SetCaravan {
                    caravan: 1,
                    enabled: false,
                    size: None,
                },
            ),
        ];
        schedule_caravans(&mut cs, &events);
        assert_eq!((cs[0].day, cs[0].size), (6, 40));
        assert_eq!(cs[0].dispersals[0].at, DispersalAt::Day(10));
        assert_eq!(cs[1].day, u32::MAX);
        // Without set_caravan events nothing changes.
        let mut same = vec![c.clone()];
        schedule_caravans(&mut same, &[]);
        assert_eq!(same[0], c);
    }
}
