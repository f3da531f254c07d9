//! Network grants end to end: a plugin granted `127.0.0.1:P` (an endpoint-typed config
//! key) reaches exactly that, from inside the sandbox — not another port, not another
//! address, not a name it was not granted, no listening, no UDP — and `wasi:http`
//! requests go only to its granted URL. `test-chaos-source` runs the probes and
//! reports `net:<probe>:ok|denied` as records; the servers that must not be reached
//! count their connections. Grants outside `ferry.sandbox.allowed.hosts` are
//! validation errors on their key.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ferry_tests::{
    Broker, Worker, unique_name, validation_errors, wait_until, with_test_plugins, worker_props,
};

/// A TCP server on `addr` (port 0: any) answering each line with itself; counts
/// connections.
struct Server {
    port: u16,
    connections: Arc<AtomicUsize>,
    requests: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    fn echo(addr: &str) -> Server {
        Server::start(addr, |stream, _| {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_ok() {
                let _ = stream.write_all(line.as_bytes());
            }
        })
    }

    /// A minimal HTTP/1.1 server: 200 `ok` to every request; records request lines.
    fn http() -> Server {
        Server::start("127.0.0.1:0", |stream, requests| {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&head);
            if let Some(line) = text.lines().next() {
                requests.lock().expect("lock").push(line.to_string());
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        })
    }

    fn start(addr: &str, serve: fn(&mut TcpStream, &std::sync::Mutex<Vec<String>>)) -> Server {
        let listener = TcpListener::bind(addr).expect("bind test server");
        let port = listener.local_addr().expect("addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (count, seen) = (connections.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let seen = seen.clone();
                std::thread::spawn(move || serve(&mut stream, &seen));
            }
        });
        Server {
            port,
            connections,
            requests,
        }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Runs `probes` in a `test-chaos-source` connector with `grants` and returns the
/// verdicts, in order.
fn run_probes(
    broker: &Broker,
    worker: &Worker,
    grants: &[(&str, String)],
    probes: &[String],
) -> Vec<String> {
    let topic = unique_name("net-probe");
    broker.create_topic(&topic, 1);
    let name = unique_name("net-probe");
    let mut config = vec![
        ("connector.class", "test-chaos-source".to_string()),
        ("topic", topic.clone()),
        ("max.records", "0".to_string()),
        ("probe.net", probes.join(",")),
    ];
    config.extend(grants.iter().cloned());
    let (status, body) = worker.rest().create_connector(&name, &config);
    assert_eq!(status, 201, "create {name}: {body}");
    let records = broker
        .consume_all(&topic, probes.len(), Duration::from_secs(90))
        .into_iter()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .collect();
    let (status, body) = worker.rest().delete(&format!("/connectors/{name}"));
    assert_eq!(status, 204, "delete {name}: {body}");
    records
}

fn expected(probes: &[(String, &str)]) -> (Vec<String>, Vec<String>) {
    let names = probes.iter().map(|(p, _)| p.clone()).collect();
    let verdicts = probes.iter().map(|(p, v)| format!("net:{p}:{v}")).collect();
    (names, verdicts)
}

#[test]
fn a_plugin_reaches_its_granted_endpoints_and_nothing_else() {
    let broker = Broker::shared();
    let granted = Server::echo("127.0.0.1:0");
    let other_port = Server::echo("127.0.0.1:0");
    let other_address = Server::echo(&format!("127.0.0.2:{}", granted.port));
    let web = Server::http();
    let other_web = Server::http();
    let p = granted.port;

    let mut props = with_test_plugins(worker_props(broker, &[]));
    props.insert(
        "ferry.sandbox.allowed.hosts".into(),
        "127.0.0.1, localhost".into(),
    );
    let worker = Worker::start_standalone(props, &[]);

    // Granted by address.
    let (probes, verdicts) = expected(&[
        (format!("tcp:127.0.0.1:{p}"), "ok"),
        (format!("tcp:127.0.0.1:{}", other_port.port), "denied"),
        (format!("tcp:127.0.0.2:{p}"), "denied"),
        ("lookup:localhost".into(), "denied"),
        (format!("tcp:localhost:{p}"), "denied"),
        ("listen:127.0.0.1:0".into(), "denied"),
        ("listen:0.0.0.0:0".into(), "denied"),
        (format!("udp:127.0.0.1:{p}"), "denied"),
        (format!("http:http://127.0.0.1:{}/granted", web.port), "ok"),
        (
            format!("http:http://127.0.0.1:{}/other", other_web.port),
            "denied",
        ),
    ]);
    let got = run_probes(
        broker,
        &worker,
        &[
            ("grant.endpoint", format!("127.0.0.1:{p}")),
            ("grant.url", format!("http://127.0.0.1:{}/", web.port)),
        ],
        &probes,
    );
    assert_eq!(got, verdicts, "what the sandbox let the plugin reach");
    assert_eq!(
        granted.connections(),
        1,
        "the granted echo server saw the probe"
    );
    assert_eq!(
        other_port.connections(),
        0,
        "another port was never connected"
    );
    assert_eq!(
        other_address.connections(),
        0,
        "another address was never connected"
    );
    assert_eq!(
        other_web.connections(),
        0,
        "another URL was never requested"
    );
    assert_eq!(
        web.requests.lock().expect("lock").as_slice(),
        ["GET /granted HTTP/1.1"],
        "the granted URL got exactly the plugin's request"
    );

    // Granted by name: the name resolves, and connects reach its address.
    let (probes, verdicts) = expected(&[
        ("lookup:localhost".into(), "ok"),
        (format!("tcp:localhost:{p}"), "ok"),
        ("lookup:example.com".into(), "denied"),
        (format!("tcp:127.0.0.1:{}", other_port.port), "denied"),
    ]);
    let got = run_probes(
        broker,
        &worker,
        &[("grant.endpoint", format!("localhost:{p}"))],
        &probes,
    );
    assert_eq!(got, verdicts, "a name grant");
    assert_eq!(granted.connections(), 2);
    assert_eq!(other_port.connections(), 0);

    // The operator sees what each plugin instance did: the first task's two
    // connections, its refusals, and its bytes (the echo's 5 each way, the HTTP
    // response body's 2).
    assert!(
        wait_until(Duration::from_secs(30), || worker
            .log_count("network use: connections=2 refused=")
            > 0),
        "a network use summary in the worker log:\n{}",
        worker.log_tail(40)
    );
    assert!(
        worker.log_count("http.requests=1 bytes.out=5 bytes.in=7") > 0,
        "byte counts in the summary:\n{}",
        worker.log_tail(40)
    );
}

#[test]
fn endpoints_outside_the_worker_bound_are_validation_errors_on_their_key() {
    let broker = Broker::shared();
    let mut props = with_test_plugins(worker_props(broker, &[]));
    props.insert(
        "ferry.sandbox.allowed.hosts".into(),
        "127.0.0.1:5000-5010, *.example.com:443".into(),
    );
    let worker = Worker::start_standalone(props, &[]);
    let base = |extra: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        let mut config = vec![
            ("connector.class", "test-chaos-source".to_string()),
            ("name", "bound".to_string()),
            ("topic", "t".to_string()),
        ];
        config.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        config
    };

    let (status, body) = worker.rest().validate(
        "test-chaos-source",
        &base(&[
            ("grant.endpoint", "127.0.0.1:5005"),
            ("grant.url", "https://api.example.com/v1"),
        ]),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["error_count"], 0, "inside the bound: {body}");

    for (key, value, needle) in [
        (
            "grant.endpoint",
            "127.0.0.1:6000",
            "outside the hosts plugins may reach",
        ),
        (
            "grant.endpoint",
            "10.0.0.1:5005",
            "ferry.sandbox.allowed.hosts = [127.0.0.1:5000-5010, *.example.com:443]",
        ),
        (
            "grant.url",
            "http://api.example.com/",
            "api.example.com:80 is outside",
        ),
        (
            "grant.url",
            "https://example.com/",
            "example.com:443 is outside",
        ),
        ("grant.endpoint", "no-port", "is not host:port"),
        ("grant.url", "api.example.com", "is not a URL"),
    ] {
        let (status, body) = worker
            .rest()
            .validate("test-chaos-source", &base(&[(key, value)]));
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["error_count"], 1, "{key}={value}: {body}");
        let errors = validation_errors(&body, key).unwrap_or_default();
        assert!(
            errors.iter().any(|e| e.contains(needle) && e.contains(key)),
            "{key}={value}: expected an error naming the key and containing {needle:?}, got {errors:?}"
        );
    }

    // Creating such a connector is refused the same way.
    let (status, body) = worker.rest().create_connector(
        "refused",
        &[
            ("connector.class", "test-chaos-source".to_string()),
            ("topic", "t".to_string()),
            ("grant.endpoint", "127.0.0.1:22".to_string()),
        ],
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("grant.endpoint")),
        "{body}"
    );
}

#[test]
fn without_a_bound_no_endpoint_can_be_granted() {
    let broker = Broker::shared();
    let worker = Worker::start_standalone(with_test_plugins(worker_props(broker, &[])), &[]);
    let (status, body) = worker.rest().validate(
        "test-chaos-source",
        &[
            ("connector.class", "test-chaos-source".to_string()),
            ("name", "nobound".to_string()),
            ("topic", "t".to_string()),
            ("grant.endpoint", "127.0.0.1:5432".to_string()),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let errors = validation_errors(&body, "grant.endpoint").unwrap_or_default();
    assert_eq!(
        errors,
        [
            "Invalid value 127.0.0.1:5432 for configuration grant.endpoint: 127.0.0.1:5432 is outside the hosts plugins may reach (worker property ferry.sandbox.allowed.hosts = [])"
        ],
        "{body}"
    );
}
