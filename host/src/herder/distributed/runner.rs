//! The herder thread: every tick it reads the config and status logs, applies
//! config events to local work, starts what this worker was assigned, hands task
//! configs computed here to the leader and reports statuses.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{
    ALGORITHM_HEADER, DistributedHerder, LocalConnector, LocalTask, PUBLISH_RETRY,
    SIGNATURE_ALGORITHM, SIGNATURE_HEADER, now_ms, sign, work_of,
};
use crate::config::connector::{self, ResolvedConnector};
use crate::group::protocol::SubProtocol;
use crate::herder::{HerderError, TaskId, not_found};
use crate::storage::config_log::{ConfigEvent, ConfigSnapshot, SessionKey};
use crate::storage::kafka_log::LogError;
use crate::util::{lock, urlencode};
use crate::worker::connector::{ConnectorRuntime, TASK_SHUTDOWN_TIMEOUT, spawn_task};
use crate::worker::status::{State, Status, TargetState};
use crate::worker::task::{Signals, TaskHandle};
use crate::worker::work::ConnectorsAndTasks;

impl DistributedHerder {
    // ----- the herder thread -----

    pub(super) fn tick(&self) {
        // Read here directly (no wake-up needed): the herder thread is this one.
        match self.configs.refresh() {
            Ok(events) => lock(&self.pending_events).extend(events),
            Err(error) => tracing::warn!("cannot read the config log: {error}"),
        }
        let events = std::mem::take(&mut *lock(&self.pending_events));
        self.apply_config_events(events);
        if let Err(error) = self.statuses.refresh() {
            tracing::warn!("cannot read the status log: {error}");
        }
        self.check_leader_work();
        self.start_assigned();
        self.reconcile_task_configs();
        self.publish_statuses();
        self.rotate_session_key();
    }

    /// The leader asks for a rebalance whenever the work in the config log differs
    /// from what it last assigned (connectors added or removed, task counts changed).
    pub(super) fn check_leader_work(&self) {
        let needs = {
            let member = lock(&self.member);
            if !member.is_leader() || member.rebalancing {
                return;
            }
            let work = work_of(&self.configs.snapshot());
            member.assigned_work.as_ref() != Some(&work)
        };
        if needs {
            tracing::info!("connectors or task counts changed; requesting a rebalance");
            lock(&self.member).rebalancing = true;
            self.request_rejoin();
        }
    }

    pub(super) fn apply_config_events(&self, events: Vec<ConfigEvent>) {
        if events.is_empty() {
            return;
        }
        let snapshot = self.configs.snapshot();
        for event in events {
            match event {
                ConfigEvent::ConnectorUpdated(name) => {
                    let changed = {
                        let local = lock(&self.local);
                        local
                            .connectors
                            .get(&name)
                            .is_some_and(|c| Some(&c.props) != snapshot.connectors.get(&name))
                    };
                    if changed {
                        tracing::info!(connector = %name, "connector config changed; restarting it and its tasks here");
                        self.stop_local_connector(&name, false);
                        // UNASSIGNED for each stopped task, as Kafka Connect's task
                        // shutdown writes: a task the new config drops is not left
                        // RUNNING in the status topic.
                        self.stop_local_tasks(|c, _| c == name, true);
                        // start_assigned brings both back with the new config.
                    }
                }
                ConfigEvent::ConnectorRemoved(name) => {
                    self.stop_local_connector(&name, false);
                    self.stop_local_tasks(|c, _| c == name, false);
                    if lock(&self.member).is_leader() {
                        let known = self.statuses.tasks(&name).keys().max().map_or(0, |m| m + 1);
                        if let Err(error) = self.statuses.remove_connector(&name, known) {
                            tracing::warn!(connector = %name, "cannot remove statuses: {error}");
                        }
                    }
                }
                ConfigEvent::TasksCommitted(name) => {
                    let count = snapshot.task_count(&name);
                    let stale: Vec<u32> = {
                        let local = lock(&self.local);
                        local
                            .tasks
                            .iter()
                            .filter(|(id, task)| {
                                id.connector == name
                                    && (id.task >= count
                                        || snapshot.task_config(&name, id.task)
                                            != Some(&task.handle.config))
                            })
                            .map(|(id, _)| id.task)
                            .collect()
                    };
                    if !stale.is_empty() {
                        tracing::info!(connector = %name, tasks = ?stale, "task configs changed; restarting those tasks");
                        self.stop_local_tasks(|c, i| c == name && stale.contains(&i), true);
                    }
                }
                ConfigEvent::TargetStateChanged(name) => {
                    let target = snapshot.target_state(&name);
                    tracing::info!(connector = %name, ?target, "target state changed");
                    self.apply_target_state(&name, target);
                }
                ConfigEvent::LoggerLevel { namespace, level } => {
                    match crate::logging::set_level(&namespace, &level) {
                        Ok(_) => tracing::info!(namespace, level, "log level set for the cluster"),
                        Err(error) => {
                            tracing::warn!(namespace, level, "ignoring cluster log level: {error}")
                        }
                    }
                }
                ConfigEvent::RestartRequested {
                    connector,
                    include_tasks,
                    only_failed,
                } => self.apply_restart(&connector, include_tasks, only_failed),
                ConfigEvent::SessionKeyUpdated => {}
            }
        }
    }

    pub(super) fn apply_target_state(&self, name: &str, target: TargetState) {
        let paused = target != TargetState::Started;
        let (runtime, signals) = {
            let local = lock(&self.local);
            let runtime = local.connectors.get(name).and_then(|c| c.runtime.clone());
            let signals: Vec<Arc<Signals>> = local
                .tasks
                .iter()
                .filter(|(id, _)| id.connector == name)
                .map(|(_, t)| t.handle.signals.clone())
                .collect();
            (runtime, signals)
        };
        if let Some(runtime) = runtime {
            lock(&runtime).set_target_state(target);
        }
        for signals in signals {
            signals.set_paused(paused);
        }
    }

    pub(super) fn apply_restart(&self, name: &str, include_tasks: bool, only_failed: bool) {
        let (runtime, failed_connector) = {
            let local = lock(&self.local);
            let connector = local.connectors.get(name);
            (
                connector.and_then(|c| c.runtime.clone()),
                connector.is_some_and(|c| c.failure.is_some()),
            )
        };
        if let Some(runtime) = runtime {
            let mut runtime = lock(&runtime);
            if !only_failed || runtime.connector_status().state == State::Failed {
                tracing::info!(connector = %name, "restarting connector");
                runtime.restart_connector();
            }
        } else if failed_connector {
            self.stop_local_connector(name, false);
        }
        if include_tasks {
            let restart: Vec<u32> = lock(&self.local)
                .tasks
                .iter()
                .filter(|(id, t)| {
                    id.connector == name
                        && (!only_failed || t.handle.status.get().state == State::Failed)
                })
                .map(|(id, _)| id.task)
                .collect();
            for task in restart {
                self.restart_local_task(name, task);
            }
        }
    }

    /// Starts assigned connectors and tasks that are not running here yet.
    pub(super) fn start_assigned(&self) {
        let (owned, offset) = {
            let member = lock(&self.member);
            match &member.owned {
                // Work still stopping from an earlier revocation starts once it stopped.
                Some(owned) => (owned.difference(&member.stopping), member.config_offset),
                None => return,
            }
        };
        let snapshot = self.configs.snapshot();
        if snapshot.offset < offset {
            // Not caught up with the config the assignment was made from.
            return;
        }
        let missing = {
            let local = lock(&self.local);
            owned.difference(&ConnectorsAndTasks {
                connectors: local.connectors.keys().cloned().collect(),
                tasks: local.tasks.keys().cloned().collect(),
            })
        };
        // A revocation may have arrived since `owned` was read: check again just
        // before starting anything.
        let still_mine = |connector: &str, task: Option<u32>| {
            let member = lock(&self.member);
            member.owned.as_ref().is_some_and(|owned| {
                owned.contains(connector, task) && !member.stopping.contains(connector, task)
            })
        };
        for name in missing.connectors {
            if !still_mine(&name, None) {
                continue;
            }
            if let Some(props) = snapshot.connectors.get(&name) {
                self.start_local_connector(&name, props, &snapshot);
            }
        }
        for TaskId {
            connector: name,
            task,
        } in missing.tasks
        {
            if !still_mine(&name, Some(task)) {
                continue;
            }
            if let (Some(props), Some(config)) = (
                snapshot.connectors.get(&name),
                snapshot.task_config(&name, task),
            ) {
                self.start_local_task(&name, task, props, config, &snapshot);
            }
        }
    }

    pub(super) fn resolve(
        &self,
        raw: &BTreeMap<String, String>,
    ) -> Result<ResolvedConnector, String> {
        let class = raw.get("connector.class").cloned().unwrap_or_default();
        let props = &self
            .services
            .providers
            .resolve(raw)
            .map_err(|e| e.to_string())?;
        let no_plugin_checks = |_: &Arc<crate::plugin::LoadedPlugin>,
                                _: &BTreeMap<String, String>|
         -> Vec<(String, String)> { Vec::new() };
        let validation = connector::validate(
            &self.services.registry,
            &self.services.config,
            &class,
            props,
            &no_plugin_checks,
        );
        let mut resolved = validation
            .resolved
            .ok_or_else(|| validation.errors.message(&class))?;
        resolved.raw_props = raw.clone();
        Ok(resolved)
    }

    pub(super) fn start_local_connector(
        &self,
        name: &str,
        props: &BTreeMap<String, String>,
        snapshot: &ConfigSnapshot,
    ) {
        let target = snapshot.target_state(name);
        tracing::info!(connector = name, "starting connector");
        let entry = match self.resolve(props) {
            Ok(resolved) => LocalConnector {
                runtime: Some(Arc::new(Mutex::new(
                    ConnectorRuntime::start_connector_only(
                        Arc::new(resolved),
                        self.services.clone(),
                        target,
                    ),
                ))),
                failure: None,
                props: props.clone(),
                published: None,
                sent: None,
            },
            Err(message) => {
                tracing::error!(connector = name, "connector cannot start: {message}");
                LocalConnector {
                    runtime: None,
                    failure: Some(Status::failed(message)),
                    props: props.clone(),
                    published: None,
                    sent: None,
                }
            }
        };
        lock(&self.local).connectors.insert(name.to_string(), entry);
    }

    pub(super) fn start_local_task(
        &self,
        name: &str,
        task: u32,
        props: &BTreeMap<String, String>,
        config: &BTreeMap<String, String>,
        snapshot: &ConfigSnapshot,
    ) {
        let paused = snapshot.target_state(name) != TargetState::Started;
        tracing::info!(connector = name, task, "starting task");
        let handle = match self.resolve(props) {
            Ok(resolved) => spawn_task(
                &Arc::new(resolved),
                &self.services,
                task,
                config.clone(),
                paused,
            ),
            Err(message) => TaskHandle::failed(task, config.clone(), message),
        };
        lock(&self.local).tasks.insert(
            TaskId::new(name, task),
            LocalTask {
                handle,
                published: None,
            },
        );
    }

    /// Writes UNASSIGNED for work this worker stops, unless a newer owner already
    /// reported (Kafka's `putSafe`).
    pub(super) fn put_unassigned(&self, connector: &str, task: Option<u32>) {
        let record = self.status_record(&Status::new(State::Unassigned), None);
        if let Err(error) = self.statuses.put_safe(connector, task, &record) {
            tracing::warn!(connector, ?task, "cannot write status: {error}");
        }
    }

    pub(super) fn stop_local_connector(&self, name: &str, report: bool) {
        let removed = lock(&self.local).connectors.remove(name);
        if let Some(connector) = removed {
            if let Some(runtime) = connector.runtime {
                lock(&runtime).stop();
            }
            if report {
                self.put_unassigned(name, None);
            }
        }
    }

    /// Stops the local tasks matching `filter`, all at once (each flushes and
    /// commits), and waits for them.
    pub(super) fn stop_local_tasks(&self, filter: impl Fn(&str, u32) -> bool, report: bool) {
        let mut removed: Vec<(TaskId, LocalTask)> = {
            let mut local = lock(&self.local);
            let keys: Vec<TaskId> = local
                .tasks
                .keys()
                .filter(|id| filter(&id.connector, id.task))
                .cloned()
                .collect();
            keys.into_iter()
                .filter_map(|k| local.tasks.remove(&k).map(|t| (k, t)))
                .collect()
        };
        for (_, task) in &removed {
            task.handle.signals.request_stop();
        }
        for (id, task) in &mut removed {
            task.handle.stop(TASK_SHUTDOWN_TIMEOUT);
            if report {
                self.put_unassigned(&id.connector, Some(id.task));
            }
        }
    }

    pub(super) fn restart_local_task(&self, name: &str, task: u32) -> bool {
        let exists = lock(&self.local)
            .tasks
            .contains_key(&TaskId::new(name, task));
        if !exists {
            return false;
        }
        self.stop_local_tasks(|c, i| c == name && i == task, false);
        let snapshot = self.configs.snapshot();
        if let (Some(props), Some(config)) = (
            snapshot.connectors.get(name),
            snapshot.task_config(name, task),
        ) {
            self.start_local_task(name, task, props, config, &snapshot);
        }
        true
    }

    /// Stops revoked work off the membership thread (tasks flush and commit, which
    /// takes a while), then asks for the rejoin that lets the leader hand it out.
    pub(super) fn stop_revoked(&self, revoked: ConnectorsAndTasks) {
        tracing::info!(
            connectors = ?revoked.connectors,
            tasks = ?revoked.tasks,
            "stopping revoked work"
        );
        {
            let mut member = lock(&self.member);
            member.stopping = member.stopping.union(&revoked);
        }
        let Some(herder) = self.me.upgrade() else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("ferry-revoke".into())
            .spawn(move || {
                herder.stop_local_tasks(|c, i| revoked.contains(c, Some(i)), true);
                for connector in &revoked.connectors {
                    herder.stop_local_connector(connector, true);
                }
                {
                    let mut member = lock(&herder.member);
                    member.stopping = member.stopping.difference(&revoked);
                }
                herder.request_rejoin();
                herder.wake();
            });
        if let Err(error) = spawned {
            tracing::error!("cannot start a thread to stop revoked work: {error}");
        }
    }

    pub(super) fn stop_all_local(&self, report: bool) {
        let connectors: Vec<String> = lock(&self.local).connectors.keys().cloned().collect();
        self.stop_local_tasks(|_, _| true, report);
        for name in connectors {
            self.stop_local_connector(&name, report);
        }
    }

    /// Compares each local connector's task configs with the committed ones and
    /// sends the leader any that differ.
    pub(super) fn reconcile_task_configs(&self) {
        let snapshot = self.configs.snapshot();
        let runtimes: Vec<(String, Arc<Mutex<ConnectorRuntime>>)> = lock(&self.local)
            .connectors
            .iter()
            .filter_map(|(n, c)| c.runtime.clone().map(|r| (n.clone(), r)))
            .collect();
        for (name, runtime) in runtimes {
            let computed = {
                let Ok(mut runtime) = runtime.try_lock() else {
                    continue;
                };
                runtime.reconfigure_if_requested();
                if !matches!(
                    runtime.connector_status().state,
                    State::Running | State::Paused
                ) {
                    continue;
                }
                runtime.task_configs().to_vec()
            };
            let committed = snapshot.tasks.get(&name).cloned().unwrap_or_default();
            if computed == committed {
                continue;
            }
            let recently_sent = lock(&self.local).connectors.get(&name).is_some_and(|c| {
                c.sent
                    .as_ref()
                    .is_some_and(|(sent, at)| *sent == computed && at.elapsed() < PUBLISH_RETRY)
            });
            if recently_sent {
                continue;
            }
            match self.publish_task_configs(&name, &computed) {
                Ok(()) => {
                    if let Some(c) = lock(&self.local).connectors.get_mut(&name) {
                        c.sent = Some((computed, Instant::now()));
                    }
                }
                Err(error) => {
                    tracing::warn!(connector = %name, "cannot hand task configs to the leader: {error}");
                }
            }
        }
    }

    pub(super) fn publish_task_configs(
        &self,
        name: &str,
        configs: &[BTreeMap<String, String>],
    ) -> Result<(), String> {
        let (leader, leader_url, sessioned) = {
            let member = lock(&self.member);
            (
                member.is_leader(),
                member.leader_url.clone(),
                member.protocol == Some(SubProtocol::Sessioned),
            )
        };
        if leader {
            return self
                .write_task_configs(name, configs)
                .map_err(|e| e.to_string());
        }
        if leader_url.is_empty() {
            return Err("Request to leader to reconfigure connector tasks failed because the URL of the leader's REST interface is empty!".into());
        }
        let body = serde_json::to_vec(configs).map_err(|e| e.to_string())?;
        let url = format!(
            "{}/connectors/{}/tasks",
            leader_url.trim_end_matches('/'),
            urlencode(name)
        );
        self.send_to_leader(
            reqwest::Method::POST,
            &url,
            Some(body),
            sessioned,
            Duration::from_secs(30),
        )
    }

    /// Sends an internal request to the leader, signed with the session key (KIP-507)
    /// when the group speaks `sessioned`; `Ok` on a 2xx answer. A request without a
    /// body is signed over the empty body.
    pub(super) fn send_to_leader(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<Vec<u8>>,
        sessioned: bool,
        timeout: Duration,
    ) -> Result<(), String> {
        let mut request = self.http.request(method.clone(), url);
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        if sessioned {
            let key = self
                .configs
                .snapshot()
                .session_key
                .ok_or("no session key has been read from the config topic yet")?;
            let signed = body.as_deref().unwrap_or_default();
            request = request
                .header(SIGNATURE_HEADER, sign(&key.key, signed))
                .header(ALGORITHM_HEADER, SIGNATURE_ALGORITHM);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let request = request.timeout(timeout);
        // reqwest needs the runtime's context both to build and to drive the call.
        let (status, text) = self
            .runtime
            .block_on(async move {
                let response = request.send().await?;
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                Ok::<_, reqwest::Error>((status, text))
            })
            .map_err(|e| format!("{method} {url}: {e}"))?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("{method} {url} answered {status}: {text}"))
        }
    }

    /// Leader: stores a connector's task configs (task records, then the commit).
    pub(super) fn write_task_configs(
        &self,
        name: &str,
        configs: &[BTreeMap<String, String>],
    ) -> Result<(), HerderError> {
        self.refresh()?;
        if !self.configs.snapshot().connectors.contains_key(name) {
            return Err(not_found(name));
        }
        self.configs
            .put_task_configs(name, configs)
            .map_err(|e| HerderError::Internal(format!("cannot write task configs: {e}")))?;
        tracing::info!(
            connector = name,
            tasks = configs.len(),
            "task configs written"
        );
        self.refresh()?;
        self.wake();
        Ok(())
    }

    pub(super) fn publish_statuses(&self) {
        let mut updates: Vec<(String, Option<u32>, Status)> = Vec::new();
        {
            let local = lock(&self.local);
            for (name, connector) in &local.connectors {
                let current = match (&connector.runtime, &connector.failure) {
                    (Some(runtime), _) => match runtime.try_lock() {
                        Ok(runtime) => runtime.connector_status(),
                        Err(_) => continue,
                    },
                    (None, Some(failure)) => failure.clone(),
                    (None, None) => continue,
                };
                if connector.published.as_ref() != Some(&current)
                    && current.state != State::Unassigned
                {
                    updates.push((name.clone(), None, current));
                }
            }
            for (id, task) in &local.tasks {
                let current = task.handle.status.get();
                if task.published.as_ref() != Some(&current) && current.state != State::Unassigned {
                    updates.push((id.connector.clone(), Some(id.task), current));
                }
            }
        }
        let snapshot = self.configs.snapshot();
        for (name, task, status) in updates {
            let version = snapshot
                .connectors
                .get(&name)
                .and_then(|props| self.plugin_version(props));
            let record = self.status_record(&status, version);
            // Written under the lock on local work, and only for work still here:
            // a task stopped meanwhile has its UNASSIGNED written after removal from
            // `local`, and this late RUNNING must not land after it.
            let mut local = lock(&self.local);
            let here = match task {
                None => local.connectors.contains_key(&name),
                Some(t) => local.tasks.contains_key(&TaskId::new(name.clone(), t)),
            };
            if !here {
                continue;
            }
            match self.statuses.put(&name, task, &record) {
                Ok(()) => match task {
                    None => {
                        if let Some(c) = local.connectors.get_mut(&name) {
                            c.published = Some(status);
                        }
                    }
                    Some(t) => {
                        if let Some(t) = local.tasks.get_mut(&TaskId::new(name.clone(), t)) {
                            t.published = Some(status);
                        }
                    }
                },
                Err(error) => {
                    tracing::warn!(connector = %name, ?task, "cannot write status: {error}")
                }
            }
        }
    }

    /// Leader: writes a fresh session key when there is none or it expired.
    pub(super) fn rotate_session_key(&self) {
        {
            let member = lock(&self.member);
            if !member.is_leader() || member.protocol != Some(SubProtocol::Sessioned) {
                return;
            }
        }
        let snapshot = self.configs.snapshot();
        let now = now_ms() as i64;
        let expired = snapshot.session_key.as_ref().is_none_or(|key| {
            key.creation_timestamp + self.settings.key_ttl.as_millis() as i64 <= now
                || key.algorithm != SIGNATURE_ALGORITHM
        });
        if !expired {
            return;
        }
        let mut bytes = vec![0u8; 32];
        if let Err(error) = getrandom::fill(&mut bytes) {
            tracing::error!("cannot generate a session key: {error}");
            return;
        }
        let key = SessionKey {
            key: bytes,
            algorithm: SIGNATURE_ALGORITHM.to_string(),
            creation_timestamp: now,
        };
        match self.configs.put_session_key(&key) {
            Ok(()) => tracing::info!("wrote a new session key"),
            Err(error) => tracing::warn!("cannot write the session key: {error}"),
        }
    }

    /// Reads the config log to its end. The events it yields (a target state, a
    /// restart request, new task configs…) are queued for the herder thread, which
    /// alone applies them: a REST or membership thread reading the log never drops
    /// one, and none is applied while the herder is starting the work it concerns.
    pub(super) fn read_config_log(&self) -> Result<(), LogError> {
        let events = self.configs.refresh()?;
        if !events.is_empty() {
            lock(&self.pending_events).extend(events);
            self.wake();
        }
        Ok(())
    }
}
