//! The PostgreSQL sink end to end, on a real PostgreSQL server (Debian's, started by
//! the harness): Kafka → postgres-sink with the Confluent JDBC sink's configs —
//! inserts, upserts by key, deletes on tombstones, auto-create and auto-evolve from
//! schema'd JSON — row contents checked with SQL; a `kill -9` of the worker mid-stream
//! loses nothing and leaves no duplicate rows; bad configs are validation errors.

use std::time::Duration;

use ferry_tests::{
    Broker, Postgres, Worker, unique_name, validation_errors, wait_until, with_test_plugins,
    worker_props, write_properties,
};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

const JSON: &str = "org.apache.kafka.connect.json.JsonConverter";
const STRING: &str = "org.apache.kafka.connect.storage.StringConverter";

/// Produces keyed records; `None` is a tombstone.
fn produce(broker: &Broker, topic: &str, records: &[(String, Option<String>)]) {
    let producer: BaseProducer = broker
        .client_config()
        .set("acks", "all")
        .create()
        .expect("producer");
    for (key, value) in records {
        let mut record = BaseRecord::<str, str>::to(topic).key(key.as_str());
        if let Some(value) = value {
            record = record.payload(value.as_str());
        }
        producer.send(record).map_err(|(e, _)| e).expect("send");
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
}

/// A JsonConverter envelope: `fields` are (name, type, optional) and `payload` JSON.
fn envelope(fields: &[(&str, &str, bool)], payload: &str) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(name, kind, optional)| {
            format!(r#"{{"type":"{kind}","optional":{optional},"field":"{name}"}}"#)
        })
        .collect();
    format!(
        r#"{{"schema":{{"type":"struct","fields":[{}],"optional":false,"name":"customer"}},"payload":{payload}}}"#,
        fields.join(",")
    )
}

fn worker(broker: &Broker) -> Worker {
    let mut props = with_test_plugins(worker_props(broker, &[]));
    props.insert("ferry.sandbox.allowed.hosts".into(), "127.0.0.1".into());
    Worker::start_standalone(props, &[])
}

fn sink_config(
    topic: &str,
    pg: &Postgres,
    database: &str,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut config = vec![
        (
            "connector.class",
            "io.confluent.connect.jdbc.JdbcSinkConnector".to_string(),
        ),
        ("topics", topic.to_string()),
        ("key.converter", STRING.to_string()),
        ("value.converter", JSON.to_string()),
        ("value.converter.schemas.enable", "true".to_string()),
        ("connection.url", pg.jdbc_url(database)),
        ("connection.user", Postgres::USER.to_string()),
        ("connection.password", Postgres::PASSWORD.to_string()),
    ];
    config.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    config
}

#[test]
fn kafka_to_postgres_upserts_deletes_and_evolves_the_table() {
    let broker = Broker::shared();
    let pg = Postgres::start();
    pg.create_database("shop");
    let topic = unique_name("customers");
    broker.create_topic(&topic, 1);
    let v1 = [("name", "string", false), ("score", "int32", true)];
    let v2 = [
        ("name", "string", false),
        ("score", "int32", true),
        ("email", "string", true),
    ];
    produce(
        broker,
        &topic,
        &[
            (
                "1".into(),
                Some(envelope(&v1, r#"{"name":"ada","score":3}"#)),
            ),
            (
                "2".into(),
                Some(envelope(&v1, r#"{"name":"bob","score":null}"#)),
            ),
            (
                "3".into(),
                Some(envelope(&v1, r#"{"name":"cy","score":5}"#)),
            ),
            (
                "1".into(),
                Some(envelope(&v1, r#"{"name":"ada l.","score":4}"#)),
            ),
            ("2".into(), None),
            (
                "4".into(),
                Some(envelope(
                    &v2,
                    r#"{"name":"dee","score":1,"email":"dee@example.com"}"#,
                )),
            ),
        ],
    );
    let worker = worker(broker);
    let name = unique_name("pg-sink");
    let (status, body) = worker.rest().create_connector(
        &name,
        &sink_config(
            &topic,
            &pg,
            "shop",
            &[
                ("insert.mode", "upsert"),
                ("pk.mode", "record_key"),
                ("pk.fields", "id"),
                ("auto.create", "true"),
                ("auto.evolve", "true"),
                ("delete.enabled", "true"),
            ],
        ),
    );
    assert_eq!(status, 201, "{body}");
    let query = format!("SELECT id, name, score, email FROM \"{topic}\" ORDER BY id");
    let expected = "1|ada l.|4|\n3|cy|5|\n4|dee|1|dee@example.com";
    assert!(
        wait_until(Duration::from_secs(90), || pg
            .try_sql("shop", &query)
            .is_ok_and(|rows| rows == expected)),
        "rows: {:?}\n{}",
        pg.try_sql("shop", &query),
        worker.log_tail(40)
    );
    let columns = pg.sql(
        "shop",
        &format!(
            "SELECT column_name || ':' || data_type || ':' || is_nullable FROM information_schema.columns WHERE table_name = '{topic}' ORDER BY ordinal_position"
        ),
    );
    assert_eq!(
        columns, "id:text:NO\nname:text:NO\nscore:integer:YES\nemail:text:YES",
        "auto-created from the first schema, evolved by the second"
    );
    let key = pg.sql(
        "shop",
        &format!(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '\"{topic}\"'::regclass AND i.indisprimary"
        ),
    );
    assert_eq!(key, "id", "the record key is the primary key");
    assert_eq!(worker.task_state(&name, 0).as_deref(), Some("RUNNING"));
}

#[test]
fn kill_9_mid_stream_loses_nothing_and_upserts_leave_no_duplicates() {
    let broker = Broker::shared();
    let pg = Postgres::start();
    pg.create_database("events");
    let topic = unique_name("events");
    broker.create_topic(&topic, 2);
    const N: usize = 30_000;
    const CHUNK: usize = 500;
    let fields = [("n", "int64", false), ("text", "string", false)];
    let records: Vec<(String, Option<String>)> = (0..N)
        .map(|i| {
            let payload = format!(r#"{{"n":{i},"text":"row {i}"}}"#);
            (format!("k{i}"), Some(envelope(&fields, &payload)))
        })
        .collect();
    // The first chunk now; the rest keeps arriving while the sink runs, is killed
    // and restarts (paced, so the kill lands mid-stream).
    produce(broker, &topic, &records[..CHUNK]);
    let stream_topic = topic.clone();
    let producer = std::thread::spawn(move || {
        for chunk in records[CHUNK..].chunks(CHUNK) {
            produce(Broker::shared(), &stream_topic, chunk);
            std::thread::sleep(Duration::from_millis(40));
        }
    });
    // A connector file, so the restarted standalone worker runs it again.
    let files = tempfile::tempdir().expect("temp dir");
    let mut config = sink_config(
        &topic,
        &pg,
        "events",
        &[
            ("insert.mode", "upsert"),
            ("pk.mode", "record_key"),
            ("pk.fields", "id"),
            ("auto.create", "true"),
            ("batch.size", "500"),
        ],
    );
    config.push(("name", unique_name("pg-kill")));
    let connector = write_properties(&files.path().join("pg-kill.properties"), &config);
    let mut props = with_test_plugins(worker_props(broker, &[]));
    props.insert("ferry.sandbox.allowed.hosts".into(), "127.0.0.1".into());
    let mut worker = Worker::start_standalone(props, &[connector]);
    let count = |pg: &Postgres| -> usize {
        pg.try_sql("events", &format!("SELECT count(*) FROM \"{topic}\""))
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    };
    assert!(
        wait_until(Duration::from_secs(90), || count(&pg) >= 4 * CHUNK),
        "rows arrive before the kill\n{}",
        worker.log_tail(40)
    );
    let at_kill = count(&pg);
    worker.kill9();
    eprintln!("kill -9 with {at_kill} of {N} rows written");
    worker.restart();
    producer.join().expect("producer thread");
    assert!(
        wait_until(Duration::from_secs(120), || count(&pg) == N),
        "all {N} rows after the restart, got {}\n{}",
        count(&pg),
        worker.log_tail(40)
    );
    let check = pg.sql(
        "events",
        &format!(
            "SELECT count(DISTINCT id), count(*), sum(n), bool_and(text = 'row ' || n) FROM \"{topic}\""
        ),
    );
    let sum: usize = (0..N).sum();
    assert_eq!(
        check,
        format!("{N}|{N}|{sum}|t"),
        "every row once, with its values"
    );
}

#[test]
fn bad_configs_are_validation_errors_on_their_keys() {
    let broker = Broker::shared();
    let worker = worker(broker);
    let validate = |extra: &[(&'static str, &str)]| {
        let mut config = vec![
            (
                "connector.class",
                "io.confluent.connect.jdbc.JdbcSinkConnector".to_string(),
            ),
            ("name", "v".to_string()),
            ("topics", "t".to_string()),
        ];
        config.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        let (status, body) = worker
            .rest()
            .validate("io.confluent.connect.jdbc.JdbcSinkConnector", &config);
        assert_eq!(status, 200, "{body}");
        body
    };
    let body = validate(&[("connection.url", "jdbc:mysql://127.0.0.1:3306/db")]);
    let errors = validation_errors(&body, "connection.url").unwrap_or_default();
    assert!(
        errors.iter().any(|e| e.contains("only to PostgreSQL")),
        "{body}"
    );
    let body = validate(&[
        ("connection.url", "jdbc:postgresql://10.1.1.1:5432/db"),
        ("insert.mode", "upsert"),
    ]);
    assert!(
        validation_errors(&body, "connection.url")
            .unwrap_or_default()
            .iter()
            .any(|e| e.contains("ferry.sandbox.allowed.hosts")),
        "{body}"
    );
    assert!(
        validation_errors(&body, "pk.mode")
            .unwrap_or_default()
            .iter()
            .any(|e| e.contains("need a primary key")),
        "{body}"
    );
}
