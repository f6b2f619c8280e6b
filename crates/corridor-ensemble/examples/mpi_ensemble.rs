//! An ensemble over MPI ranks, and the same ensemble in one process, for
//! `bench/mpi-test.sh` (which compares the two output directories byte by byte).
//!
//! Usage:
//!   mpirun -np N mpi_ensemble (FLEE_DIR | --toy) --out DIR [--runs R] [--seed S]
//!   mpi_ensemble (FLEE_DIR | --toy) --out DIR [--runs R] [--seed S] --serial
//!
//! `--toy` builds a small Flee-like scenario in code (conflict zone → town → two
//! camps) so the comparison needs no input files. `--serial` runs
//! `corridor_ensemble::run_ensemble` without initialising MPI. Rank 0 writes `DIR`.

#[path = "../tests/common/toy.rs"]
mod toy;

use corridor_ensemble::mpi::mpi_ensemble;
use corridor_ensemble::{run_ensemble, EnsembleOptions};
use corridor_model::Scenario;
use mpi::traits::Communicator;
use std::path::PathBuf;
use std::process::ExitCode;

struct Args {
    input: Option<PathBuf>,
    out: PathBuf,
    runs: usize,
    seed: u64,
    serial: bool,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut input = None;
    let mut toy = false;
    let mut out = None;
    let mut runs = 64;
    let mut seed = 1;
    let mut serial = false;
    while let Some(a) = it.next() {
        let mut value = |n: &str| it.next().ok_or(format!("{n} needs a value"));
        match a.as_str() {
            "--toy" => toy = true,
            "--serial" => serial = true,
            "--out" => out = Some(PathBuf::from(value("--out")?)),
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
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => input = Some(PathBuf::from(s)),
        }
    }
    if toy == input.is_some() {
        return Err("give either a Flee instance directory or --toy".into());
    }
    Ok(Args {
        input,
        out: out.ok_or("--out DIR is required")?,
        runs,
        seed,
        serial,
    })
}

/// The toy: 60 days; 1,500 and 700 people observed in the camps by the end.
fn toy() -> Scenario {
    toy::flee_like("toy", 60, [1500.0, 700.0])
}

fn scenario(args: &Args) -> Result<Scenario, String> {
    match &args.input {
        None => Ok(toy()),
        Some(dir) => corridor_io::flee::read_flee_instance(dir)
            .map(|i| i.scenario)
            .map_err(|e| e.to_string()),
    }
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = EnsembleOptions::new(args.runs, args.seed);
    if args.serial {
        let result = scenario(&args).and_then(|s| {
            let e = run_ensemble(&s, &opts).map_err(|e| e.to_string())?;
            e.write_dir(&args.out, &Default::default())
                .map_err(|e| e.to_string())
        });
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        };
    }
    let Some(universe) = mpi::initialize() else {
        eprintln!("error: MPI is already initialised");
        return ExitCode::from(1);
    };
    let world = universe.world();
    let result = scenario(&args).and_then(|s| {
        let e = mpi_ensemble(&world, &s, &opts).map_err(|e| e.to_string())?;
        match e {
            Some(e) => e
                .write_dir(&args.out, &Default::default())
                .map_err(|e| e.to_string()),
            None => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error on rank {}: {e}", world.rank());
            // Other ranks may be blocked waiting for this one.
            world.abort(1)
        }
    }
}
