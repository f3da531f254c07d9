//! Kafka Connect's `KafkaStatusBackingStore`: connector and task states in a
//! compacted topic, keyed `status-connector-<name>` and `status-task-<name>-<task>`,
//! valued as Kafka Connect writes them. States become visible only once read back,
//! so every worker (and the REST API on every worker) sees the same history.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};

use crate::config::WorkerConfig;
use crate::storage::config_log::parse_task_key;
use crate::storage::kafka_log::{KafkaLog, LogError, LogRecord, LogRole};
use crate::worker::status::State;

const CONNECTOR_STATUS_PREFIX: &str = "status-connector-";
const TASK_STATUS_PREFIX: &str = "status-task-";
/// Active topics per connector (KIP-558); not tracked by Ferry yet.
const TOPIC_STATUS_PREFIX: &str = "status-topic-";
/// Between the topic and the connector in a topic status key; `:` cannot occur in
/// a topic name, so the key splits unambiguously.
const TOPIC_STATUS_SEPARATOR: &str = ":connector-";

/// One connector's or task's status record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRecord {
    pub state: State,
    pub trace: Option<String>,
    pub worker_id: String,
    /// The group generation the writer was in; orders conflicting writes.
    pub generation: i32,
    /// The plugin version the writer ran (KIP-891's `version`); Kafka Connect writes
    /// null for UNASSIGNED and for plugins that report none.
    pub version: Option<String>,
}

/// The status topic and the statuses read from it.
pub struct StatusLog {
    log: KafkaLog,
    cache: Mutex<StatusCache>,
}

#[derive(Default)]
struct StatusCache {
    connectors: BTreeMap<String, StatusRecord>,
    tasks: BTreeMap<String, BTreeMap<u32, StatusRecord>>,
    /// Connector → its active topics (KIP-558).
    topics: BTreeMap<String, BTreeSet<String>>,
}

impl StatusLog {
    /// Opens (creating if needed) the status topic and reads it to the end, so the
    /// first answers already show the cluster's statuses.
    pub fn open(
        worker: &WorkerConfig,
        topic: &str,
        partitions: i32,
        replication_factor: i16,
    ) -> Result<Self, LogError> {
        let log = KafkaLog::open_as(
            worker,
            LogRole::Status,
            topic,
            partitions,
            replication_factor,
        )?;
        let store = StatusLog {
            log,
            cache: Mutex::new(StatusCache::default()),
        };
        store.refresh()?;
        Ok(store)
    }

    /// Reads what other workers (and this one) wrote since the last refresh.
    pub fn refresh(&self) -> Result<(), LogError> {
        self.log
            .read_to_end(&mut |record: LogRecord| self.lock().apply(&record))
    }

    pub fn put_connector(&self, name: &str, rec: &StatusRecord) -> Result<(), LogError> {
        self.log.send(
            &format!("{CONNECTOR_STATUS_PREFIX}{name}"),
            Some(&encode(rec)),
        )
    }

    pub fn put_task(&self, name: &str, task: u32, rec: &StatusRecord) -> Result<(), LogError> {
        self.log.send(
            &format!("{TASK_STATUS_PREFIX}{name}-{task}"),
            Some(&encode(rec)),
        )
    }

    /// The connector's status (`task` None) or one of its tasks'.
    pub fn put(&self, name: &str, task: Option<u32>, rec: &StatusRecord) -> Result<(), LogError> {
        match task {
            None => self.put_connector(name, rec),
            Some(t) => self.put_task(name, t, rec),
        }
    }

    /// Kafka Connect's `putSafe`: writes only if nothing is known for the connector,
    /// or the known status came from the same worker, or from a generation no newer
    /// than `rec`'s. Returns whether it wrote. It narrows the window for a worker
    /// that lost its assignment overwriting the new owner; it cannot close it.
    pub fn put_connector_safe(&self, name: &str, rec: &StatusRecord) -> Result<bool, LogError> {
        let known = self.connector(name);
        if !can_write_safely(known.as_ref(), rec) {
            tracing::debug!(
                connector = name,
                "not overwriting a newer connector status from another worker"
            );
            return Ok(false);
        }
        self.put_connector(name, rec).map(|()| true)
    }

    /// `putSafe` for the connector (`task` None) or one of its tasks.
    pub fn put_safe(
        &self,
        name: &str,
        task: Option<u32>,
        rec: &StatusRecord,
    ) -> Result<bool, LogError> {
        match task {
            None => self.put_connector_safe(name, rec),
            Some(t) => self.put_task_safe(name, t, rec),
        }
    }

    /// `putSafe` for a task; see [`StatusLog::put_connector_safe`].
    pub fn put_task_safe(
        &self,
        name: &str,
        task: u32,
        rec: &StatusRecord,
    ) -> Result<bool, LogError> {
        let known = self
            .lock()
            .tasks
            .get(name)
            .and_then(|t| t.get(&task))
            .cloned();
        if !can_write_safely(known.as_ref(), rec) {
            tracing::debug!(
                connector = name,
                task,
                "not overwriting a newer task status from another worker"
            );
            return Ok(false);
        }
        self.put_task(name, task, rec).map(|()| true)
    }

    /// Tombstones the connector's status and those of tasks `0..tasks` plus any
    /// other task of it this worker has read.
    pub fn remove_connector(&self, name: &str, tasks: u32) -> Result<(), LogError> {
        let mut ids: Vec<u32> = (0..tasks).collect();
        if let Some(known) = self.lock().tasks.get(name) {
            ids.extend(known.keys().filter(|t| **t >= tasks));
        }
        let mut keys: Vec<String> = ids
            .iter()
            .map(|t| format!("{TASK_STATUS_PREFIX}{name}-{t}"))
            .collect();
        keys.push(format!("{CONNECTOR_STATUS_PREFIX}{name}"));
        let records: Vec<(&str, Option<&[u8]>)> = keys.iter().map(|k| (k.as_str(), None)).collect();
        self.log.send_all(&records)
    }

    /// The connector's status as last read.
    pub fn connector(&self, name: &str) -> Option<StatusRecord> {
        self.lock().connectors.get(name).cloned()
    }

    /// The statuses of the connector's tasks as last read.
    pub fn tasks(&self, name: &str) -> BTreeMap<u32, StatusRecord> {
        self.lock().tasks.get(name).cloned().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, StatusCache> {
        crate::util::lock(&self.cache)
    }
}

/// `CacheEntry.canWriteSafely`.
fn topic_key(topic: &str, connector: &str) -> String {
    format!("{TOPIC_STATUS_PREFIX}{topic}{TOPIC_STATUS_SEPARATOR}{connector}")
}

/// Kafka Connect's topic status value: `{"topic":{"name","connector","task","discoverTimestamp"}}`.
fn encode_topic(topic: &str, connector: &str, task: u32, now_ms: u64) -> Vec<u8> {
    json!({"topic": {
        "name": topic,
        "connector": connector,
        "task": task,
        "discoverTimestamp": now_ms,
    }})
    .to_string()
    .into_bytes()
}

impl crate::worker::topics::TopicTracker for StatusLog {
    fn record(&self, connector: &str, task: u32, topic: &str) {
        let known = self
            .lock()
            .topics
            .get(connector)
            .is_some_and(|t| t.contains(topic));
        if known {
            return;
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let value = encode_topic(topic, connector, task, now);
        match self.log.send(&topic_key(topic, connector), Some(&value)) {
            Ok(()) => {
                self.lock()
                    .topics
                    .entry(connector.to_string())
                    .or_default()
                    .insert(topic.to_string());
            }
            Err(error) => tracing::warn!(
                connector,
                task,
                topic,
                "cannot record active topic: {error}"
            ),
        }
    }

    fn topics(&self, connector: &str) -> Vec<String> {
        if let Err(error) = self.refresh() {
            tracing::warn!(
                connector,
                "cannot read the status topic to the end: {error}"
            );
        }
        self.lock()
            .topics
            .get(connector)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn reset(&self, connector: &str) -> Result<(), String> {
        self.refresh().map_err(|e| e.to_string())?;
        let known: Vec<String> = self
            .lock()
            .topics
            .get(connector)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        let keys: Vec<String> = known.iter().map(|t| topic_key(t, connector)).collect();
        let records: Vec<(&str, Option<&[u8]>)> = keys.iter().map(|k| (k.as_str(), None)).collect();
        self.log.send_all(&records).map_err(|e| e.to_string())?;
        self.lock().topics.remove(connector);
        Ok(())
    }
}

fn can_write_safely(known: Option<&StatusRecord>, rec: &StatusRecord) -> bool {
    known.is_none_or(|k| k.worker_id == rec.worker_id || k.generation <= rec.generation)
}

/// Kafka Connect 4.4's status schema:
/// `{"state":..,"trace":..,"worker_id":..,"generation":..,"version":..}`; a missing
/// trace or version is written as null (the JsonConverter writes optional fields).
fn encode(rec: &StatusRecord) -> Vec<u8> {
    json!({
        "state": state_name(rec.state),
        "trace": rec.trace,
        "worker_id": rec.worker_id,
        "generation": rec.generation,
        "version": rec.version,
    })
    .to_string()
    .into_bytes()
}

fn state_name(state: State) -> &'static str {
    match state {
        State::Unassigned => "UNASSIGNED",
        State::Running => "RUNNING",
        State::Paused => "PAUSED",
        State::Failed => "FAILED",
        State::Restarting => "RESTARTING",
        State::Stopped => "STOPPED",
    }
}

fn parse_state(name: &str) -> Option<State> {
    Some(match name {
        "UNASSIGNED" => State::Unassigned,
        "RUNNING" => State::Running,
        "PAUSED" => State::Paused,
        "FAILED" => State::Failed,
        "RESTARTING" => State::Restarting,
        "STOPPED" => State::Stopped,
        _ => return None,
    })
}

/// A status value as Kafka Connect parses it; `None` (logged) when it cannot be.
fn decode(key: &str, bytes: &[u8]) -> Option<StatusRecord> {
    let parsed = serde_json::from_slice::<Value>(bytes)
        .map_err(|e| e.to_string())
        .and_then(|value| {
            let map = value.as_object().ok_or("not a JSON object")?;
            let state = map
                .get("state")
                .and_then(Value::as_str)
                .and_then(parse_state)
                .ok_or("'state' is not a known state")?;
            let trace = match map.get("trace") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err("'trace' is not a string".to_string()),
            };
            let worker_id = map
                .get("worker_id")
                .and_then(Value::as_str)
                .ok_or("'worker_id' is not a string")?
                .to_string();
            // Long.intValue(): Kafka Connect truncates.
            let generation = map
                .get("generation")
                .and_then(Value::as_i64)
                .ok_or("'generation' is not an integer")? as i32;
            // Absent before Kafka 4.1 (KIP-891).
            let version = map
                .get("version")
                .and_then(Value::as_str)
                .map(str::to_owned);
            Ok(StatusRecord {
                state,
                trace,
                worker_id,
                generation,
                version,
            })
        });
    match parsed {
        Ok(rec) => Some(rec),
        Err(reason) => {
            tracing::error!(key, reason, "failed to deserialize status; skipping it");
            None
        }
    }
}

impl StatusCache {
    /// Kafka Connect's `read(record)`.
    fn apply(&mut self, record: &LogRecord) {
        let Some(key) = record
            .key
            .as_deref()
            .and_then(|k| std::str::from_utf8(k).ok())
        else {
            tracing::warn!(
                offset = record.offset,
                "discarding status record without a UTF-8 key"
            );
            return;
        };
        if let Some(connector) = key.strip_prefix(CONNECTOR_STATUS_PREFIX) {
            self.connector_status(key, connector, record.value.as_deref());
        } else if key.starts_with(TASK_STATUS_PREFIX) {
            match parse_task_key(key, 2) {
                Some((connector, task)) => {
                    self.task_status(key, connector, task, record.value.as_deref())
                }
                None => tracing::warn!(key, "discarding record with invalid task status key"),
            }
        } else if let Some(rest) = key.strip_prefix(TOPIC_STATUS_PREFIX) {
            match rest.split_once(TOPIC_STATUS_SEPARATOR) {
                Some((topic, connector)) if !topic.is_empty() && !connector.is_empty() => {
                    let entry = self.topics.entry(connector.to_string()).or_default();
                    if record.value.is_some() {
                        entry.insert(topic.to_string());
                    } else {
                        entry.remove(topic);
                        if entry.is_empty() {
                            self.topics.remove(connector);
                        }
                    }
                }
                _ => tracing::warn!(key, "discarding record with invalid topic status key"),
            }
        } else {
            tracing::warn!(key, "discarding record with invalid key");
        }
    }

    fn connector_status(&mut self, key: &str, connector: &str, value: Option<&[u8]>) {
        if connector.is_empty() {
            tracing::warn!(key, "discarding record with invalid connector status key");
            return;
        }
        let Some(value) = value else {
            // A deleted connector takes its task statuses with it.
            self.connectors.remove(connector);
            self.tasks.remove(connector);
            return;
        };
        if let Some(rec) = decode(key, value) {
            self.connectors.insert(connector.to_string(), rec);
        }
    }

    fn task_status(&mut self, key: &str, connector: String, task: u32, value: Option<&[u8]>) {
        let Some(value) = value else {
            if let Some(tasks) = self.tasks.get_mut(&connector) {
                tasks.remove(&task);
                if tasks.is_empty() {
                    self.tasks.remove(&connector);
                }
            }
            return;
        };
        let Some(rec) = decode(key, value) else {
            return;
        };
        let tasks = self.tasks.entry(connector).or_default();
        // As Kafka Connect: an UNASSIGNED no newer than a RUNNING it would replace
        // comes from a worker that stopped the task before (or while) its new owner
        // started it.
        if rec.state == State::Unassigned
            && tasks
                .get(&task)
                .is_some_and(|k| k.state == State::Running && k.generation >= rec.generation)
        {
            tracing::trace!(key, "ignoring stale UNASSIGNED status");
            return;
        }
        tasks.insert(task, rec);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(state: State, worker: &str, generation: i32) -> StatusRecord {
        StatusRecord {
            state,
            trace: None,
            worker_id: worker.into(),
            generation,
            version: None,
        }
    }

    fn record(key: &str, value: Option<Vec<u8>>) -> LogRecord {
        LogRecord {
            partition: 0,
            offset: 0,
            key: Some(key.as_bytes().to_vec()),
            value,
        }
    }

    #[test]
    fn values_are_encoded_as_kafka_connect_writes_them() {
        assert_eq!(
            String::from_utf8(encode(&rec(State::Running, "10.0.0.1:8083", 5))).expect("utf-8"),
            r#"{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":5,"version":null}"#
        );
        let failed = StatusRecord {
            trace: Some("boom\n\tat x".into()),
            version: Some("0.1.0".into()),
            ..rec(State::Failed, "w:1", 2)
        };
        let bytes = encode(&failed);
        assert_eq!(
            String::from_utf8(bytes.clone()).expect("utf-8"),
            r#"{"state":"FAILED","trace":"boom\n\tat x","worker_id":"w:1","generation":2,"version":"0.1.0"}"#
        );
        assert_eq!(decode("k", &bytes), Some(failed));
        // As a Kafka Connect 4.4 worker writes it.
        assert_eq!(
            decode(
                "k",
                br#"{"state":"RUNNING","trace":null,"worker_id":"w:2","generation":4,"version":"4.4.0"}"#
            ),
            Some(StatusRecord {
                version: Some("4.4.0".into()),
                ..rec(State::Running, "w:2", 4)
            })
        );
        for state in [
            State::Unassigned,
            State::Running,
            State::Paused,
            State::Failed,
            State::Restarting,
            State::Stopped,
        ] {
            // Same names as the serde form the REST API uses.
            assert_eq!(
                serde_json::to_value(state).expect("serializes"),
                Value::String(state_name(state).into())
            );
            assert_eq!(parse_state(state_name(state)), Some(state));
        }
        // Written by Kafka Connect without a trace field at all.
        assert_eq!(
            decode(
                "k",
                br#"{"state":"PAUSED","worker_id":"w:1","generation":3}"#
            ),
            Some(rec(State::Paused, "w:1", 3))
        );
        assert_eq!(
            decode(
                "k",
                br#"{"state":"DESTROYED","worker_id":"w","generation":1}"#
            ),
            None
        );
        assert_eq!(decode("k", br#"{"state":"RUNNING","worker_id":"w"}"#), None);
        assert_eq!(decode("k", b"nope"), None);
    }

    #[test]
    fn reads_keep_the_latest_and_tombstones_delete() {
        let mut cache = StatusCache::default();
        cache.apply(&record(
            "status-connector-my-conn",
            Some(encode(&rec(State::Running, "a", 1))),
        ));
        cache.apply(&record(
            "status-task-my-conn-0",
            Some(encode(&rec(State::Running, "a", 1))),
        ));
        cache.apply(&record(
            "status-task-my-conn-1",
            Some(encode(&rec(State::Failed, "b", 1))),
        ));
        // Reads are not filtered by generation: the latest record wins...
        cache.apply(&record(
            "status-connector-my-conn",
            Some(encode(&rec(State::Paused, "b", 0))),
        ));
        assert_eq!(cache.connectors["my-conn"], rec(State::Paused, "b", 0));
        // ...except a stale UNASSIGNED over RUNNING of the same or a newer generation.
        cache.apply(&record(
            "status-task-my-conn-0",
            Some(encode(&rec(State::Unassigned, "b", 1))),
        ));
        assert_eq!(cache.tasks["my-conn"][&0], rec(State::Running, "a", 1));
        cache.apply(&record(
            "status-task-my-conn-0",
            Some(encode(&rec(State::Unassigned, "b", 2))),
        ));
        assert_eq!(cache.tasks["my-conn"][&0], rec(State::Unassigned, "b", 2));
        // The rule does not look at the writer: its own stale UNASSIGNED is ignored too.
        cache.apply(&record(
            "status-task-my-conn-0",
            Some(encode(&rec(State::Running, "c", 7))),
        ));
        cache.apply(&record(
            "status-task-my-conn-0",
            Some(encode(&rec(State::Unassigned, "c", 7))),
        ));
        assert_eq!(cache.tasks["my-conn"][&0], rec(State::Running, "c", 7));
        // Task tombstone.
        cache.apply(&record("status-task-my-conn-1", None));
        assert_eq!(cache.tasks["my-conn"].len(), 1);
        // Connector tombstone takes the tasks with it.
        cache.apply(&record("status-connector-my-conn", None));
        assert!(cache.connectors.is_empty());
        assert!(cache.tasks.is_empty());
        // Junk is skipped.
        cache.apply(&record("status-task-x", Some(b"{}".to_vec())));
        cache.apply(&record("status-topic-t:connector-c", Some(b"{}".to_vec())));
        cache.apply(&record("other", Some(b"{}".to_vec())));
        assert!(cache.tasks.is_empty());
    }

    #[test]
    fn safe_writes_follow_generation_and_worker() {
        let known = rec(State::Running, "a", 5);
        assert!(can_write_safely(None, &rec(State::Running, "b", 0)));
        assert!(
            can_write_safely(Some(&known), &rec(State::Failed, "a", 1)),
            "same worker"
        );
        assert!(
            can_write_safely(Some(&known), &rec(State::Running, "b", 5)),
            "same generation"
        );
        assert!(
            can_write_safely(Some(&known), &rec(State::Running, "b", 6)),
            "newer generation"
        );
        assert!(
            !can_write_safely(Some(&known), &rec(State::Unassigned, "b", 4)),
            "older generation"
        );
    }
}
