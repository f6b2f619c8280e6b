//! corridor-ensemble: many engine runs over one Scenario, reduced to statistics
//! (docs/design.md §2, §5, §8).
//!
//! * [`run_ensemble`]: N members with seeds `rng::mix(seed, Purpose::Member, 0, i)`,
//!   run in parallel with rayon, reduced per output cell to mean, sd, p5, p50, p95
//!   ([`stats`] defines them exactly), plus the ARD pair per member; written by
//!   [`Ensemble::write_dir`].
//! * [`sweep`]: Latin hypercube or Saltelli designs over named parameters
//!   ([`params`]), key outputs per sample, and sensitivity indices (Sobol with
//!   Jansen's estimators, standardised regression coefficients).
//! * `mpi` feature: [`mpi::mpi_ensemble`] splits members over MPI ranks and gives
//!   byte-identical outputs to the single-process run.
//!
//! Invariant: results depend only on the scenario, the options and the seed, never
//! on the number of threads or ranks. No printing; progress goes through callbacks.

pub mod branch;
pub mod design;
pub mod ensemble;
pub mod error;
pub mod member;
pub mod metrics;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod params;
pub mod sensitivity;
pub mod stats;
pub mod sweep;
pub mod write;

pub use branch::{run_branched_ensemble, BaselineStates};
pub use ensemble::{
    engine_name, member_run_options, member_seed, run_ensemble, run_ensemble_with, EnsembleOptions,
    Simulator, MEMBER_BATCH,
};
pub use error::EnsembleError;
pub use member::{
    Ensemble, MemberResult, MemberSummary, MonthlyStats, ScalarStats, DAILY_VARIABLES,
    PORT_VARIABLES, TOTAL_VARIABLES,
};
pub use metrics::{Ard, CampObservations};
pub use params::{get_param, param_names, set_param, set_params};
pub use stats::Stats;
pub use sweep::{
    sweep, sweep_with, ParamRange, SensitivityIndex, SweepMethod, SweepOptions, SweepRow,
    SweepTable,
};
