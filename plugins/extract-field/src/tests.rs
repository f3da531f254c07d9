//! Kafka's `ExtractFieldTest`, case by case, plus schema caching, config and
//! descriptor checks.

use super::*;
use ferry_sdk::{Schema, Struct};

fn key_xform(pairs: &[(&str, &str)]) -> ExtractField<KeySide> {
    ExtractField::open(pairs.iter().copied().collect()).expect("open")
}

fn value_xform(pairs: &[(&str, &str)]) -> ExtractField<ValueSide> {
    ExtractField::open(pairs.iter().copied().collect()).expect("open")
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

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (Value::from(*k), v.clone()))
            .collect(),
    )
}

fn apply<S: Side>(t: &mut ExtractField<S>, r: ConnectRecord) -> ConnectRecord {
    t.apply_record(r).expect("apply").expect("kept")
}

#[test]
fn schemaless() {
    let mut xform = key_xform(&[("field", "magic")]);
    let record = sink_key(None, map(&[("magic", Value::Int32(42))]));
    let out = apply(&mut xform, record);
    assert!(out.key_schema.is_none());
    assert_eq!(out.key, Value::Int32(42));
}

#[test]
fn schemaless_and_nested_path() {
    let mut xform = key_xform(&[("field.syntax.version", "V2"), ("field", "magic.foo")]);
    let key = map(&[("magic", map(&[("foo", Value::Int32(42))]))]);
    let out = apply(&mut xform, sink_key(None, key));
    assert!(out.key_schema.is_none());
    assert_eq!(out.key, Value::Int32(42));
}

#[test]
fn null_schemaless() {
    let mut xform = key_xform(&[("field", "magic")]);
    let out = apply(&mut xform, sink_key(None, Value::Null));
    assert!(out.key_schema.is_none());
    assert_eq!(out.key, Value::Null);
}

#[test]
fn with_schema() {
    let mut xform = key_xform(&[("field", "magic")]);
    let key_schema = Schema::structure()
        .field("magic", Schema::int32())
        .into_arc();
    let mut key = Struct::new(Arc::clone(&key_schema));
    key.put("magic", 42).unwrap();
    let out = apply(&mut xform, sink_key(Some(key_schema), Value::Struct(key)));
    assert_eq!(out.key_schema.as_deref(), Some(&Schema::int32()));
    assert_eq!(out.key, Value::Int32(42));
}

#[test]
fn with_schema_and_nested_path() {
    let mut xform = key_xform(&[("field.syntax.version", "V2"), ("field", "magic.foo")]);
    let foo_schema = Schema::structure().field("foo", Schema::int32()).into_arc();
    let key_schema = Schema::structure()
        .field("magic", Arc::clone(&foo_schema))
        .into_arc();
    let mut foo = Struct::new(foo_schema);
    foo.put("foo", 42).unwrap();
    let mut key = Struct::new(Arc::clone(&key_schema));
    key.put("magic", foo).unwrap();
    let out = apply(&mut xform, sink_key(Some(key_schema), Value::Struct(key)));
    assert_eq!(out.key_schema.as_deref(), Some(&Schema::int32()));
    assert_eq!(out.key, Value::Int32(42));
}

#[test]
fn test_null_with_schema() {
    let mut xform = key_xform(&[("field", "magic")]);
    let key_schema = Schema::structure()
        .field("magic", Schema::int32())
        .optional()
        .into_arc();
    let out = apply(&mut xform, sink_key(Some(key_schema), Value::Null));
    assert_eq!(out.key_schema.as_deref(), Some(&Schema::int32()));
    assert_eq!(out.key, Value::Null);
}

#[test]
fn non_existent_field_schemaless_should_return_null() {
    let mut xform = key_xform(&[("field", "nonexistent")]);
    let out = apply(
        &mut xform,
        sink_key(None, map(&[("magic", Value::Int32(42))])),
    );
    assert!(out.key_schema.is_none());
    assert_eq!(out.key, Value::Null);
}

#[test]
fn non_existent_nested_field_schemaless_should_return_null() {
    let mut xform = key_xform(&[
        ("field.syntax.version", "V2"),
        ("field", "magic.nonexistent"),
    ]);
    let key = map(&[("magic", map(&[("foo", Value::Int32(42))]))]);
    let out = apply(&mut xform, sink_key(None, key));
    assert!(out.key_schema.is_none());
    assert_eq!(out.key, Value::Null);
}

#[test]
fn non_existent_field_with_schema_should_fail() {
    let mut xform = key_xform(&[("field", "nonexistent")]);
    let key_schema = Schema::structure()
        .field("magic", Schema::int32())
        .into_arc();
    let mut key = Struct::new(Arc::clone(&key_schema));
    key.put("magic", 42).unwrap();
    let err = xform
        .apply_record(sink_key(Some(key_schema), Value::Struct(key)))
        .unwrap_err();
    assert_eq!(err, PluginError::fatal("Unknown field: nonexistent"));
}

#[test]
fn non_existent_nested_field_with_schema_should_fail() {
    let mut xform = key_xform(&[
        ("field.syntax.version", "V2"),
        ("field", "magic.nonexistent"),
    ]);
    let foo_schema = Schema::structure().field("foo", Schema::int32()).into_arc();
    let key_schema = Schema::structure()
        .field("magic", Arc::clone(&foo_schema))
        .into_arc();
    let mut foo = Struct::new(foo_schema);
    foo.put("foo", 42).unwrap();
    let mut key = Struct::new(Arc::clone(&key_schema));
    key.put("magic", foo).unwrap();
    let err = xform
        .apply_record(sink_key(Some(key_schema), Value::Struct(key)))
        .unwrap_err();
    assert_eq!(err, PluginError::fatal("Unknown field: magic.nonexistent"));
}

#[test]
fn test_extract_field_version_retrieved_from_app_info_parser() {
    assert_eq!(
        ExtractField::<KeySide>::describe().version,
        env!("CARGO_PKG_VERSION")
    );
}

fn optional_with_default_schema() -> Arc<Schema> {
    Schema::structure()
        .field(
            "optional_with_default",
            Schema::int32().optional().with_default(42),
        )
        .into_arc()
}

#[test]
fn test_unset_optional_key() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
        let mut xform = key_xform(&[
            ("field", "optional_with_default"),
            ("replace.null.with.default", replace),
        ]);
        let schema = optional_with_default_schema();
        let mut key = Struct::new(Arc::clone(&schema));
        key.put("optional_with_default", Value::Null).unwrap();
        let out = apply(&mut xform, sink_key(Some(schema), Value::Struct(key)));
        assert_eq!(out.key, expected, "replace.null.with.default={replace}");
    }
}

#[test]
fn test_unset_optional_field() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
        let mut xform = value_xform(&[
            ("field", "optional_with_default"),
            ("replace.null.with.default", replace),
        ]);
        let schema = optional_with_default_schema();
        let mut value = Struct::new(Arc::clone(&schema));
        value.put("optional_with_default", Value::Null).unwrap();
        let record = ConnectRecord {
            partition: Some(0),
            kafka_offset: Some(0),
            ..ConnectRecord::new("test", Some(schema), Value::Struct(value))
        };
        let out = apply(&mut xform, record);
        assert_eq!(out.value, expected, "replace.null.with.default={replace}");
    }
}

// ---- beyond Kafka's tests ----

#[test]
fn same_input_schema_gives_the_same_output_schema_object() {
    let mut xform = value_xform(&[("field", "a")]);
    let records: Vec<ConnectRecord> = (0..2)
        .map(|i| {
            // Equal but distinct schema objects, as decoded from separate batches.
            let schema = Schema::structure().field("a", Schema::string()).into_arc();
            let mut s = Struct::new(Arc::clone(&schema));
            s.put("a", format!("v{i}")).unwrap();
            ConnectRecord::new("t", Some(schema), Value::Struct(s))
        })
        .collect();
    let out = xform.apply(records).expect("apply");
    let (a, b) = (
        out[0].value_schema.as_ref().unwrap(),
        out[1].value_schema.as_ref().unwrap(),
    );
    assert!(Arc::ptr_eq(a, b));
    assert_eq!(out[1].value, Value::from("v1"));
}

#[test]
fn wrong_types_fail_with_kafka_messages() {
    let mut xform = value_xform(&[("field", "a")]);
    let err = xform
        .apply_record(ConnectRecord::new("t", None, Value::Int64(1)))
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Only Map objects supported in absence of schema for [field extraction], found: java.lang.Long"
    );
    let err = xform
        .apply_record(ConnectRecord::new(
            "t",
            Some(Schema::decimal(2).into_arc()),
            Value::Bytes(vec![1]),
        ))
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Only Struct objects supported for [field extraction], found: java.math.BigDecimal"
    );
    let err = xform
        .apply_record(ConnectRecord::new(
            "t",
            Some(Schema::int32().optional().into_arc()),
            Value::Null,
        ))
        .unwrap_err();
    assert_eq!(err.message(), "Cannot look up fields on non-struct type");
    let mut nested = value_xform(&[("field", "a.b"), ("field.syntax.version", "v2")]);
    let err = nested
        .apply_record(ConnectRecord::new(
            "t",
            None,
            map(&[("a", Value::from("x"))]),
        ))
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Only Map objects supported in absence of schema for [nested field access], found: java.lang.String"
    );
}

#[test]
fn config_validation_follows_kafka() {
    let problems = ExtractField::<ValueSide>::validate(&Config::new());
    assert_eq!(
        problems,
        vec![ConfigProblem::new(
            "field",
            "Missing required configuration \"field\" which has no default value."
        )]
    );
    let bad_version: Config = [("field", "a"), ("field.syntax.version", "V3")]
        .into_iter()
        .collect();
    assert_eq!(
        ExtractField::<ValueSide>::validate(&bad_version)[0].message,
        "Invalid value V3 for configuration field.syntax.version: String must be one of (case insensitive): V1, V2"
    );
    let bad_path: Config = [("field", "`a.b"), ("field.syntax.version", "V2")]
        .into_iter()
        .collect();
    assert_eq!(
        ExtractField::<ValueSide>::open(bad_path).err(),
        Some(PluginError::config(
            "Incomplete backtick pair in path: [`a.b], consider adding a backslash before backtick at position 0 to escape it"
        ))
    );
    let bad_bool: Config = [("field", "a"), ("replace.null.with.default", "yes")]
        .into_iter()
        .collect();
    assert_eq!(
        ExtractField::<KeySide>::validate(&bad_bool)[0].key,
        "replace.null.with.default"
    );
}

#[test]
fn descriptor_names_both_forms() {
    let key = ExtractField::<KeySide>::describe();
    assert_eq!(key.name, "extract-field-key");
    assert_eq!(
        key.aliases,
        vec![
            "ExtractField$Key".to_string(),
            "org.apache.kafka.connect.transforms.ExtractField$Key".to_string()
        ]
    );
    let value = ExtractField::<ValueSide>::describe();
    assert_eq!(value.name, "extract-field-value");
    let names: Vec<&str> = value.config.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(
        names,
        ["field", "replace.null.with.default", "field.syntax.version"]
    );
}
