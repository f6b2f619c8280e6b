//! `corridor report`: re-renders report.html from the files of a run directory
//! (after editing them, or with a newer corridor).

use crate::exit::BadInput;
use crate::GlobalOpts;
use anyhow::{Context, Result};
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
    if !args.run_dir.is_dir() {
        let what = if args.run_dir.exists() {
            "is not a directory"
        } else {
            "no such file or directory"
        };
        return Err(BadInput(format!("{}: {what}", args.run_dir.display())).into());
    }
    let path = corridor_report::write_report(&args.run_dir)
        .with_context(|| format!("writing the report in {}", args.run_dir.display()))?;
    if !g.quiet {
        println!("wrote {}", path.display());
    }
    Ok(())
}
