//! Ensembles and sweeps with the real engine on a small Flee-like scenario built
//! programmatically (conflict zone → town → two camps, constant spawning).

mod common;

use common::{assert_same_on_1_and_3_threads, on_threads, written_files};
use corridor_ensemble::{
    member_seed, run_ensemble, sweep, CampObservations, EnsembleOptions, ParamRange, SweepMethod,
    SweepOptions, DAILY_VARIABLES, TOTAL_VARIABLES,
};
use corridor_model::{simulate, RunOptions, Scenario};

/// 30 days; 700 and 300 people observed in the camps by the end.
fn flee_like() -> Scenario {
    common::toy::flee_like("flee-like", 30, [700.0, 300.0])
}

fn files_with_threads(threads: usize) -> Vec<(String, Vec<u8>)> {
    let s = flee_like();
    let e = on_threads(threads, || run_ensemble(&s, &EnsembleOptions::new(24, 5))).unwrap();
    written_files(&e)
}

#[test]
fn engine_ensemble_is_identical_for_1_and_3_threads() {
    let one = files_with_threads(1);
    let three = files_with_threads(3);
    assert_eq!(one.len(), 3);
    assert_same_on_1_and_3_threads(&one, &three);
}

#[test]
fn one_member_ensemble_reproduces_the_direct_run() {
    let s = flee_like();
    let e = run_ensemble(&s, &EnsembleOptions::new(1, 77)).unwrap();
    let run = simulate(
        &s,
        &RunOptions {
            seed: member_seed(77, 0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(e.days.len(), run.days.len());
    let pop = DAILY_VARIABLES
        .iter()
        .position(|v| *v == "population")
        .unwrap();
    let arrived = DAILY_VARIABLES
        .iter()
        .position(|v| *v == "arrived")
        .unwrap();
    for (di, rec) in run.days.iter().enumerate() {
        for l in 0..s.locations.len() {
            let st = e.daily(di, l, pop);
            assert_eq!(st.mean, rec.population[l] as f64);
            assert_eq!((st.p5, st.p50, st.p95), (st.mean, st.mean, st.mean));
            assert!(st.sd.is_nan());
            assert_eq!(e.daily(di, l, arrived).mean, rec.arrived[l] as f64);
        }
    }
    let obs = CampObservations::new(&s, s.days).unwrap();
    let ard = obs.ard(&run).unwrap();
    assert_eq!(e.ard.as_ref().unwrap().values, vec![ard.ard]);
    assert_eq!(
        e.ard_rescaled.as_ref().unwrap().values,
        vec![ard.ard_rescaled]
    );
    // Same definition as the model's own validation (out.csv / summary.json).
    let v = corridor_model::metrics::validate(&s, &run).unwrap();
    assert!((v.ard - ard.ard).abs() < 1e-12, "{} vs {}", v.ard, ard.ard);
    assert!((v.ard_rescaled - ard.ard_rescaled).abs() < 1e-12);
}

#[test]
fn ensemble_statistics_are_consistent() {
    let s = flee_like();
    let e = run_ensemble(&s, &EnsembleOptions::new(40, 3)).unwrap();
    assert_eq!(e.runs, 40);
    let last = e.days.len() - 1;
    let t = |name: &str| TOTAL_VARIABLES.iter().position(|v| *v == name).unwrap();
    // Conservation holds member by member, so it holds for the means.
    for di in 0..e.days.len() {
        let m = |name| e.total(di, t(name)).mean;
        let parts = m("at_locations")
            + m("on_links")
            + m("in_queues")
            + m("in_transit")
            + m("admitted")
            + m("encountered")
            + m("removed");
        assert!((m("spawned") - parts).abs() < 1e-6, "day {di}");
    }
    // Poisson spawning at 40/day for 30 days: about 1,200 agents, varying by member.
    let spawned = e.total(last, t("spawned"));
    assert!((spawned.mean - 1200.0).abs() < 60.0, "{spawned:?}");
    assert!(spawned.sd > 5.0 && spawned.sd < 60.0, "{spawned:?}");
    assert!(spawned.p5 < spawned.p50 && spawned.p50 < spawned.p95);
    // People reach the camps, and camp C (closer) gets more than D on average.
    let pop = DAILY_VARIABLES
        .iter()
        .position(|v| *v == "population")
        .unwrap();
    let c = e.daily(last, 2, pop).mean;
    let d = e.daily(last, 3, pop).mean;
    assert!(c > 0.0 && d > 0.0 && c > d, "C {c}, D {d}");
    let ard = e.ard.as_ref().unwrap();
    assert_eq!(ard.values.len(), 40);
    assert!(ard.stats.sd > 0.0 && ard.stats.p5 <= ard.stats.p95);
    assert!(
        ard.values.iter().all(|v| (0.0..=2.0).contains(v)),
        "{:?}",
        ard.values
    );
}

#[test]
fn engine_sweep_over_the_move_chance() {
    // The default move chance drives how fast people leave the town for the
    // camps: a larger value puts more people in camps by day 30.
    let s = flee_like();
    let params = [ParamRange {
        name: "move_rules.default_movechance".into(),
        low: 0.05,
        high: 0.9,
    }];
    let t = sweep(&s, &params, &SweepOptions::new(SweepMethod::Lhs, 12, 2)).unwrap();
    assert_eq!(t.rows.len(), 12);
    let src = t
        .index("in_camps", "move_rules.default_movechance", "SRC")
        .unwrap();
    assert!(src > 0.5, "SRC {src}");
}
