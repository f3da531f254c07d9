//! Kafka's `TimestampConverterTest`, case by case. Ferry holds logical values in
//! their physical form (Date = days, Time = ms of day, Timestamp = ms), and a
//! schemaless value cannot be a `java.util.Date`: the schemaless tests that start
//! from a `Date` start from the same instant as a Unix millisecond timestamp, and a
//! schemaless `Date`/`Time`/`Timestamp` result is the `Date`'s milliseconds.

use super::*;

const DATE_PLUS_TIME_UNIX: i64 = 86_401_234;
const DATE_PLUS_TIME_UNIX_MICROS: i64 = DATE_PLUS_TIME_UNIX * 1000 + 123;
const DATE_PLUS_TIME_UNIX_NANOS: i64 = DATE_PLUS_TIME_UNIX_MICROS * 1000 + 456;
const DATE_PLUS_TIME_UNIX_SECONDS: i64 = 86_401;
const DATE_UNIX: i64 = 86_400_000;
const TIME_UNIX: i64 = 1234;
const STRING_DATE_FMT: &str = "yyyy MM dd HH mm ss SSS z";
const DATE_PLUS_TIME_STRING: &str = "1970 01 02 00 00 01 234 UTC";

fn open<S: Side>(pairs: &[(&str, &str)]) -> Result<TimestampConverter<S>, PluginError> {
    TimestampConverter::open(pairs.iter().copied().collect())
}

fn value(pairs: &[(&str, &str)]) -> TimestampConverter<ValueSide> {
    open(pairs).expect("open")
}

fn target(t: &str) -> TimestampConverter<ValueSide> {
    value(&[(TARGET_TYPE_CONFIG, t)])
}

fn record(schema: Option<Schema>, v: Value) -> ConnectRecord {
    ConnectRecord::new("topic", schema.map(Schema::into_arc), v).with_partition(0)
}

fn apply<S: Side>(t: &mut TimestampConverter<S>, r: ConnectRecord) -> ConnectRecord {
    t.apply_record(r).expect("apply").expect("kept")
}

fn config_error(pairs: &[(&str, &str)]) -> String {
    open::<ValueSide>(pairs)
        .err()
        .expect("config error")
        .message()
        .to_string()
}

// Configuration

#[test]
fn test_config_no_target_type() {
    assert_eq!(
        config_error(&[]),
        "Missing required configuration \"target.type\" which has no default value."
    );
}

#[test]
fn test_config_invalid_target_type() {
    assert_eq!(
        config_error(&[(TARGET_TYPE_CONFIG, "invalid")]),
        "Invalid value invalid for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp"
    );
}

#[test]
fn test_config_invalid_unix_precision() {
    assert_eq!(
        config_error(&[
            (TARGET_TYPE_CONFIG, "unix"),
            (UNIX_PRECISION_CONFIG, "invalid")
        ]),
        "Invalid value invalid for configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds"
    );
}

#[test]
fn test_config_valid_unix_precision() {
    assert!(
        open::<ValueSide>(&[
            (TARGET_TYPE_CONFIG, "unix"),
            (UNIX_PRECISION_CONFIG, "seconds")
        ])
        .is_ok()
    );
}

#[test]
fn test_config_missing_format() {
    assert_eq!(
        config_error(&[(TARGET_TYPE_CONFIG, "string")]),
        "TimestampConverter requires format option to be specified when using string timestamps"
    );
}

#[test]
fn test_config_invalid_format() {
    assert_eq!(
        config_error(&[
            (TARGET_TYPE_CONFIG, "string"),
            (FORMAT_CONFIG, "bad-format")
        ]),
        "Invalid value java.lang.IllegalArgumentException: Illegal pattern character 'b' for configuration TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: bad-format"
    );
    let problems = TimestampConverter::<ValueSide>::validate(
        &[
            (TARGET_TYPE_CONFIG, "string"),
            (FORMAT_CONFIG, "bad-format"),
        ]
        .into_iter()
        .collect(),
    );
    assert_eq!(problems.len(), 1);
}

// Conversions without schemas (most flexible Timestamp -> other types)

fn schemaless(t: &mut TimestampConverter<ValueSide>, v: Value) -> Value {
    let out = apply(t, record(None, v));
    assert!(out.value_schema.is_none());
    out.value
}

#[test]
fn test_schemaless_identity() {
    assert_eq!(
        schemaless(&mut target("Timestamp"), Value::Int64(DATE_PLUS_TIME_UNIX)),
        Value::Int64(DATE_PLUS_TIME_UNIX)
    );
}

#[test]
fn test_schemaless_timestamp_to_date() {
    assert_eq!(
        schemaless(&mut target("Date"), Value::Int64(DATE_PLUS_TIME_UNIX)),
        Value::Int64(DATE_UNIX)
    );
}

#[test]
fn test_schemaless_timestamp_to_time() {
    assert_eq!(
        schemaless(&mut target("Time"), Value::Int64(DATE_PLUS_TIME_UNIX)),
        Value::Int64(TIME_UNIX)
    );
}

#[test]
fn test_schemaless_timestamp_to_unix() {
    assert_eq!(
        schemaless(&mut target("unix"), Value::Int64(DATE_PLUS_TIME_UNIX)),
        Value::Int64(DATE_PLUS_TIME_UNIX)
    );
}

#[test]
fn test_schemaless_timestamp_to_string() {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, "string"),
        (FORMAT_CONFIG, STRING_DATE_FMT),
    ]);
    assert_eq!(
        schemaless(&mut t, Value::Int64(DATE_PLUS_TIME_UNIX)),
        Value::from(DATE_PLUS_TIME_STRING)
    );
}

// Conversions without schemas (core types -> most flexible Timestamp format)

#[test]
fn test_schemaless_date_to_timestamp() {
    assert_eq!(
        schemaless(&mut target("Timestamp"), Value::Int64(DATE_UNIX)),
        Value::Int64(DATE_UNIX)
    );
}

#[test]
fn test_schemaless_time_to_timestamp() {
    assert_eq!(
        schemaless(&mut target("Timestamp"), Value::Int64(TIME_UNIX)),
        Value::Int64(TIME_UNIX)
    );
}

#[test]
fn test_schemaless_unix_to_timestamp() {
    assert_eq!(
        schemaless(&mut target("Timestamp"), Value::Int64(DATE_PLUS_TIME_UNIX)),
        Value::Int64(DATE_PLUS_TIME_UNIX)
    );
}

#[test]
fn test_schemaless_string_to_timestamp() {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, "Timestamp"),
        (FORMAT_CONFIG, STRING_DATE_FMT),
    ]);
    assert_eq!(
        schemaless(&mut t, Value::from(DATE_PLUS_TIME_STRING)),
        Value::Int64(DATE_PLUS_TIME_UNIX)
    );
}

// Conversions with schemas (most flexible Timestamp -> other types)

fn with_schema(t: &mut TimestampConverter<ValueSide>, schema: Schema, v: Value) -> (Schema, Value) {
    let out = apply(t, record(Some(schema), v));
    (
        (**out.value_schema.as_ref().expect("schema")).clone(),
        out.value,
    )
}

#[test]
fn test_with_schema_identity() {
    assert_eq!(
        with_schema(
            &mut target("Timestamp"),
            Schema::timestamp(),
            Value::Int64(DATE_PLUS_TIME_UNIX)
        ),
        (Schema::timestamp(), Value::Int64(DATE_PLUS_TIME_UNIX))
    );
}

#[test]
fn test_with_schema_timestamp_to_date() {
    assert_eq!(
        with_schema(
            &mut target("Date"),
            Schema::timestamp(),
            Value::Int64(DATE_PLUS_TIME_UNIX)
        ),
        (Schema::date(), Value::Int32(1))
    );
}

#[test]
fn test_with_schema_timestamp_to_time() {
    assert_eq!(
        with_schema(
            &mut target("Time"),
            Schema::timestamp(),
            Value::Int64(DATE_PLUS_TIME_UNIX)
        ),
        (Schema::time(), Value::Int32(TIME_UNIX as i32))
    );
}

#[test]
fn test_with_schema_timestamp_to_unix() {
    assert_eq!(
        with_schema(
            &mut target("unix"),
            Schema::timestamp(),
            Value::Int64(DATE_PLUS_TIME_UNIX)
        ),
        (Schema::int64(), Value::Int64(DATE_PLUS_TIME_UNIX))
    );
}

#[test]
fn test_with_schema_timestamp_to_string() {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, "string"),
        (FORMAT_CONFIG, STRING_DATE_FMT),
    ]);
    assert_eq!(
        with_schema(
            &mut t,
            Schema::timestamp(),
            Value::Int64(DATE_PLUS_TIME_UNIX)
        ),
        (Schema::string(), Value::from(DATE_PLUS_TIME_STRING))
    );
}

// Null-value conversions schemaless

fn schemaless_null_value_conversion(target_type: &str) {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, target_type),
        (FORMAT_CONFIG, STRING_DATE_FMT),
    ]);
    assert_eq!(schemaless(&mut t, Value::Null), Value::Null);
}

fn schemaless_null_field_conversion(target_type: &str) {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, target_type),
        (FORMAT_CONFIG, STRING_DATE_FMT),
        (FIELD_CONFIG, "ts"),
    ]);
    assert_eq!(schemaless(&mut t, Value::Null), Value::Null);
}

#[test]
fn test_schemaless_null_value_to_every_type() {
    for t in ["string", "Date", "Timestamp", "unix", "Time"] {
        schemaless_null_value_conversion(t);
        schemaless_null_field_conversion(t);
    }
}

// Conversions with schemas (core types -> most flexible Timestamp format)

#[test]
fn test_with_schema_date_to_timestamp() {
    assert_eq!(
        with_schema(&mut target("Timestamp"), Schema::date(), Value::Int32(1)),
        (Schema::timestamp(), Value::Int64(DATE_UNIX))
    );
}

#[test]
fn test_with_schema_time_to_timestamp() {
    assert_eq!(
        with_schema(
            &mut target("Timestamp"),
            Schema::time(),
            Value::Int32(TIME_UNIX as i32)
        ),
        (Schema::timestamp(), Value::Int64(TIME_UNIX))
    );
}

#[test]
fn test_with_schema_unix_to_timestamp() {
    assert_eq!(
        with_schema(
            &mut target("Timestamp"),
            Schema::int64(),
            Value::Int64(DATE_PLUS_TIME_UNIX)
        ),
        (Schema::timestamp(), Value::Int64(DATE_PLUS_TIME_UNIX))
    );
}

#[test]
fn test_with_schema_string_to_timestamp() {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, "Timestamp"),
        (FORMAT_CONFIG, STRING_DATE_FMT),
    ]);
    assert_eq!(
        with_schema(&mut t, Schema::string(), Value::from(DATE_PLUS_TIME_STRING)),
        (Schema::timestamp(), Value::Int64(DATE_PLUS_TIME_UNIX))
    );
}

// Null-value conversions with schema

fn optional_inputs() -> [Schema; 5] {
    [
        Schema::int64().optional(),
        Schema::time().optional(),
        Schema::date().optional(),
        Schema::string().optional(),
        Schema::timestamp().optional(),
    ]
}

fn with_schema_null_value_conversion(target_type: &str, original: Schema, expected: Schema) {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, target_type),
        (FORMAT_CONFIG, STRING_DATE_FMT),
    ]);
    assert_eq!(
        with_schema(&mut t, original, Value::Null),
        (expected, Value::Null)
    );
}

fn with_schema_null_field_conversion(target_type: &str, original: Schema, expected: Schema) {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, target_type),
        (FORMAT_CONFIG, STRING_DATE_FMT),
        (FIELD_CONFIG, "ts"),
    ]);
    let struct_schema = Schema::structure()
        .field("ts", original)
        .field("other", Schema::string());
    let expected_struct_schema = Schema::structure()
        .field("ts", expected)
        .field("other", Schema::string());
    let mut s = Struct::new(struct_schema.clone().into_arc());
    s.put("other", "test").expect("put");
    let (schema, out) = with_schema(&mut t, struct_schema.clone(), Value::Struct(s));
    assert_eq!(schema, expected_struct_schema);
    assert_eq!(
        out.as_struct().and_then(|s| s.get("ts")),
        Some(&Value::Null)
    );

    let (schema, out) = with_schema(&mut t, struct_schema.optional(), Value::Null);
    assert_eq!(schema, expected_struct_schema.optional());
    assert_eq!(out, Value::Null);
}

#[test]
fn test_with_schema_null_value_and_field_to_every_type() {
    for (target_type, expected) in [
        ("Timestamp", Schema::timestamp().optional()),
        ("unix", Schema::int64().optional()),
        ("Time", Schema::time().optional()),
        ("Date", Schema::date().optional()),
        ("string", Schema::string().optional()),
    ] {
        for original in optional_inputs() {
            with_schema_null_value_conversion(target_type, original.clone(), expected.clone());
            with_schema_null_field_conversion(target_type, original, expected.clone());
        }
    }
}

// Convert field instead of entire key/value

#[test]
fn test_schemaless_field_conversion() {
    let mut t = value(&[(TARGET_TYPE_CONFIG, "Date"), (FIELD_CONFIG, "ts")]);
    let out = schemaless(
        &mut t,
        Value::Map(vec![("ts".into(), Value::Int64(DATE_PLUS_TIME_UNIX))]),
    );
    assert_eq!(
        out,
        Value::Map(vec![("ts".into(), Value::Int64(DATE_UNIX))])
    );
}

fn ts_struct(ts_schema: Schema, ts: Value, other: bool) -> (Schema, Value) {
    let mut schema = Schema::structure().field("ts", ts_schema);
    if other {
        schema = schema.field("other", Schema::string());
    }
    let mut s = Struct::new(schema.clone().into_arc());
    s.values[0] = ts;
    if other {
        s.put("other", "test").expect("put");
    }
    (schema, Value::Struct(s))
}

#[test]
fn test_with_schema_field_conversion() {
    let mut t = value(&[(TARGET_TYPE_CONFIG, "Timestamp"), (FIELD_CONFIG, "ts")]);
    let (schema, v) = ts_struct(Schema::int64(), Value::Int64(DATE_PLUS_TIME_UNIX), true);
    let (out_schema, out) = with_schema(&mut t, schema, v);
    assert_eq!(
        out_schema,
        Schema::structure()
            .field("ts", Schema::timestamp())
            .field("other", Schema::string())
    );
    let s = out.as_struct().expect("struct");
    assert_eq!(s.get("ts"), Some(&Value::Int64(DATE_PLUS_TIME_UNIX)));
    assert_eq!(s.get("other"), Some(&Value::from("test")));
}

#[test]
fn test_with_schema_null_field_with_default_conversion() {
    // Kafka's parameterized test sets replace.null.with.default=false in both runs.
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, "Timestamp"),
        (FIELD_CONFIG, "ts"),
        (REPLACE_NULL_WITH_DEFAULT_CONFIG, "false"),
    ]);
    let (schema, v) = ts_struct(
        Schema::int64().optional().with_default(0i64),
        Value::Null,
        true,
    );
    let (out_schema, out) = with_schema(&mut t, schema, v);
    assert_eq!(
        out_schema,
        Schema::structure()
            .field("ts", Schema::timestamp().optional())
            .field("other", Schema::string())
    );
    let s = out.as_struct().expect("struct");
    assert_eq!(s.get("ts"), Some(&Value::Null));
    assert_eq!(s.get("other"), Some(&Value::from("test")));

    // And with the default replacing the null: the default's instant.
    let mut t = value(&[(TARGET_TYPE_CONFIG, "Timestamp"), (FIELD_CONFIG, "ts")]);
    let (schema, v) = ts_struct(
        Schema::int64().optional().with_default(0i64),
        Value::Null,
        true,
    );
    let (_, out) = with_schema(&mut t, schema, v);
    assert_eq!(
        out.as_struct().and_then(|s| s.get("ts")),
        Some(&Value::Int64(0))
    );
}

fn field_precision(precision: &str, input: i64, expected: i64) {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, "Timestamp"),
        (FIELD_CONFIG, "ts"),
        (UNIX_PRECISION_CONFIG, precision),
    ]);
    let (schema, v) = ts_struct(Schema::int64(), Value::Int64(input), false);
    let (out_schema, out) = with_schema(&mut t, schema, v);
    assert_eq!(
        out_schema,
        Schema::structure().field("ts", Schema::timestamp())
    );
    assert_eq!(
        out.as_struct().and_then(|s| s.get("ts")),
        Some(&Value::Int64(expected))
    );
}

#[test]
fn test_with_schema_field_conversion_micros() {
    field_precision(
        "microseconds",
        DATE_PLUS_TIME_UNIX_MICROS,
        DATE_PLUS_TIME_UNIX,
    );
}

#[test]
fn test_with_schema_field_conversion_nanos() {
    field_precision(
        "nanoseconds",
        DATE_PLUS_TIME_UNIX_NANOS,
        DATE_PLUS_TIME_UNIX,
    );
}

#[test]
fn test_with_schema_field_conversion_seconds() {
    field_precision("seconds", DATE_PLUS_TIME_UNIX_SECONDS, DATE_UNIX + 1000);
}

fn string_to_unix(precision: &str) -> Value {
    let mut t = value(&[
        (TARGET_TYPE_CONFIG, "unix"),
        (UNIX_PRECISION_CONFIG, precision),
        (FORMAT_CONFIG, STRING_DATE_FMT),
    ]);
    schemaless(&mut t, Value::from(DATE_PLUS_TIME_STRING))
}

#[test]
fn test_schemaless_string_to_unix_micros() {
    assert_eq!(string_to_unix("microseconds"), Value::Int64(86_401_234_000));
}

#[test]
fn test_schemaless_string_to_unix_nanos() {
    assert_eq!(
        string_to_unix("nanoseconds"),
        Value::Int64(86_401_234_000_000)
    );
}

#[test]
fn test_schemaless_string_to_unix_seconds() {
    assert_eq!(
        string_to_unix("seconds"),
        Value::Int64(DATE_PLUS_TIME_UNIX_SECONDS)
    );
}

// Validate Key implementation in addition to Value

#[test]
fn test_key() {
    let mut t = open::<KeySide>(&[(TARGET_TYPE_CONFIG, "Timestamp")]).expect("open");
    let out = apply(
        &mut t,
        ConnectRecord::new("topic", None, Value::Null)
            .with_key(None, Value::Int64(DATE_PLUS_TIME_UNIX)),
    );
    assert!(out.key_schema.is_none());
    assert_eq!(out.key, Value::Int64(DATE_PLUS_TIME_UNIX));
}

#[test]
fn test_timestamp_converter_version_and_names() {
    let key = TimestampConverter::<KeySide>::describe();
    let value = TimestampConverter::<ValueSide>::describe();
    assert_eq!(key.version, value.version);
    assert_eq!(key.name, "timestamp-converter-key");
    assert_eq!(value.name, "timestamp-converter-value");
}

// Beyond Kafka's tests: messages and the schema cache.

#[test]
fn messages_are_kafkas() {
    let mut t = value(&[(TARGET_TYPE_CONFIG, "unix"), (FORMAT_CONFIG, "yyyy-MM-dd")]);
    let err = t
        .apply_record(record(Some(Schema::string()), "nope".into()))
        .expect_err("parse");
    assert_eq!(
        err.message(),
        "Could not parse timestamp: value (nope) does not match pattern (yyyy-MM-dd)"
    );
    let err = t
        .apply_record(record(Some(Schema::int32()), Value::Int32(1)))
        .expect_err("schema");
    assert_eq!(
        err.message(),
        "Schema Schema{INT32} does not correspond to a known timestamp type format"
    );
    let err = t
        .apply_record(record(None, Value::Float64(1.5)))
        .expect_err("class");
    assert_eq!(
        err.message(),
        "TimestampConverter does not support class java.lang.Double objects as timestamps"
    );
}

#[test]
fn schema_cache_gives_the_same_output_schema() {
    let mut t = value(&[(TARGET_TYPE_CONFIG, "Timestamp"), (FIELD_CONFIG, "ts")]);
    let records: Vec<ConnectRecord> = (0..2)
        .map(|i| {
            let (schema, v) = ts_struct(Schema::int64(), Value::Int64(i), true);
            record(Some(schema), v)
        })
        .collect();
    let out = t.apply(records).expect("apply");
    assert!(Arc::ptr_eq(
        out[0].value_schema.as_ref().expect("schema"),
        out[1].value_schema.as_ref().expect("schema")
    ));
}
