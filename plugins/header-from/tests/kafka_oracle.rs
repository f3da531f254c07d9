//! Ferry's HeaderFrom$Key and HeaderFrom$Value against the vectors Kafka 4.4.0's own
//! HeaderFrom wrote.

use header_from::{HeaderFrom, KeySide, ValueSide};

#[test]
fn matches_kafka_header_from_value() {
    transform_oracle::check_transform::<HeaderFrom<ValueSide>>(
        "org.apache.kafka.connect.transforms.HeaderFrom$Value",
        &[],
    );
}

#[test]
fn matches_kafka_header_from_key() {
    transform_oracle::check_transform::<HeaderFrom<KeySide>>(
        "org.apache.kafka.connect.transforms.HeaderFrom$Key",
        &[],
    );
}
