//! `verifiable-sink`: Kafka's `VerifiableSinkConnector`, the counterpart of
//! `verifiable-source` for system tests of distributed mode. Each task instance
//! creates its own new file in `output.dir` and writes one JSON line per record it is
//! given, so a test can read every file and check which seqnos arrived, which were
//! duplicated and which were lost:
//!
//! ```text
//! {"task":0,"topic":"t","partition":1,"offset":17,"key":2,"seqno":42}
//! ```
//!
//! `task` is this sink task's id, `key` the record key (the source task id) and
//! `seqno` the record value. Integers are accepted as any integer value or as a string
//! or bytes holding one (as `StringConverter`/`ByteArrayConverter` deliver them); a
//! value that is not an integer is written as `"value":"<string form>"` instead of
//! `seqno`, a key that is not an integer as its string form.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, RandomState};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ferry_sdk::display::to_java_string;
use ferry_sdk::{
    Config, ConfigKey, ConnectRecord, Importance, PathAccess, Plugin, PluginDescriptor,
    PluginError, Schema, SinkConnector, SinkTask, TopicPartitionOffset, Value,
};

const OUTPUT_DIR: &str = "output.dir";
/// Set by the connector in each task config: the task's index. (The SDK does not
/// expose the host's task id to a task, so the connector numbers its task configs.)
const TASK_ID: &str = "task.id";

const WRITE_BUFFER: usize = 64 * 1024;
/// Attempts to find a file name nobody has taken before giving up.
const CREATE_ATTEMPTS: u32 = 16;

/// The connector: `max_tasks` copies of its config, numbered through `task.id`.
pub struct VerifiableSinkConnector {
    config: Config,
}

impl Plugin for VerifiableSinkConnector {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::sink("verifiable-sink")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases([
                "VerifiableSink",
                "VerifiableSinkConnector",
                "org.apache.kafka.connect.tools.VerifiableSinkConnector",
            ])
            .summary(
                "Records every consumed record as a JSON line in a per-task file, for system tests (Kafka's VerifiableSink).",
            )
            .config(
                ConfigKey::string(OUTPUT_DIR)
                    .required()
                    .path(PathAccess::WriteDir)
                    .importance(Importance::High)
                    .doc("Existing directory in which each task instance creates its own <task.id>-<unique>.jsonl file."),
            )
    }
}

impl SinkConnector for VerifiableSinkConnector {
    fn open(config: Config) -> Result<Self, PluginError> {
        config.require(OUTPUT_DIR)?;
        Ok(VerifiableSinkConnector { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError> {
        Ok((0..max_tasks)
            .map(|i| {
                let mut c = self.config.clone();
                c.set(TASK_ID, i.to_string());
                c
            })
            .collect())
    }
}

/// The task: a buffered writer on a file of its own.
pub struct VerifiableSinkTask {
    id: i32,
    path: PathBuf,
    out: BufWriter<File>,
    line: String,
}

impl SinkTask for VerifiableSinkTask {
    fn open(config: Config) -> Result<Self, PluginError> {
        let id = config.parse::<i32>(TASK_ID)?.unwrap_or(0);
        let dir = Path::new(config.require(OUTPUT_DIR)?.trim());
        let (path, file) = create_own_file(dir, id)?;
        ferry_sdk::info!(
            "VerifiableSinkTask {id} writing to {}",
            path.to_string_lossy()
        );
        Ok(VerifiableSinkTask {
            id,
            path,
            out: BufWriter::with_capacity(WRITE_BUFFER, file),
            line: String::new(),
        })
    }

    fn put(&mut self, records: Vec<ConnectRecord>) -> Result<(), PluginError> {
        for record in &records {
            self.line.clear();
            render_line(&mut self.line, self.id, record);
            self.line.push('\n');
            self.out
                .write_all(self.line.as_bytes())
                .map_err(|e| io_error(&self.path, e))?;
        }
        // Hand the batch to the OS (no fsync): the file follows the topic closely.
        self.out.flush().map_err(|e| io_error(&self.path, e))
    }

    fn flush(&mut self, _offsets: &[TopicPartitionOffset]) -> Result<(), PluginError> {
        self.out.flush().map_err(|e| io_error(&self.path, e))?;
        self.out
            .get_ref()
            .sync_data()
            .map_err(|e| io_error(&self.path, e))
    }

    fn stop(&mut self) {
        if let Err(e) = self.out.flush() {
            ferry_sdk::warn!("error flushing {} on stop: {e}", self.path.display());
        }
    }
}

fn io_error(path: &Path, e: std::io::Error) -> PluginError {
    PluginError::retriable(format!("error writing {}: {e}", path.display()))
}

/// Creates a new file `<task id>-<unique>.jsonl` in `dir`, never opening an existing
/// one: the name carries the wall-clock time in nanoseconds and 64 random bits, and
/// the file is created with `create_new`, retrying with a fresh name on a collision.
fn create_own_file(dir: &Path, id: i32) -> Result<(PathBuf, File), PluginError> {
    let mut last_error = None;
    for _ in 0..CREATE_ATTEMPTS {
        let path = dir.join(file_name(id, &unique_suffix()));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => {
                return Err(PluginError::fatal(format!(
                    "Couldn't create file '{}' for VerifiableSinkTask: {e}",
                    path.display()
                )));
            }
        }
    }
    Err(PluginError::fatal(format!(
        "Couldn't create a new file in '{}' for VerifiableSinkTask: {}",
        dir.display(),
        last_error.map(|e| e.to_string()).unwrap_or_default()
    )))
}

fn file_name(id: i32, unique: &str) -> String {
    format!("{id}-{unique}.jsonl")
}

/// `<unix nanos>-<16 hex digits>`: the wall clock plus 64 bits from a freshly seeded
/// hasher (std seeds it from the WASI random source), mixed with a per-instance counter.
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let random = RandomState::new().hash_one((nanos, COUNTER.fetch_add(1, Ordering::Relaxed)));
    format!("{nanos}-{random:016x}")
}

/// An integer in any form a converter may deliver it: an integer value, or a string
/// or bytes holding a decimal integer.
fn as_integer(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Bytes(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        other => other.as_i64(),
    }
}

/// The string form of a non-integer value: strings and UTF-8 bytes verbatim, anything
/// else as Java's `toString` renders it.
fn string_form(schema: Option<&Schema>, value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => to_java_string(schema, value),
        },
        other => to_java_string(schema, other),
    }
}

fn push_json_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::from(s).to_string());
}

fn push_optional_number(out: &mut String, n: Option<i64>) {
    match n {
        Some(n) => out.push_str(&n.to_string()),
        None => out.push_str("null"),
    }
}

/// One record as a JSON line (without the newline), fields in this order:
/// `{"task":T,"topic":"..","partition":P,"offset":O,"key":K,"seqno":N}`, where a
/// non-integer value replaces `"seqno":N` by `"value":".."`; a record with headers
/// ends with `"headers":[..]` (see [`render_headers`]).
fn render_line(out: &mut String, task: i32, record: &ConnectRecord) {
    out.push_str("{\"task\":");
    out.push_str(&task.to_string());
    out.push_str(",\"topic\":");
    push_json_string(out, &record.topic);
    out.push_str(",\"partition\":");
    push_optional_number(out, record.partition.map(i64::from));
    out.push_str(",\"offset\":");
    push_optional_number(out, record.kafka_offset);
    out.push_str(",\"key\":");
    match (&record.key, as_integer(&record.key)) {
        (_, Some(key)) => out.push_str(&key.to_string()),
        (Value::Null, None) => out.push_str("null"),
        (key, None) => push_json_string(out, &string_form(record.key_schema.as_deref(), key)),
    }
    match (&record.value, as_integer(&record.value)) {
        (_, Some(seqno)) => {
            out.push_str(",\"seqno\":");
            out.push_str(&seqno.to_string());
        }
        (Value::Null, None) => out.push_str(",\"seqno\":null"),
        (value, None) => {
            out.push_str(",\"value\":");
            push_json_string(out, &string_form(record.value_schema.as_deref(), value));
        }
    }
    if !record.headers.is_empty() {
        render_headers(out, record);
    }
    out.push('}');
}

/// `,"headers":[{"key":"k","schema":"int8","value":"42"},…]`: each Connect header
/// as the header converter made it; `schema` is the logical name, else the type
/// name (`null` when schemaless); `value` the Java string form, `null` for null.
fn render_headers(out: &mut String, record: &ConnectRecord) {
    out.push_str(",\"headers\":[");
    for (i, h) in record.headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"key\":");
        push_json_string(out, &h.key);
        out.push_str(",\"schema\":");
        match h.schema.as_deref() {
            Some(s) => push_json_string(out, s.name.as_deref().unwrap_or(s.kind.name())),
            None => out.push_str("null"),
        }
        out.push_str(",\"value\":");
        match &h.value {
            Value::Null => out.push_str("null"),
            v => push_json_string(out, &string_form(h.schema.as_deref(), v)),
        }
        out.push('}');
    }
    out.push(']');
}

ferry_sdk::export_sink!(VerifiableSinkConnector, VerifiableSinkTask);

#[cfg(test)]
mod tests {
    use super::*;

    fn line(record: &ConnectRecord) -> String {
        let mut out = String::new();
        render_line(&mut out, 3, record);
        out
    }

    fn consumed(key: Value, value: Value) -> ConnectRecord {
        let mut r = ConnectRecord::new("verifiable", None, value).with_key(None, key);
        r.partition = Some(1);
        r.kafka_offset = Some(17);
        r
    }

    #[test]
    fn renders_integers_in_any_form() {
        let expected =
            r#"{"task":3,"topic":"verifiable","partition":1,"offset":17,"key":2,"seqno":42}"#;
        for (key, value) in [
            (Value::Int32(2), Value::Int64(42)),
            (Value::String("2".into()), Value::String(" 42\n".into())),
            (Value::Bytes(b"2".to_vec()), Value::Bytes(b"42".to_vec())),
            (Value::Int64(2), Value::Int32(42)),
        ] {
            assert_eq!(line(&consumed(key, value)), expected);
        }
        assert_eq!(
            line(&consumed(Value::Null, Value::Null)),
            r#"{"task":3,"topic":"verifiable","partition":1,"offset":17,"key":null,"seqno":null}"#
        );
    }

    #[test]
    fn renders_headers_with_their_schemas() {
        let record = consumed(Value::Int32(2), Value::Int64(42))
            .with_header("n", Some(Schema::int8().into_arc()), Value::Int8(7))
            .with_header("d", Some(Schema::date().into_arc()), Value::Int32(1))
            .with_header("raw", None, Value::Null);
        assert_eq!(
            line(&record),
            concat!(
                r#"{"task":3,"topic":"verifiable","partition":1,"offset":17,"key":2,"seqno":42,"#,
                r#""headers":[{"key":"n","schema":"int8","value":"7"},"#,
                r#"{"key":"d","schema":"org.apache.kafka.connect.data.Date","value":"Fri Jan 02 00:00:00 UTC 1970"},"#,
                r#"{"key":"raw","schema":null,"value":null}]}"#
            )
        );
    }

    #[test]
    fn renders_other_values_as_strings() {
        assert_eq!(
            line(&consumed(
                Value::Int32(0),
                Value::String("not \"a\" number".into())
            )),
            r#"{"task":3,"topic":"verifiable","partition":1,"offset":17,"key":0,"value":"not \"a\" number"}"#
        );
        assert_eq!(
            line(&consumed(Value::String("k".into()), Value::Float64(1.5))),
            r#"{"task":3,"topic":"verifiable","partition":1,"offset":17,"key":"k","value":"1.5"}"#
        );
        let unknown = ConnectRecord::new("t", None, Value::Int64(1));
        assert_eq!(
            line(&unknown),
            r#"{"task":3,"topic":"t","partition":null,"offset":null,"key":null,"seqno":1}"#
        );
    }

    #[test]
    fn task_configs_are_numbered() {
        let config: Config = [("output.dir", "/out")].into_iter().collect();
        let mut c = VerifiableSinkConnector::open(config).expect("open");
        let configs = c.task_configs(2).expect("configs");
        let ids: Vec<_> = configs.iter().map(|c| c.get(TASK_ID)).collect();
        assert_eq!(ids, [Some("0"), Some("1")]);
        assert!(VerifiableSinkConnector::open(Config::new()).is_err());
    }

    #[test]
    fn each_instance_writes_its_own_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config: Config = [
            ("output.dir", dir.path().to_str().expect("utf-8")),
            ("task.id", "1"),
        ]
        .into_iter()
        .collect();
        let mut a = VerifiableSinkTask::open(config.clone()).expect("open");
        let mut b = VerifiableSinkTask::open(config).expect("open");
        assert_ne!(a.path, b.path);
        a.put(vec![
            consumed(Value::Int32(0), Value::Int64(0)),
            consumed(Value::Int32(0), Value::Int64(1)),
        ])
        .expect("put");
        a.flush(&[]).expect("flush");
        b.put(vec![consumed(Value::Int32(1), Value::Int64(5))])
            .expect("put");
        b.stop();

        let mut files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        files.sort();
        assert_eq!(files.len(), 2);
        assert!(
            files
                .iter()
                .all(|f| f.starts_with("1-") && f.ends_with(".jsonl"))
        );

        let written = std::fs::read_to_string(&a.path).expect("read");
        let seqnos: Vec<i64> = written
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json line");
                assert_eq!(v["task"], 1);
                v["seqno"].as_i64().expect("seqno")
            })
            .collect();
        assert_eq!(seqnos, [0, 1]);
        assert_eq!(
            std::fs::read_to_string(&b.path)
                .expect("read")
                .lines()
                .count(),
            1
        );
    }

    #[test]
    fn suffixes_differ() {
        assert_ne!(unique_suffix(), unique_suffix());
        assert_eq!(file_name(4, "9-ab"), "4-9-ab.jsonl");
    }
}
