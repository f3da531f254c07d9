//! Where a failed record goes: the error log (`errors.log.*`, Kafka's `LogReporter`)
//! and the dead letter queue (`errors.deadletterqueue.*`, Kafka's
//! `DeadLetterQueueReporter`, with its exact context headers). Kafka Connect has a
//! dead letter queue only for sinks; Ferry gives sources one too.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};

use super::{DlqPolicy, ErrorPolicy, StageFailure};
use crate::config::WorkerConfig;
use crate::util::lock;

/// Kafka's `DeadLetterQueueReporter` header names.
pub const HEADER_PREFIX: &str = "__connect.errors.";
pub const ORIG_TOPIC: &str = "__connect.errors.topic";
pub const ORIG_PARTITION: &str = "__connect.errors.partition";
pub const ORIG_OFFSET: &str = "__connect.errors.offset";
pub const CONNECTOR_NAME: &str = "__connect.errors.connector.name";
pub const TASK_ID: &str = "__connect.errors.task.id";
pub const STAGE: &str = "__connect.errors.stage";
pub const EXECUTING_CLASS: &str = "__connect.errors.class.name";
pub const EXCEPTION: &str = "__connect.errors.exception.class.name";
pub const EXCEPTION_MESSAGE: &str = "__connect.errors.exception.message";
pub const EXCEPTION_STACK_TRACE: &str = "__connect.errors.exception.stacktrace";
/// Ferry's source dead letter queue: the record's source partition and offset (JSON).
pub const SOURCE_PARTITION: &str = "__connect.errors.source.partition";
pub const SOURCE_OFFSET: &str = "__connect.errors.source.offset";
/// Ferry's source dead letter queue: set to `cbor` when the key or value could not
/// be converted and is written in Ferry's own encoding of the Connect value instead.
pub const PAYLOAD_ENCODING: &str = "__connect.errors.ferry.payload.encoding";

pub type Headers = Vec<(String, Option<Vec<u8>>)>;

/// A record as it was before the failing stage: for a sink, exactly as consumed;
/// for a source, as polled (key and value serialized if the converters could).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OriginalRecord {
    pub topic: String,
    pub partition: i32,
    /// Kafka offset of a consumed record; -1 for a source record.
    pub offset: i64,
    /// Milliseconds since epoch, or -1.
    pub timestamp: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Headers,
    /// A source record's source partition and offset (JSON).
    pub source: Option<(String, String)>,
    /// A source record whose key or value is in Ferry's CBOR encoding.
    pub cbor_payload: bool,
}

impl OriginalRecord {
    fn is_source(&self) -> bool {
        self.offset < 0
    }
}

/// Kafka's `LogReporter` line: "Error encountered in task <connector>-<task>.
/// Executing stage '<STAGE>' with class '<class>'[, where consumed record is {…}]."
pub fn log_message(
    task: &str,
    failure: &StageFailure,
    record: &OriginalRecord,
    include_record: bool,
) -> String {
    let mut text = format!(
        "Error encountered in task {task}. Executing stage '{}' with class '{}'",
        failure.stage.name(),
        failure.class
    );
    if include_record {
        if record.is_source() {
            text.push_str(&format!(
                ", where source record is = SourceRecord{{sourcePartition={}, sourceOffset={}}} \
                 ConnectRecord{{topic='{}', kafkaPartition={}, key={}, value={}, timestamp={}, headers={}}}",
                record.source.as_ref().map_or("null", |s| s.0.as_str()),
                record.source.as_ref().map_or("null", |s| s.1.as_str()),
                record.topic,
                partition_text(record.partition),
                bytes_text(&record.key),
                bytes_text(&record.value),
                timestamp_text(record.timestamp),
                headers_text(&record.headers),
            ));
        } else {
            text.push_str(&format!(
                ", where consumed record is {{topic='{}', partition={}, offset={}",
                record.topic, record.partition, record.offset
            ));
            if record.timestamp >= 0 {
                text.push_str(&format!(
                    ", timestamp={}, timestampType=CreateTime",
                    record.timestamp
                ));
            }
            text.push('}');
        }
    }
    text.push('.');
    text
}

fn partition_text(partition: i32) -> String {
    if partition < 0 {
        "null".into()
    } else {
        partition.to_string()
    }
}

fn timestamp_text(timestamp: i64) -> String {
    if timestamp < 0 {
        "null".into()
    } else {
        timestamp.to_string()
    }
}

fn bytes_text(bytes: &Option<Vec<u8>>) -> String {
    match bytes {
        None => "null".into(),
        Some(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

fn headers_text(headers: &Headers) -> String {
    let inner: Vec<String> = headers
        .iter()
        .map(|(k, v)| format!("{k}={}", bytes_text(v)))
        .collect();
    format!("ConnectHeaders(headers={})", inner.join(", "))
}

/// The headers of a dead-lettered record: the original ones, then (when
/// `errors.deadletterqueue.context.headers.enable`) Kafka's context headers, each
/// value the UTF-8 of its string form.
pub fn dlq_headers(
    record: &OriginalRecord,
    failure: &StageFailure,
    connector: &str,
    task: u32,
    context_headers: bool,
) -> Headers {
    let mut headers = record.headers.clone();
    if !context_headers {
        return headers;
    }
    let mut add =
        |key: &str, value: String| headers.push((key.to_string(), Some(value.into_bytes())));
    add(ORIG_TOPIC, record.topic.clone());
    add(ORIG_PARTITION, record.partition.to_string());
    add(ORIG_OFFSET, record.offset.to_string());
    add(CONNECTOR_NAME, connector.to_string());
    add(TASK_ID, task.to_string());
    add(STAGE, failure.stage.name().to_string());
    add(EXECUTING_CLASS, failure.class.clone());
    add(EXCEPTION, failure.exception_class().to_string());
    add(EXCEPTION_MESSAGE, failure.message());
    add(EXCEPTION_STACK_TRACE, failure.stacktrace());
    if let Some((partition, offset)) = &record.source {
        add(SOURCE_PARTITION, partition.clone());
        add(SOURCE_OFFSET, offset.clone());
    }
    if record.cbor_payload {
        add(PAYLOAD_ENCODING, "cbor".to_string());
    }
    headers
}

/// Delivery failures of the dead letter queue producer.
struct DlqDelivery {
    failure: Arc<Mutex<Option<String>>>,
}

impl ClientContext for DlqDelivery {}

impl ProducerContext for DlqDelivery {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((error, _)) = result {
            let mut failure = lock(&self.failure);
            if failure.is_none() {
                *failure = Some(format!(
                    "Could not produce message to dead letter queue: {error}"
                ));
            }
        }
    }
}

/// The dead letter queue producer of one task.
pub struct DeadLetterQueue {
    policy: DlqPolicy,
    producer: ThreadedProducer<DlqDelivery>,
    failure: Arc<Mutex<Option<String>>>,
}

/// Kafka's `DLQ_NUM_DESIRED_PARTITIONS`.
const DLQ_PARTITIONS: i32 = 1;

impl DeadLetterQueue {
    /// Creates the topic if it is missing (one partition, the configured replication
    /// factor, as Kafka does) and the producer that writes to it.
    pub fn open(
        worker: &WorkerConfig,
        connector_props: &std::collections::BTreeMap<String, String>,
        policy: &DlqPolicy,
        label: &str,
    ) -> Result<Self, String> {
        let admin: rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext> =
            crate::kafka::admin_config(worker)
                .create()
                .map_err(|e| format!("cannot create the dead letter queue admin client: {e}"))?;
        if crate::kafka::create_topic_if_missing(
            &admin,
            &policy.topic,
            DLQ_PARTITIONS,
            policy.replication_factor,
            &Default::default(),
        )
        .map_err(|e| {
            format!(
                "cannot create the dead letter queue topic '{}': {e}",
                policy.topic
            )
        })? {
            tracing::info!(topic = %policy.topic, "created the dead letter queue topic");
        }
        let failure = Arc::new(Mutex::new(None));
        let producer = crate::kafka::producer_config(
            worker,
            connector_props,
            &format!("connector-dlq-producer-{label}"),
        )
        .create_with_context(DlqDelivery {
            failure: failure.clone(),
        })
        .map_err(|e| format!("cannot create the dead letter queue producer: {e}"))?;
        Ok(Self {
            policy: policy.clone(),
            producer,
            failure,
        })
    }

    /// Queues `record` for the dead letter queue.
    pub fn send(
        &self,
        record: &OriginalRecord,
        failure: &StageFailure,
        connector: &str,
        task: u32,
    ) -> Result<(), String> {
        let headers = dlq_headers(
            record,
            failure,
            connector,
            task,
            self.policy.context_headers,
        );
        let mut owned = OwnedHeaders::new_with_capacity(headers.len());
        for (key, value) in &headers {
            owned = owned.insert(Header {
                key,
                value: value.as_deref(),
            });
        }
        let timestamp = if record.timestamp >= 0 {
            record.timestamp
        } else {
            now_millis()
        };
        let mut out: BaseRecord<'_, [u8], [u8], ()> =
            BaseRecord::with_opaque_to(&self.policy.topic, ())
                .timestamp(timestamp)
                .headers(owned);
        if let Some(key) = &record.key {
            out = out.key(key.as_slice());
        }
        if let Some(value) = &record.value {
            out = out.payload(value.as_slice());
        }
        loop {
            match self.producer.send(out) {
                Ok(()) => return Ok(()),
                Err((
                    rdkafka::error::KafkaError::MessageProduction(
                        rdkafka::error::RDKafkaErrorCode::QueueFull,
                    ),
                    back,
                )) => {
                    out = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((error, _)) => {
                    return Err(format!(
                        "Could not produce message to dead letter queue. topic={}: {error}",
                        self.policy.topic
                    ));
                }
            }
        }
    }

    /// Waits until every queued record is acknowledged: called before the offsets of
    /// the records it replaces are committed, so a dead-lettered record is never lost.
    pub fn flush(&self) -> Result<(), String> {
        self.producer
            .flush(Duration::from_secs(30))
            .map_err(|e| format!("dead letter queue producer did not flush: {e}"))?;
        match lock(&self.failure).take() {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Sends each failed record to the log and the dead letter queue, as configured.
pub struct Reporter {
    policy: ErrorPolicy,
    connector: String,
    task: u32,
    dlq: Option<DeadLetterQueue>,
}

impl Reporter {
    pub fn new(
        policy: ErrorPolicy,
        connector: &str,
        task: u32,
        dlq: Option<DeadLetterQueue>,
    ) -> Self {
        Self {
            policy,
            connector: connector.to_string(),
            task,
            dlq,
        }
    }

    pub fn policy(&self) -> &ErrorPolicy {
        &self.policy
    }

    /// Reports one failed record; an error means the dead letter queue refused it.
    pub fn report(&self, record: &OriginalRecord, failure: &StageFailure) -> Result<bool, String> {
        if self.policy.log {
            let task = format!("{}-{}", self.connector, self.task);
            tracing::error!(
                "{}\n{}",
                log_message(&task, failure, record, self.policy.log_messages),
                failure.stacktrace()
            );
        }
        match &self.dlq {
            Some(dlq) => dlq
                .send(record, failure, &self.connector, self.task)
                .map(|()| true),
            None => Ok(false),
        }
    }

    /// Waits for the dead letter queue's acknowledgements (see [`DeadLetterQueue::flush`]).
    pub fn flush(&self) -> Result<(), String> {
        match &self.dlq {
            Some(dlq) => dlq.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Stage;
    use super::*;
    use crate::plugin::CallError;

    fn consumed() -> OriginalRecord {
        OriginalRecord {
            topic: "orders".into(),
            partition: 2,
            offset: 41,
            timestamp: 1_700_000_000_000,
            key: Some(b"k".to_vec()),
            value: Some(b"{bad".to_vec()),
            headers: vec![("trace".into(), Some(b"abc".to_vec()))],
            source: None,
            cbor_payload: false,
        }
    }

    fn failure() -> StageFailure {
        StageFailure::new(
            Stage::ValueConverter,
            "org.apache.kafka.connect.json.JsonConverter",
            "value.converter (json-converter)",
            CallError::Fatal("Converting byte[] to Kafka Connect data failed".into()),
        )
    }

    fn text(headers: &Headers, key: &str) -> Option<String> {
        headers
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_ref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    #[test]
    fn context_headers_are_kafkas() {
        let headers = dlq_headers(&consumed(), &failure(), "sink", 3, true);
        assert_eq!(headers[0], ("trace".into(), Some(b"abc".to_vec())));
        let names: Vec<&str> = headers[1..].iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                ORIG_TOPIC,
                ORIG_PARTITION,
                ORIG_OFFSET,
                CONNECTOR_NAME,
                TASK_ID,
                STAGE,
                EXECUTING_CLASS,
                EXCEPTION,
                EXCEPTION_MESSAGE,
                EXCEPTION_STACK_TRACE
            ]
        );
        assert_eq!(text(&headers, ORIG_TOPIC).as_deref(), Some("orders"));
        assert_eq!(text(&headers, ORIG_PARTITION).as_deref(), Some("2"));
        assert_eq!(text(&headers, ORIG_OFFSET).as_deref(), Some("41"));
        assert_eq!(text(&headers, TASK_ID).as_deref(), Some("3"));
        assert_eq!(text(&headers, STAGE).as_deref(), Some("VALUE_CONVERTER"));
        assert_eq!(
            text(&headers, EXCEPTION).as_deref(),
            Some("org.apache.kafka.connect.errors.DataException")
        );
        assert!(text(&headers, EXCEPTION_STACK_TRACE).is_some_and(|t| {
            t.starts_with("org.apache.kafka.connect.errors.DataException: Converting")
        }));
    }

    #[test]
    fn without_context_headers_only_the_originals_remain() {
        assert_eq!(
            dlq_headers(&consumed(), &failure(), "sink", 0, false),
            consumed().headers
        );
    }

    #[test]
    fn log_line_is_kafkas() {
        let line = log_message("sink-0", &failure(), &consumed(), false);
        assert_eq!(
            line,
            "Error encountered in task sink-0. Executing stage 'VALUE_CONVERTER' with class \
             'org.apache.kafka.connect.json.JsonConverter'."
        );
        let line = log_message("sink-0", &failure(), &consumed(), true);
        assert!(line.ends_with(
            ", where consumed record is {topic='orders', partition=2, offset=41, \
             timestamp=1700000000000, timestampType=CreateTime}."
        ));
    }

    #[test]
    fn source_records_carry_their_source_position() {
        let record = OriginalRecord {
            topic: "out".into(),
            partition: -1,
            offset: -1,
            timestamp: -1,
            source: Some(("{\"f\":1}".into(), "{\"p\":9}".into())),
            cbor_payload: true,
            ..OriginalRecord::default()
        };
        let headers = dlq_headers(&record, &failure(), "src", 0, true);
        assert_eq!(
            text(&headers, SOURCE_PARTITION).as_deref(),
            Some("{\"f\":1}")
        );
        assert_eq!(text(&headers, SOURCE_OFFSET).as_deref(), Some("{\"p\":9}"));
        assert_eq!(text(&headers, PAYLOAD_ENCODING).as_deref(), Some("cbor"));
        assert_eq!(text(&headers, ORIG_PARTITION).as_deref(), Some("-1"));
    }
}
