//! Byte-exact outputs: every record Kafka's MaskField wrote in the vectors, written by
//! Ferry's JsonConverter from Ferry's output, must be the very same bytes, including
//! the key order of schemaless maps (see [`transform_oracle::check_transform_bytes`]).

use mask_field::{KeySide, MaskField, ValueSide};

#[test]
fn value_outputs_are_kafkas_bytes() {
    transform_oracle::check_transform_bytes::<MaskField<ValueSide>>(
        "org.apache.kafka.connect.transforms.MaskField$Value",
    );
}

#[test]
fn key_outputs_are_kafkas_bytes() {
    transform_oracle::check_transform_bytes::<MaskField<KeySide>>(
        "org.apache.kafka.connect.transforms.MaskField$Key",
    );
}
