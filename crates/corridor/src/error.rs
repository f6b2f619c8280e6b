//! The facade's error: one enum for every operation, so a front end can tell bad
//! input (the CLI's exit code 2, an HTTP 400) from any other failure (exit 1, an
//! HTTP 500) with [`Error::is_bad_input`].
//!
//! Each variant but [`Error::BadInput`] carries a context ("reading scenario x",
//! "simulating x (seed 1)") and keeps the library error as its `source`, so the
//! messages a reader builds (file, line, field) reach the user unchanged: the CLI
//! prints the chain as `context: source: ...`.
//!
//! Bad input is: a problem the facade finds itself (a missing path, an unknown
//! variant), any reader error (`InputError`), a scenario the engine cannot run
//! (`ModelError::InvalidScenario`, `NoSpawnLocation`, `TooManyAgents`,
//! `TooManyCaravanPeople`), an `EnsembleError` that
//! `is_bad_input()` (bad option, unknown parameter, value out of its domain) and a
//! `CalibrateError` about the request or its observed data, wherever they sit in
//! the chain of causes. So are output problems that are the user's to fix: an
//! `--out` that names a file or a folder that is not corridor's (`WriteError`),
//! and a directory handed to `report` that is not a whole run (`ReportError`
//! about the files' content, `ManifestError`); failing to read or write a file
//! that should be readable stays a failure (exit 1).

use corridor_calibrate::CalibrateError;
use corridor_ensemble::EnsembleError;
use corridor_io::error::InputError;
use corridor_io::write::{ManifestError, WriteError};
use corridor_model::ModelError;
use corridor_report::ReportError;
use thiserror::Error;

/// The result of every facade operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an operation failed; see the module documentation.
#[derive(Debug, Error)]
pub enum Error {
    /// Bad input found by the facade itself (a missing path, an unknown variant,
    /// an option that does not fit the input).
    #[error("{0}")]
    BadInput(String),
    /// A reader rejected an input file.
    #[error("{context}")]
    Input {
        context: String,
        #[source]
        source: Box<InputError>,
    },
    /// The engine failed or refused the scenario.
    #[error("{context}")]
    Model {
        context: String,
        #[source]
        source: Box<ModelError>,
    },
    /// An ensemble or a sweep failed.
    #[error("{context}")]
    Ensemble {
        context: String,
        #[source]
        source: Box<EnsembleError>,
    },
    /// Validation or calibration failed.
    #[error("{context}")]
    Calibrate {
        context: String,
        #[source]
        source: Box<CalibrateError>,
    },
    /// An output file could not be rendered or written.
    #[error("{context}")]
    Write {
        context: String,
        #[source]
        source: Box<WriteError>,
    },
    /// report.html could not be rendered or written.
    #[error("{context}")]
    Report {
        context: String,
        #[source]
        source: Box<ReportError>,
    },
    /// An output directory is not whole (missing, changed or unlisted files).
    #[error("{context}")]
    Manifest {
        context: String,
        #[source]
        source: Box<ManifestError>,
    },
    /// A file-system operation failed.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Another facade error, with what was being done (e.g. `variant x`).
    #[error("{context}")]
    Context {
        context: String,
        #[source]
        source: Box<Error>,
    },
}

fn bad_model(e: &ModelError) -> bool {
    matches!(
        e,
        ModelError::InvalidScenario(_)
            | ModelError::NoSpawnLocation { .. }
            | ModelError::TooManyAgents { .. }
            | ModelError::TooManyCaravanPeople { .. }
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

fn bad_write(e: &WriteError) -> bool {
    matches!(
        e,
        WriteError::OutIsFile { .. } | WriteError::NotOutputDir { .. }
    )
}

fn bad_manifest(e: &ManifestError) -> bool {
    !matches!(e, ManifestError::Read { .. })
}

fn bad_report(e: &ReportError) -> bool {
    !matches!(e, ReportError::Read { .. } | ReportError::Write { .. })
}

fn bad_cause(c: &(dyn std::error::Error + 'static)) -> bool {
    c.is::<InputError>()
        || c.downcast_ref::<WriteError>().is_some_and(bad_write)
        || c.downcast_ref::<ManifestError>().is_some_and(bad_manifest)
        || c.downcast_ref::<ReportError>().is_some_and(bad_report)
        || c.downcast_ref::<ModelError>().is_some_and(bad_model)
        || c.downcast_ref::<EnsembleError>().is_some_and(bad_ensemble)
        || c.downcast_ref::<CalibrateError>()
            .is_some_and(bad_calibrate)
}

/// True when `e` or any of its causes is bad input.
fn chain_is_bad(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if bad_cause(c) {
            return true;
        }
        cause = c.source();
    }
    false
}

impl Error {
    /// True when any cause in the chain is bad input (the CLI exits with 2).
    pub fn is_bad_input(&self) -> bool {
        // The library errors are boxed (to keep `Result`s small), so they are
        // taken out of their box here: a downcast of the chain would see the box.
        match self {
            Error::BadInput(_) | Error::Input { .. } => true,
            Error::Model { source, .. } => chain_is_bad(&**source),
            Error::Ensemble { source, .. } => chain_is_bad(&**source),
            Error::Calibrate { source, .. } => chain_is_bad(&**source),
            Error::Write { source, .. } => chain_is_bad(&**source),
            Error::Report { source, .. } => chain_is_bad(&**source),
            Error::Manifest { source, .. } => chain_is_bad(&**source),
            Error::Io { source, .. } => chain_is_bad(source),
            Error::Context { source, .. } => source.is_bad_input(),
        }
    }

    /// The message with every cause, `context: cause: ...` (as the CLI prints it).
    pub fn chain_text(&self) -> String {
        let mut s = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            s.push_str(": ");
            s.push_str(&c.to_string());
            cause = c.source();
        }
        s
    }

    pub(crate) fn bad(message: impl Into<String>) -> Error {
        Error::BadInput(message.into())
    }
}

/// Errors that can be wrapped with a context into an [`Error`].
pub trait Contextual {
    fn within(self, context: String) -> Error;
}

macro_rules! contextual {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl Contextual for $t {
            fn within(self, context: String) -> Error {
                Error::$v { context, source: Box::new(self) }
            }
        }
    )*};
}

contextual!(
    InputError => Input,
    ModelError => Model,
    EnsembleError => Ensemble,
    CalibrateError => Calibrate,
    WriteError => Write,
    ReportError => Report,
    ManifestError => Manifest,
);

impl Contextual for std::io::Error {
    fn within(self, context: String) -> Error {
        Error::Io {
            context,
            source: self,
        }
    }
}

impl Contextual for Error {
    fn within(self, context: String) -> Error {
        Error::Context {
            context,
            source: Box::new(self),
        }
    }
}

/// `.context(..)` and `.with_context(|| ..)` for library results.
pub trait ResultExt<T> {
    fn context(self, context: impl Into<String>) -> Result<T>;
    fn with_context(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Contextual> ResultExt<T> for std::result::Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| e.within(context.into()))
    }
    fn with_context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| e.within(context()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_found_anywhere_in_the_chain() {
        let e: Result<()> = Err(InputError::MissingFile {
            path: "input_csv/routes.csv".into(),
            needed_for: "the network".into(),
        })
        .context("reading Flee instance x");
        let e = e.unwrap_err();
        assert!(e.is_bad_input());
        assert_eq!(
            e.chain_text(),
            "reading Flee instance x: input_csv/routes.csv: file not found (the network)"
        );
        let nested = e.within("variant a".into());
        assert!(nested.is_bad_input());
        assert!(nested.chain_text().starts_with("variant a: reading Flee"));
        assert!(Error::bad("no").is_bad_input());
        let m = ModelError::NoSpawnLocation { day: 3, needed: 5 }.within("simulating x".into());
        assert!(m.is_bad_input());
        let m = ModelError::InvalidScenario("no location 7".into()).within("x".into());
        assert!(m.is_bad_input());
        let io = std::io::Error::other("disk full").within("writing a".into());
        assert!(!io.is_bad_input());
        let unknown = EnsembleError::UnknownParam {
            name: "x".into(),
            valid: vec!["move_rules.camp_weight".into()],
        };
        assert!(unknown.within("sweep".into()).is_bad_input());
        let io = EnsembleError::Io {
            path: "a.csv".into(),
            source: std::io::Error::other("disk full"),
        };
        assert!(!io.within("ensemble".into()).is_bad_input());
        let unknown = CalibrateError::Param(EnsembleError::UnknownParam {
            name: "x".into(),
            valid: vec![],
        });
        assert!(unknown.within("calibration".into()).is_bad_input());
        let none = CalibrateError::NoObservations {
            scenario: "s".into(),
        };
        assert!(none.within("calibration".into()).is_bad_input());
        let failed = CalibrateError::Objective {
            generation: 1,
            candidate: 2,
            message: "x".into(),
        };
        assert!(!failed.within("calibration".into()).is_bad_input());
        let file = WriteError::OutIsFile { path: "x".into() };
        assert!(file.within("writing".into()).is_bad_input());
        let full = WriteError::Io {
            path: "x".into(),
            source: std::io::Error::other("disk full"),
        };
        assert!(!full.within("writing".into()).is_bad_input());
        let mixed = ManifestError::Unlisted {
            dir: "d".into(),
            file: "f".into(),
        };
        assert!(mixed.within("report".into()).is_bad_input());
        let not_run = ReportError::NotARunDirectory { dir: "d".into() };
        assert!(not_run.within("report".into()).is_bad_input());
    }

    /// Library errors are boxed so that every `Result` stays small.
    #[test]
    fn errors_are_small() {
        assert!(
            std::mem::size_of::<Error>() <= 48,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
