//! Fitting model settings to observed data with CMA-ES, in one of two modes
//! chosen from the inputs:
//!
//! * inputs with observed camp data (Flee instances, or scenarios with a camp
//!   data table): `corridor_calibrate::calibrate_with` on the (rescaled) ARD,
//!   optionally with leave-one-out scores; writes `simsetting.yml`
//!   (Flee-compatible, the first instance's settings with the calibrated values),
//!   `trace.csv` and `calibration.json`;
//! * one corridor scenario with CBP monthly encounters, named by
//!   [`CalibrateRequest::observed`] or by the scenario's
//!   `[observations] cbp_monthly`: `corridor_calibrate::scenario_cal`
//!   minimises the ARD of the monthly encounters over the complete months of the
//!   run that the scenario's `[observations]` allow (`calibration_months`,
//!   `observed_through`) plus the other terms of `corridor_calibrate::objective`
//!   (shares, sectors, walk-ups, and the stocks of [`CalibrateRequest::stocks`]),
//!   on the request's engine; writes `trace.csv` and `calibration.json`.
//!
//! Everything asked for is checked before any run (bad input). Results depend
//! only on the inputs, the request and the seed, never on the thread count.

use crate::error::{Error, Result, ResultExt};
use crate::input::{Input, OUT_ROOT};
use crate::run::file_name;
use corridor_calibrate::scenario_cal::{
    calibrate_scenario, calibration_months, check_scenario_params, ScenarioCalOptions,
    ScenarioCalibration,
};
use corridor_calibrate::{CalibrateOptions, Calibration, Objective, ParamRange};
use corridor_io::write::{has_camp_data, InputKind, OutputKind, MANIFEST_FILE};
use corridor_model::EngineKind;
use std::fmt;
use std::path::{Path, PathBuf};

/// What `calibrate` is asked to do.
#[derive(Debug, Clone)]
pub struct CalibrateRequest {
    pub params: Vec<ParamRange>,
    /// Objective evaluations (CMA-ES candidates).
    pub budget: usize,
    /// Runs per evaluation of a candidate on each input.
    pub runs: usize,
    /// Runs scoring the finalists and the shipped settings; `None`: the library's
    /// default.
    pub eval_runs: Option<usize>,
    /// `None`: the first input's scenario seed, else 1.
    pub seed: Option<u64>,
    pub leave_one_out: bool,
    pub objective: Objective,
    pub days: Option<u32>,
    pub engine: EngineKind,
    /// `None`: `corridor-out/calibration`.
    pub out: Option<PathBuf>,
    /// CBP monthly encounters to calibrate one scenario against; `None`: the
    /// scenario's `[sources] observed_cbp_monthly`, if any.
    pub observed: Option<PathBuf>,
    /// Reported stocks to fit too (`corridor_calibrate::objective`; CBP mode only).
    pub stocks: Option<PathBuf>,
}

/// The default output directory of `calibrate`.
pub fn default_out_dir() -> PathBuf {
    Path::new(OUT_ROOT).join("calibration")
}

/// The outcome of either mode.
#[derive(Debug, Clone)]
pub enum Calibrated {
    /// Settings fitted to camp data.
    Settings(Calibration),
    /// Scenario parameters fitted to CBP monthly encounters (boxed: it holds the
    /// objective's terms twice and is much larger than the other variant).
    Encounters(Box<ScenarioCalibration>),
}

impl fmt::Display for Calibrated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Calibrated::Settings(c) => c.fmt(f),
            Calibrated::Encounters(c) => c.fmt(f),
        }
    }
}

/// A finished calibration and the files written.
#[derive(Debug, Clone)]
pub struct CalibrateResult {
    pub calibration: Calibrated,
    pub out_dir: PathBuf,
    pub files: Vec<String>,
}

/// Calibrates on the inputs (already loaded, in order) and writes the output
/// directory; `on_eval` after each objective evaluation.
pub fn calibrate(
    inputs: &[Input],
    req: &CalibrateRequest,
    on_eval: &(dyn Fn() + Sync),
) -> Result<CalibrateResult> {
    let Some(first) = inputs.first() else {
        return Err(Error::bad("calibrate needs at least one input"));
    };
    let seed = first.seed(req.seed);
    let out_dir = req.out.clone().unwrap_or_else(default_out_dir);
    crate::check_out_dir(&out_dir)?;
    // CBP encounters when asked for, or when a scenario names them and has no
    // camp data to calibrate against instead.
    let cbp = if first.kind == InputKind::Scenario
        && (req.observed.is_some() || !has_camp_data(&first.scenario))
    {
        first.cbp_observations(req.observed.as_deref())?
    } else {
        None
    };
    let (calibration, written) = if let Some((obs, shown)) = cbp {
        if inputs.len() != 1 {
            return Err(Error::bad(
                "calibrating on CBP encounters takes exactly one scenario",
            ));
        }
        let c = on_encounters(first, obs, &shown, req, seed, on_eval)?;
        let w = crate::write_whole(&out_dir, OutputKind::Calibrate, false, |dir| {
            c.write_dir(dir)
                .with_context(|| format!("writing the calibration to {}", out_dir.display()))
        });
        (Calibrated::Encounters(Box::new(c)), w)
    } else {
        if req.observed.is_some() || req.stocks.is_some() {
            return Err(Error::bad(format!(
                "{}: --observed and --stocks (CBP encounters) apply to corridor scenarios only",
                first.source
            )));
        }
        let c = on_camp_data(inputs, req, seed, on_eval)?;
        let w = crate::write_whole(&out_dir, OutputKind::Calibrate, false, |dir| {
            c.write_dir(dir)
                .with_context(|| format!("writing the calibration to {}", out_dir.display()))
        });
        (Calibrated::Settings(c), w)
    };
    let mut written = written?;
    written.push(out_dir.join(MANIFEST_FILE));
    Ok(CalibrateResult {
        calibration,
        files: written.iter().map(|p| file_name(p)).collect(),
        out_dir,
    })
}

/// Bad input unless the input has observed camp data.
fn check_camp_data(input: &Input) -> Result<()> {
    if has_camp_data(&input.scenario) {
        return Ok(());
    }
    let why = if input.kind == InputKind::Scenario {
        "calibrate fits camp data or CBP monthly encounters, and this scenario has neither \
         (give the CBP file with --observed FILE)"
    } else {
        "no observed camp data (source_data/) to calibrate against"
    };
    Err(Error::bad(format!("{}: {why}", input.source)))
}

fn on_camp_data(
    inputs: &[Input],
    req: &CalibrateRequest,
    seed: u64,
    on_eval: &(dyn Fn() + Sync),
) -> Result<Calibration> {
    for input in inputs {
        check_camp_data(input)?;
    }
    let scenarios: Vec<_> = inputs.iter().map(|i| i.scenario.clone()).collect();
    let mut opts = CalibrateOptions::new(req.budget, req.runs, seed, req.leave_one_out);
    if let Some(e) = req.eval_runs {
        opts.eval_runs = e;
    }
    opts.objective = req.objective;
    opts.days = req.days;
    opts.engine = req.engine;
    corridor_calibrate::calibrate_with(&scenarios, &req.params, &opts, &|_| on_eval())
        .context("calibration")
}

fn on_encounters(
    input: &Input,
    obs: corridor_model::MonthlyObserved,
    shown: &str,
    req: &CalibrateRequest,
    seed: u64,
    on_eval: &(dyn Fn() + Sync),
) -> Result<ScenarioCalibration> {
    if req.leave_one_out {
        return Err(Error::bad(
            "--leave-one-out needs several instances; not available with CBP encounters",
        ));
    }
    // Stock targets are checked before any run, like everything else.
    let mut stocks = Vec::new();
    if let Some(p) = &req.stocks {
        stocks = corridor_calibrate::objective::read_stock_targets(p)
            .map_err(|e| Error::bad(e.to_string()))?;
        let objective = corridor_calibrate::objective::FitObjective {
            stocks: stocks.clone(),
            ..Default::default()
        };
        objective
            .check(&input.scenario)
            .map_err(|e| Error::bad(format!("{}: {e}", p.display())))?;
    }
    check_scenario_params(&input.scenario, &req.params).map_err(|e| Error::bad(e.to_string()))?;
    let mut sc = input.scenario.clone();
    if let Some(d) = req.days {
        sc.days = d;
    }
    // The scenario's window and cut-off (`[observations]`) apply in calibration_months.
    if calibration_months(&sc, &obs).is_empty() {
        let through = sc
            .observed
            .observed_through
            .as_ref()
            .map_or(String::new(), |t| format!(" up to {t}"));
        return Err(Error::bad(format!(
            "{}: no complete month of the run is in {}{through}",
            input.source, shown
        )));
    }
    let mut opts = ScenarioCalOptions::new(req.budget, req.runs, seed);
    opts.engine = req.engine;
    opts.objective.stocks = stocks;
    calibrate_scenario(&sc, &obs, &req.params, &opts, &|_| on_eval()).context("calibration")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load;

    fn request() -> CalibrateRequest {
        CalibrateRequest {
            params: vec![crate::sweep::parse_param("move_rules.camp_weight=1..4").unwrap()],
            budget: 2,
            runs: 1,
            eval_runs: Some(1),
            seed: None,
            leave_one_out: false,
            objective: Objective::ArdRescaled,
            days: Some(5),
            engine: EngineKind::Agents,
            out: None,
            observed: None,
            stocks: None,
        }
    }

    #[test]
    fn requests_that_do_not_fit_the_inputs_are_bad_input() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mali = load(Some(&repo.join("tests/data/flee/mali2012"))).unwrap();
        let mut req = request();
        req.observed = Some(repo.join("nope.csv"));
        let e = calibrate(std::slice::from_ref(&mali), &req, &|| {}).unwrap_err();
        assert!(
            e.is_bad_input() && e.to_string().contains("--observed"),
            "{e}"
        );
        let e = calibrate(&[], &request(), &|| {}).unwrap_err();
        assert!(e.is_bad_input());
        // A scenario without camp data or CBP file.
        let port = load(Some(&repo.join("examples/port-closure"))).unwrap();
        let e = calibrate(&[port], &request(), &|| {}).unwrap_err();
        assert!(
            e.is_bad_input() && e.to_string().contains("CBP monthly"),
            "{e}"
        );
    }

    #[test]
    fn stock_targets_are_checked_before_any_run() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let t = tempfile::tempdir().unwrap();
        let stocks = t.path().join("stocks.csv");
        let head = "date,locations,low,high,source\n";
        std::fs::write(&stocks, format!("{head}2023-08-15,Nowhere,1,2,x\n")).unwrap();
        let mexico = load(Some(&repo.join("scenarios/mexico-2023"))).unwrap();
        let mut req = request();
        req.stocks = Some(stocks.clone());
        let e = calibrate(std::slice::from_ref(&mexico), &req, &|| {}).unwrap_err();
        assert!(
            e.is_bad_input() && e.to_string().contains("no location 'Nowhere'"),
            "{e}"
        );
        // Only with CBP encounters: a Flee instance refuses it.
        let mali = load(Some(&repo.join("tests/data/flee/mali2012"))).unwrap();
        let e = calibrate(&[mali], &req, &|| {}).unwrap_err();
        assert!(
            e.is_bad_input() && e.to_string().contains("--stocks"),
            "{e}"
        );
        // A bad row names the file, line and field.
        std::fs::write(&stocks, format!("{head}2023-08-15,Tapachula,5,2,x\n")).unwrap();
        let e = calibrate(&[mexico], &req, &|| {}).unwrap_err();
        assert!(
            e.is_bad_input() && e.to_string().contains(":2: field 'high'"),
            "{e}"
        );
    }
}
