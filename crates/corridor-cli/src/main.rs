//! The `corridor` command: parses the command line, calls one operation of the
//! `corridor` library crate, prints what it returns and maps errors to exit codes.
//! No orchestration or model logic lives here.
//!
//! Conventions: results go to stdout, warnings to stderr as `warning: ...`
//! (silenced by `--quiet`), failures to stderr as `error: <message>` with exit
//! code 2 for bad input and 1 otherwise (see [`exit`]).

mod cmd_backtest;
mod cmd_calibrate;
mod cmd_check;
mod cmd_compare;
mod cmd_ensemble;
mod cmd_forecast;
mod cmd_report;
mod cmd_run;
mod cmd_serve;
mod cmd_sweep;
mod cmd_validate;
mod exit;
mod progress;
mod warn;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use corridor::EngineKind;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  corridor run                                  # the built-in scenario into corridor-out/
  corridor run examples/port-closure            # a corridor scenario (scenario.toml)
  corridor run scenarios/mexico-2023 --variant appointments-x2
  corridor compare examples/variants            # every policy variant side by side
  corridor run tests/data/flee/mali2012 --days 30
  corridor ensemble tests/data/flee/mali2012 --runs 20
  corridor compare examples/variants --runs 10
  corridor sweep tests/data/flee/mali2012 --param move_rules.camp_weight=1..4 --samples 20
  corridor calibrate tests/data/flee/mali2012 --param move_rules.camp_weight=1..4 --budget 40
  corridor forecast tests/data/flee/mali2012 --origin 2012-06-30 --horizon 30
  corridor backtest tests/data/flee/mali2012 --origins 2012-04-01..2012-10-01 --every 30
  corridor check tests/data/flee/mali2012
  corridor validate tests/data/flee/mali2012 --runs 10
  corridor report corridor-out/mexico-2023

Exit codes: 0 success, 2 bad input or usage (unreadable or inconsistent input,
unknown variant, a scenario the engine cannot run, work estimated to need more
memory than is available, an --out that is a file or a folder that is not a
corridor output, a report folder that is not a whole corridor output),
1 any other failure.";

/// corridor: who arrives where, when, and how long they wait — a stochastic
/// agent-based simulation of people moving over a network, compatible with Flee.
#[derive(Debug, Parser)]
#[command(name = "corridor", version, after_help = EXAMPLES)]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    command: Command,
}

/// Options every command accepts.
#[derive(Debug, clap::Args)]
pub struct GlobalOpts {
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Never show the progress line (shown by default on a terminal for work that
    /// takes over a second: done/total, elapsed time and the time left).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Accepted for older scripts: progress is shown by default on a terminal.
    #[arg(long, global = true, hide = true)]
    pub progress: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario, a Flee instance or the built-in scenario and write its outputs.
    Run(cmd_run::RunArgs),
    /// Run a scenario or Flee instance many times: statistics and p5–p95 bands.
    Ensemble(cmd_ensemble::EnsembleArgs),
    /// Run policy variants of a scenario side by side (compare.json, report.html).
    Compare(cmd_compare::CompareArgs),
    /// The what-if page: levers and answers with bands, on http://127.0.0.1:8080/.
    Serve(cmd_serve::ServeArgs),
    /// ARD, per-camp errors and naive baselines against observed camp data, over several seeds.
    Validate(cmd_validate::ValidateArgs),
    /// Sensitivity of key outputs to model parameters (Latin hypercube or Sobol).
    Sweep(cmd_sweep::SweepArgs),
    /// Fit model parameters to observed camp data with CMA-ES; writes simsetting.yml.
    Calibrate(cmd_calibrate::CalibrateArgs),
    /// Forecast the next months (days) from observations up to an origin, with bands.
    Forecast(cmd_forecast::ForecastArgs),
    /// Score forecasts from a series of origins against naive baselines.
    Backtest(cmd_backtest::BacktestArgs),
    /// Read and check an input without simulating.
    Check(cmd_check::CheckArgs),
    /// Re-render report.html of a run directory.
    Report(cmd_report::ReportArgs),
}

/// The work options of the commands that run many members at once (ensemble,
/// compare, sweep, calibrate): length, memory ceiling and engine, written once so
/// that they read and behave alike. Flattened where the three stood, so `--help`
/// lists them in the same place; a command that words one differently rewrites
/// its help with `mut_arg` (calibrate `--days`, compare `--engine`).
#[derive(Debug, clap::Args)]
pub struct WorkloadArgs {
    /// Number of days to simulate (default: the scenario's own period).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=corridor::MAX_DAYS))]
    pub days: Option<u32>,
    /// Refuse work estimated to need more memory than SIZE (e.g. 8G, 512M)
    /// [default: the memory available now].
    #[arg(long, value_name = "SIZE", value_parser = parse_max_memory)]
    pub max_memory: Option<u64>,
    /// Which engine moves people: auto (the default) picks the count engine
    /// where it supports the input (border scenarios, Flee and DFlee instances)
    /// and the agent engine where it does not (e.g. more than 254 crossing points).
    #[arg(long, value_enum, default_value_t = Engine::Auto)]
    pub engine: Engine,
}

impl WorkloadArgs {
    /// Refuses the work, before anything runs, when one member per rayon thread
    /// is estimated to need more memory than `--max-memory` (or than is free).
    pub fn check_memory(&self, input: &corridor::Input) -> Result<()> {
        corridor::memory::check_parallel(
            &input.scenario,
            self.days,
            self.engine.kind(),
            self.max_memory,
        )?;
        Ok(())
    }
}

/// `--max-memory SIZE` (8G, 512M, bytes), for clap.
pub fn parse_max_memory(s: &str) -> std::result::Result<u64, String> {
    corridor::memory::parse_size(s)
}

/// Engine choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// One agent per `hasten` people.
    Agents,
    /// Exchangeable counts moved with binomial/multinomial draws.
    Counts,
    /// The fastest engine whose law matches the input: counts where the count
    /// engine supports it, else agents (`corridor::engine_for`).
    Auto,
}

impl Engine {
    pub fn kind(self) -> EngineKind {
        match self {
            Engine::Agents => EngineKind::Agents,
            Engine::Counts => EngineKind::Counts,
            Engine::Auto => EngineKind::Auto,
        }
    }
}

/// Loads every input in order, printing each one's reader warnings: a bad input
/// fails before anything runs.
pub fn load_all(paths: &[std::path::PathBuf], g: &GlobalOpts) -> Result<Vec<corridor::Input>> {
    let mut inputs = Vec::with_capacity(paths.len());
    for p in paths {
        let input = corridor::load(Some(p))?;
        warn::print_warnings(&input.warnings, g.quiet);
        inputs.push(input);
    }
    Ok(inputs)
}

fn dispatch(cli: &Cli) -> Result<()> {
    if let Some(t) = cli.global.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t as usize)
            .build_global()
            .context("starting the thread pool")?;
    }
    match &cli.command {
        Command::Run(a) => cmd_run::run(a, &cli.global),
        Command::Ensemble(a) => cmd_ensemble::run(a, &cli.global),
        Command::Sweep(a) => cmd_sweep::run(a, &cli.global),
        Command::Calibrate(a) => cmd_calibrate::run(a, &cli.global),
        Command::Compare(a) => cmd_compare::run(a, &cli.global),
        Command::Validate(a) => cmd_validate::run(a, &cli.global),
        Command::Forecast(a) => cmd_forecast::run(a, &cli.global),
        Command::Backtest(a) => cmd_backtest::run(a, &cli.global),
        Command::Check(a) => cmd_check::run(a, &cli.global),
        Command::Report(a) => cmd_report::run(a, &cli.global),
        Command::Serve(a) => cmd_serve::run(a, &cli.global),
    }
}

fn main() -> ExitCode {
    // clap prints help/version and exits 0, or prints a usage error and exits 2.
    let cli = Cli::parse();
    match dispatch(&cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("error: {}", warn::error_text(&e));
            ExitCode::from(exit::code(&e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
