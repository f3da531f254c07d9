//! The PostgreSQL source end to end, on a real PostgreSQL server: rows inserted and
//! updated while it runs arrive once, in order, in each mode; a restart resumes from
//! the committed offset; and source → Kafka → sink between two databases copies a
//! table exactly.

use std::path::Path;
use std::time::Duration;

use ferry_tests::{
    Broker, Postgres, Worker, unique_name, wait_until, with_test_plugins, worker_props,
    write_properties,
};
use serde_json::Value;

const JSON: &str = "org.apache.kafka.connect.json.JsonConverter";

fn worker(broker: &Broker, connectors: &[std::path::PathBuf]) -> Worker {
    let mut props = with_test_plugins(worker_props(broker, &[]));
    props.insert("ferry.sandbox.allowed.hosts".into(), "127.0.0.1".into());
    Worker::start_standalone(props, connectors)
}

/// A connector properties file (standalone workers run it again after a restart).
fn connector_file(
    dir: &Path,
    name: &str,
    entries: &[(&'static str, String)],
) -> std::path::PathBuf {
    let mut config = entries.to_vec();
    config.push(("name", name.to_string()));
    write_properties(&dir.join(format!("{name}.properties")), &config)
}

fn source_config(
    pg: &Postgres,
    database: &str,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut config = vec![
        (
            "connector.class",
            "io.confluent.connect.jdbc.JdbcSourceConnector".to_string(),
        ),
        ("connection.url", pg.jdbc_url(database)),
        ("connection.user", Postgres::USER.to_string()),
        ("connection.password", Postgres::PASSWORD.to_string()),
        ("value.converter", JSON.to_string()),
        ("value.converter.schemas.enable", "false".to_string()),
        ("key.converter", JSON.to_string()),
        ("poll.interval.ms", "200".to_string()),
    ];
    config.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    config
}

/// The JSON values on `topic` (at least `n`, within the deadline).
fn values(broker: &Broker, topic: &str, n: usize) -> Vec<Value> {
    broker
        .consume_all(topic, n, Duration::from_secs(60))
        .iter()
        .map(|v| serde_json::from_slice(v).expect("JSON value"))
        .collect()
}

fn names(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .map(|v| v["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn incrementing_and_timestamp_modes_deliver_each_row_once_and_resume_after_a_restart() {
    let broker = Broker::shared();
    let pg = Postgres::start();
    pg.create_database("app");
    pg.sql(
        "app",
        "CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL, updated TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'));
         INSERT INTO users (name) VALUES ('ada'), ('bob'), ('cy');",
    );
    let files = tempfile::tempdir().expect("temp dir");
    let inc_prefix = unique_name("inc-");
    let ts_prefix = unique_name("tsinc-");
    let inc = connector_file(
        files.path(),
        "pg-inc",
        &source_config(
            &pg,
            "app",
            &[
                ("mode", "incrementing"),
                ("incrementing.column.name", "id"),
                ("table.whitelist", "users"),
                ("topic.prefix", &inc_prefix),
            ],
        ),
    );
    let tsinc = connector_file(
        files.path(),
        "pg-tsinc",
        &source_config(
            &pg,
            "app",
            &[
                ("mode", "timestamp+incrementing"),
                ("incrementing.column.name", "id"),
                ("timestamp.column.name", "updated"),
                ("table.whitelist", "users"),
                ("topic.prefix", &ts_prefix),
            ],
        ),
    );
    let inc_topic = format!("{inc_prefix}users");
    let ts_topic = format!("{ts_prefix}users");
    broker.create_topic(&inc_topic, 1);
    broker.create_topic(&ts_topic, 1);
    let mut worker = worker(broker, &[inc, tsinc]);

    let first = values(broker, &inc_topic, 3);
    assert_eq!(names(&first), ["ada", "bob", "cy"]);
    assert_eq!(first[0]["id"], 1);

    // Rows inserted and updated while it runs.
    pg.sql("app", "INSERT INTO users (name) VALUES ('dee'), ('eve')");
    assert!(
        wait_until(Duration::from_secs(60), || values(broker, &inc_topic, 5)
            .len()
            == 5),
        "the new rows arrive"
    );
    assert_eq!(
        names(&values(broker, &inc_topic, 5)),
        ["ada", "bob", "cy", "dee", "eve"]
    );
    assert!(
        wait_until(Duration::from_secs(60), || values(broker, &ts_topic, 5)
            .len()
            == 5),
        "timestamp+incrementing sees the five rows"
    );
    pg.sql(
        "app",
        "UPDATE users SET name = 'bob 2', updated = (now() AT TIME ZONE 'UTC') WHERE id = 2",
    );
    assert!(
        wait_until(Duration::from_secs(60), || values(broker, &ts_topic, 6)
            .len()
            == 6),
        "the update arrives in timestamp+incrementing mode"
    );
    assert_eq!(
        names(&values(broker, &ts_topic, 6)),
        ["ada", "bob", "cy", "dee", "eve", "bob 2"]
    );

    // A clean stop commits the offsets; rows written while it is down come once.
    worker.stop();
    pg.sql("app", "INSERT INTO users (name) VALUES ('fay')");
    worker.restart();
    assert!(
        wait_until(Duration::from_secs(60), || values(broker, &inc_topic, 6)
            .len()
            >= 6),
        "the row written while the worker was down arrives"
    );
    assert!(
        wait_until(Duration::from_secs(60), || values(broker, &ts_topic, 7)
            .len()
            >= 7),
        "and in timestamp+incrementing mode"
    );
    // Nothing more arrives: the restart resumed after the committed offsets.
    pg.sql("app", "INSERT INTO users (name) VALUES ('gus')");
    assert!(wait_until(Duration::from_secs(60), || values(
        broker, &inc_topic, 7
    )
    .len()
        >= 7));
    assert_eq!(
        names(&values(broker, &inc_topic, 7)),
        ["ada", "bob", "cy", "dee", "eve", "fay", "gus"],
        "each row once, in order, across the restart"
    );
    assert!(wait_until(Duration::from_secs(60), || values(
        broker, &ts_topic, 8
    )
    .len()
        >= 8));
    assert_eq!(
        names(&values(broker, &ts_topic, 8)),
        ["ada", "bob", "cy", "dee", "eve", "bob 2", "fay", "gus"]
    );
    assert_eq!(broker.record_count(&inc_topic), Some(7), "no duplicates");
    assert_eq!(broker.record_count(&ts_topic), Some(8), "no duplicates");
}

#[test]
fn bulk_and_timestamp_modes_and_a_query() {
    let broker = Broker::shared();
    let pg = Postgres::start();
    pg.create_database("app");
    pg.sql(
        "app",
        "CREATE TABLE events (name TEXT, at TIMESTAMP NOT NULL);
         INSERT INTO events VALUES ('one', '2024-01-01 00:00:00.001'), ('two', '2024-01-01 00:00:00.002');",
    );
    let bulk_prefix = unique_name("bulk-");
    let ts_topic = unique_name("ts-query");
    let files = tempfile::tempdir().expect("temp dir");
    let bulk = connector_file(
        files.path(),
        "pg-bulk",
        &source_config(
            &pg,
            "app",
            &[
                ("mode", "bulk"),
                ("table.whitelist", "events"),
                ("topic.prefix", &bulk_prefix),
                ("poll.interval.ms", "500"),
            ],
        ),
    );
    let ts = connector_file(
        files.path(),
        "pg-ts",
        &source_config(
            &pg,
            "app",
            &[
                ("mode", "timestamp"),
                ("timestamp.column.name", "at"),
                ("query", "SELECT name, at FROM events WHERE name <> 'skip'"),
                ("topic.prefix", &ts_topic),
            ],
        ),
    );
    let bulk_topic = format!("{bulk_prefix}events");
    broker.create_topic(&bulk_topic, 1);
    broker.create_topic(&ts_topic, 1);
    let _worker = worker(broker, &[bulk, ts]);
    assert!(
        wait_until(Duration::from_secs(60), || values(broker, &bulk_topic, 4)
            .len()
            >= 4),
        "bulk mode copies the whole table on every poll"
    );
    assert_eq!(
        names(&values(broker, &bulk_topic, 4))[..4],
        ["one", "two", "one", "two"]
    );
    let got = values(broker, &ts_topic, 2);
    assert_eq!(names(&got), ["one", "two"]);
    assert_eq!(
        got[0]["at"], 1_704_067_200_001i64,
        "a Timestamp in epoch ms"
    );
    pg.sql(
        "app",
        "INSERT INTO events VALUES ('skip', '2024-01-02 00:00:00'), ('three', '2024-01-03 00:00:00')",
    );
    assert!(wait_until(Duration::from_secs(60), || values(
        broker, &ts_topic, 3
    )
    .len()
        >= 3));
    assert_eq!(
        names(&values(broker, &ts_topic, 3)),
        ["one", "two", "three"]
    );
}

#[test]
fn source_to_kafka_to_sink_copies_a_table_between_databases_exactly() {
    let broker = Broker::shared();
    let pg = Postgres::start();
    pg.create_database("origin");
    pg.create_database("replica");
    pg.sql(
        "origin",
        "CREATE TABLE orders (id SERIAL PRIMARY KEY, item TEXT NOT NULL, qty SMALLINT, price NUMERIC(10,2), paid BOOLEAN, placed TIMESTAMP, day DATE, note TEXT);
         INSERT INTO orders (item, qty, price, paid, placed, day, note)
         SELECT 'item ' || g, (g % 7)::smallint, (g * 1.25)::numeric(10,2), g % 2 = 0,
                TIMESTAMP '2024-01-01 00:00:00' + g * interval '1 minute 1.5 seconds',
                DATE '2024-01-01' + g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ''' || g || '''' END
         FROM generate_series(1, 500) g;",
    );
    let prefix = unique_name("copy-");
    let topic = format!("{prefix}orders");
    broker.create_topic(&topic, 1);
    let files = tempfile::tempdir().expect("temp dir");
    let mut source = source_config(
        &pg,
        "origin",
        &[
            ("mode", "incrementing"),
            ("incrementing.column.name", "id"),
            ("table.whitelist", "orders"),
            ("topic.prefix", &prefix),
            ("batch.max.rows", "100"),
        ],
    );
    for entry in &mut source {
        if entry.0 == "value.converter.schemas.enable" {
            entry.1 = "true".into();
        }
    }
    let sink = vec![
        (
            "connector.class",
            "io.confluent.connect.jdbc.JdbcSinkConnector".to_string(),
        ),
        ("topics", topic.clone()),
        ("value.converter", JSON.to_string()),
        ("key.converter", JSON.to_string()),
        ("connection.url", pg.jdbc_url("replica")),
        ("connection.user", Postgres::USER.to_string()),
        ("connection.password", Postgres::PASSWORD.to_string()),
        ("insert.mode", "upsert".to_string()),
        ("pk.mode", "record_value".to_string()),
        ("pk.fields", "id".to_string()),
        ("auto.create", "true".to_string()),
        ("table.name.format", "orders".to_string()),
    ];
    let worker = worker(
        broker,
        &[
            connector_file(files.path(), "copy-source", &source),
            connector_file(files.path(), "copy-sink", &sink),
        ],
    );
    let dump = "SELECT id, item, qty, price, paid, placed, day, note FROM orders ORDER BY id";
    let expected = pg.sql("origin", dump);
    assert!(
        wait_until(Duration::from_secs(120), || pg
            .try_sql("replica", dump)
            .is_ok_and(|rows| rows == expected)),
        "the replica equals the origin; replica has {:?} rows\n{}",
        pg.try_sql("replica", "SELECT count(*) FROM orders"),
        worker.log_tail(40)
    );
    assert_eq!(expected.lines().count(), 500);
}
