//! corridor-io: readers (Flee instances, corridor scenarios, observed data) and
//! atomic writers of every output file. Errors name file, line and field.

pub mod error;
pub mod flee;
pub mod scenario;
pub mod text;
pub mod write;
pub mod yaml;
