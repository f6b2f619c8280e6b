//! Conservation of people (docs/design.md §3.2), checked every day on random networks with
//! random settings: the accounting balances, the state tallies agree with the
//! day's events (spawned, arrived, departed, removed), and every location without
//! spawning or sinks changes exactly by its arrivals minus its departures.
//! A second property adds random border processes (ports, appointments,
//! checkpoints, inflows, crossings, a caravan, events) to the same networks and
//! checks the books every day, including queues, admissions and encounters,
//! and that the incremental passes equal the full ones with and without them.

use corridor_model::border::{
    Action, Allocation, AppointmentPool, Border, Caravan, CaravanSource, Checkpoint, CrossingPoint,
    Dispersal, DispersalAt, Event, Inflow, Port, QueueDiscipline,
};
use corridor_model::settings::{ConflictDrivenSpawning, SpawnMode};
use corridor_model::{
    simulate, simulate_recounting, CampData, Closure, ClosureTarget, Date, Link, Location,
    LocationKind, RunOptions, Scenario, Series,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Params {
    kinds: Vec<u8>,
    pops: Vec<u32>,
    caps: Vec<u16>,
    idps: Vec<u8>,
    links: Vec<(usize, usize, u16)>,
    awareness: i64,
    speed: u16,
    start_on_foot: bool,
    avoid_short_stints: bool,
    sinks: bool,
    pruning: f64,
    mode: u8,
    closures: Vec<(u8, usize, usize, i64, i64)>,
    days: u32,
    seed: u64,
}

fn params() -> impl Strategy<Value = Params> {
    (2usize..12)
        .prop_flat_map(|n| {
            (
                (
                    prop::collection::vec(0u8..7, n),
                    prop::collection::vec(0u32..5000, n),
                    prop::collection::vec(0u16..300, n),
                    prop::collection::vec(0u8..30, n),
                    prop::collection::vec((0..n, 0..n, 0u16..400), 1..3 * n),
                ),
                (
                    -1i64..4,
                    10u16..400,
                    any::<bool>(),
                    any::<bool>(),
                    any::<bool>(),
                    prop_oneof![Just(1.0), 1.0f64..4.0],
                    0u8..4,
                ),
                prop::collection::vec((0u8..3, 0..n, 0..n, 0i64..20, -1i64..25), 0..4),
                1u32..25,
                any::<u64>(),
            )
        })
        .prop_map(
            |(
                (kinds, pops, caps, idps, links),
                (awareness, speed, start_on_foot, avoid_short_stints, sinks, pruning, mode),
                closures,
                days,
                seed,
            )| Params {
                kinds,
                pops,
                caps,
                idps,
                links,
                awareness,
                speed,
                start_on_foot,
                avoid_short_stints,
                sinks,
                pruning,
                mode,
                closures,
                days,
                seed,
            },
        )
}

fn build(p: &Params) -> Scenario {
    let mut sc = Scenario::new("prop", Date::parse("2020-01-01").unwrap(), p.days);
    let n = p.kinds.len();
    for i in 0..n {
        // Location 0 is always a populated conflict zone, so spawning has a place.
        let kind = if i == 0 {
            LocationKind::ConflictZone
        } else {
            match p.kinds[i] {
                0 => LocationKind::ConflictZone,
                1 => LocationKind::Camp,
                2 => LocationKind::IdpCamp,
                3 => LocationKind::Marker,
                4 => LocationKind::ForwardingHub,
                _ => LocationKind::Town,
            }
        };
        let mut l = Location::new(&format!("L{i}"), kind);
        l.population = p.pops[i] as u64 + if i == 0 { 1 } else { 0 };
        l.initial_idps = p.idps[i] as u64;
        if kind.is_camp() && p.caps[i] > 0 {
            l.capacity = Some(p.caps[i] as u64);
        }
        l.country = if i % 3 == 0 { "X".into() } else { "Y".into() };
        l.foreign = i % 3 != 0;
        l.attributes
            .insert("deactivation_probability".into(), "0.2".into());
        sc.add_location(l);
    }
    for &(a, b, d) in &p.links {
        let mut link = Link::new(a, b, d as f64);
        if d % 7 == 0 {
            link.walk_probability = 0.5;
        }
        if d % 11 == 0 {
            link.max_move_speed = Some(33.0);
        }
        sc.links.push(link);
    }
    for &(kind, a, b, start, end) in &p.closures {
        let target = match kind {
            0 => ClosureTarget::Link(a, b),
            1 => ClosureTarget::Location(a),
            _ => ClosureTarget::Camp(a),
        };
        sc.closures.push(Closure { target, start, end });
    }
    let m = &mut sc.settings.move_rules;
    m.awareness_level = p.awareness;
    m.max_move_speed = p.speed as f64;
    m.start_on_foot = p.start_on_foot;
    m.avoid_short_stints = p.avoid_short_stints;
    m.pruning_threshold = p.pruning;
    m.capacity_scaling = 1.25;
    sc.settings.spawn_rules.camps_are_sinks = p.sinks;
    match p.mode {
        0 | 1 => {
            let camps = sc.camp_locations();
            for (k, &c) in camps.iter().enumerate() {
                let v0 = 10.0 * k as f64;
                sc.data.camps.push(CampData {
                    location: c,
                    series: Series::new(vec![
                        (0, v0),
                        (5, v0 + 80.0),
                        (9, v0 + 40.0),
                        (20, v0 + 200.0),
                    ]),
                });
            }
            sc.data.total = Series::new(vec![(0, 50.0), (20, 500.0)]);
            sc.settings.spawn_rules.sum_from_camps = p.mode == 0;
        }
        2 => {
            sc.settings.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
                spawn_mode: SpawnMode::Poisson,
                displaced_per_conflict_day: 20.0,
            })
        }
        _ => {
            sc.settings.spawn_rules.take_from_population = true;
            sc.settings.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
                spawn_mode: SpawnMode::PopRatio,
                displaced_per_conflict_day: 0.01,
            })
        }
    }
    sc
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn people_are_conserved_every_day(p in params()) {
        let sc = build(&p);
        let out = simulate(&sc, &RunOptions { seed: p.seed, ..Default::default() }).unwrap();
        prop_assert_eq!(out.days.len(), p.days as usize);
        let n = sc.locations.len();
        let quiet: Vec<bool> = sc
            .locations
            .iter()
            .map(|l| l.kind != LocationKind::ConflictZone && !(p.sinks && l.kind.is_camp()))
            .collect();
        let mut spawned = 0u64;
        let mut prev_at = 0u64;
        let mut prev_on = 0u64;
        let mut prev_removed = 0u64;
        let mut prev_pop = vec![0u64; n];
        for d in &out.days {
            let a = d.accounting;
            prop_assert!(a.balances(), "day {}: {:?}", d.day, a);
            spawned += d.spawned_today;
            prop_assert_eq!(a.spawned, spawned);
            prop_assert_eq!(a.at_locations, d.population.iter().sum::<u64>());
            prop_assert_eq!(a.on_links, d.on_links_toward.iter().sum::<u64>());
            prop_assert_eq!(d.total_agents, a.at_locations + a.on_links);
            prop_assert_eq!(a.in_queues + a.in_transit + a.admitted + a.encountered, 0);
            let arrived: u64 = d.arrived.iter().sum();
            let departed: u64 = d.departed.iter().sum();
            let removed_today = a.removed - prev_removed;
            prop_assert_eq!(
                a.at_locations + departed + removed_today,
                prev_at + d.spawned_today + arrived,
                "day {}", d.day
            );
            prop_assert_eq!(a.on_links + arrived, prev_on + departed, "day {}", d.day);
            if d.day > 0 {
                for l in 0..n {
                    if quiet[l] {
                        prop_assert_eq!(
                            d.population[l] + d.departed[l],
                            prev_pop[l] + d.arrived[l],
                            "day {} location {}", d.day, l
                        );
                    }
                }
            }
            if !p.sinks {
                prop_assert_eq!(a.removed, 0);
            }
            prev_at = a.at_locations;
            prev_on = a.on_links;
            prev_removed = a.removed;
            prev_pop.clone_from(&d.population);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The incremental mode of the agent passes (only agents on links visited,
    /// counts kept by changes, recent travel scaled lazily) gives exactly the
    /// run that visits every agent every day and recounts the tally. Runs of 60
    /// to 200 days rescale the lazy recent travel (every 64 days) up to 3 times.
    #[test]
    fn incremental_passes_equal_recounting(p in params(), days in 60u32..200) {
        // Sinks (and border processes) always recount: nothing to compare.
        let p = Params { sinks: false, days, ..p };
        let sc = build(&p);
        let opts = RunOptions { seed: p.seed, ..Default::default() };
        let fast = simulate(&sc, &opts).unwrap();
        let reference = simulate_recounting(&sc, &opts).unwrap();
        prop_assert_eq!(fast, reference);
    }
}

/// Random border processes on top of a [`Params`] network. Location indices are
/// taken modulo the number of locations, link indices modulo the number of links.
#[derive(Debug, Clone)]
struct BorderParams {
    /// (location, capacity, walk-ups, random order, border city)
    ports: Vec<(usize, u8, bool, bool, usize)>,
    /// (per day, request probability, eligible locations, allocation, lead days)
    appointments: Option<(u8, f64, Vec<usize>, u8, u32)>,
    /// (link, probability, both directions, relocate to, delay)
    checkpoints: Vec<(usize, f64, bool, usize, u32)>,
    /// (location, people per day)
    inflows: Vec<(usize, f64)>,
    /// (city, hazard, slope, max)
    crossings: Vec<(usize, f64, f64, f64)>,
    /// (link, day, size, new people, speed, continue share, papers share)
    caravan: Option<(usize, u32, u16, bool, f64, f64, f64)>,
    /// (day, kind, index, value)
    events: Vec<(u32, u8, usize, f64)>,
    shelter: Option<(usize, u16)>,
}

fn border_params() -> impl Strategy<Value = BorderParams> {
    (
        prop::collection::vec(
            (
                0usize..64,
                0u8..40,
                any::<bool>(),
                any::<bool>(),
                0usize..64,
            ),
            0..4,
        ),
        prop::option::of((
            0u8..30,
            0.0f64..1.0,
            prop::collection::vec(0usize..64, 1..5),
            0u8..3,
            0u32..4,
        )),
        prop::collection::vec(
            (0usize..64, 0.0f64..1.0, any::<bool>(), 0usize..64, 1u32..4),
            0..4,
        ),
        prop::collection::vec((0usize..64, 0.0f64..60.0), 0..3),
        prop::collection::vec((0usize..64, 0.0f64..1.0, 0.0f64..0.5, 0.0f64..1.0), 0..4),
        prop::option::of((
            0usize..64,
            0u32..10,
            0u16..200,
            any::<bool>(),
            1.0f64..80.0,
            0.0f64..1.0,
            0.0f64..1.0,
        )),
        prop::collection::vec((0u32..25, 0u8..10, 0usize..64, 0.0f64..1.0), 0..8),
        prop::option::of((0usize..64, 0u16..100)),
    )
        .prop_map(
            |(ports, appointments, checkpoints, inflows, crossings, caravan, events, shelter)| {
                BorderParams {
                    ports,
                    appointments,
                    checkpoints,
                    inflows,
                    crossings,
                    caravan,
                    events,
                    shelter,
                }
            },
        )
}

fn with_border(p: &Params, bp: &BorderParams) -> Scenario {
    let mut sc = build(p);
    let n = sc.locations.len();
    let n_links = sc.links.len();
    let mut b = Border::default();
    for &(loc, cap, walk_ups, random, city) in &bp.ports {
        // Location 0 stays the spawning conflict zone; one port per location.
        let loc = 1 + loc % (n - 1).max(1);
        if loc >= n || b.ports.iter().any(|q| q.location == loc) {
            continue;
        }
        sc.locations[loc].kind = LocationKind::Port;
        b.ports.push(Port {
            location: loc,
            name: sc.locations[loc].name.clone(),
            border_city: city % n,
            field_office: format!("FO{}", loc % 2),
            sector: "S".into(),
            capacity_per_day: cap as f64 / 3.0,
            open: true,
            walk_ups,
            queue: if random {
                QueueDiscipline::Random
            } else {
                QueueDiscipline::Fifo
            },
        });
    }
    if let (Some((per_day, r, eligible, alloc, lead)), false) =
        (&bp.appointments, b.ports.is_empty())
    {
        let k = b.ports.len();
        b.appointments = Some(AppointmentPool {
            per_day: *per_day as f64,
            shares: vec![1.0 / k as f64; k],
            request_probability: *r,
            eligible: eligible.iter().map(|&l| l % n).collect(),
            allocation: match alloc {
                0 => Allocation::Fifo,
                1 => Allocation::Lottery,
                _ => Allocation::Mixed { fifo_share: 0.5 },
            },
            lead_days: *lead,
        });
    }
    for &(li, prob, both, to, delay) in &bp.checkpoints {
        let l = &sc.links[li % n_links];
        b.checkpoints.push(Checkpoint {
            name: format!("k{}", b.checkpoints.len()),
            from: l.from,
            to: l.to,
            both_directions: both,
            probability: prob,
            relocate_to: to % n,
            delay_days: delay,
        });
    }
    for &(loc, rate) in &bp.inflows {
        b.inflows.push(Inflow {
            location: loc % n,
            series: Series::new(vec![(0, rate), (10, rate * 2.0)]),
        });
    }
    for &(city, h, slope, max) in &bp.crossings {
        let city = city % n;
        if b.crossings.iter().any(|c| c.border_city == city) {
            continue;
        }
        b.crossings.push(CrossingPoint {
            name: sc.locations[city].name.clone(),
            border_city: city,
            sector: format!("S{}", city % 3),
            hazard: h,
            slope,
            max_hazard: max,
        });
    }
    if let Some((li, day, size, new, speed, cont, papers)) = bp.caravan {
        let l = &sc.links[li % n_links];
        if l.from != l.to {
            b.caravans.push(Caravan {
                name: "c".into(),
                day,
                origin: l.from,
                size: size as u64,
                source: if new {
                    CaravanSource::New
                } else {
                    CaravanSource::Waiting
                },
                path: vec![l.to, l.from],
                speed_km_per_day: speed,
                dispersals: vec![
                    Dispersal {
                        at: DispersalAt::Place(l.to),
                        continue_share: cont,
                        papers_share: papers,
                        relocate_to: Some(0),
                        delay_days: 2,
                    },
                    Dispersal {
                        at: DispersalAt::Day(day + 2),
                        continue_share: 0.5,
                        papers_share: 0.2,
                        relocate_to: Some(n - 1),
                        delay_days: 1,
                    },
                ],
            });
        }
    }
    if let Some((loc, beds)) = bp.shelter {
        sc.locations[loc % n].shelter_capacity = Some(beds as u64);
        b.shelter_full_weight = 0.3;
    }
    // Balking and reneging at the ports in two cases of three (from the seed).
    if !b.ports.is_empty() && !p.seed.is_multiple_of(3) {
        b.walk_up_leaving = corridor_model::border::WalkUpLeaving {
            patience_days: (p.seed % 3 == 1).then_some(0.5 + (p.seed % 7) as f64),
            renege_probability: 0.02 * (p.seed % 5) as f64,
        };
    }
    for &(day, kind, i, x) in &bp.events {
        let np = b.ports.len();
        let action = match kind {
            0 | 1 if np > 0 => {
                if kind == 0 {
                    Action::ClosePort { port: i % np }
                } else {
                    Action::OpenPort { port: i % np }
                }
            }
            2 if np > 0 => Action::SetPortCapacity {
                port: i % np,
                capacity_per_day: x * 20.0,
            },
            3 if np > 0 => Action::SetWalkUps {
                port: i % np,
                walk_ups: x < 0.5,
            },
            4 | 5 => {
                let l = &sc.links[i % n_links];
                if kind == 4 {
                    Action::CloseLink {
                        from: l.from,
                        to: l.to,
                    }
                } else {
                    Action::OpenLink {
                        from: l.to,
                        to: l.from,
                    }
                }
            }
            6 if !b.checkpoints.is_empty() => Action::SetCheckpointProbability {
                checkpoint: i % b.checkpoints.len(),
                probability: x,
            },
            7 if !b.crossings.is_empty() => Action::SetCrossingHazard {
                crossing: i % b.crossings.len(),
                hazard: x,
            },
            8 if !b.inflows.is_empty() => Action::SetInflowScale {
                inflow: i % b.inflows.len(),
                scale: x * 2.0,
            },
            9 => Action::SetShelterCapacity {
                location: i % n,
                shelter_capacity: Some((x * 50.0) as u64),
            },
            _ => continue,
        };
        b.events.push(Event { day, action });
    }
    b.events.sort_by_key(|e| e.day);
    sc.border = b;
    sc
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn people_are_conserved_with_border_processes(p in params(), bp in border_params()) {
        let sc = with_border(&p, &bp);
        let out = simulate(&sc, &RunOptions { seed: p.seed, ..Default::default() }).unwrap();
        prop_assert_eq!(out.days.len(), p.days as usize);
        let (mut spawned, mut admitted, mut encountered) = (0u64, 0u64, 0u64);
        for d in &out.days {
            let a = d.accounting;
            prop_assert!(a.balances(), "day {}: {:?}", d.day, a);
            spawned += d.spawned_today;
            admitted += d.admitted.iter().sum::<u64>();
            encountered += d.encountered.iter().sum::<u64>();
            prop_assert_eq!(a.spawned, spawned);
            prop_assert_eq!(a.admitted, admitted);
            prop_assert_eq!(a.encountered, encountered);
            prop_assert_eq!(a.at_locations, d.population.iter().sum::<u64>());
            prop_assert_eq!(a.on_links, d.on_links_toward.iter().sum::<u64>());
            prop_assert_eq!(a.in_queues, d.queue.iter().sum::<u64>());
            prop_assert_eq!(a.in_queues, d.ports.iter().map(|x| x.queue).sum::<u64>());
            prop_assert_eq!(
                d.checkpoints.iter().sum::<u64>(),
                d.intercepted.iter().sum::<u64>()
            );
            prop_assert_eq!(
                d.total_agents,
                a.at_locations + a.on_links + a.in_queues + a.in_transit
            );
            for (port, pd) in sc.border.ports.iter().zip(&d.ports) {
                prop_assert_eq!(pd.admitted, d.admitted[port.location]);
                prop_assert_eq!(pd.admitted, pd.by_appointment + pd.walk_up);
                if !pd.open {
                    prop_assert_eq!(pd.admitted, 0);
                }
            }
            if !p.sinks {
                prop_assert_eq!(a.removed, 0);
            }
        }
    }

    /// Border scenarios run the passes incrementally too (only agents on links
    /// travelled, queue and exit counts carried from the day before, the
    /// watched list kept from day to day and completed with the day's
    /// arrivals); the outputs equal those of the run that visits every agent
    /// every day and recounts the tally, exactly. With and without sinks and
    /// `avoid_short_stints` (which keep the full passes), over 10 to 60 days.
    #[test]
    fn incremental_border_passes_equal_recounting(
        p in params(),
        bp in border_params(),
        days in 10u32..60,
    ) {
        let p = Params { days, ..p };
        let sc = with_border(&p, &bp);
        let opts = RunOptions { seed: p.seed, ..Default::default() };
        let fast = simulate(&sc, &opts).unwrap();
        let reference = simulate_recounting(&sc, &opts).unwrap();
        prop_assert_eq!(fast, reference);
    }
}
