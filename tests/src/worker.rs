//! `ferry standalone` worker processes.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::broker::{Broker, tail};
use crate::files::write_properties;
use crate::paths::{
    ferry_bin, free_port, plugin_cache_dir, plugins_dir, repo_root, test_plugins_dir,
};
use crate::rest::Rest;
use crate::wait::wait_for;

/// How long a worker may take until `GET /` answers. Generous: the first worker of a
/// build compiles every plugin (the Python one takes ~15 s on an idle machine).
const WORKER_START_TIMEOUT: Duration = Duration::from_secs(300);

/// How long `stop()` waits after SIGTERM.
const WORKER_STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// Lines of the worker log printed when a test panics.
const LOG_TAIL_ON_PANIC: usize = 300;

/// Worker properties for a standalone worker talking to `broker`: string converters,
/// `build/plugins` on the plugin path, a 1 s offset flush interval, the shared test
/// compile cache, and `allowed` as `ferry.sandbox.allowed.paths`.
///
/// `listeners` and `offset.storage.file.filename` are filled in by
/// [`Worker::start_standalone`] unless set.
pub fn worker_props(broker: &Broker, allowed: &[&Path]) -> BTreeMap<String, String> {
    let allowed: Vec<String> = allowed.iter().map(|p| p.display().to_string()).collect();
    [
        ("bootstrap.servers", broker.bootstrap_servers()),
        ("plugin.path", plugins_dir().display().to_string()),
        ("key.converter", "string-converter".to_owned()),
        ("value.converter", "string-converter".to_owned()),
        ("offset.flush.interval.ms", "1000".to_owned()),
        ("ferry.sandbox.allowed.paths", allowed.join(",")),
        (
            "ferry.plugin.cache.dir",
            plugin_cache_dir().display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Worker properties for one worker of the cluster `group`: [`worker_props`] plus
/// [`cluster_props`] with a 6 s session timeout, a 1 s heartbeat and
/// `scheduled.rebalance.max.delay.ms=delay_ms`.
pub fn distributed_props(
    broker: &Broker,
    group: &str,
    allowed: &[&Path],
    delay_ms: u64,
) -> BTreeMap<String, String> {
    let mut props = worker_props(broker, allowed);
    props.extend(cluster_props(group, 6000, 1000, delay_ms));
    props
}

/// The group settings of a distributed worker (Kafka Connect's keys, so Kafka
/// Connect's workers take them too): `group.id`, the group's own three internal
/// topics (replication factor 1, as the test broker has one node), the session
/// timeout, heartbeat interval and `scheduled.rebalance.max.delay.ms`.
pub fn cluster_props(
    group: &str,
    session_timeout_ms: u64,
    heartbeat_interval_ms: u64,
    delay_ms: u64,
) -> BTreeMap<String, String> {
    [
        ("group.id", group.to_owned()),
        ("config.storage.topic", format!("{group}-configs")),
        ("offset.storage.topic", format!("{group}-offsets")),
        ("status.storage.topic", format!("{group}-status")),
        ("config.storage.replication.factor", "1".to_owned()),
        ("offset.storage.replication.factor", "1".to_owned()),
        ("status.storage.replication.factor", "1".to_owned()),
        ("offset.storage.partitions", "5".to_owned()),
        ("status.storage.partitions", "3".to_owned()),
        ("session.timeout.ms", session_timeout_ms.to_string()),
        ("heartbeat.interval.ms", heartbeat_interval_ms.to_string()),
        ("scheduled.rebalance.max.delay.ms", delay_ms.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// `props` with `plugin.path` extended by the test-only plugins (`build/test-plugins`).
pub fn with_test_plugins(mut props: BTreeMap<String, String>) -> BTreeMap<String, String> {
    props.insert(
        "plugin.path".into(),
        format!(
            "{},{}",
            plugins_dir().display(),
            test_plugins_dir().display()
        ),
    );
    props
}

/// A worker process — `ferry standalone`, `ferry distributed`, or a Kafka Connect
/// 4.4.0 distributed worker for the mixed-cluster tests — with its own temp dir
/// (properties, offsets file, log) and REST port. Killed on drop; its log is printed
/// if the test is panicking.
pub struct Worker {
    /// `standalone`, `distributed` or [`KAFKA_CONNECT`].
    mode: &'static str,
    child: Option<Child>,
    rest: Rest,
    port: u16,
    props: BTreeMap<String, String>,
    connector_files: Vec<PathBuf>,
    /// Extra environment variables of the worker process (for `${env:…}` tests).
    env: Vec<(String, String)>,
    log: PathBuf,
    starts: u32,
    // Dropped last.
    dir: TempDir,
}

/// The mode of a Kafka Connect worker ([`Worker::start_kafka_connect`]).
const KAFKA_CONNECT: &str = "kafka-connect";

/// The heap of a test's Kafka Connect worker (Kafka's scripts default to 2 GiB; a test
/// cluster runs up to four workers on a small machine).
const KAFKA_CONNECT_HEAP: &str = "-Xms128M -Xmx768M";

/// `props` (Ferry worker properties) as a Kafka Connect worker of the same cluster
/// takes them: Ferry's own `ferry.*` keys dropped, and `plugin.path` set to the
/// Kafka-only test connector's directory (`build/kafka/test-plugins`, built by
/// `scripts/setup.sh`); Kafka's `FileStream*` connectors and transforms are on the
/// worker's class path.
pub fn kafka_connect_props(props: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut props: BTreeMap<String, String> = props
        .iter()
        .filter(|(k, _)| !k.starts_with("ferry."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    props.insert(
        "plugin.path".into(),
        repo_root()
            .join("build/kafka/test-plugins")
            .display()
            .to_string(),
    );
    props
}

impl Worker {
    /// Starts a Kafka Connect 4.4.0 distributed worker (`ConnectDistributed`, through
    /// `scripts/kafka/run-class.sh`, which exec's the JVM) with `props` (see
    /// [`kafka_connect_props`]), and waits until `GET /` answers 200.
    pub fn start_kafka_connect(props: BTreeMap<String, String>) -> Worker {
        Self::start_mode(KAFKA_CONNECT, props, &[], &[])
    }

    /// `ferry` or `Kafka Connect`, for messages.
    pub fn label(&self) -> &'static str {
        if self.is_kafka_connect() {
            "Kafka Connect"
        } else {
            "ferry"
        }
    }

    /// Whether this is a Kafka Connect worker.
    pub fn is_kafka_connect(&self) -> bool {
        self.mode == KAFKA_CONNECT
    }

    /// Writes `props` to `worker.properties` and runs
    /// `ferry standalone worker.properties CONNECTOR_FILES...`, then waits until
    /// `GET /` answers 200. Unless `props` sets them, `listeners` is
    /// `http://127.0.0.1:<free port>` and `offset.storage.file.filename` lies in the
    /// worker's temp dir.
    pub fn start_standalone(
        props: BTreeMap<String, String>,
        connector_files: &[PathBuf],
    ) -> Worker {
        Self::start_mode("standalone", props, connector_files, &[])
    }

    /// [`Worker::start_standalone`] with extra environment variables.
    pub fn start_standalone_with_env(
        props: BTreeMap<String, String>,
        connector_files: &[PathBuf],
        env: &[(&str, &str)],
    ) -> Worker {
        Self::start_mode("standalone", props, connector_files, env)
    }

    /// Runs `ferry distributed worker.properties` (see [`distributed_props`]) and
    /// waits until `GET /` answers 200.
    pub fn start_distributed(props: BTreeMap<String, String>) -> Worker {
        Self::start_mode("distributed", props, &[], &[])
    }

    fn start_mode(
        mode: &'static str,
        props: BTreeMap<String, String>,
        connector_files: &[PathBuf],
        env: &[(&str, &str)],
    ) -> Worker {
        let dir = tempfile::Builder::new()
            .prefix("ferry-worker-")
            .tempdir()
            .expect("create worker temp dir");
        let choose_port = !props.contains_key("listeners");
        let mut props = props;
        if mode == "standalone" {
            props
                .entry("offset.storage.file.filename".to_owned())
                .or_insert_with(|| dir.path().join("offsets.dat").display().to_string());
        }
        let log = dir.path().join("worker.log");
        let mut worker = Worker {
            mode,
            child: None,
            rest: Rest::new("http://127.0.0.1:1"),
            port: 0,
            props,
            connector_files: connector_files.to_vec(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            log,
            starts: 0,
            dir,
        };
        for attempt in 1..=3 {
            if choose_port {
                let port = free_port();
                worker
                    .props
                    .insert("listeners".to_owned(), format!("http://127.0.0.1:{port}"));
            }
            worker.configure_rest();
            worker.spawn();
            match worker.wait_ready() {
                Ok(()) => return worker,
                // Another process took the port between probing and binding: retry.
                Err(e) if choose_port && attempt < 3 && e.contains("in use") => {
                    eprintln!("worker could not bind its port, retrying: {e}");
                }
                Err(e) => panic!("{e}"),
            }
        }
        unreachable!("the loop returns or panics on its last attempt")
    }

    fn configure_rest(&mut self) {
        let listeners = self.props.get("listeners").cloned().unwrap_or_default();
        let first = listeners.split(',').next().unwrap_or_default().trim();
        let port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches('/').parse::<u16>().ok())
            .unwrap_or_else(|| panic!("cannot find a port in listeners={listeners}"));
        self.port = port;
        self.rest = if first.starts_with("https://") {
            Rest::with_client(
                format!("https://127.0.0.1:{port}"),
                https_client(&self.props),
            )
        } else {
            Rest::new(format!("http://127.0.0.1:{port}"))
        };
    }

    /// Sends HTTP basic credentials with every call of [`Worker::rest`] (and of the
    /// status helpers) from now on, for a worker with basic auth on.
    pub fn set_basic_auth(&mut self, user: &str, password: &str) {
        self.rest = self.rest.with_basic_auth(user, password);
    }

    fn spawn(&mut self) {
        let props: Vec<(&str, String)> = self
            .props
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let props_path = write_properties(&self.dir.path().join("worker.properties"), &props);
        self.starts += 1;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap_or_else(|e| panic!("open worker log {}: {e}", self.log.display()));
        let _ = writeln!(
            log,
            "===== harness: {} {} start #{} (listeners={}) =====",
            self.label(),
            self.mode,
            self.starts,
            self.props.get("listeners").map_or("", String::as_str)
        );
        let err: File = log.try_clone().expect("clone worker log handle");
        let bin = ferry_bin();
        let mut command = if self.is_kafka_connect() {
            let mut command = Command::new("bash");
            command
                .arg(repo_root().join("scripts/kafka/run-class.sh"))
                .arg("org.apache.kafka.connect.cli.ConnectDistributed")
                .arg(&props_path)
                .env("KAFKA_HEAP_OPTS", KAFKA_CONNECT_HEAP);
            command
        } else {
            let mut command = Command::new(&bin);
            command
                .arg(self.mode)
                .arg(&props_path)
                .args(&self.connector_files);
            command
        };
        let child = command
            .current_dir(self.dir.path())
            .env("RUST_BACKTRACE", "1")
            // Log levels are the worker's defaults (tests assert on them).
            .env_remove("RUST_LOG")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
        self.child = Some(child);
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + WORKER_START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!(
                    "{} exited with {status} before its REST API answered; log:\n{}",
                    self.label(),
                    self.log_tail(LOG_TAIL_ON_PANIC)
                ));
            }
            // 401: up, with basic auth on and no credentials set (yet).
            if let Some((200 | 401, _)) = self.rest.probe("/", Duration::from_secs(2)) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{}'s REST API at {} did not answer GET / within {WORKER_START_TIMEOUT:?}; \
                     log:\n{}",
                    self.label(),
                    self.rest.base(),
                    self.log_tail(LOG_TAIL_ON_PANIC)
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The REST client for this worker.
    pub fn rest(&self) -> &Rest {
        &self.rest
    }

    /// The REST base URL, `http://127.0.0.1:PORT` (`https://` for a TLS listener).
    pub fn url(&self) -> &str {
        self.rest.base()
    }

    /// The REST port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The worker's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The worker's temp dir (properties, offsets, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The worker properties it was started with (including the filled-in ones).
    pub fn props(&self) -> &BTreeMap<String, String> {
        &self.props
    }

    /// The last `lines` lines of the worker's log (all starts).
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log, lines)
    }

    /// How many lines of the worker's log (all starts) contain `needle`.
    pub fn log_count(&self, needle: &str) -> usize {
        std::fs::read(&self.log)
            .map(|bytes| {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .filter(|line| line.contains(needle))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// SIGKILL, then reap.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then wait for the process to exit (panics if it takes longer than
    /// 30 s). Returns its exit status.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self
            .child
            .take()
            .expect("stop() called on a worker that is not running");
        let pid = child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            sent,
            "could not send SIGTERM to {} (pid {pid})",
            self.label()
        );
        let exited = wait_for(WORKER_STOP_TIMEOUT, || child.try_wait().ok().flatten());
        match exited {
            Some(status) => status,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{} (pid {pid}) did not exit within {WORKER_STOP_TIMEOUT:?} of SIGTERM; log:\n{}",
                    self.label(),
                    self.log_tail(LOG_TAIL_ON_PANIC)
                );
            }
        }
    }

    /// Starts the worker again with the same properties, connector files, REST port and
    /// offsets file (after `kill9()` or `stop()`; a running worker is stopped first),
    /// and waits until `GET /` answers.
    pub fn restart(&mut self) {
        if self.is_running() {
            self.stop();
        }
        self.child = None;
        self.spawn();
        if let Err(e) = self.wait_ready() {
            panic!("restart: {e}");
        }
    }

    /// `GET /connectors/{name}/status` body, if it answered 200 (`None` on any other
    /// answer and on transport errors, so it is safe in failure messages).
    pub fn status(&self, connector: &str) -> Option<Value> {
        match self.rest.probe(
            &format!("/connectors/{connector}/status"),
            Duration::from_secs(30),
        ) {
            Some((200, body)) => Some(body),
            _ => None,
        }
    }

    /// The connector's state (`RUNNING`, `PAUSED`, `FAILED`, ...), if known.
    pub fn connector_state(&self, connector: &str) -> Option<String> {
        let status = self.status(connector)?;
        status["connector"]["state"].as_str().map(str::to_owned)
    }

    /// Task `task`'s status object (`{"id","state","worker_id","trace"?}`), if known.
    pub fn task_status(&self, connector: &str, task: u64) -> Option<Value> {
        let status = self.status(connector)?;
        status["tasks"]
            .as_array()?
            .iter()
            .find(|t| t["id"].as_u64() == Some(task))
            .cloned()
    }

    /// Task `task`'s state, if known.
    pub fn task_state(&self, connector: &str, task: u64) -> Option<String> {
        self.task_status(connector, task)
            .and_then(|t| t["state"].as_str().map(str::to_owned))
    }

    /// Waits until the connector and all of its (at least one) tasks are `state`;
    /// returns the status. Panics with the last status and the log tail otherwise.
    pub fn wait_all_in_state(&self, connector: &str, state: &str, timeout: Duration) -> Value {
        let mut last = Value::Null;
        let reached = wait_for(timeout, || {
            let status = self.status(connector)?;
            last = status.clone();
            let tasks = status["tasks"].as_array()?;
            let all = status["connector"]["state"] == state
                && !tasks.is_empty()
                && tasks.iter().all(|t| t["state"] == state);
            all.then_some(status)
        });
        reached.unwrap_or_else(|| {
            panic!(
                "connector {connector} and its tasks did not all reach {state} within {timeout:?}; \
                 last status: {last}"
            )
        })
    }

    /// Waits until task `task` is in `state`; returns its status object.
    pub fn wait_task_state(
        &self,
        connector: &str,
        task: u64,
        state: &str,
        timeout: Duration,
    ) -> Value {
        let mut last = Value::Null;
        let reached = wait_for(timeout, || {
            let status = self.task_status(connector, task)?;
            last = status.clone();
            (status["state"] == state).then_some(status)
        });
        reached.unwrap_or_else(|| {
            panic!(
                "task {connector}-{task} did not reach {state} within {timeout:?}; last task status: {last}"
            )
        })
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill9();
        let label = self.label();
        if std::thread::panicking() {
            // Keep the worker's files (properties, offsets, full log) for inspection.
            self.dir.disable_cleanup(true);
            eprintln!(
                "----- {label} worker log ({}, kept), last {LOG_TAIL_ON_PANIC} lines -----\n{}\n----- end of {label} worker log -----",
                self.log.display(),
                self.log_tail(LOG_TAIL_ON_PANIC)
            );
        }
    }
}

/// A client for an https worker: it trusts only the PEM CA certificates of the worker's
/// own truststore (`listeners.https.ssl.truststore.location`, else
/// `ssl.truststore.location`), and verifies the certificate and host name.
fn https_client(props: &BTreeMap<String, String>) -> reqwest::blocking::Client {
    let path = props
        .get("listeners.https.ssl.truststore.location")
        .or_else(|| props.get("ssl.truststore.location"))
        .expect("an https test worker needs ssl.truststore.location (the test CA) in its props");
    let pem = std::fs::read(path).unwrap_or_else(|e| panic!("read truststore {path}: {e}"));
    let mut builder = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .use_rustls_tls()
        .tls_built_in_root_certs(false);
    for cert in reqwest::Certificate::from_pem_bundle(&pem).expect("PEM CA certificates") {
        builder = builder.add_root_certificate(cert);
    }
    builder.build().expect("build HTTPS client")
}
