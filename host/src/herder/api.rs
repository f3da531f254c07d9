//! What the REST API asks of a herder, standalone or distributed.

use std::collections::BTreeMap;

use std::sync::Arc;

use super::offsets::{self, ConnectorOffset, ConnectorOffsets, Message, OffsetsTarget};
use super::{ConnectorInfo, HerderError, PluginInfo, TaskInfo};
use crate::config::connector::ConfigInfos;
use crate::plugin::PluginKind;
use crate::worker::WorkerServices;
use crate::worker::status::{ConnectorStateInfo, TargetState, TaskState};

/// The signature headers of an internal (worker-to-worker) request.
#[derive(Clone, Debug, Default)]
pub struct RequestSignature {
    /// `X-Connect-Authorization`: base64 HMAC of the body.
    pub signature: Option<String>,
    /// `X-Connect-Request-Signature-Algorithm`.
    pub algorithm: Option<String>,
}

/// A worker's answer to `/health` (KIP-1017).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Still starting: 503.
    Starting,
    /// 200.
    Healthy,
    /// Its herder did not answer in time: 500.
    Unhealthy,
}

/// The herder operations behind Kafka Connect's REST resources. Every method may
/// block (plugin calls, Kafka round trips); the REST layer runs them off the async
/// runtime.
pub trait HerderApi: Send + Sync {
    /// What this worker's connectors and tasks share (plugins, offsets, topics).
    fn services(&self) -> &Arc<WorkerServices>;
    /// `/health`: whether the worker has finished starting and still serves
    /// requests, found out within `timeout`.
    fn health(&self, timeout: std::time::Duration) -> Health;
    fn connector_names(&self) -> Result<Vec<String>, HerderError>;
    fn validate_for_plugin(
        &self,
        class: &str,
        props: &BTreeMap<String, String>,
    ) -> Result<ConfigInfos, HerderError>;
    /// Creates or updates a connector; returns whether it was created. A new
    /// connector starts in `initial_state` (KIP-980), RUNNING when `None`.
    fn put_connector(
        &self,
        name: &str,
        props: BTreeMap<String, String>,
        allow_update: bool,
        initial_state: Option<TargetState>,
    ) -> Result<(bool, ConnectorInfo), HerderError>;
    /// The connector's target state.
    fn target_state(&self, name: &str) -> Result<TargetState, HerderError>;
    /// `PUT /connectors/{c}/stop`: shuts the connector and its tasks down and drops
    /// its task configs (KIP-875's STOPPED state).
    fn stop(&self, name: &str) -> Result<(), HerderError>;
    /// Sets a logger level on every worker of the cluster (KIP-976); standalone
    /// sets it here.
    fn set_cluster_logger_level(&self, namespace: &str, level: &str) -> Result<(), HerderError>;
    fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError>;
    fn config(&self, name: &str) -> Result<BTreeMap<String, String>, HerderError>;
    fn status(&self, name: &str) -> Result<ConnectorStateInfo, HerderError>;
    fn task_status(&self, name: &str, task: u32) -> Result<TaskState, HerderError>;
    fn tasks(&self, name: &str) -> Result<Vec<TaskInfo>, HerderError>;
    fn pause(&self, name: &str) -> Result<(), HerderError>;
    fn resume(&self, name: &str) -> Result<(), HerderError>;
    fn restart_connector(&self, name: &str) -> Result<(), HerderError>;
    fn restart_task(&self, name: &str, task: u32) -> Result<(), HerderError>;
    /// KIP-745 restart: returns the connector's state with what restarts marked
    /// RESTARTING.
    fn restart_with_flags(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> Result<ConnectorStateInfo, HerderError>;
    fn delete(&self, name: &str) -> Result<(), HerderError>;
    fn plugins(&self, connectors_only: bool) -> Vec<PluginInfo>;
    /// Internal endpoint `POST /connectors/{c}/tasks`: a worker running a connector
    /// hands its task configs to the leader.
    fn put_task_configs(
        &self,
        name: &str,
        configs: Vec<BTreeMap<String, String>>,
        body: &[u8],
        signature: &RequestSignature,
    ) -> Result<(), HerderError>;

    /// `PUT /connectors/{c}/fence` (internal, signed; KIP-618): the leader fences the
    /// connector's earlier task generations. Standalone has no zombies to fence.
    fn fence_zombies(
        &self,
        name: &str,
        body: &[u8],
        signature: &RequestSignature,
    ) -> Result<(), HerderError> {
        let _ = (name, body, signature);
        Err(HerderError::BadRequest(
            "Kafka Connect in standalone mode does not support exactly-once source connectors or zombie fencing.".into(),
        ))
    }

    /// `PATCH /connectors/{c}/config` (KIP-477): `None` removes a key.
    fn patch_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> Result<ConnectorInfo, HerderError> {
        let mut config = self.config(name)?;
        for (key, value) in patch {
            match value {
                Some(v) => config.insert(key, v),
                None => config.remove(&key),
            };
        }
        self.put_connector(name, config, true, None)
            .map(|(_, info)| info)
    }

    /// `GET /connectors/{c}/offsets` (KIP-875).
    fn offsets(&self, name: &str) -> Result<ConnectorOffsets, HerderError> {
        let (props, kind) = self.offsets_target(name)?;
        offsets::read(&self.offsets_view(name, kind, &props))
    }

    /// `PATCH /connectors/{c}/offsets` (KIP-875): only on a STOPPED connector.
    fn alter_offsets(
        &self,
        name: &str,
        offsets: &[ConnectorOffset],
    ) -> Result<Message, HerderError> {
        let (props, kind) = self.stopped_offsets_target(name)?;
        offsets::alter(&self.offsets_view(name, kind, &props), offsets)
    }

    /// `DELETE /connectors/{c}/offsets` (KIP-875): only on a STOPPED connector.
    fn reset_offsets(&self, name: &str) -> Result<Message, HerderError> {
        let (props, kind) = self.stopped_offsets_target(name)?;
        offsets::reset(&self.offsets_view(name, kind, &props))
    }

    /// The connector's config (providers resolved) and kind, for offset requests.
    fn offsets_target(
        &self,
        name: &str,
    ) -> Result<(BTreeMap<String, String>, PluginKind), HerderError> {
        let raw = self.config(name)?;
        let services = self.services();
        let props = services.providers.resolve(&raw).unwrap_or(raw);
        let kind = props
            .get("connector.class")
            .and_then(|c| services.registry.find(c))
            .map(|p| p.kind)
            .ok_or_else(|| {
                HerderError::BadRequest(format!(
                    "Connector {name} has no connector plugin installed on this worker"
                ))
            })?;
        Ok((props, kind))
    }

    /// As [`HerderApi::offsets_target`], refusing a connector that is not STOPPED.
    fn stopped_offsets_target(
        &self,
        name: &str,
    ) -> Result<(BTreeMap<String, String>, PluginKind), HerderError> {
        let target = self.offsets_target(name)?;
        let stopped =
            self.target_state(name)? == TargetState::Stopped && self.info(name)?.tasks.is_empty();
        if !stopped {
            return Err(HerderError::BadRequest(offsets::not_stopped_message(name)));
        }
        Ok(target)
    }

    /// The borrowed view the offsets module works on.
    fn offsets_view<'a>(
        &'a self,
        name: &'a str,
        kind: PluginKind,
        props: &'a BTreeMap<String, String>,
    ) -> OffsetsTarget<'a> {
        let services = self.services();
        OffsetsTarget {
            worker: &services.config,
            store: services.offsets.as_ref(),
            name,
            kind,
            props,
        }
    }
}
