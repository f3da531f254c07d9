//! Kafka's `ValueToKey` transform: replaces the record key with a new key made of some
//! fields of the record value (a struct of those fields with a schema, a map without).
//!
//! As in Kafka 4.4.0, each configured field is a [`SingleFieldPath`]: with
//! `field.syntax.version=V2` it may reach into nested structs or maps, and the key
//! field is named after the path as written (`a.b`).

use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, Struct, Transform, Value,
};
use transform_support::config::{KeyedError, any_non_duplicate_values, problems, required_list};
use transform_support::connect_schema::check_null_allowed;
use transform_support::field_path::{
    FIELD_SYNTAX_VERSION_CONFIG, FieldSyntaxVersion, SingleFieldPath,
};
use transform_support::side::transform_aliases;
use transform_support::{SchemaCache, replace_null_with_default, requirements};

pub const FIELDS_CONFIG: &str = "fields";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = replace_null_with_default::CONFIG;
/// Kafka's `ValueToKey.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str =
    "Replace the record key with a new key formed from a subset of fields in the record value.";

const PURPOSE: &str = "copying fields from value to key";

/// The transform.
pub struct ValueToKey {
    /// The configured fields as written: the key's field names.
    fields: Vec<String>,
    field_paths: Vec<SingleFieldPath>,
    replace_null_with_default: bool,
    /// Value schema -> key schema.
    value_to_key_schema_cache: SchemaCache,
}

/// `fields`: required, with Kafka 4.4.0's `ValidList.anyNonDuplicateValues(false,
/// false)` (duplicates dropped first, the first occurrence kept).
fn parse_fields(config: &Config) -> Result<Vec<String>, PluginError> {
    any_non_duplicate_values(FIELDS_CONFIG, required_list(config, FIELDS_CONFIG)?, false)
}

fn parse_config(config: &Config) -> Result<ValueToKey, KeyedError> {
    // ConfigDef order: fields, replace.null.with.default, field.syntax.version.
    let fields = parse_fields(config).map_err(|e| (FIELDS_CONFIG, e))?;
    let replace_null_with_default = config
        .bool_or(REPLACE_NULL_WITH_DEFAULT_CONFIG, true)
        .map_err(|e| (REPLACE_NULL_WITH_DEFAULT_CONFIG, e))?;
    let version =
        FieldSyntaxVersion::from_config(config).map_err(|e| (FIELD_SYNTAX_VERSION_CONFIG, e))?;
    let field_paths = fields
        .iter()
        .map(|f| SingleFieldPath::new(f, version))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| (FIELDS_CONFIG, e))?;
    Ok(ValueToKey {
        fields,
        field_paths,
        replace_null_with_default,
        value_to_key_schema_cache: SchemaCache::new(),
    })
}

impl Plugin for ValueToKey {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation("value-to-key")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(transform_aliases("ValueToKey"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::list(FIELDS_CONFIG)
                    .required()
                    .importance(Importance::High)
                    .doc("Field names on the record value to extract as the record key."),
            )
            .config(replace_null_with_default::config_key())
            .config(FieldSyntaxVersion::config_key())
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        problems(parse_config(config))
    }
}

impl Transform for ValueToKey {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config).map_err(|(_, e)| e)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        match &record.value_schema {
            None => {
                let Value::Map(value) = &record.value else {
                    return Err(requirements::not_a_map(&record.value, PURPOSE));
                };
                let mut key = Vec::with_capacity(self.fields.len());
                for (field, path) in self.fields.iter().zip(&self.field_paths) {
                    let v = path.value_from_map(value)?.cloned().unwrap_or_default();
                    key.push((Value::from(field.as_str()), v));
                }
                record.key_schema = None;
                record.key = Value::Map(key);
            }
            Some(value_schema) => {
                let Value::Struct(value) = &record.value else {
                    return Err(requirements::not_a_struct(
                        &record.value,
                        Some(value_schema),
                        PURPOSE,
                    ));
                };
                let key_schema = self.key_schema(&value.schema)?;
                let mut key = Struct::new(Arc::clone(&key_schema));
                for ((path, slot), field) in self
                    .field_paths
                    .iter()
                    .zip(key.values.iter_mut())
                    .zip(&key_schema.fields)
                {
                    let v = path
                        .value_from_struct_with_default(value, self.replace_null_with_default)?
                        .cloned()
                        .unwrap_or_default();
                    // Kafka's `Struct.put` check of a key field.
                    check_null_allowed(&field.name, &field.schema, &v)?;
                    *slot = v;
                }
                // Kafka's new record carries the struct's own schema as value schema.
                let value_schema = Arc::clone(&value.schema);
                record.key_schema = Some(key_schema);
                record.key = Value::Struct(key);
                record.value_schema = Some(value_schema);
            }
        }
        Ok(Some(record))
    }
}

impl ValueToKey {
    /// The key schema for a value schema: a struct of the configured fields, each
    /// with the schema of the value field its path reaches (cached).
    fn key_schema(&mut self, value_schema: &Arc<Schema>) -> Result<Arc<Schema>, PluginError> {
        let fields = &self.fields;
        let paths = &self.field_paths;
        self.value_to_key_schema_cache
            .get_or_try_insert(value_schema, |schema| {
                let mut builder = Schema::structure();
                for (field, path) in fields.iter().zip(paths) {
                    let Some(found) = path.field_from(Some(schema))? else {
                        return Err(PluginError::fatal(format!("Field does not exist: {field}")));
                    };
                    builder = builder.field(field.clone(), Arc::clone(&found.schema));
                }
                Ok(builder.into_arc())
            })
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_transform!(ValueToKey);

#[cfg(test)]
mod tests;
