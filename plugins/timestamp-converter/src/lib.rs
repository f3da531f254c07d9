//! Kafka's `TimestampConverter` transform (`TimestampConverter$Key` /
//! `TimestampConverter$Value`), one generic type over the [`Side`] it operates on.
//!
//! Converts a timestamp (the whole key/value, or one field of a struct / schemaless
//! map) between Unix epoch numbers (`unix`, in `unix.precision`), strings in a
//! `SimpleDateFormat` pattern (`string`, UTC) and Connect's `Date`, `Time` and
//! `Timestamp` logical types. Every conversion goes through Java's `java.util.Date`
//! (milliseconds), so sub-millisecond precision is lost, as in Kafka.
//!
//! Ferry holds logical values physically (Date = days, Time = ms of day, Timestamp =
//! ms). Without a schema Kafka produces a bare `java.util.Date` for the `Date`,
//! `Time` and `Timestamp` targets, which no JSON converter can write; Ferry writes
//! its milliseconds as an int64 there (see the README).

use std::marker::PhantomData;
use std::sync::Arc;

use ferry_sdk::logical::{DATE, TIME, TIMESTAMP};
use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, SchemaType, Struct, Transform, Value,
};
use transform_support::SchemaCache;
use transform_support::connect_schema::check_null_allowed;
use transform_support::date_format::DateFormat;
use transform_support::java::class_name;
use transform_support::requirements::require_map;
use transform_support::schema_util::copy_schema_basics;
pub use transform_support::{KeySide, Side, ValueSide};

pub const FIELD_CONFIG: &str = "field";
pub const TARGET_TYPE_CONFIG: &str = "target.type";
pub const FORMAT_CONFIG: &str = "format";
pub const UNIX_PRECISION_CONFIG: &str = "unix.precision";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = "replace.null.with.default";

const PURPOSE: &str = "converting timestamp formats";
const MILLIS_PER_DAY: i64 = 86_400_000;

/// Kafka's `TimestampConverter.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str = "Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types.\
Applies to individual fields or to the entire value.\
<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.TimestampConverter$Key</code>) \
or value (<code>org.apache.kafka.connect.transforms.TimestampConverter$Value</code>).";

/// A timestamp representation (`target.type`, or what a schema says a value is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Unix,
    Date,
    Time,
    Timestamp,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "string" => Kind::String,
            "unix" => Kind::Unix,
            "Date" => Kind::Date,
            "Time" => Kind::Time,
            "Timestamp" => Kind::Timestamp,
            _ => return None,
        })
    }

    /// `TimestampTranslator.typeSchema(isOptional)`.
    fn schema(self, optional: bool) -> Schema {
        let schema = match self {
            Kind::String => Schema::string(),
            Kind::Unix => Schema::int64(),
            Kind::Date => Schema::date(),
            Kind::Time => Schema::time(),
            Kind::Timestamp => Schema::timestamp(),
        };
        schema.with_optional(optional)
    }
}

/// `unix.precision`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

/// The transform.
pub struct TimestampConverter<S: Side> {
    field: String,
    target: Kind,
    format: Option<DateFormat>,
    precision: Precision,
    replace_null_with_default: bool,
    schema_update_cache: SchemaCache,
    side: PhantomData<S>,
}

/// Java's `String.trim()` (ConfigDef trims STRING values).
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

fn parse_config<S: Side>(
    config: &Config,
) -> Result<TimestampConverter<S>, (&'static str, PluginError)> {
    let field = java_trim(config.get(FIELD_CONFIG).unwrap_or("")).to_string();
    let Some(target) = config.get(TARGET_TYPE_CONFIG).map(java_trim) else {
        return Err((
            TARGET_TYPE_CONFIG,
            PluginError::config(format!(
                "Missing required configuration \"{TARGET_TYPE_CONFIG}\" which has no default value."
            )),
        ));
    };
    let target = Kind::parse(target).ok_or_else(|| {
        (
            TARGET_TYPE_CONFIG,
            PluginError::config(format!(
                "Invalid value {target} for configuration {TARGET_TYPE_CONFIG}: String must be one of: string, unix, Date, Time, Timestamp"
            )),
        )
    })?;
    let pattern = java_trim(config.get(FORMAT_CONFIG).unwrap_or("")).to_string();
    let precision = java_trim(config.get(UNIX_PRECISION_CONFIG).unwrap_or("milliseconds"));
    let precision = match precision {
        "seconds" => Precision::Seconds,
        "milliseconds" => Precision::Milliseconds,
        "microseconds" => Precision::Microseconds,
        "nanoseconds" => Precision::Nanoseconds,
        other => {
            return Err((
                UNIX_PRECISION_CONFIG,
                PluginError::config(format!(
                    "Invalid value {other} for configuration {UNIX_PRECISION_CONFIG}: String must be one of: nanoseconds, microseconds, milliseconds, seconds"
                )),
            ));
        }
    };
    let replace_null_with_default = config
        .bool_or(REPLACE_NULL_WITH_DEFAULT_CONFIG, true)
        .map_err(|e| (REPLACE_NULL_WITH_DEFAULT_CONFIG, e))?;
    if target == Kind::String && pattern.is_empty() {
        return Err((
            FORMAT_CONFIG,
            PluginError::config(
                "TimestampConverter requires format option to be specified when using string timestamps",
            ),
        ));
    }
    let format = if pattern.is_empty() {
        None
    } else {
        // Kafka builds ConfigException(message, cause) — the (name, value) constructor.
        Some(DateFormat::new(&pattern).map_err(|e| {
            (
                FORMAT_CONFIG,
                PluginError::config(format!(
                    "Invalid value java.lang.IllegalArgumentException: {e} for configuration TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: {pattern}"
                )),
            )
        })?)
    };
    Ok(TimestampConverter {
        field,
        target,
        format,
        precision,
        replace_null_with_default,
        schema_update_cache: SchemaCache::new(),
        side: PhantomData,
    })
}

impl<S: Side> Plugin for TimestampConverter<S> {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation(S::plugin_name("timestamp-converter"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("TimestampConverter"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(FIELD_CONFIG)
                    .default_value("")
                    .importance(Importance::High)
                    .doc("The field containing the timestamp, or empty if the entire value is a timestamp"),
            )
            .config(
                ConfigKey::string(TARGET_TYPE_CONFIG)
                    .required()
                    .importance(Importance::High)
                    .doc("The desired timestamp representation: string, unix, Date, Time, or Timestamp"),
            )
            .config(
                ConfigKey::string(FORMAT_CONFIG)
                    .default_value("")
                    .importance(Importance::Medium)
                    .doc("A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string."),
            )
            .config(
                ConfigKey::string(UNIX_PRECISION_CONFIG)
                    .default_value("milliseconds")
                    .importance(Importance::Low)
                    .doc("The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components."),
            )
            .config(
                ConfigKey::boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG)
                    .default_value("true")
                    .importance(Importance::Medium)
                    .doc("Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match parse_config::<S>(config) {
            Ok(_) => Vec::new(),
            Err((key, e)) => vec![ConfigProblem::new(key, e.message())],
        }
    }
}

impl<S: Side> Transform for TimestampConverter<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config).map_err(|(_, e)| e)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let (schema, value) = S::operating(&mut record);
        match schema.clone() {
            None => {
                let updated = self.apply_schemaless(value)?;
                *value = updated;
            }
            Some(input) => {
                let (updated_schema, updated) = self.apply_with_schema(&input, value)?;
                *schema = Some(updated_schema);
                *value = updated;
            }
        }
        Ok(Some(record))
    }
}

/// `ConnectSchema.toString()`.
fn schema_string(schema: &Schema) -> String {
    let kind = schema.kind.name().to_uppercase();
    let kind = match schema.kind {
        SchemaType::Float32 => "FLOAT32".to_string(),
        SchemaType::Float64 => "FLOAT64".to_string(),
        _ => kind,
    };
    match &schema.name {
        Some(name) => format!("Schema{{{name}:{kind}}}"),
        None => format!("Schema{{{kind}}}"),
    }
}

/// `timestampTypeFromSchema`.
fn kind_of_schema(schema: &Schema) -> Result<Kind, PluginError> {
    match schema.name.as_deref() {
        Some(TIMESTAMP) => return Ok(Kind::Timestamp),
        Some(DATE) => return Ok(Kind::Date),
        Some(TIME) => return Ok(Kind::Time),
        _ => {}
    }
    match schema.kind {
        SchemaType::String => Ok(Kind::String),
        SchemaType::Int64 => Ok(Kind::Unix),
        _ => Err(PluginError::fatal(format!(
            "Schema {} does not correspond to a known timestamp type format",
            schema_string(schema)
        ))),
    }
}

/// `inferTimestampType` for schemaless values (a `java.util.Date` cannot occur).
fn infer_kind(value: &Value) -> Result<Kind, PluginError> {
    match value {
        Value::Int64(_) => Ok(Kind::Unix),
        Value::String(_) => Ok(Kind::String),
        other => Err(PluginError::fatal(format!(
            "TimestampConverter does not support class {} objects as timestamps",
            class_name(other, None)
        ))),
    }
}

impl<S: Side> TimestampConverter<S> {
    fn apply_schemaless(&self, value: &Value) -> Result<Value, PluginError> {
        if value.is_null() || self.field.is_empty() {
            return self.convert(value, None, false);
        }
        let entries = require_map(value, PURPOSE)?;
        let original = entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(self.field.as_str()))
            .map_or(&Value::Null, |(_, v)| v);
        let converted = self.convert(original, None, false)?;
        let mut updated = entries.to_vec();
        match updated
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(self.field.as_str()))
        {
            Some(entry) => entry.1 = converted,
            None => updated.push((Value::from(self.field.as_str()), converted)),
        }
        Ok(Value::Map(updated))
    }

    fn apply_with_schema(
        &mut self,
        schema: &Arc<Schema>,
        value: &Value,
    ) -> Result<(Arc<Schema>, Value), PluginError> {
        if self.field.is_empty() {
            let updated_schema = self.target.schema(schema.optional).into_arc();
            let kind = kind_of_schema(schema)?;
            let converted = self.convert(value, Some(kind), true)?;
            return Ok((updated_schema, converted));
        }
        let original = match value {
            Value::Null => None,
            Value::Struct(s) => Some(s),
            other => {
                return Err(PluginError::fatal(format!(
                    "Only Struct objects supported for [{PURPOSE}], found: {}",
                    class_name(other, Some(schema))
                )));
            }
        };
        let updated_schema = self.updated_schema(schema)?;
        let updated = match original {
            None => Value::Null,
            Some(s) => Value::Struct(self.apply_struct(s, &updated_schema)?),
        };
        Ok((updated_schema, updated))
    }

    fn updated_schema(&mut self, schema: &Arc<Schema>) -> Result<Arc<Schema>, PluginError> {
        if let Some(cached) = self.schema_update_cache.get(schema) {
            return Ok(cached);
        }
        if schema.kind != SchemaType::Struct {
            return Err(PluginError::fatal("Cannot list fields on non-struct type"));
        }
        let mut builder = copy_schema_basics(schema);
        for field in &schema.fields {
            if field.name == self.field {
                builder = builder.field(
                    field.name.clone(),
                    self.target.schema(field.schema.optional),
                );
            } else {
                builder = builder.field(field.name.clone(), Arc::clone(&field.schema));
            }
        }
        if schema.optional {
            builder.optional = true;
        }
        if let Some(Value::Struct(default)) = &schema.default {
            let shape = Arc::new(builder.clone());
            let converted = self.apply_struct(default, &shape)?;
            builder.default = Some(Value::Struct(Struct {
                schema: Arc::clone(&shape),
                values: converted.values,
            }));
        }
        let built = builder.into_arc();
        self.schema_update_cache
            .put(Arc::clone(schema), Arc::clone(&built));
        Ok(built)
    }

    /// `applyValueWithSchema`.
    fn apply_struct(
        &self,
        value: &Struct,
        updated_schema: &Arc<Schema>,
    ) -> Result<Struct, PluginError> {
        let mut updated = Struct::new(Arc::clone(updated_schema));
        for (field, stored) in value.iter() {
            let field_value = if self.replace_null_with_default {
                value.get_field(field).unwrap_or(stored)
            } else {
                stored
            };
            let new_value = if field.name == self.field {
                let kind = kind_of_schema(&field.schema)?;
                self.convert(field_value, Some(kind), true)?
            } else {
                field_value.clone()
            };
            if let Some(out_field) = updated_schema.field_named(&field.name) {
                check_null_allowed(&field.name, &out_field.schema, &new_value)?;
            }
            updated
                .put(&field.name, new_value)
                .map_err(|e| PluginError::fatal(e.to_string()))?;
        }
        Ok(updated)
    }

    /// `convertTimestamp(timestamp, format)`: to the Java `Date` (ms), then to the
    /// target. `with_schema`: whether the result goes under a schema (logical targets
    /// are then physical; without one they are the `Date`'s milliseconds).
    fn convert(
        &self,
        value: &Value,
        kind: Option<Kind>,
        with_schema: bool,
    ) -> Result<Value, PluginError> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        let kind = match kind {
            Some(k) => k,
            None => infer_kind(value)?,
        };
        let millis = self.to_raw(value, kind)?;
        Ok(self.to_type(millis, with_schema))
    }

    /// `TimestampTranslator.toRaw`.
    fn to_raw(&self, value: &Value, kind: Kind) -> Result<i64, PluginError> {
        let found = || class_name(value, None);
        match kind {
            Kind::String => {
                let Value::String(text) = value else {
                    return Err(PluginError::fatal(format!(
                        "Expected string timestamp to be a String, but found class {}",
                        found()
                    )));
                };
                let Some(format) = &self.format else {
                    return Err(PluginError::fatal(
                        "Cannot invoke \"java.text.SimpleDateFormat.parse(String)\" because \"config.format\" is null",
                    ));
                };
                format.parse(text).ok_or_else(|| {
                    PluginError::fatal(format!(
                        "Could not parse timestamp: value ({text}) does not match pattern ({})",
                        format.pattern()
                    ))
                })
            }
            Kind::Unix => {
                let Value::Int64(n) = value else {
                    return Err(PluginError::fatal(format!(
                        "Expected Unix timestamp to be a Long, but found class {}",
                        found()
                    )));
                };
                Ok(match self.precision {
                    Precision::Seconds => n.saturating_mul(1000),
                    Precision::Milliseconds => *n,
                    Precision::Microseconds => n / 1000,
                    Precision::Nanoseconds => n / 1_000_000,
                })
            }
            Kind::Date | Kind::Time | Kind::Timestamp => {
                let what = match kind {
                    Kind::Date => "Date",
                    Kind::Time => "Time",
                    _ => "Timestamp",
                };
                match (kind, value) {
                    (Kind::Date, Value::Int32(days)) => Ok(i64::from(*days) * MILLIS_PER_DAY),
                    (Kind::Time, Value::Int32(ms)) => Ok(i64::from(*ms)),
                    (Kind::Timestamp, Value::Int64(ms)) => Ok(*ms),
                    _ => Err(PluginError::fatal(format!(
                        "Expected {what} to be a java.util.Date, but found class {}",
                        found()
                    ))),
                }
            }
        }
    }

    /// `TimestampTranslator.toType`.
    fn to_type(&self, millis: i64, with_schema: bool) -> Value {
        match self.target {
            Kind::String => Value::String(
                self.format
                    .as_ref()
                    .map(|f| f.format(millis))
                    .unwrap_or_default(),
            ),
            Kind::Unix => Value::Int64(match self.precision {
                Precision::Seconds => millis / 1000,
                Precision::Milliseconds => millis,
                Precision::Microseconds => millis.saturating_mul(1000),
                Precision::Nanoseconds => millis.saturating_mul(1_000_000),
            }),
            Kind::Date => {
                let day = millis.div_euclid(MILLIS_PER_DAY);
                if with_schema {
                    Value::Int32(day as i32)
                } else {
                    Value::Int64(day.wrapping_mul(MILLIS_PER_DAY))
                }
            }
            Kind::Time => {
                let ms = millis.rem_euclid(MILLIS_PER_DAY);
                if with_schema {
                    Value::Int32(ms as i32)
                } else {
                    Value::Int64(ms)
                }
            }
            Kind::Timestamp => Value::Int64(millis),
        }
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [TimestampConverter<KeySide>, TimestampConverter<ValueSide>]);

#[cfg(test)]
mod tests;
