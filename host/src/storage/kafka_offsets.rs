//! Kafka Connect's `KafkaOffsetBackingStore`: source offsets in a compacted topic,
//! keyed `["<connector>",{partition}]` with the offset JSON as value, so a task
//! moved to another worker (or a Kafka Connect worker) resumes where it stopped.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

use crate::config::WorkerConfig;
use crate::plugin::instance::OffsetReader;
use crate::storage::kafka_log::{KafkaLog, LogError, LogRecord, LogRole};
use crate::worker::offsets::{OffsetStore, OffsetStoreError, normalize, offset_key};

/// The offsets topic and the offsets read from it.
pub struct KafkaOffsetStore {
    log: KafkaLog,
    /// Compact key JSON → compact offset JSON.
    data: Mutex<BTreeMap<String, String>>,
}

impl KafkaOffsetStore {
    /// Opens (creating if needed) the offsets topic and reads it to the end.
    pub fn open(
        worker: &WorkerConfig,
        topic: &str,
        partitions: i32,
        replication_factor: i16,
    ) -> Result<Self, LogError> {
        let log = KafkaLog::open_as(
            worker,
            LogRole::Offsets,
            topic,
            partitions,
            replication_factor,
        )?;
        let store = KafkaOffsetStore {
            log,
            data: Mutex::new(BTreeMap::new()),
        };
        store.refresh()?;
        Ok(store)
    }

    /// Reads offsets committed (by any worker) since the last read.
    pub fn refresh(&self) -> Result<(), LogError> {
        self.log
            .read_to_end(&mut |record: LogRecord| apply(&mut self.lock(), &record))
    }

    /// Every offset of `connector` as (partition JSON, offset JSON), after reading
    /// to the end (if that fails, what was read before, with an error logged).
    pub fn all(&self, connector: &str) -> Vec<(String, String)> {
        if let Err(e) = self.refresh() {
            tracing::error!(connector, error = %e, "cannot read the offsets topic to the end; answering from what was read");
        }
        self.lock()
            .iter()
            .filter_map(|(key, offset)| {
                let key: Value = serde_json::from_str(key).ok()?;
                match key.as_array()?.as_slice() {
                    [Value::String(name), partition] if name == connector => {
                        Some((partition.to_string(), offset.clone()))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, String>> {
        crate::util::lock(&self.data)
    }
}

/// Applies one record of the topic: a tombstone deletes; keys and values are kept
/// as compact JSON so lookups match however the writer spaced them.
fn apply(data: &mut BTreeMap<String, String>, record: &LogRecord) {
    let Some(key) = record
        .key
        .as_deref()
        .and_then(|k| serde_json::from_slice::<Value>(k).ok())
    else {
        tracing::warn!(
            partition = record.partition,
            offset = record.offset,
            "skipping offsets record whose key is not JSON"
        );
        return;
    };
    let key = key.to_string();
    match record.value.as_deref() {
        None => {
            data.remove(&key);
        }
        Some(bytes) => match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Null) => {
                data.remove(&key);
            }
            Ok(value) => {
                data.insert(key, value.to_string());
            }
            Err(e) => {
                // Resuming from an older offset would be worse than from none.
                tracing::warn!(key, error = %e, "offset value is not JSON; forgetting the offset");
                data.remove(&key);
            }
        },
    }
}

impl OffsetReader for KafkaOffsetStore {
    /// Reads to the end first: the task may have run on another worker until now.
    fn read_offsets(&self, connector: &str, partitions: &[String]) -> Vec<Option<String>> {
        if let Err(e) = self.refresh() {
            tracing::error!(connector, error = %e, "cannot read the offsets topic to the end; answering from what was read");
        }
        let data = self.lock();
        crate::worker::offsets::lookup(&data, connector, partitions)
    }
}

impl OffsetStore for KafkaOffsetStore {
    /// Writes every offset (None = tombstone) and waits for all acks.
    fn commit(
        &self,
        connector: &str,
        offsets: &[(String, Option<String>)],
    ) -> Result<(), OffsetStoreError> {
        let mut records = Vec::with_capacity(offsets.len());
        for (partition, offset) in offsets {
            let key = offset_key(connector, partition)?;
            let value = offset.as_deref().map(normalize).transpose()?;
            records.push((key, value));
        }
        let borrowed: Vec<(&str, Option<&[u8]>)> = records
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref().map(str::as_bytes)))
            .collect();
        self.log
            .send_all(&borrowed)
            .map_err(|e| OffsetStoreError::Kafka {
                topic: self.log.topic().to_string(),
                reason: e.to_string(),
            })
    }

    fn offsets_of(&self, connector: &str) -> Vec<(String, String)> {
        self.all(connector)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, value: Option<&str>) -> LogRecord {
        LogRecord {
            partition: 0,
            offset: 0,
            key: Some(key.as_bytes().to_vec()),
            value: value.map(|v| v.as_bytes().to_vec()),
        }
    }

    #[test]
    fn records_are_normalized_and_tombstones_delete() {
        let mut data = BTreeMap::new();
        apply(
            &mut data,
            &record(
                r#"["c", {"filename": "/a"}]"#,
                Some(r#"{ "position": 42 }"#),
            ),
        );
        let key = offset_key("c", r#"{"filename":"/a"}"#).expect("valid");
        assert_eq!(key, r#"["c",{"filename":"/a"}]"#);
        assert_eq!(
            data.get(&key).map(String::as_str),
            Some(r#"{"position":42}"#)
        );
        apply(&mut data, &record(&key, None));
        assert!(data.is_empty());
        apply(&mut data, &record("not json", Some("{}")));
        apply(&mut data, &record(&key, Some("{broken")));
        assert!(data.is_empty());
    }
}
