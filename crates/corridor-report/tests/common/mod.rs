//! Synthetic run directories for the report tests, written by hand according to
//! the output contract (docs/design.md §5): a Flee-like run, a corridor run
//! with ports and monthly encounters, a corridor ensemble, and a compare directory.
//! Values are smooth deterministic functions of the day so tests can assert
//! exact totals.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

pub fn write(dir: &Path, name: &str, text: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), text).unwrap();
}

/// `YYYY-MM-DD` of `start` + `days` (start given as (y, m, d)).
pub fn date(start: (i32, u32, u32), days: u32) -> String {
    let (mut y, mut m, mut d) = start;
    for _ in 0..days {
        let len = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            _ => 28,
        };
        d += 1;
        if d > len {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
    format!("{y:04}-{m:02}-{d:02}")
}

pub struct Loc {
    pub name: &'static str,
    pub kind: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub country: &'static str,
}

fn network_json(locs: &[Loc], links: &[(&str, &str, f64)], ports: &str) -> String {
    let locations: Vec<serde_json::Value> = locs
        .iter()
        .map(|l| {
            serde_json::json!({"name": l.name, "kind": l.kind, "lat": l.lat, "lon": l.lon,
                "country": l.country, "region": ""})
        })
        .collect();
    let links: Vec<serde_json::Value> = links
        .iter()
        .map(|(a, b, d)| serde_json::json!({"from": a, "to": b, "distance_km": d}))
        .collect();
    let ports: serde_json::Value = serde_json::from_str(ports).unwrap();
    serde_json::to_string_pretty(&serde_json::json!({
        "locations": locations, "links": links, "ports": ports
    }))
    .unwrap()
}

const DAILY_HEADER: &str = "day,date,location,kind,population,on_links_toward,queue,sheltered,unsheltered,arrived,departed,admitted,encountered,intercepted\n";

/// One row of daily.csv values after `day,date,location,kind`.
#[derive(Default, Clone, Copy)]
pub struct DailyRow {
    pub population: f64,
    pub queue: f64,
    pub unsheltered: f64,
    pub admitted: f64,
    pub encountered: f64,
    pub intercepted: f64,
}

impl DailyRow {
    fn values(&self) -> [(&'static str, f64); 10] {
        [
            ("population", self.population),
            ("on_links_toward", (self.population * 0.05).round()),
            ("queue", self.queue),
            ("sheltered", self.population - self.unsheltered),
            ("unsheltered", self.unsheltered),
            ("arrived", (self.population * 0.1).round()),
            ("departed", (self.population * 0.08).round()),
            ("admitted", self.admitted),
            ("encountered", self.encountered),
            ("intercepted", self.intercepted),
        ]
    }
}

// ------------------------------------------------------------------ Flee-like run

pub const FLEE_START: (i32, u32, u32) = (2012, 2, 29);

pub fn flee_locs() -> Vec<Loc> {
    vec![
        Loc {
            name: "Kidal",
            kind: "conflict_zone",
            lat: 18.44,
            lon: 1.40,
            country: "Mali",
        },
        Loc {
            name: "Timbuktu",
            kind: "conflict_zone",
            lat: 16.78,
            lon: -3.00,
            country: "Mali",
        },
        Loc {
            name: "Gao",
            kind: "town",
            lat: 16.27,
            lon: -0.04,
            country: "Mali",
        },
        Loc {
            name: "Menaka",
            kind: "marker",
            lat: 15.92,
            lon: 2.40,
            country: "Mali",
        },
        Loc {
            name: "Niamey",
            kind: "town",
            lat: 13.51,
            lon: 2.11,
            country: "Niger",
        },
        Loc {
            name: "Mbera",
            kind: "camp",
            lat: 15.64,
            lon: -5.76,
            country: "Mauritania",
        },
        Loc {
            name: "Abala",
            kind: "camp",
            lat: 14.93,
            lon: 3.43,
            country: "Niger",
        },
        Loc {
            name: "Mentao",
            kind: "camp",
            lat: 13.99,
            lon: -1.68,
            country: "Burkina Faso",
        },
    ]
}

/// Simulated people at Flee location `i` on `day`.
pub fn flee_pop(i: usize, day: u32) -> f64 {
    let t = day as f64;
    match i {
        0 => (3000.0 * (-t / 20.0).exp()).round(),
        1 => (5000.0 * (-t / 30.0).exp()).round(),
        2 => (800.0 + 400.0 * (t / 9.0).sin()).round(),
        3 => 0.0,
        4 => (600.0 + 2.0 * t).round(),
        5 => (20000.0 * (1.0 - (-t / 25.0).exp())).round(),
        6 => (9000.0 * (1.0 - (-t / 15.0).exp())).round(),
        _ => (6000.0 * (1.0 - (-t / 40.0).exp())).round(),
    }
}

/// Observed people at camp `i` (5, 6, 7) on `day`.
pub fn flee_obs(i: usize, day: u32) -> f64 {
    let t = day as f64;
    match i {
        5 => (24000.0 * (1.0 - (-t / 30.0).exp())).round(),
        6 => (7000.0 * (1.0 - (-t / 10.0).exp())).round(),
        _ => (6500.0 * (1.0 - (-t / 35.0).exp())).round(),
    }
}

/// A Flee-instance run: out.csv, observed.csv, daily.csv, network.json, summary.json.
pub fn flee_run(dir: &Path, days: u32) {
    let locs = flee_locs();
    let mut daily = String::from(DAILY_HEADER);
    for d in 0..days {
        for (i, l) in locs.iter().enumerate() {
            let row = DailyRow {
                population: flee_pop(i, d),
                ..Default::default()
            };
            let _ = write!(daily, "{d},{},{},{}", date(FLEE_START, d), l.name, l.kind);
            for (_, v) in row.values() {
                let _ = write!(daily, ",{v}");
            }
            daily.push('\n');
        }
    }
    write(dir, "daily.csv", &daily);
    // Observed data every 5 days (sparse, as UNHCR reports are).
    let mut obs = String::from("day,date,location,observed\n");
    for (i, camp) in locs.iter().enumerate().skip(5) {
        for d in (0..days).step_by(5) {
            let _ = writeln!(
                obs,
                "{d},{},{},{}",
                date(FLEE_START, d),
                camp.name,
                flee_obs(i, d)
            );
        }
    }
    write(dir, "observed.csv", &obs);
    let mut out = String::from("Day,Date");
    for camp in &locs[5..] {
        let n = camp.name;
        let _ = write!(out, ",{n} sim,{n} data,{n} error");
    }
    out.push_str(",Total error,refugees in camps (UNHCR),total refugees (simulation),raw UNHCR refugee count,refugees in camps (simulation),refugee_debt\n");
    for d in 0..days {
        let _ = write!(out, "{d},{}", date(FLEE_START, d));
        let (mut s_sum, mut o_sum, mut err) = (0.0, 0.0, 0.0);
        for i in 5..8 {
            let (s, o) = (flee_pop(i, d), flee_obs(i, d));
            let e = if o < 1e-5 { 0.0 } else { ((s / o) - 1.0).abs() };
            let _ = write!(out, ",{s},{o},{e:.4}");
            s_sum += s;
            o_sum += o;
            err += (s - o).abs();
        }
        let total_err = if o_sum > 0.0 { err / o_sum } else { 0.0 };
        let _ = writeln!(
            out,
            ",{total_err:.6},{o_sum},{},{o_sum},{s_sum},0",
            s_sum + 500.0
        );
    }
    write(dir, "out.csv", &out);
    write(
        dir,
        "network.json",
        &network_json(
            &locs,
            &[
                ("Kidal", "Gao", 350.0),
                ("Timbuktu", "Mbera", 390.0),
                ("Timbuktu", "Gao", 420.0),
                ("Gao", "Menaka", 310.0),
                ("Menaka", "Abala", 280.0),
                ("Gao", "Niamey", 440.0),
                ("Niamey", "Abala", 190.0),
                ("Gao", "Mentao", 390.0),
            ],
            "[]",
        ),
    );
    let summary = serde_json::json!({
        "corridor_version": "0.1.0",
        "scenario": "mali2012 (synthetic)",
        "input_kind": "flee",
        "start_date": date(FLEE_START, 0),
        "end_date": date(FLEE_START, days - 1),
        "days": days,
        "seed": 42,
        "engine": "agent",
        "hasten": 1,
        "inputs": [{"path": "input_csv/locations.csv", "sha256": "9f2c4e0b7a51d3c8e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"}],
        "accounting": {"spawned": 41000, "at_locations": 38000, "on_links": 3000, "in_queues": 0,
                        "in_transit": 0, "admitted": 0, "encountered": 0, "removed": 0},
        "accounting_balances_every_day": true,
        "validation": {"ard": 0.412, "ard_rescaled": 0.305, "per_camp": [
            {"camp": "Mbera", "mean_abs_diff": 2100.5},
            {"camp": "Abala", "mean_abs_diff": 1500.25},
            {"camp": "Mentao", "mean_abs_diff": 300.0}]},
        "totals": {"spawned": 41000, "in_camps": 30000, "observed_in_camps": 31000},
        "warnings": ["simsetting key `start_on_foot` is not supported; default used"]
    });
    write(
        dir,
        "summary.json",
        &serde_json::to_string_pretty(&summary).unwrap(),
    );
}

// ------------------------------------------------------------------ corridor run

pub const CORRIDOR_START: (i32, u32, u32) = (2023, 10, 1);
pub const CORRIDOR_DAYS: u32 = 120;

pub fn corridor_locs() -> Vec<Loc> {
    vec![
        Loc {
            name: "Ciudad Hidalgo",
            kind: "town",
            lat: 14.679,
            lon: -92.151,
            country: "Mexico",
        },
        Loc {
            name: "Tapachula",
            kind: "town",
            lat: 14.911,
            lon: -92.264,
            country: "Mexico",
        },
        Loc {
            name: "Huixtla",
            kind: "town",
            lat: 15.138,
            lon: -92.466,
            country: "Mexico",
        },
        Loc {
            name: "Juchitan",
            kind: "town",
            lat: 16.434,
            lon: -95.020,
            country: "Mexico",
        },
        Loc {
            name: "Mexico City",
            kind: "town",
            lat: 19.433,
            lon: -99.133,
            country: "Mexico",
        },
        Loc {
            name: "Ciudad Juarez",
            kind: "town",
            lat: 31.690,
            lon: -106.424,
            country: "Mexico",
        },
        Loc {
            name: "Matamoros",
            kind: "town",
            lat: 25.869,
            lon: -97.504,
            country: "Mexico",
        },
        Loc {
            name: "Tijuana",
            kind: "town",
            lat: 32.514,
            lon: -117.038,
            country: "Mexico",
        },
        Loc {
            name: "El Paso port",
            kind: "port",
            lat: 31.759,
            lon: -106.487,
            country: "USA",
        },
        Loc {
            name: "Brownsville port",
            kind: "port",
            lat: 25.901,
            lon: -97.497,
            country: "USA",
        },
        Loc {
            name: "San Ysidro port",
            kind: "port",
            lat: 32.542,
            lon: -117.029,
            country: "USA",
        },
    ]
}

/// Port index (0..3) -> (location index, field office, sector, capacity).
pub const PORTS: [(usize, &str, &str, f64); 3] = [
    (8, "El Paso", "El Paso", 120.0),
    (9, "Houston", "Rio Grande Valley", 90.0),
    (10, "San Diego", "San Diego", 150.0),
];

/// Daily values of corridor location `i` on `day`; `k` scales flows (variants).
pub fn corridor_row(i: usize, day: u32, k: f64) -> DailyRow {
    let t = day as f64;
    let mut r = DailyRow::default();
    match i {
        0 => r.population = (800.0 + 200.0 * (t / 7.0).sin()).round(),
        1 => {
            r.population = 14000.0 + 100.0 * t;
            r.unsheltered = (r.population - 16000.0).max(0.0);
        }
        2 => {
            r.population = 1500.0;
            r.intercepted = ((40.0 + (day % 5) as f64 * 3.0) * k).round();
        }
        3 => {
            r.population = 2500.0 + 5.0 * t;
            r.intercepted = ((20.0 + (day % 3) as f64) * k).round();
        }
        4 => r.population = 6000.0 + 30.0 * t,
        5 => {
            r.population = 4000.0 + 10.0 * t;
            r.encountered = ((100.0 + (day % 7) as f64 * 5.0) * k).round();
        }
        6 => {
            r.population = 3500.0;
            r.encountered = (80.0 * k).round();
        }
        7 => {
            r.population = 5000.0 - 8.0 * t;
            r.encountered = (60.0 * k).round();
        }
        _ => {
            let p = PORTS.iter().position(|p| p.0 == i).unwrap();
            r.queue = (300.0 + (5.0 + p as f64) * t).round();
            r.admitted = port_admitted(p, day, k);
        }
    }
    r
}

/// Whether port `p` is open on `day` (El Paso closes for days 40..50).
pub fn port_open(p: usize, day: u32) -> bool {
    !(p == 0 && (40..50).contains(&day))
}

pub fn port_admitted(p: usize, day: u32, k: f64) -> f64 {
    if port_open(p, day) {
        (PORTS[p].3 * k).round()
    } else {
        0.0
    }
}

fn corridor_network() -> String {
    network_json(
        &corridor_locs(),
        &[
            ("Ciudad Hidalgo", "Tapachula", 37.0),
            ("Tapachula", "Huixtla", 42.0),
            ("Huixtla", "Juchitan", 370.0),
            ("Juchitan", "Mexico City", 720.0),
            ("Mexico City", "Ciudad Juarez", 1860.0),
            ("Mexico City", "Matamoros", 960.0),
            ("Mexico City", "Tijuana", 2800.0),
            ("Ciudad Juarez", "El Paso port", 6.0),
            ("Matamoros", "Brownsville port", 4.0),
            ("Tijuana", "San Ysidro port", 5.0),
        ],
        r#"[{"name":"El Paso port","city":"Ciudad Juarez","field_office":"El Paso","sector":"El Paso","capacity":120},
            {"name":"Brownsville port","city":"Matamoros","field_office":"Houston","sector":"Rio Grande Valley","capacity":90},
            {"name":"San Ysidro port","city":"Tijuana","field_office":"San Diego","sector":"San Diego","capacity":150}]"#,
    )
}

/// Monthly totals: (month, component, area, encounters), from the daily values.
pub fn corridor_monthly(k: f64) -> Vec<(String, &'static str, &'static str, f64)> {
    let mut out: Vec<(String, &'static str, &'static str, f64)> = Vec::new();
    let mut add = |month: String, comp: &'static str, area: &'static str, v: f64| {
        if let Some(e) = out
            .iter_mut()
            .find(|e| e.0 == month && e.1 == comp && e.2 == area)
        {
            e.3 += v;
        } else {
            out.push((month, comp, area, v));
        }
    };
    for d in 0..CORRIDOR_DAYS {
        let month = date(CORRIDOR_START, d)[..7].to_string();
        for (p, port) in PORTS.iter().enumerate() {
            add(
                month.clone(),
                "Office of Field Operations",
                port.1,
                port_admitted(p, d, k),
            );
        }
        for (i, sector) in [(5, "El Paso"), (6, "Rio Grande Valley"), (7, "San Diego")] {
            add(
                month.clone(),
                "U.S. Border Patrol",
                sector,
                corridor_row(i, d, k).encountered,
            );
        }
    }
    out
}

fn corridor_summary(scenario: &str, days: u32, ensemble: Option<serde_json::Value>) -> String {
    let mut s = serde_json::json!({
        "corridor_version": "0.1.0",
        "scenario": scenario,
        "input_kind": "scenario",
        "start_date": date(CORRIDOR_START, 0),
        "end_date": date(CORRIDOR_START, days - 1),
        "days": days,
        "seed": 7,
        "engine": "count",
        "hasten": 1,
        "units": "people (agents × hasten)",
        "key_numbers": {"peak_waiting_at_border": 12500, "peak_waiting_date": date(CORRIDOR_START, 3),
                        "mean_wait_days": 4.25, "admitted": 40000, "encountered": 30000,
                        "interception_events": 8000, "people_intercepted": 5000,
                        "p90_wait_days": 14, "final_waiting_at_border": 6000},
        "monthly": [],
        "inputs": [{"path": "scenario.toml", "sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}],
        "accounting": {"spawned": 250000, "at_locations": 60000, "on_links": 9000, "in_queues": 2500,
                        "in_transit": 500, "admitted": 40000, "encountered": 30000, "removed": 108000},
        "accounting_balances_every_day": true,
        "validation": null,
        "totals": {"spawned": 250000, "in_camps": 0, "observed_in_camps": null,
                   "by_appointment": 30000, "walk_up": 10000, "in_queues": 2500},
        "warnings": []
    });
    if let Some(e) = ensemble {
        // As corridor-ensemble writes it: no single-run accounting or totals.
        let m = s.as_object_mut().unwrap();
        for k in [
            "accounting",
            "accounting_balances_every_day",
            "validation",
            "totals",
            "units",
            "key_numbers",
            "monthly",
        ] {
            m.remove(k);
        }
        s["ensemble"] = e;
    }
    serde_json::to_string_pretty(&s).unwrap()
}

/// A corridor run with ports.csv and monthly.csv; `k` scales the flows.
pub fn corridor_run(dir: &Path, scenario: &str, k: f64) {
    let locs = corridor_locs();
    let mut daily = String::from(DAILY_HEADER);
    for d in 0..CORRIDOR_DAYS {
        for (i, l) in locs.iter().enumerate() {
            let _ = write!(
                daily,
                "{d},{},{},{}",
                date(CORRIDOR_START, d),
                l.name,
                l.kind
            );
            for (_, v) in corridor_row(i, d, k).values() {
                let _ = write!(daily, ",{v}");
            }
            daily.push('\n');
        }
    }
    write(dir, "daily.csv", &daily);
    let mut ports =
        String::from("day,date,port,queue,admitted,by_appointment,walk_up,mean_wait_days,open\n");
    for d in 0..CORRIDOR_DAYS {
        for (p, port) in PORTS.iter().enumerate() {
            let r = corridor_row(port.0, d, k);
            let appt = (r.admitted * 0.75).round();
            let wait = if r.admitted > 0.0 {
                3.0 + (d % 10) as f64 * 0.5 + p as f64
            } else {
                0.0
            };
            let _ = writeln!(
                ports,
                "{d},{},{},{},{},{appt},{},{wait},{}",
                date(CORRIDOR_START, d),
                locs[port.0].name,
                r.queue,
                r.admitted,
                r.admitted - appt,
                port_open(p, d)
            );
        }
    }
    write(dir, "ports.csv", &ports);
    let mut monthly = String::from("month,component,area_of_responsibility,encounters\n");
    for (m, c, a, v) in corridor_monthly(k) {
        let _ = writeln!(monthly, "{m},{c},{a},{v}");
    }
    write(dir, "monthly.csv", &monthly);
    write(dir, "network.json", &corridor_network());
    write(
        dir,
        "summary.json",
        &corridor_summary(scenario, CORRIDOR_DAYS, None),
    );
    observed_encounters(dir);
}

/// Observed monthly encounters (observed_monthly.csv) for October to December
/// 2023 — the simulated value × 0.8, 0.9, 1.0 by month, plus an area the
/// scenario does not model — and summary.json's `comparison` with the windows
/// (warm-up October, calibration November, evaluation from December) and the
/// fit as the run writer records it.
pub fn observed_encounters(dir: &Path) {
    let mut csv = String::from("month,component,area_of_responsibility,observed\n");
    for (m, c, a, v) in corridor_monthly(1.0) {
        let f = match m.as_str() {
            "2023-10" => 0.8,
            "2023-11" => 0.9,
            "2023-12" => 1.0,
            _ => continue,
        };
        let _ = writeln!(csv, "{m},{c},{a},{}", (v * f).round());
    }
    for m in ["2023-10", "2023-11", "2023-12"] {
        let _ = writeln!(csv, "{m},U.S. Border Patrol,Yuma,1200");
    }
    write(dir, "observed_monthly.csv", &csv);
    let path = dir.join("summary.json");
    let mut s: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    s["comparison"] = serde_json::json!({
        "observations": null,
        "encounters": {
            "file": "data/cbp_monthly.csv",
            "observed_through": "2023-11",
            "windows": {
                "warm_up": {"from": "2023-10-01", "to": "2023-10-31"},
                "calibration": {"from": "2023-11-01", "to": "2023-11-30"},
                "evaluation": {"from": "2023-12-01", "to": "2024-01-28"}
            },
            "fit": [
                {"window": "calibration", "months": ["2023-11"], "cells": 6,
                 "simulated": 21000.0, "observed": 18900.0, "ard": 0.1111, "mare": 0.12},
                {"window": "evaluation", "months": ["2023-12"], "cells": 6,
                 "simulated": 20000.0, "observed": 20000.0, "ard": 0.0, "mare": 0.0}
            ],
            "metric": "ARD = Σ|simulated − observed| ÷ Σ observed over the (month, component, area) cells compared: the objective of `corridor calibrate`"
        }
    });
    write(
        dir,
        "summary.json",
        &serde_json::to_string_pretty(&s).unwrap(),
    );
}

/// Statistics columns from one central value (p5 < p50 < p95).
fn stats(v: f64) -> String {
    format!(
        "{:.2},{:.2},{:.2},{:.2},{:.2}",
        v,
        v * 0.1,
        v * 0.85,
        v * 0.98,
        v * 1.2
    )
}

/// A corridor ensemble: daily_stats.csv, ports_stats.csv, monthly_stats.csv.
pub fn corridor_ensemble(dir: &Path, scenario: &str, k: f64) {
    let locs = corridor_locs();
    let mut daily = String::from("day,date,location,kind,variable,mean,sd,p5,p50,p95\n");
    for d in 0..CORRIDOR_DAYS {
        for (i, l) in locs.iter().enumerate() {
            for (var, v) in corridor_row(i, d, k).values() {
                let _ = writeln!(
                    daily,
                    "{d},{},{},{},{var},{}",
                    date(CORRIDOR_START, d),
                    l.name,
                    l.kind,
                    stats(v)
                );
            }
        }
    }
    write(dir, "daily_stats.csv", &daily);
    let mut ports = String::from("day,date,port,variable,mean,sd,p5,p50,p95\n");
    for d in 0..CORRIDOR_DAYS {
        for port in PORTS.iter() {
            let r = corridor_row(port.0, d, k);
            for (var, v) in [
                ("queue", r.queue),
                ("admitted", r.admitted),
                ("by_appointment", (r.admitted * 0.75).round()),
                ("walk_up", r.admitted - (r.admitted * 0.75).round()),
                ("mean_wait_days", if r.admitted > 0.0 { 4.0 } else { 0.0 }),
            ] {
                let _ = writeln!(
                    ports,
                    "{d},{},{},{var},{}",
                    date(CORRIDOR_START, d),
                    locs[port.0].name,
                    stats(v)
                );
            }
        }
    }
    write(dir, "ports_stats.csv", &ports);
    let mut monthly = String::from("month,component,area_of_responsibility,mean,sd,p5,p50,p95\n");
    for (m, c, a, v) in corridor_monthly(k) {
        let _ = writeln!(monthly, "{m},{c},{a},{}", stats(v));
    }
    write(dir, "monthly_stats.csv", &monthly);
    write(dir, "network.json", &corridor_network());
    let ens = serde_json::json!({
        "runs": 20,
        "seed": 7,
        "ard": {"mean": 0.52, "sd": 0.04, "p5": 0.46, "p50": 0.51, "p95": 0.6,
                "values": [0.46, 0.48, 0.49, 0.5, 0.5, 0.51, 0.51, 0.52, 0.53, 0.55, 0.58, 0.6]},
        "ard_rescaled": {"mean": 0.33, "sd": 0.03, "p5": 0.29, "p50": 0.33, "p95": 0.38, "values": []},
        "final": {
            "spawned": {"mean": 250000, "sd": 900, "p5": 248500, "p50": 250100, "p95": 251400},
            "admitted": {"mean": 40000, "sd": 300, "p5": 39500, "p50": 40050, "p95": 40480},
            "encountered": {"mean": 30000, "sd": null, "p5": 29000, "p50": 30000, "p95": 31000}
        }
    });
    write(
        dir,
        "summary.json",
        &corridor_summary(scenario, CORRIDOR_DAYS, Some(ens)),
    );
    observed_encounters(dir);
}

/// A compare directory: baseline (run), ports_closed (run), appointments_doubled (ensemble).
pub fn compare_dir(dir: &Path) {
    corridor_run(&dir.join("baseline"), "mexico-corridor", 1.0);
    corridor_run(&dir.join("ports_closed"), "mexico-corridor", 0.5);
    corridor_ensemble(&dir.join("appointments_doubled"), "mexico-corridor", 1.5);
    // Paired differences of appointments doubled: the band rises from 0 (the
    // variants agree before the first event) to −500…+300 people waiting.
    let n = CORRIDOR_DAYS as usize;
    let ramp = |k: f64| -> Vec<f64> { (0..n).map(|d| k * d as f64 / n as f64).collect() };
    let band = |lo: f64, mid: f64, hi: f64| serde_json::json!({"p5": ramp(lo), "p50": ramp(mid), "p95": ramp(hi)});
    let cmp = serde_json::json!({
        "start_date": "2023-10-01",
        "window": {"from": "2023-10-15", "to": "2024-01-28"},
        "baseline": "baseline",
        "variants": [
            {"name": "baseline", "dir": "baseline",
             "key_numbers": {"peak_waiting_at_border": 12500, "peak_waiting_date": "2023-10-04",
                             "mean_wait_days": 4.25, "admitted": 40000, "encountered": 30000,
                             "interception_events": 8000}},
            {"name": "ports closed", "dir": "ports_closed",
             "key_numbers": {"peak_waiting_at_border": 12500, "peak_waiting_date": "2023-10-04",
                             "mean_wait_days": 9.5, "admitted": 20000, "encountered": 45000,
                             "interception_events": 8500}},
            {"name": "appointments doubled", "dir": "appointments_doubled",
             "key_numbers": {"peak_waiting_at_border": {"mean": 12400, "sd": 150, "p5": 12200, "p50": 12400, "p95": 12600},
                             "peak_waiting_date": {"p5": "2023-10-03", "p50": "2023-10-04", "p95": "2023-10-06"},
                             "mean_wait_days": {"mean": 3.0, "sd": 0.2, "p5": 2.7, "p50": 3.0, "p95": 3.3},
                             "admitted": {"mean": 60000, "sd": 3000, "p5": 55000, "p50": 60000, "p95": 65000},
                             "encountered": {"mean": 21000, "sd": 500, "p5": 20200, "p50": 21000, "p95": 21800},
                             "interception_events": {"mean": 7000, "sd": 300, "p5": 6500, "p50": 7000, "p95": 7500}},
             "difference": {
                 "peak_waiting_at_border": {"mean": -100, "p5": -500, "p50": -100, "p95": 300, "within_noise": true},
                 "admitted": {"mean": 20000, "p5": 15000, "p50": 20000, "p95": 25000, "within_noise": false},
                 "encountered": {"mean": 0, "p5": 0, "p50": 0, "p95": 0, "within_noise": true}},
             "difference_by_day": {
                 "waiting_at_border": band(-500.0, -100.0, 300.0),
                 "admitted": band(15000.0, 20000.0, 25000.0),
                 "encountered": band(0.0, 0.0, 0.0)}}
        ]
    });
    write(
        dir,
        "compare.json",
        &serde_json::to_string_pretty(&cmp).unwrap(),
    );
}
