//! Per-member scalar metrics: the ARD and the rescaled ARD.
//!
//! Defined once, in `corridor_model::metrics` ([`CampObservations`] precomputes the
//! observed data an ensemble compares every member with); re-exported here so the
//! ensemble's API keeps its names.

pub use corridor_model::metrics::{Ard, CampObservations};
