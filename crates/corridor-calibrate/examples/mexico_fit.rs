//! The built-in scenario's fit (crate::objective) in the fit window Jul–Aug 2023,
//! on September 2023 held out and over Jul–Sep, for the shipped values or with
//! parameters overridden, on either engine and several seeds: how the refit in
//! scenarios/mexico-2023/SOURCES.md was checked.
//!
//! `cargo run --release -p corridor-calibrate --example mexico_fit -- [--engine counts]
//! [--seeds N] [--dir SCENARIO_DIR] [NAME=VALUE ...]` (names as `corridor calibrate
//! --param`; `--dir` scores another copy of the scenario, e.g. an older version). Seeds are
//! `member_seed(scenario seed, i)`, one run each, scored one by one; prints one
//! line per (seed, window) and the mean over seeds.

use corridor_calibrate::encounters::read_cbp;
use corridor_calibrate::objective::{read_stock_targets, FitObjective};
use corridor_calibrate::scenario_cal::fit_scenario;
use corridor_ensemble::set_params;
use corridor_model::EngineKind;
use std::path::PathBuf;

fn main() {
    let mut engine = EngineKind::Agents;
    let mut seeds = 1usize;
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mexico-2023");
    let mut names = Vec::new();
    let mut values = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--engine" => {
                engine = match args.next().as_deref() {
                    Some("counts") => EngineKind::Counts,
                    Some("agents") => EngineKind::Agents,
                    e => panic!("--engine agents|counts, not {e:?}"),
                }
            }
            "--seeds" => seeds = args.next().and_then(|s| s.parse().ok()).expect("--seeds N"),
            "--dir" => dir = PathBuf::from(args.next().expect("--dir PATH")),
            p => {
                let (n, v) = p.split_once('=').expect("NAME=VALUE");
                names.push(n.to_string());
                values.push(v.parse::<f64>().expect("a number"));
            }
        }
    }
    let inst = corridor_io::scenario::read_scenario(&dir.join("scenario.toml")).unwrap();
    let mut sc = inst.scenario;
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    set_params(&mut sc, &refs, &values).unwrap();
    let obs = read_cbp(&dir.join("data/cbp_monthly_to_2023-09.csv")).unwrap();
    let objective = FitObjective {
        stocks: read_stock_targets(&dir.join("data/stocks_to_2023-09.csv")).unwrap(),
        ..FitObjective::default()
    };
    let seed = inst.seed.unwrap_or(1);
    let windows: [(&str, &[&str]); 3] = [
        ("Jul-Aug", &["2023-07", "2023-08"]),
        ("Sep", &["2023-09"]),
        ("Jul-Sep", &["2023-07", "2023-08", "2023-09"]),
    ];
    let mut sums = [0.0; 3];
    for i in 0..seeds {
        let s = corridor_ensemble::member_seed(seed, i);
        for (k, (label, months)) in windows.iter().enumerate() {
            let months: Vec<String> = months.iter().map(|m| m.to_string()).collect();
            // One run whose own seed is `s`: fit_scenario seeds member 0 with member_seed(seed, 0).
            let fit = if i == 0 {
                fit_scenario(&sc, &obs, &objective, &months, 1, seed, engine)
            } else {
                fit_scenario(&sc, &obs, &objective, &months, 1, s, engine)
            }
            .unwrap();
            let t = &fit.terms;
            let f = |x: Option<f64>| x.map_or("n/a".into(), |a| format!("{a:.3}"));
            println!(
                "seed {i} {label}: total {:.3} cells {} shares {} sectors {} walk-ups {} ({:.0}/{:.0}) stocks {}",
                t.total,
                f(t.cells),
                f(t.shares),
                f(t.sectors),
                f(t.walk_ups),
                t.walk_ups_simulated,
                t.walk_ups_observed,
                f(t.stocks)
            );
            if *label == "Jul-Sep" && i == 0 {
                for (a, s, o) in &t.sector_totals {
                    println!("   {a}: {s:.0} / {o:.0} = {:.2}", s / o.max(1.0));
                }
                for st in &t.stock_fits {
                    println!(
                        "   {} {}: {:.0} in [{}, {}]",
                        st.date,
                        st.locations.join(";"),
                        st.simulated,
                        st.low,
                        st.high
                    );
                }
                for c in fit
                    .cells
                    .cells
                    .iter()
                    .filter(|c| c.component != "U.S. Border Patrol")
                {
                    println!(
                        "   {} {}: {:.0} / {:.0}",
                        c.month, c.area_of_responsibility, c.simulated, c.observed
                    );
                }
            }
            sums[k] += t.total;
        }
    }
    for (k, (label, _)) in windows.iter().enumerate() {
        println!(
            "mean over {seeds} seed(s), {label}: {:.4}",
            sums[k] / seeds as f64
        );
    }
}
