//! Flatten against the vectors Kafka 4.4.0's own `Flatten` produced.

use flatten::{Flatten, KeySide, ValueSide};

#[test]
fn matches_kafka_flatten_key() {
    transform_oracle::check_transform::<Flatten<KeySide>>(
        "org.apache.kafka.connect.transforms.Flatten$Key",
        &[],
    );
}

#[test]
fn matches_kafka_flatten_value() {
    transform_oracle::check_transform::<Flatten<ValueSide>>(
        "org.apache.kafka.connect.transforms.Flatten$Value",
        &[],
    );
}
