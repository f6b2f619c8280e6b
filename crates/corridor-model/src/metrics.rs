//! Validation metrics (flee-spec §3.2).
