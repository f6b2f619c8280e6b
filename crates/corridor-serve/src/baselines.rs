//! The what-if server's cached work: baselines and their member states.
//!
//! Every answer compares the levers' ensemble with its baseline (the
//! scenario, or one of its variants, without the levers), and the levers'
//! members branch from the baseline's member states at their branch day. Both
//! are computed once and shared by the answers that need them:
//! * member states per (variant, members, days, seed, branch day), at most
//!   [`KEEP_STATES`] sets, each holding members `0..end` (a first look's
//!   first `k`, extended to all of them later: `App::states_at`); a new day's
//!   states continue those of an earlier day when cached
//!   (`BaselineStates::advanced`), and levers on a variant whose events come
//!   after their day use the base scenario's states (`App::branch_of`);
//! * baselines per (variant, members, days, seed), with the ensemble of their
//!   first look; a baseline not complete yet is a `Partial`: the runs of its
//!   members so far, kept so that the whole baseline runs only the others
//!   (`App::baseline_look`, the warm-up's batches);
//! * a variant's run is the base's until its first event, so a variant's
//!   baseline continues from the base's states kept at or before that day
//!   (`App::continuation_states`), and a variant without events has the
//!   base's baseline itself (`App::baseline_settings`);
//! * the default answer's baseline and states are computed at start
//!   (`App::warm_up`), first look first, a few members at a time.
//!
//! Invariant: every member's days are simulated once per cache entry, and
//! each cached ensemble equals the ensemble of full runs (branching is exact,
//! member `i`'s seed does not depend on the member count); `tests/api.rs`
//! counts the days and compares the answers, and `tests/cache.rs` checks
//! random request sequences against a fresh server's answers. A baseline is never cancelled:
//! cached, it serves the next request too. The callers hold
//! `App::shared_work` while computing, so two requests do not compute the
//! same entry side by side.

use crate::{
    levers, never_cancelled, run_plan, ApiError, App, Settings, KEEP_LOOKS, LEVERS_VARIANT,
};
use corridor::ensemble::EnsemblePlan;
use corridor::{EngineKind, EnsembleRequest, Input};
use corridor_ensemble::branch::KeptRuns;
use corridor_ensemble::{BaselineStates, Ensemble};
use corridor_model::counts::branch::branch_day;
use corridor_model::Scenario;
use std::borrow::Cow;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Baselines' member states kept (each: members × one engine state, tens
/// of MB for 20 members of the built-in scenario).
pub(crate) const KEEP_STATES: usize = 4;

/// Where levers branch: the scenario whose member states they continue
/// from, the day, and the settings those states are kept under (the
/// levers' own, or the base scenario's: `App::branch_of`).
pub(crate) struct Branch {
    scenario: &'static Scenario,
    day: u32,
    owner: Settings,
}

/// A baseline ensemble and, when its members allow a first look, the ensemble
/// of its first [`App::first_look_size`] members (reduced from the same runs).
pub(crate) struct Baseline {
    pub(crate) full: Arc<Ensemble>,
    pub(crate) first: Option<(usize, Arc<Ensemble>)>,
}

/// A baseline computed member by member: the runs of its members so far
/// (kept for every member: `KeptRuns::first(seed, members)`) and the
/// ensemble of its first look once there.
pub(crate) struct Partial {
    pub(crate) runs: KeptRuns,
    pub(crate) first: Mutex<Option<(usize, Arc<Ensemble>)>>,
}

impl App {
    /// The baseline scenario of a variant (`None`: the base), leaked once
    /// (see `App::scenarios`); an unknown variant is a 400.
    pub(crate) fn baseline_scenario(
        &self,
        variant: Option<&str>,
    ) -> Result<&'static Scenario, ApiError> {
        let key = variant.map(str::to_string);
        if let Some(&sc) = self
            .scenarios
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(sc);
        }
        let sc = self
            .input
            .with_variant(variant)
            .map_err(ApiError::from_corridor)?;
        let mut m = self.scenarios.lock().unwrap_or_else(|e| e.into_inner());
        Ok(*m.entry(key).or_insert_with(|| Box::leak(Box::new(sc))))
    }

    /// Where the levers of `s` branch from their baseline (`input`: with the
    /// levers' variant added, `req`: their ensemble). `None` when the levers
    /// cannot branch, branch on day 0 (which saves nothing) or change nothing
    /// within the period: their members then run from day 0, with the same
    /// result.
    ///
    /// On a scenario variant whose own events all come after that day, the
    /// states are the base scenario's: until its first event a variant's run
    /// is the base's (same seed), so one set of states at a date serves the
    /// levers on the base and on every such variant.
    pub(crate) fn branch_of(
        &self,
        s: &Settings,
        input: &Input,
        req: &EnsembleRequest,
    ) -> Option<Branch> {
        let own = self.baseline_scenario(s.variant.as_deref()).ok()?;
        let levers = input.with_variant(Some(LEVERS_VARIANT)).ok()?;
        let days = req.days.unwrap_or(own.days);
        let day = branch_day(own, &levers)?;
        // Day 0 saves nothing; levers that change nothing within the period
        // are the baseline itself (see `run_levers`).
        if day == 0 || day >= days {
            return None;
        }
        if s.variant.is_some() {
            let root = self.baseline_scenario(None).ok()?;
            if branch_day(root, &levers) == Some(day) {
                return Some(Branch {
                    scenario: root,
                    day,
                    owner: Settings {
                        variant: None,
                        ..s.clone()
                    },
                });
            }
        }
        Some(Branch {
            scenario: own,
            day,
            owner: s.clone(),
        })
    }

    /// The settings whose baseline is the baseline of `s`: `s` itself, or
    /// `s` on the base scenario when its variant cannot make a run differ
    /// from the base's (a variant without events, as the built-in
    /// scenario's "baseline"): the same ensemble, computed and cached once.
    pub(crate) fn baseline_settings<'s>(&self, s: &'s Settings) -> Cow<'s, Settings> {
        let same = s.variant.is_some()
            && match (
                self.baseline_scenario(None),
                self.baseline_scenario(s.variant.as_deref()),
            ) {
                (Ok(root), Ok(v)) => branch_day(root, v) == Some(u32::MAX),
                _ => false,
            };
        if same {
            Cow::Owned(Settings {
                variant: None,
                ..s.clone()
            })
        } else {
            Cow::Borrowed(s)
        }
    }

    /// The key of a set of baseline member states in `App::states`.
    pub(crate) fn states_key(s: &Settings, req: &EnsembleRequest, d: u32) -> String {
        format!(
            "{:?}/{}/{:?}/{:?}/{d}",
            s.variant, req.runs, req.days, req.seed
        )
    }

    /// The baseline's member states the levers of `s` branch from, holding
    /// at least the first `need` members (a first look's `k`, or
    /// `req.runs`): computed once per (scenario variant, members, days, seed,
    /// branch day) and cached (see [`App::states_at`]); `None` where
    /// [`App::branch_of`] finds no branch.
    pub(crate) fn states_for(
        &self,
        s: &Settings,
        input: &Input,
        req: &EnsembleRequest,
        need: usize,
    ) -> Option<Arc<BaselineStates<'static>>> {
        let b = self.branch_of(s, input, req)?;
        self.states_at(&b.owner, req, b.scenario, b.day, need)
    }

    /// Whether what [`App::states_for`] would return is there without
    /// computing anything (no branch, or the states cached).
    pub(crate) fn states_ready(
        &self,
        s: &Settings,
        input: &Input,
        req: &EnsembleRequest,
        need: usize,
    ) -> bool {
        let Some(b) = self.branch_of(s, input, req) else {
            return true;
        };
        let key = Self::states_key(&b.owner, req, b.day);
        let need = need.clamp(1, req.runs);
        self.states
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|(k, st)| *k == key && st.members().end >= need)
    }

    /// The baseline states of `s` at day `d` holding at least the first
    /// `need` members (of `req.runs`), from the cache or computed. A first
    /// look at a new date computes only its `k` members' states (`k`/`n` of
    /// the cost of all of them) and caches them; the full answer then
    /// computes only the other members' and joins them to those (the set a
    /// computation of all the members at once gives: states are found by
    /// member seed), which replaces the partial set in the cache. The cached
    /// set may be shared by a running answer, so it is copied, not taken.
    pub(crate) fn states_at(
        &self,
        s: &Settings,
        req: &EnsembleRequest,
        base: &'static Scenario,
        d: u32,
        need: usize,
    ) -> Option<Arc<BaselineStates<'static>>> {
        let key = Self::states_key(s, req, d);
        let need = need.clamp(1, req.runs);
        let cached = {
            let cache = self.states.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, st)| st.clone())
        };
        // The cached set holds members 0..held (the only partial sets are
        // first members).
        let held = cached.as_ref().map_or(0, |st| st.members().end);
        if let Some(st) = cached.as_ref().filter(|_| held >= need) {
            return Some(st.clone());
        }
        // States of the same baseline at an earlier day holding those
        // members: continue them (`BaselineStates::advanced`, the same
        // states) instead of simulating the days before that day again.
        let prefix = Self::states_key(s, req, 0);
        let prefix = &prefix[..prefix.len() - 1];
        let earlier = {
            let cache = self.states.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .iter()
                .filter(|(k, st)| k.starts_with(prefix) && st.members().end >= need)
                .filter_map(|(_, st)| {
                    let day = st.days_kept().into_iter().max()?;
                    (day < d).then(|| (day, st.clone()))
                })
                .max_by_key(|(day, _)| *day)
        };
        let (more, from) = match earlier {
            Some((from, st)) => (st.advanced(d, held..need).ok()?, from),
            // An error here (the agent engine) means no branching: full runs.
            None => (
                corridor::cancel::baseline_member_states(&self.input, base, req, d, held..need)
                    .ok()?,
                0,
            ),
        };
        self.state_days.fetch_add(
            more.members().len() as u64 * (d - from) as u64,
            Ordering::Relaxed,
        );
        let st = Arc::new(match cached {
            Some(part) => BaselineStates::clone(&part).join(more).ok()?,
            None => more,
        });
        let mut cache = self.states.lock().unwrap_or_else(|e| e.into_inner());
        // Another worker (outside `shared_work`: `run_levers`) may have
        // cached more members meanwhile; a set never replaces a larger one.
        if let Some((_, other)) = cache
            .iter()
            .find(|(k, _)| *k == key)
            .filter(|(_, other)| other.members().end >= st.members().end)
        {
            return Some(other.clone());
        }
        cache.retain(|(k, _)| *k != key);
        cache.push((key, st.clone()));
        if cache.len() > KEEP_STATES {
            cache.remove(0);
        }
        Some(st)
    }

    /// Computes what the first answers with the default settings need, a
    /// few members at a time, so that the page's first look is there soon
    /// after start: first the first look's members (their member states at
    /// the default policy date and their baseline runs: about one member's
    /// time with as many cores as members), then, `k` members at a time, the
    /// others', and the whole baseline from their kept runs. Between batches
    /// it gives way to answers being computed (an answer needing the rest
    /// computes it itself, under `shared_work`, and the warm-up then finds it
    /// cached). The server calls it once at start, after printing the URL.
    pub fn warm_up(&self) -> Result<(), ApiError> {
        let s = Settings::default();
        let (_, req, _) = self.prepare(&s)?;
        let members = req.runs;
        let base = self.baseline_scenario(None)?;
        let from = levers::default_policy_from(base);
        let d = from.days_since(base.start_date).max(0) as u32;
        let step = self.first_look_size(members).unwrap_or(members);
        let mut m = step;
        loop {
            self.give_way(&s);
            let _busy = self.shared_work.lock().unwrap_or_else(|e| e.into_inner());
            if self.has_baseline(&s) {
                return Ok(());
            }
            if d > 0 {
                self.states_at(&s, &req, base, d, m);
            }
            // After the states: the baseline continues from them.
            if m >= members {
                self.baseline(&s)?;
                return Ok(());
            }
            if m == step {
                self.baseline_look(&s, m)?;
            } else {
                self.baseline_first_members(&s, m)?;
            }
            m = (m + step).min(members);
        }
    }

    /// Waits while answers are being computed (the warm-up's batches would
    /// share the cores, and rayon's queue, with them), unless the baseline of
    /// `s` is cached (nothing left to warm up).
    pub(crate) fn give_way(&self, s: &Settings) {
        while self.active.load(Ordering::SeqCst) > 0 && !self.has_baseline(s) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Member-days simulated so far to compute baseline member states
    /// (the levers' and baselines' ensembles are not counted here; a
    /// request's `CancelToken` counts its levers' days).
    pub fn baseline_state_days(&self) -> u64 {
        self.state_days.load(Ordering::Relaxed)
    }

    /// Member-days simulated so far by the baselines' ensembles (continuing
    /// from member states, or from day 0; the states themselves are
    /// [`App::baseline_state_days`]).
    pub fn baseline_days(&self) -> u64 {
        self.baseline_token.days_simulated()
    }

    /// The key of `s`'s baseline in `App::baselines` and `App::partials`.
    pub(crate) fn baseline_key(&self, s: &Settings) -> String {
        let members = s.members.unwrap_or(self.cfg.default_members);
        format!("{:?}/{members}/{:?}/{:?}", s.variant, s.days, s.seed)
    }

    /// Whether the baseline of `s` is cached.
    pub(crate) fn has_baseline(&self, s: &Settings) -> bool {
        self.cached_baseline(s).is_some()
    }

    /// The baseline of `s`, if cached.
    fn cached_baseline(&self, s: &Settings) -> Option<Arc<Baseline>> {
        self.baselines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&self.baseline_key(s))
            .cloned()
    }

    /// The ensemble request of the first `runs` members of the baseline of
    /// `s` (never written: the baseline is only compared with).
    pub(crate) fn baseline_request(&self, s: &Settings, runs: usize) -> EnsembleRequest {
        EnsembleRequest {
            variant: s.variant.clone(),
            runs,
            seed: s.seed,
            days: s.days,
            engine: EngineKind::Auto,
            out: None,
            format: Default::default(),
        }
    }

    pub(crate) fn baseline_plan(
        &self,
        s: &Settings,
        runs: usize,
    ) -> Result<EnsemblePlan, ApiError> {
        self.baseline_request(s, runs)
            .plan(&self.input)
            .map_err(ApiError::from_corridor)
    }

    /// The baseline of `s` being computed member by member (created empty).
    pub(crate) fn partial(&self, s: &Settings, seed: u64, members: usize) -> Arc<Partial> {
        let key = self.baseline_key(s);
        let mut m = self.partials.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, p)) = m.iter().find(|(k, _)| *k == key) {
            return p.clone();
        }
        let p = Arc::new(Partial {
            runs: KeptRuns::first(seed, members),
            first: Mutex::new(None),
        });
        m.push((key, p.clone()));
        if m.len() > KEEP_LOOKS {
            m.remove(0);
        }
        p
    }

    /// Member states of the baseline of `s` kept at some day (a levers'
    /// branch day): they hold its first days, so its members continue from
    /// them instead of simulating those days a second time (the same
    /// ensemble). The set with the most members, extended to the first `m`
    /// members when it holds fewer: a member missing from it would run from
    /// day 0, simulating the same days as its states do, and the levers'
    /// next answer from that day would compute them again.
    ///
    /// A scenario variant without states of its own continues from the base
    /// scenario's (same members, days and seed) when it branches from the
    /// base at or after their day: a variant is dated events added to the
    /// base (the built-in ones start in late December), so toggling it on
    /// the page does not simulate again the days the base's states hold.
    pub(crate) fn continuation_states(
        &self,
        s: &Settings,
        m: usize,
    ) -> Option<Arc<BaselineStates<'static>>> {
        let (best, owner) = match self.largest_states(s, |_| true) {
            Some(st) => (st, s.clone()),
            None => {
                s.variant.as_ref()?;
                let base = Settings {
                    variant: None,
                    ..s.clone()
                };
                // Only states kept at or before the variant's first change.
                let variant = self.baseline_scenario(s.variant.as_deref()).ok()?;
                let st = self.largest_states(&base, |st| st.branch_day(variant).is_some())?;
                (st, base)
            }
        };
        if best.members().end >= m {
            return Some(best);
        }
        let members = s.members.unwrap_or(self.cfg.default_members);
        let more = best.days_kept().into_iter().max().and_then(|d| {
            let sc = self.baseline_scenario(owner.variant.as_deref()).ok()?;
            self.states_at(&owner, &self.baseline_request(&owner, members), sc, d, m)
        });
        more.or(Some(best))
    }

    /// The cached member states of the baseline of `s` that `usable` accepts
    /// with the most members, of those the latest day's (continuing from it
    /// simulates the fewest days), of those the most recent.
    fn largest_states(
        &self,
        s: &Settings,
        usable: impl Fn(&BaselineStates<'static>) -> bool,
    ) -> Option<Arc<BaselineStates<'static>>> {
        let members = s.members.unwrap_or(self.cfg.default_members);
        let prefix = format!("{:?}/{members}/{:?}/{:?}/", s.variant, s.days, s.seed);
        let cache = self.states.lock().unwrap_or_else(|e| e.into_inner());
        // `max_by_key` gives the last of the largest: the most recent.
        cache
            .iter()
            .filter(|(k, st)| k.starts_with(&prefix) && usable(st))
            .map(|(_, st)| st.clone())
            .max_by_key(|st| (st.members().len(), st.days_kept().into_iter().max()))
    }

    /// The ensemble of the first `m` members of the baseline of `s` (the
    /// `m`-member ensemble of the same seed), their runs kept for the whole
    /// baseline (`App::partials`): members already run are not run again.
    pub(crate) fn baseline_first_members(
        &self,
        s: &Settings,
        m: usize,
    ) -> Result<(Arc<Ensemble>, Arc<Partial>), ApiError> {
        let members = s.members.unwrap_or(self.cfg.default_members);
        let plan = self.baseline_plan(s, m)?;
        let partial = self.partial(s, plan.options.seed, members);
        let states = self.continuation_states(s, m);
        let e = run_plan(
            &plan,
            states.as_deref(),
            &self.baseline_token,
            &partial.runs,
        )?
        .ok_or_else(never_cancelled)?;
        Ok((Arc::new(e), partial))
    }

    /// The baseline's first look of `k` members (`k` = [`App::first_look_size`]),
    /// if it is there without computing anything.
    pub(crate) fn cached_look(&self, s: &Settings, k: usize) -> Option<Arc<Ensemble>> {
        if let Some(b) = self.cached_baseline(s) {
            return b
                .first
                .as_ref()
                .filter(|(f, _)| *f == k)
                .map(|(_, e)| e.clone());
        }
        let key = self.baseline_key(s);
        let partials = self.partials.lock().unwrap_or_else(|e| e.into_inner());
        let (_, p) = partials.iter().find(|(pk, _)| *pk == key)?;
        let first = p.first.lock().unwrap_or_else(|e| e.into_inner());
        first
            .as_ref()
            .filter(|(f, _)| *f == k)
            .map(|(_, e)| e.clone())
    }

    /// The baseline's first look of `k` members: cached, or computed from
    /// its `k` members alone (their runs kept for the whole baseline), so
    /// that a first look at a baseline not yet computed (the server's start,
    /// another scenario variant, seed or member count) takes `k` members'
    /// time, not all of them.
    pub(crate) fn baseline_look(&self, s: &Settings, k: usize) -> Result<Arc<Ensemble>, ApiError> {
        if let Some(e) = self.cached_look(s, k) {
            return Ok(e);
        }
        let (e, partial) = self.baseline_first_members(s, k)?;
        *partial.first.lock().unwrap_or_else(|e| e.into_inner()) = Some((k, e.clone()));
        Ok(e)
    }

    /// The baseline of `s` (its scenario variant, members, days, seed), cached,
    /// with its first look's ensemble when it has one. Members already run
    /// (by a first look, or the warm-up's batches) are not run again.
    pub(crate) fn baseline(&self, s: &Settings) -> Result<Arc<Baseline>, ApiError> {
        let members = s.members.unwrap_or(self.cfg.default_members);
        if let Some(e) = self.cached_baseline(s) {
            return Ok(e);
        }
        let key = self.baseline_key(s);
        // All its members: the whole baseline.
        let (full, partial) = self.baseline_first_members(s, members)?;
        // The first look's ensemble from the same member runs (all kept now):
        // reducing them again costs a few milliseconds, running them a
        // member's time.
        let first = match self.first_look_size(members) {
            Some(k) => {
                let known = partial
                    .first
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone()
                    .filter(|(f, _)| *f == k);
                Some(match known {
                    Some(f) => f,
                    None => (k, self.baseline_first_members(s, k)?.0),
                })
            }
            None => None,
        };
        let e = Arc::new(Baseline { full, first });
        let mut cache = self.baselines.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 32 {
            cache.clear();
        }
        cache.insert(key.clone(), e.clone());
        drop(cache);
        // Its kept runs are no longer needed.
        self.partials
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(k, _)| *k != key);
        Ok(e)
    }
}
