//! `corridor ensemble`: N runs of one input (Flee instance, scenario with an
//! optional variant, or the built-in scenario) reduced to statistics by
//! `corridor_ensemble`, written as an ensemble directory with its report.
//!
//! Files (COMMON contract): the ensemble's own `daily_stats.csv`,
//! `ports_stats.csv`, `totals_stats.csv`, `monthly_stats.csv` and `summary.json`
//! (with `input_kind`, `inputs`, `scenario`, `variant` added by the CLI), plus
//! `observed.csv` (when the scenario has camp data) and `network.json`, then
//! `report.html` drawn with p5–p95 bands.
//!
//! Invariants: member `i` uses seed `member_seed(seed, i)` and members are reduced
//! in member order, so every file is byte-identical for any `--threads` (and, with
//! the `mpi` feature, any number of ranks). `observed.csv` and `network.json` are
//! rendered before anything is written; every file is written atomically.
//! [`ensemble_to_dir`] is the whole of one ensemble, so `compare --runs N` runs
//! each variant with one call to it.

use crate::input::{self, folder_name, Loaded};
use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::{Context, Result};
use clap::Args;
use corridor_ensemble::{Ensemble, EnsembleOptions, Simulator};
use corridor_io::write::{has_camp_data, render_network_json, render_observed_csv, write_atomic};
use corridor_model::{DayRecord, RunOutput, Scenario};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  corridor ensemble --runs 20                         # the built-in scenario, 20 runs
  corridor ensemble tests/data/flee/mali2012 --runs 100 --seed 3
  corridor ensemble examples/variants --variant ports_stay_closed --runs 50
  corridor ensemble tests/data/flee/mali2012 --runs 8 --days 50 --out runs/mali-ens
  mpirun -np 4 corridor ensemble tests/data/flee/mali2012 --runs 1000   # built with --features mpi";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct EnsembleArgs {
    /// A scenario (scenario.toml, or a directory holding one) or a Flee instance
    /// directory. Without it the built-in scenario runs.
    pub input: Option<PathBuf>,
    /// Number of runs (members); member i runs with a seed derived from --seed and i.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Ensemble seed [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of days to simulate (default: the scenario's own period).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    /// Which engine moves people.
    #[arg(long, value_enum, default_value_t = Engine::Agents)]
    pub engine: Engine,
    /// A policy variant of the scenario.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Output directory [default: corridor-out/<scenario name>[-<variant>]-ensemble].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The ensemble's options for the library.
pub fn ensemble_options(
    runs: u32,
    seed: u64,
    days: Option<u32>,
    engine: Engine,
) -> EnsembleOptions {
    EnsembleOptions {
        runs: runs as usize,
        seed,
        engine: engine.kind(),
        days,
    }
}

/// `corridor-out/<name>[-<variant>]-ensemble`.
pub fn default_out_dir(scenario: &Scenario, variant: Option<&str>) -> PathBuf {
    let name = match variant {
        Some(v) => format!("{}-{v}-ensemble", scenario.name),
        None => format!("{}-ensemble", scenario.name),
    };
    Path::new("corridor-out").join(folder_name(&name))
}

/// `observed.csv` of an ensemble: the observed values on its recorded days. The
/// renderer reads them from day records, so records carrying only the
/// observations (the same interpolation the engine records) are built for it.
pub fn render_observed(scenario: &Scenario, ens: &Ensemble) -> Result<Option<String>> {
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

/// The keys the CLI adds to the ensemble's summary.json.
fn summary_extra(
    loaded: &Loaded,
    scenario: &Scenario,
    variant: Option<&str>,
    ens: &Ensemble,
) -> Map<String, Value> {
    let mut warnings = loaded.warnings.clone();
    warnings.extend(ens.warnings.iter().cloned());
    let mut m = Map::new();
    m.insert("input_kind".into(), json!(loaded.kind.as_str()));
    m.insert("inputs".into(), json!(loaded.inputs));
    m.insert("scenario".into(), json!(scenario.name));
    m.insert("variant".into(), json!(variant));
    m.insert("warnings".into(), json!(warnings));
    m
}

/// Writes a finished ensemble into `out_dir`: the statistics files, observed.csv,
/// network.json, then report.html. Returns the names of the files written.
pub fn write_ensemble_dir(
    loaded: &Loaded,
    scenario: &Scenario,
    variant: Option<&str>,
    ens: &Ensemble,
    out_dir: &Path,
) -> Result<Vec<String>> {
    let observed = render_observed(scenario, ens)?;
    let network = render_network_json(scenario).context("rendering network.json")?;
    ens.write_dir(out_dir, &summary_extra(loaded, scenario, variant, ens))
        .with_context(|| format!("writing the ensemble to {}", out_dir.display()))?;
    let mut files: Vec<String> = ["daily_stats.csv"].map(String::from).to_vec();
    if !ens.ports.is_empty() {
        files.push("ports_stats.csv".into());
    }
    files.push("totals_stats.csv".into());
    if ens.monthly.is_some() {
        files.push("monthly_stats.csv".into());
    }
    files.push("summary.json".into());
    if let Some(text) = observed {
        let p = out_dir.join("observed.csv");
        write_atomic(&p, text.as_bytes()).with_context(|| format!("writing {}", p.display()))?;
        files.push("observed.csv".into());
    }
    let p = out_dir.join("network.json");
    write_atomic(&p, network.as_bytes()).with_context(|| format!("writing {}", p.display()))?;
    files.push("network.json".into());
    corridor_report::write_report(out_dir)
        .with_context(|| format!("writing the report in {}", out_dir.display()))?;
    files.push(corridor_report::REPORT_FILE.to_string());
    Ok(files)
}

/// One whole ensemble with a given simulator: runs it and writes its directory.
pub fn ensemble_to_dir(
    loaded: &Loaded,
    scenario: &Scenario,
    variant: Option<&str>,
    opts: &EnsembleOptions,
    simulator: &Simulator,
    on_member: &(dyn Fn() + Sync),
    out_dir: &Path,
) -> Result<(Ensemble, Vec<String>)> {
    let ens = corridor_ensemble::run_ensemble_with(scenario, opts, simulator, &|_| on_member())
        .with_context(|| format!("ensemble of {} (seed {})", scenario.name, opts.seed))?;
    let files = write_ensemble_dir(loaded, scenario, variant, &ens, out_dir)?;
    Ok((ens, files))
}

/// `mean ± sd` of a statistic, `sd` omitted for one member.
pub fn mean_sd_text(s: &corridor_ensemble::Stats) -> String {
    if s.sd.is_nan() {
        format!("{:.4}", s.mean)
    } else {
        format!("{:.4} ± {:.4}", s.mean, s.sd)
    }
}

/// The lines printed after an ensemble.
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

/// Runs the ensemble over MPI ranks; `Ok(None)` on every rank but 0.
#[cfg(feature = "mpi")]
fn mpi_run(scenario: &Scenario, opts: &EnsembleOptions) -> Result<Option<Ensemble>> {
    use mpi::traits::Communicator;
    let universe = mpi::initialize().context("initialising MPI")?;
    let world = universe.world();
    match corridor_ensemble::mpi::mpi_ensemble(&world, scenario, opts) {
        Ok(e) => Ok(e),
        Err(e) => {
            // Other ranks may wait for this one forever: stop them all.
            let e = anyhow::Error::new(e);
            eprintln!("error: rank {}: {e:#}", world.rank());
            world.abort(crate::exit::code(&e) as i32)
        }
    }
}

pub fn run(args: &EnsembleArgs, g: &GlobalOpts) -> Result<()> {
    let loaded = input::load(args.input.as_deref())?;
    let variant = args.variant.as_deref();
    let scenario = loaded.with_variant(variant)?;
    let opts = ensemble_options(args.runs, loaded.seed(args.seed), args.days, args.engine);
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&scenario, variant));

    #[cfg(feature = "mpi")]
    if crate::cmd_run::mpi_world_size() > 1 {
        let Some(ens) = mpi_run(&scenario, &opts)? else {
            return Ok(());
        };
        print_warnings(&loaded.warnings, g.quiet);
        let files = write_ensemble_dir(&loaded, &scenario, variant, &ens, &out_dir)?;
        return finish(&ens, variant, &files, &out_dir, g);
    }

    print_warnings(&loaded.warnings, g.quiet);
    let (ens, files) = {
        let show = progress::enabled(g.progress, g.quiet);
        let p = Progress::start(show, format!("ensemble of {}", scenario.name), opts.runs);
        ensemble_to_dir(
            &loaded,
            &scenario,
            variant,
            &opts,
            &corridor_model::simulate,
            &|| p.inc(),
            &out_dir,
        )?
    };
    finish(&ens, variant, &files, &out_dir, g)
}

fn finish(
    ens: &Ensemble,
    variant: Option<&str>,
    files: &[String],
    out_dir: &Path,
    g: &GlobalOpts,
) -> Result<()> {
    print_warnings(&ens.warnings, g.quiet);
    if !g.quiet {
        println!("wrote {} ({})", out_dir.display(), files.join(", "));
        println!("{}", summary_lines(ens, variant));
    }
    Ok(())
}
