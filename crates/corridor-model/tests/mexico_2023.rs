//! The built-in scenario (scenarios/mexico-2023) end to end: runtime, monthly
//! encounters against CBP's Jul–Sep 2023 numbers, and the direction in which each
//! policy variant moves the outputs. Slow in debug builds; the end-to-end printout runs with
//! `cargo test --release -p corridor-model --test mexico_2023 -- --ignored --nocapture`, the
//! variant directions in CI.

use corridor_model::border::monthly::{monthly, OFO};
use corridor_model::{simulate, DayRecord, RunOptions, RunOutput, Scenario};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mexico-2023")
}

fn scenario() -> (Scenario, u64) {
    let inst = corridor_io::scenario::read_scenario(&dir().join("scenario.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    (inst.scenario, inst.seed.unwrap_or(1))
}

/// CBP encounters per (component, area) for the months `YYYY-MM` given.
fn cbp(months: &[&str]) -> BTreeMap<(String, String), u64> {
    let text = std::fs::read_to_string(dir().join("data/cbp_monthly_to_2023-09.csv")).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let month = format!("{}-{:02}", f[1], f[2].parse::<u32>().unwrap());
        if months.contains(&month.as_str()) {
            *out.entry((f[3].to_string(), f[4].to_string())).or_insert(0) +=
                f[6].parse::<u64>().unwrap();
        }
    }
    out
}

fn run(sc: &Scenario, seed: u64) -> (RunOutput, f64) {
    let t = Instant::now();
    let out = simulate(
        sc,
        &RunOptions {
            seed,
            ..Default::default()
        },
    )
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    for d in &out.days {
        assert!(d.accounting.balances(), "day {}", d.day);
    }
    (out, secs)
}

/// Model encounters per (component, area) summed over the months given (people).
fn model_months(
    sc: &Scenario,
    out: &RunOutput,
    months: &[&str],
) -> BTreeMap<(String, String), u64> {
    let hasten = sc.settings.optimisations.hasten as u64;
    let mut m = BTreeMap::new();
    for r in monthly(&sc.border, sc.start_date, &out.days, hasten) {
        if months.contains(&r.month.as_str()) {
            *m.entry((r.component.to_string(), r.area_of_responsibility))
                .or_insert(0) += r.encounters;
        }
    }
    m
}

fn sum_days(out: &RunOutput, from: usize, to: usize, f: impl Fn(&DayRecord) -> u64) -> u64 {
    out.days[from..to].iter().map(f).sum()
}

#[test]
#[ignore]
fn mexico_2023_end_to_end() {
    let (sc, seed) = scenario();
    let (out, secs) = run(&sc, seed);
    let last = out.days.last().unwrap();
    println!(
        "mexico-2023: {} days in {secs:.2} s; spawned {} agents; final {:?}",
        out.days.len(),
        last.accounting.spawned,
        last.accounting
    );
    for w in &out.warnings {
        println!("warning: {w}");
    }
    let months = ["2023-07", "2023-08", "2023-09"];
    let obs = cbp(&months);
    let sim = model_months(&sc, &out, &months);
    println!("Jul-Sep 2023 (people): component | area | model | CBP | ratio");
    let (mut so, mut oo, mut sb, mut ob) = (0, 0, 0, 0);
    for ((c, a), &m) in &sim {
        let o = obs.get(&(c.clone(), a.clone())).copied().unwrap_or(0);
        println!("{c} | {a} | {m} | {o} | {:.2}", m as f64 / o.max(1) as f64);
        if c == OFO {
            so += m;
            oo += o;
        } else {
            sb += m;
            ob += o;
        }
    }
    println!("OFO total {so} vs {oo}; USBP total {sb} vs {ob}");
    // OFO admissions by appointment and walk-up, Jul-Sep (days 30..122).
    let appt = sum_days(&out, 30, 122, |d| {
        d.ports.iter().map(|p| p.by_appointment).sum()
    });
    let walk = sum_days(&out, 30, 122, |d| d.ports.iter().map(|p| p.walk_up).sum());
    println!("Jul-Sep admissions: by appointment {appt}, walk-up {walk}");
    for m in [
        "2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03",
    ] {
        let s = model_months(&sc, &out, &[m]);
        let ofo: u64 = s.iter().filter(|(k, _)| k.0 == OFO).map(|(_, v)| v).sum();
        let bp: u64 = s.iter().filter(|(k, _)| k.0 != OFO).map(|(_, v)| v).sum();
        println!("{m}: OFO {ofo}, USBP {bp}");
    }
}

/// The four variants against the baseline, same seed: each moves the outputs the
/// expected way (the directions README.md and docs/model.md state). Runs in CI: four runs
/// of the whole period on the agent engine.
#[test]
fn mexico_2023_variants() {
    let (sc, seed) = scenario();
    let with = |v: &str| {
        let mut s = sc.clone();
        s.border.apply_variant(v).unwrap();
        let (out, secs) = run(&s, seed);
        println!("{v}: {secs:.2} s");
        out
    };
    let base = with("baseline");
    let closed = with("ports-stay-closed");
    let contain = with("containment-plus");
    let appts = with("appointments-x2");
    let jan = corridor_model::Date::parse("2024-01-01")
        .unwrap()
        .days_since(sc.start_date) as usize;
    let dec28 = corridor_model::Date::parse("2023-12-28")
        .unwrap()
        .days_since(sc.start_date) as usize;
    let end = sc.days as usize;
    let ports = [
        "Lukeville POE",
        "San Ysidro POE",
        "Eagle Pass POE",
        "Nogales POE",
    ];
    let port_idx: Vec<usize> = ports
        .iter()
        .map(|n| sc.border.ports.iter().position(|p| p.name == *n).unwrap())
        .collect();
    let cities: Vec<usize> = sc.border.crossings.iter().map(|c| c.border_city).collect();
    let adm_at = |o: &RunOutput| -> u64 {
        sum_days(o, jan, end, |d| {
            port_idx.iter().map(|&p| d.ports[p].admitted).sum()
        })
    };
    let adm_all =
        |o: &RunOutput| sum_days(o, jan, end, |d| d.ports.iter().map(|p| p.admitted).sum());
    let enc = |o: &RunOutput, from: usize| sum_days(o, from, end, |d| d.encountered.iter().sum());
    // People waiting in the border cities (not queued), mean per day.
    let waiting = |o: &RunOutput| {
        sum_days(o, jan, end, |d| {
            cities.iter().map(|&c| d.population[c]).sum::<u64>()
        }) / (end - jan) as u64
    };
    let queued = |o: &RunOutput| {
        sum_days(o, jan, end, |d| {
            d.ports.iter().map(|p| p.queue).sum::<u64>()
        }) / (end - jan) as u64
    };
    let arrivals = |o: &RunOutput| {
        sum_days(o, dec28, end, |d| {
            cities.iter().map(|&c| d.arrived[c]).sum()
        })
    };
    let icp = |o: &RunOutput| sum_days(o, dec28, end, |d| d.checkpoints.iter().sum());
    let wait = |o: &RunOutput| {
        let (mut w, mut n) = (0.0, 0u64);
        for d in &o.days[jan..end] {
            for p in &d.ports {
                w += p.mean_wait_days * p.admitted as f64;
                n += p.admitted;
            }
        }
        w / n.max(1) as f64
    };
    println!("Jan-Mar 2024 (agents = people at hasten 1)");
    println!("variant | adm. 4 ports | adm. all | in border cities/day | in port queues/day | enc. | arrivals at border from Dec 28 | interceptions from Dec 28 | mean queue wait");
    for (name, o) in [
        ("baseline", &base),
        ("ports-stay-closed", &closed),
        ("containment-plus", &contain),
        ("appointments-x2", &appts),
    ] {
        println!(
            "{name} | {} | {} | {} | {} | {} | {} | {} | {:.2}",
            adm_at(o),
            adm_all(o),
            waiting(o),
            queued(o),
            enc(o, jan),
            arrivals(o),
            icp(o),
            wait(o)
        );
    }
    // Identical before the first variant event (same seed, same events).
    assert_eq!(base.days[..dec28], contain.days[..dec28]);
    assert!(adm_at(&closed) < adm_at(&base));
    assert!(waiting(&closed) > waiting(&base));
    assert!(enc(&closed, jan) > enc(&base, jan));
    assert!(arrivals(&contain) < arrivals(&base));
    assert!(icp(&contain) > icp(&base));
    assert!(adm_all(&appts) > adm_all(&base));
    assert!(enc(&appts, jan) < enc(&base, jan));
    assert!(wait(&appts) < wait(&base));
}
