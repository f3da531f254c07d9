//! `file-source`: Kafka's `FileStreamSourceConnector`. Reads lines appended to `file`
//! and sends each as a string record to `topic`; source partition
//! `{"filename":"<file>"}`, offset `{"position":<byte offset after the line>}`.

mod lines;

use std::fs::File;
use std::io::{ErrorKind, Seek, SeekFrom};
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, PathAccess, Plugin,
    PluginDescriptor, PluginError, Schema, SourceConnector, SourceTask, Value,
};

use crate::lines::LineReader;

const FILE: &str = "file";
const TOPIC: &str = "topic";
const BATCH_SIZE: &str = "batch.size";
const DEFAULT_BATCH_SIZE: usize = 2000;

/// The connector: one task, with the connector's config.
pub struct FileSourceConnector {
    config: Config,
}

impl Plugin for FileSourceConnector {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::source("file-source")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases([
                "FileStreamSource",
                "FileStreamSourceConnector",
                "org.apache.kafka.connect.file.FileStreamSourceConnector",
            ])
            .summary("Reads lines appended to a file into a topic (Kafka's FileStreamSource).")
            .config(
                ConfigKey::string(FILE)
                    .required()
                    .path(PathAccess::ReadFile)
                    .importance(Importance::High)
                    .doc("Source filename."),
            )
            .config(
                ConfigKey::string(TOPIC)
                    .required()
                    .importance(Importance::High)
                    .doc("The topic to publish data to"),
            )
            .config(
                ConfigKey::int(BATCH_SIZE)
                    .default_value(DEFAULT_BATCH_SIZE.to_string())
                    .importance(Importance::Low)
                    .doc("The maximum number of records the source task can read from the file each time it is polled"),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if config.get(TOPIC).is_some_and(|t| t.contains(',')) {
            problems.push(ConfigProblem::new(
                TOPIC,
                "'topic' in FileStreamSourceConnector configuration requires definition of a single topic",
            ));
        }
        if let Err(e) = batch_size(config) {
            problems.push(ConfigProblem::new(BATCH_SIZE, e.message()));
        }
        problems
    }
}

fn batch_size(config: &Config) -> Result<usize, PluginError> {
    match config.parse::<usize>(BATCH_SIZE)? {
        Some(0) => Err(PluginError::config("batch.size must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(DEFAULT_BATCH_SIZE),
    }
}

impl SourceConnector for FileSourceConnector {
    fn open(config: Config) -> Result<Self, PluginError> {
        if let Some(problem) = Self::validate(&config).into_iter().next() {
            return Err(PluginError::Config(problem.message));
        }
        config.require(FILE)?;
        config.require(TOPIC)?;
        Ok(FileSourceConnector { config })
    }

    fn task_configs(&mut self, _max_tasks: u32) -> Result<Vec<Config>, PluginError> {
        Ok(vec![self.config.clone()])
    }
}

/// The task: tails the file from the last committed position.
pub struct FileSourceTask {
    path: String,
    topic: String,
    batch_size: usize,
    /// `{"filename":"<file>"}`.
    partition: String,
    schema: Arc<Schema>,
    /// Byte position after the last line handed out.
    position: u64,
    reader: Option<LineReader<File>>,
    warned_missing: bool,
}

impl SourceTask for FileSourceTask {
    fn open(config: Config) -> Result<Self, PluginError> {
        let path = config.require(FILE)?.to_string();
        let partition = serde_json::json!({ "filename": path }).to_string();
        let position = match ferry_sdk::host::read_offset(&partition) {
            Some(offset) => parse_position(&offset)?,
            None => 0,
        };
        if position > 0 {
            ferry_sdk::info!("Found previous offset, trying to skip to file offset {position}");
        }
        Ok(FileSourceTask {
            topic: config.require(TOPIC)?.to_string(),
            batch_size: batch_size(&config)?,
            path,
            partition,
            schema: Schema::string().into_arc(),
            position,
            reader: None,
            warned_missing: false,
        })
    }

    fn poll(&mut self) -> Result<Vec<ConnectRecord>, PluginError> {
        let batch_size = self.batch_size;
        let Some(reader) = self.reader()? else {
            return Ok(Vec::new());
        };
        let lines = match reader.read_lines(batch_size) {
            Ok(lines) => lines,
            Err(e) => {
                // Reopen at the last emitted position on the next poll.
                self.reader = None;
                return Err(PluginError::retriable(format!(
                    "error reading {}: {e}",
                    self.path
                )));
            }
        };
        match lines.last() {
            Some((_, end)) => self.position = *end,
            // At end of file. Under WASI a file stream that hit EOF stays closed
            // even when the file grows, so reopen at `position` on the next poll to
            // see appended lines (Kafka's FileStreamSource tails the file).
            None => self.reader = None,
        }
        Ok(lines
            .into_iter()
            .map(|(line, end)| {
                ConnectRecord::new(
                    &self.topic,
                    Some(Arc::clone(&self.schema)),
                    Value::String(line),
                )
                .with_source(self.partition.clone(), format!("{{\"position\":{end}}}"))
            })
            .collect())
    }

    fn stop(&mut self) {
        self.reader = None;
    }
}

impl FileSourceTask {
    /// The open reader, opening the file at the current position if needed; `None`
    /// while the file does not exist (as Kafka, wait for it to be created).
    fn reader(&mut self) -> Result<Option<&mut LineReader<File>>, PluginError> {
        if self.reader.is_none() {
            let mut file = match File::open(&self.path) {
                Ok(file) => file,
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    if !self.warned_missing {
                        ferry_sdk::warn!(
                            "Couldn't find file {} for FileStreamSourceTask, waiting for it to be created",
                            self.path
                        );
                        self.warned_missing = true;
                    }
                    return Ok(None);
                }
                Err(e) => {
                    return Err(PluginError::fatal(format!(
                        "cannot open {}: {e}",
                        self.path
                    )));
                }
            };
            if self.position > 0 {
                file.seek(SeekFrom::Start(self.position))?;
            }
            self.warned_missing = false;
            self.reader = Some(LineReader::new(file, self.position));
        }
        Ok(self.reader.as_mut())
    }
}

/// `{"position":N}` -> N.
fn parse_position(offset: &str) -> Result<u64, PluginError> {
    serde_json::from_str::<serde_json::Value>(offset)
        .ok()
        .and_then(|v| v.get("position").and_then(serde_json::Value::as_u64))
        .ok_or_else(|| {
            PluginError::fatal(format!("Offset position is the incorrect type: {offset}"))
        })
}

ferry_sdk::export_source!(FileSourceConnector, FileSourceTask);

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn task(path: &str, batch: usize) -> FileSourceTask {
        let config: Config = [
            ("file", path),
            ("topic", "t"),
            ("batch.size", &batch.to_string()),
        ]
        .into_iter()
        .collect();
        FileSourceTask::open(config).expect("open")
    }

    fn values(records: &[ConnectRecord]) -> Vec<&str> {
        records.iter().filter_map(|r| r.value.as_str()).collect()
    }

    #[test]
    fn tails_a_file_in_batches_and_resumes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("in.txt");
        let path_str = path.to_str().expect("utf-8 path");
        let mut t = task(path_str, 2);
        assert!(
            t.poll().expect("poll").is_empty(),
            "missing file: empty batch"
        );

        let mut f = File::create(&path).expect("create");
        f.write_all(b"one\ntwo\nthree\nfour").expect("write");
        let batch = t.poll().expect("poll");
        assert_eq!(values(&batch), ["one", "two"]);
        assert_eq!(batch[1].source_offset.as_deref(), Some(r#"{"position":8}"#));
        assert_eq!(
            batch[0].source_partition.as_deref(),
            Some(format!(r#"{{"filename":"{path_str}"}}"#).as_str())
        );
        assert_eq!(batch[0].value_schema.as_deref(), Some(&Schema::string()));
        assert_eq!(values(&t.poll().expect("poll")), ["three"]);
        assert!(t.poll().expect("poll").is_empty(), "partial line is held");
        f.write_all(b"\n").expect("write");
        assert_eq!(values(&t.poll().expect("poll")), ["four"]);

        ferry_sdk::host::testing::set_offset(&t.partition, r#"{"position":8}"#);
        let mut resumed = task(path_str, 10);
        assert_eq!(values(&resumed.poll().expect("poll")), ["three", "four"]);
        ferry_sdk::host::testing::clear_offsets();
    }

    #[test]
    fn connector_validates() {
        let bad: Config = [("file", "/x"), ("topic", "a,b"), ("batch.size", "0")]
            .into_iter()
            .collect();
        assert_eq!(FileSourceConnector::validate(&bad).len(), 2);
        assert!(FileSourceConnector::open(bad).is_err());
        let good: Config = [("file", "/x"), ("topic", "a")].into_iter().collect();
        let mut c = FileSourceConnector::open(good.clone()).expect("open");
        assert_eq!(c.task_configs(4).expect("configs"), vec![good]);
    }
}
