// TEMPORARY exploration harness (to be deleted).
use corridor_model::border::monthly::{monthly, OFO};
use corridor_model::{simulate, RunOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[test]
#[ignore]
fn explore() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mexico-2023");
    let inst = corridor_io::scenario::read_scenario(&dir.join("scenario.toml")).unwrap();
    let mut sc = inst.scenario;
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(fw) = env("FW") { sc.settings.move_rules.foreign_weight = fw; }
    if let Some(c) = env("OJ") {
        let i = sc.locations.iter().position(|l| l.name == "Ojinaga").unwrap();
        sc.locations[i].capacity = Some(c as u64);
    }
    if let Some(c) = env("CW") { sc.settings.move_rules.camp_weight = c; }
    if let Ok(v) = std::env::var("VAR") { sc.border.apply_variant(&v).unwrap(); }
    let out = simulate(&sc, &RunOptions { seed: inst.seed.unwrap_or(1), ..Default::default() }).unwrap();
    let text = std::fs::read_to_string(dir.join("data/cbp_monthly_to_2023-09.csv")).unwrap();
    let mut obs = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[1] == "2023" && ["7", "8", "9"].contains(&f[2]) {
            *obs.entry((f[3].to_string(), f[4].to_string())).or_insert(0u64) += f[6].parse::<u64>().unwrap();
        }
    }
    let mut sim = BTreeMap::new();
    for r in monthly(&sc.border, sc.start_date, &out.days, 1) {
        if ["2023-07", "2023-08", "2023-09"].contains(&r.month.as_str()) {
            *sim.entry((r.component.to_string(), r.area_of_responsibility)).or_insert(0u64) += r.encounters;
        }
    }
    for ((c, a), m) in &sim {
        let o = obs[&(c.clone(), a.clone())];
        println!("{} {a}: {m} vs {o} ({:.2})", if c == OFO {"OFO"} else {"BP"}, *m as f64 / o as f64);
    }
    let walk: u64 = out.days[30..122].iter().map(|d| d.ports.iter().map(|p| p.walk_up).sum::<u64>()).sum();
    let appt: u64 = out.days[30..122].iter().map(|d| d.ports.iter().map(|p| p.by_appointment).sum::<u64>()).sum();
    println!("appt {appt} walk {walk}");
    let last = out.days.last().unwrap();
    for (p, pd) in sc.border.ports.iter().zip(&last.ports) {
        print!("{}: q{} ", p.name, pd.queue);
    }
    println!();
    let cities: Vec<usize> = sc.border.crossings.iter().map(|c| c.border_city).collect();
    for t in [60usize, 121, 200, 304] {
        let d = &out.days[t];
        println!("day {t}: city pop {:?} total at border {}", cities.iter().map(|&c| d.population[c]).collect::<Vec<_>>(), cities.iter().map(|&c| d.population[c]).sum::<u64>());
    }
    println!("final {:?}", last.accounting);
}
