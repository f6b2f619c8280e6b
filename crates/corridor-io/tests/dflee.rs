//! The two DFlee instances of `tests/data/flee/` (flood-driven displacement):
//! they read with Flee's settings and run, and corridor's per-location
//! trajectories agree with Flee's own runs, on both engines.
//!
//! Flee's out.csv "Total error" is 0 on these instances (their data hold no camp
//! totals), so the comparison is of trajectories: `dflee-reference.csv` holds,
//! per instance, day and out.csv column, the mean and standard deviation over
//! repeated runs of Flee from the reference source (Flee is unseeded; see
//! `tests/data/flee/REFERENCE.md`). corridor's mean over seeds 1–5 must lie
//! within `4 × sd × sqrt(1/runs + 1/5) + 1` agents of Flee's mean: four standard
//! errors of the difference of two means, with Flee's measured spread standing
//! for both (the `+ 1` covers columns where Flee never varied).
//!
//! Known exceptions (`EXPECTED_OFF`, all in Ethiopia_dflee; dflee_example has
//! none): camps whose capacity binds on the days of heavy spawning, and the place
//! their overflow goes to (corridor checks capacity with the occupancy at the
//! start of a pass, serial Flee at each agent's turn: a deliberate difference,
//! docs/flee-compat.md, which lets small full camps overshoot further); and five
//! Afar flood zones after day ~13, where Flee's own runs fall into two regimes and
//! corridor follows the rarer one (tests/data/flee/REFERENCE.md). The test also
//! fails if a listed entry comes within the tolerance, so that the list stays exact.
//! The count engine has its own list (`EXPECTED_OFF_COUNTS`): same law, other
//! draws, so other entries near the tolerance fall outside with seeds 1–5.

use corridor_io::flee::read_flee_instance;
use corridor_model::{simulate, EngineKind, RunOptions};
use std::path::{Path, PathBuf};

const SEEDS: u64 = 5;

/// (instance, day, location): off by more than the tolerance, with the reason above.
const EXPECTED_OFF: &[(&str, u32, &str)] = &[
    // Camps whose capacity binds (hasten 100 leaves Albula_Lencha 1 place,
    // Andido 26, Hassoba 22): corridor overshoots further.
    ("Ethiopia_dflee", 5, "Albula_Lencha"),
    ("Ethiopia_dflee", 5, "Andido"),
    ("Ethiopia_dflee", 5, "Hassoba"),
    ("Ethiopia_dflee", 15, "Albula_Lencha"),
    ("Ethiopia_dflee", 15, "Andido"),
    ("Ethiopia_dflee", 15, "Hassoba"),
    ("Ethiopia_dflee", 30, "Albula_Lencha"),
    // The flood zone at level 0 that takes the overflow when camps are full.
    ("Ethiopia_dflee", 5, "Konta"),
    ("Ethiopia_dflee", 15, "Konta"),
    // Afar flood zones from day ~13: Flee's runs split into two regimes (9 of 10
    // runs pile people up in Berta, Aysaita, ...; run 2 does not), and corridor's
    // seeds all follow the regime of Flee's run 2 (tests/data/flee/REFERENCE.md).
    ("Ethiopia_dflee", 15, "Aysaita"),
    ("Ethiopia_dflee", 15, "Berta"),
    ("Ethiopia_dflee", 15, "Dalifagi"),
    ("Ethiopia_dflee", 15, "Keliwan"),
    ("Ethiopia_dflee", 15, "Semera"),
    ("Ethiopia_dflee", 30, "Aysaita"),
    ("Ethiopia_dflee", 30, "Berta"),
    ("Ethiopia_dflee", 30, "Keliwan"),
    ("Ethiopia_dflee", 30, "Semera"),
];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/flee")
        .join(name)
}

struct Ref {
    instance: String,
    day: u32,
    column: usize,
    location: String,
    runs: f64,
    mean: f64,
    sd: f64,
}

fn reference() -> Vec<Ref> {
    let text = std::fs::read_to_string(data("dflee-reference.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Ref {
                instance: f[0].to_string(),
                day: f[1].parse().unwrap(),
                column: f[2].parse().unwrap(),
                location: f[3].to_string(),
                runs: f[4].parse().unwrap(),
                mean: f[5].parse().unwrap(),
                sd: f[6].parse().unwrap(),
            }
        })
        .collect()
}

/// Mean over seeds 1–5 of each out.csv column's population, per day.
fn corridor_means(instance: &str, engine: EngineKind) -> Vec<Vec<f64>> {
    let fi = read_flee_instance(&data(instance)).unwrap();
    let sc = &fi.scenario;
    let cols = sc.camp_locations();
    let mut sum = vec![vec![0.0; cols.len()]; sc.days as usize];
    for seed in 1..=SEEDS {
        let opts = RunOptions {
            seed,
            days: None,
            engine,
        };
        let out = simulate(sc, &opts).unwrap();
        for (t, rec) in out.days.iter().enumerate() {
            for (k, &c) in cols.iter().enumerate() {
                sum[t][k] += rec.population[c] as f64;
            }
        }
    }
    for row in &mut sum {
        for v in row.iter_mut() {
            *v /= SEEDS as f64;
        }
    }
    sum
}

/// The count engine's exceptions with its own seeds 1–5 (it has the agent
/// engine's law, `counts_vs_agents.rs` in corridor-model, but other draws, so
/// which entries near the tolerance fall outside differs): the same reasons,
/// camps whose capacity binds and the flood zone that takes their overflow.
/// Over 30 seeds both engines put Chiticha_Kuntufa ~25 people above Flee's
/// mean (agents 1,421 ± 7, counts 1,427 ± 8 on day 5; Flee 1,397 ± 22); the
/// agent engine's seeds 1–5 happen to stay within the tolerance. The Afar
/// flood zones' seeds 1–5 here follow Flee's majority regime.
const EXPECTED_OFF_COUNTS: &[(&str, u32, &str)] = &[
    ("Ethiopia_dflee", 5, "Andido"),
    ("Ethiopia_dflee", 15, "Andido"),
    ("Ethiopia_dflee", 5, "Chiticha_Kuntufa"),
    ("Ethiopia_dflee", 15, "Chiticha_Kuntufa"),
    ("Ethiopia_dflee", 30, "Chiticha_Kuntufa"),
    ("Ethiopia_dflee", 5, "Konta"),
    ("Ethiopia_dflee", 15, "Konta"),
];

#[test]
fn dflee_instances_follow_flees_trajectories() {
    follow_flee(EngineKind::Agents, EXPECTED_OFF);
}

#[test]
fn dflee_instances_follow_flees_trajectories_on_the_count_engine() {
    follow_flee(EngineKind::Counts, EXPECTED_OFF_COUNTS);
}

fn follow_flee(engine: EngineKind, expected_off: &[(&str, u32, &str)]) {
    let refs = reference();
    assert!(refs.len() > 200, "{} reference rows", refs.len());
    let mut failures = Vec::new();
    let mut off_seen = Vec::new();
    for instance in ["dflee_example", "Ethiopia_dflee"] {
        let means = corridor_means(instance, engine);
        for r in refs.iter().filter(|r| r.instance == instance) {
            let c = means[r.day as usize][r.column];
            let tol = 4.0 * r.sd * (1.0 / r.runs + 1.0 / SEEDS as f64).sqrt() + 1.0;
            let off = (c - r.mean).abs() > tol;
            let expected = expected_off
                .iter()
                .any(|&(i, d, l)| i == instance && d == r.day && l == r.location);
            if expected {
                off_seen.push((instance, r.day, r.location.clone(), off));
            }
            if off != expected {
                failures.push(format!(
                    "{instance} day {} {}: corridor {c:.1}, Flee {:.1} ± {:.1} (tolerance {tol:.1}){}",
                    r.day,
                    r.location,
                    r.mean,
                    r.sd,
                    if expected { ": listed as off but within" } else { "" }
                ));
            }
        }
    }
    assert_eq!(off_seen.len(), expected_off.len(), "{off_seen:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
