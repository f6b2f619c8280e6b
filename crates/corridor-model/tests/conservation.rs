//! Conservation of people (DESIGN §3.2), checked every day on random networks with
//! random settings: the accounting balances, the state tallies agree with the
//! day's events (spawned, arrived, departed, removed), and every location without
//! spawning or sinks changes exactly by its arrivals minus its departures.

use corridor_model::settings::{ConflictDrivenSpawning, SpawnMode};
use corridor_model::{
    simulate, CampData, Closure, ClosureTarget, Date, Link, Location, LocationKind, RunOptions,
    Scenario, Series,
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
