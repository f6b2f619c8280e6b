//! The count engine against the agent engine (docs/design.md §7): both implement the same
//! stochastic rules, so ensembles of runs must agree in distribution. Each check
//! compares ensemble means (per camp or per location, on chosen days) and fails
//! when they differ by more than 3 standard errors of the difference. Also:
//! conservation every day, determinism (same seed, any thread count), 10^9 people
//! at the cost of a few. Border processes: tests/border_counts.rs.
//!
//! Sizes keep the file under a minute in release; debug builds run fewer days
//! and members (see `scale`).

use corridor_model::counts::{simulate_counts, simulate_counts_with_stats};
use corridor_model::settings::{ConflictDrivenSpawning, SpawnMode};
use corridor_model::{
    simulate, Closure, ClosureTarget, Date, Demographic, EngineKind, Location, LocationKind,
    RunOptions, RunOutput, Scenario,
};

/// (days, members) for release or debug builds.
fn scale(release: (u32, u64), debug: (u32, u64)) -> (u32, u64) {
    if cfg!(debug_assertions) {
        debug
    } else {
        release
    }
}

fn opts(seed: u64, days: u32, engine: EngineKind) -> RunOptions {
    RunOptions {
        seed,
        days: Some(days),
        engine,
    }
}

fn run(sc: &Scenario, seed: u64, days: u32, engine: EngineKind) -> RunOutput {
    let out = simulate(sc, &opts(seed, days, engine)).expect("run");
    check_conservation(sc, &out);
    out
}

/// Every day: the accounting balances; the record agrees with itself; every
/// location changes by its arrivals, departures, spawns and removals.
fn check_conservation(sc: &Scenario, out: &RunOutput) {
    let n = sc.locations.len();
    let mut prev_pop = vec![0u64; n];
    let mut prev_removed = 0;
    for d in &out.days {
        let a = d.accounting;
        assert!(a.balances(), "day {}: {:?}", d.day, a);
        assert_eq!(a.at_locations, d.population.iter().sum::<u64>());
        assert_eq!(a.on_links, d.on_links_toward.iter().sum::<u64>());
        assert_eq!(d.total_agents, a.at_locations + a.on_links);
        // Σ population changes = spawned − removed + (arrived − departed);
        // arrivals and departures balance with the change of people on links.
        let dpop: i64 = (0..n)
            .map(|l| d.population[l] as i64 - prev_pop[l] as i64)
            .sum();
        let flow: i64 = (0..n)
            .map(|l| d.arrived[l] as i64 - d.departed[l] as i64)
            .sum();
        let removed = (a.removed - prev_removed) as i64;
        assert_eq!(
            dpop,
            d.spawned_today as i64 - removed + flow,
            "day {}",
            d.day
        );
        prev_pop.clone_from(&d.population);
        prev_removed = a.removed;
    }
}

/// Mean and variance of each column over runs.
fn moments(rows: &[Vec<f64>]) -> Vec<(f64, f64)> {
    let r = rows.len() as f64;
    (0..rows[0].len())
        .map(|j| {
            let m = rows.iter().map(|x| x[j]).sum::<f64>() / r;
            let v = rows.iter().map(|x| (x[j] - m).powi(2)).sum::<f64>() / (r - 1.0);
            (m, v)
        })
        .collect()
}

/// Asserts that every statistic's ensemble mean agrees within 3 standard errors.
fn assert_agree(what: &str, labels: &[String], agents: &[Vec<f64>], counts: &[Vec<f64>]) {
    assert_agree_within(what, labels, agents, counts, 3.0);
}

/// Asserts that every statistic's ensemble mean agrees within `z` standard
/// errors of the difference.
fn assert_agree_within(
    what: &str,
    labels: &[String],
    agents: &[Vec<f64>],
    counts: &[Vec<f64>],
    z: f64,
) {
    let a = moments(agents);
    let c = moments(counts);
    let mut bad = Vec::new();
    for (j, label) in labels.iter().enumerate() {
        let se = (a[j].1 / agents.len() as f64 + c[j].1 / counts.len() as f64).sqrt();
        let diff = (a[j].0 - c[j].0).abs();
        if diff > z * se + 1e-9 {
            bad.push(format!(
                "{label}: agents {:.2} ± {:.2}, counts {:.2} ± {:.2} (diff {:.2} > {z} SE {:.2})",
                a[j].0,
                (a[j].1 / agents.len() as f64).sqrt(),
                c[j].0,
                (c[j].1 / counts.len() as f64).sqrt(),
                diff,
                z * se
            ));
        }
    }
    assert!(bad.is_empty(), "{what}:\n{}", bad.join("\n"));
}

/// The statistics compared: population of the chosen locations on the chosen
/// days, people on links and removed people on the last day.
fn stats(out: &RunOutput, locs: &[usize], days: &[u32]) -> Vec<f64> {
    let mut v = Vec::new();
    for &t in days {
        let d = &out.days[t as usize];
        v.extend(locs.iter().map(|&l| d.population[l] as f64));
    }
    let last = out.days.last().unwrap();
    v.push(last.accounting.on_links as f64);
    v.push(last.accounting.removed as f64);
    v
}

fn labels(sc: &Scenario, locs: &[usize], days: &[u32]) -> Vec<String> {
    let mut v = Vec::new();
    for &t in days {
        v.extend(
            locs.iter()
                .map(|&l| format!("day {t} {}", sc.locations[l].name)),
        );
    }
    v.push("on links (last day)".into());
    v.push("removed (last day)".into());
    v
}

fn compare(sc: &Scenario, locs: &[usize], days: u32, at: &[u32], members: u64) {
    let (ra, rc) = members_stats(sc, locs, days, at, members);
    assert_agree(&sc.name, &labels(sc, locs, at), &ra, &rc);
}

/// The statistics of `members` runs on each engine (agents seeds 1000.., counts 5000..).
fn members_stats(
    sc: &Scenario,
    locs: &[usize],
    days: u32,
    at: &[u32],
    members: u64,
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut ra = Vec::new();
    let mut rc = Vec::new();
    for m in 0..members {
        ra.push(stats(
            &run(sc, 1000 + m, days, EngineKind::Agents),
            locs,
            at,
        ));
        rc.push(stats(
            &run(sc, 5000 + m, days, EngineKind::Counts),
            locs,
            at,
        ));
    }
    (ra, rc)
}

fn flee_instance(name: &str) -> Scenario {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/flee")
        .join(name);
    corridor_io::flee::read_flee_instance(&dir)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .scenario
}

fn mali() -> Scenario {
    flee_instance("mali2012")
}

/// DFlee's flood rules (flood levels, flood-driven spawning taken from the
/// population, flood move chances and location weights, demographics files):
/// the two DFlee instances, every out.csv column (every location: flood-driven
/// spawning reports them all) on three days. Up to ~250 statistics, so each
/// must agree within 4 standard errors (Bonferroni: P(|Z| > 4) = 6.3·10^-5 a
/// statistic, at most 2 % for 300 of them).
#[test]
fn dflee_instances_agree() {
    for name in ["dflee_example", "Ethiopia_dflee"] {
        let sc = flee_instance(name);
        assert!(sc.settings.flood_rules_enabled(), "{name}");
        let days = sc.days;
        let members = scale((40, 0), (6, 0)).0 as u64;
        let at = [days / 3, 2 * days / 3, days - 1];
        let locs = sc.camp_locations();
        let (ra, rc) = members_stats(&sc, &locs, days, &at, members);
        assert_agree_within(name, &labels(&sc, &locs, &at), &ra, &rc, 4.0);
    }
}

/// mali2012 (Flee's validation settings: start on foot, avoid short stints,
/// capacities, closures): per-camp means on three days.
#[test]
fn mali2012_camps_agree() {
    let sc = mali();
    let (days, members) = scale((300, 30), (40, 4));
    let at = [days / 4, days / 2, days - 1];
    compare(&sc, &sc.camp_locations(), days, &at, members);
}

/// A small graph that exercises every rule the count engine groups by: multi-hop
/// routes through a marker (awareness 2), start on foot, a walking link, a link
/// with its own speed, capacities, a link closure and a camp closure, camps as
/// sinks, Poisson conflict spawning with take_from_population, and attribute
/// classes from an age demographic (children and elderly avoid hazards).
fn synthetic() -> Scenario {
    let mut sc = Scenario::new("synthetic", Date::parse("2020-01-01").unwrap(), 40);
    let specs: [(&str, LocationKind, u64, Option<u64>); 12] = [
        ("A", LocationKind::ConflictZone, 40_000, None),
        ("B", LocationKind::ConflictZone, 20_000, None),
        ("C", LocationKind::ConflictZone, 10_000, None),
        ("T1", LocationKind::Town, 5_000, None),
        ("T2", LocationKind::Town, 3_000, None),
        ("T3", LocationKind::Town, 2_000, None),
        ("T4", LocationKind::Town, 1_000, None),
        ("T5", LocationKind::Town, 500, None),
        ("M", LocationKind::Marker, 0, None),
        ("K1", LocationKind::Camp, 0, Some(600)),
        ("K2", LocationKind::Camp, 0, None),
        ("K3", LocationKind::Camp, 0, Some(3_000)),
    ];
    for (name, kind, pop, cap) in specs {
        let mut l = Location::new(name, kind);
        l.population = pop;
        l.capacity = cap;
        l.country = if kind == LocationKind::Camp { "X" } else { "Y" }.into();
        l.foreign = kind == LocationKind::Camp;
        sc.add_location(l);
    }
    sc.locations[1].conflict_intensity = 0.5;
    sc.locations[11]
        .attributes
        .insert("deactivation_probability".into(), "0.02".into());
    for (a, b, km) in [
        ("A", "T1", 120.0),
        ("A", "T2", 60.0),
        ("B", "T2", 90.0),
        ("B", "M", 30.0),
        ("M", "T3", 45.0),
        ("C", "T3", 150.0),
        ("T1", "T4", 80.0),
        ("T2", "T4", 200.0),
        ("T3", "T5", 70.0),
        ("T4", "K1", 110.0),
        ("T4", "K2", 260.0),
        ("T5", "K2", 95.0),
        ("T5", "K3", 180.0),
        ("T1", "K3", 330.0),
    ] {
        sc.link(a, b, km);
    }
    sc.links[6].walk_probability = 0.3;
    sc.links[11].max_move_speed = Some(60.0);
    sc.closures.push(Closure {
        target: ClosureTarget::Link(3, 6),
        start: 5,
        end: 12,
    });
    sc.closures.push(Closure {
        target: ClosureTarget::Camp(10),
        start: 20,
        end: 26,
    });
    sc.demographics.push(Demographic {
        attribute: "age".into(),
        values: vec!["5".into(), "30".into(), "70".into()],
        default_weights: vec![0.3, 0.5, 0.2],
        per_location: vec![(2, vec![0.6, 0.3, 0.1])],
    });
    let s = &mut sc.settings;
    s.move_rules.awareness_level = 2;
    s.move_rules.max_move_speed = 150.0;
    s.move_rules.max_walk_speed = 40.0;
    s.move_rules.start_on_foot = true;
    s.move_rules.avoid_short_stints = true;
    s.move_rules.children_avoid_hazards = true;
    s.move_rules.elderly_avoid_hazards = true;
    s.move_rules.default_movechance = 0.4;
    s.move_rules.camp_movechance = 0.01;
    s.spawn_rules.camps_are_sinks = true;
    s.spawn_rules.take_from_population = true;
    s.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
        spawn_mode: SpawnMode::Poisson,
        displaced_per_conflict_day: 60.0,
    });
    sc
}

#[test]
fn synthetic_graph_agrees() {
    let sc = synthetic();
    let (days, members) = scale((40, 400), (40, 25));
    let all: Vec<usize> = (0..sc.locations.len()).collect();
    compare(&sc, &all, days, &[3, 8, 15, 24, 39], members);
}

/// Same seed → the same output, whatever the number of threads.
#[test]
fn count_runs_are_deterministic() {
    for sc in [synthetic(), mali()] {
        let o = opts(42, 30, EngineKind::Counts);
        let a = simulate_counts(&sc, &o).unwrap();
        let b = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| simulate(&sc, &o).unwrap());
        assert_eq!(a, b, "{}", sc.name);
        let c = simulate_counts(&sc, &opts(43, 30, EngineKind::Counts)).unwrap();
        assert_ne!(a, c, "{}: another seed, another run", sc.name);
    }
}

/// 10^9 people on the mali2012 graph cost what a few do: the number of cohorts
/// stays small, people are conserved, and they spread as with fewer people.
#[test]
fn a_billion_people_on_mali2012() {
    let mut sc = mali();
    let zones: Vec<usize> = (0..sc.locations.len())
        .filter(|&l| sc.locations[l].kind == LocationKind::ConflictZone)
        .collect();
    let per = 1_000_000_000 / zones.len() as u64;
    for &l in &zones {
        sc.locations[l].initial_idps = per;
    }
    // mali2012's conflicts.csv has 300 rows: a longer run is refused, as Flee fails.
    let days = scale((300, 0), (30, 0)).0;
    let (out, stats) = simulate_counts_with_stats(&sc, &opts(7, days, EngineKind::Counts)).unwrap();
    check_conservation(&sc, &out);
    let last = out.days.last().unwrap();
    assert!(last.accounting.spawned >= per * zones.len() as u64);
    let in_camps: u64 = sc
        .camp_locations()
        .iter()
        .map(|&c| last.population[c])
        .sum();
    assert!(
        in_camps > 100_000_000,
        "after {days} days most people should have reached camps: {in_camps}"
    );
    let max = stats.cohorts_per_day.iter().copied().max().unwrap();
    assert!(max < 200_000, "cohorts: {max}");
}
