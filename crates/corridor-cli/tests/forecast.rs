//! End-to-end tests of `corridor forecast` and `corridor backtest`: the files a
//! forecast writes and their shape, identical files for any thread count, exit
//! code 2 for a variant event before the origin and for a bad origin list, a
//! variant file forecast as the same variant named in the scenario, and a
//! cheap smoke test of the built-in scenario (few members, one month).

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corridor() -> Command {
    let mut c = Command::cargo_bin("corridor").unwrap();
    c.env_remove("RAYON_NUM_THREADS");
    c
}

/// A forecast with more members than histories, so that the branching at the
/// origin is part of what must not depend on the thread count.
fn forecast_mali(out: &Path, threads: &str) {
    corridor()
        .arg("forecast")
        .arg(repo().join("tests/data/flee/mali2012"))
        .args(["--origin", "2012-05-30", "--horizon", "10", "--runs", "24"])
        .args(["--threads", threads, "--quiet", "--out"])
        .arg(out)
        .assert()
        .success();
}

#[test]
fn flee_forecast_writes_its_files_the_same_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    forecast_mali(&a, "1");
    forecast_mali(&b, "2");
    let mut names: Vec<String> = fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "corridor-manifest.json",
            "forecast.csv",
            "nowcast.csv",
            "report.html",
            "summary.json"
        ]
    );
    for f in &names {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // The page is drawn from the files: `corridor report` redraws it, byte for byte.
    let page = fs::read(a.join("report.html")).unwrap();
    corridor().arg("report").arg(&a).assert().success();
    assert_eq!(fs::read(a.join("report.html")).unwrap(), page);
    // The nowcast: every camp's members up to the origin, with the observations used.
    let now = fs::read_to_string(a.join("nowcast.csv")).unwrap();
    let mut rows = now.lines();
    assert_eq!(rows.next(), Some("date,location,observed,mean,p5,p50,p95"));
    let rows: Vec<Vec<&str>> = rows.map(|r| r.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 7 && r[0] <= "2012-05-30"));
    let observed = rows.iter().filter(|r| !r[2].is_empty()).count();
    assert!(
        observed > 0 && observed < rows.len(),
        "{observed} of {}",
        rows.len()
    );
    let csv = fs::read_to_string(a.join("forecast.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("date,location,mean,p5,p50,p95"));
    let rows: Vec<&str> = lines.collect();
    // mali2012 has 12 observed camps (13 data_layout rows, one the total) × 10 days.
    assert_eq!(rows.len() % 10, 0);
    assert!(rows.len() >= 10);
    assert!(rows[0].starts_with("2012-05-31,"), "{}", rows[0]);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(a.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["origin"], "2012-05-30");
    // 24 members branch from 10 histories at the origin (docs/forecast.md).
    assert_eq!(summary["members"], 24);
    assert_eq!(summary["histories"], 10);
    assert!(summary["observations_used"].as_u64().unwrap() > 0);
    assert!(!summary["effective_sample_size"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn a_variant_event_before_the_origin_exits_2() {
    corridor()
        .args([
            "forecast",
            "--origin",
            "2024-01-10",
            "--variant",
            "appointments-x2",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is dated on or before the origin 2024-01-10",
        ));
}

#[test]
fn bad_origins_exit_2() {
    corridor()
        .arg("backtest")
        .arg(repo().join("tests/data/flee/mali2012"))
        .args(["--origins", "2012-06-01..2012-05-01", "--every", "30"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no origin"));
    corridor()
        .arg("forecast")
        .arg(repo().join("tests/data/flee/mali2012"))
        .args(["--origin", "2011-01-01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("before the scenario's start date"));
}

/// `corridor backtest` prints the skill table and writes it (skill.csv) with
/// every outcome it sums up (outcomes.csv): the MAE ratio and the coverage of
/// each horizon are those of its outcomes.
#[test]
fn backtest_prints_skill_per_horizon_and_writes_its_outcomes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bt");
    corridor()
        .arg("backtest")
        .arg(repo().join("tests/data/flee/mali2012"))
        .args(["--origins", "2012-04-29..2012-06-28", "--every", "30"])
        .args(["--horizon", "10,20", "--runs", "4", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "backtest of mali2012: 3 origins, 4 members",
        ))
        .stdout(predicate::str::contains("MAE/pers"));
    let rows = |f: &str| -> Vec<Vec<String>> {
        fs::read_to_string(out.join(f))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let skill = rows("skill.csv");
    let outcomes = rows("outcomes.csv");
    assert_eq!(skill.len(), 2);
    let num = |s: &str| s.parse::<f64>().unwrap();
    for h in &skill {
        // origin,horizon,date,location,observed,mean,p5,p50,p95,crps,persistence,...
        let mine: Vec<&Vec<String>> = outcomes.iter().filter(|o| o[1] == h[0]).collect();
        assert_eq!(mine.len().to_string(), h[1], "outcomes at h = {}", h[0]);
        let err: f64 = mine.iter().map(|o| (num(&o[7]) - num(&o[4])).abs()).sum();
        let pers: f64 = mine.iter().map(|o| (num(&o[10]) - num(&o[4])).abs()).sum();
        assert!(
            (err / pers - num(&h[2])).abs() < 1e-3,
            "MAE ratio at h = {}",
            h[0]
        );
        let covered = mine
            .iter()
            .filter(|o| num(&o[6]) <= num(&o[4]) && num(&o[4]) <= num(&o[8]))
            .count();
        let coverage = covered as f64 / mine.len() as f64;
        assert!(
            (coverage - num(&h[9])).abs() < 0.06,
            "coverage at h = {}",
            h[0]
        );
    }
    // A backtest has no report; the directory is whole (its manifest).
    assert!(out.join("corridor-manifest.json").is_file());
    assert!(!out.join("report.html").exists());
}

/// The CI smoke test of the built-in scenario: 3 members, origin at the end of
/// July, one month; every CBP area the scenario models gets a row.
#[test]
fn builtin_forecast_smoke() {
    let tmp = tempfile::tempdir().unwrap();
    corridor()
        .args([
            "forecast",
            "--origin",
            "2023-07-31",
            "--runs",
            "3",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let csv = fs::read_to_string(tmp.path().join("forecast.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("month,component,area_of_responsibility,mean,p5,p50,p95")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 13, "{csv}");
    assert!(rows.iter().all(|r| r.starts_with("2023-08,")));
    assert!(fs::read_to_string(tmp.path().join("report.html"))
        .unwrap()
        .contains("Rio Grande Valley Sector"));
}

/// Appointments doubled from 1 August 2023 (after the tests' origin).
const DOUBLED: &str = r#"[[events]]
date = "2023-08-01"
action = "set_appointments_per_day"
per_day = 2900
"#;

fn forecast_builtin_copy(dir: &Path, extra: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    corridor()
        .arg("forecast")
        .arg(dir)
        .args(["--origin", "2023-07-31", "--runs", "3", "--quiet"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
}

/// `--variant-file` (what the what-if page saves) forecasts exactly as the same
/// events named as a variant in the scenario; events on or before the origin
/// are refused as for `--variant`.
#[test]
fn a_variant_file_forecasts_as_the_same_named_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let scen = tmp.path().join("mx");
    fs::create_dir(&scen).unwrap();
    for e in fs::read_dir(repo().join("scenarios/mexico-2023")).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            fs::copy(e.path(), scen.join(e.file_name())).unwrap();
        }
    }
    let data = scen.join("data");
    fs::create_dir(&data).unwrap();
    for e in fs::read_dir(repo().join("scenarios/mexico-2023/data")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), data.join(e.file_name())).unwrap();
    }
    let toml = scen.join("scenario.toml");
    let named = format!(
        "{}\n[[variants]]\nname = \"doubled\"\n{}",
        fs::read_to_string(&toml).unwrap(),
        DOUBLED.replace("[[events]]", "[[variants.events]]")
    );
    fs::write(&toml, named).unwrap();
    let file = tmp.path().join("levers.toml");
    fs::write(&file, format!("name = \"levers\"\n{DOUBLED}")).unwrap();

    let (a, b, plain) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("p"),
    );
    forecast_builtin_copy(&scen, &["--variant", "doubled"], &a).success();
    forecast_builtin_copy(&scen, &["--variant-file", file.to_str().unwrap()], &b).success();
    forecast_builtin_copy(&scen, &[], &plain).success();
    let csv = |d: &Path| fs::read_to_string(d.join("forecast.csv")).unwrap();
    assert_eq!(csv(&a), csv(&b));
    assert_ne!(
        csv(&a),
        csv(&plain),
        "the doubled appointments change nothing"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(b.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["variant"], "levers");

    fs::write(
        &file,
        format!(
            "name = \"early\"\n{}",
            DOUBLED.replace("2023-08-01", "2023-07-15")
        ),
    )
    .unwrap();
    forecast_builtin_copy(&scen, &["--variant-file", file.to_str().unwrap()], &b)
        .code(2)
        .stderr(predicate::str::contains(
            "is dated on or before the origin 2023-07-31",
        ));
}

/// `forecast FLEE --observed DIR`: DIR, in the layout of the instance's
/// `source_data/`, replaces its own data. A copy of its own data forecasts
/// exactly as without `--observed` (and is listed among the inputs); newer
/// counts of one camp before the origin change the forecast and show in
/// nowcast.csv; a backtest takes them too; what is not such data exits 2.
#[test]
fn flee_forecast_takes_newer_camp_data() {
    let tmp = tempfile::tempdir().unwrap();
    let mali = repo().join("tests/data/flee/mali2012");
    let copy = tmp.path().join("newer");
    fs::create_dir(&copy).unwrap();
    for e in fs::read_dir(mali.join("source_data")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), copy.join(e.file_name())).unwrap();
    }
    let forecast = |observed: Option<&Path>, out: &Path| {
        let mut c = corridor();
        c.arg("forecast").arg(&mali);
        c.args(["--origin", "2012-05-30", "--horizon", "10", "--runs", "6"]);
        if let Some(o) = observed {
            c.arg("--observed").arg(o);
        }
        c.args(["--quiet", "--out"]).arg(out).assert().success();
    };
    let (own, same, newer) = (
        tmp.path().join("own"),
        tmp.path().join("same"),
        tmp.path().join("newer-out"),
    );
    forecast(None, &own);
    forecast(Some(&copy), &same);
    for f in ["forecast.csv", "nowcast.csv"] {
        assert_eq!(
            fs::read_to_string(own.join(f)).unwrap(),
            fs::read_to_string(same.join(f)).unwrap(),
            "{f}"
        );
    }
    let summary = fs::read_to_string(same.join("summary.json")).unwrap();
    let given = copy.join("data_layout.csv").display().to_string();
    assert!(summary.contains(&given), "inputs list {given}");

    // Fassala-Mbera, as if counted again: twice the people on every date up to the origin.
    let mbera = copy.join("mau-fassala-mbera.csv");
    let doubled: String = fs::read_to_string(&mbera)
        .unwrap()
        .lines()
        .map(|l| {
            let (date, n) = l.split_once(',').unwrap();
            let n: f64 = n.trim().parse().unwrap();
            let n = if date <= "2012-05-30" { 2.0 * n } else { n };
            format!("{date},{n}\n")
        })
        .collect();
    fs::write(&mbera, doubled).unwrap();
    forecast(Some(&copy), &newer);
    assert_ne!(
        fs::read_to_string(own.join("forecast.csv")).unwrap(),
        fs::read_to_string(newer.join("forecast.csv")).unwrap()
    );
    // nowcast.csv: date,location,observed,...; the newer count at its last date.
    let observed_at = |dir: &Path, date: &str| -> f64 {
        let text = fs::read_to_string(dir.join("nowcast.csv")).unwrap();
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("{date},Fassala-Mbera,")))
            .unwrap_or_else(|| panic!("no Fassala-Mbera row on {date}"))
            .to_string();
        row.split(',').nth(2).unwrap().parse().unwrap()
    };
    let (before, after) = (
        observed_at(&own, "2012-04-15"),
        observed_at(&newer, "2012-04-15"),
    );
    assert!(
        before > 0.0 && (after - 2.0 * before).abs() < 1.0,
        "{before} → {after}"
    );

    // A backtest reads the same data.
    let bt = tmp.path().join("bt");
    corridor()
        .arg("backtest")
        .arg(&mali)
        .args(["--origins", "2012-05-30..2012-05-30", "--every", "30"])
        .args(["--horizon", "10"])
        .args(["--runs", "4", "--quiet", "--observed"])
        .arg(&copy)
        .arg("--out")
        .arg(&bt)
        .assert()
        .success();
    let outcomes = fs::read_to_string(bt.join("outcomes.csv")).unwrap();
    assert!(
        outcomes.lines().any(|l| l.contains(",Fassala-Mbera,")),
        "{outcomes}"
    );

    // Not such data: exit 2, naming what is missing.
    corridor()
        .arg("forecast")
        .arg(&mali)
        .args(["--origin", "2012-05-30", "--observed"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("data_layout.csv: file not found"));
    corridor()
        .arg("forecast")
        .arg(&mali)
        .args(["--origin", "2012-05-30", "--observed"])
        .arg(&mbera)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "mau-fassala-mbera.csv: expected data in the layout of a Flee instance's source_data/",
        ));
}
