//! Sensitivity of the key outputs to named model parameters
//! (`corridor_ensemble::sweep_with`): a Latin hypercube with standardised
//! regression coefficients, or Saltelli's design with Sobol indices; writes
//! `sweep.csv` and `sensitivity.csv`. Also the one parser of parameter ranges
//! every operation uses ([`parse_param`]).
//!
//! Invariants: every design row uses the same member seeds (common random
//! numbers) and rows are collected in design order, so both files are identical
//! for any thread count. Parameter names and ranges are checked before anything
//! runs (unknown names and values outside a parameter's domain are bad input).

use crate::error::{Result, ResultExt};
use crate::input::{default_out_dir, Input};
use corridor_ensemble::{ParamRange, SweepMethod, SweepOptions, SweepTable};
use corridor_io::write::{OutputKind, MANIFEST_FILE};
use corridor_model::EngineKind;
use std::path::PathBuf;

/// Parses a parameter range, `NAME=LOW..HIGH` or `NAME=LOW:HIGH`, with the
/// library's parser (`ParamRange::parse`, which also checks the name against the
/// parameter list); a malformed one is bad input.
pub fn parse_param(s: &str) -> Result<ParamRange> {
    ParamRange::parse(s).context("parameter range")
}

/// Parses every range (see [`parse_param`]).
pub fn parse_params<S: AsRef<str>>(raw: &[S]) -> Result<Vec<ParamRange>> {
    raw.iter().map(|s| parse_param(s.as_ref())).collect()
}

/// What `sweep` is asked to do.
#[derive(Debug, Clone)]
pub struct SweepRequest {
    pub params: Vec<ParamRange>,
    pub method: SweepMethod,
    /// Rows of the Latin hypercube, or Sobol's base sample size.
    pub samples: usize,
    /// Seed of the design and of the runs; `None`: the scenario's seed, else 1.
    pub seed: Option<u64>,
    /// Runs per design row, averaged.
    pub runs: usize,
    pub days: Option<u32>,
    pub engine: EngineKind,
    pub variant: Option<String>,
    /// `None`: `corridor-out/<name>[-<variant>]-sweep`.
    pub out: Option<PathBuf>,
}

/// A finished sweep.
#[derive(Debug, Clone)]
pub struct SweepResult {
    pub table: SweepTable,
    pub options: SweepOptions,
    /// Days simulated per run.
    pub days: u32,
    pub out_dir: PathBuf,
    pub files: Vec<String>,
}

/// Runs the sweep and writes its directory; `on_run` after each run.
pub fn sweep(input: &Input, req: &SweepRequest, on_run: &(dyn Fn() + Sync)) -> Result<SweepResult> {
    let variant = req.variant.as_deref();
    let scenario = input.with_variant(variant)?;
    let options = SweepOptions {
        method: req.method,
        samples: req.samples,
        seed: input.seed(req.seed),
        engine: crate::engine_for(&scenario, req.days, req.engine),
        days: req.days,
        replicates: req.runs,
    };
    let out_dir = req
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&scenario.name, variant, "sweep"));
    crate::check_out_dir(&out_dir)?;
    let table = corridor_ensemble::sweep_with(
        &scenario,
        &req.params,
        &options,
        &corridor_model::simulate,
        &|_, _| on_run(),
    )
    .with_context(|| format!("sweep of {}", scenario.name))?;
    crate::write_whole(&out_dir, OutputKind::Sweep, false, |dir| {
        table
            .write_dir(dir)
            .with_context(|| format!("writing the sweep to {}", out_dir.display()))
    })?;
    Ok(SweepResult {
        table,
        days: options.days.unwrap_or(scenario.days),
        options,
        out_dir,
        files: vec![
            "sweep.csv".into(),
            "sensitivity.csv".into(),
            MANIFEST_FILE.into(),
        ],
    })
}

impl SweepResult {
    /// The "wrote" line.
    pub fn wrote_line(&self) -> String {
        format!(
            "wrote {} ({}): {} {} samples of {} day(s), {} run(s) each",
            self.out_dir.display(),
            self.files.join(", "),
            self.table.rows.len(),
            self.options.method.as_str(),
            self.days,
            self.options.replicates
        )
    }
}

/// The sensitivity table: one line per output and parameter, one column per index
/// (`SRC` and the fit's `R2` for lhs, `S1` and `ST` for sobol).
pub fn sensitivity_table(t: &SweepTable) -> String {
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
    crate::text::aligned_left(&header, &rows, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_ensemble::{SensitivityIndex, SweepRow};

    #[test]
    fn both_range_syntaxes() {
        let a = parse_param("move_rules.camp_weight=1..4").unwrap();
        let b = parse_param("move_rules.camp_weight=1:4").unwrap();
        assert_eq!(a, b);
        assert_eq!((a.low, a.high), (1.0, 4.0));
        let c = parse_param("inflows.scale=0.25..1.5").unwrap();
        assert_eq!((c.low, c.high), (0.25, 1.5));
        for bad in ["x=1..", "x", "x=a:b", "no_such_param=0:1"] {
            let e = parse_param(bad).unwrap_err();
            assert!(e.is_bad_input(), "{bad}: {e}");
        }
        let two = ["move_rules.camp_weight=0:1", "inflows.scale=2..3"];
        assert_eq!(parse_params(&two).unwrap()[1].low, 2.0);
    }

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
            sensitivity_table(&t),
            "output  parameter    SRC     R2\n\
             ard     a          0.912  0.500\n\
             ard     bb           n/a  0.500\n"
        );
    }
}
