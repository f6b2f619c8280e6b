//! The experiment behind docs/validation.md (run by bench/calibrate.sh):
//!
//! 1. validates the shipped settings of each instance at full resolution
//!    (`--runs` members, seed `--seed`): ARD, per-camp errors, MASE baselines;
//! 2. calibrates `--params` with CMA-ES on coarse-grained copies of the instances
//!    (`hasten` = `--coarse`, i.e. one agent per `--coarse` people, written to a
//!    temporary directory with the calibrated-settings writer), in sample and
//!    leave one out (`--budget` evaluations of `--runs-per-eval` runs each);
//! 3. scores shipped, in-sample and leave-one-out settings at full resolution with
//!    the same `--runs` seeds, and prints the tables of the docs.
//!
//! Usage: `flee_calibration --out DIR [--runs 3] [--seed 1] [--budget 80]
//! [--runs-per-eval 1] [--coarse 10] [--population 8] [--threads N]
//! [--params name:low:high,...] [--objective ard_rescaled|ard] [--explore] INSTANCE_DIR...`
//! `--explore` prints a one-at-a-time scan of each parameter instead (coarse copies).
//! Writes `validation-<instance>.json`, `simsetting.yml`, `trace.csv`,
//! `calibration.json` (coarse scores) and `results.md` into `--out`.

use corridor_calibrate::{
    apply_params, calibrate_with, run_ards, settings_to_yaml, settings_yaml_for, validate,
    CalibrateOptions, NaiveModel, Objective, ParamRange, Progress, ANCHOR_DAYS,
};
use corridor_model::metrics::mean_sd;
use corridor_model::{EngineKind, Scenario};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Args {
    out: PathBuf,
    runs: usize,
    seed: u64,
    budget: usize,
    runs_per_eval: usize,
    coarse: u32,
    population: Option<usize>,
    threads: Option<usize>,
    params: Vec<ParamRange>,
    explore: bool,
    objective: Objective,
    instances: Vec<PathBuf>,
}

const DEFAULT_PARAMS: &str = "move_rules.max_move_speed:50:400,move_rules.camp_weight:0.5:10,move_rules.default_movechance:0.05:1,move_rules.awareness_level:0:4";

fn parse_params(s: &str) -> Vec<ParamRange> {
    s.split(',')
        .map(|p| {
            let v: Vec<&str> = p.split(':').collect();
            assert!(v.len() == 3, "parameter {p}: expected name:low:high");
            ParamRange {
                name: v[0].to_string(),
                low: v[1].parse().expect("low"),
                high: v[2].parse().expect("high"),
            }
        })
        .collect()
}

fn args() -> Args {
    let mut a = Args {
        out: PathBuf::from("calibration-out"),
        runs: 3,
        seed: 1,
        budget: 80,
        runs_per_eval: 1,
        coarse: 10,
        population: Some(8),
        threads: None,
        params: parse_params(DEFAULT_PARAMS),
        explore: false,
        objective: Objective::ArdRescaled,
        instances: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{x} needs a value"));
        match x.as_str() {
            "--out" => a.out = PathBuf::from(val()),
            "--runs" => a.runs = val().parse().unwrap(),
            "--seed" => a.seed = val().parse().unwrap(),
            "--budget" => a.budget = val().parse().unwrap(),
            "--runs-per-eval" => a.runs_per_eval = val().parse().unwrap(),
            "--coarse" => a.coarse = val().parse().unwrap(),
            "--population" => a.population = Some(val().parse().unwrap()),
            "--threads" => a.threads = Some(val().parse().unwrap()),
            "--params" => a.params = parse_params(&val()),
            "--explore" => a.explore = true,
            "--objective" => {
                a.objective = match val().as_str() {
                    "ard" => Objective::Ard,
                    "ard_rescaled" => Objective::ArdRescaled,
                    o => panic!("--objective {o}: expected ard or ard_rescaled"),
                }
            }
            _ => a.instances.push(PathBuf::from(x)),
        }
    }
    assert!(!a.instances.is_empty(), "give instance directories");
    a
}

fn read(dir: &Path) -> Scenario {
    corridor_io::flee::read_flee_instance(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The instance read again with `hasten` = `coarse` (populations, capacities and
/// data divided by the reader, exactly as for a shipped coarse instance).
fn coarse_copy(dir: &Path, tmp: &Path, coarse: u32) -> Scenario {
    let name = dir.file_name().unwrap();
    let to = tmp.join(name);
    copy_dir(dir, &to);
    let yml = to.join("simsetting.yml");
    let (mut settings, _) = corridor_io::yaml::read_settings(&yml).unwrap();
    settings.optimisations.hasten = coarse;
    std::fs::write(&yml, settings_to_yaml(&settings, &[], &[])).unwrap();
    read(&to)
}

fn score(s: &Scenario, runs: usize, seed: u64) -> (f64, f64, f64, f64) {
    let v = run_ards(s, runs, seed, None, EngineKind::Agents).unwrap();
    let (a, asd) = mean_sd(&v.iter().map(|x| x.0).collect::<Vec<_>>());
    let (r, rsd) = mean_sd(&v.iter().map(|x| x.1).collect::<Vec<_>>());
    (a, asd, r, rsd)
}

fn explore(a: &Args, coarse: &[Scenario]) {
    for p in &a.params {
        print!("{:<40}", p.name);
        for k in 0..5 {
            let v = p.low + (p.high - p.low) * k as f64 / 4.0;
            let mut sum = 0.0;
            for s in coarse {
                let t = apply_params(s, std::slice::from_ref(p), &[v]).unwrap();
                sum += score(&t, a.runs_per_eval, a.seed).2;
            }
            print!("  {v:>8.3}: {:.4}", sum / coarse.len() as f64);
        }
        println!();
    }
}

fn main() {
    let a = args();
    if let Some(t) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .unwrap();
    }
    std::fs::create_dir_all(&a.out).unwrap();
    let full: Vec<Scenario> = a.instances.iter().map(|d| read(d)).collect();
    let tmp = std::env::temp_dir().join(format!("corridor-calibrate-{}", std::process::id()));
    let coarse: Vec<Scenario> = a
        .instances
        .iter()
        .map(|d| coarse_copy(d, &tmp, a.coarse))
        .collect();
    let _ = std::fs::remove_dir_all(&tmp);
    if a.explore {
        explore(&a, &coarse);
        return;
    }
    let mut md = String::new();

    // 1. Shipped settings at full resolution.
    let t = Instant::now();
    let _ = writeln!(
        md,
        "### Shipped settings, full resolution ({} runs, seed {})\n",
        a.runs, a.seed
    );
    let _ = writeln!(
        md,
        "| instance | ARD | ARD rescaled | MASE flat 7 | flat 30 | sloped 7 | sloped 30 | ratio 7 | ratio 30 |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
    let mut shipped = Vec::new();
    for s in &full {
        let v = validate(s, a.runs, a.seed).unwrap();
        shipped.push((v.ard.mean, v.ard.sd, v.ard_rescaled.mean, v.ard_rescaled.sd));
        println!("{v}");
        std::fs::write(
            a.out.join(format!("validation-{}.json", s.name)),
            v.to_json(),
        )
        .unwrap();
        let mut row = format!(
            "| {} | {:.3} ± {:.3} | {:.3} ± {:.3} |",
            s.name, v.ard.mean, v.ard.sd, v.ard_rescaled.mean, v.ard_rescaled.sd
        );
        for m in NaiveModel::ALL {
            for d in ANCHOR_DAYS {
                let b = v.baseline(m, d).unwrap();
                let _ = write!(
                    row,
                    " {} |",
                    b.mase.mean.map_or("n/a".into(), |x| format!("{x:.2}"))
                );
            }
        }
        let _ = writeln!(md, "{row}");
    }
    eprintln!("validation: {:.1} s", t.elapsed().as_secs_f64());

    // 2. Calibration on coarse copies.
    let mut opts = CalibrateOptions::new(a.budget, a.runs_per_eval, a.seed, true);
    opts.population = a.population;
    opts.eval_runs = a.runs;
    opts.objective = a.objective;
    let started = Instant::now();
    let progress = |p: &Progress| {
        eprintln!(
            "[{:>6.1} s] fold {:<12} generation {:>3}: {:>4}/{} evaluations, best {:.4}",
            started.elapsed().as_secs_f64(),
            p.fold,
            p.generation,
            p.evaluations,
            p.budget,
            p.best_objective
        );
    };
    let c = calibrate_with(&coarse, &a.params, &opts, &progress).unwrap();
    let cal_secs = started.elapsed().as_secs_f64();
    println!("{c}");
    c.write_dir(&a.out).unwrap();
    // The calibration ran on coarse copies: carry its values over to the first
    // instance's shipped settings (hasten as shipped).
    let yaml = settings_yaml_for(&full[0], &c).unwrap();
    std::fs::write(a.out.join("simsetting.yml"), yaml).unwrap();

    // 3. Full-resolution scores of shipped, in-sample and leave-one-out settings.
    let values: Vec<f64> = c.params.iter().map(|p| p.calibrated).collect();
    let _ = writeln!(
        md,
        "\n### Calibration of {} ({} parameters, budget {} × {} run, population {}, coarse hasten {}; {:.0} s for all {} calibrations)\n",
        a.objective.as_str(),
        a.params.len(),
        a.budget,
        a.runs_per_eval,
        c.population,
        a.coarse,
        cal_secs,
        c.leave_one_out.len() + 1
    );
    let _ = writeln!(
        md,
        "| parameter | range | shipped | in sample | {} |",
        c.leave_one_out
            .iter()
            .map(|f| format!("without {}", f.held_out))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(
        md,
        "|---|---|---|---|{}",
        "---|".repeat(c.leave_one_out.len())
    );
    for (k, p) in c.params.iter().enumerate() {
        let mut row = format!(
            "| `{}` | [{}, {}] | {} | {:.4} |",
            p.name, p.low, p.high, p.shipped, p.calibrated
        );
        for f in &c.leave_one_out {
            let _ = write!(row, " {:.4} |", f.calibrated[k]);
        }
        let _ = writeln!(md, "{row}");
    }
    let _ = writeln!(
        md,
        "\n### Full resolution, {} runs per cell, seed {} (mean ± sd over runs)\n",
        a.runs, a.seed
    );
    let _ = writeln!(
        md,
        "| instance | shipped ARD | shipped rescaled | in-sample ARD | in-sample rescaled | leave-one-out ARD | leave-one-out rescaled |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    let mut sums = [0.0f64; 6];
    for (k, s) in full.iter().enumerate() {
        // Same seeds as the validation above: the same numbers.
        let sh = shipped[k];
        let ins = score(
            &apply_params(s, &a.params, &values).unwrap(),
            a.runs,
            a.seed,
        );
        let fold = &c.leave_one_out[k];
        assert_eq!(fold.held_out, s.name);
        let loo = score(
            &apply_params(s, &a.params, &fold.calibrated).unwrap(),
            a.runs,
            a.seed,
        );
        for (j, x) in [sh.0, sh.2, ins.0, ins.2, loo.0, loo.2]
            .into_iter()
            .enumerate()
        {
            sums[j] += x / full.len() as f64;
        }
        let _ = writeln!(
            md,
            "| {} | {:.3} ± {:.3} | {:.3} ± {:.3} | {:.3} ± {:.3} | {:.3} ± {:.3} | {:.3} ± {:.3} | {:.3} ± {:.3} |",
            s.name, sh.0, sh.1, sh.2, sh.3, ins.0, ins.1, ins.2, ins.3, loo.0, loo.1, loo.2, loo.3
        );
    }
    let _ = writeln!(
        md,
        "| **mean** | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
        sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]
    );
    let _ = writeln!(
        md,
        "\nCoarse (hasten {}) scores from the calibration itself, {}, {} runs: in sample {:.3} → {:.3}; leave one out {:.3} → {:.3}.",
        a.coarse,
        a.objective.as_str(),
        a.runs,
        c.in_sample_means().0,
        c.in_sample_means().1,
        c.leave_one_out_means().unwrap().0,
        c.leave_one_out_means().unwrap().1
    );
    std::fs::write(a.out.join("results.md"), &md).unwrap();
    println!("{md}");
    eprintln!("total: {:.1} s", t.elapsed().as_secs_f64());
}
