//! Policy variants of one scenario side by side, as one typed pipeline:
//! [`plan_variants`] checks the variants, [`run_variant`] runs one (a run
//! directory, or with `runs > 1` an ensemble directory) and returns its
//! [`VariantResult`] (key numbers, month totals and daily series per member),
//! [`compare`] runs them all into a [`Comparison`], which renders compare.json
//! ([`Comparison::to_json`]) and the terminal tables.
//!
//! Variants run in parallel (rayon) with the same seed, so differences come from
//! the policy, not from the draws (common random numbers: member i of every
//! variant has the same seed). The CLI's default is an ensemble of 20 members per
//! variant on the count engine, so that every difference comes with its band.
//!
//! What compare.json says (counts in people, waits in days):
//! * `window`: peaks and waits are measured over one window common to every
//!   compared variant, from the earliest first event among them to the end
//!   (the whole run when no variant has an event). Before that day every
//!   variant is the same scenario with the same draws, so a peak there would
//!   read "no change" whatever the policy; totals, interceptions and the final
//!   count are over the whole run;
//! * per variant, `key_numbers`: plain numbers for a single run, else
//!   `{mean, sd, p5, p50, p95}` over the members (null when undefined); `monthly`:
//!   month totals (ensemble means);
//! * per variant after the first (the baseline), `difference`: each key number's
//!   paired differences member by member (variant − baseline, same seed) as
//!   `{mean, p5, p50, p95, within_noise}`; `within_noise` is true when the
//!   p5–p95 band contains 0, null for a single run (one pair says nothing
//!   about noise); and `difference_by_day`: the same for people waiting at the
//!   border, admitted (cumulative) and encountered (cumulative) on each day, as
//!   arrays `p5`, `p50`, `p95` from `start_date`.
//!
//! Invariants: every variant name is checked before anything runs (unknown names
//! are bad input); results are collected in the order of the variant list
//! whatever the thread count, so compare.json is byte-identical across runs;
//! compare.json is removed first and written last, so it exists only for a
//! complete comparison.

use crate::ensemble::{ensemble_options, ensemble_to_dir, EnsemblePlan};
use crate::error::{Error, Result, ResultExt};
use crate::input::{default_out_dir, folder_name, Input};
use crate::run::{simulate, write_run_dir_as, OutputFormat, RunPlan, SimOptions};
use crate::text::{aligned, thousands};
use corridor_ensemble::stats::{mean_month_totals, summarize, KeyNumberStats, Stats};
use corridor_ensemble::{member_seed, BaselineStates};
use corridor_io::write::{month_totals, people_per_agent, write_atomic, InputKind, OutputKind};
use corridor_io::write::{KeyNumbers, MonthTotals};
use corridor_model::key_numbers::{key_numbers_from, waiting_at_border};
use corridor_model::{EngineKind, ModelError, RunOptions, RunOutput, Scenario};
use rayon::prelude::*;
use serde::Serialize;
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
    /// The tables' format in every variant's directory (compare.json stays JSON).
    pub format: OutputFormat,
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
    /// The day of its first event; `None` when it has none.
    pub first_event_day: Option<u32>,
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
        let first_event_day = def.and_then(|v| v.events.iter().map(|e| e.day).min());
        let events = crate::variant_file::describe_events(input, &name);
        out.push(PlannedVariant {
            name,
            folder,
            description,
            events,
            first_event_day,
            scenario,
        });
    }
    Ok(out)
}

/// The key numbers, month totals and daily series of one run (one member).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberKeys {
    /// Peak and waits over the comparison window (see the module documentation).
    pub key_numbers: KeyNumbers,
    pub monthly: Vec<MonthTotals>,
    /// People waiting at the border at the end of each day.
    pub waiting: Vec<u64>,
    /// People admitted at ports / encountered between ports up to each day.
    pub admitted: Vec<u64>,
    pub encountered: Vec<u64>,
}

impl MemberKeys {
    fn of(scenario: &Scenario, run: &RunOutput, from_day: u32) -> Result<MemberKeys> {
        let k = people_per_agent(scenario);
        let shape = |e| Error::Io {
            context: "key numbers".into(),
            source: std::io::Error::other(e),
        };
        Ok(MemberKeys {
            key_numbers: key_numbers_from(scenario, run, from_day).map_err(shape)?,
            monthly: month_totals(scenario, run),
            waiting: waiting_at_border(scenario, run).map_err(shape)?,
            admitted: run.days.iter().map(|r| r.accounting.admitted * k).collect(),
            encountered: run
                .days
                .iter()
                .map(|r| r.accounting.encountered * k)
                .collect(),
        })
    }
}

/// The window over which peaks and waits are compared: from the earliest first
/// event among the variants (day 0 when none has one).
pub fn window_start(plan: &[PlannedVariant]) -> u32 {
    plan.iter()
        .filter_map(|v| v.first_event_day)
        .min()
        .unwrap_or(0)
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
    /// `YYYY-MM-DD` of day 0.
    pub start_date: String,
    pub seed: u64,
    pub runs: usize,
    /// First day of the window over which peaks and waits are compared.
    pub window_from: u32,
    pub out_dir: PathBuf,
    /// In the order of the variant list.
    pub variants: Vec<VariantResult>,
}

/// Runs one planned variant into `out/<folder>`: a run directory when
/// `runs == 1`, else an ensemble directory, with its tables in `format`.
pub fn run_variant(
    input: &Input,
    v: &PlannedVariant,
    sim: &SimOptions,
    runs: usize,
    from_day: u32,
    out: &Path,
    format: OutputFormat,
) -> Result<VariantResult> {
    run_variant_from(input, v, sim, runs, from_day, out, format, None)
}

/// [`run_variant`], an ensemble's members branched from `base` (the base
/// scenario's member states, `corridor_ensemble::branch`) where they can be:
/// the same runs, so the same files, without simulating again the days before
/// the variant's first change.
#[allow(clippy::too_many_arguments)]
pub fn run_variant_from(
    input: &Input,
    v: &PlannedVariant,
    sim: &SimOptions,
    runs: usize,
    from_day: u32,
    out: &Path,
    format: OutputFormat,
    base: Option<&BaselineStates<'_>>,
) -> Result<VariantResult> {
    let (members, warnings) = if runs <= 1 {
        let plan = RunPlan {
            scenario: v.scenario.clone(),
            variant: Some(v.name.clone()),
            sim: *sim,
            out_dir: out.join(&v.folder),
        };
        let output = simulate(&plan.scenario, &plan.sim)?;
        write_run_dir_as(input, &plan, &output, format)?;
        let keys = MemberKeys::of(&v.scenario, &output, from_day)?;
        (vec![keys], output.warnings)
    } else {
        run_members(input, v, sim, runs, from_day, out, format, base)?
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
/// as the member finishes (the ensemble keeps only statistics per cell);
/// members branched from `base` when given.
#[allow(clippy::too_many_arguments)]
fn run_members(
    input: &Input,
    v: &PlannedVariant,
    sim: &SimOptions,
    runs: usize,
    from_day: u32,
    out: &Path,
    format: OutputFormat,
    base: Option<&BaselineStates<'_>>,
) -> Result<(Vec<MemberKeys>, Vec<String>)> {
    let plan = EnsemblePlan {
        scenario: v.scenario.clone(),
        variant: Some(v.name.clone()),
        options: ensemble_options(runs, sim),
        out_dir: out.join(&v.folder),
        format,
    };
    let seeds: Vec<u64> = (0..runs).map(|i| member_seed(sim.seed, i)).collect();
    let slots: Arc<Mutex<Vec<MemberSlot>>> = Arc::new(Mutex::new(vec![None; runs]));
    let sink = Arc::clone(&slots);
    let branched = base.map(|b| b.simulator());
    let simulator =
        move |s: &Scenario, ro: &RunOptions| -> std::result::Result<RunOutput, ModelError> {
            let run = match &branched {
                Some(sim) => sim(s, ro)?,
                None => corridor_model::simulate(s, ro)?,
            };
            if let Some(i) = seeds.iter().position(|&x| x == ro.seed) {
                let k = MemberKeys::of(s, &run, from_day).map_err(|e| e.chain_text());
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
    let from_day = window_start(&plan);
    let sim = SimOptions {
        seed: input.seed(req.seed),
        days: req.days,
        // One engine for every variant, so that differences are not engine's.
        engine: crate::engine_for(&input.scenario, req.days, req.engine),
    };
    let out = req
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&input.scenario.name, None, "compare"));
    crate::check_out_dir(&out)?;
    let base = baseline_states(input, &plan, &sim, req.runs)?;
    // The whole directory (variants, compare.json, report) is built aside and
    // swapped in at the end.
    crate::write_whole(&out.clone(), OutputKind::Compare, true, |stage| {
        let results: Vec<Result<VariantResult>> = plan
            .par_iter()
            .map(|v| {
                let r = run_variant_from(
                    input,
                    v,
                    &sim,
                    req.runs,
                    from_day,
                    stage,
                    req.format,
                    base.as_ref(),
                )
                .with_context(|| format!("variant {}", v.name));
                on_variant();
                r
            })
            .collect();
        // The first failure in list order, whatever finished first.
        let variants = results.into_iter().collect::<Result<Vec<_>>>()?;
        let c = Comparison {
            scenario: input.scenario.name.clone(),
            start_date: input.scenario.start_date.to_string(),
            seed: sim.seed,
            runs: req.runs,
            window_from: from_day,
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

/// The base scenario's member states at each variant's branch day, for
/// ensembles on the count engine (`corridor_ensemble::branch`): every variant
/// then runs only from its first change. `None` (full runs) for single runs,
/// the agent engine, or when the states would be too many to keep
/// (`corridor_ensemble::branch::MAX_STATES`).
fn baseline_states<'a>(
    input: &'a Input,
    plan: &[PlannedVariant],
    sim: &SimOptions,
    runs: usize,
) -> Result<Option<BaselineStates<'a>>> {
    if runs <= 1 || sim.engine != EngineKind::Counts {
        return Ok(None);
    }
    let base = &input.scenario;
    let mut days: Vec<u32> = plan
        .iter()
        .filter_map(|v| corridor_model::counts::branch::branch_day(base, &v.scenario))
        .map(|d| d.min(sim.days.unwrap_or(base.days)))
        .collect();
    days.sort_unstable();
    days.dedup();
    if days.is_empty() || days.len() * runs > corridor_ensemble::branch::MAX_STATES {
        return Ok(None);
    }
    let states = BaselineStates::new(base, &ensemble_options(runs, sim), &days)
        .with_context(|| format!("the base scenario's members (seed {})", sim.seed))?;
    Ok(Some(states))
}

/// Paired differences (variant − baseline, member by member) of one number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// The p5–p95 band contains 0; `None` for a single pair.
    pub within_noise: Option<bool>,
}

impl Difference {
    /// The differences `v − b` of `(v, b)` pairs (member `i` of a variant's
    /// ensemble and member `i` of its baseline's: the same member seed);
    /// `None` without pairs. The one definition of a difference's band and of
    /// "within noise" for compare and `corridor serve`.
    pub fn of(pairs: &[(f64, f64)]) -> Option<Difference> {
        if pairs.is_empty() {
            return None;
        }
        let d: Vec<f64> = pairs.iter().map(|(v, b)| v - b).collect();
        let s: Stats = summarize(&d);
        Some(Difference {
            mean: s.mean,
            p5: s.p5,
            p50: s.p50,
            p95: s.p95,
            within_noise: (d.len() > 1).then_some(s.p5 <= 0.0 && s.p95 >= 0.0),
        })
    }
}

/// Each key number's paired differences against the baseline (compare.json's
/// `difference`); a wait is paired only where both members admitted anybody.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyDifferences {
    pub peak_waiting_at_border: Option<Difference>,
    pub mean_wait_days: Option<Difference>,
    pub p90_wait_days: Option<Difference>,
    pub admitted: Option<Difference>,
    pub encountered: Option<Difference>,
    pub interception_events: Option<Difference>,
    pub people_intercepted: Option<Difference>,
    pub final_waiting_at_border: Option<Difference>,
}

impl KeyDifferences {
    fn of(v: &[MemberKeys], base: &[MemberKeys]) -> KeyDifferences {
        let pairs = |f: &dyn Fn(&KeyNumbers) -> Option<f64>| -> Option<Difference> {
            let p: Vec<(f64, f64)> = v
                .iter()
                .zip(base)
                .filter_map(|(a, b)| Some((f(&a.key_numbers)?, f(&b.key_numbers)?)))
                .collect();
            Difference::of(&p)
        };
        KeyDifferences {
            peak_waiting_at_border: pairs(&|k| Some(k.peak_waiting_at_border as f64)),
            mean_wait_days: pairs(&|k| k.mean_wait_days),
            p90_wait_days: pairs(&|k| k.p90_wait_days.map(f64::from)),
            admitted: pairs(&|k| Some(k.admitted as f64)),
            encountered: pairs(&|k| Some(k.encountered as f64)),
            interception_events: pairs(&|k| Some(k.interception_events as f64)),
            people_intercepted: pairs(&|k| Some(k.people_intercepted as f64)),
            final_waiting_at_border: pairs(&|k| Some(k.final_waiting_at_border as f64)),
        }
    }
}

/// Paired differences of a daily series, day by day: p5, p50 and p95 arrays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyDifference {
    pub p5: Vec<f64>,
    pub p50: Vec<f64>,
    pub p95: Vec<f64>,
}

impl DailyDifference {
    fn of(v: &[MemberKeys], base: &[MemberKeys], f: fn(&MemberKeys) -> &[u64]) -> Self {
        let days = v.iter().chain(base).map(|m| f(m).len()).min().unwrap_or(0);
        let mut out = DailyDifference {
            p5: Vec::with_capacity(days),
            p50: Vec::with_capacity(days),
            p95: Vec::with_capacity(days),
        };
        for d in 0..days {
            let pairs: Vec<(f64, f64)> = v
                .iter()
                .zip(base)
                .map(|(a, b)| (f(a)[d] as f64, f(b)[d] as f64))
                .collect();
            if let Some(x) = Difference::of(&pairs) {
                out.p5.push(x.p5);
                out.p50.push(x.p50);
                out.p95.push(x.p95);
            }
        }
        out
    }
}

/// compare.json's `difference_by_day`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifferenceByDay {
    pub waiting_at_border: DailyDifference,
    pub admitted: DailyDifference,
    pub encountered: DailyDifference,
}

impl DifferenceByDay {
    fn of(v: &[MemberKeys], base: &[MemberKeys]) -> Self {
        DifferenceByDay {
            waiting_at_border: DailyDifference::of(v, base, |m| &m.waiting),
            admitted: DailyDifference::of(v, base, |m| &m.admitted),
            encountered: DailyDifference::of(v, base, |m| &m.encountered),
        }
    }
}

const WINDOW_ABOUT: &str = "peak_waiting_at_border, peak_waiting_date, mean_wait_days and \
p90_wait_days are measured over this window, from the earliest first event among the variants \
to the end; the other key numbers are over the whole run";

/// compare.json's `window`.
#[derive(Serialize)]
struct Window {
    from: String,
    to: String,
    about: &'static str,
}

/// compare.json, in its key order.
#[derive(Serialize)]
struct CompareFile<'a> {
    scenario: &'a str,
    seed: u64,
    runs: usize,
    /// Unit of every count in the file.
    units: &'static str,
    start_date: &'a str,
    window: Window,
    baseline: Option<&'a str>,
    variants: Vec<VariantEntry<'a>>,
}

/// One variant of compare.json.
#[derive(Serialize)]
struct VariantEntry<'a> {
    name: &'a str,
    dir: &'a str,
    description: &'a str,
    events: &'a [String],
    key_numbers: OneOrMembers<KeyNumbers, Option<KeyNumberStats>>,
    monthly: OneOrMembers<Vec<MonthTotals>, Vec<corridor_ensemble::stats::MeanMonthTotals>>,
    difference: Option<KeyDifferences>,
    difference_by_day: Option<DifferenceByDay>,
}

/// A variant's key numbers or month totals: one run's, or over the members.
#[derive(Serialize)]
#[serde(untagged)]
enum OneOrMembers<T, U> {
    One(Option<T>),
    Members(U),
}

impl VariantResult {
    /// The key numbers: a single run's, or each as statistics over the members
    /// (one definition: `corridor_ensemble::stats::KeyNumberStats`).
    fn key_numbers_json(&self, runs: usize) -> OneOrMembers<KeyNumbers, Option<KeyNumberStats>> {
        if runs <= 1 {
            return OneOrMembers::One(self.members.first().map(|m| m.key_numbers.clone()));
        }
        let keys: Vec<KeyNumbers> = self.members.iter().map(|m| m.key_numbers.clone()).collect();
        OneOrMembers::Members(KeyNumberStats::of(&keys))
    }

    /// Admitted and encountered people per month: a single run's, or the means
    /// over the members, in the month order of the first member.
    fn monthly_json(
        &self,
        runs: usize,
    ) -> OneOrMembers<Vec<MonthTotals>, Vec<corridor_ensemble::stats::MeanMonthTotals>> {
        if runs <= 1 {
            return OneOrMembers::One(self.members.first().map(|m| m.monthly.clone()));
        }
        let months: Vec<Vec<MonthTotals>> =
            self.members.iter().map(|m| m.monthly.clone()).collect();
        OneOrMembers::Members(mean_month_totals(&months))
    }
}

impl Comparison {
    /// The baseline: the first variant.
    fn baseline(&self) -> Option<&VariantResult> {
        self.variants.first()
    }

    /// The last simulated day (from the members' daily series).
    fn last_day(&self) -> u32 {
        self.variants
            .iter()
            .flat_map(|v| &v.members)
            .map(|m| m.waiting.len())
            .max()
            .unwrap_or(1)
            .saturating_sub(1) as u32
    }

    fn date(&self, day: u32) -> String {
        corridor_model::Date::parse(&self.start_date)
            .map(|d| d.add_days(day as i64).to_string())
            .unwrap_or_default()
    }

    /// Each variant's key-number differences from the baseline (`None` for the
    /// baseline itself), in variant order.
    pub fn differences(&self) -> Vec<Option<KeyDifferences>> {
        let Some(base) = self.baseline() else {
            return Vec::new();
        };
        self.variants
            .iter()
            .enumerate()
            .map(|(i, v)| (i > 0).then(|| KeyDifferences::of(&v.members, &base.members)))
            .collect()
    }

    /// compare.json's text (see the module documentation); keys in a fixed order.
    pub fn to_json(&self) -> Result<String> {
        let base = self.baseline();
        let diffs = self.differences();
        let doc = CompareFile {
            scenario: &self.scenario,
            seed: self.seed,
            runs: self.runs,
            units: "people",
            start_date: &self.start_date,
            window: Window {
                from: self.date(self.window_from),
                to: self.date(self.last_day()),
                about: WINDOW_ABOUT,
            },
            baseline: base.map(|b| b.name.as_str()),
            variants: self
                .variants
                .iter()
                .zip(diffs)
                .map(|(v, difference)| VariantEntry {
                    name: &v.name,
                    dir: &v.dir,
                    description: &v.description,
                    events: &v.events,
                    key_numbers: v.key_numbers_json(self.runs),
                    monthly: v.monthly_json(self.runs),
                    difference_by_day: base
                        .filter(|_| difference.is_some())
                        .map(|b| DifferenceByDay::of(&v.members, &b.members)),
                    difference,
                })
                .collect(),
        };
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
        let mut t = String::from("median (p5–p95) over runs, people\n");
        t.push_str(&aligned(header, &rows));
        t.push_str(&self.difference_table());
        t
    }

    /// The paired differences from the baseline: median (p5 to p95), people;
    /// `*` marks a difference within noise. Empty with one variant.
    fn difference_table(&self) -> String {
        let diffs = self.differences();
        let Some(base) = self.baseline().filter(|_| diffs.len() > 1) else {
            return String::new();
        };
        let header = [
            "variant",
            "admitted",
            "encountered",
            "people intercepted",
            "peak waiting",
            "mean wait (days)",
        ];
        let signed = |x: f64, days: bool| {
            let r = if days {
                (x * 10.0).round() / 10.0
            } else {
                x.round()
            };
            let sign = if r > 0.0 {
                "+"
            } else if r < 0.0 {
                "−"
            } else {
                ""
            };
            if days {
                format!("{sign}{:.1}", r.abs())
            } else {
                format!("{sign}{}", thousands(r.abs() as u64))
            }
        };
        let cell = |d: &Option<Difference>, days: bool| match d {
            None => "-".to_string(),
            Some(d) => format!(
                "{} ({} to {}){}",
                signed(d.p50, days),
                signed(d.p5, days),
                signed(d.p95, days),
                if d.within_noise == Some(true) {
                    "*"
                } else {
                    ""
                }
            ),
        };
        let rows: Vec<[String; 6]> = self
            .variants
            .iter()
            .zip(&diffs)
            .filter_map(|(v, d)| Some((v, d.as_ref()?)))
            .map(|(v, d)| {
                [
                    v.name.clone(),
                    cell(&d.admitted, false),
                    cell(&d.encountered, false),
                    cell(&d.people_intercepted, false),
                    cell(&d.peak_waiting_at_border, false),
                    cell(&d.mean_wait_days, true),
                ]
            })
            .collect();
        let mut t = format!(
            "\ndifference from {}, member by member (same seeds): median (p5 to p95); \
             * within noise (the band contains 0)\npeak waiting and mean wait from {} to {}\n",
            base.name,
            self.date(self.window_from),
            self.date(self.last_day())
        );
        t.push_str(&aligned(header, &rows));
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load;
    use serde_json::{json, Value};

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
            waiting: vec![1500, 700],
            admitted: vec![0, adm],
            encountered: vec![10, 20],
        }
    }

    fn comparison(runs: usize, members: Vec<Vec<MemberKeys>>) -> Comparison {
        Comparison {
            scenario: "s".into(),
            start_date: "2023-06-01".into(),
            seed: 1,
            runs,
            window_from: 1,
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
        assert_eq!(v["window"]["from"], "2023-06-02");
        assert_eq!(v["window"]["to"], "2023-06-02");
        assert_eq!(v["baseline"], "baseline");
        assert_eq!(v["variants"][0]["difference"], Value::Null);
        // Paired: member 0 admits 10 − 0, member 1 30 − 0.
        let d = &v["variants"][1]["difference"]["admitted"];
        assert_eq!(
            (d["p5"].as_f64(), d["p95"].as_f64()),
            (Some(-29.0), Some(-11.0))
        );
        assert_eq!(d["within_noise"], false);
        // Encounters are equal member by member: within noise (the band is 0).
        assert_eq!(
            v["variants"][1]["difference"]["encountered"]["within_noise"],
            true
        );
        // No member of x2 admitted anybody: no wait to pair.
        assert_eq!(
            v["variants"][1]["difference"]["mean_wait_days"],
            Value::Null
        );
        let by_day = &v["variants"][1]["difference_by_day"]["admitted"];
        assert_eq!(by_day["p50"], json!([0.0, -20.0]));
    }

    #[test]
    fn differences_pair_members_and_mark_noise() {
        let d = Difference::of(&[(5.0, 4.0), (3.0, 4.0), (4.0, 4.0)]).unwrap();
        assert_eq!(d.within_noise, Some(true));
        assert_eq!(d.p50, 0.0);
        let d = Difference::of(&[(5.0, 4.0), (7.0, 4.0)]).unwrap();
        assert_eq!(d.within_noise, Some(false));
        assert_eq!(d.mean, 2.0);
        // One pair says nothing about noise.
        assert_eq!(Difference::of(&[(5.0, 4.0)]).unwrap().within_noise, None);
        assert!(Difference::of(&[]).is_none());
        let c = comparison(
            3,
            vec![
                vec![keys(10, Some(1.0)), keys(10, None), keys(10, None)],
                vec![keys(12, Some(1.0)), keys(11, None), keys(13, None)],
            ],
        );
        let t = c.table();
        assert!(t.contains("difference from baseline"), "{t}");
        assert!(t.contains("from 2023-06-02 to 2023-06-02"), "{t}");
        assert!(t.contains("+2 (+1 to +3)"), "{t}");
        // Encounters are the same in every pair: 0, within noise.
        assert!(t.contains("0 (0 to 0)*"), "{t}");
    }
}
