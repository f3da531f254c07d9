//! Kafka's `Filter` transform: drops every record. On its own it empties the stream;
//! it is meant to run under a predicate (`transforms.<name>.predicate`, optionally
//! `negate`), so that only the records matching (or not matching) the predicate are
//! dropped. It has no configuration.

use ferry_sdk::{Config, ConnectRecord, Plugin, PluginDescriptor, PluginError, Transform};
use transform_support::side::transform_aliases;

/// Kafka's `Filter.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str = "Drops all records, filtering them from subsequent transformations in the chain. This is intended to be used conditionally to filter out records matching (or not matching) a particular Predicate.";

/// The transform.
pub struct Filter;

impl Plugin for Filter {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation("filter")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(transform_aliases("Filter"))
            .summary(OVERVIEW_DOC)
    }
}

impl Transform for Filter {
    /// Kafka's `configure` ignores its configs: any config is accepted.
    fn open(_config: Config) -> Result<Self, PluginError> {
        Ok(Filter)
    }

    fn apply_record(
        &mut self,
        _record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        Ok(None)
    }

    fn apply(&mut self, _records: Vec<ConnectRecord>) -> Result<Vec<ConnectRecord>, PluginError> {
        Ok(Vec::new())
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_transform!(Filter);

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::{Schema, Struct, Value};

    fn filter() -> Filter {
        Filter::open(Config::new()).expect("open")
    }

    #[test]
    fn drops_every_record() {
        let mut f = filter();
        let schema = Schema::structure().field("a", Schema::int32()).into_arc();
        let mut value = Struct::new(schema.clone());
        value.put("a", 1).expect("put");
        let records = vec![
            ConnectRecord::new("t", None, Value::Null),
            ConnectRecord::new("t", Some(schema), Value::Struct(value)),
            ConnectRecord::new("u", None, Value::from("text")).with_partition(3),
        ];
        for r in records.clone() {
            assert_eq!(f.apply_record(r).expect("apply"), None);
        }
        assert!(f.apply(records).expect("apply").is_empty());
    }

    #[test]
    fn accepts_any_config() {
        let config: Config = [("anything", "goes")].into_iter().collect();
        assert!(Filter::validate(&config).is_empty());
        assert!(Filter::open(config).is_ok());
    }

    #[test]
    fn describes_itself_as_kafka_does() {
        let d = Filter::describe();
        assert_eq!(d.name, "filter");
        assert_eq!(
            d.aliases,
            vec![
                "Filter".to_string(),
                "org.apache.kafka.connect.transforms.Filter".to_string()
            ]
        );
        assert!(d.config.is_empty());
        assert_eq!(d.summary, OVERVIEW_DOC);
    }
}
