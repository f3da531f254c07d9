//! Kafka's transforms and predicates as Ferry plugins, end to end: a Debezium-style
//! chain from a Kafka Connect connector config runs on a source's change events, the
//! routed topic holds exactly the JsonConverter bytes Kafka would write, and a sink
//! reading them back writes the rows; every transform and predicate is listed under
//! its Kafka class names; bad transform configs are validation errors on their keys.
//! (Each transform is checked record for record against Kafka's own implementation by
//! its crate's golden vectors; this proves they run as plugins through the host.)

use std::time::{Duration, Instant};

use ferry_tests::{
    Broker, Worker, read_lines, unique_name, validation_errors, wait_until, with_test_plugins,
    worker_props,
};
use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use serde_json::{Value, json};

const RUNNING_TIMEOUT: Duration = Duration::from_secs(60);

/// Every Kafka transform class (with its forms) and predicate Ferry ships.
const TRANSFORMS: [&str; 16] = [
    "Cast",
    "DropHeaders",
    "ExtractField",
    "Filter",
    "Flatten",
    "HeaderFrom",
    "HoistField",
    "InsertField",
    "InsertHeader",
    "MaskField",
    "RegexRouter",
    "ReplaceField",
    "SetSchemaMetadata",
    "TimestampConverter",
    "TimestampRouter",
    "ValueToKey",
];
/// Transforms without `$Key` / `$Value` forms.
const SINGLE_FORM: [&str; 6] = [
    "DropHeaders",
    "Filter",
    "InsertHeader",
    "RegexRouter",
    "TimestampRouter",
    "ValueToKey",
];
const PREDICATES: [&str; 3] = ["HasHeaderKey", "RecordIsTombstone", "TopicNameMatches"];

/// `(key, value)` of the first `n` records on `topic`, as JSON.
fn consume_json(broker: &Broker, topic: &str, n: usize) -> Vec<(Value, Value)> {
    let consumer: BaseConsumer = broker
        .client_config()
        .set("group.id", unique_name("transforms-reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let parse = |bytes: Option<&[u8]>| {
        bytes
            .map(|b| serde_json::from_slice(b).expect("JSON on the topic"))
            .unwrap_or(Value::Null)
    };
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    while out.len() < n && Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            out.push((parse(message.key()), parse(message.payload())));
        }
    }
    out
}

/// Row numbers the chain keeps among change events 1..=max: creates only (see the
/// chaos source's debezium module: n % 7 == 0 heartbeats, n % 5 == 4 deletes,
/// n % 5 == 0 tombstones).
fn kept_rows(max: u64) -> Vec<u64> {
    (1..=max)
        .filter(|n| n % 7 != 0 && n % 5 != 0 && n % 5 != 4)
        .collect()
}

/// `2023-11-14T22:13:20Z` plus `n` days, as `yyyy-MM-dd`.
fn updated_at(n: u64) -> String {
    // Days since 1970-01-01 of 2023-11-14 is 19675; the time of day adds no day
    // until 1h46m40s short of midnight, so the date is 19675 + n days.
    let days = 19_675 + n as i64;
    civil_date(days)
}

/// The proleptic Gregorian date of `days` since the epoch (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// What Kafka's JsonConverter writes for row `n` after the chain.
fn expected_value(topic: &str, n: u64) -> Value {
    let field =
        |name: &str, optional: bool| json!({"type": "string", "optional": optional, "field": name});
    json!({
        "schema": {
            "type": "struct",
            "fields": [
                field("id", false),
                field("firstName", false),
                field("lastName", false),
                field("email", false),
                field("ssn", true),
                field("updated_at", false),
            ],
            "optional": false,
            "name": format!("{topic}.Value"),
        },
        "payload": {
            "id": n.to_string(),
            "firstName": format!("Anne{n}"),
            "lastName": "Kretchmar",
            "email": format!("annek{n}@noanswer.org"),
            "ssn": "",
            "updated_at": updated_at(n),
        }
    })
}

#[test]
fn civil_dates() {
    assert_eq!(civil_date(0), "1970-01-01");
    assert_eq!(civil_date(19_675), "2023-11-14");
    assert_eq!(updated_at(1), "2023-11-15");
    assert_eq!(civil_date(19_783), "2024-03-01");
}

/// A Debezium-style chain, configured as a Kafka Connect user writes it (class names,
/// `predicates`, `negate`), on a source's change events: heartbeats dropped by topic,
/// envelopes unwrapped except tombstones, tombstones and deletes dropped, fields
/// renamed and excluded, a field masked, the id cast to a string, the timestamp
/// formatted and the topic routed. The routed topic holds the exact JsonConverter
/// envelopes, and a FileStreamSink reading them back writes Kafka's struct strings.
#[test]
fn debezium_style_chain_from_source_through_kafka_to_sink() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let id = unique_name("inv").replace(['-', '.'], "_");
    let source_topic = format!("dbserver1.{id}.customers");
    let routed_topic = format!("{id}-customers");
    broker.create_topic(&source_topic, 1);
    broker.create_topic(&routed_topic, 1);
    let props = with_test_plugins(worker_props(broker, &[data.path()]));
    let worker = Worker::start_standalone(props, &[]);
    let rest = worker.rest();

    let max = 40;
    let source = json!({
        "name": "dbz-source",
        "config": {
            "connector.class": "test-chaos-source",
            "tasks.max": "1",
            "topic": source_topic,
            "shape": "debezium",
            "records.per.poll": "8",
            "max.records": max.to_string(),
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "true",
            "transforms": "dropHeartbeats,unwrap,dropDeletes,rename,mask,cast,ts,route",
            "transforms.dropHeartbeats.type": "org.apache.kafka.connect.transforms.Filter",
            "transforms.dropHeartbeats.predicate": "isHeartbeat",
            "transforms.unwrap.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
            "transforms.unwrap.field": "after",
            "transforms.unwrap.predicate": "isTombstone",
            "transforms.unwrap.negate": "true",
            "transforms.dropDeletes.type": "org.apache.kafka.connect.transforms.Filter",
            "transforms.dropDeletes.predicate": "isTombstone",
            "transforms.rename.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
            "transforms.rename.renames": "first_name:firstName,last_name:lastName",
            "transforms.rename.exclude": "internal_note",
            "transforms.mask.type": "org.apache.kafka.connect.transforms.MaskField$Value",
            "transforms.mask.fields": "ssn",
            "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value",
            "transforms.cast.spec": "id:string",
            "transforms.ts.type": "org.apache.kafka.connect.transforms.TimestampConverter$Value",
            "transforms.ts.field": "updated_at",
            "transforms.ts.target.type": "string",
            "transforms.ts.format": "yyyy-MM-dd",
            "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.route.regex": "dbserver1\\.([^.]*)\\.(.*)",
            "transforms.route.replacement": "$1-$2",
            "predicates": "isHeartbeat,isTombstone",
            "predicates.isHeartbeat.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            "predicates.isHeartbeat.pattern": "__debezium-heartbeat.*",
            "predicates.isTombstone.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
        }
    });
    let (status, body) = rest.post("/connectors", &source);
    assert_eq!(status, 201, "create the source: {body}");
    worker.wait_all_in_state("dbz-source", "RUNNING", RUNNING_TIMEOUT);

    let rows = kept_rows(max);
    let records = consume_json(broker, &routed_topic, rows.len());
    assert_eq!(
        records.len(),
        rows.len(),
        "records on {routed_topic}; worker log:\n{}",
        worker.log_tail(60)
    );
    for ((key, value), n) in records.iter().zip(&rows) {
        let expected_key = json!({
            "schema": {
                "type": "struct",
                "fields": [{"type": "int32", "optional": false, "field": "id"}],
                "optional": false,
                "name": format!("{source_topic}.Key"),
            },
            "payload": {"id": n},
        });
        assert_eq!(key, &expected_key, "key of row {n}");
        assert_eq!(
            value,
            &expected_value(&source_topic, *n),
            "value of row {n}"
        );
    }

    // Back from Kafka: JsonConverter -> FileStreamSink writes each struct's string form.
    let out = data.path().join("customers.txt");
    let sink = json!({
        "name": "dbz-sink",
        "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "tasks.max": "1",
            "topics": routed_topic,
            "file": out.display().to_string(),
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        }
    });
    let (status, body) = rest.post("/connectors", &sink);
    assert_eq!(status, 201, "create the sink: {body}");
    let expected: Vec<String> = rows
        .iter()
        .map(|n| {
            format!(
                "Struct{{id={n},firstName=Anne{n},lastName=Kretchmar,email=annek{n}@noanswer.org,ssn=,updated_at={}}}",
                updated_at(*n)
            )
        })
        .collect();
    assert!(
        wait_until(Duration::from_secs(90), || read_lines(&out).len()
            >= expected.len()),
        "the sink wrote {:?}; worker log:\n{}",
        read_lines(&out),
        worker.log_tail(60)
    );
    assert_eq!(read_lines(&out), expected, "the rows in the sink file");
    let status = worker.status("dbz-source").expect("source status");
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
}

/// `GET /connector-plugins?connectorsOnly=false` lists every transform form and
/// predicate under Kafka's class name, with the right type.
#[test]
fn transforms_and_predicates_are_listed_under_kafka_class_names() {
    let broker = Broker::shared();
    let worker = Worker::start_standalone(worker_props(broker, &[]), &[]);
    let (status, body) = worker.rest().get("/connector-plugins?connectorsOnly=false");
    assert_eq!(status, 200, "{body}");
    let listed = |class: &str, kind: &str| {
        body.as_array()
            .is_some_and(|a| a.iter().any(|p| p["class"] == class && p["type"] == kind))
    };
    for name in TRANSFORMS {
        let forms: Vec<String> = if SINGLE_FORM.contains(&name) {
            vec![name.to_string()]
        } else {
            vec![format!("{name}$Key"), format!("{name}$Value")]
        };
        for form in forms {
            let class = format!("org.apache.kafka.connect.transforms.{form}");
            assert!(
                listed(&class, "transformation"),
                "{class} is not listed: {body}"
            );
        }
    }
    for name in PREDICATES {
        let class = format!("org.apache.kafka.connect.transforms.predicates.{name}");
        assert!(listed(&class, "predicate"), "{class} is not listed: {body}");
    }
    let cast = body
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|p| p["class"] == "org.apache.kafka.connect.transforms.Cast$Value")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        cast["aliases"],
        json!(["cast-value", "Cast$Value"]),
        "Ferry's own name and the short alias: {cast}"
    );
}

/// Bad transform and predicate configs in a connector config are validation errors
/// on their prefixed keys, with Kafka's messages; a good chain validates clean.
#[test]
fn bad_transform_configs_are_errors_on_their_keys() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let worker = Worker::start_standalone(worker_props(broker, &[data.path()]), &[]);
    let file = data.path().join("out.txt").display().to_string();
    let base = |extra: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        let mut config = vec![
            ("connector.class", "FileStreamSink".to_string()),
            ("topics", "t".to_string()),
            ("file", file.clone()),
        ];
        config.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        config
    };

    let good = base(&[
        ("transforms", "cast,route"),
        ("transforms.cast.type", "Cast$Value"),
        ("transforms.cast.spec", "id:string"),
        (
            "transforms.route.type",
            "org.apache.kafka.connect.transforms.RegexRouter",
        ),
        ("transforms.route.regex", "(.*)"),
        ("transforms.route.replacement", "$1-x"),
    ]);
    let (status, body) = worker.rest().validate("FileStreamSink", &good);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["error_count"], 0,
        "a good chain validates clean: {body}"
    );

    let bad = base(&[
        ("transforms", "cast,rename,ts"),
        (
            "transforms.cast.type",
            "org.apache.kafka.connect.transforms.Cast$Value",
        ),
        ("transforms.cast.spec", "id:uuid"),
        (
            "transforms.rename.type",
            "org.apache.kafka.connect.transforms.ReplaceField$Value",
        ),
        ("transforms.rename.renames", "nocolon"),
        (
            "transforms.ts.type",
            "org.apache.kafka.connect.transforms.TimestampConverter$Value",
        ),
        ("transforms.ts.target.type", "century"),
        ("predicates", "p"),
        (
            "predicates.p.type",
            "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        ),
        ("predicates.p.pattern", "(unclosed"),
    ]);
    let (status, body) = worker.rest().validate("FileStreamSink", &bad);
    assert_eq!(status, 200, "{body}");
    for (key, needle) in [
        ("transforms.cast.spec", "uuid"),
        ("transforms.rename.renames", "nocolon"),
        ("transforms.ts.target.type", "century"),
        ("predicates.p.pattern", "(unclosed"),
    ] {
        let errors = validation_errors(&body, key).unwrap_or_default();
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "{key} must carry an error naming {needle:?}: {errors:?} in {body}"
        );
    }
}
