//! Ensemble reduction, writers, determinism and sweeps on synthetic runs.
//!
//! A synthetic simulator stands in for the engine: its output is a known function
//! of the member index (recovered from the member seed), so every statistic in the
//! written files has an exact expected value.

mod common;

use common::{assert_same_on_1_and_3_threads, on_threads, written, written_files};
use corridor_ensemble::{
    member_seed, run_ensemble_with, sweep_with, EnsembleError, EnsembleOptions, ParamRange,
    SweepMethod, SweepOptions, DAILY_VARIABLES, TOTAL_VARIABLES,
};
use corridor_model::border::{CrossingPoint, Port, QueueDiscipline};
use corridor_model::rng::{stream, Purpose};
use corridor_model::{
    Accounting, CampData, Date, DayRecord, Location, LocationKind, ModelError, PortDay, RunOptions,
    RunOutput, Scenario, Series,
};
use std::collections::HashMap;
use std::fs;
use std::path::Path;

/// A: conflict zone, B: town, C: camp with data 10 on every day.
fn scenario(days: u32) -> Scenario {
    let mut s = Scenario::new("synthetic", Date::parse("2023-12-30").unwrap(), days);
    s.add_location(Location::new("A", LocationKind::ConflictZone));
    s.add_location(Location::new("B, town", LocationKind::Town));
    let c = s.add_location(Location::new("C", LocationKind::Camp));
    s.data.camps.push(CampData {
        location: c,
        series: Series::new(vec![(0, 10.0)]),
    });
    s
}

/// Member `i` of an ensemble seeded with `seed`: population of location `l` on day
/// `d` is `i + d + 10·l`; arrivals are `i` at the camp; everything else is 0.
fn by_member(
    seed: u64,
    runs: usize,
) -> impl Fn(&Scenario, &RunOptions) -> Result<RunOutput, ModelError> + Sync {
    let index: HashMap<u64, usize> = (0..runs).map(|i| (member_seed(seed, i), i)).collect();
    move |s: &Scenario, ro: &RunOptions| {
        let i = index[&ro.seed] as u64;
        let n = s.locations.len();
        let days = (0..ro.days.unwrap_or(s.days))
            .map(|d| {
                let population: Vec<u64> = (0..n as u64).map(|l| i + d as u64 + 10 * l).collect();
                let mut arrived = vec![0; n];
                arrived[2] = i;
                let mut admitted = vec![0; n];
                let mut encountered = vec![0; n];
                if n > 4 {
                    admitted[3] = i; // port P1
                    admitted[4] = 2 * i; // port P2
                    encountered[1] = 1; // border city B
                }
                let total = population.iter().sum();
                DayRecord {
                    day: d,
                    population,
                    arrived,
                    admitted,
                    encountered,
                    ports: s
                        .border
                        .ports
                        .iter()
                        .enumerate()
                        .map(|(p, _)| PortDay {
                            queue: 3 * i + p as u64,
                            admitted: i,
                            open: i % 2 == 0,
                            mean_wait_days: 0.5 * i as f64,
                            ..PortDay::default()
                        })
                        .collect(),
                    total_agents: total,
                    accounting: Accounting {
                        spawned: total,
                        at_locations: total,
                        ..Accounting::default()
                    },
                    ..DayRecord::default()
                }
            })
            .collect();
        Ok(RunOutput {
            seed: ro.seed,
            days,
            warnings: vec!["note from the engine".into()],
        })
    }
}

/// The ensemble of `runs` [`by_member`] members of `s` seeded with `seed`,
/// written into a fresh folder.
fn by_member_dir(s: &Scenario, runs: usize, seed: u64) -> tempfile::TempDir {
    let sim = by_member(seed, runs);
    written(&run_ensemble_with(s, &EnsembleOptions::new(runs, seed), &sim, &|_| {}).unwrap())
}

/// A pseudo-random simulator: every cell drawn from the member's own stream.
fn noisy(s: &Scenario, ro: &RunOptions) -> Result<RunOutput, ModelError> {
    let n = s.locations.len();
    let days = (0..ro.days.unwrap_or(s.days))
        .map(|d| {
            let mut r = stream(ro.seed, Purpose::Other, d as u64, 0);
            let mut v = || (0..n).map(|_| r.below(1000)).collect::<Vec<u64>>();
            DayRecord {
                day: d,
                population: v(),
                on_links_toward: v(),
                arrived: v(),
                departed: v(),
                ..DayRecord::default()
            }
        })
        .collect();
    Ok(RunOutput {
        seed: ro.seed,
        days,
        warnings: vec![],
    })
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Asserts that the line of `text` starting with `prefix` goes on with `rest`.
fn assert_row(text: &str, prefix: &str, rest: &str) {
    assert_eq!(line_starting(text, prefix), format!("{prefix}{rest}"));
}

fn line_starting<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix}"))
}

#[test]
fn statistics_in_the_files_are_exact() {
    let s = scenario(3);
    let dir = by_member_dir(&s, 5, 11);
    let daily = read(dir.path(), "daily_stats.csv");
    assert_eq!(
        daily.lines().next().unwrap(),
        "day,date,location,kind,variable,mean,sd,p5,p50,p95"
    );
    assert_eq!(daily.lines().count(), 1 + 3 * 3 * DAILY_VARIABLES.len());
    // Population of A on day 0 over members 0..4: values 0..4; mean 2, sd √2.5,
    // type-7 p5 = 0.2, p50 = 2, p95 = 3.8.
    assert_row(
        &daily,
        "0,2023-12-30,A,conflict_zone,population,",
        "2,1.581139,0.2,2,3.8",
    );
    // Day 2 of C (camp, +20 +2): values 22..26.
    assert_row(
        &daily,
        "2,2024-01-01,C,camp,population,",
        "24,1.581139,22.2,24,25.8",
    );
    // A name with a comma is quoted; a cell that is 0 in every member has sd 0.
    assert_row(&daily, "1,2023-12-31,\"B, town\",town,queue,", "0,0,0,0,0");
    let totals = read(dir.path(), "totals_stats.csv");
    assert_eq!(totals.lines().count(), 1 + 3 * TOTAL_VARIABLES.len());
    // in_camps on day 0 = population of C = i + 20.
    assert_row(
        &totals,
        "0,2023-12-30,in_camps,",
        "22,1.581139,20.2,22,23.8",
    );
    // spawned = Σ population = 3i + 3d + 30.
    assert_row(&totals, "1,2023-12-31,spawned,", "39,4.743416,33.6,39,44.4");
    // No ports, no crossings: no ports or monthly files.
    assert!(!dir.path().join("ports_stats.csv").exists());
    assert!(!dir.path().join("monthly_stats.csv").exists());

    // ARD: C has data 10, sim i + d + 20, U = 10: e(t) = (i + d + 10)/10, so over
    // days 0..2 ARD = (i + 11)/10. Rescaled: the rescaled sim is U = 10, ARD 0.
    let summary: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "summary.json")).unwrap();
    let ens = &summary["ensemble"];
    assert_eq!(ens["runs"], 5);
    assert_eq!(ens["seed"], 11);
    let values: Vec<f64> = ens["ard"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let expected = [1.1, 1.2, 1.3, 1.4, 1.5];
    for (v, e) in values.iter().zip(expected) {
        assert!((v - e).abs() < 1e-12, "{values:?}");
    }
    let num = |v: &serde_json::Value| v.as_f64().unwrap();
    assert!((num(&ens["ard"]["mean"]) - 1.3).abs() < 1e-12);
    assert!((num(&ens["ard"]["p5"]) - 1.12).abs() < 1e-12);
    assert!((num(&ens["ard"]["sd"]) - 2.5f64.sqrt() / 10.0).abs() < 1e-12);
    assert_eq!(ens["ard_rescaled"]["p95"], 0.0);
    assert_eq!(ens["member_seeds"][3], member_seed(11, 3));
    assert_eq!(ens["final"]["in_camps"]["mean"], 24.0);
    assert_eq!(summary["days"], 3);
    assert_eq!(summary["start_date"], "2023-12-30");
    assert_eq!(summary["end_date"], "2024-01-01");
    assert_eq!(summary["engine"], "agents");
    // Identical warnings of all members are reported once.
    assert_eq!(
        summary["warnings"],
        serde_json::json!(["note from the engine"])
    );
}

fn port(location: usize, name: &str, office: &str) -> Port {
    Port {
        location,
        name: name.into(),
        border_city: 1,
        field_office: office.into(),
        sector: "San Diego Sector".into(),
        capacity_per_day: 10.0,
        open: true,
        walk_ups: true,
        queue: QueueDiscipline::Fifo,
    }
}

#[test]
fn ports_and_monthly_statistics() {
    let mut s = scenario(3);
    s.add_location(Location::new("P1", LocationKind::Port));
    s.add_location(Location::new("P2", LocationKind::Port));
    s.border.ports = vec![
        port(3, "P1", "San Diego Field Office"),
        port(4, "P2", "El Paso Field Office"),
    ];
    s.border.crossings = vec![CrossingPoint {
        name: "B".into(),
        border_city: 1,
        sector: "San Diego Sector".into(),
        hazard: 0.1,
        slope: 0.0,
        max_hazard: 1.0,
    }];
    let dir = by_member_dir(&s, 5, 3);
    let ports = read(dir.path(), "ports_stats.csv");
    assert_eq!(
        ports.lines().next().unwrap(),
        "day,date,port,variable,mean,sd,p5,p50,p95"
    );
    assert_eq!(ports.lines().count(), 1 + 3 * 2 * 6);
    // Queue of P2 = 3i + 1: 1, 4, 7, 10, 13.
    assert_row(&ports, "0,2023-12-30,P2,queue,", "7,4.743416,1.6,7,12.4");
    // open: members 0, 2, 4 open -> mean 0.6, sd √0.3; sorted 0,0,1,1,1.
    assert_row(&ports, "2,2024-01-01,P1,open,", "0.6,0.547723,0,1,1");
    assert_row(
        &ports,
        "1,2023-12-31,P1,mean_wait_days,",
        "1,0.790569,0.1,1,1.9",
    );
    // Monthly (agents): days 0-1 are December, day 2 is January. OFO rows first,
    // offices sorted by name; P1 admits i per day, P2 2i; BP: 1 per day at B.
    let monthly = read(dir.path(), "monthly_stats.csv");
    let rows: Vec<&str> = monthly.lines().collect();
    assert_eq!(
        rows,
        vec![
            "month,component,area_of_responsibility,mean,sd,p5,p50,p95",
            // P2 in December: 4i -> 0, 4, 8, 12, 16.
            "2023-12,Office of Field Operations,El Paso Field Office,8,6.324555,0.8,8,15.2",
            // P1 in December: 2i.
            "2023-12,Office of Field Operations,San Diego Field Office,4,3.162278,0.4,4,7.6",
            "2023-12,U.S. Border Patrol,San Diego Sector,2,0,2,2,2",
            "2024-01,Office of Field Operations,El Paso Field Office,4,3.162278,0.4,4,7.6",
            "2024-01,Office of Field Operations,San Diego Field Office,2,1.581139,0.2,2,3.8",
            "2024-01,U.S. Border Patrol,San Diego Sector,1,0,1,1,1",
        ]
    );
}

#[test]
fn single_member_has_empty_sd() {
    let s = scenario(2);
    let dir = by_member_dir(&s, 1, 5);
    let daily = read(dir.path(), "daily_stats.csv");
    assert_row(&daily, "1,2023-12-31,C,camp,population,", "21,,21,21,21");
    let summary: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "summary.json")).unwrap();
    assert!(summary["ensemble"]["ard"]["sd"].is_null());
}

/// The totals member by member (for paired differences), in member order, a
/// cell that varies as well as one that is the same in every member.
#[test]
fn member_totals_are_each_members_values_in_member_order() {
    let s = scenario(3);
    let e = on_threads(3, || {
        run_ensemble_with(&s, &EnsembleOptions::new(5, 11), &by_member(11, 5), &|_| {})
    })
    .unwrap();
    let var = |n: &str| TOTAL_VARIABLES.iter().position(|v| *v == n).unwrap();
    // spawned = Σ population = 3i + 3d + 30 for member i on day d.
    assert_eq!(
        e.member_totals(2, var("spawned")),
        [36.0, 39.0, 42.0, 45.0, 48.0]
    );
    // in_camps = population of C = i + d + 20.
    assert_eq!(
        e.member_totals(0, var("in_camps")),
        [20.0, 21.0, 22.0, 23.0, 24.0]
    );
    // Nobody is admitted in any member: a constant cell, one value per member.
    assert_eq!(e.member_totals(1, var("admitted")), [0.0; 5]);
    assert_eq!(e.member_totals.len(), 3 * TOTAL_VARIABLES.len() * 5);
}

fn write_with_threads(threads: usize, runs: usize) -> Vec<(String, Vec<u8>)> {
    let s = scenario(40);
    let e = on_threads(threads, || {
        run_ensemble_with(&s, &EnsembleOptions::new(runs, 99), &noisy, &|_| {})
    })
    .unwrap();
    written_files(&e)
}

#[test]
fn output_bytes_do_not_depend_on_the_thread_count() {
    // 300 members: more than one batch, so batching is exercised too.
    let one = write_with_threads(1, 300);
    let three = write_with_threads(3, 300);
    let names: Vec<&str> = one.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        names,
        ["daily_stats.csv", "summary.json", "totals_stats.csv"]
    );
    assert_same_on_1_and_3_threads(&one, &three);
    // The statistics really vary between members (the test could otherwise pass trivially).
    let daily = String::from_utf8(one[0].1.clone()).unwrap();
    let row = line_starting(&daily, "5,2024-01-04,A,conflict_zone,population,");
    let sd: f64 = row.split(',').nth(6).unwrap().parse().unwrap();
    // Uniform on 0..999: sd ≈ 288.7.
    assert!((sd - 288.7).abs() < 30.0, "{row}");
}

#[test]
fn errors_name_the_problem() {
    let s = scenario(2);
    let e = run_ensemble_with(&s, &EnsembleOptions::new(0, 1), &noisy, &|_| {}).unwrap_err();
    assert!(e.to_string().contains("runs"), "{e}");

    // A failing member is named with its seed.
    let failing = |_: &Scenario, ro: &RunOptions| {
        if ro.seed == member_seed(1, 2) {
            Err(ModelError::InvalidScenario("boom".into()))
        } else {
            noisy(&scenario(2), ro)
        }
    };
    let e = run_ensemble_with(&s, &EnsembleOptions::new(4, 1), &failing, &|_| {}).unwrap_err();
    assert!(matches!(e, EnsembleError::Member { member: 2, .. }), "{e}");
    assert!(e.to_string().contains(&member_seed(1, 2).to_string()));

    // Members that disagree on the number of days are an engine bug, reported.
    let ragged = |sc: &Scenario, ro: &RunOptions| {
        let mut r = noisy(sc, ro)?;
        if ro.seed == member_seed(1, 1) {
            r.days.pop();
        }
        Ok(r)
    };
    let e = run_ensemble_with(&s, &EnsembleOptions::new(3, 1), &ragged, &|_| {}).unwrap_err();
    assert!(
        e.to_string()
            .contains("member 1: number of days is 1, expected 2"),
        "{e}"
    );

    // A per-location vector of the wrong length.
    let short = |sc: &Scenario, ro: &RunOptions| {
        let mut r = noisy(sc, ro)?;
        r.days[0].population.pop();
        Ok(r)
    };
    let e = run_ensemble_with(&s, &EnsembleOptions::new(2, 1), &short, &|_| {}).unwrap_err();
    assert!(
        e.to_string().contains("population length is 2, expected 3"),
        "{e}"
    );
}

#[test]
fn progress_counts_every_member() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let max = AtomicUsize::new(0);
    let calls = AtomicUsize::new(0);
    let s = scenario(2);
    run_ensemble_with(&s, &EnsembleOptions::new(17, 1), &noisy, &|d| {
        calls.fetch_add(1, Ordering::Relaxed);
        max.fetch_max(d, Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(calls.load(Ordering::Relaxed), 17);
    assert_eq!(max.load(Ordering::Relaxed), 17);
}

/// The camp's final population is 1000·camp_weight + 10·softening (rounded), so
/// camp_weight explains (1000²·var)/(1000²·var + 10²·var) of the variance for
/// equal ranges.
fn by_settings(s: &Scenario, ro: &RunOptions) -> Result<RunOutput, ModelError> {
    let m = &s.settings.move_rules;
    let camp = (1000.0 * m.camp_weight + 10.0 * m.softening).round() as u64;
    let days = (0..ro.days.unwrap_or(s.days))
        .map(|d| DayRecord {
            day: d,
            population: vec![0, 0, camp],
            accounting: Accounting {
                spawned: camp,
                ..Accounting::default()
            },
            ..DayRecord::default()
        })
        .collect();
    Ok(RunOutput {
        seed: ro.seed,
        days,
        warnings: vec![],
    })
}

#[test]
fn sobol_sweep_attributes_variance_to_the_right_parameter() {
    let s = scenario(2);
    let params = vec![
        ParamRange {
            name: "move_rules.camp_weight".into(),
            low: 1.0,
            high: 3.0,
        },
        ParamRange {
            name: "move_rules.softening".into(),
            low: 5.0,
            high: 7.0,
        },
    ];
    let opts = SweepOptions::new(SweepMethod::Sobol, 256, 8);
    let t = sweep_with(&s, &params, &opts, &by_settings, &|_, _| {}).unwrap();
    assert_eq!(t.rows.len(), 256 * 4);
    assert_eq!(t.outputs, ["ard", "ard_rescaled", "in_camps", "spawned"]);
    for r in &t.rows {
        assert!((1.0..=3.0).contains(&r.params[0]) && (5.0..=7.0).contains(&r.params[1]));
        assert_eq!(
            r.outputs[2],
            (1000.0 * r.params[0] + 10.0 * r.params[1]).round()
        );
    }
    // Variance shares: 1000² : 10² -> S ≈ 0.9999 and 0.0001.
    let s1 = t.index("in_camps", "move_rules.camp_weight", "S1").unwrap();
    let st2 = t.index("in_camps", "move_rules.softening", "ST").unwrap();
    assert!((s1 - 1.0).abs() < 0.02, "S1 camp_weight {s1}");
    assert!(st2.abs() < 0.01, "ST softening {st2}");

    let dir = tempfile::tempdir().unwrap();
    t.write_dir(dir.path()).unwrap();
    let csv = read(dir.path(), "sweep.csv");
    assert_eq!(
        csv.lines().next().unwrap(),
        "sample,move_rules.camp_weight,move_rules.softening,ard,ard_rescaled,in_camps,spawned"
    );
    assert_eq!(csv.lines().count(), 1 + 1024);
    let ind = read(dir.path(), "sensitivity.csv");
    assert_eq!(ind.lines().next().unwrap(), "output,param,index,value");
    assert_eq!(ind.lines().count(), 1 + 4 * 2 * 2);
    assert!(ind.contains("in_camps,move_rules.camp_weight,S1,"));
}

#[test]
fn lhs_sweep_regression_and_thread_independence() {
    let s = scenario(2);
    let params = vec![
        ParamRange {
            name: "move_rules.camp_weight".into(),
            low: 1.0,
            high: 2.0,
        },
        ParamRange {
            name: "move_rules.softening".into(),
            low: 0.0,
            high: 100.0,
        },
    ];
    let opts = SweepOptions::new(SweepMethod::Lhs, 200, 4);
    let run = |threads| {
        on_threads(threads, || {
            sweep_with(&s, &params, &opts, &by_settings, &|_, _| {}).unwrap()
        })
    };
    let t = run(1);
    let bytes = |t: &corridor_ensemble::SweepTable| {
        let mut b = Vec::new();
        t.write_samples(&mut b).unwrap();
        t.write_indices(&mut b).unwrap();
        b
    };
    assert!(
        bytes(&t) == bytes(&run(3)),
        "sweep differs between 1 and 3 threads"
    );
    // in_camps = 1000·cw + 10·soft with equal variances of the two terms
    // (1000·1/√12 vs 10·100/√12): SRC ≈ 1/√2 each, R² ≈ 1 (rounding aside).
    for p in ["move_rules.camp_weight", "move_rules.softening"] {
        let v = t.index("in_camps", p, "SRC").unwrap();
        assert!((v - 0.5f64.sqrt()).abs() < 0.03, "{p}: {v}");
    }
    assert!(t.index("in_camps", "", "R2").unwrap() > 0.999);
}

#[test]
fn sweep_rejects_bad_parameters() {
    let s = scenario(2);
    let opts = SweepOptions::new(SweepMethod::Lhs, 10, 1);
    let bad = |name: &str, low, high| {
        let p = [ParamRange {
            name: name.into(),
            low,
            high,
        }];
        sweep_with(&s, &p, &opts, &by_settings, &|_, _| {})
            .unwrap_err()
            .to_string()
    };
    let e = bad("move_rules.nope", 0.0, 1.0);
    assert!(
        e.contains("unknown parameter `move_rules.nope`") && e.contains("move_rules.camp_weight"),
        "{e}"
    );
    assert!(bad("move_rules.camp_movechance", 0.5, 1.5).contains("between 0 and 1"));
    assert!(bad("move_rules.softening", 2.0, 1.0).contains("low ≤ high"));
}
