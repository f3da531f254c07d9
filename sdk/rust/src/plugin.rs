//! The traits a plugin implements, one set per plugin kind. Export the
//! implementation with the matching macro (`export_source!`, `export_sink!`,
//! `export_converter!`, `export_header_converter!`,
//! `export_converter_and_header_converter!`, `export_transform!`, `export_predicate!`).
//!
//! Instances are created by `open` and live until the host drops them; a method may
//! keep state in `&mut self`. Batches cross the component boundary once per call and
//! arrive decoded.

use std::sync::Arc;

use crate::config::Config;
use crate::data::{ConnectRecord, Schema, SchemaAndValue, Value};
use crate::describe::{ConfigProblem, PluginDescriptor};
use crate::error::PluginError;

/// What every plugin says about itself. For connectors, the connector type implements
/// it.
pub trait Plugin {
    /// Name, version, kind, aliases and config definition. Cheap, config-independent.
    fn describe() -> PluginDescriptor;

    /// Checks beyond the config definition (which the host already enforces).
    fn validate(config: &Config) -> Vec<ConfigProblem> {
        let _ = config;
        Vec::new()
    }
}

/// A source connector (Kafka's `SourceConnector`): splits work into task configs.
pub trait SourceConnector: Plugin + Sized + 'static {
    fn open(config: Config) -> Result<Self, PluginError>;
    /// At most `max_tasks` task configs.
    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError>;
    fn stop(&mut self) {}
}

/// A source task (Kafka's `SourceTask`).
pub trait SourceTask: Sized + 'static {
    /// Start with the task config; use [`crate::host::read_offsets`] to resume.
    fn open(config: Config) -> Result<Self, PluginError>;
    /// The next records, or an empty vector when nothing is available now. Never block.
    /// Records must carry `source_partition` and `source_offset`.
    fn poll(&mut self) -> Result<Vec<ConnectRecord>, PluginError>;
    /// The host durably committed the offsets of everything polled and acknowledged.
    fn commit(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
    fn stop(&mut self) {}
}

/// A sink connector (Kafka's `SinkConnector`).
pub trait SinkConnector: Plugin + Sized + 'static {
    fn open(config: Config) -> Result<Self, PluginError>;
    /// At most `max_tasks` task configs.
    fn task_configs(&mut self, max_tasks: u32) -> Result<Vec<Config>, PluginError>;
    fn stop(&mut self) {}
}

/// A Kafka topic partition and the next offset to consume from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicPartitionOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// A sink task (Kafka's `SinkTask`).
pub trait SinkTask: Sized + 'static {
    fn open(config: Config) -> Result<Self, PluginError>;
    /// Deliver records; may buffer.
    fn put(&mut self, records: Vec<ConnectRecord>) -> Result<(), PluginError>;
    /// Make everything put so far durable; the host commits `offsets` afterwards.
    fn flush(&mut self, offsets: &[TopicPartitionOffset]) -> Result<(), PluginError> {
        let _ = offsets;
        Ok(())
    }
    fn stop(&mut self) {}
}

/// A converter (Kafka's `Converter`). Called per record inside the guest; the batch
/// crosses the boundary once.
pub trait Converter: Plugin + Sized + 'static {
    /// `is_key` is true when converting record keys. The config has the
    /// `key.converter.`/`value.converter.` prefix stripped.
    fn open(config: Config, is_key: bool) -> Result<Self, PluginError>;
    /// Serialize a value (Kafka's `fromConnectData`); `None` for a Kafka null.
    #[allow(clippy::wrong_self_convention)]
    fn from_connect(
        &mut self,
        topic: &str,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, PluginError>;
    /// Deserialize bytes read from Kafka (`toConnectData`); `data` is `None` for null.
    fn to_connect(
        &mut self,
        topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<Arc<Schema>>, Value), PluginError>;
}

/// A header converter (Kafka's `HeaderConverter`). Called per header inside the
/// guest; every header of a batch crosses the boundary in one call. A type may
/// implement both [`Converter`] and this trait, as Kafka's `StringConverter` does:
/// export it with [`crate::export_converter_and_header_converter!`].
pub trait HeaderConverter: Plugin + Sized + 'static {
    /// Kafka's `configure(configs)`: the `header.converter.` prefix is stripped and
    /// `converter.type` is `header`.
    fn open(config: Config) -> Result<Self, PluginError>;
    /// Deserialize a header value read from Kafka (`toConnectHeader`); `data` is
    /// `None` for a null header value.
    fn to_connect_header(
        &mut self,
        topic: &str,
        header_key: &str,
        data: Option<&[u8]>,
    ) -> Result<SchemaAndValue, PluginError>;
    /// Serialize a header value (`fromConnectHeader`); `None` for a null.
    #[allow(clippy::wrong_self_convention)]
    fn from_connect_header(
        &mut self,
        topic: &str,
        header_key: &str,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, PluginError>;
}

/// A converter whose header conversion is its value conversion, as Kafka's
/// `StringConverter`, `JsonConverter` and `ByteArrayConverter`, which are
/// `HeaderConverter`s too. Implement this (usually empty) and the converter is a
/// [`HeaderConverter`]: the header key is ignored and each header value converts as a
/// record value would.
pub trait HeadersAsValues: Converter {
    /// Opens the converter for headers (Kafka's `configure(configs)` with
    /// `converter.type=header`); by default as a value converter.
    fn open_for_headers(config: Config) -> Result<Self, PluginError> {
        <Self as Converter>::open(config, false)
    }
}

impl<T: HeadersAsValues> HeaderConverter for T {
    fn open(config: Config) -> Result<Self, PluginError> {
        T::open_for_headers(config)
    }

    fn to_connect_header(
        &mut self,
        topic: &str,
        _header_key: &str,
        data: Option<&[u8]>,
    ) -> Result<SchemaAndValue, PluginError> {
        Converter::to_connect(self, topic, data)
    }

    fn from_connect_header(
        &mut self,
        topic: &str,
        _header_key: &str,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, PluginError> {
        Converter::from_connect(self, topic, schema, value)
    }
}

/// A single message transform (Kafka's `Transformation`).
pub trait Transform: Plugin + Sized + 'static {
    fn open(config: Config) -> Result<Self, PluginError>;
    /// Transform one record; `None` drops it.
    fn apply_record(&mut self, record: ConnectRecord)
    -> Result<Option<ConnectRecord>, PluginError>;
    /// Transform a batch, keeping the order. Defaults to [`Transform::apply_record`]
    /// per record.
    fn apply(&mut self, records: Vec<ConnectRecord>) -> Result<Vec<ConnectRecord>, PluginError> {
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            if let Some(record) = self.apply_record(record)? {
                out.push(record);
            }
        }
        Ok(out)
    }
}

/// A predicate (Kafka's `Predicate`).
pub trait Predicate: Plugin + Sized + 'static {
    fn open(config: Config) -> Result<Self, PluginError>;
    /// Whether the record matches.
    fn test(&mut self, record: &ConnectRecord) -> bool;
}
