//! The JSON bodies of Kafka Connect's REST API (its `rest/entities` package), typed
//! so that handlers and the OpenAPI document share one definition.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::config::connector::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo};
pub use crate::herder::offsets::{ConnectorOffset, ConnectorOffsets, Message};
pub use crate::herder::{ConnectorInfo, PluginInfo, TaskId, TaskInfo};
pub use crate::worker::status::{ConnectorState, ConnectorStateInfo, TaskState};

/// `GET /`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ServerInfo {
    pub version: String,
    pub commit: String,
    pub kafka_cluster_id: Option<String>,
}

/// Every error: `{"error_code":N,"message":"…"}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorMessage {
    pub error_code: u16,
    pub message: String,
}

/// `GET /health` (KIP-1017).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct WorkerStatus {
    /// `healthy`, `starting` or `unhealthy`.
    pub status: String,
    pub message: String,
}

/// `POST /connectors`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CreateConnectorRequest {
    pub name: String,
    pub config: BTreeMap<String, String>,
    /// RUNNING (default), PAUSED or STOPPED (KIP-980).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_state: Option<String>,
}

/// `{"<connector>":{"topics":[…]}}` of `GET /connectors/{c}/topics`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ActiveTopics {
    pub topics: Vec<String>,
}

/// One entry of `GET /connectors?expand=…`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ExpandedConnector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConnectorStateInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ConnectorInfo>,
}

/// `GET /connectors`: names, or with `expand` a map of name → details.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ConnectorList {
    Names(Vec<String>),
    Expanded(BTreeMap<String, ExpandedConnector>),
}

/// A logger's level (KIP-495).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LoggerLevel {
    pub level: String,
    /// When this worker last changed it through the API; `null` otherwise (Kafka).
    #[serde(default)]
    pub last_modified: Option<u64>,
}

/// `PUT /admin/loggers/{name}`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SetLoggerLevel {
    pub level: String,
}
