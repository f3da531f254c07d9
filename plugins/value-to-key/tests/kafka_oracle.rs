//! ValueToKey against the vectors Kafka 4.4.0's own `ValueToKey` produced.

use value_to_key::ValueToKey;

#[test]
fn matches_kafka_value_to_key() {
    transform_oracle::check_transform::<ValueToKey>(
        "org.apache.kafka.connect.transforms.ValueToKey",
        &[],
    );
}
