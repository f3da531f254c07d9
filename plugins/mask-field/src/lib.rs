//! Kafka's `MaskField` transform, generic over which side of the record it changes
//! ([`KeySide`] for `MaskField$Key`, [`ValueSide`] for `MaskField$Value`); one
//! component exports both forms (a plugin family).
//!
//! Replaces the listed top-level fields of a struct (with schema) or a map
//! (schemaless) with the "null value" of their type (`0`, `false`, `""`, an empty
//! array or map, the epoch for dates and times, zero for decimals), or with
//! `replacement` converted to the field's type (numbers and strings only). Null field
//! values stay null. The schema is unchanged.
//!
//! As in Kafka, there is no special case for null records: a tombstone fails (its
//! value is neither a map nor a struct).

pub mod number;

use std::collections::HashSet;
use std::marker::PhantomData;

use ferry_sdk::logical::LogicalType;
use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, Struct, Transform, Value,
};
use transform_support::config::{
    KeyedError, any_non_duplicate_values, java_trim, non_empty_string, parse_bool, problems,
    required_list,
};
use transform_support::java_map::{self, JavaHashMap};
use transform_support::{java, replace_null_with_default, requirements};

use crate::number::BigDecimal;

pub use transform_support::{KeySide, Side, ValueSide};

pub const FIELDS: &str = "fields";
pub const REPLACEMENT: &str = "replacement";
pub const REPLACE_NULL_WITH_DEFAULT: &str = replace_null_with_default::CONFIG;

const PURPOSE: &str = "mask fields";

/// Kafka's `MaskField.OVERVIEW_DOC` (with the class names it interpolates).
pub const OVERVIEW_DOC: &str = "Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, and so on).<p/>For numeric and string fields, an optional replacement value can be specified that is converted to the correct type.<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.MaskField$Key</code>) or value (<code>org.apache.kafka.connect.transforms.MaskField$Value</code>).";

/// What Kafka's `Decimal.fromLogical` (run by every converter) says when a
/// `BigDecimal`'s scale is not its schema's. Kafka's `MaskField` puts such a decimal
/// into the struct and the converter refuses it; Ferry holds decimals at their
/// schema's scale, so the transform refuses it, with the converter's message.
pub fn decimal_scale_mismatch(schema_scale: i32, value_scale: i32) -> String {
    format!(
        "Decimal value has mismatching scale for given Decimal schema. Schema has scale {schema_scale}, value has scale {value_scale}."
    )
}

/// The transform.
pub struct MaskField<S: Side> {
    /// The masked field names, in the order Kafka's `HashSet` iterates them.
    fields: Vec<String>,
    field_set: HashSet<String>,
    replacement: Option<String>,
    replace_null_with_default: bool,
    side: PhantomData<S>,
}

// ------------------------------------------------------------------ config

/// `fields`: required, parsed as Kafka 4.4 parses a list validated by
/// `ValidList.anyNonDuplicateValues(false, false)`: duplicates dropped (Kafka logs a
/// warning), an empty list or empty items refused.
fn parse_fields(config: &Config) -> Result<Vec<String>, PluginError> {
    any_non_duplicate_values(FIELDS, required_list(config, FIELDS)?, false)
}

/// `replacement`: a trimmed string, refused when empty (`NonEmptyString`).
fn parse_replacement(config: &Config) -> Result<Option<String>, PluginError> {
    config
        .get(REPLACEMENT)
        .map(|raw| non_empty_string(REPLACEMENT, java_trim(raw)).map(str::to_string))
        .transpose()
}

/// The iteration order of Kafka's `new HashSet<>(fields)`.
fn hash_set_order(items: Vec<String>) -> Vec<String> {
    let set = JavaHashMap::hash_set_of(items.iter().map(String::as_str));
    java_map::reorder(items, &set)
}

/// Kafka's `configure`: the `ConfigDef` keys in definition order, the first problem
/// wins (with the key it is about).
fn parse_config<S: Side>(config: &Config) -> Result<MaskField<S>, KeyedError> {
    let fields = parse_fields(config).map_err(|e| (FIELDS, e))?;
    let replacement = parse_replacement(config).map_err(|e| (REPLACEMENT, e))?;
    let replace_null_with_default = parse_bool(config, REPLACE_NULL_WITH_DEFAULT, true)
        .map_err(|e| (REPLACE_NULL_WITH_DEFAULT, e))?;
    Ok(MaskField {
        field_set: fields.iter().cloned().collect(),
        fields: hash_set_order(fields),
        replacement,
        replace_null_with_default,
        side: PhantomData,
    })
}

impl<S: Side> Plugin for MaskField<S> {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation(S::plugin_name("mask-field"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("MaskField"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::list(FIELDS)
                    .required()
                    .importance(Importance::High)
                    .doc("Names of fields to mask."),
            )
            .config(
                ConfigKey::string(REPLACEMENT)
                    .importance(Importance::Low)
                    .doc("Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."),
            )
            .config(replace_null_with_default::config_key())
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        problems(parse_config::<S>(config))
    }
}

// ------------------------------------------------------------------ masking

/// The Java class Kafka holds a (non-null) value in, as far as masking cares.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Boolean,
    Byte,
    Short,
    Integer,
    Long,
    Float,
    Double,
    String,
    /// `java.math.BigDecimal` (Connect's Decimal), with its schema's scale.
    Decimal(i32),
    /// `java.util.Date` (Connect's Date, Time, Timestamp).
    Date,
    List,
    Map,
    /// `byte[]`, `Struct`: no masked value.
    Other,
}

fn kind_of(value: &Value, schema: Option<&Schema>) -> Kind {
    match schema.and_then(Schema::logical_type) {
        Some(LogicalType::Decimal { scale }) => return Kind::Decimal(scale),
        Some(LogicalType::Date | LogicalType::Time | LogicalType::Timestamp) => return Kind::Date,
        None => {}
    }
    match value {
        Value::Boolean(_) => Kind::Boolean,
        Value::Int8(_) => Kind::Byte,
        Value::Int16(_) => Kind::Short,
        Value::Int32(_) => Kind::Integer,
        Value::Int64(_) => Kind::Long,
        Value::Float32(_) => Kind::Float,
        Value::Float64(_) => Kind::Double,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::List,
        Value::Map(_) => Kind::Map,
        Value::Null | Value::Bytes(_) | Value::Struct(_) => Kind::Other,
    }
}

/// `value.getClass()` as Java prints a class (`class java.lang.Integer`).
fn java_class(value: &Value, schema: Option<&Schema>) -> String {
    format!("class {}", java::class_name(value, schema))
}

/// A decimal as Connect holds it at `schema_scale`, refused (as Kafka's converters
/// refuse it) if the `BigDecimal` has another scale.
fn decimal_value(decimal: &BigDecimal, schema_scale: i32) -> Result<Value, PluginError> {
    if decimal.scale != schema_scale {
        return Err(PluginError::fatal(decimal_scale_mismatch(
            schema_scale,
            decimal.scale,
        )));
    }
    Ok(Value::Bytes(decimal.unscaled_bytes()))
}

/// `maskWithNullValue`.
fn mask_with_null_value(value: &Value, schema: Option<&Schema>) -> Result<Value, PluginError> {
    Ok(match kind_of(value, schema) {
        Kind::Boolean => Value::Boolean(false),
        Kind::Byte => Value::Int8(0),
        Kind::Short => Value::Int16(0),
        Kind::Integer => Value::Int32(0),
        Kind::Long => Value::Int64(0),
        Kind::Float => Value::Float32(0.0),
        Kind::Double => Value::Float64(0.0),
        Kind::String => Value::String(String::new()),
        // BigDecimal.ZERO: scale 0.
        Kind::Decimal(scale) => decimal_value(
            &BigDecimal {
                negative: false,
                digits: "0".into(),
                scale: 0,
            },
            scale,
        )?,
        // new Date(0): the epoch, whichever of Date, Time or Timestamp.
        Kind::Date => match value {
            Value::Int64(_) => Value::Int64(0),
            _ => Value::Int32(0),
        },
        Kind::List => Value::Array(Vec::new()),
        Kind::Map => Value::Map(Vec::new()),
        Kind::Other => {
            return Err(PluginError::fatal(format!(
                "Cannot mask value of type: {}",
                java_class(value, schema)
            )));
        }
    })
}

/// `maskWithCustomReplacement`.
fn mask_with_replacement(
    value: &Value,
    schema: Option<&Schema>,
    replacement: &str,
) -> Result<Value, PluginError> {
    let long = || number::as_long(replacement).map_err(PluginError::fatal);
    let double = || number::as_double(replacement).map_err(PluginError::fatal);
    Ok(match kind_of(value, schema) {
        Kind::Byte => Value::Int8(long()? as i8),
        Kind::Short => Value::Int16(long()? as i16),
        Kind::Integer => Value::Int32(long()? as i32),
        Kind::Long => Value::Int64(long()?),
        Kind::Float => Value::Float32(double()? as f32),
        Kind::Double => Value::Float64(double()?),
        Kind::String => Value::String(replacement.to_string()),
        Kind::Decimal(scale) => {
            // new BigDecimal(replacement): its NumberFormatException is caught.
            let decimal = BigDecimal::parse(replacement).ok_or_else(|| {
                PluginError::fatal(format!(
                    "Unable to convert {replacement} (class java.lang.String) to number"
                ))
            })?;
            decimal_value(&decimal, scale)?
        }
        Kind::Boolean | Kind::Date | Kind::List | Kind::Map | Kind::Other => {
            return Err(PluginError::fatal(format!(
                "Cannot mask value of type {} with custom replacement.",
                java_class(value, schema)
            )));
        }
    })
}

impl<S: Side> MaskField<S> {
    /// `masked`: nulls stay null.
    fn masked(&self, value: &Value, schema: Option<&Schema>) -> Result<Value, PluginError> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        match &self.replacement {
            None => mask_with_null_value(value, schema),
            Some(r) => mask_with_replacement(value, schema, r),
        }
    }

    /// `applySchemaless`: a copy of the map with every listed field masked; a listed
    /// field the map does not have is added as null, as Kafka's `put` adds it. The
    /// result is in the iteration order of Kafka's copy (`new HashMap<>(value)`), so
    /// it is written as Kafka writes it.
    fn apply_schemaless(&self, entries: &mut Vec<(Value, Value)>) -> Result<(), PluginError> {
        let mut map = if entries.iter().all(|(k, _)| k.as_str().is_some()) {
            Some(JavaHashMap::copy_of(
                entries
                    .iter()
                    .filter_map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .into_iter(),
            ))
        } else {
            None
        };
        for field in &self.fields {
            let position = entries.iter().position(|(k, _)| k.as_str() == Some(field));
            let masked = match position {
                Some(i) => self.masked(&entries[i].1, None)?,
                None => Value::Null,
            };
            match position {
                Some(i) => entries[i].1 = masked,
                None => {
                    entries.push((Value::String(field.clone()), masked));
                    if let Some(map) = map.as_mut() {
                        map.put(field);
                    }
                }
            }
        }
        if let Some(map) = map {
            *entries = java_map::reorder(std::mem::take(entries), &map);
        }
        Ok(())
    }

    /// `applyWithSchema`: a struct of the same schema with the listed fields masked.
    fn apply_with_schema(&self, value: &Struct) -> Result<Struct, PluginError> {
        let mut values = Vec::with_capacity(value.schema.fields.len());
        for field in &value.schema.fields {
            let original = replace_null_with_default::field_value(
                value,
                field,
                self.replace_null_with_default,
            )
            .unwrap_or(&Value::Null);
            values.push(if self.field_set.contains(&field.name) {
                self.masked(original, Some(&field.schema))?
            } else {
                original.clone()
            });
        }
        Ok(Struct {
            schema: value.schema.clone(),
            values,
        })
    }
}

impl<S: Side> Transform for MaskField<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config).map_err(|(_, e)| e)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let (schema, value) = S::operating(&mut record);
        match schema {
            None => match value {
                Value::Map(entries) => self.apply_schemaless(entries)?,
                other => return Err(requirements::not_a_map(other, PURPOSE)),
            },
            Some(s) => match value {
                Value::Struct(st) => *st = self.apply_with_schema(st)?,
                other => {
                    // A null is `null` whatever its schema's logical type.
                    let schema = if other.is_null() { None } else { Some(&**s) };
                    return Err(requirements::not_a_struct(other, schema, PURPOSE));
                }
            },
        }
        Ok(Some(record))
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [MaskField<KeySide>, MaskField<ValueSide>]);

#[cfg(test)]
mod tests;
