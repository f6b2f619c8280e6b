//! Exit codes (DESIGN §6): 0 success, 2 bad input, 1 any other failure. Bad input
//! is an `InputError` (a reader's complaint), a [`BadInput`] (a problem the command
//! found, e.g. a missing path or an unknown variant) or a `ModelError` (a scenario
//! the engine cannot run: `InvalidScenario`, `NoSpawnLocation`) anywhere in the
//! error chain, an `EnsembleError` that `is_bad_input()` (bad option, unknown
//! parameter, value out of its domain), a `CalibrateError` about the request or
//! its observed data, or bad use of the command line.
//!
//! clap itself exits with 2 on usage errors; [`BadInput`] covers the usage problems
//! only found after parsing (e.g. a path that does not exist).

use corridor_calibrate::CalibrateError;
use corridor_ensemble::EnsembleError;
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

fn bad_model(e: &ModelError) -> bool {
    matches!(
        e,
        ModelError::InvalidScenario(_) | ModelError::NoSpawnLocation { .. }
    )
}

fn bad_ensemble(e: &EnsembleError) -> bool {
    match e {
        EnsembleError::Member { source, .. } => bad_model(source),
        e => e.is_bad_input(),
    }
}

// `Param` and `Input` are transparent: their inner error is not in the chain.
fn bad_calibrate(e: &CalibrateError) -> bool {
    match e {
        CalibrateError::InvalidOption { .. }
        | CalibrateError::NoObservations { .. }
        | CalibrateError::Input(_) => true,
        CalibrateError::Param(p) => bad_ensemble(p),
        CalibrateError::Run { source, .. } => bad_model(source),
        _ => false,
    }
}

/// The exit code for an error: 2 when any cause is bad input, otherwise 1.
pub fn code(err: &anyhow::Error) -> u8 {
    let bad = err.chain().any(|c| {
        c.is::<InputError>()
            || c.is::<BadInput>()
            || c.downcast_ref::<ModelError>().is_some_and(bad_model)
            || c.downcast_ref::<EnsembleError>().is_some_and(bad_ensemble)
            || c.downcast_ref::<CalibrateError>()
                .is_some_and(bad_calibrate)
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
        let unknown = EnsembleError::UnknownParam {
            name: "x".into(),
            valid: vec!["move_rules.camp_weight".into()],
        };
        assert_eq!(
            code(&anyhow::Error::new(unknown).context("sweep")),
            BAD_INPUT
        );
        let io = EnsembleError::Io {
            path: "a.csv".into(),
            source: std::io::Error::other("disk full"),
        };
        assert_eq!(code(&anyhow::Error::new(io)), FAILURE);
        let unknown = CalibrateError::Param(EnsembleError::UnknownParam {
            name: "x".into(),
            valid: vec![],
        });
        assert_eq!(code(&anyhow::Error::new(unknown)), BAD_INPUT);
        let none = CalibrateError::NoObservations {
            scenario: "s".into(),
        };
        assert_eq!(code(&anyhow::Error::new(none)), BAD_INPUT);
    }
}
