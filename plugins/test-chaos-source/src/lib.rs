//! `test-chaos-source` (tests only): a source that misbehaves on demand, to exercise
//! the host's sandbox. Each task emits `records.per.poll` string records `chaos-<n>`
//! per poll (source partition `{"chaos":"<task>"}`, offset `{"n":<n>}`, resuming after
//! the committed `n`) until `fail.after.polls` polls have succeeded; then, by `mode`:
//! `ok` keeps going, `trap` panics (a wasm trap), `loop` spins forever, `alloc` grows
//! memory without bound. `max.records` (default -1, unlimited) caps what a task emits;
//! after that it returns empty batches. `misbehaving.tasks` lists the task ids that
//! follow `mode` (default: all); the others keep going. `fail.in.open` makes the
//! connector itself fail to start.
//!
//! `topics` (list) spreads the records round-robin over these topics instead of
//! `topic` (topic creation tests). `instance.dir` (a read-write directory the host
//! grants) with `fail.instances` = N: each task instance records itself there on
//! open, and only the first N instances of a task follow `mode`; later ones keep
//! going (automatic restart tests).
//! Connector-defined transactions (KIP-618, `transaction.boundary=connector`): with
//! `transaction.commit.every` = k > 0 a task asks the host to commit after every
//! k-th non-empty poll; `transaction.abort.poll` = p > 0 asks it to abort the
//! transaction of the p-th non-empty poll instead. Using these host calls is what
//! makes this plugin one that can define transaction boundaries.
//!
//! Sandbox probing: `grant.file` is a read-file path the host grants; on its first
//! poll a task with `probe.paths` set emits one record per listed path,
//! `probe:<path>:ok` or `probe:<path>:denied`, after trying to read it (a path ending
//! in `/` is listed as a directory instead), so tests can prove what is reachable.
//! Network probing: `grant.endpoint` (`host:port`) and `grant.url` (a URL) are
//! endpoints the host grants; `probe.net` lists probes run on the first poll, each
//! emitting `net:<probe>:ok` or `net:<probe>:denied`: `tcp:<host:port>` (connect, send
//! a line, read the echo), `lookup:<name>` (resolve), `listen:<addr>` (bind and
//! listen), `udp:<host:port>` (send a datagram) and `http:<url>` (GET, status 200).

mod debezium;

use std::hint::black_box;
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, EndpointForm, Importance, PathAccess, Plugin,
    PluginDescriptor, PluginError, Schema, SourceConnector, SourceTask, Value,
};

const TOPIC: &str = "topic";
const MODE: &str = "mode";
const HANG_IN_VALIDATE: &str = "hang.in.validate";
const FAIL_IN_OPEN: &str = "fail.in.open";
const MISBEHAVING_TASKS: &str = "misbehaving.tasks";
const FAIL_AFTER_POLLS: &str = "fail.after.polls";
const RETRIABLE_POLLS: &str = "retriable.polls";
const RECORDS_PER_POLL: &str = "records.per.poll";
const MAX_RECORDS: &str = "max.records";
const GRANT_FILE: &str = "grant.file";
const TOPICS: &str = "topics";
const INSTANCE_DIR: &str = "instance.dir";
const FAIL_INSTANCES: &str = "fail.instances";
const PROBE_PATHS: &str = "probe.paths";
const GRANT_ENDPOINT: &str = "grant.endpoint";
const GRANT_URL: &str = "grant.url";
const PROBE_NET: &str = "probe.net";
const COMMIT_EVERY: &str = "transaction.commit.every";
const ABORT_POLL: &str = "transaction.abort.poll";
const HEADERS: &str = "headers";
const SHAPE: &str = "shape";
/// Set by the connector in each task config.
const TASK_ID: &str = "chaos.task.id";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Ok,
    Trap,
    Loop,
    Alloc,
}

fn mode(config: &Config) -> Result<Mode, PluginError> {
    match config.get_or(MODE, "ok").trim() {
        "ok" => Ok(Mode::Ok),
        "trap" => Ok(Mode::Trap),
        "loop" => Ok(Mode::Loop),
        "alloc" => Ok(Mode::Alloc),
        other => Err(PluginError::config(format!(
            "Invalid value {other} for configuration {MODE}: expected ok, trap, loop or alloc"
        ))),
    }
}

/// The connector: `max_tasks` tasks, numbered through `chaos.task.id`.
pub struct ChaosConnector {
    config: Config,
}

impl Plugin for ChaosConnector {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::source("test-chaos-source")
            .version(env!("CARGO_PKG_VERSION"))
            .summary("Test only: emits numbered records, then traps, loops or exhausts memory.")
            .config(ConfigKey::string(TOPIC).required().importance(Importance::High).doc("Topic to write to."))
            .config(
                ConfigKey::string(MODE)
                    .default_value("ok")
                    .importance(Importance::High)
                    .doc("ok, trap, loop or alloc: what to do once fail.after.polls polls succeeded."),
            )
            .config(
                ConfigKey::int(RETRIABLE_POLLS)
                    .default_value("0")
                    .doc("The first N polls of an instance fail with a retriable error."),
            )
            .config(
                ConfigKey::int(FAIL_AFTER_POLLS)
                    .default_value("0")
                    .doc("Number of successful polls before misbehaving."),
            )
            .config(ConfigKey::string(SHAPE).default_value("string").doc("string: records chaos-<n>; debezium: Debezium-style change events on `topic` (creates, deletes, tombstones and heartbeats; see the debezium module)."))
            .config(ConfigKey::boolean(HEADERS).default_value("false").doc("Give every record typed Connect headers: n (int64 record number), flag (boolean), list (array<int32> [1,2]), map (map<string,int32> {a:1}), date (Date 2024-01-02), text (string), none (null)."))
            .config(ConfigKey::int(RECORDS_PER_POLL).default_value("10").doc("Records per successful poll."))
            .config(
                ConfigKey::long(MAX_RECORDS)
                    .default_value("-1")
                    .doc("Stop emitting (empty polls) after this many records per task; -1 = unlimited."),
            )
            .config(
                ConfigKey::string(GRANT_FILE)
                    .path(PathAccess::ReadFile)
                    .doc("A file the host grants read access to (sandbox tests)."),
            )
            .config(
                ConfigKey::string(GRANT_ENDPOINT)
                    .endpoint(EndpointForm::HostPort)
                    .doc("A host:port the host grants TCP connections to (sandbox tests)."),
            )
            .config(
                ConfigKey::string(GRANT_URL)
                    .endpoint(EndpointForm::Url)
                    .doc("A URL the host grants HTTP requests to (sandbox tests)."),
            )
            .config(
                ConfigKey::list(PROBE_NET)
                    .default_value("")
                    .doc("Network probes for the first poll: tcp:<host:port>, lookup:<name>, listen:<addr>, udp:<host:port>, http:<url>."),
            )
            .config(
                ConfigKey::boolean(HANG_IN_VALIDATE)
                    .default_value("false")
                    .doc("Spin forever inside validate (REST timeout tests)."),
            )
            .config(
                ConfigKey::boolean(FAIL_IN_OPEN)
                    .default_value("false")
                    .doc("The connector fails to start (REST restart tests)."),
            )
            .config(
                ConfigKey::list(MISBEHAVING_TASKS)
                    .default_value("")
                    .doc("Task ids that follow mode; empty = every task."),
            )
            .config(
                ConfigKey::list(TOPICS)
                    .default_value("")
                    .doc("Topics to spread records over round-robin; empty = topic."),
            )
            .config(
                ConfigKey::string(INSTANCE_DIR)
                    .path(PathAccess::WriteDir)
                    .doc("A directory where each task instance records itself (fail.instances)."),
            )
            .config(
                ConfigKey::int(FAIL_INSTANCES)
                    .default_value("0")
                    .doc("With instance.dir: only a task's first N instances follow mode; 0 = all."),
            )
            .config(
                ConfigKey::int(COMMIT_EVERY)
                    .default_value("0")
                    .doc("Ask the host to commit the transaction after every k-th non-empty poll (0 = never)."),
            )
            .config(
                ConfigKey::int(ABORT_POLL)
                    .default_value("0")
                    .doc("Ask the host to abort the transaction of this non-empty poll, counted from 1 (0 = never)."),
            )
            .config(
                ConfigKey::list(PROBE_PATHS)
                    .default_value("")
                    .doc("Paths to try to read on the first poll; results are emitted as records."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        if config.get(HANG_IN_VALIDATE) == Some("true") {
            // Stuck until the host's per-call deadline interrupts it.
            #[allow(clippy::empty_loop)]
            loop {
                std::hint::spin_loop();
            }
        }
        let mut problems = Vec::new();
        if let Err(e) = mode(config) {
            problems.push(ConfigProblem::new(MODE, e.message()));
        }
        for key in [
            FAIL_AFTER_POLLS,
            RECORDS_PER_POLL,
            FAIL_INSTANCES,
            COMMIT_EVERY,
            ABORT_POLL,
            RETRIABLE_POLLS,
        ] {
            if let Err(e) = config.parse::<u32>(key) {
                problems.push(ConfigProblem::new(key, e.message()));
            }
        }
        if let Err(e) = config.parse::<i64>(MAX_RECORDS) {
            problems.push(ConfigProblem::new(MAX_RECORDS, e.message()));
        }
        problems
    }
}

impl SourceConnector for ChaosConnector {
    fn open(config: Config) -> Result<Self, PluginError> {
        if let Some(problem) = Self::validate(&config).into_iter().next() {
            return Err(PluginError::Config(problem.message));
        }
        config.require(TOPIC)?;
        if config.get(FAIL_IN_OPEN) == Some("true") {
            return Err(PluginError::fatal(format!(
                "test-chaos-source: {FAIL_IN_OPEN} is set"
            )));
        }
        Ok(ChaosConnector { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError> {
        Ok((0..max_tasks.max(1))
            .map(|i| {
                let mut c = self.config.clone();
                c.set(TASK_ID, i.to_string());
                c
            })
            .collect())
    }
}

/// The task.
pub struct ChaosTask {
    topic: String,
    /// When set, records go round-robin to these instead of `topic`.
    topics: Vec<String>,
    mode: Mode,
    fail_after_polls: u32,
    /// Polls still to fail with a retriable error.
    retriable_polls: u32,
    records_per_poll: u32,
    max_records: Option<u64>,
    partition: String,
    schema: Arc<Schema>,
    /// The last record number emitted.
    n: u64,
    emitted: u64,
    polls: u32,
    probes: Vec<String>,
    net_probes: Vec<String>,
    commit_every: u32,
    abort_poll: u32,
    /// Non-empty polls so far, for the transaction requests.
    batches: u32,
    headers: bool,
    /// `shape=debezium`: the change events' schemas.
    debezium: Option<debezium::Shapes>,
}

/// The typed headers a record gets with `headers=true`.
fn typed_headers(record: ConnectRecord, n: u64) -> ConnectRecord {
    let int32 = || Some(Schema::int32().into_arc());
    record
        .with_header(
            "n",
            Some(Schema::int64().into_arc()),
            Value::Int64(n as i64),
        )
        .with_header(
            "flag",
            Some(Schema::boolean().into_arc()),
            Value::Boolean(true),
        )
        .with_header(
            "list",
            Some(Schema::array(Schema::int32()).into_arc()),
            Value::Array(vec![Value::Int32(1), Value::Int32(2)]),
        )
        .with_header(
            "map",
            Some(Schema::map(Schema::string(), Schema::int32()).into_arc()),
            Value::Map(vec![(Value::String("a".into()), Value::Int32(1))]),
        )
        .with_header("date", Some(Schema::date().into_arc()), Value::Int32(19724))
        .with_header(
            "text",
            Some(Schema::string().into_arc()),
            Value::String("hello, world".into()),
        )
        .with_header("none", int32(), Value::Null)
}

impl SourceTask for ChaosTask {
    fn open(config: Config) -> Result<Self, PluginError> {
        let task = config.get_or(TASK_ID, "0").to_string();
        let misbehaving = config.list(MISBEHAVING_TASKS).unwrap_or_default();
        let fail_instances: u32 = config.parse_or(FAIL_INSTANCES, 0)?;
        let instance = match config.get(INSTANCE_DIR) {
            Some(dir) => record_instance(dir, &task)?,
            None => 1,
        };
        let mode = if (misbehaving.is_empty() || misbehaving.contains(&task))
            && (fail_instances == 0 || instance <= fail_instances)
        {
            mode(&config)?
        } else {
            Mode::Ok
        };
        let partition = serde_json::json!({ "chaos": task }).to_string();
        let n = ferry_sdk::host::read_offset(&partition)
            .and_then(|o| serde_json::from_str::<serde_json::Value>(&o).ok())
            .and_then(|o| o.get("n").and_then(serde_json::Value::as_u64))
            .unwrap_or(0);
        Ok(ChaosTask {
            topic: config.require(TOPIC)?.to_string(),
            topics: config.list(TOPICS).unwrap_or_default(),
            mode,
            fail_after_polls: config.parse_or(FAIL_AFTER_POLLS, 0)?,
            retriable_polls: config.parse_or(RETRIABLE_POLLS, 0)?,
            records_per_poll: config.parse_or(RECORDS_PER_POLL, 10)?,
            max_records: u64::try_from(config.parse_or::<i64>(MAX_RECORDS, -1)?).ok(),
            partition,
            schema: Schema::string().into_arc(),
            n,
            emitted: 0,
            polls: 0,
            probes: config.list(PROBE_PATHS).unwrap_or_default(),
            net_probes: config.list(PROBE_NET).unwrap_or_default(),
            commit_every: config.parse_or(COMMIT_EVERY, 0)?,
            abort_poll: config.parse_or(ABORT_POLL, 0)?,
            batches: 0,
            headers: config.parse_or(HEADERS, false)?,
            debezium: match config.get_or(SHAPE, "string") {
                "string" => None,
                "debezium" => Some(debezium::Shapes::new(config.require(TOPIC)?)),
                other => {
                    return Err(PluginError::config(format!(
                        "Invalid value {other} for configuration {SHAPE}: must be string or debezium"
                    )));
                }
            },
        })
    }

    fn poll(&mut self) -> Result<Vec<ConnectRecord>, PluginError> {
        if !self.net_probes.is_empty() {
            let probes = std::mem::take(&mut self.net_probes);
            return Ok(probes
                .iter()
                .map(|probe| {
                    let verdict = match net_probe(probe) {
                        Ok(()) => "ok".to_string(),
                        Err(why) => {
                            ferry_sdk::host::log(
                                ferry_sdk::LogLevel::Info,
                                &format!("probe {probe}: {why}"),
                            );
                            "denied".to_string()
                        }
                    };
                    ConnectRecord::new(
                        &self.topic,
                        Some(Arc::clone(&self.schema)),
                        Value::String(format!("net:{probe}:{verdict}")),
                    )
                })
                .collect());
        }
        if !self.probes.is_empty() {
            let probes = std::mem::take(&mut self.probes);
            return Ok(probes
                .iter()
                .map(|path| {
                    let reachable = if path.ends_with('/') {
                        std::fs::read_dir(path).is_ok()
                    } else {
                        std::fs::read(path).is_ok()
                    };
                    let verdict = if reachable { "ok" } else { "denied" };
                    ConnectRecord::new(
                        &self.topic,
                        Some(Arc::clone(&self.schema)),
                        Value::String(format!("probe:{path}:{verdict}")),
                    )
                })
                .collect());
        }
        if self.retriable_polls > 0 {
            self.retriable_polls -= 1;
            return Err(PluginError::retriable(format!(
                "chaos source: a planned retriable poll failure ({} more)",
                self.retriable_polls
            )));
        }
        if self.polls >= self.fail_after_polls {
            misbehave(self.mode, self.polls);
        }
        self.polls = self.polls.saturating_add(1);
        let mut count = u64::from(self.records_per_poll);
        if let Some(max) = self.max_records {
            count = count.min(max.saturating_sub(self.emitted));
        }
        let records = (0..count)
            .map(|_| {
                self.n += 1;
                let topic = match self.topics.len() {
                    0 => &self.topic,
                    len => &self.topics[(self.n as usize - 1) % len],
                };
                let record = match &self.debezium {
                    Some(shapes) => shapes.record(self.n),
                    None => ConnectRecord::new(
                        topic,
                        Some(Arc::clone(&self.schema)),
                        Value::String(format!("chaos-{}", self.n)),
                    ),
                }
                .with_source(self.partition.clone(), format!("{{\"n\":{}}}", self.n));
                if self.headers {
                    typed_headers(record, self.n)
                } else {
                    record
                }
            })
            .collect();
        self.emitted += count;
        if count > 0 {
            self.batches += 1;
            if self.abort_poll == self.batches {
                ferry_sdk::host::abort_transaction();
            } else if self.commit_every > 0 && self.batches.is_multiple_of(self.commit_every) {
                ferry_sdk::host::commit_transaction();
            }
        }
        Ok(records)
    }
}

/// Records one more instance of `task` in `dir` and returns its number, from 1.
fn record_instance(dir: &str, task: &str) -> Result<u32, PluginError> {
    let prefix = format!("instance-{task}-");
    let existing = std::fs::read_dir(dir)
        .map_err(|e| PluginError::fatal(format!("cannot list {INSTANCE_DIR} {dir}: {e}")))?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .count() as u32;
    let number = existing + 1;
    std::fs::write(format!("{dir}/{prefix}{number}"), b"")
        .map_err(|e| PluginError::fatal(format!("cannot write to {INSTANCE_DIR} {dir}: {e}")))?;
    Ok(number)
}

/// Do what `mode` says; returns only for `ok`.
fn misbehave(mode: Mode, polls: u32) {
    match mode {
        Mode::Ok => {}
        Mode::Trap => panic!("test-chaos-source: trapping after {polls} successful polls"),
        Mode::Loop => {
            let mut spins: u64 = 0;
            loop {
                spins = black_box(spins.wrapping_add(1));
            }
        }
        Mode::Alloc => {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                // Touch every page so the memory is really committed.
                let chunk = vec![0xa5u8; 1 << 20];
                hoard.push(black_box(chunk));
            }
        }
    }
}

ferry_sdk::export_source!(ChaosConnector, ChaosTask);

/// Runs one network probe from inside the sandbox; `Err` says why it failed.
fn net_probe(probe: &str) -> Result<(), String> {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
    let (kind, target) = probe
        .split_once(':')
        .ok_or_else(|| format!("bad probe {probe}"))?;
    let text = |e: std::io::Error| e.to_string();
    match kind {
        "tcp" => {
            let mut stream = TcpStream::connect(target).map_err(text)?;
            stream.write_all(b"ping\n").map_err(text)?;
            let mut line = String::new();
            BufReader::new(stream).read_line(&mut line).map_err(text)?;
            if line == "ping\n" {
                Ok(())
            } else {
                Err(format!("unexpected echo {line:?}"))
            }
        }
        "lookup" => {
            let found = (target, 0).to_socket_addrs().map_err(text)?.count();
            if found > 0 {
                Ok(())
            } else {
                Err("no addresses".into())
            }
        }
        "listen" => TcpListener::bind(target).map(drop).map_err(text),
        "udp" => {
            let socket = UdpSocket::bind("0.0.0.0:0").map_err(text)?;
            socket.send_to(b"ping", target).map(drop).map_err(text)
        }
        "http" => {
            let response = ferry_sdk::http::send(&ferry_sdk::http::Request::get(target))
                .map_err(|e| e.to_string())?;
            if response.status == 200 {
                Ok(())
            } else {
                Err(format!("status {}", response.status))
            }
        }
        other => Err(format!("unknown probe kind {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        pairs.iter().copied().chain([(TOPIC, "t")]).collect()
    }

    #[test]
    fn ok_mode_numbers_records_and_resumes() {
        let mut t = ChaosTask::open(config(&[(MAX_RECORDS, "15")])).expect("open");
        let first = t.poll().expect("poll");
        assert_eq!(first.len(), 10);
        assert_eq!(first[0].value, Value::from("chaos-1"));
        assert_eq!(first[9].source_offset.as_deref(), Some(r#"{"n":10}"#));
        assert_eq!(
            first[0].source_partition.as_deref(),
            Some(r#"{"chaos":"0"}"#)
        );
        assert_eq!(t.poll().expect("poll").len(), 5);
        assert!(t.poll().expect("poll").is_empty());

        ferry_sdk::host::testing::set_offset(r#"{"chaos":"0"}"#, r#"{"n":10}"#);
        let mut resumed = ChaosTask::open(config(&[])).expect("open");
        assert_eq!(
            resumed.poll().expect("poll")[0].value,
            Value::from("chaos-11")
        );
        ferry_sdk::host::testing::clear_offsets();
    }

    #[test]
    fn transaction_requests_follow_the_poll_count() {
        use ferry_sdk::host::testing::{TransactionRequest, take_transaction_request};
        let mut t = ChaosTask::open(config(&[
            (COMMIT_EVERY, "2"),
            (ABORT_POLL, "3"),
            (MAX_RECORDS, "40"),
        ]))
        .expect("open");
        let mut asked = Vec::new();
        for _ in 0..5 {
            t.poll().expect("poll");
            asked.push(take_transaction_request());
        }
        assert_eq!(
            asked,
            [
                None,
                Some(TransactionRequest::Commit),
                Some(TransactionRequest::Abort),
                Some(TransactionRequest::Commit),
                None
            ]
        );
    }

    #[test]
    #[should_panic(expected = "trapping after 2")]
    fn trap_mode_panics_after_the_configured_polls() {
        let mut t =
            ChaosTask::open(config(&[(MODE, "trap"), (FAIL_AFTER_POLLS, "2")])).expect("open");
        t.poll().expect("poll");
        t.poll().expect("poll");
        let _ = t.poll();
    }

    #[test]
    fn topics_take_records_round_robin() {
        let mut t =
            ChaosTask::open(config(&[(TOPICS, "a,b,c"), (RECORDS_PER_POLL, "4")])).expect("open");
        let topics: Vec<String> = t
            .poll()
            .expect("poll")
            .into_iter()
            .map(|r| r.topic)
            .collect();
        assert_eq!(topics, ["a", "b", "c", "a"]);
    }

    #[test]
    fn connector_numbers_tasks_and_validates() {
        let mut c = ChaosConnector::open(config(&[])).expect("open");
        let tasks = c.task_configs(2).expect("configs");
        assert_eq!(tasks[1].get(TASK_ID), Some("1"));
        assert_eq!(
            ChaosConnector::validate(&config(&[(MODE, "explode")])).len(),
            1
        );
    }
}
