//! [`Config`]: a plugin's key/value configuration with typed accessors.

use std::fmt::Display;
use std::str::FromStr;

use crate::error::PluginError;

/// Key/value pairs in the order the user wrote them; values are strings, as in Kafka
/// Connect. Typed getters turn bad values into [`PluginError::Config`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    entries: Vec<(String, String)>,
}

impl Config {
    pub fn new() -> Self {
        Config::default()
    }

    /// The value of `key` (the last one if the key repeats).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key`, or `default`.
    pub fn get_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }

    /// The value of `key`; a config error if missing or blank.
    pub fn require(&self, key: &str) -> Result<&str, PluginError> {
        match self.get(key) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(PluginError::Config(format!(
                "Missing required configuration \"{key}\" which has no default value."
            ))),
        }
    }

    /// Parse `key` with [`FromStr`] (after trimming); `None` if missing.
    pub fn parse<T>(&self, key: &str) -> Result<Option<T>, PluginError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.get(key)
            .map(|v| {
                v.trim().parse().map_err(|e| {
                    PluginError::Config(format!("Invalid value {v} for configuration {key}: {e}"))
                })
            })
            .transpose()
    }

    /// Parse `key`, or return `default` if missing.
    pub fn parse_or<T>(&self, key: &str, default: T) -> Result<T, PluginError>
    where
        T: FromStr,
        T::Err: Display,
    {
        Ok(self.parse(key)?.unwrap_or(default))
    }

    /// A boolean as Kafka parses it (`true`/`false`, any case), or `default`.
    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, PluginError> {
        match self.get(key).map(str::trim) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(PluginError::Config(format!(
                "Invalid value {v} for configuration {key}: Expected value to be either true or false"
            ))),
        }
    }

    /// A comma-separated list as Kafka parses it (items trimmed, empty input = empty
    /// list); `None` if missing.
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).map(|v| {
            if v.trim().is_empty() {
                Vec::new()
            } else {
                v.split(',').map(|s| s.trim().to_string()).collect()
            }
        })
    }

    /// Set `key` (replacing an existing value).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        let key = key.into();
        let value = value.into();
        self.entries.retain(|(k, _)| *k != key);
        self.entries.push((key, value));
        self
    }

    /// Entries whose key starts with `prefix`, with the prefix removed
    /// (Kafka's `originalsWithPrefix`).
    pub fn with_prefix(&self, prefix: &str) -> Config {
        self.entries
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone())))
            .collect()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The raw pairs, as the WIT `config` type.
    pub fn into_entries(self) -> Vec<(String, String)> {
        self.entries
    }
}

impl From<Vec<(String, String)>> for Config {
    fn from(entries: Vec<(String, String)>) -> Self {
        Config { entries }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Config {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Config {
            entries: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

impl From<Config> for Vec<(String, String)> {
    fn from(config: Config) -> Self {
        config.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_access() {
        let c: Config = [
            ("a", "1"),
            ("b", " true "),
            ("l", "x, y ,z"),
            ("a", "2"),
            ("p.q", "v"),
        ]
        .into_iter()
        .collect();
        assert_eq!(c.get("a"), Some("2"));
        assert_eq!(c.parse::<i32>("a"), Ok(Some(2)));
        assert_eq!(c.parse_or::<i32>("missing", 5), Ok(5));
        assert!(c.parse::<i32>("l").is_err());
        assert_eq!(c.bool_or("b", false), Ok(true));
        assert!(c.bool_or("a", false).is_err());
        assert_eq!(c.list("l"), Some(vec!["x".into(), "y".into(), "z".into()]));
        assert!(c.require("missing").is_err());
        assert_eq!(c.with_prefix("p.").get("q"), Some("v"));
    }
}
