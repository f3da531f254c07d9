//! Kafka Connect's `KafkaBasedLog`: a compacted topic read from the beginning by a
//! consumer that owns every partition, written by an acks=all producer. The three
//! internal-topic stores (configs, statuses, offsets) are built on it.
//!
//! Everything here blocks the calling thread; async callers use `spawn_blocking`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, mpsc};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use crate::config::WorkerConfig;
use crate::kafka::{admin_config, block_on, consumer_config, producer_config};

/// Kafka Connect's `READ_WRITE_TOTAL_TIMEOUT_MS`: how long a read to the end or an
/// acknowledged write may take before the caller gets an error.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one consumer poll waits before progress is re-checked.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Why an internal topic could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot create the Kafka {kind} client for topic '{topic}': {source}")]
    Client {
        topic: String,
        kind: &'static str,
        source: KafkaError,
    },
    #[error("cannot create topic '{topic}': {reason}")]
    CreateTopic { topic: String, reason: String },
    /// The topic exists but must not be used; the message is Kafka Connect's.
    #[error("{0}")]
    Unusable(String),
    #[error("cannot read metadata of topic '{topic}': {reason}")]
    Metadata { topic: String, reason: String },
    #[error("cannot write '{key}' to topic '{topic}': {reason}")]
    Send {
        topic: String,
        key: String,
        reason: String,
    },
    #[error("cannot read topic '{topic}': {reason}")]
    Read { topic: String, reason: String },
    #[error("timed out after {after:?} {what} topic '{topic}'")]
    Timeout {
        topic: String,
        what: &'static str,
        after: Duration,
    },
}

/// One record read back from the topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

/// Which internal topic a log is: names the worker property and the purpose in
/// Kafka Connect's error messages, and gives Kafka Connect's client id suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogRole {
    Config,
    Offsets,
    Status,
}

impl LogRole {
    /// The worker property that names the topic.
    pub fn property(self) -> &'static str {
        match self {
            LogRole::Config => "config.storage.topic",
            LogRole::Offsets => "offset.storage.topic",
            LogRole::Status => "status.storage.topic",
        }
    }

    /// What the topic holds (`getTopicPurpose()` in Kafka Connect).
    pub fn purpose(self) -> &'static str {
        match self {
            LogRole::Config => "connector configurations",
            LogRole::Offsets => "source connector offsets",
            LogRole::Status => "connector and task statuses",
        }
    }

    fn client_suffix(self) -> &'static str {
        match self {
            LogRole::Config => "configs",
            LogRole::Offsets => "offsets",
            LogRole::Status => "statuses",
        }
    }

    /// The role whose worker property names `topic`, if any.
    fn of_topic(worker: &WorkerConfig, topic: &str) -> Option<LogRole> {
        [LogRole::Config, LogRole::Offsets, LogRole::Status]
            .into_iter()
            .find(|role| worker.props.get(role.property()).map(String::as_str) == Some(topic))
    }
}

/// A compacted internal topic: acknowledged writes, reads to the end.
pub struct KafkaLog {
    topic: String,
    /// Replaced only when idempotence turns out to be unsupported.
    producer: RwLock<Arc<ThreadedProducer<AckContext>>>,
    producer_config: ClientConfig,
    /// Whether idempotence was our default rather than the user's choice, so it may
    /// be dropped for a broker that cannot do it.
    auto_idempotence: AtomicBool,
    reader: Mutex<Reader>,
    partitions: Vec<i32>,
    timeout: Duration,
}

/// The consumer and how far it has read each partition.
struct Reader {
    consumer: BaseConsumer,
    /// Offset after the last record handed out, per partition.
    next: HashMap<i32, i64>,
}

impl KafkaLog {
    /// Opens `topic` for `worker`, creating it compacted if missing. The topic's role
    /// (for error messages) is found from the worker's `*.storage.topic` properties.
    pub fn open(
        worker: &WorkerConfig,
        topic: &str,
        partitions: i32,
        replication_factor: i16,
    ) -> Result<KafkaLog, LogError> {
        let role = LogRole::of_topic(worker, topic).unwrap_or(LogRole::Config);
        Self::open_as(worker, role, topic, partitions, replication_factor)
    }

    /// Opens `topic` as the internal topic `role`: creates it with
    /// `cleanup.policy=compact` if missing, refuses an existing topic that is not
    /// compact-only, and assigns a consumer to every partition from the beginning.
    pub fn open_as(
        worker: &WorkerConfig,
        role: LogRole,
        topic: &str,
        partitions: i32,
        replication_factor: i16,
    ) -> Result<KafkaLog, LogError> {
        let client_id = client_id(worker, role);
        let mut admin_cfg = admin_config(worker);
        admin_cfg.set("client.id", &client_id);
        let admin: AdminClient<DefaultClientContext> =
            admin_cfg.create().map_err(|source| LogError::Client {
                topic: topic.to_string(),
                kind: "admin",
                source,
            })?;
        let created = create_topic(&admin, topic, partitions, replication_factor)?;
        if !created {
            verify_compact_only(&admin, topic, role)?;
        }
        drop(admin);

        let consumer: BaseConsumer =
            reader_config(worker, role, &client_id)
                .create()
                .map_err(|source| LogError::Client {
                    topic: topic.to_string(),
                    kind: "consumer",
                    source,
                })?;
        let partition_ids = wait_for_partitions(&consumer, topic, DEFAULT_TIMEOUT)?;
        let mut assignment = TopicPartitionList::new();
        for p in &partition_ids {
            assignment
                .add_partition_offset(topic, *p, Offset::Beginning)
                .map_err(|e| LogError::Read {
                    topic: topic.to_string(),
                    reason: e.to_string(),
                })?;
        }
        consumer.assign(&assignment).map_err(|e| LogError::Read {
            topic: topic.to_string(),
            reason: format!("cannot assign its partitions: {e}"),
        })?;

        let (producer_cfg, auto_idempotence) = writer_config(worker, &client_id);
        let producer = create_producer(topic, &producer_cfg)?;
        tracing::info!(
            topic,
            partitions = partition_ids.len(),
            purpose = role.purpose(),
            created,
            "opened internal topic"
        );
        Ok(KafkaLog {
            topic: topic.to_string(),
            producer: RwLock::new(Arc::new(producer)),
            producer_config: producer_cfg,
            auto_idempotence: AtomicBool::new(auto_idempotence),
            reader: Mutex::new(Reader {
                consumer,
                next: partition_ids.iter().map(|p| (*p, 0)).collect(),
            }),
            partitions: partition_ids,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The topic's name.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// How many partitions the topic had when it was opened.
    pub fn partition_count(&self) -> usize {
        self.partitions.len()
    }

    /// Writes one record (`None` = tombstone) and waits until the broker acked it.
    pub fn send(&self, key: &str, value: Option<&[u8]>) -> Result<(), LogError> {
        self.send_all(&[(key, value)])
    }

    /// Writes records in order and waits until every one is acked. Records with the
    /// same key land in the same partition (murmur2, as Java's producer), so their
    /// order holds.
    pub fn send_all(&self, records: &[(&str, Option<&[u8]>)]) -> Result<(), LogError> {
        match self.send_once(records) {
            Err(SendFailure::IdempotenceUnsupported(reason)) => {
                self.drop_idempotence(&reason)?;
                self.send_once(records)
                    .map_err(|f| f.into_error(self, records))
            }
            other => other.map_err(|f| f.into_error(self, records)),
        }
    }

    fn send_once(&self, records: &[(&str, Option<&[u8]>)]) -> Result<(), SendFailure> {
        if records.is_empty() {
            return Ok(());
        }
        let producer = match self.producer.read() {
            Ok(p) => Arc::clone(&p),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        };
        let deadline = Instant::now() + self.timeout;
        let (tx, rx) = mpsc::channel();
        for (index, (key, value)) in records.iter().enumerate() {
            let opaque = Box::new(Ack {
                index,
                tx: tx.clone(),
            });
            let mut record =
                BaseRecord::<str, [u8], Box<Ack>>::with_opaque_to(&self.topic, opaque).key(*key);
            if let Some(v) = value {
                record = record.payload(*v);
            }
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        if Instant::now() >= deadline {
                            return Err(SendFailure::Timeout);
                        }
                        record = back;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err((e, _)) => return Err(self.classify(&producer, index, e.to_string())),
                }
            }
        }
        drop(tx);
        let mut pending = records.len();
        while pending > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((_, Ok(()))) => pending -= 1,
                Ok((index, Err(reason))) => return Err(self.classify(&producer, index, reason)),
                Err(mpsc::RecvTimeoutError::Timeout) => return Err(SendFailure::Timeout),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(SendFailure::Failed(
                        0,
                        "the producer dropped a delivery report".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Tells a broker that cannot do idempotent writes from any other failure.
    fn classify(
        &self,
        producer: &ThreadedProducer<AckContext>,
        index: usize,
        reason: String,
    ) -> SendFailure {
        if self.auto_idempotence.load(Ordering::Relaxed)
            && let Some((code, text)) = producer.client().fatal_error()
            && matches!(
                code,
                RDKafkaErrorCode::UnsupportedFeature
                    | RDKafkaErrorCode::ClusterAuthorizationFailed
                    | RDKafkaErrorCode::UnsupportedVersion
            )
        {
            return SendFailure::IdempotenceUnsupported(text);
        }
        SendFailure::Failed(index, reason)
    }

    /// Rebuilds the producer without idempotence (Kafka Connect's own default).
    fn drop_idempotence(&self, reason: &str) -> Result<(), LogError> {
        tracing::warn!(
            topic = %self.topic,
            reason,
            "the broker cannot take idempotent writes; writing without idempotence"
        );
        self.auto_idempotence.store(false, Ordering::Relaxed);
        let mut config = self.producer_config.clone();
        config.set("enable.idempotence", "false");
        let producer = create_producer(&self.topic, &config)?;
        match self.producer.write() {
            Ok(mut p) => *p = Arc::new(producer),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(producer),
        }
        Ok(())
    }

    /// Hands every record from where the last call stopped up to the end offsets
    /// taken now to `apply`, in order per partition. Errors after the timeout.
    pub fn read_to_end(&self, apply: &mut dyn FnMut(LogRecord)) -> Result<(), LogError> {
        let mut guard = self.lock_reader();
        let reader = &mut *guard;
        let deadline = Instant::now() + self.timeout;
        let ends = self.end_offsets(&reader.consumer, deadline)?;
        let mut warned = false;
        // Partitions whose log start is at or past the end: nothing left to read.
        let mut empty_checked: HashMap<i32, bool> = HashMap::new();
        loop {
            let pending: Vec<i32> = ends
                .iter()
                .filter(|(p, end)| reader.next.get(p).copied().unwrap_or(0) < **end)
                .map(|(p, _)| *p)
                .collect();
            if pending.is_empty() {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(LogError::Timeout {
                    topic: self.topic.clone(),
                    what: "reading to the end of",
                    after: self.timeout,
                });
            }
            match reader.consumer.poll(POLL_INTERVAL.min(deadline - now)) {
                Some(Ok(message)) => {
                    let partition = message.partition();
                    let offset = message.offset();
                    let next = reader.next.entry(partition).or_insert(0);
                    *next = (*next).max(offset + 1);
                    apply(LogRecord {
                        partition,
                        offset,
                        key: message.key().map(<[u8]>::to_vec),
                        value: message.payload().map(<[u8]>::to_vec),
                    });
                }
                Some(Err(KafkaError::PartitionEOF(_))) => {}
                Some(Err(e @ KafkaError::MessageConsumptionFatal(_))) => {
                    return Err(LogError::Read {
                        topic: self.topic.clone(),
                        reason: e.to_string(),
                    });
                }
                Some(Err(e)) => {
                    // Transport errors repeat while a broker is away: say it once.
                    if warned {
                        tracing::debug!(topic = %self.topic, error = %e, "error reading internal topic; retrying");
                    } else {
                        tracing::warn!(topic = %self.topic, error = %e, "error reading internal topic; retrying");
                        warned = true;
                    }
                }
                None => {
                    // Idle: the position also moves past control records and
                    // compacted-away tails that no message reports.
                    if let Ok(positions) = reader.consumer.position() {
                        for elem in positions.elements_for_topic(&self.topic) {
                            if let Offset::Offset(pos) = elem.offset() {
                                let next = reader.next.entry(elem.partition()).or_insert(0);
                                *next = (*next).max(pos);
                            }
                        }
                    }
                    for p in pending {
                        if reader.next.get(&p).copied().unwrap_or(0) != 0 {
                            continue;
                        }
                        let empty = *empty_checked.entry(p).or_insert_with(|| {
                            reader
                                .consumer
                                .fetch_watermarks(&self.topic, p, Duration::from_secs(5))
                                .is_ok_and(|(low, high)| low >= high)
                        });
                        if empty && let Some(end) = ends.get(&p) {
                            reader.next.insert(p, *end);
                        }
                    }
                }
            }
        }
    }

    /// The end offset (high watermark) of every partition, now.
    fn end_offsets(
        &self,
        consumer: &BaseConsumer,
        deadline: Instant,
    ) -> Result<HashMap<i32, i64>, LogError> {
        let timeout = || {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                Err(LogError::Timeout {
                    topic: self.topic.clone(),
                    what: "asking for the end offsets of",
                    after: self.timeout,
                })
            } else {
                Ok(left)
            }
        };
        let mut query = TopicPartitionList::new();
        for p in &self.partitions {
            query
                .add_partition_offset(&self.topic, *p, Offset::End)
                .map_err(|e| self.read_error(e))?;
        }
        let mut ends = HashMap::new();
        match consumer.offsets_for_times(query, timeout()?) {
            Ok(answer) => {
                for elem in answer.elements_for_topic(&self.topic) {
                    if let Offset::Offset(end) = elem.offset() {
                        ends.insert(elem.partition(), end);
                    }
                }
            }
            Err(e) => {
                tracing::debug!(topic = %self.topic, error = %e, "batched end offsets failed; asking per partition");
            }
        }
        for p in &self.partitions {
            if !ends.contains_key(p) {
                let (_, high) = consumer
                    .fetch_watermarks(&self.topic, *p, timeout()?)
                    .map_err(|e| self.read_error(e))?;
                ends.insert(*p, high);
            }
        }
        Ok(ends)
    }

    fn read_error(&self, e: KafkaError) -> LogError {
        LogError::Read {
            topic: self.topic.clone(),
            reason: e.to_string(),
        }
    }

    fn lock_reader(&self) -> MutexGuard<'_, Reader> {
        crate::util::lock(&self.reader)
    }
}

/// Kafka Connect's client ids: `<group.id or "connect">[-<client.id>]-<suffix>`.
fn client_id(worker: &WorkerConfig, role: LogRole) -> String {
    let mut base = worker
        .props
        .get("group.id")
        .filter(|g| !g.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| "connect".to_string());
    if let Some(id) = worker
        .props
        .get("client.id")
        .filter(|c| !c.trim().is_empty())
    {
        base.push('-');
        base.push_str(id);
    }
    format!("{base}-{}", role.client_suffix())
}

/// Producer settings: the worker's `producer.*` over Connect's defaults, then what
/// the log's correctness rests on. Returns whether idempotence is our default.
fn writer_config(worker: &WorkerConfig, client_id: &str) -> (ClientConfig, bool) {
    let mut config = producer_config(worker, &Default::default(), client_id);
    // Every write is awaited: it must survive the loss of a broker.
    config.set("acks", "all");
    // Java's default partitioner: a key lands where Kafka Connect put it.
    config.set("partitioner", "murmur2_random");
    let auto_idempotence = config.get("enable.idempotence").is_none();
    if auto_idempotence {
        config.set("enable.idempotence", "true");
    }
    (config, auto_idempotence)
}

/// Consumer settings: assign-only, never commits, reads uncommitted like Java's
/// default (so an open transaction elsewhere cannot stall a read to the end).
fn reader_config(worker: &WorkerConfig, role: LogRole, client_id: &str) -> ClientConfig {
    let mut config = consumer_config(
        worker,
        &Default::default(),
        role.client_suffix(),
        0,
        client_id,
    );
    // librdkafka needs a group id to assign partitions; the log never joins it.
    config.remove("group.instance.id");
    config.set("group.id", format!("{client_id}-reader"));
    config.set("enable.auto.commit", "false");
    config.set("enable.auto.offset.store", "false");
    if worker.exactly_once_source.enabled() && matches!(role, LogRole::Offsets | LogRole::Config) {
        // Kafka forces this with exactly-once source support: offsets of an aborted
        // transaction must never be read back.
        config.set("isolation.level", "read_committed");
    } else if config.get("isolation.level").is_none() {
        config.set("isolation.level", "read_uncommitted");
    }
    // A read to the end waits on the fetch in flight: with librdkafka's default
    // long poll (500 ms) every config change, leader assignment and task start paid
    // about half a second per read (measured: connector create → tasks running 7.6 s
    // on a 3-worker cluster; 1.9 s with 50 ms). Idle, it costs 20 small fetches a
    // second per internal topic.
    if config.get("fetch.wait.max.ms").is_none() {
        config.set("fetch.wait.max.ms", "50");
    }
    config
}

fn create_producer(
    topic: &str,
    config: &ClientConfig,
) -> Result<ThreadedProducer<AckContext>, LogError> {
    config
        .create_with_context(AckContext)
        .map_err(|source| LogError::Client {
            topic: topic.to_string(),
            kind: "producer",
            source,
        })
}

/// Creates the topic compacted; `Ok(false)` when it already existed.
fn create_topic(
    admin: &AdminClient<DefaultClientContext>,
    topic: &str,
    partitions: i32,
    replication_factor: i16,
) -> Result<bool, LogError> {
    let new = NewTopic::new(
        topic,
        partitions,
        TopicReplication::Fixed(i32::from(replication_factor)),
    )
    .set("cleanup.policy", "compact");
    let options = AdminOptions::new()
        .operation_timeout(Some(DEFAULT_TIMEOUT))
        .request_timeout(Some(DEFAULT_TIMEOUT));
    let error = |reason: String| LogError::CreateTopic {
        topic: topic.to_string(),
        reason,
    };
    let results = block_on(admin.create_topics([&new], &options), DEFAULT_TIMEOUT)
        .ok_or_else(|| error(format!("no answer within {DEFAULT_TIMEOUT:?}")))?
        .map_err(|e| error(e.to_string()))?;
    let mut created = false;
    for result in results {
        match result {
            Ok(_) => created = true,
            // Another worker won the race, or it was there all along.
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(error(format!("the broker answered {code}"))),
        }
    }
    if created {
        tracing::info!(
            topic,
            partitions,
            replication_factor,
            "created compacted internal topic"
        );
    }
    Ok(created)
}

/// Kafka Connect's `TopicAdmin.verifyTopicCleanupPolicyOnlyCompact`: refuses a topic
/// whose `cleanup.policy` is anything but exactly `compact`. When the broker cannot
/// say, warns and goes on, as Kafka Connect does.
fn verify_compact_only(
    admin: &AdminClient<DefaultClientContext>,
    topic: &str,
    role: LogRole,
) -> Result<(), LogError> {
    let options = AdminOptions::new().request_timeout(Some(DEFAULT_TIMEOUT));
    let resource = ResourceSpecifier::Topic(topic);
    let policies = match block_on(
        admin.describe_configs([&resource], &options),
        DEFAULT_TIMEOUT,
    ) {
        Some(Ok(results)) => match results.into_iter().next() {
            Some(Ok(config)) => config
                .get("cleanup.policy")
                .and_then(|entry| entry.value.clone())
                .map(|value| parse_policies(&value))
                .unwrap_or_default(),
            Some(Err(code)) => {
                tracing::debug!(topic, %code, "describe configs failed for topic");
                Vec::new()
            }
            None => Vec::new(),
        },
        Some(Err(e)) => {
            tracing::debug!(topic, error = %e, "describe configs failed");
            Vec::new()
        }
        None => Vec::new(),
    };
    check_policies(topic, role, &policies)
}

/// `cleanup.policy` as a set: comma-separated, trimmed, lower-cased, deduplicated.
fn parse_policies(value: &str) -> Vec<String> {
    let mut policies: Vec<String> = value
        .split(',')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    policies.sort();
    policies.dedup();
    policies
}

fn check_policies(topic: &str, role: LogRole, policies: &[String]) -> Result<(), LogError> {
    if policies.is_empty() {
        tracing::warn!(
            "Unable to use admin client to verify the cleanup policy of '{topic}' topic is \
             'compact', either because the broker is an older version or because the Kafka \
             principal used for Connect internal topics does not have the required permission \
             to describe topic configurations."
        );
        return Ok(());
    }
    if policies == ["compact"] {
        return Ok(());
    }
    let property = role.property();
    let purpose = role.purpose();
    let found = policies.join(",");
    Err(LogError::Unusable(format!(
        "Topic '{topic}' supplied via the '{property}' property is required to have \
         'cleanup.policy=compact' to guarantee consistency and durability of {purpose}, but \
         found the topic currently has 'cleanup.policy={found}'. Continuing would likely \
         result in eventually losing {purpose} and problems restarting this Connect cluster \
         in the future. Change the '{property}' property in the Connect worker configurations \
         to use a topic with 'cleanup.policy=compact'."
    )))
}

/// The topic's partition ids, once metadata shows it (creation is asynchronous).
fn wait_for_partitions(
    consumer: &BaseConsumer,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<i32>, LogError> {
    let deadline = Instant::now() + timeout;
    let mut last = String::from("not in metadata yet");
    loop {
        match consumer.fetch_metadata(Some(topic), Duration::from_secs(5)) {
            Ok(metadata) => {
                if let Some(t) = metadata.topics().iter().find(|t| t.name() == topic) {
                    match t.error() {
                        None if !t.partitions().is_empty() => {
                            let mut ids: Vec<i32> = t.partitions().iter().map(|p| p.id()).collect();
                            ids.sort_unstable();
                            return Ok(ids);
                        }
                        None => last = "no partitions in metadata yet".into(),
                        Some(e) => last = format!("{:?}", RDKafkaErrorCode::from(e)),
                    }
                }
            }
            Err(e) => last = e.to_string(),
        }
        if Instant::now() >= deadline {
            return Err(LogError::Metadata {
                topic: topic.to_string(),
                reason: format!("{last} after {timeout:?}"),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Why one attempt to write failed.
enum SendFailure {
    Timeout,
    Failed(usize, String),
    IdempotenceUnsupported(String),
}

impl SendFailure {
    fn into_error(self, log: &KafkaLog, records: &[(&str, Option<&[u8]>)]) -> LogError {
        let key_of = |i: usize| {
            records
                .get(i)
                .map(|(k, _)| k.to_string())
                .unwrap_or_default()
        };
        match self {
            SendFailure::Timeout => LogError::Timeout {
                topic: log.topic.clone(),
                what: "waiting for acknowledgement of writes to",
                after: log.timeout,
            },
            SendFailure::Failed(index, reason) => LogError::Send {
                topic: log.topic.clone(),
                key: key_of(index),
                reason,
            },
            SendFailure::IdempotenceUnsupported(reason) => LogError::Send {
                topic: log.topic.clone(),
                key: key_of(0),
                reason,
            },
        }
    }
}

/// Delivery report routing: which record of a batch, and where to report it.
struct Ack {
    index: usize,
    tx: mpsc::Sender<(usize, Result<(), String>)>,
}

struct AckContext;

impl ClientContext for AckContext {}

impl ProducerContext for AckContext {
    type DeliveryOpaque = Box<Ack>;

    fn delivery(&self, result: &DeliveryResult<'_>, ack: Box<Ack>) {
        let outcome = match result {
            Ok(_) => Ok(()),
            Err((e, _)) => Err(e.to_string()),
        };
        // The sender gave up waiting (timeout): nobody to tell.
        let _ = ack.tx.send((ack.index, outcome));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn worker(extra: &[(&str, &str)]) -> WorkerConfig {
        let props: BTreeMap<String, String> = [
            ("bootstrap.servers", "127.0.0.1:9092"),
            ("listeners", "http://127.0.0.1:8083"),
            ("group.id", "connect-cluster"),
        ]
        .iter()
        .chain(extra.iter())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        WorkerConfig::from_props(props).expect("valid worker config")
    }

    #[test]
    fn cleanup_policy_must_be_exactly_compact() {
        assert!(check_policies("t", LogRole::Config, &parse_policies("compact")).is_ok());
        assert!(check_policies("t", LogRole::Config, &parse_policies(" Compact ,compact")).is_ok());
        // Unknown: warn and go on, as Kafka Connect does.
        assert!(check_policies("t", LogRole::Config, &[]).is_ok());
        let err = check_policies(
            "my-configs",
            LogRole::Config,
            &parse_policies("compact,delete"),
        )
        .expect_err("compact,delete is refused");
        assert_eq!(
            err.to_string(),
            "Topic 'my-configs' supplied via the 'config.storage.topic' property is required to \
             have 'cleanup.policy=compact' to guarantee consistency and durability of connector \
             configurations, but found the topic currently has 'cleanup.policy=compact,delete'. \
             Continuing would likely result in eventually losing connector configurations and \
             problems restarting this Connect cluster in the future. Change the \
             'config.storage.topic' property in the Connect worker configurations to use a topic \
             with 'cleanup.policy=compact'."
        );
        let err = check_policies("offs", LogRole::Offsets, &parse_policies("delete"))
            .expect_err("delete is refused");
        assert!(err.to_string().contains("'offset.storage.topic'"), "{err}");
        assert!(
            err.to_string().contains("source connector offsets"),
            "{err}"
        );
    }

    #[test]
    fn clients_are_named_and_configured_like_kafka_connect() {
        let w = worker(&[
            ("client.id", "w1"),
            ("producer.linger.ms", "1"),
            ("consumer.fetch.min.bytes", "3"),
            ("config.storage.topic", "cfg"),
        ]);
        assert_eq!(client_id(&w, LogRole::Config), "connect-cluster-w1-configs");
        assert_eq!(LogRole::of_topic(&w, "cfg"), Some(LogRole::Config));
        assert_eq!(LogRole::of_topic(&w, "other"), None);

        let (producer, auto) = writer_config(&w, "id");
        assert!(auto);
        assert_eq!(producer.get("acks"), Some("all"));
        assert_eq!(producer.get("partitioner"), Some("murmur2_random"));
        assert_eq!(producer.get("enable.idempotence"), Some("true"));
        assert_eq!(producer.get("linger.ms"), Some("1"));

        let (producer, auto) =
            writer_config(&worker(&[("producer.enable.idempotence", "false")]), "id");
        assert!(!auto);
        assert_eq!(producer.get("enable.idempotence"), Some("false"));

        let consumer = reader_config(&w, LogRole::Status, "id");
        assert_eq!(consumer.get("group.instance.id"), None);
        assert_eq!(consumer.get("enable.auto.commit"), Some("false"));
        assert_eq!(consumer.get("isolation.level"), Some("read_uncommitted"));
        assert_eq!(consumer.get("fetch.min.bytes"), Some("3"));
        assert_eq!(consumer.get("fetch.wait.max.ms"), Some("50"));
        let slow = worker(&[("consumer.fetch.wait.max.ms", "500")]);
        let consumer = reader_config(&slow, LogRole::Config, "id");
        assert_eq!(consumer.get("fetch.wait.max.ms"), Some("500"));
    }

    #[test]
    fn block_on_times_out_on_a_future_that_never_completes() {
        assert_eq!(
            block_on(std::future::pending::<()>(), Duration::from_millis(20)),
            None
        );
        assert_eq!(block_on(async { 7 }, Duration::from_millis(20)), Some(7));
    }
}
