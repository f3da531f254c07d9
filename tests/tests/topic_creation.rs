//! KIP-158 topic creation for source connectors: a source writing to topics that do
//! not exist yet gets each created with the partitions and configs of the first
//! creation group that matches it (`default` otherwise), a topic that exists is left
//! as it is, and a worker with `topic.creation.enable=false` creates nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use ferry_tests::{
    Broker, Worker, unique_name, validation_errors, wait_until, with_test_plugins, worker_props,
};

/// The topics one scenario writes to, all under a unique prefix.
struct Topics {
    /// Matched by `compacted`.
    state_a: String,
    /// Included by `compacted` but excluded there, so it falls to `logs`.
    state_b: String,
    /// Matched by `logs`.
    logs_c: String,
    /// Matched by no named group: `default`.
    other: String,
    /// Created by the test beforehand, with 2 partitions and no configs.
    existing: String,
}

impl Topics {
    fn new() -> Self {
        let p = unique_name("tc");
        Self {
            state_a: format!("{p}-state-a"),
            state_b: format!("{p}-state-b"),
            logs_c: format!("{p}-logs-c"),
            other: format!("{p}-other"),
            existing: format!("{p}-state-existing"),
        }
    }

    fn all(&self) -> [&str; 5] {
        [
            &self.state_a,
            &self.state_b,
            &self.logs_c,
            &self.other,
            &self.existing,
        ]
    }
}

/// A `test-chaos-source` spreading 50 records over every topic, with two creation
/// groups and the default group's settings.
fn source_config(topics: &Topics) -> Vec<(&'static str, String)> {
    let prefix = topics.state_a.trim_end_matches("-state-a");
    vec![
        ("connector.class", "test-chaos-source".into()),
        ("tasks.max", "1".into()),
        ("topic", topics.other.clone()),
        ("topics", topics.all().join(",")),
        ("records.per.poll", "5".into()),
        ("max.records", "50".into()),
        ("topic.creation.groups", "compacted,logs".into()),
        ("topic.creation.default.replication.factor", "1".into()),
        ("topic.creation.default.partitions", "1".into()),
        ("topic.creation.default.retention.ms", "7200000".into()),
        (
            "topic.creation.compacted.include",
            format!("{prefix}-state-.*"),
        ),
        (
            "topic.creation.compacted.exclude",
            format!("{prefix}-state-b"),
        ),
        ("topic.creation.compacted.partitions", "3".into()),
        // Not `cleanup.policy=compact`: the chaos source's records have no keys.
        ("topic.creation.compacted.retention.bytes", "1048576".into()),
        ("topic.creation.compacted.segment.ms", "600000".into()),
        (
            "topic.creation.logs.include",
            format!("{prefix}-logs-.*,{prefix}-state-b"),
        ),
        ("topic.creation.logs.replication.factor", "-1".into()),
        ("topic.creation.logs.partitions", "2".into()),
        ("topic.creation.logs.retention.ms", "3600000".into()),
        ("topic.creation.logs.compression.type", "zstd".into()),
    ]
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Waits until every topic holds its 10 records (or the task failed).
fn wait_records(broker: &Broker, worker: &Worker, name: &str, topics: &Topics) {
    let mut failed = false;
    let arrived = wait_until(Duration::from_secs(120), || {
        failed = worker.task_state(name, 0).as_deref() == Some("FAILED");
        failed
            || topics
                .all()
                .iter()
                .all(|t| broker.record_count(t).unwrap_or(0) >= 10)
    });
    let arrived = arrived && !failed;
    assert!(
        arrived,
        "not every topic got its records: {:?}; status {:?}",
        topics
            .all()
            .map(|t| (t.to_string(), broker.record_count(t))),
        worker.status(name)
    );
}

#[test]
fn a_source_creates_its_topics_with_the_settings_of_their_group() {
    let broker = Broker::shared();
    let topics = Topics::new();
    broker.create_topic(&topics.existing, 2);
    let worker = Worker::start_standalone(with_test_plugins(worker_props(broker, &[])), &[]);
    let name = unique_name("creates");

    let config = source_config(&topics);
    let (status, body) = worker.rest().create_connector(&name, &config);
    assert_eq!(status, 201, "{body}");
    wait_records(broker, &worker, &name, &topics);
    assert_eq!(worker.task_state(&name, 0).as_deref(), Some("RUNNING"));

    let expect = [
        (
            &topics.state_a,
            3,
            map(&[("retention.bytes", "1048576"), ("segment.ms", "600000")]),
        ),
        (
            &topics.state_b,
            2,
            map(&[("retention.ms", "3600000"), ("compression.type", "zstd")]),
        ),
        (
            &topics.logs_c,
            2,
            map(&[("retention.ms", "3600000"), ("compression.type", "zstd")]),
        ),
        (&topics.other, 1, map(&[("retention.ms", "7200000")])),
        // Matched by `compacted`, but it existed: left exactly as it was.
        (&topics.existing, 2, BTreeMap::new()),
    ];
    for (topic, partitions, configs) in expect {
        assert_eq!(
            broker.partition_count(topic),
            Some(partitions),
            "partitions of {topic}"
        );
        assert_eq!(
            broker.topic_overrides(topic),
            Some(configs),
            "configs set on {topic}"
        );
    }
    assert!(
        worker.log_count(&format!("Topic '{}' already exists.", topics.existing)) >= 1,
        "the existing topic is found, not created"
    );
}

#[test]
fn topic_creation_keys_are_validated_with_kafkas_messages() {
    let broker = Broker::shared();
    let worker = Worker::start_standalone(with_test_plugins(worker_props(broker, &[])), &[]);
    let config = vec![
        ("connector.class", "test-chaos-source".to_string()),
        ("topic", "t".to_string()),
        ("topic.creation.groups", "a,a".to_string()),
        ("topic.creation.default.partitions", "0".to_string()),
    ];
    let (status, body) = worker.rest().validate("test-chaos-source", &config);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        validation_errors(&body, "topic.creation.groups"),
        Some(vec![
            "Invalid value [a, a] for configuration topic.creation.groups: Duplicate alias provided."
                .to_string()
        ])
    );
    assert_eq!(
        validation_errors(&body, "topic.creation.default.replication.factor"),
        Some(vec![
            "Missing required configuration \"topic.creation.default.replication.factor\" which has no default value."
                .to_string()
        ])
    );
    assert_eq!(
        validation_errors(&body, "topic.creation.default.partitions"),
        Some(vec![
            "Invalid value 0 for configuration topic.creation.default.partitions: Number of partitions must be positive, or -1 to use the broker's default"
                .to_string()
        ])
    );
    let (status, body) = worker.rest().create_connector(&unique_name("bad"), &config);
    assert_eq!(status, 400, "{body}");
}

#[test]
fn a_worker_with_topic_creation_disabled_creates_nothing() {
    let broker = Broker::shared();
    let topics = Topics::new();
    broker.create_topic(&topics.existing, 2);
    let mut props = with_test_plugins(worker_props(broker, &[]));
    props.insert("topic.creation.enable".into(), "false".into());
    let worker = Worker::start_standalone(props, &[]);
    let name = unique_name("disabled");

    let (status, body) = worker
        .rest()
        .create_connector(&name, &source_config(&topics));
    assert_eq!(status, 201, "{body}");
    // The test broker auto-creates topics on first produce: with Ferry creating
    // nothing, every new topic gets the broker's defaults, none of the groups'.
    wait_records(broker, &worker, &name, &topics);
    for topic in [
        &topics.state_a,
        &topics.state_b,
        &topics.logs_c,
        &topics.other,
    ] {
        assert_eq!(
            broker.partition_count(topic),
            Some(1),
            "partitions of {topic}"
        );
        assert_eq!(
            broker.topic_overrides(topic),
            Some(BTreeMap::new()),
            "configs set on {topic}"
        );
    }
    assert_eq!(broker.partition_count(&topics.existing), Some(2));
    assert_eq!(worker.log_count("Created topic"), 0);
}
