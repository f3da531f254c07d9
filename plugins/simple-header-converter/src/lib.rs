//! `simple-header-converter`: Kafka's `SimpleHeaderConverter`, the default
//! `header.converter`. Header bytes are read as UTF-8 text and parsed with Kafka's
//! `Values.parseString` (booleans, the smallest fitting integer type, floats,
//! decimals, `[..]` lists, `{..}` maps, ISO-8601 dates, times and timestamps, else the
//! string itself); Connect header values are written as `Values.convertToString`.

// Kafka's `Values` port lives in transform-support (InsertHeader parses with it too).
pub use transform_support::values::{self, number, parser, temporal};

use std::sync::Arc;

use ferry_sdk::{
    Config, HeaderConverter, Plugin, PluginDescriptor, PluginError, PluginKind, Schema, Value,
};

/// The header converter. It has no configuration.
pub struct SimpleHeaderConverter;

impl Plugin for SimpleHeaderConverter {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::new("simple-header-converter", PluginKind::HeaderConverter)
            .version(env!("CARGO_PKG_VERSION"))
            .aliases([
                "SimpleHeaderConverter",
                "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            ])
            .summary("Header values as strings, parsed back into typed values (Kafka's SimpleHeaderConverter).")
    }
}

impl HeaderConverter for SimpleHeaderConverter {
    fn open(_config: Config) -> Result<Self, PluginError> {
        Ok(SimpleHeaderConverter)
    }

    fn to_connect_header(
        &mut self,
        _topic: &str,
        _header_key: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<Arc<Schema>>, Value), PluginError> {
        Ok(match data {
            None => (None, Value::Null),
            Some(bytes) => values::parse_string(&String::from_utf8_lossy(bytes)),
        })
    }

    fn from_connect_header(
        &mut self,
        _topic: &str,
        _header_key: &str,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, PluginError> {
        Ok(values::convert_to_string(schema.map(|s| s.as_ref()), value).map(String::into_bytes))
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_header_converter!(SimpleHeaderConverter);
