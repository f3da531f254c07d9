//! Scenario 3: the network connectors against their practical limits, in one run on
//! one broker and one PostgreSQL server.
//!
//! PostgreSQL: a topic holds `rows` JsonConverter envelopes (six columns). Three
//! writers put the same rows into fresh tables: PostgreSQL's own `COPY` from a CSV
//! file (the server's limit, no Kafka involved); a native Rust sink that consumes the
//! topic with rdkafka, decodes the JSON and pipelines the same batched INSERTs inside
//! one transaction per batch with the same `pg-wire` client the plugin uses; and Ferry's
//! `postgres-sink` (Kafka's JsonConverter, `insert.mode=insert`, `batch.size=3000`),
//! timed from connector creation until the table holds every row.
//!
//! HTTP: a topic holds `records` small JSON strings; Ferry's `http-sink` (batches of
//! 500, a new connection per request as `wasi:http` makes them) and a native client
//! (rdkafka consumer, the same batches POSTed with reqwest, no connection reuse) send
//! them to the same recording HTTP server in this process; each is timed until the
//! server has every record.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use ferry_tests::{Broker, Postgres, Worker, unique_name, with_test_plugins, worker_props};
use pg_wire::{ConnectOptions, Connection, Statement};
use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

const PHASE_TIMEOUT: Duration = Duration::from_secs(600);
const PG_BATCH: usize = 3000;
const HTTP_BATCH: usize = 500;
const COLUMNS: &str = "id BIGINT NOT NULL, name TEXT NOT NULL, amount DOUBLE PRECISION, flag BOOLEAN, note TEXT, at TIMESTAMP NOT NULL";

pub struct Connectors {
    pub rows: usize,
    pub copy: Duration,
    pub native_pg: Duration,
    pub ferry_pg: Duration,
    pub records: usize,
    pub native_http: Duration,
    pub ferry_http: Duration,
}

impl Connectors {
    pub fn rate(n: usize, d: Duration) -> f64 {
        n as f64 / d.as_secs_f64()
    }
}

fn row_json(i: usize) -> String {
    format!(
        r#"{{"schema":{{"type":"struct","fields":[{{"type":"int64","optional":false,"field":"id"}},{{"type":"string","optional":false,"field":"name"}},{{"type":"double","optional":true,"field":"amount"}},{{"type":"boolean","optional":true,"field":"flag"}},{{"type":"string","optional":true,"field":"note"}},{{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"at"}}],"optional":false,"name":"row"}},"payload":{{"id":{i},"name":"customer {i}","amount":{}.25,"flag":{},"note":"note number {i}","at":{}}}}}"#,
        i % 10_000,
        i.is_multiple_of(2),
        1_700_000_000_000u64 + i as u64
    )
}

fn produce(broker: &Broker, topic: &str, values: impl Iterator<Item = String>) -> Result<()> {
    let producer: BaseProducer = broker
        .client_config()
        .set("acks", "all")
        .set("linger.ms", "20")
        .set("batch.size", "1000000")
        .create()?;
    for value in values {
        let mut record = BaseRecord::<(), str>::to(topic).payload(value.as_str());
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(20));
                }
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(60))?;
    Ok(())
}

fn start_worker(broker: &Broker, cache_dir: &Path) -> Worker {
    let mut props = with_test_plugins(worker_props(broker, &[]));
    props.insert("ferry.sandbox.allowed.hosts".into(), "127.0.0.1".into());
    props.insert(
        "ferry.plugin.cache.dir".into(),
        cache_dir.display().to_string(),
    );
    Worker::start_standalone(props, &[])
}

fn wait(what: &str, mut done: impl FnMut() -> bool) -> Result<()> {
    let deadline = Instant::now() + PHASE_TIMEOUT;
    while !done() {
        if Instant::now() > deadline {
            bail!("{what} did not finish within {PHASE_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

pub fn run(
    broker: &Broker,
    dir: &Path,
    cache_dir: &Path,
    rows: usize,
    records: usize,
) -> Result<Connectors> {
    let pg = Postgres::start();
    pg.create_database("bench");
    let topic = unique_name("bench-pg");
    broker.create_topic(&topic, 1);
    produce(broker, &topic, (0..rows).map(row_json)).context("fill the rows topic")?;
    eprintln!("bench: {rows} rows on {topic}");

    // COPY from a CSV file.
    let csv = dir.join("rows.csv");
    let mut text = String::new();
    for i in 0..rows {
        text.push_str(&format!(
            "{i},customer {i},{}.25,{},note number {i},{}\n",
            i % 10_000,
            i.is_multiple_of(2),
            ts_text(1_700_000_000_000 + i as i64)
        ));
    }
    std::fs::write(&csv, text)?;
    pg.sql("bench", &format!("CREATE TABLE copied ({COLUMNS})"));
    let started = Instant::now();
    pg.sql(
        "bench",
        &format!("\\copy copied FROM '{}' WITH (FORMAT csv)", csv.display()),
    );
    let copy = started.elapsed();
    ensure!(count(&pg, "copied") == rows, "COPY wrote every row");
    eprintln!("bench: COPY {copy:.2?}");

    // The native sink.
    pg.sql("bench", &format!("CREATE TABLE native ({COLUMNS})"));
    let native_pg = native_pg_sink(broker, &topic, &pg, rows).context("native sink")?;
    ensure!(
        count(&pg, "native") == rows,
        "the native sink wrote every row"
    );
    eprintln!("bench: native Rust sink {native_pg:.2?}");

    // Ferry's postgres-sink.
    pg.sql("bench", &format!("CREATE TABLE ferry ({COLUMNS})"));
    let worker = start_worker(broker, cache_dir);
    let started = Instant::now();
    let (status, body) = worker.rest().create_connector(
        "bench-pg-sink",
        &[
            (
                "connector.class",
                "io.confluent.connect.jdbc.JdbcSinkConnector".to_string(),
            ),
            ("topics", topic.clone()),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter".to_string(),
            ),
            ("connection.url", pg.jdbc_url("bench")),
            ("connection.user", Postgres::USER.to_string()),
            ("connection.password", Postgres::PASSWORD.to_string()),
            ("table.name.format", "ferry".to_string()),
            ("batch.size", PG_BATCH.to_string()),
        ],
    );
    ensure!(status == 201, "create postgres-sink: {body}");
    wait("Ferry's postgres-sink", || count(&pg, "ferry") >= rows)?;
    let ferry_pg = started.elapsed();
    ensure!(
        pg.sql(
            "bench",
            "SELECT count(*) FROM (SELECT * FROM ferry EXCEPT SELECT * FROM native) d"
        ) == "0",
        "Ferry's rows equal the native sink's"
    );
    eprintln!("bench: Ferry postgres-sink {ferry_pg:.2?}");
    drop(worker);

    // HTTP.
    let topic = unique_name("bench-http");
    broker.create_topic(&topic, 1);
    produce(
        broker,
        &topic,
        (0..records).map(|i| format!(r#"{{"event":{i},"kind":"click","page":"/home"}}"#)),
    )
    .context("fill the http topic")?;
    let server = Server::start()?;
    let native_http = native_http_sink(broker, &topic, server.port, records, &server)?;
    eprintln!("bench: native HTTP client {native_http:.2?}");
    server.reset();
    let worker = start_worker(broker, cache_dir);
    let started = Instant::now();
    let (status, body) = worker.rest().create_connector(
        "bench-http-sink",
        &[
            (
                "connector.class",
                "io.aiven.kafka.connect.http.HttpSinkConnector".to_string(),
            ),
            ("topics", topic.clone()),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter".to_string(),
            ),
            (
                "http.url",
                format!("http://127.0.0.1:{}/ingest", server.port),
            ),
            ("batching.enabled", "true".to_string()),
            ("batch.max.size", HTTP_BATCH.to_string()),
        ],
    );
    ensure!(status == 201, "create http-sink: {body}");
    wait("Ferry's http-sink", || server.records() >= records)?;
    let ferry_http = started.elapsed();
    eprintln!("bench: Ferry http-sink {ferry_http:.2?}");
    Ok(Connectors {
        rows,
        copy,
        native_pg,
        ferry_pg,
        records,
        native_http,
        ferry_http,
    })
}

fn count(pg: &Postgres, table: &str) -> usize {
    pg.try_sql("bench", &format!("SELECT count(*) FROM {table}"))
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn ts_text(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = ferry_sdk::logical::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:03}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

fn consumer(broker: &Broker, topic: &str) -> Result<BaseConsumer> {
    let consumer: BaseConsumer = broker
        .client_config()
        .set("group.id", unique_name("bench-native"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("fetch.queue.backoff.ms", "10")
        .create()?;
    consumer.subscribe(&[topic])?;
    Ok(consumer)
}

/// Up to `max` payloads, waiting at most a second for the first.
fn next_batch(consumer: &BaseConsumer, max: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut timeout = Duration::from_secs(1);
    while out.len() < max {
        match consumer.poll(timeout) {
            Some(Ok(message)) => out.push(message.payload().unwrap_or_default().to_vec()),
            _ => break,
        }
        timeout = Duration::ZERO;
    }
    out
}

const INSERT: &str = "INSERT INTO \"native\" (\"id\",\"name\",\"amount\",\"flag\",\"note\",\"at\") VALUES ($1,$2,$3,$4,$5,$6)";

fn native_pg_sink(broker: &Broker, topic: &str, pg: &Postgres, rows: usize) -> Result<Duration> {
    let started = Instant::now();
    let consumer = consumer(broker, topic)?;
    let mut connection = Connection::connect(&ConnectOptions {
        host: "127.0.0.1".into(),
        port: pg.port(),
        database: "bench".into(),
        user: Postgres::USER.into(),
        password: Some(Postgres::PASSWORD.into()),
        timeout: Duration::from_secs(30),
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut written = 0;
    while written < rows {
        if started.elapsed() > PHASE_TIMEOUT {
            bail!("native sink wrote {written} of {rows} rows");
        }
        let batch = next_batch(&consumer, PG_BATCH);
        if batch.is_empty() {
            continue;
        }
        let mut params = Vec::with_capacity(batch.len());
        for payload in &batch {
            let json: serde_json::Value = serde_json::from_slice(payload)?;
            let p = &json["payload"];
            let text = |v: &serde_json::Value| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
            params.push(vec![
                text(&p["id"]),
                text(&p["name"]),
                text(&p["amount"]),
                text(&p["flag"]),
                text(&p["note"]),
                p["at"].as_i64().map(ts_text),
            ]);
        }
        let statements: Vec<Statement<'_>> = params
            .into_iter()
            .map(|params| Statement {
                sql: INSERT,
                params,
            })
            .collect();
        connection
            .simple_query("BEGIN")
            .and_then(|_| connection.pipeline(&statements))
            .and_then(|_| connection.simple_query("COMMIT"))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        written += batch.len();
    }
    Ok(started.elapsed())
}

fn native_http_sink(
    broker: &Broker,
    topic: &str,
    port: u16,
    records: usize,
    server: &Server,
) -> Result<Duration> {
    let started = Instant::now();
    let consumer = consumer(broker, topic)?;
    let client = reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let url = format!("http://127.0.0.1:{port}/ingest");
    let mut sent = 0;
    while sent < records {
        if started.elapsed() > PHASE_TIMEOUT {
            bail!("native client sent {sent} of {records} records");
        }
        let batch = next_batch(&consumer, HTTP_BATCH);
        if batch.is_empty() {
            continue;
        }
        let mut body = Vec::new();
        for (i, payload) in batch.iter().enumerate() {
            if i > 0 {
                body.push(b'\n');
            }
            body.extend_from_slice(payload);
        }
        body.push(b'\n');
        let response = client.post(&url).body(body).send()?;
        ensure!(
            response.status().is_success(),
            "POST answered {}",
            response.status()
        );
        sent += batch.len();
    }
    wait("the native client's records", || {
        server.records() >= records
    })?;
    Ok(started.elapsed())
}

/// An HTTP/1.1 server counting the newline-separated records it receives.
struct Server {
    port: u16,
    records: Arc<AtomicUsize>,
}

impl Server {
    fn start() -> Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let records = Arc::new(AtomicUsize::new(0));
        let count = records.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let count = count.clone();
                std::thread::spawn(move || {
                    let Ok(clone) = stream.try_clone() else {
                        return;
                    };
                    let mut reader = BufReader::new(clone);
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let n = body.iter().filter(|b| **b == b'\n').count();
                    count.fetch_add(n, Ordering::SeqCst);
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    );
                });
            }
        });
        Ok(Server { port, records })
    }

    fn records(&self) -> usize {
        self.records.load(Ordering::SeqCst)
    }

    fn reset(&self) {
        self.records.store(0, Ordering::SeqCst);
    }
}
