//! Parameter sweeps: run the model over a sampling design of parameter values and
//! estimate how much each parameter drives each key output.
//!
//! A sample's parameters come from the design (Latin hypercube or Saltelli, see
//! [`crate::design`]) scaled linearly to `[low, high]` and applied with
//! [`set_params`]: any name of `corridor_model::params`, Flee settings and border
//! levers alike (absolute values before scales). Every sample uses the same member seeds (common random
//! numbers: replicate r runs with [`member_seed`]`(seed, r)`), so differences
//! between samples come from the parameters, not from different random draws;
//! with `replicates > 1` a sample's outputs are the means over its replicates.
//!
//! Key outputs, on the last recorded day unless said otherwise:
//! `ard`, `ard_rescaled` (whole run; only when the scenario has camp data),
//! `in_camps` (agents at camps), `spawned` (cumulative agents created), and
//! `admitted`, `encountered` (cumulative; only for scenarios with border processes).
//!
//! Files: `sweep.csv` (`sample,<param>...,<output>...`, one row per design row, in
//! design order) and `sensitivity.csv` (`output,param,index,value`, index = `S1`,
//! `ST` for Sobol or `SRC` and `R2` for Latin hypercube).

use crate::design::{latin_hypercube, SaltelliDesign};
use crate::ensemble::{member_seed, Simulator};
use crate::error::EnsembleError;
use crate::metrics::CampObservations;
use crate::params::{get_param, set_param, set_params};
use crate::sensitivity::{sobol_jansen, standardized_regression};
use crate::write::{atomic_write, fmt_num};
use corridor_model::settings::table;
use corridor_model::{params, simulate, EngineKind, RunOptions, RunOutput, Scenario};
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One swept parameter and its range.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRange {
    /// A name accepted by [`set_param`].
    pub name: String,
    pub low: f64,
    pub high: f64,
}

impl ParamRange {
    /// Parses `NAME=LOW..HIGH` or `NAME=LOW:HIGH` (the `--param` syntax of every
    /// command), e.g. `move_rules.camp_weight=1..4`, and checks the name and both
    /// ends against the parameter list of `corridor_model::params` (whole-number
    /// settings: the rounded ends). Whether the scenario has the lever is checked
    /// when it is used.
    pub fn parse(s: &str) -> Result<ParamRange, EnsembleError> {
        let bad = |reason: &str| {
            invalid(
                "param",
                format!("`{s}`: {reason} (expected NAME=LOW:HIGH or NAME=LOW..HIGH)"),
            )
        };
        let (name, range) = s.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let name = name.trim();
        let (low, high) = range
            .split_once("..")
            .or_else(|| range.split_once(':'))
            .ok_or_else(|| bad("no `..` or `:` in the range"))?;
        let num = |v: &str| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(&format!("`{v}` is not a number")))
        };
        let (low, high) = (num(low)?, num(high)?);
        if low > high {
            return Err(bad("LOW is above HIGH"));
        }
        let domain = params::range_of(name).map_err(EnsembleError::from)?;
        let whole = table::find(name).is_some_and(|d| d.is_integer());
        for v in [low, high] {
            let v = if whole { v.round() } else { v };
            if !domain.contains(v) {
                let noun = if whole { "a whole number" } else { "a number" };
                return Err(bad(&format!(
                    "{v} is outside the range of {name}: expected {}",
                    domain.describe(noun)
                )));
            }
        }
        Ok(ParamRange {
            name: name.to_string(),
            low,
            high,
        })
    }
}

impl std::str::FromStr for ParamRange {
    type Err = EnsembleError;

    /// [`ParamRange::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ParamRange::parse(s)
    }
}

/// How the parameter space is sampled and which indices are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepMethod {
    /// `samples` rows of a Latin hypercube; standardised regression coefficients.
    Lhs,
    /// Saltelli's design with base size `samples` (samples·(k + 2) runs); Sobol
    /// first-order and total indices with Jansen's estimators.
    Sobol,
}

impl SweepMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SweepMethod::Lhs => "lhs",
            SweepMethod::Sobol => "sobol",
        }
    }
}

impl std::str::FromStr for SweepMethod {
    type Err = EnsembleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lhs" => Ok(SweepMethod::Lhs),
            "sobol" => Ok(SweepMethod::Sobol),
            _ => Err(invalid("method", format!("`{s}`: expected lhs or sobol"))),
        }
    }
}

/// Options of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepOptions {
    pub method: SweepMethod,
    /// LHS: number of rows; Sobol: base sample size N.
    pub samples: usize,
    pub seed: u64,
    pub engine: EngineKind,
    pub days: Option<u32>,
    /// Runs per sample (≥ 1), averaged.
    pub replicates: usize,
}

impl SweepOptions {
    pub fn new(method: SweepMethod, samples: usize, seed: u64) -> Self {
        SweepOptions {
            method,
            samples,
            seed,
            engine: EngineKind::Agents,
            days: None,
            replicates: 1,
        }
    }
}

/// One row of the design and the outputs it produced.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    pub sample: usize,
    /// Parameter values as set (integers rounded).
    pub params: Vec<f64>,
    pub outputs: Vec<f64>,
}

/// One sensitivity index.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityIndex {
    pub output: String,
    /// Empty for indices of the whole fit (`R2`).
    pub param: String,
    /// `S1`, `ST`, `SRC` or `R2`.
    pub index: &'static str,
    pub value: f64,
}

/// The result of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    pub method: SweepMethod,
    pub params: Vec<ParamRange>,
    pub outputs: Vec<String>,
    pub rows: Vec<SweepRow>,
    pub indices: Vec<SensitivityIndex>,
}

fn invalid(option: &str, reason: String) -> EnsembleError {
    EnsembleError::InvalidOption {
        option: option.to_string(),
        reason,
    }
}

/// Runs a sweep with the model's engine.
pub fn sweep(
    scenario: &Scenario,
    params: &[ParamRange],
    opts: &SweepOptions,
) -> Result<SweepTable, EnsembleError> {
    sweep_with(scenario, params, opts, &simulate, &|_, _| {})
}

/// Runs a sweep with a given simulator; `progress(done, total)` after each run.
pub fn sweep_with(
    scenario: &Scenario,
    params: &[ParamRange],
    opts: &SweepOptions,
    simulator: &Simulator,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<SweepTable, EnsembleError> {
    if params.is_empty() {
        return Err(invalid(
            "params",
            "a sweep needs at least one parameter".into(),
        ));
    }
    for (i, p) in params.iter().enumerate() {
        get_param(scenario, &p.name)?;
        if params[..i].iter().any(|q| q.name == p.name) {
            return Err(invalid("params", format!("{} is listed twice", p.name)));
        }
        if !(p.low.is_finite() && p.high.is_finite() && p.low <= p.high) {
            return Err(invalid(
                &p.name,
                format!(
                    "range [{}, {}] must be finite with low ≤ high",
                    p.low, p.high
                ),
            ));
        }
        // Both ends must be acceptable values, so no run fails half-way.
        let mut probe = scenario.clone();
        set_param(&mut probe, &p.name, p.low)?;
        set_param(&mut probe, &p.name, p.high)?;
    }
    let min = if opts.method == SweepMethod::Lhs {
        params.len() + 2
    } else {
        2
    };
    if opts.samples < min {
        return Err(invalid(
            "samples",
            format!("{} needs at least {min} samples", opts.method.as_str()),
        ));
    }
    if opts.replicates == 0 {
        return Err(invalid("replicates", "must be at least 1".into()));
    }
    let k = params.len();
    let unit = match opts.method {
        SweepMethod::Lhs => latin_hypercube(k, opts.samples, opts.seed),
        SweepMethod::Sobol => SaltelliDesign::new(k, opts.samples, opts.seed).rows,
    };
    let days = opts.days.unwrap_or(scenario.days);
    let observations = CampObservations::new(scenario, days);
    let with_border = !scenario.border.is_empty();
    let mut outputs: Vec<String> = Vec::new();
    if observations.is_some() {
        outputs.extend(["ard".into(), "ard_rescaled".into()]);
    }
    outputs.extend(["in_camps".into(), "spawned".into()]);
    if with_border {
        outputs.extend(["admitted".into(), "encountered".into()]);
    }
    let camps = scenario.camp_locations();
    let key_outputs = |run: &RunOutput| -> Vec<f64> {
        let mut v = Vec::with_capacity(outputs.len());
        if let Some(o) = &observations {
            let a = o.ard(run);
            v.push(a.map_or(f64::NAN, |a| a.ard));
            v.push(a.map_or(f64::NAN, |a| a.ard_rescaled));
        }
        let last = run.days.last();
        let in_camps: u64 = last.map_or(0, |r| {
            camps
                .iter()
                .map(|&c| r.population.get(c).copied().unwrap_or(0))
                .sum()
        });
        v.push(in_camps as f64);
        v.push(last.map_or(0, |r| r.accounting.spawned) as f64);
        if with_border {
            v.push(last.map_or(0, |r| r.accounting.admitted) as f64);
            v.push(last.map_or(0, |r| r.accounting.encountered) as f64);
        }
        v
    };
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    let total = unit.len() * opts.replicates;
    let done = AtomicUsize::new(0);
    let rows: Vec<SweepRow> = unit
        .par_iter()
        .enumerate()
        .map(|(sample, u)| -> Result<SweepRow, EnsembleError> {
            let mut s = scenario.clone();
            let x: Vec<f64> = params
                .iter()
                .zip(u)
                .map(|(p, &x)| p.low + x * (p.high - p.low))
                .collect();
            let values = set_params(&mut s, &names, &x)?;
            let mut sum = vec![0.0; outputs.len()];
            for r in 0..opts.replicates {
                #[allow(clippy::needless_update)]
                let ro = RunOptions {
                    seed: member_seed(opts.seed, r),
                    days: opts.days,
                    engine: opts.engine,
                    ..RunOptions::default()
                };
                let run = simulator(&s, &ro).map_err(|source| EnsembleError::Member {
                    member: sample,
                    seed: ro.seed,
                    source,
                })?;
                for (acc, v) in sum.iter_mut().zip(key_outputs(&run)) {
                    *acc += v;
                }
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            }
            Ok(SweepRow {
                sample,
                params: values,
                outputs: sum.iter().map(|v| v / opts.replicates as f64).collect(),
            })
        })
        .collect::<Result<_, _>>()?;
    let indices = sensitivity_indices(opts, params, &outputs, &unit, &rows);
    Ok(SweepTable {
        method: opts.method,
        params: params.to_vec(),
        outputs,
        rows,
        indices,
    })
}

fn sensitivity_indices(
    opts: &SweepOptions,
    params: &[ParamRange],
    outputs: &[String],
    unit: &[Vec<f64>],
    rows: &[SweepRow],
) -> Vec<SensitivityIndex> {
    let mut out = Vec::new();
    for (o, name) in outputs.iter().enumerate() {
        let y: Vec<f64> = rows.iter().map(|r| r.outputs[o]).collect();
        let idx = |param: &str, index, value| SensitivityIndex {
            output: name.clone(),
            param: param.to_string(),
            index,
            value,
        };
        match opts.method {
            SweepMethod::Sobol => {
                let s = sobol_jansen(&y, opts.samples, params.len());
                for (i, p) in params.iter().enumerate() {
                    out.push(idx(&p.name, "S1", s.first[i]));
                    out.push(idx(&p.name, "ST", s.total[i]));
                }
            }
            SweepMethod::Lhs => {
                // Regress on the unit design (a linear rescaling does not change
                // standardised coefficients) so rounding of integer parameters
                // cannot make a column constant.
                let src = standardized_regression(unit, &y);
                for (i, p) in params.iter().enumerate() {
                    let v = src.as_ref().map_or(f64::NAN, |s| s.coefficients[i]);
                    out.push(idx(&p.name, "SRC", v));
                }
                out.push(idx("", "R2", src.as_ref().map_or(f64::NAN, |s| s.r2)));
            }
        }
    }
    out
}

impl SweepTable {
    /// `sweep.csv`: `sample,<param>...,<output>...`; parameters with full precision.
    pub fn write_samples(&self, w: &mut dyn Write) -> std::io::Result<()> {
        let header: Vec<&str> = std::iter::once("sample")
            .chain(self.params.iter().map(|p| p.name.as_str()))
            .chain(self.outputs.iter().map(|s| s.as_str()))
            .collect();
        writeln!(w, "{}", header.join(","))?;
        for r in &self.rows {
            let mut line = r.sample.to_string();
            for v in &r.params {
                line.push(',');
                line.push_str(&v.to_string());
            }
            for v in &r.outputs {
                line.push(',');
                line.push_str(&fmt_num(*v));
            }
            writeln!(w, "{line}")?;
        }
        Ok(())
    }

    /// `sensitivity.csv`: `output,param,index,value`.
    pub fn write_indices(&self, w: &mut dyn Write) -> std::io::Result<()> {
        writeln!(w, "output,param,index,value")?;
        for i in &self.indices {
            writeln!(
                w,
                "{},{},{},{}",
                i.output,
                i.param,
                i.index,
                fmt_num(i.value)
            )?;
        }
        Ok(())
    }

    /// Writes `sweep.csv` and `sensitivity.csv` into `dir` (created if missing).
    pub fn write_dir(&self, dir: &Path) -> Result<(), EnsembleError> {
        std::fs::create_dir_all(dir).map_err(|source| EnsembleError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        atomic_write(&dir.join("sweep.csv"), |w| self.write_samples(w))?;
        atomic_write(&dir.join("sensitivity.csv"), |w| self.write_indices(w))
    }

    /// A sensitivity index by output, parameter and index name.
    pub fn index(&self, output: &str, param: &str, index: &str) -> Option<f64> {
        self.indices
            .iter()
            .find(|i| i.output == output && i.param == param && i.index == index)
            .map(|i| i.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_param_ranges_and_methods() {
        let p: ParamRange = "move_rules.camp_weight=1:4.5".parse().unwrap();
        assert_eq!(
            p,
            ParamRange {
                name: "move_rules.camp_weight".into(),
                low: 1.0,
                high: 4.5
            }
        );
        for bad in [
            "camp_weight",
            "move_rules.camp_weight=1",
            "move_rules.camp_weight=a:2",
            "move_rules.camp_weight=1:",
            "move_rules.camp_weight=1..",
            "move_rules.camp_weight=4..1",
            "move_rules.camp_weight=-1..1",
            "move_rules.capacity_buffer=0.5..1.5",
            "move_rules.camp_weight=1..inf",
        ] {
            let e = ParamRange::parse(bad).unwrap_err();
            assert!(e.is_bad_input() && e.to_string().contains(bad), "{e}");
        }
        // Both syntaxes, border levers too; names are checked.
        let a = ParamRange::parse("crossings.hazard_scale=0.6..2").unwrap();
        let b = ParamRange::parse("crossings.hazard_scale=0.6:2").unwrap();
        assert_eq!(a, b);
        assert_eq!((a.low, a.high), (0.6, 2.0));
        let c = ParamRange::parse("crossing.Ciudad Juárez.hazard=0.05..0.5").unwrap();
        assert_eq!(c.name, "crossing.Ciudad Juárez.hazard");
        let e = ParamRange::parse("move_rules.camp_wieght=1..2").unwrap_err();
        assert!(e.to_string().contains("unknown parameter"), "{e}");
        // Whole-number settings are checked on the rounded ends.
        assert!(ParamRange::parse("spawn_rules.conflict_spawn_decay_interval=0.6..3").is_ok());
        assert!(ParamRange::parse("move_rules.awareness_level=0..101").is_err());
        assert_eq!("sobol".parse::<SweepMethod>().unwrap(), SweepMethod::Sobol);
        assert_eq!("lhs".parse::<SweepMethod>().unwrap(), SweepMethod::Lhs);
        assert!("morris".parse::<SweepMethod>().is_err());
    }
}
