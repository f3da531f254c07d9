//! rdkafka clients configured the way Kafka Connect configures its own: worker
//! `producer.*` / `consumer.*` settings, then connector `producer.override.*` /
//! `consumer.override.*`, over Connect's defaults.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use rdkafka::ClientConfig;

use crate::config::WorkerConfig;
use crate::config::worker::{static_membership, strip_prefix};

/// Producer settings for a source task of `connector`.
pub fn producer_config(
    worker: &WorkerConfig,
    connector: &BTreeMap<String, String>,
    client_id: &str,
) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &worker.bootstrap_servers)
        .set("client.id", client_id)
        // Kafka Connect's source defaults (Worker.baseProducerConfigs): no record is
        // lost once acked, none is reordered by a retry, and none is given up on by
        // timeout: delivery.timeout.ms (librdkafka's message.timeout.ms) is
        // Integer.MAX_VALUE, so a record waits out any broker outage.
        .set("acks", "all")
        .set("max.in.flight.requests.per.connection", "1")
        .set("linger.ms", "5")
        .set("message.timeout.ms", i32::MAX.to_string())
        .set("queue.buffering.max.messages", "200000");
    apply(&mut config, &worker.with_prefix("producer."));
    apply(&mut config, &strip_prefix(connector, "producer.override."));
    config
}

/// Consumer settings for a sink task of `connector`, in group `connect-<connector>`.
pub fn consumer_config(
    worker: &WorkerConfig,
    connector: &BTreeMap<String, String>,
    name: &str,
    task: u32,
    client_id: &str,
) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &worker.bootstrap_servers)
        .set("group.id", format!("connect-{name}"))
        .set("client.id", client_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("partition.assignment.strategy", "range,roundrobin")
        // librdkafka stops fetching for `fetch.queue.backoff.ms` (1 s by default) once
        // its prefetch queue is full (64 MiB: ~30k records of 2 KB); a task draining
        // faster than that then waits on an empty queue for most of the second. Java's
        // consumer fetches again as soon as the application has room.
        .set("fetch.queue.backoff.ms", "10");
    // Validation rejects other values; here anything but an explicit `false` is on.
    let static_membership = static_membership(connector)
        .ok()
        .flatten()
        .or_else(|| static_membership(&worker.props).ok().flatten())
        .unwrap_or(true);
    if static_membership {
        // In a cluster a task id is unique, and the worker that takes a task over
        // takes over its membership at once; a standalone worker adds its own id.
        let instance = if worker.distributed {
            format!("{name}-{task}")
        } else {
            format!("{name}-{task}@{}", worker.worker_id())
        };
        config.set("group.instance.id", instance);
    }
    apply(&mut config, &worker.with_prefix("consumer."));
    apply(&mut config, &strip_prefix(connector, "consumer.override."));
    config
}

/// Admin/metadata client settings.
pub fn admin_config(worker: &WorkerConfig) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", &worker.bootstrap_servers);
    apply(&mut config, &worker.with_prefix("admin."));
    config
}

/// Admin settings for a connector's own admin client (topic creation): the worker's
/// `admin.*`, then the connector's `admin.override.*`, as Kafka Connect's
/// `Worker.adminConfigs`.
pub fn connector_admin_config(
    worker: &WorkerConfig,
    connector: &BTreeMap<String, String>,
    client_id: &str,
) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &worker.bootstrap_servers)
        .set("client.id", client_id);
    apply(&mut config, &worker.with_prefix("admin."));
    apply(&mut config, &strip_prefix(connector, "admin.override."));
    config
}

/// Runs an rdkafka admin future to completion on this thread. Those futures are
/// completed by the admin client's own polling thread, so no runtime is needed —
/// and none is required of the caller. `None` after `timeout`.
pub fn block_on<F: Future>(future: F, timeout: Duration) -> Option<F::Output> {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let deadline = Instant::now() + timeout;
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Some(output);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::park_timeout(deadline - now);
    }
}

/// Java client keys librdkafka does not know, which Kafka Connect configs often
/// carry; passing them would make client creation fail.
const JAVA_ONLY: &[&str] = &[
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "interceptor.classes",
    "buffer.memory",
    "max.block.ms",
];

fn apply(config: &mut ClientConfig, props: &BTreeMap<String, String>) {
    for (key, value) in props {
        if JAVA_ONLY.contains(&key.as_str()) {
            tracing::debug!(key, "ignoring Java-only client property");
            continue;
        }
        config.set(key, value);
    }
}

/// Creates `topic` unless it exists, never altering one that does (Kafka's
/// `TopicAdmin.createOrFindTopics`). `Ok(true)` if this call created it, `Ok(false)`
/// if it existed; the error is the reason, in Kafka's words where Kafka has them.
pub fn create_topic_if_missing(
    admin: &rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext>,
    topic: &str,
    partitions: i32,
    replication_factor: i32,
    configs: &BTreeMap<String, String>,
) -> Result<bool, String> {
    use rdkafka::admin::{AdminOptions, NewTopic, TopicReplication};
    use rdkafka::error::RDKafkaErrorCode;
    const TIMEOUT: Duration = Duration::from_secs(30);
    let mut new = NewTopic::new(
        topic,
        partitions,
        TopicReplication::Fixed(replication_factor),
    );
    for (key, value) in configs {
        new = new.set(key, value);
    }
    let options = AdminOptions::new()
        .operation_timeout(Some(TIMEOUT))
        .request_timeout(Some(TIMEOUT));
    let results = block_on(admin.create_topics([&new], &options), TIMEOUT)
        .ok_or_else(|| format!("Timed out while checking for or creating topic(s) '{topic}'"))?
        .map_err(|e| e.to_string())?;
    match results.into_iter().next() {
        Some(Ok(_)) => Ok(true),
        Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) => Ok(false),
        Some(Err((_, code))) => Err(format!("the broker answered {code}")),
        None => Err("the broker gave no answer for the topic".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(extra: &[(&str, &str)]) -> WorkerConfig {
        let mut props: BTreeMap<String, String> = [
            ("bootstrap.servers", "127.0.0.1:9092"),
            ("listeners", "http://127.0.0.1:8083"),
            ("consumer.fetch.min.bytes", "7"),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        props.insert("key.serializer".into(), "ignored".into());
        WorkerConfig::from_props(props).expect("valid worker config")
    }

    #[test]
    fn sink_consumers_are_static_members_of_connect_group() {
        let config = consumer_config(&worker(&[]), &BTreeMap::new(), "files", 2, "client");
        assert_eq!(config.get("group.id"), Some("connect-files"));
        assert_eq!(
            config.get("group.instance.id"),
            Some("files-2@127.0.0.1:8083")
        );
        assert_eq!(config.get("enable.auto.commit"), Some("false"));
        assert_eq!(config.get("fetch.min.bytes"), Some("7"));
    }

    #[test]
    fn static_membership_can_be_switched_off_and_overrides_win() {
        let off = worker(&[("ferry.sink.static.membership", "false")]);
        assert_eq!(
            consumer_config(&off, &BTreeMap::new(), "files", 0, "c").get("group.instance.id"),
            None
        );
        let mut connector = BTreeMap::new();
        connector.insert(
            "consumer.override.group.instance.id".to_string(),
            "mine".to_string(),
        );
        let config = consumer_config(&worker(&[]), &connector, "files", 0, "c");
        assert_eq!(config.get("group.instance.id"), Some("mine"));
    }

    #[test]
    fn connector_admin_clients_take_admin_settings_then_the_connectors_overrides() {
        let mut connector = BTreeMap::new();
        connector.insert(
            "admin.override.request.timeout.ms".to_string(),
            "9000".to_string(),
        );
        let worker = worker(&[
            ("admin.request.timeout.ms", "5000"),
            ("admin.socket.timeout.ms", "7000"),
        ]);
        let config = connector_admin_config(&worker, &connector, "connector-adminclient-c-0");
        assert_eq!(config.get("request.timeout.ms"), Some("9000"));
        assert_eq!(config.get("socket.timeout.ms"), Some("7000"));
        assert_eq!(config.get("client.id"), Some("connector-adminclient-c-0"));
    }

    #[test]
    fn producers_wait_for_all_replicas_and_never_time_out_a_record() {
        let config = producer_config(
            &worker(&[("producer.key.serializer", "x")]),
            &BTreeMap::new(),
            "p",
        );
        assert_eq!(config.get("acks"), Some("all"));
        assert_eq!(
            config.get("max.in.flight.requests.per.connection"),
            Some("1")
        );
        assert_eq!(config.get("message.timeout.ms"), Some("2147483647"));
        assert_eq!(config.get("key.serializer"), None);
    }
}
