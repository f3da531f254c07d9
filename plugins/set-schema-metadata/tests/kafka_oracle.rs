//! SetSchemaMetadata against the vectors Kafka 4.4.0's own `SetSchemaMetadata` produced.

use set_schema_metadata::{KeySide, SetSchemaMetadata, ValueSide};

#[test]
fn matches_kafka_set_schema_metadata_key() {
    transform_oracle::check_transform::<SetSchemaMetadata<KeySide>>(
        "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
        &[],
    );
}

#[test]
fn matches_kafka_set_schema_metadata_value() {
    transform_oracle::check_transform::<SetSchemaMetadata<ValueSide>>(
        "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
        &[],
    );
}
