//! The harness itself against a real Tansu broker (no ferry involved): if these fail,
//! the end-to-end failures elsewhere are about the environment, not about Ferry.

use std::time::Duration;

use ferry_tests::{Broker, Storage, read_lines, unique_name, wait_until, write_lines};

fn round_trip(broker: &Broker, storage: Storage) {
    let topic = unique_name("harness");
    broker.create_topic(&topic, 3);
    assert_eq!(
        broker.partition_count(&topic),
        Some(3),
        "topic has 3 partitions"
    );

    let values: Vec<String> = (0..500).map(|i| format!("value {i}")).collect();
    broker.produce(&topic, &values);
    // Tansu 0.6.0's memory:// engine reports high watermarks per batch, not per record.
    assert!(
        storage == Storage::Memory
            || wait_until(Duration::from_secs(30), || broker.record_count(&topic)
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
fn sqlite_broker_creates_topics_and_round_trips_records() {
    let broker = Broker::start();
    round_trip(&broker, Storage::Sqlite);
    assert!(
        broker.cluster_id().is_some_and(|id| !id.is_empty()),
        "the broker reports a cluster id"
    );
}

#[test]
fn memory_broker_round_trips_records() {
    let broker = Broker::start_with(Storage::Memory);
    round_trip(&broker, Storage::Memory);
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
