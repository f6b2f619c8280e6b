//! Memory estimate before a run: a front end calls [`check`] before an operation
//! so that a scenario that cannot fit (10^9 people on the agent engine, a pool of
//! 10^12 appointments a day, `--days 4294967295`) is refused with a clear message
//! (bad input, exit 2) instead of aborting on a failed allocation.
//!
//! The estimate is an upper-bound sketch, over every run a command may make of
//! the scenario (its own dated events, and those with each variant's added: they
//! scale inflows, change appointments and resize caravans), of the things that
//! grow with the input: the daily records (days × locations, ports and checkpoints), the agents
//! (agents engine only: everyone who can be present, in agents = people / hasten,
//! at `BYTES_PER_AGENT` each, plus `BORDER_BYTES_PER_AGENT` on border scenarios)
//! the appointment pool (per day × lead days), and on the count engine the
//! caravans' members (each kept as one person there, at most the caravans' sizes).
//! Spawning from a Flee instance's camp data is counted (at most the largest
//! data total of the period); conflict-driven spawning is not (it follows the
//! conflicts day by day): there the agent engine itself stops with
//! `ModelError::TooManyAgents` when a day's agents exceed its 32-bit ids or the
//! memory it can reserve. The limit is what
//! the machine has available (`MemAvailable` in /proc/meminfo, read here and
//! not in the model) unless the user gives `--max-memory`; where it cannot be
//! read, only an explicit limit is checked.

use crate::error::{Error, Result};
use corridor_model::border::levers::{schedule_caravans, Levers};
use corridor_model::border::{CaravanSource, Event};
use corridor_model::engine::{BORDER_BYTES_PER_AGENT, BYTES_PER_AGENT};
use corridor_model::record::WAIT_BUCKETS;
use corridor_model::{EngineKind, Scenario};

/// Bytes of one location's values in one day's record (11 counters and a camp value).
const LOCATION_DAY_BYTES: u64 = 12 * 8;
/// Bytes of one port's values in one day's record (its counters and wait histogram).
const PORT_DAY_BYTES: u64 = 8 * 8 + WAIT_BUCKETS as u64 * 8;
/// Bytes of one appointment held in the pool.
const APPOINTMENT_BYTES: u64 = 8;
/// Bytes of one caravan member on the count engine, which keeps members as
/// single people (a hash-map entry of id and cohort key, the caravan's member
/// list; ~140 bytes measured at the peak of 2·10^6 and 4·10^6 members).
const COUNT_CARAVAN_MEMBER_BYTES: u64 = 160;

/// What one simulation is estimated to need, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Estimate {
    pub records: u64,
    pub agents: u64,
    pub appointments: u64,
    /// Caravan members on the count engine (0 on the agent engine, where
    /// they are agents).
    pub caravans: u64,
}

impl Estimate {
    pub fn total(&self) -> u64 {
        self.records
            .saturating_add(self.agents)
            .saturating_add(self.appointments)
            .saturating_add(self.caravans)
    }
}

/// Estimates one simulation of `scenario` over `days` (default: its own period):
/// the largest over the runs any command makes of it — with its own events, and
/// with each of its variants' events added (`Border::apply_variant`) — since
/// dated events scale inflows (`set_inflow_scale`, `scale_inflow`), change the
/// appointments a day and their lead time, and resize caravans (`set_caravan`).
pub fn estimate(scenario: &Scenario, days: Option<u32>, engine: EngineKind) -> Estimate {
    let kind = engine.resolve(scenario, days);
    let days = u64::from(days.unwrap_or(scenario.days));
    let b = &scenario.border;
    let per_day = (scenario.locations.len() as u64)
        .saturating_mul(LOCATION_DAY_BYTES)
        .saturating_add((b.ports.len() as u64).saturating_mul(PORT_DAY_BYTES))
        .saturating_add((b.checkpoints.len() as u64).saturating_mul(8))
        .saturating_add(64);
    let records = days.saturating_mul(per_day);
    let fixed = initial_and_data(scenario, days);
    let mut lists = vec![b.events.clone()];
    for v in &b.variants {
        let mut events = b.events.clone();
        events.extend(v.events.iter().cloned());
        events.sort_by_key(|e| e.day);
        lists.push(events);
    }
    lists
        .iter()
        .map(|events| {
            let g = grown(scenario, events, days);
            let everyone = fixed
                .saturating_add(g.inflow)
                .saturating_add(g.new_caravans);
            let agents = match kind {
                EngineKind::Counts => 0,
                _ => {
                    // Border scenarios keep each agent's border facts as well.
                    let border = if b.is_empty() {
                        0
                    } else {
                        BORDER_BYTES_PER_AGENT
                    };
                    everyone.saturating_mul((BYTES_PER_AGENT + border) as u64)
                }
            };
            // A new caravan creates its size; one that recruits those waiting
            // takes at most its size and at most everyone who can be present.
            let caravans = match kind {
                EngineKind::Counts => g
                    .caravans
                    .iter()
                    .fold(0u64, |s, &(new, size)| {
                        s.saturating_add(if new { size } else { size.min(everyone) })
                    })
                    .saturating_mul(COUNT_CARAVAN_MEMBER_BYTES),
                _ => 0,
            };
            Estimate {
                records,
                agents,
                appointments: to_u64(g.appointments_held * APPOINTMENT_BYTES as f64),
                caravans,
            }
        })
        .max_by_key(Estimate::total)
        .unwrap_or_default()
}

/// What one list of dated events lets the border processes grow to over `days`.
struct Grown {
    /// People (agents) the inflows bring over the period.
    inflow: u64,
    /// Appointments held at once, at most (per day × (lead days + 1)).
    appointments_held: f64,
    /// People in caravans that start new groups.
    new_caravans: u64,
    /// Each caravan as scheduled: (starts a new group, size).
    caravans: Vec<(bool, u64)>,
}

/// [`Grown`] for `events` (sorted by day), following the levers day by day as
/// the engines do (`Levers::apply` at the start of each event's day).
fn grown(scenario: &Scenario, events: &[Event], days: u64) -> Grown {
    let b = &scenario.border;
    let mut levers = Levers::new(scenario);
    let mut next = 0;
    let (mut inflow, mut held) = (0.0f64, 0.0f64);
    for d in 0..days.min(1_000_000) {
        while let Some(e) = events.get(next).filter(|e| u64::from(e.day) <= d) {
            levers.apply(e);
            next += 1;
        }
        for (i, f) in b.inflows.iter().enumerate() {
            let scale = levers.inflow_scale.get(i).copied().unwrap_or(1.0).max(0.0);
            inflow += f.series.value_f64(d as i64).max(0.0) * scale;
        }
        if b.appointments.is_some() {
            let lead = f64::from(levers.lead_days) + 1.0;
            held = held.max(levers.appointments_per_day.max(0.0) * lead);
        }
    }
    let mut caravans = b.caravans.clone();
    schedule_caravans(&mut caravans, events);
    let caravans: Vec<(bool, u64)> = caravans
        .iter()
        .filter(|c| c.day != u32::MAX)
        .map(|c| (c.source == CaravanSource::New, c.size))
        .collect();
    Grown {
        inflow: to_u64(inflow.ceil()),
        appointments_held: held,
        new_caravans: caravans
            .iter()
            .filter(|c| c.0)
            .fold(0u64, |s, c| s.saturating_add(c.1)),
        caravans,
    }
}

/// Everyone present whatever the events: the initial people (in agents: the
/// reader has already divided people by hasten) and those spawned from camp data.
fn initial_and_data(scenario: &Scenario, days: u64) -> u64 {
    let initial: u64 = scenario
        .locations
        .iter()
        .fold(0u64, |s, l| s.saturating_add(l.initial_idps));
    initial.saturating_add(data_spawned(scenario, days))
}

/// Everyone a Flee instance spawns from its camp data (not with conflict-driven
/// spawning) over `days`: new people each day are the rise of the data total
/// (docs/flee-rules.md §2.4), so all of them together are at most the largest
/// total of the period. The series are linear between their points, so that
/// largest total is at one of the points (or at an end of the period).
fn data_spawned(scenario: &Scenario, days: u64) -> u64 {
    let sr = &scenario.settings.spawn_rules;
    if sr.conflict_driven_spawning.is_some() || days == 0 {
        return 0;
    }
    let data = &scenario.data;
    let camps = data.camps.iter().map(|c| &c.series);
    let series: Vec<&corridor_model::Series> = if sr.sum_from_camps {
        std::iter::once(&data.total).chain(camps).collect()
    } else {
        vec![&data.total]
    };
    let last = i64::try_from(days - 1).unwrap_or(i64::MAX);
    let mut at: Vec<i64> = vec![0, last];
    at.extend(
        series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0.clamp(0, last))),
    );
    at.sort_unstable();
    at.dedup();
    let most = at
        .iter()
        .map(|&d| series.iter().map(|s| s.value_f64(d).max(0.0)).sum::<f64>())
        .fold(0.0, f64::max);
    to_u64(most.ceil())
}

/// Bytes as a whole number; an infinite product (a per-day value near
/// `f64::MAX` times lead days) is "too much", not 0.
fn to_u64(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= u64::MAX as f64 {
        u64::MAX
    } else {
        x as u64
    }
}

/// The memory this machine has available now (`MemAvailable`), if known.
pub fn available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_meminfo(&text)
}

fn parse_meminfo(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

/// Parses a size such as `8G`, `512M`, `1.5GB`, `2GiB` or `1000000` (bytes);
/// K, M, G and T are powers of 1024.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let body = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (num, mult) = match body.chars().last() {
        Some('K') => (&body[..body.len() - 1], 1u64 << 10),
        Some('M') => (&body[..body.len() - 1], 1 << 20),
        Some('G') => (&body[..body.len() - 1], 1 << 30),
        Some('T') => (&body[..body.len() - 1], 1 << 40),
        _ => (body, 1),
    };
    let bad = || format!("expected a size such as 8G, 512M or 2000000 (bytes), found {s:?}");
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v <= 0.0 || v * mult as f64 >= u64::MAX as f64 {
        return Err(bad());
    }
    Ok((v * mult as f64) as u64)
}

/// `1.7 TB`-style text (powers of 1024, one decimal).
pub fn show_bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} bytes")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// [`check`] for work that runs one member per thread of the rayon pool
/// (ensemble, compare, sweep, calibrate): that many runs are in memory at once.
pub fn check_parallel(
    scenario: &Scenario,
    days: Option<u32>,
    engine: EngineKind,
    max_memory: Option<u64>,
) -> Result<()> {
    check(
        scenario,
        days,
        engine,
        rayon::current_num_threads(),
        max_memory,
    )
}

/// Refuses (bad input) an operation whose estimate exceeds the limit:
/// `max_memory` if given, else the memory available. `concurrent` is how many
/// simulations run at once (ensemble members in parallel).
pub fn check(
    scenario: &Scenario,
    days: Option<u32>,
    engine: EngineKind,
    concurrent: usize,
    max_memory: Option<u64>,
) -> Result<()> {
    let limit = match max_memory.or_else(available) {
        Some(l) => l,
        None => return Ok(()),
    };
    let e = estimate(scenario, days, engine);
    let total = e.total().saturating_mul(concurrent.max(1) as u64);
    if total <= limit {
        return Ok(());
    }
    let source = if max_memory.is_some() {
        "the --max-memory limit"
    } else {
        "the memory available (MemAvailable)"
    };
    let mut parts = vec![format!("daily records {}", show_bytes(e.records))];
    if e.agents > 0 {
        parts.push(format!("agents {}", show_bytes(e.agents)));
    }
    if e.appointments > 0 {
        parts.push(format!("appointment pool {}", show_bytes(e.appointments)));
    }
    if e.caravans > 0 {
        parts.push(format!("caravan members {}", show_bytes(e.caravans)));
    }
    let runs = if concurrent > 1 {
        format!(" × {concurrent} runs at once")
    } else {
        String::new()
    };
    let mut ways = Vec::new();
    if e.appointments > e.agents && e.appointments > e.records {
        ways.push(
            "fewer appointments.per_day, or a larger hasten (rules.optimisations.hasten: the pool counts agents, people / hasten)"
                .to_string(),
        );
    }
    if e.agents > 0 {
        let aside = if scenario.border.caravans.is_empty() {
            ""
        } else {
            ", caravans' members aside"
        };
        ways.push(format!(
            "--engine counts (its memory does not grow with the number of people{aside})"
        ));
        ways.push(
            "a larger hasten (rules.optimisations.hasten: one agent stands for that many people)"
                .to_string(),
        );
    }
    if e.caravans > e.records {
        ways.push(
            "smaller caravans (the count engine keeps each caravan member as one person; caravans' size is in agents, people / hasten)"
                .to_string(),
        );
    }
    ways.push("fewer --days".to_string());
    if concurrent > 1 {
        ways.push("fewer --threads".to_string());
    }
    ways.push("--max-memory SIZE if you know the machine has more".to_string());
    Err(Error::BadInput(format!(
        "{}: this needs about {} ({}{runs}), more than {source}, {}; use {}",
        scenario.name,
        show_bytes(total),
        parts.join(", "),
        show_bytes(limit),
        ways.join(", or ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_model::{Date, Location, LocationKind};

    #[test]
    fn sizes() {
        assert_eq!(parse_size("8G").unwrap(), 8 << 30);
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("2TB").unwrap(), 2 << 40);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("-1G").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("").is_err());
        assert_eq!(show_bytes(1536), "1.5 KiB");
        assert_eq!(show_bytes(10), "10 bytes");
        assert_eq!(
            parse_meminfo("MemTotal: 100 kB\nMemAvailable:    2048 kB\n"),
            Some(2 << 20)
        );
        assert_eq!(parse_meminfo("MemTotal: 100 kB\n"), None);
    }

    #[test]
    fn camp_data_of_billions_are_refused_before_the_agent_engine_runs() {
        let mut s = Scenario::new("flee", Date::parse("2013-12-15").unwrap(), 300);
        s.locations.push(town("A", 0));
        s.locations.push(town("K", 0));
        let series = |v: f64| corridor_model::Series::new(vec![(0, 0.0), (150, v), (152, 1883.0)]);
        s.data.camps.push(corridor_model::CampData {
            location: 1,
            series: series(4_294_967_296.0),
        });
        // The largest total is at the series' point on day 150, within the period.
        assert_eq!(data_spawned(&s, 300), 4_294_967_296);
        // A shorter period sees the rise only so far (linear from day 0).
        assert_eq!(data_spawned(&s, 76), 4_294_967_296 / 2);
        let limit = Some(8u64 << 30);
        assert!(check(&s, None, EngineKind::Agents, 1, limit).is_err());
        assert!(check(&s, None, EngineKind::Counts, 1, limit).is_ok());
        // An ordinary instance's few thousand people pass.
        s.data.camps[0].series = series(20_000.0);
        assert!(check(&s, None, EngineKind::Agents, 1, limit).is_ok());
        // Conflict-driven spawning does not read the data.
        s.data.camps[0].series = series(4_294_967_296.0);
        s.settings.spawn_rules.conflict_driven_spawning =
            Some(corridor_model::settings::ConflictDrivenSpawning {
                spawn_mode: corridor_model::settings::SpawnMode::Constant,
                displaced_per_conflict_day: 1.0,
            });
        assert_eq!(data_spawned(&s, 300), 0);
    }

    fn town(name: &str, idps: u64) -> Location {
        let mut l = Location::new(name, LocationKind::Town);
        l.initial_idps = idps;
        l
    }

    fn pool(per_day: f64, lead_days: u32) -> corridor_model::border::AppointmentPool {
        corridor_model::border::AppointmentPool {
            per_day,
            shares: vec![],
            request_probability: 0.1,
            eligible: vec![],
            allocation: corridor_model::border::Allocation::Fifo,
            lead_days,
        }
    }

    /// Two towns and a new caravan of `size` people leaving the first on day 2.
    fn with_caravan(size: u64) -> Scenario {
        let mut s = Scenario::new("caravan", Date::parse("2023-12-01").unwrap(), 10);
        s.locations.push(town("A", 0));
        s.locations.push(town("B", 0));
        s.link("A", "B", 10.0);
        s.border.caravans.push(corridor_model::border::Caravan {
            name: "c".into(),
            day: 2,
            origin: 0,
            size,
            source: corridor_model::border::CaravanSource::New,
            path: vec![1],
            speed_km_per_day: 10.0,
            dispersals: vec![],
        });
        s
    }

    #[test]
    fn a_billion_agents_is_refused_on_the_agent_engine_only() {
        let mut s = Scenario::new("big", Date::parse("2023-12-01").unwrap(), 10);
        s.locations.push(town("A", 1_000_000_000));
        let e = estimate(&s, None, EngineKind::Agents);
        assert_eq!(e.agents, 1_000_000_000 * BYTES_PER_AGENT as u64);
        assert_eq!(e.records, 10 * (LOCATION_DAY_BYTES + 64));
        let limit = Some(8u64 << 30);
        let err = check(&s, None, EngineKind::Agents, 1, limit).unwrap_err();
        assert!(err.is_bad_input());
        let msg = err.to_string();
        assert!(
            msg.contains("more than the --max-memory limit, 8.0 GiB"),
            "{msg}"
        );
        assert!(msg.contains("--engine counts"), "{msg}");
        assert!(msg.contains("hasten"), "{msg}");
        assert!(check(&s, None, EngineKind::Counts, 1, limit).is_ok());
        // Days multiply the records, whatever the engine.
        let err = check(&s, Some(4_000_000_000), EngineKind::Counts, 1, limit).unwrap_err();
        assert!(err.to_string().contains("daily records"), "{err}");
        // A huge appointment pool names its own way out.
        let mut p = s.clone();
        p.border.appointments = Some(pool(1e12, 0));
        // A border scenario's agents keep their border facts too.
        assert_eq!(
            estimate(&p, None, EngineKind::Agents).agents,
            1_000_000_000 * (BYTES_PER_AGENT + BORDER_BYTES_PER_AGENT) as u64
        );
        let err = check(&p, None, EngineKind::Counts, 1, limit).unwrap_err();
        assert!(
            err.to_string().contains("appointment pool 7.3 TiB"),
            "{err}"
        );
        assert!(
            err.to_string().contains("fewer appointments.per_day"),
            "{err}"
        );
        // A pool so large that its estimate overflows to infinity is refused
        // too (it used to count as 0 bytes).
        if let Some(a) = p.border.appointments.as_mut() {
            a.per_day = 1e308;
            a.lead_days = 3;
        }
        assert_eq!(
            estimate(&p, None, EngineKind::Counts).appointments,
            u64::MAX
        );
        assert!(check(&p, None, EngineKind::Counts, 1, limit).is_err());
        // Concurrent runs multiply the whole estimate.
        let small = Some(e.total() * 3);
        assert!(check(&s, None, EngineKind::Agents, 3, small).is_ok());
        assert!(check(&s, None, EngineKind::Agents, 4, small).is_err());
    }

    /// Dated events and variants count: an inflow scaled ×1000 by a variant
    /// (e.g. a what-if file), scale factors on top of it, appointments raised
    /// by an event and a caravan resized by `set_caravan` are estimated as the
    /// runs will meet them, so such a run is refused before it starts instead
    /// of growing for minutes (found by tests/fuzz-variants.py).
    #[test]
    fn events_and_variants_are_estimated_as_the_runs_meet_them() {
        use corridor_model::border::{Action, Event, Inflow, Variant};
        let mut s = Scenario::new("inflow", Date::parse("2023-06-01").unwrap(), 100);
        s.locations.push(town("A", 0));
        s.border.inflows.push(Inflow {
            location: 0,
            series: corridor_model::Series::new(vec![(0, 1_000.0)]),
        });
        let agents = |s: &Scenario| estimate(s, None, EngineKind::Agents).agents;
        let per_agent = (BYTES_PER_AGENT + BORDER_BYTES_PER_AGENT) as u64;
        assert_eq!(agents(&s), 100_000 * per_agent);
        let ev = |day: u32, action: Action| Event { day, action };
        // From day 50 the variant's inflow is 1000 times the series.
        s.border.variants.push(Variant {
            name: "x1000".into(),
            description: String::new(),
            events: vec![ev(
                50,
                Action::SetInflowScale {
                    inflow: 0,
                    scale: 1000.0,
                },
            )],
        });
        assert_eq!(agents(&s), (50_000 + 50_000_000) * per_agent);
        // The base's own factor composes with it (×2 from day 90).
        s.border.events.push(ev(
            90,
            Action::ScaleInflow {
                inflow: 0,
                factor: 2.0,
            },
        ));
        assert_eq!(agents(&s), (50_000 + 40_000_000 + 20_000_000) * per_agent);
        let limit = Some(1u64 << 30);
        let err = check(&s, None, EngineKind::Agents, 1, limit).unwrap_err();
        assert!(
            err.is_bad_input() && err.to_string().contains("agents"),
            "{err}"
        );
        assert!(check(&s, None, EngineKind::Counts, 1, limit).is_ok());

        // Appointments a day raised by an event of the base.
        let mut p = Scenario::new("pool", Date::parse("2023-06-01").unwrap(), 10);
        p.locations.push(town("A", 0));
        p.border.appointments = Some(pool(1_000.0, 1));
        let held = |p: &Scenario| estimate(p, None, EngineKind::Counts).appointments;
        assert_eq!(held(&p), 2_000 * APPOINTMENT_BYTES);
        p.border
            .events
            .push(ev(5, Action::SetAppointmentsPerDay { per_day: 1e9 }));
        assert_eq!(held(&p), 2_000_000_000 * APPOINTMENT_BYTES);
        // An event after the period changes nothing.
        p.border.events[0].day = 10;
        assert_eq!(held(&p), 2_000 * APPOINTMENT_BYTES);

        // A caravan resized by a variant, or cancelled.
        let mut c = with_caravan(1_000);
        let members = |c: &Scenario| estimate(c, None, EngineKind::Counts).caravans;
        assert_eq!(members(&c), 1_000 * COUNT_CARAVAN_MEMBER_BYTES);
        let resize = |enabled: bool, size: Option<u64>| Variant {
            name: "v".into(),
            description: String::new(),
            events: vec![ev(
                3,
                Action::SetCaravan {
                    caravan: 0,
                    enabled,
                    size,
                },
            )],
        };
        c.border.variants.push(resize(true, Some(5_000_000)));
        assert_eq!(members(&c), 5_000_000 * COUNT_CARAVAN_MEMBER_BYTES);
        c.border.variants[0] = resize(false, None);
        // The base run still has it.
        assert_eq!(members(&c), 1_000 * COUNT_CARAVAN_MEMBER_BYTES);
    }

    /// The count engine keeps caravan members as single people: a caravan of
    /// billions is refused before it runs, and the message says why.
    #[test]
    fn huge_caravans_are_refused_on_the_count_engine() {
        let mut s = with_caravan(1_000_000_000);
        let e = estimate(&s, None, EngineKind::Counts);
        assert_eq!(e.caravans, 1_000_000_000 * COUNT_CARAVAN_MEMBER_BYTES);
        assert_eq!(estimate(&s, None, EngineKind::Agents).caravans, 0);
        let err = check(&s, None, EngineKind::Counts, 1, Some(8u64 << 30)).unwrap_err();
        assert!(err.is_bad_input());
        let msg = err.to_string();
        assert!(msg.contains("caravan members 149.0 GiB"), "{msg}");
        assert!(msg.contains("smaller caravans"), "{msg}");
        s.border.caravans[0].size = 6000;
        assert!(check(&s, None, EngineKind::Counts, 1, Some(8u64 << 30)).is_ok());
        // A caravan of those waiting takes no more than can be there: a size of
        // 10^12 among 8,000 people is no reason to refuse.
        s.border.caravans[0].size = 1_000_000_000_000;
        s.border.caravans[0].source = corridor_model::border::CaravanSource::Waiting;
        s.locations[0].initial_idps = 8000;
        assert_eq!(
            estimate(&s, None, EngineKind::Counts).caravans,
            8000 * COUNT_CARAVAN_MEMBER_BYTES
        );
        assert!(check(&s, None, EngineKind::Counts, 1, Some(8u64 << 30)).is_ok());
    }
}
