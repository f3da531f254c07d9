//! The three internal-topic stores (configs, statuses, source offsets) against a real
//! broker: what they write is checked byte for byte with a plain consumer against
//! Kafka Connect's formats, and what one store writes another reads back.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ferry::config::WorkerConfig;
use ferry::plugin::instance::OffsetReader;
use ferry::storage::config_log::{ConfigEvent, ConfigLog, SessionKey};
use ferry::storage::kafka_offsets::KafkaOffsetStore;
use ferry::storage::status_log::{StatusLog, StatusRecord};
use ferry::worker::offsets::OffsetStore;
use ferry::worker::status::{State, TargetState};
use ferry_tests::{Broker, free_port, unique_name, wait_for};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A worker config for `broker` with its own group and REST port.
fn worker(broker: &Broker) -> WorkerConfig {
    let props: BTreeMap<String, String> = [
        ("bootstrap.servers", broker.bootstrap_servers()),
        ("group.id", unique_name("internal-topics")),
        ("listeners", format!("http://127.0.0.1:{}", free_port())),
        // The test broker advertises 127.0.0.1, never "localhost" (design.md).
        ("producer.broker.address.family", "v4".to_string()),
        ("consumer.broker.address.family", "v4".to_string()),
        ("admin.broker.address.family", "v4".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    WorkerConfig::from_props(props).expect("valid worker config")
}

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One record as a plain consumer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Raw {
    partition: i32,
    offset: i64,
    key: String,
    value: Option<String>,
}

/// Reads every record of `topic` from the beginning with a plain consumer (manual
/// assignment, no group) until `n` records were read; panics after a deadline.
fn read_raw(broker: &Broker, topic: &str, n: usize) -> Vec<Raw> {
    let consumer: BaseConsumer = broker
        .client_config()
        .set("group.id", unique_name("internal-topics-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("create Kafka consumer");
    let partitions = wait_for(READ_TIMEOUT, || broker.partition_count(topic))
        .unwrap_or_else(|| panic!("topic {topic} does not exist"));
    let mut assignment = TopicPartitionList::new();
    for p in 0..partitions {
        assignment
            .add_partition_offset(topic, p as i32, Offset::Beginning)
            .expect("add partition");
    }
    consumer.assign(&assignment).expect("assign");
    let deadline = Instant::now() + READ_TIMEOUT;
    let mut records = Vec::new();
    while records.len() < n {
        assert!(
            Instant::now() < deadline,
            "read only {} of {n} records from {topic}: {records:#?}",
            records.len()
        );
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => records.push(Raw {
                partition: m.partition(),
                offset: m.offset(),
                key: String::from_utf8(m.key().unwrap_or_default().to_vec()).expect("utf-8 key"),
                value: m
                    .payload()
                    .map(|v| String::from_utf8(v.to_vec()).expect("utf-8 value")),
            }),
            Some(Err(e)) => eprintln!("consume {topic}: {e} (continuing)"),
            None => {}
        }
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    records
}

/// (key, value) pairs in topic order (single-partition topics).
fn pairs(records: &[Raw]) -> Vec<(String, Option<String>)> {
    records
        .iter()
        .map(|r| (r.key.clone(), r.value.clone()))
        .collect()
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

fn admin(broker: &Broker) -> (AdminClient<DefaultClientContext>, tokio::runtime::Runtime) {
    let admin = broker
        .client_config()
        .create()
        .expect("create admin client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    (admin, runtime)
}

/// Creates `topic` with explicit topic configs, and waits until metadata shows it.
fn create_topic_with(broker: &Broker, topic: &str, partitions: i32, configs: &[(&str, &str)]) {
    let (admin, runtime) = admin(broker);
    let mut new = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    for (k, v) in configs {
        new = new.set(k, v);
    }
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    for result in runtime
        .block_on(admin.create_topics([&new], &options))
        .expect("create topics")
    {
        result.unwrap_or_else(|(t, code)| panic!("create topic {t}: {code:?}"));
    }
    assert!(
        wait_for(READ_TIMEOUT, || broker
            .partition_count(topic)
            .filter(|n| *n == partitions as usize))
        .is_some(),
        "topic {topic} never showed {partitions} partitions"
    );
}

/// `cleanup.policy` as the broker describes it, if it reports one.
fn cleanup_policy(broker: &Broker, topic: &str) -> Option<String> {
    let (admin, runtime) = admin(broker);
    let resource = ResourceSpecifier::Topic(topic);
    let results = runtime
        .block_on(admin.describe_configs([&resource], &AdminOptions::new()))
        .ok()?;
    let config = results.into_iter().next()?.ok()?;
    config.get("cleanup.policy")?.value.clone()
}

/// Kafka's `Utils.murmur2`, to check keys land where Java's partitioner puts them.
fn java_murmur2(data: &[u8]) -> i32 {
    let m: i32 = 0x5bd1_e995;
    let mut h: i32 = (0x9747_b28c_u32 as i32) ^ data.len() as i32;
    let chunks = data.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        let mut k = i32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(m);
        k ^= ((k as u32) >> 24) as i32;
        k = k.wrapping_mul(m);
        h = h.wrapping_mul(m);
        h ^= k;
    }
    if tail.len() >= 3 {
        h ^= i32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= i32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= i32::from(tail[0]);
        h = h.wrapping_mul(m);
    }
    h ^= ((h as u32) >> 13) as i32;
    h = h.wrapping_mul(m);
    h ^= ((h as u32) >> 15) as i32;
    h
}

/// Java's `BuiltInPartitioner.partitionForKey`.
fn java_partition(key: &str, partitions: i32) -> i32 {
    (java_murmur2(key.as_bytes()) & 0x7fff_ffff) % partitions
}

#[test]
fn java_murmur2_matches_kafkas_test_vectors() {
    // From Kafka's UtilsTest.testMurmur2.
    for (input, expected) in [
        ("21", -973_932_308),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        (
            "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
            -58_897_971,
        ),
        ("abc", 479_470_107),
    ] {
        assert_eq!(java_murmur2(input.as_bytes()), expected, "{input}");
    }
}

/// Every config record type, written through the API, is on the topic exactly as
/// Kafka Connect writes it; a second store reads the same snapshot; deletion is two
/// tombstones.
#[test]
fn config_topic_holds_kafka_connect_records_and_a_second_reader_agrees() {
    let broker = Broker::shared();
    let topic = unique_name("connect-configs");
    let w = worker(broker);
    let a = ConfigLog::open(&w, &topic, 1).expect("open config log");
    assert_eq!(a.snapshot().offset, -1, "nothing read yet");
    if let Some(policy) = cleanup_policy(broker, &topic) {
        assert_eq!(policy, "compact", "the store creates its topic compacted");
    }

    let connector = props(&[("connector.class", "FileStreamSource"), ("tasks.max", "2")]);
    let task0 = props(&[("file", "/in/a"), ("task.class", "T")]);
    let task1 = props(&[("file", "/in/b"), ("task.class", "T")]);
    let key = SessionKey {
        key: b"0123456789abcdef0123456789abcdef".to_vec(),
        algorithm: "HmacSHA256".into(),
        creation_timestamp: 1_700_000_000_000,
    };
    a.put_connector_config("my-conn", &connector)
        .expect("put connector");
    a.put_target_state("my-conn", TargetState::Stopped)
        .expect("put target state");
    a.put_task_configs("my-conn", &[task0.clone(), task1.clone()])
        .expect("put task configs");
    a.put_session_key(&key).expect("put session key");
    a.put_restart_request("my-conn", true, false)
        .expect("put restart request");
    assert_eq!(
        a.snapshot().connectors.len(),
        0,
        "writes reach the snapshot only through refresh()"
    );

    let events = a.refresh().expect("refresh");
    assert_eq!(
        events,
        vec![
            ConfigEvent::ConnectorUpdated("my-conn".into()),
            ConfigEvent::TargetStateChanged("my-conn".into()),
            ConfigEvent::TasksCommitted("my-conn".into()),
            ConfigEvent::SessionKeyUpdated,
            ConfigEvent::RestartRequested {
                connector: "my-conn".into(),
                include_tasks: true,
                only_failed: false,
            },
        ]
    );
    let snapshot = a.snapshot();
    assert_eq!(snapshot.offset, 7, "offset after the 7th record");
    assert_eq!(snapshot.connectors["my-conn"], connector);
    assert_eq!(snapshot.task_count("my-conn"), 2);
    assert_eq!(snapshot.task_config("my-conn", 0), Some(&task0));
    assert_eq!(snapshot.task_config("my-conn", 1), Some(&task1));
    assert_eq!(snapshot.target_state("my-conn"), TargetState::Stopped);
    assert_eq!(snapshot.session_key.as_ref(), Some(&key));
    assert!(snapshot.inconsistent.is_empty());
    assert!(a.refresh().expect("refresh again").is_empty());

    let raw = read_raw(broker, &topic, 7);
    assert_eq!(
        pairs(&raw),
        vec![
            (
                "connector-my-conn".into(),
                some(r#"{"properties":{"connector.class":"FileStreamSource","tasks.max":"2"}}"#)
            ),
            (
                "target-state-my-conn".into(),
                some(r#"{"state":"PAUSED","state.v2":"STOPPED"}"#)
            ),
            (
                "task-my-conn-0".into(),
                some(r#"{"properties":{"file":"/in/a","task.class":"T"}}"#)
            ),
            (
                "task-my-conn-1".into(),
                some(r#"{"properties":{"file":"/in/b","task.class":"T"}}"#)
            ),
            ("commit-my-conn".into(), some(r#"{"tasks":2}"#)),
            (
                "session-key".into(),
                some(
                    r#"{"key":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=","algorithm":"HmacSHA256","creation-timestamp":1700000000000}"#
                )
            ),
            (
                "restart-connector-my-conn".into(),
                some(r#"{"include-tasks":true,"only-failed":false}"#)
            ),
        ]
    );
    assert_eq!(raw.last().map(|r| r.offset), Some(6));

    // Another worker's store: same snapshot, and its first read raises no events
    // (old restart requests are not replayed).
    let b = ConfigLog::open(&worker(broker), &topic, 1).expect("open second config log");
    assert_eq!(b.snapshot(), snapshot);
    assert!(b.refresh().expect("refresh b").is_empty());

    // Deleting from the second store reaches the first.
    b.remove_connector("my-conn").expect("remove connector");
    assert_eq!(
        a.refresh().expect("refresh after delete"),
        vec![ConfigEvent::ConnectorRemoved("my-conn".into())]
    );
    let after = a.snapshot();
    assert!(after.connectors.is_empty());
    assert_eq!(after.task_count("my-conn"), 0);
    assert_eq!(after.target_state("my-conn"), TargetState::Started);
    assert_eq!(after.offset, 9);
    let raw = read_raw(broker, &topic, 9);
    assert_eq!(
        pairs(&raw[7..]),
        vec![
            ("connector-my-conn".into(), None),
            ("target-state-my-conn".into(), None)
        ]
    );
    b.refresh().expect("refresh b after delete");
    assert_eq!(b.snapshot(), after);
}

/// Statuses are written as Kafka Connect writes them, in the partition Java's
/// partitioner picks for their key, and read back by another worker's store.
#[test]
fn status_topic_holds_kafka_connect_records_in_java_partitions() {
    let broker = Broker::shared();
    let topic = unique_name("connect-status");
    let partitions = 5;
    let a = StatusLog::open(&worker(broker), &topic, partitions, 1).expect("open status log");
    let running = StatusRecord {
        state: State::Running,
        trace: None,
        worker_id: "127.0.0.1:8083".into(),
        generation: 3,
        version: Some("4.4.0".into()),
    };
    let failed = StatusRecord {
        state: State::Failed,
        trace: Some("java.lang.RuntimeException: boom\n\tat Task.poll".into()),
        worker_id: "127.0.0.1:8084".into(),
        generation: 3,
        version: None,
    };
    a.put_connector("my-conn", &running).expect("put connector");
    a.put_task("my-conn", 0, &running).expect("put task 0");
    a.put_task("my-conn", 1, &failed).expect("put task 1");
    assert_eq!(a.connector("my-conn"), None, "visible only once read back");

    let b = StatusLog::open(&worker(broker), &topic, partitions, 1).expect("open second");
    assert_eq!(b.connector("my-conn"), Some(running.clone()));
    assert_eq!(
        b.tasks("my-conn"),
        BTreeMap::from([(0, running.clone()), (1, failed.clone())])
    );
    a.refresh().expect("refresh a");
    assert_eq!(a.tasks("my-conn"), b.tasks("my-conn"));

    let raw = read_raw(broker, &topic, 3);
    let by_key: BTreeMap<String, Raw> = raw.into_iter().map(|r| (r.key.clone(), r)).collect();
    let expected = [
        (
            "status-connector-my-conn",
            r#"{"state":"RUNNING","trace":null,"worker_id":"127.0.0.1:8083","generation":3,"version":"4.4.0"}"#,
        ),
        (
            "status-task-my-conn-0",
            r#"{"state":"RUNNING","trace":null,"worker_id":"127.0.0.1:8083","generation":3,"version":"4.4.0"}"#,
        ),
        (
            "status-task-my-conn-1",
            r#"{"state":"FAILED","trace":"java.lang.RuntimeException: boom\n\tat Task.poll","worker_id":"127.0.0.1:8084","generation":3,"version":null}"#,
        ),
    ];
    for (key, value) in expected {
        let record = by_key
            .get(key)
            .unwrap_or_else(|| panic!("{key} not on the topic: {by_key:#?}"));
        assert_eq!(record.value.as_deref(), Some(value), "{key}");
        assert_eq!(
            record.partition,
            java_partition(key, partitions),
            "{key} must be in the partition Java's murmur2 partitioner picks"
        );
    }

    // putSafe: an older generation from another worker does not overwrite.
    let stale = StatusRecord {
        state: State::Unassigned,
        trace: None,
        worker_id: "127.0.0.1:9999".into(),
        generation: 2,
        version: None,
    };
    assert!(!a.put_connector_safe("my-conn", &stale).expect("safe put"));
    let newer = StatusRecord {
        generation: 4,
        ..stale.clone()
    };
    assert!(a.put_task_safe("my-conn", 0, &newer).expect("safe put"));
    b.refresh().expect("refresh b");
    assert_eq!(b.tasks("my-conn")[&0], newer);

    // Removal: tombstones for the connector and its tasks.
    a.remove_connector("my-conn", 2).expect("remove");
    b.refresh().expect("refresh b");
    assert_eq!(b.connector("my-conn"), None);
    assert!(b.tasks("my-conn").is_empty());
    let raw = read_raw(broker, &topic, 7);
    let tombstones: Vec<&str> = raw
        .iter()
        .filter(|r| r.value.is_none())
        .map(|r| r.key.as_str())
        .collect();
    let mut sorted = tombstones.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        vec![
            "status-connector-my-conn",
            "status-task-my-conn-0",
            "status-task-my-conn-1"
        ]
    );
}

/// Offsets committed through one store are read by another (as when a task moves
/// to another worker), keyed and valued as Kafka Connect does.
#[test]
fn offsets_round_trip_between_two_stores() {
    let broker = Broker::shared();
    let topic = unique_name("connect-offsets");
    let partitions = 5;
    let a = KafkaOffsetStore::open(&worker(broker), &topic, partitions, 1).expect("open a");
    let b = KafkaOffsetStore::open(&worker(broker), &topic, partitions, 1).expect("open b");
    let pa = r#"{"filename":"/data/a.txt"}"#.to_string();
    let pb = r#"{ "filename" : "/data/b.txt" }"#.to_string();
    a.commit(
        "file-source",
        &[
            (pa.clone(), Some(r#"{"position":42}"#.to_string())),
            (pb.clone(), Some(r#"{ "position": 7 }"#.to_string())),
        ],
    )
    .expect("commit");
    assert_eq!(
        b.read_offsets(
            "file-source",
            &[pa.clone(), pb.clone(), r#"{"filename":"/c"}"#.into()]
        ),
        vec![
            Some(r#"{"position":42}"#.to_string()),
            Some(r#"{"position":7}"#.to_string()),
            None
        ]
    );
    assert_eq!(
        b.read_offsets("other-connector", std::slice::from_ref(&pa)),
        vec![None]
    );

    // A newer offset and a deleted one.
    a.commit(
        "file-source",
        &[
            (pa.clone(), Some(r#"{"position":43}"#.into())),
            (pb.clone(), None),
        ],
    )
    .expect("commit again");
    assert_eq!(
        b.read_offsets("file-source", &[pa.clone(), pb.clone()]),
        vec![Some(r#"{"position":43}"#.to_string()), None]
    );
    assert_eq!(
        b.all("file-source"),
        vec![(
            r#"{"filename":"/data/a.txt"}"#.to_string(),
            r#"{"position":43}"#.to_string()
        )]
    );

    let raw = read_raw(broker, &topic, 4);
    let key_a = r#"["file-source",{"filename":"/data/a.txt"}]"#;
    let key_b = r#"["file-source",{"filename":"/data/b.txt"}]"#;
    let of = |key: &str| -> Vec<Option<String>> {
        raw.iter()
            .filter(|r| r.key == key)
            .map(|r| r.value.clone())
            .collect()
    };
    assert_eq!(
        of(key_a),
        vec![some(r#"{"position":42}"#), some(r#"{"position":43}"#)]
    );
    assert_eq!(of(key_b), vec![some(r#"{"position":7}"#), None]);
    for r in &raw {
        assert_eq!(r.partition, java_partition(&r.key, partitions), "{}", r.key);
    }
}

/// An existing topic that is not compact-only is refused with Kafka Connect's
/// message, naming the topic and the worker property; so is a config topic with
/// more than one partition.
#[test]
fn unusable_existing_topics_are_refused() {
    let broker = Broker::shared();
    let w = worker(broker);

    let deleting = unique_name("connect-configs-delete");
    create_topic_with(broker, &deleting, 1, &[("cleanup.policy", "delete")]);
    match cleanup_policy(broker, &deleting) {
        Some(policy) => {
            assert_eq!(policy, "delete");
            let err = ConfigLog::open(&w, &deleting, 1)
                .err()
                .expect("a delete-policy config topic is refused");
            let message = err.to_string();
            assert_eq!(
                message,
                format!(
                    "Topic '{deleting}' supplied via the 'config.storage.topic' property is \
                     required to have 'cleanup.policy=compact' to guarantee consistency and \
                     durability of connector configurations, but found the topic currently has \
                     'cleanup.policy=delete'. Continuing would likely result in eventually \
                     losing connector configurations and problems restarting this Connect \
                     cluster in the future. Change the 'config.storage.topic' property in the \
                     Connect worker configurations to use a topic with 'cleanup.policy=compact'."
                )
            );
            let err = StatusLog::open(&w, &deleting, 1, 1)
                .err()
                .expect("also as the status topic");
            assert!(err.to_string().contains("'status.storage.topic'"), "{err}");
            let err = KafkaOffsetStore::open(&w, &deleting, 1, 1)
                .err()
                .expect("also as the offsets topic");
            assert!(err.to_string().contains("'offset.storage.topic'"), "{err}");
        }
        // Kafka always reports cleanup.policy (its default is delete). A broker that
        // reports none makes Kafka Connect warn and go on, which the stores copy;
        // there is then nothing to refuse.
        None => eprintln!(
            "SKIPPED: the broker does not describe cleanup.policy of {deleting}; the refusal \
             cannot be observed"
        ),
    }

    // Compact but two partitions: not a config topic.
    let wide = unique_name("connect-configs-wide");
    create_topic_with(broker, &wide, 2, &[("cleanup.policy", "compact")]);
    let err = ConfigLog::open(&w, &wide, 1)
        .err()
        .expect("a two-partition config topic is refused");
    assert_eq!(
        err.to_string(),
        format!(
            "Topic '{wide}' supplied via the 'config.storage.topic' property is required to \
             have a single partition in order to guarantee consistency of connector \
             configurations, but found 2 partitions."
        )
    );
    // It is fine as a status topic.
    StatusLog::open(&w, &wide, 2, 1).expect("a compacted two-partition status topic");
}
