//! Errors of ensembles, sweeps and the MPI driver.
//!
//! Every variant names what went wrong precisely enough for the CLI to print it
//! as is: a bad option names the option, an unknown parameter lists the valid
//! ones, a failed member names its index and seed, a failed partitioned run names
//! its rank and seed, a failed write names the file.

use corridor_model::ModelError;
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum EnsembleError {
    /// An option is out of range (`runs = 0`, an empty parameter range, ...).
    #[error("invalid option {option}: {reason}")]
    InvalidOption { option: String, reason: String },

    /// A sweep names a parameter that `set_param` does not know.
    #[error("unknown parameter `{name}`; valid parameters are: {}", valid.join(", "))]
    UnknownParam { name: String, valid: Vec<String> },

    /// A parameter value that the model cannot use (negative speed, probability > 1, ...).
    #[error("parameter {name} = {value}: {reason}")]
    InvalidParamValue {
        name: String,
        value: f64,
        reason: String,
    },

    /// One member's run failed.
    #[error("member {member} (seed {seed})")]
    Member {
        member: usize,
        seed: u64,
        #[source]
        source: ModelError,
    },

    /// Members disagree on the shape of their output (engine bug).
    #[error("member {member}: {what} is {got}, expected {expected} as in member 0")]
    Shape {
        member: usize,
        what: &'static str,
        got: usize,
        expected: usize,
    },

    /// Port records exist but the scenario does not name as many ports.
    #[error("runs report {records} ports but the scenario has {named} port locations")]
    PortNames { records: usize, named: usize },

    /// Writing an output file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// One large run partitioned over MPI ranks failed (on this rank). The engine
    /// refuses what it cannot partition (the count engine) with
    /// `ModelError::InvalidScenario`, which stays in the chain as the source (and
    /// is not repeated in this message, which `{:#}` prints before it).
    #[error("partitioned run (rank {rank} of {ranks}, seed {seed})")]
    Partitioned {
        rank: u32,
        ranks: u32,
        seed: u64,
        #[source]
        source: ModelError,
    },

    /// Another MPI rank failed to compute one of its members.
    #[error("rank {rank} failed: {message}")]
    RankFailed { rank: i32, message: String },

    /// A compact member result received over MPI could not be decoded.
    #[error("corrupt member result from rank {rank}: {reason}")]
    Decode { rank: i32, reason: String },
}

impl EnsembleError {
    /// True when the error comes from what the user asked for (bad option, unknown
    /// parameter, value out of its domain): the CLI exits with code 2 for these,
    /// 1 for the others.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            EnsembleError::InvalidOption { .. }
                | EnsembleError::UnknownParam { .. }
                | EnsembleError::InvalidParamValue { .. }
        )
    }
}
