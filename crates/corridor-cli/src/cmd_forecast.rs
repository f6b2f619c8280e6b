//! `corridor forecast`: condition count-engine members on what was observed up
//! to `--origin` and forecast the next months (scenarios: CBP monthly encounters
//! per area) or days (Flee instances: camp populations) with p5–p95 bands
//! (`corridor::forecast`, docs/forecast.md). Writes forecast.csv, nowcast.csv, summary.json
//! and report.html; prints where they went and the first forecast period.

use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::GlobalOpts;
use anyhow::Result;
use clap::Args;
use corridor::forecast::Date;
use corridor::ForecastRequest;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor forecast --origin 2023-09-30 --runs 20          # the built-in scenario, October 2023
  corridor forecast tests/data/flee/mali2012 --origin 2012-06-30 --horizon 30
  corridor forecast tests/data/flee/mali2012 --origin 2012-06-30 --observed newer_source_data/
  corridor forecast scenarios/mexico-2023 --origin 2023-09-30 --observed cbp_newer.csv --horizon 2
  corridor forecast --origin 2023-09-30 --variant appointments-x2   # events after the origin only
  corridor forecast --origin 2023-09-30 --variant-file levers.toml  # e.g. saved from corridor serve
--horizon counts months for scenarios (monthly observations), days for Flee instances.";

/// A date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> std::result::Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("expected a date YYYY-MM-DD, found \"{s}\""))
}

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ForecastArgs {
    /// A scenario (scenario.toml, or a directory holding one) or a Flee instance
    /// directory. Without it the built-in scenario is used.
    pub input: Option<PathBuf>,
    /// The last day whose observations and drivers are used.
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub origin: Date,
    /// Newer observations: for a scenario a file in CBP's monthly layout
    /// [default: the scenario's own file]; for a Flee instance a directory in
    /// the layout of its source_data/ (data_layout.csv and the series it names),
    /// used instead of its own.
    #[arg(long, value_name = "PATH")]
    pub observed: Option<PathBuf>,
    /// Periods after the origin: months (scenarios) or days (Flee instances)
    /// [default: 1 month, 30 days].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub horizon: Option<u32>,
    /// Members (particles).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Seed [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// A policy variant whose events (all after the origin) are added.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// A variant in a file of its own (e.g. saved from `corridor serve`), its
    /// events all after the origin; see docs/scenario-format.md.
    /// With --variant, the file's events are added on top of that variant's.
    #[arg(long, value_name = "FILE")]
    pub variant_file: Option<PathBuf>,
    /// Output directory [default: corridor-out/<scenario>[-<variant>]-forecast-<origin>].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &ForecastArgs, g: &GlobalOpts) -> Result<()> {
    let (input, file_variant) = crate::cmd_run::load_input(
        args.input.as_deref(),
        args.variant_file.as_deref(),
        args.variant.as_deref(),
    )?;
    print_warnings(&input.warnings, g.quiet);
    let req = ForecastRequest {
        origin: Some(args.origin),
        observed: args.observed.clone(),
        horizon: args.horizon,
        runs: args.runs as usize,
        seed: args.seed,
        variant: file_variant.or_else(|| args.variant.clone()),
        out: args.out.clone(),
    };
    let done = {
        let show = progress::enabled(g.no_progress, g.quiet);
        let _p = Progress::start(show, format!("forecast of {}", input.scenario.name), 1);
        corridor::forecast(&input, &req)?
    };
    if !g.quiet {
        let f = &done.forecast;
        println!(
            "wrote {} (forecast.csv, nowcast.csv, summary.json, report.html): {} members, {} observations used",
            done.dir.display(),
            f.members,
            f.observations_used
        );
        for s in &f.series {
            if let Some(b) = s.forecast.first() {
                println!(
                    "{} {}: p50 {:.0} (p5–p95 {:.0}–{:.0})",
                    b.period, s.name, b.p50, b.p5, b.p95
                );
            }
        }
    }
    Ok(())
}
