//! The HTTP sink end to end: records from Kafka reach a real HTTP server in this test
//! (through `wasi:http`, the host making the connection), batched as configured, with
//! the configured auth and headers, through injected 429s, 500s and a timeout; a
//! permanent failure fails the task with the server's answer in its trace.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_tests::{Broker, Worker, unique_name, wait_until, with_test_plugins, worker_props};
use serde_json::Value;

/// What the server does with one request.
#[derive(Clone, Debug)]
enum Answer {
    Status(u16, &'static str),
    /// Answer 200 only after this long (longer than the sink's timeout).
    Late(Duration),
}

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
    /// Answered 200 in time.
    delivered: bool,
}

/// An HTTP/1.1 server answering from a script, then with `fallback`; records every
/// request.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn start(script: Vec<Answer>, fallback: Answer) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (log, script, fallback) = (log.clone(), script.clone(), fallback.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or_default().to_string();
                    let path = parts.next().unwrap_or_default().to_string();
                    let mut headers = Vec::new();
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0 {
                            break;
                        }
                        let header = header.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        if let Some((n, v)) = header.split_once(':') {
                            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
                        }
                    }
                    let length = headers
                        .iter()
                        .find(|(n, _)| n == "content-length")
                        .and_then(|(_, v)| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let answer = script.lock().expect("lock").pop_front().unwrap_or(fallback);
                    let delivered = matches!(answer, Answer::Status(200, _));
                    // Recorded on arrival: a late answer is a failed attempt already.
                    log.lock().expect("lock").push(Seen {
                        method,
                        path,
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                        delivered,
                    });
                    let (status, text) = match answer {
                        Answer::Status(status, text) => (status, text),
                        Answer::Late(delay) => {
                            std::thread::sleep(delay);
                            (200, "late")
                        }
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                        text.len()
                    );
                });
            }
        });
        Server { port, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

fn worker(broker: &Broker) -> Worker {
    let mut props = with_test_plugins(worker_props(broker, &[]));
    props.insert("ferry.sandbox.allowed.hosts".into(), "127.0.0.1".into());
    Worker::start_standalone(props, &[])
}

fn sink_config(
    topic: &str,
    port: u16,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut config = vec![
        (
            "connector.class",
            "io.aiven.kafka.connect.http.HttpSinkConnector".to_string(),
        ),
        ("topics", topic.to_string()),
        (
            "key.converter",
            "org.apache.kafka.connect.storage.StringConverter".into(),
        ),
        (
            "value.converter",
            "org.apache.kafka.connect.storage.StringConverter".into(),
        ),
        ("http.url", format!("http://127.0.0.1:{port}/ingest")),
    ];
    config.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    config
}

#[test]
fn every_record_arrives_in_batches_through_429s_500s_and_a_timeout() {
    let broker = Broker::shared();
    let server = Server::start(
        vec![
            Answer::Status(429, "slow down"),
            Answer::Status(500, "oops"),
            Answer::Late(Duration::from_secs(3)),
        ],
        Answer::Status(200, "ok"),
    );
    let topic = unique_name("http-sink");
    broker.create_topic(&topic, 1);
    let values: Vec<String> = (0..10).map(|i| format!("{{\"n\":{i}}}")).collect();
    broker.produce(&topic, &values);

    let worker = worker(broker);
    let name = unique_name("http-sink");
    let (status, body) = worker.rest().create_connector(
        &name,
        &sink_config(
            &topic,
            server.port,
            &[
                ("batching.enabled", "true"),
                ("batch.max.size", "4"),
                ("batch.prefix", "["),
                ("batch.suffix", "]"),
                ("batch.separator", ","),
                ("http.authorization.type", "bearer"),
                ("http.authorization.token", "s3cret"),
                ("http.headers.content.type", "application/json"),
                ("http.headers.additional", "X-Source:ferry"),
                ("http.timeout", "1"),
                ("max.retries", "5"),
                ("retry.backoff.ms", "100"),
            ],
        ),
    );
    assert_eq!(status, 201, "{body}");

    let delivered = |seen: &[Seen]| -> Vec<Value> {
        seen.iter()
            .filter(|s| s.delivered)
            .flat_map(|s| {
                serde_json::from_str::<Vec<Value>>(&s.body)
                    .unwrap_or_else(|e| panic!("batch body {:?} is not a JSON array: {e}", s.body))
            })
            .collect()
    };
    assert!(
        wait_until(Duration::from_secs(90), || delivered(&server.seen()).len()
            >= values.len()),
        "all records delivered; seen: {:?}\n{}",
        server.seen(),
        worker.log_tail(40)
    );
    let seen = server.seen();
    let expected: Vec<Value> = values
        .iter()
        .map(|v| serde_json::from_str(v).expect("json"))
        .collect();
    assert_eq!(delivered(&seen), expected, "every record once, in order");
    for request in &seen {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/ingest")
        );
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("authorization"), Some("Bearer s3cret"));
        assert_eq!(header("content-type"), Some("application/json"));
        assert_eq!(header("x-source"), Some("ferry"));
        let records = serde_json::from_str::<Vec<Value>>(&request.body).expect("array");
        assert!(
            (1..=4).contains(&records.len()),
            "batches hold 1 to batch.max.size records: {}",
            request.body
        );
    }
    let failed = seen.iter().filter(|s| !s.delivered).count();
    assert_eq!(
        failed, 3,
        "the 429, the 500 and the late answer were retried"
    );
    assert_eq!(
        worker.task_state(&name, 0).as_deref(),
        Some("RUNNING"),
        "retried failures do not fail the task"
    );
}

#[test]
fn a_permanent_failure_fails_the_task_with_the_servers_answer() {
    let broker = Broker::shared();
    let server = Server::start(Vec::new(), Answer::Status(500, "database unavailable"));
    let topic = unique_name("http-sink-fail");
    broker.create_topic(&topic, 1);
    broker.produce(&topic, &["one"]);
    let worker = worker(broker);
    let name = unique_name("http-sink-fail");
    let (status, body) = worker.rest().create_connector(
        &name,
        &sink_config(
            &topic,
            server.port,
            &[("max.retries", "2"), ("retry.backoff.ms", "50")],
        ),
    );
    assert_eq!(status, 201, "{body}");
    let task = worker.wait_task_state(&name, 0, "FAILED", Duration::from_secs(60));
    let trace = task["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("failed after 2 retries") && trace.contains("HTTP 500 database unavailable"),
        "the trace carries the server's answer: {trace}"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "one attempt and max.retries=2 retries");
    assert!(seen.iter().all(|s| s.body == "one"), "{seen:?}");
}

#[test]
fn the_sink_is_validated_like_a_kafka_connect_plugin() {
    let broker = Broker::shared();
    let worker = worker(broker);
    let (status, body) = worker.rest().validate(
        "io.aiven.kafka.connect.http.HttpSinkConnector",
        &[
            (
                "connector.class",
                "io.aiven.kafka.connect.http.HttpSinkConnector".to_string(),
            ),
            ("name", "v".to_string()),
            ("topics", "t".to_string()),
            ("http.url", "http://10.9.8.7/ingest".to_string()),
            ("http.authorization.type", "oauth2".to_string()),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let errors = |key: &str| ferry_tests::validation_errors(&body, key).unwrap_or_default();
    assert!(
        errors("http.url")
            .iter()
            .any(|e| e.contains("ferry.sandbox.allowed.hosts")),
        "{body}"
    );
    assert!(
        errors("http.authorization.type")
            .iter()
            .any(|e| e.contains("oauth2 is not supported")),
        "{body}"
    );
}
