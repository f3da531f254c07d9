//! Kafka's `HoistField` transform (`HoistField$Key` / `HoistField$Value`), one generic
//! type over the [`Side`] it operates on.
//!
//! Wraps the key or value in a struct with one field (with a schema) or in a map with
//! one entry (schemaless). Nulls are wrapped too, as in Kafka.

use std::marker::PhantomData;
use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, Struct, Transform, Value,
};
use transform_support::SchemaCache;
use transform_support::config::required_string;
use transform_support::connect_schema::check_null_allowed;
pub use transform_support::{KeySide, Side, ValueSide};

pub const FIELD_CONFIG: &str = "field";

/// Kafka's `HoistField.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str = "Wrap data using the specified field name in a Struct when schema present, or a Map in the case of schemaless data.\
<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.HoistField$Key</code>) \
or value (<code>org.apache.kafka.connect.transforms.HoistField$Value</code>).";

/// The transform.
pub struct HoistField<S: Side> {
    field_name: String,
    /// Operating schema -> the wrapping struct schema.
    schema_update_cache: SchemaCache,
    side: PhantomData<S>,
}

fn parse_config<S: Side>(config: &Config) -> Result<HoistField<S>, PluginError> {
    Ok(HoistField {
        field_name: required_string(config, FIELD_CONFIG)?.to_string(),
        schema_update_cache: SchemaCache::new(),
        side: PhantomData,
    })
}

impl<S: Side> Plugin for HoistField<S> {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation(S::plugin_name("hoist-field"))
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(S::aliases("HoistField"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(FIELD_CONFIG)
                    .required()
                    .importance(Importance::Medium)
                    .doc("Field name for the single field that will be created in the resulting Struct or Map."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match parse_config::<S>(config) {
            Ok(_) => Vec::new(),
            Err(e) => vec![ConfigProblem::new(FIELD_CONFIG, e.message())],
        }
    }
}

impl<S: Side> Transform for HoistField<S> {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let (schema, value) = S::operating(&mut record);
        let inner = std::mem::take(value);
        match schema {
            None => {
                *value = Value::Map(vec![(Value::from(self.field_name.as_str()), inner)]);
            }
            Some(operating) => {
                let field_name = &self.field_name;
                let updated_schema =
                    self.schema_update_cache
                        .get_or_try_insert::<PluginError>(operating, |s| {
                            // SchemaBuilder.field refuses an empty name.
                            if field_name.is_empty() {
                                return Err(PluginError::fatal("fieldName cannot be null."));
                            }
                            Ok(Schema::structure()
                                .field(field_name.clone(), Arc::clone(s))
                                .into_arc())
                        })?;
                // Kafka's Struct.put: a null only where the schema is optional.
                check_null_allowed(field_name, operating, &inner)?;
                let hoisted = Struct {
                    schema: Arc::clone(&updated_schema),
                    values: vec![inner],
                };
                *schema = Some(updated_schema);
                *value = Value::Struct(hoisted);
            }
        }
        Ok(Some(record))
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_family!(transforms: [HoistField<KeySide>, HoistField<ValueSide>]);

#[cfg(test)]
mod tests {
    use super::*;

    fn key_xform(field: &str) -> HoistField<KeySide> {
        HoistField::open([("field", field)].into_iter().collect()).expect("open")
    }

    /// `new SinkRecord("test", 0, keySchema, key, null, null, 0)`.
    fn sink_key(key_schema: Option<Arc<Schema>>, key: Value) -> ConnectRecord {
        ConnectRecord {
            partition: Some(0),
            kafka_offset: Some(0),
            ..ConnectRecord::new("test", None, Value::Null)
        }
        .with_key(key_schema, key)
    }

    fn apply<S: Side>(t: &mut HoistField<S>, r: ConnectRecord) -> ConnectRecord {
        t.apply_record(r).expect("apply").expect("kept")
    }

    // ---- HoistFieldTest ----

    #[test]
    fn schemaless() {
        let mut xform = key_xform("magic");
        let out = apply(&mut xform, sink_key(None, Value::Int32(42)));
        assert!(out.key_schema.is_none());
        assert_eq!(
            out.key,
            Value::Map(vec![(Value::from("magic"), Value::Int32(42))])
        );
    }

    #[test]
    fn with_schema() {
        let mut xform = key_xform("magic");
        let key_schema = Schema::int32().into_arc();
        let out = apply(
            &mut xform,
            sink_key(Some(Arc::clone(&key_schema)), Value::Int32(42)),
        );
        let schema = out.key_schema.expect("schema");
        assert_eq!(schema.kind, ferry_sdk::SchemaType::Struct);
        assert_eq!(schema.field_named("magic").unwrap().schema, key_schema);
        assert_eq!(
            out.key.as_struct().unwrap().get("magic"),
            Some(&Value::Int32(42))
        );
    }

    #[test]
    fn test_schemaless_map_is_mutable() {
        let mut xform = key_xform("magic");
        let out = apply(&mut xform, sink_key(None, Value::Int32(420)));
        assert!(out.key_schema.is_none());
        let Value::Map(mut actual) = out.key else {
            panic!("map expected")
        };
        actual.push((Value::from("k"), Value::from("v")));
        assert_eq!(
            actual,
            vec![
                (Value::from("magic"), Value::Int32(420)),
                (Value::from("k"), Value::from("v")),
            ]
        );
    }

    #[test]
    fn test_hoist_field_version_retrieved_from_app_info_parser() {
        assert_eq!(
            HoistField::<KeySide>::describe().version,
            env!("CARGO_PKG_VERSION")
        );
    }

    // ---- beyond Kafka's tests ----

    #[test]
    fn value_side_caches_the_wrapping_schema() {
        let mut xform: HoistField<ValueSide> =
            HoistField::open([("field", " wrapped ")].into_iter().collect()).expect("open");
        let records: Vec<ConnectRecord> = (0..2)
            .map(|i| {
                ConnectRecord::new(
                    "t",
                    Some(Schema::string().into_arc()),
                    Value::from(format!("v{i}")),
                )
            })
            .collect();
        let out = xform.apply(records).expect("apply");
        let (a, b) = (
            out[0].value_schema.as_ref().unwrap(),
            out[1].value_schema.as_ref().unwrap(),
        );
        assert!(Arc::ptr_eq(a, b));
        assert_eq!(a.fields[0].name, "wrapped", "the config value is trimmed");
        assert_eq!(
            out[1].value.as_struct().unwrap().get("wrapped"),
            Some(&Value::from("v1"))
        );
    }

    #[test]
    fn nulls_are_hoisted_or_refused_as_kafka() {
        let mut xform = key_xform("k");
        let out = apply(&mut xform, sink_key(None, Value::Null));
        assert_eq!(out.key, Value::Map(vec![(Value::from("k"), Value::Null)]));
        let out = apply(
            &mut xform,
            sink_key(Some(Schema::string().optional().into_arc()), Value::Null),
        );
        assert_eq!(out.key.as_struct().unwrap().values, vec![Value::Null]);
        let err = xform
            .apply_record(sink_key(Some(Schema::string().into_arc()), Value::Null))
            .unwrap_err();
        assert_eq!(
            err.message(),
            "Invalid value: null used for required field: \"k\", schema type: STRING"
        );
    }

    #[test]
    fn an_empty_field_name_only_works_without_a_schema() {
        let mut xform = key_xform("");
        let out = apply(&mut xform, sink_key(None, Value::Int32(1)));
        assert_eq!(
            out.key,
            Value::Map(vec![(Value::from(""), Value::Int32(1))])
        );
        let err = xform
            .apply_record(sink_key(Some(Schema::int32().into_arc()), Value::Int32(1)))
            .unwrap_err();
        assert_eq!(err.message(), "fieldName cannot be null.");
    }

    #[test]
    fn descriptor_and_config() {
        let d = HoistField::<ValueSide>::describe();
        assert_eq!(d.name, "hoist-field-value");
        assert_eq!(d.aliases[0], "HoistField$Value");
        assert_eq!(
            HoistField::<ValueSide>::validate(&Config::new())[0].message,
            "Missing required configuration \"field\" which has no default value."
        );
    }
}
