//! Border processes on the count engine against the agent engine: the same law,
//! shown on every `examples/` scenario and on the built-in scenario.
//!
//! For each scenario both engines run 30 fixed seeds; per run a vector of key
//! quantities is taken (people admitted per field office and encountered per
//! sector per month, people admitted and days waited per port, interceptions
//! and distinct people intercepted per checkpoint, queues and people in transit
//! at the end). One combined test per scenario: the standardised difference of
//! the two means, `z = (m_a − m_c) / sqrt(s_a²/n + s_c²/n)`, for every quantity
//! whose values vary, and the largest `|z|` against a Bonferroni bound for a
//! family-wise error of 1e-4 (valid whatever the correlation between the
//! quantities). Seeds are fixed, so the suite cannot fail by chance from run to
//! run; the bound makes it unlikely that a seed set was unlucky when it was
//! chosen. Quantities that never vary in either engine must be equal.
//!
//! The built-in scenario runs its first 50 days (the agent engine costs about
//! 5 s for the whole period). Also: conservation every day on both engines, and
//! determinism of the count engine.

use corridor_model::border::monthly::monthly;
use corridor_model::{simulate, EngineKind, RunOptions, RunOutput, Scenario};
use std::path::PathBuf;

const MEMBERS: u64 = 30;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scenario(rel: &str) -> Scenario {
    let inst = corridor_io::scenario::read_scenario(&root().join(rel).join("scenario.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    inst.scenario
}

fn run(sc: &Scenario, seed: u64, days: Option<u32>, engine: EngineKind) -> RunOutput {
    let out = simulate(sc, &RunOptions { seed, days, engine }).expect("run");
    check_conservation(sc, &out);
    out
}

/// Every day: every person is in exactly one state; the record's totals agree
/// with its per-location columns.
fn check_conservation(sc: &Scenario, out: &RunOutput) {
    for d in &out.days {
        let a = d.accounting;
        assert!(a.balances(), "day {}: {:?}", d.day, a);
        assert_eq!(a.at_locations, d.population.iter().sum::<u64>());
        assert_eq!(a.on_links, d.on_links_toward.iter().sum::<u64>());
        assert_eq!(a.in_queues, d.queue.iter().sum::<u64>(), "day {}", d.day);
        let ports: u64 = d.ports.iter().map(|p| p.queue).sum();
        assert_eq!(a.in_queues, ports);
        assert_eq!(d.intercepted.len(), sc.locations.len());
        assert!(d
            .intercepted_first
            .iter()
            .zip(&d.intercepted)
            .all(|(f, i)| f <= i));
        assert_eq!(d.wait_hist.len(), d.ports.len());
        for (p, h) in d.ports.iter().zip(&d.wait_hist) {
            assert_eq!(h.iter().sum::<u64>(), p.admitted);
        }
    }
}

/// The quantities compared, with their labels.
fn quantities(sc: &Scenario, out: &RunOutput) -> Vec<(String, f64)> {
    let mut v = Vec::new();
    for m in monthly(&sc.border, sc.start_date, &out.days, 1) {
        v.push((
            format!("{} {} {}", m.month, m.component, m.area_of_responsibility),
            m.encounters as f64,
        ));
    }
    let b = &sc.border;
    for (p, port) in b.ports.iter().enumerate() {
        let adm: u64 = out.days.iter().map(|d| d.ports[p].admitted).sum();
        let waited: f64 = out
            .days
            .iter()
            .map(|d| d.ports[p].mean_wait_days * d.ports[p].admitted as f64)
            .sum();
        v.push((format!("admitted at {}", port.name), adm as f64));
        v.push((format!("days waited at {}", port.name), waited));
        let left: u64 = out.days.iter().map(|d| d.ports[p].left_queue).sum();
        v.push((format!("left the queue at {}", port.name), left as f64));
    }
    for (c, cp) in b.checkpoints.iter().enumerate() {
        let n: u64 = out.days.iter().map(|d| d.checkpoints[c]).sum();
        v.push((format!("interceptions at {}", cp.name), n as f64));
    }
    let first: u64 = out
        .days
        .iter()
        .map(|d| d.intercepted_first.iter().sum::<u64>())
        .sum();
    v.push(("distinct people intercepted".into(), first as f64));
    for cr in &b.crossings {
        let n: u64 = out.days.iter().map(|d| d.encountered[cr.border_city]).sum();
        v.push((format!("encountered at {}", cr.name), n as f64));
    }
    let end = out.days.last().unwrap();
    let mid = &out.days[out.days.len() / 2];
    for (l, loc) in sc.locations.iter().enumerate() {
        let arrived: u64 = out.days.iter().map(|d| d.arrived[l]).sum();
        v.push((format!("arrivals at {}", loc.name), arrived as f64));
        v.push((
            format!("at {} (middle day)", loc.name),
            mid.population[l] as f64,
        ));
        v.push((
            format!("at {} (last day)", loc.name),
            end.population[l] as f64,
        ));
        let unsheltered: u64 = out.days.iter().map(|d| d.unsheltered[l]).sum();
        v.push((
            format!("unsheltered person-days at {}", loc.name),
            unsheltered as f64,
        ));
    }
    let last = end.accounting;
    v.push(("in queues (last day)".into(), last.in_queues as f64));
    v.push(("in transit (last day)".into(), last.in_transit as f64));
    v.push(("at locations (last day)".into(), last.at_locations as f64));
    v.push(("spawned (last day)".into(), last.spawned as f64));
    v
}

/// Two-sided normal quantile bound for a family-wise error `alpha` over `q` tests.
fn bonferroni_z(alpha: f64, q: usize) -> f64 {
    // Bisection on the normal tail (erfc by a continued-fraction-free series is
    // not in std; the tail bound exp(−z²/2)/(z·sqrt(2π)) is tight for z > 3).
    let target = alpha / (2.0 * q as f64);
    let tail = |z: f64| (-z * z / 2.0).exp() / (z * (2.0 * std::f64::consts::PI).sqrt());
    let (mut lo, mut hi) = (3.0f64, 10.0f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if tail(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// Runs both engines `MEMBERS` times and asserts the combined test.
fn same_law(rel: &str, days: Option<u32>) {
    same_law_of(rel, scenario(rel), days)
}

fn same_law_of(rel: &str, sc: Scenario, days: Option<u32>) {
    let mut rows: [Vec<Vec<(String, f64)>>; 2] = [Vec::new(), Vec::new()];
    for (e, engine) in [EngineKind::Agents, EngineKind::Counts]
        .into_iter()
        .enumerate()
    {
        for m in 0..MEMBERS {
            rows[e].push(quantities(&sc, &run(&sc, 500 + m, days, engine)));
        }
    }
    let q = rows[0][0].len();
    let n = MEMBERS as f64;
    let moments = |e: usize, j: usize| {
        let m = rows[e].iter().map(|r| r[j].1).sum::<f64>() / n;
        let v = rows[e].iter().map(|r| (r[j].1 - m).powi(2)).sum::<f64>() / (n - 1.0);
        (m, v)
    };
    let zmax = bonferroni_z(1e-4, q);
    let mut report = Vec::new();
    let mut worst = 0.0f64;
    let mut tested = 0;
    for (j, (label, _)) in rows[0][0].iter().enumerate() {
        assert_eq!(label, &rows[1][0][j].0);
        let (ma, va) = moments(0, j);
        let (mc, vc) = moments(1, j);
        let se = (va / n + vc / n).sqrt();
        if se == 0.0 {
            assert!(
                (ma - mc).abs() < 1e-9,
                "{rel}: {label} never varies but differs: agents {ma}, counts {mc}"
            );
            continue;
        }
        tested += 1;
        let z = (ma - mc) / se;
        worst = worst.max(z.abs());
        report.push(format!(
            "{label}: agents {ma:.1}, counts {mc:.1}, z {z:+.2}"
        ));
    }
    eprintln!(
        "{rel}: {tested} quantities, max |z| {worst:.2} (bound {zmax:.2})\n  {}",
        report.join("\n  ")
    );
    // A scenario without randomness (expected inflows, no draws that matter)
    // is checked by the equalities above alone.
    assert!(
        worst <= zmax,
        "{rel}: the engines differ (max |z| {worst:.2} > {zmax:.2}):\n  {}",
        report.join("\n  ")
    );
}

macro_rules! example {
    ($name:ident, $dir:expr) => {
        #[test]
        fn $name() {
            same_law($dir, None);
        }
    };
}

example!(appointments, "examples/appointments");
example!(caravan, "examples/caravan");
example!(papers, "examples/papers");
example!(checkpoint, "examples/checkpoint");
example!(crossings, "examples/crossings");
example!(inflow, "examples/inflow");
example!(port_capacity, "examples/port-capacity");
example!(port_closure, "examples/port-closure");
example!(port_balking, "examples/port-balking");
example!(shelter, "examples/shelter");
example!(variants, "examples/variants");

#[test]
fn mexico_2023_first_50_days() {
    // With the scenario's mixed allocation the FIFO half breaks ties among
    // same-day registrants by agent id in the agent engine (creation order,
    // hence location order for the day-0 population) and uniformly in the count
    // engine, which moves encounters between sectors by a few per cent
    // (docs/model.md §13); the lottery has no ties, so the law is the same.
    let mut sc = scenario("scenarios/mexico-2023");
    sc.border.appointments.as_mut().unwrap().allocation =
        corridor_model::border::Allocation::Lottery;
    same_law_of("scenarios/mexico-2023", sc, Some(50));
}

/// Engine time and cohorts of the whole built-in scenario on the count engine
/// (figures for docs/performance.md; run with `--ignored --nocapture`). Prints
/// wall time and this thread's CPU time (Linux `schedstat`; on a loaded
/// machine the CPU time is the steadier figure). `REPS` sets the number of
/// timed runs (default 3; 1 under callgrind).
#[test]
#[ignore]
fn mexico_2023_count_engine_time() {
    fn cpu_ms() -> f64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(f64::NAN, |ns| ns / 1e6)
    }
    let sc = scenario("scenarios/mexico-2023");
    let opts = RunOptions {
        seed: 1,
        days: None,
        engine: EngineKind::Counts,
    };
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    for _ in 0..reps {
        let (t, c) = (std::time::Instant::now(), cpu_ms());
        let (_, stats) = corridor_model::counts::simulate_counts_with_stats(&sc, &opts).unwrap();
        let max = stats.cohorts_per_day.iter().max().unwrap();
        let mean = stats.cohorts_per_day.iter().sum::<usize>() / stats.cohorts_per_day.len();
        eprintln!(
            "{:.1} ms wall, {:.1} ms CPU, cohorts max {max}, mean {mean}",
            t.elapsed().as_secs_f64() * 1e3,
            cpu_ms() - c
        );
    }
}

/// The same seed gives the same count run; another seed another one.
#[test]
fn count_runs_with_border_processes_are_deterministic() {
    let sc = scenario("scenarios/mexico-2023");
    let a = run(&sc, 3, Some(40), EngineKind::Counts);
    let b = run(&sc, 3, Some(40), EngineKind::Counts);
    let c = run(&sc, 4, Some(40), EngineKind::Counts);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

/// A caravan that waits at a crowded origin on the count engine: only its
/// members become single people, so 3·10^8 people waiting cost what 8,000 do
/// (it used to make every one of them a unit, gigabytes); past the 32-bit
/// numbering of caravans' pools the run is a clear error, not an abort.
#[test]
fn a_caravan_from_a_crowd_costs_its_members_only() {
    let mut sc = scenario("examples/caravan");
    let origin = sc.border.caravans[0].origin;
    sc.locations[origin].initial_idps = 300_000_000;
    let out = run(&sc, 1, Some(8), EngineKind::Counts);
    assert!(out
        .warnings
        .iter()
        .all(|w| !w.contains("available at the origin")));
    sc.locations[origin].initial_idps = 20_000_000_000;
    let e = simulate(
        &sc,
        &RunOptions {
            seed: 1,
            days: Some(8),
            engine: EngineKind::Counts,
        },
    )
    .unwrap_err();
    assert!(
        matches!(e, corridor_model::ModelError::TooManyCaravanPeople { .. }),
        "{e}"
    );
    assert!(
        e.to_string().contains("caravan 'Éxodo de la pobreza'"),
        "{e}"
    );
}

/// The stepping interface: a run advanced day by day, cloned half way, gives
/// the same records as a whole run, and so does the clone.
#[test]
fn stepping_and_cloning_reproduce_a_whole_run() {
    use corridor_model::counts::CountRun;
    let sc = scenario("scenarios/mexico-2023");
    let whole = run(&sc, 9, Some(30), EngineKind::Counts);
    let mut r = CountRun::new(&sc, 9).unwrap();
    for _ in 0..15 {
        r.step().unwrap();
    }
    assert_eq!(r.day(), 15);
    assert_eq!(r.records(), &whole.days[..15]);
    let mut c = r.clone();
    for _ in 0..15 {
        r.step().unwrap();
        c.step().unwrap();
    }
    assert_eq!(r.records(), &whole.days[..]);
    assert_eq!(c.into_output(), whole);
}
