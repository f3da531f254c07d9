//! Ferry's RecordIsTombstone against the vectors Kafka 4.4.0's own predicate wrote.

use record_is_tombstone::RecordIsTombstone;

#[test]
fn matches_kafka_record_is_tombstone() {
    transform_oracle::check_predicate::<RecordIsTombstone>(
        "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
        &[],
    );
}
