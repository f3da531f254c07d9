//! Ferry's HasHeaderKey against the vectors Kafka 4.4.0's own predicate wrote.

use has_header_key::HasHeaderKey;

#[test]
fn matches_kafka_has_header_key() {
    transform_oracle::check_predicate::<HasHeaderKey>(
        "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
        &[],
    );
}
