//! Java class names as Kafka's error messages print them (`value.getClass().getName()`),
//! for the Java object a Connect value is in Kafka, and the names of Kafka's
//! `Schema.Type` constants.

use ferry_sdk::{Schema, SchemaType, Value};

/// A `Schema.Type` as Java prints it (`schema.type()`: `INT32`, `FLOAT64`, `STRUCT`, …).
pub fn schema_type_name(kind: SchemaType) -> &'static str {
    match kind {
        SchemaType::Int8 => "INT8",
        SchemaType::Int16 => "INT16",
        SchemaType::Int32 => "INT32",
        SchemaType::Int64 => "INT64",
        SchemaType::Float32 => "FLOAT32",
        SchemaType::Float64 => "FLOAT64",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "STRING",
        SchemaType::Bytes => "BYTES",
        SchemaType::Array => "ARRAY",
        SchemaType::Map => "MAP",
        SchemaType::Struct => "STRUCT",
    }
}

/// The Java class Kafka Connect would hold `value` in. A schema, when known, tells
/// logical types apart (a Decimal is a `java.math.BigDecimal`, a Date, Time or
/// Timestamp a `java.util.Date`). Schemaless maps and lists are what Kafka's
/// JsonConverter builds (`java.util.HashMap`, `java.util.ArrayList`).
pub fn class_name(value: &Value, schema: Option<&Schema>) -> &'static str {
    if let Some(name) = schema.and_then(|s| s.name.as_deref()) {
        match name {
            "org.apache.kafka.connect.data.Decimal" => return "java.math.BigDecimal",
            "org.apache.kafka.connect.data.Date"
            | "org.apache.kafka.connect.data.Time"
            | "org.apache.kafka.connect.data.Timestamp" => return "java.util.Date",
            _ => {}
        }
    }
    match value {
        Value::Null => "null",
        Value::Boolean(_) => "java.lang.Boolean",
        Value::Int8(_) => "java.lang.Byte",
        Value::Int16(_) => "java.lang.Short",
        Value::Int32(_) => "java.lang.Integer",
        Value::Int64(_) => "java.lang.Long",
        Value::Float32(_) => "java.lang.Float",
        Value::Float64(_) => "java.lang.Double",
        Value::String(_) => "java.lang.String",
        Value::Bytes(_) => "[B",
        Value::Array(_) => "java.util.ArrayList",
        Value::Map(_) => "java.util.HashMap",
        Value::Struct(_) => "org.apache.kafka.connect.data.Struct",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_type_names_are_the_java_constants() {
        use SchemaType::*;
        for kind in [
            Int8, Int16, Int32, Int64, Float32, Float64, Boolean, String, Bytes, Array, Map, Struct,
        ] {
            // The Java constant is the Rust variant's name in upper case.
            assert_eq!(schema_type_name(kind), format!("{kind:?}").to_uppercase());
        }
    }
}
