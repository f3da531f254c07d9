//! Kafka's `RecordIsTombstone` predicate: true for records whose value is null.

use ferry_sdk::{Config, ConnectRecord, Plugin, PluginDescriptor, PluginError, Predicate};
use transform_support::side::predicate_aliases;

pub const OVERVIEW_DOC: &str =
    "A predicate which is true for records which are tombstones (i.e. have null value).";

/// The predicate. It has no configuration.
#[derive(Debug)]
pub struct RecordIsTombstone;

impl Plugin for RecordIsTombstone {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::predicate("record-is-tombstone")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(predicate_aliases("RecordIsTombstone"))
            .summary(OVERVIEW_DOC)
    }
}

impl Predicate for RecordIsTombstone {
    fn open(_config: Config) -> Result<Self, PluginError> {
        Ok(RecordIsTombstone)
    }

    /// `record.value() == null`, whatever the value schema.
    fn test(&mut self, record: &ConnectRecord) -> bool {
        record.value.is_null()
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_predicate!(RecordIsTombstone);

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::{Schema, Value};

    #[test]
    fn null_values_are_tombstones() {
        let mut p = RecordIsTombstone::open(Config::new()).unwrap();
        assert!(p.test(&ConnectRecord::new("t", None, Value::Null)));
        assert!(p.test(&ConnectRecord::new(
            "t",
            Some(Schema::optional_string().into_arc()),
            Value::Null
        )));
        let keyed = ConnectRecord::new("t", None, Value::Null).with_key(None, "k".into());
        assert!(p.test(&keyed), "a key does not matter");
        assert!(!p.test(&ConnectRecord::new("t", None, "v".into())));
        assert!(!p.test(&ConnectRecord::new("t", None, Value::Map(vec![]))));
        assert!(!p.test(&ConnectRecord::new("t", None, Value::String(String::new()))));
    }

    #[test]
    fn ignores_config_and_describes_kafka_names() {
        let config: Config = [("anything", "x")].into_iter().collect();
        assert!(RecordIsTombstone::open(config.clone()).is_ok());
        assert!(RecordIsTombstone::validate(&config).is_empty());
        let d = RecordIsTombstone::describe();
        assert_eq!(d.name, "record-is-tombstone");
        assert!(d.config.is_empty());
        assert_eq!(
            d.aliases[1],
            "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"
        );
    }
}
