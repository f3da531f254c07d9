//! Ports of Kafka's `HeaderFromTest`: every case of `data()` through `schemaless` and
//! `withSchema`, for both `$Key` and `$Value`, and the config checks.

use super::*;

#[derive(Clone)]
struct RecordBuilder {
    fields: Vec<(String, Arc<Schema>, Value)>,
    headers: Vec<(String, Arc<Schema>, Value)>,
}

impl RecordBuilder {
    fn new() -> Self {
        RecordBuilder {
            fields: Vec::new(),
            headers: Vec::new(),
        }
    }

    fn with_field(mut self, name: &str, schema: Arc<Schema>, value: Value) -> Self {
        self.fields.push((name.into(), schema, value));
        self
    }

    fn add_header(mut self, name: &str, schema: Arc<Schema>, value: Value) -> Self {
        self.headers.push((name.into(), schema, value));
        self
    }

    fn schemaless(&self, key_transform: bool) -> ConnectRecord {
        let map = self
            .fields
            .iter()
            .map(|(n, _, v)| (Value::from(n.as_str()), v.clone()))
            .collect();
        self.source_record(key_transform, None, Value::Map(map))
    }

    fn schema(&self) -> Arc<Schema> {
        self.fields
            .iter()
            .fold(Schema::structure(), |s, (n, fs, _)| {
                s.field(n.clone(), Arc::clone(fs))
            })
            .into_arc()
    }

    fn with_schema(&self, key_transform: bool) -> ConnectRecord {
        let schema = self.schema();
        let mut s = Struct::new(Arc::clone(&schema));
        for (n, _, v) in &self.fields {
            s.put(n, v.clone()).unwrap();
        }
        self.source_record(key_transform, Some(schema), Value::Struct(s))
    }

    fn source_record(
        &self,
        key_transform: bool,
        schema: Option<Arc<Schema>>,
        key_or_value: Value,
    ) -> ConnectRecord {
        // Schemaless transformations do not give headers a schema.
        let headers = self
            .headers
            .iter()
            .map(|(n, s, v)| {
                let schema = schema.as_ref().map(|_| Arc::clone(s));
                Header::new(n.clone(), schema, v.clone())
            })
            .collect();
        let (key_schema, key, value_schema, value) = if key_transform {
            (schema, key_or_value, None, Value::from("value"))
        } else {
            (None, Value::from("key"), schema, key_or_value)
        };
        ConnectRecord {
            topic: "topic".into(),
            partition: Some(0),
            key_schema,
            key,
            value_schema,
            value,
            timestamp: Some(0),
            headers,
            source_partition: Some(r#"{"foo":"bar"}"#.into()),
            source_offset: Some(r#"{"baz":"quxx"}"#.into()),
            ..ConnectRecord::default()
        }
    }
}

struct Case {
    description: &'static str,
    key_transform: bool,
    original: RecordBuilder,
    fields: Vec<&'static str>,
    headers: Vec<&'static str>,
    operation: &'static str,
    replace_null_with_default: bool,
    expected: RecordBuilder,
}

fn string() -> Arc<Schema> {
    Arc::new(Schema::string())
}

fn s(v: &str) -> Value {
    Value::from(v)
}

fn data() -> Vec<Case> {
    let mut result = Vec::new();
    let struct_schema = Schema::structure().field("foo", string()).into_arc();
    let mut st = Struct::new(Arc::clone(&struct_schema));
    st.put("foo", "foo-value").unwrap();
    let struct_value = Value::Struct(st);
    let defaulted = || {
        Schema::string()
            .with_default("default")
            .optional()
            .into_arc()
    };
    let two_fields = || {
        RecordBuilder::new()
            .with_field("field1", string(), s("field1-value"))
            .with_field("field2", string(), s("field2-value"))
    };
    for key_transform in [true, false] {
        result.push(Case {
            description: "basic copy",
            key_transform,
            original: two_fields().add_header("header1", string(), s("existing-value")),
            fields: vec!["field1"],
            headers: vec!["inserted1"],
            operation: "copy",
            replace_null_with_default: true,
            expected: two_fields()
                .add_header("header1", string(), s("existing-value"))
                .add_header("inserted1", string(), s("field1-value")),
        });
        result.push(Case {
            description: "basic move",
            key_transform,
            original: two_fields().add_header("header1", string(), s("existing-value")),
            fields: vec!["field1"],
            headers: vec!["inserted1"],
            operation: "move",
            replace_null_with_default: true,
            expected: RecordBuilder::new()
                .with_field("field2", string(), s("field2-value"))
                .add_header("header1", string(), s("existing-value"))
                .add_header("inserted1", string(), s("field1-value")),
        });
        result.push(Case {
            description: "copy with preexisting header",
            key_transform,
            original: two_fields().add_header("inserted1", string(), s("existing-value")),
            fields: vec!["field1"],
            headers: vec!["inserted1"],
            operation: "copy",
            replace_null_with_default: true,
            expected: two_fields()
                .add_header("inserted1", string(), s("existing-value"))
                .add_header("inserted1", string(), s("field1-value")),
        });
        result.push(Case {
            description: "move with preexisting header",
            key_transform,
            original: two_fields().add_header("inserted1", string(), s("existing-value")),
            fields: vec!["field1"],
            headers: vec!["inserted1"],
            operation: "move",
            replace_null_with_default: true,
            expected: RecordBuilder::new()
                .with_field("field2", string(), s("field2-value"))
                .add_header("inserted1", string(), s("existing-value"))
                .add_header("inserted1", string(), s("field1-value")),
        });
        let with_struct = || {
            RecordBuilder::new()
                .with_field("field1", Arc::clone(&struct_schema), struct_value.clone())
                .with_field("field2", string(), s("field2-value"))
        };
        result.push(Case {
            description: "copy with struct value",
            key_transform,
            original: with_struct().add_header("header1", string(), s("existing-value")),
            fields: vec!["field1"],
            headers: vec!["inserted1"],
            operation: "copy",
            replace_null_with_default: true,
            expected: with_struct()
                .add_header("header1", string(), s("existing-value"))
                .add_header(
                    "inserted1",
                    Arc::clone(&struct_schema),
                    struct_value.clone(),
                ),
        });
        result.push(Case {
            description: "move with struct value",
            key_transform,
            original: with_struct().add_header("header1", string(), s("existing-value")),
            fields: vec!["field1"],
            headers: vec!["inserted1"],
            operation: "move",
            replace_null_with_default: true,
            expected: RecordBuilder::new()
                .with_field("field2", string(), s("field2-value"))
                .add_header("header1", string(), s("existing-value"))
                .add_header(
                    "inserted1",
                    Arc::clone(&struct_schema),
                    struct_value.clone(),
                ),
        });
        result.push(Case {
            description: "two headers from same field",
            key_transform,
            original: two_fields().add_header("header1", string(), s("existing-value")),
            fields: vec!["field1", "field1"],
            headers: vec!["inserted1", "inserted2"],
            operation: "move",
            replace_null_with_default: true,
            expected: RecordBuilder::new()
                .with_field("field2", string(), s("field2-value"))
                .add_header("header1", string(), s("existing-value"))
                .add_header("inserted1", string(), s("field1-value"))
                .add_header("inserted2", string(), s("field1-value")),
        });
        result.push(Case {
            description: "two fields to same header",
            key_transform,
            original: two_fields().add_header("header1", string(), s("existing-value")),
            fields: vec!["field1", "field2"],
            headers: vec!["inserted1", "inserted1"],
            operation: "move",
            replace_null_with_default: true,
            expected: RecordBuilder::new()
                .add_header("header1", string(), s("existing-value"))
                .add_header("inserted1", string(), s("field1-value"))
                .add_header("inserted1", string(), s("field2-value")),
        });
        let nullable = || {
            RecordBuilder::new()
                .with_field("field1", defaulted(), s("field1-value"))
                .with_field("field2", defaulted(), Value::Null)
        };
        result.push(Case {
            description: "Copy null field without default",
            key_transform,
            original: nullable().add_header("header1", string(), s("existing-value")),
            fields: vec!["field1", "field2"],
            headers: vec!["inserted1", "inserted2"],
            operation: "copy",
            replace_null_with_default: false,
            expected: nullable()
                .add_header("header1", string(), s("existing-value"))
                .add_header("inserted1", defaulted(), s("field1-value"))
                .add_header("inserted2", defaulted(), Value::Null),
        });
        result.push(Case {
            description: "Move null field without default",
            key_transform,
            original: nullable().add_header("header1", string(), s("existing-value")),
            fields: vec!["field1", "field2"],
            headers: vec!["inserted1", "inserted2"],
            operation: "move",
            replace_null_with_default: false,
            expected: RecordBuilder::new()
                .add_header("header1", string(), s("existing-value"))
                .add_header("inserted1", defaulted(), s("field1-value"))
                .add_header("inserted2", defaulted(), Value::Null),
        });
    }
    result
}

fn config(
    headers: &[&str],
    fields: &[&str],
    operation: &str,
    replace_null_with_default: bool,
) -> Config {
    [
        (HEADERS_FIELD, headers.join(",")),
        (FIELDS_FIELD, fields.join(",")),
        (OPERATION_FIELD, operation.to_string()),
        (
            REPLACE_NULL_WITH_DEFAULT_FIELD,
            replace_null_with_default.to_string(),
        ),
    ]
    .into_iter()
    .collect()
}

fn run(case: &Case, original: ConnectRecord) -> ConnectRecord {
    let c = config(
        &case.headers,
        &case.fields,
        case.operation,
        case.replace_null_with_default,
    );
    let out = if case.key_transform {
        HeaderFrom::<KeySide>::open(c)
            .unwrap()
            .apply_record(original)
    } else {
        HeaderFrom::<ValueSide>::open(c)
            .unwrap()
            .apply_record(original)
    };
    out.unwrap().unwrap()
}

fn sorted_map(value: &Value) -> Value {
    match value {
        Value::Map(entries) => {
            let mut entries = entries.clone();
            entries.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
            Value::Map(entries)
        }
        other => other.clone(),
    }
}

#[test]
fn schemaless() {
    for case in data() {
        let original = case.original.schemaless(case.key_transform);
        let expected = case.expected.schemaless(case.key_transform);
        let xformed = run(&case, original);
        // Kafka compares HashMaps: entry order does not matter.
        let normalize = |r: &ConnectRecord| ConnectRecord {
            key: sorted_map(&r.key),
            value: sorted_map(&r.value),
            ..r.clone()
        };
        assert_eq!(
            normalize(&expected),
            normalize(&xformed),
            "{} (key: {})",
            case.description,
            case.key_transform
        );
    }
}

#[test]
fn with_schema() {
    for case in data() {
        let original = case.original.with_schema(case.key_transform);
        let expected = case.expected.with_schema(case.key_transform);
        let xformed = run(&case, original);
        assert_eq!(
            expected, xformed,
            "{} (key: {})",
            case.description, case.key_transform
        );
    }
}

fn open_both(c: &Config) -> [Result<(), PluginError>; 2] {
    [
        HeaderFrom::<KeySide>::open(c.clone()).map(drop),
        HeaderFrom::<ValueSide>::open(c.clone()).map(drop),
    ]
}

#[test]
fn invalid_config_extra_header_config() {
    let c = config(&["foo"], &["foo", "bar"], "copy", true);
    for r in open_both(&c) {
        assert_eq!(
            r.unwrap_err(),
            PluginError::config(
                "'fields' config must have the same number of elements as 'headers' config."
            )
        );
    }
    assert_eq!(HeaderFrom::<KeySide>::validate(&c).len(), 1);
}

#[test]
fn invalid_config_extra_field_config() {
    let c = config(&["foo", "bar"], &["foo"], "copy", true);
    for r in open_both(&c) {
        assert!(matches!(r, Err(PluginError::Config(_))));
    }
}

#[test]
fn invalid_config_empty_headers_and_fields_config() {
    let c = config(&[], &[], "copy", true);
    for r in open_both(&c) {
        assert_eq!(
            r.unwrap_err(),
            PluginError::config("Invalid value [] for configuration fields: Empty list")
        );
    }
    let problems = HeaderFrom::<ValueSide>::validate(&c);
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["fields", "headers"]);
}

#[test]
fn config_messages_follow_kafka() {
    let bad_op = config(&["h"], &["f"], "swap", true);
    assert_eq!(
        HeaderFrom::<ValueSide>::open(bad_op)
            .err()
            .unwrap()
            .message(),
        "Invalid value swap for configuration operation: String must be one of: move, copy"
    );
    let mut bad_bool = config(&["h"], &["f"], " move ", true);
    bad_bool.set(REPLACE_NULL_WITH_DEFAULT_FIELD, "yes");
    assert_eq!(
        HeaderFrom::<ValueSide>::validate(&bad_bool),
        vec![ConfigProblem::new(
            REPLACE_NULL_WITH_DEFAULT_FIELD,
            "Invalid value yes for configuration replace.null.with.default: Expected value to be either true or false"
        )]
    );
    let missing: Config = [(FIELDS_FIELD, "f")].into_iter().collect();
    assert_eq!(
        HeaderFrom::<ValueSide>::open(missing)
            .err()
            .unwrap()
            .message(),
        "Missing required configuration \"headers\" which has no default value."
    );
}

#[test]
fn move_schema_is_cached_per_input_schema() {
    let mut t = HeaderFrom::<ValueSide>::open(config(&["h"], &["field1"], "move", true)).unwrap();
    let builder = RecordBuilder::new()
        .with_field("field1", string(), s("a"))
        .with_field("field2", string(), s("b"));
    let records = vec![builder.with_schema(false), builder.with_schema(false)];
    let out = t.apply(records).unwrap();
    let (a, b) = (
        out[0].value_schema.as_ref().unwrap(),
        out[1].value_schema.as_ref().unwrap(),
    );
    assert!(Arc::ptr_eq(a, b), "same input schema, same output schema");
    assert_eq!(a.fields.len(), 1);
}

#[test]
fn runtime_failures_carry_kafka_messages() {
    let mut t = HeaderFrom::<ValueSide>::open(config(&["h"], &["f"], "copy", true)).unwrap();
    let tombstone = ConnectRecord::new("t", None, Value::Null);
    assert_eq!(
        t.apply_record(tombstone).unwrap_err().message(),
        "Only Map objects supported in absence of schema for [header copy], found: null"
    );
    let mut m = HeaderFrom::<KeySide>::open(config(&["h"], &["f"], "move", true)).unwrap();
    let keyed = ConnectRecord::new("t", None, Value::Null).with_key(Some(string()), s("k"));
    assert_eq!(
        m.apply_record(keyed).unwrap_err().message(),
        "Only Struct objects supported for [header move], found: java.lang.String"
    );
    let missing = RecordBuilder::new()
        .with_field("g", string(), s("x"))
        .with_schema(false);
    assert_eq!(
        t.apply_record(missing).unwrap_err().message(),
        MISSING_FIELD_NPE
    );
}

#[test]
fn schemaless_missing_field_gives_a_null_header() {
    let mut t = HeaderFrom::<ValueSide>::open(config(&["h"], &["f"], "move", true)).unwrap();
    let record = ConnectRecord::new("t", None, Value::Map(vec![(s("g"), s("x"))]));
    let out = t.apply_record(record).unwrap().unwrap();
    assert_eq!(out.value, Value::Map(vec![(s("g"), s("x"))]));
    assert_eq!(out.headers, vec![Header::new("h", None, Value::Null)]);
}

#[test]
fn describes_both_forms() {
    let key = HeaderFrom::<KeySide>::describe();
    assert_eq!(key.name, "header-from-key");
    assert_eq!(key.aliases[0], "HeaderFrom$Key");
    let value = HeaderFrom::<ValueSide>::describe();
    assert_eq!(
        value.aliases[1],
        "org.apache.kafka.connect.transforms.HeaderFrom$Value"
    );
    assert_eq!(value.config.len(), 4);
}
