//! `corridor validate`: how well runs reproduce the observed camp data, with
//! `corridor_calibrate::validate_with`: the ARD and rescaled ARD (flee-spec §3.2)
//! mean ± sd over several seeds, per-camp errors and the MASE against naive
//! forecasts (docs/validation.md).
//!
//! Output: a one-line-per-instance summary table, then each instance's detailed
//! table, on stdout; and `<out>/<instance>/validation.json` per instance (default
//! out `corridor-out/validation`), written atomically. Member `i` uses seed
//! `rng::mix(seed, Purpose::Member, 0, i)`, so everything depends only on the
//! inputs, `--seed` and `--runs`, never on the thread count. Instances are checked
//! (read) before any runs, so bad input exits 2 without output.

use crate::input::{self, folder_name};
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::{Context, Result};
use clap::Args;
use corridor_calibrate::{ValidateOptions, Validation};
use corridor_io::write::write_atomic;
use corridor_model::metrics;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  corridor validate tests/data/flee/mali2012
  corridor validate tests/data/flee/mali2012 tests/data/flee/burundi2015 --runs 20 --seed 3
  corridor validate tests/data/flee/mali2012 --days 100 --out runs/validation
Writes <out>/<instance>/validation.json for every instance.";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ValidateArgs {
    /// Flee instance directories, or scenarios, with observed camp data.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Runs (seeds) per instance.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Seed from which the runs' seeds are derived.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of days to simulate (default: each scenario's own period).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    /// Which engine moves people.
    #[arg(long, value_enum, default_value_t = Engine::Agents)]
    pub engine: Engine,
    /// Output directory; each instance's validation.json goes to <out>/<instance>/
    /// [default: corridor-out/validation].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The result for one instance, as a line of the summary table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub days: usize,
    pub runs: usize,
    /// Per member; empty when the instance has no camp data.
    pub ard: Vec<f64>,
    pub ard_rescaled: Vec<f64>,
}

impl Row {
    fn of(v: &Validation) -> Row {
        Row {
            name: v.scenario.clone(),
            days: v.days as usize,
            runs: v.runs,
            ard: v.ard.values.clone(),
            ard_rescaled: v.ard_rescaled.values.clone(),
        }
    }
}

fn cell(values: &[f64]) -> String {
    if values.is_empty() {
        return "no camp data".into();
    }
    let (m, sd) = metrics::mean_sd(values);
    format!("{m:.4} ± {sd:.4}")
}

/// The table printed by `corridor validate`.
pub fn table(rows: &[Row]) -> String {
    let header = [
        "instance",
        "days",
        "runs",
        "ARD mean ± sd",
        "ARD rescaled mean ± sd",
    ];
    let body: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.days.to_string(),
                r.runs.to_string(),
                cell(&r.ard),
                cell(&r.ard_rescaled),
            ]
        })
        .collect();
    let width = |i: usize| {
        body.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let w: Vec<usize> = (0..5).map(width).collect();
    let line = |cells: [&str; 5]| {
        format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {:<w3$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        )
        .trim_end()
        .to_string()
    };
    let mut out = line(header);
    out.push('\n');
    for r in &body {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
        out.push('\n');
    }
    out
}

pub fn run(args: &ValidateArgs, g: &GlobalOpts) -> Result<()> {
    // Read every instance first: a bad one fails before anything runs.
    let mut loaded = Vec::with_capacity(args.inputs.len());
    for p in &args.inputs {
        let l = input::load(Some(p))?;
        print_warnings(&l.warnings, g.quiet);
        loaded.push(l);
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("corridor-out").join("validation"));
    let opts = ValidateOptions {
        runs: args.runs as usize,
        seed: args.seed,
        days: args.days,
        engine: args.engine.kind(),
    };
    let mut results = Vec::with_capacity(loaded.len());
    let mut folders: Vec<String> = Vec::new();
    for l in &loaded {
        let v = corridor_calibrate::validate_with(&l.scenario, &opts)
            .with_context(|| format!("validating {}", l.source))?;
        let mut folder = folder_name(&v.scenario);
        // Two inputs with the same scenario name get distinct folders.
        let mut k = 2;
        while folders.contains(&folder) {
            folder = format!("{}-{k}", folder_name(&v.scenario));
            k += 1;
        }
        let dir = out.join(&folder);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating output directory {}", dir.display()))?;
        let path = dir.join("validation.json");
        write_atomic(&path, v.to_json().as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        folders.push(folder);
        results.push((v, path));
    }
    let rows: Vec<Row> = results.iter().map(|(v, _)| Row::of(v)).collect();
    print!("{}", table(&rows));
    if !g.quiet {
        for (v, path) in &results {
            println!();
            print!("{v}");
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_layout() {
        let rows = vec![
            Row {
                name: "mali2012".into(),
                days: 300,
                runs: 2,
                ard: vec![0.35, 0.36],
                ard_rescaled: vec![0.3, 0.3],
            },
            Row {
                name: "x".into(),
                days: 5,
                runs: 1,
                ard: vec![],
                ard_rescaled: vec![],
            },
        ];
        assert_eq!(
            table(&rows),
            "instance  days  runs  ARD mean ± sd    ARD rescaled mean ± sd\n\
             mali2012   300     2  0.3550 ± 0.0071  0.3000 ± 0.0000\n\
             x            5     1  no camp data     no camp data\n"
        );
    }
}
