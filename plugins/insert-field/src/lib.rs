//! Kafka's `InsertField` transform, generic over which side of the record it changes
//! ([`KeySide`] for `InsertField$Key`, [`ValueSide`] for `InsertField$Value`); one
//! component exports both forms (a plugin family).
//!
//! Inserts the record's topic, partition, Kafka offset (sink records only), timestamp
//! and/or a static string into a struct (with schema) or a map (schemaless). A field
//! name ending in `!` is required, `?` (or nothing) optional. Null values (tombstones)
//! pass through untouched.

use std::marker::PhantomData;
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, Struct, Transform, Value,
};

pub const TOPIC_FIELD: &str = "topic.field";
pub const PARTITION_FIELD: &str = "partition.field";
pub const OFFSET_FIELD: &str = "offset.field";
pub const TIMESTAMP_FIELD: &str = "timestamp.field";
pub const STATIC_FIELD: &str = "static.field";
pub const STATIC_VALUE: &str = "static.value";
pub const REPLACE_NULL_WITH_DEFAULT: &str = replace_null_with_default::CONFIG;

const PURPOSE: &str = "field insertion";

use transform_support::schema_util::copy_schema_basics_into;
pub use transform_support::{KeySide, Side, ValueSide};
use transform_support::{SchemaCache, replace_null_with_default, requirements};

/// A field to insert: its name and whether it is optional.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Spec {
    name: String,
    optional: bool,
}

impl Spec {
    fn parse(config: &Config, key: &str) -> Option<Spec> {
        let spec = config.get(key)?.trim();
        let (name, optional) = if let Some(name) = spec.strip_suffix('?') {
            (name, true)
        } else if let Some(name) = spec.strip_suffix('!') {
            (name, false)
        } else {
            (spec, true)
        };
        // Kafka keeps an empty name: maps get an "" key, struct schemas refuse it.
        Some(Spec {
            name: name.to_string(),
            optional,
        })
    }
}

/// The transform.
pub struct InsertField<S: Side> {
    topic: Option<Spec>,
    partition: Option<Spec>,
    offset: Option<Spec>,
    timestamp: Option<Spec>,
    static_field: Option<Spec>,
    static_value: Option<String>,
    replace_null_with_default: bool,
    /// Input struct schema -> output struct schema (Kafka's 16-entry cache).
    schema_cache: SchemaCache,
    side: PhantomData<S>,
}

fn parse_config<S: Side>(config: &Config) -> Result<InsertField<S>, PluginError> {
    let t = InsertField {
        topic: Spec::parse(config, TOPIC_FIELD),
        partition: Spec::parse(config, PARTITION_FIELD),
        offset: Spec::parse(config, OFFSET_FIELD),
        timestamp: Spec::parse(config, TIMESTAMP_FIELD),
        static_field: Spec::parse(config, STATIC_FIELD),
        static_value: config.get(STATIC_VALUE).map(str::to_string),
        replace_null_with_default: config.bool_or(REPLACE_NULL_WITH_DEFAULT, true)?,
        schema_cache: SchemaCache::new(),
        side: PhantomData,
    };
    if t.topic.is_none()
        && t.partition.is_none()
        && t.offset.is_none()
        && t.timestamp.is_none()
        && t.static_field.is_none()
    {
        return Err(PluginError::config("No field insertion configured"));
    }
    if let (Some(field), None) = (&t.static_field, &t.static_value) {
        return Err(PluginError::config(format!(
            "Invalid value null for configuration {STATIC_VALUE}: No value specified for static field: {}",
            field.name
        )));
    }
    Ok(t)
}

fn field_key(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::string(name)
        .importance(Importance::Medium)
        .doc(doc)
}

impl<S: Side> Plugin for InsertField<S> {
    fn describe() -> PluginDescriptor {
        let suffix = " Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).";
        PluginDescriptor::transformation(S::plugin_name("insert-field"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("InsertField"))
            .summary("Insert field(s) using attributes from the record metadata or a configured static value.")
            .config(field_key(TOPIC_FIELD, &format!("Field name for Kafka topic.{suffix}")))
            .config(field_key(PARTITION_FIELD, &format!("Field name for Kafka partition.{suffix}")))
            .config(field_key(
                OFFSET_FIELD,
                &format!("Field name for Kafka offset - only applicable to sink connectors.{suffix}"),
            ))
            .config(field_key(TIMESTAMP_FIELD, &format!("Field name for record timestamp.{suffix}")))
            .config(field_key(STATIC_FIELD, &format!("Field name for static data field.{suffix}")))
            .config(field_key(STATIC_VALUE, "Static field value, if field name configured."))
            .config(replace_null_with_default::config_key())
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match parse_config::<S>(config) {
            Ok(_) => Vec::new(),
            Err(e) => {
                let key = if e.message().contains(STATIC_VALUE) {
                    STATIC_VALUE
                } else if e.message().contains(REPLACE_NULL_WITH_DEFAULT) {
                    REPLACE_NULL_WITH_DEFAULT
                } else {
                    TOPIC_FIELD
                };
                vec![ConfigProblem::new(key, e.message())]
            }
        }
    }
}

impl<S: Side> Transform for InsertField<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let topic = record.topic.clone();
        let partition = record.partition;
        let offset = record.kafka_offset;
        let timestamp = record.timestamp;
        let (schema, value) = S::operating(&mut record);
        if value.is_null() {
            return Ok(Some(record));
        }
        let meta = Meta {
            topic,
            partition,
            offset,
            timestamp,
        };
        match schema {
            None => {
                requirements::require_map(value, PURPOSE)?;
                let Value::Map(entries) = value else {
                    return Ok(Some(record));
                };
                self.insert_schemaless(entries, &meta)?;
            }
            Some(schema) => {
                let old = requirements::require_struct_of(value, Some(schema), PURPOSE)?;
                let updated_schema = self.updated_schema(&old.schema)?;
                let updated = self.insert_with_schema(old, Arc::clone(&updated_schema), &meta)?;
                *schema = updated_schema;
                *value = Value::Struct(updated);
            }
        }
        Ok(Some(record))
    }
}

/// Record metadata the transform inserts.
struct Meta {
    topic: String,
    partition: Option<i32>,
    offset: Option<i64>,
    timestamp: Option<i64>,
}

impl Meta {
    fn offset(&self) -> Result<i64, PluginError> {
        self.offset.ok_or_else(|| {
            PluginError::fatal(format!(
                "Only SinkRecord supported for [{PURPOSE}], found: org.apache.kafka.connect.source.SourceRecord"
            ))
        })
    }
}

impl<S: Side> InsertField<S> {
    fn insert_schemaless(
        &self,
        entries: &mut Vec<(Value, Value)>,
        meta: &Meta,
    ) -> Result<(), PluginError> {
        let mut put = |name: &str, value: Value| match entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(name))
        {
            Some(entry) => entry.1 = value,
            None => entries.push((Value::from(name), value)),
        };
        if let Some(f) = &self.topic {
            put(&f.name, Value::from(meta.topic.as_str()));
        }
        if let (Some(f), Some(partition)) = (&self.partition, meta.partition) {
            put(&f.name, Value::Int32(partition));
        }
        if let Some(f) = &self.offset {
            put(&f.name, Value::Int64(meta.offset()?));
        }
        if let (Some(f), Some(timestamp)) = (&self.timestamp, meta.timestamp) {
            put(&f.name, Value::Int64(timestamp));
        }
        if let (Some(f), Some(v)) = (&self.static_field, &self.static_value) {
            put(&f.name, Value::from(v.as_str()));
        }
        Ok(())
    }

    fn insert_with_schema(
        &self,
        old: &Struct,
        schema: Arc<Schema>,
        meta: &Meta,
    ) -> Result<Struct, PluginError> {
        let mut updated = Struct::new(schema);
        for (field, stored) in old.iter() {
            let value = if self.replace_null_with_default {
                old.get_field(field).unwrap_or(stored)
            } else {
                stored
            };
            updated.put(&field.name, value.clone())?;
        }
        if let Some(f) = &self.topic {
            updated.put(&f.name, meta.topic.as_str())?;
        }
        // A null partition or timestamp leaves its field unset, as Kafka does (a
        // required one then fails when the record is converted).
        if let (Some(f), Some(partition)) = (&self.partition, meta.partition) {
            updated.put(&f.name, partition)?;
        }
        if let Some(f) = &self.offset {
            updated.put(&f.name, meta.offset()?)?;
        }
        if let (Some(f), Some(timestamp)) = (&self.timestamp, meta.timestamp) {
            updated.put(&f.name, timestamp)?;
        }
        if let (Some(f), Some(v)) = (&self.static_field, &self.static_value) {
            updated.put(&f.name, v.as_str())?;
        }
        Ok(updated)
    }

    /// The input schema plus the inserted fields (cached per input schema).
    fn updated_schema(&mut self, schema: &Arc<Schema>) -> Result<Arc<Schema>, PluginError> {
        if let Some(updated) = self.schema_cache.get(schema) {
            return Ok(updated);
        }
        // Kafka's SchemaUtil.copySchemaBasics(schema, SchemaBuilder.struct()).
        let mut builder = copy_schema_basics_into(schema, Schema::structure());
        for field in &schema.fields {
            builder = builder.field(field.name.clone(), Arc::clone(&field.schema));
        }
        let inserted = [
            (&self.topic, Schema::string()),
            (&self.partition, Schema::int32()),
            (&self.offset, Schema::int64()),
            (&self.timestamp, Schema::timestamp()),
            (&self.static_field, Schema::string()),
        ];
        for (spec, field_schema) in inserted {
            let Some(spec) = spec else { continue };
            // Kafka's SchemaBuilder.field checks.
            if spec.name.is_empty() {
                return Err(PluginError::fatal("fieldName cannot be null."));
            }
            if builder.field_named(&spec.name).is_some() {
                return Err(PluginError::fatal(format!(
                    "Cannot create field because of field name duplication {}",
                    spec.name
                )));
            }
            builder = builder.field(spec.name.clone(), field_schema.with_optional(spec.optional));
        }
        let updated = builder.into_arc();
        self.schema_cache
            .put(Arc::clone(schema), Arc::clone(&updated));
        Ok(updated)
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [InsertField<KeySide>, InsertField<ValueSide>]);

#[cfg(test)]
mod tests {
    use super::*;

    fn transform(pairs: &[(&str, &str)]) -> InsertField<ValueSide> {
        InsertField::open(pairs.iter().copied().collect()).expect("open")
    }

    fn sink_record(value_schema: Option<Arc<Schema>>, value: Value) -> ConnectRecord {
        ConnectRecord {
            partition: Some(2),
            kafka_offset: Some(42),
            timestamp: Some(1000),
            ..ConnectRecord::new("orders", value_schema, value)
        }
    }

    #[test]
    fn schemaless_insertion() {
        let mut t = transform(&[
            (TOPIC_FIELD, "topic_field!"),
            (PARTITION_FIELD, "partition_field"),
            (OFFSET_FIELD, "offset_field!"),
            (TIMESTAMP_FIELD, "timestamp_field?"),
            (STATIC_FIELD, "instance_id"),
            (STATIC_VALUE, "my-instance-id"),
        ]);
        let value = Value::Map(vec![("magic".into(), Value::Int64(42))]);
        let out = t
            .apply_record(sink_record(None, value))
            .expect("apply")
            .expect("kept");
        assert_eq!(
            out.value,
            Value::Map(vec![
                ("magic".into(), Value::Int64(42)),
                ("topic_field".into(), "orders".into()),
                ("partition_field".into(), Value::Int32(2)),
                ("offset_field".into(), Value::Int64(42)),
                ("timestamp_field".into(), Value::Int64(1000)),
                ("instance_id".into(), "my-instance-id".into()),
            ])
        );
    }

    #[test]
    fn struct_insertion_extends_the_schema() {
        let mut t = transform(&[
            (TOPIC_FIELD, "topic_field!"),
            (PARTITION_FIELD, "partition_field"),
            (TIMESTAMP_FIELD, "timestamp_field?"),
            (STATIC_FIELD, "instance_id"),
            (STATIC_VALUE, "my-instance-id"),
        ]);
        let schema = Schema::structure()
            .with_name("name")
            .with_version(1)
            .with_doc("doc")
            .field("magic", Schema::int64().optional().with_default(7i64))
            .into_arc();
        let value = Value::Struct(Struct::new(Arc::clone(&schema)));
        let out = t
            .apply_record(sink_record(Some(schema), value))
            .expect("apply")
            .expect("kept");
        let out_schema = out.value_schema.clone().expect("schema");
        assert_eq!(out_schema.name.as_deref(), Some("name"));
        assert_eq!(out_schema.version, Some(1));
        assert_eq!(out_schema.fields.len(), 5);
        assert!(
            !out_schema.fields[1].schema.optional,
            "topic_field! is required"
        );
        assert_eq!(*out_schema.fields[3].schema, Schema::timestamp().optional());
        let s = out.value.as_struct().expect("struct");
        assert_eq!(s.get("magic"), Some(&Value::Int64(7)), "default applied");
        assert_eq!(s.get("topic_field"), Some(&"orders".into()));
        assert_eq!(s.get("partition_field"), Some(&Value::Int32(2)));
        assert_eq!(s.get("timestamp_field"), Some(&Value::Int64(1000)));
        assert_eq!(s.get("instance_id"), Some(&"my-instance-id".into()));
    }

    #[test]
    fn tombstones_pass_and_bad_values_fail() {
        let mut t = transform(&[(TOPIC_FIELD, "t")]);
        let tombstone = sink_record(None, Value::Null);
        assert_eq!(
            t.apply_record(tombstone.clone()).expect("apply"),
            Some(tombstone)
        );
        assert!(t.apply_record(sink_record(None, "text".into())).is_err());
        let mut o = transform(&[(OFFSET_FIELD, "o")]);
        let source = ConnectRecord::new("t", None, Value::Map(vec![]));
        assert!(
            o.apply_record(source).is_err(),
            "offset needs a sink record"
        );
    }

    #[test]
    fn key_side_and_config_checks() {
        let mut t: InsertField<KeySide> =
            InsertField::open([(TOPIC_FIELD, "t")].into_iter().collect()).expect("open");
        let record = sink_record(None, "v".into()).with_key(None, Value::Map(vec![]));
        let out = t.apply_record(record).expect("apply").expect("kept");
        assert_eq!(out.key, Value::Map(vec![("t".into(), "orders".into())]));
        assert_eq!(out.value, Value::from("v"));
        assert!(InsertField::<ValueSide>::open(Config::new()).is_err());
        let no_value: Config = [(STATIC_FIELD, "s")].into_iter().collect();
        assert_eq!(InsertField::<ValueSide>::validate(&no_value).len(), 1);
    }
}
