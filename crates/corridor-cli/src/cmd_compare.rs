//! `corridor compare`: runs policy variants of one scenario side by side.
//!
//! Each variant is one call to [`cmd_run::run_to_dir`] into `<out>/<variant>/` (a
//! normal run directory with its own report); variants run in parallel (rayon)
//! with the same seed, so differences come from the policy, not from the draws
//! (common random numbers). Then `<out>/compare.json` (key numbers per variant,
//! `corridor_io::write::render_compare_json`) and `<out>/report.html` are written.
//!
//! Invariants: every variant name is checked before anything runs (unknown names
//! are bad input, exit 2); results are collected in the order of the variant list
//! whatever the thread count, so compare.json is byte-identical across runs;
//! compare.json is removed first and written last, so it exists only for a
//! complete comparison.

use crate::cmd_run::{self, SimOpts};
use crate::exit::BadInput;
use crate::input::{self, folder_name, Loaded};
use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::{Context, Result};
use clap::Args;
use corridor_io::write::{
    key_numbers, month_totals, render_compare_json, write_atomic, CompareEntry, InputKind,
};
use corridor_model::Scenario;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  corridor compare                                  # every variant of the built-in scenario
  corridor compare examples/variants --out runs/cmp
  corridor compare scenarios/mexico-2023 --variants baseline,appointments-x2 --seed 3";

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
    /// Runs per variant (ensembles of variants are not available yet: only 1).
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
    if args.runs > 1 {
        return Err(BadInput(
            "--runs > 1 (ensembles of variants) is not available yet; use --runs 1".into(),
        )
        .into());
    }
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
                cmd_run::thousands(k.intercepted),
                cmd_run::thousands(k.peak_waiting_at_border),
                k.mean_wait_days
                    .map_or_else(|| "-".to_string(), |w| format!("{w:.1}")),
            ]
        })
        .collect();
    let w: Vec<usize> = (0..6)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let fmt = |cells: [&str; 6]| {
        let mut s = format!("{:<w0$}", cells[0], w0 = w[0]);
        for i in 1..6 {
            s.push_str(&format!("  {:>wi$}", cells[i], wi = w[i]));
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = fmt(header);
    for r in &rows {
        out.push_str(&fmt([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]]));
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
                intercepted: 3,
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
