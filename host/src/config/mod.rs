//! Worker and connector configuration, with Kafka Connect's property names.

pub mod connector;
pub mod distributed;
pub mod properties;
pub mod providers;
pub mod task_restart;
pub mod topic_creation;
pub mod worker;

pub use connector::{ConfigErrors, ConnectorConfig};
pub use worker::{WorkerConfig, WorkerConfigError};
