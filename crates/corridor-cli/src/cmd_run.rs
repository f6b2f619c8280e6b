//! `corridor run`: one simulation of a Flee instance (or the built-in scenario),
//! its output files and its report.
//!
//! Order matters for the "no partial outputs" rule: read, simulate, render every
//! file in memory, then write them all at once; only a complete run reaches the
//! output directory. The report is rendered from the written files afterwards.

use crate::input::{self, Loaded};
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::{Context, Result};
use clap::Args;
use corridor_io::write::{RunArtifacts, RunMeta};
use corridor_model::{metrics, RunOptions, RunOutput};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor run                                   # the built-in scenario
  corridor run tests/data/flee/mali2012          # a Flee instance directory
  corridor run tests/data/flee/mali2012 --days 30 --seed 7 --out runs/mali-7
  corridor run tests/data/flee/burundi2015 --threads 2 --quiet";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct RunArgs {
    /// Flee instance directory (input_csv/, source_data/, simsetting.yml).
    /// Without it the built-in scenario runs.
    pub input: Option<PathBuf>,
    /// Random seed; the same seed and inputs give byte-identical outputs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of days to simulate (default: the scenario's own period).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    /// Output directory [default: corridor-out/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Which engine moves people.
    #[arg(long, value_enum, default_value_t = Engine::Agents)]
    pub engine: Engine,
}

/// Runs one scenario to completion; used by `run` and `validate`.
pub fn simulate(
    loaded: &Loaded,
    seed: u64,
    days: Option<u32>,
    engine: Engine,
) -> Result<RunOutput> {
    let opts = RunOptions {
        seed,
        days,
        engine: engine.kind(),
    };
    corridor_model::simulate(&loaded.scenario, &opts)
        .with_context(|| format!("simulating {} (seed {seed})", loaded.scenario.name))
}

pub fn run(args: &RunArgs, g: &GlobalOpts) -> Result<()> {
    let loaded = input::load(args.input.as_deref())?;
    print_warnings(&loaded.warnings, g.quiet);
    let output = simulate(&loaded, args.seed, args.days, args.engine)?;
    print_warnings(&output.warnings, g.quiet);

    let meta = RunMeta {
        corridor_version: env!("CARGO_PKG_VERSION").to_string(),
        input_kind: loaded.kind,
        engine: args.engine.name().to_string(),
        inputs: loaded.inputs.clone(),
        warnings: loaded.warnings.clone(),
    };
    let artifacts =
        RunArtifacts::render(&loaded.scenario, &output, &meta).context("rendering the outputs")?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| input::default_out_dir(&loaded.scenario));
    artifacts
        .write_to(&out_dir)
        .with_context(|| format!("writing outputs to {}", out_dir.display()))?;
    let report = corridor_report::write_report(&out_dir)
        .with_context(|| format!("writing the report in {}", out_dir.display()))?;

    if !g.quiet {
        let mut names: Vec<&str> = artifacts.names().collect();
        let report_name = report
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("report.html");
        names.push(report_name);
        println!("wrote {} ({})", out_dir.display(), names.join(", "));
        println!("{}", one_line_summary(&loaded, &output));
    }
    Ok(())
}

/// `<name>: <days> days from <date>, <people> people[, ARD x (rescaled y)]`.
pub fn one_line_summary(loaded: &Loaded, output: &RunOutput) -> String {
    let s = &loaded.scenario;
    let hasten = s.settings.optimisations.hasten.max(1) as u64;
    let agents = output
        .days
        .last()
        .map(|d| d.accounting.spawned)
        .unwrap_or(0);
    let mut line = format!(
        "{}: {} days from {}, {} people",
        s.name,
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
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(8996), "8,996");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
