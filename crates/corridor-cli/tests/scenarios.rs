//! End-to-end tests of the `corridor` binary on corridor scenarios: every example
//! of `examples/` runs and writes a consistent run directory, the built-in
//! scenario (no input) writes its five files, variants are applied or refused
//! (exit 2), `compare` writes one run directory per variant plus compare.json and
//! report.html, and outputs are byte-identical for the same seed whatever the
//! thread count.
//! The lever tests at the end pin the numbers of the border processes as the CLI
//! writes them (ports.csv, monthly.csv, summary.json, compare.json).

mod common;

use common::{
    copy_dir, corridor, example, json, read, repo, run_ok, run_refused, top_files, ACCOUNTING_PARTS,
};
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn names(dir: &Path) -> Vec<String> {
    top_files(dir).into_iter().map(|f| f.0).collect()
}

/// Rows of a CSV file without its header, split on commas (no quoted fields in
/// these files).
fn rows(p: &Path) -> Vec<Vec<String>> {
    read(p)
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Data rows of an input CSV (no header, no comments, no blank lines).
fn table_rows(p: &Path) -> Vec<Vec<String>> {
    let text = read(p);
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    lines.next();
    lines
        .map(|l| l.split(',').map(|f| f.trim().to_string()).collect())
        .collect()
}

/// The checks every scenario run directory passes: summary.json describes a
/// scenario run whose people are all accounted for every day, daily.csv has a row
/// per day per location, ports.csv a row per day per port, monthly.csv every
/// area every month, network.json the ports.
fn check_run_dir(scenario_dir: &Path, out: &Path, days: usize) {
    let s = json(&out.join("summary.json"));
    assert_eq!(s["input_kind"], "scenario");
    assert_eq!(s["days"], days as u64);
    let acc = &s["accounting"];
    let parts: u64 = ACCOUNTING_PARTS
        .iter()
        .map(|k| acc[k].as_u64().unwrap())
        .sum();
    assert_eq!(parts, acc["spawned"].as_u64().unwrap(), "{acc}");
    assert_eq!(s["accounting_balances_every_day"], true);
    assert!(s["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["path"] == "scenario.toml" && i["sha256"].as_str().unwrap().len() == 64));
    assert!(out.join("report.html").is_file());
    assert!(
        !out.join("out.csv").exists(),
        "out.csv is for Flee instances"
    );

    let locations = table_rows(&scenario_dir.join("locations.csv"));
    assert_eq!(
        read(&out.join("daily.csv")).lines().count(),
        1 + days * locations.len()
    );

    let ports_csv = scenario_dir.join("ports.csv");
    let crossings_csv = scenario_dir.join("crossings.csv");
    let ports = if ports_csv.is_file() {
        table_rows(&ports_csv)
    } else {
        Vec::new()
    };
    let net = json(&out.join("network.json"));
    let net_ports = net["ports"].as_array().unwrap();
    assert_eq!(net_ports.len(), ports.len());
    if ports.is_empty() {
        assert!(!out.join("ports.csv").exists());
    } else {
        let r = rows(&out.join("ports.csv"));
        assert_eq!(r.len(), days * ports.len());
        // Day 0's rows name the ports in ports.csv order.
        let first: Vec<&str> = r[..ports.len()].iter().map(|x| x[2].as_str()).collect();
        let want: Vec<&str> = ports.iter().map(|p| p[0].as_str()).collect();
        assert_eq!(first, want);
        for (np, p) in net_ports.iter().zip(&ports) {
            assert_eq!(np["name"], p[0].as_str());
            assert_eq!(np["location"], p[0].as_str());
            assert_eq!(np["border_city"], p[1].as_str());
            assert_eq!(np["field_office"], p[2].as_str());
            assert_eq!(np["sector"], p[3].as_str());
            assert_eq!(
                np["capacity_per_day"].as_f64().unwrap(),
                p[4].parse::<f64>().unwrap()
            );
        }
        // Admissions in ports.csv add up to the accounting (both in people).
        let admitted: u64 = r.iter().map(|x| x[4].parse::<u64>().unwrap()).sum();
        assert_eq!(admitted, acc["admitted"].as_u64().unwrap());
    }
    if ports.is_empty() && !crossings_csv.is_file() {
        assert!(!out.join("monthly.csv").exists());
    } else {
        let m = rows(&out.join("monthly.csv"));
        let mut months: Vec<&str> = m.iter().map(|x| x[0].as_str()).collect();
        months.dedup();
        let mut areas: Vec<(&str, &str)> =
            m.iter().map(|x| (x[1].as_str(), x[2].as_str())).collect();
        areas.sort();
        areas.dedup();
        assert_eq!(
            m.len(),
            months.len() * areas.len(),
            "every area every month"
        );
        // monthly.csv and summary.json both count people.
        let ofo: u64 = m
            .iter()
            .filter(|x| x[1] == "Office of Field Operations")
            .map(|x| x[3].parse::<u64>().unwrap())
            .sum();
        assert_eq!(ofo, acc["admitted"].as_u64().unwrap());
        let usbp: u64 = m
            .iter()
            .filter(|x| x[1] == "U.S. Border Patrol")
            .map(|x| x[3].parse::<u64>().unwrap())
            .sum();
        assert_eq!(usbp, acc["encountered"].as_u64().unwrap());
    }
}

fn scenario_days(dir: &Path) -> usize {
    let text = read(&dir.join("scenario.toml"));
    let line = text
        .lines()
        .find(|l| l.starts_with("days"))
        .expect("days in scenario.toml");
    line.split('=')
        .nth(1)
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn every_example_runs_and_writes_a_consistent_run_directory() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("scenario.toml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 9, "{dirs:?}");
    let tmp = tempfile::tempdir().unwrap();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let out = tmp.path().join(&name);
        corridor()
            .arg("run")
            .arg(dir)
            .arg("--out")
            .arg(&out)
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("{name}: ")))
            .stdout(predicate::str::contains("admitted"));
        check_run_dir(dir, &out, scenario_days(dir));
    }
}

#[test]
fn scenario_file_and_directory_are_the_same_input() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_ok(&example("port-closure"), &a, &[]);
    run_ok(&example("port-closure").join("scenario.toml"), &b, &[]);
    assert_eq!(top_files(&a), top_files(&b));
    // The scenario's seed (none here) defaults to 1; --seed overrides it.
    assert_eq!(json(&a.join("summary.json"))["seed"], 1);
    let c = tmp.path().join("c");
    run_ok(&example("variants"), &c, &["--days", "3"]);
    assert_eq!(json(&c.join("summary.json"))["seed"], 7);
    let d = tmp.path().join("d");
    run_ok(&example("variants"), &d, &["--days", "3", "--seed", "11"]);
    assert_eq!(json(&d.join("summary.json"))["seed"], 11);
}

#[test]
fn builtin_scenario_writes_the_five_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("builtin");
    corridor()
        .args(["run", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("wrote {}", out.display())))
        .stdout(predicate::str::contains("mexico-2023: "));
    for f in [
        "monthly.csv",
        "ports.csv",
        "daily.csv",
        "summary.json",
        "report.html",
    ] {
        assert!(out.join(f).is_file(), "{f} missing: {:?}", names(&out));
    }
    let dir = repo().join("scenarios/mexico-2023");
    check_run_dir(&dir, &out, scenario_days(&dir));
    let s = json(&out.join("summary.json"));
    assert_eq!(s["scenario"], "mexico-2023");
    assert!(s["variant"].is_null());
    // The corridor's border processes act: people are admitted at ports (mostly
    // with appointments), cross between ports and are intercepted.
    let t = &s["key_numbers"];
    for k in ["admitted", "encountered", "interception_events"] {
        assert!(t[k].as_u64().unwrap() > 0, "{k}: {t}");
    }
    assert!(s["totals"]["by_appointment"].as_u64().unwrap() > 0, "{s}");
    assert!(t["mean_wait_days"].as_f64().unwrap() > 0.0, "{t}");
}

#[test]
fn builtin_scenario_equals_the_folder_and_goes_to_the_default_folder() {
    let tmp = tempfile::tempdir().unwrap();
    corridor()
        .current_dir(tmp.path())
        .args(["run", "--days", "20", "--quiet"])
        .assert()
        .success()
        .stdout("");
    let builtin = tmp.path().join("corridor-out/mexico-2023");
    let direct = tmp.path().join("direct");
    run_ok(
        &repo().join("scenarios/mexico-2023"),
        &direct,
        &["--days", "20"],
    );
    assert_eq!(names(&builtin), names(&direct));
    for f in [
        "daily.csv",
        "ports.csv",
        "monthly.csv",
        "network.json",
        "summary.json",
    ] {
        assert_eq!(read(&builtin.join(f)), read(&direct.join(f)), "{f}");
    }
}

#[test]
fn variant_is_applied_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("v");
    corridor()
        .arg("run")
        .arg(example("variants"))
        .args(["--variant", "ports_stay_closed", "--days", "30", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "variants (ports_stay_closed): 30 days",
        ));
    let s = json(&out.join("summary.json"));
    assert_eq!(s["variant"], "ports_stay_closed");
    assert!(s["comparison"].is_null());
    // Without --out the variant goes to its own folder.
    corridor()
        .current_dir(tmp.path())
        .arg("run")
        .arg(example("variants"))
        .args(["--variant", "baseline", "--days", "2", "--quiet"])
        .assert()
        .success();
    assert!(tmp
        .path()
        .join("corridor-out/variants-baseline/summary.json")
        .is_file());
}

#[test]
fn unknown_variant_exits_2_and_lists_the_names() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    for cmd in [
        vec!["run", "--variant", "nope", "--out"],
        vec!["compare", "--variants", "baseline,nope", "--out"],
    ] {
        corridor()
            .arg(cmd[0])
            .arg(example("variants"))
            .args(&cmd[1..])
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with("error: "))
            .stderr(predicate::str::contains("unknown variant 'nope'"))
            .stderr(predicate::str::contains(
                "baseline, ports_stay_closed, stronger_containment, appointments_doubled",
            ));
        assert!(
            !out.join("baseline").exists(),
            "nothing runs before names are checked"
        );
    }
    // Flee instances have no variants; compare needs a scenario with variants.
    let mali = repo().join("tests/data/flee/mali2012");
    corridor()
        .arg("run")
        .arg(&mali)
        .args(["--variant", "baseline"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--variant needs a corridor scenario",
        ));
    corridor()
        .arg("compare")
        .arg(&mali)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "compare needs a corridor scenario",
        ));
    corridor()
        .arg("compare")
        .arg(example("port-closure"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("defines no [[variants]]"));
    corridor()
        .arg("compare")
        .arg(example("variants"))
        .args(["--variants", "baseline,baseline"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("listed twice"));
}

#[test]
fn compare_writes_a_run_per_variant_compare_json_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    // One agent-based run per variant (the default is an ensemble per variant
    // on the count engine; see compare_defaults_to_ensembles_with_paired_bands).
    corridor()
        .arg("compare")
        .arg(example("variants"))
        .args(["--runs", "1", "--engine", "agents", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("compare.json"))
        .stdout(predicate::str::contains("appointments_doubled"));
    let c = json(&out.join("compare.json"));
    assert_eq!(c["scenario"], "variants");
    assert_eq!(c["seed"], 7);
    assert_eq!(c["window"]["from"], "2023-12-01");
    assert_eq!(c["window"]["to"], "2024-01-29");
    assert_eq!(c["units"], "people");
    let v = c["variants"].as_array().unwrap();
    let got: Vec<&str> = v.iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(
        got,
        [
            "baseline",
            "ports_stay_closed",
            "stronger_containment",
            "appointments_doubled"
        ]
    );
    assert_eq!(v[1]["description"], "Eagle Pass does not reopen on Dec 22");
    for x in v {
        let dir = out.join(x["dir"].as_str().unwrap());
        check_run_dir(&example("variants"), &dir, 60);
        let s = json(&dir.join("summary.json"));
        assert_eq!(s["variant"], x["name"]);
        assert_eq!(s["seed"], 7);
        // compare.json and the variant's summary.json give the same key numbers,
        // both in people, as does the accounting: appointments_doubled acts from
        // day 0, so the common window is the whole run.
        let k = &x["key_numbers"];
        assert_eq!(k, &s["key_numbers"]);
        assert_eq!(s["units"], "people (agents × hasten)");
        assert_eq!(k["admitted"], s["accounting"]["admitted"]);
        assert_eq!(k["encountered"], s["accounting"]["encountered"]);
        assert!(
            k["peak_waiting_at_border"].as_u64().unwrap()
                >= k["final_waiting_at_border"].as_u64().unwrap()
        );
        let months: Vec<&str> = x["monthly"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["month"].as_str().unwrap())
            .collect();
        assert_eq!(months, ["2023-12", "2024-01"]);
    }
    let html = read(&out.join("report.html"));
    assert!(
        html.contains("Comparison of 4 policy variants"),
        "compare page"
    );
    // The levers act in the direction they should (same seed for every variant):
    // a port that stays closed admits fewer people, a stronger checkpoint
    // intercepts more.
    let key = |i: usize, k: &str| v[i]["key_numbers"][k].as_u64().unwrap();
    assert!(key(1, "admitted") < key(0, "admitted"), "{c}");
    assert!(
        key(2, "interception_events") > key(0, "interception_events"),
        "{c}"
    );
    assert!(
        key(0, "admitted") > 0 && key(0, "interception_events") > 0,
        "{c}"
    );

    // A subset, in the order given; the other folders are not written.
    let sub = tmp.path().join("sub");
    corridor()
        .arg("compare")
        .arg(example("variants"))
        .args([
            "--variants",
            "appointments_doubled,baseline",
            "--days",
            "5",
            "--runs",
            "1",
            "--quiet",
            "--out",
        ])
        .arg(&sub)
        .assert()
        .success()
        .stdout("");
    let c = json(&sub.join("compare.json"));
    let got: Vec<&str> = c["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["dir"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["appointments_doubled", "baseline"]);
    assert!(!sub.join("ports_stay_closed").exists());
}

#[test]
fn scenario_runs_are_deterministic_across_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |n: &str| tmp.path().join(n);
    run_ok(&example("variants"), &p("a"), &["--seed", "3"]);
    run_ok(
        &example("variants"),
        &p("b"),
        &["--seed", "3", "--threads", "1"],
    );
    run_ok(
        &example("variants"),
        &p("c"),
        &["--seed", "3", "--threads", "2"],
    );
    let a = top_files(&p("a"));
    assert!(a.iter().any(|f| f.0 == "ports.csv"));
    assert_eq!(a, top_files(&p("b")), "same seed, different bytes");
    assert_eq!(a, top_files(&p("c")), "thread count changed the outputs");
    for t in ["1", "2"] {
        corridor()
            .arg("compare")
            .arg(example("variants"))
            .args([
                "--days",
                "20",
                "--runs",
                "3",
                "--quiet",
                "--threads",
                t,
                "--out",
            ])
            .arg(p(&format!("cmp{t}")))
            .assert()
            .success();
    }
    assert_eq!(top_files(&p("cmp1")), top_files(&p("cmp2")));
    for v in ["baseline", "appointments_doubled"] {
        assert_eq!(
            top_files(&p("cmp1").join(v)),
            top_files(&p("cmp2").join(v)),
            "{v}"
        );
    }
}

/// By default compare runs an ensemble of 20 members per variant on the count
/// engine and gives each difference from the baseline with its band, marked when
/// within noise, with peaks and waits over the common window.
#[test]
fn compare_defaults_to_ensembles_with_paired_bands() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    corridor()
        .arg("compare")
        .arg(example("variants"))
        .args([
            "--variants",
            "baseline,ports_stay_closed,stronger_containment",
            "--days",
            "40",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("difference from baseline"))
        .stdout(predicate::str::contains("within noise"));
    let c = json(&out.join("compare.json"));
    assert_eq!(c["runs"], 20);
    assert_eq!(c["baseline"], "baseline");
    assert_eq!(c["window"]["from"], "2023-12-10");
    let v = c["variants"].as_array().unwrap();
    let s = json(&out.join("baseline/summary.json"));
    assert_eq!(s["engine"], "counts");
    assert_eq!(s["ensemble"]["runs"], 20);
    assert!(v[0]["difference"].is_null());
    let diff = |i: usize, k: &str| v[i]["difference"][k].clone();
    for x in &v[1..3] {
        for k in ["admitted", "peak_waiting_at_border", "interception_events"] {
            let d = x["difference"][k].clone();
            let (p5, p50, p95) = (
                d["p5"].as_f64().unwrap(),
                d["p50"].as_f64().unwrap(),
                d["p95"].as_f64().unwrap(),
            );
            assert!(p5 <= p50 && p50 <= p95, "{d}");
            assert_eq!(d["within_noise"], p5 <= 0.0 && p95 >= 0.0, "{d}");
        }
        let by_day = &x["difference_by_day"]["waiting_at_border"]["p50"];
        assert_eq!(by_day.as_array().unwrap().len(), 40);
    }
    // Stronger containment intercepts more in every member: a difference, not noise.
    let d = diff(2, "interception_events");
    assert!(d["p5"].as_f64().unwrap() > 0.0, "{d}");
    assert_eq!(d["within_noise"], false);
    // Before the first event every member is the same in every variant.
    let by_day = &v[2]["difference_by_day"]["waiting_at_border"];
    assert_eq!(by_day["p5"][0], 0.0);
    assert_eq!(by_day["p95"][8], 0.0);
    let html = read(&out.join("report.html"));
    assert!(html.contains("Difference from baseline"), "compare page");
    assert!(html.contains("within noise"), "compare page");
}

#[test]
fn observation_file_is_recorded_for_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("sc");
    copy_dir(&example("port-capacity"), &sc);
    let toml = read(&sc.join("scenario.toml")).replace(
        "ports = \"ports.csv\"",
        "ports = \"ports.csv\"\nobservations = \"observations.csv\"",
    );
    fs::write(sc.join("scenario.toml"), toml).unwrap();
    fs::write(
        sc.join("observations.csv"),
        "location,date,observed\nTijuana,2023-12-02,40\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_ok(&sc, &out, &[]);
    let s = json(&out.join("summary.json"));
    assert_eq!(s["comparison"]["observations"], "observations.csv");
    assert!(s["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["path"] == "observations.csv"));
}

#[test]
fn bad_scenario_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("sc");
    copy_dir(&example("port-closure"), &sc);
    let toml =
        read(&sc.join("scenario.toml")).replace("port = \"Lukeville\"", "port = \"Nowhere\"");
    fs::write(sc.join("scenario.toml"), toml).unwrap();
    let out = tmp.path().join("out");
    run_refused(&sc, &out)
        .stderr(predicate::str::contains("scenario.toml"))
        .stderr(predicate::str::contains("Nowhere"));
    corridor().arg("check").arg(&sc).assert().code(2);
}

#[test]
fn crossings_are_encounters_of_the_city_sector() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cr");
    run_ok(&example("crossings"), &out, &[]);
    let s = json(&out.join("summary.json"));
    let enc = s["accounting"]["encountered"].as_u64().unwrap();
    assert!(enc > 0, "{s}");
    // Encounters happen only at the border city, and monthly.csv puts them in its
    // sector (hasten 1).
    let daily = rows(&out.join("daily.csv"));
    let at_city: u64 = daily
        .iter()
        .filter(|r| r[2] == "Ciudad Juárez")
        .map(|r| r[12].parse::<u64>().unwrap())
        .sum();
    let elsewhere: u64 = daily
        .iter()
        .filter(|r| r[2] != "Ciudad Juárez")
        .map(|r| r[12].parse::<u64>().unwrap())
        .sum();
    assert_eq!((at_city, elsewhere), (enc, 0));
    assert_eq!(
        read(&out.join("monthly.csv")),
        format!(
            "month,component,area_of_responsibility,encounters\n\
             2023-12,Office of Field Operations,El Paso Field Office,0\n\
             2023-12,U.S. Border Patrol,El Paso Sector,{enc}\n"
        )
    );
}

#[test]
fn check_reads_scenarios() {
    corridor()
        .arg("check")
        .arg(example("appointments"))
        .assert()
        .success()
        .stdout(predicate::str::contains("appointments: 30 days"))
        .stdout(predicate::str::contains("ports: 2"))
        // The 2,000 people waiting in Mexico City are where people come from.
        .stdout(predicate::str::contains("people at the start: 2000"))
        .stdout(predicate::str::contains("no warnings"));
}

/// ports.csv rows of one port: (queue, admitted, walk_up, mean_wait_days, open).
fn port_rows(out: &Path, port: &str) -> Vec<(u64, u64, u64, f64, u8)> {
    rows(&out.join("ports.csv"))
        .into_iter()
        .filter(|r| r[2] == port)
        .map(|r| {
            (
                r[3].parse().unwrap(),
                r[4].parse().unwrap(),
                r[6].parse().unwrap(),
                r[7].parse().unwrap(),
                r[8].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn port_capacity_admits_100_a_day() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pc");
    run_ok(&example("port-capacity"), &out, &[]);
    // 250 walk-ups queued on day 0 at 100 a day, first come first served.
    assert_eq!(
        port_rows(&out, "San Ysidro"),
        vec![
            (150, 100, 100, 0.0, 1),
            (50, 100, 100, 1.0, 1),
            (0, 50, 50, 2.0, 1),
            (0, 0, 0, 0.0, 1),
            (0, 0, 0, 0.0, 1),
        ]
    );
    assert_eq!(
        read(&out.join("monthly.csv")),
        "month,component,area_of_responsibility,encounters\n\
         2023-12,Office of Field Operations,San Diego Field Office,250\n"
    );
    let s = json(&out.join("summary.json"));
    assert_eq!(s["key_numbers"]["admitted"], 250);
    assert_eq!(s["totals"]["walk_up"], 250);
    // Mean wait over everyone admitted: (100·0 + 100·1 + 50·2) / 250.
    assert_eq!(s["key_numbers"]["mean_wait_days"].as_f64().unwrap(), 0.8);
}

#[test]
fn port_closure_stops_admissions_for_three_days() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pcl");
    run_ok(&example("port-closure"), &out, &[]);
    let r = port_rows(&out, "Lukeville");
    let admitted: Vec<u64> = r.iter().map(|x| x.1).collect();
    let open: Vec<u8> = r.iter().map(|x| x.4).collect();
    assert_eq!(admitted, [100, 100, 100, 0, 0, 0, 100, 100]);
    assert_eq!(open, [1, 1, 1, 0, 0, 0, 1, 1]);
    let queue: Vec<u64> = r.iter().map(|x| x.0).collect();
    assert_eq!(queue, [900, 800, 700, 700, 700, 700, 600, 500]);
}

/// A variant's report names the variant it ran (issue 17: "what was run"), and its
/// top cards give people intercepted besides interception events.
#[test]
fn a_variant_report_names_its_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("v");
    corridor()
        .arg("run")
        .arg(example("variants"))
        .args(["--variant", "stronger_containment", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Single run of the policy variant “stronger_containment”"),
        "subtitle"
    );
    assert!(html.contains(">Variant<"), "facts");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let k = &summary["key_numbers"];
    let people = k["people_intercepted"].as_u64().unwrap();
    let events = k["interception_events"].as_u64().unwrap();
    assert!(
        people > 0 && people <= events,
        "{people} people, {events} events"
    );
    assert!(html.contains("people intercepted at checkpoints"));
}

/// compare.json and the compare page say what each variant changes and from when.
#[test]
fn compare_lists_what_each_variant_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    corridor()
        .arg("compare")
        .arg(example("variants"))
        .args(["--days", "30", "--runs", "2", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let cmp = json(&out.join("compare.json"));
    let events = |i: usize| -> Vec<String> {
        cmp["variants"][i]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(cmp["variants"][0]["name"], "baseline");
    assert!(events(0).is_empty());
    assert_eq!(events(1), ["2023-12-22: close Eagle Pass"]);
    assert_eq!(
        events(2),
        ["2023-12-10: checkpoint Tapanatepec: interception probability 0.8"]
    );
    let html = read(&out.join("report.html"));
    assert!(html.contains("what it changes, from when"));
    assert!(html.contains("2023-12-10: checkpoint Tapanatepec: interception probability 0.8"));
}
