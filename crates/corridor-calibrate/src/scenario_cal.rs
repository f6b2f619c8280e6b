//! Calibration of a corridor scenario against CBP's monthly encounters: CMA-ES
//! ([`search`]) over named scenario parameters, minimising the ARD of
//! [`compare_encounters`] over the calibration months.
//!
//! Parameter names are those of `corridor_model::params` (the same as `sweep`'s):
//! every tunable settings path and the border levers
//! `crossing.<crossing point>.hazard`, `crossings.hazard_scale`,
//! `appointments.request_probability`, `inflows.scale`, `ports.walk_up_scale`
//! and the papers offices' `papers.<office>.seek_share`, `.give_up_share` and
//! `.days_scale`.
//!
//! Invariants: absolute values are applied before scales, whatever the order the
//! names are given in, so a candidate means the same thing however it is listed.
//! Only months that are complete in the run, observed, and allowed by the
//! scenario's `observed` data ([`corridor_model::scenario::ObservedData`]: not
//! after `observed_through`, within `calibration_months` when given) are
//! compared, so data kept for out-of-sample evaluation never enter the objective.
//! No date is built in: a command that takes the cut-off as an argument sets it
//! on its copy of the scenario. Results depend only on the inputs, the options and the seed
//! (the runs of one generation share a common-random-numbers seed).

use crate::calibrate::{search, Progress, SearchOptions, TraceRow};
use crate::encounters::{complete_months, monthly_rows, EncounterComparison, ObservedEncounters};
use crate::objective::{compare_cells, mean_rows, FitObjective, FitTerms};
use crate::CalibrateError;
use corridor_ensemble::{get_param, member_seed, set_param, set_params, ParamRange};
use corridor_io::write::{write_atomic, WriteError};
use corridor_model::{simulate, EngineKind, RunOptions, Scenario};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Checks that every name is known to the scenario and that both ends of its
/// range are valid values (bad input is reported before any run).
pub fn check_scenario_params(sc: &Scenario, params: &[ParamRange]) -> Result<(), CalibrateError> {
    for p in params {
        for v in [p.low, p.high] {
            set_param(&mut sc.clone(), &p.name, v)?;
        }
    }
    Ok(())
}

/// Applies `values` (one per parameter) to `sc`: absolute values first, then the
/// scales (see the module documentation).
pub fn apply_scenario_params(
    sc: &mut Scenario,
    params: &[ParamRange],
    values: &[f64],
) -> Result<(), CalibrateError> {
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    set_params(sc, &names, values)?;
    Ok(())
}

/// The scenario's own value of a parameter (the search's start): the current
/// value for absolute parameters, 1 for scales.
pub fn current_value(sc: &Scenario, name: &str) -> Result<f64, CalibrateError> {
    Ok(get_param(sc, name)?)
}

/// Options of a scenario calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioCalOptions {
    /// Objective evaluations (candidates).
    pub budget: usize,
    /// Runs per candidate (mean of their encounters is compared).
    pub runs_per_eval: usize,
    pub seed: u64,
    /// CMA-ES population (default: CMA-ES's own).
    pub population: Option<usize>,
    /// Initial step size as a fraction of each range.
    pub sigma0: f64,
    /// Only these months (`YYYY-MM`), on top of the scenario's own window;
    /// `None` = every month [`calibration_months`] allows.
    pub months: Option<Vec<String>>,
    /// The engine of every run (the count engine is the fast one for searches).
    pub engine: EngineKind,
    /// What is minimised (crate::objective; default: every term, no stock target).
    pub objective: FitObjective,
}

impl ScenarioCalOptions {
    pub fn new(budget: usize, runs_per_eval: usize, seed: u64) -> Self {
        ScenarioCalOptions {
            budget,
            runs_per_eval,
            seed,
            population: None,
            sigma0: 0.3,
            months: None,
            engine: EngineKind::default(),
            objective: FitObjective::default(),
        }
    }
}

/// One calibrated parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioParamResult {
    pub name: String,
    pub low: f64,
    pub high: f64,
    /// The scenario's value (the search's start).
    pub start: f64,
    /// The calibrated value (the start value when the best was not accepted).
    pub value: f64,
}

/// The result of [`calibrate_scenario`].
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioCalibration {
    pub scenario: String,
    pub seed: u64,
    pub budget: usize,
    pub runs_per_eval: usize,
    /// The compared months (`YYYY-MM`).
    pub months: Vec<String>,
    pub params: Vec<ScenarioParamResult>,
    /// The scenario as given (same seeds as the search's first generation).
    pub before: EncounterComparison,
    /// The best candidate, re-run with the same seeds as `before` (= `before`
    /// when it was not accepted).
    pub after: EncounterComparison,
    /// The objective's terms for `before` and `after` (crate::objective).
    pub before_terms: FitTerms,
    pub after_terms: FitTerms,
    /// False when the search's best fitted worse than the scenario as given on
    /// the same seeds: the parameters' values are then their start values.
    pub accepted: bool,
    #[serde(skip)]
    pub trace: Vec<TraceRow>,
}

/// The months a scenario's runs are compared on: complete months of the run,
/// observed, and allowed by the scenario (`sc.observed`: not after
/// `observed_through`, one of `calibration_months` when given).
pub fn calibration_months(sc: &Scenario, observed: &ObservedEncounters) -> Vec<String> {
    complete_months(sc.start_date, sc.days)
        .into_iter()
        .filter(|m| sc.observed.allows_month(m) && observed.months().any(|o| o == m))
        .collect()
}

/// A scenario's fit: the cell comparison and the objective's terms.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioFit {
    pub cells: EncounterComparison,
    pub terms: FitTerms,
}

/// Mean monthly encounters of `runs` runs (seeds `member_seed(seed, i)`, agent
/// engine) compared with the observed ones over `months`: the cell comparison.
pub fn score_scenario(
    sc: &Scenario,
    observed: &ObservedEncounters,
    months: &[String],
    runs: usize,
    seed: u64,
) -> Result<EncounterComparison, CalibrateError> {
    let fit = fit_scenario(
        sc,
        observed,
        &FitObjective::cells_only(),
        months,
        runs,
        seed,
        EngineKind::Agents,
    )?;
    Ok(fit.cells)
}

/// `runs` runs of `sc` (seeds `member_seed(seed, i)`) scored by `objective` over
/// `months`. Each run stops after the last day any term needs (a day's state
/// never depends on later days, so the scores are those of whole runs).
pub fn fit_scenario(
    sc: &Scenario,
    observed: &ObservedEncounters,
    objective: &FitObjective,
    months: &[String],
    runs: usize,
    seed: u64,
    engine: EngineKind,
) -> Result<ScenarioFit, CalibrateError> {
    objective
        .check(sc)
        .map_err(|m| CalibrateError::option("objective", m))?;
    let hasten = sc.settings.optimisations.hasten;
    let days = objective
        .last_day(sc.start_date, months)
        .map(|d| (d + 1).clamp(1, sc.days as i64) as u32);
    let mut per_run = Vec::new();
    let mut records = Vec::new();
    for i in 0..runs.max(1) {
        let s = member_seed(seed, i);
        let out = simulate(
            sc,
            &RunOptions {
                seed: s,
                days,
                engine,
            },
        )
        .map_err(|source| CalibrateError::Run {
            scenario: sc.name.clone(),
            seed: s,
            source,
        })?;
        per_run.push(monthly_rows(&sc.border, sc.start_date, &out.days, hasten));
        records.push(out.days);
    }
    let cells = compare_cells(sc, &mean_rows(per_run), observed, months);
    let terms = objective.evaluate(sc, &records, &cells, observed, months);
    Ok(ScenarioFit { cells, terms })
}

/// Calibrates `params` of `sc` against `observed` (see the module documentation).
pub fn calibrate_scenario(
    sc: &Scenario,
    observed: &ObservedEncounters,
    params: &[ParamRange],
    opts: &ScenarioCalOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<ScenarioCalibration, CalibrateError> {
    if opts.runs_per_eval == 0 {
        return Err(CalibrateError::option("runs", "must be at least 1"));
    }
    check_scenario_params(sc, params)?;
    let months: Vec<String> = calibration_months(sc, observed)
        .into_iter()
        .filter(|m| opts.months.as_ref().map_or(true, |w| w.contains(m)))
        .collect();
    if months.is_empty() {
        return Err(CalibrateError::option(
            "observed",
            format!(
                "no complete month of the run is observed{}; nothing to calibrate against",
                sc.observed
                    .observed_through
                    .as_ref()
                    .map_or(String::new(), |t| format!(" up to {t}"))
            ),
        ));
    }
    let start = params
        .iter()
        .map(|p| current_value(sc, &p.name))
        .collect::<Result<Vec<_>, _>>()?;
    let so = SearchOptions {
        population: opts.population,
        sigma0: opts.sigma0,
        ..SearchOptions::new(opts.budget, opts.seed)
    };
    opts.objective
        .check(sc)
        .map_err(|m| CalibrateError::option("objective", m))?;
    let fit = |s: &Scenario, crn: u64| {
        fit_scenario(
            s,
            observed,
            &opts.objective,
            &months,
            opts.runs_per_eval,
            crn,
            opts.engine,
        )
    };
    let eval = |x: &[f64], crn: u64| -> Result<f64, CalibrateError> {
        let mut s = sc.clone();
        apply_scenario_params(&mut s, params, x)?;
        Ok(fit(&s, crn)?.terms.total)
    };
    let found = search(params, &start, &so, eval, progress)?;
    let crn0 = crate::calibrate::generation_seed(opts.seed, 0);
    let before = fit(sc, crn0)?;
    let mut best = sc.clone();
    apply_scenario_params(&mut best, params, &found.best.params)?;
    let after = fit(&best, crn0)?;
    // Never hand back a worse fit than the scenario's own: on the common seeds the
    // search's best must do at least as well, or the scenario's values are kept.
    let accepted = after.terms.total <= before.terms.total;
    let (values, after) = if accepted {
        (found.best.params.clone(), after)
    } else {
        (start.clone(), before.clone())
    };
    Ok(ScenarioCalibration {
        scenario: sc.name.clone(),
        seed: opts.seed,
        budget: opts.budget,
        runs_per_eval: opts.runs_per_eval,
        months,
        params: params
            .iter()
            .zip(&start)
            .zip(&values)
            .map(|((p, &s), &v)| ScenarioParamResult {
                name: p.name.clone(),
                low: p.low,
                high: p.high,
                start: s,
                value: v,
            })
            .collect(),
        before: before.cells,
        after: after.cells,
        before_terms: before.terms,
        after_terms: after.terms,
        accepted,
        trace: found.trace,
    })
}

impl ScenarioCalibration {
    /// `trace.csv`: `fold,generation,candidate,<param>...,objective`.
    pub fn trace_csv(&self) -> String {
        let mut s = String::from("fold,generation,candidate");
        for p in &self.params {
            s.push(',');
            s.push_str(&p.name);
        }
        s.push_str(",objective\n");
        for r in &self.trace {
            s.push_str(&format!("{},{},{}", r.fold, r.generation, r.candidate));
            for v in &r.params {
                s.push_str(&format!(",{v}"));
            }
            s.push_str(&format!(",{}\n", r.objective));
        }
        s
    }

    /// Writes `calibration.json` and `trace.csv` into `dir` (atomically).
    pub fn write_dir(&self, dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
        std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let json = serde_json::to_string_pretty(self).expect("serialisable") + "\n";
        let files = [("calibration.json", json), ("trace.csv", self.trace_csv())];
        let mut out = Vec::new();
        for (name, text) in files {
            let p = dir.join(name);
            write_atomic(&p, text.as_bytes())?;
            out.push(p);
        }
        Ok(out)
    }
}

impl std::fmt::Display for ScenarioCalibration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ard = |c: &EncounterComparison| c.ard.map_or("n/a".into(), |a| format!("{a:.4}"));
        writeln!(
            f,
            "calibrated {} on CBP encounters {} ({} evaluations, {} run(s) each)",
            self.scenario,
            self.months.join(", "),
            self.trace.len(),
            self.runs_per_eval
        )?;
        writeln!(
            f,
            "ARD before {} after {}",
            ard(&self.before),
            ard(&self.after)
        )?;
        let t = |x: Option<f64>| x.map_or("n/a".into(), |a| format!("{a:.4}"));
        for (label, ft) in [("before", &self.before_terms), ("after", &self.after_terms)] {
            writeln!(
                f,
                "objective {label} {:.4}: cells {} shares {} sectors {} walk-ups {} ({:.0} of {:.0}) stocks {}",
                ft.total,
                t(ft.cells),
                t(ft.shares),
                t(ft.sectors),
                t(ft.walk_ups),
                ft.walk_ups_simulated,
                ft.walk_ups_observed,
                t(ft.stocks)
            )?;
        }
        if !self.accepted {
            writeln!(
                f,
                "the best candidate fitted worse than the scenario; its own values are kept"
            )?;
        }
        for p in &self.params {
            writeln!(
                f,
                "  {} = {:.6} (start {:.6}, range {}..{})",
                p.name, p.value, p.start, p.low, p.high
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in scenario (the parameters' own unit tests use small fixtures;
    /// here the names are checked against a real scenario).
    fn builtin() -> Scenario {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../scenarios/mexico-2023/scenario.toml");
        corridor_io::scenario::read_scenario(&dir).unwrap().scenario
    }

    fn hazard(s: &Scenario, city: &str) -> f64 {
        s.border
            .crossings
            .iter()
            .find(|c| c.name == city)
            .unwrap()
            .hazard
    }

    fn p(name: &str) -> ParamRange {
        ParamRange {
            name: name.into(),
            low: 0.0,
            high: 1.0,
        }
    }

    #[test]
    fn applies_values_then_scales() {
        let sc = builtin();
        let mut s = sc.clone();
        // The scales are listed first but apply after the absolute values.
        let params = [
            p("crossings.hazard_scale"),
            p("papers.Tapachula.days_scale"),
            p("crossing.Reynosa.hazard"),
            p("papers.Tapachula.seek_share"),
            p("move_rules.camp_weight"),
        ];
        apply_scenario_params(&mut s, &params, &[2.0, 0.5, 0.3, 0.2, 7.0]).unwrap();
        assert_eq!(
            hazard(&s, "Tijuana"),
            (hazard(&sc, "Tijuana") * 2.0).min(1.0)
        );
        assert!((hazard(&s, "Reynosa") - 0.6).abs() < 1e-12);
        assert_eq!(s.settings.move_rules.camp_weight, 7.0);
        assert_eq!(current_value(&s, "crossing.Reynosa.hazard").unwrap(), 0.6);
        assert_eq!(
            current_value(&s, "papers.Tapachula.seek_share").unwrap(),
            0.2
        );
        assert_eq!(current_value(&s, "ports.walk_up_scale").unwrap(), 1.0);
        let (before, after) = (&sc.border.papers[0].days, &s.border.papers[0].days);
        assert_eq!(after.min, (before.min as f64 * 0.5).round() as u32);
    }

    #[test]
    fn rejects_unknown_names_and_bad_values() {
        let s = builtin();
        let e = check_scenario_params(&s, &[p("crossing.Nowhere.hazard")]).unwrap_err();
        assert!(e.to_string().contains("no crossing point 'Nowhere'"), "{e}");
        assert!(e.to_string().contains("Tijuana"), "{e}");
        let e = check_scenario_params(&s, &[p("papers.Oaxaca.seek_share")]).unwrap_err();
        assert!(e.to_string().contains("Tapachula, Tenosique"), "{e}");
        let bare = Scenario::new("t", corridor_model::Date::parse("2023-06-01").unwrap(), 10);
        let e = check_scenario_params(&bare, &[p("appointments.request_probability")]).unwrap_err();
        assert!(e.to_string().contains("no CBP One appointments"), "{e}");
        assert!(check_scenario_params(&s, &[p("no.such.setting")]).is_err());
        let mut r = p("crossing.Tijuana.hazard");
        r.high = 1.5;
        let e = check_scenario_params(&s, &[r]).unwrap_err();
        assert!(
            e.to_string().contains("must be a number between 0 and 1"),
            "{e}"
        );
        // A range must be valid at both ends: days_scale is > 0.
        let e = check_scenario_params(&s, &[p("papers.Tapachula.days_scale")]).unwrap_err();
        assert!(e.to_string().contains("papers.Tapachula.days_scale"), "{e}");
        let mut s2 = s.clone();
        assert!(apply_scenario_params(&mut s2, &[p("inflows.scale")], &[]).is_err());
    }

    /// The refit of the built-in scenario recorded in scenarios/mexico-2023/SOURCES.md
    /// (the same search as the `corridor calibrate` command given there; slow, release
    /// build): `cargo test --release -p corridor-calibrate --lib mexico_2023 -- --ignored
    /// --nocapture`. The CBP file comes from the scenario's `[observations]`, the stock
    /// targets from `data/stocks_to_2023-09.csv`; the fit window is Jul-Aug 2023 (not
    /// the June warm-up) on the count engine, and September 2023 is scored after the
    /// fit as a held-out month.
    #[test]
    #[ignore]
    fn calibrate_mexico_2023() {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../scenarios/mexico-2023");
        let inst = corridor_io::scenario::read_scenario(&dir.join("scenario.toml")).unwrap();
        let sc = &inst.scenario;
        let cbp = sc
            .observed
            .cbp_monthly
            .as_ref()
            .expect("the scenario names its CBP file");
        let obs = crate::encounters::read_cbp(&dir.join(cbp)).unwrap();
        // The third refit: balking and reneging at the walk-up queues free,
        // with the levers they trade with (scenarios/mexico-2023/SOURCES.md).
        let params: Vec<ParamRange> = [
            "ports.patience_days=2..120",
            "ports.renege_probability=0..0.05",
            "ports.walk_up_scale=0.8..3",
            "move_rules.foreign_weight=0.6..1.6",
            "crossings.hazard_scale=0.85..1.2",
            "appointments.request_probability=0.5..0.95",
        ]
        .iter()
        .map(|s| ParamRange::parse(s).unwrap())
        .collect();
        let budget = std::env::var("MXCAL_BUDGET")
            .ok()
            .and_then(|b| b.parse().ok())
            .unwrap_or(150);
        let mut opts = ScenarioCalOptions::new(budget, 1, inst.seed.unwrap_or(1));
        opts.months = Some(vec!["2023-07".into(), "2023-08".into()]);
        opts.engine = EngineKind::Counts;
        opts.objective.stocks =
            crate::objective::read_stock_targets(&dir.join("data/stocks_to_2023-09.csv")).unwrap();
        let cal = calibrate_scenario(sc, &obs, &params, &opts, &|p| {
            eprintln!(
                "gen {} evals {} best {:.4}",
                p.generation, p.evaluations, p.best_objective
            )
        })
        .unwrap();
        print!("{cal}");
        for (b, a) in cal.before.cells.iter().zip(&cal.after.cells) {
            println!(
                "{} | {} | obs {} | before {} ({:.2}) | after {} ({:.2})",
                b.month,
                b.area_of_responsibility,
                b.observed,
                b.simulated,
                b.simulated / b.observed,
                a.simulated,
                a.simulated / a.observed
            );
        }
        // June 2023 is the warm-up and September is held out: never fitted.
        assert_eq!(cal.months, ["2023-07", "2023-08"]);
        assert!(cal
            .before
            .cells
            .iter()
            .all(|c| c.month.as_str() >= "2023-07"));
        // Not worse than the shipped scenario on the same seeds.
        let (before, after) = (cal.before_terms.total, cal.after_terms.total);
        assert!(after <= before, "after {after} > before {before}");
        // The reported values reproduce the reported fit.
        let mut best = sc.clone();
        let values: Vec<f64> = cal.params.iter().map(|p| p.value).collect();
        apply_scenario_params(&mut best, &params, &values).unwrap();
        let crn0 = crate::calibrate::generation_seed(opts.seed, 0);
        let fit = |s: &Scenario, months: &[String]| {
            fit_scenario(s, &obs, &opts.objective, months, 1, crn0, opts.engine).unwrap()
        };
        assert_eq!(fit(&best, &cal.months).terms.total, after);
        // September 2023, held out: scored before and after with the same seed.
        let sep = ["2023-09".to_string()];
        println!(
            "September 2023 (held out): objective before {:.4} after {:.4}",
            fit(sc, &sep).terms.total,
            fit(&best, &sep).terms.total
        );
        let tmp = tempfile::tempdir().unwrap();
        let written = cal.write_dir(tmp.path()).unwrap();
        assert!(written.iter().all(|p| p.starts_with(tmp.path())));
    }
}
