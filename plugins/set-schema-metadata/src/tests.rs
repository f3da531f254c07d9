//! Kafka's `SetSchemaMetadataTest`, case by case, plus caching, key side, non-struct
//! schemas and config checks.

use super::*;

fn xform(pairs: &[(&str, &str)]) -> SetSchemaMetadata<ValueSide> {
    SetSchemaMetadata::open(pairs.iter().copied().collect()).expect("open")
}

/// `new SinkRecord("", 0, null, null, valueSchema, value, 0)`.
fn sink(value_schema: Option<Arc<Schema>>, value: Value) -> ConnectRecord {
    ConnectRecord {
        partition: Some(0),
        kafka_offset: Some(0),
        ..ConnectRecord::new("", value_schema, value)
    }
}

fn apply<S: Side>(t: &mut SetSchemaMetadata<S>, r: ConnectRecord) -> ConnectRecord {
    t.apply_record(r).expect("apply").expect("kept")
}

/// `assertMatchingSchema`: the struct holds exactly `schema` (same object), field by
/// field.
fn assert_matching_schema(value: &Struct, schema: &Arc<Schema>) {
    assert!(Arc::ptr_eq(&value.schema, schema));
    assert_eq!(schema.name, value.schema.name);
    for field in &schema.fields {
        let other = value.schema.field_named(&field.name).expect("field");
        assert_eq!(field.name, other.name);
        assert_eq!(field.index, other.index);
        assert!(Arc::ptr_eq(&field.schema, &other.schema));
    }
}

#[test]
fn schema_name_update() {
    let mut t = xform(&[("schema.name", "foo")]);
    let out = apply(
        &mut t,
        sink(Some(Schema::structure().into_arc()), Value::Null),
    );
    assert_eq!(out.value_schema.unwrap().name.as_deref(), Some("foo"));
}

#[test]
fn schema_version_update() {
    let mut t = xform(&[("schema.version", "42")]);
    let out = apply(
        &mut t,
        sink(Some(Schema::structure().into_arc()), Value::Null),
    );
    assert_eq!(out.value_schema.unwrap().version, Some(42));
}

#[test]
fn schema_name_and_version_update() {
    let mut t = xform(&[("schema.name", "foo"), ("schema.version", "42")]);
    let out = apply(
        &mut t,
        sink(Some(Schema::structure().into_arc()), Value::Null),
    );
    let schema = out.value_schema.unwrap();
    assert_eq!(schema.name.as_deref(), Some("foo"));
    assert_eq!(schema.version, Some(42));
}

#[test]
fn schema_name_and_version_update_with_struct() {
    let schema = Schema::structure()
        .with_name("my.orig.SchemaDefn")
        .field("f1", Schema::string())
        .field("f2", Schema::int32())
        .into_arc();
    let mut value = Struct::new(Arc::clone(&schema));
    value.put("f1", "value1").unwrap().put("f2", 1).unwrap();
    let mut t = xform(&[("schema.name", "foo"), ("schema.version", "42")]);
    let out = apply(&mut t, sink(Some(schema), Value::Struct(value)));
    let schema = out.value_schema.unwrap();
    assert_eq!(schema.name.as_deref(), Some("foo"));
    assert_eq!(schema.version, Some(42));
    assert_matching_schema(out.value.as_struct().unwrap(), &schema);
}

#[test]
fn schema_name_and_version_update_with_struct_and_null_field() {
    for (replace, expected) in [("false", Value::Null), ("true", Value::from("default"))] {
        let schema = Schema::structure()
            .with_name("my.orig.SchemaDefn")
            .field("f1", Schema::string().with_default("default").optional())
            .field("f2", Schema::int32())
            .into_arc();
        let mut value = Struct::new(Arc::clone(&schema));
        value.put("f1", Value::Null).unwrap().put("f2", 1).unwrap();
        let mut t = xform(&[
            ("schema.name", "foo"),
            ("schema.version", "42"),
            ("replace.null.with.default", replace),
        ]);
        let out = apply(&mut t, sink(Some(schema), Value::Struct(value)));
        let schema = out.value_schema.unwrap();
        assert_eq!(schema.name.as_deref(), Some("foo"));
        assert_eq!(schema.version, Some(42));
        let s = out.value.as_struct().unwrap();
        assert_matching_schema(s, &schema);
        // getWithoutDefault
        assert_eq!(s.values[0], expected, "replace.null.with.default={replace}");
    }
}

#[test]
fn value_schema_required() {
    let mut t = xform(&[("schema.name", "foo")]);
    let err = t.apply_record(sink(None, Value::Int32(42))).unwrap_err();
    assert_eq!(
        err,
        PluginError::fatal("Schema required for [updating schema metadata]")
    );
}

#[test]
fn ignore_record_with_null_value() {
    let mut t = xform(&[("schema.name", "foo")]);
    let out = apply(&mut t, sink(None, Value::Null));
    assert_eq!(out.key, Value::Null);
    assert!(out.key_schema.is_none());
    assert_eq!(out.value, Value::Null);
    assert!(out.value_schema.is_none());
}

#[test]
fn update_schema_of_struct() {
    let schema = Schema::structure()
        .with_name("my.orig.SchemaDefn")
        .field("f1", Schema::string())
        .field("f2", Schema::int32())
        .into_arc();
    let mut value = Struct::new(Arc::clone(&schema));
    value.put("f1", "value1").unwrap().put("f2", 1).unwrap();
    let new_schema = Schema::structure()
        .with_name("my.updated.SchemaDefn")
        .field("f1", Schema::string())
        .field("f2", Schema::int32())
        .into_arc();
    let t = xform(&[("schema.name", "foo")]);
    let new_value = t
        .update_schema_in(Value::Struct(value), &new_schema)
        .unwrap();
    assert_matching_schema(new_value.as_struct().unwrap(), &new_schema);
}

#[test]
fn update_schema_of_non_struct() {
    let t = xform(&[("schema.name", "foo")]);
    let updated = t
        .update_schema_in(Value::Int32(1), &Schema::int32().into_arc())
        .unwrap();
    assert_eq!(updated, Value::Int32(1));
}

#[test]
fn update_schema_of_null() {
    let t = xform(&[("schema.name", "foo")]);
    let updated = t
        .update_schema_in(Value::Null, &Schema::int32().into_arc())
        .unwrap();
    assert_eq!(updated, Value::Null);
}

#[test]
fn test_schema_metadata_version_retrieved_from_app_info_parser() {
    assert_eq!(
        SetSchemaMetadata::<ValueSide>::describe().version,
        env!("CARGO_PKG_VERSION")
    );
}

// ---- beyond Kafka's tests ----

#[test]
fn same_input_schema_gives_the_same_updated_schema_object() {
    let mut t = xform(&[("schema.version", "7")]);
    let records: Vec<ConnectRecord> = (0..2)
        .map(|i| {
            let schema = Schema::structure()
                .with_doc("d")
                .field("a", Schema::int32())
                .into_arc();
            let mut s = Struct::new(Arc::clone(&schema));
            s.put("a", i).unwrap();
            sink(Some(schema), Value::Struct(s))
        })
        .collect();
    let out = t.apply(records).expect("apply");
    let a = out[0].value_schema.as_ref().unwrap();
    assert!(Arc::ptr_eq(a, out[1].value_schema.as_ref().unwrap()));
    assert_eq!(a.doc.as_deref(), Some("d"));
    assert_eq!(a.name, None);
    assert!(Arc::ptr_eq(&out[1].value.as_struct().unwrap().schema, a));
}

#[test]
fn key_side_and_non_struct_schemas() {
    let mut t: SetSchemaMetadata<KeySide> =
        SetSchemaMetadata::open([("schema.name", "k")].into_iter().collect()).expect("open");
    let key_schema = Schema::structure().field("id", Schema::int64()).into_arc();
    let mut key = Struct::new(Arc::clone(&key_schema));
    key.put("id", 1i64).unwrap();
    let record = sink(Some(Schema::string().into_arc()), Value::from("v"))
        .with_key(Some(key_schema), Value::Struct(key));
    let out = apply(&mut t, record);
    assert_eq!(out.key_schema.unwrap().name.as_deref(), Some("k"));
    assert_eq!(out.value_schema.unwrap().name, None, "value untouched");

    let record = sink(None, Value::Null)
        .with_key(Some(Schema::decimal(2).into_arc()), Value::Bytes(vec![1]));
    assert_eq!(
        t.apply_record(record).unwrap_err().message(),
        "Cannot list fields on non-struct type"
    );
}

#[test]
fn required_null_fields_fail_without_defaults() {
    let schema = Schema::structure()
        .field("a", Schema::int32().with_default(5))
        .into_arc();
    let value = Struct::new(Arc::clone(&schema));
    let mut keep_null = xform(&[("schema.name", "x"), ("replace.null.with.default", "false")]);
    assert_eq!(
        keep_null
            .apply_record(sink(
                Some(Arc::clone(&schema)),
                Value::Struct(value.clone())
            ))
            .unwrap_err()
            .message(),
        "Invalid value: null used for required field: \"a\", schema type: INT32"
    );
    let mut defaults = xform(&[("schema.name", "x")]);
    let out = apply(&mut defaults, sink(Some(schema), Value::Struct(value)));
    assert_eq!(out.value.as_struct().unwrap().values, vec![Value::Int32(5)]);
}

#[test]
fn config_validation_follows_kafka() {
    let first = |pairs: &[(&str, &str)]| {
        let config: Config = pairs.iter().copied().collect();
        SetSchemaMetadata::<ValueSide>::validate(&config)
            .into_iter()
            .map(|p| (p.key, p.message))
            .next()
    };
    assert_eq!(
        first(&[]),
        Some((
            "schema.name".into(),
            "Neither schema name nor version configured".into()
        ))
    );
    assert_eq!(
        first(&[("schema.version", "4.0")]),
        Some((
            "schema.version".into(),
            "Invalid value 4.0 for configuration schema.version: Not a number of type INT".into()
        ))
    );
    assert_eq!(first(&[("schema.version", " 3 ")]), None);
    assert_eq!(first(&[("schema.name", "")]), None);
    let d = SetSchemaMetadata::<KeySide>::describe();
    assert_eq!(d.name, "set-schema-metadata-key");
    assert_eq!(
        d.aliases[1],
        "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key"
    );
}
