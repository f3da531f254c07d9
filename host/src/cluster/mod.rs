//! Herders: who runs which connector. Standalone runs everything in this process
//! with source offsets in a local file.

pub mod api;
pub mod assignor;
pub mod config_log;
pub mod connector_offsets;
pub mod distributed;
pub mod file_offsets;
pub mod group;
pub mod herder;
pub mod kafka_log;
pub mod kafka_offsets;
pub mod protocol;
pub mod status_log;
pub mod wire;

pub use api::{Health, HerderApi, RequestSignature};
pub use file_offsets::FileOffsetStore;
pub use herder::{ConnectorInfo, Herder, HerderError};
