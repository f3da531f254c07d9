//! `topic-name-matches`: Kafka's `TopicNameMatches` predicate. True for records whose
//! whole topic name matches `pattern`, a Java regular expression
//! (`Pattern.compile(pattern).matcher(topic).matches()`): Java's syntax, Java's
//! error messages and Java's matching, through `transform_support::java_regex`.

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Predicate,
};
use transform_support::config::{non_empty_string, regex, required_string};
use transform_support::java_regex::Pattern;
use transform_support::side::predicate_aliases;

pub const PATTERN_CONFIG: &str = "pattern";

pub const OVERVIEW_DOC: &str = "A predicate which is true for records with a topic name that matches the configured regular expression.";

/// The predicate.
#[derive(Debug)]
pub struct TopicNameMatches {
    pattern: Pattern,
}

/// `pattern`: a required `STRING` (trimmed, as Kafka's `ConfigDef` does) validated by
/// `CompositeValidator.of(NonEmptyString, RegexValidator)`.
fn compile(config: &Config) -> Result<Pattern, PluginError> {
    let pattern = non_empty_string(PATTERN_CONFIG, required_string(config, PATTERN_CONFIG)?)?;
    regex(PATTERN_CONFIG, pattern)
}

impl Plugin for TopicNameMatches {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::predicate("topic-name-matches")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(predicate_aliases("TopicNameMatches"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(PATTERN_CONFIG)
                    .required()
                    .importance(Importance::Medium)
                    .doc("A Java regular expression for matching against the name of a record's topic."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match compile(config) {
            Ok(_) => Vec::new(),
            Err(e) => vec![ConfigProblem::new(PATTERN_CONFIG, e.message())],
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
        self.pattern.matches(&record.topic)
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_predicate!(TopicNameMatches);

/// Ports of Kafka's `TopicNameMatchesTest`, and Java's regex semantics.
#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::Value;

    fn config(pattern: Option<&str>) -> Config {
        pattern.map(|p| (PATTERN_CONFIG, p)).into_iter().collect()
    }

    fn predicate(pattern: &str) -> TopicNameMatches {
        TopicNameMatches::open(config(Some(pattern))).unwrap()
    }

    fn record_with_topic_name(topic: &str) -> ConnectRecord {
        ConnectRecord::new(topic, None, Value::Null)
    }

    #[test]
    fn test_pattern_required_in_config() {
        let e = TopicNameMatches::open(config(None)).unwrap_err();
        assert!(
            e.message()
                .contains("Missing required configuration \"pattern\"")
        );
    }

    #[test]
    fn test_pattern_may_not_be_empty_in_config() {
        let e = TopicNameMatches::open(config(Some(""))).unwrap_err();
        assert!(e.message().contains("String must be non-empty"));
    }

    #[test]
    fn test_pattern_is_valid_regex_in_config() {
        let e = TopicNameMatches::open(config(Some("["))).unwrap_err();
        assert!(e.message().contains("Invalid regex"));
        assert_eq!(
            e.message(),
            "Invalid value [ for configuration pattern: Invalid regex: Unclosed character class near index 0\n[\n^"
        );
    }

    #[test]
    fn test_config() {
        assert!(TopicNameMatches::validate(&config(Some("my-prefix-.*"))).is_empty());
        let problems = TopicNameMatches::validate(&config(Some("*")));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "pattern");
        assert!(problems[0].message.contains("Invalid regex"));
        assert_eq!(
            problems[0].message,
            "Invalid value * for configuration pattern: Invalid regex: Dangling meta character '*' near index 0\n*\n^"
        );
    }

    #[test]
    fn test_test() {
        let mut predicate = predicate("my-prefix-.*");
        assert!(predicate.test(&record_with_topic_name("my-prefix-")));
        assert!(predicate.test(&record_with_topic_name("my-prefix-foo")));
        assert!(!predicate.test(&record_with_topic_name("x-my-prefix-")));
        assert!(!predicate.test(&record_with_topic_name("x-my-prefix-foo")));
        assert!(!predicate.test(&record_with_topic_name("your-prefix-")));
        assert!(!predicate.test(&record_with_topic_name("your-prefix-foo")));
        // Kafka's null topic: Ferry records always have one; an empty name does not
        // match this pattern either.
        assert!(!predicate.test(&record_with_topic_name("")));
    }

    #[test]
    fn matches_the_whole_name_with_java_semantics() {
        let mut alt = predicate("a|b");
        assert!(alt.test(&record_with_topic_name("a")));
        assert!(!alt.test(&record_with_topic_name("ab")));
        let mut classes = predicate("(?i)[a-z]+\\.\\w+\\d");
        assert!(classes.test(&record_with_topic_name("Orders.eu_1")));
        let mut look = predicate("(?!internal-).*(?<=-dlq)");
        assert!(look.test(&record_with_topic_name("orders-dlq")));
        assert!(!look.test(&record_with_topic_name("internal-orders-dlq")));
        let mut padded = predicate("  orders  ");
        assert!(padded.test(&record_with_topic_name("orders")));
    }

    #[test]
    fn describes_kafka_names() {
        let d = TopicNameMatches::describe();
        assert_eq!(d.name, "topic-name-matches");
        assert_eq!(
            d.aliases,
            vec![
                "TopicNameMatches".to_string(),
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches".to_string()
            ]
        );
    }
}
