//! The JsonConverter plugin through the host, both directions: the bytes a source
//! connector writes are exactly Kafka's `JsonConverter` bytes (schemas on and off), and
//! a sink reading Kafka's envelope gets the Connect value back (written by the file
//! sink as Kafka's `Struct.toString`). The converter's full golden vectors run as the
//! plugin's own tests; this proves the host wires converters and their configs right.

use std::time::Duration;

use ferry_tests::{
    Broker, Config, Worker, file_sink_config, file_source_config, read_lines, unique_name,
    wait_until, with, worker_props, write_lines, write_properties,
};

/// `config` with its values converted by the JsonConverter named `class`.
fn json_values(config: Config, class: &str, schemas: bool) -> Config {
    let config = with(config, "value.converter", class);
    with(
        config,
        "value.converter.schemas.enable",
        schemas.to_string(),
    )
}

#[test]
fn json_converter_writes_and_reads_kafka_bytes() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let with_schemas = unique_name("json-on");
    let without_schemas = unique_name("json-off");
    let structs = unique_name("json-struct");
    for topic in [&with_schemas, &without_schemas, &structs] {
        broker.create_topic(topic, 1);
    }
    let input = data.path().join("in.txt");
    write_lines(&input, ["a", "tab\there \"quoted\""]);

    // Source side: Kafka's class name for the converter, with per-connector settings.
    let on = json_values(
        file_source_config("json-on", &input, &with_schemas),
        "org.apache.kafka.connect.json.JsonConverter",
        true,
    );
    let off = json_values(
        file_source_config("json-off", &input, &without_schemas),
        "JsonConverter",
        false,
    );
    // Sink side: Kafka's envelope for a struct, read back through the converter.
    let output = data.path().join("structs.txt");
    let sink = json_values(
        file_sink_config("json-sink", &output, &structs),
        "JsonConverter",
        true,
    );
    broker.produce(
        &structs,
        &[concat!(
            r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"name"},"#,
            r#"{"type":"int32","optional":true,"field":"age"}],"optional":false,"name":"person"},"#,
            r#""payload":{"name":"Alice","age":30}}"#
        )],
    );
    let files = [
        write_properties(&data.path().join("on.properties"), &on),
        write_properties(&data.path().join("off.properties"), &off),
        write_properties(&data.path().join("sink.properties"), &sink),
    ];
    let _worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &files);

    let text = |values: Vec<Vec<u8>>| -> Vec<String> {
        values
            .into_iter()
            .map(|v| String::from_utf8(v).expect("utf-8 JSON"))
            .collect()
    };
    assert_eq!(
        text(broker.consume_all(&with_schemas, 2, Duration::from_secs(60))),
        vec![
            r#"{"schema":{"type":"string","optional":false},"payload":"a"}"#.to_string(),
            r#"{"schema":{"type":"string","optional":false},"payload":"tab\there \"quoted\""}"#
                .to_string(),
        ],
        "schemas.enable=true must produce Kafka's envelope byte for byte"
    );
    assert_eq!(
        text(broker.consume_all(&without_schemas, 2, Duration::from_secs(60))),
        vec![
            r#""a""#.to_string(),
            r#""tab\there \"quoted\"""#.to_string()
        ],
        "schemas.enable=false must produce bare JSON values"
    );
    assert!(
        wait_until(Duration::from_secs(60), || output.exists()
            && !read_lines(&output).is_empty()),
        "the sink never wrote the struct"
    );
    assert_eq!(
        read_lines(&output),
        vec!["Struct{name=Alice,age=30}".to_string()]
    );
}
