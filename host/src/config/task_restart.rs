//! Ferry's automatic restart of failed tasks (an extension: Kafka Connect has none).
//! Opt-in per connector: `ferry.task.restart.max.attempts` (0 = off), with an
//! exponential backoff from `ferry.task.restart.backoff.ms` capped at
//! `ferry.task.restart.backoff.max.ms`.

use std::collections::BTreeMap;
use std::time::Duration;

pub const MAX_ATTEMPTS: &str = "ferry.task.restart.max.attempts";
pub const BACKOFF_MS: &str = "ferry.task.restart.backoff.ms";
pub const BACKOFF_MAX_MS: &str = "ferry.task.restart.backoff.max.ms";

pub const DEFAULT_BACKOFF_MS: u64 = 1000;
pub const DEFAULT_BACKOFF_MAX_MS: u64 = 60_000;

/// How a connector's failed tasks are restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Restarts in a row before giving up; 0 = never restart.
    pub max_attempts: u32,
    pub backoff: Duration,
    pub backoff_max: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 0,
            backoff: Duration::from_millis(DEFAULT_BACKOFF_MS),
            backoff_max: Duration::from_millis(DEFAULT_BACKOFF_MAX_MS),
        }
    }
}

impl RestartPolicy {
    /// The policy a connector config asks for; the errors are (key, message) in
    /// Kafka's "Invalid value X for configuration K: …" form.
    pub fn parse(props: &BTreeMap<String, String>) -> Result<Self, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let max_attempts = number(props, MAX_ATTEMPTS, "INT", &mut errors)
            .map(|n: i32| n as i64)
            .unwrap_or(0);
        let backoff =
            number(props, BACKOFF_MS, "LONG", &mut errors).unwrap_or(DEFAULT_BACKOFF_MS as i64);
        let backoff_max = number(props, BACKOFF_MAX_MS, "LONG", &mut errors)
            .unwrap_or(DEFAULT_BACKOFF_MAX_MS as i64);
        let mut at_least = |key: &str, value: i64, min: i64, what: String| {
            if value < min {
                errors.push((
                    key.to_string(),
                    format!("Invalid value {value} for configuration {key}: Value must be at least {what}"),
                ));
            }
        };
        at_least(MAX_ATTEMPTS, max_attempts, 0, "0".into());
        at_least(BACKOFF_MS, backoff, 1, "1".into());
        if props.contains_key(BACKOFF_MAX_MS) {
            at_least(
                BACKOFF_MAX_MS,
                backoff_max,
                backoff.max(1),
                format!("{BACKOFF_MS} ({backoff})"),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let backoff = Duration::from_millis(backoff as u64);
        Ok(Self {
            max_attempts: max_attempts as u32,
            backoff,
            // An initial delay above the default cap raises the cap with it.
            backoff_max: Duration::from_millis(backoff_max as u64).max(backoff),
        })
    }

    pub fn enabled(&self) -> bool {
        self.max_attempts > 0
    }

    /// The delay before restart `attempt` (from 1): doubling from `backoff`,
    /// capped at `backoff_max`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.backoff.saturating_mul(factor).min(self.backoff_max)
    }
}

/// The restart keys' problems, for connector validation.
pub fn validate(props: &BTreeMap<String, String>) -> Vec<(String, String)> {
    RestartPolicy::parse(props).err().unwrap_or_default()
}

fn number<T: std::str::FromStr>(
    props: &BTreeMap<String, String>,
    key: &str,
    type_name: &str,
    errors: &mut Vec<(String, String)>,
) -> Option<T> {
    let value = props.get(key)?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push((
                key.to_string(),
                format!("Invalid value {value} for configuration {key}: Not a number of type {type_name}"),
            ));
            None
        }
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
    fn off_by_default_with_kafka_like_defaults() {
        let policy = RestartPolicy::parse(&props(&[])).expect("valid");
        assert!(!policy.enabled());
        assert_eq!(policy, RestartPolicy::default());
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RestartPolicy::parse(&props(&[
            (MAX_ATTEMPTS, "10"),
            (BACKOFF_MS, "500"),
            (BACKOFF_MAX_MS, "3000"),
        ]))
        .expect("valid");
        let delays: Vec<u64> = (1..=6)
            .map(|a| policy.delay(a).as_millis() as u64)
            .collect();
        assert_eq!(delays, [500, 1000, 2000, 3000, 3000, 3000]);
        assert_eq!(policy.delay(200), Duration::from_millis(3000));
    }

    #[test]
    fn an_initial_delay_above_the_default_cap_raises_it() {
        let policy = RestartPolicy::parse(&props(&[(MAX_ATTEMPTS, "1"), (BACKOFF_MS, "90000")]))
            .expect("valid");
        assert_eq!(policy.delay(3), Duration::from_millis(90_000));
    }

    #[test]
    fn bad_values_carry_kafka_style_messages() {
        let errors: BTreeMap<String, String> = validate(&props(&[
            (MAX_ATTEMPTS, "-1"),
            (BACKOFF_MS, "soon"),
            (BACKOFF_MAX_MS, "0"),
        ]))
        .into_iter()
        .collect();
        assert_eq!(
            errors[MAX_ATTEMPTS],
            "Invalid value -1 for configuration ferry.task.restart.max.attempts: Value must be at least 0"
        );
        assert_eq!(
            errors[BACKOFF_MS],
            "Invalid value soon for configuration ferry.task.restart.backoff.ms: Not a number of type LONG"
        );
        assert_eq!(
            errors[BACKOFF_MAX_MS],
            "Invalid value 0 for configuration ferry.task.restart.backoff.max.ms: Value must be at least ferry.task.restart.backoff.ms (1000)"
        );
    }
}
