//! corridor-calibrate: validation of runs against observed data and calibration
//! of model settings (issue 8).
//!
//! * [`validation`]: `corridor validate` — an ensemble's ARD and rescaled ARD
//!   (mean ± sd), per-camp errors and the MASE against naive forecasts
//!   ([`baselines`]), as a table ([`std::fmt::Display`]) and `validation.json`.
//! * [`calibrate`](mod@calibrate): `corridor calibrate` — CMA-ES ([`cmaes`]) over named
//!   settings (`corridor_ensemble::set_param` paths) minimising the mean rescaled
//!   ARD over Flee instances, with leave-one-out; writes a Flee-compatible
//!   `simsetting.yml` ([`settings_yaml`]), `trace.csv` and `calibration.json`. The
//!   search loop is generic over an objective closure.
//! * [`encounters`]: simulated monthly encounters against CBP's observed ones, as a
//!   metric and a calibration objective for corridor scenarios.
//!
//! Invariants: results depend only on inputs, options and seeds — never on the
//! number of threads (members and candidates run in parallel but are reduced in
//! a fixed order, every random draw comes from a keyed stream). No printing;
//! progress goes through callbacks. Formulas are in docs/validation.md.

pub mod baselines;
pub mod calibrate;
pub mod cmaes;
pub mod encounters;
pub mod error;
pub mod objective;
pub mod scenario_cal;
pub mod settings_yaml;
pub mod validation;

pub use baselines::{mase, naive_forecast, Mase, NaiveModel, ANCHOR_DAYS};
pub use calibrate::{
    apply_params, calibrate, calibrate_with, generation_seed, run_ards, search, settings_yaml_for,
    CalibrateOptions, Calibration, Finalist, Fold, InstanceScore, Objective, ParamRange,
    ParamResult, Progress, Score, Search, SearchOptions, TraceRow,
};
pub use encounters::{
    compare_encounters, complete_months, monthly_rows, parse_cbp, parse_monthly_csv, read_cbp,
    read_monthly_csv, CompareOptions, EncounterComparison, MonthlyRow, ObservedEncounters,
};
pub use error::CalibrateError;
pub use settings_yaml::settings_to_yaml;
pub use validation::{
    validate, validate_with, BaselineValidation, CampValidation, MeanSd, MemberStat,
    ValidateOptions, Validation,
};
