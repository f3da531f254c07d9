//! `test-flaky-converter` (tests only): UTF-8 strings both ways (as Kafka's
//! `StringConverter`), except that the first `retriable.calls` records an instance
//! converts fail `retriable`, so the host's retries at a converter stage can be tested.

use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, Converter, Plugin, PluginDescriptor, PluginError, Schema, Value,
};

pub struct FlakyConverter {
    retriable_calls: u32,
    calls: u32,
    schema: Arc<Schema>,
}

impl FlakyConverter {
    fn check(&mut self) -> Result<(), PluginError> {
        self.calls += 1;
        if self.calls <= self.retriable_calls {
            return Err(PluginError::retriable(format!(
                "flaky converter: call {} of {} planned failures",
                self.calls, self.retriable_calls
            )));
        }
        Ok(())
    }
}

impl Plugin for FlakyConverter {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::converter("test-flaky-converter")
            .version(env!("CARGO_PKG_VERSION"))
            .summary("Strings, failing on demand (tests only).")
            .config(ConfigKey::int("retriable.calls").default_value("0"))
    }
}

impl Converter for FlakyConverter {
    fn open(config: Config, _is_key: bool) -> Result<Self, PluginError> {
        Ok(Self {
            retriable_calls: config.parse_or("retriable.calls", 0)?,
            calls: 0,
            schema: Arc::new(Schema::optional_string()),
        })
    }

    fn from_connect(
        &mut self,
        _topic: &str,
        _schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, PluginError> {
        self.check()?;
        Ok(match value {
            Value::Null => None,
            Value::String(s) => Some(s.as_bytes().to_vec()),
            other => Some(format!("{other:?}").into_bytes()),
        })
    }

    fn to_connect(
        &mut self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<Arc<Schema>>, Value), PluginError> {
        self.check()?;
        Ok(match data {
            None => (Some(self.schema.clone()), Value::Null),
            Some(bytes) => (
                Some(self.schema.clone()),
                Value::String(String::from_utf8_lossy(bytes).into_owned()),
            ),
        })
    }
}

ferry_sdk::export_converter!(FlakyConverter);
