//! `corridor report`: re-renders report.html from the files of a run, ensemble
//! or compare directory (after editing them, or with a newer corridor).

use crate::GlobalOpts;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor report corridor-out/mexico-2023
  corridor report corridor-out/variants-compare     # a compare directory
  corridor run tests/data/flee/mali2012 --out runs/m && corridor report runs/m";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ReportArgs {
    /// A run directory written by `corridor run` (summary.json, daily.csv, ...), or a
    /// compare directory written by `corridor compare` (compare.json, ...).
    pub run_dir: PathBuf,
}

pub fn run(args: &ReportArgs, g: &GlobalOpts) -> Result<()> {
    let path = corridor::report(&args.run_dir)?;
    if !g.quiet {
        crate::outln!("wrote {}", path.display());
    }
    Ok(())
}
