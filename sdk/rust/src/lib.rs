//! Ferry's Rust SDK: write Kafka Connect-style plugins (connectors, converters,
//! transforms, predicates) as WebAssembly components for `wasm32-wasip2`.
//!
//! A plugin implements the traits in [`plugin`] over the idiomatic data model in
//! [`data`] ([`Schema`], [`Value`], [`Struct`], [`ConnectRecord`]) and exports them with
//! one macro: [`export_source!`], [`export_sink!`], [`export_converter!`],
//! [`export_header_converter!`], [`export_converter_and_header_converter!`],
//! [`export_transform!`] or [`export_predicate!`]. The columnar batch layout of the WIT
//! contract is handled by [`codec`].
#![doc = include_str!("../README.md")]

pub mod bindings;
pub mod codec;
pub mod config;
pub mod data;
pub mod describe;
pub mod display;
pub mod error;
pub mod export;
pub mod family;
pub mod host;
pub mod http;
pub mod logical;
pub mod plugin;

pub use config::Config;
pub use data::{
    ConnectRecord, DataError, Field, Header, Schema, SchemaAndValue, SchemaType, Struct, Value,
};
pub use describe::{
    ConfigKey, ConfigProblem, ConfigType, EndpointForm, Importance, PathAccess, PluginDescriptor,
    PluginKind,
};
pub use error::PluginError;
pub use host::LogLevel;
pub use plugin::{
    Converter, HeaderConverter, HeadersAsValues, Plugin, Predicate, SinkConnector, SinkTask,
    SourceConnector, SourceTask, TopicPartitionOffset, Transform,
};
