//! `bytearray-converter`: Kafka's `ByteArrayConverter`. Passes bytes through; values
//! come back with Kafka's `OPTIONAL_BYTES_SCHEMA`.

use std::sync::Arc;

use ferry_sdk::{
    Config, Converter, HeadersAsValues, Plugin, PluginDescriptor, PluginError, Schema, SchemaType,
    Value,
};

/// The converter.
pub struct ByteArrayConverter {
    schema: Arc<Schema>,
}

impl Plugin for ByteArrayConverter {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::converter("bytearray-converter")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases([
                "ByteArrayConverter",
                "org.apache.kafka.connect.converters.ByteArrayConverter",
            ])
            .summary("Raw bytes, passed through unchanged (Kafka's ByteArrayConverter).")
    }
}

impl Converter for ByteArrayConverter {
    fn open(_config: Config, _is_key: bool) -> Result<Self, PluginError> {
        Ok(ByteArrayConverter {
            schema: Schema::optional_bytes().into_arc(),
        })
    }

    fn from_connect(
        &mut self,
        _topic: &str,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, PluginError> {
        if let Some(schema) = schema
            && schema.kind != SchemaType::Bytes
        {
            return Err(PluginError::fatal(format!(
                "Invalid schema type for ByteArrayConverter: {}",
                format!("{:?}", schema.kind).to_uppercase()
            )));
        }
        match value {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b.clone())),
            other => Err(PluginError::fatal(format!(
                "ByteArrayConverter is not compatible with objects of type {}",
                other.type_name()
            ))),
        }
    }

    fn to_connect(
        &mut self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<Arc<Schema>>, Value), PluginError> {
        let value = data.map_or(Value::Null, |b| Value::Bytes(b.to_vec()));
        Ok((Some(Arc::clone(&self.schema)), value))
    }
}

/// Kafka's `ByteArrayConverter` is a `HeaderConverter` too: headers convert as values do.
impl HeadersAsValues for ByteArrayConverter {}

ferry_sdk::export_converter_and_header_converter!(ByteArrayConverter);

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::HeaderConverter;

    #[test]
    fn passes_bytes_and_rejects_the_rest() {
        let mut c = <ByteArrayConverter as Converter>::open(Config::new(), false).expect("open");
        let bytes = Value::Bytes(vec![1, 2]);
        assert_eq!(
            c.from_connect("t", None, &bytes).expect("from"),
            Some(vec![1, 2])
        );
        assert_eq!(c.from_connect("t", None, &Value::Null).expect("from"), None);
        assert!(c.from_connect("t", None, &"s".into()).is_err());
        let string = Schema::string().into_arc();
        assert!(c.from_connect("t", Some(&string), &bytes).is_err());
        let (schema, value) = c.to_connect("t", Some(&[3])).expect("to");
        assert_eq!(schema.as_deref(), Some(&Schema::optional_bytes()));
        assert_eq!(value, Value::Bytes(vec![3]));
        assert_eq!(c.to_connect("t", None).expect("to").1, Value::Null);
    }

    #[test]
    fn header_bytes_pass_through() {
        let mut c = <ByteArrayConverter as HeaderConverter>::open(Config::new()).expect("open");
        let (schema, value) = c.to_connect_header("t", "h", Some(b"42")).expect("to");
        assert_eq!(schema.as_deref(), Some(&Schema::optional_bytes()));
        assert_eq!(value, Value::Bytes(b"42".to_vec()));
        assert_eq!(
            c.from_connect_header("t", "h", schema.as_ref(), &value)
                .expect("from"),
            Some(b"42".to_vec())
        );
    }
}
