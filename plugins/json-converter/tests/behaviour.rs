//! Behaviour beyond Kafka's own unit tests, derived from Kafka's `JsonConverter` and
//! Jackson's defaults: nested round trips with exact bytes, schemas on and off, Kafka's
//! error messages, Kafka's lenient coercions, and the plugin layer.

use std::sync::Arc;

use ferry_sdk::{Config, Converter, HeaderConverter, Plugin, PluginError, Schema, Struct, Value};
use json_converter::JsonConverterPlugin;
use json_converter::config::Options;
use json_converter::convert::{self, ENVELOPE_ERROR, JsonConverter};

fn converter(config: &[(&str, &str)]) -> JsonConverter {
    JsonConverter::new(Options::parse(config.iter().copied(), Some(false)).unwrap())
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn write(c: &mut JsonConverter, schema: Option<&Arc<Schema>>, value: &Value) -> String {
    String::from_utf8(c.from_connect(schema, value).unwrap().unwrap()).unwrap()
}

fn write_err(c: &mut JsonConverter, schema: Option<&Arc<Schema>>, value: &Value) -> String {
    c.from_connect(schema, value).unwrap_err().to_string()
}

fn read(c: &mut JsonConverter, json: &str) -> (Option<Arc<Schema>>, Value) {
    c.to_connect(Some(json.as_bytes())).unwrap()
}

fn read_err(c: &mut JsonConverter, json: &str) -> String {
    c.to_connect(Some(json.as_bytes())).unwrap_err().to_string()
}

fn person_schema() -> Arc<Schema> {
    let address = Schema::structure()
        .with_name("com.example.Address")
        .field("street", Schema::string())
        .field("zip", Schema::int32().optional())
        .into_arc();
    Schema::structure()
        .with_name("com.example.Person")
        .with_version(2)
        .with_doc("A person")
        .field("id", Schema::int64())
        .field("name", Schema::string().with_default("anon"))
        .field("score", Schema::float64().optional())
        .field("ratio", Schema::float32())
        .field("tags", Schema::array(Schema::string()).optional())
        .field("attrs", Schema::map(Schema::string(), Schema::int16()))
        .field("counts", Schema::map(Schema::int8(), Schema::boolean()))
        .field("home", address)
        .field("balance", Schema::decimal(2))
        .field("born", Schema::date())
        .field("wake", Schema::time().optional())
        .field("seen", Schema::timestamp())
        .field("blob", Schema::bytes().optional())
        .into_arc()
}

fn person(schema: &Arc<Schema>, name: Value) -> Value {
    let home = Struct {
        schema: Arc::clone(&schema.fields[7].schema),
        values: vec![s("Main St"), Value::Null],
    };
    Value::Struct(Struct {
        schema: Arc::clone(schema),
        values: vec![
            Value::Int64(42),
            name,
            Value::Null,
            Value::Float32(0.5),
            Value::Array(vec![s("a"), s("b\"c")]),
            Value::Map(vec![(s("x"), Value::Int16(1)), (s("y"), Value::Int16(-2))]),
            Value::Map(vec![
                (Value::Int8(1), Value::Boolean(true)),
                (Value::Int8(-3), Value::Boolean(false)),
            ]),
            Value::Struct(home),
            Value::Bytes(vec![0xCF, 0xC7]), // -12345 → -123.45
            Value::Int32(19000),
            Value::Null,
            Value::Int64(1_700_000_000_000),
            Value::Bytes(vec![0, 1, 2, 255]),
        ],
    })
}

const PERSON_SCHEMA_JSON: &str = concat!(
    r#"{"type":"struct","fields":["#,
    r#"{"type":"int64","optional":false,"field":"id"},"#,
    r#"{"type":"string","optional":false,"default":"anon","field":"name"},"#,
    r#"{"type":"double","optional":true,"field":"score"},"#,
    r#"{"type":"float","optional":false,"field":"ratio"},"#,
    r#"{"type":"array","items":{"type":"string","optional":false},"optional":true,"field":"tags"},"#,
    r#"{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int16","optional":false},"optional":false,"field":"attrs"},"#,
    r#"{"type":"map","keys":{"type":"int8","optional":false},"values":{"type":"boolean","optional":false},"optional":false,"field":"counts"},"#,
    r#"{"type":"struct","fields":[{"type":"string","optional":false,"field":"street"},{"type":"int32","optional":true,"field":"zip"}],"optional":false,"name":"com.example.Address","field":"home"},"#,
    r#"{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"balance"},"#,
    r#"{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"born"},"#,
    r#"{"type":"int32","optional":true,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"wake"},"#,
    r#"{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"seen"},"#,
    r#"{"type":"bytes","optional":true,"field":"blob"}"#,
    r#"],"optional":false,"name":"com.example.Person","version":2,"doc":"A person"}"#
);

const PERSON_PAYLOAD_JSON: &str = concat!(
    r#"{"id":42,"name":"anon","score":null,"ratio":0.5,"tags":["a","b\"c"],"attrs":{"x":1,"y":-2},"#,
    r#""counts":[[1,true],[-3,false]],"home":{"street":"Main St","zip":null},"balance":"z8c=","#,
    r#""born":19000,"wake":null,"seen":1700000000000,"blob":"AAEC/w=="}"#
);

#[test]
fn nested_struct_with_schemas_exact_bytes_and_round_trip() {
    let mut c = converter(&[]);
    let schema = person_schema();
    let json = write(&mut c, Some(&schema), &person(&schema, Value::Null));
    assert_eq!(
        json,
        format!(r#"{{"schema":{PERSON_SCHEMA_JSON},"payload":{PERSON_PAYLOAD_JSON}}}"#)
    );

    // Back: the same schema, and the value with the default filled in.
    let (read_schema, value) = read(&mut c, &json);
    assert_eq!(read_schema.as_deref(), Some(&*schema));
    assert_eq!(value, person(&schema, s("anon")));
    // And out again, identical bytes.
    assert_eq!(write(&mut c, read_schema.as_ref(), &value), json);
}

#[test]
fn nested_struct_numeric_decimals() {
    let mut c = converter(&[("decimal.format", "numeric")]);
    let schema = person_schema();
    let json = write(&mut c, Some(&schema), &person(&schema, s("Ann")));
    let payload = PERSON_PAYLOAD_JSON
        .replace(r#""balance":"z8c=""#, r#""balance":-123.45"#)
        .replace(r#""name":"anon""#, r#""name":"Ann""#);
    assert_eq!(
        json,
        format!(r#"{{"schema":{PERSON_SCHEMA_JSON},"payload":{payload}}}"#)
    );
    let (_, value) = read(&mut c, &json);
    assert_eq!(value, person(&schema, s("Ann")));
}

#[test]
fn nested_struct_without_schemas() {
    let mut c = converter(&[("schemas.enable", "false")]);
    let schema = person_schema();
    let json = write(&mut c, Some(&schema), &person(&schema, Value::Null));
    assert_eq!(json, PERSON_PAYLOAD_JSON);
    // Schemaless read: objects become maps (in java.util.HashMap order, as Kafka's
    // HashMaps iterate), integers int64, floats float64.
    let (read_schema, value) = read(&mut c, &json);
    assert_eq!(read_schema, None);
    let expected = Value::Map(vec![
        (
            s("counts"),
            Value::Array(vec![
                Value::Array(vec![Value::Int64(1), Value::Boolean(true)]),
                Value::Array(vec![Value::Int64(-3), Value::Boolean(false)]),
            ]),
        ),
        (s("born"), Value::Int64(19000)),
        (s("seen"), Value::Int64(1_700_000_000_000)),
        (s("tags"), Value::Array(vec![s("a"), s("b\"c")])),
        (
            s("attrs"),
            Value::Map(vec![(s("x"), Value::Int64(1)), (s("y"), Value::Int64(-2))]),
        ),
        (
            s("home"),
            Value::Map(vec![(s("zip"), Value::Null), (s("street"), s("Main St"))]),
        ),
        (s("score"), Value::Null),
        (s("wake"), Value::Null),
        (s("blob"), s("AAEC/w==")),
        (s("balance"), s("z8c=")),
        (s("name"), s("anon")),
        (s("id"), Value::Int64(42)),
        (s("ratio"), Value::Float64(0.5)),
    ]);
    assert_eq!(value, expected);
    // Written back: the bytes Kafka's JsonConverter (schemas.enable=false) produces for
    // this input, keys in HashMap order.
    assert_eq!(
        write(&mut c, None, &value),
        concat!(
            r#"{"counts":[[1,true],[-3,false]],"born":19000,"seen":1700000000000,"tags":["a","b\"c"],"#,
            r#""attrs":{"x":1,"y":-2},"home":{"zip":null,"street":"Main St"},"score":null,"wake":null,"#,
            r#""blob":"AAEC/w==","balance":"z8c=","name":"anon","id":42,"ratio":0.5}"#
        )
    );
}

#[test]
fn optional_and_nullable_values_without_schemas() {
    let mut c = converter(&[("schemas.enable", "false")]);
    // A null with an optional schema is the JSON literal, not a tombstone.
    assert_eq!(
        write(
            &mut c,
            Some(&Schema::string().optional().into_arc()),
            &Value::Null
        ),
        "null"
    );
    // A null with a defaulted schema is the default.
    assert_eq!(
        write(
            &mut c,
            Some(&Schema::int32().with_default(7i32).into_arc()),
            &Value::Null
        ),
        "7"
    );
    assert_eq!(c.from_connect(None, &Value::Null).unwrap(), None);
    // Reading JSON null gives a null value.
    assert_eq!(read(&mut c, "null"), (None, Value::Null));
    assert_eq!(read(&mut c, "  "), (None, Value::Null));
}

#[test]
fn floats_are_written_like_java() {
    let mut c = converter(&[("schemas.enable", "false")]);
    let f64s: &[(f64, &str)] = &[
        (1e10, "1.0E10"),
        (100.0, "100.0"),
        (1e-5, "1.0E-5"),
        (0.001, "0.001"),
        (-2.5, "-2.5"),
        (1234567.125, "1234567.125"),
        (12345678.5, "1.23456785E7"),
        (f64::NAN, "\"NaN\""),
        (f64::NEG_INFINITY, "\"-Infinity\""),
    ];
    for &(v, want) in f64s {
        assert_eq!(write(&mut c, None, &Value::Float64(v)), want);
        assert_eq!(
            write(
                &mut c,
                Some(&Schema::float64().into_arc()),
                &Value::Float64(v)
            ),
            want
        );
    }
    assert_eq!(write(&mut c, None, &Value::Float32(0.1)), "0.1");
    assert_eq!(write(&mut c, None, &Value::Float32(1e-7)), "1.0E-7");
}

#[test]
fn strings_are_escaped_like_jackson() {
    let mut c = converter(&[("schemas.enable", "false")]);
    assert_eq!(
        write(&mut c, None, &s("tab\t \"q\" \\ \u{1}é😀/\u{7f}")),
        "\"tab\\t \\\"q\\\" \\\\ \\u0001é\\uD83D\\uDE00/\u{7f}\""
    );
    assert_eq!(
        read(&mut c, r#""\u0041\u00e9\ud83d\ude00\/""#).1,
        s("Aé😀/")
    );
}

#[test]
fn envelope_is_required_with_schemas_enabled() {
    let mut c = converter(&[]);
    for bad in [
        r#"{"schema":null}"#,
        r#"{"payload":1}"#,
        r#"{"schema":null,"payload":1,"extra":2}"#,
        r#"{"schema":null,"payloads":1}"#,
        "[1,2]",
        r#""str""#,
        "42",
        "",
    ] {
        assert_eq!(read_err(&mut c, bad), ENVELOPE_ERROR, "{bad}");
    }
    // Duplicate keys: the last wins and the object still has two fields.
    assert_eq!(
        read(
            &mut c,
            r#"{"schema":{"type":"int8"},"payload":1,"schema":null}"#
        ),
        (None, Value::Int64(1))
    );
    // Content after the root value is ignored, as Jackson's readTree does.
    assert_eq!(
        read(&mut c, r#"{"schema":null,"payload":1} trailing garbage"#),
        (None, Value::Int64(1))
    );
}

#[test]
fn malformed_json_is_a_serialization_error() {
    let mut c = converter(&[]);
    for bad in [
        "{",
        r#"{"schema":null,"payload":tru}"#,
        "{'a':1}",
        "[1,]",
        "\"\u{1}\"",
        "12x",
    ] {
        let e = read_err(&mut c, bad);
        assert!(
            e.starts_with(
                "Converting byte[] to Kafka Connect data failed due to serialization error: "
            ),
            "{bad}: {e}"
        );
    }
}

#[test]
fn other_encodings_are_detected_like_jackson() {
    let mut c = converter(&[]);
    let json = r#"{"schema":{"type":"string"},"payload":"ü"}"#;
    let expected = (Some(Schema::string().into_arc()), s("ü"));
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend_from_slice(json.as_bytes());
    assert_eq!(c.to_connect(Some(&utf8_bom)).unwrap(), expected);
    let utf16be: Vec<u8> = json.encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert_eq!(c.to_connect(Some(&utf16be)).unwrap(), expected);
    let mut utf16le = vec![0xFF, 0xFE];
    utf16le.extend(json.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(c.to_connect(Some(&utf16le)).unwrap(), expected);
}

#[test]
fn required_nulls_are_refused_with_kafka_messages() {
    let mut c = converter(&[]);
    assert_eq!(
        write_err(&mut c, Some(&Schema::string().into_arc()), &Value::Null),
        "Conversion error: null value for field that is required and has no default value"
    );
    assert_eq!(
        read_err(&mut c, r#"{"schema":{"type":"string"},"payload":null}"#),
        "Invalid null value for required STRING field"
    );
    assert_eq!(
        read_err(
            &mut c,
            r#"{"schema":{"type":"struct","fields":[{"field":"a","type":"int32"}]},"payload":{}}"#
        ),
        "Invalid null value for required INT32 field"
    );
    // replace.null.with.default=false: a required field with a default still refuses null.
    let mut c = converter(&[("replace.null.with.default", "false")]);
    assert_eq!(
        read_err(
            &mut c,
            r#"{"schema":{"type":"string","default":"d"},"payload":null}"#
        ),
        "Invalid null value for required STRING field"
    );
    assert_eq!(
        write_err(
            &mut c,
            Some(&Schema::string().with_default("d").into_arc()),
            &Value::Null
        ),
        "Conversion error: null value for field that is required and has no default value"
    );
}

#[test]
fn kafka_lenient_coercions_are_kept() {
    let mut c = converter(&[]);
    let read_value = |c: &mut JsonConverter, json: &str| read(c, json).1;
    // Jackson's intValue()/longValue()/… of whatever node is there.
    assert_eq!(
        read_value(&mut c, r#"{"schema":{"type":"int32"},"payload":"12"}"#),
        Value::Int32(0)
    );
    assert_eq!(
        read_value(&mut c, r#"{"schema":{"type":"int8"},"payload":300}"#),
        Value::Int8(44)
    );
    assert_eq!(
        read_value(&mut c, r#"{"schema":{"type":"int32"},"payload":12.9}"#),
        Value::Int32(12)
    );
    assert_eq!(
        read_value(&mut c, r#"{"schema":{"type":"int64"},"payload":1e3}"#),
        Value::Int64(1000)
    );
    assert_eq!(
        read_value(
            &mut c,
            r#"{"schema":{"type":"int32"},"payload":4398046511104}"#
        ),
        Value::Int32(0)
    );
    assert_eq!(
        read_value(&mut c, r#"{"schema":{"type":"boolean"},"payload":1}"#),
        Value::Boolean(false)
    );
    assert_eq!(
        read_value(&mut c, r#"{"schema":{"type":"double"},"payload":"x"}"#),
        Value::Float64(0.0)
    );
    assert_eq!(
        read_value(&mut c, r#"{"schema":{"type":"float"},"payload":7}"#),
        Value::Float32(7.0)
    );
    assert_eq!(
        read_value(&mut c, r#"{"schema":{"type":"string"},"payload":12}"#),
        Value::Null
    );
    assert_eq!(
        read_value(&mut c, r#"{"schema":{"type":"bytes"},"payload":12}"#),
        Value::Null
    );
    // An array schema iterates an object's values; a scalar has none.
    assert_eq!(
        read_value(
            &mut c,
            r#"{"schema":{"type":"array","items":{"type":"int32"}},"payload":{"a":1,"b":2}}"#
        ),
        Value::Array(vec![Value::Int32(1), Value::Int32(2)])
    );
    assert_eq!(
        read_value(
            &mut c,
            r#"{"schema":{"type":"array","items":{"type":"int32"}},"payload":5}"#
        ),
        Value::Array(vec![])
    );
    // Struct.put refuses the resulting null for a required field.
    assert_eq!(
        read_err(
            &mut c,
            r#"{"schema":{"type":"struct","fields":[{"field":"f","type":"string"}]},"payload":{"f":5}}"#
        ),
        "Invalid value: null used for required field: \"f\", schema type: STRING"
    );
    assert_eq!(
        read_err(
            &mut c,
            r#"{"schema":{"type":"struct","fields":[{"field":"f","type":"array","items":{"type":"string"}}]},"payload":{"f":[1]}}"#
        ),
        "Invalid value: null used for required element of array field: \"f\", schema type: STRING"
    );
    // Schemaless integers keep Java's low 64 bits.
    assert_eq!(
        read_value(&mut c, r#"{"schema":null,"payload":18446744073709551617}"#),
        Value::Int64(1)
    );
    // Struct members in any order, unknown members ignored.
    let (schema, value) = read(
        &mut c,
        r#"{"schema":{"type":"struct","fields":[{"field":"a","type":"int32"},{"field":"b","type":"int32"}]},"payload":{"x":0,"b":2,"a":1}}"#,
    );
    let schema = schema.unwrap();
    assert_eq!(
        value,
        Value::Struct(Struct {
            schema,
            values: vec![Value::Int32(1), Value::Int32(2)]
        })
    );
}

#[test]
fn logical_type_errors_match_kafka() {
    let mut c = converter(&[]);
    let date = r#"{"type":"int32","name":"org.apache.kafka.connect.data.Date","version":1}"#;
    let time = r#"{"type":"int32","name":"org.apache.kafka.connect.data.Time","version":1}"#;
    let ts = r#"{"type":"int64","name":"org.apache.kafka.connect.data.Timestamp","version":1}"#;
    let dec = r#"{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}}"#;
    let env = |schema: &str, payload: &str| format!(r#"{{"schema":{schema},"payload":{payload}}}"#);
    assert_eq!(
        read_err(&mut c, &env(date, "1.5")),
        "Invalid type for Date, underlying representation should be integer but was NUMBER"
    );
    assert_eq!(
        read_err(&mut c, &env(date, "4398046511104")),
        "Invalid type for Date, underlying representation should be integer but was NUMBER"
    );
    assert_eq!(
        read_err(&mut c, &env(time, "86400001")),
        "Time values must use number of milliseconds greater than 0 and less than 86400000"
    );
    assert_eq!(
        read(&mut c, &env(time, "86400000")).1,
        Value::Int32(86_400_000)
    );
    assert_eq!(
        read_err(&mut c, &env(ts, "\"x\"")),
        "Invalid type for Timestamp, underlying representation should be integral but was STRING"
    );
    assert_eq!(read(&mut c, &env(ts, "-1")).1, Value::Int64(-1));
    assert_eq!(
        read_err(&mut c, &env(dec, "true")),
        "Invalid type for Decimal, underlying representation should be numeric or bytes but was BOOLEAN"
    );
    assert_eq!(
        read_err(&mut c, &env(dec, "\"not base64!\"")),
        "Invalid bytes for Decimal field"
    );
    assert_eq!(
        read_err(&mut c, &env(dec, "\"\"")),
        "Invalid bytes for Decimal field"
    );
    assert_eq!(
        read_err(&mut c, &env(dec, "1.567")),
        "Decimal value has mismatching scale for given Decimal schema. Schema has scale 2, value has scale 3."
    );
    // Numbers are rescaled to the schema's scale when exact.
    assert_eq!(
        read(&mut c, &env(dec, "-1.5E+3")).1,
        Value::Bytes(vec![0xFD, 0xB6, 0x10])
    ); // -150000
    assert_eq!(
        read(&mut c, &env(dec, "1.500")).1,
        Value::Bytes(vec![0x00, 0x96])
    ); // 150
    assert_eq!(
        read(&mut c, &env(dec, "7")).1,
        Value::Bytes(vec![0x02, 0xBC])
    ); // 700
    assert_eq!(
        read(&mut c, &env(dec, "\"/w==\"")).1,
        Value::Bytes(vec![0xFF])
    ); // -1
    let no_scale = r#"{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal"}"#;
    assert_eq!(
        read_err(&mut c, &env(no_scale, "\"AJw=\"")),
        "Invalid bytes for Decimal field"
    );

    // Connect -> JSON.
    assert_eq!(
        write_err(&mut c, Some(&Schema::time().into_arc()), &Value::Int32(-1)),
        "Kafka Connect Time type should not have any date fields set to non-zero values."
    );
    assert_eq!(
        write_err(
            &mut c,
            Some(
                &Schema::bytes()
                    .with_name("org.apache.kafka.connect.data.Decimal")
                    .into_arc()
            ),
            &Value::Bytes(vec![1])
        ),
        "Invalid Decimal schema: scale parameter not found."
    );
    assert_eq!(
        write_err(&mut c, Some(&Schema::date().into_arc()), &Value::Int64(1)),
        "Invalid type for Date, expected Date but was class java.lang.Long"
    );
}

#[test]
fn decimals_in_both_formats() {
    let mut base64 = converter(&[("schemas.enable", "false")]);
    let mut numeric = converter(&[("schemas.enable", "false"), ("decimal.format", "NUMERIC")]);
    let cases: &[(Vec<u8>, i32, &str, &str)] = &[
        (vec![0, 0x9c], 2, "\"AJw=\"", "1.56"),
        (vec![0, 0, 0x9c], 2, "\"AJw=\"", "1.56"), // non-minimal input is normalized
        (vec![0xff], 0, "\"/w==\"", "-1"),
        (vec![0], 3, "\"AA==\"", "0.000"),
        (vec![1], 10, "\"AQ==\"", "1E-10"),
        (vec![123], -2, "\"ew==\"", "1.23E+4"),
        (vec![5], 7, "\"BQ==\"", "5E-7"),
        (vec![0x30, 0x39], 6, "\"MDk=\"", "0.012345"),
    ];
    for (bytes, scale, b64, num) in cases {
        let schema = Schema::decimal(*scale).into_arc();
        let value = Value::Bytes(bytes.clone());
        assert_eq!(
            write(&mut base64, Some(&schema), &value),
            *b64,
            "{bytes:?} {scale}"
        );
        assert_eq!(
            write(&mut numeric, Some(&schema), &value),
            *num,
            "{bytes:?} {scale}"
        );
    }
    // A 40-digit decimal survives NUMERIC both ways.
    let mut c = converter(&[("decimal.format", "NUMERIC")]);
    let json = r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"5"}},"payload":-12345678901234567890123456789012345.67890}"#;
    let (schema, value) = read(&mut c, json);
    assert_eq!(write(&mut c, schema.as_ref(), &value), json);
    // The schema default follows decimal.format too.
    let schema = Schema::decimal(2).with_default(vec![0u8, 0x9c]).into_arc();
    assert_eq!(
        write(&mut c, Some(&schema), &Value::Null),
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"default":1.56},"payload":1.56}"#
    );
}

#[test]
fn schema_errors_match_kafka() {
    let mut c = converter(&[]);
    let env = |schema: &str| format!(r#"{{"schema":{schema},"payload":null}}"#);
    let cases = [
        (r#"{"optional":true}"#, "Schema must contain 'type' field"),
        (r#"{"type":5}"#, "Schema must contain 'type' field"),
        (r#""string""#, "Schema must contain 'type' field"),
        (r#"{"type":"foo"}"#, "Unknown schema type: foo"),
        (
            r#"{"type":"array"}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"array","items":null}"#,
            "Array schema did not specify the element type",
        ),
        (
            r#"{"type":"map","values":{"type":"int8"}}"#,
            "Map schema did not specify the key type",
        ),
        (
            r#"{"type":"map","keys":{"type":"int8"}}"#,
            "Map schema did not specify the value type",
        ),
        (
            r#"{"type":"map","keys":null,"values":{"type":"int8"}}"#,
            "keySchema cannot be null.",
        ),
        (
            r#"{"type":"struct"}"#,
            "Struct schema's \"fields\" argument is not an array.",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int8"}]}"#,
            "Struct schema's field name not specified properly",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int8","field":""}]}"#,
            "fieldName cannot be null.",
        ),
        (
            r#"{"type":"struct","fields":[{"type":"int8","field":"a"},{"type":"int8","field":"a"}]}"#,
            "Cannot create field because of field name duplication a",
        ),
        (
            r#"{"type":"int8","parameters":{"a":1}}"#,
            "Schema parameters must have string values.",
        ),
        (
            r#"{"type":"string","default":null}"#,
            "Invalid null value for required STRING field",
        ),
        (
            r#"{"type":"string","default":5}"#,
            "Invalid default value: Invalid value: null used for required value, schema type: STRING",
        ),
    ];
    for (schema, message) in cases {
        assert_eq!(read_err(&mut c, &env(schema)), message, "{schema}");
    }
    // Things Kafka ignores.
    let (schema, _) = read(
        &mut c,
        &format!(
            r#"{{"schema":{},"payload":1}}"#,
            r#"{"type":"int8","optional":"yes","name":5,"version":"2","doc":null,"parameters":[1],"fields":7}"#
        ),
    );
    assert_eq!(schema.as_deref(), Some(&Schema::int8()));
    let (schema, _) = read(
        &mut c,
        &env(r#"{"type":"string","optional":true,"default":5}"#),
    );
    assert_eq!(schema.as_deref(), Some(&Schema::string().optional()));
}

#[test]
fn maps_follow_kafka_rules() {
    let mut c = converter(&[("schemas.enable", "false")]);
    // Optional string keys: a null key is written as "null" (Jackson's asText()).
    let schema = Schema::map(Schema::string().optional(), Schema::int32()).into_arc();
    assert_eq!(
        write(
            &mut c,
            Some(&schema),
            &Value::Map(vec![(Value::Null, Value::Int32(1))])
        ),
        r#"{"null":1}"#
    );
    // Duplicate keys: first position, last value (ObjectNode.set).
    assert_eq!(
        write(
            &mut c,
            None,
            &Value::Map(vec![
                (s("a"), Value::Int32(1)),
                (s("b"), Value::Int32(2)),
                (s("a"), Value::Int32(3))
            ])
        ),
        r#"{"a":3,"b":2}"#
    );
    // Schemaless maps with any non-string key use the array-of-pairs form.
    assert_eq!(
        write(
            &mut c,
            None,
            &Value::Map(vec![(Value::Null, Value::Int32(1))])
        ),
        "[[null,1]]"
    );
    assert_eq!(write(&mut c, None, &Value::Map(vec![])), "{}");
    // A string-keyed map schema given non-string keys is a type error.
    assert_eq!(
        write_err(
            &mut c,
            Some(&Schema::map(Schema::string(), Schema::int32()).into_arc()),
            &Value::Map(vec![(Value::Int32(1), Value::Int32(1))])
        ),
        "Invalid type for STRING: class java.lang.Integer"
    );

    let mut c = converter(&[]);
    let schema = r#"{"type":"map","keys":{"type":"int32"},"values":{"type":"string"}}"#;
    // Read pairs: HashMap semantics for repeated keys.
    assert_eq!(
        read(
            &mut c,
            &format!(r#"{{"schema":{schema},"payload":[[1,"a"],[2,"b"],[1,"c"]]}}"#)
        )
        .1,
        Value::Map(vec![(Value::Int32(1), s("c")), (Value::Int32(2), s("b"))])
    );
    assert_eq!(
        read_err(
            &mut c,
            &format!(r#"{{"schema":{schema},"payload":{{"1":"a"}}}}"#)
        ),
        "Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT"
    );
    assert_eq!(
        read_err(&mut c, &format!(r#"{{"schema":{schema},"payload":[1]}}"#)),
        "Found invalid map entry instead of array tuple: NUMBER"
    );
    assert_eq!(
        read_err(&mut c, &format!(r#"{{"schema":{schema},"payload":[[1]]}}"#)),
        "Found invalid map entry, expected length 2 but found :1"
    );
    assert_eq!(
        read_err(
            &mut c,
            r#"{"schema":{"type":"map","keys":{"type":"string"},"values":{"type":"string"}},"payload":[]}"#
        ),
        "Maps with string fields should be encoded as JSON objects, but found ARRAY"
    );
    assert_eq!(
        read_err(
            &mut c,
            r#"{"schema":{"type":"struct","fields":[]},"payload":[]}"#
        ),
        "Structs should be encoded as JSON objects, but found ARRAY"
    );
}

#[test]
fn structs_need_their_schema() {
    let mut c = converter(&[]);
    let schema = Schema::structure().field("a", Schema::int32()).into_arc();
    let value = Value::Struct(Struct {
        schema: Arc::clone(&schema),
        values: vec![Value::Int32(1)],
    });
    assert_eq!(write_err(&mut c, None, &value), "Mismatching schema.");
    let other = Schema::structure().field("a", Schema::int64()).into_arc();
    assert_eq!(
        write_err(&mut c, Some(&other), &value),
        "Mismatching schema."
    );
    // An optional struct may be null.
    let optional = Schema::structure()
        .field("a", Schema::int32())
        .optional()
        .into_arc();
    assert_eq!(
        write(&mut c, Some(&optional), &Value::Null),
        r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"}],"optional":true},"payload":null}"#
    );
    // A struct default (which Kafka's SchemaBuilder cannot express) is written and read.
    let inner = Schema::structure().field("a", Schema::int32()).into_arc();
    let with_default = Schema::structure()
        .field("a", Schema::int32())
        .with_default(Value::Struct(Struct {
            schema: Arc::clone(&inner),
            values: vec![Value::Int32(9)],
        }))
        .into_arc();
    let json = write(&mut c, Some(&with_default), &Value::Null);
    assert_eq!(
        json,
        r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"}],"optional":false,"default":{"a":9}},"payload":{"a":9}}"#
    );
    let (schema, value) = read(&mut c, &json);
    assert_eq!(write(&mut c, schema.as_ref(), &value), json);
}

#[test]
fn deep_nesting_is_bounded() {
    let mut c = converter(&[("schemas.enable", "false")]);
    let ok = "[".repeat(1000) + &"]".repeat(1000);
    let result = std::thread::Builder::new()
        .stack_size(4 << 20)
        .spawn(move || {
            let mut c = converter(&[("schemas.enable", "false")]);
            let (_, value) = c.to_connect(Some(ok.as_bytes())).unwrap();
            let bytes = c.from_connect(None, &value).unwrap().unwrap();
            (bytes == ok.as_bytes(), value)
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(result.0);
    // Dropping a 1000-deep value is recursive too; keep it in a big-stack thread.
    std::thread::Builder::new()
        .stack_size(4 << 20)
        .spawn(move || drop(result))
        .unwrap()
        .join()
        .unwrap();
    let deep = "[".repeat(1001) + &"]".repeat(1001);
    assert!(
        read_err(&mut c, &deep).contains("nesting depth (1001) exceeds the maximum allowed (1000")
    );
}

#[test]
fn caches_share_schemas_without_changing_results() {
    let mut c = converter(&[]);
    let json = r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"}],"optional":false},"payload":{"a":1}}"#;
    let (first, v1) = read(&mut c, json);
    let (second, v2) = read(&mut c, json);
    assert!(Arc::ptr_eq(
        first.as_ref().unwrap(),
        second.as_ref().unwrap()
    ));
    assert_eq!(v1, v2);
    assert_eq!(write(&mut c, first.as_ref(), &v1), json);
    assert_eq!(write(&mut c, first.as_ref(), &v1), json);
    assert_eq!(c.schema_cache_sizes(), (1, 1));
    // The uncached free functions agree.
    let options = Options::default();
    assert_eq!(
        convert::serialize(first.as_ref(), &v1, &options)
            .unwrap()
            .unwrap(),
        json.as_bytes()
    );
    assert_eq!(
        convert::deserialize(Some(json.as_bytes()), &options).unwrap(),
        (first, v1)
    );
    assert_eq!(
        convert::deserialize(None, &options).unwrap(),
        (None, Value::Null)
    );
    // Schema -> JSON entries are keyed by Arc identity and bounded to a few recent ones.
    for i in 0..20 {
        let schema = Schema::int32().with_version(i).into_arc();
        write(&mut c, Some(&schema), &Value::Int32(i));
    }
    assert_eq!(c.schema_cache_sizes(), (16, 1));
    // schemas.cache.size=0 disables caching.
    let mut c = converter(&[("schemas.cache.size", "0")]);
    read(&mut c, json);
    assert_eq!(c.schema_cache_sizes(), (0, 0));
}

// ---------------------------------------------------------------------------------
// The plugin layer

fn config(pairs: &[(&str, &str)]) -> Config {
    pairs.iter().copied().collect()
}

#[test]
fn plugin_describes_itself() {
    let d = JsonConverterPlugin::describe();
    assert_eq!(d.name, "json-converter");
    assert_eq!(
        d.aliases,
        vec![
            "JsonConverter",
            "org.apache.kafka.connect.json.JsonConverter"
        ]
    );
    let keys: Vec<(&str, Option<&str>)> = d
        .config
        .iter()
        .map(|k| (k.name.as_str(), k.default_value.as_deref()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("schemas.enable", Some("true")),
            ("schemas.cache.size", Some("1000")),
            ("decimal.format", Some("BASE64")),
            ("replace.null.with.default", Some("true")),
            ("converter.type", None),
        ]
    );
    assert!(d.config.iter().all(|k| !k.required));
}

#[test]
fn plugin_validates_and_opens() {
    let problems = JsonConverterPlugin::validate(&config(&[
        ("schemas.enable", "maybe"),
        ("decimal.format", "NUMERIC"),
    ]));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].key, "schemas.enable");
    assert!(JsonConverterPlugin::validate(&config(&[("schemas.enable", "false")])).is_empty());

    match <JsonConverterPlugin as Converter>::open(config(&[("decimal.format", "hex")]), false) {
        Err(PluginError::Config(m)) => assert_eq!(
            m,
            "Invalid value hex for configuration decimal.format: String must be one of (case insensitive): BASE64, NUMERIC"
        ),
        other => panic!("{:?}", other.map(|_| ())),
    }

    let mut plugin =
        <JsonConverterPlugin as Converter>::open(config(&[("schemas.enable", "false")]), true)
            .unwrap();
    assert!(!plugin.converter().options().schemas_enable);
    let schema = Schema::int32().into_arc();
    assert_eq!(
        plugin
            .from_connect("t", Some(&schema), &Value::Int32(5))
            .unwrap(),
        Some(b"5".to_vec())
    );
    assert_eq!(plugin.from_connect("t", None, &Value::Null).unwrap(), None);
    assert_eq!(
        plugin.to_connect("t", Some(b"5")).unwrap(),
        (None, Value::Int64(5))
    );
    assert_eq!(plugin.to_connect("t", None).unwrap(), (None, Value::Null));
    match plugin.to_connect("t", Some(b"{")) {
        Err(PluginError::Fatal(m)) => {
            assert!(m.starts_with("Converting byte[] to Kafka Connect data failed"))
        }
        other => panic!("{other:?}"),
    }
}

/// As a header converter (Kafka's `configure(configs)` with `converter.type=header`)
/// it converts header values like record values, schemas envelope included.
#[test]
fn header_converter_converts_like_values() {
    let mut c = <JsonConverterPlugin as HeaderConverter>::open(config(&[
        ("converter.type", "header"),
        ("schemas.enable", "false"),
    ]))
    .unwrap();
    let (schema, value) = c.to_connect_header("t", "h", Some(b"[1,2]")).unwrap();
    assert!(schema.is_none());
    assert_eq!(value, Value::Array(vec![Value::Int64(1), Value::Int64(2)]));
    assert_eq!(
        c.from_connect_header("t", "h", None, &value).unwrap(),
        Some(b"[1,2]".to_vec())
    );
    let mut enveloped =
        <JsonConverterPlugin as HeaderConverter>::open(config(&[("converter.type", "header")]))
            .unwrap();
    assert_eq!(
        enveloped
            .from_connect_header(
                "t",
                "h",
                Some(&Schema::int32().into_arc()),
                &Value::Int32(7)
            )
            .unwrap(),
        Some(br#"{"schema":{"type":"int32","optional":false},"payload":7}"#.to_vec())
    );
}

/// The envelope fast path (schema bytes found in the cache, only the payload parsed)
/// answers exactly as the full parse: the same records through a caching converter
/// and through fresh ones, including shapes the fast path must leave to the full
/// parse (other key order, extra members, bad payloads, trailing text, numbers).
#[test]
fn cached_envelopes_answer_as_the_full_parse() {
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"a"},{"type":"string","optional":true,"field":"s"}],"optional":false,"name":"x.Y"}"#;
    let int_schema = r#"{"type":"int64","optional":false}"#;
    let docs: Vec<String> = vec![
        format!(r#"{{"schema":{schema},"payload":{{"a":1,"s":"x"}}}}"#),
        format!(r#"{{"schema":{schema},"payload":{{"a":2,"s":null}}}}"#),
        format!(" {{ \"schema\" : {schema} ,\n \"payload\" : {{\"a\":3}} }} "),
        format!(r#"{{"payload":{{"a":4}},"schema":{schema}}}"#),
        format!(r#"{{"schema":{schema},"payload":{{"a":"no"}}}}"#),
        format!(r#"{{"schema":{schema},"payload":{{"a":5}},"extra":1}}"#),
        format!(r#"{{"schema":{schema},"payload":{{"a":6,}}}}"#),
        format!(r#"{{"schema":{schema},"payload":{{"a":7}}}} trailing"#),
        format!(r#"{{"schema":{schema},"payload":{{"a":8,"a":9}}}}"#),
        format!(r#"{{"schema":{schema},"payload":{{"s":"\"}}{{"}}}}"#),
        format!(r#"{{"schema":{int_schema},"payload":42}}"#),
        format!(r#"{{"schema":{int_schema},"payload":43}}"#),
        format!(r#"{{"schema":{int_schema},"payload":44x}}"#),
        format!(r#"{{"schema":{int_schema},"payload":45 }}"#),
    ];
    let options = || {
        json_converter::config::Options::parse(Vec::<(&str, &str)>::new(), Some(false))
            .expect("options")
    };
    let mut cached = json_converter::convert::JsonConverter::new(options());
    for doc in &docs {
        let fast = cached.to_connect(Some(doc.as_bytes()));
        let full = json_converter::convert::deserialize(Some(doc.as_bytes()), &options());
        assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{doc}");
    }
}
