//! Source offset storage, keyed as Kafka Connect keys it: `["<connector>",{partition}]`.

use serde_json::Value;

use crate::plugin::instance::OffsetReader;

/// Why offsets could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum OffsetStoreError {
    #[error("cannot write offsets file {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("source partition is not valid JSON: {0}")]
    Json(String),
    #[error("cannot write offsets to topic {topic}: {reason}")]
    Kafka { topic: String, reason: String },
}

/// Durable source offsets. `commit` returns only once the offsets are durable.
pub trait OffsetStore: OffsetReader {
    /// Stores (partition JSON, offset JSON or None to delete) pairs for `connector`.
    fn commit(
        &self,
        connector: &str,
        offsets: &[(String, Option<String>)],
    ) -> Result<(), OffsetStoreError>;

    /// Every stored offset of `connector` as (partition JSON, offset JSON), as fresh
    /// as the store can read it (for `GET /connectors/{c}/offsets`).
    fn offsets_of(&self, connector: &str) -> Vec<(String, String)>;
}

/// Kafka Connect's offset key: `["<connector>",<partition>]`, compact JSON.
pub fn offset_key(connector: &str, partition_json: &str) -> Result<String, OffsetStoreError> {
    let partition: Value =
        serde_json::from_str(partition_json).map_err(|e| OffsetStoreError::Json(e.to_string()))?;
    Ok(Value::Array(vec![Value::String(connector.to_string()), partition]).to_string())
}

/// Looks up each partition's offset for `connector` in a map keyed by [`offset_key`],
/// as both offset stores keep them.
pub fn lookup(
    data: &std::collections::BTreeMap<String, String>,
    connector: &str,
    partitions: &[String],
) -> Vec<Option<String>> {
    partitions
        .iter()
        .map(|p| {
            offset_key(connector, p)
                .ok()
                .and_then(|k| data.get(&k).cloned())
        })
        .collect()
}

/// Normalizes an offset value to compact JSON.
pub fn normalize(json: &str) -> Result<String, OffsetStoreError> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| OffsetStoreError::Json(e.to_string()))?;
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_kafka_connect() {
        let key =
            offset_key("local-file-source", r#"{ "filename" : "/tmp/in.txt" }"#).expect("valid");
        assert_eq!(key, r#"["local-file-source",{"filename":"/tmp/in.txt"}]"#);
    }
}
