//! Connector configs for the first-party plugins, as `(key, value)` lists that go into
//! a `.properties` file, a connector JSON file or a REST body alike.

use std::path::Path;

/// A connector config: `(key, value)` pairs in order.
pub type Config = Vec<(&'static str, String)>;

/// `file-source` reading `file` into `topic`, one task.
pub fn file_source_config(name: &str, file: &Path, topic: &str) -> Config {
    vec![
        ("name", name.to_owned()),
        ("connector.class", "file-source".to_owned()),
        ("tasks.max", "1".to_owned()),
        ("file", file.display().to_string()),
        ("topic", topic.to_owned()),
    ]
}

/// `file-sink` writing `topic` into `file`, one task.
pub fn file_sink_config(name: &str, file: &Path, topic: &str) -> Config {
    vec![
        ("name", name.to_owned()),
        ("connector.class", "file-sink".to_owned()),
        ("tasks.max", "1".to_owned()),
        ("file", file.display().to_string()),
        ("topics", topic.to_owned()),
    ]
}

/// `config` with `key` set to `value` (replaced if present, appended otherwise).
pub fn with(mut config: Config, key: &'static str, value: impl Into<String>) -> Config {
    let value = value.into();
    match config.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => config.push((key, value)),
    }
    config
}

/// `config` without `key`.
pub fn without(mut config: Config, key: &str) -> Config {
    config.retain(|(k, _)| *k != key);
    config
}

/// The config as a flat JSON object of strings (Kafka Connect's config map).
pub fn config_map(config: &[(&str, String)]) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = config
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(map)
}
