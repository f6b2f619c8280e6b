//! `corridor calibrate`: fits named model settings to observed data with CMA-ES
//! (`corridor::calibrate`): camp data (Flee instances, or scenarios with a camp
//! data table; writes `simsetting.yml`, `trace.csv` and `calibration.json`), or
//! one scenario's CBP monthly encounters (`--observed FILE` or the scenario's
//! `[sources] observed_cbp_monthly`; writes `trace.csv` and `calibration.json`).
//! Parameter names are settings paths (`move_rules.camp_weight`) and, for
//! scenarios, `crossing.<city>.hazard`, `crossings.hazard_scale`,
//! `appointments.request_probability` and `inflows.scale`.

use crate::progress::{self, Progress};
use crate::GlobalOpts;
use anyhow::Result;
use clap::{Args, ValueEnum};
use corridor::{CalibrateRequest, Objective};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor calibrate tests/data/flee/mali2012 --param move_rules.camp_weight=1..4 --budget 40
  corridor calibrate tests/data/flee/mali2012 tests/data/flee/burundi2015 \\
      --param move_rules.camp_weight=1..4 --param move_rules.conflict_weight=0.1..0.5 \\
      --budget 60 --runs 2 --leave-one-out --out runs/cal
  corridor calibrate scenarios/mexico-2023 --param crossings.hazard_scale=0.6..2 \\
      --param 'crossing.Ciudad Juárez.hazard=0.05..0.5' --param inflows.scale=0.7..1.6 \\
      --budget 48 --runs 1
Writes simsetting.yml, trace.csv and calibration.json into --out (scenarios
calibrated on CBP encounters: trace.csv and calibration.json).";

/// Which ARD the search minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    /// Rescaled ARD: how people are shared out over camps (FabFlee's default).
    ArdRescaled,
    /// Plain ARD: also penalises too few or too many people in camps.
    Ard,
}

/// `--days`' help as calibrate words it: several inputs, each with its period.
const DAYS_HELP: &str = "Number of days to simulate (default: each instance's own period)";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
#[command(mut_arg("days", |a| a.help(DAYS_HELP)))]
pub struct CalibrateArgs {
    /// Flee instance directories (or scenarios) with observed camp data; the first
    /// one's settings are the base of the written simsetting.yml.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// A parameter and its range, NAME=LOW..HIGH or NAME=LOW:HIGH (repeat for several).
    #[arg(long = "param", value_name = "NAME=LOW..HIGH", required = true)]
    pub params: Vec<String>,
    /// Objective evaluations (CMA-ES candidates) per calibration.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..))]
    pub budget: u32,
    /// Runs per evaluation of a candidate on each instance.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Runs scoring the finalists and the shipped settings [default: max(--runs, 3)].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub eval_runs: Option<u32>,
    /// Seed of the search and of the runs [default: the first scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also calibrate on all instances but one and score the held-out one.
    #[arg(long)]
    pub leave_one_out: bool,
    /// What to minimise.
    #[arg(long, value_enum, default_value_t = ObjectiveArg::ArdRescaled)]
    pub objective: ObjectiveArg,
    #[command(flatten)]
    pub work: crate::WorkloadArgs,
    /// Output directory [default: corridor-out/calibration].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// CBP monthly encounters (CBP's CSV layout) to calibrate one scenario against
    /// [default: the scenario's `[sources] observed_cbp_monthly`].
    #[arg(long, value_name = "FILE")]
    pub observed: Option<PathBuf>,
    /// Reported stocks of people to fit as well, with CBP encounters
    /// (`date,locations,low,high,source`; docs/validation.md §3.2).
    #[arg(long, value_name = "FILE")]
    pub stocks: Option<PathBuf>,
}

pub fn run(args: &CalibrateArgs, g: &GlobalOpts) -> Result<()> {
    let params = corridor::parse_params(&args.params)?;
    let inputs = crate::load_all(&args.inputs, g)?;
    for input in &inputs {
        args.work.check_memory(input)?;
    }
    let req = CalibrateRequest {
        params,
        budget: args.budget as usize,
        runs: args.runs as usize,
        eval_runs: args.eval_runs.map(|e| e as usize),
        seed: args.seed,
        leave_one_out: args.leave_one_out,
        objective: match args.objective {
            ObjectiveArg::ArdRescaled => Objective::ArdRescaled,
            ObjectiveArg::Ard => Objective::Ard,
        },
        days: args.work.days,
        engine: args.work.engine.kind(),
        out: args.out.clone(),
        observed: args.observed.clone(),
        stocks: args.stocks.clone(),
    };
    let done = {
        let show = progress::enabled(g.no_progress, g.quiet);
        let p = Progress::start(show, "calibrating", 0);
        corridor::calibrate(&inputs, &req, &|| p.inc())?
    };
    print!("{}", done.calibration);
    if !g.quiet {
        let out = done.out_dir.display();
        crate::outln!("wrote {out} ({})", done.files.join(", "));
    }
    Ok(())
}
