//! `file-sink`: Kafka's `FileStreamSinkConnector`. Appends each record's value and a
//! newline to `file`: strings verbatim, other values as Java's `toString` renders
//! them (`Struct{a=1}`), null as `null`. `flush` makes the file durable (fsync).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};

/// Write buffer: a `put` batch usually leaves the guest in one or a few writes.
const WRITE_BUFFER: usize = 256 * 1024;

use ferry_sdk::display::to_java_string;
use ferry_sdk::{
    Config, ConfigKey, ConnectRecord, Importance, PathAccess, Plugin, PluginDescriptor,
    PluginError, SinkConnector, SinkTask, TopicPartitionOffset, Value,
};

const FILE: &str = "file";

/// The connector: `max_tasks` copies of its config, as Kafka's.
pub struct FileSinkConnector {
    config: Config,
}

impl Plugin for FileSinkConnector {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::sink("file-sink")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases([
                "FileStreamSink",
                "FileStreamSinkConnector",
                "org.apache.kafka.connect.file.FileStreamSinkConnector",
            ])
            .summary("Appends record values to a file, one per line (Kafka's FileStreamSink).")
            .config(
                ConfigKey::string(FILE)
                    .required()
                    .path(PathAccess::WriteFile)
                    .importance(Importance::High)
                    .doc("Destination filename."),
            )
    }
}

impl SinkConnector for FileSinkConnector {
    fn open(config: Config) -> Result<Self, PluginError> {
        config.require(FILE)?;
        Ok(FileSinkConnector { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError> {
        Ok(vec![self.config.clone(); max_tasks as usize])
    }
}

/// The task: a buffered append-only writer.
pub struct FileSinkTask {
    path: String,
    out: BufWriter<File>,
}

impl SinkTask for FileSinkTask {
    fn open(config: Config) -> Result<Self, PluginError> {
        let path = config.require(FILE)?.to_string();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| {
                PluginError::fatal(format!(
                    "Couldn't find or create file '{path}' for FileStreamSinkTask: {e}"
                ))
            })?;
        Ok(FileSinkTask {
            path,
            out: BufWriter::with_capacity(WRITE_BUFFER, file),
        })
    }

    fn put(&mut self, records: Vec<ConnectRecord>) -> Result<(), PluginError> {
        for record in &records {
            let written = match &record.value {
                Value::String(s) => self.out.write_all(s.as_bytes()),
                other => self
                    .out
                    .write_all(to_java_string(record.value_schema.as_deref(), other).as_bytes()),
            };
            written
                .and_then(|()| self.out.write_all(b"\n"))
                .map_err(|e| self.io_error(e))?;
        }
        // Hand the batch to the OS now so the file follows the topic closely; `flush`
        // still decides durability (fsync) before offsets are committed.
        self.out.flush().map_err(|e| self.io_error(e))
    }

    fn flush(&mut self, _offsets: &[TopicPartitionOffset]) -> Result<(), PluginError> {
        self.out.flush().map_err(|e| self.io_error(e))?;
        self.out.get_ref().sync_data().map_err(|e| self.io_error(e))
    }

    fn stop(&mut self) {
        if let Err(e) = self.out.flush() {
            ferry_sdk::warn!("error flushing {} on stop: {e}", self.path);
        }
    }
}

impl FileSinkTask {
    fn io_error(&self, e: std::io::Error) -> PluginError {
        PluginError::retriable(format!("error writing {}: {e}", self.path))
    }
}

ferry_sdk::export_sink!(FileSinkConnector, FileSinkTask);

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::{Schema, Struct};

    #[test]
    fn appends_values_and_flushes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "existing\n").expect("seed");
        let config: Config = [("file", path.to_str().expect("utf-8"))]
            .into_iter()
            .collect();
        let mut task = FileSinkTask::open(config).expect("open");
        let schema = Schema::structure().field("a", Schema::int32()).into_arc();
        let mut s = Struct::new(schema.clone());
        s.put("a", 1).expect("put");
        task.put(vec![
            ConnectRecord::new("t", None, "plain".into()),
            ConnectRecord::new("t", Some(schema), Value::Struct(s)),
            ConnectRecord::new("t", None, Value::Null),
            ConnectRecord::new("t", None, Value::Int64(5)),
        ])
        .expect("put");
        task.flush(&[]).expect("flush");
        let written = std::fs::read_to_string(&path).expect("read");
        assert_eq!(written, "existing\nplain\nStruct{a=1}\nnull\n5\n");
    }
}
