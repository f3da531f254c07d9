//! Connector and task lifecycle and the data loops: source task → transforms →
//! converters → producer, and consumer → converters → transforms → sink task.

pub mod connector;
pub mod errors;
pub mod exactly_once;
pub mod offsets;
pub mod pipeline;
pub mod restart;
pub mod sink;
pub mod source;
pub mod status;
pub mod task;
pub mod topic_creation;
pub mod topics;
pub mod work;

use std::sync::Arc;

use crate::config::WorkerConfig;
use crate::plugin::PluginRegistry;

pub use status::{State, Status};

/// What every connector and task on this worker shares.
pub struct WorkerServices {
    pub config: Arc<WorkerConfig>,
    pub registry: Arc<PluginRegistry>,
    pub offsets: Arc<dyn offsets::OffsetStore>,
    /// Where tasks record the topics they use (KIP-558).
    pub topics: Arc<dyn topics::TopicTracker>,
    /// `config.providers`: resolves `${provider:…}` variables where plugins need values.
    pub providers: crate::config::providers::ConfigProviders,
    /// The distributed herder, for exactly-once source tasks' zombie-fencing
    /// preflight (set once it exists; weak, as the herder owns these services).
    pub fencing: std::sync::OnceLock<std::sync::Weak<dyn exactly_once::ZombieFencing>>,
}
