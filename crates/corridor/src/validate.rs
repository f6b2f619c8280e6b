//! How well runs reproduce the observed camp data
//! (`corridor_calibrate::validate_with`): the ARD and rescaled ARD (mean ± sd over
//! several seeds), per-camp errors and the MASE against naive forecasts
//! (docs/validation.md); writes `<out>/<instance>/validation.json` per input.
//!
//! Invariants: member `i` of an input uses seed `member_seed(seed, i)`, where the
//! seed is the requested one, else the input's scenario seed, else 1; results
//! depend only on the inputs and the request, never on the thread count. Two
//! inputs with the same scenario name get distinct folders (`name`, `name-2`, ...).

use crate::error::{Result, ResultExt};
use crate::input::{folder_name, Input, OUT_ROOT};
use corridor_calibrate::{ValidateOptions, Validation};
use corridor_io::write::write_atomic;
use corridor_model::{metrics, EngineKind};
use std::path::{Path, PathBuf};

/// What `validate` is asked to do.
#[derive(Debug, Clone)]
pub struct ValidateRequest {
    /// Runs (seeds) per input.
    pub runs: usize,
    /// `None`: each input's scenario seed, else 1.
    pub seed: Option<u64>,
    pub days: Option<u32>,
    pub engine: EngineKind,
    /// `None`: `corridor-out/validation`.
    pub out: Option<PathBuf>,
}

/// One input's validation and where its validation.json was written.
#[derive(Debug, Clone)]
pub struct Validated {
    pub validation: Validation,
    pub path: PathBuf,
}

/// Validates every input in order and writes its validation.json.
pub fn validate(inputs: &[Input], req: &ValidateRequest) -> Result<Vec<Validated>> {
    let out = req
        .out
        .clone()
        .unwrap_or_else(|| Path::new(OUT_ROOT).join("validation"));
    let mut results: Vec<Validated> = Vec::with_capacity(inputs.len());
    let mut folders: Vec<String> = Vec::new();
    for input in inputs {
        let opts = ValidateOptions {
            runs: req.runs,
            seed: input.seed(req.seed),
            days: req.days,
            engine: req.engine,
        };
        let v = corridor_calibrate::validate_with(&input.scenario, &opts)
            .with_context(|| format!("validating {}", input.source))?;
        let mut folder = folder_name(&v.scenario);
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
        results.push(Validated {
            validation: v,
            path,
        });
    }
    Ok(results)
}

fn cell(values: &[f64]) -> String {
    if values.is_empty() {
        return "no camp data".into();
    }
    let (m, sd) = metrics::mean_sd(values);
    format!("{m:.4} ± {sd:.4}")
}

/// The summary table: one line per input (name, days, runs, ARD and rescaled
/// ARD as mean ± sd over the runs).
pub fn summary_table(results: &[Validated]) -> String {
    let rows: Vec<[String; 5]> = results
        .iter()
        .map(|r| {
            let v = &r.validation;
            [
                v.scenario.clone(),
                v.days.to_string(),
                v.runs.to_string(),
                cell(&v.ard.values),
                cell(&v.ard_rescaled.values),
            ]
        })
        .collect();
    table(&rows)
}

fn table(body: &[[String; 5]]) -> String {
    let header = [
        "instance",
        "days",
        "runs",
        "ARD mean ± sd",
        "ARD rescaled mean ± sd",
    ];
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
    for r in body {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_layout() {
        let s = |x: &str| x.to_string();
        let rows = [
            [
                s("mali2012"),
                s("300"),
                s("2"),
                cell(&[0.35, 0.36]),
                cell(&[0.3, 0.3]),
            ],
            [s("x"), s("5"), s("1"), cell(&[]), cell(&[])],
        ];
        assert_eq!(
            table(&rows),
            "instance  days  runs  ARD mean ± sd    ARD rescaled mean ± sd\n\
             mali2012   300     2  0.3550 ± 0.0071  0.3000 ± 0.0000\n\
             x            5     1  no camp data     no camp data\n"
        );
    }

    #[test]
    fn same_names_get_distinct_folders_and_seeds_resolve_per_input() {
        let tmp = tempfile::tempdir().unwrap();
        let mali = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012");
        let input = crate::input::load(Some(&mali)).unwrap();
        let req = ValidateRequest {
            runs: 1,
            seed: None,
            days: Some(5),
            engine: EngineKind::Agents,
            out: Some(tmp.path().to_path_buf()),
        };
        let r = validate(&[input.clone(), input], &req).unwrap();
        assert_eq!(r[0].path, tmp.path().join("mali2012/validation.json"));
        assert_eq!(r[1].path, tmp.path().join("mali2012-2/validation.json"));
        assert!(r[1].path.is_file());
        assert_eq!(r[0].validation.to_json(), r[1].validation.to_json());
        assert!(summary_table(&r).starts_with("instance  days  runs"));
    }

    /// Without a requested seed each input's own seed is used, else 1.
    #[test]
    fn the_seed_is_the_requested_one_else_the_scenarios_else_one() {
        let tmp = tempfile::tempdir().unwrap();
        let mali = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012");
        let mut input = crate::input::load(Some(&mali)).unwrap();
        let json = |input: &Input, seed: Option<u64>, out: &str| {
            let req = ValidateRequest {
                runs: 1,
                seed,
                days: Some(20),
                engine: EngineKind::Agents,
                out: Some(tmp.path().join(out)),
            };
            validate(std::slice::from_ref(input), &req).unwrap()[0]
                .validation
                .to_json()
        };
        let one = json(&input, None, "a");
        assert_eq!(one, json(&input, Some(1), "b"));
        input.seed = Some(5);
        let five = json(&input, None, "c");
        assert_eq!(five, json(&input, Some(5), "d"));
        assert_ne!(five, one);
    }
}
