//! `corridor check`: reads and validates an input (a Flee instance directory or a
//! corridor scenario) without simulating, prints the scenario's check report
//! (counts and likely mistakes) on stdout and the reader's warnings on stderr as
//! `warning: ...`.
//!
//! Unreadable input fails with the reader's error (exit 2); a readable input
//! prints the report and exits 0, even when it has warnings. `--variant-file`
//! reads a variant file against the scenario, as a run would, and lists its
//! events in words.

use crate::warn::print_warnings;
use crate::GlobalOpts;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor check tests/data/flee/mali2012
  corridor check examples/appointments/scenario.toml
  corridor check my-instance/ && corridor run my-instance/
  corridor check --variant-file levers.toml    # a saved what-if, against the built-in scenario";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CheckArgs {
    /// A scenario (scenario.toml, or a directory holding one) or a Flee instance
    /// directory (input_csv/, source_data/, simsetting.yml) [default: the
    /// built-in scenario].
    pub input: Option<PathBuf>,
    /// A variant in a file of its own (e.g. saved from `corridor serve`): read
    /// against the scenario as a run reads it, and its events listed.
    #[arg(long, value_name = "FILE")]
    pub variant_file: Option<PathBuf>,
}

pub fn run(args: &CheckArgs, g: &GlobalOpts) -> Result<()> {
    let (input, file_variant) =
        crate::cmd_run::load_input(args.input.as_deref(), args.variant_file.as_deref(), None)?;
    print_warnings(&input.warnings, g.quiet);
    crate::outln!("{}", corridor::check(&input));
    if let (Some(name), Some(file)) = (file_variant, &args.variant_file) {
        let events = corridor::variant_file::describe_events(&input, &name);
        crate::outln!(
            "variant file {}: variant '{name}', every value valid; what it changes:",
            file.display()
        );
        for e in events {
            crate::outln!("  {e}");
        }
    }
    Ok(())
}
