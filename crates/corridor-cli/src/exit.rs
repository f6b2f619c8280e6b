//! Exit codes (DESIGN §6): 0 success, 2 bad input, 1 any other failure. Bad input
//! is an `InputError` (a reader's complaint), a [`BadInput`] (a problem the command
//! found, e.g. a missing path or an unknown variant) or a `ModelError` (a scenario
//! the engine cannot run: `InvalidScenario`, `NoSpawnLocation`) anywhere in the
//! error chain, or bad use of the command line.
//!
//! clap itself exits with 2 on usage errors; [`BadInput`] covers the usage problems
//! only found after parsing (e.g. a path that does not exist).

use corridor_io::error::InputError;
use corridor_model::ModelError;
use thiserror::Error;

pub const OK: u8 = 0;
pub const FAILURE: u8 = 1;
pub const BAD_INPUT: u8 = 2;

/// Bad input detected by the command itself rather than by a reader.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// The exit code for an error: 2 when any cause is bad input, otherwise 1.
pub fn code(err: &anyhow::Error) -> u8 {
    let bad = err.chain().any(|c| {
        c.is::<InputError>()
            || c.is::<BadInput>()
            || matches!(
                c.downcast_ref::<ModelError>(),
                Some(ModelError::InvalidScenario(_) | ModelError::NoSpawnLocation { .. })
            )
    });
    if bad {
        BAD_INPUT
    } else {
        FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn input_errors_map_to_two_even_under_context() {
        let e: anyhow::Result<()> = Err(InputError::MissingFile {
            path: "input_csv/routes.csv".into(),
            needed_for: "the network".into(),
        })
        .context("reading Flee instance x");
        let e = e.unwrap_err();
        assert_eq!(code(&e), BAD_INPUT);
        assert_eq!(
            format!("{e:#}"),
            "reading Flee instance x: input_csv/routes.csv: file not found (the network)"
        );
        assert_eq!(code(&anyhow::Error::new(BadInput("no".into()))), BAD_INPUT);
        let m: anyhow::Result<()> =
            Err(ModelError::NoSpawnLocation { day: 3, needed: 5 }).context("simulating x (seed 1)");
        assert_eq!(code(&m.unwrap_err()), BAD_INPUT);
        let m = anyhow::Error::new(ModelError::InvalidScenario("no location 7".into()));
        assert_eq!(code(&m), BAD_INPUT);
        assert_eq!(code(&anyhow::anyhow!("disk full")), FAILURE);
    }
}
