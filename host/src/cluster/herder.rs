//! The standalone herder: owns every connector on this worker and answers the
//! REST API's questions and commands about them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{Value, json};

use super::config_log::TargetState;
use crate::config::connector::{self, ConfigInfos, Validation, unknown_class_message};
use crate::config::providers::ConfigProviders;
use crate::plugin::instance::{Introspect, config_list};
use crate::plugin::{LoadedPlugin, PluginKind};
use crate::worker::WorkerServices;
use crate::worker::connector::ConnectorRuntime;
use crate::worker::status::Status;

/// A request the herder refuses, with the HTTP status Kafka Connect uses.
#[derive(Debug, thiserror::Error)]
pub enum HerderError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Internal(String),
    /// Only another worker can do this: forward the request to `target` (Kafka's
    /// `NotLeaderException` / `NotAssignedException`); `None` while no leader is known.
    #[error("{message}")]
    Elsewhere {
        message: String,
        target: Option<String>,
    },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unavailable(String),
}

impl HerderError {
    pub fn status_code(&self) -> u16 {
        match self {
            HerderError::NotFound(_) => 404,
            HerderError::Conflict(_) => 409,
            HerderError::BadRequest(_) => 400,
            HerderError::Internal(_) => 500,
            HerderError::Elsewhere { .. } => 409,
            HerderError::Forbidden(_) => 403,
            HerderError::Unavailable(_) => 503,
        }
    }
}

/// Kafka Connect's `ConnectorInfo`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ConnectorInfo {
    pub name: String,
    pub config: BTreeMap<String, String>,
    pub tasks: Vec<TaskId>,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Kafka Connect's `ConnectorTaskId`.
#[derive(Clone, Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TaskId {
    pub connector: String,
    pub task: u32,
}

/// Runs connectors in this process.
pub struct Herder {
    services: Arc<WorkerServices>,
    /// The map lock is held only to find or insert a connector; work that may call
    /// into a plugin holds just that connector's own lock, so one stuck plugin never
    /// stalls requests about other connectors.
    connectors: Mutex<BTreeMap<String, Shared>>,
    worker_id: String,
}

type Shared = Arc<Mutex<ConnectorRuntime>>;

fn lock_runtime(runtime: &Shared) -> MutexGuard<'_, ConnectorRuntime> {
    match runtime.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
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
        match self.connectors.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
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
        let old = self.lock().remove(name);
        // An update keeps the connector's target state; a new one starts in
        // `initial_state` (KIP-980).
        let target = match old {
            Some(old) => {
                let mut old = lock_runtime(&old);
                let target = old.target_state();
                old.stop();
                target
            }
            None => initial_state.unwrap_or(TargetState::Started),
        };
        tracing::info!(connector = name, class = %class, "starting connector");
        let runtime = ConnectorRuntime::start(Arc::new(resolved), self.services.clone(), target);
        let info = self.info_of(&runtime);
        let mut connectors = self.lock();
        if connectors.contains_key(name) {
            // Another request created it while this one was starting its plugins.
            drop(connectors);
            let mut runtime = runtime;
            runtime.stop();
            return Err(HerderError::Conflict(format!(
                "Connector {name} already exists"
            )));
        }
        connectors.insert(name.to_string(), Arc::new(Mutex::new(runtime)));
        Ok((!exists, info))
    }

    fn info_of(&self, runtime: &ConnectorRuntime) -> ConnectorInfo {
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

    fn with<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut ConnectorRuntime) -> R,
    ) -> Result<R, HerderError> {
        let runtime = self
            .lock()
            .get(name)
            .cloned()
            .ok_or_else(|| not_found(name))?;
        let mut guard = lock_runtime(&runtime);
        Ok(f(&mut guard))
    }

    pub fn info(&self, name: &str) -> Result<ConnectorInfo, HerderError> {
        self.with(name, |r| self.info_of(r))
    }

    pub fn config(&self, name: &str) -> Result<BTreeMap<String, String>, HerderError> {
        self.with(name, |r| r.resolved.raw_props.clone())
    }

    /// Kafka Connect's `ConnectorStateInfo`.
    pub fn status(&self, name: &str) -> Result<Value, HerderError> {
        self.with(name, |r| {
            let tasks: Vec<Value> = r
                .task_statuses()
                .into_iter()
                .map(|(id, status)| {
                    let mut task = status_json(&status, &self.worker_id);
                    task["id"] = json!(id);
                    task
                })
                .collect();
            json!({
                "name": r.name(),
                "connector": status_json(&r.connector_status(), &self.worker_id),
                "tasks": tasks,
                "type": r.kind().as_str(),
            })
        })
    }

    /// `GET /connectors/{c}/tasks/{t}/status`.
    pub fn task_status(&self, name: &str, task: u32) -> Result<Value, HerderError> {
        self.with(name, |r| {
            r.task_statuses()
                .into_iter()
                .find(|(id, _)| *id == task)
                .map(|(id, status)| {
                    let mut body = status_json(&status, &self.worker_id);
                    body["id"] = json!(id);
                    body
                })
        })?
        .ok_or_else(|| HerderError::NotFound(format!("Task {name}-{task} not found")))
    }

    /// `GET /connectors/{c}/tasks`: task ids with their configs.
    pub fn tasks(&self, name: &str) -> Result<Value, HerderError> {
        self.with(name, |r| {
            r.task_configs()
                .iter()
                .enumerate()
                .map(|(i, config)| json!({"id": {"connector": r.name(), "task": i}, "config": config}))
                .collect::<Vec<_>>()
        })
        .map(Value::Array)
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
                lock_runtime(&runtime).stop();
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
            if let Ok(mut runtime) = runtime.try_lock() {
                runtime.reconfigure_if_requested();
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
            lock_runtime(&runtime).stop();
        }
    }

    /// `GET /connector-plugins` entries.
    pub fn plugins(&self, connectors_only: bool) -> Vec<Value> {
        plugin_list(&self.services, connectors_only)
    }
}

impl super::api::HerderApi for Herder {
    fn services(&self) -> &Arc<WorkerServices> {
        &self.services
    }
    fn ready(&self) -> bool {
        true
    }
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
    fn status(&self, name: &str) -> Result<Value, HerderError> {
        Herder::status(self, name)
    }
    fn task_status(&self, name: &str, task: u32) -> Result<Value, HerderError> {
        Herder::task_status(self, name, task)
    }
    fn tasks(&self, name: &str) -> Result<Value, HerderError> {
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
    ) -> Result<Value, HerderError> {
        let status = self.status(name).map_err(|e| match e {
            HerderError::NotFound(_) => HerderError::NotFound(format!("Unknown connector: {name}")),
            other => other,
        })?;
        let plan = restart_plan(status, include_tasks, only_failed);
        if plan["connector"]["state"] == "RESTARTING" {
            self.restart_connector(name)?;
        }
        for task in plan["tasks"].as_array().into_iter().flatten() {
            if task["state"] == "RESTARTING"
                && let Some(id) = task["id"].as_u64()
            {
                self.restart_task(name, id as u32)?;
            }
        }
        Ok(plan)
    }
    fn delete(&self, name: &str) -> Result<(), HerderError> {
        Herder::delete(self, name)
    }
    fn plugins(&self, connectors_only: bool) -> Vec<Value> {
        Herder::plugins(self, connectors_only)
    }
    fn put_task_configs(
        &self,
        _name: &str,
        _configs: Vec<BTreeMap<String, String>>,
        _body: &[u8],
        _signature: &super::api::RequestSignature,
    ) -> Result<(), HerderError> {
        Err(HerderError::BadRequest(
            "Kafka Connect in standalone mode does not support externally setting task configurations.".into(),
        ))
    }
}

/// Validates a config for the connector plugin `class`, as the validate endpoint
/// does (including the plugin's own `validate`).
pub fn validate_config(
    services: &WorkerServices,
    class: &str,
    raw: &BTreeMap<String, String>,
) -> Validation {
    let plugin_checks =
        |plugin: &Arc<LoadedPlugin>, props: &BTreeMap<String, String>| -> Vec<(String, String)> {
            match Introspect::validate(plugin, &config_list(props)) {
                Ok(problems) => problems.into_iter().map(|p| (p.key, p.message)).collect(),
                Err(error) => vec![(
                    "connector.class".to_string(),
                    format!("plugin validation failed: {error}"),
                )],
            }
        };
    // Plugins see `${provider:…}` variables resolved; the answer shows them as written.
    let (props, provider_error) = match services.providers.resolve(raw) {
        Ok(props) => (props, None),
        Err(error) => (raw.clone(), Some(error)),
    };
    let mut validation = connector::validate(
        &services.registry,
        &services.config,
        class,
        &props,
        &plugin_checks,
    );
    if let Some(error) = provider_error {
        let key = error.key().unwrap_or("connector.class").to_string();
        let message = error.to_string();
        validation.errors.add(key.clone(), message.clone());
        validation.resolved = None;
        validation.infos.error_count += 1;
        if let Some(info) = validation
            .infos
            .configs
            .iter_mut()
            .find(|c| c.value.name == key)
        {
            info.value.errors.push(message);
        }
    }
    for info in &mut validation.infos.configs {
        if let Some(written) = raw.get(&info.value.name)
            && ConfigProviders::has_variables(written)
        {
            info.value.value = Some(written.clone());
        }
    }
    if let Some(resolved) = validation.resolved.as_mut() {
        resolved.raw_props = raw.clone();
    }
    validation
}

/// The `ConfigInfos` body for `PUT /connector-plugins/{class}/config/validate`.
pub fn validate_plugin_config(
    services: &WorkerServices,
    class: &str,
    props: &BTreeMap<String, String>,
) -> Result<ConfigInfos, HerderError> {
    let known = services
        .registry
        .find(class)
        .is_some_and(|p| matches!(p.kind, PluginKind::Source | PluginKind::Sink));
    if !known {
        return Err(HerderError::NotFound(unknown_class_message(
            &services.registry,
            class,
            &[PluginKind::Source, PluginKind::Sink],
        )));
    }
    Ok(validate_config(services, class, props).infos)
}

/// `GET /connector-plugins/{p}/config` (KIP-769): a connector's own keys followed by
/// the framework's; a converter's, transform's or predicate's own keys.
pub fn plugin_config_keys(
    services: &WorkerServices,
    name: &str,
) -> Result<Vec<connector::ConfigKeyInfo>, HerderError> {
    let plugin = services
        .registry
        .find(name)
        .ok_or_else(|| HerderError::NotFound(format!("Unknown plugin {name}.")))?;
    if !matches!(plugin.kind, PluginKind::Source | PluginKind::Sink) {
        return Ok(connector::plugin_key_infos(plugin));
    }
    let no_plugin_checks = |_: &Arc<LoadedPlugin>,
                            _: &BTreeMap<String, String>|
     -> Vec<(String, String)> { Vec::new() };
    let props = BTreeMap::from([("connector.class".to_string(), name.to_string())]);
    let validation = connector::validate(
        &services.registry,
        &services.config,
        name,
        &props,
        &no_plugin_checks,
    );
    let mut keys = connector::plugin_key_infos(plugin);
    for info in validation.infos.configs {
        if !keys.iter().any(|k| k.name == info.definition.name)
            && !info.definition.documentation.is_empty()
        {
            keys.push(info.definition);
        }
    }
    Ok(keys)
}

/// `GET /connector-plugins` entries.
pub fn plugin_list(services: &WorkerServices, connectors_only: bool) -> Vec<Value> {
    let mut out: Vec<Value> = services
        .registry
        .all()
        .iter()
        .filter(|p| !connectors_only || matches!(p.kind, PluginKind::Source | PluginKind::Sink))
        .map(|p| {
            json!({
                "class": p.descriptor.name,
                "type": p.kind.as_str(),
                "version": p.descriptor.version,
                "aliases": p.descriptor.aliases,
            })
        })
        .collect();
    out.sort_by(|a, b| a["class"].as_str().cmp(&b["class"].as_str()));
    out
}

/// Checks shared by both herders before a connector config is stored: a name and a
/// `connector.class`. Returns the class.
pub fn precheck_connector(
    name: &str,
    props: &BTreeMap<String, String>,
) -> Result<String, HerderError> {
    if name.trim().is_empty() {
        return Err(HerderError::BadRequest(
            "Connector name must not be empty".into(),
        ));
    }
    match props
        .get("connector.class")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        Some(c) => Ok(c.to_string()),
        None => Err(HerderError::BadRequest(format!(
            "Connector config {} contains no connector type (missing required configuration \"connector.class\")",
            render_map(props)
        ))),
    }
}

/// Kafka's KIP-745 restart plan: the connector's status with what a restart with
/// these flags restarts shown as RESTARTING (`RestartRequest.shouldRestart*`).
pub fn restart_plan(mut status: Value, include_tasks: bool, only_failed: bool) -> Value {
    let restarting = json!("RESTARTING");
    if !only_failed || status["connector"]["state"] == "FAILED" {
        status["connector"]["state"] = restarting.clone();
    }
    if include_tasks && let Some(tasks) = status["tasks"].as_array_mut() {
        for task in tasks {
            if !only_failed || task["state"] == "FAILED" {
                task["state"] = restarting.clone();
            }
        }
    }
    status
}

/// Kafka Connect's `{"state","worker_id"[,"trace"]}` for one connector or task.
pub fn status_json(status: &Status, worker_id: &str) -> Value {
    let mut body = json!({"state": status.state, "worker_id": worker_id});
    if let Some(trace) = status.trace.as_deref().filter(|t| !t.is_empty()) {
        body["trace"] = json!(trace);
    }
    body
}

fn not_found(name: &str) -> HerderError {
    HerderError::NotFound(format!("Connector {name} not found"))
}

fn render_map(props: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = props.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}
