//! TimestampRouter against the vectors Kafka 4.4.0's own `TimestampRouter` produced.

use timestamp_router::TimestampRouter;

#[test]
fn matches_kafka_timestamp_router() {
    transform_oracle::check_transform::<TimestampRouter>(
        "org.apache.kafka.connect.transforms.TimestampRouter",
        &[],
    );
}
