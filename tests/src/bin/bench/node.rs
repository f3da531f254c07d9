//! One worker process under measurement — Ferry or Kafka Connect, standalone or
//! distributed — started, probed and killed the same way for both.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ferry_tests::{Rest, ferry_bin, free_port, repo_root, write_properties};
use serde_json::Value;

/// The JVM heap of a Kafka Connect worker: what Kafka's own `connect-standalone.sh`
/// and `connect-distributed.sh` set.
pub const KAFKA_CONNECT_HEAP: &str = "-Xms256M -Xmx2G";

/// How often readiness and output files are polled.
pub const POLL: Duration = Duration::from_millis(5);

/// Which implementation a worker runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Ferry,
    /// Another `ferry` binary (`--baseline-ferry`), to measure a change against.
    FerryBaseline,
    KafkaConnect,
}

/// The binary `--baseline-ferry` named.
pub static BASELINE_FERRY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// The plugin directory `--baseline-plugins` named (plugins built for the baseline's
/// contract).
pub static BASELINE_PLUGINS: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

impl Flavor {
    pub fn is_ferry(self) -> bool {
        matches!(self, Flavor::Ferry | Flavor::FerryBaseline)
    }

    pub fn label(self) -> &'static str {
        match self {
            Flavor::Ferry => "Ferry",
            Flavor::FerryBaseline => "Ferry (baseline)",
            Flavor::KafkaConnect => "Kafka Connect",
        }
    }

    /// A short lowercase tag for file, topic and group names.
    pub fn tag(self) -> &'static str {
        match self {
            Flavor::Ferry => "ferry",
            Flavor::FerryBaseline => "ferry-baseline",
            Flavor::KafkaConnect => "kafka",
        }
    }

    fn command(self, mode: Mode, props: &Path) -> Command {
        match self {
            Flavor::Ferry | Flavor::FerryBaseline => {
                let bin = match (self, BASELINE_FERRY.get()) {
                    (Flavor::FerryBaseline, Some(bin)) => bin.clone(),
                    _ => ferry_bin(),
                };
                let mut command = Command::new(bin);
                command.arg(mode.ferry_subcommand()).arg(props);
                command
            }
            Flavor::KafkaConnect => {
                let mut command = Command::new("bash");
                command
                    .arg(repo_root().join("scripts/kafka/run-class.sh"))
                    .arg(mode.kafka_main_class())
                    .arg(props)
                    .env("KAFKA_HEAP_OPTS", KAFKA_CONNECT_HEAP);
                command
            }
        }
    }
}

/// Standalone or distributed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Standalone,
    Distributed,
}

impl Mode {
    fn ferry_subcommand(self) -> &'static str {
        match self {
            Mode::Standalone => "standalone",
            Mode::Distributed => "distributed",
        }
    }

    fn kafka_main_class(self) -> &'static str {
        match self {
            Mode::Standalone => "org.apache.kafka.connect.cli.ConnectStandalone",
            Mode::Distributed => "org.apache.kafka.connect.cli.ConnectDistributed",
        }
    }
}

/// A running worker: its process (for Kafka Connect the JVM itself: `run-class.sh`
/// exec's it), REST client and log. Killed on drop.
pub struct Node {
    pub name: String,
    child: Option<Child>,
    rest: Rest,
    port: u16,
    log: PathBuf,
    spawned: Instant,
}

impl Node {
    /// Writes `props` (plus `listeners` and `rest.advertised.host.name` on a free
    /// loopback port) to `dir/<name>.properties` and starts the worker, logging to
    /// `dir/<name>.log`.
    pub fn spawn(
        flavor: Flavor,
        mode: Mode,
        mut props: BTreeMap<String, String>,
        dir: &Path,
        name: &str,
    ) -> Result<Node> {
        let port = free_port();
        props.insert("listeners".into(), format!("http://127.0.0.1:{port}"));
        props.insert("rest.advertised.host.name".into(), "127.0.0.1".into());
        let pairs: Vec<(&str, String)> =
            props.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let path = write_properties(&dir.join(format!("{name}.properties")), &pairs);
        let log = dir.join(format!("{name}.log"));
        let out = File::create(&log).with_context(|| format!("create {}", log.display()))?;
        let err = out.try_clone()?;
        let spawned = Instant::now();
        let child = flavor
            .command(mode, &path)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("start {} worker {name}", flavor.label()))?;
        Ok(Node {
            name: name.to_owned(),
            child: Some(child),
            rest: Rest::new(format!("http://127.0.0.1:{port}")),
            port,
            log,
            spawned,
        })
    }

    /// Waits until `GET /` answers 200; returns the time since the process started.
    pub fn wait_ready(&mut self, timeout: Duration) -> Result<Duration> {
        let deadline = self.spawned + timeout;
        loop {
            if let Some((200, _)) = self.rest.probe("/", Duration::from_secs(2)) {
                return Ok(self.spawned.elapsed());
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                bail!(
                    "worker {} exited with {status} before its REST API answered; log:\n{}",
                    self.name,
                    self.log_tail(40)
                );
            }
            if Instant::now() >= deadline {
                bail!(
                    "worker {} did not answer GET / within {timeout:?}; log:\n{}",
                    self.name,
                    self.log_tail(40)
                );
            }
            std::thread::sleep(POLL);
        }
    }

    pub fn rest(&self) -> &Rest {
        &self.rest
    }

    /// How this worker appears as `worker_id` in statuses: `127.0.0.1:<port>`.
    pub fn worker_id(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The process's peak resident set so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.pid()?, "VmHWM:")
    }

    /// `GET /connectors/{connector}/status`, if it answered 200.
    pub fn status(&self, connector: &str) -> Option<Value> {
        match self.rest.probe(
            &format!("/connectors/{connector}/status"),
            Duration::from_secs(5),
        ) {
            Some((200, body)) => Some(body),
            _ => None,
        }
    }

    /// The whole log (lossy UTF-8).
    pub fn log_text(&self) -> String {
        std::fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = self.log_text();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// `kill -9`, then reap.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then up to 30 s for the process to exit, then `kill -9`.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.kill9();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A `/proc/<pid>/status` value in KiB (e.g. `VmHWM:`).
pub fn proc_status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The length of `path`, 0 while it does not exist.
pub fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Polls every [`POLL`] until `path` is at least `len` bytes long; returns when it
/// got there, or `None` after `timeout`.
pub fn wait_file_len(path: &Path, len: u64, timeout: Duration) -> Option<Instant> {
    let deadline = Instant::now() + timeout;
    loop {
        if file_len(path) >= len {
            return Some(Instant::now());
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL);
    }
}
