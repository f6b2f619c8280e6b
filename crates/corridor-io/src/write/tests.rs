//! Byte-level tests of every writer.

use super::daily_csv::DAILY_COLUMNS;
use super::*;
use corridor_model::record::{Accounting, RunOutput};
use corridor_model::scenario::{CampData, Location, LocationKind};
use corridor_model::series::Series;
use corridor_model::Date;
use std::fs;

#[test]
fn python_float_repr() {
    let cases = [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (0.25, "0.25"),
        (0.6667, "0.6667"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (0.000123, "0.000123"),
        (0.0000123, "1.23e-05"),
        (123.456, "123.456"),
        (1e15, "1000000000000000.0"),
        (1234567890123456.0, "1234567890123456.0"),
        (1e16, "1e+16"),
        (1.5e17, "1.5e+17"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.0 / 3.0, "0.3333333333333333"),
        (-2.5, "-2.5"),
        (1e100, "1e+100"),
        (f64::NAN, "nan"),
        (f64::INFINITY, "inf"),
    ];
    for (x, want) in cases {
        assert_eq!(py_float(x), want, "{x:e}");
    }
}

/// Conflict zone A, camp B, town C; 3 days; data for B.
fn tiny() -> (Scenario, RunOutput) {
    let mut s = Scenario::new("tiny", Date::parse("2012-02-28").unwrap(), 3);
    s.add_location(Location::new("A", LocationKind::ConflictZone));
    let b = s.add_location(Location::new("B", LocationKind::Camp));
    s.add_location(Location::new("C", LocationKind::Town));
    s.link("A", "B", 120.5);
    s.link("B", "C", 10.0);
    s.data.camps.push(CampData {
        location: b,
        series: Series::new(vec![(0, 4.0), (2, 12.0)]),
    });
    let rec = |day: u32, pop: [u64; 3], data: i64, raw: i64, spawned: u64| DayRecord {
        day,
        population: pop.to_vec(),
        on_links_toward: vec![0, 1, 0],
        arrived: vec![0, day as u64, 0],
        camp_data: vec![data],
        raw,
        debt: 0,
        total_agents: spawned,
        accounting: Accounting {
            spawned,
            at_locations: pop.iter().sum(),
            on_links: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let run = RunOutput {
        seed: 7,
        days: vec![
            rec(0, [0, 4, 0], 4, 0, 5),
            rec(1, [2, 6, 0], 8, 8, 9),
            rec(2, [0, 9, 2], 12, 12, 12),
        ],
        warnings: vec!["engine note".into()],
    };
    (s, run)
}

fn meta() -> RunMeta {
    RunMeta {
        corridor_version: "0.1.0".into(),
        input_kind: InputKind::Flee,
        engine: "agents".into(),
        inputs: vec![InputDigest {
            path: "input_csv/locations.csv".into(),
            sha256: "ab".repeat(32),
        }],
        warnings: vec!["reader note".into()],
        ..RunMeta::default()
    }
}

/// Tijuana (border city), San Ysidro (port), Tapachula; 3 days from
/// 2023-11-29 (days 0, 1 in November, day 2 in December); hasten 10.
fn border_run() -> (Scenario, RunOutput) {
    use corridor_model::border::{CrossingPoint, Port, QueueDiscipline};
    let mut s = Scenario::new("b", Date::parse("2023-11-29").unwrap(), 3);
    s.settings.optimisations.hasten = 10;
    let tj = s.add_location(Location::new("Tijuana", LocationKind::Town));
    let sy = s.add_location(Location::new("San Ysidro", LocationKind::Port));
    s.add_location(Location::new("Tapachula", LocationKind::Town));
    s.link("Tijuana", "San Ysidro", 5.0);
    s.border.ports.push(Port {
        location: sy,
        name: "San Ysidro".into(),
        border_city: tj,
        field_office: "San Diego Field Office".into(),
        sector: "San Diego Sector".into(),
        capacity_per_day: 10.0,
        open: true,
        walk_ups: true,
        queue: QueueDiscipline::Fifo,
    });
    s.border.crossings.push(CrossingPoint {
        name: "Tijuana".into(),
        border_city: tj,
        sector: "San Diego Sector".into(),
        hazard: 0.1,
        slope: 0.0,
        max_hazard: 1.0,
    });
    let rec = |day: u32, pop: [u64; 3], queue: u64, adm: u64, wait: f64, enc: u64| DayRecord {
        day,
        population: pop.to_vec(),
        queue: vec![0, queue, 0],
        admitted: vec![0, adm, 0],
        encountered: vec![enc, 0, 0],
        intercepted: vec![0, 0, day as u64],
        ports: vec![PortDay {
            queue,
            admitted: adm,
            by_appointment: adm / 2,
            walk_up: adm - adm / 2,
            mean_wait_days: wait,
            open: day != 1,
            left_queue: day as u64,
        }],
        ..Default::default()
    };
    let mut days = vec![
        rec(0, [5, 1, 9], 4, 2, 0.0, 1),
        rec(1, [7, 0, 9], 6, 0, 0.0, 0),
        rec(2, [3, 2, 9], 1, 4, 2.5, 3),
    ];
    let mut admitted = 0;
    let mut encountered = 0;
    for d in &mut days {
        admitted += d.admitted[1];
        encountered += d.encountered[0];
        d.accounting = Accounting {
            admitted,
            encountered,
            in_queues: d.queue[1],
            ..Default::default()
        };
    }
    (
        s,
        RunOutput {
            seed: 3,
            days,
            warnings: vec![],
        },
    )
}

#[test]
fn ports_csv_bytes() {
    let (s, run) = border_run();
    // Counts in people: the records' agents × hasten 10; the wait stays in days.
    assert_eq!(
        render_ports_csv(&s, &run).unwrap(),
        "day,date,port,queue,admitted,by_appointment,walk_up,mean_wait_days,open,left_queue\n\
         0,2023-11-29,San Ysidro,40,20,10,10,0,1,0\n\
         1,2023-11-30,San Ysidro,60,0,0,0,0,0,10\n\
         2,2023-12-01,San Ysidro,10,40,20,20,2.5,1,20\n"
    );
    // A record without port entries reads as zeros and the day-0 setting.
    let mut run2 = run.clone();
    run2.days[1].ports.clear();
    assert!(render_ports_csv(&s, &run2)
        .unwrap()
        .contains("\n1,2023-11-30,San Ysidro,0,0,0,0,0,1,0\n"));
    // Any other length is an engine bug, not something to print.
    run2.days[1].ports = vec![PortDay::default(); 2];
    assert_eq!(
        render_ports_csv(&s, &run2).unwrap_err().to_string(),
        "cannot render ports.csv: day 1: ports has 2 entries, expected 1"
    );
}

#[test]
fn monthly_csv_bytes_in_people() {
    let (s, run) = border_run();
    assert_eq!(
        render_monthly_csv(&s, &run),
        "month,component,area_of_responsibility,encounters\n\
         2023-11,Office of Field Operations,San Diego Field Office,20\n\
         2023-11,U.S. Border Patrol,San Diego Sector,10\n\
         2023-12,Office of Field Operations,San Diego Field Office,40\n\
         2023-12,U.S. Border Patrol,San Diego Sector,30\n"
    );
    assert_eq!(
        month_totals(&s, &run),
        vec![
            MonthTotals {
                month: "2023-11".into(),
                admitted: 20,
                encountered: 10
            },
            MonthTotals {
                month: "2023-12".into(),
                admitted: 40,
                encountered: 30
            },
        ]
    );
}

#[test]
fn key_numbers_in_people() {
    let (s, run) = border_run();
    let k = key_numbers(&s, &run).unwrap();
    // Waiting = Tijuana + San Ysidro (at it and queued): 10, 13, 6 agents.
    assert_eq!(
        k,
        KeyNumbers {
            admitted: 60,
            encountered: 40,
            interception_events: 30,
            people_intercepted: 0,
            peak_waiting_at_border: 130,
            peak_waiting_date: Some("2023-11-30".into()),
            final_waiting_at_border: 60,
            mean_wait_days: Some(10.0 / 6.0),
            p90_wait_days: None,
        }
    );
    // Over a window from day 2 (a comparison's common window): the peak and the
    // waits of day 2 only, totals over the whole run.
    let w = corridor_model::key_numbers::key_numbers_from(&s, &run, 2).unwrap();
    assert_eq!(
        (w.peak_waiting_at_border, w.peak_waiting_date.as_deref()),
        (60, Some("2023-12-01"))
    );
    assert_eq!(w.mean_wait_days, Some(2.5));
    assert_eq!((w.admitted, w.encountered), (k.admitted, k.encountered));
    assert_eq!(
        corridor_model::key_numbers::waiting_at_border(&s, &run).unwrap(),
        vec![100, 130, 60]
    );
    // Nobody admitted: no mean wait; an empty run has no peak date.
    let empty = RunOutput::default();
    let k = key_numbers(&s, &empty).unwrap();
    assert_eq!(k.mean_wait_days, None);
    assert_eq!(k.peak_waiting_date, None);
    assert_eq!(k.peak_waiting_at_border, 0);
}

#[test]
fn border_run_artifacts() {
    let (s, run) = border_run();
    let mut m = meta();
    m.input_kind = InputKind::Scenario;
    m.variant = Some("x2".into());
    m.observations = Some("obs.csv".into());
    let a = RunArtifacts::render(&s, &run, &m).unwrap();
    assert_eq!(
        a.names().collect::<Vec<_>>(),
        [
            "daily.csv",
            "ports.csv",
            "monthly.csv",
            "network.json",
            "summary.json"
        ]
    );
    let net: serde_json::Value = serde_json::from_slice(a.get("network.json").unwrap()).unwrap();
    let p = &net["ports"][0];
    assert_eq!(p["name"], "San Ysidro");
    assert_eq!(p["location"], "San Ysidro");
    assert_eq!(p["border_city"], "Tijuana");
    assert_eq!(p["field_office"], "San Diego Field Office");
    assert_eq!(p["sector"], "San Diego Sector");
    // Given as people in ports.csv: agents × hasten.
    assert_eq!(p["capacity_per_day"], 100.0);
    let v: serde_json::Value = serde_json::from_slice(a.get("summary.json").unwrap()).unwrap();
    assert_eq!(v["input_kind"], "scenario");
    assert_eq!(v["variant"], "x2");
    assert_eq!(v["comparison"]["observations"], "obs.csv");
    // Every count in people (hasten 10): the records' agents × 10.
    assert_eq!(v["units"], "people (agents × hasten)");
    let t = &v["totals"];
    assert_eq!(t["by_appointment"], 30);
    assert_eq!(t["walk_up"], 30);
    assert_eq!(t["in_queues"], 10);
    let acc = run.days.last().unwrap().accounting;
    assert_eq!(v["accounting"]["admitted"], acc.admitted * 10);
    assert_eq!(v["accounting"]["spawned"], acc.spawned * 10);
    // The key numbers are the one definition, the same as compare.json's.
    let k = key_numbers(&s, &run).unwrap();
    assert_eq!(v["key_numbers"], serde_json::to_value(&k).unwrap());
    assert_eq!(v["key_numbers"]["admitted"], 60);
    assert_eq!(v["key_numbers"]["interception_events"], 30);
    assert_eq!(
        v["key_numbers"]["mean_wait_days"].as_f64(),
        Some(10.0 / 6.0)
    );
    assert_eq!(
        v["monthly"],
        serde_json::to_value(month_totals(&s, &run)).unwrap()
    );
    // Crossings alone are enough for monthly.csv.
    let mut s2 = s.clone();
    s2.border.ports.clear();
    let mut run2 = run.clone();
    for d in &mut run2.days {
        d.ports.clear();
    }
    let b = RunArtifacts::render(&s2, &run2, &m).unwrap();
    assert!(b.get("ports.csv").is_none());
    assert!(b.get("monthly.csv").is_some());
}

#[test]
fn out_csv_bytes() {
    let (s, run) = tiny();
    let out = render_out_csv(&s, &run).unwrap();
    let want = "Day,Date,B sim,B data,B error,Total error,refugees in camps (UNHCR),\
total refugees (simulation),raw UNHCR refugee count,refugees in camps (simulation),refugee_debt
0,2012-02-28,4,4,0.0,0.0,0,5,0,4,0
1,2012-02-29,6,8,0.25,0.25,8,9,8,6,0
2,2012-03-01,9,12,0.25,0.25,12,12,12,9,0
";
    assert_eq!(out, want);
}

#[test]
fn idp_totals_column() {
    let (mut s, mut run) = tiny();
    s.settings.log_levels.idp_totals = 1;
    s.locations[2].kind = LocationKind::IdpCamp;
    for r in &mut run.days {
        r.camp_data.push(0);
    }
    let out = render_out_csv(&s, &run).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    // C is now a camp too (an idpcamp): it gets columns and the total.
    assert!(lines[0].starts_with("Day,Date,B sim,B data,B error,C sim,C data,C error,"));
    assert!(lines[0].ends_with(",refugee_debt,total IDPs"));
    assert!(lines[3].ends_with(",2"), "{}", lines[3]);
}

#[test]
fn daily_and_observed_csv() {
    let (s, run) = tiny();
    let daily = render_daily_csv(&s, &run).unwrap();
    let lines: Vec<&str> = daily.lines().collect();
    assert_eq!(lines.len(), 1 + 3 * 3);
    assert_eq!(lines[0], DAILY_COLUMNS.join(","));
    assert_eq!(lines[1], "0,2012-02-28,A,conflict_zone,0,0,0,0,0,0,0,0,0,0");
    assert_eq!(lines[5], "1,2012-02-29,B,camp,6,1,0,0,0,1,0,0,0,0");
    assert_eq!(lines[9], "2,2012-03-01,C,town,2,0,0,0,0,0,0,0,0,0");
    let obs = render_observed_csv(&s, &run).unwrap();
    assert_eq!(
        obs,
        "day,date,location,observed\n0,2012-02-28,B,4\n1,2012-02-29,B,8\n2,2012-03-01,B,12\n"
    );
}

#[test]
fn daily_csv_counts_people() {
    // hasten 10: Tijuana's 5 agents on day 0 are 50 people, the port's queue of 4
    // agents 40 people.
    let (s, run) = border_run();
    let daily = render_daily_csv(&s, &run).unwrap();
    let lines: Vec<&str> = daily.lines().collect();
    assert_eq!(lines[1], "0,2023-11-29,Tijuana,town,50,0,0,0,0,0,0,0,10,0");
    assert_eq!(
        lines[2],
        "0,2023-11-29,San Ysidro,port,10,0,40,0,0,0,0,20,0,0"
    );
}

#[test]
fn bad_record_shape_is_an_error() {
    let (s, mut run) = tiny();
    run.days[1].arrived = vec![1, 2];
    let err = render_daily_csv(&s, &run).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot render daily.csv: day 1: arrived has 2 entries, expected 3"
    );
    let (s, mut run) = tiny();
    run.days[0].camp_data = vec![1, 2];
    assert!(render_out_csv(&s, &run).is_err());
}

#[test]
fn names_with_commas_are_quoted() {
    let (mut s, run) = tiny();
    s.locations[1].name = "Camp \"B\", north".into();
    let out = render_out_csv(&s, &run).unwrap();
    assert!(out.starts_with("Day,Date,\"Camp \"\"B\"\", north\" sim,"));
}

#[test]
fn network_json() {
    let (s, _) = tiny();
    let net: serde_json::Value = serde_json::from_str(&render_network_json(&s).unwrap()).unwrap();
    assert_eq!(net["locations"][1]["name"], "B");
    assert_eq!(net["locations"][1]["kind"], "camp");
    assert_eq!(net["links"][0]["from"], "A");
    assert_eq!(net["links"][0]["to"], "B");
    assert_eq!(net["links"][0]["distance_km"], 120.5);
    assert_eq!(net["ports"].as_array().unwrap().len(), 0);
}

#[test]
fn summary_json() {
    let (s, run) = tiny();
    let text = render_summary_json(&s, &run, &meta()).unwrap();
    // Key order is fixed.
    let keys = [
        "corridor_version",
        "scenario",
        "input_kind",
        "start_date",
        "end_date",
        "days",
        "seed",
        "engine",
        "hasten",
        "units",
        "file_units",
        "key_numbers",
        "monthly",
        "inputs",
        "accounting",
        "accounting_balances_every_day",
        "validation",
        "totals",
        "variant",
        "comparison",
        "warnings",
    ];
    let pos: Vec<usize> = keys
        .iter()
        .map(|k| text.find(&format!("\n  \"{k}\"")).unwrap())
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["input_kind"], "flee");
    assert_eq!(v["start_date"], "2012-02-28");
    assert_eq!(v["end_date"], "2012-03-01");
    assert_eq!(v["days"], 3);
    assert_eq!(v["seed"], 7);
    assert_eq!(v["inputs"][0]["path"], "input_csv/locations.csv");
    assert_eq!(v["accounting"]["spawned"], 12);
    assert_eq!(v["accounting"]["on_links"], 1);
    assert_eq!(v["accounting_balances_every_day"], true);
    // e = 0/4, 2/8, 3/12 -> ARD = (0 + 0.25 + 0.25) / 3.
    let ard = v["validation"]["ard"].as_f64().unwrap();
    assert_eq!(ard, (0.0 + 0.25 + 0.25) / 3.0);
    assert_eq!(v["validation"]["per_camp"][0]["location"], "B");
    assert_eq!(
        v["validation"]["per_camp"][0]["mean_abs_diff"].as_f64(),
        Some(5.0 / 3.0)
    );
    assert_eq!(v["totals"]["in_camps"], 9);
    assert_eq!(v["totals"]["observed_in_camps"], 12);
    assert!(v["variant"].is_null());
    assert!(v["comparison"].is_null());
    // Without ports nobody waits in a queue: no mean wait.
    assert!(v["key_numbers"]["mean_wait_days"].is_null());
    assert_eq!(v["totals"]["in_queues"], 0);
    assert_eq!(v["warnings"][0], "reader note");
    assert_eq!(v["warnings"][1], "engine note");
}

#[test]
fn summary_without_data_has_null_validation() {
    let (mut s, run) = tiny();
    s.data.camps.clear();
    let v: serde_json::Value =
        serde_json::from_str(&render_summary_json(&s, &run, &meta()).unwrap()).unwrap();
    assert!(v["validation"].is_null());
    assert!(v["totals"]["observed_in_camps"].is_null());
    let a = RunArtifacts::render(&s, &run, &meta()).unwrap();
    assert!(a.get("observed.csv").is_none());
}

#[test]
fn artifacts_write_all_files_atomically() {
    let (s, run) = tiny();
    let a = RunArtifacts::render(&s, &run, &meta()).unwrap();
    assert_eq!(
        a.names().collect::<Vec<_>>(),
        [
            "out.csv",
            "daily.csv",
            "observed.csv",
            "network.json",
            "summary.json"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/run");
    let paths = a.write_to(&out).unwrap();
    assert_eq!(paths.len(), 5);
    for p in &paths {
        let name = p.file_name().unwrap().to_str().unwrap();
        assert_eq!(fs::read(p).unwrap(), a.get(name).unwrap());
    }
    // No temporaries left behind.
    assert_eq!(fs::read_dir(&out).unwrap().count(), 5);
    // Scenario inputs are not Flee: no out.csv.
    let mut m = meta();
    m.input_kind = InputKind::Scenario;
    let b = RunArtifacts::render(&s, &run, &m).unwrap();
    assert!(b.get("out.csv").is_none());
}

#[test]
fn failed_write_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where a file should go makes its rename fail; the temporary
    // files of every output must be gone afterwards and out.csv not written.
    let mut a = RunArtifacts::default();
    a.add("out.csv", "x");
    a.add("blocked", "y");
    fs::create_dir(dir.path().join("blocked")).unwrap();
    fs::write(dir.path().join("blocked/keep"), "z").unwrap();
    assert!(a.write_to(dir.path()).is_err());
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["blocked"]);
}

#[test]
fn write_atomic_replaces_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.txt");
    write_atomic(&p, b"one").unwrap();
    write_atomic(&p, b"two").unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"two");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    // Parent missing: an error naming the file, nothing created.
    let q = dir.path().join("missing/f.txt");
    let err = write_atomic(&q, b"x").unwrap_err();
    assert!(err.to_string().contains("missing/f.txt"), "{err}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// A scenario shipping observed monthly encounters: observed_monthly.csv lists
/// them in people, and summary.json records the file, windows and fit as given.
#[test]
fn observed_monthly_encounters_are_written_with_their_fit() {
    let (s, run) = border_run();
    let mut m = meta();
    m.input_kind = InputKind::Scenario;
    m.encounters = Some(EncounterObservations {
        file: "data/cbp.csv".into(),
        observed_through: Some("2023-09".into()),
        windows: ObservationWindows {
            warm_up: Some(DateSpan {
                from: "2023-06-01".into(),
                to: "2023-06-30".into(),
            }),
            calibration: None,
            evaluation: None,
        },
        fit: vec![WindowFit {
            window: "calibration".into(),
            months: vec!["2023-07".into()],
            cells: 1,
            simulated: 90.0,
            observed: 120.0,
            ard: Some(0.25),
            mare: Some(0.25),
        }],
        metric: "ARD".into(),
        rows: vec![
            (
                "2023-07".into(),
                "U.S. Border Patrol".into(),
                "San Diego Sector".into(),
                120.0,
            ),
            (
                "2023-07".into(),
                "Office of Field Operations".into(),
                "San Diego, CA Field Office".into(),
                7.0,
            ),
        ],
    });
    let a = RunArtifacts::render(&s, &run, &m).unwrap();
    assert!(a.names().any(|n| n == "observed_monthly.csv"));
    assert_eq!(
        std::str::from_utf8(a.get("observed_monthly.csv").unwrap()).unwrap(),
        "month,component,area_of_responsibility,observed\n\
         2023-07,U.S. Border Patrol,San Diego Sector,120\n\
         2023-07,Office of Field Operations,\"San Diego, CA Field Office\",7\n"
    );
    let v: serde_json::Value = serde_json::from_slice(a.get("summary.json").unwrap()).unwrap();
    let c = &v["comparison"];
    assert!(c["observations"].is_null());
    assert_eq!(c["encounters"]["file"], "data/cbp.csv");
    assert_eq!(c["encounters"]["windows"]["warm_up"]["to"], "2023-06-30");
    assert!(c["encounters"]["windows"]["evaluation"].is_null());
    assert_eq!(c["encounters"]["fit"][0]["ard"], 0.25);
    assert!(c["encounters"].get("rows").is_none(), "rows go to the CSV");
    // Without observations nothing is added.
    let a = RunArtifacts::render(&s, &run, &meta()).unwrap();
    assert!(!a.names().any(|n| n == "observed_monthly.csv"));
}

/// `push_u64` writes what `{}` formatting writes, at every digit count.
#[test]
fn push_u64_is_decimal_formatting() {
    let mut v = 1u64;
    let mut cases = vec![0, 9, 10, 99, 100, u64::MAX, u64::MAX - 1];
    while let Some(n) = v.checked_mul(10) {
        cases.extend([v - 1, v, v + 1, 3 * v + 7]);
        v = n;
    }
    for n in cases {
        let mut s = String::from("x");
        push_u64(&mut s, n);
        assert_eq!(s, format!("x{n}"));
    }
}
