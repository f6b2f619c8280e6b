//! Ensembles that can be stopped early: a [`CancelToken`] that a front end sets
//! (the what-if server, when a lever moves again and the running request is
//! stale) and that every member checks once per simulated day.
//!
//! The library owns the day loop: on the count engine each member is a
//! `CountRun` stepped one day at a time, the token read before each day, so a
//! cancelled ensemble stops consuming CPU within one simulated day of each busy
//! member (and members not yet started never start). The agent engine has no
//! stepping interface yet: its members check the token before they start.
//!
//! Branching ([`ensemble_branched_cancellable`], what the what-if server
//! runs): members continue from the baseline's states at the branch day
//! (`corridor_ensemble::branch`), watching the token each day as well.
//!
//! Invariants: an ensemble that is not cancelled is byte-identical to
//! [`crate::ensemble`] with the same request (the count loop is the one
//! `simulate_counts` runs: `CountRun::new` then one `step` per day), and a
//! cancelled one writes nothing (no output directory, no partial result).

use crate::ensemble::{EnsemblePlan, EnsembleRequest, EnsembleResult};
use crate::error::{Result, ResultExt};
use crate::input::Input;
use corridor_ensemble::branch::KeptRuns;
use corridor_ensemble::{BaselineStates, Ensemble, Simulator};
use corridor_model::counts::CountRun;
use corridor_model::{EngineKind, ModelError, RunOptions, RunOutput, Scenario};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// A request to stop, shared between the one who cancels and the members that
/// watch it; also counts the days those members simulated (all together).
#[derive(Debug, Default)]
pub struct CancelToken {
    cancelled: AtomicBool,
    days: AtomicU64,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every member watching this token to stop at its next day.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Days simulated so far by members watching this token (a member of `d`
    /// days adds `d` when it runs to the end). Stops growing once cancelled.
    pub fn days_simulated(&self) -> u64 {
        self.days.load(Ordering::Relaxed)
    }
}

/// One member, as `corridor_model::simulate` runs it, but stopping before the
/// first day it finds `cancel` set: `Ok(None)` then.
pub fn simulate_cancellable(
    sc: &Scenario,
    opts: &RunOptions,
    cancel: &CancelToken,
) -> Result<Option<RunOutput>, ModelError> {
    if cancel.is_cancelled() {
        return Ok(None);
    }
    let days = opts.days.unwrap_or(sc.days);
    if opts.engine != EngineKind::Counts {
        let out = corridor_model::simulate(sc, opts)?;
        cancel.days.fetch_add(days as u64, Ordering::Relaxed);
        return Ok(Some(out));
    }
    // The same refusal of a too-short schedule as a whole run gives.
    corridor_model::engine::check_schedules(sc, days)?;
    let run = CountRun::new(sc, opts.seed)?;
    finish_cancellable(run, days, cancel)
}

/// Steps `run` to day `days`, reading `cancel` before each day.
fn finish_cancellable(
    mut run: CountRun<'_>,
    days: u32,
    cancel: &CancelToken,
) -> Result<Option<RunOutput>, ModelError> {
    while run.day() < days {
        if cancel.is_cancelled() {
            return Ok(None);
        }
        run.step()?;
        cancel.days.fetch_add(1, Ordering::Relaxed);
    }
    Ok(Some(run.into_output()))
}

/// [`simulate_cancellable`], continuing from the baseline's state where the
/// member branches (`BaselineStates::branched_run`): the same output.
pub fn simulate_branched_cancellable(
    sc: &Scenario,
    opts: &RunOptions,
    base: Option<&BaselineStates<'_>>,
    cancel: &CancelToken,
) -> Result<Option<RunOutput>, ModelError> {
    if cancel.is_cancelled() {
        return Ok(None);
    }
    match base.and_then(|b| b.branched_run(sc, opts).map(|r| (b, r))) {
        Some((b, run)) => finish_cancellable(run?, b.run_days(), cancel),
        None => simulate_cancellable(sc, opts, cancel),
    }
}

/// [`crate::ensemble`] watching `cancel`: `Ok(None)` when it was cancelled
/// before every member finished (nothing is written then), else the same
/// result and directory as `ensemble` gives.
pub fn ensemble_cancellable(
    input: &Input,
    req: &EnsembleRequest,
    on_member: &(dyn Fn() + Sync),
    cancel: &Arc<CancelToken>,
) -> Result<Option<EnsembleResult>> {
    ensemble_branched_cancellable(input, req, None, on_member, cancel)
}

/// The baseline's member states for what-ifs on `baseline` (a variant of the
/// input, or the input itself): the members of `req`'s ensemble, kept at day
/// `day` (`corridor_ensemble::branch`). `req.variant` is ignored: the states
/// are `baseline`'s. An error for the agent engine.
pub fn baseline_states<'a>(
    input: &Input,
    baseline: &'a Scenario,
    req: &EnsembleRequest,
    day: u32,
) -> Result<BaselineStates<'a>> {
    baseline_member_states(input, baseline, req, day, 0..req.runs)
}

/// [`baseline_states`] of the members in `members` only (a non-empty range
/// within `0..req.runs`): the what-if server's first look at a new policy
/// date computes its `k` members' states, and the full answer the others'
/// (`BaselineStates::join` makes them one set, equal to the set computed at
/// once).
pub fn baseline_member_states<'a>(
    input: &Input,
    baseline: &'a Scenario,
    req: &EnsembleRequest,
    day: u32,
    members: std::ops::Range<usize>,
) -> Result<BaselineStates<'a>> {
    let sim = crate::run::SimOptions {
        seed: input.seed(req.seed),
        days: req.days,
        engine: crate::engine_for(baseline, req.days, req.engine),
    };
    let opts = crate::ensemble::ensemble_options(req.runs, &sim);
    BaselineStates::new_members(baseline, &opts, &[day], members)
        .with_context(|| format!("the baseline's members (seed {})", sim.seed))
}

/// [`ensemble_cancellable`] with members branched from `base` (the baseline's
/// states, [`baseline_states`]) where they can be: the same result and
/// directory, without simulating again the days before the branch day.
pub fn ensemble_branched_cancellable(
    input: &Input,
    req: &EnsembleRequest,
    base: Option<&BaselineStates<'_>>,
    on_member: &(dyn Fn() + Sync),
    cancel: &Arc<CancelToken>,
) -> Result<Option<EnsembleResult>> {
    let plan = req.plan(input)?;
    crate::check_out_dir(&plan.out_dir)?;
    let Some(ens) = run_planned(&plan, base, on_member, cancel)? else {
        return Ok(None);
    };
    let files = crate::ensemble::write_ensemble_dir(input, &plan, &ens)?;
    Ok(Some(EnsembleResult {
        plan,
        ensemble: ens,
        files,
    }))
}

/// [`ensemble_branched_cancellable`] without writing anything: the plan and
/// the ensemble. `crate::ensemble::write_ensemble_dir(input, &plan, &ens)`
/// later writes the very directory `ensemble_branched_cancellable` would have
/// written. The what-if server answers from the ensemble alone and writes a
/// directory only when one is downloaded: rendering and writing it (and its
/// report) cost about a tenth of an answer's CPU time, on one core, while the
/// members use every core.
pub fn ensemble_branched_unwritten(
    input: &Input,
    req: &EnsembleRequest,
    base: Option<&BaselineStates<'_>>,
    on_member: &(dyn Fn() + Sync),
    cancel: &Arc<CancelToken>,
) -> Result<Option<(EnsemblePlan, Ensemble)>> {
    let plan = req.plan(input)?;
    Ok(run_planned(&plan, base, on_member, cancel)?.map(|ens| (plan, ens)))
}

/// The members of `plan`, branched from `base` where they can be, watching
/// `cancel`: `None` when it was cancelled before every member finished.
fn run_planned(
    plan: &EnsemblePlan,
    base: Option<&BaselineStates<'_>>,
    on_member: &(dyn Fn() + Sync),
    cancel: &Arc<CancelToken>,
) -> Result<Option<Ensemble>> {
    let simulator = member_simulator(base, cancel);
    run_planned_with(plan, &simulator, on_member, cancel)
}

/// The member simulator of a cancellable ensemble: a member continues from
/// `base`'s state where it branches (else runs from day 0) and stops at the
/// first day it finds `cancel` set. A cancelled member is an error, which
/// fails its ensemble and keeps rayon from starting further members; the
/// error itself is never shown: the token says why.
pub fn member_simulator<'a, 'b: 'a>(
    base: Option<&'a BaselineStates<'b>>,
    cancel: &'a CancelToken,
) -> Box<Simulator<'a>> {
    Box::new(move |sc: &Scenario, ro: &RunOptions| {
        simulate_branched_cancellable(sc, ro, base, cancel)?
            .ok_or_else(|| ModelError::InvalidScenario("cancelled".into()))
    })
}

/// [`ensemble_branched_unwritten`]'s ensemble for a planned request, with the
/// members `kept` holds answered from their kept runs and the first members'
/// runs kept in it (`corridor_ensemble::branch::KeptRuns`): the same
/// ensemble, without simulating a kept member again. The what-if server's
/// first look keeps its members' runs this way for the full answer.
pub fn ensemble_planned_keeping(
    plan: &EnsemblePlan,
    base: Option<&BaselineStates<'_>>,
    kept: &KeptRuns,
    cancel: &Arc<CancelToken>,
) -> Result<Option<Ensemble>> {
    let inner = member_simulator(base, cancel);
    let simulator = kept.simulator(&inner);
    run_planned_with(plan, &simulator, &|| {}, cancel)
}

/// The members of `plan` through `simulator`, watching `cancel`.
fn run_planned_with(
    plan: &EnsemblePlan,
    simulator: &Simulator<'_>,
    on_member: &(dyn Fn() + Sync),
    cancel: &Arc<CancelToken>,
) -> Result<Option<Ensemble>> {
    let opts = &plan.options;
    let ens = match corridor_ensemble::run_ensemble_with(&plan.scenario, opts, simulator, &|_| {
        on_member()
    }) {
        Err(_) if cancel.is_cancelled() => return Ok(None),
        r => r.with_context(|| ensemble_context(plan))?,
    };
    Ok(Some(ens))
}

fn ensemble_context(plan: &EnsemblePlan) -> String {
    format!(
        "ensemble of {} (seed {})",
        plan.scenario.name, plan.options.seed
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::load;
    use std::path::Path;
    use std::time::Duration;

    fn variants() -> Input {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/variants");
        load(Some(&p)).unwrap()
    }

    fn request(runs: usize, out: &Path) -> EnsembleRequest {
        EnsembleRequest {
            variant: None,
            runs,
            seed: Some(3),
            days: Some(40),
            engine: EngineKind::Counts,
            out: Some(out.to_path_buf()),
            format: Default::default(),
        }
    }

    /// `a` (written under `dir/a`) and `b` (under `dir/b`) are the same
    /// ensemble with the same files, byte for byte.
    fn assert_same_result(a: &EnsembleResult, b: &EnsembleResult, dir: &std::path::Path) {
        assert_eq!(a.ensemble, b.ensemble);
        assert_eq!(a.files, b.files);
        for f in &a.files {
            assert_eq!(
                std::fs::read(dir.join("a").join(f)).unwrap(),
                std::fs::read(dir.join("b").join(f)).unwrap(),
                "{f}"
            );
        }
    }

    /// Not cancelled: the same files, byte for byte, as `ensemble`.
    #[test]
    fn uncancelled_equals_the_plain_ensemble() {
        let input = variants();
        let tmp = tempfile::tempdir().unwrap();
        let token = Arc::new(CancelToken::new());
        let a = ensemble_cancellable(&input, &request(3, &tmp.path().join("a")), &|| {}, &token)
            .unwrap()
            .expect("not cancelled");
        let b = crate::ensemble(&input, &request(3, &tmp.path().join("b")), &|| {}).unwrap();
        assert_same_result(&a, &b, tmp.path());
        assert_eq!(token.days_simulated(), 3 * 40);
    }

    /// Requests for 3 members of examples/variants' `stronger_containment` into
    /// `dir`/a and `dir`/b, the states of `base` (the scenario without a
    /// variant) at the variant's branch day, and the day.
    fn branched_requests<'a>(
        input: &Input,
        base: &'a Scenario,
        dir: &Path,
    ) -> (EnsembleRequest, EnsembleRequest, BaselineStates<'a>, u32) {
        let name = "stronger_containment";
        let variant = input.with_variant(Some(name)).unwrap();
        let d = corridor_model::counts::branch::branch_day(base, &variant).unwrap();
        let mut ra = request(3, &dir.join("a"));
        ra.variant = Some(name.into());
        let mut rb = request(3, &dir.join("b"));
        rb.variant = Some(name.into());
        let states = baseline_states(input, base, &ra, d).unwrap();
        (ra, rb, states, d)
    }

    /// Branched from the baseline's states: the same files as `ensemble`,
    /// and only the days from the branch day on are simulated.
    #[test]
    fn branched_equals_the_plain_ensemble() {
        let input = variants();
        let tmp = tempfile::tempdir().unwrap();
        let base = input.with_variant(None).unwrap();
        let (ra, rb, states, d) = branched_requests(&input, &base, tmp.path());
        assert!(d > 5 && d < 40, "{d}");
        let token = Arc::new(CancelToken::new());
        let a = ensemble_branched_cancellable(&input, &ra, Some(&states), &|| {}, &token)
            .unwrap()
            .expect("not cancelled");
        let b = crate::ensemble(&input, &rb, &|| {}).unwrap();
        assert_same_result(&a, &b, tmp.path());
        assert_eq!(token.days_simulated(), 3 * (40 - d as u64));
    }

    /// Unwritten: nothing on disk until `write_ensemble_dir`, which then
    /// writes the files `ensemble` writes, byte for byte.
    #[test]
    fn unwritten_then_written_equals_the_plain_ensemble() {
        let input = variants();
        let tmp = tempfile::tempdir().unwrap();
        let base = input.with_variant(None).unwrap();
        let (ra, rb, states, _) = branched_requests(&input, &base, tmp.path());
        let token = Arc::new(CancelToken::new());
        let (plan, ens) = ensemble_branched_unwritten(&input, &ra, Some(&states), &|| {}, &token)
            .unwrap()
            .expect("not cancelled");
        assert!(!tmp.path().join("a").exists(), "nothing written yet");
        let files = crate::ensemble::write_ensemble_dir(&input, &plan, &ens).unwrap();
        let a = EnsembleResult {
            plan,
            ensemble: ens,
            files,
        };
        let b = crate::ensemble(&input, &rb, &|| {}).unwrap();
        assert_same_result(&a, &b, tmp.path());
    }

    /// Cancelled mid-way: the call returns soon, no day is simulated after
    /// the members saw the token, and nothing is written.
    #[test]
    fn cancelling_stops_the_members_within_a_day() {
        let input = variants();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("c");
        // Far more member-days than run before the cancel below.
        let runs = 2000;
        let token = Arc::new(CancelToken::new());
        let t = token.clone();
        let watcher = std::thread::spawn(move || {
            while t.days_simulated() < 40 {
                std::thread::sleep(Duration::from_millis(1));
            }
            t.cancel();
            t.days_simulated()
        });
        let r = ensemble_cancellable(&input, &request(runs, &out), &|| {}, &token).unwrap();
        let at_cancel = watcher.join().unwrap();
        assert!(r.is_none(), "a cancelled ensemble gives no result");
        assert!(!out.exists(), "a cancelled ensemble writes nothing");
        let days = token.days_simulated();
        // Each busy member finishes at most the day it was in.
        let busy = rayon::current_num_threads() as u64;
        assert!(
            days <= at_cancel + busy,
            "{days} days, {at_cancel} at the cancel"
        );
        assert!(days < (runs as u64 * 40) / 10, "{days} member-days ran");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(token.days_simulated(), days, "no day simulated after");
    }

    #[test]
    fn a_token_cancelled_before_the_start_runs_nothing() {
        let input = variants();
        let tmp = tempfile::tempdir().unwrap();
        let token = Arc::new(CancelToken::new());
        token.cancel();
        let r = ensemble_cancellable(&input, &request(5, &tmp.path().join("d")), &|| {}, &token)
            .unwrap();
        assert!(r.is_none());
        assert_eq!(token.days_simulated(), 0);
    }
}
