//! The REST API secured as Kafka Connect's is: HTTP basic auth (the
//! `BasicAuthSecurityRestExtension` equivalent, argon2id hashes from
//! `ferry hash-password`) and TLS on an `https://` listener, alone and together in a
//! cluster whose workers forward requests and hand each other task configs.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ferry_tests::{
    Broker, Rest, Worker, assert_error, distributed_props, ferry_bin, file_source_config,
    free_port, unique_name, wait_until, worker_props, write_lines, write_properties,
};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use serde_json::{Value, json};

const EXTENSION: &str =
    "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
const RUNNING_TIMEOUT: Duration = Duration::from_secs(120);

/// `ferry hash-password` with `password` on standard input.
fn hash_password(password: &str) -> String {
    let mut child = Command::new(ferry_bin())
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ferry hash-password");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write the password");
    let output = child.wait_with_output().expect("ferry hash-password");
    assert!(
        output.status.success(),
        "ferry hash-password failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let hash = String::from_utf8(output.stdout).expect("UTF-8 hash");
    let hash = hash.trim().to_owned();
    assert!(
        hash.starts_with("$argon2id$"),
        "not an argon2id hash: {hash}"
    );
    assert!(!hash.contains(password), "the hash holds the password");
    hash
}

/// A credentials file with `alice` / `s3cret`.
fn credentials(dir: &Path) -> PathBuf {
    write_properties(
        &dir.join("users.properties"),
        &[("alice", hash_password("s3cret"))],
    )
}

fn basic_auth_props(props: &mut BTreeMap<String, String>, credentials: &Path) {
    props.insert("rest.extension.classes".into(), EXTENSION.into());
    props.insert(
        "ferry.rest.basic.auth.credentials.file".into(),
        credentials.display().to_string(),
    );
}

/// A test CA and a server certificate for the IP address 127.0.0.1 only, as PEM files:
/// `ca.pem` (truststore) and `keystore.pem` (chain and key).
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Ferry e2e test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
            .expect("CA certificate");
        let key = KeyPair::generate().expect("server key");
        let params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
        let cert = params.signed_by(&key, &ca).expect("server certificate");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("write CA");
        std::fs::write(
            dir.path().join("keystore.pem"),
            format!("{}{}", cert.pem(), key.serialize_pem()),
        )
        .expect("write keystore");
        Pki { dir }
    }

    fn ca(&self) -> String {
        self.dir.path().join("ca.pem").display().to_string()
    }

    fn keystore(&self) -> String {
        self.dir.path().join("keystore.pem").display().to_string()
    }

    /// `listeners=https://127.0.0.1:<port>` and the PEM stores, under the
    /// listener-specific prefix or the bare `ssl.*` keys.
    fn tls_props(&self, props: &mut BTreeMap<String, String>, prefix: &str) {
        props.insert(
            "listeners".into(),
            format!("https://127.0.0.1:{}", free_port()),
        );
        for (key, value) in [
            ("ssl.keystore.type", "PEM".to_owned()),
            ("ssl.keystore.location", self.keystore()),
            ("ssl.truststore.type", "PEM".to_owned()),
            ("ssl.truststore.location", self.ca()),
        ] {
            props.insert(format!("{prefix}{key}"), value);
        }
    }
}

#[test]
fn basic_auth_refuses_missing_and_wrong_credentials_and_admits_the_right_ones() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let mut props = worker_props(broker, &[data.path()]);
    basic_auth_props(&mut props, &credentials(data.path()));
    let mut worker = Worker::start_standalone(props, &[]);
    let anonymous = worker.rest().clone();

    for (rest, what) in [
        (anonymous.clone(), "no credentials"),
        (
            anonymous.with_basic_auth("alice", "wrong"),
            "wrong password",
        ),
        (
            anonymous.with_basic_auth("mallory", "s3cret"),
            "unknown user",
        ),
    ] {
        let message = assert_error(&rest.get("/connectors"), 401, what);
        assert_eq!(message, "User cannot access the resource.", "{what}");
    }
    let answer = reqwest::blocking::get(format!("{}/connectors", worker.url())).expect("GET");
    assert_eq!(answer.status(), 401);
    assert_eq!(
        answer.headers()["www-authenticate"],
        "Basic realm=\"Ferry\""
    );
    // The internal task-config endpoint is signature-authenticated, not password:
    // it answers without credentials (here: no such connector), never 401.
    let (code, body) = anonymous.post_raw("/connectors/nope/tasks", "[]");
    assert_ne!(code, 401, "internal endpoint must be exempt: {body}");

    worker.set_basic_auth("alice", "s3cret");
    let (code, body) = worker.rest().get("/connectors");
    assert_eq!(code, 200, "{body}");
    assert_eq!(body, json!([]));

    let topic = unique_name("secure");
    broker.create_topic(&topic, 1);
    let input = data.path().join("in.txt");
    write_lines(&input, ["one", "two"]);
    let config = file_source_config("secured", &input, &topic);
    let (code, body) = worker.rest().create_connector("secured", &config);
    assert_eq!(code, 201, "create with credentials: {body}");
    worker.wait_all_in_state("secured", "RUNNING", RUNNING_TIMEOUT);
    let (code, _) = anonymous.get("/connectors/secured/status");
    assert_eq!(code, 401, "status needs credentials too");
}

#[test]
fn plaintext_passwords_and_a_missing_credentials_file_stop_the_worker() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = write_properties(
        &dir.path().join("plain.properties"),
        &[("bob", "hunter2".into())],
    );
    let run = |props: &[(&str, String)]| {
        let path = write_properties(&dir.path().join("worker.properties"), props);
        let output = Command::new(ferry_bin())
            .arg("standalone")
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .expect("run ferry");
        assert!(!output.status.success(), "ferry must refuse to start");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let listeners = ("listeners", format!("http://127.0.0.1:{}", free_port()));
    let stderr = run(&[
        listeners.clone(),
        ("rest.extension.classes", EXTENSION.into()),
        (
            "ferry.rest.basic.auth.credentials.file",
            plain.display().to_string(),
        ),
    ]);
    assert!(
        stderr.contains("'bob'") && stderr.contains("ferry hash-password"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the password is printed: {stderr}"
    );
    let stderr = run(&[
        listeners.clone(),
        (
            "rest.extension.classes",
            "BasicAuthSecurityRestExtension".into(),
        ),
    ]);
    assert!(
        stderr.contains("ferry.rest.basic.auth.credentials.file"),
        "{stderr}"
    );
    let stderr = run(&[
        ("listeners", format!("https://127.0.0.1:{}", free_port())),
        ("listeners.https.ssl.keystore.type", "JKS".into()),
    ]);
    assert!(
        stderr.contains("listeners.https.ssl.keystore.type") && stderr.contains("PEM"),
        "{stderr}"
    );
}

#[test]
fn tls_listener_answers_clients_that_trust_its_ca_only() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let pki = Pki::new();
    let mut props = worker_props(broker, &[data.path()]);
    pki.tls_props(&mut props, "listeners.https.");
    let worker = Worker::start_standalone(props, &[]);
    assert!(
        worker.url().starts_with("https://127.0.0.1:"),
        "{}",
        worker.url()
    );

    // The harness client trusts only the test CA and verifies the certificate.
    let (code, body) = worker.rest().get("/");
    assert_eq!(code, 200, "{body}");
    assert!(body["version"].is_string(), "{body}");

    let stranger = reqwest::blocking::Client::builder()
        .use_rustls_tls()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let error = stranger
        .get(format!("{}/", worker.url()))
        .send()
        .expect_err("a client that does not trust the CA must fail");
    assert!(error.is_connect() || error.is_request(), "{error:?}");

    // The certificate names 127.0.0.1 only: `localhost` fails host-name verification.
    let by_name = Rest::with_client(
        format!("https://localhost:{}", worker.port()),
        trusting_client(&pki),
    );
    assert!(
        by_name
            .try_call(reqwest::Method::GET, "/", None, Duration::from_secs(10))
            .is_err(),
        "a certificate without the host name must be refused"
    );
}

fn trusting_client(pki: &Pki) -> reqwest::blocking::Client {
    let pem = std::fs::read(pki.ca()).expect("read CA");
    let mut builder = reqwest::blocking::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .timeout(Duration::from_secs(10));
    for cert in reqwest::Certificate::from_pem_bundle(&pem).expect("CA PEM") {
        builder = builder.add_root_certificate(cert);
    }
    builder.build().expect("client")
}

/// Two workers with TLS and basic auth: a create through either worker succeeds (at
/// least one is a follower, which forwards it to the leader over TLS with the user's
/// credentials), and connectors on the follower hand their task configs to the leader
/// through the internal endpoint (HMAC-signed, exempt from basic auth).
#[test]
fn cluster_with_tls_and_basic_auth_forwards_creates_and_shares_task_configs() {
    let broker = Broker::shared();
    let data = tempfile::tempdir().expect("temp dir");
    let pki = Pki::new();
    let users = credentials(data.path());
    let group = unique_name("secure-cluster");
    let workers: Vec<Worker> = (0..2)
        .map(|_| {
            let mut props = distributed_props(broker, &group, &[data.path()], 0);
            pki.tls_props(&mut props, "");
            basic_auth_props(&mut props, &users);
            let mut worker = Worker::start_distributed(props);
            worker.set_basic_auth("alice", "s3cret");
            worker
        })
        .collect();
    let topic = unique_name("secure-topic");
    broker.create_topic(&topic, 2);
    let names = ["secure-a", "secure-b"];
    for (via, name) in names.iter().enumerate() {
        let body = json!({"name": name, "config": {
            "connector.class": "verifiable-source", "tasks.max": "2", "topic": topic,
            "throughput": "10"}});
        let mut last = (0, Value::Null);
        let accepted = wait_until(RUNNING_TIMEOUT, || {
            last = workers[via].rest().post("/connectors", &body);
            last.0 != 409
        });
        assert!(accepted, "the cluster never accepted {name}: {last:?}");
        assert_eq!(
            last.0, 201,
            "create {name} through worker {via}: {}",
            last.1
        );
    }
    for name in names {
        let mut last = Value::Null;
        let running = wait_until(RUNNING_TIMEOUT, || {
            last = workers[0].status(name).unwrap_or(Value::Null);
            last["connector"]["state"] == "RUNNING"
                && last["tasks"].as_array().is_some_and(|tasks| {
                    tasks.len() == 2 && tasks.iter().all(|t| t["state"] == "RUNNING")
                })
        });
        assert!(running, "{name} and its 2 tasks never all ran: {last}");
    }
    for worker in &workers {
        let wrong = worker.rest().with_basic_auth("alice", "wrong");
        assert_error(
            &wrong.get("/connectors"),
            401,
            "wrong password in the cluster",
        );
    }
}
