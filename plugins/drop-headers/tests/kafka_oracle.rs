//! Ferry's DropHeaders against the vectors Kafka 4.4.0's own DropHeaders wrote.

use drop_headers::DropHeaders;

#[test]
fn matches_kafka_drop_headers() {
    transform_oracle::check_transform::<DropHeaders>(
        "org.apache.kafka.connect.transforms.DropHeaders",
        &[],
    );
}
