//! `test-flaky-sink` (tests only): appends each record's string value and a newline
//! to `file`, except that the first `retriable.puts` `put` calls and the first
//! `retriable.flushes` `flush` calls of a task instance fail `retriable` (before
//! writing anything), so the host's retries of a task's own calls can be tested.

use std::fs::{File, OpenOptions};
use std::io::Write;

use ferry_sdk::{
    Config, ConfigKey, ConnectRecord, PathAccess, Plugin, PluginDescriptor, PluginError,
    SinkConnector, SinkTask, TopicPartitionOffset, Value,
};

pub struct FlakySinkConnector {
    config: Config,
}

impl Plugin for FlakySinkConnector {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::sink("test-flaky-sink")
            .version(env!("CARGO_PKG_VERSION"))
            .summary("Writes values to a file, failing on demand (tests only).")
            .config(
                ConfigKey::string("file")
                    .required()
                    .path(PathAccess::WriteFile),
            )
            .config(ConfigKey::int("retriable.puts").default_value("0"))
            .config(ConfigKey::int("retriable.flushes").default_value("0"))
    }
}

impl SinkConnector for FlakySinkConnector {
    fn open(config: Config) -> Result<Self, PluginError> {
        Ok(Self { config })
    }

    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError> {
        Ok(vec![self.config.clone(); max_tasks as usize])
    }
}

pub struct FlakySinkTask {
    out: File,
    retriable_puts: u32,
    retriable_flushes: u32,
    puts: u32,
    flushes: u32,
}

impl SinkTask for FlakySinkTask {
    fn open(config: Config) -> Result<Self, PluginError> {
        let path = config.require("file")?;
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| PluginError::fatal(format!("cannot open {path}: {e}")))?;
        Ok(Self {
            out,
            retriable_puts: config.parse_or("retriable.puts", 0)?,
            retriable_flushes: config.parse_or("retriable.flushes", 0)?,
            puts: 0,
            flushes: 0,
        })
    }

    fn put(&mut self, records: Vec<ConnectRecord>) -> Result<(), PluginError> {
        self.puts += 1;
        if self.puts <= self.retriable_puts {
            return Err(PluginError::retriable(format!(
                "flaky sink: put {} of {} planned failures",
                self.puts, self.retriable_puts
            )));
        }
        let mut text = String::new();
        for record in &records {
            if let Value::String(s) = &record.value {
                text.push_str(s);
            }
            text.push('\n');
        }
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| PluginError::fatal(format!("cannot write: {e}")))
    }

    fn flush(&mut self, _offsets: &[TopicPartitionOffset]) -> Result<(), PluginError> {
        self.flushes += 1;
        if self.flushes <= self.retriable_flushes {
            return Err(PluginError::retriable(format!(
                "flaky sink: flush {} of {} planned failures",
                self.flushes, self.retriable_flushes
            )));
        }
        Ok(())
    }
}

ferry_sdk::export_sink!(FlakySinkConnector, FlakySinkTask);
