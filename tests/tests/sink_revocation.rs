//! A sink task flushes and commits its partitions when they are revoked, not only on
//! its flush interval. The flush interval here is ten minutes and the worker keeps
//! running, so the only thing that can commit is the revocation: the sink subscribes
//! with `topics.regex`, and a new matching topic makes its consumer rebalance (an
//! eager rebalance revokes every partition first).

use std::time::Duration;

use ferry_tests::{
    Broker, Worker, file_sink_config, read_lines, unique_name, wait_for, wait_until, with, without,
    worker_props, write_properties,
};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

#[test]
fn revoked_partitions_are_flushed_and_committed() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let prefix = unique_name("revoke");
    let first = format!("{prefix}-a");
    broker.create_topic(&first, 1);
    broker.produce(&first, &["one", "two", "three"]);

    let output = data.path().join("out.txt");
    let sink = with(
        without(file_sink_config("revoke-sink", &output, &first), "topics"),
        "topics.regex",
        format!("{prefix}-.*"),
    );
    let file = write_properties(&data.path().join("sink.properties"), &sink);
    let mut props = worker_props(broker, &[data.path()]);
    props.insert("offset.flush.interval.ms".into(), "600000".into());
    props.insert(
        "consumer.topic.metadata.refresh.interval.ms".into(),
        "1000".into(),
    );
    let worker = Worker::start_standalone(props, &[file]);
    assert!(
        wait_until(Duration::from_secs(60), || read_lines(&output).len() == 3),
        "the sink never wrote the first topic's records: {:?}; {}",
        read_lines(&output),
        worker.log_tail(40)
    );

    let committed = || -> Option<i64> {
        let reader: BaseConsumer = broker
            .client_config()
            .set("group.id", "connect-revoke-sink")
            .create()
            .expect("offset reader");
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition(&first, 0);
        let offsets = reader.committed_offsets(tpl, Duration::from_secs(5)).ok()?;
        match offsets.find_partition(&first, 0)?.offset() {
            Offset::Offset(n) => Some(n),
            _ => None,
        }
    };
    assert_eq!(
        committed(),
        None,
        "nothing may be committed before the flush interval or a revocation"
    );

    // A second matching topic: the consumer rebalances and revokes the first one.
    broker.create_topic(&format!("{prefix}-b"), 1);
    let offset = wait_for(Duration::from_secs(90), || committed().filter(|&n| n == 3));
    assert_eq!(
        offset,
        Some(3),
        "the revoked partition's offset must be committed at revocation; {}",
        worker.log_tail(40)
    );
}
