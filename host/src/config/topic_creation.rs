//! KIP-158 topic creation settings of a source connector, as Kafka Connect's
//! `SourceConnectorConfig`, `TopicCreationConfig` and `TopicCreationGroup` define
//! them: `topic.creation.groups`, the `default` group (its replication factor and
//! partitions required) and per group `include` / `exclude` regex lists,
//! `replication.factor`, `partitions` and any topic-level config. Pure: parsing,
//! validation with Kafka's messages, and which group a topic falls into.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;

/// Prefix of every topic creation key.
pub const PREFIX: &str = "topic.creation.";
/// `topic.creation.groups`: the named groups, in matching order.
pub const GROUPS: &str = "topic.creation.groups";
/// The group every topic no other group matches falls into.
pub const DEFAULT_GROUP: &str = "default";
/// Worker property switching topic creation for source connectors on or off.
pub const WORKER_ENABLE: &str = "topic.creation.enable";

const INCLUDE: &str = "include";
const EXCLUDE: &str = "exclude";
const REPLICATION_FACTOR: &str = "replication.factor";
const PARTITIONS: &str = "partitions";

/// Kafka's "-1 = use the broker's default" for partitions and replication factor.
pub const BROKER_DEFAULT: i32 = -1;

/// A topic creation setting that cannot be used: key and Kafka's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettingError {
    pub key: String,
    pub message: String,
}

impl SettingError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// The topic to create: what Kafka's `NewTopic` holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTopicSpec {
    pub name: String,
    /// -1: the broker's default.
    pub partitions: i32,
    /// -1: the broker's default.
    pub replication_factor: i16,
    pub configs: BTreeMap<String, String>,
}

impl fmt::Display for NewTopicSpec {
    /// As Kafka's `NewTopic.toString`, which its error messages quote.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let configs: Vec<String> = self
            .configs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        write!(
            f,
            "NewTopic(name={}, numPartitions={}, replicationFactor={}, replicasAssignments=null, configs={{{}}})",
            self.name,
            if self.partitions == BROKER_DEFAULT {
                "default".to_string()
            } else {
                self.partitions.to_string()
            },
            if i32::from(self.replication_factor) == BROKER_DEFAULT {
                "default".to_string()
            } else {
                self.replication_factor.to_string()
            },
            configs.join(", ")
        )
    }
}

/// One creation group: which topics it takes and how it creates them.
#[derive(Clone, Debug)]
pub struct TopicGroup {
    pub name: String,
    /// Whole-name match of any include regex; `None` matches nothing (an empty list).
    include: Option<Regex>,
    /// Whole-name match of any exclude regex; exclusion wins over inclusion.
    exclude: Option<Regex>,
    pub partitions: i32,
    pub replication_factor: i16,
    /// Topic-level configs (`cleanup.policy`, `retention.ms`, …).
    pub configs: BTreeMap<String, String>,
}

impl TopicGroup {
    /// Kafka's `TopicCreationGroup.matches`: included and not excluded.
    pub fn matches(&self, topic: &str) -> bool {
        !self.exclude.as_ref().is_some_and(|r| r.is_match(topic))
            && self.include.as_ref().is_some_and(|r| r.is_match(topic))
    }

    pub fn new_topic(&self, topic: &str) -> NewTopicSpec {
        NewTopicSpec {
            name: topic.to_string(),
            partitions: self.partitions,
            replication_factor: self.replication_factor,
            configs: self.configs.clone(),
        }
    }
}

/// A source connector's topic creation groups.
#[derive(Clone, Debug)]
pub struct TopicCreationSettings {
    /// The named groups in `topic.creation.groups` order, `default` left out.
    pub groups: Vec<TopicGroup>,
    pub default: TopicGroup,
}

impl TopicCreationSettings {
    /// The settings, or `None` when this connector does not create topics: the
    /// worker's `topic.creation.enable` is false, or no `topic.creation.*` key is set
    /// (Kafka's `SourceConnectorConfig.usesTopicCreation`).
    pub fn parse(
        worker_enabled: bool,
        props: &BTreeMap<String, String>,
    ) -> Result<Option<Self>, Vec<SettingError>> {
        if !worker_enabled || !uses_topic_creation(props) {
            return Ok(None);
        }
        let mut errors = Vec::new();
        let names = group_names(props, &mut errors);
        let default_prefix = format!("{PREFIX}{DEFAULT_GROUP}.");
        let replication_factor = required_number::<i16>(
            props,
            &format!("{default_prefix}{REPLICATION_FACTOR}"),
            "SHORT",
            &mut errors,
        );
        let partitions = required_number::<i32>(
            props,
            &format!("{default_prefix}{PARTITIONS}"),
            "INT",
            &mut errors,
        );
        // The default group's own include/exclude are ignored, as in Kafka.
        let default = TopicGroup {
            name: DEFAULT_GROUP.to_string(),
            include: anchored(&[".*".to_string()]),
            exclude: None,
            partitions: partitions.unwrap_or(BROKER_DEFAULT),
            replication_factor: replication_factor.unwrap_or(BROKER_DEFAULT as i16),
            configs: other_configs(props, DEFAULT_GROUP),
        };
        let groups: Vec<TopicGroup> = names
            .iter()
            .map(|name| {
                let prefix = format!("{PREFIX}{name}.");
                TopicGroup {
                    name: name.clone(),
                    include: regex_list(props, &format!("{prefix}{INCLUDE}"), &mut errors),
                    exclude: regex_list(props, &format!("{prefix}{EXCLUDE}"), &mut errors),
                    partitions: optional_number::<i32>(
                        props,
                        &format!("{prefix}{PARTITIONS}"),
                        "INT",
                        &mut errors,
                    )
                    .unwrap_or(default.partitions),
                    replication_factor: optional_number::<i16>(
                        props,
                        &format!("{prefix}{REPLICATION_FACTOR}"),
                        "SHORT",
                        &mut errors,
                    )
                    .unwrap_or(default.replication_factor),
                    configs: other_configs(props, name),
                }
            })
            .collect();
        if errors.is_empty() {
            Ok(Some(Self { groups, default }))
        } else {
            Err(errors)
        }
    }

    /// Kafka's `TopicCreation.findFirstGroup`: the first named group that matches,
    /// else `default`.
    pub fn group_for(&self, topic: &str) -> &TopicGroup {
        self.groups
            .iter()
            .find(|g| g.matches(topic))
            .unwrap_or(&self.default)
    }
}

/// Whether any `topic.creation.*` key is set.
pub fn uses_topic_creation(props: &BTreeMap<String, String>) -> bool {
    props.keys().any(|k| k.starts_with(PREFIX))
}

/// Validation problems of a source connector's topic creation keys, as
/// (key, Kafka's message). Duplicate group names are refused whatever the worker
/// says (that check is part of Kafka's `SourceConnectorConfig`); the rest only when
/// the worker creates topics.
pub fn validate(worker_enabled: bool, props: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    if worker_enabled {
        if let Err(found) = TopicCreationSettings::parse(true, props) {
            errors = found;
        }
    } else {
        group_names(props, &mut errors);
    }
    errors.into_iter().map(|e| (e.key, e.message)).collect()
}

/// `topic.creation.groups` without `default` (which always exists); a duplicate
/// name is an error.
fn group_names(props: &BTreeMap<String, String>, errors: &mut Vec<SettingError>) -> Vec<String> {
    let Some(value) = props.get(GROUPS) else {
        return Vec::new();
    };
    let names = crate::config::worker::split_list(value);
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    if unique.len() < names.len() {
        errors.push(SettingError::new(
            GROUPS,
            format!(
                "Invalid value [{}] for configuration {GROUPS}: Duplicate alias provided.",
                names.join(", ")
            ),
        ));
    }
    if names.iter().any(|n| n == DEFAULT_GROUP) {
        tracing::warn!(
            "'{DEFAULT_GROUP}' topic creation group always exists and does not need to be listed explicitly"
        );
    }
    let mut seen = Vec::new();
    for name in names {
        if name != DEFAULT_GROUP && !seen.contains(&name) {
            seen.push(name);
        }
    }
    seen
}

/// A number of Kafka's type `type_name` that must be set.
fn required_number<T: NumberRange>(
    props: &BTreeMap<String, String>,
    key: &str,
    type_name: &str,
    errors: &mut Vec<SettingError>,
) -> Option<T> {
    if !props.contains_key(key) {
        errors.push(SettingError::new(
            key,
            format!("Missing required configuration \"{key}\" which has no default value."),
        ));
        return None;
    }
    optional_number(props, key, type_name, errors)
}

/// Partitions and replication factor: positive, or -1 for the broker's default.
fn optional_number<T: NumberRange>(
    props: &BTreeMap<String, String>,
    key: &str,
    type_name: &str,
    errors: &mut Vec<SettingError>,
) -> Option<T> {
    let value = props.get(key)?;
    let Ok(n) = value.trim().parse::<T>() else {
        errors.push(SettingError::new(
            key,
            format!(
                "Invalid value {value} for configuration {key}: Not a number of type {type_name}"
            ),
        ));
        return None;
    };
    if n.as_i64() != i64::from(BROKER_DEFAULT) && n.as_i64() < 1 {
        let reason = if key.ends_with(PARTITIONS) {
            "Number of partitions must be positive, or -1 to use the broker's default"
        } else {
            "Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"
        };
        errors.push(SettingError::new(
            key,
            format!(
                "Invalid value {} for configuration {key}: {reason}",
                n.as_i64()
            ),
        ));
        return None;
    }
    Some(n)
}

/// The integer types the two numeric keys use.
trait NumberRange: std::str::FromStr + Copy {
    fn as_i64(self) -> i64;
}

impl NumberRange for i16 {
    fn as_i64(self) -> i64 {
        i64::from(self)
    }
}

impl NumberRange for i32 {
    fn as_i64(self) -> i64 {
        i64::from(self)
    }
}

/// An include/exclude list as one whole-name regex (Kafka joins the list with `|`
/// and uses `Matcher.matches`); `None` for an empty list, which matches nothing.
fn regex_list(
    props: &BTreeMap<String, String>,
    key: &str,
    errors: &mut Vec<SettingError>,
) -> Option<Regex> {
    let list = props
        .get(key)
        .map(|v| crate::config::worker::split_list(v))
        .unwrap_or_default();
    for pattern in &list {
        if let Err(e) = Regex::new(pattern) {
            errors.push(SettingError::new(
                key,
                format!(
                    "Invalid value [{}] for configuration {key}: Syntax error in regular expression: {e}",
                    list.join(", ")
                ),
            ));
            return None;
        }
    }
    anchored(&list)
}

fn anchored(list: &[String]) -> Option<Regex> {
    if list.is_empty() {
        return None;
    }
    let alternatives: Vec<String> = list.iter().map(|p| format!("(?:{p})")).collect();
    Regex::new(&format!("^(?:{})$", alternatives.join("|"))).ok()
}

/// Kafka's `topicCreationOtherConfigs`: every `topic.creation.<group>.<key>` that
/// is not include, exclude, replication.factor or partitions.
fn other_configs(props: &BTreeMap<String, String>, group: &str) -> BTreeMap<String, String> {
    let prefix = format!("{PREFIX}{group}.");
    props
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?, v)))
        .filter(|(k, _)| {
            !k.is_empty() && ![INCLUDE, EXCLUDE, REPLICATION_FACTOR, PARTITIONS].contains(k)
        })
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn two_groups() -> BTreeMap<String, String> {
        props(&[
            ("topic.creation.groups", "compacted,logs"),
            ("topic.creation.default.replication.factor", "1"),
            ("topic.creation.default.partitions", "2"),
            ("topic.creation.default.retention.ms", "3600000"),
            ("topic.creation.compacted.include", "state-.*, config-.*"),
            ("topic.creation.compacted.exclude", "state-tmp"),
            ("topic.creation.compacted.partitions", "5"),
            ("topic.creation.compacted.cleanup.policy", "compact"),
            ("topic.creation.logs.include", "state-.*,logs-.*"),
            ("topic.creation.logs.replication.factor", "-1"),
            ("topic.creation.logs.compression.type", "zstd"),
        ])
    }

    #[test]
    fn a_topic_takes_the_first_matching_group_and_exclude_wins() {
        let settings = TopicCreationSettings::parse(true, &two_groups())
            .expect("valid")
            .expect("enabled");
        assert_eq!(settings.group_for("state-a").name, "compacted");
        assert_eq!(settings.group_for("config-x").name, "compacted");
        // Excluded from `compacted`, so the next group that includes it.
        assert_eq!(settings.group_for("state-tmp").name, "logs");
        assert_eq!(settings.group_for("logs-1").name, "logs");
        assert_eq!(settings.group_for("other").name, "default");
        // Whole-name matches only, as Java's Matcher.matches.
        assert_eq!(settings.group_for("xstate-a").name, "default");
    }

    #[test]
    fn groups_inherit_the_default_numbers_and_keep_their_own_configs() {
        let settings = TopicCreationSettings::parse(true, &two_groups())
            .expect("valid")
            .expect("enabled");
        let compacted = settings.group_for("state-a").new_topic("state-a");
        assert_eq!(compacted.partitions, 5);
        assert_eq!(compacted.replication_factor, 1);
        assert_eq!(compacted.configs, props(&[("cleanup.policy", "compact")]));
        let logs = settings.group_for("logs-1").new_topic("logs-1");
        assert_eq!((logs.partitions, logs.replication_factor), (2, -1));
        assert_eq!(logs.configs, props(&[("compression.type", "zstd")]));
        let other = settings.group_for("other").new_topic("other");
        assert_eq!(other.configs, props(&[("retention.ms", "3600000")]));
        assert_eq!(
            other.to_string(),
            "NewTopic(name=other, numPartitions=2, replicationFactor=1, replicasAssignments=null, configs={retention.ms=3600000})"
        );
    }

    #[test]
    fn off_without_keys_or_when_the_worker_disables_it() {
        assert!(
            TopicCreationSettings::parse(true, &props(&[("topic", "t")]))
                .expect("valid")
                .is_none()
        );
        assert!(
            TopicCreationSettings::parse(false, &two_groups())
                .expect("valid")
                .is_none()
        );
        // Disabled on the worker: only the duplicate-alias check applies.
        assert!(validate(false, &props(&[("topic.creation.default.partitions", "0")])).is_empty());
    }

    #[test]
    fn default_group_include_and_exclude_are_ignored() {
        let mut p = two_groups();
        p.insert("topic.creation.default.exclude".into(), ".*".into());
        p.insert("topic.creation.default.include".into(), "nothing".into());
        let settings = TopicCreationSettings::parse(true, &p)
            .expect("valid")
            .expect("enabled");
        assert_eq!(settings.group_for("other").name, "default");
        assert!(!settings.default.configs.contains_key("exclude"));
    }

    #[test]
    fn an_empty_include_list_matches_nothing() {
        let p = props(&[
            ("topic.creation.groups", "g"),
            ("topic.creation.default.replication.factor", "1"),
            ("topic.creation.default.partitions", "1"),
        ]);
        let settings = TopicCreationSettings::parse(true, &p)
            .expect("valid")
            .expect("enabled");
        assert_eq!(settings.group_for("anything").name, "default");
    }

    #[test]
    fn problems_carry_kafkas_messages() {
        let p = props(&[
            ("topic.creation.groups", "a,b,a"),
            ("topic.creation.default.partitions", "0"),
            ("topic.creation.a.include", "ok,(unclosed"),
            ("topic.creation.a.replication.factor", "40000"),
            ("topic.creation.b.replication.factor", "-2"),
            ("topic.creation.b.partitions", "x"),
        ]);
        let found: BTreeMap<String, String> = validate(true, &p).into_iter().collect();
        assert_eq!(
            found["topic.creation.groups"],
            "Invalid value [a, b, a] for configuration topic.creation.groups: Duplicate alias provided."
        );
        assert_eq!(
            found["topic.creation.default.replication.factor"],
            "Missing required configuration \"topic.creation.default.replication.factor\" which has no default value."
        );
        assert_eq!(
            found["topic.creation.default.partitions"],
            "Invalid value 0 for configuration topic.creation.default.partitions: Number of partitions must be positive, or -1 to use the broker's default"
        );
        assert!(
            found["topic.creation.a.include"].starts_with(
                "Invalid value [ok, (unclosed] for configuration topic.creation.a.include: Syntax error in regular expression: "
            ),
            "{found:?}"
        );
        assert_eq!(
            found["topic.creation.a.replication.factor"],
            "Invalid value 40000 for configuration topic.creation.a.replication.factor: Not a number of type SHORT"
        );
        assert_eq!(
            found["topic.creation.b.replication.factor"],
            "Invalid value -2 for configuration topic.creation.b.replication.factor: Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"
        );
        assert_eq!(
            found["topic.creation.b.partitions"],
            "Invalid value x for configuration topic.creation.b.partitions: Not a number of type INT"
        );
        assert_eq!(
            validate(false, &p),
            vec![(
                "topic.creation.groups".to_string(),
                "Invalid value [a, b, a] for configuration topic.creation.groups: Duplicate alias provided.".to_string()
            )]
        );
    }
}
