//! `corridor calibrate`: fits named model settings to observed camp data with
//! CMA-ES (`corridor_calibrate::calibrate_with`), optionally with leave-one-out
//! scores, and writes `simsetting.yml` (Flee-compatible, the first instance's
//! settings with the calibrated values), `trace.csv` and `calibration.json`.
//!
//! Ranges are written `NAME=LOW..HIGH` or `NAME=LOW:HIGH`. Everything the user
//! asked for is checked before any run: instances are read, names and both ends of
//! every range must be settable (bad input, exit 2). Results depend only on the
//! inputs, the options and `--seed`, never on `--threads`.
//!
//! Two modes:
//! * inputs with observed camp data (Flee instances, or scenarios with a camp data
//!   table): `corridor_calibrate::calibrate_with` on the (rescaled) ARD;
//! * one corridor scenario with CBP monthly encounters, named by `--observed FILE`
//!   or by the scenario's `[observations] cbp_monthly` (relative to the
//!   scenario file): `corridor_calibrate::scenario_cal` minimises the ARD of the
//!   monthly encounters over the complete months of the run that the scenario's
//!   `[observations]` allow (`observed_through`, `calibration_months`), and writes `calibration.json` and `trace.csv`. Parameter names
//!   are those of `scenario_cal` (`crossing.<city>.hazard`,
//!   `crossings.hazard_scale`, `appointments.request_probability`,
//!   `inflows.scale`) and every settings path.

use crate::exit::BadInput;
use crate::input::{self, Loaded};
use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use corridor_calibrate::scenario_cal::{
    calibrate_scenario, calibration_months, check_scenario_params, ScenarioCalOptions,
};
use corridor_calibrate::{CalibrateOptions, Objective, ObservedEncounters, ParamRange};
use corridor_io::write::{has_camp_data, InputKind};
use std::path::{Path, PathBuf};

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

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
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
    /// Seed of the search and of the runs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also calibrate on all instances but one and score the held-out one.
    #[arg(long)]
    pub leave_one_out: bool,
    /// What to minimise.
    #[arg(long, value_enum, default_value_t = ObjectiveArg::ArdRescaled)]
    pub objective: ObjectiveArg,
    /// Number of days to simulate (default: each instance's own period).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    /// Which engine moves people.
    #[arg(long, value_enum, default_value_t = Engine::Agents)]
    pub engine: Engine,
    /// Output directory [default: corridor-out/calibration].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// CBP monthly encounters (CBP's CSV layout) to calibrate one scenario against
    /// [default: the scenario's `[observations] cbp_monthly`].
    #[arg(long, value_name = "FILE")]
    pub observed: Option<PathBuf>,
}

/// Parses `NAME=LOW..HIGH` or `NAME=LOW:HIGH`; a malformed one is bad input.
pub fn parse_param(s: &str) -> Result<ParamRange> {
    let normalised = match s.split_once('=') {
        Some((name, range)) if range.contains("..") => {
            format!("{name}={}", range.replacen("..", ":", 1))
        }
        _ => s.to_string(),
    };
    normalised
        .parse::<ParamRange>()
        .map_err(|e| BadInput(format!("--param {s}: {e}")).into())
}

fn check_input(l: &Loaded) -> Result<()> {
    if has_camp_data(&l.scenario) {
        return Ok(());
    }
    let why = if l.kind == InputKind::Scenario {
        "calibrate fits camp data or CBP monthly encounters, and this scenario has neither \
         (give the CBP file with --observed FILE)"
    } else {
        "no observed camp data (source_data/) to calibrate against"
    };
    Err(BadInput(format!("{}: {why}", l.source)).into())
}

fn run_scenario(
    args: &CalibrateArgs,
    g: &GlobalOpts,
    params: &[ParamRange],
    l: &Loaded,
    observed: &Path,
) -> Result<()> {
    if args.inputs.len() != 1 {
        return Err(BadInput(
            "calibrating on CBP encounters takes exactly one scenario".to_string(),
        )
        .into());
    }
    if args.leave_one_out {
        return Err(BadInput(
            "--leave-one-out needs several instances; not available with CBP encounters"
                .to_string(),
        )
        .into());
    }
    let obs = ObservedEncounters::read_cbp(observed).map_err(|e| BadInput(e.to_string()))?;
    check_scenario_params(&l.scenario, params).map_err(|e| BadInput(e.to_string()))?;
    let mut sc = l.scenario.clone();
    if let Some(d) = args.days {
        sc.days = d;
    }
    // The scenario's window and cut-off (`[observations]`) apply in calibration_months.
    if calibration_months(&sc, &obs).is_empty() {
        let through = sc
            .observed
            .observed_through
            .as_ref()
            .map_or(String::new(), |t| format!(" up to {t}"));
        return Err(BadInput(format!(
            "{}: no complete month of the run is in {}{through}",
            l.source,
            observed.display()
        ))
        .into());
    }
    let opts = ScenarioCalOptions::new(args.budget as usize, args.runs as usize, args.seed);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("corridor-out").join("calibration"));
    let cal = {
        let show = progress::enabled(g.progress, g.quiet);
        let p = Progress::start(show, "calibrating", 0);
        calibrate_scenario(&sc, &obs, params, &opts, &|_| p.inc()).context("calibration")?
    };
    let written = cal
        .write_dir(&out)
        .with_context(|| format!("writing the calibration to {}", out.display()))?;
    print!("{cal}");
    say_written(&out, &written, g.quiet);
    Ok(())
}

/// "wrote DIR (files)" unless quiet.
fn say_written(out: &Path, written: &[std::path::PathBuf], quiet: bool) {
    if !quiet {
        let names: Vec<String> = written
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        println!("wrote {} ({})", out.display(), names.join(", "));
    }
}

pub fn run(args: &CalibrateArgs, g: &GlobalOpts) -> Result<()> {
    let params: Vec<ParamRange> = args
        .params
        .iter()
        .map(|s| parse_param(s))
        .collect::<Result<_>>()?;
    if let Some(first) = args.inputs.first() {
        let l = input::load(Some(first))?;
        let cbp = args.observed.clone().or_else(|| {
            let rel = l.scenario.observed.cbp_monthly.as_ref()?;
            Some(corridor_io::scenario::scenario_relative(first, rel))
        });
        let encounters = l.kind == InputKind::Scenario
            && (args.observed.is_some() || (cbp.is_some() && !has_camp_data(&l.scenario)));
        if encounters {
            print_warnings(&l.warnings, g.quiet);
            return run_scenario(args, g, &params, &l, &cbp.expect("checked"));
        }
        if args.observed.is_some() {
            return Err(BadInput(format!(
                "{}: --observed (CBP encounters) applies to corridor scenarios only",
                l.source
            ))
            .into());
        }
    }
    let mut scenarios = Vec::with_capacity(args.inputs.len());
    for p in &args.inputs {
        let l = input::load(Some(p))?;
        print_warnings(&l.warnings, g.quiet);
        check_input(&l)?;
        scenarios.push(l.scenario);
    }
    let mut opts = CalibrateOptions::new(
        args.budget as usize,
        args.runs as usize,
        args.seed,
        args.leave_one_out,
    );
    if let Some(e) = args.eval_runs {
        opts.eval_runs = e as usize;
    }
    opts.objective = match args.objective {
        ObjectiveArg::ArdRescaled => Objective::ArdRescaled,
        ObjectiveArg::Ard => Objective::Ard,
    };
    opts.days = args.days;
    opts.engine = args.engine.kind();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("corridor-out").join("calibration"));
    let cal = {
        let show = progress::enabled(g.progress, g.quiet);
        let p = Progress::start(show, "calibrating", 0);
        corridor_calibrate::calibrate_with(&scenarios, &params, &opts, &|_| p.inc())
            .context("calibration")?
    };
    let written = cal
        .write_dir(&out)
        .with_context(|| format!("writing the calibration to {}", out.display()))?;
    print!("{cal}");
    say_written(&out, &written, g.quiet);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_range_syntaxes() {
        let a = parse_param("move_rules.camp_weight=1..4").unwrap();
        let b = parse_param("move_rules.camp_weight=1:4").unwrap();
        assert_eq!(a, b);
        assert_eq!((a.low, a.high), (1.0, 4.0));
        let c = parse_param("move_rules.camp_weight=0.25..1.5").unwrap();
        assert_eq!((c.low, c.high), (0.25, 1.5));
        let e = parse_param("x=1..").unwrap_err();
        assert_eq!(crate::exit::code(&e), crate::exit::BAD_INPUT);
        assert!(e.to_string().contains("--param x=1.."), "{e}");
        assert!(parse_param("x").is_err());
    }
}
