//! Golden vectors from Kafka's `JsonConverterTest` (connect/json), one test per Kafka
//! test, same names in snake case. Inputs are Kafka's strings verbatim. Where Kafka
//! compares parsed JSON trees, these tests assert the exact bytes Kafka's Jackson
//! writes (object keys in insertion order: `type`, children, `optional`, `name`,
//! `version`, `doc`, `parameters`, `default`, then `field` for struct fields).

use std::sync::Arc;

use ferry_sdk::{Schema, Struct, Value};
use json_converter::config::Options;
use json_converter::convert::JsonConverter;

fn converter(config: &[(&str, &str)]) -> JsonConverter {
    JsonConverter::new(Options::parse(config.iter().copied(), Some(false)).unwrap())
}

/// Kafka's `setUp`: `configure(emptyMap, false)`.
fn default_converter() -> JsonConverter {
    converter(&[])
}

fn to_json(c: &mut JsonConverter, schema: Option<Schema>, value: impl Into<Value>) -> String {
    let schema = schema.map(Arc::new);
    let bytes = c
        .from_connect(schema.as_ref(), &value.into())
        .unwrap()
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

fn to_connect(c: &mut JsonConverter, json: &str) -> (Option<Arc<Schema>>, Value) {
    c.to_connect(Some(json.as_bytes())).unwrap()
}

fn sv(schema: Schema, value: impl Into<Value>) -> (Option<Arc<Schema>>, Value) {
    (Some(Arc::new(schema)), value.into())
}

fn schemaless(value: impl Into<Value>) -> (Option<Arc<Schema>>, Value) {
    (None, value.into())
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn structure(schema: &Arc<Schema>, values: Vec<Value>) -> Value {
    Value::Struct(Struct {
        schema: Arc::clone(schema),
        values,
    })
}

const DECIMAL_156: [u8; 2] = [0, 0x9c]; // new BigDecimal(new BigInteger("156"), 2)

// ---------------------------------------------------------------------------------
// Schema metadata, JSON -> Connect

#[test]
fn test_connect_schema_metadata_translation() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"boolean\" }, \"payload\": true }"
        ),
        sv(Schema::boolean(), true)
    );
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"boolean\", \"optional\": true }, \"payload\": null }"
        ),
        sv(Schema::boolean().optional(), Value::Null)
    );
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"boolean\", \"default\": true }, \"payload\": null }"
        ),
        sv(Schema::boolean().with_default(true), true)
    );
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"boolean\", \"optional\": false, \"name\": \"bool\", \"version\": 2, \"doc\": \"the documentation\", \"parameters\": { \"foo\": \"bar\" }}, \"payload\": true }"
        ),
        sv(
            Schema::boolean()
                .with_name("bool")
                .with_version(2)
                .with_doc("the documentation")
                .with_parameter("foo", "bar"),
            true
        )
    );
}

// ---------------------------------------------------------------------------------
// Schema types, JSON -> Connect

#[test]
fn boolean_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"boolean\" }, \"payload\": true }"
        ),
        sv(Schema::boolean(), true)
    );
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"boolean\" }, \"payload\": false }"
        ),
        sv(Schema::boolean(), false)
    );
}

#[test]
fn byte_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"int8\" }, \"payload\": 12 }"
        ),
        sv(Schema::int8(), 12i8)
    );
}

#[test]
fn short_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"int16\" }, \"payload\": 12 }"
        ),
        sv(Schema::int16(), 12i16)
    );
}

#[test]
fn int_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"int32\" }, \"payload\": 12 }"
        ),
        sv(Schema::int32(), 12i32)
    );
}

#[test]
fn long_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"int64\" }, \"payload\": 12 }"
        ),
        sv(Schema::int64(), 12i64)
    );
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"int64\" }, \"payload\": 4398046511104 }"
        ),
        sv(Schema::int64(), 4398046511104i64)
    );
}

#[test]
fn number_with_leading_zeros_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"int8\" }, \"payload\": 0012 }"
        ),
        sv(Schema::int8(), 12i8)
    );
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"int16\" }, \"payload\": 000123 }"
        ),
        sv(Schema::int16(), 123i16)
    );
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"int32\" }, \"payload\": 000012345 }"
        ),
        sv(Schema::int32(), 12345i32)
    );
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"int64\" }, \"payload\": 00000123456789 }"
        ),
        sv(Schema::int64(), 123456789i64)
    );
}

#[test]
fn float_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"float\" }, \"payload\": 12.34 }"
        ),
        sv(Schema::float32(), 12.34f32)
    );
}

#[test]
fn double_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"double\" }, \"payload\": 12.34 }"
        ),
        sv(Schema::float64(), 12.34f64)
    );
}

#[test]
fn bytes_to_connect() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"bytes\" }, \"payload\": \"dGVzdC1zdHJpbmc=\" }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::bytes(), b"test-string".to_vec())
    );
}

#[test]
fn string_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"string\" }, \"payload\": \"foo-bar-baz\" }"
        ),
        sv(Schema::string(), "foo-bar-baz")
    );
}

#[test]
fn array_to_connect() {
    let mut c = default_converter();
    let array_json = "{ \"schema\": { \"type\": \"array\", \"items\": { \"type\" : \"int32\" } }, \"payload\": [1, 2, 3] }";
    assert_eq!(
        to_connect(&mut c, array_json),
        sv(
            Schema::array(Schema::int32()),
            vec![Value::Int32(1), Value::Int32(2), Value::Int32(3)]
        )
    );
}

#[test]
fn map_to_connect_string_keys() {
    let mut c = default_converter();
    let map_json = "{ \"schema\": { \"type\": \"map\", \"keys\": { \"type\" : \"string\" }, \"values\": { \"type\" : \"int32\" } }, \"payload\": { \"key1\": 12, \"key2\": 15} }";
    assert_eq!(
        to_connect(&mut c, map_json),
        sv(
            Schema::map(Schema::string(), Schema::int32()),
            vec![(s("key1"), Value::Int32(12)), (s("key2"), Value::Int32(15))]
        )
    );
}

#[test]
fn map_to_connect_non_string_keys() {
    let mut c = default_converter();
    let map_json = "{ \"schema\": { \"type\": \"map\", \"keys\": { \"type\" : \"int32\" }, \"values\": { \"type\" : \"int32\" } }, \"payload\": [ [1, 12], [2, 15] ] }";
    assert_eq!(
        to_connect(&mut c, map_json),
        sv(
            Schema::map(Schema::int32(), Schema::int32()),
            vec![
                (Value::Int32(1), Value::Int32(12)),
                (Value::Int32(2), Value::Int32(15))
            ]
        )
    );
}

#[test]
fn struct_to_connect() {
    let mut c = default_converter();
    let struct_json = "{ \"schema\": { \"type\": \"struct\", \"fields\": [{ \"field\": \"field1\", \"type\": \"boolean\" }, { \"field\": \"field2\", \"type\": \"string\" }] }, \"payload\": { \"field1\": true, \"field2\": \"string\" } }";
    let expected_schema = Arc::new(
        Schema::structure()
            .field("field1", Schema::boolean())
            .field("field2", Schema::string()),
    );
    let expected = structure(&expected_schema, vec![Value::Boolean(true), s("string")]);
    assert_eq!(
        to_connect(&mut c, struct_json),
        (Some(expected_schema), expected)
    );
}

#[test]
fn struct_with_optional_field_to_connect() {
    let mut c = default_converter();
    let struct_json = "{ \"schema\": { \"type\": \"struct\", \"fields\": [{ \"field\":\"optional\", \"type\": \"string\", \"optional\": true }, {  \"field\": \"required\", \"type\": \"string\" }] }, \"payload\": { \"required\": \"required\" } }";
    let expected_schema = Arc::new(
        Schema::structure()
            .field("optional", Schema::optional_string())
            .field("required", Schema::string()),
    );
    let expected = structure(&expected_schema, vec![Value::Null, s("required")]);
    assert_eq!(
        to_connect(&mut c, struct_json),
        (Some(expected_schema), expected)
    );
}

#[test]
fn null_to_connect() {
    // A tombstone is SchemaAndValue.NULL.
    let mut c = default_converter();
    assert_eq!(c.to_connect(None).unwrap(), (None, Value::Null));
}

#[test]
fn empty_bytes_to_connect() {
    let mut c =
        JsonConverter::new(Options::parse([("schemas.enable", "false")], Some(true)).unwrap());
    assert_eq!(c.to_connect(Some(b"")).unwrap(), (None, Value::Null));
}

#[test]
fn schemaless_with_empty_field_value_to_connect() {
    let mut c =
        JsonConverter::new(Options::parse([("schemas.enable", "false")], Some(true)).unwrap());
    let input = "{ \"a\": \"\", \"b\": null}";
    assert_eq!(
        to_connect(&mut c, input),
        schemaless(vec![(s("a"), s("")), (s("b"), Value::Null)])
    );
}

#[test]
fn null_schema_primitive_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(&mut c, "{ \"schema\": null, \"payload\": null }"),
        (None, Value::Null)
    );
    assert_eq!(
        to_connect(&mut c, "{ \"schema\": null, \"payload\": true }"),
        schemaless(true)
    );
    // Integers are always int64, floating point always float64.
    assert_eq!(
        to_connect(&mut c, "{ \"schema\": null, \"payload\": 12 }"),
        schemaless(12i64)
    );
    assert_eq!(
        to_connect(&mut c, "{ \"schema\": null, \"payload\": 12.24 }"),
        schemaless(12.24f64)
    );
    assert_eq!(
        to_connect(&mut c, "{ \"schema\": null, \"payload\": \"a string\" }"),
        schemaless("a string")
    );
    assert_eq!(
        to_connect(&mut c, "{ \"schema\": null, \"payload\": [1, \"2\", 3] }"),
        schemaless(vec![Value::Int64(1), s("2"), Value::Int64(3)])
    );
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": null, \"payload\": { \"field1\": 1, \"field2\": 2} }"
        ),
        schemaless(vec![
            (s("field1"), Value::Int64(1)),
            (s("field2"), Value::Int64(2))
        ])
    );
}

// ---------------------------------------------------------------------------------
// Logical types, JSON -> Connect

#[test]
fn decimal_to_connect() {
    let mut c = default_converter();
    // Payload is base64 encoded byte[]{0, -100}, the two's complement encoding of 156.
    let msg = "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", \"version\": 1, \"parameters\": { \"scale\": \"2\" } }, \"payload\": \"AJw=\" }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::decimal(2), DECIMAL_156.to_vec())
    );
}

#[test]
fn decimal_to_connect_optional() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", \"version\": 1, \"optional\": true, \"parameters\": { \"scale\": \"2\" } }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::decimal(2).optional(), Value::Null)
    );
}

#[test]
fn decimal_to_connect_with_default_value() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", \"version\": 1, \"default\": \"AJw=\", \"parameters\": { \"scale\": \"2\" } }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(
            Schema::decimal(2).with_default(DECIMAL_156.to_vec()),
            DECIMAL_156.to_vec()
        )
    );
}

#[test]
fn decimal_to_connect_optional_with_default_value() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", \"version\": 1, \"optional\": true, \"default\": \"AJw=\", \"parameters\": { \"scale\": \"2\" } }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(
            Schema::decimal(2)
                .optional()
                .with_default(DECIMAL_156.to_vec()),
            DECIMAL_156.to_vec()
        )
    );
}

#[test]
fn numeric_decimal_to_connect() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", \"version\": 1, \"parameters\": { \"scale\": \"2\" } }, \"payload\": 1.56 }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::decimal(2), DECIMAL_156.to_vec())
    );
}

#[test]
fn numeric_decimal_with_trailing_zeros_to_connect() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", \"version\": 1, \"parameters\": { \"scale\": \"4\" } }, \"payload\": 1.5600 }";
    // new BigDecimal(new BigInteger("15600"), 4)
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::decimal(4), vec![0x3c, 0xf0])
    );
}

#[test]
fn high_precision_numeric_decimal_to_connect() {
    // Too big to be kept in a float64.
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", \"version\": 1, \"parameters\": { \"scale\": \"17\" } }, \"payload\": 1.23456789123456789 }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(
            Schema::decimal(17),
            123456789123456789i64.to_be_bytes().to_vec()
        )
    );
}

#[test]
fn date_to_connect() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int32\", \"name\": \"org.apache.kafka.connect.data.Date\", \"version\": 1 }, \"payload\": 10000 }";
    assert_eq!(to_connect(&mut c, msg), sv(Schema::date(), 10000i32));
}

#[test]
fn date_to_connect_optional() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int32\", \"name\": \"org.apache.kafka.connect.data.Date\", \"version\": 1, \"optional\": true }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::date().optional(), Value::Null)
    );
}

#[test]
fn date_to_connect_with_default_value() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int32\", \"name\": \"org.apache.kafka.connect.data.Date\", \"version\": 1, \"default\": 0 }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::date().with_default(0i32), 0i32)
    );
}

#[test]
fn date_to_connect_optional_with_default_value() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int32\", \"name\": \"org.apache.kafka.connect.data.Date\", \"version\": 1, \"optional\": true, \"default\": 0 }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::date().optional().with_default(0i32), 0i32)
    );
}

#[test]
fn time_to_connect() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int32\", \"name\": \"org.apache.kafka.connect.data.Time\", \"version\": 1 }, \"payload\": 14400000 }";
    assert_eq!(to_connect(&mut c, msg), sv(Schema::time(), 14400000i32));
}

#[test]
fn time_to_connect_optional() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int32\", \"name\": \"org.apache.kafka.connect.data.Time\", \"version\": 1, \"optional\": true }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::time().optional(), Value::Null)
    );
}

#[test]
fn time_to_connect_with_default_value() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int32\", \"name\": \"org.apache.kafka.connect.data.Time\", \"version\": 1, \"default\": 0 }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::time().with_default(0i32), 0i32)
    );
}

#[test]
fn time_to_connect_optional_with_default_value() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int32\", \"name\": \"org.apache.kafka.connect.data.Time\", \"version\": 1, \"optional\": true, \"default\": 0 }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::time().optional().with_default(0i32), 0i32)
    );
}

#[test]
fn timestamp_to_connect() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int64\", \"name\": \"org.apache.kafka.connect.data.Timestamp\", \"version\": 1 }, \"payload\": 4000000000 }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::timestamp(), 4000000000i64)
    );
}

#[test]
fn timestamp_to_connect_optional() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int64\", \"name\": \"org.apache.kafka.connect.data.Timestamp\", \"version\": 1, \"optional\": true }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::timestamp().optional(), Value::Null)
    );
}

#[test]
fn timestamp_to_connect_with_default_value() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int64\", \"name\": \"org.apache.kafka.connect.data.Timestamp\", \"version\": 1, \"default\": 42 }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::timestamp().with_default(42i64), 42i64)
    );
}

#[test]
fn timestamp_to_connect_optional_with_default_value() {
    let mut c = default_converter();
    let msg = "{ \"schema\": { \"type\": \"int64\", \"name\": \"org.apache.kafka.connect.data.Timestamp\", \"version\": 1,  \"optional\": true, \"default\": 42 }, \"payload\": null }";
    assert_eq!(
        to_connect(&mut c, msg),
        sv(Schema::timestamp().optional().with_default(42i64), 42i64)
    );
}

// ---------------------------------------------------------------------------------
// Schema metadata, Connect -> JSON

#[test]
fn test_json_schema_metadata_translation() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::boolean()), true),
        r#"{"schema":{"type":"boolean","optional":false},"payload":true}"#
    );
    assert_eq!(
        to_json(&mut c, Some(Schema::boolean().optional()), Value::Null),
        r#"{"schema":{"type":"boolean","optional":true},"payload":null}"#
    );
    assert_eq!(
        to_json(&mut c, Some(Schema::boolean().with_default(true)), true),
        r#"{"schema":{"type":"boolean","optional":false,"default":true},"payload":true}"#
    );
    assert_eq!(
        to_json(
            &mut c,
            Some(
                Schema::boolean()
                    .with_name("bool")
                    .with_version(3)
                    .with_doc("the documentation")
                    .with_parameter("foo", "bar")
            ),
            true
        ),
        r#"{"schema":{"type":"boolean","optional":false,"name":"bool","version":3,"doc":"the documentation","parameters":{"foo":"bar"}},"payload":true}"#
    );
}

#[test]
fn test_cache_schema_to_connect_conversion() {
    let mut c = default_converter();
    assert_eq!(c.schema_cache_sizes().1, 0);
    to_connect(
        &mut c,
        "{ \"schema\": { \"type\": \"boolean\" }, \"payload\": true }",
    );
    assert_eq!(c.schema_cache_sizes().1, 1);
    to_connect(
        &mut c,
        "{ \"schema\": { \"type\": \"boolean\" }, \"payload\": true }",
    );
    assert_eq!(c.schema_cache_sizes().1, 1);
    // Different schema should also get cached
    to_connect(
        &mut c,
        "{ \"schema\": { \"type\": \"boolean\", \"optional\": true }, \"payload\": true }",
    );
    assert_eq!(c.schema_cache_sizes().1, 2);
    // Even equivalent, but different JSON encoding of schema, should get different cache entry
    to_connect(
        &mut c,
        "{ \"schema\": { \"type\": \"boolean\", \"optional\": false }, \"payload\": true }",
    );
    assert_eq!(c.schema_cache_sizes().1, 3);
}

// ---------------------------------------------------------------------------------
// Schema types, Connect -> JSON

#[test]
fn boolean_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::boolean()), true),
        r#"{"schema":{"type":"boolean","optional":false},"payload":true}"#
    );
}

#[test]
fn byte_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::int8()), 12i8),
        r#"{"schema":{"type":"int8","optional":false},"payload":12}"#
    );
}

#[test]
fn short_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::int16()), 12i16),
        r#"{"schema":{"type":"int16","optional":false},"payload":12}"#
    );
}

#[test]
fn int_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::int32()), 12i32),
        r#"{"schema":{"type":"int32","optional":false},"payload":12}"#
    );
}

#[test]
fn long_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::int64()), 4398046511104i64),
        r#"{"schema":{"type":"int64","optional":false},"payload":4398046511104}"#
    );
}

#[test]
fn float_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::float32()), 12.34f32),
        r#"{"schema":{"type":"float","optional":false},"payload":12.34}"#
    );
}

#[test]
fn double_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::float64()), 12.34f64),
        r#"{"schema":{"type":"double","optional":false},"payload":12.34}"#
    );
}

#[test]
fn bytes_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::bytes()), b"test-string".to_vec()),
        r#"{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}"#
    );
}

#[test]
fn string_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::string()), "test-string"),
        r#"{"schema":{"type":"string","optional":false},"payload":"test-string"}"#
    );
}

#[test]
fn array_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(
            &mut c,
            Some(Schema::array(Schema::int32())),
            vec![Value::Int32(1), Value::Int32(2), Value::Int32(3)]
        ),
        r#"{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}"#
    );
}

#[test]
fn map_to_json_string_keys() {
    let mut c = default_converter();
    assert_eq!(
        to_json(
            &mut c,
            Some(Schema::map(Schema::string(), Schema::int32())),
            vec![(s("key1"), Value::Int32(12)), (s("key2"), Value::Int32(15))]
        ),
        r#"{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}}"#
    );
}

#[test]
fn map_to_json_non_string_keys() {
    let mut c = default_converter();
    assert_eq!(
        to_json(
            &mut c,
            Some(Schema::map(Schema::int32(), Schema::int32())),
            vec![
                (Value::Int32(1), Value::Int32(12)),
                (Value::Int32(2), Value::Int32(15))
            ]
        ),
        r#"{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]}"#
    );
}

#[test]
fn struct_to_json() {
    let mut c = default_converter();
    let schema = Arc::new(
        Schema::structure()
            .field("field1", Schema::boolean())
            .field("field2", Schema::string())
            .field("field3", Schema::string())
            .field("field4", Schema::boolean()),
    );
    let input = structure(
        &schema,
        vec![
            Value::Boolean(true),
            s("string2"),
            s("string3"),
            Value::Boolean(false),
        ],
    );
    let bytes = c.from_connect(Some(&schema), &input).unwrap().unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        r#"{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},{"type":"string","optional":false,"field":"field3"},{"type":"boolean","optional":false,"field":"field4"}],"optional":false},"payload":{"field1":true,"field2":"string2","field3":"string3","field4":false}}"#
    );
}

#[test]
fn struct_schema_identical() {
    // An equal (not identical) schema object is accepted.
    let mut c = default_converter();
    let build = || {
        Schema::structure()
            .field("field1", Schema::boolean())
            .field("field2", Schema::string())
            .field("field3", Schema::string())
            .field("field4", Schema::boolean())
            .into_arc()
    };
    let schema = build();
    let input = structure(
        &build(),
        vec![
            Value::Boolean(true),
            s("string2"),
            s("string3"),
            Value::Boolean(false),
        ],
    );
    assert!(c.from_connect(Some(&schema), &input).is_ok());
}

#[test]
fn decimal_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::decimal(2)), DECIMAL_156.to_vec()),
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}"#
    );
}

#[test]
fn decimal_to_numeric_json() {
    let mut c = converter(&[("decimal.format", "NUMERIC")]);
    assert_eq!(
        to_json(&mut c, Some(Schema::decimal(2)), DECIMAL_156.to_vec()),
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":1.56}"#
    );
}

#[test]
fn decimal_with_trailing_zeros_to_numeric_json() {
    let mut c = converter(&[("decimal.format", "NUMERIC")]);
    assert_eq!(
        to_json(&mut c, Some(Schema::decimal(4)), vec![0x3c, 0xf0]),
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"4"}},"payload":1.5600}"#
    );
}

#[test]
fn decimal_to_json_without_schema() {
    // Without a schema a Decimal is just bytes to us; Kafka refuses a BigDecimal there.
    // Our closest equivalent, a Decimal-named schema over non-bytes data, is refused.
    let mut c = default_converter();
    let err = c
        .from_connect(Some(&Schema::decimal(2).into_arc()), &Value::Int32(156))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for Decimal, expected BigDecimal but was class java.lang.Integer"
    );
}

#[test]
fn date_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::date()), 10000i32),
        r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000}"#
    );
}

#[test]
fn time_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::time()), 14400000i32),
        r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":14400000}"#
    );
}

#[test]
fn timestamp_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::timestamp()), 4000000000i64),
        r#"{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000}"#
    );
}

#[test]
fn null_schema_and_primitive_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, None, true),
        r#"{"schema":null,"payload":true}"#
    );
}

#[test]
fn null_schema_and_array_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(
            &mut c,
            None,
            vec![Value::Int32(1), s("string"), Value::Boolean(true)]
        ),
        r#"{"schema":null,"payload":[1,"string",true]}"#
    );
}

#[test]
fn null_schema_and_map_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(
            &mut c,
            None,
            vec![
                (s("key1"), Value::Int32(12)),
                (s("key2"), s("string")),
                (s("key3"), Value::Boolean(true))
            ]
        ),
        r#"{"schema":null,"payload":{"key1":12,"key2":"string","key3":true}}"#
    );
}

#[test]
fn null_schema_and_map_non_string_keys_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(
            &mut c,
            None,
            vec![
                (s("string"), Value::Int32(12)),
                (Value::Int32(52), s("string")),
                (Value::Boolean(false), Value::Boolean(true))
            ]
        ),
        r#"{"schema":null,"payload":[["string",12],[52,"string"],[false,true]]}"#
    );
}

#[test]
fn null_schema_and_null_value_to_json() {
    // Tombstones when schemas are enabled.
    let mut c =
        JsonConverter::new(Options::parse([("schemas.enable", "true")], Some(true)).unwrap());
    assert_eq!(c.from_connect(None, &Value::Null).unwrap(), None);
}

#[test]
fn null_value_to_json() {
    // Tombstones when schemas are disabled.
    let mut c =
        JsonConverter::new(Options::parse([("schemas.enable", "false")], Some(true)).unwrap());
    assert_eq!(c.from_connect(None, &Value::Null).unwrap(), None);
}

#[test]
fn mismatch_schema_json() {
    let mut c = default_converter();
    let err = c
        .from_connect(Some(&Schema::float64().into_arc()), &Value::Boolean(true))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for FLOAT64: class java.lang.Boolean"
    );
}

#[test]
fn no_schema_to_connect() {
    let mut c =
        JsonConverter::new(Options::parse([("schemas.enable", "false")], Some(true)).unwrap());
    assert_eq!(to_connect(&mut c, "true"), schemaless(true));
}

#[test]
fn no_schema_to_json() {
    let mut c =
        JsonConverter::new(Options::parse([("schemas.enable", "false")], Some(true)).unwrap());
    assert_eq!(to_json(&mut c, None, true), "true");
}

#[test]
fn test_json_schema_cache_size_from_config_file() {
    // connect-test.properties: schemas.cache.size=1
    let mut c = converter(&[("schemas.cache.size", "1")]);
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"boolean\" }, \"payload\": true }"
        ),
        sv(Schema::boolean(), true)
    );
    to_connect(
        &mut c,
        "{ \"schema\": { \"type\": \"int8\" }, \"payload\": 1 }",
    );
    assert_eq!(c.schema_cache_sizes().1, 1);
}

// Header conversion delegates to data conversion; the plugin has no separate path.

#[test]
fn test_string_header_to_json() {
    let mut c = default_converter();
    assert_eq!(
        to_json(&mut c, Some(Schema::string()), "test-string"),
        r#"{"schema":{"type":"string","optional":false},"payload":"test-string"}"#
    );
}

#[test]
fn string_header_to_connect() {
    let mut c = default_converter();
    assert_eq!(
        to_connect(
            &mut c,
            "{ \"schema\": { \"type\": \"string\" }, \"payload\": \"foo-bar-baz\" }"
        ),
        sv(Schema::string(), "foo-bar-baz")
    );
}

// ---------------------------------------------------------------------------------
// replace.null.with.default

#[test]
fn serialize_null_to_default() {
    let mut c = converter(&[("replace.null.with.default", "true")]);
    let schema = Schema::string().optional().with_default("default");
    assert_eq!(
        to_json(&mut c, Some(schema), Value::Null),
        r#"{"schema":{"type":"string","optional":true,"default":"default"},"payload":"default"}"#
    );
}

#[test]
fn serialize_null_to_null() {
    let mut c = converter(&[("replace.null.with.default", "false")]);
    let schema = Schema::string().optional().with_default("default");
    assert_eq!(
        to_json(&mut c, Some(schema), Value::Null),
        r#"{"schema":{"type":"string","optional":true,"default":"default"},"payload":null}"#
    );
}

#[test]
fn deserialize_null_to_default() {
    let mut c = converter(&[("replace.null.with.default", "true")]);
    let value = "{\"schema\":{\"type\":\"string\",\"optional\":true,\"default\":\"default\"},\"payload\":null}";
    assert_eq!(to_connect(&mut c, value).1, s("default"));
}

#[test]
fn deserialize_null_to_null() {
    let mut c = converter(&[("replace.null.with.default", "false")]);
    let value = "{\"schema\":{\"type\":\"string\",\"optional\":true,\"default\":\"default\"},\"payload\":null}";
    assert_eq!(to_connect(&mut c, value).1, Value::Null);
}

fn field_with_default_schema() -> Arc<Schema> {
    Schema::structure()
        .field(
            "field1",
            Schema::string().optional().with_default("default"),
        )
        .into_arc()
}

#[test]
fn serialize_field_null_to_default() {
    let mut c = converter(&[("replace.null.with.default", "true")]);
    let schema = field_with_default_schema();
    let bytes = c
        .from_connect(
            Some(&schema),
            &Value::Struct(Struct::new(Arc::clone(&schema))),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"default":"default","field":"field1"}],"optional":false},"payload":{"field1":"default"}}"#
    );
}

#[test]
fn serialize_field_null_to_null() {
    let mut c = converter(&[("replace.null.with.default", "false")]);
    let schema = field_with_default_schema();
    let bytes = c
        .from_connect(
            Some(&schema),
            &Value::Struct(Struct::new(Arc::clone(&schema))),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        r#"{"schema":{"type":"struct","fields":[{"type":"string","optional":true,"default":"default","field":"field1"}],"optional":false},"payload":{"field1":null}}"#
    );
}

#[test]
fn deserialize_field_null_to_default() {
    let mut c = converter(&[("replace.null.with.default", "true")]);
    let value = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"field1\",\"type\":\"string\",\"optional\":true,\"default\":\"default\"}],\"optional\":false},\"payload\":{\"field1\":null}}";
    let schema = field_with_default_schema();
    assert_eq!(
        to_connect(&mut c, value).1,
        structure(&schema, vec![s("default")])
    );
}

#[test]
fn deserialize_field_null_to_null() {
    let mut c = converter(&[("replace.null.with.default", "false")]);
    let value = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"field1\",\"type\":\"string\",\"optional\":true,\"default\":\"default\"}],\"optional\":false},\"payload\":{\"field1\":null}}";
    let schema = field_with_default_schema();
    assert_eq!(
        to_connect(&mut c, value).1,
        structure(&schema, vec![Value::Null])
    );
}
