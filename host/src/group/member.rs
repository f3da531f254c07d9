//! Membership in the worker group over Kafka's classic group protocol:
//! FindCoordinator → JoinGroup (protocol type `connect`) → SyncGroup → Heartbeat →
//! LeaveGroup, run on a thread of its own so heartbeats keep flowing while the
//! herder starts and stops work.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kafka_protocol::ResponseError;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    FindCoordinatorRequest, GroupId, HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest,
    SyncGroupRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::protocol::{self, Assignment, PROTOCOL_TYPE, ProtocolError, SubProtocol, WorkerState};
use super::wire::{Connection, WireError};

/// Group settings, with Kafka Connect's names and defaults.
#[derive(Clone, Debug)]
pub struct GroupConfig {
    pub bootstrap_servers: Vec<String>,
    pub group_id: String,
    pub client_id: String,
    pub session_timeout: Duration,
    pub heartbeat_interval: Duration,
    pub rebalance_timeout: Duration,
    /// `connect.protocol`: the best sub-protocol this worker offers.
    pub protocol: SubProtocol,
}

/// What the group asks of the herder.
pub trait GroupListener: Send + Sync {
    /// Metadata for JoinGroup: REST URL, config offset, owned work.
    fn worker_state(&self) -> WorkerState;
    /// A rebalance started (REST writes answer 409 until it ends).
    fn on_rebalance_start(&self);
    /// Leader only: one assignment per member id.
    fn assign(
        &self,
        protocol: SubProtocol,
        leader_id: &str,
        generation: i32,
        members: &[(String, WorkerState)],
    ) -> BTreeMap<String, Assignment>;
    /// The assignment for this member. Must return quickly (the membership thread
    /// cannot rejoin while it runs): revoked work is stopped in the background, still
    /// reported as owned until it has stopped, and the listener asks for the rejoin
    /// that hands it out once it has.
    fn on_assigned(
        &self,
        protocol: SubProtocol,
        member_id: &str,
        generation: i32,
        assignment: Assignment,
    );
    /// This member fell out of the group (its work may already run elsewhere): stop
    /// everything.
    fn on_lost(&self);
}

/// Why a round of the protocol failed.
#[derive(Debug, thiserror::Error)]
enum RoundError {
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("coordinator answered {0}")]
    Kafka(ResponseError),
    #[error("cannot read the group assignment: {0}")]
    Protocol(#[from] ProtocolError),
    #[error("{0}")]
    Other(String),
}

fn check(code: i16) -> Result<(), RoundError> {
    match ResponseError::try_from_code(code) {
        None => Ok(()),
        Some(error) => Err(RoundError::Kafka(error)),
    }
}

/// Requests from the herder to the membership thread.
#[derive(Default)]
struct Control {
    stop: AtomicBool,
    rejoin: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Control {
    fn wait(&self, timeout: Duration) {
        let guard = crate::util::lock(&self.lock);
        if self.stop.load(Ordering::SeqCst) || self.rejoin.load(Ordering::SeqCst) {
            return;
        }
        let _ = self.wake.wait_timeout(guard, timeout);
    }

    fn notify(&self) {
        let _guard = crate::util::lock(&self.lock);
        self.wake.notify_all();
    }
}

/// The running membership thread.
pub struct GroupHandle {
    control: Arc<Control>,
    thread: Option<JoinHandle<()>>,
}

impl GroupHandle {
    /// Asks for a rebalance (a config change added or removed work).
    pub fn request_rejoin(&self) {
        self.control.rejoin.store(true, Ordering::SeqCst);
        self.control.notify();
    }

    /// Leaves the group and waits for the thread to end.
    pub fn shutdown(&mut self) {
        self.control.stop.store(true, Ordering::SeqCst);
        self.control.notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for GroupHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the membership thread.
pub fn spawn(
    config: GroupConfig,
    listener: Arc<dyn GroupListener>,
) -> std::io::Result<GroupHandle> {
    let control = Arc::new(Control::default());
    let thread_control = control.clone();
    let thread = std::thread::Builder::new()
        .name("ferry-group".into())
        .spawn(move || Member::new(config, listener, thread_control).run())?;
    Ok(GroupHandle {
        control,
        thread: Some(thread),
    })
}

const JOIN_GROUP_MAX: i16 = 7;
const SYNC_GROUP_MAX: i16 = 5;
const HEARTBEAT_MAX: i16 = 4;
const LEAVE_GROUP_MAX: i16 = 4;
const FIND_COORDINATOR_MAX: i16 = 4;
const RETRY_BACKOFF: Duration = Duration::from_millis(250);

struct Member {
    config: GroupConfig,
    listener: Arc<dyn GroupListener>,
    control: Arc<Control>,
    coordinator: Option<Connection>,
    member_id: String,
    generation: i32,
    protocol: SubProtocol,
    joined: bool,
    rejoin_at: Option<Instant>,
    last_heartbeat_ok: Instant,
}

impl Member {
    fn new(config: GroupConfig, listener: Arc<dyn GroupListener>, control: Arc<Control>) -> Self {
        let protocol = config.protocol;
        Self {
            config,
            listener,
            control,
            coordinator: None,
            member_id: String::new(),
            generation: -1,
            protocol,
            joined: false,
            rejoin_at: None,
            last_heartbeat_ok: Instant::now(),
        }
    }

    fn stopping(&self) -> bool {
        self.control.stop.load(Ordering::SeqCst)
    }

    fn group_id(&self) -> GroupId {
        GroupId(StrBytes::from_string(self.config.group_id.clone()))
    }

    fn run(mut self) {
        let span = tracing::info_span!("group", group = %self.config.group_id);
        let _entered = span.enter();
        while !self.stopping() {
            if self.coordinator.is_none()
                && let Err(error) = self.find_coordinator()
            {
                tracing::warn!("cannot find the group coordinator: {error}");
                self.control.wait(RETRY_BACKOFF * 4);
                continue;
            }
            let rejoin_due = self.rejoin_at.is_some_and(|at| Instant::now() >= at);
            if !self.joined || self.control.rejoin.swap(false, Ordering::SeqCst) || rejoin_due {
                self.rejoin_at = None;
                self.listener.on_rebalance_start();
                if let Err(error) = self.join_and_sync() {
                    self.on_round_error(error);
                    if !self.stopping() {
                        self.control.wait(RETRY_BACKOFF);
                    }
                }
                continue;
            }
            let mut wait = self.config.heartbeat_interval;
            if let Some(at) = self.rejoin_at {
                wait = wait.min(at.saturating_duration_since(Instant::now()));
            }
            self.control.wait(wait);
            if self.stopping() || self.control.rejoin.load(Ordering::SeqCst) {
                continue;
            }
            if let Err(error) = self.heartbeat() {
                self.on_round_error(error);
            }
        }
        self.leave();
    }

    /// What `AbstractCoordinator` does with a failed JoinGroup, SyncGroup or
    /// Heartbeat: coordinator errors rediscover it, a rebalance rejoins under the
    /// same member id, a lost membership stops all work and rejoins afresh.
    fn on_round_error(&mut self, error: RoundError) {
        match &error {
            RoundError::Kafka(
                ResponseError::NotCoordinator
                | ResponseError::CoordinatorNotAvailable
                | ResponseError::CoordinatorLoadInProgress,
            )
            | RoundError::Wire(_) => {
                tracing::info!("coordinator unavailable ({error}); rediscovering");
                self.coordinator = None;
            }
            RoundError::Kafka(ResponseError::RebalanceInProgress) => {
                tracing::debug!("rebalance in progress; rejoining");
                self.joined = false;
            }
            RoundError::Kafka(
                ResponseError::UnknownMemberId
                | ResponseError::IllegalGeneration
                | ResponseError::FencedInstanceId,
            ) => {
                tracing::info!("lost group membership ({error}); stopping all work and rejoining");
                self.member_id.clear();
                self.generation = -1;
                self.joined = false;
                self.listener.on_lost();
            }
            _ => {
                tracing::warn!("group round failed: {error}");
                self.joined = false;
            }
        }
        if self.joined && self.last_heartbeat_ok.elapsed() > self.config.session_timeout {
            tracing::warn!(
                "no successful heartbeat within the session timeout; assuming membership lost"
            );
            self.generation = -1;
            self.joined = false;
            self.listener.on_lost();
        }
    }

    fn bootstrap(&self) -> Result<Connection, WireError> {
        let timeout = Duration::from_secs(10);
        let mut last = None;
        for server in &self.config.bootstrap_servers {
            match Connection::open(server, &self.config.client_id, timeout) {
                Ok(connection) => return Ok(connection),
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or(WireError::Codec("bootstrap.servers is empty".into())))
    }

    fn find_coordinator(&mut self) -> Result<(), RoundError> {
        let mut bootstrap = self.bootstrap()?;
        let version = bootstrap.version::<FindCoordinatorRequest>(FIND_COORDINATOR_MAX)?;
        let key = StrBytes::from_string(self.config.group_id.clone());
        let mut request = FindCoordinatorRequest::default().with_key_type(0);
        if version >= 4 {
            request = request.with_coordinator_keys(vec![key]);
        } else {
            request = request.with_key(key);
        }
        let response = bootstrap.send(&request, version, Duration::from_secs(10))?;
        let (code, host, port) = if version >= 4 {
            let coordinator = response.coordinators.first().ok_or_else(|| {
                RoundError::Other("FindCoordinator returned no coordinator".into())
            })?;
            (
                coordinator.error_code,
                coordinator.host.to_string(),
                coordinator.port,
            )
        } else {
            (
                response.error_code,
                response.host.to_string(),
                response.port,
            )
        };
        check(code)?;
        let addr = format!("{host}:{port}");
        let connection = if addr == bootstrap.addr() {
            bootstrap
        } else {
            Connection::open(&addr, &self.config.client_id, Duration::from_secs(10))?
        };
        tracing::debug!(coordinator = %addr, "found the group coordinator");
        self.coordinator = Some(connection);
        Ok(())
    }

    fn coordinator(&mut self) -> Result<&mut Connection, RoundError> {
        self.coordinator
            .as_mut()
            .ok_or_else(|| RoundError::Other("no coordinator".into()))
    }

    /// One rebalance: join (retrying once with the id MEMBER_ID_REQUIRED hands out),
    /// assign if leader, sync, and hand the assignment to the herder.
    fn join_and_sync(&mut self) -> Result<(), RoundError> {
        let state = self.listener.worker_state();
        let protocols: Vec<JoinGroupRequestProtocol> = self
            .config
            .protocol
            .offered()
            .into_iter()
            .map(|p| {
                JoinGroupRequestProtocol::default()
                    .with_name(StrBytes::from_static_str(p.name()))
                    .with_metadata(protocol::encode_metadata(&state, p).into())
            })
            .collect();
        // The coordinator may hold JoinGroup until every member rejoined.
        let join_timeout = self.config.rebalance_timeout + Duration::from_secs(5);
        let group_id = self.group_id();
        let session_ms = self.config.session_timeout.as_millis() as i32;
        let rebalance_ms = self.config.rebalance_timeout.as_millis() as i32;
        let response = loop {
            let request = JoinGroupRequest::default()
                .with_group_id(group_id.clone())
                .with_session_timeout_ms(session_ms)
                .with_rebalance_timeout_ms(rebalance_ms)
                .with_member_id(StrBytes::from_string(self.member_id.clone()))
                .with_protocol_type(StrBytes::from_static_str(PROTOCOL_TYPE))
                .with_protocols(protocols.clone());
            let coordinator = self.coordinator()?;
            let version = coordinator.version::<JoinGroupRequest>(JOIN_GROUP_MAX)?;
            let response = coordinator.send(&request, version, join_timeout)?;
            match ResponseError::try_from_code(response.error_code) {
                Some(ResponseError::MemberIdRequired) => {
                    self.member_id = response.member_id.to_string();
                    continue;
                }
                Some(error) => return Err(RoundError::Kafka(error)),
                None => break response,
            }
        };
        self.member_id = response.member_id.to_string();
        self.generation = response.generation_id;
        let protocol_name = response.protocol_name.as_deref().unwrap_or("").to_string();
        self.protocol = SubProtocol::from_name(&protocol_name).ok_or_else(|| {
            RoundError::Other(format!(
                "the group chose unknown protocol '{protocol_name}'"
            ))
        })?;
        let leader = response.leader.to_string();
        tracing::info!(
            generation = self.generation,
            member = %self.member_id,
            leader = %leader,
            protocol = protocol_name,
            "joined the worker group"
        );
        let assignments = if leader == self.member_id {
            let mut members = Vec::with_capacity(response.members.len());
            for member in &response.members {
                let state = protocol::decode_metadata(&member.metadata)?;
                members.push((member.member_id.to_string(), state));
            }
            self.listener
                .assign(self.protocol, &leader, self.generation, &members)
                .into_iter()
                .map(|(member, assignment)| {
                    SyncGroupRequestAssignment::default()
                        .with_member_id(StrBytes::from_string(member))
                        .with_assignment(protocol::encode_assignment(&assignment).into())
                })
                .collect()
        } else {
            Vec::new()
        };
        let request = SyncGroupRequest::default()
            .with_group_id(group_id)
            .with_generation_id(self.generation)
            .with_member_id(StrBytes::from_string(self.member_id.clone()))
            .with_protocol_type(Some(StrBytes::from_static_str(PROTOCOL_TYPE)))
            .with_protocol_name(Some(StrBytes::from_string(protocol_name)))
            .with_assignments(assignments);
        let coordinator = self.coordinator()?;
        let version = coordinator.version::<SyncGroupRequest>(SYNC_GROUP_MAX)?;
        let response = coordinator.send(&request, version, join_timeout)?;
        check(response.error_code)?;
        if response.assignment.is_empty() {
            return Err(RoundError::Other(
                "the leader sent this worker no assignment".into(),
            ));
        }
        let assignment = protocol::decode_assignment(&response.assignment)?;
        let mismatch = assignment.error != protocol::NO_ERROR;
        let delay = assignment.delay_ms;
        self.listener
            .on_assigned(self.protocol, &self.member_id, self.generation, assignment);
        self.joined = true;
        self.last_heartbeat_ok = Instant::now();
        if mismatch {
            self.control.rejoin.store(true, Ordering::SeqCst);
        } else if delay > 0 {
            self.rejoin_at = Some(Instant::now() + Duration::from_millis(delay as u64));
        }
        Ok(())
    }

    fn heartbeat(&mut self) -> Result<(), RoundError> {
        let request = HeartbeatRequest::default()
            .with_group_id(self.group_id())
            .with_generation_id(self.generation)
            .with_member_id(StrBytes::from_string(self.member_id.clone()));
        let timeout = self.config.session_timeout;
        let coordinator = self.coordinator()?;
        let version = coordinator.version::<HeartbeatRequest>(HEARTBEAT_MAX)?;
        let response = coordinator.send(&request, version, timeout)?;
        check(response.error_code)?;
        self.last_heartbeat_ok = Instant::now();
        Ok(())
    }

    /// Leaves the group so the others rebalance at once instead of after the
    /// session timeout.
    fn leave(&mut self) {
        if self.member_id.is_empty() {
            return;
        }
        let member_id = StrBytes::from_string(self.member_id.clone());
        let group_id = self.group_id();
        let Ok(coordinator) = self.coordinator() else {
            return;
        };
        let Ok(version) = coordinator.version::<LeaveGroupRequest>(LEAVE_GROUP_MAX) else {
            return;
        };
        let mut request = LeaveGroupRequest::default().with_group_id(group_id);
        if version >= 3 {
            request =
                request.with_members(vec![MemberIdentity::default().with_member_id(member_id)]);
        } else {
            request = request.with_member_id(member_id);
        }
        match coordinator.send(&request, version, Duration::from_secs(5)) {
            Ok(_) => tracing::info!("left the worker group"),
            Err(error) => tracing::warn!("cannot leave the worker group: {error}"),
        }
    }
}
