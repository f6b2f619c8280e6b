//! corridor's accuracy on the Flee instances that ship with validation data, against what Flee
//! itself scores on them (tests/data/flee/REFERENCE.md): the claim in README.md and
//! docs/validation.md that corridor matches Flee's accuracy, asserted in CI.
//!
//! Each instance runs the agent engine with two fixed seeds; the mean ARD and rescaled ARD must
//! lie within a tolerance of Flee's. Tolerances come from measurements (seeds 1 and 2, release
//! build, Dec 2026): the gap between corridor's mean and Flee's one run plus a margin of about
//! 0.015 — seed-to-seed spread is about 0.001 here, Flee's own run-to-run spread about ±0.004
//! (mali2012). mali2012 is asserted in `flee_rules.rs`.

use corridor_model::{metrics, simulate, RunOptions, Scenario};

fn instance(name: &str) -> Scenario {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/flee")
        .join(name);
    corridor_io::flee::read_flee_instance(&dir)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .scenario
}

/// Mean (ARD, rescaled ARD) over seeds 1 and 2.
fn mean_ard(name: &str) -> (f64, f64) {
    let sc = instance(name);
    let mut sum = (0.0, 0.0);
    for seed in [1, 2] {
        let out = simulate(
            &sc,
            &RunOptions {
                seed,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(out.days.len(), sc.days as usize, "{name}: whole period");
        let v = metrics::validate(&sc, &out).expect("camp data");
        println!(
            "{name} seed {seed}: ARD {:.4}, rescaled {:.4}",
            v.ard, v.ard_rescaled
        );
        sum.0 += v.ard / 2.0;
        sum.1 += v.ard_rescaled / 2.0;
    }
    sum
}

fn check(name: &str, flee: (f64, f64), tol: f64) {
    let (ard, resc) = mean_ard(name);
    assert!(
        (ard - flee.0).abs() <= tol,
        "{name}: mean ARD {ard:.4}, Flee {:.3}, tolerance {tol}",
        flee.0
    );
    assert!(
        (resc - flee.1).abs() <= tol,
        "{name}: mean rescaled ARD {resc:.4}, Flee {:.3}, tolerance {tol}",
        flee.1
    );
}

/// Flee: 0.587 / 0.536; corridor 0.622 / 0.571, 0.035 above (cause not found; see
/// docs/flee-compat.md).
#[test]
fn burundi2015_ard_close_to_flee() {
    check("burundi2015", (0.587, 0.536), 0.05);
}

/// Flee: 0.502 / 0.536; corridor 0.503 / 0.537.
#[test]
fn ssudan2013_ard_close_to_flee() {
    check("ssudan2013", (0.502, 0.536), 0.02);
}

/// Flee: 0.373 / 0.432; corridor 0.377 / 0.436.
#[test]
fn car2013_ard_close_to_flee() {
    check("car2013", (0.373, 0.432), 0.02);
}
