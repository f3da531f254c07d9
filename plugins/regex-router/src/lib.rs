//! Kafka's `RegexRouter` transform: renames the topic of records whose whole topic
//! matches `regex` (Java's `Matcher.matches()`), to the topic with the first match of
//! `regex` replaced by `replacement` (Java's `Matcher.replaceFirst`, `$1`-style group
//! references). Records whose topic does not match pass unchanged.
//!
//! The regex is a Java regular expression, compiled and run by
//! [`transform_support::java_regex`] (Java's syntax, semantics and
//! `PatternSyntaxException` messages); the replacement follows Java's
//! `appendReplacement` ([`replacement`]). A record's new topic depends on its topic
//! only, so the answers for recent topics are kept.

pub mod replacement;

use std::collections::HashMap;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Transform,
};
use transform_support::config::{KeyedError, problems, regex, required_string};
use transform_support::java_regex::Pattern;
use transform_support::side::transform_aliases;

use crate::replacement::Replacement;

pub const REGEX: &str = "regex";
pub const REPLACEMENT: &str = "replacement";

/// Kafka's `RegexRouter.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str = "Update the record topic using the configured regular expression and replacement string.<p/>Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. If the pattern matches the input topic, <code>java.util.regex.Matcher#replaceFirst()</code> is used with the replacement string to obtain the new topic.";

/// How many topics' answers are kept (a connector sees few distinct topics).
const ROUTE_CACHE_SIZE: usize = 1024;

/// A topic's answer: the new topic (`None`: unchanged), or Java's exception message.
type Route = Result<Option<String>, String>;

/// The transform.
pub struct RegexRouter {
    pattern: Pattern,
    replacement: Replacement,
    routes: HashMap<String, Route>,
}

/// Kafka's `ConfigDef` parse, in definition order: `regex` (with `RegexValidator`),
/// then `replacement`.
fn parse_config(config: &Config) -> Result<RegexRouter, KeyedError> {
    let pattern = required_string(config, REGEX)
        .and_then(|r| regex(REGEX, r))
        .map_err(|e| (REGEX, e))?;
    let replacement = required_string(config, REPLACEMENT).map_err(|e| (REPLACEMENT, e))?;
    let replacement = Replacement::parse(replacement, pattern.group_count(), |name| {
        pattern.group_index(name)
    });
    Ok(RegexRouter {
        pattern,
        replacement,
        routes: HashMap::new(),
    })
}

impl Plugin for RegexRouter {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation("regex-router")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(transform_aliases("RegexRouter"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(REGEX)
                    .required()
                    .importance(Importance::High)
                    .doc("Regular expression to use for matching."),
            )
            .config(
                ConfigKey::string(REPLACEMENT)
                    .required()
                    .importance(Importance::High)
                    .doc("Replacement string."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        problems(parse_config(config))
    }
}

impl RegexRouter {
    /// The new topic for `topic` (`None` if the regex does not match it whole), or
    /// Java's exception message for a replacement that cannot be expanded.
    fn compute(&self, topic: &str) -> Route {
        if !self.pattern.matches(topic) {
            return Ok(None);
        }
        // replaceFirst: the first match find() finds, which may be shorter than the
        // whole topic.
        let Some(caps) = self.pattern.find(topic) else {
            return Ok(None);
        };
        let Some((start, end)) = caps.get(0) else {
            return Ok(None);
        };
        let mut out = String::with_capacity(topic.len() + 16);
        out.push_str(&topic[..start]);
        self.replacement
            .expand(|n| caps.get(n).and_then(|(s, e)| topic.get(s..e)), &mut out)?;
        out.push_str(&topic[end..]);
        Ok(Some(out))
    }

    /// [`RegexRouter::compute`], remembered per topic.
    pub fn route(&mut self, topic: &str) -> Route {
        if let Some(route) = self.routes.get(topic) {
            return route.clone();
        }
        let route = self.compute(topic);
        if self.routes.len() >= ROUTE_CACHE_SIZE {
            self.routes.clear();
        }
        self.routes.insert(topic.to_string(), route.clone());
        route
    }
}

impl Transform for RegexRouter {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config).map_err(|(_, e)| e)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        if let Some(topic) = self.route(&record.topic).map_err(PluginError::fatal)? {
            record.topic = topic;
        }
        Ok(Some(record))
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_transform!(RegexRouter);

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::Value;

    fn router(regex: &str, replacement: &str) -> RegexRouter {
        RegexRouter::open(
            [(REGEX, regex), (REPLACEMENT, replacement)]
                .into_iter()
                .collect(),
        )
        .expect("open")
    }

    /// Kafka's RegexRouterTest.apply: the topic a sink record ends up with.
    fn apply(regex: &str, replacement: &str, topic: &str) -> String {
        let mut r = router(regex, replacement);
        let record = ConnectRecord::new(topic, None, Value::Null).with_partition(0);
        r.apply_record(record).expect("apply").expect("kept").topic
    }

    // ---- RegexRouterTest

    #[test]
    fn static_replacement() {
        assert_eq!(apply("foo", "bar", "foo"), "bar");
    }

    #[test]
    fn doesnt_match() {
        assert_eq!(apply("foo", "bar", "orig"), "orig");
    }

    #[test]
    fn identity() {
        assert_eq!(apply("(.*)", "$1", "orig"), "orig");
    }

    #[test]
    fn add_prefix() {
        assert_eq!(apply("(.*)", "prefix-$1", "orig"), "prefix-orig");
    }

    #[test]
    fn add_suffix() {
        assert_eq!(apply("(.*)", "$1-suffix", "orig"), "orig-suffix");
    }

    #[test]
    fn slice() {
        assert_eq!(
            apply("(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)", "$1", "index-20160117"),
            "index"
        );
    }

    // ---- Java semantics beyond Kafka's tests

    #[test]
    fn matches_whole_topic_but_replaces_the_first_match() {
        // matches() needs the whole topic; replaceFirst replaces what find() finds.
        assert_eq!(apply("a|ab", "X", "ab"), "Xb");
        assert_eq!(apply("(.*?)", "X", "orig"), "Xorig");
        assert_eq!(apply("foo", "bar", "foox"), "foox", "no partial matches");
        assert_eq!(apply("(?i)FOO", "bar", "foo"), "bar");
    }

    #[test]
    fn java_only_regex_syntax_works() {
        assert_eq!(apply("(.)\\1(.*)", "$2", "aab"), "b", "back reference");
        assert_eq!(apply("(?=t).*", "la", "test"), "la", "look-ahead");
        assert_eq!(apply("a*+b", "pos", "aab"), "pos", "possessive");
        assert_eq!(apply("\\Qa.b\\E(.*)", "$1", "a.bc"), "c", "quoting");
    }

    #[test]
    fn answers_are_remembered_per_topic() {
        let mut r = router("(.*)-(\\d+)", "$2$1");
        for _ in 0..2 {
            assert_eq!(r.route("a-1"), Ok(Some("1a".to_string())));
            assert_eq!(r.route("b"), Ok(None));
        }
        assert_eq!(r.routes.len(), 2);
        let mut bad = router("(.*)", "$9");
        for _ in 0..2 {
            assert_eq!(bad.route("t"), Err("No group 9".to_string()));
        }
    }

    #[test]
    fn config_values_are_trimmed_as_configdef_does() {
        assert_eq!(apply("  (.*)  ", " $1-x ", "t"), "t-x");
    }

    #[test]
    fn keeps_everything_but_the_topic() {
        let mut r = router("(.*)", "$1-routed");
        let record = ConnectRecord::new("t", None, Value::from("v"))
            .with_key(None, Value::from("k"))
            .with_partition(3)
            .with_timestamp(7)
            .with_header("h", None, Value::from("x"));
        let out = r
            .apply_record(record.clone())
            .expect("apply")
            .expect("kept");
        assert_eq!(
            out,
            ConnectRecord {
                topic: "t-routed".into(),
                ..record
            }
        );
    }

    #[test]
    fn bad_replacements_fail_at_apply_time_like_java() {
        let mut r = router("(.*)", "$2");
        let record = ConnectRecord::new("t", None, Value::Null);
        let err = r.apply_record(record).expect_err("no group 2");
        assert_eq!(err, PluginError::fatal("No group 2"));
        let mut unmatched = router("x(.*)", "$2");
        assert!(
            unmatched
                .apply_record(ConnectRecord::new("t", None, Value::Null))
                .is_ok(),
            "the replacement is only used for matching topics"
        );
    }

    #[test]
    fn config_errors_name_the_key() {
        let bad: Config = [(REGEX, "("), (REPLACEMENT, "x")].into_iter().collect();
        let problems = RegexRouter::validate(&bad);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, REGEX);
        assert_eq!(
            problems[0].message,
            "Invalid value ( for configuration regex: Invalid regex: Unclosed group near index 1\n("
        );
        let missing: Config = [(REGEX, "x")].into_iter().collect();
        assert_eq!(
            RegexRouter::open(missing)
                .err()
                .map(|e| e.message().to_string()),
            Some(
                "Missing required configuration \"replacement\" which has no default value.".into()
            )
        );
        assert!(RegexRouter::open(Config::new()).is_err());
    }

    #[test]
    fn describes_itself_as_kafka_does() {
        let d = RegexRouter::describe();
        assert_eq!(d.name, "regex-router");
        assert_eq!(
            d.aliases[1],
            "org.apache.kafka.connect.transforms.RegexRouter"
        );
        assert_eq!(d.config.len(), 2);
        assert!(d.config.iter().all(|k| k.required));
    }
}
