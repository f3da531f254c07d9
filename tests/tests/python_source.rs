//! A source connector written in Python (`sdk/python/examples/http_source`, built with
//! componentize-py) polling a real HTTP server in this test through the same network
//! grant as the Rust plugins: every element arrives once, in order, and a restart
//! resumes from the committed cursor.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_tests::{
    Broker, Worker, unique_name, validation_errors, wait_until, with_test_plugins, worker_props,
    write_properties,
};

const PAGE: usize = 3;

/// A JSON feed: `GET /feed[?cursor=n]` answers the elements `{"id":i}` from `n`
/// (at most `PAGE`, up to `available`) and the next cursor; records each cursor asked.
struct Feed {
    port: u16,
    available: Arc<AtomicUsize>,
    cursors: Arc<Mutex<Vec<Option<usize>>>>,
}

impl Feed {
    fn start(available: usize) -> Feed {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let available = Arc::new(AtomicUsize::new(available));
        let cursors = Arc::new(Mutex::new(Vec::new()));
        let (avail, seen) = (available.clone(), cursors.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                        break;
                    }
                }
                let target = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let cursor = target
                    .split_once("cursor=")
                    .and_then(|(_, c)| c.split('&').next()?.parse::<usize>().ok());
                seen.lock().expect("lock").push(cursor);
                let from = cursor.unwrap_or(0);
                let to = avail.load(Ordering::SeqCst).min(from + PAGE).max(from);
                let items: Vec<String> = (from..to).map(|i| format!(r#"{{"id":{i}}}"#)).collect();
                let body = format!(r#"{{"items":[{}],"next":{to}}}"#, items.join(","));
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Feed {
            port,
            available,
            cursors,
        }
    }
}

fn props(broker: &Broker, allowed: &str) -> std::collections::BTreeMap<String, String> {
    let mut props = with_test_plugins(worker_props(broker, &[]));
    props.insert("ferry.sandbox.allowed.hosts".into(), allowed.into());
    props
}

#[test]
fn a_python_http_source_delivers_every_element_once_and_resumes_from_its_cursor() {
    let broker = Broker::shared();
    let feed = Feed::start(10);
    let topic = unique_name("py-http");
    broker.create_topic(&topic, 1);
    let files = tempfile::tempdir().expect("temp dir");
    let connector = write_properties(
        &files.path().join("py-http.properties"),
        &[
            ("name", unique_name("py-http")),
            ("connector.class", "PyHttpSource".to_string()),
            ("http.url", format!("http://127.0.0.1:{}/feed", feed.port)),
            ("topic", topic.clone()),
            ("poll.interval.ms", "200".to_string()),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter".to_string(),
            ),
        ],
    );
    let mut worker = Worker::start_standalone(props(broker, "127.0.0.1"), &[connector]);
    let expected =
        |n: usize| -> Vec<String> { (0..n).map(|i| format!(r#"{{"id":{i}}}"#)).collect() };
    let read = |n: usize| -> Vec<String> {
        broker
            .consume_all(&topic, n, Duration::from_secs(60))
            .into_iter()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .collect()
    };
    assert_eq!(
        read(10),
        expected(10),
        "every element, in order\n{}",
        worker.log_tail(30)
    );

    // A clean stop commits the cursor; the restarted task asks from there.
    worker.stop();
    let asked_before = feed.cursors.lock().expect("lock").len();
    feed.available.store(15, Ordering::SeqCst);
    worker.restart();
    assert_eq!(read(15), expected(15), "the new elements, in order");
    assert!(
        wait_until(Duration::from_secs(30), || broker.record_count(&topic)
            == Some(15)),
        "no element twice: {:?}",
        broker.record_count(&topic)
    );
    let after_restart = feed.cursors.lock().expect("lock")[asked_before];
    assert!(
        after_restart.is_some_and(|c| c >= 9),
        "the restarted task resumed from the committed cursor, asked {after_restart:?}"
    );
}

#[test]
fn the_python_source_gets_the_same_network_grant_checks() {
    let broker = Broker::shared();
    let worker = Worker::start_standalone(props(broker, "127.0.0.1:8000-8010"), &[]);
    let (status, body) = worker.rest().validate(
        "PyHttpSource",
        &[
            ("connector.class", "PyHttpSource".to_string()),
            ("name", "v".to_string()),
            ("topic", "t".to_string()),
            ("http.url", "http://127.0.0.1:9999/feed".to_string()),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let errors = validation_errors(&body, "http.url").unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("127.0.0.1:9999 is outside")),
        "{body}"
    );
}
