//! Exactly-once source support (KIP-618): connector keys and their validation, the
//! transaction boundary policy and a transactional producer wrapper that writes a
//! batch's records and its source offsets in one Kafka transaction.
//!
//! The source loop (`super::source`) calls this at a few points: `begin` before a
//! batch is sent, `stage_offsets` + `after_batch` once it is, `abort` on failure.
//! With exactly-once on there is no separate offset commit: offsets go to the
//! offsets topic inside the transaction, keyed as `crate::storage::kafka_offsets`
//! keys them, so records and offsets become visible (to `read_committed` readers)
//! together or not at all.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};

use crate::config::WorkerConfig;
use crate::config::distributed::{DistributedConfig, ExactlyOnceSourceSupport};
use crate::plugin::instance::OffsetReader;
use crate::storage::kafka_offsets::KafkaOffsetStore;
use crate::worker::offsets::{OffsetStore, OffsetStoreError, normalize, offset_key};
use crate::worker::task::TaskArgs;

/// Connector keys (Kafka's `SourceConnectorConfig`).
pub const EXACTLY_ONCE_SUPPORT: &str = "exactly.once.support";
pub const TRANSACTION_BOUNDARY: &str = "transaction.boundary";
pub const TRANSACTION_BOUNDARY_INTERVAL: &str = "transaction.boundary.interval.ms";
pub const OFFSETS_TOPIC: &str = "offsets.storage.topic";

/// How long transactional calls may take before the task fails.
const TXN_TIMEOUT: Duration = Duration::from_secs(60);
/// Kafka's producer default `transaction.timeout.ms`.
const DEFAULT_TRANSACTION_TIMEOUT_MS: u64 = 60_000;

/// `exactly.once.support`: whether validation must prove the connector supports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SupportLevel {
    Requested,
    Required,
}

/// `transaction.boundary` (Kafka's `SourceTask.TransactionBoundary`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionBoundary {
    /// A transaction per non-empty poll batch (the default).
    Poll,
    /// Commit every `transaction.boundary.interval.ms`.
    Interval,
    /// The task says when (`transaction-context` in the WIT).
    Connector,
}

/// Kafka's `CaseInsensitiveValidString` check: the lower-cased value or its message.
fn one_of<'a>(key: &str, value: &str, options: &[&'a str]) -> Result<&'a str, String> {
    let lower = value.trim().to_ascii_lowercase();
    options.iter().find(|o| **o == lower).copied().ok_or_else(|| {
        format!(
            "Invalid value {value} for configuration {key}: String must be one of (case insensitive): {}",
            options.join(", ")
        )
    })
}

impl SupportLevel {
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value {
            None => Ok(Self::Requested),
            Some(v) => match one_of(EXACTLY_ONCE_SUPPORT, v, &["requested", "required"])? {
                "required" => Ok(Self::Required),
                _ => Ok(Self::Requested),
            },
        }
    }
}

impl TransactionBoundary {
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value {
            None => Ok(Self::Poll),
            Some(v) => match one_of(TRANSACTION_BOUNDARY, v, &["poll", "interval", "connector"])? {
                "interval" => Ok(Self::Interval),
                "connector" => Ok(Self::Connector),
                _ => Ok(Self::Poll),
            },
        }
    }
}

/// `transaction.boundary.interval.ms`: a LONG, at least 0, or unset.
fn parse_interval(value: Option<&str>) -> Result<Option<u64>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let key = TRANSACTION_BOUNDARY_INTERVAL;
    let n: i64 = value.trim().parse().map_err(|_| {
        format!("Invalid value {value} for configuration {key}: Not a number of type LONG")
    })?;
    if n < 0 {
        return Err(format!(
            "Invalid value {n} for configuration {key}: Value must be at least 0"
        ));
    }
    Ok(Some(n as u64))
}

/// Checks the four keys' values as Kafka's `SourceConnectorConfig` does (every
/// worker, any mode): (key, message) per problem.
pub fn check_values(props: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let get = |k: &str| props.get(k).map(String::as_str);
    if let Err(e) = SupportLevel::parse(get(EXACTLY_ONCE_SUPPORT)) {
        problems.push((EXACTLY_ONCE_SUPPORT.to_string(), e));
    }
    if let Err(e) = TransactionBoundary::parse(get(TRANSACTION_BOUNDARY)) {
        problems.push((TRANSACTION_BOUNDARY.to_string(), e));
    }
    if let Err(e) = parse_interval(get(TRANSACTION_BOUNDARY_INTERVAL)) {
        problems.push((TRANSACTION_BOUNDARY_INTERVAL.to_string(), e));
    }
    if let Some(topic) = get(OFFSETS_TOPIC)
        && topic.trim().is_empty()
    {
        problems.push((
            OFFSETS_TOPIC.to_string(),
            format!(
                "Invalid value {topic} for configuration {OFFSETS_TOPIC}: String may not be empty"
            ),
        ));
    }
    problems
}

/// The distributed herder's preflight checks (Kafka's
/// `validateSourceConnectorExactlyOnceSupport` / `...TransactionBoundary`), run only
/// on keys whose values passed [`check_values`]. Ferry answers Kafka's
/// `SourceConnector.exactlyOnceSupport` with SUPPORTED for every source plugin: the
/// host owns production and offsets, and a task that resumes from `read-offsets`
/// replays exactly what was not committed. `canDefineTransactionBoundaries` is
/// SUPPORTED when the plugin imports `transaction-context`.
pub fn check_support(
    props: &BTreeMap<String, String>,
    worker: ExactlyOnceSourceSupport,
    defines_transactions: bool,
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let get = |k: &str| props.get(k).map(String::as_str);
    if SupportLevel::parse(get(EXACTLY_ONCE_SUPPORT)) == Ok(SupportLevel::Required)
        && !worker.enabled()
    {
        problems.push((
            EXACTLY_ONCE_SUPPORT.to_string(),
            "This worker does not have exactly-once source support enabled.".to_string(),
        ));
    }
    if TransactionBoundary::parse(get(TRANSACTION_BOUNDARY)) == Ok(TransactionBoundary::Connector)
        && !defines_transactions
    {
        problems.push((
            TRANSACTION_BOUNDARY.to_string(),
            "The connector does not support connector-defined transaction boundaries with the given configuration. \
             Please reconfigure it to use a different transaction boundary definition."
                .to_string(),
        ));
    }
    problems
}

/// Kafka's `Worker.taskTransactionalId`: `<group.id>-<connector>-<task>`.
pub fn transactional_id(group_id: &str, connector: &str, task: u32) -> String {
    format!("{group_id}-{connector}-{task}")
}

/// A source task's exactly-once settings, read from its connector config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSettings {
    pub boundary: TransactionBoundary,
    /// For `interval`: `transaction.boundary.interval.ms`, else `offset.flush.interval.ms`.
    pub interval: Duration,
    /// `offsets.storage.topic`, when the connector has its own offsets topic.
    pub offsets_topic: Option<String>,
}

impl TaskSettings {
    pub fn from_props(
        props: &BTreeMap<String, String>,
        flush_interval: Duration,
    ) -> Result<Self, String> {
        let get = |k: &str| props.get(k).map(String::as_str);
        Ok(Self {
            boundary: TransactionBoundary::parse(get(TRANSACTION_BOUNDARY))?,
            interval: parse_interval(get(TRANSACTION_BOUNDARY_INTERVAL))?
                .map(Duration::from_millis)
                .unwrap_or(flush_interval),
            offsets_topic: get(OFFSETS_TOPIC)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }
}

/// Producer settings of an exactly-once source task (Kafka's
/// `Worker.exactlyOnceSourceTaskProducerConfigs`): idempotent, transactional with
/// the task's id, which the user cannot override. librdkafka wants
/// `message.timeout.ms` no larger than `transaction.timeout.ms`.
pub fn producer_config(mut config: ClientConfig, transactional_id: &str) -> ClientConfig {
    config.set("enable.idempotence", "true");
    config.set("transactional.id", transactional_id);
    let txn_timeout = config
        .get("transaction.timeout.ms")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_TRANSACTION_TIMEOUT_MS);
    config.set("transaction.timeout.ms", txn_timeout.to_string());
    let message_timeout = config
        .get("message.timeout.ms")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(u64::MAX);
    if message_timeout > txn_timeout {
        config.set("message.timeout.ms", txn_timeout.to_string());
    }
    config
}

/// What to do with the open transaction after a batch was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Continue,
    Commit,
    Abort,
}

/// What the task asked through `transaction-context` during the poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskRequest {
    None,
    Commit,
    Abort,
}

impl TaskRequest {
    /// Takes what the task asked during its last poll (`PluginContext::transaction`).
    pub fn take(flag: &std::sync::atomic::AtomicU8) -> Self {
        use crate::plugin::instance::{TXN_ABORT, TXN_COMMIT, TXN_NONE};
        match flag.swap(TXN_NONE, std::sync::atomic::Ordering::SeqCst) {
            TXN_COMMIT => Self::Commit,
            TXN_ABORT => Self::Abort,
            _ => Self::None,
        }
    }
}

/// When a transaction ends (Kafka's `TransactionBoundaryManager`s).
#[derive(Clone, Debug)]
pub struct BoundaryPolicy {
    boundary: TransactionBoundary,
    interval: Duration,
    /// When the interval boundary last committed (or started).
    last: Instant,
}

impl BoundaryPolicy {
    pub fn new(boundary: TransactionBoundary, interval: Duration, now: Instant) -> Self {
        Self {
            boundary,
            interval,
            last: now,
        }
    }

    /// After a non-empty batch was sent into the open transaction.
    pub fn after_batch(&mut self, request: TaskRequest, now: Instant) -> Decision {
        match self.boundary {
            TransactionBoundary::Poll => Decision::Commit,
            TransactionBoundary::Interval => self.on_tick(now),
            TransactionBoundary::Connector => match request {
                TaskRequest::None => Decision::Continue,
                TaskRequest::Commit => Decision::Commit,
                TaskRequest::Abort => Decision::Abort,
            },
        }
    }

    /// Whether a clean stop commits the open transaction (Kafka's
    /// `maybeCommitFinalTransaction`): not when the connector draws the boundaries.
    pub fn commits_on_stop(&self) -> bool {
        self.boundary != TransactionBoundary::Connector
    }

    /// Between polls (also when idle): only the interval boundary commits on time.
    pub fn on_tick(&mut self, now: Instant) -> Decision {
        if self.boundary == TransactionBoundary::Interval
            && now.duration_since(self.last) >= self.interval
        {
            self.last = now;
            Decision::Commit
        } else {
            Decision::Continue
        }
    }
}

/// Why a transaction step failed; the task fails with it (as Kafka's does) and its
/// restart resumes from the last committed offsets.
#[derive(Debug, thiserror::Error)]
pub enum TxnError {
    #[error("cannot {step} the transaction: {source}")]
    Kafka {
        step: &'static str,
        source: KafkaError,
    },
    #[error(transparent)]
    Offsets(#[from] OffsetStoreError),
    #[error("cannot find the partitions of offsets topic {0}")]
    Metadata(String),
}

/// The few producer calls a transaction needs, so the state machine below can be
/// tested without a broker and the source loop can keep its own producer type.
pub trait TxnProducer {
    fn init(&self) -> Result<(), KafkaError>;
    fn begin(&self) -> Result<(), KafkaError>;
    /// Produces one offsets record to `topic`/`partition` (never reports to a batch).
    fn send_offset(
        &self,
        topic: &str,
        partition: i32,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), KafkaError>;
    fn commit(&self) -> Result<(), KafkaError>;
    fn abort(&self) -> Result<(), KafkaError>;
    fn partitions(&self, topic: &str) -> Result<i32, KafkaError>;
}

/// Delivery opaque for offsets records: no polled batch has sequence 0.
pub const OFFSETS_OPAQUE: usize = 0;

impl<C: ProducerContext<DeliveryOpaque = usize>> TxnProducer for ThreadedProducer<C> {
    fn init(&self) -> Result<(), KafkaError> {
        self.init_transactions(TXN_TIMEOUT)
    }
    fn begin(&self) -> Result<(), KafkaError> {
        self.begin_transaction()
    }
    fn send_offset(
        &self,
        topic: &str,
        partition: i32,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), KafkaError> {
        let mut record: BaseRecord<'_, str, str, usize> =
            BaseRecord::with_opaque_to(topic, OFFSETS_OPAQUE)
                .key(key)
                .partition(partition);
        if let Some(value) = value {
            record = record.payload(value);
        }
        loop {
            match self.send(record) {
                Ok(()) => return Ok(()),
                Err((
                    KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull),
                    back,
                )) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((error, _)) => return Err(error),
            }
        }
    }
    fn commit(&self) -> Result<(), KafkaError> {
        self.commit_transaction(TXN_TIMEOUT)
    }
    fn abort(&self) -> Result<(), KafkaError> {
        self.abort_transaction(TXN_TIMEOUT)
    }
    fn partitions(&self, topic: &str) -> Result<i32, KafkaError> {
        let metadata = self
            .client()
            .fetch_metadata(Some(topic), Duration::from_secs(30))?;
        Ok(metadata
            .topics()
            .iter()
            .find(|t| t.name() == topic)
            .map(|t| t.partitions().len() as i32)
            .unwrap_or(0))
    }
}

/// One task's transactions: opens them lazily, collects the offsets of what was
/// sent, and writes them to the offsets topic just before committing.
pub struct Transactions {
    connector: String,
    offsets_topic: String,
    offsets_partitions: i32,
    open: bool,
    /// Partition JSON → offset JSON of everything sent in the open transaction.
    staged: BTreeMap<String, String>,
    pub policy: BoundaryPolicy,
}

impl Transactions {
    /// Initializes the producer's transactions (fencing any older producer with the
    /// same transactional id) and learns the offsets topic's partition count.
    pub fn init(
        producer: &impl TxnProducer,
        connector: &str,
        offsets_topic: &str,
        policy: BoundaryPolicy,
    ) -> Result<Self, TxnError> {
        producer.init().map_err(|source| TxnError::Kafka {
            step: "initialize",
            source,
        })?;
        let offsets_partitions = producer
            .partitions(offsets_topic)
            .map_err(|_| TxnError::Metadata(offsets_topic.to_string()))?;
        if offsets_partitions <= 0 {
            return Err(TxnError::Metadata(offsets_topic.to_string()));
        }
        Ok(Self {
            connector: connector.to_string(),
            offsets_topic: offsets_topic.to_string(),
            offsets_partitions,
            open: false,
            staged: BTreeMap::new(),
            policy,
        })
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Opens a transaction unless one is open: call before sending a batch.
    pub fn begin(&mut self, producer: &impl TxnProducer) -> Result<(), TxnError> {
        if !self.open {
            producer.begin().map_err(|source| TxnError::Kafka {
                step: "begin",
                source,
            })?;
            self.open = true;
        }
        Ok(())
    }

    /// Remembers the offsets of a batch just sent in the open transaction.
    pub fn stage_offsets(&mut self, offsets: impl IntoIterator<Item = (String, String)>) {
        self.staged.extend(offsets);
    }

    /// Writes the staged offsets into the transaction and commits it.
    pub fn commit(&mut self, producer: &impl TxnProducer) -> Result<usize, TxnError> {
        if !self.open {
            return Ok(0);
        }
        let staged = std::mem::take(&mut self.staged);
        for (partition, offset) in &staged {
            let key = offset_key(&self.connector, partition)?;
            let value = normalize(offset)?;
            let target = partition_for(key.as_bytes(), self.offsets_partitions);
            producer
                .send_offset(&self.offsets_topic, target, &key, Some(&value))
                .map_err(|source| TxnError::Kafka {
                    step: "write offsets into",
                    source,
                })?;
        }
        self.open = false;
        producer.commit().map_err(|source| TxnError::Kafka {
            step: "commit",
            source,
        })?;
        Ok(staged.len())
    }

    /// Aborts the open transaction, dropping its staged offsets.
    pub fn abort(&mut self, producer: &impl TxnProducer) -> Result<(), TxnError> {
        self.staged.clear();
        if !self.open {
            return Ok(());
        }
        self.open = false;
        producer.abort().map_err(|source| TxnError::Kafka {
            step: "abort",
            source,
        })
    }
}

/// Java's default partitioner for keyed records (`Utils.toPositive(murmur2(key)) %
/// partitions`), as the worker's offsets writer (`murmur2_random`) places them: one
/// key must land in one partition whoever writes it.
pub fn partition_for(key: &[u8], partitions: i32) -> i32 {
    ((murmur2(key) & 0x7fff_ffff) % partitions.max(1) as u32) as i32
}

/// Kafka's `Utils.murmur2` (seed 0x9747b28c).
pub fn murmur2(data: &[u8]) -> u32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let length = data.len();
    let mut h: u32 = 0x9747_b28c ^ (length as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

/// Whether a delivery error only says the record was purged by an abort.
pub fn is_purge(error: &KafkaError) -> bool {
    use rdkafka::types::RDKafkaErrorCode::{PurgeInflight, PurgeQueue};
    matches!(
        error,
        KafkaError::MessageProduction(PurgeQueue | PurgeInflight)
    )
}

/// The worker-level answer to "does this task run transactionally?".
pub fn task_is_transactional(worker: &WorkerConfig) -> bool {
    worker.distributed && worker.exactly_once_source.enabled()
}

/// What the herder does for an exactly-once task before its producer exists
/// (Kafka's preflight in `DistributedHerder.startTask`): have the leader fence the
/// producers of the connector's earlier task generations and record the new task
/// count, then check that the task's config is still the current generation.
pub trait ZombieFencing: Send + Sync {
    /// Returns once fencing for the task's generation is done; an error fails the
    /// task. `stopping` says when to give up waiting.
    fn preflight(
        &self,
        connector: &str,
        task: u32,
        config: &BTreeMap<String, String>,
        stopping: &dyn Fn() -> bool,
    ) -> Result<(), String>;
}

/// A connector with its own `offsets.storage.topic`: offsets are written there and
/// read from there first, then from the worker's topic (Kafka's
/// `ConnectorOffsetBackingStore`).
struct ConnectorOffsets {
    own: Arc<KafkaOffsetStore>,
    worker: Arc<dyn OffsetStore>,
}

impl OffsetReader for ConnectorOffsets {
    fn read_offsets(&self, connector: &str, partitions: &[String]) -> Vec<Option<String>> {
        let own = self.own.read_offsets(connector, partitions);
        if own.iter().all(Option::is_some) {
            return own;
        }
        let fallback = self.worker.read_offsets(connector, partitions);
        own.into_iter()
            .zip(fallback)
            .map(|(o, w)| o.or(w))
            .collect()
    }
}

impl OffsetStore for ConnectorOffsets {
    fn commit(
        &self,
        connector: &str,
        offsets: &[(String, Option<String>)],
    ) -> Result<(), OffsetStoreError> {
        self.own.commit(connector, offsets)
    }

    fn offsets_of(&self, connector: &str) -> Vec<(String, String)> {
        let mut all: BTreeMap<String, String> =
            self.worker.offsets_of(connector).into_iter().collect();
        all.extend(self.own.offsets_of(connector));
        all.into_iter().collect()
    }
}

/// A source task's offset storage and, with exactly-once on, its transactional id.
pub struct TaskSetup {
    /// Where non-transactional offset commits go.
    pub offsets: Arc<dyn OffsetStore>,
    /// What `host.read-offsets` answers from.
    pub reader: Arc<dyn OffsetReader>,
    /// Set when the task runs transactionally.
    pub transactional_id: Option<String>,
    settings: TaskSettings,
    /// The topic offsets are written to inside transactions.
    offsets_topic: String,
    connector: String,
}

impl TaskSetup {
    /// Opens the connector's own offsets topic if it has one (distributed only, as
    /// Kafka) and, on an exactly-once worker, runs the fencing preflight.
    pub fn prepare(args: &TaskArgs) -> Result<Self, String> {
        let worker = &args.services.config;
        let connector = &args.connector.name;
        let settings =
            TaskSettings::from_props(&args.connector.config.props, worker.offset_flush_interval)?;
        let mut offsets_topic = worker
            .props
            .get("offset.storage.topic")
            .cloned()
            .unwrap_or_default();
        let (offsets, reader): (Arc<dyn OffsetStore>, Arc<dyn OffsetReader>) = match settings
            .offsets_topic
            .as_ref()
            .filter(|_| worker.distributed)
        {
            Some(topic) => {
                let topics = DistributedConfig::from_worker(worker)
                    .map_err(|e| format!("cannot read the worker's offsets topic settings: {e}"))?
                    .offset_topic;
                let own = KafkaOffsetStore::open(
                    worker,
                    topic,
                    topics.partitions,
                    topics.replication_factor,
                )
                .map_err(|e| format!("cannot open the connector's offsets topic {topic}: {e}"))?;
                offsets_topic = topic.clone();
                let store = Arc::new(ConnectorOffsets {
                    own: Arc::new(own),
                    worker: args.services.offsets.clone(),
                });
                (store.clone(), store)
            }
            None => (
                args.services.offsets.clone(),
                args.services.offsets.clone() as Arc<dyn OffsetReader>,
            ),
        };
        let transactional_id = if task_is_transactional(worker) {
            let fencing = args
                .services
                .fencing
                .get()
                .and_then(std::sync::Weak::upgrade)
                .ok_or("exactly-once source support is enabled but no herder can fence zombies")?;
            let signals = args.signals.clone();
            fencing.preflight(connector, args.task_id, &args.config, &move || {
                signals.stopping()
            })?;
            let group = worker.props.get("group.id").cloned().unwrap_or_default();
            Some(transactional_id(&group, connector, args.task_id))
        } else {
            None
        };
        Ok(Self {
            offsets,
            reader,
            transactional_id,
            settings,
            offsets_topic,
            connector: connector.clone(),
        })
    }

    /// Initializes transactions on the task's producer (None when not transactional).
    pub fn transactions<C: ProducerContext<DeliveryOpaque = usize>>(
        &self,
        producer: &ThreadedProducer<C>,
    ) -> Result<Option<Transactions>, String> {
        if self.transactional_id.is_none() {
            return Ok(None);
        }
        let policy = BoundaryPolicy::new(
            self.settings.boundary,
            self.settings.interval,
            Instant::now(),
        );
        let txn = Transactions::init(producer, &self.connector, &self.offsets_topic, policy)
            .map_err(|e| e.to_string())?;
        tracing::info!(
            transactional_id = self.transactional_id.as_deref().unwrap_or_default(),
            boundary = ?self.settings.boundary,
            offsets_topic = %self.offsets_topic,
            "exactly-once source task: transactions initialized"
        );
        Ok(Some(txn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn transactional_ids_are_kafkas() {
        assert_eq!(
            transactional_id("connect-cluster", "orders", 3),
            "connect-cluster-orders-3"
        );
    }

    #[test]
    fn murmur2_matches_kafkas_test_vectors() {
        for (input, expected) in [
            ("21", -973932308),
            ("foobar", -790332482),
            ("a-little-bit-long-string", -985981536),
            ("a-little-bit-longer-string", -1486304829),
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58897971,
            ),
            ("abc", 479470107),
        ] {
            assert_eq!(murmur2(input.as_bytes()) as i32, expected, "{input}");
        }
        assert!((0..25).contains(&partition_for(b"[\"c\",{\"id\":0}]", 25)));
    }

    #[test]
    fn values_are_checked_as_kafkas_source_connector_config() {
        assert!(check_values(&props(&[])).is_empty());
        assert!(
            check_values(&props(&[
                (EXACTLY_ONCE_SUPPORT, "REQUIRED"),
                (TRANSACTION_BOUNDARY, "Interval"),
                (TRANSACTION_BOUNDARY_INTERVAL, "0"),
                (OFFSETS_TOPIC, "my-offsets"),
            ]))
            .is_empty()
        );
        let problems = check_values(&props(&[
            (EXACTLY_ONCE_SUPPORT, "maybe"),
            (TRANSACTION_BOUNDARY, "batch"),
            (TRANSACTION_BOUNDARY_INTERVAL, "-1"),
            (OFFSETS_TOPIC, ""),
        ]));
        let messages: Vec<&str> = problems.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Invalid value maybe for configuration exactly.once.support: String must be one of (case insensitive): requested, required",
                "Invalid value batch for configuration transaction.boundary: String must be one of (case insensitive): poll, interval, connector",
                "Invalid value -1 for configuration transaction.boundary.interval.ms: Value must be at least 0",
                "Invalid value  for configuration offsets.storage.topic: String may not be empty",
            ]
        );
    }

    #[test]
    fn required_needs_an_enabled_worker_and_connector_boundaries_a_capable_plugin() {
        let required = props(&[(EXACTLY_ONCE_SUPPORT, "required")]);
        let problems = check_support(&required, ExactlyOnceSourceSupport::Preparing, false);
        assert_eq!(
            problems,
            [(
                EXACTLY_ONCE_SUPPORT.to_string(),
                "This worker does not have exactly-once source support enabled.".to_string()
            )]
        );
        assert!(check_support(&required, ExactlyOnceSourceSupport::Enabled, false).is_empty());
        let connector = props(&[(TRANSACTION_BOUNDARY, "connector")]);
        let problems = check_support(&connector, ExactlyOnceSourceSupport::Enabled, false);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].1.starts_with(
            "The connector does not support connector-defined transaction boundaries"
        ));
        assert!(check_support(&connector, ExactlyOnceSourceSupport::Enabled, true).is_empty());
    }

    #[test]
    fn interval_defaults_to_the_offset_flush_interval() {
        let flush = Duration::from_secs(60);
        let settings = TaskSettings::from_props(&props(&[]), flush).expect("valid");
        assert_eq!(settings.boundary, TransactionBoundary::Poll);
        assert_eq!(settings.interval, flush);
        assert_eq!(settings.offsets_topic, None);
        let settings = TaskSettings::from_props(
            &props(&[
                (TRANSACTION_BOUNDARY, "interval"),
                (TRANSACTION_BOUNDARY_INTERVAL, "250"),
                (OFFSETS_TOPIC, " own-offsets "),
            ]),
            flush,
        )
        .expect("valid");
        assert_eq!(settings.boundary, TransactionBoundary::Interval);
        assert_eq!(settings.interval, Duration::from_millis(250));
        assert_eq!(settings.offsets_topic.as_deref(), Some("own-offsets"));
    }

    #[test]
    fn boundaries_decide_as_kafkas_managers() {
        let start = Instant::now();
        let mut poll = BoundaryPolicy::new(TransactionBoundary::Poll, Duration::ZERO, start);
        assert_eq!(poll.after_batch(TaskRequest::None, start), Decision::Commit);
        assert_eq!(poll.on_tick(start), Decision::Continue);

        let second = Duration::from_secs(1);
        let mut interval = BoundaryPolicy::new(TransactionBoundary::Interval, second, start);
        assert_eq!(
            interval.after_batch(TaskRequest::Commit, start + second / 2),
            Decision::Continue
        );
        assert_eq!(interval.on_tick(start + second), Decision::Commit);
        assert_eq!(interval.on_tick(start + second), Decision::Continue);

        let mut connector = BoundaryPolicy::new(TransactionBoundary::Connector, second, start);
        assert_eq!(
            connector.after_batch(TaskRequest::None, start),
            Decision::Continue
        );
        assert_eq!(
            connector.after_batch(TaskRequest::Commit, start),
            Decision::Commit
        );
        assert_eq!(
            connector.after_batch(TaskRequest::Abort, start),
            Decision::Abort
        );
        assert_eq!(connector.on_tick(start + second * 10), Decision::Continue);
    }

    /// Records the calls a transaction makes.
    #[derive(Default)]
    struct Fake {
        calls: RefCell<Vec<String>>,
    }

    impl TxnProducer for Fake {
        fn init(&self) -> Result<(), KafkaError> {
            self.calls.borrow_mut().push("init".into());
            Ok(())
        }
        fn begin(&self) -> Result<(), KafkaError> {
            self.calls.borrow_mut().push("begin".into());
            Ok(())
        }
        fn send_offset(
            &self,
            topic: &str,
            _partition: i32,
            key: &str,
            value: Option<&str>,
        ) -> Result<(), KafkaError> {
            self.calls
                .borrow_mut()
                .push(format!("offset {topic} {key} {}", value.unwrap_or("null")));
            Ok(())
        }
        fn commit(&self) -> Result<(), KafkaError> {
            self.calls.borrow_mut().push("commit".into());
            Ok(())
        }
        fn abort(&self) -> Result<(), KafkaError> {
            self.calls.borrow_mut().push("abort".into());
            Ok(())
        }
        fn partitions(&self, _topic: &str) -> Result<i32, KafkaError> {
            Ok(25)
        }
    }

    #[test]
    fn offsets_are_written_inside_the_transaction_before_its_commit() {
        let producer = Fake::default();
        let policy = BoundaryPolicy::new(TransactionBoundary::Poll, Duration::ZERO, Instant::now());
        let mut txn = Transactions::init(&producer, "src", "offsets", policy).expect("init");
        txn.begin(&producer).expect("begin");
        txn.begin(&producer).expect("still open");
        txn.stage_offsets([(r#"{"id": 0}"#.to_string(), r#"{"seqno": 1}"#.to_string())]);
        txn.stage_offsets([(r#"{"id": 0}"#.to_string(), r#"{"seqno": 2}"#.to_string())]);
        assert_eq!(txn.commit(&producer).expect("commit"), 1);
        txn.begin(&producer).expect("begin");
        txn.stage_offsets([(r#"{"id":0}"#.to_string(), r#"{"seqno":3}"#.to_string())]);
        txn.abort(&producer).expect("abort");
        assert_eq!(txn.commit(&producer).expect("nothing open"), 0);
        assert_eq!(
            producer.calls.into_inner(),
            [
                "init",
                "begin",
                r#"offset offsets ["src",{"id":0}] {"seqno":2}"#,
                "commit",
                "begin",
                "abort",
            ]
        );
    }
}
