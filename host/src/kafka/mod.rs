//! rdkafka clients configured the way Kafka Connect configures its own: worker
//! `producer.*` / `consumer.*` settings, then connector `producer.override.*` /
//! `consumer.override.*`, over Connect's defaults.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

use crate::config::WorkerConfig;
use crate::config::worker::strip_prefix;

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
        // Kafka Connect's source defaults: no record is lost once acked.
        .set("acks", "all")
        .set("max.in.flight.requests.per.connection", "1")
        .set("linger.ms", "5")
        .set("message.timeout.ms", "300000")
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
        .set("partition.assignment.strategy", "range,roundrobin");
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
    "request.timeout.ms.config",
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
