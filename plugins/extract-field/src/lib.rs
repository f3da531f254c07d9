//! Kafka's `ExtractField` transform (`ExtractField$Key` / `ExtractField$Value`), one
//! generic type over the [`Side`] it operates on.
//!
//! Replaces the key or value with one field of it: a struct field (the field's schema
//! becomes the key or value schema) or a map entry (schemaless). With
//! `field.syntax.version=V2` the field is a dotted path into nested structs or maps.
//! Null keys/values pass through (with the field's schema when there is a schema).

use std::marker::PhantomData;
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Transform, Value,
};
use transform_support::config::{KeyedError, problems, required_string};
use transform_support::field_path::{
    FIELD_SYNTAX_VERSION_CONFIG, FieldSyntaxVersion, SingleFieldPath,
};
pub use transform_support::{KeySide, Side, ValueSide};
use transform_support::{SchemaCache, replace_null_with_default, requirements};

pub const FIELD_CONFIG: &str = "field";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = replace_null_with_default::CONFIG;

const PURPOSE: &str = "field extraction";

/// Kafka's `ExtractField.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str = "Extract the specified field from a Struct when schema present, or a Map in the case of schemaless data. \
     Any null values are passed through unmodified.<p/>Use the concrete transformation type designed for the \
     record key (<code>org.apache.kafka.connect.transforms.ExtractField$Key</code>) or value \
     (<code>org.apache.kafka.connect.transforms.ExtractField$Value</code>).";

/// The transform.
pub struct ExtractField<S: Side> {
    /// The configured path as written (trimmed), for "Unknown field" messages.
    original_path: String,
    field_path: SingleFieldPath,
    replace_null_with_default: bool,
    /// Input schema -> the extracted field's schema.
    schema_cache: SchemaCache,
    side: PhantomData<S>,
}

fn parse_config<S: Side>(config: &Config) -> Result<ExtractField<S>, KeyedError> {
    // ConfigDef order: field, replace.null.with.default, field.syntax.version.
    let original_path = required_string(config, FIELD_CONFIG)
        .map_err(|e| (FIELD_CONFIG, e))?
        .to_string();
    let replace_null_with_default = config
        .bool_or(REPLACE_NULL_WITH_DEFAULT_CONFIG, true)
        .map_err(|e| (REPLACE_NULL_WITH_DEFAULT_CONFIG, e))?;
    let version =
        FieldSyntaxVersion::from_config(config).map_err(|e| (FIELD_SYNTAX_VERSION_CONFIG, e))?;
    let field_path =
        SingleFieldPath::new(&original_path, version).map_err(|e| (FIELD_CONFIG, e))?;
    Ok(ExtractField {
        original_path,
        field_path,
        replace_null_with_default,
        schema_cache: SchemaCache::new(),
        side: PhantomData,
    })
}

impl<S: Side> Plugin for ExtractField<S> {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation(S::plugin_name("extract-field"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("ExtractField"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(FIELD_CONFIG)
                    .required()
                    .importance(Importance::Medium)
                    .doc("Field name to extract."),
            )
            .config(replace_null_with_default::config_key())
            .config(FieldSyntaxVersion::config_key())
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        problems(parse_config::<S>(config))
    }
}

impl<S: Side> Transform for ExtractField<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config).map_err(|(_, e)| e)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let (schema, value) = S::operating(&mut record);
        match schema {
            None => {
                let extracted = match value {
                    Value::Null => Value::Null,
                    Value::Map(entries) => self
                        .field_path
                        .value_from_map(entries)?
                        .cloned()
                        .unwrap_or_default(),
                    other => return Err(requirements::not_a_map(other, PURPOSE)),
                };
                *value = extracted;
            }
            Some(input_schema) => {
                if !matches!(value, Value::Null | Value::Struct(_)) {
                    return Err(requirements::not_a_struct(
                        value,
                        Some(input_schema),
                        PURPOSE,
                    ));
                }
                let field_path = &self.field_path;
                let original_path = &self.original_path;
                let field_schema = self.schema_cache.get_or_try_insert(input_schema, |s| {
                    match field_path.field_from(Some(s))? {
                        Some(field) => Ok(Arc::clone(&field.schema)),
                        None => Err(PluginError::fatal(format!(
                            "Unknown field: {original_path}"
                        ))),
                    }
                })?;
                let extracted = match value {
                    Value::Struct(s) => self
                        .field_path
                        .value_from_struct_with_default(s, self.replace_null_with_default)?
                        .cloned()
                        .unwrap_or_default(),
                    _ => Value::Null,
                };
                *schema = Some(field_schema);
                *value = extracted;
            }
        }
        Ok(Some(record))
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [ExtractField<KeySide>, ExtractField<ValueSide>]);

#[cfg(test)]
mod tests;
