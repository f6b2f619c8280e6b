//! `corridor ensemble`: N runs of one input (Flee instance, scenario with an
//! optional variant, or the built-in scenario) reduced to statistics and written
//! as an ensemble directory with its report (`corridor::ensemble`). With the
//! `mpi` feature under a launcher, members are split over the ranks and rank 0
//! writes the same directory.

use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::GlobalOpts;
use anyhow::Result;
use clap::Args;
use corridor::ensemble::summary_lines;
use corridor::run::OutputFormat;
use corridor::{EnsembleRequest, EnsembleResult};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor ensemble --runs 20                         # the built-in scenario, 20 runs
  corridor ensemble tests/data/flee/mali2012 --runs 100 --seed 3
  corridor ensemble examples/variants --variant ports_stay_closed --runs 50
  corridor ensemble tests/data/flee/mali2012 --runs 8 --days 50 --out runs/mali-ens
  corridor ensemble examples/port-closure --runs 20 --format parquet   # daily_stats.parquet, ...
  mpirun -np 4 corridor ensemble tests/data/flee/mali2012 --runs 1000   # built with --features mpi";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct EnsembleArgs {
    /// A scenario (scenario.toml, or a directory holding one) or a Flee instance
    /// directory. Without it the built-in scenario runs.
    pub input: Option<PathBuf>,
    /// Number of runs (members); member i runs with a seed derived from --seed and i.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Ensemble seed [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub work: crate::WorkloadArgs,
    /// A policy variant of the scenario.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// A variant in a file of its own (e.g. saved from `corridor serve`), applied
    /// to the scenario; see docs/scenario-format.md.
    /// With --variant, the file's events are added on top of that variant's.
    #[arg(long, value_name = "FILE")]
    pub variant_file: Option<PathBuf>,
    /// Output directory [default: corridor-out/<scenario name>[-<variant>]-ensemble].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The tables' format: csv, parquet (`<table>.parquet` instead of
    /// `<table>.csv`) or both; JSON files are always JSON.
    #[arg(long, default_value = "csv", value_parser = OutputFormat::parse)]
    pub format: OutputFormat,
}

/// Runs the ensemble over MPI ranks and writes it on rank 0; `Ok(None)` on every
/// other rank.
#[cfg(feature = "mpi")]
fn mpi_run(input: &corridor::Input, req: &EnsembleRequest) -> Result<Option<EnsembleResult>> {
    use anyhow::Context;
    use corridor::error::Contextual;
    use mpi::traits::Communicator;
    let plan = req.plan(input)?;
    let universe = mpi::initialize().context("initialising MPI")?;
    let world = universe.world();
    match corridor_ensemble::mpi::mpi_ensemble(&world, &plan.scenario, &plan.options) {
        Ok(None) => Ok(None),
        Ok(Some(ensemble)) => {
            let files = corridor::ensemble::write_ensemble_dir(input, &plan, &ensemble)?;
            Ok(Some(EnsembleResult {
                plan,
                ensemble,
                files,
            }))
        }
        Err(e) => {
            // Other ranks may wait for this one forever: stop them all.
            let e = anyhow::Error::new(e.within(format!("rank {}", world.rank())));
            eprintln!("error: {}", crate::warn::error_text(&e));
            world.abort(crate::exit::code(&e) as i32)
        }
    }
}

pub fn run(args: &EnsembleArgs, g: &GlobalOpts) -> Result<()> {
    let (input, file_variant) = crate::cmd_run::load_input(
        args.input.as_deref(),
        args.variant_file.as_deref(),
        args.variant.as_deref(),
    )?;
    let req = EnsembleRequest {
        variant: file_variant.or_else(|| args.variant.clone()),
        runs: args.runs as usize,
        seed: args.seed,
        days: args.work.days,
        engine: args.work.engine.kind(),
        out: args.out.clone(),
        format: args.format,
    };
    #[cfg(feature = "mpi")]
    if crate::cmd_run::mpi_world_size() > 1 {
        return match mpi_run(&input, &req)? {
            Some(done) => {
                print_warnings(&input.warnings, g.quiet);
                finish(&done, g);
                Ok(())
            }
            None => Ok(()),
        };
    }
    print_warnings(&input.warnings, g.quiet);
    let at_once = req.runs.min(rayon::current_num_threads());
    corridor::memory::check(
        &input.scenario,
        args.work.days,
        req.engine,
        at_once,
        args.work.max_memory,
    )?;
    let done = {
        let show = progress::enabled(g.no_progress, g.quiet);
        let label = format!("ensemble of {}", input.scenario.name);
        let p = Progress::start(show, label, req.runs);
        corridor::ensemble(&input, &req, &|| p.inc())?
    };
    finish(&done, g);
    Ok(())
}

fn finish(done: &EnsembleResult, g: &GlobalOpts) {
    print_warnings(&done.ensemble.warnings, g.quiet);
    if !g.quiet {
        let out = done.plan.out_dir.display();
        crate::outln!("wrote {out} ({})", done.files.join(", "));
        crate::outln!(
            "{}",
            summary_lines(&done.ensemble, done.plan.variant.as_deref())
        );
    }
}
