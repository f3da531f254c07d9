//! The harness itself against a real Apache Kafka broker (no ferry involved): if these fail,
//! the end-to-end failures elsewhere are about the environment, not about Ferry.

use std::time::Duration;

use ferry_tests::{Broker, read_lines, unique_name, wait_until, write_lines};

fn round_trip(broker: &Broker) {
    let topic = unique_name("harness");
    broker.create_topic(&topic, 3);
    assert_eq!(
        broker.partition_count(&topic),
        Some(3),
        "topic has 3 partitions"
    );

    let values: Vec<String> = (0..500).map(|i| format!("value {i}")).collect();
    broker.produce(&topic, &values);
    assert!(
        wait_until(Duration::from_secs(30), || broker.record_count(&topic)
            == Some(500)),
        "watermarks count 500 records, got {:?}",
        broker.record_count(&topic)
    );
    let mut got: Vec<String> = broker
        .consume_all(&topic, 500, Duration::from_secs(60))
        .into_iter()
        .map(|v| String::from_utf8(v).expect("UTF-8 values"))
        .collect();
    got.sort_by_key(|v| v[6..].parse::<u32>().unwrap_or(u32::MAX));
    assert_eq!(got, values, "every produced value is consumed once");
}

#[test]
fn shared_broker_creates_topics_and_round_trips_records() {
    let broker = Broker::shared();
    round_trip(broker);
    assert!(
        broker.cluster_id().is_some_and(|id| !id.is_empty()),
        "the broker reports a cluster id"
    );
}

/// A test's own broker survives a freeze and a `kill -9` + restart with its data.
#[test]
fn own_broker_freezes_restarts_and_keeps_its_data() {
    let mut broker = Broker::start();
    round_trip(&broker);
    let topic = unique_name("restart");
    broker.create_topic(&topic, 1);
    broker.produce(&topic, &["before"]);

    broker.freeze();
    assert!(
        broker.partition_count_within(&topic, Duration::from_secs(2)).is_none(),
        "a frozen broker answers no metadata request"
    );
    broker.thaw();
    assert!(
        wait_until(Duration::from_secs(30), || broker.partition_count(&topic) == Some(1)),
        "a thawed broker answers again"
    );

    broker.kill();
    broker.restart();
    broker.produce(&topic, &["after"]);
    let got = broker.consume_all(&topic, 2, Duration::from_secs(60));
    assert_eq!(
        got,
        [b"before".to_vec(), b"after".to_vec()],
        "a record produced before the kill is still there after the restart"
    );
}

#[test]
fn read_lines_ignores_a_trailing_partial_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("f.txt");
    assert!(read_lines(&path).is_empty(), "a missing file has no lines");
    write_lines(&path, ["a", "", "b"]);
    std::fs::write(
        &path,
        [std::fs::read(&path).expect("read"), b"partial".to_vec()].concat(),
    )
    .expect("write");
    assert_eq!(read_lines(&path), ["a", "", "b"], "complete lines only");
}
