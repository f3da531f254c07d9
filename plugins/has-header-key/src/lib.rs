//! Kafka's `HasHeaderKey` predicate: true for records with at least one header with
//! the configured name.

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Predicate,
};
use transform_support::config::{non_empty_string, required_string};
use transform_support::side::predicate_aliases;

pub const NAME_CONFIG: &str = "name";

pub const OVERVIEW_DOC: &str =
    "A predicate which is true for records with at least one header with the configured name.";

/// The predicate.
#[derive(Debug)]
pub struct HasHeaderKey {
    name: String,
}

/// `SimpleConfig(CONFIG_DEF, configs).getString("name")`: required, `NonEmptyString`.
fn parse_name(config: &Config) -> Result<String, PluginError> {
    let name = required_string(config, NAME_CONFIG)?;
    Ok(non_empty_string(NAME_CONFIG, name)?.to_string())
}

impl Plugin for HasHeaderKey {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::predicate("has-header-key")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(predicate_aliases("HasHeaderKey"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(NAME_CONFIG)
                    .required()
                    .importance(Importance::Medium)
                    .doc("The header name."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match parse_name(config) {
            Ok(_) => Vec::new(),
            Err(e) => vec![ConfigProblem::new(NAME_CONFIG, e.message())],
        }
    }
}

impl Predicate for HasHeaderKey {
    fn open(config: Config) -> Result<Self, PluginError> {
        Ok(HasHeaderKey {
            name: parse_name(&config)?,
        })
    }

    /// `record.headers().allWithName(name).hasNext()`.
    fn test(&mut self, record: &ConnectRecord) -> bool {
        record.headers.iter().any(|h| h.key == self.name)
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_predicate!(HasHeaderKey);

/// Ports of Kafka's `HasHeaderKeyTest`.
#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::Value;

    fn config(pairs: &[(&str, &str)]) -> Config {
        pairs.iter().copied().collect()
    }

    fn record_with_headers(keys: &[&str]) -> ConnectRecord {
        keys.iter().fold(ConnectRecord::default(), |r, k| {
            r.with_header(*k, None, Value::Null)
        })
    }

    #[test]
    fn test_name_required_in_config() {
        let e = HasHeaderKey::open(Config::new()).unwrap_err();
        assert!(
            e.message()
                .contains("Missing required configuration \"name\"")
        );
    }

    #[test]
    fn test_name_may_not_be_empty_in_config() {
        let e = HasHeaderKey::open(config(&[("name", "")])).unwrap_err();
        assert!(e.message().contains("String must be non-empty"));
    }

    #[test]
    fn test_config() {
        assert!(HasHeaderKey::validate(&config(&[("name", "foo")])).is_empty());
        let problems = HasHeaderKey::validate(&config(&[("name", "")]));
        assert_eq!(
            problems,
            vec![ConfigProblem::new(
                "name",
                "Invalid value  for configuration name: String must be non-empty"
            )]
        );
    }

    #[test]
    fn test_test() {
        let mut predicate = HasHeaderKey::open(config(&[("name", "foo")])).unwrap();
        assert!(predicate.test(&record_with_headers(&["foo"])));
        assert!(predicate.test(&record_with_headers(&["foo", "bar"])));
        assert!(predicate.test(&record_with_headers(&["bar", "foo", "bar", "foo"])));
        assert!(!predicate.test(&record_with_headers(&["bar"])));
        assert!(!predicate.test(&record_with_headers(&["bar", "bar"])));
        assert!(!predicate.test(&record_with_headers(&[])));
        assert!(!predicate.test(&ConnectRecord::default()));
    }

    #[test]
    fn name_is_trimmed_like_kafka_strings() {
        let mut predicate = HasHeaderKey::open(config(&[("name", " foo ")])).unwrap();
        assert!(predicate.test(&record_with_headers(&["foo"])));
        let e = HasHeaderKey::open(config(&[("name", "  ")])).unwrap_err();
        assert_eq!(
            e.message(),
            "Invalid value  for configuration name: String must be non-empty"
        );
    }

    #[test]
    fn describes_kafka_names() {
        let d = HasHeaderKey::describe();
        assert_eq!(d.name, "has-header-key");
        assert_eq!(
            d.aliases,
            vec![
                "HasHeaderKey".to_string(),
                "org.apache.kafka.connect.transforms.predicates.HasHeaderKey".to_string()
            ]
        );
    }
}
