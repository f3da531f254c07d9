//! Kafka's `Cast` transform (`Cast$Key` / `Cast$Value`), one generic type over the
//! [`Side`] it operates on.
//!
//! Casts the whole key/value (`spec=int32`) or fields of a struct / schemaless map
//! (`spec=a:int8,b:string`) to a primitive type, with Kafka's Java conversions:
//! narrowing as Java's casts, strings parsed by `Integer.parseInt` & co., floats
//! printed by `Float.toString`/`Double.toString`, bytes to Base64, Decimals through
//! `BigDecimal`, Date/Time/Timestamp to ISO-8601 text (`Values.dateFormatFor`) or to
//! their numeric form. Null keys/values pass through untouched.

mod java;

use std::marker::PhantomData;
use std::sync::Arc;

use ferry_sdk::logical::LogicalType;
use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, SchemaType, Struct, Transform, Value,
};
use transform_support::connect_schema::check_null_allowed;
use transform_support::requirements::{require_map, require_struct};
use transform_support::schema_util::copy_schema_basics;
pub use transform_support::{KeySide, Side, ValueSide};
use transform_support::{SchemaCache, date_format};

pub const SPEC_CONFIG: &str = "spec";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const PURPOSE: &str = "cast types";

/// Kafka's `Cast.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str = "Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a smaller \
width. Cast from integers, floats, boolean and string to any other type, \
and cast binary to string (base64 encoded).\
<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.Cast$Key</code>) \
or value (<code>org.apache.kafka.connect.transforms.Cast$Value</code>).";

const SPEC_DOC: &str = "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of \
Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, \
int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.";

const REPLACE_NULL_DOC: &str = "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.";

const SUPPORTED_INPUT: &str =
    "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]";
const SUPPORTED_OUTPUT: &str = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";

/// Kafka's `Schema.Type` names (`SchemaType::name` gives the JSON ones).
fn type_name(t: SchemaType) -> &'static str {
    match t {
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

/// `Schema.Type.valueOf(name)`.
fn type_of(name: &str) -> Option<SchemaType> {
    [
        SchemaType::Int8,
        SchemaType::Int16,
        SchemaType::Int32,
        SchemaType::Int64,
        SchemaType::Float32,
        SchemaType::Float64,
        SchemaType::Boolean,
        SchemaType::String,
        SchemaType::Bytes,
        SchemaType::Array,
        SchemaType::Map,
        SchemaType::Struct,
    ]
    .into_iter()
    .find(|t| type_name(*t) == name)
}

/// Java's `String.trim()`.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// A `ConfigDef.Type.LIST` value as Kafka parses it: trimmed, split on commas with
/// surrounding whitespace, empty text = empty list.
fn parse_list(value: &str) -> Vec<String> {
    let trimmed = java_trim(value);
    if trimmed.is_empty() {
        return Vec::new();
    }
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r');
    trimmed
        .split(',')
        .map(|item| item.trim_matches(is_ws).to_string())
        .collect()
}

/// Java's `s.split(":")`: trailing empty strings removed (an input without `:` is
/// kept whole, even when empty).
fn java_split_colon(s: &str) -> Vec<&str> {
    if !s.contains(':') {
        return vec![s];
    }
    let mut parts: Vec<&str> = s.split(':').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    parts
}

fn valid_output_type(t: SchemaType) -> Result<SchemaType, PluginError> {
    if matches!(
        t,
        SchemaType::Bytes | SchemaType::Array | SchemaType::Map | SchemaType::Struct
    ) {
        return Err(PluginError::config(format!(
            "Cast transformation does not support casting to {}; supported types are {SUPPORTED_OUTPUT}",
            type_name(t)
        )));
    }
    Ok(t)
}

fn parse_type(text: &str) -> Result<SchemaType, PluginError> {
    let name = java_trim(text);
    let upper = name.to_uppercase();
    // Kafka passes the IllegalArgumentException as the "value" of a
    // ConfigException(name, value): hence the odd message.
    type_of(&upper).ok_or_else(|| {
        PluginError::config(format!(
            "Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.{upper} for configuration Invalid type found in casting spec: {name}"
        ))
    })
}

/// The parsed spec: the whole-value type, or field casts (first occurrence order;
/// later duplicates replace the type, as in Kafka's `HashMap`).
#[derive(Clone, Debug, Default, PartialEq)]
struct Casts {
    whole: Option<SchemaType>,
    fields: Vec<(String, SchemaType)>,
}

impl Casts {
    fn get(&self, field: &str) -> Option<SchemaType> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, t)| *t)
    }
}

/// `Cast.parseFieldTypes`, with the spec's validator message for an empty list.
fn parse_spec(spec: &str) -> Result<Casts, PluginError> {
    let mappings = parse_list(spec);
    if mappings.is_empty() {
        return Err(PluginError::config(
            "Must specify at least one field to cast.",
        ));
    }
    let mut casts = Casts::default();
    let mut whole_value = false;
    for mapping in &mappings {
        let parts = java_split_colon(mapping);
        if parts.len() > 2 {
            return Err(PluginError::config(format!(
                "Invalid value [{}] for configuration renames: Invalid rename mapping: {mapping}",
                mappings.join(", ")
            )));
        }
        match parts.as_slice() {
            [whole] => {
                casts.whole = Some(valid_output_type(parse_type(whole)?)?);
                whole_value = true;
            }
            [field, kind] => {
                let kind = valid_output_type(parse_type(kind)?)?;
                let field = java_trim(field);
                match casts.fields.iter_mut().find(|(f, _)| f == field) {
                    Some(entry) => entry.1 = kind,
                    None => casts.fields.push((field.to_string(), kind)),
                }
            }
            // `"::".split(":")` is empty: Kafka then reads parts[1].
            _ => return Err(PluginError::config("Index 1 out of bounds for length 0")),
        }
    }
    if whole_value && mappings.len() > 1 {
        return Err(PluginError::config(
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec",
        ));
    }
    Ok(casts)
}

/// The transform.
pub struct Cast<S: Side> {
    casts: Casts,
    replace_null_with_default: bool,
    schema_update_cache: SchemaCache,
    side: PhantomData<S>,
}

fn parse_config<S: Side>(config: &Config) -> Result<Cast<S>, PluginError> {
    let Some(spec) = config.get(SPEC_CONFIG) else {
        return Err(PluginError::config(format!(
            "Missing required configuration \"{SPEC_CONFIG}\" which has no default value."
        )));
    };
    let casts = parse_spec(spec)?;
    Ok(Cast {
        casts,
        replace_null_with_default: config.bool_or(REPLACE_NULL_WITH_DEFAULT_CONFIG, true)?,
        schema_update_cache: SchemaCache::new(),
        side: PhantomData,
    })
}

impl<S: Side> Plugin for Cast<S> {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation(S::plugin_name("cast"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("Cast"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::list(SPEC_CONFIG)
                    .required()
                    .importance(Importance::High)
                    .doc(SPEC_DOC),
            )
            .config(
                ConfigKey::boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG)
                    .default_value("true")
                    .importance(Importance::Medium)
                    .doc(REPLACE_NULL_DOC),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match parse_config::<S>(config) {
            Ok(_) => Vec::new(),
            Err(e) => {
                let key = if e.message().contains(REPLACE_NULL_WITH_DEFAULT_CONFIG) {
                    REPLACE_NULL_WITH_DEFAULT_CONFIG
                } else {
                    SPEC_CONFIG
                };
                vec![ConfigProblem::new(key, e.message())]
            }
        }
    }
}

impl<S: Side> Transform for Cast<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let (schema, value) = S::operating(&mut record);
        if value.is_null() {
            return Ok(Some(record));
        }
        match schema.clone() {
            None => {
                let updated = self.apply_schemaless(value)?;
                *value = updated;
            }
            Some(input_schema) => {
                let updated_schema = self.updated_schema(&input_schema)?;
                let updated = self.apply_with_schema(&input_schema, value, &updated_schema)?;
                *schema = Some(updated_schema);
                *value = updated;
            }
        }
        Ok(Some(record))
    }
}

impl<S: Side> Cast<S> {
    fn apply_schemaless(&self, value: &Value) -> Result<Value, PluginError> {
        if let Some(whole) = self.casts.whole {
            return cast_value(None, value, whole);
        }
        let entries = require_map(value, PURPOSE)?;
        let mut updated = entries.to_vec();
        for (field, kind) in &self.casts.fields {
            let original = entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(field))
                .map_or(&Value::Null, |(_, v)| v);
            let cast = cast_value(None, original, *kind)?;
            match updated.iter_mut().find(|(k, _)| k.as_str() == Some(field)) {
                Some(entry) => entry.1 = cast,
                None => updated.push((Value::from(field.as_str()), cast)),
            }
        }
        Ok(Value::Map(updated))
    }

    fn apply_with_schema(
        &self,
        schema: &Arc<Schema>,
        value: &Value,
        updated_schema: &Arc<Schema>,
    ) -> Result<Value, PluginError> {
        if let Some(whole) = self.casts.whole {
            return cast_value(Some(schema), value, whole);
        }
        let original = require_struct(value, PURPOSE)?;
        let mut updated = Struct::new(Arc::clone(updated_schema));
        for (field, stored) in original.iter() {
            let field_value = if self.replace_null_with_default {
                original.get_field(field).unwrap_or(stored)
            } else {
                stored
            };
            let new_value = match self.casts.get(&field.name) {
                Some(kind) => cast_value(Some(&field.schema), field_value, kind)?,
                None => field_value.clone(),
            };
            if let Some(out_field) = updated_schema.field_named(&field.name) {
                check_null_allowed(&field.name, &out_field.schema, &new_value)?;
            }
            updated
                .put(&field.name, new_value)
                .map_err(|e| PluginError::fatal(e.to_string()))?;
        }
        Ok(Value::Struct(updated))
    }

    /// `getOrBuildSchema`.
    fn updated_schema(&mut self, schema: &Arc<Schema>) -> Result<Arc<Schema>, PluginError> {
        let casts = &self.casts;
        self.schema_update_cache
            .get_or_try_insert(schema, |schema| {
                let mut builder;
                if let Some(whole) = casts.whole {
                    builder = copy_schema_basics(schema);
                    builder.kind = whole;
                    builder.value_schema = None;
                } else {
                    if schema.kind != SchemaType::Struct {
                        return Err(PluginError::fatal("Cannot list fields on non-struct type"));
                    }
                    builder = copy_schema_basics(schema);
                    builder.kind = SchemaType::Struct;
                    builder.value_schema = None;
                    for field in &schema.fields {
                        match casts.get(&field.name) {
                            Some(kind) => {
                                let mut field_schema = Schema::new(kind);
                                if field.schema.optional {
                                    field_schema.optional = true;
                                }
                                if let Some(default) = &field.schema.default {
                                    field_schema.default =
                                        Some(cast_value(Some(&field.schema), default, kind)?);
                                }
                                builder = builder.field(field.name.clone(), field_schema);
                            }
                            None => {
                                builder =
                                    builder.field(field.name.clone(), Arc::clone(&field.schema))
                            }
                        }
                    }
                }
                if schema.optional {
                    builder.optional = true;
                }
                if let Some(default) = &schema.default {
                    builder.default = Some(cast_value(Some(schema), default, builder.kind)?);
                }
                Ok(builder.into_arc())
            })
    }
}

/// The Java object Kafka holds for a Connect value, as far as `Cast` cares.
enum JavaValue<'a> {
    Long(i64),
    Float(f32),
    Double(f64),
    Boolean(bool),
    Text(&'a str),
    Bytes(&'a [u8]),
    Decimal(java::Decimal<'a>),
    /// A `java.util.Date` (Date, Time and Timestamp values), in milliseconds.
    Date(i64),
}

const MILLIS_PER_DAY: i64 = 86_400_000;

fn unexpected_bytes() -> PluginError {
    PluginError::fatal("Unexpected type in Cast transformation: class [B")
}

fn out_of_range(text: &str) -> PluginError {
    PluginError::fatal(format!(
        "Value ({text}) was out of range for requested data type"
    ))
}

/// `Cast.castValueToType(schema, value, targetType)`.
fn cast_value(
    schema: Option<&Schema>,
    value: &Value,
    target: SchemaType,
) -> Result<Value, PluginError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let inferred = match schema {
        Some(s) => s.kind,
        None => value.schema_type().unwrap_or(SchemaType::String),
    };
    if matches!(
        inferred,
        SchemaType::Array | SchemaType::Map | SchemaType::Struct
    ) {
        return Err(PluginError::fatal(format!(
            "Cast transformation does not support casting from {}; supported types are {SUPPORTED_INPUT}",
            type_name(inferred)
        )));
    }
    let logical = schema.and_then(Schema::logical_type);
    let v = match (value, logical) {
        (Value::Bytes(b), Some(LogicalType::Decimal { scale })) => {
            JavaValue::Decimal(java::Decimal { unscaled: b, scale })
        }
        // encodeLogicalType only runs for non-string targets; it gives back the
        // physical number, which is what Ferry holds already.
        (Value::Int32(days), Some(LogicalType::Date)) if target == SchemaType::String => {
            JavaValue::Date(i64::from(*days) * MILLIS_PER_DAY)
        }
        (Value::Int32(millis), Some(LogicalType::Time)) if target == SchemaType::String => {
            JavaValue::Date(i64::from(*millis))
        }
        (Value::Int64(millis), Some(LogicalType::Timestamp)) if target == SchemaType::String => {
            JavaValue::Date(*millis)
        }
        (Value::Int8(v), _) => JavaValue::Long(i64::from(*v)),
        (Value::Int16(v), _) => JavaValue::Long(i64::from(*v)),
        (Value::Int32(v), _) => JavaValue::Long(i64::from(*v)),
        (Value::Int64(v), _) => JavaValue::Long(*v),
        (Value::Float32(v), _) => JavaValue::Float(*v),
        (Value::Float64(v), _) => JavaValue::Double(*v),
        (Value::Boolean(b), _) => JavaValue::Boolean(*b),
        (Value::String(s), _) => JavaValue::Text(s),
        (Value::Bytes(b), _) => JavaValue::Bytes(b),
        (Value::Null | Value::Array(_) | Value::Map(_) | Value::Struct(_), _) => {
            return Err(PluginError::fatal(format!(
                "Cast transformation does not support casting from {}; supported types are {SUPPORTED_INPUT}",
                type_name(value.schema_type().unwrap_or(SchemaType::Struct))
            )));
        }
    };
    // Number.intValue() / longValue() for every Number kind.
    let int_value = |v: &JavaValue| -> Option<i64> {
        Some(match v {
            JavaValue::Long(l) => *l,
            JavaValue::Float(f) => i64::from(*f as i32),
            JavaValue::Double(d) => i64::from(*d as i32),
            JavaValue::Decimal(d) => i64::from(d.int_value()),
            _ => return None,
        })
    };
    Ok(match target {
        SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 => {
            let (min, max) = match target {
                SchemaType::Int8 => (i64::from(i8::MIN), i64::from(i8::MAX)),
                SchemaType::Int16 => (i64::from(i16::MIN), i64::from(i16::MAX)),
                _ => (i64::from(i32::MIN), i64::from(i32::MAX)),
            };
            let n = match &v {
                JavaValue::Boolean(b) => i64::from(*b),
                JavaValue::Text(s) => {
                    java::parse_integer(s, min, max).ok_or_else(|| out_of_range(s))?
                }
                JavaValue::Bytes(_) | JavaValue::Date(_) => return Err(unexpected_bytes()),
                // Long.byteValue() is (byte) of the long; the others narrow intValue().
                JavaValue::Long(l) => *l,
                other => int_value(other).unwrap_or(0),
            };
            match target {
                SchemaType::Int8 => Value::Int8(n as i8),
                SchemaType::Int16 => Value::Int16(n as i16),
                _ => Value::Int32(n as i32),
            }
        }
        SchemaType::Int64 => Value::Int64(match &v {
            JavaValue::Long(l) => *l,
            JavaValue::Float(f) => *f as i64,
            JavaValue::Double(d) => *d as i64,
            JavaValue::Decimal(d) => d.long_value(),
            JavaValue::Boolean(b) => i64::from(*b),
            JavaValue::Text(s) => {
                java::parse_integer(s, i64::MIN, i64::MAX).ok_or_else(|| out_of_range(s))?
            }
            JavaValue::Bytes(_) | JavaValue::Date(_) => return Err(unexpected_bytes()),
        }),
        SchemaType::Float32 => Value::Float32(match &v {
            JavaValue::Long(l) => *l as f32,
            JavaValue::Float(f) => *f,
            JavaValue::Double(d) => *d as f32,
            JavaValue::Decimal(d) => d.floating_value(true) as f32,
            JavaValue::Boolean(b) => f32::from(u8::from(*b)),
            JavaValue::Text(s) => {
                java::parse_floating(s, true).ok_or_else(|| out_of_range(s))? as f32
            }
            JavaValue::Bytes(_) | JavaValue::Date(_) => return Err(unexpected_bytes()),
        }),
        SchemaType::Float64 => Value::Float64(match &v {
            JavaValue::Long(l) => *l as f64,
            JavaValue::Float(f) => f64::from(*f),
            JavaValue::Double(d) => *d,
            JavaValue::Decimal(d) => d.floating_value(false),
            JavaValue::Boolean(b) => f64::from(u8::from(*b)),
            JavaValue::Text(s) => java::parse_floating(s, false).ok_or_else(|| out_of_range(s))?,
            JavaValue::Bytes(_) | JavaValue::Date(_) => return Err(unexpected_bytes()),
        }),
        SchemaType::Boolean => Value::Boolean(match &v {
            JavaValue::Long(l) => *l != 0,
            JavaValue::Float(f) => (*f as i64) != 0,
            JavaValue::Double(d) => (*d as i64) != 0,
            JavaValue::Decimal(d) => d.long_value() != 0,
            JavaValue::Boolean(b) => *b,
            JavaValue::Text(s) => s.eq_ignore_ascii_case("true"),
            JavaValue::Bytes(_) | JavaValue::Date(_) => return Err(unexpected_bytes()),
        }),
        SchemaType::String => Value::String(match &v {
            JavaValue::Date(millis) => date_format::iso8601(*millis),
            JavaValue::Bytes(b) => java::base64(b),
            JavaValue::Long(l) => l.to_string(),
            JavaValue::Float(f) => java::float_to_string(*f),
            JavaValue::Double(d) => java::double_to_string(*d),
            JavaValue::Boolean(b) => b.to_string(),
            JavaValue::Text(s) => (*s).to_string(),
            JavaValue::Decimal(d) => ferry_sdk::logical::decimal_to_string(d.unscaled, d.scale),
        }),
        other => {
            return Err(PluginError::fatal(format!(
                "{} is not supported in the Cast transformation.",
                type_name(other)
            )));
        }
    })
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [Cast<KeySide>, Cast<ValueSide>]);

#[cfg(test)]
mod tests;
