//! Errors of validation and calibration.
//!
//! Every variant says what went wrong precisely enough for the CLI to print it as
//! is: a bad option names the option, a failed run names the scenario and the seed,
//! bad observed data come as a `corridor_io::error::InputError` (file, line, field,
//! column; exit code 2 in the CLI).

use corridor_ensemble::EnsembleError;
use corridor_io::error::InputError;
use corridor_model::ModelError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum CalibrateError {
    /// An option is out of range (`runs = 0`, an empty parameter range, ...).
    #[error("invalid option {option}: {reason}")]
    InvalidOption { option: String, reason: String },

    /// The scenario has nothing to validate against (no camp, no camp data).
    #[error("{scenario}: no observed camp data to validate against")]
    NoObservations { scenario: String },

    /// One engine run failed.
    #[error("{scenario} (seed {seed}): {source}")]
    Run {
        scenario: String,
        seed: u64,
        #[source]
        source: ModelError,
    },

    /// A parameter name or value that `corridor_ensemble::set_param` rejects.
    #[error(transparent)]
    Param(#[from] EnsembleError),

    /// Observed data (CBP encounters, monthly.csv) that cannot be read.
    #[error(transparent)]
    Input(#[from] InputError),

    /// The objective of a calibration failed (custom objectives).
    #[error("objective failed for candidate {candidate} of generation {generation}: {message}")]
    Objective {
        generation: usize,
        candidate: usize,
        message: String,
    },
}

impl CalibrateError {
    pub(crate) fn option(option: &str, reason: impl Into<String>) -> Self {
        CalibrateError::InvalidOption {
            option: option.to_string(),
            reason: reason.into(),
        }
    }
}
