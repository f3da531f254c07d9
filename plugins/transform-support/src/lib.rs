//! What Kafka's built-in transforms share, for Ferry's ports of them: which side of the
//! record a `$Key` / `$Value` form operates on ([`side`]), Kafka's `Requirements`
//! checks with their exact messages ([`requirements`]), `SchemaUtil`
//! ([`schema_util`]), Java class names as Kafka's messages print them ([`java`]) and
//! the per-instance schema cache Kafka keeps in every schema-changing transform
//! ([`cache`]), and Kafka's nested field paths (`field.syntax.version`, [`field_path`]).
//! Java's regular expressions ([`java_regex`], for `TopicNameMatches` and
//! `RegexRouter`) and Kafka's `Values.parseString` ([`values`], for `InsertHeader`).
//! Kafka's `ConfigDef` parsing of config values and its validators' messages
//! ([`config`]), the `replace.null.with.default` key and field getter
//! ([`replace_null_with_default`]) and `Struct.put`'s null check ([`connect_schema`]).

pub mod cache;
pub mod config;
pub mod connect_schema;
pub mod date_format;
pub mod field_path;
pub mod java;
pub mod java_map;
pub mod java_number;
pub mod java_regex;
pub mod replace_null_with_default;
pub mod requirements;
pub mod schema_util;
pub mod side;
pub mod values;

pub use cache::SchemaCache;
pub use side::{KeySide, Side, ValueSide};
