//! `topic-name-matches`: Kafka's `TopicNameMatches` predicate. True for records whose
//! whole topic name matches `pattern` (Java's `Matcher.matches()`, not `find()`).

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Predicate,
};
use regex::bytes::{Regex, RegexBuilder};

const PATTERN: &str = "pattern";

/// The predicate.
pub struct TopicNameMatches {
    pattern: Regex,
}

/// Compile `pattern` anchored at both ends. Kafka topic names are ASCII, so the regex
/// runs over bytes with ASCII-only classes (`\w`, `\d`, `\s`, case folding), which is
/// also what Java's `Pattern` does by default.
fn compile(config: &Config) -> Result<Regex, PluginError> {
    let pattern = config.require(PATTERN)?;
    RegexBuilder::new(&format!("^(?:{pattern})$"))
        .unicode(false)
        .build()
        .map_err(|e| {
        PluginError::config(format!(
                "Invalid value {pattern} for configuration {PATTERN}: entry must be a valid regular expression: {e}"
            ))
        })
}

impl Plugin for TopicNameMatches {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::predicate("topic-name-matches")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases([
                "TopicNameMatches",
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            ])
            .summary("A predicate which is true for records with a topic name that matches the configured regular expression.")
            .config(
                ConfigKey::string(PATTERN)
                    .required()
                    .importance(Importance::Medium)
                    .doc("A Java regular expression for matching against the name of a record's topic."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match compile(config) {
            Ok(_) => Vec::new(),
            Err(e) => vec![ConfigProblem::new(PATTERN, e.message())],
        }
    }
}

impl Predicate for TopicNameMatches {
    fn open(config: Config) -> Result<Self, PluginError> {
        Ok(TopicNameMatches {
            pattern: compile(&config)?,
        })
    }

    fn test(&mut self, record: &ConnectRecord) -> bool {
        self.pattern.is_match(record.topic.as_bytes())
    }
}

ferry_sdk::export_predicate!(TopicNameMatches);

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::Value;

    fn predicate(pattern: &str) -> TopicNameMatches {
        TopicNameMatches::open([(PATTERN, pattern)].into_iter().collect()).expect("open")
    }

    fn record(topic: &str) -> ConnectRecord {
        ConnectRecord::new(topic, None, Value::Null)
    }

    #[test]
    fn matches_the_whole_name() {
        let mut p = predicate("my-prefix-.*");
        assert!(p.test(&record("my-prefix-orders")));
        assert!(!p.test(&record("x-my-prefix-orders")));
        let mut alt = predicate("a|b");
        assert!(alt.test(&record("a")));
        assert!(
            !alt.test(&record("ab")),
            "alternation is anchored as a whole"
        );
        let mut classes = predicate("(?i)[a-z]+\\.\\w+\\d");
        assert!(classes.test(&record("Orders.eu_1")));
    }

    #[test]
    fn rejects_bad_patterns() {
        let bad: Config = [(PATTERN, "(")].into_iter().collect();
        assert_eq!(TopicNameMatches::validate(&bad).len(), 1);
        assert!(TopicNameMatches::open(bad).is_err());
        assert!(TopicNameMatches::open(Config::new()).is_err());
    }
}
