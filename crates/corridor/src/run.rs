//! One simulation and its run directory: [`run`] (plan, simulate, write) and the
//! pieces other operations reuse ([`simulate`], [`run_to_dir`], [`write_run_dir`]).
//!
//! Order matters for the "no partial outputs" rule: simulate, render every file
//! in memory, then write them all at once; only a complete run reaches the output
//! directory. The report is rendered from the written files afterwards, beside
//! the manifest's digests (`write_whole`).
//!
//! A scenario that ships observed monthly encounters (`[observations]
//! cbp_monthly`) gets them in its run directory (observed_monthly.csv, people)
//! with the windows its `[observations]` define and the fit over each window
//! ([`encounter_observations`]): the calibration's metric
//! (`corridor_calibrate::compare_encounters`, the number `corridor calibrate`
//! reports), never a second implementation.

use crate::error::{Result, ResultExt};
use crate::input::{default_out_dir, Input};
use crate::text::thousands;
use corridor_calibrate::encounters::{
    compare_encounters, complete_months, CompareOptions, MonthlyRow, ObservedEncounters,
};
use corridor_calibrate::scenario_cal::calibration_months;
use corridor_ensemble::engine_name;
use corridor_io::write::parquet::with_format;
pub use corridor_io::write::parquet::OutputFormat;
use corridor_io::write::{
    people_per_agent, InputKind, OutputKind, RunArtifacts, RunMeta, WriteError,
};
use corridor_io::write::{DateSpan, EncounterObservations, ObservationWindows, WindowFit};
use corridor_model::{metrics, Date, EngineKind, RunOptions, RunOutput, Scenario};
use std::path::{Path, PathBuf};

/// What one simulation needs besides the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimOptions {
    pub seed: u64,
    /// Days to simulate; `None`: the scenario's own period.
    pub days: Option<u32>,
    pub engine: EngineKind,
}

impl SimOptions {
    /// The engine's options.
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            seed: self.seed,
            days: self.days,
            engine: self.engine,
        }
    }
}

/// What `run` is asked to do with an input.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// A policy variant: its events are added to the base events.
    pub variant: Option<String>,
    /// `None`: the scenario's seed, else 1.
    pub seed: Option<u64>,
    pub days: Option<u32>,
    pub engine: EngineKind,
    /// `None`: [`default_out_dir`] (`corridor-out/<name>[-<variant>]`).
    pub out: Option<PathBuf>,
    /// The tables' format: CSV (the default), Parquet or both.
    pub format: OutputFormat,
}

/// A run resolved against its input: the scenario with the variant applied, the
/// simulation options and the output directory.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub scenario: Scenario,
    pub variant: Option<String>,
    pub sim: SimOptions,
    pub out_dir: PathBuf,
}

impl RunRequest {
    /// Resolves the request; an unknown variant is bad input.
    pub fn plan(&self, input: &Input) -> Result<RunPlan> {
        let variant = self.variant.as_deref();
        let scenario = input.with_variant(variant)?;
        let engine = crate::engine_for(&scenario, self.days, self.engine);
        let out_dir = self
            .out
            .clone()
            .unwrap_or_else(|| default_out_dir(&scenario.name, variant, ""));
        Ok(RunPlan {
            scenario,
            variant: self.variant.clone(),
            sim: SimOptions {
                seed: input.seed(self.seed),
                days: self.days,
                engine,
            },
            out_dir,
        })
    }
}

/// A finished run: its plan, its records and the files written, in order.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub plan: RunPlan,
    pub output: RunOutput,
    /// File names written into `plan.out_dir`, in the order written.
    pub files: Vec<String>,
}

/// Runs `input` as requested and writes its run directory.
pub fn run(input: &Input, req: &RunRequest) -> Result<RunResult> {
    let plan = req.plan(input)?;
    crate::check_out_dir(&plan.out_dir)?;
    let output = simulate(&plan.scenario, &plan.sim)?;
    let files = write_run_dir_as(input, &plan, &output, req.format)?;
    Ok(RunResult {
        plan,
        output,
        files,
    })
}

/// Runs a scenario to completion; used by every operation that simulates.
pub fn simulate(scenario: &Scenario, opts: &SimOptions) -> Result<RunOutput> {
    corridor_model::simulate(scenario, &opts.run_options())
        .with_context(|| format!("simulating {} (seed {})", scenario.name, opts.seed))
}

/// One whole run into `out_dir`: simulates, renders every output file, writes them
/// together, then report.html. Nothing is written when simulating or rendering fails.
pub fn run_to_dir(input: &Input, plan: &RunPlan) -> Result<(RunOutput, Vec<String>)> {
    let output = simulate(&plan.scenario, &plan.sim)?;
    let files = write_run_dir(input, plan, &output)?;
    Ok((output, files))
}

/// Renders every output file of a finished run, writes them into the plan's
/// directory together, then report.html. Returns the names of the files written.
pub fn write_run_dir(input: &Input, plan: &RunPlan, output: &RunOutput) -> Result<Vec<String>> {
    write_run_dir_as(input, plan, output, OutputFormat::Csv)
}

/// [`write_run_dir`] with the tables in `format` (each `*.csv` kept, replaced by
/// or followed by its `*.parquet` twin).
pub fn write_run_dir_as(
    input: &Input,
    plan: &RunPlan,
    output: &RunOutput,
    format: OutputFormat,
) -> Result<Vec<String>> {
    let out_dir = &plan.out_dir;
    let artifacts = render_run(input, plan, output, format)?;
    crate::write_rendered(out_dir, OutputKind::Run, &artifacts, true, "outputs")
}

/// Every file of a finished run's directory but report.html, rendered in memory
/// and not written: what [`write_run_dir_as`] writes, for a front end that hands
/// the tables over without a directory (the Python package).
pub fn render_run(
    input: &Input,
    plan: &RunPlan,
    output: &RunOutput,
    format: OutputFormat,
) -> Result<RunArtifacts> {
    let sc = &plan.scenario;
    let rows = corridor_calibrate::monthly_rows(
        &sc.border,
        sc.start_date,
        &output.days,
        sc.settings.optimisations.hasten,
    );
    let meta = RunMeta {
        corridor_version: env!("CARGO_PKG_VERSION").to_string(),
        input_kind: input.kind,
        engine: engine_name(plan.sim.engine).to_string(),
        inputs: input.inputs.clone(),
        warnings: input.warnings.clone(),
        variant: plan.variant.clone(),
        observations: input.keys.observations.clone(),
        encounters: encounter_observations(input, sc, output.days.len() as u32, &rows)?,
    };
    RunArtifacts::render(&plan.scenario, output, &meta)
        .and_then(|a| with_format(&a, format).map_err(WriteError::from))
        .context("rendering the outputs")
}

/// The observed monthly encounters the scenario ships (`[observations]
/// cbp_monthly`: a file beside scenario.toml, or embedded with the built-in
/// scenario); `None` when it names none.
pub(crate) fn observed_encounters(input: &Input) -> Result<Option<ObservedEncounters>> {
    Ok(input.cbp_observations(None)?.map(|(obs, _)| obs))
}

/// The windows of a run of `days` days from the scenario's `[observations]`:
/// calibration = the months a calibration compares (`calibration_months`);
/// warm-up = the start up to the day before them; evaluation = `report_from`,
/// else the day after the calibration months (else the start), to the end.
fn windows(sc: &Scenario, days: u32, cal_months: &[String]) -> ObservationWindows {
    let span = |a: Date, b: Date| {
        (a <= b).then(|| DateSpan {
            from: a.to_string(),
            to: b.to_string(),
        })
    };
    let start = sc.start_date;
    let end = start.add_days(days.max(1) as i64 - 1);
    let month_start = |m: &str| Date::parse_month(m).and_then(|(y, mo)| Date::from_ymd(y, mo, 1));
    let first = cal_months.first().and_then(|m| month_start(m));
    let after = cal_months.last().and_then(|m| month_start(m)).map(|d| {
        let (y, mo, _) = d.ymd();
        let (ny, nm) = if mo == 12 { (y + 1, 1) } else { (y, mo + 1) };
        Date::from_ymd(ny, nm, 1).unwrap_or(d)
    });
    let eval_from = sc
        .observed
        .report_from
        .or(after)
        .unwrap_or(start)
        .max(start);
    ObservationWindows {
        warm_up: first.and_then(|f| span(start, f.add_days(-1))),
        calibration: first
            .zip(after)
            .and_then(|(f, a)| span(f, a.add_days(-1).min(end))),
        evaluation: span(eval_from, end),
    }
}

/// The observed monthly encounters of the scenario for a run of `days` days with
/// simulated monthly rows `rows` (people; the mean of the members for an
/// ensemble), their windows and the fit over each: the calibration window as
/// `corridor calibrate` compares it (`calibration_months`, `observed_through`),
/// the evaluation window on its complete months with observations (any month:
/// it is out of sample). `None` when the scenario ships no observations.
pub(crate) fn encounter_observations(
    input: &Input,
    sc: &Scenario,
    days: u32,
    rows: &[MonthlyRow],
) -> Result<Option<EncounterObservations>> {
    let Some(obs) = observed_encounters(input)? else {
        return Ok(None);
    };
    let mut run = sc.clone();
    run.days = days;
    let cal = calibration_months(&run, &obs);
    let w = windows(sc, days, &cal);
    let fit = |window: &str, months: Vec<String>, through: Option<String>| {
        let c = compare_encounters(
            rows,
            &obs,
            &CompareOptions {
                months: Some(months),
                through,
            },
        );
        let mut compared: Vec<String> = c.cells.iter().map(|c| c.month.clone()).collect();
        compared.dedup();
        WindowFit {
            window: window.to_string(),
            months: compared,
            cells: c.cells.len(),
            // Folded from +0 (an empty f64 sum is −0).
            simulated: c.cells.iter().fold(0.0, |a, c| a + c.simulated),
            observed: c.cells.iter().fold(0.0, |a, c| a + c.observed),
            ard: c.ard,
            mare: c.mare,
        }
    };
    let mut fits = vec![fit(
        "calibration",
        cal.clone(),
        sc.observed.observed_through.clone(),
    )];
    if let Some(e) = &w.evaluation {
        if let (Some(from), Some(to)) = (Date::parse(&e.from), Date::parse(&e.to)) {
            let months = complete_months(from, (to.days_since(from) + 1) as u32);
            fits.push(fit("evaluation", months, None));
        }
    }
    let run_months: Vec<String> = complete_or_partial_months(sc.start_date, days);
    let mut out_rows = Vec::new();
    for m in obs.months().filter(|m| run_months.iter().any(|r| r == m)) {
        for (c, a) in obs.areas() {
            if let Some(n) = obs.get(m, c, a) {
                out_rows.push((m.to_string(), c.to_string(), a.to_string(), n));
            }
        }
    }
    Ok(Some(EncounterObservations {
        file: sc.observed.cbp_monthly.clone().unwrap_or_default(),
        observed_through: sc.observed.observed_through.clone(),
        windows: w,
        fit: fits,
        metric: concat!(
            "ARD = Σ|simulated − observed| ÷ Σ observed over the (month, component, area) ",
            "cells compared: the objective of `corridor calibrate`"
        )
        .into(),
        rows: out_rows,
    }))
}

/// Every month (`YYYY-MM`) a run of `days` days from `start` touches.
fn complete_or_partial_months(start: Date, days: u32) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in 0..days.max(1) {
        let m = start.add_days(d as i64).month_label();
        if out.last() != Some(&m) {
            out.push(m);
        }
    }
    out
}

/// The report of the files just written into `dir` (their manifest is not
/// checked: the writer seals it).
pub(crate) fn render_report(dir: &Path) -> Result<String> {
    corridor_report::render_report_sealed(dir)
        .with_context(|| format!("writing the report in {}", dir.display()))
}

/// Writes a rendered report into `dir` as report.html.
pub(crate) fn write_report(dir: &Path, html: &str) -> Result<PathBuf> {
    corridor_report::write_report_html(dir, html)
        .with_context(|| format!("writing the report in {}", dir.display()))
}

/// The last component of a written path.
pub(crate) fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl RunResult {
    /// `<name>[ (variant)]: <days> days from <date>, <people> people[, ARD x (rescaled y)]`,
    /// and for scenarios `; admitted a, encountered e, intercepted i` (people).
    pub fn summary_line(&self, input: &Input) -> String {
        let s = &self.plan.scenario;
        let output = &self.output;
        let hasten = people_per_agent(s);
        let last = output.days.last().map(|d| d.accounting).unwrap_or_default();
        let agents = last.spawned;
        let name = match &self.plan.variant {
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
        if input.kind == InputKind::Scenario {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load;

    fn mali() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012")
    }

    #[test]
    fn plan_resolves_seed_variant_and_out_dir() {
        let input = load(None).unwrap();
        let req = RunRequest {
            // The last variant (the first, `baseline`, adds no events).
            variant: input.variant_names().last().cloned(),
            ..RunRequest::default()
        };
        let plan = req.plan(&input).unwrap();
        assert_eq!(plan.sim.seed, input.seed(None));
        assert_eq!(
            plan.out_dir,
            default_out_dir(&input.scenario.name, req.variant.as_deref(), "")
        );
        assert!(
            plan.scenario.border.events.len() > input.scenario.border.events.len(),
            "the variant adds events"
        );
        let bad = RunRequest {
            variant: Some("no-such-variant".into()),
            ..RunRequest::default()
        };
        let e = bad.plan(&input).unwrap_err();
        assert!(e.is_bad_input(), "{e}");
    }

    #[test]
    fn run_writes_the_files_it_lists_and_nothing_on_failure() {
        let tmp = tempfile::tempdir().unwrap();
        let input = load(Some(&mali())).unwrap();
        let req = RunRequest {
            seed: Some(3),
            days: Some(10),
            out: Some(tmp.path().join("r")),
            ..RunRequest::default()
        };
        let r = run(&input, &req).unwrap();
        let mut on_disk: Vec<String> = std::fs::read_dir(tmp.path().join("r"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut listed = r.files.clone();
        listed.sort();
        assert_eq!(listed, on_disk);
        assert_eq!(
            r.files.last().map(String::as_str),
            Some(corridor_io::write::MANIFEST_FILE)
        );
        assert_eq!(r.output.days.len(), 10);
        assert!(r
            .summary_line(&input)
            .starts_with("mali2012: 10 days from "));
    }

    /// The formats differ only in the tables' encoding: the Parquet tables read
    /// back as the CSV values, so the report drawn from them is the same page.
    #[test]
    fn parquet_runs_hold_the_csv_values_and_draw_the_same_report() {
        let tmp = tempfile::tempdir().unwrap();
        let input = load(Some(&mali())).unwrap();
        let dir = |f: OutputFormat| tmp.path().join(f.name());
        for format in OutputFormat::ALL {
            let req = RunRequest {
                seed: Some(4),
                days: Some(12),
                out: Some(dir(format)),
                format,
                ..RunRequest::default()
            };
            run(&input, &req).unwrap();
        }
        let read = |f: OutputFormat, name: &str| std::fs::read(dir(f).join(name)).ok();
        for table in ["out", "daily", "observed"] {
            let csv = format!("{table}.csv");
            let pq = format!("{table}.parquet");
            assert!(read(OutputFormat::Csv, &pq).is_none());
            assert!(read(OutputFormat::Parquet, &csv).is_none(), "{csv}");
            assert_eq!(
                read(OutputFormat::Parquet, &pq),
                read(OutputFormat::Both, &pq)
            );
            assert_eq!(
                read(OutputFormat::Csv, &csv),
                read(OutputFormat::Both, &csv)
            );
            // Integer and text columns come back byte for byte (daily.csv and
            // observed.csv hold nothing else).
            let back =
                corridor_io::write::parquet::parquet_to_csv(&dir(OutputFormat::Parquet).join(&pq))
                    .unwrap();
            let orig = String::from_utf8(read(OutputFormat::Csv, &csv).unwrap()).unwrap();
            if table != "out" {
                assert_eq!(back, orig, "{table}");
            } else {
                assert_eq!(back.lines().count(), orig.lines().count());
            }
        }
        for f in ["report.html", "summary.json", "network.json"] {
            assert_eq!(
                read(OutputFormat::Csv, f),
                read(OutputFormat::Parquet, f),
                "{f}"
            );
        }
    }

    /// The windows come from the scenario's `[observations]`; without
    /// `report_from` the evaluation starts after the calibration months.
    #[test]
    fn windows_follow_the_scenarios_observations() {
        let input = load(None).unwrap();
        let mut sc = input.scenario.clone();
        let cal: Vec<String> = ["2023-07", "2023-08", "2023-09"].map(String::from).to_vec();
        let w = windows(&sc, 305, &cal);
        let span = |s: &Option<DateSpan>| s.as_ref().map(|s| (s.from.clone(), s.to.clone()));
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(span(&w.warm_up), pair("2023-06-01", "2023-06-30"));
        assert_eq!(span(&w.calibration), pair("2023-07-01", "2023-09-30"));
        assert_eq!(span(&w.evaluation), pair("2023-10-01", "2024-03-31"));
        sc.observed.report_from = None;
        let w = windows(&sc, 100, &cal[..2]);
        assert_eq!(span(&w.calibration), pair("2023-07-01", "2023-08-31"));
        assert_eq!(span(&w.evaluation), pair("2023-09-01", "2023-09-08"));
        let w = windows(&sc, 20, &[]);
        assert!(w.warm_up.is_none() && w.calibration.is_none());
        assert_eq!(span(&w.evaluation), pair("2023-06-01", "2023-06-20"));
    }

    /// The built-in scenario's embedded CBP file is found, and the recorded fit
    /// is the calibration's comparison over the calibration months; the
    /// evaluation window (after the data end) has no observations.
    #[test]
    fn builtin_run_records_observed_encounters_and_their_fit() {
        let input = load(None).unwrap();
        let obs = observed_encounters(&input)
            .unwrap()
            .expect("embedded CBP file");
        assert_eq!(obs.months().last(), Some("2023-09"));
        let sc = &input.scenario;
        // A made-up simulation: 1,000 people in every observed cell's area and month.
        let rows: Vec<MonthlyRow> = ["2023-06", "2023-07", "2023-08", "2023-09", "2023-10"]
            .iter()
            .flat_map(|m| {
                obs.areas().map(move |(c, a)| MonthlyRow {
                    month: m.to_string(),
                    component: c.to_string(),
                    area_of_responsibility: a.to_string(),
                    encounters: 1000.0,
                })
            })
            .collect();
        let e = encounter_observations(&input, sc, sc.days, &rows)
            .unwrap()
            .unwrap();
        assert_eq!(e.file, "data/cbp_monthly_to_2023-09.csv");
        let cal = &e.fit[0];
        assert_eq!(cal.window, "calibration");
        assert_eq!(cal.months, ["2023-07", "2023-08", "2023-09"]);
        let months = calibration_months(sc, &obs);
        let direct = compare_encounters(
            &rows,
            &obs,
            &CompareOptions {
                months: Some(months),
                through: sc.observed.observed_through.clone(),
            },
        );
        assert_eq!(cal.ard, direct.ard);
        assert_eq!(cal.cells, direct.cells.len());
        assert_eq!(cal.simulated, 1000.0 * cal.cells as f64);
        let eval = &e.fit[1];
        assert_eq!(eval.window, "evaluation");
        assert!(eval.months.is_empty() && eval.ard.is_none());
        assert_eq!(eval.observed.to_bits(), 0f64.to_bits(), "+0, not −0");
        // observed_monthly.csv rows: the run's months only (June 2023 on).
        assert_eq!(e.rows.first().map(|r| r.0.as_str()), Some("2023-06"));
        assert_eq!(e.rows.len(), 4 * obs.areas().count());
        // A Flee instance ships none.
        let mali = load(Some(&mali())).unwrap();
        assert!(observed_encounters(&mali).unwrap().is_none());
    }
}
