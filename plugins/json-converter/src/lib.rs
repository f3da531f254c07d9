//! `json-converter`: Kafka Connect's `org.apache.kafka.connect.json.JsonConverter` as a
//! Ferry converter plugin, byte-compatible with Kafka's output.
//!
//! The conversion itself lives in [`convert`] (pure Rust, testable natively:
//! [`convert::serialize`], [`convert::deserialize`], [`convert::JsonConverter`]); this
//! file only adapts it to the SDK's [`Converter`] trait and exports the component.
//!
//! # Behaviour (as Kafka's)
//!
//! Configs (`JsonConverterConfig`): `schemas.enable` (default true),
//! `schemas.cache.size` (1000), `decimal.format` (`BASE64` | `NUMERIC`, any case),
//! `replace.null.with.default` (true), `converter.type` (set from `is_key`).
//!
//! - Writing: `{"schema":…,"payload":…}` with schemas enabled, the bare payload
//!   otherwise; no schema and a null value is a Kafka null (tombstone). Compact JSON as
//!   Jackson writes it: schema keys in Kafka's order, floats as Java's
//!   `Double.toString`/`Float.toString` (non-finite ones as the strings `"NaN"`,
//!   `"Infinity"`), bytes and BASE64 decimals as base64, NUMERIC decimals as
//!   `BigDecimal.toString`, string-keyed maps as objects and others as `[[k,v],…]`,
//!   non-BMP characters as `\uD83D\uDE00` surrogate escapes.
//! - Reading: the envelope is required when schemas are enabled (Kafka's message
//!   otherwise); without schemas, integers become int64, other numbers float64, objects
//!   maps. Jackson's reader quirks are kept: leading zeros, content after the root value
//!   ignored, duplicate keys (last wins), lenient UTF-8, UTF-16/32 detection, depth and
//!   number-length limits. Kafka's coercions of mismatched JSON (`intValue()` of a
//!   string is 0, …) and its error messages are kept. Maps come out in
//!   `java.util.HashMap` iteration order, as Kafka's do.
//!
//! # Known differences from Kafka
//!
//! - A Decimal read from a JSON number is rescaled to the schema's scale (the SDK's
//!   Decimal is unscaled bytes at the schema's scale); Kafka keeps the number's own
//!   scale in its `BigDecimal`. A number with more fraction digits than the scale is an
//!   error here.
//! - Struct schemas with a `default` are accepted; Kafka's `SchemaBuilder` refuses them
//!   ("Invalid default value").
//! - Lone UTF-16 surrogates (`"\ud800"`) become U+FFFD: Rust strings cannot hold them.
//! - Maps with `bytes` keys keep JSON order (Java orders them by identity hash).
//! - Doubles print as on JDK 19+; Kafka on JDK 17 prints some with an extra digit.
//! - A float literal beyond the double range (`1e400`) read into an integer schema is
//!   0 here, as with Jackson 2.17+; Jackson 2.16 (Kafka 4.0) reads it as infinity.
//! - `schema.content` (Kafka 4.1+) is not implemented.
//!
//! `tests/kafka_oracle.rs` checks 2600+ vectors produced by Kafka's own converter.

pub mod config;
pub mod convert;
pub mod java;
pub mod json;
pub mod numbers;

use std::sync::Arc;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, Converter, HeadersAsValues, Importance, Plugin,
    PluginDescriptor, PluginError, Schema, Value,
};

use crate::config::Options;
use crate::convert::JsonConverter;

/// The plugin: one configured [`JsonConverter`] per converter instance.
pub struct JsonConverterPlugin {
    inner: JsonConverter,
}

impl JsonConverterPlugin {
    /// The configured core converter.
    pub fn converter(&self) -> &JsonConverter {
        &self.inner
    }
}

impl Plugin for JsonConverterPlugin {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::converter("json-converter")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(["JsonConverter", "org.apache.kafka.connect.json.JsonConverter"])
            .summary("JSON with an optional schema envelope, byte-compatible with Kafka's JsonConverter.")
            .config(
                ConfigKey::boolean(config::SCHEMAS_ENABLE)
                    .default_value("true")
                    .importance(Importance::High)
                    .group("Schemas")
                    .doc("Include schemas within each of the serialized values and keys."),
            )
            .config(
                ConfigKey::int(config::SCHEMAS_CACHE_SIZE)
                    .default_value(config::SCHEMAS_CACHE_SIZE_DEFAULT.to_string())
                    .importance(Importance::High)
                    .group("Schemas")
                    .doc("The maximum number of schemas that can be cached in this converter instance."),
            )
            .config(
                ConfigKey::string(config::DECIMAL_FORMAT)
                    .default_value("BASE64")
                    .importance(Importance::Low)
                    .group("Serialization")
                    .doc(
                        "Controls which format this converter will serialize decimals in. This value is case \
                         insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
                    ),
            )
            .config(
                ConfigKey::boolean(config::REPLACE_NULL_WITH_DEFAULT)
                    .default_value("true")
                    .importance(Importance::Low)
                    .group("Serialization")
                    .doc(
                        "Whether to replace fields that have a default value and that are null to the default \
                         value. When set to true, the default value is used, otherwise null is used.",
                    ),
            )
            .config(
                ConfigKey::string(config::CONVERTER_TYPE)
                    .importance(Importance::Low)
                    .doc("How this converter will be used."),
            )
    }

    fn validate(config: &Config) -> Vec<ConfigProblem> {
        Options::problems(config.iter())
            .into_iter()
            .map(|e| ConfigProblem::new(e.key.clone(), e.to_string()))
            .collect()
    }
}

impl Converter for JsonConverterPlugin {
    fn open(config: Config, is_key: bool) -> Result<Self, PluginError> {
        let options = Options::parse(config.iter(), Some(is_key))
            .map_err(|e| PluginError::Config(e.to_string()))?;
        Ok(JsonConverterPlugin {
            inner: JsonConverter::new(options),
        })
    }

    fn from_connect(
        &mut self,
        _topic: &str,
        schema: Option<&Arc<Schema>>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, PluginError> {
        self.inner
            .from_connect(schema, value)
            .map_err(|e| PluginError::Fatal(e.to_string()))
    }

    fn to_connect(
        &mut self,
        _topic: &str,
        data: Option<&[u8]>,
    ) -> Result<(Option<Arc<Schema>>, Value), PluginError> {
        self.inner
            .to_connect(data)
            .map_err(|e| PluginError::Fatal(e.to_string()))
    }
}

/// Kafka's `JsonConverter` is a `HeaderConverter` too: headers convert as values do.
impl HeadersAsValues for JsonConverterPlugin {
    fn open_for_headers(config: Config) -> Result<Self, PluginError> {
        // `configure(configs)` with `converter.type=header`: a value-like converter.
        let options =
            Options::parse(config.iter(), None).map_err(|e| PluginError::Config(e.to_string()))?;
        Ok(JsonConverterPlugin {
            inner: JsonConverter::new(options),
        })
    }
}

// The component exports only exist on wasm: their symbol names (`ferry:connect/…`) do
// not link into a native cdylib, and native builds are for tests.
#[cfg(target_arch = "wasm32")]
ferry_sdk::export_converter_and_header_converter!(JsonConverterPlugin);
