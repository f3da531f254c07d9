//! Kafka's `ValueToKeyTest`, case by case, plus nested paths, schema caching and
//! config checks.

use super::*;
use transform_support::config::parse_list;

fn xform(pairs: &[(&str, &str)]) -> ValueToKey {
    ValueToKey::open(pairs.iter().copied().collect()).expect("open")
}

/// `new SinkRecord("", 0, null, null, valueSchema, value, 0)`.
fn sink(value_schema: Option<Arc<Schema>>, value: Value) -> ConnectRecord {
    ConnectRecord {
        partition: Some(0),
        kafka_offset: Some(0),
        ..ConnectRecord::new("", value_schema, value)
    }
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (Value::from(*k), v.clone()))
            .collect(),
    )
}

fn apply(t: &mut ValueToKey, r: ConnectRecord) -> ConnectRecord {
    t.apply_record(r).expect("apply").expect("kept")
}

#[test]
fn schemaless() {
    let mut t = xform(&[("fields", "a,b")]);
    let value = map(&[
        ("a", Value::Int32(1)),
        ("b", Value::Int32(2)),
        ("c", Value::Int32(3)),
    ]);
    let out = apply(&mut t, sink(None, value));
    assert!(out.key_schema.is_none());
    assert_eq!(
        out.key,
        map(&[("a", Value::Int32(1)), ("b", Value::Int32(2))])
    );
}

#[test]
fn with_schema() {
    let mut t = xform(&[("fields", "a,b")]);
    let value_schema = Schema::structure()
        .field("a", Schema::int32())
        .field("b", Schema::int32())
        .field("c", Schema::int32())
        .into_arc();
    let mut value = Struct::new(Arc::clone(&value_schema));
    value
        .put("a", 1)
        .unwrap()
        .put("b", 2)
        .unwrap()
        .put("c", 3)
        .unwrap();
    let out = apply(&mut t, sink(Some(value_schema), Value::Struct(value)));
    let expected_key_schema = Schema::structure()
        .field("a", Schema::int32())
        .field("b", Schema::int32())
        .into_arc();
    let mut expected_key = Struct::new(Arc::clone(&expected_key_schema));
    expected_key.put("a", 1).unwrap().put("b", 2).unwrap();
    assert_eq!(out.key_schema, Some(expected_key_schema));
    assert_eq!(out.key, Value::Struct(expected_key));
}

#[test]
fn non_existing_field() {
    let mut t = xform(&[("fields", "not_exist")]);
    let value_schema = Schema::structure().field("a", Schema::int32()).into_arc();
    let mut value = Struct::new(Arc::clone(&value_schema));
    value.put("a", 1).unwrap();
    let err = t
        .apply_record(sink(Some(value_schema), Value::Struct(value)))
        .unwrap_err();
    assert_eq!(err, PluginError::fatal("Field does not exist: not_exist"));
}

#[test]
fn test_value_to_key_version_retrieved_from_app_info_parser() {
    assert_eq!(ValueToKey::describe().version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn test_replace_null_with_default_config() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::Int32(42))] {
        let mut t = xform(&[
            ("fields", "optional_with_default"),
            ("replace.null.with.default", replace),
        ]);
        let value_schema = Schema::structure()
            .field(
                "optional_with_default",
                Schema::int32().optional().with_default(42),
            )
            .into_arc();
        let mut value = Struct::new(Arc::clone(&value_schema));
        value.put("optional_with_default", Value::Null).unwrap();
        let out = apply(&mut t, sink(Some(value_schema), Value::Struct(value)));
        let key = out.key.as_struct().expect("struct key");
        // getWithoutDefault
        assert_eq!(
            key.values[0], expected,
            "replace.null.with.default={replace}"
        );
    }
}

// ---- beyond Kafka's tests ----

#[test]
fn nested_paths_name_key_fields_after_the_path() {
    let mut t = xform(&[
        ("fields", "id,outer.n,`x.y`"),
        ("field.syntax.version", "V2"),
    ]);
    let value = map(&[
        ("id", Value::Int64(1)),
        ("outer", map(&[("n", Value::Int64(2))])),
        ("x.y", Value::from("dotted")),
    ]);
    let out = apply(&mut t, sink(None, value));
    assert_eq!(
        out.key,
        map(&[
            ("id", Value::Int64(1)),
            ("outer.n", Value::Int64(2)),
            ("`x.y`", Value::from("dotted")),
        ])
    );

    let inner = Schema::structure().field("n", Schema::int32()).into_arc();
    let schema = Schema::structure()
        .field("id", Schema::int64())
        .field("outer", Arc::clone(&inner))
        .field("x.y", Schema::string())
        .into_arc();
    let mut outer = Struct::new(inner);
    outer.put("n", 7).unwrap();
    let mut s = Struct::new(Arc::clone(&schema));
    s.put("id", 1i64)
        .unwrap()
        .put("outer", outer)
        .unwrap()
        .put("x.y", "d")
        .unwrap();
    let out = apply(&mut t, sink(Some(schema), Value::Struct(s)));
    let key_schema = out.key_schema.expect("key schema");
    let names: Vec<&str> = key_schema.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["id", "outer.n", "`x.y`"]);
    assert_eq!(*key_schema.fields[1].schema, Schema::int32());
    assert_eq!(
        out.key.as_struct().unwrap().values,
        vec![Value::Int64(1), Value::Int32(7), Value::from("d")]
    );
}

#[test]
fn a_null_parent_fails_for_a_required_nested_field() {
    let mut t = xform(&[("fields", "outer.n"), ("field.syntax.version", "V2")]);
    let inner = Schema::structure()
        .field("n", Schema::int32())
        .optional()
        .into_arc();
    let schema = Schema::structure().field("outer", inner).into_arc();
    let s = Struct::new(Arc::clone(&schema));
    let err = t
        .apply_record(sink(Some(schema), Value::Struct(s)))
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Invalid value: null used for required field: \"outer.n\", schema type: INT32"
    );
}

#[test]
fn same_value_schema_gives_the_same_key_schema_object() {
    let mut t = xform(&[("fields", "a")]);
    let records: Vec<ConnectRecord> = (0..2)
        .map(|i| {
            let schema = Schema::structure().field("a", Schema::int32()).into_arc();
            let mut s = Struct::new(Arc::clone(&schema));
            s.put("a", i).unwrap();
            sink(Some(schema), Value::Struct(s))
        })
        .collect();
    let out = t.apply(records).expect("apply");
    assert!(Arc::ptr_eq(
        out[0].key_schema.as_ref().unwrap(),
        out[1].key_schema.as_ref().unwrap()
    ));
}

#[test]
fn nulls_and_wrong_types_fail_as_kafka() {
    let mut t = xform(&[("fields", "a")]);
    assert_eq!(
        t.apply_record(sink(None, Value::Null))
            .unwrap_err()
            .message(),
        "Only Map objects supported in absence of schema for [copying fields from value to key], found: null"
    );
    let schema = Schema::structure()
        .field("a", Schema::int32())
        .optional()
        .into_arc();
    assert_eq!(
        t.apply_record(sink(Some(schema), Value::Null))
            .unwrap_err()
            .message(),
        "Only Struct objects supported for [copying fields from value to key], found: null"
    );
    assert_eq!(
        t.apply_record(sink(Some(Schema::date().into_arc()), Value::Int32(1)))
            .unwrap_err()
            .message(),
        "Only Struct objects supported for [copying fields from value to key], found: java.util.Date"
    );
}

#[test]
fn list_validation_follows_kafka() {
    let problem = |fields: &str| {
        let config: Config = [("fields", fields)].into_iter().collect();
        ValueToKey::validate(&config)
            .into_iter()
            .map(|p| (p.key, p.message))
            .next()
    };
    assert_eq!(
        problem(" "),
        Some((
            "fields".into(),
            "Configuration 'fields' must not be empty. Valid values include: any non-empty value"
                .into()
        ))
    );
    // Kafka 4.4.0 drops duplicates before validating.
    assert_eq!(problem("a, a"), None);
    assert_eq!(
        problem("a,,a,"),
        Some((
            "fields".into(),
            "Configuration 'fields' values must not be empty.".into()
        ))
    );
    let mut t = xform(&[("fields", "b,a, b")]);
    let out = apply(
        &mut t,
        sink(None, map(&[("a", Value::Int32(1)), ("b", Value::Int32(2))])),
    );
    assert_eq!(
        out.key,
        map(&[("b", Value::Int32(2)), ("a", Value::Int32(1))])
    );
    assert_eq!(
        problem("a,"),
        Some((
            "fields".into(),
            "Configuration 'fields' values must not be empty.".into()
        ))
    );
    assert_eq!(problem(" a , b c "), None);
    assert_eq!(parse_list(" a , b c ,d"), vec!["a", "b c", "d"]);
    assert_eq!(
        ValueToKey::validate(&Config::new())[0].message,
        "Missing required configuration \"fields\" which has no default value."
    );
}

#[test]
fn descriptor() {
    let d = ValueToKey::describe();
    assert_eq!(d.name, "value-to-key");
    assert_eq!(
        d.aliases,
        vec![
            "ValueToKey".to_string(),
            "org.apache.kafka.connect.transforms.ValueToKey".to_string()
        ]
    );
    let names: Vec<&str> = d.config.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "fields",
            "replace.null.with.default",
            "field.syntax.version"
        ]
    );
}
