//! The distributed herder: one worker of a group that shares connectors and tasks.
//!
//! State lives in Kafka (`crate::storage`): connector and task configs in the
//! config log, statuses in the status log, source offsets in the offsets topic. The
//! group (`crate::group`) elects a leader that assigns work incrementally (KIP-415);
//! every worker runs what it was given, reports statuses, and hands task configs
//! computed by its connectors to the leader, the only writer of connector and task
//! configs.
//!
//! This file holds the herder's state and the group callbacks; `runner` is the
//! herder thread, `api` what REST asks of it, `signing` the signed internal
//! requests.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod api;
mod fencing;
mod runner;
mod signing;

use signing::{ALGORITHM_HEADER, SIGNATURE_HEADER};
pub use signing::{SIGNATURE_ALGORITHM, sign};

use super::{HerderError, TaskId};
use crate::config::distributed::DistributedConfig;
use crate::group::assignor::{self, AssignorState};
use crate::group::member::{self, GroupConfig, GroupHandle, GroupListener};
use crate::group::plan::{self, PlanInput};
use crate::group::protocol::{self, Assignment, SubProtocol, WorkerState};
use crate::storage::config_log::{ConfigEvent, ConfigLog, ConfigSnapshot};
use crate::storage::status_log::{StatusLog, StatusRecord};
use crate::util::lock;
use crate::worker::WorkerServices;
use crate::worker::connector::ConnectorRuntime;
use crate::worker::status::{State, Status};
use crate::worker::task::TaskHandle;
use crate::worker::work::ConnectorsAndTasks;

/// How often the herder thread looks at the logs and its work.
const TICK: Duration = Duration::from_millis(200);
/// How long to wait before re-sending task configs the leader has not committed.
const PUBLISH_RETRY: Duration = Duration::from_secs(5);

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
    owned: Option<ConnectorsAndTasks>,
    /// Revoked work still shutting down: reported as owned until it has stopped.
    stopping: ConnectorsAndTasks,
    /// The config offset the last assignment was computed at.
    config_offset: i64,
    /// Leader only: who owns what after the last round (member id → url, work).
    allocation: BTreeMap<String, (String, ConnectorsAndTasks)>,
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
    tasks: BTreeMap<TaskId, LocalTask>,
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
    /// Held during a round of zombie fencing (KIP-618), one at a time.
    fencing_round: Mutex<()>,
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
            fencing_round: Mutex::new(()),
            http,
            runtime,
        });
        let fencing: Arc<dyn crate::worker::exactly_once::ZombieFencing> = herder.clone();
        let _ = herder.services.fencing.set(Arc::downgrade(&fencing));
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
        let handle = member::spawn(group_config, listener)
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

    /// `status` as this worker writes it; `version` is the plugin's, left null for
    /// UNASSIGNED as Kafka Connect does.
    fn status_record(&self, status: &Status, version: Option<String>) -> StatusRecord {
        StatusRecord {
            state: status.state,
            trace: status.trace.clone(),
            worker_id: self.worker_id.clone(),
            generation: self.generation(),
            version: version.filter(|_| status.state != State::Unassigned),
        }
    }
}

/// The work the config log describes: connector → committed task count.
fn work_of(snapshot: &ConfigSnapshot) -> assignor::Work {
    snapshot
        .connectors
        .keys()
        .map(|c| (c.clone(), snapshot.task_count(c)))
        .collect()
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
            allocation.assigned = owned.union(&member.stopping);
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
        if let Err(error) = self.read_config_log() {
            tracing::warn!("leader cannot read the config log: {error}");
        }
        let snapshot = self.configs.snapshot();
        let work = work_of(&snapshot);
        let input = PlanInput {
            protocol,
            leader_id,
            leader_url: &self.url,
            members,
            config_offset: snapshot.offset,
            work: &work,
            now_ms: now_ms(),
            max_delay_ms: self.settings.scheduled_rebalance_max_delay.as_millis() as u64,
        };
        let plan = plan::plan(&mut lock(&self.assignor), &input);
        if let Some(allocation) = plan.allocation {
            let mut member = lock(&self.member);
            member.allocation = allocation;
            member.assigned_work = Some(work);
            tracing::info!(generation, members = members.len(), "computed assignments");
        }
        plan.assignments
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
            previous.difference(&assignment.assigned)
        } else {
            assignment.revoked.clone()
        };
        if !revoked.is_empty() {
            self.stop_revoked(revoked.clone());
        }
        let owned = if protocol == SubProtocol::Eager {
            assignment.assigned.clone()
        } else {
            previous.difference(&revoked).union(&assignment.assigned)
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
