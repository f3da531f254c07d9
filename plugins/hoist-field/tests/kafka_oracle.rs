//! HoistField against the vectors Kafka 4.4.0's own `HoistField` produced.

use hoist_field::{HoistField, KeySide, ValueSide};

#[test]
fn matches_kafka_hoist_field_key() {
    transform_oracle::check_transform::<HoistField<KeySide>>(
        "org.apache.kafka.connect.transforms.HoistField$Key",
        &[],
    );
}

#[test]
fn matches_kafka_hoist_field_value() {
    transform_oracle::check_transform::<HoistField<ValueSide>>(
        "org.apache.kafka.connect.transforms.HoistField$Value",
        &[],
    );
}
