//! The standalone herder: owns every connector on this worker and answers the
//! REST API's questions and commands about them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use super::{
    ConnectorInfo, HerderError, PluginInfo, TaskId, TaskInfo, not_found, plugin_list,
    precheck_connector, restart_plan, validate_config, validate_plugin_config,
};
use crate::config::connector::{ConfigInfos, Validation};
use crate::util::lock;
use crate::worker::WorkerServices;
use crate::worker::connector::ConnectorRuntime;
use crate::worker::status::TargetState;
use crate::worker::status::{
    ConnectorState, ConnectorStateInfo, SharedStatus, State, Status, TaskState,
};

/// Runs connectors in this process.
pub struct Herder {
    services: Arc<WorkerServices>,
    /// The map lock is held only to find or insert a connector; work that may call
    /// into a plugin holds just that connector's own lock, so one stuck plugin never
    /// stalls requests about other connectors, and reads never wait at all.
    connectors: Mutex<BTreeMap<String, Shared>>,
    worker_id: String,
}

type Shared = Arc<Entry>;

/// One connector: its runtime, and the view that reads answer from.
struct Entry {
    runtime: Mutex<ConnectorRuntime>,
    /// Refreshed whenever the runtime is free. A read that finds the runtime busy
    /// (an update, restart or stop waiting on a plugin call) answers from the last
    /// view instead of waiting, so a stuck plugin stalls no read, not even of its
    /// own connector; task states stay live through their shared handles.
    view: Mutex<View>,
}

/// What reads show of one connector.
#[derive(Clone)]
struct View {
    info: ConnectorInfo,
    connector: Status,
    tasks: Vec<(u32, SharedStatus)>,
    task_configs: Vec<BTreeMap<String, String>>,
    /// The connector plugin's version, which statuses report.
    version: String,
}

impl View {
    fn of(runtime: &ConnectorRuntime) -> Self {
        Self {
            info: info_of(runtime),
            connector: runtime.connector_status(),
            tasks: runtime.task_status_handles(),
            task_configs: runtime.task_configs().to_vec(),
            version: runtime.resolved.connector.descriptor.version.clone(),
        }
    }
}

impl Entry {
    fn new(runtime: ConnectorRuntime) -> Self {
        let view = View::of(&runtime);
        Self {
            runtime: Mutex::new(runtime),
            view: Mutex::new(view),
        }
    }

    fn runtime(&self) -> MutexGuard<'_, ConnectorRuntime> {
        lock(&self.runtime)
    }

    fn refresh(&self, runtime: &ConnectorRuntime) {
        *lock(&self.view) = View::of(runtime);
    }

    /// The current view when the runtime is free, else the last one.
    fn view(&self) -> View {
        match self.runtime.try_lock() {
            Ok(runtime) => self.refresh(&runtime),
            Err(TryLockError::Poisoned(poisoned)) => self.refresh(&poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => {}
        }
        lock(&self.view).clone()
    }
}

fn info_of(runtime: &ConnectorRuntime) -> ConnectorInfo {
    ConnectorInfo {
        name: runtime.name().to_string(),
        config: runtime.resolved.raw_props.clone(),
        tasks: (0..runtime.task_configs().len() as u32)
            .map(|task| TaskId {
                connector: runtime.name().to_string(),
                task,
            })
            .collect(),
        kind: runtime.kind().as_str().to_string(),
    }
}

impl Herder {
    pub fn new(services: Arc<WorkerServices>) -> Self {
        let worker_id = services.config.worker_id();
        Self {
            services,
            connectors: Mutex::new(BTreeMap::new()),
            worker_id,
        }
    }

    pub fn services(&self) -> &Arc<WorkerServices> {
        &self.services
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Shared>> {
        lock(&self.connectors)
    }

    pub fn connector_names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    /// Validates a config for the connector plugin `class`, as the validate
    /// endpoint does (including the plugin's own `validate`).
    pub fn validate(&self, class: &str, props: &BTreeMap<String, String>) -> Validation {
        validate_config(&self.services, class, props)
    }

    /// The `ConfigInfos` body for `PUT /connector-plugins/{class}/config/validate`.
    pub fn validate_for_plugin(
        &self,
        class: &str,
        props: &BTreeMap<String, String>,
    ) -> Result<ConfigInfos, HerderError> {
        validate_plugin_config(&self.services, class, props)
    }

    /// Creates or updates a connector. Returns whether it was created.
    pub fn put_connector(
        &self,
        name: &str,
        props: BTreeMap<String, String>,
        allow_update: bool,
        initial_state: Option<TargetState>,
    ) -> Result<(bool, ConnectorInfo), HerderError> {
        let exists = self.lock().contains_key(name);
        if exists && !allow_update {
            return Err(HerderError::Conflict(format!(
                "Connector {name} already exists"
            )));
        }
        let class = precheck_connector(name, &props)?;
        let mut props = props;
        props.insert("name".into(), name.to_string());
        let validation = self.validate(&class, &props);
        let Some(resolved) = validation.resolved else {
            return Err(HerderError::BadRequest(validation.errors.message(&class)));
        };
        // An update keeps the old entry in place, its runtime locked, until the new
        // runtime replaces it: reads meanwhile answer from the old view, and other
        // changes to this connector wait. It keeps its target state; a new
        // connector starts in `initial_state` (KIP-980).
        let old = self.lock().get(name).cloned();
        let mut old_runtime = old.as_ref().map(|entry| entry.runtime());
        let target = match old_runtime.as_mut() {
            Some(runtime) => {
                let target = runtime.target_state();
                runtime.stop();
                target
            }
            None => initial_state.unwrap_or(TargetState::Started),
        };
        tracing::info!(connector = name, class = %class, "starting connector");
        let runtime = ConnectorRuntime::start(Arc::new(resolved), self.services.clone(), target);
        let info = info_of(&runtime);
        let mut connectors = self.lock();
        let current = connectors.get(name);
        let unchanged = match (&old, current) {
            (Some(old), Some(current)) => Arc::ptr_eq(old, current),
            (None, None) => true,
            _ => false,
        };
        if !unchanged {
            // Another request created, replaced or deleted it meanwhile.
            drop(connectors);
            drop(old_runtime);
            let mut runtime = runtime;
            runtime.stop();
            return Err(HerderError::Conflict(if old.is_none() {
                format!("Connector {name} already exists")
            } else {
                format!("Connector {name} was changed by another request; retry")
            }));
        }
        connectors.insert(name.to_string(), Arc::new(Entry::new(runtime)));
        drop(connectors);
        drop(old_runtime);
        Ok((!exists, info))
    }

    fn entry(&self, name: &str) -> Result<Shared, HerderError> {
        self.lock()
            .get(name)
            .cloned()
            .ok_or_else(|| not_found(name))
    }

    /// Runs `f` on the connector's runtime (waiting for any other request on it),
    /// then refreshes the view reads answer from.
    fn with<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut ConnectorRuntime) -> R,
    ) -> Result<R, HerderError> {
        let entry = self.entry(name)?;
        let mut runtime = entry.runtime();
        let result = f(&mut runtime);
        entry.refresh(&runtime);
        Ok(result)
    }

    /// Reads the connector's view; never waits on a busy runtime.
    fn read<R>(&self, name: &str, f: impl FnOnce(View) -> R) -> Result<R, HerderError> {
        Ok(f(self.entry(name)?.view()))
    }

    pub fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        self.read(name, |v| v.info)
    }

    pub fn config(&self, name: &str) -> Result<BTreeMap<String, String>, HerderError> {
        self.read(name, |v| v.info.config)
    }

    /// Kafka Connect's `ConnectorStateInfo`.
    pub fn status(&self, name: &str) -> Result<ConnectorStateInfo, HerderError> {
        self.read(name, |v| ConnectorStateInfo {
            connector: ConnectorState::new(&v.connector, &self.worker_id, Some(v.version.clone())),
            tasks: v
                .tasks
                .iter()
                .map(|(id, status)| {
                    TaskState::new(*id, &status.get(), &self.worker_id, Some(v.version.clone()))
                })
                .collect(),
            name: v.info.name,
            kind: v.info.kind,
        })
    }

    /// `GET /connectors/{c}/tasks/{t}/status`.
    /// Kafka answers an unknown task, of a known connector or not, with "No status
    /// found for task <c>-<t>".
    pub fn task_status(&self, name: &str, task: u32) -> Result<TaskState, HerderError> {
        self.read(name, |v| {
            v.tasks
                .iter()
                .find(|(id, _)| *id == task)
                .map(|(id, status)| {
                    TaskState::new(*id, &status.get(), &self.worker_id, Some(v.version.clone()))
                })
        })
        .ok()
        .flatten()
        .ok_or_else(|| HerderError::NotFound(format!("No status found for task {name}-{task}")))
    }

    /// `GET /connectors/{c}/tasks`: task ids with their configs.
    pub fn tasks(&self, name: &str) -> Result<Vec<TaskInfo>, HerderError> {
        self.read(name, |v| {
            v.task_configs
                .iter()
                .zip(0..)
                .map(|(config, task)| TaskInfo {
                    id: TaskId::new(v.info.name.clone(), task),
                    config: config.clone(),
                })
                .collect()
        })
    }

    pub fn pause(&self, name: &str) -> Result<(), HerderError> {
        self.with(name, ConnectorRuntime::pause)
    }

    pub fn stop(&self, name: &str) -> Result<(), HerderError> {
        self.with(name, |r| r.set_target_state(TargetState::Stopped))
    }

    pub fn resume(&self, name: &str) -> Result<(), HerderError> {
        self.with(name, ConnectorRuntime::resume)
    }

    pub fn restart_connector(&self, name: &str) -> Result<(), HerderError> {
        self.with(name, ConnectorRuntime::restart_connector)
    }

    pub fn restart_task(&self, name: &str, task: u32) -> Result<(), HerderError> {
        if self.with(name, |r| r.restart_task(task))? {
            Ok(())
        } else {
            Err(HerderError::NotFound(format!(
                "Task {name}-{task} not found"
            )))
        }
    }

    pub fn delete(&self, name: &str) -> Result<(), HerderError> {
        let removed = self.lock().remove(name);
        match removed {
            Some(runtime) => {
                runtime.runtime().stop();
                tracing::info!(connector = name, "deleted connector");
                Ok(())
            }
            None => Err(not_found(name)),
        }
    }

    /// Applies pending reconfiguration requests; called periodically.
    pub fn tick(&self) {
        let runtimes: Vec<Shared> = self.lock().values().cloned().collect();
        for runtime in runtimes {
            // Skip connectors busy with another request; the next tick gets them.
            if let Ok(mut guard) = runtime.runtime.try_lock() {
                guard.reconfigure_if_requested();
                runtime.refresh(&guard);
            }
        }
    }

    /// Starts the thread that calls [`Herder::tick`] every second.
    pub fn start_ticker(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("ferry-herder".into())
            .spawn(move || {
                while let Some(herder) = weak.upgrade() {
                    herder.tick();
                    drop(herder);
                    std::thread::sleep(std::time::Duration::from_secs(1));
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start the herder ticker; reconfiguration requests will be ignored");
        }
    }

    /// Stops every connector (clean shutdown: tasks flush and commit).
    pub fn shutdown(&self) {
        let connectors = std::mem::take(&mut *self.lock());
        for (_, runtime) in connectors {
            runtime.runtime().stop();
        }
    }

    /// `GET /connector-plugins` entries.
    pub fn plugins(&self, connectors_only: bool) -> Vec<PluginInfo> {
        plugin_list(&self.services, connectors_only)
    }
}

impl super::HerderApi for Herder {
    fn services(&self) -> &Arc<WorkerServices> {
        &self.services
    }
    /// A standalone worker serves REST only once started, and has no herder
    /// thread a request waits on, so answering is being healthy.
    fn health(&self, _timeout: std::time::Duration) -> super::Health {
        super::Health::Healthy
    }
    /// Taken under the connector's lock, not from the view: the offsets endpoints
    /// ask it to be sure no resume or restart is still under way.
    fn target_state(&self, name: &str) -> Result<TargetState, HerderError> {
        self.with(name, |r| r.target_state())
    }
    fn stop(&self, name: &str) -> Result<(), HerderError> {
        Herder::stop(self, name)
    }
    fn set_cluster_logger_level(&self, namespace: &str, level: &str) -> Result<(), HerderError> {
        crate::logging::set_level(namespace, level)
            .map(|_| ())
            .map_err(|e| HerderError::BadRequest(e.to_string()))
    }
    fn connector_names(&self) -> Result<Vec<String>, HerderError> {
        Ok(Herder::connector_names(self))
    }
    fn validate_for_plugin(
        &self,
        class: &str,
        props: &BTreeMap<String, String>,
    ) -> Result<ConfigInfos, HerderError> {
        Herder::validate_for_plugin(self, class, props)
    }
    fn put_connector(
        &self,
        name: &str,
        props: BTreeMap<String, String>,
        allow_update: bool,
        initial_state: Option<TargetState>,
    ) -> Result<(bool, ConnectorInfo), HerderError> {
        Herder::put_connector(self, name, props, allow_update, initial_state)
    }
    fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        Herder::info(self, name)
    }
    fn config(&self, name: &str) -> Result<BTreeMap<String, String>, HerderError> {
        Herder::config(self, name)
    }
    fn status(&self, name: &str) -> Result<ConnectorStateInfo, HerderError> {
        Herder::status(self, name)
    }
    fn task_status(&self, name: &str, task: u32) -> Result<TaskState, HerderError> {
        Herder::task_status(self, name, task)
    }
    fn tasks(&self, name: &str) -> Result<Vec<TaskInfo>, HerderError> {
        Herder::tasks(self, name)
    }
    fn pause(&self, name: &str) -> Result<(), HerderError> {
        Herder::pause(self, name)
    }
    fn resume(&self, name: &str) -> Result<(), HerderError> {
        Herder::resume(self, name)
    }
    fn restart_connector(&self, name: &str) -> Result<(), HerderError> {
        Herder::restart_connector(self, name)
    }
    fn restart_task(&self, name: &str, task: u32) -> Result<(), HerderError> {
        Herder::restart_task(self, name, task)
    }
    fn restart_with_flags(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> Result<ConnectorStateInfo, HerderError> {
        let status = self.status(name).map_err(|e| match e {
            HerderError::NotFound(_) => HerderError::NotFound(format!("Unknown connector: {name}")),
            other => other,
        })?;
        let plan = restart_plan(status, include_tasks, only_failed);
        if plan.connector.state == State::Restarting {
            self.restart_connector(name)?;
        }
        for task in &plan.tasks {
            if task.state == State::Restarting {
                self.restart_task(name, task.id)?;
            }
        }
        Ok(plan)
    }
    fn delete(&self, name: &str) -> Result<(), HerderError> {
        Herder::delete(self, name)
    }
    fn plugins(&self, connectors_only: bool) -> Vec<PluginInfo> {
        Herder::plugins(self, connectors_only)
    }
    fn put_task_configs(
        &self,
        _name: &str,
        _configs: Vec<BTreeMap<String, String>>,
        _body: &[u8],
        _signature: &super::RequestSignature,
    ) -> Result<(), HerderError> {
        Err(HerderError::BadRequest(
            "Kafka Connect in standalone mode does not support externally setting task configurations.".into(),
        ))
    }
}
