//! Kafka's `Flatten` transform (`Flatten$Key` / `Flatten$Value`), one generic type over
//! the [`Side`] it operates on.
//!
//! Flattens nested structs (with a schema) or nested maps (schemaless) into one level,
//! naming each field by joining the names along its path with `delimiter`. Arrays and
//! their contents are kept as they are; maps inside a struct are refused, as in Kafka.
//! A flattened field is optional if any struct on its path is, and takes its default
//! from its own schema or else from the defaults of the structs above it. Null keys or
//! values pass through unchanged.

use std::marker::PhantomData;
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, SchemaType, Struct, Transform, Value,
};
use transform_support::config::java_trim;
use transform_support::connect_schema::check_null_allowed;
use transform_support::java::schema_type_name;
use transform_support::schema_util::{copy_schema_basics, copy_schema_basics_into};
pub use transform_support::{KeySide, Side, ValueSide};
use transform_support::{SchemaCache, java, requirements};

pub const DELIMITER_CONFIG: &str = "delimiter";
pub const DELIMITER_DEFAULT: &str = ".";

/// Kafka's `Flatten.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str = "Flatten a nested data structure, generating names for each field by concatenating the field names at each \
level with a configurable delimiter character. Applies to Struct when schema present, or a Map \
in the case of schemaless data. Array fields and their contents are not modified. The default delimiter is '.'.\
<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.Flatten$Key</code>) \
or value (<code>org.apache.kafka.connect.transforms.Flatten$Value</code>).";

const PURPOSE: &str = "flattening";

/// The transform.
pub struct Flatten<S: Side> {
    delimiter: String,
    /// Operating schema -> flattened schema.
    schema_update_cache: SchemaCache,
    side: PhantomData<S>,
}

impl<S: Side> Plugin for Flatten<S> {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation(S::plugin_name("flatten"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("Flatten"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(DELIMITER_CONFIG)
                    .default_value(DELIMITER_DEFAULT)
                    .importance(Importance::Medium)
                    .doc("Delimiter to insert between field names from the input record when generating field names for the output record"),
            )
    }

    fn validate(_config: &Config) -> Vec<ConfigProblem> {
        Vec::new()
    }
}

impl<S: Side> Transform for Flatten<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        Ok(Flatten {
            delimiter: java_trim(config.get_or(DELIMITER_CONFIG, DELIMITER_DEFAULT)).to_string(),
            schema_update_cache: SchemaCache::new(),
            side: PhantomData,
        })
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let (schema, value) = S::operating(&mut record);
        if value.is_null() {
            return Ok(Some(record));
        }
        match schema {
            None => {
                let Value::Map(entries) = value else {
                    return Err(not_a_map(value));
                };
                let mut flat = Vec::new();
                self.flatten_map(entries, "", &mut flat)?;
                *value = Value::Map(flat);
            }
            Some(operating) => {
                let Value::Struct(input) = value else {
                    return Err(requirements::not_a_struct(value, Some(operating), PURPOSE));
                };
                let delimiter = &self.delimiter;
                let updated_schema =
                    self.schema_update_cache.get_or_try_insert(operating, |s| {
                        let mut builder = copy_schema_basics_into(s, Schema::structure());
                        let default = match &s.default {
                            Some(Value::Struct(d)) => Some(d),
                            _ => None,
                        };
                        build_updated_schema(delimiter, s, "", &mut builder, s.optional, default)?;
                        Ok::<_, PluginError>(builder.into_arc())
                    })?;
                let mut updated = Struct::new(Arc::clone(&updated_schema));
                build_with_schema(delimiter, Some(input), "", &mut updated)?;
                *schema = Some(updated_schema);
                *value = Value::Struct(updated);
            }
        }
        Ok(Some(record))
    }
}

/// `requireMap`'s message.
fn not_a_map(value: &Value) -> PluginError {
    requirements::not_a_map(value, PURPOSE)
}

/// The `ClassCastException` Java throws for a map key that is not a `String` (only
/// possible for maps built by a plugin, never for maps a JsonConverter read).
fn not_a_string_key(key: &Value) -> PluginError {
    let class = java::class_name(key, None);
    let module = if class.starts_with("java.") || class == "[B" {
        format!("{class} and java.lang.String are in module java.base of loader 'bootstrap'")
    } else {
        format!(
            "{class} is in unnamed module of loader 'app'; java.lang.String is in module java.base of loader 'bootstrap'"
        )
    };
    PluginError::fatal(format!(
        "class {class} cannot be cast to class java.lang.String ({module})"
    ))
}

/// `prefix` + `delimiter` + `name`, or `name` at the top level.
fn field_name(delimiter: &str, prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}{delimiter}{name}")
    }
}

impl<S: Side> Flatten<S> {
    /// Kafka's schemaless `applySchemaless`: entries go into a `LinkedHashMap` in the
    /// input's order (a repeated name keeps its first position and takes the last
    /// value); nested maps are flattened into it.
    fn flatten_map(
        &self,
        entries: &[(Value, Value)],
        prefix: &str,
        out: &mut Vec<(Value, Value)>,
    ) -> Result<(), PluginError> {
        for (key, value) in entries {
            let Some(key) = key.as_str() else {
                return Err(not_a_string_key(key));
            };
            let name = field_name(&self.delimiter, prefix, key);
            match value {
                Value::Map(nested) => self.flatten_map(nested, &name, out)?,
                Value::Struct(_) => {
                    return Err(PluginError::fatal(format!(
                        "Flatten transformation does not support class org.apache.kafka.connect.data.Struct \
                         for record without schemas (for field {name})."
                    )));
                }
                _ => put_linked(out, name, value.clone()),
            }
        }
        Ok(())
    }
}

/// `LinkedHashMap.put`: replace in place, or append.
fn put_linked(out: &mut Vec<(Value, Value)>, name: String, value: Value) {
    match out
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some(name.as_str()))
    {
        Some(entry) => entry.1 = value,
        None => out.push((Value::String(name), value)),
    }
}

/// Kafka's `buildUpdatedSchema`: the flattened fields of `schema`, optional when an
/// ancestor is, with defaults from the field or else from the ancestors' defaults.
fn build_updated_schema(
    delimiter: &str,
    schema: &Schema,
    prefix: &str,
    new_schema: &mut Schema,
    optional: bool,
    default_from_parent: Option<&Struct>,
) -> Result<(), PluginError> {
    if schema.kind != SchemaType::Struct {
        return Err(PluginError::fatal("Cannot list fields on non-struct type"));
    }
    for field in &schema.fields {
        let name = field_name(delimiter, prefix, &field.name);
        let field_is_optional = optional || field.schema.optional;
        let field_default: Option<Value> = match &field.schema.default {
            Some(d) => Some(d.clone()),
            None => default_from_parent
                .and_then(|d| d.get_field(field))
                .filter(|v| !v.is_null())
                .cloned(),
        };
        match field.schema.kind {
            SchemaType::Struct => {
                let nested_default = match &field_default {
                    Some(Value::Struct(d)) => Some(d),
                    _ => None,
                };
                build_updated_schema(
                    delimiter,
                    &field.schema,
                    &name,
                    new_schema,
                    field_is_optional,
                    nested_default,
                )?;
            }
            SchemaType::Map => {
                return Err(PluginError::fatal(format!(
                    "Flatten transformation does not support {} for record with schemas (for field {name}).",
                    schema_type_name(field.schema.kind)
                )));
            }
            _ => {
                if new_schema.field_named(&name).is_some() {
                    return Err(PluginError::fatal(format!(
                        "Cannot create field because of field name duplication {name}"
                    )));
                }
                let mut converted = copy_schema_basics(&field.schema);
                if field_is_optional {
                    converted.optional = true;
                }
                converted.default = field_default;
                let index = new_schema.fields.len();
                new_schema.fields.push(ferry_sdk::Field {
                    name,
                    index,
                    schema: Arc::new(converted),
                });
            }
        }
    }
    Ok(())
}

/// Kafka's `buildWithSchema`: copies the (defaulted) leaf values of `input` into the
/// flattened struct; a null nested struct leaves its fields null.
fn build_with_schema(
    delimiter: &str,
    input: Option<&Struct>,
    prefix: &str,
    out: &mut Struct,
) -> Result<(), PluginError> {
    let Some(input) = input else {
        return Ok(());
    };
    for field in &input.schema.fields {
        let name = field_name(delimiter, prefix, &field.name);
        match field.schema.kind {
            SchemaType::Struct => {
                // Struct.getStruct: the stored value, no default.
                let nested = match input.values.get(field.index) {
                    Some(Value::Struct(s)) => Some(s),
                    _ => None,
                };
                build_with_schema(delimiter, nested, &name, out)?;
            }
            SchemaType::Map => {
                return Err(PluginError::fatal(format!(
                    "Flatten transformation does not support {} for record with schemas (for field {name}).",
                    schema_type_name(field.schema.kind)
                )));
            }
            _ => {
                let value = input.get_field(field).cloned().unwrap_or_default();
                put_checked(out, &name, value)?;
            }
        }
    }
    Ok(())
}

/// Kafka's `Struct.put(name, value)` into the flattened struct: the field must exist
/// and a null is only accepted by an optional field.
fn put_checked(out: &mut Struct, name: &str, value: Value) -> Result<(), PluginError> {
    let Some(field) = out.schema.field_named(name) else {
        return Err(PluginError::fatal(format!(
            "{name} is not a valid field name"
        )));
    };
    check_null_allowed(name, &field.schema, &value)?;
    let index = field.index;
    out.values[index] = value;
    Ok(())
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [Flatten<KeySide>, Flatten<ValueSide>]);

#[cfg(test)]
mod tests;
