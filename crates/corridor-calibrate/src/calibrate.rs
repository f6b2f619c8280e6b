//! Calibration of model settings with CMA-ES (issue 8 item 2; `corridor calibrate`).
//!
//! * [`search`]: the generic loop. It minimises any objective closure
//!   `f(values, crn_seed)` over a box of named parameters with [`crate::cmaes`],
//!   evaluating the candidates of one generation in parallel (rayon) and giving
//!   them all the same `crn_seed` = [`generation_seed`]`(seed, g)` (common random
//!   numbers: candidates of a generation are compared on the same random draws,
//!   so their ranking reflects the parameters more than the noise; a new
//!   generation draws new seeds, so the search does not overfit one sample).
//!   Used for Flee instances below and for corridor scenarios with
//!   [`crate::encounters`] as the objective.
//! * [`calibrate`] / [`calibrate_with`]: Flee instances. Objective = mean over the
//!   instances of the mean over `runs_per_eval` runs of the **rescaled ARD**
//!   (docs/flee-rules.md §3.2; [`Objective::Ard`] selects the plain one). The search starts
//!   from the shipped value of each parameter (the first instance's settings,
//!   clamped into its range). Noise makes the lowest value seen optimistic (the
//!   winner's curse), so two finalists — the final mean of the search distribution
//!   and the best-scoring candidate — are re-evaluated on `eval_runs` fresh runs
//!   with seeds `member_seed(seed, i)` (the seeds `corridor validate --seed`
//!   uses), and the lower one is kept. Shipped and calibrated settings are scored
//!   with those same seeds.
//! * Leave-one-out: for each instance, calibrate on the others (same budget) and
//!   score the result on the held-out instance: the out-of-sample ARD.
//!
//! Outputs: the calibrated `simsetting.yml` (the first instance's settings with
//! the calibrated values; [`crate::settings_yaml`]), `trace.csv`
//! (`fold,generation,candidate,<param>...,objective`, one row per evaluation, in
//! order; fold `all` is the calibration on every instance, other folds are named
//! after the held-out instance) and `calibration.json`. All are functions of the
//! inputs and options only: identical for any thread count.

use crate::cmaes::{minimize, MinimizeOptions};
use crate::error::CalibrateError;
use crate::settings_yaml::{settings_to_yaml, yaml_float};
use corridor_ensemble::{get_param, member_seed, set_param};
use corridor_io::write::{write_atomic, WriteError};
use corridor_model::metrics::{self, mean_sd};
use corridor_model::rng::{mix, Purpose};
use corridor_model::{simulate, EngineKind, RunOptions, Scenario};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

pub use corridor_ensemble::ParamRange;

/// Entity id of the common-random-number seeds in `rng::mix(seed, Purpose::Other,
/// generation, ·)` (0 is CMA-ES's sampling stream).
pub const STREAM_CRN: u64 = 1;

/// The seed shared by every candidate of generation `generation`.
pub fn generation_seed(seed: u64, generation: usize) -> u64 {
    mix(seed, Purpose::Other, generation as u64, STREAM_CRN)
}

/// Which ARD a Flee calibration minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Rescaled ARD (FabFlee's default): how people are shared out over camps.
    ArdRescaled,
    /// Plain ARD: also penalises too few or too many people in camps.
    Ard,
}

impl Objective {
    pub fn as_str(self) -> &'static str {
        match self {
            Objective::ArdRescaled => "ard_rescaled",
            Objective::Ard => "ard",
        }
    }
}

/// Options of the generic [`search`].
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// Most objective evaluations (whole generations; at least one generation).
    pub budget: usize,
    pub seed: u64,
    /// CMA-ES population λ; `None` = `4 + ⌊3 ln n⌋`.
    pub population: Option<usize>,
    /// Initial step size as a fraction of each parameter's range.
    pub sigma0: f64,
}

impl SearchOptions {
    pub fn new(budget: usize, seed: u64) -> Self {
        SearchOptions {
            budget,
            seed,
            population: None,
            sigma0: 0.3,
        }
    }
}

/// One evaluated candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceRow {
    /// `all`, or the held-out instance of a leave-one-out fold.
    pub fold: String,
    pub generation: usize,
    pub candidate: usize,
    /// In the order of the parameters.
    pub params: Vec<f64>,
    pub objective: f64,
}

/// What [`search`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// Every evaluation in order (fold `all`).
    pub trace: Vec<TraceRow>,
    /// The lowest objective seen (optimistic under noise).
    pub best: TraceRow,
    /// The final mean of the search distribution.
    pub mean: Vec<f64>,
    pub generations: usize,
    pub population: usize,
}

/// Reported after every generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// `all` or the held-out instance.
    pub fold: String,
    pub generation: usize,
    pub evaluations: usize,
    pub budget: usize,
    /// Lowest objective seen so far in this fold.
    pub best_objective: f64,
}

fn check_ranges(params: &[ParamRange]) -> Result<(), CalibrateError> {
    if params.is_empty() {
        return Err(CalibrateError::option(
            "params",
            "name at least one parameter to calibrate",
        ));
    }
    for (k, p) in params.iter().enumerate() {
        if !(p.low.is_finite() && p.high.is_finite() && p.low <= p.high) {
            return Err(CalibrateError::option(
                &p.name,
                format!(
                    "range [{}, {}] must be finite with low ≤ high",
                    p.low, p.high
                ),
            ));
        }
        if params[..k].iter().any(|q| q.name == p.name) {
            return Err(CalibrateError::option(&p.name, "named twice"));
        }
    }
    Ok(())
}

/// Minimises `objective(values, crn_seed)` over the box of `params`, starting from
/// `start` (clamped into the box). Candidates of one generation are evaluated in
/// parallel and share `crn_seed`; a failing evaluation stops the search.
pub fn search<F>(
    params: &[ParamRange],
    start: &[f64],
    opts: &SearchOptions,
    objective: F,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Search, CalibrateError>
where
    F: Fn(&[f64], u64) -> Result<f64, CalibrateError> + Sync,
{
    check_ranges(params)?;
    if start.len() != params.len() {
        return Err(CalibrateError::option(
            "start",
            format!("{} values for {} parameters", start.len(), params.len()),
        ));
    }
    if opts.budget == 0 {
        return Err(CalibrateError::option(
            "budget",
            "must be at least 1 evaluation",
        ));
    }
    if !(opts.sigma0.is_finite() && opts.sigma0 > 0.0) {
        return Err(CalibrateError::option("sigma0", "must be a number > 0"));
    }
    let lower: Vec<f64> = params.iter().map(|p| p.low).collect();
    let upper: Vec<f64> = params.iter().map(|p| p.high).collect();
    let mo = MinimizeOptions {
        sigma0: opts.sigma0,
        population: opts.population,
        max_evals: opts.budget,
        seed: opts.seed,
        tol_x: 1e-6,
    };
    let mut evaluations = 0;
    let mut best = f64::INFINITY;
    let m = minimize(start, &lower, &upper, &mo, |generation, xs| {
        let crn = generation_seed(opts.seed, generation);
        let fs = xs
            .par_iter()
            .map(|x| objective(x, crn))
            .collect::<Result<Vec<f64>, _>>()?;
        evaluations += xs.len();
        best = fs
            .iter()
            .cloned()
            .filter(|f| !f.is_nan())
            .fold(best, f64::min);
        progress(&Progress {
            fold: "all".into(),
            generation,
            evaluations,
            budget: opts.budget,
            best_objective: best,
        });
        Ok::<_, CalibrateError>(fs)
    })?;
    let row = |e: &crate::cmaes::Evaluation| TraceRow {
        fold: "all".into(),
        generation: e.generation,
        candidate: e.candidate,
        params: e.x.clone(),
        objective: e.f,
    };
    Ok(Search {
        trace: m.evaluations.iter().map(row).collect(),
        best: row(&m.best),
        mean: m.mean,
        generations: m.generations,
        population: m.population,
    })
}

/// Options of a Flee calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrateOptions {
    /// Objective evaluations per calibration (each = `runs_per_eval` runs of every
    /// training instance).
    pub budget: usize,
    pub runs_per_eval: usize,
    pub seed: u64,
    pub leave_one_out: bool,
    pub objective: Objective,
    /// Runs scoring the finalists, the shipped and the calibrated settings.
    pub eval_runs: usize,
    /// Overrides every instance's `days` when set.
    pub days: Option<u32>,
    pub engine: EngineKind,
    pub population: Option<usize>,
    pub sigma0: f64,
}

impl CalibrateOptions {
    /// Rescaled-ARD objective, `eval_runs = max(runs_per_eval, 3)`, default CMA-ES.
    pub fn new(budget: usize, runs_per_eval: usize, seed: u64, leave_one_out: bool) -> Self {
        CalibrateOptions {
            budget,
            runs_per_eval,
            seed,
            leave_one_out,
            objective: Objective::ArdRescaled,
            eval_runs: runs_per_eval.max(3),
            days: None,
            engine: EngineKind::Agents,
            population: None,
            sigma0: 0.3,
        }
    }
}

/// ARDs of one instance, mean and sd over runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    pub ard: f64,
    pub ard_sd: f64,
    pub ard_rescaled: f64,
    pub ard_rescaled_sd: f64,
}

impl Score {
    pub fn objective(&self, o: Objective) -> f64 {
        match o {
            Objective::ArdRescaled => self.ard_rescaled,
            Objective::Ard => self.ard,
        }
    }
}

/// One calibrated parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamResult {
    pub name: String,
    pub low: f64,
    pub high: f64,
    /// The first instance's value.
    pub shipped: f64,
    pub calibrated: f64,
}

/// Shipped against calibrated settings on one instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceScore {
    pub instance: String,
    pub shipped: Score,
    pub calibrated: Score,
}

/// Which finalist a calibration kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finalist {
    /// The final mean of the search distribution.
    Mean,
    /// The candidate with the lowest objective during the search.
    Best,
}

/// One leave-one-out fold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fold {
    pub held_out: String,
    /// Calibrated on the other instances, in the order of the parameters.
    pub calibrated: Vec<f64>,
    pub finalist: Finalist,
    /// Mean objective of the kept finalist on the training instances (eval runs).
    pub training_objective: f64,
    /// On the held-out instance.
    pub shipped: Score,
    pub out_of_sample: Score,
}

/// The result of [`calibrate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub objective: Objective,
    pub instances: Vec<String>,
    pub budget: usize,
    pub runs_per_eval: usize,
    pub eval_runs: usize,
    pub seed: u64,
    pub population: usize,
    pub generations: usize,
    pub finalist: Finalist,
    pub params: Vec<ParamResult>,
    /// Calibrated on every instance, scored on each.
    pub in_sample: Vec<InstanceScore>,
    /// Empty unless `leave_one_out`.
    pub leave_one_out: Vec<Fold>,
    /// Every evaluation of every fold (`trace.csv`).
    #[serde(skip)]
    pub trace: Vec<TraceRow>,
    /// The calibrated `simsetting.yml`.
    #[serde(skip)]
    pub settings_yaml: String,
}

/// `scenario` with `values` set (integer parameters rounded by `set_param`).
pub fn apply_params(
    scenario: &Scenario,
    params: &[ParamRange],
    values: &[f64],
) -> Result<Scenario, CalibrateError> {
    let mut s = scenario.clone();
    for (p, &v) in params.iter().zip(values) {
        set_param(&mut s, &p.name, v)?;
    }
    Ok(s)
}

/// The values `set_param` actually sets (integers rounded).
fn canonical(
    scenario: &Scenario,
    params: &[ParamRange],
    values: &[f64],
) -> Result<Vec<f64>, CalibrateError> {
    let mut s = scenario.clone();
    params
        .iter()
        .zip(values)
        .map(|(p, &v)| Ok(set_param(&mut s, &p.name, v)?))
        .collect()
}

/// Runs `runs` members (`member_seed(seed, i)`) in parallel and returns the
/// (ARD, rescaled ARD) of each, in member order.
pub fn run_ards(
    scenario: &Scenario,
    runs: usize,
    seed: u64,
    days: Option<u32>,
    engine: EngineKind,
) -> Result<Vec<(f64, f64)>, CalibrateError> {
    (0..runs)
        .into_par_iter()
        .map(|i| {
            let seed = member_seed(seed, i);
            #[allow(clippy::needless_update)]
            let ro = RunOptions {
                seed,
                days,
                engine,
                ..RunOptions::default()
            };
            let run = simulate(scenario, &ro).map_err(|source| CalibrateError::Run {
                scenario: scenario.name.clone(),
                seed,
                source,
            })?;
            let v = metrics::validate(scenario, &run).ok_or_else(|| {
                CalibrateError::NoObservations {
                    scenario: scenario.name.clone(),
                }
            })?;
            Ok((v.ard, v.ard_rescaled))
        })
        .collect()
}

fn score(
    scenario: &Scenario,
    runs: usize,
    seed: u64,
    opts: &CalibrateOptions,
) -> Result<Score, CalibrateError> {
    let v = run_ards(scenario, runs, seed, opts.days, opts.engine)?;
    let (ard, ard_sd) = mean_sd(&v.iter().map(|x| x.0).collect::<Vec<_>>());
    let (ard_rescaled, ard_rescaled_sd) = mean_sd(&v.iter().map(|x| x.1).collect::<Vec<_>>());
    Ok(Score {
        ard,
        ard_sd,
        ard_rescaled,
        ard_rescaled_sd,
    })
}

/// Scores of `values` on each instance with `runs` runs from `seed`.
fn scores(
    instances: &[&Scenario],
    params: &[ParamRange],
    values: &[f64],
    runs: usize,
    seed: u64,
    opts: &CalibrateOptions,
) -> Result<Vec<Score>, CalibrateError> {
    instances
        .par_iter()
        .map(|s| score(&apply_params(s, params, values)?, runs, seed, opts))
        .collect()
}

fn mean_objective(scores: &[Score], o: Objective) -> f64 {
    scores.iter().map(|s| s.objective(o)).sum::<f64>() / scores.len() as f64
}

/// One calibration on `training`: search, then the finalists scored on eval runs.
struct Fit {
    values: Vec<f64>,
    finalist: Finalist,
    training: Vec<Score>,
    search: Search,
}

fn fit(
    training: &[&Scenario],
    params: &[ParamRange],
    start: &[f64],
    opts: &CalibrateOptions,
    fold: &str,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Fit, CalibrateError> {
    let so = SearchOptions {
        budget: opts.budget,
        seed: opts.seed,
        population: opts.population,
        sigma0: opts.sigma0,
    };
    let objective = |x: &[f64], crn: u64| -> Result<f64, CalibrateError> {
        let s = scores(training, params, x, opts.runs_per_eval, crn, opts)?;
        Ok(mean_objective(&s, opts.objective))
    };
    let report = |p: &Progress| {
        progress(&Progress {
            fold: fold.to_string(),
            ..p.clone()
        })
    };
    let mut found = search(params, start, &so, objective, &report)?;
    let base = training[0];
    for row in found
        .trace
        .iter_mut()
        .chain(std::iter::once(&mut found.best))
    {
        row.fold = fold.to_string();
        row.params = canonical(base, params, &row.params)?;
    }
    let mean = canonical(base, params, &found.mean)?;
    let on_mean = scores(training, params, &mean, opts.eval_runs, opts.seed, opts)?;
    let (values, finalist, training_scores) = if found.best.params == mean {
        (mean, Finalist::Mean, on_mean)
    } else {
        let best = found.best.params.clone();
        let on_best = scores(training, params, &best, opts.eval_runs, opts.seed, opts)?;
        // Ties keep the mean: it is the less noise-selected point.
        if mean_objective(&on_best, opts.objective) < mean_objective(&on_mean, opts.objective) {
            (best, Finalist::Best, on_best)
        } else {
            (mean, Finalist::Mean, on_mean)
        }
    };
    Ok(Fit {
        values,
        finalist,
        training: training_scores,
        search: found,
    })
}

/// Calibrates `params` on `instances` (see the module documentation) with
/// [`CalibrateOptions::new`]`(budget, runs_per_eval, seed, leave_one_out)`.
pub fn calibrate(
    instances: &[Scenario],
    params: &[ParamRange],
    budget: usize,
    runs_per_eval: usize,
    seed: u64,
    leave_one_out: bool,
) -> Result<Calibration, CalibrateError> {
    let opts = CalibrateOptions::new(budget, runs_per_eval, seed, leave_one_out);
    calibrate_with(instances, params, &opts, &|_| {})
}

/// [`calibrate`] with all options and a progress callback (called after every
/// generation, from the calling thread).
pub fn calibrate_with(
    instances: &[Scenario],
    params: &[ParamRange],
    opts: &CalibrateOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Calibration, CalibrateError> {
    if instances.is_empty() {
        return Err(CalibrateError::option(
            "instances",
            "give at least one instance",
        ));
    }
    if opts.leave_one_out && instances.len() < 2 {
        return Err(CalibrateError::option(
            "leave_one_out",
            "needs at least two instances (one to hold out, one to calibrate on)",
        ));
    }
    for (name, v) in [
        ("runs_per_eval", opts.runs_per_eval),
        ("eval_runs", opts.eval_runs),
    ] {
        if v == 0 {
            return Err(CalibrateError::option(name, "must be at least 1"));
        }
    }
    if opts.days == Some(0) {
        return Err(CalibrateError::option(
            "days",
            "nothing to compare in a run of 0 days",
        ));
    }
    check_ranges(params)?;
    for s in instances {
        if s.camp_locations().is_empty() || s.data.camps.is_empty() {
            return Err(CalibrateError::NoObservations {
                scenario: s.name.clone(),
            });
        }
        // Both ends of every range must be settable (names known, values in domain).
        let mut t = s.clone();
        for p in params {
            set_param(&mut t, &p.name, p.low)?;
            set_param(&mut t, &p.name, p.high)?;
        }
    }
    let base = &instances[0];
    let shipped_values: Vec<f64> = params
        .iter()
        .map(|p| get_param(base, &p.name))
        .collect::<Result<_, _>>()?;
    let start: Vec<f64> = params
        .iter()
        .zip(&shipped_values)
        .map(|(p, &v)| v.clamp(p.low, p.high))
        .collect();
    let all: Vec<&Scenario> = instances.iter().collect();
    let shipped: Vec<Score> = all
        .par_iter()
        .map(|s| score(s, opts.eval_runs, opts.seed, opts))
        .collect::<Result<_, _>>()?;

    let whole = fit(&all, params, &start, opts, "all", progress)?;
    let mut trace = whole.search.trace.clone();
    let in_sample = instances
        .iter()
        .zip(&shipped)
        .zip(&whole.training)
        .map(|((s, sh), ca)| InstanceScore {
            instance: s.name.clone(),
            shipped: *sh,
            calibrated: *ca,
        })
        .collect();

    let mut folds = Vec::new();
    if opts.leave_one_out {
        for (k, held) in instances.iter().enumerate() {
            let training: Vec<&Scenario> = instances
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .map(|(_, s)| s)
                .collect();
            let f = fit(&training, params, &start, opts, &held.name, progress)?;
            let out = score(
                &apply_params(held, params, &f.values)?,
                opts.eval_runs,
                opts.seed,
                opts,
            )?;
            trace.extend(f.search.trace.iter().cloned());
            folds.push(Fold {
                held_out: held.name.clone(),
                calibrated: f.values.clone(),
                finalist: f.finalist,
                training_objective: mean_objective(&f.training, opts.objective),
                shipped: shipped[k],
                out_of_sample: out,
            });
        }
    }

    let mut cal = Calibration {
        objective: opts.objective,
        instances: instances.iter().map(|s| s.name.clone()).collect(),
        budget: opts.budget,
        runs_per_eval: opts.runs_per_eval,
        eval_runs: opts.eval_runs,
        seed: opts.seed,
        population: whole.search.population,
        generations: whole.search.generations,
        finalist: whole.finalist,
        params: params
            .iter()
            .zip(&shipped_values)
            .zip(&whole.values)
            .map(|((p, &sh), &ca)| ParamResult {
                name: p.name.clone(),
                low: p.low,
                high: p.high,
                shipped: sh,
                calibrated: ca,
            })
            .collect(),
        in_sample,
        leave_one_out: folds,
        trace,
        settings_yaml: String::new(),
    };
    cal.settings_yaml = settings_yaml_for(base, &cal)?;
    Ok(cal)
}

/// The calibrated `simsetting.yml` with `base`'s settings: every setting of
/// `base` with the calibrated values set, a header naming the calibration, and
/// each calibrated key commented with its range and shipped value.
/// [`Calibration::settings_yaml`] is this for the first instance; pass another
/// base to carry the values over, e.g. the full-resolution instance when the
/// calibration ran on a coarse-grained copy (`optimisations.hasten` differs).
pub fn settings_yaml_for(base: &Scenario, cal: &Calibration) -> Result<String, CalibrateError> {
    let ranges: Vec<ParamRange> = cal
        .params
        .iter()
        .map(|p| ParamRange {
            name: p.name.clone(),
            low: p.low,
            high: p.high,
        })
        .collect();
    let values: Vec<f64> = cal.params.iter().map(|p| p.calibrated).collect();
    let calibrated = apply_params(base, &ranges, &values)?;
    let header = vec![
        "simsetting.yml written by corridor calibrate (CMA-ES).".to_string(),
        format!(
            "Objective: mean {} over {}; budget {} evaluations of {} run(s) each, seed {}.",
            cal.objective.as_str(),
            cal.instances.join(", "),
            cal.budget,
            cal.runs_per_eval,
            cal.seed
        ),
        format!("Base settings: those of {}.", base.name),
    ];
    let notes: Vec<(String, String)> = cal
        .params
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                format!(
                    "calibrated in [{}, {}]; shipped {}",
                    yaml_float(p.low),
                    yaml_float(p.high),
                    yaml_float(p.shipped)
                ),
            )
        })
        .collect();
    Ok(settings_to_yaml(&calibrated.settings, &header, &notes))
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Calibration {
    /// Mean over instances of (shipped, calibrated) in-sample objective.
    pub fn in_sample_means(&self) -> (f64, f64) {
        let n = self.in_sample.len() as f64;
        let o = self.objective;
        (
            self.in_sample
                .iter()
                .map(|s| s.shipped.objective(o))
                .sum::<f64>()
                / n,
            self.in_sample
                .iter()
                .map(|s| s.calibrated.objective(o))
                .sum::<f64>()
                / n,
        )
    }

    /// Mean over held-out instances of (shipped, calibrated) objective; `None`
    /// without leave-one-out.
    pub fn leave_one_out_means(&self) -> Option<(f64, f64)> {
        if self.leave_one_out.is_empty() {
            return None;
        }
        let n = self.leave_one_out.len() as f64;
        let o = self.objective;
        Some((
            self.leave_one_out
                .iter()
                .map(|f| f.shipped.objective(o))
                .sum::<f64>()
                / n,
            self.leave_one_out
                .iter()
                .map(|f| f.out_of_sample.objective(o))
                .sum::<f64>()
                / n,
        ))
    }

    /// `trace.csv`.
    pub fn trace_csv(&self) -> String {
        let mut s = String::from("fold,generation,candidate");
        for p in &self.params {
            s.push(',');
            s.push_str(&csv_field(&p.name));
        }
        s.push_str(",objective\n");
        for r in &self.trace {
            s.push_str(&format!(
                "{},{},{}",
                csv_field(&r.fold),
                r.generation,
                r.candidate
            ));
            for v in &r.params {
                s.push_str(&format!(",{v}"));
            }
            s.push_str(&format!(",{}\n", r.objective));
        }
        s
    }

    /// `calibration.json` (everything but the trace and the YAML text).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("Calibration is plain data");
        s.push('\n');
        s
    }

    /// Writes `simsetting.yml`, `trace.csv` and `calibration.json` into `dir`
    /// (created if needed), each atomically. Returns the paths written.
    pub fn write_dir(&self, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
        std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut written = Vec::new();
        for (name, text) in [
            ("simsetting.yml", self.settings_yaml.clone()),
            ("trace.csv", self.trace_csv()),
            ("calibration.json", self.to_json()),
        ] {
            let p = dir.join(name);
            write_atomic(&p, text.as_bytes())?;
            written.push(p);
        }
        Ok(written)
    }
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.objective;
        writeln!(
            f,
            "Calibration of {} on {}: CMA-ES, population {}, {} generation{}, budget {} × {} run(s); scored on {} run(s), seed {}",
            o.as_str(),
            self.instances.join(", "),
            self.population,
            self.generations,
            if self.generations == 1 { "" } else { "s" },
            self.budget,
            self.runs_per_eval,
            self.eval_runs,
            self.seed
        )?;
        writeln!(f)?;
        let w = self
            .params
            .iter()
            .map(|p| p.name.len())
            .max()
            .unwrap_or(5)
            .max(9);
        writeln!(
            f,
            "  {:<w$}  {:>12}  {:>12}  {:>12}  {:>12}",
            "parameter", "low", "high", "shipped", "calibrated"
        )?;
        for p in &self.params {
            writeln!(
                f,
                "  {:<w$}  {:>12.5}  {:>12.5}  {:>12.5}  {:>12.5}",
                p.name, p.low, p.high, p.shipped, p.calibrated
            )?;
        }
        writeln!(
            f,
            "  (kept: the {} finalist)",
            match self.finalist {
                Finalist::Mean => "search-mean",
                Finalist::Best => "best-candidate",
            }
        )?;
        writeln!(f)?;
        let w = self
            .instances
            .iter()
            .map(|s| s.len())
            .max()
            .unwrap_or(8)
            .max(8);
        writeln!(f, "  In sample ({}):", o.as_str())?;
        writeln!(
            f,
            "  {:<w$}  {:>16}  {:>16}",
            "instance", "shipped", "calibrated"
        )?;
        for s in &self.in_sample {
            writeln!(
                f,
                "  {:<w$}  {:>16}  {:>16}",
                s.instance,
                pm(s.shipped, o),
                pm(s.calibrated, o)
            )?;
        }
        let (a, b) = self.in_sample_means();
        writeln!(f, "  {:<w$}  {:>16.4}  {:>16.4}", "mean", a, b)?;
        if let Some((a, b)) = self.leave_one_out_means() {
            writeln!(f)?;
            writeln!(
                f,
                "  Leave one out ({} on the held-out instance):",
                o.as_str()
            )?;
            writeln!(
                f,
                "  {:<w$}  {:>16}  {:>16}",
                "held out", "shipped", "calibrated"
            )?;
            for fo in &self.leave_one_out {
                writeln!(
                    f,
                    "  {:<w$}  {:>16}  {:>16}",
                    fo.held_out,
                    pm(fo.shipped, o),
                    pm(fo.out_of_sample, o)
                )?;
            }
            writeln!(f, "  {:<w$}  {:>16.4}  {:>16.4}", "mean", a, b)?;
        }
        Ok(())
    }
}

fn pm(s: Score, o: Objective) -> String {
    let sd = match o {
        Objective::ArdRescaled => s.ard_rescaled_sd,
        Objective::Ard => s.ard_sd,
    };
    format!("{:.4} ± {:.4}", s.objective(o), sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges() -> Vec<ParamRange> {
        vec![
            ParamRange {
                name: "a".into(),
                low: -2.0,
                high: 2.0,
            },
            ParamRange {
                name: "b".into(),
                low: 0.0,
                high: 10.0,
            },
        ]
    }

    #[test]
    fn search_minimises_a_closure_with_common_random_numbers() {
        use std::sync::Mutex;
        let seen = Mutex::new(Vec::new());
        // Noise depends on the seed only, so candidates of one generation share it.
        let objective = |x: &[f64], crn: u64| -> Result<f64, CalibrateError> {
            seen.lock().unwrap().push(crn);
            let noise = (crn % 1000) as f64 * 1e-6;
            Ok((x[0] - 0.5).powi(2) + (x[1] - 7.0).powi(2) / 25.0 + noise)
        };
        let mut opts = SearchOptions::new(400, 3);
        opts.population = Some(8);
        let s = search(&ranges(), &[0.0, 1.0], &opts, objective, &|_| {}).unwrap();
        assert_eq!(s.trace.len(), 400);
        assert_eq!(s.generations, 50);
        assert!(
            (s.mean[0] - 0.5).abs() < 0.01 && (s.mean[1] - 7.0).abs() < 0.05,
            "{:?}",
            s.mean
        );
        // One seed per generation, the same for its 8 candidates.
        let seen = seen.into_inner().unwrap();
        for g in 0..50 {
            let n = seen.iter().filter(|&&c| c == generation_seed(3, g)).count();
            assert_eq!(n, 8, "generation {g}");
        }
        // Deterministic: the same trace again.
        let again = search(
            &ranges(),
            &[0.0, 1.0],
            &opts,
            |x: &[f64], crn: u64| {
                Ok((x[0] - 0.5).powi(2) + (x[1] - 7.0).powi(2) / 25.0 + (crn % 1000) as f64 * 1e-6)
            },
            &|_| {},
        )
        .unwrap();
        assert_eq!(again.trace, s.trace);
    }

    #[test]
    fn search_rejects_bad_options_and_passes_errors_on() {
        let ok = |_: &[f64], _: u64| Ok(0.0);
        let mut bad = ranges();
        bad[1].low = 11.0;
        assert!(search(&bad, &[0.0, 0.0], &SearchOptions::new(10, 1), ok, &|_| {}).is_err());
        assert!(search(&[], &[], &SearchOptions::new(10, 1), ok, &|_| {}).is_err());
        assert!(search(&ranges(), &[0.0], &SearchOptions::new(10, 1), ok, &|_| {}).is_err());
        assert!(search(
            &ranges(),
            &[0.0, 0.0],
            &SearchOptions::new(0, 1),
            ok,
            &|_| {}
        )
        .is_err());
        let failing = |_: &[f64], _: u64| -> Result<f64, CalibrateError> {
            Err(CalibrateError::Objective {
                generation: 0,
                candidate: 0,
                message: "boom".into(),
            })
        };
        let e = search(
            &ranges(),
            &[0.0, 0.0],
            &SearchOptions::new(10, 1),
            failing,
            &|_| {},
        )
        .unwrap_err();
        assert!(e.to_string().contains("boom"));
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("mali2012"), "mali2012");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    }
}
