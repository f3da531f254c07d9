//! Test harness for Ferry's end-to-end tests: a real Apache Kafka broker, real `ferry`
//! worker processes and the real plugins from `build/`.
//!
//! Everything here is test-support code: it panics with a descriptive message when the
//! environment is broken (no broker binary, no `ferry` binary, a broker that will not
//! start), so tests read as straight-line scenarios.
//!
//! Rules every test follows:
//! - its own topics, group and connector names, REST port and temp dirs, on the broker
//!   its test binary shares ([`Broker::shared`]), or on a broker of its own
//!   ([`Broker::start`]) when it kills, freezes or restarts the broker;
//! - no fixed sleeps: poll with [`wait_until`] / [`wait_for`] against a deadline;
//! - worker and broker logs are printed when a test panics while they are alive.

mod broker;
mod connectors;
mod files;
mod paths;
mod postgres;
mod rest;
mod wait;
mod worker;

pub use broker::Broker;
pub use connectors::{Config, config_map, file_sink_config, file_source_config, with, without};
pub use files::{
    XorShift, append_lines, connector_json, read_lines, report, unique_name, write_json,
    write_lines, write_properties,
};
pub use paths::{
    ferry_bin, free_port, plugin_cache_dir, plugins_dir, repo_root, target_dir, test_plugins_dir,
};
pub use postgres::Postgres;
pub use rest::{Rest, assert_error, validation_errors};
pub use wait::{wait_for, wait_until};
pub use worker::{
    Worker, cluster_props, distributed_props, kafka_connect_props, with_test_plugins, worker_props,
};
