//! `corridor validate`: how well runs reproduce the observed camp data, as the
//! ARD and rescaled ARD (flee-spec §3.2) mean ± sd over several seeds.
//!
//! Members run in parallel (rayon). Member `i` uses seed
//! `rng::mix(seed, Purpose::Member, 0, i)`, so the table depends only on the
//! inputs, `--seed` and `--runs`, never on the thread count.

use crate::cmd_run::{simulate, SimOpts};
use crate::input;
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::Result;
use clap::Args;
use corridor_model::metrics;
use corridor_model::rng::{mix, Purpose};
use rayon::prelude::*;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  corridor validate tests/data/flee/mali2012
  corridor validate tests/data/flee/mali2012 tests/data/flee/burundi2015 --runs 20 --seed 3
  corridor validate tests/data/flee/mali2012 --days 100 --threads 2";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ValidateArgs {
    /// Flee instance directories (each with camp data in source_data/).
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
}

/// The result for one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub days: usize,
    pub runs: usize,
    /// Per member; empty when the instance has no camp data.
    pub ard: Vec<f64>,
    pub ard_rescaled: Vec<f64>,
}

/// The seed of ensemble member `i`.
pub fn member_seed(seed: u64, i: u32) -> u64 {
    mix(seed, Purpose::Member, 0, i as u64)
}

fn validate_one(path: &std::path::Path, args: &ValidateArgs, quiet: bool) -> Result<Row> {
    let loaded = input::load_flee(path)?;
    print_warnings(&loaded.warnings, quiet);
    let outputs: Vec<_> = (0..args.runs)
        .into_par_iter()
        .map(|i| {
            let opts = SimOpts {
                seed: member_seed(args.seed, i),
                days: args.days,
                engine: args.engine,
            };
            simulate(&loaded.scenario, &opts)
        })
        .collect::<Result<_>>()?;
    if let Some(first) = outputs.first() {
        print_warnings(&first.warnings, quiet);
    }
    let s = &loaded.scenario;
    let has_data = corridor_io::write::has_camp_data(s);
    let mut row = Row {
        name: s.name.clone(),
        days: outputs.first().map(|o| o.days.len()).unwrap_or(0),
        runs: outputs.len(),
        ard: Vec::new(),
        ard_rescaled: Vec::new(),
    };
    for o in &outputs {
        if let Some(v) = has_data.then(|| metrics::validate(s, o)).flatten() {
            row.ard.push(v.ard);
            row.ard_rescaled.push(v.ard_rescaled);
        }
    }
    Ok(row)
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
    let rows = args
        .inputs
        .iter()
        .map(|p| validate_one(p, args, g.quiet))
        .collect::<Result<Vec<_>>>()?;
    print!("{}", table(&rows));
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

    #[test]
    fn member_seeds_differ_and_are_stable() {
        let a: Vec<u64> = (0..4).map(|i| member_seed(1, i)).collect();
        let mut b = a.clone();
        b.sort_unstable();
        b.dedup();
        assert_eq!(a.len(), b.len());
        assert_eq!(a, (0..4).map(|i| member_seed(1, i)).collect::<Vec<_>>());
        assert_ne!(member_seed(1, 0), member_seed(2, 0));
    }
}
