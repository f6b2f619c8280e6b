//! `corridor serve`: the what-if page. A local web server (axum on tokio) that
//! serves one embedded page for a scenario and answers lever settings with the
//! ensemble of those levers beside the baseline's.
//!
//! No logic of its own: the levers are variant events (`levers`), read back
//! through the scenario reader (`corridor::variant_file`), and run with
//! the library's cancellable ensembles (`corridor::cancel`:
//! `ensemble_planned_keeping`, `baseline_member_states`) on the count engine; `answer` only reduces the
//! result for drawing, and the map is corridor-report's `draw_map`.
//!
//! Invariants and limits:
//! * Every asset is embedded (`page.html`); the page loads nothing from the
//!   network. The browser never names a file path: the only inputs are lever
//!   values, validated as scenario file values (a bad one is a 400 with the
//!   reader's message, never a panic).
//! * A bounded worker pool (`Config::workers` ensembles at once). A request that
//!   cannot get a worker within `Config::queue_wait` is answered 503 with
//!   `Retry-After`. A request from a client that has since sent a newer one
//!   (its `seq` is no longer the latest) is answered 409 "superseded": without
//!   running when it was still waiting, and when it was already running its
//!   levers' ensemble is cancelled (`corridor::CancelToken`, which the library
//!   checks once per simulated day of each member), so it stops using CPU.
//!   The baseline is not cancelled: it is cached and shared by the client's
//!   next request.
//! * Request bodies are limited to `MAX_BODY` bytes; members to
//!   `Config::max_members`; days to the scenario's own period; the inflow
//!   factor to `Config::max_inflow_factor` (the population limit).
//! * Same settings and seed give the same answer (the ensemble is deterministic),
//!   so a reloaded URL shows the same numbers. Levers that write no event give
//!   the baseline's ensemble itself (not run twice).
//! * An answer writes no file: the last `KEEP_DIRS` answers' ensembles are
//!   kept in memory, and "Download" writes the directory of one (as the CLI
//!   writes it, for the levers' variant) when it is first asked for.
//! * Lever answers branch from the baseline (`corridor::ensemble_branched_unwritten`):
//!   the scale and set levers are dated "policy from" (default: the
//!   scenario's `report_from`, else its start), every day before the levers'
//!   first change is the baseline's, so the baseline's member states at that
//!   day are computed once per (variant, members, days, seed, day), kept
//!   (at most `KEEP_STATES`), and each answer runs its members from there.
//!   Exact: the same ensemble as full runs (docs/serve.md). The default
//!   answer's baseline is computed at start (`App::warm_up`), its first
//!   look's members first, then a few members at a time, giving way to
//!   answers between batches.
//! * Observed monthly counts are the library's (`corridor::forecast::observations`,
//!   the scenario's `[observations] cbp_monthly`), read once at start.
//! * First look (issue 16: a 20-member answer takes seconds): a request may
//!   carry `first_look: k` (`k` = [`App::first_look_size`], advertised in
//!   `/api/levers`); it is answered with the ensemble of the first `k`
//!   members, which IS the `k`-member ensemble with the same seed (member
//!   `i`'s seed does not depend on the number of members), so it equals
//!   `corridor ensemble --runs k` of the same variant file. Nothing is
//!   computed twice: a baseline not yet computed runs only its first `k`
//!   members for a first look, their runs kept (`KeptRuns`, in
//!   `App::partials`) for the whole baseline, which runs only the others;
//!   the levers' members branch from the baseline's cached states (at a
//!   policy date whose states are not cached yet, a first look computes the
//!   states of its `k` members only, and the full answer those of the
//!   others, joined to them: `App::states_at`), and
//!   the levers' `k` runs are kept (`KeptRuns`, at most `KEEP_LOOKS`) for the
//!   full answer of the same settings, which then runs only the other
//!   members. A first look is never kept for "Download" (that is of the full
//!   answer), and it is superseded like any request (the page sends both
//!   with the same `seq`).

pub mod answer;
pub mod levers;
pub mod zip;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use corridor::ensemble::EnsemblePlan;
use corridor::{CancelToken, EngineKind, EnsembleRequest, Input};
use corridor_ensemble::branch::KeptRuns;
use corridor_ensemble::{BaselineStates, Ensemble};
use corridor_model::counts::branch::branch_day;
use corridor_model::{MonthlyObserved, Scenario};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

pub use answer::Answer;
pub use levers::{Catalogue, Settings};

/// The page, embedded in the binary.
const PAGE: &str = include_str!("page.html");

/// Largest request body accepted (lever settings are a few hundred bytes).
pub const MAX_BODY: usize = 64 * 1024;

/// Name of the variant the levers become.
const LEVERS_VARIANT: &str = "what-if";

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Ensembles run at once (each uses every core through rayon).
    pub workers: usize,
    /// How long a request waits for a worker before a 503.
    pub queue_wait: Duration,
    pub max_members: usize,
    pub default_members: usize,
    pub max_inflow_factor: f64,
    /// Members of a first look (before clamping to `members − 1`, see
    /// [`App::first_look_size`]): by default rayon's threads, at least 2,
    /// since `threads` members take about one member's time.
    pub first_look: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            workers: 1,
            queue_wait: Duration::from_secs(2),
            max_members: 100,
            default_members: 20,
            max_inflow_factor: 10.0,
            first_look: rayon::current_num_threads().max(2),
        }
    }
}

/// Errors of the server itself (binding, serving).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("serving: {0}")]
    Serve(#[source] std::io::Error),
    #[error("creating the server's work directory: {0}")]
    WorkDir(#[source] std::io::Error),
    #[error("reading the scenario's observed monthly counts: {0}")]
    Observed(#[source] corridor::Error),
}

/// A request's failure, as the page sees it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    fn bad(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
    fn from_corridor(e: corridor::Error) -> Self {
        ApiError {
            status: if e.is_bad_input() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            },
            message: e.chain_text(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }
}

/// A client's latest `seq` and the cancel tokens of its requests with it.
type Latest = (u64, Vec<Arc<CancelToken>>);

/// The server's state: the loaded input, the pool, the latest request of each
/// client, cached baselines and the directories of recent answers.
pub struct App {
    input: Input,
    cfg: Config,
    pool: Arc<Semaphore>,
    /// Per client: its latest `seq` and the cancel tokens of its requests with
    /// that `seq` (cancelled when a newer one arrives).
    latest: Mutex<HashMap<String, Latest>>,
    /// Observed monthly counts (people) when the scenario ships them.
    observed: Option<MonthlyObserved>,
    baselines: Mutex<HashMap<String, Arc<Baseline>>>,
    /// The baseline scenarios (the input with one of its own variants, or
    /// none), one each: the baselines' member states borrow them for as long
    /// as the server runs, so each is leaked once (at most the number of
    /// the scenario's variants plus one).
    scenarios: Mutex<HashMap<Option<String>, &'static Scenario>>,
    /// The baselines' member states at a branch day (`corridor::baseline_states`),
    /// most recent last, at most [`KEEP_STATES`]: per (variant, members,
    /// days, seed, day) one set, holding the members its `members()` says
    /// (the first look's first `k`, or all of them).
    states: Mutex<Vec<(String, Arc<BaselineStates<'static>>)>>,
    /// Member-days simulated to compute baseline member states (all sets
    /// together): what the tests count to see that no state is computed twice.
    state_days: AtomicU64,
    /// Settings (as JSON) → the answer's ensemble, most recent last.
    dirs: Mutex<Vec<(String, Arc<Kept>)>>,
    /// Settings (as JSON) → the levers' member runs of their first look, for
    /// their full answer (which takes them out); most recent last, at most
    /// [`KEEP_LOOKS`].
    looks: Mutex<Vec<(String, Arc<KeptRuns>)>>,
    /// Baselines being computed member by member (by their first look, or by
    /// the warm-up a few members at a time), by baseline key: their members'
    /// runs so far, for the whole baseline, which then runs only the others;
    /// most recent last, at most [`KEEP_LOOKS`]; dropped when the whole
    /// baseline is cached.
    partials: Mutex<Vec<(String, Arc<Partial>)>>,
    /// Watched by the baselines' members (never cancelled: a baseline is
    /// cached and shared); counts the member-days they simulate.
    baseline_token: Arc<CancelToken>,
    /// Answers being computed: the warm-up gives way to them between its
    /// batches of members.
    active: AtomicUsize,
    counter: AtomicU64,
    /// Held while the cached parts of an answer (baseline states, baseline)
    /// are computed, by `warm_up` for its whole length: a request arriving
    /// during the warm-up waits for it instead of computing the same
    /// ensembles beside it on the same cores.
    shared_work: Mutex<()>,
    work: tempfile::TempDir,
}

/// Answers' ensembles kept for "Download".
const KEEP_DIRS: usize = 8;

/// First looks whose member runs are kept for their full answer (each: the
/// first look's members' daily records, a few MB per member for the built-in
/// scenario). A page asks for the full answer right after its first look, so
/// a few cover several clients.
const KEEP_LOOKS: usize = 4;

/// A baseline ensemble and, when its members allow a first look, the ensemble
/// of its first [`App::first_look_size`] members (reduced from the same runs).
struct Baseline {
    full: Arc<Ensemble>,
    first: Option<(usize, Arc<Ensemble>)>,
}

/// A baseline computed member by member: the runs of its members so far
/// (kept for every member: `KeptRuns::first(seed, members)`) and the
/// ensemble of its first look once there.
struct Partial {
    runs: KeptRuns,
    first: Mutex<Option<(usize, Arc<Ensemble>)>>,
}

/// Counts an answer as active while it lives (see `App::active`).
struct Active<'a>(&'a AtomicUsize);

impl<'a> Active<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Active(n)
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A recent answer's ensemble, kept for "Download". Its directory is written
/// on the first download, not while answering: rendering and writing the
/// files and the report took about a tenth of an answer's CPU time, on one
/// core after the members, for a download few answers get.
struct Kept {
    /// The input with the levers' variant added.
    input: Input,
    /// The levers' ensemble plan; `plan.out_dir` is the directory.
    plan: EnsemblePlan,
    ens: Arc<Ensemble>,
    /// Whether `plan.out_dir` has been written (held while writing it).
    written: Mutex<bool>,
}

impl Kept {
    /// The directory, written as the CLI writes it (once).
    fn dir(&self) -> Result<&std::path::Path, ApiError> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if !*written {
            corridor::ensemble::write_ensemble_dir(&self.input, &self.plan, &self.ens)
                .map_err(ApiError::from_corridor)?;
            *written = true;
        }
        Ok(&self.plan.out_dir)
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        if *self.written.get_mut().unwrap_or_else(|e| e.into_inner()) {
            let _ = std::fs::remove_dir_all(&self.plan.out_dir);
        }
    }
}

/// Baselines' member states kept (each: members × one engine state, tens
/// of MB for 20 members of the built-in scenario).
const KEEP_STATES: usize = 4;

/// An answer request: the levers plus who sent it and its order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerRequest {
    #[serde(default)]
    client: String,
    #[serde(default)]
    seq: u64,
    /// Members of a first look (`App::first_look_size`); none: the full answer.
    #[serde(default)]
    first_look: Option<usize>,
    settings: Settings,
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad(format!("request body: {e}")))
}

impl App {
    pub fn new(input: Input, cfg: Config) -> Result<Arc<App>, ServeError> {
        let work = tempfile::Builder::new()
            .prefix("corridor-serve-")
            .tempdir()
            .map_err(ServeError::WorkDir)?;
        // Flee instances name no `cbp_monthly`; their camp series are not monthly.
        let observed = if input.scenario.observed.cbp_monthly.is_some() {
            match corridor::forecast::observations(&input, None).map_err(ServeError::Observed)? {
                corridor_forecast::Observed::Monthly(m) => Some(m),
                corridor_forecast::Observed::Camps(_) => None,
            }
        } else {
            None
        };
        Ok(Arc::new(App {
            pool: Arc::new(Semaphore::new(cfg.workers.max(1))),
            observed,
            input,
            cfg,
            latest: Mutex::new(HashMap::new()),
            baselines: Mutex::new(HashMap::new()),
            scenarios: Mutex::new(HashMap::new()),
            states: Mutex::new(Vec::new()),
            state_days: AtomicU64::new(0),
            dirs: Mutex::new(Vec::new()),
            looks: Mutex::new(Vec::new()),
            partials: Mutex::new(Vec::new()),
            baseline_token: Arc::new(CancelToken::new()),
            active: AtomicUsize::new(0),
            counter: AtomicU64::new(0),
            shared_work: Mutex::new(()),
            work,
        }))
    }

    pub fn catalogue(&self) -> Catalogue {
        let mut c = levers::catalogue(
            &self.input.scenario,
            self.cfg.max_members,
            self.cfg.default_members,
        );
        c.first_look = self.cfg.first_look.max(1);
        c
    }

    /// Members of the first look of an answer of `members` members: the
    /// configured size, at most `members − 1`; none for 2 members or fewer
    /// (a first look would save at most one member).
    pub fn first_look_size(&self, members: usize) -> Option<usize> {
        (members > 2).then(|| self.cfg.first_look.clamp(1, members - 1))
    }

    /// The first look a request asks for, checked: `None` for the full
    /// answer (also for `k` = members, which is the full answer); a 400 for a
    /// `k` outside `1..=members` or other than this server's first look.
    fn first_look_of(&self, s: &Settings, k: Option<usize>) -> Result<Option<usize>, ApiError> {
        let Some(k) = k else { return Ok(None) };
        let members = s.members.unwrap_or(self.cfg.default_members);
        if k == 0 || k > members {
            return Err(ApiError::bad(format!(
                "first_look: {k} is outside 1..={members} (the members asked for)"
            )));
        }
        if k == members {
            return Ok(None);
        }
        match self.first_look_size(members) {
            Some(f) if f == k => Ok(Some(k)),
            Some(f) => Err(ApiError::bad(format!(
                "first_look: this server's first look of {members} members is {f} members, not {k}"
            ))),
            None => Err(ApiError::bad(format!(
                "first_look: no first look for {members} members (only for 3 or more)"
            ))),
        }
    }

    /// Checks the limits and reads the levers back as a variant; returns the
    /// input with the variant added, the request and the TOML.
    fn prepare(&self, s: &Settings) -> Result<(Input, EnsembleRequest, String), ApiError> {
        let members = s.members.unwrap_or(self.cfg.default_members);
        if members == 0 || members > self.cfg.max_members {
            return Err(ApiError::bad(format!(
                "members: {members} is outside 1..={} (this server's limit)",
                self.cfg.max_members
            )));
        }
        let max_days = self.input.scenario.days;
        if let Some(d) = s.days {
            if d == 0 || d > max_days {
                return Err(ApiError::bad(format!(
                    "days: {d} is outside 1..={max_days} (the scenario's period)"
                )));
            }
        }
        if s.inflow.is_some_and(|f| f > self.cfg.max_inflow_factor) {
            return Err(ApiError::bad(format!(
                "inflow: a factor above {} is beyond this server's population limit",
                self.cfg.max_inflow_factor
            )));
        }
        let toml = s.to_variant_toml(LEVERS_VARIANT, &self.input.scenario);
        let mut input = self.input.clone();
        corridor::variant_file::add_variant_on(
            &mut input,
            "levers.toml",
            &toml,
            s.variant.as_deref(),
        )
        .map_err(ApiError::from_corridor)?;
        let req = EnsembleRequest {
            variant: Some(LEVERS_VARIANT.into()),
            runs: members,
            seed: s.seed,
            days: s.days,
            engine: EngineKind::Auto,
            out: None,
            format: Default::default(),
        };
        Ok((input, req, toml))
    }

    fn next_dir(&self, what: &str) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        self.work.path().join(format!("{what}-{n}"))
    }

    /// Runs the levers' ensemble and keeps it for "Download" (its directory,
    /// as the CLI writes it, is written when downloaded); `None` when `cancel`
    /// was set before it finished. When the levers leave the run as `base`'s
    /// (no event written), `base` is the answer: the same scenario, options
    /// and seed give the same ensemble. `look`: a first look of that many
    /// members (`base` is then the baseline's first look), not kept for
    /// "Download"; its member runs are kept for the full answer instead.
    fn run_levers(
        &self,
        s: &Settings,
        base: Option<&Arc<Ensemble>>,
        cancel: &Arc<CancelToken>,
        look: Option<usize>,
    ) -> Result<Option<(Arc<Kept>, String)>, ApiError> {
        let (input, mut req, toml) = self.prepare(s)?;
        req.out = Some(self.next_dir("ens"));
        let key = serde_json::to_string(s).unwrap_or_default();
        let unchanged = match base {
            Some(b) => {
                let levers = input
                    .with_variant(Some(LEVERS_VARIANT))
                    .map_err(ApiError::from_corridor)?;
                let plain = self
                    .input
                    .with_variant(s.variant.as_deref())
                    .map_err(ApiError::from_corridor)?;
                (levers.border.events == plain.border.events).then_some(b)
            }
            None => None,
        };
        let (plan, ens) = match unchanged {
            Some(b) => (
                req.plan(&input).map_err(ApiError::from_corridor)?,
                b.clone(),
            ),
            None => {
                // The full ensemble's states (its key has all the members):
                // they hold the first look's members too.
                let states = self.states_for(s, &input, &req, look.unwrap_or(req.runs));
                if let Some(k) = look {
                    req.runs = k;
                }
                let plan = req.plan(&input).map_err(ApiError::from_corridor)?;
                // A first look keeps its runs; the full answer takes those
                // of its first look, when it had one.
                let runs = match look {
                    Some(k) => Arc::new(KeptRuns::first(plan.options.seed, k)),
                    None => {
                        let mut looks = self.looks.lock().unwrap_or_else(|e| e.into_inner());
                        match looks.iter().position(|(k, _)| *k == key) {
                            Some(i) => looks.remove(i).1,
                            None => Arc::new(KeptRuns::first(plan.options.seed, 0)),
                        }
                    }
                };
                match run_plan(&plan, states.as_deref(), cancel, &runs)? {
                    Some(ens) => {
                        if look.is_some() {
                            let mut looks = self.looks.lock().unwrap_or_else(|e| e.into_inner());
                            looks.retain(|(k, _)| *k != key);
                            looks.push((key.clone(), runs));
                            if looks.len() > KEEP_LOOKS {
                                looks.remove(0);
                            }
                        }
                        (plan, Arc::new(ens))
                    }
                    None => return Ok(None),
                }
            }
        };
        let kept = Arc::new(Kept {
            input,
            plan,
            ens,
            written: Mutex::new(false),
        });
        if look.is_some() {
            return Ok(Some((kept, toml)));
        }
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        dirs.push((key, kept.clone()));
        if dirs.len() > KEEP_DIRS {
            // Its directory goes when the last holder (a download zipping
            // it) lets go of it (`Kept`'s drop).
            dirs.remove(0);
        }
        Ok(Some((kept, toml)))
    }

    /// The baseline scenario of a variant (`None`: the base), leaked once
    /// (see `App::scenarios`); an unknown variant is a 400.
    fn baseline_scenario(&self, variant: Option<&str>) -> Result<&'static Scenario, ApiError> {
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
    /// levers' variant added, `req`: their ensemble): the baseline scenario
    /// and the branch day. `None` when the levers cannot branch, branch on
    /// day 0 (which saves nothing) or change nothing within the period: their
    /// members then run from day 0, with the same result.
    fn branch_of(
        &self,
        s: &Settings,
        input: &Input,
        req: &EnsembleRequest,
    ) -> Option<(&'static Scenario, u32)> {
        let base = self.baseline_scenario(s.variant.as_deref()).ok()?;
        let levers = input.with_variant(Some(LEVERS_VARIANT)).ok()?;
        let days = req.days.unwrap_or(base.days);
        let d = branch_day(base, &levers)?;
        // Day 0 saves nothing; levers that change nothing within the period
        // are the baseline itself (see `run_levers`).
        (d > 0 && d < days).then_some((base, d))
    }

    /// The key of a set of baseline member states in `App::states`.
    fn states_key(s: &Settings, req: &EnsembleRequest, d: u32) -> String {
        format!(
            "{:?}/{}/{:?}/{:?}/{d}",
            s.variant, req.runs, req.days, req.seed
        )
    }

    /// The baseline's member states the levers of `s` branch from, holding
    /// at least the first `need` members (a first look's `k`, or
    /// `req.runs`): computed once per (variant, members, days, seed, branch
    /// day) and cached (see [`App::states_at`]); `None` where
    /// [`App::branch_of`] finds no branch.
    fn states_for(
        &self,
        s: &Settings,
        input: &Input,
        req: &EnsembleRequest,
        need: usize,
    ) -> Option<Arc<BaselineStates<'static>>> {
        let (base, d) = self.branch_of(s, input, req)?;
        self.states_at(s, req, base, d, need)
    }

    /// Whether what [`App::states_for`] would return is there without
    /// computing anything (no branch, or the states cached).
    fn states_ready(
        &self,
        s: &Settings,
        input: &Input,
        req: &EnsembleRequest,
        need: usize,
    ) -> bool {
        let Some((_, d)) = self.branch_of(s, input, req) else {
            return true;
        };
        let key = Self::states_key(s, req, d);
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
    fn states_at(
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
        // An error here (the agent engine) means no branching: full runs.
        let more =
            corridor::cancel::baseline_member_states(&self.input, base, req, d, held..need).ok()?;
        let kept_day = more.days_kept().into_iter().max().unwrap_or(0);
        self.state_days.fetch_add(
            more.members().len() as u64 * kept_day as u64,
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
    fn give_way(&self, s: &Settings) {
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
    fn baseline_key(&self, s: &Settings) -> String {
        let members = s.members.unwrap_or(self.cfg.default_members);
        format!("{:?}/{members}/{:?}/{:?}", s.variant, s.days, s.seed)
    }

    /// Whether the baseline of `s` is cached.
    fn has_baseline(&self, s: &Settings) -> bool {
        self.baselines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&self.baseline_key(s))
    }

    /// The ensemble request of the first `runs` members of the baseline of
    /// `s` (never written: the baseline is only compared with).
    fn baseline_request(&self, s: &Settings, runs: usize) -> EnsembleRequest {
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

    fn baseline_plan(&self, s: &Settings, runs: usize) -> Result<EnsemblePlan, ApiError> {
        self.baseline_request(s, runs)
            .plan(&self.input)
            .map_err(ApiError::from_corridor)
    }

    /// The baseline of `s` being computed member by member (created empty).
    fn partial(&self, s: &Settings, seed: u64, members: usize) -> Arc<Partial> {
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
    fn continuation_states(&self, s: &Settings, m: usize) -> Option<Arc<BaselineStates<'static>>> {
        let members = s.members.unwrap_or(self.cfg.default_members);
        let prefix = format!("{:?}/{members}/{:?}/{:?}/", s.variant, s.days, s.seed);
        let best = {
            let cache = self.states.lock().unwrap_or_else(|e| e.into_inner());
            // The last of the largest: the most recent.
            cache
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .map(|(_, st)| st.clone())
                .max_by_key(|st| st.members().len())
        }?;
        if best.members().end >= m {
            return Some(best);
        }
        let more = best.days_kept().into_iter().max().and_then(|d| {
            let base = self.baseline_scenario(s.variant.as_deref()).ok()?;
            self.states_at(s, &self.baseline_request(s, members), base, d, m)
        });
        more.or(Some(best))
    }

    /// The ensemble of the first `m` members of the baseline of `s` (the
    /// `m`-member ensemble of the same seed), their runs kept for the whole
    /// baseline (`App::partials`): members already run are not run again.
    fn baseline_first_members(
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
    fn cached_look(&self, s: &Settings, k: usize) -> Option<Arc<Ensemble>> {
        let key = self.baseline_key(s);
        if let Some(b) = self
            .baselines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return b
                .first
                .as_ref()
                .filter(|(f, _)| *f == k)
                .map(|(_, e)| e.clone());
        }
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
    fn baseline_look(&self, s: &Settings, k: usize) -> Result<Arc<Ensemble>, ApiError> {
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
    fn baseline(&self, s: &Settings) -> Result<Arc<Baseline>, ApiError> {
        let members = s.members.unwrap_or(self.cfg.default_members);
        let key = self.baseline_key(s);
        if let Some(e) = self
            .baselines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(e.clone());
        }
        let plan = self.baseline_plan(s, members)?;
        let partial = self.partial(s, plan.options.seed, members);
        let states = self.continuation_states(s, members);
        let full = run_plan(
            &plan,
            states.as_deref(),
            &self.baseline_token,
            &partial.runs,
        )?
        .ok_or_else(never_cancelled)?;
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
        let e = Arc::new(Baseline {
            full: Arc::new(full),
            first,
        });
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

    /// The answer to `s` (blocking; runs up to two ensembles): `None` when
    /// `cancel` stopped the levers' ensemble. The baseline comes first and is
    /// never cancelled (cached, it serves the client's next request too).
    /// `first_look`: the first look of that many members (see the module doc),
    /// checked as [`App::first_look_size`] says; it needs only the baseline's
    /// first look (and the states of its members), not the whole baseline.
    pub fn answer(
        &self,
        s: &Settings,
        first_look: Option<usize>,
        cancel: &Arc<CancelToken>,
    ) -> Result<Option<Answer>, ApiError> {
        let _active = Active::new(&self.active);
        // Bad levers are a 400 before any ensemble runs.
        let (input, req, _) = self.prepare(s)?;
        let look = self.first_look_of(s, first_look)?;
        // The levers' branch states first: the baseline then continues from
        // them instead of simulating their days again. What is cached is
        // read without waiting for `shared_work` (the warm-up may hold it).
        let base = match look {
            Some(k) => match self
                .cached_look(s, k)
                .filter(|_| self.states_ready(s, &input, &req, k))
            {
                Some(b) => b,
                None => {
                    let _busy = self.shared_work.lock().unwrap_or_else(|e| e.into_inner());
                    self.states_for(s, &input, &req, k);
                    self.baseline_look(s, k)?
                }
            },
            None => {
                let _busy = self.shared_work.lock().unwrap_or_else(|e| e.into_inner());
                self.states_for(s, &input, &req, req.runs);
                self.baseline(s)?.full.clone()
            }
        };
        let Some((kept, toml)) = self.run_levers(s, Some(&base), cancel, look)? else {
            return Ok(None);
        };
        let mut a = answer::reduce(
            &kept.input,
            &kept.plan.scenario,
            &kept.ens,
            &base,
            self.observed.as_ref(),
            toml,
        );
        a.requested_members = req.runs;
        Ok(Some(a))
    }

    /// The zip of the ensemble directory of `s` (reused when just answered).
    pub fn download(&self, s: &Settings) -> Result<Vec<u8>, ApiError> {
        let key = serde_json::to_string(s).unwrap_or_default();
        let known = self
            .dirs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, d)| d.clone());
        let kept = match known {
            Some(k) => k,
            None => match self.run_levers(s, None, &Arc::new(CancelToken::new()), None)? {
                Some((k, _)) => k,
                None => return Err(superseded()),
            },
        };
        let dir = kept.dir()?;
        let folder = format!(
            "{}-{LEVERS_VARIANT}-ensemble",
            corridor::input::folder_name(&self.input.scenario.name)
        );
        zip::zip_dir(dir, &folder).map_err(|e| ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("zipping the ensemble directory: {e}"),
        })
    }

    /// Notes request `seq` of `client` and returns its cancel token: cancelled
    /// at once when the client has already sent a newer request, and later
    /// when it does. Requests without a client name are never superseded.
    fn note(&self, client: &str, seq: u64) -> Arc<CancelToken> {
        let token = Arc::new(CancelToken::new());
        if client.is_empty() {
            return token;
        }
        let mut m = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 10_000 {
            m.clear();
        }
        let (latest, running) = m.entry(client.to_string()).or_insert((seq, Vec::new()));
        if seq > *latest {
            for t in running.drain(..) {
                t.cancel();
            }
            *latest = seq;
        }
        if seq < *latest {
            token.cancel();
        } else {
            running.retain(|t| Arc::strong_count(t) > 1);
            running.push(token.clone());
        }
        token
    }

    fn stale(&self, client: &str, seq: u64) -> bool {
        !client.is_empty()
            && self
                .latest
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(client)
                .is_some_and(|(l, _)| *l > seq)
    }

    /// Runs `f` on a worker of the bounded pool, or answers 503 when none frees
    /// up within the queue wait.
    async fn on_worker<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&App) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(self.cfg.queue_wait, self.pool.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(ApiError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: "busy: every worker is running an ensemble; try again".into(),
            })?;
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&app)
        })
        .await
        .map_err(|e| ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("the worker failed: {e}"),
        })?
    }
}

/// The ensemble of `plan` (members branched from `states` where they can,
/// watching `cancel`; `None` when cancelled), with the members `runs` holds
/// answered from their kept runs and those it keeps kept: the same ensemble
/// (`corridor::cancel::ensemble_planned_keeping`).
fn run_plan(
    plan: &EnsemblePlan,
    states: Option<&BaselineStates<'_>>,
    cancel: &Arc<CancelToken>,
    runs: &KeptRuns,
) -> Result<Option<Ensemble>, ApiError> {
    corridor::cancel::ensemble_planned_keeping(plan, states, runs, cancel)
        .map_err(ApiError::from_corridor)
}

/// A baseline's ensemble came back cancelled: its token never is, so this
/// is a bug, but not one to panic the worker for.
fn never_cancelled() -> ApiError {
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: "a baseline ensemble was cancelled".into(),
    }
}

fn superseded() -> ApiError {
    ApiError {
        status: StatusCode::CONFLICT,
        message: "superseded by a newer request".into(),
    }
}

async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:",
            ),
        ],
        page_html(),
    )
}

/// The page with the report's map styles in place of its `/*MAP_CSS*/` mark
/// (one set of rules for both front ends' maps), built once.
fn page_html() -> &'static str {
    static HTML: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HTML.get_or_init(|| PAGE.replace("/*MAP_CSS*/", corridor_report::MAP_CSS))
}

async fn levers_api(State(app): State<Arc<App>>) -> Json<Catalogue> {
    Json(app.catalogue())
}

async fn answer_api(State(app): State<Arc<App>>, body: Bytes) -> Result<Json<Answer>, ApiError> {
    let req: AnswerRequest = parse(&body)?;
    let cancel = app.note(&req.client, req.seq);
    let (client, seq) = (req.client.clone(), req.seq);
    let answer = app
        .on_worker(move |app| {
            if app.stale(&client, seq) {
                return Err(superseded());
            }
            app.answer(&req.settings, req.first_look, &cancel)?
                .ok_or_else(superseded)
        })
        .await?;
    if app.stale(&req.client, req.seq) {
        return Err(superseded());
    }
    Ok(Json(answer))
}

async fn variant_api(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, ApiError> {
    let s: Settings = parse(&body)?;
    let (_, _, toml) = app.prepare(&s)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], toml).into_response())
}

async fn download_api(State(app): State<Arc<App>>, body: Bytes) -> Result<Response, ApiError> {
    let s: Settings = parse(&body)?;
    let bytes = app.on_worker(move |app| app.download(&s)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"what-if-ensemble.zip\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The server's routes over `app`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/levers", get(levers_api))
        .route("/api/answer", post(answer_api))
        .route("/api/variant", post(variant_api))
        .route("/api/download", post(download_api))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

/// Binds `host:port` (port 0 = any free port) and serves until the process
/// ends; `on_ready` gets the bound address (to print the URL).
pub async fn serve(
    app: Arc<App>,
    host: &str,
    port: u16,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), ServeError> {
    let addr = format!("{host}:{port}");
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: addr.clone(),
            source,
        })?;
    let bound = listener.local_addr().map_err(ServeError::Serve)?;
    on_ready(bound);
    // The default answer's baseline is computed now, not on the first
    // request (which waits for it as for any baseline).
    let warm = app.clone();
    tokio::task::spawn_blocking(move || {
        let _ = warm.warm_up();
    });
    axum::serve(listener, router(app))
        .await
        .map_err(ServeError::Serve)
}

/// [`serve`] on a runtime of its own, for a caller without one (the CLI).
pub fn serve_blocking(
    app: Arc<App>,
    host: &str,
    port: u16,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), ServeError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Serve)?
        .block_on(serve(app, host, port, on_ready))
}
