//! `corridor compare`: runs policy variants of one scenario side by side.
//!
//! Each variant is one call to [`cmd_run::run_to_dir`] into `<out>/<variant>/` (a
//! normal run directory with its own report), or with `--runs N` (N > 1) one call
//! to [`cmd_ensemble::ensemble_to_dir`] (an ensemble directory); variants run in
//! parallel (rayon) with the same seed, so differences come from the policy, not
//! from the draws (common random numbers: member i of every variant has the same
//! seed). Then `<out>/compare.json` and `<out>/report.html` are written. For single
//! runs compare.json is `corridor_io::write::render_compare_json`; for ensembles
//! every key number is `{mean, sd, p5, p50, p95}` over the members (people; null
//! when undefined) and `monthly` holds the ensemble means, plus a top-level `runs`.
//!
//! Invariants: every variant name is checked before anything runs (unknown names
//! are bad input, exit 2); results are collected in the order of the variant list
//! whatever the thread count, so compare.json is byte-identical across runs;
//! compare.json is removed first and written last, so it exists only for a
//! complete comparison.

use crate::cmd_ensemble;
use crate::cmd_run::{self, SimOpts};
use crate::exit::BadInput;
use crate::input::{self, folder_name, Loaded};
use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::{Context, Result};
use clap::Args;
use corridor_ensemble::member_seed;
use corridor_ensemble::stats::{mean_month_totals, KeyNumberStats};
use corridor_io::write::{
    key_numbers, month_totals, render_compare_json, write_atomic, CompareEntry, InputKind,
    KeyNumbers, MonthTotals,
};
use corridor_model::{ModelError, RunOptions, RunOutput, Scenario};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const EXAMPLES: &str = "\
Examples:
  corridor compare                                  # every variant of the built-in scenario
  corridor compare examples/variants --out runs/cmp
  corridor compare scenarios/mexico-2023 --variants baseline,appointments-x2 --seed 3
  corridor compare examples/variants --runs 20 --days 60   # each variant an ensemble";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CompareArgs {
    /// A scenario (scenario.toml, or a directory holding one) with [[variants]].
    /// Without it the built-in scenario is compared.
    pub input: Option<PathBuf>,
    /// Variants to run, comma-separated, in this order [default: all, in file order].
    #[arg(long, value_delimiter = ',', value_name = "A,B,..")]
    pub variants: Vec<String>,
    /// Output directory [default: corridor-out/<scenario name>-compare].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Random seed shared by every variant [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Runs per variant: with more than 1, each variant is an ensemble directory
    /// and compare.json carries {mean, sd, p5, p50, p95} per key number.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Number of days to simulate (default: the scenario's own period).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    /// Which engine moves people.
    #[arg(long, value_enum, default_value_t = Engine::Agents)]
    pub engine: Engine,
}

/// The variants to run, checked: known, not repeated, distinct folder names.
/// Returns (name, folder, description, scenario with the variant applied).
fn plan(loaded: &Loaded, wanted: &[String]) -> Result<Vec<(String, String, String, Scenario)>> {
    let all = loaded.variant_names();
    if all.is_empty() {
        return Err(BadInput(format!(
            "{}: the scenario defines no [[variants]]; nothing to compare",
            loaded.source
        ))
        .into());
    }
    let names: Vec<String> = if wanted.is_empty() {
        all
    } else {
        wanted.iter().map(|s| s.trim().to_string()).collect()
    };
    let mut out: Vec<(String, String, String, Scenario)> = Vec::with_capacity(names.len());
    for name in names {
        let scenario = loaded.with_variant(Some(&name))?;
        let folder = folder_name(&name);
        if let Some(prev) = out.iter().find(|p| p.1 == folder) {
            let why = if prev.0 == name {
                format!("variant '{name}' is listed twice")
            } else {
                format!(
                    "variants '{}' and '{name}' would share the folder '{folder}'",
                    prev.0
                )
            };
            return Err(BadInput(why).into());
        }
        let description = loaded
            .scenario
            .border
            .variant(&name)
            .map(|v| v.description.clone())
            .unwrap_or_default();
        out.push((name, folder, description, scenario));
    }
    Ok(out)
}

/// One variant: its run directory and the compare.json entry.
fn run_variant(
    loaded: &Loaded,
    name: &str,
    folder: &str,
    description: &str,
    scenario: &Scenario,
    opts: &SimOpts,
    out: &Path,
) -> Result<(CompareEntry, Vec<String>)> {
    let done = cmd_run::run_to_dir(loaded, scenario, Some(name), opts, &out.join(folder))
        .with_context(|| format!("variant {name}"))?;
    let entry = CompareEntry {
        name: name.to_string(),
        dir: folder.to_string(),
        description: description.to_string(),
        key_numbers: key_numbers(scenario, &done.output)
            .with_context(|| format!("variant {name}: key numbers"))?,
        monthly: month_totals(scenario, &done.output),
    };
    Ok((entry, done.output.warnings))
}

pub fn run(args: &CompareArgs, g: &GlobalOpts) -> Result<()> {
    let loaded = input::load(args.input.as_deref())?;
    if loaded.kind != InputKind::Scenario {
        return Err(BadInput(format!(
            "{}: compare needs a corridor scenario (scenario.toml) with [[variants]]",
            loaded.source
        ))
        .into());
    }
    print_warnings(&loaded.warnings, g.quiet);
    let plan = plan(&loaded, &args.variants)?;
    let opts = SimOpts {
        seed: loaded.seed(args.seed),
        days: args.days,
        engine: args.engine,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        Path::new("corridor-out").join(folder_name(&format!("{}-compare", loaded.scenario.name)))
    });
    std::fs::create_dir_all(&out)
        .with_context(|| format!("creating output directory {}", out.display()))?;
    let compare_json = out.join("compare.json");
    match std::fs::remove_file(&compare_json) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", compare_json.display())),
    }

    if args.runs > 1 {
        return run_ensembles(args, g, &loaded, &plan, &opts, &out, &compare_json);
    }
    let results: Vec<Result<(CompareEntry, Vec<String>)>> = {
        let show = progress::enabled(g.progress, g.quiet);
        let p = Progress::start(
            show,
            format!("comparing {} variants", plan.len()),
            plan.len(),
        );
        plan.par_iter()
            .map(|(name, folder, description, scenario)| {
                let r = run_variant(&loaded, name, folder, description, scenario, &opts, &out);
                p.inc();
                r
            })
            .collect()
    };
    // The first failure in list order, whatever finished first.
    let mut entries = Vec::with_capacity(results.len());
    for r in results {
        let (entry, warnings) = r?;
        let tagged: Vec<String> = warnings
            .iter()
            .map(|w| format!("{}: {w}", entry.name))
            .collect();
        print_warnings(&tagged, g.quiet);
        entries.push(entry);
    }
    let json = render_compare_json(&loaded.scenario.name, opts.seed, &entries)
        .context("rendering compare.json")?;
    write_atomic(&compare_json, json.as_bytes())
        .with_context(|| format!("writing {}", compare_json.display()))?;
    corridor_report::write_report(&out)
        .with_context(|| format!("writing the report in {}", out.display()))?;
    if !g.quiet {
        println!(
            "wrote {} (compare.json, report.html; variants: {})",
            out.display(),
            entries
                .iter()
                .map(|e| e.dir.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        print!("{}", table(&entries));
    }
    Ok(())
}

/// Key numbers and month totals of one member, or why they could not be computed.
type MemberKeys = std::result::Result<(KeyNumbers, Vec<MonthTotals>), String>;

/// One variant as an ensemble: its directory and its compare.json entry.
struct VariantEnsemble {
    name: String,
    dir: String,
    description: String,
    members: Vec<(KeyNumbers, Vec<MonthTotals>)>,
    warnings: Vec<String>,
}

fn run_variant_ensemble(
    loaded: &Loaded,
    (name, folder, description, scenario): &(String, String, String, Scenario),
    opts: &SimOpts,
    runs: u32,
    out: &Path,
) -> Result<VariantEnsemble> {
    let eopts = cmd_ensemble::ensemble_options(runs, opts.seed, opts.days, opts.engine);
    let seeds: Vec<u64> = (0..eopts.runs)
        .map(|i| member_seed(eopts.seed, i))
        .collect();
    let slots: Arc<Mutex<Vec<Option<MemberKeys>>>> = Arc::new(Mutex::new(vec![None; eopts.runs]));
    // The ensemble keeps only statistics per cell; the key numbers need each
    // member's whole run, so they are taken as each member finishes. (The
    // library's `Simulator` is `'static`, hence the owned state.)
    let sink = Arc::clone(&slots);
    let sim = move |s: &Scenario, ro: &RunOptions| -> std::result::Result<RunOutput, ModelError> {
        let run = corridor_model::simulate(s, ro)?;
        if let Some(i) = seeds.iter().position(|&x| x == ro.seed) {
            let k = key_numbers(s, &run)
                .map(|k| (k, month_totals(s, &run)))
                .map_err(|e| e.to_string());
            sink.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(k);
        }
        Ok(run)
    };
    let (ens, _) = cmd_ensemble::ensemble_to_dir(
        loaded,
        scenario,
        Some(name),
        &eopts,
        &sim,
        &|| {},
        &out.join(folder),
    )
    .with_context(|| format!("variant {name}"))?;
    let members = std::mem::take(&mut *slots.lock().unwrap_or_else(|e| e.into_inner()))
        .into_iter()
        .enumerate()
        .map(|(i, k)| match k {
            Some(Ok(k)) => Ok(k),
            Some(Err(e)) => Err(anyhow::anyhow!(
                "variant {name}: key numbers of member {i}: {e}"
            )),
            None => Err(anyhow::anyhow!("variant {name}: member {i} was not run")),
        })
        .collect::<Result<_>>()?;
    Ok(VariantEnsemble {
        name: name.clone(),
        dir: folder.clone(),
        description: description.clone(),
        members,
        warnings: ens.warnings,
    })
}

/// The key numbers of an ensemble variant, each as statistics over its members.
fn ensemble_key_numbers(v: &VariantEnsemble) -> Value {
    let keys: Vec<KeyNumbers> = v.members.iter().map(|(k, _)| k.clone()).collect();
    json!(KeyNumberStats::of(&keys))
}

/// Mean admitted and encountered people per month over the members.
fn ensemble_monthly(v: &VariantEnsemble) -> Value {
    let months: Vec<Vec<MonthTotals>> = v.members.iter().map(|(_, m)| m.clone()).collect();
    json!(mean_month_totals(&months))
}

fn run_ensembles(
    args: &CompareArgs,
    g: &GlobalOpts,
    loaded: &Loaded,
    plan: &[(String, String, String, Scenario)],
    opts: &SimOpts,
    out: &Path,
    compare_json: &Path,
) -> Result<()> {
    let results: Vec<Result<VariantEnsemble>> = {
        let show = progress::enabled(g.progress, g.quiet);
        let p = Progress::start(
            show,
            format!("comparing {} variants, {} runs each", plan.len(), args.runs),
            plan.len(),
        );
        plan.par_iter()
            .map(|v| {
                let r = run_variant_ensemble(loaded, v, opts, args.runs, out);
                p.inc();
                r
            })
            .collect()
    };
    let mut variants = Vec::with_capacity(results.len());
    for r in results {
        let v = r?;
        let tagged: Vec<String> = v
            .warnings
            .iter()
            .map(|w| format!("{}: {w}", v.name))
            .collect();
        print_warnings(&tagged, g.quiet);
        variants.push(v);
    }
    let doc = json!({
        "scenario": loaded.scenario.name,
        "seed": opts.seed,
        "runs": args.runs,
        "units": "people",
        "variants": variants.iter().map(|v| json!({
            "name": v.name,
            "dir": v.dir,
            "description": v.description,
            "key_numbers": ensemble_key_numbers(v),
            "monthly": ensemble_monthly(v),
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).context("rendering compare.json")?;
    text.push('\n');
    write_atomic(compare_json, text.as_bytes())
        .with_context(|| format!("writing {}", compare_json.display()))?;
    corridor_report::write_report(out)
        .with_context(|| format!("writing the report in {}", out.display()))?;
    if !g.quiet {
        println!(
            "wrote {} (compare.json, report.html; variants: {}; {} runs each)",
            out.display(),
            variants
                .iter()
                .map(|v| v.dir.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            args.runs
        );
        print!("{}", ensemble_table(&variants));
    }
    Ok(())
}

/// The ensemble key numbers for the terminal: median and p5–p95 (people).
fn ensemble_table(variants: &[VariantEnsemble]) -> String {
    let header = [
        "variant",
        "admitted",
        "encountered",
        "intercepted",
        "peak waiting",
    ];
    let cell = |values: Vec<f64>| {
        let s = corridor_ensemble::stats::summarize(&values);
        let r = |x: f64| cmd_run::thousands(x.round().max(0.0) as u64);
        format!("{} ({}–{})", r(s.p50), r(s.p5), r(s.p95))
    };
    let rows: Vec<[String; 5]> = variants
        .iter()
        .map(|v| {
            let c = |f: fn(&KeyNumbers) -> u64| {
                cell(v.members.iter().map(|(k, _)| f(k) as f64).collect())
            };
            [
                v.name.clone(),
                c(|k| k.admitted),
                c(|k| k.encountered),
                c(|k| k.interception_events),
                c(|k| k.peak_waiting_at_border),
            ]
        })
        .collect();
    let mut t = String::from("median (p5–p95) over runs\n");
    t.push_str(&aligned(header, &rows));
    t
}

/// The key numbers as a table for the terminal (people; mean wait in days).
pub fn table(entries: &[CompareEntry]) -> String {
    let header = [
        "variant",
        "admitted",
        "encountered",
        "intercepted",
        "peak waiting",
        "mean wait (days)",
    ];
    let rows: Vec<[String; 6]> = entries
        .iter()
        .map(|e| {
            let k = &e.key_numbers;
            [
                e.name.clone(),
                cmd_run::thousands(k.admitted),
                cmd_run::thousands(k.encountered),
                cmd_run::thousands(k.interception_events),
                cmd_run::thousands(k.peak_waiting_at_border),
                k.mean_wait_days
                    .map_or_else(|| "-".to_string(), |w| format!("{w:.1}")),
            ]
        })
        .collect();
    aligned(header, &rows)
}

/// A text table: the header, then the rows; the first column left-aligned, the
/// others right-aligned, two spaces apart, no trailing blanks.
fn aligned<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let w: Vec<usize> = (0..N)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; N]| {
        let mut s = format!("{:<w0$}", cells[0], w0 = w[0]);
        for i in 1..N {
            s.push_str(&format!("  {:>wi$}", cells[i], wi = w[i]));
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for r in rows {
        out.push_str(&line(std::array::from_fn(|i| r[i].as_str())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_io::write::KeyNumbers;

    #[test]
    fn table_layout() {
        let e = |name: &str, adm: u64, wait: Option<f64>| CompareEntry {
            name: name.into(),
            dir: name.into(),
            description: String::new(),
            key_numbers: KeyNumbers {
                admitted: adm,
                encountered: 20,
                interception_events: 3,
                peak_waiting_at_border: 1500,
                peak_waiting_date: None,
                final_waiting_at_border: 0,
                mean_wait_days: wait,
            },
            monthly: Vec::new(),
        };
        assert_eq!(
            table(&[e("baseline", 12345, Some(2.26)), e("x2", 0, None)]),
            "variant   admitted  encountered  intercepted  peak waiting  mean wait (days)\n\
             baseline    12,345           20            3         1,500               2.3\n\
             x2               0           20            3         1,500                 -\n"
        );
    }
}
