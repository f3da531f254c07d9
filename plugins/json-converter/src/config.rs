//! `JsonConverterConfig`: the converter's settings, parsed as Kafka's `ConfigDef` parses
//! them (values trimmed; booleans `true`/`false` in any case; unknown keys ignored).

/// `schemas.enable`.
pub const SCHEMAS_ENABLE: &str = "schemas.enable";
/// `schemas.cache.size`.
pub const SCHEMAS_CACHE_SIZE: &str = "schemas.cache.size";
/// `decimal.format`.
pub const DECIMAL_FORMAT: &str = "decimal.format";
/// `replace.null.with.default`.
pub const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";
/// `converter.type` (Kafka's `ConverterConfig.TYPE_CONFIG`).
pub const CONVERTER_TYPE: &str = "converter.type";

pub const SCHEMAS_CACHE_SIZE_DEFAULT: i32 = 1000;

/// How Decimal values are written (`decimal.format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DecimalFormat {
    /// Base64 of the unscaled value's two's-complement bytes (Kafka's default).
    #[default]
    Base64,
    /// A JSON number (`BigDecimal.toString`).
    Numeric,
}

/// Whether the converter handles keys, values or headers (`converter.type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConverterType {
    Key,
    #[default]
    Value,
    Header,
}

/// Parsed `JsonConverterConfig`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub schemas_enable: bool,
    pub schemas_cache_size: i32,
    pub decimal_format: DecimalFormat,
    pub replace_null_with_default: bool,
    pub converter_type: ConverterType,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            schemas_enable: true,
            schemas_cache_size: SCHEMAS_CACHE_SIZE_DEFAULT,
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: true,
            converter_type: ConverterType::Value,
        }
    }
}

/// A config value Kafka's `ConfigDef` would refuse, with Kafka's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Invalid value {value} for configuration {key}: {reason}")]
pub struct ConfigError {
    pub key: String,
    pub value: String,
    pub reason: String,
}

impl Options {
    /// Parse a converter config (prefix already stripped). `is_key` overrides any
    /// `converter.type`, as Kafka's `configure(configs, isKey)` does.
    pub fn parse<'a, I>(config: I, is_key: Option<bool>) -> Result<Options, ConfigError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut options = Options::default();
        for (key, value) in config {
            let err = |reason: &str| ConfigError {
                key: key.to_string(),
                value: value.to_string(),
                reason: reason.to_string(),
            };
            let trimmed = value.trim();
            match key {
                SCHEMAS_ENABLE => {
                    options.schemas_enable = parse_bool(trimmed).ok_or_else(|| err(BOOL_REASON))?
                }
                REPLACE_NULL_WITH_DEFAULT => {
                    options.replace_null_with_default =
                        parse_bool(trimmed).ok_or_else(|| err(BOOL_REASON))?
                }
                SCHEMAS_CACHE_SIZE => {
                    options.schemas_cache_size = trimmed
                        .parse()
                        .map_err(|_| err("Not a number of type INT"))?
                }
                DECIMAL_FORMAT => {
                    options.decimal_format = if trimmed.eq_ignore_ascii_case("BASE64") {
                        DecimalFormat::Base64
                    } else if trimmed.eq_ignore_ascii_case("NUMERIC") {
                        DecimalFormat::Numeric
                    } else {
                        return Err(err(
                            "String must be one of (case insensitive): BASE64, NUMERIC",
                        ));
                    }
                }
                // Kafka's configure(configs, isKey) overwrites it before parsing.
                CONVERTER_TYPE if is_key.is_some() => {}
                CONVERTER_TYPE => {
                    options.converter_type = match trimmed {
                        "key" => ConverterType::Key,
                        "value" => ConverterType::Value,
                        "header" => ConverterType::Header,
                        _ => return Err(err("String must be one of: key, value, header")),
                    }
                }
                _ => {}
            }
        }
        if let Some(is_key) = is_key {
            options.converter_type = if is_key {
                ConverterType::Key
            } else {
                ConverterType::Value
            };
        }
        Ok(options)
    }

    /// Every problem in `config`, one per bad key (for `validate`).
    pub fn problems<'a, I>(config: I) -> Vec<ConfigError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        config
            .into_iter()
            .filter_map(|entry| Options::parse([entry], None).err())
            .collect()
    }
}

const BOOL_REASON: &str = "Expected value to be either true or false";

fn parse_bool(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let o = Options::parse([], Some(false)).unwrap();
        assert_eq!(o, Options::default());
    }

    #[test]
    fn parses_like_configdef() {
        let o = Options::parse(
            [
                ("schemas.enable", " FALSE "),
                ("schemas.cache.size", "5"),
                ("decimal.format", "numeric"),
                ("replace.null.with.default", "False"),
                ("converter.type", "value"),
                ("something.else", "whatever"),
            ],
            Some(true),
        )
        .unwrap();
        assert!(!o.schemas_enable);
        assert_eq!(o.schemas_cache_size, 5);
        assert_eq!(o.decimal_format, DecimalFormat::Numeric);
        assert!(!o.replace_null_with_default);
        assert_eq!(o.converter_type, ConverterType::Key);
    }

    #[test]
    fn refuses_bad_values_with_kafka_messages() {
        let e = Options::parse([("schemas.enable", "yes")], None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid value yes for configuration schemas.enable: Expected value to be either true or false"
        );
        let e = Options::parse([("decimal.format", "HEX")], None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid value HEX for configuration decimal.format: String must be one of (case insensitive): BASE64, NUMERIC"
        );
        assert!(Options::parse([("schemas.cache.size", "lots")], None).is_err());
        assert!(Options::parse([("converter.type", "sideways")], None).is_err());
        // With is_key given (Kafka's configure(configs, isKey)) it is overwritten unread.
        let o = Options::parse([("converter.type", "sideways")], Some(false)).unwrap();
        assert_eq!(o.converter_type, ConverterType::Value);
        let problems = Options::problems([
            ("schemas.enable", "x"),
            ("decimal.format", "y"),
            ("ok", "z"),
        ]);
        assert_eq!(problems.len(), 2);
    }
}
