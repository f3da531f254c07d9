//! Kafka's `InsertHeader` transform: adds a header named `header` to every record, its
//! value the literal `value.literal` parsed once, at configuration, by Kafka's
//! `Values.parseString` into a typed value (boolean, the smallest fitting integer,
//! floating point, decimal, list, map, ISO-8601 date/time/timestamp, else the string).
//! Existing headers, even with the same name, are kept.

use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Header, Importance, Plugin, PluginDescriptor,
    PluginError, Schema, Transform, Value,
};
use transform_support::config::required_string;
use transform_support::side::transform_aliases;
use transform_support::values::parse_string;

pub const HEADER_FIELD: &str = "header";
pub const VALUE_LITERAL_FIELD: &str = "value.literal";

pub const OVERVIEW_DOC: &str = "Add a header to each record.";

/// The transform.
#[derive(Debug)]
pub struct InsertHeader {
    header: String,
    schema: Option<Arc<Schema>>,
    value: Value,
}

/// Both keys are required `STRING`s, trimmed as `ConfigDef` reads them; their
/// `NonNullValidator` cannot fail on a string.
fn parse_config(config: &Config) -> Result<InsertHeader, PluginError> {
    let header = required_string(config, HEADER_FIELD)?.to_string();
    let literal = required_string(config, VALUE_LITERAL_FIELD)?;
    let (schema, value) = parse_string(literal);
    Ok(InsertHeader {
        header,
        schema,
        value,
    })
}

impl Plugin for InsertHeader {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation("insert-header")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(transform_aliases("InsertHeader"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(HEADER_FIELD)
                    .required()
                    .importance(Importance::High)
                    .doc("The name of the header."),
            )
            .config(
                ConfigKey::string(VALUE_LITERAL_FIELD)
                    .required()
                    .importance(Importance::High)
                    .doc("The literal value that is to be set as the header value on all records."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        [HEADER_FIELD, VALUE_LITERAL_FIELD]
            .into_iter()
            .filter_map(|key| {
                required_string(config, key)
                    .err()
                    .map(|e| ConfigProblem::new(key, e.message()))
            })
            .collect()
    }
}

impl Transform for InsertHeader {
    fn open(config: Config) -> Result<Self, PluginError> {
        parse_config(&config)
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        record.headers.push(Header::new(
            self.header.clone(),
            self.schema.clone(),
            self.value.clone(),
        ));
        Ok(Some(record))
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_transform!(InsertHeader);

/// Ports of Kafka's `InsertHeaderTest`, and the literal's parsing.
#[cfg(test)]
mod tests {
    use super::*;

    fn config(header: Option<&str>, literal: Option<&str>) -> Config {
        let mut c = Config::new();
        if let Some(h) = header {
            c.set(HEADER_FIELD, h);
        }
        if let Some(l) = literal {
            c.set(VALUE_LITERAL_FIELD, l);
        }
        c
    }

    fn xform(header: &str, literal: &str) -> InsertHeader {
        InsertHeader::open(config(Some(header), Some(literal))).unwrap()
    }

    fn string_header(key: &str, value: &str) -> Header {
        Header::new(key, Some(Arc::new(Schema::string())), value.into())
    }

    fn source_record(headers: Vec<Header>) -> ConnectRecord {
        ConnectRecord {
            topic: "topic".into(),
            partition: Some(0),
            key: "key".into(),
            value: "value".into(),
            timestamp: Some(0),
            headers,
            source_partition: Some(r#"{"foo":"bar"}"#.into()),
            source_offset: Some(r#"{"baz":"quxx"}"#.into()),
            ..ConnectRecord::default()
        }
    }

    fn assert_non_headers(original: &ConnectRecord, xformed: &ConnectRecord) {
        let strip = |r: &ConnectRecord| ConnectRecord {
            headers: Vec::new(),
            ..r.clone()
        };
        assert_eq!(strip(original), strip(xformed));
    }

    fn check(header: &str, literal: &str, existing: Header, inserted: Header) {
        let mut t = xform(header, literal);
        let original = source_record(vec![existing.clone()]);
        let xformed = t.apply_record(original.clone()).unwrap().unwrap();
        assert_non_headers(&original, &xformed);
        assert_eq!(xformed.headers, vec![existing, inserted]);
    }

    #[test]
    fn insertion_with_existing_other_header() {
        check(
            "inserted",
            "inserted-value",
            string_header("existing", "existing-value"),
            string_header("inserted", "inserted-value"),
        );
    }

    #[test]
    fn insertion_with_existing_same_header() {
        check(
            "existing",
            "inserted-value",
            string_header("existing", "preexisting-value"),
            string_header("existing", "inserted-value"),
        );
    }

    #[test]
    fn insertion_with_byte_header() {
        check(
            "inserted",
            "1",
            string_header("existing", "existing-value"),
            Header::new("inserted", Some(Arc::new(Schema::int8())), Value::Int8(1)),
        );
    }

    #[test]
    fn config_rejects_null_header_key() {
        let e = InsertHeader::open(config(None, Some("1"))).unwrap_err();
        assert_eq!(
            e.message(),
            "Missing required configuration \"header\" which has no default value."
        );
    }

    #[test]
    fn config_rejects_null_header_value() {
        let e = InsertHeader::open(config(Some("inserted"), None)).unwrap_err();
        assert_eq!(
            e.message(),
            "Missing required configuration \"value.literal\" which has no default value."
        );
        assert_eq!(InsertHeader::validate(&config(None, None)).len(), 2);
    }

    #[test]
    fn literals_are_typed_like_values_parse_string() {
        let inserted = |literal: &str| {
            let mut t = xform("h", literal);
            let out = t.apply_record(source_record(vec![])).unwrap().unwrap();
            let h = out.headers.into_iter().next().unwrap();
            (h.schema.map(|s| (*s).clone()), h.value)
        };
        assert_eq!(
            inserted("true"),
            (Some(Schema::boolean()), Value::Boolean(true))
        );
        assert_eq!(
            inserted("32768"),
            (Some(Schema::int32()), Value::Int32(32768))
        );
        assert_eq!(inserted("null"), (None, Value::Null));
        assert_eq!(
            inserted(" padded "),
            (Some(Schema::string()), Value::from("padded")),
            "Kafka trims STRING config values"
        );
        assert_eq!(inserted(""), (Some(Schema::string()), Value::from("")));
        let (schema, value) = inserted("[1, 2]");
        assert_eq!(schema, Some(Schema::array(Schema::int8())));
        assert_eq!(value, Value::Array(vec![Value::Int8(1), Value::Int8(2)]));
    }
}
