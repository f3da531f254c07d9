//! Kafka's `TimestampRouter` transform: sets the record's topic from `topic.format`,
//! replacing `${topic}` with the topic and `${timestamp}` with the record timestamp
//! formatted by the `SimpleDateFormat` pattern `timestamp.format` (UTC).
//!
//! As in Kafka, the timestamp pattern is only compiled when the first record needs
//! it, so a bad pattern fails every record (with Java's `IllegalArgumentException`
//! message), not the configuration; a record without a timestamp fails with
//! `Timestamp missing on record: <the record's Java toString>`.

mod record_string;

use ferry_sdk::{
    Config, ConfigKey, ConfigProblem, ConnectRecord, Importance, Plugin, PluginDescriptor,
    PluginError, Transform,
};
use transform_support::date_format::DateFormat;
use transform_support::side::transform_aliases;

pub const TOPIC_FORMAT_CONFIG: &str = "topic.format";
pub const TIMESTAMP_FORMAT_CONFIG: &str = "timestamp.format";

/// Kafka's `TimestampRouter.OVERVIEW_DOC`.
pub const OVERVIEW_DOC: &str = "Update the record's topic field as a function of the original topic value and the record timestamp.\
<p/>\
This is mainly useful for sink connectors, since the topic field is often used to determine the equivalent entity name in the destination system\
(e.g. database table or search index name).";

/// The transform.
pub struct TimestampRouter {
    topic_format: String,
    /// The compiled pattern, or Java's message for a bad one.
    timestamp_format: Result<DateFormat, String>,
}

/// Java's `String.trim()` (ConfigDef trims STRING values).
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

impl Plugin for TimestampRouter {
    fn describe() -> PluginDescriptor {
        PluginDescriptor::transformation("timestamp-router")
            .version(env!("CARGO_PKG_VERSION"))
            .aliases(transform_aliases("TimestampRouter"))
            .summary(OVERVIEW_DOC)
            .config(
                ConfigKey::string(TOPIC_FORMAT_CONFIG)
                    .default_value("${topic}-${timestamp}")
                    .importance(Importance::High)
                    .doc("Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for the topic and timestamp, respectively."),
            )
            .config(
                ConfigKey::string(TIMESTAMP_FORMAT_CONFIG)
                    .default_value("yyyyMMdd")
                    .importance(Importance::High)
                    .doc("Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>."),
            )
    }

    fn validate(_config: &Config) -> Vec<ConfigProblem> {
        // Kafka validates nothing here (the pattern is compiled per record).
        Vec::new()
    }
}

impl Transform for TimestampRouter {
    fn open(config: Config) -> Result<Self, PluginError> {
        let topic_format = java_trim(
            config
                .get(TOPIC_FORMAT_CONFIG)
                .unwrap_or("${topic}-${timestamp}"),
        )
        .to_string();
        let pattern = java_trim(config.get(TIMESTAMP_FORMAT_CONFIG).unwrap_or("yyyyMMdd"));
        Ok(TimestampRouter {
            topic_format,
            timestamp_format: DateFormat::new(pattern).map_err(|e| e.0),
        })
    }

    fn apply_record(
        &mut self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, PluginError> {
        let Some(timestamp) = record.timestamp else {
            return Err(PluginError::fatal(format!(
                "Timestamp missing on record: {}",
                record_string::record_to_string(&record)
            )));
        };
        let format = self
            .timestamp_format
            .as_ref()
            .map_err(|message| PluginError::fatal(message.clone()))?;
        let formatted = format.format(timestamp);
        let topic = self
            .topic_format
            .replace("${topic}", &record.topic)
            .replace("${timestamp}", &formatted);
        record.topic = topic;
        Ok(Some(record))
    }
}

#[cfg(target_arch = "wasm32")]
ferry_sdk::export_transform!(TimestampRouter);

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_sdk::{Schema, Value};

    fn router(pairs: &[(&str, &str)]) -> TimestampRouter {
        TimestampRouter::open(pairs.iter().copied().collect()).expect("open")
    }

    // Kafka's TimestampRouterTest.

    #[test]
    fn default_configuration() {
        let mut t = router(&[]);
        let record = ConnectRecord::new("test", None, Value::Null)
            .with_partition(0)
            .with_timestamp(1_483_425_001_864);
        let out = t.apply_record(record).expect("apply").expect("kept");
        assert_eq!(out.topic, "test-20170103");
    }

    #[test]
    fn test_timestamp_router_version_and_names() {
        let d = TimestampRouter::describe();
        assert_eq!(d.name, "timestamp-router");
        assert_eq!(d.version, env!("CARGO_PKG_VERSION"));
    }

    // Beyond Kafka's tests.

    #[test]
    fn placeholders_replace_in_order() {
        let mut t = router(&[
            (TOPIC_FORMAT_CONFIG, "${timestamp}/${topic}"),
            (TIMESTAMP_FORMAT_CONFIG, "yyyy-MM-dd HH:mm"),
        ]);
        let record = ConnectRecord::new("a${timestamp}", None, Value::Null).with_timestamp(0);
        let out = t.apply_record(record).expect("apply").expect("kept");
        assert_eq!(out.topic, "1970-01-01 00:00/a1970-01-01 00:00");
    }

    #[test]
    fn missing_timestamp_names_the_record() {
        let mut t = router(&[]);
        let record = ConnectRecord {
            partition: Some(3),
            kafka_offset: Some(7),
            ..ConnectRecord::new(
                "snk",
                Some(Schema::int32().optional().into_arc()),
                Value::Int32(5),
            )
        }
        .with_key(Some(Schema::string().into_arc()), "k".into())
        .with_header("h", Some(Schema::string().into_arc()), "x".into());
        let err = t.apply_record(record).expect_err("no timestamp");
        assert_eq!(
            err.message(),
            "Timestamp missing on record: SinkRecord{kafkaOffset=7, timestampType=NoTimestampType, originalTopic=snk, originalKafkaPartition=3, originalKafkaOffset=7} ConnectRecord{topic='snk', kafkaPartition=3, key=k, keySchema=Schema{STRING}, value=5, valueSchema=Schema{INT32}, timestamp=null, headers=ConnectHeaders(headers=[ConnectHeader(key=h, value=x, schema=Schema{STRING})])}"
        );
    }

    #[test]
    fn bad_patterns_fail_records_not_the_config() {
        let mut t = router(&[(TIMESTAMP_FORMAT_CONFIG, "bad-format")]);
        let err = t
            .apply_record(ConnectRecord::new("t", None, Value::Null).with_timestamp(0))
            .expect_err("pattern");
        assert_eq!(err.message(), "Illegal pattern character 'b'");
    }
}
