//! Apache Kafka brokers for the tests (one shared per test binary, or a test's own),
//! plus the Kafka client helpers tests need.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rdkafka::admin::{
    AdminClient, AdminOptions, ConfigSource, NewTopic, ResourceSpecifier, TopicReplication,
};
use rdkafka::client::{ClientContext, DefaultClientContext};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{Offset, TopicPartitionList};
use tempfile::TempDir;

use crate::files::unique_name;
use crate::paths::{free_port, repo_root};
use crate::wait::{wait_for, wait_until};

/// How long a freshly started broker may take to answer metadata requests.
const BROKER_START_TIMEOUT: Duration = Duration::from_secs(90);

/// How long a stopping broker may take to exit once killed.
const BROKER_STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// A single-node Apache Kafka 4.4.0 broker (KRaft, combined broker + controller) on
/// free 127.0.0.1 ports, in its own temp dir, started by `scripts/kafka/broker.sh`.
///
/// Tests that never kill, freeze or restart the broker share one per test binary
/// ([`Broker::shared`]), with their own topic, group and connector names; the others
/// start their own ([`Broker::start`]), which is killed on drop.
pub struct Broker {
    /// The `broker.sh` process; it exits when the JVM does. `None` while killed.
    child: Option<Child>,
    /// Closing it (drop) makes `broker.sh` kill the JVM: the broker never outlives
    /// the test process, whatever way that process ends.
    stdin: Option<ChildStdin>,
    port: u16,
    controller_port: u16,
    log: PathBuf,
    /// Whether the temp dir is removed by `broker.sh` itself (the shared broker, which
    /// is never dropped) rather than by [`TempDir`] on drop.
    shared: bool,
    // Dropped last: the broker's files.
    dir: TempDir,
}

impl Broker {
    /// Starts a broker of this test's own and waits until it answers metadata
    /// requests. Retries on other ports if the chosen ones were taken meanwhile.
    pub fn start() -> Broker {
        Self::start_retrying(false)
    }

    /// The broker shared by every test of this test binary that does not kill, freeze
    /// or restart it: started on first use, stopped when the test process exits.
    pub fn shared() -> &'static Broker {
        static SHARED: OnceLock<Broker> = OnceLock::new();
        SHARED.get_or_init(|| Self::start_retrying(true))
    }

    fn start_retrying(shared: bool) -> Broker {
        let mut last_error = String::new();
        for _attempt in 0..3 {
            match Self::try_start(shared) {
                Ok(broker) => return broker,
                Err(e) => last_error = e,
            }
        }
        panic!("Kafka broker did not start (3 attempts); last attempt:\n{last_error}");
    }

    fn try_start(shared: bool) -> Result<Broker, String> {
        let dir = tempfile::Builder::new()
            .prefix("ferry-kafka-")
            .tempdir()
            .map_err(|e| format!("create broker temp dir: {e}"))?;
        let mut broker = Broker {
            child: None,
            stdin: None,
            port: free_port(),
            controller_port: free_port(),
            log: dir.path().join("broker.log"),
            shared,
            dir,
        };
        broker.spawn()?;
        broker.wait_ready()?;
        Ok(broker)
    }

    /// Runs `broker.sh` on this broker's dir and ports (formatting the dir the first
    /// time), appending to its log.
    fn spawn(&mut self) -> Result<(), String> {
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("open {}: {e}", self.log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("clone log handle: {e}"))?;
        let script = kafka_script("broker.sh");
        let mut child = Command::new("bash")
            .arg(&script)
            .arg(self.dir.path())
            .arg(self.port.to_string())
            .arg(self.controller_port.to_string())
            .env("REMOVE_ON_EXIT", if self.shared { "1" } else { "0" })
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("spawn bash {}: {e}", script.display()))?;
        self.stdin = child.stdin.take();
        self.child = Some(child);
        Ok(())
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let consumer: BaseConsumer = self
            .client_config()
            .create()
            .map_err(|e| format!("create metadata client: {e}"))?;
        let deadline = Instant::now() + BROKER_START_TIMEOUT;
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                return Err(format!(
                    "the Kafka broker exited with {status} during startup (run \
                     scripts/setup.sh if its jars are missing); log:\n{}",
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
                    "the Kafka broker on port {} did not answer metadata within \
                     {BROKER_START_TIMEOUT:?}; log:\n{}",
                    self.port,
                    self.log_tail(60)
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The broker JVM's pid, as `broker.sh` wrote it.
    fn jvm_pid(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join("broker.pid"))
            .ok()
            .map(|pid| pid.trim().to_owned())
    }

    fn signal(&self, signal: &str) {
        let pid = self
            .jvm_pid()
            .unwrap_or_else(|| panic!("no broker.pid in {}", self.dir.path().display()));
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap_or_else(|e| panic!("kill {signal} {pid}: {e}"));
        assert!(status.success(), "kill {signal} {pid} failed: {status}");
    }

    /// Freezes the broker (SIGSTOP): its sockets stay open and nothing answers, as a
    /// broker in a long GC pause or on a stalled host.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Lets a frozen broker run again (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    /// Kills the broker (`kill -9`) and waits until it is gone. Its data stays for
    /// [`Broker::restart`].
    pub fn kill(&mut self) {
        assert!(!self.shared, "the shared broker is never killed");
        self.signal("-9");
        self.reap();
    }

    /// Starts a killed broker again on the same ports and data, and waits until it
    /// answers metadata requests.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart() needs a killed broker");
        self.spawn()
            .and_then(|()| self.wait_ready())
            .unwrap_or_else(|e| panic!("restart the Kafka broker: {e}"));
    }

    /// Closes `broker.sh`'s stdin (it kills the JVM) and waits for it to exit.
    fn reap(&mut self) {
        self.stdin = None;
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + BROKER_STOP_TIMEOUT;
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
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
    /// until the broker's metadata shows it.
    pub fn create_topic(&self, name: &str, partitions: i32) {
        self.create_topic_with(name, partitions, &[]);
    }

    /// [`Broker::create_topic`] with topic-level `configs` (e.g. `max.message.bytes`).
    pub fn create_topic_with(&self, name: &str, partitions: i32, configs: &[(&str, &str)]) {
        let admin: AdminClient<DefaultClientContext> = self
            .client_config()
            .create()
            .expect("create Kafka admin client");
        let mut topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
        for (key, value) in configs {
            topic = topic.set(key, value);
        }
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

    /// The configs set on `topic` itself (source `DYNAMIC_TOPIC_CONFIG`, not broker
    /// or static defaults), as the admin client describes them; `None` if the topic
    /// cannot be described.
    pub fn topic_overrides(&self, topic: &str) -> Option<BTreeMap<String, String>> {
        let admin: AdminClient<DefaultClientContext> = self.client_config().create().ok()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        let options = AdminOptions::new().request_timeout(Some(Duration::from_secs(30)));
        let resource = ResourceSpecifier::Topic(topic);
        let described = runtime
            .block_on(admin.describe_configs([&resource], &options))
            .ok()?
            .into_iter()
            .next()?
            .ok()?;
        Some(
            described
                .entries
                .into_iter()
                .filter(|e| matches!(e.source, ConfigSource::DynamicTopic))
                .filter_map(|e| Some((e.name, e.value?)))
                .collect(),
        )
    }

    /// The cluster id the broker reports in metadata, if any.
    pub fn cluster_id(&self) -> Option<String> {
        let consumer: BaseConsumer = self.client_config().create().ok()?;
        consumer.client().fetch_cluster_id(Duration::from_secs(10))
    }

    /// The number of partitions of `topic`, if the broker knows it.
    pub fn partition_count(&self, topic: &str) -> Option<usize> {
        self.partition_count_within(topic, Duration::from_secs(5))
    }

    /// [`Broker::partition_count`], giving up after `timeout`.
    pub fn partition_count_within(&self, topic: &str, timeout: Duration) -> Option<usize> {
        let consumer: BaseConsumer = self.client_config().create().ok()?;
        let metadata = consumer.fetch_metadata(Some(topic), timeout).ok()?;
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
                "----- Kafka broker log ({}), last 40 lines -----\n{}\n----- end of broker log -----",
                self.log.display(),
                self.log_tail(40)
            );
        }
        self.reap();
    }
}

/// A script of `scripts/kafka/`.
fn kafka_script(name: &str) -> PathBuf {
    repo_root().join("scripts").join("kafka").join(name)
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
