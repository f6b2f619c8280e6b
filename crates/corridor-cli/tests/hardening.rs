//! End-to-end hardening checks of the `corridor` binary: output directories are
//! whole (a run killed at random points leaves the previous directory or the new
//! one, never a mix; `report` refuses mixed or incomplete folders), folders that are
//! not corridor's are never replaced, every user error exits 2 with one message,
//! work too large for the memory is refused before it starts, and names cannot
//! send escape sequences to the terminal.

mod common;

use assert_cmd::Command;
use common::{copy_dir, example, mali};
use corridor_io::write::{check_dir, MANIFEST_FILE};
use predicates::prelude::*;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

fn corridor() -> Command {
    let mut c = common::corridor();
    c.arg("--no-progress");
    c
}

fn seed_of(dir: &Path) -> u64 {
    let s: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    s["seed"].as_u64().unwrap()
}

/// A small deterministic sequence of delays (no clock or OS randomness, so a
/// failure can be replayed).
fn delays(n: usize, max: Duration) -> Vec<Duration> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            max.mul_f64((x % 1000) as f64 / 1000.0)
        })
        .collect()
}

/// Kills runs into one `--out` at spread-out moments: what is left is always a
/// whole directory (its manifest matches every file) holding either the previous
/// run (seed 1) or the new one (seed 2), and `corridor report` accepts it.
fn killed_runs_leave_a_whole_directory(cmd: &str, input: &Path, extra: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("corridor");
    let args = |seed: &str| {
        let mut a: Vec<String> = vec![cmd.into(), input.display().to_string()];
        a.extend(["--out", out.to_str().unwrap(), "--seed", seed, "--quiet"].map(String::from));
        a.extend(extra.iter().map(|s| s.to_string()));
        a.push("--no-progress".into());
        a
    };
    let started = Instant::now();
    let st = std::process::Command::new(&bin)
        .args(args("1"))
        .status()
        .unwrap();
    assert!(st.success());
    let full = started.elapsed();
    let summary = |d: &Path| d.join(if cmd == "compare" { "baseline" } else { "." });
    let mut saw_new = false;
    for d in delays(12, full.mul_f64(1.3)) {
        let mut child = std::process::Command::new(&bin)
            .args(args("2"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(d);
        let _ = child.kill();
        child.wait().unwrap();
        let m = check_dir(&out).unwrap_or_else(|e| panic!("after a kill at {d:?}: {e}"));
        assert_eq!(m.kind, cmd);
        let seed = seed_of(&summary(&out));
        assert!(seed == 1 || seed == 2, "seed {seed}");
        saw_new |= seed == 2;
        corridor().arg("report").arg(&out).assert().success();
        if seed == 2 {
            // Back to the old run for the next kill.
            let st = std::process::Command::new(&bin)
                .args(args("1"))
                .status()
                .unwrap();
            assert!(st.success());
        }
    }
    // Some kill came after the swap (the last delays exceed the full run time).
    let _ = saw_new;
    // Only the output folder and, at most, staging folders of killed runs remain;
    // the next run removes those.
    let st = std::process::Command::new(&bin)
        .args(args("1"))
        .status()
        .unwrap();
    assert!(st.success());
    let left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["out"], "{left:?}");
}

#[test]
fn killed_runs_leave_the_old_or_the_new_directory() {
    killed_runs_leave_a_whole_directory("run", &example("crossings"), &[]);
}

#[test]
fn killed_compares_leave_the_old_or_the_new_directory() {
    killed_runs_leave_a_whole_directory("compare", &example("variants"), &["--days", "40"]);
}

#[test]
fn a_new_run_replaces_every_file_of_the_previous_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // A Flee run has out.csv and observed.csv; the scenario run has neither.
    corridor()
        .args(["run", "--quiet", "--days", "5", "--out"])
        .arg(&out)
        .arg(mali())
        .assert()
        .success();
    assert!(out.join("observed.csv").exists());
    corridor()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(example("crossings"))
        .assert()
        .success();
    assert!(!out.join("observed.csv").exists());
    assert!(!out.join("out.csv").exists());
    check_dir(&out).unwrap();
}

#[test]
fn report_refuses_mixed_incomplete_and_foreign_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    corridor()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(example("crossings"))
        .assert()
        .success();
    corridor().arg("report").arg(&out).assert().success();
    // `corridor report <dir>` exits 2, saying `says`.
    let refused = |dir: &Path, says: &str| {
        corridor()
            .arg("report")
            .arg(dir)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    };
    // A stray temporary file of another run: mixed.
    fs::write(out.join(".daily.csv.tmp.99.0"), "x").unwrap();
    refused(&out, "mixed output directory");
    fs::remove_file(out.join(".daily.csv.tmp.99.0")).unwrap();
    // A file of another run replacing this one's.
    fs::write(out.join("summary.json"), "{}").unwrap();
    corridor().arg("report").arg(&out).assert().code(2);
    // A missing file.
    fs::remove_file(out.join("summary.json")).unwrap();
    refused(&out, "incomplete output directory");
    // A folder that is not a run at all.
    let other = tmp.path().join("notes");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("a.txt"), "x").unwrap();
    refused(&other, "not a corridor output directory");
}

/// A folder that cannot be created (in /proc, even for root): exit 1 (not the
/// input's fault), and the message names the folder asked for, not the staging
/// folder beside it, with the system's reason once.
#[test]
fn out_that_cannot_be_created_is_named_with_its_reason_once() {
    let a = corridor()
        .args([
            "run",
            "--quiet",
            "--days",
            "2",
            "--out",
            "/proc/corridor-out",
        ])
        .arg(example("crossings"))
        .assert()
        .code(1);
    let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("cannot create output directory /proc/corridor-out: "),
        "{err}"
    );
    assert!(!err.contains("corridor-stage"), "{err}");
    assert_eq!(err.matches("(os error").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn out_that_is_a_file_or_a_foreign_folder_is_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("f.txt");
    fs::write(&file, "mine").unwrap();
    let a = corridor()
        .args(["run", "--quiet", "--out"])
        .arg(&file)
        .arg(example("crossings"))
        .assert()
        .code(2);
    let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert_eq!(
        err.matches("exists and is not a directory").count(),
        1,
        "{err}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
    let mine = tmp.path().join("thesis");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("chapter.tex"), "mine").unwrap();
    for cmd in [
        ["run", "--days"],
        ["ensemble", "--days"],
        ["compare", "--days"],
    ] {
        corridor()
            .args(cmd)
            .args(["3", "--quiet", "--out"])
            .arg(&mine)
            .arg(example("variants"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "is not a corridor output directory",
            ));
    }
    let names: Vec<_> = fs::read_dir(&mine).unwrap().collect();
    assert_eq!(names.len(), 1);
    assert!(!mine.join(MANIFEST_FILE).exists());
}

#[test]
fn days_beyond_the_bound_and_too_much_memory_exit_2() {
    corridor()
        .args(["run", "--days", "4294967295"])
        .arg(example("crossings"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("1..=100000"));
    corridor()
        .args(["run", "--days", "100001"])
        .arg(example("crossings"))
        .assert()
        .code(2);
    let tmp = tempfile::tempdir().unwrap();
    // 10^9 people: ~28 GB of agents. Refused under an 8G limit, with the ways out.
    let sc = tmp.path().join("big");
    copy_dir(&example("crossings"), &sc);
    let locs = fs::read_to_string(sc.join("locations.csv"))
        .unwrap()
        .replace("Mexico,Chihuahua,0,1000", "Mexico,Chihuahua,0,1000000000");
    fs::write(sc.join("locations.csv"), locs).unwrap();
    let out = tmp.path().join("out");
    corridor()
        .args(["run", "--max-memory", "8G", "--out"])
        .arg(&out)
        .arg(&sc)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "more than the --max-memory limit, 8.0 GiB",
        ))
        .stderr(predicate::str::contains("--engine counts"));
    assert!(!out.exists());
    corridor()
        .args(["run", "--max-memory", "lots"])
        .arg(&sc)
        .assert()
        .code(2);
    // The count engine's memory does not grow with people.
    corridor()
        .args([
            "run",
            "--quiet",
            "--engine",
            "counts",
            "--max-memory",
            "8G",
            "--days",
            "3",
            "--out",
        ])
        .arg(&out)
        .arg(&sc)
        .assert()
        .success();
}

/// A what-if file that multiplies the built-in scenario's inflows by 1000 is
/// estimated with that factor: refused under a limit before the agent engine
/// starts (it used to run for minutes, growing past 6 GB), while the count
/// engine runs it.
#[test]
fn a_variant_file_that_scales_inflows_is_refused_before_it_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let levers = tmp.path().join("levers.toml");
    fs::write(
        &levers,
        "name = \"x1000\"\n[[events]]\ndate = \"2023-06-02\"\naction = \"set_inflow_scale\"\nscale = 1000\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    // The same run on either engine; only the engine differs.
    let run = |engine: &str| {
        let mut c = corridor();
        c.args([
            "run",
            "--engine",
            engine,
            "--days",
            "60",
            "--max-memory",
            "4G",
        ])
        .arg("--variant-file")
        .arg(&levers)
        .args(["--quiet", "--out"])
        .arg(&out);
        c.assert()
    };
    // Exit 2 with the estimate's message: refused before anything ran.
    run("agents")
        .code(2)
        .stderr(predicate::str::contains(
            "more than the --max-memory limit, 4.0 GiB",
        ))
        .stderr(predicate::str::contains("agents"));
    assert!(!out.exists());
    run("counts").success();
}

#[test]
fn names_cannot_write_escape_sequences_to_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = tmp.path().join("esc");
    copy_dir(&example("crossings"), &sc);
    let toml = fs::read_to_string(sc.join("scenario.toml"))
        .unwrap()
        .replace(
            "name = \"crossings\"",
            "name = \"x\\u001b]0;pwned\\u0007\\u001b[31mred\"",
        );
    fs::write(sc.join("scenario.toml"), toml).unwrap();
    let a = corridor()
        .args(["run", "--out"])
        .arg(tmp.path().join("out"))
        .arg(&sc)
        .assert()
        .success();
    let out = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(out.contains("xred"), "{out}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    // Errors too: a short row naming the same kind of name.
    let locs = fs::read_to_string(sc.join("locations.csv")).unwrap() + "\u{1b}[2JSolo,town\n";
    fs::write(sc.join("locations.csv"), locs).unwrap();
    let a = corridor().arg("check").arg(&sc).assert().code(2);
    let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(err.contains("is missing"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}
