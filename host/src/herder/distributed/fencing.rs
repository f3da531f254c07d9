//! Zombie fencing for exactly-once source connectors (KIP-618, Kafka's
//! `DistributedHerder.fenceZombieSourceTasks`): before a new generation of a
//! connector's tasks starts, the leader fences the transactional producers of the
//! previous generation's task count and writes a task count record. rdkafka has no
//! `Admin.fenceProducers`; initializing a transactional producer with the same
//! `transactional.id` bumps its epoch, which fences the old one and aborts its open
//! transaction, so that is what the leader does per id.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::producer::{BaseProducer, Producer};

use super::DistributedHerder;
use crate::herder::{HerderError, RequestSignature};
use crate::plugin::registry::PluginKind;
use crate::util::{lock, urlencode};
use crate::worker::exactly_once::{self, ZombieFencing};

/// How long a task waits for its generation to be fenced before it fails.
const PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(120);
/// How long fencing one transactional id may take.
const FENCE_TIMEOUT: Duration = Duration::from_secs(60);

impl DistributedHerder {
    /// `PUT /connectors/{c}/fence`: a signed request from a worker whose task waits.
    pub(super) fn fence_signed(
        &self,
        name: &str,
        body: &[u8],
        signature: &RequestSignature,
    ) -> Result<(), HerderError> {
        self.verify_signature(body, signature)?;
        self.fence_zombies(name)
    }

    /// The leader's round of fencing for `name` (Kafka's `doFenceZombieSourceTasks`).
    pub(super) fn fence_zombies(&self, name: &str) -> Result<(), HerderError> {
        self.require_leader("Only the leader may perform zombie fencing.")?;
        // One round at a time: tasks of one connector ask together.
        let _round = lock(&self.fencing_round);
        self.refresh()?;
        let snapshot = self.configs.snapshot();
        let Some(props) = snapshot.connectors.get(name) else {
            return Err(HerderError::NotFound(format!("Connector {name} not found")));
        };
        let is_source = props
            .get("connector.class")
            .and_then(|c| self.services.registry.find(c))
            .is_some_and(|p| p.kind == PluginKind::Source);
        if !is_source {
            return Err(HerderError::BadRequest(format!(
                "Connector {name} is not a source connector"
            )));
        }
        if !snapshot.pending_fencing.contains(name) {
            tracing::debug!(
                connector = name,
                "skipping zombie fencing: all old task generations are already fenced out"
            );
            return Ok(());
        }
        let task_count = snapshot.task_count(name);
        let generation = snapshot.task_generations.get(name).copied();
        match snapshot.task_count_records.get(name).copied() {
            // Nothing transactional ran yet; or one task follows one task, and the
            // new task's own producer fences the old one.
            None => tracing::debug!(
                connector = name,
                "no task count record yet: nothing to fence, writing one"
            ),
            Some(1) if task_count == 1 => tracing::debug!(
                connector = name,
                "one task before and after: its own producer fences the old one"
            ),
            Some(previous) => {
                let started = Instant::now();
                self.fence_producers(name, props, previous)
                    .map_err(HerderError::Internal)?;
                tracing::info!(
                    connector = name,
                    tasks = previous,
                    millis = started.elapsed().as_millis() as u64,
                    "fenced the producers of the previous task generation"
                );
                self.refresh()?;
                if self.configs.snapshot().task_generations.get(name).copied() != generation {
                    return Err(HerderError::Conflict(
                        "Fencing failed because new task configurations were generated for the connector".into(),
                    ));
                }
            }
        }
        self.configs
            .put_task_count_record(name, task_count)
            .map_err(|e| HerderError::Internal(format!("cannot write task count record: {e}")))?;
        self.refresh()
    }

    /// Fences transactional ids `<group>-<name>-0 .. count-1` (Kafka's
    /// `Worker.fenceZombies`), with the connector's producer settings.
    fn fence_producers(
        &self,
        name: &str,
        props: &BTreeMap<String, String>,
        count: u32,
    ) -> Result<(), String> {
        let group = &self.settings.group_id;
        for task in 0..count {
            let id = exactly_once::transactional_id(group, name, task);
            let config = exactly_once::producer_config(
                crate::kafka::producer_config(
                    &self.services.config,
                    props,
                    &format!("{group}-fencing-{name}-{task}"),
                ),
                &id,
            );
            let producer: BaseProducer = config
                .create()
                .map_err(|e| format!("cannot create a producer to fence {id}: {e}"))?;
            producer
                .init_transactions(FENCE_TIMEOUT)
                .map_err(|e| format!("cannot fence transactional id {id}: {e}"))?;
        }
        Ok(())
    }

    /// Asks the leader (over signed REST, or itself) for a round of fencing.
    fn request_fencing(&self, name: &str) -> Result<(), String> {
        let (leader, leader_url, sessioned) = {
            let member = lock(&self.member);
            (
                member.is_leader(),
                member.leader_url.clone(),
                member.protocol == Some(crate::group::protocol::SubProtocol::Sessioned),
            )
        };
        if leader {
            return self.fence_zombies(name).map_err(|e| e.to_string());
        }
        if leader_url.is_empty() {
            return Err("the leader's URL is not known yet".into());
        }
        let url = format!(
            "{}/connectors/{}/fence",
            leader_url.trim_end_matches('/'),
            urlencode(name)
        );
        self.send_to_leader(
            reqwest::Method::PUT,
            &url,
            None,
            sessioned,
            Duration::from_secs(90),
        )
    }
}

impl ZombieFencing for DistributedHerder {
    /// Kafka's preflight for an exactly-once task: fencing for the current task
    /// generation must be done (by the leader) and the task's config must still be
    /// the current generation's.
    fn preflight(
        &self,
        connector: &str,
        task: u32,
        config: &BTreeMap<String, String>,
        stopping: &dyn Fn() -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + PREFLIGHT_TIMEOUT;
        let mut last_error = String::new();
        loop {
            self.refresh().map_err(|e| e.to_string())?;
            let snapshot = self.configs.snapshot();
            if snapshot.task_config(connector, task) != Some(config) {
                return Err(format!(
                    "Cannot start source task {connector}-{task} with exactly-once support as the connector has already generated a new set of task configs"
                ));
            }
            if !snapshot.pending_fencing.contains(connector) {
                return Ok(());
            }
            if stopping() {
                return Err("stopped while waiting for zombie fencing".into());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "Failed to perform round of zombie fencing for connector {connector}: {last_error}"
                ));
            }
            match self.request_fencing(connector) {
                Ok(()) => continue,
                Err(error) => {
                    tracing::warn!(connector, task, "zombie fencing not done yet: {error}");
                    last_error = error;
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
    }
}
