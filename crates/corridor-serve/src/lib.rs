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
//! * Baselines and their member states are cached (`baselines`, whose doc
//!   gives the caches and their invariants).
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
//! * The server stops when `serve`'s `shutdown` future completes (the CLI's:
//!   Ctrl-C or SIGTERM, [`stop_signal`]): [`App::stop`] closes the pool and
//!   cancels every running answer and baseline, axum answers the open
//!   requests, and `serve_blocking` removes the work directory, so an
//!   interrupted server leaves no files.
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
mod baselines;
pub mod levers;
pub mod zip;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use baselines::{Baseline, Partial};
use corridor::ensemble::EnsemblePlan;
use corridor::{CancelToken, EngineKind, EnsembleRequest, Input};
use corridor_ensemble::branch::KeptRuns;
use corridor_ensemble::{BaselineStates, Ensemble};
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
    /// Whether `serve` computes the default answer's baseline at start
    /// (`App::warm_up`). Off only where a caller times answers and wants
    /// no warm-up batch beside them (tests).
    pub warm_up: bool,
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
            warm_up: true,
        }
    }
}

/// Errors of the server itself (starting, binding, serving). Each message
/// leaves its cause to the error's source (printed after it by the CLI).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("serving")]
    Serve(#[source] std::io::Error),
    #[error("creating the server's work directory")]
    WorkDir(#[source] std::io::Error),
    #[error("removing the server's work directory {}", path.display())]
    RemoveWorkDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading the scenario's observed monthly counts")]
    Observed(#[source] corridor::Error),
    /// The input cannot take the levers (a Flee instance): refused at start
    /// rather than answering every request with a 400.
    #[error("the what-if page's levers are policy variants")]
    NoLevers(#[source] corridor::Error),
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
    /// most recent last, at most [`baselines::KEEP_STATES`]: per (variant, members,
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
    /// Watched by the baselines' members (cancelled only when the server
    /// stops, [`App::stop`]: a baseline is cached and shared); counts the
    /// member-days they simulate.
    baseline_token: Arc<CancelToken>,
    /// Cancel tokens of running answers from requests without a client
    /// name (those with one are in `latest`): cancelled by [`App::stop`].
    anonymous: Mutex<Vec<std::sync::Weak<CancelToken>>>,
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
        corridor::variant_file::takes_variants(&input).map_err(ServeError::NoLevers)?;
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
            anonymous: Mutex::new(Vec::new()),
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
        let bs = self.baseline_settings(s);
        let base = match look {
            Some(k) => match self
                .cached_look(&bs, k)
                .filter(|_| self.states_ready(s, &input, &req, k))
            {
                Some(b) => b,
                None => {
                    let _busy = self.shared_work.lock().unwrap_or_else(|e| e.into_inner());
                    self.states_for(s, &input, &req, k);
                    self.baseline_look(&bs, k)?
                }
            },
            None => {
                let _busy = self.shared_work.lock().unwrap_or_else(|e| e.into_inner());
                self.states_for(s, &input, &req, req.runs);
                self.baseline(&bs)?.full.clone()
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
        if self.pool.is_closed() {
            token.cancel();
            return token;
        }
        if client.is_empty() {
            let mut others = self.anonymous.lock().unwrap_or_else(|e| e.into_inner());
            others.retain(|t| t.strong_count() > 0);
            others.push(Arc::downgrade(&token));
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
            .and_then(Result::ok);
        let Some(permit) = permit else {
            return Err(if self.pool.is_closed() {
                stopping()
            } else {
                ApiError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    message: "busy: every worker is running an ensemble; try again".into(),
                }
            });
        };
        let app = self.clone();
        let r = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&app)
        })
        .await
        .map_err(|e| ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("the worker failed: {e}"),
        })?;
        // Work cut short by `stop` says so rather than "superseded".
        match r {
            Err(_) if self.pool.is_closed() => Err(stopping()),
            r => r,
        }
    }

    /// Stops every computation for the server's end: waiting and new
    /// requests are answered 503 "stopping", running answers and baselines
    /// are cancelled (they end within a simulated day of each member).
    /// Idempotent.
    pub fn stop(&self) {
        self.pool.close();
        self.baseline_token.cancel();
        for (_, tokens) in self
            .latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            tokens.iter().for_each(|t| t.cancel());
        }
        for t in self
            .anonymous
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(std::sync::Weak::upgrade)
        {
            t.cancel();
        }
    }

    /// The server's work directory (where "Download" writes ensemble
    /// directories before zipping them): removed when the `App` is dropped,
    /// and by [`serve_blocking`] when the server stops.
    pub fn work_dir(&self) -> &std::path::Path {
        self.work.path()
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

fn stopping() -> ApiError {
    ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: "the server is stopping".into(),
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

/// Binds `host:port` (port 0 = any free port) and serves until `shutdown`
/// completes; `on_ready` gets the bound address (to print the URL). Then it
/// stops the app's computations ([`App::stop`]), takes no more connections
/// and returns when the open requests have been answered.
pub async fn serve(
    app: Arc<App>,
    host: &str,
    port: u16,
    on_ready: impl FnOnce(std::net::SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = format!("{host}:{port}");
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: addr.clone(),
            source,
        })?;
    let bound = listener.local_addr().map_err(ServeError::Serve)?;
    // Polled once before the URL is printed: signal handlers are installed
    // on a future's first poll, and a Ctrl-C right after the URL must stop
    // the server cleanly too, not kill it.
    let mut shutdown = Box::pin(shutdown);
    let early = tokio::select! {
        biased;
        _ = &mut shutdown => true,
        _ = std::future::ready(()) => false,
    };
    if early {
        app.stop();
        return Ok(());
    }
    on_ready(bound);
    // The default answer's baseline is computed now, not on the first
    // request (which waits for it as for any baseline).
    if app.cfg.warm_up {
        let warm = app.clone();
        tokio::task::spawn_blocking(move || {
            let _ = warm.warm_up();
        });
    }
    let stopper = app.clone();
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async move {
            shutdown.await;
            stopper.stop();
        })
        .await
        .map_err(ServeError::Serve)
}

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `kill` and
/// service managers send): the CLI's `shutdown` for [`serve_blocking`]. Where
/// a signal cannot be watched, it waits for the other (or forever).
pub async fn stop_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}

/// How long [`serve_blocking`] waits, after the last request, for
/// computations that cannot be cancelled (a baseline's member states, a
/// download being zipped) before it leaves them.
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// [`serve`] on a runtime of its own, for a caller without one (the CLI).
/// When `shutdown` completes it stops the server and removes the work
/// directory ([`App::work_dir`]), so an interrupted server leaves no files.
pub fn serve_blocking(
    app: Arc<App>,
    host: &str,
    port: u16,
    on_ready: impl FnOnce(std::net::SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let work = app.work_dir().to_path_buf();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Serve)?;
    let served = rt.block_on(serve(app, host, port, on_ready, shutdown));
    rt.shutdown_timeout(STOP_WAIT);
    // Gone already when the last holder of the app has dropped it (the usual
    // case); a computation left running past `STOP_WAIT` still holds it.
    if let Err(e) = std::fs::remove_dir_all(&work) {
        if e.kind() != std::io::ErrorKind::NotFound && served.is_ok() {
            return Err(ServeError::RemoveWorkDir {
                path: work,
                source: e,
            });
        }
    }
    served
}
