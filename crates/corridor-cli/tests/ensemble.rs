//! End-to-end tests of the many-run commands: `ensemble` (files, summary,
//! report, thread-count independence, agreement with `validate`), `compare
//! --runs N`, `sweep`, `validate` and `calibrate`, and their exit codes for bad
//! input. Runs are short (`--days 10..20`, few runs) to keep debug builds quick.

mod common;

use common::{corridor, files, json, mali, read, repo};
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

fn ensemble_mali(out: &Path, extra: &[&str]) -> String {
    let a = corridor()
        .arg("ensemble")
        .arg(mali())
        .args(["--runs", "4", "--days", "20", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

#[test]
fn ensemble_writes_statistics_summary_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ens");
    let stdout = ensemble_mali(&out, &[]);
    assert!(stdout.contains("mali2012: 4 runs of 20 days"), "{stdout}");
    assert!(stdout.contains("ARD "), "{stdout}");
    let names: Vec<String> = files(&out).into_iter().map(|f| f.0).collect();
    for f in [
        "daily_stats.csv",
        "totals_stats.csv",
        "summary.json",
        "observed.csv",
        "network.json",
        "report.html",
    ] {
        assert!(names.contains(&f.to_string()), "{f} missing: {names:?}");
    }
    let daily = read(&out.join("daily_stats.csv"));
    let mut lines = daily.lines();
    assert_eq!(
        lines.next().unwrap(),
        "day,date,location,kind,variable,mean,sd,p5,p50,p95"
    );
    // 20 days × 23 locations × 10 variables.
    assert_eq!(lines.count(), 20 * 23 * 10);
    let s = json(&out.join("summary.json"));
    assert_eq!(s["input_kind"], "flee");
    assert_eq!(s["scenario"], "mali2012");
    assert_eq!(s["variant"], Value::Null);
    assert_eq!(s["days"], 20);
    let inputs = s["inputs"].as_array().unwrap();
    assert!(inputs
        .iter()
        .any(|i| i["path"] == "input_csv/locations.csv"));
    assert!(inputs
        .iter()
        .all(|i| i["sha256"].as_str().unwrap().len() == 64));
    let e = &s["ensemble"];
    assert_eq!(e["runs"], 4);
    let values: Vec<f64> = e["ard"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(values.len(), 4);
    let mean = values.iter().sum::<f64>() / 4.0;
    assert!((e["ard"]["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert!(values.iter().all(|&v| v > 0.0 && v < 1.0), "{values:?}");
    // observed.csv: the camps with data on each of the 20 days.
    let observed = read(&out.join("observed.csv"));
    assert!(observed.starts_with("day,date,location,observed\n"));
    assert!(observed.contains("\n0,2012-02-29,"), "{observed}");
    let report = read(&out.join("report.html"));
    assert!(report.contains("<html"), "report.html is not HTML");

    // validate runs the same member seeds: the same ARD for every member (on
    // the engine the ensemble picked by default, auto).
    let v_out = tmp.path().join("val");
    corridor()
        .arg("validate")
        .arg(mali())
        .args(["--runs", "4", "--days", "20", "--engine", "auto", "--out"])
        .arg(&v_out)
        .assert()
        .success();
    let v = json(&v_out.join("mali2012/validation.json"));
    let v_values: Vec<f64> = v["ard"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(v_values, values);
}

#[test]
fn ensemble_files_do_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("t1");
    let b = tmp.path().join("t2");
    ensemble_mali(&a, &["--threads", "1"]);
    ensemble_mali(&b, &["--threads", "2"]);
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.len(), 7); // six tables and corridor-manifest.json
    for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between --threads 1 and 2");
    }
    // Another seed gives other numbers.
    let c = tmp.path().join("s2");
    ensemble_mali(&c, &["--seed", "2"]);
    assert_ne!(
        read(&a.join("daily_stats.csv")),
        read(&c.join("daily_stats.csv"))
    );
}

#[test]
fn ensemble_bad_input_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    corridor()
        .arg("ensemble")
        .arg(tmp.path().join("no-such-instance"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file or directory"));
    corridor()
        .arg("ensemble")
        .arg(mali())
        .args(["--variant", "x", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--variant needs a corridor scenario",
        ));
    corridor()
        .args(["ensemble", "--runs", "0"])
        .assert()
        .code(2);
    assert!(!tmp.path().join("o").exists());
}

#[test]
fn compare_with_runs_writes_ensembles_and_quantile_key_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    corridor()
        .arg("compare")
        .arg(repo().join("examples/variants"))
        .args([
            "--variants",
            "baseline,stronger_containment",
            "--runs",
            "3",
            "--days",
            "20",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("median (p5–p95) over runs"));
    let c = json(&out.join("compare.json"));
    assert_eq!(c["runs"], 3);
    let vars = c["variants"].as_array().unwrap();
    assert_eq!(vars.len(), 2);
    for v in vars {
        let k = &v["key_numbers"]["interception_events"];
        let (p5, p50, p95) = (
            k["p5"].as_f64().unwrap(),
            k["p50"].as_f64().unwrap(),
            k["p95"].as_f64().unwrap(),
        );
        assert!(p5 <= p50 && p50 <= p95, "{k}");
        let dir = out.join(v["dir"].as_str().unwrap());
        assert!(dir.join("daily_stats.csv").is_file());
        let s = json(&dir.join("summary.json"));
        assert_eq!(s["ensemble"]["runs"], 3);
        assert_eq!(s["variant"], v["name"]);
        assert_eq!(s["input_kind"], "scenario");
    }
    // Common random numbers: the same member seeds in every variant.
    let seeds =
        |d: &str| json(&out.join(d).join("summary.json"))["ensemble"]["member_seeds"].clone();
    assert_eq!(seeds("baseline"), seeds("stronger_containment"));
    // Stronger containment makes more interceptions.
    let med = |i: usize| {
        vars[i]["key_numbers"]["interception_events"]["p50"]
            .as_f64()
            .unwrap()
    };
    assert!(med(1) > med(0), "{} vs {}", med(1), med(0));
    assert!(read(&out.join("report.html")).contains("<html"));
}

#[test]
fn sweep_writes_one_row_per_sample_and_prints_indices() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sw");
    let a = corridor()
        .arg("sweep")
        .arg(mali())
        .args([
            "--param",
            "move_rules.camp_weight=1:4",
            "--param",
            "move_rules.conflict_weight=0.1:0.5",
            "--samples",
            "5",
            "--days",
            "10",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("output"), "{stdout}");
    assert!(stdout.contains("SRC"), "{stdout}");
    assert!(stdout.contains("move_rules.conflict_weight"), "{stdout}");
    let csv = read(&out.join("sweep.csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("sample,move_rules.camp_weight,move_rules.conflict_weight,ard"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + 5);
    for l in &lines[1..] {
        let w: f64 = l.split(',').nth(1).unwrap().parse().unwrap();
        assert!((1.0..=4.0).contains(&w), "{l}");
    }
    let sens = read(&out.join("sensitivity.csv"));
    assert!(sens.starts_with("output,param,index,value\n"));
    assert!(sens.contains("ard,move_rules.camp_weight,SRC,"), "{sens}");
    // A sweep has no report: `corridor report` says so (exit 2), once.
    let a = corridor().arg("report").arg(&out).assert().code(2);
    let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("is a sweep directory, which has no report.html"),
        "{err}"
    );
    assert_eq!(err.matches(out.to_str().unwrap()).count(), 1, "{err}");
}

/// One spelling per concept: `NAME=LOW..HIGH` and `NAME=LOW:HIGH` are the same
/// range, and `--runs` is the run count (`--replicates` its old spelling), so
/// both command lines write the same sweep; two runs per row differ from one.
#[test]
fn sweep_accepts_both_range_spellings_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = |out: &str, range: &str, runs: &[&str]| {
        corridor()
            .arg("sweep")
            .arg(mali())
            .args(["--param", range, "--samples", "3", "--days", "8"])
            .args(runs)
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
            .success();
        read(&tmp.path().join(out).join("sweep.csv"))
    };
    let dots = sweep("a", "move_rules.camp_weight=1..4", &["--runs", "1"]);
    let colon = sweep("b", "move_rules.camp_weight=1:4", &["--replicates", "1"]);
    assert_eq!(dots, colon);
    let two = sweep("c", "move_rules.camp_weight=1..4", &["--runs", "2"]);
    assert_ne!(dots, two);
}

#[test]
fn bad_parameters_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let unknown = "unknown parameter `move_rules.nope`";
    // (command, its arguments, --out folder, what stderr must say)
    let cases: [(&str, &[&str], &str, &[&str]); 4] = [
        (
            "sweep",
            &[
                "--param",
                "move_rules.nope=1:2",
                "--samples",
                "5",
                "--days",
                "5",
            ],
            "sw",
            &[unknown, "move_rules.camp_weight"],
        ),
        (
            "sweep",
            &["--param", "move_rules.camp_weight"],
            "sw",
            &["expected NAME=LOW:HIGH"],
        ),
        (
            "calibrate",
            &[
                "--param",
                "move_rules.nope=1..2",
                "--budget",
                "4",
                "--days",
                "5",
            ],
            "cal",
            &[unknown],
        ),
        // A value outside the parameter's domain (a probability above 1).
        (
            "calibrate",
            &[
                "--param",
                "move_rules.conflict_movechance=0.5..1.5",
                "--budget",
                "4",
                "--days",
                "5",
            ],
            "cal",
            &[],
        ),
    ];
    for (cmd, args, out, says) in cases {
        let mut a = corridor()
            .arg(cmd)
            .arg(mali())
            .args(args)
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
            .code(2);
        for s in says {
            a = a.stderr(predicate::str::contains(*s));
        }
    }
    assert!(!tmp.path().join("sw").exists());
    assert!(!tmp.path().join("cal").exists());
}

#[test]
fn calibrate_runs_end_to_end_and_writes_simsetting() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cal");
    let a = corridor()
        .arg("calibrate")
        .arg(mali())
        .args([
            "--param",
            "move_rules.camp_weight=1..4",
            "--budget",
            "4",
            "--runs",
            "1",
            "--days",
            "20",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("Calibration of ard_rescaled on mali2012"),
        "{stdout}"
    );
    let yml = read(&out.join("simsetting.yml"));
    assert!(yml.contains("camp_weight"), "{yml}");
    let cal = json(&out.join("calibration.json"));
    let w = cal["params"][0]["calibrated"].as_f64().unwrap();
    assert!((1.0..=4.0).contains(&w), "{w}");
    assert_eq!(cal["params"][0]["shipped"].as_f64().unwrap(), 2.0);
    let trace = read(&out.join("trace.csv"));
    assert!(trace.starts_with("fold,generation,candidate,move_rules.camp_weight,objective\n"));
    assert!(trace.lines().count() >= 2, "{trace}");
}

#[test]
fn calibrate_refuses_a_scenario_without_camp_data() {
    let tmp = tempfile::tempdir().unwrap();
    corridor()
        .arg("calibrate")
        .arg(repo().join("examples/variants"))
        .args(["--param", "move_rules.camp_weight=1..4", "--out"])
        .arg(tmp.path().join("cal"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("CBP monthly encounters"));
}

/// Under `mpirun -np 2` (CLI built with `--features mpi`) rank 0 writes the same
/// directory, byte for byte, as a single process. Skipped when mpirun is missing outside CI.
#[cfg(feature = "mpi")]
#[test]
fn mpi_ensemble_equals_single_process() {
    let Ok(mpirun) = which_mpirun() else {
        // In CI (`CI` set) .ci/run installs Open MPI: its absence is a failure there.
        assert!(
            std::env::var_os("CI").is_none(),
            "mpirun not found although CI is set: .ci/run installs it"
        );
        eprintln!("mpirun not found: skipped");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    ensemble_mali(&single, &["--quiet"]);
    let bin = assert_cmd::cargo::cargo_bin("corridor");
    let mpi = tmp.path().join("mpi");
    let mut cmd = std::process::Command::new(mpirun);
    cmd.args(["--oversubscribe", "-np", "2"])
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .arg(bin)
        .arg("ensemble")
        .arg(mali())
        .args(["--runs", "4", "--days", "20", "--out"])
        .arg(&mpi);
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    // Only rank 0 writes and reports: a rank that missed the MPI launch would
    // have run the whole ensemble itself and printed a second time.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("wrote ").count(), 1, "{stdout}");
    assert_eq!(files(&single), files(&mpi));
}

#[cfg(feature = "mpi")]
fn which_mpirun() -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("mpirun"))
        .find(|p| p.is_file())
        .ok_or(())
}
