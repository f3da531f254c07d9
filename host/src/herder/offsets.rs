//! KIP-875: reading, altering and resetting a connector's offsets over REST.
//!
//! Source connectors' offsets live in the worker's offset store; sink connectors'
//! offsets are the committed offsets of their consumer group (`connect-<name>` unless
//! `consumer.override.group.id` names another),
//! shown as `{"kafka_topic","kafka_partition"}` → `{"kafka_offset"}` as Kafka
//! Connect shows them.

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::HerderError;
use crate::config::WorkerConfig;
use crate::plugin::PluginKind;
use crate::worker::offsets::OffsetStore;

/// Kafka Connect's `ConnectorOffset`: one partition and its offset (`null` in an
/// alter request removes it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectorOffset {
    /// Source: the connector's partition map; sink: `kafka_topic`, `kafka_partition`.
    #[schema(value_type = Object)]
    pub partition: Value,
    /// Source: the connector's offset map; sink: `kafka_offset`. `null` in an alter
    /// request removes the partition's offset.
    #[schema(value_type = Option<Object>)]
    pub offset: Value,
}

/// Kafka Connect's `ConnectorOffsets`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectorOffsets {
    pub offsets: Vec<ConnectorOffset>,
}

/// Kafka Connect's `Message` entity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    pub message: String,
}

const KAFKA_TOPIC: &str = "kafka_topic";
const KAFKA_PARTITION: &str = "kafka_partition";
const KAFKA_OFFSET: &str = "kafka_offset";

/// How long a broker round trip for sink offsets may take.
const BROKER_TIMEOUT: Duration = Duration::from_secs(15);

/// Kafka's answer when offsets are changed on a connector that is not stopped.
pub fn not_stopped_message(name: &str) -> String {
    format!(
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
    )
}

/// What the offsets operations need to know about the connector.
pub struct OffsetsTarget<'a> {
    pub worker: &'a WorkerConfig,
    pub store: &'a dyn OffsetStore,
    pub name: &'a str,
    pub kind: PluginKind,
    /// The connector's (resolved) config: sink topics and consumer overrides.
    pub props: &'a BTreeMap<String, String>,
}

/// `GET /connectors/{c}/offsets`.
pub fn read(target: &OffsetsTarget<'_>) -> Result<ConnectorOffsets, HerderError> {
    match target.kind {
        PluginKind::Source => {
            let mut offsets = Vec::new();
            for (partition, offset) in target.store.offsets_of(target.name) {
                let partition: Value = serde_json::from_str(&partition).map_err(internal)?;
                let offset: Value = serde_json::from_str(&offset).map_err(internal)?;
                offsets.push(ConnectorOffset { partition, offset });
            }
            Ok(ConnectorOffsets { offsets })
        }
        _ => read_sink(target),
    }
}

/// `PATCH /connectors/{c}/offsets`: the caller has checked the connector is stopped.
pub fn alter(
    target: &OffsetsTarget<'_>,
    offsets: &[ConnectorOffset],
) -> Result<Message, HerderError> {
    match target.kind {
        PluginKind::Source => commit_source(target, &source_pairs(offsets)?, "altered"),
        _ => {
            let parsed = sink_offsets(offsets)?;
            alter_sink(target, &parsed)?;
            Ok(framework_managed("altered"))
        }
    }
}

/// `DELETE /connectors/{c}/offsets`: the caller has checked the connector is stopped.
pub fn reset(target: &OffsetsTarget<'_>) -> Result<Message, HerderError> {
    match target.kind {
        PluginKind::Source => {
            let pairs: Vec<(String, Option<String>)> = target
                .store
                .offsets_of(target.name)
                .into_iter()
                .map(|(partition, _)| (partition, None))
                .collect();
            commit_source(target, &pairs, "reset")
        }
        _ => {
            reset_sink(target)?;
            Ok(framework_managed("reset"))
        }
    }
}

/// Writes source offsets (None: tombstone) to the offset store.
fn commit_source(
    target: &OffsetsTarget<'_>,
    pairs: &[(String, Option<String>)],
    modification: &str,
) -> Result<Message, HerderError> {
    target.store.commit(target.name, pairs).map_err(|e| {
        HerderError::Internal(format!(
            "Failed to modify offsets for source connector {}: {e}",
            target.name
        ))
    })?;
    Ok(framework_managed(modification))
}

/// Kafka's message when the connector plugin does not manage offsets itself (its
/// `alterOffsets` returns false, the default; Ferry's plugin contract has no such
/// hook yet).
fn framework_managed(modification: &str) -> Message {
    Message {
        message: format!(
            "The Connect framework-managed offsets for this connector have been {modification} successfully. However, if this connector manages offsets externally, they will need to be manually {modification} in the system that the connector uses."
        ),
    }
}

/// Parses a `PATCH` body: `{"offsets":[{"partition":{…},"offset":{…}|null}, …]}`.
pub fn parse_request(body: &Value) -> Result<Vec<ConnectorOffset>, HerderError> {
    let list = body.get("offsets").and_then(Value::as_array);
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        return Err(HerderError::BadRequest(
            "Partitions / offsets need to be provided for an alter offsets request".into(),
        ));
    };
    list.iter()
        .map(|entry| {
            let object = entry.as_object().ok_or_else(|| {
                HerderError::BadRequest(format!(
                    "Each entry of \"offsets\" must be an object with \"partition\" and \"offset\", but was: {entry}"
                ))
            })?;
            Ok(ConnectorOffset {
                partition: object.get("partition").cloned().unwrap_or(Value::Null),
                offset: object.get("offset").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

fn internal(error: impl std::fmt::Display) -> HerderError {
    HerderError::Internal(error.to_string())
}

/// Source offsets as (partition JSON, offset JSON or None) for the offset store.
fn source_pairs(offsets: &[ConnectorOffset]) -> Result<Vec<(String, Option<String>)>, HerderError> {
    offsets
        .iter()
        .map(|o| {
            if !o.partition.is_object() {
                return Err(HerderError::BadRequest(
                    "Source partitions may not be null".into(),
                ));
            }
            let offset = match &o.offset {
                Value::Null => None,
                Value::Object(_) => Some(o.offset.to_string()),
                other => {
                    return Err(HerderError::BadRequest(format!(
                        "Source offsets must be JSON objects or null, but was: {other}"
                    )));
                }
            };
            Ok((o.partition.to_string(), offset))
        })
        .collect()
}

/// One validated sink partition and its new offset (None: remove it).
#[derive(Debug, PartialEq)]
struct SinkOffset {
    topic: String,
    partition: i32,
    offset: Option<i64>,
}

/// Kafka's `SinkUtils.parseSinkConnectorOffsets` checks.
fn sink_offsets(offsets: &[ConnectorOffset]) -> Result<Vec<SinkOffset>, HerderError> {
    let bad = |m: String| HerderError::BadRequest(m);
    offsets
        .iter()
        .map(|o| {
            let partition = o.partition.as_object().ok_or_else(|| {
                bad("The partition for a sink connector offset cannot be null or missing".into())
            })?;
            let (Some(topic), Some(number)) =
                (partition.get(KAFKA_TOPIC), partition.get(KAFKA_PARTITION))
            else {
                return Err(bad(format!(
                    "The partition for a sink connector offset must contain the keys '{KAFKA_TOPIC}' and '{KAFKA_PARTITION}'"
                )));
            };
            let topic = match topic {
                Value::String(t) => t.clone(),
                Value::Null => {
                    return Err(bad(
                        "Kafka topic names must be valid strings and may not be null".into(),
                    ));
                }
                other => other.to_string(),
            };
            if number.is_null() {
                return Err(bad(
                    "Kafka partitions must be valid numbers and may not be null".into(),
                ));
            }
            let partition = integer(number)
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(|| {
                    bad(format!(
                        "Failed to parse the following Kafka partition value in the provided offsets: '{}'. Partition values for sink connectors need to be integers.",
                        plain(number)
                    ))
                })?;
            let offset = match &o.offset {
                Value::Null => None,
                Value::Object(map) => {
                    let value = map.get(KAFKA_OFFSET).ok_or_else(|| {
                        bad(format!(
                            "The offset for a sink connector should either be null or contain the key '{KAFKA_OFFSET}'"
                        ))
                    })?;
                    Some(integer(value).ok_or_else(|| {
                        bad(format!(
                            "Failed to parse the following Kafka offset value in the provided offsets: '{}'. Offset values for sink connectors need to be integers.",
                            plain(value)
                        ))
                    })?)
                }
                _ => {
                    return Err(bad(format!(
                        "The offset for a sink connector should either be null or contain the key '{KAFKA_OFFSET}'"
                    )));
                }
            };
            Ok(SinkOffset {
                topic,
                partition,
                offset,
            })
        })
        .collect()
}

/// A JSON value as Java's `String.valueOf` shows it (strings without quotes).
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An integer given as a JSON number or a numeric string (Kafka accepts both).
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The sink's consumer group: `connect-<name>` unless `consumer.group.id` or
/// `consumer.override.group.id` say otherwise, exactly as its tasks join it.
fn group_of(target: &OffsetsTarget<'_>) -> String {
    crate::kafka::consumer_config(target.worker, target.props, target.name, 0, "offsets")
        .get("group.id")
        .map(str::to_string)
        .unwrap_or_else(|| format!("connect-{}", target.name))
}

/// A consumer in the connector's group that never joins it: it only reads and
/// commits offsets, so it must not take over a task's static identity.
fn group_client(target: &OffsetsTarget<'_>) -> Result<BaseConsumer, HerderError> {
    let mut config = crate::kafka::consumer_config(
        target.worker,
        target.props,
        target.name,
        0,
        &format!("connector-offsets-{}", target.name),
    );
    config.remove("group.instance.id");
    config.create().map_err(|e| {
        HerderError::Internal(format!(
            "Failed to create a consumer for the offsets of connector {}: {e}",
            target.name
        ))
    })
}

/// The partitions of the topics the sink consumes (its `topics` or `topics.regex`).
fn sink_partitions(
    target: &OffsetsTarget<'_>,
    consumer: &BaseConsumer,
) -> Result<TopicPartitionList, HerderError> {
    let metadata = consumer
        .fetch_metadata(None, BROKER_TIMEOUT)
        .map_err(|e| HerderError::Internal(format!("Failed to read topic metadata: {e}")))?;
    let listed: Vec<String> = target
        .props
        .get("topics")
        .map(|t| crate::config::worker::split_list(t))
        .unwrap_or_default();
    let regex = target
        .props
        .get("topics.regex")
        .filter(|r| !r.trim().is_empty())
        .and_then(|r| regex::Regex::new(&format!("^(?:{r})$")).ok());
    let mut list = TopicPartitionList::new();
    for topic in metadata.topics() {
        let wanted = listed.iter().any(|t| t == topic.name())
            || regex.as_ref().is_some_and(|r| r.is_match(topic.name()));
        if !wanted {
            continue;
        }
        for partition in topic.partitions() {
            list.add_partition(topic.name(), partition.id());
        }
    }
    Ok(list)
}

fn read_sink(target: &OffsetsTarget<'_>) -> Result<ConnectorOffsets, HerderError> {
    let consumer = group_client(target)?;
    let partitions = sink_partitions(target, &consumer)?;
    if partitions.count() == 0 {
        return Ok(ConnectorOffsets::default());
    }
    let committed = consumer
        .committed_offsets(partitions, BROKER_TIMEOUT)
        .map_err(|e| {
            HerderError::Internal(format!(
                "Failed to retrieve consumer group offsets for sink connector {}: {e}",
                target.name
            ))
        })?;
    let mut offsets = Vec::new();
    for element in committed.elements() {
        if let Offset::Offset(offset) = element.offset() {
            offsets.push(ConnectorOffset {
                partition: json!({KAFKA_TOPIC: element.topic(), KAFKA_PARTITION: element.partition()}),
                offset: json!({ KAFKA_OFFSET: offset }),
            });
        }
    }
    Ok(ConnectorOffsets { offsets })
}

fn alter_sink(target: &OffsetsTarget<'_>, offsets: &[SinkOffset]) -> Result<(), HerderError> {
    let group = group_of(target);
    let failed = |e: String| {
        HerderError::Internal(format!(
            "Failed to alter consumer group offsets for connector {} either because its tasks haven't stopped completely yet or the connector was resumed before the request to alter its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks. Reason: {e}",
            target.name
        ))
    };
    let removed: Vec<(String, i32)> = offsets
        .iter()
        .filter(|o| o.offset.is_none())
        .map(|o| (o.topic.clone(), o.partition))
        .collect();
    let mut list = TopicPartitionList::new();
    for o in offsets {
        if let Some(offset) = o.offset {
            list.add_partition_offset(&o.topic, o.partition, Offset::Offset(offset))
                .map_err(|e| failed(e.to_string()))?;
        }
    }
    if list.count() > 0 {
        let consumer = group_client(target)?;
        consumer
            .commit(&list, CommitMode::Sync)
            .map_err(|e| failed(e.to_string()))?;
    }
    if !removed.is_empty() {
        crate::group::wire::delete_group_offsets(
            &target.worker.bootstrap_servers,
            &group,
            &removed,
        )
        .map_err(|e| failed(e.to_string()))?;
    }
    Ok(())
}

fn reset_sink(target: &OffsetsTarget<'_>) -> Result<(), HerderError> {
    let group = group_of(target);
    crate::group::wire::delete_group(&target.worker.bootstrap_servers, &group).map_err(|e| {
        HerderError::Internal(format!(
            "Failed to reset consumer group offsets for connector {} either because its tasks haven't stopped completely yet or the connector was resumed before the request to reset its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks. Reason: {e}",
            target.name
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(partition: Value, offset: Value) -> ConnectorOffset {
        ConnectorOffset { partition, offset }
    }

    #[test]
    fn requests_need_offsets() {
        for body in [json!({}), json!({"offsets": []}), json!({"offsets": null})] {
            let error = parse_request(&body).expect_err("no offsets");
            assert_eq!(
                error.to_string(),
                "Partitions / offsets need to be provided for an alter offsets request"
            );
        }
        let parsed = parse_request(&json!({"offsets": [{"partition": {"a": 1}, "offset": null}]}))
            .expect("valid");
        assert_eq!(parsed, vec![entry(json!({"a": 1}), Value::Null)]);
    }

    #[test]
    fn sink_offsets_are_checked_as_kafka_checks_them() {
        let ok = sink_offsets(&[
            entry(
                json!({"kafka_topic": "t", "kafka_partition": 2}),
                json!({"kafka_offset": 7}),
            ),
            entry(
                json!({"kafka_topic": "t", "kafka_partition": "3"}),
                Value::Null,
            ),
        ])
        .expect("valid");
        assert_eq!(ok[0].offset, Some(7));
        assert_eq!(ok[1].partition, 3);
        assert_eq!(ok[1].offset, None);
        let cases = [
            (
                Value::Null,
                json!({"kafka_offset": 1}),
                "cannot be null or missing",
            ),
            (
                json!({"kafka_topic": "t"}),
                json!({"kafka_offset": 1}),
                "must contain the keys",
            ),
            (
                json!({"kafka_topic": null, "kafka_partition": 0}),
                json!({"kafka_offset": 1}),
                "Kafka topic names must be valid strings and may not be null",
            ),
            (
                json!({"kafka_topic": "t", "kafka_partition": null}),
                json!({"kafka_offset": 1}),
                "Kafka partitions must be valid numbers and may not be null",
            ),
            (
                json!({"kafka_topic": "t", "kafka_partition": "x"}),
                json!({"kafka_offset": 1}),
                "Failed to parse the following Kafka partition value in the provided offsets: 'x'. Partition values for sink connectors need to be integers.",
            ),
            (
                json!({"kafka_topic": "t", "kafka_partition": 0}),
                json!({"other": 1}),
                "should either be null or contain the key 'kafka_offset'",
            ),
            (
                json!({"kafka_topic": "t", "kafka_partition": 0}),
                json!({"kafka_offset": "x"}),
                "Failed to parse the following Kafka offset value in the provided offsets: 'x'. Offset values for sink connectors need to be integers.",
            ),
        ];
        for (partition, offset, expected) in cases {
            let error = sink_offsets(&[entry(partition, offset)]).expect_err("invalid");
            assert_eq!(error.status_code(), 400);
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn source_offsets_need_object_partitions() {
        let pairs = source_pairs(&[
            entry(json!({"f": "a"}), json!({"pos": 1})),
            entry(json!({"f": "b"}), Value::Null),
        ])
        .expect("valid");
        assert_eq!(
            pairs[0],
            (r#"{"f":"a"}"#.to_string(), Some(r#"{"pos":1}"#.to_string()))
        );
        assert_eq!(pairs[1].1, None);
        assert!(source_pairs(&[entry(Value::Null, json!({}))]).is_err());
        assert!(source_pairs(&[entry(json!({}), json!(5))]).is_err());
    }
}
