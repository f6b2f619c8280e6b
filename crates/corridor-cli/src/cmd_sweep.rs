//! `corridor sweep`: how much named model parameters drive the key outputs
//! (`corridor_ensemble::sweep_with`): a Latin hypercube with standardised
//! regression coefficients, or Saltelli's design with Sobol indices. Writes
//! `sweep.csv` and `sensitivity.csv` and prints the sensitivity table.
//!
//! Invariants: every design row uses the same member seeds (common random
//! numbers), rows are collected in design order, so both files are identical for
//! any `--threads`. Parameter names and ranges are checked before anything runs
//! (unknown names and values outside a parameter's domain exit with 2).

use crate::input::{self, folder_name};
use crate::progress::{self, Progress};
use crate::warn::print_warnings;
use crate::{Engine, GlobalOpts};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use corridor_ensemble::{ParamRange, SweepMethod, SweepOptions, SweepTable};
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  corridor sweep tests/data/flee/mali2012 --param move_rules.camp_weight=1:4 \\
      --param move_rules.conflict_weight=0.1:0.5 --samples 20 --days 100
  corridor sweep tests/data/flee/mali2012 --param move_rules.camp_weight=1:4 \\
      --param move_rules.max_move_speed=100:300 --method sobol --samples 16 --replicates 2
Parameters are Flee YAML paths (move_rules.*, spawn_rules.*, ...); an unknown name
is rejected with the list of valid names.";

/// Sampling design on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Latin hypercube; standardised regression coefficients (SRC) and R².
    Lhs,
    /// Saltelli's design (samples × (params + 2) runs); Sobol S1 and ST.
    Sobol,
}

impl Method {
    fn lib(self) -> SweepMethod {
        match self {
            Method::Lhs => SweepMethod::Lhs,
            Method::Sobol => SweepMethod::Sobol,
        }
    }
}

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct SweepArgs {
    /// A scenario (scenario.toml, or a directory holding one) or a Flee instance
    /// directory. Without it the built-in scenario is swept.
    pub input: Option<PathBuf>,
    /// A parameter and its range, NAME=LOW:HIGH (repeat for several).
    #[arg(long = "param", value_name = "NAME=LOW:HIGH", required = true)]
    pub params: Vec<String>,
    /// Design size: rows of the Latin hypercube, or Sobol's base sample size.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub samples: u32,
    /// Sampling design and sensitivity indices.
    #[arg(long, value_enum, default_value_t = Method::Lhs)]
    pub method: Method,
    /// Seed of the design and of the runs [default: the scenario's `seed`, else 1].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Runs per design row, averaged.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub replicates: u32,
    /// Number of days to simulate (default: the scenario's own period).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    /// Which engine moves people.
    #[arg(long, value_enum, default_value_t = Engine::Agents)]
    pub engine: Engine,
    /// A policy variant of the scenario.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Output directory [default: corridor-out/<scenario name>-sweep].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Parses `--param` values (`NAME=LOW:HIGH`); a malformed one is bad input.
pub fn parse_params(raw: &[String]) -> Result<Vec<ParamRange>> {
    raw.iter()
        .map(|s| s.parse::<ParamRange>().map_err(anyhow::Error::new))
        .collect()
}

/// The sensitivity table: one line per output and parameter, one column per index
/// (`SRC` and the fit's `R2` for lhs, `S1` and `ST` for sobol).
pub fn table(t: &SweepTable) -> String {
    let indices: Vec<&str> = match t.method {
        SweepMethod::Lhs => vec!["SRC", "R2"],
        SweepMethod::Sobol => vec!["S1", "ST"],
    };
    let cell = |v: Option<f64>| match v {
        Some(x) if x.is_finite() => format!("{x:.3}"),
        _ => "n/a".to_string(),
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for o in &t.outputs {
        for p in &t.params {
            let mut r = vec![o.clone(), p.name.clone()];
            for idx in &indices {
                // R2 belongs to the whole fit of an output, not to a parameter.
                let param = if *idx == "R2" { "" } else { p.name.as_str() };
                r.push(cell(t.index(o, param, idx)));
            }
            rows.push(r);
        }
    }
    let mut header = vec!["output".to_string(), "parameter".to_string()];
    header.extend(indices.iter().map(|s| s.to_string()));
    let w: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i < 2 {
                s.push_str(&format!("{c:<wi$}  ", wi = w[i]));
            } else {
                s.push_str(&format!("{c:>wi$}  ", wi = w[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&header);
    for r in &rows {
        out.push_str(&line(r));
    }
    out
}

pub fn run(args: &SweepArgs, g: &GlobalOpts) -> Result<()> {
    let params = parse_params(&args.params)?;
    let loaded = input::load(args.input.as_deref())?;
    print_warnings(&loaded.warnings, g.quiet);
    let variant = args.variant.as_deref();
    let scenario = loaded.with_variant(variant)?;
    let opts = SweepOptions {
        method: args.method.lib(),
        samples: args.samples as usize,
        seed: loaded.seed(args.seed),
        engine: args.engine.kind(),
        days: args.days,
        replicates: args.replicates as usize,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let name = match variant {
            Some(v) => format!("{}-{v}-sweep", scenario.name),
            None => format!("{}-sweep", scenario.name),
        };
        Path::new("corridor-out").join(folder_name(&name))
    });
    let t = {
        let show = progress::enabled(g.progress, g.quiet);
        let p = Progress::start(show, format!("sweep of {}", scenario.name), 0);
        corridor_ensemble::sweep_with(
            &scenario,
            &params,
            &opts,
            &corridor_model::simulate,
            &|_, _| p.inc(),
        )
        .with_context(|| format!("sweep of {}", scenario.name))?
    };
    t.write_dir(&out)
        .with_context(|| format!("writing the sweep to {}", out.display()))?;
    if !g.quiet {
        println!(
            "wrote {} (sweep.csv, sensitivity.csv): {} {} samples of {} day(s), {} run(s) each",
            out.display(),
            t.rows.len(),
            opts.method.as_str(),
            opts.days.unwrap_or(scenario.days),
            opts.replicates
        );
    }
    print!("{}", table(&t));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_ensemble::{SensitivityIndex, SweepRow};

    #[test]
    fn table_layout() {
        let idx = |output: &str, param: &str, index: &'static str, value| SensitivityIndex {
            output: output.into(),
            param: param.into(),
            index,
            value,
        };
        let t = SweepTable {
            method: SweepMethod::Lhs,
            params: vec![
                ParamRange {
                    name: "a".into(),
                    low: 0.0,
                    high: 1.0,
                },
                ParamRange {
                    name: "bb".into(),
                    low: 1.0,
                    high: 2.0,
                },
            ],
            outputs: vec!["ard".into()],
            rows: vec![SweepRow {
                sample: 0,
                params: vec![0.5, 1.5],
                outputs: vec![0.3],
            }],
            indices: vec![
                idx("ard", "a", "SRC", 0.91234),
                idx("ard", "bb", "SRC", f64::NAN),
                idx("ard", "", "R2", 0.5),
            ],
        };
        assert_eq!(
            table(&t),
            "output  parameter    SRC     R2\n\
             ard     a          0.912  0.500\n\
             ard     bb           n/a  0.500\n"
        );
    }

    #[test]
    fn malformed_params_are_bad_input() {
        let e = parse_params(&["camp_weight".into()]).unwrap_err();
        assert_eq!(crate::exit::code(&e), crate::exit::BAD_INPUT);
        assert_eq!(
            parse_params(&["move_rules.camp_weight=1:4".into()]).unwrap()[0].high,
            4.0
        );
    }
}
