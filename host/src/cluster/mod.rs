//! Herders: who runs which connector. Standalone runs everything in this process
//! with source offsets in a local file.

pub mod file_offsets;
pub mod herder;

pub use file_offsets::FileOffsetStore;
pub use herder::{ConnectorInfo, Herder, HerderError};
