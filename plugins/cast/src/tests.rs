//! Kafka's `CastTest`, case by case (Ferry holds logical values in their physical
//! form: Date = days, Time = ms of day, Timestamp = ms, Decimal = unscaled bytes).

use super::*;
use ferry_sdk::logical::decimal_from_i128;

const MILLIS_PER_HOUR: i64 = 3_600_000;
const MILLIS_PER_DAY: i64 = 86_400_000;

fn key(spec: &str) -> Result<Cast<KeySide>, PluginError> {
    Cast::open([(SPEC_CONFIG, spec)].into_iter().collect())
}

fn value(spec: &str) -> Cast<ValueSide> {
    Cast::open([(SPEC_CONFIG, spec)].into_iter().collect()).expect("open")
}

fn config_error(spec: &str) -> String {
    key(spec).err().expect("config error").message().to_string()
}

fn apply<S: Side>(t: &mut Cast<S>, record: ConnectRecord) -> ConnectRecord {
    t.apply_record(record).expect("apply").expect("kept")
}

fn source(value_schema: Option<Schema>, v: Value) -> ConnectRecord {
    ConnectRecord::new("topic", value_schema.map(Schema::into_arc), v).with_partition(0)
}

fn field<'a>(record: &'a ConnectRecord, name: &str) -> &'a Value {
    record
        .value
        .as_struct()
        .and_then(|s| s.get(name))
        .expect("field")
}

fn field_schema(record: &ConnectRecord, name: &str) -> Arc<Schema> {
    let schema = record.value_schema.as_ref().expect("schema");
    Arc::clone(&schema.field_named(name).expect("field").schema)
}

#[test]
fn test_config_empty() {
    assert_eq!(config_error(""), "Must specify at least one field to cast.");
}

#[test]
fn test_config_invalid_schema_type() {
    assert_eq!(
        config_error("foo:faketype"),
        "Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.FAKETYPE for configuration Invalid type found in casting spec: faketype"
    );
}

#[test]
fn test_config_invalid_target_type() {
    let msg = "Cast transformation does not support casting to ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";
    assert_eq!(config_error("foo:array"), msg);
    assert_eq!(config_error("array"), msg);
}

#[test]
fn test_unsupported_target_type() {
    assert_eq!(
        config_error("foo:bytes"),
        "Cast transformation does not support casting to BYTES; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"
    );
}

#[test]
fn test_config_invalid_map() {
    assert_eq!(
        config_error("foo:int8:extra"),
        "Invalid value [foo:int8:extra] for configuration renames: Invalid rename mapping: foo:int8:extra"
    );
}

#[test]
fn test_config_mix_whole_and_field_transformation() {
    assert_eq!(
        config_error("foo:int8,int32"),
        "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec"
    );
}

#[test]
fn validate_names_the_key() {
    let problems = Cast::<ValueSide>::validate(&[(SPEC_CONFIG, "foo:bytes")].into_iter().collect());
    assert_eq!(problems.len(), 1);
    assert!(Cast::<ValueSide>::validate(&[(SPEC_CONFIG, "int8")].into_iter().collect()).is_empty());
}

#[test]
fn cast_null_value_record_with_schema() {
    let mut t = value("foo:int64");
    let original = source(Some(Schema::string()), Value::Null)
        .with_key(Some(Schema::string().into_arc()), "key".into());
    assert_eq!(apply(&mut t, original.clone()), original);
}

fn field_with_default_value(replace: bool, expected: Value) {
    let mut t: Cast<ValueSide> = Cast::open(
        [
            (SPEC_CONFIG, "magic:string"),
            (
                REPLACE_NULL_WITH_DEFAULT_CONFIG,
                if replace { "true" } else { "false" },
            ),
        ]
        .into_iter()
        .collect(),
    )
    .expect("open");
    let schema = Schema::structure()
        .field("magic", Schema::int32().optional().with_default(10))
        .into_arc();
    let s = Struct::new(Arc::clone(&schema));
    let out = apply(
        &mut t,
        ConnectRecord::new("topic", Some(schema), Value::Struct(s))
            .with_key(Some(Schema::string().into_arc()), "key".into()),
    );
    assert_eq!(field_schema(&out, "magic").kind, SchemaType::String);
    assert_eq!(out.value.as_struct().expect("struct").values[0], expected);
}

#[test]
fn cast_field_with_default_value_record_with_schema() {
    field_with_default_value(false, Value::Null);
    field_with_default_value(true, Value::from("10"));
}

#[test]
fn cast_null_value_record_schemaless() {
    let mut t = value("foo:int64");
    let original =
        source(None, Value::Null).with_key(Some(Schema::string().into_arc()), "key".into());
    assert_eq!(apply(&mut t, original.clone()), original);
}

#[test]
fn cast_null_key_record_with_schema() {
    let mut t = key("foo:int64").expect("open");
    let original = source(Some(Schema::string()), "value".into())
        .with_key(Some(Schema::string().into_arc()), Value::Null);
    assert_eq!(apply(&mut t, original.clone()), original);
}

#[test]
fn cast_null_key_record_schemaless() {
    let mut t = key("foo:int64").expect("open");
    let original = source(Some(Schema::string()), "value".into());
    assert_eq!(apply(&mut t, original.clone()), original);
}

#[test]
fn cast_whole_record_key_with_schema() {
    let mut t = key("int8").expect("open");
    let out = apply(
        &mut t,
        source(Some(Schema::string()), "bogus".into())
            .with_key(Some(Schema::int32().into_arc()), Value::Int32(42)),
    );
    assert_eq!(
        out.key_schema.as_ref().map(|s| s.kind),
        Some(SchemaType::Int8)
    );
    assert_eq!(out.key, Value::Int8(42));
}

fn whole_with_schema(spec: &str, input: Value) -> ConnectRecord {
    let mut t = value(spec);
    apply(&mut t, source(Some(Schema::int32()), input))
}

#[test]
fn cast_whole_record_value_with_schema() {
    let cases = [
        ("int8", SchemaType::Int8, Value::Int8(42)),
        ("int16", SchemaType::Int16, Value::Int16(42)),
        ("int32", SchemaType::Int32, Value::Int32(42)),
        ("int64", SchemaType::Int64, Value::Int64(42)),
        ("float32", SchemaType::Float32, Value::Float32(42.0)),
        ("float64", SchemaType::Float64, Value::Float64(42.0)),
        ("boolean", SchemaType::Boolean, Value::Boolean(true)),
        ("string", SchemaType::String, Value::from("42")),
    ];
    for (spec, kind, expected) in cases {
        let out = whole_with_schema(spec, Value::Int32(42));
        assert_eq!(
            out.value_schema.as_ref().map(|s| s.kind),
            Some(kind),
            "{spec}"
        );
        assert_eq!(out.value, expected, "{spec}");
    }
    let out = whole_with_schema("boolean", Value::Int32(0));
    assert_eq!(out.value, Value::Boolean(false));
}

#[test]
fn cast_whole_big_decimal_record_value_with_schema_string() {
    let mut t = value("string");
    let out = apply(
        &mut t,
        source(
            Some(Schema::decimal(0)),
            Value::Bytes(decimal_from_i128(42)),
        ),
    );
    assert_eq!(
        out.value_schema.as_ref().map(|s| s.kind),
        Some(SchemaType::String)
    );
    assert_eq!(out.value, Value::from("42"));
}

#[test]
fn cast_whole_date_record_value_with_schema_string() {
    let mut t = value("string");
    let out = apply(
        &mut t,
        source(Some(Schema::timestamp()), Value::Int64(MILLIS_PER_DAY + 1)),
    );
    assert_eq!(
        out.value_schema.as_ref().map(|s| s.kind),
        Some(SchemaType::String)
    );
    assert_eq!(out.value, Value::from("1970-01-02T00:00:00.001Z"));
}

#[test]
fn cast_whole_record_default_value() {
    let mut t = value("int32");
    let out = apply(
        &mut t,
        source(
            Some(Schema::float32().with_default(-42.125f32)),
            Value::Float32(42.125),
        ),
    );
    let schema = out.value_schema.as_ref().expect("schema");
    assert_eq!(schema.kind, SchemaType::Int32);
    assert_eq!(out.value, Value::Int32(42));
    assert_eq!(schema.default, Some(Value::Int32(-42)));
}

#[test]
fn cast_whole_record_key_schemaless() {
    let mut t = key("int8").expect("open");
    let out = apply(
        &mut t,
        source(Some(Schema::string()), "bogus".into()).with_key(None, Value::Int32(42)),
    );
    assert!(out.key_schema.is_none());
    assert_eq!(out.key, Value::Int8(42));
}

#[test]
fn cast_whole_record_value_schemaless() {
    let cases = [
        ("int8", Value::Int8(42)),
        ("int16", Value::Int16(42)),
        ("int32", Value::Int32(42)),
        ("int64", Value::Int64(42)),
        ("float32", Value::Float32(42.0)),
        ("float64", Value::Float64(42.0)),
        ("boolean", Value::Boolean(true)),
        ("string", Value::from("42")),
    ];
    for (spec, expected) in cases {
        let mut t = value(spec);
        let out = apply(&mut t, source(None, Value::Int32(42)));
        assert!(out.value_schema.is_none());
        assert_eq!(out.value, expected, "{spec}");
    }
    let mut t = value("boolean");
    let out = apply(&mut t, source(None, Value::Int32(0)));
    assert_eq!(out.value, Value::Boolean(false));
}

#[test]
fn cast_whole_record_value_schemaless_unsupported_type() {
    let mut t = value("int8");
    let err = t
        .apply_record(source(None, Value::Array(vec!["foo".into()])))
        .expect_err("unsupported");
    assert_eq!(
        err.message(),
        "Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
    );
}

#[test]
fn cast_logical_to_primitive() {
    let mut t = value(
        "date_to_int32:int32,timestamp_to_int64:int64,time_to_int64:int64,decimal_to_int32:int32,timestamp_to_float64:float64,null_timestamp_to_int32:int32",
    );
    let schema = Schema::structure()
        .field("date_to_int32", Schema::date())
        .field("timestamp_to_int64", Schema::timestamp())
        .field("time_to_int64", Schema::time())
        .field("decimal_to_int32", Schema::decimal(0))
        .field("timestamp_to_float64", Schema::timestamp())
        .field("null_timestamp_to_int32", Schema::timestamp().optional())
        .into_arc();
    let mut s = Struct::new(Arc::clone(&schema));
    s.put("date_to_int32", Value::Int32(1)).expect("put");
    s.put("timestamp_to_int64", Value::Int64(0)).expect("put");
    s.put("time_to_int64", Value::Int32(1)).expect("put");
    s.put(
        "decimal_to_int32",
        Value::Bytes(decimal_from_i128(i128::from(i32::MAX) + 1)),
    )
    .expect("put");
    s.put("timestamp_to_float64", Value::Int64(i64::MAX))
        .expect("put");
    let out = apply(
        &mut t,
        ConnectRecord::new("topic", Some(schema), Value::Struct(s)),
    );
    assert_eq!(field(&out, "date_to_int32"), &Value::Int32(1));
    assert_eq!(field(&out, "timestamp_to_int64"), &Value::Int64(0));
    assert_eq!(field(&out, "time_to_int64"), &Value::Int64(1));
    assert_eq!(field(&out, "decimal_to_int32"), &Value::Int32(i32::MIN));
    assert_eq!(
        field(&out, "timestamp_to_float64"),
        &Value::Float64(9.223372036854776E18)
    );
    assert_eq!(field(&out, "null_timestamp_to_int32"), &Value::Null);
    for (name, kind) in [
        ("date_to_int32", SchemaType::Int32),
        ("timestamp_to_int64", SchemaType::Int64),
        ("time_to_int64", SchemaType::Int64),
        ("decimal_to_int32", SchemaType::Int32),
        ("timestamp_to_float64", SchemaType::Float64),
        ("null_timestamp_to_int32", SchemaType::Int32),
    ] {
        assert_eq!(field_schema(&out, name).kind, kind, "{name}");
    }
}

#[test]
fn cast_logical_to_string() {
    let mut t = value("date:string,decimal:string,time:string,timestamp:string");
    let schema = Schema::structure()
        .field("date", Schema::date())
        .field("decimal", Schema::decimal(0))
        .field("time", Schema::time())
        .field("timestamp", Schema::timestamp())
        .into_arc();
    let now = 1_733_390_000_123;
    let mut s = Struct::new(Arc::clone(&schema));
    s.put("date", Value::Int32(1)).expect("put");
    s.put("decimal", Value::Bytes(decimal_from_i128(1982)))
        .expect("put");
    s.put("time", Value::Int32(MILLIS_PER_HOUR as i32))
        .expect("put");
    s.put("timestamp", Value::Int64(now)).expect("put");
    let out = apply(
        &mut t,
        ConnectRecord::new("topic", Some(schema), Value::Struct(s)),
    );
    assert_eq!(field(&out, "date"), &Value::from("1970-01-02"));
    assert_eq!(field(&out, "decimal"), &Value::from("1982"));
    assert_eq!(field(&out, "time"), &Value::from("01:00:00.000Z"));
    assert_eq!(
        field(&out, "timestamp"),
        &Value::from("2024-12-05T09:13:20.123Z")
    );
    for name in ["date", "decimal", "time", "timestamp"] {
        assert_eq!(field_schema(&out, name).kind, SchemaType::String, "{name}");
    }
}

#[test]
fn cast_fields_with_schema() {
    let mut t = value(
        "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32,bigdecimal:string,date:string,optional:int32,bytes:string,byteArray:string",
    );
    let schema = Schema::structure()
        .field("int8", Schema::int8())
        .field("int16", Schema::int16().optional())
        .field("int32", Schema::int32().with_default(2))
        .field("int64", Schema::int64())
        .field("float32", Schema::float32())
        .field("float64", Schema::float64().with_default(-1.125))
        .field("boolean", Schema::boolean())
        .field("string", Schema::string())
        .field("bigdecimal", Schema::decimal(0))
        .field("date", Schema::date())
        .field("optional", Schema::float32().optional())
        .field("timestamp", Schema::timestamp())
        .field("bytes", Schema::bytes())
        .field("byteArray", Schema::bytes())
        .into_arc();
    let bytes = vec![0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10];
    let mut s = Struct::new(Arc::clone(&schema));
    s.put("int8", Value::Int8(8)).expect("put");
    s.put("int16", Value::Int16(16)).expect("put");
    s.put("int32", Value::Int32(32)).expect("put");
    s.put("int64", Value::Int64(64)).expect("put");
    s.put("float32", Value::Float32(32.0)).expect("put");
    s.put("float64", Value::Float64(-64.0)).expect("put");
    s.put("boolean", Value::Boolean(true)).expect("put");
    s.put("bigdecimal", Value::Bytes(decimal_from_i128(42)))
        .expect("put");
    s.put("date", Value::Int32(1)).expect("put");
    s.put("string", Value::from("42")).expect("put");
    s.put("timestamp", Value::Int64(0)).expect("put");
    s.put("bytes", Value::Bytes(bytes.clone())).expect("put");
    s.put("byteArray", Value::Bytes(bytes)).expect("put");
    let out = apply(
        &mut t,
        ConnectRecord::new("topic", Some(schema), Value::Struct(s)),
    );

    assert_eq!(field(&out, "int8"), &Value::Int16(8));
    assert!(field_schema(&out, "int16").optional);
    assert_eq!(field(&out, "int16"), &Value::Int32(16));
    assert_eq!(field(&out, "int32"), &Value::Int64(32));
    assert_eq!(field_schema(&out, "int32").default, Some(Value::Int64(2)));
    assert_eq!(field(&out, "int64"), &Value::Boolean(true));
    assert_eq!(field(&out, "float32"), &Value::Float64(32.0));
    assert_eq!(field(&out, "float64"), &Value::Boolean(true));
    assert_eq!(
        field_schema(&out, "float64").default,
        Some(Value::Boolean(true))
    );
    assert_eq!(field(&out, "boolean"), &Value::Int8(1));
    assert_eq!(field(&out, "string"), &Value::Int32(42));
    assert_eq!(field(&out, "bigdecimal"), &Value::from("42"));
    assert_eq!(field(&out, "date"), &Value::from("1970-01-02"));
    assert_eq!(field(&out, "timestamp"), &Value::Int64(0));
    assert_eq!(field(&out, "bytes"), &Value::from("/ty6mHZUMhA="));
    assert_eq!(field(&out, "byteArray"), &Value::from("/ty6mHZUMhA="));
    assert_eq!(field(&out, "optional"), &Value::Null);

    for (name, kind) in [
        ("int8", SchemaType::Int16),
        ("int16", SchemaType::Int32),
        ("int32", SchemaType::Int64),
        ("int64", SchemaType::Boolean),
        ("float32", SchemaType::Float64),
        ("float64", SchemaType::Boolean),
        ("boolean", SchemaType::Int8),
        ("string", SchemaType::Int32),
        ("bigdecimal", SchemaType::String),
        ("date", SchemaType::String),
        ("optional", SchemaType::Int32),
        ("bytes", SchemaType::String),
        ("byteArray", SchemaType::String),
    ] {
        assert_eq!(field_schema(&out, name).kind, kind, "{name}");
    }
    // Not cast: kept as it was.
    assert_eq!(*field_schema(&out, "timestamp"), Schema::timestamp());
}

#[test]
fn cast_fields_schemaless() {
    let mut t = value(
        "int8:int16,int16:int32,int32:int64,int64:boolean,float32:float64,float64:boolean,boolean:int8,string:int32",
    );
    let input = Value::Map(vec![
        ("int8".into(), Value::Int8(8)),
        ("int16".into(), Value::Int16(16)),
        ("int32".into(), Value::Int32(32)),
        ("int64".into(), Value::Int64(64)),
        ("float32".into(), Value::Float32(32.0)),
        ("float64".into(), Value::Float64(-64.0)),
        ("boolean".into(), Value::Boolean(true)),
        ("string".into(), Value::from("42")),
    ]);
    let out = apply(&mut t, source(None, input));
    assert!(out.value_schema.is_none());
    let get = |k: &str| out.value.map_get(k).cloned();
    assert_eq!(get("int8"), Some(Value::Int16(8)));
    assert_eq!(get("int16"), Some(Value::Int32(16)));
    assert_eq!(get("int32"), Some(Value::Int64(32)));
    assert_eq!(get("int64"), Some(Value::Boolean(true)));
    assert_eq!(get("float32"), Some(Value::Float64(32.0)));
    assert_eq!(get("float64"), Some(Value::Boolean(true)));
    assert_eq!(get("boolean"), Some(Value::Int8(1)));
    assert_eq!(get("string"), Some(Value::Int32(42)));
}

#[test]
fn test_cast_version_and_names() {
    let key = Cast::<KeySide>::describe();
    let value = Cast::<ValueSide>::describe();
    assert_eq!(key.version, value.version);
    assert_eq!(key.name, "cast-key");
    assert_eq!(value.name, "cast-value");
}

#[test]
fn schema_cache_gives_the_same_output_schema() {
    let mut t = value("a:string");
    let schema = Schema::structure().field("a", Schema::int32()).into_arc();
    let record = |v: i32| {
        let mut s = Struct::new(Arc::new((*schema).clone()));
        s.put("a", Value::Int32(v)).expect("put");
        ConnectRecord::new("topic", Some(Arc::clone(&s.schema)), Value::Struct(s))
    };
    let out = t.apply(vec![record(1), record(2)]).expect("apply");
    let (a, b) = (
        out[0].value_schema.as_ref().expect("schema"),
        out[1].value_schema.as_ref().expect("schema"),
    );
    assert!(Arc::ptr_eq(a, b));
}

#[test]
fn string_parse_failures_are_out_of_range() {
    let mut t = value("int8");
    let err = t
        .apply_record(source(Some(Schema::string()), "300".into()))
        .expect_err("range");
    assert_eq!(
        err.message(),
        "Value (300) was out of range for requested data type"
    );
    let err = t
        .apply_record(source(Some(Schema::bytes()), Value::Bytes(vec![1])))
        .expect_err("bytes");
    assert_eq!(
        err.message(),
        "Unexpected type in Cast transformation: class [B"
    );
}

#[test]
fn schemaless_missing_fields_become_null() {
    let mut t = value("missing:int8");
    let out = apply(&mut t, source(None, Value::Map(vec![])));
    assert_eq!(out.value, Value::Map(vec![("missing".into(), Value::Null)]));
}
