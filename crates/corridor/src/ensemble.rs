//! N runs of one input reduced to statistics by `corridor_ensemble`, written as an
//! ensemble directory: [`ensemble`] (plan, run, write) and the pieces `compare`
//! reuses ([`ensemble_to_dir`], [`write_ensemble_dir`]).
//!
//! Files: the ensemble's `daily_stats.csv`, `ports_stats.csv` (when the scenario
//! has ports), `totals_stats.csv`, `monthly_stats.csv` (when it has ports or
//! crossings) and `summary.json` (with `input_kind`, `inputs`, `scenario`,
//! `variant` added), `observed.csv` (when the scenario has camp data) and
//! `network.json`, then `report.html` drawn with p5–p95 bands. A scenario that
//! ships observed monthly encounters also gets `observed_monthly.csv` and
//! summary.json `comparison` (windows and fit of the members' mean monthly
//! encounters, as `corridor calibrate` scores several runs: see `run.rs`). With
//! `format` Parquet (or both) each `*.csv` table is replaced (or followed) by its
//! `*.parquet` twin, through the run directory's writer
//! (`corridor_io::write::parquet::with_format`).
//!
//! Invariants: member `i` uses seed `member_seed(seed, i)` and members are reduced
//! in member order, so every file is byte-identical for any thread count. Every
//! file is rendered in memory first and the set is written together
//! (`RunArtifacts`), so the directory is all-or-nothing and the list of files
//! written is the list rendered.

use crate::error::{Result, ResultExt};
use crate::input::{default_out_dir, Input};
use crate::run::{OutputFormat, SimOptions};
use corridor_ensemble::{Ensemble, EnsembleOptions, Simulator};
use corridor_io::write::parquet::with_format;
use corridor_io::write::{
    has_camp_data, render_network_json, render_observed_csv, render_observed_monthly_csv,
    EncounterObservations, OutputKind, RunArtifacts, WriteError,
};
use corridor_model::{DayRecord, RunOutput, Scenario};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// What `ensemble` is asked to do with an input.
#[derive(Debug, Clone)]
pub struct EnsembleRequest {
    pub variant: Option<String>,
    /// Number of members (at least 1).
    pub runs: usize,
    /// `None`: the scenario's seed, else 1.
    pub seed: Option<u64>,
    pub days: Option<u32>,
    pub engine: corridor_model::EngineKind,
    /// `None`: `corridor-out/<name>[-<variant>]-ensemble`.
    pub out: Option<PathBuf>,
    /// The tables' format: CSV (the default), Parquet or both.
    pub format: OutputFormat,
}

/// An ensemble resolved against its input.
#[derive(Debug, Clone)]
pub struct EnsemblePlan {
    pub scenario: Scenario,
    pub variant: Option<String>,
    pub options: EnsembleOptions,
    pub out_dir: PathBuf,
    /// The tables' format.
    pub format: OutputFormat,
}

impl EnsembleRequest {
    /// Resolves the request; an unknown variant is bad input.
    pub fn plan(&self, input: &Input) -> Result<EnsemblePlan> {
        let variant = self.variant.as_deref();
        let scenario = input.with_variant(variant)?;
        let out_dir = self
            .out
            .clone()
            .unwrap_or_else(|| default_out_dir(&scenario.name, variant, "ensemble"));
        let sim = SimOptions {
            seed: input.seed(self.seed),
            days: self.days,
            engine: crate::engine_for(&scenario, self.days, self.engine),
        };
        Ok(EnsemblePlan {
            scenario,
            variant: self.variant.clone(),
            options: ensemble_options(self.runs, &sim),
            out_dir,
            format: self.format,
        })
    }
}

/// The library's options for `runs` members of a simulation.
pub fn ensemble_options(runs: usize, sim: &SimOptions) -> EnsembleOptions {
    EnsembleOptions {
        runs,
        seed: sim.seed,
        engine: sim.engine,
        days: sim.days,
    }
}

/// A finished ensemble and the files written.
#[derive(Debug, Clone)]
pub struct EnsembleResult {
    pub plan: EnsemblePlan,
    pub ensemble: Ensemble,
    /// File names written into `plan.out_dir`, in the order written.
    pub files: Vec<String>,
}

/// Runs the ensemble and writes its directory; `on_member` after each member.
pub fn ensemble(
    input: &Input,
    req: &EnsembleRequest,
    on_member: &(dyn Fn() + Sync),
) -> Result<EnsembleResult> {
    let plan = req.plan(input)?;
    crate::check_out_dir(&plan.out_dir)?;
    let (ensemble, files) = ensemble_to_dir(input, &plan, &corridor_model::simulate, on_member)?;
    Ok(EnsembleResult {
        plan,
        ensemble,
        files,
    })
}

/// One whole ensemble with a given simulator: runs it and writes its directory.
pub fn ensemble_to_dir(
    input: &Input,
    plan: &EnsemblePlan,
    simulator: &Simulator,
    on_member: &(dyn Fn() + Sync),
) -> Result<(Ensemble, Vec<String>)> {
    let opts = &plan.options;
    let ens =
        corridor_ensemble::run_ensemble_with(&plan.scenario, opts, simulator, &|_| on_member())
            .with_context(|| format!("ensemble of {} (seed {})", plan.scenario.name, opts.seed))?;
    let files = write_ensemble_dir(input, plan, &ens)?;
    Ok((ens, files))
}

/// `observed.csv` of an ensemble: the observed values on its recorded days. The
/// renderer reads them from day records, so records carrying only the
/// observations (the same interpolation the engine records) are built for it.
fn render_observed(scenario: &Scenario, ens: &Ensemble) -> Result<Option<String>> {
    if !has_camp_data(scenario) {
        return Ok(None);
    }
    let camps = scenario.camp_locations();
    let n = scenario.locations.len();
    let days = ens
        .days
        .iter()
        .map(|&day| DayRecord {
            day,
            population: vec![0; n],
            camp_data: camps
                .iter()
                .map(|&c| scenario.data.camp(c).map_or(0, |s| s.value_at(day as i64)))
                .collect(),
            ..Default::default()
        })
        .collect();
    let run = RunOutput {
        days,
        ..Default::default()
    };
    Ok(Some(
        render_observed_csv(scenario, &run).context("rendering observed.csv")?,
    ))
}

/// The observed monthly encounters of an ensemble's scenario with the fit of the
/// members' mean monthly encounters (people); `None` without observations.
fn ensemble_encounters(
    input: &Input,
    plan: &EnsemblePlan,
    ens: &Ensemble,
) -> Result<Option<EncounterObservations>> {
    let k = ens.hasten.max(1) as f64;
    let rows: Vec<corridor_calibrate::MonthlyRow> = ens
        .monthly
        .iter()
        .flat_map(|m| m.keys.iter().zip(&m.stats))
        .map(
            |((month, component, area), s)| corridor_calibrate::MonthlyRow {
                month: month.clone(),
                component: component.to_string(),
                area_of_responsibility: area.clone(),
                encounters: s.mean * k,
            },
        )
        .collect();
    crate::run::encounter_observations(input, &plan.scenario, ens.days.len() as u32, &rows)
}

/// The keys the facade adds to the ensemble's summary.json.
fn summary_extra(input: &Input, plan: &EnsemblePlan, ens: &Ensemble) -> Map<String, Value> {
    let mut warnings = input.warnings.clone();
    warnings.extend(ens.warnings.iter().cloned());
    let mut m = Map::new();
    m.insert("input_kind".into(), json!(input.kind.as_str()));
    m.insert("inputs".into(), json!(input.inputs));
    m.insert("scenario".into(), json!(plan.scenario.name));
    m.insert("variant".into(), json!(plan.variant));
    m.insert("warnings".into(), json!(warnings));
    m
}

/// A file rendered by one of the ensemble's writers.
fn rendered(
    name: &str,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    write(&mut bytes).with_context(|| format!("rendering {name}"))?;
    Ok(bytes)
}

/// Every file of an ensemble directory but the report, rendered in memory as CSV
/// and JSON, in the order they are written (before the plan's format applies).
pub fn render_ensemble_files(
    input: &Input,
    plan: &EnsemblePlan,
    ens: &Ensemble,
) -> Result<RunArtifacts> {
    let mut a = RunArtifacts::default();
    a.add(
        "daily_stats.csv",
        rendered("daily_stats.csv", |w| ens.write_daily_stats(w))?,
    );
    if !ens.ports.is_empty() {
        a.add(
            "ports_stats.csv",
            rendered("ports_stats.csv", |w| ens.write_ports_stats(w))?,
        );
    }
    a.add(
        "totals_stats.csv",
        rendered("totals_stats.csv", |w| ens.write_totals_stats(w))?,
    );
    if ens.monthly.is_some() {
        a.add(
            "monthly_stats.csv",
            rendered("monthly_stats.csv", |w| ens.write_monthly_stats(w))?,
        );
    }
    let encounters = ensemble_encounters(input, plan, ens)?;
    let mut extra = summary_extra(input, plan, ens);
    if let Some(obs) = &encounters {
        extra.insert(
            "comparison".into(),
            json!({ "observations": null, "encounters": obs }),
        );
    }
    let summary = ens.summary_json(&extra);
    let mut text = serde_json::to_string_pretty(&summary)
        .map_err(std::io::Error::from)
        .context("rendering summary.json")?;
    text.push('\n');
    a.add("summary.json", text);
    if let Some(text) = render_observed(&plan.scenario, ens)? {
        a.add("observed.csv", text);
    }
    if let Some(obs) = &encounters {
        a.add("observed_monthly.csv", render_observed_monthly_csv(obs));
    }
    a.add(
        "network.json",
        render_network_json(&plan.scenario).context("rendering network.json")?,
    );
    Ok(a)
}

/// Writes a finished ensemble into the plan's directory: every file together,
/// then report.html. Returns the names of the files written.
pub fn write_ensemble_dir(
    input: &Input,
    plan: &EnsemblePlan,
    ens: &Ensemble,
) -> Result<Vec<String>> {
    let out_dir = &plan.out_dir;
    let files = with_format(&render_ensemble_files(input, plan, ens)?, plan.format)
        .map_err(WriteError::from)
        .context("rendering the ensemble's tables")?;
    crate::write_rendered(out_dir, OutputKind::Ensemble, &files, true, "the ensemble")
}

/// `mean ± sd` of a statistic, `sd` omitted for one member.
pub fn mean_sd_text(s: &corridor_ensemble::Stats) -> String {
    if s.sd.is_nan() {
        format!("{:.4}", s.mean)
    } else {
        format!("{:.4} ± {:.4}", s.mean, s.sd)
    }
}

/// The lines a front end shows after an ensemble: name, runs, days, seed,
/// engine, and the ARD pair when there are observations.
pub fn summary_lines(ens: &Ensemble, variant: Option<&str>) -> String {
    let name = match variant {
        Some(v) => format!("{} ({v})", ens.scenario),
        None => ens.scenario.clone(),
    };
    let mut s = format!(
        "{name}: {} runs of {} days from {}, seed {}, engine {}",
        ens.runs,
        ens.days.len(),
        ens.start_date,
        ens.seed,
        ens.engine
    );
    if let (Some(a), Some(r)) = (&ens.ard, &ens.ard_rescaled) {
        s.push_str(&format!(
            "\nARD {} (rescaled {}), mean ± sd over runs",
            mean_sd_text(&a.stats),
            mean_sd_text(&r.stats)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load;
    use std::path::Path;

    /// The files listed are exactly the files written, in the library's
    /// `Ensemble::write_dir` bytes for the files both write.
    #[test]
    fn lists_what_it_writes_with_the_librarys_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let mali = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012");
        let input = load(Some(&mali)).unwrap();
        let req = EnsembleRequest {
            variant: None,
            runs: 2,
            seed: None,
            days: Some(8),
            engine: Default::default(),
            out: Some(tmp.path().join("e")),
            format: OutputFormat::Csv,
        };
        let r = ensemble(&input, &req, &|| {}).unwrap();
        let mut on_disk: Vec<String> = std::fs::read_dir(tmp.path().join("e"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut listed = r.files.clone();
        listed.sort();
        assert_eq!(listed, on_disk);
        assert!(r.files.contains(&"observed.csv".to_string()));
        let lib = tmp.path().join("lib");
        r.ensemble
            .write_dir(&lib, &summary_extra(&input, &r.plan, &r.ensemble))
            .unwrap();
        for f in std::fs::read_dir(&lib).unwrap() {
            let name = f.unwrap().file_name();
            assert_eq!(
                std::fs::read(lib.join(&name)).unwrap(),
                std::fs::read(tmp.path().join("e").join(&name)).unwrap(),
                "{name:?}"
            );
        }
        assert_eq!(r.plan.options.seed, 1, "no scenario seed: 1");
        assert!(summary_lines(&r.ensemble, None).starts_with("mali2012: 2 runs of 8 days"));
    }
}
