//! Kafka's `ReplaceField` transform, generic over which side of the record it changes
//! ([`KeySide`] for `ReplaceField$Key`, [`ValueSide`] for `ReplaceField$Value`); one
//! component exports both forms (a plugin family).
//!
//! Filters and renames the top-level fields of a struct (with schema) or a map
//! (schemaless): `exclude` drops fields, `include` (when not empty) keeps only the
//! fields it lists, `renames` (`old:new` pairs) renames the fields kept. Null values
//! (tombstones) pass through untouched. The output schema of each input schema is
//! built once and cached (Kafka's 16-entry LRU cache).

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, Struct, Value,
};
use transform_support::config::{
    KeyedError, any_non_duplicate_values, parse_bool, parse_list, problems,
};
use transform_support::java_map::{self, JavaHashMap};
use transform_support::schema_util::copy_schema_basics;
use transform_support::{SchemaCache, replace_null_with_default, requirements};

pub use transform_support::{KeySide, Side, ValueSide};

pub const EXCLUDE: &str = "exclude";
pub const INCLUDE: &str = "include";
pub const RENAMES: &str = "renames";
pub const REPLACE_NULL_WITH_DEFAULT: &str = replace_null_with_default::CONFIG;

const PURPOSE: &str = "field replacement";

/// Kafka's `ReplaceField.OVERVIEW_DOC` (with the class names it interpolates).
pub const OVERVIEW_DOC: &str = "Filter or rename fields.<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.ReplaceField$Key</code>) or value (<code>org.apache.kafka.connect.transforms.ReplaceField$Value</code>).";

/// The transform.
pub struct ReplaceField<S: Side> {
    exclude: HashSet<String>,
    include: HashSet<String>,
    renames: HashMap<String, String>,
    reverse_renames: HashMap<String, String>,
    replace_null_with_default: bool,
    schema_cache: SchemaCache,
    side: PhantomData<S>,
}

// ------------------------------------------------------------------ config

/// A list key (default: empty) validated by Kafka 4.4's
/// `ValidList.anyNonDuplicateValues(true, false)`: duplicates are dropped (Kafka logs
/// a warning), empty items refused.
fn field_list(config: &Config, key: &'static str) -> Result<Vec<String>, KeyedError> {
    let items = config.get(key).map(parse_list).unwrap_or_default();
    any_non_duplicate_values(key, items, true).map_err(|e| (key, e))
}

/// Java's `String.split(":")`: every piece, with trailing empty pieces removed.
fn java_split_colon(s: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 1 {
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
    }
    parts
}

/// `ReplaceField.parseRenameMappings`, with its `ConfigException` message.
fn parse_rename_mappings(mappings: &[String]) -> Result<HashMap<String, String>, PluginError> {
    let mut renames = HashMap::new();
    for mapping in mappings {
        let parts = java_split_colon(mapping);
        if parts.len() != 2 {
            return Err(PluginError::config(format!(
                "Invalid value [{}] for configuration {RENAMES}: Invalid rename mapping: {mapping}",
                mappings.join(", ")
            )));
        }
        renames.insert(parts[0].to_string(), parts[1].to_string());
    }
    Ok(renames)
}

/// `ReplaceField.invert`: new name → old name. Kafka iterates its `renames`
/// `HashMap`, so where two names are renamed to one, the one later in that map's
/// iteration order wins.
fn invert(mappings: &[String], renames: &HashMap<String, String>) -> HashMap<String, String> {
    let mut map = JavaHashMap::new();
    for mapping in mappings {
        if let Some(old) = java_split_colon(mapping).first() {
            map.put(old);
        }
    }
    let mut reverse = HashMap::new();
    for old in map.keys() {
        if let Some(new) = renames.get(old) {
            reverse.insert(new.clone(), old.to_string());
        }
    }
    reverse
}

/// Kafka's `configure`: the `ConfigDef` keys in definition order, the first problem
/// wins (with the key it is about).
fn parse_config<S: Side>(config: &Config) -> Result<ReplaceField<S>, KeyedError> {
    let exclude = field_list(config, EXCLUDE)?;
    let include = field_list(config, INCLUDE)?;
    let mappings = config.get(RENAMES).map(parse_list).unwrap_or_default();
    let renames = parse_rename_mappings(&mappings).map_err(|e| (RENAMES, e))?;
    let replace_null_with_default = parse_bool(config, REPLACE_NULL_WITH_DEFAULT, true)
        .map_err(|e| (REPLACE_NULL_WITH_DEFAULT, e))?;
    let reverse_renames = invert(&mappings, &renames);
    Ok(ReplaceField {
        exclude: exclude.into_iter().collect(),
        include: include.into_iter().collect(),
        renames,
        reverse_renames,
        replace_null_with_default,
        schema_cache: SchemaCache::new(),
        side: PhantomData,
    })
}

impl<S: Side> Plugin for ReplaceField<S> {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation(S::plugin_name("replace-field"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("ReplaceField"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::list(EXCLUDE)
                    .default_value("")
                    .importance(Importance::Medium)
                    .doc("Fields to exclude. This takes precedence over the fields to include."),
            )
            .config(
                ConfigKey::list(INCLUDE)
                    .default_value("")
                    .importance(Importance::Medium)
                    .doc("Fields to include. If specified, only these fields will be used."),
            )
            .config(
                ConfigKey::list(RENAMES)
                    .default_value("")
                    .importance(Importance::Medium)
                    .doc("Field rename mappings."),
            )
            .config(replace_null_with_default::config_key())
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        problems(parse_config::<S>(config))
    }
}

// ------------------------------------------------------------------ transform

impl<S: Side> ReplaceField<S> {
    /// Whether a field is kept.
    fn filter(&self, name: &str) -> bool {
        !self.exclude.contains(name) && (self.include.is_empty() || self.include.contains(name))
    }

    fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames.get(name).map_or(name, String::as_str)
    }

    fn reverse_renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.reverse_renames.get(name).map_or(name, String::as_str)
    }

    /// Kafka's `applySchemaless`: a new map of the kept entries, renamed. Where two
    /// entries end up with one name, the one later in the map wins, as in Kafka
    /// (maps arrive in `HashMap` iteration order from the converter). The result is in
    /// the iteration order of Kafka's new `HashMap`, so it is written as Kafka writes it.
    fn apply_schemaless(&self, entries: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
        let input_len = entries.len();
        let mut updated: Vec<(Value, Value)> = Vec::with_capacity(entries.len());
        let mut positions: HashMap<String, usize> = HashMap::new();
        for (key, value) in entries {
            // Kafka casts every key to String; Connect maps read from JSON only have
            // string keys. Other keys are kept as they are.
            let key = match key {
                Value::String(name) => {
                    if !self.filter(&name) {
                        continue;
                    }
                    match self.renames.get(&name) {
                        Some(new_name) => Value::String(new_name.clone()),
                        None => Value::String(name),
                    }
                }
                other => other,
            };
            // Only a rename can make a name collide with another.
            let existing = match &key {
                Value::String(name) if !self.renames.is_empty() => {
                    positions.get(name.as_str()).copied()
                }
                _ => None,
            };
            match existing {
                Some(i) => updated[i].1 = value,
                None => {
                    if let Value::String(name) = &key
                        && !self.renames.is_empty()
                    {
                        positions.insert(name.clone(), updated.len());
                    }
                    updated.push((key, value));
                }
            }
        }
        // `new HashMap<>(value.size())`, the entries put in this order.
        let mut map = JavaHashMap::with_capacity(input_len);
        for (key, _) in &updated {
            match key.as_str() {
                Some(name) => map.put(name),
                None => return updated,
            }
        }
        java_map::reorder(updated, &map)
    }

    /// Kafka's `makeUpdatedSchema`: the basics of the input schema with the kept fields,
    /// renamed. A name given twice fails as `SchemaBuilder.field` does.
    fn make_updated_schema(&self, schema: &Arc<Schema>) -> Result<Arc<Schema>, PluginError> {
        let mut builder = copy_schema_basics(schema);
        for field in &schema.fields {
            if self.filter(&field.name) {
                let name = self.renamed(&field.name);
                if builder.field_named(name).is_some() {
                    return Err(PluginError::fatal(format!(
                        "Cannot create field because of field name duplication {name}"
                    )));
                }
                builder = builder.field(name, Arc::clone(&field.schema));
            }
        }
        Ok(builder.into_arc())
    }

    /// Kafka's `applyWithSchema`.
    fn apply_with_schema(&mut self, value: &Struct) -> Result<Struct, PluginError> {
        let updated_schema = {
            let input = &value.schema;
            match self.schema_cache.get(input) {
                Some(cached) => cached,
                None => {
                    let built = self.make_updated_schema(input)?;
                    self.schema_cache.put(Arc::clone(input), Arc::clone(&built));
                    built
                }
            }
        };
        let mut values = Vec::with_capacity(updated_schema.fields.len());
        for field in &updated_schema.fields {
            let source = self.reverse_renamed(&field.name);
            let Some(source_field) = value.schema.field_named(source) else {
                return Err(PluginError::fatal(format!(
                    "{source} is not a valid field name"
                )));
            };
            let field_value = replace_null_with_default::field_value(
                value,
                source_field,
                self.replace_null_with_default,
            );
            values.push(field_value.cloned().unwrap_or(Value::Null));
        }
        Ok(Struct {
            schema: updated_schema,
            values,
        })
    }
}

impl<S: Side> ferry_sdk::Transform for ReplaceField<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config).map_err(|(_, e)| e)
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
                if !matches!(value, Value::Map(_)) {
                    return Err(requirements::not_a_map(value, PURPOSE));
                }
                if let Value::Map(entries) = std::mem::take(value) {
                    *value = Value::Map(self.apply_schemaless(entries));
                }
            }
            Some(s) => {
                let Value::Struct(st) = &*value else {
                    return Err(requirements::not_a_struct(value, Some(s), PURPOSE));
                };
                let updated = self.apply_with_schema(st)?;
                *schema = Some(Arc::clone(&updated.schema));
                *value = Value::Struct(updated);
            }
        }
        Ok(Some(record))
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [ReplaceField<KeySide>, ReplaceField<ValueSide>]);

#[cfg(test)]
mod tests;
