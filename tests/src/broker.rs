//! A Tansu broker per test, plus the Kafka client helpers tests need.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::{ClientContext, DefaultClientContext};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{Offset, TopicPartitionList};
use tempfile::TempDir;

use crate::files::unique_name;
use crate::paths::{free_port, tansu_bin};
use crate::wait::{wait_for, wait_until};

/// How long a freshly started broker may take to answer metadata requests.
const BROKER_START_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the broker keeps its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// `sqlite://tansu.db` in the broker's temp dir: what tests use (design.md).
    Sqlite,
    /// `memory://tansu/`: much faster ingest, for benchmarks.
    Memory,
}

/// A Tansu broker on a free 127.0.0.1 port, in its own temp dir; killed on drop.
pub struct Broker {
    child: Child,
    port: u16,
    log: PathBuf,
    // Dropped last: the broker's files.
    dir: TempDir,
}

impl Broker {
    /// Starts a broker with sqlite storage and waits until it answers metadata requests.
    pub fn start() -> Broker {
        Self::start_with(Storage::Sqlite)
    }

    /// Starts a broker with the given storage and waits until it answers metadata
    /// requests. Retries on another port if the chosen one was taken meanwhile.
    pub fn start_with(storage: Storage) -> Broker {
        let mut last_error = String::new();
        for _attempt in 0..3 {
            match Self::try_start(storage) {
                Ok(broker) => return broker,
                Err(e) => last_error = e,
            }
        }
        panic!("Tansu broker did not start (3 attempts); last attempt:\n{last_error}");
    }

    fn try_start(storage: Storage) -> Result<Broker, String> {
        let dir = tempfile::Builder::new()
            .prefix("ferry-tansu-")
            .tempdir()
            .map_err(|e| format!("create broker temp dir: {e}"))?;
        let port = free_port();
        let log = dir.path().join("tansu.log");
        let out = File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("clone log handle: {e}"))?;
        let url = format!("tcp://127.0.0.1:{port}");
        let storage_url = match storage {
            Storage::Sqlite => "sqlite://tansu.db",
            Storage::Memory => "memory://tansu/",
        };
        let bin = tansu_bin();
        let child = Command::new(&bin)
            .arg("broker")
            .args(["--listener-url", &url])
            .args(["--advertised-listener-url", &url])
            .args(["--storage-engine", storage_url])
            .current_dir(dir.path())
            .env(
                "RUST_LOG",
                std::env::var("TANSU_LOG").unwrap_or("warn".into()),
            )
            .env_remove("SCHEMA_REGISTRY")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| {
                format!(
                    "spawn {} (install it with scripts/setup.sh): {e}",
                    bin.display()
                )
            })?;
        let mut broker = Broker {
            child,
            port,
            log,
            dir,
        };
        broker.wait_ready()?;
        Ok(broker)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let consumer: BaseConsumer = self
            .client_config()
            .create()
            .map_err(|e| format!("create metadata client: {e}"))?;
        let deadline = Instant::now() + BROKER_START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "Tansu exited with {status} during startup; log:\n{}",
                    self.log_tail(60)
                ));
            }
            if let Ok(metadata) = consumer.fetch_metadata(None, Duration::from_secs(2))
                && !metadata.brokers().is_empty()
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "Tansu on port {} did not answer metadata within {BROKER_START_TIMEOUT:?}; \
                     log:\n{}",
                    self.port,
                    self.log_tail(60)
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `127.0.0.1:PORT`, for `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker's temp dir.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A client config pointing at this broker; add settings and `create()`.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", self.bootstrap_servers())
            .set("broker.address.family", "v4")
            .set("log_level", "3");
        config
    }

    /// Creates `name` with `partitions` partitions (replication factor 1) and waits
    /// until the broker's metadata shows it. Tansu does not auto-create topics.
    pub fn create_topic(&self, name: &str, partitions: i32) {
        let admin: AdminClient<DefaultClientContext> = self
            .client_config()
            .create()
            .expect("create Kafka admin client");
        let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a tokio runtime for the admin client");
        let results = runtime
            .block_on(admin.create_topics([&topic], &options))
            .unwrap_or_else(|e| panic!("create topic {name}: {e}"));
        for result in results {
            if let Err((topic, code)) = result {
                panic!("create topic {topic}: broker answered {code:?}");
            }
        }
        let visible = wait_until(Duration::from_secs(30), || {
            self.partition_count(name) == Some(partitions as usize)
        });
        assert!(
            visible,
            "topic {name} was created but its {partitions} partitions never showed in metadata"
        );
    }

    /// The cluster id the broker reports in metadata, if any.
    pub fn cluster_id(&self) -> Option<String> {
        let consumer: BaseConsumer = self.client_config().create().ok()?;
        consumer.client().fetch_cluster_id(Duration::from_secs(10))
    }

    /// The number of partitions of `topic`, if the broker knows it.
    pub fn partition_count(&self, topic: &str) -> Option<usize> {
        let consumer: BaseConsumer = self.client_config().create().ok()?;
        let metadata = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(5))
            .ok()?;
        let found = metadata.topics().iter().find(|t| t.name() == topic)?;
        if found.error().is_some() || found.partitions().is_empty() {
            return None;
        }
        Some(found.partitions().len())
    }

    /// Produces `values` (null keys) to `topic` with `acks=all` and waits until every
    /// one is acknowledged.
    pub fn produce<V: AsRef<[u8]>>(&self, topic: &str, values: &[V]) {
        let producer: BaseProducer<CountingContext> = self
            .client_config()
            .set("acks", "all")
            .set("linger.ms", "5")
            .create_with_context(CountingContext::default())
            .expect("create Kafka producer");
        for value in values {
            let mut record = BaseRecord::<(), [u8]>::to(topic).payload(value.as_ref());
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        record = back;
                        producer.poll(Duration::from_millis(50));
                    }
                    Err((e, _)) => panic!("produce to {topic}: {e}"),
                }
            }
            producer.poll(Duration::ZERO);
        }
        producer
            .flush(Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("flush producer for {topic}: {e}"));
        let failed = producer.context().failed.load(Ordering::Relaxed);
        assert_eq!(
            failed, 0,
            "{failed} records to {topic} were not acknowledged"
        );
    }

    /// Reads `topic` from the beginning of every partition until `n` values were read or
    /// `timeout` elapsed, and returns what was read (fewer than `n` on timeout). Null
    /// values come back empty. Uses manual assignment: no consumer group involved.
    pub fn consume_all(&self, topic: &str, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let consumer: BaseConsumer = self
            .client_config()
            .set("group.id", unique_name("ferry-tests-reader"))
            .set("enable.auto.commit", "false")
            .create()
            .expect("create Kafka consumer");
        let partitions = wait_for(Duration::from_secs(30), || self.partition_count(topic))
            .unwrap_or_else(|| panic!("topic {topic} does not exist"));
        let mut assignment = TopicPartitionList::new();
        for partition in 0..partitions {
            assignment
                .add_partition_offset(topic, partition as i32, Offset::Beginning)
                .expect("add partition to assignment");
        }
        consumer
            .assign(&assignment)
            .unwrap_or_else(|e| panic!("assign {topic}: {e}"));
        let deadline = Instant::now() + timeout;
        let mut values = Vec::with_capacity(n);
        while values.len() < n && Instant::now() < deadline {
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(message)) => values.push(message.payload().unwrap_or_default().to_vec()),
                Some(Err(e)) => eprintln!("consume {topic}: {e} (continuing)"),
                None => {}
            }
        }
        values
    }

    /// The number of records in `topic` (sum of high - low watermarks), if known.
    /// Sqlite storage only: Tansu 0.6.0's `memory://` engine reports watermarks per
    /// batch, not per record.
    pub fn record_count(&self, topic: &str) -> Option<i64> {
        let partitions = self.partition_count(topic)?;
        let consumer: BaseConsumer = self.client_config().create().ok()?;
        let mut total = 0;
        for partition in 0..partitions {
            let (low, high) = consumer
                .fetch_watermarks(topic, partition as i32, Duration::from_secs(5))
                .ok()?;
            total += high - low;
        }
        Some(total)
    }

    /// Per partition of `topic`: (low watermark, high watermark, `group`'s committed
    /// offset or -1, records a fresh consumer reads from the low watermark within
    /// a few seconds). For diagnosing a consumer group that stopped making progress.
    pub fn partition_report(&self, topic: &str, group: &str) -> Vec<(i32, i64, i64, i64, usize)> {
        let mut out = Vec::new();
        let Some(partitions) = self.partition_count(topic) else {
            return out;
        };
        let committed: BTreeMap<i32, i64> = self
            .client_config()
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .create::<BaseConsumer>()
            .ok()
            .and_then(|consumer| {
                let mut tpl = TopicPartitionList::new();
                for p in 0..partitions as i32 {
                    tpl.add_partition(topic, p);
                }
                consumer
                    .committed_offsets(tpl, Duration::from_secs(10))
                    .ok()
            })
            .map(|tpl| {
                tpl.elements()
                    .iter()
                    .map(|e| (e.partition(), e.offset().to_raw().unwrap_or(-1)))
                    .collect()
            })
            .unwrap_or_default();
        for p in 0..partitions as i32 {
            let Ok(consumer) = self
                .client_config()
                .set("group.id", unique_name("diagnose"))
                .set("enable.auto.commit", "false")
                .create::<BaseConsumer>()
            else {
                continue;
            };
            let (low, high) = consumer
                .fetch_watermarks(topic, p, Duration::from_secs(5))
                .unwrap_or((-1, -1));
            let mut tpl = TopicPartitionList::new();
            let _ = tpl.add_partition_offset(topic, p, Offset::Beginning);
            let mut read = 0;
            if consumer.assign(&tpl).is_ok() {
                let deadline = Instant::now() + Duration::from_secs(5);
                while Instant::now() < deadline && read < 100 {
                    if let Some(Ok(_)) = consumer.poll(Duration::from_millis(200)) {
                        read += 1;
                    }
                }
            }
            out.push((p, low, high, committed.get(&p).copied().unwrap_or(-1), read));
        }
        out
    }

    /// The last `lines` lines of the broker's log.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log, lines)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "----- Tansu log ({}), last 40 lines -----\n{}\n----- end of Tansu log -----",
                self.log.display(),
                self.log_tail(40)
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last `lines` lines of a text file (lossy UTF-8), or a note why not.
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// Counts failed deliveries.
#[derive(Default)]
struct CountingContext {
    failed: AtomicUsize,
}

impl ClientContext for CountingContext {}

impl ProducerContext for CountingContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: Self::DeliveryOpaque) {
        if let Err((e, _)) = result {
            eprintln!("delivery failed: {e}");
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}
