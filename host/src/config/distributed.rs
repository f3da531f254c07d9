//! Distributed-mode worker properties, with Kafka Connect's names and defaults.

use std::time::Duration;

use super::worker::{WorkerConfig, WorkerConfigError, parse_number};

/// One internal topic: name, partitions (-1 = broker default) and replication factor.
#[derive(Clone, Debug)]
pub struct TopicSettings {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
}

/// Everything `ferry distributed` needs beyond the common worker properties.
#[derive(Clone, Debug)]
pub struct DistributedConfig {
    pub group_id: String,
    pub config_topic: TopicSettings,
    pub offset_topic: TopicSettings,
    pub status_topic: TopicSettings,
    pub session_timeout: Duration,
    pub heartbeat_interval: Duration,
    pub rebalance_timeout: Duration,
    pub scheduled_rebalance_max_delay: Duration,
    pub protocol: SubProtocol,
    /// `inter.worker.key.ttl.ms`: how long a session key signs requests.
    pub key_ttl: Duration,
    /// `exactly.once.source.support` (KIP-618).
    pub exactly_once_source: ExactlyOnceSourceSupport,
}

/// Kafka's `DistributedConfig.ExactlyOnceSourceSupport`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExactlyOnceSourceSupport {
    /// Source tasks use plain producers and a separate offset commit.
    #[default]
    Disabled,
    /// The step before `enabled` on an existing cluster: tasks still run as with
    /// `disabled` (Kafka also makes its leader's config writer transactional here).
    Preparing,
    /// Transactional source tasks, zombie fencing before new task generations start.
    Enabled,
}

impl ExactlyOnceSourceSupport {
    pub const KEY: &'static str = "exactly.once.source.support";

    /// Parses the worker value (case-sensitive, as Kafka's `ValidString`).
    pub fn parse(value: Option<&str>) -> Result<Self, WorkerConfigError> {
        match value.map(str::trim) {
            None | Some("disabled") => Ok(Self::Disabled),
            Some("preparing") => Ok(Self::Preparing),
            Some("enabled") => Ok(Self::Enabled),
            Some(other) => Err(WorkerConfigError::Invalid {
                key: Self::KEY.into(),
                value: other.to_string(),
                reason: "String must be one of: disabled, preparing, enabled".into(),
            }),
        }
    }

    /// Kafka's `exactlyOnceSourceEnabled()`: only `enabled` runs transactional tasks.
    pub fn enabled(self) -> bool {
        self == Self::Enabled
    }
}

fn required(worker: &WorkerConfig, key: &'static str) -> Result<String, WorkerConfigError> {
    worker
        .props
        .get(key)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or(WorkerConfigError::Missing(key))
}

fn millis(worker: &WorkerConfig, key: &str, default: u64) -> Result<Duration, WorkerConfigError> {
    let value: Option<i64> = parse_number(&worker.props, key)?;
    match value {
        None => Ok(Duration::from_millis(default)),
        Some(v) if v >= 0 => Ok(Duration::from_millis(v as u64)),
        Some(v) => Err(WorkerConfigError::Invalid {
            key: key.to_string(),
            value: v.to_string(),
            reason: "Value must be at least 0".into(),
        }),
    }
}

fn topic(
    worker: &WorkerConfig,
    prefix: &'static str,
    topic_key: &'static str,
    default_partitions: i32,
) -> Result<TopicSettings, WorkerConfigError> {
    let name = required(worker, topic_key)?;
    let partitions_key = format!("{prefix}.partitions");
    let partitions: i32 =
        parse_number(&worker.props, &partitions_key)?.unwrap_or(default_partitions);
    if partitions == 0 || partitions < -1 {
        return Err(WorkerConfigError::Invalid {
            key: partitions_key,
            value: partitions.to_string(),
            reason: "Number of partitions must be positive, or -1 to use the broker's default"
                .into(),
        });
    }
    let replication_key = format!("{prefix}.replication.factor");
    let replication_factor: i16 = parse_number(&worker.props, &replication_key)?.unwrap_or(3);
    if replication_factor == 0 || replication_factor < -1 {
        return Err(WorkerConfigError::Invalid {
            key: replication_key,
            value: replication_factor.to_string(),
            reason: "Positive number not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default".into(),
        });
    }
    Ok(TopicSettings {
        name,
        partitions,
        replication_factor,
    })
}

impl DistributedConfig {
    pub fn from_worker(worker: &WorkerConfig) -> Result<Self, WorkerConfigError> {
        let protocol = match worker
            .props
            .get("connect.protocol")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("sessioned") => SubProtocol::Sessioned,
            Some("compatible") => SubProtocol::Compatible,
            Some("eager") => SubProtocol::Eager,
            Some(other) => {
                return Err(WorkerConfigError::Invalid {
                    key: "connect.protocol".into(),
                    value: other.to_string(),
                    reason: "String must be one of: eager, compatible, sessioned".into(),
                });
            }
        };
        let mut config_topic = topic(worker, "config.storage", "config.storage.topic", 1)?;
        // The config log needs one partition to keep its order.
        config_topic.partitions = 1;
        Ok(Self {
            group_id: required(worker, "group.id")?,
            config_topic,
            offset_topic: topic(worker, "offset.storage", "offset.storage.topic", 25)?,
            status_topic: topic(worker, "status.storage", "status.storage.topic", 5)?,
            session_timeout: millis(worker, "session.timeout.ms", 10_000)?,
            heartbeat_interval: millis(worker, "heartbeat.interval.ms", 3_000)?,
            rebalance_timeout: millis(worker, "rebalance.timeout.ms", 60_000)?,
            scheduled_rebalance_max_delay: millis(
                worker,
                "scheduled.rebalance.max.delay.ms",
                300_000,
            )?,
            protocol,
            key_ttl: millis(worker, "inter.worker.key.ttl.ms", 3_600_000)?,
            exactly_once_source: ExactlyOnceSourceSupport::parse(
                worker
                    .props
                    .get(ExactlyOnceSourceSupport::KEY)
                    .map(String::as_str),
            )?,
        })
    }
}

/// A sub-protocol, in the order of preference Kafka Connect offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubProtocol {
    /// v0: eager rebalancing.
    Eager,
    /// v1: incremental cooperative rebalancing.
    Compatible,
    /// v2: incremental cooperative with signed internal requests.
    Sessioned,
}

impl SubProtocol {
    pub fn name(self) -> &'static str {
        match self {
            SubProtocol::Eager => "default",
            SubProtocol::Compatible => "compatible",
            SubProtocol::Sessioned => "sessioned",
        }
    }

    pub fn version(self) -> i16 {
        match self {
            SubProtocol::Eager => 0,
            SubProtocol::Compatible => 1,
            SubProtocol::Sessioned => 2,
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "default" => Some(SubProtocol::Eager),
            "compatible" => Some(SubProtocol::Compatible),
            "sessioned" => Some(SubProtocol::Sessioned),
            _ => None,
        }
    }

    /// What a worker with `connect.protocol=self` offers in JoinGroup, best first.
    pub fn offered(self) -> Vec<SubProtocol> {
        match self {
            SubProtocol::Sessioned => vec![
                SubProtocol::Sessioned,
                SubProtocol::Compatible,
                SubProtocol::Eager,
            ],
            SubProtocol::Compatible => vec![SubProtocol::Compatible, SubProtocol::Eager],
            SubProtocol::Eager => vec![SubProtocol::Eager],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn worker(extra: &[(&str, &str)]) -> WorkerConfig {
        let mut props: BTreeMap<String, String> = [
            ("group.id", "g"),
            ("config.storage.topic", "c"),
            ("offset.storage.topic", "o"),
            ("status.storage.topic", "s"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            props.insert(k.to_string(), v.to_string());
        }
        WorkerConfig::from_props(props).expect("worker config")
    }

    #[test]
    fn defaults_are_kafka_connects() {
        let config = DistributedConfig::from_worker(&worker(&[])).expect("valid");
        assert_eq!(config.session_timeout, Duration::from_secs(10));
        assert_eq!(config.heartbeat_interval, Duration::from_secs(3));
        assert_eq!(config.rebalance_timeout, Duration::from_secs(60));
        assert_eq!(
            config.scheduled_rebalance_max_delay,
            Duration::from_secs(300)
        );
        assert_eq!(config.offset_topic.partitions, 25);
        assert_eq!(config.status_topic.partitions, 5);
        assert_eq!(config.config_topic.partitions, 1);
        assert_eq!(config.offset_topic.replication_factor, 3);
        assert_eq!(config.protocol, SubProtocol::Sessioned);
    }

    #[test]
    fn bad_values_name_the_key() {
        let error = DistributedConfig::from_worker(&worker(&[("status.storage.partitions", "0")]))
            .expect_err("invalid");
        assert!(
            error.to_string().contains("status.storage.partitions"),
            "{error}"
        );
        let mut props = worker(&[]).props;
        props.remove("group.id");
        let error = DistributedConfig::from_worker(&WorkerConfig::from_props(props).expect("ok"))
            .expect_err("missing");
        assert!(error.to_string().contains("group.id"), "{error}");
    }
}

#[cfg(test)]
mod exactly_once_tests {
    use super::*;

    #[test]
    fn exactly_once_source_support_takes_kafkas_three_values() {
        assert_eq!(
            ExactlyOnceSourceSupport::parse(None).expect("default"),
            ExactlyOnceSourceSupport::Disabled
        );
        assert_eq!(
            ExactlyOnceSourceSupport::parse(Some("preparing")).expect("valid"),
            ExactlyOnceSourceSupport::Preparing
        );
        assert!(
            ExactlyOnceSourceSupport::parse(Some("enabled"))
                .expect("valid")
                .enabled()
        );
        assert!(!ExactlyOnceSourceSupport::Preparing.enabled());
        let error = ExactlyOnceSourceSupport::parse(Some("ENABLED")).expect_err("case-sensitive");
        assert_eq!(
            error.to_string(),
            "worker config: invalid value 'ENABLED' for 'exactly.once.source.support': String must be one of: disabled, preparing, enabled"
        );
    }
}
