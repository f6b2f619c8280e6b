//! `corridor calibrate` on a corridor scenario against CBP monthly encounters
//! (`corridor_calibrate::scenario_cal`): a copy of examples/crossings moved to
//! July 2023 (a complete month up to September 2023) with a one-row CBP file.
//! Tiny budgets so the debug build stays fast.

mod common;

use common::{copy_dir, example};
use predicates::prelude::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

const CBP: &str = "fiscal_year,calendar_year,month,component,area_of_responsibility,\
title_of_authority,encounters\n\
2023,2023,7,U.S. Border Patrol,El Paso Sector,Title 8,600\n\
2024,2023,10,U.S. Border Patrol,El Paso Sector,Title 8,5\n";

/// examples/crossings moved to 1-31 Jul 2023, with `extra` appended to its TOML.
fn july_scenario(dir: &Path, extra: &str) -> PathBuf {
    let sc = dir.join("sc");
    copy_dir(&example("crossings"), &sc);
    let toml = fs::read_to_string(sc.join("scenario.toml")).unwrap();
    assert!(toml.contains("start_date = \"2023-12-01\"") && toml.contains("days = 30"));
    let toml = toml
        .replace("start_date = \"2023-12-01\"", "start_date = \"2023-07-01\"")
        .replace("days = 30", "days = 31");
    // [sources] must come before the first table header to stay top-level.
    let (head, tail) = toml.split_at(toml.find("[tables]").unwrap());
    fs::write(sc.join("scenario.toml"), format!("{head}{extra}\n{tail}")).unwrap();
    fs::write(sc.join("cbp.csv"), CBP).unwrap();
    sc
}

fn corridor() -> assert_cmd::Command {
    let mut c = common::corridor();
    c.arg("--quiet");
    c
}

fn calibrate(sc: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    corridor()
        .arg("calibrate")
        .arg(sc)
        .args(["--param", "crossings.hazard_scale=0.2..3"])
        .args(["--param", "crossing.Ciudad Juárez.hazard=0.01..0.3"])
        .args(["--budget", "6", "--runs", "1", "--seed", "3", "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

#[test]
fn calibrates_a_scenario_on_cbp_encounters() {
    let t = tempfile::tempdir().unwrap();
    let sc = july_scenario(t.path(), "");
    let cbp = sc.join("cbp.csv");
    let out = t.path().join("cal");
    calibrate(&sc, &out, &["--observed", cbp.to_str().unwrap()]).success();
    let j: Value =
        serde_json::from_str(&fs::read_to_string(out.join("calibration.json")).unwrap()).unwrap();
    // July only: October 2023 is outside the run and after September 2023 anyway.
    assert_eq!(j["months"], serde_json::json!(["2023-07"]));
    let params = j["params"].as_array().unwrap();
    assert_eq!(params.len(), 2);
    assert_eq!(params[0]["name"], "crossings.hazard_scale");
    assert_eq!(params[0]["start"], 1.0);
    assert_eq!(params[1]["start"], 0.05);
    let v = params[0]["value"].as_f64().unwrap();
    assert!((0.2..=3.0).contains(&v), "{v}");
    let cells = j["before"]["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 1);
    assert_eq!(cells[0]["area_of_responsibility"], "El Paso Sector");
    assert_eq!(cells[0]["observed"], 600.0);
    let sim = cells[0]["simulated"].as_f64().unwrap();
    let ard = j["before"]["ard"].as_f64().unwrap();
    assert!((ard - (sim - 600.0).abs() / 600.0).abs() < 1e-12);
    // trace.csv: one row per evaluation, best objective = the trace's minimum.
    let trace = fs::read_to_string(out.join("trace.csv")).unwrap();
    let mut lines = trace.lines();
    assert_eq!(
        lines.next().unwrap(),
        "fold,generation,candidate,crossings.hazard_scale,crossing.Ciudad Juárez.hazard,objective"
    );
    let objs: Vec<f64> = lines
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(objs.len() >= 6, "{}", objs.len());
    // Same inputs, same seed: byte-identical outputs.
    let out2 = t.path().join("cal2");
    calibrate(&sc, &out2, &["--observed", cbp.to_str().unwrap()]).success();
    for f in ["calibration.json", "trace.csv"] {
        assert_eq!(
            fs::read(out.join(f)).unwrap(),
            fs::read(out2.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn finds_the_cbp_file_named_by_the_scenario() {
    let t = tempfile::tempdir().unwrap();
    let sc = july_scenario(t.path(), "[sources]\nobserved_cbp_monthly = \"cbp.csv\"\n");
    let out = t.path().join("cal");
    calibrate(&sc, &out, &[])
        .success()
        .stdout(predicate::str::contains("on CBP encounters 2023-07"));
    assert!(out.join("calibration.json").is_file());
}

#[test]
fn bad_names_and_months_after_september_2023_are_bad_input() {
    let t = tempfile::tempdir().unwrap();
    let sc = july_scenario(t.path(), "");
    let cbp = sc.join("cbp.csv");
    corridor()
        .arg("calibrate")
        .arg(&sc)
        .args(["--param", "crossing.Nowhere.hazard=0..0.5", "--budget", "2"])
        .args(["--observed", cbp.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no crossing point 'Nowhere'"));
    // A calibration window (`[sources] calibration_months`) without July leaves
    // nothing to compare.
    let t2 = tempfile::tempdir().unwrap();
    let sc2 = july_scenario(t2.path(), "[sources]\ncalibration_months = [\"2023-08\"]\n");
    corridor()
        .arg("calibrate")
        .arg(&sc2)
        .args(["--param", "crossings.hazard_scale=0.5..2", "--budget", "2"])
        .args(["--observed", cbp.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no complete month of the run"));
    // The original example runs in December 2023: nothing to compare with.
    corridor()
        .arg("calibrate")
        .arg(example("crossings"))
        .args(["--param", "crossings.hazard_scale=0.5..2", "--budget", "2"])
        .args(["--observed", cbp.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no complete month of the run"));
}
