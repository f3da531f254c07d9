//! Kafka's `ReplaceFieldTest`, case by case, then what it does not cover.

use super::*;
use ferry_sdk::Transform;

fn config(pairs: &[(&str, &str)]) -> Config {
    pairs.iter().copied().collect()
}

fn xform(pairs: &[(&str, &str)]) -> ReplaceField<ValueSide> {
    ReplaceField::open(config(pairs)).expect("open")
}

fn xform_key(pairs: &[(&str, &str)]) -> ReplaceField<KeySide> {
    ReplaceField::open(config(pairs)).expect("open")
}

/// `new SinkRecord("test", 0, keySchema, key, valueSchema, value, 0)`.
fn sink_record(
    key_schema: Option<Arc<Schema>>,
    key: Value,
    value_schema: Option<Arc<Schema>>,
    value: Value,
) -> ConnectRecord {
    ConnectRecord {
        partition: Some(0),
        kafka_offset: Some(0),
        ..ConnectRecord::new("test", value_schema, value).with_key(key_schema, key)
    }
}

fn apply(t: &mut ReplaceField<ValueSide>, record: ConnectRecord) -> ConnectRecord {
    t.apply_record(record).expect("apply").expect("kept")
}

fn four_field_schema() -> Arc<Schema> {
    Schema::structure()
        .field("dont", Schema::string())
        .field("abc", Schema::int32())
        .field("foo", Schema::boolean())
        .field("etc", Schema::string())
        .into_arc()
}

fn s(v: &str) -> Value {
    Value::from(v)
}

// ---------------------------------------------------------------- ReplaceFieldTest

#[test]
fn tombstone_schemaless() {
    let mut t = xform(&[(INCLUDE, "abc,foo"), (RENAMES, "abc:xyz,foo:bar")]);
    let record = sink_record(None, Value::Null, None, Value::Null);
    let out = apply(&mut t, record);
    assert_eq!(out.value, Value::Null);
    assert_eq!(out.value_schema, None);
}

#[test]
fn tombstone_with_schema() {
    let mut t = xform(&[(INCLUDE, "abc,foo"), (RENAMES, "abc:xyz,foo:bar")]);
    let schema = four_field_schema();
    let record = sink_record(None, Value::Null, Some(Arc::clone(&schema)), Value::Null);
    let out = apply(&mut t, record);
    assert_eq!(out.value, Value::Null);
    assert_eq!(out.value_schema, Some(schema));
}

#[test]
fn schemaless() {
    let mut t = xform(&[(EXCLUDE, "dont"), (RENAMES, "abc:xyz,foo:bar")]);
    let value = Value::Map(vec![
        (s("dont"), s("whatever")),
        (s("abc"), Value::Int32(42)),
        (s("foo"), Value::Boolean(true)),
        (s("etc"), s("etc")),
    ]);
    let out = apply(&mut t, sink_record(None, Value::Null, None, value));
    let updated = &out.value;
    assert_eq!(updated.as_map().map(<[_]>::len), Some(3));
    assert_eq!(updated.map_get("xyz"), Some(&Value::Int32(42)));
    assert_eq!(updated.map_get("bar"), Some(&Value::Boolean(true)));
    assert_eq!(updated.map_get("etc"), Some(&s("etc")));
}

#[test]
fn with_schema() {
    let mut t = xform(&[(INCLUDE, "abc,foo"), (RENAMES, "abc:xyz,foo:bar")]);
    let schema = four_field_schema();
    let mut value = Struct::new(Arc::clone(&schema));
    value
        .put("dont", "whatever")
        .and_then(|v| v.put("abc", 42))
        .and_then(|v| v.put("foo", true))
        .and_then(|v| v.put("etc", "etc"))
        .expect("put");
    let out = apply(
        &mut t,
        sink_record(None, Value::Null, Some(schema), Value::Struct(value)),
    );
    let updated = out.value.as_struct().expect("struct");
    assert_eq!(updated.schema.fields.len(), 2);
    assert_eq!(updated.get("xyz"), Some(&Value::Int32(42)));
    assert_eq!(updated.get("bar"), Some(&Value::Boolean(true)));
    assert_eq!(out.value_schema.as_ref(), Some(&updated.schema));
}

#[test]
fn test_replace_field_version_retrieved_from_app_info_parser() {
    assert_eq!(
        ReplaceField::<ValueSide>::describe().version,
        env!("CARGO_PKG_VERSION")
    );
}

/// `data()`: (false, null), (true, 42).
const REPLACE_NULL_CASES: [(bool, Value); 2] = [(false, Value::Null), (true, Value::Int32(42))];

fn optional_with_default_schema() -> Arc<Schema> {
    Schema::structure()
        .field("abc", Schema::int32().optional().with_default(42i32))
        .into_arc()
}

#[test]
fn test_replace_null_with_default_config_on_value() {
    for (replace_null_with_default, expected) in REPLACE_NULL_CASES {
        let flag = replace_null_with_default.to_string();
        let mut t = xform(&[
            (INCLUDE, "abc"),
            (RENAMES, "abc:optional_with_default"),
            (REPLACE_NULL_WITH_DEFAULT, &flag),
        ]);
        let schema = optional_with_default_schema();
        let mut value = Struct::new(Arc::clone(&schema));
        value.put("abc", Value::Null).expect("put");
        let out = apply(
            &mut t,
            sink_record(None, Value::Null, Some(schema), Value::Struct(value)),
        );
        let updated = out.value.as_struct().expect("struct");
        assert_eq!(updated.schema.fields.len(), 1);
        // getWithoutDefault
        assert_eq!(updated.values[0], expected, "replace={flag}");
        assert_eq!(updated.schema.fields[0].name, "optional_with_default");
    }
}

#[test]
fn test_replace_null_with_default_config_on_key() {
    for (replace_null_with_default, expected) in REPLACE_NULL_CASES {
        let flag = replace_null_with_default.to_string();
        let mut t = xform_key(&[
            (INCLUDE, "abc"),
            (RENAMES, "abc:optional_with_default"),
            (REPLACE_NULL_WITH_DEFAULT, &flag),
        ]);
        let schema = optional_with_default_schema();
        let mut key = Struct::new(Arc::clone(&schema));
        key.put("abc", Value::Null).expect("put");
        let record = sink_record(Some(schema), Value::Struct(key), None, Value::Null);
        let out = t.apply_record(record).expect("apply").expect("kept");
        let updated = out.key.as_struct().expect("struct");
        assert_eq!(updated.schema.fields.len(), 1);
        assert_eq!(updated.values[0], expected, "replace={flag}");
        assert_eq!(out.value, Value::Null);
    }
}

// ---------------------------------------------------------------- beyond Kafka's tests

#[test]
fn output_schema_is_cached_per_input_schema() {
    let mut t = xform(&[(EXCLUDE, "dont")]);
    let schema = four_field_schema();
    let record = |n: i32| {
        let mut v = Struct::new(four_field_schema());
        v.put("dont", "x")
            .and_then(|v| v.put("abc", n))
            .and_then(|v| v.put("foo", false))
            .and_then(|v| v.put("etc", "e"))
            .expect("put");
        sink_record(
            None,
            Value::Null,
            Some(Arc::clone(&schema)),
            Value::Struct(v),
        )
    };
    let out = t.apply(vec![record(1), record(2)]).expect("apply");
    let (a, b) = (
        out[0].value_schema.as_ref().expect("schema"),
        out[1].value_schema.as_ref().expect("schema"),
    );
    assert!(Arc::ptr_eq(a, b), "same input schema, same output schema");
    assert_eq!(a.fields.len(), 3);
    // An equal schema in another Arc (a new batch) still hits the cache.
    let again = apply(&mut t, record(3));
    assert!(Arc::ptr_eq(a, again.value_schema.as_ref().expect("schema")));
}

#[test]
fn output_schema_keeps_the_basics_only() {
    let mut t = xform(&[(RENAMES, "a:b")]);
    let schema = Schema::structure()
        .with_name("n")
        .with_version(2)
        .with_doc("d")
        .with_parameter("p", "v")
        .field("a", Schema::int32().optional())
        .optional()
        .with_default(Value::Null)
        .into_arc();
    let value = Struct::new(Arc::clone(&schema));
    let out = apply(
        &mut t,
        sink_record(None, Value::Null, Some(schema), Value::Struct(value)),
    );
    let out_schema = out.value_schema.expect("schema");
    assert_eq!(out_schema.name.as_deref(), Some("n"));
    assert_eq!(out_schema.version, Some(2));
    assert_eq!(out_schema.doc.as_deref(), Some("d"));
    assert_eq!(out_schema.parameter("p"), Some("v"));
    assert!(!out_schema.optional, "copySchemaBasics drops optional");
    assert_eq!(out_schema.fields[0].name, "b");
}

#[test]
fn exclude_takes_precedence_over_include() {
    let mut t = xform(&[(INCLUDE, "a,b"), (EXCLUDE, "b")]);
    let value = Value::Map(vec![
        (s("a"), Value::Int64(1)),
        (s("b"), Value::Int64(2)),
        (s("c"), Value::Int64(3)),
    ]);
    let out = apply(&mut t, sink_record(None, Value::Null, None, value));
    assert_eq!(out.value, Value::Map(vec![(s("a"), Value::Int64(1))]));
}

#[test]
fn schemaless_rename_onto_an_existing_key_keeps_the_later_entry() {
    let mut t = xform(&[(RENAMES, "a:b")]);
    let value = Value::Map(vec![(s("b"), Value::Int64(2)), (s("a"), Value::Int64(1))]);
    let out = apply(&mut t, sink_record(None, Value::Null, None, value));
    assert_eq!(out.value, Value::Map(vec![(s("b"), Value::Int64(1))]));
}

#[test]
fn struct_rename_onto_an_existing_field_fails_as_schema_builder_does() {
    let mut t = xform(&[(RENAMES, "abc:foo")]);
    let schema = four_field_schema();
    let value = Struct::new(Arc::clone(&schema));
    let err = t
        .apply_record(sink_record(
            None,
            Value::Null,
            Some(schema),
            Value::Struct(value),
        ))
        .expect_err("duplicate");
    assert_eq!(
        err.message(),
        "Cannot create field because of field name duplication foo"
    );
}

#[test]
fn struct_field_named_like_a_rename_target_looks_up_its_source() {
    // `foo` is kept as `foo`, but `foo` is also the target of `nope:foo`: Kafka reads
    // the (missing) field `nope` for it.
    let mut t = xform(&[(RENAMES, "nope:foo")]);
    let schema = four_field_schema();
    let value = Struct::new(Arc::clone(&schema));
    let err = t
        .apply_record(sink_record(
            None,
            Value::Null,
            Some(schema),
            Value::Struct(value),
        ))
        .expect_err("missing source");
    assert_eq!(err.message(), "nope is not a valid field name");
}

#[test]
fn wrong_value_types_fail_with_kafkas_messages() {
    let mut t = xform(&[(EXCLUDE, "x")]);
    let err = t
        .apply_record(sink_record(None, Value::Null, None, s("text")))
        .expect_err("not a map");
    assert_eq!(
        err.message(),
        "Only Map objects supported in absence of schema for [field replacement], found: java.lang.String"
    );
    let err = t
        .apply_record(sink_record(
            None,
            Value::Null,
            Some(Schema::int32().into_arc()),
            Value::Int32(1),
        ))
        .expect_err("not a struct");
    assert_eq!(
        err.message(),
        "Only Struct objects supported for [field replacement], found: java.lang.Integer"
    );
}

#[test]
fn key_side_leaves_the_value_alone() {
    let mut t = xform_key(&[(RENAMES, "id:key_id")]);
    let record = sink_record(
        None,
        Value::Map(vec![(s("id"), Value::Int64(1))]),
        None,
        Value::Map(vec![(s("id"), Value::Int64(2))]),
    );
    let out = t.apply_record(record).expect("apply").expect("kept");
    assert_eq!(out.key, Value::Map(vec![(s("key_id"), Value::Int64(1))]));
    assert_eq!(out.value, Value::Map(vec![(s("id"), Value::Int64(2))]));
}

#[test]
fn config_errors_match_kafka() {
    let message = |pairs: &[(&str, &str)]| {
        ReplaceField::<ValueSide>::open(config(pairs))
            .err()
            .map(|e| e.message().to_string())
    };
    assert_eq!(
        message(&[(RENAMES, "a:b, c")]),
        Some("Invalid value [a:b, c] for configuration renames: Invalid rename mapping: c".into())
    );
    assert_eq!(
        message(&[(RENAMES, "a:b:c")]),
        Some(
            "Invalid value [a:b:c] for configuration renames: Invalid rename mapping: a:b:c".into()
        )
    );
    assert_eq!(
        message(&[(RENAMES, "a:")]),
        Some("Invalid value [a:] for configuration renames: Invalid rename mapping: a:".into())
    );
    assert_eq!(message(&[(RENAMES, ":a,b:c:")]), None, "Java's split");
    assert_eq!(
        message(&[(EXCLUDE, "a,,b")]),
        Some("Configuration 'exclude' values must not be empty.".into())
    );
    assert_eq!(
        message(&[(INCLUDE, "a,")]),
        Some("Configuration 'include' values must not be empty.".into())
    );
    assert_eq!(message(&[(INCLUDE, "a,a"), (EXCLUDE, " ")]), None);
    assert_eq!(
        message(&[(REPLACE_NULL_WITH_DEFAULT, "yes")]),
        Some("Invalid value yes for configuration replace.null.with.default: Expected value to be either true or false".into())
    );
    let problems = ReplaceField::<KeySide>::validate(&config(&[(RENAMES, "x")]));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].key, RENAMES);
}

#[test]
fn describes_both_forms() {
    let key = ReplaceField::<KeySide>::describe();
    let value = ReplaceField::<ValueSide>::describe();
    assert_eq!(key.name, "replace-field-key");
    assert_eq!(value.name, "replace-field-value");
    assert_eq!(
        value.aliases,
        vec![
            "ReplaceField$Value".to_string(),
            "org.apache.kafka.connect.transforms.ReplaceField$Value".to_string()
        ]
    );
    let names: Vec<&str> = key.config.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(
        names,
        [EXCLUDE, INCLUDE, RENAMES, REPLACE_NULL_WITH_DEFAULT]
    );
}

#[test]
fn two_renames_to_one_name_resolve_in_kafkas_hash_map_order() {
    // Kafka inverts its `renames` HashMap: "b" iterates after "a", so `c` reads `b`.
    for renames in ["a:c,b:c", "b:c,a:c"] {
        let mut t = xform(&[(RENAMES, renames)]);
        let only_a = Schema::structure().field("a", Schema::int32()).into_arc();
        let mut v = Struct::new(Arc::clone(&only_a));
        v.put("a", 1).expect("put");
        let err = t
            .apply_record(sink_record(
                None,
                Value::Null,
                Some(only_a),
                Value::Struct(v),
            ))
            .expect_err("reads b");
        assert_eq!(err.message(), "b is not a valid field name", "{renames}");
        let only_b = Schema::structure().field("b", Schema::int32()).into_arc();
        let mut v = Struct::new(Arc::clone(&only_b));
        v.put("b", 2).expect("put");
        let out = apply(
            &mut t,
            sink_record(None, Value::Null, Some(only_b), Value::Struct(v)),
        );
        assert_eq!(
            out.value.as_struct().and_then(|s| s.get("c")),
            Some(&Value::Int32(2))
        );
    }
}

#[test]
fn schemaless_output_is_in_kafkas_hash_map_order() {
    // new HashMap<>(6) filled with b..f and "alpha": printed by a JDK 17.
    let mut t = xform(&[(RENAMES, "a:alpha")]);
    let value = Value::Map(
        ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|k| (s(k), Value::Int64(1)))
            .collect(),
    );
    let out = apply(&mut t, sink_record(None, Value::Null, None, value));
    let keys: Vec<&str> = out
        .value
        .as_map()
        .expect("map")
        .iter()
        .filter_map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(keys, ["b", "c", "d", "e", "f", "alpha"]);
}
