//! `string-converter`: Kafka's `StringConverter`. Values become their string form
//! (strings verbatim, anything else as Java's `toString`), bytes become an optional
//! string. Encodings: UTF-8 (default) and ISO-8859-1.

use std::sync::Arc;

use ferry_sdk::display::to_java_string;
use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, Converter, HeadersAsValues, Importance, Plugin,
    PluginDescriptor, PluginError, Schema, Value,
};

const ENCODING: &str = "converter.encoding";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Latin1,
}

impl Encoding {
    fn from_config(config: &Config) -> Result<Encoding, PluginError> {
        let name = config.get_or(ENCODING, "UTF-8").trim();
        match name.to_ascii_uppercase().as_str() {
            "UTF-8" | "UTF8" => Ok(Encoding::Utf8),
            "ISO-8859-1" | "ISO8859_1" | "LATIN1" => Ok(Encoding::Latin1),
            _ => Err(PluginError::config(format!(
                "Invalid value {name} for configuration {ENCODING}: unsupported encoding (use UTF-8 or ISO-8859-1)"
            ))),
        }
    }

    fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            // Java replaces unmappable characters with '?'.
            Encoding::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
        }
    }

    fn decode(self, bytes: &[u8]) -> String {
        match self {
            // Java replaces malformed input with U+FFFD, as from_utf8_lossy does.
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        }
    }
}

/// The converter.
pub struct StringConverter {
    encoding: Encoding,
    schema: Arc<Schema>,
}

impl Plugin for StringConverter {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::converter("string-converter")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(["StringConverter", "org.apache.kafka.connect.storage.StringConverter"])
            .summary("Values as strings (Kafka's StringConverter).")
            .config(
                ConfigKey::string(ENCODING)
                    .default_value("UTF-8")
                    .importance(Importance::High)
                    .doc("The name of the Java character set to use for encoding strings as byte arrays."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        match Encoding::from_config(config) {
            Ok(_) => Vec::new(),
            Err(e) => vec![ConfigProblem::new(ENCODING, e.message())],
        }
    }
}

impl Converter for StringConverter {
    fn open(config: Config, _is_key: bool) -> Result<Self, PluginError> {
        Ok(StringConverter {
            encoding: Encoding::from_config(&config)?,
            schema: Schema::optional_string().into_arc(),
        })
    }

    fn from_connect(
        &mut self,
        _topic: &str,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, PluginError> {
        Ok(match value {
            Value::Null => None,
            Value::String(s) => Some(self.encoding.encode(s)),
            other => Some(
                self.encoding
                    .encode(&to_java_string(schema.map(|s| s.as_ref()), other)),
            ),
        })
    }

    fn to_connect(
        &mut self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<Arc<Schema>>, Value), PluginError> {
        let value = data.map_or(Value::Null, |b| Value::String(self.encoding.decode(b)));
        Ok((Some(Arc::clone(&self.schema)), value))
    }
}

/// Kafka's `StringConverter` is a `HeaderConverter` too: headers convert as values do.
impl HeadersAsValues for StringConverter {}

ferry_sdk::export_converter_and_header_converter!(StringConverter);

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::HeaderConverter;

    fn converter(encoding: Option<&str>) -> StringConverter {
        let config: Config = encoding.map(|e| (ENCODING, e)).into_iter().collect();
        <StringConverter as Converter>::open(config, false).expect("open")
    }

    #[test]
    fn round_trips_strings_and_nulls() {
        let mut c = converter(None);
        assert_eq!(
            c.from_connect("t", None, &"héllo".into()).expect("from"),
            Some("héllo".as_bytes().to_vec())
        );
        assert_eq!(c.from_connect("t", None, &Value::Null).expect("from"), None);
        assert_eq!(
            c.from_connect("t", None, &Value::Int32(42)).expect("from"),
            Some(b"42".to_vec())
        );
        let (schema, value) = c.to_connect("t", Some("héllo".as_bytes())).expect("to");
        assert_eq!(schema.as_deref(), Some(&Schema::optional_string()));
        assert_eq!(value, Value::from("héllo"));
        assert_eq!(c.to_connect("t", None).expect("to").1, Value::Null);
    }

    #[test]
    fn latin1_and_bad_encodings() {
        let mut c = converter(Some("iso-8859-1"));
        assert_eq!(
            c.from_connect("t", None, &"é€".into()).expect("from"),
            Some(vec![0xe9, b'?'])
        );
        assert_eq!(
            c.to_connect("t", Some(&[0xe9])).expect("to").1,
            Value::from("é")
        );
        let bad: Config = [(ENCODING, "EBCDIC")].into_iter().collect();
        assert_eq!(StringConverter::validate(&bad).len(), 1);
        assert!(<StringConverter as Converter>::open(bad, true).is_err());
    }

    #[test]
    fn headers_convert_as_values() {
        let config: Config = [(ENCODING, "ISO-8859-1"), ("converter.type", "header")]
            .into_iter()
            .collect();
        let mut c = <StringConverter as HeaderConverter>::open(config).expect("open");
        let (schema, value) = c.to_connect_header("t", "h", Some(&[0xe9])).expect("to");
        assert_eq!(schema.as_deref(), Some(&Schema::optional_string()));
        assert_eq!(value, Value::from("é"));
        assert_eq!(
            c.from_connect_header("t", "h", None, &Value::Int8(42))
                .expect("from"),
            Some(b"42".to_vec())
        );
        assert_eq!(
            c.from_connect_header("t", "h", None, &Value::Null)
                .expect("from"),
            None
        );
    }
}
