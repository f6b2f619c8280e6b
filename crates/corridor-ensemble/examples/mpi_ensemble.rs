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

use corridor_ensemble::mpi::mpi_ensemble;
use corridor_ensemble::{run_ensemble, EnsembleOptions};
use corridor_model::settings::{ConflictDrivenSpawning, SpawnMode};
use corridor_model::{CampData, Date, Location, LocationKind, Scenario, Series};
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

fn toy() -> Scenario {
    let mut s = Scenario::new("toy", Date::parse("2012-03-01").unwrap(), 60);
    let a = s.add_location(Location::new("A", LocationKind::ConflictZone));
    s.locations[a].population = 100_000;
    s.add_location(Location::new("B", LocationKind::Town));
    let c = s.add_location(Location::new("C", LocationKind::Camp));
    let d = s.add_location(Location::new("D", LocationKind::Camp));
    s.link("A", "B", 120.0);
    s.link("B", "C", 150.0);
    s.link("B", "D", 260.0);
    s.settings.spawn_rules.conflict_driven_spawning = Some(ConflictDrivenSpawning {
        spawn_mode: SpawnMode::Poisson,
        displaced_per_conflict_day: 40.0,
    });
    s.data.camps = vec![
        CampData {
            location: c,
            series: Series::new(vec![(0, 0.0), (60, 1500.0)]),
        },
        CampData {
            location: d,
            series: Series::new(vec![(0, 0.0), (60, 700.0)]),
        },
    ];
    s
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
