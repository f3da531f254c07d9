//! Error handling end to end (Kafka Connect's `errors.*`): poison records through a
//! sink and a source with `errors.tolerance=all` land in the dead letter queue with
//! Kafka's context headers while every good record arrives and the task keeps running;
//! with `none` the task fails with Kafka's message; `retriable` failures at each stage
//! are retried and the data arrives once; past `errors.retry.timeout` the task fails
//! or skips as configured. Real broker, real worker, real plugins (the `test-flaky-*`
//! plugins fail on demand).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ferry_tests::{
    Broker, Config, Worker, file_sink_config, file_source_config, read_lines, unique_name,
    wait_for, wait_until, with, with_test_plugins, worker_props, write_lines, write_properties,
};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

const TIMEOUT: Duration = Duration::from_secs(60);

/// One record read back: key, value and headers (values as UTF-8 text).
#[derive(Debug)]
struct Read {
    offset: i64,
    value: Option<String>,
    headers: BTreeMap<String, Option<String>>,
}

/// Reads `n` records of partition 0 of `topic` from the beginning (fewer on timeout).
fn read_records(broker: &Broker, topic: &str, n: usize, timeout: Duration) -> Vec<Read> {
    let consumer: BaseConsumer = broker
        .client_config()
        .set("group.id", unique_name("errors-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    wait_for(Duration::from_secs(30), || broker.partition_count(topic))
        .unwrap_or_else(|| panic!("topic {topic} does not exist"));
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .expect("partition");
    consumer.assign(&tpl).expect("assign");
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let text = |b: Option<&[u8]>| b.map(|b| String::from_utf8_lossy(b).into_owned());
            let headers = m
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_string(), text(h.value)))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Read {
                offset: m.offset(),
                value: text(m.payload()),
                headers,
            });
        }
    }
    out
}

/// Produces `values` to partition 0 of `topic`, each with a `trace` header.
fn produce_with_header(broker: &Broker, topic: &str, values: &[&str]) {
    let producer: BaseProducer = broker
        .client_config()
        .set("acks", "all")
        .create()
        .expect("producer");
    for (i, value) in values.iter().enumerate() {
        let trace = format!("t{i}");
        let record = BaseRecord::<(), str>::to(topic)
            .partition(0)
            .payload(*value)
            .headers(OwnedHeaders::new().insert(Header {
                key: "trace",
                value: Some(trace.as_bytes()),
            }));
        producer.send(record).map_err(|(e, _)| e).expect("send");
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
}

fn header<'a>(read: &'a Read, key: &str) -> Option<&'a str> {
    read.headers.get(key).and_then(|v| v.as_deref())
}

fn dlq(config: Config, topic: &str) -> Config {
    let config = with(config, "errors.deadletterqueue.topic.name", topic);
    let config = with(
        config,
        "errors.deadletterqueue.topic.replication.factor",
        "1",
    );
    let config = with(
        config,
        "errors.deadletterqueue.context.headers.enable",
        "true",
    );
    with(config, "errors.log.enable", "true")
}

fn json_sink(name: &str, output: &std::path::Path, topic: &str) -> Config {
    let config = file_sink_config(name, output, topic);
    let config = with(
        config,
        "value.converter",
        "org.apache.kafka.connect.json.JsonConverter",
    );
    with(config, "value.converter.schemas.enable", "false")
}

fn start(dir: &std::path::Path, configs: &[(&str, Config)]) -> Worker {
    let files: Vec<_> = configs
        .iter()
        .map(|(file, config)| write_properties(&dir.join(file), config))
        .collect();
    Worker::start_standalone(
        with_test_plugins(worker_props(Broker::shared(), &[dir])),
        &files,
    )
}

const POISON: [&str; 5] = [r#"{"a":1}"#, "not json", r#"{"a":2}"#, "{bad", r#"{"a":3}"#];

#[test]
fn sink_skips_poison_records_into_the_dead_letter_queue() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = unique_name("poison-in");
    let dead = unique_name("poison-dlq");
    broker.create_topic(&input, 1);
    produce_with_header(broker, &input, &POISON);
    let output = dir.path().join("out.txt");
    let name = unique_name("poison-sink");
    let config = with(json_sink(&name, &output, &input), "errors.tolerance", "all");
    let worker = start(dir.path(), &[("sink.properties", dlq(config, &dead))]);

    assert!(
        wait_until(TIMEOUT, || read_lines(&output).len() >= 3),
        "good records did not arrive: {:?}\n{}",
        read_lines(&output),
        worker.log_tail(60)
    );
    assert_eq!(read_lines(&output), ["{a=1}", "{a=2}", "{a=3}"]);
    let dead_letters = read_records(broker, &dead, 2, TIMEOUT);
    assert_eq!(dead_letters.len(), 2, "{dead_letters:?}");
    for (read, (offset, value)) in dead_letters.iter().zip([(1, "not json"), (3, "{bad")]) {
        assert_eq!(read.value.as_deref(), Some(value));
        assert_eq!(header(read, "trace"), Some(format!("t{offset}").as_str()));
        assert_eq!(header(read, "__connect.errors.topic"), Some(input.as_str()));
        assert_eq!(header(read, "__connect.errors.partition"), Some("0"));
        assert_eq!(
            header(read, "__connect.errors.offset"),
            Some(offset.to_string().as_str())
        );
        assert_eq!(
            header(read, "__connect.errors.connector.name"),
            Some(name.as_str())
        );
        assert_eq!(header(read, "__connect.errors.task.id"), Some("0"));
        assert_eq!(
            header(read, "__connect.errors.stage"),
            Some("VALUE_CONVERTER")
        );
        assert_eq!(
            header(read, "__connect.errors.class.name"),
            Some("org.apache.kafka.connect.json.JsonConverter")
        );
        assert_eq!(
            header(read, "__connect.errors.exception.class.name"),
            Some("org.apache.kafka.connect.errors.DataException")
        );
        assert!(header(read, "__connect.errors.exception.message").is_some_and(|m| !m.is_empty()));
        assert!(
            header(read, "__connect.errors.exception.stacktrace")
                .is_some_and(|t| t.starts_with("org.apache.kafka.connect.errors.DataException"))
        );
    }
    assert_eq!(worker.task_state(&name, 0).as_deref(), Some("RUNNING"));
    assert!(worker.log_count("Error encountered in task") >= 2);
}

#[test]
fn sink_without_tolerance_fails_with_kafkas_message() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = unique_name("strict-in");
    let dead = unique_name("strict-dlq");
    broker.create_topic(&input, 1);
    produce_with_header(broker, &input, &POISON);
    let name = unique_name("strict-sink");
    let config = json_sink(&name, &dir.path().join("out.txt"), &input);
    let worker = start(dir.path(), &[("sink.properties", dlq(config, &dead))]);

    let status = wait_for(TIMEOUT, || {
        worker
            .task_status(&name, 0)
            .filter(|t| t["state"] == "FAILED")
    })
    .unwrap_or_else(|| panic!("task did not fail\n{}", worker.log_tail(60)));
    let trace = status["trace"].as_str().unwrap_or_default();
    assert!(
        trace.starts_with(
            "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler"
        ),
        "{trace}"
    );
    assert!(
        trace.contains("org.apache.kafka.connect.errors.DataException"),
        "{trace}"
    );
    // As in Kafka, the record that failed the task is reported before it fails.
    let dead_letters = read_records(broker, &dead, 1, TIMEOUT);
    assert_eq!(dead_letters.len(), 1);
    assert_eq!(dead_letters[0].value.as_deref(), Some("not json"));
}

/// The source connector's committed position, from `GET /connectors/{c}/offsets`.
fn source_position(worker: &Worker, name: &str) -> Option<u64> {
    let (status, body) = worker.rest().get(&format!("/connectors/{name}/offsets"));
    if status != 200 {
        return None;
    }
    body["offsets"].as_array()?.first()?["offset"]["position"].as_u64()
}

#[test]
fn source_skips_records_a_transform_refuses_into_the_dead_letter_queue() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().expect("temp dir");
    let topic = unique_name("src-out");
    let dead = unique_name("src-dlq");
    broker.create_topic(&topic, 1);
    let input = dir.path().join("in.txt");
    let lines = ["ok-1", "poison-2", "ok-3", "bomb-4", "ok-5"];
    write_lines(&input, lines);
    let name = unique_name("tolerant-source");
    let config = file_source_config(&name, &input, &topic);
    let config = with(config, "transforms", "flaky");
    let config = with(config, "transforms.flaky.type", "test-flaky-transform");
    let config = with(config, "transforms.flaky.fail.value.contains", "poison");
    let config = with(config, "transforms.flaky.trap.value.contains", "bomb");
    let config = with(config, "errors.tolerance", "all");
    let worker = start(dir.path(), &[("source.properties", dlq(config, &dead))]);

    let text = |values: Vec<Vec<u8>>| -> Vec<String> {
        values
            .into_iter()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .collect()
    };
    assert_eq!(
        text(broker.consume_all(&topic, 3, TIMEOUT)),
        ["ok-1", "ok-3", "ok-5"]
    );
    let dead_letters = read_records(broker, &dead, 2, TIMEOUT);
    assert_eq!(dead_letters.len(), 2, "{dead_letters:?}");
    let partition = format!(r#"{{"filename":"{}"}}"#, input.display());
    for (read, (value, position, exception)) in dead_letters.iter().zip([
        (
            "poison-2",
            14,
            "org.apache.kafka.connect.errors.DataException",
        ),
        (
            "bomb-4",
            26,
            "org.apache.kafka.connect.errors.ConnectException",
        ),
    ]) {
        assert_eq!(read.value.as_deref(), Some(value));
        assert_eq!(
            header(read, "__connect.errors.stage"),
            Some("TRANSFORMATION")
        );
        assert_eq!(
            header(read, "__connect.errors.class.name"),
            Some("test-flaky-transform")
        );
        assert_eq!(header(read, "__connect.errors.topic"), Some(topic.as_str()));
        assert_eq!(header(read, "__connect.errors.offset"), Some("-1"));
        assert_eq!(
            header(read, "__connect.errors.exception.class.name"),
            Some(exception)
        );
        assert_eq!(
            header(read, "__connect.errors.source.partition"),
            Some(partition.as_str())
        );
        assert_eq!(
            header(read, "__connect.errors.source.offset"),
            Some(format!(r#"{{"position":{position}}}"#).as_str())
        );
    }
    // The skipped records' offsets commit with the rest: the whole file is done.
    let size = std::fs::metadata(&input).expect("input").len();
    assert!(
        wait_until(TIMEOUT, || source_position(&worker, &name) == Some(size)),
        "offsets: {:?}",
        worker.rest().get(&format!("/connectors/{name}/offsets"))
    );
    assert_eq!(worker.task_state(&name, 0).as_deref(), Some("RUNNING"));
    // The trapped instance was replaced, and the transform keeps working.
    ferry_tests::append_lines(&input, ["ok-6"]);
    assert_eq!(
        text(broker.consume_all(&topic, 4, TIMEOUT)),
        ["ok-1", "ok-3", "ok-5", "ok-6"]
    );
}

#[test]
fn retriable_failures_are_retried_at_every_stage_and_arrive_once() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().expect("temp dir");
    let topic = unique_name("retry");
    broker.create_topic(&topic, 1);
    let input = dir.path().join("in.txt");
    let lines: Vec<String> = (1..=50).map(|i| format!("line-{i}")).collect();
    write_lines(&input, &lines);
    let output = dir.path().join("out.txt");
    let retrying = |config: Config| {
        let config = with(config, "errors.retry.timeout", "60000");
        let config = with(config, "errors.retry.delay.max.ms", "200");
        let config = with(config, "transforms", "flaky");
        let config = with(config, "transforms.flaky.type", "test-flaky-transform");
        let config = with(config, "transforms.flaky.retriable.calls", "2");
        let config = with(config, "value.converter", "test-flaky-converter");
        with(config, "value.converter.retriable.calls", "3")
    };
    let source = retrying(file_source_config(
        &unique_name("retry-source"),
        &input,
        &topic,
    ));
    let sink = retrying(file_sink_config(
        &unique_name("retry-sink"),
        &output,
        &topic,
    ));
    let worker = start(
        dir.path(),
        &[("source.properties", source), ("sink.properties", sink)],
    );
    assert!(
        wait_until(TIMEOUT, || read_lines(&output).len() >= lines.len()),
        "{:?}\n{}",
        read_lines(&output),
        worker.log_tail(60)
    );
    assert_eq!(read_lines(&output), lines);
    assert_eq!(broker.record_count(&topic), Some(lines.len() as i64));
    // The failures happened, and were retried.
    assert!(worker.log_count("flaky converter: call 3 of 3") >= 2);
    assert!(worker.log_count("flaky transform: call 2 of 2") >= 2);
}

#[test]
fn past_the_retry_timeout_a_task_fails_or_skips_as_configured() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().expect("temp dir");
    let topic = unique_name("timeout");
    let dead = unique_name("timeout-dlq");
    broker.create_topic(&topic, 1);
    broker.produce(&topic, &["x", "y"]);
    let stubborn = |name: &str, file: &str| {
        let config = file_sink_config(name, &dir.path().join(file), &topic);
        let config = with(config, "errors.retry.timeout", "1000");
        let config = with(config, "errors.retry.delay.max.ms", "100");
        let config = with(config, "value.converter", "test-flaky-converter");
        with(config, "value.converter.retriable.calls", "1000000")
    };
    let failing = unique_name("timeout-fails");
    let skipping = unique_name("timeout-skips");
    let skip_config = dlq(
        with(stubborn(&skipping, "skip.txt"), "errors.tolerance", "all"),
        &dead,
    );
    let worker = start(
        dir.path(),
        &[
            ("fail.properties", stubborn(&failing, "fail.txt")),
            ("skip.properties", skip_config),
        ],
    );
    let failed = wait_for(TIMEOUT, || {
        worker
            .task_status(&failing, 0)
            .filter(|t| t["state"] == "FAILED")
    })
    .unwrap_or_else(|| panic!("task did not fail\n{}", worker.log_tail(60)));
    let trace = failed["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("Tolerance exceeded in error handler"),
        "{trace}"
    );
    assert!(trace.contains("RetriableException"), "{trace}");
    let dead_letters = read_records(broker, &dead, 2, TIMEOUT);
    assert_eq!(
        dead_letters
            .iter()
            .map(|r| (r.offset, r.value.clone()))
            .collect::<Vec<_>>(),
        [(0, Some("x".to_string())), (1, Some("y".to_string()))]
    );
    assert_eq!(
        header(&dead_letters[0], "__connect.errors.exception.class.name"),
        Some("org.apache.kafka.connect.errors.RetriableException")
    );
    assert_eq!(worker.task_state(&skipping, 0).as_deref(), Some("RUNNING"));
}

#[test]
fn source_records_the_broker_refuses_as_too_large_go_to_the_dead_letter_queue() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().expect("temp dir");
    let topic = unique_name("small");
    let dead = unique_name("small-dlq");
    broker.create_topic_with(&topic, 1, &[("max.message.bytes", "1000")]);
    let input = dir.path().join("in.txt");
    let big = "x".repeat(5000);
    write_lines(&input, ["small-1", big.as_str(), "small-3"]);
    let name = unique_name("too-large");
    let config = with(
        file_source_config(&name, &input, &topic),
        "errors.tolerance",
        "all",
    );
    let worker = start(dir.path(), &[("source.properties", dlq(config, &dead))]);
    let values: Vec<String> = broker
        .consume_all(&topic, 2, TIMEOUT)
        .into_iter()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .collect();
    assert_eq!(values, ["small-1", "small-3"]);
    let dead_letters = read_records(broker, &dead, 1, TIMEOUT);
    assert_eq!(dead_letters.len(), 1, "{}", worker.log_tail(40));
    assert_eq!(dead_letters[0].value.as_deref(), Some(big.as_str()));
    assert_eq!(
        header(&dead_letters[0], "__connect.errors.stage"),
        Some("KAFKA_PRODUCE")
    );
    let size = std::fs::metadata(&input).expect("input").len();
    assert!(
        wait_until(TIMEOUT, || source_position(&worker, &name) == Some(size)),
        "offsets: {:?}",
        worker.rest().get(&format!("/connectors/{name}/offsets"))
    );
    assert_eq!(worker.task_state(&name, 0).as_deref(), Some("RUNNING"));
}

#[test]
fn a_tasks_own_poll_put_and_flush_are_retried_and_the_data_arrives_once() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().expect("temp dir");
    let topic = unique_name("own-calls");
    broker.create_topic(&topic, 1);
    let output = dir.path().join("out.txt");
    let source: Config = vec![
        ("name", unique_name("retrying-poll")),
        ("connector.class", "test-chaos-source".into()),
        ("tasks.max", "1".into()),
        ("topic", topic.clone()),
        ("mode", "ok".into()),
        ("records.per.poll", "10".into()),
        ("max.records", "50".into()),
        ("retriable.polls", "3".into()),
    ];
    let sink: Config = vec![
        ("name", unique_name("retrying-put")),
        ("connector.class", "test-flaky-sink".into()),
        ("tasks.max", "1".into()),
        ("topics", topic.clone()),
        ("file", output.display().to_string()),
        ("retriable.puts", "2".into()),
        ("retriable.flushes", "2".into()),
    ];
    let worker = start(
        dir.path(),
        &[("source.properties", source), ("sink.properties", sink)],
    );
    let expected: Vec<String> = (1..=50).map(|n| format!("chaos-{n}")).collect();
    assert!(
        wait_until(TIMEOUT, || read_lines(&output).len() >= expected.len()),
        "{:?}\n{}",
        read_lines(&output),
        worker.log_tail(60)
    );
    assert_eq!(read_lines(&output), expected);
    assert!(worker.log_count("planned retriable poll failure") >= 3);
    assert!(worker.log_count("flaky sink: put 2 of 2") >= 1);
    // Flushes run every offset.flush.interval.ms (1 s): the third one commits.
    assert!(
        wait_until(TIMEOUT, || worker.log_count("flaky sink: flush 2 of 2")
            >= 1),
        "{}",
        worker.log_tail(40)
    );
}
