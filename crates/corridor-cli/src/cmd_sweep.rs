//! `corridor sweep`: how much named model parameters drive the key outputs
//! (`corridor::sweep`): a Latin hypercube with standardised regression
//! coefficients, or Saltelli's design with Sobol indices. Writes `sweep.csv` and
//! `sensitivity.csv` and prints the sensitivity table.

use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::GlobalOpts;
use anyhow::Result;
use clap::{Args, ValueEnum};
use corridor::sweep::sensitivity_table;
use corridor::{SweepMethod, SweepRequest};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor sweep tests/data/flee/mali2012 --param move_rules.camp_weight=1..4 \\
      --param move_rules.conflict_weight=0.1..0.5 --samples 20 --days 100
  corridor sweep tests/data/flee/mali2012 --param move_rules.camp_weight=1..4 \\
      --param move_rules.max_move_speed=100..300 --method sobol --samples 16 --runs 2
Parameters are Flee YAML paths (move_rules.*, spawn_rules.*, ...); an unknown name
is rejected with the list of valid names.";

/// Sampling design on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Latin hypercube; standardised regression coefficients (SRC) and R².
    Lhs,
    /// Saltelli's design (samples × (params + 2) runs); Sobol S1 and ST.
    Sobol,
}

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct SweepArgs {
    /// A scenario (scenario.toml, or a directory holding one) or a Flee instance
    /// directory. Without it the built-in scenario is swept.
    pub input: Option<PathBuf>,
    /// A parameter and its range, NAME=LOW..HIGH or NAME=LOW:HIGH (repeat for several).
    #[arg(long = "param", value_name = "NAME=LOW..HIGH", required = true)]
    pub params: Vec<String>,
    /// Design size: rows of the Latin hypercube, or Sobol's base sample size.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub samples: u32,
    /// Sampling design and sensitivity indices.
    #[arg(long, value_enum, default_value_t = Method::Lhs)]
    pub method: Method,
    /// Seed of the design and of the runs [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Runs per design row, averaged (formerly --replicates).
    #[arg(long, alias = "replicates", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    #[command(flatten)]
    pub work: crate::WorkloadArgs,
    /// A policy variant of the scenario.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Output directory [default: corridor-out/<scenario name>[-<variant>]-sweep].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &SweepArgs, g: &GlobalOpts) -> Result<()> {
    let params = corridor::parse_params(&args.params)?;
    let input = corridor::load(args.input.as_deref())?;
    print_warnings(&input.warnings, g.quiet);
    args.work.check_memory(&input)?;
    let req = SweepRequest {
        params,
        method: match args.method {
            Method::Lhs => SweepMethod::Lhs,
            Method::Sobol => SweepMethod::Sobol,
        },
        samples: args.samples as usize,
        seed: args.seed,
        runs: args.runs as usize,
        days: args.work.days,
        engine: args.work.engine.kind(),
        variant: args.variant.clone(),
        out: args.out.clone(),
    };
    let done = {
        let show = progress::enabled(g.no_progress, g.quiet);
        let p = Progress::start(show, format!("sweep of {}", input.scenario.name), 0);
        corridor::sweep(&input, &req, &|| p.inc())?
    };
    if !g.quiet {
        crate::outln!("{}", done.wrote_line());
    }
    print!("{}", sensitivity_table(&done.table));
    Ok(())
}
