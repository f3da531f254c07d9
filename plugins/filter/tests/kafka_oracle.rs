//! Filter against the vectors Kafka 4.4.0's own Filter produced
//! (`transform-oracle/oracle/cases/Filter.json`).

use filter::Filter;

#[test]
fn matches_kafka_filter() {
    transform_oracle::check_transform::<Filter>("org.apache.kafka.connect.transforms.Filter", &[]);
}
