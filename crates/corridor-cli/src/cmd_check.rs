//! `corridor check`: reads and validates an input (a Flee instance directory or a
//! corridor scenario) without simulating, prints the scenario's check report
//! (counts and likely mistakes) on stdout and the reader's warnings on stderr as
//! `warning: ...`.
//!
//! Unreadable input fails with the reader's error (exit 2); a readable input
//! prints the report and exits 0, even when it has warnings.

use crate::warn::print_warnings;
use crate::GlobalOpts;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor check tests/data/flee/mali2012
  corridor check examples/appointments/scenario.toml
  corridor check my-instance/ && corridor run my-instance/";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CheckArgs {
    /// A scenario (scenario.toml, or a directory holding one) or a Flee instance
    /// directory (input_csv/, source_data/, simsetting.yml).
    pub input: PathBuf,
}

pub fn run(args: &CheckArgs, g: &GlobalOpts) -> Result<()> {
    let input = corridor::load(Some(&args.input))?;
    print_warnings(&input.warnings, g.quiet);
    crate::outln!("{}", corridor::check(&input));
    Ok(())
}
