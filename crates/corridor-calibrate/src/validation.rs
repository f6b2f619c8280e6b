//! Validation of a Flee-style scenario against its observed camp data, over an
//! ensemble of runs (issue 8 item 1; `corridor validate`).
//!
//! Member `i` runs with seed `corridor_ensemble::member_seed(seed, i)` =
//! `rng::mix(seed, Purpose::Member, 0, i)`, the members run in parallel with rayon
//! and are reduced in member order, so the result is identical for any thread
//! count. Per member: the ARD and rescaled ARD of `corridor_model::metrics`
//! (docs/flee-rules.md §3.2), per-camp errors and the MASE against naive forecasts
//! ([`crate::baselines`]). Across members: mean ± sample sd (n − 1).
//!
//! Per-camp errors, with `s_c(t)`, `d_c(t)` as in `corridor_model::metrics` and N days:
//! * `mean_abs_diff` = `Σ_t |s_c(t) − d_c(t)| / N` (agents), and its rescaled variant;
//! * `relative_diff` = `Σ_t |s_c(t) − d_c(t)| / Σ_t d_c(t)` (the camp's own ARD-like
//!   ratio; `None` when the camp has no data at all).

use crate::baselines::{mase, NaiveModel, ANCHOR_DAYS};
use crate::error::CalibrateError;
use corridor_ensemble::member_seed;
use corridor_model::metrics::{self, mean_sd};
use corridor_model::{simulate, EngineKind, RunOptions, RunOutput, Scenario};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt;

/// What a validation runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidateOptions {
    /// Ensemble members (≥ 1).
    pub runs: usize,
    pub seed: u64,
    /// Overrides `Scenario::days` when set.
    pub days: Option<u32>,
    pub engine: EngineKind,
}

impl ValidateOptions {
    pub fn new(runs: usize, seed: u64) -> Self {
        ValidateOptions {
            runs,
            seed,
            days: None,
            engine: EngineKind::Agents,
        }
    }
}

/// Mean and sample standard deviation over the members (`None` when undefined).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanSd {
    pub mean: Option<f64>,
    pub sd: Option<f64>,
}

impl MeanSd {
    /// Over the values present; `None` entries (undefined for that member) are skipped.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Self {
        let v: Vec<f64> = values
            .into_iter()
            .flatten()
            .filter(|x| x.is_finite())
            .collect();
        if v.is_empty() {
            return MeanSd {
                mean: None,
                sd: None,
            };
        }
        let (m, s) = mean_sd(&v);
        MeanSd {
            mean: Some(m),
            sd: Some(s),
        }
    }
}

impl fmt::Display for MeanSd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = f.precision().unwrap_or(4);
        match (self.mean, self.sd) {
            (Some(m), Some(s)) => write!(f, "{m:.p$} ± {s:.p$}"),
            _ => write!(f, "n/a"),
        }
    }
}

/// An ensemble statistic with the member values (member order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberStat {
    pub mean: f64,
    pub sd: f64,
    pub values: Vec<f64>,
}

impl MemberStat {
    fn of(values: Vec<f64>) -> Self {
        let (mean, sd) = mean_sd(&values);
        MemberStat { mean, sd, values }
    }
}

/// Errors of one camp across the members.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampValidation {
    pub camp: String,
    /// `Σ_t d_c(t)` over the validated days: the camp's weight in the MASE.
    pub total_data: f64,
    pub mean_abs_diff: MeanSd,
    pub mean_abs_diff_rescaled: MeanSd,
    pub relative_diff: MeanSd,
}

/// The MASE against one naive model and anchor day, across the members.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineValidation {
    pub model: NaiveModel,
    pub anchor_day: u32,
    /// `None` when the run is too short for this anchor or no camp qualifies.
    pub mase: MeanSd,
    /// Camps in the weighted mean (the same for every member: it depends on data only).
    pub camps_used: usize,
}

/// Validation of one scenario: what `validation.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    pub scenario: String,
    pub runs: usize,
    pub seed: u64,
    pub days: u32,
    /// People per agent; camp errors are in agents.
    pub hasten: u32,
    pub ard: MemberStat,
    pub ard_rescaled: MemberStat,
    /// In `Scenario::camp_locations` order.
    pub per_camp: Vec<CampValidation>,
    /// Every naive model at every anchor of [`ANCHOR_DAYS`], models outer.
    pub baselines: Vec<BaselineValidation>,
}

/// What one member contributes.
#[derive(Debug, Clone)]
struct MemberValidation {
    ard: f64,
    ard_rescaled: f64,
    mean_abs_diff: Vec<f64>,
    mean_abs_diff_rescaled: Vec<f64>,
    relative_diff: Vec<Option<f64>>,
    /// `Σ_t d_c(t)` per camp, from the run's records (equal for every member).
    total_data: Vec<f64>,
    /// Same order as `Validation::baselines`.
    mase: Vec<Option<(f64, usize)>>,
}

/// Simulated and observed values `[camp][day]` of a run, in camp order.
pub(crate) fn camp_series(scenario: &Scenario, run: &RunOutput) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let camps = scenario.camp_locations();
    let mut sim = vec![Vec::with_capacity(run.days.len()); camps.len()];
    let mut data = vec![Vec::with_capacity(run.days.len()); camps.len()];
    for rec in &run.days {
        let s = metrics::camp_sims(rec, &camps);
        let d = metrics::camp_data(rec, camps.len());
        for c in 0..camps.len() {
            sim[c].push(s[c] as f64);
            data[c].push(d[c] as f64);
        }
    }
    (sim, data)
}

fn member(scenario: &Scenario, run: &RunOutput) -> Result<MemberValidation, CalibrateError> {
    let v = metrics::validate(scenario, run).ok_or_else(|| CalibrateError::NoObservations {
        scenario: scenario.name.clone(),
    })?;
    let (sim, data) = camp_series(scenario, run);
    let n = run.days.len() as f64;
    let total_data: Vec<f64> = data.iter().map(|d| d.iter().sum()).collect();
    let relative_diff = v
        .per_camp
        .iter()
        .zip(&total_data)
        .map(|(c, &total)| (total > 0.0).then(|| c.mean_abs_diff * n / total))
        .collect();
    let mut m = Vec::new();
    for model in NaiveModel::ALL {
        for anchor in ANCHOR_DAYS {
            m.push(mase(&sim, &data, model, anchor).map(|x| (x.value, x.camps_used)));
        }
    }
    Ok(MemberValidation {
        ard: v.ard,
        ard_rescaled: v.ard_rescaled,
        mean_abs_diff: v.per_camp.iter().map(|c| c.mean_abs_diff).collect(),
        mean_abs_diff_rescaled: v
            .per_camp
            .iter()
            .map(|c| c.mean_abs_diff_rescaled)
            .collect(),
        relative_diff,
        total_data,
        mase: m,
    })
}

/// Runs `runs` members of `scenario` from `seed` with the agent engine and
/// validates them against the scenario's camp data.
pub fn validate(scenario: &Scenario, runs: usize, seed: u64) -> Result<Validation, CalibrateError> {
    validate_with(scenario, &ValidateOptions::new(runs, seed))
}

/// [`validate`] with all options.
pub fn validate_with(
    scenario: &Scenario,
    opts: &ValidateOptions,
) -> Result<Validation, CalibrateError> {
    if opts.runs == 0 {
        return Err(CalibrateError::option(
            "runs",
            "a validation needs at least one run",
        ));
    }
    if scenario.camp_locations().is_empty() || scenario.data.camps.is_empty() {
        return Err(CalibrateError::NoObservations {
            scenario: scenario.name.clone(),
        });
    }
    let days = opts.days.unwrap_or(scenario.days);
    if days == 0 {
        return Err(CalibrateError::option(
            "days",
            "nothing to validate in a run of 0 days",
        ));
    }
    let members: Vec<MemberValidation> = (0..opts.runs)
        .into_par_iter()
        .map(|i| {
            let seed = member_seed(opts.seed, i);
            // Struct update keeps this compiling if the engine grows options.
            #[allow(clippy::needless_update)]
            let ro = RunOptions {
                seed,
                days: Some(days),
                engine: opts.engine,
                ..RunOptions::default()
            };
            let run = simulate(scenario, &ro).map_err(|source| CalibrateError::Run {
                scenario: scenario.name.clone(),
                seed,
                source,
            })?;
            member(scenario, &run)
        })
        .collect::<Result<_, _>>()?;
    Ok(reduce(scenario, opts, days, &members))
}

fn reduce(
    scenario: &Scenario,
    opts: &ValidateOptions,
    days: u32,
    members: &[MemberValidation],
) -> Validation {
    let camps = scenario.camp_locations();
    let per_camp = camps
        .iter()
        .enumerate()
        .map(|(c, &loc)| CampValidation {
            camp: scenario.locations[loc].name.clone(),
            total_data: members.first().map_or(0.0, |m| m.total_data[c]),
            mean_abs_diff: MeanSd::of(members.iter().map(|m| Some(m.mean_abs_diff[c]))),
            mean_abs_diff_rescaled: MeanSd::of(
                members.iter().map(|m| Some(m.mean_abs_diff_rescaled[c])),
            ),
            relative_diff: MeanSd::of(members.iter().map(|m| m.relative_diff[c])),
        })
        .collect();
    let mut baselines = Vec::new();
    let mut k = 0;
    for model in NaiveModel::ALL {
        for anchor in ANCHOR_DAYS {
            baselines.push(BaselineValidation {
                model,
                anchor_day: anchor,
                mase: MeanSd::of(members.iter().map(|m| m.mase[k].map(|x| x.0))),
                camps_used: members
                    .iter()
                    .find_map(|m| m.mase[k].map(|x| x.1))
                    .unwrap_or(0),
            });
            k += 1;
        }
    }
    Validation {
        scenario: scenario.name.clone(),
        runs: opts.runs,
        seed: opts.seed,
        days,
        hasten: scenario.settings.optimisations.hasten,
        ard: MemberStat::of(members.iter().map(|m| m.ard).collect()),
        ard_rescaled: MemberStat::of(members.iter().map(|m| m.ard_rescaled).collect()),
        per_camp,
        baselines,
    }
}

impl Validation {
    /// `validation.json`: pretty-printed, keys in declaration order, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("Validation is plain data");
        s.push('\n');
        s
    }

    /// The baseline for a model and anchor day.
    pub fn baseline(&self, model: NaiveModel, anchor_day: u32) -> Option<&BaselineValidation> {
        self.baselines
            .iter()
            .find(|b| b.model == model && b.anchor_day == anchor_day)
    }
}

impl fmt::Display for Validation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Validation of {}: {} run{}, seed {}, {} days, one agent = {} {}",
            self.scenario,
            self.runs,
            if self.runs == 1 { "" } else { "s" },
            self.seed,
            self.days,
            self.hasten,
            if self.hasten == 1 { "person" } else { "people" },
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "  ARD           {:.4} ± {:.4}",
            self.ard.mean, self.ard.sd
        )?;
        writeln!(
            f,
            "  ARD rescaled  {:.4} ± {:.4}",
            self.ard_rescaled.mean, self.ard_rescaled.sd
        )?;
        writeln!(f)?;
        let w = self
            .per_camp
            .iter()
            .map(|c| c.camp.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            f,
            "  {:<w$}  {:>14}  {:>22}  {:>22}  {:>18}",
            "camp", "data (sum)", "mean |sim − data|", "rescaled", "relative"
        )?;
        for c in &self.per_camp {
            writeln!(
                f,
                "  {:<w$}  {:>14.0}  {:>22}  {:>22}  {:>18}",
                c.camp,
                c.total_data,
                format!("{:.1}", c.mean_abs_diff),
                format!("{:.1}", c.mean_abs_diff_rescaled),
                format!("{:.3}", c.relative_diff),
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  MASE against naive forecasts (mean |sim − data| ÷ mean |naive − data| after the anchor day; < 1: the simulation is better)"
        )?;
        write!(f, "  {:<8}", "model")?;
        for a in ANCHOR_DAYS {
            write!(f, "  {:>22}", format!("anchor day {a}"))?;
        }
        writeln!(f)?;
        for model in NaiveModel::ALL {
            write!(f, "  {:<8}", model.as_str())?;
            for a in ANCHOR_DAYS {
                let cell = match self.baseline(model, a) {
                    Some(b) if b.mase.mean.is_some() => format!("{:.3}", b.mase),
                    _ => "n/a".to_string(),
                };
                write!(f, "  {cell:>22}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
