//! Corridor extensions to Flee (docs/design.md §3.2): ports of entry, appointments,
//! checkpoints, shelters, inflows, crossings between ports, caravans and events.
//!
//! This file holds the plain data a scenario carries ([`Border`] and its parts);
//! the submodules hold the process logic, engine-agnostic and free of I/O, working
//! on agent ids (`u32`) and day numbers so that the agent engine (and a count
//! engine) can call it:
//! * [`levers`]: the current value of every lever, changed by dated [`Event`]s;
//! * [`queue`]: a port's queue and its daily admissions;
//! * [`appointments`]: the daily allocation of appointments among requesters;
//! * [`draws`]: keyed Bernoulli/binomial draws (requests, interceptions, crossings);
//! * [`quota`]: integer daily counts from fractional rates (inflows, capacities);
//! * [`transit`]: people relocated after an interception, until their release day;
//! * [`caravan`]: the day-by-day position of a caravan and its dispersals;
//! * [`shelter`]: sheltered/unsheltered split and the fullness weight;
//! * [`routing`]: next hop towards a port, for appointment holders;
//! * [`threshold`]: the encounter-threshold rule (e.g. Proclamation 10773);
//! * [`monthly`]: monthly encounters by CBP component and area of responsibility;
//! * [`papers`]: waiting for papers in the south, and relocations of those who wait;
//! * [`state`]: [`state::BorderState`], the per-run state the engine drives.
//!
//! Units: every count and rate here is in agents (people ÷ `hasten`); the scenario
//! reader divides. Indices refer to `Scenario::locations` unless stated otherwise
//! (`port`, `checkpoint`, `crossing`, `inflow` in [`Action`] are indices into the
//! corresponding `Border` vectors). Invariants the reader establishes: indices are in
//! range; probabilities and shares are in [0, 1]; appointment shares have one entry
//! per port and sum to 1; checkpoint links and caravan path steps are links of the
//! scenario; delays are ≥ 1 day; events are sorted by day (stable).
//! Semantics and the place of each step in a day: `docs/model.md`.

pub mod appointments;
pub mod caravan;
pub mod draws;
pub mod levers;
pub mod monthly;
pub mod papers;
pub mod queue;
pub mod quota;
pub mod routing;
pub mod shelter;
pub mod state;
pub mod threshold;
pub mod transit;

use serde::Serialize;
use thiserror::Error;

pub use levers::{Levers, LinkChange};
pub use papers::{DayRange, PapersOffice};
pub use state::BorderState;

/// All border processes of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Border {
    /// Ports of entry, in ports.csv order (the order of `DayRecord::ports`).
    pub ports: Vec<Port>,
    /// The national appointment pool (CBP One-like); `None` = no appointments.
    pub appointments: Option<AppointmentPool>,
    /// Checkpoints, in checkpoints.csv order (the order of `DayRecord::checkpoints`).
    pub checkpoints: Vec<Checkpoint>,
    /// Daily arrivals at entry points.
    pub inflows: Vec<Inflow>,
    /// How a fractional daily inflow becomes a whole number of agents.
    pub inflow_mode: InflowMode,
    /// Crossings between ports, one per border city.
    pub crossings: Vec<CrossingPoint>,
    pub caravans: Vec<Caravan>,
    /// Dated lever changes of the base scenario, sorted by day (stable).
    pub events: Vec<Event>,
    /// Named policy variants: events appended to the base scenario's.
    pub variants: Vec<Variant>,
    /// Attractiveness multiplier approached as a shelter overfills (1 = no effect);
    /// see [`shelter::weight`].
    pub shelter_full_weight: f64,
    /// Encounter-threshold rule; `None` = not used.
    pub threshold: Option<EncounterThreshold>,
    /// Offices where people wait for papers (at most one per location).
    pub papers: Vec<PapersOffice>,
    /// Balking and reneging at the ports' walk-up queues (`[ports]`); the
    /// default is neither (everyone who may join joins, nobody leaves).
    pub walk_up_leaving: WalkUpLeaving,
}

/// Balking and reneging at the ports' walk-up queues (docs/model.md §8):
/// people without an appointment who find a port's walk-up line long may not
/// join it, and queued walk-ups may leave it. With both unset (the default)
/// everyone who may join joins and nobody leaves a queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WalkUpLeaving {
    /// Patience τ in days, > 0: a person who may join a port's walk-up queue
    /// joins with probability `exp(−W / τ)`, `W` the expected wait in days
    /// (walk-ups queued ÷ walk-up capacity a day). `None`: always joins.
    pub patience_days: Option<f64>,
    /// Daily probability in [0, 1] that a queued walk-up (who joined before
    /// today) leaves the queue. 0: nobody leaves.
    pub renege_probability: f64,
}

impl WalkUpLeaving {
    /// Is either process on? Then no port holds people in the decision pass:
    /// those at a port who did not join move by Flee's rules.
    pub fn is_on(&self) -> bool {
        self.patience_days.is_some() || self.renege_probability > 0.0
    }
}

impl Default for Border {
    fn default() -> Self {
        Border {
            ports: Vec::new(),
            appointments: None,
            checkpoints: Vec::new(),
            inflows: Vec::new(),
            inflow_mode: InflowMode::Expected,
            crossings: Vec::new(),
            caravans: Vec::new(),
            events: Vec::new(),
            variants: Vec::new(),
            shelter_full_weight: 1.0,
            threshold: None,
            papers: Vec::new(),
            walk_up_leaving: WalkUpLeaving::default(),
        }
    }
}

/// How a port orders the walk-ups it admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueDiscipline {
    /// First come, first served (ties on the same day by agent id).
    #[default]
    Fifo,
    /// Uniformly at random among the waiting walk-ups.
    Random,
}

impl QueueDiscipline {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueDiscipline::Fifo => "fifo",
            QueueDiscipline::Random => "random",
        }
    }
}

/// A port of entry: a location of kind `port` with its processing rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Port {
    /// The port's location (kind `port`).
    pub location: usize,
    /// The port's name: the name of its location.
    pub name: String,
    /// The Mexican city the port belongs to (a location).
    pub border_city: usize,
    /// CBP Office of Field Operations field office, e.g. "San Diego Field Office".
    pub field_office: String,
    /// Border Patrol sector of the port's area, e.g. "San Diego Sector".
    pub sector: String,
    /// People processed per open day, in agents (may be fractional; see [`quota`]).
    pub capacity_per_day: f64,
    /// Open on day 0.
    pub open: bool,
    /// Accepts people without an appointment on day 0.
    pub walk_ups: bool,
    pub queue: QueueDiscipline,
}

/// How the day's appointments are given to requesters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "policy")]
pub enum Allocation {
    /// Earliest registration first (ties by agent id).
    Fifo,
    /// Uniformly at random among today's requesters.
    Lottery,
    /// `round(k · fifo_share)` by registration, the rest by lottery.
    Mixed { fifo_share: f64 },
}

impl Allocation {
    pub fn as_str(&self) -> &'static str {
        match self {
            Allocation::Fifo => "fifo",
            Allocation::Lottery => "lottery",
            Allocation::Mixed { .. } => "mixed",
        }
    }
}

/// A national daily pool of appointments at ports (CBP One-like).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppointmentPool {
    /// Appointments per day (agents).
    pub per_day: f64,
    /// Share of the pool for each port, in `Border::ports` order; sums to 1.
    pub shares: Vec<f64>,
    /// Daily probability that an eligible person without an appointment requests one.
    pub request_probability: f64,
    /// Locations where people may request (the geofence).
    pub eligible: Vec<usize>,
    pub allocation: Allocation,
    /// An appointment won on day t is for day t + lead_days.
    pub lead_days: u32,
}

/// A checkpoint on a link: traversals are intercepted with a probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkpoint {
    pub name: String,
    /// The checked link, direction `from → to`.
    pub from: usize,
    pub to: usize,
    /// Also check traversals `to → from`.
    pub both_directions: bool,
    /// Interception probability per traversal on day 0.
    pub probability: f64,
    /// Where intercepted people are taken.
    pub relocate_to: usize,
    /// Days in transit (≥ 1).
    pub delay_days: u32,
}

impl Checkpoint {
    /// True when a traversal `from → to` passes this checkpoint.
    pub fn checks(&self, from: usize, to: usize) -> bool {
        (self.from == from && self.to == to)
            || (self.both_directions && self.from == to && self.to == from)
    }
}

/// Arrivals at a location: a dated series of people per day, interpolated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inflow {
    pub location: usize,
    /// Agents per day (interpolated with `Series::value_f64`, not truncated).
    pub series: crate::series::Series,
}

/// How a fractional daily inflow becomes whole agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InflowMode {
    /// Deterministic; the fractional remainder is carried to the next day, so totals
    /// are conserved (see [`quota::DailyQuota`]).
    #[default]
    Expected,
    /// Poisson with the day's rate as mean.
    Poisson,
}

/// Crossings between ports from one border city, counted in its sector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossingPoint {
    /// Name used by events; the border city's name.
    pub name: String,
    pub border_city: usize,
    /// Border Patrol sector, e.g. "San Diego Sector".
    pub sector: String,
    /// Daily hazard `h` on day 0 for someone who arrived today.
    pub hazard: f64,
    /// Relative rise per waiting day: `h(w) = min(max_hazard, h · (1 + slope · w))`.
    pub slope: f64,
    pub max_hazard: f64,
}

impl CrossingPoint {
    /// The daily crossing probability after `waited` days in the city, for a base
    /// hazard `h` (the current lever value), clamped to [0, 1].
    pub fn hazard_after(&self, h: f64, waited: u32) -> f64 {
        let x = h * (1.0 + self.slope * waited as f64);
        x.min(self.max_hazard).clamp(0.0, 1.0)
    }
}

/// Where a caravan's members come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaravanSource {
    /// People already at the origin (not queued, without an appointment).
    #[default]
    Waiting,
    /// New people created at the origin on the start day (counted as spawned).
    New,
}

/// When a dispersal happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DispersalAt {
    /// On this day, wherever the caravan is after moving.
    Day(u32),
    /// When the caravan reaches this location (it stops there that day).
    Place(usize),
}

/// A split of a caravan: some continue, some take papers (and buses), the rest
/// leave the group and go on alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dispersal {
    pub at: DispersalAt,
    /// Share of the members that stays in the caravan.
    pub continue_share: f64,
    /// Share that takes papers and is taken to `relocate_to`.
    pub papers_share: f64,
    /// Required when `papers_share > 0`.
    pub relocate_to: Option<usize>,
    /// Days in transit for those taking papers (≥ 1).
    pub delay_days: u32,
}

/// A group departure: on `day`, `size` people leave `origin` together and walk
/// along `path` at `speed_km_per_day`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Caravan {
    pub name: String,
    pub day: u32,
    pub origin: usize,
    /// Agents.
    pub size: u64,
    pub source: CaravanSource,
    /// Locations after the origin, in order; consecutive steps are linked.
    pub path: Vec<usize>,
    pub speed_km_per_day: f64,
    /// In the order they were given.
    pub dispersals: Vec<Dispersal>,
}

/// A dated lever change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Day offset from the start date; applied at the start of that day.
    pub day: u32,
    #[serde(flatten)]
    pub action: Action,
}

/// Every lever an event can move. Indices: `port` into `Border::ports`,
/// `checkpoint` into `Border::checkpoints`, `crossing` into `Border::crossings`,
/// `inflow` into `Border::inflows`; locations into `Scenario::locations`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    OpenPort {
        port: usize,
    },
    ClosePort {
        port: usize,
    },
    SetPortCapacity {
        port: usize,
        capacity_per_day: f64,
    },
    SetWalkUps {
        port: usize,
        walk_ups: bool,
    },
    SetAppointmentsPerDay {
        per_day: f64,
    },
    SetAppointmentShares {
        shares: Vec<f64>,
    },
    SetRequestProbability {
        request_probability: f64,
    },
    SetAllocation {
        allocation: Allocation,
    },
    SetLeadDays {
        lead_days: u32,
    },
    SetEligible {
        locations: Vec<usize>,
    },
    SetCheckpointProbability {
        checkpoint: usize,
        probability: f64,
    },
    SetCrossingHazard {
        crossing: usize,
        hazard: f64,
    },
    CloseLink {
        from: usize,
        to: usize,
    },
    OpenLink {
        from: usize,
        to: usize,
    },
    SetInflowScale {
        inflow: usize,
        scale: f64,
    },
    SetShelterCapacity {
        location: usize,
        shelter_capacity: Option<u64>,
    },
    /// Moves `people` (agents) waiting for papers at `from` to `to`, arriving
    /// after `delay_days` (≥ 1); see [`papers::relocations`]. Not a lever.
    Relocate {
        from: usize,
        to: usize,
        people: u64,
        delay_days: u32,
    },
    // The lever actions below compose with the dated `set_*` events instead of
    // replacing them: each holds a factor (or a hold) that applies on top of
    // whatever value the other events set, until another event of the same kind
    // changes it (a period's end is such an event, resetting the factor to 1 or
    // releasing the hold). See `levers` for the effective values.
    /// Multiplies the interception probability set by the other events (capped at 1).
    ScaleCheckpointProbability {
        checkpoint: usize,
        factor: f64,
    },
    /// Multiplies the base crossing hazard set by the other events.
    ScaleCrossingHazard {
        crossing: usize,
        factor: f64,
    },
    /// Multiplies the inflow on top of `set_inflow_scale`.
    ScaleInflow {
        inflow: usize,
        factor: f64,
    },
    /// Multiplies the appointment request probability (capped at 1).
    ScaleRequestProbability {
        factor: f64,
    },
    /// Multiplies the port's daily capacity set by the other events.
    ScalePortCapacity {
        port: usize,
        factor: f64,
    },
    /// `closed = true` keeps the port closed whatever `open_port` events say;
    /// `false` releases the hold (the port is then as the other events left it).
    HoldPortClosed {
        port: usize,
        closed: bool,
    },
    /// Reschedules a caravan: the event's day becomes its start day and `size`
    /// (agents), when given, its size; `enabled = false` cancels it. Resolved
    /// before day 0 ([`levers::schedule_caravans`]), the last such event of a
    /// caravan winning.
    SetCaravan {
        caravan: usize,
        enabled: bool,
        size: Option<u64>,
    },
}

impl Event {
    /// The event in a planner's words, with its date, e.g. `2024-01-04: close
    /// Lukeville POE`. Names come from `sc` (the scenario the event belongs to); an
    /// index that names nothing prints as `#i` rather than failing, since this is
    /// for display only.
    pub fn describe(&self, sc: &crate::scenario::Scenario) -> String {
        let b = &sc.border;
        let port = |i: usize| {
            b.ports
                .get(i)
                .map_or(format!("port #{i}"), |p| p.name.clone())
        };
        let loc = |i: usize| {
            sc.locations
                .get(i)
                .map_or(format!("location #{i}"), |l| l.name.clone())
        };
        let what = match &self.action {
            Action::OpenPort { port: p } => format!("open {}", port(*p)),
            Action::ClosePort { port: p } => format!("close {}", port(*p)),
            Action::SetPortCapacity {
                port: p,
                capacity_per_day,
            } => format!("{}: capacity {capacity_per_day} people a day", port(*p)),
            Action::SetWalkUps { port: p, walk_ups } => format!(
                "{}: walk-ups {}",
                port(*p),
                if *walk_ups { "accepted" } else { "refused" }
            ),
            Action::SetAppointmentsPerDay { per_day } => {
                format!("appointments: {per_day} a day")
            }
            Action::SetAppointmentShares { .. } => "appointment shares per port changed".into(),
            Action::SetRequestProbability {
                request_probability,
            } => format!("appointment request probability {request_probability}"),
            Action::SetAllocation { allocation } => {
                match allocation {
                    Allocation::Fifo => "appointments by earliest registration".into(),
                    Allocation::Lottery => "appointments by lottery".into(),
                    Allocation::Mixed { fifo_share } => {
                        format!("appointments: {fifo_share} by earliest registration, the rest by lottery")
                    }
                }
            }
            Action::SetLeadDays { lead_days } => {
                format!("appointments scheduled {lead_days} days ahead")
            }
            Action::SetEligible { locations } => {
                format!("appointments requested from {} locations", locations.len())
            }
            Action::SetCheckpointProbability {
                checkpoint,
                probability,
            } => format!(
                "checkpoint {}: interception probability {probability}",
                b.checkpoints
                    .get(*checkpoint)
                    .map_or(format!("#{checkpoint}"), |c| c.name.clone())
            ),
            Action::SetCrossingHazard { crossing, hazard } => format!(
                "crossings at {}: daily hazard {hazard}",
                b.crossings
                    .get(*crossing)
                    .map_or(format!("#{crossing}"), |c| c.name.clone())
            ),
            Action::CloseLink { from, to } => format!("close route {} – {}", loc(*from), loc(*to)),
            Action::OpenLink { from, to } => format!("open route {} – {}", loc(*from), loc(*to)),
            Action::SetInflowScale { inflow, scale } => format!(
                "inflow at {}: × {scale}",
                b.inflows
                    .get(*inflow)
                    .map_or(format!("#{inflow}"), |f| loc(f.location))
            ),
            Action::SetShelterCapacity {
                location,
                shelter_capacity,
            } => match shelter_capacity {
                Some(n) => format!("{}: {n} shelter beds", loc(*location)),
                None => format!("{}: shelter beds unlimited", loc(*location)),
            },
            Action::Relocate {
                from,
                to,
                people,
                delay_days,
            } => format!(
                "move {people} people waiting for papers at {} to {} ({delay_days} days)",
                loc(*from),
                loc(*to)
            ),
            other => other.describe_lever(sc),
        };
        format!("{}: {what}", sc.start_date.add_days(self.day as i64))
    }
}

impl Action {
    /// Every action name as written in scenario files, in declaration order.
    pub const NAMES: [&'static str; 24] = [
        "open_port",
        "close_port",
        "set_port_capacity",
        "set_walk_ups",
        "set_appointments_per_day",
        "set_appointment_shares",
        "set_request_probability",
        "set_allocation",
        "set_lead_days",
        "set_eligible",
        "set_checkpoint_probability",
        "set_crossing_hazard",
        "close_link",
        "open_link",
        "set_inflow_scale",
        "set_shelter_capacity",
        "relocate",
        "scale_checkpoint_probability",
        "scale_crossing_hazard",
        "scale_inflow",
        "scale_request_probability",
        "scale_port_capacity",
        "hold_port_closed",
        "set_caravan",
    ];

    /// The action's name in scenario files (`close_port`, ...).
    pub fn name(&self) -> &'static str {
        let i = match self {
            Action::OpenPort { .. } => 0,
            Action::ClosePort { .. } => 1,
            Action::SetPortCapacity { .. } => 2,
            Action::SetWalkUps { .. } => 3,
            Action::SetAppointmentsPerDay { .. } => 4,
            Action::SetAppointmentShares { .. } => 5,
            Action::SetRequestProbability { .. } => 6,
            Action::SetAllocation { .. } => 7,
            Action::SetLeadDays { .. } => 8,
            Action::SetEligible { .. } => 9,
            Action::SetCheckpointProbability { .. } => 10,
            Action::SetCrossingHazard { .. } => 11,
            Action::CloseLink { .. } => 12,
            Action::OpenLink { .. } => 13,
            Action::SetInflowScale { .. } => 14,
            Action::SetShelterCapacity { .. } => 15,
            Action::Relocate { .. } => 16,
            Action::ScaleCheckpointProbability { .. } => 17,
            Action::ScaleCrossingHazard { .. } => 18,
            Action::ScaleInflow { .. } => 19,
            Action::ScaleRequestProbability { .. } => 20,
            Action::ScalePortCapacity { .. } => 21,
            Action::HoldPortClosed { .. } => 22,
            Action::SetCaravan { .. } => 23,
        };
        Self::NAMES[i]
    }
}

/// A named policy variant: events appended to the base scenario's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub name: String,
    pub description: String,
    pub events: Vec<Event>,
}

/// The encounter-threshold rule (modelled on Presidential Proclamation 10773): while
/// active, crossing hazards are multiplied by `hazard_factor` and, if
/// `suspend_walk_ups`, ports admit no walk-ups (appointment holders are exempt).
/// See [`threshold`] for the exact state machine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncounterThreshold {
    /// Length of the trailing mean of daily encounters (all crossings), days.
    pub window_days: u32,
    /// Activates when the trailing mean is ≥ this (agents/day).
    pub activate_at: f64,
    /// Counts as "low" when the trailing mean is < this (agents/day).
    pub deactivate_below: f64,
    /// Deactivates after this many consecutive low days.
    pub deactivate_after_days: u32,
    pub hazard_factor: f64,
    pub suspend_walk_ups: bool,
}

/// A variant name that the scenario does not define.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown variant '{name}' (the scenario defines: {available})")]
pub struct UnknownVariant {
    pub name: String,
    /// Comma-separated names, or `none`.
    pub available: String,
}

impl Border {
    /// True when the scenario has no border process at all (a plain Flee run).
    pub fn is_empty(&self) -> bool {
        self.ports.is_empty()
            && self.appointments.is_none()
            && self.checkpoints.is_empty()
            && self.inflows.is_empty()
            && self.crossings.is_empty()
            && self.caravans.is_empty()
            && self.events.is_empty()
            && self.variants.is_empty()
            && self.threshold.is_none()
            && self.papers.is_empty()
    }

    /// Index in `ports` of the port at a location.
    pub fn port_at(&self, location: usize) -> Option<usize> {
        self.ports.iter().position(|p| p.location == location)
    }

    /// Index in `crossings` of the crossing point of a border city.
    pub fn crossing_at(&self, location: usize) -> Option<usize> {
        self.crossings
            .iter()
            .position(|c| c.border_city == location)
    }

    pub fn variant(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// Appends a variant's events to the base events (kept sorted by day, stable:
    /// on the same day base events come first, then the variant's in file order).
    pub fn apply_variant(&mut self, name: &str) -> Result<(), UnknownVariant> {
        let Some(v) = self.variant(name) else {
            let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
            return Err(UnknownVariant {
                name: name.to_string(),
                available: if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                },
            });
        };
        let extra = v.events.clone();
        self.events.extend(extra);
        self.events.sort_by_key(|e| e.day);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_describe_themselves_with_dates_and_names() {
        let mut sc =
            crate::scenario::Scenario::new("t", crate::Date::parse("2024-01-01").unwrap(), 10);
        sc.border.ports.push(Port {
            location: 0,
            name: "Lukeville POE".into(),
            border_city: 0,
            field_office: "Tucson Field Office".into(),
            sector: "Tucson Sector".into(),
            capacity_per_day: 10.0,
            open: true,
            walk_ups: true,
            queue: QueueDiscipline::default(),
        });
        let e = Event {
            day: 3,
            action: Action::ClosePort { port: 0 },
        };
        assert_eq!(e.describe(&sc), "2024-01-04: close Lukeville POE");
        let e = Event {
            day: 0,
            action: Action::SetWalkUps {
                port: 7,
                walk_ups: false,
            },
        };
        assert_eq!(e.describe(&sc), "2024-01-01: port #7: walk-ups refused");
    }

    fn ev(day: u32, port: usize) -> Event {
        Event {
            day,
            action: Action::ClosePort { port },
        }
    }

    #[test]
    fn default_border_is_empty_and_neutral() {
        let b = Border::default();
        assert!(b.is_empty());
        assert_eq!(b.shelter_full_weight, 1.0);
        assert_eq!(b.inflow_mode, InflowMode::Expected);
    }

    #[test]
    fn variant_events_are_merged_stably_by_day() {
        let mut b = Border {
            events: vec![ev(2, 0), ev(5, 1)],
            variants: vec![Variant {
                name: "v".into(),
                description: String::new(),
                events: vec![ev(5, 9), ev(1, 7)],
            }],
            ..Border::default()
        };
        b.apply_variant("v").unwrap();
        let got: Vec<(u32, usize)> = b
            .events
            .iter()
            .map(|e| match e.action {
                Action::ClosePort { port } => (e.day, port),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(got, vec![(1, 7), (2, 0), (5, 1), (5, 9)]);
        let err = b.apply_variant("nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown variant 'nope' (the scenario defines: v)"
        );
    }

    #[test]
    fn action_names_match_serde_tags() {
        let a = Action::SetCrossingHazard {
            crossing: 0,
            hazard: 0.1,
        };
        assert_eq!(a.name(), "set_crossing_hazard");
        // The serialized tag must be the same word the scenario files use.
        let b = Action::SetShelterCapacity {
            location: 0,
            shelter_capacity: None,
        };
        assert_eq!(b.name(), "set_shelter_capacity");
    }

    #[test]
    fn hazard_rises_with_waiting_and_is_capped() {
        let c = CrossingPoint {
            name: "X".into(),
            border_city: 0,
            sector: "S".into(),
            hazard: 0.02,
            slope: 0.5,
            max_hazard: 0.05,
        };
        assert_eq!(c.hazard_after(0.02, 0), 0.02);
        assert!((c.hazard_after(0.02, 2) - 0.04).abs() < 1e-15);
        assert_eq!(c.hazard_after(0.02, 10), 0.05);
        assert_eq!(c.hazard_after(0.0, 10), 0.0);
    }

    #[test]
    fn checkpoint_direction() {
        let mut c = Checkpoint {
            name: "c".into(),
            from: 1,
            to: 2,
            both_directions: false,
            probability: 1.0,
            relocate_to: 0,
            delay_days: 1,
        };
        assert!(c.checks(1, 2));
        assert!(!c.checks(2, 1));
        c.both_directions = true;
        assert!(c.checks(2, 1));
        assert!(!c.checks(1, 3));
    }
}
