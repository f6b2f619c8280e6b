//! `corridor validate`: how well runs reproduce the observed camp data
//! (`corridor::validate`): ARD and rescaled ARD mean ± sd over several seeds,
//! per-camp errors and the MASE against naive forecasts (docs/validation.md).
//!
//! Output: a one-line-per-instance summary table, then each instance's detailed
//! table, on stdout; and `<out>/<instance>/validation.json` per instance. Every
//! input is read before any run, so bad input exits 2 without output.

use crate::{Engine, GlobalOpts};
use anyhow::Result;
use clap::Args;
use corridor::validate::summary_table;
use corridor::ValidateRequest;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor validate tests/data/flee/mali2012
  corridor validate tests/data/flee/mali2012 tests/data/flee/burundi2015 --runs 20 --seed 3
  corridor validate tests/data/flee/mali2012 --days 100 --out runs/validation
Writes <out>/<instance>/validation.json for every instance.";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ValidateArgs {
    /// Flee instance directories, or scenarios, with observed camp data.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Runs (seeds) per instance.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Seed from which the runs' seeds are derived [default: each scenario's
    /// `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of days to simulate (default: each scenario's own period).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=corridor::MAX_DAYS))]
    pub days: Option<u32>,
    /// Which engine moves people.
    #[arg(long, value_enum, default_value_t = Engine::Agents)]
    pub engine: Engine,
    /// Output directory; each instance's validation.json goes to <out>/<instance>/
    /// [default: corridor-out/validation].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &ValidateArgs, g: &GlobalOpts) -> Result<()> {
    let inputs = crate::load_all(&args.inputs, g)?;
    let req = ValidateRequest {
        runs: args.runs as usize,
        seed: args.seed,
        days: args.days,
        engine: args.engine.kind(),
        out: args.out.clone(),
    };
    let results = corridor::validate(&inputs, &req)?;
    print!("{}", summary_table(&results));
    if !g.quiet {
        for r in &results {
            crate::outln!();
            print!("{}", r.validation);
            crate::outln!("wrote {}", r.path.display());
        }
    }
    Ok(())
}
