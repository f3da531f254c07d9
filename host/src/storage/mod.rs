//! Where a worker keeps its state: the read-to-end Kafka log (Kafka's
//! `KafkaBasedLog`) and the config, status and offset stores built on it, plus the
//! standalone offsets file.

pub mod config_log;
pub mod file_offsets;
pub mod kafka_log;
pub mod kafka_offsets;
pub mod status_log;
