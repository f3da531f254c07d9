//! TimestampConverter against the vectors Kafka 4.4.0's own `TimestampConverter`
//! produced.
//!
//! Known differences (see the README), selected from the vectors by Kafka's answer:
//! - a schemaless `Date`/`Time`/`Timestamp` result: Kafka's is a bare
//!   `java.util.Date` its JsonConverter cannot write; Ferry writes its milliseconds;
//! - a `Date` result of `Long.MIN_VALUE` ms: Kafka's `Calendar` truncation overflows
//!   into a non-midnight `Date` its JsonConverter refuses; Ferry's day is exact.

use timestamp_converter::{KeySide, TimestampConverter, ValueSide};
use transform_oracle::{Expected, vectors};

const SCHEMALESS_DATE: &str =
    "Java class class java.util.Date does not have corresponding schema type.";
const DATE_OVERFLOW: &str =
    "Kafka Connect Date type should not have any time fields set to non-zero values.";

fn known(class: &str) -> Vec<(String, &'static str)> {
    vectors(class)
        .into_iter()
        .filter_map(|v| match &v.expected {
            Expected::Error {
                message: Some(m),
                stage: Some(stage),
                ..
            } if stage == "serialize" => {
                if m == SCHEMALESS_DATE {
                    Some((v.id, "schemaless Date/Time/Timestamp result: Kafka's bare java.util.Date cannot be written; Ferry writes its milliseconds"))
                } else if m == DATE_OVERFLOW {
                    Some((v.id, "Date of Long.MIN_VALUE ms: Kafka's Calendar truncation overflows; Ferry's day is exact"))
                } else {
                    None
                }
            }
            _ => None,
        })
        .collect()
}

fn check<T: ferry_sdk::Transform>(class: &str) {
    let known = known(class);
    let known: Vec<(&str, &str)> = known.iter().map(|(id, why)| (id.as_str(), *why)).collect();
    transform_oracle::check_transform::<T>(class, &known);
}

#[test]
fn matches_kafka_timestamp_converter_key() {
    check::<TimestampConverter<KeySide>>(
        "org.apache.kafka.connect.transforms.TimestampConverter$Key",
    );
}

#[test]
fn matches_kafka_timestamp_converter_value() {
    check::<TimestampConverter<ValueSide>>(
        "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    );
}
