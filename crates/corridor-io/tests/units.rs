//! Units of the run files: daily.csv, ports.csv and summary.json count people
//! (agents × `hasten`), so the same scenario run with one agent per 10 people and
//! with one agent per person reports the same people, within the noise of the
//! draws. Uses examples/caravan (8,000 people waiting in Tapachula, a 6,000-person
//! caravan, hasten 10 in the example) and the same scenario at hasten 1.

use corridor_io::scenario::read_scenario;
use corridor_io::write::{key_numbers, render_daily_csv};
use corridor_model::{simulate, EngineKind, RunOptions, Scenario};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/caravan")
}

/// The caravan example with `optimisations.hasten` set to `hasten`, read back.
fn caravan_at(hasten: u32, dir: &Path) -> Scenario {
    for f in ["locations.csv", "routes.csv"] {
        std::fs::copy(example().join(f), dir.join(f)).unwrap();
    }
    let toml = std::fs::read_to_string(example().join("scenario.toml")).unwrap();
    assert!(toml.contains("optimisations.hasten = 10"), "{toml}");
    let toml = toml.replace(
        "optimisations.hasten = 10",
        &format!("optimisations.hasten = {hasten}"),
    );
    std::fs::write(dir.join("scenario.toml"), toml).unwrap();
    read_scenario(&dir.join("scenario.toml")).unwrap().scenario
}

/// Last day's people per location, from daily.csv: at the location plus on the
/// links toward it.
fn last_day_people(s: &Scenario, seed: u64) -> BTreeMap<String, f64> {
    let run = simulate(
        s,
        &RunOptions {
            seed,
            days: None,
            engine: EngineKind::Agents,
        },
    )
    .unwrap();
    let daily = render_daily_csv(s, &run).unwrap();
    let last = run.days.last().unwrap().day.to_string();
    let mut out = BTreeMap::new();
    for line in daily.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == last {
            let at: f64 = f[4].parse().unwrap();
            let toward: f64 = f[5].parse().unwrap();
            out.insert(f[2].to_string(), at + toward);
        }
    }
    // summary.json's key numbers use the same unit: nobody is admitted here,
    // and the waiting count is over border places, of which there are none.
    assert_eq!(key_numbers(s, &run).unwrap().admitted, 0);
    out
}

#[test]
fn hasten_10_reports_the_same_people_as_hasten_1() {
    let (d1, d10) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (s1, s10) = (caravan_at(1, d1.path()), caravan_at(10, d10.path()));
    assert_eq!(s10.settings.optimisations.hasten, 10);
    // Averages over a few seeds, so that the test measures the unit and not one
    // draw.
    let seeds = [1u64, 2, 3];
    let mean = |s: &Scenario| {
        let mut sum: BTreeMap<String, f64> = BTreeMap::new();
        for &seed in &seeds {
            for (k, v) in last_day_people(s, seed) {
                *sum.entry(k).or_default() += v / seeds.len() as f64;
            }
        }
        sum
    };
    let (m1, m10) = (mean(&s1), mean(&s10));
    let total1: f64 = m1.values().sum();
    let total10: f64 = m10.values().sum();
    // Everyone is created on day 0 and nobody leaves: 8,000 people either way.
    assert_eq!(
        (total1.round(), total10.round()),
        (8000.0, 8000.0),
        "{m1:?} {m10:?}"
    );
    for (name, &p1) in &m1 {
        let p10 = m10[name];
        // Within noise: 600 caravan agents split by shares 0.3/0.6 vary by about
        // 100 people at hasten 10; 5 % of everyone is about four such spreads.
        assert!(
            (p1 - p10).abs() <= 400.0,
            "{name}: {p1} people at hasten 1, {p10} at hasten 10"
        );
    }
}
