//! Kafka's `ConfigDef` parsing of config values (`ConfigDef.parseType`) and the
//! validators the transforms use, with Kafka's exact `ConfigException` messages.
//!
//! Ferry's host checks types and required keys from a plugin's descriptor; a plugin
//! still parses its raw strings as Kafka does (Java's `String.trim()`, Kafka's list
//! split) and reports its validators' messages, naming the key.

use std::fmt::Display;

use ferry_sdk::{Config, ConfigProblem, PluginError};

use crate::java_regex::Pattern;

/// A config problem: the key it concerns and Kafka's message. A transform's
/// `parse_config` returns the first one, in the `ConfigDef`'s definition order.
pub type KeyedError = (&'static str, PluginError);

/// `validate` from a keyed parse: no problem, or the one it failed with.
pub fn problems<T>(parsed: Result<T, (&str, PluginError)>) -> Vec<ConfigProblem> {
    match parsed {
        Ok(_) => Vec::new(),
        Err((key, e)) => vec![ConfigProblem::new(key, e.message())],
    }
}

/// Java's `String.trim()`: strips every char up to U+0020 from both ends (what
/// `ConfigDef` does to `STRING`, `LIST`, `BOOLEAN` and number values).
pub fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Java's regex `\s`: `[ \t\n\x0B\f\r]`.
pub fn is_java_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r')
}

/// `new ConfigException(name, value, message)`:
/// `Invalid value <value> for configuration <name>: <message>`.
pub fn invalid_value(key: &str, value: impl Display, message: &str) -> PluginError {
    PluginError::config(format!(
        "Invalid value {value} for configuration {key}: {message}"
    ))
}

/// A required key without a value: `ConfigDef.parseValue`'s message.
pub fn missing(key: &str) -> PluginError {
    PluginError::config(format!(
        "Missing required configuration \"{key}\" which has no default value."
    ))
}

/// The raw value of a required key (no default), or [`missing`].
pub fn required<'a>(config: &'a Config, key: &str) -> Result<&'a str, PluginError> {
    config.get(key).ok_or_else(|| missing(key))
}

/// A required `STRING` key as `ConfigDef` parses it: trimmed ([`java_trim`]).
pub fn required_string<'a>(config: &'a Config, key: &str) -> Result<&'a str, PluginError> {
    required(config, key).map(java_trim)
}

/// `ConfigDef.NonEmptyString`: a (trimmed) string value must not be empty.
pub fn non_empty_string<'a>(key: &str, value: &'a str) -> Result<&'a str, PluginError> {
    if value.is_empty() {
        return Err(invalid_value(key, value, "String must be non-empty"));
    }
    Ok(value)
}

/// `ConfigDef.LambdaValidator` of Kafka's `RegexValidator`: a (trimmed) value that
/// Java's `Pattern.compile` accepts, compiled.
pub fn regex(key: &str, value: &str) -> Result<Pattern, PluginError> {
    Pattern::compile(value)
        .map_err(|e| invalid_value(key, value, &format!("Invalid regex: {}", e.message())))
}

/// A `LIST` value as `ConfigDef` parses it: trimmed, blank = the empty list, else
/// split on `\s*,\s*` keeping every item, empty ones included (`split(trimmed, -1)`).
pub fn parse_list(raw: &str) -> Vec<String> {
    let trimmed = java_trim(raw);
    if trimmed.is_empty() {
        return Vec::new();
    }
    trimmed
        .split(',')
        .map(|item| item.trim_matches(is_java_space).to_string())
        .collect()
}

/// A required `LIST` key (no default), parsed by [`parse_list`].
pub fn required_list(config: &Config, key: &str) -> Result<Vec<String>, PluginError> {
    required(config, key).map(parse_list)
}

/// A `BOOLEAN` key as `ConfigDef` parses it: `true`/`false` in any case after
/// [`java_trim`], `default` when unset. The message shows the value untrimmed, as
/// Kafka's does.
pub fn parse_bool(config: &Config, key: &str, default: bool) -> Result<bool, PluginError> {
    match config.get(key) {
        None => Ok(default),
        Some(raw) => {
            let v = java_trim(raw);
            if v.eq_ignore_ascii_case("true") {
                Ok(true)
            } else if v.eq_ignore_ascii_case("false") {
                Ok(false)
            } else {
                Err(invalid_value(
                    key,
                    raw,
                    "Expected value to be either true or false",
                ))
            }
        }
    }
}

/// A list validated by Kafka 4.4's `ValidList.anyNonDuplicateValues(isEmptyAllowed,
/// false)`, as `ConfigDef` hands it over: duplicates removed first (the first
/// occurrence kept; Kafka logs a warning), so the validator's duplicate check cannot
/// fire; then an empty list is refused unless `is_empty_allowed`, and an empty item
/// always.
pub fn any_non_duplicate_values(
    key: &str,
    mut items: Vec<String>,
    is_empty_allowed: bool,
) -> Result<Vec<String>, PluginError> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.clone()));
    if !is_empty_allowed && items.is_empty() {
        return Err(PluginError::config(format!(
            "Configuration '{key}' must not be empty. Valid values include: any non-empty value"
        )));
    }
    if items.iter().any(String::is_empty) {
        return Err(PluginError::config(format!(
            "Configuration '{key}' values must not be empty."
        )));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Config {
        pairs.iter().copied().collect()
    }

    #[test]
    fn trims_as_java_does() {
        assert_eq!(java_trim("\u{1} a b\t\u{20}"), "a b");
        assert_eq!(java_trim("\u{a0}a\u{a0}"), "\u{a0}a\u{a0}");
    }

    #[test]
    fn lists_split_on_commas_with_java_whitespace_and_keep_empty_items() {
        assert_eq!(parse_list(" a , b c ,d"), vec!["a", "b c", "d"]);
        assert_eq!(parse_list("a,,b,"), vec!["a", "", "b", ""]);
        assert_eq!(parse_list(" \t"), Vec::<String>::new());
        assert_eq!(parse_list("a ,\u{1} b"), vec!["a", "\u{1} b"]);
    }

    #[test]
    fn booleans_and_their_message() {
        let c = config(&[("b", " TRUE "), ("x", " maybe ")]);
        assert!(parse_bool(&c, "b", false).unwrap());
        assert!(parse_bool(&c, "unset", true).unwrap());
        assert!(!parse_bool(&c, "unset", false).unwrap());
        assert_eq!(
            parse_bool(&c, "x", true).unwrap_err().message(),
            "Invalid value  maybe  for configuration x: Expected value to be either true or false"
        );
    }

    #[test]
    fn required_keys() {
        let c = config(&[("s", " v ")]);
        assert_eq!(required_string(&c, "s").unwrap(), "v");
        assert_eq!(
            required(&c, "k").unwrap_err().message(),
            "Missing required configuration \"k\" which has no default value."
        );
        assert_eq!(
            non_empty_string("k", "").unwrap_err().message(),
            "Invalid value  for configuration k: String must be non-empty"
        );
    }

    #[test]
    fn valid_list_messages() {
        let items = |s: &str| parse_list(s);
        assert_eq!(
            any_non_duplicate_values("f", items("a,b,a"), false).unwrap(),
            vec!["a", "b"]
        );
        assert_eq!(
            any_non_duplicate_values("f", items(""), false)
                .unwrap_err()
                .message(),
            "Configuration 'f' must not be empty. Valid values include: any non-empty value"
        );
        assert!(
            any_non_duplicate_values("f", items(""), true)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            any_non_duplicate_values("f", items("a,,b"), true)
                .unwrap_err()
                .message(),
            "Configuration 'f' values must not be empty."
        );
    }

    #[test]
    fn regex_message() {
        assert!(regex("regex", "a+").is_ok());
        let syntax = Pattern::compile("(").unwrap_err();
        assert_eq!(
            regex("regex", "(").unwrap_err().message(),
            format!(
                "Invalid value ( for configuration regex: Invalid regex: {}",
                syntax.message()
            )
        );
    }
}
