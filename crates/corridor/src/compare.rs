//! Policy variants of one scenario side by side, as one typed pipeline:
//! [`plan_variants`] checks the variants, [`run_variant`] runs one (a run
//! directory, or with `runs > 1` an ensemble directory) and returns its
//! [`VariantResult`] (key numbers and month totals per member), [`compare`]
//! runs them all into a [`Comparison`], which renders compare.json
//! ([`Comparison::to_json`]) and the terminal tables.
//!
//! Variants run in parallel (rayon) with the same seed, so differences come from
//! the policy, not from the draws (common random numbers: member i of every
//! variant has the same seed). For single runs compare.json is
//! `corridor_io::write::render_compare_json`; for ensembles every key number is
//! `{mean, sd, p5, p50, p95}` over the members (people; null when undefined) and
//! `monthly` holds the ensemble means, plus a top-level `runs`.
//!
//! Invariants: every variant name is checked before anything runs (unknown names
//! are bad input); results are collected in the order of the variant list
//! whatever the thread count, so compare.json is byte-identical across runs;
//! compare.json is removed first and written last, so it exists only for a
//! complete comparison.

use crate::ensemble::{ensemble_options, ensemble_to_dir, EnsemblePlan};
use crate::error::{Error, Result, ResultExt};
use crate::input::{default_out_dir, folder_name, Input};
use crate::run::{run_to_dir, RunPlan, SimOptions};
use crate::text::{aligned, thousands};
use corridor_ensemble::member_seed;
use corridor_ensemble::stats::{mean_month_totals, KeyNumberStats};
use corridor_io::write::{
    key_numbers, month_totals, render_compare_json, write_atomic, CompareEntry, InputKind,
    KeyNumbers, MonthTotals, OutputKind,
};
use corridor_model::{EngineKind, ModelError, RunOptions, RunOutput, Scenario};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What `compare` is asked to do.
#[derive(Debug, Clone)]
pub struct CompareRequest {
    /// Variants in this order; empty: all, in file order.
    pub variants: Vec<String>,
    /// `None`: the scenario's seed, else 1.
    pub seed: Option<u64>,
    /// Runs per variant; more than 1 makes each variant an ensemble.
    pub runs: usize,
    pub days: Option<u32>,
    pub engine: EngineKind,
    /// `None`: `corridor-out/<name>-compare`.
    pub out: Option<PathBuf>,
}

/// One variant to run, checked.
#[derive(Debug, Clone)]
pub struct PlannedVariant {
    pub name: String,
    /// Its directory, relative to the compare directory.
    pub folder: String,
    pub description: String,
    /// What the variant changes, each event dated and in words (`Event::describe`).
    pub events: Vec<String>,
    /// The scenario with the variant applied.
    pub scenario: Scenario,
}

/// The variants to run, checked: known, not repeated, distinct folder names.
pub fn plan_variants(input: &Input, wanted: &[String]) -> Result<Vec<PlannedVariant>> {
    if input.kind != InputKind::Scenario {
        return Err(Error::bad(format!(
            "{}: compare needs a corridor scenario (scenario.toml) with [[variants]]",
            input.source
        )));
    }
    let all = input.variant_names();
    if all.is_empty() {
        return Err(Error::bad(format!(
            "{}: the scenario defines no [[variants]]; nothing to compare",
            input.source
        )));
    }
    let names: Vec<String> = if wanted.is_empty() {
        all
    } else {
        wanted.iter().map(|s| s.trim().to_string()).collect()
    };
    let mut out: Vec<PlannedVariant> = Vec::with_capacity(names.len());
    for name in names {
        let scenario = input.with_variant(Some(&name))?;
        let folder = folder_name(&name);
        if let Some(prev) = out.iter().find(|v| v.name == name || v.folder == folder) {
            let why = if prev.name == name {
                format!("variant '{name}' is listed twice")
            } else {
                format!(
                    "variants '{}' and '{name}' would share the folder '{folder}'",
                    prev.name
                )
            };
            return Err(Error::bad(why));
        }
        let def = input.scenario.border.variant(&name);
        let description = def.map(|v| v.description.clone()).unwrap_or_default();
        let events = def.map_or_else(Vec::new, |v| {
            v.events
                .iter()
                .map(|e| e.describe(&input.scenario))
                .collect()
        });
        out.push(PlannedVariant {
            name,
            folder,
            description,
            events,
            scenario,
        });
    }
    Ok(out)
}

/// The key numbers and month totals of one run (one member).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberKeys {
    pub key_numbers: KeyNumbers,
    pub monthly: Vec<MonthTotals>,
}

impl MemberKeys {
    fn of(scenario: &Scenario, run: &RunOutput) -> Result<MemberKeys> {
        Ok(MemberKeys {
            key_numbers: key_numbers(scenario, run).context("key numbers")?,
            monthly: month_totals(scenario, run),
        })
    }
}

/// One variant's outcome: one member for a single run, `runs` for an ensemble.
#[derive(Debug, Clone)]
pub struct VariantResult {
    pub name: String,
    pub dir: String,
    pub description: String,
    /// What the variant changes (see [`PlannedVariant::events`]).
    pub events: Vec<String>,
    /// In member order.
    pub members: Vec<MemberKeys>,
    /// The runs' warnings (reader warnings are the input's).
    pub warnings: Vec<String>,
}

/// A finished comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub scenario: String,
    pub seed: u64,
    pub runs: usize,
    pub out_dir: PathBuf,
    /// In the order of the variant list.
    pub variants: Vec<VariantResult>,
}

/// Runs one planned variant into `out/<folder>`: a run directory when
/// `runs == 1`, else an ensemble directory.
pub fn run_variant(
    input: &Input,
    v: &PlannedVariant,
    sim: &SimOptions,
    runs: usize,
    out: &Path,
) -> Result<VariantResult> {
    let (members, warnings) = if runs <= 1 {
        let plan = RunPlan {
            scenario: v.scenario.clone(),
            variant: Some(v.name.clone()),
            sim: *sim,
            out_dir: out.join(&v.folder),
        };
        let (output, _) = run_to_dir(input, &plan)?;
        let keys = MemberKeys::of(&v.scenario, &output)?;
        (vec![keys], output.warnings)
    } else {
        run_members(input, v, sim, runs, out)?
    };
    Ok(VariantResult {
        name: v.name.clone(),
        dir: v.folder.clone(),
        description: v.description.clone(),
        events: v.events.clone(),
        members,
        warnings,
    })
}

/// Key numbers of one member, or why they could not be computed.
type MemberSlot = Option<std::result::Result<MemberKeys, String>>;

/// A variant as an ensemble: its directory, and each member's key numbers taken
/// as the member finishes (the ensemble keeps only statistics per cell).
fn run_members(
    input: &Input,
    v: &PlannedVariant,
    sim: &SimOptions,
    runs: usize,
    out: &Path,
) -> Result<(Vec<MemberKeys>, Vec<String>)> {
    let plan = EnsemblePlan {
        scenario: v.scenario.clone(),
        variant: Some(v.name.clone()),
        options: ensemble_options(runs, sim),
        out_dir: out.join(&v.folder),
    };
    let seeds: Vec<u64> = (0..runs).map(|i| member_seed(sim.seed, i)).collect();
    let slots: Arc<Mutex<Vec<MemberSlot>>> = Arc::new(Mutex::new(vec![None; runs]));
    // The library's `Simulator` is `'static`, hence the owned state.
    let sink = Arc::clone(&slots);
    let simulator =
        move |s: &Scenario, ro: &RunOptions| -> std::result::Result<RunOutput, ModelError> {
            let run = corridor_model::simulate(s, ro)?;
            if let Some(i) = seeds.iter().position(|&x| x == ro.seed) {
                let k = MemberKeys::of(s, &run).map_err(|e| e.chain_text());
                sink.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(k);
            }
            Ok(run)
        };
    let (ens, _) = ensemble_to_dir(input, &plan, &simulator, &|| {})?;
    let members = std::mem::take(&mut *slots.lock().unwrap_or_else(|e| e.into_inner()))
        .into_iter()
        .enumerate()
        .map(|(i, k)| match k {
            Some(Ok(k)) => Ok(k),
            Some(Err(e)) => Err(Error::Io {
                context: format!("key numbers of member {i}"),
                source: std::io::Error::other(e),
            }),
            None => Err(Error::Io {
                context: format!("member {i}"),
                source: std::io::Error::other("was not run"),
            }),
        })
        .collect::<Result<_>>()?;
    Ok((members, ens.warnings))
}

/// Plans, runs every variant (in parallel; `on_variant` after each) and writes
/// compare.json and report.html into the output directory.
pub fn compare(
    input: &Input,
    req: &CompareRequest,
    on_variant: &(dyn Fn() + Sync),
) -> Result<Comparison> {
    let plan = plan_variants(input, &req.variants)?;
    let sim = SimOptions {
        seed: input.seed(req.seed),
        days: req.days,
        engine: req.engine,
    };
    let out = req
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&input.scenario.name, None, "compare"));
    crate::check_out_dir(&out)?;
    // The whole directory (variants, compare.json, report) is built aside and
    // swapped in at the end.
    crate::write_whole(&out.clone(), OutputKind::Compare, true, |stage| {
        let results: Vec<Result<VariantResult>> = plan
            .par_iter()
            .map(|v| {
                let r = run_variant(input, v, &sim, req.runs, stage)
                    .with_context(|| format!("variant {}", v.name));
                on_variant();
                r
            })
            .collect();
        // The first failure in list order, whatever finished first.
        let variants = results.into_iter().collect::<Result<Vec<_>>>()?;
        let c = Comparison {
            scenario: input.scenario.name.clone(),
            seed: sim.seed,
            runs: req.runs,
            out_dir: out,
            variants,
        };
        let json = c.to_json()?;
        let compare_json = stage.join("compare.json");
        write_atomic(&compare_json, json.as_bytes())
            .with_context(|| format!("writing {}", c.out_dir.join("compare.json").display()))?;
        Ok(c)
    })
}

impl VariantResult {
    /// The compare.json entry of a single-run variant.
    fn entry(&self) -> Result<CompareEntry> {
        let m = self.members.first().ok_or_else(|| Error::Io {
            context: format!("variant {}", self.name),
            source: std::io::Error::other("no run"),
        })?;
        Ok(CompareEntry {
            name: self.name.clone(),
            dir: self.dir.clone(),
            description: self.description.clone(),
            events: self.events.clone(),
            key_numbers: m.key_numbers.clone(),
            monthly: m.monthly.clone(),
        })
    }

    /// The key numbers, each as statistics over the members (one definition:
    /// `corridor_ensemble::stats::KeyNumberStats`).
    fn key_number_stats(&self) -> Value {
        let keys: Vec<KeyNumbers> = self.members.iter().map(|m| m.key_numbers.clone()).collect();
        json!(KeyNumberStats::of(&keys))
    }

    /// Mean admitted and encountered people per month over the members, in the
    /// month order of the first member.
    fn monthly_means(&self) -> Value {
        let months: Vec<Vec<MonthTotals>> =
            self.members.iter().map(|m| m.monthly.clone()).collect();
        json!(mean_month_totals(&months))
    }
}

impl Comparison {
    /// compare.json's text (see the module documentation).
    pub fn to_json(&self) -> Result<String> {
        if self.runs <= 1 {
            let entries = self
                .variants
                .iter()
                .map(VariantResult::entry)
                .collect::<Result<Vec<_>>>()?;
            return render_compare_json(&self.scenario, self.seed, &entries)
                .context("rendering compare.json");
        }
        let doc = json!({
            "scenario": self.scenario,
            "seed": self.seed,
            "runs": self.runs,
            "units": "people",
            "variants": self.variants.iter().map(|v| json!({
                "name": v.name,
                "dir": v.dir,
                "description": v.description,
                "events": v.events,
                "key_numbers": v.key_number_stats(),
                "monthly": v.monthly_means(),
            })).collect::<Vec<_>>(),
        });
        let mut text = serde_json::to_string_pretty(&doc)
            .map_err(std::io::Error::from)
            .context("rendering compare.json")?;
        text.push('\n');
        Ok(text)
    }

    /// The "wrote" line: directory, files and variant folders.
    pub fn wrote_line(&self) -> String {
        let dirs: Vec<&str> = self.variants.iter().map(|v| v.dir.as_str()).collect();
        let mut s = format!(
            "wrote {} (compare.json, report.html; variants: {}",
            self.out_dir.display(),
            dirs.join(", ")
        );
        if self.runs > 1 {
            s.push_str(&format!("; {} runs each", self.runs));
        }
        s.push(')');
        s
    }

    /// The key numbers as a text table (people; mean wait in days): one row per
    /// variant, or for ensembles median (p5–p95) over the runs.
    pub fn table(&self) -> String {
        if self.runs > 1 {
            return self.ensemble_table();
        }
        let header = [
            "variant",
            "admitted",
            "encountered",
            "interception events",
            "peak waiting",
            "mean wait (days)",
        ];
        let rows: Vec<[String; 6]> = self
            .variants
            .iter()
            .filter_map(|v| Some((v, &v.members.first()?.key_numbers)))
            .map(|(v, k)| {
                [
                    v.name.clone(),
                    thousands(k.admitted),
                    thousands(k.encountered),
                    thousands(k.interception_events),
                    thousands(k.peak_waiting_at_border),
                    k.mean_wait_days
                        .map_or_else(|| "-".to_string(), |w| format!("{w:.1}")),
                ]
            })
            .collect();
        aligned(header, &rows)
    }

    fn ensemble_table(&self) -> String {
        let header = [
            "variant",
            "admitted",
            "encountered",
            "interception events",
            "peak waiting",
        ];
        let cell = |values: Vec<f64>| {
            let s = corridor_ensemble::stats::summarize(&values);
            let r = |x: f64| thousands(x.round().max(0.0) as u64);
            format!("{} ({}–{})", r(s.p50), r(s.p5), r(s.p95))
        };
        let rows: Vec<[String; 5]> = self
            .variants
            .iter()
            .map(|v| {
                let c = |f: fn(&KeyNumbers) -> u64| {
                    cell(v.members.iter().map(|m| f(&m.key_numbers) as f64).collect())
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load;

    fn variants_example() -> Input {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/variants");
        load(Some(&p)).unwrap()
    }

    #[test]
    fn planning_checks_names_order_and_folders() {
        let input = variants_example();
        let all = input.variant_names();
        assert!(all.len() >= 2, "{all:?}");
        let plan = plan_variants(&input, &[]).unwrap();
        let names: Vec<&str> = plan.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, all);
        // The given order, names trimmed.
        let wanted = vec![format!(" {} ", all[1]), all[0].clone()];
        let plan = plan_variants(&input, &wanted).unwrap();
        assert_eq!(plan[0].name, all[1]);
        assert_eq!(plan[0].folder, folder_name(&all[1]));
        let twice = plan_variants(&input, &[all[0].clone(), all[0].clone()]).unwrap_err();
        assert!(twice.is_bad_input());
        assert!(twice.to_string().contains("listed twice"), "{twice}");
        let unknown = plan_variants(&input, &["nope".into()]).unwrap_err();
        assert!(unknown.is_bad_input());
        let flee = load(Some(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/flee/mali2012"),
        ))
        .unwrap();
        let e = plan_variants(&flee, &[]).unwrap_err();
        assert!(
            e.is_bad_input() && e.to_string().contains("compare needs"),
            "{e}"
        );
    }

    fn keys(adm: u64, wait: Option<f64>) -> MemberKeys {
        MemberKeys {
            key_numbers: KeyNumbers {
                admitted: adm,
                encountered: 20,
                interception_events: 3,
                people_intercepted: 2,
                peak_waiting_at_border: 1500,
                peak_waiting_date: None,
                final_waiting_at_border: 0,
                mean_wait_days: wait,
                p90_wait_days: None,
            },
            monthly: vec![MonthTotals {
                month: "2023-06".into(),
                admitted: adm,
                encountered: 20,
            }],
        }
    }

    fn comparison(runs: usize, members: Vec<Vec<MemberKeys>>) -> Comparison {
        Comparison {
            scenario: "s".into(),
            seed: 1,
            runs,
            out_dir: PathBuf::from("out"),
            variants: members
                .into_iter()
                .zip(["baseline", "x2"])
                .map(|(members, name)| VariantResult {
                    name: name.into(),
                    dir: name.into(),
                    description: String::new(),
                    events: vec![],
                    members,
                    warnings: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn table_layout() {
        let c = comparison(1, vec![vec![keys(12345, Some(2.26))], vec![keys(0, None)]]);
        assert_eq!(
            c.table(),
            "variant   admitted  encountered  interception events  peak waiting  mean wait (days)\n\
             baseline    12,345           20                    3         1,500               2.3\n\
             x2               0           20                    3         1,500                 -\n"
        );
        assert_eq!(
            c.wrote_line(),
            "wrote out (compare.json, report.html; variants: baseline, x2)"
        );
    }

    #[test]
    fn ensemble_json_has_member_statistics_and_monthly_means() {
        let c = comparison(
            2,
            vec![
                vec![keys(10, Some(1.0)), keys(30, None)],
                vec![keys(0, None), keys(0, None)],
            ],
        );
        let v: Value = serde_json::from_str(&c.to_json().unwrap()).unwrap();
        assert_eq!(v["runs"], 2);
        let k = &v["variants"][0]["key_numbers"];
        assert_eq!(k["admitted"]["mean"], 20.0);
        // Only one member has a mean wait: statistics over that one.
        assert_eq!(k["mean_wait_days"]["mean"], 1.0);
        assert_eq!(
            v["variants"][1]["key_numbers"]["mean_wait_days"],
            Value::Null
        );
        assert_eq!(v["variants"][0]["monthly"][0]["admitted"], 20.0);
        assert!(c.wrote_line().ends_with("; 2 runs each)"));
    }
}
