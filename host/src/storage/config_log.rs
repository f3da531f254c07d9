//! Kafka Connect's `KafkaConfigBackingStore`: connector configs, task configs, task
//! commits, target states, the session key and restart requests in one compacted,
//! single-partition topic, with exactly Kafka Connect's keys and JSON values (its
//! internal JsonConverter with schemas disabled), so a Ferry cluster can take over
//! a Kafka Connect cluster's config topic and the other way round.
//!
//! Task configs are staged until their `commit-<connector>` record arrives and then
//! applied all at once, or — when compaction ate some of them — the connector is
//! marked inconsistent until the next complete commit (Kafka Connect's rules).
//! Writes never touch the snapshot: `refresh()` reads them back like every other
//! worker does.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use serde_json::{Map, Value, json};

use crate::config::WorkerConfig;
use crate::storage::kafka_log::{KafkaLog, LogError, LogRecord, LogRole};
use crate::worker::status::TargetState;

const CONNECTOR_PREFIX: &str = "connector-";
const TASK_PREFIX: &str = "task-";
const COMMIT_TASKS_PREFIX: &str = "commit-";
const TARGET_STATE_PREFIX: &str = "target-state-";
const RESTART_PREFIX: &str = "restart-connector-";
const SESSION_KEY_KEY: &str = "session-key";
/// Exactly-once source task-count records (KIP-618): `{"task-count":N}`, written by
/// the leader once the producers of the connector's earlier task generations are
/// fenced.
const TASK_COUNT_RECORD_PREFIX: &str = "tasks-fencing-";
/// Cluster-wide logger levels (KIP-976): `{"level":"DEBUG"}`, applied by every
/// worker that reads them after its start-up read.
const LOGGER_CLUSTER_PREFIX: &str = "logger-cluster-";

/// A connector's or task's config.
pub type Props = BTreeMap<String, String>;

/// The key workers sign internal REST requests with (KIP-507).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionKey {
    pub key: Vec<u8>,
    pub algorithm: String,
    pub creation_timestamp: i64,
}

/// The cluster's config state as read from the topic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigSnapshot {
    /// Offset after the last record read; -1 before anything was read (Kafka
    /// Connect's `ClusterConfigState.offset()`, which workers compare in the group
    /// protocol).
    pub offset: i64,
    pub connectors: BTreeMap<String, Props>,
    /// Committed task configs per connector. A connector whose last commit was
    /// incomplete (see `inconsistent`) has no entry.
    pub tasks: BTreeMap<String, Vec<Props>>,
    /// Absent = Started.
    pub target_states: BTreeMap<String, TargetState>,
    pub session_key: Option<SessionKey>,
    /// Connectors whose last task commit named task configs that were not read
    /// (compaction, or a leader that died mid-write): the herder must have the
    /// connector regenerate its task configs. Kafka Connect's
    /// `inconsistentConnectors()`.
    pub inconsistent: BTreeSet<String>,
    /// The last task count record per connector (Kafka's `taskCountRecord`): how
    /// many transactional ids the next fencing must fence.
    pub task_count_records: BTreeMap<String, u32>,
    /// Connectors with task configs newer than their last task count record: they
    /// need a round of zombie fencing before their tasks may start (Kafka's
    /// `pendingFencing`).
    pub pending_fencing: BTreeSet<String>,
    /// Task config commits seen per connector since this worker started reading
    /// (Kafka's `taskConfigGeneration`).
    pub task_generations: BTreeMap<String, u32>,
}

impl ConfigSnapshot {
    /// The number of committed, usable task configs of `connector`.
    pub fn task_count(&self, connector: &str) -> u32 {
        self.tasks
            .get(connector)
            .map(|t| u32::try_from(t.len()).unwrap_or(u32::MAX))
            .unwrap_or(0)
    }

    pub fn target_state(&self, connector: &str) -> TargetState {
        self.target_states
            .get(connector)
            .copied()
            .unwrap_or(TargetState::Started)
    }

    pub fn task_config(&self, connector: &str, task: u32) -> Option<&Props> {
        self.tasks.get(connector)?.get(usize::try_from(task).ok()?)
    }
}

/// What a refresh changed, in topic order. Mirrors the calls Kafka Connect makes on
/// its `ConfigBackingStore.UpdateListener`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigEvent {
    ConnectorUpdated(String),
    ConnectorRemoved(String),
    /// A commit record was applied — or found incomplete, which leaves the
    /// connector in `ConfigSnapshot::inconsistent`.
    TasksCommitted(String),
    TargetStateChanged(String),
    SessionKeyUpdated,
    RestartRequested {
        connector: String,
        include_tasks: bool,
        only_failed: bool,
    },
    LoggerLevel {
        namespace: String,
        level: String,
    },
}

/// The config topic.
pub struct ConfigLog {
    log: KafkaLog,
    state: Mutex<ConfigState>,
}

impl ConfigLog {
    /// Opens (creating if needed) the single-partition config topic and reads it to
    /// the end. As in Kafka Connect, what this first read finds raises no events
    /// (old restart requests are not replayed).
    pub fn open(
        worker: &WorkerConfig,
        topic: &str,
        replication_factor: i16,
    ) -> Result<Self, LogError> {
        let log = KafkaLog::open_as(worker, LogRole::Config, topic, 1, replication_factor)?;
        let partitions = log.partition_count();
        if partitions > 1 {
            return Err(LogError::Unusable(format!(
                "Topic '{topic}' supplied via the '{}' property is required to have a single \
                 partition in order to guarantee consistency of connector configurations, but \
                 found {partitions} partitions.",
                LogRole::Config.property()
            )));
        }
        let store = ConfigLog {
            log,
            state: Mutex::new(ConfigState::new()),
        };
        store.refresh()?;
        Ok(store)
    }

    /// Reads to the end of the topic, applies what it finds and returns what changed.
    pub fn refresh(&self) -> Result<Vec<ConfigEvent>, LogError> {
        let mut events = Vec::new();
        self.log.read_to_end(&mut |record: LogRecord| {
            if let Some(event) = self.lock().apply(&record) {
                events.push(event);
            }
        })?;
        Ok(events)
    }

    /// A copy of the state as of the last refresh.
    pub fn snapshot(&self) -> ConfigSnapshot {
        self.lock().snapshot.clone()
    }

    pub fn put_connector_config(&self, name: &str, props: &Props) -> Result<(), LogError> {
        tracing::debug!(connector = name, "writing connector configuration");
        self.log.send(
            &format!("{CONNECTOR_PREFIX}{name}"),
            Some(&encode_properties(props)),
        )
    }

    /// Tombstones the connector's config and target state (Kafka Connect's
    /// `removeConnectorConfig`).
    pub fn remove_connector(&self, name: &str) -> Result<(), LogError> {
        tracing::debug!(connector = name, "removing connector configuration");
        self.log.send_all(&[
            (&format!("{CONNECTOR_PREFIX}{name}"), None),
            (&format!("{TARGET_STATE_PREFIX}{name}"), None),
        ])
    }

    /// Writes every task config, waits for their acks, then the commit record that
    /// makes readers apply them.
    pub fn put_task_configs(&self, name: &str, configs: &[Props]) -> Result<(), LogError> {
        let keys: Vec<String> = (0..configs.len())
            .map(|i| format!("{TASK_PREFIX}{name}-{i}"))
            .collect();
        let values: Vec<Vec<u8>> = configs.iter().map(encode_properties).collect();
        let records: Vec<(&str, Option<&[u8]>)> = keys
            .iter()
            .zip(&values)
            .map(|(k, v)| (k.as_str(), Some(v.as_slice())))
            .collect();
        self.log.send_all(&records)?;
        tracing::debug!(
            connector = name,
            tasks = configs.len(),
            "writing task config commit"
        );
        self.log.send(
            &format!("{COMMIT_TASKS_PREFIX}{name}"),
            Some(&encode_commit(configs.len())),
        )
    }

    pub fn put_target_state(&self, name: &str, state: TargetState) -> Result<(), LogError> {
        tracing::debug!(
            connector = name,
            state = state.name(),
            "writing target state"
        );
        self.log.send(
            &format!("{TARGET_STATE_PREFIX}{name}"),
            Some(&encode_target_state(state)),
        )
    }

    /// Records that `name`'s earlier task generations are fenced and it now has
    /// `tasks` tasks (Kafka's `putTaskCountRecord`).
    pub fn put_task_count_record(&self, name: &str, tasks: u32) -> Result<(), LogError> {
        tracing::debug!(connector = name, tasks, "writing task count record");
        self.log.send(
            &format!("{TASK_COUNT_RECORD_PREFIX}{name}"),
            Some(json!({ "task-count": tasks }).to_string().as_bytes()),
        )
    }

    pub fn put_session_key(&self, key: &SessionKey) -> Result<(), LogError> {
        tracing::debug!("distributing new session key");
        self.log
            .send(SESSION_KEY_KEY, Some(&encode_session_key(key)))
    }

    pub fn put_restart_request(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> Result<(), LogError> {
        self.log.send(
            &format!("{RESTART_PREFIX}{name}"),
            Some(&encode_restart(include_tasks, only_failed)),
        )
    }

    /// KIP-976: asks every worker to set `namespace`'s log level.
    pub fn put_logger_level(&self, namespace: &str, level: &str) -> Result<(), LogError> {
        let value = serde_json::json!({ "level": level }).to_string();
        self.log.send(
            &format!("{LOGGER_CLUSTER_PREFIX}{namespace}"),
            Some(value.as_bytes()),
        )
    }

    fn lock(&self) -> MutexGuard<'_, ConfigState> {
        crate::util::lock(&self.state)
    }
}

/// `{"properties":{...}}` (`CONNECTOR_CONFIGURATION_V0` / `TASK_CONFIGURATION_V0`).
fn encode_properties(props: &Props) -> Vec<u8> {
    json!({ "properties": props }).to_string().into_bytes()
}

/// `{"tasks":N}` (`CONNECTOR_TASKS_COMMIT_V0`).
fn encode_commit(tasks: usize) -> Vec<u8> {
    json!({ "tasks": tasks }).to_string().into_bytes()
}

/// `{"state":..,"state.v2":..}` (`TARGET_STATE_V1`): workers older than KIP-875
/// read only `state`, so STOPPED is written there as PAUSED.
fn encode_target_state(state: TargetState) -> Vec<u8> {
    let v1 = match state {
        TargetState::Stopped => TargetState::Paused,
        other => other,
    };
    json!({ "state": v1.name(), "state.v2": state.name() })
        .to_string()
        .into_bytes()
}

/// `{"key":<base64>,"algorithm":..,"creation-timestamp":ms}` (`SESSION_KEY_V0`).
fn encode_session_key(key: &SessionKey) -> Vec<u8> {
    json!({
        "key": base64_encode(&key.key),
        "algorithm": key.algorithm,
        "creation-timestamp": key.creation_timestamp,
    })
    .to_string()
    .into_bytes()
}

/// `{"include-tasks":..,"only-failed":..}` (`RESTART_REQUEST_V0`).
fn encode_restart(include_tasks: bool, only_failed: bool) -> Vec<u8> {
    json!({ "include-tasks": include_tasks, "only-failed": only_failed })
        .to_string()
        .into_bytes()
}

/// The reader side: the snapshot plus task configs waiting for their commit.
struct ConfigState {
    snapshot: ConfigSnapshot,
    deferred: BTreeMap<String, BTreeMap<u32, Props>>,
}

impl ConfigState {
    fn new() -> Self {
        ConfigState {
            snapshot: ConfigSnapshot {
                offset: -1,
                ..ConfigSnapshot::default()
            },
            deferred: BTreeMap::new(),
        }
    }

    /// Applies one record as Kafka Connect's `ConsumeCallback` does. Never fails:
    /// what cannot be understood is logged and skipped.
    fn apply(&mut self, record: &LogRecord) -> Option<ConfigEvent> {
        let value = match record.value.as_deref().map(serde_json::from_slice::<Value>) {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => {
                tracing::error!(
                    offset = record.offset,
                    error = %e,
                    "failed to convert config data to Kafka Connect format; skipping record"
                );
                return None;
            }
        };
        // The offset of the *next* record, as consumer positions are.
        self.snapshot.offset = record.offset + 1;
        // A JSON null value is a null, like a tombstone (JsonConverter).
        let value = value.filter(|v| !v.is_null());
        let Some(key) = record
            .key
            .as_deref()
            .and_then(|k| std::str::from_utf8(k).ok())
        else {
            tracing::error!(
                offset = record.offset,
                "discarding config record without a UTF-8 key"
            );
            return None;
        };
        if let Some(name) = key.strip_prefix(TARGET_STATE_PREFIX) {
            self.target_state_record(name, value.as_ref())
        } else if let Some(name) = key.strip_prefix(CONNECTOR_PREFIX) {
            self.connector_record(name, value.as_ref())
        } else if key.starts_with(TASK_PREFIX) {
            match parse_task_key(key, 1) {
                Some((name, task)) => self.task_record(&name, task, value.as_ref()),
                None => tracing::error!(
                    key,
                    "ignoring task configuration because the key couldn't be parsed as a task config key"
                ),
            }
            None
        } else if let Some(name) = key.strip_prefix(COMMIT_TASKS_PREFIX) {
            self.commit_record(name, value.as_ref())
        } else if let Some(name) = key.strip_prefix(RESTART_PREFIX) {
            restart_request(name, value.as_ref())
        } else if let Some(namespace) = key.strip_prefix(LOGGER_CLUSTER_PREFIX) {
            let level = value
                .as_ref()
                .and_then(|v| v.get("level"))
                .and_then(Value::as_str);
            match level {
                Some(level) => Some(ConfigEvent::LoggerLevel {
                    namespace: namespace.to_string(),
                    level: level.to_string(),
                }),
                None => {
                    tracing::error!(key, "ignoring logger level record without a level");
                    None
                }
            }
        } else if let Some(name) = key.strip_prefix(TASK_COUNT_RECORD_PREFIX) {
            self.task_count_record(name, value.as_ref());
            None
        } else if key == SESSION_KEY_KEY {
            self.session_key_record(value.as_ref())
        } else {
            tracing::error!(key, "discarding config update record with invalid key");
            None
        }
    }

    fn target_state_record(&mut self, name: &str, value: Option<&Value>) -> Option<ConfigEvent> {
        let Some(value) = value else {
            // Written with the connector's deletion.
            self.snapshot.target_states.remove(name);
            if self.snapshot.connectors.contains_key(name) {
                self.snapshot
                    .target_states
                    .insert(name.to_string(), TargetState::Started);
            }
            return None;
        };
        let Some(map) = value.as_object() else {
            tracing::error!(
                connector = name,
                "ignoring target state because it is in the wrong format"
            );
            return None;
        };
        let state = parse_target_state(name, map)?;
        let previous = self.snapshot.target_states.insert(name.to_string(), state);
        (previous != Some(state) && self.snapshot.connectors.contains_key(name))
            .then(|| ConfigEvent::TargetStateChanged(name.to_string()))
    }

    fn connector_record(&mut self, name: &str, value: Option<&Value>) -> Option<ConfigEvent> {
        let Some(value) = value else {
            self.remove_connector(name);
            tracing::info!(connector = name, "processed removal of connector");
            return Some(ConfigEvent::ConnectorRemoved(name.to_string()));
        };
        let Some(props) = properties(value) else {
            tracing::error!(
                connector = name,
                "ignoring connector configuration: 'properties' should be a map"
            );
            return None;
        };
        self.snapshot.connectors.insert(name.to_string(), props);
        // Connectors created before target states existed start STARTED.
        self.snapshot
            .target_states
            .entry(name.to_string())
            .or_insert(TargetState::Started);
        Some(ConfigEvent::ConnectorUpdated(name.to_string()))
    }

    fn task_record(&mut self, name: &str, task: u32, value: Option<&Value>) {
        let Some(value) = value else {
            tracing::error!(
                connector = name,
                task,
                "ignoring task configuration because it is unexpectedly null"
            );
            return;
        };
        match properties(value) {
            Some(props) => {
                self.deferred
                    .entry(name.to_string())
                    .or_default()
                    .insert(task, props);
            }
            None => tracing::error!(
                connector = name,
                task,
                "ignoring task configuration: 'properties' should be a map"
            ),
        }
    }

    fn commit_record(&mut self, name: &str, value: Option<&Value>) -> Option<ConfigEvent> {
        // The connector was deleted and compaction removed its config and tombstone:
        // these task configs belong to nothing.
        if !self.snapshot.connectors.contains_key(name) {
            self.remove_connector(name);
            tracing::debug!(
                connector = name,
                "ignoring task configs of a connector that no longer exists"
            );
            return None;
        }
        let Some(tasks) = value
            .and_then(Value::as_object)
            .and_then(|m| m.get("tasks"))
            .and_then(Value::as_i64)
            .and_then(|n| u32::try_from(n).ok())
        else {
            tracing::error!(
                connector = name,
                "ignoring task configuration commit because it is in the wrong format"
            );
            return None;
        };
        // Always cleared: after an incomplete commit only a fresh set may apply.
        let mut deferred = self.deferred.remove(name).unwrap_or_default();
        // Only tasks 0..N must be present: compaction may leave extra, older ones.
        let complete: Option<Vec<Props>> = (0..tasks).map(|i| deferred.remove(&i)).collect();
        match complete {
            Some(configs) => {
                self.snapshot.tasks.insert(name.to_string(), configs);
                self.snapshot.inconsistent.remove(name);
            }
            None => {
                tracing::warn!(
                    connector = name,
                    tasks,
                    "incomplete set of task configs, probably due to compaction; the connector \
                     must regenerate its task configs"
                );
                self.snapshot.tasks.remove(name);
                self.snapshot.inconsistent.insert(name.to_string());
            }
        }
        // Task configs after the latest task count record: the connector needs a
        // round of zombie fencing before tasks with these configs may start.
        self.snapshot.pending_fencing.insert(name.to_string());
        *self
            .snapshot
            .task_generations
            .entry(name.to_string())
            .or_insert(0) += 1;
        Some(ConfigEvent::TasksCommitted(name.to_string()))
    }

    fn task_count_record(&mut self, name: &str, value: Option<&Value>) {
        let Some(count) = value
            .and_then(|v| v.get("task-count"))
            .and_then(Value::as_i64)
            .and_then(|n| u32::try_from(n).ok())
        else {
            tracing::error!(
                connector = name,
                "ignoring task count record because it is in the wrong format"
            );
            return;
        };
        tracing::debug!(connector = name, count, "setting task count record");
        self.snapshot
            .task_count_records
            .insert(name.to_string(), count);
        self.snapshot.pending_fencing.remove(name);
    }

    fn session_key_record(&mut self, value: Option<&Value>) -> Option<ConfigEvent> {
        let key = value.and_then(parse_session_key);
        if key.is_none() {
            tracing::error!("ignoring session key record in the wrong format");
        }
        self.snapshot.session_key = Some(key?);
        Some(ConfigEvent::SessionKeyUpdated)
    }

    /// Kafka Connect's `processConnectorRemoval` (and the connector is no longer
    /// inconsistent: there is nothing left to fix).
    fn remove_connector(&mut self, name: &str) {
        self.snapshot.connectors.remove(name);
        self.snapshot.tasks.remove(name);
        self.snapshot.inconsistent.remove(name);
        self.snapshot.task_count_records.remove(name);
        self.snapshot.pending_fencing.remove(name);
        self.deferred.remove(name);
    }
}

/// The `properties` map of a connector or task config. Null values are dropped
/// (Ferry configs hold strings); other non-strings are kept as their JSON text.
fn properties(value: &Value) -> Option<Props> {
    let map = value.as_object()?.get("properties")?.as_object()?;
    Some(
        map.iter()
            .filter_map(|(k, v)| match v {
                Value::Null => None,
                Value::String(s) => Some((k.clone(), s.clone())),
                other => Some((k.clone(), other.to_string())),
            })
            .collect(),
    )
}

/// `state.v2` when it is a string, else the older `state` field.
fn parse_target_state(name: &str, map: &Map<String, Value>) -> Option<TargetState> {
    let v2 = match map.get("state.v2") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            tracing::error!(
                connector = name,
                "invalid target state: 'state.v2' should be a string"
            );
            None
        }
    };
    let text = match v2 {
        Some(s) => s,
        None => match map.get("state") {
            Some(Value::String(s)) => s.as_str(),
            _ => {
                tracing::error!(
                    connector = name,
                    "invalid target state: 'state' should be a string"
                );
                return None;
            }
        },
    };
    let state = TargetState::parse(text);
    if state.is_none() {
        tracing::error!(connector = name, state = text, "invalid target state");
    }
    state
}

fn parse_session_key(value: &Value) -> Option<SessionKey> {
    let map = value.as_object()?;
    let key = base64_decode(map.get("key")?.as_str()?)?;
    let algorithm = map.get("algorithm")?.as_str()?.to_string();
    let creation_timestamp = map.get("creation-timestamp")?.as_i64()?;
    Some(SessionKey {
        key,
        algorithm,
        creation_timestamp,
    })
}

/// A restart request; non-boolean flags default to false, as in Kafka Connect.
fn restart_request(name: &str, value: Option<&Value>) -> Option<ConfigEvent> {
    let Some(map) = value.and_then(Value::as_object) else {
        tracing::error!(
            connector = name,
            "ignoring restart request because the value is not a map"
        );
        return None;
    };
    let flag = |field: &str| match map.get(field) {
        Some(Value::Bool(b)) => *b,
        _ => {
            tracing::warn!(
                connector = name,
                field,
                "restart request field should be a boolean; defaulting to false"
            );
            false
        }
    };
    Some(ConfigEvent::RestartRequested {
        connector: name.to_string(),
        include_tasks: flag("include-tasks"),
        only_failed: flag("only-failed"),
    })
}

/// Parses `<prefix parts>-<connector>-<task>` as Kafka Connect does: split on '-'
/// (Java's `split` drops trailing empty parts), the last part is the task number,
/// the parts after the first `prefix_parts` form the connector name.
pub(crate) fn parse_task_key(key: &str, prefix_parts: usize) -> Option<(String, u32)> {
    let mut parts: Vec<&str> = key.split('-').collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    if parts.len() < prefix_parts + 2 {
        return None;
    }
    let (last, rest) = parts.split_last()?;
    // Integer.parseInt: a signed 32-bit number; task ids are never negative.
    let task = u32::try_from(last.parse::<i32>().ok()?).ok()?;
    Some((rest[prefix_parts..].join("-"), task))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Java's `Base64.getEncoder()`: standard alphabet, padded.
fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Java's `Base64.getDecoder()`: standard alphabet, padding optional.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in body.bytes() {
        let v = BASE64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    // A lone trailing character cannot encode a byte.
    if body.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Feeds (key, JSON value or None) records in order; returns the events.
    fn feed(state: &mut ConfigState, records: &[(&str, Option<&str>)]) -> Vec<ConfigEvent> {
        let start = state.snapshot.offset.max(0);
        records
            .iter()
            .enumerate()
            .filter_map(|(i, (k, v))| {
                state.apply(&LogRecord {
                    partition: 0,
                    offset: start + i as i64,
                    key: Some(k.as_bytes().to_vec()),
                    value: v.map(|v| v.as_bytes().to_vec()),
                })
            })
            .collect()
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn values_are_encoded_as_kafka_connect_writes_them() {
        assert_eq!(
            text(encode_properties(&props(&[("b", "2"), ("a", "1")]))),
            r#"{"properties":{"a":"1","b":"2"}}"#
        );
        assert_eq!(text(encode_commit(3)), r#"{"tasks":3}"#);
        assert_eq!(
            text(encode_target_state(TargetState::Started)),
            r#"{"state":"STARTED","state.v2":"STARTED"}"#
        );
        assert_eq!(
            text(encode_target_state(TargetState::Paused)),
            r#"{"state":"PAUSED","state.v2":"PAUSED"}"#
        );
        assert_eq!(
            text(encode_target_state(TargetState::Stopped)),
            r#"{"state":"PAUSED","state.v2":"STOPPED"}"#
        );
        assert_eq!(
            text(encode_session_key(&SessionKey {
                key: b"secret key!".to_vec(),
                algorithm: "HmacSHA256".into(),
                creation_timestamp: 1_700_000_000_123,
            })),
            r#"{"key":"c2VjcmV0IGtleSE=","algorithm":"HmacSHA256","creation-timestamp":1700000000123}"#
        );
        assert_eq!(
            text(encode_restart(true, false)),
            r#"{"include-tasks":true,"only-failed":false}"#
        );
    }

    #[test]
    fn every_record_type_round_trips() {
        let mut state = ConfigState::new();
        assert_eq!(state.snapshot.offset, -1);
        let key = SessionKey {
            key: (0u8..=255).collect(),
            algorithm: "HmacSHA256".into(),
            creation_timestamp: 42,
        };
        let connector = text(encode_properties(&props(&[("connector.class", "X")])));
        let task = text(encode_properties(&props(&[("task.class", "T")])));
        let paused = text(encode_target_state(TargetState::Paused));
        let session = text(encode_session_key(&key));
        let restart = text(encode_restart(true, true));
        let events = feed(
            &mut state,
            &[
                ("connector-my-conn", Some(&connector)),
                ("task-my-conn-0", Some(&task)),
                ("commit-my-conn", Some(&text(encode_commit(1)))),
                ("target-state-my-conn", Some(&paused)),
                ("session-key", Some(&session)),
                ("restart-connector-my-conn", Some(&restart)),
            ],
        );
        assert_eq!(
            events,
            vec![
                ConfigEvent::ConnectorUpdated("my-conn".into()),
                ConfigEvent::TasksCommitted("my-conn".into()),
                ConfigEvent::TargetStateChanged("my-conn".into()),
                ConfigEvent::SessionKeyUpdated,
                ConfigEvent::RestartRequested {
                    connector: "my-conn".into(),
                    include_tasks: true,
                    only_failed: true
                },
            ]
        );
        let snap = &state.snapshot;
        assert_eq!(snap.offset, 6);
        assert_eq!(
            snap.connectors["my-conn"],
            props(&[("connector.class", "X")])
        );
        assert_eq!(snap.task_count("my-conn"), 1);
        assert_eq!(
            snap.task_config("my-conn", 0),
            Some(&props(&[("task.class", "T")]))
        );
        assert_eq!(snap.task_config("my-conn", 1), None);
        assert_eq!(snap.target_state("my-conn"), TargetState::Paused);
        assert_eq!(snap.session_key.as_ref(), Some(&key));

        // Deletion: tombstones on the config and the target state.
        let events = feed(
            &mut state,
            &[("connector-my-conn", None), ("target-state-my-conn", None)],
        );
        assert_eq!(
            events,
            vec![ConfigEvent::ConnectorRemoved("my-conn".into())]
        );
        assert!(state.snapshot.connectors.is_empty());
        assert!(state.snapshot.tasks.is_empty());
        assert!(state.snapshot.target_states.is_empty());
        assert_eq!(state.snapshot.offset, 8);
    }

    #[test]
    fn task_count_records_clear_pending_fencing_as_kafkas() {
        let mut state = ConfigState::new();
        let c = text(encode_properties(&props(&[("k", "v")])));
        let t = text(encode_properties(&props(&[("i", "0")])));
        feed(
            &mut state,
            &[
                ("connector-c", Some(&c)),
                ("task-c-0", Some(&t)),
                ("commit-c", Some(r#"{"tasks":1}"#)),
            ],
        );
        assert!(state.snapshot.pending_fencing.contains("c"));
        assert_eq!(state.snapshot.task_count_records.get("c"), None);
        assert_eq!(state.snapshot.task_generations.get("c"), Some(&1));
        let events = feed(
            &mut state,
            &[("tasks-fencing-c", Some(r#"{"task-count":1}"#))],
        );
        assert!(events.is_empty());
        assert!(!state.snapshot.pending_fencing.contains("c"));
        assert_eq!(state.snapshot.task_count_records.get("c"), Some(&1));
        // New task configs need another round; a bad record changes nothing.
        feed(
            &mut state,
            &[("task-c-0", Some(&t)), ("commit-c", Some(r#"{"tasks":1}"#))],
        );
        feed(&mut state, &[("tasks-fencing-c", Some(r#"{"count":3}"#))]);
        assert!(state.snapshot.pending_fencing.contains("c"));
        assert_eq!(state.snapshot.task_generations.get("c"), Some(&2));
        // Removing the connector forgets its fencing state.
        feed(&mut state, &[("connector-c", None)]);
        assert!(state.snapshot.pending_fencing.is_empty());
        assert!(state.snapshot.task_count_records.is_empty());
    }

    #[test]
    fn task_configs_apply_only_when_committed() {
        let mut state = ConfigState::new();
        let c = text(encode_properties(&props(&[("k", "v")])));
        let t = |i: &str| text(encode_properties(&props(&[("i", i)])));
        feed(&mut state, &[("connector-c", Some(&c))]);
        feed(
            &mut state,
            &[("task-c-0", Some(&t("0"))), ("task-c-1", Some(&t("1")))],
        );
        assert_eq!(state.snapshot.task_count("c"), 0, "staged, not applied");
        let events = feed(&mut state, &[("commit-c", Some(r#"{"tasks":2}"#))]);
        assert_eq!(events, vec![ConfigEvent::TasksCommitted("c".into())]);
        assert_eq!(state.snapshot.task_count("c"), 2);

        // A new generation half-written (no commit yet) changes nothing.
        feed(&mut state, &[("task-c-0", Some(&t("new0")))]);
        assert_eq!(
            state.snapshot.task_config("c", 0),
            Some(&props(&[("i", "0")]))
        );

        // Shrinking to one task: the commit applies task 0 only.
        feed(&mut state, &[("commit-c", Some(r#"{"tasks":1}"#))]);
        assert_eq!(state.snapshot.task_count("c"), 1);
        assert_eq!(
            state.snapshot.task_config("c", 0),
            Some(&props(&[("i", "new0")]))
        );

        // Zero tasks is a complete commit.
        feed(&mut state, &[("commit-c", Some(r#"{"tasks":0}"#))]);
        assert_eq!(state.snapshot.task_count("c"), 0);
        assert!(state.snapshot.tasks.contains_key("c"));
    }

    #[test]
    fn incomplete_commits_mark_the_connector_inconsistent_until_a_complete_one() {
        let mut state = ConfigState::new();
        let c = text(encode_properties(&props(&[("k", "v")])));
        let t = |i: &str| text(encode_properties(&props(&[("i", i)])));
        // Compaction removed task-c-0 of the first generation.
        let events = feed(
            &mut state,
            &[
                ("connector-c", Some(&c)),
                ("task-c-1", Some(&t("1"))),
                ("commit-c", Some(r#"{"tasks":2}"#)),
            ],
        );
        assert_eq!(
            events.last(),
            Some(&ConfigEvent::TasksCommitted("c".into()))
        );
        assert!(state.snapshot.inconsistent.contains("c"));
        assert_eq!(state.snapshot.task_count("c"), 0);
        // The staged task-c-1 was discarded with the failed commit: a commit that
        // only re-sends task 0 is still incomplete.
        feed(
            &mut state,
            &[
                ("task-c-0", Some(&t("0"))),
                ("commit-c", Some(r#"{"tasks":2}"#)),
            ],
        );
        assert!(state.snapshot.inconsistent.contains("c"));
        // A fresh complete set fixes it; extra staged tasks beyond N are fine.
        feed(
            &mut state,
            &[
                ("task-c-0", Some(&t("a"))),
                ("task-c-1", Some(&t("b"))),
                ("task-c-2", Some(&t("stale"))),
                ("commit-c", Some(r#"{"tasks":2}"#)),
            ],
        );
        assert!(state.snapshot.inconsistent.is_empty());
        assert_eq!(state.snapshot.task_count("c"), 2);
        assert_eq!(
            state.snapshot.task_config("c", 1),
            Some(&props(&[("i", "b")]))
        );
    }

    #[test]
    fn commits_for_deleted_connectors_are_ignored() {
        let mut state = ConfigState::new();
        let t = text(encode_properties(&props(&[("i", "0")])));
        let events = feed(
            &mut state,
            &[
                ("task-gone-0", Some(&t)),
                ("commit-gone", Some(r#"{"tasks":1}"#)),
            ],
        );
        assert!(events.is_empty());
        assert!(state.snapshot.tasks.is_empty());
        assert!(state.deferred.is_empty());
    }

    #[test]
    fn target_state_reads_v2_then_falls_back_to_v1() {
        let mut state = ConfigState::new();
        feed(&mut state, &[("connector-c", Some(r#"{"properties":{}}"#))]);
        assert_eq!(state.snapshot.target_state("c"), TargetState::Started);
        // Written by a worker before KIP-875: only "state".
        let events = feed(
            &mut state,
            &[("target-state-c", Some(r#"{"state":"PAUSED"}"#))],
        );
        assert_eq!(events, vec![ConfigEvent::TargetStateChanged("c".into())]);
        assert_eq!(state.snapshot.target_state("c"), TargetState::Paused);
        // STOPPED as current workers write it.
        feed(
            &mut state,
            &[(
                "target-state-c",
                Some(r#"{"state":"PAUSED","state.v2":"STOPPED"}"#),
            )],
        );
        assert_eq!(state.snapshot.target_state("c"), TargetState::Stopped);
        // Same state again: no event.
        let events = feed(
            &mut state,
            &[(
                "target-state-c",
                Some(r#"{"state":"PAUSED","state.v2":"STOPPED"}"#),
            )],
        );
        assert!(events.is_empty());
        // A non-string state.v2 falls back to state.
        feed(
            &mut state,
            &[(
                "target-state-c",
                Some(r#"{"state":"STARTED","state.v2":7}"#),
            )],
        );
        assert_eq!(state.snapshot.target_state("c"), TargetState::Started);
        // An unknown state.v2 is an error, not a fallback.
        feed(
            &mut state,
            &[(
                "target-state-c",
                Some(r#"{"state":"PAUSED","state.v2":"NAPPING"}"#),
            )],
        );
        assert_eq!(state.snapshot.target_state("c"), TargetState::Started);
        // A target state for a connector not created yet: stored, no event.
        let events = feed(
            &mut state,
            &[(
                "target-state-new",
                Some(r#"{"state":"PAUSED","state.v2":"PAUSED"}"#),
            )],
        );
        assert!(events.is_empty());
        feed(
            &mut state,
            &[("connector-new", Some(r#"{"properties":{}}"#))],
        );
        assert_eq!(state.snapshot.target_state("new"), TargetState::Paused);
    }

    #[test]
    fn bad_records_are_skipped_without_failing() {
        let mut state = ConfigState::new();
        let events = feed(
            &mut state,
            &[
                ("connector-c", Some("not json")),
                ("mystery", Some("{}")),
                ("task-c-x", Some(r#"{"properties":{}}"#)),
                (
                    "session-key",
                    Some(r#"{"key":"!!","algorithm":"a","creation-timestamp":1}"#),
                ),
                ("restart-connector-c", Some(r#"{"include-tasks":"yes"}"#)),
                ("tasks-fencing-c", Some(r#"{"task-count":1}"#)),
            ],
        );
        assert_eq!(
            events,
            vec![ConfigEvent::RestartRequested {
                connector: "c".into(),
                include_tasks: false,
                only_failed: false
            }]
        );
        assert!(state.snapshot.connectors.is_empty());
        assert!(state.snapshot.session_key.is_none());
        // The unparseable first record does not move the offset; the rest do.
        assert_eq!(state.snapshot.offset, 6);
        let mut state = ConfigState::new();
        feed(&mut state, &[("connector-c", Some("not json"))]);
        assert_eq!(state.snapshot.offset, -1);
    }

    #[test]
    fn connector_names_with_dashes_parse() {
        let parsed = |key, prefix| parse_task_key(key, prefix);
        assert_eq!(parsed("task-my-conn-12", 1), Some(("my-conn".into(), 12)));
        assert_eq!(parsed("task-c-0", 1), Some(("c".into(), 0)));
        // Java's split drops trailing empty strings.
        assert_eq!(parsed("task-c-0-", 1), Some(("c".into(), 0)));
        assert_eq!(parsed("task-c", 1), None);
        assert_eq!(parsed("task-c-x", 1), None);
        assert_eq!(parsed("task-c-4294967295", 1), None);
        assert_eq!(parsed("status-task-a-b-c-3", 2), Some(("a-b-c".into(), 3)));
        assert_eq!(parsed("status-task-3", 2), None);
    }

    #[test]
    fn base64_matches_java() {
        for (raw, encoded) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (&[0xff, 0xfe, 0x00][..], "//4A"),
        ] {
            assert_eq!(base64_encode(raw), encoded);
            assert_eq!(base64_decode(encoded).as_deref(), Some(raw));
        }
        assert_eq!(base64_decode("Zg").as_deref(), Some(&b"f"[..]));
        assert_eq!(base64_decode("Z"), None);
        assert_eq!(base64_decode("Zm9v!"), None);
    }
}
