//! corridor's forecasts (docs/forecast.md): condition count-engine members on
//! what was observed up to an origin day, then forecast the following months
//! (scenarios, CBP monthly encounters per area) or days (Flee instances, camp
//! populations) with bands; and backtests that score such forecasts against
//! persistence, seasonal naive and the plain scenario run.
//!
//! * [`forecast`]: a particle filter over members (negative binomial likelihood
//!   of the observed counts, systematic resampling of whole run states,
//!   `CountRun::reseed` so that copies diverge), members' parameters jittered and
//!   drivers projected after the origin ([`drivers`]).
//! * [`backtest`]: forecasts from a series of origins, scored per horizon.
//!
//! Invariants: no I/O (the caller reads observations and writes results); the
//! forecast uses nothing dated after the origin (see [`drivers`]); the same
//! scenario, observations, request and seed give the same result whatever the
//! number of threads (members draw from keyed streams, reductions run in member
//! order).

pub mod backtest;
pub mod drivers;
mod filter;
pub mod stats;

pub use backtest::{backtest, Backtest, BacktestSpec, HorizonSkill, Outcome};
pub use filter::forecast;

use corridor_model::border::Event;
pub use corridor_model::MonthlyObserved;
use corridor_model::{Date, ModelError};
use serde::Serialize;
use thiserror::Error;

/// Why a forecast could not be made.
#[derive(Debug, Error)]
pub enum ForecastError {
    /// The request does not fit the scenario (origin outside its window, no
    /// observations before the origin, zero members, ...).
    #[error("{0}")]
    Request(String),
    /// A variant event dated on or before the origin: only events after it are
    /// what-ifs; earlier ones would rewrite what was observed.
    #[error(
        "the event '{event}' is dated on or before the origin {origin}; a forecast's added events must come after it"
    )]
    EventBeforeOrigin { event: String, origin: String },
    /// The count engine refused or failed a member.
    #[error("simulating a member (seed {seed})")]
    Model {
        seed: u64,
        #[source]
        source: ModelError,
    },
}

impl ForecastError {
    /// True when the request or its input is at fault (the CLI's exit code 2).
    pub fn is_bad_input(&self) -> bool {
        match self {
            ForecastError::Request(_) | ForecastError::EventBeforeOrigin { .. } => true,
            ForecastError::Model { source, .. } => matches!(
                source,
                ModelError::InvalidScenario(_)
                    | ModelError::NoSpawnLocation { .. }
                    | ModelError::TooManyAgents { .. }
                    | ModelError::TooManyCaravanPeople { .. }
            ),
        }
    }
}

/// One camp's observed population: (day from the scenario's start, people).
#[derive(Debug, Clone, PartialEq)]
pub struct CampObserved {
    pub location: usize,
    pub points: Vec<(i64, f64)>,
}

/// What was observed.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// Monthly encounters per area (corridor scenarios); horizons in months.
    Monthly(MonthlyObserved),
    /// Camp populations (Flee instances); horizons in days.
    Camps(Vec<CampObserved>),
}

impl Observed {
    /// A Flee instance's own camp series (its `source_data/`).
    pub fn camps_of(sc: &corridor_model::Scenario) -> Observed {
        let mut camps: Vec<CampObserved> = sc
            .data
            .camps
            .iter()
            .map(|c| CampObserved {
                location: c.location,
                points: c.series.points.clone(),
            })
            .collect();
        camps.sort_by_key(|c| c.location);
        camps.dedup_by_key(|c| c.location);
        Observed::Camps(camps)
    }

    /// True for monthly observations.
    pub fn is_monthly(&self) -> bool {
        matches!(self, Observed::Monthly(_))
    }
}

/// A forecast request.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The last day whose observations and drivers are used.
    pub origin: Date,
    /// Months (monthly observations) or days (camps) after the origin.
    pub horizon: u32,
    /// Number of members (particles).
    pub members: usize,
    pub seed: u64,
    /// A planner's events (a variant), all dated after the origin.
    pub added_events: Vec<Event>,
}

/// Mean and quantiles of one quantity over the members, in people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    /// `YYYY-MM` (months) or `YYYY-MM-DD` (days).
    pub period: String,
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl Band {
    /// The band of member values.
    pub fn of(period: String, values: &[f64]) -> Band {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        Band {
            period,
            mean: stats::mean(&v),
            p5: stats::quantile_sorted(&v, 0.05),
            p50: stats::quantile_sorted(&v, 0.5),
            p95: stats::quantile_sorted(&v, 0.95),
        }
    }
}

/// The forecast of one observed series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesForecast {
    /// `Office of Field Operations` / `U.S. Border Patrol`; `None` for camps.
    pub component: Option<String>,
    /// Area of responsibility or camp name.
    pub name: String,
    /// Observations used (periods on or before the origin, in the simulated window).
    pub observed: Vec<(String, f64)>,
    /// Members' simulated values up to the origin (after filtering, unanchored).
    pub nowcast: Vec<Band>,
    /// Periods after the origin, anchored to the last observation (docs/forecast.md).
    pub forecast: Vec<Band>,
    /// Per forecast period, the predictive sample (for CRPS): every member's
    /// value spread over the normal quantiles (docs/forecast.md, "Method").
    #[serde(skip)]
    pub members: Vec<Vec<f64>>,
}

/// The effective sample size after weighting at one observation time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EssPoint {
    pub period: String,
    pub ess: f64,
    pub resampled: bool,
}

/// A forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub origin: Date,
    /// Day index of the origin (days from the scenario's start).
    pub origin_day: i64,
    /// `months` or `days`.
    pub unit: &'static str,
    pub horizon: u32,
    pub members: usize,
    /// Distinct histories run up to the origin and resampled into the
    /// members there (docs/forecast.md, "Method"); the effective sample sizes
    /// are over these.
    pub histories: usize,
    pub seed: u64,
    pub method: String,
    /// Observation cells (area × month, or camp × day) that weighted members.
    pub observations_used: usize,
    /// Observed series the scenario does not model (not forecast).
    pub unmatched: Vec<String>,
    pub ess: Vec<EssPoint>,
    pub series: Vec<SeriesForecast>,
}
