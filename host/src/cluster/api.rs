//! What the REST API asks of a herder, standalone or distributed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::herder::{ConnectorInfo, HerderError};
use crate::config::connector::ConfigInfos;

/// The signature headers of an internal (worker-to-worker) request.
#[derive(Clone, Debug, Default)]
pub struct RequestSignature {
    /// `X-Connect-Authorization`: base64 HMAC of the body.
    pub signature: Option<String>,
    /// `X-Connect-Request-Signature-Algorithm`.
    pub algorithm: Option<String>,
}

/// The herder operations behind Kafka Connect's REST resources. Every method may
/// block (plugin calls, Kafka round trips); the REST layer runs them off the async
/// runtime.
pub trait HerderApi: Send + Sync {
    fn connector_names(&self) -> Result<Vec<String>, HerderError>;
    fn validate_for_plugin(
        &self,
        class: &str,
        props: &BTreeMap<String, String>,
    ) -> Result<ConfigInfos, HerderError>;
    /// Creates or updates a connector; returns whether it was created.
    fn put_connector(
        &self,
        name: &str,
        props: BTreeMap<String, String>,
        allow_update: bool,
    ) -> Result<(bool, ConnectorInfo), HerderError>;
    fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError>;
    fn config(&self, name: &str) -> Result<BTreeMap<String, String>, HerderError>;
    fn status(&self, name: &str) -> Result<Value, HerderError>;
    fn task_status(&self, name: &str, task: u32) -> Result<Value, HerderError>;
    fn tasks(&self, name: &str) -> Result<Value, HerderError>;
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
    ) -> Result<Value, HerderError>;
    fn delete(&self, name: &str) -> Result<(), HerderError>;
    fn plugins(&self, connectors_only: bool) -> Vec<Value>;
    /// Internal endpoint `POST /connectors/{c}/tasks`: a worker running a connector
    /// hands its task configs to the leader.
    fn put_task_configs(
        &self,
        name: &str,
        configs: Vec<BTreeMap<String, String>>,
        body: &[u8],
        signature: &RequestSignature,
    ) -> Result<(), HerderError>;
}
