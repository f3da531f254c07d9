//! Connector and task states, as Kafka Connect reports them.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Kafka Connect's `AbstractStatus.State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Unassigned,
    Running,
    Paused,
    Failed,
    Restarting,
    Stopped,
}

/// What a connector should be doing (Kafka Connect's `TargetState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetState {
    Started,
    Paused,
    Stopped,
}

impl TargetState {
    /// The name Kafka Connect writes.
    pub fn name(self) -> &'static str {
        match self {
            TargetState::Started => "STARTED",
            TargetState::Paused => "PAUSED",
            TargetState::Stopped => "STOPPED",
        }
    }

    /// `TargetState.valueOf`: exact, upper case.
    pub fn parse(name: &str) -> Option<TargetState> {
        match name {
            "STARTED" => Some(TargetState::Started),
            "PAUSED" => Some(TargetState::Paused),
            "STOPPED" => Some(TargetState::Stopped),
            _ => None,
        }
    }
}

/// A state with the failure trace that explains it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    pub state: State,
    pub trace: Option<String>,
}

impl Status {
    pub fn new(state: State) -> Self {
        Self { state, trace: None }
    }

    pub fn failed(trace: impl Into<String>) -> Self {
        Self {
            state: State::Failed,
            trace: Some(trace.into()),
        }
    }
}

/// A connector's state in `ConnectorStateInfo`, as the REST API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectorState {
    pub state: State,
    pub worker_id: String,
    /// The running plugin's version (KIP-891); null when the worker that wrote the
    /// status did not say, as Kafka Connect shows it.
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl ConnectorState {
    /// `status` reported by `worker_id`, running `version` of its plugin; an empty
    /// trace is left out, as Kafka does.
    pub fn new(status: &Status, worker_id: &str, version: Option<String>) -> Self {
        Self {
            state: status.state,
            worker_id: worker_id.to_string(),
            version,
            trace: status.trace.clone().filter(|t| !t.is_empty()),
        }
    }
}

/// A task's state in `ConnectorStateInfo` and `GET /connectors/{c}/tasks/{t}/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaskState {
    pub id: u32,
    pub state: State,
    pub worker_id: String,
    /// As in [`ConnectorState`].
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl TaskState {
    pub fn new(id: u32, status: &Status, worker_id: &str, version: Option<String>) -> Self {
        let ConnectorState {
            state,
            worker_id,
            version,
            trace,
        } = ConnectorState::new(status, worker_id, version);
        Self {
            id,
            state,
            worker_id,
            version,
            trace,
        }
    }
}

/// Kafka Connect's `ConnectorStateInfo`: `GET /connectors/{c}/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectorStateInfo {
    pub name: String,
    pub connector: ConnectorState,
    pub tasks: Vec<TaskState>,
    /// `source`, `sink` or `unknown`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A status shared between a task thread and the herder.
#[derive(Clone, Debug)]
pub struct SharedStatus(Arc<Mutex<Status>>);

impl SharedStatus {
    pub fn new(state: State) -> Self {
        Self(Arc::new(Mutex::new(Status::new(state))))
    }

    fn lock(&self) -> MutexGuard<'_, Status> {
        crate::util::lock(&self.0)
    }

    pub fn get(&self) -> Status {
        self.lock().clone()
    }

    pub fn set(&self, status: Status) {
        *self.lock() = status;
    }

    pub fn set_state(&self, state: State) {
        self.set(Status::new(state));
    }
}
