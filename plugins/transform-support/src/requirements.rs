//! Kafka's `org.apache.kafka.connect.transforms.util.Requirements`, with its exact
//! messages (Kafka throws `DataException`; here they are fatal plugin errors, which
//! `errors.tolerance` handles per record like Kafka's).

use std::sync::Arc;

use ferry_sdk::{ConnectRecord, PluginError, Schema, Struct, Value};

use crate::java;

/// `requireSchema`: `Schema required for [purpose]`.
pub fn require_schema<'a>(
    schema: Option<&'a Arc<Schema>>,
    purpose: &str,
) -> Result<&'a Arc<Schema>, PluginError> {
    schema.ok_or_else(|| PluginError::fatal(format!("Schema required for [{purpose}]")))
}

/// `requireMap`'s failure for `value`, which is not a map.
pub fn not_a_map(value: &Value, purpose: &str) -> PluginError {
    PluginError::fatal(format!(
        "Only Map objects supported in absence of schema for [{purpose}], found: {}",
        java::class_name(value, None)
    ))
}

/// `requireStruct`'s failure for `value`, which is not a struct. Its schema, when
/// given, names a logical value as Kafka holds it ([`java::class_name`]).
pub fn not_a_struct(value: &Value, schema: Option<&Schema>, purpose: &str) -> PluginError {
    PluginError::fatal(format!(
        "Only Struct objects supported for [{purpose}], found: {}",
        java::class_name(value, schema)
    ))
}

/// `requireMap`: the value must be a map (schemaless records).
pub fn require_map<'a>(
    value: &'a Value,
    purpose: &str,
) -> Result<&'a [(Value, Value)], PluginError> {
    match value {
        Value::Map(entries) => Ok(entries),
        other => Err(not_a_map(other, purpose)),
    }
}

/// `requireStruct`: the value must be a struct (records with a schema).
pub fn require_struct<'a>(value: &'a Value, purpose: &str) -> Result<&'a Struct, PluginError> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(not_a_struct(other, None, purpose)),
    }
}

/// [`require_struct`] for a value whose schema is known: a logical value is named as
/// Kafka holds it (`java.math.BigDecimal`, `java.util.Date`).
pub fn require_struct_of<'a>(
    value: &'a Value,
    schema: Option<&Schema>,
    purpose: &str,
) -> Result<&'a Struct, PluginError> {
    match value {
        Value::Struct(s) => Ok(s),
        other => Err(not_a_struct(other, schema, purpose)),
    }
}

/// `requireSinkRecord`: Ferry's sink records carry their Kafka offset.
pub fn require_sink_record(record: &ConnectRecord, purpose: &str) -> Result<(), PluginError> {
    if record.kafka_offset.is_some() {
        Ok(())
    } else {
        Err(PluginError::fatal(format!(
            "Only SinkRecord supported for [{purpose}], found: org.apache.kafka.connect.source.SourceRecord"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_kafka() {
        let err = require_struct(&Value::from("x"), "cast types").unwrap_err();
        assert_eq!(
            err.message(),
            "Only Struct objects supported for [cast types], found: java.lang.String"
        );
        let err = require_map(&Value::Null, "field extraction").unwrap_err();
        assert_eq!(
            err.message(),
            "Only Map objects supported in absence of schema for [field extraction], found: null"
        );
        assert_eq!(
            require_schema(None, "x").unwrap_err().message(),
            "Schema required for [x]"
        );
    }
}
