//! ExtractField against the vectors Kafka 4.4.0's own `ExtractField` produced.

use extract_field::{ExtractField, KeySide, ValueSide};

#[test]
fn matches_kafka_extract_field_key() {
    transform_oracle::check_transform::<ExtractField<KeySide>>(
        "org.apache.kafka.connect.transforms.ExtractField$Key",
        &[],
    );
}

#[test]
fn matches_kafka_extract_field_value() {
    transform_oracle::check_transform::<ExtractField<ValueSide>>(
        "org.apache.kafka.connect.transforms.ExtractField$Value",
        &[],
    );
}
