//! Ferry's TopicNameMatches against the vectors Kafka 4.4.0's own predicate wrote.

use topic_name_matches::TopicNameMatches;

#[test]
fn matches_kafka_topic_name_matches() {
    transform_oracle::check_predicate::<TopicNameMatches>(
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        &[],
    );
}
