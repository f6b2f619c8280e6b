//! Times an ensemble of a Flee instance, the workload of `bench/ensemble.sh`
//! until `corridor ensemble` exists.
//!
//! Usage: `ensemble_bench FLEE_DIR [--runs N] [--seed S] [--threads T] [--out DIR]`.
//! Prints one line per phase with wall-clock seconds to stderr (timings never go
//! into output files) and writes the ensemble directory when `--out` is given.

use corridor_ensemble::{run_ensemble_with, EnsembleOptions};
use corridor_model::simulate;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut runs = 1000usize;
    let mut seed = 1u64;
    let mut threads = 0usize;
    let mut out: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--runs" => {
                runs = value("--runs")?
                    .parse()
                    .map_err(|e| format!("--runs: {e}"))?
            }
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--threads" => {
                threads = value("--threads")?
                    .parse()
                    .map_err(|e| format!("--threads: {e}"))?
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => dir = Some(PathBuf::from(s)),
        }
    }
    let dir = dir
        .ok_or("usage: ensemble_bench FLEE_DIR [--runs N] [--seed S] [--threads T] [--out DIR]")?;
    if threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .map_err(|e| e.to_string())?;
    }
    let t0 = Instant::now();
    let inst = corridor_io::flee::read_flee_instance(&dir).map_err(|e| e.to_string())?;
    let t_read = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let opts = EnsembleOptions::new(runs, seed);
    let ensemble =
        run_ensemble_with(&inst.scenario, &opts, &simulate, &|_| {}).map_err(|e| e.to_string())?;
    let t_run = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    if let Some(out) = &out {
        ensemble
            .write_dir(out, &Default::default())
            .map_err(|e| e.to_string())?;
    }
    let t_write = t2.elapsed().as_secs_f64();
    let ard = ensemble.ard.as_ref().map(|a| (a.stats.mean, a.stats.sd));
    eprintln!(
        "ensemble_bench: {} members of {} ({} days, {} locations) on {} threads: read {:.2} s, \
         members+reduction {:.2} s ({:.1} ms/member), write {:.2} s; ARD mean/sd {:?}",
        runs,
        inst.scenario.name,
        ensemble.days.len(),
        ensemble.locations.len(),
        rayon::current_num_threads(),
        t_read,
        t_run,
        1000.0 * t_run / runs as f64,
        t_write,
        ard
    );
    Ok(())
}
