//! A connector's `errors.*` settings, read once when its tasks start. Validation
//! (`config::connector`) has already refused malformed values; anything unreadable
//! here falls back to Kafka's default.

use std::collections::BTreeMap;
use std::time::Duration;

/// `errors.tolerance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tolerance {
    /// Any failed record fails the task (Kafka's default).
    None,
    /// Records that fail conversion or transformation are skipped.
    All,
}

/// `errors.deadletterqueue.*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DlqPolicy {
    pub topic: String,
    pub replication_factor: i32,
    pub context_headers: bool,
}

/// Everything the stage executor needs from a connector config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorPolicy {
    /// `errors.retry.timeout`: `None` is -1 (retry forever).
    pub retry_timeout: Option<Duration>,
    /// `errors.retry.delay.max.ms`.
    pub retry_delay_max: Duration,
    pub tolerance: Tolerance,
    /// `errors.log.enable`.
    pub log: bool,
    /// `errors.log.include.messages`.
    pub log_messages: bool,
    pub dlq: Option<DlqPolicy>,
}

impl Default for ErrorPolicy {
    fn default() -> Self {
        Self {
            retry_timeout: Some(Duration::ZERO),
            retry_delay_max: Duration::from_millis(60_000),
            tolerance: Tolerance::None,
            log: false,
            log_messages: false,
            dlq: None,
        }
    }
}

fn flag(props: &BTreeMap<String, String>, key: &str) -> bool {
    props
        .get(key)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

impl ErrorPolicy {
    /// Reads the policy from a connector config.
    pub fn from_props(props: &BTreeMap<String, String>) -> Self {
        let defaults = Self::default();
        let number = |key: &str| props.get(key).and_then(|v| v.trim().parse::<i64>().ok());
        let retry_timeout = match number("errors.retry.timeout") {
            Some(ms) if ms < 0 => None,
            Some(ms) => Some(Duration::from_millis(ms as u64)),
            None => defaults.retry_timeout,
        };
        let retry_delay_max = number("errors.retry.delay.max.ms")
            .filter(|ms| *ms >= 0)
            .map(|ms| Duration::from_millis(ms as u64))
            .unwrap_or(defaults.retry_delay_max);
        let tolerance = match props.get("errors.tolerance").map(|t| t.trim()) {
            Some("all") => Tolerance::All,
            _ => Tolerance::None,
        };
        let dlq = props
            .get("errors.deadletterqueue.topic.name")
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(|topic| DlqPolicy {
                topic: topic.to_string(),
                replication_factor: number("errors.deadletterqueue.topic.replication.factor")
                    .and_then(|r| i32::try_from(r).ok())
                    .unwrap_or(3),
                context_headers: flag(props, "errors.deadletterqueue.context.headers.enable"),
            });
        Self {
            retry_timeout,
            retry_delay_max,
            tolerance,
            log: flag(props, "errors.log.enable"),
            log_messages: flag(props, "errors.log.include.messages"),
            dlq,
        }
    }

    /// Whether a failed record may be skipped instead of failing the task.
    pub fn tolerates_all(&self) -> bool {
        self.tolerance == Tolerance::All
    }
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

    #[test]
    fn defaults_are_kafkas() {
        let policy = ErrorPolicy::from_props(&BTreeMap::new());
        assert_eq!(policy, ErrorPolicy::default());
        assert_eq!(policy.retry_timeout, Some(Duration::ZERO));
        assert_eq!(policy.retry_delay_max, Duration::from_secs(60));
        assert!(!policy.tolerates_all());
    }

    #[test]
    fn reads_every_key() {
        let policy = ErrorPolicy::from_props(&props(&[
            ("errors.retry.timeout", "-1"),
            ("errors.retry.delay.max.ms", "1500"),
            ("errors.tolerance", " all "),
            ("errors.log.enable", "true"),
            ("errors.log.include.messages", "TRUE"),
            ("errors.deadletterqueue.topic.name", " dlq "),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
        ]));
        assert_eq!(policy.retry_timeout, None);
        assert_eq!(policy.retry_delay_max, Duration::from_millis(1500));
        assert_eq!(policy.tolerance, Tolerance::All);
        assert!(policy.log && policy.log_messages);
        assert_eq!(
            policy.dlq,
            Some(DlqPolicy {
                topic: "dlq".into(),
                replication_factor: 1,
                context_headers: true
            })
        );
    }

    #[test]
    fn blank_dlq_topic_means_none() {
        let policy =
            ErrorPolicy::from_props(&props(&[("errors.deadletterqueue.topic.name", "  ")]));
        assert_eq!(policy.dlq, None);
    }
}
