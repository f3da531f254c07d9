//! ReplaceField against the vectors Kafka 4.4.0's own ReplaceField produced
//! (`transform-oracle/oracle/cases/ReplaceField.json`).

use replace_field::{KeySide, ReplaceField, ValueSide};

#[test]
fn matches_kafka_replace_field_value() {
    transform_oracle::check_transform::<ReplaceField<ValueSide>>(
        "org.apache.kafka.connect.transforms.ReplaceField$Value",
        &[],
    );
}

#[test]
fn matches_kafka_replace_field_key() {
    transform_oracle::check_transform::<ReplaceField<KeySide>>(
        "org.apache.kafka.connect.transforms.ReplaceField$Key",
        &[],
    );
}
