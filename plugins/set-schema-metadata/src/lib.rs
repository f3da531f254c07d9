//! Kafka's `SetSchemaMetadata` transform (`SetSchemaMetadata$Key` /
//! `SetSchemaMetadata$Value`), one generic type over the [`Side`] it operates on.
//!
//! Sets the name and/or version of the key or value schema. A struct value is rebuilt
//! on the renamed schema (field values copied, defaults applied unless
//! `replace.null.with.default=false`). As in Kafka 4.4.0, which rebuilds the schema
//! through `ConnectSchema`'s constructor and asks every schema for its fields, only
//! struct schemas can be updated; any other schema fails with Kafka's
//! "Cannot list fields on non-struct type". A null with no schema passes through.

use std::marker::PhantomData;
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, SchemaType, Struct, Transform, Value,
};
use transform_support::config::{KeyedError, java_trim, problems};
use transform_support::connect_schema::check_null_allowed;
pub use transform_support::{KeySide, Side, ValueSide};
use transform_support::{SchemaCache, replace_null_with_default};

pub const SCHEMA_NAME_CONFIG: &str = "schema.name";
pub const SCHEMA_VERSION_CONFIG: &str = "schema.version";
pub const REPLACE_NULL_WITH_DEFAULT_CONFIG: &str = replace_null_with_default::CONFIG;

/// Kafka's `SetSchemaMetadata.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str = "Set the schema name, version or both on the record's key \
(<code>org.apache.kafka.connect.transforms.SetSchemaMetadata$Key</code>) or value \
(<code>org.apache.kafka.connect.transforms.SetSchemaMetadata$Value</code>) schema.";

const PURPOSE: &str = "updating schema metadata";

/// The transform.
pub struct SetSchemaMetadata<S: Side> {
    schema_name: Option<String>,
    schema_version: Option<i32>,
    replace_null_with_default: bool,
    /// Operating schema -> updated schema.
    schema_cache: SchemaCache,
    side: PhantomData<S>,
}

fn parse_config<S: Side>(config: &Config) -> Result<SetSchemaMetadata<S>, KeyedError> {
    // ConfigDef order: schema.name, schema.version, replace.null.with.default.
    let schema_name = config
        .get(SCHEMA_NAME_CONFIG)
        .map(|v| java_trim(v).to_string());
    let schema_version = match config.get(SCHEMA_VERSION_CONFIG) {
        None => None,
        Some(raw) => Some(java_trim(raw).parse::<i32>().map_err(|_| {
            (
                SCHEMA_VERSION_CONFIG,
                PluginError::config(format!(
                    "Invalid value {raw} for configuration {SCHEMA_VERSION_CONFIG}: Not a number of type INT"
                )),
            )
        })?),
    };
    let replace_null_with_default = config
        .bool_or(REPLACE_NULL_WITH_DEFAULT_CONFIG, true)
        .map_err(|e| (REPLACE_NULL_WITH_DEFAULT_CONFIG, e))?;
    if schema_name.is_none() && schema_version.is_none() {
        return Err((
            SCHEMA_NAME_CONFIG,
            PluginError::config("Neither schema name nor version configured"),
        ));
    }
    Ok(SetSchemaMetadata {
        schema_name,
        schema_version,
        replace_null_with_default,
        schema_cache: SchemaCache::new(),
        side: PhantomData,
    })
}

impl<S: Side> Plugin for SetSchemaMetadata<S> {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation(S::plugin_name("set-schema-metadata"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("SetSchemaMetadata"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(SCHEMA_NAME_CONFIG)
                    .importance(Importance::High)
                    .doc("Schema name to set."),
            )
            .config(
                ConfigKey::int(SCHEMA_VERSION_CONFIG)
                    .importance(Importance::High)
                    .doc("Schema version to set."),
            )
            .config(replace_null_with_default::config_key())
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        problems(parse_config::<S>(config))
    }
}

impl<S: Side> Transform for SetSchemaMetadata<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config).map_err(|(_, e)| e)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let (schema, value) = S::operating(&mut record);
        let Some(operating) = schema else {
            if value.is_null() {
                return Ok(Some(record));
            }
            return Err(PluginError::fatal(format!(
                "Schema required for [{PURPOSE}]"
            )));
        };
        let name = &self.schema_name;
        let version = self.schema_version;
        let updated_schema = self.schema_cache.get_or_try_insert(operating, |s| {
            updated(s, name.as_deref(), version).map(Arc::new)
        })?;
        *value = self.update_schema_in(std::mem::take(value), &updated_schema)?;
        *schema = Some(updated_schema);
        Ok(Some(record))
    }
}

/// Kafka's `new ConnectSchema(type, optional, default, name', version', doc,
/// parameters, fields, keySchema if map, valueSchema if map or array)`; `fields()`
/// throws for anything but a struct.
fn updated(
    schema: &Schema,
    name: Option<&str>,
    version: Option<i32>,
) -> Result<Schema, PluginError> {
    if schema.kind != SchemaType::Struct {
        return Err(PluginError::fatal("Cannot list fields on non-struct type"));
    }
    let mut out = schema.clone();
    if let Some(name) = name {
        out.name = Some(name.to_string());
    }
    if let Some(version) = version {
        out.version = Some(version);
    }
    out.key_schema = None;
    out.value_schema = None;
    Ok(out)
}

impl<S: Side> SetSchemaMetadata<S> {
    /// Kafka's `updateSchemaIn`: a struct becomes a copy on `updated_schema`, each
    /// field put (and checked) with its value, defaulted if
    /// `replace.null.with.default`; anything else is returned as it is.
    pub fn update_schema_in(
        &self,
        key_or_value: Value,
        updated_schema: &Arc<Schema>,
    ) -> Result<Value, PluginError> {
        let Value::Struct(original) = key_or_value else {
            return Ok(key_or_value);
        };
        let mut values = Vec::with_capacity(updated_schema.fields.len());
        for field in &updated_schema.fields {
            let value = replace_null_with_default::field_value(
                &original,
                field,
                self.replace_null_with_default,
            )
            .cloned()
            .unwrap_or_default();
            check_null_allowed(&field.name, &field.schema, &value)?;
            values.push(value);
        }
        Ok(Value::Struct(Struct {
            schema: Arc::clone(updated_schema),
            values,
        }))
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [SetSchemaMetadata<KeySide>, SetSchemaMetadata<ValueSide>]);

#[cfg(test)]
mod tests;
