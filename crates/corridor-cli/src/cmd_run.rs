//! `corridor run`: one simulation of a Flee instance, a corridor scenario (with an
//! optional policy variant) or the built-in scenario, its output files and its
//! report.
//!
//! Order matters for the "no partial outputs" rule: read, simulate, render every
//! file in memory, then write them all at once; only a complete run reaches the
//! output directory. The report is rendered from the written files afterwards.
//! [`run_to_dir`] is the whole of one run, so `compare` runs each variant with one
//! call to it.
//!
//! `--partitioned` (with the `mpi` feature, under a launcher with more than one
//! rank): the run's agents are split over the ranks
//! (`corridor_ensemble::mpi::mpi_partitioned_run`); every rank gets the same full
//! output, equal to the serial run's, and only rank 0 writes the directory, with
//! exactly the files of a serial run. A failing rank aborts the job, since the
//! others may be blocked in an all-reduce. Without the feature, or with one rank,
//! the flag changes nothing: the run is serial.

use crate::input::{self, Loaded};
use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::{Context, Result};
use clap::Args;
use corridor_io::write::{people_per_agent, InputKind, RunArtifacts, RunMeta};
use corridor_model::{metrics, RunOptions, RunOutput, Scenario};
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  corridor run                                   # the built-in scenario
  corridor run examples/port-closure             # a scenario directory (scenario.toml)
  corridor run scenarios/mexico-2023/scenario.toml --variant ports-stay-closed
  corridor run tests/data/flee/mali2012          # a Flee instance directory
  corridor run tests/data/flee/mali2012 --days 30 --seed 7 --out runs/mali-7
  corridor run tests/data/flee/burundi2015 --threads 2 --quiet
  mpirun -np 4 corridor run tests/data/flee/car2013 --partitioned   # built with --features mpi";

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
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    /// Output directory [default: corridor-out/<scenario name>, or
    /// corridor-out/<scenario name>-<variant> with --variant].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// A policy variant of the scenario: its events are added to the base events.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Which engine moves people.
    #[arg(long, value_enum, default_value_t = Engine::Agents)]
    pub engine: Engine,
    /// Split this one run's agents over the MPI ranks it was started among
    /// (`mpirun -np K corridor run INPUT --partitioned`); rank 0 writes the
    /// outputs, byte-identical to a serial run. Needs a corridor built with
    /// `--features mpi` and the agents engine; without the feature, or with one
    /// rank, the run is serial.
    #[arg(long)]
    pub partitioned: bool,
}

/// What one simulation needs besides the scenario.
#[derive(Debug, Clone, Copy)]
pub struct SimOpts {
    pub seed: u64,
    pub days: Option<u32>,
    pub engine: Engine,
}

/// Runs a scenario to completion; used by every command that simulates.
pub fn simulate(scenario: &Scenario, opts: &SimOpts) -> Result<RunOutput> {
    let ro = RunOptions {
        seed: opts.seed,
        days: opts.days,
        engine: opts.engine.kind(),
    };
    corridor_model::simulate(scenario, &ro)
        .with_context(|| format!("simulating {} (seed {})", scenario.name, opts.seed))
}

/// A finished run: its records and the files written, in order.
pub struct RunDone {
    pub output: RunOutput,
    pub files: Vec<String>,
}

/// One whole run: simulates `scenario` (the `loaded` input, with `variant`
/// applied), renders every output file, writes them into `out_dir` together, then
/// report.html. Nothing is written when simulating or rendering fails.
pub fn run_to_dir(
    loaded: &Loaded,
    scenario: &Scenario,
    variant: Option<&str>,
    opts: &SimOpts,
    out_dir: &Path,
) -> Result<RunDone> {
    let output = simulate(scenario, opts)?;
    let files = write_run_dir(loaded, scenario, variant, opts, &output, out_dir)?;
    Ok(RunDone { output, files })
}

/// Renders every output file of a finished run, writes them into `out_dir`
/// together, then report.html. Returns the names of the files written.
pub fn write_run_dir(
    loaded: &Loaded,
    scenario: &Scenario,
    variant: Option<&str>,
    opts: &SimOpts,
    output: &RunOutput,
    out_dir: &Path,
) -> Result<Vec<String>> {
    let meta = RunMeta {
        corridor_version: env!("CARGO_PKG_VERSION").to_string(),
        input_kind: loaded.kind,
        engine: opts.engine.name().to_string(),
        inputs: loaded.inputs.clone(),
        warnings: loaded.warnings.clone(),
        variant: variant.map(str::to_string),
        observations: loaded.observations.clone(),
    };
    let artifacts =
        RunArtifacts::render(scenario, output, &meta).context("rendering the outputs")?;
    artifacts
        .write_to(out_dir)
        .with_context(|| format!("writing outputs to {}", out_dir.display()))?;
    let report = corridor_report::write_report(out_dir)
        .with_context(|| format!("writing the report in {}", out_dir.display()))?;
    let mut files: Vec<String> = artifacts.names().map(str::to_string).collect();
    files.push(
        report
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(corridor_report::REPORT_FILE)
            .to_string(),
    );
    Ok(files)
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
fn run_partitioned(args: &RunArgs, loaded: &Loaded, g: &GlobalOpts) -> Result<()> {
    use mpi::traits::Communicator;
    let variant = args.variant.as_deref();
    let scenario = loaded.with_variant(variant)?;
    let opts = sim_opts(args, loaded);
    let out_dir = out_dir(args, &scenario);
    let (output, ranks) = {
        let universe = mpi::initialize().context("initialising MPI")?;
        let world = universe.world();
        let ro = RunOptions {
            seed: opts.seed,
            days: opts.days,
            engine: opts.engine.kind(),
        };
        if world.rank() == 0 {
            print_warnings(&loaded.warnings, g.quiet);
        }
        let show = world.rank() == 0 && progress::enabled(g.progress, g.quiet);
        let p = Progress::start(show, format!("running {}", scenario.name), 0);
        match corridor_ensemble::mpi::mpi_partitioned_run(&world, &scenario, &ro) {
            Ok(output) if world.rank() == 0 => {
                drop(p);
                (output, world.size())
            }
            Ok(_) => return Ok(()),
            Err(e) => {
                drop(p);
                // The error names the rank and the seed.
                let e = anyhow::Error::new(e).context(format!("simulating {}", scenario.name));
                // Other ranks may wait in an all-reduce forever: stop them all.
                eprintln!("error: {e:#}");
                world.abort(crate::exit::code(&e) as i32)
            }
        }
    };
    let files = write_run_dir(loaded, &scenario, variant, &opts, &output, &out_dir)?;
    finish(loaded, &scenario, variant, &output, &files, &out_dir, g);
    if !g.quiet {
        println!("partitioned over {ranks} MPI ranks");
    }
    Ok(())
}

fn sim_opts(args: &RunArgs, loaded: &Loaded) -> SimOpts {
    SimOpts {
        seed: loaded.seed(args.seed),
        days: args.days,
        engine: args.engine,
    }
}

fn out_dir(args: &RunArgs, scenario: &Scenario) -> PathBuf {
    args.out
        .clone()
        .unwrap_or_else(|| input::default_out_dir(scenario, args.variant.as_deref()))
}

pub fn run(args: &RunArgs, g: &GlobalOpts) -> Result<()> {
    let loaded = input::load(args.input.as_deref())?;
    #[cfg(feature = "mpi")]
    if args.partitioned && mpi_world_size() > 1 {
        return run_partitioned(args, &loaded, g);
    }
    print_warnings(&loaded.warnings, g.quiet);
    if args.partitioned && !cfg!(feature = "mpi") && !g.quiet {
        eprintln!(
            "warning: --partitioned: this corridor was built without the `mpi` feature; \
             the run is serial"
        );
    }
    let variant = args.variant.as_deref();
    let scenario = loaded.with_variant(variant)?;
    let opts = sim_opts(args, &loaded);
    let out_dir = out_dir(args, &scenario);
    let done = {
        let show = progress::enabled(g.progress, g.quiet);
        let _p = Progress::start(show, format!("running {}", scenario.name), 0);
        run_to_dir(&loaded, &scenario, variant, &opts, &out_dir)?
    };
    finish(
        &loaded,
        &scenario,
        variant,
        &done.output,
        &done.files,
        &out_dir,
        g,
    );
    Ok(())
}

/// What a finished run prints: the run's warnings, the files written, one line.
fn finish(
    loaded: &Loaded,
    scenario: &Scenario,
    variant: Option<&str>,
    output: &RunOutput,
    files: &[String],
    out_dir: &Path,
    g: &GlobalOpts,
) {
    print_warnings(&output.warnings, g.quiet);
    if !g.quiet {
        println!("wrote {} ({})", out_dir.display(), files.join(", "));
        println!("{}", one_line_summary(loaded, scenario, variant, output));
    }
}

/// `<name>[ (variant)]: <days> days from <date>, <people> people[, ARD x (rescaled y)]`,
/// and for scenarios `; admitted a, encountered e, intercepted i` (people).
pub fn one_line_summary(
    loaded: &Loaded,
    s: &Scenario,
    variant: Option<&str>,
    output: &RunOutput,
) -> String {
    let hasten = people_per_agent(s);
    let last = output.days.last().map(|d| d.accounting).unwrap_or_default();
    let agents = last.spawned;
    let name = match variant {
        Some(v) => format!("{} ({v})", s.name),
        None => s.name.clone(),
    };
    let mut line = format!(
        "{name}: {} days from {}, {} people",
        output.days.len(),
        s.start_date,
        thousands(agents * hasten)
    );
    if hasten > 1 {
        line.push_str(&format!(" ({} agents of {hasten})", thousands(agents)));
    }
    if corridor_io::write::has_camp_data(s) {
        if let Some(v) = metrics::validate(s, output) {
            line.push_str(&format!(
                ", ARD {:.3} (rescaled {:.3})",
                v.ard, v.ard_rescaled
            ));
        }
    }
    if loaded.kind == InputKind::Scenario {
        let intercepted: u64 = output
            .days
            .iter()
            .map(|r| r.intercepted.iter().sum::<u64>())
            .sum();
        line.push_str(&format!(
            "; admitted {}, encountered {}, intercepted {}",
            thousands(last.admitted * hasten),
            thousands(last.encountered * hasten),
            thousands(intercepted * hasten)
        ));
    }
    line
}

/// 1234567 -> "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let groups: Vec<String> = s
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| String::from_utf8_lossy(g).into_owned())
        .collect();
    groups.join(",")
}

#[cfg(test)]
mod tests {
    use super::{run, thousands, RunArgs};
    use crate::{Engine, GlobalOpts};
    use std::path::{Path, PathBuf};

    fn mali_args(seed: u64, out: PathBuf, partitioned: bool) -> RunArgs {
        RunArgs {
            input: Some(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012"),
            ),
            seed: Some(seed),
            days: Some(20),
            out: Some(out),
            variant: None,
            engine: Engine::Agents,
            partitioned,
        }
    }

    /// Without a launcher (one rank) `--partitioned` is a plain serial run.
    #[test]
    fn partitioned_without_ranks_is_the_serial_run() {
        let tmp = tempfile::tempdir().unwrap();
        let g = GlobalOpts {
            quiet: true,
            threads: None,
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

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(8996), "8,996");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
