//! End-to-end tests of the `corridor` binary on Flee instances: outputs of `run`,
//! determinism (seeds, thread counts, repeated runs), exit codes and messages for
//! bad input, no partial outputs after a failure, and snapshots of Flee-format
//! output. Scenarios, the built-in scenario and `compare` are in `scenarios.rs`.
//!
//! `tests/data/tiny` is a two-location instance whose every random draw has a
//! certain outcome (move chance 1 at the conflict zone, 0 in the camp, one
//! route), so its out.csv is the same for every seed and can be pinned.

mod common;

use common::{corridor, files, mali, read, repo, run_ok, run_refused, ACCOUNTING_PARTS};
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny")
}

/// Names of the locations of a Flee locations.csv, and which are camps.
fn locations(instance: &Path) -> Vec<(String, bool)> {
    read(&instance.join("input_csv/locations.csv"))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].trim().to_string(),
                f[5].to_lowercase().contains("camp"),
            )
        })
        .collect()
}

fn flee_header(instance: &Path) -> String {
    let mut h = String::from("Day,Date");
    for (name, camp) in locations(instance) {
        if camp {
            h.push_str(&format!(",{name} sim,{name} data,{name} error"));
        }
    }
    h + ",Total error,refugees in camps (UNHCR),total refugees (simulation),\
raw UNHCR refugee count,refugees in camps (simulation),refugee_debt"
}

#[test]
fn run_mali_writes_flee_and_corridor_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("m");
    corridor()
        .arg("run")
        .arg(mali())
        .args(["--days", "30", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote"))
        .stdout(predicate::str::contains(
            "mali2012: 30 days from 2012-02-29",
        ))
        .stdout(predicate::str::contains("ARD"));

    let out_csv = read(&out.join("out.csv"));
    let lines: Vec<&str> = out_csv.lines().collect();
    assert_eq!(lines[0], flee_header(&mali()));
    assert_eq!(lines.len(), 31);
    assert!(lines[1].starts_with("0,2012-02-29,"), "{}", lines[1]);
    assert!(lines[30].starts_with("29,2012-03-29,"), "{}", lines[30]);
    let ncols = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == ncols));

    let locs = locations(&mali());
    let daily = read(&out.join("daily.csv"));
    assert_eq!(
        daily.lines().next().unwrap(),
        "day,date,location,kind,population,on_links_toward,queue,sheltered,unsheltered,\
arrived,departed,admitted,encountered,intercepted"
    );
    assert_eq!(daily.lines().count(), 1 + 30 * locs.len());
    // Locations in scenario order on every day.
    let day3: Vec<&str> = daily
        .lines()
        .skip(1 + 3 * locs.len())
        .take(locs.len())
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(
        day3,
        locs.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>()
    );

    let camps = locs.iter().filter(|(_, c)| *c).count();
    assert_eq!(
        read(&out.join("observed.csv")).lines().count(),
        1 + 30 * camps
    );

    let summary: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
    assert_eq!(summary["scenario"], "mali2012");
    assert_eq!(summary["input_kind"], "flee");
    assert_eq!(summary["days"], 30);
    assert_eq!(summary["seed"], 1);
    assert_eq!(summary["start_date"], "2012-02-29");
    assert_eq!(summary["end_date"], "2012-03-29");
    let ard = summary["validation"]["ard"].as_f64().unwrap();
    assert!(ard.is_finite() && ard >= 0.0, "{ard}");
    assert!(summary["validation"]["ard_rescaled"].as_f64().is_some());
    assert_eq!(
        summary["validation"]["per_camp"].as_array().unwrap().len(),
        camps
    );
    let acc = &summary["accounting"];
    assert!(acc["spawned"].as_u64().unwrap() > 0);
    let parts: u64 = ACCOUNTING_PARTS
        .iter()
        .map(|k| acc[k].as_u64().unwrap())
        .sum();
    assert_eq!(parts, acc["spawned"].as_u64().unwrap());
    assert_eq!(summary["accounting_balances_every_day"], true);
    // Inputs are listed relative to the instance, with digests.
    let inputs = summary["inputs"].as_array().unwrap();
    assert!(inputs.iter().any(
        |i| i["path"] == "input_csv/locations.csv" && i["sha256"].as_str().unwrap().len() == 64
    ));
    let text = read(&out.join("summary.json"));
    assert!(!text.contains(&*repo().canonicalize().unwrap().to_string_lossy()));

    let net: serde_json::Value = serde_json::from_str(&read(&out.join("network.json"))).unwrap();
    assert_eq!(net["locations"].as_array().unwrap().len(), locs.len());
    assert!(out.join("report.html").is_file());
}

#[test]
fn same_seed_gives_identical_files_and_other_seeds_differ() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    run_ok(&mali(), &a, &["--days", "30", "--seed", "5"]);
    run_ok(&mali(), &b, &["--days", "30", "--seed", "5"]);
    run_ok(&mali(), &c, &["--days", "30", "--seed", "6"]);
    let fa = files(&a);
    assert!(
        fa.len() >= 6,
        "{:?}",
        fa.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert_eq!(fa, files(&b), "same seed, different bytes");
    assert_ne!(read(&a.join("out.csv")), read(&c.join("out.csv")));
}

#[test]
fn thread_count_does_not_change_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    run_ok(&mali(), &a, &["--days", "30", "--threads", "1"]);
    run_ok(&mali(), &b, &["--days", "30", "--threads", "2"]);
    assert_eq!(files(&a), files(&b));
}

/// Copies the tiny instance into `dst`.
fn copy_tiny(dst: &Path) {
    for sub in ["", "input_csv", "source_data"] {
        common::copy_dir(&tiny().join(sub), &dst.join(sub));
    }
}

#[test]
fn bad_input_exits_2_and_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let inst = tmp.path().join("broken");
    copy_tiny(&inst);
    fs::write(
        inst.join("input_csv/routes.csv"),
        "#name1,name2,distance,forced_redirection\nAlpha,Camp_C,far,0\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_refused(&inst, &out)
        .stderr(predicate::str::contains("input_csv/routes.csv:2"))
        .stderr(predicate::str::contains("far"));
    corridor()
        .arg("check")
        .arg(&inst)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("input_csv/routes.csv:2"));
}

#[test]
fn missing_directory_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-instance");
    for cmd in ["run", "check", "validate", "report", "compare"] {
        corridor()
            .arg(cmd)
            .arg(&missing)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("no-such-instance"))
            .stderr(predicate::str::contains("no such file or directory"));
    }
}

/// The what-if page's levers are policy variants, which a Flee instance
/// cannot take: `serve` refuses it at start (exit 2, one message, no server),
/// instead of answering every request with an error.
#[test]
fn serve_refuses_a_flee_instance() {
    corridor()
        .args(["serve", "--port", "0"])
        .arg(mali())
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("levers are policy variants"))
        .stderr(predicate::str::contains("is a Flee instance"));
}

/// Ctrl-C (SIGINT) or SIGTERM (`kill`, a service manager) stops the server
/// cleanly: exit 0, and its work directory (made under TMPDIR, where
/// "Download" writes ensembles) is removed rather than left behind.
#[cfg(unix)]
#[test]
fn serve_stops_cleanly_on_ctrl_c_and_sigterm() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    for signal in ["INT", "TERM"] {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_corridor"))
            .args(["serve", "--port", "0", "--members", "2"])
            .arg(common::example("variants"))
            .env("TMPDIR", tmp.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("http://127.0.0.1:"), "{line:?}");
        let work: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(work.len(), 1, "one work directory while it serves");
        // The shell's own `kill`: no procps needed.
        let sent = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -{signal} {}", child.id()))
            .status()
            .unwrap();
        assert!(sent.success());
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > std::time::Duration::from_secs(60) {
                let _ = child.kill();
                panic!("SIG{signal}: still running after 60 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(status.success(), "SIG{signal}: {status}");
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(
            err.contains("corridor serve: stopped"),
            "SIG{signal}: {err:?}"
        );
        let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert!(left.is_empty(), "SIG{signal} left {left:?}");
    }
}

#[test]
fn usage_errors_exit_2() {
    corridor().args(["run", "--days", "0"]).assert().code(2);
    corridor()
        .args(["run", "--engine", "magic"])
        .assert()
        .code(2);
    corridor().args(["validate"]).assert().code(2);
    corridor().args(["frobnicate"]).assert().code(2);
}

#[test]
fn failed_simulation_leaves_no_outputs() {
    // Alpha is a town and never becomes a conflict zone, but the camp data grows:
    // people must be spawned with nowhere to spawn them. That is a problem of the
    // input (the engine's NoSpawnLocation), so the exit code is 2.
    let tmp = tempfile::tempdir().unwrap();
    let inst = tmp.path().join("nowhere");
    copy_tiny(&inst);
    let locs = read(&inst.join("input_csv/locations.csv")).replace("conflict_zone,0", "town,");
    fs::write(inst.join("input_csv/locations.csv"), locs).unwrap();
    let conflicts = read(&inst.join("input_csv/conflicts.csv")).replace(",1", ",0");
    fs::write(inst.join("input_csv/conflicts.csv"), conflicts).unwrap();
    let out = tmp.path().join("out");
    run_refused(&inst, &out).stderr(predicate::str::contains("no conflict zone"));
    assert!(!out.join("out.csv").exists());
}

#[test]
fn tiny_out_csv_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_ok(&tiny(), &a, &["--seed", "1"]);
    run_ok(&tiny(), &b, &["--seed", "99"]);
    let out = read(&a.join("out.csv"));
    // Every draw is certain, so the seed does not matter here.
    assert_eq!(out, read(&b.join("out.csv")));
    assert_eq!(out.lines().count(), 11);
    insta::assert_snapshot!("tiny_out_csv", out);
}

#[test]
fn check_output_snapshot() {
    let assert = corridor().arg("check").arg(tiny()).assert().success();
    let out = assert.get_output();
    let text = format!(
        "{}--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!("tiny_check", text);
}

/// `corridor check --variant-file` (the built-in scenario without INPUT) reads a
/// saved what-if as a run would and says what it changes, in words; a bad
/// value exits 2 naming the file and its line.
#[test]
fn check_reads_a_variant_file_and_lists_its_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let v = tmp.path().join("levers.toml");
    fs::write(
        &v,
        "name = \"levers\"\n[[events]]\ndate = \"2024-01-01\"\naction = \"hold_port_closed\"\nport = \"Lukeville POE\"\n",
    )
    .unwrap();
    corridor()
        .args(["check", "--variant-file"])
        .arg(&v)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "variant 'levers', every value valid; what it changes:",
        ))
        .stdout(predicate::str::contains(
            "  2024-01-01: Lukeville POE: held closed",
        ));
    fs::write(
        &v,
        "name = \"levers\"\n[[events]]\ndate = \"2024-01-01\"\naction = \"hold_port_closed\"\nport = \"Atlantis\"\n",
    )
    .unwrap();
    corridor()
        .args(["check", "--variant-file"])
        .arg(&v)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("levers.toml:5"))
        .stderr(predicate::str::contains("Atlantis"));
}

#[test]
fn validate_prints_ard_table() {
    let tmp = tempfile::tempdir().unwrap();
    let assert = corridor()
        .args(["validate", "--runs", "3", "--seed", "2", "--out"])
        .arg(tmp.path().join("v"))
        .arg(tiny())
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("instance"), "{stdout}");
    assert!(lines[0].contains("ARD mean ± sd"), "{stdout}");
    assert!(lines[1].starts_with("tiny"), "{stdout}");
    // Deterministic instance: every member has the same ARD, so sd is 0.
    assert!(lines[1].contains("± 0.0000"), "{stdout}");
    // The detailed table follows, and validation.json holds the same numbers.
    assert!(stdout.contains("MASE against naive forecasts"), "{stdout}");
    let v: serde_json::Value =
        serde_json::from_str(&read(&tmp.path().join("v/tiny/validation.json"))).unwrap();
    assert_eq!(v["runs"], 3);
    assert_eq!(v["ard"]["values"].as_array().unwrap().len(), 3);
    // The ARD printed equals the one a single run writes to summary.json.
    // (Into a folder of its own: a run never replaces a folder that is not a run.)
    run_ok(&tiny(), &tmp.path().join("r"), &[]);
    let summary: serde_json::Value =
        serde_json::from_str(&read(&tmp.path().join("r/summary.json"))).unwrap();
    assert!(
        (v["ard"]["mean"].as_f64().unwrap() - summary["validation"]["ard"].as_f64().unwrap()).abs()
            < 1e-12
    );
    let ard = summary["validation"]["ard"].as_f64().unwrap();
    assert!(
        lines[1].contains(&format!("{ard:.4} ± 0.0000")),
        "{stdout} vs {ard}"
    );
}

#[test]
fn report_rerenders_report_html() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&tiny(), tmp.path(), &[]);
    let report = tmp.path().join("report.html");
    let first = fs::read(&report).unwrap();
    fs::remove_file(&report).unwrap();
    corridor()
        .arg("report")
        .arg(tmp.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("report.html"));
    assert_eq!(fs::read(&report).unwrap(), first);
}

#[test]
fn help_has_examples_everywhere() {
    for cmd in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["compare", "--help"],
        vec!["validate", "--help"],
        vec!["ensemble", "--help"],
        vec!["sweep", "--help"],
        vec!["calibrate", "--help"],
        vec!["check", "--help"],
        vec!["report", "--help"],
    ] {
        corridor()
            .args(&cmd)
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:"))
            .stdout(predicate::str::contains("corridor "));
    }
}

/// Progress is shown by default only on a terminal: in a pipe (as here) a run of
/// more than a second writes no progress line, so logs never see carriage returns.
#[test]
fn no_progress_line_off_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = corridor()
        .arg("ensemble")
        .arg(mali())
        .args(["--runs", "4", "--out"])
        .arg(tmp.path().join("e"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(!stderr.contains('\r'), "{stderr:?}");
    assert!(!stderr.contains("about"), "{stderr:?}");
    // The old opt-in flag is still accepted.
    corridor()
        .args(["--progress", "check"])
        .arg(mali())
        .assert()
        .success();
}

/// `--variant-file` applies a variant saved in its own file to the built-in
/// scenario (run) and a bad value in it exits 2 naming the file and the line.
#[test]
fn variant_file_applies_to_the_builtin_scenario_and_bad_values_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let v = tmp.path().join("v.toml");
    std::fs::write(
        &v,
        "name = \"held\"\n[[events]]\nday = 0\naction = \"hold_port_closed\"\n",
    )
    .unwrap();
    let out = tmp.path().join("run");
    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args(["run", "--days", "5", "--quiet", "--variant-file"])
        .arg(&v)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"variant\": \"held\""), "{summary}");
    std::fs::write(
        &v,
        "name = \"bad\"\n[[events]]\nday = 0\naction = \"scale_inflow\"\nfactor = 5000\n",
    )
    .unwrap();
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_corridor"))
        .args(["run", "--days", "5", "--variant-file"])
        .arg(&v)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("v.toml:5") && err.contains("factor"), "{err}");
}
