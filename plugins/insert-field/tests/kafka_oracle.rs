//! InsertField against the vectors Kafka 4.4.0's own `InsertField` produced
//! (`plugins/transform-oracle`).

use insert_field::{InsertField, KeySide, ValueSide};

/// Kafka prints the field's `InsertionSpec` object (`…InsertField$InsertionSpec@1b2c3d`)
/// where Ferry names the field: a Java object identity tells a user nothing.
const KNOWN: [(&str, &str); 2] = [
    (
        "static-field-without-value",
        "Ferry names the static field instead of printing a Java object identity",
    ),
    (
        "static-field-without-value-required",
        "Ferry names the static field instead of printing a Java object identity",
    ),
];

#[test]
fn matches_kafka_insert_field_value() {
    transform_oracle::check_transform::<InsertField<ValueSide>>(
        "org.apache.kafka.connect.transforms.InsertField$Value",
        &KNOWN,
    );
}

#[test]
fn matches_kafka_insert_field_key() {
    transform_oracle::check_transform::<InsertField<KeySide>>(
        "org.apache.kafka.connect.transforms.InsertField$Key",
        &KNOWN,
    );
}
