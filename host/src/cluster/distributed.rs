//! The distributed herder: one worker of a group that shares connectors and tasks.
//!
//! State lives in Kafka: connector and task configs in the config log, statuses in
//! the status log, source offsets in the offsets topic. The group (see `group`)
//! elects a leader that assigns work incrementally (KIP-415); every worker runs
//! what it was given, reports statuses, and hands task configs computed by its
//! connectors to the leader, the only writer of connector and task configs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::api::{Health, HerderApi, RequestSignature};
use super::assignor::{self, AssignorState};
use super::config_log::{ConfigEvent, ConfigLog, ConfigSnapshot, SessionKey, TargetState};
use super::group::{self, GroupConfig, GroupHandle, GroupListener};
use super::herder::{
    ConnectorInfo, HerderError, TaskId, plugin_list, precheck_connector, restart_plan, status_json,
    validate_config, validate_plugin_config,
};
use super::kafka_log::LogError;
use super::protocol::{self, Assignment, SubProtocol, Work, WorkerState};
use super::status_log::{StatusLog, StatusRecord};
use crate::config::connector::{self, ConfigInfos, ResolvedConnector};
use crate::config::distributed::DistributedConfig;
use crate::rest::urlencode;
use crate::worker::WorkerServices;
use crate::worker::connector::{ConnectorRuntime, TASK_SHUTDOWN_TIMEOUT, spawn_task};
use crate::worker::status::{State, Status};
use crate::worker::task::{Signals, TaskHandle};

/// The only signature algorithm this worker signs and verifies with.
pub const SIGNATURE_ALGORITHM: &str = "HmacSHA256";
const SIGNATURE_HEADER: &str = "X-Connect-Authorization";
const ALGORITHM_HEADER: &str = "X-Connect-Request-Signature-Algorithm";
/// How often the herder thread looks at the logs and its work.
const TICK: Duration = Duration::from_millis(200);
/// How long to wait before re-sending task configs the leader has not committed.
const PUBLISH_RETRY: Duration = Duration::from_secs(5);

type HmacSha256 = Hmac<Sha256>;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// This worker's view of the group.
#[derive(Default)]
struct MemberView {
    member_id: String,
    generation: i32,
    leader_id: String,
    leader_url: String,
    protocol: Option<SubProtocol>,
    /// Set from JoinGroup until the assignment arrives.
    rebalancing: bool,
    /// None until the first assignment (and after membership is lost).
    owned: Option<Work>,
    /// Revoked work still shutting down: reported as owned until it has stopped.
    stopping: Work,
    /// The config offset the last assignment was computed at.
    config_offset: i64,
    /// Leader only: who owns what after the last round (member id → url, work).
    allocation: BTreeMap<String, (String, Work)>,
    /// Leader only: the work (connector → task count) the last round assigned.
    assigned_work: Option<assignor::Work>,
}

impl MemberView {
    fn is_leader(&self) -> bool {
        !self.member_id.is_empty() && self.member_id == self.leader_id
    }
}

/// A connector instance this worker runs.
struct LocalConnector {
    runtime: Option<Arc<Mutex<ConnectorRuntime>>>,
    /// Why it could not be started, when `runtime` is None.
    failure: Option<Status>,
    props: BTreeMap<String, String>,
    published: Option<Status>,
    /// Task configs last sent to the leader, and when.
    sent: Option<(Vec<BTreeMap<String, String>>, Instant)>,
}

/// A task this worker runs.
struct LocalTask {
    handle: TaskHandle,
    published: Option<Status>,
}

#[derive(Default)]
struct LocalWork {
    connectors: BTreeMap<String, LocalConnector>,
    tasks: BTreeMap<(String, u32), LocalTask>,
}

/// One worker of a Connect cluster.
pub struct DistributedHerder {
    services: Arc<WorkerServices>,
    settings: DistributedConfig,
    url: String,
    worker_id: String,
    configs: ConfigLog,
    statuses: Arc<StatusLog>,
    member: Mutex<MemberView>,
    local: Mutex<LocalWork>,
    assignor: Mutex<AssignorState>,
    group: Mutex<Option<GroupHandle>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    wake: (Mutex<bool>, Condvar),
    /// Herder-thread ticks begun, for `/health`: a worker is healthy when its
    /// herder thread gets round to a new tick, as Kafka's health check queues a
    /// no-op on the herder's request queue.
    ticks: (Mutex<u64>, Condvar),
    /// Config-log events read by any thread (REST, membership, herder), applied
    /// only by the herder thread, in order, so none is lost or races a start.
    pending_events: Mutex<Vec<ConfigEvent>>,
    stop: AtomicBool,
    http: reqwest::Client,
    runtime: tokio::runtime::Handle,
    /// This herder, for threads it starts.
    me: std::sync::Weak<DistributedHerder>,
}

impl DistributedHerder {
    /// Reads the config log, joins the group and starts the herder thread. `http`
    /// calls other workers (see `crate::rest::tls::worker_http_client`).
    pub fn start(
        services: Arc<WorkerServices>,
        settings: DistributedConfig,
        configs: ConfigLog,
        statuses: Arc<StatusLog>,
        http: reqwest::Client,
        runtime: tokio::runtime::Handle,
    ) -> Result<Arc<Self>, HerderError> {
        configs
            .refresh()
            .map_err(|e| HerderError::Internal(format!("cannot read the config log: {e}")))?;
        statuses
            .refresh()
            .map_err(|e| HerderError::Internal(format!("cannot read the status log: {e}")))?;
        let url = services.config.advertised_url.clone();
        let worker_id = services.config.worker_id();
        let herder = Arc::new_cyclic(|me| Self {
            me: me.clone(),
            services,
            settings,
            url,
            worker_id,
            configs,
            statuses,
            member: Mutex::new(MemberView::default()),
            local: Mutex::new(LocalWork::default()),
            assignor: Mutex::new(AssignorState::default()),
            group: Mutex::new(None),
            thread: Mutex::new(None),
            wake: (Mutex::new(false), Condvar::new()),
            ticks: (Mutex::new(0), Condvar::new()),
            pending_events: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            http,
            runtime,
        });
        let group_config = GroupConfig {
            bootstrap_servers: herder
                .services
                .config
                .bootstrap_servers
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            group_id: herder.settings.group_id.clone(),
            client_id: format!("connect-{}", herder.worker_id),
            session_timeout: herder.settings.session_timeout,
            heartbeat_interval: herder.settings.heartbeat_interval,
            rebalance_timeout: herder.settings.rebalance_timeout,
            protocol: herder.settings.protocol,
        };
        let listener: Arc<dyn GroupListener> = herder.clone();
        let handle = group::spawn(group_config, listener)
            .map_err(|e| HerderError::Internal(format!("cannot start the group thread: {e}")))?;
        *lock(&herder.group) = Some(handle);
        let weak = Arc::downgrade(&herder);
        let thread = std::thread::Builder::new()
            .name("ferry-herder".into())
            .spawn(move || {
                while let Some(herder) = weak.upgrade() {
                    if herder.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    herder.tick_begins();
                    herder.tick();
                    herder.sleep(TICK);
                }
            })
            .map_err(|e| HerderError::Internal(format!("cannot start the herder thread: {e}")))?;
        *lock(&herder.thread) = Some(thread);
        Ok(herder)
    }

    fn sleep(&self, timeout: Duration) {
        let (flag, condvar) = &self.wake;
        let mut woken = lock(flag);
        if !*woken {
            woken = match condvar.wait_timeout(woken, timeout) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        *woken = false;
    }

    fn tick_begins(&self) {
        let (count, condvar) = &self.ticks;
        *lock(count) += 1;
        condvar.notify_all();
    }

    /// Wakes the herder thread and waits (at most `timeout`) for it to begin a new
    /// tick, i.e. to finish whatever it was doing; false when it does not: stuck.
    fn herder_responsive(&self, timeout: Duration) -> bool {
        let (count, condvar) = &self.ticks;
        let start = *lock(count);
        self.wake();
        let deadline = Instant::now() + timeout;
        let mut current = lock(count);
        while *current == start {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            current = match condvar.wait_timeout(current, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }

    fn wake(&self) {
        let (flag, condvar) = &self.wake;
        *lock(flag) = true;
        condvar.notify_all();
    }

    /// Clean shutdown: stop the herder thread, stop every local task (they flush
    /// and commit), then leave the group so the others take over at once.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake();
        if let Some(thread) = lock(&self.thread).take() {
            let _ = thread.join();
        }
        self.stop_all_local(true);
        if let Some(mut group) = lock(&self.group).take() {
            group.shutdown();
        }
        let _ = self.statuses.refresh();
    }

    fn request_rejoin(&self) {
        if let Some(group) = lock(&self.group).as_ref() {
            group.request_rejoin();
        }
    }

    fn generation(&self) -> i32 {
        lock(&self.member).generation
    }

    fn status_record(&self, status: &Status) -> StatusRecord {
        StatusRecord {
            state: status.state,
            trace: status.trace.clone(),
            worker_id: self.worker_id.clone(),
            generation: self.generation(),
        }
    }

    // ----- the herder thread -----

    fn tick(&self) {
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
    fn check_leader_work(&self) {
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

    fn apply_config_events(&self, events: Vec<ConfigEvent>) {
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
                        self.stop_local_tasks(|c, _| c == name, false);
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
                            .filter(|((c, _), _)| *c == name)
                            .filter(|((_, i), task)| {
                                *i >= count
                                    || snapshot.task_config(&name, *i) != Some(&task.handle.config)
                            })
                            .map(|((_, i), _)| *i)
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

    fn apply_target_state(&self, name: &str, target: TargetState) {
        let paused = target != TargetState::Started;
        let (runtime, signals) = {
            let local = lock(&self.local);
            let runtime = local.connectors.get(name).and_then(|c| c.runtime.clone());
            let signals: Vec<Arc<Signals>> = local
                .tasks
                .iter()
                .filter(|((c, _), _)| c == name)
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

    fn apply_restart(&self, name: &str, include_tasks: bool, only_failed: bool) {
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
                .filter(|((c, _), t)| {
                    c == name && (!only_failed || t.handle.status.get().state == State::Failed)
                })
                .map(|((_, i), _)| *i)
                .collect();
            for task in restart {
                self.restart_local_task(name, task);
            }
        }
    }

    /// Starts assigned connectors and tasks that are not running here yet.
    fn start_assigned(&self) {
        let (owned, offset) = {
            let member = lock(&self.member);
            match &member.owned {
                // Work still stopping from an earlier revocation starts once it stopped.
                Some(owned) => (minus(owned, &member.stopping), member.config_offset),
                None => return,
            }
        };
        let snapshot = self.configs.snapshot();
        if snapshot.offset < offset {
            // Not caught up with the config the assignment was made from.
            return;
        }
        let (missing_connectors, missing_tasks) = {
            let local = lock(&self.local);
            let connectors: Vec<String> = owned
                .connectors
                .iter()
                .filter(|c| !local.connectors.contains_key(*c))
                .cloned()
                .collect();
            let tasks: Vec<(String, u32)> = owned
                .tasks
                .iter()
                .filter(|t| !local.tasks.contains_key(*t))
                .cloned()
                .collect();
            (connectors, tasks)
        };
        // A revocation may have arrived since `owned` was read: check again just
        // before starting anything.
        let still_mine = |connector: &str, task: Option<u32>| {
            let member = lock(&self.member);
            let Some(owned) = member.owned.as_ref() else {
                return false;
            };
            match task {
                None => {
                    owned.connectors.contains(connector)
                        && !member.stopping.connectors.contains(connector)
                }
                Some(t) => {
                    let id = (connector.to_string(), t);
                    owned.tasks.contains(&id) && !member.stopping.tasks.contains(&id)
                }
            }
        };
        for name in missing_connectors {
            if !still_mine(&name, None) {
                continue;
            }
            if let Some(props) = snapshot.connectors.get(&name) {
                self.start_local_connector(&name, props, &snapshot);
            }
        }
        for (name, task) in missing_tasks {
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

    fn resolve(&self, raw: &BTreeMap<String, String>) -> Result<ResolvedConnector, String> {
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

    fn start_local_connector(
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

    fn start_local_task(
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
            (name.to_string(), task),
            LocalTask {
                handle,
                published: None,
            },
        );
    }

    /// Writes UNASSIGNED for work this worker stops, unless a newer owner already
    /// reported (Kafka's `putSafe`).
    fn put_unassigned(&self, connector: &str, task: Option<u32>) {
        let record = self.status_record(&Status::new(State::Unassigned));
        let cached = match task {
            None => self.statuses.connector(connector),
            Some(t) => self.statuses.tasks(connector).get(&t).cloned(),
        };
        let safe = cached
            .is_none_or(|c| c.worker_id == self.worker_id || c.generation <= record.generation);
        if !safe {
            return;
        }
        if let Err(error) = self.statuses.put(connector, task, &record) {
            tracing::warn!(connector, ?task, "cannot write status: {error}");
        }
    }

    fn stop_local_connector(&self, name: &str, report: bool) {
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
    fn stop_local_tasks(&self, filter: impl Fn(&str, u32) -> bool, report: bool) {
        let mut removed: Vec<((String, u32), LocalTask)> = {
            let mut local = lock(&self.local);
            let keys: Vec<(String, u32)> = local
                .tasks
                .keys()
                .filter(|(c, i)| filter(c, *i))
                .cloned()
                .collect();
            keys.into_iter()
                .filter_map(|k| local.tasks.remove(&k).map(|t| (k, t)))
                .collect()
        };
        for (_, task) in &removed {
            task.handle.signals.request_stop();
        }
        for ((connector, id), task) in &mut removed {
            task.handle.stop(TASK_SHUTDOWN_TIMEOUT);
            if report {
                self.put_unassigned(connector, Some(*id));
            }
        }
    }

    fn restart_local_task(&self, name: &str, task: u32) -> bool {
        let exists = lock(&self.local)
            .tasks
            .contains_key(&(name.to_string(), task));
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
    fn stop_revoked(&self, revoked: Work) {
        tracing::info!(
            connectors = ?revoked.connectors,
            tasks = ?revoked.tasks,
            "stopping revoked work"
        );
        {
            let mut member = lock(&self.member);
            member.stopping = plus(&member.stopping, &revoked);
        }
        let Some(herder) = self.me.upgrade() else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("ferry-revoke".into())
            .spawn(move || {
                let tasks: BTreeSet<(String, u32)> = revoked.tasks.clone();
                herder.stop_local_tasks(|c, i| tasks.contains(&(c.to_string(), i)), true);
                for connector in &revoked.connectors {
                    herder.stop_local_connector(connector, true);
                }
                {
                    let mut member = lock(&herder.member);
                    member.stopping = minus(&member.stopping, &revoked);
                }
                herder.request_rejoin();
                herder.wake();
            });
        if let Err(error) = spawned {
            tracing::error!("cannot start a thread to stop revoked work: {error}");
        }
    }

    fn stop_all_local(&self, report: bool) {
        let connectors: Vec<String> = lock(&self.local).connectors.keys().cloned().collect();
        self.stop_local_tasks(|_, _| true, report);
        for name in connectors {
            self.stop_local_connector(&name, report);
        }
    }

    /// Compares each local connector's task configs with the committed ones and
    /// sends the leader any that differ.
    fn reconcile_task_configs(&self) {
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

    fn publish_task_configs(
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
        let mut request = self
            .http
            .post(&url)
            .header("content-type", "application/json");
        if sessioned {
            let key = self
                .configs
                .snapshot()
                .session_key
                .ok_or("no session key has been read from the config topic yet")?;
            request = request
                .header(SIGNATURE_HEADER, sign(&key.key, &body))
                .header(ALGORITHM_HEADER, SIGNATURE_ALGORITHM);
        }
        let request = request.body(body).timeout(Duration::from_secs(30));
        // reqwest needs the runtime's context both to build and to drive the call.
        let (status, text) = self
            .runtime
            .block_on(async move {
                let response = request.send().await?;
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                Ok::<_, reqwest::Error>((status, text))
            })
            .map_err(|e| format!("POST {url}: {e}"))?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("POST {url} answered {status}: {text}"))
        }
    }

    /// Leader: stores a connector's task configs (task records, then the commit).
    fn write_task_configs(
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

    fn publish_statuses(&self) {
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
            for ((name, id), task) in &local.tasks {
                let current = task.handle.status.get();
                if task.published.as_ref() != Some(&current) && current.state != State::Unassigned {
                    updates.push((name.clone(), Some(*id), current));
                }
            }
        }
        for (name, task, status) in updates {
            let record = self.status_record(&status);
            let result = match task {
                None => self.statuses.put_connector(&name, &record),
                Some(t) => self.statuses.put_task(&name, t, &record),
            };
            match result {
                Ok(()) => {
                    let mut local = lock(&self.local);
                    match task {
                        None => {
                            if let Some(c) = local.connectors.get_mut(&name) {
                                c.published = Some(status);
                            }
                        }
                        Some(t) => {
                            if let Some(t) = local.tasks.get_mut(&(name.clone(), t)) {
                                t.published = Some(status);
                            }
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(connector = %name, ?task, "cannot write status: {error}")
                }
            }
        }
    }

    /// Leader: writes a fresh session key when there is none or it expired.
    fn rotate_session_key(&self) {
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
    fn read_config_log(&self) -> Result<(), LogError> {
        let events = self.configs.refresh()?;
        if !events.is_empty() {
            lock(&self.pending_events).extend(events);
            self.wake();
        }
        Ok(())
    }

    // ----- helpers for REST -----

    fn refresh(&self) -> Result<(), HerderError> {
        self.read_config_log()
            .map_err(|e| HerderError::Internal(format!("cannot read the config log: {e}")))
    }

    /// Ok if this worker leads the group; otherwise where to forward.
    fn require_leader(&self, message: &str) -> Result<(), HerderError> {
        let member = lock(&self.member);
        if member.is_leader() {
            return Ok(());
        }
        Err(HerderError::Elsewhere {
            message: message.to_string(),
            target: Some(member.leader_url.clone()).filter(|u| !u.is_empty()),
        })
    }

    fn snapshot_with(&self, name: &str) -> Result<ConfigSnapshot, HerderError> {
        let snapshot = self.configs.snapshot();
        if snapshot.connectors.contains_key(name) {
            Ok(snapshot)
        } else {
            Err(not_found(name))
        }
    }

    fn kind_of(&self, props: &BTreeMap<String, String>) -> String {
        props
            .get("connector.class")
            .and_then(|c| self.services.registry.find(c))
            .map(|p| p.kind.as_str().to_string())
            .unwrap_or_else(|| "unknown".to_string())
    }

    fn info_from(&self, name: &str, snapshot: &ConfigSnapshot) -> Option<ConnectorInfo> {
        let props = snapshot.connectors.get(name)?;
        Some(ConnectorInfo {
            name: name.to_string(),
            config: props.clone(),
            tasks: (0..snapshot.task_count(name))
                .map(|task| TaskId {
                    connector: name.to_string(),
                    task,
                })
                .collect(),
            kind: self.kind_of(props),
        })
    }

    /// Where the owner of `work` (connector or task) lives, from the leader's last
    /// assignment.
    fn owner_url(&self, connector: &str, task: Option<u32>) -> Option<String> {
        let member = lock(&self.member);
        member.allocation.values().find_map(|(url, work)| {
            let owns = match task {
                None => work.connectors.contains(connector),
                Some(t) => work.tasks.contains(&(connector.to_string(), t)),
            };
            owns.then(|| url.clone())
        })
    }

    fn verify_signature(
        &self,
        body: &[u8],
        signature: &RequestSignature,
    ) -> Result<(), HerderError> {
        if lock(&self.member).protocol != Some(SubProtocol::Sessioned) {
            return Ok(());
        }
        let (Some(mac), Some(algorithm)) = (&signature.signature, &signature.algorithm) else {
            return Err(HerderError::BadRequest(
                "Internal request missing required signature".into(),
            ));
        };
        if algorithm != SIGNATURE_ALGORITHM {
            return Err(HerderError::BadRequest(format!(
                "This worker does not support the '{algorithm}' key signing algorithm used by other workers. This worker is currently configured to use: [{SIGNATURE_ALGORITHM}]. Check that all workers' configuration files permit the same set of signature algorithms, and correct any misconfigured worker and restart it."
            )));
        }
        let mac = base64::engine::general_purpose::STANDARD
            .decode(mac)
            .map_err(|e| HerderError::BadRequest(format!("Illegal base64 signature: {e}")))?;
        let Some(key) = self.configs.snapshot().session_key else {
            return Err(HerderError::Unavailable(
                "This worker is still starting up and has not been able to read a session key from the config topic yet".into(),
            ));
        };
        let mut verifier = HmacSha256::new_from_slice(&key.key)
            .map_err(|e| HerderError::Internal(format!("bad session key: {e}")))?;
        verifier.update(body);
        verifier.verify_slice(&mac).map_err(|_| {
            HerderError::Forbidden("Internal request contained invalid signature.".into())
        })
    }
}

/// Base64 HMAC-SHA256 of `body` with `key`, as `X-Connect-Authorization` carries it.
pub fn sign(key: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn not_found(name: &str) -> HerderError {
    HerderError::NotFound(format!("Connector {name} not found"))
}

/// The work the config log describes: connector → committed task count.
fn work_of(snapshot: &ConfigSnapshot) -> assignor::Work {
    snapshot
        .connectors
        .keys()
        .map(|c| (c.clone(), snapshot.task_count(c)))
        .collect()
}

fn to_assignor(work: &Work) -> assignor::Assignment {
    assignor::Assignment {
        connectors: work.connectors.clone(),
        tasks: work.tasks.clone(),
    }
}

fn from_assignor(assignment: &assignor::Assignment) -> Work {
    Work {
        connectors: assignment.connectors.clone(),
        tasks: assignment.tasks.clone(),
    }
}

fn minus(a: &Work, b: &Work) -> Work {
    Work {
        connectors: a.connectors.difference(&b.connectors).cloned().collect(),
        tasks: a.tasks.difference(&b.tasks).cloned().collect(),
    }
}

fn plus(a: &Work, b: &Work) -> Work {
    Work {
        connectors: a.connectors.union(&b.connectors).cloned().collect(),
        tasks: a.tasks.union(&b.tasks).cloned().collect(),
    }
}

impl GroupListener for DistributedHerder {
    fn worker_state(&self) -> WorkerState {
        let config_offset = self.configs.snapshot().offset;
        let member = lock(&self.member);
        let allocation = member.owned.as_ref().map(|owned| {
            let version = member.protocol.unwrap_or(SubProtocol::Sessioned).version();
            let mut allocation = Assignment::empty(version);
            allocation.leader = member.leader_id.clone();
            allocation.leader_url = member.leader_url.clone();
            allocation.config_offset = member.config_offset;
            allocation.assigned = plus(owned, &member.stopping);
            allocation
        });
        WorkerState {
            url: self.url.clone(),
            config_offset,
            allocation,
        }
    }

    fn on_rebalance_start(&self) {
        lock(&self.member).rebalancing = true;
    }

    fn assign(
        &self,
        protocol: SubProtocol,
        leader_id: &str,
        generation: i32,
        members: &[(String, WorkerState)],
    ) -> BTreeMap<String, Assignment> {
        let max_offset = members
            .iter()
            .map(|(_, s)| s.config_offset)
            .max()
            .unwrap_or(-1);
        if let Err(error) = self.read_config_log() {
            tracing::warn!("leader cannot read the config log: {error}");
        }
        let snapshot = self.configs.snapshot();
        let leader_url = members
            .iter()
            .find(|(id, _)| id == leader_id)
            .map(|(_, s)| s.url.clone())
            .unwrap_or_else(|| self.url.clone());
        let base = |error: i16, offset: i64| {
            let mut a = Assignment::empty(protocol.version());
            a.error = error;
            a.leader = leader_id.to_string();
            a.leader_url = leader_url.clone();
            a.config_offset = offset;
            a
        };
        if snapshot.offset < max_offset {
            tracing::warn!(
                leader_offset = snapshot.offset,
                max_offset,
                "Was selected to perform assignments, but do not have latest config found in sync request. Returning an empty configuration to trigger re-sync."
            );
            return members
                .iter()
                .map(|(id, _)| (id.clone(), base(protocol::CONFIG_MISMATCH, max_offset)))
                .collect();
        }
        let work = work_of(&snapshot);
        let assignor_members: Vec<assignor::Member> = members
            .iter()
            .map(|(id, state)| assignor::Member {
                id: id.clone(),
                url: state.url.clone(),
                owned: state
                    .allocation
                    .as_ref()
                    .map(|a| to_assignor(&a.assigned))
                    .unwrap_or_default(),
            })
            .collect();
        let max_delay = self.settings.scheduled_rebalance_max_delay.as_millis() as u64;
        let outcome = assignor::assign(
            &mut lock(&self.assignor),
            &assignor_members,
            &work,
            now_ms(),
            max_delay,
        );
        let urls: BTreeMap<&str, &str> = members
            .iter()
            .map(|(id, s)| (id.as_str(), s.url.as_str()))
            .collect();
        {
            let mut member = lock(&self.member);
            member.allocation = outcome
                .allocation
                .iter()
                .map(|(id, a)| {
                    (
                        id.clone(),
                        (
                            urls.get(id.as_str()).copied().unwrap_or("").to_string(),
                            from_assignor(a),
                        ),
                    )
                })
                .collect();
            member.assigned_work = Some(work);
        }
        tracing::info!(generation, members = members.len(), "computed assignments");
        outcome
            .assignments
            .iter()
            .map(|(id, a)| {
                let mut out = base(protocol::NO_ERROR, snapshot.offset.max(max_offset));
                if protocol == SubProtocol::Eager {
                    out.assigned = outcome
                        .allocation
                        .get(id)
                        .map(from_assignor)
                        .unwrap_or_default();
                } else {
                    out.assigned = from_assignor(&a.assigned);
                    out.revoked = from_assignor(&a.revoked);
                    out.delay_ms = a.delay_ms as i32;
                }
                (id.clone(), out)
            })
            .collect()
    }

    fn on_assigned(
        &self,
        protocol: SubProtocol,
        member_id: &str,
        generation: i32,
        assignment: Assignment,
    ) {
        let previous = {
            let mut member = lock(&self.member);
            member.member_id = member_id.to_string();
            member.generation = generation;
            member.leader_id = assignment.leader.clone();
            member.leader_url = assignment.leader_url.clone();
            member.protocol = Some(protocol);
            member.rebalancing = false;
            if member.leader_id != member.member_id {
                member.allocation.clear();
                member.assigned_work = None;
                // Another member led this round: this one's memory of the previous
                // assignment is stale should it lead again (Kafka resets it too).
                *lock(&self.assignor) = AssignorState::default();
            }
            member.owned.clone().unwrap_or_default()
        };
        if assignment.error != protocol::NO_ERROR {
            tracing::warn!("the leader reported a config offset mismatch; reading the config log");
            if let Err(error) = self.read_config_log() {
                tracing::warn!("cannot read the config log: {error}");
            }
            return;
        }
        let revoked = if protocol == SubProtocol::Eager {
            minus(&previous, &assignment.assigned)
        } else {
            assignment.revoked.clone()
        };
        if !revoked.is_empty() {
            self.stop_revoked(revoked.clone());
        }
        let owned = if protocol == SubProtocol::Eager {
            assignment.assigned.clone()
        } else {
            plus(&minus(&previous, &revoked), &assignment.assigned)
        };
        tracing::info!(
            generation,
            connectors = owned.connectors.len(),
            tasks = owned.tasks.len(),
            delay_ms = assignment.delay_ms,
            "assignment received"
        );
        {
            let mut member = lock(&self.member);
            member.owned = Some(owned);
            member.config_offset = assignment.config_offset;
        }
        self.wake();
    }

    fn on_lost(&self) {
        tracing::warn!("membership lost: stopping all work on this worker");
        self.stop_all_local(true);
        let mut member = lock(&self.member);
        member.owned = None;
        member.allocation.clear();
        member.assigned_work = None;
        member.leader_id.clear();
        *lock(&self.assignor) = AssignorState::default();
    }
}

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

    fn status(&self, name: &str) -> Result<Value, HerderError> {
        let snapshot = self.configs.snapshot();
        let Some(connector) = self.statuses.connector(name) else {
            return Err(HerderError::NotFound(format!(
                "No status found for connector {name}"
            )));
        };
        let count = snapshot.task_count(name);
        let tasks: Vec<Value> = self
            .statuses
            .tasks(name)
            .into_iter()
            .filter(|(id, _)| *id < count)
            .map(|(id, record)| {
                let mut task = record_json(&record);
                task["id"] = json!(id);
                task
            })
            .collect();
        let kind = snapshot
            .connectors
            .get(name)
            .map(|p| self.kind_of(p))
            .unwrap_or_else(|| "unknown".into());
        Ok(json!({
            "name": name,
            "connector": record_json(&connector),
            "tasks": tasks,
            "type": kind,
        }))
    }

    fn task_status(&self, name: &str, task: u32) -> Result<Value, HerderError> {
        let record = self
            .statuses
            .tasks(name)
            .get(&task)
            .cloned()
            .ok_or_else(|| {
                HerderError::NotFound(format!("No status found for task {name}-{task}"))
            })?;
        let mut body = record_json(&record);
        body["id"] = json!(task);
        Ok(body)
    }

    fn tasks(&self, name: &str) -> Result<Value, HerderError> {
        let snapshot = self.snapshot_with(name)?;
        let tasks: Vec<Value> = snapshot
            .tasks
            .get(name)
            .map(|configs| {
                configs
                    .iter()
                    .enumerate()
                    .map(|(i, config)| json!({"id": {"connector": name, "task": i}, "config": config}))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Value::Array(tasks))
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
    ) -> Result<Value, HerderError> {
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

    fn plugins(&self, connectors_only: bool) -> Vec<Value> {
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

fn record_json(record: &StatusRecord) -> Value {
    status_json(
        &Status {
            state: record.state,
            trace: record.trace.clone(),
        },
        &record.worker_id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_base64_hmac_sha256() {
        // RFC 4231 test case 2.
        let signature = sign(b"Jefe", b"what do ya want for nothing?");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .expect("base64");
        assert_eq!(
            hex::encode(bytes),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
