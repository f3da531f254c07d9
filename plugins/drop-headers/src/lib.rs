//! Kafka's `DropHeaders` transform: removes every header whose key is one of the
//! configured `headers`; everything else in the record stays as it is.

use std::collections::HashSet;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Transform,
};
use transform_support::config::{any_non_duplicate_values, required_list};
use transform_support::side::transform_aliases;

pub const HEADERS_FIELD: &str = "headers";

pub const OVERVIEW_DOC: &str = "Removes one or more headers from each record.";

/// The transform.
#[derive(Debug)]
pub struct DropHeaders {
    headers: HashSet<String>,
}

/// `headers`: required, with 4.4.0's `ValidList.anyNonDuplicateValues(false, false)`.
/// `ConfigDef` first removes duplicates from a `ValidList`-validated list (logging a
/// warning), so only an empty list or an empty item fail.
fn parse_headers(config: &Config) -> Result<Vec<String>, PluginError> {
    any_non_duplicate_values(HEADERS_FIELD, required_list(config, HEADERS_FIELD)?, false)
}

impl Plugin for DropHeaders {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation("drop-headers")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(transform_aliases("DropHeaders"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::list(HEADERS_FIELD)
                    .required()
                    .importance(Importance::High)
                    .doc("The name of the headers to be removed."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match parse_headers(config) {
            Ok(_) => Vec::new(),
            Err(e) => vec![ConfigProblem::new(HEADERS_FIELD, e.message())],
        }
    }
}

impl Transform for DropHeaders {
    fn open(config: Config) -> Result<Self, PluginError> {
        Ok(DropHeaders {
            headers: parse_headers(&config)?.into_iter().collect(),
        })
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        record.headers.retain(|h| !self.headers.contains(&h.key));
        Ok(Some(record))
    }
}

// The component exports only exist on wasm: their symbol names clash natively.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_transform!(DropHeaders);

/// Ports of Kafka's `DropHeadersTest`.
#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::{Header, Schema, Value};
    use std::sync::Arc;

    fn xform(headers: &str) -> DropHeaders {
        DropHeaders::open([(HEADERS_FIELD, headers)].into_iter().collect()).unwrap()
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

    #[test]
    fn drop_existing_header() {
        let mut t = xform("to-drop");
        let expected = vec![string_header("existing", "existing-value")];
        let mut headers = expected.clone();
        headers.push(string_header("to-drop", "existing-value"));
        let original = source_record(headers);
        let xformed = t.apply_record(original.clone()).unwrap().unwrap();
        assert_non_headers(&original, &xformed);
        assert_eq!(expected, xformed.headers);
    }

    #[test]
    fn drop_existing_header_with_multiple_values() {
        let mut t = xform("to-drop");
        let expected = vec![string_header("existing", "existing-value")];
        let mut headers = expected.clone();
        headers.push(string_header("to-drop", "existing-value"));
        headers.push(string_header("to-drop", "existing-other-value"));
        let original = source_record(headers);
        let xformed = t.apply_record(original.clone()).unwrap().unwrap();
        assert_non_headers(&original, &xformed);
        assert_eq!(expected, xformed.headers);
    }

    #[test]
    fn drop_non_existing_header() {
        let mut t = xform("to-drop");
        let expected = vec![string_header("existing", "existing-value")];
        let original = source_record(expected.clone());
        let xformed = t.apply_record(original.clone()).unwrap().unwrap();
        assert_non_headers(&original, &xformed);
        assert_eq!(expected, xformed.headers);
    }

    #[test]
    fn config_rejects_empty_list() {
        let e = DropHeaders::open([(HEADERS_FIELD, "")].into_iter().collect()).unwrap_err();
        assert_eq!(
            e.message(),
            "Configuration 'headers' must not be empty. Valid values include: any non-empty value"
        );
        assert!(DropHeaders::open(Config::new()).is_err());
    }

    #[test]
    fn duplicates_are_dropped_and_empty_items_rejected_like_4_4_0() {
        let dup: Config = [(HEADERS_FIELD, "a, a")].into_iter().collect();
        assert!(DropHeaders::validate(&dup).is_empty());
        assert_eq!(DropHeaders::open(dup).unwrap().headers.len(), 1);
        for bad in ["a,,b", "a,,", ","] {
            let e = DropHeaders::open([(HEADERS_FIELD, bad)].into_iter().collect()).unwrap_err();
            assert_eq!(
                e.message(),
                "Configuration 'headers' values must not be empty."
            );
        }
    }

    #[test]
    fn drops_several_and_keeps_order() {
        let mut t = xform(" a , b ");
        let record = source_record(vec![
            string_header("x", "1"),
            string_header("a", "2"),
            Header::new("y", None, Value::Int32(3)),
            string_header("b", "4"),
            string_header("z", "5"),
        ]);
        let out = t.apply_record(record).unwrap().unwrap();
        let keys: Vec<&str> = out.headers.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(keys, ["x", "y", "z"]);
    }
}
