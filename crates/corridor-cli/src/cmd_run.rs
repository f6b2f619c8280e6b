//! `corridor run`: one simulation of a Flee instance, a corridor scenario (with an
//! optional policy variant) or the built-in scenario, its output files and its
//! report.
//!
//! Order matters for the "no partial outputs" rule: read, simulate, render every
//! file in memory, then write them all at once; only a complete run reaches the
//! output directory. The report is rendered from the written files afterwards.
//! [`run_to_dir`] is the whole of one run, so `compare` runs each variant with one
//! call to it.

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
  corridor run tests/data/flee/burundi2015 --threads 2 --quiet";

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
        RunArtifacts::render(scenario, &output, &meta).context("rendering the outputs")?;
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
    Ok(RunDone { output, files })
}

pub fn run(args: &RunArgs, g: &GlobalOpts) -> Result<()> {
    let loaded = input::load(args.input.as_deref())?;
    print_warnings(&loaded.warnings, g.quiet);
    let variant = args.variant.as_deref();
    let scenario = loaded.with_variant(variant)?;
    let opts = SimOpts {
        seed: loaded.seed(args.seed),
        days: args.days,
        engine: args.engine,
    };
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| input::default_out_dir(&scenario, variant));
    let done = {
        let show = progress::enabled(g.progress, g.quiet);
        let _p = Progress::start(show, format!("running {}", scenario.name), 0);
        run_to_dir(&loaded, &scenario, variant, &opts, &out_dir)?
    };
    print_warnings(&done.output.warnings, g.quiet);
    if !g.quiet {
        println!("wrote {} ({})", out_dir.display(), done.files.join(", "));
        println!(
            "{}",
            one_line_summary(&loaded, &scenario, variant, &done.output)
        );
    }
    Ok(())
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
