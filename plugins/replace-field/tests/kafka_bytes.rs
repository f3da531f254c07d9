//! Byte-exact outputs: every record Kafka's ReplaceField wrote in the vectors, written by
//! Ferry's JsonConverter from Ferry's output, must be the very same bytes, including
//! the key order of schemaless maps (see [`transform_oracle::check_transform_bytes`]).

use replace_field::{KeySide, ReplaceField, ValueSide};

#[test]
fn value_outputs_are_kafkas_bytes() {
    transform_oracle::check_transform_bytes::<ReplaceField<ValueSide>>(
        "org.apache.kafka.connect.transforms.ReplaceField$Value",
    );
}

#[test]
fn key_outputs_are_kafkas_bytes() {
    transform_oracle::check_transform_bytes::<ReplaceField<KeySide>>(
        "org.apache.kafka.connect.transforms.ReplaceField$Key",
    );
}
