//! `corridor backtest`: forecasts from a series of origins, scored per horizon
//! against what was observed later: MAE ratio to persistence (and the ratios of
//! seasonal naive and the plain scenario run), CRPS and 90 % coverage
//! (`corridor::backtest`, definitions in docs/forecast.md). Writes skill.csv,
//! outcomes.csv (every scored outcome) and summary.json; prints the table.

use crate::cmd_forecast::parse_date;
use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::GlobalOpts;
use anyhow::Result;
use clap::Args;
use corridor::forecast::skill_table;
use corridor::forecast::Date;
use corridor::BacktestRequest;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor backtest tests/data/flee/mali2012 --origins 2012-04-01..2012-10-01 --every 30
  corridor backtest tests/data/flee/burundi2015 --origins 2015-06-01..2016-03-01 --every 30 --horizon 30,60,90
  corridor backtest --origins 2023-07-31..2023-08-31 --every 1 --runs 10
N and H are months for scenarios (monthly observations), days for Flee instances.";

/// `FROM..TO`, two dates.
fn parse_origins(s: &str) -> std::result::Result<(Date, Date), String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("expected FROM..TO (two dates YYYY-MM-DD), found \"{s}\""))?;
    Ok((parse_date(a)?, parse_date(b)?))
}

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct BacktestArgs {
    /// A scenario or a Flee instance directory [default: the built-in scenario].
    pub input: Option<PathBuf>,
    /// First and last origin.
    #[arg(long, value_parser = parse_origins, value_name = "FROM..TO")]
    pub origins: (Date, Date),
    /// An origin every N months (scenarios) or days (Flee instances).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub every: u32,
    /// Horizons, comma-separated [default: 1 month; 30,60,90 days].
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..))]
    pub horizon: Vec<u32>,
    /// Members per forecast.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Seed [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Newer observations: for a scenario a file in CBP's monthly layout
    /// [default: the scenario's own file]; for a Flee instance a directory in
    /// the layout of its source_data/ (data_layout.csv and the series it names),
    /// used instead of its own.
    #[arg(long, value_name = "PATH")]
    pub observed: Option<PathBuf>,
    /// Output directory [default: corridor-out/<scenario>-backtest].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &BacktestArgs, g: &GlobalOpts) -> Result<()> {
    let input = corridor::load(args.input.as_deref())?;
    print_warnings(&input.warnings, g.quiet);
    let req = BacktestRequest {
        from: Some(args.origins.0),
        to: Some(args.origins.1),
        every: args.every,
        horizons: args.horizon.clone(),
        runs: args.runs as usize,
        seed: args.seed,
        observed: args.observed.clone(),
        out: args.out.clone(),
    };
    let bt = {
        let show = progress::enabled(g.no_progress, g.quiet);
        let monthly = corridor::forecast::is_monthly(&input);
        let n = corridor::forecast::origins(args.origins.0, args.origins.1, args.every, monthly);
        let p = Progress::start(
            show,
            format!("backtest of {}", input.scenario.name),
            n.len(),
        );
        corridor::backtest(&input, &req, &|| p.inc())?
    };
    let (dir, bt) = (bt.dir, bt.backtest);
    println!(
        "backtest of {}: {} origins, {} members, seed {}",
        input.scenario.name,
        bt.origins.len(),
        bt.members,
        bt.seed
    );
    print!("{}", skill_table(&bt));
    if !g.quiet {
        println!(
            "wrote {} (skill.csv, outcomes.csv: {} outcomes, summary.json)",
            dir.display(),
            bt.outcomes.len()
        );
    }
    Ok(())
}
