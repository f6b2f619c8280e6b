//! Ensembles of a variant branched from the baseline's members (count engine).
//!
//! A what-if is "if X from date D": every day before D is the baseline's. The
//! count engine's draws are keyed by (seed, day, phase, index), so member `i`
//! of a variant is, up to its branch day
//! (`corridor_model::counts::branch::branch_day`), exactly member `i` of the
//! baseline (same seed, `member_seed`). [`BaselineStates`] runs the baseline's
//! members once and keeps their states at the branch days asked for;
//! [`run_branched_ensemble`] runs a variant's members from there (paired
//! members: same seeds). The ensemble is the one `run_ensemble` gives for the
//! variant, byte for byte; only the days before the branch day are not
//! simulated again.
//!
//! A variant that cannot be branched (it differs from the baseline in more
//! than dated events, or before the earliest day kept) runs from day 0, so
//! the answer never depends on whether branching applied. The agent engine
//! keeps full runs.
//!
//! Memory: one engine state per (day kept, member); callers bound the product
//! ([`MAX_STATES`]).
//!
//! First members: member `i`'s seed is `member_seed(seed, i)` whatever the
//! number of members, so the first `k` members of an `n`-member ensemble ARE
//! the `k`-member ensemble with the same seed. States of `n` members serve a
//! `k`-member ensemble as they are ([`BaselineStates::branched_run`] finds a
//! member by its seed), and [`KeptRuns`] keeps the first members' runs of one
//! ensemble for another (a first look's for its full ensemble, or a few
//! members at a time for the whole: each member runs once). The what-if
//! server's first look is built on this.
//!
//! Some members: [`BaselineStates::new_members`] runs only a range of the
//! members (the first `k`, for a first look at a policy date whose states
//! are not there yet: `k`/`n` of the cost), and [`BaselineStates::join`]
//! adds the states of the other members later. States are found by member
//! seed, so a joined set serves every member exactly as a set computed at
//! once does; a set without some member runs that member from day 0 (the
//! same output, only slower).

use crate::ensemble::{member_seed, run_ensemble_with, EnsembleOptions};
use crate::error::EnsembleError;
use crate::member::Ensemble;
use corridor_model::counts::branch::branch_day;
use corridor_model::counts::CountRun;
use corridor_model::{EngineKind, ModelError, RunOptions, RunOutput, Scenario};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Mutex;

/// The most member states a caller should keep at once (days × members): a
/// state holds its records so far, a few MB for the built-in scenario late in
/// its period (`corridor compare --runs 20` of its four variants keeps 80).
pub const MAX_STATES: usize = 256;

/// The baseline's member states at some days (see the module doc).
#[derive(Debug)]
pub struct BaselineStates<'a> {
    scenario: &'a Scenario,
    opts: EnsembleOptions,
    /// The run's length.
    days: u32,
    /// The members held (of `opts.runs`): `0..opts.runs` for a whole set.
    members: Range<usize>,
    /// Member seeds of `members`, in member order.
    seeds: Vec<u64>,
    /// (day, every member's state before that day), by increasing day. A
    /// state is not `Sync` (the engine keeps a cache in cells), so each is
    /// behind a lock, held only while a member clones it.
    at: Vec<(u32, Vec<Mutex<CountRun<'a>>>)>,
}

impl<'a> BaselineStates<'a> {
    /// Runs the baseline's members (`opts`, count engine) and keeps their
    /// states at each of `days` (clamped to the run's length; repeats merged).
    pub fn new(
        scenario: &'a Scenario,
        opts: &EnsembleOptions,
        days: &[u32],
    ) -> Result<BaselineStates<'a>, EnsembleError> {
        Self::new_members(scenario, opts, days, 0..opts.runs)
    }

    /// [`new`](Self::new) for some of the members only: those of `members`
    /// (a non-empty range within `0..opts.runs`), each exactly as `new`
    /// computes it (member `i`'s seed depends on `opts.seed` and `i` only).
    /// [`join`](Self::join) adds the others later.
    pub fn new_members(
        scenario: &'a Scenario,
        opts: &EnsembleOptions,
        days: &[u32],
        members: Range<usize>,
    ) -> Result<BaselineStates<'a>, EnsembleError> {
        opts.validate()?;
        if members.is_empty() || members.end > opts.runs {
            return Err(EnsembleError::InvalidOption {
                option: "members".into(),
                reason: format!(
                    "{}..{} is not a non-empty range within 0..{}",
                    members.start, members.end, opts.runs
                ),
            });
        }
        if opts.engine.resolve(scenario, opts.days) != EngineKind::Counts {
            return Err(EnsembleError::InvalidOption {
                option: "engine".into(),
                reason: "branching from the baseline needs the count engine".into(),
            });
        }
        let run_days = opts.run_days(scenario);
        let mut want: Vec<u32> = days.iter().map(|&d| d.min(run_days)).collect();
        want.sort_unstable();
        want.dedup();
        let seeds: Vec<u64> = members.clone().map(|i| member_seed(opts.seed, i)).collect();
        let per_member: Vec<Vec<CountRun<'a>>> = seeds
            .par_iter()
            .enumerate()
            .map(|(i, &seed)| {
                let err = |source| EnsembleError::Member {
                    member: members.start + i,
                    seed,
                    source,
                };
                let mut r = CountRun::new(scenario, seed).map_err(err)?;
                let mut kept = Vec::with_capacity(want.len());
                for &d in &want {
                    while r.day() < d {
                        r.step().map_err(err)?;
                    }
                    kept.push(r.clone());
                }
                Ok(kept)
            })
            .collect::<Result<_, EnsembleError>>()?;
        let mut at: Vec<(u32, Vec<Mutex<CountRun<'a>>>)> = want
            .iter()
            .map(|&d| (d, Vec::with_capacity(seeds.len())))
            .collect();
        for kept in per_member {
            for (slot, state) in at.iter_mut().zip(kept) {
                slot.1.push(Mutex::new(state));
            }
        }
        Ok(BaselineStates {
            scenario,
            opts: opts.clone(),
            days: run_days,
            members,
            seeds,
            at,
        })
    }

    /// The members held: `0..options().runs` for a whole set.
    pub fn members(&self) -> Range<usize> {
        self.members.clone()
    }

    /// Whether every member of the options' ensemble is held.
    pub fn is_whole(&self) -> bool {
        self.members == (0..self.opts.runs)
    }

    /// This set and `other`, the states of the members that follow (or
    /// precede) this set's, as one set: the set [`new_members`](Self::new_members)
    /// computes at once for both ranges, state for state. An error, and
    /// nothing joined, unless both are of the same scenario (the same
    /// reference), options and days kept, and their ranges adjoin.
    pub fn join(self, other: BaselineStates<'a>) -> Result<BaselineStates<'a>, EnsembleError> {
        let refuse = |reason: String| EnsembleError::InvalidOption {
            option: "joined states".into(),
            reason,
        };
        if !std::ptr::eq(self.scenario, other.scenario) {
            return Err(refuse("the states are of two scenarios".into()));
        }
        if self.opts != other.opts || self.days != other.days {
            return Err(refuse("the states are of two ensembles".into()));
        }
        if self.days_kept() != other.days_kept() {
            return Err(refuse(format!(
                "the states are kept at days {:?} and {:?}",
                self.days_kept(),
                other.days_kept()
            )));
        }
        let (mut first, second) = if self.members.end == other.members.start {
            (self, other)
        } else if other.members.end == self.members.start {
            (other, self)
        } else {
            return Err(refuse(format!(
                "members {:?} and {:?} do not adjoin",
                self.members, other.members
            )));
        };
        first.members = first.members.start..second.members.end;
        first.seeds.extend(second.seeds);
        for (slot, more) in first.at.iter_mut().zip(second.at) {
            slot.1.extend(more.1);
        }
        Ok(first)
    }

    /// The states of `members` at day `day` (clamped to the run's length),
    /// continued from this set's states at the latest day kept that is not
    /// after it: the set [`new_members`](Self::new_members) computes for
    /// `&[day]` and `members`, state for state (a state's next days depend on
    /// the state alone), without simulating again the days before the day
    /// kept. An error, and nothing computed, unless every member of
    /// `members` is held and some day kept is not after `day`.
    pub fn advanced(
        &self,
        day: u32,
        members: Range<usize>,
    ) -> Result<BaselineStates<'a>, EnsembleError> {
        let refuse = |reason: String| EnsembleError::InvalidOption {
            option: "advanced states".into(),
            reason,
        };
        if members.is_empty()
            || members.start < self.members.start
            || members.end > self.members.end
        {
            return Err(refuse(format!(
                "members {members:?} are not a non-empty part of the {:?} held",
                self.members
            )));
        }
        let day = day.min(self.days);
        let Some((from, states)) = self.at.iter().rev().find(|a| a.0 <= day) else {
            return Err(refuse(format!(
                "no day kept ({:?}) is at or before day {day}",
                self.days_kept()
            )));
        };
        let offset = members.start - self.members.start;
        let seeds = self.seeds[offset..offset + members.len()].to_vec();
        let stepped: Vec<Mutex<CountRun<'a>>> = states[offset..offset + members.len()]
            .par_iter()
            .zip(seeds.par_iter())
            .enumerate()
            .map(|(i, (state, &seed))| {
                let mut r = state.lock().unwrap_or_else(|e| e.into_inner()).clone();
                while r.day() < day {
                    r.step().map_err(|source| EnsembleError::Member {
                        member: members.start + i,
                        seed,
                        source,
                    })?;
                }
                Ok(Mutex::new(r))
            })
            .collect::<Result<_, EnsembleError>>()?;
        debug_assert!(*from <= day);
        Ok(BaselineStates {
            scenario: self.scenario,
            opts: self.opts.clone(),
            days: self.days,
            members,
            seeds,
            at: vec![(day, stepped)],
        })
    }

    /// The baseline scenario.
    pub fn scenario(&self) -> &'a Scenario {
        self.scenario
    }

    /// The baseline's ensemble options.
    pub fn options(&self) -> &EnsembleOptions {
        &self.opts
    }

    /// The days kept.
    pub fn days_kept(&self) -> Vec<u32> {
        self.at.iter().map(|a| a.0).collect()
    }

    /// The day `variant`'s members would branch on: the latest day kept that
    /// is not after its branch day (clamped to the run's length); `None` when
    /// it cannot branch (it then runs from day 0).
    pub fn branch_day(&self, variant: &Scenario) -> Option<u32> {
        let d = branch_day(self.scenario, variant)?.min(self.days);
        self.at.iter().rev().map(|a| a.0).find(|&k| k <= d)
    }

    /// The run of one member of `s` (`ro`: its options) continued from the
    /// baseline's state, not yet stepped past the branch day: `None` when it
    /// does not branch (not one of the baseline's seeds, another length or
    /// engine, a scenario that cannot branch); run it from day 0 then.
    /// Stepping it to the run's length gives `corridor_model::simulate(s, ro)`.
    pub fn branched_run<'t>(
        &self,
        s: &'t Scenario,
        ro: &RunOptions,
    ) -> Option<Result<CountRun<'t>, ModelError>>
    where
        'a: 't,
    {
        let i = self.seeds.iter().position(|&x| x == ro.seed)?;
        if ro.days != self.opts.days || ro.engine.resolve(s, ro.days) != EngineKind::Counts {
            return None;
        }
        let d = self.branch_day(s)?;
        let states = &self.at.iter().find(|a| a.0 == d)?.1;
        let state = states[i].lock().unwrap_or_else(|e| e.into_inner());
        Some(state.rebase(s))
    }

    /// The run's length (days).
    pub fn run_days(&self) -> u32 {
        self.days
    }

    /// A [`crate::Simulator`] for ensembles with the baseline's options:
    /// members that branch ([`branched_run`](Self::branched_run)) continue
    /// from their state, the others run from day 0 with
    /// `corridor_model::simulate`.
    pub fn simulator(&self) -> Box<crate::Simulator<'_>> {
        Box::new(
            move |s: &Scenario, ro: &RunOptions| match self.branched_run(s, ro) {
                Some(r) => {
                    let mut r = r?;
                    while r.day() < self.days {
                        r.step()?;
                    }
                    Ok(r.into_output())
                }
                None => corridor_model::simulate(s, ro),
            },
        )
    }
}

/// A copy of every state (each locked only while it is cloned): for a
/// holder that shares the set and wants to [`join`](BaselineStates::join)
/// another to it.
impl Clone for BaselineStates<'_> {
    fn clone(&self) -> Self {
        BaselineStates {
            scenario: self.scenario,
            opts: self.opts.clone(),
            days: self.days,
            members: self.members.clone(),
            seeds: self.seeds.clone(),
            at: self
                .at
                .iter()
                .map(|(d, states)| {
                    let copies = states
                        .iter()
                        .map(|m| Mutex::new(m.lock().unwrap_or_else(|e| e.into_inner()).clone()))
                        .collect();
                    (*d, copies)
                })
                .collect(),
        }
    }
}

/// The ensemble of `variant` with the baseline's options, its members branched
/// from the baseline's states (or run from day 0 where they cannot branch):
/// the ensemble `run_ensemble_with(variant, base.options(), simulate, ..)`
/// gives, byte for byte. `progress(done)` as in `run_ensemble_with`.
pub fn run_branched_ensemble(
    base: &BaselineStates<'_>,
    variant: &Scenario,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Ensemble, EnsembleError> {
    let sim = base.simulator();
    run_ensemble_with(variant, base.options(), &sim, progress)
}

/// The runs of an ensemble's first members, kept for another ensemble of the
/// same scenario and options with the same seed (see the module doc): the
/// simulator of [`KeptRuns::simulator`] returns a kept run (a clone) for a
/// member it holds, else runs the member and keeps its run when it is one of
/// the first members. Members are told apart by their run options (seed,
/// days, engine); the scenario is the caller's to keep the same (a run kept
/// for one scenario must not be offered to another).
///
/// Memory: one `RunOutput` per kept member (its daily records: a few MB for
/// the built-in scenario).
#[derive(Debug)]
pub struct KeptRuns {
    /// Seeds of the members to keep, in member order.
    keep: Vec<u64>,
    runs: Mutex<Vec<KeptRun>>,
}

/// A kept member run and the run options that tell it apart.
#[derive(Debug)]
struct KeptRun {
    seed: u64,
    days: Option<u32>,
    engine: EngineKind,
    out: RunOutput,
}

impl KeptRuns {
    /// Keeps the runs of members `0..k` of ensembles seeded with `seed`.
    pub fn first(seed: u64, k: usize) -> KeptRuns {
        KeptRuns {
            keep: (0..k).map(|i| member_seed(seed, i)).collect(),
            runs: Mutex::new(Vec::with_capacity(k)),
        }
    }

    /// Members whose run is kept so far.
    pub fn len(&self) -> usize {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `inner`, but answering the members kept from their run and keeping
    /// the first members' runs. The output of a member is `inner`'s for it
    /// either way, so an ensemble run with it is the one `inner` gives.
    pub fn simulator<'s>(&'s self, inner: &'s crate::Simulator<'s>) -> Box<crate::Simulator<'s>> {
        Box::new(move |s: &Scenario, ro: &RunOptions| {
            let same =
                |k: &KeptRun| k.seed == ro.seed && k.days == ro.days && k.engine == ro.engine;
            if let Some(k) = self
                .runs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .find(|k| same(k))
            {
                return Ok(k.out.clone());
            }
            let out = inner(s, ro)?;
            if self.keep.contains(&ro.seed) {
                let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
                if !runs.iter().any(same) {
                    runs.push(KeptRun {
                        seed: ro.seed,
                        days: ro.days,
                        engine: ro.engine,
                        out: out.clone(),
                    });
                }
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corridor_model::border::{Action, Event};
    use corridor_model::{Date, Location, LocationKind};

    /// A small scenario with people moving and one dated event.
    fn scenario() -> Scenario {
        let mut sc = Scenario::new("t", Date(0), 30);
        for (name, kind) in [
            ("A", LocationKind::ConflictZone),
            ("B", LocationKind::Town),
            ("C", LocationKind::Camp),
        ] {
            sc.add_location(Location::new(name, kind));
        }
        sc.locations[0].initial_idps = 2_000;
        sc.link("A", "B", 120.0);
        sc.link("B", "C", 200.0);
        // A border event (opening a link that is open changes nothing), so
        // that the engine keeps border state and events can branch.
        sc.border.events.push(Event {
            day: 28,
            action: Action::OpenLink { from: 0, to: 1 },
        });
        sc
    }

    #[test]
    fn branched_ensembles_equal_full_ones() {
        let a = scenario();
        let mut b = a.clone();
        b.name = "b".into();
        // Closing the only link on day 12 changes everything after it.
        b.border.events.push(Event {
            day: 12,
            action: Action::CloseLink { from: 1, to: 2 },
        });
        let opts = EnsembleOptions {
            runs: 6,
            seed: 9,
            engine: EngineKind::Counts,
            days: None,
        };
        let base = BaselineStates::new(&a, &opts, &[5, 12, 99]).unwrap();
        assert_eq!(base.days_kept(), vec![5, 12, 30]);
        assert_eq!(base.branch_day(&b), Some(12));
        assert_eq!(base.branch_day(&a), Some(30));
        let mut other = a.clone();
        other.name = "other".into();
        other.links[0].distance_km = 100.0;
        assert_eq!(base.branch_day(&other), None);
        for v in [&a, &b, &other] {
            let want = crate::run_ensemble(v, &opts).unwrap();
            let got = run_branched_ensemble(&base, v, &|_| {}).unwrap();
            // (Not assert_eq: an ensemble's Debug text is long.)
            assert!(format!("{want:?}") == format!("{got:?}"), "{}", v.name);
        }
        // The variant differs from the baseline after the branch day.
        let e_a = crate::run_ensemble(&a, &opts).unwrap();
        let e_b = run_branched_ensemble(&base, &b, &|_| {}).unwrap();
        assert!(format!("{e_a:?}") != format!("{e_b:?}"));
    }

    fn same(a: &Ensemble, b: &Ensemble) -> bool {
        // (Not assert_eq: an ensemble's Debug text is long.)
        format!("{a:?}") == format!("{b:?}")
    }

    fn counts(runs: usize) -> EnsembleOptions {
        EnsembleOptions {
            runs,
            seed: 4,
            engine: EngineKind::Counts,
            days: None,
        }
    }

    /// States of 6 members give the 2-member ensemble of the variant exactly:
    /// no separate 2-member states are needed for a first look.
    #[test]
    fn states_of_n_members_serve_the_first_k_members() {
        let a = scenario();
        let mut b = a.clone();
        b.border.events.push(Event {
            day: 12,
            action: Action::CloseLink { from: 1, to: 2 },
        });
        let base = BaselineStates::new(&a, &counts(6), &[12]).unwrap();
        let sim = base.simulator();
        for k in [1, 2, 5] {
            let want = crate::run_ensemble(&b, &counts(k)).unwrap();
            let got = run_ensemble_with(&b, &counts(k), &sim, &|_| {}).unwrap();
            assert!(same(&want, &got), "{k} members");
            assert_eq!(got.runs, k);
        }
    }

    /// A first look's runs kept for the full ensemble: the full one runs
    /// only the other members and is still the plain ensemble.
    #[test]
    fn kept_runs_of_a_first_look_serve_the_full_ensemble() {
        let a = scenario();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let sim = |s: &Scenario, ro: &RunOptions| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            corridor_model::simulate(s, ro)
        };
        let kept = KeptRuns::first(4, 2);
        let k_sim = kept.simulator(&sim);
        let look = run_ensemble_with(&a, &counts(2), &k_sim, &|_| {}).unwrap();
        assert_eq!(kept.len(), 2);
        let full = run_ensemble_with(&a, &counts(6), &k_sim, &|_| {}).unwrap();
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 6);
        assert!(same(&look, &crate::run_ensemble(&a, &counts(2)).unwrap()));
        assert!(same(&full, &crate::run_ensemble(&a, &counts(6)).unwrap()));
        // Other run options (another length) are not served from the kept runs.
        let short = EnsembleOptions {
            days: Some(20),
            ..counts(2)
        };
        let s = run_ensemble_with(&a, &short, &k_sim, &|_| {}).unwrap();
        assert!(same(&s, &crate::run_ensemble(&a, &short).unwrap()));
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 8);
    }

    /// Every member kept, an ensemble grown a few members at a time runs
    /// each member once, and each step (and the first members' ensemble
    /// reduced again afterwards) is the plain ensemble of its size.
    #[test]
    fn an_ensemble_grown_from_kept_runs_runs_each_member_once() {
        let a = scenario();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let sim = |s: &Scenario, ro: &RunOptions| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            corridor_model::simulate(s, ro)
        };
        let kept = KeptRuns::first(4, 5);
        let k_sim = kept.simulator(&sim);
        for m in [2, 4, 5, 2] {
            let e = run_ensemble_with(&a, &counts(m), &k_sim, &|_| {}).unwrap();
            assert!(
                same(&e, &crate::run_ensemble(&a, &counts(m)).unwrap()),
                "{m}"
            );
        }
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 5);
        assert_eq!(kept.len(), 5);
    }

    /// Each member's branched run from `states`, to the end (its
    /// `RunOutput`'s Debug text), or "day 0" when `states` does not hold it.
    fn member_runs(states: &BaselineStates<'_>, v: &Scenario, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                let ro = crate::ensemble::member_run_options(states.options(), i);
                match states.branched_run(v, &ro) {
                    Some(r) => {
                        let mut r = r.unwrap();
                        while r.day() < states.run_days() {
                            r.step().unwrap();
                        }
                        format!("{:?}", r.into_output())
                    }
                    None => "day 0".into(),
                }
            })
            .collect()
    }

    /// The variant of [`scenario`] with its only link closed on day 12.
    fn closed_on_12(a: &Scenario) -> Scenario {
        let mut b = a.clone();
        b.border.events.push(Event {
            day: 12,
            action: Action::CloseLink { from: 1, to: 2 },
        });
        b
    }

    /// The states of members 0..2 joined with those of 2..6 (either way
    /// round, and a clone of a shared set joined) are the states of 0..6
    /// computed at once: every member's branched run is the same, byte for
    /// byte, and so is the ensemble run from them.
    #[test]
    fn joined_member_states_equal_states_computed_at_once() {
        let a = scenario();
        let b = closed_on_12(&a);
        let opts = counts(6);
        let whole = BaselineStates::new(&a, &opts, &[5, 12]).unwrap();
        assert!(whole.is_whole());
        let first = BaselineStates::new_members(&a, &opts, &[5, 12], 0..2).unwrap();
        assert_eq!(first.members(), 0..2);
        assert!(!first.is_whole());
        let want = member_runs(&whole, &b, 6);
        // The first members alone: theirs are the same runs, the others
        // run from day 0 (through the simulator: the same ensemble).
        let got = member_runs(&first, &b, 6);
        assert_eq!(got[..2], want[..2]);
        assert!(got[2..].iter().all(|r| r == "day 0"));
        assert!(same(
            &run_branched_ensemble(&first, &b, &|_| {}).unwrap(),
            &crate::run_ensemble(&b, &opts).unwrap()
        ));
        let rest = || BaselineStates::new_members(&a, &opts, &[5, 12], 2..6).unwrap();
        for joined in [
            first.clone().join(rest()).unwrap(),
            rest().join(first.clone()).unwrap(),
        ] {
            assert_eq!(joined.members(), 0..6);
            assert!(joined.is_whole());
            assert_eq!(joined.days_kept(), vec![5, 12]);
            assert_eq!(member_runs(&joined, &b, 6), want);
            assert!(same(
                &run_branched_ensemble(&joined, &b, &|_| {}).unwrap(),
                &run_branched_ensemble(&whole, &b, &|_| {}).unwrap()
            ));
        }
    }

    /// States advanced from an earlier day are the states computed from day
    /// 0, state for state; members not held or no earlier day are refused.
    #[test]
    fn advanced_states_equal_states_computed_from_day_0() {
        let a = scenario();
        let b = closed_on_12(&a);
        let opts = counts(6);
        let at_5 = BaselineStates::new(&a, &opts, &[5]).unwrap();
        let at_12 = BaselineStates::new(&a, &opts, &[12]).unwrap();
        let advanced = at_5.advanced(12, 0..6).unwrap();
        assert_eq!(advanced.days_kept(), vec![12]);
        assert_eq!(member_runs(&advanced, &b, 6), member_runs(&at_12, &b, 6));
        // Some members, then joined with the others: the whole set.
        let part = at_5.advanced(12, 2..6).unwrap();
        assert_eq!(part.members(), 2..6);
        let first = BaselineStates::new_members(&a, &opts, &[12], 0..2).unwrap();
        let joined = first.join(part).unwrap();
        assert_eq!(member_runs(&joined, &b, 6), member_runs(&at_12, &b, 6));
        // The same day: the states themselves.
        assert_eq!(
            member_runs(&at_12.advanced(12, 0..6).unwrap(), &b, 6),
            member_runs(&at_12, &b, 6)
        );
        assert!(at_12.advanced(5, 0..6).is_err(), "no day kept before 5");
        let some = BaselineStates::new_members(&a, &opts, &[5], 0..2).unwrap();
        assert!(some.advanced(12, 0..3).is_err(), "member 2 is not held");
        assert!(some.advanced(12, 1..1).is_err());
    }

    /// Sets that are not two parts of one ensemble's states are not joined.
    #[test]
    fn only_adjoining_parts_of_one_ensemble_join() {
        let a = scenario();
        let opts = counts(6);
        let part = |m: Range<usize>| BaselineStates::new_members(&a, &opts, &[12], m).unwrap();
        // A gap, an overlap, the same members twice.
        assert!(part(0..2).join(part(3..6)).is_err());
        assert!(part(0..3).join(part(2..6)).is_err());
        assert!(part(0..2).join(part(0..2)).is_err());
        // Another seed, other days kept, another scenario (equal, not the same).
        let other_seed = EnsembleOptions {
            seed: 5,
            ..counts(6)
        };
        let s5 = BaselineStates::new_members(&a, &other_seed, &[12], 2..6).unwrap();
        assert!(part(0..2).join(s5).is_err());
        let d5 = BaselineStates::new_members(&a, &opts, &[5], 2..6).unwrap();
        assert!(part(0..2).join(d5).is_err());
        let copy = a.clone();
        let c = BaselineStates::new_members(&copy, &opts, &[12], 2..6).unwrap();
        assert!(part(0..2).join(c).is_err());
        // Empty or beyond the members: refused.
        assert!(BaselineStates::new_members(&a, &opts, &[12], 2..2).is_err());
        assert!(BaselineStates::new_members(&a, &opts, &[12], 4..7).is_err());
    }

    #[test]
    fn the_agent_engine_is_refused() {
        let a = scenario();
        let opts = EnsembleOptions::new(2, 1);
        assert!(BaselineStates::new(&a, &opts, &[3]).is_err());
    }
}
