//! `SinkRecord.toString()` / `SourceRecord.toString()` as Kafka prints them, over the
//! Java objects Kafka's JsonConverter would hold for Ferry's values.

use std::fmt::Write;

use ferry_sdk::logical::{LogicalType, decimal_to_string};
use ferry_sdk::{ConnectRecord, Schema, SchemaType, Value};
use transform_support::date_format::DateFormat;
use transform_support::java_number::{double_to_string, float_to_string};

const MILLIS_PER_DAY: i64 = 86_400_000;

/// `ConnectSchema.toString()`: `Schema{name:TYPE}` or `Schema{TYPE}`.
fn schema_string(schema: Option<&Schema>) -> String {
    let Some(schema) = schema else {
        return "null".into();
    };
    let kind = match schema.kind {
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
    };
    match &schema.name {
        Some(name) => format!("Schema{{{name}:{kind}}}"),
        None => format!("Schema{{{kind}}}"),
    }
}

/// `java.util.Date.toString()` in UTC: `Thu Jan 01 00:00:00 UTC 1970`.
fn date_string(millis: i64) -> String {
    DateFormat::new("EEE MMM dd HH:mm:ss zzz yyyy")
        .map(|f| f.format(millis))
        .unwrap_or_default()
}

/// `String.valueOf(object)` for the Java object holding `value`.
fn value_string(out: &mut String, schema: Option<&Schema>, value: &Value) {
    let logical = schema.and_then(Schema::logical_type);
    match (value, logical) {
        (Value::Null, _) => out.push_str("null"),
        (Value::Int32(days), Some(LogicalType::Date)) => {
            out.push_str(&date_string(i64::from(*days) * MILLIS_PER_DAY));
        }
        (Value::Int32(ms), Some(LogicalType::Time)) => out.push_str(&date_string(i64::from(*ms))),
        (Value::Int64(ms), Some(LogicalType::Timestamp)) => out.push_str(&date_string(*ms)),
        (Value::Bytes(b), Some(LogicalType::Decimal { scale })) => {
            out.push_str(&decimal_to_string(b, scale));
        }
        (Value::Boolean(b), _) => {
            let _ = write!(out, "{b}");
        }
        (Value::Int8(v), _) => {
            let _ = write!(out, "{v}");
        }
        (Value::Int16(v), _) => {
            let _ = write!(out, "{v}");
        }
        (Value::Int32(v), _) => {
            let _ = write!(out, "{v}");
        }
        (Value::Int64(v), _) => {
            let _ = write!(out, "{v}");
        }
        (Value::Float32(v), _) => out.push_str(&float_to_string(*v)),
        (Value::Float64(v), _) => out.push_str(&double_to_string(*v)),
        (Value::String(s), _) => out.push_str(s),
        // A byte[] prints its identity hash, which cannot be reproduced.
        (Value::Bytes(_), _) => out.push_str("[B@0"),
        (Value::Array(items), _) => {
            let element = schema.and_then(|s| s.value_schema.as_deref());
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value_string(out, element, item);
            }
            out.push(']');
        }
        (Value::Map(entries), _) => {
            let key_schema = schema.and_then(|s| s.key_schema.as_deref());
            let value_schema = schema.and_then(|s| s.value_schema.as_deref());
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value_string(out, key_schema, k);
                out.push('=');
                value_string(out, value_schema, v);
            }
            out.push('}');
        }
        (Value::Struct(s), _) => {
            out.push_str("Struct{");
            let mut first = true;
            for (field, v) in s.iter() {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&field.name);
                out.push('=');
                value_string(out, Some(&field.schema), v);
            }
            out.push('}');
        }
    }
}

fn value_to_string(schema: Option<&Schema>, value: &Value) -> String {
    let mut out = String::new();
    value_string(&mut out, schema, value);
    out
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "null".to_string(), |v| v.to_string())
}

/// The record's `toString()`: a `SinkRecord` when it has a Kafka offset, else a
/// `SourceRecord`.
pub fn record_to_string(record: &ConnectRecord) -> String {
    let mut out = String::new();
    match record.kafka_offset {
        Some(offset) => {
            let timestamp_type = if record.timestamp.is_some() {
                "CreateTime"
            } else {
                "NoTimestampType"
            };
            let _ = write!(
                out,
                "SinkRecord{{kafkaOffset={offset}, timestampType={timestamp_type}, originalTopic={}, originalKafkaPartition={}, originalKafkaOffset={offset}}} ",
                record.topic,
                opt(record.partition)
            );
        }
        None => {
            let _ = write!(
                out,
                "SourceRecord{{sourcePartition={}, sourceOffset={}}} ",
                record.source_partition.as_deref().unwrap_or("null"),
                record.source_offset.as_deref().unwrap_or("null")
            );
        }
    }
    let headers = if record.headers.is_empty() {
        String::new()
    } else {
        let items: Vec<String> = record
            .headers
            .iter()
            .map(|h| {
                format!(
                    "ConnectHeader(key={}, value={}, schema={})",
                    h.key,
                    value_to_string(h.schema.as_deref(), &h.value),
                    schema_string(h.schema.as_deref())
                )
            })
            .collect();
        format!("[{}]", items.join(", "))
    };
    let _ = write!(
        out,
        "ConnectRecord{{topic='{}', kafkaPartition={}, key={}, keySchema={}, value={}, valueSchema={}, timestamp={}, headers=ConnectHeaders(headers={headers})}}",
        record.topic,
        opt(record.partition),
        value_to_string(record.key_schema.as_deref(), &record.key),
        schema_string(record.key_schema.as_deref()),
        value_to_string(record.value_schema.as_deref(), &record.value),
        schema_string(record.value_schema.as_deref()),
        opt(record.timestamp),
    );
    out
}
