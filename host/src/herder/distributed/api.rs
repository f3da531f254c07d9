//! What the REST API asks of a distributed worker: reads answer from the local
//! snapshot and status cache; writes only the leader (or a task's owner) may do come
//! back as `HerderError::Elsewhere` and are forwarded.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::DistributedHerder;
use crate::config::connector::ConfigInfos;
use crate::herder::{
    ConnectorInfo, Health, HerderApi, HerderError, PluginInfo, RequestSignature, TaskId, TaskInfo,
    not_found, plugin_list, precheck_connector, restart_plan, validate_config,
    validate_plugin_config,
};
use crate::storage::config_log::ConfigSnapshot;
use crate::storage::status_log::StatusRecord;
use crate::util::lock;
use crate::worker::WorkerServices;
use crate::worker::status::{ConnectorState, ConnectorStateInfo, Status, TargetState, TaskState};

impl HerderApi for DistributedHerder {
    fn services(&self) -> &Arc<WorkerServices> {
        &self.services
    }

    /// Starting until its first assignment; then healthy while the herder thread
    /// keeps getting round its loop.
    fn health(&self, timeout: Duration) -> Health {
        if lock(&self.member).owned.is_none() {
            return Health::Starting;
        }
        if self.herder_responsive(timeout) {
            Health::Healthy
        } else {
            Health::Unhealthy
        }
    }

    fn target_state(&self, name: &str) -> Result<TargetState, HerderError> {
        Ok(self.snapshot_with(name)?.target_state(name))
    }

    /// Kafka's `stopConnector`: the leader writes STOPPED, then an empty set of task
    /// configs, so every worker stops the connector before its tasks vanish.
    fn stop(&self, name: &str) -> Result<(), HerderError> {
        self.require_leader("Only the leader can stop connectors.")?;
        self.refresh()?;
        self.snapshot_with(name)?;
        self.configs
            .put_target_state(name, TargetState::Stopped)
            .map_err(|e| HerderError::Internal(format!("cannot write target state: {e}")))?;
        self.write_task_configs(name, &[])?;
        Ok(())
    }

    fn set_cluster_logger_level(&self, namespace: &str, level: &str) -> Result<(), HerderError> {
        self.configs
            .put_logger_level(namespace, level)
            .map_err(|e| HerderError::Internal(format!("cannot write the logger level: {e}")))?;
        self.refresh()
    }

    fn connector_names(&self) -> Result<Vec<String>, HerderError> {
        Ok(self.configs.snapshot().connectors.keys().cloned().collect())
    }

    fn validate_for_plugin(
        &self,
        class: &str,
        props: &BTreeMap<String, String>,
    ) -> Result<ConfigInfos, HerderError> {
        validate_plugin_config(&self.services, class, props)
    }

    fn put_connector(
        &self,
        name: &str,
        props: BTreeMap<String, String>,
        allow_update: bool,
        initial_state: Option<TargetState>,
    ) -> Result<(bool, ConnectorInfo), HerderError> {
        let class = precheck_connector(name, &props)?;
        let mut props = props;
        props.insert("name".into(), name.to_string());
        let validation = validate_config(&self.services, &class, &props);
        if validation.resolved.is_none() {
            return Err(HerderError::BadRequest(validation.errors.message(&class)));
        }
        self.require_leader("Only the leader can set connector configs.")?;
        self.refresh()?;
        let exists = self.configs.snapshot().connectors.contains_key(name);
        if exists && !allow_update {
            return Err(HerderError::Conflict(format!(
                "Connector {name} already exists"
            )));
        }
        // KIP-980: the target state goes first, so no worker starts the new
        // connector in the wrong state.
        if !exists && let Some(state) = initial_state.filter(|s| *s != TargetState::Started) {
            self.configs
                .put_target_state(name, state)
                .map_err(|e| HerderError::Internal(format!("cannot write target state: {e}")))?;
        }
        self.configs
            .put_connector_config(name, &props)
            .map_err(|e| HerderError::Internal(format!("cannot write connector config: {e}")))?;
        self.refresh()?;
        self.wake();
        let snapshot = self.configs.snapshot();
        let info = self
            .info_from(name, &snapshot)
            .ok_or_else(|| HerderError::Internal(format!("connector {name} was not stored")))?;
        Ok((!exists, info))
    }

    fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        let snapshot = self.snapshot_with(name)?;
        self.info_from(name, &snapshot)
            .ok_or_else(|| not_found(name))
    }

    fn config(&self, name: &str) -> Result<BTreeMap<String, String>, HerderError> {
        let snapshot = self.snapshot_with(name)?;
        Ok(snapshot.connectors.get(name).cloned().unwrap_or_default())
    }

    fn status(&self, name: &str) -> Result<ConnectorStateInfo, HerderError> {
        let snapshot = self.configs.snapshot();
        let Some(connector) = self.statuses.connector(name) else {
            return Err(HerderError::NotFound(format!(
                "No status found for connector {name}"
            )));
        };
        let count = snapshot.task_count(name);
        let tasks = self
            .statuses
            .tasks(name)
            .into_iter()
            .filter(|(id, _)| *id < count)
            .map(|(id, record)| task_state(id, &record))
            .collect();
        let kind = snapshot
            .connectors
            .get(name)
            .map(|p| self.kind_of(p))
            .unwrap_or_else(|| "unknown".into());
        Ok(ConnectorStateInfo {
            name: name.to_string(),
            connector: ConnectorState::new(
                &record_status(&connector),
                &connector.worker_id,
                connector.version.clone(),
            ),
            tasks,
            kind,
        })
    }

    fn task_status(&self, name: &str, task: u32) -> Result<TaskState, HerderError> {
        self.statuses
            .tasks(name)
            .get(&task)
            .map(|record| task_state(task, record))
            .ok_or_else(|| HerderError::NotFound(format!("No status found for task {name}-{task}")))
    }

    fn tasks(&self, name: &str) -> Result<Vec<TaskInfo>, HerderError> {
        let snapshot = self.snapshot_with(name)?;
        Ok(snapshot
            .tasks
            .get(name)
            .map(|configs| {
                configs
                    .iter()
                    .zip(0..)
                    .map(|(config, task)| TaskInfo {
                        id: TaskId::new(name, task),
                        config: config.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    fn pause(&self, name: &str) -> Result<(), HerderError> {
        self.put_target_state(name, TargetState::Paused)
    }

    fn resume(&self, name: &str) -> Result<(), HerderError> {
        self.put_target_state(name, TargetState::Started)
    }

    fn restart_connector(&self, name: &str) -> Result<(), HerderError> {
        self.refresh()?;
        if !self.configs.snapshot().connectors.contains_key(name) {
            return Err(HerderError::NotFound(format!("Unknown connector: {name}")));
        }
        let local = lock(&self.local).connectors.contains_key(name);
        if local {
            self.apply_restart(name, false, false);
            return Ok(());
        }
        if lock(&self.member).is_leader() {
            return Err(HerderError::Elsewhere {
                message: "Cannot restart connector since it is not assigned to this member".into(),
                target: self.owner_url(name, None),
            });
        }
        self.require_leader("Only the leader can process restart requests.")
    }

    fn restart_task(&self, name: &str, task: u32) -> Result<(), HerderError> {
        self.refresh()?;
        let snapshot = self.configs.snapshot();
        if !snapshot.connectors.contains_key(name) || task >= snapshot.task_count(name) {
            return Err(HerderError::NotFound(format!(
                "Unknown task: {name}-{task}"
            )));
        }
        if self.restart_local_task(name, task) {
            return Ok(());
        }
        let message = "Cannot restart task since it is not assigned to this member";
        if lock(&self.member).is_leader() {
            return Err(HerderError::Elsewhere {
                message: message.into(),
                target: self.owner_url(name, Some(task)),
            });
        }
        self.require_leader(message)
    }

    fn restart_with_flags(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> Result<ConnectorStateInfo, HerderError> {
        self.require_leader("Only the leader can process restart requests.")?;
        self.refresh()?;
        if !self.configs.snapshot().connectors.contains_key(name) {
            return Err(HerderError::NotFound(format!("Unknown connector: {name}")));
        }
        let status = self
            .status(name)
            .map_err(|_| HerderError::NotFound(format!("Status for connector {name} not found")))?;
        let plan = restart_plan(status, include_tasks, only_failed);
        self.configs
            .put_restart_request(name, include_tasks, only_failed)
            .map_err(|e| HerderError::Internal(format!("cannot write restart request: {e}")))?;
        self.wake();
        Ok(plan)
    }

    fn delete(&self, name: &str) -> Result<(), HerderError> {
        self.require_leader("Only the leader can delete connector configs.")?;
        self.refresh()?;
        self.snapshot_with(name)?;
        self.configs
            .remove_connector(name)
            .map_err(|e| HerderError::Internal(format!("cannot delete connector: {e}")))?;
        self.refresh()?;
        self.wake();
        tracing::info!(connector = name, "deleted connector");
        Ok(())
    }

    fn plugins(&self, connectors_only: bool) -> Vec<PluginInfo> {
        plugin_list(&self.services, connectors_only)
    }

    fn put_task_configs(
        &self,
        name: &str,
        configs: Vec<BTreeMap<String, String>>,
        body: &[u8],
        signature: &RequestSignature,
    ) -> Result<(), HerderError> {
        self.verify_signature(body, signature)?;
        self.require_leader("Only the leader may write task configurations.")?;
        self.write_task_configs(name, &configs)
    }

    fn fence_zombies(
        &self,
        name: &str,
        body: &[u8],
        signature: &RequestSignature,
    ) -> Result<(), HerderError> {
        self.fence_signed(name, body, signature)
    }
}

impl DistributedHerder {
    fn put_target_state(&self, name: &str, state: TargetState) -> Result<(), HerderError> {
        self.refresh()?;
        if !self.configs.snapshot().connectors.contains_key(name) {
            return Err(HerderError::NotFound(format!("Unknown connector {name}")));
        }
        self.configs
            .put_target_state(name, state)
            .map_err(|e| HerderError::Internal(format!("cannot write target state: {e}")))?;
        self.wake();
        Ok(())
    }
}

fn record_status(record: &StatusRecord) -> Status {
    Status {
        state: record.state,
        trace: record.trace.clone(),
    }
}

fn task_state(id: u32, record: &StatusRecord) -> TaskState {
    TaskState::new(
        id,
        &record_status(record),
        &record.worker_id,
        record.version.clone(),
    )
}

impl DistributedHerder {
    // ----- helpers for REST -----

    pub(super) fn refresh(&self) -> Result<(), HerderError> {
        self.read_config_log()
            .map_err(|e| HerderError::Internal(format!("cannot read the config log: {e}")))
    }

    /// Ok if this worker leads the group; otherwise where to forward.
    pub(super) fn require_leader(&self, message: &str) -> Result<(), HerderError> {
        let member = lock(&self.member);
        if member.is_leader() {
            return Ok(());
        }
        Err(HerderError::Elsewhere {
            message: message.to_string(),
            target: Some(member.leader_url.clone()).filter(|u| !u.is_empty()),
        })
    }

    pub(super) fn snapshot_with(&self, name: &str) -> Result<ConfigSnapshot, HerderError> {
        let snapshot = self.configs.snapshot();
        if snapshot.connectors.contains_key(name) {
            Ok(snapshot)
        } else {
            Err(not_found(name))
        }
    }

    /// The version of the plugin `props` names, as this worker's statuses report it.
    pub(super) fn plugin_version(&self, props: &BTreeMap<String, String>) -> Option<String> {
        props
            .get("connector.class")
            .and_then(|c| self.services.registry.find(c))
            .map(|p| p.descriptor.version.clone())
    }

    pub(super) fn kind_of(&self, props: &BTreeMap<String, String>) -> String {
        props
            .get("connector.class")
            .and_then(|c| self.services.registry.find(c))
            .map(|p| p.kind.as_str().to_string())
            .unwrap_or_else(|| "unknown".to_string())
    }

    pub(super) fn info_from(&self, name: &str, snapshot: &ConfigSnapshot) -> Option<ConnectorInfo> {
        let props = snapshot.connectors.get(name)?;
        Some(ConnectorInfo {
            name: name.to_string(),
            config: props.clone(),
            tasks: (0..snapshot.task_count(name))
                .map(|task| TaskId::new(name, task))
                .collect(),
            kind: self.kind_of(props),
        })
    }

    /// Where the owner of `work` (connector or task) lives, from the leader's last
    /// assignment.
    pub(super) fn owner_url(&self, connector: &str, task: Option<u32>) -> Option<String> {
        let member = lock(&self.member);
        member
            .allocation
            .values()
            .find_map(|(url, work)| work.contains(connector, task).then(|| url.clone()))
    }
}
