//! Kafka's `FlattenTest`, case by case, plus schema caching and error messages.

use super::*;

fn value_xform(pairs: &[(&str, &str)]) -> Flatten<ValueSide> {
    Flatten::open(pairs.iter().copied().collect()).expect("open")
}

fn key_xform() -> Flatten<KeySide> {
    Flatten::open(Config::new()).expect("open")
}

/// `new SourceRecord(null, null, "topic", 0, valueSchema, value)`.
fn source(value_schema: Option<Arc<Schema>>, value: Value) -> ConnectRecord {
    ConnectRecord::new("topic", value_schema, value).with_partition(0)
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (Value::from(*k), v.clone()))
            .collect(),
    )
}

fn apply<S: Side>(t: &mut Flatten<S>, r: ConnectRecord) -> ConnectRecord {
    t.apply_record(r).expect("apply").expect("kept")
}

fn get<'a>(s: &'a Struct, name: &str) -> &'a Value {
    s.get(name)
        .unwrap_or_else(|| panic!("{name} is not a valid field name"))
}

#[test]
fn top_level_struct_required() {
    let mut t = value_xform(&[]);
    let err = t
        .apply_record(source(Some(Schema::int32().into_arc()), Value::Int32(42)))
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Only Struct objects supported for [flattening], found: java.lang.Integer"
    );
}

#[test]
fn top_level_map_required() {
    let mut t = value_xform(&[]);
    let err = t.apply_record(source(None, Value::Int32(42))).unwrap_err();
    assert_eq!(
        err.message(),
        "Only Map objects supported in absence of schema for [flattening], found: java.lang.Integer"
    );
}

fn supported_types_schema() -> Arc<Schema> {
    Schema::structure()
        .field("int8", Schema::int8())
        .field("int16", Schema::int16())
        .field("int32", Schema::int32())
        .field("int64", Schema::int64())
        .field("float32", Schema::float32())
        .field("float64", Schema::float64())
        .field("boolean", Schema::boolean())
        .field("string", Schema::string())
        .field("bytes", Schema::bytes())
        .into_arc()
}

fn supported_values() -> Vec<(&'static str, Value)> {
    vec![
        ("int8", Value::Int8(8)),
        ("int16", Value::Int16(16)),
        ("int32", Value::Int32(32)),
        ("int64", Value::Int64(64)),
        ("float32", Value::Float32(32.0)),
        ("float64", Value::Float64(64.0)),
        ("boolean", Value::Boolean(true)),
        ("string", Value::from("stringy")),
        ("bytes", Value::Bytes(b"bytes".to_vec())),
    ]
}

#[test]
fn test_nested_struct() {
    let mut t = value_xform(&[]);
    let supported_schema = supported_types_schema();
    let one_level = Schema::structure()
        .field("B", Arc::clone(&supported_schema))
        .into_arc();
    let two_level = Schema::structure()
        .field("A", Arc::clone(&one_level))
        .into_arc();
    let mut supported = Struct::new(supported_schema);
    for (name, v) in supported_values() {
        supported.put(name, v).unwrap();
    }
    let mut one = Struct::new(one_level);
    one.put("B", supported).unwrap();
    let mut two = Struct::new(Arc::clone(&two_level));
    two.put("A", one).unwrap();

    let out = apply(&mut t, source(Some(two_level), Value::Struct(two)));
    assert_eq!(out.value_schema.as_ref().unwrap().kind, SchemaType::Struct);
    let s = out.value.as_struct().unwrap();
    assert_eq!(s.schema.fields.len(), 9);
    for (name, v) in supported_values() {
        assert_eq!(get(s, &format!("A.B.{name}")), &v);
    }
}

#[test]
fn test_nested_map_with_delimiter() {
    let mut t = value_xform(&[("delimiter", "#")]);
    let supported = Value::Map(
        supported_values()
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect(),
    );
    let value = map(&[("A", map(&[("B", supported)]))]);
    let out = apply(&mut t, source(None, value));
    assert!(out.value_schema.is_none());
    let Value::Map(m) = &out.value else {
        panic!("map expected")
    };
    assert_eq!(m.len(), 9);
    for (name, v) in supported_values() {
        assert_eq!(out.value.map_get(&format!("A#B#{name}")), Some(&v));
    }
}

#[test]
fn test_optional_field_struct() {
    let mut t = value_xform(&[]);
    let supported_schema = Schema::structure()
        .field("opt_int32", Schema::int32().optional())
        .into_arc();
    let one_level = Schema::structure()
        .field("B", Arc::clone(&supported_schema))
        .into_arc();
    let mut supported = Struct::new(supported_schema);
    supported.put("opt_int32", Value::Null).unwrap();
    let mut one = Struct::new(Arc::clone(&one_level));
    one.put("B", supported).unwrap();
    let out = apply(&mut t, source(Some(one_level), Value::Struct(one)));
    assert_eq!(out.value_schema.as_ref().unwrap().kind, SchemaType::Struct);
    assert_eq!(
        get(out.value.as_struct().unwrap(), "B.opt_int32"),
        &Value::Null
    );
}

#[test]
fn test_optional_struct() {
    let mut t = value_xform(&[]);
    let schema = Schema::structure()
        .field("opt_int32", Schema::int32().optional())
        .optional()
        .into_arc();
    let out = apply(&mut t, source(Some(schema), Value::Null));
    assert_eq!(out.value_schema.as_ref().unwrap().kind, SchemaType::Struct);
    assert_eq!(out.value, Value::Null);
}

#[test]
fn test_optional_nested_struct() {
    let mut t = value_xform(&[]);
    let supported_schema = Schema::structure()
        .field("opt_int32", Schema::int32().optional())
        .optional()
        .into_arc();
    let one_level = Schema::structure().field("B", supported_schema).into_arc();
    let mut one = Struct::new(Arc::clone(&one_level));
    one.put("B", Value::Null).unwrap();
    let out = apply(&mut t, source(Some(one_level), Value::Struct(one)));
    assert_eq!(out.value_schema.as_ref().unwrap().kind, SchemaType::Struct);
    assert_eq!(
        get(out.value.as_struct().unwrap(), "B.opt_int32"),
        &Value::Null
    );
}

#[test]
fn test_optional_field_map() {
    let mut t = value_xform(&[]);
    let value = map(&[("B", map(&[("opt_int32", Value::Null)]))]);
    let out = apply(&mut t, source(None, value));
    assert!(out.value_schema.is_none());
    assert!(matches!(out.value, Value::Map(_)));
    assert_eq!(out.value.map_get("B.opt_int32"), Some(&Value::Null));
}

#[test]
fn test_key() {
    let mut t = key_xform();
    let key = map(&[("A", map(&[("B", Value::Int32(12))]))]);
    let record = ConnectRecord::new("topic", None, Value::Null).with_key(None, key);
    let out = apply(&mut t, record);
    assert!(out.key_schema.is_none());
    assert_eq!(out.key.map_get("A.B"), Some(&Value::Int32(12)));
}

#[test]
fn test_schemaless_array() {
    let mut t = value_xform(&[]);
    let value = map(&[(
        "foo",
        Value::Array(vec![
            Value::from("bar"),
            map(&[("baz", map(&[("lfg", Value::from("lfg"))]))]),
        ]),
    )]);
    let out = apply(&mut t, source(None, value.clone()));
    assert_eq!(out.value, value);
}

#[test]
fn test_array_with_schema() {
    let mut t = value_xform(&[]);
    let nested_schema = Schema::structure()
        .field("lfg", Schema::string())
        .into_arc();
    let inner_schema = Schema::structure()
        .field("baz", Arc::clone(&nested_schema))
        .into_arc();
    let struct_schema = Schema::structure()
        .field(
            "foo",
            Schema::array(Arc::clone(&inner_schema)).with_doc("durk"),
        )
        .into_arc();
    let mut nested = Struct::new(nested_schema);
    nested.put("lfg", "lfg").unwrap();
    let mut inner = Struct::new(inner_schema);
    inner.put("baz", nested).unwrap();
    let mut value = Struct::new(Arc::clone(&struct_schema));
    value
        .put("foo", Value::Array(vec![Value::Struct(inner)]))
        .unwrap();
    let out = apply(
        &mut t,
        source(
            Some(Arc::clone(&struct_schema)),
            Value::Struct(value.clone()),
        ),
    );
    assert_eq!(out.value, Value::Struct(value));
    assert_eq!(out.value_schema, Some(struct_schema));
}

#[test]
fn test_optional_and_default_values_nested() {
    let mut t = value_xform(&[]);
    let builder = Schema::structure()
        .optional()
        .field("req_field", Schema::string())
        .field(
            "opt_field",
            Schema::string().optional().with_default("child_default"),
        );
    let mut child_default = Struct::new(Arc::new(builder.clone()));
    child_default.put("req_field", "req_default").unwrap();
    let schema = builder.with_default(child_default).into_arc();
    // Intentionally leave this entire value empty since it is optional
    let value = Struct::new(Arc::clone(&schema));
    let out = apply(&mut t, source(Some(schema), Value::Struct(value)));
    let transformed = out.value_schema.expect("schema");
    assert_eq!(transformed.kind, SchemaType::Struct);
    assert_eq!(transformed.fields.len(), 2);
    assert_eq!(
        *transformed.field_named("req_field").unwrap().schema,
        Schema::string().optional().with_default("req_default")
    );
    assert_eq!(
        *transformed.field_named("opt_field").unwrap().schema,
        Schema::string().optional().with_default("child_default")
    );
}

#[test]
fn tombstone_event_without_schema_should_pass_through() {
    let mut t = value_xform(&[]);
    let out = apply(&mut t, source(None, Value::Null));
    assert_eq!(out.value, Value::Null);
    assert!(out.value_schema.is_none());
}

#[test]
fn tombstone_event_with_schema_should_pass_through() {
    let mut t = value_xform(&[]);
    let schema = Schema::structure()
        .with_name("name")
        .with_version(1)
        .with_doc("doc")
        .field("magic", Schema::int64().optional())
        .into_arc();
    let out = apply(&mut t, source(Some(Arc::clone(&schema)), Value::Null));
    assert_eq!(out.value, Value::Null);
    assert_eq!(out.value_schema, Some(schema));
}

#[test]
fn test_map_with_null_fields() {
    let mut t = value_xform(&[]);
    let value = map(&[
        ("firstNull", Value::Null),
        ("firstNonNull", Value::from("nonNull")),
        ("secondNull", Value::Null),
        ("secondNonNull", Value::from("alsoNonNull")),
        ("thirdNonNull", Value::Null),
    ]);
    let out = apply(&mut t, source(None, value.clone()));
    assert_eq!(out.value, value);
}

#[test]
fn test_struct_with_null_fields() {
    let mut t = value_xform(&[]);
    let schema = Schema::structure()
        .field("firstNull", Schema::optional_string())
        .field("firstNonNull", Schema::optional_string())
        .field("secondNull", Schema::optional_string())
        .field("secondNonNull", Schema::optional_string())
        .field("thirdNonNull", Schema::optional_string())
        .into_arc();
    let mut value = Struct::new(Arc::clone(&schema));
    value
        .put("firstNull", Value::Null)
        .unwrap()
        .put("firstNonNull", "nonNull")
        .unwrap()
        .put("secondNull", Value::Null)
        .unwrap()
        .put("secondNonNull", "alsoNonNull")
        .unwrap()
        .put("thirdNonNull", Value::Null)
        .unwrap();
    let out = apply(&mut t, source(Some(schema), Value::Struct(value.clone())));
    assert_eq!(out.value, Value::Struct(value));
}

#[test]
fn test_flatten_version_retrieved_from_app_info_parser() {
    assert_eq!(
        Flatten::<KeySide>::describe().version,
        Flatten::<ValueSide>::describe().version
    );
    assert_eq!(
        Flatten::<ValueSide>::describe().version,
        env!("CARGO_PKG_VERSION")
    );
}

// ---- beyond Kafka's tests ----

#[test]
fn same_input_schema_gives_the_same_flattened_schema_object() {
    let mut t = value_xform(&[]);
    let records: Vec<ConnectRecord> = (0..2)
        .map(|i| {
            let inner = Schema::structure().field("x", Schema::int32()).into_arc();
            let schema = Schema::structure()
                .field("a", Arc::clone(&inner))
                .into_arc();
            let mut a = Struct::new(inner);
            a.put("x", i).unwrap();
            let mut s = Struct::new(Arc::clone(&schema));
            s.put("a", a).unwrap();
            source(Some(schema), Value::Struct(s))
        })
        .collect();
    let out = t.apply(records).expect("apply");
    assert!(Arc::ptr_eq(
        out[0].value_schema.as_ref().unwrap(),
        out[1].value_schema.as_ref().unwrap()
    ));
    assert_eq!(
        get(out[1].value.as_struct().unwrap(), "a.x"),
        &Value::Int32(1)
    );
}

#[test]
fn maps_in_structs_and_name_clashes_fail_as_kafka() {
    let mut t = value_xform(&[]);
    let schema = Schema::structure()
        .field("m", Schema::map(Schema::string(), Schema::int32()))
        .into_arc();
    let value = Struct::new(Arc::clone(&schema));
    assert_eq!(
        t.apply_record(source(Some(schema), Value::Struct(value)))
            .unwrap_err()
            .message(),
        "Flatten transformation does not support MAP for record with schemas (for field m)."
    );
    let inner = Schema::structure().field("b", Schema::int32()).into_arc();
    let schema = Schema::structure()
        .field("a.b", Schema::int32())
        .field("a", inner)
        .into_arc();
    let value = Struct::new(Arc::clone(&schema));
    assert_eq!(
        t.apply_record(source(Some(schema), Value::Struct(value)))
            .unwrap_err()
            .message(),
        "Cannot create field because of field name duplication a.b"
    );
}

#[test]
fn schemaless_name_clashes_keep_the_first_position_and_the_last_value() {
    let mut t = value_xform(&[("delimiter", "_")]);
    let value = map(&[
        ("a_b", Value::Int64(1)),
        ("c", Value::Int64(2)),
        ("a", map(&[("b", Value::Int64(3))])),
    ]);
    let out = apply(&mut t, source(None, value));
    assert_eq!(
        out.value,
        map(&[("a_b", Value::Int64(3)), ("c", Value::Int64(2))])
    );
}

#[test]
fn top_level_metadata_is_kept_and_logical_types_survive() {
    let mut t = value_xform(&[]);
    let inner = Schema::structure()
        .field("when", Schema::timestamp())
        .optional()
        .into_arc();
    let schema = Schema::structure()
        .with_name("n")
        .with_version(2)
        .with_doc("d")
        .with_parameter("k", "v")
        .optional()
        .field("w", inner)
        .into_arc();
    let value = Struct::new(Arc::clone(&schema));
    let out = apply(&mut t, source(Some(schema), Value::Struct(value)));
    let s = out.value_schema.expect("schema");
    assert_eq!(s.name.as_deref(), Some("n"));
    assert_eq!(s.version, Some(2));
    assert_eq!(s.doc.as_deref(), Some("d"));
    assert_eq!(s.parameter("k"), Some("v"));
    assert!(!s.optional, "the flattened struct itself is required");
    assert_eq!(*s.fields[0].schema, Schema::timestamp().optional());
}

#[test]
fn descriptor() {
    let d = Flatten::<KeySide>::describe();
    assert_eq!(d.name, "flatten-key");
    assert_eq!(
        d.aliases,
        vec![
            "Flatten$Key".to_string(),
            "org.apache.kafka.connect.transforms.Flatten$Key".to_string()
        ]
    );
    assert_eq!(d.config[0].default_value.as_deref(), Some("."));
}

#[test]
fn non_string_schemaless_keys_fail_as_java_casts_do() {
    let mut t = value_xform(&[]);
    let value = Value::Map(vec![(Value::Int64(1), Value::from("x"))]);
    assert_eq!(
        t.apply_record(source(None, value)).unwrap_err().message(),
        "class java.lang.Long cannot be cast to class java.lang.String \
         (java.lang.Long and java.lang.String are in module java.base of loader 'bootstrap')"
    );
}
