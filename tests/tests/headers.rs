//! Header converters through the host, both directions, with Kafka's default
//! `SimpleHeaderConverter`: typed Connect headers a source task emits reach the topic
//! as Kafka's string forms, and string headers on a topic reach a sink task as typed
//! Connect values with schemas. The converter's golden vectors (from Kafka's own
//! class) run as the plugin's tests; this proves the host wires it per task.

use std::time::{Duration, Instant};

use ferry_tests::{
    Broker, Config, Worker, unique_name, wait_until, with_test_plugins, worker_props,
    write_properties,
};
use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// Every header of the first record on `topic`, as (key, bytes).
fn first_record_headers(broker: &Broker, topic: &str) -> Vec<(String, Option<Vec<u8>>)> {
    let consumer: BaseConsumer = broker
        .client_config()
        .set("group.id", unique_name("headers-reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            return message
                .headers()
                .map(|hs| {
                    hs.iter()
                        .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default();
        }
    }
    panic!("no record on {topic} within 60 s");
}

fn produce_with_headers(broker: &Broker, topic: &str, headers: &[(&str, Option<&str>)]) {
    let producer: BaseProducer = broker.client_config().create().expect("producer");
    let mut owned = OwnedHeaders::new();
    for (key, value) in headers {
        owned = owned.insert(Header {
            key,
            value: value.map(str::as_bytes),
        });
    }
    producer
        .send(BaseRecord::<(), str>::to(topic).payload("7").headers(owned))
        .map_err(|(e, _)| e)
        .expect("send");
    producer.flush(Duration::from_secs(30)).expect("flush");
}

#[test]
fn simple_header_converter_both_directions() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let source_topic = unique_name("headers-out");
    let sink_topic = unique_name("headers-in");
    broker.create_topic(&source_topic, 1);
    broker.create_topic(&sink_topic, 1);
    produce_with_headers(
        broker,
        &sink_topic,
        &[
            ("int", Some("42")),
            ("big", Some("40000")),
            ("bool", Some("true")),
            ("list", Some("[1,2]")),
            ("map", Some("{\"a\":1}")),
            ("date", Some("2024-01-02")),
            ("text", Some("hello, world")),
            ("null", None),
        ],
    );
    let out_dir = data.path().join("sink-out");
    std::fs::create_dir_all(&out_dir).expect("out dir");

    let source: Config = vec![
        ("name", "headers-source".into()),
        ("connector.class", "test-chaos-source".into()),
        ("tasks.max", "1".into()),
        ("topic", source_topic.clone()),
        ("headers", "true".into()),
        ("records.per.poll", "1".into()),
        ("max.records", "1".into()),
        ("value.converter", "StringConverter".into()),
    ];
    let sink: Config = vec![
        ("name", "headers-sink".into()),
        ("connector.class", "verifiable-sink".into()),
        ("tasks.max", "1".into()),
        ("topics", sink_topic.clone()),
        ("output.dir", out_dir.display().to_string()),
        ("value.converter", "StringConverter".into()),
        // Kafka's class name; the worker default is the same class.
        (
            "header.converter",
            "org.apache.kafka.connect.storage.SimpleHeaderConverter".into(),
        ),
    ];
    let files = [
        write_properties(&data.path().join("source.properties"), &source),
        write_properties(&data.path().join("sink.properties"), &sink),
    ];
    let props = with_test_plugins(worker_props(broker, &[data.path()]));
    let worker = Worker::start_standalone(props, &files);

    // Source: typed Connect headers -> SimpleHeaderConverter -> Kafka's string bytes.
    let got = first_record_headers(broker, &source_topic);
    let expected: Vec<(String, Option<Vec<u8>>)> = [
        ("n", Some("1")),
        ("flag", Some("true")),
        ("list", Some("[1,2]")),
        ("map", Some("{\"a\":1}")),
        ("date", Some("2024-01-02")),
        ("text", Some("hello, world")),
        ("none", None),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.map(|v| v.as_bytes().to_vec())))
    .collect();
    assert_eq!(got, expected, "header bytes the source produced");

    // Sink: Kafka header bytes -> SimpleHeaderConverter -> typed Connect headers.
    let lines = || -> Vec<String> {
        std::fs::read_dir(&out_dir)
            .map(|entries| {
                entries
                    .flatten()
                    .flat_map(|e| {
                        std::fs::read_to_string(e.path())
                            .unwrap_or_default()
                            .lines()
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        wait_until(Duration::from_secs(60), || !lines().is_empty()),
        "the sink never wrote the record; worker log:\n{}",
        worker.log_tail(40)
    );
    let line = lines().remove(0);
    let headers = line
        .split_once(",\"headers\":")
        .map(|(_, h)| h.trim_end_matches('}').to_string())
        .unwrap_or_else(|| panic!("no headers in {line}"));
    assert_eq!(
        headers,
        concat!(
            r#"[{"key":"int","schema":"int8","value":"42"},"#,
            r#"{"key":"big","schema":"int32","value":"40000"},"#,
            r#"{"key":"bool","schema":"boolean","value":"true"},"#,
            r#"{"key":"list","schema":"array","value":"[1, 2]"},"#,
            r#"{"key":"map","schema":"map","value":"{a=1}"},"#,
            r#"{"key":"date","schema":"org.apache.kafka.connect.data.Date","value":"Tue Jan 02 00:00:00 UTC 2024"},"#,
            r#"{"key":"text","schema":"string","value":"hello, world"},"#,
            r#"{"key":"null","schema":null,"value":null}]"#
        ),
        "headers the sink saw (schema, Java string form)"
    );
}

#[test]
fn header_converters_are_listed_and_checked() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);
    let (status, plugins) = worker.rest().get("/connector-plugins?connectorsOnly=false");
    assert_eq!(status, 200);
    let of_type = |t: &str| -> Vec<String> {
        plugins
            .as_array()
            .expect("array")
            .iter()
            .filter(|p| p["type"] == t)
            .map(|p| p["class"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let header_converters = of_type("header_converter");
    for class in [
        "org.apache.kafka.connect.storage.SimpleHeaderConverter",
        "org.apache.kafka.connect.storage.StringConverter",
        "org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.converters.ByteArrayConverter",
    ] {
        assert!(
            header_converters.iter().any(|c| c == class),
            "{class} not listed as header_converter: {header_converters:?}"
        );
    }
    assert!(
        of_type("converter")
            .iter()
            .any(|c| c == "org.apache.kafka.connect.storage.StringConverter")
    );
    assert!(
        !of_type("converter")
            .iter()
            .any(|c| c == "org.apache.kafka.connect.storage.SimpleHeaderConverter")
    );

    let (status, body) = worker.rest().put(
        "/connector-plugins/file-sink/config/validate",
        &serde_json::json!({
            "connector.class": "file-sink", "name": "h", "topics": "t", "file": "/tmp/x",
            "header.converter": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        }),
    );
    assert_eq!(status, 200, "{body}");
    let errors: Vec<String> = body["configs"]
        .as_array()
        .expect("configs")
        .iter()
        .filter(|c| c["value"]["name"] == "header.converter")
        .flat_map(|c| c["value"]["errors"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect();
    assert_eq!(
        errors,
        vec![
            "Class class org.apache.kafka.connect.file.FileStreamSinkConnector does not implement the HeaderConverter interface"
                .to_string()
        ]
    );
}
