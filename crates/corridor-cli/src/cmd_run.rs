//! `corridor run`: one simulation of a Flee instance, a corridor scenario (with an
//! optional policy variant) or the built-in scenario, written as a run directory
//! with its report (`corridor::run`).
//!
//! `--partitioned` (with the `mpi` feature, under a launcher with more than one
//! rank): the run's agents are split over the ranks
//! (`corridor_ensemble::mpi::mpi_partitioned_run`); every rank gets the same full
//! output, equal to the serial run's, and only rank 0 writes the directory, with
//! exactly the files of a serial run. A failing rank aborts the job, since the
//! others may be blocked in a collective call. Flee instances and scenarios
//! with border processes alike; `--engine counts` is refused (exit 2). Without
//! the feature, or with one rank, the flag changes nothing: the run is serial.

use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::Result;
use clap::Args;
use corridor::run::OutputFormat;
use corridor::{Input, RunRequest, RunResult};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor run                                   # the built-in scenario
  corridor run examples/port-closure             # a scenario directory (scenario.toml)
  corridor run scenarios/mexico-2023/scenario.toml --variant ports-stay-closed
  corridor run tests/data/flee/mali2012          # a Flee instance directory
  corridor run tests/data/flee/mali2012 --days 30 --seed 7 --out runs/mali-7
  corridor run tests/data/flee/burundi2015 --threads 2 --quiet
  corridor run tests/data/flee/mali2012 --format parquet   # daily.parquet, out.parquet, ... instead of CSV
  mpirun -np 4 corridor run tests/data/flee/car2013 --partitioned   # built with --features mpi
  mpirun -np 2 corridor run --partitioned        # the built-in scenario over 2 ranks";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct RunArgs {
    /// A scenario (scenario.toml, or a directory holding one) or a Flee instance
    /// directory (input_csv/, source_data/, simsetting.yml). Without it the
    /// built-in scenario runs.
    pub input: Option<PathBuf>,
    /// Random seed [default: the scenario's `seed`, else 1]; the same seed and
    /// inputs give byte-identical outputs.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of days to simulate (default: the scenario's own period).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=corridor::MAX_DAYS))]
    pub days: Option<u32>,
    /// Refuse work estimated to need more memory than SIZE (e.g. 8G, 512M)
    /// [default: the memory available now].
    #[arg(long, value_name = "SIZE", value_parser = crate::parse_max_memory)]
    pub max_memory: Option<u64>,
    /// Output directory [default: corridor-out/<scenario name>, or
    /// corridor-out/<scenario name>-<variant> with --variant].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A policy variant of the scenario: its events are added to the base events.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// A variant in a file of its own (e.g. saved from `corridor serve`), applied
    /// to the scenario; see docs/scenario-format.md.
    /// With --variant, the file's events are added on top of that variant's.
    #[arg(long, value_name = "FILE")]
    pub variant_file: Option<PathBuf>,
    /// Which engine moves people: a single run keeps the agent engine unless
    /// asked (auto: the count engine where it supports the input).
    #[arg(long, value_enum, default_value_t = Engine::Agents)]
    pub engine: Engine,
    /// Split this one run's agents over the MPI ranks it was started among
    /// (`mpirun -np K corridor run INPUT --partitioned`); rank 0 writes the
    /// outputs, byte-identical to a serial run. Needs a corridor built with
    /// `--features mpi` and the agents engine; without the feature, or with one
    /// rank, the run is serial.
    #[arg(long)]
    pub partitioned: bool,
    /// The tables' format: csv, parquet (`<table>.parquet` instead of
    /// `<table>.csv`) or both; JSON files are always JSON.
    #[arg(long, default_value = "csv", value_parser = parse_format)]
    pub format: OutputFormat,
}

fn parse_format(s: &str) -> Result<OutputFormat, String> {
    OutputFormat::parse(s)
}

fn request(args: &RunArgs, file_variant: &Option<String>) -> RunRequest {
    RunRequest {
        variant: file_variant.clone().or_else(|| args.variant.clone()),
        seed: args.seed,
        days: args.days,
        engine: args.engine.kind(),
        out: args.out.clone(),
        format: args.format,
    }
}

/// The number of MPI processes this one was launched among, from the variables
/// the launchers set (Open MPI, MPICH/Slurm PMI, MVAPICH); 1 without a launcher.
/// Checked before initialising MPI so that a plain `corridor run --partitioned`
/// never needs an MPI runtime.
#[cfg(feature = "mpi")]
pub(crate) fn mpi_world_size() -> usize {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"]
        .iter()
        .find_map(|k| std::env::var(k).ok()?.trim().parse::<usize>().ok())
        .unwrap_or(1)
}

/// A run partitioned over the MPI ranks: every rank simulates its share of the
/// agents; rank 0 prints and writes the directory, the others return quietly.
#[cfg(feature = "mpi")]
fn run_partitioned(
    args: &RunArgs,
    input: &Input,
    file_variant: &Option<String>,
    g: &GlobalOpts,
) -> Result<()> {
    use anyhow::Context;
    use corridor::error::Contextual;
    use mpi::traits::Communicator;
    let plan = request(args, file_variant).plan(input)?;
    let (output, ranks) = {
        let universe = mpi::initialize().context("initialising MPI")?;
        let world = universe.world();
        if world.rank() == 0 {
            print_warnings(&input.warnings, g.quiet);
        }
        let show = world.rank() == 0 && progress::enabled(g.no_progress, g.quiet);
        let p = Progress::start(show, format!("running {}", plan.scenario.name), 0);
        let ro = plan.sim.run_options();
        match corridor_ensemble::mpi::mpi_partitioned_run(&world, &plan.scenario, &ro) {
            Ok(output) if world.rank() == 0 => {
                drop(p);
                (output, world.size())
            }
            Ok(_) => return Ok(()),
            Err(e) => {
                drop(p);
                // The error names the rank and the seed.
                let e = anyhow::Error::new(e.within(format!("simulating {}", plan.scenario.name)));
                // Other ranks may wait in an all-reduce forever: stop them all.
                eprintln!("error: {}", crate::warn::error_text(&e));
                world.abort(crate::exit::code(&e) as i32)
            }
        }
    };
    let files = corridor::run::write_run_dir_as(input, &plan, &output, args.format)?;
    let done = RunResult {
        plan,
        output,
        files,
    };
    finish(input, &done, g);
    if !g.quiet {
        crate::outln!("partitioned over {ranks} MPI ranks");
    }
    Ok(())
}

/// Loads the input and adds the variant of `--variant-file`, if given; returns
/// the variant's name with the input.
pub(crate) fn load_input(
    input: Option<&std::path::Path>,
    variant_file: Option<&std::path::Path>,
    on_top_of: Option<&str>,
) -> Result<(Input, Option<String>)> {
    let mut input = corridor::load(input)?;
    let name = match variant_file {
        Some(f) => Some(corridor::variant_file::add_variant_file(
            &mut input, f, on_top_of,
        )?),
        None => None,
    };
    Ok((input, name))
}

pub fn run(args: &RunArgs, g: &GlobalOpts) -> Result<()> {
    let (input, file_variant) = load_input(
        args.input.as_deref(),
        args.variant_file.as_deref(),
        args.variant.as_deref(),
    )?;
    #[cfg(feature = "mpi")]
    if args.partitioned && mpi_world_size() > 1 {
        return run_partitioned(args, &input, &file_variant, g);
    }
    print_warnings(&input.warnings, g.quiet);
    let engine = args.engine.kind();
    corridor::memory::check(&input.scenario, args.days, engine, 1, args.max_memory)?;
    if args.partitioned && !cfg!(feature = "mpi") && !g.quiet {
        eprintln!(
            "warning: --partitioned: this corridor was built without the `mpi` feature; \
             the run is serial"
        );
    }
    let done = {
        let show = progress::enabled(g.no_progress, g.quiet);
        let name = &input.scenario.name;
        let _p = Progress::start(show, format!("running {name}"), 0);
        corridor::run(&input, &request(args, &file_variant))?
    };
    finish(&input, &done, g);
    Ok(())
}

/// What a finished run prints: the run's warnings, the files written, one line.
fn finish(input: &Input, done: &RunResult, g: &GlobalOpts) {
    print_warnings(&done.output.warnings, g.quiet);
    if !g.quiet {
        let out = done.plan.out_dir.display();
        crate::outln!("wrote {out} ({})", done.files.join(", "));
        crate::outln!("{}", done.summary_line(input));
    }
}

#[cfg(test)]
mod tests {
    use super::{run, RunArgs};
    use crate::{Engine, GlobalOpts};
    use corridor::run::OutputFormat;
    use std::path::{Path, PathBuf};

    fn mali_args(seed: u64, out: PathBuf, partitioned: bool) -> RunArgs {
        RunArgs {
            input: Some(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012"),
            ),
            seed: Some(seed),
            days: Some(20),
            max_memory: None,
            out: Some(out),
            variant: None,
            variant_file: None,
            engine: Engine::Agents,
            partitioned,
            format: OutputFormat::Csv,
        }
    }

    /// Without a launcher (one rank) `--partitioned` is a plain serial run.
    #[test]
    fn partitioned_without_ranks_is_the_serial_run() {
        let tmp = tempfile::tempdir().unwrap();
        let g = GlobalOpts {
            quiet: true,
            threads: None,
            no_progress: true,
            progress: false,
        };
        let dir = |n: &str| tmp.path().join(n);
        run(&mali_args(5, dir("serial"), false), &g).unwrap();
        run(&mali_args(5, dir("partitioned"), true), &g).unwrap();
        run(&mali_args(6, dir("other"), true), &g).unwrap();
        let read = |d: &str, f: &str| std::fs::read(dir(d).join(f)).unwrap();
        for f in ["out.csv", "daily.csv", "summary.json", "report.html"] {
            assert_eq!(read("serial", f), read("partitioned", f), "{f}");
        }
        assert_ne!(read("serial", "daily.csv"), read("other", "daily.csv"));
    }
}
