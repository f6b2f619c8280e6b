//! corridor-model: the simulation core of corridor.
//!
//! Data in, state out: a [`Scenario`] and a seed go in, a [`RunOutput`] comes out.
//! No file I/O, no printing, no global state. Every random draw comes from a
//! stream keyed by (seed, purpose, day, entity) (see [`rng`]), so results do not
//! depend on thread or process counts.

pub mod border;
pub mod counts;
pub mod date;
pub mod engine;
pub mod error;
pub mod key_numbers;
pub mod metrics;
pub mod observed;
pub mod params;
pub mod record;
pub mod rng;
pub mod scenario;
pub mod series;
pub mod settings;

pub use date::Date;
#[doc(hidden)]
pub use engine::simulate_recounting;
pub use engine::{simulate, AgentRun, EngineKind, RunOptions};
pub use error::ModelError;
pub use observed::MonthlyObserved;
pub use record::{Accounting, DayRecord, PortDay, RunOutput};
pub use scenario::{
    CampData, Closure, ClosureTarget, ConflictSchedule, DataTable, Demographic, FloodSchedule,
    Link, Location, LocationKind, Scenario,
};
pub use series::Series;
pub use settings::Settings;
pub mod check;
