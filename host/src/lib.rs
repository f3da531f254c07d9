//! Ferry: a Kafka Connect-compatible connector host whose plugins are sandboxed
//! WebAssembly components.
//!
//! Data flows one way through a task: source task → transforms → converters →
//! producer, and consumer → converters → transforms → sink task. Each stage is a
//! module of its own; see `docs/architecture.md`.

pub mod config;
pub mod data;
pub mod group;
pub mod herder;
pub mod kafka;
pub mod logging;
pub mod plugin;
pub mod rest;
pub mod storage;
pub mod util;
pub mod worker;
