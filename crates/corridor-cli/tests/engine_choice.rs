//! Which engine the commands pick (issue 19): `ensemble`, `compare`, `sweep` and
//! `calibrate` default to `--engine auto`, the fastest engine whose law matches
//! the input — the count engine where it supports the input (border scenarios,
//! Flee instances, DFlee's flood rules), the agent engine where it refuses it
//! (more than 254 crossing points, a border run of over 65,000 days);
//! `--engine agents` overrides; a single `run` keeps the agent engine. What a
//! directory records (`summary.json` `engine`) is the engine actually used.

mod common;

use common::{corridor, example, json, mali, repo};
use std::path::{Path, PathBuf};

/// The engine recorded in `<dir>/summary.json`.
fn engine(dir: &Path) -> String {
    json(&dir.join("summary.json"))["engine"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Runs `corridor <cmd> <input> <args> --out <out> -q` and returns `out`.
fn run(tmp: &Path, name: &str, cmd: &str, input: &Path, args: &[&str]) -> PathBuf {
    let out = tmp.join(name);
    corridor()
        .arg(cmd)
        .arg(input)
        .args(args)
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .assert()
        .success();
    out
}

#[test]
fn ensembles_default_to_counts_where_the_count_engine_supports_the_input() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let short = ["--runs", "2", "--days", "10"];
    for ex in ["inflow", "appointments", "crossings"] {
        let out = run(t, ex, "ensemble", &example(ex), &short);
        assert_eq!(engine(&out), "counts", "{ex}");
    }
    assert_eq!(
        engine(&run(t, "mali", "ensemble", &mali(), &short)),
        "counts"
    );
    // `--engine agents` overrides.
    let agents = [&short[..], &["--engine", "agents"]].concat();
    let inflow = example("inflow");
    let out = run(t, "inflow-agents", "ensemble", &inflow, &agents);
    assert_eq!(engine(&out), "agents");
    // A single run keeps the agent engine; `--engine auto` asks for the fastest.
    let out = run(t, "run", "run", &inflow, &["--days", "10"]);
    assert_eq!(engine(&out), "agents");
    let out = run(
        t,
        "run-auto",
        "run",
        &inflow,
        &["--days", "10", "--engine", "auto"],
    );
    assert_eq!(engine(&out), "counts");
}

/// examples/crossings with 255 crossing points (one more than the count engine
/// takes): a border town and its crossing for each.
fn too_many_crossings(dir: &Path) {
    let ex = example("crossings");
    std::fs::create_dir_all(dir).unwrap();
    for f in ["scenario.toml", "ports.csv"] {
        std::fs::copy(ex.join(f), dir.join(f)).unwrap();
    }
    let mut locations = std::fs::read_to_string(ex.join("locations.csv")).unwrap();
    let mut routes = std::fs::read_to_string(ex.join("routes.csv")).unwrap();
    let mut crossings = std::fs::read_to_string(ex.join("crossings.csv")).unwrap();
    for i in 1..255 {
        locations.push_str(&format!("B{i},town,31.7,-106.5,Mexico,Chihuahua,0,1\n"));
        routes.push_str(&format!("Ciudad Juárez,B{i},5,estimate\n"));
        crossings.push_str(&format!("B{i},El Paso Sector,0.05,0.1,0.3,test\n"));
    }
    std::fs::write(dir.join("locations.csv"), locations).unwrap();
    std::fs::write(dir.join("routes.csv"), routes).unwrap();
    std::fs::write(dir.join("crossings.csv"), crossings).unwrap();
}

#[test]
fn the_agent_engine_runs_what_the_count_engine_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let many = tmp.path().join("many");
    too_many_crossings(&many);
    // The count engine refuses 255 crossing points outright ...
    corridor()
        .arg("ensemble")
        .arg(&many)
        .args([
            "--runs", "1", "--days", "3", "--engine", "counts", "-q", "--out",
        ])
        .arg(tmp.path().join("refused"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("254 crossing points"));
    // ... so auto, the default, runs them on the agent engine.
    let out = run(
        tmp.path(),
        "ens",
        "ensemble",
        &many,
        &["--runs", "1", "--days", "3"],
    );
    assert_eq!(engine(&out), "agents");
}

/// DFlee's flood rules run on the count engine too, so auto picks it.
#[test]
fn flood_rules_default_to_the_count_engine() {
    let tmp = tempfile::tempdir().unwrap();
    let dflee = repo().join("tests/data/flee/dflee_example");
    let out = run(
        tmp.path(),
        "ens",
        "ensemble",
        &dflee,
        &["--runs", "2", "--days", "3"],
    );
    assert_eq!(engine(&out), "counts");
}

#[test]
fn compare_resolves_one_engine_for_every_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let variants = example("variants");
    let args = [
        "--runs",
        "2",
        "--days",
        "10",
        "--variants",
        "baseline,ports_stay_closed",
    ];
    let out = run(tmp.path(), "cmp", "compare", &variants, &args);
    for v in ["baseline", "ports_stay_closed"] {
        assert_eq!(engine(&out.join(v)), "counts", "{v}");
    }
    let agents = [&args[..], &["--engine", "agents"]].concat();
    let out = run(tmp.path(), "cmp-agents", "compare", &variants, &agents);
    for v in ["baseline", "ports_stay_closed"] {
        assert_eq!(engine(&out.join(v)), "agents", "{v}");
    }
}

/// Each command's `--help` states its default engine.
#[test]
fn help_states_the_default_engine() {
    for (cmd, default) in [
        ("ensemble", "auto"),
        ("compare", "auto"),
        ("sweep", "auto"),
        ("calibrate", "auto"),
        ("run", "agents"),
        ("validate", "agents"),
    ] {
        let a = corridor().args([cmd, "--help"]).assert().success();
        let help = String::from_utf8(a.get_output().stdout.clone()).unwrap();
        let flag = help
            .split("--engine <ENGINE>")
            .nth(1)
            .unwrap_or_else(|| panic!("{cmd}: no --engine in {help}"));
        let flag = flag.split("\n  -").next().unwrap();
        assert!(
            flag.contains(&format!("[default: {default}]")),
            "{cmd}: {flag}"
        );
        assert!(flag.contains("auto"), "{cmd}: {flag}");
    }
}
