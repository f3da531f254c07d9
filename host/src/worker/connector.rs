//! A connector's lifecycle on this worker: its connector instance (which splits
//! the work into task configs) and the tasks running those configs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::WorkerServices;
use super::status::{SharedStatus, State, Status};
use super::task::{self, Signals, TaskArgs, TaskHandle};
use crate::config::connector::{ResolvedConnector, grants_for};
use crate::config::providers::reverse_transform;
use crate::plugin::instance::{SinkConnector, SourceConnector, config_list};
use crate::plugin::{CallError, PluginContext, PluginKind};
use crate::worker::status::TargetState;

/// How long a stopping task may take to flush and commit.
pub const TASK_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// A live connector instance of either kind.
enum Instance {
    Source(SourceConnector),
    Sink(SinkConnector),
}

impl Instance {
    fn task_configs(&mut self, max: u32) -> Result<Vec<Vec<(String, String)>>, CallError> {
        match self {
            Instance::Source(c) => c.task_configs(max),
            Instance::Sink(c) => c.task_configs(max),
        }
    }

    fn stop(&mut self) -> Result<(), CallError> {
        match self {
            Instance::Source(c) => c.stop(),
            Instance::Sink(c) => c.stop(),
        }
    }
}

/// Task configs as maps; more than `tasks.max` of them fails the connector (as Kafka
/// Connect does since KIP-1004) rather than silently dropping work.
fn checked_task_configs(
    name: &str,
    configs: Vec<Vec<(String, String)>>,
    tasks_max: u32,
) -> Result<Vec<BTreeMap<String, String>>, String> {
    if configs.len() > tasks_max as usize {
        return Err(format!(
            "The connector {name} has generated {} tasks, which is greater than {tasks_max}, the maximum number of tasks it is configured to create. This is a bug in the connector plugin.",
            configs.len()
        ));
    }
    Ok(configs
        .into_iter()
        .map(|c| c.into_iter().collect())
        .collect())
}

/// Task configs as stored and shown: values the connector passed through from a
/// `${provider:…}` variable get the variable back (Kafka's reverse transform), and
/// the keys Kafka Connect's `Worker.connectorTaskConfigs` adds to every task config
/// are added the same way (`task.class`; a sink's `topics` or `topics.regex`), so
/// a Kafka Connect worker in the same group can run the task.
fn stored_task_configs(
    resolved: &ResolvedConnector,
    configs: Vec<BTreeMap<String, String>>,
) -> Vec<BTreeMap<String, String>> {
    let task_class = resolved.kafka_task_class();
    let sink_topics: Vec<(&str, &String)> = match resolved.kind() {
        PluginKind::Sink => ["topics", "topics.regex"]
            .into_iter()
            .filter_map(|key| resolved.raw_props.get(key).map(|v| (key, v)))
            .collect(),
        _ => Vec::new(),
    };
    configs
        .into_iter()
        .map(|c| {
            let mut config = reverse_transform(&resolved.raw_props, &resolved.config.props, &c);
            config.insert("task.class".to_owned(), task_class.clone());
            for (key, value) in &sink_topics {
                config.insert((*key).to_owned(), (*value).clone());
            }
            config
        })
        .collect()
}

/// One connector and its tasks.
pub struct ConnectorRuntime {
    pub resolved: Arc<ResolvedConnector>,
    services: Arc<WorkerServices>,
    status: Status,
    paused: bool,
    /// STOPPED (KIP-875): no connector instance, no tasks, no task configs.
    stopped: bool,
    instance: Option<Instance>,
    task_configs: Vec<BTreeMap<String, String>>,
    tasks: Vec<TaskHandle>,
    /// Set by the connector's `host.request-reconfiguration` call.
    reconfigure: Arc<AtomicBool>,
    /// False in a cluster, where tasks run wherever the group assigns them.
    runs_tasks: bool,
}

/// Spawns one task of `resolved` with `config`.
pub fn spawn_task(
    resolved: &Arc<ResolvedConnector>,
    services: &Arc<WorkerServices>,
    id: u32,
    config: BTreeMap<String, String>,
    paused: bool,
) -> TaskHandle {
    // Stored task configs keep `${provider:…}` variables; the task gets the values.
    let resolved_config = match services.providers.resolve(&config) {
        Ok(c) => c,
        Err(error) => return TaskHandle::failed(id, config, error.to_string()),
    };
    let args = TaskArgs {
        connector: resolved.clone(),
        task_id: id,
        config: resolved_config,
        services: services.clone(),
        status: SharedStatus::new(State::Unassigned),
        signals: Signals::new(paused),
    };
    let run = match resolved.kind() {
        PluginKind::Source => super::source::run,
        _ => super::sink::run,
    };
    let mut handle = task::spawn(args, run);
    handle.config = config;
    handle
}

impl ConnectorRuntime {
    /// Starts the connector and its tasks in `target` state.
    pub fn start(
        resolved: Arc<ResolvedConnector>,
        services: Arc<WorkerServices>,
        target: TargetState,
    ) -> Self {
        Self::start_with(resolved, services, target, true)
    }

    /// Starts only the connector instance: its task configs are computed here but
    /// run wherever the cluster assigns them.
    pub fn start_connector_only(
        resolved: Arc<ResolvedConnector>,
        services: Arc<WorkerServices>,
        target: TargetState,
    ) -> Self {
        Self::start_with(resolved, services, target, false)
    }

    fn start_with(
        resolved: Arc<ResolvedConnector>,
        services: Arc<WorkerServices>,
        target: TargetState,
        runs_tasks: bool,
    ) -> Self {
        let mut runtime = Self {
            resolved,
            services,
            status: Status::new(State::Stopped),
            paused: target == TargetState::Paused,
            stopped: target == TargetState::Stopped,
            instance: None,
            task_configs: Vec::new(),
            tasks: Vec::new(),
            reconfigure: Arc::new(AtomicBool::new(false)),
            runs_tasks,
        };
        if !runtime.stopped {
            runtime.start_connector();
            runtime.start_tasks();
        }
        runtime
    }

    /// The state this connector is asked to be in.
    pub fn target_state(&self) -> TargetState {
        if self.stopped {
            TargetState::Stopped
        } else if self.paused {
            TargetState::Paused
        } else {
            TargetState::Started
        }
    }

    /// Moves to `target`: STOPPED shuts the connector and its tasks down and drops
    /// the task configs; leaving STOPPED starts them again (paused for PAUSED).
    pub fn set_target_state(&mut self, target: TargetState) {
        match target {
            TargetState::Stopped => {
                if !self.stopped {
                    self.stop_tasks();
                    self.stop_connector();
                    self.task_configs.clear();
                    self.stopped = true;
                    self.paused = false;
                    self.status = Status::new(State::Stopped);
                }
            }
            TargetState::Paused | TargetState::Started => {
                let paused = target == TargetState::Paused;
                if self.stopped {
                    self.stopped = false;
                    self.paused = paused;
                    self.start_connector();
                    self.start_tasks();
                } else if paused {
                    self.pause_running();
                } else {
                    self.resume_running();
                }
            }
        }
    }

    pub fn name(&self) -> &str {
        &self.resolved.name
    }

    pub fn kind(&self) -> PluginKind {
        self.resolved.kind()
    }

    /// Opens the connector instance and computes task configs.
    fn start_connector(&mut self) {
        let resolved = &self.resolved;
        let span = tracing::info_span!("connector", connector = %resolved.name);
        let _entered = span.enter();
        let result = (|| -> Result<(Instance, Vec<BTreeMap<String, String>>), String> {
            let grants = grants_for(
                &resolved.connector,
                &resolved.config.props,
                &self.services.config,
            )
            .map_err(|e| e.message(&resolved.connector.descriptor.name))?;
            let mut ctx = PluginContext::new(resolved.name.clone(), None);
            ctx.reconfigure = self.reconfigure.clone();
            let config = config_list(&resolved.config.props);
            let mut instance = match resolved.kind() {
                PluginKind::Source => Instance::Source(
                    SourceConnector::open(
                        &resolved.connector,
                        ctx,
                        &grants,
                        resolved.limits,
                        &config,
                    )
                    .map_err(|e| e.trace())?,
                ),
                _ => Instance::Sink(
                    SinkConnector::open(
                        &resolved.connector,
                        ctx,
                        &grants,
                        resolved.limits,
                        &config,
                    )
                    .map_err(|e| e.trace())?,
                ),
            };
            let configs = instance
                .task_configs(resolved.tasks_max)
                .map_err(|e| e.trace())?;
            let configs = checked_task_configs(&resolved.name, configs, resolved.tasks_max)?;
            Ok((instance, stored_task_configs(resolved, configs)))
        })();
        match result {
            Ok((instance, configs)) => {
                self.instance = Some(instance);
                self.task_configs = configs;
                self.status = Status::new(if self.paused {
                    State::Paused
                } else {
                    State::Running
                });
                tracing::info!(tasks = self.task_configs.len(), "connector started");
            }
            Err(trace) => {
                tracing::error!("connector failed to start: {trace}");
                self.status = Status::failed(trace);
            }
        }
    }

    fn spawn_task(&self, id: u32, config: BTreeMap<String, String>) -> TaskHandle {
        spawn_task(&self.resolved, &self.services, id, config, self.paused)
    }

    fn start_tasks(&mut self) {
        if !self.runs_tasks {
            return;
        }
        self.tasks = self
            .task_configs
            .iter()
            .enumerate()
            .map(|(id, config)| self.spawn_task(id as u32, config.clone()))
            .collect();
    }

    fn stop_tasks(&mut self) {
        for task in &self.tasks {
            task.signals.request_stop();
        }
        for task in &mut self.tasks {
            task.stop(TASK_SHUTDOWN_TIMEOUT);
        }
        self.tasks.clear();
    }

    fn stop_connector(&mut self) {
        if let Some(mut instance) = self.instance.take()
            && let Err(error) = instance.stop()
        {
            tracing::warn!(connector = %self.resolved.name, "connector stop failed: {error}");
        }
    }

    /// Stops tasks and the connector instance.
    pub fn stop(&mut self) {
        self.stop_tasks();
        self.stop_connector();
        self.status = Status::new(State::Unassigned);
    }

    /// PAUSED: tasks stay open but stop polling or consuming.
    pub fn pause(&mut self) {
        self.set_target_state(TargetState::Paused);
    }

    /// STARTED.
    pub fn resume(&mut self) {
        self.set_target_state(TargetState::Started);
    }

    fn pause_running(&mut self) {
        self.paused = true;
        for task in &self.tasks {
            task.signals.set_paused(true);
        }
        if self.status.state == State::Running {
            self.status = Status::new(State::Paused);
        }
    }

    fn resume_running(&mut self) {
        self.paused = false;
        for task in &self.tasks {
            task.signals.set_paused(false);
        }
        if self.status.state == State::Paused {
            self.status = Status::new(State::Running);
        }
    }

    /// Restarts the connector instance; tasks are restarted only if their configs
    /// changed (Kafka Connect's `POST /connectors/{c}/restart` without flags). A
    /// STOPPED connector stays stopped.
    pub fn restart_connector(&mut self) {
        if self.stopped {
            return;
        }
        self.stop_connector();
        let before = self.task_configs.clone();
        self.start_connector();
        if self.task_configs != before {
            self.stop_tasks();
            self.start_tasks();
        }
    }

    /// If the connector asked for reconfiguration, recomputes its task configs and
    /// restarts the tasks when they changed.
    pub fn reconfigure_if_requested(&mut self) {
        if !self.reconfigure.swap(false, Ordering::SeqCst) {
            return;
        }
        let Some(instance) = self.instance.as_mut() else {
            return;
        };
        let configs = instance
            .task_configs(self.resolved.tasks_max)
            .map_err(|e| e.trace())
            .and_then(|c| checked_task_configs(&self.resolved.name, c, self.resolved.tasks_max));
        match configs {
            Ok(configs) => {
                let configs = stored_task_configs(&self.resolved, configs);
                if configs != self.task_configs {
                    tracing::info!(connector = %self.resolved.name, tasks = configs.len(), "task configs changed; restarting tasks");
                    self.task_configs = configs;
                    self.stop_tasks();
                    self.start_tasks();
                }
            }
            Err(error) => {
                tracing::error!(connector = %self.resolved.name, "reconfiguration failed: {error}");
                self.status = Status::failed(error);
            }
        }
    }

    /// Restarts one task with a fresh sandbox; false if there is no such task.
    pub fn restart_task(&mut self, id: u32) -> bool {
        let Some(index) = self.tasks.iter().position(|t| t.id == id) else {
            return false;
        };
        let config = self.tasks[index].config.clone();
        self.tasks[index].stop(TASK_SHUTDOWN_TIMEOUT);
        self.tasks[index] = self.spawn_task(id, config);
        true
    }

    pub fn connector_status(&self) -> Status {
        self.status.clone()
    }

    /// Each task's live status handle.
    pub fn task_status_handles(&self) -> Vec<(u32, SharedStatus)> {
        self.tasks
            .iter()
            .map(|t| (t.id, t.status.clone()))
            .collect()
    }

    pub fn task_configs(&self) -> &[BTreeMap<String, String>] {
        &self.task_configs
    }
}

impl Drop for ConnectorRuntime {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_task_configs_than_tasks_max_fail_the_connector() {
        let config = |i: u32| vec![("n".to_string(), i.to_string())];
        let two =
            checked_task_configs("c", vec![config(0), config(1)], 2).expect("within tasks.max");
        assert_eq!(two[1]["n"], "1");
        let error = checked_task_configs("c", vec![config(0), config(1), config(2)], 2)
            .expect_err("too many");
        assert!(
            error.contains("generated 3 tasks, which is greater than 2"),
            "{error}"
        );
    }
}
